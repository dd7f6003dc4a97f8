//! `logs ID` against a wiremock delivery log (linq-api.md §12): pages followed by cursor,
//! every way the experimental endpoint can fail, `--json`, and `--tail` printing each
//! attempt once. The binary runs with the environment account (LINQ_ORG_ID, LINQ_LOGS_URL).

mod cli_support;
mod sandbox_support;

use cli_support::{Cli, Run};
use serde_json::{json, Value};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt as _, BufReader};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "sk_test_logs_0123456789";
const ORG: &str = "org_7f3a";
const SUB: &str = "b8a2c0de-1111-4222-8333-944455556666";

fn entry(event: &str, attempt: u32, status: &str, code: u16) -> Value {
    json!({
        "event_id": event,
        "webhook_event_type": "message.received",
        "target_url": "https://hooks.example.com/h",
        "http_status_code": code,
        "duration_ms": 412,
        "timestamp": "2026-04-07T18:55:58.123Z",
        "status": status,
        "attempt": attempt,
        "max_attempts": 10,
        "error_type": if code >= 300 { json!("http_error") } else { Value::Null },
        "error_message": if code >= 300 { json!("Service Unavailable") } else { Value::Null },
        "trace_id": "5d0e9b7c1a2f4e3d8c6b0a9f7e1d2c3b",
        "subscription_id": SUB,
    })
}

fn page(entries: Vec<Value>, next: Option<&str>) -> Value {
    json!({
        "webhook_logs": entries,
        "pagination": {"has_more": next.is_some(), "next_cursor": next, "per_page": 50},
    })
}

async fn logs(server: &MockServer, org: Option<&str>, args: &[&str]) -> Run {
    let cli = Cli::new("http://127.0.0.1:9/api/partner", KEY);
    let mut cmd = cli.command();
    cmd.env("LINQ_LOGS_URL", format!("{}/api", server.uri()));
    if let Some(org) = org {
        cmd.env("LINQ_ORG_ID", org);
    }
    cmd.arg("logs").args(args);
    cli_support::output(cmd).await
}

fn logs_path() -> wiremock::matchers::PathExactMatcher {
    path("/api/v1/webhook-logs")
}

#[tokio::test]
async fn last_follows_the_cursor_in_pages_of_fifty() {
    let server = MockServer::start().await;
    let events = |from: usize, n: usize| -> Vec<Value> {
        (from..from + n)
            .map(|i| entry(&format!("ev{i:03}"), 1, "success", 200))
            .collect()
    };
    Mock::given(method("GET"))
        .and(logs_path())
        .and(query_param("partner_id", ORG))
        .and(query_param("org_id", ORG))
        .and(query_param("subscription_id", SUB))
        .and(query_param("per_page", "50"))
        .and(query_param_is_missing("cursor"))
        .and(wiremock::matchers::header(
            "authorization",
            format!("Bearer {KEY}").as_str(),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(events(0, 50), Some("p2"))))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(logs_path())
        .and(query_param("cursor", "p2"))
        .and(query_param("per_page", "50"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(events(50, 50), Some("p3"))))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(logs_path())
        .and(query_param("cursor", "p3"))
        .and(query_param("per_page", "20"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(events(100, 20), Some("p4"))))
        .expect(1)
        .mount(&server)
        .await;
    let run = logs(&server, Some(ORG), &[SUB, "--last", "120"])
        .await
        .expect(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 121, "header and 120 rows: {}", run.stdout);
    assert!(lines[0].starts_with("TIME"), "{}", lines[0]);
    for name in ["EVENT", "STATUS", "HTTP", "ATTEMPT", "DURATION", "ERROR"] {
        assert!(lines[0].contains(name), "{}", lines[0]);
    }
    assert!(lines[1].contains("message.received") && lines[1].contains("success"));
    assert!(lines[1].contains("1/10") && lines[1].contains("412 ms"));
    // Three pages exactly (the `expect`s are checked when the server drops).
}

#[tokio::test]
async fn the_last_page_is_the_one_without_a_cursor_or_pagination() {
    let server = MockServer::start().await;
    let body = json!({"webhook_logs": [
        entry("ev1", 2, "retrying", 503),
        {"event_id": "ev0", "attempt": 1, "status": "success", "http_status_code": 204,
         "brand_new_field": {"nested": true}}
    ]});
    Mock::given(method("GET"))
        .and(logs_path())
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .expect(2)
        .mount(&server)
        .await;
    let run = logs(&server, Some(ORG), &[SUB, "--last", "300"])
        .await
        .expect(0);
    assert_eq!(run.stdout.lines().count(), 3, "{}", run.stdout);
    assert!(run.stdout.contains("503") && run.stdout.contains("Service Unavailable"));
    assert!(run.stdout.contains("2/10"));
    // --json: one object per line, as the API sent it (unknown fields included).
    let run = logs(&server, Some(ORG), &[SUB, "--json"]).await.expect(0);
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["brand_new_field"], json!({"nested": true}));
    assert_eq!(lines[0]["http_status_code"], 503);
}

