//! Findings from a probe of the endpoint (`evidence::probe`), of the same type and shape as
//! the configuration findings, so `probe`, `doctor --probe` and the dashboard say the same.
//! Pure: the report and the clock come in.
//!
//! | code | stage | severity | when |
//! |---|---|---|---|
//! | `dns-no-answer` | dns | error | the name does not resolve (or not in time) |
//! | `dns-private-only` | dns | error | every address is loopback, private, link-local, CGNAT, unique-local, documentation or reserved |
//! | `dns-mixed` | dns | warning | some addresses public, some private |
//! | `connect-failed` | connect | error | no address accepts a connection (each one's reason named) |
//! | `tls-expired` | tls | error | the certificate's not-after has passed |
//! | `tls-expires-soon` | tls | warning | it expires within 14 days |
//! | `tls-name-mismatch` | tls | error | the certificate does not name the host |
//! | `tls-untrusted` | tls | error | no chain to a trusted root: self-signed, incomplete chain (missing intermediate), unknown issuer |
//! | `tls-old-protocol` | tls | warning | the server speaks only TLS older than 1.2 |
//! | `tls-handshake-failed` | tls | error | no handshake for another reason (an alert, not TLS, no answer in time) |
//! | `redirect` | http | warning | a 3xx to the `HEAD` (the Location named) |
//! | `waf-page` | http | warning | a 403/503 `text/html` answer: a firewall or challenge page |
//! | `slow-endpoint` | http, delivery | warning over 5 s; error over 10 s (Linq's timeout) | the answer's head came late, or not within the probe's deadline |
//! | `http-failed` | http | error | no HTTP answer at all (closed, reset, not HTTP) |
//! | `accepts-bad-signature` | delivery | error | a 2xx to a delivery signed with a random secret |
//! | `signature-rejected` | delivery | error | a 401/403 to a delivery signed with the given secret |
//! | `dropped-4xx` | delivery | error | another 4xx than 429 to a correctly signed delivery: Linq drops it for good |
//! | `retried-5xx` | delivery | warning | a 5xx or 429: retried for about 25–30 minutes, then lost |
//! | `delivery-failed` | delivery | warning | the test POST could not be made |
//!
//! Messages name the host, never the whole URL (its query may hold secrets).

use super::target::{ipv4_reason, ipv6_reason};
use super::{finding, sort, Finding, Severity};
use crate::evidence::probe::delivery::Signer;
use crate::evidence::probe::tls::{date, Untrusted, Verdict};
use crate::evidence::probe::{http::Answer, ProbeReport, LINQ_TIMEOUT, SLOW};
use crate::text::clean;
use std::net::IpAddr;

/// Every code [`findings`] can return (the table above).
pub const PROBE_CODES: [&str; 19] = [
    "dns-no-answer",
    "dns-private-only",
    "dns-mixed",
    "connect-failed",
    "tls-expired",
    "tls-expires-soon",
    "tls-name-mismatch",
    "tls-untrusted",
    "tls-old-protocol",
    "tls-handshake-failed",
    "redirect",
    "waf-page",
    "slow-endpoint",
    "http-failed",
    "accepts-bad-signature",
    "signature-rejected",
    "dropped-4xx",
    "retried-5xx",
    "delivery-failed",
];

/// The stages in order, as their lines name them.
pub const STAGES: [&str; 5] = ["dns", "connect", "tls", "http", "delivery"];

/// A certificate expiring within this many days is worth a warning.
const EXPIRES_SOON_DAYS: i64 = 14;

/// The findings of one probe, worst first; `now` in Unix seconds.
pub fn findings(report: &ProbeReport, now: i64) -> Vec<Finding> {
    let mut out = Vec::new();
    let host = shown(&report.host);
    if let Some(dns) = &report.dns {
        if let Some(ms) = dns.timed_out_ms {
            out.push(finding(
                Severity::Error,
                "dns-no-answer",
                format!("{host} did not resolve within {ms} ms from this machine."),
                "Check the host name and its DNS records.",
            ));
        } else if dns.addresses.is_empty() {
            out.push(finding(
                Severity::Error,
                "dns-no-answer",
                format!(
                    "{host} does not resolve from this machine ({}).",
                    shown(dns.error.as_deref().unwrap_or("no address"))
                ),
                "Check the host name for typos and its A/AAAA records.",
            ));
        } else {
            address_findings(&host, &dns.addresses, &mut out);
        }
    }
    if let Some(connect) = &report.connect {
        if connect.connected.is_none() {
            let port = connect.attempts.first().map_or(0, |a| a.address.port());
            out.push(finding(
                Severity::Error,
                "connect-failed",
                format!(
                    "No address of {host} accepts connections on port {port}: {}.",
                    shown(&connect.summary())
                ),
                "Check that the server runs and that the port is open to the internet.",
            ));
        }
    }
    if let Some(tls) = &report.tls {
        tls_findings(&host, tls, now, &mut out);
    }
    if let Some(http) = &report.http {
        http_findings(http, &mut out);
    }
    if let Some(delivery) = &report.delivery {
        if let Some(e) = &delivery.error {
            out.push(finding(
                Severity::Warning,
                "delivery-failed",
                format!("The test delivery was not made: {}.", shown(e)),
                "Run the probe again; check the event type and the secret.",
            ));
        } else if let Some(status) = delivery.answer.status {
            delivery_findings(status, delivery.signer, &mut out);
        }
    }
    let (slow, _) = slowest(report);
    out.extend(slow);
    sort(&mut out);
    out
}

