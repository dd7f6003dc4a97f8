//! `X`: the marked rows (or the visible rows when none are marked) exported to a file whose
//! path the user types — the same document as `linq-hooks export`. Writing is a [`Cmd`] the
//! runtime executes; an existing file is replaced only after asking.

use super::input::text_request;
use super::keymap::Action;
use super::{text_input, App, Banner, Cmd};
use crate::api::Subscription;
use crate::text::clean;
use crossterm::event::KeyEvent;
use tui_input::Input;

/// The longest path the dialog takes.
pub const PATH_LIMIT: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportStage {
    /// Typing the path.
    Path,
    /// The runtime is writing it.
    Writing,
    /// The file exists: replace it?
    AskOverwrite,
}

/// Why an export was not written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportFailure {
    /// A regular file is there (the dialog asks before replacing it).
    Exists,
    /// Anything else, in one sentence.
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct ExportDialog {
    pub path: Input,
    /// The subscriptions to export, in list order.
    pub ids: Vec<String>,
    /// True when they are the marked rows (else the visible ones).
    pub marked: bool,
    pub stage: ExportStage,
    /// The last write's failure, shown under the path.
    pub problem: Option<String>,
}

/// A file-name-safe form of an account name.
fn file_safe(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    if safe.is_empty() {
        "account".into()
    } else {
        safe
    }
}

impl App {
    fn account_name(&self) -> String {
        self.current_account().map_or_else(
            || {
                if self.connection.sandbox {
                    "sandbox".into()
                } else {
                    "account".into()
                }
            },
            |a| a.name.clone(),
        )
    }

    /// `X`: opens the dialog with `./linq-hooks-<account>-<date>.toml`.
    pub(super) fn open_export(&mut self) {
        let marked = !self.marked.is_empty();
        let ids: Vec<String> = if marked {
            self.subscriptions
                .iter()
                .filter(|s| self.marked.contains(&s.id))
                .map(|s| s.id.clone())
                .collect()
        } else {
            self.visible
                .iter()
                .map(|&i| self.subscriptions[i].id.clone())
                .collect()
        };
        if ids.is_empty() {
            self.banner = Some(Banner::notice("Nothing to export: no rows are shown"));
            return;
        }
        let date = self.now.date();
        let default = format!(
            "./linq-hooks-{}-{}.toml",
            file_safe(&self.account_name()),
            date
        );
        self.export = Some(ExportDialog {
            path: Input::new(default),
            ids,
            marked,
            stage: ExportStage::Path,
            problem: None,
        });
    }

    fn export_cmd(&self, dialog: &ExportDialog, overwrite: bool) -> Cmd {
        let subscriptions: Vec<Subscription> = self
            .subscriptions
            .iter()
            .filter(|s| dialog.ids.contains(&s.id))
            .cloned()
            .collect();
        Cmd::ExportFile {
            path: dialog.path.value().trim().to_string(),
            subscriptions,
            account: self.account_name(),
            host: crate::config::host_of(&self.connection.base_url),
            overwrite,
        }
    }

    pub(super) fn export_action(&mut self, action: Action) -> Vec<Cmd> {
        let Some(mut dialog) = self.export.take() else {
            return Vec::new();
        };
        let mut cmds = Vec::new();
        match (action, dialog.stage) {
            (Action::ExportCancel, ExportStage::Path | ExportStage::Writing) => return cmds,
            (Action::ExportWrite, ExportStage::Path) => {
                if dialog.path.value().trim().is_empty() {
                    dialog.problem = Some("type a path".into());
                } else {
                    dialog.problem = None;
                    dialog.stage = ExportStage::Writing;
                    cmds.push(self.export_cmd(&dialog, false));
                }
            }
            (Action::ExportOverwrite, ExportStage::AskOverwrite) => {
                dialog.stage = ExportStage::Writing;
                cmds.push(self.export_cmd(&dialog, true));
            }
            (Action::ExportKeep, ExportStage::AskOverwrite) => {
                dialog.stage = ExportStage::Path;
                dialog.problem = Some("the file exists: type another path".into());
            }
            _ => {}
        }
        self.export = Some(dialog);
        cmds
    }

    /// A key the keymap does not bind, while the path is typed: edits it.
    pub(super) fn export_key(&mut self, key: KeyEvent) {
        if let Some(dialog) = self
            .export
            .as_mut()
            .filter(|d| d.stage == ExportStage::Path)
        {
            if let Some(request) = text_request(&key) {
                if let Err(limit) = text_input::edit(&mut dialog.path, request, PATH_LIMIT) {
                    dialog.problem = Some(text_input::full_notice(limit));
                }
                self.dirty = true;
            }
        }
    }

    pub(super) fn export_paste(&mut self, text: &str) {
        if let Some(dialog) = self
            .export
            .as_mut()
            .filter(|d| d.stage == ExportStage::Path)
        {
            if let Err(limit) = text_input::paste(&mut dialog.path, text, PATH_LIMIT) {
                dialog.problem = Some(text_input::cut_notice(limit));
            }
            self.dirty = true;
        }
    }

    /// The runtime's answer: written (how many), exists (ask), or why not.
    pub(super) fn exported(&mut self, path: &str, result: Result<usize, ExportFailure>) {
        let Some(dialog) = self.export.as_mut() else {
            return;
        };
        if dialog.stage != ExportStage::Writing || dialog.path.value().trim() != path {
            return;
        }
        self.dirty = true;
        match result {
            Ok(count) => {
                self.export = None;
                self.banner = Some(Banner::info(format!(
                    "Exported {count} subscription{} to {} (no secrets)",
                    if count == 1 { "" } else { "s" },
                    clean(path)
                )));
            }
            Err(ExportFailure::Exists) => dialog.stage = ExportStage::AskOverwrite,
            Err(ExportFailure::Failed(why)) => {
                dialog.stage = ExportStage::Path;
                dialog.problem = Some(clean(&why).into_owned());
            }
        }
    }
}

#[cfg(test)]
#[path = "export_tests.rs"]
mod tests;
