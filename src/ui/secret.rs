//! The one-time signing-secret dialog. Masked unless the user reveals it; it says plainly
//! that the secret cannot be shown again, and honestly what a copy did.

use super::theme;
use crate::app::{CopyOutcome, SecretDialog};
use crate::text::clean;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

pub fn render(dialog: &SecretDialog, frame: &mut Frame, area: Rect) {
    let [url_line, id_line] = super::dialogs::subject_lines(&dialog.target_url, &dialog.id);
    let mut lines = vec![Line::from(""), url_line, id_line];
    if let Some(note) = &dialog.note {
        lines.push(Line::from(Span::styled(
            format!(" {}", clean(note)),
            theme::title(),
        )));
    }
    lines.extend([
        Line::from(""),
        Line::from(Span::styled(
            " Linq shows this signing secret once. It cannot be retrieved again: losing it",
            theme::warning(),
        )),
        Line::from(Span::styled(
            " means deleting and re-creating the subscription.",
            theme::warning(),
        )),
        Line::from(""),
    ]);
    let shown = match dialog.secret() {
        // Borrowed, not formatted: no extra copy of the secret per frame.
        Some(secret) if dialog.revealed && secret.is_well_formed() => {
            Span::styled(secret.expose(), theme::title())
        }
        // Not the documented shape: drawn cleaned, never as sent.
        Some(secret) if dialog.revealed => {
            Span::styled(clean(secret.expose()).into_owned(), theme::error_text())
        }
        // Fixed length: the mask says nothing about the secret.
        Some(_) => Span::styled(format!("whsec_{}", "•".repeat(32)), theme::title()),
        None => Span::raw("(gone)"),
    };
    lines.push(Line::from(vec![
        Span::raw(" "),
        shown,
        Span::styled(
            if dialog.revealed {
                "  (v masks)"
            } else {
                "  (v reveals)"
            },
            theme::dim(),
        ),
    ]));
    if dialog.secret().is_some_and(|s| !s.is_well_formed()) {
        lines.push(Line::from(Span::styled(
            " ✖ The server sent an unusable secret (not whsec_ and base64): it cannot be copied.",
            theme::error_text(),
        )));
    }
    lines.push(Line::from(""));
    match &dialog.copy_status {
        None => lines.push(Line::from(Span::styled(
            " Not copied yet: c copies it.",
            theme::dim(),
        ))),
        Some(CopyOutcome::System { .. }) => {
            lines.push(Line::from(
                " ✔ Copied to the system clipboard, kept out of clipboard history.",
            ));
            lines.push(Line::from(
                "   It is cleared when linq-hooks exits: paste it into your vault now.",
            ));
        }
        Some(CopyOutcome::Osc52 { tmux, .. }) => {
            lines.push(Line::from(
                " ➜ Sent to your terminal's clipboard (OSC 52). Paste to check it arrived:",
            ));
            lines.push(Line::from("   not every terminal allows it."));
            if *tmux {
                lines.push(Line::from(
                    "   Under tmux this needs `set -g set-clipboard on`.",
                ));
            }
        }
        Some(CopyOutcome::Failed { reason, .. }) => {
            lines.push(Line::from(Span::styled(
                format!(" ✖ Could not copy: {}", clean(reason)),
                theme::error_text(),
            )));
            lines.push(Line::from("   Press v to reveal it and select it by hand."));
        }
    }
    lines.push(Line::from(""));
    if dialog.confirm_close {
        lines.push(Line::from(Span::styled(
            " You have neither copied nor revealed it. Close anyway? It is gone for good.",
            theme::error_text(),
        )));
        lines.push(Line::from(" y close anyway · n back"));
    } else {
        if dialog.nudge {
            lines.push(Line::from(Span::styled(
                " Esc and q do not close this: press Enter once the secret is stored.",
                theme::warning(),
            )));
        }
        lines.push(Line::from(
            " Enter I have stored it · v reveal/mask · c copy",
        ));
    }
    let height = (lines.len() as u16 + 2).min(area.height);
    let rect = super::dialogs::centered(area, 86, height);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::danger())
        .title(Span::styled(
            " Subscription created — signing secret, shown once ",
            theme::danger(),
        ));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        rect,
    );
}
