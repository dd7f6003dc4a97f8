//! `GET /api/v1/webhook-logs` (linq-api.md §12) end to end: real deliveries to a receiver on
//! 127.0.0.1, then the log read back with filters, pagination, cross-account isolation and
//! the partner-id check.

mod sandbox_support;

use linq_hooks::sandbox::DeliveryOptions;
use sandbox_support::receiver::{eventually, Receiver};
use sandbox_support::{Sandbox, KEY};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const OTHER_KEY: &str = "other-key";

/// The partner id the sandbox gives a key's account (`partner_` + 12 hex of its SHA-256).
fn partner_id(key: &str) -> String {
    let hex: String = Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("partner_{}", &hex[..12])
}

async fn logs_as(sandbox: &Sandbox, key: &str, query: &str) -> (u16, Value) {
    let reply = sandbox
        .get_as(key, &format!("/v1/webhook-logs?{query}"))
        .await;
    let body = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
    (reply.status, body)
}

async fn page(sandbox: &Sandbox, query: &str) -> Value {
    let (status, body) = logs_as(sandbox, KEY, query).await;
    assert_eq!(status, 200, "{body}");
    body
}

fn entries(page: &Value) -> Vec<Value> {
    page["webhook_logs"]
        .as_array()
        .expect("webhook_logs")
        .clone()
}

async fn subscribe(sandbox: &Sandbox, key: &str, url: &str, event: &str) -> String {
    let reply = sandbox
        .post_as(
            key,
            "webhook-subscriptions",
            &json!({"target_url": url, "subscribed_events": [event]}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json()["id"].as_str().expect("id").to_owned()
}

/// Sends an event and waits until the subscription's log holds `total` attempts.
async fn deliver(sandbox: &Sandbox, key: &str, event: &str, subscription: &str, total: usize) {
    let reply = sandbox
        .post_as(key, "/_sandbox/v1/events", &json!({"event_type": event}))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let query = format!("subscription_id={subscription}&per_page=50");
    eventually(&format!("{total} attempts"), || async {
        let (_, body) = logs_as(sandbox, key, &query).await;
        let n = body["webhook_logs"].as_array().map_or(0, Vec::len);
        (n >= total).then_some(())
    })
    .await;
}

/// Account KEY: subscription A got success, a 400 (dropped), a 503 then a success;
/// subscription B one success of another type. Account OTHER_KEY: one success.
async fn logged() -> (Sandbox, Receiver, String, String, String) {
    let receiver = Receiver::start().await;
    let sandbox = Sandbox::start_with(
        &[KEY, OTHER_KEY],
        false,
        DeliveryOptions {
            deliver_to: Some(receiver.url.clone()),
            allow_local_targets: true,
            retry_scale: 0.0,
        },
    )
    .await;
    let a = subscribe(&sandbox, KEY, "https://a.example.com/h", "message.received").await;
    let b = subscribe(&sandbox, KEY, "https://b.example.com/h", "message.sent").await;
    let c = subscribe(
        &sandbox,
        OTHER_KEY,
        "https://c.example.com/h",
        "message.received",
    )
    .await;
    deliver(&sandbox, KEY, "message.received", &a, 1).await;
    receiver.answer_next(&[400]);
    deliver(&sandbox, KEY, "message.received", &a, 2).await;
    receiver.answer_next(&[503]);
    deliver(&sandbox, KEY, "message.received", &a, 4).await;
    deliver(&sandbox, KEY, "message.sent", &b, 1).await;
    deliver(&sandbox, OTHER_KEY, "message.received", &c, 1).await;
    (sandbox, receiver, a, b, c)
}

#[tokio::test]
async fn the_log_has_the_documented_shape_newest_first() {
    let (sandbox, _receiver, a, _b, _c) = logged().await;
    let org = partner_id(KEY);
    let body = page(
        &sandbox,
        &format!("partner_id={org}&org_id={org}&subscription_id={a}&per_page=20"),
    )
    .await;
    assert_eq!(
        body["pagination"],
        json!({"has_more": false, "per_page": 20}),
        "one page, no cursor"
    );
    let rows = entries(&body);
    let statuses: Vec<(&str, u64, u64)> = rows
        .iter()
        .map(|r| {
            (
                r["status"].as_str().expect("status"),
                r["http_status_code"].as_u64().expect("code"),
                r["attempt"].as_u64().expect("attempt"),
            )
        })
        .collect();
    // Newest first: the retried event's success, its 503, the dropped 400, the first 200.
    assert_eq!(
        statuses,
        [
            ("success", 200, 2),
            ("retrying", 503, 1),
            ("failed", 400, 1),
            ("success", 200, 1)
        ]
    );
    let retrying = &rows[1];
    let mut keys: Vec<&str> = retrying
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "attempt",
            "duration_ms",
            "error_message",
            "error_type",
            "event_id",
            "http_status_code",
            "max_attempts",
            "status",
            "subscription_id",
            "target_url",
            "timestamp",
            "trace_id",
            "webhook_event_type",
        ]
    );
    assert_eq!(retrying["error_type"], "http_error");
    assert_eq!(retrying["error_message"], "Service Unavailable");
    assert_eq!(retrying["max_attempts"], 11);
    assert_eq!(retrying["target_url"], "https://a.example.com/h");
    assert_eq!(retrying["webhook_event_type"], "message.received");
    assert_eq!(retrying["subscription_id"], a.as_str());
    assert_eq!(
        retrying["event_id"], rows[0]["event_id"],
        "same event, next attempt"
    );
    assert_eq!(retrying["trace_id"].as_str().expect("trace").len(), 32);
    let stamp = retrying["timestamp"].as_str().expect("timestamp");
    assert!(stamp.ends_with('Z') && stamp.len() == 24, "{stamp}");
    assert!(
        rows[0].get("error_type").is_none(),
        "a success has no error"
    );
}

