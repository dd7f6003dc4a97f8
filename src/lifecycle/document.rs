//! The subscriptions file of `export`, `plan` and `apply`: TOML (`[account]`,
//! `[[subscriptions]]`) or JSON (`{"account": …, "subscriptions": […]}`). Parsing keeps the
//! byte offset of every value so that each problem can be reported as `FILE:line:column`.
//! It never holds a secret.

use crate::api::EventType;
use serde::Deserialize;
use serde_json::value::RawValue;

/// The largest file `plan` and `apply` read (a 1,000-subscription export is ~300 KB).
pub const MAX_FILE_BYTES: u64 = 8 << 20;
/// The most subscriptions one file may describe.
pub const MAX_ENTRIES: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Toml,
    Json,
}

impl Format {
    /// `.json` is JSON, `.toml` TOML; otherwise the first character decides (`{` is JSON).
    pub fn detect(path: &std::path::Path, text: &str) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("json") => Format::Json,
            Some(e) if e.eq_ignore_ascii_case("toml") => Format::Toml,
            _ if text.trim_start().starts_with('{') => Format::Json,
            _ => Format::Toml,
        }
    }
}

/// A value and where it starts in the file (a byte offset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    pub value: T,
    pub at: usize,
}

/// Where the file came from (informational: `plan` never trusts it to pick an account).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct DocAccount {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub host: String,
    #[serde(default)]
    pub exported_at: String,
}

/// One `[[subscriptions]]` entry as written, before validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Where the entry starts.
    pub at: usize,
    pub id: Option<Located<String>>,
    pub target_url: Located<String>,
    /// Shared names (the catalogue's few dozen), not a string each.
    pub subscribed_events: Located<Vec<Located<EventType>>>,
    /// Absent (or `[]`) means every line.
    pub phone_numbers: Option<Located<Vec<Located<String>>>>,
    /// Absent means active.
    pub is_active: Option<Located<bool>>,
    pub routing_key_header: Option<Located<String>>,
    pub routing_id_header: Option<Located<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub account: Option<DocAccount>,
    pub entries: Vec<Entry>,
}

/// A problem at a place in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub at: usize,
    pub message: String,
}

impl Problem {
    pub fn new(at: usize, message: impl Into<String>) -> Self {
        Self {
            at,
            message: message.into(),
        }
    }
}

/// 1-based line and column (in characters) of byte offset `at` in `text`.
pub fn line_column(text: &str, at: usize) -> (usize, usize) {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// The byte offset of 1-based `line` and byte `column` (serde_json's positions).
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    (start + column.saturating_sub(1)).min(text.len())
}

pub fn parse(text: &str, format: Format) -> Result<Document, Vec<Problem>> {
    let doc = match format {
        Format::Toml => parse_toml(text)?,
        Format::Json => parse_json(text)?,
    };
    if doc.entries.len() > MAX_ENTRIES {
        return Err(vec![Problem::new(
            doc.entries[MAX_ENTRIES].at,
            format!("too many subscriptions (at most {MAX_ENTRIES} in one file)"),
        )]);
    }
    Ok(doc)
}

/// The file in one pass without positions (every `at` is 0): the fast path for a file that
/// turns out valid (`check::check_text` parses again with positions when it finds a
/// problem). `None` when it does not read as a document; [`parse`] then says where.
pub fn parse_unlocated(text: &str, format: Format) -> Option<Document> {
    if format != Format::Json {
        return None;
    }
    let doc: fast_shape::Doc = serde_json::from_str(text).ok()?;
    if doc.subscriptions.len() > MAX_ENTRIES {
        return None;
    }
    fn here<T>(value: T) -> Located<T> {
        Located { value, at: 0 }
    }
    fn list<T>(items: Vec<T>) -> Located<Vec<Located<T>>> {
        here(items.into_iter().map(here).collect())
    }
    let entries = doc
        .subscriptions
        .into_iter()
        .map(|e| Entry {
            at: 0,
            id: e.id.map(here),
            target_url: here(e.target_url),
            subscribed_events: list(e.subscribed_events),
            phone_numbers: e.phone_numbers.map(list),
            is_active: e.is_active.map(here),
            routing_key_header: e.routing_key_header.map(here),
            routing_id_header: e.routing_id_header.map(here),
        })
        .collect();
    Some(Document {
        account: doc.account,
        entries,
    })
}

