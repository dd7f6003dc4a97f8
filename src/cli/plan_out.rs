//! How a plan and an apply's results read: text for people (`+ create`, `~ update` with
//! field-level detail, `- delete`, `keep`), JSON for scripts. API strings are cleaned.

use crate::lifecycle::apply::{ChangeResult, Done};
use crate::lifecycle::plan::{Action, Change, FieldDiff, Plan};
use crate::text::clean;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(|s| clean(s).into_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => "(none)".into(),
        Value::String(s) => clean(s).into_owned(),
        other => other.to_string(),
    }
}

/// `added a, b; removed c` of two lists.
fn added_removed(from: &Value, to: &Value) -> String {
    let (from, to) = (strings(from), strings(to));
    let added: Vec<&str> = to
        .iter()
        .filter(|x| !from.contains(x))
        .map(String::as_str)
        .collect();
    let removed: Vec<&str> = from
        .iter()
        .filter(|x| !to.contains(x))
        .map(String::as_str)
        .collect();
    let mut parts = Vec::new();
    if !added.is_empty() {
        parts.push(format!("added {}", added.join(", ")));
    }
    if !removed.is_empty() {
        parts.push(format!("removed {}", removed.join(", ")));
    }
    parts.join("; ")
}

fn field_line(f: &FieldDiff, create: bool) -> String {
    let detail = match (f.name, create) {
        ("subscribed_events", true) => strings(&f.to).join(", "),
        ("phone_numbers", true) => strings(&f.to).join(", "),
        ("is_active", true) => if f.to == true { "active" } else { "paused" }.into(),
        (_, true) => text(&f.to),
        ("subscribed_events", false) => added_removed(&f.from, &f.to),
        ("phone_numbers", false) if f.to.is_null() => {
            format!("{} → every line", strings(&f.from).join(", "))
        }
        ("phone_numbers", false) if f.from.is_null() => {
            format!("every line → {}", strings(&f.to).join(", "))
        }
        ("phone_numbers", false) => added_removed(&f.from, &f.to),
        ("is_active", false) => match f.to == true {
            true => "paused → active".into(),
            false => "active → paused".into(),
        },
        (_, false) => format!("{} → {}", text(&f.from), text(&f.to)),
    };
    let label = match f.name {
        "target_url" => "url",
        "subscribed_events" => "events",
        "phone_numbers" => "phones",
        "is_active" => "state",
        "routing_key_header" => "routing key header",
        "routing_id_header" => "routing id header",
        other => other,
    };
    format!("      {label}: {detail}\n")
}

fn change_text(c: &Change, changes: &[Change]) -> String {
    let id = c.id.as_deref().map(clean).unwrap_or_default();
    let url = clean(&c.target_url);
    let mut out = match c.action {
        Action::Create => format!("+ create  {url}  (gets a NEW signing secret)\n"),
        Action::Update => format!("~ update  {id}  {url}\n"),
        Action::Delete => format!("- delete  {id}  {url}\n"),
        Action::Keep => {
            format!("  keep    {id}  {url}  (not in the file, kept; --prune deletes it)\n")
        }
    };
    if let Some(why) = &c.blocked {
        // On the change's own line: `~ update  ID  URL  !! swaps URL with …`.
        out.pop();
        out.push_str(&format!("  !! {}\n", why.reason()));
    }
    for f in &c.fields {
        // A create's URL is already on its line.
        if !(c.action == Action::Create && f.name == "target_url") {
            out.push_str(&field_line(f, c.action == Action::Create));
        }
    }
    if let (None, Some(first)) = (&c.blocked, waits_for(c, changes)) {
        out.push_str(&format!("      after: {first} frees this URL\n"));
    }
    out
}

/// The id of the subscription whose change frees the URL `c` takes.
fn waits_for(c: &Change, changes: &[Change]) -> Option<String> {
    let first = changes.get(c.after?)?;
    Some(clean(first.id.as_deref().unwrap_or("-")).into_owned())
}

