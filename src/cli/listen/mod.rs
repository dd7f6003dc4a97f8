//! `listen`: a local webhook receiver for the sandbox, like `stripe listen --forward-to`.
//!
//! It binds 127.0.0.1, registers itself as the account's delivery receiver (a sandbox-only
//! endpoint: Linq's API has no such thing), prints one line per delivery — the signature
//! checked with the subscription's secret, fetched from the sandbox — and, with
//! `--forward-to`, passes each request on unchanged and answers the sandbox with what the
//! forward answered, so a failing receiver gets real retries. Ctrl-C or SIGTERM unregisters
//! and exits 0. Secrets are never printed.

mod line;

use super::output;
use super::{CliError, Connected};
use crate::api::{ApiError, LinqClient, Renewal, SigningSecret};
use crate::signature;
use crate::text::clean;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use line::{header, render, Checked, Forwarded};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, Semaphore};

/// The largest delivery accepted (Linq's are kilobytes).
const MAX_BODY: usize = 1 << 20;
/// The most of a forward's answer passed back to the sandbox.
const MAX_FORWARD_ANSWER: usize = 1 << 20;
/// A forward gets this long, so the sandbox (10 s) hears a 504 rather than timing out.
const FORWARD_TIMEOUT: Duration = Duration::from_secs(9);
/// Secrets kept per subscription; beyond this the cache starts over.
const MAX_SECRETS: usize = 256;
/// Lines waiting for stdout; a stalled terminal slows deliveries down rather than memory up.
const LINE_BUFFER: usize = 256;
/// Forwards in flight at once; a delivery beyond them is answered 503 (the sandbox retries
/// it later), so a loop through other receivers cannot pile up sockets and memory.
pub(crate) const MAX_FORWARDS: usize = 16;
/// Prefix of the error of a delivery not forwarded for want of a slot (answered 503).
pub(crate) const NOT_FORWARDED: &str = "not forwarded";
/// The registration is renewed this often (it expires after a minute unrenewed, so a
/// killed `listen` stops receiving deliveries on its own).
const RENEW_EVERY: Duration = Duration::from_secs(20);
/// Webhook ids remembered to flag repeats; beyond this the memory starts over.
const MAX_SEEN: usize = 4096;

/// Headers that belong to one connection, not to the request: never forwarded.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "content-length",
    "host",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

#[derive(Debug, Clone, clap::Args)]
pub struct ListenArgs {
    /// Port on 127.0.0.1 to receive on (0 picks a free one).
    #[arg(long, default_value_t = 0, value_name = "PORT")]
    pub port: u16,
    /// Pass every delivery on, unchanged, to this URL and answer the sandbox with its status.
    #[arg(long, value_name = "URL")]
    pub forward_to: Option<String>,
    /// One JSON object per delivery on stdout.
    #[arg(long)]
    pub json: bool,
}

/// The local checks: `--forward-to` is an http(s) URL with a host.
pub fn check(args: &ListenArgs) -> Result<(), CliError> {
    if let Some(raw) = &args.forward_to {
        forward_url(raw)?;
    }
    Ok(())
}

fn forward_url(raw: &str) -> Result<url::Url, CliError> {
    let refuse = |why: String| CliError::Usage(format!("--forward-to {:?}: {why}", clean(raw)));
    if raw.len() > crate::validate::MAX_URL_LEN {
        return Err(refuse("too long".into()));
    }
    let url = url::Url::parse(raw).map_err(|e| refuse(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(refuse(
            "must be an http:// or https:// URL with a host".into(),
        ));
    }
    Ok(url)
}

/// Only the sandbox can deliver to a receiver on this machine.
fn not_a_sandbox(base_url: &str) -> CliError {
    CliError::Usage(format!(
        "listen works only with the linq-hooks sandbox: Linq's API has no endpoint to send \
         deliveries to a local receiver, and {} is not a sandbox on this machine (run without \
         an API key, with --sandbox, or with --base-url http://127.0.0.1:PORT/api/partner of \
         `linq-hooks sandbox`)",
        clean(base_url)
    ))
}

fn on_loopback(base_url: &str) -> bool {
    url::Url::parse(base_url).is_ok_and(|url| match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    })
}

