//! Webhook delivery (linq-api.md §8): the queue and the worker. It reads the store, never
//! the client.
//!
//! `POST /_sandbox/v1/events` renders the event and queues its deliveries in SQLite
//! (`queue`); the worker claims due rows, POSTs each one signed with both header sets,
//! stores every attempt and schedules retries (`schedule`). The queue is the table: the
//! worker holds at most [`MAX_IN_FLIGHT`] deliveries in memory, wakes when an event is
//! queued or the next retry falls due, and on start picks up whatever is due — pending
//! retries survive a restart.

pub(crate) mod payload;
pub(crate) mod queue;
pub(crate) mod routes;
mod schedule;

use super::model::{now_millis, Millis};
use super::store::Store;
use super::SandboxError;
use crate::signature;
use crate::text::clean;
use queue::{AttemptRecord, Claimed};
use reqwest::header::{HeaderName, HeaderValue, CONTENT_TYPE, USER_AGENT};
use schedule::Verdict;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot, Notify};
use tokio::task::{JoinHandle, JoinSet};
use url::{Host, Url};

/// Deliveries in flight at once.
pub(crate) const MAX_IN_FLIGHT: usize = 8;
/// A receiver gets this long to answer (linq-api.md §8.7).
pub(crate) const TIMEOUT: Duration = Duration::from_secs(10);
/// A claimed row is another worker's again after this long (well over [`TIMEOUT`]).
const LEASE: Duration = Duration::from_secs(60);
/// How often an idle worker looks at the table anyway: another process on the same
/// database file (the dashboard's embedded sandbox and `listen`'s) may have queued rows.
const IDLE_POLL: Duration = Duration::from_secs(2);
/// The most of a response body that is kept.
pub(crate) const SNIPPET_BYTES: usize = 1024;
/// Error texts are cut to this many characters.
const MAX_ERROR_CHARS: usize = 300;
/// The largest routing token learned from a receiver.
const MAX_TOKEN_LEN: usize = 256;

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
    /// Deliveries may go to localhost, 127.0.0.0/8 and ::1 (`--deliver-to`, `listen`, targets).
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
            return Err(SandboxError::Delivery(format!(
                "--retry-scale must be a number from 0 to {MAX_RETRY_SCALE}"
            )));
        }
        if let Some(raw) = &self.deliver_to {
            let url = Url::parse(raw).map_err(|e| {
                SandboxError::Delivery(format!("--deliver-to {:?}: {e}", clean(raw)))
            })?;
            if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
                return Err(SandboxError::Delivery(format!(
                    "--deliver-to {:?}: must be an http:// or https:// URL with a host",
                    clean(raw)
                )));
            }
            if is_local(&url) && !self.allow_local_targets {
                return Err(SandboxError::Delivery(format!(
                    "--deliver-to {:?} is on this machine: add --allow-local-targets",
                    clean(raw)
                )));
            }
        }
        Ok(())
    }
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

