//! The Alibaba profile files: the INI credentials file and the CLI `config.json`.

use std::path::{Path, PathBuf};

use super::super::ini::{non_empty, parse_ini, read_file, ready};
use super::super::{Credentials, CredentialsError, Env, ProvideCredentials, ProvideFuture};
use super::{ENV_CLI_PROFILE_DISABLED, ENV_CREDENTIALS_FILE, ENV_PROFILE};

/// The INI credentials file: `ALIBABA_CLOUD_CREDENTIALS_FILE`, else
/// `~/.alibabacloud/credentials`; section `ALIBABA_CLOUD_PROFILE`, else `default`; supports
/// `type = access_key` with `access_key_id` / `access_key_secret`.
#[derive(Clone, Debug, Default)]
pub struct ProfileFile {
    env: Env,
    path: Option<PathBuf>,
}

impl ProfileFile {
    /// Provider name used in errors.
    pub const NAME: &'static str = "alibaba credentials file";

    /// Uses the process environment to locate the file.
    pub fn new() -> Self {
        Self::default()
    }

    /// Uses the given environment to locate the file.
    pub fn with_env(env: Env) -> Self {
        Self { env, path: None }
    }

    /// Reads exactly this file (the profile still comes from `ALIBABA_CLOUD_PROFILE`).
    pub fn with_path(path: impl Into<PathBuf>) -> Self {
        Self {
            env: Env::real(),
            path: Some(path.into()),
        }
    }

    /// The file this provider reads, if a location can be determined.
    pub fn path(&self) -> Option<PathBuf> {
        self.path
            .clone()
            .or_else(|| self.env.get(ENV_CREDENTIALS_FILE).map(PathBuf::from))
            .or_else(|| {
                self.env
                    .home_dir()
                    .map(|h| h.join(".alibabacloud").join("credentials"))
            })
    }

    /// Loads synchronously.
    pub fn load(&self) -> Result<Credentials, CredentialsError> {
        let path = self.path().ok_or_else(|| {
            CredentialsError::not_loaded(Self::NAME, "no home directory (HOME unset)")
        })?;
        let text = read_file(Self::NAME, &path)?;
        let profile = self
            .env
            .get(ENV_PROFILE)
            .unwrap_or_else(|| "default".to_owned());
        let mut ini = parse_ini(&text);
        let section = ini.remove(&profile).ok_or_else(|| {
            CredentialsError::not_loaded(
                Self::NAME,
                format!("{} has no [{profile}] section", path.display()),
            )
        })?;
        let kind = non_empty(&section, "type").unwrap_or_else(|| "access_key".to_owned());
        if kind != "access_key" {
            return Err(CredentialsError::not_loaded(
                Self::NAME,
                format!(
                    "[{profile}] in {} has type {kind:?}; only access_key is supported",
                    path.display()
                ),
            ));
        }
        match (
            non_empty(&section, "access_key_id"),
            non_empty(&section, "access_key_secret"),
        ) {
            (Some(id), Some(secret)) => {
                Ok(Credentials::new(id, secret).with_provider_name("credentials file"))
            }
            _ => Err(CredentialsError::invalid(
                Self::NAME,
                format!(
                    "[{profile}] in {} must set access_key_id and access_key_secret",
                    path.display()
                ),
            )),
        }
    }
}

impl ProvideCredentials for ProfileFile {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        ready(self.load())
    }

    fn provide_credentials_now(&self) -> Option<Result<Credentials, CredentialsError>> {
        Some(self.load())
    }
}

/// The Alibaba Cloud CLI configuration `~/.aliyun/config.json`: profile
/// `ALIBABA_CLOUD_PROFILE`, else the file's `current`; modes `AK` and `StsToken`. Disabled by
/// `ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true`.
#[derive(Clone, Debug, Default)]
pub struct CliConfigFile {
    env: Env,
    path: Option<PathBuf>,
}

impl CliConfigFile {
    /// Provider name used in errors.
    pub const NAME: &'static str = "alibaba cli config";

