//! Which account to talk to: profiles from the config file, the official CLI's profiles,
//! the environment's key, or the embedded sandbox — resolved the same way for the
//! dashboard and every command. The choice order:
//!
//! 1. `--sandbox`;
//! 2. `--profile NAME` / `LINQ_HOOKS_PROFILE`;
//! 3. `LINQ_API_V3_API_KEY` / `LINQ_API_KEY` (the unnamed "environment" account);
//! 4. the config file's `default_profile`;
//! 5. the embedded sandbox.

pub mod file;
pub mod keys;
pub mod linq_cli;

use crate::api::client::DEFAULT_BASE_URL;
use crate::api::ApiKey;
use crate::text::clean;
use keys::KeySource;
use std::path::PathBuf;
use zeroize::Zeroizing;

/// The switcher's and `--profile`'s name for the embedded sandbox.
pub const SANDBOX: &str = "sandbox";
/// The name of the account given by `LINQ_API_V3_API_KEY` / `LINQ_API_KEY`.
pub const ENVIRONMENT: &str = "environment";
/// `--profile`'s variable.
pub const PROFILE_VAR: &str = "LINQ_HOOKS_PROFILE";

pub const KEY_VARS: [&str; 2] = ["LINQ_API_V3_API_KEY", "LINQ_API_KEY"];
pub const BASE_URL_VAR: &str = "LINQ_API_V3_BASE_URL";

#[derive(Debug)]
pub enum Target {
    /// A Linq (or Linq-compatible) API with a key.
    Remote {
        base_url: String,
        key: ApiKey,
        key_source: &'static str,
    },
    /// The embedded sandbox, started in-process.
    Sandbox,
}

/// Messages never carry a user name or password from a URL (see [`mask_userinfo`]), nor
/// a key.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{file}:{line}:{column}: {message}")]
    Parse {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: cannot read it: {reason}")]
    Unreadable { file: String, reason: String },
    #[error("no profile {name:?} (known: {known})")]
    UnknownProfile { name: String, known: String },
    #[error("the key command {program:?} {reason}")]
    KeyCommand { program: String, reason: String },
    #[error("the key variable {var} is not set (or empty)")]
    KeyEnvMissing { var: String },
    #[error("{file} holds an inline key but others can read it: run `chmod 600 {file}` (or use key_command / key_env)")]
    InlineKeyReadable { file: String },
    #[error("no token for profile {profile:?} in {file}")]
    LinqCliToken { file: String, profile: String },
    #[error("a base URL is set ({0}) but no API key: set LINQ_API_V3_API_KEY (or LINQ_API_KEY), or pass --sandbox")]
    BaseUrlWithoutKey(String),
    #[error("--base-url is empty: give the API base URL (e.g. {DEFAULT_BASE_URL}) or leave the option out")]
    EmptyBaseUrl,
    #[error("{origin} {url}: {problem}")]
    BadBaseUrl {
        /// `--base-url` or the variable's name.
        origin: &'static str,
        /// Masked: never the user name or password.
        url: String,
        problem: String,
    },
}

/// The one check of an API base URL (dashboard and commands alike): http(s), a host, no
/// credentials, no query or fragment (paths are appended to it). Returns it without a
/// trailing `/`. `origin` names where it came from, for the message.
pub fn validate_base_url(raw: &str, origin: &'static str) -> Result<String, ConfigError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(ConfigError::EmptyBaseUrl);
    }
    let bad = |problem: String| ConfigError::BadBaseUrl {
        origin,
        url: clean(&mask_userinfo(trimmed)).into_owned(),
        problem,
    };
    let url = url::Url::parse(trimmed).map_err(|e| bad(format!("not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad(
            "must start with https:// (or http:// for a local sandbox)".into(),
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("needs a host name".into()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "must not carry a user name or password (the key goes in LINQ_API_V3_API_KEY)".into(),
        ));
    }
    if url.query().is_some() {
        return Err(bad(
            "must not have a query string (paths like /v3/... are appended to it)".into(),
        ));
    }
    if url.fragment().is_some() {
        return Err(bad("must not have a #fragment".into()));
    }
    Ok(trimmed.trim_end_matches('/').to_string())
}

