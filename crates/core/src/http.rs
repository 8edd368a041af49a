//! The transport seam: the [`HttpClient`] trait that sends one signed request and returns a
//! response whose body streams.
//!
//! The SDK's retries, timeouts (attempt and operation), body size cap, redaction and error
//! decoding sit above this trait, so they apply to any client. The default implementation is
//! reqwest on rustls (`ring`); pass your own with the client builders' `.http_client(..)`:
//!
//! * a [`reqwest::Client`] you configured (proxy, TLS roots, pool settings). The SDK's
//!   `connect_timeout` applies only to the client the SDK builds itself: set
//!   `reqwest::ClientBuilder::connect_timeout` on yours. Redirects: the SDK's own client follows
//!   none (a signed request must not be replayed elsewhere); configure yours the same way.
//! * any type implementing [`HttpClient`], for example the replay client of the `test-util`
//!   feature (`cloudsdk_core::test_util`).
//!
//! ```no_run
//! # fn f() -> Result<(), Box<dyn std::error::Error>> {
//! use cloudsdk_core::http::SharedHttpClient;
//! // The SDK's settings (no redirects) plus yours; see `reqwest_client_builder`.
//! let client = cloudsdk_core::http::reqwest_client_builder()
//!     .connect_timeout(std::time::Duration::from_secs(3))
//!     .build()?;
//! let shared = SharedHttpClient::from(client);
//! # let _ = shared; Ok(()) }
//! ```

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use http_body_util::combinators::UnsyncBoxBody;

use crate::error::BoxError;

/// A request as the SDK hands it to an [`HttpClient`]: signed, with the whole body in memory.
pub type HttpRequest = http::Request<Bytes>;

/// A streaming response body. The SDK reads it frame by frame, so the body cap and the attempt
/// timeout apply while it arrives.
pub type ResponseBody = UnsyncBoxBody<Bytes, HttpError>;

/// The response an [`HttpClient`] returns.
pub type HttpResponse = http::Response<ResponseBody>;

/// The future returned by [`HttpClient::send`].
pub type HttpFuture<'a> =
    Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'a>>;

/// Sends one HTTP request. Implementations do not retry, sign or time out the whole attempt:
/// the SDK does all of that above them.
pub trait HttpClient: Send + Sync + fmt::Debug + 'static {
    /// Sends `request` and returns the response head once it arrived; the body streams.
    fn send(&self, request: HttpRequest) -> HttpFuture<'_>;
}

/// A shared, type-erased [`HttpClient`] (an `Arc`), what the client builders accept.
#[derive(Clone, Debug)]
pub struct SharedHttpClient(Arc<dyn HttpClient>);

impl SharedHttpClient {
    /// Wraps any [`HttpClient`].
    pub fn new(client: impl HttpClient) -> Self {
        Self(Arc::new(client))
    }

    pub(crate) fn send(&self, request: HttpRequest) -> HttpFuture<'_> {
        self.0.send(request)
    }
}

impl<T: HttpClient> From<T> for SharedHttpClient {
    fn from(client: T) -> Self {
        Self::new(client)
    }
}

impl From<reqwest::Client> for SharedHttpClient {
    /// A reqwest client you configured. Its own connect timeout applies (not the SDK's).
    fn from(client: reqwest::Client) -> Self {
        Self::new(ReqwestHttpClient {
            client,
            connect_timeout: None,
        })
    }
}

/// What went wrong in an [`HttpClient`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HttpErrorKind {
    /// No connection could be established (DNS, refused, TLS handshake, proxy tunnel); nothing
    /// reached the server.
    Connect,
    /// Establishing the connection took longer than the client's connect timeout.
    ConnectTimeout,
    /// The client's own timeout fired after the connection was made.
    Timeout,
    /// The response body broke off while it was read.
    Body,
    /// Anything else (the request could not be written, a protocol error).
    Other,
}

/// The error of an [`HttpClient`]: a kind the SDK classifies (retries, timeouts) and the cause.
/// `Display` is the cause's text; `source()` is the cause.
#[derive(Debug)]
pub struct HttpError {
    kind: HttpErrorKind,
    connect_limit: Option<Duration>,
    source: BoxError,
}

impl HttpError {
    /// An error of `kind` caused by `source`.
    pub fn new(kind: HttpErrorKind, source: impl Into<BoxError>) -> Self {
        Self {
            kind,
            connect_limit: None,
            source: source.into(),
        }
    }

    /// A connection failure (nothing was sent).
    pub fn connect(source: impl Into<BoxError>) -> Self {
        Self::new(HttpErrorKind::Connect, source)
    }

