//! A large list read on two cores: the rows array is cut in two near its middle, each half
//! is read by one of two reader threads, and the cut is trusted only because the first
//! half's own reading proves it (see [`read`]). Anything unusual goes back to the one-pass
//! reader.
//!
//! The readers are started once, before any other thread (see [`start_readers`]): glibc
//! gives each of them a malloc arena of its own, so the two halves' allocations never wait
//! for one lock (with one shared arena two halves took as long as the whole list).

use crate::api::model::Subscription;
use std::sync::mpsc::{self, SyncSender};
use std::sync::{Arc, OnceLock};

/// Below this a second thread costs about what it saves (1,000 rows are ~540 KB).
const SPLIT_FROM: usize = 256 << 10;

/// Rows are given room as if each took this much of the answer (a usual row takes ~540
/// bytes, one with empty fields ~130): the rows are then not moved while they are read,
/// and room never written is not memory used. Shorter rows only cost a move.
const ROOM_PER_ROW: usize = 256;

/// The list as the API writes it (linq-api.md §4.5), with no blanks before the rows.
pub(super) const HEAD: &[u8] = br#"{"subscriptions":["#;

/// Work for a reader: one half to read, or an answer to let go of.
type Job = Box<dyn FnOnce() + Send>;

static READERS: OnceLock<[SyncSender<Job>; 2]> = OnceLock::new();

/// Starts the two readers; call before other threads exist (the dashboard does, before
/// its runtime). Without them every list is read in one pass.
pub fn start_readers() {
    READERS.get_or_init(|| [reader(), reader()]);
}

/// A reader thread, once it has made its first allocation (which binds its arena).
fn reader() -> SyncSender<Job> {
    let (tx, rx) = mpsc::sync_channel::<Job>(2);
    let (ready_tx, ready_rx) = mpsc::sync_channel::<()>(1);
    let started = std::thread::Builder::new()
        .name("list-reader".into())
        .spawn(move || {
            drop(std::hint::black_box(Box::new(0u64)));
            let _ = ready_tx.send(());
            for job in rx {
                job();
            }
        });
    if started.is_ok() {
        let _ = ready_rx.recv();
    }
    tx
}

/// What [`read`] made of a body.
pub(super) enum Halves {
    /// Every row, typed, in the server's order.
    Rows(Vec<Subscription>),
    /// Not read here (small, another shape, no readers, or a row that does not fit the
    /// type): the body is handed back whole for the one-pass reader.
    Whole(Vec<u8>),
}

/// Reads `body` on the two readers when it is a large `{"subscriptions":[…]}`.
pub(super) fn read(body: Vec<u8>) -> Halves {
    if !large(&body) {
        return Halves::Whole(body);
    }
    let body = Arc::new(body);
    let first = Vec::with_capacity(body.len() / ROOM_PER_ROW);
    let read = in_halves(
        &body,
        move |text, _| rows_of(text, false, first),
        |text, _| rows_of(text, true, Vec::with_capacity(text.len() / ROOM_PER_ROW)),
    );
    if let Some((mut all, mut second)) = read {
        all.append(&mut second);
        // The room left is given back (a mapped block shrinks in place).
        all.shrink_to_fit();
        let_go(body);
        return Halves::Rows(all);
    }
    Halves::Whole(Arc::try_unwrap(body).unwrap_or_else(|shared| shared.as_ref().clone()))
}

/// A body the readers take: large, in the API's compact shape, and readers running.
pub(super) fn large(body: &[u8]) -> bool {
    READERS.get().is_some() && body.len() >= SPLIT_FROM && body.starts_with(HEAD)
}

/// Frees an answer on a reader, off the path to the first frame; never waits: with the
/// reader busy, it is freed here instead.
fn let_go(body: Arc<Vec<u8>>) {
    if let Some(reader) = READERS.get().and_then(|r| r.first()) {
        let _ = reader.try_send(Box::new(move || drop(body)));
    }
}

