//! Event envelopes (linq-api.md §8.5) and their `data` per payload version (§8.6, §8.8).
//! Pure: the ids and clock come in, bytes go out. Small and plausible rather than complete:
//! message events get the documented V1/V2 shapes, account events the shared account shape
//! (§9), every other type a minimal object that says it is a sandbox stand-in. Shared by the
//! sandbox's deliveries and `probe --send`, so both post the same bytes.

use serde::Serialize;
use serde_json::{json, Map, Value};

/// The legacy payload version, and the one unpinned target URLs get in the sandbox.
pub(crate) const V1: &str = "2025-01-01";
/// The current payload version.
pub(crate) const V2: &str = "2026-02-03";

/// The line a message event comes from when the request names none.
const PLACEHOLDER_LINE: &str = "+12025550100";
/// The other party of a test message.
const CUSTOMER: &str = "+14155559876";
const HEALTH_DOC_URL: &str = "https://docs.linqapp.com/channel/imessage/guides/chats/chat-health";

/// The payload version a target URL asks for with `?version=` (§8.6). `2026-02-03` gets
/// V2; anything else — `2025-01-01`, no parameter, a version the sandbox does not know —
/// gets V1, as an old or unpinned subscription would.
pub(crate) fn version_of(target_url: &str) -> &'static str {
    let pinned_v2 = url::Url::parse(target_url).is_ok_and(|url| {
        url.query_pairs()
            .any(|(name, value)| name == "version" && value == V2)
    });
    if pinned_v2 {
        V2
    } else {
        V1
    }
}

/// Whether V1 subscriptions receive this type at all (§8.6: `message.edited` is V2-only).
pub(crate) fn delivered_to_v1(event_type: &str) -> bool {
    event_type != "message.edited"
}

/// Milliseconds since the Unix epoch.
pub(crate) type Millis = i64;

/// RFC 3339 UTC with milliseconds, e.g. `2026-02-05T19:30:00.123Z`.
pub(crate) fn format_millis(ms: Millis) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00.000Z".to_owned())
}

/// What an event is made of, before it is rendered per version.
pub(crate) struct EventSpec<'a> {
    pub(crate) event_id: &'a str,
    pub(crate) event_type: &'a str,
    pub(crate) created_at: Millis,
    /// The `X-Trace-ID` of the API call that made the event.
    pub(crate) trace_id: &'a str,
    pub(crate) partner_id: &'a str,
    pub(crate) phone_number: Option<&'a str>,
    /// The caller's own `data`, sent as is to every version.
    pub(crate) data: Option<&'a Map<String, Value>>,
}

/// An event rendered for delivery.
pub(crate) struct Rendered {
    /// The chat the event belongs to (routing headers carry it), if any.
    pub(crate) chat_id: Option<String>,
    /// `(webhook_version, body)`; V1 is absent for V2-only types.
    pub(crate) bodies: Vec<(&'static str, Vec<u8>)>,
}

#[derive(Serialize)]
struct Envelope<'a> {
    api_version: &'static str,
    webhook_version: &'static str,
    event_type: &'a str,
    event_id: &'a str,
    created_at: String,
    trace_id: &'a str,
    partner_id: &'a str,
    data: &'a Value,
}

/// Renders the envelope for every version the event goes to.
pub(crate) fn render(spec: &EventSpec<'_>) -> Result<Rendered, serde_json::Error> {
    let chat_id = match spec.data {
        Some(data) => chat_id_of(data),
        None if has_chat(spec.event_type) => Some(uuid::Uuid::new_v4().to_string()),
        None => None,
    };
    let mut versions = vec![V2];
    if delivered_to_v1(spec.event_type) {
        versions.insert(0, V1);
    }
    let mut bodies = Vec::with_capacity(versions.len());
    for version in versions {
        let data = match spec.data {
            Some(data) => Value::Object(data.clone()),
            None => default_data(spec, version, chat_id.as_deref()),
        };
        let envelope = Envelope {
            api_version: "v3",
            webhook_version: version,
            event_type: spec.event_type,
            event_id: spec.event_id,
            created_at: format_millis(spec.created_at),
            trace_id: spec.trace_id,
            partner_id: spec.partner_id,
            data: &data,
        };
        bodies.push((version, serde_json::to_vec(&envelope)?));
    }
    Ok(Rendered { chat_id, bodies })
}

