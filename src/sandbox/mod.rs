//! A local, persistent, Linq-compatible HTTP server (linq-api.md §10).
//!
//! Serves the webhook-subscription endpoints of the Partner API v3 under
//! `/api/partner/v3/...` from a SQLite file. Each API key is its own partner account with its
//! own subscriptions and phone lines; fresh accounts get a demo account (`assets/seed.json`).
//!
//! Module map: `routes` (HTTP surface) → `rules` (request validation) → `store` (SQLite,
//! with `schema` for migrations);
//! `envelope` renders Linq errors and trace ids; `auth` maps keys to accounts; `model` holds
//! the domain types and their JSON; `seed` builds the demo account; `deliver` makes test
//! events, queues their deliveries and runs the worker that sends them (linq-api.md §8),
//! with the sandbox-only `/_sandbox/v1/...` endpoints.
//!
//! Error choices where linq-api.md §11 leaves them open: duplicate `target_url` → 409/2015;
//! non-HTTPS URL, unknown/empty event types, bad routing header → 400/1005; malformed id
//! (or one not UTF-8 once decoded) → 404/2010; unknown endpoint → 404/1005; request target
//! over 8 KiB → 414/1005, headers over 16 KiB → 431/1005; framework rejections keep their
//! status with code 1005 (405) or 1003 (413 body too large). Requests hyper's parser refuses
//! itself get its bare answer (see `envelope::trace`).

mod auth;
mod deliver;
mod demo;
mod envelope;
mod inbox;
mod keys;
mod model;
mod routes;
mod rules;
mod schema;
mod seed;
mod serve;
mod store;

pub use deliver::{parse_retry_scale, DeliveryOptions, MAX_RETRY_SCALE, TARGET_HEADER};
pub use keys::{embedded_key, key_file_of, KEYS_ENV};
pub use store::StoreError;

use auth::{Account, Accounts};
use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use store::Store;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The standalone server's key when none is configured (a public demo key; the embedded
/// sandbox uses a private one, [`embedded_key`]).
pub const DEFAULT_API_KEY: &str = "sandbox";

/// The partner id of the account a key opens: its organisation id for the delivery log
/// (`/api/v1/webhook-logs` wants it as `partner_id`/`org_id`), shown by `doctor` and
/// `profiles`.
pub fn partner_id_for_key(key: &str) -> String {
    Account::for_key(key).partner_id()
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no user data directory could be determined; pass --db PATH")]
    NoDataDir,
    /// Keys are not echoed: the message names the key's position only.
    #[error("API key #{position} is unusable: {reason}")]
    InvalidApiKey {
        position: usize,
        reason: &'static str,
    },
    #[error("at least one API key is required")]
    NoApiKeys,
    #[error("the bundled sandbox seed is invalid: {0}")]
    Seed(String),
    #[error("sandbox server task ended abnormally: {0}")]
    Task(String),
    #[error("cannot read or create the embedded sandbox's key {path}: {source}")]
    KeyFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot print or wait for signals: {0}")]
    Io(std::io::Error),
    /// The delivery worker's HTTP client failed to start.
    #[error("{0}")]
    Delivery(String),
    /// A flag the sandbox cannot honour (a local `--deliver-to`, a `--db` that is not a
    /// database file): the user's to fix, said in one line.
    #[error("{0}")]
    Usage(String),
}

impl SandboxError {
    /// A mistake in what was asked for (exit 2), rather than a failure (exit 1).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            SandboxError::Usage(_)
                | SandboxError::InvalidApiKey { .. }
                | SandboxError::NoApiKeys
                | SandboxError::Store(StoreError::Refused { .. })
        )
    }

    /// A refused database path, named by the flag that gave it.
    pub fn naming_flag(self, flag: &str) -> SandboxError {
        match self {
            SandboxError::Store(StoreError::Refused { path, refused }) => {
                SandboxError::Usage(format!("{flag} {}: {refused}", path.display()))
            }
            other => other,
        }
    }
}

