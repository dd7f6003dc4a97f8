//! `LinqClient` against the real sandbox over loopback: CRUD, validation errors, accounts,
//! persistence, the event catalogue and the seeded demo account.

use base64::Engine as _;
use linq_hooks::api::{
    ApiError, ApiKey, ClientConfig, FieldChange, LinqClient, NewSubscription, Subscription,
    SubscriptionPatch,
};
use linq_hooks::sandbox::{self, SandboxHandle};
use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

const KEY: &str = "sk_sandbox_alpha_1234";
const OTHER_KEY: &str = "sk_sandbox_beta_5678";
const UNKNOWN_ID: &str = "00000000-1111-4222-8333-444444444444";

async fn start(db: &Path, keys: &[&str], seed: bool) -> (String, SandboxHandle) {
    sandbox::spawn(
        "127.0.0.1:0".parse().unwrap(),
        db.to_path_buf(),
        keys.iter().map(|k| k.to_string()).collect(),
        seed,
    )
    .await
    .expect("sandbox starts")
}

/// No retries: every error here is deterministic, a retry would only slow the test.
fn client(base: &str, key: &str) -> LinqClient {
    let mut cfg = ClientConfig::new(base, ApiKey::new(key));
    cfg.max_retries = 0;
    cfg.request_timeout = Duration::from_secs(5);
    LinqClient::new(cfg).expect("client")
}

fn new_sub(url: &str) -> NewSubscription {
    NewSubscription {
        target_url: url.into(),
        subscribed_events: vec!["message.received".into(), "message.sent".into()],
        ..Default::default()
    }
}

fn assert_trace_id(err: &ApiError) {
    let trace = err
        .trace_id()
        .unwrap_or_else(|| panic!("no trace id: {err:?}"));
    assert_eq!(trace.len(), 32, "{trace}");
    assert!(trace.chars().all(|c| c.is_ascii_hexdigit()), "{trace}");
}

/// A Linq envelope error with this status and code, and a trace id.
fn assert_linq(err: &ApiError, status: u16, code: u32) {
    assert!(matches!(err, ApiError::Linq(_)), "{err:?}");
    assert_eq!(
        (err.status(), err.code()),
        (Some(status), Some(code)),
        "{err}"
    );
    assert_trace_id(err);
}

fn ids(subs: &[Subscription]) -> Vec<&str> {
    subs.iter().map(|s| s.id.as_str()).collect()
}

