//! Where to connect: the API base URL, the key and its source, or the embedded sandbox.
//! Reads the environment only.

use crate::api::client::DEFAULT_BASE_URL;
use crate::api::ApiKey;
use crate::text::clean;

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

/// Messages never carry a user name or password from a URL (see [`mask_userinfo`]).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
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

/// `base_url_flag` is `--base-url`; `env` looks a variable up (std::env::var in main).
pub fn resolve(
    base_url_flag: Option<String>,
    force_sandbox: bool,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Target, ConfigError> {
    // An explicit flag is checked even with --sandbox: a typo must not pass silently.
    let flag = base_url_flag
        .map(|raw| validate_base_url(&raw, "--base-url"))
        .transpose()?;
    if force_sandbox {
        return Ok(Target::Sandbox);
    }
    // An empty variable counts as unset (`LINQ_API_V3_BASE_URL= cmd`); an empty flag does not.
    let base_url = match flag {
        Some(url) => Some(url),
        None => env(BASE_URL_VAR)
            .filter(|s| !s.trim().is_empty())
            .map(|raw| validate_base_url(&raw, BASE_URL_VAR))
            .transpose()?,
    };
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
