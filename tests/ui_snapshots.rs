//! Render snapshots of the dashboard at 100×30 and 80×24 (text only), plus assertions on the
//! styles of the cells that carry meaning (selection, paused rows, the SANDBOX badge).
//!
//! Everything is fixed (clock, ids, timestamps, base URL), so no redaction is needed.
//! Accept changes with `INSTA_UPDATE=always cargo test --test ui_snapshots`, then read the
//! `.snap` files: they must look right to a user.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use linq_hooks::api::error::LinqFailure;
use linq_hooks::api::{ApiError, Subscription};
use linq_hooks::app::{ApiResult, App, Connection, Msg};
use linq_hooks::ui;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use ratatui::Terminal;
use time::macros::datetime;
use time::OffsetDateTime;

const NOW: OffsetDateTime = datetime!(2026-11-27 12:00 UTC);
const SIZES: [(u16, u16); 2] = [(100, 30), (80, 24)];

fn connection() -> Connection {
    Connection {
        base_url: "http://127.0.0.1:4010/api/partner".into(),
        sandbox: true,
        key_hint: None,
        read_only: false,
    }
}

fn sub(
    id: &str,
    created: OffsetDateTime,
    url: &str,
    active: bool,
    events: &[&str],
    phones: Option<&[&str]>,
) -> Subscription {
    Subscription {
        id: id.into(),
        created_at: created,
        updated_at: created,
        is_active: active,
        subscribed_events: events.iter().map(|e| (*e).into()).collect(),
        target_url: url.into(),
        phone_numbers: phones.map(|p| p.iter().map(|n| n.to_string()).collect()),
        routing_id_header: None,
        routing_key_header: None,
        unreadable: Default::default(),
    }
}

const ACME: &str = "0b1e7c52-3a4d-4f0e-9c1a-5d2e8f7a6b01";
const SUPPORT: &str = "1c2f8d63-4b5e-4a1f-8d2b-6e3f9a8b7c02";
const RELAY: &str = "2d3a9e74-5c6f-4b2a-9e3c-7f4a0b9c8d03";
const BETA: &str = "3e4b0f85-6d7a-4c3b-8f4d-8a5b1c0d9e04";
const LEGACY: &str = "4f5c1a96-7e8b-4d4c-9a5e-9b6c2d1e0f05";
const ARCHIVE: &str = "5a6d2b07-8f9c-4e5d-8b6f-0c7d3e2f1a06";
const OPS: &str = "6b7e3c18-9a0d-4f6e-9c7a-1d8e4f3a2b07";

/// Seven subscriptions: active and paused, with and without a phone filter, pinned with
/// `?version=` or not, one with an event type the catalogue does not know.
fn mixed() -> Vec<Subscription> {
    let mut relay = sub(
        RELAY,
        datetime!(2026-06-02 08:15 UTC),
        "https://relay.internal.test:8443/in?team=ops&version=2025-01-01",
        true,
        &["chat.created", "message.received", "brand.new_thing"],
        Some(&["+12025550143", "+447700900123"]),
    );
    relay.routing_key_header = Some("X-Tenant".into());
    relay.updated_at = datetime!(2026-11-27 11:40 UTC);
    vec![
        sub(
            ACME,
            datetime!(2026-01-15 10:30 UTC),
            "https://hooks.acme.test/linq?version=2026-02-03",
            true,
            &[
                "message.sent",
                "message.received",
                "message.delivered",
                "message.read",
                "chat.created",
            ],
            None,
        ),
        sub(
            SUPPORT,
            datetime!(2026-03-01 09:00 UTC),
            "https://api.example.com/webhooks/linq",
            false,
            &["message.received"],
            Some(&["+12025550143"]),
        ),
        relay,
        sub(
            BETA,
            datetime!(2026-09-10 16:45 UTC),
            "https://beta.example.net/hook",
            true,
            &["message.sent", "message.failed"],
            Some(&[]),
        ),
        sub(
            LEGACY,
            datetime!(2026-10-01 00:00 UTC),
            "https://very-long-subdomain.customer-infrastructure.example.org/api/v2/integrations/linq/webhooks/receiver?version=2025-06-01",
            false,
            &["message.sent"],
            None,
        ),
        sub(
            ARCHIVE,
            datetime!(2026-11-20 14:00 UTC),
            "https://archive.example.com/linq",
            true,
            &["message.sent", "message.received"],
            None,
        ),
        sub(
            OPS,
            datetime!(2026-11-26 18:30 UTC),
            "https://ops.example.io/linq-events",
            false,
            &["message.failed"],
            Some(&["+12025550199"]),
        ),
    ]
}

