//! `verify`: checks a captured delivery's signatures (both schemes) offline and says, one
//! line per scheme, valid or why not. No account, no network. The secret comes from an
//! environment variable or a file and is never printed.

use super::output::{self, Color, Exit};
use super::CliError;
use crate::signature::capture::{parse_request, split_header};
use crate::signature::{self, Report, Verdict};
use serde_json::{json, Map, Value};
use std::io::Read;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// A capture or body larger than this is not a webhook delivery (Linq's are kilobytes).
const MAX_INPUT: u64 = 16 << 20;
/// A secret file larger than this is the wrong file.
const MAX_SECRET_FILE: u64 = 4 << 10;

#[derive(Debug, Clone, clap::Args)]
#[command(group(clap::ArgGroup::new("secret").required(true).args(["secret_env", "secret_file"])))]
#[command(group(clap::ArgGroup::new("input").required(true).args(["request", "body"])))]
pub struct VerifyArgs {
    /// Read the signing secret (whsec_…) from this environment variable.
    #[arg(long, value_name = "VAR")]
    pub secret_env: Option<String>,
    /// Read the signing secret from this file (one trailing newline is ignored).
    #[arg(long, value_name = "FILE")]
    pub secret_file: Option<PathBuf>,
    /// A raw captured HTTP request: request line, headers, a blank line, the body (- for stdin).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["body", "headers"])]
    pub request: Option<PathBuf>,
    /// The raw body, byte for byte (- for stdin); the headers come from --header.
    #[arg(long, value_name = "FILE")]
    pub body: Option<PathBuf>,
    /// A header of the delivery, 'name: value' (repeat for each).
    #[arg(
        long = "header",
        short = 'H',
        value_name = "NAME: VALUE",
        requires = "body"
    )]
    pub headers: Vec<String>,
    /// Check the timestamps against this Unix time instead of the clock (for old captures).
    #[arg(long, value_name = "UNIX")]
    pub now: Option<i64>,
    /// Accepted distance between the timestamp and now, in seconds, in either direction.
    #[arg(long, value_name = "SECS", default_value_t = signature::DEFAULT_TOLERANCE_SECS)]
    pub tolerance: u64,
    /// One JSON object with an object per scheme.
    #[arg(long)]
    pub json: bool,
}

/// Runs `verify` and returns the exit code: 0 when a scheme verifies, 1 when none does,
/// 2 for usage errors.
pub fn run(args: &VerifyArgs) -> u8 {
    match verify(args) {
        Ok(exit) => exit as u8,
        Err(e) => {
            output::report("verify", &e, args.json);
            e.exit() as u8
        }
    }
}

fn verify(args: &VerifyArgs) -> Result<Exit, CliError> {
    let secret = read_secret(args)?;
    let (headers, body) = match (&args.request, &args.body) {
        (Some(path), _) => {
            let capture = read_input(path)?;
            let parsed = parse_request(&capture)
                .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
            if let Some(note) = parsed.note {
                output::note(&note);
            }
            (parsed.headers, parsed.body)
        }
        (None, Some(path)) => (parse_headers(&args.headers)?, read_input(path)?),
        (None, None) => {
            return Err(CliError::Usage(
                "--request FILE or --body FILE is required".into(),
            ))
        }
    };
    let now = args
        .now
        .unwrap_or_else(|| time::OffsetDateTime::now_utc().unix_timestamp());
    let report = signature::verify(&secret, &headers, &body, now, args.tolerance);
    let text = if args.json {
        format!("{}\n", to_json(&report))
    } else {
        human(&report, output::stdout_color())
    };
    output::write_stdout(text.as_bytes())?;
    let stale = report
        .verdicts()
        .iter()
        .any(|(_, v)| matches!(v, Verdict::OutsideTolerance { .. }));
    if stale && args.now.is_none() {
        output::note(
            "timestamps are checked against this machine's clock; for an older capture pass --now with its webhook-timestamp",
        );
    }
    Ok(if report.any_valid() {
        Exit::Ok
    } else {
        Exit::Failed
    })
}

