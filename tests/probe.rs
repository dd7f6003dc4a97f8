//! `linq-hooks probe URL` end to end, offline: the built binary against endpoints this test
//! starts on 127.0.0.1 — HTTPS with certificates made here (valid under a test CA given by
//! `--ca-file`, expired, for another name, self-signed, a leaf without its intermediate),
//! plain HTTP with the answers that matter, a refused port, a `.invalid` name — and
//! `--send` checked by a receiver that verifies with our signature module. Finding codes
//! and exit codes are asserted exactly. Every target is on loopback, so `dns-private-only`
//! (Linq cannot reach 127.0.0.1) is always among the findings: that is correct.

mod cli_support;
mod probe_support;

use cli_support::{closed_port, Cli, Run};
use linq_hooks::signature;
use probe_support::{Pki, Received, Reply, Server};
use serde_json::Value;
use std::time::Duration;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw7Jxx2Oll+OE="; // test vector, not a real secret
const OTHER_SECRET: &str = "whsec_c2FuZGJveC1vbmx5LXNlY3JldC0xMjM0NTY3OA=="; // fake, for a mismatch

async fn probe(cli: &Cli, args: &[&str]) -> (Run, Value) {
    let mut all = vec!["probe", "--json"];
    all.extend_from_slice(args);
    let run = cli.run(&all).await;
    let value = run.json();
    (run, value)
}

fn codes(value: &Value) -> Vec<String> {
    value["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["code"].as_str().expect("code").to_string())
        .collect()
}

fn finding<'a>(value: &'a Value, code: &str) -> &'a Value {
    value["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {value:#}"))
}

fn stage<'a>(value: &'a Value, name: &str) -> &'a Value {
    value["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no stage {name} in {value:#}"))
}

