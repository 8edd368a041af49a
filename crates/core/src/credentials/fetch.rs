//! What network providers share: their configuration ([`ProviderConfig`]), explicit timeouts
//! ([`Timeouts`]) and one HTTP exchange helper.

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http::HeaderMap;
use http_body_util::BodyExt;

use super::{Credentials, CredentialsError, Env, ProvideCredentials, ProvideFuture, TimeSource};
use crate::http::{HttpRequest, SharedHttpClient};

/// The `User-Agent` of every credential-service request.
pub(crate) const USER_AGENT: &str = concat!("cloudsdk/", env!("CARGO_PKG_VERSION"), " credentials");

/// `endpoint` as a URL without a trailing `/`: as given when it has a scheme, else with `scheme`.
pub(crate) fn with_scheme(endpoint: &str, scheme: &str) -> String {
    let endpoint = endpoint.trim().trim_end_matches('/');
    if endpoint.contains("://") {
        endpoint.to_owned()
    } else {
        format!("{scheme}://{endpoint}")
    }
}

/// The token in the file at `path`, trimmed (read anew on every call: the platform rotates it).
/// `what` names the file in errors ("the {what} … cannot be read").
pub(crate) fn read_token(
    provider: &'static str,
    what: &str,
    path: &std::path::Path,
) -> Result<zeroize::Zeroizing<String>, CredentialsError> {
    let text = zeroize::Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
        CredentialsError::unavailable(
            provider,
            format!("cannot read the {what} {}: {e}", path.display()),
        )
    })?);
    Ok(zeroize::Zeroizing::new(text.trim().to_owned()))
}

/// [`read_token`], refusing an empty token.
pub(crate) fn read_non_empty_token(
    provider: &'static str,
    what: &str,
    path: &std::path::Path,
) -> Result<zeroize::Zeroizing<String>, CredentialsError> {
    let token = read_token(provider, what, path)?;
    if token.is_empty() {
        return Err(CredentialsError::unavailable(
            provider,
            format!("the {what} {} is empty", path.display()),
        ));
    }
    Ok(token)
}

/// Largest credential-service response read (credentials are a few hundred bytes).
const MAX_BODY: usize = 256 * 1024;

/// The timeouts of one provider's HTTP exchanges: connecting, and reading the whole answer
/// once connected. Each exchange is bounded by their sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Connect timeout.
    pub connect: Duration,
    /// Time allowed for the response after connecting.
    pub read: Duration,
}

impl Timeouts {
    /// Connect and read timeouts.
    pub const fn new(connect: Duration, read: Duration) -> Self {
        Self { connect, read }
    }

    /// Alibaba IMDS: 1 s / 1 s (the official library's values).
    pub const ALIYUN_METADATA: Timeouts =
        Timeouts::new(Duration::from_secs(1), Duration::from_secs(1));
    /// Alibaba STS and credentials URI: 5 s / 10 s.
    pub const ALIYUN_STS: Timeouts = Timeouts::new(Duration::from_secs(5), Duration::from_secs(10));
    /// Huawei ECS metadata: 3 s / 3 s.
    pub const HUAWEI_METADATA: Timeouts =
        Timeouts::new(Duration::from_secs(3), Duration::from_secs(3));
    /// Huawei IAM federation: 10 s / 30 s (shorter than the Python SDK's 60 s / 120 s, so a
    /// dead IAM endpoint does not hold an operation for minutes).
    pub const HUAWEI_IAM: Timeouts =
        Timeouts::new(Duration::from_secs(10), Duration::from_secs(30));

    fn total(&self) -> Duration {
        self.connect.saturating_add(self.read)
    }
}

/// What the network providers share: the [`Env`] they read, the [`TimeSource`] of their
/// caches, the HTTP client for STS/IAM exchanges (proxy and custom CA apply) and the HTTP client
/// for instance-metadata endpoints (never proxied). Without explicit clients, plain
/// reqwest clients are built on first use (the metadata one with proxies disabled). Clones
/// share those clients.
#[derive(Clone, Default)]
pub struct ProviderConfig {
    env: Env,
    time: TimeSource,
    http: Option<SharedHttpClient>,
    metadata_http: Option<SharedHttpClient>,
    huawei_iam_endpoint: Option<String>,
    default_http: Arc<OnceLock<SharedHttpClient>>,
    default_metadata_http: Arc<OnceLock<SharedHttpClient>>,
}

impl ProviderConfig {
    /// Reads `env`, uses the system clock and default HTTP clients.
    pub fn new(env: Env) -> Self {
        Self {
            env,
            ..Self::default()
        }
    }

    /// The environment the providers read.
    pub fn env(&self) -> &Env {
        &self.env
    }

    /// The clock of the providers' caches.
    pub fn time_source(&self) -> &TimeSource {
        &self.time
    }

    /// Uses this clock (e.g. a [`ManualClock`](super::ManualClock) in tests).
    pub fn with_time_source(mut self, time: impl Into<TimeSource>) -> Self {
        self.time = time.into();
        self
    }

    /// The HTTP client for STS and IAM exchanges (and a credentials URI).
    pub fn with_http_client(mut self, client: impl Into<SharedHttpClient>) -> Self {
        self.http = Some(client.into());
        self
    }

