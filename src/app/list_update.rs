//! The list as shown: a fetched list applied (keeping writes in flight), its banners,
//! the tab and filter, the findings and counts, the selection and its scrolling.

use super::geometry::{banner_rows, list_rows_area};
use super::keymap::{self, Action};
use super::{
    view, App, Banner, BannerKind, Cmd, Counts, Focus, Modal, Msg, Pending, PendingOp, Startup, Tab,
};
use crate::api::Subscription;
use crate::text::clean;
use time::OffsetDateTime;

/// Up to this many rows, a list's findings are all computed before its first frame (about
/// a millisecond); above it only the rows on screen are, and the rest right after.
const FINDINGS_AT_ONCE: usize = 200;

impl App {
    pub(super) fn apply_list(
        &mut self,
        mut list: Vec<Subscription>,
        at: OffsetDateTime,
        quiet: bool,
    ) {
        sort_subscriptions(&mut list);
        // Writes still in flight keep their optimistic state over the server's older view
        // (usually there are none: then no lookup per row).
        if !self.pending.is_empty() {
            for sub in &mut list {
                if let Some(Pending {
                    op: PendingOp::Pause { was_active },
                    ..
                }) = self.pending.get(&sub.id)
                {
                    sub.is_active = !was_active;
                }
            }
        }
        let changed = list != self.subscriptions || self.startup != Startup::Ready;
        let label_changed = self.note_refresh(at);
        self.startup = Startup::Ready;
        if changed {
            // A delete dialog on a subscription that is gone now has nothing to delete.
            if let Some(Modal::ConfirmDelete { id, target_url, .. }) = &self.modal {
                if !list.iter().any(|s| &s.id == id) {
                    self.banner = Some(Banner::notice(format!(
                        "{} was deleted elsewhere",
                        clean(target_url)
                    )));
                    self.modal = None;
                }
            }
            let old_index = self.selected_index();
            self.subscriptions = list;
            if !self.shown_by_findings() && self.subscriptions.len() > FINDINGS_AT_ONCE {
                self.recount_on_screen(old_index);
            } else {
                self.recount();
                self.refilter_keeping(old_index);
            }
        }
        if changed || !quiet || label_changed {
            self.dirty = true;
        }
    }

    /// The list was read at `at`; whether the "refreshed …" label changed with it.
    fn note_refresh(&mut self, at: OffsetDateTime) -> bool {
        let before = self.refresh_text();
        self.now = at;
        self.last_refresh = Some(at);
        self.refresh_text() != before
    }

    /// "Still waiting for the server" is untrue once a write answers.
    pub(super) fn clear_waiting_banner(&mut self) {
        if self.banner.as_ref().map(|b| b.kind) == Some(BannerKind::Waiting) {
            self.banner = None;
        }
    }

    /// After a good list: a "Refresh failed" is no longer true, and rows with unreadable
    /// fields are counted anew.
    pub(super) fn update_list_banners(&mut self) {
        let kind = self.banner.as_ref().map(|b| b.kind);
        let unreadable = self
            .subscriptions
            .iter()
            .filter(|s| !s.unreadable.is_empty())
            .count();
        let replaceable = matches!(
            kind,
            None | Some(BannerKind::RefreshFailed | BannerKind::Unreadable)
        );
        if unreadable > 0 && replaceable {
            let rows = if unreadable == 1 {
                "1 subscription has".to_string()
            } else {
                format!("{unreadable} subscriptions have")
            };
            self.banner = Some(
                Banner::error_text(format!(
                    "{rows} fields the server sent in a shape linq-hooks cannot read (shown as ?)"
                ))
                .of_kind(BannerKind::Unreadable),
            );
            self.dirty = true;
        } else if unreadable == 0
            && matches!(
                kind,
                Some(BannerKind::RefreshFailed | BannerKind::Unreadable)
            )
        {
            self.banner = None;
            self.dirty = true;
        }
    }

    /// The rows, to change other than by a list: what is shown is no longer what the last
    /// list's answer said, so the next list is read whatever its digest.
    pub(super) fn rows_mut(&mut self) -> &mut Vec<Subscription> {
        self.list_digest = None;
        &mut self.subscriptions
    }

    /// One row, to change other than by a list (see [`App::rows_mut`]).
    pub(super) fn row_mut(&mut self, id: &str) -> Option<&mut Subscription> {
        self.rows_mut().iter_mut().find(|s| s.id == id)
    }

    /// A list whose answer had the digest of the rows shown: only the time of the refresh
    /// changes.
    pub(super) fn apply_unchanged_list(&mut self, at: OffsetDateTime, quiet: bool) {
        if self.note_refresh(at) || !quiet {
            self.dirty = true;
        }
    }

