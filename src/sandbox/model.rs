//! The sandbox's own domain types and their wire form. Deliberately independent of
//! `crate::api::model`: the server builds its JSON itself, so a bug in the client's model
//! cannot hide in the server (and the other way round).

use serde::Serialize;
use serde_json::value::RawValue;
use std::fmt;
use time::OffsetDateTime;

/// Header that carries the chat id when delivery affinity is on and no name was chosen.
pub(crate) const DEFAULT_ROUTING_ID_HEADER: &str = "Linq-Chat-Id";

/// Milliseconds since the Unix epoch: the resolution the API shows timestamps at.
pub(crate) use crate::payload::{format_millis, Millis};

pub(crate) fn now_millis() -> Millis {
    // i128 nanoseconds → i64 milliseconds cannot overflow for any date until year 292 million.
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as Millis
}

/// Parses any RFC 3339 timestamp (used for the bundled seed).
pub(crate) fn parse_millis(text: &str) -> Option<Millis> {
    let t = OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// The `whsec_…` secret used to sign deliveries. Stored server-side, returned only by create.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct SigningSecret(String);

impl SigningSecret {
    /// `whsec_` + standard padded base64 of 32 random bytes (linq-api.md §8.2).
    pub(crate) fn generate() -> Self {
        use base64::Engine as _;
        let key: [u8; 32] = rand::random();
        SigningSecret(format!(
            "whsec_{}",
            base64::engine::general_purpose::STANDARD.encode(key)
        ))
    }

    /// A secret read back from the database.
    pub(crate) fn from_stored(text: String) -> Self {
        SigningSecret(text)
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("whsec_…(redacted)")
    }
}

/// Delivery affinity (linq-api.md §4.1). Invariant kept by construction: the id header is
/// only ever set while affinity is on, so "off" has a single representation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) enum Routing {
    #[default]
    Off,
    On {
        key_header: String,
        id_header: String,
    },
}

impl Routing {
    pub(crate) fn on(key_header: String, id_header: Option<String>) -> Self {
        Routing::On {
            key_header,
            id_header: id_header.unwrap_or_else(|| DEFAULT_ROUTING_ID_HEADER.to_owned()),
        }
    }

    pub(crate) fn key_header(&self) -> Option<&str> {
        match self {
            Routing::Off => None,
            Routing::On { key_header, .. } => Some(key_header),
        }
    }

    pub(crate) fn id_header(&self) -> Option<&str> {
        match self {
            Routing::Off => None,
            Routing::On { id_header, .. } => Some(id_header),
        }
    }

    /// Both names denote the same HTTP header (names are case-insensitive).
    pub(crate) fn headers_collide(&self) -> bool {
        match self {
            Routing::Off => false,
            Routing::On {
                key_header,
                id_header,
            } => key_header.eq_ignore_ascii_case(id_header),
        }
    }
}

/// A stored webhook subscription. An empty `phone_numbers` means "every line".
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Subscription {
    pub(crate) id: String,
    pub(crate) created_at: Millis,
    pub(crate) updated_at: Millis,
    pub(crate) is_active: bool,
    pub(crate) subscribed_events: Vec<String>,
    pub(crate) target_url: String,
    pub(crate) phone_numbers: Vec<String>,
    pub(crate) routing: Routing,
}

/// A validated create request (see `rules::new_subscription`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NewSubscription {
    pub(crate) target_url: String,
    pub(crate) subscribed_events: Vec<String>,
    pub(crate) phone_numbers: Vec<String>,
    pub(crate) routing: Routing,
}

/// A validated update (linq-api.md §4.2): `None` = field omitted = keep.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct SubscriptionPatch {
    pub(crate) target_url: Option<String>,
    pub(crate) subscribed_events: Option<Vec<String>>,
    pub(crate) is_active: Option<bool>,
    /// `Some(vec![])` clears the filter (sent as `null` or `[]`).
    pub(crate) phone_numbers: Option<Vec<String>>,
    /// `Some(None)`: affinity off (sent as `null` or `""`).
    pub(crate) routing_key_header: Option<Option<String>>,
    /// `Some(None)`: back to `Linq-Chat-Id` (sent as `null` or `""`).
    pub(crate) routing_id_header: Option<Option<String>>,
}

