//! The subscription's own fields: the summary (what it is, whether it delivers) at the top
//! of the pane, the rest of its settings at the bottom.

use super::super::{list::truncate, theme};
use super::{wrap, Pane};
use crate::api::Subscription;
use crate::app::forms::DEFAULT_ROUTING_ID_HEADER;
use crate::app::{age, group_events, payload_version, App};
use crate::text::clean;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use time::macros::format_description;
use time::OffsetDateTime;

/// The label column: " name     " before each value.
const LABEL_W: usize = 10;

fn field(name: &str, value: Vec<Span<'static>>) -> Line<'static> {
    let mut spans = vec![Span::styled(format!(" {name:<9}"), theme::dim())];
    spans.extend(value);
    Line::from(spans)
}

/// A field whose value may be longer than the pane: continuation lines start under the
/// value, not at column 0 under an empty label.
fn field_wrapped(name: &str, text: &str, style: Style, width: usize) -> Vec<Line<'static>> {
    wrap(text, width.saturating_sub(LABEL_W).max(8))
        .into_iter()
        .enumerate()
        .map(|(i, chunk)| {
            let label = if i == 0 {
                format!(" {name:<9}")
            } else {
                " ".repeat(LABEL_W)
            };
            Line::from(vec![
                Span::styled(label, theme::dim()),
                Span::styled(chunk, style),
            ])
        })
        .collect()
}

fn when(app: &App, t: OffsetDateTime) -> String {
    let utc = t.to_offset(time::UtcOffset::UTC);
    let text = utc
        .format(format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second] UTC"
        ))
        .unwrap_or_else(|_| "?".into());
    format!("{text} ({})", age(app.now, t))
}

/// What the server sent for `field`, or `?` when it sent something unreadable.
fn shown(sub: &Subscription, field: &str, text: &str) -> String {
    if sub.readable(field) {
        crate::text::display(text).into_owned()
    } else {
        "?".into()
    }
}

/// The subscription's event types the catalogue does not know.
fn unknown_events<'a>(app: &App, sub: &'a Subscription) -> Vec<&'a str> {
    sub.subscribed_events
        .iter()
        .map(|e| e.as_str())
        .filter(|e| !app.catalog.iter().any(|k| k == e))
        .collect()
}

/// id, target, status and events (one line: counts by group): what it is and whether it
/// delivers.
pub(super) fn summary(pane: &Pane) -> Vec<Line<'static>> {
    let (app, sub, width) = (pane.app, pane.sub, pane.width);
    let mut lines = Vec::new();
    if !sub.unreadable.is_empty() {
        lines.extend(field_wrapped(
            "unreadable",
            &format!(
                "{} — the server sent these in a shape linq-hooks cannot read",
                sub.unreadable.names().join(", ")
            ),
            theme::error_text(),
            width,
        ));
    }
    lines.extend(field_wrapped(
        "id",
        &shown(sub, "id", &sub.id),
        Style::new(),
        width,
    ));
    lines.extend(field_wrapped(
        "target",
        &shown(sub, "target_url", &sub.target_url),
        Style::new(),
        width,
    ));
    let status = if !sub.readable("is_active") {
        Span::styled("? unknown", theme::warning())
    } else if sub.is_active {
        Span::styled("● active — deliveries on", theme::active())
    } else {
        Span::styled("◌ paused — no deliveries", theme::warning())
    };
    lines.push(field("status", vec![status]));
    if let Some(pair) = app.rotation_of(&sub.id) {
        let role = if pair.old_id == sub.id {
            "old secret"
        } else {
            "new secret"
        };
        lines.extend(field_wrapped(
            "rotation",
            &format!(
                "{} — this is the {role}; the other is {} (R: finish / abort)",
                super::super::rotation::pair_label(app, pair),
                clean(pair.partner(&sub.id))
            ),
            theme::warning(),
            width,
        ));
    }
    let events = if sub.readable("subscribed_events") {
        let unknown = unknown_events(app, sub);
        let known = sub
            .subscribed_events
            .iter()
            .map(|e| e.as_str())
            .filter(|e| !unknown.contains(e));
        let mut parts: Vec<String> = group_events(known)
            .iter()
            .map(|(prefix, events)| format!("{}.* ({})", clean(prefix), events.len()))
            .collect();
        if !unknown.is_empty() {
            parts.push(format!("{} unknown", unknown.len()));
        }
        format!(
            "{} subscribed: {}",
            sub.subscribed_events.len(),
            parts.join(", ")
        )
    } else {
        "?".into()
    };
    lines.push(field(
        "events",
        vec![Span::raw(truncate(&events, width.saturating_sub(LABEL_W)))],
    ));
    lines
}

