//! Every file linq-hooks writes goes through here: the sandbox database (and SQLite's
//! `-wal`/`-shm`/`-journal` beside it), the audit trail, the logs, secret files and the
//! embedded sandbox's key. Directories are created 0700 and files 0600, created that way
//! (`O_EXCL`, never widened first and narrowed later).
//!
//! An existing path is used only once it is verified: looked at without following a
//! symlink, opened with `O_NOFOLLOW | O_NONBLOCK` (a FIFO never blocks the open), and the
//! open file must be the same regular file, owned by us. Only then is its mode narrowed —
//! on the open descriptor (`fchmod`), so the path cannot be swapped in between. Symlinks,
//! directories, devices, FIFOs and sockets are refused with a [`Refusal`] (an
//! `io::Error` of kind `InvalidInput` carrying it; [`refusal`] finds it again).

use std::fmt;
use std::fs::{DirBuilder, File, Metadata, OpenOptions};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, OpenOptionsExt};

/// Why a path was not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Symlink,
    Directory,
    CharDevice,
    BlockDevice,
    Fifo,
    Socket,
    /// A file of another user: we neither write into it nor change its mode.
    NotOwned,
    /// Where the sandbox database should be, something that is not one.
    NotSqlite,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let special = |f: &mut fmt::Formatter<'_>, what: &str| {
            write!(f, "not a regular file ({what}); give a path to a file")
        };
        match self {
            Refusal::Symlink => {
                f.write_str("a symbolic link, not followed; give the path of the file itself")
            }
            Refusal::Directory => f.write_str("a directory; give a path to a file"),
            Refusal::CharDevice => special(f, "a character device"),
            Refusal::BlockDevice => special(f, "a block device"),
            Refusal::Fifo => special(f, "a FIFO"),
            Refusal::Socket => special(f, "a socket"),
            Refusal::NotOwned => {
                f.write_str("belongs to another user; linq-hooks writes only its own files")
            }
            Refusal::NotSqlite => f.write_str(
                "not a SQLite database (left untouched); give a new path or a sandbox database",
            ),
        }
    }
}

/// A refused path: why, and which file when it is not the one asked for (SQLite's `-wal`
/// beside a database).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub why: Refusal,
    pub beside: Option<PathBuf>,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.beside {
            Some(path) => write!(f, "{} beside it is {}", path.display(), self.why),
            None => self.why.fmt(f),
        }
    }
}

impl std::error::Error for Refused {}

/// The refusal inside an error of this module, if that is what it is.
pub fn refusal(err: &io::Error) -> Option<&Refused> {
    err.get_ref()?.downcast_ref::<Refused>()
}

fn refuse(why: Refusal) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, Refused { why, beside: None })
}

/// What is wrong with this (not followed) file for holding our data, if anything.
fn refusal_of(meta: &Metadata) -> Option<Refusal> {
    let kind = meta.file_type();
    if kind.is_file() {
        return None;
    }
    Some(if kind.is_symlink() {
        Refusal::Symlink
    } else if kind.is_dir() {
        Refusal::Directory
    } else {
        #[cfg(unix)]
        {
            if kind.is_char_device() {
                return Some(Refusal::CharDevice);
            }
            if kind.is_block_device() {
                return Some(Refusal::BlockDevice);
            }
            if kind.is_fifo() {
                return Some(Refusal::Fifo);
            }
            if kind.is_socket() {
                return Some(Refusal::Socket);
            }
        }
        Refusal::CharDevice
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Read,
    Append,
    ReadWrite,
}

/// A verified open file, and whether this call created it.
struct Opened {
    file: File,
    created: bool,
}

fn options(access: Access) -> OpenOptions {
    let mut options = OpenOptions::new();
    match access {
        Access::Read => options.read(true),
        Access::Append => options.append(true),
        Access::ReadWrite => options.read(true).write(true),
    };
    #[cfg(unix)]
    options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    options
}

#[cfg(unix)]
fn same_file(a: &Metadata, b: &Metadata) -> bool {
    (a.dev(), a.ino()) == (b.dev(), b.ino())
}

#[cfg(not(unix))]
fn same_file(_: &Metadata, _: &Metadata) -> bool {
    true
}

#[cfg(unix)]
fn ours(meta: &Metadata) -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    meta.uid() == unsafe { libc::geteuid() }
}

#[cfg(not(unix))]
fn ours(_: &Metadata) -> bool {
    true
}

/// Opens the regular file at `path` without following a symlink, or (with `create`) creates
/// it fresh, 0600. With `own`, a file of another user is refused.
fn open_verified(path: &Path, access: Access, create: bool, own: bool) -> io::Result<Opened> {
    // A path swapped between the look and the open is looked at again (a few times).
    for _ in 0..3 {
        let seen = match std::fs::symlink_metadata(path) {
            Ok(seen) => seen,
            Err(e) if e.kind() == io::ErrorKind::NotFound && create => {
                let mut fresh = options(access);
                fresh.create_new(true);
                if access == Access::Read {
                    fresh.write(true);
                }
                #[cfg(unix)]
                fresh.mode(0o600);
                match fresh.open(path) {
                    Ok(file) => {
                        return Ok(Opened {
                            file,
                            created: true,
                        })
                    }
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                    Err(e) => return Err(e),
                }
            }
            Err(e) => return Err(e),
        };
        // Not even opened: opening a device or a FIFO can itself have effects.
        if let Some(refusal) = refusal_of(&seen) {
            return Err(refuse(refusal));
        }
        let file = match options(access).open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => match std::fs::symlink_metadata(path)
                .ok()
                .and_then(|m| refusal_of(&m))
            {
                Some(refusal) => return Err(refuse(refusal)),
                None => return Err(e),
            },
        };
        let opened = file.metadata()?;
        if let Some(refusal) = refusal_of(&opened) {
            return Err(refuse(refusal));
        }
        if !same_file(&seen, &opened) {
            continue;
        }
        if own && !ours(&opened) {
            return Err(refuse(Refusal::NotOwned));
        }
        return Ok(Opened {
            file,
            created: false,
        });
    }
    Err(io::Error::other(
        "the file kept changing while it was opened",
    ))
}

