//! Signing: the two header sets' signatures over one body, and hex both ways.

use super::*;

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

pub(super) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// Hex of either case; `None` unless every character is a hex digit and the length is even.
pub(super) fn unhex(text: &str) -> Option<Vec<u8>> {
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
