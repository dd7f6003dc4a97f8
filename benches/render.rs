//! Render and update costs on a large account: 10,000 subscriptions, a 200×50 terminal.
//!
//! `cargo bench --bench render` (set `LINQ_HOOKS_BENCH_ROWS=N` for another account size).
//! These are measurements to report (see perf/README.md), never assertions. Goals from the
//! issue: a frame ≤ 1 ms; a key press well under a frame.
//!
//! Groups (each id ends with the number of subscriptions):
//! - `render/*`: one `Terminal::draw` into a 200×50 `TestBackend` (widget building, the
//!   buffer diff and the backend write), with the selection at the top, right after a `j`
//!   (so the diff is not empty), and on the last row.
//! - `update/*`: one `App::update` for a key: `j` near the top, `k` on the last row, and a
//!   filter character typed after `/` (recomputes the visible rows over the whole account),
//!   both one that matches at once (`h`: every URL is https) and one that matches nothing
//!   (`j`: no generated URL, id, event or phone has one, so every field is scanned).

mod support;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use linq_hooks::app::{ApiResult, App, Cmd, Connection, Msg};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::hint::black_box;
use std::time::{Duration, Instant};
use support::subscriptions;
use time::OffsetDateTime;

/// Subscriptions in the account; `LINQ_HOOKS_BENCH_ROWS=100 cargo bench --bench render`
/// shows which costs grow with the account and which do not.
const DEFAULT_ROWS: usize = 10_000;
const WIDTH: u16 = 200;
const HEIGHT: u16 = 50;

/// An app that has loaded `n` subscriptions, as the runtime would drive it.
fn loaded_app(n: usize) -> App {
    let now = OffsetDateTime::from_unix_timestamp(1_767_225_600).expect("a valid timestamp");
    let connection = Connection {
        base_url: "http://127.0.0.1:4010/api/partner".into(),
        sandbox: true,
        key_hint: None,
        read_only: false,
    };
    let mut app = App::new(connection, now, (WIDTH, HEIGHT));
    let req = app
        .init()
        .into_iter()
        .find_map(|cmd| match cmd {
            Cmd::LoadList { req, .. } => Some(req),
            _ => None,
        })
        .expect("init loads the list");
    app.update(Msg::Api {
        req,
        result: ApiResult::List {
            digest: None,
            at: now,
            result: Ok(subscriptions(n)),
        },
    });
    assert_eq!(app.visible.len(), n, "every subscription is visible");
    app
}

fn rows() -> usize {
    std::env::var("LINQ_HOOKS_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(DEFAULT_ROWS)
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn terminal() -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("a test terminal")
}

fn draw(terminal: &mut Terminal<TestBackend>, app: &App) {
    terminal
        .draw(|frame| linq_hooks::ui::render(app, frame))
        .expect("TestBackend cannot fail");
}

fn bench_render(c: &mut Criterion) {
    let mut group = c.benchmark_group("render");
    group.sample_size(50);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));

    let rows = rows();
    let mut app = loaded_app(rows);
    let mut term = terminal();
    draw(&mut term, &app);
    // Same state every time: the diff against the previous frame is empty.
    group.bench_function(BenchmarkId::new("draw_200x50_top", rows), |b| {
        b.iter(|| draw(&mut term, black_box(&app)))
    });

    // A realistic redraw: the selection moved, so rows and the detail pane change.
    group.bench_function(BenchmarkId::new("draw_200x50_after_j", rows), |b| {
        let mut down = true;
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                app.update(key(if down {
                    KeyCode::Char('j')
                } else {
                    KeyCode::Char('k')
                }));
                down = !down;
                let start = Instant::now();
                draw(&mut term, black_box(&app));
                total += start.elapsed();
            }
            total
        })
    });

    // The selection on the last row: finding it scans every visible row.
    app.update(key(KeyCode::Char('G')));
    draw(&mut term, &app);
    group.bench_function(BenchmarkId::new("draw_200x50_bottom", rows), |b| {
        b.iter(|| draw(&mut term, black_box(&app)))
    });
    group.finish();
}

fn bench_update(c: &mut Criterion) {
    let mut group = c.benchmark_group("update");
    group.sample_size(50);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));

    let rows = rows();
    let mut app = loaded_app(rows);
    // Alternating j/k keeps the selection near the top, the common case.
    group.bench_function(BenchmarkId::new("key_j", rows), |b| {
        let mut down = true;
        b.iter(|| {
            let code = if down {
                KeyCode::Char('j')
            } else {
                KeyCode::Char('k')
            };
            down = !down;
            black_box(app.update(key(code)))
        })
    });

    app.update(key(KeyCode::Char('G')));
    group.bench_function(BenchmarkId::new("key_k_at_bottom", rows), |b| {
        let mut up = true;
        b.iter(|| {
            let code = if up {
                KeyCode::Char('k')
            } else {
                KeyCode::Char('j')
            };
            up = !up;
            black_box(app.update(key(code)))
        })
    });
    app.update(key(KeyCode::Char('g')));

    // The fixture must give the two filter cases their meaning (a data check, not timing).
    for (ch, expected) in [('h', rows), ('j', 0)] {
        app.update(key(KeyCode::Char('/')));
        app.update(key(KeyCode::Char(ch)));
        assert_eq!(app.visible.len(), expected, "rows matching {ch:?}");
        app.update(key(KeyCode::Esc));
    }

    // '/' (focus only) then one character: only the character is timed; Esc (untimed)
    // clears the filter again so every iteration starts from the full list.
    for (name, ch) in [
        ("filter_char_h_matches_all", 'h'),
        ("filter_char_j_matches_none", 'j'),
    ] {
        group.bench_function(BenchmarkId::new(name, rows), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    app.update(key(KeyCode::Char('/')));
                    let start = Instant::now();
                    black_box(app.update(key(KeyCode::Char(ch))));
                    total += start.elapsed();
                    app.update(key(KeyCode::Esc));
                }
                total
            })
        });
    }

    // '/' and the character together, as the user experiences the first keystrokes.
    group.bench_function(BenchmarkId::new("slash_then_char_j", rows), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                black_box(app.update(key(KeyCode::Char('/'))));
                black_box(app.update(key(KeyCode::Char('j'))));
                total += start.elapsed();
                app.update(key(KeyCode::Esc));
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, bench_render, bench_update);
criterion_main!(benches);