#[tokio::test]
async fn full_crud_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let (base, handle) = start(&dir.path().join("s.db"), &[KEY], false).await;
    assert!(base.ends_with("/api/partner"), "{base}");
    let api = client(&base, KEY);
    assert!(
        api.list().await.unwrap().is_empty(),
        "unseeded account is empty"
    );

    // Create.
    let url = "https://hooks.example.com/linq?version=2026-02-03";
    let created = api
        .create(&NewSubscription {
            phone_numbers: Some(vec!["+12025551234".into()]),
            ..new_sub(url)
        })
        .await
        .expect("create");
    let secret = created.signing_secret.expose();
    let key_bytes = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").expect("whsec_ prefix"))
        .expect("base64 secret");
    assert_eq!(key_bytes.len(), 32);
    assert!(!format!("{created:?}").contains(secret));
    let sub = created.subscription;
    assert_eq!(sub.id.len(), 36);
    assert!(sub.is_active, "new subscriptions start active");
    assert_eq!(sub.target_url, url);
    assert_eq!(sub.subscribed_events, ["message.received", "message.sent"]);
    assert_eq!(sub.phone_filter(), ["+12025551234"]);
    assert_eq!(sub.routing_key_header, None);

    // List and get.
    let listed = api.list().await.unwrap();
    assert_eq!(ids(&listed), [sub.id.as_str()]);
    assert_eq!(listed[0], sub);
    assert_eq!(api.get(&sub.id).await.unwrap(), sub);

    // Pause: only is_active changes.
    let paused = api
        .update(&sub.id, &SubscriptionPatch::pause(false))
        .await
        .unwrap();
    assert!(!paused.is_active);
    assert_eq!(paused.subscribed_events, sub.subscribed_events);
    assert_eq!(paused.phone_filter(), sub.phone_filter());
    assert_eq!(paused.target_url, sub.target_url);
    assert_eq!(paused.created_at, sub.created_at);
    assert!(paused.updated_at > sub.updated_at);

    // Replace the events.
    let events = vec![
        "message.read".to_string(),
        "webhook_subscription.created".into(),
    ];
    let patch = SubscriptionPatch {
        subscribed_events: Some(events.clone()),
        ..Default::default()
    };
    let evented = api.update(&sub.id, &patch).await.unwrap();
    assert_eq!(evented.subscribed_events, events);
    assert!(!evented.is_active, "pause survives an events update");

    // Set, then clear, the phone filter.
    let phones = vec!["+12025551234".to_string(), "+4915123456789".into()];
    let patch = SubscriptionPatch {
        phone_numbers: Some(FieldChange::Set(phones.clone())),
        ..Default::default()
    };
    assert_eq!(
        api.update(&sub.id, &patch).await.unwrap().phone_filter(),
        phones
    );
    let patch = SubscriptionPatch {
        phone_numbers: Some(FieldChange::Clear),
        ..Default::default()
    };
    let cleared = api.update(&sub.id, &patch).await.unwrap();
    assert!(cleared.phone_filter().is_empty());
    assert_eq!(cleared.subscribed_events, events);

    // Resume, and the stored state matches what update returned.
    let resumed = api
        .update(&sub.id, &SubscriptionPatch::pause(true))
        .await
        .unwrap();
    assert!(resumed.is_active);
    assert_eq!(api.get(&sub.id).await.unwrap(), resumed);

    // Delete; it is gone.
    api.delete(&sub.id).await.expect("delete");
    let err = api.get(&sub.id).await.unwrap_err();
    assert!(err.is_not_found());
    assert_linq(&err, 404, 2010);
    assert!(api.list().await.unwrap().is_empty());
    let err = api.delete(&sub.id).await.unwrap_err();
    assert_linq(&err, 404, 2010);

    handle.shutdown().await.unwrap();
}

#[tokio::test]
async fn routing_headers_set_and_clear() {
    let dir = tempfile::tempdir().unwrap();
    let (base, handle) = start(&dir.path().join("s.db"), &[KEY], false).await;
    let api = client(&base, KEY);
    let sub = api
        .create(&new_sub("https://hooks.example.com/route"))
        .await
        .unwrap()
        .subscription;

    let patch = SubscriptionPatch {
        routing_key_header: Some(FieldChange::Set("X-Route-Token".into())),
        ..Default::default()
    };
    let on = api.update(&sub.id, &patch).await.unwrap();
    assert_eq!(on.routing_key_header.as_deref(), Some("X-Route-Token"));
    assert_eq!(on.routing_id_header.as_deref(), Some("Linq-Chat-Id"));

    let patch = SubscriptionPatch {
        routing_key_header: Some(FieldChange::Clear),
        ..Default::default()
    };
    let off = api.update(&sub.id, &patch).await.unwrap();
    assert_eq!(off.routing_key_header, None);
    handle.shutdown().await.unwrap();
}

