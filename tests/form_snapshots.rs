//! Render snapshots of the create/edit form, its prompts and the one-time secret dialog at
//! 100×30 and 80×24 (text only). Clock, ids, timestamps and the base URL are fixed, so no
//! redaction is needed; the secret is a fake and must never reach a `.snap` file.
//!
//! Accept changes with `INSTA_UPDATE=always cargo test --test form_snapshots`, then read
//! the `.snap` files: they must look right to a user.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use linq_hooks::api::{
    CreatedSubscription, EventCatalog, PhoneNumber, Reputation, SigningSecret, Subscription,
};
use linq_hooks::app::forms::FormField;
use linq_hooks::app::{ApiResult, App, Cmd, Connection, Msg, BUNDLED_EVENTS};
use linq_hooks::ui;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Modifier;
use ratatui::Terminal;
use time::macros::datetime;
use time::OffsetDateTime;

const NOW: OffsetDateTime = datetime!(2026-11-27 12:00 UTC);
const SIZES: [(u16, u16); 2] = [(100, 30), (80, 24)];
/// Fake, and recognisably so; asserted absent from every masked screen.
const SECRET: &str = "whsec_TESTONLYxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"; // fake fixture

const ACME: &str = "0b1e7c52-3a4d-4f0e-9c1a-5d2e8f7a6b01";
const SUPPORT: &str = "1c2f8d63-4b5e-4a1f-8d2b-6e3f9a8b7c02";
const CREATED: &str = "7c8f4d29-0b1e-4a7f-8d8b-2e9f5a4b3c08";

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
    events: &[&str],
    phones: Option<&[&str]>,
) -> Subscription {
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

fn subs() -> Vec<Subscription> {
    vec![
        sub(
            ACME,
            datetime!(2026-01-15 10:30 UTC),
            "https://hooks.acme.test/linq?version=2026-02-03",
            &["message.sent", "message.received"],
            None,
        ),
        sub(
            SUPPORT,
            datetime!(2026-03-01 09:00 UTC),
            "https://support.example.com/webhooks/linq?version=2026-02-03",
            &[
                "message.received",
                "message.sent",
                "message.delivered",
                "reaction.added",
                "chat.created",
            ],
            Some(&["+12025550142", "+14155550163"]),
        ),
    ]
}

fn lines() -> Vec<PhoneNumber> {
    [
        ("+12025550142", "iMessage", "HEALTHY"),
        ("+14155550163", "iMessage", "HEALTHY"),
        ("+13125550187", "RCS", "AT_RISK"),
    ]
    .iter()
    .enumerate()
    .map(|(i, (number, kind, status))| PhoneNumber {
        id: format!("00000000-0000-4000-8000-00000000000{i}"),
        phone_number: number.to_string(),
        reputation: Some(Reputation {
            status: status.to_string(),
            doc_url: None,
        }),
        forwarding_number: None,
        line_type: Some(kind.to_string()),
    })
    .collect()
}

fn press(code: KeyCode, modifiers: KeyModifiers) -> Msg {
    Msg::Key(KeyEvent::new(code, modifiers))
}

fn key(c: char) -> Msg {
    press(KeyCode::Char(c), KeyModifiers::NONE)
}

fn code(c: KeyCode) -> Msg {
    press(c, KeyModifiers::NONE)
}

fn ctrl(c: char) -> Msg {
    press(KeyCode::Char(c), KeyModifiers::CONTROL)
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.update(key(c));
    }
}

/// Loaded list, server catalogue in, nothing else.
fn loaded(size: (u16, u16)) -> App {
    let mut app = App::new(connection(), NOW, size);
    let cmds = app.init();
    for cmd in cmds {
        match cmd {
            Cmd::LoadList { req, .. } => {
                app.update(Msg::Api {
                    req,
                    result: ApiResult::List {
                        digest: None,
                        at: NOW,
                        result: Ok(subs()),
                    },
                });
            }
            Cmd::LoadCatalog { req } => {
                app.update(Msg::Api {
                    req,
                    result: ApiResult::Catalog(Ok(EventCatalog {
                        doc_url: "https://docs.linqapp.com/guides/webhooks/events".into(),
                        events: BUNDLED_EVENTS.lines().map(str::to_string).collect(),
                    })),
                });
            }
            Cmd::LoadLines { req } => {
                app.update(Msg::Api {
                    req,
                    result: ApiResult::Lines(Ok(lines())),
                });
            }
            // No audit trail here: no rotation in progress.
            Cmd::LoadRotations { .. } => {
                app.update(Msg::RotationTrail(Vec::new()));
            }
            other => panic!("unexpected start command {other:?}"),
        }
    }
    assert!(app.catalog_from_server);
    app
}

