//! The whole file checked before any request, with the rules of the form and the sandbox
//! (`validate`): https URLs, events in the catalogue, E.164 lines, routing header names,
//! and no subscription twice (same id, or the same URL identity). Every problem is kept,
//! each at its place in the file.

use super::document::{
    line_column, parse, parse_unlocated, Document, Entry, Format, Located, Problem,
};
use crate::api::EventType;
use crate::text::clean;
use crate::validate::{
    is_reserved_header, is_subscription_id, normalise_phone, url_identity, validate_e164,
    validate_routing, validate_url_identity, RoutingField,
};
// A local file's keys, at most `MAX_ENTRIES` of them: a fast hash is enough.
use rustc_hash::FxHashMap as HashMap;
use std::collections::hash_map::Entry as Slot;

/// What one entry asks for, normalised: lists sorted and without duplicates, an empty
/// phone list for "every line", empty header names as absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Desired {
    /// The id the file names (it may belong to another account: `plan` decides).
    pub id: Option<String>,
    pub target_url: String,
    /// The URL's identity (the uniqueness rule's normalisation), computed once here so that
    /// the plan need not parse the URL again.
    pub url_identity: String,
    pub events: Vec<EventType>,
    pub phones: Vec<String>,
    pub is_active: bool,
    pub routing_key_header: Option<String>,
    pub routing_id_header: Option<String>,
}

