//! `probe ID`, `probe --all` and `doctor --probe` against a sandbox account whose
//! subscriptions point at HTTPS endpoints this test starts on 127.0.0.1 (a valid certificate
//! under the test CA, an expired one, a paused subscription on a closed port).

mod cli_support;
mod probe_support;
mod sandbox_support;

use cli_support::{closed_port, Cli};
use linq_hooks::signature;
use probe_support::{Pki, Reply};
use sandbox_support::{Sandbox, KEY};
use serde_json::{json, Value};

fn codes(findings: &Value) -> Vec<String> {
    findings
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["code"].as_str().expect("code").to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_are_probed_by_id_all_and_doctor() {
    let pki = Pki::new();
    let good = probe_support::https(pki.leaf(&["127.0.0.1"], 90), |_| Reply::status(202)).await;
    let stale = probe_support::https(pki.leaf(&["127.0.0.1"], -1), |_| Reply::status(200)).await;
    let sandbox = Sandbox::empty().await;
    let a = sandbox
        .create(&json!({
            "target_url": good.url("https", "/a?version=2026-02-03"),
            "subscribed_events": ["message.sent", "message.read"],
        }))
        .await;
    let b = sandbox
        .create(&json!({
            "target_url": stale.url("https", "/b?version=2026-02-03"),
            "subscribed_events": ["message.received"],
        }))
        .await;
    let c = sandbox
        .create(&json!({
            "target_url": format!("https://127.0.0.1:{}/c?version=2026-02-03", closed_port()),
            "subscribed_events": ["message.received"],
        }))
        .await;
    let c_id = c["id"].as_str().expect("id");
    let paused = sandbox
        .put(
            &format!("webhook-subscriptions/{c_id}"),
            &json!({"is_active": false}),
        )
        .await;
    assert_eq!(paused.status, 200, "{}", paused.body);
    let (a_id, b_id) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());

    let cli = Cli::new(&sandbox.base, KEY);
    let ca = pki.ca_file(cli.home.path());
    let ca = ca.to_str().expect("path");

    // By id: the subscription's URL.
    let run = cli
        .run(&["probe", a_id, "--ca-file", ca, "--json"])
        .await
        .expect(1);
    let one = run.json();
    assert_eq!(one["id"], a_id);
    assert_eq!(codes(&one["findings"]), ["dns-private-only"]);

    // By id with --send: its secret, its id, an event it subscribes to.
    let secret = a["signing_secret"].as_str().expect("secret").to_string();
    let mut cmd = cli.command();
    cmd.env("A_SECRET", &secret).args([
        "probe",
        a_id,
        "--ca-file",
        ca,
        "--json",
        "--send",
        "--secret-env",
        "A_SECRET",
    ]);
    let run = cli_support::output(cmd).await.expect(1);
    assert!(!run.stdout.contains(&secret) && !run.stderr.contains(&secret));
    assert_eq!(codes(&run.json()["findings"]), ["dns-private-only"]);
    let requests = good.requests();
    let post = requests.iter().find(|r| r.method == "POST").expect("POST");
    assert_eq!(post.header("x-webhook-subscription-id"), Some(a_id));
    assert_eq!(post.header("x-webhook-event"), Some("message.sent"));
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let report = signature::verify(&secret, &post.headers, &post.body, now, 300);
    assert!(report.verdicts().iter().all(|(_, v)| v.is_valid()));

    // --all: the active ones, in list order, one JSON object per line.
    let run = cli
        .run(&[
            "probe",
            "--all",
            "--ca-file",
            ca,
            "--json",
            "--concurrency",
            "2",
        ])
        .await
        .expect(1);
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let ids: Vec<&str> = lines.iter().map(|l| l["id"].as_str().unwrap()).collect();
    let mut expected = vec![a_id, b_id];
    let listed: Vec<String> = sandbox
        .list()
        .await
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    expected.sort_by_key(|id| listed.iter().position(|l| l == id));
    assert_eq!(ids, expected);
    let stale_line = lines.iter().find(|l| l["id"] == b_id).unwrap();
    assert_eq!(
        codes(&stale_line["findings"]),
        ["dns-private-only", "tls-expired"]
    );

    // doctor --probe: the probe's findings join the configuration ones.
    let run = cli
        .run(&["doctor", "--all", "--probe", "--ca-file", ca, "--json"])
        .await
        .expect(1);
    let doctor = run.json();
    let subs = doctor["subscriptions"].as_array().expect("subscriptions");
    let of = |id: &str| codes(&subs.iter().find(|s| s["id"] == id).unwrap()["findings"]);
    assert_eq!(of(a_id), ["unreachable-host", "dns-private-only"]);
    assert_eq!(
        of(b_id),
        ["unreachable-host", "dns-private-only", "tls-expired"]
    );
    // Paused: not probed (nothing is delivered to it).
    assert_eq!(of(c_id), ["unreachable-host", "paused"]);
    // And one subscription by id, in the human form.
    let run = cli
        .run(&["doctor", b_id, "--probe", "--ca-file", ca])
        .await
        .expect(1);
    assert!(
        run.stdout
            .contains("  ✖ error   tls-expired — The certificate of 127.0.0.1 expired on "),
        "{}",
        run.stdout
    );
    // --probe alone is a usage error.
    cli.run(&["doctor", "--probe"]).await.expect(2);
}
