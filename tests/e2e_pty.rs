//! End-to-end in a real pseudo-terminal: the built binary against a sandbox on port 0, keys
//! in, the screen as a terminal emulator (vt100) sees it out.

mod support;

use linq_hooks::sandbox;
use support::pty::Pty;
use support::{client, eventually};

const KEY: &str = "e2e-key-0123456789";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeded_list_pause_and_quit_in_a_real_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let (base, _sandbox) = sandbox::spawn(
        "127.0.0.1:0".parse().unwrap(),
        dir.path().join("e2e.db"),
        vec![KEY.into()],
        true,
    )
    .await
    .unwrap();
    let api = client(&base, KEY);
    let first = api.list().await.unwrap();
    let mut first: Vec<_> = first.into_iter().collect();
    first.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
    let target = first[0].clone();

    let mut pty = Pty::spawn(&base, KEY);
    let screen = pty
        .wait_for("the seeded list", |s| {
            s.contains("acme-outfitters") && s.contains(&target.id)
        })
        .await;
    assert!(
        screen.contains("LIVE"),
        "a key was given, so not the sandbox badge:\n{screen}"
    );
    assert!(
        screen.contains("…6789"),
        "only the key's last 4 characters:\n{screen}"
    );
    assert!(
        !screen.contains(KEY),
        "the API key is never drawn:\n{screen}"
    );

    let was_active = target.is_active;
    pty.send("p");
    eventually("the server to have the toggled state", || async {
        api.get(&target.id).await.unwrap().is_active != was_active
    })
    .await;
    let word = if was_active {
        "◌ paused"
    } else {
        "● active"
    };
    let screen = pty
        .wait_for("the row to show its new state", |s| {
            s.lines()
                .any(|l| l.contains(word) && l.contains("legacy.acme"))
        })
        .await;
    assert!(
        !screen.contains("pausing") && !screen.contains("resuming"),
        "{screen}"
    );

    pty.send("q");
    assert_eq!(pty.exit_code().await, 0);
    let parser = pty.parser.lock().unwrap();
    assert!(
        !parser.screen().alternate_screen(),
        "left the alternate screen"
    );
    assert!(!parser.screen().hide_cursor(), "cursor shown again");

    // The log sits in a directory only the user can enter, readable only by the user, and
    // holds no key.
    let dir = pty.home.join("data").join("linq-hooks");
    let log = dir.join("dashboard.log");
    assert_eq!(linq_hooks::private_files::mode(&dir).unwrap(), 0o700);
    assert_eq!(linq_hooks::private_files::mode(&log).unwrap(), 0o600);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("connecting"), "{text}");
    assert!(!text.contains(KEY), "{text}");

    // The pause is in the audit trail (the binary writes it: no test wiring involved).
    let trail = pty.home.join(".local/state/linq-hooks/audit.jsonl");
    let trail = std::fs::read_to_string(&trail).expect("the audit trail");
    assert!(trail.contains(&target.id), "{trail}");
    assert!(!trail.contains(KEY), "{trail}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_restores_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let (base, _sandbox) = sandbox::spawn(
        "127.0.0.1:0".parse().unwrap(),
        dir.path().join("sig.db"),
        vec![KEY.into()],
        true,
    )
    .await
    .unwrap();
    let mut pty = Pty::spawn(&base, KEY);
    pty.wait_for("the list", |s| s.contains("acme-outfitters"))
        .await;
    let pid = pty.child.process_id().expect("pid");
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    // 128 + SIGTERM, as a shell reports it, after the terminal was restored.
    assert_eq!(pty.exit_code().await, 143);
    let parser = pty.parser.lock().unwrap();
    assert!(!parser.screen().alternate_screen());
    assert!(!parser.screen().hide_cursor());
}
