//! Local addresses, and the delivery client refusing a name that resolves to one (issue 15,
//! item 2). A fixed lookup table stands in for `/etc/hosts`: `myhost.test` → 127.0.0.1.

use super::*;
use std::sync::atomic::{AtomicUsize, Ordering};

fn ip(text: &str) -> IpAddr {
    text.parse().expect("ip")
}

#[test]
fn local_addresses() {
    for local in [
        "127.0.0.1",
        "127.8.9.10",
        "0.0.0.0",
        "0.1.2.3",
        "10.1.2.3",
        "172.16.0.1",
        "172.31.255.254",
        "192.168.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "100.127.255.254",
        "255.255.255.255",
        "224.0.0.1",
        "198.18.0.1",
        "::1",
        "::",
        "fc00::1",
        "fd12:3456::1",
        "fe80::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::127.0.0.1",
        "64:ff9b::7f00:1",
        "2002:7f00:1::",
        "2002:c0a8:101::1",
    ] {
        assert!(is_local_ip(ip(local)), "{local}");
    }
    for remote in [
        "93.184.216.34",
        "8.8.8.8",
        "100.63.255.255",
        "100.128.0.1",
        "172.32.0.1",
        "2606:4700::1111",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",
        "2002:808:808::",
    ] {
        assert!(!is_local_ip(ip(remote)), "{remote}");
    }
}

/// `myhost.test` → the given addresses; every lookup counted.
fn table(ips: Vec<IpAddr>, lookups: Arc<AtomicUsize>) -> Lookup {
    Arc::new(move |host: String| {
        lookups.fetch_add(1, Ordering::SeqCst);
        let ips = ips.clone();
        Box::pin(async move {
            if host == "myhost.test" {
                Ok(ips)
            } else {
                Err(io::Error::new(io::ErrorKind::NotFound, "no such host"))
            }
        })
    })
}

/// A listener that counts the connections it accepts, and answers each with a 204.
async fn counting_listener() -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&accepted);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut buf = [0u8; 1024];
                let _ = socket.read(&mut buf).await;
                let _ = socket
                    .write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
                    .await;
            });
        }
    });
    (port, accepted)
}

#[tokio::test]
async fn a_name_resolving_to_this_machine_is_never_connected_to() {
    let lookups = Arc::new(AtomicUsize::new(0));
    let lookup = table(vec![ip("127.0.0.1")], Arc::clone(&lookups));
    let http = super::super::client(false, lookup).expect("client");
    let (open, accepted) = counting_listener().await;
    let closed = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        probe.local_addr().expect("addr").port()
    };
    let mut said = Vec::new();
    for port in [open, closed] {
        let error = http
            .post(format!("http://myhost.test:{port}/hook"))
            .body("{}")
            .send()
            .await
            .expect_err("refused");
        let refused = local_target_in(&error).expect("refused as a local target");
        assert_eq!(refused.ip, ip("127.0.0.1"));
        said.push(refused.to_string());
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 0, "never connected");
    // Nothing tells an open port from a closed one.
    assert_eq!(said[0], said[1]);
    assert_eq!(
        said[0],
        "myhost.test resolves to 127.0.0.1, on this machine or a private network"
    );
}

#[tokio::test]
async fn every_address_of_a_name_is_checked_and_only_checked_ones_are_used() {
    let lookups = Arc::new(AtomicUsize::new(0));
    // One public address and one private one: refused (the private one could be dialled).
    let mixed = table(
        vec![ip("93.184.216.34"), ip("10.0.0.7")],
        Arc::clone(&lookups),
    );
    let resolver = CheckedResolver {
        allow_local: false,
        lookup: mixed,
    };
    let name: Name = "myhost.test".parse().expect("name");
    let error = resolver.resolve(name).await.err().expect("refused");
    assert_eq!(
        local_target_in(error.as_ref()).map(|t| t.ip),
        Some(ip("10.0.0.7"))
    );

    // Allowed: the connection goes to the address the one lookup returned.
    let (port, accepted) = counting_listener().await;
    let lookups = Arc::new(AtomicUsize::new(0));
    let http = super::super::client(true, table(vec![ip("127.0.0.1")], Arc::clone(&lookups)))
        .expect("client");
    let answer = http
        .get(format!("http://myhost.test:{port}/"))
        .send()
        .await
        .expect("delivered");
    assert_eq!(answer.status().as_u16(), 204);
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
    assert_eq!(lookups.load(Ordering::SeqCst), 1, "resolved once");
}

#[tokio::test]
async fn a_local_deliver_to_name_is_refused_at_start() {
    let lookups = Arc::new(AtomicUsize::new(0));
    let lookup = table(vec![ip("127.0.0.1")], lookups);
    let deadline = Duration::from_secs(10);
    let refused = check_deliver_to("myhost.test", false, &lookup, deadline).await;
    assert_eq!(refused.map(|r| r.ip), Some(ip("127.0.0.1")));
    assert!(check_deliver_to("myhost.test", true, &lookup, deadline)
        .await
        .is_none());
    // Unresolvable now: left to delivery time, not a start failure.
    assert!(check_deliver_to("other.test", false, &lookup, deadline)
        .await
        .is_none());
}