    /// Uses the process environment to locate the file.
    pub fn new() -> Self {
        Self::default()
    }

    /// Uses the given environment to locate the file.
    pub fn with_env(env: Env) -> Self {
        Self { env, path: None }
    }

    /// Reads exactly this file.
    pub fn with_path(path: impl Into<PathBuf>) -> Self {
        Self {
            env: Env::real(),
            path: Some(path.into()),
        }
    }

    /// The file this provider reads, if a location can be determined.
    pub fn path(&self) -> Option<PathBuf> {
        self.path.clone().or_else(|| {
            self.env
                .home_dir()
                .map(|h| h.join(".aliyun").join("config.json"))
        })
    }

    /// The profile named by `ALIBABA_CLOUD_PROFILE`, else by `current`, and its name.
    fn select_profile<'d>(
        &self,
        doc: &'d serde_json::Value,
        path: &Path,
    ) -> Result<(&'d serde_json::Value, String), CredentialsError> {
        let wanted = self.env.get(ENV_PROFILE).or_else(|| {
            doc.get("current")
                .and_then(|c| c.as_str())
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
        });
        let Some(wanted) = wanted else {
            return Err(CredentialsError::not_loaded(
                Self::NAME,
                format!("{} names no current profile", path.display()),
            ));
        };
        let profile = doc
            .get("profiles")
            .and_then(|p| p.as_array())
            .and_then(|ps| {
                ps.iter()
                    .find(|p| p.get("name").and_then(|n| n.as_str()) == Some(wanted.as_str()))
            })
            .ok_or_else(|| {
                CredentialsError::not_loaded(
                    Self::NAME,
                    format!("{} has no profile {wanted:?}", path.display()),
                )
            })?;
        Ok((profile, wanted))
    }

    /// Loads synchronously.
    pub fn load(&self) -> Result<Credentials, CredentialsError> {
        if self.env.is_true(ENV_CLI_PROFILE_DISABLED) {
            return Err(CredentialsError::not_loaded(
                Self::NAME,
                format!("disabled by {ENV_CLI_PROFILE_DISABLED}"),
            ));
        }
        let path = self.path().ok_or_else(|| {
            CredentialsError::not_loaded(Self::NAME, "no home directory (HOME unset)")
        })?;
        let text = read_file(Self::NAME, &path)?;
        let doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            CredentialsError::invalid(Self::NAME, format!("{} is not JSON: {e}", path.display()))
        })?;
        let (profile, wanted) = self.select_profile(&doc, &path)?;
        let field = |k: &str| {
            profile
                .get(k)
                .and_then(|v| v.as_str())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let mode = field("mode").unwrap_or_else(|| "AK".to_owned());
        let keys = || match (field("access_key_id"), field("access_key_secret")) {
            (Some(id), Some(secret)) => Ok(Credentials::new(id, secret)),
            _ => Err(CredentialsError::invalid(
                Self::NAME,
                format!(
                    "profile {wanted:?} in {} must set access_key_id and access_key_secret",
                    path.display()
                ),
            )),
        };
        let creds = match mode.as_str() {
            "AK" => keys()?,
            "StsToken" => {
                let token = field("sts_token").ok_or_else(|| {
                    CredentialsError::invalid(
                        Self::NAME,
                        format!("profile {wanted:?} (StsToken) has no sts_token"),
                    )
                })?;
                keys()?.with_security_token(token)
            }
            other => {
                return Err(CredentialsError::not_loaded(
                    Self::NAME,
                    format!(
                        "profile {wanted:?} has mode {other:?}; only AK and StsToken are supported"
                    ),
                ));
            }
        };
        Ok(creds.with_provider_name("cli config"))
    }
}

impl ProvideCredentials for CliConfigFile {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        ready(self.load())
    }

    fn provide_credentials_now(&self) -> Option<Result<Credentials, CredentialsError>> {
        Some(self.load())
    }
}
