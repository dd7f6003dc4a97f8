//! The API key: kept wiped on drop, never printed; only its last four characters show.

use super::error::ApiError;
use reqwest::header::HeaderValue;
use std::fmt;
use zeroize::Zeroizing;

/// The API key: never printed, only its last four characters may be shown.
#[derive(Clone)]
pub struct ApiKey(Zeroizing<String>);

impl ApiKey {
    pub fn new(key: impl Into<String>) -> Self {
        Self(Zeroizing::new(key.into()))
    }

    /// `…abcd`, for the header line and logs; nothing at all for a key short enough
    /// that four characters would give much of it away.
    pub fn hint(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        if chars.len() < 12 {
            return "…".into();
        }
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("…{tail}")
    }

    /// `Bearer <key>`, marked sensitive (kept out of debug output).
    pub(crate) fn bearer(&self) -> Result<HeaderValue, ApiError> {
        let mut v =
            HeaderValue::from_str(&format!("Bearer {}", self.0.as_str())).map_err(|_| {
                ApiError::InvalidRequest("the API key contains invalid characters".into())
            })?;
        v.set_sensitive(true);
        Ok(v)
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKey({})", self.hint())
    }
}
