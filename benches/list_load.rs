//! What loading a list costs, stage by stage, in time and in heap allocations per row:
//! decoding the API's answer, the app taking it in (`App::update`), the first frame
//! (100×30), and dropping it all (what quitting would cost without an early exit).
//!
//! `cargo bench --bench list_load` (`LINQ_HOOKS_BENCH_ROWS=N` for one size; default 1,000
//! and 10,000). A counting global allocator lives in this bench only, never in the shipped
//! binary. A measurement to report (perf/README.md), never an assertion.

mod support;

use linq_hooks::api::SubscriptionList;
use linq_hooks::app::{ApiResult, App, Cmd, Connection, Msg};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use time::OffsetDateTime;

/// Counts every allocation (and reallocation) and the bytes asked for.
struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        // SAFETY: the caller's contract is System's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(new_size as u64, Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

struct Stage {
    name: &'static str,
    micros: f64,
    allocs: u64,
    bytes: u64,
}

/// Runs `f`, timing it and counting its allocations.
fn stage<T>(name: &'static str, stages: &mut Vec<Stage>, f: impl FnOnce() -> T) -> T {
    let (a0, b0) = (
        ALLOCS.load(Ordering::Relaxed),
        BYTES.load(Ordering::Relaxed),
    );
    let t0 = Instant::now();
    let out = f();
    let micros = t0.elapsed().as_secs_f64() * 1e6;
    stages.push(Stage {
        name,
        micros,
        allocs: ALLOCS.load(Ordering::Relaxed) - a0,
        bytes: BYTES.load(Ordering::Relaxed) - b0,
    });
    out
}

fn once(n: usize, body: &[u8]) -> Vec<Stage> {
    let now = OffsetDateTime::from_unix_timestamp(1_767_225_600).expect("a valid timestamp");
    let connection = Connection {
        base_url: "http://127.0.0.1:4010/api/partner".into(),
        sandbox: false,
        key_hint: None,
        read_only: false,
    };
    let mut stages = Vec::new();
    let mut app = App::new(connection, now, (100, 30));
    let req = app
        .init()
        .into_iter()
        .find_map(|cmd| match cmd {
            Cmd::LoadList { req, .. } => Some(req),
            _ => None,
        })
        .expect("init loads the list");
    stage("digest the answer", &mut stages, || {
        std::hint::black_box(linq_hooks::api::body_digest(std::hint::black_box(body)))
    });
    let text = std::str::from_utf8(body).expect("utf-8");
    let shared = std::sync::Arc::new(body.to_vec());
    stage("first 40 rows (key scan)", &mut stages, || {
        std::hint::black_box(linq_hooks::api::first_rows(&shared, 40)).expect("first rows")
    });
    stage("decode from text", &mut stages, || {
        std::hint::black_box(serde_json::from_str::<SubscriptionList>(text)).expect("decodes")
    });
    let list = stage("decode the answer", &mut stages, || {
        serde_json::from_slice::<SubscriptionList>(body)
            .expect("the generated list decodes")
            .subscriptions
    });
    assert_eq!(list.len(), n);
    stage("App::update(list)", &mut stages, || {
        app.update(Msg::Api {
            req,
            result: ApiResult::List {
                digest: None,
                at: now,
                result: Ok(list),
            },
        })
    });
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).expect("a test terminal");
    stage("first frame 100x30", &mut stages, || {
        terminal
            .draw(|frame| linq_hooks::ui::render(&app, frame))
            .map(|_| ())
            .expect("TestBackend cannot fail")
    });
    stage("drop the app", &mut stages, || drop(app));
    stages
}

fn main() {
    linq_hooks::api::start_readers();
    let sizes: Vec<usize> = match std::env::var("LINQ_HOOKS_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        Some(n) if n > 0 => vec![n],
        _ => vec![1_000, 10_000],
    };
    // `cargo bench` passes `--bench`; nothing else is understood.
    const RUNS: usize = 7;
    for n in sizes {
        let body = serde_json::to_vec(&serde_json::json!({
            "subscriptions": support::subscriptions(n)
        }))
        .expect("the list serialises");
        println!(
            "{n} subscriptions ({} KB of JSON), median of {RUNS} runs:",
            body.len() / 1000
        );
        let runs: Vec<Vec<Stage>> = (0..RUNS).map(|_| once(n, &body)).collect();
        for (i, first) in runs[0].iter().enumerate() {
            let mut micros: Vec<f64> = runs.iter().map(|r| r[i].micros).collect();
            micros.sort_by(f64::total_cmp);
            println!(
                "  {:<20} {:>9.0} µs  {:>9} allocations ({:>5.1} per row)  {:>8} KB asked",
                first.name,
                micros[RUNS / 2],
                first.allocs,
                first.allocs as f64 / n as f64,
                first.bytes / 1000
            );
        }
    }
}
