//! Wire types of the Linq Partner API v3 (linq-api.md §3). Unknown fields are ignored
//! everywhere, and event types stay plain strings: the catalogue grows.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;

mod event_type;
mod sandbox;
mod secret;
pub mod timestamp;

pub use event_type::EventType;

pub use sandbox::{DeliveryAttempt, DeliveryAttemptList, QueuedDelivery, TestEvent};
pub use secret::{CreatedSubscription, SigningSecret};

/// Where a subscription goes in a list as the dashboard shows it: oldest first, then by
/// id. The key holds the time in nanoseconds and the id's first 16 bytes (big-endian, so
/// integer order is byte order; shorter ids are padded with zeros, which sort first);
/// only rows whose keys are equal need their whole ids compared.
pub fn list_order(created_at: OffsetDateTime, id: &str) -> (i128, u128) {
    let mut bytes = [0u8; 16];
    let n = id.len().min(16);
    bytes[..n].copy_from_slice(&id.as_bytes()[..n]);
    (
        created_at.unix_timestamp_nanos(),
        u128::from_be_bytes(bytes),
    )
}

/// A webhook subscription as returned by list, retrieve and update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    pub id: String,
    #[serde(with = "timestamp")]
    pub created_at: OffsetDateTime,
    #[serde(with = "timestamp")]
    pub updated_at: OffsetDateTime,
    pub is_active: bool,
    #[serde(deserialize_with = "event_type::deserialize_events")]
    pub subscribed_events: Vec<EventType>,
    pub target_url: String,
    /// Absent, `null` and `[]` all mean "events from every line".
    #[serde(default)]
    pub phone_numbers: Option<Vec<String>>,
    #[serde(default)]
    pub routing_id_header: Option<String>,
    #[serde(default)]
    pub routing_key_header: Option<String>,
    /// Fields of this row the server sent in a shape we cannot read (shown as `?`); empty
    /// for every well-formed row. Never sent back: a write from such a row sends only what
    /// the user changed.
    #[serde(skip)]
    pub unreadable: UnreadableFields,
}

/// The fields of a [`Subscription`] row that did not parse, as a small bit set (the row
/// type travels in every message: it stays small).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UnreadableFields(u16);

impl UnreadableFields {
    const NAMES: [&'static str; 9] = [
        "id",
        "created_at",
        "updated_at",
        "is_active",
        "subscribed_events",
        "target_url",
        "phone_numbers",
        "routing_id_header",
        "routing_key_header",
    ];

    pub fn of(names: &[&str]) -> Self {
        let mut set = Self::default();
        for name in names {
            set.insert(name);
        }
        set
    }

    fn bit(name: &str) -> u16 {
        Self::NAMES
            .iter()
            .position(|n| *n == name)
            .map_or(0, |i| 1 << i)
    }

    pub fn insert(&mut self, name: &str) {
        self.0 |= Self::bit(name);
    }

    pub fn contains(&self, name: &str) -> bool {
        self.0 & Self::bit(name) != 0
    }

    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    /// The field names, in wire order.
    pub fn names(&self) -> Vec<&'static str> {
        Self::NAMES
            .iter()
            .enumerate()
            .filter(|(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, n)| *n)
            .collect()
    }
}

impl Subscription {
    /// The event types as owned names, for a request body.
    pub fn event_names(&self) -> Vec<String> {
        self.subscribed_events.iter().map(String::from).collect()
    }

    /// The phone filter, empty when the subscription hears every line.
    pub fn phone_filter(&self) -> &[String] {
        self.phone_numbers.as_deref().unwrap_or(&[])
    }

    /// False when the server sent `field` in a shape we cannot read.
    pub fn readable(&self, field: &str) -> bool {
        !self.unreadable.contains(field)
    }

