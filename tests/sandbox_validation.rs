//! Sandbox request validation: every rejection is the Linq error envelope with the right
//! status, code, a message naming the field, and a trace id equal to `X-Trace-ID`.

mod sandbox_support;

use reqwest::Method;
use sandbox_support::{Sandbox, KEY};
use serde_json::{json, Value};

const UNKNOWN_ID: &str = "b2c3d4e5-f6a7-8901-bcde-f23456789012";

fn valid() -> Value {
    json!({
        "target_url": "https://hooks.example.com/linq",
        "subscribed_events": ["message.sent"],
    })
}

fn with(field: &str, value: Value) -> Value {
    let mut body = valid();
    body[field] = value;
    body
}

fn without(field: &str) -> Value {
    let mut body = valid();
    body.as_object_mut().unwrap().remove(field);
    body
}

#[tokio::test]
async fn create_rejections_carry_the_documented_codes() {
    let sandbox = Sandbox::empty().await;
    // (body, status, code, text the message must contain)
    let cases: Vec<(Value, u16, u64, &str)> = vec![
        (without("target_url"), 400, 1001, "target_url"),
        (without("subscribed_events"), 400, 1001, "subscribed_events"),
        (json!({}), 400, 1001, "target_url"),
        (
            with("target_url", json!("http://hooks.example.com/linq")),
            400,
            1005,
            "target_url",
        ),
        (
            with("target_url", json!("hooks.example.com/linq")),
            400,
            1005,
            "target_url",
        ),
        (
            with("target_url", json!("not a url")),
            400,
            1005,
            "target_url",
        ),
        (
            with("target_url", json!("ftp://hooks.example.com")),
            400,
            1005,
            "target_url",
        ),
        (with("target_url", json!("")), 400, 1005, "target_url"),
        (with("target_url", json!(42)), 400, 1005, "target_url"),
        (with("target_url", Value::Null), 400, 1005, "target_url"),
        (
            with("subscribed_events", json!([])),
            400,
            1005,
            "subscribed_events",
        ),
        (
            with(
                "subscribed_events",
                json!(["message.sent", "message.bogus"]),
            ),
            400,
            1005,
            "message.bogus",
        ),
        (
            with("subscribed_events", json!("message.sent")),
            400,
            1005,
            "subscribed_events",
        ),
        (
            with("subscribed_events", json!([1])),
            400,
            1005,
            "subscribed_events",
        ),
        (
            with("phone_numbers", json!(["2025551234"])),
            400,
            1002,
            "2025551234",
        ),
        (
            with("phone_numbers", json!(["+1 202 555 1234"])),
            400,
            1002,
            "+1 202 555 1234",
        ),
        (
            with("phone_numbers", json!(["+1234567"])),
            400,
            1002,
            "+1234567",
        ),
        (
            with("phone_numbers", json!(["+02025551234"])),
            400,
            1002,
            "+02025551234",
        ),
        (
            with("phone_numbers", Value::Null),
            400,
            1005,
            "phone_numbers",
        ),
        (
            with("phone_numbers", json!("+12025551234")),
            400,
            1005,
            "phone_numbers",
        ),
        (
            with("phone_numbers", json!([12025551234u64])),
            400,
            1005,
            "phone_numbers",
        ),
        (
            with("routing_key_header", json!("X Route")),
            400,
            1005,
            "routing_key_header",
        ),
        (
            with("routing_key_header", json!("X:Route")),
            400,
            1005,
            "routing_key_header",
        ),
        (
            with("routing_key_header", json!(7)),
            400,
            1005,
            "routing_key_header",
        ),
        (
            with("routing_key_header", json!("webhook-signature")),
            400,
            1005,
            "routing_key_header",
        ),
        (
            with("routing_id_header", json!("bad header")),
            400,
            1005,
            "routing_id_header",
        ),
    ];
    for (body, status, code, mentions) in cases {
        let reply = sandbox.post("webhook-subscriptions", &body).await;
        println!("{body} → {}", reply.body);
        reply.assert_error(status, code, mentions);
    }
    // Key and id header must be different headers.
    let mut body = with("routing_key_header", json!("X-Route"));
    body["routing_id_header"] = json!("x-route");
    sandbox
        .post("webhook-subscriptions", &body)
        .await
        .assert_error(400, 1005, "routing_key_header");
    assert!(sandbox.list().await.is_empty(), "nothing was created");
}

#[tokio::test]
async fn malformed_bodies_are_1003() {
    let sandbox = Sandbox::empty().await;
    let cases: Vec<(&str, &[u8])> = vec![
        ("application/json", b"{\"target_url\": "),
        ("application/json", b"not json"),
        ("application/json", b""),
        ("application/json", b"[]"),
        ("application/json", b"\"https://a.example\""),
        ("application/json", b"null"),
        (
            "text/plain",
            br#"{"target_url":"https://a.example","subscribed_events":["message.sent"]}"#,
        ),
        (
            "application/x-www-form-urlencoded",
            b"target_url=https://a.example",
        ),
    ];
    for (content_type, bytes) in cases {
        let body = Some((content_type, bytes.to_vec()));
        let reply = sandbox
            .send(Method::POST, "webhook-subscriptions", Some(KEY), body)
            .await;
        reply.assert_error(400, 1003, "body");
    }
    // No Content-Type at all.
    let reply = sandbox
        .send(Method::POST, "webhook-subscriptions", Some(KEY), None)
        .await;
    reply.assert_error(400, 1003, "Content-Type");

    // Same on update.
    let created = sandbox.post("webhook-subscriptions", &valid()).await.json();
    let path = format!("webhook-subscriptions/{}", created["id"].as_str().unwrap());
    let reply = sandbox
        .send(
            Method::PUT,
            &path,
            Some(KEY),
            Some(("application/json", b"{".to_vec())),
        )
        .await;
    reply.assert_error(400, 1003, "JSON");
    let reply = sandbox
        .send(
            Method::PUT,
            &path,
            Some(KEY),
            Some(("application/json", b"[1]".to_vec())),
        )
        .await;
    reply.assert_error(400, 1003, "object");
}

