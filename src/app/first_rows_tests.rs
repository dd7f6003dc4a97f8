//! A large first list's first rows, shown while the rest is read (issue 16).

use super::tests::rendered;
use super::*;
use crate::api::FirstRows;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use time::macros::datetime;

const NOW: time::OffsetDateTime = datetime!(2026-11-27 12:00 UTC);

fn sub(i: usize, active: bool) -> Subscription {
    let created = datetime!(2026-01-01 00:00 UTC) + time::Duration::minutes(i as i64);
    Subscription {
        id: format!("sub-{i:05}"),
        created_at: created,
        updated_at: created,
        is_active: active,
        subscribed_events: vec!["message.sent".into()],
        target_url: format!("https://h{i}.example/hook"),
        phone_numbers: None,
        routing_id_header: None,
        routing_key_header: None,
        unreadable: Default::default(),
    }
}

/// 3,000 subscriptions, every third paused.
fn all() -> Vec<Subscription> {
    (0..3000).map(|i| sub(i, i % 3 != 0)).collect()
}

fn first(n: usize) -> FirstRows {
    FirstRows {
        rows: all().into_iter().take(n).collect(),
        active: 2000,
        paused: 1000,
    }
}

/// A dashboard that asked for its first list: the app and that request.
fn loading() -> (App, ReqId, Option<usize>) {
    let mut app = App::new(
        Connection {
            base_url: "http://127.0.0.1:4010/api/partner".into(),
            sandbox: true,
            key_hint: None,
            read_only: false,
        },
        NOW,
        (100, 30),
    );
    let (req, first_screen) = list_request(&app.init()).expect("a list request");
    (app, req, first_screen)
}

/// The list request among `cmds`, and how many first rows it wants.
fn list_request(cmds: &[Cmd]) -> Option<(ReqId, Option<usize>)> {
    cmds.iter().find_map(|c| match c {
        Cmd::LoadList {
            req, first_screen, ..
        } => Some((*req, *first_screen)),
        _ => None,
    })
}

/// What a list answer that does not read fails with.
fn decode_error() -> crate::api::ApiError {
    crate::api::ApiError::Decode {
        status: 200,
        detail: "expected value at line 1 column 9".into(),
        trace_id: None,
    }
}

fn first_rows(req: ReqId, first: FirstRows) -> Msg {
    Msg::Api {
        req,
        result: ApiResult::FirstRows(first),
    }
}

