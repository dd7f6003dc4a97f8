//! Endpoints for the probe tests, on 127.0.0.1:0: certificates made here with `rcgen` (a
//! test CA, an intermediate, leaves that are valid, expired, for another name, self-signed),
//! and a small HTTP/1.1 server (plain or TLS) that records each request and answers with
//! what the test programs.
#![allow(dead_code)] // each test crate uses a different subset

use rcgen::{
    BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

/// A CA this test trusts (through `--ca-file`), and an intermediate it signed.
pub struct Pki {
    pub ca_pem: String,
    ca: Issuer<'static, KeyPair>,
    intermediate: Issuer<'static, KeyPair>,
    pub intermediate_der: CertificateDer<'static>,
}

/// A leaf and what the server sends with it.
pub struct Leaf {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

fn ca_params(name: &str) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.distinguished_name.push(DnType::CommonName, name);
    params
}

/// Leaf parameters: for 127.0.0.1 (or `names`), valid from a year ago for `days` more days.
fn leaf_params(names: &[&str], days: i64) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    for name in names {
        params
            .subject_alt_names
            .push(match name.parse::<std::net::IpAddr>() {
                Ok(ip) => SanType::IpAddress(ip),
                Err(_) => SanType::DnsName((*name).try_into().expect("dns name")),
            });
    }
    params
        .distinguished_name
        .push(DnType::CommonName, names.first().copied().unwrap_or("leaf"));
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(365);
    params.not_after = now + time::Duration::days(days);
    params
}

fn key_der(key: &KeyPair) -> PrivateKeyDer<'static> {
    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()))
}

impl Pki {
    pub fn new() -> Pki {
        let ca_key = KeyPair::generate().expect("key");
        let root_params = ca_params("linq-hooks probe test CA");
        let ca_cert = root_params.self_signed(&ca_key).expect("CA");
        let ca = Issuer::new(root_params, ca_key);
        let int_key = KeyPair::generate().expect("key");
        let int_params = ca_params("linq-hooks probe test intermediate");
        let int_cert = int_params.signed_by(&int_key, &ca).expect("intermediate");
        Pki {
            ca_pem: ca_cert.pem(),
            ca,
            intermediate: Issuer::new(int_params, int_key),
            intermediate_der: int_cert.der().clone(),
        }
    }

    /// A leaf signed by the CA itself.
    pub fn leaf(&self, names: &[&str], days: i64) -> Leaf {
        let key = KeyPair::generate().expect("key");
        let cert = leaf_params(names, days)
            .signed_by(&key, &self.ca)
            .expect("leaf");
        Leaf {
            chain: vec![cert.der().clone()],
            key: key_der(&key),
        }
    }

    /// A leaf signed by the intermediate; the chain holds the intermediate when `full`.
    pub fn leaf_via_intermediate(&self, names: &[&str], full: bool) -> Leaf {
        let key = KeyPair::generate().expect("key");
        let cert = leaf_params(names, 90)
            .signed_by(&key, &self.intermediate)
            .expect("leaf");
        let mut chain = vec![cert.der().clone()];
        if full {
            chain.push(self.intermediate_der.clone());
        }
        Leaf {
            chain,
            key: key_der(&key),
        }
    }

    /// The CA certificate in a PEM file for `--ca-file`.
    pub fn ca_file(&self, dir: &std::path::Path) -> std::path::PathBuf {
        let path = dir.join("ca.pem");
        std::fs::write(&path, &self.ca_pem).expect("write ca.pem");
        path
    }
}

/// A leaf that signed itself.
pub fn self_signed(names: &[&str]) -> Leaf {
    let key = KeyPair::generate().expect("key");
    let cert = leaf_params(names, 90).self_signed(&key).expect("cert");
    Leaf {
        chain: vec![cert.der().clone()],
        key: key_der(&key),
    }
}

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub target: String,
    /// Names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the server answers: status, extra headers, body, and a delay before answering.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub delay: Duration,
}

impl Reply {
    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: String::new(),
            delay: Duration::ZERO,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn body(mut self, body: &str) -> Reply {
        self.body = body.into();
        self
    }

    pub fn delay(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }
}

type Responder = Arc<dyn Fn(&Received) -> Reply + Send + Sync>;

/// A running server; stops when dropped.
pub struct Server {
    pub addr: SocketAddr,
    pub received: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    pub fn url(&self, scheme: &str, path: &str) -> String {
        format!("{scheme}://{}{path}", self.addr)
    }

    pub fn requests(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }
}

/// Plain HTTP, answering every request with `respond`.
pub async fn http(respond: impl Fn(&Received) -> Reply + Send + Sync + 'static) -> Server {
    serve(None, Arc::new(respond)).await
}

/// HTTPS with this leaf.
pub async fn https(
    leaf: Leaf,
    respond: impl Fn(&Received) -> Reply + Send + Sync + 'static,
) -> Server {
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(leaf.chain, leaf.key)
    .expect("server config");
    serve(
        Some(tokio_rustls::TlsAcceptor::from(Arc::new(config))),
        Arc::new(respond),
    )
    .await
}

async fn serve(tls: Option<tokio_rustls::TlsAcceptor>, respond: Responder) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = received.clone();
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (tls, respond, log) = (tls.clone(), respond.clone(), log.clone());
            tokio::spawn(async move {
                match tls {
                    Some(acceptor) => {
                        // A refused handshake is what some tests are about.
                        if let Ok(stream) = acceptor.accept(stream).await {
                            exchange(stream, &respond, &log).await;
                        }
                    }
                    None => exchange(stream, &respond, &log).await,
                }
            });
        }
    });
    Server {
        addr,
        received,
        task,
    }
}

/// Requests on one connection until it closes.
async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    respond: &Responder,
    log: &Mutex<Vec<Received>>,
) {
    let mut buf = Vec::new();
    loop {
        let Some(request) = read_request(&mut stream, &mut buf).await else {
            return;
        };
        let reply = respond(&request);
        log.lock().expect("lock").push(request.clone());
        tokio::time::sleep(reply.delay).await;
        let reason = match reply.status {
            200 => "OK",
            301 => "Moved Permanently",
            401 => "Unauthorized",
            403 => "Forbidden",
            405 => "Method Not Allowed",
            429 => "Too Many Requests",
            500 => "Internal Server Error",
            503 => "Service Unavailable",
            _ => "Whatever",
        };
        let mut head = format!(
            "HTTP/1.1 {} {reason}\r\ncontent-length: {}\r\n",
            reply.status,
            reply.body.len()
        );
        for (name, value) in &reply.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let mut out = head.into_bytes();
        if request.method != "HEAD" {
            out.extend_from_slice(reply.body.as_bytes());
        }
        if stream.write_all(&out).await.is_err() || stream.flush().await.is_err() {
            return;
        }
    }
}

async fn read_request<S: AsyncRead + Unpin>(stream: &mut S, buf: &mut Vec<u8>) -> Option<Received> {
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let target = first.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf[head_end..head_end + length].to_vec();
    buf.drain(..head_end + length);
    Some(Received {
        method,
        target,
        headers,
        body,
    })
}