/// The rest: payload version, times, phone filter, routing, and the events by group.
pub(super) fn settings(pane: &Pane) -> Vec<Line<'static>> {
    let (app, sub, width) = (pane.app, pane.sub, pane.width);
    let mut lines = Vec::new();
    let version = match payload_version(&sub.target_url) {
        Some(v) => Span::raw(format!("{} (pinned by ?version=)", clean(&v))),
        None => Span::styled(
            "default (no ?version= pin: depends on creation date)",
            theme::warning(),
        ),
    };
    lines.push(field("payload", vec![version]));
    for (name, key, at) in [
        ("created", "created_at", sub.created_at),
        ("updated", "updated_at", sub.updated_at),
    ] {
        let text = if sub.readable(key) {
            when(app, at)
        } else {
            "?".into()
        };
        lines.push(field(name, vec![Span::raw(text)]));
    }
    let phones = match sub.phone_filter() {
        _ if !sub.readable("phone_numbers") => "?".to_string(),
        [] => "every line (no filter)".to_string(),
        list => list
            .iter()
            .map(|p| clean(p).into_owned())
            .collect::<Vec<_>>()
            .join(", "),
    };
    lines.extend(field_wrapped("phones", &phones, Style::new(), width));
    let routing = match (&sub.routing_key_header, &sub.routing_id_header) {
        (Some(key), id) => format!(
            "affinity on: key header {}, id header {}",
            clean(key),
            clean(id.as_deref().unwrap_or(DEFAULT_ROUTING_ID_HEADER))
        ),
        (None, _) => "delivery affinity off".into(),
    };
    lines.extend(field_wrapped("routing", &routing, Style::new(), width));
    if !sub.readable("subscribed_events") {
        return lines;
    }
    let source = if app.catalog_from_server {
        ""
    } else {
        " (bundled catalogue)"
    };
    lines.push(field(
        "events",
        vec![Span::raw(format!(
            "{} subscribed of {} known{source}",
            sub.subscribed_events.len(),
            app.catalog.len()
        ))],
    ));
    let unknown = unknown_events(app, sub);
    let known = sub
        .subscribed_events
        .iter()
        .map(|e| e.as_str())
        .filter(|e| !unknown.contains(e));
    for (prefix, events) in group_events(known) {
        let names: Vec<String> = events
            .iter()
            .map(|e| {
                clean(
                    e.strip_prefix(prefix)
                        .and_then(|r| r.strip_prefix('.'))
                        .unwrap_or(e),
                )
                .into_owned()
            })
            .collect();
        lines.push(Line::from(vec![
            Span::raw(" ".repeat(LABEL_W)),
            Span::styled(
                format!("{}.* ({})", clean(prefix), events.len()),
                theme::key(),
            ),
            Span::raw(format!(" {}", names.join(", "))),
        ]));
    }
    if !unknown.is_empty() {
        let names: Vec<String> = unknown.iter().map(|e| clean(e).into_owned()).collect();
        lines.push(Line::from(vec![
            Span::raw(" ".repeat(LABEL_W)),
            Span::styled(format!("unknown ({})", unknown.len()), theme::warning()),
            Span::raw(format!(
                " {} — not in the current catalogue",
                names.join(", ")
            )),
        ]));
    }
    lines
}
