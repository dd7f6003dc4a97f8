//! Stage 3: the TLS handshake with SNI, verified against the platform's roots plus an
//! optional extra CA file, and what the certificate says (read with `x509-parser`).
//!
//! The verifier is webpki's, wrapped to remember the chain the server sent and webpki's
//! verdict, so that a failed handshake can still say whose certificate it was and why it
//! failed (expired, wrong name, self-signed, missing intermediate …).

use super::dns::millis;
use super::{bounded, ms_since, Deadline, Target};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use serde::Serialize;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

/// A handshake gets at most this long.
const STEP: Duration = Duration::from_secs(10);
/// The largest `--ca-file`.
const MAX_CA_FILE: u64 = 1 << 20;
/// Subject names kept from a certificate.
const MAX_NAMES: usize = 20;

/// What the probe trusts: the platform's roots and the `--ca-file` certificates. Built
/// once per command; every probe shares it. With a CA file, a chain to one of its
/// certificates is checked first, and the platform's roots (~150 files to read and parse)
/// are loaded only when that fails for want of an issuer: a probe of an endpoint under
/// the given CA costs what `curl --cacert` costs.
#[derive(Clone)]
pub struct Trust {
    provider: Arc<CryptoProvider>,
    /// The `--ca-file` certificates alone.
    extra: Option<Arc<WebPkiServerVerifier>>,
    extra_certs: Arc<Vec<CertificateDer<'static>>>,
    /// The platform's roots plus the extra ones, loaded on first need.
    platform: Arc<OnceLock<Result<Arc<WebPkiServerVerifier>, String>>>,
}

impl Trust {
    /// The platform's roots (those that parse) plus every certificate of `ca_file`. The CA
    /// file is read and checked now; the platform's roots when first needed.
    pub fn load(ca_file: Option<&Path>) -> Result<Trust, String> {
        // ring, not aws-lc: aws-lc seeds its random generator from CPU jitter on first use,
        // ~30 ms of CPU (perf: 88 % of a probe's samples in `jent_*`) before the first
        // handshake of the process; ring asks the OS (getrandom) instead.
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let (extra, extra_certs) = match ca_file {
            Some(path) => {
                let certs = ca_certificates(path)?;
                let verifier = verifier(&certs, false, &provider)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                (Some(verifier), certs)
            }
            None => (None, Vec::new()),
        };
        let trust = Trust {
            provider,
            extra,
            extra_certs: Arc::new(extra_certs),
            platform: Arc::new(OnceLock::new()),
        };
        if trust.extra.is_none() {
            trust.platform()?;
        }
        Ok(trust)
    }

    fn platform(&self) -> Result<Arc<WebPkiServerVerifier>, String> {
        self.platform
            .get_or_init(|| verifier(&self.extra_certs, true, &self.provider))
            .clone()
    }

    /// webpki's verdict on a chain: the CA file's roots first, then all of them.
    fn verify(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Some(extra) = &self.extra {
            let result =
                extra.verify_server_cert(end_entity, intermediates, server_name, ocsp, now);
            let unknown = matches!(
                result,
                Err(rustls::Error::InvalidCertificate(
                    CertificateError::UnknownIssuer
                ))
            );
            if !unknown {
                return result;
            }
        }
        let platform = self.platform().map_err(rustls::Error::General)?;
        platform.verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
    }
}

/// A webpki verifier over `extra` (and the platform's roots when `platform`).
fn verifier(
    extra: &[CertificateDer<'static>],
    platform: bool,
    provider: &Arc<CryptoProvider>,
) -> Result<Arc<WebPkiServerVerifier>, String> {
    let mut roots = RootCertStore::empty();
    if platform {
        let native = rustls_native_certs::load_native_certs();
        roots.add_parsable_certificates(native.certs);
    }
    for cert in extra {
        roots
            .add(cert.clone())
            .map_err(|e| format!("not a usable CA certificate ({e})"))?;
    }
    if roots.is_empty() {
        return Err("no trusted roots: the platform has none and no --ca-file was given".into());
    }
    WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| format!("building the certificate verifier: {e}"))
}

/// The certificates of a PEM file: a regular file (no device, FIFO or directory), at most
/// [`MAX_CA_FILE`] bytes, at least one certificate.
fn ca_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    use std::io::Read as _;
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("{shown}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("{shown}: not a regular file"));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_CA_FILE + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("{shown}: {e}"))?;
    if bytes.len() as u64 > MAX_CA_FILE {
        return Err(format!("{shown}: larger than {} KiB", MAX_CA_FILE / 1024));
    }
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{shown}: not PEM certificates ({e})"))?;
    if certs.is_empty() {
        return Err(format!("{shown}: no CERTIFICATE block in the file"));
    }
    Ok(certs)
}

