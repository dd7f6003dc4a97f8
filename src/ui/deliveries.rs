//! The detail pane's Deliveries block: one line to read at a glance (a sparkline of
//! attempts per hour over the last 24 h, failures in the error colour, and "last success
//! 14:02 · 37 failed since"), then the newest attempts. Self-contained: the pane gives it
//! a rectangle of [`height`] rows at its bottom.

use super::theme;
use crate::app::deliveries::{activity, Activity, DeliveryLog, SHOWN_ATTEMPTS};
use crate::app::App;
use crate::diagnose::Severity;
use crate::evidence::logs::{AttemptStatus, LogEntry};
use crate::text::clean;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline, SparklineBar};
use ratatui::Frame;
use time::OffsetDateTime;

/// Rows the block wants (title, activity line, attempts or one quiet line), at most half
/// of `available`; 0 when the pane has no log to show.
pub fn height(app: &App, available: u16) -> u16 {
    let Some(log) = app.selected_deliveries() else {
        return 0;
    };
    let rows = log.entries.len().clamp(1, SHOWN_ATTEMPTS) as u16;
    let pause = u16::from(log.paused.is_some() && !log.entries.is_empty());
    let findings = log.findings.len().min(MAX_FINDING_LINES) as u16;
    (2 + findings + rows + pause).min(available / 2)
}

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let Some(log) = app.selected_deliveries() else {
        return;
    };
    if area.height == 0 {
        return;
    }
    let [title, glance, rows] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(area);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(" Deliveries ", theme::title()),
            Span::styled("— Linq's delivery log, newest first", theme::dim()),
        ])),
        title,
    );
    let summary = activity(&log.entries, app.now);
    render_glance(&summary, frame, glance);
    let mut lines = finding_lines(log);
    lines.extend(attempt_lines(
        log,
        rows.height.saturating_sub(lines.len() as u16),
    ));
    frame.render_widget(Paragraph::new(lines), rows);
}

/// The sparkline (24 columns, one per hour) and the last success.
fn render_glance(summary: &Activity, frame: &mut Frame, area: Rect) {
    let [_, spark, _, text] = Layout::horizontal([
        Constraint::Length(1),
        Constraint::Length(24),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(area);
    let bars: Vec<SparklineBar> = summary
        .hours
        .iter()
        .map(|&(total, failed)| {
            let bar = SparklineBar::from(total);
            if failed > 0 {
                bar.style(theme::error_text())
            } else {
                bar.style(theme::active())
            }
        })
        .collect();
    frame.render_widget(Sparkline::default().data(bars), spark);
    frame.render_widget(Paragraph::new(glance_text(summary)), text);
}

/// "last success 14:02 · 37 failed since" (local time; UTC when unknown).
pub fn glance_text(summary: &Activity) -> Line<'static> {
    let mut spans = Vec::new();
    match summary.last_success {
        Some(t) => spans.push(Span::styled(
            format!("last success {}", hh_mm(t)),
            theme::active(),
        )),
        None => spans.push(Span::styled("no success logged", theme::dim())),
    }
    if summary.failed_since > 0 {
        spans.push(Span::styled(" · ", theme::dim()));
        spans.push(Span::styled(
            format!("{} failed since", summary.failed_since),
            theme::error_text(),
        ));
    }
    Line::from(spans)
}

fn hh_mm(t: OffsetDateTime) -> String {
    let t = t.to_offset(crate::local_time::offset().unwrap_or(time::UtcOffset::UTC));
    t.format(time::macros::format_description!("[hour]:[minute]"))
        .unwrap_or_else(|_| "?".into())
}

fn hh_mm_ss(t: OffsetDateTime) -> String {
    let t = t.to_offset(crate::local_time::offset().unwrap_or(time::UtcOffset::UTC));
    t.format(time::macros::format_description!(
        "[hour]:[minute]:[second]"
    ))
    .unwrap_or_else(|_| "?".into())
}

/// The log's findings shown in the block, worst first (`doctor ID` lists them all).
const MAX_FINDING_LINES: usize = 2;

fn finding_lines(log: &DeliveryLog) -> Vec<Line<'static>> {
    log.findings
        .iter()
        .take(MAX_FINDING_LINES)
        .map(|f| {
            let (mark, style) = match f.severity {
                Severity::Error => ("✖", theme::error_text()),
                Severity::Warning => ("▲", theme::warning()),
                Severity::Info => ("·", theme::dim()),
            };
            Line::from(vec![
                Span::styled(format!(" {mark} "), style),
                Span::styled(format!("{} — {}", f.code, clean(&f.message)), style),
            ])
        })
        .collect()
}

fn attempt_lines(log: &DeliveryLog, rows: u16) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if let Some(reason) = &log.paused {
        lines.push(Line::from(Span::styled(
            format!("   {} (r to retry)", clean(reason)),
            theme::dim(),
        )));
    }
    if log.entries.is_empty() && log.paused.is_none() {
        lines.push(Line::from(Span::styled(
            "   no attempts logged yet",
            theme::dim(),
        )));
    }
    let room = usize::from(rows).saturating_sub(lines.len());
    lines.extend(
        log.entries
            .iter()
            .take(SHOWN_ATTEMPTS.min(room))
            .map(attempt_line),
    );
    lines
}

fn attempt_line(e: &LogEntry) -> Line<'static> {
    let style = match e.status {
        AttemptStatus::Success => theme::active(),
        AttemptStatus::Retrying => theme::warning(),
        _ => theme::error_text(),
    };
    let answer = match (e.http_status, &e.error_type) {
        (Some(code), _) => code.to_string(),
        (None, Some(kind)) => clean(kind).chars().take(16).collect(),
        (None, None) => "—".into(),
    };
    let attempt = match e.max_attempts {
        Some(max) => format!("{}/{max}", e.attempt),
        None => e.attempt.to_string(),
    };
    let mut spans = vec![
        Span::styled(
            format!(
                "   {} ",
                e.timestamp.map(hh_mm_ss).unwrap_or_else(|| "?".into())
            ),
            theme::dim(),
        ),
        Span::styled(format!("{answer:<5} "), style),
        Span::styled(format!("{:<9}", clean(e.status.as_str())), style),
        Span::raw(format!("{attempt:<6}")),
        Span::raw(
            e.duration_ms
                .map(|ms| format!("{ms:>5} ms "))
                .unwrap_or_default(),
        ),
        Span::styled(clean(&e.event_type).into_owned(), theme::dim()),
    ];
    if let Some(message) = e.error_message.as_deref().filter(|m| !m.is_empty()) {
        spans.push(Span::styled(format!("  {}", clean(message)), theme::dim()));
    }
    Line::from(spans)
}
