//! The runtime's reads off the loop that are more than one API request and one answer: the
//! account's list (its first rows early), other accounts for the Accounts view, endpoint
//! probes, the delivery log, the audit trail's rotations and history, and the export file.
//! Each answers with messages; none blocks the loop.

use super::{Inner, Runtime};
use crate::api::{FirstScreen, Listed};
use crate::app::{ApiResult, Msg, ReqId};
use crate::evidence::logs::LogQuery;
use std::sync::Arc;
use time::OffsetDateTime;

impl Runtime {
    /// The account's list; with `first_screen`, a large list's first rows come first
    /// ([`Inner::FirstRows`]), and the rest is read once they are drawn.
    pub(super) fn load_list(&self, req: ReqId, unless: Option<u64>, first_screen: Option<usize>) {
        let tx = self.tx.clone();
        let first = first_screen.map(|rows| FirstScreen {
            rows,
            show: Box::new(move |first| {
                let (drawn, answer) = tokio::sync::oneshot::channel();
                let _ = tx.send(Inner::FirstRows { req, first, drawn });
                answer
            }),
        });
        self.spawn(req, move |c| async move {
            let listed = c.list_showing_first(unless, first).await;
            let at = OffsetDateTime::now_utc();
            match listed {
                Ok(Listed::Unchanged) => ApiResult::ListUnchanged { at },
                Ok(Listed::Rows { rows, digest }) => ApiResult::List {
                    at,
                    result: Ok(rows),
                    digest: Some(digest),
                },
                Err(e) => ApiResult::List {
                    at,
                    result: Err(e),
                    digest: None,
                },
            }
        })
    }

    /// Reads other accounts for the Accounts view, at most [`crate::fleet::CONCURRENCY`]
    /// at a time, each through the switcher's connector; every answer is its own message,
    /// so counts appear as they come. Not cancelled by a switch: they belong to no account
    /// in use.
    pub(super) fn read_accounts(&mut self, names: Vec<String>) {
        let Some(connector) = self.connector.clone() else {
            for name in names {
                let _ = self.tx.send(Inner::Msg(Msg::AccountRead {
                    name,
                    at: OffsetDateTime::now_utc(),
                    result: Err("this session cannot read other accounts".into()),
                }));
            }
            return;
        };
        let permits = Arc::new(tokio::sync::Semaphore::new(crate::fleet::CONCURRENCY));
        for name in names {
            let (tx, connector, permits) = (self.tx.clone(), connector.clone(), permits.clone());
            tokio::spawn(async move {
                let _permit = permits.acquire_owned().await;
                let result = match connector(name.clone()).await {
                    Ok(account) => {
                        let list = account.client.list().await.map_err(|e| e.to_string());
                        account.guard.close().await;
                        list
                    }
                    Err(reason) => Err(reason),
                };
                let _ = tx.send(Inner::Msg(Msg::AccountRead {
                    name,
                    at: OffsetDateTime::now_utc(),
                    result,
                }));
            });
        }
    }

    /// Probes an endpoint off the loop (stages 1–4: nothing is posted). The trusted roots
    /// are read once, on the first probe of the session.
    pub(super) fn probe(&mut self, req: u64, url: String) {
        self.probes.retain(|_, task| !task.is_finished());
        let task = self.spawn_probe(req, url, None);
        self.probes.insert(req, task.abort_handle());
    }

    /// `T`: the probe and then one signed test delivery (stage 5, as `probe --send`). Not
    /// kept among the probes Esc cancels: once sent, its POST is what the trail records.
    pub(super) fn test_delivery(
        &mut self,
        req: u64,
        url: String,
        send: crate::evidence::probe::delivery::Send,
    ) {
        self.spawn_probe(req, url, Some(send));
    }

