//! Stage 4: a `HEAD` of the target URL over the connection stages 2–3 opened — nothing is
//! posted to the customer's application. And the one HTTP exchange both this stage and
//! the test delivery use: HTTP/1.1, no redirects followed, no cookies, at most
//! [`MAX_READ`] bytes read, a limit on the answer's head and one on its body.

use super::dns::millis;
use super::{bounded, ms_since, Deadline, Io, Target, MAX_READ, USER_AGENT};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper::Method;
use hyper_util::rt::TokioIo;
use serde::Serialize;
use std::time::{Duration, Instant};

/// The body gets at most this long once the head has come.
const BODY_STEP: Duration = Duration::from_secs(2);
/// Body bytes kept for display.
pub const SNIPPET: usize = 512;
/// The answer's head may use this much of [`MAX_READ`]; the body the rest.
const MAX_HEAD: usize = 48 * 1024;

#[derive(Debug, Clone, Default, Serialize)]
pub struct Answer {
    /// Until the answer's head came (or the step gave up).
    pub ms: u64,
    pub status: Option<u16>,
    pub content_type: Option<String>,
    pub location: Option<String>,
    /// The start of the body (only for a POST), as received, bounded.
    pub snippet: Option<String>,
    pub error: Option<String>,
    /// No answer within this many milliseconds.
    pub timed_out_ms: Option<u64>,
}

/// One request on `io`; the answer's head and the start of its body.
pub async fn exchange(
    io: Box<dyn Io>,
    request: hyper::Request<Full<Bytes>>,
    deadline: &Deadline,
) -> Answer {
    let start = Instant::now();
    let mut answer = Answer::default();
    let is_head = request.method() == Method::HEAD;
    let mut builder = hyper::client::conn::http1::Builder::new();
    builder.max_buf_size(MAX_HEAD);
    let limit = deadline.remaining();
    let handshake = builder.handshake::<_, Full<Bytes>>(TokioIo::new(io));
    let (mut sender, connection) = match tokio::time::timeout(limit, handshake).await {
        Ok(Ok(pair)) => pair,
        Ok(Err(e)) => {
            answer.error = Some(bounded(&e.to_string()));
            return answer;
        }
        Err(_) => {
            answer.timed_out_ms = Some(millis(limit));
            return answer;
        }
    };
    // The connection runs beside the request; it ends with this function.
    let driver = tokio::spawn(connection);
    let limit = deadline.remaining();
    match tokio::time::timeout(limit, sender.send_request(request)).await {
        Ok(Ok(response)) => {
            answer.ms = ms_since(start);
            answer.status = Some(response.status().as_u16());
            let header = |name: hyper::header::HeaderName| {
                response
                    .headers()
                    .get(name)
                    .map(|v| bounded(&String::from_utf8_lossy(v.as_bytes())))
            };
            answer.content_type = header(hyper::header::CONTENT_TYPE);
            answer.location = header(hyper::header::LOCATION);
            if !is_head {
                let limit = deadline.step(BODY_STEP);
                let body = read_body(response.into_body());
                if let Ok(bytes) = tokio::time::timeout(limit, body).await {
                    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(SNIPPET)]);
                    let text = text.trim();
                    answer.snippet = (!text.is_empty()).then(|| text.to_string());
                }
            }
        }
        Ok(Err(e)) => {
            answer.ms = ms_since(start);
            answer.error = Some(bounded(&describe(&e)));
        }
        Err(_) => {
            answer.ms = ms_since(start);
            answer.timed_out_ms = Some(millis(limit));
        }
    }
    driver.abort();
    answer
}

/// At most what the head left of [`MAX_READ`] bytes of the body; the rest is never read.
async fn read_body(mut body: hyper::body::Incoming) -> Vec<u8> {
    const LIMIT: usize = MAX_READ - MAX_HEAD;
    let mut bytes = Vec::new();
    while bytes.len() < LIMIT {
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    let take = data.len().min(LIMIT - bytes.len());
                    bytes.extend_from_slice(&data[..take]);
                }
            }
            Some(Err(_)) | None => break,
        }
    }
    bytes
}

/// hyper's error and its causes, on one line.
fn describe(error: &hyper::Error) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

/// A request with the headers every probe request carries.
pub fn request(method: Method, target: &Target) -> hyper::http::request::Builder {
    hyper::Request::builder()
        .method(method)
        .uri(target.path_and_query())
        .header(hyper::header::HOST, target.authority())
        .header(hyper::header::USER_AGENT, USER_AGENT)
        .header(hyper::header::ACCEPT, "*/*")
}

/// The stage: the `HEAD` and its answer.
pub type HttpStage = Answer;

pub async fn head(io: Box<dyn Io>, target: &Target, deadline: &Deadline) -> HttpStage {
    let request = match request(Method::HEAD, target).body(Full::new(Bytes::new())) {
        Ok(r) => r,
        Err(e) => {
            return Answer {
                error: Some(bounded(&format!("cannot build the request: {e}"))),
                ..Answer::default()
            }
        }
    };
    exchange(io, request, deadline).await
}

impl Answer {
    /// `HEAD → 301 Moved Permanently · Location …`
    pub fn detail(&self, method: &str) -> String {
        if let Some(ms) = self.timed_out_ms {
            return format!("{method}: no answer within {ms} ms");
        }
        if let Some(e) = &self.error {
            return format!("{method} failed: {e}");
        }
        let Some(status) = self.status else {
            return format!("{method}: no answer");
        };
        let reason = hyper::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("");
        let mut line = format!("{method} → {status} {reason}")
            .trim_end()
            .to_string();
        if let Some(ct) = &self.content_type {
            line.push_str(&format!(" · {ct}"));
        }
        if let Some(location) = &self.location {
            line.push_str(&format!(" · Location {location}"));
        }
        line
    }
}
