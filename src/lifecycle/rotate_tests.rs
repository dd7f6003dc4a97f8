use super::*;
use crate::audit::{AuditAccount, Outcome, RotationIds};

const OLD: &str = "aaaaaaaa-0000-4000-8000-000000000001";
const NEW: &str = "bbbbbbbb-0000-4000-8000-000000000002";

fn sub(id: &str, url: &str) -> Subscription {
    Subscription {
        id: id.into(),
        created_at: OffsetDateTime::UNIX_EPOCH,
        updated_at: OffsetDateTime::UNIX_EPOCH,
        is_active: true,
        subscribed_events: vec!["message.received".into(), "message.sent".into()],
        target_url: url.into(),
        phone_numbers: Some(vec!["+12025551234".into()]),
        routing_id_header: None,
        routing_key_header: None,
        unreadable: Default::default(),
    }
}

fn entry(op: &str, ok: bool, old: &str, new: &str, minute: i64) -> AuditEntry {
    let mut e = AuditEntry::new(
        &AuditAccount::default(),
        op,
        "cli",
        OffsetDateTime::UNIX_EPOCH + time::Duration::minutes(minute),
    );
    e.rotation = Some(RotationIds {
        old_id: old.into(),
        new_id: new.into(),
    });
    e.outcome = if ok {
        Outcome::ok(200)
    } else {
        Outcome {
            ok: false,
            ..Outcome::default()
        }
    };
    e
}

#[test]
fn the_rotation_parameter_is_added_keeping_every_other_parameter() {
    assert_eq!(
        with_rotation("https://h.example/hook?version=2026-02-03&line=1", 1),
        "https://h.example/hook?version=2026-02-03&line=1&linq_rotation=1"
    );
    assert_eq!(
        with_rotation("https://h.example/hook", 3),
        "https://h.example/hook?linq_rotation=3"
    );
    // An earlier rotation's number is replaced, a fragment stays last.
    assert_eq!(
        with_rotation(
            "https://h.example/h?linq_rotation=1&version=2025-01-01#x",
            2
        ),
        "https://h.example/h?version=2025-01-01&linq_rotation=2#x"
    );
    assert_eq!(
        rotation_number("https://h.example/h?version=1&linq_rotation=7"),
        Some(7)
    );
    assert_eq!(
        rotation_number("https://h.example/h?linq_rotationx=7"),
        None
    );
    // Only the query counts: not the path, not the fragment.
    assert_eq!(
        rotation_number(" https://h.example/h?&linq_rotation=2#linq_rotation=3 "),
        Some(2)
    );
    assert_eq!(
        rotation_number("https://h.example/linq_rotation=4#linq_rotation=3"),
        None
    );
    assert_eq!(
        without_rotation("https://h.example/h?linq_rotation=2&version=2026-02-03"),
        "https://h.example/h?version=2026-02-03"
    );
}

#[test]
fn the_twin_url_skips_numbers_taken_in_the_account() {
    let old = sub(OLD, "https://h.example/h?version=2026-02-03");
    let taken = sub(
        "cccccccc-0000-4000-8000-000000000003",
        // Same identity as `…&linq_rotation=1` (host case does not count).
        "https://H.EXAMPLE/h?version=2026-02-03&linq_rotation=1",
    );
    let url = twin_url(&old, &[old.clone(), taken]);
    assert_eq!(
        url,
        "https://h.example/h?version=2026-02-03&linq_rotation=2"
    );
    assert_eq!(payload_version(&url).as_deref(), Some("2026-02-03"));
}

#[test]
fn the_twin_copies_events_phones_and_routing() {
    let mut old = sub(OLD, "https://h.example/h");
    old.routing_key_header = Some("X-Route".into());
    old.routing_id_header = Some("X-Chat".into());
    let twin = twin(&old, "https://h.example/h?linq_rotation=1".into());
    assert_eq!(twin.subscribed_events, old.subscribed_events);
    assert_eq!(twin.phone_numbers, old.phone_numbers);
    assert_eq!(twin.routing_key_header.as_deref(), Some("X-Route"));
    assert_eq!(twin.routing_id_header.as_deref(), Some("X-Chat"));
    // Every line stays every line: no `[]` or null sent on create.
    old.phone_numbers = Some(vec![]);
    old.routing_key_header = None;
    let twin = super::twin(&old, "https://h.example/h?linq_rotation=1".into());
    assert_eq!(twin.phone_numbers, None);
    assert_eq!(twin.routing_id_header, None, "no id header without a key");
}

