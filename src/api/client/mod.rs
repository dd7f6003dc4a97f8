//! `LinqClient`: bearer auth, timeouts, SDK-compatible retries (linq-api.md §7) and error
//! decoding into [`ApiError`].

use super::error::{ApiError, LinqFailure};
use super::key::ApiKey;
use super::model::*;
use crate::text::clean;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use std::time::Duration;
use zeroize::Zeroize;

mod first_rows;
mod list;
mod list_halves;
mod raw;
mod sandbox;
mod wire;

pub use first_rows::{first_rows, FirstRows};
pub use list::{body_digest, FirstScreen, Listed};
pub use list_halves::start_readers;
pub use raw::{RawCreated, RawList};

pub use sandbox::Renewal;
pub use wire::{backoff, parse_http_date};
use wire::{
    error_chain, header_delay, read_capped, trace_header, MAX_ANSWER_BYTES, MAX_ERROR_BYTES,
};

/// The production API base (paths are appended as `/v3/...`).
pub const DEFAULT_BASE_URL: &str = "https://api.linqapp.com/api/partner";

#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// e.g. `https://api.linqapp.com/api/partner` or a sandbox's `http://127.0.0.1:4010/api/partner`.
    pub base_url: String,
    pub api_key: ApiKey,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// Retries after the first attempt, for GET/PUT/DELETE only.
    pub max_retries: u32,
    /// First backoff step; doubles per retry, capped at [`MAX_BACKOFF`].
    pub backoff_base: Duration,
    /// The most a success answer may hold; a larger one is not read (an error).
    pub max_answer_bytes: usize,
}

pub const MAX_BACKOFF: Duration = Duration::from_secs(8);
/// A server-requested delay is honoured only up to this (as the Python SDK does).
const MAX_SERVER_DELAY: Duration = Duration::from_secs(60);

impl ClientConfig {
    pub fn new(base_url: impl Into<String>, api_key: ApiKey) -> Self {
        Self {
            base_url: base_url.into(),
            api_key,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            max_retries: 2,
            backoff_base: Duration::from_millis(500),
            max_answer_bytes: MAX_ANSWER_BYTES,
        }
    }
}

/// A client for the webhook-subscription endpoints of the Linq Partner API v3.
#[derive(Debug, Clone)]
pub struct LinqClient {
    http: reqwest::Client,
    base: String,
    target: String,
    config: ClientConfig,
}

/// A successful answer: status and body bytes.
struct Answer {
    status: u16,
    body: Vec<u8>,
    trace_id: Option<String>,
}

