//! Everything the commands print: aligned tables and key/value blocks for people, the API's
//! JSON for scripts, one-line errors on stderr, exit codes. Colour only on a terminal and
//! without `NO_COLOR`. API strings reach the terminal only through `text::clean`.

use super::CliError;
use crate::api::{ApiError, ErrorDetail, ErrorEnvelope};
use crate::text::clean;
use serde_json::value::RawValue;
use std::io::{IsTerminal, Write};

/// The process exit codes (README "Exit codes").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything succeeded (or there was nothing to do).
    Ok = 0,
    /// An API or network error, or an item of a multi-item command failed.
    Failed = 1,
    /// Usage or local validation error; nothing was sent that changes anything.
    Usage = 2,
    /// `plan --detailed-exitcode`: the account differs from the file.
    Changes = 3,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Color {
    Green,
    Yellow,
    Red,
    Dim,
}

impl Color {
    fn code(self) -> &'static str {
        match self {
            Color::Green => "32",
            Color::Yellow => "33",
            Color::Red => "31",
            Color::Dim => "2",
        }
    }
}

/// `NO_COLOR` set to anything non-empty turns colour off (no-color.org).
fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Colour for stdout: only when it is a terminal.
pub fn stdout_color() -> bool {
    std::io::stdout().is_terminal() && !no_color()
}

fn stderr_color() -> bool {
    std::io::stderr().is_terminal() && !no_color()
}

fn paint(text: &str, color: Option<Color>, on: bool) -> String {
    match color {
        Some(c) if on => format!("\x1b[{}m{text}\x1b[0m", c.code()),
        _ => text.to_string(),
    }
}

pub fn painted(cell: &Cell, on: bool) -> String {
    paint(&cell.text, cell.color, on)
}

/// Writes all of `bytes` to stdout. A closed pipe (`| head`) ends the command quietly.
pub fn write_stdout(bytes: &[u8]) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    stdout_result(out.write_all(bytes).and_then(|()| out.flush()))
}

/// Prints [`json_array`] of `items` straight from the answer's body, without building it:
/// buffered in 1 MiB pieces, so a 5 MB list goes out in a few system calls (stdout alone
/// would write each line on its own) and is never held twice.
pub fn write_json_array<'a>(items: impl IntoIterator<Item = &'a RawValue>) -> Result<(), CliError> {
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    stdout_result(json_array_to(&mut out, items).and_then(|()| out.flush()))
}

fn stdout_result(written: std::io::Result<()>) -> Result<(), CliError> {
    match written {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(CliError::BrokenPipe),
        Err(source) => Err(CliError::Io {
            what: "writing to stdout".into(),
            source,
        }),
    }
}

/// One JSON document: the array of the API's own objects, each as it came, one per line.
pub fn json_array<'a>(items: impl IntoIterator<Item = &'a RawValue>) -> String {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail, and the items are JSON text (UTF-8).
    let _ = json_array_to(&mut out, items);
    String::from_utf8(out).unwrap_or_default()
}

fn json_array_to<'a>(
    out: &mut dyn Write,
    items: impl IntoIterator<Item = &'a RawValue>,
) -> std::io::Result<()> {
    out.write_all(b"[")?;
    let mut first = true;
    for item in items {
        out.write_all(if first { b"\n".as_slice() } else { b",\n" })?;
        out.write_all(item.get().trim().as_bytes())?;
        first = false;
    }
    out.write_all(if first { b"]\n".as_slice() } else { b"\n]\n" })
}

pub fn json_value(item: &RawValue) -> String {
    format!("{}\n", item.get().trim())
}

/// A cell of a table: its text (already cleaned by the caller) and an optional colour.
pub struct Cell {
    pub text: String,
    pub color: Option<Color>,
}

impl Cell {
    pub fn plain(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            color: None,
        }
    }

    pub fn colored(text: impl Into<String>, color: Color) -> Self {
        Self {
            text: text.into(),
            color: Some(color),
        }
    }

    /// Text from the API: control and invisible characters removed.
    pub fn api(text: &str) -> Self {
        Self::plain(clean(text).into_owned())
    }
}

