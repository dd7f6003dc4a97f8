//! Property tests of the form's validators: `validate_e164` against an independent
//! reading of `\+[1-9][0-9]{7,14}`, and `validate_url` on generated https URLs and their
//! broken variants, and `url_identity` (the uniqueness key) on spellings of one URL.

use linq_hooks::app::forms::{validate_e164, validate_url};
use linq_hooks::validate::{url_identity, validate_url_identity};
use proptest::prelude::*;

/// The oracle: `\+[1-9][0-9]{7,14}`, anchored, written out by hand.
fn is_e164(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('+') else {
        return false;
    };
    let bytes = rest.as_bytes();
    (8..=15).contains(&bytes.len()) && bytes.iter().all(u8::is_ascii_digit) && bytes[0] != b'0'
}

fn valid_e164() -> impl Strategy<Value = String> {
    "\\+[1-9][0-9]{7,14}"
}

/// Strings near E.164: the characters people type and paste into a phone field.
fn phone_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        6 => "[0-9]",
        2 => Just("+".to_string()),
        1 => "[a-zA-Z]",
        1 => "[ ().-]",
        // Unicode digits that are not ASCII: Arabic-Indic, fullwidth, Devanagari.
        1 => "[١٢٣٠０１９४]",
    ];
    prop::collection::vec(piece, 0..20).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn e164_accepts_every_valid_number(s in valid_e164()) {
        prop_assert!(validate_e164(&s).is_ok(), "{s} refused");
    }

    #[test]
    fn e164_agrees_with_the_pattern_on_phone_like_strings(s in phone_like()) {
        prop_assert_eq!(validate_e164(&s).is_ok(), is_e164(&s), "{:?}", s);
    }

    #[test]
    fn e164_refuses_each_kind_of_mistake(digits in "[1-9][0-9]{7,14}", cut in 0usize..15) {
        // Missing +.
        prop_assert!(validate_e164(&digits).is_err());
        // Leading 0 after the +.
        let zero = format!("+0{}", &digits[1..]);
        prop_assert!(validate_e164(&zero).is_err(), "{}", zero);
        // Too short: at most 7 digits.
        let short = format!("+{}", &digits[..digits.len().min(7)]);
        prop_assert!(validate_e164(&short).is_err(), "{}", short);
        // Too long: at least 16 digits.
        let long = format!("+{digits}{}", "9".repeat(16 - digits.len()));
        prop_assert!(validate_e164(&long).is_err(), "{}", long);
        // A letter or a unicode digit anywhere after the +.
        let at = 1 + cut.min(digits.len());
        for intruder in ["a", "١", "０", " ", "-"] {
            let mut bad = format!("+{digits}");
            bad.insert_str(at, intruder);
            prop_assert!(validate_e164(&bad).is_err(), "{:?}", bad);
        }
    }

    #[test]
    fn e164_never_panics(s in "\\PC*") {
        let _ = validate_e164(&s);
    }
}

#[test]
fn e164_fixed_cases() {
    for ok in [
        "+12345678",
        "+123456789012345",
        "+12025550143",
        "+4915112345678",
    ] {
        assert!(validate_e164(ok).is_ok(), "{ok}");
    }
    for bad in [
        "",
        "+",
        "++12025550143",
        "+1234567",
        "+1234567890123456",
        "+02025550143",
        "12025550143",
        "+١٢٠٢٥٥٥٠١٤٣",
        "+１２０２５５５０１４３",
        "+1202555014३",
        " +12025550143",
    ] {
        assert!(validate_e164(bad).is_err(), "{bad:?}");
    }
}

// ------------------------------------------------------------------------------ URLs

fn label() -> impl Strategy<Value = String> {
    // `xn--` labels must be valid punycode: not what this generator is about.
    "[a-z0-9]([a-z0-9-]{0,14}[a-z0-9])?".prop_filter("no xn--", |l| !l.starts_with("xn--"))
}

fn host() -> impl Strategy<Value = String> {
    (prop::collection::vec(label(), 1..4), "[a-z]{2,6}")
        .prop_map(|(labels, tld)| format!("{}.{tld}", labels.join(".")))
}

fn path() -> impl Strategy<Value = String> {
    prop::collection::vec("[A-Za-z0-9._~!$&'()*+,;=:@%-]{0,12}", 0..5)
        .prop_map(|segments| segments.iter().map(|s| format!("/{s}")).collect())
}

fn query() -> impl Strategy<Value = Option<String>> {
    prop::option::of(
        prop::collection::vec(("[a-z_]{1,8}", "[A-Za-z0-9._~-]{0,12}"), 1..4).prop_map(|pairs| {
            pairs
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&")
        }),
    )
}

fn port() -> impl Strategy<Value = Option<u16>> {
    prop::option::of(1u16..=65535)
}

