use super::*;

fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |k| {
        pairs
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    }
}

/// The choice with no config file: flags and the environment only.
fn resolve(
    base_url: Option<String>,
    sandbox: bool,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Target, ConfigError> {
    let choice = Choice {
        base_url,
        sandbox,
        ..Choice::default()
    };
    Accounts::default()
        .choose(&choice, &env)?
        .resolve(&env)
        .map(|r| r.target)
}

#[test]
fn no_key_means_sandbox() {
    assert!(matches!(
        resolve(None, false, env(&[])),
        Ok(Target::Sandbox)
    ));
}

#[test]
fn v3_key_wins_over_the_prose_name() {
    let e = env(&[("LINQ_API_KEY", "b"), ("LINQ_API_V3_API_KEY", "a")]);
    let chosen = Accounts::default().choose(&Choice::default(), &e).unwrap();
    assert_eq!(chosen.entry.name, ENVIRONMENT);
    assert_eq!(chosen.entry.label, "LINQ_API_V3_API_KEY (environment)");
    assert_eq!(chosen.base_url, DEFAULT_BASE_URL);
    let Target::Remote { key, .. } = chosen.resolve(&e).unwrap().target else {
        panic!("not remote")
    };
    assert_eq!(format!("{key:?}"), "ApiKey(…)");
}

// ----------------------------------------------------------------- profiles

const CONFIG: &str = r#"
default_profile = "acme-prod"

[profiles.acme-prod]
label = "Acme (production)"
key_env = "ACME_KEY"
read_only = true
color = "red"

[profiles.staging]
base_url = "http://127.0.0.1:4010/api/partner"
key_command = ["sh", "-c", "echo sk_staging_key_000000001"]
"#;

fn accounts(text: &str) -> Accounts {
    let file = file::parse(text, std::path::Path::new("/cfg/config.toml")).expect("parses");
    Accounts {
        config: Some(file::Loaded {
            path: "/cfg/config.toml".into(),
            file,
            readable_by_others: false,
        }),
        ..Accounts::default()
    }
}

fn chosen(accounts: &Accounts, choice: Choice, e: &[(&str, &str)]) -> String {
    match accounts.choose(&choice, &env(e)) {
        Ok(c) => c.entry.name,
        Err(e) => format!("error: {e}"),
    }
}

#[test]
fn the_choice_order_is_sandbox_profile_environment_default_sandbox() {
    let a = accounts(CONFIG);
    let key = [("LINQ_API_KEY", "k")];
    let profile = |p: &str| Choice {
        profile: Some(p.into()),
        ..Choice::default()
    };
    // --sandbox beats everything.
    let sandbox = Choice {
        sandbox: true,
        profile: Some("staging".into()),
        ..Choice::default()
    };
    assert_eq!(chosen(&a, sandbox, &key), SANDBOX);
    // --profile beats the environment's key.
    assert_eq!(chosen(&a, profile("staging"), &key), "staging");
    assert_eq!(chosen(&a, profile("sandbox"), &key), SANDBOX);
    // The environment's key beats default_profile.
    assert_eq!(chosen(&a, Choice::default(), &key), ENVIRONMENT);
    // default_profile, then the sandbox.
    assert_eq!(chosen(&a, Choice::default(), &[]), "acme-prod");
    assert_eq!(
        chosen(&Accounts::default(), Choice::default(), &[]),
        SANDBOX
    );
    // An unknown name lists the known ones.
    assert_eq!(
        chosen(&a, profile("acme"), &[]),
        "error: no profile \"acme\" (known: acme-prod, staging, sandbox)"
    );
}

#[test]
fn a_profile_brings_its_label_host_colour_and_read_only() {
    let a = accounts(CONFIG);
    let c = a.choose(&Choice::default(), &env(&[])).unwrap();
    assert_eq!(c.entry.label, "Acme (production)");
    assert_eq!(c.entry.host, "api.linqapp.com");
    assert_eq!(c.entry.key_kind, "env");
    assert!(c.entry.read_only);
    assert_eq!(c.entry.color.as_deref(), Some("red"));
    let err = c.resolve(&env(&[])).unwrap_err().to_string();
    assert_eq!(err, "the key variable ACME_KEY is not set (or empty)");
    let staging = a
        .choose(
            &Choice {
                profile: Some("staging".into()),
                read_only: true,
                ..Choice::default()
            },
            &env(&[]),
        )
        .unwrap();
    assert_eq!(staging.entry.host, "127.0.0.1:4010");
    assert!(staging.entry.read_only, "--read-only adds to the profile");
    // --base-url overrides a profile's own.
    let over = a
        .choose(
            &Choice {
                profile: Some("staging".into()),
                base_url: Some("https://other.test/api/partner".into()),
                ..Choice::default()
            },
            &env(&[]),
        )
        .unwrap();
    assert_eq!(over.base_url, "https://other.test/api/partner");
    let entries: Vec<String> = a.entries(&env(&[])).into_iter().map(|e| e.name).collect();
    assert_eq!(entries, ["acme-prod", "staging", "sandbox"]);
}

#[cfg(unix)]
#[test]
fn a_key_command_profile_reads_its_key_when_resolved() {
    let a = accounts(CONFIG);
    let choice = Choice {
        profile: Some("staging".into()),
        ..Choice::default()
    };
    let resolved = a
        .choose(&choice, &env(&[]))
        .unwrap()
        .resolve(&env(&[]))
        .unwrap();
    let Target::Remote {
        key, key_source, ..
    } = resolved.target
    else {
        panic!("remote")
    };
    assert_eq!(key.hint(), "…0001");
    assert_eq!(key_source, "command");
}

#[test]
fn an_inline_key_in_a_file_others_can_read_is_refused_with_a_chmod_hint() {
    let text = "[profiles.p]\nkey = \"sk_inline_0000000000\"\n";
    let mut a = accounts(text);
    let choice = Choice {
        profile: Some("p".into()),
        ..Choice::default()
    };
    if let Some(c) = a.config.as_mut() {
        c.readable_by_others = true;
    }
    let err = a
        .choose(&choice, &env(&[]))
        .unwrap()
        .resolve(&env(&[]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("chmod 600 /cfg/config.toml"), "{err}");
    assert!(!err.contains("sk_inline"), "{err}");
    if let Some(c) = a.config.as_mut() {
        c.readable_by_others = false;
    }
    assert!(a
        .choose(&choice, &env(&[]))
        .unwrap()
        .resolve(&env(&[]))
        .is_ok());
}

#[test]
fn every_config_error_names_file_line_and_column() {
    let cases: &[(&str, &str)] = &[
        ("default_profile = 3\n", "/cfg/config.toml:1:19: invalid type: integer `3`, expected a string"),
        ("[profiles.a]\nkey_env = \"K\"\nkye = 1\n", "/cfg/config.toml:3:1: unknown field `kye`, expected one of `label`, `base_url`, `key_command`, `key_env`, `key`, `read_only`, `color`, `org_id`, `logs_url`"),
        ("default_profile = \"x\"\n", "/cfg/config.toml:1:1: default_profile \"x\" is not a profile here (known: none)"),
        ("[profiles.a]\nlabel = \"A\"\n", "/cfg/config.toml:1:1: profile \"a\" needs one of key_command, key_env or key"),
        ("[profiles.a]\nkey_env = \"K\"\nkey = \"k\"\n", "/cfg/config.toml:1:1: profile \"a\" has more than one of key_command, key_env and key: keep one"),
        ("[profiles.a]\nkey_command = []\n", "/cfg/config.toml:2:1: profile \"a\": key_command is empty (give the program and its arguments)"),
        ("[profiles.a]\nkey_env = \"K\"\ncolor = \"pink\"\n", "/cfg/config.toml:3:1: profile \"a\": unknown color \"pink\" (one of red, green, yellow, blue, magenta, cyan, white, gray)"),
        ("[profiles.a]\nkey_env = \"K\"\nbase_url = \"https://u:pw@h.test\"\n", "/cfg/config.toml:3:1: profile \"a\": base_url https://***@h.test: must not carry a user name or password (the key goes in LINQ_API_V3_API_KEY)"),
        ("[profiles.sandbox]\nkey_env = \"K\"\n", "/cfg/config.toml:1:2: profile name \"sandbox\" is reserved (sandbox, environment, linq-cli:…)"),
        ("[profiles.a\n", "/cfg/config.toml:1:12: unclosed table, expected `]`"),
    ];
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|(text, want)| {
            let err = file::parse(text, std::path::Path::new("/cfg/config.toml"))
                .expect_err(text)
                .to_string();
            (err != *want).then(|| format!("{text:?}\n  got  {err}\n  want {want}"))
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A config error never echoes the value of a secret-bearing field: an inline key of the
/// wrong shape, a base URL with a token in its query (issue 15 item 19).
#[test]
fn config_errors_never_echo_a_secret_value() {
    let secret = "7766554433221100998877"; // a fake key
    let cases = [
        format!("[profiles.a]\nkey = {secret}\n"),
        format!("[profiles.a]\nkey = sk_live_{secret}\n"),
        format!("[profiles.a]\nkey = [\"sk_live_{secret}\"]\n"),
        format!("[profiles.a]\n\"key\" = {secret}\n"),
        format!(
            "[profiles.a]\nkey_env = \"K\"\nbase_url = \"https://h.test/api?token={secret}\"\n"
        ),
        format!("[profiles.a]\nkey_env = \"K\"\nbase_url = \"https://h.test/api#{secret}\"\n"),
        format!("[profiles.a]\nkey_env = \"K\"\nbase_url = {secret}\n"),
    ];
    for text in &cases {
        let err = file::parse(text, std::path::Path::new("/cfg/config.toml"))
            .expect_err(text)
            .to_string();
        assert!(!err.contains(secret), "{text:?}: {err}");
        assert!(err.starts_with("/cfg/config.toml:"), "{err}");
    }
    let err = file::parse(&cases[0], std::path::Path::new("/cfg/config.toml"))
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "/cfg/config.toml:2:7: invalid type: integer (the value of `key` is not shown)"
    );
    // The same from the flag and the variable.
    let none = env(&[("LINQ_API_V3_API_KEY", "k")]);
    let err = resolve(
        Some(format!("https://api.test/x?token={secret}")),
        false,
        &none,
    )
    .unwrap_err()
    .to_string();
    assert!(
        !err.contains(secret) && err.contains("https://api.test/x?***"),
        "{err}"
    );
    assert_eq!(
        host_of(&format!("not a url?token={secret}")),
        "not a url?***"
    );
}

#[cfg(unix)]
#[test]
fn load_reads_the_mode_and_a_missing_file_is_no_config() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    assert!(file::load(&path).unwrap().is_none());
    std::fs::write(&path, "[profiles.a]\nkey = \"sk_x\"\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(file::load(&path).unwrap().unwrap().readable_by_others);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(!file::load(&path).unwrap().unwrap().readable_by_others);
}

/// A FIFO or a directory where config.toml should be is refused at once (the dashboard
/// would otherwise hang before its first frame); a symlink to a real file is read.
#[cfg(unix)]
#[test]
fn config_that_is_not_a_regular_file_is_refused_without_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("config.toml");
    let name = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0, "mkfifo");
    let Err(err) = file::load(&fifo) else {
        panic!("a FIFO is no config")
    };
    assert!(err.to_string().contains("not a regular file"), "{err}");

    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    let Err(err) = file::load(&sub) else {
        panic!("a directory is no config")
    };
    assert!(err.to_string().contains("not a regular file"), "{err}");

    let real = dir.path().join("real.toml");
    std::fs::write(&real, "[profiles.a]\nkey_env = \"X\"\n").unwrap();
    let link = dir.path().join("linked.toml");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    assert!(file::load(&link).unwrap().is_some());
}

#[test]
fn official_cli_profiles_are_listed_and_read_at_use_time() {
    let dir = tempfile::tempdir().unwrap();
    let cli = dir.path().join("config.json");
    std::fs::write(
        &cli,
        r#"{"profile":"work","profiles":{"work":{"token":"sk_cli_work_00000009"},"empty":{}}}"#,
    )
    .unwrap();
    let a = Accounts::load(None, Some(cli.clone())).unwrap();
    let names: Vec<String> = a.entries(&env(&[])).into_iter().map(|e| e.name).collect();
    assert_eq!(names, ["linq-cli:work", "sandbox"]);
    let choice = Choice {
        profile: Some("linq-cli:work".into()),
        ..Choice::default()
    };
    let chosen = a.choose(&choice, &env(&[])).unwrap();
    // Changed after listing: the token is read when used, never copied.
    std::fs::write(
        &cli,
        r#"{"profiles":{"work":{"token":"sk_cli_work_00000042"}}}"#,
    )
    .unwrap();
    let Target::Remote { key, .. } = chosen.resolve(&env(&[])).unwrap().target else {
        panic!("remote")
    };
    assert_eq!(key.hint(), "…0042");
}

#[test]
fn one_malformed_official_cli_profile_hides_only_itself() {
    let dir = tempfile::tempdir().unwrap();
    let cli = dir.path().join("config.json");
    std::fs::write(
        &cli,
        r#"{"profiles":{"bad":{"token":42},"odd":"text","work":{"token":"sk_cli_work_00000009"}}}"#,
    )
    .unwrap();
    let a = Accounts::load(None, Some(cli.clone())).unwrap();
    let names: Vec<String> = a.entries(&env(&[])).into_iter().map(|e| e.name).collect();
    assert_eq!(names, ["linq-cli:work", "sandbox"]);
    let notes = a.notes();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(notes[0].contains("profile \"bad\" skipped"), "{notes:?}");
    assert!(notes[1].contains("profile \"odd\" skipped"), "{notes:?}");
    // The temporary file's own name may hold "42": only the rest of a note counts.
    let file = cli.display().to_string();
    assert!(
        !notes.iter().any(|n| n.replace(&file, "").contains("42")),
        "never a value"
    );
    // The good profile's token is still read at use time.
    let choice = Choice {
        profile: Some("linq-cli:work".into()),
        ..Choice::default()
    };
    let chosen = a.choose(&choice, &env(&[])).unwrap();
    let Target::Remote { key, .. } = chosen.resolve(&env(&[])).unwrap().target else {
        panic!("remote")
    };
    assert_eq!(key.hint(), "…0009");
}

#[test]
fn base_url_without_key_is_an_error_not_a_silent_sandbox() {
    assert!(resolve(Some("https://x.test".into()), false, env(&[])).is_err());
    assert!(matches!(
        resolve(Some("https://x.test".into()), true, env(&[])),
        Ok(Target::Sandbox)
    ));
}

#[test]
fn base_url_problems_are_errors_without_credentials() {
    let none = env(&[("LINQ_API_V3_API_KEY", "k")]);
    assert_eq!(
        resolve(Some(String::new()), false, &none).unwrap_err(),
        ConfigError::EmptyBaseUrl
    );
    for bad in [
        "https://alice:hunter2@api.test/api/partner",
        "alice:hunter2@api.test",
        "ftp://alice:hunter2@api.test",
        "https://api.test/api/partner?x=1",
        "https://api.test/#top",
        "not a url",
    ] {
        let err = resolve(Some(bad.into()), false, &none)
            .unwrap_err()
            .to_string();
        assert!(!err.contains("hunter2") && !err.contains("alice"), "{err}");
        assert!(err.starts_with("--base-url"), "{err}");
    }
    let from_env = env(&[
        ("LINQ_API_V3_API_KEY", "k"),
        (BASE_URL_VAR, "https://bob:pw@api.test"),
    ]);
    let err = resolve(None, false, &from_env).unwrap_err().to_string();
    assert!(
        err.contains(BASE_URL_VAR) && !err.contains("bob") && !err.contains("pw@"),
        "{err}"
    );
}

#[test]
fn empty_base_url_variable_means_unset_and_a_good_one_is_trimmed() {
    let t = resolve(
        None,
        false,
        env(&[("LINQ_API_V3_API_KEY", "k"), (BASE_URL_VAR, "")]),
    )
    .unwrap();
    assert!(matches!(t, Target::Remote { base_url, .. } if base_url == DEFAULT_BASE_URL));
    let t = resolve(
        Some("http://127.0.0.1:4010/api/partner/".into()),
        false,
        env(&[("LINQ_API_KEY", "k")]),
    )
    .unwrap();
    assert!(
        matches!(t, Target::Remote { base_url, .. } if base_url == "http://127.0.0.1:4010/api/partner")
    );
}

#[test]
fn masking_keeps_everything_but_the_userinfo() {
    assert_eq!(
        mask_userinfo("https://u:p@h.test/a@b"),
        "https://***@h.test/a@b"
    );
    assert_eq!(mask_userinfo("u:p@h.test"), "***@h.test");
    assert_eq!(mask_userinfo("https://h.test/x"), "https://h.test/x");
}

// ----------------------------------------------------------------- delivery log access

#[test]
fn every_account_kind_knows_where_its_delivery_log_is() {
    let a = accounts(
        r#"
[profiles.acme]
key_env = "ACME_KEY"
org_id = "org_acme"
logs_url = "https://logs.acme.test/api/"

[profiles.plain]
key_env = "PLAIN_KEY"
"#,
    );
    let named = |name: &str, e: &[(&str, &str)]| {
        let choice = Choice {
            profile: Some(name.into()),
            ..Choice::default()
        };
        a.choose(&choice, &env(e)).expect("chosen").entry
    };
    let acme = named("acme", &[]);
    assert_eq!(acme.org_id.as_deref(), Some("org_acme"));
    let access = acme.logs_access(DEFAULT_BASE_URL);
    assert_eq!(access.base, "https://logs.acme.test/api");
    let plain = named("plain", &[("LINQ_ORG_ID", "org_env")]);
    assert_eq!(
        plain.org_id, None,
        "LINQ_ORG_ID is the environment account's"
    );
    assert_eq!(
        plain.logs_access(DEFAULT_BASE_URL).base,
        crate::evidence::logs::DEFAULT_LOGS_BASE
    );
    let e = [
        ("LINQ_API_KEY", "k"),
        ("LINQ_ORG_ID", " org_env "),
        ("LINQ_LOGS_URL", "http://127.0.0.1:4010/api"),
    ];
    let environment = named(ENVIRONMENT, &e);
    assert_eq!(environment.org_id.as_deref(), Some("org_env"));
    assert_eq!(
        environment.logs_url.as_deref(),
        Some("http://127.0.0.1:4010/api")
    );
    let bad = [("LINQ_API_KEY", "k"), ("LINQ_LOGS_URL", "ftp://x")];
    let refused = a.choose(
        &Choice {
            profile: Some(ENVIRONMENT.into()),
            ..Choice::default()
        },
        &env(&bad),
    );
    assert!(refused.is_err());
    let sandbox = named(SANDBOX, &[]);
    assert_eq!(
        sandbox.org_id,
        Some(crate::sandbox::partner_id_for_key(
            crate::sandbox::DEFAULT_API_KEY
        ))
    );
    assert_eq!(
        sandbox.logs_access("http://127.0.0.1:5/api/partner").base,
        "http://127.0.0.1:5/api"
    );
}

#[test]
fn bad_org_ids_and_logs_urls_are_refused_with_their_line() {
    for (text, says) in [
        ("[profiles.a]\nkey_env = \"K\"\norg_id = \"\"\n", "3:1"),
        (
            "[profiles.a]\nkey_env = \"K\"\nlogs_url = \"not a url\"\n",
            "3:1",
        ),
        (
            "[profiles.a]\nkey_env = \"K\"\nlogs_urls = \"x\"\n",
            "unknown field",
        ),
    ] {
        let err = file::parse(text, std::path::Path::new("/c.toml"))
            .expect_err(text)
            .to_string();
        assert!(err.contains(says), "{err}");
    }
}

#[test]
fn the_official_cli_profiles_give_their_org_id() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config.json");
    std::fs::write(
        &path,
        r#"{"profiles": {"work": {"token": "t_1", "orgId": "org_work"},
                         "old": {"token": "t_2"},
                         "odd": {"token": "t_3", "orgId": "has space"}}}"#,
    )
    .expect("write");
    let a = Accounts::load(None, Some(path)).expect("load");
    let entry = |name: &str| {
        let choice = Choice {
            profile: Some(format!("linq-cli:{name}")),
            ..Choice::default()
        };
        a.choose(&choice, &env(&[])).expect("chosen").entry
    };
    assert_eq!(entry("work").org_id.as_deref(), Some("org_work"));
    assert_eq!(entry("old").org_id, None);
    assert_eq!(entry("odd").org_id, None);
}
