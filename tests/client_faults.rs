//! `LinqClient` against a scripted server (wiremock): retries, server-requested delays,
//! error decoding, timeouts, connection failures and the exact requests it sends.
//! Reference: /work/shared/linq-api.md §5 (errors) and §7 (client behaviour).

use linq_hooks::api::{
    ApiError, ApiKey, ClientConfig, FieldChange, LinqClient, NewSubscription, SubscriptionPatch,
};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "sk_test_faults_0123456789abcd";
const ID: &str = "b2c3d4e5-f6a7-8901-bcde-f23456789012";
const LIST: &str = "/v3/webhook-subscriptions";
const ONE: &str = "/v3/webhook-subscriptions/b2c3d4e5-f6a7-8901-bcde-f23456789012";
const TRACE: &str = "2eff5df5c6f688733c007523c4d61cd9";
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw7Jxx2Oll+OE="; // linq-api.md test_vector

/// A client with quick backoff so retry tests stay fast.
fn client_for(base: &str, max_retries: u32) -> LinqClient {
    let mut cfg = ClientConfig::new(base, ApiKey::new(KEY));
    cfg.max_retries = max_retries;
    cfg.backoff_base = Duration::from_millis(5);
    cfg.request_timeout = Duration::from_secs(10);
    LinqClient::new(cfg).expect("client")
}

fn subscription_json() -> Value {
    json!({
        "id": ID,
        "created_at": "2026-02-05T19:30:00Z",
        "updated_at": "2026-02-05T19:31:13.736444093Z",
        "is_active": true,
        "subscribed_events": ["message.sent", "message.received"],
        "target_url": "https://webhooks.example.com/linq/events?version=2026-02-03",
        "phone_numbers": ["+12025551234"],
        "routing_id_header": null,
        "routing_key_header": null
    })
}

fn list_json() -> Value {
    json!({ "subscriptions": [subscription_json()] })
}

fn envelope(status: u16, code: u32, message: &str) -> Value {
    json!({
        "success": false,
        "error": {
            "status": status,
            "code": code,
            "message": message,
            "doc_url": format!("https://docs.linqapp.com/error/codes/{code}/")
        },
        "trace_id": TRACE
    })
}

fn not_found() -> ResponseTemplate {
    ResponseTemplate::new(404).set_body_json(envelope(404, 2010, "Webhook subscription not found"))
}

async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.expect("recording on")
}

/// Mounts `first` for the first `n` matching requests, then `then` for the rest.
async fn script(
    server: &MockServer,
    verb: &str,
    at: &str,
    first: ResponseTemplate,
    n: u64,
    then: ResponseTemplate,
) {
    Mock::given(method(verb))
        .and(path(at))
        .respond_with(first)
        .up_to_n_times(n)
        .mount(server)
        .await;
    Mock::given(method(verb))
        .and(path(at))
        .respond_with(then)
        .mount(server)
        .await;
}

// ---------------------------------------------------------------- 429 and retry-after

#[tokio::test]
async fn rate_limit_body_retry_after_is_honoured() {
    let server = MockServer::start().await;
    let mut limited = envelope(429, 1007, "Rate limit exceeded");
    limited["error"]["retry_after"] = json!(1);
    script(
        &server,
        "GET",
        LIST,
        ResponseTemplate::new(429).set_body_json(limited),
        1,
        ResponseTemplate::new(200).set_body_json(list_json()),
    )
    .await;

    let started = Instant::now();
    let subs = client_for(&server.uri(), 2)
        .list()
        .await
        .expect("retried after 429");
    let elapsed = started.elapsed();

    assert_eq!(subs.len(), 1);
    assert_eq!(requests(&server).await.len(), 2);
    // The 5 ms backoff would have retried at once: waiting ~1 s proves the hint was used.
    assert!(
        elapsed >= Duration::from_millis(950),
        "retried after only {elapsed:?}"
    );
}

