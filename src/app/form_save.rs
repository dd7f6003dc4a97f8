//! A form saved: the create sent at once or the edit after its diff, and the answers — the
//! one-time secret of a create, a lost create found again, the rejected field focused.

use super::forms::{Form, FormField, FormPrompt};
use super::{App, Banner, Cmd, CreateCheck, PendingOp, SecretDialog};
use crate::api::{ApiError, CreatedSubscription, Subscription};
use crate::text::clean;

impl App {
    /// Ctrl-S: refuse with the first problem focused; create sends at once, edit shows the
    /// diff first.
    pub(super) fn save(&mut self) -> Vec<Cmd> {
        // Still finding out whether this draft's create went through: ask again, never
        // create twice.
        if let Some(check) = self.form.as_ref().and_then(|f| f.create_check.as_ref()) {
            if check.req.is_none() {
                let cmd = self.load_list(false);
                let check = self.form.as_mut().and_then(|f| f.create_check.as_mut());
                if let (Cmd::LoadList { req, .. }, Some(check)) = (&cmd, check) {
                    check.req = Some(*req);
                }
                return vec![cmd];
            }
            return Vec::new();
        }
        let url = self.form.as_ref().map(Form::url_value).unwrap_or_default();
        let deleting_url = self
            .pending
            .values()
            .any(|p| p.op == PendingOp::Delete && p.target_url == url);
        let req = self.next_id();
        let Some(form) = self.form.as_mut() else {
            return Vec::new();
        };
        if form.saving.is_some() {
            return Vec::new();
        }
        if deleting_url {
            form.server_error = Some(Banner::notice(
                "Waiting for the delete of this URL to finish",
            ));
            return Vec::new();
        }
        form.attempted = true;
        form.server_error = None;
        if let Some(field) = form.problems().first() {
            form.field = field;
            return Vec::new();
        }
        match form.original() {
            None => {
                let body = form.new_subscription();
                form.saving = Some(req);
                vec![Cmd::Create { req, body }]
            }
            Some(original) => {
                let patch = form.patch();
                if patch.is_empty() {
                    form.server_error = Some(Banner::notice("Nothing changed: nothing to send"));
                } else {
                    let diff = super::forms::diff_line(original, &patch);
                    form.prompt = Some(FormPrompt::ConfirmSave { diff });
                }
                Vec::new()
            }
        }
    }

    pub(super) fn send_edit(&mut self) -> Vec<Cmd> {
        let req = self.next_id();
        let Some(form) = self.form.as_mut() else {
            return Vec::new();
        };
        form.prompt = None;
        let Some(original) = form.original() else {
            return Vec::new();
        };
        let id = original.id.clone();
        let patch = form.patch();
        form.saving = Some(req);
        vec![Cmd::Save { req, id, patch }]
    }

    pub(super) fn on_created(
        &mut self,
        req: u64,
        target_url: String,
        result: Result<CreatedSubscription, ApiError>,
    ) -> Vec<Cmd> {
        if let Some(form) = self.form.as_mut() {
            if form.saving == Some(req) {
                form.saving = None;
            }
        }
        self.dirty = true;
        let recreated = self.recreated(req, &result);
        let mut cmds = self.on_created_inner(target_url, result);
        cmds.extend(recreated.and_then(|r| self.restore_recreated(r)));
        cmds
    }

