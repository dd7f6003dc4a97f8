//! Findings (src/diagnose/): one table-driven case per rule, positive and negative, then
//! twins, ordering, text hygiene, and an ignored timing run for 10,000 subscriptions.

use linq_hooks::api::{PhoneNumber, Subscription, UnreadableFields};
use linq_hooks::app::BUNDLED_EVENTS;
use linq_hooks::diagnose::{
    endpoint_key, findings, findings_for_all, worst, Account, Finding, Severity, CODES,
};
use linq_hooks::text::is_invisible;
use std::collections::BTreeSet;
use time::macros::datetime;

use Severity::{Error as E, Info as I, Warning as W};

const LINE_A: &str = "+12025551234";
const LINE_B: &str = "+12025559876";
const NOT_A_LINE: &str = "+13105550000";
const PINNED: &str = "https://hooks.acme.com/linq?version=2026-02-03";

fn sub(id: &str, url: &str) -> Subscription {
    Subscription {
        id: id.into(),
        created_at: datetime!(2026-03-01 10:00 UTC),
        updated_at: datetime!(2026-03-01 10:00 UTC),
        is_active: true,
        subscribed_events: vec!["message.received".into(), "message.sent".into()],
        target_url: url.into(),
        phone_numbers: None,
        routing_id_header: None,
        routing_key_header: None,
        unreadable: UnreadableFields::default(),
    }
}

fn line(number: &str) -> PhoneNumber {
    PhoneNumber {
        id: "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e".into(),
        phone_number: number.into(),
        reputation: None,
        forwarding_number: None,
        line_type: Some("iMessage".into()),
    }
}

fn catalog() -> Vec<String> {
    BUNDLED_EVENTS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

/// The account the single-subscription cases run in: two lines, the server's catalogue,
/// and no other subscriptions.
struct Fixture {
    lines: Option<Vec<PhoneNumber>>,
    catalog: Vec<String>,
    from_server: bool,
    subs: Vec<Subscription>,
}

impl Fixture {
    fn new() -> Self {
        Self {
            lines: Some(vec![line(LINE_A), line(LINE_B)]),
            catalog: catalog(),
            from_server: true,
            subs: Vec::new(),
        }
    }

    fn account(&self) -> Account<'_> {
        Account {
            lines: self.lines.as_deref(),
            catalog: &self.catalog,
            catalog_from_server: self.from_server,
            subscriptions: &self.subs,
            sandbox: false,
        }
    }
}

fn codes(found: &[Finding]) -> BTreeSet<(&'static str, Severity)> {
    found.iter().map(|f| (f.code, f.severity)).collect()
}

fn expect(found: &[Finding], expected: &[(&'static str, Severity)], case: &str) {
    assert_eq!(
        codes(found),
        expected.iter().copied().collect(),
        "{case}: {found:#?}"
    );
}

fn with(url: &str, change: impl FnOnce(&mut Subscription)) -> Subscription {
    let mut s = sub("b2c3d4e5-f6a7-8901-bcde-f23456789012", url);
    change(&mut s);
    s
}

/// A case: its name, the subscription, the (code, severity) pairs expected, no others.
type Case = (&'static str, Subscription, Vec<(&'static str, Severity)>);

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|e| e.to_string()).collect()
}

fn events(list: &[&str]) -> Vec<linq_hooks::api::EventType> {
    list.iter().map(|e| (*e).into()).collect()
}

