//! The sandbox's deliveries in the dashboard: `t` sends a test event of one of the
//! subscription's types; while the detail pane has the focus, its last delivery attempts
//! are polled and shown (redrawn only when they change). Live Linq has neither endpoint.

use super::keymap::Action;
use super::{App, Banner, Cmd, Focus, Modal};
use crate::text::clean;

/// How many attempts the detail pane shows.
pub const SHOWN_ATTEMPTS: u32 = 8;

/// One delivery attempt as the detail pane shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRow {
    pub event_type: String,
    pub attempt: u32,
    pub ok: bool,
    /// `200`, `500`, or the error ("connection refused").
    pub outcome: String,
    pub latency_ms: Option<u64>,
    /// When it was sent (`HH:MM:SS` UTC).
    pub at: String,
    /// When it will be tried again, if it will.
    pub next_attempt: Option<String>,
}

/// What the sandbox said to a test event: its id and how many deliveries it queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestEventSent {
    pub event_id: String,
    pub queued: usize,
}

impl App {
    /// `t`: pick one of the selected subscription's event types.
    pub(super) fn ask_test_event(&mut self) {
        if !self.connection.sandbox {
            self.banner = Some(Banner::notice(
                "Linq's API has no test-event or delivery-log endpoint: t and the Deliveries block work on the sandbox (--sandbox, or a sandbox profile)",
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
            events: sub.subscribed_events.clone(),
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
        self.poll_deliveries()
    }

    /// The detail pane shows a sandbox subscription's deliveries: keep them fresh.
    pub fn polls_deliveries(&self) -> bool {
        self.connection.sandbox && self.focus == Focus::Detail && self.selected.is_some()
    }

    /// Asks for the selected subscription's attempts (one request at a time).
    pub(super) fn poll_deliveries(&mut self) -> Vec<Cmd> {
        if !self.polls_deliveries() || self.deliveries_req.is_some() {
            return Vec::new();
        }
        let Some(id) = self.selected.clone() else {
            return Vec::new();
        };
        let req = self.next_id();
        self.deliveries_req = Some(req);
        vec![Cmd::LoadDeliveries {
            req,
            subscription_id: id,
            limit: SHOWN_ATTEMPTS,
        }]
    }

    pub(super) fn on_deliveries(
        &mut self,
        req: u64,
        id: String,
        result: Result<Vec<DeliveryRow>, crate::api::ApiError>,
    ) {
        if self.deliveries_req != Some(req) {
            return;
        }
        self.deliveries_req = None;
        let rows = result.map_err(|e| e.to_string());
        // Redraw only when what the pane shows changed.
        if self.deliveries.as_ref() != Some(&(id.clone(), rows.clone())) {
            self.deliveries = Some((id, rows));
            self.dirty = true;
        }
    }

    /// The attempts of the selected subscription, when known.
    pub fn selected_deliveries(&self) -> Option<&Result<Vec<DeliveryRow>, String>> {
        match (&self.deliveries, &self.selected) {
            (Some((id, rows)), Some(selected)) if id == selected => Some(rows),
            _ => None,
        }
    }
}
