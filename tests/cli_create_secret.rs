//! `create`'s one-time signing secret reaches stdout or its file, or the command says
//! loudly that the subscription exists without it (exit 1); a secret that is not
//! `whsec_` + base64 is never printed; a lost answer is looked for again (issue 15: 3, 4, 8).

mod cli_support;
mod sandbox_support;

use cli_support::{output, Cli};
use sandbox_support::{Sandbox, KEY};
use serde_json::json;
use std::process::Stdio;
use tokio::io::AsyncReadExt as _;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ID: &str = "b2c3d4e5-f6a7-8901-bcde-f23456789012";

fn create_args(url: &str) -> Vec<&str> {
    vec!["create", "--url", url, "--event", "message.sent"]
}

/// Runs `cmd` with the stdout it was given (tokio's `output()` would replace it by a pipe).
async fn spawned_output(mut cmd: tokio::process::Command) -> std::process::Output {
    cmd.spawn()
        .expect("runs")
        .wait_with_output()
        .await
        .expect("ends")
}

fn assert_lost_loudly(stderr: &str, id: &str) {
    assert!(
        stderr.contains(&format!(
            "subscription {id} exists but its signing secret could not be delivered"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("`linq-hooks delete {id}`")),
        "{stderr}"
    );
    assert!(!stderr.contains("whsec_A"), "never the secret: {stderr}");
}

/// A mock account whose create answers with `secret`.
async fn server_answering(secret: &str, create_delay: Option<std::time::Duration>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/partner/v3/webhook-events"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"doc_url": "https://docs.example", "events": ["message.sent"]}),
            ),
        )
        .mount(&server)
        .await;
    let mut created = ResponseTemplate::new(201).set_body_json(json!({
        "id": ID, "created_at": "2026-02-05T19:30:00Z", "updated_at": "2026-02-05T19:30:00Z",
        "is_active": true, "subscribed_events": ["message.sent"],
        "target_url": "https://hostile.example/h", "signing_secret": secret
    }));
    if let Some(delay) = create_delay {
        created = created.set_delay(delay);
    }
    Mock::given(method("POST"))
        .and(path("/api/partner/v3/webhook-subscriptions"))
        .respond_with(created)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_secret_that_is_not_whsec_base64_is_refused_never_printed() {
    let hostile = "whsec_\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m";
    let server = server_answering(hostile, None).await;
    let cli = Cli::new(&format!("{}/api/partner", server.uri()), KEY);
    for json in [false, true] {
        let mut args = create_args("https://hostile.example/h");
        if json {
            args.push("--json");
        }
        let run = cli.run(&args).await.expect(1);
        for text in [&run.stdout, &run.stderr] {
            assert!(
                !text.contains('\u{1b}') && !text.contains('\u{9b}') && !text.contains("pwned"),
                "{text:?}"
            );
        }
        assert!(run.stdout.is_empty(), "{:?}", run.stdout);
        assert_lost_loudly(&run.stderr, ID);
        assert!(
            run.stderr.contains("not `whsec_` + base64"),
            "{}",
            run.stderr
        );
    }
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_full_disk_on_stdout_says_the_subscription_exists_without_its_secret() {
    let sandbox = Sandbox::empty().await;
    let cli = Cli::new(&sandbox.base, KEY);
    let mut cmd = cli.command();
    cmd.args(create_args("https://full.example/h"));
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    cmd.stdout(Stdio::from(full));
    let out = spawned_output(cmd).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let created = sandbox.list().await;
    assert_eq!(created.len(), 1, "it was created");
    let id = created[0]["id"].as_str().expect("id");
    assert_lost_loudly(&stderr, id);
    assert!(stderr.contains("No space left"), "{stderr}");
}

/// `create | head -c 1`: the reader takes one byte and leaves; the secret went nowhere.
#[tokio::test]
async fn a_reader_that_leaves_after_one_byte_lost_the_secret_and_that_is_said() {
    let sandbox = Sandbox::empty().await;
    let cli = Cli::new(&sandbox.base, KEY);
    let mut cmd = cli.command();
    cmd.args(create_args("https://head.example/h"));
    let mut child = cmd.spawn().expect("runs");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 1];
    stdout.read_exact(&mut first).await.expect("one byte");
    drop(stdout);
    let out = child.wait_with_output().await.expect("ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let created = sandbox.list().await;
    assert_eq!(created.len(), 1);
    let id = created[0]["id"].as_str().expect("id");
    assert_lost_loudly(&stderr, id);
}

/// Where the secret cannot go at all, nothing is created.
#[cfg(unix)]
#[tokio::test]
async fn stdout_closed_discarded_or_unread_refuses_before_creating() {
    let sandbox = Sandbox::empty().await;
    let cli = Cli::new(&sandbox.base, KEY);

    // A closed stdout (`>&-`).
    let mut sh = tokio::process::Command::new("sh");
    cli.isolate(&mut sh);
    sh.env("LINQ_API_V3_API_KEY", KEY)
        .arg("-c")
        .arg(r#"exec "$0" "$@" >&-"#)
        .arg(env!("CARGO_BIN_EXE_linq-hooks"))
        .args(["--base-url", &sandbox.base])
        .args(create_args("https://closed.example/h"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let run = output(sh).await.expect(2);
    assert!(run.stderr.contains("stdout is /dev/null"), "{}", run.stderr);
    assert!(run.stderr.contains("--secret-file"), "{}", run.stderr);

    // `> /dev/null`.
    let mut cmd = cli.command();
    cmd.args(create_args("https://null.example/h"))
        .stdout(Stdio::null());
    let out = spawned_output(cmd).await;
    assert_eq!(out.status.code(), Some(2));

    // A pipe whose reader is already gone.
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let mut cmd = cli.command();
    cmd.args(create_args("https://gone.example/h"))
        .stdout(Stdio::from(writer));
    let out = spawned_output(cmd).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("a pipe nobody reads"), "{stderr}");

    assert!(sandbox.list().await.is_empty(), "nothing was created");
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// A create that times out (`--timeout 1`, the server answers after 4 s) and a list that
/// shows the URL only from its second answer on, created at `created_at`.
async fn lost_then_listed(created_at: &str) -> MockServer {
    let server = server_answering(
        "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", // fake, not a real secret
        Some(std::time::Duration::from_secs(4)),
    )
    .await;
    let listed = json!([{
        "id": ID, "created_at": created_at, "updated_at": created_at,
        "is_active": true, "subscribed_events": ["message.sent"],
        "target_url": "HTTPS://Late.Example:443/h"
    }]);
    Mock::given(method("GET"))
        .and(path("/api/partner/v3/webhook-subscriptions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"subscriptions": []})))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/partner/v3/webhook-subscriptions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "subscriptions": listed })))
        .with_priority(2)
        .mount(&server)
        .await;
    server
}

/// The server took longer than `--timeout` and created it anyway, visible only on the
/// second look, under a URL that differs in spelling only.
#[tokio::test]
async fn a_timed_out_create_is_looked_for_again_and_found_late() {
    let server = lost_then_listed(&rfc3339(time::OffsetDateTime::now_utc())).await;
    let cli = Cli::new(&format!("{}/api/partner", server.uri()), KEY);
    let mut args = vec!["--timeout", "1"];
    args.extend(create_args("https://late.example/h"));
    let run = cli.run(&args).await.expect(1);
    assert!(
        run.stderr.contains(&format!("exists now: {ID}")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("secret is lost"), "{}", run.stderr);
    assert!(!run.stderr.contains("safe to run"), "{}", run.stderr);
    let requests = server.received_requests().await.expect("recorded");
    let posts = requests
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .count();
    assert_eq!(posts, 1, "never retried");
}

/// What the look finds was there long before this create: it is not ours, and deleting it
/// is not the advice.
#[tokio::test]
async fn a_lost_create_whose_url_existed_before_is_not_called_ours() {
    let hour_ago = time::OffsetDateTime::now_utc() - time::Duration::hours(1);
    let server = lost_then_listed(&rfc3339(hour_ago)).await;
    let cli = Cli::new(&format!("{}/api/partner", server.uri()), KEY);
    let mut args = vec!["--timeout", "1"];
    args.extend(create_args("https://late.example/h"));
    let run = cli.run(&args).await.expect(1);
    assert!(
        run.stderr.contains("existed before this create"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("linq-hooks delete"), "{}", run.stderr);
}