#[test]
fn one_case_per_rule() {
    let keep = |_: &mut Subscription| {};
    let cases: Vec<Case> = vec![
        ("clean", with(PINNED, keep), vec![]),
        (
            "legacy pin alone is fine",
            with("https://hooks.acme.com/linq?version=2025-01-01", keep),
            vec![],
        ),
        (
            "paused",
            with(PINNED, |s| s.is_active = false),
            vec![("paused", W)],
        ),
        (
            "http",
            with("http://hooks.acme.com/linq?version=2026-02-03", keep),
            vec![("not-https", E)],
        ),
        (
            "not a URL",
            with("hooks.acme.com/linq", keep),
            vec![("invalid-url", E)],
        ),
        (
            "space in host",
            with("https://hooks acme.com/x", keep),
            vec![("invalid-url", E)],
        ),
        ("empty URL", with("", keep), vec![("invalid-url", E)]),
        (
            "credentials",
            with(
                "https://user:pw@hooks.acme.com/linq?version=2026-02-03",
                keep,
            ),
            vec![("credentials-in-url", W)],
        ),
        (
            "user only",
            with("https://user@hooks.acme.com/linq?version=2026-02-03", keep),
            vec![("credentials-in-url", W)],
        ),
        (
            "fragment",
            with("https://hooks.acme.com/linq?version=2026-02-03#top", keep),
            vec![("fragment-in-url", W)],
        ),
        (
            "no version",
            with("https://hooks.acme.com/linq", keep),
            vec![("no-version-pin", W)],
        ),
        (
            "version in the fragment is no pin",
            with("https://hooks.acme.com/linq#version=2026-02-03", keep),
            vec![("no-version-pin", W), ("fragment-in-url", W)],
        ),
        (
            "unknown version",
            with("https://hooks.acme.com/linq?version=2024-13-01", keep),
            vec![("unknown-version", W)],
        ),
        (
            "empty version",
            with("https://hooks.acme.com/linq?version=", keep),
            vec![("unknown-version", W)],
        ),
        (
            "edited on legacy, among others",
            with("https://hooks.acme.com/linq?version=2025-01-01", |s| {
                s.subscribed_events.push("message.edited".into())
            }),
            vec![("event-not-delivered-for-version", W)],
        ),
        (
            "edited alone on legacy never fires",
            with("https://hooks.acme.com/linq?version=2025-01-01", |s| {
                s.subscribed_events = events(&["message.edited"])
            }),
            vec![("event-not-delivered-for-version", E)],
        ),
        (
            "edited without a pin",
            with("https://hooks.acme.com/linq", |s| {
                s.subscribed_events = events(&["message.edited"])
            }),
            vec![
                ("no-version-pin", W),
                ("event-not-delivered-for-version", W),
            ],
        ),
        (
            "edited on current",
            with(PINNED, |s| {
                s.subscribed_events.push("message.edited".into())
            }),
            vec![],
        ),
        (
            "edited on an unknown version: no guess",
            with("https://hooks.acme.com/linq?version=2027-01-01", |s| {
                s.subscribed_events = events(&["message.edited"])
            }),
            vec![("unknown-version", W)],
        ),
        (
            "no events",
            with(PINNED, |s| s.subscribed_events.clear()),
            vec![("no-events", E)],
        ),
        (
            "filter of lines",
            with(PINNED, |s| {
                s.phone_numbers = Some(strings(&[LINE_A, LINE_B]))
            }),
            vec![],
        ),
        (
            "filter of a line in loose form",
            with(PINNED, |s| {
                s.phone_numbers = Some(strings(&["+1 (202) 555-1234"]))
            }),
            vec![],
        ),
        (
            "empty filter hears every line",
            with(PINNED, |s| s.phone_numbers = Some(vec![])),
            vec![],
        ),
        (
            "one number not a line",
            with(PINNED, |s| {
                s.phone_numbers = Some(strings(&[LINE_A, NOT_A_LINE]))
            }),
            vec![("phone-not-a-line", W)],
        ),
        (
            "no number is a line",
            with(PINNED, |s| {
                s.phone_numbers = Some(strings(&[NOT_A_LINE, "+447700900123"]))
            }),
            vec![("no-phone-is-a-line", E)],
        ),
        (
            "unknown event type",
            with(PINNED, |s| {
                s.subscribed_events.push("message.teleported".into())
            }),
            vec![("unknown-event-type", W)],
        ),
        (
            "routing id without key",
            with(PINNED, |s| s.routing_id_header = Some("X-Chat".into())),
            vec![("routing-id-without-key", W)],
        ),
        (
            "routing id with key",
            with(PINNED, |s| {
                s.routing_id_header = Some("X-Chat".into());
                s.routing_key_header = Some("X-Route".into());
            }),
            vec![],
        ),
        (
            "routing key alone",
            with(PINNED, |s| s.routing_key_header = Some("X-Route".into())),
            vec![],
        ),
        (
            "default routing id reported with affinity off",
            with(PINNED, |s| {
                s.routing_id_header = Some("Linq-Chat-Id".into())
            }),
            vec![],
        ),
        (
            "blank routing id",
            with(PINNED, |s| s.routing_id_header = Some("  ".into())),
            vec![],
        ),
        // A field the server sent in an unreadable shape: its placeholder (is_active=false,
        // empty events) must not raise paused or no-events.
        (
            "unreadable fields",
            with(PINNED, |s| {
                s.unreadable = UnreadableFields::of(&["is_active", "subscribed_events"]);
                s.is_active = false;
                s.subscribed_events.clear();
            }),
            vec![("unreadable-fields", I)],
        ),
        (
            "unreadable URL",
            with("", |s| s.unreadable = UnreadableFields::of(&["target_url"])),
            vec![("unreadable-fields", I)],
        ),
    ];
    let fixture = Fixture::new();
    for (case, s, expected) in &cases {
        expect(&findings(s, &fixture.account()), expected, case);
    }
}