#[tokio::test]
async fn rate_limit_retry_after_header_is_honoured() {
    let server = MockServer::start().await;
    // Envelope without `retry_after`: only the header carries the delay.
    script(
        &server,
        "GET",
        LIST,
        ResponseTemplate::new(429)
            .insert_header("Retry-After", "1")
            .set_body_json(envelope(429, 1007, "Rate limit exceeded")),
        1,
        ResponseTemplate::new(200).set_body_json(list_json()),
    )
    .await;

    let started = Instant::now();
    let subs = client_for(&server.uri(), 2)
        .list()
        .await
        .expect("retried after 429");
    let elapsed = started.elapsed();

    assert_eq!(subs.len(), 1);
    assert_eq!(requests(&server).await.len(), 2);
    assert!(
        elapsed >= Duration::from_millis(950),
        "retried after only {elapsed:?}"
    );
}

// ---------------------------------------------------------------- 5xx retries

#[tokio::test]
async fn two_server_errors_then_success() {
    let server = MockServer::start().await;
    script(
        &server,
        "GET",
        LIST,
        ResponseTemplate::new(500).set_body_json(envelope(500, 3006, "Internal server error")),
        2,
        ResponseTemplate::new(200).set_body_json(list_json()),
    )
    .await;

    let subs = client_for(&server.uri(), 2)
        .list()
        .await
        .expect("third attempt succeeds");
    assert_eq!(subs[0].id, ID);
    let reqs = requests(&server).await;
    assert_eq!(reqs.len(), 3);
    // SDK-style retry counter on each attempt.
    let counts: Vec<_> = reqs
        .iter()
        .map(|r| {
            r.headers
                .get("x-stainless-retry-count")
                .unwrap()
                .to_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(counts, ["0", "1", "2"]);
}

#[tokio::test]
async fn persistent_server_error_surfaces_status_code_and_trace_id() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(ResponseTemplate::new(500).set_body_json(envelope(
            500,
            3006,
            "Internal server error",
        )))
        .mount(&server)
        .await;

    let err = client_for(&server.uri(), 2).list().await.unwrap_err();
    assert!(matches!(err, ApiError::Linq(_)), "{err:?}");
    assert_eq!(err.status(), Some(500));
    assert_eq!(err.code(), Some(3006));
    assert_eq!(err.trace_id(), Some(TRACE));
    let shown = err.to_string();
    assert!(shown.contains("500") && shown.contains("3006"), "{shown}");
    assert!(shown.contains("Internal server error"), "{shown}");
    assert_eq!(requests(&server).await.len(), 3, "1 attempt + 2 retries");
}

#[tokio::test]
async fn trace_id_falls_back_to_header() {
    let server = MockServer::start().await;
    let mut body = envelope(500, 3006, "Internal server error");
    body.as_object_mut().unwrap().remove("trace_id");
    Mock::given(method("GET"))
        .and(path(ONE))
        .respond_with(
            ResponseTemplate::new(500)
                .insert_header("X-Trace-ID", "0af7651916cd43dd8448eb211c80319c")
                .set_body_json(body),
        )
        .mount(&server)
        .await;

    let err = client_for(&server.uri(), 0).get(ID).await.unwrap_err();
    assert_eq!(err.code(), Some(3006));
    assert_eq!(err.trace_id(), Some("0af7651916cd43dd8448eb211c80319c"));
}

#[tokio::test]
async fn create_is_never_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(LIST))
        .respond_with(ResponseTemplate::new(500).set_body_json(envelope(
            500,
            3006,
            "Internal server error",
        )))
        .mount(&server)
        .await;

    let new = NewSubscription {
        target_url: "https://example.com/hook".into(),
        subscribed_events: vec!["message.received".into()],
        ..Default::default()
    };
    let err = client_for(&server.uri(), 2).create(&new).await.unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(err.code(), Some(3006));
    assert_eq!(
        requests(&server).await.len(),
        1,
        "a POST must be sent exactly once"
    );
}

// ---------------------------------------------------------------- undecodable answers