impl Subscription {
    /// Applies a patch; returns whether anything changed. `updated_at` is the caller's job,
    /// because only the store knows the clock it must be strictly later than.
    pub(crate) fn apply(&mut self, patch: &SubscriptionPatch) -> bool {
        let before = self.clone();
        if let Some(url) = &patch.target_url {
            self.target_url.clone_from(url);
        }
        if let Some(events) = &patch.subscribed_events {
            self.subscribed_events.clone_from(events);
        }
        if let Some(active) = patch.is_active {
            self.is_active = active;
        }
        if let Some(numbers) = &patch.phone_numbers {
            self.phone_numbers.clone_from(numbers);
        }
        let key_header = match &patch.routing_key_header {
            None => self.routing.key_header().map(str::to_owned),
            Some(change) => change.clone(),
        };
        self.routing = match key_header {
            // The id header is meaningless without affinity, so it is dropped with it.
            None => Routing::Off,
            Some(key) => {
                let id_header = match &patch.routing_id_header {
                    None => self.routing.id_header().map(str::to_owned),
                    Some(change) => change.clone(),
                };
                Routing::on(key, id_header)
            }
        };
        *self != before
    }

    /// The JSON the API returns; `secret` is only passed by create.
    pub(crate) fn to_wire<'a>(&'a self, secret: Option<&'a SigningSecret>) -> SubscriptionWire<'a> {
        SubscriptionWire {
            id: &self.id,
            created_at: format_millis(self.created_at),
            updated_at: format_millis(self.updated_at),
            is_active: self.is_active,
            subscribed_events: &self.subscribed_events,
            target_url: &self.target_url,
            phone_numbers: (!self.phone_numbers.is_empty()).then_some(&self.phone_numbers[..]),
            routing_id_header: self.routing.id_header(),
            routing_key_header: self.routing.key_header(),
            signing_secret: secret.map(SigningSecret::expose),
        }
    }
}

/// WebhookSubscription (linq-api.md §3.1); with `signing_secret` it is the create response
/// (§3.2). Every field is always present; an unfiltered subscription has `phone_numbers: null`.
#[derive(Debug, Serialize)]
pub(crate) struct SubscriptionWire<'a> {
    id: &'a str,
    created_at: String,
    updated_at: String,
    is_active: bool,
    subscribed_events: &'a [String],
    target_url: &'a str,
    phone_numbers: Option<&'a [String]>,
    routing_id_header: Option<&'a str>,
    routing_key_header: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signing_secret: Option<&'a str>,
}

/// A subscription as the list endpoint sends it: the same fields, in the same order, as
/// [`SubscriptionWire`], but the event list and the phone filter are the JSON text the store
/// holds, spliced into the response as is. Listing 1,000 subscriptions then neither parses
/// nor re-serialises their event lists (the text was written by `serde_json`, so it is
/// already compact JSON; `RawValue` only checks its syntax).
#[derive(Debug, Serialize)]
pub(crate) struct ListedSubscription {
    pub(crate) id: String,
    #[serde(serialize_with = "serialize_millis")]
    pub(crate) created_at: Millis,
    #[serde(serialize_with = "serialize_millis")]
    pub(crate) updated_at: Millis,
    pub(crate) is_active: bool,
    pub(crate) subscribed_events: Box<RawValue>,
    pub(crate) target_url: String,
    /// `None` for an unfiltered subscription (serialised as `null`, as in the wire form).
    pub(crate) phone_numbers: Option<Box<RawValue>>,
    pub(crate) routing_id_header: Option<String>,
    pub(crate) routing_key_header: Option<String>,
}

