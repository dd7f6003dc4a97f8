//! The CLI: chooses the face (dashboard or sandbox server) and wires it up.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use crossterm::event::EventStream;
use linq_hooks::api::{ApiKey, ClientConfig, LinqClient};
use linq_hooks::app::{App, Connection};
use linq_hooks::clipboard::Clipboard;
use linq_hooks::config::{self, Target};
use linq_hooks::runtime::{Options, Runtime};
use linq_hooks::sandbox::{self, SandboxArgs};
use linq_hooks::terminal;
use std::path::PathBuf;
use std::time::Duration;
use time::OffsetDateTime;

/// A terminal dashboard for Linq webhook subscriptions.
///
/// With no API key in LINQ_API_V3_API_KEY (or LINQ_API_KEY) it runs on an embedded,
/// persistent sandbox.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// API base URL, e.g. https://api.linqapp.com/api/partner [env: LINQ_API_V3_BASE_URL]
    #[arg(long)]
    base_url: Option<String>,
    /// Use the embedded sandbox even when an API key is set.
    #[arg(long)]
    sandbox: bool,
    /// The embedded sandbox's database (default: sandbox.db in the user data dir).
    #[arg(long, value_name = "PATH")]
    sandbox_db: Option<PathBuf>,
    /// No pause, delete or other write keys at all.
    #[arg(long)]
    read_only: bool,
    /// Auto-refresh after this many idle seconds; 0 turns it off.
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    refresh: u64,
    /// Per-request timeout in seconds.
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    timeout: u64,
}

#[derive(Subcommand)]
enum Command {
    /// Run the Linq-compatible sandbox server.
    Sandbox(SandboxArgs),
}

fn main() -> anyhow::Result<()> {
    linq_hooks::logging::mark_start();
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    match cli.command {
        Some(Command::Sandbox(args)) => {
            let _log = linq_hooks::logging::init("sandbox");
            runtime.block_on(sandbox::serve(args)).context("sandbox")
        }
        None => {
            let log = linq_hooks::logging::init("dashboard");
            linq_hooks::logging::startup("logging ready");
            let code = runtime.block_on(dashboard(cli))?;
            // Ended by a signal: say so in the exit status, after the log is flushed (the
            // terminal is restored by now).
            drop(log);
            if code != 0 {
                std::process::exit(code);
            }
            Ok(())
        }
    }
}

/// Runs the dashboard; returns the exit status (non-zero when a signal ended it).
async fn dashboard(cli: Cli) -> anyhow::Result<i32> {
    let target = config::resolve(cli.base_url.clone(), cli.sandbox, |k| std::env::var(k).ok())?;
    // The embedded sandbox lives as long as the dashboard.
    let mut embedded = None;
    let (base_url, key, connection) = match target {
        Target::Remote {
            base_url,
            key,
            key_source,
        } => {
            tracing::info!(%base_url, key = %key.hint(), key_source, "connecting");
            let connection = Connection {
                base_url: base_url.clone(),
                sandbox: false,
                key_hint: Some(key.hint()),
                read_only: cli.read_only,
            };
            (base_url, key, connection)
        }
        Target::Sandbox => {
            let db = match cli.sandbox_db.clone() {
                Some(p) => p,
                None => sandbox::default_db_path().context("finding the sandbox database path")?,
            };
            let (base_url, handle) = sandbox::spawn(
                "127.0.0.1:0".parse()?,
                db.clone(),
                vec!["sandbox".into()],
                true,
            )
            .await
            .with_context(|| format!("starting the embedded sandbox on {}", db.display()))?;
            tracing::info!(%base_url, db = %db.display(), "embedded sandbox");
            embedded = Some(handle);
            let connection = Connection {
                base_url: base_url.clone(),
                sandbox: true,
                key_hint: None,
                read_only: cli.read_only,
            };
            (base_url, ApiKey::new("sandbox"), connection)
        }
    };
    let mut client_config = ClientConfig::new(base_url, key);
    client_config.request_timeout = Duration::from_secs(cli.timeout.max(1));
    let client = LinqClient::new(client_config)?;
    linq_hooks::logging::startup("client built");

    let mut tui = terminal::init().context("setting up the terminal")?;
    linq_hooks::logging::startup("terminal ready");
    let size = match tui.size() {
        Ok(size) => size,
        Err(e) => {
            terminal::restore();
            return Err(e).context("reading the terminal size");
        }
    };
    let app = App::new(
        connection,
        OffsetDateTime::now_utc(),
        (size.width, size.height),
    );
    let runtime = Runtime::new(client, Clipboard::detect(), Box::new(std::io::stdout()));
    let options = Options {
        auto_refresh: (cli.refresh > 0).then(|| Duration::from_secs(cli.refresh)),
        handle_signals: true,
    };
    let result = runtime
        .run(&mut tui, EventStream::new(), app, options)
        .await;
    terminal::restore();
    // Quit (Ctrl-C, a signal) while the secret dialog was open: say so, never the secret.
    if let Ok(app) = &result {
        if let Some(dialog) = &app.secret_dialog {
            eprintln!(
                "linq-hooks: subscription {} ({}) was created; its signing secret was shown once and not acknowledged.",
                linq_hooks::text::clean(&dialog.id),
                linq_hooks::text::clean(&dialog.target_url)
            );
        }
    }
    if let Some(handle) = embedded {
        let _ = handle.shutdown().await;
    }
    let app = result.context("dashboard")?;
    Ok(app.exit_code.unwrap_or(0))
}
