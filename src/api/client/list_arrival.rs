//! Rows read while a list answer arrives: each row is read as soon as its last byte is
//! here, so that reading a large list overlaps its transfer instead of following it. What
//! is left when the last byte comes goes to the list readers (see [`list_halves`]).
//!
//! Every row is read from the true start of a row, the one the previous row ended at, so
//! the rows are exactly those of the one-pass reader; a row that cannot be read yet (its
//! end has not come) is read again later. Anything else (another shape, a row that does
//! not fit the type) stops reading here, and the whole body goes the old way at the end.

use super::list_halves::{self, Halves, HEAD};
use crate::api::model::Subscription;

/// A row cut off by the end of what has come is tried again only once what is unread has
/// doubled (and by at least this): reading stays linear in the body whatever the chunks.
const RETRY_AFTER: usize = 4 << 10;

/// What comes next at [`Arrival::at`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Next {
    /// `{"subscriptions":[`, the compact shape the readers know.
    Head,
    /// The start of a row.
    Row,
    /// `,` or `]` after a row (blanks allowed).
    Separator,
    /// The `]` that closes the rows is at `at`.
    End,
    /// Not read here: the body goes whole to [`list_halves::read`] at the end.
    Off,
}

/// The reading of one attempt's body as it arrives.
#[derive(Debug)]
pub(super) struct Arrival {
    rows: Vec<Subscription>,
    at: usize,
    next: Next,
    /// Nothing is tried before the body is this long.
    wait_until: usize,
    spent: std::time::Duration,
}

impl Default for Arrival {
    fn default() -> Self {
        Self {
            rows: Vec::new(),
            at: 0,
            next: Next::Head,
            wait_until: 0,
            spent: Default::default(),
        }
    }
}

impl Arrival {
    /// A new answer begins (each attempt's): what an earlier one gave is forgotten.
    /// `announced`: its length, when the server said it, for the rows' room.
    pub(super) fn begin(&mut self, announced: usize) {
        *self = Self::default();
        self.rows = Vec::with_capacity(list_halves::room_for(announced));
    }

    /// `body` is what has come so far (it only grows): reads every row now complete.
    pub(super) fn arrived(&mut self, body: &[u8]) {
        let t0 = std::time::Instant::now();
        self.arrived_(body);
        self.spent += t0.elapsed();
    }
    fn arrived_(&mut self, body: &[u8]) {
        if body.len() < self.wait_until {
            return;
        }
        loop {
            match self.next {
                Next::Head => {
                    if body.len() < HEAD.len() {
                        return;
                    }
                    if !body.starts_with(HEAD) {
                        self.next = Next::Off;
                        return;
                    }
                    self.at = HEAD.len();
                    self.next = Next::Row;
                }
                Next::Row => {
                    let Some(rest) = body.get(self.at..) else {
                        self.next = Next::Off;
                        return;
                    };
                    let mut one = serde_json::Deserializer::from_slice(rest).into_iter();
                    match one.next() {
                        Some(Ok(row)) => {
                            self.rows.push(row);
                            self.at += one.byte_offset();
                            self.next = Next::Separator;
                        }
                        // Its end has not come (or only blanks have).
                        Some(Err(e)) if e.is_eof() => return self.wait(body.len()),
                        None => return self.wait(body.len()),
                        Some(Err(_)) => {
                            self.next = Next::Off;
                            return;
                        }
                    }
                }
                Next::Separator => {
                    let at = list_halves::skip_blanks(body, self.at);
                    match body.get(at) {
                        Some(b',') => {
                            self.at = at + 1;
                            self.next = Next::Row;
                        }
                        Some(b']') => {
                            self.at = at;
                            self.next = Next::End;
                            return;
                        }
                        None => return,
                        Some(_) => {
                            self.next = Next::Off;
                            return;
                        }
                    }
                }
                Next::End | Next::Off => return,
            }
        }
    }

    fn wait(&mut self, have: usize) {
        let unread = have - self.at;
        self.wait_until = have + unread.max(RETRY_AFTER);
    }

