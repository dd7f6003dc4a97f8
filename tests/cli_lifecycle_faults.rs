//! `apply` against a scripted server (wiremock) that fails some changes: a 500 on an update,
//! a 409 on a create. The independent changes still go through, the summary lists each
//! failure with its code and trace id, the exit code is 1, and the audit trail has every
//! change — failed or not — under one apply id.

mod cli_support;

use cli_support::Cli;
use serde_json::{json, Value};
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "sk_test_lifecycle_faults_0123";
const A: &str = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";
const B: &str = "b2c3d4e5-f6a7-8901-bcde-f23456789012";
const D: &str = "d4e5f6a7-b8c9-0123-def0-456789012345";
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw7Jxx2Oll+OE="; // linq-api.md test_vector
const TRACE_500: &str = "5005df5c6f688733c007523c4d61cd90";
const TRACE_409: &str = "4095df5c6f688733c007523c4d61cd91";

fn sub(id: &str, url: &str, events: &[&str]) -> Value {
    json!({
        "id": id, "created_at": "2026-02-05T19:30:00Z", "updated_at": "2026-02-05T19:30:00Z",
        "is_active": true, "subscribed_events": events, "target_url": url,
        "phone_numbers": null, "routing_id_header": null, "routing_key_header": null
    })
}

fn envelope(status: u16, code: u32, message: &str, trace: &str) -> Value {
    json!({"success": false, "error": {"status": status, "code": code, "message": message}, "trace_id": trace})
}

/// The audit trail's entries, oldest first.
/// A server listing `subs`, with the catalogue of two event types.
async fn listing(subs: Vec<Value>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v3/webhook-subscriptions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "subscriptions": subs })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v3/webhook-events"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "doc_url": "https://docs.example/events",
            "events": ["message.sent", "message.received"]})))
        .mount(&server)
        .await;
    server
}

/// The account (A and B), the catalogue, and a PUT of A that fails with a 500.
async fn account() -> MockServer {
    let server = listing(vec![
        sub(A, "https://a.example/h", &["message.sent"]),
        sub(B, "https://b.example/h", &["message.sent"]),
    ])
    .await;
    Mock::given(method("PUT"))
        .and(path(format!("/v3/webhook-subscriptions/{A}")))
        .respond_with(ResponseTemplate::new(500).set_body_json(envelope(
            500,
            3006,
            "Internal error",
            TRACE_500,
        )))
        .mount(&server)
        .await;
    server
}

