//! Reading an answer: its body (capped), its headers (trace id, server-requested delay,
//! dates), and the words of a transport error; the retry backoff.

use super::MAX_BACKOFF;
use crate::text::clean;
use reqwest::header::HeaderMap;
use std::time::Duration;

/// The most a success answer may hold: a list of 10,000 subscriptions is ~5.4 MB.
pub(super) const MAX_ANSWER_BYTES: usize = 64 << 20;
/// An error answer is read for its envelope or a snippet only.
pub(super) const MAX_ERROR_BYTES: usize = 64 << 10;

/// The body, up to `cap` bytes; `false` when there was more (the rest is not read).
pub(super) async fn read_capped(
    mut resp: reqwest::Response,
    cap: usize,
) -> Result<(Vec<u8>, bool), reqwest::Error> {
    let announced = resp.content_length().unwrap_or(0) as usize;
    if announced > cap {
        return Ok((Vec::new(), false));
    }
    let mut body = Vec::with_capacity(announced);
    while let Some(chunk) = resp.chunk().await? {
        if body.len() + chunk.len() > cap {
            let room = cap - body.len();
            body.extend_from_slice(&chunk[..room]);
            return Ok((body, false));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, true))
}

/// An HTTP date (`Thu, 03 Dec 2026 09:30:00 GMT`, RFC 9110 IMF-fixdate).
pub fn parse_http_date(value: &str) -> Option<time::OffsetDateTime> {
    let value = value.trim();
    let rfc2822 = value.strip_suffix(" GMT").map(|v| format!("{v} +0000"));
    time::OffsetDateTime::parse(
        rfc2822.as_deref().unwrap_or(value),
        &time::format_description::well_known::Rfc2822,
    )
    .ok()
}

/// `min(base × 2^n, 8 s)` scaled by a jitter in (0.75, 1], as both official SDKs do.
pub fn backoff(base: Duration, retries_made: u32) -> Duration {
    let raw = base.saturating_mul(2u32.saturating_pow(retries_made));
    let capped = raw.min(MAX_BACKOFF);
    let jitter = 1.0 - rand::random::<f64>() * 0.25;
    capped.mul_f64(jitter)
}

pub(super) fn trace_header(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-trace-id")
        .and_then(|v| v.to_str().ok())
        .map(|s| clean(s).into_owned())
}

/// `retry-after-ms`, else `retry-after` in (fractional) seconds.
pub(super) fn header_delay(headers: &HeaderMap) -> Option<Duration> {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let ms = get("retry-after-ms")
        .and_then(|v| v.trim().parse::<f64>().ok())
        .and_then(|ms| Duration::try_from_secs_f64(ms / 1000.0).ok());
    if ms.is_some() {
        return ms;
    }
    get("retry-after")
        .and_then(|v| v.trim().parse::<f64>().ok())
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
}

pub(super) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}
