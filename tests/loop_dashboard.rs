//! Loop tests: the real runtime with scripted keys against the in-process sandbox (and a
//! wiremock server for a slow API). What the test checks is what the server ends up with
//! and what the screen shows.

mod support;

use crossterm::event::{KeyCode, KeyModifiers};
use linq_hooks::api::NewSubscription;
use linq_hooks::sandbox::{self, SandboxHandle};
use std::time::Duration;
use support::{client, eventually, fresh_sandbox, Dashboard};
use tempfile::TempDir;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "loop-key";

async fn sandbox_with(urls: &[&str]) -> (TempDir, String, SandboxHandle, Vec<String>) {
    let (dir, base, handle) = fresh_sandbox(KEY, false).await;
    let c = client(&base, KEY);
    let mut ids = Vec::new();
    for url in urls {
        let created = c
            .create(&NewSubscription {
                target_url: url.to_string(),
                subscribed_events: vec!["message.received".into(), "message.sent".into()],
                ..Default::default()
            })
            .await
            .unwrap();
        ids.push(created.subscription.id.clone());
        // Distinct created_at, so the list order is the creation order.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    (dir, base, handle, ids)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_then_resume_reach_the_server() {
    let (_dir, base, _sandbox, ids) =
        sandbox_with(&["https://a.example/hook", "https://b.example/hook"]).await;
    let api = client(&base, KEY);
    let ui = Dashboard::start(client(&base, KEY), true);
    ui.wait_for("a.example/hook").await;

    ui.key(KeyCode::Char('p'));
    eventually(
        "the server to have paused the first subscription",
        || async { !api.get(&ids[0]).await.unwrap().is_active },
    )
    .await;
    ui.wait_for("1 active · 1 paused").await;

    ui.key(KeyCode::Char('p'));
    eventually("the server to have resumed it", || async {
        api.get(&ids[0]).await.unwrap().is_active
    })
    .await;
    ui.wait_until(
        |s| s.contains("2 active · 0 paused") && !s.contains("resuming"),
        "resumed row",
    )
    .await;
    // The other subscription was never touched.
    assert!(api.get(&ids[1]).await.unwrap().is_active);
    let app = ui.quit().await;
    assert!(app.quitting);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_with_y_removes_it_on_the_server() {
    let (_dir, base, _sandbox, ids) =
        sandbox_with(&["https://keep.example/hook", "https://gone.example/hook"]).await;
    let api = client(&base, KEY);
    let ui = Dashboard::start(client(&base, KEY), true);
    ui.wait_for("gone.example/hook").await;

    ui.key(KeyCode::Char('j'));
    ui.key_with(KeyCode::Char('d'), KeyModifiers::CONTROL);
    let dialog = ui.wait_for("Delete subscription?").await;
    assert!(dialog.contains("https://gone.example/hook"), "{dialog}");
    assert!(
        dialog.contains(&ids[1]),
        "the dialog names the id:\n{dialog}"
    );
    ui.key(KeyCode::Char('y'));

    ui.wait_for("Deleted https://gone.example/hook").await;
    let remaining: Vec<String> = api
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(remaining, vec![ids[0].clone()]);
    ui.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_answered_with_n_keeps_it() {
    let (_dir, base, _sandbox, ids) = sandbox_with(&["https://stay.example/hook"]).await;
    let api = client(&base, KEY);
    let ui = Dashboard::start(client(&base, KEY), true);
    ui.wait_for("stay.example/hook").await;

    ui.key(KeyCode::Delete);
    ui.wait_for("Delete subscription?").await;
    // Enter on the initially focused button is Cancel.
    ui.key(KeyCode::Enter);
    ui.wait_until(|s| !s.contains("Delete subscription?"), "dialog closed")
        .await;
    ui.key(KeyCode::Delete);
    ui.wait_for("Delete subscription?").await;
    ui.key(KeyCode::Char('n'));
    ui.wait_until(|s| !s.contains("Delete subscription?"), "dialog closed")
        .await;

    let app = ui.quit().await;
    assert_eq!(app.subscriptions.len(), 1);
    assert_eq!(api.get(&ids[0]).await.unwrap().id, ids[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_in_the_detail_pane_hands_the_id_to_the_clipboard() {
    let (_dir, base, _sandbox, ids) = sandbox_with(&["https://copy.example/hook"]).await;
    let ui = Dashboard::start(client(&base, KEY), true);
    ui.wait_for("copy.example/hook").await;
    ui.key(KeyCode::Enter);
    ui.key(KeyCode::Char('c'));
    ui.wait_for("Copied the subscription id").await;
    assert_eq!(*ui.copies.lock().unwrap(), vec![ids[0].clone()]);
    ui.quit().await;
}

fn subscription_json(id: &str, url: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id, "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
        "is_active": true, "subscribed_events": ["message.sent"], "target_url": url,
        "phone_numbers": null
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_keep_working_while_a_put_takes_three_seconds() {
    let server = MockServer::start().await;
    let ids = [
        "11111111-1111-1111-1111-111111111111",
        "22222222-2222-2222-2222-222222222222",
        "33333333-3333-3333-3333-333333333333",
    ];
    let subs: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| subscription_json(id, &format!("https://slow{i}.example/hook")))
        .collect();
    Mock::given(method("GET"))
        .and(path("/v3/webhook-subscriptions"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({ "subscriptions": subs })),
        )
        .mount(&server)
        .await;
    let mut paused = subscription_json(ids[0], "https://slow0.example/hook");
    paused["is_active"] = false.into();
    Mock::given(method("PUT"))
        .and(path(format!("/v3/webhook-subscriptions/{}", ids[0])))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(paused)
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&server)
        .await;

    let ui = Dashboard::start(client(&server.uri(), "k"), false);
    ui.wait_for("slow2.example").await;
    ui.key(KeyCode::Char('p'));
    ui.key(KeyCode::Char('j'));
    ui.key(KeyCode::Char('j'));
    // While the PUT is still unanswered (the row says "pausing"), the selection has
    // already moved to the third row: the detail pane shows its id.
    let screen = ui
        .wait_until(
            |s| s.contains(ids[2]),
            "the detail pane to follow the selection",
        )
        .await;
    assert!(
        screen.contains("pausing"),
        "the PUT was still in flight:\n{screen}"
    );
    // Then the answer lands and the row settles as paused.
    ui.wait_until(|s| !s.contains("pausing"), "PUT answered")
        .await;
    let app = ui.quit().await;
    assert!(
        !app.subscriptions
            .iter()
            .find(|s| s.id == ids[0])
            .unwrap()
            .is_active
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_api_says_so_and_r_retries() {
    // Bind and drop: nothing listens on this port (until the sandbox below takes it).
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let base = format!("http://{addr}/api/partner");
    let ui = Dashboard::start(client(&base, KEY), false);
    let screen = ui.wait_for("Cannot reach the API").await;
    assert!(
        screen.contains(&addr.to_string()),
        "names the server:\n{screen}"
    );

    // The API comes up; `r` finds it.
    let dir = tempfile::tempdir().unwrap();
    let (_, _sandbox) = sandbox::spawn(addr, dir.path().join("late.db"), vec![KEY.into()], true)
        .await
        .unwrap();
    ui.key(KeyCode::Char('r'));
    let screen = ui.wait_for("acme-outfitters").await;
    assert!(!screen.contains("Cannot reach"), "{screen}");
    ui.quit().await;
}

/// 500 subscriptions: the runtime draws the rows, then works out the findings of the rows
/// off screen: the Problems count goes from "…" to the number, and a problem far down the
/// list (an insecure URL at row 480) is in the Problems tab.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn findings_of_rows_off_screen_follow_the_first_frame() {
    let server = MockServer::start().await;
    let subs: Vec<_> = (0..500)
        .map(|i| {
            let scheme = if i == 480 { "http" } else { "https" };
            subscription_json(
                &format!("{i:08}-1111-1111-1111-111111111111"),
                &format!("{scheme}://row{i}.acme-hooks.com/hook?version=2026-02-03"),
            )
        })
        .collect();
    Mock::given(method("GET"))
        .and(path("/v3/webhook-subscriptions"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({ "subscriptions": subs })),
        )
        .mount(&server)
        .await;

    let ui = Dashboard::start(client(&server.uri(), "k"), false);
    ui.wait_for("row0.acme-hooks.com").await;
    ui.wait_for("Problems (1)").await;
    ui.key(KeyCode::Char('4'));
    ui.wait_for("row480.acme-hooks.com").await;
    let app = ui.quit().await;
    assert!(!app.findings_partial);
}

/// Issue 16: refreshes of an unchanged account are not decoded again (the runtime names the
/// digest of the list shown), and a change made elsewhere still shows on the next `r`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refreshes_of_an_unchanged_account_keep_the_rows_and_a_change_elsewhere_shows() {
    let (_dir, base, _sandbox, ids) =
        sandbox_with(&["https://a.example/hook", "https://b.example/hook"]).await;
    let api = client(&base, KEY);
    let ui = Dashboard::start(client(&base, KEY), true);
    ui.wait_for("2 active · 0 paused").await;
    for _ in 0..3 {
        ui.key(KeyCode::Char('r'));
        ui.wait_until(
            |s| s.contains("2 active · 0 paused") && s.contains("a.example/hook"),
            "the same rows after an unchanged refresh",
        )
        .await;
    }
    api.update(&ids[1], &linq_hooks::api::SubscriptionPatch::pause(false))
        .await
        .unwrap();
    ui.key(KeyCode::Char('r'));
    ui.wait_for("1 active · 1 paused").await;
    let app = ui.quit().await;
    assert!(
        !app.subscriptions
            .iter()
            .find(|s| s.id == ids[1])
            .unwrap()
            .is_active
    );
}

/// Issue 16: a large first list (over 1 MiB, in no order) shows its first screen from the
/// rows' order alone, with the whole list's counts, then the whole list; `G` pressed as
/// soon as rows show goes to the last row of the whole list, never of the first screen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_first_list_shows_its_first_screen_then_all_of_it() {
    linq_hooks::api::start_readers();
    let server = MockServer::start().await;
    let padding = "p".repeat(300);
    let subs: Vec<_> = (0..2500)
        .map(|i| (i * 7919) % 2500)
        .map(|i| {
            let mut row = subscription_json(
                &format!("{i:08}-1111-1111-1111-111111111111"),
                &format!("https://row{i}.acme-hooks.com/hook?pad={padding}"),
            );
            row["created_at"] = format!("2026-01-01T{:02}:{:02}:00Z", i / 60 % 24, i % 60).into();
            row["is_active"] = (i % 4 != 0).into();
            row
        })
        .collect();
    let body = serde_json::json!({ "subscriptions": subs });
    assert!(serde_json::to_vec(&body).unwrap().len() > 1 << 20);
    Mock::given(method("GET"))
        .and(path("/v3/webhook-subscriptions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;

    let ui = Dashboard::start(client(&server.uri(), "k"), false);
    let screen = ui.wait_for("row0.acme-hooks.com").await;
    ui.key(KeyCode::Char('G'));
    assert!(screen.contains("1875 active · 625 paused"), "{screen}");
    // Minute 0 of each day holds rows 0 and 1440, then row 1 at minute 1.
    let order: Vec<usize> = ["row0.", "row1440.", "row1."]
        .iter()
        .map(|host| screen.find(host).expect(host))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{screen}");

    ui.wait_for("row1439.acme-hooks.com").await;
    let app = ui.quit().await;
    assert_eq!(app.subscriptions.len(), 2500);
    assert_eq!(
        app.selected.as_deref(),
        Some("00001439-1111-1111-1111-111111111111")
    );
}