/// The account, B's PUT answering 200, a create answering 409, another 201.
async fn server() -> MockServer {
    let server = account().await;
    Mock::given(method("PUT"))
        .and(path(format!("/v3/webhook-subscriptions/{B}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(sub(
            B,
            "https://b.example/h",
            &["message.received", "message.sent"],
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v3/webhook-subscriptions"))
        .and(body_partial_json(
            json!({"target_url": "https://c.example/h"}),
        ))
        .respond_with(ResponseTemplate::new(409).set_body_json(envelope(
            409,
            2010,
            "A subscription with this URL already exists",
            TRACE_409,
        )))
        .expect(1)
        .mount(&server)
        .await;
    let mut created = sub(D, "https://d.example/h", &["message.sent"]);
    created["signing_secret"] = SECRET.into();
    Mock::given(method("POST"))
        .and(path("/v3/webhook-subscriptions"))
        .and(body_partial_json(
            json!({"target_url": "https://d.example/h"}),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(created))
        .expect(1)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_409_and_a_500_mid_apply_leave_a_correct_summary_and_audit() {
    let server = server().await;
    let cli = Cli::new(&server.uri(), KEY);
    let file = cli.home.path().join("setup.toml");
    std::fs::write(
        &file,
        format!(
            "[[subscriptions]]\nid = \"{A}\"\ntarget_url = \"https://a.example/h\"\nsubscribed_events = [\"message.received\"]\n\n\
             [[subscriptions]]\nid = \"{B}\"\ntarget_url = \"https://b.example/h\"\nsubscribed_events = [\"message.received\", \"message.sent\"]\n\n\
             [[subscriptions]]\ntarget_url = \"https://c.example/h\"\nsubscribed_events = [\"message.sent\"]\n\n\
             [[subscriptions]]\ntarget_url = \"https://d.example/h\"\nsubscribed_events = [\"message.sent\"]\n"
        ),
    )
    .unwrap();
    let secrets = cli.home.path().join("secrets");
    let run = cli
        .run(&[
            "apply",
            file.to_str().unwrap(),
            "--yes",
            "--secret-dir",
            secrets.to_str().unwrap(),
        ])
        .await
        .expect(1);
    let out = &run.stdout;
    assert!(out.contains("Plan: 2 to create, 2 to update"), "{out}");
    let line = |needle: &str| {
        out.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle:?} in\n{out}"))
            .to_string()
    };
    let a = line(&format!("FAILED   update {A}"));
    assert!(
        a.contains("HTTP 500") && a.contains(&format!("trace {TRACE_500}")),
        "{a}"
    );
    let c = line("FAILED   create - ");
    assert!(
        c.contains("https://c.example/h") && c.contains("code 2010"),
        "{c}"
    );
    assert!(c.contains(&format!("trace {TRACE_409}")), "{c}");
    line(&format!("updated  {B}"));
    line(&format!("created  {D}  https://d.example/h"));
    assert!(out.contains("Applied 2 of 4 changes; 2 failed."), "{out}");
    assert!(run.stderr.contains("2 changes failed"), "{}", run.stderr);
    assert!(
        !out.contains(SECRET) && !run.stderr.contains(SECRET),
        "never printed"
    );
    assert_eq!(
        std::fs::read_to_string(secrets.join(format!("{D}.whsec"))).unwrap(),
        SECRET
    );

    let audit = cli.audit_lines();
    assert_eq!(audit.len(), 4, "{audit:#?}");
    assert!(audit
        .iter()
        .all(|e| e["apply_id"] == audit[0]["apply_id"] && e["apply_id"].is_string()));
    let outcome = |op: &str, url: &str| {
        audit
            .iter()
            .find(|e| e["operation"] == op && e["target_url"] == url)
            .unwrap_or_else(|| panic!("{op} {url} in {audit:#?}"))["outcome"]
            .clone()
    };
    assert_eq!(outcome("update", "https://a.example/h")["status"], 500);
    assert_eq!(
        outcome("update", "https://a.example/h")["trace_id"],
        TRACE_500
    );
    assert_eq!(outcome("update", "https://b.example/h")["ok"], true);
    assert_eq!(outcome("create", "https://c.example/h")["code"], 2010);
    assert_eq!(outcome("create", "https://d.example/h")["ok"], true);
}

#[tokio::test]
async fn a_create_waiting_for_a_failed_update_is_not_sent_and_says_why() {
    let server = account().await;
    // A's PUT fails (500), so A still holds its URL: the create on it must not go.
    Mock::given(method("POST"))
        .and(path("/v3/webhook-subscriptions"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let cli = Cli::new(&server.uri(), KEY);
    let file = cli.home.path().join("move.toml");
    std::fs::write(
        &file,
        format!(
            "[[subscriptions]]\ntarget_url = \"https://a.example/h\"\nsubscribed_events = [\"message.sent\"]\n\n\
             [[subscriptions]]\nid = \"{A}\"\ntarget_url = \"https://a2.example/h\"\nsubscribed_events = [\"message.sent\"]\n\n\
             [[subscriptions]]\nid = \"{B}\"\ntarget_url = \"https://b.example/h\"\nsubscribed_events = [\"message.sent\"]\n"
        ),
    )
    .unwrap();
    let secrets = cli.home.path().join("secrets");
    let run = cli
        .run(&[
            "apply",
            file.to_str().unwrap(),
            "--yes",
            "--secret-dir",
            secrets.to_str().unwrap(),
        ])
        .await
        .expect(1);
    let out = &run.stdout;
    assert!(out.contains(&format!("after: {A} frees this URL")), "{out}");
    assert!(out.contains(&format!("FAILED   update {A}")), "{out}");
    assert!(
        out.contains(&format!(
            "NOT SENT create -  https://a.example/h: not sent: it takes the URL of {A}, \
             whose change did not go through"
        )),
        "{out}"
    );
    assert!(
        out.contains("Applied 0 of 2 changes; 1 failed; 1 not sent."),
        "{out}"
    );
    assert!(
        run.stderr.contains("1 change failed, 1 change not sent"),
        "{}",
        run.stderr
    );
    let audit =
        std::fs::read_to_string(cli.home.path().join("state/linq-hooks/audit.jsonl")).unwrap();
    assert_eq!(audit.lines().count(), 1, "only the PUT was sent: {audit}");
}

/// Ctrl-C in the middle of an apply: the four PUTs on their way finish and are recorded,
/// the two not started are never sent and say so, and the exit code is 1. A Ctrl-C must not
/// leave a change that may have been made without its audit line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_mid_apply_finishes_and_records_what_is_on_its_way() {
    let ids: Vec<String> = (0..6)
        .map(|i| format!("{i}0000000-e5f6-7890-abcd-ef1234567890"))
        .collect();
    let url = |i: usize| format!("https://s{i}.example/h");
    let server = listing(
        (0..6)
            .map(|i| sub(&ids[i], &url(i), &["message.sent"]))
            .collect(),
    )
    .await;
    for (i, id) in ids.iter().enumerate() {
        Mock::given(method("PUT"))
            .and(path(format!("/v3/webhook-subscriptions/{id}")))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(sub(id, &url(i), &["message.sent", "message.received"]))
                    .set_delay(std::time::Duration::from_secs(2)),
            )
            .mount(&server)
            .await;
    }
    let cli = Cli::new(&server.uri(), KEY);
    let file = cli.home.path().join("setup.toml");
    let entries: String = (0..6)
        .map(|i| {
            format!(
                "[[subscriptions]]\nid = \"{}\"\ntarget_url = \"{}\"\nsubscribed_events = [\"message.received\", \"message.sent\"]\n\n",
                ids[i],
                url(i)
            )
        })
        .collect();
    std::fs::write(&file, entries).unwrap();

    let mut cmd = cli.command();
    cmd.args(["apply", file.to_str().unwrap(), "--yes"]);
    let child = cmd.spawn().expect("apply runs");
    let pid = child.id().expect("running") as i32;
    let puts = || async {
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .filter(|r| r.method.as_str() == "PUT")
            .count()
    };
    let started = std::time::Instant::now();
    while puts().await < 4 {
        assert!(started.elapsed().as_secs() < 30, "the PUTs never went out");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // SAFETY: a signal to the child this test started and still holds.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let out = child.wait_with_output().await.expect("apply ends");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert_eq!(puts().await, 4, "nothing new after Ctrl-C");
    assert_eq!(stdout.matches("updated ").count(), 4, "{stdout}");
    assert_eq!(
        stdout
            .matches("interrupted (Ctrl-C) before it started")
            .count(),
        2,
        "{stdout}"
    );
    let audit = cli.audit_lines();
    assert_eq!(audit.len(), 4, "{audit:#?}");
    assert!(
        audit.iter().all(|e| e["outcome"]["ok"] == true),
        "{audit:#?}"
    );
}