    /// One row of a list, read field by field: a field that does not parse is recorded in
    /// `unreadable` and gets a neutral placeholder, so one bad record cannot hide the rest
    /// of the account.
    pub fn from_row_lenient(row: &serde_json::Value) -> Self {
        use serde_json::Value;
        let mut unreadable = UnreadableFields::default();
        let empty = serde_json::Map::new();
        let object = row.as_object().unwrap_or(&empty);
        let mut text = |name: &'static str| match object.get(name) {
            Some(Value::String(s)) => s.clone(),
            _ => {
                unreadable.insert(name);
                String::new()
            }
        };
        let id = text("id");
        let target_url = text("target_url");
        let mut time = |name: &'static str| {
            let parsed = object
                .get(name)
                .and_then(Value::as_str)
                .and_then(|s| timestamp::parse(s).ok());
            parsed.unwrap_or_else(|| {
                unreadable.insert(name);
                OffsetDateTime::UNIX_EPOCH
            })
        };
        let created_at = time("created_at");
        let updated_at = time("updated_at");
        let is_active = match object.get("is_active") {
            Some(Value::Bool(active)) => *active,
            _ => {
                unreadable.insert("is_active");
                false
            }
        };
        let subscribed_events = match object
            .get("subscribed_events")
            .and_then(|v| strings_of(v, EventType::new))
        {
            Some(events) => events,
            None => {
                unreadable.insert("subscribed_events");
                Vec::new()
            }
        };
        let phone_numbers = match object.get("phone_numbers") {
            None | Some(Value::Null) => None,
            Some(value) => strings_of(value, str::to_string).or_else(|| {
                unreadable.insert("phone_numbers");
                None
            }),
        };
        let mut header = |name: &'static str| match object.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                unreadable.insert(name);
                None
            }
        };
        let routing_id_header = header("routing_id_header");
        let routing_key_header = header("routing_key_header");
        Self {
            id,
            created_at,
            updated_at,
            is_active,
            subscribed_events,
            target_url,
            phone_numbers,
            routing_id_header,
            routing_key_header,
            unreadable,
        }
    }
}

/// An array of strings, each made into a `T`; `None` when it is not one.
fn strings_of<T>(value: &serde_json::Value, each: impl Fn(&str) -> T) -> Option<Vec<T>> {
    value
        .as_array()?
        .iter()
        .map(|v| v.as_str().map(&each))
        .collect()
}

/// `{ "subscriptions": [...] }`
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SubscriptionList {
    pub subscriptions: Vec<Subscription>,
}

/// Create body (linq-api.md §4.1). `phone_numbers` is never sent as `null` on create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct NewSubscription {
    pub target_url: String,
    pub subscribed_events: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_numbers: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_key_header: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_id_header: Option<String>,
}

/// A change to a nullable field: `Clear` is sent as JSON `null`, `Set` as the value.
/// Leaving the field alone is `None` around it, and is not sent at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldChange<T> {
    Clear,
    Set(T),
}

impl<T: Serialize> Serialize for FieldChange<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            FieldChange::Clear => s.serialize_none(),
            FieldChange::Set(v) => v.serialize(s),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for FieldChange<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(d)? {
            None => FieldChange::Clear,
            Some(v) => FieldChange::Set(v),
        })
    }
}

/// A field that is present in the JSON (even as `null`) becomes `Some`.
fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

/// Update body (linq-api.md §4.2): PUT with partial semantics, so only set fields are sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SubscriptionPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscribed_events: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_active: Option<bool>,
    /// `Clear` (null) and `Set([])` both clear the filter on the server.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub phone_numbers: Option<FieldChange<Vec<String>>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub routing_key_header: Option<FieldChange<String>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub routing_id_header: Option<FieldChange<String>>,
}

