//! Makes a plan's changes through the client, at most four requests in flight: updates,
//! then creates, deletes last — except that a change waiting for a URL to be freed
//! ([`Change::after`]) starts only once the change freeing it succeeded (a delete that
//! frees a URL goes early). A failure does not stop the independent changes; what waited
//! for it is not sent. Blocked changes (URL swaps) are never sent. Every change is audited
//! with the run's one `apply` id. A create is never retried (a second POST could make a
//! second subscription); its secret goes straight to the caller's [`SecretStore`].

use super::order::waiters;
use super::plan::{Action, Change, Plan};
use crate::api::{ApiError, LinqClient, SigningSecret};
use crate::audit::{AuditAccount, AuditEntry, Outcome};
use futures::stream::{FuturesUnordered, StreamExt};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// Requests in flight at once: quick for a hundred changes, gentle on the API.
pub const CONCURRENCY: usize = 4;

/// Where a new subscription's signing secret goes the moment it exists.
pub trait SecretStore: Sync {
    /// Keeps `secret` for subscription `id`; the error is one sentence.
    fn store(&self, id: &str, target_url: &str, secret: &SigningSecret) -> Result<PathBuf, String>;
}

/// What the run needs besides the plan.
pub struct Applier<'a> {
    pub client: &'a LinqClient,
    pub account: AuditAccount,
    /// Shared by every audit line of the run.
    pub apply_id: String,
    pub secrets: &'a dyn SecretStore,
    /// Appends an audit line (a failure to record is the caller's warning).
    pub record: &'a (dyn Fn(AuditEntry) + Sync),
}

/// How one change went.
#[derive(Debug)]
pub struct ChangeResult {
    /// The change's index in the plan.
    pub index: usize,
    pub action: Action,
    pub id: Option<String>,
    pub target_url: String,
    pub result: Result<Done, Failure>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Done {
    Created { secret_file: PathBuf },
    Updated,
    Deleted,
}

/// A failed change: the API's answer for the support ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub status: Option<u16>,
    pub code: Option<u32>,
    pub trace_id: Option<String>,
    pub message: String,
    /// Never sent: blocked in the plan, or waiting for a change that failed.
    pub not_sent: bool,
}

impl Failure {
    fn api(e: &ApiError, what: &str) -> Self {
        Self {
            status: e.status(),
            code: e.code(),
            trace_id: e.trace_id().map(str::to_string),
            message: format!("{what}{}", crate::text::clean(&e.to_string())),
            not_sent: false,
        }
    }

    fn local(message: String) -> Self {
        Self {
            status: None,
            code: None,
            trace_id: None,
            message,
            not_sent: false,
        }
    }

    fn not_sent(message: String) -> Self {
        Self {
            not_sent: true,
            ..Self::local(message)
        }
    }
}

/// Which ready change starts first: updates, then creates, then deletes.
fn rank(action: Action) -> u8 {
    match action {
        Action::Update => 0,
        Action::Create => 1,
        _ => 2,
    }
}

fn unsent(index: usize, change: &Change, failure: Failure) -> ChangeResult {
    ChangeResult {
        index,
        action: change.action,
        id: change.id.clone(),
        target_url: change.target_url.clone(),
        result: Err(failure),
    }
}

