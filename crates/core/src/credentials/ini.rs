//! Minimal INI parsing and helpers shared by the file and environment providers.

use std::collections::BTreeMap;
use std::path::Path;

use super::{Credentials, CredentialsError, Env, ProvideFuture};

/// Minimal INI: `[section]`, `key = value`, `#`/`;` comment lines, optional quotes around values.
pub(crate) fn parse_ini(text: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut section = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim().to_owned();
            out.entry(section.clone()).or_default();
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(v);
            out.entry(section.clone())
                .or_default()
                .insert(k.trim().to_owned(), v.to_owned());
        }
    }
    out
}

pub(crate) fn read_file(provider: &'static str, path: &Path) -> Result<String, CredentialsError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(CredentialsError::not_loaded(
            provider,
            format!("{} does not exist", path.display()),
        )),
        Err(e) => Err(CredentialsError::invalid(
            provider,
            format!("cannot read {}: {e}", path.display()),
        )),
    }
}

pub(crate) fn non_empty(map: &BTreeMap<String, String>, key: &str) -> Option<String> {
    map.get(key)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The environment-variable provider of either vendor: key id and secret (both or neither),
/// optionally a security token, all trimmed. Only the variable names differ between vendors.
pub(crate) fn credentials_from_env(
    env: &Env,
    provider: &'static str,
    id_var: &str,
    secret_var: &str,
    token_var: &str,
) -> Result<Credentials, CredentialsError> {
    match (env.get(id_var), env.get(secret_var)) {
        (Some(id), Some(secret)) => {
            let mut creds = Credentials::new(id.trim(), secret.trim());
            if let Some(token) = env.get(token_var) {
                creds = creds.with_security_token(token.trim());
            }
            Ok(creds.with_provider_name("environment"))
        }
        (None, None) => Err(CredentialsError::not_loaded(
            provider,
            format!("{id_var} and {secret_var} are not set"),
        )),
        (Some(_), None) => Err(CredentialsError::not_loaded(
            provider,
            format!("{id_var} is set but {secret_var} is not"),
        )),
        (None, Some(_)) => Err(CredentialsError::not_loaded(
            provider,
            format!("{secret_var} is set but {id_var} is not"),
        )),
    }
}

#[cfg_attr(not(feature = "aliyun"), allow(dead_code))]
pub(crate) fn ready(result: Result<Credentials, CredentialsError>) -> ProvideFuture<'static> {
    Box::pin(std::future::ready(result))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_parsing() {
        let ini = parse_ini("# c\n[basic]\nak = A\nsk=\"B\"\n; x\n[other]\nk='v'\n");
        assert_eq!(ini["basic"]["ak"], "A");
        assert_eq!(ini["basic"]["sk"], "B");
        assert_eq!(ini["other"]["k"], "v");
    }
}