#[test]
fn hosts_linq_cannot_reach() {
    let fixture = Fixture::new();
    let unreachable = [
        "localhost",
        "LOCALHOST.",
        "app.localhost",
        "127.0.0.1",
        "127.1",
        "2130706433",
        "0.0.0.0",
        "0.1.2.3",
        "10.1.2.3",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.10",
        "169.254.169.254",
        "100.64.0.1",
        "100.127.255.254",
        "192.0.2.10",
        "198.18.0.1",
        "224.0.0.1",
        "255.255.255.255",
        "[::1]",
        "[::]",
        "[fd00::1]",
        "[fc12:3456::1]",
        "[fe80::1]",
        "[fec0::1]",
        "[ff02::1]",
        "[2001:db8::1]",
        "[::ffff:10.0.0.1]",
        "[::ffff:127.0.0.1]",
        "[::ffff:192.168.0.1]",
        "[::ffff:a9fe:a9fe]",
        "[64:ff9b::10.0.0.1]",
        "[::10.0.0.1]",
        "printer.local",
        "svc.internal",
        "x.invalid",
        "hooks.test",
        "acme.example",
        "router.home.arpa",
        "abc.onion",
        "intranet",
        "Intranet:8443",
    ];
    for host in unreachable {
        let s = sub("id", &format!("https://{host}/linq?version=2026-02-03"));
        expect(
            &findings(&s, &fixture.account()),
            &[("unreachable-host", E)],
            host,
        );
    }
    let reachable = [
        "8.8.8.8",
        "100.63.255.255",
        "100.128.0.1",
        "172.32.0.1",
        "11.0.0.1",
        "[2606:4700:4700::1111]",
        "[::ffff:8.8.8.8]",
        "[64:ff9b::8.8.8.8]",
        "example.com",
        "local.acme.com",
        "test.acme.com",
        "acme.testing",
        "hooks.acme.com.",
        "xn--bcher-kva.example.com",
    ];
    for host in reachable {
        let s = sub("id", &format!("https://{host}/linq?version=2026-02-03"));
        expect(&findings(&s, &fixture.account()), &[], host);
    }
}

#[test]
fn phone_rules_wait_for_the_lines() {
    let mut fixture = Fixture::new();
    let s = with(PINNED, |s| s.phone_numbers = Some(strings(&[NOT_A_LINE])));
    expect(
        &findings(&s, &fixture.account()),
        &[("no-phone-is-a-line", E)],
        "lines known",
    );
    fixture.lines = None;
    expect(&findings(&s, &fixture.account()), &[], "lines not fetched");
    fixture.lines = Some(vec![]);
    expect(
        &findings(&s, &fixture.account()),
        &[("no-phone-is-a-line", E)],
        "account without lines",
    );
}

#[test]
fn phone_findings_list_the_numbers_that_are_not_lines() {
    let fixture = Fixture::new();
    let s = with(PINNED, |s| {
        s.phone_numbers = Some(strings(&[LINE_A, NOT_A_LINE, "+447700900123"]))
    });
    let found = findings(&s, &fixture.account());
    assert_eq!(found.len(), 1);
    assert!(found[0].message.contains(NOT_A_LINE) && found[0].message.contains("+447700900123"));
    assert!(!found[0].message.contains(LINE_A), "{}", found[0].message);
}

#[test]
fn catalogue_rule_depends_on_where_the_catalogue_came_from() {
    let mut fixture = Fixture::new();
    let s = with(PINNED, |s| s.subscribed_events.push("brand.new".into()));
    expect(
        &findings(&s, &fixture.account()),
        &[("unknown-event-type", W)],
        "server",
    );
    fixture.from_server = false;
    let found = findings(&s, &fixture.account());
    expect(&found, &[("unknown-event-type", I)], "bundled");
    assert!(found[0].message.contains("newer"), "{}", found[0].message);
    fixture.catalog.clear();
    expect(&findings(&s, &fixture.account()), &[], "no catalogue");
}

