//! Profiles of the official `linq` CLI (`~/.linq/config.json`, `profiles.<name>.token`):
//! listed as `linq-cli:<name>`, their token read at use time and never copied anywhere.

use super::ConfigError;
use crate::api::ApiKey;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// The prefix of an imported profile's name.
pub const PREFIX: &str = "linq-cli:";
const MAX_BYTES: u64 = 1024 * 1024;

#[derive(Deserialize)]
struct CliConfig {
    #[serde(default)]
    profiles: BTreeMap<String, CliProfile>,
}

#[derive(Deserialize)]
struct CliProfile {
    #[serde(default)]
    token: Option<Token>,
    /// The organisation id `linq login` stores (the delivery log wants it).
    #[serde(default, rename = "orgId")]
    org_id: Option<serde_json::Value>,
}

/// A token read from the file: wiped when dropped.
struct Token(Zeroizing<String>);

impl<'de> Deserialize<'de> for Token {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| Token(Zeroizing::new(s)))
    }
}

/// `~/.linq/config.json`.
pub fn default_path() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|d| d.home_dir().join(".linq").join("config.json"))
}

fn read(file: &Path) -> Option<CliConfig> {
    let meta = std::fs::metadata(file).ok()?;
    if meta.len() > MAX_BYTES {
        return None;
    }
    let text = Zeroizing::new(std::fs::read_to_string(file).ok()?);
    serde_json::from_str(&text).ok()
}

/// The names of the CLI's profiles that hold a token (empty when there is no such file or
/// it cannot be read: it is someone else's file, not ours to complain about).
pub fn profile_names(file: &Path) -> Vec<String> {
    read(file)
        .map(|c| {
            c.profiles
                .into_iter()
                .filter(|(_, p)| p.token.as_ref().is_some_and(|t| !t.0.trim().is_empty()))
                .map(|(name, _)| name)
                .collect()
        })
        .unwrap_or_default()
}

/// The `orgId` of each profile that has a usable one.
pub fn org_ids(file: &Path) -> BTreeMap<String, String> {
    read(file)
        .map(|c| {
            c.profiles
                .into_iter()
                .filter_map(|(name, p)| {
                    let org = match p.org_id? {
                        serde_json::Value::String(s) => s.trim().to_owned(),
                        serde_json::Value::Number(n) => n.to_string(),
                        _ => return None,
                    };
                    super::is_org_id(&org).then_some((name, org))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The token of `profile`, read now.
pub fn token(file: &Path, profile: &str) -> Result<ApiKey, ConfigError> {
    let missing = || ConfigError::LinqCliToken {
        file: file.display().to_string(),
        profile: profile.to_string(),
    };
    let config = read(file).ok_or_else(missing)?;
    config
        .profiles
        .get(profile)
        .and_then(|p| p.token.as_ref())
        .map(|t| t.0.trim().to_string())
        .filter(|t| !t.is_empty())
        .map(ApiKey::new)
        .ok_or_else(missing)
}
