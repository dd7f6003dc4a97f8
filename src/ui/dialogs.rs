//! Modal overlays: the delete confirmation and the help screen.

use super::theme;
use crate::app::keymap::{self, TEXT_EDITING};
use crate::app::{App, Modal};
use crate::text::clean;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Padding, Paragraph, Wrap};
use ratatui::Frame;

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    if let Some(dialog) = &app.secret_dialog {
        super::secret::render(dialog, frame, area);
        return;
    }
    if let Some((id, url)) = &app.lost_create {
        render_lost_create(frame, area, id, url);
        return;
    }
    if let Some(dialog) = &app.export {
        render_export(dialog, frame, area);
        return;
    }
    if let Some(dialog) = &app.delivery_dialog {
        super::probe::render_delivery(dialog, frame, area);
        return;
    }
    match &app.modal {
        None => {}
        Some(Modal::Help) => render_help(app, frame, area),
        Some(Modal::ConfirmDelete {
            id,
            target_url,
            on_delete,
        }) => render_delete(frame, area, id, target_url, *on_delete),
        Some(Modal::Accounts {
            search: Some(search),
            ..
        }) => super::fleet::render_search(app, frame, area, search),
        Some(Modal::Accounts { cursor, .. }) => render_accounts(app, frame, area, *cursor),
        Some(Modal::Palette(palette)) => super::fleet::render_palette(app, frame, area, palette),
        Some(Modal::ConfirmSwitch { to }) => render_confirm_switch(app, frame, area, *to),
        Some(Modal::History(view)) => super::history::render(app, view, frame, area),
        Some(Modal::ConfirmBulk {
            op,
            ids,
            typed,
            on_confirm,
        }) => render_bulk(app, frame, area, *op, ids, typed, *on_confirm),
        Some(Modal::BulkSummary {
            title,
            failures,
            undoable,
        }) => render_summary(frame, area, title, failures, *undoable),
        Some(Modal::PickEvent { events, cursor, .. }) => {
            let mut lines = vec![Line::from(Span::styled(
                "Send a test event of which type? (the sandbox delivers it to every active subscription that listens)",
                theme::dim(),
            ))];
            let room = usize::from(area.height.saturating_sub(10)).max(3);
            let first = cursor.saturating_sub(room - 1);
            for (i, event) in events.iter().enumerate().skip(first).take(room) {
                let style = if i == *cursor {
                    theme::selected()
                } else {
                    Style::new()
                };
                lines.push(Line::from(Span::styled(
                    format!(" {} ", clean(event)),
                    style,
                )));
            }
            lines.push(Line::from(""));
            lines.push(Line::from("Enter send · Esc cancel"));
            small_dialog(frame, area, " Test event ", lines);
        }
        Some(Modal::ConfirmRotate {
            id,
            target_url,
            new_url,
        }) => super::rotation::render_start(app, frame, area, id, target_url, new_url),
        Some(Modal::RotationPair { pair }) => super::rotation::render_pair(app, frame, area, pair),
        Some(Modal::ConfirmRecreate { target_url }) => {
            let lines = vec![
                Line::from(""),
                Line::from(format!("Create {} again?", clean(target_url))),
                Line::from(
                    "Same URL, events, phone filter and routing headers. The old signing secret is gone: \
                     the new one is shown once, as after any create.",
                ),
                Line::from(""),
                Line::from("y create it again · n keep it deleted"),
            ];
            small_dialog(frame, area, " Undo the delete ", lines);
        }
    }
}

