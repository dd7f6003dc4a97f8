//! The detail pane of the selected subscription.

use super::theme;
use crate::api::Subscription;
use crate::app::forms::DEFAULT_ROUTING_ID_HEADER;
use crate::app::{age, group_events, payload_version, App, Focus};
use crate::diagnose::Severity;
use crate::text::clean;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;
use time::macros::format_description;
use time::OffsetDateTime;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let mut block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(" Detail ", theme::title()));
    if app.focus == Focus::Detail && app.modal.is_none() {
        block = block.border_style(theme::focused_border());
    }
    let Some(sub) = app.selected_subscription() else {
        frame.render_widget(block, area);
        return;
    };
    let inner_width = usize::from(area.width.saturating_sub(2)).max(1);
    let lines = detail_lines(app, sub, inner_width);
    let total: usize = lines
        .iter()
        .map(|l| l.width().div_ceil(inner_width).max(1))
        .sum();
    let shown = usize::from(area.height.saturating_sub(2)) + usize::from(app.detail_scroll);
    if total > shown {
        let hint = if app.focus == Focus::Detail {
            " ↓ more (j) "
        } else {
            " ↓ more (Enter, then j) "
        };
        block = block.title_bottom(Span::styled(hint, theme::dim()));
    }
    let p = Paragraph::new(lines)
        .block(block)
        .wrap(Wrap { trim: false })
        .scroll((app.detail_scroll, 0));
    frame.render_widget(p, area);
}

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
    let chunks = wrap(text, width.saturating_sub(LABEL_W).max(8));
    chunks
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

/// Splits `text` into pieces of at most `width` columns, after a space, comma, slash or
/// `&` when one is near the end, else exactly at the width (a URL has no spaces).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut rest = text;
    while UnicodeWidthStr::width(rest) > width {
        let mut used = 0;
        let mut cut = 0;
        let mut soft = None;
        for (i, c) in rest.char_indices() {
            let w = UnicodeWidthChar::width(c).unwrap_or(0);
            if used + w > width {
                break;
            }
            used += w;
            cut = i + c.len_utf8();
            if matches!(c, ' ' | ',' | '/' | '&') && used * 3 > width * 2 {
                soft = Some(cut);
            }
        }
        // A character wider than the whole width still has to go somewhere.
        let cut = soft
            .unwrap_or(cut)
            .max(rest.chars().next().map_or(1, char::len_utf8));
        lines.push(rest[..cut].trim_end().to_string());
        rest = rest[cut..].trim_start();
    }
    lines.push(rest.to_string());
    lines
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

/// The Findings block: each finding (worst first) with its fix, wrapped under its text.
fn findings_lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let findings = app.selected_findings();
    let mut lines = Vec::new();
    if findings.is_empty() {
        return lines;
    }
    let worst = crate::diagnose::worst(findings);
    // The probe's findings are evidence of a moment: say which moment.
    let probed = app
        .selected_probe()
        .filter(|_| findings.iter().any(crate::app::probes::is_probe_finding))
        .map(|p| format!(" · probed {}", crate::app::age(app.now, p.at)))
        .unwrap_or_default();
    lines.push(Line::from(vec![
        Span::styled(" Findings ", theme::title()),
        Span::styled(
            format!(
                "{}{probed}",
                match worst {
                    Some(Severity::Error) => "— why it may not deliver",
                    Some(Severity::Warning) => "— worth fixing",
                    _ => "— for information",
                }
            ),
            theme::dim(),
        ),
    ]));
    for f in findings {
        let (mark, style) = match f.severity {
            Severity::Error => ("✖", theme::error_text()),
            Severity::Warning => ("▲", theme::warning()),
            Severity::Info => ("·", theme::dim()),
        };
        let text = format!("{} — {}", f.code, clean(&f.message));
        for (i, chunk) in wrap(&text, width.saturating_sub(4).max(8))
            .into_iter()
            .enumerate()
        {
            let lead = if i == 0 {
                Span::styled(format!(" {mark} "), style)
            } else {
                Span::raw("   ")
            };
            lines.push(Line::from(vec![lead, Span::styled(chunk, style)]));
        }
        let fix = format!("→ {}", clean(&f.fix));
        for chunk in wrap(&fix, width.saturating_sub(5).max(8)) {
            lines.push(Line::from(vec![
                Span::raw("   "),
                Span::styled(chunk, theme::dim()),
            ]));
        }
    }
    lines.push(Line::from(""));
    lines
}