fn press(code: KeyCode, modifiers: KeyModifiers) -> Msg {
    Msg::Key(KeyEvent::new(code, modifiers))
}

fn key(c: char) -> Msg {
    press(KeyCode::Char(c), KeyModifiers::NONE)
}

fn list_req(app: &App) -> u64 {
    app.list_req.expect("a list request in flight").0
}

fn starting(size: (u16, u16)) -> App {
    let mut app = App::new(connection(), NOW, size);
    app.init();
    app
}

fn loaded(size: (u16, u16), subs: Vec<Subscription>) -> App {
    let mut app = starting(size);
    let req = list_req(&app);
    app.update(Msg::Api {
        req,
        result: ApiResult::List {
            digest: None,
            at: NOW,
            result: Ok(subs),
        },
    });
    app
}

fn select(app: &mut App, id: &str) {
    app.update(key('g'));
    while app.selected.as_deref() != Some(id) {
        let before = app.selected.clone();
        app.update(key('j'));
        assert_ne!(app.selected, before, "{id} not visible");
    }
}

/// The mixed list with writes in flight (a pause, a resume, a delete) and the first row
/// selected.
fn mixed_app(size: (u16, u16)) -> App {
    let mut app = loaded(size, mixed());
    select(&mut app, BETA);
    assert_eq!(app.update(key('p')).len(), 1);
    select(&mut app, LEGACY);
    assert_eq!(app.update(key('p')).len(), 1);
    select(&mut app, ARCHIVE);
    app.update(press(KeyCode::Char('d'), KeyModifiers::CONTROL));
    assert_eq!(app.update(key('y')).len(), 1);
    app.update(key('g'));
    app
}

fn draw(app: &App) -> Buffer {
    let (w, h) = app.size;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| ui::render(app, f)).unwrap();
    terminal.backend().buffer().clone()
}