pub async fn run(c: &Connected, args: &ListenArgs) -> Result<(), CliError> {
    if !c.sandbox && !on_loopback(&c.base_url) {
        return Err(not_a_sandbox(&c.base_url));
    }
    let forward_to = args.forward_to.as_deref().map(forward_url).transpose()?;
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, args.port))
        .await
        .map_err(|source| CliError::Io {
            what: format!("listening on 127.0.0.1:{}", args.port),
            source,
        })?;
    let addr: SocketAddr = listener.local_addr().map_err(|source| CliError::Io {
        what: "reading the bound address".into(),
        source,
    })?;
    let url = format!("http://{addr}/");
    if let Some(target) = &forward_to {
        if reaches_itself(target, addr).await {
            return Err(CliError::Usage(format!(
                "--forward-to {}: that is this listener ({url}); every delivery would be \
                 forwarded to itself, forever. Forward to your app's own port",
                clean(target.as_str())
            )));
        }
    }
    let previous = register(&c.client, &c.base_url, &url).await?;

    let forward_http = reqwest::Client::builder()
        .timeout(FORWARD_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| CliError::Usage(format!("HTTP client: {e}")))?;
    let (lines, mut printed) = mpsc::channel::<String>(LINE_BUFFER);
    let state = Arc::new(Listener {
        client: c.client.clone(),
        forward_to,
        forward_http,
        forwards: Arc::new(Semaphore::new(MAX_FORWARDS)),
        secrets: Mutex::new(HashMap::new()),
        seen: Mutex::new(HashMap::new()),
        lines,
        json: args.json,
        color: output::stdout_color(),
    });
    let app = axum::Router::new()
        .fallback(receive)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(Arc::clone(&state));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
    });
    let to = match &args.forward_to {
        Some(target) => format!("forwarding to {}", clean(target)),
        None => "answering 200".into(),
    };
    output::note(&format!(
        "listen: receiving deliveries on {url} for {} ({to}); Ctrl-C stops",
        c.base_url
    ));
    if let Some(previous) = previous {
        output::note(&format!(
            "listen: took this account's deliveries over from {} (another listen; it is told \
             at its next renewal)",
            clean(&previous)
        ));
    }

    let outcome = pump(&mut printed, &c.client, &url).await;
    // Unregister first: from here on deliveries go back to their targets.
    if let Err(e) = c.client.unregister_forward(Some(&url)).await {
        output::note(&format!(
            "listen: could not unregister {url}: {}",
            output::api_error_line(&e)
        ));
    }
    let _ = stop.send(());
    let _ = server.await;
    outcome
}

/// Registers the receiver, turning the sandbox's refusals into plain advice. Returns the
/// receiver it took over from, if any.
async fn register(
    client: &LinqClient,
    base_url: &str,
    url: &str,
) -> Result<Option<String>, CliError> {
    match client.register_forward(url).await {
        Ok(previous) => Ok(previous),
        Err(e) if e.status() == Some(404) || e.status() == Some(405) => {
            Err(not_a_sandbox(base_url))
        }
        Err(e) if e.code() == Some(2011) => Err(CliError::Usage(format!(
            "the sandbox at {} does not deliver to local receivers: start it with \
             --allow-local-targets",
            clean(base_url)
        ))),
        Err(e) => Err(CliError::Api(e)),
    }
}

/// Prints delivery lines and renews the registration until Ctrl-C or SIGTERM (or stdout
/// closes, or another `listen` takes over).
async fn pump(
    printed: &mut mpsc::Receiver<String>,
    client: &LinqClient,
    url: &str,
) -> Result<(), CliError> {
    let mut renewal =
        tokio::time::interval_at(tokio::time::Instant::now() + RENEW_EVERY, RENEW_EVERY);
    renewal.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut renew_failed = false;
    #[cfg(unix)]
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|source| CliError::Io {
        what: "waiting for SIGTERM".into(),
        source,
    })?;
    loop {
        #[cfg(unix)]
        let terminated = terminate.recv();
        #[cfg(not(unix))]
        let terminated = std::future::pending::<Option<()>>();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => return Ok(()),
            _ = terminated => return Ok(()),
            _ = renewal.tick() => match client.renew_forward(url).await {
                Ok(Renewal::Renewed) => {
                    if std::mem::take(&mut renew_failed) {
                        output::note("listen: renewed the registration again");
                    }
                }
                Ok(Renewal::TakenOver { by }) => {
                    output::note(&format!(
                        "listen: another listen ({}) took this account's deliveries over; \
                         this one stops",
                        clean(&by)
                    ));
                    return Err(CliError::Reported(output::Exit::Failed));
                }
                // Said once; the next tick tries again (the registration lasts a minute).
                Err(e) => {
                    if !std::mem::replace(&mut renew_failed, true) {
                        output::note(&format!(
                            "listen: could not renew the registration: {}",
                            output::api_error_line(&e)
                        ));
                    }
                }
            },
            line = printed.recv() => {
                let Some(line) = line else { return Ok(()) };
                match output::write_stdout(line.as_bytes()) {
                    Ok(()) => {}
                    // `| head`: stop quietly, unregistered.
                    Err(CliError::BrokenPipe) => return Ok(()),
                    Err(e) => return Err(e),
                }
            }
        }
    }
}

