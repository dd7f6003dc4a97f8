//! End-to-end in a real pseudo-terminal: the built binary against an in-process sandbox;
//! create a subscription with the form and get through the one-time secret dialog.

mod support;

use linq_hooks::sandbox;
use support::client;
use support::pty::Pty;

const KEY: &str = "e2e-create-key";

/// Every `whsec_` on screen is followed by the mask, never by secret characters.
fn only_masked(screen: &str) -> bool {
    screen
        .match_indices("whsec_")
        .all(|(i, m)| screen[i + m.len()..].starts_with('•'))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_with_the_form_then_acknowledge_the_secret_in_a_real_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("e2e-create.db");
    let (base, _sandbox) = sandbox::spawn(
        "127.0.0.1:0".parse().unwrap(),
        db.clone(),
        vec![KEY.into()],
        false,
    )
    .await
    .unwrap();
    let api = client(&base, KEY);

    let mut pty = Pty::spawn(&base, KEY);
    pty.wait_for("the empty list", |s| s.contains("0 active"))
        .await;

    let url = "https://e2e-created.example/hook";
    pty.send("n");
    pty.wait_for("the create form", |s| s.contains("New subscription"))
        .await;
    pty.send(url);
    pty.send("\t");
    // On the `message.*` header: down to message.sent, toggle, message.received, toggle.
    pty.send("j j ");
    pty.wait_for("two events picked", |s| s.contains("2/75 selected"))
        .await;
    pty.send("\x13"); // Ctrl-S

    let screen = pty
        .wait_for("the secret dialog", |s| s.contains("shown once"))
        .await;
    assert!(screen.contains("whsec_••"), "masked:\n{screen}");
    assert!(only_masked(&screen), "an unmasked secret:\n{screen}");
    let secret: String =
        rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap()
            .query_row(
                "SELECT signing_secret FROM subscriptions WHERE target_url = ?1",
                [url],
                |row| row.get(0),
            )
            .unwrap();
    assert!(secret.starts_with("whsec_"));
    assert!(!screen.contains(&secret), "{screen}");

    // Neither copied nor revealed: Enter asks first, y closes.
    pty.send("\r");
    let screen = pty
        .wait_for("the close confirmation", |s| s.contains("Close anyway?"))
        .await;
    assert!(only_masked(&screen), "{screen}");
    pty.send("y");
    let screen = pty
        .wait_for("the dialog to close and the new row to show", |s| {
            !s.contains("shown once") && s.contains("e2e-created.example/hook")
        })
        .await;
    assert!(screen.contains("1 active"), "{screen}");
    assert!(!screen.contains(&secret));

    let created = api.list().await.unwrap();
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].target_url, url);
    assert_eq!(
        created[0].subscribed_events,
        ["message.sent", "message.received"]
    );

    pty.send("q");
    assert_eq!(pty.exit_code().await, 0);
    let parser = pty.parser.lock().unwrap();
    assert!(
        !parser.screen().alternate_screen(),
        "left the alternate screen"
    );
    assert!(!parser.screen().hide_cursor(), "cursor shown again");
}
