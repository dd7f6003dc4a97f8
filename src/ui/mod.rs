//! Pure rendering: `render(&App, &mut Frame)` reads state and draws; it never changes it.

mod deliveries;
mod detail;
mod dialogs;
mod fleet;
mod form;
mod header;
mod history;
pub mod layout;
mod list;
mod probe;
mod rotation;
mod secret;
mod theme;
mod verify;

use crate::app::App;
use ratatui::Frame;

pub fn render(app: &App, frame: &mut Frame) {
    let area = frame.area();
    let areas = layout::areas(
        (area.width, area.height),
        layout::banner_rows(app.banner.as_ref(), area.width),
        app.visible.len(),
    );
    header::render_header(app, frame, areas.header);
    header::render_tabs(app, frame, areas.tabs);
    if let (Some(banner), Some(rect)) = (&app.banner, areas.banner) {
        header::render_banner(banner, frame, rect);
    }
    match (&app.form, &app.verify) {
        (Some(f), _) => form::render(app, f, frame, areas.list.union(areas.detail)),
        (None, Some(v)) => verify::render(v, frame, areas.list.union(areas.detail)),
        (None, None) => {
            list::render(app, frame, areas.list);
            detail::render(app, frame, areas.detail);
        }
    }
    header::render_footer(app, frame, areas.footer);
    dialogs::render(app, frame, area);
}
