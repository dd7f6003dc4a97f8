//! The create/edit form: its state, pure validation (URL, E.164), and what a save sends
//! (the whole body on create, only the changed fields on edit).

use crate::api::{FieldChange, NewSubscription, PhoneNumber, Subscription, SubscriptionPatch};
use crate::text::clean;
use std::collections::BTreeSet;
use tui_input::Input;

pub use super::checklist::{CheckRow, Checklist};
pub use crate::api::{CURRENT_PAYLOAD_VERSION, DEFAULT_ROUTING_ID_HEADER};
pub use crate::validate::{normalise_phone, validate_e164, validate_header_name, validate_url};

// ---------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormField {
    Url,
    Events,
    Phones,
    Routing,
}

impl FormField {
    pub const ALL: [FormField; 4] = [
        FormField::Url,
        FormField::Events,
        FormField::Phones,
        FormField::Routing,
    ];

    pub fn next(self, back: bool) -> Self {
        let i = Self::ALL.iter().position(|f| *f == self).unwrap_or(0);
        let n = Self::ALL.len();
        Self::ALL[if back { (i + n - 1) % n } else { (i + 1) % n }]
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormMode {
    Create,
    Edit { original: Box<Subscription> },
}

/// The phone filter editor.
#[derive(Debug, Clone, Default)]
pub struct PhoneEditor {
    pub numbers: Vec<String>,
    pub cursor: usize,
    /// The inline "add a number" input, while open.
    pub adding: Option<Input>,
    /// The account's lines picker, while open: the cursor in `lines`.
    pub picking: Option<usize>,
    pub error: Option<String>,
}

impl PhoneEditor {
    /// Adds a number (normalised, validated, no duplicates).
    pub fn add(&mut self, raw: &str) -> Result<(), String> {
        let number = normalise_phone(raw.trim());
        validate_e164(&number)?;
        if self.numbers.contains(&number) {
            return Err(format!("{number} is already in the filter"));
        }
        self.numbers.push(number);
        self.cursor = self.numbers.len() - 1;
        Ok(())
    }

    pub fn remove_selected(&mut self) {
        if self.cursor < self.numbers.len() {
            self.numbers.remove(self.cursor);
            self.cursor = self.cursor.min(self.numbers.len().saturating_sub(1));
        }
    }
}

/// The routing headers (delivery affinity), collapsed until asked for.
#[derive(Debug, Clone, Default)]
pub struct RoutingEditor {
    pub expanded: bool,
    /// 0: the key header input, 1: the id header input.
    pub row: usize,
    pub key_header: Input,
    pub id_header: Input,
}

/// What problems a form has, by field; the first one in field order gets the focus.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems {
    pub url: Option<String>,
    pub events: Option<String>,
    pub phones: Option<String>,
    pub routing: Option<String>,
}

impl Problems {
    pub fn first(&self) -> Option<FormField> {
        [
            (FormField::Url, &self.url),
            (FormField::Events, &self.events),
            (FormField::Phones, &self.phones),
            (FormField::Routing, &self.routing),
        ]
        .into_iter()
        .find_map(|(f, p)| p.as_ref().map(|_| f))
    }

    pub fn get(&self, field: FormField) -> Option<&str> {
        match field {
            FormField::Url => self.url.as_deref(),
            FormField::Events => self.events.as_deref(),
            FormField::Phones => self.phones.as_deref(),
            FormField::Routing => self.routing.as_deref(),
        }
    }
}

/// A modal step inside the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormPrompt {
    /// Esc on a changed form.
    Discard,
    /// Edit: the one-line diff, waiting for `y`/Enter to send.
    ConfirmSave { diff: String },
}

#[derive(Debug, Clone)]
pub struct Form {
    pub mode: FormMode,
    pub field: FormField,
    pub url: Input,
    pub events: Checklist,
    pub phones: PhoneEditor,
    pub routing: RoutingEditor,
    /// After a refused save every problem shows; before, only those of fields touched.
    pub attempted: bool,
    pub prompt: Option<FormPrompt>,
    /// The request in flight, if saving.
    pub saving: Option<u64>,
    /// The server's rejection of the last save: code, message, trace id.
    pub server_error: Option<super::Banner>,
    /// URLs of the account's other subscriptions (the uniqueness rule is per account).
    pub taken_urls: BTreeSet<String>,
    /// This draft's create got no answer: the list that will tell whether it happened.
    /// It belongs to the draft, so a new form starts clean.
    pub create_check: Option<super::CreateCheck>,
}

