//! The sandbox-only endpoints, under the API base next to `/v3` (Linq has none of them):
//!
//! - `POST /_sandbox/v1/events` — make an event; queue its deliveries.
//! - `GET /_sandbox/v1/deliveries?subscription_id=&limit=` — attempts, newest first.
//! - `GET|PUT|DELETE /_sandbox/v1/forward` — the account's `listen` receiver.
//! - `GET /_sandbox/v1/webhook-subscriptions/{id}/secret` — a subscription's signing secret.
//!
//! Same authentication, error envelope and `X-Trace-ID` as the rest of the sandbox.

use super::super::auth::Account;
use super::super::envelope::{quoted, ApiError, TraceId};
use super::super::model::now_millis;
use super::super::routes::SubscriptionId;
use super::super::rules::{self, JsonObject};
use super::super::AppState;
use super::queue::{NewEvent, QueuedDelivery};
use super::records::{AttemptRow, Forward};
use crate::payload::{self, EventSpec};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Serialize;
use serde_json::Value;

pub(crate) const EVENTS: &str = "/api/partner/_sandbox/v1/events";
pub(crate) const DELIVERIES: &str = "/api/partner/_sandbox/v1/deliveries";
pub(crate) const FORWARD: &str = "/api/partner/_sandbox/v1/forward";
pub(crate) const SECRET: &str = "/api/partner/_sandbox/v1/webhook-subscriptions/{id}/secret";

/// The largest `POST /_sandbox/v1/events` body.
const MAX_EVENT_BODY: usize = 128 * 1024;
/// The largest caller-supplied `data`, serialised.
pub(crate) const MAX_DATA_BYTES: usize = 64 * 1024;
/// The largest `PUT /_sandbox/v1/forward` body.
const MAX_FORWARD_BODY: usize = 4 * 1024;
/// `limit` of the deliveries list: default and maximum.
pub(crate) const DEFAULT_LIMIT: u32 = 50;
pub(crate) const MAX_LIMIT: u32 = 500;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route(
            EVENTS,
            post(send_event).layer(DefaultBodyLimit::max(MAX_EVENT_BODY)),
        )
        .route(DELIVERIES, get(list_deliveries))
        .route(
            FORWARD,
            get(get_forward)
                .put(put_forward)
                .delete(delete_forward)
                .layer(DefaultBodyLimit::max(MAX_FORWARD_BODY)),
        )
        .route(SECRET, get(signing_secret))
        .route(super::logs::WEBHOOK_LOGS, get(super::logs::webhook_logs))
}

/// A validated `POST /_sandbox/v1/events` body.
struct EventRequest {
    event_type: String,
    phone_number: Option<String>,
    data: Option<JsonObject>,
}

fn event_request(body: &JsonObject) -> Result<EventRequest, ApiError> {
    let event_type = match body.get("event_type") {
        None | Some(Value::Null) => return Err(ApiError::missing_field("event_type")),
        Some(Value::String(event_type)) => event_type.clone(),
        Some(_) => {
            return Err(ApiError::invalid_value(
                "Invalid event_type: expected a string",
            ))
        }
    };
    if !rules::event_types().contains(&event_type.as_str()) {
        return Err(ApiError::invalid_value(format!(
            "Invalid event_type: unknown event type {} (see GET /v3/webhook-events)",
            quoted(&event_type)
        )));
    }
    let phone_number = match body.get("phone_number") {
        None | Some(Value::Null) => None,
        Some(Value::String(number)) if rules::is_e164(number) => Some(number.clone()),
        Some(Value::String(number)) => {
            return Err(ApiError::invalid_phone_number("phone_number", number))
        }
        Some(_) => {
            return Err(ApiError::invalid_value(
                "Invalid phone_number: expected an E.164 string",
            ))
        }
    };
    let data = match body.get("data") {
        None | Some(Value::Null) => None,
        Some(Value::Object(data)) => {
            let size = serde_json::to_vec(data).map_or(usize::MAX, |bytes| bytes.len());
            if size > MAX_DATA_BYTES {
                return Err(ApiError::invalid_value(format!(
                    "Invalid data: {size} bytes, at most {MAX_DATA_BYTES}"
                )));
            }
            Some(data.clone())
        }
        Some(_) => return Err(ApiError::invalid_value("Invalid data: expected an object")),
    };
    Ok(EventRequest {
        event_type,
        phone_number,
        data,
    })
}