#[tokio::test]
async fn validation_errors_surface_as_linq_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (base, handle) = start(&dir.path().join("s.db"), &[KEY], false).await;
    let api = client(&base, KEY);

    let err = api
        .create(&new_sub("http://insecure.example.com/h"))
        .await
        .unwrap_err();
    assert_linq(&err, 400, 1005);
    assert!(err.to_string().contains("https"), "{err}");

    let err = api
        .create(&NewSubscription {
            subscribed_events: vec!["message.received".into(), "hologram.projected".into()],
            ..new_sub("https://a.example.com/h")
        })
        .await
        .unwrap_err();
    assert_linq(&err, 400, 1005);
    assert!(err.to_string().contains("hologram.projected"), "{err}");

    let err = api
        .create(&NewSubscription {
            phone_numbers: Some(vec!["202-555-1234".into()]),
            ..new_sub("https://a.example.com/h")
        })
        .await
        .unwrap_err();
    assert_linq(&err, 400, 1002);

    // Nothing was created by the refused calls.
    assert!(api.list().await.unwrap().is_empty());

    let first = api
        .create(&new_sub("https://a.example.com/h"))
        .await
        .unwrap()
        .subscription;
    let err = api
        .create(&new_sub("https://a.example.com/h"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(409), "{err}");
    assert_linq(&err, 409, 2015);

    // Update: the same rules apply, and a refused update changes nothing.
    let second = api
        .create(&new_sub("https://b.example.com/h"))
        .await
        .unwrap()
        .subscription;
    let to_dup = SubscriptionPatch {
        target_url: Some(first.target_url.clone()),
        ..Default::default()
    };
    assert_linq(
        &api.update(&second.id, &to_dup).await.unwrap_err(),
        409,
        2015,
    );
    let bad_phone = SubscriptionPatch {
        phone_numbers: Some(FieldChange::Set(vec!["+1 202 555 1234".into()])),
        ..Default::default()
    };
    assert_linq(
        &api.update(&second.id, &bad_phone).await.unwrap_err(),
        400,
        1002,
    );
    let insecure = SubscriptionPatch {
        target_url: Some("http://b.example.com/h".into()),
        ..Default::default()
    };
    assert_linq(
        &api.update(&second.id, &insecure).await.unwrap_err(),
        400,
        1005,
    );
    assert_eq!(api.get(&second.id).await.unwrap(), second);

    handle.shutdown().await.unwrap();
}

#[tokio::test]
async fn unknown_id_is_not_found_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let (base, handle) = start(&dir.path().join("s.db"), &[KEY], false).await;
    let api = client(&base, KEY);

    let get = api.get(UNKNOWN_ID).await.unwrap_err();
    let update = api
        .update(UNKNOWN_ID, &SubscriptionPatch::pause(false))
        .await
        .unwrap_err();
    let delete = api.delete(UNKNOWN_ID).await.unwrap_err();
    for err in [get, update, delete] {
        assert!(err.is_not_found(), "{err:?}");
        assert_linq(&err, 404, 2010);
    }
    handle.shutdown().await.unwrap();
}

#[tokio::test]
async fn wrong_key_is_unauthorized() {
    let dir = tempfile::tempdir().unwrap();
    let (base, handle) = start(&dir.path().join("s.db"), &[KEY], false).await;
    let intruder = client(&base, "sk_not_a_configured_key");

    assert_linq(&intruder.list().await.unwrap_err(), 401, 2004);
    assert_linq(&intruder.get(UNKNOWN_ID).await.unwrap_err(), 401, 2004);
    assert_linq(&intruder.webhook_events().await.unwrap_err(), 401, 2004);
    let err = intruder
        .create(&new_sub("https://a.example.com/h"))
        .await
        .unwrap_err();
    assert_linq(&err, 401, 2004);
    assert!(!err.to_string().contains("sk_not_a_configured_key"));

    // And nothing was created for the right key either.
    assert!(client(&base, KEY).list().await.unwrap().is_empty());
    handle.shutdown().await.unwrap();
}

#[tokio::test]
async fn two_keys_are_separate_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let (base, handle) = start(&dir.path().join("s.db"), &[KEY, OTHER_KEY], false).await;
    let alpha = client(&base, KEY);
    let beta = client(&base, OTHER_KEY);

    // The same URL may back a subscription in each account.
    let url = "https://shared.example.com/h";
    let a = alpha.create(&new_sub(url)).await.unwrap().subscription;
    let b = beta.create(&new_sub(url)).await.unwrap().subscription;
    assert_ne!(a.id, b.id);

    assert_eq!(ids(&alpha.list().await.unwrap()), [a.id.as_str()]);
    assert_eq!(ids(&beta.list().await.unwrap()), [b.id.as_str()]);

    // One account cannot see, change or delete the other's subscription.
    assert_linq(&beta.get(&a.id).await.unwrap_err(), 404, 2010);
    let pause = SubscriptionPatch::pause(false);
    assert_linq(&beta.update(&a.id, &pause).await.unwrap_err(), 404, 2010);
    assert_linq(&beta.delete(&a.id).await.unwrap_err(), 404, 2010);
    assert_eq!(alpha.get(&a.id).await.unwrap(), a);

    handle.shutdown().await.unwrap();
}