impl Form {
    pub fn create(catalog: &[String], taken_urls: BTreeSet<String>) -> Self {
        Self {
            mode: FormMode::Create,
            field: FormField::Url,
            url: Input::default(),
            events: Checklist::new::<String>(catalog, &[]),
            phones: PhoneEditor::default(),
            routing: RoutingEditor::default(),
            attempted: false,
            prompt: None,
            saving: None,
            server_error: None,
            taken_urls,
            create_check: None,
        }
    }

    pub fn edit(sub: &Subscription, catalog: &[String], mut taken_urls: BTreeSet<String>) -> Self {
        taken_urls.remove(&sub.target_url);
        let key = sub.routing_key_header.clone().unwrap_or_default();
        let id = if key.is_empty() {
            String::new()
        } else {
            sub.routing_id_header.clone().unwrap_or_default()
        };
        Self {
            mode: FormMode::Edit {
                original: Box::new(sub.clone()),
            },
            field: FormField::Url,
            url: Input::new(sub.target_url.clone()),
            events: Checklist::new(catalog, &sub.subscribed_events),
            phones: PhoneEditor {
                numbers: sub.phone_filter().to_vec(),
                ..PhoneEditor::default()
            },
            routing: RoutingEditor {
                expanded: !key.is_empty(),
                row: 0,
                key_header: Input::new(key),
                id_header: Input::new(id),
            },
            attempted: false,
            prompt: None,
            saving: None,
            server_error: None,
            taken_urls,
            create_check: None,
        }
    }

    pub fn original(&self) -> Option<&Subscription> {
        match &self.mode {
            FormMode::Edit { original } => Some(original),
            FormMode::Create => None,
        }
    }

    pub fn url_value(&self) -> String {
        self.url.value().trim().to_string()
    }

    pub fn problems(&self) -> Problems {
        let url = self.url_value();
        // An unchanged URL is the server's own: editing events must not trip over it.
        let unchanged = self.original().is_some_and(|o| o.target_url == url);
        let url_problem = (!unchanged)
            .then(|| validate_url(&url).err())
            .flatten()
            .or_else(|| {
                let identity = crate::validate::url_identity(&url);
                (self.taken_urls.contains(&url) || self.taken_urls.contains(&identity)).then(|| {
                    "another subscription of this account already uses this URL".to_string()
                })
            });
        let key = self.routing.key_header.value().trim();
        let id = self.routing.id_header.value().trim();
        let routing = crate::validate::validate_routing(key, id)
            .err()
            .map(|(_, m)| m);
        Problems {
            url: url_problem,
            events: self
                .events
                .selected
                .is_empty()
                .then(|| "pick at least one event".to_string()),
            phones: None,
            routing,
        }
    }

    /// The problem to show under `field` now.
    pub fn visible_problem(&self, field: FormField) -> Option<String> {
        let problems = self.problems();
        let touched = match field {
            FormField::Url => {
                !self.url.value().is_empty()
                    && Some(self.url_value().as_str())
                        != self.original().map(|o| o.target_url.as_str())
            }
            FormField::Events => false,
            FormField::Phones => false,
            FormField::Routing => true,
        };
        (self.attempted || touched)
            .then(|| problems.get(field).map(str::to_string))
            .flatten()
    }

    /// Whether `?version=` is missing from the URL (hint: Ctrl-P appends it).
    pub fn lacks_version(&self) -> bool {
        let url = self.url_value();
        !url.is_empty() && super::payload_version(&url).is_none()
    }

    /// Appends `?version=<current>` (or `&version=` when there is a query already).
    pub fn pin_version(&mut self) {
        if !self.lacks_version() {
            return;
        }
        let url = self.url_value();
        // The pin belongs in the query, before any #fragment.
        let (base, fragment) = match url.split_once('#') {
            Some((b, f)) => (b.to_string(), format!("#{f}")),
            None => (url, String::new()),
        };
        let sep = if base.contains('?') { '&' } else { '?' };
        self.url = Input::new(format!(
            "{base}{sep}version={CURRENT_PAYLOAD_VERSION}{fragment}"
        ));
    }

