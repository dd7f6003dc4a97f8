//! Many accounts at once through the built binary: `find` and `list --all-profiles` over
//! three sandbox accounts, one whose key command fails and one whose API never answers.
//! The failing accounts are one line each on stderr, the others are all printed, exit 1.

mod cli_support;
mod sandbox_support;

use cli_support::{closed_port, Cli};
use sandbox_support::Sandbox;

const KEYS: [&str; 3] = ["acme-key", "globex-key", "initech-key"];

/// A CLI with no key and `config` as its config.toml (0600).
fn with_config(config: &str) -> Cli {
    let cli = Cli::bare();
    let dir = cli.home.path().join("config").join("linq-hooks");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.toml");
    std::fs::write(&path, config).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    cli
}

fn profile(name: &str, base: &str, key_line: &str) -> String {
    format!("[profiles.{name}]\nbase_url = \"{base}\"\n{key_line}\n")
}

/// Three sandbox accounts (each seeded alike), one hit only Acme has, and the config.
async fn fleet(extra: &str) -> (Sandbox, Cli) {
    let sandbox = Sandbox::start(&KEYS, true).await;
    let acme = sandbox
        .post_as(
            "acme-key",
            "webhook-subscriptions",
            &serde_json::json!({"target_url": "https://hooks.acme-corp.com/linq",
                                "subscribed_events": ["message.failed"],
                                "phone_numbers": ["+15550001111"]}),
        )
        .await;
    assert_eq!(acme.status, 201, "{:?}", acme.body);
    let mut config = String::new();
    for (name, key) in ["acme", "globex", "initech"].iter().zip(KEYS) {
        config.push_str(&profile(
            name,
            &sandbox.base,
            &format!("key_command = [\"echo\", \"{key}\"]"),
        ));
    }
    config.push_str(extra);
    (sandbox, with_config(&config))
}

#[tokio::test]
async fn find_hits_exactly_the_account_that_has_it() {
    let (_sandbox, cli) = fleet("").await;
    let run = cli.run(&["find", "ACME-CORP.com"]).await.expect(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "header, one hit, summary: {}", run.stdout);
    assert!(lines[0].starts_with("ACCOUNT"), "{}", lines[0]);
    assert!(lines[1].starts_with("acme "), "{}", lines[1]);
    assert!(lines[1].contains("https://hooks.acme-corp.com/linq"));
    assert!(lines[1].contains("active"));
    assert_eq!(lines[2], "1 hit in 3 of 3 accounts");

    // JSON: the subscription's own fields plus its account, one object per line.
    let run = cli.run(&["find", "+1555000", "--json"]).await.expect(0);
    let hits: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one object a line"))
        .collect();
    assert_eq!(hits.len(), 1, "{}", run.stdout);
    assert_eq!(hits[0]["account"], "acme");
    assert_eq!(hits[0]["target_url"], "https://hooks.acme-corp.com/linq");
    assert_eq!(hits[0]["phone_numbers"][0], "+15550001111");

    // An event type every seeded account subscribes to hits all three, in config order.
    let run = cli
        .run(&["find", "message.received", "--json"])
        .await
        .expect(0);
    let accounts: Vec<String> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["account"].to_string())
        .collect();
    assert!(accounts.iter().any(|a| a == "\"globex\""), "{accounts:?}");
    assert!(accounts.iter().any(|a| a == "\"initech\""), "{accounts:?}");
    let first_globex = accounts.iter().position(|a| a == "\"globex\"").unwrap();
    let last_acme = accounts.iter().rposition(|a| a == "\"acme\"").unwrap();
    assert!(last_acme < first_globex, "grouped by account: {accounts:?}");

    // Only the accounts named.
    let run = cli
        .run(&[
            "find",
            "acme-corp",
            "--profile",
            "globex",
            "--profile",
            "initech",
        ])
        .await
        .expect(0);
    assert!(
        run.stdout.ends_with("0 hits in 2 of 2 accounts\n"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn failing_accounts_are_one_line_each_and_the_rest_is_printed() {
    // An API that accepts connections and never answers (a hung load balancer).
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_base = format!("http://{}/api/partner", silent.local_addr().unwrap());
    let extra = format!(
        "{}{}{}",
        profile(
            "broken",
            "http://127.0.0.1:1/api/partner",
            "key_command = [\"false\"]"
        ),
        profile("hung", &silent_base, "key_command = [\"echo\", \"k\"]"),
        profile(
            "closed",
            &format!("http://127.0.0.1:{}/api/partner", closed_port()),
            "key_command = [\"echo\", \"k\"]"
        ),
    );
    let (_sandbox, cli) = fleet(&extra).await;
    let run = cli
        .run(&["--timeout", "1", "find", "acme-corp"])
        .await
        .expect(1);
    assert!(
        run.stdout.contains("https://hooks.acme-corp.com/linq"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.ends_with("1 hit in 3 of 6 accounts\n"),
        "{}",
        run.stdout
    );
    let errors = run.stderr_lines();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(errors[0].contains("account broken:"), "{errors:?}");
    assert!(errors[0].contains("key command"), "{errors:?}");
    // In the order `profiles` lists them (by name), whichever failed first.
    assert!(errors[1].contains("account closed:"), "{errors:?}");
    assert!(errors[1].contains("refused"), "{errors:?}");
    assert!(errors[2].contains("account hung:"), "{errors:?}");
    assert!(errors[2].contains("timed out"), "{errors:?}");

    // list --all-profiles: every readable account's rows, its name on each.
    let run = cli
        .run(&["--timeout", "1", "list", "--all-profiles", "--json"])
        .await
        .expect(1);
    let rows: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let count = |name: &str| rows.iter().filter(|r| r["account"] == name).count();
    assert_eq!(count("acme"), 13);
    assert_eq!(count("globex"), 12);
    assert_eq!(count("initech"), 12);
    assert_eq!(run.stderr_lines().len(), 3, "{}", run.stderr);
}

#[tokio::test]
async fn several_profiles_only_where_several_accounts_make_sense() {
    let (_sandbox, cli) = fleet("").await;
    let run = cli
        .run(&[
            "get",
            "00000000-0000-4000-8000-000000000000",
            "--profile",
            "acme",
            "--profile",
            "globex",
        ])
        .await
        .expect(2);
    assert!(
        run.stderr
            .contains("--profile is given more than once (acme, globex)"),
        "{}",
        run.stderr
    );
    let run = cli.run(&["find", "   "]).await.expect(2);
    assert!(
        run.stderr.contains("the search text is empty"),
        "{}",
        run.stderr
    );
    let run = cli
        .run(&["list", "--profile", "acme", "--profile", "globex"])
        .await
        .expect(0);
    assert!(
        run.stdout.ends_with("in 2 of 2 accounts\n") && run.stdout.contains("globex "),
        "{}",
        run.stdout
    );
}
