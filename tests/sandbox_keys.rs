//! Who can use a sandbox (issue 15, items 9, 11, 20): the embedded sandbox answers only its
//! own random key, kept 0600 beside its database; the standalone server takes keys from a
//! file or the environment (out of /proc/PID/cmdline) and says a usage error in one line
//! with exit 2. (A wildcard bind's banner and warning are unit tests in `sandbox`: tests
//! bind 127.0.0.1 only.)
#![cfg(unix)]

mod cli_support;

use cli_support::Cli;
use linq_hooks::private_files::mode;
use linq_hooks::sandbox;
use serde_json::{json, Value};
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, BufReader};

async fn status(http: &reqwest::Client, base: &str, key: &str) -> u16 {
    http.get(format!("{base}/v3/webhook-subscriptions"))
        .bearer_auth(key)
        .send()
        .await
        .expect("sent")
        .status()
        .as_u16()
}

#[tokio::test]
async fn the_embedded_sandbox_refuses_the_public_key_and_keeps_earlier_data() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("data/sandbox.db");
    let http = reqwest::Client::new();
    let loopback: std::net::SocketAddr = "127.0.0.1:0".parse().expect("addr");
    // What an older build made through the public key…
    let (base, old) = sandbox::spawn(loopback, db.clone(), vec!["sandbox".into()], false)
        .await
        .expect("older server");
    let made = http
        .post(format!("{base}/v3/webhook-subscriptions"))
        .bearer_auth("sandbox")
        .json(&json!({"target_url": "https://hooks.example.com/before",
                      "subscribed_events": ["message.sent"]}))
        .send()
        .await
        .expect("create");
    assert_eq!(made.status().as_u16(), 201);
    old.shutdown().await.expect("stopped");

    let (base, key, handle) = sandbox::spawn_embedded(loopback, db.clone(), Default::default())
        .await
        .expect("embedded");
    assert_eq!(
        status(&http, &base, "sandbox").await,
        401,
        "public key refused"
    );
    assert_ne!(key, "sandbox");
    let key_file = sandbox::key_file_of(&db);
    assert_eq!(std::fs::read_to_string(&key_file).expect("key file"), key);
    assert_eq!(mode(&key_file).expect("mode"), 0o600);
    // …is still there under the private key.
    let list: Value = http
        .get(format!("{base}/v3/webhook-subscriptions"))
        .bearer_auth(&key)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    let urls: Vec<&str> = list["subscriptions"]
        .as_array()
        .expect("subscriptions")
        .iter()
        .filter_map(|s| s["target_url"].as_str())
        .collect();
    assert!(urls.contains(&"https://hooks.example.com/before"), "{list}");
    handle.shutdown().await.expect("stopped");

    // Another process on the same database reads the same key.
    let (_, again, handle) = sandbox::spawn_embedded(loopback, db, Default::default())
        .await
        .expect("again");
    assert_eq!(again, key);
    handle.shutdown().await.expect("stopped");
}

#[tokio::test]
async fn commands_on_the_embedded_sandbox_make_and_reuse_its_key() {
    let cli = Cli::bare();
    cli.run(&["list", "--sandbox"]).await.expect(0);
    let key_file = cli.home.path().join("data/linq-hooks/sandbox.db.key");
    let key = std::fs::read_to_string(&key_file).expect("key file made");
    assert!(key.starts_with("lhsb_"), "{key}");
    assert_eq!(mode(&key_file).expect("mode"), 0o600);
    cli.run(&["list", "--sandbox"]).await.expect(0);
    assert_eq!(std::fs::read_to_string(&key_file).expect("kept"), key);
}

/// A standalone `linq-hooks sandbox`, until dropped.
struct Server {
    child: tokio::process::Child,
    banner: String,
}

async fn server(cli: &Cli, args: &[&str], env: &[(&str, &str)]) -> Server {
    let mut cmd = cli.command();
    cmd.arg("sandbox")
        .args(args)
        .envs(env.iter().copied())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd.spawn().expect("starts");
    let stdout = child.stdout.take().expect("stdout");
    let banner = BufReader::new(stdout)
        .lines()
        .next_line()
        .await
        .expect("read")
        .expect("a banner line");
    Server { child, banner }
}

impl Server {
    fn base(&self) -> String {
        let url = self
            .banner
            .split_whitespace()
            .find(|word| word.starts_with("http://"))
            .expect("a URL in the banner");
        url.trim_end_matches(')').to_owned()
    }

    async fn stderr(mut self) -> String {
        self.child.start_kill().expect("kill");
        let out = self.child.wait_with_output().await.expect("ends");
        String::from_utf8_lossy(&out.stderr).into_owned()
    }
}

#[tokio::test]
async fn standalone_keys_come_from_a_file_and_the_environment() {
    let cli = Cli::bare();
    let keys = cli.home.path().join("keys.txt");
    std::fs::write(&keys, "# ours\nfile-key-0123456789abcdef\n").expect("write");
    let db = cli.home.path().join("s.db");
    let server = server(
        &cli,
        &[
            "--listen",
            "127.0.0.1:0",
            "--no-seed",
            "--db",
            db.to_str().expect("utf-8"),
            "--api-key-file",
            keys.to_str().expect("utf-8"),
        ],
        &[("LINQ_SANDBOX_API_KEYS", "env-key-0123456789abcdef,env-two")],
    )
    .await;
    assert!(
        !server.banner.contains("file-key"),
        "hints only: {}",
        server.banner
    );
    let http = reqwest::Client::new();
    let base = server.base();
    assert_eq!(status(&http, &base, "file-key-0123456789abcdef").await, 200);
    assert_eq!(status(&http, &base, "env-key-0123456789abcdef").await, 200);
    assert_eq!(status(&http, &base, "env-two").await, 200);
    assert_eq!(status(&http, &base, "sandbox").await, 401, "no default key");
    let stderr = server.stderr().await;
    assert!(!stderr.contains("warning"), "{stderr}");
}

#[tokio::test]
async fn sandbox_usage_errors_are_one_line_exit_2() {
    let cli = Cli::bare();
    for args in [
        &["--deliver-to", "http://127.0.0.1:9/in"][..],
        &["--deliver-to", "http://localhost:9/in"][..],
        &["--api-key-file", "/nonexistent/keys"][..],
        &["--api-key", "has space"][..],
    ] {
        let mut cmd = cli.command();
        cmd.env("RUST_BACKTRACE", "1")
            .args(["sandbox", "--listen", "127.0.0.1:0", "--no-seed"])
            .args(args);
        let run = cli_support::output(cmd).await.expect(2);
        assert_eq!(run.stderr_lines().len(), 1, "{args:?}: {run:#?}");
        assert!(run.stderr.starts_with("linq-hooks: sandbox: "), "{run:#?}");
        assert!(!run.stderr.contains("Caused by"), "{run:#?}");
        assert!(!run.stderr.contains("backtrace"), "{run:#?}");
    }
}
