//! The audit trail of the commands: one line per change with the exact fields, never a key
//! or a secret, a private file; `history` reads it back newest first.

mod cli_support;
mod sandbox_support;

use cli_support::Cli;
use sandbox_support::{Sandbox, KEY};
use serde_json::Value;

#[tokio::test]
async fn every_change_is_one_audit_line_and_history_reads_them_back() {
    let sandbox = Sandbox::start(&[KEY], false).await;
    let cli = Cli::new(&sandbox.base, KEY);
    let created = cli
        .run(&[
            "create",
            "--url",
            "https://hooks.example.com/audit?version=2026-02-03",
            "--event",
            "message.sent",
            "--json",
        ])
        .await
        .expect(0)
        .json();
    let id = created["id"].as_str().unwrap().to_string();
    let secret = created["signing_secret"].as_str().unwrap().to_string();
    cli.run(&["pause", &id]).await.expect(0);
    cli.run(&["update", &id, "--add-event", "message.read"])
        .await
        .expect(0);
    cli.run(&["delete", &id]).await.expect(0);

    let path = cli.home.path().join("state/linq-hooks/audit.jsonl");
    let text = std::fs::read_to_string(&path).expect("the trail");
    assert!(!text.contains(KEY), "never the key");
    assert!(!text.contains(&secret), "never the secret");
    assert!(!text.contains("whsec_"), "never a secret");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ops: Vec<&str> = lines
        .iter()
        .map(|l| l["operation"].as_str().unwrap())
        .collect();
    assert_eq!(ops, ["create", "pause", "update", "delete"]);
    for line in &lines {
        assert_eq!(line["source"], "cli");
        assert_eq!(line["subscription_id"], id.as_str());
        assert_eq!(line["account"]["name"], "environment");
        assert_eq!(line["outcome"]["ok"], true);
    }
    assert_eq!(lines[1]["changes"]["is_active"]["before"], true);
    assert_eq!(lines[1]["changes"]["is_active"]["after"], false);
    assert_eq!(
        lines[2]["changes"]["subscribed_events"]["after"],
        serde_json::json!(["message.sent", "message.read"])
    );
    assert_eq!(lines[3]["outcome"]["status"], 204);
    #[cfg(unix)]
    {
        assert_eq!(linq_hooks::private_files::mode(&path).unwrap(), 0o600);
        assert_eq!(
            linq_hooks::private_files::mode(path.parent().unwrap()).unwrap(),
            0o700
        );
    }
    let history = cli.run(&["history", "--json"]).await.expect(0).json();
    let newest: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["operation"].as_str().unwrap())
        .collect();
    assert_eq!(newest, ["delete", "update", "pause", "create"]);
    let table = cli.run(&["history"]).await.expect(0);
    assert!(
        table.stdout.contains("pause (is_active true → false)"),
        "{}",
        table.stdout
    );
}

#[tokio::test]
async fn a_failed_change_is_recorded_with_its_status_code_and_trace_id() {
    let sandbox = Sandbox::start(&[KEY], false).await;
    let cli = Cli::new(&sandbox.base, KEY);
    cli.run(&["pause", "00000000-1111-4222-8333-444444444444"])
        .await
        .expect(1);
    let text =
        std::fs::read_to_string(cli.home.path().join("state/linq-hooks/audit.jsonl")).unwrap();
    let line: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(line["outcome"]["ok"], false);
    assert_eq!(line["outcome"]["status"], 404);
    assert_eq!(line["outcome"]["code"], 2010);
    assert_eq!(line["outcome"]["trace_id"].as_str().map(str::len), Some(32));
}

/// One line of a trail, written as another process (or a careless edit) could have.
fn line(name: &str, hint: &str, host: &str, time: &str, op: &str, url: &str) -> String {
    let entry = serde_json::json!({
        "time": time,
        "account": {"name": name, "key_hint": hint, "host": host},
        "operation": op, "source": "cli",
        "subscription_id": "b2c3d4e5-f6a7-8901-bcde-f23456789012",
        "target_url": url, "outcome": {"ok": true, "status": 200}
    });
    format!("{entry}\n")
}

/// Two keys both called `environment` on one host: each sees only its own changes, with
/// the identity shown; an unreadable line is skipped and counted; every printed field is
/// cleaned (issue 15: 12, 13, 15).
#[tokio::test]
async fn history_is_the_keys_own_readable_and_clean() {
    let key = "sk_test_history_0001"; // a fake key: only its hint is used
    let cli = Cli::new("https://api.example.test/api/partner", key);
    let path = cli.home.path().join("state/linq-hooks/audit.jsonl");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let host = "api.example.test";
    let mut trail = Vec::new();
    trail.extend(
        line(
            "environment",
            "…0001",
            host,
            "2026-02-05T19:30:00Z",
            "pause",
            "https://a.example/h",
        )
        .into_bytes(),
    );
    trail.extend(
        line(
            "environment",
            "…9999",
            host,
            "2026-02-05T19:31:00Z",
            "delete",
            "https://other.example/h",
        )
        .into_bytes(),
    );
    trail.extend(b"{\"time\": \"\xff\xfe\"}\n");
    trail.extend(
        line(
            "environment",
            "…0001",
            host,
            "2026-02-05T19:32:00Z\u{1b}[2J\u{9b}31m",
            "resume",
            "https://a.example/h\u{9b}1m\u{1b}]0;x\u{7}",
        )
        .into_bytes(),
    );
    std::fs::write(&path, trail).unwrap();

    let run = cli.run(&["history"]).await.expect(0);
    assert!(
        run.stdout.contains("environment (api.example.test …0001)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("pause") && run.stdout.contains("resume"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("delete") && !run.stdout.contains("other.example"));
    assert!(
        run.stderr.contains("1 unreadable line skipped"),
        "{}",
        run.stderr
    );
    for c in ['\u{1b}', '\u{9b}', '\u{7}'] {
        assert!(!run.stdout.contains(c), "{:?}", run.stdout);
    }

    let run = cli.run(&["history", "--json"]).await.expect(0);
    assert!(!run.stdout.contains('\u{9b}'), "{:?}", run.stdout);
    assert!(!run.stdout.contains("\\u001b"), "{:?}", run.stdout);
    let ops: Vec<String> = run
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["operation"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ops, ["resume", "pause"]);

    // The other key, same name: only its own change.
    let theirs = Cli {
        key: Some("sk_test_history_9999".into()), // a fake key
        ..Cli::new("https://api.example.test/api/partner", key)
    };
    std::fs::create_dir_all(theirs.home.path().join("state/linq-hooks")).unwrap();
    std::fs::copy(
        &path,
        theirs.home.path().join("state/linq-hooks/audit.jsonl"),
    )
    .unwrap();
    let run = theirs.run(&["history", "--json"]).await.expect(0);
    assert_eq!(run.json().as_array().unwrap().len(), 1, "{}", run.stdout);
}
