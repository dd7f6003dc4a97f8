//! The first rows of a large list in the order the dashboard shows it, found before the
//! whole list is read: every row is read for its order and state only (no strings kept,
//! no events), then just the first rows are read whole. The first screen of a 10,000-row
//! account needs ~30 of them.

use super::list_halves;
use crate::api::model::{list_order, timestamp, Subscription};
use serde::Deserialize;
use std::borrow::Cow;
use std::cmp::Ordering;
use std::sync::Arc;
use time::OffsetDateTime;

/// The first rows of a list, and what its header needs of the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstRows {
    /// In list order; at most the number asked for.
    pub rows: Vec<Subscription>,
    pub active: usize,
    pub paused: usize,
}

/// What a row's place in the list and its state take (the other fields are skipped).
#[derive(Deserialize)]
struct Key<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(deserialize_with = "timestamp::deserialize")]
    created_at: OffsetDateTime,
    is_active: bool,
}

/// A row's place: its order key, where its id and the row itself are in the body.
struct Place {
    key: (i128, u128),
    id: (usize, usize),
    row: (usize, usize),
}

/// What one half of the rows holds.
struct Scan {
    places: Vec<Place>,
    active: usize,
}

/// The first `n` rows of a large list answer in list order (read in halves on the list
/// readers); `None` when the body is small, not in the API's compact shape, or a row does
/// not read: the whole list is then read as before.
pub fn first_rows(body: &Arc<Vec<u8>>, n: usize) -> Option<FirstRows> {
    if !list_halves::large(body) {
        return None;
    }
    let (mut all, second) = list_halves::in_halves(
        body,
        |text, from| scan(text, from, false),
        |text, from| scan(text, from, true),
    )?;
    all.places.extend(second.places);
    let active = all.active + second.active;
    let mut places = all.places;
    let total = places.len();
    let order = |a: &Place, b: &Place| -> Ordering {
        // Rows equal in time and id keep the server's order, as the app's stable sort does.
        a.key
            .cmp(&b.key)
            .then_with(|| body[a.id.0..a.id.1].cmp(&body[b.id.0..b.id.1]))
            .then(a.row.0.cmp(&b.row.0))
    };
    if n < total {
        places.select_nth_unstable_by(n, order);
        places.truncate(n);
    }
    places.sort_unstable_by(order);
    let rows = places
        .iter()
        // As text, like every other row: one reader of rows in the program's code.
        .map(|p| {
            let row = std::str::from_utf8(&body[p.row.0..p.row.1]).ok()?;
            serde_json::from_str::<Subscription>(row).ok()
        })
        .collect::<Option<Vec<_>>>()?;
    Some(FirstRows {
        rows,
        active,
        paused: total - active,
    })
}