#[test]
fn the_trail_keeps_only_rotations_not_finished_or_aborted() {
    let third = "cccccccc-0000-4000-8000-000000000003";
    // Newest first, as audit::read returns them.
    let trail = vec![
        entry(ABORT, false, OLD, third, 5),
        entry(START, true, OLD, third, 4),
        entry(FINISH, true, "x", NEW, 3),
        entry(START, true, "x", NEW, 2),
        entry(START, false, OLD, "never", 1),
    ];
    let open = open_in_trail(&trail);
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0].new_id, third);
    assert_eq!(open[0].found, Found::Trail);
    assert_eq!(
        open[0].since,
        Some(OffsetDateTime::UNIX_EPOCH + time::Duration::minutes(4))
    );
}

#[test]
fn the_parameter_alone_finds_the_pair_on_another_machine() {
    let old = sub(OLD, "https://h.example/h?version=2026-02-03");
    let mut new = sub(
        NEW,
        "https://h.example/h?version=2026-02-03&linq_rotation=1",
    );
    new.created_at = OffsetDateTime::UNIX_EPOCH + time::Duration::hours(1);
    let unrelated = sub(
        "cccccccc-0000-4000-8000-000000000003",
        "https://other.example/h?linq_rotation=1",
    );
    let pairs = in_progress(&[], &[old, new.clone(), unrelated]);
    assert_eq!(pairs.len(), 1, "{pairs:?}");
    assert_eq!(
        (pairs[0].old_id.as_str(), pairs[0].new_id.as_str()),
        (OLD, NEW)
    );
    assert_eq!(pairs[0].found, Found::Hint);
    assert_eq!(pairs[0].since, Some(new.created_at));
    // Once the old one is deleted there is no pair any more.
    assert!(in_progress(&[], &[new]).is_empty());
}

#[test]
fn a_trail_pair_with_a_custom_url_wins_over_the_hint() {
    let old = sub(OLD, "https://h.example/h");
    let new = sub(NEW, "https://elsewhere.example/new");
    let trail = vec![entry(START, true, OLD, NEW, 1)];
    let pairs = in_progress(&trail, &[old.clone(), new]);
    assert_eq!(pairs.len(), 1);
    assert_eq!(pairs[0].found, Found::Trail);
    assert_eq!(pair_of(&pairs, NEW).map(|p| p.partner(NEW)), Some(OLD));
    // The twin deleted behind our back: not in progress any more.
    assert!(in_progress(&trail, &[old]).is_empty());
}

#[test]
fn finishing_is_refused_naming_what_changed() {
    let pair = Pair {
        old_id: OLD.into(),
        new_id: NEW.into(),
        since: None,
        found: Found::Trail,
    };
    let old = sub(OLD, "https://h.example/h?version=2026-02-03");
    let same = sub(
        NEW,
        "https://h.example/h?version=2026-02-03&linq_rotation=1",
    );
    assert!(finish_refusals(&pair, Some(&old), Some(&same)).is_empty());

    let mut changed = same.clone();
    changed.is_active = false;
    changed.subscribed_events = vec!["message.received".into(), "message.read".into()];
    changed.phone_numbers = None;
    let reasons = finish_refusals(&pair, Some(&old), Some(&changed)).join("\n");
    assert!(reasons.contains("is paused"), "{reasons}");
    assert!(
        reasons.contains("events differ (missing message.sent; extra message.read)"),
        "{reasons}"
    );
    assert!(
        reasons.contains("phone lines differ (missing +12025551234; extra every line)"),
        "{reasons}"
    );

    let gone = finish_refusals(&pair, Some(&old), None).join("");
    assert!(
        gone.contains("is gone") && gone.contains("--abort"),
        "{gone}"
    );
    let old_gone = finish_refusals(&pair, None, Some(&same)).join("");
    assert!(old_gone.contains("already deleted"), "{old_gone}");

    let mut version = same;
    version.target_url = "https://h.example/h?version=2025-01-01&linq_rotation=1".into();
    let reasons = finish_refusals(&pair, Some(&old), Some(&version)).join("");
    assert!(reasons.contains("payload version differs"), "{reasons}");
}

