//! Loop tests of the create/edit form: the real runtime with scripted keys against the
//! in-process sandbox. What counts is what the server ends up with and what the screen shows.
//!
//! The sandbox keeps each subscription's signing secret server-side and has no API to read
//! it back; these tests read it from the sandbox's SQLite file (column
//! `subscriptions.signing_secret`) to compare with what reached the clipboard.

mod support;

use base64::Engine as _;
use crossterm::event::{KeyCode, KeyModifiers};
use linq_hooks::api::{NewSubscription, SubscriptionPatch};
use linq_hooks::app::forms::FormField;
use linq_hooks::app::App;
use linq_hooks::sandbox::SandboxHandle;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use support::{client, eventually, fresh_sandbox, Dashboard};
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const KEY: &str = "forms-key";

struct Sandbox {
    dir: TempDir,
    base: String,
    handle: SandboxHandle,
    ids: Vec<String>,
}

impl Sandbox {
    fn db(&self) -> PathBuf {
        self.dir.path().join("sandbox.db")
    }
}

async fn sandbox_with(subs: Vec<NewSubscription>) -> Sandbox {
    let (dir, base, handle) = fresh_sandbox(KEY, false).await;
    let c = client(&base, KEY);
    let mut ids = Vec::new();
    for new in subs {
        ids.push(c.create(&new).await.unwrap().subscription.id.clone());
        // Distinct created_at, so the list order is the creation order.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Sandbox {
        dir,
        base,
        handle,
        ids,
    }
}

fn new_sub(url: &str) -> NewSubscription {
    NewSubscription {
        target_url: url.into(),
        subscribed_events: vec!["message.sent".into(), "message.received".into()],
        ..Default::default()
    }
}

/// The secret the sandbox stored for `url`, read straight from its database file.
fn stored_secret(db: &Path, url: &str) -> String {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open the sandbox database read-only");
    conn.query_row(
        "SELECT signing_secret FROM subscriptions WHERE target_url = ?1",
        [url],
        |row| row.get(0),
    )
    .expect("the sandbox stored a secret for the URL")
}

fn ctrl(ui: &Dashboard, c: char) {
    ui.key_with(KeyCode::Char(c), KeyModifiers::CONTROL);
}

/// Ctrl-C (quits from anywhere, also from a form, where `q` types) and the final state.
async fn force_quit(ui: Dashboard) -> App {
    ctrl(&ui, 'c');
    tokio::time::timeout(Duration::from_secs(10), ui.task)
        .await
        .expect("dashboard quits")
        .expect("task")
        .expect("runtime")
}

