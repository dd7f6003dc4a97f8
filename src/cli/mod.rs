//! The headless commands (`list`, `get`, `create`, `update`, `pause`, `resume`, `delete`,
//! `events`, `phones`): one request or a few, then exit, for scripts; and `listen`, which
//! receives the sandbox's deliveries until Ctrl-C. They share the
//! dashboard's client, account resolution and validators; everything they print goes
//! through [`output`].

pub mod account;
pub mod bulk;
pub mod fleet;
pub mod history;
pub mod lifecycle;
mod lifecycle_files;
pub mod listen;
pub mod logs;
pub mod output;
mod plan_out;
pub mod probe;
pub mod read;
pub mod rotate;
pub mod secret_out;
pub mod session;
pub mod verify;
pub mod write;

use crate::api::{ApiError, ApiKey, ClientConfig, LinqClient, Subscription};
use crate::app::{view, Tab};
use crate::config::{AccountEntry, Accounts, Choice, ConfigError, Resolved, Target};
use crate::evidence::logs::{LogsAccess, LogsClient, LogsError};
use crate::sandbox::{self, SandboxError, SandboxHandle};
use output::Exit;
use std::path::PathBuf;
use std::time::Duration;

/// The upper bound of `--timeout` and `--refresh` (a day): larger values overflow `Instant`.
pub const MAX_SECS: u64 = 86_400;

/// Flags that apply to the dashboard and to every command.
#[derive(Debug, Clone, clap::Args)]
pub struct Globals {
    /// The account: a profile of the config file, linq-cli:<name>, environment or sandbox.
    /// `find` and `list` take it more than once (several accounts).
    #[arg(long = "profile", global = true, value_name = "NAME", env = "LINQ_HOOKS_PROFILE",
          action = clap::ArgAction::Append)]
    pub profiles: Vec<String>,
    /// API base URL, e.g. https://api.linqapp.com/api/partner [env: LINQ_API_V3_BASE_URL]
    #[arg(long, global = true, value_name = "URL")]
    pub base_url: Option<String>,
    /// Use the embedded sandbox even when an API key is set.
    #[arg(long, global = true)]
    pub sandbox: bool,
    /// The embedded sandbox's database (default: sandbox.db in the user data dir).
    #[arg(long, global = true, value_name = "PATH")]
    pub sandbox_db: Option<PathBuf>,
    /// No pause, delete or other writes at all.
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Per-request timeout in seconds (1 to 86400).
    #[arg(long, global = true, default_value_t = 30, value_name = "SECS",
          value_parser = clap::value_parser!(u64).range(1..=MAX_SECS))]
    pub timeout: u64,
}

