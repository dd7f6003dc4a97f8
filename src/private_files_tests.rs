//! Tests of `private_files` (the machine runs them as root too: nothing outside a temp
//! directory is ever re-moded or created).

use super::*;
use std::io::Write as _;
use std::os::unix::fs::PermissionsExt;

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn fifo(path: &Path) {
    let name = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).expect("c path");
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o644) }, 0, "mkfifo");
}

fn refused(result: io::Result<impl std::fmt::Debug>) -> Refusal {
    let err = result.expect_err("refused");
    refusal(&err)
        .unwrap_or_else(|| panic!("not a refusal: {err}"))
        .why
}

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

#[test]
fn an_existing_readable_file_of_ours_is_narrowed_on_append() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("audit.jsonl");
    std::fs::write(&file, "old\n").expect("write");
    chmod(&file, 0o644);
    open_append(&file)
        .expect("append")
        .write_all(b"new\n")
        .expect("line");
    assert_eq!(mode(&file).expect("mode"), 0o600);
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "old\nnew\n");
}

#[test]
fn a_symlink_is_never_followed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let target = tmp.path().join("target");
    std::fs::write(&target, "keep").expect("write");
    chmod(&target, 0o644);
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    assert_eq!(refused(open_append(&link)), Refusal::Symlink);
    assert_eq!(refused(open_read(&link)), Refusal::Symlink);
    assert_eq!(refused(prepare_sqlite(&link)), Refusal::Symlink);
    assert_eq!(std::fs::read_to_string(&target).expect("read"), "keep");
    assert_eq!(mode(&target).expect("mode"), 0o644);
    // A dangling one: its target is not created.
    let missing = tmp.path().join("missing");
    let dangling = tmp.path().join("dangling");
    std::os::unix::fs::symlink(&missing, &dangling).expect("symlink");
    assert_eq!(refused(open_append(&dangling)), Refusal::Symlink);
    assert_eq!(
        create_new(&dangling).expect_err("exists").kind(),
        io::ErrorKind::AlreadyExists
    );
    assert!(!missing.exists());
}

#[test]
fn fifos_and_directories_are_refused_without_blocking() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let pipe = tmp.path().join("pipe");
    fifo(&pipe);
    // Without O_NONBLOCK and the type check, each of these blocks forever.
    assert_eq!(refused(open_append(&pipe)), Refusal::Fifo);
    assert_eq!(refused(open_read(&pipe)), Refusal::Fifo);
    assert_eq!(refused(prepare_sqlite(&pipe)), Refusal::Fifo);
    assert_eq!(mode(&pipe).expect("mode"), 0o644);
    let dir = tmp.path().join("dir");
    std::fs::create_dir(&dir).expect("dir");
    chmod(&dir, 0o755);
    assert_eq!(refused(open_append(&dir)), Refusal::Directory);
    assert_eq!(refused(prepare_sqlite(&dir)), Refusal::Directory);
    assert_eq!(mode(&dir).expect("mode"), 0o755);
}

#[test]
fn a_device_is_refused_and_keeps_its_mode() {
    let null = Path::new("/dev/null");
    let before = mode(null).expect("mode");
    assert_eq!(refused(prepare_sqlite(null)), Refusal::CharDevice);
    assert_eq!(refused(open_append(null)), Refusal::CharDevice);
    assert_eq!(mode(null).expect("mode"), before);
    assert!(!Path::new("/dev/null-journal").exists());
    let err = prepare_sqlite(null).expect_err("refused");
    assert_eq!(
        err.to_string(),
        "not a regular file (a character device); give a path to a file"
    );
}

#[test]
fn only_a_sqlite_database_or_an_empty_file_is_taken_for_the_database() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let text = tmp.path().join("notes.txt");
    std::fs::write(&text, "my notes\n").expect("write");
    chmod(&text, 0o644);
    assert_eq!(refused(prepare_sqlite(&text)), Refusal::NotSqlite);
    // Refused before anything changed: mode and content as they were.
    assert_eq!(mode(&text).expect("mode"), 0o644);
    assert_eq!(std::fs::read_to_string(&text).expect("read"), "my notes\n");

    let empty = tmp.path().join("empty.db");
    std::fs::write(&empty, "").expect("write");
    chmod(&empty, 0o644);
    prepare_sqlite(&empty).expect("an empty file of ours");
    assert_eq!(mode(&empty).expect("mode"), 0o600);

    let db = tmp.path().join("real.db");
    let mut bytes = SQLITE_HEADER.to_vec();
    bytes.extend_from_slice(&[0; 84]);
    std::fs::write(&db, &bytes).expect("write");
    chmod(&db, 0o644);
    let wal = tmp.path().join("real.db-wal");
    std::fs::write(&wal, "").expect("write");
    chmod(&wal, 0o644);
    prepare_sqlite(&db).expect("a database");
    assert_eq!(mode(&db).expect("mode"), 0o600);
    assert_eq!(mode(&wal).expect("mode"), 0o600);

    let fresh = tmp.path().join("new/dir/sandbox.db");
    prepare_sqlite(&fresh).expect("created");
    assert_eq!(mode(&fresh).expect("mode"), 0o600);
    assert_eq!(mode(fresh.parent().expect("dir")).expect("mode"), 0o700);
}

#[test]
fn a_symlinked_companion_is_refused_by_its_own_name() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("sandbox.db");
    prepare_sqlite(&db).expect("created");
    let elsewhere = tmp.path().join("elsewhere");
    std::os::unix::fs::symlink(&elsewhere, tmp.path().join("sandbox.db-journal")).expect("ln");
    let err = prepare_sqlite(&db).expect_err("refused");
    let refused = refusal(&err).expect("a refusal");
    assert_eq!(refused.why, Refusal::Symlink);
    assert!(err
        .to_string()
        .contains("sandbox.db-journal beside it is a symbolic link"));
    assert!(!elsewhere.exists());
}

#[test]
fn a_file_of_another_user_is_neither_written_nor_re_moded() {
    // SAFETY: no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return; // only root can give a file away
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("theirs");
    std::fs::write(&file, "theirs\n").expect("write");
    chmod(&file, 0o644);
    std::os::unix::fs::chown(&file, Some(65534), Some(65534)).expect("chown");
    assert_eq!(refused(open_append(&file)), Refusal::NotOwned);
    assert_eq!(refused(prepare_sqlite(&file)), Refusal::NotOwned);
    assert_eq!(mode(&file).expect("mode"), 0o644);
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "theirs\n");
}

#[test]
fn a_secret_is_made_once_kept_private_and_read_back() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("dir/sandbox.db.key");
    assert_eq!(
        read_or_create_secret(&path, "first").expect("made"),
        "first"
    );
    assert_eq!(mode(&path).expect("mode"), 0o600);
    assert_eq!(
        read_or_create_secret(&path, "second").expect("read"),
        "first"
    );
    assert_eq!(
        std::fs::read_dir(path.parent().expect("dir"))
            .expect("ls")
            .count(),
        1
    );
    chmod(&path, 0o644);
    assert_eq!(
        read_or_create_secret(&path, "third").expect("read"),
        "first"
    );
    assert_eq!(mode(&path).expect("mode"), 0o600, "narrowed");

    let link = tmp.path().join("link.key");
    std::os::unix::fs::symlink(&path, &link).expect("symlink");
    assert_eq!(refused(read_or_create_secret(&link, "x")), Refusal::Symlink);
    let empty = tmp.path().join("empty.key");
    std::fs::write(&empty, "\n").expect("write");
    let err = read_or_create_secret(&empty, "x").expect_err("empty");
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
}
