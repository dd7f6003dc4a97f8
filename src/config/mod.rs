//! Which account to talk to: profiles from the config file, the official CLI's profiles,
//! the environment's key, or the embedded sandbox — resolved the same way for the
//! dashboard and every command. The choice order:
//!
//! 1. `--sandbox`;
//! 2. `--profile NAME` / `LINQ_HOOKS_PROFILE`;
//! 3. `LINQ_API_V3_API_KEY` / `LINQ_API_KEY` (the unnamed "environment" account);
//! 4. the config file's `default_profile`;
//! 5. the embedded sandbox.

mod account;
mod choose;
pub mod file;
pub mod keys;
pub mod linq_cli;

pub use account::{AccountEntry, Chosen, Resolved};
pub use choose::{Accounts, Choice};

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
mod tests;
