//! Credentials and credential providers.
//!
//! [`Credentials`] is an access key id, a secret and an optional security token (STS). It is
//! cheap to clone (an `Arc`), redacts the secret and token in `Debug` and zeroizes them on drop.
//!
//! Providers implement [`ProvideCredentials`]. Each vendor module offers environment and
//! profile-file providers, network providers for temporary credentials, and a default chain:
//!
//! | vendor | chain order |
//! |---|---|
//! | Huawei ([`huawei`]) | OIDC via STS v5 (when `HUAWEICLOUD_OIDC_PROVIDER_URN` and `HUAWEICLOUD_OIDC_AGENCY_URN` are set) → environment (`HUAWEICLOUD_SDK_IDP_ID` + `HUAWEICLOUD_SDK_ID_TOKEN_FILE` → IdP federation, else `HUAWEICLOUD_SDK_AK`/`HUAWEICLOUD_SDK_SK`) → `~/.huaweicloud/credentials` (`[basic]`, else `[global]`) → ECS metadata (off with `CLOUDSDK_HUAWEI_METADATA_DISABLED=true`) → CCE pod identity (when `HC_CONTAINER_CREDENTIALS_FULL_URI` and `HC_CONTAINER_AUTHORIZATION_TOKEN_FILE` are set) |
//! | Alibaba ([`aliyun`]) | environment → OIDC role ARN (when `ALIBABA_CLOUD_ROLE_ARN`, `ALIBABA_CLOUD_OIDC_PROVIDER_ARN`, `ALIBABA_CLOUD_OIDC_TOKEN_FILE` are set) → `~/.aliyun/config.json` → `~/.alibabacloud/credentials` → ECS RAM role (off with `ALIBABA_CLOUD_ECS_METADATA_DISABLED=true`) → credentials URI (when `ALIBABA_CLOUD_CREDENTIALS_URI` is set) |
//!
//! Network providers take a [`ProviderConfig`] (environment, [`TimeSource`], HTTP clients),
//! have explicit [`Timeouts`] and cache their credentials in a [`CredentialsCache`].
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
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use time::OffsetDateTime;
use tracing::Instrument;
use zeroize::Zeroizing;

// ---------------------------------------------------------------------------------------------
// Credentials
// ---------------------------------------------------------------------------------------------

/// An access key pair with an optional security token and, for temporary credentials, the time
/// they expire.
#[derive(Clone)]
pub struct Credentials(Arc<Inner>);

#[derive(Clone)]
struct Inner {
    access_key_id: String,
    secret: Zeroizing<String>,
    security_token: Option<Zeroizing<String>>,
    provider_name: Cow<'static, str>,
    expiry: Option<OffsetDateTime>,
}

impl Credentials {
    /// Long-term credentials (access key id + secret).
    pub fn new(access_key_id: impl Into<String>, access_key_secret: impl Into<String>) -> Self {
        Credentials(Arc::new(Inner {
            access_key_id: access_key_id.into(),
            secret: Zeroizing::new(access_key_secret.into()),
            security_token: None,
            provider_name: Cow::Borrowed("static"),
            expiry: None,
        }))
    }

    fn modified(self, change: impl FnOnce(&mut Inner)) -> Self {
        let mut inner = Inner::clone(&self.0);
        change(&mut inner);
        Credentials(Arc::new(inner))
    }

    /// Adds a security token (temporary STS credentials).
    pub fn with_security_token(self, token: impl Into<String>) -> Self {
        let token = Zeroizing::new(token.into());
        self.modified(|i| i.security_token = Some(token))
    }

    /// Records which provider produced these credentials (shown in `Debug` and logs).
    pub fn with_provider_name(self, name: impl Into<Cow<'static, str>>) -> Self {
        let name = name.into();
        self.modified(|i| i.provider_name = name)
    }

