//! Webhook signatures (linq-api.md §8.2–8.4): signing and verification of both header sets,
//! for the `verify` command, `listen` and the sandbox's delivery engine alike. Pure: no IO,
//! no logging. The secret never appears in a message, an error or a `Debug` output.
//!
//! A failed check says why, in one sentence; a signature mismatch also tries the usual
//! mistakes (a re-serialised body, the secret used the wrong way, the two schemes' headers
//! swapped) so that the likely cause can be named. Every attempt is bounded: at most
//! [`MAX_DIAGNOSED_BODY`] bytes of body and a handful of candidate bodies.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::cell::OnceCell;
use std::fmt;
use zeroize::Zeroizing;

mod candidate_bodies;
pub mod capture;
mod sign;
mod verdict;
mod verify;

use candidate_bodies::*;
pub use sign::*;
pub use verdict::*;
pub use verify::*;

type HmacSha256 = Hmac<Sha256>;

/// The window both SDKs' `standardwebhooks` library applies, in both directions.
pub const DEFAULT_TOLERANCE_SECS: u64 = 300;

/// Bodies larger than this are verified but not re-serialised to look for a cause.
pub const MAX_DIAGNOSED_BODY: usize = 1 << 20;

/// A candidate body larger than this is dropped: pretty-printing deeply nested JSON can
/// multiply its size (each line is indented by its depth).
const MAX_CANDIDATE_BODY: usize = 4 * MAX_DIAGNOSED_BODY;

/// Signature entries looked at in one `webhook-signature` header; more is no real sender.
const MAX_ENTRIES: usize = 64;

/// The shortest key accepted: `SigningSecret::is_well_formed`'s lower bound.
const MIN_KEY_BYTES: usize = 16;

const PREFIX: &str = "whsec_";

/// Standard base64; padding optional, as the `standardwebhooks` library accepts.
const BASE64_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

pub const HEADER_ID: &str = "webhook-id";
pub const HEADER_TIMESTAMP: &str = "webhook-timestamp";
pub const HEADER_SIGNATURE: &str = "webhook-signature";
pub const HEADER_LEGACY_TIMESTAMP: &str = "X-Webhook-Timestamp";
pub const HEADER_LEGACY_SIGNATURE: &str = "X-Webhook-Signature";

/// Anything that holds a signing secret's text: `&str`, `String`, [`SigningSecret`].
///
/// [`SigningSecret`]: crate::api::SigningSecret
pub trait SecretText {
    fn secret_text(&self) -> &str;
}

impl SecretText for str {
    fn secret_text(&self) -> &str {
        self
    }
}

impl SecretText for String {
    fn secret_text(&self) -> &str {
        self
    }
}

impl SecretText for crate::api::SigningSecret {
    fn secret_text(&self) -> &str {
        self.expose()
    }
}

/// Why a secret is not `whsec_` + standard base64. The messages never quote the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("the secret is empty")]
    Empty,
    #[error("the secret contains whitespace (a stray space or line break from copying?)")]
    Whitespace,
    #[error("the secret does not start with whsec_")]
    MissingPrefix,
    #[error("the part after whsec_ is not standard base64")]
    BadBase64,
    #[error("the secret's key is {0} bytes; Linq issues at least {MIN_KEY_BYTES}")]
    TooShort(usize),
}

impl SecretError {
    pub fn code(&self) -> &'static str {
        match self {
            SecretError::Empty => "secret_empty",
            SecretError::Whitespace => "secret_whitespace",
            SecretError::MissingPrefix => "secret_missing_prefix",
            SecretError::BadBase64 => "secret_bad_base64",
            SecretError::TooShort(_) => "secret_too_short",
        }
    }
}

/// The key bytes of a Standard Webhooks secret (base64-decoded, `whsec_` dropped). Zeroised
/// on drop; `Debug` shows only the length.
pub struct SecretKey(Zeroizing<Vec<u8>>);

impl SecretKey {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({} bytes, redacted)", self.0.len())
    }
}

/// `whsec_` + standard base64 (linq-api.md §8.2) → the HMAC key of the standard scheme.
pub fn parse_secret(secret: &str) -> Result<SecretKey, SecretError> {
    if secret.is_empty() {
        return Err(SecretError::Empty);
    }
    if secret.chars().any(char::is_whitespace) {
        return Err(SecretError::Whitespace);
    }
    let encoded = secret
        .strip_prefix(PREFIX)
        .ok_or(SecretError::MissingPrefix)?;
    let key = Zeroizing::new(
        BASE64_LENIENT
            .decode(encoded)
            .map_err(|_| SecretError::BadBase64)?,
    );
    if key.len() < MIN_KEY_BYTES {
        return Err(SecretError::TooShort(key.len()));
    }
    Ok(SecretKey(key))
}

/// An HMAC-SHA256 over `parts`, not yet finalised (so one prepared MAC checks many entries).
fn mac(key: &[u8], parts: &[&[u8]]) -> HmacSha256 {
    // HMAC accepts keys of any length (longer ones are hashed), so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    for part in parts {
        mac.update(part);
    }
    mac
}

fn standard_mac(key: &[u8], msg_id: &str, timestamp: &str, body: &[u8]) -> HmacSha256 {
    mac(
        key,
        &[msg_id.as_bytes(), b".", timestamp.as_bytes(), b".", body],
    )
}

fn legacy_mac(key: &[u8], timestamp: &str, body: &[u8]) -> HmacSha256 {
    mac(key, &[timestamp.as_bytes(), b".", body])
}

#[cfg(test)]
mod tests;