#[tokio::test]
async fn update_rejections_leave_the_subscription_unchanged() {
    let sandbox = Sandbox::empty().await;
    let created = sandbox.post("webhook-subscriptions", &valid()).await.json();
    let path = format!("webhook-subscriptions/{}", created["id"].as_str().unwrap());
    let cases: Vec<(Value, u16, u64, &str)> = vec![
        (json!({"is_active": "yes"}), 400, 1005, "is_active"),
        (json!({"is_active": null}), 400, 1005, "is_active"),
        (
            json!({"target_url": "http://insecure.example"}),
            400,
            1005,
            "target_url",
        ),
        (json!({"target_url": null}), 400, 1005, "target_url"),
        (
            json!({"subscribed_events": []}),
            400,
            1005,
            "subscribed_events",
        ),
        (
            json!({"subscribed_events": null}),
            400,
            1005,
            "subscribed_events",
        ),
        (
            json!({"subscribed_events": ["nope.never"]}),
            400,
            1005,
            "nope.never",
        ),
        (
            json!({"phone_numbers": ["+1202555"]}),
            400,
            1002,
            "+1202555",
        ),
        (
            json!({"phone_numbers": {"a": 1}}),
            400,
            1005,
            "phone_numbers",
        ),
        (
            json!({"routing_key_header": "a b"}),
            400,
            1005,
            "routing_key_header",
        ),
        (
            json!({"routing_key_header": "Linq-Chat-Id"}),
            400,
            1005,
            "routing_key_header",
        ),
    ];
    for (body, status, code, mentions) in cases {
        sandbox
            .put(&path, &body)
            .await
            .assert_error(status, code, mentions);
    }
    assert_eq!(sandbox.get(&path).await.json(), {
        let mut c = created.clone();
        c.as_object_mut().unwrap().remove("signing_secret");
        c
    });
}

#[tokio::test]
async fn unknown_or_malformed_ids_are_404_2010() {
    let sandbox = Sandbox::empty().await;
    let body = json!({"is_active": false});
    for id in [UNKNOWN_ID, "not-a-uuid", "12345"] {
        let path = format!("webhook-subscriptions/{id}");
        let message = sandbox
            .get(&path)
            .await
            .assert_error(404, 2010, "not found");
        assert_eq!(message, "Webhook subscription not found");
        sandbox
            .put(&path, &body)
            .await
            .assert_error(404, 2010, "not found");
        sandbox
            .delete(&path)
            .await
            .assert_error(404, 2010, "not found");
    }
}

#[tokio::test]
async fn missing_or_wrong_key_is_401_2004_before_anything_else() {
    let sandbox = Sandbox::empty().await;
    let id_path = format!("webhook-subscriptions/{UNKNOWN_ID}");
    for key in [None, Some("wrong-key"), Some("")] {
        for (method, path) in [
            (Method::GET, "webhook-subscriptions"),
            (Method::POST, "webhook-subscriptions"),
            (Method::GET, id_path.as_str()),
            (Method::PUT, id_path.as_str()),
            (Method::DELETE, id_path.as_str()),
            (Method::GET, "webhook-subscriptions/not-a-uuid"),
            (Method::GET, "webhook-events"),
            (Method::GET, "phone_numbers"),
            (Method::GET, "no-such-endpoint"),
        ] {
            let body = Some(("application/json", b"{".to_vec()));
            let reply = sandbox.send(method, path, key, body).await;
            reply.assert_error(401, 2004, "API key");
        }
    }
    // Other auth schemes are not accepted.
    let response = reqwest::Client::new()
        .get(sandbox.url("webhook-subscriptions"))
        .header("authorization", format!("Basic {KEY}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
}

#[tokio::test]
async fn unknown_routes_and_methods_get_the_envelope() {
    let sandbox = Sandbox::empty().await;
    sandbox
        .get("webhook-subscription")
        .await
        .assert_error(404, 1005, "webhook-subscription");
    let reply = sandbox
        .send(
            Method::PATCH,
            &format!("webhook-subscriptions/{UNKNOWN_ID}"),
            Some(KEY),
            None,
        )
        .await;
    reply.assert_error(405, 1005, "Method Not Allowed");
    let outside = reqwest::Client::new()
        .get(sandbox.base.replace("/api/partner", "/"))
        .send()
        .await
        .unwrap();
    assert_eq!(outside.status().as_u16(), 404);
    assert!(outside.headers().contains_key("x-trace-id"));
}

#[tokio::test]
async fn every_response_has_a_fresh_trace_id() {
    let sandbox = Sandbox::empty().await;
    let a = sandbox.get("webhook-subscriptions").await;
    let b = sandbox.get("webhook-events").await;
    let c = sandbox.get("phone_numbers").await;
    for reply in [&a, &b, &c] {
        reply.assert_traced();
        assert_eq!(reply.content_type.as_deref(), Some("application/json"));
    }
    assert_ne!(a.trace_id, b.trace_id);
    // A client-sent traceparent is ignored.
    let response = reqwest::Client::new()
        .get(sandbox.url("webhook-events"))
        .bearer_auth(KEY)
        .header(
            "traceparent",
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        )
        .send()
        .await
        .unwrap();
    let trace = response.headers()["x-trace-id"].to_str().unwrap();
    assert_ne!(trace, "0af7651916cd43dd8448eb211c80319c");
}
