//! `update` for the create/edit form, the one-time secret dialog and the "create outcome
//! unknown" prompt.

use super::forms::{CheckRow, Form, FormField, FormPrompt};
use super::keymap::{Action, Context};
use super::text_input;
use super::{App, Banner, Cmd, Focus, Pending, PendingOp};
use crate::api::SigningSecret;
use crate::text::clean;
use tui_input::{Input, InputRequest};
use zeroize::Zeroizing;

/// What the copy of the secret is called in [`super::CopyOutcome`].
pub const SECRET_WHAT: &str = "signing secret";

/// The one-time secret dialog. The secret lives here and nowhere else in the app; closing
/// the dialog drops it, which zeroises it.
#[derive(Debug)]
pub struct SecretDialog {
    pub id: String,
    pub target_url: String,
    secret: Option<SigningSecret>,
    pub revealed: bool,
    /// Ever revealed or copied: closing then needs no second confirmation.
    pub seen: bool,
    /// What the last copy really did.
    pub copy_status: Option<super::CopyOutcome>,
    pub confirm_close: bool,
    /// Esc / q / a stray key was pressed: say how to close.
    pub nudge: bool,
}

impl SecretDialog {
    pub fn new(id: String, target_url: String, secret: SigningSecret) -> Self {
        Self {
            id,
            target_url,
            secret: Some(secret),
            revealed: false,
            seen: false,
            copy_status: None,
            confirm_close: false,
            nudge: false,
        }
    }

    /// The secret, only for drawing it revealed and for the clipboard.
    pub fn secret(&self) -> Option<&SigningSecret> {
        self.secret.as_ref()
    }

    pub fn holds_secret(&self) -> bool {
        self.secret.is_some()
    }
}

/// Text going into the focused input: a typed edit or a whole paste.
pub(super) enum TextEdit<'a> {
    Key(InputRequest),
    Paste(&'a str),
}

fn is_size_notice(banner: &Banner) -> bool {
    banner.level == super::BannerLevel::Notice
        && (banner.text.starts_with("Paste cut to") || banner.text.starts_with("This field takes"))
}

/// A create whose answer never came: the URL to look for in a fresh list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateCheck {
    /// The list request that will tell; `None` after that list failed (Ctrl-S asks again).
    pub req: Option<u64>,
    pub target_url: String,
}

impl App {
    /// The keyboard context while a form, the secret dialog or the lost-create prompt is up.
    pub(super) fn form_context(&self) -> Option<Context> {
        if let Some(d) = &self.secret_dialog {
            return Some(if d.confirm_close {
                Context::SecretConfirm
            } else {
                Context::Secret
            });
        }
        if self.lost_create.is_some() {
            return Some(Context::LostCreate);
        }
        let form = self.form.as_ref()?;
        if self.modal.is_some() {
            return None;
        }
        Some(match (&form.prompt, form.field) {
            (Some(FormPrompt::Discard), _) => Context::DiscardPrompt,
            (Some(FormPrompt::ConfirmSave { .. }), _) => Context::SavePrompt,
            (None, FormField::Url) => Context::FormUrl,
            (None, FormField::Events) if form.events.filtering => Context::ChecklistFilter,
            (None, FormField::Events) => Context::Checklist,
            (None, FormField::Phones) if form.phones.adding.is_some() => Context::PhoneInput,
            (None, FormField::Phones) if form.phones.picking.is_some() => Context::LinePicker,
            (None, FormField::Phones) => Context::Phones,
            (None, FormField::Routing) => Context::Routing,
        })
    }

    pub(super) fn open_create_form(&mut self) -> Vec<Cmd> {
        self.form = Some(Form::create(&self.catalog, self.taken_urls()));
        self.focus = Focus::List;
        self.load_lines_once()
    }

    pub(super) fn open_edit_form(&mut self) -> Vec<Cmd> {
        let Some(id) = self.selected.clone() else {
            return Vec::new();
        };
        if self.refuse_if_pending(&id) {
            return Vec::new();
        }
        let Some(sub) = self.selected_subscription() else {
            return Vec::new();
        };
        self.form = Some(Form::edit(sub, &self.catalog, self.taken_urls()));
        self.load_lines_once()
    }