/// A host this machine serves itself: `localhost` (and `*.localhost`), 127.0.0.0/8, ::1,
/// and the unspecified addresses (which connect to this machine too).
pub(crate) fn is_local(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
        Some(Host::Ipv4(ip)) => ip.is_loopback() || ip.is_unspecified(),
        Some(Host::Ipv6(ip)) => {
            ip.is_loopback()
                || ip.is_unspecified()
                || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
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
pub(crate) struct Worker {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Worker {
    pub(crate) fn start(store: Store, deliveries: Deliveries) -> Result<Worker, SandboxError> {
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            // Linq does not follow redirects either: a 3xx is the receiver's answer.
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(MAX_IN_FLIGHT)
            .build()
            .map_err(|e| SandboxError::Delivery(format!("HTTP client: {e}")))?;
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(run(store, deliveries, http, stopped));
        Ok(Worker { stop, task })
    }

    /// Cuts attempts in flight short (their rows are released, due at once) and waits.
    pub(crate) async fn stop(self) {
        let _ = self.stop.send(());
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "delivery worker ended abnormally");
        }
    }
}

async fn run(
    store: Store,
    deliveries: Deliveries,
    http: reqwest::Client,
    mut stopped: oneshot::Receiver<()>,
) {
    let owner = format!("{:032x}", rand::random::<u128>());
    let mut in_flight: JoinSet<()> = JoinSet::new();
    // Finished attempts come back here and are stored with the next claim, in one
    // transaction. Bounded: at most MAX_IN_FLIGHT attempts run, each sends one record.
    let (finished_tx, mut finished_rx) = mpsc::channel::<AttemptRecord>(MAX_IN_FLIGHT);
    let mut running = 0usize;
    let mut finished: Vec<AttemptRecord> = Vec::new();
    loop {
        while in_flight.try_join_next().is_some() {}
        while let Ok(record) = finished_rx.try_recv() {
            finished.push(record);
        }
        running -= finished.len().min(running);
        let mut wake_at = Instant::now() + IDLE_POLL;
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
                        in_flight.spawn(async move {
                            let record = attempt(&http, &options, job).await;
                            let _ = finished_tx.send(record).await;
                        });
                    }
                    if let Some(due) = next_due {
                        let wait = u64::try_from(due - now_millis()).unwrap_or(0);
                        wake_at = wake_at.min(Instant::now() + Duration::from_millis(wait));
                    }
                }
                // The batch is lost with the transaction; its rows come back when their
                // leases expire, and are sent again (at least once, as Linq promises).
                Err(e) => tracing::error!(error = %e, "cannot use the delivery queue"),
            }
        }
        if running == MAX_IN_FLIGHT {
            // Nothing can be claimed before an attempt finishes.
            wake_at = Instant::now() + IDLE_POLL;
        }
        tokio::select! {
            _ = &mut stopped => break,
            _ = deliveries.wake.notified() => {}
            Some(record) = finished_rx.recv() => finished.push(record),
            _ = tokio::time::sleep_until(wake_at.into()) => {}
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

/// Where a delivery goes: the `listen` receiver, else `--deliver-to`, else its target.
fn destination(options: &DeliveryOptions, job: &Claimed) -> Result<(String, bool), String> {
    if let Some(forward) = &job.forward {
        // Registered through a sandbox that allows it; this one (another process on the
        // same file) does not: say so rather than send it elsewhere.
        if !options.allow_local_targets {
            return Err(
                "not sent: a listen receiver is registered, but this sandbox runs \
                        without --allow-local-targets"
                    .into(),
            );
        }
        return Ok((forward.clone(), true));
    }
    if let Some(to) = &options.deliver_to {
        return Ok((to.clone(), true));
    }
    let local = Url::parse(&job.target_url).is_ok_and(|url| is_local(&url));
    if local && !options.allow_local_targets {
        return Err(
            "not sent: the target is on this machine and the sandbox runs without --allow-local-targets"
                .into(),
        );
    }
    Ok((job.target_url.clone(), false))
}

/// One POST of a claimed delivery, and what came of it.
async fn attempt(http: &reqwest::Client, options: &DeliveryOptions, job: Claimed) -> AttemptRecord {
    let attempted_at = now_millis();
    let started = Instant::now();
    let mut record = AttemptRecord {
        delivery_id: job.delivery_id.clone(),
        account_id: job.account_id.clone(),
        subscription_id: job.subscription_id.clone(),
        event_id: job.event_id.clone(),
        event_type: job.event_type.clone(),
        attempt: job.attempt,
        attempted_at,
        destination: String::new(),
        status: None,
        error: None,
        latency_ms: 0,
        snippet: None,
        verdict: Verdict::Drop,
        retry_at: None,
        learned_token: None,
    };
    let (url, redirected) = match destination(options, &job) {
        Ok(found) => found,
        Err(why) => {
            record.destination = job.target_url.clone();
            record.error = Some(why);
            return record;
        }
    };
    record.destination = url.clone();
    let request = match signed_request(http, &url, redirected, &job) {
        Ok(request) => request,
        Err(why) => {
            record.error = Some(why);
            return record;
        }
    };
    match request.send().await {
        Ok(mut response) => {
            let status = response.status();
            record.latency_ms = elapsed_ms(started);
            record.status = Some(status.as_u16());
            if status.is_success() {
                record.learned_token = learned_token(&job, response.headers());
            }
            record.snippet = read_snippet(&mut response).await;
        }
        Err(e) => {
            record.latency_ms = elapsed_ms(started);
            record.error = Some(describe(e));
        }
    }
    record.verdict = schedule::classify(record.status);
    if record.verdict == Verdict::Retry {
        record.retry_at =
            schedule::retry_delay(job.attempt, options.retry_scale, rand::random::<f64>())
                .map(|delay| now_millis() + delay.as_millis() as Millis);
    }
    record
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// The POST with the raw body and both header sets (linq-api.md §8.1, §8.3, §8.4).
fn signed_request(
    http: &reqwest::Client,
    url: &str,
    redirected: bool,
    job: &Claimed,
) -> Result<reqwest::RequestBuilder, String> {
    let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
    let standard =
        signature::sign_standard(job.secret.expose(), &job.event_id, timestamp, &job.body)
            .map_err(|e| {
                format!("not sent: the subscription's signing secret is unusable ({e})")
            })?;
    let legacy = signature::sign_legacy(job.secret.expose(), timestamp, &job.body);
    let timestamp = timestamp.to_string();
    let mut request = http
        .post(url)
        .header(CONTENT_TYPE, "application/json")
        .header(USER_AGENT, DELIVERY_USER_AGENT)
        .header(signature::HEADER_ID, &job.event_id)
        .header(signature::HEADER_TIMESTAMP, &timestamp)
        .header(signature::HEADER_SIGNATURE, standard)
        .header("X-Webhook-Event", &job.event_type)
        .header("X-Webhook-Subscription-ID", &job.subscription_id)
        .header(signature::HEADER_LEGACY_TIMESTAMP, &timestamp)
        .header(signature::HEADER_LEGACY_SIGNATURE, legacy);
    if redirected {
        if let Ok(target) = HeaderValue::from_str(&job.target_url) {
            request = request.header(TARGET_HEADER, target);
        }
    }
    // Delivery affinity: the chat id always, the token once the receiver has echoed one.
    if let (Some((key_header, id_header)), Some(chat_id)) = (&job.routing, &job.chat_id) {
        let pairs = [(id_header, Some(chat_id)), (key_header, job.token.as_ref())];
        for (name, value) in pairs {
            let (Ok(name), Some(Ok(value))) = (
                HeaderName::from_bytes(name.as_bytes()),
                value.map(|v| HeaderValue::from_str(v)),
            ) else {
                continue;
            };
            request = request.header(name, value);
        }
    }
    Ok(request.body(job.body.clone()))
}

/// The routing token a 2xx answer echoed in the key header, if it is a sane header value.
fn learned_token(job: &Claimed, headers: &reqwest::header::HeaderMap) -> Option<(String, String)> {
    let (key_header, _) = job.routing.as_ref()?;
    let chat_id = job.chat_id.as_ref()?;
    let value = headers.get(key_header.as_str())?.to_str().ok()?.trim();
    let sane = !value.is_empty()
        && value.len() <= MAX_TOKEN_LEN
        && value.bytes().all(|b| b.is_ascii_graphic());
    sane.then(|| (chat_id.clone(), value.to_owned()))
}

/// Up to [`SNIPPET_BYTES`] of the answer, valid UTF-8 without control characters. Reads
/// no more than that from the connection.
async fn read_snippet(response: &mut reqwest::Response) -> Option<String> {
    let mut bytes: Vec<u8> = Vec::new();
    while bytes.len() < SNIPPET_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let take = chunk.len().min(SNIPPET_BYTES - bytes.len());
                bytes.extend_from_slice(&chunk[..take]);
            }
            Ok(None) | Err(_) => break,
        }
    }
    snippet(&bytes)
}

