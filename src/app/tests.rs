//! `update` unit tests: state in, `Msg` in, assert the state and the returned `Cmd`s.

use super::*;
use crate::api::error::LinqFailure;
use crate::api::{ApiError, SubscriptionPatch, UnreadableFields};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use keymap::{Action, Effect, BINDINGS};
use time::macros::datetime;
use time::Duration;

/// The commands an update returned, without the audit records (tests of those look at them
/// on purpose).
fn no_audit(cmds: Vec<Cmd>) -> Vec<Cmd> {
    cmds.into_iter()
        .filter(|c| !matches!(c, Cmd::Audit { .. }))
        .collect()
}

const NOW: OffsetDateTime = datetime!(2026-11-27 12:00 UTC);

fn connection(read_only: bool) -> Connection {
    Connection {
        base_url: "http://127.0.0.1:4010/api/partner".into(),
        sandbox: true,
        key_hint: None,
        read_only,
    }
}

/// A subscription created `minute` minutes after a fixed instant.
fn sub(id: &str, minute: i64, url: &str, active: bool) -> Subscription {
    let created = datetime!(2026-01-01 00:00 UTC) + Duration::minutes(minute);
    Subscription {
        id: id.into(),
        created_at: created,
        updated_at: created,
        is_active: active,
        subscribed_events: vec!["message.sent".into(), "message.received".into()],
        target_url: url.into(),
        phone_numbers: None,
        routing_id_header: None,
        routing_key_header: None,
        unreadable: Default::default(),
    }
}

/// Five subscriptions, already in (created_at, id) order: a b c active, d e paused.
fn five() -> Vec<Subscription> {
    vec![
        sub("a", 1, "https://alpha.test/hooks", true),
        sub("b", 2, "https://bravo.test/hooks", true),
        sub("c", 3, "https://charlie.test/hooks", true),
        sub("d", 4, "https://delta.test/hooks", false),
        sub("e", 5, "https://echo.test/hooks", false),
    ]
}

fn many(n: usize) -> Vec<Subscription> {
    (0..n)
        .map(|i| {
            sub(
                &format!("s{i:03}"),
                i as i64,
                &format!("https://h{i}.test/x"),
                true,
            )
        })
        .collect()
}

fn press(code: KeyCode, modifiers: KeyModifiers) -> Msg {
    Msg::Key(KeyEvent::new(code, modifiers))
}

fn key(c: char) -> Msg {
    let modifiers = if c.is_ascii_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    press(KeyCode::Char(c), modifiers)
}

fn code(code: KeyCode) -> Msg {
    press(code, KeyModifiers::NONE)
}

fn ctrl(c: char) -> Msg {
    press(KeyCode::Char(c), KeyModifiers::CONTROL)
}

fn type_text(app: &mut App, text: &str) -> Vec<Cmd> {
    text.chars().flat_map(|c| app.update(key(c))).collect()
}

fn list_msg(req: ReqId, subs: Vec<Subscription>) -> Msg {
    list_msg_at(req, NOW, subs)
}

fn list_msg_at(req: ReqId, at: OffsetDateTime, subs: Vec<Subscription>) -> Msg {
    Msg::Api {
        req,
        result: ApiResult::List {
            digest: None,
            at,
            result: Ok(subs),
        },
    }
}

fn linq_error(status: u16, code: u32, trace: &str) -> ApiError {
    ApiError::Linq(LinqFailure {
        status,
        code: Some(code),
        message: "something went wrong".into(),
        trace_id: Some(trace.into()),
        ..LinqFailure::default()
    })
}

fn not_found() -> ApiError {
    ApiError::Linq(LinqFailure {
        status: 404,
        code: Some(2010),
        message: "Webhook subscription not found".into(),
        trace_id: Some("trace-404".into()),
        ..LinqFailure::default()
    })
}

fn list_req(app: &App) -> ReqId {
    app.list_req.expect("a list request in flight").0
}

/// An app after `init` and a successful first list.
fn loaded(subs: Vec<Subscription>) -> App {
    loaded_with(connection(false), subs)
}

fn loaded_with(conn: Connection, subs: Vec<Subscription>) -> App {
    let mut app = App::new(conn, NOW, (100, 30));
    app.init();
    let req = list_req(&app);
    assert!(app.update(list_msg(req, subs)).is_empty());
    app
}

fn visible_ids(app: &App) -> Vec<&str> {
    app.visible
        .iter()
        .map(|&i| app.subscriptions[i].id.as_str())
        .collect()
}

fn ids(app: &App) -> Vec<&str> {
    app.subscriptions.iter().map(|s| s.id.as_str()).collect()
}

fn select(app: &mut App, id: &str) {
    app.update(key('g'));
    while app.selected.as_deref() != Some(id) {
        let before = app.selected.clone();
        app.update(key('j'));
        assert_ne!(app.selected, before, "{id} is not in the visible rows");
    }
}

fn pending_req(app: &App, id: &str) -> ReqId {
    app.pending[id].req
}

/// Opens the confirm dialog on `id` and answers `y`; returns the delete's request id.
fn delete(app: &mut App, id: &str) -> ReqId {
    select(app, id);
    app.update(ctrl('d'));
    let cmds = app.update(key('y'));
    let req = pending_req(app, id);
    assert_eq!(cmds, vec![Cmd::Delete { req, id: id.into() }]);
    req
}

fn deleted_msg(req: ReqId, id: &str, result: Result<(), ApiError>) -> Msg {
    Msg::Api {
        req,
        result: ApiResult::Deleted {
            id: id.into(),
            result,
        },
    }
}

fn updated_msg(req: ReqId, id: &str, result: Result<Subscription, ApiError>) -> Msg {
    Msg::Api {
        req,
        result: ApiResult::Updated {
            id: id.into(),
            result,
        },
    }
}

