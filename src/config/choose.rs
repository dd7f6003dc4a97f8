//! The choice of an account: every account known (the config file's profiles, the official
//! CLI's, the environment's key, the sandbox) and the order that picks one of them.

use super::*;

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
    pub(super) linq_cli_file: Option<PathBuf>,
    pub(super) linq_cli: Vec<String>,
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
pub(super) fn environment(
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

pub(super) fn sandbox_entry(read_only: bool) -> AccountEntry {
    AccountEntry {
        name: SANDBOX.into(),
        label: "embedded sandbox".into(),
        host: "127.0.0.1".into(),
        key_kind: "none",
        read_only,
        color: None,
    }
}

pub(super) fn sandbox_chosen(read_only: bool) -> Chosen {
    Chosen {
        entry: sandbox_entry(read_only),
        base_url: String::new(),
        key: None,
    }
}