/// A well-formed https URL.
fn https_url() -> impl Strategy<Value = String> {
    (host(), port(), path(), query()).prop_map(|(host, port, path, query)| {
        let mut url = format!("https://{host}");
        if let Some(p) = port {
            url.push_str(&format!(":{p}"));
        }
        url.push_str(&path);
        if let Some(q) = query {
            url.push('?');
            url.push_str(&q);
        }
        url
    })
}

fn other_scheme() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9+.-]{0,8}".prop_filter("not https", |s| s != "https")
}

/// Host labels from alphabets IDNA accepts in a plain left-to-right domain.
fn unicode_label() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{0,3}[äöüßéèçñåø][a-z]{0,4}",
        "[а-я]{1,8}",
        "[α-ω]{1,8}",
        "[一-龥]{1,4}",
        "[ぁ-ゖ]{1,5}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn url_accepts_generated_https_urls(url in https_url()) {
        prop_assert!(validate_url(&url).is_ok(), "{} refused: {:?}", url, validate_url(&url));
    }

    #[test]
    fn url_refuses_every_other_scheme(scheme in other_scheme(), url in https_url()) {
        let other = format!("{scheme}{}", &url["https".len()..]);
        prop_assert!(validate_url(&other).is_err(), "{} accepted", other);
    }

    #[test]
    fn url_refuses_inner_whitespace(
        url in https_url(),
        at in 0usize..2000,
        ws in prop::sample::select(vec![' ', '\t', '\n', '\r', '\u{a0}', '\u{2003}', '\u{3000}']),
    ) {
        // Inside the URL (after "https://x", before its end): the edges are trimmed on
        // purpose. The generated URLs are ASCII, so every index is a char boundary.
        let at = 9 + at % (url.len() - 9);
        let mut bad = url.clone();
        bad.insert(at, ws);
        prop_assert!(validate_url(&bad).is_err(), "{:?} accepted", bad);
    }

    #[test]
    fn url_refuses_control_characters_anywhere(
        url in https_url(),
        at in 0usize..2000,
        // Control characters that are not whitespace (trim() would take those off the edges).
        c in prop::sample::select(vec!['\u{0}', '\u{7}', '\u{1b}', '\u{1f}', '\u{7f}', '\u{9b}']),
    ) {
        let at = at.min(url.len());
        let mut bad = url.clone();
        bad.insert(at, c);
        prop_assert!(validate_url(&bad).is_err(), "{:?} accepted", bad);
    }

    #[test]
    fn url_refuses_anything_over_2048_bytes(url in https_url(), extra in 1usize..600) {
        let pad = 2048 + extra - url.len().min(2048);
        let long = format!("{url}#{}", "a".repeat(pad.saturating_sub(1)));
        prop_assert!(long.len() > 2048);
        prop_assert!(validate_url(&long).is_err());
    }

    #[test]
    fn url_accepts_unicode_hosts(labels in prop::collection::vec(unicode_label(), 1..3), tld in prop_oneof![Just("example".to_string()), "[а-я]{2,4}"], path in path()) {
        let url = format!("https://{}.{tld}{path}", labels.join("."));
        prop_assert!(validate_url(&url).is_ok(), "{} refused: {:?}", url, validate_url(&url));
    }

    #[test]
    fn url_never_panics(s in "\\PC{0,80}") {
        let _ = validate_url(&s);
    }
}

#[test]
fn url_length_boundary_is_2048() {
    let base = "https://h.example/";
    let at_limit = format!("{base}{}", "a".repeat(2048 - base.len()));
    assert_eq!(at_limit.len(), 2048);
    assert!(validate_url(&at_limit).is_ok());
    let over = format!("{at_limit}a");
    assert!(validate_url(&over).is_err());
}

#[test]
fn url_fixed_cases() {
    for ok in [
        "https://bücher.example/hook",
        "https://пример.рф/hook?version=2026-02-03",
        "https://例え.テスト/",
        "HTTPS://Hooks.Example.com/x",
        "https://127.0.0.1:8443/in",
        "https://[::1]/in",
        "  https://trimmed.example/  ",
    ] {
        assert!(validate_url(ok).is_ok(), "{ok}: {:?}", validate_url(ok));
    }
    for bad in [
        "",
        "   ",
        "http://h.example/",
        "ftp://h.example/",
        "h.example/hook",
        "/relative",
        "https://",
        "https://user:pw@h.example/",
        "https://h.example/\u{1b}[2J",
        "https://h exa.example/",
    ] {
        assert!(validate_url(bad).is_err(), "{bad:?} accepted");
    }
}

