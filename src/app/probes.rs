//! `P`: probe the focused subscription's endpoint (stages 1–4 of `evidence::probe`), or
//! every marked row's, at most [`MAX_RUNNING`] at a time, in the background. Results are
//! kept per URL for the session; their findings (`diagnose::probe`) join the row's
//! configuration findings, so the marker column, the Findings block and the Problems tab
//! show them, with the probe's age. Esc cancels what is still running.

use super::{App, Banner, Cmd, ReqId};
use crate::diagnose::probe::{self as judge, StageLine};
use crate::diagnose::{Finding, Severity};
use crate::evidence::probe::ProbeReport;
use std::collections::{HashMap, VecDeque};
use time::OffsetDateTime;

/// Probes in flight at once.
pub const MAX_RUNNING: usize = 8;

/// A finished probe of one URL.
#[derive(Debug, Clone)]
pub struct ProbeResult {
    pub at: OffsetDateTime,
    pub stages: Vec<StageLine>,
    pub findings: Vec<Finding>,
    /// The certificate's not-after (Unix seconds), when a certificate was read.
    pub cert_expires: Option<i64>,
}

/// The session's probes: finished ones by URL, running ones by request.
#[derive(Debug, Default)]
pub struct Probes {
    pub done: HashMap<String, ProbeResult>,
    running: HashMap<ReqId, String>,
    queue: VecDeque<String>,
    /// (finished, asked for) of the current batch.
    pub progress: Option<(usize, usize)>,
    /// The signed test delivery on its way (`T`): not cancelled by Esc, since its POST
    /// may already have reached the endpoint.
    pub delivery: Option<super::test_delivery::DeliveryInFlight>,
}

impl Probes {
    pub fn is_running(&self, url: &str) -> bool {
        self.running.values().any(|u| u == url) || self.queue.iter().any(|u| u == url)
    }

    /// Whether a test delivery to `url` is on its way.
    pub fn is_delivering(&self, url: &str) -> bool {
        self.delivery.as_ref().is_some_and(|d| d.target_url == url)
    }

    pub fn busy(&self) -> bool {
        !self.running.is_empty() || !self.queue.is_empty()
    }
}

impl App {
    /// `P`: the marked rows, or the selected one.
    pub(super) fn probe(&mut self) -> Vec<Cmd> {
        let urls: Vec<String> = if self.marked.is_empty() {
            self.selected_subscription()
                .map(|s| vec![s.target_url.clone()])
                .unwrap_or_default()
        } else {
            let mut urls: Vec<String> = self
                .subscriptions
                .iter()
                .filter(|s| self.marked.contains(&s.id))
                .map(|s| s.target_url.clone())
                .collect();
            urls.dedup();
            urls
        };
        // Only http(s) URLs with a host (the configuration findings say what is wrong
        // with the others).
        let probeable = |u: &String| crate::evidence::probe::Target::parse(u).is_ok();
        if !urls.is_empty() && !urls.iter().any(probeable) {
            self.banner = Some(Banner::notice(
                "This target URL cannot be probed: see its findings",
            ));
            self.dirty = true;
            return Vec::new();
        }
        let urls: Vec<String> = urls
            .into_iter()
            // A test delivery under way probes stages 1–4 too: its result is the newer.
            .filter(|u| probeable(u) && !self.probes.is_running(u) && !self.probes.is_delivering(u))
            .collect();
        if urls.is_empty() {
            return Vec::new();
        }
        let (finished, total) = self.probes.progress.unwrap_or((0, 0));
        self.probes.progress = Some((finished, total + urls.len()));
        self.probes.queue.extend(urls);
        let cmds = self.start_probes();
        self.show_progress();
        cmds
    }

    fn start_probes(&mut self) -> Vec<Cmd> {
        let mut cmds = Vec::new();
        while self.probes.running.len() < MAX_RUNNING {
            let Some(url) = self.probes.queue.pop_front() else {
                break;
            };
            let req = self.next_id();
            self.probes.running.insert(req, url.clone());
            cmds.push(Cmd::Probe { req, url });
        }
        cmds
    }

