//! Webhook signatures (linq-api.md §8.2–8.4): signing and verification of both header sets,
//! for the `verify` command, `listen` and the sandbox's delivery engine alike. Pure: no IO,
//! no logging. The secret never appears in a message, an error or a `Debug` output.
//!
//! A failed check says why, in one sentence; a signature mismatch also tries the usual
//! mistakes (a re-serialised body, the secret used the wrong way, the two schemes' headers
//! swapped) so that the likely cause can be named. Every attempt is bounded: at most
//! [`MAX_DIAGNOSED_BODY`] bytes of body and a handful of candidate bodies.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::cell::OnceCell;
use std::fmt;
use zeroize::Zeroizing;

type HmacSha256 = Hmac<Sha256>;

/// The window both SDKs' `standardwebhooks` library applies, in both directions.
pub const DEFAULT_TOLERANCE_SECS: u64 = 300;

/// Bodies larger than this are verified but not re-serialised to look for a cause.
pub const MAX_DIAGNOSED_BODY: usize = 1 << 20;

/// A candidate body larger than this is dropped: pretty-printing deeply nested JSON can
/// multiply its size (each line is indented by its depth).
const MAX_CANDIDATE_BODY: usize = 4 * MAX_DIAGNOSED_BODY;

/// Signature entries looked at in one `webhook-signature` header; more is no real sender.
const MAX_ENTRIES: usize = 64;

/// The shortest key accepted: `SigningSecret::is_well_formed`'s lower bound.
const MIN_KEY_BYTES: usize = 16;

const PREFIX: &str = "whsec_";

/// Standard base64; padding optional, as the `standardwebhooks` library accepts.
const BASE64_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

pub const HEADER_ID: &str = "webhook-id";
pub const HEADER_TIMESTAMP: &str = "webhook-timestamp";
pub const HEADER_SIGNATURE: &str = "webhook-signature";
pub const HEADER_LEGACY_TIMESTAMP: &str = "X-Webhook-Timestamp";
pub const HEADER_LEGACY_SIGNATURE: &str = "X-Webhook-Signature";

/// Anything that holds a signing secret's text: `&str`, `String`, [`SigningSecret`].
///
/// [`SigningSecret`]: crate::api::SigningSecret
pub trait SecretText {
    fn secret_text(&self) -> &str;
}

impl SecretText for str {
    fn secret_text(&self) -> &str {
        self
    }
}

impl SecretText for String {
    fn secret_text(&self) -> &str {
        self
    }
}

impl SecretText for crate::api::SigningSecret {
    fn secret_text(&self) -> &str {
        self.expose()
    }
}

/// Why a secret is not `whsec_` + standard base64. The messages never quote the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("the secret is empty")]
    Empty,
    #[error("the secret contains whitespace (a stray space or line break from copying?)")]
    Whitespace,
    #[error("the secret does not start with whsec_")]
    MissingPrefix,
    #[error("the part after whsec_ is not standard base64")]
    BadBase64,
    #[error("the secret's key is {0} bytes; Linq issues at least {MIN_KEY_BYTES}")]
    TooShort(usize),
}

impl SecretError {
    pub fn code(&self) -> &'static str {
        match self {
            SecretError::Empty => "secret_empty",
            SecretError::Whitespace => "secret_whitespace",
            SecretError::MissingPrefix => "secret_missing_prefix",
            SecretError::BadBase64 => "secret_bad_base64",
            SecretError::TooShort(_) => "secret_too_short",
        }
    }
}

/// The key bytes of a Standard Webhooks secret (base64-decoded, `whsec_` dropped). Zeroised
/// on drop; `Debug` shows only the length.
pub struct SecretKey(Zeroizing<Vec<u8>>);

impl SecretKey {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({} bytes, redacted)", self.0.len())
    }
}

