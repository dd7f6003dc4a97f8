//! `LinqClient`'s sandbox-only calls (test events, the deliveries log, secrets, the
//! `listen` registration) against the real sandbox over loopback, and what a server
//! without them (live Linq) answers.

mod sandbox_support;

use linq_hooks::api::{ApiKey, ClientConfig, LinqClient, NewSubscription};
use linq_hooks::sandbox::DeliveryOptions;
use sandbox_support::receiver::{eventually, Receiver};
use sandbox_support::{Sandbox, KEY};
use std::time::Duration;

fn client(base: &str) -> LinqClient {
    let mut config = ClientConfig::new(base, ApiKey::new(KEY));
    config.max_retries = 0;
    config.request_timeout = Duration::from_secs(10);
    LinqClient::new(config).expect("client")
}

#[tokio::test]
async fn test_events_and_the_deliveries_log_through_the_client() {
    let receiver = Receiver::start().await;
    let sandbox = Sandbox::start_with(
        &[KEY],
        false,
        DeliveryOptions {
            deliver_to: Some(receiver.url.clone()),
            allow_local_targets: true,
            retry_scale: 0.01,
        },
    )
    .await;
    receiver.answer_next(&[500]);
    let client = client(&sandbox.base);
    let created = client
        .create(&NewSubscription {
            target_url: "https://hooks.example.com/in?version=2026-02-03".into(),
            subscribed_events: vec!["message.delivered".into()],
            phone_numbers: Some(vec!["+12025551234".into()]),
            ..Default::default()
        })
        .await
        .expect("create");
    let id = created.subscription.id.clone();

    let event = client
        .send_test_event("message.delivered", Some("+12025551234"))
        .await
        .expect("test event");
    assert_eq!(event.event_type, "message.delivered");
    assert!(event.created_at.is_some());
    assert_eq!(event.deliveries.len(), 1);
    assert_eq!(event.deliveries[0].subscription_id, id);
    assert_eq!(
        event.deliveries[0].webhook_version.as_deref(),
        Some("2026-02-03")
    );
    let other_line = client
        .send_test_event("message.delivered", Some("+12025550000"))
        .await
        .expect("test event");
    assert!(other_line.deliveries.is_empty());

    let attempts = eventually("two attempts", || async {
        let attempts = client.deliveries(Some(&id), 50).await.expect("deliveries");
        (attempts.len() == 2 && attempts[0].is_delivered()).then_some(attempts)
    })
    .await;
    assert_eq!(attempts[0].attempt, 2);
    assert_eq!(attempts[0].status, Some(200));
    assert_eq!(attempts[0].result_text(), "HTTP 200");
    assert_eq!(attempts[1].outcome, "retrying");
    assert_eq!(attempts[1].status, Some(500));
    assert_eq!(attempts[0].event_id, event.event_id);
    assert_eq!(attempts[0].event_type, "message.delivered");
    assert!(attempts[0].next_attempt_at.is_none());
    assert!(attempts[0].id > attempts[1].id);
    assert_eq!(client.deliveries(None, 1).await.expect("all").len(), 1);

    // The secret listen verifies with is the one create returned.
    let secret = client.sandbox_signing_secret(&id).await.expect("secret");
    assert_eq!(secret.expose(), created.signing_secret.expose());

    let unknown = client
        .send_test_event("message.unknown", None)
        .await
        .expect_err("unknown type");
    assert_eq!((unknown.status(), unknown.code()), (Some(400), Some(1005)));
    let bad_number = client
        .send_test_event("message.sent", Some("12"))
        .await
        .expect_err("bad number");
    assert_eq!(bad_number.code(), Some(1002));

    client
        .register_forward(&receiver.url)
        .await
        .expect("register");
    client
        .unregister_forward(Some("http://127.0.0.1:1/"))
        .await
        .expect("someone else's: nothing happens");
    client.unregister_forward(None).await.expect("unregister");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_server_without_the_sandbox_endpoints_answers_404() {
    // Any server that is not the sandbox, e.g. live Linq: no `/_sandbox/...` routes.
    let server = wiremock::MockServer::start().await;
    let client = client(&format!("{}/api/partner", server.uri()));
    let err = client
        .send_test_event("message.sent", None)
        .await
        .expect_err("no such endpoint");
    assert_eq!(err.status(), Some(404), "{err}");
    let err = client.deliveries(None, 50).await.expect_err("no log");
    assert_eq!(err.status(), Some(404), "{err}");
}
