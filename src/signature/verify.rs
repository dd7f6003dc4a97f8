//! Verification of one received request under both schemes, each attempt bounded.

use super::*;

#[cfg(test)]
thread_local! {
    /// How often the constant-time comparison ran on this thread (tests only).
    pub(super) static CT_COMPARISONS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Every comparison of a received signature goes through here: `verify_slice` compares in
/// constant time, so the check leaks nothing about how much of a forged tag was right.
pub(super) fn ct_matches(mac: &HmacSha256, tag: &[u8]) -> bool {
    #[cfg(test)]
    CT_COMPARISONS.with(|c| c.set(c.get() + 1));
    mac.clone().verify_slice(tag).is_ok()
}

/// The first value of `name` (case-insensitive), trimmed.
pub(super) fn header<'h, N: AsRef<str>, V: AsRef<str>>(
    headers: &'h [(N, V)],
    name: &str,
) -> Option<&'h str> {
    headers
        .iter()
        .find(|(n, _)| n.as_ref().trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_ref().trim())
}

/// Unix seconds: ASCII digits only, as Linq sends them.
pub(super) fn unix_seconds(text: &str) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

pub(super) fn skew(timestamp: i64, now: i64, tolerance: u64) -> Option<Skew> {
    let diff = i128::from(now) - i128::from(timestamp);
    let secs = u64::try_from(diff.unsigned_abs()).unwrap_or(u64::MAX);
    (secs > tolerance).then_some(Skew {
        direction: if diff > 0 {
            Direction::TooOld
        } else {
            Direction::InFuture
        },
        secs,
        tolerance,
    })
}

/// Verifies both schemes of one request: `headers` as received (names in any case), `body`
/// the raw bytes, `now` in Unix seconds, `tolerance` in seconds (usually
/// [`DEFAULT_TOLERANCE_SECS`]).
pub fn verify<N: AsRef<str>, V: AsRef<str>>(
    secret: &str,
    headers: &[(N, V)],
    body: &[u8],
    now: i64,
    tolerance: u64,
) -> Report {
    let request = Request {
        secret,
        key: parse_secret(secret),
        id: header(headers, HEADER_ID),
        timestamp: header(headers, HEADER_TIMESTAMP),
        signature: header(headers, HEADER_SIGNATURE),
        legacy_timestamp: header(headers, HEADER_LEGACY_TIMESTAMP),
        legacy_signature: header(headers, HEADER_LEGACY_SIGNATURE),
        body,
        bodies: OnceCell::new(),
        now,
        tolerance,
    };
    Report {
        standard: request.standard(),
        legacy: request.legacy(),
    }
}

pub(super) struct Request<'a> {
    secret: &'a str,
    key: Result<SecretKey, SecretError>,
    id: Option<&'a str>,
    timestamp: Option<&'a str>,
    signature: Option<&'a str>,
    legacy_timestamp: Option<&'a str>,
    legacy_signature: Option<&'a str>,
    body: &'a [u8],
    /// The candidate bodies, made once for both schemes and only on a mismatch.
    bodies: OnceCell<Vec<(BodyChange, Vec<u8>)>>,
    now: i64,
    tolerance: u64,
}

/// One space-separated entry of `webhook-signature`.
pub(super) struct Entry<'a> {
    /// `Some("v1")` for `v1,…`; `None` without a comma.
    version: Option<&'a str>,
    value: &'a str,
}

pub(super) fn entries(header: &str) -> Vec<Entry<'_>> {
    header
        .split_ascii_whitespace()
        .take(MAX_ENTRIES)
        .map(|token| match token.split_once(',') {
            Some((version, value)) => Entry {
                version: Some(version),
                value,
            },
            None => Entry {
                version: None,
                value: token,
            },
        })
        .collect()
}

