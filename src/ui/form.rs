//! The create/edit form: URL, event checklist, phone filter, routing headers.

use super::theme;
use crate::app::forms::{
    line_label, CheckRow, Form, FormField, FormMode, FormPrompt, CURRENT_PAYLOAD_VERSION,
};
use crate::app::{App, BannerLevel};
use crate::text::clean;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;
use tui_input::Input;

pub fn render(app: &App, form: &Form, frame: &mut Frame, area: Rect) {
    let title = match &form.mode {
        FormMode::Create => " New subscription ".to_string(),
        FormMode::Edit { original } => format!(" Edit {} ", clean(&original.id)),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::focused_border())
        .title(Span::styled(title, theme::title()));
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);

    let phone_rows = form.phones.numbers.len().min(4) as u16
        + u16::from(form.phones.adding.is_some())
        + u16::from(form.phones.error.is_some());
    let routing_rows = if form.routing.expanded { 3 } else { 1 };
    // A server error wraps onto a second row so its trace id stays visible.
    let status_rows = if form.server_error.is_some() { 2 } else { 1 };
    let [url, url_note, events_head, checklist, phones, routing, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(phone_rows + 1),
        Constraint::Length(routing_rows),
        Constraint::Length(status_rows),
    ])
    .areas(inner);

    render_url(form, frame, url, url_note);
    render_events(app, form, frame, events_head, checklist);
    render_phones(form, frame, phones);
    render_routing(form, frame, routing);
    render_status(form, frame, status);
    if form.phones.picking.is_some() {
        render_line_picker(app, form, frame, checklist);
    }
    if let Some(prompt) = &form.prompt {
        render_prompt(prompt, frame, area);
    }
}

fn label(text: &str, focused: bool) -> Span<'static> {
    let style = if focused {
        theme::key().add_modifier(Modifier::REVERSED)
    } else {
        theme::dim()
    };
    Span::styled(format!(" {text:<13}"), style)
}

/// An input's text with a bar at the cursor when focused.
fn input_spans(input: &Input, focused: bool, width: usize) -> Vec<Span<'static>> {
    let value = clean(input.value()).into_owned();
    if !focused {
        return vec![Span::raw(value)];
    }
    let cursor = input.cursor();
    let chars: Vec<char> = value.chars().collect();
    // Keep the cursor in view on long values.
    let start = cursor.saturating_sub(width.saturating_sub(2));
    let before: String = chars[start.min(chars.len())..cursor.min(chars.len())]
        .iter()
        .collect();
    let after: String = chars[cursor.min(chars.len())..].iter().collect();
    vec![
        Span::styled(before, Style::new().add_modifier(Modifier::UNDERLINED)),
        Span::styled("▏", theme::key()),
        Span::styled(after, Style::new().add_modifier(Modifier::UNDERLINED)),
    ]
}

fn problem_line(problem: Option<String>) -> Option<Line<'static>> {
    problem.map(|p| {
        Line::from(vec![
            Span::raw(" ".repeat(15)),
            Span::styled(format!("✖ {p}"), theme::error_text()),
        ])
    })
}