/// `whsec_` + standard base64 (linq-api.md §8.2) → the HMAC key of the standard scheme.
pub fn parse_secret(secret: &str) -> Result<SecretKey, SecretError> {
    if secret.is_empty() {
        return Err(SecretError::Empty);
    }
    if secret.chars().any(char::is_whitespace) {
        return Err(SecretError::Whitespace);
    }
    let encoded = secret
        .strip_prefix(PREFIX)
        .ok_or(SecretError::MissingPrefix)?;
    let key = Zeroizing::new(
        BASE64_LENIENT
            .decode(encoded)
            .map_err(|_| SecretError::BadBase64)?,
    );
    if key.len() < MIN_KEY_BYTES {
        return Err(SecretError::TooShort(key.len()));
    }
    Ok(SecretKey(key))
}

/// An HMAC-SHA256 over `parts`, not yet finalised (so one prepared MAC checks many entries).
fn mac(key: &[u8], parts: &[&[u8]]) -> HmacSha256 {
    // HMAC accepts keys of any length (longer ones are hashed), so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    for part in parts {
        mac.update(part);
    }
    mac
}

fn standard_mac(key: &[u8], msg_id: &str, timestamp: &str, body: &[u8]) -> HmacSha256 {
    mac(
        key,
        &[msg_id.as_bytes(), b".", timestamp.as_bytes(), b".", body],
    )
}

fn legacy_mac(key: &[u8], timestamp: &str, body: &[u8]) -> HmacSha256 {
    mac(key, &[timestamp.as_bytes(), b".", body])
}

#[cfg(test)]
thread_local! {
    /// How often the constant-time comparison ran on this thread (tests only).
    static CT_COMPARISONS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Every comparison of a received signature goes through here: `verify_slice` compares in
/// constant time, so the check leaks nothing about how much of a forged tag was right.
fn ct_matches(mac: &HmacSha256, tag: &[u8]) -> bool {
    #[cfg(test)]
    CT_COMPARISONS.with(|c| c.set(c.get() + 1));
    mac.clone().verify_slice(tag).is_ok()
}

/// The `v1,<base64>` entry of `webhook-signature` (linq-api.md §8.3).
pub fn sign_standard<S: SecretText + ?Sized>(
    secret: &S,
    msg_id: &str,
    timestamp: i64,
    body: &[u8],
) -> Result<String, SecretError> {
    let key = parse_secret(secret.secret_text())?;
    let tag = standard_mac(&key.0, msg_id, &timestamp.to_string(), body).finalize();
    Ok(format!("v1,{}", STANDARD.encode(tag.into_bytes())))
}

/// The lowercase hex `X-Webhook-Signature` (linq-api.md §8.4): keyed with the secret's text
/// as issued, `whsec_` included.
pub fn sign_legacy<S: SecretText + ?Sized>(secret: &S, timestamp: i64, body: &[u8]) -> String {
    let text = secret.secret_text();
    let tag = legacy_mac(text.as_bytes(), &timestamp.to_string(), body).finalize();
    hex(&tag.into_bytes())
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// Hex of either case; `None` unless every character is a hex digit and the length is even.
fn unhex(text: &str) -> Option<Vec<u8>> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    let bytes = text.as_bytes();
    if bytes.is_empty() || !bytes.len().is_multiple_of(2) {
        return None;
    }
    bytes
        .chunks_exact(2)
        .map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?))
        .collect()
}

/// The two header sets Linq sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `webhook-id` / `webhook-timestamp` / `webhook-signature` (Standard Webhooks v1).
    Standard,
    /// `X-Webhook-Timestamp` / `X-Webhook-Signature` (deprecated, still sent).
    Legacy,
}

impl Scheme {
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Standard => "standard",
            Scheme::Legacy => "legacy",
        }
    }

    /// The header that carries the scheme's signature.
    pub fn signature_header(self) -> &'static str {
        match self {
            Scheme::Standard => HEADER_SIGNATURE,
            Scheme::Legacy => HEADER_LEGACY_SIGNATURE,
        }
    }
}

/// Both schemes' verdicts on one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub standard: Verdict,
    pub legacy: Verdict,
}