/// The plan for people; `file` names the document in the "no changes" line.
pub fn plan_text(plan: &Plan, file: &str) -> String {
    let mut out = String::new();
    for c in &plan.changes {
        out.push_str(&change_text(c, &plan.changes));
    }
    let s = plan.summary;
    if !plan.has_changes() {
        out.push_str(&format!("No changes: the account matches {}", clean(file)));
        if s.keep > 0 {
            out.push_str(&format!(" ({} not in the file, kept)", s.keep));
        }
        out.push_str(".\n");
        return out;
    }
    out.push_str(&format!(
        "Plan: {} to create, {} to update, {} to delete; {} not in the file (kept), {} unchanged.\n",
        s.create, s.update, s.delete, s.keep, s.unchanged
    ));
    let blocked = plan.blocked().count();
    if blocked > 0 {
        out.push_str(&format!(
            "{blocked} of these cannot be applied (marked !! above): `apply` leaves them out.\n"
        ));
    }
    out
}

/// A field's `{"from", "to"}`, borrowed from the plan (no copy of each list).
#[derive(Serialize)]
struct FromTo<'a> {
    from: &'a Value,
    to: &'a Value,
}

/// One change of `plan --json`, in the documented key order.
#[derive(Serialize)]
struct ChangeJson<'a> {
    action: Action,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    target_url: &'a str,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    fields: BTreeMap<&'static str, FromTo<'a>>,
    /// The id whose change frees this change's URL first.
    #[serde(skip_serializing_if = "Option::is_none")]
    after: Option<String>,
    /// Why `apply` will not send it.
    #[serde(skip_serializing_if = "Option::is_none")]
    cannot_apply: Option<String>,
}

/// `{"changes": [...], "summary": {...}}` (README "plan --json").
pub fn plan_json(plan: &Plan) -> String {
    let changes: Vec<ChangeJson> = plan
        .changes
        .iter()
        .map(|c| ChangeJson {
            action: c.action,
            id: c.id.as_deref(),
            target_url: &c.target_url,
            fields: c
                .fields
                .iter()
                .map(|f| {
                    let values = FromTo {
                        from: &f.from,
                        to: &f.to,
                    };
                    (f.name, values)
                })
                .collect(),
            after: waits_for(c, &plan.changes),
            cannot_apply: c.blocked.as_ref().map(|b| b.reason()),
        })
        .collect();
    #[derive(Serialize)]
    struct PlanJson<'a> {
        changes: Vec<ChangeJson<'a>>,
        summary: crate::lifecycle::plan::Summary,
    }
    let doc = PlanJson {
        changes,
        summary: plan.summary,
    };
    let mut text = crate::lifecycle::export::escape_controls(
        serde_json::to_string_pretty(&doc).unwrap_or_default(),
    );
    text.push('\n');
    text
}

/// One line per change made or failed, then the count; failures carry the API's status,
/// code and trace id.
pub fn results_text(results: &[ChangeResult]) -> String {
    let mut out = String::new();
    let (mut ok, mut failed, mut not_sent) = (0, 0, 0);
    for r in results {
        let id = r.id.as_deref().map(clean).unwrap_or_else(|| "-".into());
        let url = clean(&r.target_url);
        match &r.result {
            Ok(done) => {
                ok += 1;
                let line = match done {
                    Done::Created { secret_file } => format!(
                        "created  {id}  {url}  (secret in {})",
                        clean(&secret_file.display().to_string())
                    ),
                    Done::Updated => format!("updated  {id}  {url}"),
                    Done::Deleted => format!("deleted  {id}  {url}"),
                };
                out.push_str(&line);
            }
            Err(f) => {
                let label = if f.not_sent {
                    not_sent += 1;
                    "NOT SENT"
                } else {
                    failed += 1;
                    "FAILED  "
                };
                let verb = match r.action {
                    Action::Create => "create",
                    Action::Update => "update",
                    Action::Delete => "delete",
                    Action::Keep => "keep",
                };
                out.push_str(&format!(
                    "{label} {verb} {id}  {url}: {}",
                    clean(&f.message)
                ));
                if let Some(code) = f.code {
                    out.push_str(&format!(" · code {code}"));
                }
                if let Some(trace) = &f.trace_id {
                    out.push_str(&format!(" · trace {}", clean(trace)));
                }
            }
        }
        out.push('\n');
    }
    out.push_str(&format!(
        "Applied {ok} of {} changes; {failed} failed",
        results.len()
    ));
    if not_sent > 0 {
        out.push_str(&format!("; {not_sent} not sent"));
    }
    out.push_str(".\n");
    out
}