/// `linq-hooks sandbox` options.
#[derive(Debug, Clone, clap::Args)]
pub struct SandboxArgs {
    /// Address to listen on (port 0 picks a free port)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:4010")]
    pub listen: SocketAddr,
    /// SQLite database file [default: sandbox.db in the user data directory]
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// API key to accept; repeat for more. Each key is a separate account [default:
    /// sandbox, a public demo key]. Every user can read a command line: prefer
    /// --api-key-file or LINQ_SANDBOX_API_KEYS (comma separated)
    #[arg(long = "api-key", value_name = "KEY")]
    pub api_keys: Vec<String>,
    /// Read API keys from this file, one per line (blank lines and # comments skipped)
    #[arg(long, value_name = "PATH")]
    pub api_key_file: Option<PathBuf>,
    /// Do not seed fresh accounts with the demo data
    #[arg(long)]
    pub no_seed: bool,
    /// Send every delivery to this URL instead of its target (the target goes in the
    /// X-Linq-Sandbox-Target header)
    #[arg(long, value_name = "URL")]
    pub deliver_to: Option<String>,
    /// Allow deliveries to this machine and private networks (localhost, 127.0.0.0/8,
    /// [::1], 10/8, 192.168/16, link-local, …): --deliver-to, `listen` receivers, and
    /// targets whose name resolves there
    #[arg(long)]
    pub allow_local_targets: bool,
    /// Multiply every retry delay by F (0.01: ten retries within ~15 s)
    #[arg(long, value_name = "F", default_value_t = 1.0, value_parser = parse_retry_scale)]
    pub retry_scale: f64,
}

impl SandboxArgs {
    /// The delivery flags.
    pub fn delivery(&self) -> DeliveryOptions {
        DeliveryOptions {
            deliver_to: self.deliver_to.clone(),
            allow_local_targets: self.allow_local_targets,
            retry_scale: self.retry_scale,
        }
    }
}

/// Shared by every handler. Cloning is cheap (channel sender and `Arc`).
#[derive(Clone)]
pub(crate) struct AppState {
    store: Store,
    accounts: Accounts,
    deliveries: deliver::Deliveries,
}

/// A running sandbox. Dropping it, or awaiting [`SandboxHandle::shutdown`], stops the server
/// gracefully (in-flight requests finish).
#[derive(Debug)]
pub struct SandboxHandle {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), SandboxError>>>,
}

