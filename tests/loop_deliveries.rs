//! The Deliveries block in the real loop: the detail pane reads the delivery log (a
//! wiremock log server; the API is the sandbox), shows the activity line and the newest
//! attempts, and pauses quietly on an error.

mod support;

use crossterm::event::KeyCode;
use linq_hooks::api::{ApiKey, NewSubscription};
use linq_hooks::evidence::logs::{LogsAccess, LogsClient};
use serde_json::json;
use support::{client, fresh_sandbox, Dashboard};
use time::OffsetDateTime;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "loop-key";

fn stamp(minutes_ago: i64) -> String {
    (OffsetDateTime::now_utc() - time::Duration::minutes(minutes_ago))
        .format(&time::format_description::well_known::Rfc3339)
        .expect("format")
}

fn attempt(event: &str, status: &str, code: u16, minutes_ago: i64) -> serde_json::Value {
    json!({
        "event_id": event, "webhook_event_type": "message.received",
        "target_url": "https://a.example/hook", "http_status_code": code,
        "duration_ms": 85, "timestamp": stamp(minutes_ago), "status": status,
        "attempt": 1, "max_attempts": 10,
        "error_message": if code >= 300 { json!("Bad Gateway\u{1b}[31m") } else { json!(null) },
    })
}

async fn dashboard_with_log(
    log: &MockServer,
) -> (
    Dashboard,
    tempfile::TempDir,
    linq_hooks::sandbox::SandboxHandle,
) {
    let (dir, base, handle) = fresh_sandbox(KEY, false).await;
    client(&base, KEY)
        .create(&NewSubscription {
            target_url: "https://a.example/hook".into(),
            subscribed_events: vec!["message.received".into()],
            ..Default::default()
        })
        .await
        .expect("created");
    let access = LogsAccess {
        base: format!("{}/api", log.uri()),
        org_id: Some("org_1".into()),
    };
    let logs = LogsClient::new(&access, &ApiKey::new(KEY));
    let ui = Dashboard::start_with(
        client(&base, KEY),
        false,
        |app| app,
        |rt| rt.with_logs(logs),
    );
    (ui, dir, handle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_detail_pane_shows_the_log_at_a_glance() {
    let log = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/webhook-logs"))
        .and(query_param("org_id", "org_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "webhook_logs": [
                attempt("e3", "failed", 502, 2),
                attempt("e2", "failed", 502, 4),
                attempt("e1", "success", 200, 90),
            ]
        })))
        .mount(&log)
        .await;
    let (ui, _dir, _sandbox) = dashboard_with_log(&log).await;
    ui.wait_for("a.example/hook").await;
    ui.key(KeyCode::Enter);
    let screen = ui.wait_for("2 failed since").await;
    assert!(screen.contains("Deliveries"), "{screen}");
    assert!(screen.contains("last success "), "{screen}");
    assert!(screen.contains("502"), "{screen}");
    assert!(screen.contains("Bad Gateway[31m"), "cleaned: {screen}");
    assert!(!screen.contains('\u{1b}'));
    // Polls go on every 3 s while the pane is focused; leaving it stops them.
    ui.key(KeyCode::Esc);
    let asked = log.received_requests().await.unwrap_or_default().len();
    assert!(asked >= 1);
    ui.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_log_is_one_quiet_line_and_no_retry() {
    let log = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/webhook-logs"))
        .respond_with(ResponseTemplate::new(403))
        .mount(&log)
        .await;
    let (ui, _dir, _sandbox) = dashboard_with_log(&log).await;
    ui.wait_for("a.example/hook").await;
    ui.key(KeyCode::Enter);
    let screen = ui
        .wait_for("delivery logs unavailable: the key cannot read them (403)")
        .await;
    assert!(!screen.contains("Error"), "no banner: {screen}");
    // Paused: wait past two poll periods; still the one request.
    tokio::time::sleep(std::time::Duration::from_secs(7)).await;
    assert_eq!(log.received_requests().await.unwrap_or_default().len(), 1);
    ui.quit().await;
}
