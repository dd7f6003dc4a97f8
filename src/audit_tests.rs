//! The audit trail: entries as written, reading back by account, unreadable lines.

use super::*;

#[cfg(unix)]
#[test]
fn entries_append_to_a_private_file_and_read_back_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state/linq-hooks/audit.jsonl");
    let account = AuditAccount {
        name: "acme".into(),
        key_hint: Some("…abcd".into()),
        host: "api.linqapp.com".into(),
    };
    let other = AuditAccount {
        name: "other".into(),
        ..account.clone()
    };
    let now = time::OffsetDateTime::UNIX_EPOCH;
    for (acct, op) in [
        (&account, "pause"),
        (&other, "delete"),
        (&account, "resume"),
    ] {
        let entry = AuditEntry::new(acct, op, "cli", now)
            .on(
                "b2c3d4e5-f6a7-8901-bcde-f23456789012",
                "https://h.example/x",
            )
            .change("is_active", Value::from(true), Value::from(false))
            .outcome(Outcome::ok(200));
        append(&path, &entry).unwrap();
    }
    assert_eq!(crate::private_files::mode(&path).unwrap(), 0o600);
    assert_eq!(
        crate::private_files::mode(path.parent().unwrap()).unwrap(),
        0o700
    );
    let ops: Vec<String> = read(&path, Some(&account), 10)
        .unwrap()
        .entries
        .into_iter()
        .map(|e| e.operation)
        .collect();
    // `other` is another profile name for the same key on the same host.
    assert_eq!(ops, ["resume", "delete", "pause"]);
    assert_eq!(read(&path, None, 1).unwrap().entries.len(), 1);
    let none = read(&dir.path().join("none"), None, 5).unwrap();
    assert!(none.entries.is_empty() && none.unreadable == 0);
}

fn entry(account: &AuditAccount, op: &str) -> AuditEntry {
    AuditEntry::new(account, op, "cli", time::OffsetDateTime::UNIX_EPOCH).outcome(Outcome::ok(200))
}

fn account(name: &str, hint: Option<&str>, host: &str) -> AuditAccount {
    AuditAccount {
        name: name.into(),
        key_hint: hint.map(str::to_string),
        host: host.into(),
    }
}

/// Two different keys both called `environment` never see each other's changes.
#[test]
fn accounts_are_told_apart_by_key_and_host_not_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let mine = account("environment", Some("…aaaa"), "api.linqapp.com");
    let theirs = account("environment", Some("…bbbb"), "api.linqapp.com");
    let staging = account("environment", Some("…aaaa"), "staging.linqapp.com");
    let renamed = account("work", Some("…aaaa"), "API.linqapp.com");
    for (a, op) in [
        (&mine, "pause"),
        (&theirs, "delete"),
        (&staging, "create"),
        (&renamed, "resume"),
    ] {
        append(&path, &entry(a, op)).unwrap();
    }
    let ops = |who: &AuditAccount| -> Vec<String> {
        read(&path, Some(who), 10)
            .unwrap()
            .entries
            .into_iter()
            .map(|e| e.operation)
            .collect()
    };
    assert_eq!(ops(&mine), ["resume", "pause"]);
    assert_eq!(ops(&theirs), ["delete"]);
    assert_eq!(ops(&staging), ["create"]);
    // The embedded sandbox: no key, a new loopback port each run.
    let run1 = account("sandbox", None, "127.0.0.1:40001");
    let run2 = account("sandbox", None, "127.0.0.1:40002");
    append(&path, &entry(&run1, "update")).unwrap();
    assert_eq!(ops(&run2), ["update"]);
    assert!(!run2.same_account(&account("sandbox", None, "sandbox.example:443")));
    assert!(!run2.same_account(&account("sandbox", Some("…aaaa"), "127.0.0.1:40001")));
    assert_eq!(mine.label(), "environment (api.linqapp.com …aaaa)");
}

/// One bad byte no longer hides the trail: the readable lines, and a count of the rest.
#[test]
fn unreadable_lines_are_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let a = account("acme", Some("…abcd"), "api.linqapp.com");
    append(&path, &entry(&a, "pause")).unwrap();
    {
        let mut f = crate::private_files::open_append(&path).unwrap();
        f.write_all(b"{\"time\": \"\xff\xfe\"}\n").unwrap();
        f.write_all(b"not json at all\n\n").unwrap();
    }
    append(&path, &entry(&a, "resume")).unwrap();
    let trail = read(&path, Some(&a), 10).unwrap();
    let ops: Vec<&str> = trail.entries.iter().map(|e| e.operation.as_str()).collect();
    assert_eq!(ops, ["resume", "pause"]);
    assert_eq!(trail.unreadable, 2);
    assert_eq!(
        trail.unreadable_note().as_deref(),
        Some("2 unreadable lines skipped")
    );
    // The limit reached before the bad lines: nothing skipped in what was shown.
    assert_eq!(read(&path, Some(&a), 1).unwrap().unreadable, 0);
}

/// A trail past the 4 MiB window whose window starts in the middle of a character.
#[test]
fn a_tail_window_starting_mid_character_reads_the_whole_lines_after_it() {
    let a = account("acme", Some("…abcd"), "api.linqapp.com");
    let dir = tempfile::tempdir().unwrap();
    // Both parities of the cut: one of them falls inside a two-byte `é`.
    for pad in 0..2 {
        let path = dir.path().join(format!("audit{pad}.jsonl"));
        let mut text = "x".repeat(pad);
        text.push_str(&"é".repeat(((MAX_READ + 1000) / 2) as usize));
        text.push('\n');
        std::fs::write(&path, text).unwrap();
        append(&path, &entry(&a, "pause")).unwrap();
        let trail = read(&path, Some(&a), 10).unwrap();
        assert_eq!(trail.entries.len(), 1, "pad {pad}");
        assert_eq!(trail.unreadable, 0, "the cut line is not counted");
    }
}

/// Two changes made while the caller's clock stood still carry their own write times.
#[test]
fn entries_are_stamped_when_written_not_with_the_callers_clock() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let a = account("acme", Some("…abcd"), "api.linqapp.com");
    let before = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap();
    append(&path, &entry(&a, "pause")).unwrap();
    append(&path, &entry(&a, "resume")).unwrap();
    let after = time::OffsetDateTime::now_utc();
    for e in read(&path, None, 10).unwrap().entries {
        let at =
            time::OffsetDateTime::parse(&e.time, &time::format_description::well_known::Rfc3339)
                .unwrap();
        assert!(
            before <= at && at <= after,
            "{} not {before}..{after}",
            e.time
        );
    }
}