#[tokio::test]
async fn malformed_json_on_success_is_a_decode_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(r#"{"subscriptions": [{"id": "#, "application/json"),
        )
        .mount(&server)
        .await;

    let err = client_for(&server.uri(), 2).list().await.unwrap_err();
    match &err {
        ApiError::Decode { status, detail, .. } => {
            assert_eq!(*status, 200);
            assert!(!detail.is_empty());
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    let shown = err.to_string();
    assert!(shown.contains("HTTP 200"), "{shown}");
    assert!(
        shown.len() > 30 && !shown.chars().any(char::is_control),
        "{shown:?}"
    );
    assert_eq!(requests(&server).await.len(), 1, "a 200 is not retried");
}

#[tokio::test]
async fn html_gateway_error_is_foreign_with_short_clean_snippet() {
    let server = MockServer::start().await;
    let html = format!(
        "<html>\r\n<head><title>502 Bad Gateway</title></head>\n\u{1b}[2J<body>{}</body></html>",
        "nginx upstream unavailable ".repeat(40)
    );
    assert!(html.len() > 400);
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(ResponseTemplate::new(502).set_body_raw(html.clone(), "text/html"))
        .mount(&server)
        .await;

    let err = client_for(&server.uri(), 0).list().await.unwrap_err();
    match &err {
        ApiError::Foreign {
            status, snippet, ..
        } => {
            assert_eq!(*status, 502);
            assert!(snippet.len() <= 200, "snippet is {} bytes", snippet.len());
            assert!(!snippet.chars().any(char::is_control), "{snippet:?}");
            assert!(snippet.starts_with("<html>"), "{snippet:?}");
            assert!(snippet.contains("502 Bad Gateway"), "{snippet:?}");
        }
        other => panic!("expected Foreign, got {other:?}"),
    }
    assert_eq!(err.status(), Some(502));
    assert_eq!(err.code(), None);
    let shown = err.to_string();
    assert!(
        shown.contains("502") && !shown.chars().any(char::is_control),
        "{shown:?}"
    );
}

#[tokio::test]
async fn foreign_snippet_stays_within_200_bytes_when_cut_inside_a_character() {
    let server = MockServer::start().await;
    // 199 ASCII bytes, then a 2-byte 'é' straddling the 200-byte cut, then more text.
    let body = format!("{}é{}", "x".repeat(199), "tail ".repeat(20));
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(ResponseTemplate::new(502).set_body_raw(body, "text/plain"))
        .mount(&server)
        .await;

    let err = client_for(&server.uri(), 0).list().await.unwrap_err();
    let ApiError::Foreign { snippet, .. } = &err else {
        panic!("expected Foreign, got {err:?}");
    };
    assert!(
        snippet.len() <= 200,
        "snippet is {} bytes: {snippet:?}",
        snippet.len()
    );
    assert!(snippet.starts_with(&"x".repeat(199)));
}

#[tokio::test]
async fn decode_error_keeps_the_trace_id_header() {
    // §5.1: every response, success included, carries X-Trace-ID; support needs it most
    // when a 2xx answer could not be read.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ONE))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("X-Trace-ID", TRACE)
                .set_body_raw("<html>captive portal</html>", "text/html"),
        )
        .mount(&server)
        .await;

    let err = client_for(&server.uri(), 0).get(ID).await.unwrap_err();
    assert!(
        matches!(err, ApiError::Decode { status: 200, .. }),
        "{err:?}"
    );
    assert_eq!(err.trace_id(), Some(TRACE));
}

// ---------------------------------------------------------------- x-should-retry