/// The headless commands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// List the account's subscriptions (active and paused).
    List(read::ListArgs),
    /// Show one subscription.
    Get(read::GetArgs),
    /// Create a subscription; prints its one-time signing secret.
    Create(write::CreateArgs),
    /// Change a subscription's URL, events or phone filter (sends only what changes).
    Update(write::UpdateArgs),
    /// Pause subscriptions (no deliveries until resumed).
    Pause(bulk::BulkArgs),
    /// Resume paused subscriptions.
    Resume(bulk::BulkArgs),
    /// Delete subscriptions.
    Delete(bulk::BulkArgs),
    /// List the event types the API accepts.
    Events(read::JsonArgs),
    /// List the account's phone lines.
    Phones(read::JsonArgs),
    /// List every account: config profiles, the official CLI's, the environment, the sandbox.
    Profiles(account::ProfilesArgs),
    /// Check the account: config, key, reachability, the key accepted, the clock.
    Doctor(account::DoctorArgs),
    /// The audit trail: every change linq-hooks made on the account, newest first.
    History(history::HistoryArgs),
    /// Replace a subscription's signing secret: start (a twin with a new secret), --finish,
    /// --abort, --status.
    Rotate(rotate::RotateArgs),
    /// Receive the sandbox's deliveries here: check, print and forward each (sandbox only).
    Listen(listen::ListenArgs),
    /// Linq's delivery log of a subscription: what each attempt got back (experimental).
    Logs(logs::LogsArgs),
    /// Find subscriptions across accounts: by id prefix, URL or host, phone, event type.
    Find(fleet::FindArgs),
    /// Probe the endpoint from this machine: DNS, connect, TLS, HEAD; --send adds a signed
    /// test delivery. Exit 1 when a finding is an error.
    Probe(probe::ProbeArgs),
    /// The account's subscriptions as a file (TOML or JSON), sorted to diff well. No secret.
    Export(lifecycle::ExportArgs),
    /// What applying a subscriptions file would change: create, update (field by field),
    /// delete (--prune) or keep.
    Plan(lifecycle::PlanArgs),
    /// Make the account match a subscriptions file: shows the plan, asks, applies.
    Apply(lifecycle::ApplyArgs),
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Command::List(_) => "list",
            Command::Get(_) => "get",
            Command::Create(_) => "create",
            Command::Update(_) => "update",
            Command::Pause(_) => "pause",
            Command::Resume(_) => "resume",
            Command::Delete(_) => "delete",
            Command::Events(_) => "events",
            Command::Phones(_) => "phones",
            Command::Profiles(_) => "profiles",
            Command::Doctor(_) => "doctor",
            Command::History(_) => "history",
            Command::Listen(_) => "listen",
            Command::Rotate(_) => "rotate",
            Command::Logs(_) => "logs",
            Command::Find(_) => "find",
            Command::Probe(_) => "probe",
            Command::Export(_) => "export",
            Command::Plan(_) => "plan",
            Command::Apply(_) => "apply",
        }
    }

    fn json(&self) -> bool {
        match self {
            Command::List(a) => a.json,
            Command::Get(a) => a.json,
            Command::Create(a) => a.json,
            Command::Update(a) => a.json,
            Command::Pause(a) | Command::Resume(a) | Command::Delete(a) => a.json,
            Command::Events(a) | Command::Phones(a) => a.json,
            Command::Profiles(a) => a.json,
            Command::Doctor(a) => a.json,
            Command::History(a) => a.json,
            Command::Listen(a) => a.json,
            Command::Rotate(a) => a.json,
            Command::Logs(a) => a.json,
            Command::Find(a) => a.json,
            Command::Probe(a) => a.json,
            Command::Plan(a) => a.json,
            Command::Export(_) | Command::Apply(_) => false,
        }
    }

    fn writes(&self) -> bool {
        match self {
            Command::Create(_) | Command::Update(_) => true,
            Command::Pause(a) | Command::Resume(a) | Command::Delete(a) => !a.dry_run,
            Command::Rotate(a) => a.writes(),
            Command::Apply(a) => !a.dry_run,
            // A real POST to the customer's endpoint: an event their system acts on.
            Command::Probe(a) => a.send,
            _ => false,
        }
    }
}

