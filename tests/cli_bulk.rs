//! `pause`, `resume`, `delete` (the built binary) on ids and on `--match`: the selection is
//! the dashboard filter's, `--dry-run` and a missing `--yes` change nothing (checked through
//! the API afterwards), every item is reported.

mod cli_support;
mod sandbox_support;

use cli_support::{have_script, in_pty, Cli};
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

/// id → is_active, as the API has it now.
async fn states(sandbox: &Sandbox) -> Vec<(String, bool)> {
    sandbox
        .list()
        .await
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap().to_string(),
                s["is_active"].as_bool().unwrap(),
            )
        })
        .collect()
}

/// What the dashboard's `/` filter shows on the All tab for `text`.
async fn dashboard_selection(sandbox: &Sandbox, text: &str) -> Vec<String> {
    let subs: Vec<Subscription> = sandbox
        .list()
        .await
        .into_iter()
        .map(|v| serde_json::from_value(v).unwrap())
        .collect();
    let search: Vec<String> = subs.iter().map(view::search_text).collect();
    view::visible_rows(&subs, &search, Tab::All, text, &[])
        .into_iter()
        .map(|i| subs[i].id.clone())
        .collect()
}

fn ids_of(report: &Value) -> Vec<String> {
    report
        .as_array()
        .expect("array")
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn match_selects_what_the_dashboard_filter_selects() {
    let (sandbox, cli) = seeded().await;
    for text in [
        "support.acme",
        "OPS linq",
        "+12025550142",
        "reaction.added",
        "zapier",
        "nothing-matches-this",
    ] {
        let expected = dashboard_selection(&sandbox, text).await;
        let run = cli
            .run(&["delete", "--match", text, "--dry-run", "--json"])
            .await
            .expect(0);
        assert_eq!(ids_of(&run.json()), expected, "{text}");
        assert!(run
            .json()
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "would_delete"));
    }
    assert_eq!(sandbox.list().await.len(), 12, "a dry run deletes nothing");
}

#[tokio::test]
async fn without_yes_and_without_a_terminal_nothing_changes() {
    let (sandbox, cli) = seeded().await;
    let before = states(&sandbox).await;
    for command in ["pause", "delete"] {
        let run = cli
            .run(&[command, "--match", "acme-outfitters"])
            .await
            .expect(2);
        assert!(run.stderr.contains("--yes"), "{}", run.stderr);
        assert!(run.stdout.is_empty());
    }
    assert_eq!(states(&sandbox).await, before, "nothing changed");
}

#[tokio::test]
async fn dry_run_changes_nothing_even_with_yes() {
    let (sandbox, cli) = seeded().await;
    let before = states(&sandbox).await;
    let run = cli
        .run(&["pause", "--match", "acme", "--dry-run", "--yes"])
        .await
        .expect(0);
    assert!(run.stdout.contains("would pause"), "{}", run.stdout);
    assert!(run.stdout.contains("unchanged"), "paused ones are skipped");
    assert_eq!(states(&sandbox).await, before);
}

#[tokio::test]
async fn pause_with_yes_pauses_the_active_and_skips_the_paused() {
    let (sandbox, cli) = seeded().await;
    let selected = dashboard_selection(&sandbox, "support.acme-outfitters").await;
    let before = states(&sandbox).await;
    let run = cli
        .run(&[
            "pause",
            "--match",
            "support.acme-outfitters",
            "--yes",
            "--json",
        ])
        .await
        .expect(0);
    let report = run.json();
    assert_eq!(ids_of(&report), selected);
    for item in report.as_array().unwrap() {
        let was_active = before.iter().find(|(id, _)| *id == item["id"]).unwrap().1;
        let expected = if was_active { "paused" } else { "unchanged" };
        assert_eq!(item["status"], expected, "{item}");
        assert_eq!(item["ok"], true);
        assert!(item.get("error").is_none());
    }
    for (id, active) in states(&sandbox).await {
        let was = before.iter().find(|(i, _)| *i == id).unwrap().1;
        let expected = if selected.contains(&id) { false } else { was };
        assert_eq!(active, expected, "{id}");
    }

    // Resume one by id: a single item needs no --yes.
    let run = cli.run(&["resume", &selected[0]]).await.expect(0);
    assert!(run.stdout.contains("resumed"), "{}", run.stdout);
    let now = states(&sandbox).await;
    assert!(now.iter().any(|(id, a)| *id == selected[0] && *a));
}

