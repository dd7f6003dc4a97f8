//! `update` tests of the create/edit form, the secret dialog and lost-create recovery.
//!
//! State in, `Msg` in, assert the state and the exact `Cmd`s (and for saves, the exact JSON
//! body the client would send).

use super::forms::{CheckRow, FormField, FormPrompt};
use super::*;
use crate::api::error::LinqFailure;
use crate::api::{ApiError, SubscriptionPatch};
use crate::api::{CreatedSubscription, NewSubscription, Reputation, SigningSecret};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use keymap::Context;
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
/// Obviously fake; the tests assert it never shows up in `Debug` output.
const SECRET: &str = "whsec_TESTONLYxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"; // fake fixture
const TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
const NEW_URL: &str = "https://new.example/hook";
const MESSAGE_EVENTS: [&str; 6] = [
    "message.sent",
    "message.received",
    "message.read",
    "message.delivered",
    "message.failed",
    "message.edited",
];

fn connection() -> Connection {
    Connection {
        base_url: "http://127.0.0.1:4010/api/partner".into(),
        sandbox: true,
        key_hint: None,
        read_only: false,
    }
}

fn sub(id: &str, minute: i64, url: &str, events: &[&str], phones: Option<&[&str]>) -> Subscription {
    let created = datetime!(2026-01-01 00:00 UTC) + Duration::minutes(minute);
    Subscription {
        id: id.into(),
        created_at: created,
        updated_at: created,
        is_active: true,
        subscribed_events: events.iter().map(|e| (*e).into()).collect(),
        target_url: url.into(),
        phone_numbers: phones.map(|p| p.iter().map(|n| n.to_string()).collect()),
        routing_id_header: None,
        routing_key_header: None,
        unreadable: Default::default(),
    }
}

