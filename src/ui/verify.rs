//! The verify screen: the pasted capture (its first lines), the masked secret, and one
//! verdict line per signature scheme.

use super::theme;
use crate::app::verify::{VerifyField, VerifyScreen};
use crate::text::clean;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

/// Capture lines shown (the headers matter; the body is summarised).
const SHOWN_LINES: usize = 12;

pub fn render(screen: &VerifyScreen, frame: &mut Frame, area: Rect) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::focused_border())
        .title(Span::styled(
            " Verify a delivery's signature — same checks as `linq-hooks verify` ",
            theme::title(),
        ));
    let label = |field: VerifyField, text: &'static str| {
        if screen.field == field {
            Span::styled(text, theme::key())
        } else {
            Span::styled(text, theme::dim())
        }
    };
    let mut lines = vec![Line::from(vec![
        label(VerifyField::Request, " ▸ Captured request "),
        Span::styled(
            "(paste: request line, headers, blank line, body)",
            theme::dim(),
        ),
    ])];
    if screen.request.is_empty() {
        lines.push(Line::from(Span::styled(
            "   nothing yet — paste the whole request here",
            theme::dim(),
        )));
    } else {
        let total = screen.request.lines().count();
        for line in screen.request.lines().take(SHOWN_LINES) {
            lines.push(Line::from(format!("   {}", clean(line))));
        }
        lines.push(Line::from(Span::styled(
            format!(
                "   {} lines, {} bytes{}",
                total,
                screen.request.len(),
                if total > SHOWN_LINES {
                    " (the rest not shown)"
                } else {
                    ""
                }
            ),
            theme::dim(),
        )));
    }
    lines.push(Line::from(""));
    let secret = match screen.secret_len() {
        0 => Span::styled("nothing yet — paste the whsec_… secret", theme::dim()),
        n => Span::raw(format!(
            "{} ({n} characters, never shown)",
            "•".repeat(n.min(40))
        )),
    };
    lines.push(Line::from(vec![
        label(VerifyField::Secret, " ▸ Signing secret   "),
        secret,
    ]));
    lines.push(Line::from(""));
    if let Some(notice) = &screen.notice {
        lines.push(Line::from(Span::styled(
            format!(" • {}", clean(notice)),
            theme::warning(),
        )));
    }
    if screen.verdict.is_empty() {
        lines.push(Line::from(Span::styled(
            " The verdict appears once both are given.",
            theme::dim(),
        )));
    }
    for (valid, text) in &screen.verdict {
        let (mark, style) = if *valid {
            ("✓", theme::active())
        } else {
            ("✗", theme::error_text())
        };
        lines.push(Line::from(vec![
            Span::styled(format!(" {mark} "), style),
            Span::raw(clean(text).into_owned()),
        ]));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}
