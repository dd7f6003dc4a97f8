//! The bodies a sender may have signed instead of the one received (a re-serialised JSON,
//! changed newlines), so a mismatch can name its likely cause.

use super::*;

/// The bodies the signature may have been made over instead of `body`: at most seven, each
/// at most a few times `body`'s size, none equal to `body` or to an earlier one. The newline
/// variants come first: they are the most specific explanation.
pub(super) fn candidate_bodies(body: &[u8]) -> Vec<(BodyChange, Vec<u8>)> {
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
pub(super) struct Capped(Vec<u8>);

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
pub(super) enum Style {
    Compact,
    Pretty,
    Python,
}

/// Re-lays valid JSON text token by token, keeping key order, numbers and string escapes as
/// they are (serde_json's `Value` would sort keys and rewrite numbers). `None` past
/// [`MAX_CANDIDATE_BODY`].
pub(super) fn reformat(json: &[u8], style: Style) -> Option<Vec<u8>> {
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
pub(super) fn string_end(json: &[u8], start: usize) -> usize {
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
pub(super) fn escape_non_ascii(token: &[u8], out: &mut Vec<u8>) {
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
