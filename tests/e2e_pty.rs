//! End-to-end in a real pseudo-terminal: the built binary against a sandbox on port 0, keys
//! in, the screen as a terminal emulator (vt100) sees it out.

mod support;

use linq_hooks::sandbox;
use portable_pty::{native_pty_system, CommandBuilder, PtySize};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{client, eventually};

const KEY: &str = "e2e-key-0123456789";

struct Pty {
    parser: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
}

impl Pty {
    fn spawn(base_url: &str, extra_env: &[(&str, &str)]) -> Self {
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
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
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

    let mut pty = Pty::spawn(&base, &[]);
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
    let mut pty = Pty::spawn(&base, &[]);
    pty.wait_for("the list", |s| s.contains("acme-outfitters"))
        .await;
    let pid = pty.child.process_id().expect("pid");
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert_eq!(pty.exit_code().await, 0);
    let parser = pty.parser.lock().unwrap();
    assert!(!parser.screen().alternate_screen());
    assert!(!parser.screen().hide_cursor());
}
