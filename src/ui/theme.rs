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
