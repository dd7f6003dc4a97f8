//! The rotation steps as messages in, commands out: the pair found by its URL, finish
//! refused naming what changed, finish through the delete question, undo refused.

use super::super::{ApiResult, App, Cmd, Connection, Modal, Msg};
use crate::api::Subscription;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use time::macros::datetime;

const OLD: &str = "aaaaaaaa-0000-4000-8000-000000000001";
const NEW: &str = "bbbbbbbb-0000-4000-8000-000000000002";
const URL: &str = "https://hooks.acme.com/linq?version=2026-02-03";

fn sub(id: &str, url: &str) -> Subscription {
    Subscription {
        id: id.into(),
        created_at: datetime!(2026-01-01 14:02 UTC),
        updated_at: datetime!(2026-01-01 14:02 UTC),
        is_active: true,
        subscribed_events: vec!["message.sent".into(), "message.received".into()],
        target_url: url.into(),
        phone_numbers: None,
        routing_id_header: None,
        routing_key_header: None,
        unreadable: Default::default(),
    }
}

fn key(c: char) -> Msg {
    let modifiers = if c.is_ascii_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    Msg::Key(KeyEvent::new(KeyCode::Char(c), modifiers))
}

fn loaded(now: time::OffsetDateTime) -> App {
    let connection = Connection {
        base_url: "https://api.linqapp.com/api/partner".into(),
        sandbox: false,
        key_hint: None,
        read_only: false,
    };
    let mut app = App::new(connection, now, (100, 30));
    let cmds = app.init();
    let Some(Cmd::LoadList { req, .. }) = cmds.first() else {
        panic!("init lists first: {cmds:?}");
    };
    let list = vec![sub(OLD, URL), sub(NEW, &format!("{URL}&linq_rotation=1"))];
    app.update(Msg::Api {
        req: *req,
        result: ApiResult::List {
            digest: None,
            at: now,
            result: Ok(list),
        },
    });
    app
}

fn codes(app: &App, index: usize) -> Vec<&'static str> {
    app.findings[index].iter().map(|f| f.code).collect()
}

/// `y` in the delete dialog: the one delete it sends (of `id`), answered 204; its audit entry.
fn confirm_and_answer_delete(app: &mut App, expected: &str) -> crate::audit::AuditEntry {
    let cmds = app.update(key('y'));
    let [Cmd::Delete { req, id }] = cmds.as_slice() else {
        panic!("{cmds:?}");
    };
    assert_eq!(id, expected);
    let cmds = app.update(Msg::Api {
        req: *req,
        result: ApiResult::Deleted {
            id: id.clone(),
            result: Ok(()),
        },
    });
    cmds.into_iter()
        .find_map(|c| match c {
            Cmd::Audit { entry } => Some(*entry),
            _ => None,
        })
        .expect("audited")
}

fn reread_req(cmds: &[Cmd]) -> u64 {
    match cmds {
        [Cmd::RereadPair {
            req,
            old_id,
            new_id,
        }] if old_id == OLD && new_id == NEW => *req,
        other => panic!("expected a re-read of both: {other:?}"),
    }
}

#[test]
fn the_pair_is_shown_on_both_rows_with_its_finding_instead_of_duplicate_target() {
    let app = loaded(datetime!(2026-01-01 15:00 UTC));
    assert_eq!(app.rotation.pairs.len(), 1);
    for (i, id) in [OLD, NEW].into_iter().enumerate() {
        assert_eq!(app.rotation_of(id).map(|p| p.old_id.as_str()), Some(OLD));
        assert_eq!(codes(&app, i), ["rotation-in-progress"], "{id}");
        let finding = &app.findings[i][0];
        assert_eq!(finding.severity, crate::diagnose::Severity::Info);
        assert!(
            finding.message.contains("since 14:02"),
            "{}",
            finding.message
        );
    }
    // A day later it is a warning.
    let late = loaded(datetime!(2026-01-02 15:00 UTC));
    assert_eq!(
        late.findings[0][0].severity,
        crate::diagnose::Severity::Warning
    );
}

#[test]
fn finish_is_refused_naming_what_changed_and_deletes_nothing() {
    let mut app = loaded(datetime!(2026-01-01 15:00 UTC));
    assert!(app.update(key('R')).is_empty());
    assert!(matches!(app.modal, Some(Modal::RotationPair { .. })));
    let req = reread_req(&app.update(key('f')));
    let mut changed = sub(NEW, &format!("{URL}&linq_rotation=1"));
    changed.subscribed_events = vec!["message.sent".into()];
    let cmds = app.update(Msg::Api {
        req,
        result: ApiResult::PairReread {
            old: Box::new(Ok(Some(sub(OLD, URL)))),
            new: Box::new(Ok(Some(changed))),
        },
    });
    assert!(cmds.is_empty(), "{cmds:?}");
    assert_eq!(app.modal, None);
    let banner = app.banner.as_ref().map(|b| b.text.as_str()).unwrap_or("");
    assert!(banner.contains("Not finishing"), "{banner}");
    assert!(banner.contains("missing message.received"), "{banner}");
}

#[test]
fn finish_asks_the_delete_question_audits_both_ids_and_cannot_be_undone() {
    let mut app = loaded(datetime!(2026-01-01 15:00 UTC));
    app.update(key('R'));
    let req = reread_req(&app.update(key('f')));
    app.update(Msg::Api {
        req,
        result: ApiResult::PairReread {
            old: Box::new(Ok(Some(sub(OLD, URL)))),
            new: Box::new(Ok(Some(sub(NEW, &format!("{URL}&linq_rotation=1"))))),
        },
    });
    assert!(
        matches!(&app.modal, Some(Modal::ConfirmDelete { id, on_delete: false, .. }) if id == OLD),
        "{:?}",
        app.modal
    );
    let audit = confirm_and_answer_delete(&mut app, OLD);
    assert_eq!(audit.operation, "rotate-finish");
    let ids = audit.rotation.as_ref().expect("both ids");
    assert_eq!((ids.old_id.as_str(), ids.new_id.as_str()), (OLD, NEW));
    assert!(app.rotation.pairs.is_empty());
    assert!(app.subscriptions.iter().all(|s| s.id != OLD));

    let cmds = app.update(key('u'));
    assert!(cmds.is_empty(), "nothing re-created: {cmds:?}");
    let banner = app.banner.as_ref().map(|b| b.text.as_str()).unwrap_or("");
    assert!(banner.contains("cannot be undone"), "{banner}");
}

#[test]
fn abort_asks_before_deleting_the_new_one_and_audits_it_as_an_abort() {
    let mut app = loaded(datetime!(2026-01-01 15:00 UTC));
    app.update(key('R'));
    assert!(
        app.update(key('a')).is_empty(),
        "nothing sent before the answer"
    );
    assert!(
        matches!(&app.modal, Some(Modal::ConfirmDelete { id, on_delete: false, .. }) if id == NEW),
        "{:?}",
        app.modal
    );
    // Cancelled: nothing is deleted, and a later plain delete of the new one is no abort.
    assert!(app.update(key('n')).is_empty());
    assert_eq!(app.modal, None);
    assert_eq!(app.rotation.pairs.len(), 1);

    app.update(key('R'));
    app.update(key('a'));
    let audit = confirm_and_answer_delete(&mut app, NEW);
    assert_eq!(audit.operation, "rotate-abort");
    assert!(
        app.subscriptions.iter().any(|s| s.id == OLD),
        "the old one stays"
    );
    assert!(app.subscriptions.iter().all(|s| s.id != NEW));
}