#[derive(Serialize)]
struct EventQueued {
    event_id: String,
    event_type: String,
    created_at: String,
    deliveries: Vec<QueuedDelivery>,
}

async fn send_event(
    State(state): State<AppState>,
    Extension(account): Extension<Account>,
    Extension(trace): Extension<TraceId>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body = rules::json_object(headers.get(CONTENT_TYPE), &body)?;
    let request = event_request(&body)?;
    let event_id = uuid::Uuid::new_v4().to_string();
    let created_at = now_millis();
    let account_id = account.id();
    let partner_id = account.partner_id();
    let rendered = payload::render(&EventSpec {
        event_id: &event_id,
        event_type: &request.event_type,
        created_at,
        trace_id: trace.as_str(),
        partner_id: &partner_id,
        phone_number: request.phone_number.as_deref(),
        data: request.data.as_ref(),
    })
    .map_err(|e| {
        tracing::error!(error = %e, "cannot render an event");
        ApiError::internal()
    })?;
    let deliveries = state
        .store
        .queue_event(NewEvent {
            id: event_id.clone(),
            account: account_id,
            event_type: request.event_type.clone(),
            phone_number: request.phone_number,
            chat_id: rendered.chat_id,
            created_at,
            bodies: rendered.bodies,
        })
        .await?;
    if !deliveries.is_empty() {
        state.deliveries.wake();
    }
    tracing::info!(%event_id, queued = deliveries.len(), "test event queued");
    let answer = EventQueued {
        event_id,
        event_type: request.event_type,
        created_at: super::super::model::format_millis(created_at),
        deliveries,
    };
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}

#[derive(Serialize)]
struct AttemptList {
    deliveries: Vec<AttemptRow>,
}

async fn list_deliveries(
    State(state): State<AppState>,
    Extension(account): Extension<Account>,
    RawQuery(query): RawQuery,
) -> Result<Json<AttemptList>, ApiError> {
    let mut subscription_id = None;
    let mut limit = DEFAULT_LIMIT;
    for (name, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match name.as_ref() {
            "subscription_id" if value.is_empty() => {}
            "subscription_id" => {
                if !rules::is_subscription_id(&value) {
                    return Err(ApiError::invalid_value(format!(
                        "Invalid subscription_id: {} is not a subscription id",
                        quoted(&value)
                    )));
                }
                subscription_id = Some(value.into_owned());
            }
            "limit" => {
                limit = value
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=MAX_LIMIT).contains(n))
                    .ok_or_else(|| {
                        ApiError::invalid_value(format!(
                            "Invalid limit: {} is not a number from 1 to {MAX_LIMIT}",
                            quoted(&value)
                        ))
                    })?;
            }
            // Unknown parameters are ignored, like unknown body fields.
            _ => {}
        }
    }
    let deliveries = state
        .store
        .attempts(account.id(), subscription_id, limit)
        .await?;
    Ok(Json(AttemptList { deliveries }))
}

#[derive(Serialize)]
struct ForwardAnswer {
    forward: Option<Forward>,
    /// PUT: the live receiver this registration took over from.
    #[serde(skip_serializing_if = "Option::is_none")]
    replaced: Option<Forward>,
    /// PUT with `renew`: whether it was renewed (`false`: `forward` is another receiver,
    /// which took over).
    #[serde(skip_serializing_if = "Option::is_none")]
    renewed: Option<bool>,
}

async fn get_forward(
    State(state): State<AppState>,
    Extension(account): Extension<Account>,
) -> Result<Json<ForwardAnswer>, ApiError> {
    let forward = state.store.forward(account.id(), now_millis()).await?;
    Ok(Json(ForwardAnswer {
        forward,
        replaced: None,
        renewed: None,
    }))
}

