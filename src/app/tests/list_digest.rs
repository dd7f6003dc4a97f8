//! Issue 16: a refresh names the digest of the answer the rows shown were read from; an
//! answer with that digest is not decoded again. Anything that changed the rows since
//! (a write's answer, an optimistic pause) makes the next list a full one.

use super::*;

fn digested_list(req: ReqId, at: OffsetDateTime, subs: Vec<Subscription>, digest: u64) -> Msg {
    Msg::Api {
        req,
        result: ApiResult::List {
            at,
            result: Ok(subs),
            digest: Some(digest),
        },
    }
}

fn unchanged(req: ReqId, at: OffsetDateTime) -> Msg {
    Msg::Api {
        req,
        result: ApiResult::ListUnchanged { at },
    }
}

fn unless(cmds: &[Cmd]) -> Option<u64> {
    match cmds {
        [Cmd::LoadList { unless, .. }] => *unless,
        other => panic!("one list request expected: {other:?}"),
    }
}

/// `p` on `id`, and the server's answer to it: the row paused, as the server returns it.
fn pause_answered(app: &mut App, id: &str) -> Subscription {
    select(app, id);
    app.update(key('p'));
    let req = pending_req(app, id);
    let mut paused = five().into_iter().find(|s| s.id == id).unwrap();
    paused.is_active = false;
    app.update(updated_msg(req, id, Ok(paused.clone())));
    paused
}

/// Loaded from an answer whose digest was 7.
fn loaded_digest_7() -> App {
    let mut app = App::new(connection(false), NOW, (100, 30));
    let first = app.init();
    assert_eq!(unless(&first[..1]), None, "the first list is always read");
    let req = list_req(&app);
    app.update(digested_list(req, NOW, five(), 7));
    app
}

#[test]
fn an_unchanged_answer_keeps_the_rows_and_moves_the_refresh_time() {
    let mut app = loaded_digest_7();
    let rows_before = app.subscriptions.clone();
    let cmds = app.update(key('r'));
    assert_eq!(unless(&cmds), Some(7));
    let later = NOW + time::Duration::minutes(5);
    let cmds = app.update(unchanged(list_req(&app), later));
    assert!(cmds.is_empty(), "{cmds:?}");
    assert_eq!(app.subscriptions, rows_before);
    assert_eq!(app.last_refresh, Some(later));
    assert_eq!(app.list_req, None);
    // Still the same rows: the next refresh names the digest again.
    assert_eq!(unless(&app.update(key('r'))), Some(7));
}

#[test]
fn a_changed_answer_is_applied_and_its_digest_named_next() {
    let mut app = loaded_digest_7();
    app.update(key('r'));
    let mut changed = five();
    changed[0].is_active = !changed[0].is_active;
    app.update(digested_list(list_req(&app), NOW, changed.clone(), 8));
    assert_eq!(ids(&app), vec!["a", "b", "c", "d", "e"]);
    assert_eq!(app.subscriptions[0].is_active, changed[0].is_active);
    assert_eq!(unless(&app.update(key('r'))), Some(8));
}

#[test]
fn a_write_answered_since_the_list_makes_the_next_list_a_full_one() {
    let mut app = loaded_digest_7();
    pause_answered(&mut app, "b");
    assert_eq!(unless(&app.update(key('r'))), None);
}

#[test]
fn a_list_answered_while_a_write_is_in_flight_is_not_the_answer_s_rows() {
    let mut app = loaded_digest_7();
    select(&mut app, "b");
    app.update(key('p'));
    app.update(key('r'));
    // The server's older view, with "b" still active: the row keeps its optimistic state.
    app.update(digested_list(list_req(&app), NOW, five(), 9));
    assert!(!app.selected_subscription().unwrap().is_active);
    assert_eq!(unless(&app.update(key('r'))), None);
}

#[test]
fn rows_changed_while_an_unchanged_answer_travelled_are_read_again() {
    let mut app = loaded_digest_7();
    let cmds = app.update(key('r'));
    assert_eq!(unless(&cmds), Some(7));
    let asked = list_req(&app);
    // An optimistic pause changes the rows before the answer is in.
    select(&mut app, "c");
    app.update(key('p'));
    let cmds = app.update(unchanged(asked, NOW));
    assert_eq!(unless(&cmds), None, "read again, in full: {cmds:?}");
    assert_ne!(list_req(&app), asked);
    assert!(!app.selected_subscription().unwrap().is_active);
}

#[test]
fn an_unchanged_answer_to_a_superseded_request_is_ignored() {
    let mut app = loaded_digest_7();
    app.update(key('r'));
    let asked = list_req(&app);
    let cmds = app.update(unchanged(asked + 100, NOW + time::Duration::minutes(1)));
    assert!(cmds.is_empty());
    assert_eq!(app.list_req.map(|(r, _)| r), Some(asked));
    assert_eq!(app.last_refresh, Some(NOW));
}

#[test]
fn an_undo_waiting_for_an_unchanged_list_waits_for_the_one_read_again() {
    let mut app = loaded_digest_7();
    // Pause "b", answered; then an auto-refresh reads the list with "b" paused (digest 8).
    let mut paused = five();
    paused[1] = pause_answered(&mut app, "b");
    app.update(key('r'));
    app.update(digested_list(list_req(&app), NOW, paused.clone(), 8));
    // `u` checks the list first, naming digest 8.
    let cmds = app.update(key('u'));
    assert_eq!(unless(&cmds), Some(8));
    let asked = list_req(&app);
    // A pause of "d" changes the rows before that list answers unchanged.
    select(&mut app, "d");
    app.update(key('p'));
    let cmds = app.update(unchanged(asked, NOW));
    assert_eq!(unless(&cmds), None);
    let again = list_req(&app);
    assert_ne!(again, asked);
    // The undo goes on with the list read again: "b" is resumed.
    let mut now = paused;
    now[3].is_active = false;
    let cmds = app.update(digested_list(again, NOW, now, 9));
    assert!(
        cmds.iter().any(|c| matches!(
            c,
            Cmd::Update { id, patch, .. } if id == "b" && *patch == SubscriptionPatch::pause(true)
        )),
        "{cmds:?}"
    );
}