impl SandboxHandle {
    /// The bound address (useful after binding port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, lets in-flight requests finish, and waits until the database file
    /// is closed, so the same file can be reopened right away.
    pub async fn shutdown(mut self) -> Result<(), SandboxError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => task.await.map_err(|e| SandboxError::Task(e.to_string()))?,
            None => Ok(()),
        }
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Starts the sandbox on `addr` with the database at `db`, accepting `keys` (one account
/// each). With `seed`, accounts that are new and empty get the demo data. Returns the API
/// base URL (`http://127.0.0.1:PORT/api/partner`, without `/v3`) and the handle. Delivers
/// with the default [`DeliveryOptions`] (to the target URLs themselves; see [`spawn_with`]).
pub async fn spawn(
    addr: SocketAddr,
    db: PathBuf,
    keys: Vec<String>,
    seed: bool,
) -> Result<(String, SandboxHandle), SandboxError> {
    spawn_with(addr, db, keys, seed, DeliveryOptions::default()).await
}

/// [`spawn`] with delivery options (`--deliver-to`, `--allow-local-targets`,
/// `--retry-scale`). The delivery worker starts with the server and stops with it.
pub async fn spawn_with(
    addr: SocketAddr,
    db: PathBuf,
    keys: Vec<String>,
    seed: bool,
    delivery: DeliveryOptions,
) -> Result<(String, SandboxHandle), SandboxError> {
    let keys = checked_keys(keys)?;
    let accounts = keys
        .into_iter()
        .map(|key| {
            let account = Account::for_key(&key);
            (key, account)
        })
        .collect();
    start(addr, db, accounts, seed, delivery).await
}

/// The embedded sandbox of the dashboard and the commands: seeded, and opened only by its
/// private key ([`embedded_key`], returned with the base URL). The key opens the account
/// the public demo key used to open, so subscriptions made before keep their place; the
/// demo key itself opens nothing here.
pub async fn spawn_embedded(
    addr: SocketAddr,
    db: PathBuf,
    delivery: DeliveryOptions,
) -> Result<(String, String, SandboxHandle), SandboxError> {
    // The database path is verified before a key file is made beside it.
    schema::check_path(&db)?;
    let key = embedded_key(&db)?;
    let key = checked_keys(vec![key])?.remove(0);
    let account = Account::for_key(DEFAULT_API_KEY);
    let (base_url, handle) = start(addr, db, vec![(key.clone(), account)], true, delivery).await?;
    Ok((base_url, key, handle))
}

async fn start(
    addr: SocketAddr,
    db: PathBuf,
    accounts: Vec<(String, Account)>,
    seed: bool,
    delivery: DeliveryOptions,
) -> Result<(String, SandboxHandle), SandboxError> {
    delivery.check()?;
    delivery.check_resolved().await?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| SandboxError::Bind { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| SandboxError::Bind { addr, source })?;

    let (store, store_thread) = Store::open(db).await?;
    for (_, account) in &accounts {
        let demo = if seed {
            Some(seed::demo_account().map_err(SandboxError::Seed)?)
        } else {
            None
        };
        if store.ensure_account(account.id(), demo).await? {
            tracing::info!("seeded a fresh sandbox account with demo data");
        }
    }

    let deliveries = deliver::Deliveries::new(delivery);
    let worker = deliver::Worker::start(store.clone(), deliveries.clone())?;
    let app = routes::router(AppState {
        store,
        accounts: Accounts::of(
            accounts
                .iter()
                .map(|(key, account)| (key.as_str(), account.clone())),
        ),
        deliveries,
    });
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        // A dropped handle counts as a stop request too.
        serve::serve(listener, app, async move {
            let _ = stopped.await;
        })
        .await;
        // The worker holds the last `Store` clone besides the router's (gone now).
        worker.stop().await;
        // Every `Store` clone is gone: the database thread now closes the file; wait for
        // that.
        store_thread.join().await;
        Ok(())
    });
    let base_url = format!("http://{}/api/partner", reachable(local));
    Ok((
        base_url,
        SandboxHandle {
            addr: local,
            stop: Some(stop),
            task: Some(task),
        },
    ))
}

/// `linq-hooks sandbox`: runs until Ctrl-C or SIGTERM. Prints one line on stdout once it
/// listens.
pub async fn serve(args: SandboxArgs) -> Result<(), SandboxError> {
    let delivery = args.delivery();
    // A missing parent of `--db` is created 0700 when the store opens the file.
    let db = match args.db {
        Some(path) => path,
        None => default_db_path()?,
    };
    let keys = keys::gather(
        &args.api_keys,
        args.api_key_file.as_deref(),
        std::env::var(KEYS_ENV).ok(),
    )?;
    let keys = checked_keys(keys)?;
    let (base_url, handle) = spawn_with(args.listen, db, keys.clone(), !args.no_seed, delivery)
        .await
        .map_err(|e| e.naming_flag("--db"))?;
    if let Some(warning) = keys::exposure_warning(handle.local_addr(), &keys) {
        eprintln!("linq-hooks: sandbox: {warning}");
    }
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{}", banner(handle.local_addr(), &base_url, &keys))
            .and_then(|()| stdout.flush())
            .map_err(SandboxError::Io)?;
    }
    shutdown_signal().await?;
    handle.shutdown().await
}

/// `sandbox.db` in the user data directory (created if missing).
pub fn default_db_path() -> Result<PathBuf, SandboxError> {
    let dir = crate::private_files::data_dir().map_err(|_| SandboxError::NoDataDir)?;
    Ok(dir.join("sandbox.db"))
}

