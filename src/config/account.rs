//! An account: what the switcher shows of it, and the chosen one with its key read.

use super::*;

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
