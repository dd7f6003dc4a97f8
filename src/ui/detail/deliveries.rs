//! Evidence: the sandbox's last delivery attempts (detail pane focused), newest first.

use super::super::theme;
use super::Pane;
use crate::text::clean;
use ratatui::text::{Line, Span};

pub(super) fn lines(pane: &Pane) -> Vec<Line<'static>> {
    let Some(rows) = pane.app.selected_deliveries() else {
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
    lines
}
