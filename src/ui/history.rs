//! `H`: the changes linq-hooks made on this account, newest first; a bulk change is one
//! row, opened with Enter.

use super::theme;
use crate::app::history::{batch_summary, HistoryRow, HistoryView};
use crate::app::App;
use crate::audit::AuditEntry;
use crate::text::clean;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

pub fn render(app: &App, view: &HistoryView, frame: &mut Frame, area: Rect) {
    let rect = super::dialogs::centered(
        area,
        area.width.saturating_sub(4),
        area.height.saturating_sub(4),
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::focused_border())
        .title(Span::styled(
            {
                // The identity the entries are matched on (item 12): the key's hint on its
                // host, not only a profile name two keys could share.
                let account = app.audit_account();
                let hint = account.key_hint.as_deref().unwrap_or("no key");
                format!(
                    " History of {} ({} on {}) — newest first ",
                    clean(&account.name),
                    clean(hint),
                    clean(&account.host)
                )
            },
            theme::title(),
        ))
        .title_bottom(Span::styled(
            " j/k move · Enter open/close a bulk change · Esc close ",
            theme::dim(),
        ));
    let inner = block.inner(rect);
    let lines: Vec<Line> = match &view.entries {
        None => vec![Line::from(" Reading the audit trail …")],
        Some(Err(reason)) => vec![Line::from(Span::styled(
            format!(" {}", clean(reason)),
            theme::error_text(),
        ))],
        Some(Ok(list)) if list.is_empty() => {
            vec![Line::from(" No changes recorded for this account yet.")]
        }
        Some(Ok(entries)) => view
            .rows()
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let line = row_line(entries, row);
                if i == view.cursor {
                    line.patch_style(theme::selected())
                } else {
                    line
                }
            })
            .collect(),
    };
    // The cursor stays in view.
    let height = usize::from(inner.height).max(1);
    let scroll = view.cursor.saturating_sub(height - 1);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0)),
        rect,
    );
}

fn when(e: &AuditEntry) -> String {
    e.time.replace('T', " ").chars().take(19).collect()
}

fn outcome_style(e: &AuditEntry) -> Style {
    if e.outcome.ok {
        theme::active()
    } else if e.outcome.unknown {
        theme::warning()
    } else {
        theme::error_text()
    }
}

fn row_line<'a>(entries: &'a [AuditEntry], row: &HistoryRow<'a>) -> Line<'static> {
    match *row {
        HistoryRow::Single(e) => entry_line(format!(" {}  {:<8} ", when(e), clean(&e.source)), e),
        // Under its bulk change: the same day and source, so only the time.
        HistoryRow::Member(e) => {
            entry_line(format!("   └ {}  ", when(e).get(11..).unwrap_or("")), e)
        }
        HistoryRow::Batch {
            members, expanded, ..
        } => {
            let Some(newest) = members.first().and_then(|i| entries.get(*i)) else {
                return Line::from("");
            };
            let hosts: std::collections::BTreeSet<String> = members
                .iter()
                .filter_map(|i| entries.get(*i)?.target_url.as_deref())
                .filter_map(|u| Some(url::Url::parse(u).ok()?.host_str()?.to_string()))
                .collect();
            let style = if members
                .iter()
                .filter_map(|i| entries.get(*i))
                .all(|e| e.outcome.ok)
            {
                theme::active()
            } else {
                theme::warning()
            };
            Line::from(vec![
                Span::styled(format!(" {}  ", when(newest)), theme::dim()),
                Span::raw(format!("{:<8} ", clean(&newest.source))),
                Span::styled(if expanded { "▾ " } else { "▸ " }, theme::key()),
                Span::styled(clean(&batch_summary(entries, members)).into_owned(), style),
                Span::styled(
                    format!(
                        "  {} subscriptions on {} host{}",
                        members.len(),
                        hosts.len(),
                        if hosts.len() == 1 { "" } else { "s" }
                    ),
                    theme::dim(),
                ),
            ])
        }
    }
}

fn entry_line(lead: String, e: &AuditEntry) -> Line<'static> {
    Line::from(vec![
        Span::styled(lead, theme::dim()),
        Span::raw(format!("{}  ", clean(&e.summary()))),
        Span::styled(format!("{}  ", clean(&e.outcome_text())), outcome_style(e)),
        Span::styled(
            clean(e.target_url.as_deref().unwrap_or("")).into_owned(),
            theme::dim(),
        ),
    ])
}