    fn events_to_send(&self) -> Vec<String> {
        let original: &[crate::api::EventType] = self
            .original()
            .map(|o| o.subscribed_events.as_slice())
            .unwrap_or(&[]);
        self.events.events_in_order(original)
    }

    /// The create body. Empty phone list and empty routing are left out.
    pub fn new_subscription(&self) -> NewSubscription {
        let key = self.routing.key_header.value().trim().to_string();
        let id = self.routing.id_header.value().trim().to_string();
        NewSubscription {
            target_url: self.url_value(),
            subscribed_events: self.events_to_send(),
            phone_numbers: (!self.phones.numbers.is_empty()).then(|| self.phones.numbers.clone()),
            routing_id_header: (!key.is_empty() && !id.is_empty()).then_some(id),
            routing_key_header: (!key.is_empty()).then_some(key),
        }
    }

    /// The edit body: only what changed (linq-api.md §4.2 keeps omitted fields).
    pub fn patch(&self) -> SubscriptionPatch {
        let Some(o) = self.original() else {
            return SubscriptionPatch::default();
        };
        let mut patch = SubscriptionPatch::default();
        let url = self.url_value();
        if url != o.target_url {
            patch.target_url = Some(url);
        }
        let old_events: BTreeSet<&str> = o.subscribed_events.iter().map(|e| e.as_str()).collect();
        let new_events: BTreeSet<&str> = self.events.selected.iter().map(String::as_str).collect();
        if old_events != new_events {
            patch.subscribed_events = Some(self.events_to_send());
        }
        if self.phones.numbers.as_slice() != o.phone_filter() {
            patch.phone_numbers = Some(if self.phones.numbers.is_empty() {
                FieldChange::Clear
            } else {
                FieldChange::Set(self.phones.numbers.clone())
            });
        }
        let key = self.routing.key_header.value().trim();
        let id = self.routing.id_header.value().trim();
        let old_key = o.routing_key_header.as_deref().unwrap_or("");
        let old_id = o
            .routing_id_header
            .as_deref()
            .filter(|_| !old_key.is_empty())
            .unwrap_or(DEFAULT_ROUTING_ID_HEADER);
        if key != old_key {
            patch.routing_key_header = Some(if key.is_empty() {
                FieldChange::Clear
            } else {
                FieldChange::Set(key.to_string())
            });
        }
        if !key.is_empty() {
            let wanted_id = if id.is_empty() {
                DEFAULT_ROUTING_ID_HEADER
            } else {
                id
            };
            if wanted_id != old_id || (old_key.is_empty() && !id.is_empty()) {
                patch.routing_id_header = Some(if id.is_empty() {
                    FieldChange::Clear
                } else {
                    FieldChange::Set(id.to_string())
                });
            }
        }
        patch
    }

    /// Something differs from where the form started.
    pub fn is_dirty(&self) -> bool {
        match self.original() {
            Some(_) => !self.patch().is_empty(),
            None => {
                !self.url.value().trim().is_empty()
                    || !self.events.selected.is_empty()
                    || !self.phones.numbers.is_empty()
                    || !self.routing.key_header.value().is_empty()
                    || !self.routing.id_header.value().is_empty()
            }
        }
    }

    /// The server's error names a field: focus it.
    pub fn field_named_in(message: &str) -> Option<FormField> {
        let m = message.to_lowercase();
        // The API's field names first: a header called X-Url-Token is about routing.
        let exact = [
            ("routing_key_header", FormField::Routing),
            ("routing_id_header", FormField::Routing),
            ("target_url", FormField::Url),
            ("subscribed_events", FormField::Events),
            ("phone_numbers", FormField::Phones),
        ];
        if let Some((_, field)) = exact.iter().find(|(name, _)| m.contains(name)) {
            return Some(*field);
        }
        if m.contains("url") {
            Some(FormField::Url)
        } else if m.contains("event") {
            Some(FormField::Events)
        } else if m.contains("phone") {
            Some(FormField::Phones)
        } else if m.contains("routing") || m.contains("header") {
            Some(FormField::Routing)
        } else {
            None
        }
    }
}