#[test]
fn a_pair_is_overdue_after_a_day() {
    let start = OffsetDateTime::UNIX_EPOCH;
    let pair = Pair {
        old_id: OLD.into(),
        new_id: NEW.into(),
        since: Some(start),
        found: Found::Hint,
    };
    assert!(!pair.overdue(start + time::Duration::hours(23)));
    assert!(pair.overdue(start + time::Duration::hours(25)));
}

#[test]
fn a_bulk_rotation_pairs_every_twin_with_its_own_old_one() {
    // 1,500 subscriptions rotated at once (their twins still running), one of them twice
    // in a row, and rows whose URLs differ only in their host or path: each twin finds its
    // own old one, looked up rather than searched for across the account.
    let n = 1500;
    let mut subs = Vec::new();
    for i in 0..n {
        subs.push(sub(
            &format!("old-{i:05}"),
            &format!("https://h{i}.example/hook"),
        ));
        subs.push(sub(
            &format!("new-{i:05}"),
            &format!("https://h{i}.example/hook?linq_rotation=1"),
        ));
        subs.push(sub(
            &format!("other-{i:05}"),
            &format!("https://h{i}.example/other"),
        ));
    }
    subs.push(sub(
        "newest-00007",
        "https://h7.example/hook?linq_rotation=2",
    ));
    let pairs = in_progress(&[], &subs);
    assert_eq!(pairs.len(), n, "one pair per rotated subscription");
    for pair in &pairs {
        if pair.old_id == "new-00007" {
            // The chain 0 → 1 → 2 is its newest step.
            assert_eq!(pair.new_id, "newest-00007");
        } else {
            assert_eq!(pair.old_id.replace("old-", "new-"), pair.new_id, "{pair:?}");
        }
    }
    assert!(!pairs.iter().any(|p| p.old_id == "old-00007"));
}

#[test]
fn of_twins_with_equal_numbers_the_last_listed_is_the_old_one() {
    let subs = [
        sub("first", "https://h.example/x?linq_rotation=1"),
        sub("second", "https://h.example/x?linq_rotation=1"),
        sub("twin", "https://h.example/x?linq_rotation=2"),
    ];
    let pairs = from_hint(&subs);
    assert_eq!(pairs.len(), 1, "{pairs:?}");
    assert_eq!(
        (pairs[0].old_id.as_str(), pairs[0].new_id.as_str()),
        ("second", "twin")
    );
}

#[test]
fn a_bulk_rotation_marks_every_pair_and_keeps_a_third_subscriptions_duplicate() {
    use crate::diagnose::{rotation, Finding, Severity};
    // 1,000 rotated subscriptions and their twins; at endpoint 5 a third active
    // subscription also delivers, so its duplicate-target stays.
    let mut subs = Vec::new();
    for i in 0..1000 {
        subs.push(sub(
            &format!("old-{i}"),
            &format!("https://h{i}.example/hook"),
        ));
        subs.push(sub(
            &format!("new-{i}"),
            &format!("https://h{i}.example/hook?linq_rotation=1"),
        ));
    }
    subs.push(sub("third", "https://h5.example/hook?other=1"));
    let pairs = from_hint(&subs);
    assert_eq!(pairs.len(), 1000);
    let duplicate = || Finding {
        severity: Severity::Warning,
        code: "duplicate-target",
        message: "two subscriptions".into(),
        fix: "delete one".into(),
    };
    let mut all: Vec<Vec<Finding>> = subs.iter().map(|_| vec![duplicate()]).collect();
    let now = OffsetDateTime::UNIX_EPOCH + time::Duration::hours(1);
    rotation::apply(&mut all, &subs, &pairs, now);
    for (sub, found) in subs.iter().zip(&all) {
        let codes: Vec<&str> = found.iter().map(|f| f.code).collect();
        if sub.id == "third" {
            assert_eq!(codes, ["duplicate-target"]);
        } else if sub.id.ends_with("-5") {
            assert!(codes.contains(&"rotation-in-progress"), "{codes:?}");
            assert!(codes.contains(&"duplicate-target"), "{codes:?}");
        } else {
            assert_eq!(codes, ["rotation-in-progress"], "{}", sub.id);
        }
    }
}
