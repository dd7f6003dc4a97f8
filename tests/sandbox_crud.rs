//! Sandbox CRUD over raw HTTP: shapes, secrets, ordering, partial updates, delete.

mod sandbox_support;

use base64::Engine as _;
use sandbox_support::{assert_subscription_shape, assert_timestamp, Sandbox};
use serde_json::{json, Value};

fn hook(url: &str) -> Value {
    json!({
        "target_url": url,
        "subscribed_events": ["message.sent", "message.received"],
    })
}

#[tokio::test]
async fn create_returns_201_with_every_field_and_a_one_time_secret() {
    let sandbox = Sandbox::empty().await;
    let reply = sandbox
        .post(
            "webhook-subscriptions",
            &json!({
                "target_url": "https://webhooks.example.com/linq/events?version=2026-02-03",
                "subscribed_events": ["message.sent", "message.received", "message.delivered", "message.read"],
                "phone_numbers": ["+12025551234", "+12025559876"],
            }),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.assert_traced();
    assert_eq!(reply.content_type.as_deref(), Some("application/json"));
    let created = reply.json();

    let secret = created["signing_secret"].as_str().expect("secret");
    let key = secret.strip_prefix("whsec_").expect("whsec_ prefix");
    let key = base64::engine::general_purpose::STANDARD
        .decode(key)
        .expect("standard padded base64");
    assert_eq!(key.len(), 32);

    let mut without_secret = created.clone();
    without_secret
        .as_object_mut()
        .unwrap()
        .remove("signing_secret");
    assert_subscription_shape(&without_secret);
    assert_eq!(created["is_active"], true);
    assert_eq!(created["created_at"], created["updated_at"]);
    assert_eq!(
        created["phone_numbers"],
        json!(["+12025551234", "+12025559876"])
    );
    assert_eq!(created["routing_id_header"], Value::Null);
    assert_eq!(created["routing_key_header"], Value::Null);

    // The client's own wire model reads it too.
    let parsed: linq_hooks::api::CreatedSubscription =
        linq_hooks::api::CreatedSubscription::from_json(reply.body.as_bytes())
            .expect("client model parses create");
    assert_eq!(parsed.signing_secret.expose(), secret);

    // Never again: not from retrieve, list or update.
    let id = created["id"].as_str().unwrap();
    let fetched = sandbox.get(&format!("webhook-subscriptions/{id}")).await;
    assert_eq!(fetched.status, 200);
    assert!(!fetched.body.contains("whsec_"));
    assert_eq!(fetched.json(), without_secret);
    let listed = sandbox.get("webhook-subscriptions").await;
    assert!(!listed.body.contains("whsec_"));
    let updated = sandbox
        .put(
            &format!("webhook-subscriptions/{id}"),
            &json!({"is_active": false}),
        )
        .await;
    assert!(!updated.body.contains("whsec_"));

    // Each subscription gets its own secret.
    let other = sandbox
        .create(&hook("https://webhooks.example.com/other"))
        .await;
    assert_ne!(other["signing_secret"], created["signing_secret"]);
}

#[tokio::test]
async fn unfiltered_subscription_has_null_phone_numbers() {
    let sandbox = Sandbox::empty().await;
    let created = sandbox.create(&hook("https://a.example/h")).await;
    assert_eq!(created["phone_numbers"], Value::Null);
    let mut body = hook("https://b.example/h");
    body["phone_numbers"] = json!([]);
    assert_eq!(sandbox.create(&body).await["phone_numbers"], Value::Null);
}

#[tokio::test]
async fn list_holds_active_and_paused_in_creation_order() {
    let sandbox = Sandbox::empty().await;
    assert_eq!(sandbox.list().await, Vec::<Value>::new());
    let mut ids = Vec::new();
    for n in 0..5 {
        let created = sandbox
            .create(&hook(&format!("https://a.example/h{n}")))
            .await;
        ids.push(created["id"].as_str().unwrap().to_owned());
    }
    let paused = sandbox
        .put(
            &format!("webhook-subscriptions/{}", ids[2]),
            &json!({"is_active": false}),
        )
        .await;
    assert_eq!(paused.status, 200);

    let listed = sandbox.list().await;
    let listed_ids: Vec<&str> = listed.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(listed_ids, ids);
    assert_eq!(listed[2]["is_active"], false);
    listed.iter().for_each(assert_subscription_shape);

    let parsed: linq_hooks::api::SubscriptionList =
        serde_json::from_str(&sandbox.get("webhook-subscriptions").await.body).expect("list");
    assert_eq!(parsed.subscriptions.len(), 5);
}

#[tokio::test]
async fn update_keeps_omitted_fields_and_moves_only_updated_at() {
    let sandbox = Sandbox::empty().await;
    let mut body = hook("https://a.example/h?version=2026-02-03");
    body["phone_numbers"] = json!(["+12025550142"]);
    let created = sandbox.create(&body).await;
    let path = format!("webhook-subscriptions/{}", created["id"].as_str().unwrap());

    let paused = sandbox.put(&path, &json!({"is_active": false})).await;
    assert_eq!(paused.status, 200, "{}", paused.body);
    let paused = paused.json();
    assert_subscription_shape(&paused);
    assert_eq!(paused["is_active"], false);
    for kept in [
        "target_url",
        "subscribed_events",
        "phone_numbers",
        "created_at",
        "id",
    ] {
        assert_eq!(paused[kept], created[kept], "{kept} is kept");
    }
    assert!(paused["updated_at"].as_str() > created["updated_at"].as_str());

    // Several updates in a row: updated_at strictly increases every time, even within one ms.
    let mut last = paused["updated_at"].as_str().unwrap().to_owned();
    for active in [true, false, true] {
        let next = sandbox
            .put(&path, &json!({"is_active": active}))
            .await
            .json();
        let stamp = next["updated_at"].as_str().unwrap().to_owned();
        assert_timestamp(&next["updated_at"]);
        assert!(stamp > last, "{stamp} > {last}");
        assert_eq!(next["created_at"], created["created_at"]);
        last = stamp;
    }

    // Replacing lists.
    let next = sandbox
        .put(
            &path,
            &json!({"subscribed_events": ["call.ended"], "target_url": "https://a.example/h2"}),
        )
        .await
        .json();
    assert_eq!(next["subscribed_events"], json!(["call.ended"]));
    assert_eq!(next["target_url"], "https://a.example/h2");
    assert_eq!(next["phone_numbers"], json!(["+12025550142"]));

    // An update that changes nothing does not move updated_at.
    let same = sandbox.put(&path, &json!({})).await.json();
    assert_eq!(same, next);
}

#[tokio::test]
async fn null_and_empty_list_both_clear_the_phone_filter() {
    let sandbox = Sandbox::empty().await;
    let mut body = hook("https://a.example/h");
    body["phone_numbers"] = json!(["+12025550142", "+14155550163"]);
    let created = sandbox.create(&body).await;
    let path = format!("webhook-subscriptions/{}", created["id"].as_str().unwrap());

    let cleared = sandbox
        .put(&path, &json!({"phone_numbers": null}))
        .await
        .json();
    assert_eq!(cleared["phone_numbers"], Value::Null);
    assert_eq!(cleared["subscribed_events"], created["subscribed_events"]);

    let set = sandbox
        .put(&path, &json!({"phone_numbers": ["+16465550119"]}))
        .await
        .json();
    assert_eq!(set["phone_numbers"], json!(["+16465550119"]));

    let cleared = sandbox
        .put(&path, &json!({"phone_numbers": []}))
        .await
        .json();
    assert_eq!(cleared["phone_numbers"], Value::Null);
    let fetched = sandbox.get(&path).await.json();
    assert_eq!(fetched["phone_numbers"], Value::Null);
}

#[tokio::test]
async fn routing_headers_follow_the_affinity_rules() {
    let sandbox = Sandbox::empty().await;
    let mut body = hook("https://a.example/h");
    body["routing_key_header"] = json!("X-Route-Token");
    let created = sandbox.create(&body).await;
    assert_eq!(created["routing_key_header"], "X-Route-Token");
    assert_eq!(created["routing_id_header"], "Linq-Chat-Id");
    let path = format!("webhook-subscriptions/{}", created["id"].as_str().unwrap());

    let renamed = sandbox
        .put(&path, &json!({"routing_id_header": "X-Chat"}))
        .await
        .json();
    assert_eq!(renamed["routing_id_header"], "X-Chat");
    assert_eq!(renamed["routing_key_header"], "X-Route-Token");

    let reverted = sandbox
        .put(&path, &json!({"routing_id_header": ""}))
        .await
        .json();
    assert_eq!(reverted["routing_id_header"], "Linq-Chat-Id");
    let reverted = sandbox
        .put(&path, &json!({"routing_id_header": "X-Chat"}))
        .await;
    assert_eq!(reverted.status, 200);
    let reverted = sandbox
        .put(&path, &json!({"routing_id_header": null}))
        .await
        .json();
    assert_eq!(reverted["routing_id_header"], "Linq-Chat-Id");

    let off = sandbox
        .put(&path, &json!({"routing_key_header": null}))
        .await
        .json();
    assert_eq!(off["routing_key_header"], Value::Null);
    assert_eq!(off["routing_id_header"], Value::Null);

    // An id header alone does not turn affinity on.
    let still_off = sandbox
        .put(&path, &json!({"routing_id_header": "X-Chat"}))
        .await
        .json();
    assert_eq!(still_off["routing_id_header"], Value::Null);

    let on = sandbox
        .put(
            &path,
            &json!({"routing_key_header": "X-Route-Token", "routing_id_header": "X-Chat"}),
        )
        .await
        .json();
    assert_eq!(on["routing_id_header"], "X-Chat");
    let off = sandbox
        .put(&path, &json!({"routing_key_header": ""}))
        .await
        .json();
    assert_eq!(off["routing_key_header"], Value::Null);
}

#[tokio::test]
async fn target_url_is_unique_per_account() {
    let sandbox = Sandbox::empty().await;
    let first = sandbox
        .create(&hook("https://a.example/h?version=2026-02-03"))
        .await;
    let second = sandbox
        .create(&hook("https://a.example/h?version=2025-01-01"))
        .await;

    let duplicate = sandbox
        .post(
            "webhook-subscriptions",
            &hook("https://a.example/h?version=2026-02-03"),
        )
        .await;
    duplicate.assert_error(409, 2015, "target_url");

    let path = format!("webhook-subscriptions/{}", second["id"].as_str().unwrap());
    let taken = sandbox
        .put(&path, &json!({"target_url": first["target_url"]}))
        .await;
    taken.assert_error(409, 2015, "target_url");
    // Re-sending a subscription's own URL is fine.
    let own = sandbox
        .put(&path, &json!({"target_url": second["target_url"]}))
        .await;
    assert_eq!(own.status, 200);
    // Paths are case-sensitive: another URL.
    sandbox
        .create(&hook("https://a.example/H?version=2026-02-03"))
        .await;
    assert_eq!(sandbox.list().await.len(), 3);
}

#[tokio::test]
async fn target_urls_are_compared_as_parsed_and_look_alikes_are_refused() {
    let sandbox = Sandbox::empty().await;
    sandbox.create(&hook("https://paypal.example/hook")).await;
    for same in [
        "HTTPS://PayPal.example:443/./hook",
        "https://paypal.example/a/../hook",
    ] {
        sandbox
            .post("webhook-subscriptions", &hook(same))
            .await
            .assert_error(409, 2015, "target_url");
    }
    for look_alike in [
        "https://pay\u{200B}pal.example/hook",
        "https://paypal.example/\u{202E}kooh",
        "https:///paypal.example/hook",
    ] {
        sandbox
            .post("webhook-subscriptions", &hook(look_alike))
            .await
            .assert_error(400, 1005, "target_url");
    }
    let long_label = format!("https://{}.example/hook", "a".repeat(64));
    sandbox
        .post("webhook-subscriptions", &hook(&long_label))
        .await
        .assert_error(400, 1005, "63");

    // The URL comes back exactly as sent, in the response and in the list.
    let spelled = "HTTPS://Other.Example:443/./in";
    let other = sandbox.create(&hook(spelled)).await;
    assert_eq!(other["target_url"], spelled);
    let path = format!("webhook-subscriptions/{}", other["id"].as_str().unwrap());
    sandbox
        .put(&path, &json!({"target_url": "https://PAYPAL.example/hook"}))
        .await
        .assert_error(409, 2015, "target_url");
    // Its own URL, spelled another way, is still its own.
    let respelled = sandbox
        .put(&path, &json!({"target_url": "https://other.example/in"}))
        .await;
    assert_eq!(respelled.status, 200, "{}", respelled.body);
    let urls: Vec<Value> = sandbox
        .list()
        .await
        .iter()
        .map(|s| s["target_url"].clone())
        .collect();
    assert_eq!(
        urls,
        [
            json!("https://paypal.example/hook"),
            json!("https://other.example/in")
        ]
    );
}

#[tokio::test]
async fn delete_returns_204_with_an_empty_body() {
    let sandbox = Sandbox::empty().await;
    let created = sandbox.create(&hook("https://a.example/h")).await;
    let kept = sandbox.create(&hook("https://a.example/kept")).await;
    let path = format!("webhook-subscriptions/{}", created["id"].as_str().unwrap());

    let deleted = sandbox.delete(&path).await;
    assert_eq!(deleted.status, 204);
    assert_eq!(deleted.body, "");
    deleted.assert_traced();

    sandbox
        .get(&path)
        .await
        .assert_error(404, 2010, "not found");
    sandbox
        .delete(&path)
        .await
        .assert_error(404, 2010, "not found");
    let listed = sandbox.list().await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], kept["id"]);

    // The URL is free again.
    sandbox.create(&hook("https://a.example/h")).await;
}
