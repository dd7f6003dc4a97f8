//! Stage 2: TCP to the addresses in the resolver's order, each with its own limit; the
//! first that connects is used.

use super::dns::millis;
use super::{bounded, ms_since, Deadline};
use serde::Serialize;
use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

/// One address gets at most this long.
const STEP: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", content = "detail", rename_all = "kebab-case")]
pub enum Outcome {
    Connected,
    Refused,
    /// No answer within this many milliseconds.
    TimedOut(u64),
    Unreachable,
    Failed(String),
}

impl Outcome {
    pub fn describe(&self) -> String {
        match self {
            Outcome::Connected => "connected".into(),
            Outcome::Refused => "refused".into(),
            Outcome::TimedOut(ms) => format!("timed out after {ms} ms"),
            Outcome::Unreachable => "unreachable".into(),
            Outcome::Failed(e) => format!("failed: {e}"),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    pub address: SocketAddr,
    #[serde(flatten)]
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConnectStage {
    pub ms: u64,
    pub attempts: Vec<Attempt>,
    pub connected: Option<SocketAddr>,
}

pub async fn connect(
    addresses: &[IpAddr],
    port: u16,
    deadline: &Deadline,
) -> (ConnectStage, Option<TcpStream>) {
    let start = Instant::now();
    let mut stage = ConnectStage {
        ms: 0,
        attempts: Vec::new(),
        connected: None,
    };
    let mut stream = None;
    for ip in addresses {
        let address = SocketAddr::new(*ip, port);
        let limit = deadline.step(STEP);
        if limit.is_zero() {
            stage.attempts.push(Attempt {
                address,
                outcome: Outcome::TimedOut(0),
            });
            break;
        }
        let outcome = match tokio::time::timeout(limit, TcpStream::connect(address)).await {
            Ok(Ok(s)) => {
                // Small requests: send them now rather than wait for more bytes.
                let _ = s.set_nodelay(true);
                stream = Some(s);
                Outcome::Connected
            }
            Ok(Err(e)) => match e.kind() {
                ErrorKind::ConnectionRefused => Outcome::Refused,
                ErrorKind::TimedOut => Outcome::TimedOut(millis(limit)),
                ErrorKind::HostUnreachable | ErrorKind::NetworkUnreachable => Outcome::Unreachable,
                _ => Outcome::Failed(bounded(&e.to_string())),
            },
            Err(_) => Outcome::TimedOut(millis(limit)),
        };
        let done = outcome == Outcome::Connected;
        stage.attempts.push(Attempt { address, outcome });
        if done {
            stage.connected = Some(address);
            break;
        }
    }
    stage.ms = ms_since(start);
    (stage, stream)
}

impl ConnectStage {
    pub fn detail(&self) -> String {
        match self.connected {
            Some(address) if self.attempts.len() == 1 => format!("connected to {address}"),
            _ => self.summary(),
        }
    }

    /// Every attempt: `127.0.0.1:443 refused, [::1]:443 connected`.
    pub fn summary(&self) -> String {
        let parts: Vec<String> = self
            .attempts
            .iter()
            .map(|a| format!("{} {}", a.address, a.outcome.describe()))
            .collect();
        parts.join(", ")
    }
}