const MASK: &str = "whsec_••••••••••••••••••••••••••••••••";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_shows_the_secret_masked_and_c_copies_exactly_the_servers_secret() {
    let sb = sandbox_with(vec![new_sub("https://a.example/hook")]).await;
    let api = client(&sb.base, KEY);
    let ui = Dashboard::start(client(&sb.base, KEY), true);
    ui.wait_for("a.example/hook").await;

    let url = "https://created.example/hook?version=2026-02-03";
    ui.key(KeyCode::Char('n'));
    ui.wait_for("New subscription").await;
    ui.type_text("https://created.example/hook");
    ctrl(&ui, 'p');
    ui.key(KeyCode::Tab);
    // Space on the `message.*` header: the whole group.
    ui.key(KeyCode::Char(' '));
    ui.wait_for("6/75 selected").await;
    ctrl(&ui, 's');

    let screen = ui.wait_for("signing secret, shown once").await;
    let secret = stored_secret(&sb.db(), url);
    assert!(screen.contains(MASK), "masked:\n{screen}");
    assert!(!screen.contains(&secret), "unmasked before v:\n{screen}");
    assert!(screen.contains(url), "names the URL:\n{screen}");

    // The secret has the documented shape: whsec_ + base64 of 32 bytes.
    let key = secret.strip_prefix("whsec_").expect("whsec_ prefix");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(key)
        .expect("base64");
    assert_eq!(bytes.len(), 32);

    // Esc does not close it.
    ui.key(KeyCode::Esc);
    let screen = ui.wait_for("Esc and q do not close this").await;
    assert!(!screen.contains(&secret));

    ui.key(KeyCode::Char('c'));
    let screen = ui.wait_for("Copied to the system clipboard").await;
    assert!(
        !screen.contains(&secret),
        "copying does not reveal:\n{screen}"
    );
    assert_eq!(*ui.copies.lock().unwrap(), vec![secret.clone()]);

    // Copied, so Enter closes without a second question.
    ui.key(KeyCode::Enter);
    let screen = ui
        .wait_until(|s| !s.contains("shown once"), "the dialog to close")
        .await;
    assert!(screen.contains("created.example/hook"), "{screen}");
    assert!(!screen.contains(&secret));

    let app = ui.quit().await;
    assert!(app.secret_dialog.is_none());
    assert!(!format!("{app:?}").contains(&secret));
    let on_server = api.list().await.unwrap();
    let created = on_server
        .iter()
        .find(|s| s.target_url == url)
        .expect("created on the server");
    assert_eq!(
        created.subscribed_events,
        [
            "message.sent",
            "message.received",
            "message.read",
            "message.delivered",
            "message.failed",
            "message.edited"
        ]
    );
    assert_eq!(created.phone_numbers, None);
    assert_eq!(app.selected.as_deref(), Some(created.id.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editing_events_changes_only_the_events_on_the_server() {
    let sb = sandbox_with(vec![
        NewSubscription {
            target_url: "https://edit.example/hook?version=2026-02-03".into(),
            subscribed_events: vec!["message.sent".into(), "message.received".into()],
            phone_numbers: Some(vec!["+12025550142".into(), "+14155550163".into()]),
            routing_key_header: Some("X-Route-Token".into()),
            routing_id_header: Some("X-Chat".into()),
        },
        new_sub("https://other.example/hook"),
    ])
    .await;
    let api = client(&sb.base, KEY);
    // A paused subscription: `is_active` must survive the edit too.
    api.update(&sb.ids[0], &SubscriptionPatch::pause(false))
        .await
        .unwrap();
    let before = api.get(&sb.ids[0]).await.unwrap();
    let other_before = api.get(&sb.ids[1]).await.unwrap();

    let ui = Dashboard::start(client(&sb.base, KEY), true);
    ui.wait_for("other.example/hook").await;
    ui.key(KeyCode::Char('e'));
    ui.wait_for(&format!("Edit {}", sb.ids[0])).await;
    ui.key(KeyCode::Tab);
    for _ in 0..3 {
        ui.key(KeyCode::Char('j'));
    }
    ui.key(KeyCode::Char(' '));
    ctrl(&ui, 's');
    let screen = ui.wait_for("Save these changes?").await;
    assert!(screen.contains("+ message.read"), "{screen}");
    ui.key(KeyCode::Char('y'));
    ui.wait_for("Saved https://edit.example/hook?version=2026-02-03: + message.read")
        .await;

    let after = api.get(&sb.ids[0]).await.unwrap();
    assert_eq!(
        after.subscribed_events,
        ["message.sent", "message.received", "message.read"]
    );
    assert_eq!(after.target_url, before.target_url);
    assert_eq!(after.phone_numbers, before.phone_numbers);
    assert_eq!(after.is_active, before.is_active);
    assert!(!after.is_active);
    assert_eq!(after.routing_key_header, before.routing_key_header);
    assert_eq!(after.routing_id_header, before.routing_id_header);
    assert_eq!(after.routing_id_header.as_deref(), Some("X-Chat"));
    assert_eq!(after.created_at, before.created_at);
    assert!(after.updated_at > before.updated_at);
    assert_eq!(api.get(&sb.ids[1]).await.unwrap(), other_before);

    let app = ui.quit().await;
    assert!(app.form.is_none());
    assert_eq!(
        app.subscriptions.iter().find(|s| s.id == sb.ids[0]),
        Some(&after)
    );
    drop(sb.handle);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_409_on_edit_keeps_the_form_open_with_the_draft_and_the_error() {
    let sb = sandbox_with(vec![
        new_sub("https://first.example/hook"),
        new_sub("https://second.example/hook"),
    ])
    .await;
    let api = client(&sb.base, KEY);
    let before = api.get(&sb.ids[0]).await.unwrap();
    let ui = Dashboard::start(client(&sb.base, KEY), true);
    ui.wait_for("second.example/hook").await;

    let taken = "https://taken-meanwhile.example/hook";
    ui.key(KeyCode::Char('e'));
    ui.wait_for(&format!("Edit {}", sb.ids[0])).await;
    ctrl(&ui, 'u');
    ui.type_text(taken);
    ui.key(KeyCode::Tab);
    ui.wait_for(taken).await;
    // Someone else takes the URL; the dashboard's list does not know.
    api.create(&new_sub(taken)).await.unwrap();

    ctrl(&ui, 's');
    let screen = ui.wait_for("Save these changes?").await;
    assert!(
        screen.contains(&format!("url: https://first.example/hook → {taken}")),
        "{screen}"
    );
    ui.key(KeyCode::Char('y'));
    let screen = ui.wait_for("Save refused").await;
    assert!(screen.contains("409"), "{screen}");
    assert!(screen.contains("2015"), "{screen}");
    // (The trace id is in the state, checked below; on screen the status row cuts it off
    // at 100 columns — see form_snapshots' ignored trace-id test.)
    assert!(screen.contains(&format!("Edit {}", sb.ids[0])), "{screen}");
    assert!(screen.contains(taken), "the draft is intact:\n{screen}");

    let app = force_quit(ui).await;
    let form = app.form.expect("the form is still open");
    assert_eq!(form.url.value(), taken);
    assert_eq!(form.field, FormField::Url);
    assert_eq!(form.saving, None);
    let err = form.server_error.expect("the error");
    assert!(
        err.text.starts_with("Save refused: HTTP 409 · code 2015"),
        "{err:?}"
    );
    assert_eq!(err.trace_id.as_ref().map(String::len), Some(32));
    // Nothing changed on the server.
    assert_eq!(api.get(&sb.ids[0]).await.unwrap(), before);
}

/// A TCP proxy in front of the sandbox that forwards everything, except that the first POST
/// is forwarded and then its connection is closed without the answer: the server creates the
/// subscription, the client never learns it did.
async fn answer_dropping_proxy(upstream: SocketAddr) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let dropped = Arc::new(AtomicUsize::new(0));
    let armed = Arc::new(AtomicBool::new(true));
    let counter = dropped.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let (counter, armed) = (counter.clone(), armed.clone());
            tokio::spawn(async move {
                let _ = relay(client, upstream, counter, armed).await;
            });
        }
    });
    (format!("http://{addr}/api/partner"), dropped)
}

