//! Delivering a one-time signing secret (`create`; later `rotate` and `apply`): the server
//! shows it once, so once the subscription exists the secret either reaches where the user
//! asked for it, or the command says loudly that it did not and what to do.
//!
//! Contract, for every command that receives a new secret:
//! 1. Before the request, [`SecretOut::prepare`]: creates the `--secret-file` (0600,
//!    `O_EXCL`, never over anything, a symlink included), or checks that stdout can hold a
//!    secret at all (not `/dev/null`, which is also what a closed stdout becomes; not a pipe
//!    whose reader already left). Its error is a usage error: nothing was sent.
//! 2. After the server answered, [`SecretOut::deliver`] with the subscription's id, the
//!    secret and a `render` function that makes stdout's text. The secret must be
//!    `whsec_` + base64 ([`SigningSecret::is_well_formed`]): anything else is refused, never
//!    printed (a hostile server's escape sequences stay off the terminal).
//! 3. Delivered means: the file written and synced; or on stdout, every byte written and
//!    flushed and, for a pipe, read by the reader (a reader that leaves with the secret
//!    unread, `| head -c 1`, lost it). A closed pipe, a full disk, any write error: not
//!    delivered. Then one `error` line on stderr names the subscription, says its secret is
//!    lost and how to start again, and the command exits 1 ([`CliError::Reported`]).
//!    The secret itself is never in that line.

use super::output::{self, Exit};
use super::CliError;
use crate::api::SigningSecret;
use crate::private_files;
use crate::text::clean;
use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// How long a pipe's reader is given to read the secret before it counts as delivered
/// anyway (a reader still there may read it later; only one that left lost it).
const PIPE_READ_WAIT: Duration = Duration::from_secs(3);

/// Where the secret is to be found once delivered: the text `render` makes for stdout
/// embeds it (`Inline`) or says which file holds it (`File`).
pub enum SecretPlace<'a> {
    Inline(&'a str),
    File(&'a Path),
}

/// A secret destination checked before anything is sent.
pub struct SecretOut {
    file: Option<SecretFile>,
}

impl SecretOut {
    /// `secret_file` given: creates it now (0600, `O_EXCL`; removed again unless the
    /// secret is written into it). Otherwise checks stdout. Errors are usage errors.
    pub fn prepare(secret_file: Option<&Path>) -> Result<Self, CliError> {
        match secret_file {
            Some(path) => Ok(Self {
                file: Some(SecretFile::create(path)?),
            }),
            None => {
                if let Some(why) = stdout_cannot_hold_a_secret() {
                    return Err(CliError::Usage(format!(
                        "{why}: the one-time signing secret would be lost (use --secret-file PATH)"
                    )));
                }
                Ok(Self { file: None })
            }
        }
    }

    /// Delivers `secret` of the subscription `id` (see the module's contract). `command`
    /// names the command in the error line; `render` makes stdout's text (wiped after).
    pub fn deliver(
        mut self,
        command: &str,
        id: &str,
        secret: &SigningSecret,
        render: impl FnOnce(SecretPlace<'_>) -> Result<Zeroizing<Vec<u8>>, CliError>,
    ) -> Result<(), CliError> {
        if !secret.is_well_formed() {
            return Err(lost(
                command,
                id,
                "the server's signing secret is not `whsec_` + base64: refused, not printed",
            ));
        }
        match self.file.as_mut() {
            Some(file) => {
                if let Err(e) = file.write(secret.expose()) {
                    let why = format!("cannot write it to {}: {e}", file.path.display());
                    return Err(lost(command, id, &why));
                }
                // The secret is safe in its file: stdout failing now loses nothing secret.
                let text = render(SecretPlace::File(&file.path))?;
                output::write_stdout(&text)
            }
            None => {
                let text = render(SecretPlace::Inline(secret.expose()))?;
                write_secret_to_stdout(&text).map_err(|why| lost(command, id, &why))
            }
        }
    }
}

/// The loud line: the subscription exists, its secret is lost, delete and create again.
fn lost(command: &str, id: &str, why: &str) -> CliError {
    let id = clean(id);
    output::error_line(
        command,
        &format!(
            "subscription {id} exists but its signing secret could not be delivered ({why}): \
             delete it and create it again (`linq-hooks delete {id}`)"
        ),
    );
    CliError::Reported(Exit::Failed)
}

/// Every byte written and flushed, and for a pipe read by its reader; else why not.
fn write_secret_to_stdout(text: &[u8]) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    out.write_all(text)
        .and_then(|()| out.flush())
        .map_err(|e| format!("writing to stdout failed: {e}"))?;
    drop(out);
    pipe_read_by_reader(PIPE_READ_WAIT)
}

/// Why stdout cannot receive a secret, if it cannot: `/dev/null` (a closed stdout is
/// reopened onto it when the program starts), or a pipe nobody reads any more.
#[cfg(unix)]
fn stdout_cannot_hold_a_secret() -> Option<String> {
    use std::os::unix::fs::{FileTypeExt as _, MetadataExt as _};
    let meta = stdout_metadata()?;
    let null = std::fs::metadata("/dev/null").ok()?;
    if meta.file_type().is_char_device() && meta.rdev() == null.rdev() {
        return Some("stdout is /dev/null (or was closed)".into());
    }
    if meta.file_type().is_fifo() && pipe_reader_gone() {
        return Some("stdout is a pipe nobody reads".into());
    }
    None
}

#[cfg(not(unix))]
fn stdout_cannot_hold_a_secret() -> Option<String> {
    None
}

/// stdout's file metadata (through a duplicate of the descriptor, closed after).
#[cfg(unix)]
fn stdout_metadata() -> Option<std::fs::Metadata> {
    use std::os::fd::AsFd as _;
    let fd = std::io::stdout().as_fd().try_clone_to_owned().ok()?;
    File::from(fd).metadata().ok()
}

/// Whether stdout is a pipe whose read end every reader has closed (`POLLERR`).
#[cfg(unix)]
fn pipe_reader_gone() -> bool {
    let mut fd = libc::pollfd {
        fd: libc::STDOUT_FILENO,
        events: libc::POLLOUT,
        revents: 0,
    };
    // SAFETY: one valid pollfd, zero timeout.
    let n = unsafe { libc::poll(&mut fd, 1, 0) };
    n == 1 && fd.revents & libc::POLLERR != 0
}

/// Bytes written into stdout's pipe and not read yet.
#[cfg(unix)]
fn pipe_unread() -> Option<usize> {
    let mut unread: libc::c_int = 0;
    // SAFETY: FIONREAD writes one c_int through the pointer.
    let rc = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::FIONREAD, &mut unread) };
    (rc == 0).then_some(usize::try_from(unread).unwrap_or(0))
}