    fn taken_urls(&self) -> std::collections::BTreeSet<String> {
        self.subscriptions
            .iter()
            .map(|s| s.target_url.clone())
            .collect()
    }

    pub(super) fn load_lines_once(&mut self) -> Vec<Cmd> {
        if self.lines.is_some() || self.lines_req.is_some() {
            return Vec::new();
        }
        let req = self.next_id();
        self.lines_req = Some(req);
        vec![Cmd::LoadLines { req }]
    }

    /// Unbound keys and pastes in a text context go into its input, within its limit.
    pub(super) fn form_input(&mut self, edit: TextEdit) {
        let Some(context) = self.form_context() else {
            return;
        };
        let Some(form) = self.form.as_mut() else {
            return;
        };
        let (input, limit): (&mut Input, usize) = match context {
            Context::FormUrl => (&mut form.url, text_input::URL_LIMIT),
            Context::ChecklistFilter => (&mut form.events.filter, text_input::FILTER_LIMIT),
            Context::PhoneInput => match form.phones.adding.as_mut() {
                Some(i) => (i, text_input::PHONE_LIMIT),
                None => return,
            },
            Context::Routing if form.routing.expanded => {
                let input = if form.routing.row == 0 {
                    &mut form.routing.key_header
                } else {
                    &mut form.routing.id_header
                };
                (input, text_input::HEADER_LIMIT)
            }
            _ => return,
        };
        let outcome = match edit {
            TextEdit::Key(request) => {
                text_input::edit(input, request, limit).map_err(text_input::full_notice)
            }
            TextEdit::Paste(text) => {
                text_input::paste(input, text, limit).map_err(text_input::cut_notice)
            }
        };
        form.phones.error = None;
        match outcome {
            Err(notice) => form.server_error = Some(Banner::notice(notice)),
            // A notice about the size of an earlier paste is stale once the text changes.
            Ok(()) if form.server_error.as_ref().is_some_and(is_size_notice) => {
                form.server_error = None
            }
            Ok(()) => {}
        }
        if context == Context::ChecklistFilter {
            form.events.cursor = 0;
            form.events.clamp_cursor();
        }
        self.dirty = true;
    }

    pub(super) fn secret_action(&mut self, action: Action) -> Vec<Cmd> {
        let Some(dialog) = self.secret_dialog.as_mut() else {
            return Vec::new();
        };
        dialog.nudge = false;
        match action {
            Action::Reveal => {
                dialog.revealed = !dialog.revealed;
                dialog.seen = true;
            }
            Action::CopySecret => match dialog.secret() {
                Some(secret) if secret.is_well_formed() => {
                    return vec![Cmd::CopySecret {
                        text: Zeroizing::new(secret.expose().to_string()),
                    }];
                }
                Some(_) => {
                    dialog.copy_status = Some(super::CopyOutcome::Failed {
                        what: SECRET_WHAT.into(),
                        reason: "the server sent an unusable secret (not whsec_ and base64), so it was not copied".into(),
                    });
                }
                None => {}
            },
            Action::SecretStored => {
                if dialog.seen {
                    self.close_secret();
                } else {
                    dialog.confirm_close = true;
                }
            }
            Action::SecretCloseAnyway => self.close_secret(),
            Action::SecretBack => dialog.confirm_close = false,
            _ => dialog.nudge = true,
        }
        Vec::new()
    }

    /// Drops the dialog and with it the only copy of the secret (zeroised on drop).
    fn close_secret(&mut self) {
        self.secret_dialog = None;
    }