impl Report {
    /// A receiver that checks either scheme would accept the request.
    pub fn any_valid(&self) -> bool {
        self.standard.is_valid() || self.legacy.is_valid()
    }

    pub fn verdicts(&self) -> [(Scheme, &Verdict); 2] {
        [
            (Scheme::Standard, &self.standard),
            (Scheme::Legacy, &self.legacy),
        ]
    }
}

/// One scheme's result: valid, or the first reason it is not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Entry `entry` (1-based, counting every space-separated entry) of `entries` matched.
    Valid {
        entry: usize,
        entries: usize,
    },
    /// These headers are absent (names as documented).
    HeadersMissing(Vec<&'static str>),
    HeaderMalformed {
        header: &'static str,
        problem: HeaderProblem,
    },
    SecretMalformed(SecretError),
    /// `|now − timestamp|` exceeds the tolerance; says whether the signature itself matches.
    OutsideTolerance {
        skew: Skew,
        signature_matches: bool,
    },
    /// The timestamp is fine but no signature matches; the likely cause.
    Mismatch(Cause),
}

impl Verdict {
    pub fn is_valid(&self) -> bool {
        matches!(self, Verdict::Valid { .. })
    }

    /// A stable machine-readable code (the `--json` output).
    pub fn code(&self) -> &'static str {
        match self {
            Verdict::Valid { .. } => "valid",
            Verdict::HeadersMissing(_) => "headers_missing",
            Verdict::HeaderMalformed { .. } => "header_malformed",
            Verdict::SecretMalformed(_) => "secret_malformed",
            Verdict::OutsideTolerance { skew, .. } => match skew.direction {
                Direction::TooOld => "timestamp_too_old",
                Direction::InFuture => "timestamp_in_future",
            },
            Verdict::Mismatch(_) => "signature_mismatch",
        }
    }

    /// The cause of a mismatch, when there is one.
    pub fn cause(&self) -> Option<&Cause> {
        match self {
            Verdict::Mismatch(cause) => Some(cause),
            _ => None,
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Valid { entries: 1, .. } => f.write_str("valid"),
            Verdict::Valid { entry: 1, entries } => {
                write!(f, "valid (entry 1 of {entries} matches)")
            }
            Verdict::Valid { entry, entries } => write!(
                f,
                "valid (entry {entry} of {entries} matches; a check of only the first entry would reject it)"
            ),
            Verdict::HeadersMissing(names) => {
                let s = if names.len() == 1 { "" } else { "s" };
                write!(f, "header{s} missing: {}", names.join(", "))
            }
            Verdict::HeaderMalformed { header, problem } => {
                write!(f, "{header} {}", problem.describe())
            }
            Verdict::SecretMalformed(e) => write!(f, "secret malformed: {e}"),
            Verdict::OutsideTolerance {
                skew,
                signature_matches,
            } => {
                let tail = if *signature_matches {
                    "the signature itself matches"
                } else {
                    "and the signature does not match either"
                };
                write!(f, "{skew}; {tail}")
            }
            Verdict::Mismatch(cause) => write!(f, "signature mismatch: {cause}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderProblem {
    Empty,
    /// A timestamp that is not a whole number of Unix seconds.
    NotUnixSeconds,
    /// `webhook-signature` without any `v1,<signature>` entry.
    NoV1Entry,
    /// `X-Webhook-Signature` that is not 64 hex digits.
    NotHex,
}

impl HeaderProblem {
    fn describe(self) -> &'static str {
        match self {
            HeaderProblem::Empty => "is empty",
            HeaderProblem::NotUnixSeconds => "is not Unix seconds (digits only)",
            HeaderProblem::NoV1Entry => "has no v1,<base64> entry",
            HeaderProblem::NotHex => {
                "is not a hex HMAC-SHA256 (64 hex digits, optionally after sha256=)"
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The timestamp is further in the past than the tolerance.
    TooOld,
    /// The timestamp is further in the future than the tolerance.
    InFuture,
}

/// How far the timestamp is from `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Skew {
    pub direction: Direction,
    /// `|now − timestamp|` in seconds.
    pub secs: u64,
    pub tolerance: u64,
}

impl fmt::Display for Skew {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Skew {
            direction,
            secs,
            tolerance,
        } = *self;
        let over = secs.saturating_sub(tolerance);
        match direction {
            Direction::TooOld => write!(
                f,
                "the timestamp is {secs} s old, {over} s beyond the {tolerance} s tolerance (a replayed or late-checked request, or this clock is ahead)"
            ),
            Direction::InFuture => write!(
                f,
                "the timestamp is {secs} s in the future, {over} s beyond the {tolerance} s tolerance (clock skew: this clock is behind the sender's)"
            ),
        }
    }
}

/// The likely cause of a signature mismatch: the first alternative that matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The signature matches the body changed this way.
    Body(BodyChange),
    /// Standard scheme: signed with the secret's text as the key instead of its
    /// base64-decoded bytes (`with_prefix`: the text including `whsec_`).
    SecretTextAsKey { with_prefix: bool },
    /// Legacy scheme: signed with the base64-decoded key instead of the secret's text.
    SecretDecodedAsKey,
    /// `webhook-signature` holds the legacy hex signature.
    LegacySignatureInStandardHeader,
    /// `X-Webhook-Signature` holds the Standard Webhooks `v1,` signature.
    StandardSignatureInLegacyHeader,
    /// A `webhook-signature` entry is the right signature without its `v1,` prefix.
    MissingVersionPrefix,
    /// No alternative matched. `entries`: the v1 signatures checked; `bodies_tried`: false
    /// when the body was too large to re-serialise.
    Unknown { entries: usize, bodies_tried: bool },
}

impl Cause {
    pub fn code(&self) -> &'static str {
        match self {
            Cause::Body(change) => change.code(),
            Cause::SecretTextAsKey { .. } => "secret_text_as_key",
            Cause::SecretDecodedAsKey => "secret_decoded_as_key",
            Cause::LegacySignatureInStandardHeader => "legacy_signature_in_standard_header",
            Cause::StandardSignatureInLegacyHeader => "standard_signature_in_legacy_header",
            Cause::MissingVersionPrefix => "missing_v1_prefix",
            Cause::Unknown { .. } => "unknown",
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::Body(change) => write!(
                f,
                "it matches this body {}, so the bytes checked are not the bytes signed (verify the raw body as received)",
                change.describe()
            ),
            Cause::SecretTextAsKey { with_prefix: true } => f.write_str(
                "it was made with the secret's text (whsec_ included) as the HMAC key, but Standard Webhooks keys with the base64-decoded bytes after whsec_",
            ),
            Cause::SecretTextAsKey { with_prefix: false } => f.write_str(
                "it was made with the base64 text after whsec_ as the HMAC key, but Standard Webhooks keys with those characters base64-decoded",
            ),
            Cause::SecretDecodedAsKey => f.write_str(
                "it was made with the base64-decoded secret as the HMAC key, but the legacy scheme keys with the secret's text as issued, whsec_ included",
            ),
            Cause::LegacySignatureInStandardHeader => f.write_str(
                "webhook-signature holds the legacy X-Webhook-Signature value (hex), not a v1 Standard Webhooks signature",
            ),
            Cause::StandardSignatureInLegacyHeader => f.write_str(
                "X-Webhook-Signature holds the Standard Webhooks v1 signature (webhook-signature's value), not the legacy hex HMAC",
            ),
            Cause::MissingVersionPrefix => f.write_str(
                "an entry of webhook-signature is the right signature without its v1, prefix",
            ),
            Cause::Unknown {
                entries,
                bodies_tried,
            } => {
                let which = match entries {
                    0 | 1 => String::new(),
                    n => format!("none of the {n} v1 entries matches and "),
                };
                let bodies = if *bodies_tried {
                    ""
                } else {
                    " (body over 1 MiB: re-serialisations not tried)"
                };
                write!(
                    f,
                    "{which}no usual mistake explains it{bodies}, so most likely the secret is another subscription's (or an old one) or the body was changed in transit"
                )
            }
        }
    }
}

