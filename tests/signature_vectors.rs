//! `linq_hooks::signature` against vectors made by the official `standardwebhooks` Python
//! library (tests/vectors/make_vectors.py wrote tests/vectors/standardwebhooks.json; the
//! JSON is committed so that this test needs no Python).

use linq_hooks::signature::{self, Verdict, DEFAULT_TOLERANCE_SECS};
use serde::Deserialize;

const VECTORS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/vectors/standardwebhooks.json"
));

#[derive(Deserialize)]
struct File {
    library: String,
    library_version: String,
    vectors: Vec<Vector>,
}

#[derive(Deserialize)]
struct Vector {
    name: String,
    /// The secret is `whsec_` + this (the prefix is not stored: see the script).
    key_base64: String,
    msg_id: String,
    timestamp: i64,
    body: String,
    /// The library's `sign` for this key.
    signature: String,
    /// The whole `webhook-signature` header (several entries for the rotation case).
    webhook_signature: String,
}

fn vectors() -> File {
    let file: File = serde_json::from_str(VECTORS).expect("vectors JSON");
    assert_eq!(file.library, "standardwebhooks");
    assert!(!file.library_version.is_empty());
    assert!(file.vectors.len() >= 10, "a handful of vectors");
    file
}

#[test]
fn sign_standard_reproduces_every_library_signature() {
    for v in vectors().vectors {
        let secret = format!("whsec_{}", v.key_base64);
        let ours =
            signature::sign_standard(secret.as_str(), &v.msg_id, v.timestamp, v.body.as_bytes())
                .unwrap_or_else(|e| panic!("{}: {e}", v.name));
        assert_eq!(ours, v.signature, "{}", v.name);
    }
}

#[test]
fn verify_accepts_every_library_signature_and_rejects_a_changed_body() {
    for v in vectors().vectors {
        let secret = format!("whsec_{}", v.key_base64);
        let ts = v.timestamp.to_string();
        let headers = [
            ("Webhook-Id", v.msg_id.as_str()),
            ("Webhook-Timestamp", ts.as_str()),
            ("Webhook-Signature", v.webhook_signature.as_str()),
        ];
        let report = signature::verify(
            &secret,
            &headers,
            v.body.as_bytes(),
            v.timestamp,
            DEFAULT_TOLERANCE_SECS,
        );
        let entries = v.webhook_signature.split(' ').count();
        assert_eq!(
            report.standard,
            Verdict::Valid {
                entry: entries,
                entries
            },
            "{}",
            v.name
        );
        assert!(report.any_valid());
        assert_eq!(report.legacy.code(), "headers_missing", "{}", v.name);

        let mut changed = v.body.clone().into_bytes();
        changed.extend_from_slice(b" ");
        let report = signature::verify(
            &secret,
            &headers,
            &changed,
            v.timestamp,
            DEFAULT_TOLERANCE_SECS,
        );
        assert!(!report.any_valid(), "{}", v.name);
        assert_eq!(report.standard.code(), "signature_mismatch", "{}", v.name);
    }
}
