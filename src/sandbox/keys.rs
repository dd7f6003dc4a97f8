//! Where the sandbox's API keys come from. The embedded sandbox (dashboard and commands
//! without a key) uses a random key of its own, kept 0600 beside its database, so other
//! users of the machine cannot use it; the standalone server takes keys from `--api-key`,
//! `--api-key-file` and `LINQ_SANDBOX_API_KEYS` (the last two stay out of
//! `/proc/PID/cmdline`, which every user can read).

use super::{SandboxError, DEFAULT_API_KEY};
use std::fmt::Write as _;
use std::io::Read as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The environment variable with standalone-server keys, comma separated.
pub const KEYS_ENV: &str = "LINQ_SANDBOX_API_KEYS";
/// The largest `--api-key-file` read.
const MAX_KEY_FILE: u64 = 64 * 1024;
/// Keys shorter than this are easy to guess (the README's `a`, `test-key`).
const GUESSABLE_BELOW: usize = 16;

/// The file holding the embedded sandbox's key: `<database>.key`.
pub fn key_file_of(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".key");
    PathBuf::from(name)
}

/// The embedded sandbox's key for the database `db`: made once (random), then read back by
/// every process that opens the same database (a `listen` beside a dashboard).
pub fn embedded_key(db: &Path) -> Result<String, SandboxError> {
    let path = key_file_of(db);
    let mut fresh = String::from("lhsb_");
    for byte in rand::random::<[u8; 32]>() {
        let _ = write!(fresh, "{byte:02x}");
    }
    crate::private_files::read_or_create_secret(&path, &fresh).map_err(|source| {
        match crate::private_files::refusal(&source) {
            Some(refused) => SandboxError::Usage(format!(
                "the embedded sandbox's key file {}: {refused}",
                path.display()
            )),
            None => SandboxError::KeyFile { path, source },
        }
    })
}

/// The standalone server's keys: `--api-key` values, then the file's lines (blank ones and
/// `#` comments skipped), then `LINQ_SANDBOX_API_KEYS`; the demo key `sandbox` when none.
pub fn gather(
    flags: &[String],
    file: Option<&Path>,
    env: Option<String>,
) -> Result<Vec<String>, SandboxError> {
    let mut keys = flags.to_vec();
    if let Some(path) = file {
        let text = read_key_file(path).map_err(|why| {
            SandboxError::Usage(format!("--api-key-file {}: {why}", path.display()))
        })?;
        let before = keys.len();
        keys.extend(
            text.lines()
                .map(str::trim)
                .filter(|line| !line.is_empty() && !line.starts_with('#'))
                .map(str::to_owned),
        );
        if keys.len() == before {
            return Err(SandboxError::Usage(format!(
                "--api-key-file {}: holds no key (one per line)",
                path.display()
            )));
        }
    }
    if let Some(env) = env {
        keys.extend(
            env.split(',')
                .map(str::trim)
                .filter(|key| !key.is_empty())
                .map(str::to_owned),
        );
    }
    if keys.is_empty() {
        keys.push(DEFAULT_API_KEY.to_owned());
    }
    Ok(keys)
}

/// Up to [`MAX_KEY_FILE`] of text. Opened normally (not through `private_files`): it is
/// only read, and `--api-key-file <(pass show …)` hands a pipe.
fn read_key_file(path: &Path) -> Result<String, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read it ({e})"))?;
    let mut bytes = Vec::new();
    file.take(MAX_KEY_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read it ({e})"))?;
    if bytes.len() as u64 > MAX_KEY_FILE {
        return Err(format!("larger than {} KiB", MAX_KEY_FILE / 1024));
    }
    String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_owned())
}

/// A key anyone could guess: the public demo key, or a short one.
fn well_known(key: &str) -> bool {
    key == DEFAULT_API_KEY || key.len() < GUESSABLE_BELOW
}

/// The warning for a server other machines can reach that takes a guessable key.
pub fn exposure_warning(bound: SocketAddr, keys: &[String]) -> Option<String> {
    if bound.ip().is_loopback() || !keys.iter().any(|key| well_known(key)) {
        return None;
    }
    let which = if keys.iter().any(|key| key == DEFAULT_API_KEY) {
        "the public demo key `sandbox`"
    } else {
        "a short, guessable key"
    };
    Some(format!(
        "warning: the sandbox listens on {bound}, reachable beyond this machine, and accepts \
         {which}: anyone who can reach it can read its signing secrets; use a long key \
         (--api-key-file or {KEYS_ENV}) or --listen 127.0.0.1:PORT"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_come_from_flags_file_and_environment() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let file = tmp.path().join("keys");
        std::fs::write(&file, "# team keys\nfile-key-one\n\n  file-key-two  \n").expect("w");
        let keys = gather(
            &["flag-key".into()],
            Some(&file),
            Some(" env-a, ,env-b".into()),
        )
        .expect("keys");
        assert_eq!(
            keys,
            ["flag-key", "file-key-one", "file-key-two", "env-a", "env-b"]
        );
        assert_eq!(gather(&[], None, None).expect("default"), ["sandbox"]);
        assert_eq!(gather(&[], None, Some(",".into())).expect("d"), ["sandbox"]);
        let empty = tmp.path().join("empty");
        std::fs::write(&empty, "# nothing\n").expect("w");
        let err = gather(&[], Some(&empty), None).expect_err("no key");
        assert!(err.is_usage());
        assert!(err.to_string().contains("holds no key"), "{err}");
        let missing = gather(&[], Some(&tmp.path().join("missing")), None).expect_err("x");
        assert!(missing.is_usage());
    }

    #[test]
    fn the_embedded_key_is_random_per_database_and_kept() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let a = tmp.path().join("a/sandbox.db");
        let b = tmp.path().join("b/sandbox.db");
        let key_a = embedded_key(&a).expect("a");
        assert!(key_a.starts_with("lhsb_") && key_a.len() == 69, "{key_a}");
        assert_ne!(key_a, DEFAULT_API_KEY);
        assert_eq!(embedded_key(&a).expect("again"), key_a);
        assert_ne!(embedded_key(&b).expect("b"), key_a);
        #[cfg(unix)]
        assert_eq!(
            crate::private_files::mode(&key_file_of(&a)).expect("mode"),
            0o600
        );
    }

    #[test]
    fn only_an_exposed_guessable_key_is_warned_about() {
        let any: SocketAddr = "0.0.0.0:4010".parse().expect("addr");
        let lo: SocketAddr = "127.0.0.1:4010".parse().expect("addr");
        let long = "k_0123456789abcdef0123".to_owned();
        assert!(exposure_warning(lo, &[DEFAULT_API_KEY.into()]).is_none());
        assert!(exposure_warning(any, std::slice::from_ref(&long)).is_none());
        let warning = exposure_warning(any, &[long, DEFAULT_API_KEY.into()]).expect("warn");
        assert!(warning.contains("0.0.0.0:4010") && warning.contains("`sandbox`"));
        assert!(exposure_warning(any, &["short".into()]).is_some());
    }
}