/// Three subscriptions; `one` is selected first.
fn three() -> Vec<Subscription> {
    vec![
        sub(
            "one",
            1,
            "https://one.example/hook",
            &["message.sent", "message.received"],
            None,
        ),
        sub(
            "two",
            2,
            "https://two.example/hook",
            &["message.sent"],
            Some(&["+12025550143"]),
        ),
        sub(
            "three",
            3,
            "https://three.example/hook",
            &["chat.created"],
            None,
        ),
    ]
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

fn tab() -> Msg {
    code(KeyCode::Tab)
}

fn back_tab() -> Msg {
    press(KeyCode::BackTab, KeyModifiers::SHIFT)
}

fn esc() -> Msg {
    code(KeyCode::Esc)
}

fn enter() -> Msg {
    code(KeyCode::Enter)
}

fn space() -> Msg {
    key(' ')
}

fn type_text(app: &mut App, text: &str) -> Vec<Cmd> {
    text.chars().flat_map(|c| app.update(key(c))).collect()
}

fn times(app: &mut App, n: usize, msg: impl Fn() -> Msg) {
    for _ in 0..n {
        assert!(app.update(msg()).is_empty());
    }
}

fn loaded(subs: Vec<Subscription>) -> App {
    let mut app = App::new(connection(), NOW, (100, 30));
    app.init();
    let (req, _) = app.list_req.expect("list request");
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

fn form(app: &App) -> &Form {
    app.form.as_ref().expect("the form is open")
}

/// `n` on the list: the create form opens; the account's lines were asked for once, at
/// start. Returns that request, for the test to answer.
fn open_create(app: &mut App) -> ReqId {
    let cmds = app.update(key('n'));
    assert!(form(app).original().is_none());
    assert!(cmds.is_empty(), "the lines are not asked twice: {cmds:?}");
    app.lines_req.expect("the lines are on their way")
}

/// Selects `id` in the list and presses `e`.
fn open_edit(app: &mut App, id: &str) {
    app.update(key('g'));
    while app.selected.as_deref() != Some(id) {
        let before = app.selected.clone();
        app.update(key('j'));
        assert_ne!(app.selected, before, "{id} is not in the list");
    }
    app.update(key('e'));
    assert_eq!(
        form(app).original().map(|o| o.id.as_str()),
        Some(id),
        "e opened the edit form of {id}"
    );
}

fn line(number: &str) -> PhoneNumber {
    PhoneNumber {
        id: format!("line-{number}"),
        phone_number: number.into(),
        reputation: Some(Reputation {
            status: "HEALTHY".into(),
            doc_url: None,
        }),
        forwarding_number: None,
        line_type: Some("iMessage".into()),
    }
}

fn lines_msg(req: ReqId, numbers: &[&str]) -> Msg {
    Msg::Api {
        req,
        result: ApiResult::Lines(Ok(numbers.iter().map(|n| line(n)).collect())),
    }
}

fn linq(status: u16, code: u32, message: &str) -> ApiError {
    ApiError::Linq(LinqFailure {
        status,
        code: Some(code),
        message: message.into(),
        trace_id: Some(TRACE.into()),
        ..LinqFailure::default()
    })
}

fn duplicate_url() -> ApiError {
    linq(
        409,
        2015,
        "A webhook subscription with this target_url already exists",
    )
}

fn created_msg(req: ReqId, subscription: Subscription) -> Msg {
    Msg::Api {
        req,
        result: ApiResult::Created {
            target_url: subscription.target_url.clone(),
            result: Ok(CreatedSubscription {
                subscription,
                signing_secret: SigningSecret::new(SECRET.into()),
            }),
        },
    }
}

fn create_failed_msg(req: ReqId, url: &str, err: ApiError) -> Msg {
    Msg::Api {
        req,
        result: ApiResult::Created {
            target_url: url.into(),
            result: Err(err),
        },
    }
}

fn saved_msg(req: ReqId, result: Result<Subscription, ApiError>) -> Msg {
    Msg::Api {
        req,
        result: ApiResult::Saved { result },
    }
}

fn list_msg(req: ReqId, subs: Vec<Subscription>) -> Msg {
    Msg::Api {
        req,
        result: ApiResult::List {
            digest: None,
            at: NOW,
            result: Ok(subs),
        },
    }
}

fn selected_events(app: &App) -> Vec<&str> {
    form(app)
        .events
        .selected
        .iter()
        .map(String::as_str)
        .collect()
}

fn sorted(events: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = events.iter().map(|e| e.to_string()).collect();
    v.sort();
    v
}

/// Fills a valid create form: URL, then Space on the `message.*` group header.
fn fill_create(app: &mut App, url: &str) {
    type_text(app, url);
    app.update(tab());
    assert!(matches!(
        app.checklist_row(),
        Some(CheckRow::Group { ref prefix, .. }) if prefix == "message"
    ));
    app.update(space());
}

/// Ctrl-S on a valid create form: the one `Cmd::Create`.
fn save_create(app: &mut App) -> (ReqId, NewSubscription) {
    let cmds = app.update(ctrl('s'));
    match cmds.as_slice() {
        [Cmd::Create { req, body }] => (*req, body.clone()),
        other => panic!("Ctrl-S did not create: {other:?}"),
    }
}

/// Ctrl-S then `y` on an edit form: the diff shown and the one `Cmd::Save`.
fn save_edit(app: &mut App) -> (String, ReqId, String, SubscriptionPatch) {
    assert!(app.update(ctrl('s')).is_empty(), "nothing is sent before y");
    let diff = match &form(app).prompt {
        Some(FormPrompt::ConfirmSave { diff }) => diff.clone(),
        other => panic!("no save prompt: {other:?}"),
    };
    assert_eq!(app.context(), Context::SavePrompt);
    let cmds = app.update(key('y'));
    match cmds.as_slice() {
        [Cmd::Save { req, id, patch }] => (diff, *req, id.clone(), patch.clone()),
        other => panic!("y did not save: {other:?}"),
    }
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap()
}

fn assert_no_secret(app: &App) {
    let debug = format!("{app:?}");
    assert!(
        !debug.contains(SECRET) && !debug.contains("TESTONLY"),
        "the secret leaked into Debug output"
    );
}

// ------------------------------------------------------------------- navigation, dirty

#[test]
fn tab_and_shift_tab_cycle_through_the_fields() {
    let mut app = loaded(three());
    open_create(&mut app);
    assert_eq!(form(&app).field, FormField::Url);
    assert_eq!(app.context(), Context::FormUrl);
    let mut seen = Vec::new();
    for _ in 0..4 {
        app.update(tab());
        seen.push(form(&app).field);
    }
    assert_eq!(
        seen,
        [
            FormField::Events,
            FormField::Phones,
            FormField::Routing,
            FormField::Url
        ]
    );
    let mut seen = Vec::new();
    for _ in 0..4 {
        app.update(back_tab());
        seen.push(form(&app).field);
    }
    assert_eq!(
        seen,
        [
            FormField::Routing,
            FormField::Phones,
            FormField::Events,
            FormField::Url
        ]
    );
    // BackTab without SHIFT (some terminals) works too.
    app.update(code(KeyCode::BackTab));
    assert_eq!(form(&app).field, FormField::Routing);
    assert_eq!(app.context(), Context::Routing);
}

#[test]
fn fresh_create_form_is_clean_and_typing_makes_it_dirty() {
    let mut app = loaded(three());
    open_create(&mut app);
    assert!(!form(&app).is_dirty());
    type_text(&mut app, "h");
    assert!(form(&app).is_dirty());
    app.update(code(KeyCode::Backspace));
    assert!(!form(&app).is_dirty(), "back to empty is clean again");

    app.update(tab());
    app.update(space());
    assert!(form(&app).is_dirty(), "a picked event is a change");
}

#[test]
fn edit_form_is_clean_until_a_change_and_a_reverted_change_is_clean_again() {
    let mut app = loaded(three());
    open_edit(&mut app, "two");
    let f = form(&app);
    assert_eq!(f.url.value(), "https://two.example/hook");
    assert_eq!(f.phones.numbers, ["+12025550143"]);
    assert!(!f.is_dirty());

    // URL: a character typed, then deleted.
    type_text(&mut app, "x");
    assert!(form(&app).is_dirty());
    app.update(code(KeyCode::Backspace));
    assert!(!form(&app).is_dirty());

    // Events: one toggled twice.
    app.update(tab());
    times(&mut app, 3, || key('j'));
    assert_eq!(
        app.checklist_row(),
        Some(CheckRow::Event {
            name: "message.read".into(),
            unknown: false
        })
    );
    app.update(space());
    assert!(form(&app).is_dirty());
    app.update(space());
    assert!(!form(&app).is_dirty());

    // Phones: one added, then removed again.
    app.update(tab());
    app.update(key('a'));
    type_text(&mut app, "+447700900123");
    app.update(enter());
    assert!(form(&app).is_dirty());
    app.update(key('d'));
    assert_eq!(form(&app).phones.numbers, ["+12025550143"]);
    assert!(!form(&app).is_dirty());

    // So Esc leaves without asking.
    app.update(esc());
    assert!(app.form.is_none());
}

#[test]
fn esc_on_a_clean_form_closes_it() {
    let mut app = loaded(three());
    open_create(&mut app);
    assert!(app.update(esc()).is_empty());
    assert!(app.form.is_none());
    assert_eq!(app.context(), Context::List);

    open_edit(&mut app, "one");
    app.update(tab());
    app.update(esc());
    assert!(app.form.is_none());
    assert_eq!(app.subscriptions, three(), "leaving changes nothing");
}

#[test]
fn esc_on_a_dirty_form_asks_n_keeps_editing_and_y_discards() {
    let mut app = loaded(three());
    open_create(&mut app);
    type_text(&mut app, "https://draft.example");
    app.update(esc());
    assert_eq!(form(&app).prompt, Some(FormPrompt::Discard));
    assert_eq!(app.context(), Context::DiscardPrompt);

    app.update(key('n'));
    assert_eq!(form(&app).prompt, None);
    assert_eq!(form(&app).url.value(), "https://draft.example");
    assert_eq!(app.context(), Context::FormUrl);

    // Esc in the prompt also keeps editing.
    app.update(esc());
    app.update(esc());
    assert_eq!(form(&app).prompt, None);
    assert!(app.form.is_some());

    app.update(esc());
    assert!(app.update(key('y')).is_empty());
    assert!(app.form.is_none());
    assert!(!app.quitting);
}

#[test]
fn q_typed_in_the_url_field_types_q_and_does_not_quit() {
    let mut app = loaded(three());
    open_create(&mut app);
    let cmds = type_text(&mut app, "https://q.example/?q=1");
    assert!(cmds.is_empty(), "{cmds:?}");
    assert!(!app.quitting);
    assert_eq!(form(&app).url.value(), "https://q.example/?q=1");
    // Also in the edit form, and `e`/`n`/`p` are just letters there.
    app.update(esc());
    app.update(key('y'));
    open_edit(&mut app, "one");
    app.update(code(KeyCode::End));
    type_text(&mut app, "qenp");
    assert!(!app.quitting);
    assert_eq!(form(&app).url.value(), "https://one.example/hookqenp");
    // Ctrl-C still quits from a text field.
    assert_eq!(app.update(ctrl('c')), vec![Cmd::Quit]);
}

#[test]
fn paste_into_the_url_field_is_cleaned_of_control_characters() {
    let mut app = loaded(three());
    open_create(&mut app);
    app.update(Msg::Paste("https://p.example/\u{1b}[31mhook\n".into()));
    assert_eq!(form(&app).url.value(), "https://p.example/[31mhook ");
}

#[test]
fn a_huge_paste_is_cut_to_the_field_limit_and_says_so() {
    let mut app = loaded(three());
    open_create(&mut app);
    let huge = format!("https://p.example/{}", "a".repeat(1_000_000));
    app.update(Msg::Paste(huge));
    assert_eq!(form(&app).url.value().chars().count(), 2048);
    assert_eq!(form(&app).url.cursor(), 2048);
    assert_eq!(
        form(&app).server_error.as_ref().map(|b| b.text.as_str()),
        Some("Paste cut to 2,048 characters")
    );
    // Full: a typed character is refused with the limit named, and nothing is lost.
    app.update(key('x'));
    assert_eq!(form(&app).url.value().chars().count(), 2048);
    assert_eq!(
        form(&app).server_error.as_ref().map(|b| b.text.as_str()),
        Some("This field takes at most 2,048 characters")
    );
    // Deleting makes room; the stale notice goes.
    app.update(code(KeyCode::Backspace));
    assert_eq!(form(&app).server_error, None);
    // Quitting works at any time.
    assert_eq!(app.update(ctrl('c')), vec![Cmd::Quit]);
}

#[test]
fn routing_header_and_phone_inputs_have_their_own_limits() {
    let mut app = loaded(three());
    open_create(&mut app);
    times(&mut app, 3, tab);
    app.update(enter());
    app.update(Msg::Paste("X".repeat(5000)));
    assert_eq!(form(&app).routing.key_header.value().len(), 256);
    app.update(back_tab());
    app.update(key('a'));
    app.update(Msg::Paste("+1 202 555 0143".repeat(10)));
    let adding = form(&app).phones.adding.as_ref().expect("adding a number");
    assert_eq!(adding.value().chars().count(), 32);
}

// ------------------------------------------------------------------------- validation

#[test]
fn ctrl_s_on_an_invalid_form_sends_nothing_and_focuses_the_first_problem() {
    let mut app = loaded(three());
    open_create(&mut app);
    app.update(tab());
    app.update(tab());
    assert_eq!(form(&app).field, FormField::Phones);
    assert!(
        form(&app).visible_problem(FormField::Url).is_none(),
        "no error before a save attempt on an untouched field"
    );

    // Both URL and events are missing: the URL comes first.
    assert!(app.update(ctrl('s')).is_empty());
    let f = form(&app);
    assert_eq!(f.field, FormField::Url);
    assert!(f.attempted);
    assert_eq!(
        f.visible_problem(FormField::Url).as_deref(),
        Some("a target URL is required")
    );
    assert_eq!(
        f.visible_problem(FormField::Events).as_deref(),
        Some("pick at least one event")
    );
    assert_eq!(f.saving, None);

    // URL fixed, events still missing: now the events get the focus.
    type_text(&mut app, NEW_URL);
    app.update(tab());
    app.update(tab());
    assert!(app.update(ctrl('s')).is_empty());
    assert_eq!(form(&app).field, FormField::Events);
    assert_eq!(form(&app).visible_problem(FormField::Url), None);
}

#[test]
fn http_url_is_refused() {
    let mut app = loaded(three());
    open_create(&mut app);
    fill_create(&mut app, "http://plain.example/hook");
    assert!(app.update(ctrl('s')).is_empty());
    let f = form(&app);
    assert_eq!(f.field, FormField::Url);
    assert_eq!(
        f.visible_problem(FormField::Url).as_deref(),
        Some("must use https (not http://)")
    );
    assert_eq!(f.saving, None);
}

#[test]
fn url_problem_shows_while_typing_once_the_field_is_touched() {
    let mut app = loaded(three());
    open_create(&mut app);
    type_text(&mut app, "ftp://x");
    assert_eq!(
        form(&app).visible_problem(FormField::Url).as_deref(),
        Some("must use https (not ftp://)")
    );
}

#[test]
fn duplicate_url_of_another_subscription_is_refused_locally() {
    let mut app = loaded(three());
    open_create(&mut app);
    fill_create(&mut app, "https://two.example/hook");
    assert!(app.update(ctrl('s')).is_empty());
    assert_eq!(form(&app).field, FormField::Url);
    assert_eq!(
        form(&app).visible_problem(FormField::Url).as_deref(),
        Some("another subscription of this account already uses this URL")
    );
    app.update(esc());
    app.update(key('y'));

    // Edit: another subscription's URL is refused, its own is not a duplicate.
    open_edit(&mut app, "one");
    app.update(ctrl('u'));
    type_text(&mut app, "https://three.example/hook");
    assert!(app.update(ctrl('s')).is_empty());
    assert_eq!(form(&app).prompt, None, "no save prompt for a refused form");
    assert_eq!(
        form(&app).visible_problem(FormField::Url).as_deref(),
        Some("another subscription of this account already uses this URL")
    );
    app.update(ctrl('u'));
    type_text(&mut app, "https://one.example/hook");
    assert_eq!(form(&app).problems().url, None);
}

#[test]
fn ctrl_p_appends_the_version_pin() {
    let mut app = loaded(three());
    open_create(&mut app);
    type_text(&mut app, "https://pin.example/hook");
    assert!(form(&app).lacks_version());
    app.update(ctrl('p'));
    assert_eq!(
        form(&app).url.value(),
        "https://pin.example/hook?version=2026-02-03"
    );
    assert!(!form(&app).lacks_version());
    // Pinned already: a second Ctrl-P changes nothing.
    app.update(ctrl('p'));
    assert_eq!(
        form(&app).url.value(),
        "https://pin.example/hook?version=2026-02-03"
    );

    // With a query already: `&version=`.
    app.update(ctrl('u'));
    type_text(&mut app, "https://pin.example/hook?line=1");
    app.update(ctrl('p'));
    assert_eq!(
        form(&app).url.value(),
        "https://pin.example/hook?line=1&version=2026-02-03"
    );
    // The cursor ends after the pin: typing continues at the end.
    type_text(&mut app, "x");
    assert!(form(&app).url.value().ends_with("2026-02-03x"));
}

#[test]
fn ctrl_p_on_a_url_with_a_fragment_pins_the_query_not_the_fragment() {
    let mut app = loaded(three());
    open_create(&mut app);
    type_text(&mut app, "https://pin.example/hook#part");
    app.update(ctrl('p'));
    assert_eq!(
        form(&app).url.value(),
        "https://pin.example/hook?version=2026-02-03#part"
    );
    app.update(ctrl('p'));
    assert_eq!(
        form(&app).url.value(),
        "https://pin.example/hook?version=2026-02-03#part"
    );
}

// -------------------------------------------------------------------------- checklist

#[test]
fn space_on_a_group_header_selects_then_clears_the_whole_group() {
    let mut app = loaded(three());
    open_create(&mut app);
    app.update(tab());
    assert_eq!(app.context(), Context::Checklist);
    assert_eq!(
        app.checklist_row(),
        Some(CheckRow::Group {
            prefix: "message".into(),
            selected: 0,
            total: 6
        })
    );
    app.update(space());
    assert_eq!(selected_events(&app), sorted(&MESSAGE_EVENTS));
    app.update(space());
    assert!(selected_events(&app).is_empty());

    // Partly selected: Space completes the group.
    app.update(key('j'));
    app.update(space());
    assert_eq!(selected_events(&app), ["message.sent"]);
    app.update(key('k'));
    assert_eq!(
        app.checklist_row(),
        Some(CheckRow::Group {
            prefix: "message".into(),
            selected: 1,
            total: 6
        })
    );
    app.update(space());
    assert_eq!(selected_events(&app).len(), 6);

    // The next group is untouched: its header is after the six events.
    times(&mut app, 7, || key('j'));
    assert_eq!(
        app.checklist_row(),
        Some(CheckRow::Group {
            prefix: "reaction".into(),
            selected: 0,
            total: 2
        })
    );
    app.update(space());
    assert_eq!(selected_events(&app).len(), 8);
}

#[test]
fn filter_then_a_selects_only_the_visible_events_and_a_upper_clears_only_them() {
    let mut app = loaded(three());
    open_create(&mut app);
    app.update(tab());
    // message.sent first, outside the filter.
    app.update(key('j'));
    app.update(space());

    app.update(key('/'));
    assert_eq!(app.context(), Context::ChecklistFilter);
    // `a` is a letter here: it types.
    type_text(&mut app, "poll");
    app.update(enter());
    assert_eq!(app.context(), Context::Checklist);
    assert_eq!(form(&app).events.filter.value(), "poll");
    let visible: Vec<String> = form(&app)
        .events
        .rows()
        .into_iter()
        .filter_map(|r| match r {
            CheckRow::Event { name, .. } => Some(name),
            CheckRow::Group { .. } => None,
        })
        .collect();
    assert_eq!(
        visible,
        [
            "poll.received",
            "poll.failed",
            "poll.sent",
            "poll.delivered",
            "poll.read",
            "poll.updated",
            "poll.vote.added",
            "poll.vote.removed",
            "poll.reaction.added"
        ]
    );

    app.update(key('a'));
    let mut expected = visible.clone();
    expected.push("message.sent".into());
    expected.sort();
    assert_eq!(selected_events(&app), expected);

    app.update(key('A'));
    assert_eq!(
        selected_events(&app),
        ["message.sent"],
        "A cleared only the visible events"
    );

    // Esc in the filter clears it; all rows are back and the selection is kept.
    app.update(key('/'));
    app.update(esc());
    assert_eq!(form(&app).events.filter.value(), "");
    assert!(!form(&app).events.filtering);
    assert_eq!(app.context(), Context::Checklist);
    assert_eq!(selected_events(&app), ["message.sent"]);
    assert!(app.form.is_some(), "that Esc did not leave the form");
}

#[test]
fn unknown_event_types_stay_selected_marked_unknown_and_are_sent_back() {
    let mut subs = three();
    subs[0].subscribed_events = vec![
        "message.sent".into(),
        "brand.new_thing".into(),
        "message.received".into(),
    ];
    let mut app = loaded(subs);
    open_edit(&mut app, "one");
    let rows = form(&app).events.rows();
    let n = rows.len();
    assert_eq!(
        rows[n - 2..],
        [
            CheckRow::Group {
                prefix: "unknown".into(),
                selected: 1,
                total: 1
            },
            CheckRow::Event {
                name: "brand.new_thing".into(),
                unknown: true
            }
        ]
    );
    assert!(form(&app).events.selected.contains("brand.new_thing"));
    assert!(!form(&app).is_dirty(), "an unknown type alone is no change");

    app.update(tab());
    times(&mut app, 3, || key('j'));
    app.update(space());
    let (diff, _, id, patch) = save_edit(&mut app);
    assert_eq!(id, "one");
    assert_eq!(diff, "+ message.read");
    assert_eq!(
        json(&patch),
        r#"{"subscribed_events":["message.sent","brand.new_thing","message.received","message.read"]}"#
    );
}

// ------------------------------------------------------------------------ phone editor

#[test]
fn phone_input_refuses_non_e164_and_keeps_the_typed_text() {
    let mut app = loaded(three());
    open_create(&mut app);
    app.update(tab());
    app.update(tab());
    assert_eq!(app.context(), Context::Phones);
    app.update(key('a'));
    assert_eq!(app.context(), Context::PhoneInput);
    type_text(&mut app, "2025550143");
    app.update(enter());
    let phones = &form(&app).phones;
    assert_eq!(
        phones.error.as_deref(),
        Some("2025550143 must start with + and the country code")
    );
    assert_eq!(
        phones.adding.as_ref().map(|i| i.value()),
        Some("2025550143")
    );
    assert!(phones.numbers.is_empty());
    assert_eq!(app.context(), Context::PhoneInput);

    // Fixing it in place: Home, +, Enter.
    app.update(code(KeyCode::Home));
    type_text(&mut app, "+1");
    assert_eq!(form(&app).phones.error, None, "typing clears the error");
    app.update(enter());
    let phones = &form(&app).phones;
    assert_eq!(phones.numbers, ["+12025550143"]);
    assert!(phones.adding.is_none());
    assert_eq!(phones.error, None);
    assert_eq!(app.context(), Context::Phones);
}

#[test]
fn phone_input_normalises_refuses_duplicates_and_esc_cancels() {
    let mut app = loaded(three());
    open_create(&mut app);
    app.update(tab());
    app.update(tab());
    app.update(key('a'));
    type_text(&mut app, "+1 (202) 555-0143");
    app.update(enter());
    assert_eq!(form(&app).phones.numbers, ["+12025550143"]);

    app.update(key('a'));
    type_text(&mut app, "+12025550143");
    app.update(enter());
    let phones = &form(&app).phones;
    assert_eq!(
        phones.error.as_deref(),
        Some("+12025550143 is already in the filter")
    );
    assert_eq!(phones.numbers, ["+12025550143"]);
    assert!(phones.adding.is_some());

    app.update(esc());
    let phones = &form(&app).phones;
    assert!(phones.adding.is_none());
    assert_eq!(phones.error, None);
    assert!(app.form.is_some(), "Esc closed the input, not the form");

    for bad in [
        "+0123456789",
        "+1234567",
        "+1234567890123456",
        "+1202555014a",
    ] {
        app.update(key('a'));
        type_text(&mut app, bad);
        app.update(enter());
        assert!(form(&app).phones.error.is_some(), "{bad} was accepted");
        app.update(esc());
    }
    assert_eq!(form(&app).phones.numbers, ["+12025550143"]);
}

#[test]
fn d_removes_the_number_under_the_cursor() {
    let mut app = loaded(three());
    open_create(&mut app);
    app.update(tab());
    app.update(tab());
    for n in ["+12025550143", "+447700900123", "+4915112345678"] {
        app.update(key('a'));
        type_text(&mut app, n);
        app.update(enter());
    }
    assert_eq!(form(&app).phones.cursor, 2);
    app.update(key('k'));
    app.update(key('d'));
    assert_eq!(
        form(&app).phones.numbers,
        ["+12025550143", "+4915112345678"]
    );
    app.update(key('d'));
    app.update(key('d'));
    assert!(form(&app).phones.numbers.is_empty());
    // On an empty list `d` does nothing.
    app.update(key('d'));
    assert!(form(&app).phones.numbers.is_empty());
}

#[test]
fn picking_an_account_line_adds_its_number() {
    let mut app = loaded(three());
    let lines_req = open_create(&mut app);
    app.update(lines_msg(lines_req, &["+12025550142", "+14155550163"]));
    app.update(tab());
    app.update(tab());
    app.update(key('l'));
    assert_eq!(app.context(), Context::LinePicker);
    app.update(key('j'));
    // Past the end stays on the last line.
    app.update(key('j'));
    assert_eq!(form(&app).phones.picking, Some(1));
    app.update(enter());
    assert_eq!(form(&app).phones.numbers, ["+14155550163"]);
    assert_eq!(form(&app).phones.picking, None);

    // The same line again: refused, the picker stays open.
    app.update(key('l'));
    app.update(key('j'));
    app.update(space());
    assert_eq!(
        form(&app).phones.error.as_deref(),
        Some("+14155550163 is already in the filter")
    );
    assert_eq!(form(&app).phones.picking, Some(1));
    app.update(esc());
    assert_eq!(form(&app).phones.picking, None);
    assert!(app.form.is_some());

    // The lines are fetched once per session.
    app.update(esc());
    app.update(key('y'));
    assert!(app.update(key('n')).is_empty());
}

// ---------------------------------------------------------------------- edit and diff

#[test]
fn edit_with_one_added_event_confirms_the_diff_and_sends_only_the_events() {
    let mut app = loaded(three());
    open_edit(&mut app, "one");
    app.update(tab());
    times(&mut app, 3, || key('j'));
    app.update(space());
    let (diff, req, id, patch) = save_edit(&mut app);
    assert_eq!(diff, "+ message.read");
    assert_eq!(id, "one");
    assert_eq!(
        patch,
        SubscriptionPatch {
            subscribed_events: Some(vec![
                "message.sent".into(),
                "message.received".into(),
                "message.read".into()
            ]),
            ..SubscriptionPatch::default()
        }
    );
    assert_eq!(
        json(&patch),
        r#"{"subscribed_events":["message.sent","message.received","message.read"]}"#
    );
    assert_eq!(form(&app).saving, Some(req));
    assert_eq!(form(&app).prompt, None);

    // Esc while saving keeps the form and says why.
    app.update(esc());
    assert!(app.form.is_some());
    assert_eq!(
        form(&app).server_error.as_ref().map(|b| b.text.as_str()),
        Some("Saving… wait for the server's answer")
    );

    // A stale answer is ignored; the real one closes the form and updates the row.
    app.update(saved_msg(req + 100, Err(duplicate_url())));
    assert_eq!(form(&app).saving, Some(req));
    let mut server = three().remove(0);
    server.subscribed_events.push("message.read".into());
    server.updated_at = NOW;
    app.update(saved_msg(req, Ok(server.clone())));
    assert!(app.form.is_none());
    assert_eq!(app.subscriptions[0], server);
    assert_eq!(app.selected.as_deref(), Some("one"));
    assert_eq!(
        app.banner.as_ref().map(|b| b.text.as_str()),
        Some("Saved https://one.example/hook: + message.read")
    );
}

#[test]
fn n_in_the_save_prompt_goes_back_to_the_form_with_nothing_sent() {
    let mut app = loaded(three());
    open_edit(&mut app, "one");
    app.update(tab());
    app.update(key('j'));
    app.update(space());
    assert!(app.update(ctrl('s')).is_empty());
    assert_eq!(
        form(&app).prompt,
        Some(FormPrompt::ConfirmSave {
            diff: "− message.sent".into()
        })
    );
    assert!(app.update(key('n')).is_empty());
    assert_eq!(form(&app).prompt, None);
    assert_eq!(form(&app).saving, None);
    // Enter in the prompt sends too.
    app.update(ctrl('s'));
    let cmds = app.update(enter());
    assert!(matches!(cmds.as_slice(), [Cmd::Save { .. }]), "{cmds:?}");
}

#[test]
fn ctrl_s_on_an_unchanged_edit_form_sends_nothing_and_says_so() {
    let mut app = loaded(three());
    open_edit(&mut app, "one");
    assert!(app.update(ctrl('s')).is_empty());
    assert_eq!(form(&app).prompt, None);
    assert_eq!(
        form(&app).server_error.as_ref().map(|b| b.text.as_str()),
        Some("Nothing changed: nothing to send")
    );
}

#[test]
fn clearing_the_phone_filter_sends_null() {
    let mut app = loaded(three());
    open_edit(&mut app, "two");
    app.update(tab());
    app.update(tab());
    app.update(key('d'));
    let (diff, _, id, patch) = save_edit(&mut app);
    assert_eq!(id, "two");
    assert_eq!(diff, "phones: 1 line → every line");
    assert_eq!(json(&patch), r#"{"phone_numbers":null}"#);
}

#[test]
fn replacing_the_phone_filter_sends_the_new_list() {
    let mut app = loaded(three());
    open_edit(&mut app, "two");
    app.update(tab());
    app.update(tab());
    app.update(key('d'));
    app.update(key('a'));
    type_text(&mut app, "+447700900123");
    app.update(enter());
    let (diff, _, _, patch) = save_edit(&mut app);
    assert_eq!(diff, "phones: 1 line changed");
    assert_eq!(json(&patch), r#"{"phone_numbers":["+447700900123"]}"#);
}

#[test]
fn changing_the_url_sends_only_target_url() {
    let mut app = loaded(three());
    open_edit(&mut app, "two");
    app.update(ctrl('u'));
    type_text(&mut app, "https://moved.example/hook");
    let (diff, _, id, patch) = save_edit(&mut app);
    assert_eq!(id, "two");
    assert_eq!(
        diff,
        "url: https://two.example/hook → https://moved.example/hook"
    );
    assert_eq!(
        json(&patch),
        r#"{"target_url":"https://moved.example/hook"}"#
    );
}

#[test]
fn combined_change_shows_one_diff_line_and_sends_both_fields() {
    let mut subs = three();
    subs[0].subscribed_events = vec!["message.sent".into(), "message.failed".into()];
    let mut app = loaded(subs);
    open_edit(&mut app, "one");
    app.update(tab());
    times(&mut app, 3, || key('j'));
    app.update(space()); // + message.read
    times(&mut app, 2, || key('j'));
    assert_eq!(
        app.checklist_row(),
        Some(CheckRow::Event {
            name: "message.failed".into(),
            unknown: false
        })
    );
    app.update(space()); // − message.failed
    app.update(tab());
    for n in ["+12025550143", "+447700900123"] {
        app.update(key('a'));
        type_text(&mut app, n);
        app.update(enter());
    }
    let (diff, _, _, patch) = save_edit(&mut app);
    assert_eq!(
        diff,
        "+ message.read − message.failed; phones: every line → 2 lines"
    );
    assert_eq!(
        json(&patch),
        r#"{"subscribed_events":["message.sent","message.read"],"phone_numbers":["+12025550143","+447700900123"]}"#
    );
}

#[test]
fn routing_headers_are_sent_only_when_changed() {
    let mut app = loaded(three());
    open_edit(&mut app, "one");
    app.update(back_tab());
    assert_eq!(app.context(), Context::Routing);
    assert!(!form(&app).routing.expanded);
    app.update(enter());
    assert!(form(&app).routing.expanded);
    type_text(&mut app, "X-Route-Key");
    let (diff, _, _, patch) = save_edit(&mut app);
    assert_eq!(diff, "routing: key header X-Route-Key");
    assert_eq!(json(&patch), r#"{"routing_key_header":"X-Route-Key"}"#);
}

// ------------------------------------------------------------------------------ create

#[test]
fn create_sends_the_new_subscription_without_a_phone_numbers_key() {
    let mut app = loaded(three());
    open_create(&mut app);
    fill_create(&mut app, NEW_URL);
    let (req, body) = save_create(&mut app);
    assert_eq!(
        body,
        NewSubscription {
            target_url: NEW_URL.into(),
            subscribed_events: MESSAGE_EVENTS.iter().map(|e| e.to_string()).collect(),
            phone_numbers: None,
            routing_key_header: None,
            routing_id_header: None,
        }
    );
    assert_eq!(
        json(&body),
        r#"{"target_url":"https://new.example/hook","subscribed_events":["message.sent","message.received","message.read","message.delivered","message.failed","message.edited"]}"#
    );
    assert_eq!(form(&app).saving, Some(req));
    // A second Ctrl-S while the first is in flight sends nothing.
    assert!(app.update(ctrl('s')).is_empty());
}

#[test]
fn create_with_phones_and_a_pin_sends_them() {
    let mut app = loaded(three());
    open_create(&mut app);
    type_text(&mut app, "  https://new.example/hook  ");
    app.update(ctrl('p'));
    app.update(tab());
    app.update(key('j'));
    app.update(space());
    app.update(tab());
    app.update(key('a'));
    type_text(&mut app, "+12025550143");
    app.update(enter());
    let (_, body) = save_create(&mut app);
    assert_eq!(
        json(&body),
        r#"{"target_url":"https://new.example/hook?version=2026-02-03","subscribed_events":["message.sent"],"phone_numbers":["+12025550143"]}"#
    );
}

#[test]
fn create_refused_409_keeps_the_draft_shows_the_error_and_focuses_the_url() {
    let mut app = loaded(three());
    open_create(&mut app);
    fill_create(&mut app, NEW_URL);
    app.update(tab());
    assert_eq!(form(&app).field, FormField::Phones);
    let (req, _) = save_create(&mut app);
    let cmds = no_audit(app.update(create_failed_msg(req, NEW_URL, duplicate_url())));
    assert!(cmds.is_empty());
    let f = form(&app);
    assert_eq!(f.url.value(), NEW_URL);
    assert_eq!(f.events.selected.len(), 6);
    assert_eq!(f.saving, None);
    assert_eq!(f.field, FormField::Url);
    let err = f.server_error.clone().expect("the server's error");
    assert_eq!(err.level, BannerLevel::Error);
    assert_eq!(
        err.text,
        "Create refused: HTTP 409 · code 2015: A webhook subscription with this target_url already exists"
    );
    assert_eq!(err.trace_id.as_deref(), Some(TRACE));
    assert!(app.secret_dialog.is_none());
    assert_eq!(app.subscriptions.len(), 3);
    // The next Ctrl-S clears the old error.
    let (_, _) = save_create(&mut app);
    assert_eq!(form(&app).server_error, None);
}

#[test]
fn create_refused_400_naming_a_field_focuses_that_field() {
    for (message, field) in [
        (
            "Invalid subscribed_events: unknown event type \"brand.new\" (see GET /v3/webhook-events)",
            FormField::Events,
        ),
        (
            "Invalid phone number in phone_numbers: \"+999\" is not in E.164 format (e.g. +12025551234)",
            FormField::Phones,
        ),
        (
            "Invalid target_url \"https:x\": not an absolute URL",
            FormField::Url,
        ),
    ] {
        let mut app = loaded(three());
        open_create(&mut app);
        fill_create(&mut app, NEW_URL);
        app.update(back_tab());
        app.update(back_tab());
        assert_eq!(form(&app).field, FormField::Routing);
        let (req, _) = save_create(&mut app);
        app.update(create_failed_msg(req, NEW_URL, linq(400, 1005, message)));
        let f = form(&app);
        assert_eq!(f.field, field, "{message}");
        assert_eq!(f.url.value(), NEW_URL);
        assert_eq!(f.server_error.as_ref().unwrap().trace_id.as_deref(), Some(TRACE));
    }
}

#[test]
fn create_refused_400_on_a_reserved_routing_header_focuses_routing() {
    let mut app = loaded(three());
    open_create(&mut app);
    fill_create(&mut app, NEW_URL);
    let (req, _) = save_create(&mut app);
    let err = linq(
        400,
        1005,
        "Invalid routing_key_header: \"X-Webhook-Event\" is reserved for webhook deliveries",
    );
    app.update(create_failed_msg(req, NEW_URL, err));
    assert_eq!(form(&app).field, FormField::Routing);
}

#[test]
fn edit_refused_409_keeps_the_draft_and_focuses_the_url() {
    let mut app = loaded(three());
    open_edit(&mut app, "one");
    app.update(ctrl('u'));
    type_text(&mut app, "https://taken-elsewhere.example/hook");
    app.update(tab());
    let (_, req, _, _) = save_edit(&mut app);
    app.update(saved_msg(req, Err(duplicate_url())));
    let f = form(&app);
    assert_eq!(f.url.value(), "https://taken-elsewhere.example/hook");
    assert_eq!(f.field, FormField::Url);
    assert_eq!(f.saving, None);
    let err = f.server_error.clone().unwrap();
    assert!(err.text.starts_with("Save refused: HTTP 409"), "{err:?}");
    assert_eq!(err.trace_id.as_deref(), Some(TRACE));
    assert_eq!(app.subscriptions, three(), "the list is unchanged");
}

#[test]
fn created_opens_the_secret_dialog_closes_the_form_and_selects_the_new_row() {
    let mut app = loaded(three());
    open_create(&mut app);
    fill_create(&mut app, NEW_URL);
    let (req, body) = save_create(&mut app);
    let mut created = sub("zz-new", 10, NEW_URL, &[], None);
    created.subscribed_events = body.subscribed_events.into_iter().map(Into::into).collect();
    app.update(created_msg(req, created.clone()));

    assert!(app.form.is_none());
    let dialog = app.secret_dialog.as_ref().expect("the secret dialog");
    assert_eq!(dialog.secret().map(|s| s.expose()), Some(SECRET));
    assert_eq!(dialog.id, "zz-new");
    assert_eq!(dialog.target_url, NEW_URL);
    assert!(!dialog.revealed);
    assert_eq!(app.context(), Context::Secret);
    assert_eq!(app.subscriptions.len(), 4);
    assert_eq!(app.subscriptions[3], created);
    assert_eq!(app.selected.as_deref(), Some("zz-new"));
    assert_eq!(app.counts.active, 4);
    assert_no_secret(&app);
}

// ------------------------------------------------------------------------ secret dialog

fn with_secret_dialog() -> App {
    let mut app = loaded(three());
    open_create(&mut app);
    fill_create(&mut app, NEW_URL);
    let (req, _) = save_create(&mut app);
    app.update(created_msg(
        req,
        sub("zz-new", 10, NEW_URL, &["message.sent"], None),
    ));
    assert!(app.secret_dialog.is_some());
    app
}

#[test]
fn secret_dialog_refuses_to_close_on_esc_q_and_stray_keys() {
    let mut app = with_secret_dialog();
    for msg in [esc(), key('q'), key('x'), key('n'), tab(), ctrl('s')] {
        let shown = format!("{msg:?}");
        assert!(app.update(msg).is_empty(), "{shown}");
        let dialog = app.secret_dialog.as_ref().expect("still open");
        assert!(dialog.nudge, "{shown} nudges");
        assert!(dialog.holds_secret());
        assert!(!dialog.confirm_close);
        assert!(!app.quitting);
        assert_no_secret(&app);
    }
    // A real action clears the nudge.
    app.update(key('v'));
    assert!(!app.secret_dialog.as_ref().unwrap().nudge);
}

#[test]
fn enter_without_copy_or_reveal_asks_first_and_y_closes() {
    let mut app = with_secret_dialog();
    app.update(enter());
    let dialog = app.secret_dialog.as_ref().expect("not closed yet");
    assert!(dialog.confirm_close);
    assert_eq!(app.context(), Context::SecretConfirm);

    // n and Esc go back to the secret.
    app.update(key('n'));
    assert!(!app.secret_dialog.as_ref().unwrap().confirm_close);
    app.update(enter());
    app.update(esc());
    assert!(!app.secret_dialog.as_ref().unwrap().confirm_close);
    assert!(app.secret_dialog.is_some());

    app.update(enter());
    assert_no_secret(&app);
    assert!(app.update(key('y')).is_empty());
    assert!(app.secret_dialog.is_none(), "no state holds the secret now");
    assert_no_secret(&app);
    assert_eq!(app.context(), Context::List);
    assert_eq!(app.selected.as_deref(), Some("zz-new"));
}

#[test]
fn reveal_then_enter_closes_at_once() {
    let mut app = with_secret_dialog();
    app.update(key('v'));
    let dialog = app.secret_dialog.as_ref().unwrap();
    assert!(dialog.revealed && dialog.seen);
    assert_no_secret(&app);
    app.update(key('v'));
    assert!(!app.secret_dialog.as_ref().unwrap().revealed);
    app.update(enter());
    assert!(app.secret_dialog.is_none());
}

#[test]
fn c_refuses_to_copy_a_secret_that_is_not_whsec_base64() {
    let mut app = loaded(three());
    open_create(&mut app);
    fill_create(&mut app, NEW_URL);
    let (req, _) = save_create(&mut app);
    app.update(Msg::Api {
        req,
        result: ApiResult::Created {
            target_url: NEW_URL.into(),
            result: Ok(CreatedSubscription {
                subscription: sub("new", 9, NEW_URL, &["message.sent"], None),
                signing_secret: SigningSecret::new("whsec_AAAA\u{1b}[201~;touch /tmp/x\r".into()),
            }),
        },
    });
    assert!(
        app.update(key('c')).is_empty(),
        "nothing goes to the clipboard"
    );
    let dialog = app.secret_dialog.as_ref().expect("the dialog stays");
    match &dialog.copy_status {
        Some(CopyOutcome::Failed { reason, .. }) => {
            assert!(reason.contains("unusable secret"), "{reason}")
        }
        other => panic!("no refusal: {other:?}"),
    }
    assert!(!dialog.seen, "a refused copy does not count as stored");
}

#[test]
fn c_copies_exactly_the_secret_and_a_confirmed_copy_lets_enter_close() {
    let mut app = with_secret_dialog();
    let cmds = app.update(key('c'));
    match cmds.as_slice() {
        [Cmd::CopySecret { text }] => assert_eq!(text.as_str(), SECRET),
        other => panic!("c did not copy the secret: {}", other.len()),
    }
    assert_no_secret(&app);
    // Until the copy is confirmed, Enter still asks.
    assert!(!app.secret_dialog.as_ref().unwrap().seen);

    app.update(Msg::Copied(CopyOutcome::System {
        what: SECRET_WHAT.into(),
    }));
    let dialog = app.secret_dialog.as_ref().unwrap();
    assert!(dialog.seen);
    assert_eq!(
        dialog.copy_status,
        Some(CopyOutcome::System {
            what: SECRET_WHAT.into()
        })
    );
    assert_eq!(app.banner, None, "the outcome shows in the dialog");
    app.update(enter());
    assert!(app.secret_dialog.is_none());
}

#[test]
fn a_failed_copy_does_not_count_as_stored() {
    let mut app = with_secret_dialog();
    app.update(key('c'));
    app.update(Msg::Copied(CopyOutcome::Failed {
        what: SECRET_WHAT.into(),
        reason: "no display".into(),
    }));
    assert!(!app.secret_dialog.as_ref().unwrap().seen);
    app.update(enter());
    assert!(app.secret_dialog.as_ref().unwrap().confirm_close);
}

#[test]
fn ctrl_c_quits_even_from_the_secret_dialog() {
    let mut app = with_secret_dialog();
    assert_eq!(app.update(ctrl('c')), vec![Cmd::Quit]);
}

#[test]
fn debug_of_the_app_never_contains_the_secret() {
    let mut app = loaded(three());
    open_create(&mut app);
    fill_create(&mut app, NEW_URL);
    let (req, _) = save_create(&mut app);
    let msg = created_msg(req, sub("zz-new", 10, NEW_URL, &["message.sent"], None));
    assert!(!format!("{msg:?}").contains("TESTONLY"), "Msg Debug");
    app.update(msg);
    for step in [key('v'), key('c'), key('v'), enter()] {
        assert_no_secret(&app);
        app.update(step);
    }
    assert_no_secret(&app);
    assert!(app.secret_dialog.is_none());
}

// Zeroizing's Debug prints `Zeroizing { .. }`: the command can be logged safely.
#[test]
fn debug_of_the_copy_command_is_redacted() {
    let mut app = with_secret_dialog();
    let cmds = app.update(key('c'));
    assert!(!format!("{cmds:?}").contains("TESTONLY"));
}

// ---------------------------------------------------------------- create outcome unknown

fn timed_out_create(app: &mut App, err: ApiError) -> ReqId {
    open_create(app);
    fill_create(app, NEW_URL);
    let (req, _) = save_create(app);
    let cmds = no_audit(app.update(create_failed_msg(req, NEW_URL, err)));
    let list = match cmds.as_slice() {
        [Cmd::LoadList {
            req, quiet: false, ..
        }] => *req,
        other => panic!("no re-list after a lost create: {other:?}"),
    };
    assert_eq!(app.list_req, Some((list, false)));
    assert!(form(app).server_error.is_some());
    assert_eq!(form(app).saving, None);
    list
}

#[test]
fn create_timeout_relists_and_a_found_url_offers_to_delete_it() {
    let mut app = loaded(three());
    let list = timed_out_create(&mut app, ApiError::Timeout { millis: 30_000 });
    assert_eq!(
        form(&app).server_error.as_ref().unwrap().text,
        "No answer to the create; checking whether it happened: request timed out after 30.0 s"
    );

    let mut subs = three();
    subs.push(sub("lost", 10, NEW_URL, &["message.sent"], None));
    assert!(app.update(list_msg(list, subs)).is_empty());
    assert_eq!(app.lost_create, Some(("lost".into(), NEW_URL.into())));
    assert_eq!(app.selected.as_deref(), Some("lost"));
    assert_eq!(app.context(), Context::LostCreate);
    assert!(app.secret_dialog.is_none());

    let cmds = app.update(key('y'));
    let req = app.pending["lost"].req;
    assert_eq!(
        cmds,
        vec![Cmd::Delete {
            req,
            id: "lost".into()
        }]
    );
    assert_eq!(app.lost_create, None);
    // The draft is still there, to create it again once the delete is through.
    assert_eq!(form(&app).url.value(), NEW_URL);

    app.update(Msg::Api {
        req,
        result: ApiResult::Deleted {
            id: "lost".into(),
            result: Ok(()),
        },
    });
    assert_eq!(app.subscriptions.len(), 3);
    let (_, body) = save_create(&mut app);
    assert_eq!(body.target_url, NEW_URL);
}

#[test]
fn lost_create_answered_n_keeps_it_and_closes_the_form() {
    let mut app = loaded(three());
    let list = timed_out_create(&mut app, ApiError::Timeout { millis: 30_000 });
    let mut subs = three();
    subs.push(sub("lost", 10, NEW_URL, &["message.sent"], None));
    app.update(list_msg(list, subs));
    assert!(app.update(key('n')).is_empty());
    assert_eq!(app.lost_create, None);
    assert!(app.form.is_none());
    assert_eq!(app.subscriptions.len(), 4);
}

#[test]
fn create_transport_error_with_the_url_absent_keeps_the_form_and_says_it_did_not_go_through() {
    let mut app = loaded(three());
    let list = timed_out_create(
        &mut app,
        ApiError::Transport {
            target: "127.0.0.1:4010".into(),
            detail: "connection closed before message completed".into(),
        },
    );
    app.update(list_msg(list, three()));
    assert_eq!(app.lost_create, None);
    let f = form(&app);
    let text = &f.server_error.as_ref().unwrap().text;
    assert!(text.contains("did not go through"), "{text}");
    assert_eq!(f.url.value(), NEW_URL);
    assert_eq!(f.events.selected.len(), 6);
    // The focus stays where it was (the checklist, after fill_create).
    assert_eq!(app.context(), Context::Checklist);
}

#[test]
fn create_outcome_unknown_and_the_list_fails_too_says_so() {
    let mut app = loaded(three());
    let list = timed_out_create(&mut app, ApiError::Timeout { millis: 30_000 });
    app.update(Msg::Api {
        req: list,
        result: ApiResult::List {
            digest: None,
            at: NOW,
            result: Err(linq(503, 3001, "unavailable")),
        },
    });
    let text = &form(&app).server_error.as_ref().unwrap().text;
    assert!(
        text.starts_with("Cannot tell yet whether the create went through"),
        "{text}"
    );
    assert_eq!(app.lost_create, None);
    // Ctrl-S now asks the list again; it never sends a second create blindly.
    let cmds = app.update(ctrl('s'));
    assert!(
        matches!(cmds.as_slice(), [Cmd::LoadList { quiet: false, .. }]),
        "{cmds:?}"
    );
}

#[test]
fn an_unknown_create_outcome_stays_with_its_draft_and_a_new_form_starts_clean() {
    let mut app = loaded(three());
    let list = timed_out_create(&mut app, ApiError::Timeout { millis: 30_000 });
    app.update(Msg::Api {
        req: list,
        result: ApiResult::List {
            digest: None,
            at: NOW,
            result: Err(linq(503, 3001, "unavailable")),
        },
    });
    // Leave the draft: the banner says the outcome is unknown and where to look.
    app.update(esc());
    app.update(key('y'));
    assert!(app.form.is_none());
    let banner = app.banner.clone().expect("a banner");
    assert!(
        banner.text.contains("Unknown whether the create"),
        "{}",
        banner.text
    );
    assert!(banner.text.contains(NEW_URL), "{}", banner.text);

    // A new form with another URL: no old result, and the first Ctrl-S creates.
    app.update(code(KeyCode::Esc));
    app.update(key('n'));
    assert_eq!(form(&app).server_error, None);
    fill_create(&mut app, "https://other.example/hook");
    let (_, body) = save_create(&mut app);
    assert_eq!(body.target_url, "https://other.example/hook");
    // The late list answer of the old check does not touch the new draft.
    app.update(list_msg(list, three()));
    assert_eq!(app.lost_create, None);
    assert_eq!(form(&app).server_error, None);
}

#[test]
fn connect_error_on_create_is_a_plain_refusal_not_a_lost_create() {
    let mut app = loaded(three());
    open_create(&mut app);
    fill_create(&mut app, NEW_URL);
    let (req, _) = save_create(&mut app);
    let cmds = app.update(create_failed_msg(
        req,
        NEW_URL,
        ApiError::Connect {
            target: "127.0.0.1:4010".into(),
            detail: "connection refused".into(),
        },
    ));
    assert!(
        no_audit(cmds).is_empty(),
        "never reached the server: no re-list"
    );
    assert!(form(&app)
        .server_error
        .as_ref()
        .unwrap()
        .text
        .starts_with("Create refused: cannot connect"));
}

#[test]
fn a_create_answered_by_a_gateway_502_is_checked_not_called_refused() {
    let mut app = loaded(three());
    let gateway = ApiError::Foreign {
        status: 502,
        snippet: "Bad Gateway".into(),
        host: None,
        trace_id: None,
    };
    // timed_out_create asserts the re-list: a 502 after a POST may hide a done create.
    timed_out_create(&mut app, gateway);
}

#[test]
fn a_list_in_flight_when_a_save_lands_is_asked_again_so_the_older_view_loses() {
    let mut app = loaded(three());
    let first_list = match app.update(key('r')).as_slice() {
        [Cmd::LoadList { req, .. }] => *req,
        other => panic!("{other:?}"),
    };
    open_edit(&mut app, "one");
    app.update(tab());
    app.update(space());
    let (_, req, id, _) = save_edit(&mut app);
    let mut server = three().into_iter().find(|s| s.id == id).unwrap();
    server.subscribed_events = selected_events(&app).iter().map(|e| (*e).into()).collect();
    let cmds = no_audit(app.update(saved_msg(req, Ok(server.clone()))));
    let second_list = match cmds.as_slice() {
        [Cmd::LoadList { req, .. }] => *req,
        other => panic!("the list that predates the save must be asked again: {other:?}"),
    };
    assert_ne!(first_list, second_list);
    // The old snapshot (without the save) arrives late: it is ignored.
    app.update(list_msg(first_list, three()));
    let shown = app.subscriptions.iter().find(|s| s.id == id).unwrap();
    assert_eq!(shown.subscribed_events, server.subscribed_events);
}

#[test]
fn the_mouse_does_not_move_the_list_behind_a_form() {
    let mut app = loaded(three());
    let before = app.selected.clone();
    open_create(&mut app);
    app.update(Msg::Mouse(crossterm::event::MouseEvent {
        kind: crossterm::event::MouseEventKind::ScrollDown,
        column: 5,
        row: 6,
        modifiers: KeyModifiers::NONE,
    }));
    assert_eq!(app.selected, before);
}

#[test]
fn a_create_is_audited_with_its_fields_and_never_its_secret() {
    let mut app = loaded(three());
    open_create(&mut app);
    fill_create(&mut app, NEW_URL);
    let (req, _) = save_create(&mut app);
    let cmds = app.update(created_msg(
        req,
        sub("zz-new", 10, NEW_URL, &["message.sent"], None),
    ));
    let [Cmd::Audit { entry }] = cmds.as_slice() else {
        panic!("one audit record: {cmds:?}");
    };
    assert_eq!(entry.operation, "create");
    assert_eq!(entry.source, "dashboard");
    assert_eq!(entry.subscription_id.as_deref(), Some("zz-new"));
    assert_eq!(entry.changes["target_url"]["after"], NEW_URL);
    assert!(entry.outcome.ok);
    let line = serde_json::to_string(entry).unwrap();
    assert!(!line.contains("whsec_"), "{line}");
    assert!(!line.contains(SECRET), "{line}");
}