    /// A connect timeout; `limit` is the client's connect timeout when known.
    pub fn connect_timeout(limit: Option<Duration>, source: impl Into<BoxError>) -> Self {
        let mut e = Self::new(HttpErrorKind::ConnectTimeout, source);
        e.connect_limit = limit;
        e
    }

    /// A timeout of the client itself, after the connection was made.
    pub fn timeout(source: impl Into<BoxError>) -> Self {
        Self::new(HttpErrorKind::Timeout, source)
    }

    /// The body broke off while streaming.
    pub fn body(source: impl Into<BoxError>) -> Self {
        Self::new(HttpErrorKind::Body, source)
    }

    /// Any other failure.
    pub fn other(source: impl Into<BoxError>) -> Self {
        Self::new(HttpErrorKind::Other, source)
    }

    /// The kind.
    pub fn kind(&self) -> HttpErrorKind {
        self.kind
    }

    /// For a connect timeout: the limit that fired, when the client knows it.
    pub fn connect_limit(&self) -> Option<Duration> {
        self.connect_limit
    }

    pub(crate) fn into_source(self) -> BoxError {
        self.source
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.source, f)
    }
}

impl StdError for HttpError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(self.source.as_ref())
    }
}

/// Turns a `Bytes` value into a complete [`ResponseBody`] (for [`HttpClient`] implementations
/// that have the whole body at hand).
pub fn full_body(bytes: impl Into<Bytes>) -> ResponseBody {
    http_body_util::Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed_unsync()
}

/// A `reqwest::ClientBuilder` with the settings of the SDK's own client (no redirects: a signed
/// request must not be replayed elsewhere; idle connections kept 60 s), to customise (proxy,
/// extra root certificates, pool settings, `connect_timeout`) and pass to `.http_client(..)`.
///
/// It also makes sure a rustls crypto provider is installed (`ring`, the one the SDK builds):
/// reqwest panics when a client is built without one, which happens when your build enables
/// reqwest only with the SDK's features. A `reqwest::Client::builder()` of your own works too
/// when your reqwest features bring a provider (its default features do) or you installed one.
///
/// ```no_run
/// # fn f() -> Result<(), Box<dyn std::error::Error>> {
/// let client = cloudsdk_core::http::reqwest_client_builder()
///     .connect_timeout(std::time::Duration::from_secs(3))
///     .build()?;
/// # let _ = client; Ok(()) }
/// ```
pub fn reqwest_client_builder() -> reqwest::ClientBuilder {
    install_crypto_provider();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(Duration::from_secs(60))
}

/// The default client: reqwest on rustls.
#[derive(Clone, Debug)]
pub(crate) struct ReqwestHttpClient {
    client: reqwest::Client,
    /// The connect timeout the SDK configured (only for the client it built itself).
    connect_timeout: Option<Duration>,
}

fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Err means another thread installed one first: fine, reqwest uses whichever is installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

impl ReqwestHttpClient {
    /// The SDK's own client: the given connect timeout, no redirects, 60 s idle pool timeout.
    pub(crate) fn build(connect_timeout: Duration) -> Result<Self, reqwest::Error> {
        let client = reqwest_client_builder()
            .connect_timeout(connect_timeout)
            .build()
            .map_err(reqwest::Error::without_url)?;
        Ok(Self {
            client,
            connect_timeout: Some(connect_timeout),
        })
    }

    fn classify(&self, e: reqwest::Error) -> HttpError {
        let e = e.without_url();
        if e.is_timeout() && e.is_connect() {
            HttpError::connect_timeout(self.connect_timeout, e)
        } else if e.is_timeout() {
            HttpError::timeout(e)
        } else if e.is_connect() {
            HttpError::connect(e)
        } else if e.is_body() || e.is_decode() {
            HttpError::body(e)
        } else {
            HttpError::other(e)
        }
    }
}

fn body_error(e: reqwest::Error) -> HttpError {
    let e = e.without_url();
    if e.is_timeout() {
        HttpError::timeout(e)
    } else {
        HttpError::body(e)
    }
}

impl HttpClient for ReqwestHttpClient {
    fn send(&self, request: HttpRequest) -> HttpFuture<'_> {
        Box::pin(async move {
            let request = reqwest::Request::try_from(request).map_err(|e| self.classify(e))?;
            let response = self
                .client
                .execute(request)
                .await
                .map_err(|e| self.classify(e))?;
            let response: http::Response<reqwest::Body> = response.into();
            Ok(response.map(|body| body.map_err(body_error).boxed_unsync()))
        })
    }
}
