//! API keys → partner accounts. Each key is its own account; the account id is the hex
//! SHA-256 of the key, so the database never holds a key.

use super::envelope::ApiError;
use super::AppState;
use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

/// The authenticated partner account of a request (inserted by [`authenticate`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Account(Arc<str>);

impl Account {
    pub(crate) fn for_key(key: &str) -> Self {
        let digest = Sha256::digest(key.as_bytes());
        let mut hex = String::with_capacity(64);
        for byte in digest.iter() {
            let _ = write!(hex, "{byte:02x}");
        }
        Account(hex.into())
    }

    pub(crate) fn id(&self) -> String {
        self.0.to_string()
    }

    /// The account's partner id: in event payloads (`partner_id`) and the id the delivery
    /// log (`/api/v1/webhook-logs`) expects as `partner_id`/`org_id`. Derived from the
    /// account so it stays the same across runs.
    pub(crate) fn partner_id(&self) -> String {
        format!("partner_{}", &self.0[..12.min(self.0.len())])
    }
}

/// The accounts this sandbox run accepts: the digest of each key, and the account it opens.
#[derive(Debug, Clone, Default)]
pub(crate) struct Accounts(Arc<HashMap<Arc<str>, Account>>);

impl Accounts {
    /// One account per key.
    #[cfg(test)]
    pub(crate) fn new(keys: &[String]) -> Self {
        Self::of(keys.iter().map(|key| (key.as_str(), Account::for_key(key))))
    }

    /// Keys and the accounts they open (the embedded sandbox's private key opens the
    /// account the public demo key used to, so its data stays).
    pub(crate) fn of<'a>(pairs: impl IntoIterator<Item = (&'a str, Account)>) -> Self {
        Accounts(Arc::new(
            pairs
                .into_iter()
                .map(|(key, account)| (Account::for_key(key).0, account))
                .collect(),
        ))
    }

    /// The account of `Authorization: Bearer <key>`, if the key is one of ours.
    fn resolve(&self, headers: &HeaderMap) -> Option<Account> {
        let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
        let (scheme, key) = value.trim().split_once(' ')?;
        let key = key.trim();
        if !scheme.eq_ignore_ascii_case("bearer") || key.is_empty() {
            return None;
        }
        self.0.get(&Account::for_key(key).0).cloned()
    }
}

/// Runs before routing to handlers, so a bad key gets 401 even for unknown ids or paths
/// under the API prefix. Paths outside `/api/partner` and the delivery log are left to
/// the 404 fallback.
pub(crate) async fn authenticate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let guarded = path == "/api/partner"
        || path.starts_with("/api/partner/")
        || path == super::deliver::logs::WEBHOOK_LOGS;
    if !guarded {
        return next.run(request).await;
    }
    match state.accounts.resolve(request.headers()) {
        Some(account) => {
            request.extensions_mut().insert(account);
            next.run(request).await
        }
        None => ApiError::unauthorized().into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_str(value).expect("header"));
        headers
    }

    #[test]
    fn bearer_keys_resolve_to_their_own_account() {
        let accounts = Accounts::new(&["alpha".into(), "beta".into()]);
        let alpha = accounts.resolve(&headers("Bearer alpha")).expect("alpha");
        let beta = accounts.resolve(&headers("bearer beta")).expect("beta");
        assert_ne!(alpha, beta);
        assert_eq!(alpha.id().len(), 64);
        assert!(!alpha.id().contains("alpha"));
        assert_eq!(accounts.resolve(&headers("Bearer gamma")), None);
        assert_eq!(accounts.resolve(&headers("Basic alpha")), None);
        assert_eq!(accounts.resolve(&headers("Bearer ")), None);
        assert_eq!(accounts.resolve(&HeaderMap::new()), None);
    }

    #[test]
    fn a_private_key_can_open_another_keys_account_and_that_key_does_not() {
        let accounts = Accounts::of([("k_private", Account::for_key("sandbox"))]);
        let account = accounts.resolve(&headers("Bearer k_private")).expect("key");
        assert_eq!(account, Account::for_key("sandbox"));
        assert_eq!(accounts.resolve(&headers("Bearer sandbox")), None);
    }
}
