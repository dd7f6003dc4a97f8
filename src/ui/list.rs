//! The subscription list. Virtualised: only the rows in the viewport are built, so a frame
//! costs the same for 20 or 20,000 subscriptions.

use super::theme;
use crate::api::Subscription;
use crate::app::{payload_version, App, Focus, PendingOp, Startup, Tab};
use crate::diagnose::{worst, Severity};
use crate::text::clean;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The findings marker: the worst severity of the row's findings.
const MARK_W: usize = 3;
const STATUS_W: usize = 12;
const EVENTS_W: usize = 7;
const PHONES_W: usize = 11;
const VERSION_W: usize = 11;

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    // While only the first rows are here, the tab is All: every row of the list shows.
    let shown = if app.reading_rest() {
        app.counts.all()
    } else {
        app.visible.len()
    };
    let title = format!(" Subscriptions ({shown}) ");
    let mut block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(title, theme::title()));
    if app.focus == Focus::List && app.modal.is_none() {
        block = block.border_style(theme::focused_border());
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width < 10 {
        return;
    }
    if let Some(message) = empty_message(app) {
        let p = Paragraph::new(message).wrap(Wrap { trim: false });
        frame.render_widget(p, inner);
        return;
    }
    let url_w = (inner.width as usize)
        .saturating_sub(MARK_W + STATUS_W + EVENTS_W + PHONES_W + VERSION_W + 1)
        .max(10);
    let heading = format!(
        " {:<mw$}{:<sw$}{:<uw$}{:>ew$}  {:<pw$}{:<vw$}",
        "",
        "STATUS",
        "TARGET",
        "EVENTS",
        "PHONES",
        "VERSION",
        mw = MARK_W,
        sw = STATUS_W - 1,
        uw = url_w,
        ew = EVENTS_W - 2,
        pw = PHONES_W,
        vw = VERSION_W
    );
    let buf = frame.buffer_mut();
    buf.set_stringn(
        inner.x,
        inner.y,
        &heading,
        inner.width as usize,
        theme::dim().add_modifier(Modifier::BOLD),
    );
    let rows = inner.height.saturating_sub(1) as usize;
    let selected = app.selected_index();
    for (line, &index) in app.visible.iter().skip(app.scroll).take(rows).enumerate() {
        let sub = &app.subscriptions[index];
        let y = inner.y + 1 + line as u16;
        let is_selected = selected == Some(app.scroll + line);
        let row = Rect::new(inner.x, y, inner.width, 1);
        let line = row_line(app, index, sub, url_w, is_selected);
        buf.set_line(row.x, row.y, &line, row.width);
        if is_selected {
            buf.set_style(row, theme::selected());
        }
    }
}

fn empty_message(app: &App) -> Option<Line<'static>> {
    match &app.startup {
        Startup::Loading => {
            return Some(Line::from(format!(
                " Loading subscriptions from {} …",
                clean(&app.connection.base_url)
            )))
        }
        Startup::Failed { heading, detail } => {
            return Some(Line::from(vec![
                Span::styled(format!(" {heading}: "), theme::warning()),
                Span::raw(clean(detail).into_owned()),
                Span::raw("  — press "),
                Span::styled("r", theme::key()),
                Span::raw(" to retry, "),
                Span::styled("q", theme::key()),
                Span::raw(" to quit."),
            ]))
        }
        Startup::Ready | Startup::FirstRows => {}
    }
    if !app.visible.is_empty() {
        return None;
    }
    let query = app.filter.value();
    let text = if !query.is_empty() {
        format!(
            " No subscription matches “{}”. Esc clears the filter.",
            clean(query)
        )
    } else if app.subscriptions.is_empty() {
        " No webhook subscriptions on this account yet.".to_string()
    } else {
        match app.tab {
            Tab::Active => " No active subscriptions. Press 1 to see all.".into(),
            Tab::Paused => " No paused subscriptions. Press 1 to see all.".into(),
            Tab::Problems => {
                " No errors or warnings: nothing found wrong. Press 1 to see all.".into()
            }
            Tab::All => " Nothing to show.".into(),
        }
    };
    Some(Line::from(text))
}

