//! Webhook delivery (linq-api.md §8) end to end over loopback: test events, the signed
//! POSTs a local receiver gets, retries, drops, restarts, pausing, the deliveries log and
//! the sandbox-only endpoints. Every sandbox here delivers to a receiver on 127.0.0.1
//! through `deliver_to`: no delivery leaves this machine.

mod sandbox_support;

use linq_hooks::sandbox::DeliveryOptions;
use linq_hooks::signature;
use reqwest::Method;
use sandbox_support::receiver::{eventually, Answer, Receiver};
use sandbox_support::{Sandbox, KEY};
use serde_json::{json, Value};
use std::time::Duration;

const LINE: &str = "+12025551234";
const OTHER_LINE: &str = "+12025559876";

fn delivering_to(receiver: &Receiver, retry_scale: f64) -> DeliveryOptions {
    DeliveryOptions {
        deliver_to: Some(receiver.url.clone()),
        allow_local_targets: true,
        retry_scale,
    }
}

async fn started(receiver: &Receiver, retry_scale: f64) -> Sandbox {
    Sandbox::start_with(&[KEY], false, delivering_to(receiver, retry_scale)).await
}

/// Creates a subscription; returns its id and signing secret.
async fn subscribe(sandbox: &Sandbox, body: &Value) -> (String, String) {
    let created = sandbox.create(body).await;
    (
        created["id"].as_str().expect("id").to_owned(),
        created["signing_secret"]
            .as_str()
            .expect("secret")
            .to_owned(),
    )
}

async fn send_event(sandbox: &Sandbox, body: Value) -> Value {
    let reply = sandbox.post("/_sandbox/v1/events", &body).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.assert_traced();
    reply.json()
}

async fn attempts(sandbox: &Sandbox, query: &str) -> Vec<Value> {
    let reply = sandbox
        .get(&format!("/_sandbox/v1/deliveries{query}"))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()["deliveries"]
        .as_array()
        .expect("deliveries array")
        .clone()
}