    pub(super) fn form_action(&mut self, action: Action) -> Vec<Cmd> {
        match action {
            Action::DeleteLost => {
                if let Some((id, target_url)) = self.lost_create.take() {
                    let req = self.next_id();
                    self.pending.insert(
                        id.clone(),
                        Pending {
                            req,
                            op: PendingOp::Delete,
                            target_url,
                        },
                    );
                    // The banner above the form reports the delete; then Ctrl-S creates again.
                    if let Some(form) = self.form.as_mut() {
                        form.server_error = None;
                    }
                    return vec![Cmd::Delete { req, id }];
                }
                return Vec::new();
            }
            Action::KeepLost => {
                self.lost_create = None;
                self.form = None;
                return Vec::new();
            }
            _ => {}
        }
        let lines_len = self.lines.as_ref().map_or(0, Vec::len);
        let Some(form) = self.form.as_mut() else {
            return Vec::new();
        };
        match action {
            Action::NextField | Action::PrevField => {
                form.field = form.field.next(action == Action::PrevField);
            }
            Action::LeaveForm => {
                if form.saving.is_some() {
                    form.server_error =
                        Some(Banner::notice("Saving… wait for the server's answer"));
                } else if form.is_dirty() {
                    form.prompt = Some(FormPrompt::Discard);
                } else {
                    self.leave_form();
                }
            }
            Action::DiscardYes => self.leave_form(),
            Action::DiscardNo | Action::SaveNo => form.prompt = None,
            Action::Save => return self.save(),
            Action::SaveYes => return self.send_edit(),
            Action::PinVersion => form.pin_version(),
            Action::CheckDown => {
                form.events.cursor += 1;
                form.events.clamp_cursor();
            }
            Action::CheckUp => form.events.cursor = form.events.cursor.saturating_sub(1),
            Action::CheckToggle => form.events.toggle(),
            Action::CheckFilter => form.events.filtering = true,
            Action::CheckFilterKeep => form.events.filtering = false,
            Action::CheckFilterClear => {
                form.events.filter.reset();
                form.events.filtering = false;
                form.events.clamp_cursor();
            }
            Action::SelectVisible => form.events.set_visible(true),
            Action::ClearVisible => form.events.set_visible(false),
            Action::PhoneDown => {
                form.phones.cursor =
                    (form.phones.cursor + 1).min(form.phones.numbers.len().saturating_sub(1))
            }
            Action::PhoneUp => form.phones.cursor = form.phones.cursor.saturating_sub(1),
            Action::PhoneAdd => {
                form.phones.adding = Some(Input::default());
                form.phones.error = None;
            }
            Action::PhoneRemove => form.phones.remove_selected(),
            Action::PhonePick => {
                form.phones.picking = Some(0);
                form.phones.error = None;
            }
            Action::PhoneAddConfirm => {
                let raw = form
                    .phones
                    .adding
                    .as_ref()
                    .map(|i| i.value().to_string())
                    .unwrap_or_default();
                match form.phones.add(&raw) {
                    Ok(()) => {
                        form.phones.adding = None;
                        form.phones.error = None;
                    }
                    // The typed text stays for fixing.
                    Err(e) => form.phones.error = Some(e),
                }
            }
            Action::PhoneAddCancel => {
                form.phones.adding = None;
                form.phones.error = None;
            }
            Action::PickDown => {
                if let Some(i) = form.phones.picking.as_mut() {
                    *i = (*i + 1).min(lines_len.saturating_sub(1));
                }
            }
            Action::PickUp => {
                if let Some(i) = form.phones.picking.as_mut() {
                    *i = i.saturating_sub(1);
                }
            }
            Action::PickConfirm => {
                let picked = form
                    .phones
                    .picking
                    .and_then(|i| self.lines.as_ref().and_then(|l| l.get(i)))
                    .map(|l| l.phone_number.clone());
                if let Some(number) = picked {
                    match form.phones.add(&number) {
                        Ok(()) => form.phones.picking = None,
                        Err(e) => form.phones.error = Some(e),
                    }
                }
            }
            Action::PickClose => form.phones.picking = None,
            Action::RoutingToggle => form.routing.expanded = !form.routing.expanded,
            Action::RoutingSwitch => form.routing.row = 1 - form.routing.row.min(1),
            _ => {}
        }
        Vec::new()
    }

    /// Closes the form and its draft. A create whose outcome is still unknown leaves with it;
    /// the banner says where to look.
    fn leave_form(&mut self) {
        if let Some(check) = self.form.take().and_then(|f| f.create_check) {
            self.banner = Some(Banner::notice(format!(
                "Unknown whether the create of {} went through: look for it in the list (r refreshes)",
                clean(&check.target_url)
            )));
        }
    }

    /// The checklist row under the cursor, for tests and drawing.
    pub fn checklist_row(&self) -> Option<CheckRow> {
        let form = self.form.as_ref()?;
        form.events.rows().get(form.events.cursor).cloned()
    }
}
