//! Alibaba Cloud providers.

use super::ini::{credentials_from_env, ready};
use super::{
    ChainProvider, Credentials, CredentialsError, Env, ProvideCredentials, ProvideFuture,
    ProviderConfig,
};

mod net;
mod profiles;

pub use net::{
    CredentialsUri, ENV_CREDENTIALS_URI, ENV_ECS_METADATA, ENV_ECS_METADATA_DISABLED,
    ENV_IMDSV1_DISABLED, ENV_METADATA_ENDPOINT, ENV_OIDC_PROVIDER_ARN, ENV_OIDC_TOKEN_FILE,
    ENV_ROLE_ARN, ENV_ROLE_SESSION_NAME, ENV_STS_ENDPOINT, ENV_STS_REGION,
    ENV_VPC_ENDPOINT_ENABLED, EcsRamRole, OidcRoleArn, RamRoleArn,
};
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

/// The default chain in the official library's order (`default_chain_with` on the process
/// environment's or `env`'s settings): environment variables; OIDC role ARN (only when
/// `ALIBABA_CLOUD_ROLE_ARN`, `ALIBABA_CLOUD_OIDC_PROVIDER_ARN` and `ALIBABA_CLOUD_OIDC_TOKEN_FILE`
/// are all set); the CLI config; the INI credentials file; the ECS RAM role (unless
/// `ALIBABA_CLOUD_ECS_METADATA_DISABLED=true`); the credentials URI (only when
/// `ALIBABA_CLOUD_CREDENTIALS_URI` is set).
pub fn default_chain(env: Env) -> ChainProvider {
    default_chain_with(ProviderConfig::new(env))
}

/// [`default_chain`] with the given provider configuration (HTTP clients, clock).
pub fn default_chain_with(config: ProviderConfig) -> ChainProvider {
    let env = config.env().clone();
    let mut chain = ChainProvider::first_try(
        EnvironmentVariables::NAME,
        EnvironmentVariables::with_env(env.clone()),
    );
    if OidcRoleArn::is_configured_in(&env) {
        chain = chain.or_else(OidcRoleArn::NAME, OidcRoleArn::with_config(config.clone()));
    }
    chain = chain
        .or_else(
            CliConfigFile::NAME,
            CliConfigFile::with_config(config.clone()),
        )
        .or_else(ProfileFile::NAME, ProfileFile::with_config(config.clone()));
    if !env.is_true(ENV_ECS_METADATA_DISABLED) {
        chain = chain.or_else(EcsRamRole::NAME, EcsRamRole::with_config(config.clone()));
    }
    if env.get(ENV_CREDENTIALS_URI).is_some() {
        chain = chain.or_else(CredentialsUri::NAME, CredentialsUri::with_config(config));
    }
    chain
}