/// A re-serialisation of the received body that the signature was found to match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyChange {
    /// The received body has one trailing newline more than the signed one.
    TrailingNewlineAdded,
    /// The received body lacks a trailing newline the signed one had.
    TrailingNewlineRemoved,
    /// Compact JSON (insignificant whitespace removed, key order kept).
    Compact,
    /// Pretty JSON with a 2-space indent (serde_json, `JSON.stringify(v, null, 2)`).
    Pretty,
    /// Python's `json.dumps` defaults: `", "` and `": "`, non-ASCII escaped.
    PythonSpacing,
    /// Keys sorted, compact.
    SortedCompact,
    /// Keys sorted, pretty with a 2-space indent.
    SortedPretty,
}

impl BodyChange {
    pub fn code(self) -> &'static str {
        match self {
            BodyChange::TrailingNewlineAdded => "body_trailing_newline_added",
            BodyChange::TrailingNewlineRemoved => "body_trailing_newline_removed",
            BodyChange::Compact => "body_reserialised_compact",
            BodyChange::Pretty => "body_reserialised_pretty",
            BodyChange::PythonSpacing => "body_reserialised_python",
            BodyChange::SortedCompact => "body_keys_sorted_compact",
            BodyChange::SortedPretty => "body_keys_sorted_pretty",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            BodyChange::TrailingNewlineAdded => "without its trailing newline (one was added)",
            BodyChange::TrailingNewlineRemoved => "with a trailing newline (one was removed)",
            BodyChange::Compact => "as compact JSON",
            BodyChange::Pretty => "as pretty JSON (2-space indent)",
            BodyChange::PythonSpacing => "as Python's json.dumps writes it",
            BodyChange::SortedCompact => "with its keys sorted (compact JSON)",
            BodyChange::SortedPretty => "with its keys sorted (pretty JSON)",
        }
    }
}

