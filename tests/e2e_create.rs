//! End-to-end in a real pseudo-terminal: the built binary against an in-process sandbox;
//! create a subscription with the form and get through the one-time secret dialog.

mod support;

use linq_hooks::sandbox;
use portable_pty::{native_pty_system, CommandBuilder, PtySize};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::client;

const KEY: &str = "e2e-create-key";

struct Pty {
    parser: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
}

impl Pty {
    fn spawn(base_url: &str) -> Self {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: 30,
                cols: 100,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_linq-hooks"));
        cmd.args(["--base-url", base_url, "--refresh", "0"]);
        cmd.env("LINQ_API_V3_API_KEY", KEY);
        cmd.env("TERM", "xterm-256color");
        let home = tempfile::tempdir().expect("home").keep();
        cmd.env("HOME", &home);
        cmd.env("XDG_DATA_HOME", home.join("data"));
        // No system clipboard in this test: nothing may reach the developer's clipboard.
        cmd.env_remove("DISPLAY");
        cmd.env_remove("WAYLAND_DISPLAY");
        let child = pty.slave.spawn_command(cmd).expect("spawn linq-hooks");
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().expect("reader");
        let writer = pty.master.take_writer().expect("writer");
        let parser = Arc::new(Mutex::new(vt100::Parser::new(30, 100, 0)));
        let sink = parser.clone();
        std::thread::spawn(move || {
            let _master = pty.master; // keep the pty open while reading
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().process(&buf[..n]);
            }
        });
        Self {
            parser,
            writer,
            child,
        }
    }

    fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    fn send(&mut self, bytes: &str) {
        self.writer.write_all(bytes.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    async fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{screen}"
            );
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
    }

    async fn exit_code(&mut self) -> u32 {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status.exit_code();
            }
            assert!(Instant::now() < deadline, "linq-hooks did not exit");
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
    }
}

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

    let mut pty = Pty::spawn(&base);
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