fn list(req: ReqId, result: Result<Vec<Subscription>, crate::api::ApiError>) -> Msg {
    Msg::Api {
        req,
        result: ApiResult::List {
            at: NOW,
            result,
            digest: None,
        },
    }
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

/// The rows a screen's list shows (a URL and a state on one line; the detail pane has
/// them on two).
fn rows_on(screen: &str) -> Vec<&str> {
    screen
        .lines()
        .filter(|l| l.contains(".example/hook") && (l.contains("active") || l.contains("paused")))
        .collect()
}

#[test]
fn the_first_list_asks_for_a_screen_of_rows_first_and_a_refresh_does_not() {
    let (mut app, req, first_screen) = loading();
    // As many as the whole list then shows, at this size and others.
    let plain = screen_after_a_plain_load();
    assert_eq!(first_screen, Some(rows_on(&plain).len() + 1));
    let mut tall = App::new(app.connection.clone(), NOW, (200, 50));
    let tall_screen = list_request(&tall.init()).and_then(|(_, rows)| rows);
    assert!(tall_screen > first_screen, "{tall_screen:?}");
    app.update(list(req, Ok(all())));
    let refresh = app.update(key('r'));
    assert!(
        refresh.iter().any(|c| matches!(
            c,
            Cmd::LoadList {
                first_screen: None,
                ..
            }
        )),
        "{refresh:?}"
    );
}

#[test]
fn first_rows_show_with_the_whole_lists_counts_then_the_list_takes_over() {
    let (mut app, req, first_screen) = loading();
    let n = first_screen.expect("asked");
    app.update(first_rows(req, first(n)));
    assert!(app.reading_rest());
    assert_eq!(app.subscriptions.len(), n);
    assert_eq!(app.selected.as_deref(), Some("sub-00000"));
    let screen = rendered(&app, 100, 30);
    assert!(screen.contains("2000 active · 1000 paused"), "{screen}");
    assert!(screen.contains("All (3000)"), "{screen}");
    assert!(screen.contains("Subscriptions (3000)"), "{screen}");
    assert!(!screen.contains("Loading"), "{screen}");
    // The same rows the whole list shows first, the screen full.
    assert_eq!(rows_on(&screen), rows_on(&screen_after_a_plain_load()));
    // Findings of every row come with the whole list, not from the first rows.
    app.update(Msg::FinishFindings);
    assert!(app.findings_partial);

    app.update(list(req, Ok(all())));
    assert!(!app.reading_rest());
    assert_eq!(app.startup, Startup::Ready);
    assert_eq!(app.subscriptions.len(), 3000);
    assert_eq!(app.selected.as_deref(), Some("sub-00000"));
    assert_eq!(rendered(&app, 100, 30), screen_after_a_plain_load());
}

/// The screen of the same list loaded without first rows.
fn screen_after_a_plain_load() -> String {
    let (mut app, req, _) = loading();
    app.update(list(req, Ok(all())));
    rendered(&app, 100, 30)
}

#[test]
fn first_rows_are_not_shown_when_what_shows_needs_every_rows_findings_or_when_late() {
    // A tab chosen while loading: which rows show depends on all findings.
    let (mut app, req, _) = loading();
    app.update(key('4'));
    app.update(first_rows(req, first(31)));
    assert!(!app.reading_rest());
    assert!(app.subscriptions.is_empty());

    // An answer to an older request.
    let (mut app, req, _) = loading();
    app.update(first_rows(req + 100, first(31)));
    assert!(!app.reading_rest());

    // After the list: nothing to do.
    let (mut app, req, _) = loading();
    app.update(list(req, Ok(all())));
    app.update(first_rows(req, first(31)));
    assert_eq!(app.subscriptions.len(), 3000);
    assert_eq!(app.startup, Startup::Ready);
}

#[test]
fn a_list_that_fails_after_its_first_rows_leaves_no_row_to_act_on() {
    let (mut app, req, _) = loading();
    app.update(first_rows(req, first(31)));
    app.update(list(req, Err(decode_error())));
    assert!(matches!(app.startup, Startup::Failed { .. }));
    assert!(app.subscriptions.is_empty() && app.visible.is_empty());
    assert_eq!(app.selected, None);
    assert_eq!(app.counts, Counts::default());
    // `p` has nothing to pause.
    assert!(!app
        .update(key('p'))
        .iter()
        .any(|c| matches!(c, Cmd::Update { .. })));
}

#[test]
fn keys_wait_for_the_whole_list_and_quitting_does_not() {
    let (mut app, req, first_screen) = loading();
    app.update(first_rows(req, first(first_screen.expect("asked"))));
    // `G` and a pause wait: they would act on a part of the list.
    assert!(app.update(key('G')).iter().all(|c| *c == Cmd::AfterFrame));
    assert!(app.update(key('p')).iter().all(|c| *c == Cmd::AfterFrame));
    assert_eq!(app.selected.as_deref(), Some("sub-00000"));
    // The whole list: then `G` goes to its last row, and `p` pauses that one.
    let cmds = app.update(list(req, Ok(all())));
    assert_eq!(app.selected.as_deref(), Some("sub-02999"));
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Cmd::Update { id, .. } if id == "sub-02999")),
        "{cmds:?}"
    );

    // `q` quits at once.
    let (mut app, req, first_screen) = loading();
    app.update(first_rows(req, first(first_screen.expect("asked"))));
    assert!(app.update(key('q')).contains(&Cmd::Quit));
}

#[test]
fn answers_while_the_first_rows_show_keep_the_whole_lists_counts() {
    let (mut app, req, first_screen) = loading();
    app.update(first_rows(req, first(first_screen.expect("asked"))));
    let catalog = crate::api::EventCatalog {
        doc_url: "https://docs.test".into(),
        events: vec!["message.sent".into(), "message.received".into()],
    };
    let catalog_req = app.catalog_req.expect("the catalogue was asked for");
    app.update(Msg::Api {
        req: catalog_req,
        result: ApiResult::Catalog(Ok(catalog)),
    });
    assert!(app.catalog_from_server, "the answer was taken");
    assert_eq!(
        app.counts,
        Counts {
            active: 2000,
            paused: 1000
        }
    );
    assert!(
        app.findings_partial,
        "every row's findings come with the list"
    );
}

#[test]
fn another_list_request_while_the_first_rows_show_forgets_them_and_lets_keys_go() {
    let (mut app, req, first_screen) = loading();
    app.update(first_rows(req, first(first_screen.expect("asked"))));
    app.update(key('j'));
    // A write landed: its list replaces this one, whose answer will not be shown.
    let cmd = app.load_list(true);
    assert!(!app.reading_rest());
    assert_eq!(app.startup, Startup::Loading);
    assert!(app.subscriptions.is_empty() && app.selected.is_none());
    assert!(matches!(
        cmd,
        Cmd::LoadList {
            first_screen: Some(_),
            ..
        }
    ));
    // What was held goes with the next update (here: `j` on no rows).
    app.update(Msg::Tick { now: NOW });
    assert!(app.held.is_empty());
}

#[test]
fn a_retry_after_a_failed_start_shows_first_rows_too() {
    let (mut app, req, _) = loading();
    app.update(list(req, Err(decode_error())));
    assert!(matches!(app.startup, Startup::Failed { .. }));
    let (again, first_screen) = list_request(&app.update(key('r'))).expect("r asks again");
    let n = first_screen.expect("nothing is shown: first rows are wanted");
    app.update(first_rows(again, first(n)));
    assert!(app.reading_rest());
    app.update(list(again, Ok(all())));
    assert_eq!(app.startup, Startup::Ready);
}
