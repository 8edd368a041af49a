//! Credentials and credential providers.
//!
//! [`Credentials`] is an access key id, a secret and an optional security token (STS). It is
//! cheap to clone (an `Arc`), redacts the secret and token in `Debug` and zeroizes them on drop.
//!
//! Providers implement [`ProvideCredentials`]. Each vendor module offers an environment provider,
//! profile-file providers and a default chain:
//!
//! | vendor | chain order |
//! |---|---|
//! | Huawei ([`huawei`]) | `HUAWEICLOUD_SDK_AK`/`HUAWEICLOUD_SDK_SK` (+ optional `HUAWEICLOUD_SDK_SECURITY_TOKEN`) → `~/.huaweicloud/credentials` (`[basic]`, override `HUAWEICLOUD_SDK_CREDENTIALS_FILE`) |
//! | Alibaba ([`aliyun`]) | `ALIBABA_CLOUD_ACCESS_KEY_ID`/`ALIBABA_CLOUD_ACCESS_KEY_SECRET` (+ optional `ALIBABA_CLOUD_SECURITY_TOKEN`) → `~/.aliyun/config.json` (CLI profile, modes `AK`, `StsToken`) → `~/.alibabacloud/credentials` (INI, override `ALIBABA_CLOUD_CREDENTIALS_FILE`) |
//!
//! All environment and home-directory access goes through [`Env`], so providers can be tested
//! with a fake environment:
//!
//! ```
//! use cloudsdk_core::credentials::{Env, huawei::EnvironmentVariables, ProvideCredentials};
//! let env = Env::from_vars([("HUAWEICLOUD_SDK_AK", "AK1"), ("HUAWEICLOUD_SDK_SK", "SK1")]);
//! let creds = EnvironmentVariables::with_env(env).load().unwrap();
//! assert_eq!(creds.access_key_id(), "AK1");
//! ```

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;

use tracing::Instrument;
use zeroize::Zeroizing;

// ---------------------------------------------------------------------------------------------
// Credentials
// ---------------------------------------------------------------------------------------------

/// An access key pair with an optional security token.
#[derive(Clone)]
pub struct Credentials(Arc<Inner>);

struct Inner {
    access_key_id: String,
    secret: Zeroizing<String>,
    security_token: Option<Zeroizing<String>>,
    provider_name: Cow<'static, str>,
}

impl Credentials {
    /// Long-term credentials (access key id + secret).
    pub fn new(access_key_id: impl Into<String>, access_key_secret: impl Into<String>) -> Self {
        Credentials(Arc::new(Inner {
            access_key_id: access_key_id.into(),
            secret: Zeroizing::new(access_key_secret.into()),
            security_token: None,
            provider_name: Cow::Borrowed("static"),
        }))
    }

    /// Adds a security token (temporary STS credentials).
    pub fn with_security_token(self, token: impl Into<String>) -> Self {
        let token = Zeroizing::new(token.into());
        Credentials(Arc::new(Inner {
            access_key_id: self.0.access_key_id.clone(),
            secret: self.0.secret.clone(),
            security_token: Some(token),
            provider_name: self.0.provider_name.clone(),
        }))
    }

    /// Records which provider produced these credentials (shown in `Debug` and logs).
    pub fn with_provider_name(self, name: impl Into<Cow<'static, str>>) -> Self {
        Credentials(Arc::new(Inner {
            access_key_id: self.0.access_key_id.clone(),
            secret: self.0.secret.clone(),
            security_token: self.0.security_token.clone(),
            provider_name: name.into(),
        }))
    }

    /// The access key id (AK).
    pub fn access_key_id(&self) -> &str {
        &self.0.access_key_id
    }

    /// The secret access key (SK).
    pub fn access_key_secret(&self) -> &str {
        &self.0.secret
    }

    /// The security token, for temporary credentials.
    pub fn security_token(&self) -> Option<&str> {
        self.0.security_token.as_deref().map(String::as_str)
    }

