//! `T` in the dashboard: the question names the URL, the secret is masked and wiped, Enter
//! hands it to the runtime inside the command, and the delivery's findings merge.

use super::*;
use crate::evidence::probe::delivery::{DeliveryStage, Signer};
use crate::evidence::probe::dns::DnsStage;
use crate::evidence::probe::http::Answer;
use crate::evidence::probe::ProbeReport;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use time::macros::datetime;

use super::probe_tests::{key, loaded, NOW};
const URL: &str = "https://hooks.example.com/linq?version=2026-02-03";
/// Fake, for these tests only (32 bytes of base64).
const SECRET: &str = "whsec_VEVTVE9OTFktZmFrZS1zZWNyZXQtMDEyMzQ1Njc4OWFi"; // fake, not a real secret
/// What of the secret must never be drawn or logged (no dot-run can contain it).
const SECRET_BODY: &str = "VEVTVE9OTFktZmFrZS1zZWNyZXQ";

fn sub(id: &str, url: &str) -> Subscription {
    let created = datetime!(2026-01-01 00:00 UTC);
    Subscription {
        id: id.into(),
        created_at: created,
        updated_at: created,
        is_active: true,
        subscribed_events: vec!["message.sent".into(), "message.received".into()],
        target_url: url.into(),
        phone_numbers: None,
        routing_id_header: None,
        routing_key_header: None,
        unreadable: Default::default(),
    }
}

fn press(code: KeyCode, modifiers: KeyModifiers) -> Msg {
    Msg::Key(KeyEvent::new(code, modifiers))
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.update(key(c));
    }
}

fn rendered(app: &App) -> String {
    super::tests::rendered(app, app.size.0, app.size.1)
}

/// Neither the drawn screen nor the app's or the commands' Debug output holds the secret.
fn assert_secret_nowhere(app: &App, cmds: &[Cmd]) {
    let screen = rendered(app);
    assert!(!screen.contains(SECRET_BODY), "drawn:\n{screen}");
    assert!(!screen.contains("whsec_VEV"), "drawn:\n{screen}");
    assert!(!format!("{app:?}").contains(SECRET_BODY), "App Debug");
    assert!(!format!("{cmds:?}").contains(SECRET_BODY), "Cmd Debug");
}

/// The report of a probe whose test delivery got `status`.
fn delivered(signer: Signer, status: u16) -> Box<ProbeReport> {
    Box::new(ProbeReport {
        url: URL.into(),
        host: "hooks.example.com".into(),
        https: true,
        at: NOW.unix_timestamp(),
        timeout_ms: 15_000,
        dns: Some(DnsStage {
            ms: 3,
            addresses: vec!["93.184.215.14".parse().unwrap()],
            literal: false,
            error: None,
            timed_out_ms: None,
        }),
        connect: None,
        tls: None,
        http: Some(Answer {
            ms: 20,
            status: Some(405),
            ..Answer::default()
        }),
        delivery: Some(DeliveryStage {
            ms: 25,
            signer,
            event_type: "message.received".into(),
            event_id: "probe-1".into(),
            webhook_version: "2026-02-03".into(),
            error: None,
            answer: Answer {
                ms: 25,
                status: Some(status),
                ..Answer::default()
            },
        }),
    })
}

fn sent(cmds: &[Cmd]) -> (ReqId, Option<String>) {
    match cmds {
        [Cmd::TestDelivery {
            req,
            url,
            subscription_id,
            event_type,
            secret,
        }] => {
            assert_eq!(url, URL);
            assert_eq!(subscription_id, "a");
            // The subscription subscribes to it, and message.received comes first.
            assert_eq!(event_type, "message.received");
            (*req, secret.as_ref().map(|s| s.to_string()))
        }
        other => panic!("no test delivery: {other:?}"),
    }
}