/// How a command failed, and so its exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Usage or local validation (exit 2).
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The API or the network (exit 1).
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error("the embedded sandbox: {0}")]
    Sandbox(#[from] SandboxError),
    /// The delivery log could not be read (exit 1).
    #[error("cannot read the delivery log: {0}")]
    Logs(#[from] LogsError),
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    /// The command has already said everything on stderr (a lost create, failed items).
    #[error("")]
    Reported(Exit),
    /// stdout was closed under us (`| head`): stop quietly.
    #[error("stdout closed")]
    BrokenPipe,
}

impl CliError {
    pub fn exit(&self) -> Exit {
        match self {
            CliError::Usage(_) | CliError::Config(_) => Exit::Usage,
            // The only local `InvalidRequest`s: a key with characters no header can carry.
            CliError::Api(ApiError::InvalidRequest(_)) => Exit::Usage,
            CliError::Api(_) | CliError::Sandbox(_) | CliError::Logs(_) | CliError::Io { .. } => {
                Exit::Failed
            }
            CliError::Reported(exit) => *exit,
            CliError::BrokenPipe => Exit::Ok,
        }
    }
}

/// A client for the resolved account, and the embedded sandbox when that is the target.
pub struct Connected {
    pub client: LinqClient,
    pub base_url: String,
    pub sandbox: bool,
    /// `…abcd` of a real key, never the key.
    pub key_hint: Option<String>,
    /// The embedded sandbox's database, when one runs in-process.
    pub sandbox_db: Option<PathBuf>,
    /// Which account this is: name, label, colour, read-only.
    pub account: AccountEntry,
    /// Where the account's delivery log is, and its organisation id.
    pub logs: LogsAccess,
    /// The key, for the delivery log's client (never printed).
    key: ApiKey,
    embedded: Option<SandboxHandle>,
}

impl Connected {
    /// A client of the account's delivery log (linq-api.md §12).
    pub fn logs_client(&self) -> Result<LogsClient, LogsError> {
        LogsClient::new(&self.logs, &self.key)
    }

    /// Appends a change to the audit trail; a failure is a warning on stderr, never an
    /// error of the command (the change happened).
    pub fn audit(&self, entry: crate::audit::AuditEntry) {
        if let Err(reason) = crate::audit::record(&entry) {
            output::note(&format!("not recorded in the audit trail: {reason}"));
        }
    }

    /// A new audit line for this account, from the command line.
    pub fn audit_entry(
        &self,
        operation: &str,
        id: &str,
        target_url: &str,
    ) -> crate::audit::AuditEntry {
        let account = self.audit_account();
        crate::audit::AuditEntry::new(&account, operation, "cli", time::OffsetDateTime::now_utc())
            .on(id, target_url)
    }

    /// This account as the audit trail names it (never the key).
    pub fn audit_account(&self) -> crate::audit::AuditAccount {
        crate::audit::AuditAccount {
            name: self.account.name.clone(),
            key_hint: self.key_hint.clone(),
            host: crate::config::host_of(&self.base_url),
        }
    }

    /// Stops the embedded sandbox (if any) and waits for its database to close.
    pub async fn close(self) {
        if let Some(handle) = self.embedded {
            if let Err(e) = handle.shutdown().await {
                tracing::warn!(error = %e, "embedded sandbox shutdown");
            }
        }
    }
}

impl Globals {
    /// The one `--profile` of a single-account command or the dashboard.
    pub fn profile(&self) -> Result<Option<&str>, ConfigError> {
        match self.profiles.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(one.as_str())),
            many => Err(ConfigError::SeveralProfiles(many.join(", "))),
        }
    }
}

/// The flags' account choice (one account: `--profile` at most once).
pub fn choice(globals: &Globals) -> Result<Choice, ConfigError> {
    Ok(Choice {
        profile: globals.profile()?.map(str::to_string),
        base_url: globals.base_url.clone(),
        sandbox: globals.sandbox,
        read_only: globals.read_only,
    })
}

/// The process environment, as the account resolution reads it.
pub fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Which account to talk to: the config file, the official CLI's profiles, the flags and
/// the environment, in the order `config` documents — the same for the dashboard and
/// every command. Reads the key (a key command runs here).
pub fn resolve_account(globals: &Globals) -> Result<Resolved, ConfigError> {
    let accounts = Accounts::load_default()?;
    accounts
        .choose(&choice(globals)?, &env_var)?
        .resolve(&env_var)
}

/// Resolves the account and builds its client; without a key, starts the embedded sandbox
/// on 127.0.0.1 (port chosen by the system) with the seeded default database.
pub async fn connect(globals: &Globals) -> Result<Connected, CliError> {
    let resolved = resolve_account(globals)?;
    connect_resolved(resolved, globals.sandbox_db.clone(), globals.timeout).await
}