/// The account in twin cases: `subs`, each checked both ways (alone, and all at once).
fn twin_findings(subs: Vec<Subscription>) -> Vec<Vec<Finding>> {
    let mut fixture = Fixture::new();
    fixture.subs = subs;
    let account = fixture.account();
    let all = findings_for_all(&account);
    for (s, batch) in fixture.subs.iter().zip(&all) {
        assert_eq!(&findings(s, &account), batch, "one vs all for {}", s.id);
    }
    all
}

fn phones(mut s: Subscription, numbers: &[&str]) -> Subscription {
    s.phone_numbers = Some(strings(numbers));
    s
}

#[test]
fn duplicate_targets_compare_host_port_and_path_not_the_query() {
    let dup = vec![("duplicate-target", W)];
    let split = vec![("duplicate-target", I)];
    type Pair = (
        &'static str,
        Subscription,
        Subscription,
        Vec<(&'static str, Severity)>,
    );
    let cases: Vec<Pair> = vec![
        (
            "host case, default port, other version",
            sub("a", "https://Hooks.ACME.com:443/linq?version=2026-02-03"),
            sub("b", "https://hooks.acme.com/linq?version=2025-01-01"),
            dup.clone(),
        ),
        (
            "trailing dot",
            sub("a", "https://hooks.acme.com./linq?version=2026-02-03"),
            sub("b", PINNED),
            dup.clone(),
        ),
        (
            "split by query, disjoint filters",
            phones(
                sub("a", "https://hooks.acme.com/linq?line=1&version=2026-02-03"),
                &[LINE_A],
            ),
            phones(
                sub("b", "https://hooks.acme.com/linq?line=2&version=2026-02-03"),
                &[LINE_B],
            ),
            split.clone(),
        ),
        (
            "split by query, overlapping filters",
            phones(
                sub("a", "https://hooks.acme.com/linq?line=1&version=2026-02-03"),
                &[LINE_A],
            ),
            phones(
                sub("b", "https://hooks.acme.com/linq?line=2&version=2026-02-03"),
                &[LINE_B, "+1 202 555 1234"],
            ),
            dup.clone(),
        ),
        (
            "split by query, one hears every line",
            phones(
                sub("a", "https://hooks.acme.com/linq?line=1&version=2026-02-03"),
                &[LINE_A],
            ),
            sub("b", "https://hooks.acme.com/linq?line=2&version=2026-02-03"),
            dup.clone(),
        ),
        (
            "other path",
            sub("a", PINNED),
            sub("b", "https://hooks.acme.com/linq/?version=2026-02-03"),
            vec![],
        ),
        (
            "other port",
            sub("a", PINNED),
            sub("b", "https://hooks.acme.com:8443/linq?version=2026-02-03"),
            vec![],
        ),
        (
            "other host",
            sub("a", PINNED),
            sub("b", "https://hooks2.acme.com/linq?version=2026-02-03"),
            vec![],
        ),
    ];
    for (case, a, b, expected) in cases {
        let all = twin_findings(vec![a, b]);
        for found in &all {
            expect(found, &expected, case);
        }
    }
}

#[test]
fn an_active_and_a_paused_twin_say_which_delivers() {
    let mut paused = sub(
        "paused-one",
        "https://hooks.acme.com/linq?version=2025-01-01",
    );
    paused.is_active = false;
    let all = twin_findings(vec![sub("active-one", PINNED), paused.clone()]);
    expect(&all[0], &[("active-paused-twin", I)], "active");
    assert!(
        all[0][0].message.contains("paused-one")
            && all[0][0]
                .message
                .contains("this one is the one that delivers")
    );
    expect(
        &all[1],
        &[("paused", W), ("active-paused-twin", I)],
        "paused",
    );
    assert!(all[1][1].message.contains("active-one") && all[1][1].message.contains("delivers"));
    // Two paused twins deliver nothing, so nothing arrives twice.
    let mut other = paused.clone();
    other.id = "paused-two".into();
    for found in twin_findings(vec![paused, other]) {
        expect(&found, &[("paused", W)], "both paused");
    }
}

#[test]
fn many_twins_are_named_briefly() {
    let mut subs: Vec<Subscription> = (0..6)
        .map(|i| {
            sub(
                &format!("twin-{i}"),
                &format!("https://hooks.acme.com/linq?n={i}&version=2026-02-03"),
            )
        })
        .collect();
    subs[5].is_active = false;
    let all = twin_findings(subs);
    expect(
        &all[0],
        &[("duplicate-target", W), ("active-paused-twin", I)],
        "first",
    );
    let message = &all[0][0].message;
    assert!(
        message.contains("twin-1, twin-2, twin-3 and others"),
        "{message}"
    );
    assert!(
        !message.contains("twin-0") && !message.contains("twin-5"),
        "{message}"
    );
    expect(
        &all[5],
        &[("paused", W), ("active-paused-twin", I)],
        "paused",
    );
    assert!(
        all[5][1].message.contains("twin-0 and 4 more"),
        "{}",
        all[5][1].message
    );
}

#[test]
fn the_checked_subscription_need_not_be_in_the_list() {
    // The form previews an unsaved subscription against the saved ones.
    let mut fixture = Fixture::new();
    fixture.subs = vec![sub("saved", PINNED)];
    let draft = sub("", "https://HOOKS.acme.com/linq?version=2026-02-03");
    expect(
        &findings(&draft, &fixture.account()),
        &[("duplicate-target", W)],
        "draft",
    );
}

#[test]
fn worst_first_and_deterministic() {
    let fixture = Fixture::new();
    let mut s = sub("id", "http://hooks.acme.com/linq#x");
    s.is_active = false;
    s.subscribed_events.push("brand.new".into());
    s.unreadable = UnreadableFields::of(&["created_at"]);
    let found = findings(&s, &fixture.account());
    let severities: Vec<Severity> = found.iter().map(|f| f.severity).collect();
    let mut sorted = severities.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(severities, sorted);
    assert_eq!(found[0].code, "not-https");
    assert_eq!(found.last().map(|f| f.code), Some("unreadable-fields"));
    assert_eq!(
        found.iter().map(|f| f.code).collect::<Vec<_>>(),
        [
            "not-https",
            "paused",
            "fragment-in-url",
            "no-version-pin",
            "unknown-event-type",
            "unreadable-fields"
        ]
    );
    assert_eq!(findings(&s, &fixture.account()), found);
    assert_eq!(worst(&found), Some(E));
    assert_eq!(worst(&found[1..5]), Some(W));
    assert_eq!(worst(&[]), None);
    assert!(E > W && W > I);
    assert_eq!(E.label(), "error");
}

#[test]
fn every_code_is_documented_kebab_case_and_unique() {
    let unique: BTreeSet<&str> = CODES.iter().copied().collect();
    assert_eq!(unique.len(), CODES.len());
    let docs = include_str!("../src/diagnose/mod.rs");
    for code in CODES {
        assert!(
            code.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{code}"
        );
        assert!(
            docs.contains(&format!("//! | `{code}` |")),
            "{code} missing from the table"
        );
    }
}

fn assert_clean(found: &[Finding], secrets: &[&str]) {
    assert!(!found.is_empty());
    for f in found {
        assert!(CODES.contains(&f.code), "{}", f.code);
        for text in [&f.message, &f.fix] {
            assert!(
                !text.chars().any(|c| c.is_control() || is_invisible(c)),
                "{text:?}"
            );
            assert!(text.ends_with('.') && !text.contains('\n'), "{text:?}");
            for secret in secrets {
                assert!(!text.contains(secret), "{secret} in {text:?}");
            }
        }
    }
}

#[test]
fn messages_carry_no_control_characters_and_no_secrets() {
    let mut fixture = Fixture::new();
    let mut hostile = sub(
        "id\u{1b}[2J",
        "http://user:s3cret@hooks.acme.com/li\u{1b}[31mnq?token=t0ken&version=20%1B[2J26#frag\u{7}",
    );
    hostile.is_active = false;
    hostile.subscribed_events =
        events(&["message.\u{1b}]0;pwned\u{7}sent", "message.edited\u{202e}"]);
    hostile.phone_numbers = Some(strings(&["+1202\u{1b}[1m5550000", LINE_A]));
    hostile.routing_id_header = Some("X-\u{9b}31mChat".into());
    let found = findings(&hostile, &fixture.account());
    assert_clean(&found, &["s3cret", "t0ken"]);
    for code in [
        "not-https",
        "credentials-in-url",
        "unknown-version",
        "phone-not-a-line",
        "unknown-event-type",
        "routing-id-without-key",
    ] {
        assert!(found.iter().any(|f| f.code == code), "{code}: {found:#?}");
    }
    // The same, seen from a twin (ids in twin messages come from the server too).
    let mut twin = sub(
        "twin\u{1b}[2J",
        "https://hooks.acme.com/li%1B[31mnq?version=2026-02-03",
    );
    twin.is_active = true;
    hostile.target_url = "https://hooks.acme.com/li\u{1b}[31mnq?version=2026-02-03".into();
    fixture.subs = vec![hostile, twin];
    for found in findings_for_all(&fixture.account()) {
        assert_clean(&found, &[]);
    }
    // An unparsable URL with a control character in the host.
    let broken = sub("id", "https://ho\u{1b}st/x");
    assert_clean(&findings(&broken, &fixture.account()), &[]);
}

#[test]
fn endpoint_keys_normalise_host_and_port() {
    assert_eq!(
        endpoint_key("https://Hooks.Acme.COM:443/a?x=1#f"),
        endpoint_key("https://hooks.acme.com/a")
    );
    assert_ne!(
        endpoint_key("https://hooks.acme.com/a"),
        endpoint_key("https://hooks.acme.com/a/")
    );
    assert_ne!(
        endpoint_key("https://hooks.acme.com/a"),
        endpoint_key("https://hooks.acme.com:8443/a")
    );
    assert_eq!(endpoint_key("not a url"), None);
}

/// `n` subscriptions shaped like a large account: endpoints split by `?line=` with per-line
/// filters, paused twins, and half of them on one endpoint, most with the same number (the
/// quadratic trap for naive twin checks).
fn large_account(n: usize) -> Vec<Subscription> {
    (0..n)
        .map(|i| {
            let url = match i % 2 {
                0 => format!("https://shared.acme.com/linq?line={i}&version=2026-02-03"),
                _ => format!(
                    "https://h{}.acme.com/linq?line={i}&version=2026-02-03",
                    i % 500
                ),
            };
            let mut s = sub(&format!("{i:08}-0000-4000-8000-000000000000"), &url);
            s.is_active = i % 7 != 0;
            s.phone_numbers = match i % 3 {
                0 => None,
                1 => Some(vec![LINE_A.into()]),
                _ => Some(vec![format!("+1202555{:04}", i % 10_000)]),
            };
            if i % 11 == 0 {
                s.subscribed_events.push("message.edited".into());
            }
            s
        })
        .collect()
}

#[test]
#[ignore = "timing run: cargo test --release --test diagnose -- --ignored --nocapture"]
fn time_findings_for_all_on_10_000_subscriptions() {
    // 20,000 too: twice the time means the whole stays linear.
    for n in [10_000, 20_000] {
        let mut fixture = Fixture::new();
        fixture.subs = large_account(n);
        let account = fixture.account();
        let _ = findings_for_all(&account);
        let runs = 5;
        let started = std::time::Instant::now();
        let mut total = 0;
        for _ in 0..runs {
            total += findings_for_all(&account)
                .iter()
                .map(Vec::len)
                .sum::<usize>();
        }
        let each = started.elapsed() / runs;
        println!(
            "findings_for_all, {n} subscriptions: {each:?} per run ({} findings)",
            total / runs as usize
        );
        let started = std::time::Instant::now();
        let one = findings(&fixture.subs[0], &account);
        println!(
            "findings for one of {n}: {:?} ({} findings)",
            started.elapsed(),
            one.len()
        );
    }
}

/// In the embedded sandbox the demo's `*.example` hosts are expected: worth knowing, not an
/// error (the Problems tab would otherwise hold every demo row).
#[test]
fn in_the_sandbox_an_unreachable_host_is_information() {
    let subs = vec![sub("s1", "https://acme.example/hook?version=2026-02-03")];
    let catalog: Vec<String> = vec!["message.sent".into()];
    let mut account = Account {
        lines: None,
        catalog: &catalog,
        catalog_from_server: true,
        subscriptions: &subs,
        sandbox: true,
    };
    let found = findings(&subs[0], &account);
    let host = found
        .iter()
        .find(|f| f.code == "unreachable-host")
        .expect("found");
    assert_eq!(host.severity, Severity::Info);
    assert!(
        host.message.contains("fine in the sandbox"),
        "{}",
        host.message
    );
    account.sandbox = false;
    let found = findings(&subs[0], &account);
    assert_eq!(found[0].code, "unreachable-host");
    assert_eq!(found[0].severity, Severity::Error);
}