#[test]
fn t_asks_first_naming_the_url_and_esc_sends_nothing() {
    let mut app = loaded(vec![sub("a", URL)]);
    assert!(app.update(key('T')).is_empty());
    let dialog = app.delivery_dialog.as_ref().expect("the question");
    assert_eq!(dialog.shown_url, URL);
    assert_eq!(app.context(), keymap::Context::ConfirmDelivery);
    app.size = (200, 40);
    let screen = rendered(&app);
    assert!(
        screen.contains(&format!(
            "Send a signed test delivery to {URL}? This is a real POST to the customer's endpoint."
        )),
        "{screen}"
    );
    assert!(
        screen.contains("empty: signs with a fresh random secret"),
        "{screen}"
    );
    // Keys bound elsewhere type into the field: q does not quit, p does not pause.
    type_text(&mut app, "qp");
    assert!(!app.quitting);
    assert_eq!(app.delivery_dialog.as_ref().unwrap().secret_len(), 2);
    let cmds = app.update(press(KeyCode::Esc, KeyModifiers::NONE));
    assert!(cmds.is_empty(), "{cmds:?}");
    assert!(app.delivery_dialog.is_none());
    assert!(app.probes.delivery.is_none());
}

#[test]
fn the_secret_is_masked_when_drawn_and_wiped_by_esc() {
    let mut app = loaded(vec![sub("a", URL)]);
    app.update(key('T'));
    type_text(&mut app, &SECRET[..20]);
    app.update(Msg::Paste(SECRET[20..].to_string()));
    assert_eq!(
        app.delivery_dialog.as_ref().unwrap().secret_len(),
        SECRET.len()
    );
    let screen = rendered(&app);
    assert!(screen.contains(&"•".repeat(32)), "{screen}");
    assert!(
        screen.contains(&format!("{} characters, never shown", SECRET.len())),
        "{screen}"
    );
    assert_secret_nowhere(&app, &[]);
    app.update(press(KeyCode::Esc, KeyModifiers::NONE));
    assert!(app.delivery_dialog.is_none());
    assert_secret_nowhere(&app, &[]);
    // Opened again: the field starts empty.
    app.update(key('T'));
    assert_eq!(app.delivery_dialog.as_ref().unwrap().secret_len(), 0);
}

#[test]
fn a_malformed_secret_is_named_and_kept() {
    let mut app = loaded(vec![sub("a", URL)]);
    app.update(key('T'));
    type_text(&mut app, "sk_live_1234");
    let cmds = app.update(press(KeyCode::Enter, KeyModifiers::NONE));
    assert!(cmds.is_empty(), "{cmds:?}");
    let dialog = app.delivery_dialog.as_ref().expect("still open");
    let problem = dialog.problem.as_deref().expect("what is wrong");
    assert!(problem.contains("whsec_"), "{problem}");
    assert_eq!(dialog.secret_len(), "sk_live_1234".len(), "text kept");
    let screen = rendered(&app);
    assert!(screen.contains("Not a signing secret"), "{screen}");
    assert!(!screen.contains("sk_live_1234"), "{screen}");
    // Ctrl-U empties it; then Enter signs with a random secret.
    app.update(press(KeyCode::Char('u'), KeyModifiers::CONTROL));
    assert_eq!(app.delivery_dialog.as_ref().unwrap().secret_len(), 0);
    let cmds = app.update(press(KeyCode::Enter, KeyModifiers::NONE));
    let (_, secret) = sent(&cmds);
    assert_eq!(secret, None);
    let banner = app.banner.as_ref().map(banner_text).unwrap_or_default();
    assert!(banner.contains("random secret (none given)"), "{banner}");
}

