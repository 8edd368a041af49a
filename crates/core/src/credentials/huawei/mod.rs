//! Huawei Cloud providers.

use std::collections::BTreeMap;
use std::path::PathBuf;

mod net;

use super::ini::{credentials_from_env, non_empty, parse_ini, read_file, ready};
use super::{
    ChainProvider, Credentials, CredentialsError, Env, ProvideCredentials, ProvideFuture,
    ProviderConfig,
};

/// `HUAWEICLOUD_SDK_AK`.
pub const ENV_AK: &str = "HUAWEICLOUD_SDK_AK";
/// `HUAWEICLOUD_SDK_SK`.
pub const ENV_SK: &str = "HUAWEICLOUD_SDK_SK";
/// `HUAWEICLOUD_SDK_SECURITY_TOKEN`.
pub const ENV_SECURITY_TOKEN: &str = "HUAWEICLOUD_SDK_SECURITY_TOKEN";
/// `HUAWEICLOUD_SDK_PROJECT_ID` (read by `HuaweiClientBuilder::from_env`).
pub const ENV_PROJECT_ID: &str = "HUAWEICLOUD_SDK_PROJECT_ID";
/// `HUAWEICLOUD_SDK_REGION` (read by `HuaweiClientBuilder::from_env`).
pub const ENV_REGION: &str = "HUAWEICLOUD_SDK_REGION";
/// `HUAWEICLOUD_SDK_IAM_ENDPOINT`.
pub const ENV_IAM_ENDPOINT: &str = "HUAWEICLOUD_SDK_IAM_ENDPOINT";
/// `HUAWEICLOUD_SDK_CREDENTIALS_FILE`.
pub const ENV_CREDENTIALS_FILE: &str = "HUAWEICLOUD_SDK_CREDENTIALS_FILE";

/// Reads `HUAWEICLOUD_SDK_AK`, `HUAWEICLOUD_SDK_SK` and optionally
/// `HUAWEICLOUD_SDK_SECURITY_TOKEN`.
#[derive(Clone, Debug, Default)]
pub struct EnvironmentVariables {
    env: Env,
}

impl EnvironmentVariables {
    /// Provider name used in errors.
    pub const NAME: &'static str = "huawei environment variables";

    /// Reads the process environment.
    pub fn new() -> Self {
        Self { env: Env::real() }
    }

    /// Reads the given environment.
    pub fn with_env(env: Env) -> Self {
        Self { env }
    }

    /// Loads synchronously.
    pub fn load(&self) -> Result<Credentials, CredentialsError> {
        credentials_from_env(&self.env, Self::NAME, ENV_AK, ENV_SK, ENV_SECURITY_TOKEN)
    }
}

impl ProvideCredentials for EnvironmentVariables {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        ready(self.load())
    }

    fn provide_credentials_now(&self) -> Option<Result<Credentials, CredentialsError>> {
        Some(self.load())
    }
}

/// Reads the `[basic]` section (`ak`, `sk`, `security_token`, `project_id`) of
/// `HUAWEICLOUD_SDK_CREDENTIALS_FILE`, else `~/.huaweicloud/credentials`.
#[derive(Clone, Debug, Default)]
pub struct ProfileFile {
    env: Env,
    path: Option<PathBuf>,
}

impl ProfileFile {
    /// Provider name used in errors.
    pub const NAME: &'static str = "huawei profile file";

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
        self.path
            .clone()
            .or_else(|| self.env.get(ENV_CREDENTIALS_FILE).map(PathBuf::from))
            .or_else(|| {
                self.env
                    .home_dir()
                    .map(|h| h.join(".huaweicloud").join("credentials"))
            })
    }

    fn section(&self) -> Result<BTreeMap<String, String>, CredentialsError> {
        let path = self.path().ok_or_else(|| {
            CredentialsError::not_loaded(Self::NAME, "no home directory (HOME unset)")
        })?;
        let text = read_file(Self::NAME, &path)?;
        parse_ini(&text).remove("basic").ok_or_else(|| {
            CredentialsError::not_loaded(
                Self::NAME,
                format!("{} has no [basic] section", path.display()),
            )
        })
    }

    /// The `project_id` of the `[basic]` section, if any.
    pub fn project_id(&self) -> Option<String> {
        self.section()
            .ok()
            .and_then(|s| non_empty(&s, "project_id"))
    }

    /// Loads synchronously.
    pub fn load(&self) -> Result<Credentials, CredentialsError> {
        let section = self.section()?;
        let path = self.path().unwrap_or_default();
        match (non_empty(&section, "ak"), non_empty(&section, "sk")) {
            (Some(ak), Some(sk)) => {
                let mut creds = Credentials::new(ak, sk);
                if let Some(token) = non_empty(&section, "security_token") {
                    creds = creds.with_security_token(token);
                }
                Ok(creds.with_provider_name("profile file"))
            }
            (None, None) => Err(CredentialsError::not_loaded(
                Self::NAME,
                format!("[basic] in {} has no ak/sk", path.display()),
            )),
            _ => Err(CredentialsError::invalid(
                Self::NAME,
                format!("[basic] in {} must set both ak and sk", path.display()),
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

/// Environment variables, then the profile file.
pub fn default_chain(env: Env) -> ChainProvider {
    default_chain_with(ProviderConfig::new(env))
}

/// [`default_chain`] with the given provider configuration (HTTP clients, clock).
pub fn default_chain_with(config: ProviderConfig) -> ChainProvider {
    let env = config.env().clone();
    ChainProvider::first_try(
        EnvironmentVariables::NAME,
        EnvironmentVariables::with_env(env.clone()),
    )
    .or_else(ProfileFile::NAME, ProfileFile::with_env(env))
}
