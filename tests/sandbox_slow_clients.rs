//! A client that never finishes its request head is disconnected (issue 15, item 17): the
//! sandbox closes such a connection after its header-read timeout (10 s) instead of keeping
//! it open for as long as the client likes.

mod sandbox_support;

use sandbox_support::{Sandbox, KEY};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Far beyond the 10 s timeout: a guard against hanging, not a speed check.
const GUARD: Duration = Duration::from_secs(120);

#[tokio::test]
async fn a_partial_request_head_is_closed_by_the_server() {
    let sandbox = Sandbox::empty().await;
    let addr = sandbox
        .base
        .trim_start_matches("http://")
        .split('/')
        .next()
        .expect("host:port")
        .to_owned();
    let mut slow = TcpStream::connect(&addr).await.expect("connect");
    slow.write_all(b"GET /api/partner/v3/webhook-subscriptions HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("half a head");
    let mut buf = [0u8; 1024];
    let closed = tokio::time::timeout(GUARD, async {
        loop {
            match slow.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                // hyper may say 408 before closing; keep reading until the close.
                Ok(_) => continue,
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the server kept a half-sent request open");

    // Complete requests are served as before.
    let ok = reqwest::Client::new()
        .get(format!("{}/v3/webhook-subscriptions", sandbox.base))
        .bearer_auth(KEY)
        .send()
        .await
        .expect("sent");
    assert_eq!(ok.status().as_u16(), 200);
    sandbox.shutdown().await;
}
