//! One error type for every way a Linq call can fail, with messages a support engineer can
//! act on (status, Linq code, trace id for the support ticket).

/// How a Linq call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// The server answered with the Linq error envelope.
    #[error("{}", describe_linq(.0))]
    Linq(LinqFailure),
    /// The server answered non-2xx with a body that is not the Linq envelope (a proxy, a
    /// gateway, an HTML error page).
    #[error("HTTP {status} from {}: {snippet}", host_or_server(.host))]
    Foreign {
        status: u16,
        snippet: String,
        host: Option<String>,
        trace_id: Option<String>,
    },
    /// A 2xx answer whose body is not what the API documents.
    #[error("unreadable answer from the server (HTTP {status}): {detail}")]
    Decode {
        status: u16,
        detail: String,
        trace_id: Option<String>,
    },
    #[error("request timed out after {:.1} s", *.millis as f64 / 1000.0)]
    Timeout { millis: u64 },
    #[error("cannot connect to {target}: {detail}")]
    Connect { target: String, detail: String },
    #[error("TLS failure talking to {target}: {detail}")]
    Tls { target: String, detail: String },
    #[error("connection to {target} broke: {detail}")]
    Transport { target: String, detail: String },
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}

/// The decoded Linq error envelope.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LinqFailure {
    pub status: u16,
    pub code: Option<u32>,
    pub message: String,
    pub doc_url: Option<String>,
    pub retry_after: Option<u64>,
    pub trace_id: Option<String>,
}

fn describe_linq(f: &LinqFailure) -> String {
    let mut s = format!("HTTP {}", f.status);
    if let Some(code) = f.code {
        s.push_str(&format!(" · code {code}"));
    }
    s.push_str(": ");
    s.push_str(&f.message);
    s
}

fn host_or_server(host: &Option<String>) -> &str {
    host.as_deref().unwrap_or("server")
}

impl ApiError {
    /// HTTP status, when the server answered at all.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Linq(f) => Some(f.status),
            ApiError::Foreign { status, .. } | ApiError::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The Linq error code (e.g. 2010), when the envelope carried one.
    pub fn code(&self) -> Option<u32> {
        match self {
            ApiError::Linq(f) => f.code,
            _ => None,
        }
    }

    pub fn trace_id(&self) -> Option<&str> {
        match self {
            ApiError::Linq(f) => f.trace_id.as_deref(),
            ApiError::Foreign { trace_id, .. } | ApiError::Decode { trace_id, .. } => {
                trace_id.as_deref()
            }
            _ => None,
        }
    }

    /// The API itself said 404 (2010: the subscription does not exist, any more). A 404
    /// page from a proxy in front of it proves nothing and does not count.
    pub fn is_not_found(&self) -> bool {
        matches!(self, ApiError::Linq(f) if f.status == 404)
    }

    /// True when the request may have reached the server and been acted on, but no answer
    /// came back: for a create, the subscription may exist.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            ApiError::Timeout { .. } | ApiError::Transport { .. } => true,
            // A 2xx whose body we could not read: it happened, the answer is lost.
            ApiError::Decode { status, .. } => (200..300).contains(status),
            // A gateway or server failure may come after the create was done.
            _ => matches!(self.status(), Some(408) | Some(500..=599)),
        }
    }
}