    pub(super) fn remove_subscription(&mut self, id: &str) {
        let old_index = self.selected_index();
        self.rows_mut().retain(|s| s.id != id);
        self.pending.remove(id);
        if matches!(&self.modal, Some(Modal::ConfirmDelete { id: m, .. }) if m == id) {
            self.modal = None;
        }
        self.recount();
        self.refilter_keeping(old_index);
        if self.selected.is_none() {
            self.focus = Focus::List;
        }
    }

    pub(super) fn load_list(&mut self, quiet: bool) -> Cmd {
        // The list these first rows came with will not be shown: this request's will.
        self.forget_first_rows();
        let req = self.next_id();
        // A create check and an undo wait for "the next list", whichever request that ends
        // up being.
        if let Some((old, _)) = self.list_req {
            let check = self.form.as_mut().and_then(|f| f.create_check.as_mut());
            if let Some(check) = check.filter(|c| c.req == Some(old)) {
                check.req = Some(req);
            }
            if self.undo_check == Some(old) {
                self.undo_check = Some(req);
            }
        }
        self.list_req = Some((req, quiet));
        if !quiet {
            self.dirty = true;
        }
        Cmd::LoadList {
            req,
            quiet,
            unless: self.list_digest.filter(|_| self.startup == Startup::Ready),
            first_screen: self.nothing_shown().then(|| self.full_page() + 1),
        }
    }

    /// No list is shown: loading, or a first load that failed.
    fn nothing_shown(&self) -> bool {
        matches!(self.startup, Startup::Loading | Startup::Failed { .. })
    }

    /// The rows a list fills the screen with (the list pane grows with its rows).
    pub(super) fn full_page(&self) -> usize {
        list_rows_area(
            self.size,
            banner_rows(self.banner.as_ref(), self.size.0),
            usize::MAX,
        )
        .height
        .max(1) as usize
    }

    /// At most this much input waits for a list (a held key repeat cannot grow it).
    pub(super) const HELD_LIMIT: usize = 1024;

    /// Input held while only the first rows are shown: everything that could act on a
    /// row; quitting never waits.
    pub(super) fn holds(&self, msg: &Msg) -> bool {
        match msg {
            Msg::Key(key) => !matches!(
                keymap::lookup(self.context(), key, self.connection.read_only),
                Some(Action::Quit | Action::ForceQuit)
            ),
            Msg::Mouse(_) | Msg::Paste(_) => true,
            _ => false,
        }
    }

    /// The first rows of the first list, while the rest is read: shown with the list's
    /// real counts, unless what shows depends on every row's findings (a tab or a filter
    /// chosen while loading). Input waits meanwhile (see [`App::reading_rest`]).
    pub(super) fn show_first_rows(&mut self, first: crate::api::FirstRows) {
        if !self.nothing_shown() || self.shown_by_findings() {
            return;
        }
        self.startup = Startup::FirstRows;
        self.subscriptions = first.rows;
        // Already in list order when they come from the client; a screenful to check.
        sort_subscriptions(&mut self.subscriptions);
        self.recount_on_screen(None);
        self.counts = Counts {
            active: first.active,
            paused: first.paused,
        };
        self.dirty = true;
    }

    /// The whole list will not follow these first rows (it failed, or another request
    /// replaced it): back to loading, with no row left to act on.
    pub(super) fn forget_first_rows(&mut self) {
        if self.startup == Startup::FirstRows {
            self.startup = Startup::Loading;
            self.subscriptions.clear();
            self.visible.clear();
            self.selected = None;
            self.recount();
            self.refilter();
        }
    }

    /// Only the first rows of the list are here; the rest is being read (a few ms).
    pub fn reading_rest(&self) -> bool {
        self.startup == Startup::FirstRows
    }

    pub(super) fn set_tab(&mut self, tab: Tab) {
        let old_index = self.selected_index();
        self.tab = tab;
        self.refilter_keeping(old_index);
    }

    pub(super) fn refilter(&mut self) {
        let old_index = self.selected_index();
        self.refilter_keeping(old_index);
    }

    /// Recomputes the visible rows; keeps the selected id when it is still visible, else
    /// the row at the same position.
    pub(super) fn refilter_keeping(&mut self, old_index: Option<usize>) {
        // The search text is built for the first filter that needs it, not with every list:
        // most lists are never filtered, and the first frame should not wait for it.
        let filtering = self.filtering();
        if self.findings_partial && self.shown_by_findings() {
            // A filter or a tab that looks at findings needs every row's.
            self.recount();
        }
        if filtering && self.search.len() != self.subscriptions.len() {
            self.search = self.subscriptions.iter().map(view::search_text).collect();
        }
        self.visible = view::visible_rows(
            &self.subscriptions,
            &self.search,
            self.tab,
            self.filter.value(),
            &self.findings,
        );
        if self.selected_index().is_none() {
            self.selected = match self.visible.len() {
                0 => None,
                n => {
                    let i = old_index.unwrap_or(0).min(n - 1);
                    Some(self.subscriptions[self.visible[i]].id.clone())
                }
            };
            self.detail_scroll = 0;
        }
        self.keep_selection_in_view();
        self.dirty = true;
    }