#[tokio::test]
async fn data_persists_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("persist.db");

    let (base, handle) = start(&db, &[KEY], false).await;
    let api = client(&base, KEY);
    let kept = api
        .create(&NewSubscription {
            phone_numbers: Some(vec!["+12025551234".into()]),
            ..new_sub("https://kept.example.com/h")
        })
        .await
        .unwrap()
        .subscription;
    let kept = api
        .update(&kept.id, &SubscriptionPatch::pause(false))
        .await
        .unwrap();
    let gone = api
        .create(&new_sub("https://gone.example.com/h"))
        .await
        .unwrap()
        .subscription;
    api.delete(&gone.id).await.unwrap();
    handle.shutdown().await.unwrap();

    let (base, handle) = start(&db, &[KEY], false).await;
    let api = client(&base, KEY);
    let listed = api.list().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0], kept);
    assert_eq!(api.get(&kept.id).await.unwrap(), kept);
    assert_linq(&api.get(&gone.id).await.unwrap_err(), 404, 2010);
    // The URL rule still sees the stored subscription.
    let err = api
        .create(&new_sub("https://kept.example.com/h"))
        .await
        .unwrap_err();
    assert_linq(&err, 409, 2015);
    handle.shutdown().await.unwrap();
}

#[tokio::test]
async fn event_catalogue_matches_the_bundled_list() {
    let dir = tempfile::tempdir().unwrap();
    let (base, handle) = start(&dir.path().join("s.db"), &[KEY], false).await;
    let catalog = client(&base, KEY).webhook_events().await.unwrap();

    let bundled: Vec<&str> = include_str!("../assets/webhook-event-types.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(bundled.len(), 75);
    assert_eq!(catalog.events, bundled);
    assert!(
        catalog.doc_url.starts_with("https://docs.linqapp.com/"),
        "{}",
        catalog.doc_url
    );
    handle.shutdown().await.unwrap();
}

#[tokio::test]
async fn seeded_account_has_lines_and_a_varied_subscription_list() {
    let dir = tempfile::tempdir().unwrap();
    let (base, handle) = start(&dir.path().join("s.db"), &[KEY, OTHER_KEY], true).await;
    let api = client(&base, KEY);

    let lines = api.phone_numbers().await.unwrap();
    assert!(!lines.is_empty());
    let mut line_ids = HashSet::new();
    for line in &lines {
        assert!(line_ids.insert(line.id.clone()), "duplicate line id");
        assert_eq!(line.id.len(), 36);
        let digits = line.phone_number.strip_prefix('+').expect("E.164");
        assert!(
            digits.chars().all(|c| c.is_ascii_digit()),
            "{}",
            line.phone_number
        );
        let status = &line.reputation.as_ref().expect("reputation").status;
        assert!(["HEALTHY", "AT_RISK", "CRITICAL"].contains(&status.as_str()));
        let kind = line.line_type.as_deref().expect("line_type");
        assert!(["iMessage", "RCS"].contains(&kind), "{kind}");
    }

    let subs = api.list().await.unwrap();
    assert!(
        (8..=16).contains(&subs.len()),
        "{} subscriptions",
        subs.len()
    );
    assert!(subs.iter().any(|s| s.is_active));
    assert!(subs.iter().any(|s| !s.is_active));
    let urls: HashSet<_> = subs.iter().map(|s| &s.target_url).collect();
    assert_eq!(urls.len(), subs.len(), "target_url unique per account");
    // Seeded phone filters only name the account's own lines.
    let numbers: HashSet<_> = lines.iter().map(|l| &l.phone_number).collect();
    for s in &subs {
        assert!(
            s.phone_filter().iter().all(|n| numbers.contains(n)),
            "{s:?}"
        );
        assert!(s.updated_at >= s.created_at);
    }
    // Every seeded subscription is fetchable and editable like any other.
    let first = &subs[0];
    assert_eq!(&api.get(&first.id).await.unwrap(), first);

    // Each key gets its own copy: same URLs, different ids.
    let other = client(&base, OTHER_KEY).list().await.unwrap();
    assert_eq!(other.len(), subs.len());
    let mine: HashSet<_> = ids(&subs).into_iter().collect();
    assert!(ids(&other).iter().all(|id| !mine.contains(id)));

    handle.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_emptied_seeded_account_is_not_reseeded_on_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let (base, handle) = start(&db, &[KEY], true).await;
    let api = client(&base, KEY);
    for s in api.list().await.unwrap() {
        api.delete(&s.id).await.unwrap();
    }
    handle.shutdown().await.unwrap();

    let (base, handle) = start(&db, &[KEY], true).await;
    assert!(client(&base, KEY).list().await.unwrap().is_empty());
    handle.shutdown().await.unwrap();
}

/// Issue 16: a refresh that names the digest of the list it shows is spared the decode
/// when the account has not changed, and reads every change otherwise.
#[tokio::test]
async fn list_unless_skips_an_unchanged_answer_and_reads_a_changed_one() {
    use linq_hooks::api::Listed;
    let dir = tempfile::tempdir().unwrap();
    let (base, handle) = start(&dir.path().join("s.db"), &[KEY], false).await;
    let api = client(&base, KEY);
    let sub = api
        .create(&new_sub("https://hooks.example.com/digest"))
        .await
        .unwrap()
        .subscription;
    api.create(&new_sub("https://hooks.example.com/other"))
        .await
        .unwrap();

    let Listed::Rows { rows, digest } = api.list_unless(None).await.unwrap() else {
        panic!("nothing known: the rows are read");
    };
    assert_eq!(rows, api.list().await.unwrap());
    assert!(matches!(
        api.list_unless(Some(digest)).await.unwrap(),
        Listed::Unchanged
    ));
    // Another digest (the rows of some other answer) reads the rows.
    assert!(matches!(
        api.list_unless(Some(digest ^ 1)).await.unwrap(),
        Listed::Rows { .. }
    ));

    api.update(&sub.id, &SubscriptionPatch::pause(false))
        .await
        .unwrap();
    let Listed::Rows {
        rows,
        digest: after,
    } = api.list_unless(Some(digest)).await.unwrap()
    else {
        panic!("a paused subscription is a change");
    };
    assert_ne!(after, digest);
    let paused = rows.iter().find(|s| s.id == sub.id).unwrap();
    assert!(!paused.is_active);
    handle.shutdown().await.unwrap();
}

/// Issue 16: with the dashboard's two list readers running, a list large enough to be
/// read in halves gives the rows the server sent, in its order, as one pass would.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_list_read_in_halves_is_the_list_the_server_sent() {
    linq_hooks::api::start_readers();
    let dir = tempfile::tempdir().unwrap();
    let (base, handle) = start(&dir.path().join("s.db"), &[KEY], false).await;
    let api = client(&base, KEY);
    for i in 0..900 {
        let mut new = new_sub(&format!("https://h{i}.example.com/hooks/linq?v={i}"));
        new.phone_numbers = Some(vec![format!("+1202555{:04}", i % 10_000)]);
        if i % 7 == 0 {
            new.routing_key_header = Some("X-Tenant".into());
        }
        api.create(&new).await.unwrap();
    }
    let body = reqwest::Client::new()
        .get(format!("{base}/v3/webhook-subscriptions"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(
        body.len() > 256 << 10,
        "large enough for two halves: {}",
        body.len()
    );
    let sent: linq_hooks::api::SubscriptionList = serde_json::from_slice(&body).unwrap();
    assert_eq!(api.list().await.unwrap(), sent.subscriptions);
    handle.shutdown().await.unwrap();
}
