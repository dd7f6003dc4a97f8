//! Issue 15: writes in flight at an account switch are audited to the account they were
//! sent to; `u` never undoes an older change than the one it claims; `u` works inside the
//! bulk summary; a deleted paused subscription comes back paused; `H` shows a bulk change
//! as one row.

use super::*;

fn audits(cmds: &[Cmd]) -> Vec<&crate::audit::AuditEntry> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::Audit { entry } => Some(&**entry),
            _ => None,
        })
        .collect()
}

fn paused(id: &str) -> Subscription {
    let mut s = five().into_iter().find(|s| s.id == id).unwrap();
    s.is_active = false;
    s
}

fn switch_to_two(app: &mut App) {
    app.update(key('A'));
    app.update(key('j'));
    app.update(code(KeyCode::Enter));
    if matches!(app.modal, Some(Modal::ConfirmSwitch { .. })) {
        app.update(key('y'));
    }
    app.update(Msg::Switched {
        to: "two".into(),
        result: Ok(Connection {
            base_url: "https://two.test/api/partner".into(),
            sandbox: false,
            key_hint: Some("…2222".into()),
            read_only: false,
        }),
    });
    assert_eq!(app.current_account().map(|a| a.name.as_str()), Some("two"));
}

#[test]
fn writes_in_flight_at_a_switch_are_audited_to_the_account_they_were_sent_to() {
    let mut app = two_accounts();
    // An older change, which u must not take back later.
    select(&mut app, "d");
    app.update(key('p'));
    let d = pending_req(&app, "d");
    let mut resumed = five()[3].clone();
    resumed.is_active = true;
    app.update(updated_msg(d, "d", Ok(resumed)));
    assert!(app.undo.is_some());
    bulk_pause_abc(&mut app);
    let reqs: Vec<ReqId> = ["a", "b", "c"]
        .iter()
        .map(|id| pending_req(&app, id))
        .collect();
    switch_to_two(&mut app);
    let new_list = list_req(&app);
    app.update(list_msg(
        new_list,
        vec![sub("z", 1, "https://zulu.test/x", true)],
    ));

    // Two answers arrive late: each is recorded, on account one, and changes nothing here.
    let first = app.update(updated_msg(reqs[0], "a", Ok(paused("a"))));
    let second = app.update(updated_msg(reqs[1], "b", Err(linq_error(500, 3006, "t-b"))));
    let entries: Vec<_> = audits(&first).into_iter().chain(audits(&second)).collect();
    assert_eq!(entries.len(), 2, "{first:?} {second:?}");
    for e in &entries {
        assert_eq!(e.account.name, "one");
        assert_eq!(e.operation, "pause");
        assert!(e.batch.is_some());
    }
    assert_eq!(entries[0].batch, entries[1].batch, "one bulk change");
    assert!(entries[0].outcome.ok);
    assert_eq!(entries[1].outcome.status, Some(500));
    assert_eq!(ids(&app), ["z"], "the new account's list is untouched");
    assert!(app.modal.is_none() && app.batch.is_none());

    // u on the new account takes nothing back (not the old account's older resume).
    let cmds = app.update(key('u'));
    assert!(cmds.is_empty(), "{cmds:?}");
    assert!(app
        .banner
        .as_ref()
        .is_some_and(|b| b.text.starts_with("Nothing to undo")));

    // The third never answers: at quit it is recorded as unknown, to account one.
    let cmds = app.update(key('q'));
    let last = audits(&cmds);
    assert_eq!(last.len(), 1, "{cmds:?}");
    assert_eq!(last[0].subscription_id.as_deref(), Some("c"));
    assert_eq!(last[0].account.name, "one");
    assert!(last[0].outcome.unknown && !last[0].outcome.ok);
    assert_eq!(last[0].outcome_text(), "unknown");
}

#[test]
fn u_during_a_bulk_change_does_not_reach_past_it_to_an_older_change() {
    let mut app = loaded(five());
    select(&mut app, "d");
    app.update(key('p'));
    let d = pending_req(&app, "d");
    let mut resumed = five()[3].clone();
    resumed.is_active = true;
    app.update(updated_msg(d, "d", Ok(resumed)));
    bulk_pause_abc(&mut app);
    let cmds = app.update(key('u'));
    assert!(
        cmds.is_empty(),
        "the resume of d is not the last change: {cmds:?}"
    );
    assert!(app
        .banner
        .as_ref()
        .is_some_and(|b| b.text.contains("once it is finished")));
}

#[test]
fn u_in_the_bulk_summary_undoes_what_went_through() {
    let mut app = loaded(five());
    bulk_pause_abc(&mut app);
    for id in ["a", "b", "c"] {
        let req = pending_req(&app, id);
        app.update(updated_msg(req, id, Ok(paused(id))));
    }
    assert!(matches!(
        app.modal,
        Some(Modal::BulkSummary { undoable: true, .. })
    ));
    let cmds = app.update(key('u'));
    assert!(
        matches!(cmds.as_slice(), [Cmd::LoadList { .. }]),
        "u checks the list, then undoes: {cmds:?}"
    );
    assert_eq!(app.modal, None, "the summary closes");
}

