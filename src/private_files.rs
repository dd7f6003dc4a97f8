//! Files that hold secrets or audit data: directories 0700, files 0600, created that way
//! (never widened first and narrowed later).

use std::fs::{DirBuilder, File, OpenOptions};
use std::io;
use std::path::Path;

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};

/// Creates `dir` (and missing parents) readable by the owner only. An existing directory
/// is left as it is.
pub fn create_dir(dir: &Path) -> io::Result<()> {
    let mut builder = DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(0o700);
    builder.create(dir)
}

/// Opens `path` for appending, creating it 0600 if it does not exist.
pub fn open_append(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    options.mode(0o600);
    options.open(path)
}

/// Creates a new file 0600; fails if anything already exists at `path` (a symlink too).
pub fn create_new(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    options.open(path)
}

/// The file or directory's permission bits (`0o777` part), for checks and tests.
#[cfg(unix)]
pub fn mode(path: &Path) -> io::Result<u32> {
    use std::os::unix::fs::PermissionsExt;
    Ok(std::fs::metadata(path)?.permissions().mode() & 0o777)
}

/// linq-hooks' data directory (logs, the embedded sandbox's database), created 0700.
pub fn data_dir() -> io::Result<std::path::PathBuf> {
    let dir = directories::ProjectDirs::from("com", "linq-hooks", "linq-hooks")
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no home directory"))?
        .data_dir()
        .to_path_buf();
    create_dir(&dir)?;
    Ok(dir)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn created_private_and_create_new_refuses_existing() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("a/b");
        create_dir(&dir).expect("dir");
        assert_eq!(mode(&dir).expect("mode"), 0o700);
        let file = dir.join("f");
        open_append(&file).expect("append");
        assert_eq!(mode(&file).expect("mode"), 0o600);
        let new = dir.join("new");
        create_new(&new).expect("new");
        assert_eq!(mode(&new).expect("mode"), 0o600);
        assert_eq!(
            create_new(&new).expect_err("exists").kind(),
            io::ErrorKind::AlreadyExists
        );
    }
}
