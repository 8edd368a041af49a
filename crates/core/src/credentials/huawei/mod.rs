//! Huawei Cloud providers.

use std::collections::BTreeMap;
use std::path::PathBuf;

mod net;

pub use net::{
    ENV_OIDC_AGENCY_URN, ENV_OIDC_DURATION_SECONDS, ENV_OIDC_ID_TOKEN, ENV_OIDC_POLICY,
    ENV_OIDC_POLICY_IDS, ENV_OIDC_PROVIDER_URN, ENV_OIDC_SESSION_NAME, ENV_OIDC_TOKEN_FILE,
    ENV_POD_CREDENTIALS_URI, ENV_POD_TOKEN_FILE, EcsMetadata, IdpFederation, OidcSts, PodIdentity,
};

use super::fetch::{Inner, Resolved, provide, provide_now, static_only};
use super::ini::{credentials_from_env, non_empty, parse_ini, read_file};
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
/// `HUAWEICLOUD_SDK_IAM_ENDPOINT`: the IAM endpoint (project discovery, IdP federation).
pub const ENV_IAM_ENDPOINT: &str = "HUAWEICLOUD_SDK_IAM_ENDPOINT";
/// `HUAWEICLOUD_SDK_STS_ENDPOINT`: the STS v5 endpoint ([`OidcSts`]).
pub const ENV_STS_ENDPOINT: &str = "HUAWEICLOUD_SDK_STS_ENDPOINT";
/// `HUAWEICLOUD_SDK_CREDENTIALS_FILE`.
pub const ENV_CREDENTIALS_FILE: &str = "HUAWEICLOUD_SDK_CREDENTIALS_FILE";
/// `HUAWEICLOUD_SDK_IDP_ID`: the identity provider of an IdP/OIDC federation.
pub const ENV_IDP_ID: &str = "HUAWEICLOUD_SDK_IDP_ID";
/// `HUAWEICLOUD_SDK_ID_TOKEN_FILE`: the file holding the OIDC ID token (re-read on refresh).
pub const ENV_ID_TOKEN_FILE: &str = "HUAWEICLOUD_SDK_ID_TOKEN_FILE";
/// `CLOUDSDK_HUAWEI_METADATA_ENDPOINT`: the ECS metadata endpoint (default
/// `http://169.254.169.254`).
pub const ENV_METADATA_ENDPOINT: &str = "CLOUDSDK_HUAWEI_METADATA_ENDPOINT";
/// `CLOUDSDK_HUAWEI_METADATA_DISABLED`: `true` leaves the ECS metadata provider out of the
/// default chain (the Huawei counterpart of `ALIBABA_CLOUD_ECS_METADATA_DISABLED`).
pub const ENV_METADATA_DISABLED: &str = "CLOUDSDK_HUAWEI_METADATA_DISABLED";

/// IdP federation when both an IdP id and a token file are given.
fn federation(
    config: &ProviderConfig,
    idp_id: Option<String>,
    token_file: Option<String>,
    iam_endpoint: Option<String>,
) -> Option<Resolved> {
    let (idp, file) = (idp_id?, token_file?);
    let mut p = IdpFederation::with_config(config.clone())
        .idp_id(idp)
        .id_token_file(file);
    if let Some(iam) = iam_endpoint {
        p = p.iam_endpoint(iam);
    }
    Some(Resolved::Network(std::sync::Arc::new(p)))
}

/// Reads `HUAWEICLOUD_SDK_IDP_ID` with `HUAWEICLOUD_SDK_ID_TOKEN_FILE` (IdP federation, which
/// wins when both are set: [`IdpFederation`]), else `HUAWEICLOUD_SDK_AK`, `HUAWEICLOUD_SDK_SK`
/// and optionally `HUAWEICLOUD_SDK_SECURITY_TOKEN`.
#[derive(Clone, Debug, Default)]
pub struct EnvironmentVariables {
    config: ProviderConfig,
    inner: Inner,
}

impl EnvironmentVariables {
    /// Provider name used in errors.
    pub const NAME: &'static str = "huawei environment variables";

    /// Reads the process environment.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads the given environment.
    pub fn with_env(env: Env) -> Self {
        Self::with_config(ProviderConfig::new(env))
    }

    /// Reads `config`'s environment; a federation uses its HTTP client and clock.
    pub fn with_config(config: ProviderConfig) -> Self {
        Self {
            config,
            inner: Inner::default(),
        }
    }

    /// Loads AK/SK synchronously (an IdP federation needs
    /// [`provide_credentials`](ProvideCredentials::provide_credentials)).
    pub fn load(&self) -> Result<Credentials, CredentialsError> {
        static_only(Self::NAME, self.resolve()?)
    }

    fn resolve(&self) -> Result<Resolved, CredentialsError> {
        let env = self.config.env();
        if let Some(r) = federation(
            &self.config,
            env.get(ENV_IDP_ID),
            env.get(ENV_ID_TOKEN_FILE),
            None,
        ) {
            return Ok(r);
        }
        credentials_from_env(env, Self::NAME, ENV_AK, ENV_SK, ENV_SECURITY_TOKEN)
            .map(Resolved::Static)
    }
}

impl ProvideCredentials for EnvironmentVariables {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        provide(&self.inner, || self.resolve())
    }

    fn provide_credentials_now(&self) -> Option<Result<Credentials, CredentialsError>> {
        provide_now(&self.inner, || self.resolve())
    }
}

