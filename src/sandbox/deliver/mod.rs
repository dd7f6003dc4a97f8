//! Webhook delivery (linq-api.md §8): the queue and the worker. It reads the store, never
//! the client.
//!
//! `POST /_sandbox/v1/events` renders the event and queues its deliveries in SQLite
//! (`queue`); the worker claims due rows, POSTs each one signed with both header sets,
//! stores every attempt and schedules retries (`schedule`). The queue is the table: the
//! worker holds at most [`MAX_IN_FLIGHT`] deliveries in memory, wakes when an event is
//! queued or the next retry falls due, and on start picks up whatever is due — pending
//! retries survive a restart.

mod attempt;
pub(crate) mod logs;
mod prune;
pub(crate) mod queue;
pub(crate) mod records;
mod resolve;
pub(crate) mod routes;
pub(crate) mod schedule;

use super::model::{now_millis, Millis};
use super::store::Store;
use super::SandboxError;
use crate::text::clean;
use attempt::attempt;
use queue::AttemptRecord;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot, Notify};
use tokio::task::JoinSet;
use url::{Host, Url};

/// Deliveries in flight at once.
pub(crate) const MAX_IN_FLIGHT: usize = 8;
/// A receiver gets this long to answer (linq-api.md §8.7).
pub(crate) const TIMEOUT: Duration = Duration::from_secs(10);
/// A claimed row is another worker's again after this long (well over [`TIMEOUT`]).
const LEASE: Duration = Duration::from_secs(60);
/// After a failed database call the worker tries again this much later.
const AFTER_ERROR: Duration = Duration::from_secs(2);

/// Names the sandbox in every delivery.
pub(crate) const DELIVERY_USER_AGENT: &str = concat!(
    "linq-hooks-sandbox/",
    env!("CARGO_PKG_VERSION"),
    " (webhook delivery)"
);
/// Carries a delivery's real target when it went to `--deliver-to` or a `listen` receiver.
pub const TARGET_HEADER: &str = "X-Linq-Sandbox-Target";

/// How the sandbox delivers (the `sandbox` command's delivery flags).
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryOptions {
    /// Every delivery goes here instead of its target URL.
    pub deliver_to: Option<String>,
    /// Deliveries may go to this machine and private networks (`--deliver-to`, `listen`,
    /// targets): see [`resolve::is_local_ip`].
    pub allow_local_targets: bool,
    /// Every retry delay is multiplied by this (finite, 0 to [`MAX_RETRY_SCALE`]).
    pub retry_scale: f64,
}

/// The largest `--retry-scale`.
pub const MAX_RETRY_SCALE: f64 = 1000.0;

impl Default for DeliveryOptions {
    fn default() -> Self {
        DeliveryOptions {
            deliver_to: None,
            allow_local_targets: false,
            retry_scale: 1.0,
        }
    }
}

impl DeliveryOptions {
    /// Refuses options the worker could not honour.
    pub(crate) fn check(&self) -> Result<(), SandboxError> {
        if !self.retry_scale.is_finite() || !(0.0..=MAX_RETRY_SCALE).contains(&self.retry_scale) {
            return Err(SandboxError::Usage(format!(
                "--retry-scale must be a number from 0 to {MAX_RETRY_SCALE}"
            )));
        }
        if let Some(raw) = &self.deliver_to {
            let url = Url::parse(raw)
                .map_err(|e| SandboxError::Usage(format!("--deliver-to {:?}: {e}", clean(raw))))?;
            if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
                return Err(SandboxError::Usage(format!(
                    "--deliver-to {:?}: must be an http:// or https:// URL with a host",
                    clean(raw)
                )));
            }
            if is_local(&url) && !self.allow_local_targets {
                return Err(SandboxError::Usage(format!(
                    "--deliver-to {:?} is on this machine or a private network: add --allow-local-targets",
                    clean(raw)
                )));
            }
        }
        Ok(())
    }

    /// [`check`](Self::check) for a `--deliver-to` name: refused when it resolves to a
    /// local address (without `--allow-local-targets`), as every delivery to it would be.
    pub(crate) async fn check_resolved(&self) -> Result<(), SandboxError> {
        let Some(raw) = &self.deliver_to else {
            return Ok(());
        };
        let Some(Host::Domain(name)) = Url::parse(raw)
            .ok()
            .and_then(|u| u.host().map(|h| h.to_owned()))
        else {
            return Ok(());
        };
        let lookup = resolve::system_lookup();
        match resolve::check_deliver_to(&name, self.allow_local_targets, &lookup, TIMEOUT).await {
            Some(local) => Err(SandboxError::Usage(format!(
                "--deliver-to {:?}: {local}: add --allow-local-targets",
                clean(raw)
            ))),
            None => Ok(()),
        }
    }
}

