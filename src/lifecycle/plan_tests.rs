use super::*;

const A: &str = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";
const B: &str = "b2c3d4e5-f6a7-8901-bcde-f23456789012";
const OTHER_ACCOUNT: &str = "ffffffff-1111-4222-8333-444444444444";

fn sub(id: &str, url: &str, events: &[&str]) -> Subscription {
    serde_json::from_value(serde_json::json!({
        "id": id, "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
        "is_active": true, "subscribed_events": events, "target_url": url,
    }))
    .expect("subscription")
}

fn want(id: Option<&str>, url: &str, events: &[&str]) -> Desired {
    let mut events: Vec<String> = events.iter().map(|e| e.to_string()).collect();
    events.sort();
    Desired {
        id: id.map(str::to_string),
        target_url: url.into(),
        events,
        phones: Vec::new(),
        is_active: true,
        routing_key_header: None,
        routing_id_header: None,
    }
}

fn names(change: &Change) -> Vec<&'static str> {
    change.fields.iter().map(|f| f.name).collect()
}

#[test]
fn the_same_setup_has_no_changes() {
    let account = [sub(
        A,
        "https://a.example/h",
        &["message.sent", "message.received"],
    )];
    let file = [want(
        Some(A),
        "https://a.example/h",
        &["message.received", "message.sent"],
    )];
    let plan = super::plan(&file, &account, true);
    assert!(!plan.has_changes());
    assert!(plan.changes.is_empty());
    assert_eq!(plan.summary.unchanged, 1);
}

#[test]
fn a_changed_url_of_a_known_id_is_an_update_never_delete_and_create() {
    let account = [sub(A, "https://old.example/h", &["message.sent"])];
    let file = [want(Some(A), "https://new.example/h", &["message.sent"])];
    let plan = super::plan(&file, &account, true);
    assert_eq!(plan.changes.len(), 1, "{plan:#?}");
    let change = &plan.changes[0];
    assert_eq!(change.action, Action::Update);
    assert_eq!(change.id.as_deref(), Some(A));
    assert_eq!(names(change), ["target_url"]);
    assert_eq!(change.fields[0].from, "https://old.example/h");
    let patch = change.patch.as_ref().expect("patch");
    assert_eq!(patch.target_url.as_deref(), Some("https://new.example/h"));
    assert_eq!(patch.subscribed_events, None, "only what changes is sent");
    assert_eq!(plan.summary.delete + plan.summary.create, 0);
}

#[test]
fn an_id_from_another_account_falls_back_to_the_url_identity() {
    let account = [sub(A, "https://a.example/h", &["message.sent"])];
    // Another spelling of the same URL (case, default port): the uniqueness rule's identity.
    let file = [want(
        Some(OTHER_ACCOUNT),
        "HTTPS://A.example:443/h",
        &["message.sent"],
    )];
    let plan = super::plan(&file, &account, true);
    assert!(!plan.has_changes(), "{plan:#?}");
    // A URL the account does not have is a create, whatever id the file carries.
    let file = [want(
        Some(OTHER_ACCOUNT),
        "https://b.example/h",
        &["message.sent"],
    )];
    let plan = super::plan(&file, &account, false);
    assert_eq!(plan.changes[0].action, Action::Create);
    assert_eq!(plan.changes[0].id, None);
    assert_eq!(plan.changes[1].action, Action::Keep);
    assert_eq!(plan.changes[1].id.as_deref(), Some(A));
}

#[test]
fn field_level_detail_of_an_update() {
    let mut current = sub(A, "https://a.example/h", &["message.sent", "message.read"]);
    current.phone_numbers = Some(vec!["+12025550142".into()]);
    current.routing_key_header = Some("X-Route".into());
    current.routing_id_header = Some("X-Chat".into());
    let mut file = want(
        Some(A),
        "https://a.example/h",
        &["message.sent", "reaction.added"],
    );
    file.phones = vec!["+12025550142".into(), "+447700900123".into()];
    file.is_active = false;
    file.routing_key_header = Some("X-Route".into());
    let plan = super::plan(&[file], &[current], false);
    let change = &plan.changes[0];
    assert_eq!(
        names(change),
        [
            "subscribed_events",
            "phone_numbers",
            "is_active",
            "routing_id_header"
        ]
    );
    assert_eq!(
        change.fields[0].from,
        serde_json::json!(["message.read", "message.sent"])
    );
    assert_eq!(
        change.fields[0].to,
        serde_json::json!(["message.sent", "reaction.added"])
    );
    assert_eq!(change.fields[3].to, DEFAULT_ROUTING_ID_HEADER);
    let patch = change.patch.as_ref().expect("patch");
    assert_eq!(patch.is_active, Some(false));
    assert_eq!(
        patch.routing_id_header,
        Some(FieldChange::Clear),
        "back to the default"
    );
    assert_eq!(patch.routing_key_header, None);
}