fn text(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in 0..area.height {
        let line: String = (0..area.width).map(|x| buffer[(x, y)].symbol()).collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn row_text(buffer: &Buffer, y: u16) -> String {
    (0..buffer.area.width)
        .map(|x| buffer[(x, y)].symbol())
        .collect()
}

/// Snapshots the screen built by `build` at both sizes.
fn snapshot(name: &str, build: impl Fn((u16, u16)) -> App) {
    for size in SIZES {
        let app = build(size);
        assert_eq!(app.size, size);
        let screen = text(&draw(&app));
        assert!(!screen.contains('\u{1b}'));
        insta::assert_snapshot!(format!("{name}_{}x{}", size.0, size.1), screen);
    }
}

fn error_500() -> ApiError {
    ApiError::Linq(LinqFailure {
        status: 500,
        code: Some(1000),
        message: "Internal server error".into(),
        trace_id: Some("7f3a9c2e5b1d4e60".into()),
        ..LinqFailure::default()
    })
}

// ---------------------------------------------------------------- snapshots

#[test]
fn loading() {
    snapshot("loading", starting);
}

#[test]
fn list_mixed() {
    snapshot("list_mixed", mixed_app);
}

#[test]
fn detail_focused() {
    snapshot("detail_focused", |size| {
        let mut app = loaded(size, mixed());
        select(&mut app, RELAY);
        app.update(press(KeyCode::Enter, KeyModifiers::NONE));
        app
    });
}

#[test]
fn empty_account() {
    snapshot("empty_account", |size| loaded(size, vec![]));
}

#[test]
fn filter_no_match() {
    snapshot("filter_no_match", |size| {
        let mut app = loaded(size, mixed());
        app.update(key('/'));
        for c in "nothing here".chars() {
            app.update(key(c));
        }
        app
    });
}

#[test]
fn filter_kept() {
    snapshot("filter_kept", |size| {
        let mut app = loaded(size, mixed());
        app.update(key('/'));
        for c in "example".chars() {
            app.update(key(c));
        }
        app.update(press(KeyCode::Enter, KeyModifiers::NONE));
        app
    });
}

#[test]
fn delete_dialog() {
    snapshot("delete_dialog", |size| {
        let mut app = loaded(size, mixed());
        select(&mut app, SUPPORT);
        app.update(press(KeyCode::Char('d'), KeyModifiers::CONTROL));
        app
    });
}

/// The rotation dialog wraps its long URLs and text; it grows with them, so its last line
/// (the keys) is still drawn inside the border at both sizes.
#[test]
fn rotate_dialog_fits_its_wrapped_text() {
    snapshot("rotate_dialog", |size| {
        let mut app = loaded(size, mixed());
        select(&mut app, LEGACY);
        app.update(key('R'));
        let screen = text(&draw(&app));
        assert!(screen.contains("y start · n cancel"), "{screen}");
        // LEGACY is paused: the new twin will not be.
        assert!(screen.contains("starts active and delivers"), "{screen}");
        app
    });
}

#[test]
fn delete_dialog_long_url() {
    snapshot("delete_dialog_long_url", |size| {
        let mut app = loaded(size, mixed());
        select(&mut app, LEGACY);
        app.update(press(KeyCode::Char('d'), KeyModifiers::CONTROL));
        app
    });
}

#[test]
fn error_banner() {
    snapshot("error_banner", |size| {
        let mut app = mixed_app(size);
        app.update(key('r'));
        let req = list_req(&app);
        app.update(Msg::Api {
            req,
            result: ApiResult::List {
                digest: None,
                at: NOW,
                result: Err(error_500()),
            },
        });
        app
    });
}

#[test]
fn help_overlay() {
    snapshot("help_overlay", |size| {
        let mut app = loaded(size, mixed());
        app.update(key('?'));
        app
    });
}

#[test]
fn unreachable_at_start() {
    snapshot("unreachable_at_start", |size| {
        let mut app = starting(size);
        let req = list_req(&app);
        app.update(Msg::Api {
            req,
            result: ApiResult::List {
                digest: None,
                at: NOW,
                result: Err(ApiError::Connect {
                    target: "http://127.0.0.1:4010/api/partner".into(),
                    detail: "connection refused".into(),
                }),
            },
        });
        app
    });
}

#[test]
fn live_read_only() {
    snapshot("live_read_only", |size| {
        let mut app = App::new(
            Connection {
                base_url: "https://api.linqapp.com/api/partner".into(),
                sandbox: false,
                key_hint: Some("…a1b2".into()),
                read_only: true,
            },
            NOW,
            size,
        );
        app.init();
        let req = list_req(&app);
        app.update(Msg::Api {
            req,
            result: ApiResult::List {
                digest: None,
                at: NOW,
                result: Ok(mixed()),
            },
        });
        app
    });
}

// ---------------------------------------------------------------- styles

#[test]
fn selected_row_has_the_selection_style_across_the_row() {
    for size in SIZES {
        for id in [ACME, SUPPORT, LEGACY] {
            let mut app = mixed_app(size);
            select(&mut app, id);
            let buffer = draw(&app);
            let rows = ui::layout::list_rows_area(app.size, 0, app.visible.len());
            let index = app.selected_index().unwrap();
            let y = rows.y + (index - app.scroll) as u16;
            let line = row_text(&buffer, y);
            let url = &app.selected_subscription().unwrap().target_url;
            let host = url::Url::parse(url)
                .unwrap()
                .host_str()
                .unwrap()
                .to_string();
            let host_short: String = host.chars().take(20).collect();
            assert!(
                line.contains(&host_short),
                "{line:?} is not the row of {url}"
            );
            for x in rows.x..rows.x + rows.width {
                let cell = &buffer[(x, y)];
                assert_eq!(cell.bg, Color::Blue, "{size:?} {id} x={x}");
                assert_eq!(cell.fg, Color::White, "{size:?} {id} x={x}");
                assert!(cell.modifier.contains(Modifier::BOLD));
            }
            // Only that row.
            for other in rows.y..rows.y + rows.height {
                if other != y {
                    assert_ne!(buffer[(rows.x + 2, other)].bg, Color::Blue, "row {other}");
                }
            }
        }
    }
}

#[test]
fn paused_rows_url_cells_are_dark_gray_and_active_ones_are_not() {
    for size in SIZES {
        let app = mixed_app(size);
        let buffer = draw(&app);
        let rows = ui::layout::list_rows_area(app.size, 0, app.visible.len());
        let mut checked = (0, 0);
        for y in rows.y..rows.y + rows.height {
            let line = row_text(&buffer, y);
            let Some(host) = [
                "api.example.com",
                "ops.example.io",
                "relay.internal",
                "archive",
            ]
            .into_iter()
            .find(|h| line.contains(h)) else {
                continue;
            };
            let start = line[..line.find(host).unwrap()].chars().count() as u16;
            let paused = host == "api.example.com" || host == "ops.example.io";
            for x in start..start + host.chars().count() as u16 {
                let fg = buffer[(x, y)].fg;
                if paused {
                    assert_eq!(fg, Color::DarkGray, "{size:?} {line:?} x={x}");
                } else {
                    assert_ne!(fg, Color::DarkGray, "{size:?} {line:?} x={x}");
                }
            }
            if paused {
                assert!(line.contains("◌ paused"), "{line:?}");
                checked.0 += 1;
            } else {
                checked.1 += 1;
            }
        }
        assert_eq!(checked, (2, 2), "{size:?}: rows found");
    }
}

#[test]
fn pending_row_shows_its_marker_in_yellow() {
    let app = mixed_app((100, 30));
    let buffer = draw(&app);
    let y = (0..30)
        .find(|&y| row_text(&buffer, y).contains("⟳ pausing"))
        .expect("a pausing row");
    let line = row_text(&buffer, y);
    let x = line[..line.find('⟳').unwrap()].chars().count() as u16;
    assert_eq!(buffer[(x, y)].fg, Color::Yellow);
    assert!(line.contains("beta.example.net"));
}

#[test]
fn sandbox_badge_style() {
    for size in SIZES {
        let app = loaded(size, mixed());
        let buffer = draw(&app);
        let header = row_text(&buffer, 0);
        let start = header[..header.find(" SANDBOX ").expect("badge")]
            .chars()
            .count() as u16;
        for x in start..start + " SANDBOX ".len() as u16 {
            let cell = &buffer[(x, 0)];
            assert_eq!(cell.bg, Color::Yellow, "x={x}");
            assert_eq!(cell.fg, Color::Black, "x={x}");
            assert!(cell.modifier.contains(Modifier::BOLD), "x={x}");
        }
        // The URL after it is plain.
        assert_eq!(buffer[(start + 10, 0)].bg, Color::Reset);
    }
}

#[test]
fn delete_dialog_focus_starts_on_cancel() {
    let mut app = loaded((100, 30), mixed());
    app.update(press(KeyCode::Char('d'), KeyModifiers::CONTROL));
    let find = |buffer: &Buffer, label: &str| {
        (0..30)
            .find_map(|y| {
                let line = row_text(buffer, y);
                line.find(label)
                    .map(|i| (line[..i].chars().count() as u16, y))
            })
            .unwrap()
    };
    let buffer = draw(&app);
    let (x, y) = find(&buffer, "[ Cancel (n) ]");
    assert_eq!(buffer[(x + 2, y)].bg, Color::Blue);
    let (x, y) = find(&buffer, "[ Delete (y) ]");
    assert_eq!(buffer[(x + 2, y)].bg, Color::Reset);

    app.update(press(KeyCode::Tab, KeyModifiers::NONE));
    let buffer = draw(&app);
    let (x, y) = find(&buffer, "[ Delete (y) ]");
    assert_eq!(buffer[(x + 2, y)].bg, Color::Red);
    let (x, y) = find(&buffer, "[ Cancel (n) ]");
    assert_eq!(buffer[(x + 2, y)].bg, Color::Reset);
}

#[test]
fn error_banner_is_red_and_names_code_and_trace() {
    let mut app = mixed_app((100, 30));
    app.update(key('r'));
    let req = list_req(&app);
    app.update(Msg::Api {
        req,
        result: ApiResult::List {
            digest: None,
            at: NOW,
            result: Err(error_500()),
        },
    });
    let buffer = draw(&app);
    let line = row_text(&buffer, 2);
    assert!(line.contains("code 1000"), "{line:?}");
    assert!(line.contains("trace 7f3a9c2e5b1d4e60"), "{line:?}");
    assert_eq!(buffer[(0, 2)].bg, Color::Red);
    assert_eq!(buffer[(99, 2)].bg, Color::Red);
}

// ---------------------------------------------------------------- regressions of on-screen bugs

/// Finds the first screen row containing `needle`.
fn find_row(buffer: &Buffer, needle: &str) -> Option<String> {
    (0..buffer.area.height)
        .map(|y| row_text(buffer, y))
        .find(|line| line.contains(needle))
}

#[test]
fn pending_status_labels_are_not_cut() {
    for size in SIZES {
        let buffer = draw(&mixed_app(size));
        assert!(find_row(&buffer, "⟳ pausing").is_some(), "{size:?}");
        assert!(find_row(&buffer, "⟳ resuming").is_some(), "{size:?}");
        assert!(find_row(&buffer, "✖ deleting").is_some(), "{size:?}");
    }
}

#[test]
fn delete_dialog_always_shows_its_buttons() {
    for size in SIZES {
        let mut app = loaded(size, mixed());
        select(&mut app, LEGACY);
        app.update(press(KeyCode::Char('d'), KeyModifiers::CONTROL));
        let buffer = draw(&app);
        assert!(find_row(&buffer, "[ Cancel (n) ]").is_some(), "{size:?}");
        assert!(find_row(&buffer, "[ Delete (y) ]").is_some(), "{size:?}");
    }
}

#[test]
fn error_banner_shows_the_whole_trace_id_at_80_columns() {
    let mut app = mixed_app((80, 24));
    app.update(key('r'));
    let req = list_req(&app);
    app.update(Msg::Api {
        req,
        result: ApiResult::List {
            digest: None,
            at: NOW,
            result: Err(error_500()),
        },
    });
    let screen = text(&draw(&app));
    assert!(screen.contains("7f3a9c2e5b1d4e60"), "{screen}");
}

#[test]
fn header_shows_the_spinner_at_80_columns() {
    let app = mixed_app((80, 24));
    assert!(app.busy());
    let header = row_text(&draw(&app), 0);
    assert!(header.contains('⠋'), "{header:?}");
    assert!(header.contains("refreshed just now"), "{header:?}");
}

#[test]
fn list_messages_keep_the_one_column_indent() {
    let app = loaded((80, 24), vec![]);
    let line = find_row(&draw(&app), "No webhook subscriptions").unwrap();
    assert!(line.starts_with("│ No webhook"), "{line:?}");
}

#[test]
fn delete_dialog_shows_its_buttons_for_every_url_length() {
    for size in SIZES {
        for len in 40..=200 {
            let path: String = "abcdefghij".chars().cycle().take(len).collect();
            let url = format!("https://h.test/{path}");
            let mut list = mixed();
            list[1].target_url = url.clone();
            let mut app = loaded(size, list);
            select(&mut app, SUPPORT);
            app.update(press(KeyCode::Char('d'), KeyModifiers::CONTROL));
            let buffer = draw(&app);
            let screen = text(&buffer);
            assert!(
                find_row(&buffer, "[ Cancel (n) ]").is_some(),
                "{size:?} url of {} chars:\n{screen}",
                url.len()
            );
        }
    }
}

#[test]
fn error_banner_keeps_the_trace_id_for_every_message_length() {
    let mut failures = Vec::new();
    for size in SIZES {
        for words in 1..=40 {
            let message: Vec<String> = (0..words)
                .map(|i| format!("w{}rd", "o".repeat(i % 7)))
                .collect();
            let mut app = loaded(size, mixed());
            app.update(key('r'));
            let req = list_req(&app);
            app.update(Msg::Api {
                req,
                result: ApiResult::List {
                    digest: None,
                    at: NOW,
                    result: Err(ApiError::Linq(LinqFailure {
                        status: 500,
                        code: Some(1000),
                        message: message.join(" "),
                        trace_id: Some("7f3a9c2e5b1d4e60".into()),
                        ..LinqFailure::default()
                    })),
                },
            });
            let screen = text(&draw(&app));
            if !screen.contains("7f3a9c2e5b1d4e60") {
                let chars = message.join(" ").chars().count();
                failures.push(format!("{size:?} {words} words ({chars} chars)"));
            }
        }
    }
    assert!(failures.is_empty(), "trace id not on screen: {failures:#?}");
}

#[test]
fn footer_keeps_its_help_hint_at_80_columns() {
    let app = loaded((80, 24), mixed());
    let footer = row_text(&draw(&app), 23);
    assert!(footer.trim_end().ends_with("? help"), "{footer:?}");
}

#[test]
fn help_shows_every_binding_in_full_when_scrolled_through() {
    for size in SIZES {
        let mut app = loaded(size, mixed());
        app.update(key('?'));
        let mut seen = String::new();
        // Enough steps to scroll the longest (single-column) help to its end.
        for _ in 0..200 {
            seen.push_str(&text(&draw(&app)));
            app.update(key('j'));
        }
        let missing: Vec<&str> = linq_hooks::app::keymap::BINDINGS
            .iter()
            .map(|b| b.help)
            .filter(|help| !seen.contains(help))
            .collect();
        assert!(
            missing.is_empty(),
            "{size:?}: not shown in full: {missing:#?}"
        );
    }
}

/// Wide characters and flags in a URL: every row's columns start in the same cell, and a
/// flag is drawn as its two letters (terminals disagree on a flag's width and leave a stray
/// glyph when the row is redrawn).
#[test]
fn wide_characters_and_flags_keep_the_columns_aligned() {
    let mut subs = mixed();
    subs[0].target_url = "https://hooks.acme.test/linq?country=\u{1F1FA}\u{1F1F8}".into();
    subs[1].target_url = "https://例え.テスト/hook?name=受信フック".into();
    let app = loaded((100, 30), subs);
    let buffer = draw(&app);
    let screen = text(&buffer);
    assert!(screen.contains("country=US"), "{screen}");
    assert!(!screen.contains('\u{1F1FA}'), "{screen}");
    assert!(screen.contains("name=受"), "{screen}");
    // The EVENTS column: the cell of each row's event count is the same for all rows.
    let heading_y = (0..buffer.area.height)
        .find(|&y| row_text(&buffer, y).contains("EVENTS"))
        .expect("the heading");
    let cells_of = |y: u16| -> Vec<String> {
        (0..buffer.area.width)
            .map(|x| buffer[(x, y)].symbol().to_string())
            .collect()
    };
    // The cell of each row's last event-count digit: the same for every row (a wide
    // character's second cell is an empty cell, not a shift).
    let last_digit: Vec<usize> = (heading_y + 1..heading_y + 8)
        .map(|y| {
            let cells = cells_of(y);
            (20..cells.len())
                .find(|&x| {
                    cells[x].chars().all(|c| c.is_ascii_digit())
                        && !cells[x].is_empty()
                        && cells[x + 1].trim().is_empty()
                        && cells[x + 2].trim().is_empty()
                        && !cells[x + 3].trim().is_empty()
                })
                .unwrap_or_else(|| panic!("row {y}: {:?}", row_text(&buffer, y)))
        })
        .collect();
    assert!(
        last_digit.iter().all(|&x| x == last_digit[0]),
        "{last_digit:?}\n{screen}"
    );
}

/// Three profiles and the sandbox; the header wears the current profile's label.
fn with_accounts(size: (u16, u16)) -> App {
    use linq_hooks::config::AccountEntry;
    let entry =
        |name: &str, label: &str, host: &str, kind: &'static str, ro: bool, color: Option<&str>| {
            AccountEntry {
                name: name.into(),
                label: label.into(),
                host: host.into(),
                key_kind: kind,
                read_only: ro,
                color: color.map(str::to_string),
                org_id: None,
                logs_url: None,
            }
        };
    loaded(size, mixed()).with_accounts(
        vec![
            entry(
                "acme-prod",
                "Acme (production)",
                "api.linqapp.com",
                "command",
                true,
                Some("red"),
            ),
            entry(
                "acme-staging",
                "Acme (staging)",
                "api.linqapp.com",
                "env",
                false,
                Some("yellow"),
            ),
            entry(
                "linq-cli:default",
                "linq CLI profile default",
                "api.linqapp.com",
                "linq-cli",
                false,
                None,
            ),
            entry(
                "sandbox",
                "embedded sandbox",
                "127.0.0.1",
                "none",
                false,
                None,
            ),
        ],
        "acme-staging",
    )
}

#[test]
fn account_switcher() {
    snapshot("account_switcher", |size| {
        let mut app = with_accounts(size);
        app.update(key('A'));
        app.update(key('j'));
        app
    });
}

#[test]
fn verify_screen_with_a_valid_capture() {
    snapshot("verify_screen", |size| {
        let mut app = loaded(size, mixed());
        app.now = OffsetDateTime::from_unix_timestamp(1_770_320_010).unwrap();
        app.update(key('V'));
        app.update(Msg::Paste(
            "POST /hook HTTP/1.1\nwebhook-id: 6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b\nwebhook-timestamp: 1770320000\nwebhook-signature: v1,OGTRj86SiQAE7CNwGfSIuqTTr9mFoydBvV8EAMBg0JY=\n\n{\"event_type\":\"message.received\"}".into(),
        ));
        app.update(Msg::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)));
        app.update(Msg::Paste(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw7Jxx2Oll+OE=".into(), // linq-api.md test_vector
        ));
        app
    });
}

