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
use std::fmt;
use std::future::Future;

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

mod env;
mod ini;

pub use env::Env;

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
