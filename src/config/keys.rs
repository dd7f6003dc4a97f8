//! Where a profile's key comes from, and reading it: a command (argv, no shell, 10 s), an
//! environment variable, the config file itself (only when no one else can read it), or a
//! profile of the official `linq` CLI. A key lives in memory for the session only.

use super::ConfigError;
use crate::api::ApiKey;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// How long a `key_command` may take.
pub const KEY_COMMAND_TIMEOUT: Duration = Duration::from_secs(10);
/// The most of a key command's output read (a key is one short line).
const MAX_KEY_OUTPUT: u64 = 64 * 1024;

pub enum KeySource {
    Command(Vec<String>),
    Env(String),
    /// The key as written in the config file; `readable_by_others` refuses it.
    Inline {
        key: Zeroizing<String>,
        file: PathBuf,
        readable_by_others: bool,
    },
    /// `profiles.<name>.token` of the official CLI's `~/.linq/config.json`, read at use time.
    LinqCli {
        file: PathBuf,
        profile: String,
    },
    /// `LINQ_API_V3_API_KEY` / `LINQ_API_KEY`: the unnamed "environment" account.
    Environment(&'static str),
}

impl std::fmt::Debug for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the inline key.
        f.write_str(self.kind())
    }
}

impl KeySource {
    /// Shown in the switcher and by `profiles`: never the key.
    pub fn kind(&self) -> &'static str {
        match self {
            KeySource::Command(_) => "command",
            KeySource::Env(_) => "env",
            KeySource::Inline { .. } => "inline",
            KeySource::LinqCli { .. } => "linq-cli",
            KeySource::Environment(_) => "environment",
        }
    }

    /// Reads the key now. `env` looks a variable up.
    pub fn read(&self, env: &dyn Fn(&str) -> Option<String>) -> Result<ApiKey, ConfigError> {
        match self {
            KeySource::Command(argv) => run_key_command(argv, KEY_COMMAND_TIMEOUT),
            KeySource::Env(var) => env(var)
                .map(|k| k.trim().to_string())
                .filter(|k| !k.is_empty())
                .map(ApiKey::new)
                .ok_or_else(|| ConfigError::KeyEnvMissing { var: var.clone() }),
            KeySource::Inline {
                key,
                file,
                readable_by_others,
            } => {
                if *readable_by_others {
                    return Err(ConfigError::InlineKeyReadable {
                        file: file.display().to_string(),
                    });
                }
                Ok(ApiKey::new(key.trim()))
            }
            KeySource::LinqCli { file, profile } => super::linq_cli::token(file, profile),
            KeySource::Environment(var) => {
                env(var)
                    .map(|k| ApiKey::new(k.trim()))
                    .ok_or_else(|| ConfigError::KeyEnvMissing {
                        var: (*var).to_string(),
                    })
            }
        }
    }
}

/// Runs `argv` (no shell) and takes the first line of its stdout, trimmed, as the key.
pub fn run_key_command(argv: &[String], timeout: Duration) -> Result<ApiKey, ConfigError> {
    let program = argv.first().cloned().unwrap_or_default();
    let failed = |reason: String| ConfigError::KeyCommand {
        program: program.clone(),
        reason,
    };
    let mut child = Command::new(&program)
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| failed(format!("cannot start it ({e})")))?;
    // Readers on their own threads: a command that fills a pipe must not block its exit.
    let stdout = child.stdout.take().map(|out| {
        std::thread::spawn(move || {
            let mut buf = Zeroizing::new(Vec::new());
            let _ = out.take(MAX_KEY_OUTPUT).read_to_end(&mut buf);
            buf
        })
    });
    let stderr = child.stderr.take().map(|err| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = err.take(MAX_KEY_OUTPUT).read_to_end(&mut buf);
            buf
        })
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(failed(format!(
                    "gave no key within {} s (killed)",
                    timeout.as_secs()
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(failed(format!("cannot wait for it ({e})"))),
        }
    };
    let out = stdout
        .and_then(|t| t.join().ok())
        .unwrap_or_else(|| Zeroizing::new(Vec::new()));
    let err = stderr.and_then(|t| t.join().ok()).unwrap_or_default();
    if !status.success() {
        let first = String::from_utf8_lossy(&err)
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .map(|l| format!(": {}", crate::text::clean(l)))
            .unwrap_or_default();
        let code = status
            .code()
            .map_or_else(|| "a signal".to_string(), |c| format!("status {c}"));
        return Err(failed(format!("exited with {code}{first}")));
    }
    let text = String::from_utf8_lossy(&out);
    let key = text.lines().next().unwrap_or("").trim().to_string();
    if key.is_empty() {
        return Err(failed("printed no key on its first line".into()));
    }
    Ok(ApiKey::new(key))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn argv(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_first_line_of_stdout_trimmed_is_the_key() {
        let key = run_key_command(
            &argv(&["sh", "-c", "printf '  sk_test_fromcmd_1234 \\nsecond\\n'"]),
            KEY_COMMAND_TIMEOUT,
        )
        .expect("key");
        assert_eq!(key.hint(), "…1234");
    }

    #[test]
    fn a_failing_command_says_its_status_and_first_stderr_line() {
        let err = run_key_command(
            &argv(&[
                "sh",
                "-c",
                "echo 'gpg: decryption failed' >&2; echo more >&2; exit 3",
            ]),
            KEY_COMMAND_TIMEOUT,
        )
        .expect_err("fails")
        .to_string();
        assert!(err.contains("status 3"), "{err}");
        assert!(err.contains("gpg: decryption failed"), "{err}");
        assert!(!err.contains("more"), "{err}");
        let err = run_key_command(&argv(&["/nonexistent/pass"]), KEY_COMMAND_TIMEOUT)
            .expect_err("missing")
            .to_string();
        assert!(err.contains("cannot start"), "{err}");
        let err = run_key_command(&argv(&["true"]), KEY_COMMAND_TIMEOUT)
            .expect_err("empty")
            .to_string();
        assert!(err.contains("printed no key"), "{err}");
    }

    #[test]
    fn a_command_that_hangs_is_killed_at_the_timeout() {
        let started = Instant::now();
        let err = run_key_command(&argv(&["sleep", "30"]), Duration::from_millis(300))
            .expect_err("times out")
            .to_string();
        assert!(err.contains("within"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(20), "it was killed");
    }
}
