//! Stage 1: every A/AAAA address of the host, from the system resolver (so `/etc/hosts`
//! applies, as it does for every other program on this machine).

use super::{bounded, ms_since, Deadline, Target};
use serde::Serialize;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// A lookup gets at most this long.
const STEP: Duration = Duration::from_secs(5);
/// Addresses kept; more is no real endpoint.
const MAX_ADDRESSES: usize = 32;

#[derive(Debug, Clone, Serialize)]
pub struct DnsStage {
    pub ms: u64,
    /// In the resolver's order, without repeats.
    pub addresses: Vec<IpAddr>,
    /// The URL names an address: nothing was looked up.
    pub literal: bool,
    /// Why there is no answer (the resolver's words), if there is none.
    pub error: Option<String>,
    /// The lookup ran out of time after this many milliseconds.
    pub timed_out_ms: Option<u64>,
}

pub async fn resolve(target: &Target, deadline: &Deadline) -> DnsStage {
    let start = Instant::now();
    let mut stage = DnsStage {
        ms: 0,
        addresses: Vec::new(),
        literal: false,
        error: None,
        timed_out_ms: None,
    };
    if let Some(ip) = target.ip() {
        stage.addresses.push(ip);
        stage.literal = true;
        return stage;
    }
    let host = target.host();
    let limit = deadline.step(STEP);
    match tokio::time::timeout(limit, tokio::net::lookup_host((host.as_str(), target.port))).await {
        Ok(Ok(found)) => {
            for address in found.map(|a| a.ip()) {
                if !stage.addresses.contains(&address) && stage.addresses.len() < MAX_ADDRESSES {
                    stage.addresses.push(address);
                }
            }
            if stage.addresses.is_empty() {
                stage.error = Some("no A or AAAA record".into());
            }
        }
        Ok(Err(e)) => stage.error = Some(bounded(&e.to_string())),
        Err(_) => stage.timed_out_ms = Some(millis(limit)),
    }
    stage.ms = ms_since(start);
    stage
}

pub(super) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl DnsStage {
    /// One line for the stage's row.
    pub fn detail(&self) -> String {
        if let Some(ms) = self.timed_out_ms {
            return format!("no answer within {ms} ms");
        }
        if let Some(e) = &self.error {
            return format!("no address: {e}");
        }
        let list: Vec<String> = self.addresses.iter().map(IpAddr::to_string).collect();
        if self.literal {
            format!("{} (an address: nothing to look up)", list.join(", "))
        } else {
            list.join(", ")
        }
    }
}