/// Replaces whatever stands before the `@` of a URL's authority with `***`, so that a
/// message can quote a URL, even one that does not parse, without its credentials.
pub fn mask_userinfo(raw: &str) -> String {
    let start = raw.find("://").map_or(0, |i| i + 3);
    let end = raw[start..]
        .find(['/', '?', '#'])
        .map_or(raw.len(), |i| start + i);
    match raw[start..end].rfind('@') {
        Some(at) => format!("{}***{}", &raw[..start], &raw[start + at..]),
        None => raw.to_string(),
    }
}

/// One account linq-hooks can switch to: what the switcher and `profiles` show. No key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountEntry {
    /// The profile's name, `linq-cli:<name>`, [`ENVIRONMENT`] or [`SANDBOX`].
    pub name: String,
    pub label: String,
    /// `host[:port]` of its base URL; the sandbox's is not known before it starts.
    pub host: String,
    /// Where its key comes from: `command`, `env`, `inline`, `linq-cli`, `environment`,
    /// or `none` for the sandbox.
    pub key_kind: &'static str,
    pub read_only: bool,
    /// A named header colour ([`file::COLORS`]).
    pub color: Option<String>,
}

impl AccountEntry {
    pub fn is_sandbox(&self) -> bool {
        self.name == SANDBOX
    }
}

/// An account chosen, its key not yet read.
#[derive(Debug)]
pub struct Chosen {
    pub entry: AccountEntry,
    pub base_url: String,
    /// `None` for the embedded sandbox.
    pub key: Option<KeySource>,
}

/// An account ready to connect to.
#[derive(Debug)]
pub struct Resolved {
    pub entry: AccountEntry,
    pub target: Target,
}

impl Chosen {
    /// Reads the key (a key command runs here: call off the UI task).
    pub fn resolve(self, env: &dyn Fn(&str) -> Option<String>) -> Result<Resolved, ConfigError> {
        let target = match &self.key {
            None => Target::Sandbox,
            Some(source) => Target::Remote {
                base_url: self.base_url.clone(),
                key: source.read(env)?,
                key_source: source.kind(),
            },
        };
        Ok(Resolved {
            entry: self.entry,
            target,
        })
    }
}

/// The flags that choose an account.
#[derive(Debug, Clone, Default)]
pub struct Choice {
    /// `--profile` (or `LINQ_HOOKS_PROFILE`).
    pub profile: Option<String>,
    pub base_url: Option<String>,
    pub sandbox: bool,
    /// `--read-only`: on top of a profile's own `read_only`.
    pub read_only: bool,
}

/// Every account linq-hooks knows of: the config file's profiles, the official CLI's, the
/// environment's key and the sandbox. Loading reads two small files, no key.
#[derive(Debug, Default)]
pub struct Accounts {
    pub config: Option<file::Loaded>,
    linq_cli_file: Option<PathBuf>,
    linq_cli: Vec<String>,
}

impl Accounts {
    /// Loads the config file at `config_path` (if it exists) and the official CLI's profile
    /// names from `linq_cli_path`.
    pub fn load(
        config_path: Option<PathBuf>,
        linq_cli_path: Option<PathBuf>,
    ) -> Result<Self, ConfigError> {
        let config = match config_path {
            Some(path) => file::load(&path)?,
            None => None,
        };
        let linq_cli = linq_cli_path
            .as_deref()
            .map(linq_cli::profile_names)
            .unwrap_or_default();
        Ok(Self {
            config,
            linq_cli_file: linq_cli_path,
            linq_cli,
        })
    }

    /// The config file and the official CLI's config at their usual places.
    pub fn load_default() -> Result<Self, ConfigError> {
        Self::load(file::default_path(), linq_cli::default_path())
    }