    /// The Huawei IAM endpoint of IdP federation when the provider has none of its own: a
    /// Huawei client's `.iam_endpoint(..)` sets it, so that an ID token goes to the IAM the
    /// user chose (before `HUAWEICLOUD_SDK_IAM_ENDPOINT` and the public IAM).
    pub fn with_huawei_iam_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.huawei_iam_endpoint = Some(endpoint.into());
        self
    }

    /// The endpoint set by [`with_huawei_iam_endpoint`](Self::with_huawei_iam_endpoint).
    pub fn huawei_iam_endpoint(&self) -> Option<&str> {
        self.huawei_iam_endpoint.as_deref()
    }

    /// The HTTP client for instance-metadata endpoints (Alibaba IMDS, Huawei ECS metadata). It
    /// should not use a proxy.
    pub fn with_metadata_http_client(mut self, client: impl Into<SharedHttpClient>) -> Self {
        self.metadata_http = Some(client.into());
        self
    }

    /// The client for STS/IAM exchanges.
    pub(crate) fn api_client(
        &self,
        provider: &'static str,
    ) -> Result<SharedHttpClient, CredentialsError> {
        if let Some(c) = &self.http {
            return Ok(c.clone());
        }
        default_client(&self.default_http, provider, false)
    }

    /// The client for metadata endpoints.
    pub(crate) fn metadata_client(
        &self,
        provider: &'static str,
    ) -> Result<SharedHttpClient, CredentialsError> {
        if let Some(c) = &self.metadata_http {
            return Ok(c.clone());
        }
        default_client(&self.default_metadata_http, provider, true)
    }
}

fn default_client(
    cell: &OnceLock<SharedHttpClient>,
    provider: &'static str,
    metadata: bool,
) -> Result<SharedHttpClient, CredentialsError> {
    if let Some(c) = cell.get() {
        return Ok(c.clone());
    }
    let builder = crate::http::reqwest_client_builder().connect_timeout(Duration::from_secs(5));
    // Metadata endpoints are link-local: never through a proxy.
    let builder = if metadata {
        builder.no_proxy()
    } else {
        builder
    };
    let built = builder.build().map_err(|e| {
        CredentialsError::invalid(
            provider,
            format!("cannot build an HTTP client: {}", e.without_url()),
        )
    })?;
    Ok(cell.get_or_init(|| SharedHttpClient::from(built)).clone())
}

impl fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("env", &self.env)
            .field("time", &self.time)
            .field("http", &self.http.is_some())
            .field("metadata_http", &self.metadata_http.is_some())
            .field("huawei_iam_endpoint", &self.huawei_iam_endpoint)
            .finish()
    }
}

/// A credential service's answer.
#[derive(Debug)]
pub(crate) struct Fetched {
    pub status: u16,
    #[cfg_attr(not(feature = "huawei"), allow(dead_code))]
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Fetched {
    /// The body as text, for error messages (shortened; never contains credentials on error).
    #[cfg_attr(not(feature = "huawei"), allow(dead_code))]
    pub(crate) fn body_excerpt(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        text.chars().take(200).collect()
    }
}

/// Sends one request and reads the whole answer within `timeouts`. A transport failure is
/// [`CredentialsError::Unavailable`] (`what` says which exchange failed).
pub(crate) async fn exchange(
    client: &SharedHttpClient,
    request: HttpRequest,
    timeouts: Timeouts,
    provider: &'static str,
    what: &str,
) -> Result<Fetched, CredentialsError> {
    let work = async {
        let response = client.send(request).await.map_err(|e| e.to_string())?;
        let (parts, body) = response.into_parts();
        let body = http_body_util::Limited::new(body, MAX_BODY)
            .collect()
            .await
            .map_err(|e| format!("reading the response: {e}"))?
            .to_bytes();
        Ok::<_, String>(Fetched {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
        })
    };
    match tokio::time::timeout(timeouts.total(), work).await {
        Ok(Ok(fetched)) => Ok(fetched),
        Ok(Err(e)) => Err(CredentialsError::unavailable(
            provider,
            format!("{what}: {e}"),
        )),
        Err(_) => Err(CredentialsError::unavailable(
            provider,
            format!("{what}: no answer within {:?}", timeouts.total()),
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Providers that resolve, from files or variables, to fixed credentials or a network provider
// ---------------------------------------------------------------------------------------------

/// What a profile describes: fixed credentials or a provider that fetches them.
pub(crate) enum Resolved {
    Static(Credentials),
    Network(Arc<dyn ProvideCredentials>),
}

/// The network provider a profile resolved to, shared by clones.
pub(crate) type Inner = Arc<OnceLock<Arc<dyn ProvideCredentials>>>;

/// `provide_credentials` for a profile provider: the kept network provider, else resolve.
pub(crate) fn provide<'a>(
    inner: &'a Inner,
    resolve: impl FnOnce() -> Result<Resolved, CredentialsError>,
) -> ProvideFuture<'a> {
    if let Some(p) = inner.get() {
        return p.provide_credentials();
    }
    match resolve() {
        Ok(Resolved::Static(c)) => Box::pin(std::future::ready(Ok(c))),
        Ok(Resolved::Network(p)) => inner.get_or_init(|| p).provide_credentials(),
        Err(e) => Box::pin(std::future::ready(Err(e))),
    }
}

/// `provide_credentials_now` for a profile provider: `None` once it needs the network.
pub(crate) fn provide_now(
    inner: &Inner,
    resolve: impl FnOnce() -> Result<Resolved, CredentialsError>,
) -> Option<Result<Credentials, CredentialsError>> {
    if inner.get().is_some() {
        return None;
    }
    match resolve() {
        Ok(Resolved::Static(c)) => Some(Ok(c)),
        Ok(Resolved::Network(p)) => {
            let _ = inner.set(p);
            None
        }
        Err(e) => Some(Err(e)),
    }
}

pub(crate) fn static_only(
    provider: &'static str,
    resolved: Resolved,
) -> Result<Credentials, CredentialsError> {
    match resolved {
        Resolved::Static(c) => Ok(c),
        Resolved::Network(_) => Err(CredentialsError::not_loaded(
            provider,
            "the profile fetches credentials over the network; call provide_credentials()",
        )),
    }
}