/// `X`: where the export goes; then, if the file exists, whether to replace it.
fn render_export(dialog: &crate::app::export::ExportDialog, frame: &mut Frame, area: Rect) {
    use crate::app::export::ExportStage;
    let n = dialog.ids.len();
    let which = if dialog.marked { "marked" } else { "shown" };
    let path = clean(dialog.path.value()).into_owned();
    let mut lines = vec![
        Line::from(format!(
            "Export the {n} {which} subscription{} to a file (TOML; a .json name writes JSON). No secrets.",
            if n == 1 { "" } else { "s" }
        )),
        Line::from(""),
    ];
    match dialog.stage {
        ExportStage::AskOverwrite => {
            lines.push(Line::from(Span::styled(
                format!("{path} exists. Replace it?"),
                theme::error_text(),
            )));
            lines.push(Line::from(""));
            lines.push(Line::from("y replace it · n keep it and type another path"));
        }
        stage => {
            lines.push(Line::from(vec![
                Span::styled("Path: ", theme::dim()),
                Span::styled(format!("{path}▏"), theme::title()),
            ]));
            if let Some(problem) = &dialog.problem {
                lines.push(Line::from(Span::styled(
                    clean(problem).into_owned(),
                    theme::error_text(),
                )));
            }
            lines.push(Line::from(""));
            lines.push(Line::from(if stage == ExportStage::Writing {
                "Writing …"
            } else {
                "Enter write · Esc cancel"
            }));
        }
    }
    small_dialog(frame, area, " Export ", lines);
}

/// A bordered, padded dialog with wrapped lines.
pub(super) fn small_dialog(frame: &mut Frame, area: Rect, title: &str, lines: Vec<Line<'static>>) {
    // Tall enough for the lines as they wrap, so the last one (the keys) stays inside.
    let inner = 80u16.min(area.width).saturating_sub(4);
    let rows: u16 = lines.iter().map(|l| wrapped_rows(l, inner)).sum();
    // Borders, and a blank row under the last line (four rows as before when none wraps).
    let height = rows
        .saturating_add(3)
        .max(lines.len() as u16 + 4)
        .min(area.height);
    let rect = centered(area, 80, height);
    draw_dialog(frame, rect, title, lines);
}

/// The danger-bordered, padded box of a dialog at `rect`, its lines wrapped.
pub(super) fn draw_dialog(frame: &mut Frame, rect: Rect, title: &str, lines: Vec<Line<'static>>) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::danger())
        .padding(Padding::horizontal(1))
        .title(Span::styled(title.to_string(), theme::danger()));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        rect,
    );
}

/// The rows `line` takes when word-wrapped to `width` columns (a word longer than a row is
/// cut, as ratatui does); at worst one more than drawn, never fewer.
pub(super) fn wrapped_rows(line: &Line, width: u16) -> u16 {
    use unicode_width::UnicodeWidthStr;
    let width = usize::from(width.max(1));
    let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    let (mut rows, mut col) = (1u16, 0usize);
    for word in text.split(' ') {
        let mut len = word.width();
        let need = if col == 0 { len } else { col + 1 + len };
        if need <= width {
            col = need;
            continue;
        }
        if col > 0 {
            rows = rows.saturating_add(1);
        }
        while len > width {
            rows = rows.saturating_add(1);
            len -= width;
        }
        col = len;
    }
    rows
}

