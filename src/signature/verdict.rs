//! What a check found: the verdict of each scheme, and the cause a failed one names.

use super::*;

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
