//! Deliveries in the dashboard. `t` sends a test event of one of the subscription's types
//! (the sandbox only: Linq has no such endpoint). While the detail pane has the focus, the
//! selected subscription's delivery log (linq-api.md §12) is polled — the same endpoint
//! for every account, the sandbox included — and merged into what is shown, which is
//! redrawn only when it changed. An error pauses the polling with one quiet line until the
//! user comes back to the pane or refreshes.

use super::keymap::Action;
use super::{App, Banner, Cmd, Focus, Modal};
use crate::evidence::logs::{LogEntry, LogsError};
use crate::text::clean;
use std::collections::HashSet;
use time::OffsetDateTime;

/// How many attempts the table shows.
pub const SHOWN_ATTEMPTS: usize = 8;
/// How many attempts are kept for the activity line (ten pages).
pub const KEPT_ATTEMPTS: usize = 500;
/// One poll after the first asks for this many (one page).
pub const POLLED_ATTEMPTS: usize = 50;

/// The delivery log of the selected subscription, as the pane shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryLog {
    pub subscription_id: String,
    /// Newest first, at most [`KEPT_ATTEMPTS`].
    pub entries: Vec<LogEntry>,
    /// Why polling stopped: one quiet line ("delivery logs unavailable: …").
    pub paused: Option<String>,
    /// What the findings engine makes of the newest attempts (worst first).
    pub findings: Vec<crate::diagnose::Finding>,
    /// The last poll was all new: something may be missing, so the next reads it all.
    reload: bool,
}

/// What the sandbox said to a test event: its id and how many deliveries it queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestEventSent {
    pub event_id: String,
    pub queued: usize,
}

/// What the activity line shows: attempts per hour over the last 24 h and the last
/// success.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Activity {
    /// Oldest hour first; the last is the hour up to now: (attempts, failed).
    pub hours: [(u64, u64); 24],
    pub last_success: Option<OffsetDateTime>,
    /// Failed attempts newer than the last success (all of them when there is none).
    pub failed_since: usize,
}

/// The activity of a log (newest first) at `now`. Pure.
pub fn activity(entries: &[LogEntry], now: OffsetDateTime) -> Activity {
    let mut out = Activity::default();
    for entry in entries {
        let Some(at) = entry.timestamp else { continue };
        let age = now - at;
        if age.is_negative() || age >= time::Duration::hours(24) {
            continue;
        }
        let slot = 23 - usize::try_from(age.whole_hours()).unwrap_or(23).min(23);
        out.hours[slot].0 += 1;
        if entry.status.is_failure() {
            out.hours[slot].1 += 1;
        }
    }
    out.failed_since = entries.iter().take_while(|e| e.status.is_failure()).count();
    out.last_success = entries
        .iter()
        .find(|e| !e.status.is_failure())
        .and_then(|e| e.timestamp);
    out
}

impl App {
    /// `t`: pick one of the selected subscription's event types.
    pub(super) fn ask_test_event(&mut self) {
        if !self.connection.sandbox {
            self.banner = Some(Banner::notice(
                "Linq's API has no test-event endpoint: t works on the sandbox (--sandbox, or a sandbox profile); the Deliveries block shows Linq's own log",
            ));
            return;
        }
        let Some(sub) = self.selected_subscription() else {
            return;
        };
        if sub.subscribed_events.is_empty() {
            return;
        }
        self.modal = Some(Modal::PickEvent {
            id: sub.id.clone(),
            events: sub.event_names(),
            cursor: 0,
        });
    }

    pub(super) fn pick_event_action(&mut self, action: Action) -> Vec<Cmd> {
        let Some(Modal::PickEvent { id, events, cursor }) = &mut self.modal else {
            return Vec::new();
        };
        match action {
            Action::PickEventDown => *cursor = (*cursor + 1).min(events.len().saturating_sub(1)),
            Action::PickEventUp => *cursor = cursor.saturating_sub(1),
            Action::PickEventSend => {
                let event_type = events.get(*cursor).cloned().unwrap_or_default();
                let id = id.clone();
                self.modal = None;
                // A number of the filter, so that a filtered subscription hears it.
                let phone_number = self
                    .subscriptions
                    .iter()
                    .find(|s| s.id == id)
                    .and_then(|s| s.phone_filter().first().cloned());
                let req = self.next_id();
                self.test_event_req = Some(req);
                self.banner = Some(Banner::notice(format!(
                    "Sending a test {}…",
                    clean(&event_type)
                )));
                return vec![Cmd::SendTestEvent {
                    req,
                    event_type,
                    phone_number,
                }];
            }
            Action::PickEventClose => self.modal = None,
            _ => {}
        }
        Vec::new()
    }

    pub(super) fn on_test_event(
        &mut self,
        req: u64,
        event_type: String,
        result: Result<TestEventSent, crate::api::ApiError>,
    ) -> Vec<Cmd> {
        if self.test_event_req != Some(req) {
            return Vec::new();
        }
        self.test_event_req = None;
        self.dirty = true;
        self.banner = Some(match result {
            Ok(sent) => Banner::info(format!(
                "Sent {} (event {}): {} deliver{} queued",
                clean(&event_type),
                clean(&sent.event_id),
                sent.queued,
                if sent.queued == 1 { "y" } else { "ies" }
            )),
            Err(err) => Banner::error("Test event refused", &err),
        });
        // The attempts show up in the detail pane.
        self.resume_deliveries()
    }

