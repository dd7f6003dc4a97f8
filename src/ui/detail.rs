//! The detail pane of the selected subscription.

use super::theme;
use crate::api::Subscription;
use crate::app::forms::DEFAULT_ROUTING_ID_HEADER;
use crate::app::{age, group_events, payload_version, App, Focus};
use crate::text::clean;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;
use time::macros::format_description;
use time::OffsetDateTime;

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
    let lines = detail_lines(app, sub);
    let inner_width = usize::from(area.width.saturating_sub(2)).max(1);
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

fn field(name: &str, value: Vec<Span<'static>>) -> Line<'static> {
    let mut spans = vec![Span::styled(format!(" {name:<9}"), theme::dim())];
    spans.extend(value);
    Line::from(spans)
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

pub fn detail_lines(app: &App, sub: &Subscription) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    lines.push(field("id", vec![Span::raw(clean(&sub.id).into_owned())]));
    lines.push(field(
        "target",
        vec![Span::raw(clean(&sub.target_url).into_owned())],
    ));
    let status = if sub.is_active {
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
    lines.push(field("created", vec![Span::raw(when(app, sub.created_at))]));
    lines.push(field("updated", vec![Span::raw(when(app, sub.updated_at))]));
    let phones = match sub.phone_filter() {
        [] => Span::raw("every line (no filter)"),
        list => Span::raw(
            list.iter()
                .map(|p| clean(p).into_owned())
                .collect::<Vec<_>>()
                .join(", "),
        ),
    };
    lines.push(field("phones", vec![phones]));
    let routing = match (&sub.routing_key_header, &sub.routing_id_header) {
        (Some(key), id) => format!(
            "affinity on: key header {}, id header {}",
            clean(key),
            clean(id.as_deref().unwrap_or(DEFAULT_ROUTING_ID_HEADER))
        ),
        (None, _) => "delivery affinity off".into(),
    };
    lines.push(field("routing", vec![Span::raw(routing)]));
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
        vec![Span::raw(format!(
            "{} subscribed of {} known{source}",
            sub.subscribed_events.len(),
            app.catalog.len()
        ))],
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