impl Applier<'_> {
    fn entry(&self, operation: &str, id: &str, url: &str) -> AuditEntry {
        let mut entry = AuditEntry::new(
            &self.account,
            operation,
            "cli",
            time::OffsetDateTime::now_utc(),
        )
        .on(id, url);
        entry.apply_id = Some(self.apply_id.clone());
        entry
    }

    /// Runs every create, update and delete of `plan`; results in plan order.
    pub async fn apply(&self, plan: &Plan) -> Vec<ChangeResult> {
        let changes = &plan.changes;
        let waiter = waiters(changes);
        let mut results = Vec::with_capacity(changes.len());
        // Ready to start, by (rank, plan order); deletes nobody waits for are held back
        // until every create and update has finished.
        let mut ready: BTreeSet<(u8, usize)> = BTreeSet::new();
        let mut held_deletes = Vec::new();
        // Creates and updates that have not finished (or been given up).
        let mut open = 0usize;
        for (i, c) in changes.iter().enumerate() {
            if c.action == Action::Keep {
                continue;
            }
            if let Some(why) = &c.blocked {
                results.push(unsent(i, c, Failure::not_sent(why.reason())));
                continue;
            }
            if c.action != Action::Delete {
                open += 1;
            }
            match (c.after, c.action) {
                (Some(_), _) => {}
                (None, Action::Delete) if waiter[i].is_none() => held_deletes.push(i),
                // A delete that frees a URL goes with the updates.
                (None, Action::Delete) => {
                    ready.insert((0, i));
                }
                (None, action) => {
                    ready.insert((rank(action), i));
                }
            }
        }
        let mut in_flight = FuturesUnordered::new();
        loop {
            // (Also when nothing else can run: a miscount must never lose the deletes.)
            if open == 0 || (in_flight.is_empty() && ready.is_empty()) {
                ready.extend(held_deletes.drain(..).map(|i| (rank(Action::Delete), i)));
            }
            // After a Ctrl-C nothing new starts (`crate::interrupt`).
            while in_flight.len() < CONCURRENCY && !crate::interrupt::stop_requested() {
                let Some((_, i)) = ready.pop_first() else {
                    break;
                };
                in_flight.push(self.one(i, &changes[i]));
            }
            let Some(done) = in_flight.next().await else {
                break;
            };
            let i = done.index;
            if changes[i].action != Action::Delete {
                open = open.saturating_sub(1);
            }
            if done.result.is_ok() {
                if let Some(w) = waiter[i].filter(|&w| changes[w].blocked.is_none()) {
                    ready.insert((rank(changes[w].action), w));
                }
            } else {
                // Down the chain: each waits for a URL that is still taken.
                let (mut by, mut next) = (i, waiter[i]);
                while let Some(w) = next {
                    let id = changes[by].id.as_deref().unwrap_or("-");
                    let why = format!(
                        "not sent: it takes the URL of {}, whose change did not go through",
                        crate::text::clean(id)
                    );
                    results.push(unsent(w, &changes[w], Failure::not_sent(why)));
                    if changes[w].action != Action::Delete {
                        open = open.saturating_sub(1);
                    }
                    (by, next) = (w, waiter[w]);
                }
            }
            results.push(done);
        }
        // Interrupted: what never started is said, not dropped.
        let mut finished = vec![false; changes.len()];
        for r in &results {
            finished[r.index] = true;
        }
        for (i, c) in changes.iter().enumerate() {
            if c.action != Action::Keep && !finished[i] {
                let why = "not sent: interrupted (Ctrl-C) before it started".to_string();
                results.push(unsent(i, c, Failure::not_sent(why)));
            }
        }
        results.sort_by_key(|r| r.index);
        results
    }

    async fn one(&self, index: usize, change: &Change) -> ChangeResult {
        let (id, result) = match change.action {
            Action::Update => (change.id.clone(), self.update(change).await),
            Action::Delete => (change.id.clone(), self.delete(change).await),
            Action::Create => match self.create(change).await {
                Ok((id, done)) => (Some(id), Ok(done)),
                Err((id, failure)) => (id, Err(failure)),
            },
            Action::Keep => (
                change.id.clone(),
                Err(Failure::local("nothing to do".into())),
            ),
        };
        ChangeResult {
            index,
            action: change.action,
            id,
            target_url: change.target_url.clone(),
            result,
        }
    }

    async fn update(&self, change: &Change) -> Result<Done, Failure> {
        let (Some(id), Some(current), Some(patch)) = (&change.id, &change.current, &change.patch)
        else {
            return Err(Failure::local("an update without its subscription".into()));
        };
        let answer = self.client.update(id, patch).await;
        (self.record)(
            self.entry("update", id, &current.target_url)
                .patch(current, patch)
                .outcome(Outcome::of(&answer, 200)),
        );
        answer
            .map(|_| Done::Updated)
            .map_err(|e| Failure::api(&e, ""))
    }

    async fn delete(&self, change: &Change) -> Result<Done, Failure> {
        let (Some(id), Some(current)) = (&change.id, &change.current) else {
            return Err(Failure::local("a delete without its subscription".into()));
        };
        let answer = self.client.delete(id).await;
        (self.record)(
            self.entry("delete", id, &current.target_url)
                .deleted(current)
                .outcome(Outcome::of(&answer, 204)),
        );
        answer
            .map(|_| Done::Deleted)
            .map_err(|e| Failure::api(&e, ""))
    }

    /// The create, its secret stored, then the pause of a paused entry. The id is known
    /// once the create answered, also when a later step fails.
    async fn create(&self, change: &Change) -> Result<(String, Done), (Option<String>, Failure)> {
        let Some(new) = &change.new else {
            return Err((None, Failure::local("a create without its body".into())));
        };
        let answer = self.client.create(new).await;
        let mut entry = self.entry("create", "", &new.target_url);
        let created = match answer {
            Ok(created) => created,
            Err(e) => {
                (self.record)(entry.outcome(Outcome::failed(&e)));
                let what = if e.outcome_unknown() {
                    "the answer was lost, so it may exist without its secret \
                     (`linq-hooks plan` shows whether it does): "
                } else {
                    ""
                };
                return Err((None, Failure::api(&e, what)));
            }
        };
        let sub = &created.subscription;
        entry.subscription_id = Some(sub.id.clone());
        (self.record)(entry.created(sub).outcome(Outcome::ok(201)));
        let secret_file = self
            .secrets
            .store(&sub.id, &sub.target_url, &created.signing_secret)
            .map_err(|why| {
                (
                    Some(sub.id.clone()),
                    Failure::local(format!("created, but its signing secret is lost: {why}")),
                )
            })?;
        if let Some(pause) = &change.patch {
            let answer = self.client.update(&sub.id, pause).await;
            (self.record)(
                self.entry("pause", &sub.id, &sub.target_url)
                    .patch(sub, pause)
                    .outcome(Outcome::of(&answer, 200)),
            );
            if let Err(e) = answer {
                return Err((
                    Some(sub.id.clone()),
                    Failure::api(&e, "created (secret kept) but not paused: "),
                ));
            }
        }
        Ok((sub.id.clone(), Done::Created { secret_file }))
    }
}