#[tokio::test]
async fn every_item_is_reported_and_one_failure_is_exit_1() {
    let (sandbox, cli) = seeded().await;
    let list = sandbox.list().await;
    let a = list[0]["id"].as_str().unwrap();
    let b = list[1]["id"].as_str().unwrap();
    let run = cli
        .run(&["delete", a, UNKNOWN_ID, b, "--yes", "--json"])
        .await
        .expect(1);
    let report = run.json();
    assert_eq!(
        ids_of(&report),
        vec![a, UNKNOWN_ID, b],
        "in the order given"
    );
    assert_eq!(report[0]["status"], "deleted");
    assert_eq!(report[2]["status"], "deleted");
    assert_eq!(report[1]["ok"], false);
    assert_eq!(report[1]["status"], "failed");
    assert_eq!(report[1]["error"]["status"], 404);
    assert_eq!(report[1]["error"]["code"], 2010);
    sandbox_support::assert_trace_id(report[1]["error"]["trace_id"].as_str().unwrap());
    assert!(run.stderr.contains(UNKNOWN_ID) && run.stderr.contains("2010"));
    assert_eq!(sandbox.list().await.len(), 10);
}

#[tokio::test]
async fn bad_ids_and_an_empty_match_are_usage_errors() {
    let (sandbox, cli) = seeded().await;
    cli.run(&["pause", "not-an-id"]).await.expect(2);
    let run = cli
        .run(&["delete", "--match", "  ", "--yes"])
        .await
        .expect(2);
    assert!(run.stderr.contains("--match"), "{}", run.stderr);
    cli.run(&["delete"]).await.expect(2);
    assert_eq!(sandbox.list().await.len(), 12);
}

/// On a terminal more than one change asks first; anything but `y` changes nothing.
#[tokio::test]
async fn on_a_terminal_several_changes_ask_y_n() {
    if !have_script() {
        return;
    }
    let (sandbox, cli) = seeded().await;
    let line = format!(
        "'{}' --base-url '{}' delete --match ops.acme-outfitters",
        env!("CARGO_BIN_EXE_linq-hooks"),
        sandbox.base
    );
    let run = in_pty(&cli, &line, b"n\n").await;
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stdout.contains("Delete 2 subscriptions? [y/N]"),
        "{run:?}"
    );
    assert_eq!(sandbox.list().await.len(), 12, "declined: nothing deleted");
    let run = in_pty(&cli, &line, b"y\n").await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(sandbox.list().await.len(), 10);
}

const LIST_PATH: &str = "/api/partner/v3/webhook-subscriptions";
const ID: &str = "b2c3d4e5-f6a7-8901-bcde-f23456789012";

/// A mock API holding one active subscription `ID`; the list is mounted too, so that a
/// command that downloads it is seen doing so.
async fn one_subscription_api() -> MockServer {
    let server = MockServer::start().await;
    let sub = json!({
        "id": ID, "created_at": "2026-02-05T19:30:00Z", "updated_at": "2026-02-05T19:30:00Z",
        "is_active": true, "subscribed_events": ["message.sent"],
        "target_url": "https://x.example/h", "phone_numbers": null
    });
    let sub_path = format!("{LIST_PATH}/{ID}");
    Mock::given(method("GET"))
        .and(path(LIST_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"subscriptions": [sub]})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(sub_path.clone()))
        .respond_with(ResponseTemplate::new(200).set_body_json(sub.clone()))
        .mount(&server)
        .await;
    let mut paused = sub.clone();
    paused["is_active"] = json!(false);
    Mock::given(method("PUT"))
        .and(path(sub_path.clone()))
        .respond_with(ResponseTemplate::new(200).set_body_json(paused))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(sub_path))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    server
}