/// The secret from `--secret-env` or `--secret-file`, zeroised when dropped.
fn read_secret(args: &VerifyArgs) -> Result<Zeroizing<String>, CliError> {
    if let Some(var) = &args.secret_env {
        let value = std::env::var_os(var)
            .ok_or_else(|| CliError::Usage(format!("--secret-env: {var} is not set")))?;
        let value = Zeroizing::new(
            value
                .into_string()
                .map_err(|_| CliError::Usage(format!("--secret-env: {var} is not UTF-8")))?,
        );
        if value.is_empty() {
            return Err(CliError::Usage(format!("--secret-env: {var} is empty")));
        }
        return Ok(value);
    }
    let Some(path) = &args.secret_file else {
        return Err(CliError::Usage(
            "--secret-env VAR or --secret-file FILE is required".into(),
        ));
    };
    let unreadable =
        |e: std::io::Error| CliError::Usage(format!("--secret-file {}: {e}", path.display()));
    let file = std::fs::File::open(path).map_err(unreadable)?;
    warn_if_shared(path, &file);
    // Capacity up front: no reallocation leaves a copy of the secret behind.
    let mut bytes = Zeroizing::new(Vec::with_capacity(MAX_SECRET_FILE as usize + 1));
    file.take(MAX_SECRET_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_SECRET_FILE {
        return Err(CliError::Usage(format!(
            "--secret-file {}: over {MAX_SECRET_FILE} bytes, not a signing secret",
            path.display()
        )));
    }
    let mut secret = match String::from_utf8(std::mem::take(&mut *bytes)) {
        Ok(text) => Zeroizing::new(text),
        Err(e) => {
            drop(Zeroizing::new(e.into_bytes()));
            return Err(CliError::Usage(format!(
                "--secret-file {}: not UTF-8 text",
                path.display()
            )));
        }
    };
    // One trailing newline, as `echo` and editors leave it; anything more is reported.
    let newline = if secret.ends_with("\r\n") {
        2
    } else {
        usize::from(secret.ends_with('\n'))
    };
    let keep = secret.len() - newline;
    secret.truncate(keep);
    if secret.is_empty() {
        return Err(CliError::Usage(format!(
            "--secret-file {}: empty",
            path.display()
        )));
    }
    Ok(secret)
}

/// A secret others can read is worth a warning, not a refusal (it may be a copy for a
/// ticket).
#[cfg(unix)]
fn warn_if_shared(path: &Path, file: &std::fs::File) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = file.metadata() {
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o044 != 0 {
            output::note(&format!(
                "warning: {} is readable by group or others (mode {mode:o}); chmod 600 it",
                path.display()
            ));
        }
    }
}

#[cfg(not(unix))]
fn warn_if_shared(_path: &Path, _file: &std::fs::File) {}

/// A request or body file, or stdin for `-`, byte for byte.
fn read_input(path: &Path) -> Result<Vec<u8>, CliError> {
    let mut bytes = Vec::new();
    let result = if path.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .take(MAX_INPUT + 1)
            .read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(MAX_INPUT + 1).read_to_end(&mut bytes))
    };
    result.map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
    if bytes.len() as u64 > MAX_INPUT {
        return Err(CliError::Usage(format!(
            "{}: over {} MiB, not a webhook delivery",
            path.display(),
            MAX_INPUT >> 20
        )));
    }
    Ok(bytes)
}

/// `--header 'name: value'` arguments. A bad one is named by its position, never quoted
/// (it could be a secret pasted into the wrong flag).
fn parse_headers(args: &[String]) -> Result<Vec<(String, String)>, CliError> {
    args.iter()
        .enumerate()
        .map(|(i, arg)| {
            split_header(arg).ok_or_else(|| {
                CliError::Usage(format!(
                    "--header #{}: needs 'name: value' (a header name, a colon, the value)",
                    i + 1
                ))
            })
        })
        .collect()
}

/// One line per scheme: `✓ standard: valid` / `✗ legacy: signature mismatch: …`.
fn human(report: &Report, color: bool) -> String {
    let mut out = String::new();
    for (scheme, verdict) in report.verdicts() {
        let (mark, paint) = if verdict.is_valid() {
            ("✓", Color::Green)
        } else {
            ("✗", Color::Red)
        };
        let mark = output::painted(&output::Cell::colored(mark, paint), color);
        out.push_str(&format!("{mark} {}: {verdict}\n", scheme.name()));
    }
    out
}

/// `{"standard": {...}, "legacy": {...}}`: `valid`, a stable `code`, the `message` a person
/// reads, and the details of the verdict.
fn to_json(report: &Report) -> Value {
    let mut out = Map::new();
    for (scheme, verdict) in report.verdicts() {
        let mut o = Map::new();
        o.insert("header".into(), json!(scheme.signature_header()));
        o.insert("valid".into(), json!(verdict.is_valid()));
        o.insert("code".into(), json!(verdict.code()));
        o.insert("message".into(), json!(verdict.to_string()));
        match verdict {
            Verdict::Valid { entry, entries } => {
                o.insert("entry".into(), json!(entry));
                o.insert("entries".into(), json!(entries));
            }
            Verdict::HeadersMissing(names) => {
                o.insert("missing".into(), json!(names));
            }
            Verdict::HeaderMalformed { header, .. } => {
                o.insert("malformed".into(), json!(header));
            }
            Verdict::SecretMalformed(e) => {
                o.insert("cause".into(), json!(e.code()));
            }
            Verdict::OutsideTolerance {
                skew,
                signature_matches,
            } => {
                o.insert("skew_secs".into(), json!(skew.secs));
                o.insert("tolerance_secs".into(), json!(skew.tolerance));
                o.insert("signature_matches".into(), json!(signature_matches));
            }
            Verdict::Mismatch(cause) => {
                o.insert("cause".into(), json!(cause.code()));
            }
        }
        out.insert(scheme.name().into(), Value::Object(o));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_arguments_need_a_name_and_a_colon() {
        assert_eq!(
            split_header("Webhook-Id:  msg_1 "),
            Some(("Webhook-Id".into(), "msg_1".into()))
        );
        assert_eq!(split_header("no colon"), None);
        assert_eq!(split_header("bad name: x"), None);
        assert!(parse_headers(&["webhook-id".into()]).is_err());
    }
}
