//! `linq-hooks listen` end to end: the built binary registers with a sandbox on loopback,
//! receives its deliveries, verifies them, forwards them unchanged to a local receiver and
//! answers with the receiver's status (so a failing receiver gets real retries); SIGINT
//! unregisters it and exits 0. And its refusals: a live base URL, a sandbox without local
//! receivers.

mod cli_support;
mod sandbox_support;

use cli_support::Cli;
use linq_hooks::sandbox::DeliveryOptions;
use linq_hooks::signature;
use sandbox_support::receiver::{eventually, Receiver, DEADLINE};
use sandbox_support::{Sandbox, KEY};
use serde_json::{json, Value};
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStderr, ChildStdout};

/// Reads lines until one satisfies `wanted` (or the deadline passes).
async fn line_where<R>(lines: &mut Lines<R>, what: &str, wanted: impl Fn(&str) -> bool) -> String
where
    R: tokio::io::AsyncBufRead + Unpin,
{
    let found = tokio::time::timeout(DEADLINE, async {
        while let Some(line) = lines.next_line().await.expect("read a line") {
            if wanted(&line) {
                return Some(line);
            }
        }
        None
    })
    .await;
    match found {
        Ok(Some(line)) => line,
        Ok(None) => panic!("the stream ended before {what}"),
        Err(_) => panic!("no {what} within {DEADLINE:?}"),
    }
}

struct Listening {
    child: Child,
    stdout: Lines<BufReader<ChildStdout>>,
    stderr: Lines<BufReader<ChildStderr>>,
    /// The receiver URL it printed.
    url: String,
}

async fn listen(cli: &Cli, args: &[&str]) -> Listening {
    let mut cmd = cli.command();
    cmd.arg("listen").args(args).kill_on_drop(true);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("listen starts");
    let stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr")).lines();
    // Printed once it is registered: deliveries go to it from then on.
    let ready = line_where(&mut stderr, "the ready line", |l| {
        l.contains("receiving deliveries on")
    })
    .await;
    let url = ready
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .expect("the receiver URL")
        .to_owned();
    Listening {
        child,
        stdout,
        stderr,
        url,
    }
}