// ------------------------------------------------- the detail pane at 80×24 (issue 15)

const TROUBLED: &str = "7c8f4d29-0b1e-4a7f-8d8b-2e9f5a4b3c08";

/// The mixed list and one subscription with an error, a warning and notes: plain HTTP to
/// a reserved name, no version pin, an event type the catalogue does not know, paused.
fn with_troubled() -> Vec<Subscription> {
    let mut subs = mixed();
    subs.push(sub(
        TROUBLED,
        datetime!(2026-11-27 09:00 UTC),
        "http://hooks.internal.test/linq",
        false,
        &["message.sent", "brand.new_thing"],
        None,
    ));
    subs
}

#[test]
fn detail_findings_compact() {
    snapshot("detail_findings_compact", |size| {
        let mut app = loaded(size, with_troubled());
        select(&mut app, TROUBLED);
        app
    });
}

/// With a long list the detail pane is at its smallest (6 rows at 80×24): the subscription's
/// own fields come first and its worst finding still shows, without scrolling.
#[test]
fn at_80x24_the_detail_answers_what_it_is_and_whether_it_delivers_without_scrolling() {
    let mut subs = with_troubled();
    for i in 0..20 {
        subs.push(sub(
            &format!("9{i:07}-0000-4000-8000-000000000000"),
            datetime!(2026-11-27 10:00 UTC),
            &format!("https://filler-{i}.example.com/hook?version=2026-02-03"),
            true,
            &["message.sent"],
            None,
        ));
    }
    // A target long enough to wrap at 80 columns.
    let long = "http://hooks.internal.test/linq/a-long-path/that-wraps-onto-a-second-line";
    if let Some(t) = subs.iter_mut().find(|s| s.id == TROUBLED) {
        t.target_url = long.into();
    }
    let mut app = loaded((80, 24), subs);
    select(&mut app, TROUBLED);
    let screen = text(&draw(&app));
    let detail: Vec<&str> = screen
        .lines()
        .skip_while(|l| !l.starts_with("┌ Detail"))
        .collect();
    let pane = detail.join("\n");
    for (label, value) in [
        ("id", TROUBLED),
        ("target", "http://hooks.internal.test/linq/a-long-path"),
        ("status", "paused — no deliveries"),
        ("events", "2 subscribed"),
    ] {
        assert!(
            detail
                .iter()
                .any(|l| l.contains(&format!(" {label} ")) && l.contains(value)),
            "{label} is shown:\n{pane}"
        );
    }
    let worst = app.selected_findings()[0].code;
    assert!(
        detail.iter().any(|l| l.contains(&format!("✖ {worst} — "))),
        "the worst finding, on one line:\n{pane}"
    );
    // Its fix is not there until Enter.
    let fix = app.selected_findings()[0].fix.clone();
    assert!(!pane.contains(&fix[..20]), "{pane}");
    app.update(press(KeyCode::Enter, KeyModifiers::NONE));
    for _ in 0..6 {
        app.update(key('j'));
    }
    let focused = text(&draw(&app));
    assert!(focused.contains("→ "), "Enter shows the fixes:\n{focused}");
}