#[tokio::test]
async fn filters_narrow_the_log() {
    let (sandbox, _receiver, a, b, _c) = logged().await;
    let only = |rows: Vec<Value>, field: &str| -> Vec<String> {
        rows.iter()
            .map(|r| r[field].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let failed = entries(&page(&sandbox, &format!("subscription_id={a}&status=failed")).await);
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["http_status_code"], 400);
    let retrying = entries(&page(&sandbox, &format!("subscription_id={a}&status=retrying")).await);
    assert_eq!(retrying.len(), 1);
    assert_eq!(retrying[0]["http_status_code"], 503);
    let success = entries(&page(&sandbox, &format!("subscription_id={a}&status=success")).await);
    assert_eq!(only(success, "status"), ["success", "success"]);
    // Without a subscription: the whole account, never the other account's attempt.
    let all = entries(&page(&sandbox, "per_page=50").await);
    assert_eq!(all.len(), 5);
    let sent = entries(&page(&sandbox, "event_type=message.sent").await);
    assert_eq!(only(sent, "subscription_id"), std::slice::from_ref(&b));
    let none = entries(
        &page(
            &sandbox,
            &format!("subscription_id={b}&event_type=message.received"),
        )
        .await,
    );
    assert!(none.is_empty());
}

#[tokio::test]
async fn the_cursor_walks_every_page_once() {
    let (sandbox, _receiver, a, _b, _c) = logged().await;
    let whole = entries(&page(&sandbox, &format!("subscription_id={a}&per_page=50")).await);
    let mut walked = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut query = format!("subscription_id={a}&per_page=1");
        if let Some(c) = &cursor {
            query.push_str(&format!("&cursor={c}"));
        }
        let body = page(&sandbox, &query).await;
        pages += 1;
        walked.extend(entries(&body));
        match body["pagination"]["next_cursor"].as_str() {
            Some(next) => {
                assert_eq!(body["pagination"]["has_more"], true);
                cursor = Some(next.to_owned());
            }
            None => {
                assert_eq!(body["pagination"]["has_more"], false);
                break;
            }
        }
        assert!(pages < 10, "the cursor must advance");
    }
    assert_eq!(pages, 4);
    assert_eq!(walked, whole);
    // A cursor that is not one of ours is refused, not read as "from the start".
    let (status, body) = logs_as(&sandbox, KEY, "cursor=zzz").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], 1005);
}

#[tokio::test]
async fn another_account_sees_nothing_of_ours() {
    let (sandbox, _receiver, a, _b, c) = logged().await;
    let (status, body) = logs_as(&sandbox, OTHER_KEY, &format!("subscription_id={a}")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["webhook_logs"], json!([]));
    let (_, own) = logs_as(&sandbox, OTHER_KEY, "").await;
    let own = entries(&own);
    assert_eq!(own.len(), 1);
    assert_eq!(own[0]["subscription_id"], c.as_str());
}

#[tokio::test]
async fn bad_keys_partner_ids_and_page_sizes_are_refused() {
    let sandbox = Sandbox::start(&[KEY, OTHER_KEY], false).await;
    let reply = sandbox
        .send(reqwest::Method::GET, "/v1/webhook-logs", None, None)
        .await;
    reply.assert_error(401, 2004, "API key");
    let reply = sandbox.get_as("wrong", "/v1/webhook-logs").await;
    reply.assert_error(401, 2004, "API key");

    let ours = partner_id(KEY);
    let theirs = partner_id(OTHER_KEY);
    let (status, _) = logs_as(&sandbox, KEY, &format!("partner_id={ours}&org_id={ours}")).await;
    assert_eq!(status, 200);
    for query in [
        format!("partner_id={theirs}&org_id={theirs}"),
        format!("partner_id={ours}&org_id={theirs}"),
        "org_id=org_123".to_owned(),
    ] {
        let reply = sandbox
            .get_as(KEY, &format!("/v1/webhook-logs?{query}"))
            .await;
        reply.assert_error(403, 2005, "organisation");
    }
    for per_page in ["0", "51", "ten"] {
        let reply = sandbox
            .get_as(KEY, &format!("/v1/webhook-logs?per_page={per_page}"))
            .await;
        reply.assert_error(400, 1005, "per_page");
    }
    let (status, body) = logs_as(&sandbox, KEY, "per_page=50").await;
    assert_eq!(status, 200);
    assert_eq!(body["pagination"]["per_page"], 50);
    let reply = sandbox.get("/v1/webhook-logs?status=lost").await;
    reply.assert_error(400, 1005, "status");
}
