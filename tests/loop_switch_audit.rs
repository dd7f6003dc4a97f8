//! Writes in flight when the account changes (or the session ends) are still audited, to
//! the account they were sent to, with the outcome the server gave (or `unknown`), and `u`
//! on the new account never takes back a change of the old one.

mod support;

use crossterm::event::KeyCode;
use futures::FutureExt as _;
use linq_hooks::app::Connection;
use linq_hooks::config::AccountEntry;
use linq_hooks::runtime::{AccountGuard, Connector, SwitchedAccount};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use support::{client, eventually, Dashboard};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

struct NoGuard;

impl AccountGuard for NoGuard {
    fn close(self: Box<Self>) -> futures::future::BoxFuture<'static, ()> {
        async {}.boxed()
    }
}

fn entry(name: &str, label: &str) -> AccountEntry {
    AccountEntry {
        name: name.into(),
        label: label.into(),
        host: "127.0.0.1".into(),
        key_kind: "env",
        read_only: false,
        color: None,
        org_id: None,
        logs_url: None,
    }
}

fn id(n: usize) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

fn subscription(n: usize, active: bool) -> Value {
    json!({
        "id": id(n),
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
        "is_active": active, "subscribed_events": ["message.sent"],
        "target_url": format!("https://old-{n}.example/hook"),
    })
}

/// A PUT answers (paused) only after `delay`: the switch happens while it travels.
struct SlowPause(Duration);

impl Respond for SlowPause {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let n: usize = request
            .url
            .path()
            .rsplit('-')
            .next()
            .and_then(|tail| tail.parse().ok())
            .unwrap_or(0);
        ResponseTemplate::new(200)
            .set_body_json(subscription(n, false))
            .set_delay(self.0)
    }
}

/// Account "old": a scripted server with `rows` active subscriptions whose PUTs are slow.
async fn old_account(rows: usize, delay: Duration) -> MockServer {
    let old = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v3/webhook-subscriptions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"subscriptions": (1..=rows).map(|n| subscription(n, true)).collect::<Vec<_>>()}),
        ))
        .mount(&old)
        .await;
    Mock::given(method("PUT"))
        .and(path_regex("^/v3/webhook-subscriptions/.+$"))
        .respond_with(SlowPause(delay))
        .mount(&old)
        .await;
    old
}

async fn puts(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.method.as_str() == "PUT")
        .count()
}

fn trail(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

fn audit_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("state/linq-hooks/audit.jsonl")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_pause_in_flight_at_a_switch_is_audited_to_the_old_account() {
    let old = old_account(8, Duration::from_millis(1500)).await;
    let (_dir, new_base, _sandbox) = support::fresh_sandbox("new-key", true).await;
    let connector: Connector = Arc::new(move |_name: String| {
        let base = new_base.clone();
        async move {
            Ok(SwitchedAccount {
                client: client(&base, "new-key"),
                connection: Connection {
                    base_url: base.clone(),
                    sandbox: true,
                    key_hint: None,
                    read_only: false,
                },
                guard: Box::new(NoGuard) as Box<dyn AccountGuard>,
                logs: Err(linq_hooks::evidence::logs::LogsError::NoOrgId),
            })
        }
        .boxed()
    });
    let state = tempfile::tempdir().unwrap();
    let audit = audit_path(&state);
    let ui = Dashboard::start_with(
        client(&old.uri(), "old-key"),
        false,
        |app| app.with_accounts(vec![entry("old", "Old"), entry("new", "New")], "old"),
        |runtime| {
            runtime
                .with_switcher(connector, None)
                .with_audit(Some(audit.clone()))
        },
    );
    ui.wait_for("Subscriptions (8)").await;
    ui.key(KeyCode::Char('*'));
    ui.key(KeyCode::Char('p'));
    ui.wait_for("Pause 8 subscriptions").await;
    ui.key(KeyCode::Char('y'));
    // Four PUTs travel (the bulk concurrency); the other four wait their turn.
    eventually("four PUTs reach the old account", || {
        let old = &old;
        async move { puts(old).await == 4 }
    })
    .await;
    ui.key(KeyCode::Char('A'));
    ui.wait_for("Enter switch · / search every account").await;
    ui.key(KeyCode::Char('j'));
    ui.key(KeyCode::Enter);
    let screen = ui.wait_for("Switch to New?").await;
    assert!(
        screen.contains("4 change(s) still waiting for the server finish there")
            && screen.contains("4 change(s) of the bulk change not sent yet"),
        "the question says what happens to the writes in flight:\n{screen}"
    );
    ui.key(KeyCode::Char('y'));
    ui.wait_for("Subscriptions (12)").await;

    // The four answers arrive after the switch: each is recorded, to the old account.
    eventually("the four late answers are audited", || {
        let audit = audit.clone();
        async move { trail(&audit).len() == 4 }
    })
    .await;
    // Nothing of the old account is left for u to take back here.
    ui.key(KeyCode::Char('u'));
    let screen = ui.wait_for("Nothing to undo").await;
    assert!(screen.contains("Subscriptions (12)"), "{screen}");
    let app = ui.quit().await;
    assert!(
        !app.subscriptions
            .iter()
            .any(|s| s.target_url.contains("old-")),
        "the old account's late answers never reach the new account's rows"
    );

    let entries = trail(&audit);
    assert_eq!(
        entries.len(),
        puts(&old).await,
        "every PUT that reached a server has its line: {entries:#?}"
    );
    assert_eq!(puts(&old).await, 4, "the queued four were never sent");
    let batch = entries[0]["batch"].clone();
    assert!(batch.is_string(), "{entries:#?}");
    for e in &entries {
        assert_eq!(e["account"]["name"], "old", "{e:#}");
        assert_eq!(e["operation"], "pause", "{e:#}");
        assert_eq!(e["outcome"]["ok"], true, "{e:#}");
        assert_eq!(e["changes"]["is_active"]["after"], false, "{e:#}");
        assert_eq!(e["batch"], batch, "one bulk change: {e:#}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pause_in_flight_when_the_session_ends_is_audited_as_unknown() {
    let old = old_account(2, Duration::from_secs(30)).await;
    let state = tempfile::tempdir().unwrap();
    let audit = audit_path(&state);
    let ui = Dashboard::start_with(
        client(&old.uri(), "old-key"),
        false,
        |app| app.with_accounts(vec![entry("old", "Old")], "old"),
        |runtime| runtime.with_audit(Some(audit.clone())),
    );
    ui.wait_for("Subscriptions (2)").await;
    ui.key(KeyCode::Char('p'));
    eventually("the PUT reaches the server", || {
        let old = &old;
        async move { puts(old).await == 1 }
    })
    .await;
    ui.quit().await;
    let entries = trail(&audit);
    assert_eq!(entries.len(), 1, "{entries:#?}");
    let e = &entries[0];
    assert_eq!(e["operation"], "pause");
    assert_eq!(e["subscription_id"], id(1));
    assert_eq!(e["account"]["name"], "old");
    assert_eq!(e["outcome"]["ok"], false);
    assert_eq!(e["outcome"]["unknown"], true, "{e:#}");
    assert!(
        e["outcome"]["error"]
            .as_str()
            .is_some_and(|s| s.contains("ended")),
        "{e:#}"
    );
}