/// The Deliveries block (sandbox, detail pane focused): the last attempts, newest first.
fn deliveries_lines(app: &App) -> Vec<Line<'static>> {
    let Some(rows) = app.selected_deliveries() else {
        return Vec::new();
    };
    let mut lines = vec![Line::from(vec![
        Span::styled(" Deliveries ", theme::title()),
        Span::styled(
            "— newest first, updated while shown (t sends a test event)",
            theme::dim(),
        ),
    ])];
    match rows {
        Err(reason) => lines.push(Line::from(Span::styled(
            format!("   {}", clean(reason)),
            theme::error_text(),
        ))),
        Ok(rows) if rows.is_empty() => {
            lines.push(Line::from(Span::styled("   none yet", theme::dim())))
        }
        Ok(rows) => {
            for r in rows {
                let style = if r.ok {
                    theme::active()
                } else {
                    theme::error_text()
                };
                let mut spans = vec![
                    Span::styled(format!("   {} ", clean(&r.at)), theme::dim()),
                    Span::styled(format!("{:<5} ", clean(&r.outcome)), style),
                    Span::raw(format!("attempt {} ", r.attempt)),
                    Span::raw(
                        r.latency_ms
                            .map(|ms| format!("{ms} ms "))
                            .unwrap_or_default(),
                    ),
                    Span::styled(clean(&r.event_type).into_owned(), theme::dim()),
                ];
                if let Some(next) = &r.next_attempt {
                    spans.push(Span::styled(
                        format!("  next retry {}", clean(next)),
                        theme::warning(),
                    ));
                }
                lines.push(Line::from(spans));
            }
        }
    }
    lines.push(Line::from(""));
    lines
}

pub fn detail_lines(app: &App, sub: &Subscription, width: usize) -> Vec<Line<'static>> {
    let mut lines = findings_lines(app, width);
    lines.extend(super::probe::probe_lines(app, width));
    lines.extend(deliveries_lines(app));
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
    let unknown: Vec<&str> = sub
        .subscribed_events
        .iter()
        .map(String::as_str)
        .filter(|e| !app.catalog.iter().any(|k| k == e))
        .collect();
    let source = if app.catalog_from_server {
        ""
    } else {
        " (bundled catalogue)"
    };
    lines.push(field(
        "events",
        vec![Span::raw(if sub.readable("subscribed_events") {
            format!(
                "{} subscribed of {} known{source}",
                sub.subscribed_events.len(),
                app.catalog.len()
            )
        } else {
            "?".into()
        })],
    ));
    let known = sub
        .subscribed_events
        .iter()
        .map(String::as_str)
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
            Span::raw("   "),
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
            Span::raw("   "),
            Span::styled(format!("unknown ({})", unknown.len()), theme::warning()),
            Span::raw(format!(
                " {} — not in the current catalogue",
                names.join(", ")
            )),
        ]));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn long_values_wrap_within_the_width() {
        let url = format!("https://hooks.example/{}", "a".repeat(50));
        let lines = wrap(&url, 20);
        assert!(lines.iter().all(|l| l.chars().count() <= 20), "{lines:?}");
        assert_eq!(lines.concat(), url);
        assert_eq!(
            wrap("+12025550142, +14155550163", 16),
            ["+12025550142,", "+14155550163"]
        );
        // Wide characters count two columns each.
        assert!(wrap(&"界".repeat(10), 5)
            .iter()
            .all(|l| l.chars().count() <= 2));
        assert_eq!(wrap("short", 20), ["short"]);
    }
}
