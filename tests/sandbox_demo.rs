//! The seeded demo account's delivery stories: a stored past week in the delivery log,
//! findings that tell each story, and test events answered by the in-process demo
//! receiver as the story says (never the network).

mod sandbox_support;

use linq_hooks::diagnose::delivery_findings;
use linq_hooks::evidence::logs::{parse_page, LogEntry};
use sandbox_support::receiver::eventually;
use sandbox_support::{Sandbox, KEY};
use serde_json::{json, Value};

async fn seeded() -> (Sandbox, Vec<Value>) {
    let sandbox = Sandbox::start(&[KEY], true).await;
    let subs = sandbox.list().await;
    (sandbox, subs)
}

fn id_of(subs: &[Value], host: &str, rcs: bool) -> String {
    subs.iter()
        .find(|s| {
            let url = s["target_url"].as_str().unwrap_or_default();
            url.contains(host) && url.contains("line=rcs") == rcs
        })
        .and_then(|s| s["id"].as_str())
        .unwrap_or_else(|| panic!("no {host}"))
        .to_owned()
}

/// Up to 500 newest attempts of a subscription, through the log endpoint's pages.
async fn log_of(sandbox: &Sandbox, id: &str) -> Vec<LogEntry> {
    let mut out = Vec::new();
    let mut cursor = String::new();
    for _ in 0..10 {
        let reply = sandbox
            .get(&format!(
                "/v1/webhook-logs?subscription_id={id}&per_page=50&cursor={cursor}"
            ))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let page = parse_page(reply.body.as_bytes()).expect("a log page");
        out.extend(page.entries.into_iter().map(|e| e.entry));
        match page.next_cursor {
            Some(next) => cursor = next,
            None => break,
        }
    }
    out
}

fn codes(log: &[LogEntry]) -> Vec<&'static str> {
    delivery_findings(log, time::OffsetDateTime::now_utc())
        .iter()
        .map(|f| f.code)
        .collect()
}

#[tokio::test]
async fn the_seeded_week_tells_each_story() {
    let (sandbox, subs) = seeded().await;
    let ops = log_of(
        &sandbox,
        &id_of(&subs, "ops.acme-outfitters.example/linq/audit", false),
    )
    .await;
    assert!(ops.len() > 50, "a week of attempts: {}", ops.len());
    assert_eq!(ops[0].http_status, Some(401));
    assert!(codes(&ops).contains(&"dropped-4xx"), "{:?}", codes(&ops));
    assert!(
        codes(&ops).contains(&"deliveries-failing"),
        "{:?}",
        codes(&ops)
    );

    let support = log_of(
        &sandbox,
        &id_of(&subs, "support.acme-outfitters.example", false),
    )
    .await;
    assert!(support.iter().any(|e| e.http_status == Some(503)));
    assert_eq!(support[0].http_status, Some(200), "recovered since");
    let found = codes(&support);
    assert!(!found.contains(&"deliveries-failing"), "{found:?}");

    let polls = log_of(
        &sandbox,
        &id_of(&subs, "polls.acme-outfitters.example", false),
    )
    .await;
    assert_eq!(polls[0].http_status, None);
    assert_eq!(polls[0].error_type.as_deref(), Some("timeout"));
    let found = codes(&polls);
    assert!(
        found.contains(&"exhausted") && found.contains(&"slow-endpoint"),
        "{found:?}"
    );

    let crm = log_of(
        &sandbox,
        &id_of(&subs, "crm.acme-outfitters.example", false),
    )
    .await;
    let ok = crm.iter().filter(|e| e.http_status == Some(200)).count();
    assert!(
        ok * 10 >= crm.len() * 9,
        "mostly 2xx: {ok} of {}",
        crm.len()
    );
    // Paused subscriptions have no history: the week was before nothing.
    let billing = id_of(&subs, "billing.acme-outfitters.example", false);
    assert!(log_of(&sandbox, &billing).await.is_empty());
}

#[tokio::test]
async fn a_test_event_reaches_the_demo_receiver_and_gets_the_story_answer() {
    let (sandbox, subs) = seeded().await;
    let ops = id_of(&subs, "ops.acme-outfitters.example/linq/audit", false);
    let before = log_of(&sandbox, &ops).await.len();
    let reply = sandbox
        .post(
            "/_sandbox/v1/events",
            &json!({"event_type": "webhook_subscription.created"}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let newest = eventually("the demo receiver's answer", || async {
        let log = log_of(&sandbox, &ops).await;
        (log.len() > before).then(|| log[0].clone())
    })
    .await;
    assert_eq!(newest.http_status, Some(401), "{newest:?}");
    assert_eq!(newest.status.as_str(), "failed");
}