pub(super) fn rendered(app: &App, width: u16, height: u16) -> String {
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| crate::ui::render(app, f)).unwrap();
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..height {
        for x in 0..width {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

// ---------------------------------------------------------------- start and list loading

#[test]
fn init_loads_the_list_the_catalog_and_the_lines() {
    let mut app = App::new(connection(false), NOW, (100, 30));
    let cmds = app.init();
    assert_eq!(
        cmds,
        vec![
            Cmd::LoadList {
                req: 1,
                quiet: false,
                unless: None,
                first_screen: Some(app.full_page() + 1)
            },
            Cmd::LoadCatalog { req: 2 },
            Cmd::LoadLines { req: 3 },
            Cmd::LoadRotations {
                account: "sandbox".into(),
                host: String::new()
            },
        ]
    );
    assert_eq!(app.startup, Startup::Loading);
    assert_eq!(app.list_req, Some((1, false)));
    assert!(app.busy());
    assert!(app.subscriptions.is_empty());
    assert_eq!(app.selected, None);
}

#[test]
fn list_result_fills_rows_sorted_by_created_at_then_id_and_selects_the_first() {
    let mut app = App::new(connection(false), NOW, (100, 30));
    let cmds = app.init();
    let Cmd::LoadList { req, .. } = cmds[0] else {
        panic!("first command is not LoadList: {cmds:?}");
    };
    let out_of_order = vec![
        sub("z", 3, "https://z.test/", true),
        sub("y", 1, "https://y.test/", false),
        sub("b", 2, "https://b2.test/", true),
        sub("a", 2, "https://a2.test/", true),
    ];
    let cmds = app.update(list_msg(req, out_of_order));
    assert!(cmds.is_empty());
    assert_eq!(ids(&app), ["y", "a", "b", "z"]);
    assert_eq!(visible_ids(&app), ["y", "a", "b", "z"]);
    assert_eq!(app.selected.as_deref(), Some("y"));
    assert_eq!(app.selected_index(), Some(0));
    assert_eq!(app.startup, Startup::Ready);
    assert_eq!(app.last_refresh, Some(NOW));
    assert_eq!(app.list_req, None);
    assert_eq!(
        app.counts,
        Counts {
            active: 3,
            paused: 1
        }
    );
    assert!(!app.busy());
}

#[test]
fn stale_list_result_is_ignored() {
    let mut app = loaded(five());
    let first = app.update(key('r'));
    let [Cmd::LoadList { req: old, .. }] = first.as_slice() else {
        panic!("r did not send LoadList: {first:?}");
    };
    let old = *old;
    // A write lands while that list is in flight: it may predate the write, so a new
    // list is asked for and the old answer no longer counts.
    select(&mut app, "b");
    app.update(key('p'));
    let pause = pending_req(&app, "b");
    let mut paused = five()[1].clone();
    paused.is_active = false;
    let cmds = no_audit(app.update(updated_msg(pause, "b", Ok(paused))));
    let [Cmd::LoadList { req: new, .. }] = cmds.as_slice() else {
        panic!("no fresh list after the write: {cmds:?}");
    };
    let new_req = *new;
    let (old, new) = (&old, &new_req);
    assert!(old < new);
    assert_eq!(app.list_req, Some((*new, false)));

    // The older answer arrives last-but-one: dropped, the newer request still awaited.
    let cmds = app.update(list_msg(*old, vec![sub("x", 0, "https://x.test/", true)]));
    assert!(cmds.is_empty());
    assert_eq!(ids(&app), ["a", "b", "c", "d", "e"]);
    assert_eq!(app.list_req, Some((*new, false)));

    app.update(list_msg(*new, vec![sub("n", 0, "https://n.test/", true)]));
    assert_eq!(ids(&app), ["n"]);
    assert_eq!(app.list_req, None);

    // And an answer to a request nobody waits for any more changes nothing.
    app.update(list_msg(*old, five()));
    assert_eq!(ids(&app), ["n"]);
}

#[test]
fn selection_survives_a_refresh_by_id_when_the_row_moves() {
    let mut app = loaded(five());
    select(&mut app, "c");
    assert_eq!(app.selected_index(), Some(2));
    app.update(key('r'));
    let mut list = five();
    list.push(sub("early", -10, "https://early.test/", true));
    list.push(sub("earlier", -20, "https://earlier.test/", true));
    app.update(list_msg(list_req(&app), list));
    assert_eq!(app.selected.as_deref(), Some("c"));
    assert_eq!(app.selected_index(), Some(4));
}

#[test]
fn selected_row_deleted_elsewhere_moves_selection_to_the_same_index() {
    let mut app = loaded(five());
    select(&mut app, "b");
    app.update(key('r'));
    let list: Vec<_> = five().into_iter().filter(|s| s.id != "b").collect();
    app.update(list_msg(list_req(&app), list));
    assert_eq!(app.selected.as_deref(), Some("c"));
    assert_eq!(app.selected_index(), Some(1));

    // The last row gone: the new last row.
    select(&mut app, "e");
    app.update(key('r'));
    let list: Vec<_> = five()
        .into_iter()
        .filter(|s| s.id != "b" && s.id != "e")
        .collect();
    app.update(list_msg(list_req(&app), list));
    assert_eq!(app.selected.as_deref(), Some("d"));

    // Everything gone: nothing selected.
    app.update(key('r'));
    app.update(list_msg(list_req(&app), vec![]));
    assert_eq!(app.selected, None);
    assert!(app.visible.is_empty());
}

#[test]
fn a_first_load_that_got_an_answer_says_what_the_answer_was() {
    for (err, heading) in [
        (linq_error(401, 2004, "t1"), "The API refused the key"),
        (
            linq_error(404, 2010, "t2"),
            "Nothing answers at this base URL's path (check --base-url)",
        ),
        (linq_error(503, 3001, "t3"), "The API failed"),
        (ApiError::Timeout { millis: 30_000 }, "Cannot reach the API"),
    ] {
        let mut app = App::new(connection(false), NOW, (100, 30));
        app.init();
        app.update(Msg::Api {
            req: list_req(&app),
            result: ApiResult::List {
                digest: None,
                at: NOW,
                result: Err(err),
            },
        });
        match &app.startup {
            Startup::Failed { heading: h, .. } => assert_eq!(*h, heading),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn pressing_r_five_times_keeps_one_list_in_flight_and_asks_once_more_after_it() {
    let mut app = loaded(five());
    let first = app.update(key('r'));
    assert_eq!(first.len(), 1);
    let req = list_req(&app);
    for _ in 0..4 {
        assert!(
            app.update(key('r')).is_empty(),
            "no second request in flight"
        );
    }
    // The answer to the first: applied, then exactly one more (the latest press wins).
    let cmds = app.update(list_msg(req, five()));
    let again = list_req(&app);
    assert_ne!(again, req);
    assert_eq!(
        cmds,
        vec![Cmd::LoadList {
            req: again,
            quiet: false,
            unless: None,
            first_screen: None
        }]
    );
    assert!(app.update(list_msg(again, five())).is_empty());
    assert_eq!(app.list_req, None);
}

#[test]
fn a_refresh_failure_banner_goes_when_a_later_refresh_succeeds() {
    let mut app = loaded(five());
    app.update(key('r'));
    app.update(Msg::Api {
        req: list_req(&app),
        result: ApiResult::List {
            digest: None,
            at: NOW,
            result: Err(linq_error(500, 3006, "trace-r")),
        },
    });
    assert!(app
        .banner
        .as_ref()
        .is_some_and(|b| b.text.starts_with("Refresh failed")));
    app.update(key('r'));
    app.update(list_msg(list_req(&app), five()));
    assert_eq!(app.banner, None);
}

#[test]
fn rows_with_unreadable_fields_stay_in_the_list_and_a_banner_counts_them() {
    let mut app = loaded(five());
    let mut rows = five();
    rows[1].unreadable = UnreadableFields::of(&["created_at"]);
    rows[2].unreadable = UnreadableFields::of(&["is_active", "subscribed_events"]);
    app.update(key('r'));
    app.update(list_msg(list_req(&app), rows));
    assert_eq!(app.subscriptions.len(), 5);
    let banner = app.banner.clone().expect("a banner");
    assert_eq!(banner.level, BannerLevel::Error);
    assert!(
        banner.text.starts_with("2 subscriptions have fields"),
        "{}",
        banner.text
    );
    // Once the server sends them well again, the banner goes.
    app.update(key('r'));
    app.update(list_msg(list_req(&app), five()));
    assert_eq!(app.banner, None);
}

#[test]
fn list_load_failure_at_start_is_unreachable_and_r_retries() {
    let mut app = App::new(connection(false), NOW, (100, 30));
    app.init();
    let err = ApiError::Connect {
        target: "http://127.0.0.1:4010/api/partner".into(),
        detail: "connection refused".into(),
    };
    let text = err.to_string();
    let cmds = app.update(Msg::Api {
        req: list_req(&app),
        result: ApiResult::List {
            digest: None,
            at: NOW,
            result: Err(err),
        },
    });
    assert!(cmds.is_empty());
    assert_eq!(
        app.startup,
        Startup::Failed {
            heading: "Cannot reach the API",
            detail: text
        }
    );
    assert_eq!(app.list_req, None);
    assert_eq!(app.banner, None);

    let cmds = app.update(key('r'));
    let req = list_req(&app);
    assert_eq!(
        cmds,
        vec![Cmd::LoadList {
            req,
            quiet: false,
            unless: None,
            first_screen: Some(app.full_page() + 1)
        }]
    );
    app.update(list_msg(req, five()));
    assert_eq!(app.startup, Startup::Ready);
    assert_eq!(app.selected.as_deref(), Some("a"));
}

#[test]
fn refresh_failure_after_a_load_keeps_the_list_and_selection_and_shows_a_banner() {
    let mut app = loaded(five());
    select(&mut app, "c");
    let cmds = app.update(key('r'));
    assert_eq!(
        cmds,
        vec![Cmd::LoadList {
            req: list_req(&app),
            quiet: false,
            unless: None,
            first_screen: None
        }]
    );
    let cmds = app.update(Msg::Api {
        req: list_req(&app),
        result: ApiResult::List {
            digest: None,
            at: NOW,
            result: Err(linq_error(503, 1003, "trace-503")),
        },
    });
    assert!(cmds.is_empty());
    assert_eq!(app.startup, Startup::Ready);
    assert_eq!(ids(&app), ["a", "b", "c", "d", "e"]);
    assert_eq!(app.selected.as_deref(), Some("c"));
    let banner = app.banner.clone().expect("an error banner");
    assert_eq!(banner.level, BannerLevel::Error);
    assert!(banner.text.starts_with("Refresh failed"), "{banner:?}");
    assert!(banner.text.contains("503"), "{banner:?}");
    assert_eq!(banner.trace_id.as_deref(), Some("trace-503"));
}

#[test]
fn catalog_answer_replaces_the_bundled_catalogue_and_a_failure_keeps_it() {
    let mut app = App::new(connection(false), NOW, (100, 30));
    let cmds = app.init();
    let Cmd::LoadCatalog { req } = cmds[1] else {
        panic!("{cmds:?}");
    };
    let bundled = app.catalog.len();
    assert!(bundled > 0);
    app.update(Msg::Api {
        req,
        result: ApiResult::Catalog(Err(linq_error(500, 1000, "t"))),
    });
    assert_eq!(app.catalog.len(), bundled);
    assert!(!app.catalog_from_server);

    let mut app = App::new(connection(false), NOW, (100, 30));
    app.init();
    app.update(Msg::Api {
        req,
        result: ApiResult::Catalog(Ok(crate::api::EventCatalog {
            doc_url: "https://docs.test".into(),
            events: vec!["message.sent".into(), "brand.new\u{1b}".into()],
        })),
    });
    assert_eq!(app.catalog, ["message.sent", "brand.new"]);
    assert!(app.catalog_from_server);
}

// ---------------------------------------------------------------- navigation and tabs

#[test]
fn navigation_keys_move_and_clamp_in_range() {
    let mut app = loaded(many(30));
    let page = super::geometry::list_rows_area(app.size, 0, 30).height as usize;
    assert!(page > 1 && page < 30, "page {page}");
    let index = |app: &App| app.selected_index().unwrap();

    for (msg, want) in [
        (key('k'), 0),
        (code(KeyCode::Up), 0),
        (key('j'), 1),
        (code(KeyCode::Down), 2),
        (code(KeyCode::PageDown), 2 + page),
        (code(KeyCode::PageDown), (2 + 2 * page).min(29)),
        (code(KeyCode::PageDown), 29),
        (key('j'), 29),
        (code(KeyCode::PageUp), 29 - page),
        (key('g'), 0),
        (code(KeyCode::PageUp), 0),
        (key('G'), 29),
        (key('g'), 0),
        (press(KeyCode::Char('G'), KeyModifiers::NONE), 29),
        (code(KeyCode::Home), 0),
        (code(KeyCode::End), 29),
    ] {
        let label = format!("{msg:?}");
        assert!(app.update(msg).is_empty());
        assert_eq!(index(&app), want, "after {label}");
        assert!(app.scroll <= index(&app), "after {label}");
        assert!(index(&app) < app.scroll + page, "after {label}");
    }
}

#[test]
fn navigation_on_an_empty_list_does_nothing() {
    let mut app = loaded(vec![]);
    for msg in [
        key('j'),
        key('k'),
        key('g'),
        key('G'),
        code(KeyCode::PageDown),
        code(KeyCode::PageUp),
        code(KeyCode::Enter),
    ] {
        assert!(app.update(msg).is_empty());
        assert_eq!(app.selected, None);
        assert_eq!(app.scroll, 0);
        assert_eq!(app.focus, Focus::List);
    }
}

#[test]
fn tabs_filter_active_and_paused_and_counts_stay_right() {
    let mut app = loaded(five());
    let counts = Counts {
        active: 3,
        paused: 2,
    };
    assert!(app.update(key('2')).is_empty());
    assert_eq!(app.tab, Tab::Active);
    assert_eq!(visible_ids(&app), ["a", "b", "c"]);
    assert_eq!(app.counts, counts);
    assert_eq!(app.selected.as_deref(), Some("a"));

    app.update(key('3'));
    assert_eq!(app.tab, Tab::Paused);
    assert_eq!(visible_ids(&app), ["d", "e"]);
    assert_eq!(app.counts, counts);
    assert_eq!(app.selected.as_deref(), Some("d"));

    app.update(key('1'));
    assert_eq!(app.tab, Tab::All);
    assert_eq!(visible_ids(&app), ["a", "b", "c", "d", "e"]);
    assert_eq!(app.counts, counts);
    assert_eq!(app.selected.as_deref(), Some("d"), "the selection stays");

    // Counts follow a pause at once, whatever the tab.
    select(&mut app, "a");
    app.update(key('p'));
    assert_eq!(
        app.counts,
        Counts {
            active: 2,
            paused: 3
        }
    );
    app.update(key('3'));
    assert_eq!(visible_ids(&app), ["a", "d", "e"]);
    app.update(key('2'));
    assert_eq!(visible_ids(&app), ["b", "c"]);
    assert_eq!(app.counts.all(), 5);
}

// ---------------------------------------------------------------- filter

#[test]
fn slash_enters_the_filter_and_typing_narrows_by_url() {
    let mut app = loaded(five());
    assert!(app.update(key('/')).is_empty());
    assert_eq!(app.focus, Focus::Filter);
    assert_eq!(app.context(), keymap::Context::FilterInput);
    assert!(type_text(&mut app, "CHAR").is_empty());
    assert_eq!(app.filter.value(), "CHAR");
    assert_eq!(visible_ids(&app), ["c"], "case-insensitive URL match");
    assert_eq!(app.selected.as_deref(), Some("c"));
    app.update(code(KeyCode::Backspace));
    app.update(code(KeyCode::Backspace));
    app.update(code(KeyCode::Backspace));
    app.update(code(KeyCode::Backspace));
    assert_eq!(app.filter.value(), "");
    assert_eq!(visible_ids(&app).len(), 5);
}

#[test]
fn filter_matches_id_event_and_phone_and_words_are_anded() {
    let mut list = five();
    list[0].id = "b2c3d4e5-0001".into();
    list[1].subscribed_events = vec!["chat.typing_indicator.started".into()];
    list[2].phone_numbers = Some(vec!["+12025550143".into()]);
    list[3].phone_numbers = Some(vec!["+12025550143".into(), "+447700900123".into()]);
    list[3].subscribed_events = vec!["chat.typing_indicator.started".into()];
    let mut app = loaded(list);
    app.update(key('/'));

    let matches = |app: &mut App, query: &str| -> Vec<String> {
        app.update(ctrl('u'));
        type_text(app, query);
        assert_eq!(app.filter.value(), query);
        visible_ids(app).into_iter().map(String::from).collect()
    };
    assert_eq!(matches(&mut app, "d4e5-00"), ["b2c3d4e5-0001"]);
    assert_eq!(matches(&mut app, "typing_indicator"), ["b", "d"]);
    assert_eq!(matches(&mut app, "+1202555"), ["c", "d"]);
    assert_eq!(matches(&mut app, "7700900"), ["d"]);
    assert_eq!(matches(&mut app, "typing +1202"), ["d"]);
    assert_eq!(matches(&mut app, "bravo typing"), ["b"]);
    assert_eq!(matches(&mut app, "bravo  7700900"), Vec::<String>::new());
    assert_eq!(app.selected, None);
}

#[test]
fn q_typed_in_the_filter_types_q_and_does_not_quit() {
    let mut app = loaded(five());
    app.update(key('/'));
    for c in ['q', 'p', 'r', '?', 'j', '1'] {
        assert!(app.update(key(c)).is_empty(), "{c}");
    }
    assert_eq!(app.update(ctrl('d')), vec![]);
    assert_eq!(app.filter.value(), "qpr?j1");
    assert!(!app.quitting);
    assert_eq!(app.modal, None);
    assert!(app.pending.is_empty());
    assert_eq!(app.focus, Focus::Filter);
}

#[test]
fn enter_keeps_the_filter_and_returns_to_the_list() {
    let mut app = loaded(five());
    app.update(key('/'));
    type_text(&mut app, "test/hooks");
    app.update(code(KeyCode::Backspace));
    type_text(&mut app, "s l");
    assert_eq!(visible_ids(&app), ["a", "c", "d"], "alpha charlie delta");
    assert!(app.update(code(KeyCode::Enter)).is_empty());
    assert_eq!(app.focus, Focus::List);
    assert_eq!(app.filter.value(), "test/hooks l");
    assert_eq!(visible_ids(&app), ["a", "c", "d"]);
    // Keys are list keys again.
    app.update(key('j'));
    assert_eq!(app.selected.as_deref(), Some("c"));
    assert_eq!(app.filter.value(), "test/hooks l");
}

#[test]
fn esc_in_the_filter_input_clears_it() {
    let mut app = loaded(five());
    app.update(key('/'));
    type_text(&mut app, "echo");
    assert_eq!(visible_ids(&app), ["e"]);
    assert!(app.update(code(KeyCode::Esc)).is_empty());
    assert_eq!(app.focus, Focus::List);
    assert_eq!(app.filter.value(), "");
    assert_eq!(visible_ids(&app).len(), 5);
    assert_eq!(
        app.selected.as_deref(),
        Some("e"),
        "the filtered row stays selected"
    );
}

#[test]
fn paste_goes_into_the_filter_only_when_it_has_focus_and_is_cleaned() {
    let mut app = loaded(five());
    app.update(Msg::Paste("bravo".into()));
    assert_eq!(app.filter.value(), "");
    app.update(key('/'));
    app.update(Msg::Paste("\u{1b}[2Jbra\nvo".into()));
    assert_eq!(app.filter.value(), "[2Jbra vo");
    app.update(ctrl('u'));
    app.update(Msg::Paste("bravo".into()));
    assert_eq!(visible_ids(&app), ["b"]);
}

#[test]
fn a_huge_paste_into_the_filter_is_cut_and_says_so() {
    let mut app = loaded(five());
    app.update(key('/'));
    app.update(Msg::Paste("x".repeat(500_000)));
    assert_eq!(app.filter.value().len(), 256);
    assert_eq!(
        app.banner.as_ref().map(|b| b.text.as_str()),
        Some("Paste cut to 256 characters")
    );
    assert!(visible_ids(&app).is_empty());
    assert_eq!(app.update(ctrl('c')), vec![Cmd::Quit]);
}

#[test]
fn esc_in_the_list_dismisses_the_banner_first_then_clears_the_filter() {
    let mut app = loaded(five());
    app.update(key('/'));
    type_text(&mut app, "delta");
    app.update(code(KeyCode::Enter));
    app.update(key('r'));
    app.update(Msg::Api {
        req: list_req(&app),
        result: ApiResult::List {
            digest: None,
            at: NOW,
            result: Err(linq_error(500, 1000, "trace-x")),
        },
    });
    assert!(app.banner.is_some());

    assert!(app.update(code(KeyCode::Esc)).is_empty());
    assert_eq!(app.banner, None);
    assert_eq!(app.filter.value(), "delta");
    assert_eq!(visible_ids(&app), ["d"]);

    assert!(app.update(code(KeyCode::Esc)).is_empty());
    assert_eq!(app.filter.value(), "");
    assert_eq!(visible_ids(&app).len(), 5);
    assert_eq!(app.selected.as_deref(), Some("d"));
    assert!(!app.quitting);
}

// ---------------------------------------------------------------- pause / resume

#[test]
fn p_flips_the_row_at_once_and_sends_only_is_active() {
    let mut app = loaded(five());
    select(&mut app, "b");
    let cmds = app.update(key('p'));
    let req = pending_req(&app, "b");
    assert_eq!(
        cmds,
        vec![Cmd::Update {
            req,
            id: "b".into(),
            patch: SubscriptionPatch::pause(false),
        }]
    );
    let Cmd::Update { patch, .. } = &cmds[0] else {
        unreachable!()
    };
    assert_eq!(
        *patch,
        SubscriptionPatch {
            is_active: Some(false),
            ..SubscriptionPatch::default()
        },
        "only is_active is sent"
    );
    assert_eq!(
        app.pending["b"],
        Pending {
            req,
            op: PendingOp::Pause { was_active: true },
            target_url: app.pending["b"].target_url.clone(),
        }
    );
    assert!(!app.selected_subscription().unwrap().is_active);
    assert!(app.busy());

    // And a paused row resumes.
    select(&mut app, "e");
    let cmds = app.update(key('p'));
    assert_eq!(
        cmds,
        vec![Cmd::Update {
            req: pending_req(&app, "e"),
            id: "e".into(),
            patch: SubscriptionPatch::pause(true),
        }]
    );
    assert_eq!(app.pending["e"].op, PendingOp::Pause { was_active: false });
    assert!(app.selected_subscription().unwrap().is_active);
}

#[test]
fn pause_success_takes_the_servers_values() {
    let mut app = loaded(five());
    select(&mut app, "b");
    app.update(key('p'));
    let req = pending_req(&app, "b");
    let mut server = five()[1].clone();
    server.is_active = false;
    server.updated_at = NOW;
    server.target_url = "https://bravo.test/hooks?version=2026-02-03".into();
    let cmds = no_audit(app.update(updated_msg(req, "b", Ok(server.clone()))));
    assert!(cmds.is_empty());
    assert!(app.pending.is_empty());
    assert_eq!(app.selected_subscription(), Some(&server));
    assert_eq!(
        app.counts,
        Counts {
            active: 2,
            paused: 3
        }
    );
    assert_eq!(app.banner, None);
    assert!(!app.busy());
}

#[test]
fn pause_failure_rolls_back_and_shows_the_error_with_its_trace_id() {
    let mut app = loaded(five());
    select(&mut app, "b");
    app.update(key('p'));
    let req = pending_req(&app, "b");
    let cmds = app.update(updated_msg(
        req,
        "b",
        Err(linq_error(500, 1000, "trace-pause-1")),
    ));
    assert!(no_audit(cmds).is_empty());
    assert!(app.pending.is_empty());
    assert_eq!(app.subscriptions, five(), "rolled back, list intact");
    assert_eq!(app.selected.as_deref(), Some("b"));
    assert_eq!(
        app.counts,
        Counts {
            active: 3,
            paused: 2
        }
    );
    let banner = app.banner.clone().expect("an error banner");
    assert_eq!(banner.level, BannerLevel::Error);
    assert!(banner.text.starts_with("Pause failed"), "{banner:?}");
    assert_eq!(banner.trace_id.as_deref(), Some("trace-pause-1"));
}

#[test]
fn resume_failure_says_resume_failed() {
    let mut app = loaded(five());
    select(&mut app, "d");
    app.update(key('p'));
    let req = pending_req(&app, "d");
    app.update(updated_msg(
        req,
        "d",
        Err(ApiError::Timeout { millis: 30_000 }),
    ));
    assert!(!app.selected_subscription().unwrap().is_active);
    assert!(app
        .banner
        .as_ref()
        .unwrap()
        .text
        .starts_with("Resume failed"));
}

#[test]
fn pause_answered_404_removes_the_row() {
    let mut app = loaded(five());
    select(&mut app, "b");
    app.update(key('p'));
    let req = pending_req(&app, "b");
    app.update(updated_msg(req, "b", Err(not_found())));
    assert_eq!(ids(&app), ["a", "c", "d", "e"]);
    assert_eq!(app.selected.as_deref(), Some("c"));
    let banner = app.banner.clone().unwrap();
    assert_eq!(banner.level, BannerLevel::Notice);
    assert!(banner.text.contains("already deleted elsewhere"));
}

#[test]
fn pausing_a_row_while_another_rows_request_is_in_flight_sends_at_once() {
    let mut app = loaded(five());
    select(&mut app, "a");
    let first = app.update(key('p'));
    assert_eq!(first.len(), 1);
    select(&mut app, "c");
    let second = app.update(key('p'));
    assert_eq!(
        second,
        vec![Cmd::Update {
            req: pending_req(&app, "c"),
            id: "c".into(),
            patch: SubscriptionPatch::pause(false),
        }]
    );
    assert_ne!(pending_req(&app, "a"), pending_req(&app, "c"));
    assert_eq!(app.pending.len(), 2);

    // They answer in any order.
    let mut c = five()[2].clone();
    c.is_active = false;
    app.update(updated_msg(pending_req(&app, "c"), "c", Ok(c)));
    assert!(app.pending.contains_key("a"));
    assert!(!app.subscriptions[0].is_active, "a still shown paused");
}

#[test]
fn second_p_on_a_pending_row_sends_nothing() {
    let mut app = loaded(five());
    select(&mut app, "b");
    app.update(key('p'));
    let req = pending_req(&app, "b");
    let cmds = app.update(key('p'));
    assert!(cmds.is_empty());
    assert_eq!(pending_req(&app, "b"), req);
    assert!(
        !app.selected_subscription().unwrap().is_active,
        "not flipped back"
    );
    assert_eq!(
        app.banner.as_ref().map(|b| b.level),
        Some(BannerLevel::Notice)
    );
    // The wait is over once the server answers: the banner goes with it.
    let mut done = five()[1].clone();
    done.is_active = false;
    app.update(updated_msg(req, "b", Ok(done)));
    assert_eq!(app.banner, None);
}

#[test]
fn stale_update_result_is_ignored() {
    let mut app = loaded(five());
    select(&mut app, "b");
    app.update(key('p'));
    let req = pending_req(&app, "b");
    let mut server = five()[1].clone();
    server.is_active = false;
    app.update(updated_msg(req + 100, "b", Ok(five()[1].clone())));
    assert_eq!(pending_req(&app, "b"), req);
    app.update(updated_msg(req, "b", Ok(server)));
    assert!(app.pending.is_empty());
    // A duplicate answer after the real one is dropped too.
    app.update(updated_msg(req, "b", Ok(five()[1].clone())));
    assert!(!app.subscriptions[1].is_active);
}

#[test]
fn a_refresh_keeps_the_optimistic_state_of_a_pending_pause() {
    let mut app = loaded(five());
    select(&mut app, "b");
    app.update(key('p'));
    app.update(key('r'));
    app.update(list_msg(list_req(&app), five()));
    assert!(!app.subscriptions[1].is_active);
    assert!(app.pending.contains_key("b"));
}

// ---------------------------------------------------------------- delete

#[test]
fn ctrl_d_and_delete_open_the_confirm_dialog_on_cancel_and_send_nothing() {
    for msg in [ctrl('d'), code(KeyCode::Delete)] {
        let mut app = loaded(five());
        select(&mut app, "c");
        assert!(app.update(msg).is_empty());
        assert_eq!(
            app.modal,
            Some(Modal::ConfirmDelete {
                id: "c".into(),
                target_url: "https://charlie.test/hooks".into(),
                on_delete: false,
            })
        );
        assert_eq!(app.context(), keymap::Context::ConfirmDelete);
        assert!(app.pending.is_empty());
        let screen = rendered(&app, 100, 30);
        assert!(screen.contains("https://charlie.test/hooks"), "{screen}");
        assert!(screen.contains("id  c"), "{screen}");
    }
}

#[test]
fn n_esc_and_enter_on_cancel_keep_the_subscription() {
    for msg in [key('n'), code(KeyCode::Esc), code(KeyCode::Enter)] {
        let label = format!("{msg:?}");
        let mut app = loaded(five());
        select(&mut app, "c");
        app.update(ctrl('d'));
        assert!(app.update(msg).is_empty(), "{label}");
        assert_eq!(app.modal, None, "{label}");
        assert!(app.pending.is_empty(), "{label}");
        assert_eq!(ids(&app).len(), 5, "{label}");
        assert!(!app.quitting);
    }
}

#[test]
fn tab_then_enter_deletes() {
    let mut app = loaded(five());
    select(&mut app, "c");
    app.update(ctrl('d'));
    assert!(app.update(code(KeyCode::Tab)).is_empty());
    assert!(matches!(
        app.modal,
        Some(Modal::ConfirmDelete {
            on_delete: true,
            ..
        })
    ));
    let cmds = app.update(code(KeyCode::Enter));
    assert_eq!(
        cmds,
        vec![Cmd::Delete {
            req: pending_req(&app, "c"),
            id: "c".into()
        }]
    );
    assert_eq!(app.pending["c"].op, PendingOp::Delete);
    assert_eq!(app.modal, None);
    // Tab twice is back on Cancel.
    let mut app = loaded(five());
    app.update(ctrl('d'));
    app.update(code(KeyCode::Tab));
    app.update(code(KeyCode::Tab));
    assert!(app.update(code(KeyCode::Enter)).is_empty());
    assert!(app.pending.is_empty());
}

#[test]
fn y_confirms_the_delete() {
    let mut app = loaded(five());
    let req = delete(&mut app, "c");
    assert_eq!(app.modal, None);
    assert_eq!(
        app.pending["c"],
        Pending {
            req,
            op: PendingOp::Delete,
            target_url: app.pending["c"].target_url.clone(),
        }
    );
    assert_eq!(ids(&app).len(), 5, "the row stays until the server answers");
    // A pending row cannot be deleted or paused again.
    assert!(app.update(ctrl('d')).is_empty());
    assert_eq!(app.modal, None);
    assert!(app.update(key('p')).is_empty());
}

#[test]
fn delete_success_removes_the_row_with_an_info_banner() {
    let mut app = loaded(five());
    let req = delete(&mut app, "c");
    assert!(no_audit(app.update(deleted_msg(req, "c", Ok(())))).is_empty());
    assert_eq!(ids(&app), ["a", "b", "d", "e"]);
    assert_eq!(app.selected.as_deref(), Some("d"));
    assert!(app.pending.is_empty());
    assert_eq!(
        app.counts,
        Counts {
            active: 2,
            paused: 2
        }
    );
    let banner = app.banner.clone().unwrap();
    assert_eq!(banner.level, BannerLevel::Info);
    assert_eq!(banner.text, "Deleted https://charlie.test/hooks");
}

#[test]
fn delete_404_also_removes_the_row_already_deleted_elsewhere() {
    let mut app = loaded(five());
    let req = delete(&mut app, "c");
    app.update(deleted_msg(req, "c", Err(not_found())));
    assert_eq!(ids(&app), ["a", "b", "d", "e"]);
    assert!(app.pending.is_empty());
    let banner = app.banner.clone().unwrap();
    assert_eq!(banner.level, BannerLevel::Notice);
    assert_eq!(
        banner.text,
        "https://charlie.test/hooks was already deleted elsewhere"
    );
}

#[test]
fn delete_failure_keeps_the_row_and_shows_the_error() {
    let mut app = loaded(five());
    let req = delete(&mut app, "c");
    app.update(deleted_msg(
        req,
        "c",
        Err(linq_error(500, 1000, "trace-del")),
    ));
    assert_eq!(ids(&app), ["a", "b", "c", "d", "e"]);
    assert_eq!(app.selected.as_deref(), Some("c"));
    assert!(app.pending.is_empty());
    let banner = app.banner.clone().unwrap();
    assert_eq!(banner.level, BannerLevel::Error);
    assert!(banner.text.starts_with("Delete failed"), "{banner:?}");
    assert_eq!(banner.trace_id.as_deref(), Some("trace-del"));
}

#[test]
fn stale_delete_result_is_ignored() {
    let mut app = loaded(five());
    let req = delete(&mut app, "c");
    app.update(deleted_msg(req + 1, "c", Ok(())));
    assert_eq!(ids(&app).len(), 5);
    assert!(app.pending.contains_key("c"));
}

#[test]
fn confirm_dialog_on_a_row_removed_by_a_refresh() {
    let mut app = loaded(five());
    select(&mut app, "c");
    app.update(ctrl('d'));
    // A quiet auto-refresh lands while the dialog is open: "c" was deleted elsewhere.
    let cmds = app.update(Msg::AutoRefresh);
    assert_eq!(cmds.len(), 1);
    let list: Vec<_> = five().into_iter().filter(|s| s.id != "c").collect();
    app.update(list_msg(list_req(&app), list));
    // Either the dialog closes with the row, or a confirmed delete still names the URL.
    if app.modal.is_some() {
        let cmds = app.update(key('y'));
        let Some(Cmd::Delete { req, .. }) = cmds.first() else {
            panic!("{cmds:?}");
        };
        app.update(deleted_msg(*req, "c", Err(not_found())));
        let banner = app.banner.clone().unwrap();
        assert!(
            banner.text.contains("https://charlie.test/hooks"),
            "banner names no URL: {banner:?}"
        );
    }
}

// ---------------------------------------------------------------- read-only

#[test]
fn read_only_p_and_delete_do_nothing() {
    let mut app = loaded_with(connection(true), five());
    select(&mut app, "b");
    for msg in [key('p'), ctrl('d'), code(KeyCode::Delete)] {
        let label = format!("{msg:?}");
        assert!(app.update(msg).is_empty(), "{label}");
        assert_eq!(app.modal, None, "{label}");
        assert!(app.pending.is_empty(), "{label}");
        assert_eq!(app.subscriptions, five(), "{label}");
    }
    // Reading still works.
    assert_eq!(app.update(key('r')).len(), 1);
}

#[test]
fn read_only_footer_hints_contain_no_write_keys() {
    let writes: Vec<(&str, &str)> = BINDINGS
        .iter()
        .filter(|b| b.effect == Effect::Write)
        .map(|b| (b.label, b.hint))
        .collect();
    assert!(!writes.is_empty());
    for context in [
        keymap::Context::Global,
        keymap::Context::Browse,
        keymap::Context::List,
        keymap::Context::Detail,
        keymap::Context::FilterInput,
        keymap::Context::ConfirmDelete,
        keymap::Context::Help,
    ] {
        for hint in keymap::hints(context, true) {
            assert!(!writes.contains(&hint), "{context:?} shows {hint:?}");
        }
    }
    // Without read-only the list does show them (so the check above means something).
    assert!(keymap::hints(keymap::Context::List, false)
        .iter()
        .any(|h| writes.contains(h)));

    let app = loaded_with(connection(true), five());
    let screen = rendered(&app, 100, 30);
    let footer = screen.lines().last().unwrap();
    assert!(!footer.contains("pause"), "{footer}");
    assert!(!footer.contains("delete"), "{footer}");
    assert!(screen.contains("READ-ONLY"));
}

// ---------------------------------------------------------------- quitting

#[test]
fn q_quits_from_the_list_and_the_detail_pane() {
    let mut app = loaded(five());
    assert_eq!(app.update(key('q')), vec![Cmd::Quit]);
    assert!(app.quitting);

    let mut app = loaded(five());
    app.update(code(KeyCode::Enter));
    assert_eq!(app.focus, Focus::Detail);
    assert_eq!(app.update(key('q')), vec![Cmd::Quit]);
}

#[test]
fn q_closes_the_help_instead_of_quitting() {
    let mut app = loaded(five());
    assert!(app.update(key('?')).is_empty());
    assert_eq!(app.modal, Some(Modal::Help));
    assert!(app.update(key('q')).is_empty());
    assert_eq!(app.modal, None);
    assert!(!app.quitting);
    // ? with SHIFT (how most terminals report it) opens it too, and Esc closes it.
    app.update(press(KeyCode::Char('?'), KeyModifiers::SHIFT));
    assert_eq!(app.modal, Some(Modal::Help));
    app.update(code(KeyCode::Esc));
    assert_eq!(app.modal, None);
}

#[test]
fn q_does_not_quit_from_the_delete_dialog() {
    let mut app = loaded(five());
    app.update(ctrl('d'));
    assert!(app.update(key('q')).is_empty());
    assert!(!app.quitting);
    assert!(app.modal.is_some());
}

#[test]
fn ctrl_c_quits_from_everywhere() {
    let setups: Vec<(&str, Vec<Msg>)> = vec![
        ("list", vec![]),
        ("detail", vec![code(KeyCode::Enter)]),
        ("filter input", vec![key('/'), key('x')]),
        ("delete dialog", vec![ctrl('d')]),
        (
            "delete dialog on Delete",
            vec![ctrl('d'), code(KeyCode::Tab)],
        ),
        ("help", vec![key('?')]),
        ("new subscription form", vec![key('n')]),
    ];
    for (name, msgs) in setups {
        let mut app = loaded(five());
        for msg in msgs {
            app.update(msg);
        }
        assert_eq!(app.update(ctrl('c')), vec![Cmd::Quit], "{name}");
        assert!(app.quitting, "{name}");
    }
    // Before the first list arrives too.
    let mut app = App::new(connection(false), NOW, (100, 30));
    app.init();
    assert_eq!(app.update(ctrl('c')), vec![Cmd::Quit]);
}

#[test]
fn shutdown_quits() {
    let mut app = loaded(five());
    assert_eq!(
        app.update(Msg::Shutdown { exit_code: 143 }),
        vec![Cmd::Quit]
    );
    assert_eq!(app.exit_code, Some(143));
    assert!(app.quitting);
}

#[test]
fn key_release_and_repeat_events_are_ignored() {
    let mut app = loaded(five());
    for kind in [KeyEventKind::Release, KeyEventKind::Repeat] {
        for (code, mods) in [
            (KeyCode::Char('q'), KeyModifiers::NONE),
            (KeyCode::Char('j'), KeyModifiers::NONE),
            (KeyCode::Char('p'), KeyModifiers::NONE),
            (KeyCode::Char('c'), KeyModifiers::CONTROL),
            (KeyCode::Char('/'), KeyModifiers::NONE),
        ] {
            app.dirty = false;
            let cmds = app.update(Msg::Key(KeyEvent::new_with_kind(code, mods, kind)));
            assert!(cmds.is_empty(), "{kind:?} {code:?}");
            assert!(!app.dirty, "{kind:?} {code:?}");
        }
    }
    assert!(!app.quitting);
    assert_eq!(app.selected.as_deref(), Some("a"));
    assert!(app.pending.is_empty());
    assert_eq!(app.focus, Focus::List);
}

// ---------------------------------------------------------------- redraw economy

#[test]
fn quiet_auto_refresh_with_an_identical_list_does_not_redraw() {
    let mut app = loaded(five());
    app.dirty = false;
    let cmds = app.update(Msg::AutoRefresh);
    let req = list_req(&app);
    assert_eq!(
        cmds,
        vec![Cmd::LoadList {
            req,
            quiet: true,
            unless: None,
            first_screen: None
        }]
    );
    assert!(!app.busy(), "no spinner for a quiet refresh");
    assert!(!app.dirty);
    app.update(list_msg_at(req, NOW + Duration::seconds(20), five()));
    assert!(!app.dirty);
    assert_eq!(app.list_req, None);
    assert_eq!(app.last_refresh, Some(NOW + Duration::seconds(20)));
}

#[test]
fn quiet_auto_refresh_with_a_changed_list_redraws() {
    let mut app = loaded(five());
    app.dirty = false;
    app.update(Msg::AutoRefresh);
    let mut list = five();
    list[2].is_active = false;
    app.update(list_msg_at(
        list_req(&app),
        NOW + Duration::seconds(20),
        list,
    ));
    assert!(app.dirty);
    assert_eq!(
        app.counts,
        Counts {
            active: 2,
            paused: 3
        }
    );
}

#[test]
fn auto_refresh_waits_for_a_list_request_in_flight_and_for_the_first_load() {
    let mut app = App::new(connection(false), NOW, (100, 30));
    assert!(app.update(Msg::AutoRefresh).is_empty(), "before init");
    app.init();
    assert!(
        app.update(Msg::AutoRefresh).is_empty(),
        "first load running"
    );
    app.update(list_msg(list_req(&app), five()));
    app.update(key('r'));
    assert!(
        app.update(Msg::AutoRefresh).is_empty(),
        "manual refresh running"
    );
}

#[test]
fn tick_while_idle_does_not_redraw_within_the_same_minute() {
    let mut app = loaded(five());
    app.dirty = false;
    app.update(Msg::Tick {
        now: NOW + Duration::seconds(30),
    });
    assert!(!app.dirty);
    app.update(Msg::Tick {
        now: NOW + Duration::seconds(59),
    });
    assert!(!app.dirty);
    // "refreshed just now" becomes "1 min ago".
    app.update(Msg::Tick {
        now: NOW + Duration::seconds(61),
    });
    assert!(app.dirty);
}

#[test]
fn tick_while_busy_turns_the_spinner() {
    let mut app = loaded(five());
    app.update(key('p'));
    app.dirty = false;
    let spinner = app.spinner;
    app.update(Msg::Tick {
        now: NOW + Duration::milliseconds(100),
    });
    assert!(app.dirty);
    assert_eq!(app.spinner, spinner + 1);
}

// ---------------------------------------------------------------- detail, copy, rendering

#[test]
fn enter_focuses_the_detail_and_esc_returns() {
    let mut app = loaded(five());
    select(&mut app, "b");
    // The detail pane also asks for b's delivery attempts.
    assert!(matches!(
        app.update(code(KeyCode::Enter)).as_slice(),
        [Cmd::LoadDeliveries { subscription_id, .. }] if subscription_id == "b"
    ));
    assert_eq!(app.focus, Focus::Detail);
    app.update(key('j'));
    app.update(key('j'));
    assert_eq!(app.detail_scroll, 2);
    assert_eq!(app.selected.as_deref(), Some("b"), "j scrolls, not moves");
    app.update(key('k'));
    assert_eq!(app.detail_scroll, 1);
    assert!(app.update(code(KeyCode::Esc)).is_empty());
    assert_eq!(app.focus, Focus::List);
}

#[test]
fn c_refuses_to_copy_an_id_that_is_not_a_subscription_id() {
    // A hostile server's id: pasted into a shell it would end bracketed paste and run a command.
    let hostile = "b2c3d4e5-f6a7-8901-bcde-f2345678\u{1b}[201~;touch /tmp/x\r";
    let mut subs = five();
    subs[3].id = hostile.into();
    let mut app = loaded(subs);
    select(&mut app, hostile);
    app.update(code(KeyCode::Enter));
    assert!(
        app.update(key('c')).is_empty(),
        "nothing goes to the clipboard"
    );
    let banner = app.banner.clone().expect("says why");
    assert_eq!(banner.level, BannerLevel::Error);
    assert!(
        banner.text.contains("not a subscription id"),
        "{}",
        banner.text
    );
}

#[test]
fn c_in_the_detail_pane_copies_the_id() {
    const ID: &str = "b2c3d4e5-f6a7-8901-bcde-f23456789012";
    let mut subs = five();
    subs[3].id = ID.into();
    let mut app = loaded(subs);
    select(&mut app, ID);
    assert!(app.update(key('c')).is_empty(), "not bound in the list");
    app.update(code(KeyCode::Enter));
    assert_eq!(
        app.update(key('c')),
        vec![Cmd::Copy {
            text: ID.into(),
            what: "subscription id".into(),
        }]
    );
    app.update(Msg::Copied(CopyOutcome::Osc52 {
        what: "subscription id".into(),
        tmux: true,
    }));
    let banner = app.banner.clone().unwrap();
    assert_eq!(banner.level, BannerLevel::Info);
    assert!(banner.text.contains("OSC 52"));
    assert!(banner.text.contains("set-clipboard"));
}

#[test]
fn control_characters_from_the_api_never_reach_the_screen() {
    let mut evil = sub(
        "evil\u{1b}]0;pwned\u{7}",
        1,
        "https://evil.test/\u{1b}[31mred\u{9b}2J?version=\u{1b}[0m",
        true,
    );
    evil.subscribed_events = vec!["message.sent".into(), "brand\u{9b}new".into()];
    evil.phone_numbers = Some(vec!["+1202\u{1b}[5m5550143".into()]);
    evil.routing_key_header = Some("X-Key\u{1b}[2J".into());
    let mut app = loaded(vec![evil, sub("ok", 2, "https://ok.test/", false)]);
    let check = |app: &App, what: &str| {
        for (w, h) in [(100, 30), (80, 24)] {
            let screen = rendered(app, w, h);
            assert!(
                !screen.contains(['\u{1b}', '\u{9b}', '\u{7}']),
                "{what} at {w}x{h}:\n{screen}"
            );
        }
    };
    check(&app, "list");
    app.update(code(KeyCode::Enter));
    check(&app, "detail");
    app.update(code(KeyCode::Esc));
    app.update(ctrl('d'));
    check(&app, "delete dialog");
    let req = {
        app.update(key('y'));
        app.pending.values().next().unwrap().req
    };
    let id = app.pending.keys().next().unwrap().clone();
    app.update(deleted_msg(
        req,
        &id,
        Err(ApiError::Linq(LinqFailure {
            status: 500,
            code: Some(1000),
            message: "bad \u{1b}[31m thing \u{9b}".into(),
            trace_id: Some("tr\u{1b}ace".into()),
            ..LinqFailure::default()
        })),
    ));
    check(&app, "error banner");
}

// ---------------------------------------------------------------- keymap

#[test]
fn every_bound_action_appears_exactly_once_in_the_help() {
    let groups = keymap::help_groups(false);
    let mut actions: Vec<Action> = Vec::new();
    for b in BINDINGS {
        if !actions.contains(&b.action) {
            actions.push(b.action);
        }
    }
    assert!(actions.contains(&Action::TogglePause));
    for action in actions {
        let in_help = groups
            .iter()
            .flat_map(|(_, list)| list.iter())
            .filter(|b| b.action == action)
            .count();
        assert_eq!(in_help, 1, "{action:?} appears {in_help} times in help");
    }
    let total: usize = groups.iter().map(|(_, l)| l.len()).sum();
    assert_eq!(total, BINDINGS.len());
}

#[test]
fn delete_answer_after_a_refresh_removed_the_row_names_the_url() {
    let mut app = loaded(five());
    let req = delete(&mut app, "c");
    // Someone else deleted it too; the refresh lands before our DELETE answers.
    app.update(key('r'));
    let list: Vec<_> = five().into_iter().filter(|s| s.id != "c").collect();
    app.update(list_msg(list_req(&app), list));
    app.update(deleted_msg(req, "c", Ok(())));
    let banner = app.banner.clone().unwrap();
    assert_eq!(banner.text, "Deleted https://charlie.test/hooks");
}

// ------------------------------------------------------------------ account switcher

fn account(name: &str, read_only: bool) -> crate::config::AccountEntry {
    crate::config::AccountEntry {
        name: name.into(),
        label: format!("{name} label"),
        host: "h.test".into(),
        key_kind: "env",
        read_only,
        color: None,
        org_id: None,
        logs_url: None,
    }
}

fn two_accounts() -> App {
    let app = loaded(five());
    app.with_accounts(vec![account("one", false), account("two", true)], "one")
}

#[test]
fn a_opens_the_switcher_on_the_current_account_and_enter_switches() {
    let mut app = two_accounts();
    app.update(key('A'));
    assert_eq!(
        app.modal,
        Some(Modal::Accounts {
            cursor: 0,
            search: None
        })
    );
    assert_eq!(app.context(), Context::Accounts);
    // Enter on the current account just closes.
    app.update(code(KeyCode::Enter));
    assert_eq!(app.modal, None);
    app.update(key('A'));
    app.update(key('j'));
    let cmds = app.update(code(KeyCode::Enter));
    assert_eq!(cmds, vec![Cmd::SwitchAccount { name: "two".into() }]);
    assert_eq!(app.switching.as_deref(), Some("two"));
    assert!(app.busy(), "the spinner turns while connecting");
    // Still the old account until the runtime answers.
    assert_eq!(app.subscriptions.len(), 5);
}

#[test]
fn a_switch_drops_the_old_account_and_ignores_its_late_answers() {
    let mut app = two_accounts();
    app.update(key('r'));
    let old_list = list_req(&app);
    app.update(key('A'));
    app.update(key('j'));
    app.update(code(KeyCode::Enter));
    let cmds = app.update(Msg::Switched {
        to: "two".into(),
        result: Ok(Connection {
            base_url: "https://two.test/api/partner".into(),
            sandbox: false,
            key_hint: Some("…2222".into()),
            read_only: true,
        }),
    });
    assert!(matches!(
        cmds.as_slice(),
        [
            Cmd::LoadList { .. },
            Cmd::LoadCatalog { .. },
            Cmd::LoadLines { .. },
            Cmd::LoadRotations { .. }
        ]
    ));
    assert_eq!(app.current_account().map(|a| a.name.as_str()), Some("two"));
    assert!(app.connection.read_only);
    assert!(app.subscriptions.is_empty());
    assert_eq!(app.startup, Startup::Loading);
    // The old account's refresh answers late: ignored.
    app.update(list_msg(old_list, five()));
    assert!(app.subscriptions.is_empty());
    let new_list = list_req(&app);
    app.update(list_msg(new_list, five()[..2].to_vec()));
    assert_eq!(app.subscriptions.len(), 2);
    // Read-only now: p does nothing.
    assert!(app.update(key('p')).is_empty());
}

#[test]
fn a_switch_with_a_write_in_flight_asks_first() {
    let mut app = two_accounts();
    select(&mut app, "b");
    app.update(key('p'));
    app.update(key('A'));
    app.update(key('j'));
    assert!(app.update(code(KeyCode::Enter)).is_empty());
    assert_eq!(app.modal, Some(Modal::ConfirmSwitch { to: 1 }));
    // n stays, with the write still pending.
    app.update(key('n'));
    assert_eq!(app.modal, None);
    assert!(!app.pending.is_empty());
    app.update(key('A'));
    app.update(key('j'));
    app.update(code(KeyCode::Enter));
    assert_eq!(
        app.update(key('y')),
        vec![Cmd::SwitchAccount { name: "two".into() }]
    );
}

#[test]
fn a_failed_or_superseded_switch_changes_nothing() {
    let mut app = two_accounts();
    app.update(key('A'));
    app.update(key('j'));
    app.update(code(KeyCode::Enter));
    // An answer for an account no longer asked for: ignored.
    app.update(Msg::Switched {
        to: "one".into(),
        result: Err("late".into()),
    });
    assert_eq!(app.switching.as_deref(), Some("two"));
    app.update(Msg::Switched {
        to: "two".into(),
        result: Err("the key variable TWO_KEY is not set (or empty)".into()),
    });
    assert_eq!(app.switching, None);
    assert_eq!(app.current_account().map(|a| a.name.as_str()), Some("one"));
    assert_eq!(app.subscriptions.len(), 5);
    let banner = app.banner.clone().expect("says why");
    assert_eq!(banner.level, BannerLevel::Error);
    assert_eq!(
        banner.text,
        "Cannot switch to two label: the key variable TWO_KEY is not set (or empty)"
    );
}

// ------------------------------------------------------------------------ findings

#[test]
fn findings_fill_the_problems_tab_and_a_filter_matches_their_codes() {
    let mut subs = five();
    subs[0].target_url = "https://alpha.example.com/hooks?version=2026-02-03".into();
    subs[1].target_url = "http://bravo.example.com/hooks?version=2026-02-03".into();
    let mut app = loaded(subs);
    // Everything else has findings (.test hosts, no pin, paused); alpha has none.
    assert!(app.findings[0].is_empty(), "{:?}", app.findings[0]);
    assert!(app.findings[1].iter().any(|f| f.code == "not-https"));
    assert_eq!(app.problem_count, 4);
    app.update(key('4'));
    assert_eq!(app.tab, Tab::Problems);
    assert_eq!(visible_ids(&app), ["b", "c", "d", "e"]);
    // A code matches by its start: "not-h" finds bravo; a single letter does not match codes.
    app.update(key('1'));
    app.update(key('/'));
    type_text(&mut app, "not-h");
    assert_eq!(visible_ids(&app), ["b"]);
    app.update(ctrl('u'));
    type_text(&mut app, "paused");
    assert_eq!(visible_ids(&app), ["d", "e"]);
}

#[test]
fn the_selected_subscriptions_findings_are_worst_first() {
    let mut subs = five();
    subs[3].target_url = "http://localhost/hooks".into();
    let mut app = loaded(subs);
    select(&mut app, "d");
    let findings = app.selected_findings();
    assert_eq!(findings[0].severity, crate::diagnose::Severity::Error);
    assert!(findings.iter().any(|f| f.code == "paused"));
    assert!(findings.windows(2).all(|w| w[0].severity >= w[1].severity));
}

// ---------------------------------------------------------------------- verify screen

/// linq-api.md §8.4's test vector, as a terminal pastes it (CR line ends).
const VECTOR_CAPTURE: &str = "POST /hook HTTP/1.1\rwebhook-id: 6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b\rwebhook-timestamp: 1770320000\rwebhook-signature: v1,OGTRj86SiQAE7CNwGfSIuqTTr9mFoydBvV8EAMBg0JY=\rX-Webhook-Timestamp: 1770320000\rX-Webhook-Signature: 04f8365734dd18c9d8b60d5baa57de89b7ea515b453ab661108aefd0dbd97664\r\r{\"event_type\":\"message.received\"}";
const VECTOR_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw7Jxx2Oll+OE="; // linq-api.md test_vector

#[test]
fn v_verifies_a_pasted_capture_with_a_pasted_secret() {
    let mut app = loaded(five());
    app.now = OffsetDateTime::from_unix_timestamp(1_770_320_030).unwrap();
    app.update(key('V'));
    assert_eq!(app.context(), Context::Verify);
    app.update(Msg::Paste(VECTOR_CAPTURE.into()));
    assert!(
        app.verify.as_ref().unwrap().verdict.is_empty(),
        "no secret yet"
    );
    app.update(code(KeyCode::Tab));
    app.update(Msg::Paste(format!("{VECTOR_SECRET}\n")));
    let screen = app.verify.as_ref().unwrap();
    assert_eq!(screen.secret_len(), VECTOR_SECRET.len());
    assert_eq!(screen.verdict.len(), 2, "{:?}", screen.verdict);
    assert!(
        screen.verdict.iter().all(|(ok, _)| *ok),
        "{:?}",
        screen.verdict
    );
    // A wrong secret: both fail, and say why; the secret is in no verdict line.
    app.update(ctrl('u'));
    app.update(Msg::Paste(
        "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into(), // fake fixture
    ));
    let screen = app.verify.as_ref().unwrap();
    assert!(
        screen.verdict.iter().all(|(ok, _)| !*ok),
        "{:?}",
        screen.verdict
    );
    assert!(screen.verdict.iter().all(|(_, t)| !t.contains("AAAAAAAA")));
    // q types (no quitting from a text field); Esc closes and drops the secret.
    app.update(key('q'));
    assert!(!app.quitting);
    app.update(code(KeyCode::Esc));
    assert!(app.verify.is_none());
    assert_eq!(app.context(), Context::List);
}

#[test]
fn the_verify_screen_says_when_the_delivery_is_outside_the_window() {
    let mut app = loaded(five());
    app.now = OffsetDateTime::from_unix_timestamp(1_770_320_000 + 3600).unwrap();
    app.update(key('V'));
    app.update(Msg::Paste(VECTOR_CAPTURE.into()));
    app.update(code(KeyCode::Tab));
    app.update(Msg::Paste(VECTOR_SECRET.into()));
    let screen = app.verify.as_ref().unwrap();
    assert!(screen.verdict.iter().all(|(ok, _)| !*ok));
    assert!(
        screen.verdict[0].1.contains("3600"),
        "by how much: {:?}",
        screen.verdict
    );
}

#[test]
fn a_pause_is_audited_with_before_after_and_the_outcome() {
    let mut app = loaded(five());
    select(&mut app, "b");
    app.update(key('p'));
    let req = pending_req(&app, "b");
    let cmds = app.update(updated_msg(req, "b", Err(linq_error(500, 3006, "trace-a"))));
    let Some(Cmd::Audit { entry }) = cmds.first() else {
        panic!("no audit record: {cmds:?}");
    };
    assert_eq!(entry.operation, "pause");
    assert_eq!(entry.subscription_id.as_deref(), Some("b"));
    assert_eq!(entry.changes["is_active"]["before"], true);
    assert_eq!(entry.changes["is_active"]["after"], false);
    assert!(!entry.outcome.ok);
    assert_eq!(entry.outcome.status, Some(500));
    assert_eq!(entry.outcome.code, Some(3006));
    assert_eq!(entry.outcome.trace_id.as_deref(), Some("trace-a"));
    assert_eq!(entry.account.host, "127.0.0.1:4010");
}

// ------------------------------------------------------------------- marks, bulk, undo

fn marked(app: &App) -> Vec<String> {
    app.marked.iter().cloned().collect()
}

#[test]
fn space_marks_and_moves_on_star_marks_the_visible_rows_esc_clears() {
    let mut app = loaded(five());
    app.update(key(' '));
    assert_eq!(marked(&app), ["a"]);
    assert_eq!(
        app.selected.as_deref(),
        Some("b"),
        "Space moves to the next row"
    );
    app.update(key(' '));
    app.update(key('k'));
    app.update(key(' '));
    assert_eq!(marked(&app), ["a"], "Space again unmarks");
    app.update(key('/'));
    type_text(&mut app, "echo");
    app.update(code(KeyCode::Enter));
    app.update(key('*'));
    assert_eq!(marked(&app), ["a", "e"]);
    app.update(code(KeyCode::Esc));
    assert!(app.marked.is_empty(), "Esc clears the marks first");
    assert_eq!(
        app.filter.value(),
        "echo",
        "the filter stays until the next Esc"
    );
}

/// Marks a, b, c (all active), presses p and confirms with y: four requests at most.
fn bulk_pause_abc(app: &mut App) -> Vec<Cmd> {
    for id in ["a", "b", "c"] {
        select(app, id);
        app.update(key(' '));
    }
    assert!(app.update(key('p')).is_empty(), "asks first");
    match &app.modal {
        Some(Modal::ConfirmBulk {
            ids, on_confirm, ..
        }) => {
            assert_eq!(ids, &["a", "b", "c"]);
            assert!(!on_confirm, "Cancel is focused");
        }
        other => panic!("no bulk dialog: {other:?}"),
    }
    assert_eq!(app.hosts_of(&["a".into(), "b".into(), "c".into()]), 3);
    app.update(key('y'))
}

#[test]
fn a_bulk_pause_asks_once_sends_the_puts_and_sums_up_with_the_failures() {
    let mut app = loaded(five());
    let cmds = bulk_pause_abc(&mut app);
    assert_eq!(cmds.len(), 3);
    assert!(cmds.iter().all(
        |c| matches!(c, Cmd::Update { patch, .. } if *patch == SubscriptionPatch::pause(false))
    ));
    assert!(app.marked.is_empty());
    // Optimistic: all three show paused while in flight.
    assert_eq!(app.counts.paused, 5);
    let (a, b, c) = (
        pending_req(&app, "a"),
        pending_req(&app, "b"),
        pending_req(&app, "c"),
    );
    let paused = |id: &str| {
        let mut s = five().into_iter().find(|s| s.id == id).unwrap();
        s.is_active = false;
        s
    };
    app.update(updated_msg(a, "a", Ok(paused("a"))));
    app.update(updated_msg(b, "b", Err(linq_error(500, 3006, "trace-b"))));
    assert!(app
        .banner
        .as_ref()
        .is_some_and(|b| b.text.contains("2 of 3")));
    app.update(updated_msg(c, "c", Ok(paused("c"))));
    match &app.modal {
        Some(Modal::BulkSummary {
            title, failures, ..
        }) => {
            assert_eq!(title, "Paused 2 of 3");
            assert_eq!(failures.len(), 1);
            assert!(failures[0].0.contains("bravo"));
            assert!(failures[0].1.contains("3006") && failures[0].1.contains("trace-b"));
        }
        other => panic!("no summary: {other:?}"),
    }
    // The failed one is back to active; the others stay paused.
    assert_eq!(app.counts.paused, 4);
    assert!(
        app.subscriptions
            .iter()
            .find(|s| s.id == "b")
            .unwrap()
            .is_active
    );
}

#[test]
fn a_bulk_delete_wants_the_number_typed() {
    let mut app = loaded(five());
    select(&mut app, "a");
    app.update(key(' '));
    app.update(key(' '));
    assert!(app.update(ctrl('d')).is_empty());
    // y alone does nothing for a delete; a wrong number cancels and says so.
    app.update(key('3'));
    assert!(app.update(code(KeyCode::Enter)).is_empty());
    assert_eq!(app.modal, None);
    assert!(app
        .banner
        .as_ref()
        .is_some_and(|b| b.text.contains("Type 2")));
    app.update(ctrl('d'));
    app.update(key('2'));
    let cmds = app.update(code(KeyCode::Enter));
    assert_eq!(cmds.len(), 2);
    assert!(cmds.iter().all(|c| matches!(c, Cmd::Delete { .. })));
}

#[test]
fn u_undoes_a_bulk_pause_after_checking_nothing_changed() {
    let mut app = loaded(five());
    bulk_pause_abc(&mut app);
    let paused: Vec<Subscription> = five()
        .into_iter()
        .map(|mut s| {
            if ["a", "b", "c"].contains(&s.id.as_str()) {
                s.is_active = false;
            }
            s
        })
        .collect();
    for id in ["a", "b", "c"] {
        let req = pending_req(&app, id);
        let sub = paused.iter().find(|s| s.id == id).unwrap().clone();
        app.update(updated_msg(req, id, Ok(sub)));
    }
    app.update(code(KeyCode::Esc));
    let cmds = app.update(key('u'));
    let [Cmd::LoadList { req, .. }] = cmds.as_slice() else {
        panic!("u reads the list first: {cmds:?}");
    };
    let cmds = app.update(list_msg(*req, paused.clone()));
    assert_eq!(cmds.len(), 3, "{cmds:?}");
    assert!(cmds.iter().all(
        |c| matches!(c, Cmd::Update { patch, .. } if *patch == SubscriptionPatch::pause(true))
    ));
}

#[test]
fn u_refuses_when_someone_changed_the_subscription_since() {
    let mut app = loaded(five());
    select(&mut app, "b");
    app.update(key('p'));
    let req = pending_req(&app, "b");
    let mut paused = five()[1].clone();
    paused.is_active = false;
    app.update(updated_msg(req, "b", Ok(paused)));
    let cmds = app.update(key('u'));
    let [Cmd::LoadList { req, .. }] = cmds.as_slice() else {
        panic!("{cmds:?}");
    };
    // Someone resumed it elsewhere meanwhile.
    let cmds = app.update(list_msg(*req, five()));
    assert!(no_audit(cmds).is_empty(), "nothing is sent");
    let banner = app.banner.clone().expect("says why");
    assert_eq!(banner.level, BannerLevel::Error);
    assert!(
        banner.text.contains("changed since (is_active)"),
        "{}",
        banner.text
    );
}

#[test]
fn u_after_a_delete_offers_to_create_it_again() {
    let mut app = loaded(five());
    let req = delete(&mut app, "c");
    app.update(deleted_msg(req, "c", Ok(())));
    app.update(key('u'));
    assert!(matches!(app.modal, Some(Modal::ConfirmRecreate { .. })));
    let cmds = app.update(key('y'));
    let [Cmd::Create { body, .. }] = cmds.as_slice() else {
        panic!("{cmds:?}");
    };
    assert_eq!(body.target_url, "https://charlie.test/hooks");
    assert_eq!(body.subscribed_events, five()[2].subscribed_events);
}

#[test]
fn a_bulk_change_keeps_at_most_four_requests_in_flight() {
    let mut app = loaded(many(10));
    app.update(key('*'));
    app.update(key('p'));
    let cmds = app.update(key('y'));
    assert_eq!(cmds.len(), 4, "four at a time");
    let first = pending_req(&app, "s000");
    let mut done = many(10)[0].clone();
    done.is_active = false;
    let cmds = no_audit(app.update(updated_msg(first, "s000", Ok(done))));
    assert_eq!(cmds.len(), 1, "one answer, one more request: {cmds:?}");
    assert_eq!(app.pending.len(), 4);
}

// ------------------------------------------------------------ test events, deliveries

fn in_sandbox() -> App {
    loaded(five())
}

#[test]
fn t_on_a_live_account_says_linq_has_no_test_events() {
    let mut live = connection(false);
    live.sandbox = false;
    let mut app = loaded_with(live, five());
    assert!(app.update(key('t')).is_empty());
    let banner = app.banner.clone().expect("says so");
    assert!(banner.text.contains("no test-event"), "{}", banner.text);
    assert_eq!(app.modal, None);
}

#[test]
fn t_in_the_sandbox_picks_an_event_type_and_sends_it() {
    let mut app = in_sandbox();
    app.update(key('t'));
    assert!(matches!(app.modal, Some(Modal::PickEvent { .. })));
    app.update(key('j'));
    let cmds = app.update(code(KeyCode::Enter));
    let [Cmd::SendTestEvent {
        req,
        event_type,
        phone_number,
    }] = cmds.as_slice()
    else {
        panic!("{cmds:?}");
    };
    assert_eq!(event_type, "message.received");
    assert_eq!(phone_number, &None);
    app.update(Msg::Api {
        req: *req,
        result: ApiResult::TestEvent {
            event_type: event_type.clone(),
            result: Ok(deliveries::TestEventSent {
                event_id: "e1".into(),
                queued: 2,
            }),
        },
    });
    let banner = app.banner.clone().expect("a banner");
    assert!(
        banner.text.contains("2 deliveries queued"),
        "{}",
        banner.text
    );
}

fn log_entry(
    event: &str,
    attempt: u32,
    ok: bool,
    minutes_ago: i64,
) -> crate::evidence::logs::LogEntry {
    use crate::evidence::logs::{AttemptStatus, LogEntry};
    LogEntry {
        event_id: event.into(),
        event_type: "message.sent".into(),
        target_url: "https://a.example.com/h".into(),
        http_status: Some(if ok { 200 } else { 503 }),
        duration_ms: Some(4),
        timestamp: Some(test_now() - time::Duration::minutes(minutes_ago)),
        status: if ok {
            AttemptStatus::Success
        } else {
            AttemptStatus::Retrying
        },
        attempt,
        max_attempts: Some(11),
        error_type: None,
        error_message: None,
        trace_id: None,
        subscription_id: "a".into(),
    }
}

fn test_now() -> time::OffsetDateTime {
    time::macros::datetime!(2026-04-07 18:00 UTC)
}

fn deliveries_answer(req: u64, entries: Vec<crate::evidence::logs::LogEntry>) -> Msg {
    Msg::Api {
        req,
        result: ApiResult::Deliveries {
            id: "a".into(),
            result: Ok(entries),
        },
    }
}

fn polled(cmds: &[Cmd]) -> (u64, usize) {
    match cmds {
        [Cmd::LoadDeliveries { req, last, .. }] => (*req, *last),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_detail_pane_polls_the_log_and_redraws_only_on_change() {
    // Every account reads the same log: a live account polls too.
    let mut live = connection(false);
    live.sandbox = false;
    let mut app = loaded_with(live, five());
    let cmds = app.update(code(KeyCode::Enter));
    let [Cmd::LoadDeliveries {
        req,
        subscription_id,
        last,
    }] = cmds.as_slice()
    else {
        panic!("{cmds:?}");
    };
    assert_eq!(subscription_id, "a");
    assert_eq!(
        *last,
        deliveries::KEPT_ATTEMPTS,
        "the first read fills the activity line"
    );
    app.update(deliveries_answer(*req, vec![log_entry("e1", 1, true, 5)]));
    assert_eq!(app.selected_deliveries().map(|l| l.entries.len()), Some(1));
    app.dirty = false;
    // The same attempts again: nothing to redraw; later polls read one page.
    let (req, last) = polled(&app.update(Msg::PollDeliveries));
    assert_eq!(last, deliveries::POLLED_ATTEMPTS);
    app.update(deliveries_answer(req, vec![log_entry("e1", 1, true, 5)]));
    assert!(!app.dirty, "nothing changed, nothing drawn");
    // A new attempt goes in front, once.
    let (req, _) = polled(&app.update(Msg::PollDeliveries));
    app.update(deliveries_answer(
        req,
        vec![log_entry("e2", 1, false, 1), log_entry("e1", 1, true, 5)],
    ));
    assert!(app.dirty);
    let keys: Vec<String> = app
        .selected_deliveries()
        .expect("log")
        .entries
        .iter()
        .map(|e| e.key())
        .collect();
    assert_eq!(keys, ["e2:1", "e1:1"]);
    // Not polled from the list.
    app.update(code(KeyCode::Esc));
    assert!(!app.polls_deliveries());
}

/// `H` asks for this account's trail by identity (key hint on the host, not the profile
/// name), shows what could be read and says how many lines could not (issue 15: 12, 13).
#[test]
fn history_is_loaded_by_identity_and_unreadable_lines_are_said() {
    let mut app = loaded_with(
        Connection {
            base_url: "https://api.linqapp.com/api/partner".into(),
            sandbox: false,
            key_hint: Some("…abcd".into()),
            read_only: false,
        },
        five(),
    );
    let cmds = app.update(key('H'));
    let [Cmd::LoadHistory { account }] = cmds.as_slice() else {
        panic!("{cmds:?}");
    };
    assert_eq!(account.key_hint.as_deref(), Some("…abcd"));
    assert_eq!(account.host, "api.linqapp.com");
    let entry = crate::audit::AuditEntry::new(account, "pause", "cli", NOW);
    app.update(Msg::History(Ok(crate::audit::Trail {
        entries: vec![entry],
        unreadable: 2,
    })));
    let Some(Modal::History(view)) = &app.modal else {
        panic!("no history shown");
    };
    let Some(Ok(shown)) = &view.entries else {
        panic!("no history shown");
    };
    assert_eq!(shown.len(), 1);
    let banner = app.banner.as_ref().expect("a banner");
    assert!(
        banner.text.contains("2 unreadable lines skipped"),
        "{}",
        banner.text
    );
}

// Issue 15: audit of writes in flight, undo, the bulk summary and history.
mod audit_undo;

// Issue 16: a refresh whose answer is the list shown is not decoded again.
mod list_digest;

#[test]
fn an_error_pauses_the_log_with_one_quiet_line_until_the_user_asks_again() {
    let mut app = in_sandbox();
    let (req, _) = polled(&app.update(code(KeyCode::Enter)));
    app.update(Msg::Api {
        req,
        result: ApiResult::Deliveries {
            id: "a".into(),
            result: Err(crate::evidence::logs::LogsError::Forbidden),
        },
    });
    let log = app.selected_deliveries().expect("log");
    assert_eq!(
        log.paused.as_deref(),
        Some("delivery logs unavailable: the key cannot read them (403)")
    );
    assert!(app.banner.is_none(), "never a banner");
    assert!(!app.polls_deliveries(), "no retry on its own");
    assert!(app.update(Msg::PollDeliveries).is_empty());
    // r asks again (with the list).
    let cmds = app.update(key('r'));
    assert!(
        cmds.iter().any(|c| matches!(c, Cmd::LoadDeliveries { .. })),
        "{cmds:?}"
    );
    assert!(app.polls_deliveries());
}

#[test]
fn the_activity_line_counts_hours_failures_and_the_last_success() {
    let entries = vec![
        log_entry("e4", 2, false, 1),
        log_entry("e4", 1, false, 2),
        log_entry("e3", 1, true, 70),
        log_entry("e2", 1, false, 75),
        log_entry("e1", 1, true, 25 * 60),
    ];
    let summary = deliveries::activity(&entries, test_now());
    assert_eq!(summary.hours[23], (2, 2), "this hour: two failures");
    assert_eq!(summary.hours[22], (2, 1), "the hour before");
    assert_eq!(
        summary.hours.iter().map(|h| h.0).sum::<u64>(),
        4,
        "older than 24 h left out"
    );
    assert_eq!(summary.failed_since, 2);
    assert_eq!(
        summary.last_success,
        Some(test_now() - time::Duration::minutes(70))
    );
}

#[test]
fn the_pane_gets_the_same_findings_as_doctor_from_the_log() {
    let mut app = in_sandbox();
    app.now = test_now();
    let (req, _) = polled(&app.update(code(KeyCode::Enter)));
    let dropped: Vec<_> = (0..6)
        .map(|i| {
            let mut e = log_entry(&format!("e{i}"), 1, false, i);
            e.http_status = Some(401);
            e.status = crate::evidence::logs::AttemptStatus::Failed;
            e
        })
        .collect();
    let expected = crate::diagnose::delivery_findings(&dropped, test_now());
    app.update(deliveries_answer(req, dropped));
    let log = app.selected_deliveries().expect("log");
    assert_eq!(log.findings, expected);
    assert_eq!(log.findings[0].code, "dropped-4xx");
}

// Every account at once (`A` counts, `/` across accounts, `:` palette, `y`): its own file.
mod fleet_tests;

/// What the delivery log proves joins the row: a subscription whose receiver answers 401
/// (events dropped for good) gets its error marker and a place in the Problems tab, and
/// keeps them after the selection moves on.
#[test]
fn delivery_log_findings_reach_the_marker_column_and_the_problems_tab() {
    let mut subs = five();
    subs[0] = sub("a", 1, "https://alpha.test/hooks?version=2026-02-03", true);
    let mut app = loaded_with(connection(true), subs);
    let has_dropped = |app: &App| {
        app.findings[0]
            .iter()
            .any(|f| f.code == "dropped-4xx" && f.severity == crate::diagnose::Severity::Error)
    };
    assert!(!has_dropped(&app));
    let marker = |app: &App| crate::diagnose::worst(&app.findings[0]);
    assert_ne!(marker(&app), Some(crate::diagnose::Severity::Error));
    assert!(!view::is_problem(&app.findings[0]), "{:?}", app.findings[0]);

    let (req, _) = polled(&app.update(code(KeyCode::Enter)));
    let mut refused = log_entry("e1", 1, false, 3);
    refused.http_status = Some(401);
    refused.status = crate::evidence::logs::AttemptStatus::Failed;
    app.update(deliveries_answer(req, vec![refused]));
    assert!(has_dropped(&app), "{:?}", app.findings[0]);
    assert_eq!(
        marker(&app),
        Some(crate::diagnose::Severity::Error),
        "✖ in the list"
    );

    app.update(code(KeyCode::Esc));
    app.update(key('j'));
    assert!(
        has_dropped(&app),
        "kept for the row while another is selected"
    );
    app.update(key('4'));
    assert_eq!(app.tab, Tab::Problems);
    assert!(app.visible.iter().any(|&i| app.subscriptions[i].id == "a"));
    assert!(view::is_problem(&app.findings[0]));
}

/// A large list: the first frame waits only for the findings of the rows on it; the rest
/// come right after (one `AfterFrame`), and then equal what computing them all at once
/// gives. The Problems count says "…" meanwhile; a tab that looks at findings does not wait.
#[test]
fn a_large_lists_findings_beyond_the_first_screen_follow_the_frame() {
    let mut subs = many(1_000);
    // Off screen at first: a duplicate of the first row's URL, and an insecure URL.
    subs[900].target_url = subs[0].target_url.clone();
    subs[950].target_url = "http://h950.test/x".into();
    let mut app = App::new(connection(true), test_now(), (100, 30));
    let req = app.init().iter().find_map(|c| match c {
        Cmd::LoadList { req, .. } => Some(*req),
        _ => None,
    });
    let cmds = app.update(Msg::Api {
        req: req.expect("a list request"),
        result: ApiResult::List {
            digest: None,
            at: test_now(),
            result: Ok(subs),
        },
    });
    assert!(cmds.contains(&Cmd::AfterFrame), "{cmds:?}");
    assert!(app.findings_partial);
    assert!(!app.findings[0].is_empty(), "rows on screen have theirs");
    assert!(app.findings[950].is_empty(), "off screen: after the frame");

    app.update(Msg::FinishFindings);
    assert!(!app.findings_partial);
    let all = crate::diagnose::findings_for_all(&crate::diagnose::Account {
        lines: app.lines.as_deref(),
        catalog: &app.catalog,
        catalog_from_server: app.catalog_from_server,
        subscriptions: &app.subscriptions,
        sandbox: app.connection.sandbox,
    });
    assert_eq!(app.findings, all);
    assert!(app.findings[900]
        .iter()
        .any(|f| f.code == "duplicate-target"));
    assert!(!app.findings[950].is_empty());

    // A refresh that is partial again, then `4` before the rest arrived: the Problems tab
    // is built from every row's findings at once.
    app.update(key('r'));
    let req = app.list_req.expect("refreshing").0;
    let mut again = many(1_000);
    again[950].target_url = "http://h950.test/x".into();
    app.update(Msg::Api {
        req,
        result: ApiResult::List {
            digest: None,
            at: test_now(),
            result: Ok(again),
        },
    });
    assert!(app.findings_partial);
    app.update(key('4'));
    assert!(!app.findings_partial);
    assert!(app
        .visible
        .iter()
        .any(|&i| app.subscriptions[i].id == "s950"));
}