#[test]
fn notes_fold_into_one_line_and_problems_keep_one_line_each() {
    let mut app = loaded((100, 30), with_troubled());
    select(&mut app, TROUBLED);
    let findings = app.selected_findings().to_vec();
    let notes: Vec<&str> = findings
        .iter()
        .filter(|f| f.severity == linq_hooks::diagnose::Severity::Info)
        .map(|f| f.code)
        .collect();
    assert!(notes.len() >= 2, "{findings:?}");
    let screen = text(&draw(&app));
    let folded = format!("· {} notes: {}", notes.len(), notes.join(", "));
    assert!(screen.contains(&folded), "{folded:?} in:\n{screen}");
    for f in findings
        .iter()
        .filter(|f| f.severity != linq_hooks::diagnose::Severity::Info)
    {
        let line = screen
            .lines()
            .find(|l| l.contains(&format!(" {} — ", f.code)))
            .unwrap_or_else(|| panic!("{} has its line:\n{screen}", f.code));
        assert!(line.ends_with('│'), "one line, cut to the pane: {line}");
    }
}

/// `H` with a bulk pause of three (one failed, one unknown) opened under a single pause.
#[test]
fn history_bulk_change_opened() {
    use linq_hooks::audit::{AuditAccount, AuditEntry, Outcome};
    snapshot("history_bulk_change_opened", |size| {
        let account = AuditAccount {
            name: "sandbox".into(),
            key_hint: None,
            host: "127.0.0.1:4010".into(),
        };
        let at = |minute: i64| NOW - time::Duration::minutes(minute);
        let pause = |id: &str, url: &str, minute: i64, outcome: Outcome, batch: Option<&str>| {
            AuditEntry::new(&account, "pause", "dashboard", at(minute))
                .on(id, url)
                .change("is_active", true.into(), false.into())
                .in_batch(batch)
                .outcome(outcome)
        };
        let failed = Outcome {
            ok: false,
            status: Some(500),
            code: Some(3006),
            ..Outcome::default()
        };
        let entries = vec![
            pause(
                OPS,
                "https://ops.example.io/linq-events",
                1,
                Outcome::ok(200),
                None,
            ),
            pause(
                ACME,
                "https://hooks.acme.test/linq?version=2026-02-03",
                5,
                Outcome::ok(200),
                Some("b1"),
            ),
            pause(
                RELAY,
                "https://relay.internal.test:8443/in?team=ops",
                5,
                failed,
                Some("b1"),
            ),
            pause(
                BETA,
                "https://beta.example.net/hook",
                5,
                Outcome::unknown("no answer: the session ended before the server answered"),
                Some("b1"),
            ),
        ];
        let mut app = loaded(size, mixed());
        app.update(key('H'));
        app.update(Msg::History(Ok(linq_hooks::audit::Trail {
            entries,
            unreadable: 0,
        })));
        app.update(key('j'));
        app.update(press(KeyCode::Enter, KeyModifiers::NONE));
        app
    });
}

