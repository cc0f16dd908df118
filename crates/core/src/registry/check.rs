//! Registry access as `vouch doctor` and the app's Settings show it: per configured registry,
//! where its credentials come from (an auth file and entry or a helper — never the secret) and
//! whether `GET /v2/` with them succeeds.
//!
//! Invariant: nothing here holds or shows a password or token; a failed check is a sentence
//! (the [`RegistryError`] text), never a panic.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::credentials::CredentialSource;
use super::{Registry, RegistryError, RegistryOptions};

/// One registry's access, as checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RegistryAccess {
    /// `host[:port]`.
    pub host: String,
    /// Where its credentials come from; `None`: none found (anonymous access).
    pub credentials: Option<CredentialSource>,
    /// `GET /v2/` with those credentials.
    pub connection: ConnectionCheck,
}

/// The result of a "test connection".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConnectionCheck {
    pub ok: bool,
    /// `ok`, or the sentence saying why not.
    pub detail: String,
}

/// Longest one registry's check may take (the request timeout is shorter).
const CHECK_TIMEOUT: Duration = Duration::from_secs(15);

/// The registries to check: the ones in Vouch's settings (searched and insecure) and every
/// host the auth files name, sorted, once each.
pub fn configured_hosts(settings: &crate::config::Settings) -> Vec<String> {
    let mut hosts: Vec<String> = settings
        .registries
        .iter()
        .map(|r| r.host.clone())
        .chain(settings.insecure_registries.iter().cloned())
        .collect();
    hosts.extend(super::credentials::hosts_in_auth_files());
    hosts.sort();
    hosts.dedup();
    hosts
}

/// Checks each of `hosts`, all at once: where its credentials come from and `GET /v2/` with
/// them. One client (one credential lookup per host, helpers bounded by their timeout).
pub async fn check_registries(hosts: &[String], opts: RegistryOptions) -> Vec<RegistryAccess> {
    let client = match Registry::new(opts, hosts.iter().map(String::as_str)) {
        Ok(c) => c,
        Err(e) => {
            return hosts
                .iter()
                .map(|h| RegistryAccess {
                    host: h.clone(),
                    credentials: None,
                    connection: failed(&e),
                })
                .collect()
        }
    };
    let checks = hosts.iter().map(|host| {
        let client = client.clone();
        async move {
            let credentials = client.credentials.source_for(host);
            let connection =
                match tokio::time::timeout(CHECK_TIMEOUT, client.check_access(host)).await {
                    Ok(Ok(())) => ConnectionCheck {
                        ok: true,
                        detail: "ok".into(),
                    },
                    Ok(Err(e)) => failed(&e),
                    Err(_) => ConnectionCheck {
                        ok: false,
                        detail: format!(
                            "the registry {host} did not answer within {} s",
                            CHECK_TIMEOUT.as_secs()
                        ),
                    },
                };
            RegistryAccess {
                host: host.clone(),
                credentials,
                connection,
            }
        }
    });
    futures::future::join_all(checks).await
}

/// Checks every registry [`configured_hosts`] names, reaching the settings' insecure registries
/// over plain HTTP, each request limited to 10 s: what `vouch doctor` and the app show.
pub async fn check_configured(settings: &crate::config::Settings) -> Vec<RegistryAccess> {
    let opts = RegistryOptions {
        insecure: super::insecure_in(settings),
        request_timeout: Duration::from_secs(10),
        ..RegistryOptions::default()
    };
    check_registries(&configured_hosts(settings), opts).await
}

fn failed(e: &RegistryError) -> ConnectionCheck {
    ConnectionCheck {
        ok: false,
        detail: e.to_string(),
    }
}
