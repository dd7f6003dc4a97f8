//! `P` in the dashboard: what it asks the runtime to do, how results merge into the
//! findings (marker column, Findings block, Problems tab), the 8-at-a-time limit, Esc.

use super::*;
use crate::evidence::probe::dns::DnsStage;
use crate::evidence::probe::ProbeReport;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use time::macros::datetime;

pub(super) const NOW: OffsetDateTime = datetime!(2026-11-27 12:00 UTC);

fn sub(id: &str, minute: i64, url: &str) -> Subscription {
    let created = datetime!(2026-01-01 00:00 UTC) + time::Duration::minutes(minute);
    Subscription {
        id: id.into(),
        created_at: created,
        updated_at: created,
        is_active: true,
        subscribed_events: vec!["message.received".into()],
        target_url: url.into(),
        phone_numbers: None,
        routing_id_header: None,
        routing_key_header: None,
        unreadable: Default::default(),
    }
}

/// A live account (no sandbox rules) with `subs` listed at `NOW`, 100×30.
pub(super) fn loaded(subs: Vec<Subscription>) -> App {
    let connection = Connection {
        base_url: "https://api.linqapp.com/api/partner".into(),
        sandbox: false,
        key_hint: Some("…abcd".into()),
        read_only: false,
    };
    let mut app = App::new(connection, NOW, (100, 30));
    let cmds = app.init();
    let Some(Cmd::LoadList { req, .. }) = cmds.first() else {
        panic!("no list request: {cmds:?}");
    };
    app.update(Msg::Api {
        req: *req,
        result: ApiResult::List {
            digest: None,
            at: NOW,
            result: Ok(subs),
        },
    });
    app
}

pub(super) fn key(c: char) -> Msg {
    let modifiers = if c.is_ascii_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    Msg::Key(KeyEvent::new(KeyCode::Char(c), modifiers))
}

fn esc() -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE))
}

/// A probe that found the host resolving only to loopback.
fn loopback_report(url: &str) -> Box<ProbeReport> {
    Box::new(ProbeReport {
        url: url.into(),
        host: "hooks.example.com".into(),
        https: true,
        at: NOW.unix_timestamp(),
        timeout_ms: 15_000,
        dns: Some(DnsStage {
            ms: 4,
            addresses: vec!["127.0.0.1".parse().unwrap()],
            literal: false,
            error: None,
            timed_out_ms: None,
        }),
        connect: None,
        tls: None,
        http: None,
        delivery: None,
    })
}

fn probes(cmds: &[Cmd]) -> Vec<(ReqId, String)> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::Probe { req, url } => Some((*req, url.clone())),
            _ => None,
        })
        .collect()
}

fn codes(app: &App, i: usize) -> Vec<&'static str> {
    app.findings[i].iter().map(|f| f.code).collect()
}

const URL: &str = "https://hooks.example.com/linq?version=2026-02-03";

#[test]
fn p_probes_the_selected_endpoint_and_its_findings_join_the_row() {
    let mut app = loaded(vec![
        sub("a", 1, URL),
        sub("b", 2, "https://other.example.com/h?version=2026-02-03"),
    ]);
    assert_eq!(app.selected.as_deref(), Some("a"));
    assert_eq!(app.problem_count, 0, "{:?}", app.findings);
    let cmds = app.update(key('P'));
    let started = probes(&cmds);
    assert_eq!(started.len(), 1);
    assert_eq!(started[0].1, URL);
    assert!(app.selected_probe_running());
    // P again while it runs starts nothing more.
    assert!(probes(&app.update(key('P'))).is_empty());

    app.update(Msg::Probed {
        req: started[0].0,
        report: loopback_report(URL),
    });
    // The row with that URL carries the probe's finding; the other does not.
    assert_eq!(codes(&app, 0), ["dns-private-only"]);
    assert!(codes(&app, 1).is_empty());
    assert_eq!(app.problem_count, 1);
    let probe = app.selected_probe().expect("kept for the session");
    assert_eq!(probe.stages[0].name, "dns");
    assert!(!probe.stages[0].ok);
    assert!(!app.selected_probe_running());
    // A refresh of the list keeps the probe's findings (cached per URL).
    let cmds = app.update(key('r'));
    let Some(Cmd::LoadList { req, .. }) = cmds.first() else {
        panic!("{cmds:?}");
    };
    app.update(Msg::Api {
        req: *req,
        result: ApiResult::List {
            digest: None,
            at: NOW,
            result: Ok(vec![
                sub("b", 2, "https://other.example.com/h?version=2026-02-03"),
                sub("n", 3, URL),
            ]),
        },
    });
    // A new subscription at the probed URL gets the cached probe's findings too.
    assert_eq!(codes(&app, 1), ["dns-private-only"]);
    assert_eq!(app.problem_count, 1);
}

#[test]
fn marked_rows_are_probed_eight_at_a_time_and_esc_cancels() {
    let subs: Vec<Subscription> = (0..12)
        .map(|i| {
            sub(
                &format!("s{i:02}"),
                i,
                &format!("https://h{i}.example.com/x"),
            )
        })
        .collect();
    let mut app = loaded(subs);
    app.update(key('*'));
    assert_eq!(app.marked.len(), 12);
    let started = probes(&app.update(key('P')));
    assert_eq!(started.len(), probes::MAX_RUNNING);
    assert_eq!(app.probes.progress, Some((0, 12)));
    let banner = app.banner.as_ref().map(banner_text).unwrap_or_default();
    assert!(banner.contains("0 of 12"), "{banner}");
    // Each result starts the next one.
    let next = app.update(Msg::Probed {
        req: started[0].0,
        report: loopback_report(&started[0].1),
    });
    assert_eq!(probes(&next).len(), 1);
    assert_eq!(app.probes.progress, Some((1, 12)));
    // Esc stops the rest (marks stay: a second Esc clears them).
    let cmds = app.update(esc());
    let Some(Cmd::CancelProbes { reqs }) = cmds.first() else {
        panic!("{cmds:?}");
    };
    assert_eq!(reqs.len(), probes::MAX_RUNNING);
    assert!(!app.probes.busy());
    assert_eq!(app.marked.len(), 12);
    // A cancelled probe's late answer is dropped.
    app.update(Msg::Probed {
        req: started[1].0,
        report: loopback_report(&started[1].1),
    });
    assert_eq!(app.probes.done.len(), 1);
    app.update(esc());
    assert!(app.marked.is_empty());
}

#[test]
fn p_is_a_keymap_row_that_reads_only() {
    let binding = keymap::BINDINGS
        .iter()
        .find(|b| b.action == keymap::Action::Probe)
        .expect("P is bound");
    assert_eq!(binding.label, "P");
    assert_eq!(binding.effect, keymap::Effect::Read);
}