struct Listener {
    client: LinqClient,
    forward_to: Option<url::Url>,
    forward_http: reqwest::Client,
    /// Free forward slots ([`MAX_FORWARDS`]).
    forwards: Arc<Semaphore>,
    secrets: Mutex<HashMap<String, Arc<SigningSecret>>>,
    /// (subscription id, webhook-id) → when first received: repeats are flagged.
    seen: Mutex<HashMap<(String, String), time::OffsetDateTime>>,
    lines: mpsc::Sender<String>,
    json: bool,
    color: bool,
}

async fn receive(
    State(state): State<Arc<Listener>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let received_at = time::OffsetDateTime::now_utc();
    let pairs: Vec<(String, String)> = headers
        .iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            (name.as_str().to_owned(), value)
        })
        .collect();
    let forwarding = async {
        state.forward_to.as_ref()?;
        match Arc::clone(&state.forwards).try_acquire_owned() {
            Ok(_slot) => state.forward(&method, &headers, body.clone()).await,
            Err(_) => Some(Forwarded::Failed {
                error: format!("{NOT_FORWARDED}: {MAX_FORWARDS} forwards already in flight"),
                latency: Duration::ZERO,
            }),
        }
    };
    let (checked, forwarded) = tokio::join!(
        state.check(&pairs, &body, received_at.unix_timestamp()),
        forwarding,
    );
    let first_seen = state.first_seen(&pairs, received_at);
    let line = render(
        state.json,
        state.color,
        received_at,
        &pairs,
        &body,
        &checked,
        forwarded.as_ref(),
        first_seen,
    );
    // A full buffer waits: the sandbox's timeout then paces deliveries.
    let _ = state.lines.send(line).await;
    match forwarded {
        None => (StatusCode::OK, "ok").into_response(),
        Some(Forwarded::Answered {
            status,
            headers,
            body,
            ..
        }) => {
            let mut response = Response::new(Body::from(body));
            *response.status_mut() =
                StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
            for (name, value) in headers.iter() {
                if !HOP_BY_HOP.contains(&name.as_str()) {
                    response.headers_mut().append(name.clone(), value.clone());
                }
            }
            response
        }
        Some(ref failed @ Forwarded::Failed { ref error, .. }) => {
            let status = StatusCode::from_u16(line::answer_status(Some(failed)))
                .unwrap_or(StatusCode::BAD_GATEWAY);
            (
                status,
                format!("linq-hooks listen: forward failed: {error}"),
            )
                .into_response()
        }
    }
}

impl Listener {
    /// When this delivery's webhook-id (for its subscription) was first received, if it was
    /// before: a retry or a replay, which a receiver must recognise by that id.
    fn first_seen(
        &self,
        pairs: &[(String, String)],
        now: time::OffsetDateTime,
    ) -> Option<time::OffsetDateTime> {
        let id = header(pairs, signature::HEADER_ID)?;
        let subscription = header(pairs, "X-Webhook-Subscription-ID").unwrap_or_default();
        let key = (subscription.to_owned(), id.to_owned());
        let mut seen = self.seen.lock().ok()?;
        if let Some(first) = seen.get(&key) {
            return Some(*first);
        }
        if seen.len() >= MAX_SEEN {
            seen.clear();
        }
        seen.insert(key, now);
        None
    }

    /// Verifies both schemes with the subscription's secret (fetched once per subscription).
    async fn check(&self, pairs: &[(String, String)], body: &[u8], now: i64) -> Checked {
        let Some(id) = header(pairs, "X-Webhook-Subscription-ID")
            .filter(|id| crate::validate::is_subscription_id(id))
        else {
            return Checked::NoSecret("no X-Webhook-Subscription-ID to find the secret by".into());
        };
        let cached = self
            .secrets
            .lock()
            .ok()
            .and_then(|secrets| secrets.get(id).cloned());
        let secret = match cached {
            Some(secret) => secret,
            None => match self.client.sandbox_signing_secret(id).await {
                Ok(secret) => {
                    let secret = Arc::new(secret);
                    if let Ok(mut secrets) = self.secrets.lock() {
                        if secrets.len() >= MAX_SECRETS {
                            secrets.clear();
                        }
                        secrets.insert(id.to_owned(), Arc::clone(&secret));
                    }
                    secret
                }
                Err(e) => return Checked::NoSecret(secret_error(&e)),
            },
        };
        Checked::Report(signature::verify(
            secret.expose(),
            pairs,
            body,
            now,
            signature::DEFAULT_TOLERANCE_SECS,
        ))
    }

