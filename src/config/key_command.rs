//! Running a profile's `key_command`: argv (no shell), its own process group, a deadline
//! that holds even when something it started keeps our pipes open (`sh -c "sleep 40 &
//! echo KEY"`), and an error that never carries the key.

use super::ConfigError;
use crate::api::ApiKey;
use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// How long a `key_command` may take.
pub const KEY_COMMAND_TIMEOUT: Duration = Duration::from_secs(10);
/// The most of a key command's output read (a key is one short line).
const MAX_KEY_OUTPUT: usize = 64 * 1024;

/// What a reader thread has read so far from one of the command's pipes.
#[derive(Default)]
struct Pipe {
    bytes: Zeroizing<Vec<u8>>,
    closed: bool,
}

impl Pipe {
    /// Closed, or the line wanted is complete (the first line; with `skip_blank` the first
    /// that is not blank): nothing more is needed from it.
    fn enough(&self, skip_blank: bool) -> bool {
        if self.closed {
            return true;
        }
        let mut complete = self.bytes.split(|b| *b == b'\n');
        // The last piece is not (yet) a line.
        let lines = self.bytes.iter().filter(|b| **b == b'\n').count();
        complete
            .by_ref()
            .take(lines)
            .any(|line| !skip_blank || !line.trim_ascii().is_empty())
    }
}

/// Reads `from` into a shared [`Pipe`] on its own thread (a command that fills a pipe must
/// not block its exit). The thread is never joined: a process that escaped the group may
/// keep the pipe open, and we stop reading at the deadline.
fn read_pipe(from: Option<impl Read + Send + 'static>) -> Arc<Mutex<Pipe>> {
    let pipe = Arc::new(Mutex::new(Pipe::default()));
    let Some(mut from) = from else {
        if let Ok(mut p) = pipe.lock() {
            p.closed = true;
        }
        return pipe;
    };
    let shared = pipe.clone();
    std::thread::spawn(move || {
        let mut chunk = Zeroizing::new([0u8; 4096]);
        loop {
            let n = match from.read(&mut chunk[..]) {
                Ok(0) | Err(_) => 0,
                Ok(n) => n,
            };
            let Ok(mut p) = shared.lock() else { return };
            let room = MAX_KEY_OUTPUT.saturating_sub(p.bytes.len());
            if n == 0 || room == 0 {
                p.closed = true;
                return;
            }
            let take = n.min(room);
            // Grown in place, so no copy of a partial key is left behind in freed memory.
            reserve_wiped(&mut p.bytes, take);
            p.bytes.extend_from_slice(&chunk[..take]);
        }
    });
    pipe
}

/// Makes room for `more` bytes; a reallocation copies into a new buffer and wipes the old.
fn reserve_wiped(bytes: &mut Zeroizing<Vec<u8>>, more: usize) {
    if bytes.capacity() - bytes.len() >= more {
        return;
    }
    let mut bigger = Zeroizing::new(Vec::with_capacity((bytes.len() + more).max(256) * 2));
    bigger.extend_from_slice(bytes);
    *bytes = bigger;
}

/// The bytes read so far, taken out (the reader may still be running).
fn take(pipe: &Mutex<Pipe>) -> Zeroizing<Vec<u8>> {
    pipe.lock()
        .map(|mut p| std::mem::take(&mut p.bytes))
        .unwrap_or_default()
}

fn enough(pipe: &Mutex<Pipe>, skip_blank: bool) -> bool {
    pipe.lock().map(|p| p.enough(skip_blank)).unwrap_or(true)
}

fn closed(pipe: &Mutex<Pipe>) -> bool {
    pipe.lock().map(|p| p.closed).unwrap_or(true)
}

/// How the command's own process ended, seen without reaping it: while it is a zombie its
/// id, which is also its group's id, cannot be reused, so killing the group stays safe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ended {
    Running,
    Succeeded,
    Failed,
}