/// "Pause 7 subscriptions on 3 hosts?" with their URLs; Cancel focused. A delete wants the
/// number typed.
#[allow(clippy::too_many_arguments)]
fn render_bulk(
    app: &App,
    frame: &mut Frame,
    area: Rect,
    op: crate::app::bulk::BulkOp,
    ids: &[String],
    typed: &str,
    on_confirm: bool,
) {
    use crate::app::bulk::BulkOp;
    let hosts = app.hosts_of(ids);
    let mut lines = vec![Line::from(Span::styled(
        format!(
            "{} {} subscription{} on {} host{}?",
            op.verb(),
            ids.len(),
            if ids.len() == 1 { "" } else { "s" },
            hosts,
            if hosts == 1 { "" } else { "s" }
        ),
        theme::title(),
    ))];
    let room = usize::from(area.height.saturating_sub(12)).max(3);
    for id in ids.iter().take(room) {
        if let Some(sub) = app.subscriptions.iter().find(|s| &s.id == id) {
            lines.push(Line::from(format!("  {}", clean(&sub.target_url))));
        }
    }
    if ids.len() > room {
        lines.push(Line::from(format!("  … and {} more", ids.len() - room)));
    }
    lines.push(Line::from(""));
    if op == BulkOp::Delete {
        lines.push(Line::from(Span::styled(
            "Deleting loses their signing secrets for good.",
            theme::error_text(),
        )));
        lines.push(Line::from(vec![
            Span::raw(format!(
                "Type {} and press Enter to delete them: ",
                ids.len()
            )),
            Span::styled(format!("{typed}▏"), theme::key()),
        ]));
        lines.push(Line::from("Esc cancels"));
    } else {
        let button = |text: String, focused: bool| {
            if focused {
                Span::styled(format!("[ {text} ]"), theme::selected())
            } else {
                Span::raw(format!("[ {text} ]"))
            }
        };
        lines.push(Line::from(vec![
            button("Cancel (n)".into(), !on_confirm),
            Span::raw("   "),
            button(format!("{} (y)", op.verb()), on_confirm),
        ]));
    }
    small_dialog(frame, area, " Bulk change ", lines);
}

