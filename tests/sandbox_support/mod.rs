//! Shared helpers for the sandbox integration tests: a sandbox on 127.0.0.1:0 backed by a
//! temporary database, and a raw-HTTP client (no dependency on the crate's own client).
#![allow(dead_code)] // each test crate uses a different subset

pub mod receiver;

use linq_hooks::sandbox::{self, DeliveryOptions, SandboxHandle};
use reqwest::Method;
use serde_json::Value;
use std::path::PathBuf;
use tempfile::TempDir;

pub const KEY: &str = "test-key";

pub struct Sandbox {
    /// `http://127.0.0.1:PORT/api/partner`
    pub base: String,
    handle: Option<SandboxHandle>,
    dir: TempDir,
    keys: Vec<String>,
    seed: bool,
    delivery: DeliveryOptions,
    http: reqwest::Client,
}

impl Sandbox {
    /// One account (`KEY`), not seeded: starts empty.
    pub async fn empty() -> Sandbox {
        Self::start(&[KEY], false).await
    }

    pub async fn start(keys: &[&str], seed: bool) -> Sandbox {
        Self::start_with(keys, seed, DeliveryOptions::default()).await
    }

    /// A sandbox with delivery options (tests pass a loopback `deliver_to`: no delivery
    /// may leave 127.0.0.1).
    pub async fn start_with(keys: &[&str], seed: bool, delivery: DeliveryOptions) -> Sandbox {
        let dir = tempfile::tempdir().expect("tempdir");
        let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        Self::start_in(dir, keys, seed, delivery).await
    }

    async fn start_in(
        dir: TempDir,
        keys: Vec<String>,
        seed: bool,
        delivery: DeliveryOptions,
    ) -> Sandbox {
        let db = dir.path().join("sandbox.db");
        let (base, handle) = sandbox::spawn_with(
            "127.0.0.1:0".parse().unwrap(),
            db,
            keys.clone(),
            seed,
            delivery.clone(),
        )
        .await
        .expect("sandbox starts");
        Sandbox {
            base,
            handle: Some(handle),
            dir,
            keys,
            seed,
            delivery,
            http: reqwest::Client::new(),
        }
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("sandbox.db")
    }

    /// Graceful shutdown, then a new server on the same database file.
    pub async fn restart(self, keys: &[&str], seed: bool) -> Sandbox {
        let Sandbox {
            mut handle,
            dir,
            delivery,
            ..
        } = self;
        handle
            .take()
            .expect("running")
            .shutdown()
            .await
            .expect("clean shutdown");
        let keys = keys.iter().map(|k| k.to_string()).collect();
        Self::start_in(dir, keys, seed, delivery).await
    }

    pub async fn shutdown(mut self) {
        if let Some(handle) = self.handle.take() {
            handle.shutdown().await.expect("clean shutdown");
        }
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with("/v1/") {
            // The delivery log sits beside /api/partner (linq-api.md §12).
            return format!("{}{path}", self.base.trim_end_matches("/partner"));
        }
        if path.starts_with("/_sandbox/") {
            // The sandbox-only endpoints sit next to /v3 under the API base.
            return format!("{}{path}", self.base);
        }
        format!("{}/v3/{}", self.base, path.trim_start_matches('/'))
    }

    /// Fully general request. `key: None` sends no Authorization header.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<(&str, Vec<u8>)>,
    ) -> Reply {
        let mut request = self.http.request(method, self.url(path));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        if let Some((content_type, bytes)) = body {
            request = request.header("content-type", content_type).body(bytes);
        }
        let response = request.send().await.expect("request reaches the sandbox");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let trace_id = header("x-trace-id");
        let content_type = header("content-type");
        let status = response.status().as_u16();
        let body = response.text().await.expect("body");
        Reply {
            status,
            trace_id,
            content_type,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, Some(KEY), None).await
    }

    pub async fn get_as(&self, key: &str, path: &str) -> Reply {
        self.send(Method::GET, path, Some(key), None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.post_as(KEY, path, body).await
    }

    pub async fn post_as(&self, key: &str, path: &str, body: &Value) -> Reply {
        let bytes = serde_json::to_vec(body).unwrap();
        self.send(
            Method::POST,
            path,
            Some(key),
            Some(("application/json", bytes)),
        )
        .await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Reply {
        let bytes = serde_json::to_vec(body).unwrap();
        self.send(
            Method::PUT,
            path,
            Some(KEY),
            Some(("application/json", bytes)),
        )
        .await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, Some(KEY), None).await
    }

    /// Creates a subscription and returns its JSON (asserting 201).
    pub async fn create(&self, body: &Value) -> Value {
        let reply = self.post("webhook-subscriptions", body).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.json()
    }

    pub async fn list(&self) -> Vec<Value> {
        self.list_as(KEY).await
    }

    pub async fn list_as(&self, key: &str) -> Vec<Value> {
        let reply = self.get_as(key, "webhook-subscriptions").await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.json()["subscriptions"]
            .as_array()
            .expect("subscriptions array")
            .clone()
    }
}

