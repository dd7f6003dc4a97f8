//! The Linq error envelope and trace ids (linq-api.md §5.1).
//!
//! Handlers fail with an [`ApiError`], which renders as an empty response carrying the error
//! in its extensions; the [`trace`] middleware then writes the envelope with the request's
//! trace id. That keeps one place that knows the trace id and guarantees that the body's
//! `trace_id` and the `X-Trace-ID` header are always the same value.

use axum::extract::Request;
use axum::http::header::{HeaderValue, CONTENT_TYPE};
use axum::http::{HeaderName, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

pub(crate) const TRACE_HEADER: HeaderName = HeaderName::from_static("x-trace-id");

/// The longest request target (path and query) the sandbox serves: 414 beyond it. Set well
/// under hyper's own limit (65,534 bytes) so an over-long URI gets the envelope.
pub(crate) const MAX_URI_BYTES: usize = 8 * 1024;
/// The largest header section served (`name: value\r\n` per header): 431 beyond it. Set
/// well under hyper's own read buffer limit (~400 KiB) for the same reason.
pub(crate) const MAX_HEADER_BYTES: usize = 16 * 1024;

/// A W3C trace id: 32 lowercase hex digits, never all zero.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TraceId(String);

impl TraceId {
    pub(crate) fn new() -> Self {
        // All-zero is the W3C "invalid" trace id; `max(1)` keeps us off it.
        TraceId(format!("{:032x}", rand::random::<u128>().max(1)))
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// A failed API call: HTTP status, Linq error code and a human-readable message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) code: u16,
    pub(crate) message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: u16, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    /// 400/1001: a required body field is absent.
    pub(crate) fn missing_field(field: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            1001,
            format!("Missing required field: {field}"),
        )
    }

    /// 400/1002: a phone number is not E.164.
    pub(crate) fn invalid_phone_number(field: &str, number: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            1002,
            format!(
                "Invalid phone number in {field}: {} is not in E.164 format (e.g. +12025551234)",
                quoted(number)
            ),
        )
    }

    /// 400/1003: the body is not a JSON object sent as `application/json`.
    pub(crate) fn invalid_body(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, 1003, message)
    }

    /// 400/1005: a field has the wrong type or an unacceptable value.
    pub(crate) fn invalid_value(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, 1005, message)
    }

    /// 401/2004: missing, malformed or unknown bearer token.
    pub(crate) fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            2004,
            "Unauthorized: missing or invalid API key (send Authorization: Bearer <key>)",
        )
    }

    /// 404/2010: no such subscription in the caller's account.
    pub(crate) fn subscription_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            2010,
            "Webhook subscription not found",
        )
    }

    /// 409/2015: `target_url` is already used by another subscription of the account.
    pub(crate) fn duplicate_target_url() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            2015,
            "A webhook subscription with this target_url already exists",
        )
    }

    /// 404/1005: no endpoint at this path. The API documents no code for this; 1005
    /// ("invalid parameter value") is the closest client-error code.
    pub(crate) fn no_such_endpoint(method: &str, path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            1005,
            format!("No such endpoint: {method} {}", truncate(path, 200)),
        )
    }

    /// 414/1005: the request target is longer than [`MAX_URI_BYTES`].
    pub(crate) fn uri_too_long() -> Self {
        Self::new(
            StatusCode::URI_TOO_LONG,
            1005,
            format!("URI Too Long: the request target exceeds {MAX_URI_BYTES} bytes"),
        )
    }

    /// 431/1005: the header section is larger than [`MAX_HEADER_BYTES`].
    pub(crate) fn headers_too_large() -> Self {
        Self::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            1005,
            format!("Request Header Fields Too Large: the headers exceed {MAX_HEADER_BYTES} bytes"),
        )
    }

    /// 403/2011: the sandbox runs without the feature this call needs.
    pub(crate) fn feature_not_available(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, 2011, message)
    }

    /// 403/2005: the request names another partner's resources.
    pub(crate) fn access_denied(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, 2005, message)
    }

    /// 500/3006: the sandbox itself failed (storage).
    pub(crate) fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            3006,
            "Internal server error",
        )
    }

    /// An envelope for a bare error status produced by the framework (405, 413, ...).
    fn from_status(status: StatusCode) -> Self {
        let code = match status {
            // The body itself was unacceptable (too large, wrong media type).
            StatusCode::PAYLOAD_TOO_LARGE | StatusCode::UNSUPPORTED_MEDIA_TYPE => 1003,
            s if s.is_server_error() => 3006,
            _ => 1005,
        };
        let reason = status.canonical_reason().unwrap_or("Request failed");
        Self::new(status, code, reason)
    }

    fn doc_url(&self) -> String {
        format!(
            "https://docs.linqapp.com/error/codes/{}xxx/{}/",
            self.code / 1000,
            self.code
        )
    }

    fn render(&self, trace: &TraceId) -> Response {
        let envelope = Envelope {
            success: false,
            error: Detail {
                status: self.status.as_u16(),
                code: self.code,
                message: &self.message,
                doc_url: self.doc_url(),
            },
            trace_id: trace.as_str(),
        };
        let body = serde_json::to_vec(&envelope).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    }
}