/// The rows of a [`large`] body read in two halves, one on each reader: `first` reads the
/// rows from the first row to the cut, `second` those after it to the end of the document;
/// each is given its text and where that text starts in the body. `None` when there are no
/// readers, no cut, or a half does not read.
///
/// Why the cut is safe: it is made at a `},{"` near the middle, which may as well sit
/// inside a string or a nested value. The first half is read from the true start of the
/// rows up to the cut; JSON reading is deterministic, so that half reads as whole rows
/// ending exactly at the cut only if the cut really is between two rows of the list. Only
/// then is the second half (read meanwhile from just after the cut) used; it must end the
/// list and the document. Every other case is `None`, and the caller's one-pass read gives
/// exactly what it gave before.
pub(super) fn in_halves<R, A, B>(body: &Arc<Vec<u8>>, first: A, second: B) -> Option<(R, R)>
where
    R: Send + 'static,
    A: FnOnce(&str, usize) -> Option<R> + Send + 'static,
    B: FnOnce(&str, usize) -> Option<R> + Send + 'static,
{
    let readers = READERS.get()?;
    let cut = cut_near_middle(body)?;
    let (reply, answers) = mpsc::sync_channel::<Answer<R>>(2);
    let jobs = [
        half_job(0, body, (HEAD.len(), cut), first, &reply),
        half_job(1, body, (cut + 1, body.len()), second, &reply),
    ];
    drop(reply);
    for (reader, job) in readers.iter().zip(jobs) {
        // A reader that is gone drops the job, and with it its hold and its reply.
        let _ = reader.send(job);
    }
    // The answers come in either order; the loop ends when both readers are done.
    let mut read: [Option<R>; 2] = [None, None];
    for (half, rows, hold) in answers.iter() {
        drop(hold);
        if let Some(slot) = read.get_mut(half) {
            *slot = rows;
        }
    }
    let [Some(a), Some(b)] = read else {
        return None;
    };
    Some((a, b))
}

/// A reader's answer: which half, what it read, and its hold on the body (given back, so
/// that the caller can have the body whole again).
type Answer<R> = (usize, Option<R>, Arc<Vec<u8>>);

/// The job that reads `body[span]` with `read`.
fn half_job<R, F>(
    half: usize,
    body: &Arc<Vec<u8>>,
    (from, to): (usize, usize),
    read: F,
    reply: &SyncSender<Answer<R>>,
) -> Job
where
    R: Send + 'static,
    F: FnOnce(&str, usize) -> Option<R> + Send + 'static,
{
    let body = Arc::clone(body);
    let reply = reply.clone();
    Box::new(move || {
        let read = text(&body, from, to).and_then(|t| read(t, from));
        let _ = reply.send((half, read, body));
    })
}

/// The index of the `,` of the first `},{"` at or after the middle of the rows.
fn cut_near_middle(body: &[u8]) -> Option<usize> {
    let middle = HEAD.len() + (body.len() - HEAD.len()) / 2;
    body.get(middle..)?
        .windows(4)
        .position(|w| w == b"},{\"")
        .map(|at| middle + at + 1)
}

/// `body[from..to]` as text: each half is checked as UTF-8 on its own thread (the cut is
/// an ASCII byte, so both halves are UTF-8 exactly when the whole is).
fn text(body: &[u8], from: usize, to: usize) -> Option<&str> {
    std::str::from_utf8(body.get(from..to)?).ok()
}

/// Items separated by commas from the start of `text`, each read by `item` from its text
/// (which it returns the length of); `last`: the list and the document end after them
/// (`]`, `}`), else `text` ends with an item.
pub(super) fn each_row(
    text: &str,
    last: bool,
    mut item: impl FnMut(&str, usize) -> Option<usize>,
) -> Option<()> {
    let bytes = text.as_bytes();
    let mut at = 0;
    loop {
        at += item(text.get(at..)?, at)?;
        at = skip_blanks(bytes, at);
        match bytes.get(at) {
            Some(b',') => at += 1,
            Some(b']') if last => return ends_document(bytes, at).then_some(()),
            None if !last => return Some(()),
            _ => return None,
        }
    }
}

/// Rows separated by commas from the start of `text`, added to `rows`; `last`: the list
/// and the document end after them.
fn rows_of(text: &str, last: bool, mut rows: Vec<Subscription>) -> Option<Vec<Subscription>> {
    each_row(text, last, |rest, _| {
        let mut one = serde_json::Deserializer::from_str(rest).into_iter();
        rows.push(one.next()?.ok()?);
        Some(one.byte_offset())
    })?;
    Some(rows)
}

/// `bytes[at]` closes the rows, and only the document's `}` follows.
pub(super) fn ends_document(bytes: &[u8], at: usize) -> bool {
    let close = skip_blanks(bytes, at + 1);
    let end = skip_blanks(bytes, close + 1);
    bytes.get(at) == Some(&b']') && bytes.get(close) == Some(&b'}') && end == bytes.len()
}

