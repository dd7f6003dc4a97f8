//! `list`, `get`, `events`, `phones` (the built binary) against the sandbox over loopback:
//! `--json` is what a plain HTTP GET returns, field for field; exit codes and the one-line
//! errors for each kind of failure.

mod cli_support;
mod sandbox_support;

use cli_support::{closed_port, Cli};
use linq_hooks::api::Subscription;
use linq_hooks::app::{view, Tab};
use sandbox_support::{Sandbox, KEY};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const UNKNOWN_ID: &str = "00000000-1111-4222-8333-444444444444";

async fn seeded() -> (Sandbox, Cli) {
    let sandbox = Sandbox::start(&[KEY], true).await;
    let cli = Cli::new(&sandbox.base, KEY);
    (sandbox, cli)
}

#[tokio::test]
async fn list_json_is_what_the_api_returns_field_for_field() {
    let (sandbox, cli) = seeded().await;
    let run = cli.run(&["list", "--json"]).await.expect(0);
    let api: Value = sandbox.get("webhook-subscriptions").await.json();
    assert_eq!(run.json(), api["subscriptions"], "same objects, same order");
    assert_eq!(run.json().as_array().map(Vec::len), Some(12));
    assert!(run.stderr.is_empty(), "nothing on stderr: {}", run.stderr);
}

#[tokio::test]
async fn list_table_names_every_subscription_without_colour_in_a_pipe() {
    let (sandbox, cli) = seeded().await;
    let run = cli.run(&["list"]).await.expect(0);
    for sub in sandbox.list().await {
        let id = sub["id"].as_str().unwrap();
        let line = run
            .stdout
            .lines()
            .find(|l| l.starts_with(id))
            .unwrap_or_else(|| panic!("{id} in\n{}", run.stdout));
        let status = if sub["is_active"] == true {
            "active"
        } else {
            "paused"
        };
        assert!(line.contains(status), "{line}");
        assert!(
            line.ends_with(sub["target_url"].as_str().unwrap()),
            "{line}"
        );
    }
    assert!(
        !run.stdout.contains('\x1b'),
        "no colour when stdout is a pipe"
    );
    assert!(run.stdout.contains("12 subscriptions (8 active, 4 paused)"));
}

#[tokio::test]
async fn list_status_and_filter_select_what_the_dashboard_shows() {
    let (sandbox, cli) = seeded().await;
    let api = sandbox.list().await;
    let subs: Vec<Subscription> = api
        .iter()
        .map(|v| serde_json::from_value(v.clone()).unwrap())
        .collect();
    let search: Vec<String> = subs.iter().map(view::search_text).collect();
    for (status, tab) in [
        ("all", Tab::All),
        ("active", Tab::Active),
        ("paused", Tab::Paused),
    ] {
        for filter in ["", "SUPPORT", "acme linq", "message.edited", "+1415", "zzz"] {
            let run = cli
                .run(&["list", "--json", "--status", status, "--filter", filter])
                .await
                .expect(0);
            let expected: Vec<Value> = view::visible_rows(&subs, &search, tab, filter, &[])
                .into_iter()
                .map(|i| api[i].clone())
                .collect();
            assert_eq!(run.json(), Value::Array(expected), "{status} / {filter:?}");
        }
    }
}

#[tokio::test]
async fn get_json_is_the_api_object_and_the_block_names_it() {
    let (sandbox, cli) = seeded().await;
    let first = sandbox.list().await[1].clone();
    let id = first["id"].as_str().unwrap();
    let run = cli.run(&["get", id, "--json"]).await.expect(0);
    let api = sandbox
        .get(&format!("webhook-subscriptions/{id}"))
        .await
        .json();
    assert_eq!(run.json(), api);
    let run = cli.run(&["get", id]).await.expect(0);
    assert!(
        run.stdout.starts_with(&format!("id       {id}\n")),
        "{}",
        run.stdout
    );
    for event in first["subscribed_events"].as_array().unwrap() {
        assert!(run
            .stdout
            .contains(&format!("  {}\n", event.as_str().unwrap())));
    }
}