#[test]
fn an_unnamed_id_header_matches_the_default_and_header_case_does_not_matter() {
    let mut current = sub(A, "https://a.example/h", &["message.sent"]);
    current.routing_key_header = Some("x-route".into());
    current.routing_id_header = Some(DEFAULT_ROUTING_ID_HEADER.into());
    let mut file = want(None, "https://a.example/h", &["message.sent"]);
    file.routing_key_header = Some("X-Route".into());
    assert!(!super::plan(&[file.clone()], &[current.clone()], false).has_changes());
    file.routing_key_header = None;
    let plan = super::plan(&[file], &[current], false);
    assert_eq!(names(&plan.changes[0]), ["routing_key_header"]);
    assert_eq!(
        plan.changes[0]
            .patch
            .as_ref()
            .expect("patch")
            .routing_key_header,
        Some(FieldChange::Clear)
    );
}

#[test]
fn phone_filters_clear_to_every_line_with_null() {
    let mut current = sub(A, "https://a.example/h", &["message.sent"]);
    current.phone_numbers = Some(vec!["+12025550142".into()]);
    let plan = super::plan(
        &[want(None, "https://a.example/h", &["message.sent"])],
        &[current],
        false,
    );
    let change = &plan.changes[0];
    assert_eq!(change.fields[0].to, Value::Null);
    assert_eq!(
        change.patch.as_ref().expect("patch").phone_numbers,
        Some(FieldChange::Clear)
    );
}

#[test]
fn missing_subscriptions_are_kept_unless_pruned() {
    let account = [
        sub(B, "https://z.example/h", &["message.sent"]),
        sub(A, "https://a.example/h", &["message.sent"]),
    ];
    let kept = super::plan(&[], &account, false);
    assert!(!kept.has_changes());
    assert_eq!(kept.summary.keep, 2);
    let urls: Vec<&str> = kept.changes.iter().map(|c| c.target_url.as_str()).collect();
    assert_eq!(
        urls,
        ["https://a.example/h", "https://z.example/h"],
        "sorted by URL"
    );
    let pruned = super::plan(&[], &account, true);
    assert!(pruned.has_changes());
    assert_eq!(pruned.summary.delete, 2);
    assert!(pruned.changes.iter().all(|c| c.action == Action::Delete));
}

#[test]
fn a_paused_create_is_paused_right_after() {
    let mut file = want(None, "https://a.example/h", &["message.sent"]);
    file.is_active = false;
    file.phones = vec!["+12025550142".into()];
    let plan = super::plan(&[file], &[], false);
    let change = &plan.changes[0];
    assert_eq!(change.action, Action::Create);
    let new = change.new.as_ref().expect("body");
    assert_eq!(
        new.phone_numbers.as_deref(),
        Some(&["+12025550142".to_string()][..])
    );
    assert_eq!(change.patch, Some(SubscriptionPatch::pause(false)));
}

#[test]
fn an_id_claim_wins_over_a_url_match() {
    // A moves to a new URL and the file asks for a new subscription on A's old URL.
    let account = [sub(A, "https://old.example/h", &["message.sent"])];
    let file = [
        want(None, "https://old.example/h", &["message.sent"]),
        want(Some(A), "https://new.example/h", &["message.sent"]),
    ];
    let plan = super::plan(&file, &account, true);
    let actions: Vec<Action> = plan.changes.iter().map(|c| c.action).collect();
    assert_eq!(actions, [Action::Create, Action::Update]);
}
