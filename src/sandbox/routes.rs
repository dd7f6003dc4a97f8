//! The HTTP surface: `/api/partner/v3/...` routes and their handlers.

use super::auth::{authenticate, Account};
use super::envelope::{self, ApiError};
use super::model::{Refusal, SigningSecret};
use super::rules;
use super::store::StoreError;
use super::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{middleware, Extension, Json, Router};
use serde::Serialize;

const SUBSCRIPTIONS: &str = "/api/partner/v3/webhook-subscriptions";
const SUBSCRIPTION: &str = "/api/partner/v3/webhook-subscriptions/{id}";
const EVENTS: &str = "/api/partner/v3/webhook-events";
const PHONE_NUMBERS: &str = "/api/partner/v3/phone_numbers";

pub(crate) fn router(state: AppState) -> Router {
    Router::new()
        .route(
            SUBSCRIPTIONS,
            get(list_subscriptions).post(create_subscription),
        )
        .route(
            SUBSCRIPTION,
            get(retrieve_subscription)
                .put(update_subscription)
                .delete(delete_subscription),
        )
        .route(EVENTS, get(event_catalog))
        .route(PHONE_NUMBERS, get(phone_lines))
        .merge(super::deliver::routes::router())
        .fallback(no_such_endpoint)
        // Layers run bottom-up: trace first (so every response gets X-Trace-ID and the
        // envelope), then authentication, then routing.
        .layer(middleware::from_fn_with_state(state.clone(), authenticate))
        .layer(middleware::from_fn(envelope::trace))
        .with_state(state)
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        tracing::error!(%error, "sandbox storage failed");
        ApiError::internal()
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::SubscriptionNotFound => ApiError::subscription_not_found(),
            Refusal::DuplicateTargetUrl => ApiError::duplicate_target_url(),
            Refusal::RoutingHeadersCollide => rules::routing_headers_collide(),
        }
    }
}

/// The `{id}` of a subscription path. An id that cannot name a subscription gets the same
/// answer as an unknown one: a malformed id, and one whose percent-decoding is not UTF-8
/// (`%ff%fe`), which axum's own `Path` rejection would turn into a 400.
pub(crate) struct SubscriptionId(pub(crate) String);

impl<S: Send + Sync> FromRequestParts<S> for SubscriptionId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Path::<String>::from_request_parts(parts, state).await {
            Ok(Path(id)) if rules::is_subscription_id(&id) => Ok(SubscriptionId(id)),
            _ => Err(ApiError::subscription_not_found()),
        }
    }
}

#[derive(Serialize)]
struct SubscriptionList {
    subscriptions: Vec<super::model::ListedSubscription>,
}

async fn list_subscriptions(
    State(state): State<AppState>,
    Extension(account): Extension<Account>,
) -> Result<Response, ApiError> {
    let subscriptions = state.store.list(account.id()).await?;
    Ok(Json(SubscriptionList { subscriptions }).into_response())
}

async fn create_subscription(
    State(state): State<AppState>,
    Extension(account): Extension<Account>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body = rules::json_object(headers.get(CONTENT_TYPE), &body)?;
    let new = rules::new_subscription(&body)?;
    let secret = SigningSecret::generate();
    let created = state
        .store
        .create(account.id(), new, secret.clone())
        .await??;
    tracing::info!(id = %created.id, "subscription created");
    Ok((StatusCode::CREATED, Json(created.to_wire(Some(&secret)))).into_response())
}

async fn retrieve_subscription(
    State(state): State<AppState>,
    Extension(account): Extension<Account>,
    SubscriptionId(id): SubscriptionId,
) -> Result<Response, ApiError> {
    let subscription = state.store.get(account.id(), id).await??;
    Ok(Json(subscription.to_wire(None)).into_response())
}

async fn update_subscription(
    State(state): State<AppState>,
    Extension(account): Extension<Account>,
    SubscriptionId(id): SubscriptionId,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body = rules::json_object(headers.get(CONTENT_TYPE), &body)?;
    let patch = rules::subscription_patch(&body)?;
    let updated = state.store.update(account.id(), id, patch).await??;
    Ok(Json(updated.to_wire(None)).into_response())
}

async fn delete_subscription(
    State(state): State<AppState>,
    Extension(account): Extension<Account>,
    SubscriptionId(id): SubscriptionId,
) -> Result<StatusCode, ApiError> {
    state.store.delete(account.id(), id.clone()).await??;
    tracing::info!(%id, "subscription deleted");
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
struct EventCatalog {
    doc_url: &'static str,
    events: &'static [&'static str],
}

async fn event_catalog() -> Json<EventCatalog> {
    Json(EventCatalog {
        doc_url: rules::EVENTS_DOC_URL,
        events: rules::event_types(),
    })
}

#[derive(Serialize)]
struct PhoneNumberList {
    phone_numbers: Vec<super::model::PhoneLine>,
}

async fn phone_lines(
    State(state): State<AppState>,
    Extension(account): Extension<Account>,
) -> Result<Json<PhoneNumberList>, ApiError> {
    let phone_numbers = state.store.phone_lines(account.id()).await?;
    Ok(Json(PhoneNumberList { phone_numbers }))
}

async fn no_such_endpoint(method: Method, uri: Uri) -> ApiError {
    ApiError::no_such_endpoint(method.as_str(), uri.path())
}
