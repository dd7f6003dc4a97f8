//! Shared test plumbing: a TestBackend the test can read while the real runtime draws on it,
//! and a running dashboard driven by scripted input.
#![allow(dead_code)]

pub mod pty;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures::channel::mpsc;
use linq_hooks::api::{ApiKey, ClientConfig, LinqClient};
use linq_hooks::app::{App, Connection};
use linq_hooks::clipboard::Clipboard;
use linq_hooks::runtime::{Options, Runtime};
use ratatui::backend::{Backend, ClearType, TestBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use ratatui::Terminal;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// A `TestBackend` behind a lock, so the test reads the screen while the runtime draws.
#[derive(Clone)]
pub struct SharedBackend(pub Arc<Mutex<TestBackend>>);

impl SharedBackend {
    pub fn new(width: u16, height: u16) -> Self {
        Self(Arc::new(Mutex::new(TestBackend::new(width, height))))
    }

    pub fn screen(&self) -> String {
        let backend = self.0.lock().unwrap();
        let buffer = backend.buffer();
        let mut out = String::new();
        for y in 0..buffer.area.height {
            for x in 0..buffer.area.width {
                out.push_str(buffer[(x, y)].symbol());
            }
            out.push('\n');
        }
        out
    }
}

impl Backend for SharedBackend {
    type Error = core::convert::Infallible;
    fn draw<'a, I: Iterator<Item = (u16, u16, &'a Cell)>>(
        &mut self,
        content: I,
    ) -> Result<(), Self::Error> {
        self.0.lock().unwrap().draw(content)
    }
    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.0.lock().unwrap().hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.0.lock().unwrap().show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.0.lock().unwrap().get_cursor_position()
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        self.0.lock().unwrap().set_cursor_position(position)
    }
    fn clear(&mut self) -> Result<(), Self::Error> {
        self.0.lock().unwrap().clear()
    }
    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        self.0.lock().unwrap().clear_region(clear_type)
    }
    fn size(&self) -> Result<Size, Self::Error> {
        self.0.lock().unwrap().size()
    }
    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.0.lock().unwrap().window_size()
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        self.0.lock().unwrap().flush()
    }
}

/// A sandbox on 127.0.0.1:0 with its own database in a temp dir (kept alive by the dir).
pub async fn fresh_sandbox(
    key: &str,
    seed: bool,
) -> (
    tempfile::TempDir,
    String,
    linq_hooks::sandbox::SandboxHandle,
) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (base, handle) = linq_hooks::sandbox::spawn(
        "127.0.0.1:0".parse().expect("addr"),
        dir.path().join("sandbox.db"),
        vec![key.into()],
        seed,
    )
    .await
    .expect("sandbox");
    (dir, base, handle)
}

pub fn client(base_url: &str, key: &str) -> LinqClient {
    let mut config = ClientConfig::new(base_url, ApiKey::new(key));
    config.max_retries = 0;
    config.request_timeout = Duration::from_secs(10);
    LinqClient::new(config).expect("client")
}

/// The real runtime, running on a shared TestBackend, fed by scripted input.
pub struct Dashboard {
    pub screen: SharedBackend,
    input: mpsc::UnboundedSender<io::Result<Event>>,
    pub task: tokio::task::JoinHandle<io::Result<App>>,
    pub copies: Arc<Mutex<Vec<String>>>,
    pub osc52: Arc<Mutex<Vec<u8>>>,
}

/// Collects what the runtime writes as OSC 52.
struct SharedWriter(Arc<Mutex<Vec<u8>>>);

impl io::Write for SharedWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Dashboard {
    pub fn start(client: LinqClient, sandbox: bool) -> Self {
        Self::start_with(client, sandbox, |app| app, |runtime| runtime)
    }

    /// `start`, with the app and the runtime adjusted before they run (accounts, a
    /// switcher).
    pub fn start_with(
        client: LinqClient,
        sandbox: bool,
        app: impl FnOnce(App) -> App,
        runtime: impl FnOnce(Runtime) -> Runtime,
    ) -> Self {
        let screen = SharedBackend::new(100, 30);
        let (input, rx) = mpsc::unbounded();
        let (clipboard, copies) = Clipboard::recording();
        let osc52: Arc<Mutex<Vec<u8>>> = Arc::default();
        let connection = Connection {
            base_url: client.base_url().to_string(),
            sandbox,
            key_hint: None,
            read_only: false,
        };
        let app = app(App::new(connection, OffsetDateTime::now_utc(), (100, 30)));
        let runtime = runtime(Runtime::new(
            client,
            clipboard,
            Box::new(SharedWriter(osc52.clone())),
        ));
        let backend = screen.clone();
        let task = tokio::spawn(async move {
            let mut terminal = Terminal::new(backend).expect("terminal");
            let options = Options {
                auto_refresh: None,
                handle_signals: false,
            };
            runtime.run(&mut terminal, rx, app, options).await
        });
        Self {
            screen,
            input,
            task,
            copies,
            osc52,
        }
    }

    pub fn key(&self, code: KeyCode) {
        self.key_with(code, KeyModifiers::NONE);
    }

    pub fn key_with(&self, code: KeyCode, modifiers: KeyModifiers) {
        self.input
            .unbounded_send(Ok(Event::Key(KeyEvent::new(code, modifiers))))
            .expect("dashboard is running");
    }

    pub fn type_text(&self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    /// Waits until the screen shows `text` (10 s at most), returning the screen.
    pub async fn wait_for(&self, text: &str) -> String {
        self.wait_until(|s| s.contains(text), &format!("screen to show {text:?}"))
            .await
    }

    pub async fn wait_until(&self, ok: impl Fn(&str) -> bool, what: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let screen = self.screen.screen();
            if ok(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{screen}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn quit(self) -> App {
        self.key(KeyCode::Char('q'));
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("dashboard quits")
            .expect("task")
            .expect("runtime")
    }
}

/// Polls `check` until it holds (10 s at most).
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