fn render_url(form: &Form, frame: &mut Frame, area: Rect, note: Rect) {
    let focused = form.field == FormField::Url && form.prompt.is_none();
    let mut spans = vec![label("Target URL", focused)];
    spans.extend(input_spans(
        &form.url,
        focused,
        area.width.saturating_sub(16) as usize,
    ));
    if form.url.value().is_empty() && !focused {
        spans.push(Span::styled("https://…", theme::dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    let line = problem_line(form.visible_problem(FormField::Url)).or_else(|| {
        form.lacks_version().then(|| {
            Line::from(vec![
                Span::raw(" ".repeat(15)),
                Span::styled(
                    format!("no ?version= pin — Ctrl-P appends ?version={CURRENT_PAYLOAD_VERSION}"),
                    theme::warning(),
                ),
            ])
        })
    });
    if let Some(line) = line {
        frame.render_widget(Paragraph::new(line), note);
    }
}

fn render_events(app: &App, form: &Form, frame: &mut Frame, head: Rect, area: Rect) {
    let focused = form.field == FormField::Events && form.prompt.is_none();
    let list = &form.events;
    let mut spans = vec![
        label("Events", focused),
        Span::styled(
            format!("{}/{} selected", list.selected.len(), list.all.len()),
            theme::title(),
        ),
    ];
    if !app.catalog_from_server {
        spans.push(Span::styled(
            "  ⚠ the server's catalogue could not be fetched: showing the bundled one",
            theme::warning(),
        ));
    }
    if list.filtering || !list.filter.value().is_empty() {
        spans.push(Span::styled("  / ", theme::key()));
        spans.extend(input_spans(&list.filter, list.filtering && focused, 30));
    }
    if let Some(problem) = form.visible_problem(FormField::Events) {
        spans.push(Span::styled(format!("  ✖ {problem}"), theme::error_text()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), head);

    let rows = list.rows();
    if rows.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(
                "   no event type matches the filter (Esc clears it)",
                theme::dim(),
            ))),
            area,
        );
        return;
    }
    // Two columns of rows when wide: the catalogue is long.
    let height = area.height as usize;
    if height == 0 {
        return;
    }
    let columns = if area.width >= 90 { 2 } else { 1 };
    let per_page = height * columns;
    let first = (list.cursor / per_page) * per_page;
    let column_width = area.width / columns as u16;
    for (i, row) in rows.iter().enumerate().skip(first).take(per_page) {
        let slot = i - first;
        let x = area.x + (slot / height) as u16 * column_width;
        let y = area.y + (slot % height) as u16;
        let cell = Rect::new(x, y, column_width, 1);
        let at_cursor = focused && i == list.cursor;
        let line = match row {
            CheckRow::Group {
                prefix,
                selected,
                total,
            } => {
                let mark = if selected == total {
                    "[x]"
                } else if *selected > 0 {
                    "[-]"
                } else {
                    "[ ]"
                };
                Line::from(vec![
                    Span::raw(format!("  {mark} ")),
                    Span::styled(format!("{}.* ", clean(prefix)), theme::title()),
                    Span::styled(format!("({selected}/{total})"), theme::dim()),
                ])
            }
            CheckRow::Event { name, unknown } => {
                let on = list.selected.contains(name);
                let mut spans = vec![
                    Span::raw(format!("      {} ", if on { "[x]" } else { "[ ]" })),
                    Span::raw(clean(name).into_owned()),
                ];
                if *unknown {
                    spans.push(Span::styled(" (unknown type)", theme::warning()));
                }
                Line::from(spans)
            }
        };
        let style = if at_cursor {
            theme::selected()
        } else {
            Style::new()
        };
        frame.render_widget(Paragraph::new(line).style(style), cell);
    }
}

