//! Marks, a bulk pause, undo and the audit trail on the real runtime against the sandbox.

mod support;

use crossterm::event::{KeyCode, KeyModifiers};
use std::time::Duration;
use support::{client, eventually, fresh_sandbox, Dashboard};

const KEY: &str = "bulk-key-0123456789";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_marked_are_paused_u_resumes_them_and_the_trail_records_it_all() {
    let (_dir, base, _sandbox) = fresh_sandbox(KEY, true).await;
    let trail = tempfile::tempdir().unwrap();
    let audit = trail.path().join("state/linq-hooks/audit.jsonl");
    let api = client(&base, KEY);
    let ui = Dashboard::start_with(
        client(&base, KEY),
        true,
        |app| app,
        |runtime| runtime.with_audit(Some(audit.clone())),
    );
    ui.wait_for("Subscriptions (12)").await;
    // The seed's second to fourth rows are active: mark them (Space moves down).
    ui.key(KeyCode::Char('j'));
    for _ in 0..3 {
        ui.key(KeyCode::Char(' '));
    }
    ui.key(KeyCode::Char('p'));
    ui.wait_for("Pause 3 subscriptions on").await;
    ui.key(KeyCode::Char('y'));
    ui.wait_for("Paused 3 of 3").await;
    let paused_ids: Vec<String> = {
        let mut list = api.list().await.unwrap();
        list.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        list[1..4].iter().map(|s| s.id.clone()).collect()
    };
    for id in &paused_ids {
        assert!(
            !api.get(id).await.unwrap().is_active,
            "{id} paused on the server"
        );
    }
    ui.key(KeyCode::Esc);
    ui.key(KeyCode::Char('u'));
    ui.wait_for("Undone 3 of 3").await;
    for id in &paused_ids {
        assert!(api.get(id).await.unwrap().is_active, "{id} resumed by u");
    }
    ui.key(KeyCode::Esc);

    // A change made elsewhere after a pause: u refuses and names the field.
    ui.key(KeyCode::Char('g'));
    ui.key(KeyCode::Char('j'));
    ui.key(KeyCode::Char('p'));
    let first = paused_ids[0].clone();
    eventually("the pause lands", || {
        let api = api.clone();
        let id = first.clone();
        async move { !api.get(&id).await.unwrap().is_active }
    })
    .await;
    api.update(&first, &linq_hooks::api::SubscriptionPatch::pause(true))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    ui.key(KeyCode::Char('u'));
    let screen = ui.wait_for("Not undone").await;
    assert!(screen.contains("(is_active)"), "names the field:\n{screen}");
    ui.key_with(KeyCode::Char('c'), KeyModifiers::CONTROL);
    let _ = tokio::time::timeout(Duration::from_secs(10), ui.task).await;

    // The trail: three pauses, three undo-resumes, the last pause; private, no key.
    let text = std::fs::read_to_string(&audit).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ops: Vec<&str> = lines
        .iter()
        .map(|l| l["operation"].as_str().unwrap())
        .collect();
    assert_eq!(ops.iter().filter(|o| **o == "pause").count(), 4, "{ops:?}");
    assert_eq!(
        ops.iter().filter(|o| **o == "undo-resume").count(),
        3,
        "{ops:?}"
    );
    let pause = lines.iter().find(|l| l["operation"] == "pause").unwrap();
    assert_eq!(pause["source"], "dashboard");
    assert_eq!(pause["changes"]["is_active"]["before"], true);
    assert_eq!(pause["changes"]["is_active"]["after"], false);
    assert_eq!(pause["outcome"]["ok"], true);
    assert_eq!(pause["outcome"]["status"], 200);
    assert!(paused_ids.contains(&pause["subscription_id"].as_str().unwrap().to_string()));
    assert!(!text.contains(KEY), "never the key");
    assert!(!text.contains("whsec_"), "never a secret");
    #[cfg(unix)]
    {
        assert_eq!(linq_hooks::private_files::mode(&audit).unwrap(), 0o600);
        assert_eq!(
            linq_hooks::private_files::mode(audit.parent().unwrap()).unwrap(),
            0o700
        );
    }
}