/// The same shape as `json_shape`, typed at once.
mod fast_shape {
    use serde::Deserialize;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Doc {
        pub account: Option<super::DocAccount>,
        #[serde(default)]
        pub subscriptions: Vec<Entry>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Entry {
        pub id: Option<String>,
        pub target_url: String,
        pub subscribed_events: Vec<crate::api::EventType>,
        pub phone_numbers: Option<Vec<String>>,
        pub is_active: Option<bool>,
        pub routing_key_header: Option<String>,
        pub routing_id_header: Option<String>,
    }
}

// TOML: `toml::Spanned` carries each value's byte range.

mod toml_shape {
    use serde::Deserialize;
    use toml::Spanned;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Doc {
        pub account: Option<super::DocAccount>,
        #[serde(default)]
        pub subscriptions: Vec<Spanned<Entry>>,
    }

    // Unknown keys are refused: a misspelt `phone_number` would silently mean "every line".
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Entry {
        pub id: Option<Spanned<String>>,
        pub target_url: Spanned<String>,
        pub subscribed_events: Spanned<Vec<Spanned<String>>>,
        pub phone_numbers: Option<Spanned<Vec<Spanned<String>>>>,
        pub is_active: Option<Spanned<bool>>,
        pub routing_key_header: Option<Spanned<String>>,
        pub routing_id_header: Option<Spanned<String>>,
    }
}

fn spanned<T>(s: toml::Spanned<T>) -> Located<T> {
    let at = s.span().start;
    Located {
        value: s.into_inner(),
        at,
    }
}

fn spanned_list<T: From<String>>(
    s: toml::Spanned<Vec<toml::Spanned<String>>>,
) -> Located<Vec<Located<T>>> {
    let at = s.span().start;
    let item = |s: toml::Spanned<String>| {
        let Located { value, at } = spanned(s);
        Located {
            value: T::from(value),
            at,
        }
    };
    Located {
        value: s.into_inner().into_iter().map(item).collect(),
        at,
    }
}

fn parse_toml(text: &str) -> Result<Document, Vec<Problem>> {
    let doc: toml_shape::Doc = toml::from_str(text).map_err(|e| {
        let at = e.span().map_or(0, |s| s.start);
        vec![Problem::new(at, one_line(e.message()))]
    })?;
    let entries = doc
        .subscriptions
        .into_iter()
        .map(|s| {
            let at = s.span().start;
            let e = s.into_inner();
            Entry {
                at,
                id: e.id.map(spanned),
                target_url: spanned(e.target_url),
                subscribed_events: spanned_list(e.subscribed_events),
                phone_numbers: e.phone_numbers.map(spanned_list),
                is_active: e.is_active.map(spanned),
                routing_key_header: e.routing_key_header.map(spanned),
                routing_id_header: e.routing_id_header.map(spanned),
            }
        })
        .collect();
    Ok(Document {
        account: doc.account,
        entries,
    })
}

fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

// JSON: each value is first borrowed as a `RawValue`, a slice of the text, whose address
// gives its offset; then it is read as its type.

mod json_shape {
    use serde::Deserialize;
    use serde_json::value::RawValue;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Doc<'a> {
        pub account: Option<super::DocAccount>,
        #[serde(borrow, default)]
        pub subscriptions: Vec<&'a RawValue>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Entry<'a> {
        #[serde(borrow)]
        pub id: Option<&'a RawValue>,
        #[serde(borrow)]
        pub target_url: &'a RawValue,
        #[serde(borrow)]
        pub subscribed_events: &'a RawValue,
        #[serde(borrow)]
        pub phone_numbers: Option<&'a RawValue>,
        #[serde(borrow)]
        pub is_active: Option<&'a RawValue>,
        #[serde(borrow)]
        pub routing_key_header: Option<&'a RawValue>,
        #[serde(borrow)]
        pub routing_id_header: Option<&'a RawValue>,
    }
}

/// A serde_json error inside `slice` (which starts at byte `base` of the file).
fn json_problem(e: &serde_json::Error, slice: &str, base: usize) -> Problem {
    let at = base + offset_of(slice, e.line(), e.column());
    // serde_json appends " at line L column C" (relative to the slice): ours replaces it.
    let message = e.to_string();
    let message = message
        .rsplit_once(" at line ")
        .map_or(message.as_str(), |(m, _)| m)
        .to_string();
    Problem::new(at, message)
}

struct JsonText<'t> {
    text: &'t str,
}