fn shown(text: &str) -> String {
    clean(text).chars().take(120).collect()
}

/// Why Linq cannot reach this address, if it cannot (the configuration rules' classes).
fn private_reason(ip: &IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => ipv4_reason(*v4),
        IpAddr::V6(v6) => ipv6_reason(*v6),
    }
}

fn address_findings(host: &str, addresses: &[IpAddr], out: &mut Vec<Finding>) {
    let private: Vec<(&IpAddr, &'static str)> = addresses
        .iter()
        .filter_map(|ip| private_reason(ip).map(|r| (ip, r)))
        .collect();
    if private.is_empty() {
        return;
    }
    let listed: Vec<String> = private.iter().map(|(ip, r)| format!("{ip}, {r}")).collect();
    if private.len() == addresses.len() {
        out.push(finding(
            Severity::Error,
            "dns-private-only",
            format!(
                "Every address of {host} is one Linq cannot reach ({}).",
                listed.join("; ")
            ),
            "Use a public host name, e.g. a tunnel to this machine (e to edit).",
        ));
    } else {
        out.push(finding(
            Severity::Warning,
            "dns-mixed",
            format!(
                "{host} resolves to public and private addresses ({}); Linq may pick one it cannot reach.",
                listed.join("; ")
            ),
            "Remove the private addresses from the name's public DNS records.",
        ));
    }
}

fn tls_findings(
    host: &str,
    tls: &crate::evidence::probe::tls::TlsStage,
    now: i64,
    out: &mut Vec<Finding>,
) {
    let cert = tls.certificate.as_ref();
    let expired = cert.is_some_and(|c| c.not_after < now) || tls.verdict == Verdict::Expired;
    if expired {
        let when = cert.map_or_else(|| "an earlier date".into(), |c| date(c.not_after));
        out.push(finding(
            Severity::Error,
            "tls-expired",
            format!("The certificate of {host} expired on {when}: Linq refuses the connection."),
            "Renew the certificate.",
        ));
    } else if let Some(c) = cert.filter(|c| c.not_after - now < EXPIRES_SOON_DAYS * 86_400) {
        let days = (c.not_after - now) / 86_400;
        out.push(finding(
            Severity::Warning,
            "tls-expires-soon",
            format!(
                "The certificate of {host} expires on {} (in {days} day{}).",
                date(c.not_after),
                if days == 1 { "" } else { "s" }
            ),
            "Renew the certificate before it expires.",
        ));
    }
    if tls.verdict == Verdict::NameMismatch || tls.name_matches == Some(false) {
        let names = cert
            .map(|c| {
                c.names
                    .iter()
                    .map(|n| shown(n))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "no subject alternative name".into());
        out.push(finding(
            Severity::Error,
            "tls-name-mismatch",
            format!("The certificate is not valid for {host}: it names {names}."),
            "Serve a certificate that names this host.",
        ));
    }
    match &tls.verdict {
        Verdict::Untrusted(why) => {
            let fix = match why {
                Untrusted::SelfSigned => "Use a certificate from a public CA (e.g. Let's Encrypt).",
                Untrusted::IncompleteChain => {
                    "Serve the full chain (the leaf and its intermediates, e.g. fullchain.pem)."
                }
                _ => "Use a certificate from a CA that public clients trust.",
            };
            out.push(finding(
                Severity::Error,
                "tls-untrusted",
                format!(
                    "The certificate of {host} is not trusted: {}.",
                    shown(&why.describe())
                ),
                fix,
            ));
        }
        Verdict::NotYetValid => out.push(finding(
            Severity::Error,
            "tls-untrusted",
            format!(
                "The certificate of {host} is not valid yet (from {}).",
                cert.map_or_else(|| "a later date".into(), |c| date(c.not_before))
            ),
            "Check the certificate's dates and this machine's clock.",
        )),
        Verdict::OldProtocol => out.push(old_protocol(host, None)),
        Verdict::TimedOut(ms) => out.push(finding(
            Severity::Error,
            "tls-handshake-failed",
            format!("No TLS handshake with {host} within {ms} ms."),
            "Check that the port serves HTTPS.",
        )),
        Verdict::Failed(why) => out.push(finding(
            Severity::Error,
            "tls-handshake-failed",
            format!("The TLS handshake with {host} failed: {}.", shown(why)),
            "Check that the port serves HTTPS with a certificate for this host.",
        )),
        Verdict::Trusted | Verdict::Expired | Verdict::NameMismatch => {}
    }
    // A handshake that did complete below 1.2 (a client that still speaks it; rustls
    // refuses, which is the verdict above).
    let old = tls.protocol.as_deref().filter(|p| is_old_protocol(p));
    if let (Some(protocol), false) = (old, tls.verdict == Verdict::OldProtocol) {
        out.push(old_protocol(host, Some(protocol)));
    }
}

/// `SSLv3`, `TLSv1_0`, `TLSv1_1` (rustls' names), also written `TLSv1`, `TLS 1.1`.
fn is_old_protocol(protocol: &str) -> bool {
    let p = protocol.to_ascii_uppercase().replace([' ', '.'], "_");
    p.starts_with("SSL")
        || matches!(
            p.as_str(),
            "TLSV1" | "TLSV1_0" | "TLSV1_1" | "TLS1_0" | "TLS1_1" | "TLS_1_0" | "TLS_1_1"
        )
}

fn old_protocol(host: &str, negotiated: Option<&str>) -> Finding {
    let message = match negotiated {
        Some(p) => format!(
            "{host} negotiated {}: older than TLS 1.2, which current HTTPS clients refuse.",
            shown(&p.replace("TLSv1_", "TLS 1."))
        ),
        None => format!(
            "{host} offers only TLS older than 1.2 (it did not accept TLS 1.2 or 1.3); current HTTPS clients refuse such servers."
        ),
    };
    finding(
        Severity::Warning,
        "tls-old-protocol",
        message,
        "Enable TLS 1.2 or 1.3 on the server.",
    )
}

fn http_findings(http: &Answer, out: &mut Vec<Finding>) {
    if let Some(e) = &http.error {
        out.push(finding(
            Severity::Error,
            "http-failed",
            format!("The HEAD got no HTTP answer: {}.", shown(e)),
            "Check that the endpoint speaks HTTP/1.1 on this port.",
        ));
        return;
    }
    let Some(status) = http.status else {
        return;
    };
    if (300..400).contains(&status) {
        let (message, fix) = match &http.location {
            Some(location) => (
                format!(
                    "HEAD answered {status} with Location {}; webhook senders do not follow redirects reliably.",
                    shown(location)
                ),
                "Point the subscription at the Location URL (e to edit).",
            ),
            None => (
                format!("HEAD answered {status} (a redirect without a Location); webhook senders do not follow redirects."),
                "Point the subscription at the endpoint's final URL (e to edit).",
            ),
        };
        out.push(finding(Severity::Warning, "redirect", message, fix));
    }
    let html = http.content_type.as_deref().is_some_and(|ct| {
        ct.trim_start()
            .to_ascii_lowercase()
            .starts_with("text/html")
    });
    if html && matches!(status, 403 | 503) {
        out.push(finding(
            Severity::Warning,
            "waf-page",
            format!("HEAD answered {status} with an HTML page: likely a firewall or challenge page, not the webhook handler."),
            "Let Linq's requests through the firewall (WAF) for this path.",
        ));
    }
}

/// The worse `slow-endpoint` of the HEAD and the POST, and the stage it belongs to.
fn slowest(report: &ProbeReport) -> (Option<Finding>, &'static str) {
    let head = report
        .http
        .as_ref()
        .and_then(|a| slowness(a, "HEAD", report));
    let post = report
        .delivery
        .as_ref()
        .filter(|d| d.error.is_none())
        .and_then(|d| slowness(&d.answer, "POST", report));
    if post.as_ref().map(|f| f.severity) > head.as_ref().map(|f| f.severity) {
        (post, "delivery")
    } else {
        (head, "http")
    }
}

/// `slow-endpoint` for an answer that took over 5 s, or none within the deadline.
fn slowness(answer: &Answer, method: &str, report: &ProbeReport) -> Option<Finding> {
    let linq_ms = LINQ_TIMEOUT.as_millis() as u64;
    if let Some(ms) = answer.timed_out_ms {
        let severity = if report.timeout_ms >= linq_ms {
            Severity::Error
        } else {
            Severity::Warning
        };
        return Some(finding(
            severity,
            "slow-endpoint",
            format!(
                "No answer to the {method} within {} (the probe's deadline); Linq waits {} s.",
                seconds(ms),
                LINQ_TIMEOUT.as_secs()
            ),
            "Answer 2xx at once and process the event afterwards.",
        ));
    }
    answer.status?;
    let severity = if answer.ms > linq_ms {
        Severity::Error
    } else if answer.ms > SLOW.as_millis() as u64 {
        Severity::Warning
    } else {
        return None;
    };
    Some(finding(
        severity,
        "slow-endpoint",
        format!(
            "The {method} took {} to answer; Linq gives up after {} s.",
            seconds(answer.ms),
            LINQ_TIMEOUT.as_secs()
        ),
        "Answer 2xx at once and process the event afterwards.",
    ))
}

fn seconds(ms: u64) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}

fn delivery_findings(status: u16, signer: Signer, out: &mut Vec<Finding>) {
    let code = status;
    match (signer, code) {
        (Signer::Random, 200..=299) => out.push(finding(
            Severity::Error,
            "accepts-bad-signature",
            format!("The endpoint answered {code} to a delivery signed with a random secret: anyone can forge events to it."),
            "Verify webhook-signature with the subscription's secret and answer 401 when it does not match.",
        )),
        (Signer::Given, 401 | 403) => out.push(finding(
            Severity::Error,
            "signature-rejected",
            format!("The endpoint answered {code} to a delivery signed with the given secret."),
            "Check with `linq-hooks verify`; the usual cause is the body re-serialised before verifying (use the raw bytes).",
        )),
        (_, 429) | (_, 500..=599) => out.push(finding(
            Severity::Warning,
            "retried-5xx",
            format!("The endpoint answered {code} to the test delivery: Linq retries for about 25–30 minutes, then the event is lost."),
            "Fix the receiver's error; answer 2xx once the event is stored.",
        )),
        (Signer::Given, 400..=499) => out.push(finding(
            Severity::Error,
            "dropped-4xx",
            format!("The endpoint answered {code} to a correctly signed delivery: Linq drops such deliveries for good."),
            "Answer 2xx to every verified event, including types the receiver ignores.",
        )),
        _ => {}
    }
}

/// The configuration findings and a probe's, in one list, worst first (each list keeps its
/// own order within a severity; configuration first).
pub fn merged(config: &[Finding], probe: &[Finding]) -> Vec<Finding> {
    let mut all: Vec<Finding> = config.iter().chain(probe).cloned().collect();
    sort(&mut all);
    all
}

/// Which stage a probe finding belongs to.
pub fn stage_of(code: &str) -> &'static str {
    match code {
        c if c.starts_with("dns-") => "dns",
        "connect-failed" => "connect",
        c if c.starts_with("tls-") => "tls",
        "accepts-bad-signature"
        | "signature-rejected"
        | "dropped-4xx"
        | "retried-5xx"
        | "delivery-failed" => "delivery",
        _ => "http",
    }
}

