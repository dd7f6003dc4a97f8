//! Header, tabs (with the filter input), banner and footer lines.

use super::theme;
use crate::app::keymap::{self, Context};
use crate::app::{refresh_label, App, Banner, BannerLevel, Focus, Tab};
use crate::text::clean;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

const SPINNER: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];

pub fn render_header(app: &App, frame: &mut Frame, area: Rect) {
    let c = &app.connection;
    let mut spans = vec![Span::styled(" linq-hooks ", theme::title())];
    if c.sandbox {
        spans.push(Span::styled(" SANDBOX ", theme::sandbox_badge()));
        spans.push(Span::raw(format!(" {} ", clean(&c.base_url))));
    } else {
        spans.push(Span::styled(" LIVE ", theme::live_badge()));
        let host = url::Url::parse(&c.base_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| c.base_url.clone());
        spans.push(Span::raw(format!(" {} ", clean(&host))));
        if let Some(hint) = &c.key_hint {
            spans.push(Span::styled(format!("key {hint} "), theme::dim()));
        }
    }
    if c.read_only {
        spans.push(Span::styled(" READ-ONLY ", theme::warning()));
    }
    spans.push(Span::styled("│ ", theme::dim()));
    spans.push(Span::styled(
        format!("{} active", app.counts.active),
        theme::active(),
    ));
    spans.push(Span::raw(" · "));
    spans.push(Span::raw(format!("{} paused", app.counts.paused)));
    if let Some(at) = app.last_refresh {
        spans.push(Span::styled(
            format!(" │ refreshed {}", refresh_label(app.now, at)),
            theme::dim(),
        ));
    }
    if app.busy() {
        spans.push(Span::styled(
            format!(" {}", SPINNER[app.spinner % SPINNER.len()]),
            theme::pending(),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub fn render_tabs(app: &App, frame: &mut Frame, area: Rect) {
    let mut spans = vec![Span::raw(" ")];
    for (tab, key, name, count) in [
        (Tab::All, "1", "All", app.counts.all()),
        (Tab::Active, "2", "Active", app.counts.active),
        (Tab::Paused, "3", "Paused", app.counts.paused),
    ] {
        let style = if app.tab == tab {
            theme::selected()
        } else {
            ratatui::style::Style::new()
        };
        spans.push(Span::styled(key, theme::key()));
        spans.push(Span::styled(format!(" {name} ({count}) "), style));
        spans.push(Span::raw("  "));
    }
    let query = app.filter.value();
    if app.focus == Focus::Filter {
        spans.push(Span::styled("/ ", theme::key()));
        spans.push(Span::raw(query.to_string()));
        spans.push(Span::styled("▏", theme::key()));
    } else if !query.is_empty() {
        spans.push(Span::styled("filter: ", theme::dim()));
        spans.push(Span::styled(query.to_string(), theme::warning()));
        spans.push(Span::styled("  (Esc clears)", theme::dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub fn render_banner(banner: &Banner, frame: &mut Frame, area: Rect) {
    let (style, mark) = match banner.level {
        BannerLevel::Error => (theme::error_banner(), "✖"),
        BannerLevel::Info => (theme::info_banner(), "✔"),
    };
    let mut text = format!(" {mark} {}", clean(&banner.text));
    if let Some(trace) = &banner.trace_id {
        text.push_str(&format!("  trace {trace}"));
    }
    text.push_str("  (Esc)");
    frame.render_widget(Paragraph::new(text).style(style), area);
}

pub fn render_footer(app: &App, frame: &mut Frame, area: Rect) {
    let context = app.context();
    let mut spans = vec![Span::raw(" ")];
    let hints = keymap::hints(context, app.connection.read_only);
    for (label, help) in hints.iter().take(6) {
        spans.push(Span::styled(*label, theme::key()));
        spans.push(Span::styled(format!(" {help}  "), theme::dim()));
    }
    if matches!(context, Context::List | Context::Detail) {
        spans.push(Span::styled("?", theme::key()));
        spans.push(Span::styled(" help", theme::dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