/// The line printed once the sandbox listens: the address it is bound to, and for a
/// wildcard bind the URL to use from this machine. Keys are shown as hints (`…2b4d`, the
/// same rule as the client's key hint), except the well-known demo key.
fn banner(bound: SocketAddr, base_url: &str, keys: &[String]) -> String {
    let keys: Vec<String> = keys
        .iter()
        .map(|key| {
            if key == DEFAULT_API_KEY {
                key.clone()
            } else {
                crate::api::ApiKey::new(key.as_str()).hint()
            }
        })
        .collect();
    let keys = keys.join(", ");
    if bound.ip().is_unspecified() {
        let every = if bound.is_ipv4() {
            "every IPv4 interface"
        } else {
            "every interface"
        };
        return format!(
            "linq-hooks sandbox listening on {bound}, {every} (from this machine: \
             {base_url}) (api keys: {keys})"
        );
    }
    format!("linq-hooks sandbox listening on {base_url} (api keys: {keys})")
}

/// Keys must travel in a `Bearer` header: visible ASCII, no spaces. Duplicates are dropped.
fn checked_keys(keys: Vec<String>) -> Result<Vec<String>, SandboxError> {
    let mut unique: Vec<String> = Vec::with_capacity(keys.len());
    for (index, key) in keys.into_iter().enumerate() {
        let position = index + 1;
        if key.is_empty() {
            return Err(SandboxError::InvalidApiKey {
                position,
                reason: "it is empty",
            });
        }
        if !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(SandboxError::InvalidApiKey {
                position,
                reason: "only visible ASCII characters without spaces are allowed",
            });
        }
        if !unique.contains(&key) {
            unique.push(key);
        }
    }
    if unique.is_empty() {
        return Err(SandboxError::NoApiKeys);
    }
    Ok(unique)
}

/// A bound wildcard address is not something a client can dial: use loopback instead.
fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => (Ipv4Addr::LOCALHOST, addr.port()).into(),
        IpAddr::V6(ip) if ip.is_unspecified() => (Ipv6Addr::LOCALHOST, addr.port()).into(),
        _ => addr,
    }
}

async fn shutdown_signal() -> Result<(), SandboxError> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut terminate = signal(SignalKind::terminate()).map_err(SandboxError::Io)?;
        tokio::select! {
            interrupted = tokio::signal::ctrl_c() => interrupted.map_err(SandboxError::Io),
            _ = terminate.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.map_err(SandboxError::Io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_checked_and_deduplicated() {
        let keys = checked_keys(vec!["a".into(), "b".into(), "a".into()]).expect("valid");
        assert_eq!(keys, ["a", "b"]);
        assert!(checked_keys(vec![]).is_err());
        assert!(checked_keys(vec!["".into()]).is_err());
        assert!(checked_keys(vec!["has space".into()]).is_err());
    }

    #[test]
    fn banner_shows_only_key_hints() {
        let base = "http://127.0.0.1:4010/api/partner";
        let keys = vec![
            DEFAULT_API_KEY.to_owned(),
            "sk_live_0123456789abcdef2b4d".to_owned(),
            "short".to_owned(),
        ];
        let lo: SocketAddr = "127.0.0.1:4010".parse().expect("addr");
        assert_eq!(
            banner(lo, base, &keys),
            "linq-hooks sandbox listening on http://127.0.0.1:4010/api/partner \
             (api keys: sandbox, …2b4d, …)"
        );
    }

    #[test]
    fn a_wildcard_bind_is_printed_as_bound() {
        let any: SocketAddr = "0.0.0.0:4010".parse().expect("addr");
        let base = format!("http://{}/api/partner", reachable(any));
        assert_eq!(
            banner(any, &base, &["sandbox".into()]),
            "linq-hooks sandbox listening on 0.0.0.0:4010, every IPv4 interface (from this \
             machine: http://127.0.0.1:4010/api/partner) (api keys: sandbox)"
        );
    }

    #[test]
    fn wildcard_binds_report_loopback() {
        let any: SocketAddr = "0.0.0.0:4010".parse().expect("addr");
        assert_eq!(reachable(any).to_string(), "127.0.0.1:4010");
        let any6: SocketAddr = "[::]:4010".parse().expect("addr");
        assert_eq!(reachable(any6).to_string(), "[::1]:4010");
    }
}
