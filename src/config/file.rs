//! The config file: `$XDG_CONFIG_HOME/linq-hooks/config.toml` (the platform's config dir
//! elsewhere). Real TOML, unknown keys rejected, every error with file, line and column.
//!
//! ```toml
//! default_profile = "acme-prod"
//! [profiles.acme-prod]
//! label = "Acme (production)"
//! base_url = "https://api.linqapp.com/api/partner"
//! key_command = ["pass", "show", "linq/acme-prod"]   # or key_env = "VAR", or key = "…"
//! read_only = true
//! color = "red"
//! org_id = "org_…"          # the delivery log's organisation id (`linq login`'s orgId)
//! logs_url = "https://v3-logs.linqapp.com/api"   # the delivery log's base (this default)
//! ```

use super::ConfigError;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The largest config file read (a config is a few hundred bytes).
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// Colours a profile may give its header accent.
pub const COLORS: [&str; 8] = [
    "red", "green", "yellow", "blue", "magenta", "cyan", "white", "gray",
];

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub default_profile: Option<String>,
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub label: Option<String>,
    pub base_url: Option<String>,
    pub key_command: Option<Vec<String>>,
    pub key_env: Option<String>,
    /// Inline key: used only when the file is readable by its owner alone.
    pub key: Option<String>,
    #[serde(default)]
    pub read_only: bool,
    pub color: Option<String>,
    /// The organisation id the delivery log wants (linq-api.md §12).
    pub org_id: Option<String>,
    /// The delivery log's base URL.
    pub logs_url: Option<String>,
}

impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the inline key.
        f.debug_struct("Profile")
            .field("label", &self.label)
            .field("base_url", &self.base_url)
            .field("key_command", &self.key_command)
            .field("key_env", &self.key_env)
            .field("key", &self.key.as_ref().map(|_| "(inline)"))
            .field("read_only", &self.read_only)
            .field("color", &self.color)
            .field("org_id", &self.org_id)
            .field("logs_url", &self.logs_url)
            .finish()
    }
}

/// A loaded config file and where it came from (for messages and the permission rule).
#[derive(Debug, Clone)]
pub struct Loaded {
    pub path: PathBuf,
    pub file: ConfigFile,
    /// Group or others may read the file: an inline key in it is refused.
    pub readable_by_others: bool,
}

/// Where the config file is looked for.
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("com", "linq-hooks", "linq-hooks")
        .map(|dirs| dirs.config_dir().join("config.toml"))
}

/// Reads and checks the file at `path`; `Ok(None)` when there is none.
pub fn load(path: &Path) -> Result<Option<Loaded>, ConfigError> {
    let io = |e: std::io::Error| ConfigError::Unreadable {
        file: path.display().to_string(),
        reason: e.to_string(),
    };
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e)),
    };
    let unreadable = |reason: String| ConfigError::Unreadable {
        file: path.display().to_string(),
        reason,
    };
    // A symlink is followed (dotfile managers link config files), but only a regular file
    // is read: opening a FIFO would hang the start-up, a device never end.
    if !meta.is_file() {
        return Err(unreadable("not a regular file".into()));
    }
    if meta.len() > MAX_CONFIG_BYTES {
        return Err(unreadable(format!("larger than {MAX_CONFIG_BYTES} bytes")));
    }
    let text = read_regular(path, MAX_CONFIG_BYTES).map_err(io)?;
    if text.len() as u64 > MAX_CONFIG_BYTES {
        return Err(unreadable(format!("larger than {MAX_CONFIG_BYTES} bytes")));
    }
    let file = parse(&text, path)?;
    Ok(Some(Loaded {
        path: path.to_path_buf(),
        file,
        readable_by_others: readable_by_others(&meta),
    }))
}

/// Up to `limit + 1` bytes of the regular file at `path`, opened without blocking (it may
/// have been swapped for a FIFO since it was checked) and checked again once open.
fn read_regular(path: &Path, limit: u64) -> std::io::Result<String> {
    use std::io::Read as _;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let mut text = String::new();
    file.take(limit + 1).read_to_string(&mut text)?;
    Ok(text)
}

#[cfg(unix)]
fn readable_by_others(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o077 != 0
}

#[cfg(not(unix))]
fn readable_by_others(_meta: &std::fs::Metadata) -> bool {
    false
}

/// Parses and checks the config text; errors name `path`, line and column.
pub fn parse(text: &str, path: &Path) -> Result<ConfigFile, ConfigError> {
    let file: ConfigFile = toml::from_str(text).map_err(|e| {
        let start = e.span().map_or(0, |span| span.start);
        let (line, column) = e
            .span()
            .map(|span| line_column(text, span.start))
            .unwrap_or((1, 1));
        let message = first_line(e.message());
        let message = match secret_field_at(text, start) {
            Some(field) => without_value(&message, field),
            None => message,
        };
        ConfigError::Parse {
            file: path.display().to_string(),
            line,
            column,
            message,
        }
    })?;
    check(&file, text, path)?;
    Ok(file)
}

