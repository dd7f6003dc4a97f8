//! `R` (issue 20) on the real runtime against the sandbox: a rotation started, shown on
//! both rows and in the detail pane, finished through the usual delete confirmation, and
//! the refusals (a paused twin; undo after a finish). Pairs found by the `linq_rotation`
//! parameter alone are shown too.

mod support;

use crossterm::event::{KeyCode, KeyModifiers};
use linq_hooks::api::NewSubscription;
use support::{client, fresh_sandbox, Dashboard};

const KEY: &str = "rotate-key-0123456789";
const URL: &str = "https://hooks.example.com/linq?version=2026-02-03";

fn body(url: &str) -> NewSubscription {
    NewSubscription {
        target_url: url.into(),
        subscribed_events: vec!["message.received".into(), "message.sent".into()],
        phone_numbers: None,
        routing_key_header: None,
        routing_id_header: None,
    }
}

fn rotating_rows(screen: &str) -> usize {
    screen.matches("⇄ rotating").count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_starts_a_rotation_shows_the_pair_and_finishes_it_after_the_delete_question() {
    let (_dir, base, _sandbox) = fresh_sandbox(KEY, false).await;
    let api = client(&base, KEY);
    let old = api.create(&body(URL)).await.unwrap().subscription;
    let trail = tempfile::tempdir().unwrap();
    let audit = trail.path().join("audit.jsonl");
    let ui = Dashboard::start_with(
        client(&base, KEY),
        true,
        |app| app,
        |runtime| runtime.with_audit(Some(audit.clone())),
    );
    ui.wait_for("Subscriptions (1)").await;

    ui.key_with(KeyCode::Char('R'), KeyModifiers::SHIFT);
    let dialog = ui.wait_for("Rotate the signing secret of").await;
    assert!(dialog.contains(&old.id), "names the id:\n{dialog}");
    assert!(
        dialog.contains("linq_rotation=1"),
        "names the new URL:\n{dialog}"
    );
    ui.key(KeyCode::Char('y'));
    // The new secret through the one-time secret dialog.
    ui.wait_for("Linq shows this signing secret once").await;
    ui.key(KeyCode::Char('v'));
    ui.key(KeyCode::Enter);
    let screen = ui
        .wait_until(|s| rotating_rows(s) == 2, "both rows marked as rotating")
        .await;
    assert!(screen.contains("Subscriptions (2)"), "{screen}");
    let list = api.list().await.unwrap();
    let new = list
        .iter()
        .find(|s| s.id != old.id)
        .expect("the twin")
        .clone();
    assert_eq!(new.target_url, format!("{URL}&linq_rotation=1"));
    assert!(new.is_active && old.is_active);
    assert_eq!(new.subscribed_events, old.subscribed_events);

    // The detail pane of the selected row says what is going on.
    ui.key(KeyCode::Enter);
    let detail = ui.wait_for("2 subscriptions").await;
    assert!(detail.contains("rotating since"), "{detail}");
    assert!(detail.contains("rotation-in-progress"), "{detail}");
    ui.key(KeyCode::Esc);

    // R on a row of the pair: finish → both re-read → the usual delete question.
    ui.key_with(KeyCode::Char('R'), KeyModifiers::SHIFT);
    ui.wait_for("Rotation in progress").await;
    ui.key(KeyCode::Char('f'));
    let question = ui.wait_for("Delete subscription?").await;
    assert!(question.contains("hooks.example.com"), "{question}");
    ui.key(KeyCode::Char('y'));
    ui.wait_for("Rotation finished").await;
    let left: Vec<String> = api
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(
        left,
        [new.id.as_str()],
        "the old one is deleted, the new one stays"
    );
    let screen = ui
        .wait_until(|s| rotating_rows(s) == 0, "no pair any more")
        .await;
    assert!(screen.contains("Subscriptions (1)"), "{screen}");

    // Undo cannot bring the old secret back: it says so and changes nothing.
    ui.key(KeyCode::Char('u'));
    ui.wait_for("cannot be undone").await;
    assert_eq!(api.list().await.unwrap().len(), 1);
    ui.quit().await;

    let trail = std::fs::read_to_string(&audit).unwrap();
    let ops: Vec<serde_json::Value> = trail
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let pair = serde_json::json!({"old_id": old.id, "new_id": new.id});
    assert_eq!(ops[0]["operation"], "rotate-start");
    assert_eq!(ops[0]["rotation"], pair);
    assert_eq!(ops[1]["operation"], "rotate-finish");
    assert_eq!(ops[1]["rotation"], pair);
    assert!(!trail.contains("whsec_"), "no secret in the trail");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pair_found_by_its_url_refuses_to_finish_while_the_new_one_is_paused_and_aborts() {
    let (_dir, base, _sandbox) = fresh_sandbox(KEY, false).await;
    let api = client(&base, KEY);
    let old = api.create(&body(URL)).await.unwrap().subscription;
    let new = api
        .create(&body(&format!("{URL}&linq_rotation=1")))
        .await
        .unwrap()
        .subscription;
    // No audit trail at all: the parameter alone tells the pair.
    let ui = Dashboard::start(client(&base, KEY), true);
    ui.wait_until(|s| rotating_rows(s) == 2, "both rows marked")
        .await;

    api.update(&new.id, &linq_hooks::api::SubscriptionPatch::pause(false))
        .await
        .unwrap();
    ui.key(KeyCode::Char('r'));
    ui.wait_until(|s| rotating_rows(s) == 1, "the paused one is shown paused")
        .await;

    ui.key(KeyCode::Char('g'));
    ui.key_with(KeyCode::Char('R'), KeyModifiers::SHIFT);
    let dialog = ui.wait_for("Rotation in progress").await;
    assert!(
        dialog.contains(&old.id) && dialog.contains(&new.id),
        "{dialog}"
    );
    ui.key(KeyCode::Char('f'));
    let refused = ui.wait_for("Not finishing").await;
    assert!(refused.contains("paused"), "{refused}");
    assert_eq!(api.list().await.unwrap().len(), 2, "nothing deleted");

    ui.key_with(KeyCode::Char('R'), KeyModifiers::SHIFT);
    ui.wait_for("Rotation in progress").await;
    ui.key(KeyCode::Char('a'));
    ui.wait_for("deletes the NEW subscription").await;
    assert_eq!(
        api.list().await.unwrap().len(),
        2,
        "nothing deleted before the answer"
    );
    ui.key(KeyCode::Char('y'));
    ui.wait_for("Rotation aborted").await;
    let left: Vec<String> = api
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(
        left,
        [old.id.as_str()],
        "the new one is deleted, the old one stays"
    );
    ui.quit().await;
}