/// Builds the client of an account whose key is read (the dashboard's switcher comes
/// here too).
pub async fn connect_resolved(
    resolved: Resolved,
    sandbox_db: Option<PathBuf>,
    timeout_secs: u64,
) -> Result<Connected, CliError> {
    let Resolved { entry, target } = resolved;
    let (base_url, key, key_hint, embedded, sandbox_db) = match target {
        Target::Remote {
            base_url,
            key,
            key_source,
        } => {
            tracing::info!(%base_url, key = %key.hint(), key_source, account = %entry.name, "connecting");
            let hint = key.hint();
            (base_url, key, Some(hint), None, None)
        }
        Target::Sandbox => {
            let db = match sandbox_db {
                Some(p) => p,
                None => sandbox::default_db_path()?,
            };
            let loopback = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
            // Local receivers allowed: it serves only this machine, and `listen` (in this
            // process or another one on the same database) registers one.
            let delivery = sandbox::DeliveryOptions {
                allow_local_targets: true,
                ..sandbox::DeliveryOptions::default()
            };
            // A private key (not the public demo key): other users of this machine can
            // reach the port, not the data.
            let usage = |e: SandboxError| match e.naming_flag("--sandbox-db") {
                SandboxError::Usage(message) => CliError::Usage(message),
                other => CliError::Sandbox(other),
            };
            let (base_url, key, handle) = sandbox::spawn_embedded(loopback, db.clone(), delivery)
                .await
                .map_err(usage)?;
            tracing::info!(%base_url, db = %db.display(), "embedded sandbox");
            let key = ApiKey::new(key.as_str());
            (base_url, key, None, Some(handle), Some(db))
        }
    };
    let logs = entry.logs_access(&base_url);
    let mut client_config = ClientConfig::new(base_url.clone(), key.clone());
    client_config.request_timeout = Duration::from_secs(timeout_secs);
    let client = LinqClient::new(client_config)?;
    Ok(Connected {
        client,
        base_url,
        sandbox: embedded.is_some(),
        key_hint,
        sandbox_db,
        account: entry,
        logs,
        key,
        embedded,
    })
}

/// Runs one command to completion and returns the process exit code.
pub fn run(globals: &Globals, command: Command) -> u8 {
    let name = command.name();
    let json = command.json();
    let command_kind = match &command {
        Command::Plan(a) => Some(a.detailed_exitcode),
        _ => None,
    };
    // A command logs only when asked: no file, no writer thread on the fast path.
    let _log = std::env::var_os("LINQ_HOOKS_LOG")
        .is_some()
        .then(|| crate::logging::init("cli"))
        .flatten();
    let result = if globals.read_only && command.writes() {
        Err(CliError::Usage(if matches!(command, Command::Probe(_)) {
            "--read-only: probe --send would POST a test delivery to the customer's endpoint \
             (probe without --send only reads)"
                .to_string()
        } else {
            format!(
                "--read-only: {name} would change the account (--dry-run shows what it would do)"
            )
        }))
    } else if let Err(e) = check(&command) {
        // What can be checked without the network is, before connecting.
        Err(e)
    } else {
        match command {
            // No network: the account list from files alone.
            Command::Profiles(args) => account::profiles(globals, &args),
            Command::History(args) => history::run(globals, &args),
            command => {
                // One thread: a command makes a few requests; a second thread only costs
                // start-up.
                match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => {
                        // Ctrl-C must not cut a change off unrecorded (see `interrupt`).
                        let _enter = rt.enter();
                        if command.writes() {
                            crate::interrupt::listen();
                        }
                        match command {
                            Command::Doctor(args) => {
                                rt.block_on(account::doctor_command(globals, &args))
                            }
                            // Many accounts: each connects by itself.
                            Command::Find(args) => rt.block_on(fleet::find(globals, &args)),
                            Command::List(args)
                                if args.all_profiles || globals.profiles.len() > 1 =>
                            {
                                rt.block_on(fleet::list_all(globals, args.all_profiles, args.json))
                            }
                            // A URL needs no account; an id or --all connects itself.
                            Command::Probe(args) => rt.block_on(probe::run(globals, &args)),
                            command => rt.block_on(connect_and_run(globals, command)),
                        }
                    }
                    Err(source) => Err(CliError::Io {
                        what: "starting the async runtime".into(),
                        source,
                    }),
                }
            }
        }
    };
    // `plan --detailed-exitcode`: 0 no changes, 3 changes, 1 any error (usage too).
    let detailed = matches!(&command_kind, Some(true));
    match result {
        Ok(()) => Exit::Ok as u8,
        Err(e) => {
            output::report(name, &e, json);
            match e.exit() {
                Exit::Usage if detailed => Exit::Failed as u8,
                exit => exit as u8,
            }
        }
    }
}

