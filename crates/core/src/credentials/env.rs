//! The environment shim: process variables or a fixed map.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// Access to environment variables and the home directory: either the real process
/// environment ([`Env::real`], the default) or a fixed map ([`Env::from_vars`], for tests).
/// Files are read from the real file system at paths derived from this environment.
#[derive(Clone, Default)]
pub struct Env {
    vars: Option<Arc<BTreeMap<String, String>>>,
}

impl Env {
    /// The real process environment.
    pub fn real() -> Self {
        Env { vars: None }
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