    /// Every account, for the switcher and `profiles`: profiles by name, the official
    /// CLI's, the environment's (when a key is set), then the sandbox.
    pub fn entries(&self, env: &dyn Fn(&str) -> Option<String>) -> Vec<AccountEntry> {
        let mut entries = Vec::new();
        if let Some(loaded) = &self.config {
            for name in loaded.file.profiles.keys() {
                if let Ok(chosen) = self.profile(name, None, false) {
                    entries.push(chosen.entry);
                }
            }
        }
        for name in &self.linq_cli {
            if let Ok(chosen) = self.profile(&format!("{}{name}", linq_cli::PREFIX), None, false) {
                entries.push(chosen.entry);
            }
        }
        if let Ok(Some(chosen)) = environment(None, false, env) {
            entries.push(chosen.entry);
        }
        entries.push(sandbox_entry(false));
        entries
    }

    /// The names `--profile` accepts, for messages.
    pub fn known_names(&self) -> String {
        let mut names: Vec<String> = self
            .config
            .as_ref()
            .map(|c| c.file.profiles.keys().cloned().collect())
            .unwrap_or_default();
        names.extend(
            self.linq_cli
                .iter()
                .map(|n| format!("{}{n}", linq_cli::PREFIX)),
        );
        names.push(SANDBOX.into());
        names.join(", ")
    }

