//! Every account at once: read many accounts' subscriptions concurrently (a bounded number
//! at a time), each its result or its failure, and find subscriptions across them. `find`,
//! `list --all-profiles` and the dashboard's Accounts view all come here.

use crate::api::Subscription;
use futures::stream::{self, StreamExt as _};
use std::future::Future;

/// At most this many accounts are read at the same time: a fleet of 30 accounts must not
/// open 30 connections (or run 30 key commands) at once.
pub const CONCURRENCY: usize = 4;

/// The longest search text accepted (a pasted page is a mistake, not a search).
pub const MAX_NEEDLE: usize = 256;

/// One account's answer: what it read, or why it could not be read (one line, cleaned).
#[derive(Debug)]
pub struct AccountRead<T> {
    pub account: String,
    pub result: Result<T, String>,
}

/// Reads every account with `read`, at most `concurrency` at a time, and returns the
/// answers in the order of `accounts` (so output is stable whichever answers first).
pub async fn read_all<T, F, Fut>(
    accounts: Vec<String>,
    concurrency: usize,
    read: F,
) -> Vec<AccountRead<T>>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    stream::iter(accounts)
        .map(|account| {
            let fut = read(account.clone());
            async move {
                AccountRead {
                    account,
                    result: fut.await,
                }
            }
        })
        .buffered(concurrency.max(1))
        .collect()
        .await
}

/// A search across accounts, prepared once: lower-cased, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Needle {
    text: String,
}

/// Why a search text is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NeedleError {
    #[error("the search text is empty")]
    Empty,
    #[error("the search text is longer than {MAX_NEEDLE} characters")]
    TooLong,
}

impl Needle {
    pub fn new(raw: &str) -> Result<Self, NeedleError> {
        let text = crate::text::clean(raw.trim()).to_lowercase();
        if text.is_empty() {
            return Err(NeedleError::Empty);
        }
        if text.chars().count() > MAX_NEEDLE {
            return Err(NeedleError::TooLong);
        }
        Ok(Self { text })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// What a subscription matched on, for the hit's last column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatchedOn {
    /// The id starts with the text.
    Id,
    /// The target URL (or its host) contains the text.
    Target,
    /// A number of its phone filter contains the text.
    Phone(String),
    /// It subscribes to this event type (the whole type, or a group like `message.`).
    Event(String),
}

impl MatchedOn {
    pub fn label(&self) -> String {
        match self {
            MatchedOn::Id => "id".into(),
            MatchedOn::Target => "target".into(),
            MatchedOn::Phone(p) => format!("phone {p}"),
            MatchedOn::Event(e) => format!("event {e}"),
        }
    }
}

/// Whether `sub` is a hit for `needle`: id by prefix, target URL or host by substring
/// (case-insensitive), a phone number by substring, an event type whole or by its group
/// (`message.` matches every `message.*`). Linear in the subscription's size.
pub fn matches(sub: &Subscription, needle: &Needle) -> Option<MatchedOn> {
    let text = needle.as_str();
    if sub.id.to_lowercase().starts_with(text) {
        return Some(MatchedOn::Id);
    }
    if sub.target_url.to_lowercase().contains(text) {
        return Some(MatchedOn::Target);
    }
    if let Some(phone) = sub.phone_filter().iter().find(|p| p.contains(text)) {
        return Some(MatchedOn::Phone(phone.clone()));
    }
    let group = text.ends_with('.');
    sub.subscribed_events
        .iter()
        .find(|e| {
            let e = e.to_lowercase();
            e == text || (group && e.starts_with(text))
        })
        .map(|e| MatchedOn::Event(e.to_string()))
}

/// Active, paused, and how many have an error or warning finding: one account's summary
/// for the Accounts view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub active: usize,
    pub paused: usize,
    pub errors: usize,
    pub warnings: usize,
}