    /// The provider that produced these credentials (`static`, `environment`, …).
    pub fn provider_name(&self) -> &str {
        &self.0.provider_name
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.0.access_key_id)
            .field("access_key_secret", &"** redacted **")
            .field(
                "security_token",
                &self.0.security_token.as_ref().map(|_| "** redacted **"),
            )
            .field("provider_name", &self.0.provider_name)
            .finish()
    }
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// Why a provider gave no credentials.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum CredentialsError {
    /// This provider has nothing to offer (variables unset, file missing); a chain moves on.
    NotLoaded {
        /// Provider name.
        provider: Cow<'static, str>,
        /// What was looked at.
        reason: String,
    },
    /// The provider found a configuration, but it is invalid; a chain stops here.
    InvalidConfiguration {
        /// Provider name.
        provider: Cow<'static, str>,
        /// What is wrong.
        reason: String,
    },
    /// A chain tried every provider and none had credentials.
    NoneFound {
        /// `provider: reason` for each provider, in order.
        tried: Vec<String>,
    },
}

impl CredentialsError {
    /// A "nothing here" error for `provider`.
    pub fn not_loaded(provider: impl Into<Cow<'static, str>>, reason: impl Into<String>) -> Self {
        CredentialsError::NotLoaded {
            provider: provider.into(),
            reason: reason.into(),
        }
    }

    /// An "invalid configuration" error for `provider`.
    pub fn invalid(provider: impl Into<Cow<'static, str>>, reason: impl Into<String>) -> Self {
        CredentialsError::InvalidConfiguration {
            provider: provider.into(),
            reason: reason.into(),
        }
    }

    /// The list of `provider: reason` entries this error describes.
    pub fn tried(&self) -> Vec<String> {
        match self {
            CredentialsError::NotLoaded { provider, reason }
            | CredentialsError::InvalidConfiguration { provider, reason } => {
                vec![format!("{provider}: {reason}")]
            }
            CredentialsError::NoneFound { tried } => tried.clone(),
        }
    }
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialsError::NotLoaded { provider, reason } => {
                write!(f, "{provider} provided no credentials: {reason}")
            }
            CredentialsError::InvalidConfiguration { provider, reason } => {
                write!(f, "{provider}: invalid configuration: {reason}")
            }
            CredentialsError::NoneFound { tried } => {
                write!(f, "no credentials found; tried: {}", tried.join("; "))
            }
        }
    }
}

impl std::error::Error for CredentialsError {}

// ---------------------------------------------------------------------------------------------
// Provider trait
// ---------------------------------------------------------------------------------------------

/// The future returned by [`ProvideCredentials::provide_credentials`].
pub type ProvideFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Credentials, CredentialsError>> + Send + 'a>>;

/// A source of credentials. Object safe; clients hold an `Arc<dyn ProvideCredentials>` and call
/// it once per operation.
pub trait ProvideCredentials: Send + Sync + fmt::Debug {
    /// Loads credentials.
    fn provide_credentials(&self) -> ProvideFuture<'_>;
}

impl ProvideCredentials for Credentials {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        Box::pin(std::future::ready(Ok(self.clone())))
    }
}

impl<T: ProvideCredentials + ?Sized> ProvideCredentials for Arc<T> {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        (**self).provide_credentials()
    }
}

