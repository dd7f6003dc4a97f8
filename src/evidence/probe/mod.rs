//! Probes a webhook endpoint the way Linq would reach it (linq-api.md §8): resolve, connect,
//! TLS handshake, a `HEAD` of the URL, and — only when asked — one signed test delivery.
//!
//! Each stage is a function from the target to a plain stage result, with its own step
//! limit under one overall [`Deadline`]; nothing is global. Never follows a redirect, sends
//! no cookies, reads at most [`MAX_READ`] bytes of any answer. Server-sent strings are kept
//! as received (bounded) and cleaned where they are shown.

pub mod connect;
pub mod delivery;
pub mod dns;
pub mod http;
pub mod tls;

use serde::Serialize;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite};
use url::{Host, Url};

/// The most bytes read of any answer (headers and body together).
pub const MAX_READ: usize = 64 * 1024;
/// The overall deadline when none is given.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);
/// Linq waits this long for an answer (linq-api.md §8.7).
pub const LINQ_TIMEOUT: Duration = Duration::from_secs(10);
/// An answer slower than this is worth a warning.
pub const SLOW: Duration = Duration::from_secs(5);
/// Longest server-sent string kept (a Location, a content type, an error text).
pub const MAX_TEXT: usize = 300;

/// Names the probe in every request it sends.
pub const USER_AGENT: &str = concat!("linq-hooks-probe/", env!("CARGO_PKG_VERSION"));

/// What to probe: an http(s) URL with a host.
#[derive(Debug, Clone)]
pub struct Target {
    pub url: Url,
    pub port: u16,
    pub https: bool,
}

impl Target {
    /// The URL as given on the command line or in a subscription; http is allowed (the
    /// configuration findings already say that Linq needs https).
    pub fn parse(raw: &str) -> Result<Target, String> {
        let url = Url::parse(raw.trim()).map_err(|e| format!("not a URL ({e})"))?;
        let https = match url.scheme() {
            "https" => true,
            "http" => false,
            other => {
                return Err(format!(
                    "{}:// URLs cannot be probed (http or https only)",
                    crate::text::clean(other)
                ))
            }
        };
        if url.host_str().is_none_or(str::is_empty) {
            return Err("the URL has no host".into());
        }
        let port = url
            .port_or_known_default()
            .unwrap_or(if https { 443 } else { 80 });
        Ok(Target { url, port, https })
    }

    /// The host without IPv6 brackets, as resolved and as SNI.
    pub fn host(&self) -> String {
        match self.url.host() {
            Some(Host::Ipv6(ip)) => ip.to_string(),
            Some(Host::Ipv4(ip)) => ip.to_string(),
            Some(Host::Domain(d)) => d.trim_end_matches('.').to_string(),
            None => String::new(),
        }
    }

    /// The host as an IP address when the URL names one (no lookup then).
    pub fn ip(&self) -> Option<std::net::IpAddr> {
        match self.url.host() {
            Some(Host::Ipv4(ip)) => Some(ip.into()),
            Some(Host::Ipv6(ip)) => Some(ip.into()),
            _ => None,
        }
    }

    /// The URL without user info or fragment: what is shown and what the request names.
    pub fn shown(&self) -> String {
        let mut url = self.url.clone();
        let _ = url.set_username("");
        let _ = url.set_password(None);
        url.set_fragment(None);
        url.to_string()
    }

    /// `Host:` header value: the port only when it is not the scheme's default.
    pub fn authority(&self) -> String {
        let host = self.url.host_str().unwrap_or_default();
        match self.url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        }
    }

    /// The request target: path and query (the `?version=` pin goes along).
    pub fn path_and_query(&self) -> String {
        match self.url.query() {
            Some(q) => format!("{}?{q}", self.url.path()),
            None => self.url.path().to_string(),
        }
    }
}

/// One overall deadline; each step gets the smaller of its own limit and what is left.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    start: Instant,
    total: Duration,
}

impl Deadline {
    pub fn new(total: Duration) -> Self {
        Self {
            start: Instant::now(),
            total,
        }
    }

    pub fn total(&self) -> Duration {
        self.total
    }

    pub fn remaining(&self) -> Duration {
        self.total.saturating_sub(self.start.elapsed())
    }