    /// The detail pane shows the selected subscription's delivery log: keep it fresh,
    /// unless an error paused it.
    pub fn polls_deliveries(&self) -> bool {
        self.focus == Focus::Detail
            && self.selected.is_some()
            && self
                .selected_deliveries()
                .is_none_or(|log| log.paused.is_none())
    }

    /// Lifts a pause (the user came back to the pane, or refreshed) and polls.
    pub(super) fn resume_deliveries(&mut self) -> Vec<Cmd> {
        if let Some(log) = self.deliveries.as_mut() {
            if log.paused.take().is_some() {
                self.dirty = true;
            }
        }
        self.poll_deliveries()
    }

    /// Asks for the selected subscription's attempts (one request at a time): all that is
    /// kept the first time, one page after that.
    pub(super) fn poll_deliveries(&mut self) -> Vec<Cmd> {
        if !self.polls_deliveries() || self.deliveries_req.is_some() {
            return Vec::new();
        }
        let Some(id) = self.selected.clone() else {
            return Vec::new();
        };
        let last = match self.selected_deliveries() {
            Some(log) if !log.reload => POLLED_ATTEMPTS,
            _ => KEPT_ATTEMPTS,
        };
        let req = self.next_id();
        self.deliveries_req = Some(req);
        vec![Cmd::LoadDeliveries {
            req,
            subscription_id: id,
            last,
        }]
    }

    pub(super) fn on_deliveries(
        &mut self,
        req: u64,
        id: String,
        result: Result<Vec<LogEntry>, LogsError>,
    ) {
        if self.deliveries_req != Some(req) {
            return;
        }
        self.deliveries_req = None;
        let before = self.deliveries.clone();
        let same = before.as_ref().is_some_and(|log| log.subscription_id == id);
        let mut log = match before.clone() {
            Some(log) if same => log,
            _ => DeliveryLog {
                subscription_id: id,
                entries: Vec::new(),
                paused: None,
                findings: Vec::new(),
                reload: false,
            },
        };
        match result {
            Err(e) => log.paused = Some(e.sentence()),
            Ok(page) => {
                log.paused = None;
                merge(&mut log, page, same);
                // The same window as `doctor`: the newest 50 attempts.
                let window = &log.entries[..log.entries.len().min(POLLED_ATTEMPTS)];
                log.findings = crate::diagnose::delivery_findings(window, self.now);
                self.keep_log_findings(&log.subscription_id, &log.findings);
            }
        }
        // Redraw only when what the pane shows changed.
        if before.as_ref() != Some(&log) {
            self.deliveries = Some(log);
            self.dirty = true;
        }
    }

    /// Keeps a subscription's log findings for its row; the rows' findings are rebuilt
    /// only when they changed (a poll every 3 s usually changes nothing).
    fn keep_log_findings(&mut self, id: &str, findings: &[crate::diagnose::Finding]) {
        let kept = self.logged.get(id).map_or(&[][..], Vec::as_slice);
        if kept == findings {
            return;
        }
        if findings.is_empty() {
            self.logged.remove(id);
        } else {
            self.logged.insert(id.to_owned(), findings.to_vec());
        }
        self.recount();
        self.refilter();
    }

    /// Each row's configuration (and probe) findings, plus its delivery log's.
    pub(super) fn merge_log_findings(&mut self) {
        if self.logged.is_empty() {
            return;
        }
        for (sub, found) in self.subscriptions.iter().zip(self.findings.iter_mut()) {
            if let Some(logged) = self.logged.get(&sub.id) {
                crate::diagnose::merge(found, logged.clone());
            }
        }
    }

    /// The log of the selected subscription, when known.
    pub fn selected_deliveries(&self) -> Option<&DeliveryLog> {
        match (&self.deliveries, &self.selected) {
            (Some(log), Some(selected)) if &log.subscription_id == selected => Some(log),
            _ => None,
        }
    }
}

/// Puts a fresh page (newest first) in front of what is kept. A first load, or a page with
/// nothing already known (more arrived than one page holds), replaces the whole.
fn merge(log: &mut DeliveryLog, page: Vec<LogEntry>, had_some: bool) {
    let known: HashSet<String> = log.entries.iter().map(LogEntry::key).collect();
    let fresh: Vec<LogEntry> = page
        .iter()
        .filter(|e| !known.contains(&e.key()))
        .cloned()
        .collect();
    let gap = had_some
        && !log.entries.is_empty()
        && fresh.len() == page.len()
        && !page.is_empty()
        && page.len() >= POLLED_ATTEMPTS;
    if !had_some || log.reload || gap {
        log.entries = page;
    } else if !fresh.is_empty() {
        let mut entries = fresh;
        entries.append(&mut log.entries);
        log.entries = entries;
    }
    log.entries.truncate(KEPT_ATTEMPTS);
    log.reload = gap;
}