fn stage_names(value: &Value) -> Vec<&str> {
    value["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .map(|s| s["name"].as_str().expect("name"))
        .collect()
}

fn ok(_: &Received) -> Reply {
    Reply::status(200)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_under_the_test_ca_is_trusted_and_read() {
    let pki = Pki::new();
    let server = probe_support::https(pki.leaf(&["127.0.0.1"], 90), ok).await;
    let cli = Cli::bare();
    let ca = pki.ca_file(cli.home.path());
    let url = server.url("https", "/hook?version=2026-02-03");
    let (run, value) = probe(&cli, &[&url, "--ca-file", ca.to_str().expect("path")]).await;
    let run = run.expect(1);
    assert_eq!(codes(&value), ["dns-private-only"], "{run:?}");
    assert_eq!(stage_names(&value), ["dns", "connect", "tls", "http"]);
    let tls = stage(&value, "tls");
    assert_eq!(tls["ok"], true);
    let detail = tls["detail"].as_str().expect("detail");
    assert!(detail.contains("TLS 1.3"), "{detail}");
    assert!(detail.contains("linq-hooks probe test CA"), "{detail}");
    assert!(detail.contains("names 127.0.0.1"), "{detail}");
    assert!(detail.contains("expires 20"), "{detail}");
    assert_eq!(stage(&value, "http")["detail"], "HEAD → 200 OK");
    assert_eq!(stage(&value, "dns")["ok"], false);
    // The HEAD went to the path and query of the URL: nothing was posted.
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "HEAD");
    assert_eq!(requests[0].target, "/hook?version=2026-02-03");
    assert_eq!(requests[0].header("cookie"), None);
    // Without the CA the same server is untrusted (the platform roots do not know it).
    let (run, value) = probe(&cli, &[&url]).await;
    run.expect(1);
    assert_eq!(codes(&value), ["dns-private-only", "tls-untrusted"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_problems_are_named() {
    let pki = Pki::new();
    let cli = Cli::bare();
    let ca = pki.ca_file(cli.home.path());
    let ca = ca.to_str().expect("path");

    let expired = probe_support::https(pki.leaf(&["127.0.0.1"], -3), ok).await;
    let (run, value) = probe(&cli, &[&expired.url("https", "/"), "--ca-file", ca]).await;
    run.expect(1);
    assert_eq!(codes(&value), ["dns-private-only", "tls-expired"]);
    assert_eq!(stage_names(&value), ["dns", "connect", "tls"]);
    assert!(
        expired.requests().is_empty(),
        "nothing sent over a refused certificate"
    );

    let soon = probe_support::https(pki.leaf(&["127.0.0.1"], 3), ok).await;
    let (run, value) = probe(&cli, &[&soon.url("https", "/"), "--ca-file", ca]).await;
    run.expect(1);
    assert_eq!(codes(&value), ["dns-private-only", "tls-expires-soon"]);
    assert_eq!(finding(&value, "tls-expires-soon")["severity"], "warning");

    let wrong = probe_support::https(pki.leaf(&["hooks.example.com"], 90), ok).await;
    let (run, value) = probe(&cli, &[&wrong.url("https", "/"), "--ca-file", ca]).await;
    run.expect(1);
    assert_eq!(codes(&value), ["dns-private-only", "tls-name-mismatch"]);
    let message = finding(&value, "tls-name-mismatch")["message"]
        .as_str()
        .unwrap();
    assert!(message.contains("hooks.example.com"), "{message}");

    let mine = probe_support::https(probe_support::self_signed(&["127.0.0.1"]), ok).await;
    let (run, value) = probe(&cli, &[&mine.url("https", "/"), "--ca-file", ca]).await;
    run.expect(1);
    assert_eq!(codes(&value), ["dns-private-only", "tls-untrusted"]);
    let message = finding(&value, "tls-untrusted")["message"]
        .as_str()
        .unwrap();
    assert!(
        message.ends_with("is not trusted: self-signed."),
        "{message}"
    );

    let partial = probe_support::https(pki.leaf_via_intermediate(&["127.0.0.1"], false), ok).await;
    let (run, value) = probe(&cli, &[&partial.url("https", "/"), "--ca-file", ca]).await;
    run.expect(1);
    assert_eq!(codes(&value), ["dns-private-only", "tls-untrusted"]);
    let untrusted = finding(&value, "tls-untrusted");
    assert!(
        untrusted["message"]
            .as_str()
            .unwrap()
            .ends_with("incomplete chain (missing intermediate)."),
        "{untrusted}"
    );
    assert!(untrusted["fix"].as_str().unwrap().contains("full chain"));

    // The same leaf with its intermediate sent along is fine.
    let full = probe_support::https(pki.leaf_via_intermediate(&["127.0.0.1"], true), ok).await;
    let (run, value) = probe(&cli, &[&full.url("https", "/"), "--ca-file", ca]).await;
    run.expect(1);
    assert_eq!(codes(&value), ["dns-private-only"]);
}

/// A plain HTTP server answering `reply` to everything, probed with stages 1–4.
async fn head_answer(reply: Reply, extra: &[&str]) -> (Value, Server) {
    let server = probe_support::http(move |_| reply.clone()).await;
    let cli = Cli::bare();
    let url = server.url("http", "/hook");
    let mut args = vec![url.as_str()];
    args.extend_from_slice(extra);
    let (run, value) = probe(&cli, &args).await;
    run.expect(1);
    (value, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_answers_to_the_head() {
    // Any answer that is not a redirect, a firewall page or late only proves it is up.
    for status in [200, 401, 405, 429, 500] {
        let (value, _server) = head_answer(Reply::status(status), &[]).await;
        assert_eq!(codes(&value), ["dns-private-only"], "HEAD → {status}");
        assert_eq!(stage(&value, "http")["ok"], true);
    }
    let (value, _server) = head_answer(
        Reply::status(301).header("Location", "https://hooks.example.com/new\u{202e}lmth"),
        &[],
    )
    .await;
    assert_eq!(codes(&value), ["dns-private-only", "redirect"]);
    assert_eq!(_server.requests().len(), 1);
    let redirect = finding(&value, "redirect");
    assert_eq!(redirect["severity"], "warning");
    let message = redirect["message"].as_str().unwrap();
    // Named, cleaned of the bidi override, and not followed (one request only).
    assert!(
        message.contains("Location https://hooks.example.com/newlmth;"),
        "{message}"
    );
    for status in [403, 503] {
        let (value, _server) = head_answer(
            Reply::status(status)
                .header("Content-Type", "text/html; charset=utf-8")
                .body("<html>Checking your browser</html>"),
            &[],
        )
        .await;
        assert_eq!(
            codes(&value),
            ["dns-private-only", "waf-page"],
            "HEAD → {status}"
        );
    }
    // A 503 that is not HTML is just an answer.
    let (value, _server) = head_answer(Reply::status(503), &[]).await;
    assert_eq!(codes(&value), ["dns-private-only"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_after_the_deadline_is_slow() {
    let (value, _server) = head_answer(
        Reply::status(200).delay(Duration::from_secs(5)),
        &["--timeout", "1"],
    )
    .await;
    assert_eq!(codes(&value), ["dns-private-only", "slow-endpoint"]);
    let slow = finding(&value, "slow-endpoint");
    // A 1 s deadline does not prove Linq's 10 s would pass: a warning, not an error.
    assert_eq!(slow["severity"], "warning");
    assert!(slow["message"]
        .as_str()
        .unwrap()
        .contains("Linq waits 10 s"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_ports_and_unknown_names_fail() {
    let cli = Cli::bare();
    let url = format!("https://127.0.0.1:{}/hook", closed_port());
    let (run, value) = probe(&cli, &[&url]).await;
    run.expect(1);
    assert_eq!(codes(&value), ["dns-private-only", "connect-failed"]);
    let message = finding(&value, "connect-failed")["message"]
        .as_str()
        .unwrap();
    assert!(message.contains("refused"), "{message}");

    let (run, value) = probe(&cli, &["https://hooks.linq-hooks-test.invalid/x"]).await;
    run.expect(1);
    assert_eq!(codes(&value), ["dns-no-answer"]);
    assert_eq!(stage_names(&value), ["dns"]);

    // The human form: one line per stage, then the findings as doctor prints them.
    let run = cli.run(&["probe", &url]).await.expect(1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines[1].starts_with("✖ dns "), "{}", run.stdout);
    assert!(lines[2].starts_with("✖ connect "), "{}", run.stdout);
    assert!(
        run.stdout.contains("  ✖ error   connect-failed — "),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_exit_2() {
    let cli = Cli::bare();
    for args in [
        vec!["probe", "not-an-id"],
        vec!["probe", "ftp://example.com/x"],
        vec!["probe", "https://a.example.com/", "--secret-env", "X"],
        vec!["probe", "https://a.example.com/", "--send", "--all"],
        vec![
            "probe",
            "https://a.example.com/",
            "--ca-file",
            "/nonexistent.pem",
        ],
        vec!["probe", "--all", "--concurrency", "0"],
    ] {
        let run = cli.run(&args).await.expect(2);
        assert_eq!(run.stdout, "", "{args:?}");
    }
    // A malformed secret is refused before anything is sent, and never echoed.
    let mut cmd = cli.command();
    cmd.env("PROBE_SECRET", "whsec_not base64 at all").args([
        "probe",
        "https://a.example.com/",
        "--send",
        "--secret-env",
        "PROBE_SECRET",
    ]);
    let run = cli_support::output(cmd).await.expect(2);
    assert!(!run.stderr.contains("not base64 at all"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
}

/// A receiver that checks both signatures with `secret` (401 when neither is valid) and
/// otherwise answers `status`.
async fn receiver(secret: &'static str, status: u16) -> Server {
    probe_support::http(move |request: &Received| {
        if request.method != "POST" {
            return Reply::status(405);
        }
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let report = signature::verify(
            secret,
            &request.headers,
            &request.body,
            now,
            signature::DEFAULT_TOLERANCE_SECS,
        );
        let both = report.verdicts().iter().all(|(_, v)| v.is_valid());
        if both {
            Reply::status(status)
        } else {
            Reply::status(401)
        }
    })
    .await
}

async fn send(server: &Server, path: &str, secret: Option<&str>, extra: &[&str]) -> (Run, Value) {
    let cli = Cli::bare();
    let url = server.url("http", path);
    let mut cmd = cli.command();
    cmd.args(["probe", "--json", &url, "--send"]).args(extra);
    if let Some(secret) = secret {
        cmd.env("HOOK_SECRET", secret)
            .args(["--secret-env", "HOOK_SECRET"]);
    }
    let run = cli_support::output(cmd).await;
    let value = run.json();
    assert!(!run.stdout.contains(SECRET) && !run.stderr.contains(SECRET));
    (run, value)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_delivery_is_exactly_what_linq_sends() {
    let server = receiver(SECRET, 200).await;
    let (run, value) = send(&server, "/hook?version=2026-02-03", Some(SECRET), &[]).await;
    run.expect(1);
    assert_eq!(codes(&value), ["dns-private-only"]);
    assert_eq!(stage(&value, "delivery")["ok"], true);
    let requests = server.requests();
    let post = requests
        .iter()
        .find(|r| r.method == "POST")
        .expect("a POST");
    assert_eq!(post.target, "/hook?version=2026-02-03");
    let envelope: Value = serde_json::from_slice(&post.body).expect("JSON body");
    assert_eq!(envelope["api_version"], "v3");
    assert_eq!(envelope["webhook_version"], "2026-02-03");
    assert_eq!(envelope["event_type"], "message.received");
    let event_id = envelope["event_id"].as_str().expect("event_id");
    assert!(event_id.starts_with("probe-"), "{event_id}");
    assert_eq!(post.header("webhook-id"), Some(event_id));
    assert_eq!(post.header("x-webhook-event"), Some("message.received"));
    assert_eq!(post.header("content-type"), Some("application/json"));
    assert!(post.header("x-webhook-subscription-id").is_some());
    assert_eq!(
        post.header("webhook-timestamp"),
        post.header("x-webhook-timestamp")
    );
    // Both schemes verify with our module (the receiver answered 200 only then).
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let report = signature::verify(SECRET, &post.headers, &post.body, now, 300);
    assert!(report.verdicts().iter().all(|(_, v)| v.is_valid()));

    // The legacy payload for an unpinned URL; --event chooses the type.
    let (run, _) = send(&server, "/v1", Some(SECRET), &["--event", "message.sent"]).await;
    run.expect(1);
    let requests = server.requests();
    let post = requests
        .iter()
        .rev()
        .find(|r| r.method == "POST")
        .expect("POST");
    let envelope: Value = serde_json::from_slice(&post.body).expect("JSON");
    assert_eq!(envelope["webhook_version"], "2025-01-01");
    assert_eq!(envelope["event_type"], "message.sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivery_answers_become_findings() {
    // Right secret, wrong answers.
    let server = receiver(SECRET, 400).await;
    let (_, value) = send(&server, "/h", Some(SECRET), &[]).await;
    assert_eq!(codes(&value), ["dns-private-only", "dropped-4xx"]);
    let server = receiver(SECRET, 503).await;
    let (_, value) = send(&server, "/h", Some(SECRET), &[]).await;
    assert_eq!(codes(&value), ["dns-private-only", "retried-5xx"]);
    assert_eq!(finding(&value, "retried-5xx")["severity"], "warning");
    // The receiver verifies with another secret: it rejects ours.
    let server = receiver(OTHER_SECRET, 200).await;
    let (_, value) = send(&server, "/h", Some(SECRET), &[]).await;
    assert_eq!(codes(&value), ["dns-private-only", "signature-rejected"]);
    let fix = finding(&value, "signature-rejected")["fix"]
        .as_str()
        .unwrap();
    assert!(
        fix.contains("linq-hooks verify") && fix.contains("re-serialised"),
        "{fix}"
    );
    // No secret: a random one. A verifying receiver refuses it — as it should.
    let server = receiver(SECRET, 200).await;
    let (_, value) = send(&server, "/h", None, &[]).await;
    assert_eq!(codes(&value), ["dns-private-only"]);
    assert!(stage(&value, "delivery")["detail"]
        .as_str()
        .unwrap()
        .contains("signed with a random secret"));
    // A receiver that takes anything is open to forgery.
    let server = probe_support::http(|_| Reply::status(200)).await;
    let (_, value) = send(&server, "/h", None, &[]).await;
    assert_eq!(codes(&value), ["dns-private-only", "accepts-bad-signature"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_secret_comes_from_a_file() {
    let server = receiver(SECRET, 200).await;
    let cli = Cli::bare();
    let path = cli.home.path().join("secret");
    std::fs::write(&path, format!("{SECRET}\n")).expect("write");
    let url = server.url("http", "/h");
    let run = cli
        .run(&[
            "probe",
            "--json",
            &url,
            "--send",
            "--secret-file",
            path.to_str().unwrap(),
        ])
        .await
        .expect(1);
    assert_eq!(codes(&run.json()), ["dns-private-only"]);
    // A directory is not a secret file.
    let dir = cli.home.path().to_str().unwrap().to_string();
    cli.run(&["probe", &url, "--send", "--secret-file", &dir])
        .await
        .expect(2);
}

/// The audit trail of a command run in `cli`'s home.
fn trail(cli: &Cli) -> Vec<Value> {
    let path = cli.home.path().join("state/linq-hooks/audit.jsonl");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        !text.contains(SECRET) && !text.contains(&SECRET[6..20]),
        "{text}"
    );
    text.lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_post_that_may_have_arrived_is_audited_without_the_secret() {
    let server = probe_support::http(|request: &Received| {
        // The HEAD at once; the POST to /slow after the command's deadline.
        if request.method == "POST" && request.target == "/slow" {
            return Reply::status(200).delay(Duration::from_secs(4));
        }
        if request.target == "/bad" {
            return Reply::status(503);
        }
        Reply::status(204)
    })
    .await;
    let cli = Cli::bare();
    let run = |path: &str, extra: &[&str]| {
        let mut cmd = cli.command();
        cmd.env("HOOK_SECRET", SECRET)
            .args(["probe", "--json", &server.url("http", path), "--send"])
            .args(["--secret-env", "HOOK_SECRET"])
            .args(extra);
        cli_support::output(cmd)
    };
    run("/ok", &[]).await.expect(1);
    run("/bad", &[]).await.expect(1);
    run("/slow", &["--timeout", "2"]).await.expect(1);
    // Nothing sent (the port is closed): nothing recorded.
    let closed = format!("http://127.0.0.1:{}/h", closed_port());
    cli.run(&["probe", &closed, "--send"]).await.expect(1);
    // A probe without --send posts nothing and records nothing.
    cli.run(&["probe", &server.url("http", "/ok")])
        .await
        .expect(1);

    let entries = trail(&cli);
    assert_eq!(entries.len(), 3, "{entries:#?}");
    for entry in &entries {
        assert_eq!(entry["operation"], "test-delivery");
        assert_eq!(entry["source"], "cli");
        assert_eq!(entry["account"]["name"], "none");
        assert_eq!(entry["delivery"]["signed_with"], "given-secret");
        assert!(entry["delivery"]["event_id"]
            .as_str()
            .unwrap()
            .starts_with("probe-"));
    }
    assert_eq!(entries[0]["target_url"], server.url("http", "/ok"));
    assert_eq!(entries[0]["outcome"]["ok"], true);
    assert_eq!(entries[0]["outcome"]["status"], 204);
    assert_eq!(entries[1]["outcome"]["ok"], false);
    assert_eq!(entries[1]["outcome"]["status"], 503);
    assert_eq!(entries[2]["outcome"]["ok"], false);
    assert_eq!(entries[2]["outcome"]["unknown"], true);
    // The POSTs the server saw are the ones recorded.
    let posts = server
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(posts, 3);
}

/// A TCP peer that reads the ClientHello and answers each connection with `reply` (rustls
/// cannot serve TLS 1.0/1.1, so an old server is played by its bytes).
async fn old_tls_peer(reply: &'static [u8]) -> (u16, tokio::task::JoinHandle<()>) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut hello = [0u8; 4096];
                if stream.read(&mut hello).await.unwrap_or(0) > 0 {
                    let _ = stream.write_all(reply).await;
                    let _ = stream.flush().await;
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            });
        }
    });
    (port, task)
}

/// A `protocol_version` alert: what a TLS 1.0/1.1-only server answers to a ClientHello
/// offering 1.2 and 1.3.
const ALERT_PROTOCOL_VERSION: &[u8] = &[0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46];

/// A ServerHello choosing TLS 1.0 (TLS_RSA_WITH_AES_128_CBC_SHA, no extensions).
const SERVER_HELLO_TLS_1_0: &[u8] = &[
    0x16, 0x03, 0x01, 0x00, 0x2a, // handshake record, 42 bytes
    0x02, 0x00, 0x00, 0x26, // ServerHello, 38 bytes
    0x03, 0x01, // TLS 1.0
    0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
    0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
    0x11, // random
    0x00, // no session id
    0x00, 0x2f, // cipher suite
    0x00, // no compression
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_with_only_old_tls_is_named_as_such() {
    let cli = Cli::bare();
    for reply in [ALERT_PROTOCOL_VERSION, SERVER_HELLO_TLS_1_0] {
        let (port, _peer) = old_tls_peer(reply).await;
        let url = format!("https://127.0.0.1:{port}/hook");
        let (run, value) = probe(&cli, &[&url]).await;
        run.expect(1);
        // Not a generic handshake failure: the old protocol, as a warning.
        assert_eq!(
            codes(&value),
            ["dns-private-only", "tls-old-protocol"],
            "{value:#}"
        );
        assert_eq!(finding(&value, "tls-old-protocol")["severity"], "warning");
        let tls = stage(&value, "tls");
        assert!(
            tls["detail"]
                .as_str()
                .unwrap()
                .contains("only TLS older than 1.2"),
            "{tls}"
        );
        // Nothing is sent over a connection that did not become TLS.
        assert!(stage_names(&value).iter().all(|n| *n != "http"));
    }
}

/// `--read-only` promises no writes: a test delivery is a real POST the customer's system
/// acts on, so `--send` is refused before anything is sent; the reading probe still runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_refuses_send_but_probes() {
    let server = receiver(SECRET, 200).await;
    let url = server.url("http", "/hook?version=2026-02-03");
    let cli = Cli::bare();
    let mut cmd = cli.command();
    cmd.env("HOOK_SECRET", SECRET).args([
        "--read-only",
        "probe",
        &url,
        "--send",
        "--secret-env",
        "HOOK_SECRET",
    ]);
    let run = cli_support::output(cmd).await.expect(2);
    assert!(run.stderr.contains("--read-only"), "{}", run.stderr);
    assert!(server.requests().is_empty(), "nothing reached the endpoint");

    let mut cmd = cli.command();
    cmd.args(["--read-only", "probe", "--json", &url]);
    let run = cli_support::output(cmd).await;
    assert_eq!(stage(&run.json(), "http")["ok"], true, "{}", run.stderr);
    assert!(server.requests().iter().all(|r| r.method == "HEAD"));
}