impl SubscriptionPatch {
    pub fn pause(active: bool) -> Self {
        Self {
            is_active: Some(active),
            ..Self::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// `GET /v3/webhook-events`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventCatalog {
    pub doc_url: String,
    pub events: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reputation {
    pub status: String,
    #[serde(default)]
    pub doc_url: Option<String>,
}

/// One line of the account (`GET /v3/phone_numbers`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneNumber {
    pub id: String,
    pub phone_number: String,
    #[serde(default)]
    pub reputation: Option<Reputation>,
    #[serde(default)]
    pub forwarding_number: Option<String>,
    #[serde(default)]
    pub line_type: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PhoneNumberList {
    pub phone_numbers: Vec<PhoneNumber>,
}

/// The error envelope (linq-api.md §5.1). Every field is optional when reading: foreign
/// gateways answer with parts of it or none.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ErrorEnvelope {
    #[serde(default)]
    pub success: Option<bool>,
    pub error: ErrorDetail,
    #[serde(default)]
    pub trace_id: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ErrorDetail {
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub code: Option<u32>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

/// The payload version current docs use (linq-api.md §8.6).
pub const CURRENT_PAYLOAD_VERSION: &str = "2026-02-03";
/// The routing header name used when a subscription names none.
pub const DEFAULT_ROUTING_ID_HEADER: &str = "Linq-Chat-Id";

/// The `?version=` payload pin of a target URL (linq-api.md §8.6).
pub fn payload_version(target_url: &str) -> Option<String> {
    let url = url::Url::parse(target_url).ok()?;
    url.query_pairs()
        .find(|(k, _)| k == "version")
        .map(|(_, v)| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_documented_timestamp_form() {
        for ts in [
            "2024-01-15T10:30:00Z",
            "2026-01-30T20:49:19.704Z",
            "2026-02-05T19:31:13.736444093Z",
            "2025-05-21T15:30:00.000-05:00",
        ] {
            let json = format!(
                r#"{{"id":"b2c3d4e5-f6a7-8901-bcde-f23456789012","created_at":"{ts}","updated_at":"{ts}",
                "is_active":true,"subscribed_events":["message.sent","brand.new"],"target_url":"https://x.test/h",
                "environment_id":"ignored"}}"#
            );
            let sub: Subscription = serde_json::from_str(&json).expect(ts);
            assert_eq!(sub.subscribed_events[1], "brand.new");
            assert!(sub.phone_filter().is_empty());
        }
    }

    #[test]
    fn a_row_with_bad_fields_is_read_field_by_field() {
        let row = serde_json::json!({
            "id": "b2c3d4e5-f6a7-8901-bcde-f23456789012", "created_at": "yesterday",
            "updated_at": "2026-01-30T20:49:19.704Z", "is_active": "yes",
            "subscribed_events": ["message.sent"], "target_url": "https://x.test/h",
            "phone_numbers": [5], "routing_key_header": "X-Key"
        });
        let sub = Subscription::from_row_lenient(&row);
        assert_eq!(
            sub.unreadable.names(),
            ["created_at", "is_active", "phone_numbers"]
        );
        assert_eq!(sub.id, "b2c3d4e5-f6a7-8901-bcde-f23456789012");
        assert_eq!(sub.subscribed_events, ["message.sent"]);
        assert_eq!(sub.routing_key_header.as_deref(), Some("X-Key"));
        assert!(sub.readable("target_url") && !sub.readable("is_active"));
        let nothing = Subscription::from_row_lenient(&serde_json::json!(7));
        assert_eq!(nothing.unreadable.names().len(), 6);
    }

    #[test]
    fn patch_sends_only_set_fields_and_null_to_clear() {
        let patch = SubscriptionPatch {
            phone_numbers: Some(FieldChange::Clear),
            ..SubscriptionPatch::pause(false)
        };
        assert_eq!(
            serde_json::to_string(&patch).unwrap(),
            r#"{"is_active":false,"phone_numbers":null}"#
        );
        assert_eq!(
            serde_json::to_string(&SubscriptionPatch::default()).unwrap(),
            "{}"
        );
    }

    #[test]
    fn only_documented_secrets_are_well_formed() {
        let ok = SigningSecret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw7Jxx2Oll+OE=".into()); // linq-api.md test_vector
        assert!(ok.is_well_formed());
        for bad in [
            "",
            "whsec_",
            "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw7Jxx2Oll+OE=",
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw7Jxx2Oll+OE=\r", // test_vector
            "whsec_MfKQ9r8GKYqrTwjUPD8I\u{1b}[201~;touch /tmp/x\r",
            "whsec_c2hvcnQ=",
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw7Jxx2Oll+OE", // test_vector
        ] {
            assert!(!SigningSecret::new(bad.into()).is_well_formed(), "{bad:?}");
        }
    }

    #[test]
    fn delivery_attempts_read_with_unknown_fields_and_nulls() {
        let json = r#"{"id":7,"delivery_id":"d","subscription_id":"s","event_id":"e",
            "event_type":"message.sent","attempt":2,"attempted_at":"2026-02-05T19:33:20.123Z",
            "target_url":"https://a.example/h","destination":"http://127.0.0.1:1/",
            "status":null,"error":"connection failed: refused\u001b[2J","latency_ms":3,
            "response_snippet":null,"outcome":"retrying",
            "next_attempt_at":"2026-02-05T19:33:23.000Z","delivery_state":"pending","new":1}"#;
        let attempt: DeliveryAttempt = serde_json::from_str(json).expect("attempt");
        assert_eq!(attempt.attempt, 2);
        assert!(attempt.next_attempt_at.is_some());
        assert_eq!(attempt.result_text(), "connection failed: refused[2J");
        assert!(!attempt.is_delivered());
        let event: TestEvent =
            serde_json::from_str(r#"{"event_id":"e","deliveries":[]}"#).expect("event");
        assert!(event.deliveries.is_empty() && event.created_at.is_none());
    }

    #[test]
    fn secret_debug_is_redacted() {
        let s = SigningSecret::new("whsec_abc".into());
        assert_eq!(format!("{s:?}"), "whsec_…(redacted)");
    }
}
