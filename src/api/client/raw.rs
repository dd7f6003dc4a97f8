//! Raw JSON for the headless commands' `--json`: each object exactly as the API sent it,
//! through the same `send` as the typed calls (retries, timeouts, headers, errors).

use super::{subscription_path, to_body, Answer, LinqClient};
use crate::api::error::ApiError;
use crate::api::model::{CreatedSubscription, NewSubscription, SubscriptionPatch};
use reqwest::Method;
use serde_json::value::RawValue;
use zeroize::Zeroizing;

impl LinqClient {
    /// `GET /v3/webhook-subscriptions`: the answer's body, whose [`RawList::items`] are the
    /// items of `subscriptions`, verbatim — objects or not: one bad row must not hide the
    /// others (the caller counts what it cannot read).
    pub async fn list_raw(&self) -> Result<RawList, ApiError> {
        let a = self
            .send(Method::GET, "/v3/webhook-subscriptions", None)
            .await?;
        let list = RawList(a);
        // Checked here, so that an answer of the wrong shape is an error of the request.
        list.items()?;
        Ok(list)
    }

    pub async fn get_raw(&self, id: &str) -> Result<Box<RawValue>, ApiError> {
        let a = self
            .send(Method::GET, &subscription_path(id)?, None)
            .await?;
        let item = self.decode::<Box<RawValue>>(&a)?;
        objects_only(&a, vec![item]).map(|mut v| v.remove(0))
    }

    /// PUT with partial semantics, like [`LinqClient::update`].
    pub async fn update_raw(
        &self,
        id: &str,
        patch: &SubscriptionPatch,
    ) -> Result<Box<RawValue>, ApiError> {
        let body = to_body(patch)?;
        let a = self
            .send(Method::PUT, &subscription_path(id)?, Some(body))
            .await?;
        let item = self.decode::<Box<RawValue>>(&a)?;
        objects_only(&a, vec![item]).map(|mut v| v.remove(0))
    }

    /// POST, never retried (see [`LinqClient::create`]). The body must read as a created
    /// subscription, as for `create`, or the outcome counts as unknown.
    pub async fn create_raw(&self, new: &NewSubscription) -> Result<RawCreated, ApiError> {
        let body = to_body(new)?;
        let a = self
            .send(Method::POST, "/v3/webhook-subscriptions", Some(body))
            .await?;
        // From here on the body holds the one-time secret: it is wiped when dropped.
        let body = Zeroizing::new(a.body);
        let created = CreatedSubscription::from_json(&body).map_err(|e| ApiError::Decode {
            status: a.status,
            detail: e.to_string(),
            trace_id: a.trace_id.clone(),
        })?;
        Ok(RawCreated { created, body })
    }

    /// `GET /v3/webhook-events`: the `events` array, verbatim.
    pub async fn events_raw(&self) -> Result<Vec<Box<RawValue>>, ApiError> {
        #[derive(serde::Deserialize)]
        struct Wrapper {
            events: Vec<Box<RawValue>>,
        }
        let a = self.send(Method::GET, "/v3/webhook-events", None).await?;
        Ok(self.decode::<Wrapper>(&a)?.events)
    }

    /// `GET /v3/phone_numbers`: the objects of `phone_numbers`, verbatim.
    pub async fn phones_raw(&self) -> Result<Vec<Box<RawValue>>, ApiError> {
        #[derive(serde::Deserialize)]
        struct Wrapper {
            phone_numbers: Vec<Box<RawValue>>,
        }
        let a = self.send(Method::GET, "/v3/phone_numbers", None).await?;
        let items = self.decode::<Wrapper>(&a)?.phone_numbers;
        objects_only(&a, items)
    }
}

/// A create's answer: parsed, and the body bytes as sent (they hold the signing secret and
/// are wiped on drop).
#[derive(Debug)]
pub struct RawCreated {
    pub created: CreatedSubscription,
    pub body: Zeroizing<Vec<u8>>,
}

/// The body of a list answer. Its items borrow from it: 10,000 subscriptions are read
/// without copying each object out of the body.
pub struct RawList(Answer);

impl RawList {
    /// The items of `subscriptions`, each exactly as the API sent it (an item that is not
    /// an object is the caller's to count as unreadable).
    pub fn items(&self) -> Result<Vec<&RawValue>, ApiError> {
        #[derive(serde::Deserialize)]
        struct Wrapper<'a> {
            #[serde(borrow)]
            subscriptions: Vec<&'a RawValue>,
        }
        let a = &self.0;
        let items = serde_json::from_slice::<Wrapper>(&a.body)
            .map_err(|e| ApiError::Decode {
                status: a.status,
                detail: e.to_string(),
                trace_id: a.trace_id.clone(),
            })?
            .subscriptions;
        Ok(items)
    }
}

/// A list item or a single resource that is not a JSON object is not what the API
/// documents: a decode error, like the typed calls give.
fn objects_only<T: std::ops::Deref<Target = RawValue>>(
    a: &Answer,
    items: Vec<T>,
) -> Result<Vec<T>, ApiError> {
    match items
        .iter()
        .find(|v| !v.get().trim_start().starts_with('{'))
    {
        Some(_) => Err(ApiError::Decode {
            status: a.status,
            detail: "expected a JSON object".into(),
            trace_id: a.trace_id.clone(),
        }),
        None => Ok(items),
    }
}
