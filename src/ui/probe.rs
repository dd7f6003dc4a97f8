//! The Probe block of the detail pane: the last probe of the selected subscription's URL
//! (`P`), one line per stage with its time, and the certificate's expiry.

use super::theme;
use crate::app::probes::stage_mark;
use crate::app::App;
use crate::diagnose::Severity;
use crate::text::clean;
use ratatui::text::{Line, Span};

pub fn probe_lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let running = app.selected_probe_running();
    let delivering = app.selected_delivery_running();
    let Some(result) = app.selected_probe() else {
        let note = if delivering {
            "— sending a signed test delivery (DNS, connect, TLS, HEAD, then the POST)…"
        } else if running {
            "— running: DNS, connect, TLS, HEAD… (Esc cancels)"
        } else {
            return Vec::new();
        };
        return vec![
            Line::from(vec![
                Span::styled(" Probe ", theme::title()),
                Span::styled(note, theme::dim()),
            ]),
            Line::from(""),
        ];
    };
    let age = crate::app::age(app.now, result.at);
    let note = if delivering {
        format!("— probed {age}; sending a signed test delivery…")
    } else if running {
        format!("— probed {age}; probing again…")
    } else {
        format!("— probed {age} from this machine (P again to refresh)")
    };
    let mut lines = vec![Line::from(vec![
        Span::styled(" Probe ", theme::title()),
        Span::styled(note, theme::dim()),
    ])];
    for stage in &result.stages {
        let (mark, severity) = stage_mark(stage);
        let style = match severity {
            Some(Severity::Error) => theme::error_text(),
            Some(Severity::Warning) => theme::warning(),
            _ => theme::active(),
        };
        let head = format!(" {mark} {:<8} {:>5} ms  ", stage.name, stage.ms);
        let room = width.saturating_sub(head.chars().count()).max(8);
        let detail: String = clean(&stage.detail).chars().take(room).collect();
        lines.push(Line::from(vec![
            Span::styled(head, style),
            Span::raw(detail),
        ]));
    }
    if let Some(expires) = result.cert_expires {
        lines.push(Line::from(Span::styled(
            format!(
                "   certificate expires {}",
                crate::evidence::probe::tls::date(expires)
            ),
            theme::dim(),
        )));
    }
    lines.push(Line::from(""));
    lines
}
