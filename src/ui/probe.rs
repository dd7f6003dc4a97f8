//! The Probe block of the detail pane: the last probe of the selected subscription's URL
//! (`P`), one line per stage with its time, and the certificate's expiry. And the signed
//! test delivery's question (`T`).

use super::theme;
use crate::app::probes::stage_mark;
use crate::app::App;
use crate::diagnose::Severity;
use crate::text::clean;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::Frame;

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

/// `T`: the question, naming the URL, and the masked secret field. The secret itself is
/// never drawn: only a dot per character.
pub(super) fn render_delivery(
    dialog: &crate::app::test_delivery::DeliveryDialog,
    frame: &mut Frame,
    area: Rect,
) {
    let mut lines = vec![
        Line::from(Span::styled(
            format!(
                "Send a signed test delivery to {}? This is a real POST to the customer's endpoint.",
                dialog.shown_url
            ),
            theme::title(),
        )),
        Line::from(""),
        Line::from(vec![
            Span::styled("Event  ", theme::dim()),
            Span::raw(format!(
                "{} · payload {} · ids start probe-",
                clean(&dialog.event_type),
                crate::payload::version_of(&dialog.target_url)
            )),
        ]),
    ];
    let field = match dialog.secret_len() {
        0 => vec![
            Span::styled("Secret ", theme::dim()),
            Span::styled("▏", theme::key()),
            Span::styled(
                "empty: signs with a fresh random secret (a receiver that verifies must refuse it)",
                theme::dim(),
            ),
        ],
        n => vec![
            Span::styled("Secret ", theme::dim()),
            Span::styled(format!("{}▏", "•".repeat(n.min(32))), theme::key()),
            Span::styled(format!(" {n} characters, never shown"), theme::dim()),
        ],
    };
    lines.push(Line::from(field));
    lines.push(Line::from(Span::styled(
        "Paste or type the subscription's whsec_… secret; Linq showed it at create.",
        theme::dim(),
    )));
    if let Some(problem) = &dialog.problem {
        lines.push(Line::from(Span::styled(
            clean(problem).into_owned(),
            theme::error_text(),
        )));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(
        "Enter send · Ctrl-U clear · Esc cancel (the secret is wiped)",
    ));
    // As wide as the question needs (the URL on one line when the screen allows), and
    // tall enough for its wrapped lines, so the keys line always shows.
    let question = lines.first().map_or(0, Line::width);
    let width = u16::try_from(question + 4)
        .unwrap_or(u16::MAX)
        .clamp(80, area.width.saturating_sub(4).max(80));
    let inner = width.saturating_sub(4);
    let rows: u16 = lines
        .iter()
        .map(|l| super::dialogs::wrapped_rows(l, inner))
        .sum();
    // Borders and a blank row under the keys.
    let rect = super::dialogs::centered(area, width, rows.saturating_add(3));
    super::dialogs::draw_dialog(frame, rect, " Signed test delivery ", lines);
}
