//! Accounts through the built binary: `--profile` and the choice order, `profiles`, and
//! `doctor` against the sandbox, a wrong key and a closed port. Every run has its own HOME
//! and XDG dirs in a temp dir: no real config, key or home directory is touched.

mod cli_support;
mod sandbox_support;

use cli_support::{closed_port, Cli};
use sandbox_support::{Sandbox, KEY};

/// A CLI with no key and no base URL, and `config` as its config.toml (0600).
fn with_config(config: &str) -> Cli {
    let cli = Cli::bare();
    let dir = cli.home.path().join("config").join("linq-hooks");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.toml");
    std::fs::write(&path, config).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    cli
}

fn profile(name: &str, base: &str, key_line: &str) -> String {
    format!("[profiles.{name}]\nlabel = \"{name} label\"\nbase_url = \"{base}\"\n{key_line}\n")
}

#[tokio::test]
async fn a_profile_chooses_the_account_for_every_command() {
    let sandbox = Sandbox::start(&[KEY, "other-key"], true).await;
    let config = format!(
        "default_profile = \"main\"\n{}{}",
        profile(
            "main",
            &sandbox.base,
            &format!("key_command = [\"echo\", \"{KEY}\"]")
        ),
        profile("other", &sandbox.base, "key_env = \"OTHER_KEY\""),
    );
    let cli = with_config(&config);
    // default_profile: the main account (its 12 seeded subscriptions).
    let run = cli.run(&["list", "--json"]).await.expect(0);
    assert_eq!(run.json().as_array().map(Vec::len), Some(12));
    // Another account, through --profile: its key from a variable.
    let created = sandbox
        .post_as(
            "other-key",
            "webhook-subscriptions",
            &serde_json::json!({"target_url": "https://only-other.example/hook",
                                "subscribed_events": ["message.sent"]}),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let mut cmd = cli.command();
    cmd.env("OTHER_KEY", "other-key")
        .args(["list", "--json", "--profile", "other"]);
    let run = cli_support::output(cmd).await.expect(0);
    let listed = run.json();
    let urls: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["target_url"].as_str())
        .filter(|u| u.contains("only-other"))
        .collect();
    assert_eq!(urls.len(), 1, "{}", run.stdout);
    // LINQ_HOOKS_PROFILE works like --profile; an unknown name lists the known ones.
    let mut cmd = cli.command();
    cmd.env("LINQ_HOOKS_PROFILE", "nope").args(["list"]);
    let run = cli_support::output(cmd).await.expect(2);
    assert_eq!(
        run.stderr_lines(),
        ["linq-hooks: list: error: no profile \"nope\" (known: main, other, sandbox)"]
    );
}

#[tokio::test]
async fn profiles_lists_every_account_and_never_a_key() {
    let config = format!(
        "default_profile = \"b\"\n{}{}",
        profile(
            "a",
            "https://api.one.test/api/partner",
            "key = \"sk_inline_secret_0000\""
        ),
        profile(
            "b",
            "https://api.two.test/api/partner",
            "key_env = \"B_KEY\""
        ),
    );
    let cli = with_config(&config);
    let run = cli.run(&["profiles", "--json"]).await.expect(0);
    let rows = run.json();
    let names: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a", "b", "sandbox"]);
    assert_eq!(rows[0]["key_source"], "inline");
    assert_eq!(rows[1]["host"], "api.two.test");
    assert_eq!(rows[1]["chosen"], true, "default_profile");
    // The sandbox's organisation id (for the delivery log) is its partner id.
    let sandbox_org = linq_hooks::sandbox::partner_id_for_key("sandbox");
    assert_eq!(rows[2]["org_id"], sandbox_org.as_str());
    assert_eq!(rows[0]["org_id"], serde_json::Value::Null);
    let table = cli.run(&["profiles"]).await.expect(0);
    for out in [&run.stdout, &table.stdout, &run.stderr, &table.stderr] {
        assert!(!out.contains("sk_inline_secret"), "{out}");
    }
    assert!(table.stdout.contains("b label"), "{}", table.stdout);
    assert!(table.stdout.contains("ORG ID"), "{}", table.stdout);
    assert!(table.stdout.contains(&sandbox_org), "{}", table.stdout);
}