/// The sandbox (src/sandbox/rules.rs `check_target_url`) refuses these as "not an absolute
/// URL"; the form accepts them and only learns from the server's 400.
#[test]
fn url_without_authority_slashes_is_refused_locally() {
    for bad in [
        "https:h.example/hook",
        "https:/h.example/hook",
        "https:\\\\h.example",
    ] {
        assert!(validate_url(bad).is_err(), "{bad:?} accepted");
    }
}

/// Invisible and format characters: zero-width, bidi, BOM, soft hyphen, variation
/// selectors, tags.
fn invisible() -> impl Strategy<Value = char> {
    prop::sample::select(vec![
        '\u{200B}',
        '\u{200C}',
        '\u{200D}',
        '\u{200E}',
        '\u{200F}',
        '\u{202A}',
        '\u{202E}',
        '\u{2060}',
        '\u{2066}',
        '\u{2069}',
        '\u{FEFF}',
        '\u{00AD}',
        '\u{034F}',
        '\u{061C}',
        '\u{FE0F}',
        '\u{E0001}',
        '\u{E0020}',
        '\u{E007F}',
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn url_refuses_invisible_characters_anywhere(url in https_url(), at in 0usize..2000, c in invisible()) {
        // ASCII URL: every index is a char boundary.
        let at = at.min(url.len());
        let mut bad = url.clone();
        bad.insert(at, c);
        prop_assert!(validate_url(&bad).is_err(), "{:?} accepted", bad);
    }

    #[test]
    fn identity_ignores_case_default_port_and_dot_segments(url in https_url(), flips in prop::collection::vec(any::<bool>(), 64)) {
        let parsed = url::Url::parse(&url).expect("generated URLs parse");
        let host = parsed.host_str().expect("host");
        // Same URL, spelled differently: scheme and host case, explicit :443, a `/.` segment.
        let shouty_host: String = host
            .chars()
            .zip(flips.iter().cycle())
            .map(|(c, &up)| if up { c.to_ascii_uppercase() } else { c })
            .collect();
        let port = match parsed.port() {
            Some(p) => format!(":{p}"),
            None => ":443".to_string(),
        };
        let mut respelled = format!("HTTPS://{shouty_host}{port}/.{}", parsed.path());
        if let Some(q) = parsed.query() {
            respelled.push('?');
            respelled.push_str(q);
        }
        prop_assert!(validate_url(&respelled).is_ok(), "{} refused", respelled);
        prop_assert_eq!(url_identity(&respelled), url_identity(&url), "{} vs {}", respelled, url);
        // The check's one-parse form gives the same identity.
        prop_assert_eq!(validate_url_identity(&respelled), Ok(url_identity(&url)));
        // The identity is itself a valid URL and a fixed point.
        let id = url_identity(&url);
        prop_assert!(validate_url(&id).is_ok(), "{}", id);
        prop_assert_eq!(url_identity(&id), id.clone());
    }

    #[test]
    fn identity_tells_different_paths_apart(url in https_url(), extra in "[a-z0-9]{1,8}") {
        let other = match url.split_once('?') {
            Some((base, q)) => format!("{}/{extra}?{q}", base.trim_end_matches('/')),
            None => format!("{}/{extra}", url.trim_end_matches('/')),
        };
        prop_assert_ne!(url_identity(&other), url_identity(&url));
    }
}

#[test]
fn url_refuses_look_alikes_empty_authority_and_long_labels() {
    for bad in [
        "https://pay\u{200B}pal.example/hook",
        "https://paypal.example/\u{202E}kooh",
        "https://paypal\u{E0041}.example/hook",
        "https:///path",
        "https:///paypal.example/hook",
    ] {
        assert!(validate_url(bad).is_err(), "{bad:?} accepted");
    }
    let label = "a".repeat(63);
    assert!(validate_url(&format!("https://{label}.example/")).is_ok());
    assert!(validate_url(&format!("https://{label}a.example/")).is_err());
}

/// The dashboard's form flags another spelling of a URL the account already uses (the
/// sandbox would answer 409). It compares the typed URL's identity with the taken URLs as
/// the server returned them, so it catches the common case, not a taken URL that was itself
/// stored in an unusual spelling; the server's 409 covers that one.
#[test]
fn the_form_treats_a_respelled_taken_url_as_taken() {
    use linq_hooks::app::forms::Form;
    use std::collections::BTreeSet;
    use tui_input::Input;

    let taken = BTreeSet::from(["https://paypal.example/hook".to_string()]);
    let mut form = Form::create(&["message.sent".to_string()], taken);
    form.url = Input::new("HTTPS://PayPal.example:443/./hook".into());
    let problem = form.problems().url.expect("taken");
    assert!(problem.contains("already uses"), "{problem}");
    form.url = Input::new("https://paypal.example/other".into());
    assert_eq!(form.problems().url, None);
}