    /// Applies the choice order (see the module docs). Reads no key.
    pub fn choose(
        &self,
        choice: &Choice,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Chosen, ConfigError> {
        // An explicit flag is checked even with --sandbox: a typo must not pass silently.
        let flag_url = choice
            .base_url
            .as_deref()
            .map(|raw| validate_base_url(raw, "--base-url"))
            .transpose()?;
        if choice.sandbox {
            return Ok(sandbox_chosen(choice.read_only));
        }
        if let Some(name) = choice.profile.as_deref().filter(|n| !n.trim().is_empty()) {
            return self.named(name, flag_url, choice.read_only, env);
        }
        if let Some(chosen) = environment(flag_url.clone(), choice.read_only, env)? {
            return Ok(chosen);
        }
        if let Some(default) = self
            .config
            .as_ref()
            .and_then(|c| c.file.default_profile.clone())
        {
            return self.profile(&default, flag_url, choice.read_only);
        }
        if let Some(url) = flag_url {
            return Err(ConfigError::BaseUrlWithoutKey(
                clean(&mask_userinfo(&url)).into_owned(),
            ));
        }
        if let Some(raw) = env(BASE_URL_VAR).filter(|s| !s.trim().is_empty()) {
            let url = validate_base_url(&raw, BASE_URL_VAR)?;
            return Err(ConfigError::BaseUrlWithoutKey(url));
        }
        Ok(sandbox_chosen(choice.read_only))
    }

    /// `--profile NAME`: a profile, `linq-cli:<name>`, `environment` or `sandbox`.
    fn named(
        &self,
        name: &str,
        base_url: Option<String>,
        read_only: bool,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Chosen, ConfigError> {
        match name {
            SANDBOX => Ok(sandbox_chosen(read_only)),
            ENVIRONMENT => {
                environment(base_url, read_only, env)?.ok_or_else(|| ConfigError::KeyEnvMissing {
                    var: KEY_VARS.join(" or "),
                })
            }
            _ => self.profile(name, base_url, read_only),
        }
    }

    fn profile(
        &self,
        name: &str,
        base_url: Option<String>,
        read_only: bool,
    ) -> Result<Chosen, ConfigError> {
        let unknown = || ConfigError::UnknownProfile {
            name: clean(name).into_owned(),
            known: self.known_names(),
        };
        if let Some(cli_name) = name.strip_prefix(linq_cli::PREFIX) {
            let file = self.linq_cli_file.clone().ok_or_else(unknown)?;
            if !self.linq_cli.iter().any(|n| n == cli_name) {
                return Err(unknown());
            }
            let base_url = base_url.unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
            return Ok(Chosen {
                entry: AccountEntry {
                    name: name.to_string(),
                    label: format!("linq CLI profile {}", clean(cli_name)),
                    host: host_of(&base_url),
                    key_kind: "linq-cli",
                    read_only,
                    color: None,
                },
                base_url,
                key: Some(KeySource::LinqCli {
                    file,
                    profile: cli_name.to_string(),
                }),
            });
        }
        let loaded = self.config.as_ref().ok_or_else(unknown)?;
        let profile = loaded.file.profiles.get(name).ok_or_else(unknown)?;
        let base_url = match (base_url, &profile.base_url) {
            (Some(flag), _) => flag,
            (None, Some(own)) => validate_base_url(own, "base_url")?,
            (None, None) => DEFAULT_BASE_URL.to_string(),
        };
        let key = if let Some(argv) = &profile.key_command {
            KeySource::Command(argv.clone())
        } else if let Some(var) = &profile.key_env {
            KeySource::Env(var.clone())
        } else {
            KeySource::Inline {
                key: Zeroizing::new(profile.key.clone().unwrap_or_default()),
                file: loaded.path.clone(),
                readable_by_others: loaded.readable_by_others,
            }
        };
        Ok(Chosen {
            entry: AccountEntry {
                name: name.to_string(),
                label: profile
                    .label
                    .as_deref()
                    .map(|l| clean(l).into_owned())
                    .unwrap_or_else(|| name.to_string()),
                host: host_of(&base_url),
                key_kind: key.kind(),
                read_only: read_only || profile.read_only,
                color: profile.color.clone(),
            },
            base_url,
            key: Some(key),
        })
    }
}

/// The account of `LINQ_API_V3_API_KEY` / `LINQ_API_KEY`, when one is set.
fn environment(
    base_url: Option<String>,
    read_only: bool,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Chosen>, ConfigError> {
    let Some(var) = KEY_VARS
        .iter()
        .find(|&&var| env(var).is_some_and(|k| !k.trim().is_empty()))
    else {
        return Ok(None);
    };
    let base_url = match base_url {
        Some(url) => url,
        None => match env(BASE_URL_VAR).filter(|s| !s.trim().is_empty()) {
            Some(raw) => validate_base_url(&raw, BASE_URL_VAR)?,
            None => DEFAULT_BASE_URL.to_string(),
        },
    };
    Ok(Some(Chosen {
        entry: AccountEntry {
            name: ENVIRONMENT.into(),
            label: format!("{var} (environment)"),
            host: host_of(&base_url),
            key_kind: "environment",
            read_only,
            color: None,
        },
        base_url,
        key: Some(KeySource::Environment(var)),
    }))
}

fn sandbox_entry(read_only: bool) -> AccountEntry {
    AccountEntry {
        name: SANDBOX.into(),
        label: "embedded sandbox".into(),
        host: "127.0.0.1".into(),
        key_kind: "none",
        read_only,
        color: None,
    }
}

fn sandbox_chosen(read_only: bool) -> Chosen {
    Chosen {
        entry: sandbox_entry(read_only),
        base_url: String::new(),
        key: None,
    }
}

/// `host[:port]` of a base URL, for lists and the header.
pub fn host_of(base_url: &str) -> String {
    match url::Url::parse(base_url) {
        Ok(u) => match (u.host_str(), u.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            _ => clean(base_url).into_owned(),
        },
        Err(_) => clean(&mask_userinfo(base_url)).into_owned(),
    }
}

#[cfg(test)]
mod tests {
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
            ("[profiles.a]\nkey_env = \"K\"\nkye = 1\n", "/cfg/config.toml:3:1: unknown field `kye`, expected one of `label`, `base_url`, `key_command`, `key_env`, `key`, `read_only`, `color`"),
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
}