impl LinqClient {
    pub fn new(config: ClientConfig) -> Result<Self, ApiError> {
        let base = config.base_url.trim_end_matches('/').to_string();
        let parsed = url::Url::parse(&base)
            .map_err(|e| ApiError::InvalidRequest(format!("base URL {base:?}: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ApiError::InvalidRequest(format!(
                "base URL {base:?} must be http or https"
            )));
        }
        let target = match (parsed.host_str(), parsed.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            _ => base.clone(),
        };
        let mut headers = HeaderMap::new();
        // Built once: one header value holds the key, not a new copy per request.
        headers.insert(AUTHORIZATION, config.api_key.bearer()?);
        headers.insert(
            USER_AGENT,
            HeaderValue::from_static(concat!("linq-hooks/", env!("CARGO_PKG_VERSION"))),
        );
        let mut builder = reqwest::Client::builder()
            .default_headers(headers)
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            // The key must never be carried to where a redirect points: a 3xx is an answer.
            .redirect(reqwest::redirect::Policy::none());
        if parsed.scheme() == "http" {
            // Plain http (the local sandbox): skip loading the system certificate store,
            // 10–20 ms before the first frame.
            builder = builder.tls_certs_only(Vec::<reqwest::Certificate>::new());
        }
        let http = builder
            .build()
            .map_err(|e| ApiError::InvalidRequest(format!("HTTP client: {e}")))?;
        Ok(Self {
            http,
            base,
            target,
            config,
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// `host[:port]` of the API, for messages.
    pub fn target(&self) -> &str {
        &self.target
    }

    pub async fn get(&self, id: &str) -> Result<Subscription, ApiError> {
        let a = self
            .send(Method::GET, &subscription_path(id)?, None)
            .await?;
        self.decode(&a)
    }

    /// POST, never retried: a second attempt could create a second subscription, or fail on
    /// the duplicate-URL rule with the first one's secret lost.
    pub async fn create(&self, new: &NewSubscription) -> Result<CreatedSubscription, ApiError> {
        let body = to_body(new)?;
        let mut a = self
            .send(Method::POST, "/v3/webhook-subscriptions", Some(body))
            .await?;
        let created = CreatedSubscription::from_json(&a.body).map_err(|e| ApiError::Decode {
            status: a.status,
            detail: e.to_string(),
            trace_id: a.trace_id.clone(),
        });
        // The body held the one-time secret: wipe our copy of it.
        a.body.zeroize();
        created
    }

    /// PUT with partial semantics: only the fields set in `patch` are sent.
    pub async fn update(
        &self,
        id: &str,
        patch: &SubscriptionPatch,
    ) -> Result<Subscription, ApiError> {
        let body = to_body(patch)?;
        let a = self
            .send(Method::PUT, &subscription_path(id)?, Some(body))
            .await?;
        self.decode(&a)
    }

    pub async fn delete(&self, id: &str) -> Result<(), ApiError> {
        self.send(Method::DELETE, &subscription_path(id)?, None)
            .await
            .map(|_| ())
    }

    pub async fn webhook_events(&self) -> Result<EventCatalog, ApiError> {
        let a = self.send(Method::GET, "/v3/webhook-events", None).await?;
        self.decode(&a)
    }

    /// One `GET /v3/phone_numbers`, never retried, for `doctor`: its round-trip time, the
    /// server's clock (the `Date` header, also on an error answer) and the lines.
    pub async fn probe(&self) -> Probe {
        let url = format!("{}/v3/phone_numbers", self.base);
        let started = std::time::Instant::now();
        let sent = self
            .http
            .get(&url)
            .header(ACCEPT, "application/json")
            .header("X-Stainless-Retry-Count", "0")
            .send()
            .await;
        let resp = match sent {
            Ok(resp) => resp,
            Err(e) => {
                return Probe {
                    latency: started.elapsed(),
                    server_date: None,
                    result: Err(self.transport_error(e)),
                }
            }
        };
        let status = resp.status();
        let headers = resp.headers().clone();
        let server_date = headers
            .get(reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_http_date);
        let result = match resp.bytes().await {
            Err(e) => Err(self.transport_error(e)),
            Ok(bytes) if status.is_success() => {
                let answer = Answer {
                    status: status.as_u16(),
                    body: Vec::from(bytes),
                    trace_id: trace_header(&headers),
                };
                self.decode::<PhoneNumberList>(&answer)
                    .map(|list| list.phone_numbers)
            }
            Ok(bytes) => Err(self.decode_error(status, &headers, &bytes).0),
        };
        Probe {
            latency: started.elapsed(),
            server_date,
            result,
        }
    }

    pub async fn phone_numbers(&self) -> Result<Vec<PhoneNumber>, ApiError> {
        let a = self.send(Method::GET, "/v3/phone_numbers", None).await?;
        Ok(self.decode::<PhoneNumberList>(&a)?.phone_numbers)
    }

    fn decode<T: DeserializeOwned>(&self, a: &Answer) -> Result<T, ApiError> {
        serde_json::from_slice(&a.body).map_err(|e| ApiError::Decode {
            status: a.status,
            detail: e.to_string(),
            trace_id: a.trace_id.clone(),
        })
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<Answer, ApiError> {
        let retries = if method == Method::POST {
            0
        } else {
            self.config.max_retries
        };
        let url = format!("{}{}", self.base, path);
        let mut attempt = 0u32;
        loop {
            let outcome = self.attempt(&method, &url, body.as_deref(), attempt).await;
            let (err, server_delay, forced) = match outcome {
                Ok(a) => return Ok(a),
                Err(Attempt::Answered {
                    err,
                    delay,
                    should_retry,
                }) => {
                    let retryable = should_retry.unwrap_or_else(|| {
                        matches!(err.status(), Some(408 | 409 | 429) | Some(500..=599))
                    });
                    (err, delay, Some(retryable))
                }
                Err(Attempt::Transport(err)) => {
                    let retryable = matches!(
                        err,
                        ApiError::Connect { .. }
                            | ApiError::Timeout { .. }
                            | ApiError::Transport { .. }
                    );
                    (err, None, Some(retryable))
                }
            };
            // A DELETE retried after a lost answer finds the subscription gone: that is success.
            if method == Method::DELETE && attempt > 0 && err.code() == Some(2010) {
                return Ok(Answer {
                    status: 204,
                    body: Vec::new(),
                    trace_id: err.trace_id().map(str::to_string),
                });
            }
            if forced != Some(true) || attempt >= retries {
                return Err(err);
            }
            let delay = server_delay
                .filter(|d| !d.is_zero() && *d <= MAX_SERVER_DELAY)
                .unwrap_or_else(|| backoff(self.config.backoff_base, attempt));
            tracing::debug!(%method, path, attempt, ?delay, error = %err, "retrying");
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    async fn attempt(
        &self,
        method: &Method,
        url: &str,
        body: Option<&[u8]>,
        attempt: u32,
    ) -> Result<Answer, Attempt> {
        let accept = if *method == Method::DELETE {
            "*/*"
        } else {
            "application/json"
        };
        let mut req = self
            .http
            .request(method.clone(), url)
            .header(ACCEPT, accept)
            .header("X-Stainless-Retry-Count", attempt.to_string());
        if let Some(b) = body {
            req = req
                .header(CONTENT_TYPE, "application/json")
                .body(b.to_vec());
        }
        let resp = req
            .send()
            .await
            .map_err(|e| Attempt::Transport(self.transport_error(e)))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let cap = if status.is_success() {
            self.config.max_answer_bytes
        } else {
            MAX_ERROR_BYTES
        };
        let (bytes, complete) = read_capped(resp, cap)
            .await
            .map_err(|e| Attempt::Transport(self.transport_error(e)))?;
        if status.is_success() {
            if !complete {
                // Done on the server, unread here: the outcome counts as unknown.
                return Err(Attempt::Answered {
                    err: ApiError::Decode {
                        status: status.as_u16(),
                        detail: format!(
                            "the answer is larger than {} KiB and was not read",
                            self.config.max_answer_bytes >> 10
                        ),
                        trace_id: trace_header(&headers),
                    },
                    delay: None,
                    should_retry: Some(false),
                });
            }
            return Ok(Answer {
                status: status.as_u16(),
                body: bytes,
                trace_id: trace_header(&headers),
            });
        }
        let (err, body_delay) = self.decode_error(status, &headers, &bytes);
        Err(Attempt::Answered {
            err,
            delay: header_delay(&headers).or(body_delay),
            should_retry: headers
                .get("x-should-retry")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| match v {
                    "true" => Some(true),
                    "false" => Some(false),
                    _ => None,
                }),
        })
    }

    fn decode_error(
        &self,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> (ApiError, Option<Duration>) {
        let header_trace = trace_header(headers);
        match serde_json::from_slice::<ErrorEnvelope>(body) {
            Ok(env) if env.error.code.is_some() || env.error.message.is_some() => {
                let retry_after = env.error.retry_after;
                let failure = LinqFailure {
                    status: status.as_u16(),
                    code: env.error.code,
                    message: env
                        .error
                        .message
                        .map(|m| clean(&m).into_owned())
                        .unwrap_or_else(|| {
                            status.canonical_reason().unwrap_or("error").to_string()
                        }),
                    doc_url: env.error.doc_url,
                    retry_after,
                    trace_id: env.trace_id.or(header_trace),
                };
                (
                    ApiError::Linq(failure),
                    retry_after.map(Duration::from_secs),
                )
            }
            _ if status.is_redirection() => {
                let location = headers
                    .get(reqwest::header::LOCATION)
                    .map(|v| clean(&String::from_utf8_lossy(v.as_bytes())).into_owned())
                    .unwrap_or_else(|| "nowhere".into());
                (
                    ApiError::Foreign {
                        status: status.as_u16(),
                        snippet: format!(
                            "a redirect to {location}, not followed (check the base URL)"
                        ),
                        host: Some(self.target.clone()),
                        trace_id: header_trace,
                    },
                    None,
                )
            }
            _ => {
                let text = String::from_utf8_lossy(&body[..body.len().min(200)]);
                let mut snippet = clean(&text).trim().to_string();
                // A cut inside a character adds a 3-byte replacement mark: stay within 200.
                while snippet.len() > 200 {
                    snippet.pop();
                }
                let snippet = if snippet.is_empty() {
                    status
                        .canonical_reason()
                        .unwrap_or("empty body")
                        .to_string()
                } else {
                    snippet
                };
                (
                    ApiError::Foreign {
                        status: status.as_u16(),
                        snippet,
                        host: Some(self.target.clone()),
                        trace_id: header_trace,
                    },
                    None,
                )
            }
        }
    }

    fn transport_error(&self, e: reqwest::Error) -> ApiError {
        let target = self.target.clone();
        // Without the URL: a host name like "tls.example" must not read as a TLS failure.
        let e = e.without_url();
        let detail = error_chain(&e);
        if e.is_timeout() {
            return ApiError::Timeout {
                millis: self.config.request_timeout.as_millis() as u64,
            };
        }
        let lower = detail.to_lowercase();
        let tls_words = ["certificate", "tls", "handshake", "ssl"];
        if e.is_connect() && tls_words.iter().any(|w| lower.contains(w)) {
            return ApiError::Tls { target, detail };
        }
        if e.is_connect() {
            return ApiError::Connect { target, detail };
        }
        ApiError::Transport { target, detail }
    }
}

/// What [`LinqClient::probe`] saw.
#[derive(Debug)]
pub struct Probe {
    pub latency: Duration,
    /// The server's `Date` header (second resolution).
    pub server_date: Option<time::OffsetDateTime>,
    pub result: Result<Vec<PhoneNumber>, ApiError>,
}

enum Attempt {
    Answered {
        err: ApiError,
        delay: Option<Duration>,
        should_retry: Option<bool>,
    },
    Transport(ApiError),
}

fn subscription_path(id: &str) -> Result<String, ApiError> {
    // Ids are UUID-shaped; refusing anything else keeps a stray `/` or `?` out of the path.
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Err(ApiError::InvalidRequest(format!(
            "{:?} is not a subscription id",
            clean(id)
        )));
    }
    Ok(format!("/v3/webhook-subscriptions/{id}"))
}

fn to_body<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(value).map_err(|e| ApiError::InvalidRequest(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps_with_jitter() {
        let base = Duration::from_millis(500);
        for _ in 0..100 {
            let first = backoff(base, 0);
            assert!(first > Duration::from_millis(374) && first <= base);
            let second = backoff(base, 1);
            assert!(second > Duration::from_millis(749) && second <= Duration::from_secs(1));
            assert!(backoff(base, 10) <= MAX_BACKOFF);
        }
    }

    #[test]
    fn key_hint_shows_last_four_only() {
        let k = ApiKey::new("sk_live_secretvalue1234");
        assert_eq!(k.hint(), "…1234");
        assert!(!format!("{k:?}").contains("secret"));
    }

    #[test]
    fn http_dates_parse() {
        let t = parse_http_date("Thu, 03 Dec 2026 09:30:07 GMT").expect("date");
        assert_eq!(t.unix_timestamp(), 1_796_290_207);
        assert!(parse_http_date("yesterday").is_none());
    }

    #[test]
    fn ids_with_path_characters_are_refused() {
        assert!(subscription_path("../x").is_err());
        assert!(subscription_path("b2c3d4e5-f6a7-8901-bcde-f23456789012").is_ok());
    }
}