/// Required headers present and non-empty, or the verdict that says which are not.
pub(super) fn required<const N: usize>(
    pairs: [(&'static str, Option<&str>); N],
) -> Result<[String; N], Verdict> {
    let missing: Vec<&'static str> = pairs
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(n, _)| *n)
        .collect();
    if !missing.is_empty() {
        return Err(Verdict::HeadersMissing(missing));
    }
    if let Some((name, _)) = pairs.iter().find(|(_, v)| v.is_some_and(str::is_empty)) {
        return Err(Verdict::HeaderMalformed {
            header: name,
            problem: HeaderProblem::Empty,
        });
    }
    Ok(pairs.map(|(_, v)| v.unwrap_or_default().to_string()))
}

impl Request<'_> {
    fn key(&self) -> Result<&SecretKey, Verdict> {
        self.key
            .as_ref()
            .map_err(|e| Verdict::SecretMalformed(e.clone()))
    }

    fn timestamp_verdict(&self, header: &'static str, text: &str) -> Result<i64, Verdict> {
        unix_seconds(text).ok_or(Verdict::HeaderMalformed {
            header,
            problem: HeaderProblem::NotUnixSeconds,
        })
    }

    fn bodies(&self) -> Option<&[(BodyChange, Vec<u8>)]> {
        (self.body.len() <= MAX_DIAGNOSED_BODY).then(|| {
            self.bodies
                .get_or_init(|| candidate_bodies(self.body))
                .as_slice()
        })
    }

    fn standard(&self) -> Verdict {
        self.try_standard().unwrap_or_else(|verdict| verdict)
    }

    fn try_standard(&self) -> Result<Verdict, Verdict> {
        let [id, timestamp, signature] = required([
            (HEADER_ID, self.id),
            (HEADER_TIMESTAMP, self.timestamp),
            (HEADER_SIGNATURE, self.signature),
        ])?;
        let seconds = self.timestamp_verdict(HEADER_TIMESTAMP, &timestamp)?;
        let key = self.key()?;
        let entries = entries(&signature);
        let v1: Vec<Option<Vec<u8>>> = entries
            .iter()
            .filter(|e| e.version == Some("v1"))
            .map(|e| BASE64_LENIENT.decode(e.value).ok())
            .collect();
        let expected = standard_mac(&key.0, &id, &timestamp, self.body);
        // The matching entry's place among all entries, as a person counts them in the header.
        let matched = entries.iter().position(|e| {
            e.version == Some("v1")
                && BASE64_LENIENT
                    .decode(e.value)
                    .is_ok_and(|t| ct_matches(&expected, &t))
        });
        if let Some(skew) = skew(seconds, self.now, self.tolerance) {
            return Ok(Verdict::OutsideTolerance {
                skew,
                signature_matches: matched.is_some(),
            });
        }
        if let Some(i) = matched {
            return Ok(Verdict::Valid {
                entry: i + 1,
                entries: entries.len(),
            });
        }
        let tags = || v1.iter().flatten().map(Vec::as_slice);
        let any_tag = |mac: &HmacSha256| tags().any(|t| ct_matches(mac, t));

        // The legacy hex value pasted into the standard header (with or without `v1,`).
        let legacy_ts = self
            .legacy_timestamp
            .filter(|t| unix_seconds(t).is_some())
            .unwrap_or(&timestamp);
        let legacy = legacy_mac(self.secret.as_bytes(), legacy_ts, self.body);
        if entries
            .iter()
            .filter_map(|e| unhex(e.value))
            .any(|t| ct_matches(&legacy, &t))
        {
            return Ok(Verdict::Mismatch(Cause::LegacySignatureInStandardHeader));
        }
        if entries
            .iter()
            .filter(|e| e.version.is_none())
            .filter_map(|e| BASE64_LENIENT.decode(e.value).ok())
            .any(|t| ct_matches(&expected, &t))
        {
            return Ok(Verdict::Mismatch(Cause::MissingVersionPrefix));
        }
        if v1.is_empty() {
            return Ok(Verdict::HeaderMalformed {
                header: HEADER_SIGNATURE,
                problem: HeaderProblem::NoV1Entry,
            });
        }
        for with_prefix in [true, false] {
            let text = if with_prefix {
                self.secret
            } else {
                self.secret.strip_prefix(PREFIX).unwrap_or(self.secret)
            };
            if any_tag(&standard_mac(text.as_bytes(), &id, &timestamp, self.body)) {
                return Ok(Verdict::Mismatch(Cause::SecretTextAsKey { with_prefix }));
            }
        }
        let Some(bodies) = self.bodies() else {
            return Ok(Verdict::Mismatch(Cause::Unknown {
                entries: v1.len(),
                bodies_tried: false,
            }));
        };
        for (change, body) in bodies {
            if any_tag(&standard_mac(&key.0, &id, &timestamp, body)) {
                return Ok(Verdict::Mismatch(Cause::Body(*change)));
            }
        }
        Ok(Verdict::Mismatch(Cause::Unknown {
            entries: v1.len(),
            bodies_tried: true,
        }))
    }

    fn legacy(&self) -> Verdict {
        self.try_legacy().unwrap_or_else(|verdict| verdict)
    }

    fn try_legacy(&self) -> Result<Verdict, Verdict> {
        let [timestamp, signature] = required([
            (HEADER_LEGACY_TIMESTAMP, self.legacy_timestamp),
            (HEADER_LEGACY_SIGNATURE, self.legacy_signature),
        ])?;
        let seconds = self.timestamp_verdict(HEADER_LEGACY_TIMESTAMP, &timestamp)?;
        let key = self.key()?;
        let value = signature
            .strip_prefix("sha256=")
            .or_else(|| signature.strip_prefix("SHA256="))
            .unwrap_or(&signature);
        let tag = unhex(value).filter(|t| t.len() == 32);
        let text_key = self.secret.as_bytes();
        let expected = legacy_mac(text_key, &timestamp, self.body);
        let matched = tag.as_deref().is_some_and(|t| ct_matches(&expected, t));
        if let Some(skew) = skew(seconds, self.now, self.tolerance) {
            return Ok(Verdict::OutsideTolerance {
                skew,
                signature_matches: matched,
            });
        }
        if matched {
            return Ok(Verdict::Valid {
                entry: 1,
                entries: 1,
            });
        }

        // The standard `v1,` value (or the whole webhook-signature header) pasted here.
        if let Some(id) = self.id.filter(|id| !id.is_empty()) {
            let ts = self
                .timestamp
                .filter(|t| unix_seconds(t).is_some())
                .unwrap_or(&timestamp);
            let standard = standard_mac(&key.0, id, ts, self.body);
            if entries(&signature)
                .iter()
                .filter_map(|e| BASE64_LENIENT.decode(e.value).ok())
                .any(|t| ct_matches(&standard, &t))
            {
                return Ok(Verdict::Mismatch(Cause::StandardSignatureInLegacyHeader));
            }
        }
        let Some(tag) = tag else {
            return Ok(Verdict::HeaderMalformed {
                header: HEADER_LEGACY_SIGNATURE,
                problem: HeaderProblem::NotHex,
            });
        };
        if ct_matches(&legacy_mac(&key.0, &timestamp, self.body), &tag) {
            return Ok(Verdict::Mismatch(Cause::SecretDecodedAsKey));
        }
        let Some(bodies) = self.bodies() else {
            return Ok(Verdict::Mismatch(Cause::Unknown {
                entries: 1,
                bodies_tried: false,
            }));
        };
        for (change, body) in bodies {
            if ct_matches(&legacy_mac(text_key, &timestamp, body), &tag) {
                return Ok(Verdict::Mismatch(Cause::Body(*change)));
            }
        }
        Ok(Verdict::Mismatch(Cause::Unknown {
            entries: 1,
            bodies_tried: true,
        }))
    }
}