/// Registers the account's receiver: `{"url": "http://127.0.0.1:PORT/..."}`. Only plain
/// http on this machine, and only when the sandbox allows local targets.
async fn put_forward(
    State(state): State<AppState>,
    Extension(account): Extension<Account>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<ForwardAnswer>, ApiError> {
    if !state.deliveries.options.allow_local_targets {
        return Err(local_targets_off());
    }
    let body = rules::json_object(headers.get(CONTENT_TYPE), &body)?;
    let url = match body.get("url") {
        None | Some(Value::Null) => return Err(ApiError::missing_field("url")),
        Some(Value::String(url)) => url.clone(),
        Some(_) => return Err(ApiError::invalid_value("Invalid url: expected a string")),
    };
    let renew = match body.get("renew") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(renew)) => *renew,
        Some(_) => {
            return Err(ApiError::invalid_value(
                "Invalid renew: expected true or false",
            ))
        }
    };
    check_receiver_url(&url)?;
    let set = state
        .store
        .set_forward(account.id(), url, now_millis(), renew)
        .await?;
    if !renew {
        tracing::info!(url = %set.forward.url, "listen receiver registered");
    }
    state.deliveries.wake();
    Ok(Json(ForwardAnswer {
        forward: Some(set.forward),
        replaced: set.replaced,
        renewed: renew.then_some(set.renewed),
    }))
}

/// `?url=` removes the receiver only if it is that one.
async fn delete_forward(
    State(state): State<AppState>,
    Extension(account): Extension<Account>,
    RawQuery(query): RawQuery,
) -> Result<StatusCode, ApiError> {
    let only = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(name, _)| name == "url")
        .map(|(_, value)| value.into_owned());
    state.store.clear_forward(account.id(), only).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn local_targets_off() -> ApiError {
    ApiError::feature_not_available(
        "Local receivers are off: start the sandbox with --allow-local-targets",
    )
}

/// A `listen` receiver: `http://` on localhost, 127.0.0.0/8 or [::1].
fn check_receiver_url(raw: &str) -> Result<(), ApiError> {
    let refuse = |why: &str| ApiError::invalid_value(format!("Invalid url {}: {why}", quoted(raw)));
    if raw.len() > crate::validate::MAX_URL_LEN {
        return Err(refuse("too long"));
    }
    let url = url::Url::parse(raw).map_err(|e| refuse(&e.to_string()))?;
    if url.scheme() != "http" {
        return Err(refuse("a local receiver is plain http://"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("must not carry credentials"));
    }
    let loopback = match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    if !loopback {
        return Err(refuse("must be on localhost, 127.0.0.1 or [::1]"));
    }
    Ok(())
}

#[derive(Serialize)]
struct SecretAnswer<'a> {
    id: &'a str,
    signing_secret: &'a str,
}

/// Sandbox-only: Linq shows a secret once, at create. `listen` needs it to verify.
async fn signing_secret(
    State(state): State<AppState>,
    Extension(account): Extension<Account>,
    SubscriptionId(id): SubscriptionId,
) -> Result<Response, ApiError> {
    let secret = state
        .store
        .signing_secret(account.id(), id.clone())
        .await??;
    Ok(Json(SecretAnswer {
        id: &id,
        signing_secret: secret.as_str(),
    })
    .into_response())
}

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
    fn event_requests_are_validated() {
        let code = |v: Value| event_request(&object(v)).map(|_| ()).map_err(|e| e.code);
        assert_eq!(code(json!({"event_type": "message.received"})), Ok(()));
        assert_eq!(code(json!({})), Err(1001));
        assert_eq!(code(json!({"event_type": 5})), Err(1005));
        assert_eq!(code(json!({"event_type": "message.nope"})), Err(1005));
        assert_eq!(
            code(json!({"event_type": "message.sent", "phone_number": "555"})),
            Err(1002)
        );
        assert_eq!(
            code(json!({"event_type": "message.sent", "phone_number": 5})),
            Err(1005)
        );
        assert_eq!(
            code(json!({"event_type": "message.sent", "data": [1]})),
            Err(1005)
        );
        let big = "x".repeat(MAX_DATA_BYTES);
        assert_eq!(
            code(json!({"event_type": "message.sent", "data": {"big": big}})),
            Err(1005)
        );
    }

    #[test]
    fn receivers_are_plain_http_on_loopback() {
        for good in [
            "http://127.0.0.1:4567/",
            "http://localhost:1/x",
            "http://[::1]:80/",
        ] {
            assert!(check_receiver_url(good).is_ok(), "{good}");
        }
        for bad in [
            "https://127.0.0.1/",
            "http://10.0.0.1/",
            "http://example.com/",
            "http://u:p@127.0.0.1/",
            "127.0.0.1:80",
        ] {
            assert!(check_receiver_url(bad).is_err(), "{bad}");
        }
    }
}
