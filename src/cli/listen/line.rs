//! What `listen` prints per delivery: one line for people, or one JSON object. Every string
//! from the request is cleaned of control characters first (JSON escapes the rest).

use super::super::output::{self, Color};
use crate::signature::{self, Report};
use crate::text::clean;
use axum::body::Bytes;
use axum::http::HeaderMap;
use serde_json::{json, Value};
use std::time::Duration;

/// What the forward did.
pub(super) enum Forwarded {
    Answered {
        status: u16,
        headers: HeaderMap,
        body: Bytes,
        latency: Duration,
    },
    Failed {
        error: String,
        latency: Duration,
    },
}

/// The signature check, or why there was none.
pub(super) enum Checked {
    Report(Report),
    NoSecret(String),
}

pub(super) fn header<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// One line for a delivery: the human one, or a JSON object with `json`. `first_seen`:
/// when its webhook-id was first received, for a repeat.
#[allow(clippy::too_many_arguments)]
pub(super) fn render(
    json: bool,
    color: bool,
    at: time::OffsetDateTime,
    pairs: &[(String, String)],
    body: &[u8],
    checked: &Checked,
    forwarded: Option<&Forwarded>,
    first_seen: Option<time::OffsetDateTime>,
) -> String {
    let webhook_id = header(pairs, signature::HEADER_ID).map(|v| clean(v).into_owned());
    let event_type = header(pairs, "X-Webhook-Event")
        .map(str::to_owned)
        .or_else(|| {
            serde_json::from_slice::<Value>(body)
                .ok()
                .and_then(|v| v["event_type"].as_str().map(str::to_owned))
        })
        .unwrap_or_else(|| "?".into());
    let event_type = clean(&event_type).into_owned();
    let subscription =
        clean(header(pairs, "X-Webhook-Subscription-ID").unwrap_or("?")).into_owned();
    if json {
        let signature = match checked {
            Checked::Report(report) => json!({
                "valid": report.any_valid(),
                "standard": report.standard.code(),
                "legacy": report.legacy.code(),
                "detail": (!report.any_valid()).then(|| failure_text(report)),
            }),
            Checked::NoSecret(why) => json!({"valid": null, "detail": why}),
        };
        let forward = forwarded.map(|f| match f {
            Forwarded::Answered {
                status, latency, ..
            } => json!({"status": status, "latency_ms": latency.as_millis() as u64}),
            Forwarded::Failed { error, latency } => {
                json!({"error": error, "latency_ms": latency.as_millis() as u64})
            }
        });
        let line = json!({
            "received_at": at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
            "event_type": event_type,
            "event_id": webhook_id,
            "webhook_id": webhook_id,
            "repeat": first_seen.is_some(),
            "first_seen_at": first_seen.map(|t| t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()),
            "subscription_id": subscription,
            "target": header(pairs, crate::sandbox::TARGET_HEADER).map(|v| clean(v).into_owned()),
            "signature": signature,
            "forward": forward,
            "answered": answer_status(forwarded),
        });
        return format!("{line}\n");
    }
    let paint = |text: &str, hue| output::painted(&output::Cell::colored(text, hue), color);
    let verdict = match checked {
        Checked::Report(report) if report.standard.is_valid() && report.legacy.is_valid() => {
            paint("signature valid", Color::Green)
        }
        Checked::Report(report) if report.any_valid() => paint(
            &format!("signature partly valid ({})", failure_text(report)),
            Color::Yellow,
        ),
        Checked::Report(report) => paint(
            &format!("signature INVALID ({})", failure_text(report)),
            Color::Red,
        ),
        Checked::NoSecret(why) => paint(&format!("signature not checked ({why})"), Color::Yellow),
    };
    let forward = match forwarded {
        None => "answered 200".to_owned(),
        Some(Forwarded::Answered {
            status, latency, ..
        }) => {
            let color = if (200..300).contains(status) {
                Color::Green
            } else {
                Color::Red
            };
            format!(
                "→ {} {} ms",
                paint(&status.to_string(), color),
                latency.as_millis()
            )
        }
        Some(Forwarded::Failed { error, latency }) => format!(
            "→ {} after {} ms (answered {})",
            paint(error, Color::Red),
            latency.as_millis(),
            answer_status(forwarded)
        ),
    };
    let clock = |t: time::OffsetDateTime| {
        t.format(time::macros::format_description!(
            "[hour]:[minute]:[second]Z"
        ))
        .unwrap_or_default()
    };
    let id = webhook_id.unwrap_or_else(|| "?".into());
    let repeat = first_seen.map_or(String::new(), |first| {
        let text = format!(
            "  REPEAT of this webhook-id, first at {} (a retry or a replay: dedupe on it)",
            clock(first)
        );
        paint(&text, Color::Yellow)
    });
    format!(
        "{}  {event_type}  {subscription}  id {id}  {verdict}  {forward}{repeat}\n",
        clock(at)
    )
}