/// The local checks of a command (ids, URLs, numbers, header names).
fn check(command: &Command) -> Result<(), CliError> {
    match command {
        Command::Get(a) => check_id(&a.id),
        Command::Create(a) => write::check_create(a),
        Command::Update(a) => write::check_update(a),
        Command::Pause(a) | Command::Resume(a) | Command::Delete(a) => bulk::check(a),
        Command::Listen(a) => listen::check(a),
        Command::Rotate(a) => rotate::check(a),
        Command::Logs(a) => logs::check(a),
        Command::List(_)
        | Command::Events(_)
        | Command::Phones(_)
        | Command::Profiles(_)
        | Command::Doctor(_)
        | Command::Find(_)
        | Command::Probe(_)
        | Command::History(_)
        | Command::Export(_)
        | Command::Plan(_)
        | Command::Apply(_) => Ok(()),
    }
}

async fn connect_and_run(globals: &Globals, command: Command) -> Result<(), CliError> {
    let connected = connect(globals).await?;
    if connected.sandbox && !globals.sandbox && globals.profiles.is_empty() {
        // Without this, `list` on a machine with no key looks like an account's real list.
        let db = connected
            .sandbox_db
            .as_deref()
            .map(|p| p.display().to_string());
        output::note(&format!(
            "no API key (LINQ_API_V3_API_KEY): using the embedded sandbox ({})",
            db.unwrap_or_default()
        ));
    }
    let result = dispatch(&connected, command).await;
    connected.close().await;
    result
}

async fn dispatch(c: &Connected, command: Command) -> Result<(), CliError> {
    match command {
        Command::List(args) => read::list(c, &args).await,
        Command::Get(args) => read::get(c, &args).await,
        Command::Events(args) => read::events(c, &args).await,
        Command::Phones(args) => read::phones(c, &args).await,
        Command::Create(args) => write::create(c, &args).await,
        Command::Update(args) => write::update(c, &args).await,
        Command::Pause(args) => bulk::run(c, bulk::Action::Pause, &args).await,
        Command::Resume(args) => bulk::run(c, bulk::Action::Resume, &args).await,
        Command::Delete(args) => bulk::run(c, bulk::Action::Delete, &args).await,
        Command::Listen(args) => listen::run(c, &args).await,
        Command::Rotate(args) => rotate::run(c, &args).await,
        Command::Logs(args) => logs::run(c, &args).await,
        Command::Export(args) => lifecycle::export(c, &args).await,
        Command::Plan(args) => lifecycle::plan_command(c, &args).await,
        Command::Apply(args) => lifecycle::apply_command(c, &args).await,
        // Run before connecting (they handle accounts themselves).
        Command::Profiles(_)
        | Command::Doctor(_)
        | Command::History(_)
        | Command::Find(_)
        | Command::Probe(_) => Ok(()),
    }
}

/// The rows the dashboard would show with this tab and `/` filter: the same code
/// (`app::view`), with the same cached search text.
pub fn matching(subs: &[Subscription], tab: Tab, filter: &str) -> Vec<usize> {
    let search: Vec<String> = subs.iter().map(view::search_text).collect();
    view::visible_rows(subs, &search, tab, filter, &[])
}

/// A subscription id given on the command line: the shape check of `validate`.
pub fn check_id(id: &str) -> Result<(), CliError> {
    if crate::validate::is_subscription_id(id) {
        Ok(())
    } else {
        Err(CliError::Usage(format!(
            "{:?} is not a subscription id (8-4-4-4-12 hex, as `linq-hooks list` shows)",
            crate::text::clean(id)
        )))
    }
}

/// Typed views of raw objects, for tables and filtering; the raw text stays the output.
pub fn parse_subscriptions(
    raw: &[&serde_json::value::RawValue],
) -> Result<Vec<Subscription>, CliError> {
    raw.iter().map(|r| parse_subscription(r)).collect()
}

pub fn parse_subscription(raw: &serde_json::value::RawValue) -> Result<Subscription, CliError> {
    serde_json::from_str(raw.get()).map_err(|e| {
        CliError::Api(ApiError::Decode {
            status: 200,
            detail: e.to_string(),
            trace_id: None,
        })
    })
}