/// For a pipe: waits (up to `wait`) until the reader has read everything or left. A reader
/// that left with bytes unread (`| head -c 1`) lost the secret; one still reading at the
/// end of the wait may read it later.
#[cfg(unix)]
fn pipe_read_by_reader(wait: Duration) -> Result<(), String> {
    use std::os::unix::fs::FileTypeExt as _;
    if !stdout_metadata().is_some_and(|m| m.file_type().is_fifo()) {
        return Ok(());
    }
    let deadline = Instant::now() + wait;
    loop {
        let unread = pipe_unread().unwrap_or(0);
        if unread == 0 {
            return Ok(());
        }
        if pipe_reader_gone() {
            return Err(format!(
                "the program reading stdout exited with {unread} bytes of it unread"
            ));
        }
        if Instant::now() >= deadline {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[cfg(not(unix))]
fn pipe_read_by_reader(_wait: Duration) -> Result<(), String> {
    Ok(())
}

/// The `--secret-file`, created (0600, never over an existing file) before anything is
/// sent, and removed again unless the secret was written into it. `create` and `rotate`
/// both write their one-time secret through it.
pub(crate) struct SecretFile {
    path: PathBuf,
    file: Option<File>,
    written: bool,
}

impl SecretFile {
    pub(crate) fn create(path: &Path) -> Result<Self, CliError> {
        let file = private_files::create_new(path).map_err(|e| {
            let why = if e.kind() == std::io::ErrorKind::AlreadyExists {
                "already exists; refusing to overwrite it".to_string()
            } else {
                format!("cannot create it ({e})")
            };
            CliError::Usage(format!("--secret-file: {} {why}", path.display()))
        })?;
        Ok(Self {
            path: path.to_path_buf(),
            file: Some(file),
            written: false,
        })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn write(&mut self, secret: &str) -> std::io::Result<()> {
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| std::io::Error::other("secret file already closed"))?;
        // No trailing newline: the file holds exactly the secret.
        file.write_all(secret.as_bytes())?;
        file.sync_all()?;
        self.written = true;
        Ok(())
    }
}

impl Drop for SecretFile {
    fn drop(&mut self) {
        self.file = None;
        if !self.written {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