/// An aligned table; the last column is not padded.
pub struct Table {
    headers: Vec<&'static str>,
    rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn new(headers: Vec<&'static str>) -> Self {
        Self {
            headers,
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
    }

    pub fn render(&self, color: bool) -> String {
        let columns = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.len()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(columns) {
                widths[i] = widths[i].max(cell.text.chars().count());
            }
        }
        let mut out = String::new();
        let header: Vec<Cell> = self
            .headers
            .iter()
            .map(|h| Cell {
                text: h.to_string(),
                color: Some(Color::Dim),
            })
            .collect();
        for row in std::iter::once(&header).chain(&self.rows) {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate().take(columns) {
                let last = i + 1 == columns.min(row.len());
                line.push_str(&paint(&cell.text, cell.color, color));
                if !last {
                    let pad = widths[i] - cell.text.chars().count() + 2;
                    line.extend(std::iter::repeat_n(' ', pad));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// A key/value block for one item: keys aligned, values as given (cleaned by the caller).
pub fn key_values(pairs: &[(&str, String)]) -> String {
    let width = pairs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (key, value) in pairs {
        out.push_str(&format!("{key:<width$}  {value}\n"));
    }
    out
}

/// A remark for people on stderr (never stdout: `--json` output stays one document).
pub fn note(text: &str) {
    eprintln!("linq-hooks: {}", clean(text));
}

/// `HTTP 404 · code 2010: Webhook subscription not found · trace 2eff…` — everything
/// support asks for, on one line.
pub fn api_error_line(err: &ApiError) -> String {
    let mut line = err.to_string();
    if let Some(trace) = err.trace_id() {
        line.push_str(" · trace ");
        line.push_str(trace);
    }
    clean(&line).into_owned()
}

/// The Linq error envelope for `err` (linq-api.md §5.1); errors that never reached the API
/// get the same shape with `status` and `code` null.
pub fn envelope(err: &CliError) -> String {
    let envelope = match err {
        CliError::Api(ApiError::Linq(f)) => ErrorEnvelope {
            success: Some(false),
            error: ErrorDetail {
                status: Some(f.status),
                code: f.code,
                message: Some(f.message.clone()),
                doc_url: f.doc_url.clone(),
                retry_after: f.retry_after,
            },
            trace_id: f.trace_id.clone(),
        },
        CliError::Api(api) => ErrorEnvelope {
            success: Some(false),
            error: ErrorDetail {
                status: api.status(),
                message: Some(api.to_string()),
                ..ErrorDetail::default()
            },
            trace_id: api.trace_id().map(str::to_string),
        },
        other => ErrorEnvelope {
            success: Some(false),
            error: ErrorDetail {
                message: Some(other.to_string()),
                ..ErrorDetail::default()
            },
            trace_id: None,
        },
    };
    serde_json::to_string(&envelope).unwrap_or_else(|_| "{\"success\":false}".into())
}

/// The error of a failed command on stderr: one line; with `--json` the envelope follows
/// as the last line.
pub fn report(command: &str, err: &CliError, json: bool) {
    let message = match err {
        CliError::Reported(_) | CliError::BrokenPipe => return,
        CliError::Api(api) => api_error_line(api),
        other => clean(&other.to_string()).into_owned(),
    };
    error_line(command, &message);
    if json {
        eprintln!("{}", envelope(err));
    }
}

/// `linq-hooks: get: <message>` on stderr, "error" in red on a terminal.
pub fn error_line(command: &str, message: &str) {
    let label = paint("error", Some(Color::Red), stderr_color());
    eprintln!("linq-hooks: {command}: {label}: {}", clean(message));
}

/// The shells `completions` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// Completions for `command` on stdout; returns the exit code.
pub fn completions(shell: Shell, command: &mut clap::Command) -> u8 {
    let generator = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    let mut script = Vec::new();
    clap_complete::generate(generator, command, "linq-hooks", &mut script);
    match write_stdout(&script) {
        Ok(()) | Err(CliError::BrokenPipe) => Exit::Ok as u8,
        Err(e) => {
            error_line("completions", &e.to_string());
            Exit::Failed as u8
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_and_does_not_pad_the_last_column() {
        let mut t = Table::new(vec!["ID", "STATUS", "TARGET"]);
        t.row(vec![
            Cell::plain("a"),
            Cell::colored("active", Color::Green),
            Cell::plain("https://x"),
        ]);
        t.row(vec![
            Cell::plain("bbbb"),
            Cell::plain("paused"),
            Cell::plain("y"),
        ]);
        assert_eq!(
            t.render(false),
            "ID    STATUS  TARGET\na     active  https://x\nbbbb  paused  y\n"
        );
        assert!(t.render(true).contains("\x1b[32mactive\x1b[0m"));
    }

    #[test]
    fn json_array_keeps_each_object_verbatim() {
        let a: Box<RawValue> = serde_json::from_str(r#"{"b":1,"a":2}"#).unwrap();
        let b: Box<RawValue> = serde_json::from_str(r#"{"z":null}"#).unwrap();
        let text = json_array([&*a, &*b]);
        assert_eq!(text, "[\n{\"b\":1,\"a\":2},\n{\"z\":null}\n]\n");
        assert_eq!(json_array(std::iter::empty()), "[]\n");
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed[0]["a"], 2);
    }

    #[test]
    fn envelope_of_a_local_error_has_the_linq_shape() {
        let e = envelope(&CliError::Usage("bad".into()));
        let v: serde_json::Value = serde_json::from_str(&e).unwrap();
        assert_eq!(v["success"], false);
        assert_eq!(v["error"]["message"], "bad");
        assert!(v["error"]["status"].is_null());
    }
}