/// Answers the form's request for the account's lines.
fn answer_lines(app: &mut App, cmds: Vec<Cmd>) {
    for cmd in cmds {
        if let Cmd::LoadLines { req } = cmd {
            app.update(Msg::Api {
                req,
                result: ApiResult::Lines(Ok(lines())),
            });
        }
    }
}

fn create_form(size: (u16, u16)) -> App {
    let mut app = loaded(size);
    let cmds = app.update(key('n'));
    answer_lines(&mut app, cmds);
    app
}

fn edit_form(size: (u16, u16)) -> App {
    let mut app = loaded(size);
    app.update(key('j'));
    assert_eq!(app.selected.as_deref(), Some(SUPPORT));
    let cmds = app.update(key('e'));
    answer_lines(&mut app, cmds);
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

/// Snapshots the screen built by `build` at both sizes; returns the screens.
fn snapshot(name: &str, build: impl Fn((u16, u16)) -> App) -> Vec<String> {
    SIZES
        .iter()
        .map(|&size| {
            let app = build(size);
            assert_eq!(app.size, size);
            let screen = text(&draw(&app));
            assert!(!screen.contains('\u{1b}'));
            assert!(
                !screen.contains("TESTONLY"),
                "{name}: the secret is on screen"
            );
            insta::assert_snapshot!(format!("{name}_{}x{}", size.0, size.1), screen);
            screen
        })
        .collect()
}

// ---------------------------------------------------------------------------- snapshots

#[test]
fn create_form_empty() {
    let screens = snapshot("create_form_empty", create_form);
    for s in screens {
        assert!(s.contains("New subscription"), "{s}");
        assert!(s.contains("0/75 selected"), "{s}");
    }
}

#[test]
fn create_form_refused() {
    let screens = snapshot("create_form_refused", |size| {
        let mut app = create_form(size);
        type_text(&mut app, "http://hooks.example.com/linq");
        app.update(ctrl('s'));
        assert_eq!(app.form.as_ref().unwrap().field, FormField::Url);
        app
    });
    for s in screens {
        assert!(s.contains("must use https"), "{s}");
        assert!(s.contains("pick at least one event"), "{s}");
    }
}

#[test]
fn edit_form_with_events_and_a_phone_filter() {
    let screens = snapshot("edit_form", edit_form);
    for s in screens {
        assert!(s.contains(&format!("Edit {SUPPORT}")), "{s}");
        assert!(
            s.contains("+12025550142") && s.contains("+14155550163"),
            "{s}"
        );
        assert!(s.contains("5/75 selected"), "{s}");
    }
}

#[test]
fn checklist_filtered() {
    let screens = snapshot("checklist_filtered", |size| {
        let mut app = create_form(size);
        app.update(code(KeyCode::Tab));
        app.update(key('/'));
        type_text(&mut app, "poll");
        app
    });
    for s in screens {
        assert!(s.contains("poll.vote.removed"), "{s}");
        assert!(!s.contains("message.sent"), "{s}");
    }
}

#[test]
fn phone_editor_adding_with_an_error() {
    let screens = snapshot("phone_editor_error", |size| {
        let mut app = edit_form(size);
        app.update(code(KeyCode::Tab));
        app.update(code(KeyCode::Tab));
        app.update(key('a'));
        type_text(&mut app, "+0202555");
        app.update(code(KeyCode::Enter));
        assert!(app.form.as_ref().unwrap().phones.error.is_some());
        app
    });
    for s in screens {
        assert!(s.contains("+0202555"), "the typed text stays:\n{s}");
        assert!(s.contains('✖'), "{s}");
    }
}

#[test]
fn line_picker() {
    let screens = snapshot("line_picker", |size| {
        let mut app = edit_form(size);
        app.update(code(KeyCode::Tab));
        app.update(code(KeyCode::Tab));
        app.update(key('l'));
        app.update(key('j'));
        app.update(key('j'));
        app
    });
    for s in screens {
        assert!(s.contains("Account lines"), "{s}");
        assert!(s.contains("+13125550187  RCS  AT_RISK"), "{s}");
        assert!(s.contains("(in the filter)"), "{s}");
    }
}

#[test]
fn save_diff_prompt() {
    let screens = snapshot("save_diff_prompt", |size| {
        let mut app = edit_form(size);
        app.update(code(KeyCode::Tab));
        // message.read on, message.delivered off.
        for _ in 0..3 {
            app.update(key('j'));
        }
        app.update(key(' '));
        app.update(key('j'));
        app.update(key(' '));
        app.update(code(KeyCode::Tab));
        app.update(key('d'));
        app.update(ctrl('s'));
        app
    });
    for s in screens {
        assert!(s.contains("Save these changes?"), "{s}");
        assert!(
            s.contains("+ message.read − message.delivered; phones: 2 lines → 1 line"),
            "{s}"
        );
    }
}

fn secret_dialog(size: (u16, u16)) -> App {
    let mut app = create_form(size);
    type_text(&mut app, "https://new.example/linq?version=2026-02-03");
    app.update(code(KeyCode::Tab));
    app.update(key(' '));
    let cmds = app.update(ctrl('s'));
    let [Cmd::Create { req, body }] = cmds.as_slice() else {
        panic!("no create: {cmds:?}");
    };
    let mut created = sub(
        CREATED,
        NOW,
        &body.target_url,
        &body
            .subscribed_events
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        None,
    );
    created.updated_at = NOW;
    app.update(Msg::Api {
        req: *req,
        result: ApiResult::Created {
            target_url: body.target_url.clone(),
            result: Ok(CreatedSubscription {
                subscription: created,
                signing_secret: SigningSecret::new(SECRET.into()),
            }),
        },
    });
    assert!(app.secret_dialog.is_some());
    app
}

#[test]
fn secret_dialog_masked() {
    let screens = snapshot("secret_dialog_masked", secret_dialog);
    for s in screens {
        assert!(!s.contains(SECRET) && !s.contains("TESTONLY"), "{s}");
        assert!(s.contains(&format!("whsec_{}", "•".repeat(32))), "{s}");
        assert!(s.contains("shown once"), "{s}");
        assert!(s.contains(CREATED), "{s}");
    }
}

#[test]
fn secret_dialog_nudge_and_confirm_stay_masked() {
    for size in SIZES {
        let mut app = secret_dialog(size);
        app.update(code(KeyCode::Esc));
        let s = text(&draw(&app));
        assert!(s.contains("Esc and q do not close this"), "{s}");
        assert!(!s.contains("TESTONLY"), "{s}");
        app.update(code(KeyCode::Enter));
        let s = text(&draw(&app));
        assert!(s.contains("Close anyway?"), "{s}");
        assert!(!s.contains("TESTONLY"), "{s}");
    }
}

/// Not a snapshot (it would hold the secret): `v` reveals the whole secret on one line.
#[test]
fn v_reveals_the_whole_secret_and_v_masks_it_again() {
    for size in SIZES {
        let mut app = secret_dialog(size);
        app.update(key('v'));
        let s = text(&draw(&app));
        assert!(s.contains(SECRET), "the secret is shown whole:\n{s}");
        app.update(key('v'));
        let s = text(&draw(&app));
        assert!(!s.contains("TESTONLY"), "{s}");
    }
}

#[test]
fn focused_field_label_is_highlighted() {
    let app = create_form((100, 30));
    let buffer = draw(&app);
    let screen = text(&buffer);
    let y = screen
        .lines()
        .position(|l| l.contains("Target URL"))
        .expect("the URL row") as u16;
    let line = screen.lines().nth(y as usize).unwrap();
    let x = line[..line.find("Target URL").unwrap()].chars().count() as u16;
    assert!(buffer[(x, y)].modifier.contains(Modifier::REVERSED));
    let y = screen
        .lines()
        .position(|l| l.contains("Events"))
        .expect("the events row") as u16;
    let line = screen.lines().nth(y as usize).unwrap();
    let x = line[..line.find("Events").unwrap()].chars().count() as u16;
    assert!(!buffer[(x, y)].modifier.contains(Modifier::REVERSED));
}

fn refused_by_the_server(size: (u16, u16)) -> App {
    let mut app = edit_form(size);
    type_text(&mut app, "&x=1");
    assert!(app.update(ctrl('s')).is_empty());
    let cmds = app.update(key('y'));
    let [Cmd::Save { req, .. }] = cmds.as_slice() else {
        panic!("no save: {cmds:?}");
    };
    let req = *req;
    app.update(Msg::Api {
        req,
        result: ApiResult::Saved {
            result: Err(linq_hooks::api::ApiError::Linq(
                linq_hooks::api::error::LinqFailure {
                    status: 409,
                    code: Some(2015),
                    message: "A webhook subscription with this target_url already exists".into(),
                    trace_id: Some("2eff5df5c6f688733c007523c4d61cd9".into()),
                    ..Default::default()
                },
            )),
        },
    });
    assert!(app.form.as_ref().unwrap().server_error.is_some());
    app
}

#[test]
fn server_error_in_the_form_names_code_and_message() {
    for size in SIZES {
        let s = text(&draw(&refused_by_the_server(size)));
        // The line may wrap after "code": both parts must be there.
        assert!(s.contains("Save refused: HTTP 409 · code"), "{s}");
        assert!(s.contains("2015: A webhook"), "{s}");
    }
}

/// DESIGN.md: "Show the trace id in the TUI's error view; support asks for it."
#[test]
fn server_error_in_the_form_shows_the_whole_trace_id() {
    for size in SIZES {
        let s = text(&draw(&refused_by_the_server(size)));
        assert!(s.contains("2eff5df5c6f688733c007523c4d61cd9"), "{s}");
    }
}

#[test]
fn a_revealed_secret_never_carries_control_characters_to_the_screen() {
    let mut app = loaded((100, 30));
    let cmds = app.update(key('n'));
    answer_lines(&mut app, cmds);
    type_text(&mut app, "https://x.example/h");
    app.update(code(KeyCode::Tab));
    app.update(key(' '));
    let cmds = app.update(ctrl('s'));
    let [Cmd::Create { req, .. }] = cmds.as_slice() else {
        panic!("no create");
    };
    app.update(Msg::Api {
        req: *req,
        result: ApiResult::Created {
            target_url: "https://x.example/h".into(),
            result: Ok(CreatedSubscription {
                subscription: sub(CREATED, NOW, "https://x.example/h", &["message.sent"], None),
                signing_secret: SigningSecret::new("whsec_TESTONLY\u{1b}]52;c;AAAA\u{7}x".into()),
            }),
        },
    });
    app.update(key('v'));
    let buffer = draw(&app);
    for cell in buffer.content() {
        assert!(
            !cell.symbol().chars().any(char::is_control),
            "{:?}",
            cell.symbol()
        );
    }
}

/// A create whose answer was lost, and a re-list that finds its URL.
fn lost_create(size: (u16, u16)) -> App {
    let mut app = create_form(size);
    let url = "https://new.example/linq?version=2026-02-03";
    type_text(&mut app, url);
    app.update(code(KeyCode::Tab));
    app.update(key(' '));
    let cmds = app.update(ctrl('s'));
    let [Cmd::Create { req, .. }] = cmds.as_slice() else {
        panic!("no create: {cmds:?}");
    };
    let cmds = app.update(Msg::Api {
        req: *req,
        result: ApiResult::Created {
            target_url: url.into(),
            result: Err(linq_hooks::api::ApiError::Timeout { millis: 30_000 }),
        },
    });
    let Some(Cmd::LoadList { req, .. }) = cmds.first() else {
        panic!("no re-list: {cmds:?}");
    };
    let mut list = subs();
    list.push(sub(CREATED, NOW, url, &["message.sent"], None));
    app.update(Msg::Api {
        req: *req,
        result: ApiResult::List {
            digest: None,
            at: NOW,
            result: Ok(list),
        },
    });
    assert!(app.lost_create.is_some());
    app
}

#[test]
fn lost_create_dialog_wraps_its_text_once() {
    let screens = snapshot("lost_create", lost_create);
    for s in screens {
        assert!(s.contains("its signing secret was in"), "{s}");
    }
    // Narrower than the dialog: the sentence is wrapped by the paragraph alone, so no line
    // of it is a stub of one or two words.
    let app = lost_create((60, 24));
    let screen = text(&draw(&app));
    let sentence: Vec<&str> = screen
        .lines()
        .skip_while(|l| !l.contains("A subscription with this URL"))
        .take_while(|l| !l.trim_matches(|c| c == '│' || c == ' ').is_empty())
        .collect();
    assert!(sentence.len() >= 4, "{screen}");
    for line in &sentence[..sentence.len() - 1] {
        let words = line
            .trim_matches(|c| c == '│' || c == ' ')
            .split(' ')
            .count();
        assert!(words >= 4, "a stub line {line:?} in\n{screen}");
    }
}