    /// The list changed: counts and the filter's search text follow.
    /// The list, the lines or the catalogue changed: counts, findings and the filter's search
    /// text follow.
    pub(super) fn recount(&mut self) {
        let whole = self.counts;
        self.counts = Counts::of(&self.subscriptions);
        self.findings = crate::diagnose::findings_for_all(&self.diagnosed_account());
        self.recount_rotations();
        self.merge_probe_findings();
        self.merge_log_findings();
        self.findings_partial = false;
        self.problem_count = self.findings.iter().filter(|f| view::is_problem(f)).count();
        // Stale now; rebuilt by the next refilter that has a filter word.
        self.search = Vec::new();
        if self.reading_rest() {
            // An answer (the catalogue, the lines) while only the first rows are here: the
            // counts stay the whole list's, and every row's findings come with it.
            self.counts = whole;
            self.findings_partial = true;
        }
    }

    /// What the account's findings are judged from.
    fn diagnosed_account(&self) -> crate::diagnose::Account<'_> {
        crate::diagnose::Account {
            lines: self.lines.as_deref(),
            catalog: &self.catalog,
            catalog_from_server: self.catalog_from_server,
            subscriptions: &self.subscriptions,
            sandbox: self.connection.sandbox,
        }
    }

    /// A filter word is typed (blanks alone filter nothing).
    fn filtering(&self) -> bool {
        self.filter.value().split_whitespace().next().is_some()
    }

    /// Which rows show depends on their findings: a tab other than All, or a filter (it
    /// matches finding codes too).
    fn shown_by_findings(&self) -> bool {
        self.tab != Tab::All || self.filtering()
    }

    /// A large list in the All tab without a filter: the rows are shown in list order
    /// whatever their findings, so only the rows on screen (and the selected one) get theirs
    /// before the frame; [`App::finish_findings`] does the rest right after it.
    fn recount_on_screen(&mut self, old_index: Option<usize>) {
        self.counts = Counts::of(&self.subscriptions);
        self.findings = vec![Vec::new(); self.subscriptions.len()];
        self.findings_partial = true;
        self.search = Vec::new();
        self.refilter_keeping(old_index);
        let page = self.page();
        let mut rows: Vec<usize> = self
            .visible
            .iter()
            .skip(self.scroll)
            .take(page)
            .copied()
            .collect();
        rows.extend(self.selected_index().map(|i| self.visible[i]));
        // Rotation pairs need every row's URL: found with the rest, right after the frame.
        self.findings = crate::diagnose::findings_for_rows(&self.diagnosed_account(), &rows);
        self.merge_probe_findings();
        self.merge_log_findings();
    }

    /// Every row's findings, when only those on screen have them.
    pub(super) fn finish_findings(&mut self) {
        // Only the first rows are here: every row's findings come with the whole list.
        if !self.findings_partial || self.reading_rest() {
            return;
        }
        let old_index = self.selected_index();
        self.recount();
        self.refilter_keeping(old_index);
        self.dirty = true;
    }

    /// The findings of the selected subscription, worst first.
    pub fn selected_findings(&self) -> &[crate::diagnose::Finding] {
        let Some(id) = self.selected.as_deref() else {
            return &[];
        };
        let index = self
            .selected_index()
            .map(|row| self.visible[row])
            .or_else(|| self.subscriptions.iter().position(|s| s.id == id));
        index
            .and_then(|i| self.findings.get(i))
            .map_or(&[], Vec::as_slice)
    }

    pub(super) fn move_selection(&mut self, delta: isize) {
        let n = self.visible.len();
        if n == 0 {
            return;
        }
        let current = self.selected_index().unwrap_or(0) as isize;
        let next = current.saturating_add(delta).clamp(0, n as isize - 1) as usize;
        let id = self.subscriptions[self.visible[next]].id.clone();
        if self.selected.as_deref() != Some(&id) {
            self.detail_scroll = 0;
        }
        self.selected = Some(id);
        self.selected_hint = next;
        self.keep_selection_in_view();
    }

    pub(super) fn page(&self) -> usize {
        list_rows_area(
            self.size,
            banner_rows(self.banner.as_ref(), self.size.0),
            self.visible.len(),
        )
        .height
        .max(1) as usize
    }

    pub(super) fn keep_selection_in_view(&mut self) {
        let rows = self.page();
        let n = self.visible.len();
        let index = self.selected_index().unwrap_or(0);
        self.selected_hint = index;
        if index < self.scroll {
            self.scroll = index;
        } else if index >= self.scroll + rows {
            self.scroll = index + 1 - rows;
        }
        self.scroll = self.scroll.min(n.saturating_sub(rows));
    }
}

