//! The demo account seeded into fresh accounts, from `assets/seed.json`.
//!
//! Each seeded subscription in the file is a create body plus `is_active`, `created_at` and
//! `updated_at`, and goes through the same validation as an API request, so the seed can
//! never hold data the API itself would refuse. Ids and signing secrets are generated per
//! account: two accounts never share a secret.

use super::model::{
    parse_millis, PhoneLine, Reputation, SigningSecret, Subscription, REPUTATION_DOC_URL,
};
use super::rules::{self, JsonObject};
use super::store::DemoAccount;
use serde::Deserialize;

const SEED_JSON: &str = include_str!("../../assets/seed.json");

#[derive(Deserialize)]
struct SeedFile {
    phone_lines: Vec<SeedLine>,
    subscriptions: Vec<JsonObject>,
}

#[derive(Deserialize)]
struct SeedLine {
    phone_number: String,
    line_type: String,
    reputation: String,
    forwarding_number: Option<String>,
}

/// A fresh copy of the demo account, with new ids and secrets. An error means the bundled
/// seed file is broken (a build defect, covered by a unit test).
pub(crate) fn demo_account() -> Result<DemoAccount, String> {
    let file: SeedFile =
        serde_json::from_str(SEED_JSON).map_err(|e| format!("assets/seed.json: {e}"))?;
    let lines = file
        .phone_lines
        .into_iter()
        .map(phone_line)
        .collect::<Result<Vec<_>, _>>()?;
    let subscriptions = file
        .subscriptions
        .iter()
        .map(|body| Ok((subscription(body)?, SigningSecret::generate())))
        .collect::<Result<Vec<_>, String>>()?;
    Ok(DemoAccount {
        lines,
        subscriptions,
    })
}

fn phone_line(line: SeedLine) -> Result<PhoneLine, String> {
    let numbers_valid = rules::is_e164(&line.phone_number)
        && line.forwarding_number.as_deref().is_none_or(rules::is_e164);
    let known_type = ["iMessage", "RCS"].contains(&line.line_type.as_str());
    let known_status = ["HEALTHY", "AT_RISK", "CRITICAL"].contains(&line.reputation.as_str());
    if !(numbers_valid && known_type && known_status) {
        return Err(format!("seed line {} is invalid", line.phone_number));
    }
    Ok(PhoneLine {
        id: uuid::Uuid::new_v4().to_string(),
        phone_number: line.phone_number,
        reputation: Reputation {
            status: line.reputation,
            doc_url: REPUTATION_DOC_URL.to_owned(),
        },
        forwarding_number: line.forwarding_number,
        line_type: line.line_type,
    })
}

fn subscription(body: &JsonObject) -> Result<Subscription, String> {
    let new = rules::new_subscription(body).map_err(|e| format!("seed: {}", e.message))?;
    let timestamp = |field: &str| {
        body.get(field)
            .and_then(|v| v.as_str())
            .and_then(parse_millis)
            .ok_or_else(|| format!("seed {}: bad {field}", new.target_url))
    };
    let created_at = timestamp("created_at")?;
    let updated_at = timestamp("updated_at")?;
    let is_active = body
        .get("is_active")
        .and_then(|v| v.as_bool())
        .ok_or_else(|| format!("seed {}: is_active missing", new.target_url))?;
    Ok(Subscription {
        id: uuid::Uuid::new_v4().to_string(),
        created_at,
        updated_at: updated_at.max(created_at),
        is_active,
        subscribed_events: new.subscribed_events,
        target_url: new.target_url,
        phone_numbers: new.phone_numbers,
        routing: new.routing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn bundled_seed_is_valid_and_varied() {
        let demo = demo_account().expect("seed is valid");
        assert!((3..=4).contains(&demo.lines.len()));
        assert!(demo.lines.iter().any(|l| l.line_type == "RCS"));
        assert!(demo.lines.iter().any(|l| l.reputation.status == "AT_RISK"));

        let subs: Vec<_> = demo.subscriptions.iter().map(|(s, _)| s).collect();
        assert!((10..=14).contains(&subs.len()));
        let urls: HashSet<_> = subs.iter().map(|s| &s.target_url).collect();
        assert_eq!(urls.len(), subs.len(), "target_url is unique per account");
        assert!(subs.iter().any(|s| !s.is_active) && subs.iter().any(|s| s.is_active));
        assert!(subs.iter().any(|s| s.phone_numbers.is_empty()));
        assert!(subs.iter().any(|s| s.routing.key_header().is_some()));
        assert!(subs
            .iter()
            .any(|s| s.target_url.contains("version=2025-01-01")));
        assert!(subs.iter().any(|s| !s.target_url.contains("version=")));
        let events: HashSet<_> = subs.iter().flat_map(|s| &s.subscribed_events).collect();
        assert!(events
            .iter()
            .any(|e| e.starts_with("webhook_subscription.")));
        assert!(events.iter().any(|e| e.starts_with("call.")));
        // Phone filters only name the account's own lines.
        let lines: HashSet<_> = demo.lines.iter().map(|l| &l.phone_number).collect();
        assert!(subs
            .iter()
            .flat_map(|s| &s.phone_numbers)
            .all(|n| lines.contains(n)));
    }

    #[test]
    fn every_copy_has_fresh_ids_and_secrets() {
        let a = demo_account().expect("seed");
        let b = demo_account().expect("seed");
        assert_ne!(a.subscriptions[0].0.id, b.subscriptions[0].0.id);
        assert_ne!(a.subscriptions[0].1, b.subscriptions[0].1);
        assert_ne!(a.lines[0].id, b.lines[0].id);
    }
}
