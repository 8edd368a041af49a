//! The environment shim: process variables or a fixed map.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// Access to environment variables and the home directory: either the real process
/// environment ([`Env::real`], the default) or a fixed map ([`Env::from_vars`], for tests).
/// Files are read from the real file system at paths derived from this environment.
///
/// A fake environment never points a provider at a real credential service: the metadata, STS
/// and IAM endpoints that its variables do not override resolve to an unroutable loopback
/// address ([`Env::UNROUTABLE_ENDPOINT`]) instead of the vendors' hosts.
#[derive(Clone, Default)]
pub struct Env {
    vars: Option<Arc<BTreeMap<String, String>>>,
}

impl Env {
    /// Where a fake environment ([`Env::from_vars`]) sends the credential-service calls that no
    /// variable overrides: a loopback port nothing listens on (connections are refused at once).
    pub const UNROUTABLE_ENDPOINT: &'static str = "http://127.0.0.1:9";

    /// The real process environment.
    pub fn real() -> Self {
        Env { vars: None }
    }

    /// Whether this is a fake environment built by [`Env::from_vars`].
    pub fn is_fake(&self) -> bool {
        self.vars.is_some()
    }

    /// The endpoint of a credential service: the variable `var` when set, else `real_default`
    /// for the real environment, else [`Env::UNROUTABLE_ENDPOINT`] for a fake one.
    pub(crate) fn service_endpoint(
        &self,
        var: &str,
        real_default: impl FnOnce() -> String,
    ) -> String {
        match self.get(var) {
            Some(v) => v.trim().trim_end_matches('/').to_owned(),
            None if self.is_fake() => Self::UNROUTABLE_ENDPOINT.to_owned(),
            None => real_default(),
        }
    }

    /// A fake environment holding exactly these variables (nothing from the process). Set `HOME`
    /// to point profile providers at a test directory.
    pub fn from_vars<I, K, V>(vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Env {
            vars: Some(Arc::new(
                vars.into_iter()
                    .map(|(k, v)| (k.into(), v.into()))
                    .collect(),
            )),
        }
    }

    /// A variable's value; unset and empty are both `None`.
    pub fn get(&self, key: &str) -> Option<String> {
        let value = match &self.vars {
            Some(map) => map.get(key).cloned(),
            None => std::env::var(key).ok(),
        };
        value.filter(|v| !v.trim().is_empty())
    }

    /// The home directory (`HOME`, else `USERPROFILE`).
    pub fn home_dir(&self) -> Option<PathBuf> {
        self.get("HOME")
            .or_else(|| self.get("USERPROFILE"))
            .map(PathBuf::from)
    }

    /// Whether the variable is `true` (case-insensitive).
    pub(crate) fn is_true(&self, key: &str) -> bool {
        self.get(key)
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    }
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.vars {
            None => f.write_str("Env::real"),
            Some(map) => f
                .debug_struct("Env::from_vars")
                .field("names", &map.keys().collect::<Vec<_>>())
                .finish(),
        }
    }
}