    pub(super) fn on_created_inner(
        &mut self,
        target_url: String,
        result: Result<CreatedSubscription, ApiError>,
    ) -> Vec<Cmd> {
        match result {
            Ok(created) => {
                let CreatedSubscription {
                    subscription,
                    signing_secret,
                } = created;
                self.secret_dialog = Some(SecretDialog::new(
                    subscription.id.clone(),
                    subscription.target_url.clone(),
                    signing_secret,
                ));
                self.form = None;
                self.insert_subscription(subscription);
                self.write_landed = true;
                Vec::new()
            }
            Err(err) if err.outcome_unknown() => {
                if let Some(form) = self.form.as_mut() {
                    form.server_error = Some(Banner::error(
                        "No answer to the create; checking whether it happened",
                        &err,
                    ));
                }
                let cmd = self.load_list(false);
                if let (Cmd::LoadList { req, .. }, Some(form)) = (&cmd, self.form.as_mut()) {
                    form.create_check = Some(CreateCheck {
                        req: Some(*req),
                        target_url,
                    });
                }
                vec![cmd]
            }
            Err(err) => {
                self.reject_save("Create refused", &err);
                Vec::new()
            }
        }
    }

    pub(super) fn on_saved(
        &mut self,
        req: u64,
        result: Result<Subscription, ApiError>,
    ) -> Vec<Cmd> {
        let Some(form) = self.form.as_ref() else {
            return Vec::new();
        };
        if form.saving != Some(req) {
            return Vec::new();
        }
        self.on_saved_inner(result);
        Vec::new()
    }

    pub(super) fn on_saved_inner(&mut self, result: Result<Subscription, ApiError>) {
        let Some(form) = self.form.as_mut() else {
            return;
        };
        form.saving = None;
        self.dirty = true;
        if let (Ok(after), Some(before)) = (&result, form.original().cloned()) {
            let patch = form.patch();
            self.remember_undo(&before, &patch, after);
        }
        let Some(form) = self.form.as_mut() else {
            return;
        };
        match result {
            Ok(sub) => {
                let diff = form
                    .original()
                    .map(|o| super::forms::diff_line(o, &form.patch()))
                    .unwrap_or_default();
                self.form = None;
                self.banner = Some(Banner::info(format!(
                    "Saved {}: {diff}",
                    clean(&sub.target_url)
                )));
                self.insert_subscription(sub);
                self.write_landed = true;
            }
            Err(err) => self.reject_save("Save refused", &err),
        }
    }

    /// The server said no: the draft stays, the error shows, its field gets the focus.
    pub(super) fn reject_save(&mut self, context: &str, err: &ApiError) {
        let Some(form) = self.form.as_mut() else {
            self.banner = Some(Banner::error(context, err));
            return;
        };
        form.server_error = Some(Banner::error(context, err));
        let message = err.to_string();
        let field = if err.status() == Some(409) {
            Some(FormField::Url)
        } else {
            Form::field_named_in(&message)
        };
        if let Some(field) = field {
            form.field = field;
        }
    }

    /// After a create with no answer, the fresh list tells whether it happened.
    pub(super) fn resolve_create_check(&mut self, req: u64) {
        let Some(check) = self
            .form
            .as_mut()
            .and_then(|f| f.create_check.take_if(|c| c.req == Some(req)))
        else {
            return;
        };
        let found = self
            .subscriptions
            .iter()
            .find(|s| s.target_url == check.target_url)
            .map(|s| s.id.clone());
        match found {
            Some(id) => {
                self.selected = Some(id.clone());
                self.lost_create = Some((id, check.target_url));
                if let Some(form) = self.form.as_mut() {
                    form.server_error = None;
                }
            }
            None => {
                if let Some(form) = self.form.as_mut() {
                    form.server_error = Some(Banner::notice(
                        "The create did not go through: no subscription has that URL. Your draft is intact — Ctrl-S to try again",
                    ));
                }
            }
        }
    }

    /// Puts a subscription from the server into the list (replacing one with its id) and
    /// selects it.
    pub(super) fn insert_subscription(&mut self, sub: Subscription) {
        let old_index = self.selected_index();
        let id = sub.id.clone();
        match self.row_mut(&id) {
            Some(existing) => *existing = sub,
            None => self.rows_mut().push(sub),
        }
        super::list_update::sort_subscriptions(self.rows_mut());
        self.recount();
        self.selected = Some(id);
        // When the tab or filter hides the row, the selection stays where it was.
        self.refilter_keeping(old_index);
    }
}
