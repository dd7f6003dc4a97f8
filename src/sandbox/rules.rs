//! Request validation: raw JSON bodies in, validated domain values or a Linq error out.
//!
//! Bodies are read as `serde_json::Map` and checked field by field (instead of deriving
//! `Deserialize`) so every rejection carries the exact code the API uses — 1001 for a
//! missing field, 1002 for a bad phone number, 1005 for a wrong type or value — and names
//! the offending field. Unknown fields are ignored, like the API does.

use super::envelope::{quoted, ApiError};
use super::model::{NewSubscription, Routing, SubscriptionPatch};
use crate::validate;
use axum::http::HeaderValue;
use serde_json::{Map, Value};
use std::sync::LazyLock;

pub(crate) type JsonObject = Map<String, Value>;

/// `doc_url` of `GET /v3/webhook-events`, as pinned by the newest SDK (linq-api.md §3.4).
pub(crate) const EVENTS_DOC_URL: &str =
    "https://docs.linqapp.com/channel/imessage/guides/webhooks/events";

static EVENT_TYPES: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    include_str!("../../assets/webhook-event-types.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect()
});

/// Every event type a subscription may listen to, in SDK order.
pub(crate) fn event_types() -> &'static [&'static str] {
    &EVENT_TYPES
}

/// The body of a POST/PUT: must be declared as JSON and be a JSON object (else 1003).
pub(crate) fn json_object(
    content_type: Option<&HeaderValue>,
    body: &[u8],
) -> Result<JsonObject, ApiError> {
    let declared_json = content_type
        .and_then(|value| value.to_str().ok())
        .map(|value| {
            let mime = value.split(';').next().unwrap_or_default().trim();
            mime.eq_ignore_ascii_case("application/json")
                || mime.to_ascii_lowercase().ends_with("+json")
        })
        .unwrap_or(false);
    if !declared_json {
        return Err(ApiError::invalid_body(
            "Invalid request body: Content-Type must be application/json",
        ));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(ApiError::invalid_body(
            "Invalid request body: expected a JSON object",
        )),
        Err(e) if e.is_eof() && body.iter().all(u8::is_ascii_whitespace) => Err(
            ApiError::invalid_body("Invalid request body: the body is empty"),
        ),
        Err(e) => Err(ApiError::invalid_body(format!(
            "Invalid request body: malformed JSON ({e})"
        ))),
    }
}

/// Validates a create body (linq-api.md §4.1).
pub(crate) fn new_subscription(body: &JsonObject) -> Result<NewSubscription, ApiError> {
    let target_url = body.get("target_url");
    let events = body.get("subscribed_events");
    let target_url = target_url.ok_or_else(|| ApiError::missing_field("target_url"))?;
    let events = events.ok_or_else(|| ApiError::missing_field("subscribed_events"))?;

    let target_url = target_url_value(target_url)?;
    let subscribed_events = event_list(events)?;
    let phone_numbers = match body.get("phone_numbers") {
        None => Vec::new(),
        Some(Value::Null) => {
            return Err(ApiError::invalid_value(
                "Invalid phone_numbers: must be an array of E.164 numbers \
                 (omit it to receive events from every line)",
            ))
        }
        Some(value) => phone_list(value)?,
    };
    // On create, `null` and "" mean the same as leaving the routing headers out.
    let key_header = header_change(body, "routing_key_header")?.flatten();
    let id_header = header_change(body, "routing_id_header")?.flatten();
    // The id header is ignored unless affinity is on (linq-api.md §4.1).
    let routing = match key_header {
        None => Routing::Off,
        Some(key) => Routing::on(key, id_header),
    };
    if routing.headers_collide() {
        return Err(routing_headers_collide());
    }
    Ok(NewSubscription {
        target_url,
        subscribed_events,
        phone_numbers,
        routing,
    })
}

/// Validates an update body (linq-api.md §4.2): omitted fields stay `None`.
pub(crate) fn subscription_patch(body: &JsonObject) -> Result<SubscriptionPatch, ApiError> {
    let target_url = body.get("target_url").map(target_url_value).transpose()?;
    let subscribed_events = body.get("subscribed_events").map(event_list).transpose()?;
    let is_active = match body.get("is_active") {
        None => None,
        Some(Value::Bool(active)) => Some(*active),
        Some(_) => return Err(wrong_type("is_active", "a boolean")),
    };
    let phone_numbers = match body.get("phone_numbers") {
        None => None,
        Some(Value::Null) => Some(Vec::new()),
        Some(value) => Some(phone_list(value)?),
    };
    Ok(SubscriptionPatch {
        target_url,
        subscribed_events,
        is_active,
        phone_numbers,
        routing_key_header: header_change(body, "routing_key_header")?,
        routing_id_header: header_change(body, "routing_id_header")?,
    })
}

pub(crate) fn routing_headers_collide() -> ApiError {
    ApiError::invalid_value("routing_key_header and routing_id_header must name different headers")
}

