//! Where a profile's key comes from, and reading it: a command (argv, no shell, 10 s), an
//! environment variable, the config file itself (only when no one else can read it), or a
//! profile of the official `linq` CLI. A key lives in memory for the session only.

use super::ConfigError;
use crate::api::ApiKey;
use std::path::PathBuf;
use zeroize::Zeroizing;

pub use super::key_command::{run_key_command, KEY_COMMAND_TIMEOUT};

pub enum KeySource {
    Command(Vec<String>),
    Env(String),
    /// The key as written in the config file; `readable_by_others` refuses it.
    Inline {
        key: Zeroizing<String>,
        file: PathBuf,
        readable_by_others: bool,
    },
    /// `profiles.<name>.token` of the official CLI's `~/.linq/config.json`, read at use time.
    LinqCli {
        file: PathBuf,
        profile: String,
    },
    /// `LINQ_API_V3_API_KEY` / `LINQ_API_KEY`: the unnamed "environment" account.
    Environment(&'static str),
}

impl std::fmt::Debug for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the inline key.
        f.write_str(self.kind())
    }
}

impl KeySource {
    /// Shown in the switcher and by `profiles`: never the key.
    pub fn kind(&self) -> &'static str {
        match self {
            KeySource::Command(_) => "command",
            KeySource::Env(_) => "env",
            KeySource::Inline { .. } => "inline",
            KeySource::LinqCli { .. } => "linq-cli",
            KeySource::Environment(_) => "environment",
        }
    }

    /// Reads the key now. `env` looks a variable up.
    pub fn read(&self, env: &dyn Fn(&str) -> Option<String>) -> Result<ApiKey, ConfigError> {
        match self {
            KeySource::Command(argv) => run_key_command(argv, KEY_COMMAND_TIMEOUT),
            KeySource::Env(var) => env(var)
                .map(|k| k.trim().to_string())
                .filter(|k| !k.is_empty())
                .map(ApiKey::new)
                .ok_or_else(|| ConfigError::KeyEnvMissing { var: var.clone() }),
            KeySource::Inline {
                key,
                file,
                readable_by_others,
            } => {
                if *readable_by_others {
                    return Err(ConfigError::InlineKeyReadable {
                        file: file.display().to_string(),
                    });
                }
                Ok(ApiKey::new(key.trim()))
            }
            KeySource::LinqCli { file, profile } => super::linq_cli::token(file, profile),
            KeySource::Environment(var) => {
                env(var)
                    .map(|k| ApiKey::new(k.trim()))
                    .ok_or_else(|| ConfigError::KeyEnvMissing {
                        var: (*var).to_string(),
                    })
            }
        }
    }
}
