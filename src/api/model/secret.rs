//! The one-time signing secret and the create answer that carries it.

use super::Subscription;
use serde::{Deserialize, Deserializer};
use std::fmt;
use zeroize::Zeroizing;

/// The `whsec_…` signing secret. It is returned once, by create, and then lives only in the
/// secret dialog: zeroised on drop, never printed by `Debug`, no `Display`, not `Clone`
/// (a copy would be a second place that has to be wiped).
pub struct SigningSecret(Zeroizing<String>);

impl SigningSecret {
    pub fn new(secret: String) -> Self {
        Self(Zeroizing::new(secret))
    }

    /// The secret text, for the clipboard and the dialog's reveal only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The documented shape (linq-api.md §8.2): `whsec_` and standard base64 (with padding)
    /// of 16 to 128 key bytes. Anything else from a server is not put on a clipboard: it
    /// could carry a terminal escape or a shell command into the paste.
    pub fn is_well_formed(&self) -> bool {
        use base64::Engine as _;
        let Some(key) = self.0.strip_prefix("whsec_") else {
            return false;
        };
        key.len() <= 200
            && base64::engine::general_purpose::STANDARD
                .decode(key)
                .is_ok_and(|bytes| (16..=128).contains(&Zeroizing::new(bytes).len()))
    }
}

impl fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("whsec_…(redacted)")
    }
}

impl<'de> Deserialize<'de> for SigningSecret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(SigningSecret::new)
    }
}

/// The create response: a subscription plus its one-time signing secret (the client
/// parses the two from the same body).
#[derive(Debug)]
pub struct CreatedSubscription {
    pub subscription: Subscription,
    pub signing_secret: SigningSecret,
}

impl CreatedSubscription {
    /// Parses the body twice (no `#[serde(flatten)]`, which buffers every value in an
    /// intermediate copy): once as the subscription, once for the secret alone.
    pub fn from_json(body: &[u8]) -> serde_json::Result<Self> {
        #[derive(Deserialize)]
        struct SecretOnly {
            signing_secret: SigningSecret,
        }
        let subscription = serde_json::from_slice(body)?;
        let secret: SecretOnly = serde_json::from_slice(body)?;
        Ok(Self {
            subscription,
            signing_secret: secret.signing_secret,
        })
    }
}