/// Why webpki (or the handshake) refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "kebab-case")]
pub enum Verdict {
    Trusted,
    Expired,
    NotYetValid,
    NameMismatch,
    /// No chain to a trusted root; the likely cause.
    Untrusted(Untrusted),
    /// The server speaks only TLS older than 1.2.
    OldProtocol,
    /// No handshake within this many milliseconds.
    TimedOut(u64),
    /// Anything else (an alert, a reset, not TLS at all): the error's words.
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Untrusted {
    SelfSigned,
    IncompleteChain,
    UnknownIssuer,
    /// Another certificate problem (a bad signature, a revoked certificate …).
    Other(String),
}

impl Untrusted {
    pub fn describe(&self) -> String {
        match self {
            Untrusted::SelfSigned => "self-signed".into(),
            Untrusted::IncompleteChain => "incomplete chain (missing intermediate)".into(),
            Untrusted::UnknownIssuer => "unknown issuer".into(),
            Untrusted::Other(why) => why.clone(),
        }
    }
}

/// The leaf certificate, as read by `x509-parser`.
#[derive(Debug, Clone, Serialize)]
pub struct Certificate {
    pub subject: String,
    pub issuer: String,
    /// DNS names and IP addresses of the subject alternative names.
    pub names: Vec<String>,
    /// Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    /// Subject and issuer are the same name.
    pub self_issued: bool,
    /// Certificates the server sent, the leaf included.
    pub chain_len: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct TlsStage {
    pub ms: u64,
    pub verdict: Verdict,
    /// `TLSv1_3`, … (only after a completed handshake).
    pub protocol: Option<String>,
    pub alpn: Option<String>,
    pub certificate: Option<Certificate>,
    /// Whether the leaf is valid for the host, checked on its own (webpki stops at the
    /// first problem, so an untrusted certificate would otherwise not say).
    pub name_matches: Option<bool>,
}

/// What the wrapped verifier saw.
struct Seen {
    chain: Vec<CertificateDer<'static>>,
    error: Option<rustls::Error>,
}

struct Recorder {
    trust: Trust,
    seen: Mutex<Option<Seen>>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Recorder")
    }
}

impl std::fmt::Debug for Seen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Seen({} certificates)", self.chain.len())
    }
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let result = self
            .trust
            .verify(end_entity, intermediates, server_name, ocsp_response, now);
        let chain = std::iter::once(end_entity)
            .chain(intermediates)
            .map(|c| c.clone().into_owned())
            .collect();
        if let Ok(mut seen) = self.seen.lock() {
            *seen = Some(Seen {
                chain,
                error: result.as_ref().err().cloned(),
            });
        }
        result
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.trust.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.trust.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.trust
            .provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The handshake over `stream`; the TLS stream when the certificate is trusted.
pub async fn handshake(
    stream: TcpStream,
    target: &Target,
    trust: &Trust,
    deadline: &Deadline,
) -> (TlsStage, Option<TlsStream<TcpStream>>) {
    let start = Instant::now();
    let mut stage = TlsStage {
        ms: 0,
        verdict: Verdict::Trusted,
        protocol: None,
        alpn: None,
        certificate: None,
        name_matches: None,
    };
    let host = target.host();
    let name = match ServerName::try_from(host.clone()) {
        Ok(name) => name,
        Err(e) => {
            stage.verdict = Verdict::Failed(bounded(&format!("not a TLS server name: {e}")));
            return (stage, None);
        }
    };
    let recorder = Arc::new(Recorder {
        trust: trust.clone(),
        seen: Mutex::new(None),
    });
    let config = rustls::ClientConfig::builder_with_provider(trust.provider.clone())
        .with_safe_default_protocol_versions()
        .map(|b| {
            b.dangerous()
                .with_custom_certificate_verifier(recorder.clone())
                .with_no_client_auth()
        });
    let mut config = match config {
        Ok(c) => c,
        Err(e) => {
            stage.verdict = Verdict::Failed(bounded(&e.to_string()));
            return (stage, None);
        }
    };
    // Only HTTP/1.1 is spoken; offering it still shows whether the server does ALPN.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let limit = deadline.step(STEP);
    let result = tokio::time::timeout(limit, connector.connect(name.clone(), stream)).await;
    let seen = recorder.seen.lock().ok().and_then(|mut s| s.take());
    let mut out = None;
    match result {
        Ok(Ok(tls)) => {
            let (_, conn) = tls.get_ref();
            stage.protocol = conn.protocol_version().map(|v| format!("{v:?}"));
            stage.alpn = conn
                .alpn_protocol()
                .map(|p| bounded(&String::from_utf8_lossy(p)));
            out = Some(tls);
        }
        Ok(Err(e)) => {
            let rustls_error = e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
                .cloned()
                .or_else(|| seen.as_ref().and_then(|s| s.error.clone()));
            stage.verdict = match rustls_error {
                Some(err) => verdict_of(&err, seen.as_ref()),
                None => Verdict::Failed(bounded(&e.to_string())),
            };
        }
        Err(_) => stage.verdict = Verdict::TimedOut(millis(limit)),
    }
    if let Some(seen) = &seen {
        if let Some(leaf) = seen.chain.first() {
            stage.certificate = read_certificate(leaf, seen.chain.len());
            stage.name_matches = webpki::EndEntityCert::try_from(leaf)
                .ok()
                .map(|cert| cert.verify_is_valid_for_subject_name(&name).is_ok());
        }
    }
    stage.ms = ms_since(start);
    (stage, out)
}