#[cfg(unix)]
fn ended(child: &Child) -> Ended {
    let pid: libc::id_t = child.id();
    // SAFETY: an all-zero siginfo_t is valid; waitid writes into it.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    // SAFETY: a valid pointer to `info`; WNOWAIT leaves the child to be reaped later.
    let rc = unsafe {
        libc::waitid(
            libc::P_PID,
            pid,
            &mut info,
            libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
        )
    };
    // SAFETY: `info` was filled in by waitid (or is still zeroed).
    let (who, code, status) = unsafe { (info.si_pid(), info.si_code, info.si_status()) };
    match (rc, who) {
        (0, 0) => Ended::Running,
        (0, _) if code == libc::CLD_EXITED && status == 0 => Ended::Succeeded,
        _ => Ended::Failed,
    }
}

#[cfg(not(unix))]
fn ended(child: &Child) -> Ended {
    let _ = child;
    Ended::Running
}

/// Kills the command and everything it started that stayed in its group.
#[cfg(unix)]
fn kill_group(child: &mut Child) {
    if let Ok(pgid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: plain syscall; the group id is the unreaped leader's own id.
        unsafe { libc::killpg(pgid, libc::SIGKILL) };
    }
    let _ = child.kill();
}

#[cfg(not(unix))]
fn kill_group(child: &mut Child) {
    let _ = child.kill();
}

/// The shortest run of key characters taken for a key in a stderr line.
const KEY_LIKE_LEN: usize = 16;