async fn relay(
    mut client: TcpStream,
    upstream: SocketAddr,
    dropped: Arc<AtomicUsize>,
    armed: Arc<AtomicBool>,
) -> std::io::Result<()> {
    let mut server = TcpStream::connect(upstream).await?;
    let (mut client_in, mut client_out) = client.split();
    let (mut server_in, mut server_out) = server.split();
    let mut swallow_answer = false;
    let mut up = vec![0u8; 64 * 1024];
    let mut down = vec![0u8; 64 * 1024];
    loop {
        tokio::select! {
            n = client_in.read(&mut up) => {
                let n = n?;
                if n == 0 {
                    return Ok(());
                }
                // HTTP/1.1 without pipelining: a chunk that starts a request starts with
                // its method.
                if up[..n].starts_with(b"POST ") && armed.swap(false, Ordering::SeqCst) {
                    swallow_answer = true;
                }
                server_out.write_all(&up[..n]).await?;
            }
            n = server_in.read(&mut down) => {
                let n = n?;
                if n == 0 {
                    return Ok(());
                }
                if swallow_answer {
                    // The server has answered, so it has acted: hang up on the client.
                    dropped.fetch_add(1, Ordering::SeqCst);
                    return Ok(());
                }
                client_out.write_all(&down[..n]).await?;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_whose_answer_is_lost_offers_to_delete_it_and_y_does() {
    let sb = sandbox_with(vec![new_sub("https://present.example/hook")]).await;
    let api = client(&sb.base, KEY);
    let (proxy_base, dropped) = answer_dropping_proxy(sb.handle.local_addr()).await;
    let ui = Dashboard::start(client(&proxy_base, KEY), true);
    ui.wait_for("present.example/hook").await;

    let url = "https://lost.example/hook";
    ui.key(KeyCode::Char('n'));
    ui.wait_for("New subscription").await;
    ui.type_text(url);
    ui.key(KeyCode::Tab);
    ui.key(KeyCode::Char(' '));
    ui.wait_for("6/75 selected").await;
    ctrl(&ui, 's');

    let screen = ui.wait_for("its answer was lost").await;
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
    assert!(screen.contains(url), "the prompt names the URL:\n{screen}");
    let lost = api
        .list()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.target_url == url)
        .expect("the create did happen on the server");
    assert!(screen.contains(&lost.id), "and the id:\n{screen}");
    assert!(!screen.contains("whsec_"), "{screen}");

    ui.key(KeyCode::Char('y'));
    ui.wait_for(&format!("Deleted {url}")).await;
    eventually("the server to have deleted it", || async {
        api.list()
            .await
            .unwrap()
            .iter()
            .all(|s| s.target_url != url)
    })
    .await;

    let app = force_quit(ui).await;
    assert_eq!(app.lost_create, None);
    assert!(app.secret_dialog.is_none());
    let form = app.form.expect("the draft stays for a second try");
    assert_eq!(form.url.value(), url);
    assert_eq!(api.list().await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clearing_the_phone_filter_reaches_the_server_as_every_line() {
    let sb = sandbox_with(vec![NewSubscription {
        target_url: "https://phones.example/hook".into(),
        subscribed_events: vec!["message.sent".into()],
        phone_numbers: Some(vec!["+12025550142".into()]),
        ..Default::default()
    }])
    .await;
    let api = client(&sb.base, KEY);
    let before = api.get(&sb.ids[0]).await.unwrap();
    let ui = Dashboard::start(client(&sb.base, KEY), true);
    ui.wait_for("phones.example/hook").await;
    ui.key(KeyCode::Char('e'));
    ui.wait_for("Edit ").await;
    ui.key(KeyCode::Tab);
    ui.key(KeyCode::Tab);
    ui.key(KeyCode::Char('d'));
    ctrl(&ui, 's');
    let screen = ui.wait_for("Save these changes?").await;
    assert!(screen.contains("phones: 1 line → every line"), "{screen}");
    ui.key(KeyCode::Enter);
    ui.wait_for("Saved https://phones.example/hook").await;
    let after = api.get(&sb.ids[0]).await.unwrap();
    assert_eq!(after.phone_numbers, None);
    assert_eq!(after.subscribed_events, before.subscribed_events);
    ui.quit().await;
}