#[tokio::test]
async fn events_and_phones_json_are_the_api_arrays() {
    let (sandbox, cli) = seeded().await;
    let events = cli.run(&["events", "--json"]).await.expect(0);
    assert_eq!(
        events.json(),
        sandbox.get("webhook-events").await.json()["events"]
    );
    let phones = cli.run(&["phones", "--json"]).await.expect(0);
    assert_eq!(
        phones.json(),
        sandbox.get("phone_numbers").await.json()["phone_numbers"]
    );
    let table = cli.run(&["phones"]).await.expect(0);
    for line in sandbox.get("phone_numbers").await.json()["phone_numbers"]
        .as_array()
        .unwrap()
    {
        assert!(table
            .stdout
            .contains(line["phone_number"].as_str().unwrap()));
    }
    let human = cli.run(&["events"]).await.expect(0);
    assert_eq!(human.stdout.lines().count(), 75);
}

/// Fields this version does not know reach `--json` untouched.
#[tokio::test]
async fn unknown_fields_and_event_types_pass_through() {
    let server = MockServer::start().await;
    let sub = json!({
        "id": "b2c3d4e5-f6a7-8901-bcde-f23456789012",
        "created_at": "2026-02-05T19:30:00Z", "updated_at": "2026-02-05T19:30:00.736444093Z",
        "is_active": true, "subscribed_events": ["message.sent", "hologram.projected"],
        "target_url": "https://x.example/h", "environment_id": "env_123",
        "delivery": {"p99_ms": 12.5, "regions": ["us", "eu"]}
    });
    Mock::given(method("GET"))
        .and(path("/api/partner/v3/webhook-subscriptions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"subscriptions": [sub]})))
        .mount(&server)
        .await;
    let cli = Cli::new(&format!("{}/api/partner", server.uri()), KEY);
    let run = cli.run(&["list", "--json"]).await.expect(0);
    assert_eq!(run.json(), json!([sub]));
    let filtered = cli
        .run(&["list", "--json", "--filter", "hologram"])
        .await
        .expect(0);
    assert_eq!(filtered.json(), json!([sub]));
}

#[tokio::test]
async fn unknown_id_is_exit_1_with_status_code_and_trace_on_one_line() {
    let (_sandbox, cli) = seeded().await;
    let run = cli.run(&["get", UNKNOWN_ID]).await.expect(1);
    assert!(run.stdout.is_empty());
    let lines = run.stderr_lines();
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    assert!(lines[0].contains("HTTP 404") && lines[0].contains("code 2010"));
    assert!(lines[0].contains("Webhook subscription not found"));
    let trace = lines[0].rsplit("trace ").next().unwrap();
    sandbox_support::assert_trace_id(trace);

    // With --json the Linq envelope follows, as the last stderr line.
    let run = cli.run(&["get", UNKNOWN_ID, "--json"]).await.expect(1);
    let lines = run.stderr_lines();
    assert_eq!(lines.len(), 2, "{}", run.stderr);
    let envelope: Value = serde_json::from_str(lines[1]).unwrap();
    assert_eq!(envelope["success"], false);
    assert_eq!(envelope["error"]["code"], 2010);
    assert_eq!(envelope["error"]["status"], 404);
    let trace = lines[0].rsplit("trace ").next().unwrap();
    assert_eq!(envelope["trace_id"], trace, "the same request's trace id");
}

#[tokio::test]
async fn wrong_key_is_exit_1_with_the_401() {
    let (sandbox, _) = seeded().await;
    let cli = Cli::new(&sandbox.base, "sk_wrong_key_abcd");
    let run = cli.run(&["list", "--json"]).await.expect(1);
    assert!(run.stdout.is_empty(), "nothing on stdout: {}", run.stdout);
    assert!(run.stderr.contains("HTTP 401") && run.stderr.contains("code 2004"));
    assert!(!run.stderr.contains("sk_wrong_key"), "never the key");
}

#[tokio::test]
async fn closed_port_is_exit_1() {
    let cli = Cli::new(
        &format!("http://127.0.0.1:{}/api/partner", closed_port()),
        KEY,
    );
    let run = cli.run(&["list", "--timeout", "5"]).await.expect(1);
    assert_eq!(run.stderr_lines().len(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("cannot connect"), "{}", run.stderr);
}

#[tokio::test]
async fn malformed_id_is_a_usage_error() {
    let cli = Cli::new(
        &format!("http://127.0.0.1:{}/api/partner", closed_port()),
        KEY,
    );
    let run = cli.run(&["get", "../etc"]).await.expect(2);
    assert!(
        run.stderr.contains("is not a subscription id"),
        "{}",
        run.stderr
    );
}

/// Without a key the commands, like the dashboard, use the embedded, seeded sandbox (in the
/// temporary home here), and say so on stderr, never on stdout.
#[tokio::test]
async fn without_a_key_list_runs_on_the_embedded_sandbox() {
    let cli = Cli::bare();
    let run = cli.run(&["list", "--json"]).await.expect(0);
    assert_eq!(run.json().as_array().map(Vec::len), Some(12));
    assert!(run.stderr.contains("embedded sandbox"), "{}", run.stderr);
    assert!(cli.home.path().join("data/linq-hooks/sandbox.db").exists());
}

/// One unreadable row no longer hides the account: the readable rows are printed, the rest
/// counted (with their ids) on stderr, exit 1 (issue 15 item 18).
#[tokio::test]
async fn list_prints_the_readable_rows_and_counts_the_rest() {
    let server = MockServer::start().await;
    let good = json!({
        "id": "a1b2c3d4-e5f6-7890-abcd-ef1234567890", "created_at": "2026-02-05T19:30:00Z",
        "updated_at": "2026-02-05T19:30:00Z", "is_active": true,
        "subscribed_events": ["message.sent"], "target_url": "https://good.example/h"
    });
    let bad = json!({
        "id": "b2c3d4e5-f6a7-8901-bcde-f23456789012", "created_at": "2026-02-05T19:30:00Z",
        "updated_at": "2026-02-05T19:30:00Z", "is_active": "yes",
        "subscribed_events": ["message.sent"], "target_url": "https://bad.example/h"
    });
    Mock::given(method("GET"))
        .and(path("/api/partner/v3/webhook-subscriptions"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "subscriptions": [good, bad, 42] })),
        )
        .mount(&server)
        .await;
    let cli = Cli::new(&format!("{}/api/partner", server.uri()), KEY);

    let run = cli.run(&["list"]).await.expect(1);
    assert!(
        run.stdout.contains("https://good.example/h"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("bad.example"), "{}", run.stdout);
    assert!(
        run.stdout.contains("1 subscriptions (1 active, 0 paused)"),
        "{}",
        run.stdout
    );
    assert_eq!(run.stderr_lines().len(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("2 subscriptions could not be read")
            && run.stderr.contains("b2c3d4e5-f6a7-8901-bcde-f23456789012"),
        "{}",
        run.stderr
    );

    // The whole list as JSON: every object as sent; only the non-object is unreadable.
    let run = cli.run(&["list", "--json"]).await.expect(1);
    let listed = run.json();
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
            "b2c3d4e5-f6a7-8901-bcde-f23456789012"
        ]
    );
    assert!(
        run.stderr.contains("1 subscription could not be read"),
        "{}",
        run.stderr
    );

    // Filtered JSON goes through the typed view: both unreadable rows are counted.
    let run = cli
        .run(&["list", "--json", "--status", "active"])
        .await
        .expect(1);
    assert_eq!(run.json().as_array().unwrap().len(), 1);
    assert!(
        run.stderr.contains("2 subscriptions could not be read"),
        "{}",
        run.stderr
    );
}
