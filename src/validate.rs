//! The one validation path for what a user types: the dashboard's form, the headless
//! commands and the sandbox's rules all call these (messages name the value, never a field:
//! callers add the field).

use crate::text::clean;

/// The longest target URL the API takes (the sandbox enforces the same).
pub const MAX_URL_LEN: usize = 2048;
/// The longest routing header name accepted.
pub const MAX_HEADER_NAME_LEN: usize = 128;

/// A target URL must parse, be https with a host, stay under 2048 characters and contain
/// no spaces or control characters.
pub fn validate_url(raw: &str) -> Result<(), String> {
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
    Ok(())
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
