//! Global options and the dashboard face, through the built binary: bounded --refresh and
//! --timeout, the base URL check (masked, no empty flag, no query), "not a terminal",
//! completions.

mod cli_support;

use cli_support::{closed_port, have_script, in_pty, Cli};

#[tokio::test]
async fn huge_refresh_and_zero_timeout_are_usage_errors_not_panics() {
    let cli = Cli::bare();
    let run = cli
        .run(&["--refresh", "18446744073709551615"])
        .await
        .expect(2);
    assert!(
        run.stderr
            .contains("18446744073709551615 is not in 0..=86400"),
        "{}",
        run.stderr
    );
    let run = cli.run(&["--timeout", "0", "list"]).await.expect(2);
    assert!(
        run.stderr.contains("0 is not in 1..=86400"),
        "{}",
        run.stderr
    );
    let run = cli.run(&["list", "--timeout", "86401"]).await.expect(2);
    assert!(run.stderr.contains("--timeout"), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"));
}

/// `--refresh 0` (off) is still accepted: the run gets as far as the terminal check.
#[tokio::test]
async fn dashboard_without_a_terminal_is_one_line_and_exit_2() {
    let cli = Cli::bare();
    for args in [&[][..], &["--refresh", "0"][..], &["--read-only"][..]] {
        let run = cli.run(args).await.expect(2);
        let lines = run.stderr_lines();
        assert_eq!(lines.len(), 1, "{}", run.stderr);
        assert!(lines[0].contains("needs a terminal"), "{}", lines[0]);
        assert!(lines[0].contains("list") && lines[0].contains("pause"));
        assert!(run.stdout.is_empty(), "nothing drawn: {:?}", run.stdout);
    }
    assert!(
        !cli.home.path().join("data/linq-hooks/sandbox.db").exists(),
        "no sandbox started"
    );
}

/// stdin a terminal is not enough: stdout redirected to a file counts too. (Skipped where
/// `script` is not installed.)
#[tokio::test]
async fn dashboard_with_stdout_redirected_from_a_tty_is_refused() {
    if !have_script() {
        return;
    }
    let cli = Cli::bare();
    let out = cli.home.path().join("out.txt");
    let line = format!(
        "'{}' > '{}'",
        env!("CARGO_BIN_EXE_linq-hooks"),
        out.display()
    );
    let run = in_pty(&cli, &line, b"").await;
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stdout.contains("needs a terminal"), "{run:?}");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "",
        "nothing drawn into the file"
    );
}

#[tokio::test]
async fn bad_base_urls_are_usage_errors_that_never_echo_credentials() {
    for (base, mentions) in [
        (
            "https://alice:hunter2@api.example/api/partner",
            "user name or password",
        ),
        ("alice:hunter2@api.example", "must start with https://"),
        ("https://carol:s3cret@exa mple.test", "not a URL"),
        ("https://api.example/api/partner?tenant=1", "query string"),
        ("", "--base-url is empty"),
        ("ftp://bob:pw@api.example", "https://"),
    ] {
        let cli = Cli::new(base, "sk_test_key_123456");
        let run = cli.run(&["list"]).await.expect(2);
        assert_eq!(run.stderr_lines().len(), 1, "{}", run.stderr);
        let mut outputs = vec![run.stderr];
        // The dashboard checks the same way, before it touches the terminal.
        if have_script() {
            let line = format!("'{}' --base-url '{base}'", env!("CARGO_BIN_EXE_linq-hooks"));
            let run = in_pty(&cli, &line, b"").await;
            assert_eq!(run.code, 2, "{run:?}");
            outputs.push(run.stdout);
        }
        for text in outputs {
            assert!(text.contains(mentions), "{base}: {text}");
            for secret in ["alice", "hunter2", "bob", ":pw@", "carol", "s3cret"] {
                assert!(!text.contains(secret), "{base}: {text}");
            }
        }
    }
}

#[tokio::test]
async fn base_url_with_a_trailing_slash_is_fine() {
    let cli = Cli::new(
        &format!("http://127.0.0.1:{}/api/partner/", closed_port()),
        "k",
    );
    // Accepted (exit 1: nobody listens), not refused as a usage error.
    cli.run(&["list", "--timeout", "2"]).await.expect(1);
}

#[tokio::test]
async fn completions_for_each_shell() {
    let cli = Cli::bare();
    for shell in ["bash", "zsh", "fish"] {
        let run = cli.run(&["completions", shell]).await.expect(0);
        assert!(run.stdout.contains("linq-hooks"), "{shell}");
        assert!(
            run.stdout.contains("match") && run.stdout.contains("secret-file"),
            "{shell}"
        );
    }
    cli.run(&["completions", "tcsh"]).await.expect(2);
}