#[test]
fn enter_hands_the_secret_to_the_command_and_keeps_none() {
    let mut app = loaded(vec![sub("a", URL)]);
    app.update(key('T'));
    app.update(Msg::Paste(format!("{SECRET}\n")));
    let cmds = app.update(press(KeyCode::Enter, KeyModifiers::NONE));
    let (req, secret) = sent(&cmds);
    assert_eq!(secret.as_deref(), Some(SECRET));
    assert!(app.delivery_dialog.is_none());
    assert_secret_nowhere(&app, &cmds);
    assert!(app.selected_delivery_running());
    assert!(rendered(&app).contains("sending a signed test delivery"));
    // Esc does not cancel it (the POST may be on the wire); T again waits for it.
    let cmds = app.update(press(KeyCode::Esc, KeyModifiers::NONE));
    assert!(
        !cmds.iter().any(|c| matches!(c, Cmd::CancelProbes { .. })),
        "{cmds:?}"
    );
    app.update(key('T'));
    assert!(app.delivery_dialog.is_none());
    assert_eq!(app.probes.delivery.as_ref().map(|d| d.req), Some(req));
    // P meanwhile starts no second probe of the URL (its result would hide the delivery's).
    let cmds = app.update(key('P'));
    assert!(
        !cmds.iter().any(|c| matches!(c, Cmd::Probe { .. })),
        "{cmds:?}"
    );
}

#[test]
fn the_delivery_findings_merge_into_the_row() {
    let mut app = loaded(vec![
        sub("a", URL),
        sub("b", "https://other.example.com/h?version=2026-02-03"),
    ]);
    app.update(key('T'));
    let cmds = app.update(press(KeyCode::Enter, KeyModifiers::NONE));
    let (req, _) = sent(&cmds);
    app.update(Msg::Probed {
        req,
        report: delivered(Signer::Random, 200),
    });
    assert!(app.probes.delivery.is_none());
    let codes: Vec<&str> = app.findings[0].iter().map(|f| f.code).collect();
    assert_eq!(codes, ["accepts-bad-signature"]);
    assert!(app.findings[1].is_empty());
    assert_eq!(app.problem_count, 1);
    let banner = app.banner.as_ref().map(banner_text).unwrap_or_default();
    assert!(banner.contains("accepts-bad-signature"), "{banner}");
    let probe = app.selected_probe().expect("kept as the URL's probe");
    let line = probe.stages.iter().find(|s| s.name == "delivery").unwrap();
    assert!(!line.ok);
    assert!(
        line.detail.contains("signed with a random secret"),
        "{line:?}"
    );
    app.size = (160, 40);
    let screen = rendered(&app);
    assert!(screen.contains("delivery"), "{screen}");

    // With the right secret a 2xx is a ✓: the row's probe findings go.
    app.update(key('T'));
    app.update(Msg::Paste(SECRET.into()));
    let (req, _) = sent(&app.update(press(KeyCode::Enter, KeyModifiers::NONE)));
    app.update(Msg::Probed {
        req,
        report: delivered(Signer::Given, 202),
    });
    assert!(app.findings[0].is_empty(), "{:?}", app.findings[0]);
    let banner = app.banner.as_ref().map(banner_text).unwrap_or_default();
    assert!(banner.contains("202"), "{banner}");
    // Answers a retry or a drop: named.
    app.update(key('T'));
    app.update(Msg::Paste(SECRET.into()));
    let (req, _) = sent(&app.update(press(KeyCode::Enter, KeyModifiers::NONE)));
    app.update(Msg::Probed {
        req,
        report: delivered(Signer::Given, 404),
    });
    let codes: Vec<&str> = app.findings[0].iter().map(|f| f.code).collect();
    assert_eq!(codes, ["dropped-4xx"]);
}

#[test]
fn t_is_a_write_key_hidden_in_read_only_mode() {
    let binding = keymap::BINDINGS
        .iter()
        .find(|b| b.action == keymap::Action::TestDelivery)
        .expect("T is bound");
    assert_eq!(binding.label, "T");
    assert_eq!(binding.effect, keymap::Effect::Write);
    let mut app = loaded(vec![sub("a", URL)]);
    app.connection.read_only = true;
    app.update(key('T'));
    assert!(app.delivery_dialog.is_none());
}

fn audits(cmds: &[Cmd]) -> Vec<&crate::audit::AuditEntry> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::Audit { entry } => Some(entry.as_ref()),
            _ => None,
        })
        .collect()
}

