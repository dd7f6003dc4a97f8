//! The API's answers: the list, the catalogue, the lines, and the outcome of each write
//! (audited, undoable, reconciled with the rows shown).

use super::{
    bulk, failure_heading, undo, ApiResult, App, Banner, BannerKind, Cmd, PendingOp, ReqId, Startup,
};
use crate::api::SubscriptionPatch;
use crate::text::clean;

impl App {
    /// The quiet flag of the list request `req` answers, when it is the one awaited.
    fn take_list_req(&mut self, req: ReqId) -> Option<bool> {
        let (current, quiet) = self.list_req?;
        if current != req {
            return None;
        }
        self.list_req = None;
        Some(quiet)
    }

    /// What follows every list that answered: focus after a switch, a create's check, the
    /// banners, an undo waiting for the list.
    fn after_list(&mut self, req: ReqId) -> Vec<Cmd> {
        self.focus_after_switch();
        self.resolve_create_check(req);
        self.update_list_banners();
        self.resolve_undo(req)
    }

    pub(super) fn on_api(&mut self, req: ReqId, result: ApiResult) -> Vec<Cmd> {
        match result {
            ApiResult::List { at, result, digest } => {
                let Some(quiet) = self.take_list_req(req) else {
                    return Vec::new();
                };
                match result {
                    Ok(list) => {
                        // Rows that carry a write in flight are not the answer's rows.
                        let as_answered = self.pending.is_empty();
                        self.apply_list(list, at, quiet);
                        self.list_digest = digest.filter(|_| as_answered);
                        let cmds = self.after_list(req);
                        if !cmds.is_empty() {
                            return cmds;
                        }
                    }
                    Err(err) => {
                        if let Some(form) = self
                            .form
                            .as_mut()
                            .filter(|f| f.create_check.as_ref().is_some_and(|c| c.req == Some(req)))
                        {
                            // Kept: the next Ctrl-S asks again instead of creating twice.
                            if let Some(check) = form.create_check.as_mut() {
                                check.req = None;
                            }
                            form.server_error = Some(Banner::error(
                                "Cannot tell yet whether the create went through (the list failed too); Ctrl-S checks again",
                                &err,
                            ));
                        }
                        if self.startup == Startup::Ready {
                            self.banner = Some(
                                Banner::error("Refresh failed", &err)
                                    .of_kind(BannerKind::RefreshFailed),
                            );
                        } else {
                            // First rows shown while the rest was read are not a list.
                            self.forget_first_rows();
                            self.startup = Startup::Failed {
                                heading: failure_heading(&err),
                                detail: err.to_string(),
                            };
                        }
                        self.dirty = true;
                    }
                }
                if std::mem::take(&mut self.list_again) {
                    return vec![self.load_list(false)];
                }
            }
            ApiResult::FirstRows(first) => {
                if self.list_req.is_some_and(|(r, _)| r == req) {
                    self.show_first_rows(first);
                }
            }
            ApiResult::ListUnchanged { at } => {
                let Some((_, quiet)) = self.list_req.filter(|(r, _)| *r == req) else {
                    return Vec::new();
                };
                if self.list_digest.is_none() {
                    // The rows changed here while the list was on its way: the answer's
                    // digest no longer says they are the server's. Read them again (still
                    // awaited, this request hands what waits for it to that one).
                    self.list_again = false;
                    return vec![self.load_list(quiet)];
                }
                self.list_req = None;
                self.apply_unchanged_list(at, quiet);
                let cmds = self.after_list(req);
                if !cmds.is_empty() {
                    return cmds;
                }
                if std::mem::take(&mut self.list_again) {
                    return vec![self.load_list(false)];
                }
            }
            ApiResult::Catalog(result) => {
                if self.catalog_req != Some(req) {
                    return Vec::new();
                }
                self.catalog_req = None;
                match result {
                    Ok(catalog) if !catalog.events.is_empty() => {
                        self.catalog = catalog
                            .events
                            .iter()
                            .map(|e| clean(e).into_owned())
                            .collect();
                        self.catalog_from_server = true;
                    }
                    Ok(_) | Err(_) => {
                        // The bundled list stays; the detail pane says where it came from.
                        self.catalog_from_server = false;
                    }
                }
                // Findings about event types follow the catalogue.
                self.recount();
                self.refilter();
                self.dirty = true;
            }
            ApiResult::Updated { id, result } => {
                if self.pending.get(&id).map(|p| p.req) != Some(req) {
                    return Vec::new();
                }
                self.clear_waiting_banner();
                let Some(pending) = self.pending.remove(&id) else {
                    return Vec::new();
                };
                let batched = self.in_batch(&id);
                // The pause that puts an undone delete back as it was: no change of its own.
                let restoring = self.recreated_pause(req, &result);
                let mut cmds = Vec::new();
                // What takes this change back: the values before it, and what it left.
                let undo_item = match (&result, pending.op) {
                    (Ok(server), PendingOp::Pause { was_active }) => {
                        let mut old = server.clone();
                        old.is_active = was_active;
                        Some(undo::UndoItem {
                            id: id.clone(),
                            target_url: pending.target_url.clone(),
                            inverse: SubscriptionPatch::pause(was_active),
                            expected: server.clone(),
                        })
                        .filter(|_| old.is_active != server.is_active)
                    }
                    _ => None,
                };
                let failure = result.as_ref().err().map(bulk::error_line);
                match result {
                    Ok(server) => {
                        if let Some(sub) = self.row_mut(&id) {
                            *sub = server;
                        }
                        self.write_landed = true;
                        if !batched && !restoring {
                            self.undo = undo_item.clone().map(|item| undo::Undo::Writes {
                                label: if item.inverse.is_active == Some(true) {
                                    "pause".into()
                                } else {
                                    "resume".into()
                                },
                                items: vec![item],
                            });
                        }
                    }
                    Err(err) => {
                        if let (PendingOp::Pause { was_active }, Some(sub)) =
                            (pending.op, self.row_mut(&id))
                        {
                            sub.is_active = was_active;
                        }
                        let verb = match pending.op {
                            PendingOp::Pause { was_active: true } => "Pause failed",
                            PendingOp::Update => "Undo failed",
                            _ => "Resume failed",
                        };
                        if err.is_not_found() {
                            self.remove_subscription(&id);
                            if !batched {
                                self.banner = Some(Banner::notice(
                                    "That subscription was already deleted elsewhere",
                                ));
                            }
                        } else if !batched && !restoring {
                            self.banner = Some(Banner::error(verb, &err));
                        }
                    }
                }
                self.recount();
                self.refilter();
                self.dirty = true;
                if batched {
                    cmds.extend(self.batch_answered(&id, &pending.target_url, failure, undo_item));
                }
                return cmds;
            }
            ApiResult::Created { target_url, result } => {
                if self.rotation_starting(req) {
                    return self
                        .on_rotation_created(req, target_url, result)
                        .unwrap_or_default();
                }
                return self.on_created(req, target_url, result);
            }
            result @ ApiResult::PairReread { .. } => self.on_rotation_answer(req, result),
            ApiResult::Saved { result } => return self.on_saved(req, result),
            ApiResult::TestEvent { event_type, result } => {
                return self.on_test_event(req, event_type, result)
            }
            ApiResult::Deliveries { id, result } => self.on_deliveries(req, id, result),
            ApiResult::Lines(result) => {
                if self.lines_req == Some(req) {
                    self.lines_req = None;
                    match result {
                        Ok(lines) => {
                            self.lines = Some(lines);
                            self.lines_error = None;
                            // Phone-filter findings need the lines.
                            self.recount();
                            self.refilter();
                        }
                        Err(err) => self.lines_error = Some(err.to_string()),
                    }
                    self.dirty = true;
                }
            }
            ApiResult::Deleted { id, result } if self.rotation_deleting(req) => {
                return self
                    .on_rotation_deleted(req, &id, result)
                    .unwrap_or_default();
            }
            ApiResult::Deleted { id, result } => {
                if self.pending.get(&id).map(|p| p.req) != Some(req) {
                    return Vec::new();
                }
                self.clear_waiting_banner();
                let raw_url = self
                    .pending
                    .remove(&id)
                    .map(|p| p.target_url)
                    .unwrap_or_default();
                let url = clean(&raw_url).into_owned();
                let before = self.subscriptions.iter().find(|s| s.id == id).cloned();
                let batched = self.in_batch(&id);
                let failure = result
                    .as_ref()
                    .err()
                    .filter(|e| !e.is_not_found())
                    .map(bulk::error_line);
                match result {
                    Ok(()) => {
                        self.remove_subscription(&id);
                        if !batched {
                            self.banner = Some(Banner::info(format!("Deleted {url}")));
                            // Its secret is gone; `u` can only create it again.
                            self.undo = before.map(|b| undo::Undo::Recreate(Box::new(b)));
                        }
                        self.write_landed = true;
                    }
                    Err(err) if err.is_not_found() => {
                        self.remove_subscription(&id);
                        if !batched {
                            self.banner = Some(Banner::notice(format!(
                                "{url} was already deleted elsewhere"
                            )));
                        }
                    }
                    Err(err) if !batched => {
                        self.banner = Some(Banner::error("Delete failed", &err))
                    }
                    Err(_) => {}
                }
                self.dirty = true;
                let mut cmds = Vec::new();
                if batched {
                    cmds.extend(self.batch_answered(&id, &raw_url, failure, None));
                }
                return cmds;
            }
        }
        Vec::new()
    }
}