fn render_summary(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    failures: &[(String, String)],
    undoable: bool,
) {
    let mut lines = vec![Line::from(Span::styled(title.to_string(), theme::title()))];
    if failures.is_empty() {
        lines.push(Line::from("Every one went through."));
    } else {
        lines.push(Line::from(format!(
            "{} failed (the others keep their new state):",
            failures.len()
        )));
        for (url, why) in failures {
            lines.push(Line::from(Span::styled(
                format!("  ✖ {} — {}", clean(url), clean(why)),
                theme::error_text(),
            )));
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::from(if undoable {
        "u undoes what went through · Esc closes"
    } else {
        "Esc closes"
    }));
    small_dialog(frame, area, " Bulk change done ", lines);
}

/// The account switcher: one row per account with its label, host, key source and access.
fn render_accounts(app: &App, frame: &mut Frame, area: Rect, cursor: usize) {
    let height = (app.accounts.len() as u16 + 4).min(area.height);
    let rect = centered(area, 128, height);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::focused_border())
        .title(Span::styled(" Accounts ", theme::title()))
        .title_bottom(Span::styled(
            " Enter switch · / search every account · Esc close ",
            theme::dim(),
        ));
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    // Fixed: the marker, KEY FROM, ACCESS and the state; name, label and host share the rest.
    // On a narrow screen (80 columns over SSH) the key source gives its room to the names.
    let narrow = inner.width < 100;
    let key_w: usize = if narrow { 0 } else { 9 };
    const ACCESS_W: usize = 10;
    const STATE_MIN: usize = 24;
    let widest = |f: fn(&crate::config::AccountEntry) -> &str| {
        app.accounts
            .iter()
            .map(|a| f(a).chars().count())
            .max()
            .unwrap_or(0)
    };
    let room = usize::from(inner.width).saturating_sub(3 + key_w + ACCESS_W + STATE_MIN + 10);
    let name_w = widest(|a| &a.name).clamp(4, (room / 3).max(4));
    let host_w = widest(|a| &a.host).clamp(4, (room / 3).max(4));
    let label_w = widest(|a| &a.label).clamp(5, room.saturating_sub(name_w + host_w).max(5));
    // The counts (or why an account could not be read) take what is left.
    let state_w = usize::from(inner.width)
        .saturating_sub(3 + name_w + label_w + host_w + key_w + ACCESS_W + 10)
        .max(STATE_MIN);
    let row = |mark: &str, name: &str, label: &str, host: &str, key: &str, access: &str| {
        format!(
            " {mark}{:<name_w$}  {:<label_w$}  {:<host_w$}  {:<key_w$}{}{:<ACCESS_W$}  ",
            super::list::truncate(name, name_w),
            super::list::truncate(label, label_w),
            super::list::truncate(host, host_w),
            if narrow { "" } else { key },
            if narrow { "" } else { "  " },
            access,
        )
    };
    let mut lines = vec![Line::from(Span::styled(
        format!(
            "{}SUBSCRIPTIONS",
            row("  ", "NAME", "LABEL", "HOST", "KEY FROM", "ACCESS")
        ),
        theme::dim(),
    ))];
    // Scrolled so the cursor stays in view on a short terminal.
    let rows = usize::from(inner.height.saturating_sub(1)).max(1);
    let first = cursor.saturating_sub(rows - 1);
    for (i, account) in app.accounts.iter().enumerate().skip(first).take(rows) {
        let mark = if Some(i) == app.current_account {
            "● "
        } else {
            "  "
        };
        let text = row(
            mark,
            &clean(&account.name),
            &clean(&account.label),
            &clean(&account.host),
            account.key_kind,
            if account.read_only {
                "read-only"
            } else {
                "read-write"
            },
        );
        let style = if i == cursor {
            theme::selected()
        } else if let Some(color) = account.color.as_deref() {
            Style::new().fg(theme::named(color))
        } else {
            Style::new()
        };
        let mut spans = vec![Span::styled(text, style)];
        spans.extend(super::fleet::account_state(app, &account.name, state_w));
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn render_confirm_switch(app: &App, frame: &mut Frame, area: Rect, to: usize) {
    let label = app
        .accounts
        .get(to)
        .map(|a| clean(&a.label).into_owned())
        .unwrap_or_default();
    let mut dropped = Vec::new();
    if app.bulk_not_sent() > 0 {
        dropped.push(format!(
            "{} change(s) of the bulk change not sent yet (they will not be)",
            app.bulk_not_sent()
        ));
    }
    if app.form.is_some() {
        dropped.push("the open form and its draft".to_string());
    }
    if app.secret_dialog.is_some() {
        dropped.push("the signing secret on screen (it cannot be shown again)".to_string());
    }
    let mut lines = vec![Line::from(""), Line::from(format!("Switch to {label}?"))];
    if app.writes_in_flight() > 0 {
        lines.push(Line::from(format!(
            "  • {} change(s) still waiting for the server finish there and are recorded in its history (u will not undo them)",
            app.writes_in_flight()
        )));
    }
    if !dropped.is_empty() {
        lines.push(Line::from("This drops:"));
        lines.extend(dropped.into_iter().map(|d| Line::from(format!("  • {d}"))));
    }
    lines.push(Line::from(""));
    lines.push(Line::from("y switch · n stay"));
    small_dialog(frame, area, " Switch account? ", lines);
}

pub(super) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [rect] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    rect
}

fn render_delete(frame: &mut Frame, area: Rect, id: &str, target_url: &str, on_delete: bool) {
    // Wide enough for the URL on one line when the screen allows; tall enough for it to
    // wrap otherwise, so the buttons stay inside.
    let url_len = clean(target_url).chars().count() + 5;
    let width = (url_len as u16 + 2).clamp(72, area.width.saturating_sub(4).max(72));
    let inner = usize::from(width.saturating_sub(2)).max(1);
    // A URL too long for the line wraps below its label: one row more.
    let url_rows = if url_len <= inner {
        1
    } else {
        1 + (url_len - 5).div_ceil(inner) as u16
    };
    let rect = centered(area, width, 8 + url_rows);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::danger())
        .title(Span::styled(" Delete subscription? ", theme::danger()));
    let button = |label: &str, focused: bool, danger: bool| {
        let style = match (focused, danger) {
            (true, true) => theme::danger(),
            (true, false) => theme::selected(),
            _ => Style::new(),
        };
        Span::styled(format!("[ {label} ]"), style)
    };
    let [url_line, id_line] = subject_lines(target_url, id);
    let lines = vec![
        Line::from(""),
        url_line,
        id_line,
        Line::from(""),
        Line::from(" Deliveries stop at once; its signing secret is gone for good."),
        Line::from(""),
        Line::from(vec![
            Span::raw("      "),
            button("Cancel (n)", !on_delete, false),
            Span::raw("    "),
            button("Delete (y)", on_delete, true),
        ]),
    ];
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        rect,
    );
}