/// `data.chat.id` (V2) or `data.chat_id` (V1) of a caller's own data.
fn chat_id_of(data: &Map<String, Value>) -> Option<String> {
    let nested = data.get("chat").and_then(|chat| chat.get("id"));
    nested
        .or_else(|| data.get("chat_id"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn is_message(event_type: &str) -> bool {
    event_type.starts_with("message.")
}

/// Account events share one `data` shape (linq-api.md §9).
fn is_account_event(event_type: &str) -> bool {
    const PREFIXES: [&str; 5] = [
        "api_token.",
        "environment.",
        "webhook_subscription.",
        "team_member.",
        "zero_day_retention.",
    ];
    PREFIXES.iter().any(|p| event_type.starts_with(p))
        || matches!(
            event_type,
            "contact_card.created"
                | "contact_card.updated"
                | "contact_card.deleted"
                | "phone_number.forwarding_updated"
        )
}

/// Event types that happen in a chat.
fn has_chat(event_type: &str) -> bool {
    const PREFIXES: [&str; 6] = [
        "message.",
        "reaction.",
        "poll.",
        "participant.",
        "chat.",
        "location.",
    ];
    PREFIXES.iter().any(|p| event_type.starts_with(p)) || event_type == "contact_card.received"
}

fn default_data(spec: &EventSpec<'_>, version: &str, chat_id: Option<&str>) -> Value {
    let at = format_millis(spec.created_at);
    let line = spec.phone_number.unwrap_or(PLACEHOLDER_LINE);
    if is_message(spec.event_type) {
        let chat_id = chat_id.unwrap_or_default();
        return if version == V2 {
            message_v2(spec.event_type, line, chat_id, &at)
        } else {
            message_v1(spec.event_type, line, chat_id, &at)
        };
    }
    if is_account_event(spec.event_type) {
        return json!({
            "summary": format!("Sandbox test event: {}", spec.event_type),
            "occurred_at": at,
            "actor": { "type": "api" },
            "origin": "api",
        });
    }
    let mut data = json!({
        "phone_number": line,
        "occurred_at": at,
        "sandbox_note": "test event from the linq-hooks sandbox; this type's data is not modelled",
    });
    if let (Some(chat_id), Value::Object(map)) = (chat_id, &mut data) {
        map.insert("chat_id".into(), Value::from(chat_id));
    }
    data
}

fn inbound(event_type: &str) -> bool {
    event_type == "message.received"
}

/// V2 (§8.8): message fields at the top, `direction`, a full `sender_handle`, `chat {…}`.
fn message_v2(event_type: &str, line: &str, chat_id: &str, at: &str) -> Value {
    let inbound = inbound(event_type);
    let handle = |number: &str, is_me: bool| {
        json!({
            "id": uuid::Uuid::new_v4().to_string(), "handle": number, "is_me": is_me,
            "service": "iMessage", "status": "active", "joined_at": at, "left_at": null,
        })
    };
    let mut owner = handle(line, true);
    if let Value::Object(map) = &mut owner {
        map.insert("line_type".into(), Value::from("iMessage"));
    }
    let sender = if inbound {
        handle(CUSTOMER, false)
    } else {
        owner.clone()
    };
    json!({
        "id": uuid::Uuid::new_v4().to_string(),
        "direction": if inbound { "inbound" } else { "outbound" },
        "service": "iMessage",
        "parts": [ { "type": "text", "value": "Test message from the linq-hooks sandbox" } ],
        "sender_handle": sender,
        "chat": {
            "id": chat_id,
            "is_group": false,
            "owner_handle": owner,
            "health_status": { "status": "HEALTHY", "updated_at": at, "doc_url": HEALTH_DOC_URL },
        },
        "sent_at": at,
        "delivered_at": stamp_if(event_type, &["message.delivered", "message.read"], at),
        "read_at": stamp_if(event_type, &["message.read"], at),
        "effect": null,
        "reply_to": null,
        "preferred_service": null,
        "idempotency_key": null,
    })
}

/// V1: `is_from_me`, the message nested under `message`, flat `chat_id`/`from`.
fn message_v1(event_type: &str, line: &str, chat_id: &str, at: &str) -> Value {
    let inbound = inbound(event_type);
    let from = if inbound { CUSTOMER } else { line };
    json!({
        "chat_id": chat_id,
        "from": from,
        "from_handle": { "handle": from, "service": "iMessage" },
        "recipient": if inbound { line } else { CUSTOMER },
        "is_from_me": !inbound,
        "message": {
            "id": uuid::Uuid::new_v4().to_string(),
            "service": "iMessage",
            "parts": [ { "type": "text", "value": "Test message from the linq-hooks sandbox" } ],
            "sent_at": at,
            "delivered_at": stamp_if(event_type, &["message.delivered", "message.read"], at),
            "read_at": stamp_if(event_type, &["message.read"], at),
        },
    })
}

fn stamp_if(event_type: &str, types: &[&str], at: &str) -> Value {
    if types.contains(&event_type) {
        Value::from(at)
    } else {
        Value::Null
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec<'a>(event_type: &'a str, data: Option<&'a Map<String, Value>>) -> EventSpec<'a> {
        EventSpec {
            event_id: "4a8f0c2e-9d31-4b6e-8f15-2c7a9e0d5b34",
            event_type,
            created_at: 1_770_320_000_123,
            trace_id: "5d0e9b7c1a2f4e3d8c6b0a9f7e1d2c3b",
            partner_id: "partner_abc123",
            phone_number: Some("+12025551234"),
            data,
        }
    }

    fn parsed(rendered: &Rendered, version: &str) -> Value {
        let (_, body) = rendered
            .bodies
            .iter()
            .find(|(v, _)| *v == version)
            .expect("version rendered");
        serde_json::from_slice(body).expect("json")
    }

    #[test]
    fn versions_come_from_the_query() {
        assert_eq!(version_of("https://a.example/h?version=2026-02-03"), V2);
        assert_eq!(
            version_of("https://a.example/h?line=1&version=2026-02-03"),
            V2
        );
        assert_eq!(version_of("https://a.example/h?version=2025-01-01"), V1);
        assert_eq!(version_of("https://a.example/h"), V1);
        assert_eq!(version_of("https://a.example/h?version=2030-01-01"), V1);
    }

    #[test]
    fn message_events_have_the_documented_shapes() {
        let rendered = render(&spec("message.received", None)).expect("render");
        let v2 = parsed(&rendered, V2);
        assert_eq!(v2["api_version"], "v3");
        assert_eq!(v2["webhook_version"], V2);
        assert_eq!(v2["event_id"], "4a8f0c2e-9d31-4b6e-8f15-2c7a9e0d5b34");
        assert_eq!(v2["created_at"], "2026-02-05T19:33:20.123Z");
        assert_eq!(v2["data"]["direction"], "inbound");
        assert_eq!(v2["data"]["chat"]["owner_handle"]["handle"], "+12025551234");
        assert_eq!(v2["data"]["sender_handle"]["handle"], CUSTOMER);
        let v1 = parsed(&rendered, V1);
        assert_eq!(v1["webhook_version"], V1);
        assert_eq!(v1["data"]["is_from_me"], false);
        assert!(v1["data"]["message"]["parts"].is_array());
        assert!(v1["data"].get("chat").is_none());
        // One chat for both versions, and routing knows it.
        assert_eq!(v1["data"]["chat_id"], v2["data"]["chat"]["id"]);
        assert_eq!(rendered.chat_id.as_deref(), v1["data"]["chat_id"].as_str());
        // The envelope keeps the documented field order.
        let body = std::str::from_utf8(&rendered.bodies[0].1).expect("utf-8");
        assert!(
            body.starts_with(r#"{"api_version":"v3","webhook_version":"#),
            "{body}"
        );
    }

    #[test]
    fn edited_is_v2_only_and_account_events_share_a_shape() {
        let edited = render(&spec("message.edited", None)).expect("render");
        assert_eq!(edited.bodies.len(), 1);
        assert_eq!(edited.bodies[0].0, V2);
        let account = render(&spec("api_token.created", None)).expect("render");
        assert_eq!(account.chat_id, None);
        let v1 = parsed(&account, V1);
        assert_eq!(v1["data"]["actor"]["type"], "api");
        assert_eq!(v1["data"]["origin"], "api");
    }

    #[test]
    fn callers_data_is_sent_as_is() {
        let data: Map<String, Value> =
            serde_json::from_str(r#"{"chat":{"id":"c-1"},"x":[1,2]}"#).expect("data");
        let rendered = render(&spec("reaction.added", Some(&data))).expect("render");
        assert_eq!(rendered.chat_id.as_deref(), Some("c-1"));
        assert_eq!(parsed(&rendered, V2)["data"]["x"][1], 2);
    }
}
