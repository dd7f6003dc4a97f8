//! The dashboard's side of accounts: what its header shows of a connection, and the
//! switcher's connector, which resolves and connects any account by name the way the
//! commands do.

use super::{connect_resolved, env_var, Connected, Globals};
use crate::app::Connection;
use crate::config::Accounts;
use crate::runtime::{AccountGuard, Connector, SwitchedAccount};
use futures::future::BoxFuture;
use futures::FutureExt as _;
use std::sync::Arc;

impl AccountGuard for Connected {
    fn close(self: Box<Self>) -> BoxFuture<'static, ()> {
        (*self).close().boxed()
    }
}

/// The header's view of a connected account.
pub fn connection_of(connected: &Connected) -> Connection {
    Connection {
        base_url: connected.base_url.clone(),
        sandbox: connected.sandbox,
        key_hint: connected.key_hint.clone(),
        read_only: connected.account.read_only,
    }
}

/// Connects to account `name` with the session's flags (`--read-only`, `--timeout`,
/// `--sandbox-db`); the config file is read again, so edits made meanwhile count.
pub fn connector(globals: &Globals) -> Connector {
    let globals = globals.clone();
    Arc::new(move |name: String| {
        let globals = globals.clone();
        async move {
            let accounts = Accounts::load_default().map_err(|e| e.to_string())?;
            let connected = connect_named(&globals, &accounts, name).await?;
            Ok(SwitchedAccount {
                client: connected.client.clone(),
                logs: connected.logs_client(),
                connection: connection_of(&connected),
                guard: Box::new(connected),
            })
        }
        .boxed()
    })
}

/// Connects to account `name` with the session's flags — never its `--base-url`, which
/// belongs to the account it started on — reading the key off the runtime's threads (a key
/// command may take seconds). The switcher and the fleet commands come here.
pub async fn connect_named(
    globals: &Globals,
    accounts: &Accounts,
    name: String,
) -> Result<Connected, String> {
    let wanted = crate::config::Choice {
        profile: Some(name),
        base_url: None,
        sandbox: false,
        read_only: globals.read_only,
    };
    let chosen = accounts
        .choose(&wanted, &env_var)
        .map_err(|e| e.to_string())?;
    let resolved = tokio::task::spawn_blocking(move || chosen.resolve(&env_var))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    connect_resolved(resolved, globals.sandbox_db.clone(), globals.timeout)
        .await
        .map_err(|e| e.to_string())
}

/// The switcher's list; `--read-only` holds for every account of the session.
pub fn accounts_for_switcher(
    connected: &Connected,
    globals: &Globals,
) -> Vec<crate::config::AccountEntry> {
    let mut entries = Accounts::load_default()
        .map(|a| a.entries(&env_var))
        .unwrap_or_default();
    for entry in &mut entries {
        entry.read_only |= globals.read_only;
    }
    // The account in use is always listed (e.g. a --base-url session), as itself.
    if !entries.iter().any(|e| e.name == connected.account.name) {
        entries.insert(0, connected.account.clone());
    } else if let Some(e) = entries
        .iter_mut()
        .find(|e| e.name == connected.account.name)
    {
        *e = connected.account.clone();
    }
    entries
}
