//! What a key, a paste or a click does outside the form: keymap actions on the list,
//! the detail pane, the filter and the small dialogs; the mouse on the list.

use super::fleet_view::TextKey;
use super::form_update::TextEdit;
use super::geometry::{banner_rows, list_rows_area};
use super::keymap::{self, Action, Context};
use super::{bulk, text_input, App, Banner, Cmd, Focus, Modal, Tab};
use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use tui_input::InputRequest;

impl App {
    pub(super) fn on_key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        // Release and repeat events would fire actions twice on some terminals.
        if key.kind != KeyEventKind::Press {
            return Vec::new();
        }
        let context = self.context();
        match keymap::lookup(context, &key, self.connection.read_only) {
            Some(action) => {
                self.dirty = true;
                match context {
                    Context::Secret | Context::SecretConfirm if action != Action::ForceQuit => {
                        self.secret_action(action)
                    }
                    Context::Accounts | Context::ConfirmSwitch if action != Action::ForceQuit => {
                        self.account_action(action)
                    }
                    Context::AccountSearch if action != Action::ForceQuit => {
                        self.account_search_action(action)
                    }
                    Context::Palette if action != Action::ForceQuit => self.palette_action(action),
                    Context::Verify if action != Action::ForceQuit => {
                        self.verify_action(action);
                        Vec::new()
                    }
                    Context::ConfirmDelivery if action != Action::ForceQuit => {
                        self.delivery_action(action)
                    }
                    Context::ExportPath | Context::ConfirmOverwrite
                        if action != Action::ForceQuit =>
                    {
                        self.export_action(action)
                    }
                    _ if self.form_context().is_some() && action != Action::ForceQuit => {
                        self.form_action(action)
                    }
                    _ => self.act(action),
                }
            }
            None => {
                if context == Context::ConfirmBulk {
                    match key.code {
                        KeyCode::Char(c) => self.bulk_key(c),
                        KeyCode::Backspace => self.bulk_backspace(),
                        _ => {}
                    }
                    self.dirty = true;
                } else if context == Context::Verify {
                    self.verify_key(key);
                } else if context == Context::ConfirmDelivery {
                    self.delivery_key(key);
                } else if let Some(edit) =
                    (matches!(context, Context::AccountSearch | Context::Palette))
                        .then(|| query_key(&key))
                        .flatten()
                {
                    if context == Context::Palette {
                        self.palette_key(edit);
                    } else {
                        self.account_search_key(edit);
                    }
                } else if context == Context::ExportPath {
                    self.export_key(key);
                } else if context == Context::FilterInput {
                    self.edit_filter(key);
                } else if context.is_text() {
                    if let Some(request) = text_request(&key) {
                        self.form_input(TextEdit::Key(request));
                    }
                } else if let Some(dialog) = self.secret_dialog.as_mut() {
                    // A stray key never closes the dialog; it says how to.
                    dialog.nudge = true;
                    self.dirty = true;
                }
                Vec::new()
            }
        }
    }

    pub(super) fn act(&mut self, action: Action) -> Vec<Cmd> {
        match action {
            Action::ForceQuit | Action::Quit => return self.quit(),
            Action::Help => {
                self.modal = Some(Modal::Help);
                self.help_scroll = 0;
            }
            Action::HelpUp => self.help_scroll = self.help_scroll.saturating_sub(1),
            Action::HelpDown => {
                // Never past the last line of the longest (single-column) help.
                let lines: usize = keymap::help_groups(self.connection.read_only)
                    .iter()
                    .map(|(_, b)| b.len() + 2)
                    .sum();
                let max = u16::try_from(lines).unwrap_or(u16::MAX);
                self.help_scroll = self.help_scroll.saturating_add(1).min(max);
            }
            Action::CloseHelp => self.modal = None,
            Action::Up => self.move_selection(-1),
            Action::Down => self.move_selection(1),
            Action::PageUp => self.move_selection(-(self.page() as isize)),
            Action::PageDown => self.move_selection(self.page() as isize),
            Action::Top => self.move_selection(isize::MIN / 2),
            Action::Bottom => self.move_selection(isize::MAX / 2),
            Action::ShowAll => self.set_tab(Tab::All),
            Action::ShowActive => self.set_tab(Tab::Active),
            Action::ShowPaused => self.set_tab(Tab::Paused),
            Action::ShowProblems => self.set_tab(Tab::Problems),
            Action::FocusDetail if self.selected.is_some() => {
                self.focus = Focus::Detail;
                self.detail_scroll = 0;
                return self.resume_deliveries();
            }
            Action::FocusList => {
                if let Some(cmds) = self.cancel_probes() {
                    return cmds;
                }
                self.focus = Focus::List;
            }
            Action::ScrollUp => self.detail_scroll = self.detail_scroll.saturating_sub(1),
            Action::ScrollDown => self.detail_scroll = self.detail_scroll.saturating_add(1),
            Action::Back => {
                if let Some(cmds) = self.cancel_probes() {
                    return cmds;
                }
                if !self.marked.is_empty() {
                    self.marked.clear();
                } else if self.banner.is_some() {
                    self.banner = None;
                } else if !self.filter.value().is_empty() {
                    self.filter.reset();
                    self.refilter();
                }
            }
            Action::TogglePause if !self.marked.is_empty() => self.ask_bulk(false),
            Action::TogglePause => return self.toggle_pause(),
            Action::Mark => self.toggle_mark(),
            Action::MarkVisible => self.mark_visible(),
            Action::Undo => return self.ask_undo(),
            // The summary says `u` undoes what went through: it does, from there.
            Action::SummaryUndo => {
                self.modal = None;
                return self.ask_undo();
            }
            Action::BulkYes => {
                if let Some(Modal::ConfirmBulk { op, on_confirm, .. }) = &mut self.modal {
                    if *op != bulk::BulkOp::Delete {
                        *on_confirm = true;
                    }
                }
                return self.confirm_bulk();
            }
            Action::BulkSwitch => {
                if let Some(Modal::ConfirmBulk { on_confirm, .. }) = &mut self.modal {
                    *on_confirm = !*on_confirm;
                }
            }
            Action::BulkPress => return self.confirm_bulk(),
            Action::BulkNo | Action::SummaryClose | Action::RecreateNo => self.modal = None,
            Action::RecreateYes => return self.recreate(),
            Action::NewSubscription => return self.open_create_form(),
            Action::EditSubscription => return self.open_edit_form(),
            Action::Delete if !self.marked.is_empty() => self.ask_bulk(true),
            Action::Delete => {
                // An ordinary delete question: no longer the finish of a rotation.
                self.forget_rotation_finish();
                if let Some(sub) = self.selected_subscription() {
                    if !self.pending.contains_key(&sub.id) {
                        self.modal = Some(Modal::ConfirmDelete {
                            id: sub.id.clone(),
                            target_url: sub.target_url.clone(),
                            on_delete: false,
                        });
                    }
                }
            }
            Action::ConfirmDelete => return self.confirm_delete(),
            Action::CancelDelete => self.modal = None,
            Action::SwitchButton => {
                if let Some(Modal::ConfirmDelete { on_delete, .. }) = &mut self.modal {
                    *on_delete = !*on_delete;
                }
            }
            Action::PressButton => {
                if let Some(Modal::ConfirmDelete {
                    on_delete: true, ..
                }) = self.modal
                {
                    return self.confirm_delete();
                }
                self.modal = None;
            }
            Action::Rotate => return self.rotate_key(),
            Action::RotateYes => return self.rotate_yes(),
            Action::RotateNo | Action::RotateClose => self.modal = None,
            Action::RotateFinish => return self.rotate_finish(),
            Action::RotateAbort => return self.rotate_abort(),
            Action::Accounts => return self.open_accounts(),
            Action::Palette => self.open_palette(),
            Action::CopyRows => return self.copy_rows(),
            Action::Verify => self.open_verify(),
            Action::Export => self.open_export(),
            Action::TestEvent => self.ask_test_event(),
            Action::Probe => return self.probe(),
            Action::TestDelivery => self.ask_test_delivery(),
            Action::PickEventUp
            | Action::PickEventDown
            | Action::PickEventSend
            | Action::PickEventClose => return self.pick_event_action(action),
            Action::History => {
                self.modal = Some(Modal::History(Default::default()));
                return vec![Cmd::LoadHistory {
                    account: self.audit_account(),
                }];
            }
            Action::HistoryDown | Action::HistoryUp => {
                if let Some(Modal::History(view)) = &mut self.modal {
                    view.move_cursor(action == Action::HistoryDown);
                }
            }
            Action::HistoryToggle => {
                if let Some(Modal::History(view)) = &mut self.modal {
                    view.toggle();
                }
            }
            Action::HistoryClose => self.modal = None,
            Action::Refresh => {
                self.banner = None;
                if let Some((req, _)) = self.list_req {
                    // Shown with the spinner now, even if it started as a quiet refresh.
                    self.list_req = Some((req, false));
                    self.list_again = true;
                    return self.resume_deliveries();
                }
                let mut cmds = vec![self.load_list(false)];
                cmds.extend(self.resume_deliveries());
                return cmds;
            }
            Action::Filter => self.focus = Focus::Filter,
            Action::FilterKeep => self.focus = Focus::List,
            Action::FilterClear => {
                self.filter.reset();
                self.focus = Focus::List;
                self.refilter();
            }
            Action::CopyId => {
                let Some(sub) = self.selected_subscription() else {
                    return Vec::new();
                };
                // Only what is drawn, and only an id that looks like one: a hostile id could
                // carry an escape sequence or a shell command into the user's paste.
                if crate::validate::is_subscription_id(&sub.id) {
                    return vec![Cmd::Copy {
                        text: sub.id.clone(),
                        what: "subscription id".into(),
                    }];
                }
                self.banner = Some(Banner::error_text(
                    "Not copied: the server sent an id that is not a subscription id",
                ));
            }
            // Form, secret and lost-create keys are dispatched by `form_action` /
            // `secret_action`; they cannot reach here.
            _ => {}
        }
        Vec::new()
    }

    /// Unbound keys in the verify screen type into its focused field.
    pub(super) fn verify_key(&mut self, key: KeyEvent) {
        match key.code {
            KeyCode::Backspace => self.verify_backspace(),
            KeyCode::Enter => self.verify_input("\n"),
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.verify_input(c.encode_utf8(&mut [0; 4]))
            }
            _ => {}
        }
        self.dirty = true;
    }

    pub(super) fn edit_filter(&mut self, key: KeyEvent) {
        if let Some(r) = text_request(&key) {
            if let Err(limit) = text_input::edit(&mut self.filter, r, text_input::FILTER_LIMIT) {
                self.banner = Some(Banner::notice(text_input::full_notice(limit)));
            }
            self.refilter();
            self.dirty = true;
        }
    }

    pub(super) fn on_mouse(&mut self, mouse: MouseEvent) {
        // Nothing behind a form or a dialog moves.
        if self.modal.is_some()
            || self.verify.is_some()
            || self.delivery_dialog.is_some()
            || self.export.is_some()
            || self.form.is_some()
            || self.secret_dialog.is_some()
            || self.lost_create.is_some()
        {
            return;
        }
        match mouse.kind {
            MouseEventKind::ScrollDown => self.move_selection(3),
            MouseEventKind::ScrollUp => self.move_selection(-3),
            MouseEventKind::Down(MouseButton::Left) => {
                let area = list_rows_area(
                    self.size,
                    banner_rows(self.banner.as_ref(), self.size.0),
                    self.visible.len(),
                );
                if mouse.row >= area.y && mouse.row < area.y + area.height && mouse.column >= area.x
                {
                    let index = self.scroll + (mouse.row - area.y) as usize;
                    if let Some(&i) = self.visible.get(index) {
                        self.selected = Some(self.subscriptions[i].id.clone());
                        self.focus = Focus::List;
                        self.detail_scroll = 0;
                    }
                }
            }
            _ => return,
        }
        self.dirty = true;
    }
}

/// Keys that edit the palette's or the account search's one-line query.
fn query_key(key: &KeyEvent) -> Option<TextKey> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Char('u') if ctrl => Some(TextKey::Clear),
        KeyCode::Char(c) if !ctrl => Some(TextKey::Char(c)),
        KeyCode::Backspace => Some(TextKey::Backspace),
        _ => None,
    }
}

/// Keys that edit a text input (any unbound key in a text context).
pub(super) fn text_request(key: &KeyEvent) -> Option<InputRequest> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Char('u') if ctrl => Some(InputRequest::DeleteLine),
        KeyCode::Char('w') if ctrl => Some(InputRequest::DeletePrevWord),
        KeyCode::Char(c) if !ctrl => Some(InputRequest::InsertChar(c)),
        KeyCode::Backspace => Some(InputRequest::DeletePrevChar),
        KeyCode::Delete => Some(InputRequest::DeleteNextChar),
        KeyCode::Left => Some(InputRequest::GoToPrevChar),
        KeyCode::Right => Some(InputRequest::GoToNextChar),
        KeyCode::Home => Some(InputRequest::GoToStart),
        KeyCode::End => Some(InputRequest::GoToEnd),
        _ => None,
    }
}