/// Sends with the secret and answers with `report`: the commands the answer gave.
fn answer_with(app: &mut App, report: Box<ProbeReport>) -> Vec<Cmd> {
    app.update(key('T'));
    app.update(Msg::Paste(SECRET.into()));
    let (req, _) = sent(&app.update(press(KeyCode::Enter, KeyModifiers::NONE)));
    app.update(Msg::Probed { req, report })
}

#[test]
fn the_post_is_audited_with_its_outcome_and_never_the_secret() {
    let mut app = loaded(vec![sub("a", URL)]);
    let cmds = answer_with(&mut app, delivered(Signer::Given, 202));
    let [entry] = audits(&cmds)[..] else {
        panic!("one audit line: {cmds:?}");
    };
    assert_eq!(entry.operation, "test-delivery");
    assert_eq!(entry.source, "dashboard");
    assert_eq!(entry.account.key_hint.as_deref(), Some("…abcd"));
    assert_eq!(entry.subscription_id.as_deref(), Some("a"));
    assert_eq!(entry.target_url.as_deref(), Some(URL));
    assert!(entry.outcome.ok && !entry.outcome.unknown);
    assert_eq!(entry.outcome.status, Some(202));
    let record = entry.delivery.as_ref().expect("what was sent");
    assert_eq!(record.event_id, "probe-1");
    assert_eq!(record.event_type, "message.received");
    assert_eq!(record.signed_with, "given-secret");
    assert_eq!(
        entry.summary(),
        "test-delivery (message.received, given secret)"
    );
    let json = serde_json::to_string(entry).unwrap();
    assert!(
        !json.contains(SECRET_BODY) && !json.contains("whsec_"),
        "{json}"
    );

    // Another answer: an error with its status.
    let cmds = answer_with(&mut app, delivered(Signer::Given, 401));
    let entry = audits(&cmds)[0];
    assert!(!entry.outcome.ok && !entry.outcome.unknown);
    assert_eq!(entry.outcome.status, Some(401));
    assert_eq!(entry.outcome_text(), "HTTP 401");

    // Sent, but no answer in time: it may have arrived.
    let mut report = delivered(Signer::Given, 200);
    let stage = report.delivery.as_mut().unwrap();
    stage.answer = Answer {
        ms: 15_000,
        timed_out_ms: Some(15_000),
        ..Answer::default()
    };
    let cmds = answer_with(&mut app, report);
    let entry = audits(&cmds)[0];
    assert!(!entry.outcome.ok && entry.outcome.unknown);
    assert!(entry.outcome_text().starts_with("unknown"));

    // Never sent (no connection for the POST; or the probe stopped before it): no line.
    let mut report = delivered(Signer::Given, 200);
    report.delivery.as_mut().unwrap().error = Some("no connection for the POST: refused".into());
    assert!(audits(&answer_with(&mut app, report)).is_empty());
    let mut report = delivered(Signer::Given, 200);
    report.delivery = None;
    assert!(audits(&answer_with(&mut app, report)).is_empty());
}

#[test]
fn a_delivery_still_on_its_way_at_quit_is_recorded_as_unknown() {
    let mut app = loaded(vec![sub("a", URL)]);
    app.update(key('T'));
    sent(&app.update(press(KeyCode::Enter, KeyModifiers::NONE)));
    let cmds = app.update(key('q'));
    let [entry] = audits(&cmds)[..] else {
        panic!("one audit line: {cmds:?}");
    };
    assert_eq!(entry.operation, "test-delivery");
    assert!(entry.outcome.unknown);
    assert_eq!(
        entry.delivery.as_ref().map(|d| d.signed_with.as_str()),
        Some("random-secret")
    );
    assert!(matches!(cmds.last(), Some(Cmd::Quit)));
}

#[test]
fn a_paste_longer_than_any_secret_is_cut() {
    let mut app = loaded(vec![sub("a", URL)]);
    app.update(key('T'));
    app.update(Msg::Paste("x".repeat(10_000)));
    assert_eq!(app.delivery_dialog.as_ref().unwrap().secret_len(), 256);
}