/// The delivery client: deadlines on every step, no redirects, and every name resolved
/// through `resolver` (which refuses local addresses unless they are allowed).
fn client(allow_local: bool, lookup: resolve::Lookup) -> Result<reqwest::Client, SandboxError> {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .connect_timeout(TIMEOUT)
        // Linq does not follow redirects either: a 3xx is the receiver's answer.
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(MAX_IN_FLIGHT)
        .dns_resolver(resolve::CheckedResolver {
            allow_local,
            lookup,
        })
        .build()
        .map_err(|e| SandboxError::Delivery(format!("HTTP client: {e}")))
}

/// Accepts a `--retry-scale` value.
pub fn parse_retry_scale(text: &str) -> Result<f64, String> {
    let scale: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if scale.is_finite() && (0.0..=MAX_RETRY_SCALE).contains(&scale) {
        Ok(scale)
    } else {
        Err(format!("must be from 0 to {MAX_RETRY_SCALE}"))
    }
}

/// A host on this machine or a private network, as far as the URL tells: `localhost` (and
/// `*.localhost`) and local addresses ([`resolve::is_local_ip`]). Other names are checked
/// when they are resolved, at delivery time.
pub(crate) fn is_local(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
        Some(Host::Ipv4(ip)) => resolve::is_local_ip(ip.into()),
        Some(Host::Ipv6(ip)) => resolve::is_local_ip(ip.into()),
        None => false,
    }
}

/// What the handlers share with the worker: the options and the worker's doorbell.
#[derive(Clone)]
pub(crate) struct Deliveries {
    pub(crate) options: Arc<DeliveryOptions>,
    wake: Arc<Notify>,
}

impl Deliveries {
    pub(crate) fn new(options: DeliveryOptions) -> Self {
        Deliveries {
            options: Arc::new(options),
            wake: Arc::new(Notify::new()),
        }
    }

    /// New rows are queued: the worker looks now rather than at its next poll.
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }
}

/// The running worker; [`Worker::stop`] ends it.
///
/// It runs on a thread of its own with its own single-threaded runtime, at a lower CPU
/// priority than the server: during a burst, signing and sending deliveries takes whatever
/// CPU the API requests leave, so a list answers about as fast as on an idle sandbox.
pub(crate) struct Worker {
    stop: oneshot::Sender<()>,
    done: oneshot::Receiver<()>,
    thread: std::thread::JoinHandle<()>,
    /// Answers the demo account's test events as their stories say.
    _demo: Option<super::demo::DemoReceiver>,
}

/// The delivery thread's nice value (0 is the server's, 19 the lowest): well below the API,
/// not so low that a machine busy with other work starves the deliveries.
const NICE: i32 = 10;