fn serialize_millis<S: serde::Serializer>(ms: &Millis, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format_millis(*ms))
}

/// One line of an account (linq-api.md §3.5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct PhoneLine {
    pub(crate) id: String,
    pub(crate) phone_number: String,
    pub(crate) reputation: Reputation,
    pub(crate) forwarding_number: Option<String>,
    pub(crate) line_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Reputation {
    pub(crate) status: String,
    pub(crate) doc_url: String,
}

/// Where the API points for line reputation. Not pinned by the sources; any URL will do.
pub(crate) const REPUTATION_DOC_URL: &str =
    "https://docs.linqapp.com/channel/imessage/guides/phone-numbers/reputation";

/// Why the store refused a write that passed request validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    SubscriptionNotFound,
    DuplicateTargetUrl,
    /// Key and id header would be the same header.
    RoutingHeadersCollide,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subscription() -> Subscription {
        Subscription {
            id: "0b6f5a7e-8c1d-4e2f-9a3b-4c5d6e7f8091".into(),
            created_at: 1_770_320_000_123,
            updated_at: 1_770_320_000_123,
            is_active: true,
            subscribed_events: vec!["message.sent".into()],
            target_url: "https://a.example/h".into(),
            phone_numbers: vec!["+12025550142".into()],
            routing: Routing::Off,
        }
    }

    #[test]
    fn timestamps_have_milliseconds_and_z() {
        assert_eq!(format_millis(1_770_320_000_123), "2026-02-05T19:33:20.123Z");
        assert_eq!(format_millis(1_770_320_000_000), "2026-02-05T19:33:20.000Z");
        assert_eq!(
            parse_millis("2026-02-05T19:33:20.123Z"),
            Some(1_770_320_000_123)
        );
    }

    #[test]
    fn secrets_are_whsec_base64_of_32_bytes() {
        use base64::Engine as _;
        let secret = SigningSecret::generate();
        let b64 = secret.expose().strip_prefix("whsec_").expect("prefix");
        let key = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .expect("base64");
        assert_eq!(key.len(), 32);
        assert_eq!(format!("{secret:?}"), "whsec_…(redacted)");
    }

    #[test]
    fn empty_patch_changes_nothing() {
        let mut sub = subscription();
        assert!(!sub.apply(&SubscriptionPatch::default()));
    }

    #[test]
    fn routing_defaults_and_clears() {
        let mut sub = subscription();
        let on = SubscriptionPatch {
            routing_key_header: Some(Some("X-Route".into())),
            ..Default::default()
        };
        assert!(sub.apply(&on));
        assert_eq!(sub.routing.id_header(), Some(DEFAULT_ROUTING_ID_HEADER));

        let rename = SubscriptionPatch {
            routing_id_header: Some(Some("X-Chat".into())),
            ..Default::default()
        };
        assert!(sub.apply(&rename));
        assert_eq!(sub.routing.id_header(), Some("X-Chat"));
        // Renaming the key keeps the custom id header.
        sub.apply(&SubscriptionPatch {
            routing_key_header: Some(Some("X-Route-2".into())),
            ..Default::default()
        });
        assert_eq!(sub.routing.id_header(), Some("X-Chat"));

        let off = SubscriptionPatch {
            routing_key_header: Some(None),
            ..Default::default()
        };
        assert!(sub.apply(&off));
        assert_eq!(sub.routing, Routing::Off);
        // An id header alone does not turn affinity on.
        assert!(!sub.apply(&rename));
    }

    #[test]
    fn unfiltered_subscription_serialises_null_phone_numbers() {
        let mut sub = subscription();
        sub.phone_numbers.clear();
        let json = serde_json::to_value(sub.to_wire(None)).expect("json");
        assert!(json["phone_numbers"].is_null());
        assert!(json["routing_id_header"].is_null());
        assert!(json.get("signing_secret").is_none());
        assert_eq!(json.as_object().map(|o| o.len()), Some(9));
    }
}
