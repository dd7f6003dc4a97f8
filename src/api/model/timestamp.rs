//! RFC 3339 timestamps as a list carries them, 20,000 per 10,000 subscriptions: the usual
//! shape (`2026-12-06T21:37:50.123Z`, or with `±hh:mm`) is read directly; anything else
//! goes to `time`'s full parser, so what is accepted, and what it means, does not change.

use serde::{Deserializer, Serializer};
use std::fmt;
use time::format_description::well_known::Rfc3339;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

pub fn serialize<S: Serializer>(at: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    time::serde::rfc3339::serialize(at, s)
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
    struct At;
    impl serde::de::Visitor<'_> for At {
        type Value = OffsetDateTime;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an RFC3339-formatted `OffsetDateTime`")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<OffsetDateTime, E> {
            parse(v).map_err(E::custom)
        }
    }
    d.deserialize_str(At)
}

/// `text` as RFC 3339, exactly as `time` reads it.
pub fn parse(text: &str) -> Result<OffsetDateTime, time::error::Parse> {
    match usual(text.as_bytes()) {
        Some(at) => Ok(at),
        None => OffsetDateTime::parse(text, &Rfc3339),
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM)`, each part in range; `None` for anything else
/// (including a leap second), which the full parser then judges.
fn usual(b: &[u8]) -> Option<OffsetDateTime> {
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let year = digits(&b[0..4])? as i32;
    let month = Month::try_from(digits(&b[5..7])? as u8).ok()?;
    let day = digits(&b[8..10])? as u8;
    let (hour, minute, second) = (
        digits(&b[11..13])? as u8,
        digits(&b[14..16])? as u8,
        digits(&b[17..19])? as u8,
    );
    if second > 59 {
        return None;
    }
    let mut rest = &b[19..];
    let mut nanos = 0u32;
    if rest.first() == Some(&b'.') {
        let frac = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if frac == 0 || frac > 9 {
            return None;
        }
        nanos = digits(&rest[1..1 + frac])? * 10u32.pow(9 - frac as u32);
        rest = &rest[1 + frac..];
    }
    let offset = match rest {
        b"Z" => UtcOffset::UTC,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let hours = digits(&[*h1, *h2])? as i8;
            let minutes = digits(&[*m1, *m2])? as i8;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let sign = if *sign == b'-' { -1 } else { 1 };
            UtcOffset::from_hms(sign * hours, sign * minutes, 0).ok()?
        }
        _ => return None,
    };
    let date = Date::from_calendar_date(year, month, day).ok()?;
    let time = Time::from_hms_nano(hour, minute, second, nanos).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_offset(offset))
}

fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |n, c| {
        c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_usual_shapes_read_exactly_as_time_reads_them() {
        for text in [
            "2026-12-06T21:37:50Z",
            "2026-12-06T21:37:50.1Z",
            "2026-12-06T21:37:50.123456789Z",
            "2024-02-29T00:00:00+05:30",
            "1999-12-31T23:59:59.5-08:00",
            "2026-01-01T00:00:00-00:00",
            "2026-12-06T21:37:50.000Z",
        ] {
            let fast = usual(text.as_bytes()).expect(text);
            let full = OffsetDateTime::parse(text, &Rfc3339).expect(text);
            assert_eq!((fast, fast.offset()), (full, full.offset()), "{text}");
        }
    }

    #[test]
    fn anything_unusual_is_judged_by_the_full_parser() {
        for text in [
            "2026-02-30T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-12-06T24:00:00Z",
            "2026-12-06T21:37:60Z",
            "2026-12-06t21:37:50z",
            "2026-12-06T21:37:50.1234567891Z",
            "2026-12-06T21:37:50.Z",
            "2026-12-06T21:37:50+0530",
            "2026-12-06T21:37:50",
            "2026-12-06 21:37:50Z",
            "+2026-12-06T21:37:50Z",
            "2026-12-06T21:37:50Z ",
            "２026-12-06T21:37:50Z",
        ] {
            assert_eq!(usual(text.as_bytes()), None, "{text}");
            assert_eq!(
                parse(text).ok(),
                OffsetDateTime::parse(text, &Rfc3339).ok(),
                "{text}"
            );
        }
    }

    #[test]
    fn edge_dates_are_read_as_time_reads_them_whichever_path_takes_them() {
        for text in [
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999999999Z",
            "2025-02-29T00:00:00Z",
            "2024-02-29T23:59:59+23:59",
            "2024-02-29T00:00:00-23:59",
            "2026-12-06T21:37:50+24:00",
            "2026-12-06T21:37:50+05:60",
            "2026-00-10T00:00:00Z",
            "2026-01-00T00:00:00Z",
        ] {
            assert_eq!(
                parse(text).ok().map(|t| (t, t.offset())),
                OffsetDateTime::parse(text, &Rfc3339)
                    .ok()
                    .map(|t| (t, t.offset())),
                "{text}"
            );
        }
    }
}