/// Checks every entry; `known_event` is the account's event catalogue.
/// `text` is the file the document was parsed from (for "same as line N").
/// The document is used up: its strings become the entries' (no copy of each).
pub fn check(
    doc: Document,
    text: &str,
    known_event: &dyn Fn(&str) -> bool,
) -> Result<Vec<Desired>, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut desired = Vec::with_capacity(doc.entries.len());
    // Where each entry's URL and id are, for the duplicates below.
    let mut places = Vec::with_capacity(doc.entries.len());
    for entry in doc.entries {
        places.push((entry.target_url.at, entry.id.as_ref().map(|id| id.at)));
        desired.push(check_entry(entry, known_event, &mut problems));
    }
    // identity → place of the first entry that has it, for "same as line N". The keys are
    // the entries' own strings (`Desired::id` is the entry's id in lower case).
    let mut urls: HashMap<&str, usize> = HashMap::default();
    let mut ids: HashMap<&str, usize> = HashMap::default();
    urls.reserve(desired.len());
    ids.reserve(desired.len());
    for (d, &(url_at, id_at)) in desired.iter().zip(&places) {
        match urls.entry(&d.url_identity) {
            Slot::Occupied(first) => problems.push(Problem::new(
                url_at,
                format!(
                    "the same target URL as line {}: a URL can have only one subscription",
                    line_column(text, *first.get()).0
                ),
            )),
            Slot::Vacant(place) => {
                place.insert(url_at);
            }
        }
        if let (Some(key), Some(at)) = (&d.id, id_at) {
            match ids.entry(key) {
                Slot::Occupied(first) => problems.push(Problem::new(
                    at,
                    format!("the same id as line {}", line_column(text, *first.get()).0),
                )),
                Slot::Vacant(place) => {
                    place.insert(at);
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(desired)
    } else {
        problems.sort_by_key(|p| p.at);
        Err(problems)
    }
}

/// The file's text read and checked: in one pass without positions first (the common case,
/// a valid file), and again with positions only when there is a problem to place.
pub fn check_text(
    text: &str,
    format: Format,
    known_event: &dyn Fn(&str) -> bool,
) -> Result<Vec<Desired>, Vec<Problem>> {
    Parsed::new(text, format).check(known_event)
}

/// A file's text parsed and checked by every rule but the catalogue's, waiting for the
/// catalogue: `plan` does this while the account's list and catalogue are on their way.
pub struct Parsed<'a> {
    text: &'a str,
    format: Format,
    /// The entries of a file that passes every other rule (no positions).
    prechecked: Option<Vec<Desired>>,
}

impl<'a> Parsed<'a> {
    pub fn new(text: &'a str, format: Format) -> Self {
        let prechecked =
            parse_unlocated(text, format).and_then(|doc| check(doc, text, &|_: &str| true).ok());
        Self {
            text,
            format,
            prechecked,
        }
    }

    /// Every problem, each at its place; with the catalogue's rule now. A file that passed
    /// the other rules and names only known events needs nothing more; anything else is
    /// read again with positions and judged by every rule at once.
    pub fn check(self, known_event: &dyn Fn(&str) -> bool) -> Result<Vec<Desired>, Vec<Problem>> {
        if let Some(desired) = self.prechecked {
            // `Desired::events` are the names as `check` asks `known_event` about them.
            if desired
                .iter()
                .flat_map(|d| &d.events)
                .all(|e| known_event(e))
            {
                return Ok(desired);
            }
        }
        let doc = parse(self.text, self.format)?;
        check(doc, self.text, known_event)
    }
}

/// `s` without surrounding blanks, reusing it when it has none.
fn trimmed<T: AsRef<str> + for<'s> From<&'s str>>(s: T) -> T {
    match s.as_ref().trim() {
        t if t.len() == s.as_ref().len() => s,
        t => T::from(t),
    }
}

fn check_entry(
    entry: Entry,
    known_event: &dyn Fn(&str) -> bool,
    problems: &mut Vec<Problem>,
) -> Desired {
    let mut problem = |at: usize, message: String| problems.push(Problem::new(at, message));
    let id = entry.id.map(|id| {
        if !is_subscription_id(&id.value) {
            problem(
                id.at,
                format!(
                    "id {:?} is not a subscription id (8-4-4-4-12 hex)",
                    clean(&id.value)
                ),
            );
        }
        let mut id = id.value;
        id.make_ascii_lowercase();
        id
    });
    let url = trimmed(entry.target_url.value);
    // One parse gives both the verdict and the identity.
    let identity = match validate_url_identity(&url) {
        Ok(identity) => identity,
        Err(m) => {
            problem(entry.target_url.at, format!("target_url {m}"));
            url_identity(&url)
        }
    };
    let events_at = entry.subscribed_events.at;
    let mut events: Vec<EventType> = Vec::with_capacity(entry.subscribed_events.value.len());
    for e in entry.subscribed_events.value {
        let name = trimmed(e.value);
        if !known_event(&name) {
            problem(
                e.at,
                format!(
                    "unknown event type {:?} (`linq-hooks events` lists them)",
                    clean(&name)
                ),
            );
        }
        events.push(name);
    }
    events.sort_unstable();
    events.dedup();
    if events.is_empty() {
        problem(
            events_at,
            "subscribed_events is empty: pick at least one event".into(),
        );
    }
    let mut phones: Vec<String> = Vec::new();
    for p in entry.phone_numbers.iter().flat_map(|l| &l.value) {
        let number = normalise_phone(p.value.trim());
        if let Err(m) = validate_e164(&number) {
            problem(p.at, format!("phone number {m}"));
        }
        phones.push(number);
    }
    phones.sort_unstable();
    phones.dedup();
    let header = |h: &Option<Located<String>>| {
        h.as_ref()
            .map(|h| h.value.trim().to_string())
            .filter(|h| !h.is_empty())
    };
    let key = header(&entry.routing_key_header);
    let id_header = header(&entry.routing_id_header);
    if let Err((field, m)) = validate_routing(
        key.as_deref().unwrap_or(""),
        id_header.as_deref().unwrap_or(""),
    ) {
        let at = match field {
            RoutingField::Key => entry.routing_key_header.as_ref(),
            RoutingField::Id => entry.routing_id_header.as_ref(),
        }
        .map_or(entry.at, |h| h.at);
        let name = match field {
            RoutingField::Key => "routing_key_header",
            RoutingField::Id => "routing_id_header",
        };
        problem(at, format!("{name}: {m}"));
    } else {
        for (name, header) in [
            ("routing_key_header", &entry.routing_key_header),
            ("routing_id_header", &entry.routing_id_header),
        ] {
            if let Some(h) = header
                .as_ref()
                .filter(|h| is_reserved_header(h.value.trim()))
            {
                problem(
                    h.at,
                    format!(
                        "{name}: {} is reserved for webhook deliveries",
                        clean(h.value.trim())
                    ),
                );
            }
        }
    }
    Desired {
        id,
        url_identity: identity,
        target_url: url,
        events,
        phones,
        is_active: entry.is_active.as_ref().is_none_or(|a| a.value),
        routing_key_header: key,
        routing_id_header: id_header,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(e: &str) -> bool {
        ["message.sent", "message.received"].contains(&e)
    }

    fn problems(text: &str) -> Vec<String> {
        let doc = parse(text, Format::Toml).expect("parses");
        check(doc, text, &known)
            .expect_err("problems")
            .iter()
            .map(|p| {
                let (line, column) = line_column(text, p.at);
                format!("{line}:{column}: {}", p.message)
            })
            .collect()
    }

    #[test]
    fn every_problem_is_reported_at_its_place() {
        let text = r#"[[subscriptions]]
target_url = "http://a.example/h"
subscribed_events = ["message.sent", "message.nope"]
phone_numbers = ["+0123456789"]
routing_id_header = "X-Chat"

[[subscriptions]]
id = "not-an-id"
target_url = "https://b.example/h"
subscribed_events = []
routing_key_header = "Bad Header"

[[subscriptions]]
target_url = "HTTPS://B.example:443/h"
subscribed_events = ["message.sent"]

[[subscriptions]]
target_url = "https://c.example/h"
subscribed_events = ["message.sent"]
routing_key_header = "X-Route"
routing_id_header = "Webhook-Signature"
"#;
        let got = problems(text);
        let expected = [
            "2:14: target_url must use https (not http://)",
            "3:38: unknown event type \"message.nope\" (`linq-hooks events` lists them)",
            "4:18: phone number +0123456789 — a country code never starts with 0",
            "5:21: routing_id_header: set the routing key header first (the id header needs it)",
            "8:6: id \"not-an-id\" is not a subscription id (8-4-4-4-12 hex)",
            "10:21: subscribed_events is empty: pick at least one event",
            "11:22: routing_key_header: Bad Header is not a valid header name",
            "14:14: the same target URL as line 9: a URL can have only one subscription",
            "21:21: routing_id_header: Webhook-Signature is reserved for webhook deliveries",
        ];
        assert_eq!(got, expected);
    }

    #[test]
    fn problems_in_a_json_file_are_placed_although_the_first_reading_has_no_positions() {
        let text = "{\"subscriptions\": [\n  {\"target_url\": \"https://a.example/h\", \"subscribed_events\": [\"message.sent\"]},\n  {\"target_url\": \"https://b.example/h\",\n   \"subscribed_events\": [\"message.nope\"]}\n]}";
        let problems = check_text(text, Format::Json, &known).expect_err("a problem");
        let (line, column) = line_column(text, problems[0].at);
        assert_eq!((line, column), (4, 26), "{problems:?}");
        assert!(problems[0].message.contains("message.nope"));
        let good = text.replace("message.nope", "message.received");
        let desired = check_text(&good, Format::Json, &known).expect("valid");
        assert_eq!(desired[1].events, ["message.received"]);
    }

    #[test]
    fn a_good_file_is_normalised() {
        let text = r#"[[subscriptions]]
id = "A1B2C3D4-E5F6-7890-ABCD-EF1234567890"
target_url = " https://a.example/h "
subscribed_events = ["message.sent", "message.received", "message.sent"]
phone_numbers = ["+1 (202) 555-0142"]
is_active = false
routing_key_header = "X-Route"
routing_id_header = ""
"#;
        let doc = parse(text, Format::Toml).expect("parses");
        let desired = check(doc, text, &known).expect("valid");
        assert_eq!(
            desired[0],
            Desired {
                id: Some("a1b2c3d4-e5f6-7890-abcd-ef1234567890".into()),
                target_url: "https://a.example/h".into(),
                url_identity: "https://a.example/h".into(),
                events: vec!["message.received".into(), "message.sent".into()],
                phones: vec!["+12025550142".into()],
                is_active: false,
                routing_key_header: Some("X-Route".into()),
                routing_id_header: None,
            }
        );
    }
}