/// The detail pane of RELAY with a delivery log: successes 3 h ago, failures this hour.
fn with_delivery_log(size: (u16, u16)) -> App {
    use linq_hooks::evidence::logs::{AttemptStatus, LogEntry};
    let mut app = loaded(size, mixed());
    select(&mut app, RELAY);
    let cmds = app.update(press(KeyCode::Enter, KeyModifiers::NONE));
    let req = match cmds.as_slice() {
        [linq_hooks::app::Cmd::LoadDeliveries { req, .. }] => *req,
        other => panic!("{other:?}"),
    };
    let entry = |event: &str, ok: bool, minutes: i64| LogEntry {
        event_id: event.into(),
        event_type: "message.received".into(),
        target_url: "https://relay.example/h".into(),
        http_status: Some(if ok { 200 } else { 503 }),
        duration_ms: Some(120),
        timestamp: Some(NOW - time::Duration::minutes(minutes)),
        status: if ok {
            AttemptStatus::Success
        } else {
            AttemptStatus::Failed
        },
        attempt: 1,
        max_attempts: Some(10),
        error_type: None,
        error_message: (!ok).then(|| "Service Unavailable".into()),
        trace_id: None,
        subscription_id: RELAY.into(),
    };
    let entries = vec![
        entry("e4", false, 5),
        entry("e3", false, 10),
        entry("e2", true, 180),
        entry("e1", true, 185),
    ];
    app.update(Msg::Api {
        req,
        result: ApiResult::Deliveries {
            id: RELAY.into(),
            result: Ok(entries),
        },
    });
    app
}