fn row_line(
    app: &App,
    index: usize,
    sub: &Subscription,
    url_w: usize,
    selected: bool,
) -> Line<'static> {
    let (finding, mark_style) = match app.findings.get(index).and_then(|f| worst(f)) {
        Some(Severity::Error) => ("✖", theme::error_text()),
        Some(Severity::Warning) => ("▲", theme::warning()),
        Some(Severity::Info) => ("·", theme::dim()),
        None => (" ", Style::new()),
    };
    // `+`: marked for a bulk change.
    let marked = app.marked.contains(&sub.id);
    let mark = format!("{}{finding}", if marked { "+" } else { " " });
    let mark_style = if marked {
        mark_style.add_modifier(Modifier::BOLD)
    } else {
        mark_style
    };
    let pending = app.pending.get(&sub.id).map(|p| p.op);
    let (status, style) = match pending {
        Some(PendingOp::Delete) => ("✖ deleting", theme::pending()),
        Some(PendingOp::Pause { was_active: true }) => ("⟳ pausing", theme::pending()),
        Some(PendingOp::Pause { was_active: false }) => ("⟳ resuming", theme::pending()),
        Some(PendingOp::Update) => ("⟳ saving", theme::pending()),
        None if !sub.readable("is_active") => ("? unknown", theme::warning()),
        // One of a secret rotation's pair (both deliver).
        None if sub.is_active && app.rotation_of(&sub.id).is_some() => {
            ("⇄ rotating", theme::active())
        }
        None if sub.is_active => ("● active", theme::active()),
        None => ("◌ paused", theme::paused()),
    };
    let rest = if sub.is_active || selected {
        Style::new()
    } else {
        theme::paused()
    };
    let phones = match sub.phone_filter().len() {
        _ if !sub.readable("phone_numbers") => "?".to_string(),
        0 => "all lines".to_string(),
        1 => "1 line".to_string(),
        n => format!("{n} lines"),
    };
    let version = payload_version(&sub.target_url)
        .map(|v| clean(&v).into_owned())
        .unwrap_or_else(|| "default".into());
    let target = if sub.readable("target_url") {
        short_url(&sub.target_url, url_w)
    } else {
        "?".into()
    };
    let events = if sub.readable("subscribed_events") {
        sub.subscribed_events.len().to_string()
    } else {
        "?".into()
    };
    Line::from(vec![
        Span::raw(" "),
        Span::styled(pad(&mark, MARK_W), mark_style),
        Span::styled(pad(status, STATUS_W - 1), style),
        Span::styled(pad(&target, url_w), rest),
        Span::styled(format!("{events:>w$}  ", w = EVENTS_W - 2), rest),
        Span::styled(pad(&phones, PHONES_W), rest),
        Span::styled(pad(&version, VERSION_W), rest),
    ])
}

/// Host and path, with the query when it fits; cut with an ellipsis otherwise.
pub fn short_url(target_url: &str, width: usize) -> String {
    let clean_url = clean(target_url);
    let (host_path, query) = match url::Url::parse(&clean_url) {
        Ok(u) => {
            let mut hp = u.host_str().unwrap_or("").to_string();
            if let Some(port) = u.port() {
                hp.push_str(&format!(":{port}"));
            }
            hp.push_str(u.path());
            // The version pin has its own column; other parameters tell URLs apart.
            let rest: Vec<String> = u
                .query_pairs()
                .filter(|(k, _)| k != "version")
                .map(|(k, v)| {
                    if v.is_empty() {
                        k.into_owned()
                    } else {
                        format!("{k}={v}")
                    }
                })
                .collect();
            (hp, (!rest.is_empty()).then(|| rest.join("&")))
        }
        Err(_) => (clean_url.into_owned(), None),
    };
    let with_query = match &query {
        Some(q) => format!("{host_path}?{q}"),
        None => host_path.clone(),
    };
    // Cut at the end, so that as much of the query as fits still shows: `…/webhooks` and
    // `…/webhooks?line=rcs` must not look alike.
    let text = with_query;
    // Decoded query parameters may carry what `clean` removed from the raw URL (%1b).
    truncate(&crate::text::display(&text), width.saturating_sub(1))
}

/// Cuts `text` to at most `width` terminal columns (wide characters count two), with an
/// ellipsis when cut.
pub fn truncate(text: &str, width: usize) -> String {
    if UnicodeWidthStr::width(text) <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > width.saturating_sub(1) {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// `text` cut and padded to exactly `width` columns, so the next column starts in place.
fn pad(text: &str, width: usize) -> String {
    let mut out = truncate(text, width.saturating_sub(1));
    let used = UnicodeWidthStr::width(out.as_str());
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    out
}
