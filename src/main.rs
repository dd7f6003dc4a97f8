//! The CLI: chooses the face (dashboard or sandbox server) and wires it up.

use anyhow::Context as _;
use clap::{CommandFactory, Parser, Subcommand};
use crossterm::event::EventStream;
use linq_hooks::app::App;
use linq_hooks::cli::{self, Globals};
use linq_hooks::clipboard::Clipboard;
use linq_hooks::runtime::{Options, Runtime};
use linq_hooks::sandbox::{self, SandboxArgs};
use linq_hooks::terminal;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;
use time::OffsetDateTime;

/// A terminal dashboard for Linq webhook subscriptions, and headless commands for scripts.
///
/// With no API key in LINQ_API_V3_API_KEY (or LINQ_API_KEY) it runs on an embedded,
/// persistent sandbox.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    globals: Globals,
    /// Dashboard: auto-refresh after this many idle seconds (0 turns it off, at most 86400).
    #[arg(long, default_value_t = 30, value_name = "SECS",
          value_parser = clap::value_parser!(u64).range(0..=cli::MAX_SECS))]
    refresh: u64,
}

#[derive(Subcommand)]
enum Command {
    #[command(flatten)]
    Headless(cli::Command),
    /// Check a captured delivery's signatures (both schemes) offline; names the likely cause
    /// of a mismatch. Needs no account.
    Verify(cli::verify::VerifyArgs),
    /// Print shell completions (bash, zsh or fish) on stdout.
    Completions {
        #[arg(value_enum)]
        shell: cli::output::Shell,
    },
    /// Run the Linq-compatible sandbox server.
    Sandbox(SandboxArgs),
}

const NOT_A_TERMINAL: &str = "linq-hooks: the dashboard needs a terminal (stdin and stdout); \
in scripts use the headless commands: list, get, create, update, pause, resume, delete, events, phones, profiles, doctor, verify, history, listen, rotate, logs, probe, find, export, plan, apply (see linq-hooks --help)";

fn main() -> anyhow::Result<ExitCode> {
    linq_hooks::logging::mark_start();
    // Before any thread starts: the only time the local offset can be read soundly.
    linq_hooks::local_time::init();
    // Every TLS client (the API, the delivery log, the sandbox's deliveries) uses ring:
    // aws-lc seeds its generator from CPU jitter on first use, ~50 ms before the first
    // handshake of every process (perf/https_get.py).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Headless(command)) => {
            // A command's helper thread (plan's file check) then reuses the pages the main
            // thread freed, and the reverse: fewer fresh pages, fewer page faults.
            linq_hooks::runtime::limit_heap_arenas(1);
            Ok(ExitCode::from(cli::run(&cli.globals, command)))
        }
        Some(Command::Verify(args)) => Ok(ExitCode::from(cli::verify::run(&args))),
        Some(Command::Completions { shell }) => {
            let code = cli::output::completions(shell, &mut Cli::command());
            Ok(ExitCode::from(code))
        }
        Some(Command::Sandbox(args)) => {
            let runtime = multi_thread()?;
            let _log = linq_hooks::logging::init("sandbox");
            // One line and exit 2 for a usage error, like every command (no anyhow chain).
            match runtime.block_on(sandbox::serve(args)) {
                Ok(()) => Ok(ExitCode::SUCCESS),
                Err(e) => {
                    cli::output::error_line("sandbox", &e.to_string());
                    Ok(ExitCode::from(if e.is_usage() { 2 } else { 1 }))
                }
            }
        }
        None => {
            // Checked before anything touches the terminal: redirected, it would run unseen.
            if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
                eprintln!("{NOT_A_TERMINAL}");
                return Ok(ExitCode::from(2));
            }
            // The main arena, then one for each list reader: started before the runtime's
            // threads, they are the first to allocate and get the new arenas.
            linq_hooks::runtime::limit_heap_arenas(3);
            linq_hooks::runtime::map_large_blocks_apart();
            linq_hooks::api::start_readers();
            let runtime = multi_thread()?;
            let log = linq_hooks::logging::init("dashboard");
            linq_hooks::logging::startup("logging ready");
            let code = runtime.block_on(dashboard(cli))?;
            // The terminal is restored, stdout flushed and the account (an embedded
            // sandbox's database) closed: flush the log and exit. Dropping the runtime and
            // the loaded list would only free memory the OS frees at once anyway (tens of
            // milliseconds with 10,000 subscriptions).
            drop(log);
            std::process::exit(i32::from(code))
        }
    }
}

fn multi_thread() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// Runs the dashboard; its exit code.
async fn dashboard(cli: Cli) -> anyhow::Result<u8> {
    // The same account resolution and client as the commands; the embedded sandbox (if
    // any) lives as long as the dashboard.
    let connected = match cli::connect(&cli.globals).await {
        Ok(c) => c,
        Err(e) => {
            cli::output::error_line("dashboard", &e.to_string());
            return Ok(e.exit() as u8);
        }
    };
    let connection = cli::session::connection_of(&connected);
    let accounts = cli::session::accounts_for_switcher(&connected, &cli.globals);
    let current = connected.account.name.clone();
    let client = connected.client.clone();
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
    )
    .with_accounts(accounts, &current);
    // The runtime keeps the account alive (and closes it when switching away or at exit).
    let logs = connected.logs_client();
    let runtime = Runtime::new(client, Clipboard::detect(), Box::new(std::io::stdout()))
        .with_logs(logs)
        .with_switcher(
            cli::session::connector(&cli.globals),
            Some(Box::new(connected)),
        )
        .with_audit(linq_hooks::audit::default_path());
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
    let app = result.context("dashboard")?;
    // Ended by a signal: 128 + its number, as a shell reports it (the terminal is restored
    // by now, and the log is flushed before the exit).
    let code = app
        .exit_code
        .and_then(|code| u8::try_from(code).ok())
        .unwrap_or(0);
    // Never dropped: freeing every row one by one is the slowest part of quitting, and the
    // process exits right after this.
    std::mem::forget(app);
    Ok(code)
}
