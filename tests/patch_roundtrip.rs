//! `SubscriptionPatch` wire form (linq-api.md §4.2): a field left alone is absent from the
//! JSON, `Clear` is `null`, and every patch survives a serialise/deserialise round trip.

use linq_hooks::api::{FieldChange, SubscriptionPatch};
use proptest::prelude::*;
use serde_json::Value;

fn e164() -> impl Strategy<Value = String> {
    "\\+[1-9][0-9]{6,14}"
}

fn text() -> impl Strategy<Value = String> {
    // Printable and awkward text alike: quotes, backslashes, unicode, control characters.
    prop_oneof![
        "[A-Za-z][A-Za-z0-9-]{0,30}",
        any::<String>(),
        Just(String::new()),
    ]
}

fn change<T: std::fmt::Debug + Clone>(
    value: impl Strategy<Value = T>,
) -> impl Strategy<Value = Option<FieldChange<T>>> {
    prop_oneof![
        Just(None),
        Just(Some(FieldChange::Clear)),
        value.prop_map(|v| Some(FieldChange::Set(v))),
    ]
}

fn patch() -> impl Strategy<Value = SubscriptionPatch> {
    (
        proptest::option::of(prop_oneof![
            "https://[a-z]{1,12}\\.example\\.com/[a-z/]{0,12}(\\?version=2026-02-03)?",
            any::<String>(),
        ]),
        proptest::option::of(proptest::collection::vec(
            prop_oneof!["[a-z_]{1,12}\\.[a-z_.]{1,20}", any::<String>()],
            0..6,
        )),
        proptest::option::of(any::<bool>()),
        change(proptest::collection::vec(e164(), 0..5)),
        change(text()),
        change(text()),
    )
        .prop_map(
            |(
                target_url,
                subscribed_events,
                is_active,
                phone_numbers,
                routing_key_header,
                routing_id_header,
            )| SubscriptionPatch {
                target_url,
                subscribed_events,
                is_active,
                phone_numbers,
                routing_key_header,
                routing_id_header,
            },
        )
}

const FIELDS: [&str; 6] = [
    "target_url",
    "subscribed_events",
    "is_active",
    "phone_numbers",
    "routing_key_header",
    "routing_id_header",
];

/// (is the field set, is it a Clear) for each of `FIELDS`.
fn shape(p: &SubscriptionPatch) -> [(bool, bool); 6] {
    let nullable = |c: Option<bool>| (c.is_some(), c == Some(true));
    [
        (p.target_url.is_some(), false),
        (p.subscribed_events.is_some(), false),
        (p.is_active.is_some(), false),
        nullable(p.phone_numbers.as_ref().map(|c| *c == FieldChange::Clear)),
        nullable(
            p.routing_key_header
                .as_ref()
                .map(|c| *c == FieldChange::Clear),
        ),
        nullable(
            p.routing_id_header
                .as_ref()
                .map(|c| *c == FieldChange::Clear),
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn patch_round_trips(p in patch()) {
        let text = serde_json::to_string(&p).unwrap();
        let back: SubscriptionPatch = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(&back, &p, "wire text: {}", text);
        prop_assert_eq!(back.is_empty(), p.is_empty());
    }

    #[test]
    fn absent_fields_are_absent_and_clear_is_null(p in patch()) {
        let text = serde_json::to_string(&p).unwrap();
        let value: Value = serde_json::from_str(&text).unwrap();
        let obj = value.as_object().expect("a JSON object");
        for (name, (set, clear)) in FIELDS.iter().zip(shape(&p)) {
            prop_assert_eq!(obj.contains_key(*name), set, "{} in {}", name, text);
            if set {
                prop_assert_eq!(obj[*name].is_null(), clear, "{} in {}", name, text);
            }
        }
        prop_assert_eq!(obj.len(), shape(&p).iter().filter(|(set, _)| *set).count());
        if p.is_empty() {
            prop_assert_eq!(text.as_str(), "{}");
        }
    }

    #[test]
    fn phone_set_keeps_numbers_in_order(nums in proptest::collection::vec(e164(), 0..5)) {
        let p = SubscriptionPatch {
            phone_numbers: Some(FieldChange::Set(nums.clone())),
            ..Default::default()
        };
        let value: Value = serde_json::to_value(&p).unwrap();
        let sent: Vec<String> = serde_json::from_value(value["phone_numbers"].clone()).unwrap();
        prop_assert_eq!(sent, nums);
    }
}

#[test]
fn explicit_forms() {
    let cases = [
        (SubscriptionPatch::default(), "{}"),
        (SubscriptionPatch::pause(false), r#"{"is_active":false}"#),
        (SubscriptionPatch::pause(true), r#"{"is_active":true}"#),
        (
            SubscriptionPatch {
                phone_numbers: Some(FieldChange::Clear),
                ..Default::default()
            },
            r#"{"phone_numbers":null}"#,
        ),
        (
            SubscriptionPatch {
                phone_numbers: Some(FieldChange::Set(vec![])),
                ..Default::default()
            },
            r#"{"phone_numbers":[]}"#,
        ),
        (
            SubscriptionPatch {
                routing_key_header: Some(FieldChange::Set("X-Route".into())),
                routing_id_header: Some(FieldChange::Clear),
                ..Default::default()
            },
            r#"{"routing_key_header":"X-Route","routing_id_header":null}"#,
        ),
    ];
    for (patch, want) in cases {
        assert_eq!(serde_json::to_string(&patch).unwrap(), want);
        assert_eq!(
            serde_json::from_str::<SubscriptionPatch>(want).unwrap(),
            patch
        );
    }
}