    /// Records when these (temporary) credentials expire. A [`CredentialsCache`] refreshes them
    /// before that time.
    pub fn with_expiry(self, expiry: OffsetDateTime) -> Self {
        self.modified(|i| i.expiry = Some(expiry))
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

    /// When these credentials expire; `None` for long-term credentials.
    pub fn expiry(&self) -> Option<OffsetDateTime> {
        self.0.expiry
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
            .field("expiry", &self.0.expiry)
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
    /// The provider is configured but could not fetch credentials (network failure, timeout,
    /// an error answer from a credential service); a chain moves on to the next provider.
    Unavailable {
        /// Provider name.
        provider: Cow<'static, str>,
        /// What failed.
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

    /// An "unavailable" error for `provider` (a network or service failure).
    pub fn unavailable(provider: impl Into<Cow<'static, str>>, reason: impl Into<String>) -> Self {
        CredentialsError::Unavailable {
            provider: provider.into(),
            reason: reason.into(),
        }
    }

    /// The list of `provider: reason` entries this error describes.
    pub fn tried(&self) -> Vec<String> {
        match self {
            CredentialsError::NotLoaded { provider, reason }
            | CredentialsError::InvalidConfiguration { provider, reason }
            | CredentialsError::Unavailable { provider, reason } => {
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
            CredentialsError::Unavailable { provider, reason } => {
                write!(f, "{provider} could not fetch credentials: {reason}")
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

    /// Loads credentials without waiting, when this provider can (environment variables, files);
    /// `None` when it needs the network. A client builder calls this on the default chain so that
    /// static credentials are checked by `build()` while network providers resolve lazily, on
    /// the first call. The default is `None`.
    fn provide_credentials_now(&self) -> Option<Result<Credentials, CredentialsError>> {
        None
    }
}

impl ProvideCredentials for Credentials {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        Box::pin(std::future::ready(Ok(self.clone())))
    }

    fn provide_credentials_now(&self) -> Option<Result<Credentials, CredentialsError>> {
        Some(Ok(self.clone()))
    }
}

impl<T: ProvideCredentials + ?Sized> ProvideCredentials for Arc<T> {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        (**self).provide_credentials()
    }

    fn provide_credentials_now(&self) -> Option<Result<Credentials, CredentialsError>> {
        (**self).provide_credentials_now()
    }
}

// ---------------------------------------------------------------------------------------------
// Chain
// ---------------------------------------------------------------------------------------------

/// Tries providers in order. A provider answering [`CredentialsError::NotLoaded`] (nothing
/// configured) or [`CredentialsError::Unavailable`] (a network or service failure) passes to the
/// next; [`CredentialsError::InvalidConfiguration`] stops the chain. When nothing is found the
/// error lists every provider tried and why it gave nothing.
///
/// The first provider that answers is remembered (by this chain and its clones): later calls go
/// straight to it, as the vendors' default chains do, so a caching provider keeps its cache.
#[derive(Clone)]
pub struct ChainProvider {
    providers: Vec<(Cow<'static, str>, Arc<dyn ProvideCredentials>)>,
    winner: Arc<std::sync::OnceLock<usize>>,
}

impl ChainProvider {
    /// A chain starting with `provider`.
    pub fn first_try(
        name: impl Into<Cow<'static, str>>,
        provider: impl ProvideCredentials + 'static,
    ) -> Self {
        ChainProvider {
            providers: vec![(name.into(), Arc::new(provider))],
            winner: Arc::default(),
        }
    }

    /// Appends a provider.
    pub fn or_else(
        mut self,
        name: impl Into<Cow<'static, str>>,
        provider: impl ProvideCredentials + 'static,
    ) -> Self {
        self.providers.push((name.into(), Arc::new(provider)));
        // A longer chain is a new chain: it does not share a winner with earlier clones.
        self.winner = Arc::default();
        self
    }

    /// Names of the providers, in order.
    pub fn provider_names(&self) -> Vec<&str> {
        self.providers.iter().map(|(n, _)| n.as_ref()).collect()
    }

    /// Records one provider's answer: `Some(result)` ends the chain.
    fn step(
        &self,
        index: usize,
        answer: Result<Credentials, CredentialsError>,
        tried: &mut Vec<String>,
    ) -> Option<Result<Credentials, CredentialsError>> {
        let name = &self.providers[index].0;
        match answer {
            Ok(creds) => {
                tracing::debug!(provider = %name, access_key_id = %creds.access_key_id(), "credentials loaded");
                let _ = self.winner.set(index);
                Some(Ok(creds))
            }
            Err(
                CredentialsError::NotLoaded { reason, .. }
                | CredentialsError::Unavailable { reason, .. },
            ) => {
                tracing::debug!(provider = %name, %reason, "provider had no credentials");
                tried.push(format!("{name}: {reason}"));
                None
            }
            Err(CredentialsError::NoneFound { tried: inner }) => {
                tried.extend(inner);
                None
            }
            Err(e) => Some(Err(e)),
        }
    }

    async fn resolve(&self) -> Result<Credentials, CredentialsError> {
        if let Some(&i) = self.winner.get() {
            return self.providers[i].1.provide_credentials().await;
        }
        let mut tried = Vec::new();
        for (index, (name, provider)) in self.providers.iter().enumerate() {
            let span = tracing::debug_span!("load_credentials", provider = %name);
            let answer = provider.provide_credentials().instrument(span).await;
            if let Some(done) = self.step(index, answer, &mut tried) {
                return done;
            }
        }
        Err(CredentialsError::NoneFound { tried })
    }

    /// The synchronous part of [`resolve`](Self::resolve): `None` when a provider needs the
    /// network before any answered.
    fn resolve_now(&self) -> Option<Result<Credentials, CredentialsError>> {
        if let Some(&i) = self.winner.get() {
            return self.providers[i].1.provide_credentials_now();
        }
        let mut tried = Vec::new();
        for (index, (_, provider)) in self.providers.iter().enumerate() {
            let answer = provider.provide_credentials_now()?;
            if let Some(done) = self.step(index, answer, &mut tried) {
                return Some(done);
            }
        }
        Some(Err(CredentialsError::NoneFound { tried }))
    }
}

impl ProvideCredentials for ChainProvider {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        Box::pin(self.resolve())
    }

    fn provide_credentials_now(&self) -> Option<Result<Credentials, CredentialsError>> {
        self.resolve_now()
    }
}

impl fmt::Debug for ChainProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChainProvider")
            .field("providers", &self.provider_names())
            .finish()
    }
}

mod cache;
mod env;
mod fetch;
mod ini;

pub use cache::{CredentialsCache, InvalidExpiry, ManualClock, TimeSource, parse_expiry};
pub use env::Env;
pub use fetch::{ProviderConfig, Timeouts};

#[cfg(feature = "aliyun")]
pub mod aliyun;
#[cfg(feature = "huawei")]
pub mod huawei;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts() {
        let c = Credentials::new("AKID", "SECRETVALUE").with_security_token("TOKENVALUE");
        let d = format!("{c:?}");
        assert!(d.contains("AKID"));
        assert!(!d.contains("SECRETVALUE"));
        assert!(!d.contains("TOKENVALUE"));
    }
}
