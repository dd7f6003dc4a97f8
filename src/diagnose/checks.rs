//! The checks of one subscription on its own: its events, phone filter and routing headers
//! against what the account knows.

use super::*;
use crate::api::EventType;

/// Findings that need no other subscription, and the endpoint key for twin detection.
pub(super) fn own_findings(sub: &Subscription, known: &Known) -> (Vec<Finding>, Option<String>) {
    let mut out = Vec::new();
    let unreadable = sub.unreadable.names();
    if !unreadable.is_empty() {
        out.push(finding(
            Severity::Info,
            "unreadable-fields",
            format!(
                "The server sent {} in a shape this version cannot read, so checks on {} are skipped.",
                unreadable.join(", "),
                them(unreadable.len())
            ),
            "Inspect the row with the API or a newer linq-hooks.",
        ));
    }
    if sub.readable("is_active") && !sub.is_active {
        out.push(finding(
            Severity::Warning,
            "paused",
            "Paused: Linq delivers nothing to it until it is resumed.",
            "Resume it with p.",
        ));
    }
    let (key, pin) = if sub.readable("target_url") {
        target_findings(&sub.target_url, known.sandbox, &mut out)
    } else {
        (None, Pin::Unknowable)
    };
    if sub.readable("subscribed_events") {
        event_findings(&sub.subscribed_events, pin, known, &mut out);
    }
    if sub.readable("phone_numbers") {
        if let Some(lines) = &known.lines {
            phone_findings(sub.phone_filter(), lines, &mut out);
        }
    }
    if sub.readable("routing_id_header") && sub.readable("routing_key_header") {
        routing_findings(sub, &mut out);
    }
    (out, key)
}

pub(super) fn event_findings(
    events: &[EventType],
    pin: Pin,
    known: &Known,
    out: &mut Vec<Finding>,
) {
    if events.is_empty() {
        out.push(finding(
            Severity::Error,
            "no-events",
            "It is subscribed to no event types, so nothing is ever delivered.",
            "Choose event types (e to edit).",
        ));
        return;
    }
    let withheld = |e: &EventType| {
        VERSIONED_EVENTS
            .iter()
            .find(|(name, _)| name == e)
            .is_some_and(|(_, since)| match pin {
                Pin::Known(v) => v < *since,
                Pin::Missing => true,
                Pin::Unknowable | Pin::Unknown => false,
            })
    };
    let gated: Vec<&EventType> = events.iter().filter(|e| withheld(e)).collect();
    if !gated.is_empty() {
        out.push(match pin {
            Pin::Known(v) => {
                let never_fires = events.iter().all(withheld);
                finding(
                    if never_fires {
                        Severity::Error
                    } else {
                        Severity::Warning
                    },
                    "event-not-delivered-for-version",
                    format!(
                        "{} {} never delivered with the {v} payload{}.",
                        list(&gated),
                        is_are(gated.len()),
                        if never_fires {
                            ", so this subscription never fires"
                        } else {
                            ""
                        }
                    ),
                    "Switch to ?version=2026-02-03 once your receiver reads that payload, or drop the event (e to edit).",
                )
            }
            _ => finding(
                Severity::Warning,
                "event-not-delivered-for-version",
                format!(
                    "{} may never be delivered: without ?version= the legacy 2025-01-01 payload may be used.",
                    list(&gated)
                ),
                "Pin ?version=2026-02-03 (e to edit, Ctrl-P in the URL field).",
            ),
        });
    }
    if known.catalog.is_empty() {
        return;
    }
    let mut seen = HashSet::new();
    let unknown: Vec<&EventType> = events
        .iter()
        .filter(|e| !known.catalog.contains(e.as_str()) && seen.insert(e.as_str()))
        .collect();
    if unknown.is_empty() {
        return;
    }
    out.push(if known.catalog_from_server {
        finding(
            Severity::Warning,
            "unknown-event-type",
            format!(
                "{} {} not in Linq's event catalogue, so Linq never sends {}.",
                list(&unknown),
                is_are(unknown.len()),
                them(unknown.len())
            ),
            "Remove the unknown event types (e to edit).",
        )
    } else {
        finding(
            Severity::Info,
            "unknown-event-type",
            format!(
                "{} {} not in the bundled event catalogue; {} may be newer than this version.",
                list(&unknown),
                is_are(unknown.len()),
                if unknown.len() == 1 { "it" } else { "they" }
            ),
            "Refresh with r to check against the server's catalogue.",
        )
    });
}

pub(super) fn phone_key(number: &str) -> String {
    normalise_phone(number.trim())
}

pub(super) fn phone_findings(filter: &[String], lines: &HashSet<String>, out: &mut Vec<Finding>) {
    let missing: Vec<&String> = filter
        .iter()
        .filter(|n| !lines.contains(&phone_key(n)))
        .collect();
    if missing.is_empty() {
        return;
    }
    out.push(if missing.len() == filter.len() {
        finding(
            Severity::Error,
            "no-phone-is-a-line",
            format!(
                "None of the phone filter's numbers ({}) is a line of this account, so the subscription never fires.",
                list(&missing)
            ),
            "Put the account's lines in the phone filter, or clear it to hear every line (e to edit).",
        )
    } else {
        finding(
            Severity::Warning,
            "phone-not-a-line",
            format!(
                "{} {} not a line of this account, so no events come from {}.",
                list(&missing),
                is_are(missing.len()),
                them(missing.len())
            ),
            "Remove the numbers that are not lines from the phone filter (e to edit).",
        )
    });
}

pub(super) fn routing_findings(sub: &Subscription, out: &mut Vec<Finding>) {
    let set = |h: &Option<String>| {
        h.as_deref()
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map(str::to_string)
    };
    let id = set(&sub.routing_id_header);
    // The server may report the default id header with affinity off: that is no mistake.
    if let (Some(id), None) = (id, set(&sub.routing_key_header)) {
        if !id.eq_ignore_ascii_case(DEFAULT_ROUTING_ID_HEADER) {
            out.push(finding(
                Severity::Warning,
                "routing-id-without-key",
                format!(
                    "The routing id header {} is set without a routing key header, so Linq ignores it.",
                    shown(&id)
                ),
                "Set a routing key header too, or clear the id header (e to edit).",
            ));
        }
    }
}