/// Polls a future once; returns its output if it completed immediately. The built-in providers
/// (environment, files) always complete immediately, which lets `build()` check them.
pub(crate) fn poll_now<F: Future>(fut: F) -> Option<F::Output> {
    let mut fut = std::pin::pin!(fut);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match fut.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(v) => Some(v),
        std::task::Poll::Pending => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Chain
// ---------------------------------------------------------------------------------------------

/// Tries providers in order. A provider answering [`CredentialsError::NotLoaded`] passes to the
/// next; any other error stops the chain. When nothing is found the error lists every provider
/// tried and why it gave nothing.
#[derive(Clone)]
pub struct ChainProvider {
    providers: Vec<(Cow<'static, str>, Arc<dyn ProvideCredentials>)>,
}

impl ChainProvider {
    /// A chain starting with `provider`.
    pub fn first_try(
        name: impl Into<Cow<'static, str>>,
        provider: impl ProvideCredentials + 'static,
    ) -> Self {
        ChainProvider {
            providers: vec![(name.into(), Arc::new(provider))],
        }
    }

    /// Appends a provider.
    pub fn or_else(
        mut self,
        name: impl Into<Cow<'static, str>>,
        provider: impl ProvideCredentials + 'static,
    ) -> Self {
        self.providers.push((name.into(), Arc::new(provider)));
        self
    }

    /// Names of the providers, in order.
    pub fn provider_names(&self) -> Vec<&str> {
        self.providers.iter().map(|(n, _)| n.as_ref()).collect()
    }

    async fn resolve(&self) -> Result<Credentials, CredentialsError> {
        let mut tried = Vec::new();
        for (name, provider) in &self.providers {
            let span = tracing::debug_span!("load_credentials", provider = %name);
            match provider.provide_credentials().instrument(span).await {
                Ok(creds) => {
                    tracing::debug!(provider = %name, access_key_id = %creds.access_key_id(), "credentials loaded");
                    return Ok(creds);
                }
                Err(CredentialsError::NotLoaded { reason, .. }) => {
                    tracing::debug!(provider = %name, %reason, "provider had no credentials");
                    tried.push(format!("{name}: {reason}"));
                }
                Err(CredentialsError::NoneFound { tried: inner }) => {
                    tried.extend(inner);
                }
                Err(e) => return Err(e),
            }
        }
        Err(CredentialsError::NoneFound { tried })
    }
}

impl ProvideCredentials for ChainProvider {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        Box::pin(self.resolve())
    }
}

impl fmt::Debug for ChainProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChainProvider")
            .field("providers", &self.provider_names())
            .finish()
    }
}

// ---------------------------------------------------------------------------------------------
// Env shim
// ---------------------------------------------------------------------------------------------

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

    #[cfg(feature = "aliyun")]
    fn is_true(&self, key: &str) -> bool {
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

// ---------------------------------------------------------------------------------------------
// INI
// ---------------------------------------------------------------------------------------------

/// Minimal INI: `[section]`, `key = value`, `#`/`;` comment lines, optional quotes around values.
fn parse_ini(text: &str) -> BTreeMap<String, BTreeMap<String, String>> {
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

fn read_file(provider: &'static str, path: &Path) -> Result<String, CredentialsError> {
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

fn non_empty(map: &BTreeMap<String, String>, key: &str) -> Option<String> {
    map.get(key)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The environment-variable provider of either vendor: key id and secret (both or neither),
/// optionally a security token, all trimmed. Only the variable names differ between vendors.
fn credentials_from_env(
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

fn ready(result: Result<Credentials, CredentialsError>) -> ProvideFuture<'static> {
    Box::pin(std::future::ready(result))
}

// ---------------------------------------------------------------------------------------------
// Huawei
// ---------------------------------------------------------------------------------------------

/// Huawei Cloud providers.
#[cfg(feature = "huawei")]
pub mod huawei {
    use super::*;

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
    }

    /// Environment variables, then the profile file.
    pub fn default_chain(env: Env) -> ChainProvider {
        ChainProvider::first_try(
            EnvironmentVariables::NAME,
            EnvironmentVariables::with_env(env.clone()),
        )
        .or_else(ProfileFile::NAME, ProfileFile::with_env(env))
    }
}

// ---------------------------------------------------------------------------------------------
// Alibaba
// ---------------------------------------------------------------------------------------------

/// Alibaba Cloud providers.
#[cfg(feature = "aliyun")]
pub mod aliyun {
    use super::*;

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
    }

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
                CredentialsError::invalid(
                    Self::NAME,
                    format!("{} is not JSON: {e}", path.display()),
                )
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

    #[test]
    fn debug_redacts() {
        let c = Credentials::new("AKID", "SECRETVALUE").with_security_token("TOKENVALUE");
        let d = format!("{c:?}");
        assert!(d.contains("AKID"));
        assert!(!d.contains("SECRETVALUE"));
        assert!(!d.contains("TOKENVALUE"));
    }
}
