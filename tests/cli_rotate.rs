//! `rotate` (issue 20), the built binary against the sandbox over loopback: a rotation end
//! to end with real deliveries (each verified with its own subscription's secret), and every
//! refusal. Deliveries go to a receiver on 127.0.0.1 through `deliver_to`.

mod cli_support;
mod sandbox_support;

use cli_support::{Cli, Run};
use linq_hooks::sandbox::DeliveryOptions;
use linq_hooks::signature;
use sandbox_support::receiver::Receiver;
use sandbox_support::{Sandbox, KEY};
use serde_json::{json, Value};
use std::collections::BTreeSet;

const LINE: &str = "+12025551234";
const TARGET: &str = "https://hooks.example.com/linq?version=2026-02-03&line=1";

async fn setup(receiver: &Receiver) -> (Sandbox, Cli, String, String) {
    let delivery = DeliveryOptions {
        deliver_to: Some(receiver.url.clone()),
        allow_local_targets: true,
        retry_scale: 1.0,
    };
    let sandbox = Sandbox::start_with(&[KEY], false, delivery).await;
    let created = sandbox
        .create(&json!({
            "target_url": TARGET,
            "subscribed_events": ["message.received", "message.sent"],
            "phone_numbers": [LINE],
            "routing_key_header": "X-Route",
        }))
        .await;
    let cli = Cli::new(&sandbox.base, KEY);
    (
        sandbox,
        cli,
        created["id"].as_str().expect("id").to_owned(),
        created["signing_secret"]
            .as_str()
            .expect("secret")
            .to_owned(),
    )
}

fn secret_path(cli: &Cli) -> String {
    cli.home
        .path()
        .join("new-secret")
        .to_string_lossy()
        .into_owned()
}

/// Starts a rotation of `old`; returns the run and the twin's id.
async fn start(cli: &Cli, old: &str) -> (Run, String) {
    let path = secret_path(cli);
    let run = cli
        .run(&["rotate", old, "--secret-file", &path, "--json"])
        .await
        .expect(0);
    let id = run.json()["new_id"].as_str().expect("new_id").to_owned();
    (run, id)
}

