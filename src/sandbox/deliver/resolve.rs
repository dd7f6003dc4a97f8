//! Which addresses count as "local" (this machine, private and link-local networks), and
//! the delivery client's resolver: it resolves a target's name once, at delivery time,
//! refuses it when any of its addresses is local (without `--allow-local-targets`), and
//! hands exactly the checked addresses to the connection — no second lookup a name could
//! answer differently. A refusal happens before any connection, so the attempt log reads
//! the same whether a port is open or closed.

use futures::future::BoxFuture;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// A name lookup: the system's, or a fixed table in tests.
pub(crate) type Lookup =
    Arc<dyn Fn(String) -> BoxFuture<'static, io::Result<Vec<IpAddr>>> + Send + Sync>;

/// The system resolver (getaddrinfo: `/etc/hosts`, then DNS).
pub(crate) fn system_lookup() -> Lookup {
    Arc::new(|host: String| {
        Box::pin(async move {
            let addrs = tokio::net::lookup_host((host.as_str(), 0)).await?;
            Ok(addrs.map(|addr| addr.ip()).collect())
        })
    })
}

/// An address of this machine or of a network that is not the internet: loopback,
/// unspecified, private (RFC 1918), shared (CGNAT 100.64/10), link-local, broadcast,
/// multicast, "this network" 0/8, benchmarking and documentation ranges, IPv6 ULA fc00::/7
/// and link/site-local, and IPv4 addresses embedded in IPv6 (mapped, compatible, NAT64,
/// 6to4) that are local themselves.
pub(crate) fn is_local_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_local_v4(v4),
        IpAddr::V6(v6) => is_local_v6(v6),
    }
}

fn is_local_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || ip.is_documentation()
        || a >= 240 // reserved
}

fn is_local_v6(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    if ip.is_loopback() || ip.is_unspecified() || ip.is_multicast() {
        return true;
    }
    let first = segments[0];
    if (first & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (first & 0xffc0) == 0xfec0 // site-local (deprecated) fec0::/10
        || (first == 0x2001 && segments[1] == 0x0db8)
    // documentation
    {
        return true;
    }
    let embedded =
        |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_local_v4(v4);
    }
    // ::a.b.c.d (IPv4-compatible, deprecated) and 64:ff9b::a.b.c.d (NAT64).
    if segments[..6] == [0; 6] || segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return is_local_v4(embedded(segments[6], segments[7]));
    }
    // 2002:AABB:CCDD::/48 (6to4) carries AA.BB.CC.DD.
    if first == 0x2002 {
        return is_local_v4(embedded(segments[1], segments[2]));
    }
    false
}

/// A target name refused because it resolves to a local address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LocalTarget {
    pub(crate) host: String,
    pub(crate) ip: IpAddr,
}

impl std::fmt::Display for LocalTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} resolves to {}, on this machine or a private network",
            crate::text::clean(&self.host),
            self.ip
        )
    }
}

impl std::error::Error for LocalTarget {}

/// The first local address of `ips` (all are checked), unless local ones are allowed.
fn refusal(host: &str, ips: &[IpAddr], allow_local: bool) -> Option<LocalTarget> {
    if allow_local {
        return None;
    }
    ips.iter()
        .copied()
        .find(|ip| is_local_ip(*ip))
        .map(|ip| LocalTarget {
            host: host.to_owned(),
            ip,
        })
}

/// The delivery client's resolver (see the module comment).
pub(crate) struct CheckedResolver {
    pub(crate) allow_local: bool,
    pub(crate) lookup: Lookup,
}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        let lookup = Arc::clone(&self.lookup);
        let allow_local = self.allow_local;
        Box::pin(async move {
            let ips = lookup(host.clone()).await?;
            if let Some(refused) = refusal(&host, &ips, allow_local) {
                return Err(Box::new(refused) as Box<dyn std::error::Error + Send + Sync>);
            }
            let addrs: Addrs = Box::new(ips.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

/// At start: a `--deliver-to` name that resolves to a local address, without
/// `--allow-local-targets`. A name that does not resolve now is left to delivery time.
pub(crate) async fn check_deliver_to(
    host: &str,
    allow_local: bool,
    lookup: &Lookup,
    deadline: Duration,
) -> Option<LocalTarget> {
    if allow_local {
        return None;
    }
    match tokio::time::timeout(deadline, lookup(host.to_owned())).await {
        Ok(Ok(ips)) => refusal(host, &ips, false),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "--deliver-to: its host does not resolve now");
            None
        }
        Err(_) => {
            tracing::warn!("--deliver-to: resolving its host timed out");
            None
        }
    }
}

/// The refusal somewhere in a request error's chain of causes.
pub(crate) fn local_target_in<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a LocalTarget> {
    let mut cause: Option<&'a (dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = cause {
        if let Some(found) = current.downcast_ref::<LocalTarget>() {
            return Some(found);
        }
        cause = current.source();
    }
    None
}

#[cfg(test)]
#[path = "resolve_tests.rs"]
mod tests;
