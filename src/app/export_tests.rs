use super::*;
use crate::app::keymap::Context;
use crate::app::{ApiResult, Connection, Msg};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use time::macros::datetime;

const NOW: time::OffsetDateTime = datetime!(2026-11-27 12:00 UTC);

fn sub(id: &str, minute: i64, url: &str) -> Subscription {
    let created = datetime!(2026-01-01 00:00 UTC) + time::Duration::minutes(minute);
    Subscription {
        id: id.into(),
        created_at: created,
        updated_at: created,
        is_active: true,
        subscribed_events: vec!["message.sent".into()],
        target_url: url.into(),
        phone_numbers: None,
        routing_id_header: None,
        routing_key_header: None,
        unreadable: Default::default(),
    }
}

fn loaded() -> App {
    let connection = Connection {
        base_url: "http://127.0.0.1:4010/api/partner".into(),
        sandbox: true,
        key_hint: None,
        read_only: true,
    };
    let mut app = App::new(connection, NOW, (100, 30));
    let req = app
        .init()
        .iter()
        .find_map(|c| match c {
            Cmd::LoadList { req, .. } => Some(*req),
            _ => None,
        })
        .expect("a list request");
    let subs = vec![
        sub("a", 1, "https://alpha.test/hooks"),
        sub("b", 2, "https://bravo.test/hooks"),
        sub("c", 3, "https://charlie.test/hooks"),
    ];
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

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn char_key(c: char) -> Msg {
    let modifiers = if c.is_ascii_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    Msg::Key(KeyEvent::new(KeyCode::Char(c), modifiers))
}

/// The export the runtime is asked to write: (path, ids, overwrite).
fn export_of(cmds: &[Cmd]) -> (String, Vec<String>, bool) {
    match cmds {
        [Cmd::ExportFile {
            path,
            subscriptions,
            account,
            host,
            overwrite,
        }] => {
            assert_eq!(account, "sandbox");
            assert_eq!(host, "127.0.0.1:4010");
            let ids = subscriptions.iter().map(|s| s.id.clone()).collect();
            (path.clone(), ids, *overwrite)
        }
        other => panic!("one ExportFile, got {other:?}"),
    }
}

const DEFAULT: &str = "./linq-hooks-sandbox-2026-11-27.toml";

#[test]
fn x_exports_the_visible_rows_to_the_default_path_even_read_only() {
    let mut app = loaded();
    // The filter leaves two rows.
    app.update(char_key('/'));
    for c in "r".chars() {
        app.update(char_key(c));
    }
    app.update(key(KeyCode::Enter));
    assert!(app.update(char_key('X')).is_empty());
    assert_eq!(app.context(), Context::ExportPath);
    let cmds = app.update(key(KeyCode::Enter));
    assert_eq!(
        export_of(&cmds),
        (DEFAULT.into(), vec!["b".into(), "c".into()], false)
    );
    app.exported(DEFAULT, Ok(2));
    assert!(app.export.is_none());
    let banner = app.banner.as_ref().expect("banner");
    assert_eq!(
        banner.text,
        format!("Exported 2 subscriptions to {DEFAULT} (no secrets)")
    );
}

#[test]
fn marked_rows_win_and_an_existing_file_is_replaced_only_after_asking() {
    let mut app = loaded();
    app.update(char_key(' ')); // marks a, moves to b
    app.update(char_key(' ')); // marks b
    app.update(char_key('X'));
    // A typed path: Ctrl-U clears the default.
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('u'),
        KeyModifiers::CONTROL,
    )));
    for c in "out.json".chars() {
        app.update(char_key(c));
    }
    let (path, ids, overwrite) = export_of(&app.update(key(KeyCode::Enter)));
    assert_eq!((path.as_str(), overwrite), ("out.json", false));
    assert_eq!(ids, ["a", "b"]);
    // Keys while writing type nothing and send nothing twice.
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    app.exported("out.json", Err(ExportFailure::Exists));
    assert_eq!(app.context(), Context::ConfirmOverwrite);
    let (_, _, overwrite) = export_of(&app.update(char_key('y')));
    assert!(overwrite, "replaced only after y");
    app.exported("out.json", Ok(2));
    assert!(app.export.is_none());
}

#[test]
fn no_keeps_the_file_and_a_failure_stays_in_the_dialog() {
    let mut app = loaded();
    app.update(char_key('X'));
    export_of(&app.update(key(KeyCode::Enter)));
    app.exported(DEFAULT, Err(ExportFailure::Exists));
    assert!(app.update(char_key('n')).is_empty());
    assert_eq!(app.context(), Context::ExportPath);
    let dialog = app.export.as_ref().expect("still open");
    assert_eq!(
        dialog.problem.as_deref(),
        Some("the file exists: type another path")
    );
    export_of(&app.update(key(KeyCode::Enter)));
    app.exported(
        DEFAULT,
        Err(ExportFailure::Failed("cannot write: denied".into())),
    );
    let dialog = app.export.as_ref().expect("still open");
    assert_eq!(dialog.stage, ExportStage::Path);
    assert_eq!(dialog.problem.as_deref(), Some("cannot write: denied"));
    // Esc closes it; nothing else happens.
    assert!(app.update(key(KeyCode::Esc)).is_empty());
    assert!(app.export.is_none());
    assert_eq!(app.context(), Context::List);
}

#[test]
fn the_dialog_shows_what_and_where() {
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;
    let mut app = loaded();
    app.update(char_key('X'));
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).expect("terminal");
    terminal.draw(|f| crate::ui::render(&app, f)).expect("draw");
    let buffer = terminal.backend().buffer();
    let text: String = (0..30)
        .map(|y| {
            (0..100)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(text.contains("Export the 3 shown subscriptions"), "{text}");
    assert!(text.contains(DEFAULT), "{text}");
    assert!(text.contains("Enter write · Esc cancel"), "{text}");
}
