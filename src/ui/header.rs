//! Header, tabs (with the filter input), banner and footer lines.

use super::theme;
pub use crate::app::banner_text;
use crate::app::keymap::{self, Context};
use crate::app::{refresh_label, App, Banner, BannerLevel, Focus, Startup, Tab};
use crate::text::clean;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

const SPINNER: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];

pub fn render_header(app: &App, frame: &mut Frame, area: Rect) {
    let c = &app.connection;
    // What matters most comes first, so a narrow terminal cuts only the location.
    let mut spans = vec![Span::styled(" linq-hooks ", theme::title())];
    spans.push(if app.busy() {
        Span::styled(SPINNER[app.spinner % SPINNER.len()], theme::pending())
    } else {
        Span::raw(" ")
    });
    spans.push(Span::raw(" "));
    // A profile's label in its colour: which account this is, at a glance (the sandbox and
    // the environment's key have their badge and key hint instead).
    if let Some(account) = app
        .current_account()
        .filter(|a| a.name != crate::config::SANDBOX && a.name != crate::config::ENVIRONMENT)
    {
        spans.push(Span::styled(
            format!(" {} ", clean(&account.label)),
            theme::profile_badge(account.color.as_deref()),
        ));
        spans.push(Span::raw(" "));
    }
    if c.sandbox {
        spans.push(Span::styled(" SANDBOX ", theme::sandbox_badge()));
    } else {
        spans.push(Span::styled(" LIVE ", theme::live_badge()));
    }
    if c.read_only {
        spans.push(Span::styled(" READ-ONLY ", theme::warning()));
    }
    spans.push(Span::raw(" "));
    if matches!(app.startup, Startup::Ready | Startup::FirstRows) {
        spans.push(Span::styled(
            format!("{} active", app.counts.active),
            theme::active(),
        ));
        spans.push(Span::raw(" · "));
        spans.push(Span::raw(format!("{} paused", app.counts.paused)));
    } else {
        spans.push(Span::styled("… active · … paused", theme::dim()));
    }
    if let Some(at) = app.last_refresh {
        spans.push(Span::styled(
            format!(" │ refreshed {}", refresh_label(app.now, at)),
            theme::dim(),
        ));
    }
    spans.push(Span::styled(" │ ", theme::dim()));
    if c.sandbox {
        spans.push(Span::raw(clean(&c.base_url).into_owned()));
    } else {
        let host = url::Url::parse(&c.base_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| c.base_url.clone());
        spans.push(Span::raw(clean(&host).into_owned()));
        if let Some(hint) = &c.key_hint {
            spans.push(Span::styled(format!("  key {hint}"), theme::dim()));
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub fn render_tabs(app: &App, frame: &mut Frame, area: Rect) {
    let mut spans = vec![Span::raw(" ")];
    for (tab, key, name, count) in [
        (Tab::All, "1", "All", Some(app.counts.all())),
        (Tab::Active, "2", "Active", Some(app.counts.active)),
        (Tab::Paused, "3", "Paused", Some(app.counts.paused)),
        // Not known until every row's findings are (a frame after a large list).
        (
            Tab::Problems,
            "4",
            "Problems",
            Some(app.problem_count).filter(|_| !app.findings_partial),
        ),
    ] {
        let count = count.map_or_else(|| "…".to_string(), |n| n.to_string());
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
    let style = match banner.level {
        BannerLevel::Error => theme::error_banner(),
        BannerLevel::Info | BannerLevel::Notice => theme::info_banner(),
    };
    let text = banner_text(banner);
    frame.render_widget(
        Paragraph::new(text).style(style).wrap(Wrap { trim: false }),
        area,
    );
}

pub fn render_footer(app: &App, frame: &mut Frame, area: Rect) {
    let context = app.context();
    let help = matches!(context, Context::List | Context::Detail);
    // Hints are added while they fit; "? help" always keeps its place.
    let mut budget = usize::from(area.width).saturating_sub(if help { 8 } else { 1 });
    let mut spans = vec![Span::raw(" ")];
    for (label, words) in keymap::hints(context, app.connection.read_only) {
        let width = label.chars().count() + words.chars().count() + 3;
        if width > budget {
            break;
        }
        budget -= width;
        spans.push(Span::styled(label, theme::key()));
        spans.push(Span::styled(format!(" {words}  "), theme::dim()));
    }
    if help {
        spans.push(Span::styled("?", theme::key()));
        spans.push(Span::styled(" help", theme::dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
