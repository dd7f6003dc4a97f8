//! Every account at once: an account's state in the Accounts view (counts, markers, age,
//! or why it could not be read), the search across accounts, and the command palette.

use super::theme;
use crate::app::fleet_view::{AccountSearch, Palette};
use crate::app::App;
use crate::text::clean;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

/// "12 active · 3 paused ✖2 ▲1 · 2m ago", "reading…", or "✖ cannot read: …".
pub fn account_state(app: &App, name: &str, width: usize) -> Vec<Span<'static>> {
    match app.account_counts(name) {
        None if app.account_reading(name) => vec![Span::styled("reading…", theme::dim())],
        None => vec![Span::styled("—", theme::dim())],
        Some(Err(reason)) => {
            let text = super::list::truncate(
                &format!("cannot read: {}", clean(&reason)),
                width.saturating_sub(2),
            );
            vec![
                Span::styled("✖ ", theme::error_text()),
                Span::styled(text, theme::dim()),
            ]
        }
        Some(Ok((counts, age))) => {
            let mut spans = vec![Span::raw(format!(
                "{} active · {} paused",
                counts.active, counts.paused
            ))];
            if counts.errors > 0 {
                spans.push(Span::styled(
                    format!(" ✖{}", counts.errors),
                    theme::error_text(),
                ));
            }
            if counts.warnings > 0 {
                spans.push(Span::styled(
                    format!(" ▲{}", counts.warnings),
                    theme::warning(),
                ));
            }
            if let Some(age) = age {
                spans.push(Span::styled(format!(" · {}", ago(age)), theme::dim()));
            }
            spans
        }
    }
}

fn ago(secs: i64) -> String {
    match secs {
        s if s < 60 => "just now".into(),
        s if s < 3600 => format!("{} min ago", s / 60),
        s => format!("{} h ago", s / 3600),
    }
}

fn frame_block(frame: &mut Frame, area: Rect, title: &str, bottom: &str, rows: u16) -> Rect {
    let rect = super::dialogs::centered(area, 120, rows + 2);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::focused_border())
        .title(Span::styled(title.to_string(), theme::title()))
        .title_bottom(Span::styled(bottom.to_string(), theme::dim()));
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    inner
}

/// The search across every account: the query, then one line a hit.
pub fn render_search(app: &App, frame: &mut Frame, area: Rect, search: &AccountSearch) {
    let rows = (search.hits.len() as u16 + 3).clamp(6, area.height.saturating_sub(2).max(6));
    let inner = frame_block(
        frame,
        area,
        " Search every account ",
        " type: id, URL or host, phone, event type · ↑↓ · Enter go there · Esc back ",
        rows,
    );
    let reading = app
        .accounts
        .iter()
        .filter(|a| app.account_reading(&a.name))
        .count();
    let mut lines = vec![Line::from(vec![
        Span::styled("/ ", theme::key()),
        Span::raw(clean(&search.query).into_owned()),
        Span::styled("▏", theme::dim()),
    ])];
    let summary = match (search.hits.len(), search.more) {
        _ if search.query.trim().is_empty() => "type to search".to_string(),
        (n, true) => format!("the first {n} hits"),
        (1, false) => "1 hit".to_string(),
        (n, false) => format!("{n} hits"),
    };
    let still = if reading > 0 {
        format!(" · still reading {reading} accounts")
    } else {
        String::new()
    };
    lines.push(Line::from(Span::styled(
        format!("{summary}{still}"),
        theme::dim(),
    )));
    let room = usize::from(inner.height.saturating_sub(2)).max(1);
    let first = search.cursor.saturating_sub(room - 1);
    let width = usize::from(inner.width);
    for (i, hit) in search.hits.iter().enumerate().skip(first).take(room) {
        let text = format!(
            " {:<14} {:<8} {:<36}  {}  ({})",
            super::list::truncate(&clean(&hit.account), 14),
            if hit.active { "active" } else { "paused" },
            clean(&hit.id),
            clean(&hit.target_url),
            clean(&hit.on.label()),
        );
        let style = if i == search.cursor {
            theme::selected()
        } else {
            Style::new()
        };
        lines.push(Line::from(Span::styled(
            super::list::truncate(&text, width),
            style,
        )));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The command palette: what is typed, then the matching actions with their keys.
pub fn render_palette(app: &App, frame: &mut Frame, area: Rect, palette: &Palette) {
    let entries = palette.entries(app.connection.read_only);
    let rows = (entries.len() as u16 + 2).clamp(4, area.height.saturating_sub(2).max(4));
    let inner = frame_block(
        frame,
        area,
        " Command palette ",
        " type to filter · ↑↓ · Enter run · Esc close ",
        rows,
    );
    let mut lines = vec![Line::from(vec![
        Span::styled(": ", theme::key()),
        Span::raw(clean(&palette.query).into_owned()),
        Span::styled("▏", theme::dim()),
    ])];
    if entries.is_empty() {
        lines.push(Line::from(Span::styled("no action matches", theme::dim())));
    }
    let room = usize::from(inner.height.saturating_sub(1)).max(1);
    let first = palette.cursor.saturating_sub(room - 1);
    for (i, b) in entries.iter().enumerate().skip(first).take(room) {
        let selected = i == palette.cursor;
        let key_style = if selected {
            theme::selected()
        } else {
            theme::key()
        };
        let help_style = if selected {
            theme::selected()
        } else {
            Style::new()
        };
        lines.push(Line::from(vec![
            Span::styled(format!(" {:<8} ", b.label), key_style),
            Span::styled(b.help.to_string(), help_style),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