pub struct Reply {
    pub status: u16,
    pub trace_id: Option<String>,
    pub content_type: Option<String>,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }

    /// Asserts the Linq error envelope (linq-api.md §5.1) and that the message mentions
    /// `mentions`. Returns the message.
    pub fn assert_error(&self, status: u16, code: u64, mentions: &str) -> String {
        assert_eq!(self.status, status, "status of {}", self.body);
        assert_eq!(
            self.content_type.as_deref(),
            Some("application/json"),
            "content type"
        );
        let body = self.json();
        assert_eq!(body["success"], Value::Bool(false), "{body}");
        assert_eq!(body["error"]["status"], status, "{body}");
        assert_eq!(body["error"]["code"], code, "{body}");
        assert_eq!(
            body["error"]["doc_url"],
            format!(
                "https://docs.linqapp.com/error/codes/{}xxx/{code}/",
                code / 1000
            )
        );
        let message = body["error"]["message"]
            .as_str()
            .expect("message")
            .to_owned();
        assert!(
            message.contains(mentions),
            "message {message:?} should mention {mentions:?}"
        );
        let trace_id = body["trace_id"].as_str().expect("trace_id");
        assert_trace_id(trace_id);
        assert_eq!(
            self.trace_id.as_deref(),
            Some(trace_id),
            "X-Trace-ID = trace_id"
        );
        message
    }

    /// Every response carries a valid X-Trace-ID header.
    pub fn assert_traced(&self) {
        assert_trace_id(self.trace_id.as_deref().expect("X-Trace-ID header"));
    }
}

pub fn assert_trace_id(id: &str) {
    assert_eq!(id.len(), 32, "{id}");
    assert!(
        id.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')),
        "{id} is lowercase hex"
    );
}

/// `2026-02-05T19:30:00.123Z`: RFC 3339 UTC with exactly three fractional digits.
pub fn assert_timestamp(value: &Value) {
    let text = value.as_str().expect("timestamp string");
    let bytes = text.as_bytes();
    let shape_ok = text.len() == 24
        && text.ends_with('Z')
        && bytes[10] == b'T'
        && bytes[19] == b'.'
        && text[20..23].bytes().all(|b| b.is_ascii_digit());
    assert!(shape_ok, "{text} is not YYYY-MM-DDTHH:MM:SS.mmmZ");
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .expect("RFC 3339");
}

/// The fields every subscription response has, in any order.
pub const SUBSCRIPTION_FIELDS: [&str; 9] = [
    "id",
    "created_at",
    "updated_at",
    "is_active",
    "subscribed_events",
    "target_url",
    "phone_numbers",
    "routing_id_header",
    "routing_key_header",
];

pub fn assert_subscription_shape(sub: &Value) {
    let object = sub.as_object().expect("object");
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    let mut expected = SUBSCRIPTION_FIELDS.to_vec();
    expected.sort_unstable();
    assert_eq!(keys, expected, "exactly the subscription fields: {sub}");
    assert_timestamp(&sub["created_at"]);
    assert_timestamp(&sub["updated_at"]);
    assert!(sub["is_active"].is_boolean());
    assert!(sub["subscribed_events"].is_array());
    assert!(sub["phone_numbers"].is_null() || sub["phone_numbers"].is_array());
}
