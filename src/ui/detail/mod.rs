//! The detail pane of the selected subscription: an ordered list of blocks.
//!
//! Top to bottom: what the subscription is and whether it delivers (its own fields), its
//! findings one line each, then evidence blocks (the sandbox's delivery attempts; a probe
//! and a delivery history belong here too), then the rest of its settings. At 80×24 the
//! first two blocks fit without scrolling.

mod fields;
mod findings;

use super::theme;
use crate::api::Subscription;
use crate::app::{App, Focus};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// What the blocks are drawn from.
pub(super) struct Pane<'a> {
    pub app: &'a App,
    pub sub: &'a Subscription,
    /// Columns inside the border.
    pub width: usize,
    /// Focused (Enter): findings are shown in full, with their fixes.
    pub focused: bool,
}

/// The blocks of the pane, in the order drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailBlock {
    /// id, target, status, events: what it is and whether it delivers.
    Summary,
    /// One line per finding (info notes folded into one); in full when focused.
    Findings,
    /// Evidence: the last probe of the endpoint (`P`), its stages and certificate.
    Probe,
    /// payload version, times, phone filter, routing, the events by group.
    Settings,
}

/// The order of the blocks. An evidence block (a probe) goes after `Findings` and before
/// `Settings`; the delivery log is a widget of its own at the bottom of the pane.
pub const BLOCKS: [DetailBlock; 4] = [
    DetailBlock::Summary,
    DetailBlock::Findings,
    DetailBlock::Probe,
    DetailBlock::Settings,
];

impl DetailBlock {
    fn lines(self, pane: &Pane) -> Vec<Line<'static>> {
        match self {
            DetailBlock::Summary => fields::summary(pane),
            DetailBlock::Findings => findings::lines(pane),
            DetailBlock::Probe => super::probe::probe_lines(pane.app, pane.width),
            DetailBlock::Settings => fields::settings(pane),
        }
    }
}

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
    // The Deliveries block takes the bottom of the pane, drawn by its own widget.
    let inner = block.inner(area);
    let block_rows = super::deliveries::height(app, inner.height);
    let [text_area, deliveries_area] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(block_rows)]).areas(inner);
    let total: usize = lines
        .iter()
        .map(|l| l.width().div_ceil(inner_width).max(1))
        .sum();
    let shown = usize::from(text_area.height) + usize::from(app.detail_scroll);
    if total > shown {
        let hint = if app.focus == Focus::Detail {
            " ↓ more (j) "
        } else {
            " ↓ more (Enter, then j) "
        };
        block = block.title_bottom(Span::styled(hint, theme::dim()));
    }
    frame.render_widget(block, area);
    let p = Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .scroll((app.detail_scroll, 0));
    frame.render_widget(p, text_area);
    if block_rows > 0 {
        super::deliveries::render(app, frame, deliveries_area);
    }
}

/// Every block in order, an empty line between two that have something to say — except
/// before the one-line findings: their markers set them apart, and at 80×24 that row is
/// the one that keeps the worst finding on screen under a target URL that wraps.
pub fn detail_lines(app: &App, sub: &Subscription, width: usize) -> Vec<Line<'static>> {
    let pane = Pane {
        app,
        sub,
        width,
        focused: app.focus == Focus::Detail,
    };
    let mut lines: Vec<Line<'static>> = Vec::new();
    for block in BLOCKS {
        let more = block.lines(&pane);
        if more.is_empty() {
            continue;
        }
        if !lines.is_empty() && (block != DetailBlock::Findings || pane.focused) {
            lines.push(Line::from(""));
        }
        lines.extend(more);
    }
    lines
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