/// Takes group and other permissions away from a verified open file (`fchmod`).
fn narrow(file: &File) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = file.metadata()?.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            file.set_permissions(std::fs::Permissions::from_mode(mode & 0o700))?;
        }
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

/// Creates `dir` (and missing parents) readable by the owner only. An existing directory
/// is left as it is.
pub fn create_dir(dir: &Path) -> io::Result<()> {
    let mut builder = DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(0o700);
    builder.create(dir)
}

/// Opens our regular file at `path` for appending (narrowed to 0600), or creates it 0600.
pub fn open_append(path: &Path) -> io::Result<File> {
    let opened = open_verified(path, Access::Append, true, true)?;
    if !opened.created {
        narrow(&opened.file)?;
    }
    Ok(opened.file)
}

/// Opens the regular file at `path` for reading: no symlink followed, and a FIFO or device
/// refused instead of blocking or reading forever. A missing file is `NotFound`.
pub fn open_read(path: &Path) -> io::Result<File> {
    Ok(open_verified(path, Access::Read, false, false)?.file)
}

/// Creates a new file 0600; fails if anything already exists at `path` (a symlink too).
pub fn create_new(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    options.open(path)
}

/// The largest secret file read (a key is well under this).
const MAX_SECRET_FILE: u64 = 4096;

/// The secret kept in `path` (our regular file, narrowed to 0600), or, when there is none,
/// `fresh`, stored there first: written to a new 0600 file beside it and linked into place,
/// so another process never reads a half-written secret and the first one stored wins.
pub fn read_or_create_secret(path: &Path, fresh: &str) -> io::Result<String> {
    for _ in 0..3 {
        match open_verified(path, Access::Read, false, true) {
            Ok(opened) => {
                narrow(&opened.file)?;
                let mut bytes = Vec::new();
                opened
                    .file
                    .take(MAX_SECRET_FILE + 1)
                    .read_to_end(&mut bytes)?;
                let invalid = |why: &str| io::Error::new(io::ErrorKind::InvalidData, why);
                if bytes.len() as u64 > MAX_SECRET_FILE {
                    return Err(invalid("too large to be a key file"));
                }
                let text = String::from_utf8(bytes).map_err(|_| invalid("not UTF-8 text"))?;
                let secret = text.trim();
                if secret.is_empty() {
                    return Err(invalid("empty; delete it and a new key is made"));
                }
                return Ok(secret.to_owned());
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            create_dir(dir)?;
        }
        let mut staged = path.as_os_str().to_owned();
        staged.push(format!(".new-{:016x}", rand::random::<u64>()));
        let staged = PathBuf::from(staged);
        let written = create_new(&staged).and_then(|mut file| {
            io::Write::write_all(&mut file, fresh.as_bytes())?;
            file.sync_all()
        });
        // `link` never replaces (nor follows) what is at `path`: a concurrent first run wins.
        let linked = written.and_then(|()| std::fs::hard_link(&staged, path));
        let _ = std::fs::remove_file(&staged);
        match linked {
            Ok(()) => return Ok(fresh.to_owned()),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other("the file kept changing while it was read"))
}

/// The first 16 bytes of every SQLite database file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Gets `path` ready for SQLite to open as our database: its missing directories created
/// 0700; the file created 0600, or verified (regular, ours, empty or starting with the
/// SQLite header) and then narrowed to 0600; the `-wal`, `-shm` and `-journal` SQLite keeps
/// beside it, where they exist, verified and narrowed the same way (SQLite creates missing
/// ones with the database's mode).
pub fn prepare_sqlite(path: &Path) -> io::Result<()> {
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        create_dir(dir)?;
    }
    let mut opened = open_verified(path, Access::ReadWrite, true, true)?;
    if !opened.created {
        let mut header = Vec::with_capacity(SQLITE_HEADER.len());
        (&mut opened.file)
            .take(SQLITE_HEADER.len() as u64)
            .read_to_end(&mut header)?;
        if !header.is_empty() && header != SQLITE_HEADER {
            return Err(refuse(Refusal::NotSqlite));
        }
        narrow(&opened.file)?;
    }
    for companion in sqlite_companions(path) {
        match open_verified(&companion, Access::ReadWrite, false, true) {
            Ok(opened) => narrow(&opened.file)?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            // Named by the companion's own path: it is not the one the user gave.
            Err(e) => match refusal(&e) {
                Some(refused) => {
                    let beside = Refused {
                        why: refused.why,
                        beside: Some(companion.clone()),
                    };
                    return Err(io::Error::new(io::ErrorKind::InvalidInput, beside));
                }
                None => return Err(e),
            },
        }
    }
    Ok(())
}

/// The files SQLite keeps beside a database (WAL mode, and a rollback journal).
pub fn sqlite_companions(path: &Path) -> [PathBuf; 3] {
    let with_suffix = |suffix: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    [
        with_suffix("-wal"),
        with_suffix("-shm"),
        with_suffix("-journal"),
    ]
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
#[path = "private_files_tests.rs"]
mod tests;