#[tokio::test]
async fn should_retry_false_forbids_retrying_a_500() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(
            ResponseTemplate::new(500)
                .insert_header("x-should-retry", "false")
                .set_body_json(envelope(500, 3006, "Internal server error")),
        )
        .mount(&server)
        .await;

    let err = client_for(&server.uri(), 2).list().await.unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn should_retry_true_forces_retrying_a_400() {
    let server = MockServer::start().await;
    script(
        &server,
        "GET",
        LIST,
        ResponseTemplate::new(400)
            .insert_header("x-should-retry", "true")
            .set_body_json(envelope(400, 1005, "Invalid parameter value")),
        1,
        ResponseTemplate::new(200).set_body_json(list_json()),
    )
    .await;

    let subs = client_for(&server.uri(), 2)
        .list()
        .await
        .expect("retried 400 succeeds");
    assert_eq!(subs.len(), 1);
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn plain_400_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path(ONE))
        .respond_with(ResponseTemplate::new(400).set_body_json(envelope(
            400,
            1002,
            "Phone number not E.164",
        )))
        .mount(&server)
        .await;

    let patch = SubscriptionPatch {
        phone_numbers: Some(FieldChange::Set(vec!["555".into()])),
        ..Default::default()
    };
    let err = client_for(&server.uri(), 2)
        .update(ID, &patch)
        .await
        .unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(400), Some(1002)));
    assert!(!err.is_not_found());
    assert_eq!(requests(&server).await.len(), 1);
}

// ---------------------------------------------------------------- 404 / 2010

#[tokio::test]
async fn not_found_on_get_update_delete_is_reported_without_retry() {
    for verb in ["GET", "PUT", "DELETE"] {
        let server = MockServer::start().await;
        Mock::given(method(verb))
            .and(path(ONE))
            .respond_with(not_found())
            .mount(&server)
            .await;
        let client = client_for(&server.uri(), 2);
        let err = match verb {
            "GET" => client.get(ID).await.map(drop),
            "PUT" => client
                .update(ID, &SubscriptionPatch::pause(true))
                .await
                .map(drop),
            _ => client.delete(ID).await,
        }
        .unwrap_err();
        assert!(err.is_not_found(), "{verb}: {err:?}");
        assert_eq!(err.code(), Some(2010), "{verb}");
        assert_eq!(err.status(), Some(404), "{verb}");
        assert_eq!(err.trace_id(), Some(TRACE), "{verb}");
        assert_eq!(
            requests(&server).await.len(),
            1,
            "{verb} must not retry a 404"
        );
    }
}

#[tokio::test]
async fn retried_delete_that_finds_it_gone_is_success() {
    let server = MockServer::start().await;
    script(
        &server,
        "DELETE",
        ONE,
        ResponseTemplate::new(503).set_body_json(envelope(503, 4004, "Service unavailable")),
        1,
        not_found(),
    )
    .await;

    client_for(&server.uri(), 2)
        .delete(ID)
        .await
        .expect("404/2010 on a retried delete means it is gone");
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn retried_delete_hitting_a_foreign_404_is_not_success() {
    // Only the API's own 404/2010 proves the subscription is gone; an HTML 404 from a proxy
    // in front of it proves nothing, and reporting "deleted" would be a lie.
    let server = MockServer::start().await;
    script(
        &server,
        "DELETE",
        ONE,
        ResponseTemplate::new(503).set_body_json(envelope(503, 4004, "Service unavailable")),
        1,
        ResponseTemplate::new(404).set_body_raw("<html><h1>404 Not Found</h1></html>", "text/html"),
    )
    .await;

    let err = client_for(&server.uri(), 2).delete(ID).await.unwrap_err();
    assert!(
        matches!(err, ApiError::Foreign { status: 404, .. }),
        "{err:?}"
    );
    assert!(!err.is_not_found(), "a gateway 404 is not 404/2010");
}

#[tokio::test]
async fn delete_accepts_204_and_200_with_any_body() {
    for resp in [
        ResponseTemplate::new(204),
        ResponseTemplate::new(200).set_body_raw("not json at all", "text/plain"),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("DELETE"))
            .and(path(ONE))
            .respond_with(resp)
            .mount(&server)
            .await;
        client_for(&server.uri(), 0)
            .delete(ID)
            .await
            .expect("2xx delete");
    }
}

// ---------------------------------------------------------------- forward compatibility

