//! Where to connect: the API base URL, the key and its source, or the embedded sandbox.
//! Reads the environment only.

use crate::api::client::DEFAULT_BASE_URL;
use crate::api::ApiKey;

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

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("a base URL is set ({0}) but no API key: set LINQ_API_V3_API_KEY (or LINQ_API_KEY), or pass --sandbox")]
    BaseUrlWithoutKey(String),
}

/// `base_url_flag` is `--base-url`; `env` looks a variable up (std::env::var in main).
pub fn resolve(
    base_url_flag: Option<String>,
    force_sandbox: bool,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Target, ConfigError> {
    if force_sandbox {
        return Ok(Target::Sandbox);
    }
    let base_url = base_url_flag
        .or_else(|| env(BASE_URL_VAR))
        .filter(|s| !s.trim().is_empty());
    let key = KEY_VARS
        .iter()
        .find_map(|&var| env(var).filter(|k| !k.trim().is_empty()).map(|k| (var, k)));
    match (key, base_url) {
        (Some((source, key)), base_url) => Ok(Target::Remote {
            base_url: base_url.unwrap_or_else(|| DEFAULT_BASE_URL.to_string()),
            key: ApiKey::new(key.trim()),
            key_source: source,
        }),
        (None, Some(url)) => Err(ConfigError::BaseUrlWithoutKey(url)),
        (None, None) => Ok(Target::Sandbox),
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

    #[test]
    fn no_key_means_sandbox() {
        assert!(matches!(
            resolve(None, false, env(&[])),
            Ok(Target::Sandbox)
        ));
    }

    #[test]
    fn v3_key_wins_over_the_prose_name() {
        let t = resolve(
            None,
            false,
            env(&[("LINQ_API_KEY", "b"), ("LINQ_API_V3_API_KEY", "a")]),
        )
        .unwrap();
        let Target::Remote {
            key_source,
            base_url,
            ..
        } = t
        else {
            panic!()
        };
        assert_eq!(key_source, "LINQ_API_V3_API_KEY");
        assert_eq!(base_url, DEFAULT_BASE_URL);
    }

    #[test]
    fn base_url_without_key_is_an_error_not_a_silent_sandbox() {
        assert!(resolve(Some("https://x.test".into()), false, env(&[])).is_err());
        assert!(matches!(
            resolve(Some("https://x.test".into()), true, env(&[])),
            Ok(Target::Sandbox)
        ));
    }
}
