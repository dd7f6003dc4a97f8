//! The files of `export`, `plan` and `apply`: the document read (a regular file, bounded),
//! the export written (never through a symlink, never over a file without `--force`), and
//! each new signing secret written to `DIR/<id>.whsec` (0600, O_EXCL, in a private
//! directory).

use super::CliError;
use crate::api::SigningSecret;
use crate::lifecycle::apply::SecretStore;
use crate::lifecycle::document::MAX_FILE_BYTES;
use crate::lifecycle::export_file::{self, not_regular, ExportFileError};
use crate::private_files;
use crate::text::clean;
use crate::validate::is_subscription_id;
use std::fs;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

fn usage(message: String) -> CliError {
    CliError::Usage(message)
}

fn shown(path: &Path) -> String {
    clean(&path.display().to_string()).into_owned()
}

/// The document's text: a regular file (a symlink to one is read), UTF-8, at most
/// `MAX_FILE_BYTES`.
pub fn read_document(path: &Path) -> Result<String, CliError> {
    let io = |source: std::io::Error| CliError::Io {
        what: format!("reading {}", shown(path)),
        source,
    };
    // Checked before opening: opening a FIFO would block.
    let meta = fs::metadata(path).map_err(|e| usage(format!("{}: {e}", shown(path))))?;
    if let Some(what) = not_regular(&meta) {
        return Err(usage(format!("{} is {what}", shown(path))));
    }
    let file = fs::File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if let Some(what) = not_regular(&meta) {
        return Err(usage(format!("{} is {what}", shown(path))));
    }
    // Room for the whole file at once: read in one go, never copied to grow.
    let mut bytes = Vec::with_capacity(meta.len().min(MAX_FILE_BYTES) as usize + 1);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(usage(format!(
            "{} is larger than {} MiB",
            shown(path),
            MAX_FILE_BYTES >> 20
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        usage(format!(
            "{}: not UTF-8 text (byte {})",
            shown(path),
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Writes the export to `--out` (see [`export_file::write`]).
pub fn write_export(path: &Path, text: &str, force: bool) -> Result<(), CliError> {
    export_file::write(path, text, force).map_err(|e| match e {
        ExportFileError::Exists => usage(format!(
            "--out {} exists: not overwriting it (--force replaces it)",
            shown(path)
        )),
        ExportFileError::NotRegular(what) => {
            usage(format!("--out {} is {what}: not writing it", shown(path)))
        }
        ExportFileError::Io(source) => CliError::Io {
            what: format!("writing {}", shown(path)),
            source,
        },
    })
}

/// `--secret-dir`: a private directory (made 0700 when missing; an existing one must not be
/// a symlink nor open to others), each secret in a new `<id>.whsec` (0600, O_EXCL).
pub struct SecretDir {
    dir: PathBuf,
}

impl SecretDir {
    /// Checked or made before any change is sent.
    pub fn prepare(dir: &Path) -> Result<Self, CliError> {
        let flag = |why: String| usage(format!("--secret-dir {}: {why}", shown(dir)));
        match fs::symlink_metadata(dir) {
            Ok(meta) => {
                if !meta.file_type().is_dir() {
                    let what = not_regular(&meta).unwrap_or("a file");
                    return Err(flag(format!("is {what}, not a directory")));
                }
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    let mode = meta.permissions().mode() & 0o777;
                    if mode & 0o077 != 0 {
                        return Err(flag(format!(
                            "is open to other users (mode {mode:04o}); use a directory only you can read (chmod 700)"
                        )));
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                private_files::create_dir(dir)
                    .map_err(|e| flag(format!("cannot create it ({e})")))?;
            }
            Err(e) => return Err(flag(e.to_string())),
        }
        Ok(Self {
            dir: dir.to_path_buf(),
        })
    }
}

impl SecretStore for SecretDir {
    fn store(&self, id: &str, target_url: &str, secret: &SigningSecret) -> Result<PathBuf, String> {
        let result = if is_subscription_id(id) {
            let path = self.dir.join(format!("{id}.whsec"));
            write_secret(&path, secret).map(|()| path)
        } else {
            // The server's id becomes a file name: only the documented shape is.
            Err(format!(
                "the server's id {:?} is not a subscription id",
                clean(id)
            ))
        };
        if let Err(why) = &result {
            say_secret_not_written(id, target_url, why);
        }
        result
    }
}

fn write_secret(path: &Path, secret: &SigningSecret) -> Result<(), String> {
    let mut file = private_files::create_new(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            format!("{} already exists; not overwriting it", shown(path))
        } else {
            format!("cannot create {} ({e})", shown(path))
        }
    })?;
    // No trailing newline: the file holds exactly the secret.
    let written = file
        .write_all(secret.expose().as_bytes())
        .and_then(|()| file.sync_all());
    written.map_err(|e| {
        let _ = fs::remove_file(path);
        format!("cannot write {} ({e})", shown(path))
    })
}

/// Said on stderr the moment it happens, whatever else the run prints: the subscription
/// exists and receives deliveries signed with a secret nobody has.
fn say_secret_not_written(id: &str, target_url: &str, why: &str) {
    eprintln!(
        "linq-hooks: apply: SUBSCRIPTION {} ({}) EXISTS BUT ITS SIGNING SECRET COULD NOT BE WRITTEN: {}. \
         Delete it (linq-hooks delete {}) and apply again.",
        clean(id),
        clean(target_url),
        clean(why),
        clean(id)
    );
}