/// The one-line diff shown before an edit is sent, e.g.
/// `+ message.read − message.failed; phones: every line → 2 lines`.
pub fn diff_line(original: &Subscription, patch: &SubscriptionPatch) -> String {
    let mut parts = Vec::new();
    if let Some(url) = &patch.target_url {
        parts.push(format!(
            "url: {} → {}",
            clean(&original.target_url),
            clean(url)
        ));
    }
    if let Some(events) = &patch.subscribed_events {
        let added: Vec<String> = events
            .iter()
            .filter(|e| !original.subscribed_events.iter().any(|have| have == *e))
            .map(|e| format!("+ {}", clean(e)))
            .collect();
        let removed: Vec<String> = original
            .subscribed_events
            .iter()
            .filter(|e| !events.iter().any(|kept| kept == *e))
            .map(|e| format!("− {}", clean(e)))
            .collect();
        parts.push([added, removed].concat().join(" "));
    }
    let lines = |n: usize| match n {
        0 => "every line".to_string(),
        1 => "1 line".to_string(),
        n => format!("{n} lines"),
    };
    if let Some(change) = &patch.phone_numbers {
        let after = match change {
            FieldChange::Clear => 0,
            FieldChange::Set(v) => v.len(),
        };
        let before = original.phone_filter().len();
        if before == after && after > 0 {
            parts.push(format!("phones: {} changed", lines(after)));
        } else {
            parts.push(format!("phones: {} → {}", lines(before), lines(after)));
        }
    }
    match (&patch.routing_key_header, &patch.routing_id_header) {
        (None, None) => {}
        (Some(FieldChange::Clear), _) => parts.push("routing: affinity off".into()),
        (key, id) => {
            let mut s = "routing:".to_string();
            if let Some(FieldChange::Set(k)) = key {
                s.push_str(&format!(" key header {}", clean(k)));
            }
            match id {
                Some(FieldChange::Set(i)) => s.push_str(&format!(" id header {}", clean(i))),
                Some(FieldChange::Clear) => {
                    s.push_str(&format!(" id header {DEFAULT_ROUTING_ID_HEADER}"))
                }
                None => {}
            }
            parts.push(s);
        }
    }
    if patch.is_active.is_some() {
        parts.push(if patch.is_active == Some(true) {
            "resume".into()
        } else {
            "pause".into()
        });
    }
    if parts.is_empty() {
        "no changes".into()
    } else {
        parts.join("; ")
    }
}

/// Lines of the account for the picker: `+12025551234  iMessage  HEALTHY`.
pub fn line_label(line: &PhoneNumber) -> String {
    let mut s = clean(&line.phone_number).into_owned();
    if let Some(t) = &line.line_type {
        s.push_str(&format!("  {}", clean(t)));
    }
    if let Some(r) = &line.reputation {
        s.push_str(&format!("  {}", clean(&r.status)));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert!(validate_url("https://hooks.example.com/linq?version=2026-02-03").is_ok());
        assert!(validate_url("https://bücher.example/hook").is_ok());
        assert!(validate_url("http://hooks.example.com")
            .unwrap_err()
            .contains("https"));
        assert!(validate_url("hooks.example.com/x").is_err());
        assert!(validate_url("https://exa mple.com").is_err());
        assert!(validate_url("https://u:p@example.com/").is_err());
        assert!(validate_url("").is_err());
        assert!(validate_url(&format!("https://e.com/{}", "a".repeat(2050))).is_err());
    }

    #[test]
    fn e164() {
        assert!(validate_e164("+12025551234").is_ok());
        assert!(validate_e164("+4915112345678").is_ok());
        assert!(validate_e164("12025551234").is_err());
        assert!(validate_e164("+0123456789").is_err());
        assert!(validate_e164("+1234567").is_err());
        assert!(validate_e164("+1234567890123456").is_err());
        assert!(validate_e164("+1202555123a").is_err());
        assert_eq!(normalise_phone("+1 (202) 555-1234"), "+12025551234");
    }
}
