//! The one validation path for what a user types: the dashboard's form, the headless
//! commands and the sandbox's rules all call these (messages name the value, never a field:
//! callers add the field).

use crate::text::{clean, is_invisible_or_format};

/// The longest target URL the API takes (the sandbox enforces the same).
pub const MAX_URL_LEN: usize = 2048;
/// The longest routing header name accepted.
pub const MAX_HEADER_NAME_LEN: usize = 128;

/// The longest DNS label (RFC 1035), checked on the ASCII (punycode) form of the host.
pub const MAX_DNS_LABEL_LEN: usize = 63;
/// The longest DNS name in its dotted text form, without a trailing dot (RFC 1035).
pub const MAX_DNS_NAME_LEN: usize = 253;

/// A target URL must parse, be https with a host, stay under 2048 characters and contain
/// no spaces, control characters or invisible/format characters; its host needs an
/// authority (`https:///path` is refused, although a URL parser would mend it) and DNS
/// labels of at most 63 characters.
pub fn validate_url(raw: &str) -> Result<(), String> {
    checked_url(raw).map(|_| ())
}

/// [`validate_url`] and, for a valid URL, its [`url_identity`] — from one parse, or none
/// for a URL already in the parser's form.
pub fn validate_url_identity(raw: &str) -> Result<String, String> {
    let s = raw.trim();
    if is_plain_canonical(s) {
        return Ok(s.to_owned());
    }
    checked_url(raw).map(String::from)
}

/// Whether `s` is a valid target URL that a WHATWG parser gives back unchanged, judged
/// without parsing: `https://`, a lower-case host of plain DNS labels (letters, digits,
/// hyphens; the last starting with a letter, so never an IPv4 address; none `xn--`),
/// within the DNS and length limits, then a path and an optional query of characters that
/// are never escaped or rewritten, without `.` or `..` segments. No port, user, fragment,
/// `%` or `\`. Anything else goes to the parser: this only spares its work for the usual
/// URL, and `plain_canonical_urls_are_what_the_parser_gives_back` holds it to the parser.
fn is_plain_canonical(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("https://") else {
        return false;
    };
    if s.len() > MAX_URL_LEN {
        return false;
    }
    let Some(slash) = rest.find('/') else {
        return false;
    };
    let (host, path_query) = rest.split_at(slash);
    if host.is_empty() || host.len() > MAX_DNS_NAME_LEN {
        return false;
    }
    let plain_label = |l: &str| {
        !l.is_empty()
            && l.len() <= MAX_DNS_LABEL_LEN
            && !l.starts_with("xn--")
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    if !host.split('.').all(plain_label) {
        return false;
    }
    if !host
        .rsplit('.')
        .next()
        .is_some_and(|last| last.starts_with(|c: char| c.is_ascii_lowercase()))
    {
        return false;
    }
    let (path, query) = match path_query.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (path_query, None),
    };
    let kept = |b: u8| b.is_ascii_alphanumeric() || b"-._~!$&()*+,;=:@/".contains(&b);
    path.bytes().all(kept)
        && !path
            .split('/')
            .any(|segment| segment == "." || segment == "..")
        && query.is_none_or(|q| q.bytes().all(|b| kept(b) || b == b'?'))
}

