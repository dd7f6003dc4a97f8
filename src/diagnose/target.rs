//! The checks of a target URL: parse, scheme, a host Linq can reach, credentials,
//! fragment, the payload version pin.

use super::*;

pub(super) fn target_findings(
    raw: &str,
    sandbox: bool,
    out: &mut Vec<Finding>,
) -> (Option<String>, Pin) {
    let parsed = Url::parse(raw.trim()).ok();
    let Some((url, key)) = parsed.and_then(|u| key_of(&u).map(|k| (u, k))) else {
        let reason = validate_url(raw)
            .err()
            .unwrap_or_else(|| "it has no host".into());
        out.push(finding(
            Severity::Error,
            "invalid-url",
            format!("The target URL is not usable: {}.", shown(&reason)),
            "Enter a valid https:// URL (e to edit).",
        ));
        return (None, Pin::Unknowable);
    };
    if url.scheme() != "https" {
        out.push(finding(
            Severity::Error,
            "not-https",
            format!(
                "The target URL uses {}://, but Linq delivers only to https.",
                shown(url.scheme())
            ),
            "Use an https:// URL (e to edit).",
        ));
    }
    if let Some(reason) = url.host().and_then(unreachable) {
        let host = url.host_str().unwrap_or_default();
        let (severity, tail) = if sandbox {
            (Severity::Info, " (fine in the sandbox)")
        } else {
            (Severity::Error, "")
        };
        out.push(finding(
            severity,
            "unreachable-host",
            format!("Linq cannot reach {}: it is {reason}{tail}.", shown(host)),
            "Use a public host name Linq can reach, e.g. a tunnel to this machine (e to edit).",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        out.push(finding(
            Severity::Warning,
            "credentials-in-url",
            "The target URL carries a user name or password, readable by anyone who can list subscriptions.",
            "Remove the credentials and verify the webhook signature instead (e to edit).",
        ));
    }
    if url.fragment().is_some() {
        out.push(finding(
            Severity::Warning,
            "fragment-in-url",
            "The target URL has a #fragment, which is never sent to your server.",
            "Remove the #fragment (e to edit).",
        ));
    }
    // The URL parsed above tells the version too (unless trimming changed what parses:
    // then the untrimmed text decides, as `payload_version` always has).
    let version = if raw.trim().len() == raw.len() {
        url.query_pairs()
            .find(|(k, _)| k == "version")
            .map(|(_, v)| v)
    } else {
        payload_version(raw).map(Cow::Owned)
    };
    let pin = match version {
        None => {
            out.push(finding(
                Severity::Warning,
                "no-version-pin",
                "No ?version= in the target URL, so Linq may send the legacy 2025-01-01 payload.",
                "Pin ?version=2026-02-03 (e to edit, Ctrl-P in the URL field).",
            ));
            Pin::Missing
        }
        Some(v) => match KNOWN_PAYLOAD_VERSIONS.iter().find(|k| **k == v) {
            Some(k) => Pin::Known(k),
            None => {
                out.push(finding(
                    Severity::Warning,
                    "unknown-version",
                    format!(
                        "The payload version \"{}\" is not one Linq documents (2025-01-01, 2026-02-03).",
                        shown(&v)
                    ),
                    "Set ?version=2026-02-03 (e to edit).",
                ));
                Pin::Unknown
            }
        },
    };
    (Some(key), pin)
}

/// Why Linq cannot reach `host`, if it cannot.
pub(super) fn unreachable(host: Host<&str>) -> Option<&'static str> {
    match host {
        Host::Ipv4(ip) => ipv4_reason(ip),
        Host::Ipv6(ip) => ipv6_reason(ip),
        Host::Domain(name) => domain_reason(name),
    }
}

pub(super) fn ipv4_reason(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        _ if ip.is_unspecified() || a == 0 => "an unspecified address",
        _ if ip.is_loopback() => "a loopback address",
        _ if ip.is_private() => "a private address",
        _ if ip.is_link_local() => "a link-local address",
        (100, 64..=127, _) => "a carrier-grade NAT address",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "a documentation address",
        (192, 0, 0) | (198, 18..=19, _) => "a reserved address",
        _ if ip.is_multicast() => "a multicast address",
        _ if a >= 240 => "a reserved address",
        _ => return None,
    })
}

pub(super) fn ipv6_reason(ip: Ipv6Addr) -> Option<&'static str> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return ipv4_reason(v4);
    }
    let s = ip.segments();
    // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last 32 bits.
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [.., hi, lo] = s;
        return ipv4_reason(Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo)));
    }
    Some(match s[0] {
        _ if ip.is_unspecified() => "an unspecified address",
        _ if ip.is_loopback() => "a loopback address",
        0 if s[1..6] == [0; 5] => "a deprecated IPv4-compatible address",
        x if x & 0xfe00 == 0xfc00 => "a private (unique local) address",
        x if x & 0xffc0 == 0xfe80 => "a link-local address",
        x if x & 0xffc0 == 0xfec0 => "a private (site-local) address",
        x if x & 0xff00 == 0xff00 => "a multicast address",
        0x2001 if s[1] == 0x0db8 => "a documentation address",
        _ => return None,
    })
}

/// Names public DNS never resolves (RFC 6761, 6762, 8375, 7686; `.internal` by ICANN).
pub(super) const LOCAL_SUFFIXES: [&str; 8] = [
    ".localhost",
    ".local",
    ".internal",
    ".invalid",
    ".test",
    ".example",
    ".home.arpa",
    ".onion",
];

pub(super) fn domain_reason(name: &str) -> Option<&'static str> {
    // The url crate lowercases hosts of https URLs; a trailing dot is the same name.
    let name = name.trim_end_matches('.');
    if name == "localhost" || name.ends_with(".localhost") {
        return Some("a local name");
    }
    if LOCAL_SUFFIXES.iter().any(|s| name.ends_with(s)) {
        return Some("a reserved name public DNS does not resolve");
    }
    if !name.contains('.') {
        return Some("a single-label name public DNS does not resolve");
    }
    None
}
