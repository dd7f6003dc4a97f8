//! Runs the built `linq-hooks` binary for the headless-command tests: a temporary home (no
//! real config, data dir or sandbox database is touched), no inherited LINQ_* variables,
//! the key in LINQ_API_V3_API_KEY and the base URL in --base-url.
#![allow(dead_code)] // each test crate uses a different subset

use std::process::Stdio;
use tempfile::TempDir;
use tokio::io::AsyncWriteExt as _;

/// What a run left behind.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:?}"))
    }

    /// Asserts the exit code, showing everything when it differs.
    pub fn expect(self, code: i32) -> Run {
        assert_eq!(self.code, code, "exit code of {self:#?}");
        self
    }

    /// The stderr lines, for the "one line" checks.
    pub fn stderr_lines(&self) -> Vec<&str> {
        self.stderr.lines().collect()
    }
}

pub struct Cli {
    pub home: TempDir,
    pub base: Option<String>,
    pub key: Option<String>,
}

impl Cli {
    pub fn new(base: &str, key: &str) -> Cli {
        Cli {
            home: tempfile::tempdir().expect("tempdir"),
            base: Some(base.to_string()),
            key: Some(key.to_string()),
        }
    }

    /// The audit trail's entries written by commands run in this home (none yet: empty).
    pub fn audit_lines(&self) -> Vec<serde_json::Value> {
        let path = self.home.path().join("state/linq-hooks/audit.jsonl");
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("audit line is JSON"))
            .collect()
    }

    /// No base URL and no key: the binary decides (the embedded sandbox).
    pub fn bare() -> Cli {
        Cli {
            home: tempfile::tempdir().expect("tempdir"),
            base: None,
            key: None,
        }
    }

    /// No inherited LINQ_* variable, the temporary home in HOME and XDG_*.
    pub fn isolate(&self, cmd: &mut tokio::process::Command) {
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("LINQ_") {
                cmd.env_remove(&name);
            }
        }
        cmd.env_remove("NO_COLOR");
        let home = self.home.path();
        cmd.env("HOME", home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("XDG_STATE_HOME", home.join("state"));
    }

    pub fn command(&self) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_linq-hooks"));
        self.isolate(&mut cmd);
        if let Some(key) = &self.key {
            cmd.env("LINQ_API_V3_API_KEY", key);
        }
        if let Some(base) = &self.base {
            cmd.arg("--base-url").arg(base);
        }
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    /// Runs with stdin and stdout not a terminal (null and a pipe).
    pub async fn run(&self, args: &[&str]) -> Run {
        let mut cmd = self.command();
        cmd.args(args);
        output(cmd).await
    }
}

pub async fn output(mut cmd: tokio::process::Command) -> Run {
    let out = cmd.output().await.expect("the binary runs");
    Run {
        code: out.status.code().expect("exited, not killed"),
        stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
    }
}

/// A port nothing listens on: bound, then released.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// Whether `script` (util-linux) is there to give a command a terminal.
pub fn have_script() -> bool {
    std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_ok()
}

/// Runs a shell command line under `script`, which gives it a new pty (stdin, stdout and
/// stderr a terminal unless the line redirects them); `typed` is what the user types, the
/// pty's output is the run's stdout.
pub async fn in_pty(cli: &Cli, line: &str, typed: &[u8]) -> Run {
    let mut script = tokio::process::Command::new("script");
    cli.isolate(&mut script);
    if let Some(key) = &cli.key {
        script.env("LINQ_API_V3_API_KEY", key);
    }
    script
        .args(["-qec", line, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = script.spawn().expect("script runs");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(typed).await.expect("typing");
    drop(stdin);
    let out = child.wait_with_output().await.expect("script ends");
    Run {
        code: out.status.code().expect("exited, not killed"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