impl<'t> JsonText<'t> {
    fn at(&self, raw: &RawValue) -> usize {
        (raw.get().as_ptr() as usize).saturating_sub(self.text.as_ptr() as usize)
    }

    fn value<T: serde::de::DeserializeOwned>(
        &self,
        raw: &RawValue,
        what: &str,
    ) -> Result<Located<T>, Problem> {
        let at = self.at(raw);
        serde_json::from_str(raw.get())
            .map(|value| Located { value, at })
            .map_err(|_| Problem::new(at, what))
    }

    fn strings<T: serde::de::DeserializeOwned>(
        &self,
        raw: &RawValue,
        field: &str,
    ) -> Result<Located<Vec<Located<T>>>, Problem> {
        let at = self.at(raw);
        let items: Vec<&RawValue> = serde_json::from_str(raw.get())
            .map_err(|_| Problem::new(at, format!("{field} must be an array of strings")))?;
        let value = items
            .into_iter()
            .map(|item| self.value(item, &format!("{field} must be an array of strings")))
            .collect::<Result<_, _>>()?;
        Ok(Located { value, at })
    }

    fn entry(&self, raw: &RawValue) -> Result<Entry, Problem> {
        let at = self.at(raw);
        let e: json_shape::Entry =
            serde_json::from_str(raw.get()).map_err(|e| json_problem(&e, raw.get(), at))?;
        let text = |r: Option<&RawValue>, field: &str| {
            r.map(|r| self.value::<String>(r, &format!("{field} must be a string")))
                .transpose()
        };
        Ok(Entry {
            at,
            id: text(e.id, "id")?,
            target_url: self.value(e.target_url, "target_url must be a string")?,
            subscribed_events: self.strings(e.subscribed_events, "subscribed_events")?,
            phone_numbers: e
                .phone_numbers
                .map(|r| self.strings(r, "phone_numbers"))
                .transpose()?,
            is_active: e
                .is_active
                .map(|r| self.value(r, "is_active must be true or false"))
                .transpose()?,
            routing_key_header: text(e.routing_key_header, "routing_key_header")?,
            routing_id_header: text(e.routing_id_header, "routing_id_header")?,
        })
    }
}