    /// The whole body has come: the rows, read here and by the readers, or the body
    /// handed back whole for the one-pass reader.
    pub(super) fn finish(mut self, body: Vec<u8>) -> Halves {
        crate::logging::startup(&format!("TMP {} rows early in {:?}, rest {}", self.rows.len(), self.spent, body.len() - self.at));
        // The rest is left to the readers: only a pending separator is settled here.
        if self.next == Next::Separator {
            let at = list_halves::skip_blanks(&body, self.at);
            match body.get(at) {
                Some(b',') => (self.at, self.next) = (at + 1, Next::Row),
                Some(b']') => (self.at, self.next) = (at, Next::End),
                _ => self.next = Next::Off,
            }
        }
        match self.next {
            Next::Row if !self.rows.is_empty() => list_halves::read_rest(body, self.at, self.rows),
            Next::End if list_halves::ends_document(&body, self.at) => {
                let mut rows = self.rows;
                rows.shrink_to_fit();
                list_halves::let_go(body);
                Halves::Rows(rows)
            }
            // Nothing read yet (the whole answer came at once), or another shape.
            _ => list_halves::read(body),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::model::SubscriptionList;

    fn row(i: usize) -> String {
        format!(
            r#"{{"id":"sub-{i:05}","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","is_active":true,"subscribed_events":["message.sent"],"target_url":"https://h{i}.example/ü/hook"}}"#
        )
    }

    fn list(n: usize) -> Vec<u8> {
        let rows: Vec<String> = (0..n).map(row).collect();
        format!(r#"{{"subscriptions":[{}]}}"#, rows.join(",")).into_bytes()
    }

    fn one_pass(body: &[u8]) -> Vec<Subscription> {
        serde_json::from_slice::<SubscriptionList>(body)
            .expect("one-pass read")
            .subscriptions
    }

    /// `body` fed in chunks of `size`, as a transfer would: the rows, and how many were
    /// read before the last byte came.
    fn arrive(body: &[u8], size: usize) -> (Halves, usize) {
        let mut arrival = Arrival::default();
        arrival.begin(body.len());
        let mut have = Vec::with_capacity(body.len());
        for chunk in body.chunks(size) {
            have.extend_from_slice(chunk);
            if have.len() < body.len() {
                arrival.arrived(&have);
            }
        }
        let early = arrival.rows.len();
        (arrival.finish(have), early)
    }

    #[test]
    fn rows_read_while_arriving_are_the_one_pass_rows_for_any_chunking() {
        list_halves::start_readers();
        // Small (no readers at the end) and large (the rest in halves); chunks that cut
        // rows, strings and the multi-byte `ü` anywhere.
        for n in [3, 200, 2000] {
            let body = list(n);
            let expected = one_pass(&body);
            for size in [1, 7, 333, 4096, 65536, body.len()] {
                if size == 1 && n > 200 {
                    continue;
                }
                let (read, early) = arrive(&body, size);
                match read {
                    Halves::Rows(rows) => assert_eq!(rows, expected, "{n} rows, chunks of {size}"),
                    Halves::Whole(back) => {
                        assert_eq!(back, body, "handed back whole");
                        // Nothing came before the last chunk, and a small body is the
                        // one-pass reader's.
                        assert!(
                            early == 0 && body.len() < list_halves::SPLIT_FROM,
                            "{n} rows in chunks of {size} were not read"
                        )
                    }
                }
                // Tiny bodies in tiny chunks wait for RETRY_AFTER more bytes.
                if size < body.len() / 4 && body.len() > 4 * RETRY_AFTER {
                    assert!(early > 0, "nothing read while {n} rows arrived in {size}s");
                }
            }
        }
    }

    #[test]
    fn the_rest_after_a_lagging_arrival_is_read_in_halves() {
        list_halves::start_readers();
        let body = list(3000);
        let expected = one_pass(&body);
        let mut arrival = Arrival::default();
        arrival.begin(body.len());
        // A third arrives in small chunks; the rest at once, as when reading lagged.
        let third = body.len() / 3;
        for end in (4096..third).step_by(4096) {
            arrival.arrived(&body[..end]);
        }
        let early = arrival.rows.len();
        assert!(early > 0 && body.len() - arrival.at >= list_halves::SPLIT_FROM);
        match arrival.finish(body.clone()) {
            Halves::Rows(rows) => assert_eq!(rows, expected),
            Halves::Whole(_) => panic!("the rest of a plain list is read"),
        }
    }

    #[test]
    fn another_shape_or_a_row_that_does_not_fit_is_handed_back_whole() {
        list_halves::start_readers();
        let good = String::from_utf8(list(600)).expect("utf-8");
        let bad_row = good.replacen(r#""is_active":true"#, r#""is_active":"yes""#, 300);
        for body in [
            good.replacen(r#"{"subscriptions":["#, r#"{ "subscriptions":["#, 1),
            format!("{}x", good),
            good.replace("]}", r#"],"next":null}"#),
            bad_row,
        ] {
            for size in [100, 5000] {
                let (read, _) = arrive(body.as_bytes(), size);
                match read {
                    Halves::Whole(back) => assert_eq!(back, body.as_bytes()),
                    Halves::Rows(_) => panic!("read as rows: {}", &body[..40]),
                }
            }
        }
    }

    #[test]
    fn a_huge_row_in_tiny_chunks_is_tried_a_logarithmic_number_of_times() {
        let long = "a".repeat(1 << 20);
        let body = format!(
            r#"{{"subscriptions":[{}]}}"#,
            row(1).replace("hook", &long)
        );
        let mut arrival = Arrival::default();
        let mut have = Vec::new();
        let mut tries = 0;
        for chunk in body.as_bytes().chunks(16) {
            have.extend_from_slice(chunk);
            if have.len() >= arrival.wait_until && arrival.next == Next::Row {
                tries += 1;
            }
            arrival.arrived(&have);
        }
        assert!(tries < 40, "{tries} tries of one row");
        // Read here, or (when the last byte came too soon after a try) by the one-pass reader.
        match arrival.finish(have) {
            Halves::Rows(rows) => assert_eq!(rows, one_pass(body.as_bytes())),
            Halves::Whole(back) => assert_eq!(back, body.as_bytes()),
        }
    }
}
