//! The built binary in a real pseudo-terminal (portable-pty), its screen as a terminal
//! emulator (vt100) sees it.

use portable_pty::{native_pty_system, CommandBuilder, PtySize};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Pty {
    pub parser: Arc<Mutex<vt100::Parser>>,
    pub writer: Box<dyn Write + Send>,
    pub child: Box<dyn portable_pty::Child + Send + Sync>,
    /// The thread feeding the parser: finished once it has read everything the child wrote.
    reader: std::thread::JoinHandle<()>,
    /// The HOME the binary ran with (XDG_DATA_HOME is `home/data`).
    pub home: std::path::PathBuf,
}

impl Pty {
    pub fn spawn(base_url: &str, key: &str) -> Self {
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
        cmd.env("LINQ_API_V3_API_KEY", key);
        cmd.env("TERM", "xterm-256color");
        let home = tempfile::tempdir().expect("home").keep();
        cmd.env("HOME", &home);
        cmd.env("XDG_DATA_HOME", home.join("data"));
        // No system clipboard in tests: nothing may reach the developer's clipboard.
        cmd.env_remove("DISPLAY");
        cmd.env_remove("WAYLAND_DISPLAY");
        let child = pty.slave.spawn_command(cmd).expect("spawn linq-hooks");
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().expect("reader");
        let writer = pty.master.take_writer().expect("writer");
        let parser = Arc::new(Mutex::new(vt100::Parser::new(30, 100, 0)));
        let sink = parser.clone();
        let reader = std::thread::spawn(move || {
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
            reader,
            home,
        }
    }

    pub fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    pub fn send(&mut self, bytes: &str) {
        self.writer.write_all(bytes.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    pub async fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
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

    /// Waits for the exit, then for the reader to have fed the parser everything the child
    /// wrote before it (its last bytes restore the terminal: a busy machine may deliver
    /// them after the exit is seen).
    pub async fn exit_code(&mut self) -> u32 {
        let deadline = Instant::now() + Duration::from_secs(10);
        let code = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status.exit_code();
            }
            assert!(Instant::now() < deadline, "linq-hooks did not exit");
            tokio::time::sleep(Duration::from_millis(30)).await;
        };
        let drained = Instant::now() + Duration::from_secs(10);
        while !self.reader.is_finished() && Instant::now() < drained {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        code
    }
}