/// What the sandbox was answered.
pub(super) fn answer_status(forwarded: Option<&Forwarded>) -> u16 {
    match forwarded {
        None => 200,
        Some(Forwarded::Answered { status, .. }) => *status,
        Some(Forwarded::Failed { error, .. }) if error.starts_with("timed out") => 504,
        Some(Forwarded::Failed { error, .. }) if error.starts_with(super::NOT_FORWARDED) => 503,
        Some(Forwarded::Failed { .. }) => 502,
    }
}

/// The failing schemes, one clause each.
fn failure_text(report: &Report) -> String {
    report
        .verdicts()
        .iter()
        .filter(|(_, verdict)| !verdict.is_valid())
        .map(|(scheme, verdict)| format!("{}: {verdict}", scheme.name()))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs() -> Vec<(String, String)> {
        vec![
            ("x-webhook-event".into(), "message.sent\u{1b}[2J".into()),
            (
                "x-webhook-subscription-id".into(),
                "4f04b35b-13c6-4631-9a94-acddc25d24a0".into(),
            ),
            ("webhook-id".into(), "e-1".into()),
        ]
    }

    fn at() -> time::OffsetDateTime {
        time::OffsetDateTime::from_unix_timestamp(1_770_320_000).expect("time")
    }

    #[test]
    fn a_human_line_is_clean_and_says_what_happened() {
        let failed = Forwarded::Failed {
            error: "connection refused".into(),
            latency: Duration::from_millis(3),
        };
        let line = render(
            false,
            false,
            at(),
            &pairs(),
            b"{}",
            &Checked::NoSecret("no secret".into()),
            Some(&failed),
            None,
        );
        assert_eq!(
            line,
            "19:33:20Z  message.sent[2J  4f04b35b-13c6-4631-9a94-acddc25d24a0  id e-1  \
             signature not checked (no secret)  → connection refused after 3 ms (answered 502)\n"
        );
    }

    #[test]
    fn a_repeated_webhook_id_is_flagged() {
        let first = at() - time::Duration::seconds(65);
        let line = render(
            false,
            false,
            at(),
            &pairs(),
            b"{}",
            &Checked::NoSecret("no secret".into()),
            None,
            Some(first),
        );
        assert!(
            line.ends_with(
                "answered 200  REPEAT of this webhook-id, first at 19:32:15Z (a retry or a \
                 replay: dedupe on it)\n"
            ),
            "{line}"
        );
        let json = render(
            true,
            false,
            at(),
            &pairs(),
            b"{}",
            &Checked::NoSecret("x".into()),
            None,
            Some(first),
        );
        let value: Value = serde_json::from_str(&json).expect("json");
        assert_eq!(value["repeat"], true);
        assert_eq!(value["webhook_id"], "e-1");
        assert_eq!(value["first_seen_at"], "2026-02-05T19:32:15Z");
    }

    #[test]
    fn a_json_line_has_the_documented_fields() {
        let answered = Forwarded::Answered {
            status: 200,
            headers: HeaderMap::new(),
            body: Bytes::new(),
            latency: Duration::from_millis(12),
        };
        let line = render(
            true,
            false,
            at(),
            &pairs(),
            b"{}",
            &Checked::NoSecret("x".into()),
            Some(&answered),
            None,
        );
        let value: Value = serde_json::from_str(&line).expect("json");
        assert_eq!(value["repeat"], false);
        assert_eq!(value["event_type"], "message.sent[2J");
        assert_eq!(value["event_id"], "e-1");
        assert_eq!(value["forward"]["status"], 200);
        assert_eq!(value["forward"]["latency_ms"], 12);
        assert_eq!(value["answered"], 200);
        assert!(value["signature"]["valid"].is_null());
        assert_eq!(value["received_at"], "2026-02-05T19:33:20Z");
    }
}