impl Counts {
    /// Counts `subs`, judging each with the findings engine (`sandbox` as for the list).
    pub fn of(subs: &[Subscription], sandbox: bool) -> Self {
        let active = subs.iter().filter(|s| s.is_active).count();
        let mut counts = Counts {
            active,
            paused: subs.len() - active,
            ..Counts::default()
        };
        // No lines or catalogue here: those rules wait for the account's own view.
        let account = crate::diagnose::Account {
            lines: None,
            catalog: &[],
            catalog_from_server: false,
            subscriptions: subs,
            sandbox,
        };
        for findings in crate::diagnose::findings_for_all(&account) {
            match crate::diagnose::worst(&findings) {
                Some(crate::diagnose::Severity::Error) => counts.errors += 1,
                Some(crate::diagnose::Severity::Warning) => counts.warnings += 1,
                _ => {}
            }
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(id: &str, url: &str, events: &[&str], phones: Option<&[&str]>) -> Subscription {
        serde_json::from_value(serde_json::json!({
            "id": id,
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
            "target_url": url,
            "subscribed_events": events,
            "phone_numbers": phones,
            "is_active": true,
        }))
        .expect("a subscription")
    }

    #[test]
    fn id_matches_by_prefix_only() {
        let s = sub(
            "b8a2c0de-1111-4222-8333-944455556666",
            "https://x.example/h",
            &[],
            None,
        );
        assert_eq!(
            matches(&s, &Needle::new("B8A2").unwrap()),
            Some(MatchedOn::Id)
        );
        assert_eq!(matches(&s, &Needle::new("1111").unwrap()), None);
    }

    #[test]
    fn target_host_phone_and_event() {
        let s = sub(
            "00000000-0000-4000-8000-000000000001",
            "https://Hooks.Acme.com/linq?version=2026-02-03",
            &["message.received", "message.failed"],
            Some(&["+15551234567"]),
        );
        assert_eq!(
            matches(&s, &Needle::new("hooks.acme.COM").unwrap()),
            Some(MatchedOn::Target)
        );
        assert_eq!(
            matches(&s, &Needle::new("5551234").unwrap()),
            Some(MatchedOn::Phone("+15551234567".into()))
        );
        assert_eq!(
            matches(&s, &Needle::new("message.failed").unwrap()),
            Some(MatchedOn::Event("message.failed".into()))
        );
        assert_eq!(
            matches(&s, &Needle::new("message.").unwrap()),
            Some(MatchedOn::Event("message.received".into()))
        );
        // A part of an event type that is not its group is not a hit.
        assert_eq!(matches(&s, &Needle::new("failed").unwrap()), None);
        assert_eq!(matches(&s, &Needle::new("globex").unwrap()), None);
    }

    #[test]
    fn needle_limits() {
        assert_eq!(Needle::new("  "), Err(NeedleError::Empty));
        assert_eq!(
            Needle::new(&"a".repeat(MAX_NEEDLE + 1)),
            Err(NeedleError::TooLong)
        );
        // Control characters never reach the match (or the screen).
        assert_eq!(Needle::new("ac\u{1b}me").unwrap().as_str(), "acme");
    }

    #[tokio::test]
    async fn read_all_keeps_order_bounds_concurrency_and_isolates_failures() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let names: Vec<String> = (0..10).map(|i| format!("acct{i}")).collect();
        let reads = read_all(names, 4, |name| {
            let running = running.clone();
            let most = most.clone();
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                // Later accounts answer first: the order must still be the given one.
                let n: u64 = name[4..].parse().unwrap_or(0);
                tokio::time::sleep(std::time::Duration::from_millis(20 - n)).await;
                running.fetch_sub(1, Ordering::SeqCst);
                if name == "acct3" {
                    Err("401: the key was refused".to_string())
                } else {
                    Ok(name.len())
                }
            }
        })
        .await;
        let order: Vec<&str> = reads.iter().map(|r| r.account.as_str()).collect();
        assert_eq!(order[0], "acct0");
        assert_eq!(order[9], "acct9");
        assert!(most.load(Ordering::SeqCst) <= 4);
        assert_eq!(reads.iter().filter(|r| r.result.is_err()).count(), 1);
        assert!(reads[3].result.is_err());
    }
}
