use super::*;
use crate::api::SigningSecret;

// linq-api.md §8.4 test vectors.
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw7Jxx2Oll+OE="; // test_vector
const ID: &str = "6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b";
const TS: i64 = 1_770_320_000;
const BODY: &[u8] = br#"{"event_type":"message.received"}"#;
const STANDARD_SIG: &str = "v1,OGTRj86SiQAE7CNwGfSIuqTTr9mFoydBvV8EAMBg0JY="; // test_vector
const LEGACY_SIG: &str = "04f8365734dd18c9d8b60d5baa57de89b7ea515b453ab661108aefd0dbd97664";
const OTHER_SECRET: &str = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="; // fake fixture

type Headers = Vec<(String, String)>;

fn headers(pairs: &[(&str, &str)]) -> Headers {
    pairs
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

/// Both header sets as Linq sends them, signed over `body` with `secret`.
fn signed_with(secret: &str, body: &[u8]) -> Headers {
    let standard = sign_standard(secret, ID, TS, body).expect("well-formed secret");
    let legacy = sign_legacy(secret, TS, body);
    headers(&[
        ("webhook-id", ID),
        ("webhook-timestamp", &TS.to_string()),
        ("webhook-signature", &standard),
        ("X-Webhook-Event", "message.received"),
        ("X-Webhook-Timestamp", &TS.to_string()),
        ("X-Webhook-Signature", &legacy),
    ])
}

fn signed(body: &[u8]) -> Headers {
    signed_with(SECRET, body)
}

fn set(headers: &mut Headers, name: &str, value: &str) {
    for (n, v) in headers.iter_mut() {
        if n.eq_ignore_ascii_case(name) {
            *v = value.to_string();
        }
    }
}

/// Verifies at the signing time with the default tolerance, and checks that nothing the
/// report can print carries the secret.
fn check(secret: &str, headers: &Headers, body: &[u8]) -> Report {
    check_at(secret, headers, body, TS, DEFAULT_TOLERANCE_SECS)
}

fn check_at(secret: &str, headers: &Headers, body: &[u8], now: i64, tolerance: u64) -> Report {
    let report = verify(secret, headers, body, now, tolerance);
    assert_no_secret(&report, secret);
    report
}

fn assert_no_secret(report: &Report, secret: &str) {
    let encoded = secret.strip_prefix(PREFIX).unwrap_or(secret);
    let mut texts = vec![format!("{report:?}")];
    for (scheme, verdict) in report.verdicts() {
        texts.push(format!("{} {} {verdict}", scheme.name(), verdict.code()));
        if let Some(cause) = verdict.cause() {
            texts.push(format!("{} {cause}", cause.code()));
        }
    }
    for text in texts {
        for needle in [secret, encoded] {
            assert!(
                needle.len() < 8 || !text.contains(needle),
                "secret in {text:?}"
            );
        }
    }
}

#[test]
fn the_api_doc_vectors_sign_and_verify() {
    assert_eq!(
        sign_standard(SECRET, ID, TS, BODY).expect("signs"),
        STANDARD_SIG
    );
    assert_eq!(sign_legacy(SECRET, TS, BODY), LEGACY_SIG);
    // The same through the zeroised newtype the API client returns.
    let secret = SigningSecret::new(SECRET.to_string());
    assert_eq!(
        sign_standard(&secret, ID, TS, BODY).expect("signs"),
        STANDARD_SIG
    );
    assert_eq!(sign_legacy(&secret, TS, BODY), LEGACY_SIG);

    let h = headers(&[
        ("webhook-id", ID),
        ("webhook-timestamp", "1770320000"),
        ("webhook-signature", STANDARD_SIG),
        ("X-Webhook-Timestamp", "1770320000"),
        ("X-Webhook-Signature", LEGACY_SIG),
    ]);
    let report = check(SECRET, &h, BODY);
    let valid = Verdict::Valid {
        entry: 1,
        entries: 1,
    };
    assert_eq!(report.standard, valid);
    assert_eq!(report.legacy, valid);
    assert!(report.any_valid());
    assert_eq!(report.standard.to_string(), "valid");
}

#[test]
fn header_names_are_case_insensitive_and_values_trimmed() {
    let h = headers(&[
        ("WEBHOOK-ID", ID),
        ("Webhook-Timestamp", " 1770320000 "),
        ("webhook-SIGNATURE", STANDARD_SIG),
        ("x-webhook-timestamp", "1770320000"),
        ("x-webhook-signature", &format!("sha256={LEGACY_SIG}")),
    ]);
    let report = check(SECRET, &h, BODY);
    assert!(
        report.standard.is_valid() && report.legacy.is_valid(),
        "{report:?}"
    );
    // Upper-case hex is the same HMAC.
    let h = headers(&[
        ("X-Webhook-Timestamp", "1770320000"),
        ("X-Webhook-Signature", &LEGACY_SIG.to_uppercase()),
    ]);
    assert!(check(SECRET, &h, BODY).legacy.is_valid());
}

#[test]
fn secret_errors_say_what_is_wrong_without_the_secret() {
    let padded = format!("{SECRET} ");
    let bare = SECRET.strip_prefix(PREFIX).expect("prefix");
    let not_base64 = SECRET.replace('+', "-");
    let cases = [
        ("", SecretError::Empty),
        (padded.as_str(), SecretError::Whitespace),
        (bare, SecretError::MissingPrefix),
        (not_base64.as_str(), SecretError::BadBase64),
        ("whsec_c2hvcnQ=", SecretError::TooShort(5)),
    ];
    for (secret, expected) in cases {
        let err = parse_secret(secret).expect_err(secret);
        assert_eq!(err, expected);
        let text = format!("{err} {err:?} {}", err.code());
        assert!(secret.len() < 8 || !text.contains(secret.trim()), "{text}");
        assert!(!text.contains("MfKQ9r8G"), "{text}");
        let report = check(secret, &signed(BODY), BODY);
        assert_eq!(report.standard, Verdict::SecretMalformed(expected.clone()));
        assert_eq!(report.legacy, Verdict::SecretMalformed(expected));
    }
    assert_eq!(
        parse_secret("whsec_").map(|k| k.len()),
        Err(SecretError::TooShort(0))
    );
    // Unpadded base64 is accepted, as the standardwebhooks library does.
    let key = parse_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw7Jxx2Oll+OE").expect("unpadded"); // test_vector
    assert_eq!(key.len(), 32);
    assert_eq!(format!("{key:?}"), "SecretKey(32 bytes, redacted)");
    assert_eq!(
        sign_standard("no-prefix", ID, TS, BODY),
        Err(SecretError::MissingPrefix)
    );
}

#[test]
fn missing_and_malformed_headers_are_named() {
    let report = check(SECRET, &Headers::new(), BODY);
    assert_eq!(
        report.standard,
        Verdict::HeadersMissing(vec![HEADER_ID, HEADER_TIMESTAMP, HEADER_SIGNATURE])
    );
    assert_eq!(
        report.legacy.to_string(),
        "headers missing: X-Webhook-Timestamp, X-Webhook-Signature"
    );
    assert!(!report.any_valid());

    let mut h = signed(BODY);
    h.retain(|(n, _)| n != "webhook-id");
    let report = check(SECRET, &h, BODY);
    assert_eq!(report.standard.to_string(), "header missing: webhook-id");
    assert!(report.legacy.is_valid(), "one scheme is enough");

    let malformed = |name: &str, value: &str| {
        let mut h = signed(BODY);
        set(&mut h, name, value);
        check(SECRET, &h, BODY)
    };
    for ts in [
        "1770320000.5",
        "-1770320000",
        "abc",
        "99999999999999999999999",
    ] {
        let report = malformed("webhook-timestamp", ts);
        assert_eq!(
            report.standard,
            Verdict::HeaderMalformed {
                header: HEADER_TIMESTAMP,
                problem: HeaderProblem::NotUnixSeconds
            },
            "{ts}"
        );
    }
    assert_eq!(
        malformed("webhook-id", "  ").standard.to_string(),
        "webhook-id is empty"
    );
    assert_eq!(
        malformed("webhook-signature", "v2,abc").standard,
        Verdict::HeaderMalformed {
            header: HEADER_SIGNATURE,
            problem: HeaderProblem::NoV1Entry
        }
    );
    assert_eq!(
        malformed("X-Webhook-Signature", "not-hex").legacy,
        Verdict::HeaderMalformed {
            header: HEADER_LEGACY_SIGNATURE,
            problem: HeaderProblem::NotHex
        }
    );
    assert_eq!(
        malformed("X-Webhook-Timestamp", "soon").legacy.code(),
        "header_malformed"
    );
}

#[test]
fn tolerance_is_inclusive_in_both_directions() {
    let h = signed(BODY);
    for now in [TS - 300, TS, TS + 300] {
        let report = check_at(SECRET, &h, BODY, now, DEFAULT_TOLERANCE_SECS);
        assert!(
            report.standard.is_valid() && report.legacy.is_valid(),
            "{now}"
        );
    }
    let old = check_at(SECRET, &h, BODY, TS + 301, DEFAULT_TOLERANCE_SECS);
    let skew = Skew {
        direction: Direction::TooOld,
        secs: 301,
        tolerance: 300,
    };
    for verdict in [&old.standard, &old.legacy] {
        assert_eq!(
            *verdict,
            Verdict::OutsideTolerance {
                skew,
                signature_matches: true
            }
        );
        assert_eq!(verdict.code(), "timestamp_too_old");
    }
    assert!(old
        .standard
        .to_string()
        .starts_with("the timestamp is 301 s old, 1 s beyond the 300 s tolerance"));
    assert!(old
        .standard
        .to_string()
        .ends_with("; the signature itself matches"));

    let future = check_at(SECRET, &h, BODY, TS - 301, DEFAULT_TOLERANCE_SECS);
    assert_eq!(future.legacy.code(), "timestamp_in_future");
    assert!(future.legacy.to_string().contains("301 s in the future"));
    assert!(future.legacy.to_string().contains("clock skew"));

    // A custom tolerance, and a mismatch outside it says so too.
    assert!(check_at(SECRET, &h, BODY, TS + 3600, 3600)
        .standard
        .is_valid());
    let mut bad = h.clone();
    set(
        &mut bad,
        "webhook-signature",
        &sign_standard(OTHER_SECRET, ID, TS, BODY).expect("signs"),
    );
    let report = check_at(SECRET, &bad, BODY, TS + 301, DEFAULT_TOLERANCE_SECS);
    assert_eq!(
        report.standard,
        Verdict::OutsideTolerance {
            skew,
            signature_matches: false
        }
    );
    assert!(report
        .standard
        .to_string()
        .ends_with("does not match either"));
    // Extreme values neither overflow nor pass.
    let report = check_at(SECRET, &h, BODY, i64::MIN, u64::MAX - 1);
    assert!(report.standard.is_valid(), "tolerance larger than any skew");
    assert_eq!(
        check_at(SECRET, &h, BODY, i64::MIN, 0).standard.code(),
        "timestamp_in_future"
    );
}

#[test]
fn several_signatures_say_which_entry_matched() {
    let other = sign_standard(OTHER_SECRET, ID, TS, BODY).expect("signs");
    let mut h = signed(BODY);
    set(
        &mut h,
        "webhook-signature",
        &format!("v2,ignored {other} {STANDARD_SIG}"),
    );
    let report = check(SECRET, &h, BODY);
    assert_eq!(
        report.standard,
        Verdict::Valid {
            entry: 3,
            entries: 3
        }
    );
    assert!(report
        .standard
        .to_string()
        .contains("a check of only the first entry would reject it"));

    set(
        &mut h,
        "webhook-signature",
        &format!("{STANDARD_SIG} {other}"),
    );
    assert_eq!(
        check(SECRET, &h, BODY).standard.to_string(),
        "valid (entry 1 of 2 matches)"
    );

    let third = sign_standard(OTHER_SECRET, "other-id", TS, BODY).expect("signs");
    set(
        &mut h,
        "webhook-signature",
        &format!("{other} {third} v1,!!!"),
    );
    let report = check(SECRET, &h, BODY);
    assert_eq!(
        report.standard,
        Verdict::Mismatch(Cause::Unknown {
            entries: 3,
            bodies_tried: true
        })
    );
    assert!(report
        .standard
        .to_string()
        .contains("none of the 3 v1 entries matches"));
}

#[test]
fn the_comparison_is_the_constant_time_one() {
    let before = CT_COMPARISONS.with(|c| c.get());
    let h = signed(BODY);
    assert!(check(SECRET, &h, BODY).any_valid());
    // One comparison per scheme on the valid path: every tag goes through `ct_matches`.
    assert_eq!(CT_COMPARISONS.with(|c| c.get()) - before, 2);

    let mut h = signed(BODY);
    let other = sign_standard(OTHER_SECRET, ID, TS, BODY).expect("signs");
    set(&mut h, "webhook-signature", &format!("{other} {other}"));
    let before = CT_COMPARISONS.with(|c| c.get());
    assert!(!check(SECRET, &h, BODY).standard.is_valid());
    assert!(CT_COMPARISONS.with(|c| c.get()) - before > 2);
}

/// The standard and legacy verdicts for headers signed over `signed_body` and checked
/// against `received`.
fn body_causes(signed_body: &[u8], received: &[u8]) -> (Verdict, Verdict) {
    let report = check(SECRET, &signed(signed_body), received);
    (report.standard, report.legacy)
}

fn assert_body_cause(signed_body: &[u8], received: &[u8], change: BodyChange) {
    let (standard, legacy) = body_causes(signed_body, received);
    assert_eq!(standard, Verdict::Mismatch(Cause::Body(change)));
    assert_eq!(legacy, Verdict::Mismatch(Cause::Body(change)));
}

#[test]
fn a_trailing_newline_added_or_removed_is_named() {
    let mut with_newline = BODY.to_vec();
    with_newline.push(b'\n');
    assert_body_cause(BODY, &with_newline, BodyChange::TrailingNewlineAdded);
    let mut with_crlf = BODY.to_vec();
    with_crlf.extend_from_slice(b"\r\n");
    assert_body_cause(BODY, &with_crlf, BodyChange::TrailingNewlineAdded);
    assert_body_cause(&with_newline, BODY, BodyChange::TrailingNewlineRemoved);
    let (standard, _) = body_causes(BODY, &with_newline);
    assert_eq!(
        standard.to_string(),
        "signature mismatch: it matches this body without its trailing newline (one was added), so the bytes checked are not the bytes signed (verify the raw body as received)"
    );
    // Not JSON: only the newline variants are tried.
    assert_body_cause(
        b"plain text",
        b"plain text\n",
        BodyChange::TrailingNewlineAdded,
    );
}

const ORIGINAL: &str = r#"{"event_type":"message.received","data":{"text":"héllo\nwörld 👋","parts":[1,2.50,{}],"empty":[]},"api_version":"v3"}"#;
const PRETTY: &str = "{\n  \"event_type\": \"message.received\",\n  \"data\": {\n    \"text\": \"héllo\\nwörld 👋\",\n    \"parts\": [\n      1,\n      2.50,\n      {}\n    ],\n    \"empty\": []\n  },\n  \"api_version\": \"v3\"\n}";
const PYTHON: &str = r#"{"event_type": "message.received", "data": {"text": "h\u00e9llo\nw\u00f6rld \ud83d\udc4b", "parts": [1, 2.50, {}], "empty": []}, "api_version": "v3"}"#;

#[test]
fn the_reformatter_writes_the_usual_styles() {
    let original = ORIGINAL.as_bytes();
    assert_eq!(
        reformat(PRETTY.as_bytes(), Style::Compact).expect("small"),
        original
    );
    assert_eq!(
        reformat(original, Style::Pretty).expect("small"),
        PRETTY.as_bytes()
    );
    assert_eq!(
        reformat(original, Style::Python).expect("small"),
        PYTHON.as_bytes()
    );
    // Python's own output for this body, for the record:
    // json.dumps(json.loads(ORIGINAL)) differs only in 2.50 → 2.5.
    let sorted = candidate_bodies(original);
    assert!(sorted.len() <= 7);
    let (_, sorted_compact) = sorted
        .iter()
        .find(|(c, _)| *c == BodyChange::SortedCompact)
        .expect("sorted variant");
    assert!(sorted_compact.starts_with(br#"{"api_version":"v3","data":{"empty":[]"#));
    // Escaped quotes and backslashes inside strings are not tokens.
    let tricky = br#"{ "a" : "x\\\" , y" , "b" : [ ] }"#;
    assert_eq!(
        reformat(tricky, Style::Compact).expect("small"),
        br#"{"a":"x\\\" , y","b":[]}"#
    );
}

#[test]
fn candidate_bodies_stay_bounded_for_deeply_nested_json() {
    // Pretty-printed, this would be ~80 MB (400,000 lines indented 200 spaces deep).
    let body = format!(
        "{}{}1{}",
        "[".repeat(100),
        "1,".repeat(400_000),
        "]".repeat(100)
    );
    assert!(body.len() <= MAX_DIAGNOSED_BODY);
    let candidates = candidate_bodies(body.as_bytes());
    assert!(candidates.len() <= 7);
    assert!(candidates
        .iter()
        .all(|(_, b)| b.len() <= MAX_CANDIDATE_BODY));
    assert!(!candidates.iter().any(|(c, _)| *c == BodyChange::Pretty));
    assert!(!candidates
        .iter()
        .any(|(c, _)| *c == BodyChange::SortedPretty));
    assert!(candidates
        .iter()
        .any(|(c, _)| *c == BodyChange::PythonSpacing));
}

#[test]
fn a_reserialised_body_is_named() {
    let original = ORIGINAL.as_bytes();
    assert_body_cause(original, PRETTY.as_bytes(), BodyChange::Compact);
    assert_body_cause(PRETTY.as_bytes(), original, BodyChange::Pretty);
    assert_body_cause(PYTHON.as_bytes(), original, BodyChange::PythonSpacing);

    let unsorted = br#"{"b":1,"a":{"d":2,"c":3}}"#;
    let sorted = br#"{"a":{"c":3,"d":2},"b":1}"#;
    assert_body_cause(sorted, unsorted, BodyChange::SortedCompact);
    let sorted_pretty = serde_json::to_vec_pretty(
        &serde_json::from_slice::<serde_json::Value>(sorted).expect("json"),
    )
    .expect("pretty");
    assert_body_cause(&sorted_pretty, unsorted, BodyChange::SortedPretty);
    let (standard, _) = body_causes(sorted, unsorted);
    assert_eq!(
        standard.cause().map(Cause::code),
        Some("body_keys_sorted_compact")
    );
}

#[test]
fn the_secret_used_the_wrong_way_is_named() {
    // Standard: keyed with the secret's text instead of the decoded bytes.
    let mut h = signed(BODY);
    let text_key = standard_mac(SECRET.as_bytes(), ID, &TS.to_string(), BODY).finalize();
    set(
        &mut h,
        "webhook-signature",
        &format!("v1,{}", STANDARD.encode(text_key.into_bytes())),
    );
    assert_eq!(
        check(SECRET, &h, BODY).standard,
        Verdict::Mismatch(Cause::SecretTextAsKey { with_prefix: true })
    );
    let encoded = SECRET.strip_prefix(PREFIX).expect("prefix");
    let text_key = standard_mac(encoded.as_bytes(), ID, &TS.to_string(), BODY).finalize();
    set(
        &mut h,
        "webhook-signature",
        &format!("v1,{}", STANDARD.encode(text_key.into_bytes())),
    );
    assert_eq!(
        check(SECRET, &h, BODY).standard,
        Verdict::Mismatch(Cause::SecretTextAsKey { with_prefix: false })
    );

    // Legacy: keyed with the decoded bytes instead of the text.
    let mut h = signed(BODY);
    let key = parse_secret(SECRET).expect("secret");
    let decoded = legacy_mac(&key.0, &TS.to_string(), BODY).finalize();
    set(&mut h, "X-Webhook-Signature", &hex(&decoded.into_bytes()));
    let report = check(SECRET, &h, BODY);
    assert_eq!(report.legacy, Verdict::Mismatch(Cause::SecretDecodedAsKey));
    assert!(report.legacy.to_string().contains("whsec_ included"));
    assert!(report.standard.is_valid());
}

#[test]
fn the_schemes_swapped_are_named() {
    // The legacy hex in webhook-signature, bare or behind v1,.
    for value in [LEGACY_SIG.to_string(), format!("v1,{LEGACY_SIG}")] {
        let mut h = signed(BODY);
        set(&mut h, "webhook-signature", &value);
        let report = check(SECRET, &h, BODY);
        assert_eq!(
            report.standard,
            Verdict::Mismatch(Cause::LegacySignatureInStandardHeader),
            "{value}"
        );
        assert!(report.legacy.is_valid());
    }
    // The standard v1 value (or the whole header) in X-Webhook-Signature.
    let other = sign_standard(OTHER_SECRET, ID, TS, BODY).expect("signs");
    for value in [STANDARD_SIG.to_string(), format!("{other} {STANDARD_SIG}")] {
        let mut h = signed(BODY);
        set(&mut h, "X-Webhook-Signature", &value);
        let report = check(SECRET, &h, BODY);
        assert_eq!(
            report.legacy,
            Verdict::Mismatch(Cause::StandardSignatureInLegacyHeader),
            "{value}"
        );
    }
    // The right signature without its v1, prefix.
    let mut h = signed(BODY);
    let bare = STANDARD_SIG.strip_prefix("v1,").expect("v1");
    set(&mut h, "webhook-signature", bare);
    assert_eq!(
        check(SECRET, &h, BODY).standard,
        Verdict::Mismatch(Cause::MissingVersionPrefix)
    );
}

#[test]
fn another_secret_has_no_named_cause() {
    let h = signed_with(OTHER_SECRET, BODY);
    let report = check(SECRET, &h, BODY);
    assert_eq!(
        report.standard,
        Verdict::Mismatch(Cause::Unknown {
            entries: 1,
            bodies_tried: true
        })
    );
    assert_eq!(report.legacy.code(), "signature_mismatch");
    assert!(report.legacy.to_string().contains("another subscription's"));
    assert!(!report.any_valid());
}

#[test]
fn a_large_body_is_verified_but_not_reserialised() {
    let mut body = vec![b' '; MAX_DIAGNOSED_BODY];
    body[0] = b'[';
    body.push(b']');
    let report = check(SECRET, &signed(&body), &body);
    assert!(report.standard.is_valid() && report.legacy.is_valid());
    let h = signed_with(OTHER_SECRET, &body);
    let report = check(SECRET, &h, &body);
    assert_eq!(
        report.standard,
        Verdict::Mismatch(Cause::Unknown {
            entries: 1,
            bodies_tried: false
        })
    );
    assert!(report.legacy.to_string().contains("over 1 MiB"));
}

#[test]
fn every_message_is_one_sentence_without_the_secret() {
    // All verdicts and causes this module can print, checked for the secret and one line.
    let skew = Skew {
        direction: Direction::TooOld,
        secs: 1_000,
        tolerance: 300,
    };
    let mut verdicts = vec![
        Verdict::Valid {
            entry: 2,
            entries: 3,
        },
        Verdict::HeadersMissing(vec![HEADER_ID]),
        Verdict::OutsideTolerance {
            skew,
            signature_matches: false,
        },
    ];
    for problem in [
        HeaderProblem::Empty,
        HeaderProblem::NotUnixSeconds,
        HeaderProblem::NoV1Entry,
        HeaderProblem::NotHex,
    ] {
        verdicts.push(Verdict::HeaderMalformed {
            header: HEADER_SIGNATURE,
            problem,
        });
    }
    for e in [
        SecretError::Empty,
        SecretError::Whitespace,
        SecretError::MissingPrefix,
        SecretError::BadBase64,
        SecretError::TooShort(3),
    ] {
        verdicts.push(Verdict::SecretMalformed(e));
    }
    let changes = [
        BodyChange::TrailingNewlineAdded,
        BodyChange::TrailingNewlineRemoved,
        BodyChange::Compact,
        BodyChange::Pretty,
        BodyChange::PythonSpacing,
        BodyChange::SortedCompact,
        BodyChange::SortedPretty,
    ];
    let mut causes: Vec<Cause> = changes.into_iter().map(Cause::Body).collect();
    causes.extend([
        Cause::SecretTextAsKey { with_prefix: true },
        Cause::SecretTextAsKey { with_prefix: false },
        Cause::SecretDecodedAsKey,
        Cause::LegacySignatureInStandardHeader,
        Cause::StandardSignatureInLegacyHeader,
        Cause::MissingVersionPrefix,
        Cause::Unknown {
            entries: 2,
            bodies_tried: false,
        },
    ]);
    verdicts.extend(causes.into_iter().map(Verdict::Mismatch));
    for verdict in verdicts {
        let text = verdict.to_string();
        assert!(!text.contains('\n') && !text.contains(". "), "{text}");
        assert!(
            !text.contains("MfKQ9r8G") && !text.contains("AAECAwQF"),
            "{text}"
        );
    }
}