/// The places of the rows of one half (`text`, at `from` in the body).
fn scan(text: &str, from: usize, last: bool) -> Option<Scan> {
    let mut scan = Scan {
        places: Vec::with_capacity(text.len() / 256),
        active: 0,
    };
    list_halves::each_row(text, last, |rest, at| {
        // A row that is not an object reads as a struct to serde, but not to the app's
        // lenient reader: not vouched for.
        if !rest.starts_with('{') {
            return None;
        }
        let mut one = serde_json::Deserializer::from_str(rest).into_iter::<Key>();
        let key = one.next()?.ok()?;
        // An id written with escapes is not where the text has it: not worth a fast path.
        let Cow::Borrowed(id) = key.id else {
            return None;
        };
        let row_at = from + at;
        let id_at = row_at + (id.as_ptr() as usize - rest.as_ptr() as usize);
        let len = one.byte_offset();
        scan.places.push(Place {
            key: list_order(key.created_at, id),
            id: (id_at, id_at + id.len()),
            row: (row_at, row_at + len),
        });
        scan.active += usize::from(key.is_active);
        Some(len)
    })?;
    Some(scan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::model::SubscriptionList;

    /// A row created at minute `minute`, active when `active`.
    fn row(id: &str, minute: u32, active: bool, url: &str) -> String {
        format!(
            r#"{{"id":"{id}","created_at":"2026-01-01T{:02}:{:02}:00Z","updated_at":"2026-01-01T00:00:00Z","is_active":{active},"subscribed_events":["message.sent","message.received"],"target_url":"{url}","phone_numbers":["+12025550123"]}}"#,
            minute / 60,
            minute % 60
        )
    }

    fn body(rows: &[String]) -> Arc<Vec<u8>> {
        Arc::new(format!(r#"{{"subscriptions":[{}]}}"#, rows.join(",")).into_bytes())
    }

    /// The whole list as the dashboard orders it.
    fn in_list_order(body: &[u8]) -> Vec<Subscription> {
        let mut rows = serde_json::from_slice::<SubscriptionList>(body)
            .expect("one-pass read")
            .subscriptions;
        rows.sort_by(|a, b| {
            list_order(a.created_at, &a.id)
                .cmp(&list_order(b.created_at, &b.id))
                .then_with(|| a.id.cmp(&b.id))
        });
        rows
    }

    /// 3,000 rows in no order, many created in the same minute, ids sharing their first 16
    /// bytes, every third paused.
    fn shuffled() -> Vec<String> {
        (0..3000)
            .map(|i| {
                let scrambled = (i * 7919) % 3000;
                row(
                    &format!("0000000000000000-{scrambled:05}"),
                    (scrambled % 50) as u32,
                    i % 3 != 0,
                    &format!("https://h{i}.example/hook"),
                )
            })
            .collect()
    }

    #[test]
    fn the_first_rows_are_the_whole_lists_first_rows_in_its_order() {
        list_halves::start_readers();
        let body = body(&shuffled());
        let all = in_list_order(&body);
        for n in [1, 31, 500] {
            let first = first_rows(&body, n).expect("a large plain list");
            assert_eq!(first.rows, all[..n], "first {n}");
            assert_eq!((first.active, first.paused), (2000, 1000));
        }
        let every = first_rows(&body, 5000).expect("more asked than there are");
        assert_eq!(every.rows, all);
    }

    /// Row 2000 sent as an array, which serde reads into a struct and the app's lenient
    /// reader does not.
    fn array_row(rows: &[String]) -> Arc<Vec<u8>> {
        let mut rows = rows.to_vec();
        rows[2000] = r#"["x","2026-01-01T00:00:00Z",true]"#.into();
        body(&rows)
    }

    #[test]
    fn rows_equal_in_time_and_id_keep_the_servers_order() {
        list_halves::start_readers();
        let mut rows = shuffled();
        for (at, url) in [(100, "first"), (2500, "second")] {
            rows[at] = row(
                "0000000000000000-0000",
                0,
                true,
                &format!("https://{url}.example/"),
            );
        }
        let first = first_rows(&body(&rows), 3).expect("first rows");
        let urls: Vec<&str> = first.rows.iter().map(|r| r.target_url.as_str()).collect();
        assert_eq!(
            urls[..2],
            ["https://first.example/", "https://second.example/"]
        );
    }

    #[test]
    fn anything_the_scan_cannot_vouch_for_gives_no_first_rows() {
        list_halves::start_readers();
        let rows = shuffled();
        let with = |i: usize, from: &str, to: &str| {
            let mut rows = rows.clone();
            rows[i] = rows[i].replace(from, to);
            body(&rows)
        };
        let small = body(&rows[..100]);
        // The first row in list order (minute 0, the smallest id) is row 0.
        let cases = [
            (small, "a small list"),
            (
                with(10, "2026-01-01T", "yesterday "),
                "a time that does not read",
            ),
            (
                with(10, r#""is_active":true"#, r#""is_active":1"#),
                "a state that is not a bool",
            ),
            (
                with(10, r#""id":"0"#, r#""id":"\u0030"#),
                "an id written with an escape",
            ),
            (
                with(0, r#""phone_numbers":["#, r#""phone_numbers":[5,"#),
                "a first row that does not fit",
            ),
            (with(2999, "}", "}x"), "broken JSON"),
            (array_row(&rows), "a row that is an array"),
        ];
        for (body, what) in cases {
            assert_eq!(first_rows(&body, 30), None, "{what}");
        }
        // A row that does not fit but is not among the first still leaves the first rows.
        let late = with(1500, r#""phone_numbers":["#, r#""phone_numbers":[5,"#);
        assert!(first_rows(&late, 30).is_some());
    }
}
