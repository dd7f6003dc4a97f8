//! `linq-hooks verify` (the built binary): captured requests and body + headers, time pinned
//! with --now, exit codes, and the secret in no output. No network: the command needs no
//! account, so none is configured.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use tempfile::TempDir;

// linq-api.md §8.4 test vectors.
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw7Jxx2Oll+OE="; // test_vector
const ID: &str = "6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b";
const TS: &str = "1770320000";
const BODY: &str = r#"{"event_type":"message.received"}"#;
const STANDARD_SIG: &str = "v1,OGTRj86SiQAE7CNwGfSIuqTTr9mFoydBvV8EAMBg0JY="; // test_vector
const LEGACY_SIG: &str = "04f8365734dd18c9d8b60d5baa57de89b7ea515b453ab661108aefd0dbd97664";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

impl Run {
    fn expect(self, code: i32) -> Run {
        assert_eq!(self.code, code, "{self:?}");
        self
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {self:?}"))
    }
}

/// A temporary home with the secret in a 0600 file; the binary runs with no LINQ_*
/// variable and HOME/XDG_* pointing here.
struct Env {
    dir: TempDir,
}

impl Env {
    fn new() -> Env {
        let env = Env {
            dir: tempfile::tempdir().expect("tempdir"),
        };
        env.secret_file("secret", &format!("{SECRET}\n"), 0o600);
        env
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, bytes).expect("write");
        path
    }

    fn secret_file(&self, name: &str, text: &str, mode: u32) -> PathBuf {
        let path = self.write(name, text.as_bytes());
        set_mode(&path, mode);
        path
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_linq-hooks"));
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("LINQ_") {
                cmd.env_remove(&name);
            }
        }
        let home = self.dir.path();
        cmd.env("HOME", home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("XDG_STATE_HOME", home.join("state"))
            .env_remove("NO_COLOR")
            .current_dir(home)
            .arg("verify")
            .args(args)
            .stdin(Stdio::null());
        cmd
    }

    fn run(&self, args: &[&str]) -> Run {
        finish(self.command(args).output().expect("runs"))
    }

    fn run_stdin(&self, args: &[&str], input: &[u8]) -> Run {
        use std::io::Write as _;
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawns");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input)
            .expect("writes");
        finish(child.wait_with_output().expect("runs"))
    }
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) {}

