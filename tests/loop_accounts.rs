//! The account switcher on the real runtime: two accounts, `A`, Enter; the list changes to
//! the other account's, and a late answer of the old account never shows.

mod support;

use crossterm::event::KeyCode;
use futures::FutureExt as _;
use linq_hooks::app::Connection;
use linq_hooks::config::AccountEntry;
use linq_hooks::runtime::{AccountGuard, Connector, SwitchedAccount};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use support::{client, Dashboard};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

struct NoGuard;

impl AccountGuard for NoGuard {
    fn close(self: Box<Self>) -> futures::future::BoxFuture<'static, ()> {
        async {}.boxed()
    }
}

fn entry(name: &str, label: &str, read_only: bool) -> AccountEntry {
    AccountEntry {
        name: name.into(),
        label: label.into(),
        host: "127.0.0.1".into(),
        key_kind: "env",
        read_only,
        color: Some("green".into()),
        org_id: None,
        logs_url: None,
    }
}

fn subscription(n: usize) -> serde_json::Value {
    json!({
        "id": format!("00000000-0000-4000-8000-{n:012}"),
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
        "is_active": true, "subscribed_events": ["message.sent"],
        "target_url": format!("https://old-account-{n}.example/hook"),
    })
}

/// Account "old" is a scripted server: its first list answers at once (2 rows), later
/// ones after 1.5 s (5 rows). Account "new" is a seeded sandbox (12 rows), read-only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_shows_the_other_account_and_ignores_the_old_ones_late_answer() {
    let old = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v3/webhook-subscriptions"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"subscriptions": [subscription(1), subscription(2)]})),
        )
        .up_to_n_times(1)
        .mount(&old)
        .await;
    Mock::given(method("GET"))
        .and(path("/v3/webhook-subscriptions"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(
                    json!({"subscriptions": (1..=5).map(subscription).collect::<Vec<_>>()}),
                )
                .set_delay(Duration::from_millis(1500)),
        )
        .mount(&old)
        .await;

    let (_dir, new_base, _sandbox) = support::fresh_sandbox("new-key", true).await;
    let connector: Connector = Arc::new(move |name: String| {
        let base = new_base.clone();
        async move {
            if name != "new" {
                return Err(format!("no account {name}"));
            }
            Ok(SwitchedAccount {
                client: client(&base, "new-key"),
                logs: Err(linq_hooks::evidence::logs::LogsError::NoOrgId),
                connection: Connection {
                    base_url: base.clone(),
                    sandbox: false,
                    key_hint: Some("…-key".into()),
                    read_only: true,
                },
                guard: Box::new(NoGuard) as Box<dyn AccountGuard>,
            })
        }
        .boxed()
    });
    let accounts = vec![
        entry("old", "Old account", false),
        entry("new", "New account", true),
    ];
    let ui = Dashboard::start_with(
        client(&old.uri(), "old-key"),
        false,
        |app| app.with_accounts(accounts, "old"),
        |runtime| runtime.with_switcher(connector, None),
    );
    let screen = ui.wait_for("Subscriptions (2)").await;
    assert!(screen.contains("Old account"), "{screen}");

    // A refresh of the old account is on its way (1.5 s) when the switch happens.
    ui.key(KeyCode::Char('r'));
    ui.key(KeyCode::Char('A'));
    // The Accounts view reads the other account in the background: its counts appear.
    let screen = ui.wait_for("8 active · 4 paused").await;
    assert!(screen.contains("Accounts"), "{screen}");
    ui.key(KeyCode::Char('j'));
    ui.key(KeyCode::Enter);
    let screen = ui.wait_for("Subscriptions (12)").await;
    assert!(
        screen.contains("New account"),
        "the header names the account:\n{screen}"
    );
    assert!(screen.contains("READ-ONLY"), "{screen}");
    // The old account's late answer (5 rows) never replaces the new list.
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let screen = ui.screen.screen();
    assert!(screen.contains("Subscriptions (12)"), "{screen}");
    assert!(!screen.contains("old-account"), "{screen}");
    // Read-only: p sends nothing and no write key is offered.
    assert!(!screen.contains("pause/resume"), "{screen}");
    let app = ui.quit().await;
    assert_eq!(app.current_account().map(|a| a.name.as_str()), Some("new"));
    assert_eq!(app.subscriptions.len(), 12);
    assert_eq!(
        old.received_requests().await.map(|r| r.len()),
        Some(4),
        "list, catalogue, lines, refresh"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_switch_keeps_the_old_account_and_says_why() {
    let (_dir, base, _sandbox) = support::fresh_sandbox("k", true).await;
    let connector: Connector = Arc::new(|_name: String| {
        async {
            Err("the key command \"pass\" exited with status 1: gpg: decryption failed".to_string())
        }
        .boxed()
    });
    let accounts = vec![
        entry("here", "Here", false),
        entry("broken", "Broken", false),
    ];
    let ui = Dashboard::start_with(
        client(&base, "k"),
        true,
        |app| app.with_accounts(accounts, "here"),
        |runtime| runtime.with_switcher(connector, None),
    );
    ui.wait_for("Subscriptions (12)").await;
    ui.key(KeyCode::Char('A'));
    ui.key(KeyCode::Char('j'));
    ui.key(KeyCode::Enter);
    let screen = ui.wait_for("Cannot switch to Broken").await;
    assert!(screen.contains("gpg: decryption failed"), "{screen}");
    assert!(
        screen.contains("Subscriptions (12)"),
        "the list stays:\n{screen}"
    );
    ui.quit().await;
}