fn render_phones(form: &Form, frame: &mut Frame, area: Rect) {
    let focused = form.field == FormField::Phones && form.prompt.is_none();
    let phones = &form.phones;
    let mut lines = Vec::new();
    let head = if phones.numbers.is_empty() {
        Span::raw("every line (no filter)")
    } else {
        Span::raw(format!(
            "only events from {} line(s):",
            phones.numbers.len()
        ))
    };
    lines.push(Line::from(vec![label("Phone filter", focused), head]));
    let start = phones.cursor.saturating_sub(3);
    for (i, number) in phones.numbers.iter().enumerate().skip(start).take(4) {
        let style =
            if focused && i == phones.cursor && phones.adding.is_none() && phones.picking.is_none()
            {
                theme::selected()
            } else {
                Style::new()
            };
        lines.push(Line::from(vec![
            Span::raw(" ".repeat(15)),
            Span::styled(clean(number).into_owned(), style),
        ]));
    }
    if let Some(input) = &phones.adding {
        let mut spans = vec![Span::raw(" ".repeat(13)), Span::styled("› ", theme::key())];
        spans.extend(input_spans(input, focused, 20));
        spans.push(Span::styled("  E.164, e.g. +12025551234", theme::dim()));
        lines.push(Line::from(spans));
    }
    if let Some(error) = &phones.error {
        lines.push(Line::from(vec![
            Span::raw(" ".repeat(15)),
            Span::styled(format!("✖ {error}"), theme::error_text()),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn render_routing(form: &Form, frame: &mut Frame, area: Rect) {
    let focused = form.field == FormField::Routing && form.prompt.is_none();
    let r = &form.routing;
    let key = r.key_header.value().trim();
    let summary = if key.is_empty() {
        "delivery affinity off".to_string()
    } else {
        format!("affinity on: key header {}", clean(key))
    };
    let marker = if r.expanded { "▾ " } else { "▸ " };
    let mut lines = vec![Line::from(vec![
        label("Routing", focused),
        Span::raw(marker),
        Span::styled(summary, theme::dim()),
        Span::styled(
            if r.expanded {
                ""
            } else {
                "  (advanced: Enter shows)"
            },
            theme::dim(),
        ),
    ])];
    if r.expanded {
        for (row, (name, input, placeholder)) in [
            ("key header", &r.key_header, "empty = affinity off"),
            ("id header", &r.id_header, "empty = Linq-Chat-Id"),
        ]
        .into_iter()
        .enumerate()
        {
            let here = focused && r.row == row;
            let mut spans = vec![
                Span::raw(" ".repeat(15)),
                Span::styled(format!("{name:<11}"), theme::dim()),
            ];
            spans.extend(input_spans(input, here, 40));
            if input.value().is_empty() {
                spans.push(Span::styled(format!("  {placeholder}"), theme::dim()));
            }
            lines.push(Line::from(spans));
        }
    }
    if let Some(problem) = form.visible_problem(FormField::Routing) {
        if let Some(first) = lines.first_mut() {
            first
                .spans
                .push(Span::styled(format!("  ✖ {problem}"), theme::error_text()));
        }
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn render_status(form: &Form, frame: &mut Frame, area: Rect) {
    let line = if form.saving.is_some() {
        Line::from(Span::styled(" Saving…", theme::pending()))
    } else if let Some(b) = &form.server_error {
        let style = match b.level {
            BannerLevel::Error => theme::error_banner(),
            BannerLevel::Info | BannerLevel::Notice => theme::info_banner(),
        };
        let text = super::header::banner_text(b).replace("  (Esc)", "");
        return frame.render_widget(
            Paragraph::new(text).style(style).wrap(Wrap { trim: false }),
            area,
        );
    } else {
        Line::from("")
    };
    frame.render_widget(Paragraph::new(line), area);
}

fn render_line_picker(app: &App, form: &Form, frame: &mut Frame, area: Rect) {
    let rect = Rect {
        x: area.x + 15,
        y: area.y,
        width: area.width.saturating_sub(16).min(60),
        height: area.height.min(10),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::focused_border())
        .title(" Account lines ");
    let cursor = form.phones.picking.unwrap_or(0);
    let visible = usize::from(rect.height.saturating_sub(2)).max(1);
    let first = cursor.saturating_sub(visible - 1);
    let lines: Vec<Line> = match (&app.lines, &app.lines_error) {
        (Some(lines), _) if !lines.is_empty() => lines
            .iter()
            .enumerate()
            .skip(first)
            .map(|(i, l)| {
                let taken = form.phones.numbers.contains(&l.phone_number);
                let text = format!(
                    " {}{}",
                    line_label(l),
                    if taken { "  (in the filter)" } else { "" }
                );
                let style = if i == cursor {
                    theme::selected()
                } else {
                    Style::new()
                };
                Line::from(Span::styled(text, style))
            })
            .collect(),
        (Some(_), _) => vec![Line::from(" This account has no lines.")],
        (None, Some(err)) => vec![Line::from(format!(
            " Could not load the lines: {}",
            clean(err)
        ))],
        (None, None) => vec![Line::from(" Loading the account's lines…")],
    };
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

fn render_prompt(prompt: &FormPrompt, frame: &mut Frame, area: Rect) {
    let (title, body) = match prompt {
        FormPrompt::Discard => (
            " Discard changes? ",
            vec![
                Line::from(" Your changes to this form will be lost."),
                Line::from(""),
                Line::from(" y discard · n keep editing"),
            ],
        ),
        FormPrompt::ConfirmSave { diff } => (
            " Save these changes? ",
            vec![
                Line::from(Span::styled(format!(" {}", clean(diff)), theme::title())),
                Line::from(""),
                Line::from(" Only these fields are sent; everything else stays as it is."),
                Line::from(" y/Enter send · n back to the form"),
            ],
        ),
    };
    let inner_width = usize::from(area.width.min(76).saturating_sub(2)).max(1);
    let rows: usize = body
        .iter()
        .map(|l| l.width().div_ceil(inner_width).max(1))
        .sum();
    let height = u16::try_from(rows + 2).unwrap_or(u16::MAX);
    let rect = super::dialogs::centered(area, 76, height);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::focused_border())
        .title(Span::styled(title, theme::title()));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(body).block(block).wrap(Wrap { trim: false }),
        rect,
    );
}
