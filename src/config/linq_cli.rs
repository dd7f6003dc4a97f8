//! Profiles of the official `linq` CLI (`~/.linq/config.json`, `profiles.<name>.token`):
//! listed as `linq-cli:<name>`, their token read at use time and never copied anywhere.

use super::ConfigError;
use crate::api::ApiKey;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// The prefix of an imported profile's name.
pub const PREFIX: &str = "linq-cli:";
const MAX_BYTES: u64 = 1024 * 1024;

/// The file with each profile left unparsed, so one malformed profile costs only itself.
/// Borrowed from the (wiped) text: no copy of a token is made here.
#[derive(Deserialize)]
struct CliConfig<'a> {
    #[serde(default, borrow)]
    profiles: BTreeMap<String, &'a RawValue>,
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

fn read(file: &Path) -> Option<Zeroizing<String>> {
    let meta = std::fs::metadata(file).ok()?;
    if !meta.is_file() || meta.len() > MAX_BYTES {
        return None;
    }
    Some(Zeroizing::new(std::fs::read_to_string(file).ok()?))
}

/// The official CLI's profiles: those with a token, and those skipped as malformed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CliProfiles {
    pub names: Vec<String>,
    /// Profiles that are not `{"token": "…"}`-shaped (a note says so; the others count).
    pub skipped: Vec<String>,
}

/// The CLI's profiles (none when there is no such file or it is not JSON with a `profiles`
/// object: it is someone else's file, not ours to complain about). A profile that does
/// not parse is skipped on its own.
pub fn profiles(file: &Path) -> CliProfiles {
    let Some(text) = read(file) else {
        return CliProfiles::default();
    };
    let Ok(config) = serde_json::from_str::<CliConfig<'_>>(&text) else {
        return CliProfiles::default();
    };
    let mut found = CliProfiles::default();
    for (name, raw) in config.profiles {
        match serde_json::from_str::<CliProfile>(raw.get()) {
            Ok(profile) => {
                if profile.token.is_some_and(|t| !t.0.trim().is_empty()) {
                    found.names.push(name);
                }
            }
            Err(_) => found.skipped.push(name),
        }
    }
    found
}

/// The names of the CLI's profiles that hold a token.
pub fn profile_names(file: &Path) -> Vec<String> {
    profiles(file).names
}

/// The `orgId` of each profile that has a usable one (a malformed profile has none).
pub fn org_ids(file: &Path) -> BTreeMap<String, String> {
    let Some(text) = read(file) else {
        return BTreeMap::new();
    };
    let Ok(config) = serde_json::from_str::<CliConfig<'_>>(&text) else {
        return BTreeMap::new();
    };
    config
        .profiles
        .into_iter()
        .filter_map(|(name, raw)| {
            let profile = serde_json::from_str::<CliProfile>(raw.get()).ok()?;
            let org = match profile.org_id? {
                serde_json::Value::String(s) => s.trim().to_owned(),
                serde_json::Value::Number(n) => n.to_string(),
                _ => return None,
            };
            super::is_org_id(&org).then_some((name, org))
        })
        .collect()
}

/// The token of `profile`, read now.
pub fn token(file: &Path, profile: &str) -> Result<ApiKey, ConfigError> {
    let missing = || ConfigError::LinqCliToken {
        file: file.display().to_string(),
        profile: profile.to_string(),
    };
    let text = read(file).ok_or_else(missing)?;
    let config = serde_json::from_str::<CliConfig<'_>>(&text).map_err(|_| missing())?;
    let raw = config.profiles.get(profile).ok_or_else(missing)?;
    let parsed = serde_json::from_str::<CliProfile>(raw.get()).map_err(|_| missing())?;
    parsed
        .token
        .map(|t| t.0.trim().to_string())
        .filter(|t| !t.is_empty())
        .map(ApiKey::new)
        .ok_or_else(missing)
}
