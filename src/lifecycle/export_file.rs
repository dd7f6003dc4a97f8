//! Writing an export file, for `export --out` and the dashboard's `X`: 0644 (it holds no
//! secret), never through a symlink, never over anything but a regular file, and over a
//! regular file only when asked (through a new file renamed over it).

use std::fs::{self, OpenOptions};
use std::io::Write as _;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum ExportFileError {
    /// A regular file is there and `overwrite` was not given.
    #[error("the file exists")]
    Exists,
    /// A symlink, directory, device, FIFO or socket is there.
    #[error("it is {0}: not writing it")]
    NotRegular(&'static str),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// What is at a path when it is not a regular file, in words.
pub fn not_regular(meta: &fs::Metadata) -> Option<&'static str> {
    let t = meta.file_type();
    if t.is_file() {
        None
    } else if t.is_dir() {
        Some("a directory")
    } else if t.is_symlink() {
        Some("a symbolic link")
    } else {
        Some("not a regular file (a device, FIFO or socket)")
    }
}

#[cfg(unix)]
fn new_file(path: &Path) -> std::io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    // O_EXCL: an existing file or symlink (even a dangling one) is refused, never followed.
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .open(path)
}

#[cfg(not(unix))]
fn new_file(path: &Path) -> std::io::Result<fs::File> {
    OpenOptions::new().write(true).create_new(true).open(path)
}

/// Writes `text` to `path`: a new file, or with `overwrite` a regular file replaced
/// through a new file renamed over it.
pub fn write(path: &Path, text: &str, overwrite: bool) -> Result<(), ExportFileError> {
    match fs::symlink_metadata(path) {
        Ok(meta) => {
            if let Some(what) = not_regular(&meta) {
                return Err(ExportFileError::NotRegular(what));
            }
            if !overwrite {
                return Err(ExportFileError::Exists);
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut file = new_file(path)?;
            return Ok(file.write_all(text.as_bytes())?);
        }
        Err(e) => return Err(e.into()),
    }
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let temp = path.with_file_name(format!(
        ".{}.{}.tmp",
        name.unwrap_or_default(),
        std::process::id()
    ));
    let written = new_file(&temp).and_then(|mut f| {
        f.write_all(text.as_bytes())?;
        f.sync_all()
    });
    if let Err(e) = written.and_then(|()| fs::rename(&temp, path)) {
        let _ = fs::remove_file(&temp);
        return Err(e.into());
    }
    Ok(())
}