    fn show_progress(&mut self) {
        if let Some((finished, total)) = self.probes.progress {
            self.banner = Some(Banner::info(if total == 1 {
                "Probing the endpoint (DNS, connect, TLS, HEAD)… Esc cancels".to_string()
            } else {
                format!("Probing endpoints: {finished} of {total} done… Esc cancels")
            }));
        }
        self.dirty = true;
    }

    /// A probe finished: keep it, merge its findings, start the next one.
    pub(super) fn on_probed(&mut self, req: ReqId, report: &ProbeReport) -> Vec<Cmd> {
        if let Some(sent) = self.probes.delivery.take_if(|d| d.req == req) {
            return self.on_delivered(sent, report);
        }
        let Some(url) = self.probes.running.remove(&req) else {
            return Vec::new(); // cancelled
        };
        self.keep_probe(url, report);
        if let Some((finished, _)) = &mut self.probes.progress {
            *finished += 1;
        }
        let cmds = self.start_probes();
        if self.probes.busy() {
            self.show_progress();
        } else {
            let (_, total) = self.probes.progress.take().unwrap_or((0, 0));
            self.banner = Some(Banner::info(if total <= 1 {
                "Probe done: see the Probe block".to_string()
            } else {
                format!("Probed {total} endpoints: their findings are in the list")
            }));
            self.dirty = true;
        }
        cmds
    }

    /// Keeps a finished probe of `url` (replacing an older one) and merges its findings.
    pub(super) fn keep_probe(&mut self, url: String, report: &ProbeReport) -> &ProbeResult {
        let now = self.now.unix_timestamp();
        let findings = judge::findings(report, now);
        let stages = judge::stage_lines(report, &findings);
        let cert_expires = report
            .tls
            .as_ref()
            .and_then(|t| t.certificate.as_ref())
            .map(|c| c.not_after);
        self.probes.done.insert(
            url.clone(),
            ProbeResult {
                at: self.now,
                stages,
                findings,
                cert_expires,
            },
        );
        self.recount();
        self.refilter();
        self.dirty = true;
        &self.probes.done[&url]
    }

    /// Esc while probes run: stop them (their results never arrive).
    pub(super) fn cancel_probes(&mut self) -> Option<Vec<Cmd>> {
        if !self.probes.busy() {
            return None;
        }
        let reqs: Vec<ReqId> = self.probes.running.drain().map(|(req, _)| req).collect();
        self.probes.queue.clear();
        self.probes.progress = None;
        self.banner = Some(Banner::notice("Probe cancelled"));
        self.dirty = true;
        Some(vec![Cmd::CancelProbes { reqs }])
    }

    /// The configuration findings of each row, plus its URL's probe findings.
    pub(super) fn merge_probe_findings(&mut self) {
        if self.probes.done.is_empty() {
            return;
        }
        for (sub, found) in self.subscriptions.iter().zip(self.findings.iter_mut()) {
            if let Some(result) = self.probes.done.get(&sub.target_url) {
                *found = judge::merged(found, &result.findings);
            }
        }
    }

    /// The selected subscription's probe, if its URL was probed this session.
    pub fn selected_probe(&self) -> Option<&ProbeResult> {
        let sub = self.selected_subscription()?;
        self.probes.done.get(&sub.target_url)
    }

    /// Whether the selected subscription's URL is being probed.
    pub fn selected_probe_running(&self) -> bool {
        self.selected_subscription()
            .is_some_and(|s| self.probes.is_running(&s.target_url))
    }

    /// Whether a test delivery to the selected subscription's URL is on its way.
    pub fn selected_delivery_running(&self) -> bool {
        self.selected_subscription()
            .is_some_and(|s| self.probes.is_delivering(&s.target_url))
    }
}

/// Whether a finding came from a probe (its code is one of the probe's).
pub fn is_probe_finding(f: &Finding) -> bool {
    judge::PROBE_CODES.contains(&f.code)
}

/// ✓/▲/✖ of a stage line.
pub fn stage_mark(line: &StageLine) -> (&'static str, Option<Severity>) {
    match line.worst {
        None | Some(Severity::Info) => ("✓", None),
        Some(Severity::Warning) => ("▲", Some(Severity::Warning)),
        Some(Severity::Error) => ("✖", Some(Severity::Error)),
    }
}