/// Waits until the newest attempt of `subscription` satisfies `done`; returns all of its
/// attempts, newest first.
async fn wait_attempts(
    sandbox: &Sandbox,
    subscription: &str,
    what: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let query = format!("?subscription_id={subscription}");
    eventually(what, || async {
        let rows = attempts(sandbox, &query).await;
        done(&rows).then_some(rows)
    })
    .await
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[tokio::test]
async fn a_delivery_is_signed_with_both_schemes_and_logged() {
    let receiver = Receiver::start().await;
    let sandbox = started(&receiver, 1.0).await;
    let target = "https://hooks.example.com/linq?version=2026-02-03";
    let (id, secret) = subscribe(
        &sandbox,
        &json!({"target_url": target, "subscribed_events": ["message.received"]}),
    )
    .await;
    let event = send_event(
        &sandbox,
        json!({"event_type": "message.received", "phone_number": LINE}),
    )
    .await;
    let event_id = event["event_id"].as_str().expect("event id");
    assert_eq!(event["event_type"], "message.received");
    let queued = event["deliveries"].as_array().expect("deliveries");
    assert_eq!(queued.len(), 1, "{event}");
    assert_eq!(queued[0]["subscription_id"], id.as_str());
    assert_eq!(queued[0]["target_url"], target);
    assert_eq!(queued[0]["webhook_version"], "2026-02-03");

    let received = receiver.wait_for(1).await;
    let request = &received[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/hook");
    assert_eq!(request.header("webhook-id"), Some(event_id));
    assert_eq!(request.header("x-webhook-event"), Some("message.received"));
    assert_eq!(
        request.header("x-webhook-subscription-id"),
        Some(id.as_str())
    );
    assert_eq!(request.header("x-linq-sandbox-target"), Some(target));
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert!(request
        .header("user-agent")
        .is_some_and(|ua| ua.starts_with("linq-hooks-sandbox/")));
    assert!(request
        .header("webhook-signature")
        .is_some_and(|s| s.starts_with("v1,")));
    assert_eq!(
        request.header("webhook-timestamp"),
        request.header("x-webhook-timestamp")
    );
    let report = signature::verify(
        &secret,
        &request.headers,
        &request.body,
        now(),
        signature::DEFAULT_TOLERANCE_SECS,
    );
    assert!(report.standard.is_valid(), "{:?}", report.standard);
    assert!(report.legacy.is_valid(), "{:?}", report.legacy);
    // Another subscription's secret does not verify it.
    let report = signature::verify(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw7Jxx2Oll+OE=", // test_vector
        &request.headers,
        &request.body,
        now(),
        signature::DEFAULT_TOLERANCE_SECS,
    );
    assert!(!report.any_valid());

    let body = request.json();
    assert_eq!(body["api_version"], "v3");
    assert_eq!(body["webhook_version"], "2026-02-03");
    assert_eq!(body["event_type"], "message.received");
    assert_eq!(body["event_id"], event_id);
    assert_eq!(body["data"]["direction"], "inbound");
    assert_eq!(body["data"]["chat"]["owner_handle"]["handle"], LINE);
    assert_eq!(body["trace_id"].as_str().map(str::len), Some(32));

    let rows = wait_attempts(&sandbox, &id, "a logged attempt", |rows| {
        rows.first().is_some_and(|r| r["outcome"] == "delivered")
    })
    .await;
    let row = &rows[0];
    assert_eq!(row["attempt"], 1);
    assert_eq!(row["status"], 200);
    assert!(row["error"].is_null());
    assert_eq!(row["event_id"], event_id);
    assert_eq!(row["event_type"], "message.received");
    assert_eq!(row["subscription_id"], id.as_str());
    assert_eq!(row["target_url"], target);
    assert_eq!(row["destination"], receiver.url.as_str());
    assert_eq!(row["response_snippet"], "answer 200");
    assert_eq!(row["delivery_state"], "delivered");
    assert!(row["next_attempt_at"].is_null());
    assert!(row["latency_ms"].is_u64());
    sandbox_support::assert_timestamp(&row["attempted_at"]);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn only_active_subscriptions_to_the_type_and_line_get_the_event() {
    let receiver = Receiver::start().await;
    let sandbox = started(&receiver, 1.0).await;
    let sub = |url: &str, events: Value, phones: Option<Value>| {
        let mut body = json!({"target_url": url, "subscribed_events": events});
        if let Some(phones) = phones {
            body["phone_numbers"] = phones;
        }
        body
    };
    let (all_lines, _) = subscribe(
        &sandbox,
        &sub("https://a.example/h", json!(["message.received"]), None),
    )
    .await;
    let (other_type, _) = subscribe(
        &sandbox,
        &sub("https://b.example/h", json!(["message.sent"]), None),
    )
    .await;
    let (this_line, _) = subscribe(
        &sandbox,
        &sub(
            "https://c.example/h?version=2026-02-03",
            json!(["message.received", "message.edited"]),
            Some(json!([LINE])),
        ),
    )
    .await;
    let (other_line, _) = subscribe(
        &sandbox,
        &sub(
            "https://d.example/h",
            json!(["message.received"]),
            Some(json!([OTHER_LINE])),
        ),
    )
    .await;
    let (paused, _) = subscribe(
        &sandbox,
        &sub("https://e.example/h", json!(["message.received"]), None),
    )
    .await;
    let reply = sandbox
        .put(
            &format!("webhook-subscriptions/{paused}"),
            &json!({"is_active": false}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);

    let queued_to = |event: &Value| -> Vec<String> {
        let mut ids: Vec<String> = event["deliveries"]
            .as_array()
            .expect("deliveries")
            .iter()
            .map(|d| d["subscription_id"].as_str().expect("id").to_owned())
            .collect();
        ids.sort();
        ids
    };
    let sorted = |mut ids: Vec<String>| {
        ids.sort();
        ids
    };

    let on_line = send_event(
        &sandbox,
        json!({"event_type": "message.received", "phone_number": LINE}),
    )
    .await;
    assert_eq!(
        queued_to(&on_line),
        sorted(vec![all_lines.clone(), this_line.clone()])
    );
    // No number: only subscriptions without a phone filter.
    let no_line = send_event(&sandbox, json!({"event_type": "message.received"})).await;
    assert_eq!(queued_to(&no_line), vec![all_lines.clone()]);
    // message.edited is only delivered to 2026-02-03 subscriptions (linq-api.md §8.6).
    let edited = send_event(
        &sandbox,
        json!({"event_type": "message.edited", "phone_number": LINE}),
    )
    .await;
    assert_eq!(queued_to(&edited), vec![this_line.clone()]);
    // Nobody listens: the event is still made, nothing is queued.
    let nobody = send_event(&sandbox, json!({"event_type": "poll.sent"})).await;
    assert_eq!(queued_to(&nobody), Vec::<String>::new());

    let received = receiver.wait_for(4).await;
    let mut by_subscription: Vec<(String, String)> = received
        .iter()
        .map(|r| {
            (
                r.header("x-webhook-subscription-id")
                    .expect("subscription header")
                    .to_owned(),
                r.json()["webhook_version"]
                    .as_str()
                    .expect("version")
                    .to_owned(),
            )
        })
        .collect();
    by_subscription.sort();
    let mut expected = vec![
        (all_lines.clone(), "2025-01-01".to_owned()),
        (all_lines.clone(), "2025-01-01".to_owned()),
        (this_line.clone(), "2026-02-03".to_owned()),
        (this_line.clone(), "2026-02-03".to_owned()),
    ];
    expected.sort();
    assert_eq!(by_subscription, expected);
    for id in [&other_type, &other_line, &paused] {
        assert!(
            received
                .iter()
                .all(|r| r.header("x-webhook-subscription-id") != Some(id.as_str())),
            "{id} got a delivery"
        );
    }
    // A V1 body: the message nested, `is_from_me` instead of `direction`.
    let v1 = received
        .iter()
        .find(|r| r.header("x-webhook-subscription-id") == Some(all_lines.as_str()))
        .expect("a V1 delivery")
        .json();
    assert_eq!(v1["data"]["is_from_me"], false);
    assert!(v1["data"]["message"].is_object());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn event_requests_are_validated_with_the_linq_envelope() {
    let sandbox = Sandbox::empty().await;
    sandbox
        .post(
            "/_sandbox/v1/events",
            &json!({"event_type": "message.nope"}),
        )
        .await
        .assert_error(400, 1005, "message.nope");
    sandbox
        .post(
            "/_sandbox/v1/events",
            &json!({"event_type": "message.sent", "phone_number": "555-1234"}),
        )
        .await
        .assert_error(400, 1002, "E.164");
    sandbox
        .post("/_sandbox/v1/events", &json!({}))
        .await
        .assert_error(400, 1001, "event_type");
    sandbox
        .post(
            "/_sandbox/v1/events",
            &json!({"event_type": "message.sent", "data": "x"}),
        )
        .await
        .assert_error(400, 1005, "data");
    let huge = json!({"event_type": "message.sent", "data": {"x": "y".repeat(200_000)}});
    let reply = sandbox.post("/_sandbox/v1/events", &huge).await;
    assert_eq!(reply.status, 413, "{}", reply.body);
    reply.assert_traced();
    sandbox
        .send(Method::POST, "/_sandbox/v1/events", None, None)
        .await
        .assert_error(401, 2004, "Unauthorized");
    for query in [
        "?limit=0",
        "?limit=501",
        "?limit=x",
        "?subscription_id=nope",
    ] {
        sandbox
            .get(&format!("/_sandbox/v1/deliveries{query}"))
            .await
            .assert_error(400, 1005, "Invalid");
    }
    // Without --allow-local-targets there is no local receiver to register.
    sandbox
        .put(
            "/_sandbox/v1/forward",
            &json!({"url": "http://127.0.0.1:9/hook"}),
        )
        .await
        .assert_error(403, 2011, "--allow-local-targets");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_500_is_retried_until_it_succeeds() {
    let receiver = Receiver::start().await;
    receiver.answer_next(&[500, 503]);
    let sandbox = started(&receiver, 0.01).await;
    let (id, secret) = subscribe(
        &sandbox,
        &json!({"target_url": "https://a.example/h", "subscribed_events": ["message.sent"]}),
    )
    .await;
    let event = send_event(&sandbox, json!({"event_type": "message.sent"})).await;
    let received = receiver.wait_for(3).await;
    // Every attempt carries the same event id and body, freshly signed.
    for request in &received {
        assert_eq!(request.header("webhook-id"), event["event_id"].as_str());
        assert_eq!(request.body, received[0].body);
        let report = signature::verify(
            &secret,
            &request.headers,
            &request.body,
            now(),
            signature::DEFAULT_TOLERANCE_SECS,
        );
        assert!(report.standard.is_valid() && report.legacy.is_valid());
    }
    let rows = wait_attempts(&sandbox, &id, "three attempts", |rows| {
        rows.len() == 3 && rows[0]["outcome"] == "delivered"
    })
    .await;
    let numbers: Vec<&Value> = rows.iter().map(|r| &r["attempt"]).collect();
    assert_eq!(numbers, [&json!(3), &json!(2), &json!(1)]);
    let statuses: Vec<&Value> = rows.iter().map(|r| &r["status"]).collect();
    assert_eq!(statuses, [&json!(200), &json!(503), &json!(500)]);
    assert_eq!(rows[1]["outcome"], "retrying");
    assert_eq!(rows[2]["outcome"], "retrying");
    // Retries are history now: no retry is ahead.
    assert!(rows.iter().all(|r| r["next_attempt_at"].is_null()));
    assert!(rows.iter().all(|r| r["delivery_state"] == "delivered"));
    assert_eq!(receiver.count(), 3);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_400_is_dropped_after_one_attempt() {
    let receiver = Receiver::start().await;
    receiver.answer_always(Answer::status(400));
    let sandbox = started(&receiver, 0.0).await;
    let (id, _) = subscribe(
        &sandbox,
        &json!({"target_url": "https://a.example/h", "subscribed_events": ["message.sent"]}),
    )
    .await;
    send_event(&sandbox, json!({"event_type": "message.sent"})).await;
    let rows = wait_attempts(&sandbox, &id, "a dropped attempt", |rows| {
        rows.first()
            .is_some_and(|r| r["delivery_state"] == "dropped")
    })
    .await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["status"], 400);
    assert_eq!(rows[0]["outcome"], "dropped");
    assert_eq!(rows[0]["response_snippet"], "answer 400");
    // The delivery is final: with a zero retry scale a retry would already have come.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.count(), 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn connection_errors_are_retried_until_the_attempts_run_out() {
    // Bound, then released: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let sandbox = Sandbox::start_with(
        &[KEY],
        false,
        DeliveryOptions {
            deliver_to: Some(format!("http://127.0.0.1:{port}/gone")),
            allow_local_targets: true,
            retry_scale: 0.001,
        },
    )
    .await;
    let (id, _) = subscribe(
        &sandbox,
        &json!({"target_url": "https://a.example/h", "subscribed_events": ["message.sent"]}),
    )
    .await;
    send_event(&sandbox, json!({"event_type": "message.sent"})).await;
    let rows = wait_attempts(&sandbox, &id, "every attempt", |rows| {
        rows.first()
            .is_some_and(|r| r["delivery_state"] == "failed")
    })
    .await;
    assert_eq!(rows.len(), 11, "one attempt and ten retries");
    assert_eq!(rows[0]["outcome"], "exhausted");
    assert!(rows.iter().all(|r| r["status"].is_null()));
    let error = rows[0]["error"].as_str().expect("error text");
    assert!(error.starts_with("connection failed"), "{error}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_pending_retry_survives_a_restart() {
    let receiver = Receiver::start().await;
    receiver.answer_next(&[500]);
    // The first retry comes 2.4–3.6 s after the first attempt: long after the restart.
    let sandbox = started(&receiver, 2.0).await;
    let (id, secret) = subscribe(
        &sandbox,
        &json!({"target_url": "https://a.example/h", "subscribed_events": ["message.read"]}),
    )
    .await;
    send_event(&sandbox, json!({"event_type": "message.read"})).await;
    let rows = wait_attempts(&sandbox, &id, "a retry scheduled", |rows| {
        rows.first().is_some_and(|r| r["outcome"] == "retrying")
    })
    .await;
    assert!(rows[0]["next_attempt_at"].is_string(), "{}", rows[0]);

    let sandbox = sandbox.restart(&[KEY], false).await;
    let restarted = std::time::Instant::now();
    let rows = wait_attempts(&sandbox, &id, "the retry after the restart", |rows| {
        rows.first().is_some_and(|r| r["outcome"] == "delivered")
    })
    .await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["attempt"], 2);
    let received = receiver.received();
    assert_eq!(received.len(), 2);
    assert!(
        received[1].at > restarted,
        "the retry came from the new process"
    );
    let report = signature::verify(
        &secret,
        &received[1].headers,
        &received[1].body,
        now(),
        signature::DEFAULT_TOLERANCE_SECS,
    );
    assert!(report.any_valid());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn pausing_or_deleting_a_subscription_cancels_its_retries() {
    let receiver = Receiver::start().await;
    receiver.answer_always(Answer::status(500));
    // Retries 1.2–1.8 s apart: time enough to pause in between.
    let sandbox = started(&receiver, 1.0).await;
    let (paused, _) = subscribe(
        &sandbox,
        &json!({"target_url": "https://a.example/h", "subscribed_events": ["message.sent"]}),
    )
    .await;
    let (deleted, _) = subscribe(
        &sandbox,
        &json!({"target_url": "https://b.example/h", "subscribed_events": ["message.sent"]}),
    )
    .await;
    send_event(&sandbox, json!({"event_type": "message.sent"})).await;
    for id in [&paused, &deleted] {
        wait_attempts(&sandbox, id, "a retry scheduled", |rows| {
            rows.first().is_some_and(|r| r["outcome"] == "retrying")
        })
        .await;
    }
    let reply = sandbox
        .put(
            &format!("webhook-subscriptions/{paused}"),
            &json!({"is_active": false}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let reply = sandbox
        .delete(&format!("webhook-subscriptions/{deleted}"))
        .await;
    assert_eq!(reply.status, 204, "{}", reply.body);

    for id in [&paused, &deleted] {
        let rows = wait_attempts(&sandbox, id, "the delivery cancelled", |rows| {
            rows.first()
                .is_some_and(|r| r["delivery_state"] == "cancelled")
        })
        .await;
        // The history stays (also of a deleted subscription); no retry is ahead.
        assert!(rows.iter().all(|r| r["next_attempt_at"].is_null()));
    }
    let seen = receiver.count();
    // Longer than the largest first-retry delay (1.8 s): a retry would have arrived.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert_eq!(receiver.count(), seen, "no attempt after the pause/delete");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_deliveries_log_is_newest_first_and_limited() {
    let receiver = Receiver::start().await;
    let sandbox = started(&receiver, 1.0).await;
    let (first, _) = subscribe(
        &sandbox,
        &json!({"target_url": "https://a.example/h", "subscribed_events": ["message.sent"]}),
    )
    .await;
    let (second, _) = subscribe(
        &sandbox,
        &json!({"target_url": "https://b.example/h", "subscribed_events": ["message.read"]}),
    )
    .await;
    for event_type in ["message.sent", "message.sent", "message.read"] {
        // One at a time, so the log's order is the sending order.
        let n = receiver.count() + 1;
        send_event(&sandbox, json!({"event_type": event_type})).await;
        receiver.wait_for(n).await;
        eventually("the attempt logged", || async {
            (attempts(&sandbox, "").await.len() == n).then_some(())
        })
        .await;
    }
    let all = attempts(&sandbox, "").await;
    assert_eq!(all.len(), 3);
    let ids: Vec<i64> = all.iter().map(|r| r["id"].as_i64().expect("id")).collect();
    assert!(ids[0] > ids[1] && ids[1] > ids[2], "{ids:?}");
    assert_eq!(all[0]["event_type"], "message.read");
    assert_eq!(attempts(&sandbox, "?limit=2").await, all[..2].to_vec());
    let of_first = attempts(&sandbox, &format!("?subscription_id={first}")).await;
    assert_eq!(of_first, vec![all[1].clone(), all[2].clone()]);
    let of_second = attempts(&sandbox, &format!("?subscription_id={second}&limit=500")).await;
    assert_eq!(of_second, vec![all[0].clone()]);
    let unknown = attempts(
        &sandbox,
        "?subscription_id=00000000-1111-4222-8333-444444444444",
    )
    .await;
    assert!(unknown.is_empty());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn accounts_see_only_their_own_deliveries_and_secrets() {
    let receiver = Receiver::start().await;
    let sandbox =
        Sandbox::start_with(&[KEY, "other-key"], false, delivering_to(&receiver, 1.0)).await;
    let (id, secret) = subscribe(
        &sandbox,
        &json!({"target_url": "https://a.example/h", "subscribed_events": ["message.sent"]}),
    )
    .await;
    let reply = sandbox
        .get(&format!("/_sandbox/v1/webhook-subscriptions/{id}/secret"))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["signing_secret"], secret.as_str());
    assert_eq!(reply.json()["id"], id.as_str());
    sandbox
        .get_as(
            "other-key",
            &format!("/_sandbox/v1/webhook-subscriptions/{id}/secret"),
        )
        .await
        .assert_error(404, 2010, "not found");
    sandbox
        .get("/_sandbox/v1/webhook-subscriptions/nope/secret")
        .await
        .assert_error(404, 2010, "not found");

    send_event(&sandbox, json!({"event_type": "message.sent"})).await;
    receiver.wait_for(1).await;
    wait_attempts(&sandbox, &id, "the attempt", |rows| !rows.is_empty()).await;
    let other = sandbox.get_as("other-key", "/_sandbox/v1/deliveries").await;
    assert_eq!(other.status, 200);
    assert_eq!(other.json()["deliveries"], json!([]));
    // The other account's event reaches none of this account's subscriptions.
    let reply = sandbox
        .post_as(
            "other-key",
            "/_sandbox/v1/events",
            &json!({"event_type": "message.sent"}),
        )
        .await;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.json()["deliveries"], json!([]));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_registered_receiver_overrides_deliver_to() {
    let default = Receiver::start().await;
    let registered = Receiver::start().await;
    let sandbox = started(&default, 1.0).await;
    let (id, _) = subscribe(
        &sandbox,
        &json!({"target_url": "https://a.example/h", "subscribed_events": ["message.sent"]}),
    )
    .await;
    let reply = sandbox.get("/_sandbox/v1/forward").await;
    assert_eq!(reply.json()["forward"], Value::Null);
    for bad in ["https://127.0.0.1/x", "http://example.com/x"] {
        sandbox
            .put("/_sandbox/v1/forward", &json!({"url": bad}))
            .await
            .assert_error(400, 1005, "url");
    }
    let reply = sandbox
        .put("/_sandbox/v1/forward", &json!({"url": registered.url}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["forward"]["url"], registered.url.as_str());
    let reply = sandbox.get("/_sandbox/v1/forward").await;
    assert_eq!(reply.json()["forward"]["url"], registered.url.as_str());

    send_event(&sandbox, json!({"event_type": "message.sent"})).await;
    let got = registered.wait_for(1).await;
    assert_eq!(
        got[0].header("x-linq-sandbox-target"),
        Some("https://a.example/h")
    );
    assert_eq!(default.count(), 0);

    // Unregistering someone else's receiver does nothing; one's own puts --deliver-to back.
    let reply = sandbox
        .send(
            Method::DELETE,
            "/_sandbox/v1/forward?url=http%3A%2F%2F127.0.0.1%3A1%2F",
            Some(KEY),
            None,
        )
        .await;
    assert_eq!(reply.status, 204);
    let reply = sandbox.get("/_sandbox/v1/forward").await;
    assert_eq!(reply.json()["forward"]["url"], registered.url.as_str());
    let reply = sandbox.delete("/_sandbox/v1/forward").await;
    assert_eq!(reply.status, 204);
    send_event(&sandbox, json!({"event_type": "message.sent"})).await;
    default.wait_for(1).await;
    assert_eq!(registered.count(), 1);
    wait_attempts(&sandbox, &id, "both attempts", |rows| rows.len() == 2).await;
    sandbox.shutdown().await;
}

#[tokio::test]
async fn routing_headers_carry_the_chat_and_the_echoed_token() {
    let receiver = Receiver::start().await;
    receiver.answer_always(Answer {
        status: 200,
        headers: vec![("X-Route-Token".into(), "cluster-7".into())],
        body: String::new(),
    });
    let sandbox = started(&receiver, 1.0).await;
    subscribe(
        &sandbox,
        &json!({
            "target_url": "https://a.example/h?version=2026-02-03",
            "subscribed_events": ["message.received"],
            "routing_key_header": "X-Route-Token",
        }),
    )
    .await;
    let chat = json!({"chat": {"id": "0c961e93-e7bf-4db2-bf7b-ea06826bcab4"}, "text": "hi"});
    send_event(
        &sandbox,
        json!({"event_type": "message.received", "data": chat}),
    )
    .await;
    let first = receiver.wait_for(1).await;
    assert_eq!(
        first[0].header("linq-chat-id"),
        Some("0c961e93-e7bf-4db2-bf7b-ea06826bcab4")
    );
    assert_eq!(
        first[0].header("x-route-token"),
        None,
        "no token learned yet"
    );
    // The caller's data is the envelope's data, as is.
    assert_eq!(first[0].json()["data"], chat);
    // The 2xx echoed a token: the next delivery for the chat carries it (once stored).
    let token = eventually("the token sent back", || async {
        let n = receiver.count() + 1;
        send_event(
            &sandbox,
            json!({"event_type": "message.received", "data": chat}),
        )
        .await;
        let all = receiver.wait_for(n).await;
        all.last()
            .and_then(|r| r.header("x-route-token").map(str::to_owned))
    })
    .await;
    assert_eq!(token, "cluster-7");
    sandbox.shutdown().await;
}
