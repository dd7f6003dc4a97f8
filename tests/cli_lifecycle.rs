//! `export`, `plan` and `apply` (the built binary) against the sandbox, and against a
//! scripted server for failures mid-apply: the round trip, field-level plans, `--prune`, a
//! changed URL that stays an update (same id, same secret), partial failures with their
//! codes, trace ids and audit lines, secret files, bad files with line and column, and a
//! setup copied from one account to another by `--profile`.

mod cli_support;
mod sandbox_support;

use cli_support::Cli;
use sandbox_support::{Sandbox, KEY};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

const OTHER: &str = "other-key";

fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// A file in the CLI's temporary home.
fn file(cli: &Cli, name: &str) -> PathBuf {
    cli.home.path().join(name)
}

async fn urls(sandbox: &Sandbox, key: &str) -> Vec<String> {
    let mut out: Vec<String> = sandbox
        .list_as(key)
        .await
        .iter()
        .map(|s| s["target_url"].as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

/// The sandbox's copy of a subscription's signing secret.
async fn secret_of(sandbox: &Sandbox, key: &str, id: &str) -> String {
    let reply = sandbox
        .get_as(
            key,
            &format!("/_sandbox/v1/webhook-subscriptions/{id}/secret"),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()["signing_secret"].as_str().unwrap().to_string()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn round_trip_export_then_apply_on_an_empty_account_then_no_changes() {
    let source = Sandbox::start(&[KEY], true).await;
    let target = Sandbox::empty().await;
    let from = Cli::new(&source.base, KEY);
    let out = file(&from, "setup.toml");
    from.run(&["export", "--out", path_str(&out)])
        .await
        .expect(0);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(!text.contains("whsec_"), "an export never holds a secret");
    assert_eq!(text.matches("[[subscriptions]]").count(), 12);

    let to = Cli::new(&target.base, KEY);
    let secrets = file(&to, "secrets");
    let run = to
        .run(&[
            "apply",
            path_str(&out),
            "--yes",
            "--secret-dir",
            path_str(&secrets),
        ])
        .await
        .expect(0);
    assert!(run.stdout.contains("Plan: 12 to create"), "{}", run.stdout);
    assert!(run.stdout.contains("gets a NEW signing secret"));
    assert!(run.stdout.contains("Applied 12 of 12 changes; 0 failed."));
    assert_eq!(urls(&target, KEY).await, urls(&source, KEY).await);
    // Paused ones are paused there too.
    let paused = |subs: Vec<Value>| subs.iter().filter(|s| s["is_active"] == false).count();
    assert_eq!(paused(target.list().await), paused(source.list().await));

    // Each secret in its own 0600 file in a 0700 directory, the one the account signs with.
    #[cfg(unix)]
    assert_eq!(mode(&secrets), 0o700);
    for sub in target.list().await {
        let id = sub["id"].as_str().unwrap();
        let path = secrets.join(format!("{id}.whsec"));
        #[cfg(unix)]
        assert_eq!(mode(&path), 0o600, "{path:?}");
        let kept = std::fs::read_to_string(&path).unwrap();
        assert_eq!(kept, secret_of(&target, KEY, id).await);
        assert!(
            !run.stdout.contains(&kept) && !run.stderr.contains(&kept),
            "never printed"
        );
    }

    let plan = to
        .run(&["plan", path_str(&out), "--detailed-exitcode"])
        .await
        .expect(0);
    assert!(plan.stdout.starts_with("No changes"), "{}", plan.stdout);
    let again = to.run(&["apply", path_str(&out), "--yes"]).await.expect(0);
    assert!(again.stdout.starts_with("No changes"), "{}", again.stdout);

    // The other way, in JSON: the target's ids are not the source's, the URLs match.
    let json_out = file(&to, "setup.json");
    to.run(&["export", "--out", path_str(&json_out)])
        .await
        .expect(0);
    let exported: Value =
        serde_json::from_str(&std::fs::read_to_string(&json_out).unwrap()).unwrap();
    assert_eq!(exported["account"]["name"], "environment");
    let back = from
        .run(&["plan", path_str(&json_out), "--json"])
        .await
        .expect(0);
    assert_eq!(
        back.json()["summary"],
        json!({"create": 0, "update": 0, "delete": 0, "keep": 0, "unchanged": 12})
    );
}

#[tokio::test]
async fn a_changed_url_stays_an_update_with_the_same_id_and_secret() {
    let sandbox = Sandbox::empty().await;
    let created = sandbox
        .create(&json!({"target_url": "https://old.example/hook", "subscribed_events": ["message.sent"]}))
        .await;
    let id = created["id"].as_str().unwrap().to_string();
    let secret = secret_of(&sandbox, KEY, &id).await;
    let cli = Cli::new(&sandbox.base, KEY);
    let out = file(&cli, "s.toml");
    cli.run(&["export", "--out", path_str(&out)])
        .await
        .expect(0);
    let text = std::fs::read_to_string(&out)
        .unwrap()
        .replace("old.example", "new.example");
    std::fs::write(&out, text).unwrap();

    let plan = cli
        .run(&["plan", path_str(&out), "--json", "--prune"])
        .await
        .expect(0);
    assert_eq!(
        plan.json()["changes"],
        json!([{"action": "update", "id": id, "target_url": "https://new.example/hook",
                "fields": {"target_url": {"from": "https://old.example/hook", "to": "https://new.example/hook"}}}])
    );
    // No --secret-dir needed: nothing is created.
    cli.run(&["apply", path_str(&out), "--yes", "--prune"])
        .await
        .expect(0);
    let subs = sandbox.list().await;
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0]["id"], id.as_str());
    assert_eq!(subs[0]["target_url"], "https://new.example/hook");
    assert_eq!(
        secret_of(&sandbox, KEY, &id).await,
        secret,
        "the secret is unchanged"
    );
}

#[tokio::test]
async fn field_level_plans_and_the_detailed_exit_code() {
    let sandbox = Sandbox::empty().await;
    let created = sandbox
        .create(&json!({"target_url": "https://a.example/h", "subscribed_events": ["message.sent", "message.read"],
                        "phone_numbers": ["+12025550142"]}))
        .await;
    let id = created["id"].as_str().unwrap();
    let cli = Cli::new(&sandbox.base, KEY);
    let path = file(&cli, "f.toml");
    std::fs::write(
        &path,
        format!(
            "[[subscriptions]]\nid = \"{id}\"\ntarget_url = \"https://a.example/h\"\n\
             subscribed_events = [\"message.sent\", \"reaction.added\"]\nis_active = false\n\
             routing_key_header = \"X-Route\"\n"
        ),
    )
    .unwrap();
    let text = cli.run(&["plan", path_str(&path)]).await.expect(0);
    for line in [
        &format!("~ update  {id}  https://a.example/h"),
        "events: added reaction.added; removed message.read",
        "phones: +12025550142 → every line",
        "state: active → paused",
        "routing key header: (none) → X-Route",
        "Plan: 0 to create, 1 to update, 0 to delete; 0 not in the file (kept), 0 unchanged.",
    ] {
        assert!(text.stdout.contains(line), "{line:?} in\n{}", text.stdout);
    }
    let json = cli
        .run(&["plan", path_str(&path), "--json", "--detailed-exitcode"])
        .await
        .expect(3);
    let fields = &json.json()["changes"][0]["fields"];
    assert_eq!(
        fields["phone_numbers"],
        json!({"from": ["+12025550142"], "to": null})
    );
    assert_eq!(fields["is_active"], json!({"from": true, "to": false}));
    assert_eq!(
        fields["subscribed_events"]["to"],
        json!(["message.sent", "reaction.added"])
    );
    assert_eq!(json.json()["summary"]["update"], 1);
    assert_eq!(
        sandbox.list().await[0]["is_active"],
        true,
        "plan changes nothing"
    );
}

#[tokio::test]
async fn subscriptions_missing_from_the_file_are_kept_unless_pruned() {
    let sandbox = Sandbox::start(&[KEY], true).await;
    let cli = Cli::new(&sandbox.base, KEY);
    let path = file(&cli, "one.toml");
    let first = &sandbox.list().await[0];
    std::fs::write(
        &path,
        format!(
            "[[subscriptions]]\ntarget_url = {}\nsubscribed_events = {}\nphone_numbers = {}\nis_active = {}\n",
            first["target_url"], first["subscribed_events"],
            if first["phone_numbers"].is_null() { json!([]) } else { first["phone_numbers"].clone() },
            first["is_active"]
        ),
    )
    .unwrap();
    let kept = cli
        .run(&["plan", path_str(&path), "--json"])
        .await
        .expect(0);
    assert_eq!(kept.json()["summary"]["keep"], 11, "{}", kept.stdout);
    assert!(kept.json()["changes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["action"] == "keep"));
    let text = cli.run(&["plan", path_str(&path)]).await.expect(0);
    assert!(
        text.stdout.contains("not in the file, kept"),
        "{}",
        text.stdout
    );
    let pruned = cli
        .run(&["plan", path_str(&path), "--prune", "--json"])
        .await
        .expect(0);
    assert_eq!(pruned.json()["summary"]["delete"], 11);
    cli.run(&["apply", path_str(&path), "--prune", "--yes"])
        .await
        .expect(0);
    assert_eq!(sandbox.list().await.len(), 1);
    assert_eq!(sandbox.list().await[0]["id"], first["id"]);
}

#[tokio::test]
async fn bad_files_are_reported_with_line_and_column_and_change_nothing() {
    let sandbox = Sandbox::start(&[KEY], true).await;
    let cli = Cli::new(&sandbox.base, KEY);
    let path = file(&cli, "bad.toml");
    std::fs::write(
        &path,
        "[[subscriptions]]\ntarget_url = \"http://a.example/h\"\nsubscribed_events = [\"message.sent\", \"no.such.event\"]\n\
         phone_numbers = [\"12025550142\"]\n\n[[subscriptions]]\ntarget_url = \"https://A.example:443/x\"\n\
         subscribed_events = [\"message.sent\"]\n\n[[subscriptions]]\ntarget_url = \"https://a.example/x\"\n\
         subscribed_events = [\"message.sent\"]\n",
    )
    .unwrap();
    let before = sandbox.list().await;
    let p = path_str(&path);
    let run = cli
        .run(&[
            "apply",
            p,
            "--yes",
            "--prune",
            "--secret-dir",
            path_str(&file(&cli, "s")),
        ])
        .await
        .expect(2);
    let lines = run.stderr_lines();
    assert_eq!(
        lines[0],
        format!("{p}:2:14: target_url must use https (not http://)")
    );
    assert_eq!(
        lines[1],
        format!("{p}:3:38: unknown event type \"no.such.event\" (`linq-hooks events` lists them)")
    );
    assert_eq!(
        lines[2],
        format!("{p}:4:18: phone number 12025550142 must start with + and the country code")
    );
    assert_eq!(
        lines[3],
        format!("{p}:11:14: the same target URL as line 7: a URL can have only one subscription")
    );
    assert!(
        lines[4].contains("4 problems") && lines[4].contains("nothing was sent"),
        "{}",
        lines[4]
    );
    assert_eq!(sandbox.list().await, before);
    cli.run(&["plan", p, "--detailed-exitcode"]).await.expect(1);

    let broken = file(&cli, "broken.json");
    std::fs::write(&broken, "{\"subscriptions\": [\n  {\"target_url\": \"https://a.example\", \"subscribed_events\": [\"message.sent\"], \"phone_number\": []}\n]}").unwrap();
    let run = cli.run(&["plan", path_str(&broken)]).await.expect(2);
    assert!(
        run.stderr.starts_with(&format!("{}:2:", path_str(&broken))),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("phone_number"), "{}", run.stderr);
    let dir = cli
        .run(&["plan", path_str(cli.home.path())])
        .await
        .expect(2);
    assert!(dir.stderr.contains("is a directory"), "{}", dir.stderr);
}

#[tokio::test]
async fn apply_is_refused_before_any_change_without_a_secret_dir_or_a_yes() {
    let sandbox = Sandbox::empty().await;
    let cli = Cli::new(&sandbox.base, KEY);
    let path = file(&cli, "new.toml");
    std::fs::write(&path, "[[subscriptions]]\ntarget_url = \"https://n.example/h\"\nsubscribed_events = [\"message.sent\"]\n").unwrap();
    let p = path_str(&path);
    let run = cli.run(&["apply", p, "--yes"]).await.expect(2);
    assert!(run.stderr.contains("--secret-dir"), "{}", run.stderr);
    let secrets = file(&cli, "secrets");
    let run = cli
        .run(&["apply", p, "--secret-dir", path_str(&secrets)])
        .await
        .expect(2);
    assert!(run.stderr.contains("--yes"), "{}", run.stderr);
    cli.run(&["apply", p, "--dry-run"]).await.expect(0);
    cli.run(&[
        "apply",
        p,
        "--yes",
        "--read-only",
        "--secret-dir",
        path_str(&secrets),
    ])
    .await
    .expect(2);
    assert!(sandbox.list().await.is_empty(), "nothing was created");

    #[cfg(unix)]
    {
        // A symlinked or shared directory is not where secrets go.
        let real = file(&cli, "real");
        std::fs::create_dir(&real).unwrap();
        let link = file(&cli, "link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let run = cli
            .run(&["apply", p, "--yes", "--secret-dir", path_str(&link)])
            .await
            .expect(2);
        assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o755)).unwrap();
        let run = cli
            .run(&["apply", p, "--yes", "--secret-dir", path_str(&real)])
            .await
            .expect(2);
        assert!(run.stderr.contains("open to other users"), "{}", run.stderr);
        assert!(sandbox.list().await.is_empty(), "nothing was created");
    }
}

#[tokio::test]
async fn export_never_overwrites_without_force_nor_writes_through_a_symlink() {
    let sandbox = Sandbox::start(&[KEY], true).await;
    let cli = Cli::new(&sandbox.base, KEY);
    let out = file(&cli, "e.toml");
    std::fs::write(&out, "mine").unwrap();
    let run = cli
        .run(&["export", "--out", path_str(&out)])
        .await
        .expect(2);
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "mine");
    cli.run(&["export", "--out", path_str(&out), "--force"])
        .await
        .expect(0);
    assert!(std::fs::read_to_string(&out)
        .unwrap()
        .contains("[[subscriptions]]"));
    #[cfg(unix)]
    {
        let target = file(&cli, "target");
        std::fs::write(&target, "keep").unwrap();
        let link = file(&cli, "link.toml");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let run = cli
            .run(&["export", "--out", path_str(&link), "--force"])
            .await
            .expect(2);
        assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
    }
}

/// A config with two profiles on the same sandbox: two keys are two accounts.
fn two_profiles(sandbox: &Sandbox) -> Cli {
    let cli = Cli::bare();
    let dir = cli.home.path().join("config").join("linq-hooks");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.toml");
    let config = format!(
        "[profiles.staging]\nbase_url = \"{base}\"\nkey_env = \"STAGING_KEY\"\n\
         [profiles.production]\nbase_url = \"{base}\"\nkey_env = \"PRODUCTION_KEY\"\n",
        base = sandbox.base
    );
    std::fs::write(&path, config).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    cli
}

async fn run_as(cli: &Cli, args: &[&str]) -> cli_support::Run {
    let mut cmd = cli.command();
    cmd.env("STAGING_KEY", KEY)
        .env("PRODUCTION_KEY", OTHER)
        .args(args);
    cli_support::output(cmd).await
}

#[tokio::test]
async fn staging_is_copied_to_production_by_profile() {
    let sandbox = Sandbox::start(&[KEY, OTHER], false).await;
    sandbox
        .create(
            &json!({"target_url": "https://hooks.example/a", "subscribed_events": ["message.sent"],
                        "routing_key_header": "X-Route"}),
        )
        .await;
    sandbox
        .create(&json!({"target_url": "https://hooks.example/b", "subscribed_events": ["message.received"],
                        "phone_numbers": ["+12025550142"]}))
        .await;
    let cli = two_profiles(&sandbox);
    let out = file(&cli, "staging.toml");
    run_as(
        &cli,
        &["export", "--profile", "staging", "--out", path_str(&out)],
    )
    .await
    .expect(0);
    assert!(std::fs::read_to_string(&out)
        .unwrap()
        .contains("name = \"staging\""));
    let secrets = file(&cli, "prod-secrets");
    let run = run_as(
        &cli,
        &[
            "apply",
            path_str(&out),
            "--profile",
            "production",
            "--yes",
            "--secret-dir",
            path_str(&secrets),
        ],
    )
    .await
    .expect(0);
    assert!(run.stdout.contains("Plan: 2 to create"), "{}", run.stdout);
    assert_eq!(urls(&sandbox, OTHER).await, urls(&sandbox, KEY).await);
    let prod = sandbox.list_as(OTHER).await;
    assert!(prod.iter().any(|s| s["routing_key_header"] == "X-Route"));
    run_as(
        &cli,
        &[
            "plan",
            path_str(&out),
            "--profile",
            "production",
            "--detailed-exitcode",
        ],
    )
    .await
    .expect(0);
    let apply_ids: Vec<Value> = cli
        .audit_lines()
        .iter()
        .map(|l| l["apply_id"].clone())
        .collect();
    assert_eq!(apply_ids.len(), 2);
    assert!(
        apply_ids[0].is_string() && apply_ids[0] == apply_ids[1],
        "one apply id: {apply_ids:?}"
    );
    assert!(cli
        .audit_lines()
        .iter()
        .all(|l| l["account"]["name"] == "production"));
}

#[tokio::test]
async fn on_a_terminal_apply_asks_and_only_y_applies() {
    if !cli_support::have_script() {
        eprintln!("skipped: `script` (util-linux) is not installed");
        return;
    }
    let sandbox = Sandbox::start(&[KEY], true).await;
    let cli = Cli::new(&sandbox.base, KEY);
    let path = file(&cli, "empty.toml");
    std::fs::write(&path, "[account]\nname = \"x\"\n").unwrap();
    let line = format!(
        "'{}' --base-url '{}' apply '{}' --prune",
        env!("CARGO_BIN_EXE_linq-hooks"),
        sandbox.base,
        path_str(&path)
    );
    let run = cli_support::in_pty(&cli, &line, b"n\n").await;
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stdout
            .contains("Apply 12 changes (0 create, 0 update, 12 delete)? [y/N]"),
        "{run:?}"
    );
    assert_eq!(sandbox.list().await.len(), 12, "declined: nothing deleted");
    let run = cli_support::in_pty(&cli, &line, b"y\n").await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(sandbox.list().await.is_empty());
}
