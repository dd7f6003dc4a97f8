//! `create` and `update` (the built binary) against the sandbox over loopback, and against
//! wiremock where the sandbox cannot play the part (lost answers, unknown event types).

mod cli_support;
mod sandbox_support;

use cli_support::Cli;
use linq_hooks::validate::{validate_e164, validate_url};
use sandbox_support::{Sandbox, KEY};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn empty() -> (Sandbox, Cli) {
    let sandbox = Sandbox::empty().await;
    let cli = Cli::new(&sandbox.base, KEY);
    (sandbox, cli)
}

#[tokio::test]
async fn create_json_prints_the_api_object_with_its_secret_once() {
    let (sandbox, cli) = empty().await;
    let run = cli
        .run(&[
            "create",
            "--url",
            "https://hooks.example.com/linq?version=2026-02-03",
            "--event",
            "message.received",
            "--event",
            "message.sent",
            "--phone",
            "+1 (202) 555-0142",
            "--routing-key-header",
            "X-Route",
            "--json",
        ])
        .await
        .expect(0);
    let created = run.json();
    let secret = created["signing_secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(run.stdout.matches(&secret).count(), 1, "exactly once");
    assert!(!run.stderr.contains(&secret));
    assert_eq!(created["phone_numbers"], json!(["+12025550142"]));
    assert_eq!(created["routing_key_header"], "X-Route");
    // Everything but the secret is what the API now returns for it.
    let id = created["id"].as_str().unwrap();
    let mut stored = sandbox
        .get(&format!("webhook-subscriptions/{id}"))
        .await
        .json();
    stored["signing_secret"] = Value::String(secret);
    assert_eq!(created, stored);
}

#[tokio::test]
async fn create_table_shows_the_secret_once() {
    let (_sandbox, cli) = empty().await;
    let run = cli
        .run(&[
            "create",
            "--url",
            "https://t.example/h",
            "--event",
            "message.sent",
        ])
        .await
        .expect(0);
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("secret"))
        .expect("secret line");
    assert!(
        line.contains("whsec_") && line.contains("shown once"),
        "{line}"
    );
    assert_eq!(run.stdout.matches("whsec_").count(), 1);
}

#[cfg(unix)]
#[tokio::test]
async fn secret_file_is_0600_holds_only_the_secret_and_is_never_overwritten() {
    let (sandbox, cli) = empty().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("secret");
    let file_arg = file.to_str().unwrap();
    let run = cli
        .run(&[
            "create",
            "--url",
            "https://s.example/h",
            "--event",
            "message.sent",
            "--secret-file",
            file_arg,
            "--json",
        ])
        .await
        .expect(0);
    let secret = std::fs::read_to_string(&file).unwrap();
    assert!(secret.starts_with("whsec_") && !secret.ends_with('\n'));
    assert_eq!(linq_hooks::private_files::mode(&file).unwrap(), 0o600);
    let out = run.json();
    assert!(out.get("signing_secret").is_none(), "{out}");
    assert_eq!(out["signing_secret_file"], file_arg);
    assert!(!run.stdout.contains(&secret) && !run.stderr.contains(&secret));

    // A second create into the same file is refused before anything is sent.
    let run = cli
        .run(&[
            "create",
            "--url",
            "https://s2.example/h",
            "--event",
            "message.sent",
            "--secret-file",
            file_arg,
        ])
        .await
        .expect(2);
    assert!(
        run.stderr.contains("refusing to overwrite"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), secret, "untouched");
    assert_eq!(sandbox.list().await.len(), 1, "nothing created");

    // The human output says where the secret went, never the secret.
    let other = dir.path().join("other");
    let run = cli
        .run(&[
            "create",
            "--url",
            "https://s3.example/h",
            "--event",
            "message.sent",
            "--secret-file",
            other.to_str().unwrap(),
        ])
        .await
        .expect(0);
    assert!(run.stdout.contains("written to") && !run.stdout.contains("whsec_"));
}

