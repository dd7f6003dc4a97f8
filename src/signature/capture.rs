//! A captured HTTP request (as `verify --request` and the dashboard's verify screen take
//! it) taken apart into headers and the raw body bytes, exactly as received.

/// `name: value` with a valid header name (RFC 9110 token); the value trimmed.
pub fn split_header(line: &str) -> Option<(String, String)> {
    let (name, value) = line.split_once(':')?;
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    (!name.is_empty() && name.chars().all(token))
        .then(|| (name.to_string(), value.trim().to_string()))
}

/// A captured request taken apart.
#[derive(Debug, PartialEq, Eq)]
pub struct Captured {
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Something about the capture worth saying (a truncated body).
    pub note: Option<String>,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum CaptureError {
    #[error("line {0} is not a header (name: value) and no blank line came before it")]
    NotAHeader(usize),
    #[error("Content-Length {0:?} is not a number")]
    BadContentLength(String),
    #[error("the chunked body is malformed")]
    BadChunked,
}

/// Request line (optional), headers, a blank line, the body; CRLF or LF line endings.
/// Content-Length, when present, bounds the body (a capture tool's trailing newline is not
/// part of it); a chunked body is de-chunked.
pub fn parse_request(capture: &[u8]) -> Result<Captured, CaptureError> {
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut pos = 0;
    let mut line_no = 0;
    let mut body_start = capture.len();
    while pos < capture.len() {
        let end = capture[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(capture.len(), |i| pos + i);
        let raw = &capture[pos..end];
        let line = String::from_utf8_lossy(raw.strip_suffix(b"\r").unwrap_or(raw));
        let next = (end + 1).min(capture.len());
        line_no += 1;
        if line.is_empty() {
            body_start = next;
            break;
        }
        if line.starts_with([' ', '\t']) && !headers.is_empty() {
            // An obsolete folded continuation of the previous header's value.
            if let Some((_, value)) = headers.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some(header) = split_header(&line) {
            headers.push(header);
        } else if line_no > 1 {
            return Err(CaptureError::NotAHeader(line_no));
        }
        // else: the request line (`POST /hook HTTP/1.1`); its colon, if any, follows a space.
        pos = next;
    }
    let rest = &capture[body_start..];
    let find = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    if find("Transfer-Encoding").is_some_and(|te| te.to_ascii_lowercase().contains("chunked")) {
        let body = dechunk(rest).ok_or(CaptureError::BadChunked)?;
        return Ok(Captured {
            headers,
            body,
            note: None,
        });
    }
    let Some(length) = find("Content-Length") else {
        return Ok(Captured {
            body: rest.to_vec(),
            headers,
            note: None,
        });
    };
    let length: usize = length
        .parse()
        .map_err(|_| CaptureError::BadContentLength(length.to_string()))?;
    let note = (rest.len() < length).then(|| {
        format!(
            "the captured body is {} bytes, shorter than its Content-Length {length}: the capture is truncated",
            rest.len()
        )
    });
    Ok(Captured {
        body: rest[..length.min(rest.len())].to_vec(),
        headers,
        note,
    })
}

/// The payload of a chunked body (`size CRLF data CRLF … 0 CRLF`); chunk extensions and
/// trailers ignored.
fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let eol = rest.iter().position(|&b| b == b'\n')?;
        let line = std::str::from_utf8(&rest[..eol]).ok()?;
        let size = line.trim_end_matches('\r').split(';').next()?.trim();
        let size = usize::from_str_radix(size, 16).ok()?;
        rest = &rest[eol + 1..];
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(rest.get(..size)?);
        rest = &rest[size..];
        rest = rest
            .strip_prefix(b"\r\n")
            .or_else(|| rest.strip_prefix(b"\n"))?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capture_with_crlf_or_lf_and_a_request_line() {
        let crlf = b"POST http://localhost:8080/hook HTTP/1.1\r\nHost: x\r\nwebhook-id: a\r\nContent-Length: 2\r\n\r\n{}\n";
        let c = parse_request(crlf).expect("parses");
        assert_eq!(c.headers.len(), 3);
        assert_eq!(c.headers[1], ("webhook-id".into(), "a".into()));
        assert_eq!(c.body, b"{}", "Content-Length drops the capture's newline");
        assert_eq!(c.note, None);

        let lf = b"POST /hook HTTP/1.1\nwebhook-id: a\n\n{}\n";
        let c = parse_request(lf).expect("parses");
        assert_eq!(c.body, b"{}\n", "no Content-Length: the rest of the file");

        let headers_only = b"webhook-id: a\nX-Folded: one\n two\n\nbody";
        let c = parse_request(headers_only).expect("parses");
        assert_eq!(c.headers[1].1, "one two");
        assert_eq!(c.body, b"body");
    }

    #[test]
    fn a_truncated_or_malformed_capture_is_reported() {
        let short = b"POST / HTTP/1.1\nContent-Length: 10\n\n{}";
        let c = parse_request(short).expect("parses");
        assert_eq!(c.body, b"{}");
        assert!(c.note.expect("note").contains("truncated"));
        assert_eq!(
            parse_request(b"POST / HTTP/1.1\nwebhook-id: a\n{\"a\":1}\n"),
            Err(CaptureError::NotAHeader(3))
        );
        assert_eq!(
            parse_request(b"POST / HTTP/1.1\nContent-Length: x\n\n{}"),
            Err(CaptureError::BadContentLength("x".into()))
        );
    }

    #[test]
    fn a_chunked_body_is_dechunked() {
        let capture = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3;ext=1\r\n:1}\r\n0\r\n\r\n";
        assert_eq!(parse_request(capture).expect("parses").body, br#"{"a":1}"#);
        let bad = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
        assert_eq!(parse_request(bad), Err(CaptureError::BadChunked));
    }
}