/// The list order: creation time, then id (stable across refreshes).
pub(super) fn sort_subscriptions(list: &mut [Subscription]) {
    // One key per row, read once: comparing `OffsetDateTime`s brings both to UTC each
    // time, and comparing ids reads two strings elsewhere in memory. The key's id part is
    // the id's first 16 bytes (big-endian, so integer order is byte order); only rows whose
    // time and first 16 bytes are equal compare their whole ids.
    let keys: Vec<(i128, u128)> = list
        .iter()
        .map(|s| crate::api::list_order(s.created_at, &s.id))
        .collect();
    let order = |a: usize, b: usize| {
        keys[a]
            .cmp(&keys[b])
            .then_with(|| list[a].id.cmp(&list[b].id))
    };
    if (1..list.len()).all(|i| order(i - 1, i).is_le()) {
        return;
    }
    // Sorted as positions, then each row moved into place once: a row is ~200 bytes, and
    // a merge sort of 10,000 rows would move each of them many times.
    let mut from: Vec<usize> = (0..list.len()).collect();
    from.sort_by(|&a, &b| order(a, b));
    permute(list, &mut from);
}

/// Rearranges `list` so that position `i` holds what was at `from[i]` (`from` is a
/// permutation; it is used up). Each cycle of the permutation is followed once.
fn permute<T>(list: &mut [T], from: &mut [usize]) {
    const DONE: usize = usize::MAX;
    for start in 0..list.len() {
        let mut at = start;
        while from[at] != DONE {
            let source = from[at];
            from[at] = DONE;
            if source == start {
                break;
            }
            list.swap(at, source);
            at = source;
        }
    }
}

#[cfg(test)]
mod sort_tests {
    use super::{permute, sort_subscriptions};
    use crate::api::Subscription;

    fn sub(id: &str, created_second: u32) -> Subscription {
        serde_json::from_value(serde_json::json!({
            "id": id,
            "created_at": format!("2026-01-01T00:00:{created_second:02}Z"),
            "updated_at": "2026-01-01T00:00:00Z",
            "is_active": true,
            "subscribed_events": ["message.sent"],
            "target_url": format!("https://hooks.example.com/{id}"),
        }))
        .expect("a well-formed subscription")
    }

    #[test]
    fn rows_come_in_creation_order_then_by_id() {
        // Out of order, with ties on the creation time (decided by id).
        let mut list = vec![
            sub("d", 3),
            sub("b", 1),
            sub("e", 0),
            sub("a", 1),
            sub("c", 2),
            sub("f", 3),
        ];
        sort_subscriptions(&mut list);
        let ids = |list: &[Subscription]| list.iter().map(|s| s.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&list), ["e", "a", "b", "c", "d", "f"]);
        // Already in order: unchanged.
        sort_subscriptions(&mut list);
        assert_eq!(ids(&list), ["e", "a", "b", "c", "d", "f"]);
    }

    #[test]
    fn rows_of_one_instant_are_in_id_order_past_the_first_16_bytes() {
        let mut list = vec![
            sub("aaaaaaaa-0000-4000-8000-00000000000b", 1),
            sub("aaaaaaaa-0000-4000-8000-00000000000a", 1),
            sub("aaaaaaaa-0000-4", 1),
            sub("aaaaaaaa-0000-4000", 0),
        ];
        // The same instant written in another offset is the same time.
        list[1].created_at = list[1].created_at.to_offset(time::macros::offset!(+02:00));
        sort_subscriptions(&mut list);
        let ids: Vec<&str> = list.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "aaaaaaaa-0000-4000",
                "aaaaaaaa-0000-4",
                "aaaaaaaa-0000-4000-8000-00000000000a",
                "aaaaaaaa-0000-4000-8000-00000000000b",
            ]
        );
    }

    #[test]
    fn permute_moves_each_item_to_its_place() {
        let mut list = vec!['a', 'b', 'c', 'd', 'e', 'f'];
        // Two cycles (0 -> 2 -> 4 -> 0, 1 -> 5 -> 1) and a fixed point (3).
        let mut from = vec![2, 5, 4, 3, 0, 1];
        permute(&mut list, &mut from);
        assert_eq!(list, vec!['c', 'f', 'e', 'd', 'a', 'b']);
    }
}