impl IntoResponse for ApiError {
    /// The body is written later by [`trace`], which knows the trace id.
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

#[derive(Serialize)]
struct Envelope<'a> {
    success: bool,
    error: Detail<'a>,
    trace_id: &'a str,
}

#[derive(Serialize)]
struct Detail<'a> {
    status: u16,
    code: u16,
    message: &'a str,
    doc_url: String,
}

/// Outermost middleware: assigns the trace id, renders error envelopes, sets `X-Trace-ID`.
/// A client-sent `traceparent` is ignored, as Linq does.
///
/// What it cannot cover: hyper's HTTP/1 parser answers some requests itself, before any
/// service runs — a request line or header it cannot parse (400), a request target over
/// 65,534 bytes (414), more than 100 headers or a head over ~400 KiB (431) — with a bare
/// status line and `content-length: 0`, then closes the connection. hyper has no hook for
/// that response, and the sandbox keeps hyper's limits (`serve.rs` sets only a header-read
/// timeout). Hence the
/// sandbox's own, lower limits above: within hyper's, oversize requests get the envelope.
pub(crate) async fn trace(mut request: Request, next: Next) -> Response {
    let trace = TraceId::new();
    let mut response = match oversized(&request) {
        Some(error) => error.render(&trace),
        None => {
            let method = request.method().clone();
            let path = request.uri().path().to_owned();
            request.extensions_mut().insert(trace.clone());
            let response = next.run(request).await;
            enveloped(response, &trace, &method, &path)
        }
    };
    if let Ok(value) = HeaderValue::from_str(trace.as_str()) {
        response.headers_mut().insert(TRACE_HEADER, value);
    }
    response
}

/// A request target or header section over the sandbox's limits.
fn oversized(request: &Request) -> Option<ApiError> {
    let target = request
        .uri()
        .path_and_query()
        .map_or(0, |target| target.as_str().len());
    if target > MAX_URI_BYTES {
        return Some(ApiError::uri_too_long());
    }
    let headers: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    (headers > MAX_HEADER_BYTES).then(ApiError::headers_too_large)
}

/// Writes the envelope of a handler's [`ApiError`] or of a bare framework error.
fn enveloped(mut response: Response, trace: &TraceId, method: &Method, path: &str) -> Response {
    let status = response.status();
    if let Some(error) = response.extensions_mut().remove::<ApiError>() {
        tracing::debug!(%method, %path, status = status.as_u16(), code = error.code, trace_id = trace.as_str(), "request rejected");
        response = error.render(trace);
    } else if status.is_client_error() || status.is_server_error() {
        // Framework rejections (405 method not allowed, 413 body too large, ...) get the
        // envelope too, so clients can always parse an error body.
        response = ApiError::from_status(status).render(trace);
    }
    response
}

/// A user-supplied value for an error message: quoted, and cut so a huge input cannot
/// bloat the response.
pub(crate) fn quoted(value: &str) -> String {
    format!("'{}'", truncate(value, 120))
}

fn truncate(value: &str, max_chars: usize) -> String {
    if value.chars().count() <= max_chars {
        value.to_owned()
    } else {
        let cut: String = value.chars().take(max_chars).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_ids_are_32_lowercase_hex() {
        let id = TraceId::new();
        assert_eq!(id.as_str().len(), 32);
        assert!(id
            .as_str()
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)));
        assert_ne!(id, TraceId::new());
    }

    #[test]
    fn doc_url_follows_the_code_range() {
        assert_eq!(
            ApiError::subscription_not_found().doc_url(),
            "https://docs.linqapp.com/error/codes/2xxx/2010/"
        );
        assert_eq!(
            ApiError::missing_field("x").doc_url(),
            "https://docs.linqapp.com/error/codes/1xxx/1001/"
        );
    }

    #[test]
    fn quoted_values_are_bounded() {
        let long = "x".repeat(1000);
        assert!(quoted(&long).chars().count() < 130);
        assert_eq!(quoted("+1"), "'+1'");
    }
}
