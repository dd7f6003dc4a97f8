//! Paths linq-hooks writes to (issue 15, item 1): a device, FIFO, symlink, directory or
//! foreign file given as the sandbox database, or found where the audit trail goes, is
//! refused in one line (exit 2 for a flag) and left exactly as it was.
#![cfg(unix)]

mod cli_support;
mod sandbox_support;

use cli_support::{Cli, Run};
use linq_hooks::private_files::mode;
use sandbox_support::{Sandbox, KEY};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn fifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
}

/// A run that must end by itself: a FIFO opened the old way blocks forever, so a hang is
/// turned into a failure (a guard, not a speed check).
async fn finishing(cli: &Cli, args: &[&str]) -> Run {
    tokio::time::timeout(Duration::from_secs(120), cli.run(args))
        .await
        .unwrap_or_else(|_| panic!("linq-hooks {args:?} hung"))
}

fn one_line(run: &Run, expected: &str) {
    assert_eq!(run.stderr_lines().len(), 1, "{run:#?}");
    assert!(run.stderr.contains(expected), "{run:#?}");
    assert!(!run.stderr.contains("Caused by"), "{run:#?}");
}

#[tokio::test]
async fn a_device_as_the_sandbox_database_is_refused_and_keeps_its_mode() {
    let before = mode(Path::new("/dev/null")).expect("mode");
    let cli = Cli::bare();
    let run = finishing(&cli, &["list", "--sandbox", "--sandbox-db", "/dev/null"])
        .await
        .expect(2);
    one_line(
        &run,
        "--sandbox-db /dev/null: not a regular file (a character device); give a path to a file",
    );
    assert_eq!(mode(Path::new("/dev/null")).expect("mode"), before);
    assert!(!Path::new("/dev/null-journal").exists());
}

#[tokio::test]
async fn a_symlink_or_a_text_file_as_the_database_is_left_untouched() {
    let cli = Cli::bare();
    let dir = cli.home.path();
    let notes = dir.join("notes.txt");
    std::fs::write(&notes, "my notes\n").expect("write");
    chmod(&notes, 0o644);
    let notes_arg = notes.to_str().expect("utf-8");
    let run = finishing(&cli, &["list", "--sandbox", "--sandbox-db", notes_arg])
        .await
        .expect(2);
    one_line(&run, "not a SQLite database");
    assert_eq!(mode(&notes).expect("mode"), 0o644, "not narrowed first");

    let target = dir.join("elsewhere/target.db");
    let link = dir.join("link.db");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    let link_arg = link.to_str().expect("utf-8");
    let run = finishing(&cli, &["list", "--sandbox", "--sandbox-db", link_arg])
        .await
        .expect(2);
    one_line(&run, "a symbolic link, not followed");
    assert!(!target.exists(), "the symlink's target is not created");
}

#[tokio::test]
async fn sandbox_db_refusals_are_one_line_and_exit_2() {
    let cli = Cli::bare();
    let pipe = cli.home.path().join("pipe.db");
    fifo(&pipe);
    let pipe_arg = pipe.to_str().expect("utf-8");
    let mut cmd = cli.command();
    cmd.env("RUST_BACKTRACE", "1")
        .args(["sandbox", "--listen", "127.0.0.1:0", "--db", pipe_arg]);
    let run = tokio::time::timeout(Duration::from_secs(120), cli_support::output(cmd))
        .await
        .expect("refused, not blocked on the FIFO")
        .expect(2);
    one_line(
        &run,
        &format!("--db {pipe_arg}: not a regular file (a FIFO)"),
    );
    assert!(!run.stderr.contains("backtrace"), "{run:#?}");
}

#[tokio::test]
async fn an_audit_trail_that_is_a_symlink_or_a_fifo_is_refused() {
    let sandbox = Sandbox::start(&[KEY], false).await;
    let cli = Cli::new(&sandbox.base, KEY);
    let state = cli.home.path().join("state/linq-hooks");
    std::fs::create_dir_all(&state).expect("state dir");
    let victim = cli.home.path().join("victim.txt");
    std::fs::write(&victim, "mine\n").expect("write");
    std::os::unix::fs::symlink(&victim, state.join("audit.jsonl")).expect("symlink");

    let run = finishing(
        &cli,
        &[
            "create",
            "--url",
            "https://hooks.example.com/linked",
            "--event",
            "message.sent",
        ],
    )
    .await
    .expect(0);
    assert!(
        run.stderr.contains("not recorded in the audit trail")
            && run.stderr.contains("a symbolic link, not followed"),
        "{run:#?}"
    );
    assert_eq!(std::fs::read_to_string(&victim).expect("read"), "mine\n");
    let run = finishing(&cli, &["history"]).await;
    assert_ne!(run.code, 0, "{run:#?}");
    assert!(run.stderr.contains("a symbolic link"), "{run:#?}");

    std::fs::remove_file(state.join("audit.jsonl")).expect("unlink");
    fifo(&state.join("audit.jsonl"));
    let run = finishing(&cli, &["history"]).await;
    assert_ne!(run.code, 0, "{run:#?}");
    assert!(run.stderr.contains("a FIFO"), "{run:#?}");
    let run = finishing(
        &cli,
        &[
            "create",
            "--url",
            "https://hooks.example.com/piped",
            "--event",
            "message.sent",
        ],
    )
    .await
    .expect(0);
    assert!(run.stderr.contains("a FIFO"), "{run:#?}");
}

#[tokio::test]
async fn an_existing_readable_audit_trail_is_narrowed_to_the_owner() {
    let sandbox = Sandbox::start(&[KEY], false).await;
    let cli = Cli::new(&sandbox.base, KEY);
    let state = cli.home.path().join("state/linq-hooks");
    std::fs::create_dir_all(&state).expect("state dir");
    let trail = state.join("audit.jsonl");
    std::fs::write(&trail, "").expect("write");
    chmod(&trail, 0o644);
    finishing(
        &cli,
        &[
            "create",
            "--url",
            "https://hooks.example.com/narrow",
            "--event",
            "message.sent",
        ],
    )
    .await
    .expect(0);
    assert_eq!(mode(&trail).expect("mode"), 0o600);
    assert!(std::fs::read_to_string(&trail)
        .expect("read")
        .contains("hooks.example.com/narrow"));
}
