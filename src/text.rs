//! Untrusted text from the API goes through here before it reaches the terminal.

use std::borrow::Cow;

/// Removes control characters (C0, DEL, C1 — which includes ESC and CSI) so that no string
/// from the API can move the cursor, recolour, retitle or otherwise drive the terminal.
/// Tabs and newlines become spaces: every field is drawn on one line.
pub fn clean(s: &str) -> Cow<'_, str> {
    // Printable ASCII (nearly all the API sends) has nothing to remove: one quick test of
    // its bytes, not a table lookup per character (10,000 rows go through here per list).
    let printable_ascii = s.bytes().all(|b| (b' '..=b'~').contains(&b));
    if printable_ascii || !s.chars().any(|c| c.is_control() || is_invisible(c)) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .filter_map(|c| match c {
                '\t' | '\n' | '\r' => Some(' '),
                c if c.is_control() || is_invisible(c) => None,
                c => Some(c),
            })
            .collect(),
    )
}

/// [`clean`], and also what terminals disagree on the width of: a flag (two regional
/// indicator letters) becomes its two ASCII letters (variation selectors are already gone
/// with `clean`). A terminal that draws a flag one or two cells wider than ratatui counts
/// leaves a stray glyph behind when the row is redrawn. For drawing only: never for text
/// sent anywhere.
pub fn display(s: &str) -> Cow<'_, str> {
    let cleaned = clean(s);
    if !cleaned.chars().any(width_disputed) {
        return cleaned;
    }
    Cow::Owned(
        cleaned
            .chars()
            .map(|c| match c {
                '\u{1F1E6}'..='\u{1F1FF}' => {
                    char::from_u32(u32::from(c) - 0x1F1E6 + u32::from(b'A')).unwrap_or(c)
                }
                c => c,
            })
            .collect(),
    )
}

fn width_disputed(c: char) -> bool {
    matches!(c, '\u{1F1E6}'..='\u{1F1FF}')
}

/// Invisible and format characters (bidi overrides, zero-width characters, the BOM, tag
/// characters, variation selectors …): on terminals that do bidi they can make one URL
/// look like another (in a delete dialog, of all places), or smuggle hidden text. The
/// same set the validator refuses in a target URL.
pub fn is_invisible(c: char) -> bool {
    is_invisible_or_format(c)
}

/// Characters that are invisible or change how the text around them is shown, so that two
/// URLs can look the same and differ: Unicode general category Cf (zero-width space and
/// joiners, bidi marks, embeddings, overrides and isolates, the BOM, the tag characters,
/// the soft hyphen, …) and the other default-ignorable code points (variation selectors,
/// the combining grapheme joiner, Hangul fillers, …). The whole tag block
/// U+E0000–U+E007F is included. Ranges as of Unicode 16.
pub fn is_invisible_or_format(c: char) -> bool {
    // Every range below starts at U+00AD or later: ASCII text is decided by one comparison.
    if c < '\u{00AD}' {
        return false;
    }
    matches!(
        c,
        // General category Cf.
        '\u{00AD}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061C}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08E2}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E007F}'
            // Default-ignorable code points outside Cf.
            | '\u{034F}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180D}'
            | '\u{180F}'
            | '\u{2065}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{E0080}'..='\u{E0FFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_ascii_is_kept_as_is_and_the_rest_still_cleaned() {
        let plain = "https://hooks.example.com/a?b=c&d=~e";
        assert!(matches!(clean(plain), Cow::Borrowed(s) if s == plain));
        // One byte outside printable ASCII anywhere sends it down the careful path.
        assert_eq!(clean("a\u{7f}b\tc\u{200b}d"), "ab cd");
        assert_eq!(clean("caf\u{e9}"), "caf\u{e9}");
    }

    #[test]
    fn strips_escape_sequences_and_c1() {
        assert_eq!(
            clean("https://x.test/\u{1b}[2J\u{9b}31mhook\u{7}"),
            "https://x.test/[2J31mhook"
        );
        assert_eq!(clean("a\tb\nc"), "a b c");
        assert!(matches!(clean("plain"), Cow::Borrowed(_)));
        assert_eq!(
            clean("https://a.test/\u{202E}lmth.exe"),
            "https://a.test/lmth.exe"
        );
        // Tag characters spell hidden ASCII ("hi") that a terminal does not show.
        assert_eq!(clean("x\u{E0068}\u{E0069}y"), "xy");
        assert_eq!(
            display("a?c=\u{1F1FA}\u{1F1F8}&h=\u{2764}\u{FE0F}"),
            "a?c=US&h=\u{2764}"
        );
        assert!(matches!(display("plain"), Cow::Borrowed(_)));
    }
}
