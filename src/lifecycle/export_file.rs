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

/// The export document of `subscriptions` (the format from the path's name), stamped now,
/// written to `path` as [`write`] does.
pub fn render_and_write(
    path: &Path,
    subscriptions: &[crate::api::Subscription],
    name: String,
    host: String,
    overwrite: bool,
) -> Result<(), ExportFileError> {
    use super::document::Format;
    use super::export::{render, ExportAccount};
    let exported_at = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default();
    let account = ExportAccount {
        name,
        host,
        exported_at,
    };
    let text = render(&account, subscriptions, Format::detect(path, ""));
    write(path, &text, overwrite)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn new_files_are_0644_existing_ones_replaced_only_when_asked_symlinks_never() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("hooks.toml");
        render_and_write(&path, &[], "staging".into(), "h".into(), false).expect("new file");
        let mode = fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o644);
        assert!(fs::read_to_string(&path)
            .expect("read")
            .contains("name = \"staging\""));
        assert!(matches!(
            write(&path, "x", false),
            Err(ExportFileError::Exists)
        ));
        write(&path, "replaced", true).expect("overwrite");
        assert_eq!(fs::read_to_string(&path).expect("read"), "replaced");
        let target = dir.path().join("target");
        fs::write(&target, "keep").expect("target");
        let link = dir.path().join("link.toml");
        std::os::unix::fs::symlink(&target, &link).expect("symlink");
        for overwrite in [false, true] {
            assert!(matches!(
                write(&link, "x", overwrite),
                Err(ExportFileError::NotRegular("a symbolic link"))
            ));
        }
        assert!(matches!(
            write(dir.path(), "x", true),
            Err(ExportFileError::NotRegular("a directory"))
        ));
        assert_eq!(fs::read_to_string(&target).expect("read"), "keep");
        let entries = fs::read_dir(dir.path()).expect("dir").count();
        assert_eq!(entries, 3, "no temporary file left behind");
    }
}
