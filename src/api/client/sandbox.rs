//! The sandbox's own endpoints, next to `/v3` under the base URL. Linq's API has none of
//! them: on a live account each of these fails with the server's 404 (an `ApiError` like any
//! other, `status() == Some(404)`).

use super::{subscription_path, to_body, LinqClient};
use crate::api::error::ApiError;
use crate::api::model::{DeliveryAttempt, DeliveryAttemptList, SigningSecret, TestEvent};
use reqwest::Method;
use serde::Deserialize;
use zeroize::Zeroize;

impl LinqClient {
    /// Makes a test event (`POST /_sandbox/v1/events`) and queues its deliveries. Never
    /// retried, like every POST: a second attempt would be a second event.
    pub async fn send_test_event(
        &self,
        event_type: &str,
        phone_number: Option<&str>,
    ) -> Result<TestEvent, ApiError> {
        let mut body = serde_json::json!({ "event_type": event_type });
        if let Some(number) = phone_number {
            body["phone_number"] = serde_json::Value::from(number);
        }
        let a = self
            .send(Method::POST, "/_sandbox/v1/events", Some(to_body(&body)?))
            .await?;
        self.decode(&a)
    }

    /// The account's delivery attempts, newest first (`GET /_sandbox/v1/deliveries`), of
    /// one subscription or all; `limit` is clamped to 1..=500.
    pub async fn deliveries(
        &self,
        subscription_id: Option<&str>,
        limit: u32,
    ) -> Result<Vec<DeliveryAttempt>, ApiError> {
        // Built before any await: the serializer is not Send.
        let path = {
            let mut query = url::form_urlencoded::Serializer::new(String::new());
            if let Some(id) = subscription_id {
                // The same shape check as a subscription path.
                subscription_path(id)?;
                query.append_pair("subscription_id", id);
            }
            query.append_pair("limit", &limit.clamp(1, 500).to_string());
            format!("/_sandbox/v1/deliveries?{}", query.finish())
        };
        let a = self.send(Method::GET, &path, None).await?;
        Ok(self.decode::<DeliveryAttemptList>(&a)?.deliveries)
    }

    /// A subscription's signing secret, from the sandbox only (Linq shows it once, at
    /// create): `listen` verifies deliveries with it.
    pub async fn sandbox_signing_secret(&self, id: &str) -> Result<SigningSecret, ApiError> {
        #[derive(Deserialize)]
        struct SecretOnly {
            signing_secret: SigningSecret,
        }
        // The same shape check as a subscription path keeps `/` and `?` out.
        subscription_path(id)?;
        let path = format!("/_sandbox/v1/webhook-subscriptions/{id}/secret");
        let mut a = self.send(Method::GET, &path, None).await?;
        let secret = self.decode::<SecretOnly>(&a).map(|s| s.signing_secret);
        a.body.zeroize();
        secret
    }

    /// Registers `url` (http on loopback) as the account's delivery receiver: every
    /// delivery of the account goes there until [`LinqClient::unregister_forward`], or
    /// until it expires unrenewed (a minute). Returns the URL of another live receiver it
    /// took over from, if any.
    pub async fn register_forward(&self, url: &str) -> Result<Option<String>, ApiError> {
        let body = to_body(&serde_json::json!({ "url": url }))?;
        let a = self
            .send(Method::PUT, "/_sandbox/v1/forward", Some(body))
            .await?;
        Ok(self.decode::<ForwardAnswer>(&a)?.replaced.map(|f| f.url))
    }

    /// Renews the registration of `url`; if another receiver took over meanwhile, nothing
    /// changes and its URL is returned.
    pub async fn renew_forward(&self, url: &str) -> Result<Renewal, ApiError> {
        let body = to_body(&serde_json::json!({ "url": url, "renew": true }))?;
        let a = self
            .send(Method::PUT, "/_sandbox/v1/forward", Some(body))
            .await?;
        let answer = self.decode::<ForwardAnswer>(&a)?;
        Ok(match (answer.renewed, answer.forward) {
            (Some(false), Some(other)) => Renewal::TakenOver { by: other.url },
            _ => Renewal::Renewed,
        })
    }

    /// Removes the account's receiver; with `only`, only if it is still that one.
    pub async fn unregister_forward(&self, only: Option<&str>) -> Result<(), ApiError> {
        let path = match only {
            Some(url) => format!(
                "/_sandbox/v1/forward?{}",
                url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("url", url)
                    .finish()
            ),
            None => "/_sandbox/v1/forward".to_owned(),
        };
        self.send(Method::DELETE, &path, None).await.map(|_| ())
    }
}

/// The sandbox's answer to `PUT /_sandbox/v1/forward`.
#[derive(Deserialize)]
struct ForwardAnswer {
    forward: Option<ForwardUrl>,
    #[serde(default)]
    replaced: Option<ForwardUrl>,
    #[serde(default)]
    renewed: Option<bool>,
}

#[derive(Deserialize)]
struct ForwardUrl {
    url: String,
}

/// What renewing a `listen` registration found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Renewal {
    Renewed,
    /// Another receiver registered since (a second `listen`): deliveries go there now.
    TakenOver {
        by: String,
    },
}
