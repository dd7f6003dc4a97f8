//! Sandbox accounts, persistence, seeding and the read-only catalogue endpoints.

mod sandbox_support;

use sandbox_support::{assert_subscription_shape, Sandbox, KEY};
use serde_json::{json, Value};
use std::collections::HashSet;

fn hook(url: &str) -> Value {
    json!({"target_url": url, "subscribed_events": ["message.received"]})
}

#[tokio::test]
async fn each_key_is_a_separate_account() {
    let sandbox = Sandbox::start(&[KEY, "second-key"], false).await;
    let mine = sandbox.create(&hook("https://shared.example/h")).await;
    // Same URL in another account is fine: uniqueness is per account.
    let theirs = sandbox
        .post_as(
            "second-key",
            "webhook-subscriptions",
            &hook("https://shared.example/h"),
        )
        .await;
    assert_eq!(theirs.status, 201, "{}", theirs.body);
    let theirs = theirs.json();

    assert_eq!(sandbox.list().await.len(), 1);
    assert_eq!(sandbox.list_as("second-key").await.len(), 1);
    assert_eq!(sandbox.list().await[0]["id"], mine["id"]);

    // Another account's subscription is invisible: 404/2010.
    let foreign = format!("webhook-subscriptions/{}", theirs["id"].as_str().unwrap());
    sandbox
        .get(&foreign)
        .await
        .assert_error(404, 2010, "not found");
    sandbox
        .put(&foreign, &json!({"is_active": false}))
        .await
        .assert_error(404, 2010, "not found");
    sandbox
        .delete(&foreign)
        .await
        .assert_error(404, 2010, "not found");
    assert_eq!(sandbox.list_as("second-key").await[0]["is_active"], true);
}

