//! The sandbox database holds signing secrets: its directory and files are owner-only.
#![cfg(unix)]

use linq_hooks::private_files::mode;
use linq_hooks::sandbox;
use serde_json::json;
use std::path::Path;

const KEY: &str = "test-key";

fn with_suffix(db: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

#[tokio::test]
async fn database_directory_and_files_are_owner_only() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // Neither directory exists yet: both are created for the store.
    let data = tmp.path().join("data");
    let dir = data.join("sandbox");
    let db = dir.join("sandbox.db");
    let (base, handle) = sandbox::spawn(
        "127.0.0.1:0".parse().expect("addr"),
        db.clone(),
        vec![KEY.into()],
        false,
    )
    .await
    .expect("sandbox starts");

    // A write, so the WAL holds a signing secret.
    let created = reqwest::Client::new()
        .post(format!("{base}/v3/webhook-subscriptions"))
        .bearer_auth(KEY)
        .json(&json!({
            "target_url": "https://hooks.example.com/private",
            "subscribed_events": ["message.sent"],
        }))
        .send()
        .await
        .expect("create");
    assert_eq!(created.status().as_u16(), 201);

    assert_eq!(mode(&data).expect("data dir"), 0o700, "{}", data.display());
    assert_eq!(mode(&dir).expect("db dir"), 0o700, "{}", dir.display());
    assert_eq!(mode(&db).expect("db"), 0o600);
    let wal = with_suffix(&db, "-wal");
    let shm = with_suffix(&db, "-shm");
    assert_eq!(mode(&wal).expect("the WAL exists after a write"), 0o600);
    assert_eq!(mode(&shm).expect("the shared-memory file exists"), 0o600);

    handle.shutdown().await.expect("clean shutdown");
}