/// Local validation: exit 2, the form's own message, nothing sent.
#[tokio::test]
async fn bad_url_unknown_event_and_non_e164_are_usage_errors_with_the_forms_messages() {
    let (sandbox, cli) = empty().await;
    let create = |url: &'static str, event: &'static str, phone: Option<&'static str>| {
        let mut args = vec!["create", "--url", url, "--event", event];
        if let Some(p) = phone {
            args.extend(["--phone", p]);
        }
        args
    };
    let run = cli
        .run(&create("http://plain.example/h", "message.sent", None))
        .await
        .expect(2);
    let form = validate_url("http://plain.example/h").unwrap_err();
    assert!(
        run.stderr.contains(&format!("--url: {form}")),
        "{}",
        run.stderr
    );

    let run = cli
        .run(&create("https://ok.example/h", "message.teleported", None))
        .await
        .expect(2);
    assert!(
        run.stderr.contains("\"message.teleported\""),
        "{}",
        run.stderr
    );

    let run = cli
        .run(&create(
            "https://ok.example/h",
            "message.sent",
            Some("2025550142"),
        ))
        .await
        .expect(2);
    let form = validate_e164("2025550142").unwrap_err();
    assert!(run.stderr.contains(&form), "{}", run.stderr);

    let run = cli
        .run(&[
            "create",
            "--url",
            "https://ok.example/h",
            "--event",
            "message.sent",
            "--routing-id-header",
            "X-Chat",
        ])
        .await
        .expect(2);
    assert!(run.stderr.contains("set the routing key header first"));

    assert_eq!(run.stderr_lines().len(), 1, "{}", run.stderr);
    assert!(sandbox.list().await.is_empty(), "nothing was created");
}

#[tokio::test]
async fn update_sends_only_changes_and_says_when_there_are_none() {
    let (sandbox, cli) = empty().await;
    let created = sandbox
        .create(&json!({
            "target_url": "https://u.example/h",
            "subscribed_events": ["message.sent", "message.received"],
            "phone_numbers": ["+12025550142"]
        }))
        .await;
    let id = created["id"].as_str().unwrap();
    let sub_path = format!("webhook-subscriptions/{id}");
    let get = || sandbox.get(&sub_path);

    // Same events in another order, same phone: nothing to send.
    let run = cli
        .run(&[
            "update",
            id,
            "--event",
            "message.received",
            "--event",
            "message.sent",
            "--phone",
            "+12025550142",
            "--url",
            "https://u.example/h",
        ])
        .await
        .expect(0);
    assert!(run.stdout.contains("nothing to change"), "{}", run.stdout);
    let unchanged = get().await.json();
    assert_eq!(unchanged["updated_at"], created["updated_at"], "no PUT");

    let run = cli
        .run(&[
            "update",
            id,
            "--add-event",
            "message.read",
            "--remove-event",
            "message.sent",
            "--all-lines",
            "--json",
        ])
        .await
        .expect(0);
    let after = get().await.json();
    assert_eq!(run.json(), after);
    assert_eq!(
        after["subscribed_events"],
        json!(["message.received", "message.read"])
    );
    assert!(after["phone_numbers"].is_null(), "{after}");

    let run = cli
        .run(&["update", id, "--url", "https://u2.example/h"])
        .await
        .expect(0);
    assert!(run.stdout.contains("changed  target URL"), "{}", run.stdout);
    assert_eq!(get().await.json()["target_url"], "https://u2.example/h");

    // Removing the last event is refused locally, as the form refuses an empty checklist.
    let run = cli
        .run(&[
            "update",
            id,
            "--remove-event",
            "message.received",
            "--remove-event",
            "message.read",
        ])
        .await
        .expect(2);
    assert!(run.stderr.contains("pick at least one event"));
    let run = cli
        .run(&["update", id, "--add-event", "nope.nothing"])
        .await
        .expect(2);
    assert!(run.stderr.contains("\"nope.nothing\""));
    let run = cli.run(&["update", id]).await.expect(2);
    assert!(run.stderr.contains("nothing to update"));
}