/// What TOML itself cannot say: one key source per profile, known colours, a
/// `default_profile` that exists, base URLs that are base URLs.
fn check(file: &ConfigFile, text: &str, path: &Path) -> Result<(), ConfigError> {
    let at = |needle: &str, message: String| {
        let (line, column) = text
            .find(needle)
            .map(|i| line_column(text, i))
            .unwrap_or((1, 1));
        ConfigError::Parse {
            file: path.display().to_string(),
            line,
            column,
            message,
        }
    };
    for (name, profile) in &file.profiles {
        let header = format!("[profiles.{name}]");
        if name == super::SANDBOX
            || name == super::ENVIRONMENT
            || name.starts_with(super::linq_cli::PREFIX)
            || name.trim().is_empty()
        {
            let needle = format!("profiles.{name}");
            return Err(at(
                &needle,
                format!("profile name {name:?} is reserved (sandbox, environment, linq-cli:…)"),
            ));
        }
        let quoted = format!("[profiles.\"{name}\"]");
        let needle = if text.contains(&header) {
            header
        } else {
            quoted
        };
        let sources = [
            profile.key_command.is_some(),
            profile.key_env.is_some(),
            profile.key.is_some(),
        ]
        .iter()
        .filter(|s| **s)
        .count();
        if sources == 0 {
            return Err(at(
                &needle,
                format!("profile {name:?} needs one of key_command, key_env or key"),
            ));
        }
        if sources > 1 {
            return Err(at(
                &needle,
                format!(
                    "profile {name:?} has more than one of key_command, key_env and key: keep one"
                ),
            ));
        }
        if profile.key_command.as_ref().is_some_and(Vec::is_empty) {
            return Err(at(
                "key_command",
                format!(
                    "profile {name:?}: key_command is empty (give the program and its arguments)"
                ),
            ));
        }
        if let Some(color) = &profile.color {
            if !COLORS.contains(&color.as_str()) {
                return Err(at(
                    "color",
                    format!(
                        "profile {name:?}: unknown color {color:?} (one of {})",
                        COLORS.join(", ")
                    ),
                ));
            }
        }
        if let Some(url) = &profile.base_url {
            super::validate_base_url(url, "base_url")
                .map_err(|e| at("base_url", format!("profile {name:?}: {e}")))?;
        }
        if let Some(url) = &profile.logs_url {
            super::validate_base_url(url, "logs_url")
                .map_err(|e| at("logs_url", format!("profile {name:?}: {e}")))?;
        }
        if let Some(org) = &profile.org_id {
            if !super::is_org_id(org) {
                return Err(at(
                    "org_id",
                    format!("profile {name:?}: org_id must be 1 to 200 visible characters"),
                ));
            }
        }
    }
    if let Some(default) = &file.default_profile {
        if !file.profiles.contains_key(default) {
            return Err(at(
                "default_profile",
                format!(
                    "default_profile {default:?} is not a profile here (known: {})",
                    known(file)
                ),
            ));
        }
    }
    Ok(())
}

pub fn known(file: &ConfigFile) -> String {
    if file.profiles.is_empty() {
        "none".into()
    } else {
        file.profiles.keys().cloned().collect::<Vec<_>>().join(", ")
    }
}

/// 1-based line and column (in characters) of byte `offset`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The fields whose values may be secrets: an inline key, a base URL that may carry a
/// token or a password.
const SECRET_FIELDS: [&str; 2] = ["key", "base_url"];

/// The secret-bearing field assigned on the line holding byte `offset`, if any.
fn secret_field_at(text: &str, offset: usize) -> Option<&'static str> {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[start..].lines().next().unwrap_or("");
    let name = line.split('=').next()?.trim().trim_matches(['"', '\'']);
    SECRET_FIELDS.iter().copied().find(|f| *f == name)
}

/// A parser message about a secret-bearing field, cut before it quotes anything
/// (`invalid type: integer `1234…``): the value is never echoed.
fn without_value(message: &str, field: &str) -> String {
    let cut = message.find(['`', '"', '\'']).unwrap_or(message.len());
    let head = message[..cut].trim_end().trim_end_matches(':').trim_end();
    let head = if head.is_empty() {
        "not readable"
    } else {
        head
    };
    format!("{head} (the value of `{field}` is not shown)")
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or(message).trim().to_string()
}
