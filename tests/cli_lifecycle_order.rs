//! `apply` when URLs move between subscriptions, against the sandbox (which refuses a
//! second subscription on a URL, as Linq does): a chain of moves is made in the order that
//! frees each URL before it is taken; a create on a URL an update frees waits for it; a
//! swap is refused before any request (the rest still applies), and the two-step path the
//! refusal suggests works.

mod cli_support;
mod sandbox_support;

use cli_support::Cli;
use sandbox_support::{Sandbox, KEY};
use serde_json::json;
use std::path::{Path, PathBuf};

fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

async fn create(sandbox: &Sandbox, url: &str) -> String {
    let created = sandbox
        .create(&json!({"target_url": url, "subscribed_events": ["message.sent"]}))
        .await;
    created["id"].as_str().unwrap().to_string()
}

/// A subscriptions file of (id, url, events) entries.
fn write_file(cli: &Cli, name: &str, entries: &[(Option<&str>, &str, &str)]) -> PathBuf {
    let mut text = String::new();
    for (id, url, event) in entries {
        text.push_str("[[subscriptions]]\n");
        if let Some(id) = id {
            text.push_str(&format!("id = \"{id}\"\n"));
        }
        text.push_str(&format!(
            "target_url = \"{url}\"\nsubscribed_events = [\"{event}\"]\n\n"
        ));
    }
    let path = cli.home.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// id → target URL of every subscription.
async fn urls_by_id(sandbox: &Sandbox) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = sandbox
        .list()
        .await
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap().to_string(),
                s["target_url"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn sorted(mut pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    pairs.sort();
    pairs
}

#[tokio::test]
async fn a_chain_of_url_moves_is_applied_in_the_order_that_frees_each_url() {
    let sandbox = Sandbox::empty().await;
    let a = create(&sandbox, "https://a.example/h").await;
    let b = create(&sandbox, "https://b.example/h").await;
    let c = create(&sandbox, "https://c.example/h").await;
    let cli = Cli::new(&sandbox.base, KEY);
    // A takes B's URL (another spelling of it), B takes C's, C moves to a new one: listed
    // in the worst order, so sending them as listed would be refused twice.
    let file = write_file(
        &cli,
        "chain.toml",
        &[
            (Some(&a), "HTTPS://B.example:443/h", "message.sent"),
            (Some(&b), "https://c.example/h", "message.sent"),
            (Some(&c), "https://new.example/h", "message.sent"),
        ],
    );
    let plan = cli.run(&["plan", path_str(&file)]).await.expect(0);
    assert!(
        plan.stdout.contains(&format!("after: {b} frees this URL")),
        "{}",
        plan.stdout
    );
    assert!(plan.stdout.contains(&format!("after: {c} frees this URL")));
    let json = cli
        .run(&["plan", path_str(&file), "--json"])
        .await
        .expect(0)
        .json();
    assert_eq!(json["changes"][0]["after"], b.as_str());
    assert_eq!(json["changes"][2].get("after"), None);

    let run = cli
        .run(&["apply", path_str(&file), "--yes"])
        .await
        .expect(0);
    assert!(
        run.stdout.contains("Applied 3 of 3 changes; 0 failed."),
        "{}",
        run.stdout
    );
    assert_eq!(
        urls_by_id(&sandbox).await,
        sorted(vec![
            (a.clone(), "HTTPS://B.example:443/h".into()),
            (b.clone(), "https://c.example/h".into()),
            (c.clone(), "https://new.example/h".into()),
        ]),
        "the same ids, each at its new URL (as the file spells it)"
    );
    let again = cli.run(&["plan", path_str(&file)]).await.expect(0);
    assert!(again.stdout.starts_with("No changes"), "{}", again.stdout);
}

#[tokio::test]
async fn a_create_on_the_url_an_update_frees_comes_after_the_update() {
    let sandbox = Sandbox::empty().await;
    let a = create(&sandbox, "https://old.example/h").await;
    let cli = Cli::new(&sandbox.base, KEY);
    // The create is listed first; it must still wait for A to leave the URL.
    let file = write_file(
        &cli,
        "free.toml",
        &[
            (None, "https://old.example/h", "message.received"),
            (Some(&a), "https://new.example/h", "message.sent"),
        ],
    );
    let secrets = cli.home.path().join("secrets");
    let run = cli
        .run(&[
            "apply",
            path_str(&file),
            "--yes",
            "--secret-dir",
            path_str(&secrets),
        ])
        .await
        .expect(0);
    assert!(run.stdout.contains(&format!("after: {a} frees this URL")));
    assert!(
        run.stdout.contains("Applied 2 of 2 changes; 0 failed."),
        "{}",
        run.stdout
    );
    let subs = sandbox.list().await;
    assert_eq!(subs.len(), 2);
    let moved = subs.iter().find(|s| s["id"] == a.as_str()).expect("A kept");
    assert_eq!(moved["target_url"], "https://new.example/h");
    let new = subs.iter().find(|s| s["id"] != a.as_str()).expect("new");
    assert_eq!(new["target_url"], "https://old.example/h");
    assert_eq!(new["subscribed_events"], json!(["message.received"]));
    let id = new["id"].as_str().unwrap();
    assert!(secrets.join(format!("{id}.whsec")).exists());
}

#[tokio::test]
async fn a_swap_is_refused_before_any_request_and_the_rest_still_applies() {
    let sandbox = Sandbox::empty().await;
    let a = create(&sandbox, "https://a.example/h").await;
    let b = create(&sandbox, "https://b.example/h").await;
    let d = create(&sandbox, "https://d.example/h").await;
    let before = urls_by_id(&sandbox).await;
    let cli = Cli::new(&sandbox.base, KEY);

    // Only the swap: nothing can be sent, usage exit before any request.
    let swap_only = write_file(
        &cli,
        "swap.toml",
        &[
            (Some(&a), "https://b.example/h", "message.sent"),
            (Some(&b), "https://a.example/h", "message.sent"),
            (Some(&d), "https://d.example/h", "message.sent"),
        ],
    );
    let plan = cli.run(&["plan", path_str(&swap_only)]).await.expect(0);
    assert!(
        plan.stdout.contains(&format!(
            "~ update  {a}  https://b.example/h  !! swaps URL with {b}: cannot be applied in one step"
        )),
        "{}",
        plan.stdout
    );
    assert!(plan
        .stdout
        .contains("2 of these cannot be applied (marked !! above)"));
    let json = cli
        .run(&["plan", path_str(&swap_only), "--json"])
        .await
        .expect(0)
        .json();
    assert_eq!(
        json["changes"][1]["cannot_apply"],
        format!("swaps URL with {a}: cannot be applied in one step")
    );
    let refused = cli
        .run(&["apply", path_str(&swap_only), "--yes"])
        .await
        .expect(2);
    assert!(
        refused.stderr.contains("nothing was sent"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("temporary URL"),
        "{}",
        refused.stderr
    );
    assert_eq!(urls_by_id(&sandbox).await, before);
    assert!(cli.audit_lines().is_empty(), "no request, nothing audited");

    // With an independent change: the swap is left out, D is updated, exit 1.
    let mixed = write_file(
        &cli,
        "mixed.toml",
        &[
            (Some(&a), "https://b.example/h", "message.sent"),
            (Some(&b), "https://a.example/h", "message.sent"),
            (Some(&d), "https://d.example/h", "message.received"),
        ],
    );
    let run = cli
        .run(&["apply", path_str(&mixed), "--yes"])
        .await
        .expect(1);
    assert!(
        run.stdout.contains(&format!(
            "NOT SENT update {a}  https://b.example/h: swaps URL with {b}"
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("Applied 1 of 3 changes; 0 failed; 2 not sent."),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("2 changes not sent"), "{}", run.stderr);
    assert_eq!(urls_by_id(&sandbox).await, before, "A and B untouched");
    let subs = sandbox.list().await;
    let d_now = subs.iter().find(|s| s["id"] == d.as_str()).unwrap();
    assert_eq!(d_now["subscribed_events"], json!(["message.received"]));
    let audit = cli.audit_lines();
    assert_eq!(audit.len(), 1, "only D's update was sent: {audit:?}");
    assert_eq!(audit[0]["subscription_id"], d.as_str());

    // The suggested path: A to a temporary URL, then the final URLs.
    let step1 = write_file(
        &cli,
        "step1.toml",
        &[
            (Some(&a), "https://tmp.example/h", "message.sent"),
            (Some(&b), "https://b.example/h", "message.sent"),
            (Some(&d), "https://d.example/h", "message.received"),
        ],
    );
    cli.run(&["apply", path_str(&step1), "--yes"])
        .await
        .expect(0);
    let done = cli
        .run(&["apply", path_str(&mixed), "--yes"])
        .await
        .expect(0);
    assert!(
        done.stdout.contains("Applied 2 of 2 changes; 0 failed."),
        "{}",
        done.stdout
    );
    let now = urls_by_id(&sandbox).await;
    assert!(
        now.contains(&(a.clone(), "https://b.example/h".into())),
        "{now:?}"
    );
    assert!(
        now.contains(&(b.clone(), "https://a.example/h".into())),
        "{now:?}"
    );
}