    /// The limit of a step whose own limit is `cap`.
    pub fn step(&self, cap: Duration) -> Duration {
        cap.min(self.remaining())
    }
}

/// A connected byte stream (plain TCP or TLS).
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// Milliseconds since `start`, saturating.
pub fn ms_since(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// A server-sent or system string, bounded to [`MAX_TEXT`] characters (cleaned on display).
pub fn bounded(text: &str) -> String {
    text.chars().take(MAX_TEXT).collect()
}

/// How to probe.
pub struct Options {
    /// The overall deadline.
    pub timeout: Duration,
    /// Platform roots plus `--ca-file`.
    pub trust: tls::Trust,
    /// The signed test delivery (stage 5), when asked for.
    pub send: Option<delivery::Send>,
}

/// Everything a probe saw, stage by stage; a stage that did not run is `None`.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeReport {
    /// The URL probed, without user info or fragment.
    pub url: String,
    pub host: String,
    pub https: bool,
    /// When the probe started (Unix seconds).
    pub at: i64,
    /// The overall deadline, in milliseconds.
    pub timeout_ms: u64,
    pub dns: Option<dns::DnsStage>,
    pub connect: Option<connect::ConnectStage>,
    pub tls: Option<tls::TlsStage>,
    pub http: Option<http::HttpStage>,
    pub delivery: Option<delivery::DeliveryStage>,
}

/// Runs the stages in order, each only when the one before gave it something to work on.
pub async fn probe(target: &Target, options: &Options) -> ProbeReport {
    let deadline = Deadline::new(options.timeout);
    let mut report = ProbeReport {
        url: target.shown(),
        host: target.host(),
        https: target.https,
        at: time::OffsetDateTime::now_utc().unix_timestamp(),
        timeout_ms: u64::try_from(options.timeout.as_millis()).unwrap_or(u64::MAX),
        dns: None,
        connect: None,
        tls: None,
        http: None,
        delivery: None,
    };
    let dns = dns::resolve(target, &deadline).await;
    let addresses = dns.addresses.clone();
    report.dns = Some(dns);
    if addresses.is_empty() {
        return report;
    }
    let (connect, stream) = connect::connect(&addresses, target.port, &deadline).await;
    let connected = connect.connected;
    report.connect = Some(connect);
    let (Some(stream), Some(address)) = (stream, connected) else {
        return report;
    };
    let io: Box<dyn Io> = if target.https {
        let (tls, stream) = tls::handshake(stream, target, &options.trust, &deadline).await;
        report.tls = Some(tls);
        match stream {
            Some(s) => Box::new(s),
            None => return report,
        }
    } else {
        Box::new(stream)
    };
    let http = http::head(io, target, &deadline).await;
    let answered = http.status.is_some();
    report.http = Some(http);
    if let (Some(send), true) = (&options.send, answered) {
        report.delivery = Some(delivery::deliver(target, address, options, send, &deadline).await);
    }
    report
}

/// The report of a URL that could not be probed at all (not http(s), no roots): a DNS
/// stage that says why, so the finding says it too.
pub fn unprobed(url: &str, why: &str) -> ProbeReport {
    ProbeReport {
        url: bounded(url),
        host: Target::parse(url).map(|t| t.host()).unwrap_or_default(),
        https: false,
        at: time::OffsetDateTime::now_utc().unix_timestamp(),
        timeout_ms: 0,
        dns: Some(dns::DnsStage {
            ms: 0,
            addresses: Vec::new(),
            literal: false,
            error: Some(format!("not probed: {}", bounded(why))),
            timed_out_ms: None,
        }),
        connect: None,
        tls: None,
        http: None,
        delivery: None,
    }
}

/// A fresh connection to an address that answered before (the delivery's own).
pub async fn reopen(
    target: &Target,
    address: std::net::SocketAddr,
    trust: &tls::Trust,
    deadline: &Deadline,
) -> Result<Box<dyn Io>, String> {
    let (connect, stream) = connect::connect(&[address.ip()], address.port(), deadline).await;
    let stream = stream.ok_or_else(|| connect.summary())?;
    if !target.https {
        return Ok(Box::new(stream));
    }
    let (tls, stream) = tls::handshake(stream, target, trust, deadline).await;
    match stream {
        Some(s) => Ok(Box::new(s)),
        None => Err(tls.summary()),
    }
}