/// A subscription with an event type this version does not know keeps it when an event is
/// added: the PUT carries the list back verbatim.
#[tokio::test]
async fn update_keeps_unknown_event_types_verbatim() {
    let server = MockServer::start().await;
    let id = "b2c3d4e5-f6a7-8901-bcde-f23456789012";
    let sub = json!({
        "id": id, "created_at": "2026-02-05T19:30:00Z", "updated_at": "2026-02-05T19:30:00Z",
        "is_active": true, "subscribed_events": ["hologram.projected", "message.sent"],
        "target_url": "https://x.example/h", "phone_numbers": null
    });
    let sub_path = format!("/api/partner/v3/webhook-subscriptions/{id}");
    Mock::given(method("GET"))
        .and(path(sub_path.clone()))
        .respond_with(ResponseTemplate::new(200).set_body_json(sub.clone()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/partner/v3/webhook-events"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"doc_url": "https://docs.example", "events": ["message.sent", "message.read"]}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(sub_path))
        .respond_with(ResponseTemplate::new(200).set_body_json(sub))
        .mount(&server)
        .await;
    let cli = Cli::new(&format!("{}/api/partner", server.uri()), KEY);
    cli.run(&["update", id, "--add-event", "message.read"])
        .await
        .expect(0);
    let requests = server.received_requests().await.unwrap();
    let put = requests
        .iter()
        .find(|r| r.method.as_str() == "PUT")
        .expect("one PUT");
    let body: Value = serde_json::from_slice(&put.body).unwrap();
    assert_eq!(
        body,
        json!({"subscribed_events": ["hologram.projected", "message.sent", "message.read"]}),
        "only the events, unknown type kept"
    );
}

/// The server failed after it may have created the subscription: never retried; the list
/// tells whether it exists.
#[tokio::test]
async fn lost_create_relists_and_says_whether_it_exists() {
    for exists in [true, false] {
        let server = MockServer::start().await;
        let url = "https://lost.example/h";
        // Created by this run's POST: just now.
        let now = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        let listed = if exists {
            json!([{
                "id": "b2c3d4e5-f6a7-8901-bcde-f23456789012", "created_at": now,
                "updated_at": now, "is_active": true,
                "subscribed_events": ["message.sent"], "target_url": url
            }])
        } else {
            json!([])
        };
        Mock::given(method("GET"))
            .and(path("/api/partner/v3/webhook-events"))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                json!({"doc_url": "https://docs.example", "events": ["message.sent"]}),
            ))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/api/partner/v3/webhook-subscriptions"))
            .respond_with(ResponseTemplate::new(502).set_body_string("bad gateway"))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/api/partner/v3/webhook-subscriptions"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({ "subscriptions": listed })),
            )
            .mount(&server)
            .await;
        let cli = Cli::new(&format!("{}/api/partner", server.uri()), KEY);
        let run = cli
            .run(&["create", "--url", url, "--event", "message.sent"])
            .await
            .expect(1);
        let posts = server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.method.as_str() == "POST")
            .count();
        assert_eq!(posts, 1, "a create is never retried");
        assert_eq!(run.stderr_lines().len(), 1, "{}", run.stderr);
        if exists {
            assert!(run
                .stderr
                .contains("exists now: b2c3d4e5-f6a7-8901-bcde-f23456789012"));
            assert!(run.stderr.contains("secret is lost"), "{}", run.stderr);
        } else {
            assert!(
                run.stderr.contains("safe to run the command again"),
                "{}",
                run.stderr
            );
        }
    }
}

#[tokio::test]
async fn read_only_refuses_writes_before_sending() {
    let (sandbox, cli) = empty().await;
    let run = cli
        .run(&[
            "--read-only",
            "create",
            "--url",
            "https://r.example/h",
            "--event",
            "message.sent",
        ])
        .await
        .expect(2);
    assert!(run.stderr.contains("--read-only"), "{}", run.stderr);
    assert!(sandbox.list().await.is_empty());
}