impl Worker {
    pub(crate) fn start(store: Store, deliveries: Deliveries) -> Result<Worker, SandboxError> {
        let http = client(
            deliveries.options.allow_local_targets,
            resolve::system_lookup(),
        )?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| SandboxError::Delivery(format!("delivery runtime: {e}")))?;
        // On the server's runtime: it answers like any receiver, whatever the worker does.
        let demo = match super::demo::DemoReceiver::start() {
            Ok(receiver) => Some(receiver),
            Err(e) => {
                tracing::warn!(error = %e, "no demo receiver: demo test events go to their targets");
                None
            }
        };
        let demo_url: Option<Arc<str>> = demo.as_ref().map(|d| Arc::from(d.url.as_str()));
        let (stop, stopped) = oneshot::channel();
        let (finished, done) = oneshot::channel();
        let thread = std::thread::Builder::new()
            .name("sandbox-deliver".into())
            .spawn(move || {
                lower_this_threads_priority();
                runtime.block_on(run(store, deliveries, http, demo_url, stopped));
                let _ = finished.send(());
            })
            .map_err(|e| SandboxError::Delivery(format!("delivery thread: {e}")))?;
        Ok(Worker {
            stop,
            done,
            thread,
            _demo: demo,
        })
    }

    /// Cuts attempts in flight short (their rows are released, due at once) and waits.
    pub(crate) async fn stop(self) {
        let _ = self.stop.send(());
        if self.done.await.is_err() {
            tracing::error!("delivery worker ended abnormally");
        }
        // It has finished its work; joining only reaps the thread.
        let thread = self.thread;
        if let Err(e) = tokio::task::spawn_blocking(move || thread.join()).await {
            tracing::warn!(error = %e, "joining the delivery thread");
        }
    }
}

