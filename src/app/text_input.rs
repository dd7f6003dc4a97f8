//! Editing the app's text inputs within a size limit. A paste goes in as one edit (tui-input
//! inserts per character, which is quadratic: a 300 KB paste froze the UI for ~44 s), and
//! every input has a limit, so handling input stays linear in its size.

use crate::text::clean;
use tui_input::{Input, InputRequest};

/// The longest target URL the API takes.
pub const URL_LIMIT: usize = crate::validate::MAX_URL_LEN;
/// Routing header names (the validator refuses more than 128; the field shows why).
pub const HEADER_LIMIT: usize = 256;
/// A phone number as typed, with spaces and dashes.
pub const PHONE_LIMIT: usize = 32;
/// The list filter and the event checklist filter.
pub const FILTER_LIMIT: usize = 256;

/// Inserts `text` (cleaned of control characters) at the cursor in one step. Returns
/// `Err(limit)` when it had to be cut to stay within `limit` characters.
pub fn paste(input: &mut Input, text: &str, limit: usize) -> Result<(), usize> {
    let value = input.value();
    let room = limit.saturating_sub(value.chars().count());
    let cleaned = clean(text);
    let kept: String = cleaned.chars().take(room).collect();
    let kept_chars = kept.chars().count();
    let cut = cleaned.chars().nth(kept_chars).is_some();
    if kept_chars > 0 {
        let cursor = input.cursor();
        let at = value
            .char_indices()
            .nth(cursor)
            .map_or(value.len(), |(byte, _)| byte);
        let mut joined = String::with_capacity(value.len() + kept.len());
        joined.push_str(&value[..at]);
        joined.push_str(&kept);
        joined.push_str(&value[at..]);
        *input = Input::new(joined).with_cursor(cursor + kept_chars);
    }
    if cut {
        Err(limit)
    } else {
        Ok(())
    }
}

/// Applies a typed edit; a character that would pass `limit` is refused with `Err(limit)`.
pub fn edit(input: &mut Input, request: InputRequest, limit: usize) -> Result<(), usize> {
    if let InputRequest::InsertChar(c) = request {
        if c.is_control() || crate::text::is_invisible(c) {
            return Ok(());
        }
        if input.value().chars().count() >= limit {
            return Err(limit);
        }
    }
    input.handle(request);
    Ok(())
}

/// "Paste cut to 2,048 characters", for a notice under the field.
pub fn cut_notice(limit: usize) -> String {
    format!("Paste cut to {} characters", thousands(limit))
}

/// "This field takes at most 2,048 characters".
pub fn full_notice(limit: usize) -> String {
    format!("This field takes at most {} characters", thousands(limit))
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paste_goes_in_at_the_cursor_and_is_cut_at_the_limit() {
        let mut input = Input::new("https://x.test/".into()).with_cursor(8);
        assert_eq!(paste(&mut input, "ab\u{1b}[2J", 100), Ok(()));
        assert_eq!(input.value(), "https://ab[2Jx.test/");
        assert_eq!(input.cursor(), 13);

        let mut input = Input::new("abc".into());
        assert_eq!(paste(&mut input, &"é".repeat(10), 8), Err(8));
        assert_eq!(input.value(), "abcééééé");
        assert_eq!(input.cursor(), 8);
        // Full: nothing more goes in, and it says so.
        assert_eq!(paste(&mut input, "x", 8), Err(8));
        assert_eq!(input.value(), "abcééééé");
        assert_eq!(paste(&mut input, "", 8), Ok(()));
    }

    #[test]
    fn a_huge_paste_is_one_linear_edit() {
        let mut input = Input::default();
        let huge = "a".repeat(1_000_000);
        assert_eq!(paste(&mut input, &huge, URL_LIMIT), Err(URL_LIMIT));
        assert_eq!(input.value().len(), URL_LIMIT);
        assert_eq!(cut_notice(URL_LIMIT), "Paste cut to 2,048 characters");
    }

    #[test]
    fn typing_stops_at_the_limit() {
        let mut input = Input::new("abcd".into());
        assert_eq!(edit(&mut input, InputRequest::InsertChar('e'), 4), Err(4));
        assert_eq!(edit(&mut input, InputRequest::DeletePrevChar, 4), Ok(()));
        assert_eq!(
            edit(&mut input, InputRequest::InsertChar('\u{1b}'), 4),
            Ok(())
        );
        assert_eq!(input.value(), "abc");
        assert_eq!(full_notice(256), "This field takes at most 256 characters");
    }
}