#[tokio::test]
async fn a_bad_config_is_one_line_with_file_line_and_column_and_exit_2() {
    let cli = with_config("[profiles.a]\nkey_env = \"K\"\ncolour = \"red\"\n");
    let run = cli.run(&["list"]).await.expect(2);
    let lines = run.stderr_lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains("config.toml:3:1: unknown field `colour`"),
        "{lines:?}"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn an_inline_key_in_a_readable_config_is_refused() {
    let cli = with_config(&profile(
        "a",
        "https://api.one.test/api/partner",
        "key = \"sk_x_000000001\"",
    ));
    let path = cli.home.path().join("config/linq-hooks/config.toml");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let run = cli.run(&["list", "--profile", "a"]).await.expect(2);
    assert!(run.stderr.contains("chmod 600"), "{}", run.stderr);
    assert!(!run.stderr.contains("sk_x_"), "{}", run.stderr);
}

#[tokio::test]
async fn doctor_passes_on_the_sandbox() {
    let sandbox = Sandbox::start(&[KEY], true).await;
    let cli = Cli::new(&sandbox.base, KEY);
    // The sandbox's organisation id is its account's partner id.
    let mut doctor = cli.command();
    doctor
        .env("LINQ_ORG_ID", linq_hooks::sandbox::partner_id_for_key(KEY))
        .arg("doctor");
    let run = cli_support::output(doctor).await.expect(0);
    let checks: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(checks.len(), 7, "{}", run.stdout);
    assert!(checks.iter().all(|l| l.starts_with('✓')), "{}", run.stdout);
    assert!(
        checks[6].contains("delivery logs") && checks[6].contains("0 attempts on the first page"),
        "{}",
        run.stdout
    );
    // Without an organisation id the log is a warning, never a failure.
    let run = cli.run(&["doctor"]).await.expect(0);
    let logs = run.stdout.lines().last().unwrap_or_default();
    assert!(logs.starts_with('▲'), "{}", run.stdout);
    assert!(logs.contains("no organisation id"), "{}", run.stdout);
    assert!(run.stdout.contains("4 lines"), "{}", run.stdout);
    assert!(run.stdout.contains("12 subscriptions"), "{}", run.stdout);
    assert!(run.stdout.contains("…"), "only a key hint: {}", run.stdout);
    assert!(!run.stdout.contains(KEY), "{}", run.stdout);
    let json = cli.run(&["doctor", "--json"]).await.expect(0).json();
    assert_eq!(json.as_array().map(Vec::len), Some(7));
    assert_eq!(json[5]["check"], "clock");
    assert_eq!(json[5]["ok"], true);
    assert_eq!(json[6]["check"], "delivery logs");
    assert_eq!(json[6]["warning"], true);
}

#[tokio::test]
async fn doctor_says_a_wrong_key_is_refused() {
    let sandbox = Sandbox::start(&[KEY], true).await;
    let cli = Cli::new(&sandbox.base, "a-wrong-key-123456789");
    let run = cli.run(&["doctor"]).await.expect(1);
    let line = |check: &str| {
        run.stdout
            .lines()
            .find(|l| l.contains(check))
            .unwrap_or_default()
            .to_string()
    };
    assert!(line("reachable").starts_with('✓'), "{}", run.stdout);
    assert!(line("key accepted").starts_with('✗'), "{}", run.stdout);
    assert!(line("key accepted").contains("HTTP 401"), "{}", run.stdout);
    assert!(
        line("clock").starts_with('✓'),
        "a 401 still tells the time: {}",
        run.stdout
    );
}

#[tokio::test]
async fn doctor_says_a_closed_port_is_unreachable() {
    let base = format!("http://127.0.0.1:{}/api/partner", closed_port());
    let cli = Cli::new(&base, KEY);
    let run = cli.run(&["doctor"]).await.expect(1);
    let reachable = run
        .stdout
        .lines()
        .find(|l| l.contains("reachable"))
        .unwrap_or_default();
    assert!(reachable.starts_with('✗'), "{}", run.stdout);
    assert!(reachable.contains("cannot connect"), "{}", run.stdout);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with('–') && l.contains("key accepted")),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn doctor_with_an_id_or_all_prints_the_findings_and_fails_on_an_error() {
    let sandbox = Sandbox::start(&[KEY], false).await;
    let good = sandbox
        .create(&serde_json::json!({
            "target_url": "https://hooks.example.com/linq?version=2026-02-03",
            "subscribed_events": ["message.sent"]
        }))
        .await;
    let bad = sandbox
        .create(&serde_json::json!({
            "target_url": "https://hooks.internal/linq",
            "subscribed_events": ["message.edited"]
        }))
        .await;
    let cli = Cli::new(&sandbox.base, KEY);
    let good_id = good["id"].as_str().unwrap();
    let run = cli.run(&["doctor", good_id]).await.expect(0);
    assert!(run.stdout.contains("nothing found wrong"), "{}", run.stdout);
    let bad_id = bad["id"].as_str().unwrap();
    let run = cli.run(&["doctor", bad_id]).await.expect(1);
    assert!(run.stdout.contains("unreachable-host"), "{}", run.stdout);
    assert!(run.stdout.contains("no-version-pin"), "{}", run.stdout);
    let json = cli
        .run(&["doctor", "--all", "--json"])
        .await
        .expect(1)
        .json();
    assert_eq!(json["checks"].as_array().map(Vec::len), Some(7));
    let subs = json["subscriptions"].as_array().expect("subscriptions");
    assert_eq!(subs.len(), 2);
    let codes: Vec<&str> = subs
        .iter()
        .find(|s| s["id"] == bad["id"])
        .and_then(|s| s["findings"].as_array())
        .expect("findings")
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"unreachable-host"), "{codes:?}");
    assert!(
        codes.contains(&"event-not-delivered-for-version"),
        "{codes:?}"
    );
    // A malformed id is a usage error before anything is sent.
    cli.run(&["doctor", "not-an-id"]).await.expect(2);
}

