//! The findings block. Unfocused: one line per warning or error (marker, code, the start
//! of its message) and the notes folded into one line. Focused (Enter): every finding in
//! full, with its fix.

use super::super::{list::truncate, theme};
use super::{wrap, Pane};
use crate::diagnose::{Finding, Severity};
use crate::text::clean;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

fn mark(severity: Severity) -> (&'static str, Style) {
    match severity {
        Severity::Error => ("✖", theme::error_text()),
        Severity::Warning => ("▲", theme::warning()),
        Severity::Info => ("·", theme::dim()),
    }
}

pub(super) fn lines(pane: &Pane) -> Vec<Line<'static>> {
    // The delivery log's findings are drawn in its own block, under the attempts they come
    // from, when that block is on screen.
    let below = pane
        .app
        .selected_deliveries()
        .map_or(&[][..], |log| log.findings.as_slice());
    let findings: Vec<Finding> = pane
        .app
        .selected_findings()
        .iter()
        .filter(|f| !below.contains(f))
        .cloned()
        .collect();
    let findings = findings.as_slice();
    if findings.is_empty() {
        return Vec::new();
    }
    if pane.focused {
        // The probe's findings are evidence of a moment: say which moment.
        let probed = pane
            .app
            .selected_probe()
            .filter(|_| findings.iter().any(crate::app::probes::is_probe_finding))
            .map(|p| format!(" · probed {}", crate::app::age(pane.app.now, p.at)))
            .unwrap_or_default();
        full(findings, pane.width, &probed)
    } else {
        compact(findings, pane.width)
    }
}

/// One line each; two or more notes (info) share one line.
fn compact(findings: &[Finding], width: usize) -> Vec<Line<'static>> {
    let notes: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.severity == Severity::Info)
        .collect();
    let mut lines: Vec<Line<'static>> = findings
        .iter()
        .filter(|f| f.severity != Severity::Info || notes.len() == 1)
        .map(|f| {
            let (mark, style) = mark(f.severity);
            let text = format!("{} — {}", f.code, clean(&f.message));
            Line::from(vec![
                Span::styled(format!(" {mark} "), style),
                Span::styled(truncate(&text, width.saturating_sub(3)), style),
            ])
        })
        .collect();
    if notes.len() > 1 {
        let codes: Vec<&str> = notes.iter().map(|f| f.code).collect();
        let text = format!(
            "{} notes: {} (Enter: details)",
            notes.len(),
            codes.join(", ")
        );
        lines.push(Line::from(vec![
            Span::styled(" · ", theme::dim()),
            Span::styled(truncate(&text, width.saturating_sub(3)), theme::dim()),
        ]));
    }
    lines
}

/// Every finding, worst first, its message wrapped and its fix under it.
fn full(findings: &[Finding], width: usize, probed: &str) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(vec![
        Span::styled(" Findings ", theme::title()),
        Span::styled(
            format!(
                "{}{probed}",
                match crate::diagnose::worst(findings) {
                    Some(Severity::Error) => "— why it may not deliver",
                    Some(Severity::Warning) => "— worth fixing",
                    _ => "— for information",
                }
            ),
            theme::dim(),
        ),
    ])];
    for f in findings {
        let (mark, style) = mark(f.severity);
        let text = format!("{} — {}", f.code, clean(&f.message));
        for (i, chunk) in wrap(&text, width.saturating_sub(4).max(8))
            .into_iter()
            .enumerate()
        {
            let lead = if i == 0 {
                Span::styled(format!(" {mark} "), style)
            } else {
                Span::raw("   ")
            };
            lines.push(Line::from(vec![lead, Span::styled(chunk, style)]));
        }
        let fix = format!("→ {}", clean(&f.fix));
        for chunk in wrap(&fix, width.saturating_sub(5).max(8)) {
            lines.push(Line::from(vec![
                Span::raw("   "),
                Span::styled(chunk, theme::dim()),
            ]));
        }
    }
    lines
}