fn wrong_type(field: &str, expected: &str) -> ApiError {
    ApiError::invalid_value(format!("Invalid {field}: expected {expected}"))
}

fn target_url_value(value: &Value) -> Result<String, ApiError> {
    let url = value
        .as_str()
        .ok_or_else(|| wrong_type("target_url", "a string"))?;
    check_target_url(url)?;
    Ok(url.to_owned())
}

/// `target_url` must be an absolute `https://` URL with a host (linq-api.md §2); the same
/// check the dashboard's form and the headless commands make.
pub(crate) fn check_target_url(url: &str) -> Result<(), ApiError> {
    // The API takes the string as sent: surrounding spaces are an error here, not trimmed.
    if url.trim() != url {
        return Err(ApiError::invalid_value(format!(
            "Invalid target_url {}: must not contain whitespace or control characters",
            quoted(url)
        )));
    }
    validate::validate_url(url).map_err(|why| {
        ApiError::invalid_value(format!("Invalid target_url {}: {why}", quoted(url)))
    })
}

/// A non-empty list of known event types; duplicates are dropped, order kept.
fn event_list(value: &Value) -> Result<Vec<String>, ApiError> {
    let items = value
        .as_array()
        .ok_or_else(|| wrong_type("subscribed_events", "an array of event types"))?;
    if items.is_empty() {
        return Err(ApiError::invalid_value(
            "Invalid subscribed_events: must contain at least one event type",
        ));
    }
    let mut events: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        let event = item
            .as_str()
            .ok_or_else(|| wrong_type("subscribed_events", "an array of strings"))?;
        if !event_types().contains(&event) {
            return Err(ApiError::invalid_value(format!(
                "Invalid subscribed_events: unknown event type {} (see GET /v3/webhook-events)",
                quoted(event)
            )));
        }
        if !events.iter().any(|known| known == event) {
            events.push(event.to_owned());
        }
    }
    Ok(events)
}

/// A list of E.164 numbers; `[]` is an empty filter (every line). Duplicates are dropped.
fn phone_list(value: &Value) -> Result<Vec<String>, ApiError> {
    let items = value
        .as_array()
        .ok_or_else(|| wrong_type("phone_numbers", "an array of E.164 phone numbers"))?;
    let mut numbers: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        let number = item
            .as_str()
            .ok_or_else(|| wrong_type("phone_numbers", "an array of strings"))?;
        if !is_e164(number) {
            return Err(ApiError::invalid_phone_number("phone_numbers", number));
        }
        if !numbers.iter().any(|known| known == number) {
            numbers.push(number.to_owned());
        }
    }
    Ok(numbers)
}

/// A routing header field: absent → `None`; `null` or `""` → `Some(None)`; a valid name →
/// `Some(Some(name))`.
fn header_change(body: &JsonObject, field: &str) -> Result<Option<Option<String>>, ApiError> {
    match body.get(field) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(name)) if name.is_empty() => Ok(Some(None)),
        Some(Value::String(name)) => {
            if !is_header_name(name) {
                return Err(ApiError::invalid_value(format!(
                    "Invalid {field}: {} is not a valid HTTP header name",
                    quoted(name)
                )));
            }
            if validate::is_reserved_header(name) {
                return Err(ApiError::invalid_value(format!(
                    "Invalid {field}: {} is reserved for webhook deliveries",
                    quoted(name)
                )));
            }
            Ok(Some(Some(name.clone())))
        }
        Some(_) => Err(wrong_type(field, "a string or null")),
    }
}

/// E.164: `+`, then 8 to 15 digits, the first of which is not 0.
pub(crate) fn is_e164(number: &str) -> bool {
    validate::validate_e164(number).is_ok()
}

/// An HTTP header name: a non-empty RFC 9110 token (bounded in length).
pub(crate) fn is_header_name(name: &str) -> bool {
    validate::validate_header_name(name).is_ok()
}

