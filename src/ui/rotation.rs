//! The rotation dialogs (`R`, issue 20): start (which URL, which id, the new URL) and the
//! pair's finish / abort; and the words the list and the detail pane use for a pair.

use super::dialogs::small_dialog;
use crate::app::App;
use crate::diagnose::rotation::since_label;
use crate::lifecycle::rotate::{Pair, OVERLAP_NOTE};
use crate::text::clean;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::Frame;

/// `rotating since 14:02, 2 subscriptions` (the detail pane, the pair dialog).
pub fn pair_label(app: &App, pair: &Pair) -> String {
    format!(
        "rotating since {}, 2 subscriptions",
        since_label(pair.since, app.now)
    )
}

fn url_of(app: &App, id: &str) -> String {
    app.subscriptions.iter().find(|s| s.id == id).map_or_else(
        || "(not in the list)".into(),
        |s| clean(&s.target_url).into_owned(),
    )
}

pub fn render_start(
    app: &App,
    frame: &mut Frame,
    area: Rect,
    id: &str,
    target_url: &str,
    new_url: &str,
) {
    let paused = app.subscriptions.iter().any(|s| s.id == id && !s.is_active);
    let mut lines = vec![
        Line::from(""),
        Line::from(format!(
            "Rotate the signing secret of {}?",
            clean(target_url)
        )),
        Line::from(format!("id {}", clean(id))),
        Line::from(""),
        Line::from(format!("A new subscription at {}", clean(new_url))),
        Line::from(
            "gets the same events, lines, routing headers and payload version, and a new \
             secret (shown once). Both deliver until you finish: "
                .to_string()
                + OVERLAP_NOTE
                + ".",
        ),
    ];
    if paused {
        // As `rotate` says: the twin is created active, so the receiver starts getting events.
        lines.push(Line::from(
            "This subscription is paused; the new one starts active and delivers.",
        ));
    }
    lines.push(Line::from(""));
    lines.push(Line::from("y start · n cancel"));
    small_dialog(frame, area, " Rotate the signing secret ", lines);
}

pub fn render_pair(app: &App, frame: &mut Frame, area: Rect, pair: &Pair) {
    let lines = vec![
        Line::from(""),
        Line::from(format!("Secret rotation: {}", pair_label(app, pair))),
        Line::from(format!(
            "old {}  {}",
            clean(&pair.old_id),
            url_of(app, &pair.old_id)
        )),
        Line::from(format!(
            "new {}  {}",
            clean(&pair.new_id),
            url_of(app, &pair.new_id)
        )),
        Line::from(""),
        Line::from(
            "Finish once the receiver uses the new secret: both are re-read, then the old one \
             is deleted (asks first; it cannot be undone). Abort deletes the new one instead.",
        ),
        Line::from(""),
        Line::from("f finish · a abort · Esc close"),
    ];
    small_dialog(frame, area, " Rotation in progress ", lines);
}