/// "METHOD path" of every request the server received, in order.
async fn requests(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect()
}

/// An id needs its own row, not the account's list: one GET of it (the state before, for
/// the report and the audit) and one write.
#[tokio::test]
async fn an_id_is_one_get_and_one_write_never_the_list() {
    let one = format!("{LIST_PATH}/{ID}");
    for (command, write, status) in [("pause", "PUT", "paused"), ("delete", "DELETE", "deleted")] {
        let server = one_subscription_api().await;
        let cli = Cli::new(&format!("{}/api/partner", server.uri()), KEY);
        let run = cli.run(&[command, ID, "--json"]).await.expect(0);
        assert_eq!(run.json()[0]["status"], status, "{command}");
        assert_eq!(
            requests(&server).await,
            [format!("GET {one}"), format!("{write} {one}")],
            "{command}: no list request"
        );
        let audit = cli.audit_lines();
        assert_eq!(audit.len(), 1, "{command}");
        assert_eq!(audit[0]["operation"], command);
        assert_eq!(audit[0]["target_url"], "https://x.example/h", "{command}");
        assert_eq!(audit[0]["outcome"]["ok"], true);
        if command == "pause" {
            assert_eq!(audit[0]["changes"]["is_active"]["before"], true);
        }
    }

    // Already active: `resume` reads the row and writes nothing.
    let server = one_subscription_api().await;
    let cli = Cli::new(&format!("{}/api/partner", server.uri()), KEY);
    let run = cli.run(&["resume", ID, "--json"]).await.expect(0);
    assert_eq!(run.json()[0]["status"], "unchanged");
    assert_eq!(requests(&server).await, [format!("GET {one}")]);

    // `get` is one GET too.
    cli.run(&["get", ID]).await.expect(0);
    assert_eq!(
        requests(&server).await,
        [format!("GET {one}"), format!("GET {one}")]
    );

    // `--match` selects from the list, as before.
    let server = one_subscription_api().await;
    let cli = Cli::new(&format!("{}/api/partner", server.uri()), KEY);
    cli.run(&["pause", "--match", "x.example", "--json"])
        .await
        .expect(0);
    assert_eq!(
        requests(&server).await,
        [format!("GET {LIST_PATH}"), format!("PUT {one}")]
    );
}

/// Reading an id fails (not with a 404): the command stops before writing anything, exit 1.
#[tokio::test]
async fn a_failed_read_of_an_id_writes_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{LIST_PATH}/{ID}")))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "success": false,
            "error": {"status": 403, "code": 2005, "message": "Forbidden"},
            "trace_id": "0123456789abcdef0123456789abcdef"
        })))
        .mount(&server)
        .await;
    let cli = Cli::new(&format!("{}/api/partner", server.uri()), KEY);
    let run = cli.run(&["delete", ID]).await.expect(1);
    assert!(run.stderr.contains("HTTP 403"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
    assert_eq!(
        requests(&server).await,
        [format!("GET {LIST_PATH}/{ID}")],
        "no write after the failed read"
    );
}

/// An id the account does not have: a dry run reports it not found without writing.
#[tokio::test]
async fn dry_run_of_an_unknown_id_is_not_found() {
    let (sandbox, cli) = seeded().await;
    let a = sandbox.list().await[0]["id"].as_str().unwrap().to_string();
    let run = cli
        .run(&["pause", &a, UNKNOWN_ID, "--dry-run", "--json"])
        .await
        .expect(1);
    let report = run.json();
    assert_eq!(ids_of(&report), vec![a.as_str(), UNKNOWN_ID]);
    assert_eq!(report[1]["status"], "not_found");
    assert_eq!(report[1]["ok"], false);
    assert_eq!(sandbox.list().await.len(), 12);
}
