//! Undo of a deleted paused subscription on the real runtime against the sandbox: it comes
//! back paused, with a new id and a new secret, said in the secret dialog, and recorded as
//! one `undo-delete` change (create, then pause) in the trail.

mod support;

use crossterm::event::{KeyCode, KeyModifiers};
use support::{client, eventually, fresh_sandbox, Dashboard};

const KEY: &str = "undo-delete-key-0123456789";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_of_a_deleted_paused_subscription_brings_it_back_paused() {
    let (_dir, base, _sandbox) = fresh_sandbox(KEY, true).await;
    let state = tempfile::tempdir().unwrap();
    let audit = state.path().join("state/linq-hooks/audit.jsonl");
    let api = client(&base, KEY);
    let mut list = api.list().await.unwrap();
    list.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
    let old = list[0].clone();
    assert!(!old.is_active, "the seed's first row is paused");

    let ui = Dashboard::start_with(
        client(&base, KEY),
        true,
        |app| app,
        |runtime| runtime.with_audit(Some(audit.clone())),
    );
    ui.wait_for("Subscriptions (12)").await;
    ui.key_with(KeyCode::Char('d'), KeyModifiers::CONTROL);
    ui.wait_for("Delete subscription?").await;
    ui.key(KeyCode::Char('y'));
    ui.wait_for("Subscriptions (11)").await;
    ui.key(KeyCode::Char('u'));
    ui.wait_for("again?").await;
    ui.key(KeyCode::Char('y'));
    let screen = ui.wait_for("Created again as").await;
    assert!(
        screen.contains(&format!("(was {})", old.id)),
        "the dialog says what changed:\n{screen}"
    );
    assert!(screen.contains("signing secret"), "{screen}");
    eventually("it is back, paused", || {
        let api = api.clone();
        let url = old.target_url.clone();
        async move {
            api.list()
                .await
                .unwrap()
                .iter()
                .any(|s| s.target_url == url && !s.is_active)
        }
    })
    .await;
    let back = api
        .list()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.target_url == old.target_url)
        .unwrap();
    assert_ne!(back.id, old.id, "a new id");
    assert_eq!(back.subscribed_events, old.subscribed_events);
    assert_eq!(back.phone_filter(), old.phone_filter());
    // The secret is acknowledged (closing unseen asks once more), then quit.
    ui.key(KeyCode::Enter);
    ui.key(KeyCode::Char('y'));
    ui.wait_for("Subscriptions (12)").await;
    ui.quit().await;

    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&audit)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let undo: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["operation"] == "undo-delete")
        .collect();
    assert_eq!(undo.len(), 2, "the create and the pause: {lines:#?}");
    assert_eq!(undo[0]["batch"], undo[1]["batch"], "one change");
    assert_eq!(undo[0]["changes"]["id"]["before"], old.id.as_str());
    assert_eq!(undo[0]["changes"]["id"]["after"], back.id.as_str());
    assert_eq!(undo[1]["subscription_id"], back.id.as_str());
    assert_eq!(undo[1]["changes"]["is_active"]["after"], false);
    assert!(undo.iter().all(|e| e["outcome"]["ok"] == true));
    assert!(
        !lines.iter().any(|l| l["operation"] == "create"),
        "{lines:#?}"
    );
}
