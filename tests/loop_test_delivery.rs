//! `T` end to end through the real runtime: the dashboard asks, takes the secret in its
//! masked field and POSTs one signed test delivery to an HTTPS receiver this test starts
//! (trusted through a test CA). The receiver checks both signature schemes with our
//! signature module; what it received, what the screen shows and what the audit trail
//! records are asserted.

mod probe_support;
mod support;

use crossterm::event::{KeyCode, KeyModifiers};
use linq_hooks::api::NewSubscription;
use linq_hooks::evidence::probe::tls::Trust;
use linq_hooks::signature;
use probe_support::{Pki, Received, Reply};
use support::{client, eventually, fresh_sandbox, Dashboard};

const KEY: &str = "loop-key";
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw7Jxx2Oll+OE="; // test vector, not a real secret

/// 200 when both signatures verify with [`SECRET`], else 401.
fn verifying(request: &Received) -> Reply {
    if request.method != "POST" {
        return Reply::status(405);
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let report = signature::verify(
        SECRET,
        &request.headers,
        &request.body,
        now,
        signature::DEFAULT_TOLERANCE_SECS,
    );
    if report.verdicts().iter().all(|(_, v)| v.is_valid()) {
        Reply::status(200)
    } else {
        Reply::status(401)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t_sends_a_signed_delivery_the_receiver_verifies() {
    let pki = Pki::new();
    let receiver = probe_support::https(pki.leaf(&["127.0.0.1"], 90), verifying).await;
    let dir = tempfile::tempdir().unwrap();
    let trust = Trust::load(Some(&pki.ca_file(dir.path()))).unwrap();
    let (_db, base, _sandbox) = fresh_sandbox(KEY, false).await;
    let url = receiver.url("https", "/hook?version=2026-02-03");
    let created = client(&base, KEY)
        .create(&NewSubscription {
            target_url: url.clone(),
            subscribed_events: vec!["message.sent".into()],
            ..Default::default()
        })
        .await
        .unwrap();
    let id = created.subscription.id.clone();
    let audit = dir.path().join("audit.jsonl");
    let ui = Dashboard::start_with(
        client(&base, KEY),
        true,
        |app| app,
        |rt| rt.with_probe_trust(trust).with_audit(Some(audit.clone())),
    );
    ui.wait_for("127.0.0.1").await;

    ui.key_with(KeyCode::Char('T'), KeyModifiers::SHIFT);
    ui.wait_for("POST to the customer's endpoint.").await;
    ui.type_text(SECRET);
    let screen = ui.wait_for("characters, never shown").await;
    assert!(!screen.contains(&SECRET[6..20]), "{screen}");
    ui.key(KeyCode::Enter);
    let screen = ui.wait_for("Test delivery:").await;
    assert!(!screen.contains(&SECRET[6..20]), "{screen}");

    let posts: Vec<Received> = receiver
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert_eq!(posts.len(), 1, "exactly one POST");
    let post = &posts[0];
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let report = signature::verify(SECRET, &post.headers, &post.body, now, 300);
    assert!(report.verdicts().iter().all(|(_, v)| v.is_valid()));
    let envelope: serde_json::Value = serde_json::from_slice(&post.body).unwrap();
    assert_eq!(envelope["event_type"], "message.sent");
    assert!(envelope["event_id"].as_str().unwrap().starts_with("probe-"));
    assert_eq!(post.header("x-webhook-subscription-id"), Some(id.as_str()));
    // The Probe block shows the delivery's answer.
    ui.wait_for("POST → 200").await;

    // Without a secret: a random one, which this receiver refuses (as it should).
    ui.key_with(KeyCode::Char('T'), KeyModifiers::SHIFT);
    ui.wait_for("POST to the customer's endpoint.").await;
    ui.key(KeyCode::Enter);
    ui.wait_for("POST → 401").await;
    eventually("a second POST", || async {
        receiver
            .requests()
            .iter()
            .filter(|r| r.method == "POST")
            .count()
            == 2
    })
    .await;
    let app = ui.quit().await;
    assert!(app.delivery_dialog.is_none());

    // Both POSTs are in the audit trail with their outcome; the secret is not.
    let text = std::fs::read_to_string(&audit).unwrap();
    assert!(!text.contains(&SECRET[6..20]), "{text}");
    let entries: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(entries.len(), 2, "{text}");
    for entry in &entries {
        assert_eq!(entry["operation"], "test-delivery");
        assert_eq!(entry["source"], "dashboard");
        assert_eq!(entry["subscription_id"], id.as_str());
    }
    assert_eq!(entries[0]["outcome"]["ok"], true);
    assert_eq!(entries[0]["outcome"]["status"], 200);
    assert_eq!(entries[0]["delivery"]["signed_with"], "given-secret");
    assert_eq!(entries[1]["outcome"]["ok"], false);
    assert_eq!(entries[1]["outcome"]["status"], 401);
    assert_eq!(entries[1]["delivery"]["signed_with"], "random-secret");
}
