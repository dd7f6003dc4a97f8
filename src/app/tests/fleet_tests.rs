//! The Accounts view's counts and search across accounts, the command palette and `y`.

use super::*;

fn three_accounts() -> App {
    loaded(five()).with_accounts(
        vec![
            account("one", false),
            account("two", false),
            account("three", false),
        ],
        "one",
    )
}

fn read(app: &mut App, name: &str, result: Result<Vec<Subscription>, String>) {
    app.update(Msg::AccountRead {
        name: name.into(),
        at: NOW,
        result,
    });
}

#[test]
fn the_accounts_view_reads_every_other_account_once_and_shows_counts_or_why_not() {
    let mut app = three_accounts();
    let cmds = app.update(key('A'));
    assert_eq!(
        cmds,
        vec![Cmd::ReadAccounts {
            names: vec!["two".into(), "three".into()]
        }]
    );
    assert!(app.account_reading("two"));
    // Reopening while they load asks for nothing more.
    app.update(code(KeyCode::Esc));
    assert!(app.update(key('A')).is_empty());
    read(
        &mut app,
        "two",
        Ok(vec![
            sub("t1", 1, "https://hooks.acme.com/linq", true),
            sub("t2", 2, "http://plain.example.com/x", false),
        ]),
    );
    read(&mut app, "three", Err("the key was refused (401)".into()));
    let Some(Ok((counts, age))) = app.account_counts("two") else {
        panic!("two was read");
    };
    assert_eq!((counts.active, counts.paused), (1, 1));
    assert_eq!(counts.errors, 1, "http:// is an error finding");
    assert_eq!(age, Some(0));
    assert_eq!(
        app.account_counts("three"),
        Some(Err("the key was refused (401)".into()))
    );
    // The current account's counts are the live list's.
    let Some(Ok((live, None))) = app.account_counts("one") else {
        panic!("one is live");
    };
    assert_eq!((live.active, live.paused), (3, 2));
    // Cached for the session: opening again reads nothing.
    app.update(code(KeyCode::Esc));
    assert!(app.update(key('A')).is_empty());
    // A duplicate (late) answer changes nothing.
    read(&mut app, "two", Ok(Vec::new()));
    assert_eq!(
        app.account_counts("two")
            .and_then(Result::ok)
            .map(|c| c.0.active),
        Some(1)
    );
    let screen = rendered(&app, 140, 30);
    assert!(screen.contains("1 active · 1 paused ✖1"), "{screen}");
    assert!(
        screen.contains("✖ cannot read: the key was refused (401)"),
        "{screen}"
    );
}

#[test]
fn a_search_across_accounts_lands_on_the_subscription_of_the_right_account() {
    let mut app = three_accounts();
    app.update(key('A'));
    read(
        &mut app,
        "two",
        Ok(vec![sub("t1", 1, "https://hooks.acme.test/linq", true)]),
    );
    read(&mut app, "three", Ok(five()));
    app.update(key('/'));
    assert_eq!(app.context(), Context::AccountSearch);
    // `q` and `j` are text here, not quit or move.
    type_text(&mut app, "ACME");
    let Some(Modal::Accounts {
        search: Some(search),
        ..
    }) = &app.modal
    else {
        panic!("the search is open");
    };
    assert_eq!(search.hits.len(), 1);
    assert_eq!(search.hits[0].account, "two");
    // A URL every account has: the current one's live rows count too, in account order.
    app.update(ctrl('u'));
    type_text(&mut app, "bravo");
    let Some(Modal::Accounts {
        search: Some(search),
        ..
    }) = &app.modal
    else {
        panic!("the search is open");
    };
    let accounts: Vec<&str> = search.hits.iter().map(|h| h.account.as_str()).collect();
    assert_eq!(accounts, ["one", "three"]);
    // Enter on the second hit: switch to "three", then select "b" once its list is in.
    app.update(code(KeyCode::Down));
    let cmds = app.update(code(KeyCode::Enter));
    assert_eq!(
        cmds,
        vec![Cmd::SwitchAccount {
            name: "three".into()
        }]
    );
    app.update(Msg::Switched {
        to: "three".into(),
        result: Ok(connection(false)),
    });
    app.update(list_msg(list_req(&app), five()));
    assert_eq!(app.selected.as_deref(), Some("b"));
    assert_eq!(app.modal, None);
}

#[test]
fn a_hit_in_the_current_account_selects_it_even_behind_a_filter() {
    let mut app = three_accounts();
    app.update(key('3')); // paused only: "b" is not visible
    app.update(key('A'));
    app.update(key('/'));
    type_text(&mut app, "bravo");
    let cmds = app.update(code(KeyCode::Enter));
    assert!(cmds.is_empty(), "{cmds:?}");
    assert_eq!(app.selected.as_deref(), Some("b"));
    assert!(visible_ids(&app).contains(&"b"));
}

#[test]
fn the_palette_lists_the_context_actions_and_runs_the_same_as_the_key() {
    let mut app = loaded(five());
    let mut by_key = loaded(five());
    app.update(key(':'));
    assert_eq!(app.context(), Context::Palette);
    type_text(&mut app, "pause");
    let Some(Modal::Palette(palette)) = &app.modal else {
        panic!("the palette is open");
    };
    let entries = palette.entries(false);
    assert_eq!(
        entries[0].action,
        Action::TogglePause,
        "{:?}",
        entries.len()
    );
    let from_palette = app.update(code(KeyCode::Enter));
    let from_key = by_key.update(key('p'));
    assert_eq!(from_palette, from_key);
    assert_eq!(app.modal, None);
    // Read-only: write actions are not offered at all.
    let mut ro = loaded_with(connection(true), five());
    ro.update(key(':'));
    type_text(&mut ro, "delete");
    let Some(Modal::Palette(palette)) = &ro.modal else {
        panic!("the palette is open");
    };
    assert!(palette.entries(true).is_empty());
    assert!(rendered(&ro, 100, 30).contains("no action matches"));
}

#[test]
fn y_copies_marked_rows_as_tab_separated_lines_cleaned() {
    let mut app = loaded(vec![
        sub("a", 1, "https://alpha.test/hooks", true),
        sub("b", 2, "https://bra\u{1b}[2Jvo.test/hooks", false),
    ]);
    let cmds = app.update(key('y'));
    assert_eq!(
        cmds,
        vec![Cmd::Copy {
            text: "a\tactive\thttps://alpha.test/hooks\n".into(),
            what: "1 row".into()
        }]
    );
    app.update(key('*'));
    let cmds = app.update(key('y'));
    assert_eq!(
        cmds,
        vec![Cmd::Copy {
            text: "a\tactive\thttps://alpha.test/hooks\nb\tpaused\thttps://bra[2Jvo.test/hooks\n"
                .into(),
            what: "2 rows".into()
        }]
    );
}
