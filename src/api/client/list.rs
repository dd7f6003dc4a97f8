//! Reading the account's list: typed (a row that does not fit is kept, its bad fields
//! marked), and, for a refresh, skipped when the answer is the one the caller shows.

use super::first_rows::{first_rows, FirstRows};
use super::list_halves::{self, Halves};
use super::{Answer, LinqClient};
use crate::api::error::ApiError;
use crate::api::model::{Subscription, SubscriptionList};
use reqwest::Method;
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

/// From this size of answer on (~1,900 rows), its first rows are worth showing before
/// the rest: below it the whole list is read in ~2 ms.
const FIRST_ROWS_FROM: usize = 1 << 20;

/// Who wants a list's first rows early ([`LinqClient::list_showing_first`]): how many,
/// and what to do with them.
pub struct FirstScreen {
    pub rows: usize,
    /// Gives back what answers once they are on screen: the whole list is read only then
    /// (or after [`FIRST_ROWS_WAIT`]), so that its readers do not take the cores the
    /// screen is drawn with.
    pub show: Box<dyn FnOnce(FirstRows) -> oneshot::Receiver<()> + Send>,
}

/// The longest the whole list waits for its first rows to be drawn.
const FIRST_ROWS_WAIT: Duration = Duration::from_millis(50);

/// What [`LinqClient::list_unless`] found.
#[derive(Debug)]
pub enum Listed {
    /// The body had the digest the caller knew.
    Unchanged,
    Rows {
        rows: Vec<Subscription>,
        digest: u64,
    },
}

/// A list answer's digest: a fast 64-bit hash (not keyed) of every byte, and the length;
/// two different lists sharing it by accident is negligible. It only ever spares decoding
/// a list the caller already shows, never a security decision: the server can send any
/// list anyway.
pub fn body_digest(body: &[u8]) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    h.write(body);
    h.write_usize(body.len());
    h.finish()
}

impl LinqClient {
    /// Every subscription of the account. A row the server sent in a shape we cannot read
    /// is kept, its bad fields marked (`Subscription::unreadable`), rather than failing the
    /// whole list.
    pub async fn list(&self) -> Result<Vec<Subscription>, ApiError> {
        let a = self
            .send(Method::GET, "/v3/webhook-subscriptions", None)
            .await?;
        crate::logging::startup("list answer read");
        self.decode_list(a)
    }

    /// [`LinqClient::list`], unless the answer's body has the digest `known` (that of the
    /// rows the caller shows): then it is not decoded, and its memory is freed at once.
    /// The digest covers every byte of the body (a 64-bit hash and the length).
    pub async fn list_unless(&self, known: Option<u64>) -> Result<Listed, ApiError> {
        self.list_showing_first(known, None).await
    }

    /// [`LinqClient::list_unless`]; with `first`, a large answer's first rows in list
    /// order ([`FirstRows`]) are handed to its callback before the whole list is read,
    /// so that a screen can show them ~5 ms sooner at 10,000 rows.
    pub async fn list_showing_first(
        &self,
        known: Option<u64>,
        first: Option<FirstScreen>,
    ) -> Result<Listed, ApiError> {
        let mut a = self
            .send(Method::GET, "/v3/webhook-subscriptions", None)
            .await?;
        crate::logging::startup("list answer read");
        // Hashed before anything else only when it may spare the rest: a first load's
        // digest waits until its first rows are out.
        let mut digest = None;
        if let Some(known) = known {
            let hashed = body_digest(&a.body);
            if hashed == known {
                return Ok(Listed::Unchanged);
            }
            digest = Some(hashed);
        }
        if let Some(FirstScreen { rows, show }) = first {
            if a.body.len() >= FIRST_ROWS_FROM {
                let body = Arc::new(std::mem::take(&mut a.body));
                let found = first_rows(&body, rows);
                a.body = Arc::try_unwrap(body).unwrap_or_else(|shared| shared.as_ref().clone());
                if let Some(first) = found {
                    crate::logging::startup("first rows found");
                    let drawn = show(first);
                    let _ = tokio::time::timeout(FIRST_ROWS_WAIT, drawn).await;
                }
            }
        }
        let digest = digest.unwrap_or_else(|| body_digest(&a.body));
        Ok(Listed::Rows {
            rows: self.decode_list(a)?,
            digest,
        })
    }

    fn decode_list(&self, mut a: Answer) -> Result<Vec<Subscription>, ApiError> {
        // A large list on two cores; then the common case in one pass; row by row only
        // when something does not fit.
        match list_halves::read(std::mem::take(&mut a.body)) {
            Halves::Rows(rows) => {
                crate::logging::startup("list decoded");
                return Ok(rows);
            }
            Halves::Whole(body) => a.body = body,
        }
        // The body is checked as UTF-8 once, so the parser need not check each string again.
        let parsed = match std::str::from_utf8(&a.body) {
            Ok(text) => serde_json::from_str::<SubscriptionList>(text),
            Err(_) => serde_json::from_slice::<SubscriptionList>(&a.body),
        };
        if let Ok(list) = parsed {
            crate::logging::startup("list decoded");
            return Ok(list.subscriptions);
        }
        #[derive(serde::Deserialize)]
        struct Rows {
            subscriptions: Vec<serde_json::Value>,
        }
        let rows: Rows = self.decode(&a)?;
        Ok(rows
            .subscriptions
            .iter()
            .map(|row| {
                Subscription::deserialize(row)
                    .unwrap_or_else(|_| Subscription::from_row_lenient(row))
            })
            .collect())
    }
}
