//! The event loop: terminal events and command results in, `App::update`, commands out as
//! tokio tasks, and a draw only when something changed and the queue is drained.

use crate::api::LinqClient;
use crate::app::{ApiResult, App, Cmd, Msg, SECRET_WHAT};
use crate::clipboard::Clipboard;
use crate::evidence::logs::{LogsClient, LogsError};
use crate::ui;
use crossterm::event::{Event, KeyEventKind, MouseEventKind};
use futures::{Stream, StreamExt};
use ratatui::backend::Backend;
use ratatui::Terminal;
use std::io::{self, Write};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};
use tokio::time::{interval, sleep_until, Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;
use zeroize::Zeroizing;

mod copy;
mod heap;
mod reads;

use heap::release_freed_memory;
pub use heap::{limit_heap_arenas, map_large_blocks_apart};

pub struct Options {
    /// Auto-refresh after this long without input; `None` = off.
    pub auto_refresh: Option<Duration>,
    /// Turn SIGTERM / SIGHUP / SIGINT into a clean quit.
    pub handle_signals: bool,
}

/// Keeps an account's connection alive (the embedded sandbox) until it is closed: on a
/// switch to another account, and when the dashboard ends.
pub trait AccountGuard: Send {
    fn close(self: Box<Self>) -> futures::future::BoxFuture<'static, ()>;
}

/// An account the switcher connected to.
pub struct SwitchedAccount {
    pub client: LinqClient,
    /// The account's delivery log client, or why it has none.
    pub logs: Result<LogsClient, LogsError>,
    pub connection: crate::app::Connection,
    pub guard: Box<dyn AccountGuard>,
}

/// Connects to an account by name (reads its key, starts the sandbox if need be); the
/// error is one sentence for the banner.
pub type Connector = Arc<
    dyn Fn(String) -> futures::future::BoxFuture<'static, Result<SwitchedAccount, String>>
        + Send
        + Sync,
>;

/// What reaches the loop besides terminal input.
enum Inner {
    Msg(Msg),
    /// A list's first rows; `drawn` answers once the frame after them is out.
    FirstRows {
        req: u64,
        first: crate::api::FirstRows,
        drawn: oneshot::Sender<()>,
    },
    /// The switcher's connection attempt for account `to`.
    Switched {
        to: String,
        result: Result<SwitchedAccount, String>,
    },
    /// The system clipboard failed: fall back to OSC 52 on this (the drawing) thread.
    /// `stuck`: it did not answer at all, so later copies skip it.
    Osc52Fallback {
        text: Zeroizing<String>,
        what: String,
        stuck: bool,
    },
}

/// Where OSC 52 sequences go: the real terminal's stdout, or a buffer in tests.
pub type Osc52Out = Box<dyn Write + Send>;

pub struct Runtime {
    client: LinqClient,
    logs: Result<LogsClient, LogsError>,
    clipboard: Clipboard,
    osc52_out: Osc52Out,
    tx: mpsc::UnboundedSender<Inner>,
    rx: mpsc::UnboundedReceiver<Inner>,
    /// Cancelled when the account changes: the old account's reads stop. Writes are never
    /// cancelled by a switch: they may already have reached the server, so they run to
    /// their answer, which `update` audits to the account they were sent to.
    reads: CancellationToken,
    /// The current account's writes in flight: its connection (an embedded sandbox) is
    /// closed only after they answered.
    writes: Vec<tokio::task::JoinHandle<()>>,
    /// Appends to the audit trail in flight: `run` waits for them before it returns, so
    /// the entries written at quit are not lost.
    audits: Vec<tokio::task::JoinHandle<()>>,
    /// `Cmd::AfterFrame` was asked for: `Msg::FinishFindings` follows the next frame.
    after_frame: bool,
    /// Answers the list task that waits for its first rows to be drawn.
    first_rows_drawn: Option<oneshot::Sender<()>>,
    connector: Option<Connector>,
    guard: Option<Box<dyn AccountGuard>>,
    /// The account the last `SwitchAccount` asked for: an older attempt's result is dropped.
    switching_to: Option<String>,
    /// Where `Cmd::Audit` appends; `None` records nothing (tests that do not look).
    audit_path: Option<std::path::PathBuf>,
    /// Probes running (`P`), to cancel them.
    probes: std::collections::HashMap<u64, tokio::task::AbortHandle>,
    /// The roots probes trust, read on the first probe.
    probe_trust: Arc<tokio::sync::OnceCell<Result<crate::evidence::probe::tls::Trust, String>>>,
}

impl Runtime {
    pub fn new(client: LinqClient, clipboard: Clipboard, osc52_out: Osc52Out) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Self {
            client,
            logs: Err(LogsError::NoOrgId),
            clipboard,
            osc52_out,
            tx,
            rx,
            reads: CancellationToken::new(),
            writes: Vec::new(),
            audits: Vec::new(),
            after_frame: false,
            first_rows_drawn: None,
            connector: None,
            guard: None,
            switching_to: None,
            audit_path: None,
            probes: Default::default(),
            probe_trust: Default::default(),
        }
    }

    /// The account's delivery log client (the Deliveries block reads it).
    pub fn with_logs(mut self, logs: Result<LogsClient, LogsError>) -> Self {
        self.logs = logs;
        self
    }

    /// The roots probes and test deliveries trust (default: the platform's, read on the
    /// first probe), e.g. a private CA's as `probe --ca-file` gives them.
    pub fn with_probe_trust(self, trust: crate::evidence::probe::tls::Trust) -> Self {
        let _ = self.probe_trust.set(Ok(trust));
        self
    }

    /// Records every change in the audit trail at `path`.
    pub fn with_audit(mut self, path: Option<std::path::PathBuf>) -> Self {
        self.audit_path = path;
        self
    }

    /// Enables the account switcher; `guard` keeps the first account alive.
    pub fn with_switcher(
        mut self,
        connector: Connector,
        guard: Option<Box<dyn AccountGuard>>,
    ) -> Self {
        self.connector = Some(connector);
        self.guard = guard;
        self
    }

    /// Runs until the app quits or the input ends; returns the final state.
    pub async fn run<B, S>(
        mut self,
        terminal: &mut Terminal<B>,
        mut input: S,
        mut app: App,
        options: Options,
    ) -> io::Result<App>
    where
        B: Backend,
        B::Error: Send + Sync + 'static,
        S: Stream<Item = io::Result<Event>> + Unpin,
    {
        if options.handle_signals {
            spawn_signal_listener(self.tx.clone());
        }
        let size = terminal.size().map_err(io::Error::other)?;
        app.update(Msg::Resize {
            width: size.width,
            height: size.height,
        });
        let cmds = app.init();
        // Requests first: they travel while the loading frame is drawn.
        self.execute(cmds, &mut app);
        crate::logging::startup("requests sent");
        // The first frame goes out before any answer: the loading state.
        draw(terminal, &mut app)?;
        crate::logging::startup("loading frame drawn");
        let mut listed = false;
        let mut first_rows_drawn = false;

        let mut spinner = interval(Duration::from_millis(100));
        spinner.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let mut clock = interval(Duration::from_secs(60));
        clock.set_missed_tick_behavior(MissedTickBehavior::Skip);
        // Only while the detail pane is focused (and no error paused it).
        let mut deliveries = interval(crate::evidence::logs::POLL_EVERY);
        deliveries.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let far = Instant::now() + Duration::from_secs(86_400 * 365);
        let next_refresh = |from: Instant| options.auto_refresh.map_or(far, |d| from + d);
        let mut refresh_at = next_refresh(Instant::now());

        while !app.quitting {
            let msg = tokio::select! {
                biased;
                Some(inner) = self.rx.recv() => match self.inner(inner) {
                    Some(msg) => msg,
                    None => continue,
                },
                event = input.next() => match event {
                    Some(Ok(event)) => {
                        if matches!(event, Event::Key(_) | Event::Paste(_)) {
                            refresh_at = next_refresh(Instant::now());
                        }
                        if matches!(event, Event::Resize(..)) {
                            terminal.clear().map_err(io::Error::other)?;
                        }
                        match to_msg(event) {
                            Some(msg) => msg,
                            None => continue,
                        }
                    }
                    Some(Err(e)) => return Err(e),
                    None => break,
                },
                _ = sleep_until(refresh_at) => {
                    refresh_at = next_refresh(Instant::now());
                    Msg::AutoRefresh
                }
                _ = spinner.tick(), if app.busy() => Msg::Tick { now: OffsetDateTime::now_utc() },
                _ = clock.tick() => Msg::Tick { now: OffsetDateTime::now_utc() },
                _ = deliveries.tick(), if app.polls_deliveries() => Msg::PollDeliveries,
            };
            let mut lists = is_list(&msg);
            let cmds = app.update(msg);
            self.execute(cmds, &mut app);
            // Drain what is already queued before drawing: one frame for a burst of results.
            while let Ok(inner) = self.rx.try_recv() {
                if let Some(msg) = self.inner(inner) {
                    lists |= is_list(&msg);
                    let cmds = app.update(msg);
                    self.execute(cmds, &mut app);
                }
            }
            if app.dirty && !app.quitting {
                draw(terminal, &mut app)?;
                if app.reading_rest() && !first_rows_drawn {
                    first_rows_drawn = true;
                    crate::logging::startup("first rows drawn");
                }
                if lists && !listed {
                    listed = true;
                    crate::logging::startup("first list drawn");
                }
            }
            // The whole list is read once the first rows are out (or were not wanted).
            if let Some(drawn) = self.first_rows_drawn.take() {
                let _ = drawn.send(());
            }
            // Work the frame did not need, done once it is out (before more input is read).
            if std::mem::take(&mut self.after_frame) && !app.quitting {
                let cmds = app.update(Msg::FinishFindings);
                self.execute(cmds, &mut app);
                if app.dirty {
                    draw(terminal, &mut app)?;
                }
            }
            if lists {
                // The old list and the answer's buffers were just freed; after the frame,
                // which should not wait for the allocator's bookkeeping.
                release_freed_memory();
            }
        }
        // The entries of writes left without an answer at quit are in this batch.
        for audit in std::mem::take(&mut self.audits) {
            let _ = audit.await;
        }
        if let Some(guard) = self.guard.take() {
            guard.close().await;
        }
        Ok(app)
    }

    fn inner(&mut self, inner: Inner) -> Option<Msg> {
        match inner {
            Inner::Msg(msg) => Some(msg),
            Inner::FirstRows { req, first, drawn } => {
                self.first_rows_drawn = Some(drawn);
                Some(Msg::Api {
                    req,
                    result: ApiResult::FirstRows(first),
                })
            }
            Inner::Switched { to, result } => {
                if self.switching_to.as_deref() != Some(to.as_str()) {
                    // Superseded by a later pick: this connection is not wanted.
                    if let Ok(account) = result {
                        tokio::spawn(account.guard.close());
                    }
                    return None;
                }
                self.switching_to = None;
                let result = result.map(|account| {
                    // The old account's reads stop; its writes run on to their answers
                    // (audited by `update`), and only then does its connection close.
                    self.reads.cancel();
                    self.reads = CancellationToken::new();
                    self.client = account.client;
                    let writes = std::mem::take(&mut self.writes);
                    self.logs = account.logs;
                    if let Some(old) = self.guard.replace(account.guard) {
                        tokio::spawn(async move {
                            for write in writes {
                                let _ = write.await;
                            }
                            old.close().await;
                        });
                    }
                    account.connection
                });
                Some(Msg::Switched { to, result })
            }
            Inner::Osc52Fallback { text, what, stuck } => {
                if stuck {
                    tracing::info!("system clipboard did not answer; using OSC 52 from now on");
                    self.clipboard.give_up_system();
                }
                Some(Msg::Copied(self.osc52(&text, &what)))
            }
        }
    }

    fn execute(&mut self, cmds: Vec<Cmd>, app: &mut App) {
        for cmd in cmds {
            match cmd {
                Cmd::Quit => app.quitting = true,
                Cmd::AfterFrame => self.after_frame = true,
                Cmd::LoadList {
                    req,
                    unless,
                    first_screen,
                    ..
                } => self.load_list(req, unless, first_screen),
                Cmd::LoadCatalog { req } => self.spawn(req, |c| async move {
                    ApiResult::Catalog(c.webhook_events().await)
                }),
                Cmd::Update { req, id, patch } => self.spawn_write(req, |c| async move {
                    let result = c.update(&id, &patch).await;
                    ApiResult::Updated { id, result }
                }),
                Cmd::Delete { req, id } => self.spawn_write(req, |c| async move {
                    let result = c.delete(&id).await;
                    ApiResult::Deleted { id, result }
                }),
                Cmd::Create { req, body } => self.spawn_write(req, |c| async move {
                    let result = c.create(&body).await;
                    ApiResult::Created {
                        target_url: body.target_url,
                        result,
                    }
                }),
                Cmd::Save { req, id, patch } => self.spawn_write(req, |c| async move {
                    ApiResult::Saved {
                        result: c.update(&id, &patch).await,
                    }
                }),
                Cmd::LoadLines { req } => {
                    self.spawn(
                        req,
                        |c| async move { ApiResult::Lines(c.phone_numbers().await) },
                    )
                }
                Cmd::Copy { text, what } => self.copy(Zeroizing::new(text), what),
                Cmd::CopySecret { text } => self.copy(text, SECRET_WHAT.to_string()),
                Cmd::SwitchAccount { name } => self.switch(name),
                Cmd::Audit { entry } => self.audit(*entry),
                Cmd::SendTestEvent {
                    req,
                    event_type,
                    phone_number,
                } => self.spawn_write(req, |c| async move {
                    let result = c
                        .send_test_event(&event_type, phone_number.as_deref())
                        .await
                        .map(|sent| crate::app::deliveries::TestEventSent {
                            queued: sent.deliveries.len(),
                            event_id: sent.event_id,
                        });
                    ApiResult::TestEvent { event_type, result }
                }),
                Cmd::LoadDeliveries {
                    req,
                    subscription_id,
                    last,
                } => self.load_deliveries(req, subscription_id, last),
                Cmd::LoadHistory { account } => self.load_history(account),
                Cmd::LoadRotations { account, host } => self.load_rotations(account, host),
                Cmd::RereadPair {
                    req,
                    old_id,
                    new_id,
                } => self.spawn(req, |c| async move {
                    let found = |r: Result<crate::api::Subscription, crate::api::ApiError>| match r
                    {
                        Ok(s) => Ok(Some(s)),
                        Err(e) if e.is_not_found() => Ok(None),
                        Err(e) => Err(e),
                    };
                    let (old, new) = tokio::join!(c.get(&old_id), c.get(&new_id));
                    ApiResult::PairReread {
                        old: Box::new(found(old)),
                        new: Box::new(found(new)),
                    }
                }),
                Cmd::ReadAccounts { names } => self.read_accounts(names),
                Cmd::Probe { req, url } => self.probe(req, url),
                Cmd::TestDelivery {
                    req,
                    url,
                    subscription_id,
                    event_type,
                    secret,
                } => self.test_delivery(
                    req,
                    url,
                    crate::evidence::probe::delivery::Send {
                        secret,
                        event_type,
                        subscription_id: Some(subscription_id),
                    },
                ),
                Cmd::CancelProbes { reqs } => {
                    for req in reqs {
                        if let Some(task) = self.probes.remove(&req) {
                            task.abort();
                        }
                    }
                }
                Cmd::ExportFile {
                    path,
                    subscriptions,
                    account,
                    host,
                    overwrite,
                } => self.export_file(path, subscriptions, account, host, overwrite),
            }
        }
    }

    /// One task per read: a slow call never delays another. A switch of account
    /// cancels it.
    fn spawn<F, Fut>(&self, req: u64, call: F)
    where
        F: FnOnce(LinqClient) -> Fut,
        Fut: std::future::Future<Output = ApiResult> + Send + 'static,
    {
        let tx = self.tx.clone();
        let fut = call(self.client.clone());
        let cancelled = self.reads.clone();
        tokio::spawn(async move {
            tokio::select! {
                () = cancelled.cancelled() => {}
                result = fut => {
                    // The loop may have ended; nothing is waiting for the answer then.
                    let _ = tx.send(Inner::Msg(Msg::Api { req, result }));
                }
            }
        });
    }

    /// One task per write, never cancelled by a switch of account: its answer is what the
    /// audit trail records (the client's deadlines bound it).
    fn spawn_write<F, Fut>(&mut self, req: u64, call: F)
    where
        F: FnOnce(LinqClient) -> Fut,
        Fut: std::future::Future<Output = ApiResult> + Send + 'static,
    {
        let tx = self.tx.clone();
        let fut = call(self.client.clone());
        self.writes.retain(|w| !w.is_finished());
        self.writes.push(tokio::spawn(async move {
            let result = fut.await;
            let _ = tx.send(Inner::Msg(Msg::Api { req, result }));
        }));
    }

    /// Appends to the audit trail off the loop; a failure is a warning, never a block.
    fn audit(&mut self, entry: crate::audit::AuditEntry) {
        let Some(path) = self.audit_path.clone() else {
            return;
        };
        let tx = self.tx.clone();
        self.audits.retain(|a| !a.is_finished());
        self.audits.push(tokio::task::spawn_blocking(move || {
            if let Err(e) = crate::audit::append(&path, &entry) {
                let reason = format!("{}: {e}", path.display());
                let _ = tx.send(Inner::Msg(Msg::AuditFailed(reason)));
            }
        }));
    }

    /// Connects to another account off the loop (a key command may take seconds).
    fn switch(&mut self, name: String) {
        let Some(connector) = self.connector.clone() else {
            let _ = self.tx.send(Inner::Msg(Msg::Switched {
                to: name,
                result: Err("this session cannot switch accounts".into()),
            }));
            return;
        };
        self.switching_to = Some(name.clone());
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let result = connector(name.clone()).await;
            let _ = tx.send(Inner::Switched { to: name, result });
        });
    }
}