#[tokio::test]
async fn unknown_fields_and_event_types_are_tolerated() {
    let server = MockServer::start().await;
    let mut first = subscription_json();
    first["subscribed_events"] = json!(["message.sent", "hologram.projected"]);
    first["environment_id"] = json!("env_123");
    first["brand_new_object"] = json!({"nested": [1, 2, 3]});
    first["routing_key_header"] = json!("X-Route");
    let second = json!({
        "id": "c3d4e5f6-a7b8-9012-cdef-345678901234",
        "created_at": "2025-05-21T15:30:00.000-05:00",
        "updated_at": "2026-01-30T20:49:19.704Z",
        "is_active": false,
        "subscribed_events": ["message.read"],
        "target_url": "https://b.example.com/h"
    });
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "subscriptions": [first, second],
            "next_cursor": null
        })))
        .mount(&server)
        .await;

    let subs = client_for(&server.uri(), 0)
        .list()
        .await
        .expect("tolerant parse");
    assert_eq!(subs.len(), 2);
    assert_eq!(
        subs[0].subscribed_events,
        ["message.sent", "hologram.projected"]
    );
    assert_eq!(subs[0].routing_key_header.as_deref(), Some("X-Route"));
    assert_eq!(subs[0].phone_filter(), ["+12025551234"]);
    assert!(!subs[1].is_active);
    assert_eq!(subs[1].phone_numbers, None);
    assert!(subs[1].phone_filter().is_empty());
    assert_eq!(subs[1].routing_id_header, None);
}

// ---------------------------------------------------------------- transport failures

#[tokio::test]
async fn slow_server_times_out_at_the_configured_limit() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(list_json())
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&server)
        .await;

    let mut cfg = ClientConfig::new(server.uri(), ApiKey::new(KEY));
    cfg.request_timeout = Duration::from_millis(300);
    cfg.max_retries = 0;
    let client = LinqClient::new(cfg).unwrap();

    let started = Instant::now();
    let err = client.list().await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(matches!(err, ApiError::Timeout { .. }), "{err:?}");
    assert!(err.outcome_unknown());
    assert!(err.to_string().contains("timed out"), "{err}");
    // Correctness bound: the 300 ms timeout fired, the 5 s answer was not awaited.
    assert!(elapsed < Duration::from_secs(4), "took {elapsed:?}");
    assert!(elapsed >= Duration::from_millis(250), "took {elapsed:?}");
}

#[tokio::test]
async fn connection_refused_names_the_target() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let base = format!("http://127.0.0.1:{port}/api/partner");
    let mut cfg = ClientConfig::new(base, ApiKey::new(KEY));
    cfg.max_retries = 0;
    let client = LinqClient::new(cfg).unwrap();
    assert_eq!(client.target(), format!("127.0.0.1:{port}"));

    let err = client.list().await.unwrap_err();
    assert!(matches!(err, ApiError::Connect { .. }), "{err:?}");
    assert_eq!(err.status(), None);
    assert!(
        !err.outcome_unknown(),
        "a refused connection never reached the server"
    );
    let shown = err.to_string();
    assert!(shown.contains(&format!("127.0.0.1:{port}")), "{shown}");
    assert!(!shown.contains(KEY), "{shown}");
}

#[tokio::test]
async fn connection_refused_is_not_mistaken_for_tls_because_of_the_url() {
    // A plain refused connection, to a base URL that happens to mention "tls".
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let base = format!("http://127.0.0.1:{port}/tls-handshake/api/partner");
    let mut cfg = ClientConfig::new(base, ApiKey::new(KEY));
    cfg.max_retries = 0;
    let err = LinqClient::new(cfg).unwrap().list().await.unwrap_err();
    assert!(matches!(err, ApiError::Connect { .. }), "{err:?}");
}

#[tokio::test]
async fn invalid_ids_are_refused_before_any_request() {
    let server = MockServer::start().await;
    let client = client_for(&server.uri(), 0);
    for id in ["", "../admin", "abc?x=1", "b2c3/d4e5"] {
        let err = client.get(id).await.unwrap_err();
        assert!(
            matches!(err, ApiError::InvalidRequest(_)),
            "{id:?}: {err:?}"
        );
    }
    assert!(requests(&server).await.is_empty());
}

// ---------------------------------------------------------------- what is sent

