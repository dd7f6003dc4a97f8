use super::*;
use crate::api::EventType;

const A: &str = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";
const B: &str = "b2c3d4e5-f6a7-8901-bcde-f23456789012";
const C: &str = "c3d4e5f6-a7b8-9012-cdef-345678901234";
const D: &str = "d4e5f6a7-b8c9-0123-def0-456789012345";
const OTHER_ACCOUNT: &str = "ffffffff-1111-4222-8333-444444444444";

fn sub(id: &str, url: &str, events: &[&str]) -> Subscription {
    serde_json::from_value(serde_json::json!({
        "id": id, "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
        "is_active": true, "subscribed_events": events, "target_url": url,
    }))
    .expect("subscription")
}

fn want(id: Option<&str>, url: &str, events: &[&str]) -> Desired {
    let mut events: Vec<EventType> = events.iter().map(|e| EventType::new(e)).collect();
    events.sort();
    Desired {
        id: id.map(str::to_string),
        target_url: url.into(),
        url_identity: crate::validate::url_identity(url),
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

#[test]
fn a_create_on_a_url_an_update_frees_waits_for_that_update() {
    let account = [sub(A, "https://old.example/h", &["message.sent"])];
    let file = [
        want(None, "https://old.example/h", &["message.sent"]),
        want(Some(A), "https://new.example/h", &["message.sent"]),
    ];
    let plan = super::plan(&file, &account, true);
    assert_eq!(plan.changes[0].action, Action::Create);
    assert_eq!(plan.changes[0].after, Some(1), "{plan:#?}");
    assert_eq!(plan.changes[1].after, None);
    assert!(plan.blocked().next().is_none());
}

#[test]
fn a_chain_of_url_moves_is_ordered_and_a_swap_is_blocked() {
    // Chain: A takes B's URL (another spelling), B takes C's, C moves to a new URL.
    let account = [
        sub(A, "https://a.example/h", &["message.sent"]),
        sub(B, "https://b.example/h", &["message.sent"]),
        sub(C, "https://c.example/h", &["message.sent"]),
    ];
    let file = [
        want(Some(A), "HTTPS://B.example:443/h", &["message.sent"]),
        want(Some(B), "https://c.example/h", &["message.sent"]),
        want(Some(C), "https://new.example/h", &["message.sent"]),
    ];
    let plan = super::plan(&file, &account, false);
    let after: Vec<Option<usize>> = plan.changes.iter().map(|c| c.after).collect();
    assert_eq!(after, [Some(1), Some(2), None]);
    assert!(plan.blocked().next().is_none(), "{plan:#?}");

    // Swap: A and B exchange URLs; D, unrelated, still goes; a create on A's old URL
    // would wait for A, so it is blocked too.
    let account = [
        sub(A, "https://a.example/h", &["message.sent"]),
        sub(B, "https://b.example/h", &["message.sent"]),
        sub(D, "https://d.example/h", &["message.sent"]),
    ];
    let file = [
        want(Some(A), "https://b.example/h", &["message.sent"]),
        want(Some(B), "https://a.example/h", &["message.sent"]),
        want(Some(D), "https://d.example/h", &["message.received"]),
    ];
    let plan = super::plan(&file, &account, false);
    assert_eq!(plan.changes[0].blocked, Some(Blocked::Swap(vec![B.into()])));
    assert_eq!(plan.changes[1].blocked, Some(Blocked::Swap(vec![A.into()])));
    assert_eq!(plan.changes[2].blocked, None);
    assert_eq!(
        plan.changes[0]
            .blocked
            .as_ref()
            .map(Blocked::reason)
            .as_deref(),
        Some(format!("swaps URL with {B}: cannot be applied in one step").as_str())
    );
    assert_eq!(plan.summary.update, 3, "still changes: plan shows them");
}

#[test]
fn a_three_way_rotation_is_a_swap_and_what_waits_for_it_is_blocked() {
    let account = [
        sub(A, "https://a.example/h", &["message.sent"]),
        sub(B, "https://b.example/h", &["message.sent"]),
        sub(C, "https://c.example/h", &["message.sent"]),
    ];
    let file = [
        want(Some(A), "https://b.example/h", &["message.sent"]),
        want(Some(B), "https://c.example/h", &["message.sent"]),
        want(Some(C), "https://a.example/h", &["message.sent"]),
    ];
    let plan = super::plan(&file, &account, false);
    for (change, others) in plan.changes.iter().zip([[B, C], [A, C], [A, B]]) {
        let Some(Blocked::Swap(ids)) = &change.blocked else {
            panic!("{change:#?}");
        };
        let mut ids = ids.clone();
        ids.sort();
        assert_eq!(ids, others);
    }
}

#[test]
fn a_url_held_by_a_kept_subscription_is_blocked_unless_pruned() {
    let account = [
        sub(A, "https://a.example/h", &["message.sent"]),
        sub(B, "https://b.example/h", &["message.sent"]),
    ];
    // A takes B's URL; B is not in the file.
    let file = [want(Some(A), "https://b.example/h", &["message.sent"])];
    let kept = super::plan(&file, &account, false);
    assert_eq!(
        kept.changes[0].blocked,
        Some(Blocked::HeldBy {
            id: B.into(),
            kept: true
        })
    );
    let pruned = super::plan(&file, &account, true);
    assert_eq!(pruned.changes[0].blocked, None);
    assert_eq!(pruned.changes[1].action, Action::Delete);
    assert_eq!(
        pruned.changes[0].after,
        Some(1),
        "the delete frees it first"
    );
}

#[test]
fn events_the_server_lists_out_of_order_or_twice_are_the_same_set() {
    let account = [sub(
        A,
        "https://a.example/h",
        &["message.sent", "message.received", "message.sent"],
    )];
    let file = [want(
        Some(A),
        "https://a.example/h",
        &["message.received", "message.sent"],
    )];
    assert!(!super::plan(&file, &account, false).has_changes());
    let file = [want(Some(A), "https://a.example/h", &["message.sent"])];
    let plan = super::plan(&file, &account, false);
    assert_eq!(names(&plan.changes[0]), ["subscribed_events"]);
    assert_eq!(
        plan.changes[0].fields[0].from,
        serde_json::json!(["message.received", "message.sent"])
    );
}

#[test]
fn the_server_s_order_and_repeats_of_events_are_not_a_change() {
    let want = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    let sorted_want = want(&["message.received", "message.sent"]);
    assert!(same_items(
        &["message.sent", "message.received"],
        &sorted_want
    ));
    assert!(same_items(
        &["message.sent", "message.received", "message.sent"],
        &sorted_want
    ));
    assert!(same_items(
        &["message.received", "message.sent"],
        &sorted_want
    ));
    assert!(!same_items(&["message.sent"], &sorted_want));
    assert!(!same_items(&["message.sent", "message.read"], &sorted_want));
    assert!(!same_items(
        &["message.sent", "message.received", "message.read"],
        &sorted_want
    ));
}

#[test]
fn a_long_phone_list_in_another_order_is_the_same_and_one_missing_is_not() {
    let want: Vec<String> = (0..200).map(|n| format!("+1202555{n:04}")).collect();
    let mut current: Vec<String> = want.iter().rev().cloned().collect();
    current.push(want[7].clone());
    assert!(same_items(&current, &want));
    current.retain(|p| p != &want[150]);
    assert!(!same_items(&current, &want));
    let short: Vec<String> = want[..100].to_vec();
    let mut shuffled: Vec<String> = short.iter().rev().cloned().collect();
    assert!(same_items(&shuffled, &short));
    shuffled.pop();
    assert!(!same_items(&shuffled, &short));
}