async fn send_event(sandbox: &Sandbox) -> Value {
    let reply = sandbox
        .post(
            "/_sandbox/v1/events",
            &json!({"event_type": "message.received", "phone_number": LINE}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json()
}

fn queued_for(event: &Value) -> BTreeSet<String> {
    event["deliveries"]
        .as_array()
        .expect("deliveries")
        .iter()
        .map(|d| d["subscription_id"].as_str().expect("id").to_owned())
        .collect()
}

fn ids(list: &[Value]) -> BTreeSet<String> {
    list.iter()
        .map(|s| s["id"].as_str().expect("id").to_owned())
        .collect()
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[tokio::test]
async fn a_rotation_delivers_to_both_then_only_to_the_new_one() {
    let receiver = Receiver::start().await;
    let (sandbox, cli, old, old_secret) = setup(&receiver).await;

    let (run, new) = start(&cli, &old).await;
    let doc = run.json();
    assert_eq!(
        doc["new_url"],
        format!("{TARGET}&linq_rotation=1"),
        "same URL, every parameter kept, one added"
    );
    assert!(doc["note"].as_str().unwrap().contains("event_id"), "{doc}");
    let path = secret_path(&cli);
    assert_eq!(
        linq_hooks::private_files::mode(path.as_ref()).unwrap(),
        0o600
    );
    let new_secret = std::fs::read_to_string(&path).expect("secret file");
    assert!(new_secret.starts_with("whsec_") && new_secret != old_secret);
    assert!(!run.stdout.contains(&new_secret) && !run.stderr.contains(&new_secret));

    // Both active, with identical configuration apart from the URL.
    let list = sandbox.list().await;
    assert_eq!(ids(&list), BTreeSet::from([old.clone(), new.clone()]));
    let strip = |s: &Value| {
        let mut s = s.clone();
        for f in ["id", "created_at", "updated_at", "target_url"] {
            s.as_object_mut().unwrap().remove(f);
        }
        s
    };
    assert_eq!(strip(&list[0]), strip(&list[1]));
    assert!(list.iter().all(|s| s["is_active"] == true));

    // One event reaches both, each signed with its own subscription's secret.
    let event = send_event(&sandbox).await;
    assert_eq!(
        queued_for(&event),
        BTreeSet::from([old.clone(), new.clone()])
    );
    let received = receiver.wait_for(2).await;
    for request in &received {
        let sub = request.header("x-webhook-subscription-id").expect("sub id");
        let (own, other) = if sub == old {
            (&old_secret, &new_secret)
        } else {
            assert_eq!(sub, new);
            (&new_secret, &old_secret)
        };
        let check = |secret: &str| {
            signature::verify(
                secret,
                &request.headers,
                &request.body,
                now(),
                signature::DEFAULT_TOLERANCE_SECS,
            )
        };
        assert!(check(own).standard.is_valid(), "own secret verifies");
        assert!(!check(other).standard.is_valid(), "the other does not");
        assert_eq!(request.header("webhook-id"), event["event_id"].as_str());
    }

    // Found again: from this machine's trail, and from the parameter alone elsewhere.
    let status = cli.run(&["rotate", "--status", "--json"]).await.expect(0);
    let pairs = status.json();
    assert_eq!(pairs[0]["old_id"], old.as_str());
    assert_eq!(pairs[0]["new_id"], new.as_str());
    assert_eq!(pairs[0]["found_by"], "audit trail");
    assert_eq!(pairs[0]["ready_to_finish"], true);
    let elsewhere = Cli::new(&sandbox.base, KEY);
    let pairs = elsewhere
        .run(&["rotate", "--status", "--json"])
        .await
        .expect(0)
        .json();
    assert_eq!(pairs[0]["old_id"], old.as_str());
    assert_eq!(pairs[0]["found_by"], "linq_rotation parameter");

    let run = cli.run(&["rotate", "--finish", &old]).await.expect(0);
    assert!(run.stdout.contains("cannot be undone"), "{}", run.stdout);
    assert_eq!(ids(&sandbox.list().await), BTreeSet::from([new.clone()]));
    let event = send_event(&sandbox).await;
    assert_eq!(queued_for(&event), BTreeSet::from([new.clone()]));
    let last = receiver.wait_for(3).await.pop().expect("third delivery");
    assert_eq!(last.header("x-webhook-subscription-id"), Some(new.as_str()));

    // Every step in the trail, with both ids.
    let history = cli.run(&["history", "--json"]).await.expect(0).json();
    let steps: Vec<(&str, &Value)> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["operation"].as_str().unwrap(), &e["rotation"]))
        .collect();
    let pair = json!({"old_id": old, "new_id": new});
    assert_eq!(steps, [("rotate-finish", &pair), ("rotate-start", &pair)]);
    assert!(cli
        .run(&["rotate", "--status", "--json"])
        .await
        .expect(0)
        .json()
        .as_array()
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn finishing_is_refused_when_the_new_one_is_paused_changed_or_gone() {
    let receiver = Receiver::start().await;
    let (sandbox, cli, old, _) = setup(&receiver).await;
    let (_, new) = start(&cli, &old).await;
    let path = format!("webhook-subscriptions/{new}");

    let reply = sandbox.put(&path, &json!({"is_active": false})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let run = cli.run(&["rotate", "--finish", &old]).await.expect(2);
    assert!(run.stderr.contains("is paused"), "{}", run.stderr);
    assert_eq!(run.stderr_lines().len(), 1, "{}", run.stderr);

    let reply = sandbox
        .put(
            &path,
            &json!({"is_active": true, "subscribed_events": ["message.received"], "phone_numbers": null}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let run = cli.run(&["rotate", "--finish", &old]).await.expect(2);
    assert!(
        run.stderr.contains("events differ (missing message.sent)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("phone lines differ"), "{}", run.stderr);
    assert!(!run.stderr.contains("paused"), "{}", run.stderr);

    assert_eq!(sandbox.delete(&path).await.status, 204);
    let run = cli.run(&["rotate", "--finish", &old]).await.expect(2);
    assert!(
        run.stderr.contains("is gone") && run.stderr.contains("--abort"),
        "{}",
        run.stderr
    );
    // Nothing was deleted by any of the refusals.
    assert_eq!(ids(&sandbox.list().await), BTreeSet::from([old]));
}

#[tokio::test]
async fn finishing_a_rotation_whose_old_one_is_already_deleted_is_refused() {
    let receiver = Receiver::start().await;
    let (sandbox, cli, old, _) = setup(&receiver).await;
    let (_, new) = start(&cli, &old).await;
    let reply = sandbox
        .delete(&format!("webhook-subscriptions/{old}"))
        .await;
    assert_eq!(reply.status, 204);
    let run = cli.run(&["rotate", "--finish", &old]).await.expect(2);
    assert!(run.stderr.contains("already deleted"), "{}", run.stderr);
    assert_eq!(ids(&sandbox.list().await), BTreeSet::from([new]));
}

#[tokio::test]
async fn abort_deletes_the_new_one_and_keeps_the_old_one() {
    let receiver = Receiver::start().await;
    let (sandbox, cli, old, _) = setup(&receiver).await;
    let (_, new) = start(&cli, &old).await;
    // By the new id too: either id names the pair.
    let run = cli
        .run(&["rotate", "--abort", &new, "--json"])
        .await
        .expect(0);
    assert_eq!(run.json()["deleted"], new.as_str());
    assert_eq!(ids(&sandbox.list().await), BTreeSet::from([old.clone()]));
    let history = cli.run(&["history", "--json"]).await.expect(0).json();
    assert_eq!(history[0]["operation"], "rotate-abort");
    assert_eq!(history[0]["rotation"]["old_id"], old.as_str());
    // Nothing left to finish.
    let run = cli.run(&["rotate", "--finish", &old]).await.expect(2);
    assert!(
        run.stderr.contains("no rotation in progress"),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn a_rotation_never_starts_without_a_new_place_for_the_secret() {
    let receiver = Receiver::start().await;
    let (sandbox, cli, old, _) = setup(&receiver).await;
    let run = cli.run(&["rotate", &old]).await.expect(2);
    assert!(run.stderr.contains("--secret-file"), "{}", run.stderr);

    let path = secret_path(&cli);
    std::fs::write(&path, "keep me").unwrap();
    let run = cli
        .run(&["rotate", &old, "--secret-file", &path])
        .await
        .expect(2);
    assert!(
        run.stderr.contains("refusing to overwrite"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "keep me");

    #[cfg(unix)]
    {
        let link = cli.home.path().join("link");
        let aim = cli.home.path().join("aim");
        std::os::unix::fs::symlink(&aim, &link).unwrap();
        cli.run(&["rotate", &old, "--secret-file", link.to_str().unwrap()])
            .await
            .expect(2);
        assert!(!aim.exists(), "the symlink was not followed");
    }
    assert_eq!(ids(&sandbox.list().await), BTreeSet::from([old]));
}

#[tokio::test]
async fn a_new_url_that_collides_or_changes_the_version_is_refused() {
    let receiver = Receiver::start().await;
    let (sandbox, cli, old, _) = setup(&receiver).await;
    sandbox
        .create(&json!({
            "target_url": "https://other.example.com/h?version=2026-02-03",
            "subscribed_events": ["message.sent"],
        }))
        .await;
    let path = secret_path(&cli);
    // Same URL identity as the other subscription's (host case does not count).
    let run = cli
        .run(&[
            "rotate",
            &old,
            "--new-url",
            "https://OTHER.example.com/h?version=2026-02-03",
            "--secret-file",
            &path,
        ])
        .await
        .expect(2);
    assert!(
        run.stderr.contains("is the URL of subscription"),
        "{}",
        run.stderr
    );
    let run = cli
        .run(&[
            "rotate",
            &old,
            "--new-url",
            "https://hooks.example.com/new?version=2025-01-01",
            "--secret-file",
            &path,
        ])
        .await
        .expect(2);
    assert!(run.stderr.contains("payload version"), "{}", run.stderr);
    assert!(!std::path::Path::new(&path).exists(), "no secret file left");
    assert_eq!(sandbox.list().await.len(), 2, "nothing created");

    // A free custom URL works, and a second start on the same subscription is refused.
    let run = cli
        .run(&[
            "rotate",
            &old,
            "--new-url",
            "https://hooks.example.com/rotated?version=2026-02-03",
            "--secret-file",
            &path,
        ])
        .await
        .expect(0);
    assert!(run.stdout.contains("twice"), "{}", run.stdout);
    let second = cli.home.path().join("second");
    let run = cli
        .run(&["rotate", &old, "--secret-file", second.to_str().unwrap()])
        .await
        .expect(2);
    assert!(run.stderr.contains("already rotating"), "{}", run.stderr);
    assert_eq!(sandbox.list().await.len(), 3);
}

#[tokio::test]
async fn read_only_refuses_every_step_but_status() {
    let cli = Cli::bare();
    let id = "aaaaaaaa-0000-4000-8000-000000000001";
    let run = cli
        .run(&["--read-only", "rotate", "--finish", id])
        .await
        .expect(2);
    assert!(run.stderr.contains("--read-only"), "{}", run.stderr);
}