/// The first value of `name` (case-insensitive), trimmed.
fn header<'h, N: AsRef<str>, V: AsRef<str>>(headers: &'h [(N, V)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(n, _)| n.as_ref().trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_ref().trim())
}

/// Unix seconds: ASCII digits only, as Linq sends them.
fn unix_seconds(text: &str) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn skew(timestamp: i64, now: i64, tolerance: u64) -> Option<Skew> {
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

struct Request<'a> {
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
struct Entry<'a> {
    /// `Some("v1")` for `v1,…`; `None` without a comma.
    version: Option<&'a str>,
    value: &'a str,
}

fn entries(header: &str) -> Vec<Entry<'_>> {
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
fn required<const N: usize>(
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

/// The bodies the signature may have been made over instead of `body`: at most seven, each
/// at most a few times `body`'s size, none equal to `body` or to an earlier one. The newline
/// variants come first: they are the most specific explanation.
fn candidate_bodies(body: &[u8]) -> Vec<(BodyChange, Vec<u8>)> {
    let mut out: Vec<(BodyChange, Vec<u8>)> = Vec::with_capacity(7);
    let mut push = |change: BodyChange, candidate: Vec<u8>| {
        if candidate != body && out.iter().all(|(_, b)| *b != candidate) {
            out.push((change, candidate));
        }
    };
    let trimmed = body
        .strip_suffix(b"\r\n")
        .or_else(|| body.strip_suffix(b"\n"));
    if let Some(trimmed) = trimmed {
        push(BodyChange::TrailingNewlineAdded, trimmed.to_vec());
    }
    let mut with_newline = body.to_vec();
    with_newline.push(b'\n');
    push(BodyChange::TrailingNewlineRemoved, with_newline);

    if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_err() {
        return out;
    }
    for (change, style) in [
        (BodyChange::Compact, Style::Compact),
        (BodyChange::Pretty, Style::Pretty),
        (BodyChange::PythonSpacing, Style::Python),
    ] {
        if let Some(candidate) = reformat(body, style) {
            push(change, candidate);
        }
    }
    if let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(body) {
        value.sort_all_objects();
        let mut compact = Capped(Vec::new());
        if serde_json::to_writer(&mut compact, &value).is_ok() {
            push(BodyChange::SortedCompact, compact.0);
        }
        let mut pretty = Capped(Vec::new());
        if serde_json::to_writer_pretty(&mut pretty, &value).is_ok() {
            push(BodyChange::SortedPretty, pretty.0);
        }
    }
    out
}

/// A buffer that refuses to grow past [`MAX_CANDIDATE_BODY`].
struct Capped(Vec<u8>);

impl std::io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.0.len() + buf.len() > MAX_CANDIDATE_BODY {
            return Err(std::io::Error::other("candidate body too large"));
        }
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Compact,
    Pretty,
    Python,
}