fn checked_url(raw: &str) -> Result<url::Url, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("a target URL is required".into());
    }
    // The url crate would mend `https:host` or `https:/host`; the API refuses them.
    if !s
        .get(..8)
        .is_some_and(|p| p.eq_ignore_ascii_case("https://"))
    {
        return Err(match s.split_once(':') {
            Some((scheme, _)) if !scheme.eq_ignore_ascii_case("https") && !scheme.contains('/') => {
                format!("must use https (not {}://)", clean(scheme))
            }
            _ => "must start with https://".into(),
        });
    }
    if s.len() > MAX_URL_LEN {
        return Err(format!(
            "too long ({} characters, at most {MAX_URL_LEN})",
            s.len()
        ));
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not contain spaces or control characters".into());
    }
    if let Some(c) = s.chars().find(|&c| is_invisible_or_format(c)) {
        return Err(format!(
            "must not contain invisible or formatting characters (found U+{:04X})",
            u32::from(c)
        ));
    }
    // The parser would skip the extra slash and take the first path segment as the host.
    if s[8..].starts_with(['/', '\\']) {
        return Err("needs a host name right after https://".into());
    }
    let url = url::Url::parse(s).map_err(|e| format!("not a valid URL ({e})"))?;
    if url.scheme() != "https" {
        return Err(format!("must use https (not {}://)", url.scheme()));
    }
    match url.host_str() {
        Some(h) if !h.is_empty() => {}
        _ => return Err("needs a host name".into()),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry credentials".into());
    }
    if let Some(url::Host::Domain(domain)) = url.host() {
        let name = domain.strip_suffix('.').unwrap_or(domain);
        if let Some(label) = name.split('.').find(|l| l.len() > MAX_DNS_LABEL_LEN) {
            return Err(format!(
                "has a host name label of {} characters (DNS allows at most {MAX_DNS_LABEL_LEN})",
                label.len()
            ));
        }
        if name.len() > MAX_DNS_NAME_LEN {
            return Err(format!(
                "has a host name of {} characters (DNS allows at most {MAX_DNS_NAME_LEN})",
                name.len()
            ));
        }
    }
    Ok(url)
}

/// What makes two target URLs the same for the per-account uniqueness rule: the URL as a
/// WHATWG URL parser serialises it — scheme and host lower-cased, an IDN host in punycode,
/// the default port (443) dropped, `.` and `..` path segments resolved, characters outside
/// the URL set percent-encoded. Query and fragment are kept as they are. `raw` is assumed
/// to have passed [`validate_url`]; anything unparsable is its own identity (trimmed).
pub fn url_identity(raw: &str) -> String {
    let s = raw.trim();
    if is_plain_canonical(s) {
        return s.to_owned();
    }
    url::Url::parse(s).map_or_else(|_| s.to_owned(), String::from)
}

/// E.164: `+`, a country code that does not start with 0, 8 to 15 digits in all.
pub fn validate_e164(raw: &str) -> Result<(), String> {
    let Some(digits) = raw.strip_prefix('+') else {
        return Err(format!(
            "{} must start with + and the country code",
            clean(raw)
        ));
    };
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("{} must be + followed by digits only", clean(raw)));
    }
    if !(8..=15).contains(&digits.len()) {
        return Err(format!(
            "{} must have 8 to 15 digits (has {})",
            clean(raw),
            digits.len()
        ));
    }
    if digits.starts_with('0') {
        return Err(format!(
            "{} — a country code never starts with 0",
            clean(raw)
        ));
    }
    Ok(())
}

/// A header name is an HTTP token (RFC 9110).
pub fn validate_header_name(raw: &str) -> Result<(), String> {
    if raw.len() > MAX_HEADER_NAME_LEN {
        return Err(format!(
            "a header name is at most {MAX_HEADER_NAME_LEN} characters (this one has {})",
            raw.chars().count()
        ));
    }
    let ok = !raw.is_empty()
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c));
    if ok {
        Ok(())
    } else {
        Err(format!("{} is not a valid header name", clean(raw)))
    }
}

/// Which routing header a problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoutingField {
    Key,
    Id,
}

/// The routing pair (names trimmed; empty = not set): the id header needs the key header,
/// both are header names, and they differ. The form, `create` and the file check share it.
pub fn validate_routing(key: &str, id: &str) -> Result<(), (RoutingField, String)> {
    if key.is_empty() {
        if !id.is_empty() {
            return Err((
                RoutingField::Id,
                "set the routing key header first (the id header needs it)".into(),
            ));
        }
        return Ok(());
    }
    validate_header_name(key).map_err(|m| (RoutingField::Key, m))?;
    if !id.is_empty() {
        validate_header_name(id).map_err(|m| (RoutingField::Id, m))?;
        if key.eq_ignore_ascii_case(id) {
            return Err((RoutingField::Id, "key and id headers must differ".into()));
        }
    }
    Ok(())
}