#[tokio::test]
async fn requests_carry_auth_user_agent_accept_and_paths() {
    let server = MockServer::start().await;
    // The base URL may carry a path prefix and a trailing slash.
    let base = format!("{}/api/partner/", server.uri());
    let list_at = format!("/api/partner{LIST}");
    let one_at = format!("/api/partner{ONE}");
    Mock::given(method("GET"))
        .and(path(list_at.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(list_json()))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(one_at.as_str()))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;

    let client = client_for(&base, 0);
    client.list().await.expect("list");
    client.delete(ID).await.expect("delete");

    let reqs = requests(&server).await;
    assert_eq!(reqs.len(), 2);
    for r in &reqs {
        let h = |name: &str| r.headers.get(name).map(|v| v.to_str().unwrap().to_string());
        assert_eq!(
            h("authorization").as_deref(),
            Some(&*format!("Bearer {KEY}"))
        );
        assert!(
            h("user-agent").unwrap().starts_with("linq-hooks/"),
            "{:?}",
            h("user-agent")
        );
    }
    let accept = |i: usize| {
        reqs[i]
            .headers
            .get("accept")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(reqs[0].method.as_str(), "GET");
    assert_eq!(reqs[0].url.path(), list_at);
    assert_eq!(accept(0), "application/json");
    assert_eq!(reqs[1].method.as_str(), "DELETE");
    assert_eq!(reqs[1].url.path(), one_at);
    assert_eq!(accept(1), "*/*");
    assert!(reqs[1].body.is_empty());
}

#[tokio::test]
async fn update_sends_only_the_set_fields() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path(ONE))
        .respond_with(ResponseTemplate::new(200).set_body_json(subscription_json()))
        .mount(&server)
        .await;
    let client = client_for(&server.uri(), 0);

    client
        .update(ID, &SubscriptionPatch::pause(false))
        .await
        .expect("pause");
    let clear = SubscriptionPatch {
        phone_numbers: Some(FieldChange::Clear),
        ..Default::default()
    };
    client.update(ID, &clear).await.expect("clear phones");
    let set = SubscriptionPatch {
        subscribed_events: Some(vec!["message.sent".into(), "hologram.projected".into()]),
        routing_key_header: Some(FieldChange::Set("X-Route".into())),
        routing_id_header: Some(FieldChange::Clear),
        ..Default::default()
    };
    client.update(ID, &set).await.expect("set events");

    let reqs = requests(&server).await;
    assert_eq!(reqs.len(), 3);
    let bodies: Vec<String> = reqs
        .iter()
        .map(|r| String::from_utf8(r.body.clone()).unwrap())
        .collect();
    assert_eq!(bodies[0], r#"{"is_active":false}"#);
    assert_eq!(bodies[1], r#"{"phone_numbers":null}"#);
    assert_eq!(
        serde_json::from_str::<Value>(&bodies[2]).unwrap(),
        json!({
            "subscribed_events": ["message.sent", "hologram.projected"],
            "routing_key_header": "X-Route",
            "routing_id_header": null
        })
    );
    for r in &reqs {
        assert_eq!(
            r.headers.get("content-type").unwrap().to_str().unwrap(),
            "application/json"
        );
    }
}

#[tokio::test]
async fn create_sends_body_and_returns_the_secret_without_leaking_it() {
    let server = MockServer::start().await;
    let mut created = subscription_json();
    created["signing_secret"] = json!(SECRET);
    Mock::given(method("POST"))
        .and(path(LIST))
        .respond_with(ResponseTemplate::new(201).set_body_json(created))
        .mount(&server)
        .await;

    let new = NewSubscription {
        target_url: "https://webhooks.example.com/linq/events?version=2026-02-03".into(),
        subscribed_events: vec!["message.sent".into(), "message.received".into()],
        phone_numbers: Some(vec!["+12025551234".into()]),
        ..Default::default()
    };
    let out = client_for(&server.uri(), 0)
        .create(&new)
        .await
        .expect("create");
    assert_eq!(out.signing_secret.expose(), SECRET);
    assert_eq!(out.subscription.id, ID);
    assert!(out.subscription.is_active);
    let debug = format!("{out:?}");
    assert!(!debug.contains(SECRET), "{debug}");
    assert!(
        !debug.contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw7Jxx2Oll"),
        "{debug}"
    );
    assert!(
        debug.contains(ID),
        "the rest of the subscription is still debuggable"
    );

    let reqs = requests(&server).await;
    assert_eq!(reqs.len(), 1);
    // No nulls on create (§4.1): routing headers are left out entirely.
    assert_eq!(
        serde_json::from_slice::<Value>(&reqs[0].body).unwrap(),
        json!({
            "target_url": "https://webhooks.example.com/linq/events?version=2026-02-03",
            "subscribed_events": ["message.sent", "message.received"],
            "phone_numbers": ["+12025551234"]
        })
    );
}

#[tokio::test]
async fn one_unreadable_row_does_not_hide_the_rest_of_the_list() {
    let server = MockServer::start().await;
    let mut bad = subscription_json();
    bad["id"] = json!("c3d4e5f6-a7b8-9012-cdef-345678901234");
    bad["created_at"] = json!("not a time");
    bad["phone_numbers"] = json!("+12025551234");
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "subscriptions": [subscription_json(), bad] })),
        )
        .mount(&server)
        .await;
    let list = client_for(&server.uri(), 0).list().await.expect("a list");
    assert_eq!(list.len(), 2);
    assert!(list[0].unreadable.is_empty());
    assert_eq!(list[1].unreadable.names(), ["created_at", "phone_numbers"]);
    assert_eq!(list[1].id, "c3d4e5f6-a7b8-9012-cdef-345678901234");
    assert_eq!(
        list[1].subscribed_events,
        ["message.sent", "message.received"]
    );
}

