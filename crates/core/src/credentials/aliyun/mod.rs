//! Alibaba Cloud providers.

use super::ini::{credentials_from_env, ready};
use super::{ChainProvider, Credentials, CredentialsError, Env, ProvideCredentials, ProvideFuture};

mod net;
mod profiles;

pub use profiles::{CliConfigFile, ProfileFile};

/// `ALIBABA_CLOUD_ACCESS_KEY_ID`.
pub const ENV_ACCESS_KEY_ID: &str = "ALIBABA_CLOUD_ACCESS_KEY_ID";
/// `ALIBABA_CLOUD_ACCESS_KEY_SECRET`.
pub const ENV_ACCESS_KEY_SECRET: &str = "ALIBABA_CLOUD_ACCESS_KEY_SECRET";
/// `ALIBABA_CLOUD_SECURITY_TOKEN`.
pub const ENV_SECURITY_TOKEN: &str = "ALIBABA_CLOUD_SECURITY_TOKEN";
/// `ALIBABA_CLOUD_PROFILE`: profile / section name for the file providers.
pub const ENV_PROFILE: &str = "ALIBABA_CLOUD_PROFILE";
/// `ALIBABA_CLOUD_CREDENTIALS_FILE`: INI file override.
pub const ENV_CREDENTIALS_FILE: &str = "ALIBABA_CLOUD_CREDENTIALS_FILE";
/// `ALIBABA_CLOUD_CLI_PROFILE_DISABLED`: `true` disables `~/.aliyun/config.json`.
pub const ENV_CLI_PROFILE_DISABLED: &str = "ALIBABA_CLOUD_CLI_PROFILE_DISABLED";
/// `ALIBABA_CLOUD_REGION_ID` (read by `AliyunClientBuilder::from_env`).
pub const ENV_REGION_ID: &str = "ALIBABA_CLOUD_REGION_ID";

/// Reads `ALIBABA_CLOUD_ACCESS_KEY_ID`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET` and optionally
/// `ALIBABA_CLOUD_SECURITY_TOKEN`.
#[derive(Clone, Debug, Default)]
pub struct EnvironmentVariables {
    env: Env,
}

impl EnvironmentVariables {
    /// Provider name used in errors.
    pub const NAME: &'static str = "alibaba environment variables";

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
        credentials_from_env(
            &self.env,
            Self::NAME,
            ENV_ACCESS_KEY_ID,
            ENV_ACCESS_KEY_SECRET,
            ENV_SECURITY_TOKEN,
        )
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

/// Environment variables, then the CLI config, then the INI credentials file (the order of the
/// official credentials library).
pub fn default_chain(env: Env) -> ChainProvider {
    ChainProvider::first_try(
        EnvironmentVariables::NAME,
        EnvironmentVariables::with_env(env.clone()),
    )
    .or_else(CliConfigFile::NAME, CliConfigFile::with_env(env.clone()))
    .or_else(ProfileFile::NAME, ProfileFile::with_env(env))
}