/// Reads `HUAWEICLOUD_SDK_CREDENTIALS_FILE`, else `~/.huaweicloud/credentials`: the `[basic]`
/// section, else `[global]`. Keys `ak`, `sk`, `security_token`, `project_id` (basic),
/// `domain_id` (global), and `idp_id` with `id_token_file` (IdP federation, which wins over
/// AK/SK; `iam_endpoint` sets its IAM endpoint).
#[derive(Clone, Debug, Default)]
pub struct ProfileFile {
    config: ProviderConfig,
    path: Option<PathBuf>,
    inner: Inner,
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
        Self::with_config(ProviderConfig::new(env))
    }

    /// Uses `config`'s environment to locate the file; a federation uses its HTTP client.
    pub fn with_config(config: ProviderConfig) -> Self {
        Self {
            config,
            ..Self::default()
        }
    }

    /// Reads exactly this file.
    pub fn with_path(path: impl Into<PathBuf>) -> Self {
        Self {
            path: Some(path.into()),
            ..Self::default()
        }
    }

    /// The file this provider reads, if a location can be determined.
    pub fn path(&self) -> Option<PathBuf> {
        let env = self.config.env();
        self.path
            .clone()
            .or_else(|| env.get(ENV_CREDENTIALS_FILE).map(PathBuf::from))
            .or_else(|| {
                env.home_dir()
                    .map(|h| h.join(".huaweicloud").join("credentials"))
            })
    }

    /// The `[basic]` section, else `[global]`, and its name.
    fn section(&self) -> Result<(BTreeMap<String, String>, &'static str), CredentialsError> {
        let path = self.path().ok_or_else(|| {
            CredentialsError::not_loaded(Self::NAME, "no home directory (HOME unset)")
        })?;
        let text = read_file(Self::NAME, &path)?;
        let mut ini = parse_ini(&text);
        for name in ["basic", "global"] {
            if let Some(section) = ini.remove(name) {
                return Ok((section, name));
            }
        }
        Err(CredentialsError::not_loaded(
            Self::NAME,
            format!("{} has no [basic] or [global] section", path.display()),
        ))
    }

    /// The `project_id` of the `[basic]` section, if any.
    pub fn project_id(&self) -> Option<String> {
        self.section()
            .ok()
            .filter(|(_, name)| *name == "basic")
            .and_then(|(s, _)| non_empty(&s, "project_id"))
    }

    /// Loads AK/SK synchronously (an IdP federation needs
    /// [`provide_credentials`](ProvideCredentials::provide_credentials)).
    pub fn load(&self) -> Result<Credentials, CredentialsError> {
        static_only(Self::NAME, self.resolve()?)
    }

    fn resolve(&self) -> Result<Resolved, CredentialsError> {
        let (section, name) = self.section()?;
        let path = self.path().unwrap_or_default();
        let get = |k: &str| non_empty(&section, k);
        if let Some(r) = federation(
            &self.config,
            get("idp_id"),
            get("id_token_file"),
            get("iam_endpoint"),
        ) {
            return Ok(r);
        }
        match (get("ak"), get("sk")) {
            (Some(ak), Some(sk)) => {
                let mut creds = Credentials::new(ak, sk);
                if let Some(token) = get("security_token") {
                    creds = creds.with_security_token(token);
                }
                Ok(Resolved::Static(creds.with_provider_name("profile file")))
            }
            (None, None) => Err(CredentialsError::not_loaded(
                Self::NAME,
                format!("[{name}] in {} has no ak/sk", path.display()),
            )),
            _ => Err(CredentialsError::invalid(
                Self::NAME,
                format!("[{name}] in {} must set both ak and sk", path.display()),
            )),
        }
    }
}

impl ProvideCredentials for ProfileFile {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        provide(&self.inner, || self.resolve())
    }

    fn provide_credentials_now(&self) -> Option<Result<Credentials, CredentialsError>> {
        provide_now(&self.inner, || self.resolve())
    }
}

/// The default chain in the official order: OIDC through STS v5 (only when
/// `HUAWEICLOUD_OIDC_PROVIDER_URN` and `HUAWEICLOUD_OIDC_AGENCY_URN` are set), environment
/// variables (IdP federation or AK/SK), the profile file (IdP federation or AK/SK), ECS metadata
/// (unless `CLOUDSDK_HUAWEI_METADATA_DISABLED=true`), CCE pod identity (only when
/// `HC_CONTAINER_CREDENTIALS_FULL_URI` and `HC_CONTAINER_AUTHORIZATION_TOKEN_FILE` are set).
pub fn default_chain(env: Env) -> ChainProvider {
    default_chain_with(ProviderConfig::new(env))
}

/// [`default_chain`] with the given provider configuration (HTTP clients, clock).
pub fn default_chain_with(config: ProviderConfig) -> ChainProvider {
    let env = config.env().clone();
    let mut chain = ChainProvider::first_try(OidcSts::NAME, OidcSts::with_config(config.clone()))
        .or_else(
            EnvironmentVariables::NAME,
            EnvironmentVariables::with_config(config.clone()),
        )
        .or_else(ProfileFile::NAME, ProfileFile::with_config(config.clone()));
    if !env.is_true(ENV_METADATA_DISABLED) {
        chain = chain.or_else(EcsMetadata::NAME, EcsMetadata::with_config(config.clone()));
    }
    chain.or_else(PodIdentity::NAME, PodIdentity::with_config(config))
}