fn parse_json(text: &str) -> Result<Document, Vec<Problem>> {
    let doc: json_shape::Doc =
        serde_json::from_str(text).map_err(|e| vec![json_problem(&e, text, 0)])?;
    let json = JsonText { text };
    let mut entries = Vec::with_capacity(doc.subscriptions.len());
    let mut problems = Vec::new();
    for raw in doc.subscriptions {
        match json.entry(raw) {
            Ok(entry) => entries.push(entry),
            Err(p) => problems.push(p),
        }
    }
    if problems.is_empty() {
        Ok(Document {
            account: doc.account,
            entries,
        })
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOML: &str = r#"[account]
name = "staging"

[[subscriptions]]
id = "b2c3d4e5-f6a7-8901-bcde-f23456789012"
target_url = "https://a.example/h"
subscribed_events = [
  "message.received",
  "message.sent",
]
phone_numbers = ["+12025550142"]
is_active = false
"#;

    #[test]
    fn toml_values_know_their_line_and_column() {
        let doc = parse(TOML, Format::Toml).expect("parses");
        assert_eq!(doc.account.expect("account").name, "staging");
        let e = &doc.entries[0];
        assert_eq!(line_column(TOML, e.target_url.at), (6, 14));
        assert_eq!(line_column(TOML, e.subscribed_events.value[1].at), (9, 3));
        assert_eq!(e.is_active.as_ref().map(|a| a.value), Some(false));
        assert!(e.routing_key_header.is_none());
    }

    #[test]
    fn json_values_know_their_line_and_column() {
        let text = "{\"subscriptions\": [\n  {\"target_url\": \"https://a.example/h\",\n   \"subscribed_events\": [\"message.sent\", \"x\"]}\n]}";
        let doc = parse(text, Format::Json).expect("parses");
        let e = &doc.entries[0];
        assert_eq!(line_column(text, e.target_url.at), (2, 18));
        assert_eq!(line_column(text, e.subscribed_events.value[1].at), (3, 42));
        assert_eq!(e.subscribed_events.value[1].value, "x");
        assert!(e.phone_numbers.is_none() && e.is_active.is_none());
    }

    #[test]
    fn broken_files_point_at_the_problem() {
        let cases: [(&str, Format, (usize, usize), &str); 5] = [
            ("[[subscriptions]]\ntarget_url = 5\nsubscribed_events = []\n", Format::Toml, (2, 14), "string"),
            ("[[subscriptions]]\ntarget_url = \"https://a.example\"\nsubscribed_events = []\nphone_number = []\n", Format::Toml, (4, 1), "phone_number"),
            ("{\"subscriptions\": [\n {\"target_url\": \"https://a.example\",\n  \"subscribed_events\": [1]}]}", Format::Json, (3, 25), "array of strings"),
            ("{\"subscriptions\": [\n {\"target_url\": \"https://a.example\",\n  \"subscribed_events\": [], \"colour\": 1}]}", Format::Json, (3, 35), "colour"),
            ("{\"subscriptions\": [\n", Format::Json, (2, 1), "EOF"),
        ];
        for (text, format, (line, column), words) in cases {
            let problems = parse(text, format).expect_err(text);
            let p = &problems[0];
            assert_eq!(line_column(text, p.at), (line, column), "{text}: {p:?}");
            assert!(p.message.contains(words), "{text}: {p:?}");
            assert!(!p.message.contains('\n'));
        }
    }

    #[test]
    fn the_one_pass_json_reading_matches_the_located_one_but_for_positions() {
        let text = "{\"account\": {\"name\": \"s\"}, \"subscriptions\": [\n  {\"id\": null, \"target_url\": \"https://a.example/h\",\n   \"subscribed_events\": [\"message.sent\", \"x\"], \"phone_numbers\": [\"+12025550142\"],\n   \"is_active\": false, \"routing_key_header\": \"X-R\"}\n]}";
        let fast = parse_unlocated(text, Format::Json).expect("reads");
        let mut located = parse(text, Format::Json).expect("parses");
        for e in &mut located.entries {
            e.at = 0;
            e.target_url.at = 0;
            e.subscribed_events.at = 0;
            e.subscribed_events.value.iter_mut().for_each(|v| v.at = 0);
            if let Some(p) = &mut e.phone_numbers {
                p.at = 0;
                p.value.iter_mut().for_each(|v| v.at = 0);
            }
            if let Some(h) = &mut e.is_active {
                h.at = 0;
            }
            for h in [
                &mut e.id,
                &mut e.routing_key_header,
                &mut e.routing_id_header,
            ]
            .into_iter()
            .flatten()
            {
                h.at = 0;
            }
        }
        assert_eq!(fast, located);
        // What the located reading refuses, this one does not read (so `parse` says where).
        for bad in [
            "{\"subscriptions\": [{\"target_url\": \"https://a.example\", \"subscribed_events\": [1]}]}",
            "{\"subscriptions\": [{\"target_url\": \"https://a.example\", \"subscribed_events\": [], \"colour\": 1}]}",
            "{\"subscriptions\": [{\"target_url\": \"https://a.example\", \"subscribed_events\": null}]}",
        ] {
            assert!(parse(bad, Format::Json).is_err(), "{bad}");
            assert!(parse_unlocated(bad, Format::Json).is_none(), "{bad}");
        }
    }

    #[test]
    fn format_follows_the_extension_then_the_first_character() {
        use std::path::Path;
        assert_eq!(Format::detect(Path::new("a.JSON"), "x"), Format::Json);
        assert_eq!(Format::detect(Path::new("a.toml"), "{"), Format::Toml);
        assert_eq!(Format::detect(Path::new("a"), "  {\"a\":1}"), Format::Json);
        assert_eq!(
            Format::detect(Path::new("a.txt"), "[account]"),
            Format::Toml
        );
    }
}
