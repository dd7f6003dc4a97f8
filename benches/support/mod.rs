//! Shared by the benches: a deterministic account of `n` subscriptions.

use linq_hooks::api::Subscription;
use linq_hooks::app::BUNDLED_EVENTS;
use std::time::Duration;
use time::OffsetDateTime;

/// A small deterministic generator, so every run benchmarks the same data.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Realistic variety: several hosts and paths, `?version=` pins on most URLs, extra query
/// parameters on some, 1–20 events, a phone filter on about a quarter, a fifth paused.
pub fn subscriptions(n: usize) -> Vec<Subscription> {
    let catalog: Vec<&str> = BUNDLED_EVENTS.lines().filter(|l| !l.is_empty()).collect();
    let hosts = [
        "hooks.example.com",
        "api.acme-corp.io",
        "webhooks.internal.example.org",
        "events.northwind.example",
        "relay.contoso.example.net",
        "ingest.fabrikam.example:8443",
    ];
    let paths = [
        "linq",
        "v1/webhooks/linq",
        "messages",
        "inbound/imessage",
        "hook",
    ];
    let versions = ["2024-10-01", "2025-01-15", "2025-06-01", "2026-01-01"];
    let base = OffsetDateTime::from_unix_timestamp(1_735_689_600).expect("a valid timestamp");
    let mut rng = Lcg(0x5eed);
    (0..n)
        .map(|i| {
            let host = hosts[rng.below(hosts.len())];
            let path = paths[rng.below(paths.len())];
            let mut target_url = format!("https://{host}/{path}/{i:05}");
            match rng.below(10) {
                0..=5 => {
                    target_url.push_str(&format!("?version={}", versions[rng.below(4)]));
                }
                6 => {
                    target_url.push_str(&format!(
                        "?version={}&tenant=t{}",
                        versions[rng.below(4)],
                        rng.below(500)
                    ));
                }
                7 => target_url.push_str(&format!("?tenant=t{}", rng.below(500))),
                _ => {}
            }
            let event_count = 1 + rng.below(20);
            let start = rng.below(catalog.len());
            let subscribed_events = (0..event_count)
                .map(|k| catalog[(start + k * 7) % catalog.len()].into())
                .collect();
            let phone_numbers = match rng.below(8) {
                0 => Some(vec![format!("+1202555{:04}", rng.below(10_000))]),
                1 => Some(
                    (0..1 + rng.below(4))
                        .map(|_| format!("+4915123{:06}", rng.below(1_000_000)))
                        .collect(),
                ),
                2 => Some(Vec::new()),
                _ => None,
            };
            let created_at = base + Duration::from_secs(i as u64 * 600 + rng.below(600) as u64);
            Subscription {
                id: format!(
                    "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
                    rng.next() as u32,
                    rng.below(0x10000),
                    rng.below(0x1000),
                    rng.below(0x1000),
                    (rng.next() << 16) | rng.below(0x10000) as u64
                ),
                created_at,
                updated_at: created_at + Duration::from_secs(rng.below(86_400 * 30) as u64),
                is_active: rng.below(5) != 0,
                subscribed_events,
                target_url,
                phone_numbers,
                routing_id_header: None,
                routing_key_header: (rng.below(10) == 0).then(|| "X-Tenant".to_string()),
                unreadable: Default::default(),
            }
        })
        .collect()
}