fn draw<B: Backend>(terminal: &mut Terminal<B>, app: &mut App) -> io::Result<()>
where
    B::Error: Send + Sync + 'static,
{
    terminal
        .draw(|f| ui::render(app, f))
        .map_err(io::Error::other)?;
    app.dirty = false;
    Ok(())
}

fn is_list(msg: &Msg) -> bool {
    matches!(
        msg,
        Msg::Api {
            result: ApiResult::List { .. } | ApiResult::ListUnchanged { .. },
            ..
        }
    )
}

/// Terminal events the app cares about; mouse moves and key releases are dropped here so
/// they cause no work at all.
fn to_msg(event: Event) -> Option<Msg> {
    match event {
        Event::Key(key) if key.kind == KeyEventKind::Press => Some(Msg::Key(key)),
        Event::Mouse(m)
            if matches!(
                m.kind,
                MouseEventKind::ScrollUp | MouseEventKind::ScrollDown | MouseEventKind::Down(_)
            ) =>
        {
            Some(Msg::Mouse(m))
        }
        Event::Paste(text) => Some(Msg::Paste(text)),
        Event::Resize(width, height) => Some(Msg::Resize { width, height }),
        _ => None,
    }
}

#[cfg(unix)]
fn spawn_signal_listener(tx: mpsc::UnboundedSender<Inner>) {
    use tokio::signal::unix::{signal, SignalKind};
    for (kind, number) in [
        (SignalKind::terminate(), 15),
        (SignalKind::hangup(), 1),
        (SignalKind::interrupt(), 2),
    ] {
        let tx = tx.clone();
        if let Ok(mut stream) = signal(kind) {
            tokio::spawn(async move {
                if stream.recv().await.is_some() {
                    let exit_code = 128 + number;
                    let _ = tx.send(Inner::Msg(Msg::Shutdown { exit_code }));
                }
            });
        }
    }
}

#[cfg(not(unix))]
fn spawn_signal_listener(tx: mpsc::UnboundedSender<Inner>) {
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = tx.send(Inner::Msg(Msg::Shutdown { exit_code: 130 }));
        }
    });
}