#[test]
fn detail_with_delivery_log() {
    snapshot("detail_with_delivery_log", with_delivery_log);
}

#[test]
fn the_activity_sparkline_marks_failing_hours_in_the_error_colour() {
    let app = with_delivery_log((100, 30));
    let buffer = draw(&app);
    let screen = text(&buffer);
    assert!(screen.contains("2 failed since"), "{screen}");
    // The activity row: the line under the " Deliveries " title.
    let title_row = (0..buffer.area.height)
        .find(|&y| row_text(&buffer, y).contains(" Deliveries "))
        .expect("the Deliveries block");
    let y = title_row + 1;
    let bars: Vec<(u16, ratatui::style::Color)> = (0..buffer.area.width)
        .filter(|&x| !buffer[(x, y)].symbol().trim().is_empty())
        .filter(|&x| "▁▂▃▄▅▆▇█".contains(buffer[(x, y)].symbol()))
        .map(|x| (x, buffer[(x, y)].fg))
        .collect();
    assert_eq!(bars.len(), 2, "two hours had attempts: {bars:?}");
    assert_eq!(bars[1].1, ratatui::style::Color::Red, "the failing hour");
    assert_ne!(bars[0].1, ratatui::style::Color::Red, "the good hour");
}

/// `T`: the signed test delivery's question, with a secret pasted (dots only) and the
/// reason a malformed one is refused.
#[test]
fn test_delivery_dialog() {
    // Fake, for this test only.
    const SECRET: &str = "whsec_VEVTVE9OTFktZmFrZS1zZWNyZXQtMDEyMzQ1Njc4OWFi";
    let mut app = loaded((80, 24), mixed());
    select(&mut app, SUPPORT);
    app.update(key('T'));
    app.update(Msg::Paste(SECRET.into()));
    let screen = text(&draw(&app));
    assert!(!screen.contains("VEVTVE9OTF"), "{screen}");
    assert!(
        screen.contains("is a real POST to the customer's endpoint."),
        "{screen}"
    );
    insta::assert_snapshot!("test_delivery_dialog_80x24", screen);
}