/// Headers every delivery sets itself: a routing header must not shadow them (the sandbox
/// refuses them; the file check too).
const RESERVED_HEADERS: &[&str] = &[
    "authorization",
    "connection",
    "content-length",
    "content-type",
    "host",
    "transfer-encoding",
    "user-agent",
    "webhook-id",
    "webhook-signature",
    "webhook-timestamp",
    "x-webhook-event",
    "x-webhook-signature",
    "x-webhook-subscription-id",
    "x-webhook-timestamp",
];

/// Whether `name` is a header deliveries set themselves (any case).
pub fn is_reserved_header(name: &str) -> bool {
    RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str())
}

/// Loosely normalises typed phone input: drops spaces, dashes, dots and brackets.
pub fn normalise_phone(raw: &str) -> String {
    raw.chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect()
}

/// The shape of a subscription id: UUID `8-4-4-4-12` hex (the version nibble is not
/// checked: documented sample ids have none).
pub fn is_subscription_id(id: &str) -> bool {
    id.len() == 36
        && id.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Random URLs from pieces that the parser treats specially: every one the shortcut
    /// accepts must be valid and be its own identity by the parser's reading too.
    #[test]
    fn plain_canonical_urls_are_what_the_parser_gives_back() {
        const HOST: &[&str] = &[
            "a", "z", "q", "0", "9", ".", "-", "xn--", "B", "é", "%41", "_", ":443", "@", "[", "1",
            "0x7f", "", "x.y", "---",
        ];
        const PATH: &[&str] = &[
            "/", "a", "Z", "0", ".", "..", "/./", "/../", "%2e", "%", "?", "#", "'", "\\", "~",
            "_", "!", "$", "&", "(", ")", "*", "+", ",", ";", "=", ":", "@", "`", "{", "}", "<",
            ">", "\"", "^", "|", "[", "]", " ", "é", "\t", "-", "?a=1",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let (mut plain, mut tried) = (0, 0);
        for _ in 0..60_000 {
            let scheme = if next(8) == 0 { next(4) } else { 0 };
            let mut url = String::from(["https://", "HTTPS://", "https:/", "http://"][scheme]);
            // Mostly the first, plain pieces: enough URLs must pass for the test to count.
            for _ in 0..1 + next(6) {
                let pieces = if next(8) == 0 { HOST.len() } else { 6 };
                url.push_str(HOST[next(pieces)]);
            }
            url.push_str([".example", ".c0m", ".1", ""][next(4)]);
            for _ in 0..next(8) {
                let pieces = if next(6) == 0 { PATH.len() } else { 4 };
                url.push_str(PATH[next(pieces)]);
            }
            tried += 1;
            if is_plain_canonical(&url) {
                plain += 1;
                let parsed = url::Url::parse(&url).expect(&url);
                assert_eq!(parsed.as_str(), url, "the parser rewrites {url:?}");
                assert_eq!(
                    checked_url(&url).map(String::from),
                    Ok(url.clone()),
                    "{url:?}"
                );
            }
        }
        // The shortcut must take a fair share, or this test would prove nothing.
        assert!(plain > tried / 20, "{plain} of {tried}");
        for (url, plain) in [
            ("https://hooks.example.com/linq?v=2&x=a:b", true),
            ("https://hooks.example.com", false),
            ("https://Hooks.example.com/h", false),
            ("https://hooks.example.com:443/h", false),
            ("https://10.0.0.1/h", false),
            ("https://xn--bcher-kva.example/h", false),
            ("https://a.example/x/../h", false),
            ("https://a.example/h#frag", false),
        ]
        .map(|(url, plain)| (url.to_string(), plain))
        .into_iter()
        // At the DNS and length limits, and one past them: the full check decides those.
        .chain([
            (format!("https://{}.example/h", "a".repeat(63)), true),
            (format!("https://{}.example/h", "a".repeat(64)), false),
            (format!("https://{}example/h", "a.".repeat(123)), true),
            (format!("https://{}example/h", "a.".repeat(124)), false),
            (format!("https://a.example/{}", "h".repeat(2048 - 18)), true),
            (
                format!("https://a.example/{}", "h".repeat(2048 - 17)),
                false,
            ),
        ]) {
            let url = url.as_str();
            assert_eq!(is_plain_canonical(url), plain, "{url}");
            assert_eq!(
                validate_url_identity(url).ok(),
                url::Url::parse(url)
                    .ok()
                    .map(String::from)
                    .filter(|_| validate_url(url).is_ok()),
                "{url}"
            );
        }
    }

    #[test]
    fn invisible_and_format_characters_are_refused() {
        for c in [
            '\u{200B}',
            '\u{200C}',
            '\u{200D}',
            '\u{200E}',
            '\u{202E}',
            '\u{2066}',
            '\u{2069}',
            '\u{2060}',
            '\u{FEFF}',
            '\u{00AD}',
            '\u{034F}',
            '\u{FE0F}',
            '\u{E0001}',
            '\u{E0041}',
            '\u{E007F}',
            '\u{180E}',
            '\u{3164}',
        ] {
            for url in [
                format!("https://pay{c}pal.example/hook"),
                format!("https://paypal.example/ho{c}ok"),
                format!("https://paypal.example/hook?a={c}"),
            ] {
                let why = validate_url(&url).expect_err(&url);
                assert!(why.contains("invisible"), "{url:?}: {why}");
            }
        }
        for visible in ['a', 'é', 'ß', 'я', '例', '-', '~'] {
            assert!(!is_invisible_or_format(visible), "{visible}");
        }
    }

    #[test]
    fn an_empty_authority_is_refused() {
        for url in [
            "https:///path",
            "https:////h.example/",
            "https://\\h.example/",
            "HTTPS:///x",
        ] {
            assert!(validate_url(url).is_err(), "{url}");
        }
    }

    #[test]
    fn dns_labels_are_at_most_63_characters() {
        let label = |n: usize| "a".repeat(n);
        assert!(validate_url(&format!("https://{}.example/", label(63))).is_ok());
        let why = validate_url(&format!("https://{}.example/", label(64))).expect_err("64");
        assert!(why.contains("63"), "{why}");
        // The limit applies to the punycode form DNS sees: 60 'ü' are far over 63 there.
        assert!(validate_url(&format!("https://{}.example/", "ü".repeat(60))).is_err());
        let long_name = format!("https://{}.example/", vec![label(63); 4].join("."));
        assert!(validate_url(&long_name).is_err());
        // IP addresses have no labels.
        assert!(validate_url("https://[2001:db8::1]:8443/h").is_ok());
    }

    #[test]
    fn identity_is_the_parsed_serialisation() {
        let same = [
            "https://paypal.example/hook",
            "HTTPS://PayPal.example:443/./hook",
            "https://PAYPAL.EXAMPLE/a/../hook",
            "  https://paypal.example/hook ",
            "https://ｐａｙｐａｌ.example/hook",
        ];
        for url in same {
            assert!(validate_url(url).is_ok(), "{url}: {:?}", validate_url(url));
            assert_eq!(url_identity(url), "https://paypal.example/hook", "{url}");
        }
        for different in [
            "https://paypal.example:8443/hook",
            "https://paypal.example/Hook",
            "https://paypal.example/hook?line=1",
            "https://paypal.example/hook/",
        ] {
            assert_ne!(url_identity(different), "https://paypal.example/hook");
        }
        assert_eq!(
            url_identity("https://Bücher.example/h"),
            "https://xn--bcher-kva.example/h"
        );
    }
}
