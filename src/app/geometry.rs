//! Screen geometry, shared by drawing (`ui`) and by paging and mouse hit-testing in
//! `update`: plain arithmetic on the terminal size, so the app owns it and `ui` reads it.

use super::banner::{banner_text, Banner};
use ratatui::layout::{Constraint, Layout, Rect};

pub struct Areas {
    pub header: Rect,
    pub tabs: Rect,
    pub banner: Option<Rect>,
    pub list: Rect,
    pub detail: Rect,
    pub footer: Rect,
}

/// Header, tabs, optional banner, the list (top) and the detail pane (bottom), footer.
/// The list takes what its `rows` need, up to 60% of the body; the detail pane the rest.
pub fn areas(size: (u16, u16), banner: u16, rows: usize) -> Areas {
    let screen = Rect::new(0, 0, size.0, size.1);
    let [header, tabs, banner_area, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(banner),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(screen);
    let detail_min = (body.height * 2 / 5).max(8.min(body.height / 2));
    let list_max = body.height - detail_min;
    let wanted = u16::try_from(rows.saturating_add(3)).unwrap_or(u16::MAX);
    let list_height = wanted.clamp(5.min(list_max), list_max);
    let [list, detail] =
        Layout::vertical([Constraint::Length(list_height), Constraint::Min(0)]).areas(body);
    Areas {
        header,
        tabs,
        banner: (banner > 0).then_some(banner_area),
        list,
        detail,
        footer,
    }
}

/// The rows of the list that show subscriptions (inside the border, below the column titles).
pub fn list_rows_area(size: (u16, u16), banner: u16, rows: usize) -> Rect {
    let list = areas(size, banner, rows).list;
    Rect {
        x: list.x + 1,
        y: list.y + 2,
        width: list.width.saturating_sub(2),
        height: list.height.saturating_sub(3),
    }
}

/// Rows the banner needs at this width (up to 3): a long error keeps its trace id visible.
pub fn banner_rows(banner: Option<&Banner>, width: u16) -> u16 {
    let Some(banner) = banner else {
        return 0;
    };
    let len = banner_text(banner).chars().count();
    let width = usize::from(width.max(1));
    len.div_ceil(width).clamp(1, 3) as u16
}
