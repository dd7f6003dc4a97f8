//! The banner: one non-modal message line, and the first words of a failed first load.

use crate::api::ApiError;
use crate::text::clean;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BannerLevel {
    /// Something the user did worked (✔).
    Info,
    /// Neither success nor failure: a state to know about.
    Notice,
    Error,
}

/// Banners that a later event makes untrue, and which that event clears.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BannerKind {
    #[default]
    Plain,
    /// A list request failed: a later successful list clears it.
    RefreshFailed,
    /// Rows with unreadable fields: recounted on every list.
    Unreadable,
    /// A write is still in flight: cleared when it ends.
    Waiting,
}

/// A non-modal message line; errors never clear the list or the selection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Banner {
    pub level: BannerLevel,
    pub text: String,
    pub trace_id: Option<String>,
    pub kind: BannerKind,
}

impl Banner {
    pub(super) fn info(text: impl Into<String>) -> Self {
        Self {
            level: BannerLevel::Info,
            text: text.into(),
            trace_id: None,
            kind: BannerKind::Plain,
        }
    }

    pub(super) fn notice(text: impl Into<String>) -> Self {
        Self {
            level: BannerLevel::Notice,
            ..Self::info(text)
        }
    }

    pub(super) fn error(context: &str, err: &ApiError) -> Self {
        Self {
            level: BannerLevel::Error,
            text: format!("{context}: {err}"),
            trace_id: err.trace_id().map(|t| clean(t).into_owned()),
            kind: BannerKind::Plain,
        }
    }

    pub(super) fn error_text(text: impl Into<String>) -> Self {
        Self {
            level: BannerLevel::Error,
            ..Self::info(text)
        }
    }

    pub(super) fn of_kind(self, kind: BannerKind) -> Self {
        Self { kind, ..self }
    }
}

/// The first words of a failed first load: "Cannot reach the API" only when nothing
/// answered; an answer says what it was.
pub fn failure_heading(err: &ApiError) -> &'static str {
    match err {
        ApiError::Connect { .. }
        | ApiError::Timeout { .. }
        | ApiError::Tls { .. }
        | ApiError::Transport { .. } => "Cannot reach the API",
        ApiError::InvalidRequest(_) => "Cannot send the request",
        ApiError::Decode { .. } => "The API's answer is unreadable",
        _ => match err.status() {
            Some(401) => "The API refused the key",
            Some(403) => "The key may not do this",
            Some(404) => "Nothing answers at this base URL's path (check --base-url)",
            Some(429) => "The API is rate limiting",
            Some(500..=599) => "The API failed",
            _ => "The API refused the request",
        },
    }
}

/// The banner's one text: message, then the trace id support will ask for.
pub fn banner_text(banner: &Banner) -> String {
    let mark = match banner.level {
        BannerLevel::Error => "✖",
        BannerLevel::Info => "✔",
        BannerLevel::Notice => "•",
    };
    // The trace id first: support asks for it, and a long message must not push it off.
    let trace = banner
        .trace_id
        .as_ref()
        .map(|t| format!("trace {} · ", clean(t)))
        .unwrap_or_default();
    format!(" {mark} {trace}{}  (Esc)", clean(&banner.text))
}