/// Re-lays valid JSON text token by token, keeping key order, numbers and string escapes as
/// they are (serde_json's `Value` would sort keys and rewrite numbers). `None` past
/// [`MAX_CANDIDATE_BODY`].
fn reformat(json: &[u8], style: Style) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(json.len() + json.len() / 2);
    let mut depth = 0usize;
    let mut i = 0;
    let newline = |out: &mut Vec<u8>, depth: usize| {
        out.push(b'\n');
        out.extend(std::iter::repeat_n(b' ', depth * 2));
    };
    while i < json.len() {
        if out.len() > MAX_CANDIDATE_BODY {
            return None;
        }
        let b = json[i];
        match b {
            b' ' | b'\t' | b'\n' | b'\r' => {}
            b'"' => {
                let end = string_end(json, i);
                let text = &json[i..end];
                if style == Style::Python {
                    escape_non_ascii(text, &mut out);
                } else {
                    out.extend_from_slice(text);
                }
                i = end;
                continue;
            }
            b'{' | b'[' => {
                out.push(b);
                let close = if b == b'{' { b'}' } else { b']' };
                let next = json[i + 1..]
                    .iter()
                    .position(|c| !c.is_ascii_whitespace())
                    .map(|p| i + 1 + p);
                if let Some(n) = next.filter(|&n| json[n] == close) {
                    // An empty container stays `{}` / `[]` in every style.
                    out.push(close);
                    i = n + 1;
                    continue;
                }
                depth += 1;
                if style == Style::Pretty {
                    newline(&mut out, depth);
                }
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if style == Style::Pretty {
                    newline(&mut out, depth);
                }
                out.push(b);
            }
            b',' => {
                out.push(b',');
                match style {
                    Style::Pretty => newline(&mut out, depth),
                    Style::Python => out.push(b' '),
                    Style::Compact => {}
                }
            }
            b':' => {
                out.push(b':');
                if style != Style::Compact {
                    out.push(b' ');
                }
            }
            _ => out.push(b),
        }
        i += 1;
    }
    (out.len() <= MAX_CANDIDATE_BODY).then_some(out)
}

/// The index just past the string that starts at `start` (a `"`).
fn string_end(json: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < json.len() {
        match json[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    json.len()
}

/// A JSON string token with non-ASCII characters as `\uXXXX` (lowercase, surrogate pairs),
/// as Python's `ensure_ascii` writes them.
fn escape_non_ascii(token: &[u8], out: &mut Vec<u8>) {
    match std::str::from_utf8(token) {
        Ok(text) => {
            for c in text.chars() {
                if c.is_ascii() {
                    out.push(c as u8);
                } else {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        out.extend_from_slice(format!("\\u{unit:04x}").as_bytes());
                    }
                }
            }
        }
        Err(_) => out.extend_from_slice(token),
    }
}

pub mod capture;

#[cfg(test)]
mod tests;
