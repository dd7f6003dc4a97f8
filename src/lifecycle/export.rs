//! The account's subscriptions as a document: sorted by target URL (events and phones
//! sorted too) so that two exports diff line by line in git. Never a secret: the API's
//! list carries none.

use super::document::Format;
use crate::api::Subscription;
use serde::Serialize;

/// The `[account]` table: which account and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportAccount {
    pub name: String,
    pub host: String,
    /// RFC 3339, UTC.
    pub exported_at: String,
}

/// One subscription as the file holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct ExportEntry<'a> {
    id: &'a str,
    target_url: &'a str,
    subscribed_events: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone_numbers: Option<Vec<&'a str>>,
    is_active: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    routing_key_header: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    routing_id_header: Option<&'a str>,
}

#[derive(Serialize)]
struct ExportDoc<'a> {
    account: &'a ExportAccount,
    subscriptions: Vec<ExportEntry<'a>>,
}

fn sorted<S: AsRef<str>>(items: &[S]) -> Vec<&str> {
    let mut out: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    out.sort_unstable();
    out.dedup();
    out
}

fn header(h: &Option<String>) -> Option<&str> {
    h.as_deref().filter(|h| !h.is_empty())
}

fn entries(subs: &[Subscription]) -> Vec<ExportEntry<'_>> {
    let mut out: Vec<ExportEntry> = subs
        .iter()
        .map(|s| ExportEntry {
            id: &s.id,
            target_url: &s.target_url,
            subscribed_events: sorted(&s.subscribed_events),
            phone_numbers: (!s.phone_filter().is_empty()).then(|| sorted(s.phone_filter())),
            is_active: s.is_active,
            routing_key_header: header(&s.routing_key_header),
            // The id header means nothing without the key header.
            routing_id_header: header(&s.routing_key_header)
                .and_then(|_| header(&s.routing_id_header)),
        })
        .collect();
    out.sort_by(|a, b| a.target_url.cmp(b.target_url).then(a.id.cmp(b.id)));
    out
}

/// The subscriptions whose fields the server sent in a shape we could not read: an export
/// of them would write placeholders, so they are refused by the caller.
pub fn unreadable(subs: &[Subscription]) -> Vec<&Subscription> {
    subs.iter().filter(|s| !s.unreadable.is_empty()).collect()
}

pub fn render(account: &ExportAccount, subs: &[Subscription], format: Format) -> String {
    let entries = entries(subs);
    match format {
        Format::Json => {
            let doc = ExportDoc {
                account,
                subscriptions: entries,
            };
            let mut text = escape_controls(serde_json::to_string_pretty(&doc).unwrap_or_default());
            text.push('\n');
            text
        }
        Format::Toml => toml_text(account, &entries),
    }
}

/// JSON text with DEL and the C1 controls escaped too (serde_json escapes only C0): API
/// strings printed on a terminal must not carry a control sequence. Outside strings JSON
/// has no control characters but the newlines of pretty-printing.
pub fn escape_controls(json: String) -> String {
    if !json.chars().any(|c| c.is_control() && c != '\n') {
        return json;
    }
    json.chars()
        .map(|c| match c {
            c if c.is_control() && c != '\n' => format!("\\u{:04x}", u32::from(c)),
            c => c.to_string(),
        })
        .collect()
}

/// Written by hand rather than by a serializer: one event per line diffs better, and the
/// shape is small and fixed.
fn toml_text(account: &ExportAccount, entries: &[ExportEntry]) -> String {
    let mut out = String::with_capacity(256 + entries.len() * 320);
    out.push_str("# linq-hooks export: `linq-hooks plan FILE` compares it with an account.\n");
    out.push_str("[account]\n");
    for (key, value) in [
        ("name", &account.name),
        ("host", &account.host),
        ("exported_at", &account.exported_at),
    ] {
        out.push_str(&format!("{key} = {}\n", toml_string(value)));
    }
    for e in entries {
        out.push_str("\n[[subscriptions]]\n");
        out.push_str(&format!("id = {}\n", toml_string(e.id)));
        out.push_str(&format!("target_url = {}\n", toml_string(e.target_url)));
        toml_list(&mut out, "subscribed_events", &e.subscribed_events);
        if let Some(phones) = &e.phone_numbers {
            toml_list(&mut out, "phone_numbers", phones);
        }
        out.push_str(&format!("is_active = {}\n", e.is_active));
        for (key, value) in [
            ("routing_key_header", e.routing_key_header),
            ("routing_id_header", e.routing_id_header),
        ] {
            if let Some(v) = value {
                out.push_str(&format!("{key} = {}\n", toml_string(v)));
            }
        }
    }
    out
}

fn toml_list(out: &mut String, key: &str, items: &[&str]) {
    out.push_str(key);
    out.push_str(" = [\n");
    for item in items {
        out.push_str("  ");
        out.push_str(&toml_string(item));
        out.push_str(",\n");
    }
    out.push_str("]\n");
}

/// A TOML basic string: quotes, backslashes and control characters escaped.
fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::document::{parse, Format};

    fn sub(id: &str, url: &str, events: &[&str], phones: Option<&[&str]>) -> Subscription {
        serde_json::from_value(serde_json::json!({
            "id": id, "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
            "is_active": true, "subscribed_events": events, "target_url": url,
            "phone_numbers": phones, "signing_secret": "whsec_never",
        }))
        .expect("subscription")
    }

    fn account() -> ExportAccount {
        ExportAccount {
            name: "staging".into(),
            host: "api.example".into(),
            exported_at: "2026-12-06T16:00:00Z".into(),
        }
    }

    #[test]
    fn sorted_by_url_with_sorted_lists_and_parses_back_in_both_formats() {
        let subs = vec![
            sub(
                "b2c3d4e5-f6a7-8901-bcde-f23456789012",
                "https://z.example/\"odd\\path\u{1b}\u{9b}",
                &["message.sent", "message.received", "message.sent"],
                Some(&["+447700900123", "+12025550142"]),
            ),
            sub(
                "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
                "https://a.example/h",
                &["x.y"],
                None,
            ),
        ];
        for format in [Format::Toml, Format::Json] {
            let text = render(&account(), &subs, format);
            assert!(!text.contains("whsec"), "never a secret");
            assert!(
                !text.contains(['\u{1b}', '\u{9b}']),
                "control characters escaped"
            );
            let doc = parse(&text, format).expect("an export parses back");
            let urls: Vec<&str> = doc
                .entries
                .iter()
                .map(|e| e.target_url.value.as_str())
                .collect();
            assert_eq!(
                urls,
                [
                    "https://a.example/h",
                    "https://z.example/\"odd\\path\u{1b}\u{9b}"
                ]
            );
            let second = &doc.entries[1];
            let events: Vec<&str> = second
                .subscribed_events
                .value
                .iter()
                .map(|e| e.value.as_str())
                .collect();
            assert_eq!(events, ["message.received", "message.sent"]);
            let phones: Vec<&str> = second
                .phone_numbers
                .as_ref()
                .expect("phones")
                .value
                .iter()
                .map(|p| p.value.as_str())
                .collect();
            assert_eq!(phones, ["+12025550142", "+447700900123"]);
            assert!(
                doc.entries[0].phone_numbers.is_none(),
                "absent = every line"
            );
            assert_eq!(doc.account.expect("account").name, "staging");
        }
    }
}