/// A line of a failed command's stderr, fit to show (banner, error): a broken script may
/// print the key there. Removed: whatever it printed on stdout (the key, perhaps, before it
/// failed), and every run of at least [`KEY_LIKE_LEN`] characters keys are made of
/// (letters, digits, `_-+/=`), so a long path may show shortened.
pub(super) fn without_key_material(line: &str, printed: &str) -> String {
    let mut line = line.to_string();
    for candidate in printed.lines().map(str::trim).filter(|p| p.len() >= 4) {
        line = line.replace(candidate, "[hidden]");
    }
    let key_char = |c: char| c.is_ascii_alphanumeric() || "_-+/=".contains(c);
    let mut out = String::with_capacity(line.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.chars().count() >= KEY_LIKE_LEN {
            out.push_str("[hidden]");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in line.chars() {
        if key_char(c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// Runs `argv` (no shell) and takes the first line of its stdout, trimmed, as the key.
///
/// The command runs in its own process group. It is done when it has exited and said what
/// it has to say (the first line of stdout after a success, of stderr after a failure, or
/// the pipe closed); whatever it left running that still holds our pipes is then killed
/// with the group. At `timeout` the whole group is killed and reading stops.
pub fn run_key_command(argv: &[String], timeout: Duration) -> Result<ApiKey, ConfigError> {
    let program = argv.first().cloned().unwrap_or_default();
    let failed = |reason: String| ConfigError::KeyCommand {
        program: program.clone(),
        reason,
    };
    let mut command = Command::new(&program);
    command
        .args(argv.get(1..).unwrap_or_default())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .spawn()
        .map_err(|e| failed(format!("cannot start it ({e})")))?;
    let stdout = read_pipe(child.stdout.take());
    let stderr = read_pipe(child.stderr.take());
    let deadline = Instant::now() + timeout;
    let outcome = loop {
        let state = ended(&child);
        let said = match state {
            Ended::Running => false,
            Ended::Succeeded => enough(&stdout, false),
            Ended::Failed => enough(&stderr, true),
        };
        if said || Instant::now() >= deadline {
            break state;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    if outcome == Ended::Running || !closed(&stdout) || !closed(&stderr) {
        // Still running, or something it started keeps our pipes: the group goes.
        kill_group(&mut child);
    }
    let status = child.wait();
    let out = take(&stdout);
    let err = take(&stderr);
    let status = match (outcome, status) {
        (Ended::Running, _) => {
            return Err(failed(format!(
                "gave no key within {} s (killed)",
                timeout.as_secs_f32()
            )))
        }
        (_, Ok(status)) => status,
        (_, Err(e)) => return Err(failed(format!("cannot wait for it ({e})"))),
    };
    if !status.success() {
        let printed = Zeroizing::new(String::from_utf8_lossy(&out).into_owned());
        let first = String::from_utf8_lossy(&err)
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .map(|l| {
                format!(
                    ": {}",
                    without_key_material(&crate::text::clean(l), &printed)
                )
            })
            .unwrap_or_default();
        let code = status
            .code()
            .map_or_else(|| "a signal".to_string(), |c| format!("status {c}"));
        return Err(failed(format!("exited with {code}{first}")));
    }
    let text = Zeroizing::new(String::from_utf8_lossy(&out).into_owned());
    let key = text.lines().next().unwrap_or("").trim();
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

    /// A broken script that prints the key on stderr: the error (banner, message) shows the
    /// rest of the line, never the key (issue 15 item 19).
    #[test]
    fn a_failing_commands_stderr_is_shown_without_the_key() {
        let key = "sk_live_ABCdef0123456789xyz"; // a fake key
        for script in [
            format!("echo \"error: token {key} rejected\" >&2; exit 1"),
            format!("echo {key}; echo \"cannot store {key}\" >&2; exit 2"),
            "echo short-k3y_value_that_is_long >&2; exit 1".to_string(),
        ] {
            let err = run_key_command(&argv(&["sh", "-c", &script]), KEY_COMMAND_TIMEOUT)
                .expect_err("fails")
                .to_string();
            assert!(!err.contains(key), "{err}");
            assert!(!err.contains("short-k3y_value"), "{err}");
            assert!(err.contains("[hidden]"), "{err}");
        }
        // What is not key-like stays, so the message still says what went wrong.
        assert_eq!(
            without_key_material("gpg: decryption failed: No secret key", ""),
            "gpg: decryption failed: No secret key"
        );
        // What it printed on stdout goes even when short.
        assert_eq!(
            without_key_material("bad key abcd1234", "abcd1234\n"),
            "bad key [hidden]"
        );
    }

    #[test]
    fn a_command_that_hangs_is_killed_at_the_timeout() {
        let err = run_key_command(&argv(&["sleep", "30"]), Duration::from_millis(300))
            .expect_err("times out")
            .to_string();
        assert!(err.contains("within 0.3 s (killed)"), "{err}");
    }

    /// Whether process `pid` is gone or dead (a zombie waiting for its new parent counts
    /// as dead). Waits for SIGKILL to land, up to a bound that only a survivor reaches.
    #[cfg(target_os = "linux")]
    fn dies(pid: &str) -> bool {
        let stat = format!("/proc/{}/stat", pid.trim());
        for _ in 0..1000 {
            match std::fs::read_to_string(&stat) {
                Err(_) => return true,
                Ok(s)
                    if s.rsplit(')')
                        .next()
                        .is_some_and(|r| r.trim_start().starts_with('Z')) =>
                {
                    return true
                }
                Ok(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
        false
    }

    /// `sh -c "sleep 40 & echo KEY"`: the key is taken as soon as the command has exited
    /// and printed it, and what it left holding our pipes is killed with its group (before
    /// the fix `run_key_command` waited for the pipes to close: here that is 2 s, and the
    /// background process then lived on).
    #[cfg(target_os = "linux")]
    #[test]
    fn a_background_child_holding_stdout_neither_delays_the_key_nor_survives() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        let script = format!(
            "{{ sleep 2; exec >&- 2>&-; sleep 30; }} & echo $! > {}; echo sk_test_bg_key_12345678",
            pid_file.display()
        );
        let key =
            run_key_command(&argv(&["sh", "-c", &script]), KEY_COMMAND_TIMEOUT).expect("the key");
        assert_eq!(key.hint(), "…5678");
        let pid = std::fs::read_to_string(&pid_file).unwrap();
        assert!(dies(&pid), "the background process {pid} was killed");
    }

    /// At the deadline the whole group goes, not only the command itself.
    #[cfg(target_os = "linux")]
    #[test]
    fn at_the_deadline_the_whole_group_is_killed() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        let script = format!(
            "{{ exec >&- 2>&-; sleep 30; }} & echo $! > {}; sleep 30",
            pid_file.display()
        );
        let err = run_key_command(&argv(&["sh", "-c", &script]), Duration::from_secs(2))
            .expect_err("times out")
            .to_string();
        assert!(err.contains("killed"), "{err}");
        let pid = std::fs::read_to_string(&pid_file).unwrap();
        assert!(dies(&pid), "the background process {pid} was killed");
    }
}
