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