#[tokio::test]
async fn server_strings_are_cleaned() {
    let server = MockServer::start().await;
    let mut hostile = entry("ev\u{1b}[2J", 1, "failed", 401);
    hostile["error_message"] = json!("Unauthorized\u{1b}]52;c;ZXZpbA==\u{7}");
    hostile["webhook_event_type"] = json!("message.\u{9b}31mreceived");
    Mock::given(method("GET"))
        .and(logs_path())
        .respond_with(ResponseTemplate::new(200).set_body_json(page(vec![hostile], None)))
        .mount(&server)
        .await;
    let run = logs(&server, Some(ORG), &[SUB]).await.expect(0);
    assert!(!run.stdout.contains('\u{1b}') && !run.stdout.contains('\u{9b}'));
    assert!(!run.stdout.contains('\u{7}'));
    assert!(run.stdout.contains("Unauthorized"), "{}", run.stdout);
}

async fn failing(response: ResponseTemplate) -> Run {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(logs_path())
        .respond_with(response)
        .mount(&server)
        .await;
    logs(&server, Some(ORG), &[SUB]).await.expect(1)
}

#[tokio::test]
async fn every_failure_is_one_line_naming_why() {
    let envelope = |status: u16, code: u32| json!({"success": false, "error": {"status": status, "code": code, "message": "nope"}});
    let cases: Vec<(ResponseTemplate, &str)> = vec![
        (
            ResponseTemplate::new(401).set_body_json(envelope(401, 2004)),
            "not accepted by the delivery log (401)",
        ),
        (
            ResponseTemplate::new(403).set_body_json(envelope(403, 2005)),
            "cannot read the delivery log (403)",
        ),
        (ResponseTemplate::new(404), "(404)"),
        (
            ResponseTemplate::new(500),
            "HTTP 500 from the delivery log: (empty body)",
        ),
        (
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/html")
                .set_body_string("<html><body>Sign in</body></html>"),
            "not a delivery log",
        ),
        (
            ResponseTemplate::new(200)
                .set_body_string(r#"{"webhook_logs": [{"event_id": "ev1", "att"#),
            "not a delivery log",
        ),
        (
            ResponseTemplate::new(200).set_body_json(json!({"data": []})),
            "not a delivery log",
        ),
    ];
    for (response, says) in cases {
        let run = failing(response).await;
        let lines = run.stderr_lines();
        assert_eq!(lines.len(), 1, "{run:?}");
        assert!(
            lines[0].contains("logs") && lines[0].contains(says),
            "{says}: {run:?}"
        );
        assert!(run.stdout.is_empty());
        assert!(!run.stderr.contains(KEY));
    }
}

#[tokio::test]
async fn without_an_org_id_no_request_is_made() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(vec![], None)))
        .expect(0)
        .mount(&server)
        .await;
    let run = logs(&server, None, &[SUB]).await.expect(1);
    assert!(run.stderr.contains("no organisation id"), "{run:?}");
    assert!(run.stderr.contains("LINQ_ORG_ID"), "{run:?}");
}

#[tokio::test]
async fn usage_errors_exit_2() {
    let server = MockServer::start().await;
    for args in [
        vec!["not-an-id"],
        vec![SUB, "--last", "501"],
        vec![SUB, "--last", "0"],
        vec![SUB, "--status", "lost"],
    ] {
        let run = logs(&server, Some(ORG), &args).await;
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
    }
    assert!(server
        .received_requests()
        .await
        .unwrap_or_default()
        .is_empty());
}