#[test]
fn after_a_bulk_delete_u_does_not_undo_an_older_change() {
    let mut app = loaded(five());
    select(&mut app, "b");
    app.update(key('p'));
    let req = pending_req(&app, "b");
    app.update(updated_msg(req, "b", Ok(paused("b"))));
    for id in ["d", "e"] {
        select(&mut app, id);
        app.update(key(' '));
    }
    app.update(ctrl('d'));
    app.update(key('2'));
    app.update(code(KeyCode::Enter));
    for id in ["d", "e"] {
        let req = pending_req(&app, id);
        app.update(deleted_msg(req, id, Ok(())));
    }
    assert!(matches!(
        app.modal,
        Some(Modal::BulkSummary {
            undoable: false,
            ..
        })
    ));
    let cmds = app.update(key('u'));
    assert!(
        cmds.is_empty(),
        "the pause of b is not the last change: {cmds:?}"
    );
    assert!(app
        .banner
        .as_ref()
        .is_some_and(|b| b.text.starts_with("Nothing to undo")));
}

#[test]
fn undo_of_a_deleted_paused_subscription_creates_it_again_paused() {
    let mut app = loaded(five());
    let req = delete(&mut app, "d");
    let cmds = app.update(deleted_msg(req, "d", Ok(())));
    let batch_of_delete = audits(&cmds)[0].batch.clone();
    assert_eq!(batch_of_delete, None, "a single delete is no bulk change");
    app.update(key('u'));
    let cmds = app.update(key('y'));
    let [Cmd::Create { req, body }] = cmds.as_slice() else {
        panic!("{cmds:?}");
    };
    assert_eq!(body.target_url, "https://delta.test/hooks");
    let new_id = "f0000000-0000-4000-8000-000000000001";
    let mut created = five()[3].clone();
    created.id = new_id.into();
    created.is_active = true;
    let secret = crate::api::SigningSecret::new(
        "whsec_TESTONLYxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx".into(), // fake, not a real secret
    ); // fake fixture
    let cmds = app.update(Msg::Api {
        req: *req,
        result: ApiResult::Created {
            target_url: body.target_url.clone(),
            result: Ok(crate::api::CreatedSubscription {
                subscription: created.clone(),
                signing_secret: secret,
            }),
        },
    });
    // Recorded as the undo of the delete, with the new id; then paused as it was.
    let entries = audits(&cmds);
    assert_eq!(entries.len(), 1, "{cmds:?}");
    assert_eq!(entries[0].operation, "undo-delete");
    assert_eq!(entries[0].subscription_id.as_deref(), Some(new_id));
    assert_eq!(entries[0].changes["id"]["before"], "d");
    assert_eq!(entries[0].changes["id"]["after"], new_id);
    let pause = cmds
        .iter()
        .find_map(|c| match c {
            Cmd::Update { req, id, patch } if id == new_id => Some((*req, patch.clone())),
            _ => None,
        })
        .expect("pauses the new one");
    assert_eq!(pause.1, SubscriptionPatch::pause(false));
    let dialog = app.secret_dialog.as_ref().expect("the new secret, once");
    let note = dialog.note.clone().unwrap_or_default();
    assert!(note.contains(new_id) && note.contains("(was d)"), "{note}");
    assert!(note.contains("paus"), "{note}");

    let mut now_paused = created;
    now_paused.is_active = false;
    let cmds = app.update(updated_msg(pause.0, new_id, Ok(now_paused)));
    let entries = audits(&cmds);
    assert_eq!(entries.len(), 1, "{cmds:?}");
    assert_eq!(entries[0].operation, "undo-delete");
    assert_eq!(entries[0].changes["is_active"]["after"], false);
    assert!(entries[0].batch.is_some());
    let row = app.subscriptions.iter().find(|s| s.id == new_id).unwrap();
    assert!(!row.is_active, "paused, as it was");
    assert!(
        app.undo.is_none(),
        "u does not resume it as if that were a change"
    );
}

#[test]
fn h_shows_a_bulk_change_as_one_row_and_enter_opens_it() {
    let mut app = loaded(five());
    bulk_pause_abc(&mut app);
    let mut entries = Vec::new();
    for id in ["a", "b", "c"] {
        let req = pending_req(&app, id);
        entries.extend(
            audits(&app.update(updated_msg(req, id, Ok(paused(id)))))
                .into_iter()
                .cloned(),
        );
    }
    app.update(code(KeyCode::Esc));
    let cmds = app.update(key('H'));
    assert!(matches!(cmds.as_slice(), [Cmd::LoadHistory { .. }]));
    entries.reverse();
    app.update(Msg::History(Ok(crate::audit::Trail {
        entries,
        unreadable: 0,
    })));
    let Some(Modal::History(view)) = &app.modal else {
        panic!("{:?}", app.modal);
    };
    assert_eq!(view.rows().len(), 1, "one row for the bulk pause");
    app.update(code(KeyCode::Enter));
    let Some(Modal::History(view)) = &app.modal else {
        panic!();
    };
    assert_eq!(view.rows().len(), 4, "the row and its three entries");
    let screen = rendered(&app, 100, 30);
    assert!(screen.contains("▾ pause ×3 · 3 ok"), "{screen}");
    assert!(screen.contains("└"), "{screen}");
}