/// In a shell a fix names the command, not the dashboard's key (issue 15 item 21).
#[tokio::test]
async fn doctor_fixes_name_the_command_not_a_key() {
    let sandbox = Sandbox::start(&[KEY], false).await;
    let paused = sandbox
        .create(&serde_json::json!({
            "target_url": "https://hooks.example.com/linq",
            "subscribed_events": ["message.sent"]
        }))
        .await;
    let id = paused["id"].as_str().unwrap();
    sandbox
        .put(
            &format!("webhook-subscriptions/{id}"),
            &serde_json::json!({"is_active": false}),
        )
        .await;
    let cli = Cli::new(&sandbox.base, KEY);
    let run = cli.run(&["doctor", id]).await.expect(0);
    assert!(
        run.stdout
            .contains(&format!("Resume it: `linq-hooks resume {id}`.")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!(
            "`linq-hooks update {id} --url URL?version=2026-02-03`"
        )),
        "{}",
        run.stdout
    );
    for key_hint in ["with p", "(e to edit", "Ctrl-"] {
        assert!(!run.stdout.contains(key_hint), "{}", run.stdout);
    }
    let json = cli.run(&["doctor", id, "--json"]).await.expect(0).json();
    let fixes: Vec<&str> = json["subscriptions"][0]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["fix"].as_str().unwrap())
        .collect();
    assert!(fixes.iter().all(|f| f.contains("linq-hooks")), "{fixes:?}");
}