/// Gives the calling thread (only it: on Linux the nice value is per thread) the nice value
/// [`NICE`]. Best effort: where it fails the worker runs at normal priority.
#[cfg(target_os = "linux")]
fn lower_this_threads_priority() {
    extern "C" {
        fn setpriority(
            which: std::os::raw::c_int,
            who: std::os::raw::c_uint,
            prio: std::os::raw::c_int,
        ) -> std::os::raw::c_int;
    }
    /// `PRIO_PROCESS` in sys/resource.h; with `who` 0 Linux applies it to the calling thread.
    const PRIO_PROCESS: std::os::raw::c_int = 0;
    // SAFETY: setpriority takes no pointers; it changes only this thread's scheduling weight.
    let result = unsafe { setpriority(PRIO_PROCESS, 0, NICE) };
    if result != 0 {
        tracing::debug!(error = %std::io::Error::last_os_error(), "delivery thread priority");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_this_threads_priority() {}

async fn run(
    store: Store,
    deliveries: Deliveries,
    http: reqwest::Client,
    demo_url: Option<Arc<str>>,
    mut stopped: oneshot::Receiver<()>,
) {
    let owner = format!("{:032x}", rand::random::<u128>());
    let mut in_flight: JoinSet<()> = JoinSet::new();
    // Finished attempts come back here and are stored with the next claim, in one
    // transaction. Bounded: at most MAX_IN_FLIGHT attempts run, each sends one record.
    let (finished_tx, mut finished_rx) = mpsc::channel::<AttemptRecord>(MAX_IN_FLIGHT);
    let mut running = 0usize;
    let mut finished: Vec<AttemptRecord> = Vec::new();
    let mut pruned_at: Option<Instant> = None;
    loop {
        // History stays bounded; it only grows while events come, when this loop runs.
        if pruned_at.is_none_or(|at| at.elapsed() >= prune::PRUNE_EVERY) {
            pruned_at = Some(Instant::now());
            let keep = (prune::KEEP_FOR, prune::KEEP_EVENTS, prune::KEEP_ATTEMPTS);
            match store.prune(now_millis(), keep.0, keep.1, keep.2).await {
                Ok(pruned) if pruned != prune::Pruned::default() => {
                    tracing::info!(?pruned, "old delivery history pruned");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "cannot prune the delivery history"),
            }
        }
        while in_flight.try_join_next().is_some() {}
        while let Ok(record) = finished_rx.try_recv() {
            finished.push(record);
        }
        running -= finished.len().min(running);
        // No timer without pending rows: an idle sandbox (the dashboard's embedded one)
        // sleeps until an event is queued. Each process delivers what it queues; rows
        // another process on the same file left behind are due at a time found here, or
        // picked up when a sandbox starts.
        let mut wake_at: Option<Instant> = None;
        let free = MAX_IN_FLIGHT - running;
        if free > 0 || !finished.is_empty() {
            let now = now_millis();
            let lease_until = now + LEASE.as_millis() as Millis;
            let batch = std::mem::take(&mut finished);
            match store
                .settle(owner.clone(), batch, now, free, lease_until)
                .await
            {
                Ok((claimed, next_due)) => {
                    for job in claimed {
                        running += 1;
                        let http = http.clone();
                        let options = Arc::clone(&deliveries.options);
                        let finished_tx = finished_tx.clone();
                        let demo_url = demo_url.clone();
                        in_flight.spawn(async move {
                            let record = attempt(&http, &options, demo_url.as_deref(), job).await;
                            let _ = finished_tx.send(record).await;
                        });
                    }
                    if let Some(due) = next_due {
                        let wait = u64::try_from(due - now_millis()).unwrap_or(0);
                        wake_at = Some(Instant::now() + Duration::from_millis(wait));
                    }
                }
                // The batch is lost with the transaction; its rows come back when their
                // leases expire, and are sent again (at least once, as Linq promises).
                Err(e) => {
                    tracing::error!(error = %e, "cannot use the delivery queue");
                    wake_at = Some(Instant::now() + AFTER_ERROR);
                }
            }
        }
        if running == MAX_IN_FLIGHT {
            // Nothing can be claimed before an attempt finishes.
            wake_at = None;
        }
        let timer = async move {
            match wake_at {
                Some(at) => tokio::time::sleep_until(at.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = &mut stopped => break,
            _ = deliveries.wake.notified() => {}
            Some(record) = finished_rx.recv() => finished.push(record),
            _ = timer => {}
        }
    }
    in_flight.shutdown().await;
    while let Ok(record) = finished_rx.try_recv() {
        finished.push(record);
    }
    let now = now_millis();
    if let Err(e) = store.settle(owner.clone(), finished, now, 0, now).await {
        tracing::warn!(error = %e, "cannot store the last delivery attempts");
    }
    if let Err(e) = store.release(owner, now).await {
        tracing::warn!(error = %e, "cannot release claimed deliveries");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_hosts() {
        for local in [
            "http://localhost:3000/h",
            "http://LOCALHOST./h",
            "http://api.localhost/h",
            "http://127.0.0.1:9/h",
            "http://127.8.9.10/h",
            "http://[::1]:8080/",
            "https://0.0.0.0/",
            "http://[::ffff:127.0.0.1]/",
        ] {
            assert!(is_local(&Url::parse(local).expect("url")), "{local}");
        }
        for private in [
            "https://10.0.0.1/",
            "https://192.168.1.20/",
            "https://169.254.169.254/latest/meta-data",
            "https://100.64.0.1/",
            "https://[fd00::1]/",
            "https://[fe80::1]/",
        ] {
            assert!(is_local(&Url::parse(private).expect("url")), "{private}");
        }
        for remote in [
            "https://hooks.example.com/",
            "https://93.184.216.34/",
            "https://[2606:4700::1111]/",
        ] {
            assert!(!is_local(&Url::parse(remote).expect("url")), "{remote}");
        }
    }

    #[test]
    fn options_are_checked() {
        let ok = DeliveryOptions::default();
        assert!(ok.check().is_ok());
        let local = DeliveryOptions {
            deliver_to: Some("http://127.0.0.1:9/in".into()),
            ..DeliveryOptions::default()
        };
        assert!(local.check().is_err());
        let allowed = DeliveryOptions {
            allow_local_targets: true,
            ..local
        };
        assert!(allowed.check().is_ok());
        for bad in [
            "ftp://x.example/",
            "not a url",
            "http://",
            "mailto:a@b.example",
        ] {
            let options = DeliveryOptions {
                deliver_to: Some(bad.into()),
                allow_local_targets: true,
                ..DeliveryOptions::default()
            };
            assert!(options.check().is_err(), "{bad}");
        }
        assert!(parse_retry_scale("0.01").is_ok());
        assert!(parse_retry_scale("-1").is_err());
        assert!(parse_retry_scale("NaN").is_err());
        assert!(parse_retry_scale("inf").is_err());
    }
}