pub(crate) use validate::is_subscription_id;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> JsonObject {
        match value {
            Value::Object(map) => map,
            other => panic!("not an object: {other}"),
        }
    }

    #[test]
    fn e164_numbers() {
        for good in [
            "+12025551234",
            "+4915123456789",
            "+12345678",
            "+123456789012345",
        ] {
            assert!(is_e164(good), "{good}");
        }
        for bad in [
            "12025551234",
            "+1234567",
            "+1234567890123456",
            "+02025551234",
            "+1 202 555 1234",
            "+1-202-555-1234",
            "+",
            "",
            "+1202555123a",
            "++12025551234",
            "+١٢٣٤٥٦٧٨٩",
        ] {
            assert!(!is_e164(bad), "{bad}");
        }
    }

    #[test]
    fn target_urls() {
        for good in [
            "https://example.com",
            "https://hooks.example.com/linq?version=2026-02-03",
            "https://127.0.0.1:8443/h",
            "HTTPS://Example.com/x",
            "https://example.com/webhook?line=1#frag",
        ] {
            assert!(check_target_url(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "http://example.com/h",
            "ftp://example.com",
            "example.com/h",
            "/relative/path",
            "https://",
            "https:example.com",
            "https://exa mple.com",
            " https://example.com",
            "https://example.com/\u{1b}[31m",
        ] {
            let err = check_target_url(bad).expect_err(bad);
            assert_eq!(err.code, 1005, "{bad}");
            assert!(err.message.contains("target_url"), "{}", err.message);
        }
        let long = format!("https://example.com/{}", "a".repeat(2100));
        assert!(check_target_url(&long).is_err());
    }

    #[test]
    fn header_names() {
        for good in ["Linq-Chat-Id", "X-Route-Key", "x_route", "a", "X.Custom~1"] {
            assert!(is_header_name(good), "{good}");
        }
        for bad in ["", "X Route", "X:Route", "Route\n", "Ünicode", "(x)", "a/b"] {
            assert!(!is_header_name(bad), "{bad}");
        }
        assert!(!is_header_name(&"x".repeat(129)));
    }

    #[test]
    fn subscription_ids() {
        assert!(is_subscription_id("b2c3d4e5-f6a7-8901-bcde-f23456789012"));
        assert!(!is_subscription_id("b2c3d4e5f6a78901bcdef23456789012"));
        assert!(!is_subscription_id("not-a-uuid"));
        assert!(!is_subscription_id("g2c3d4e5-f6a7-8901-bcde-f23456789012"));
    }

    #[test]
    fn catalogue_has_75_types() {
        assert_eq!(event_types().len(), 75);
        assert_eq!(event_types()[0], "message.sent");
    }

    #[test]
    fn body_must_be_a_json_object() {
        let json = HeaderValue::from_static("application/json; charset=utf-8");
        assert!(json_object(Some(&json), b"{}").is_ok());
        for body in [&b"[]"[..], b"", b"{", b"null", b"\"x\""] {
            assert_eq!(json_object(Some(&json), body).expect_err("bad").code, 1003);
        }
        let text = HeaderValue::from_static("text/plain");
        assert_eq!(json_object(Some(&text), b"{}").expect_err("ct").code, 1003);
        assert_eq!(json_object(None, b"{}").expect_err("none").code, 1003);
    }

    #[test]
    fn create_codes() {
        let code = |v: Value| new_subscription(&object(v)).map(|_| ()).map_err(|e| e.code);
        let events = json!(["message.sent"]);
        assert_eq!(code(json!({"subscribed_events": events})), Err(1001));
        assert_eq!(code(json!({"target_url": "https://a.example"})), Err(1001));
        let base = |extra: Value| {
            let mut body = object(
                json!({"target_url": "https://a.example", "subscribed_events": ["message.sent"]}),
            );
            body.extend(object(extra));
            Value::Object(body)
        };
        assert_eq!(code(base(json!({}))), Ok(()));
        assert_eq!(code(base(json!({"phone_numbers": null}))), Err(1005));
        assert_eq!(code(base(json!({"phone_numbers": ["555"]}))), Err(1002));
        assert_eq!(code(base(json!({"subscribed_events": []}))), Err(1005));
        assert_eq!(
            code(base(json!({"subscribed_events": ["nope"]}))),
            Err(1005)
        );
        assert_eq!(code(base(json!({"target_url": 5}))), Err(1005));
        assert_eq!(
            code(base(json!({"routing_key_header": "bad header"}))),
            Err(1005)
        );
        assert_eq!(
            code(base(json!({"routing_key_header": "Linq-Chat-Id"}))),
            Err(1005)
        );
    }

    #[test]
    fn create_routing_defaults() {
        let body = object(json!({
            "target_url": "https://a.example", "subscribed_events": ["message.sent"],
            "routing_key_header": "X-Route"
        }));
        let new = new_subscription(&body).expect("valid");
        assert_eq!(new.routing.id_header(), Some("Linq-Chat-Id"));
        let body = object(json!({
            "target_url": "https://a.example", "subscribed_events": ["message.sent"],
            "routing_id_header": "X-Chat"
        }));
        assert_eq!(
            new_subscription(&body).expect("valid").routing,
            Routing::Off
        );
    }

    #[test]
    fn patch_three_states() {
        let patch = subscription_patch(&object(json!({}))).expect("empty");
        assert_eq!(patch, SubscriptionPatch::default());
        let patch = subscription_patch(&object(json!({
            "phone_numbers": null, "routing_key_header": "", "routing_id_header": null
        })))
        .expect("clears");
        assert_eq!(patch.phone_numbers, Some(vec![]));
        assert_eq!(patch.routing_key_header, Some(None));
        assert_eq!(patch.routing_id_header, Some(None));
        let err = subscription_patch(&object(json!({"is_active": "yes"}))).expect_err("type");
        assert_eq!((err.code, err.message.contains("is_active")), (1005, true));
        let err = subscription_patch(&object(json!({"target_url": null}))).expect_err("null");
        assert_eq!(err.code, 1005);
    }
}