fn verdict_of(error: &rustls::Error, seen: Option<&Seen>) -> Verdict {
    use rustls::{AlertDescription, Error, PeerIncompatible};
    match error {
        Error::InvalidCertificate(cert) => match cert {
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => Verdict::Expired,
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                Verdict::NotYetValid
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                Verdict::NameMismatch
            }
            CertificateError::UnknownIssuer => Verdict::Untrusted(why_unknown(seen)),
            other => Verdict::Untrusted(Untrusted::Other(bounded(&format!("{other:?}")))),
        },
        Error::PeerIncompatible(PeerIncompatible::ServerDoesNotSupportTls12Or13)
        | Error::AlertReceived(AlertDescription::ProtocolVersion) => Verdict::OldProtocol,
        other => Verdict::Failed(bounded(&other.to_string())),
    }
}

/// An unknown issuer: the leaf signed itself, or the server sent the leaf alone (public
/// CAs sign leaves from intermediates, so the intermediate is what is missing), or else the
/// chain leads to a root this machine does not trust.
fn why_unknown(seen: Option<&Seen>) -> Untrusted {
    let Some(seen) = seen else {
        return Untrusted::UnknownIssuer;
    };
    let Some(leaf) = seen.chain.first() else {
        return Untrusted::UnknownIssuer;
    };
    let self_issued = x509_parser::parse_x509_certificate(leaf)
        .map(|(_, c)| c.subject().as_raw() == c.issuer().as_raw())
        .unwrap_or(false);
    match (self_issued, seen.chain.len()) {
        (true, _) => Untrusted::SelfSigned,
        (false, 1) => Untrusted::IncompleteChain,
        _ => Untrusted::UnknownIssuer,
    }
}

fn read_certificate(der: &CertificateDer<'_>, chain_len: usize) -> Option<Certificate> {
    use x509_parser::extensions::GeneralName;
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let mut names = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            let text = match name {
                GeneralName::DNSName(dns) => bounded(dns),
                GeneralName::IPAddress(bytes) => match bytes.len() {
                    4 => <[u8; 4]>::try_from(*bytes)
                        .map(|b| std::net::IpAddr::from(b).to_string())
                        .unwrap_or_default(),
                    16 => <[u8; 16]>::try_from(*bytes)
                        .map(|b| std::net::IpAddr::from(b).to_string())
                        .unwrap_or_default(),
                    _ => continue,
                },
                _ => continue,
            };
            if names.len() < MAX_NAMES {
                names.push(text);
            }
        }
    }
    Some(Certificate {
        subject: bounded(&cert.subject().to_string()),
        issuer: bounded(&cert.issuer().to_string()),
        names,
        not_before: cert.validity().not_before.timestamp(),
        not_after: cert.validity().not_after.timestamp(),
        self_issued: cert.subject().as_raw() == cert.issuer().as_raw(),
        chain_len,
    })
}

/// `2027-01-31` of Unix seconds.
pub fn date(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .map(|t| t.date().to_string())
        .unwrap_or_else(|_| "?".into())
}

impl TlsStage {
    pub fn detail(&self) -> String {
        let mut parts = Vec::new();
        match &self.verdict {
            Verdict::Trusted => {}
            Verdict::TimedOut(ms) => parts.push(format!("no handshake within {ms} ms")),
            Verdict::Failed(why) => parts.push(format!("handshake failed: {why}")),
            Verdict::OldProtocol => parts.push("the server offers only TLS older than 1.2".into()),
            Verdict::Expired => parts.push("certificate expired".into()),
            Verdict::NotYetValid => parts.push("certificate not valid yet".into()),
            Verdict::NameMismatch => parts.push("certificate not valid for this host".into()),
            Verdict::Untrusted(why) => parts.push(format!("untrusted: {}", why.describe())),
        }
        if let Some(p) = &self.protocol {
            parts.push(p.replace("TLSv1_", "TLS 1.").replace("TLSv1", "TLS 1.0"));
        }
        if let Some(a) = &self.alpn {
            parts.push(format!("ALPN {a}"));
        }
        if let Some(c) = &self.certificate {
            parts.push(format!("issuer {}", c.issuer));
            if !c.names.is_empty() {
                parts.push(format!("names {}", c.names.join(" ")));
            }
            parts.push(format!("expires {}", date(c.not_after)));
        }
        parts.join(" · ")
    }

    pub fn summary(&self) -> String {
        self.detail()
    }
}