fn snippet(bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    let mut text = clean(&text).trim().to_owned();
    // A replacement character is 3 bytes: the lossy text can outgrow the byte budget.
    while text.len() > SNIPPET_BYTES {
        text.pop();
    }
    (!text.is_empty()).then_some(text)
}

/// Why no answer came, in one line (the URL is in the attempt's `destination`).
fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    let text = if error.is_timeout() {
        format!("timed out after {} s without an answer", TIMEOUT.as_secs())
    } else {
        let mut parts = vec![error.to_string()];
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            let text = cause.to_string();
            if !parts.iter().any(|p| p.contains(&text)) {
                parts.push(text);
            }
            source = cause.source();
        }
        let kind = if error.is_connect() {
            "connection failed"
        } else {
            "request failed"
        };
        format!("{kind}: {}", parts.join(": "))
    };
    clean(&text).chars().take(MAX_ERROR_CHARS).collect()
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
        for remote in [
            "https://hooks.example.com/",
            "https://10.0.0.1/",
            "https://[2001:db8::1]/",
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

    #[test]
    fn snippets_are_bounded_clean_utf8() {
        assert_eq!(snippet(b"  ok \n"), Some("ok".into()));
        assert_eq!(snippet(b""), None);
        assert_eq!(snippet(b"a\x1b[2Jb"), Some("a[2Jb".into()));
        let invalid = vec![0xffu8; SNIPPET_BYTES];
        let text = snippet(&invalid).expect("text");
        assert!(text.len() <= SNIPPET_BYTES);
        assert!(text.chars().all(|c| c == '\u{fffd}'));
    }
}