    /// One probe task; the secret of `send` (if any) lives in it and is wiped as it ends.
    fn spawn_probe(
        &self,
        req: u64,
        url: String,
        send: Option<crate::evidence::probe::delivery::Send>,
    ) -> tokio::task::JoinHandle<()> {
        let tx = self.tx.clone();
        let trust = self.probe_trust.clone();
        tokio::spawn(async move {
            let target = crate::evidence::probe::Target::parse(&url);
            let trust = trust
                .get_or_init(|| async {
                    tokio::task::spawn_blocking(|| crate::evidence::probe::tls::Trust::load(None))
                        .await
                        .unwrap_or_else(|e| Err(e.to_string()))
                })
                .await
                .clone();
            let report = match (target, trust) {
                (Ok(target), Ok(trust)) => {
                    let options = crate::evidence::probe::Options {
                        timeout: crate::evidence::probe::DEFAULT_TIMEOUT,
                        trust,
                        send,
                    };
                    crate::evidence::probe::probe(&target, &options).await
                }
                (Err(why), _) | (_, Err(why)) => crate::evidence::probe::unprobed(&url, &why),
            };
            let _ = tx.send(Inner::Msg(Msg::Probed {
                req,
                report: Box::new(report),
            }));
        })
    }

    /// Reads the delivery log (linq-api.md §12) of one subscription: the same endpoint for
    /// every account. Without a usable log client the answer is its reason, at once.
    pub(super) fn load_deliveries(&self, req: u64, id: String, last: usize) {
        let logs = self.logs.clone();
        let tx = self.tx.clone();
        let cancelled = self.reads.clone();
        tokio::spawn(async move {
            let read = async {
                let client = logs?;
                let query = LogQuery::new(id.clone(), 50);
                let entries = client.recent(&query, last).await?;
                Ok(entries.into_iter().map(|e| e.entry).collect())
            };
            tokio::select! {
                () = cancelled.cancelled() => {}
                result = read => {
                    let result = ApiResult::Deliveries { id, result };
                    let _ = tx.send(Inner::Msg(Msg::Api { req, result }));
                }
            }
        });
    }

    /// The open rotations of an account, from the trail off the loop (none without one).
    pub(super) fn load_rotations(&self, account: String, host: String) {
        let path = self.audit_path.clone();
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let entries = path
                .and_then(|p| crate::audit::read(&p, None, 100_000).ok())
                .map(|trail| trail.entries)
                .unwrap_or_default();
            let entries: Vec<_> = entries
                .into_iter()
                .filter(|e| e.account.name == account)
                .filter(|e| host.is_empty() || e.account.host == host)
                .collect();
            let open = crate::lifecycle::rotate::open_in_trail(&entries);
            let _ = tx.send(Inner::Msg(Msg::RotationTrail(open)));
        });
    }

    /// Reads the audit trail off the loop.
    pub(super) fn load_history(&self, account: crate::audit::AuditAccount) {
        let path = self.audit_path.clone();
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let result = match path {
                None => Err("this session keeps no audit trail".to_string()),
                Some(path) => crate::audit::read(&path, Some(&account), 500)
                    .map_err(|e| format!("cannot read {}: {e}", path.display())),
            };
            let _ = tx.send(Inner::Msg(Msg::History(result)));
        });
    }

    /// `X`: renders the export and writes it off the loop (a slow disk never stalls input).
    pub(super) fn export_file(
        &self,
        path: String,
        subscriptions: Vec<crate::api::Subscription>,
        name: String,
        host: String,
        overwrite: bool,
    ) {
        use crate::app::export::ExportFailure;
        use crate::lifecycle::export_file::{render_and_write, ExportFileError};
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let file = std::path::Path::new(&path);
            let result = match render_and_write(file, &subscriptions, name, host, overwrite) {
                Ok(()) => Ok(subscriptions.len()),
                Err(ExportFileError::Exists) => Err(ExportFailure::Exists),
                Err(e) => Err(ExportFailure::Failed(format!("cannot write {path}: {e}"))),
            };
            let _ = tx.send(Inner::Msg(Msg::Exported { path, result }));
        });
    }
}