/// A 3xx is an answer, not a direction: the key never travels to where it points, and
/// the message names the Location so a wrong base URL is easy to see.
#[tokio::test]
async fn redirects_are_not_followed_and_the_key_stays_home() {
    let server = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list_json()))
        .mount(&elsewhere)
        .await;
    let location = format!("{}{LIST}", elsewhere.uri());
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(ResponseTemplate::new(302).insert_header("location", location.as_str()))
        .mount(&server)
        .await;

    let err = client_for(&server.uri(), 2)
        .list()
        .await
        .expect_err("a redirect is not a list");
    assert_eq!(err.status(), Some(302));
    let text = err.to_string();
    assert!(text.contains("redirect to"), "{text}");
    assert!(text.contains(&elsewhere.uri()), "{text}");
    assert!(
        requests(&elsewhere).await.is_empty(),
        "followed the redirect"
    );
    assert_eq!(requests(&server).await.len(), 1, "a 3xx is not retried");
}

/// An answer bigger than the cap is not read into memory: the call fails with a message
/// that says so, and since the server did answer 2xx, the outcome counts as unknown.
#[tokio::test]
async fn an_oversized_answer_is_refused_not_read() {
    let server = MockServer::start().await;
    let mut rows = Vec::new();
    for _ in 0..200 {
        rows.push(subscription_json());
    }
    let big = json!({ "subscriptions": rows });
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(ResponseTemplate::new(200).set_body_json(big))
        .mount(&server)
        .await;

    let mut cfg = ClientConfig::new(server.uri(), ApiKey::new(KEY));
    cfg.max_answer_bytes = 16 << 10;
    let err = LinqClient::new(cfg.clone())
        .expect("client")
        .list()
        .await
        .expect_err("over the cap");
    assert!(err.to_string().contains("larger than 16 KiB"), "{err}");
    assert!(err.outcome_unknown());
    assert_eq!(requests(&server).await.len(), 1, "not retried");

    // The same list under a cap it fits in reads whole.
    cfg.max_answer_bytes = 1 << 20;
    let list = LinqClient::new(cfg)
        .expect("client")
        .list()
        .await
        .expect("fits");
    assert_eq!(list.len(), 200);
}