fn render_help(app: &App, frame: &mut Frame, area: Rect) {
    let mut groups: Vec<Vec<Line>> = Vec::new();
    for (context, bindings) in keymap::help_groups(app.connection.read_only) {
        let mut lines = vec![Line::from(Span::styled(
            format!(" {}", context.title()),
            theme::title(),
        ))];
        for b in bindings {
            lines.push(Line::from(vec![
                Span::styled(format!("   {:<8}", b.label), theme::key()),
                Span::raw(b.help),
            ]));
        }
        if context == keymap::Context::FilterInput {
            lines.push(Line::from(Span::styled(
                format!("   {TEXT_EDITING}"),
                theme::dim(),
            )));
        }
        groups.push(lines);
    }
    // Two columns when the screen is wide enough, split where the taller column is shortest.
    let total: usize = groups.iter().map(Vec::len).sum();
    let two = area.width >= 100;
    let split = if two {
        let mut best = (usize::MAX, groups.len());
        let mut left = 0;
        for (i, g) in groups.iter().enumerate() {
            left += g.len();
            let tallest = left.max(total - left);
            if tallest < best.0 {
                best = (tallest, i + 1);
            }
        }
        best.1
    } else {
        groups.len()
    };
    let right: Vec<Line> = groups.split_off(split).into_iter().flatten().collect();
    let left: Vec<Line> = groups.into_iter().flatten().collect();
    let height = (left.len().max(right.len()) as u16 + 2).min(area.height);
    let width = if two { 98 } else { 64 };
    let rect = centered(area, width, height);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::focused_border())
        .title(Span::styled(
            " Keys — Esc closes, j/k scroll ",
            theme::title(),
        ));
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    if two {
        let [l, r] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .areas(inner);
        frame.render_widget(Paragraph::new(left).scroll((app.help_scroll, 0)), l);
        frame.render_widget(Paragraph::new(right).scroll((app.help_scroll, 0)), r);
    } else {
        frame.render_widget(Paragraph::new(left).scroll((app.help_scroll, 0)), inner);
    }
}

fn render_lost_create(frame: &mut Frame, area: Rect, id: &str, target_url: &str) {
    let [url_line, id_line] = subject_lines_with("", target_url, id);
    let lines = vec![
        Line::from(""),
        url_line,
        id_line,
        Line::from(""),
        // One line: the paragraph wraps it to the dialog's width (pre-broken lines were
        // wrapped a second time on narrow terminals).
        Line::from(
            "A subscription with this URL exists now, but its signing secret was in the lost \
             answer and can never be shown again. Delete it and create it again to get a \
             secret you can store.",
        ),
        Line::from(""),
        Line::from("y delete it (then Ctrl-S creates it again) · n keep it without a secret"),
    ];
    small_dialog(
        frame,
        area,
        " The create went through, but its answer was lost ",
        lines,
    );
}

/// A dialog always names what it acts on: the URL and the id.
pub(super) fn subject_lines(target_url: &str, id: &str) -> [Line<'static>; 2] {
    subject_lines_with(" ", target_url, id)
}

/// [`subject_lines`] after `margin` (none in a padded dialog).
fn subject_lines_with(margin: &str, target_url: &str, id: &str) -> [Line<'static>; 2] {
    [
        Line::from(vec![
            Span::styled(format!("{margin}URL "), theme::dim()),
            Span::raw(clean(target_url).into_owned()),
        ]),
        Line::from(vec![
            Span::styled(format!("{margin}id  "), theme::dim()),
            Span::raw(clean(id).into_owned()),
        ]),
    ]
}