/// One ✓/▲/✖ line of a probe.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StageLine {
    pub name: &'static str,
    /// No error finding belongs to it.
    pub ok: bool,
    pub ms: u64,
    /// Cleaned, one line.
    pub detail: String,
    /// The worst finding of the stage (`None`: nothing found).
    #[serde(skip)]
    pub worst: Option<Severity>,
}

/// The lines of the stages that ran, with the worst of their findings.
pub fn stage_lines(report: &ProbeReport, findings: &[Finding]) -> Vec<StageLine> {
    let mut lines = Vec::new();
    // A slow POST is the delivery's, a slow HEAD the http stage's.
    let (_, slow_stage) = slowest(report);
    let mut push = |name: &'static str, ms: u64, detail: String| {
        let worst = findings
            .iter()
            .filter(|f| {
                let stage = if f.code == "slow-endpoint" {
                    slow_stage
                } else {
                    stage_of(f.code)
                };
                stage == name
            })
            .map(|f| f.severity)
            .max()
            .filter(|s| *s > Severity::Info);
        lines.push(StageLine {
            name,
            ok: worst != Some(Severity::Error),
            ms,
            detail: clean(&detail).into_owned(),
            worst,
        });
    };
    if let Some(s) = &report.dns {
        push("dns", s.ms, s.detail());
    }
    if let Some(s) = &report.connect {
        push("connect", s.ms, s.detail());
    }
    if let Some(s) = &report.tls {
        push("tls", s.ms, s.detail());
    }
    if let Some(s) = &report.http {
        push("http", s.ms, s.detail("HEAD"));
    }
    if let Some(s) = &report.delivery {
        push("delivery", s.ms, s.detail());
    }
    lines
}

#[cfg(test)]
mod tests;