/// Collects the output and checks, for every run, that the secret is not in it.
fn finish(output: Output) -> Run {
    let run = Run {
        code: output.status.code().expect("exit code"),
        stdout: String::from_utf8(output.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("utf-8 stderr"),
    };
    let encoded = SECRET.strip_prefix("whsec_").expect("prefix");
    for text in [&run.stdout, &run.stderr] {
        assert!(!text.contains(encoded), "secret printed: {run:?}");
        assert!(
            !text.contains(&encoded[..12]),
            "part of the secret printed: {run:?}"
        );
    }
    run
}

/// A captured request as a proxy or `nc -l` writes it: request line, headers, blank line,
/// body, with `eol` line endings and an optional Content-Length.
fn capture(eol: &str, content_length: bool, signature: &str, body: &str) -> Vec<u8> {
    let mut lines = vec![
        "POST /linq/webhook?version=2026-02-03 HTTP/1.1".to_string(),
        "Host: hooks.example.com".into(),
        "User-Agent: Linq-Webhooks/1.0".into(),
        "Content-Type: application/json".into(),
        format!("Webhook-Id: {ID}"),
        format!("Webhook-Timestamp: {TS}"),
        format!("Webhook-Signature: {signature}"),
        "X-Webhook-Event: message.received".into(),
        format!("X-Webhook-Timestamp: {TS}"),
        format!("X-Webhook-Signature: {LEGACY_SIG}"),
    ];
    if content_length {
        lines.push(format!("Content-Length: {}", BODY.len()));
    }
    let mut out = lines.join(eol);
    out.push_str(eol);
    out.push_str(eol);
    out.push_str(body);
    out.into_bytes()
}

#[test]
fn a_crlf_capture_verifies_both_schemes() {
    let env = Env::new();
    env.write("req.http", &capture("\r\n", true, STANDARD_SIG, BODY));
    let run = env
        .run(&[
            "--secret-file",
            "secret",
            "--request",
            "req.http",
            "--now",
            TS,
        ])
        .expect(0);
    assert_eq!(run.stdout, "✓ standard: valid\n✓ legacy: valid\n");
    assert_eq!(run.stderr, "", "a 0600 secret file: no warning");
}

#[test]
fn an_lf_capture_honours_content_length() {
    let env = Env::new();
    // The capture tool added a newline after the body; Content-Length leaves it out.
    let body = format!("{BODY}\n");
    env.write("req.http", &capture("\n", true, STANDARD_SIG, &body));
    env.run(&[
        "--secret-file",
        "secret",
        "--request",
        "req.http",
        "--now",
        TS,
    ])
    .expect(0);
    // Without Content-Length the newline is the body's, and the cause says so.
    env.write("req.http", &capture("\n", false, STANDARD_SIG, &body));
    let run = env
        .run(&[
            "--secret-file",
            "secret",
            "--request",
            "req.http",
            "--now",
            TS,
            "--json",
        ])
        .expect(1);
    let json = run.json();
    for scheme in ["standard", "legacy"] {
        assert_eq!(json[scheme]["valid"], false, "{run:?}");
        assert_eq!(json[scheme]["code"], "signature_mismatch");
        assert_eq!(json[scheme]["cause"], "body_trailing_newline_added");
        assert!(json[scheme]["message"]
            .as_str()
            .expect("message")
            .contains("trailing newline"));
    }
}

#[test]
fn a_capture_on_stdin() {
    let env = Env::new();
    let run = env
        .run_stdin(
            &["--secret-file", "secret", "--request", "-", "--now", TS],
            &capture("\r\n", true, STANDARD_SIG, BODY),
        )
        .expect(0);
    assert!(run.stdout.starts_with("✓ standard: valid"), "{run:?}");
}

#[test]
fn body_and_headers_with_the_secret_in_the_environment() {
    let env = Env::new();
    env.write("body.json", BODY.as_bytes());
    let id = format!("webhook-id: {ID}");
    let ts = format!("WEBHOOK-TIMESTAMP: {TS}");
    let sig = format!("Webhook-Signature: v1,bm90IHRoaXMgb25l {STANDARD_SIG}");
    let args = [
        "--secret-env",
        "HOOK_SECRET",
        "--body",
        "body.json",
        "-H",
        &id,
        "-H",
        &ts,
        "--header",
        &sig,
        "--now",
        "1770320300",
        "--json",
    ];
    let run = finish(
        env.command(&args)
            .env("HOOK_SECRET", SECRET)
            .output()
            .expect("runs"),
    )
    .expect(0);
    let json = run.json();
    assert_eq!(json["standard"]["valid"], true);
    assert_eq!(json["standard"]["entry"], 2);
    assert_eq!(json["standard"]["entries"], 2);
    assert_eq!(json["legacy"]["code"], "headers_missing");
    assert_eq!(
        json["legacy"]["missing"],
        serde_json::json!(["X-Webhook-Timestamp", "X-Webhook-Signature"])
    );
}

#[test]
fn the_tolerance_is_checked_against_now() {
    let env = Env::new();
    env.write("req.http", &capture("\r\n", true, STANDARD_SIG, BODY));
    let base = ["--secret-file", "secret", "--request", "req.http"];
    let with = |extra: &[&str]| {
        let args: Vec<&str> = base.iter().chain(extra).copied().collect();
        env.run(&args)
    };
    with(&["--now", "1770320300"]).expect(0);
    with(&["--now", "1770319700"]).expect(0);
    let run = with(&["--now", "1770320301", "--json"]).expect(1);
    let json = run.json();
    assert_eq!(json["standard"]["code"], "timestamp_too_old");
    assert_eq!(json["standard"]["skew_secs"], 301);
    assert_eq!(json["standard"]["signature_matches"], true);
    let run = with(&["--now", "1770319699"]).expect(1);
    assert!(run.stdout.contains("301 s in the future"), "{run:?}");
    with(&["--now", "1770320400", "--tolerance", "400"]).expect(0);
    // The machine's clock: the capture is old, and stderr says how to check it anyway.
    let run = with(&[]).expect(1);
    assert!(run.stdout.contains("s old"), "{run:?}");
    assert!(run.stderr.contains("--now"), "{run:?}");
}

#[test]
fn a_mismatch_names_its_cause_on_one_line_per_scheme() {
    let env = Env::new();
    // The legacy hex pasted into webhook-signature.
    env.write("req.http", &capture("\r\n", true, LEGACY_SIG, BODY));
    let run = env
        .run(&[
            "--secret-file",
            "secret",
            "--request",
            "req.http",
            "--now",
            TS,
        ])
        .expect(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{run:?}");
    assert!(
        lines[0].starts_with("✗ standard: signature mismatch: webhook-signature holds the legacy")
    );
    assert_eq!(lines[1], "✓ legacy: valid");
}

#[test]
fn a_group_readable_secret_file_is_used_with_a_warning() {
    let env = Env::new();
    env.secret_file("shared", &format!("{SECRET}\n"), 0o644);
    env.write("req.http", &capture("\r\n", true, STANDARD_SIG, BODY));
    let run = env
        .run(&[
            "--secret-file",
            "shared",
            "--request",
            "req.http",
            "--now",
            TS,
        ])
        .expect(0);
    if cfg!(unix) {
        assert!(
            run.stderr.contains("readable by group or others"),
            "{run:?}"
        );
    }
    // Only one trailing newline is dropped: two leave whitespace in the secret.
    env.secret_file("two", &format!("{SECRET}\n\n"), 0o600);
    let run = env
        .run(&["--secret-file", "two", "--request", "req.http", "--now", TS])
        .expect(1);
    assert!(run.stdout.contains("secret malformed"), "{run:?}");
}

#[test]
fn a_malformed_secret_is_described_not_printed() {
    let env = Env::new();
    env.write("req.http", &capture("\r\n", true, STANDARD_SIG, BODY));
    let bare = SECRET.strip_prefix("whsec_").expect("prefix");
    let run = finish(
        env.command(&[
            "--secret-env",
            "S",
            "--request",
            "req.http",
            "--now",
            TS,
            "--json",
        ])
        .env("S", bare)
        .output()
        .expect("runs"),
    )
    .expect(1);
    let json = run.json();
    assert_eq!(json["standard"]["code"], "secret_malformed");
    assert_eq!(json["standard"]["cause"], "secret_missing_prefix");
    assert_eq!(json["legacy"]["cause"], "secret_missing_prefix");
}

#[test]
fn usage_errors_exit_2() {
    let env = Env::new();
    env.write("req.http", &capture("\r\n", true, STANDARD_SIG, BODY));
    env.write("body.json", BODY.as_bytes());
    let cases: &[&[&str]] = &[
        // No secret source, no input, both inputs.
        &["--request", "req.http"],
        &["--secret-file", "secret"],
        &[
            "--secret-file",
            "secret",
            "--request",
            "req.http",
            "--body",
            "body.json",
        ],
        // An unset variable, unreadable files.
        &[
            "--secret-env",
            "LINQ_TEST_UNSET_SECRET",
            "--request",
            "req.http",
        ],
        &["--secret-file", "missing", "--request", "req.http"],
        &["--secret-file", "secret", "--request", "missing.http"],
        &["--secret-file", "secret", "--body", "missing.json"],
        // A header without a colon (not echoed: it could be a pasted secret).
        &[
            "--secret-file",
            "secret",
            "--body",
            "body.json",
            "-H",
            SECRET,
        ], // test_vector
    ];
    for args in cases {
        let run = env.run(args).expect(2);
        assert_eq!(run.stdout, "", "{args:?}");
        assert!(!run.stderr.is_empty(), "{args:?}");
    }
    // A capture that is not one.
    env.write("bad.http", b"POST / HTTP/1.1\nwebhook-id: a\n{\"a\":1}\n");
    let run = env
        .run(&["--secret-file", "secret", "--request", "bad.http", "--json"])
        .expect(2);
    assert!(run.stderr.contains("line 3 is not a header"), "{run:?}");
    assert!(run.stderr.contains("\"success\":false"), "{run:?}");
}