#[tokio::test]
async fn data_survives_a_restart_on_the_same_file() {
    let sandbox = Sandbox::start(&[KEY], true).await;
    let seeded = sandbox.list().await;
    assert!(!seeded.is_empty());
    let created = sandbox.create(&hook("https://persist.example/h")).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let paused = sandbox
        .put(
            &format!("webhook-subscriptions/{id}"),
            &json!({"is_active": false}),
        )
        .await
        .json();
    let deleted = seeded[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        sandbox
            .delete(&format!("webhook-subscriptions/{deleted}"))
            .await
            .status,
        204
    );
    let before = sandbox.list().await;
    let lines_before = sandbox.get("phone_numbers").await.json();
    assert!(sandbox.db_path().exists());

    let sandbox = sandbox.restart(&[KEY], true).await;
    let after = sandbox.list().await;
    assert_eq!(after, before, "same data, not re-seeded or duplicated");
    assert_eq!(sandbox.get("phone_numbers").await.json(), lines_before);
    let fetched = sandbox
        .get(&format!("webhook-subscriptions/{id}"))
        .await
        .json();
    assert_eq!(fetched, paused);
    // The uniqueness rule still holds against persisted data.
    sandbox
        .post("webhook-subscriptions", &hook("https://persist.example/h"))
        .await
        .assert_error(409, 2015, "target_url");

    // Deleting everything and restarting does not bring the demo back.
    for sub in &after {
        let path = format!("webhook-subscriptions/{}", sub["id"].as_str().unwrap());
        assert_eq!(sandbox.delete(&path).await.status, 204);
    }
    let sandbox = sandbox.restart(&[KEY], true).await;
    assert!(sandbox.list().await.is_empty());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn fresh_accounts_are_seeded_with_a_demo_account() {
    let sandbox = Sandbox::start(&[KEY, "other"], true).await;
    let subs = sandbox.list().await;
    assert!((10..=14).contains(&subs.len()), "{} seeded", subs.len());
    subs.iter().for_each(assert_subscription_shape);
    assert!(subs.iter().any(|s| s["is_active"] == false));
    assert!(subs.iter().any(|s| s["is_active"] == true));
    assert!(subs.iter().any(|s| s["phone_numbers"].is_null()));
    assert!(subs.iter().any(|s| s["phone_numbers"].is_array()));
    assert!(subs.iter().any(|s| s["routing_key_header"].is_string()));
    let urls: Vec<&str> = subs
        .iter()
        .map(|s| s["target_url"].as_str().unwrap())
        .collect();
    assert!(urls.iter().any(|u| u.contains("version=2026-02-03")));
    assert!(urls.iter().any(|u| u.contains("version=2025-01-01")));
    assert!(urls.iter().any(|u| !u.contains("version=")));
    let created: Vec<&str> = subs
        .iter()
        .map(|s| s["created_at"].as_str().unwrap())
        .collect();
    let mut sorted = created.clone();
    sorted.sort_unstable();
    assert_eq!(created, sorted, "listed oldest first");

    let lines = sandbox.get("phone_numbers").await.json()["phone_numbers"].clone();
    let lines = lines.as_array().unwrap();
    assert!((3..=4).contains(&lines.len()));
    assert!(lines.iter().any(|l| l["reputation"]["status"] == "AT_RISK"));
    assert!(lines.iter().any(|l| l["line_type"] == "RCS"));
    assert!(lines.iter().any(|l| l["line_type"] == "iMessage"));

    // The second key got its own copy: same shape, different ids.
    let other = sandbox.list_as("other").await;
    assert_eq!(other.len(), subs.len());
    let mine: HashSet<&Value> = subs.iter().map(|s| &s["id"]).collect();
    assert!(other.iter().all(|s| !mine.contains(&s["id"])));

    // A seeded subscription is a normal one.
    let path = format!("webhook-subscriptions/{}", subs[0]["id"].as_str().unwrap());
    assert_eq!(
        sandbox.put(&path, &json!({"is_active": true})).await.status,
        200
    );
}

#[tokio::test]
async fn no_seed_means_empty_accounts_until_seeding_is_allowed() {
    let sandbox = Sandbox::start(&[KEY], false).await;
    assert!(sandbox.list().await.is_empty());
    let lines = sandbox.get("phone_numbers").await.json();
    assert_eq!(lines, json!({"phone_numbers": []}));

    // A still-empty account is seeded on a later run that allows it; a new key too.
    let sandbox = sandbox.restart(&[KEY, "newcomer"], true).await;
    let seeded = sandbox.list().await.len();
    assert!(seeded >= 10);
    assert_eq!(sandbox.list_as("newcomer").await.len(), seeded);

    // An account holding data is never seeded.
    let sandbox = Sandbox::start(&[KEY], false).await;
    sandbox.create(&hook("https://mine.example/h")).await;
    let sandbox = sandbox.restart(&[KEY], true).await;
    assert_eq!(sandbox.list().await.len(), 1);
}

#[tokio::test]
async fn webhook_events_lists_exactly_the_catalogue() {
    let sandbox = Sandbox::empty().await;
    let reply = sandbox.get("webhook-events").await;
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert_eq!(
        body["doc_url"],
        "https://docs.linqapp.com/channel/imessage/guides/webhooks/events"
    );
    let expected: Vec<&str> = include_str!("../assets/webhook-event-types.txt")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(expected.len(), 75);
    assert_eq!(body["events"], json!(expected));
    assert_eq!(body.as_object().unwrap().len(), 2);

    // Every listed type is accepted by create.
    let mut all = hook("https://all.example/h");
    all["subscribed_events"] = body["events"].clone();
    let created = sandbox.create(&all).await;
    assert_eq!(created["subscribed_events"], body["events"]);
}

#[tokio::test]
async fn phone_numbers_have_the_documented_shape() {
    let sandbox = Sandbox::start(&[KEY], true).await;
    let reply = sandbox.get("phone_numbers").await;
    assert_eq!(reply.status, 200);
    let body = reply.json();
    for line in body["phone_numbers"].as_array().unwrap() {
        let mut keys: Vec<&str> = line
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "forwarding_number",
                "id",
                "line_type",
                "phone_number",
                "reputation"
            ]
        );
        let id = line["id"].as_str().unwrap();
        assert_eq!(id.len(), 36);
        let number = line["phone_number"].as_str().unwrap();
        assert!(number.starts_with('+') && number[1..].bytes().all(|b| b.is_ascii_digit()));
        assert!(["HEALTHY", "AT_RISK", "CRITICAL"]
            .contains(&line["reputation"]["status"].as_str().unwrap()));
        assert!(line["reputation"]["doc_url"]
            .as_str()
            .unwrap()
            .starts_with("https://"));
        assert!(line["forwarding_number"].is_null() || line["forwarding_number"].is_string());
        assert!(["iMessage", "RCS"].contains(&line["line_type"].as_str().unwrap()));
    }
    // The client's model reads it.
    let parsed: linq_hooks::api::PhoneNumberList =
        serde_json::from_str(&reply.body).expect("client model parses phone numbers");
    assert!(!parsed.phone_numbers.is_empty());
}

#[tokio::test]
async fn two_servers_can_share_one_database_file() {
    let a = Sandbox::empty().await;
    let (base_b, handle_b) = linq_hooks::sandbox::spawn(
        "127.0.0.1:0".parse().unwrap(),
        a.db_path(),
        vec![KEY.into()],
        false,
    )
    .await
    .expect("second server on the same file");
    let http = reqwest::Client::new();
    // Interleaved writes from both servers; SQLite serialises them.
    let writes = (0..8).map(|n| {
        let url = if n % 2 == 0 {
            a.url("webhook-subscriptions")
        } else {
            format!("{base_b}/v3/webhook-subscriptions")
        };
        http.post(url)
            .bearer_auth(KEY)
            .json(&hook(&format!("https://shared-file.example/h{n}")))
            .send()
    });
    for response in futures::future::join_all(writes).await {
        assert_eq!(response.expect("sent").status().as_u16(), 201);
    }
    let seen_by_b: Value = http
        .get(format!("{base_b}/v3/webhook-subscriptions"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(seen_by_b["subscriptions"].as_array().unwrap().len(), 8);
    assert_eq!(a.list().await.len(), 8);
    handle_b.shutdown().await.unwrap();
}
