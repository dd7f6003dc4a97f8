//! One attempt of a claimed delivery: where it goes, the signed POST (linq-api.md §8.1,
//! §8.3, §8.4), and what came of it.

use super::queue::{AttemptRecord, Claimed};
use super::resolve::local_target_in;
use super::schedule::{self, Verdict};
use super::{is_local, DeliveryOptions, DELIVERY_USER_AGENT, TARGET_HEADER, TIMEOUT};
use crate::sandbox::model::{now_millis, Millis};
use crate::signature;
use crate::text::clean;
use reqwest::header::{HeaderName, HeaderValue, CONTENT_TYPE, USER_AGENT};
use std::time::Instant;
use url::Url;

/// The most of a response body that is kept.
pub(crate) const SNIPPET_BYTES: usize = 1024;
/// Error texts are cut to this many characters.
const MAX_ERROR_CHARS: usize = 300;
/// The largest routing token learned from a receiver.
const MAX_TOKEN_LEN: usize = 256;

/// Where a delivery goes: the `listen` receiver, else `--deliver-to`, else (a demo
/// target) the in-process demo receiver, else its target.
fn destination(
    options: &DeliveryOptions,
    demo: Option<&str>,
    job: &Claimed,
) -> Result<(String, bool), String> {
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
    if let Some(demo) = demo.filter(|_| crate::sandbox::demo::story(&job.target_url).is_some()) {
        return Ok((demo.to_owned(), true));
    }
    let local = Url::parse(&job.target_url).is_ok_and(|url| is_local(&url));
    if local && !options.allow_local_targets {
        return Err(
            "not sent: the target is on this machine or a private network, and the sandbox runs \
             without --allow-local-targets"
                .into(),
        );
    }
    Ok((job.target_url.clone(), false))
}

/// One POST of a claimed delivery, and what came of it.
pub(super) async fn attempt(
    http: &reqwest::Client,
    options: &DeliveryOptions,
    demo: Option<&str>,
    job: Claimed,
) -> AttemptRecord {
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
    let (url, redirected) = match destination(options, demo, &job) {
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
            // Refused before connecting: the same words for an open and a closed port.
            if let Some(local) = local_target_in(&e) {
                record.error = Some(format!(
                    "not sent: {local}, and the sandbox runs without --allow-local-targets"
                ));
                return record;
            }
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
