//! Styles, in the 16 basic colours so that they survive any terminal and SSH.

use ratatui::style::{Color, Modifier, Style};

pub fn title() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}
pub fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}
pub fn key() -> Style {
    Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
}
pub fn active() -> Style {
    Style::new().fg(Color::Green)
}
pub fn paused() -> Style {
    Style::new().fg(Color::DarkGray)
}
pub fn pending() -> Style {
    Style::new().fg(Color::Yellow)
}
pub fn selected() -> Style {
    Style::new()
        .bg(Color::Blue)
        .fg(Color::White)
        .add_modifier(Modifier::BOLD)
}
pub fn sandbox_badge() -> Style {
    Style::new()
        .bg(Color::Yellow)
        .fg(Color::Black)
        .add_modifier(Modifier::BOLD)
}
pub fn live_badge() -> Style {
    Style::new()
        .bg(Color::Magenta)
        .fg(Color::White)
        .add_modifier(Modifier::BOLD)
}
pub fn error_banner() -> Style {
    Style::new().bg(Color::Red).fg(Color::White)
}
pub fn info_banner() -> Style {
    Style::new().bg(Color::Green).fg(Color::Black)
}
pub fn focused_border() -> Style {
    Style::new().fg(Color::Cyan)
}
pub fn warning() -> Style {
    Style::new().fg(Color::Yellow)
}
pub fn danger() -> Style {
    Style::new()
        .bg(Color::Red)
        .fg(Color::White)
        .add_modifier(Modifier::BOLD)
}
pub fn error_text() -> Style {
    Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
}

/// A profile's header colour by name (config `color`); unknown names are plain.
pub fn named(name: &str) -> Color {
    match name {
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "white" => Color::White,
        "gray" => Color::Gray,
        _ => Color::Reset,
    }
}

/// The profile label in the header: its colour as the background, bold.
pub fn profile_badge(color: Option<&str>) -> Style {
    match color {
        Some(c) => Style::new()
            .bg(named(c))
            .fg(Color::Black)
            .add_modifier(Modifier::BOLD),
        None => title(),
    }
}