/// The blanks JSON allows between tokens.
pub(super) fn skip_blanks(bytes: &[u8], mut at: usize) -> usize {
    while matches!(bytes.get(at), Some(b' ' | b'\n' | b'\r' | b'\t')) {
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::model::SubscriptionList;

    fn row(i: usize, url: &str) -> String {
        format!(
            r#"{{"id":"sub-{i:05}","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","is_active":true,"subscribed_events":["message.sent"],"target_url":{url}}}"#
        )
    }

    fn list(rows: &[String]) -> Vec<u8> {
        format!(r#"{{"subscriptions":[{}]}}"#, rows.join(",")).into_bytes()
    }

    /// Readers are started by every test (once per process): without them nothing is
    /// read in halves.
    /// `body` is not read in halves but handed back, byte for byte.
    fn handed_back_whole(body: Vec<u8>, why: &str) {
        let copy = body.clone();
        match read(body) {
            Halves::Whole(back) => assert_eq!(back, copy, "{why}"),
            Halves::Rows(_) => panic!("read in halves: {why}"),
        }
    }

    fn many(n: usize, url: impl Fn(usize) -> String) -> Vec<String> {
        start_readers();
        (0..n).map(|i| row(i, &url(i))).collect()
    }

    fn one_pass(body: &[u8]) -> Vec<Subscription> {
        serde_json::from_slice::<SubscriptionList>(body)
            .expect("one-pass read")
            .subscriptions
    }

    #[test]
    fn a_large_list_reads_as_the_one_pass_reader_reads_it() {
        let body = list(&many(3000, |i| format!(r#""https://h{i}.example/hook""#)));
        assert!(body.len() >= SPLIT_FROM);
        let expected = one_pass(&body);
        match read(body) {
            Halves::Rows(rows) => assert_eq!(rows, expected),
            _ => panic!("a plain large list is read in halves"),
        }
    }

    #[test]
    fn a_string_holding_the_cut_pattern_never_changes_the_rows() {
        // Inside a string `},{"` cannot appear unescaped, but `},{` followed by the
        // string's closing quote can: the first `},{"` after the middle is then that one
        // for some paddings, a true boundary for others.
        let mut refused = 0;
        for pad in 0..40 {
            let rows: Vec<String> = (0..2500)
                .map(|i| {
                    let tail = "x".repeat((i * 7 + pad) % 13);
                    row(i, &format!(r#""https://h.example/{tail}}},{{""#))
                })
                .collect();
            let body = list(&rows);
            let expected = one_pass(&body);
            match read(body) {
                Halves::Rows(rows) => assert_eq!(rows, expected),
                Halves::Whole(back) => {
                    refused += 1;
                    assert_eq!(one_pass(&back), expected);
                }
            }
        }
        assert!(refused > 0, "no padding put the cut inside a string");
        assert!(refused < 40, "no padding put the cut between rows");
    }

    #[test]
    fn a_row_that_does_not_fit_hands_the_body_back_whole() {
        // A row of the first half, then one of the second.
        for bad in [10, 2900] {
            let mut rows = many(3000, |i| format!(r#""https://h{i}.example/hook""#));
            rows[bad] = rows[bad].replace(r#""is_active":true"#, r#""is_active":"yes""#);
            handed_back_whole(
                list(&rows),
                &format!("an unreadable row {bad} goes to the lenient reader"),
            );
        }
    }

    #[test]
    fn other_shapes_go_to_the_one_pass_reader() {
        let rows = many(3000, |i| format!(r#""https://h{i}.example/hook""#));
        let joined = rows.join(",");
        for body in [
            // Blanks before the rows, another key after them, trailing garbage, a small list.
            format!(r#"{{ "subscriptions": [{joined}]}}"#),
            format!(r#"{{"subscriptions":[{joined}],"next":null}}"#),
            format!(r#"{{"subscriptions":[{joined}]}}x"#),
            format!(r#"{{"subscriptions":[{joined}]"#),
            format!(r#"{{"subscriptions":[{}]}}"#, rows[..10].join(",")),
        ] {
            handed_back_whole(
                body.into_bytes(),
                "another shape goes to the one-pass reader",
            );
        }
    }

    #[test]
    fn blanks_between_rows_and_after_the_list_are_read() {
        let rows = many(3000, |i| format!(r#""https://h{i}.example/hook""#));
        let mut joined = String::new();
        for (i, row) in rows.iter().enumerate() {
            if i > 0 {
                joined.push_str(if i % 3 == 0 { " ,\n " } else { "," });
            }
            joined.push_str(row);
        }
        let body = format!("{{\"subscriptions\":[{joined} ]\n}}\n").into_bytes();
        let expected = one_pass(&body);
        match read(body) {
            Halves::Rows(rows) => assert_eq!(rows, expected),
            _ => panic!("blanks are JSON"),
        }
    }
}