    /// Sends the request on, unchanged, to `--forward-to`.
    async fn forward(
        &self,
        method: &Method,
        headers: &HeaderMap,
        body: Bytes,
    ) -> Option<Forwarded> {
        let target = self.forward_to.as_ref()?;
        let mut request = self.forward_http.request(method.clone(), target.clone());
        for (name, value) in headers.iter() {
            if !HOP_BY_HOP.contains(&name.as_str()) {
                request = request.header(name.clone(), value.clone());
            }
        }
        let started = Instant::now();
        let answered = async {
            let mut response = request.body(body).send().await?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let mut kept: Vec<u8> = Vec::new();
            while let Some(chunk) = response.chunk().await? {
                let room = MAX_FORWARD_ANSWER.saturating_sub(kept.len());
                kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if room <= chunk.len() {
                    break;
                }
            }
            Ok::<_, reqwest::Error>((status, headers, Bytes::from(kept)))
        }
        .await;
        let latency = started.elapsed();
        Some(match answered {
            Ok((status, headers, body)) => Forwarded::Answered {
                status,
                headers,
                body,
                latency,
            },
            Err(e) => Forwarded::Failed {
                error: describe(e),
                latency,
            },
        })
    }
}

/// Whether `target` is this listener itself (bound on `bound`, 127.0.0.1): the same port
/// on a loopback or wildcard address, `localhost`, or a name resolving to one of those.
async fn reaches_itself(target: &url::Url, bound: SocketAddr) -> bool {
    if target.port_or_known_default() != Some(bound.port()) {
        return false;
    }
    let ips: Vec<IpAddr> = match target.host() {
        Some(url::Host::Ipv4(ip)) => vec![ip.into()],
        Some(url::Host::Ipv6(ip)) => vec![ip.into()],
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            if name == "localhost" || name.ends_with(".localhost") {
                return true;
            }
            let lookup = tokio::net::lookup_host((name.clone(), bound.port()));
            let found = tokio::time::timeout(Duration::from_secs(5), lookup).await;
            match found {
                Ok(Ok(addrs)) => addrs.map(|addr| addr.ip()).collect(),
                // Unresolvable now: the forward fails on its own, without a loop.
                _ => return false,
            }
        }
        None => return false,
    };
    ips.into_iter().any(|ip| {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        ip.is_loopback() || ip.is_unspecified()
    })
}

fn secret_error(e: &ApiError) -> String {
    format!("cannot fetch the secret: {}", output::api_error_line(e))
}

fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    if e.is_timeout() {
        return format!("timed out after {} s", FORWARD_TIMEOUT.as_secs());
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    clean(&text).chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forward_urls_are_checked() {
        assert!(forward_url("http://localhost:3000/hook").is_ok());
        assert!(forward_url("https://hooks.example.com/x").is_ok());
        for bad in ["localhost:3000", "ftp://x.example/", "http://", ""] {
            assert!(forward_url(bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn a_forward_to_the_listener_itself_is_recognised() {
        let bound: SocketAddr = "127.0.0.1:4567".parse().expect("addr");
        for same in [
            "http://127.0.0.1:4567/",
            "http://localhost:4567/hook",
            "http://LOCALHOST.:4567/",
            "http://[::1]:4567/",
            "http://0.0.0.0:4567/",
            "http://[::ffff:127.0.0.1]:4567/",
            "http://127.0.0.2:4567/",
        ] {
            let url = forward_url(same).expect("url");
            assert!(reaches_itself(&url, bound).await, "{same}");
        }
        for other in [
            "http://127.0.0.1:4568/",
            "http://localhost/",
            "https://hooks.example.com:4567/",
        ] {
            let url = forward_url(other).expect("url");
            assert!(!reaches_itself(&url, bound).await, "{other}");
        }
    }

    #[test]
    fn only_loopback_bases_count_as_a_local_sandbox() {
        assert!(on_loopback("http://127.0.0.1:4010/api/partner"));
        assert!(on_loopback("http://localhost:4010/api/partner"));
        assert!(on_loopback("http://[::1]:4010/api/partner"));
        assert!(!on_loopback("https://api.linqapp.com/api/partner"));
        assert!(!on_loopback("http://10.0.0.5:4010/api/partner"));
    }
}