#[tokio::test]
async fn tail_prints_each_attempt_once_and_exits_0_on_sigterm() {
    let server = MockServer::start().await;
    // First poll: two attempts. Every later poll: a new event, a new attempt of ev2, and
    // the two already printed.
    Mock::given(method("GET"))
        .and(logs_path())
        .and(query_param("per_page", "10"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(
            vec![
                entry("ev2", 1, "retrying", 503),
                entry("ev1", 1, "success", 200),
            ],
            None,
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(logs_path())
        .and(query_param("per_page", "20"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(
            vec![
                entry("ev3", 1, "success", 200),
                entry("ev2", 2, "success", 200),
                entry("ev2", 1, "retrying", 503),
                entry("ev1", 1, "success", 200),
            ],
            Some("more"),
        )))
        .mount(&server)
        .await;
    let cli = Cli::new("http://127.0.0.1:9/api/partner", KEY);
    let mut cmd = cli.command();
    cmd.env("LINQ_LOGS_URL", format!("{}/api", server.uri()))
        .env("LINQ_ORG_ID", ORG)
        .args(["logs", SUB, "--tail", "--json"])
        .stdout(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    let pid = child.id().expect("pid");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut printed: Vec<String> = Vec::new();
    let started = Instant::now();
    // Until two later polls have been answered: the repeats must not print again.
    loop {
        let polls = server.received_requests().await.unwrap_or_default().len();
        if printed.len() >= 4 && polls >= 3 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(90), "{printed:?}");
        if let Ok(Ok(Some(line))) =
            tokio::time::timeout(Duration::from_millis(200), lines.next_line()).await
        {
            let v: Value = serde_json::from_str(&line).expect("JSON line");
            printed.push(format!(
                "{}:{}",
                v["event_id"].as_str().unwrap_or(""),
                v["attempt"]
            ));
        }
    }
    std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill");
    while let Ok(Some(line)) = lines.next_line().await {
        let v: Value = serde_json::from_str(&line).expect("JSON line");
        printed.push(format!(
            "{}:{}",
            v["event_id"].as_str().unwrap_or(""),
            v["attempt"]
        ));
    }
    let status = child.wait().await.expect("exits");
    assert_eq!(status.code(), Some(0));
    // Oldest first within each poll; each key once.
    assert_eq!(printed, ["ev1:1", "ev2:1", "ev2:2", "ev3:1"]);
}

#[tokio::test]
async fn logs_and_doctor_read_the_sandbox_log_through_the_same_endpoint() {
    use sandbox_support::receiver::{eventually, Answer, Receiver};
    let receiver = Receiver::start().await;
    receiver.answer_always(Answer::status(401));
    let sandbox = sandbox_support::Sandbox::start_with(
        &[sandbox_support::KEY],
        false,
        linq_hooks::sandbox::DeliveryOptions {
            deliver_to: Some(receiver.url.clone()),
            allow_local_targets: true,
            retry_scale: 0.0,
        },
    )
    .await;
    let created = sandbox
        .create(&json!({
            "target_url": "https://hooks.example.com/h?version=2026-02-03",
            "subscribed_events": ["message.received"]
        }))
        .await;
    let id = created["id"].as_str().expect("id").to_owned();
    for _ in 0..2 {
        let reply = sandbox
            .post(
                "/_sandbox/v1/events",
                &json!({"event_type": "message.received"}),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
    receiver.wait_for(2).await;
    let cli = Cli::new(&sandbox.base, sandbox_support::KEY);
    let org = linq_hooks::sandbox::partner_id_for_key(sandbox_support::KEY);
    let run_with_org = |args: Vec<String>| {
        let mut cmd = cli.command();
        cmd.env("LINQ_ORG_ID", &org).args(args);
        cli_support::output(cmd)
    };
    // The log's base is derived from the API base: http://127.0.0.1:PORT/api.
    let run = eventually("two logged attempts", || async {
        let run = run_with_org(vec!["logs".into(), id.clone(), "--json".into()]).await;
        (run.code == 0 && run.stdout.lines().count() == 2).then_some(run)
    })
    .await;
    for line in run.stdout.lines() {
        let v: Value = serde_json::from_str(line).expect("json line");
        assert_eq!(v["http_status_code"], 401);
        assert_eq!(v["status"], "failed");
        assert_eq!(v["subscription_id"], id.as_str());
    }
    let run = run_with_org(vec!["doctor".into(), id.clone()])
        .await
        .expect(1);
    assert!(run.stdout.contains("dropped-4xx"), "{}", run.stdout);
    assert!(run.stdout.contains("answered 401 (2)"), "{}", run.stdout);
    let logs_line = run
        .stdout
        .lines()
        .find(|l| l.contains("delivery logs"))
        .unwrap_or_default();
    assert!(logs_line.starts_with('✓'), "{}", run.stdout);
    assert!(
        logs_line.contains("2 attempts on the first page"),
        "{}",
        run.stdout
    );
    // Another organisation id: a 403, a warning in doctor, exit 1 naming why in logs.
    let mut cmd = cli.command();
    cmd.env("LINQ_ORG_ID", "org_someone_else")
        .args(["logs", &id]);
    let run = cli_support::output(cmd).await.expect(1);
    assert!(run.stderr.contains("(403)"), "{run:?}");
}