fn signal(child: &Child, name: &str) {
    let pid = child.id().expect("running").to_string();
    let status = std::process::Command::new("kill")
        .args([&format!("-{name}"), &pid])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

#[tokio::test]
async fn listen_forwards_verifies_and_makes_a_failing_receiver_retry() {
    // Anything not sent through `listen` would land here: proves the registration wins.
    let fallback = Receiver::start().await;
    let app = Receiver::start().await;
    app.answer_next(&[500]);
    let sandbox = Sandbox::start_with(
        &[KEY],
        false,
        DeliveryOptions {
            deliver_to: Some(fallback.url.clone()),
            allow_local_targets: true,
            retry_scale: 0.01,
        },
    )
    .await;
    let created = sandbox
        .create(&json!({
            "target_url": "https://hooks.example.com/linq?version=2026-02-03",
            "subscribed_events": ["message.received"],
        }))
        .await;
    let id = created["id"].as_str().expect("id").to_owned();
    let secret = created["signing_secret"]
        .as_str()
        .expect("secret")
        .to_owned();

    let cli = Cli::new(&sandbox.base, KEY);
    let mut listening = listen(&cli, &["--forward-to", &app.url, "--json"]).await;
    let registered = sandbox.get("/_sandbox/v1/forward").await.json();
    assert_eq!(registered["forward"]["url"], listening.url.as_str());

    let event = sandbox
        .post(
            "/_sandbox/v1/events",
            &json!({"event_type": "message.received", "phone_number": "+12025551234"}),
        )
        .await
        .json();
    let event_id = event["event_id"].as_str().expect("event id").to_owned();

    // The app got the first attempt (it answered 500) and the retry, each unchanged.
    let got = app.wait_for(2).await;
    for request in &got {
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, "/hook");
        assert_eq!(request.header("webhook-id"), Some(event_id.as_str()));
        assert_eq!(
            request.header("x-linq-sandbox-target"),
            Some("https://hooks.example.com/linq?version=2026-02-03")
        );
        let report = signature::verify(
            &secret,
            &request.headers,
            &request.body,
            time::OffsetDateTime::now_utc().unix_timestamp(),
            signature::DEFAULT_TOLERANCE_SECS,
        );
        assert!(report.standard.is_valid() && report.legacy.is_valid());
    }
    assert_eq!(fallback.count(), 0);

    // One JSON line per delivery.
    let mut printed: Vec<Value> = Vec::new();
    for _ in 0..2 {
        let line = line_where(&mut listening.stdout, "a delivery line", |_| true).await;
        printed.push(serde_json::from_str(&line).expect("a JSON line"));
    }
    for (line, status) in printed.iter().zip([500, 200]) {
        assert_eq!(line["event_type"], "message.received");
        assert_eq!(line["event_id"], event_id.as_str());
        assert_eq!(line["subscription_id"], id.as_str());
        assert_eq!(line["signature"]["valid"], true, "{line}");
        assert_eq!(line["signature"]["standard"], "valid");
        assert_eq!(line["signature"]["legacy"], "valid");
        assert_eq!(line["forward"]["status"], status);
        assert!(line["forward"]["latency_ms"].is_u64());
        assert_eq!(line["answered"], status);
    }

    // The sandbox saw the forward's answers: a retry after the 500.
    let rows = eventually("both attempts logged", || async {
        let reply = sandbox
            .get(&format!("/_sandbox/v1/deliveries?subscription_id={id}"))
            .await;
        let rows = reply.json()["deliveries"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        (rows.len() == 2 && rows[0]["outcome"] == "delivered").then_some(rows)
    })
    .await;
    assert_eq!(rows[1]["status"], 500);
    assert_eq!(rows[1]["outcome"], "retrying");
    assert_eq!(rows[0]["destination"], listening.url.as_str());

    signal(&listening.child, "INT");
    let status = tokio::time::timeout(DEADLINE, listening.child.wait())
        .await
        .expect("listen exits")
        .expect("status");
    assert_eq!(status.code(), Some(0));
    let registered = sandbox.get("/_sandbox/v1/forward").await.json();
    assert_eq!(registered["forward"], Value::Null, "unregistered on exit");
    let mut rest = String::new();
    while let Ok(Some(line)) = listening.stderr.next_line().await {
        rest.push_str(&line);
    }
    assert!(!rest.contains(&secret), "the secret is never printed");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn listen_without_forward_answers_200_and_prints_a_line() {
    let sandbox = Sandbox::start_with(
        &[KEY],
        false,
        DeliveryOptions {
            allow_local_targets: true,
            ..DeliveryOptions::default()
        },
    )
    .await;
    let created = sandbox
        .create(&json!({
            "target_url": "https://hooks.example.com/x",
            "subscribed_events": ["message.sent"],
        }))
        .await;
    let id = created["id"].as_str().expect("id").to_owned();
    let cli = Cli::new(&sandbox.base, KEY);
    let mut listening = listen(&cli, &[]).await;
    sandbox
        .post(
            "/_sandbox/v1/events",
            &json!({"event_type": "message.sent"}),
        )
        .await;
    let line = line_where(&mut listening.stdout, "a delivery line", |_| true).await;
    assert!(line.contains("message.sent"), "{line}");
    assert!(line.contains(&id), "{line}");
    assert!(line.contains("signature valid"), "{line}");
    assert!(line.contains("answered 200"), "{line}");
    signal(&listening.child, "TERM");
    let status = tokio::time::timeout(DEADLINE, listening.child.wait())
        .await
        .expect("listen exits")
        .expect("status");
    assert_eq!(status.code(), Some(0));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn listen_refuses_a_live_api_and_a_sandbox_without_local_receivers() {
    let live = Cli::new(
        "https://api.linqapp.com/api/partner",
        "sk_live_not_a_real_key",
    );
    let run = live.run(&["listen"]).await.expect(2);
    assert!(run.stderr.contains("Linq's API has no endpoint"), "{run:?}");

    let sandbox = Sandbox::empty().await;
    let run = Cli::new(&sandbox.base, KEY)
        .run(&["listen"])
        .await
        .expect(2);
    assert!(run.stderr.contains("--allow-local-targets"), "{run:?}");

    let run = Cli::new(&sandbox.base, KEY)
        .run(&["listen", "--forward-to", "localhost:3000"])
        .await
        .expect(2);
    assert!(run.stderr.contains("--forward-to"), "{run:?}");
    sandbox.shutdown().await;
}

async fn local_sandbox() -> Sandbox {
    Sandbox::start_with(
        &[KEY],
        false,
        DeliveryOptions {
            allow_local_targets: true,
            ..DeliveryOptions::default()
        },
    )
    .await
}

#[tokio::test]
async fn listen_refuses_to_forward_to_itself() {
    let sandbox = local_sandbox().await;
    let cli = Cli::new(&sandbox.base, KEY);
    let port = cli_support::closed_port().to_string();
    for target in [
        format!("http://localhost:{port}/hook"),
        format!("http://127.0.0.1:{port}/"),
        format!("http://[::1]:{port}/"),
    ] {
        let run = cli
            .run(&["listen", "--port", &port, "--forward-to", &target])
            .await
            .expect(2);
        assert_eq!(run.stderr_lines().len(), 1, "{run:#?}");
        assert!(run.stderr.contains("that is this listener"), "{run:#?}");
    }
    sandbox.shutdown().await;
}

/// The cap on forwards in flight the README documents.
const MAX_FORWARDS: usize = 16;

#[tokio::test]
async fn forwards_in_flight_are_capped_and_the_rest_answered_503() {
    use futures::stream::{FuturesUnordered, StreamExt};
    use std::sync::{Arc, Mutex};
    // A forward target that accepts and never answers, until released.
    let stuck = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let stuck_port = stuck.local_addr().expect("addr").port();
    let held = Arc::new(Mutex::new(Vec::new()));
    let holder = Arc::clone(&held);
    let accepting = tokio::spawn(async move {
        while let Ok((socket, _)) = stuck.accept().await {
            holder.lock().expect("lock").push(socket);
        }
    });
    let sandbox = local_sandbox().await;
    let cli = Cli::new(&sandbox.base, KEY);
    let forward = format!("http://127.0.0.1:{stuck_port}/hook");
    let listening = listen(&cli, &["--forward-to", &forward]).await;
    let http = reqwest::Client::new();
    let extra = 4;
    let mut answers: FuturesUnordered<_> = (0..MAX_FORWARDS + extra)
        .map(|n| {
            http.post(&listening.url)
                .body(format!("{{\"n\": {n}}}"))
                .send()
        })
        .collect();
    let mut statuses = Vec::new();
    tokio::time::timeout(DEADLINE, async {
        // The first to finish are the ones over the cap: the others wait on the target.
        while statuses.len() < extra {
            let answer = answers.next().await.expect("an answer").expect("sent");
            statuses.push(answer.status().as_u16());
        }
        assert_eq!(statuses, vec![503; extra]);
        accepting.abort();
        held.lock().expect("lock").clear();
        while let Some(answer) = answers.next().await {
            statuses.push(answer.expect("sent").status().as_u16());
        }
    })
    .await
    .expect("every delivery answered");
    let forwarded = statuses.iter().filter(|s| **s == 502).count();
    assert_eq!(forwarded, MAX_FORWARDS, "{statuses:?}");
    drop(listening);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_second_listen_takes_over_and_both_say_so() {
    let sandbox = local_sandbox().await;
    let cli = Cli::new(&sandbox.base, KEY);
    let mut first = listen(&cli, &[]).await;
    let mut second = listen(&cli, &[]).await;
    let took = line_where(&mut second.stderr, "the takeover note", |l| {
        l.contains("took this account's deliveries over from")
    })
    .await;
    assert!(took.contains(&first.url), "{took}");
    // The first learns at its next renewal (every 20 s) and stops, exit 1.
    let told = line_where(&mut first.stderr, "the taken-over note", |l| {
        l.contains("took this account's deliveries over; this one stops")
    })
    .await;
    assert!(told.contains(&second.url), "{told}");
    let status = tokio::time::timeout(DEADLINE, first.child.wait())
        .await
        .expect("the first listen exits")
        .expect("status");
    assert_eq!(status.code(), Some(1));
    // Deliveries go to the second.
    let forward: Value = reqwest::Client::new()
        .get(format!("{}/_sandbox/v1/forward", sandbox.base))
        .bearer_auth(KEY)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(forward["forward"]["url"], second.url.as_str(), "{forward}");
    assert!(forward["forward"]["expires_at"].is_string(), "{forward}");
    signal(&second.child, "TERM");
    let _ = second.child.wait().await;
    sandbox.shutdown().await;
}

#[tokio::test]
async fn listen_shows_the_webhook_id_and_flags_a_repeat() {
    let sandbox = local_sandbox().await;
    let cli = Cli::new(&sandbox.base, KEY);
    let mut listening = listen(&cli, &[]).await;
    let http = reqwest::Client::new();
    for _ in 0..2 {
        let answer = http
            .post(&listening.url)
            .header("webhook-id", "msg_replayed_0001")
            .header(
                "X-Webhook-Subscription-ID",
                "4f04b35b-13c6-4631-9a94-acddc25d24a0",
            )
            .header("X-Webhook-Event", "message.sent")
            .body("{}")
            .send()
            .await
            .expect("sent");
        assert_eq!(answer.status().as_u16(), 200);
    }
    let once = line_where(&mut listening.stdout, "the first line", |_| true).await;
    assert!(once.contains("id msg_replayed_0001"), "{once}");
    assert!(!once.contains("REPEAT"), "{once}");
    let twice = line_where(&mut listening.stdout, "the second line", |_| true).await;
    assert!(twice.contains("REPEAT of this webhook-id"), "{twice}");
    signal(&listening.child, "TERM");
    let _ = listening.child.wait().await;
    sandbox.shutdown().await;
}
