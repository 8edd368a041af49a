//! The transport seam: the [`HttpClient`] trait that sends one signed request and returns a
//! response whose body streams.
//!
//! The SDK's retries, timeouts (attempt and operation), body size cap, redaction and error
//! decoding sit above this trait, so they apply to any client. The default implementation is
//! reqwest on rustls (`ring`), configured by the builders' network settings ([`NetworkSettings`]:
//! `.proxy(..)`, `.no_proxy(..)`, `.add_root_certificate(..)`, `.ca_bundle(..)`,
//! `.tls_built_in_root_certs(..)`, and the environment's proxies). Or pass your own with the
//! client builders' `.http_client(..)` (not together with the network settings):
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
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use http_body_util::combinators::UnsyncBoxBody;

use crate::credentials::Env;
use crate::error::{BoxError, BuildError};

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
pub struct SharedHttpClient(Transport);

/// A reqwest client (the SDK's own, or one given as a `reqwest::Client`) is called directly:
/// its calls need no boxed future and no dynamic call on every poll. Any other implementation
/// goes through the trait.
#[derive(Clone, Debug)]
enum Transport {
    Reqwest(Arc<ReqwestHttpClient>),
    Custom(Arc<dyn HttpClient>),
}

impl SharedHttpClient {
    /// Wraps any [`HttpClient`].
    pub fn new(client: impl HttpClient) -> Self {
        Self(Transport::Custom(Arc::new(client)))
    }

    /// The SDK's own reqwest client.
    pub(crate) fn reqwest(client: ReqwestHttpClient) -> Self {
        Self(Transport::Reqwest(Arc::new(client)))
    }

    pub(crate) fn send(
        &self,
        request: HttpRequest,
    ) -> impl Future<Output = Result<HttpResponse, HttpError>> + Send + '_ {
        match &self.0 {
            Transport::Reqwest(client) => Either::Left {
                future: client.execute(request),
            },
            Transport::Custom(client) => Either::Right {
                future: client.send(request),
            },
        }
    }
}

pin_project_lite::pin_project! {
    /// One of two futures with the same output.
    #[project = EitherProj]
    enum Either<L, R> {
        Left { #[pin] future: L },
        Right { #[pin] future: R },
    }
}

impl<L: Future, R: Future<Output = L::Output>> Future for Either<L, R> {
    type Output = L::Output;

    fn poll(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        match self.project() {
            EitherProj::Left { future } => future.poll(cx),
            EitherProj::Right { future } => future.poll(cx),
        }
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
        Self::reqwest(ReqwestHttpClient {
            client,
            connect_timeout: None,
            origins: OriginCache::default(),
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

// ---------------------------------------------------------------------------------------------
// Network settings: proxy and TLS trust of the SDK's own client
// ---------------------------------------------------------------------------------------------

/// Proxy and TLS trust settings of the HTTP client the SDK builds for a client (the API client,
/// also used for the STS and IAM credential exchanges). The client builders' `.proxy(..)`,
/// `.no_proxy(..)`, `.add_root_certificate(..)`, `.ca_bundle(..)` and
/// `.tls_built_in_root_certs(..)` fill one of these; build your own `reqwest` client with the
/// same rules through [`apply_to`](Self::apply_to).
///
/// **Proxy.** [`proxy`](Self::proxy) sends every request, to `http://` and `https://`
/// endpoints alike, through one forward proxy (`http://` or `https://` proxy URL). Credentials
/// in the URL (`http://user:pass@proxy:3128`, percent-encoded) become a
/// `Proxy-Authorization: Basic …` header (on the `CONNECT` for https endpoints). Without an
/// explicit proxy, the environment's are used, read through the builder's
/// [`Env`] by [`read_env`](Self::read_env), as curl reads them:
/// `HTTPS_PROXY` (or `https_proxy`) for https endpoints, `HTTP_PROXY` (or `http_proxy`) for
/// http endpoints, `ALL_PROXY` (or `all_proxy`) for both when the specific one is unset. As
/// in curl and reqwest, the environment's proxies are ignored when `REQUEST_METHOD` is set
/// (a CGI program, where `HTTP_PROXY` may come from a request header).
///
/// **No proxy.** [`no_proxy`](Self::no_proxy) (else `NO_PROXY` / `no_proxy`) is a comma list
/// of hosts that are reached directly: a domain matches itself and its subdomains
/// (`example.com` and `.example.com` alike), an IP address or CIDR block (`10.0.0.0/8`)
/// matches those addresses, `*` matches every host. It applies to the explicit proxy and to
/// the environment's. Loopback is not exempted implicitly: list `127.0.0.1,localhost` to
/// reach a local server directly.
///
/// **Trust.** [`add_root_certificate`](Self::add_root_certificate) (PEM text, one or more
/// certificates) and [`ca_bundle`](Self::ca_bundle) (a PEM file) add certificate authorities.
/// They are trusted **in addition to** the system's roots by default, or **instead of** them
/// after [`tls_built_in_root_certs(false)`](Self::tls_built_in_root_certs). The PEM text is
/// parsed, and the file read, when the client is built: a problem is a
/// [`BuildError::InvalidCaCertificate`].
///
/// These settings cannot be combined with a client you bring (`.http_client(..)`): configure
/// that client itself ([`apply_to`](Self::apply_to) does it for a `reqwest` client). The
/// environment's proxies do not count as settings here: with your own client they are simply
/// not read by the SDK. Instance-metadata endpoints are never reached through a proxy.
///
/// `Debug` shows a proxy URL with its password replaced by `***`, and the number of PEM texts,
/// not their contents.
#[derive(Clone, Default)]
pub struct NetworkSettings {
    proxy: Option<String>,
    no_proxy: Option<String>,
    roots: Vec<RootSource>,
    built_in_roots: Option<bool>,
    env: EnvProxies,
}

/// Which endpoints a proxy serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ProxyFor {
    All,
    Https,
    Http,
}

/// Where extra trusted certificates come from.
#[derive(Clone)]
enum RootSource {
    Pem(Arc<[u8]>),
    Bundle(PathBuf),
}

/// The proxy variables read from the environment: `(variable name, value)`.
#[derive(Clone, Default)]
struct EnvProxies {
    http: Option<(&'static str, String)>,
    https: Option<(&'static str, String)>,
    all: Option<(&'static str, String)>,
    no_proxy: Option<String>,
}

impl NetworkSettings {
    /// No proxy, the system's roots (the defaults).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sends every request through the forward proxy at `url` (`http://[user:pass@]host:port`
    /// or `https://…`; without a scheme `http://` is assumed). Replaces the environment's
    /// proxies. An unusable URL fails the build with
    /// `BuildError::InvalidConfig { item: "proxy", .. }`.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = Some(url.into());
        self
    }

    /// Hosts reached without the proxy: a comma list as in `NO_PROXY` (domains with their
    /// subdomains, IP addresses, CIDR blocks, `*`). Replaces the environment's `NO_PROXY`.
    pub fn no_proxy(mut self, list: impl Into<String>) -> Self {
        self.no_proxy = Some(list.into());
        self
    }

    /// Trusts the certificate authorities in `pem` (one or more `-----BEGIN CERTIFICATE-----`
    /// blocks). Can be called several times.
    pub fn add_root_certificate(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.roots.push(RootSource::Pem(Arc::from(pem.as_ref())));
        self
    }

    /// Trusts the certificate authorities in the PEM file at `path` (read when the client is
    /// built). Can be called several times.
    pub fn ca_bundle(mut self, path: impl Into<PathBuf>) -> Self {
        self.roots.push(RootSource::Bundle(path.into()));
        self
    }

    /// Whether the system's root certificates are trusted (default `true`). With `false` only
    /// the authorities given by [`add_root_certificate`](Self::add_root_certificate) and
    /// [`ca_bundle`](Self::ca_bundle) are trusted, and at least one is required.
    pub fn tls_built_in_root_certs(mut self, enabled: bool) -> Self {
        self.built_in_roots = Some(enabled);
        self
    }

    /// Reads the proxy variables (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`, upper
    /// case first, then lower case) from `env`. Explicit settings still win. The client
    /// builders call this with their `Env` when they build.
    pub fn read_env(&mut self, env: &Env) {
        let first = |names: [&'static str; 2]| {
            names
                .into_iter()
                .find_map(|name| env.get(name).map(|v| (name, v)))
        };
        self.env = if env.get("REQUEST_METHOD").is_some() {
            EnvProxies::default()
        } else {
            EnvProxies {
                http: first(["HTTP_PROXY", "http_proxy"]),
                https: first(["HTTPS_PROXY", "https_proxy"]),
                all: first(["ALL_PROXY", "all_proxy"]),
                no_proxy: first(["NO_PROXY", "no_proxy"]).map(|(_, v)| v),
            }
        };
    }

    /// Whether anything was set explicitly (the environment's proxies do not count).
    pub fn is_configured(&self) -> bool {
        self.proxy.is_some()
            || self.no_proxy.is_some()
            || !self.roots.is_empty()
            || self.built_in_roots.is_some()
    }

    /// Applies these settings to a `reqwest` client builder: the proxies (explicit, else those
    /// [`read_env`](Self::read_env) found; reqwest's own reading of the process environment is
    /// turned off) and the trusted roots. Fails as the SDK's builders do: an unusable proxy URL
    /// (`InvalidConfig { item: "proxy" }`), unreadable or invalid PEM
    /// ([`BuildError::InvalidCaCertificate`]).
    pub fn apply_to(
        &self,
        builder: reqwest::ClientBuilder,
    ) -> Result<reqwest::ClientBuilder, BuildError> {
        let mut builder = builder.no_proxy();
        for proxy in self.proxies()? {
            builder = builder.proxy(proxy);
        }
        self.apply_roots(builder)
    }

    /// Applies the trusted roots only (proxies untouched).
    fn apply_roots(
        &self,
        builder: reqwest::ClientBuilder,
    ) -> Result<reqwest::ClientBuilder, BuildError> {
        let roots = self.root_certificates()?;
        let built_in = self.built_in_roots.unwrap_or(true);
        if !built_in && roots.is_empty() {
            return Err(BuildError::InvalidConfig {
                item: "tls_built_in_root_certs",
                reason: "false without any certificate from .add_root_certificate(..) or \
                         .ca_bundle(..): no server could be trusted"
                    .into(),
            });
        }
        Ok(match (built_in, roots.is_empty()) {
            (true, true) => builder,
            (true, false) => builder.tls_certs_merge(roots),
            (false, _) => builder.tls_certs_only(roots),
        })
    }

    /// The proxies to use, checked: the explicit one for every scheme, else the
    /// environment's (https, then http).
    fn selected_proxies(&self) -> Result<Vec<(ProxyFor, reqwest::Url)>, BuildError> {
        if let Some(url) = &self.proxy {
            return Ok(vec![(ProxyFor::All, parse_proxy_url("proxy", url)?)]);
        }
        let env = &self.env;
        let mut out = Vec::new();
        if let Some((name, url)) = env.https.as_ref().or(env.all.as_ref()) {
            out.push((ProxyFor::Https, parse_proxy_url(name, url)?));
        }
        if let Some((name, url)) = env.http.as_ref().or(env.all.as_ref()) {
            out.push((ProxyFor::Http, parse_proxy_url(name, url)?));
        }
        Ok(out)
    }

    /// The no-proxy list in force: the explicit one, else the environment's.
    fn no_proxy_list(&self) -> Option<&str> {
        self.no_proxy.as_deref().or(self.env.no_proxy.as_deref())
    }

    /// The reqwest proxies.
    fn proxies(&self) -> Result<Vec<reqwest::Proxy>, BuildError> {
        let no_proxy = self.no_proxy_list().and_then(reqwest::NoProxy::from_string);
        self.selected_proxies()?
            .into_iter()
            .map(|(target, url)| {
                let proxy = match target {
                    ProxyFor::All => reqwest::Proxy::all(url),
                    ProxyFor::Https => reqwest::Proxy::https(url),
                    ProxyFor::Http => reqwest::Proxy::http(url),
                };
                proxy
                    .map(|p| p.no_proxy(no_proxy.clone()))
                    .map_err(|e| BuildError::InvalidConfig {
                        item: "proxy",
                        reason: e.without_url().to_string(),
                    })
            })
            .collect()
    }

    /// Every extra trusted certificate, parsed and checked.
    fn root_certificates(&self) -> Result<Vec<reqwest::Certificate>, BuildError> {
        let mut out = Vec::new();
        for (i, source) in self.roots.iter().enumerate() {
            let (origin, pem) = match source {
                RootSource::Pem(pem) => (format!("add_root_certificate #{}", i + 1), pem.to_vec()),
                RootSource::Bundle(path) => {
                    let origin = format!("ca_bundle {}", path.display());
                    match std::fs::read(path) {
                        Ok(pem) => (origin, pem),
                        Err(e) => {
                            return Err(BuildError::InvalidCaCertificate {
                                origin,
                                reason: "the file cannot be read".into(),
                                source: Some(Box::new(e)),
                            });
                        }
                    }
                }
            };
            out.extend(parse_pem_certificates(&origin, &pem)?);
        }
        Ok(out)
    }
}

/// The certificates of a PEM text, each checked to be a usable trust anchor.
fn parse_pem_certificates(
    origin: &str,
    pem: &[u8],
) -> Result<Vec<reqwest::Certificate>, BuildError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let invalid = |reason: String, source: Option<BoxError>| BuildError::InvalidCaCertificate {
        origin: origin.to_owned(),
        reason,
        source,
    };
    let mut out = Vec::new();
    for (i, der) in CertificateDer::pem_slice_iter(pem).enumerate() {
        let der = der.map_err(|e| invalid("malformed PEM".into(), Some(Box::new(e))))?;
        rustls::RootCertStore::empty()
            .add(der.clone())
            .map_err(|e| {
                invalid(
                    format!("certificate {} is not a usable X.509 CA certificate", i + 1),
                    Some(Box::new(e)),
                )
            })?;
        out.push(
            reqwest::Certificate::from_der(&der)
                .map_err(|e| invalid(format!("certificate {}", i + 1), Some(Box::new(e))))?,
        );
    }
    if out.is_empty() {
        return Err(invalid(
            "no PEM certificate (-----BEGIN CERTIFICATE-----) found".into(),
            None,
        ));
    }
    Ok(out)
}

/// Checks a proxy URL (`item` names the setting or variable): http or https, with a host.
/// Without a scheme, `http://` is assumed (as curl does). The password never appears in the
/// error.
fn parse_proxy_url(item: &'static str, raw: &str) -> Result<reqwest::Url, BuildError> {
    let raw = raw.trim();
    let with_scheme = if raw.contains("://") {
        raw.to_owned()
    } else {
        format!("http://{raw}")
    };
    let invalid = |reason: String| BuildError::InvalidConfig {
        item: "proxy",
        reason: if item == "proxy" {
            reason
        } else {
            format!("{item}: {reason}")
        },
    };
    let url = reqwest::Url::parse(&with_scheme)
        .map_err(|e| invalid(format!("{:?} is not a URL ({e})", redact_userinfo(raw))))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(format!(
            "unsupported proxy scheme {:?} in {}: http:// and https:// proxies are supported",
            url.scheme(),
            redacted_url(&url)
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid(format!("no host in {}", redacted_url(&url))));
    }
    Ok(url)
}

/// The URL with its password replaced by `***`.
fn redacted_url(url: &reqwest::Url) -> String {
    let mut url = url.clone();
    if url.password().is_some() {
        let _ = url.set_password(Some("***"));
    }
    url.to_string()
}

/// Replaces the `user:password@` part of text that did not parse as a URL.
fn redact_userinfo(raw: &str) -> String {
    let authority_start = raw.find("://").map_or(0, |i| i + 3);
    match raw[authority_start..].rfind('@') {
        Some(at) => format!(
            "{}***@{}",
            &raw[..authority_start],
            &raw[authority_start + at + 1..]
        ),
        None => raw.to_owned(),
    }
}

impl fmt::Debug for NetworkSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |raw: &str| match reqwest::Url::parse(raw) {
            Ok(url) => redacted_url(&url),
            Err(_) => redact_userinfo(raw),
        };
        let env_show = |v: &Option<(&'static str, String)>| {
            v.as_ref()
                .map(|(name, url)| format!("{name}={}", show(url)))
        };
        let roots: Vec<String> = self
            .roots
            .iter()
            .map(|r| match r {
                RootSource::Pem(pem) => format!("PEM ({} bytes)", pem.len()),
                RootSource::Bundle(path) => format!("file {}", path.display()),
            })
            .collect();
        f.debug_struct("NetworkSettings")
            .field("proxy", &self.proxy.as_deref().map(show))
            .field("no_proxy", &self.no_proxy)
            .field("root_certificates", &roots)
            .field("built_in_roots", &self.built_in_roots.unwrap_or(true))
            .field("env_https_proxy", &env_show(&self.env.https))
            .field("env_http_proxy", &env_show(&self.env.http))
            .field("env_all_proxy", &env_show(&self.env.all))
            .field("env_no_proxy", &self.env.no_proxy)
            .finish()
    }
}

/// The default client: reqwest on rustls.
#[derive(Debug)]
pub(crate) struct ReqwestHttpClient {
    client: reqwest::Client,
    /// The connect timeout the SDK configured (only for the client it built itself).
    connect_timeout: Option<Duration>,
    origins: OriginCache,
}

/// Most origins one client keeps parsed (the API endpoint, STS, IAM, a few more).
const MAX_CACHED_ORIGINS: usize = 8;

/// The parsed `scheme://authority` of the origins a client sends to, so that turning a
/// request's `http::Uri` into the `Url` reqwest wants parses only its path and query, not the
/// whole URL again (the host goes through IDNA processing on every full parse: most of the
/// conversion's cost). The result is the same `Url` a full parse gives (tested). Slots are
/// filled once and never change, so a lookup takes no lock.
#[derive(Debug, Default)]
struct OriginCache([std::sync::OnceLock<(String, String, reqwest::Url)>; MAX_CACHED_ORIGINS]);

impl OriginCache {
    fn url(&self, uri: &http::Uri) -> Result<reqwest::Url, HttpError> {
        let parse =
            |uri: &http::Uri| reqwest::Url::parse(&uri.to_string()).map_err(HttpError::other);
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
            return parse(uri);
        };
        let authority = authority.as_str();
        let cached = self
            .0
            .iter()
            .map_while(std::sync::OnceLock::get)
            .find(|(s, a, _)| s == scheme && a == authority);
        let Some((_, _, origin)) = cached else {
            let url = parse(uri)?;
            let mut origin = url.clone();
            origin.set_path("");
            origin.set_query(None);
            // The first free slot (a slot another thread just filled is skipped; a full cache
            // keeps parsing whole URLs).
            let mut entry = (scheme.to_owned(), authority.to_owned(), origin);
            for slot in &self.0 {
                match slot.set(entry) {
                    Ok(()) => break,
                    Err(back) => entry = back,
                }
            }
            return Ok(url);
        };
        let mut url = origin.clone();
        url.set_path(uri.path());
        url.set_query(uri.query());
        Ok(url)
    }
}

fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Err means another thread installed one first: fine, reqwest uses whichever is installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

impl ReqwestHttpClient {
    /// The SDK's own client: the given connect timeout, no redirects, 60 s idle pool timeout,
    /// and `network`'s trusted roots; its proxies too when `proxied`, else no proxy at all (not
    /// even the environment's: the metadata client).
    pub(crate) fn build(
        connect_timeout: Duration,
        network: &NetworkSettings,
        proxied: bool,
    ) -> Result<Self, BuildError> {
        let builder = reqwest_client_builder().connect_timeout(connect_timeout);
        let builder = if proxied {
            network.apply_to(builder)?
        } else {
            // No proxy at all: not even reqwest's own reading of the environment.
            network.apply_roots(builder.no_proxy())?
        };
        Self::from_builder(builder, connect_timeout)
    }

    /// The client `builder` makes, whose connect timeout is `connect_timeout`.
    fn from_builder(
        builder: reqwest::ClientBuilder,
        connect_timeout: Duration,
    ) -> Result<Self, BuildError> {
        let client = builder
            .build()
            .map_err(|e| BuildError::HttpClient(Box::new(e.without_url())))?;
        Ok(Self {
            client,
            connect_timeout: Some(connect_timeout),
            origins: OriginCache::default(),
        })
    }

    /// The reqwest request for `request`, its URL from the origin cache. A request with
    /// extensions (never one of the SDK's) goes through reqwest's own conversion, which keeps
    /// them.
    fn reqwest_request(&self, request: HttpRequest) -> Result<reqwest::Request, HttpError> {
        if !request.extensions().is_empty() {
            return reqwest::Request::try_from(request).map_err(|e| self.classify(e));
        }
        let (parts, body) = request.into_parts();
        let url = self.origins.url(&parts.uri)?;
        let mut request = reqwest::Request::new(parts.method, url);
        *request.headers_mut() = parts.headers;
        *request.version_mut() = parts.version;
        *request.body_mut() = Some(body.into());
        Ok(request)
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

/// The SDK's own client, built on first use (the metadata client: most SDK clients never call
/// an instance-metadata endpoint, so they never pay for loading the system's roots twice).
/// Without a proxy, `http://` requests (the metadata endpoints) go through a client that trusts
/// no certificate at all, so the first metadata call does not load the system's roots either
/// (about 4 ms); an `https://` endpoint gets the fully configured client.
/// A failure to build a client is reported by every `send` as a connect error.
#[derive(Debug)]
pub(crate) struct LazyReqwestHttpClient {
    connect_timeout: Duration,
    network: NetworkSettings,
    proxied: bool,
    client: std::sync::OnceLock<Result<ReqwestHttpClient, String>>,
    plain: std::sync::OnceLock<Result<ReqwestHttpClient, String>>,
}

impl LazyReqwestHttpClient {
    pub(crate) fn new(connect_timeout: Duration, network: NetworkSettings, proxied: bool) -> Self {
        Self {
            connect_timeout,
            network,
            proxied,
            client: std::sync::OnceLock::new(),
            plain: std::sync::OnceLock::new(),
        }
    }

    fn client_for(&self, request: &HttpRequest) -> &Result<ReqwestHttpClient, String> {
        if !self.proxied && request.uri().scheme() == Some(&http::uri::Scheme::HTTP) {
            return self.plain.get_or_init(|| {
                let builder = reqwest_client_builder()
                    .connect_timeout(self.connect_timeout)
                    .no_proxy()
                    .tls_certs_only(Vec::<reqwest::Certificate>::new());
                ReqwestHttpClient::from_builder(builder, self.connect_timeout)
                    .map_err(|e| e.to_string())
            });
        }
        self.client.get_or_init(|| {
            ReqwestHttpClient::build(self.connect_timeout, &self.network, self.proxied)
                .map_err(|e| e.to_string())
        })
    }
}

impl HttpClient for LazyReqwestHttpClient {
    fn send(&self, request: HttpRequest) -> HttpFuture<'_> {
        match self.client_for(&request) {
            Ok(client) => client.send(request),
            Err(e) => {
                let e = HttpError::connect(e.clone());
                Box::pin(async move { Err(e) })
            }
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

impl ReqwestHttpClient {
    /// Sends `request`. The request is handed to reqwest now (no I/O happens before the first
    /// poll), so the future keeps reqwest's pending call (16 bytes), not the 256-byte request.
    fn execute(
        &self,
        request: HttpRequest,
    ) -> impl Future<Output = Result<HttpResponse, HttpError>> + Send + '_ {
        let pending = self
            .reqwest_request(request)
            .map(|request| self.client.execute(request));
        async move {
            let response = pending?.await.map_err(|e| self.classify(e))?;
            let response: http::Response<reqwest::Body> = response.into();
            Ok(response.map(|body| body.map_err(body_error).boxed_unsync()))
        }
    }
}

impl HttpClient for ReqwestHttpClient {
    fn send(&self, request: HttpRequest) -> HttpFuture<'_> {
        Box::pin(self.execute(request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEST_CA: &str = include_str!("../tests/data/network/test-ca.pem");

    fn env(vars: &[(&str, &str)]) -> Env {
        Env::from_vars(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    fn with_env(settings: NetworkSettings, vars: &[(&str, &str)]) -> NetworkSettings {
        let mut settings = settings;
        settings.read_env(&env(vars));
        settings
    }

    fn selected(settings: &NetworkSettings) -> Vec<(ProxyFor, String)> {
        settings
            .selected_proxies()
            .unwrap()
            .into_iter()
            .map(|(t, u)| (t, u.to_string()))
            .collect()
    }

    fn reason(e: BuildError) -> (&'static str, String) {
        match e {
            BuildError::InvalidConfig { item, reason } => (item, reason),
            other => panic!("expected InvalidConfig, got {other:?}"),
        }
    }

    #[test]
    fn cached_origins_give_the_url_a_full_parse_gives() {
        let cache = OriginCache::default();
        let uris = [
            "https://vpc.cn-north-4.myhuaweicloud.com/v3/p/vpc/security-groups/sg-1",
            "https://vpc.cn-north-4.myhuaweicloud.com/v3/p/vpc/security-groups/a%2Fb%20c",
            "https://vpc.cn-north-4.myhuaweicloud.com/a/./b/../c//d?x=1&y=%2F&z",
            "https://vpc.cn-north-4.myhuaweicloud.com/?",
            "https://vpc.cn-north-4.myhuaweicloud.com/",
            "https://vpc.cn-north-4.myhuaweicloud.com",
            "https://vpc.cn-north-4.myhuaweicloud.com/%7e~'!*()?a=%E4%B8%AD&b=[]",
            "https://VPC.CN-NORTH-4.myhuaweicloud.com:443/p?q",
            "http://127.0.0.1:8080/?Action=X&Signature=a%2Bb%3D",
            "http://127.0.0.1:8080/v2.1/p/servers/s/os-security-groups",
            "http://user:pw@[::1]:9/x?y",
        ];
        for round in 0..2 {
            for raw in uris {
                let uri: http::Uri = raw.parse().unwrap();
                let expected = reqwest::Url::parse(&uri.to_string()).unwrap();
                let got = cache.url(&uri).unwrap();
                assert_eq!(got.as_str(), expected.as_str(), "{raw} (round {round})");
            }
        }
        let cached = cache.0.iter().filter(|slot| slot.get().is_some()).count();
        assert_eq!(cached, 4, "one entry per scheme and authority as written");
        // A full cache keeps giving the right URL (parsed whole).
        for port in 1..=12 {
            let uri: http::Uri = format!("http://127.0.0.1:{port}/p?q={port}")
                .parse()
                .unwrap();
            let got = cache.url(&uri).unwrap();
            assert_eq!(got.as_str(), format!("http://127.0.0.1:{port}/p?q={port}"));
        }
        assert!(cache.0.iter().all(|slot| slot.get().is_some()));
    }

    #[test]
    fn env_proxies_upper_case_first_and_all_proxy_as_fallback() {
        let s = with_env(
            NetworkSettings::new(),
            &[
                ("HTTPS_PROXY", "http://upper:1"),
                ("https_proxy", "http://lower:2"),
                ("http_proxy", "http://lower-http:3"),
                ("ALL_PROXY", "http://all:4"),
            ],
        );
        assert_eq!(
            selected(&s),
            [
                (ProxyFor::Https, "http://upper:1/".to_owned()),
                (ProxyFor::Http, "http://lower-http:3/".to_owned()),
            ]
        );
        let s = with_env(NetworkSettings::new(), &[("all_proxy", "proxy.corp:3128")]);
        assert_eq!(
            selected(&s),
            [
                (ProxyFor::Https, "http://proxy.corp:3128/".to_owned()),
                (ProxyFor::Http, "http://proxy.corp:3128/".to_owned()),
            ]
        );
        assert!(
            !s.is_configured(),
            "environment proxies are not explicit settings"
        );
        assert!(selected(&with_env(NetworkSettings::new(), &[])).is_empty());
    }

    #[test]
    fn explicit_settings_win_over_the_environment() {
        let vars = [
            ("HTTPS_PROXY", "http://env:1"),
            ("HTTP_PROXY", "http://env:2"),
            ("NO_PROXY", "env.example"),
        ];
        let s = with_env(
            NetworkSettings::new()
                .proxy("http://explicit:8080")
                .no_proxy("internal.example"),
            &vars,
        );
        assert_eq!(
            selected(&s),
            [(ProxyFor::All, "http://explicit:8080/".to_owned())]
        );
        assert_eq!(s.no_proxy_list(), Some("internal.example"));
        assert!(s.is_configured());
        // NO_PROXY from the environment applies to an explicit proxy too.
        let s = with_env(NetworkSettings::new().proxy("http://explicit:8080"), &vars);
        assert_eq!(s.no_proxy_list(), Some("env.example"));
        let s = with_env(NetworkSettings::new(), &[("no_proxy", "lower.example")]);
        assert_eq!(s.no_proxy_list(), Some("lower.example"));
    }

    #[test]
    fn cgi_programs_ignore_environment_proxies() {
        let s = with_env(
            NetworkSettings::new(),
            &[("REQUEST_METHOD", "GET"), ("HTTP_PROXY", "http://evil:1")],
        );
        assert!(selected(&s).is_empty());
    }

    #[test]
    fn proxy_url_errors_name_the_setting_and_hide_the_password() {
        for (url, expected) in [
            (
                "socks5://user:hunter2@proxy:1080",
                "unsupported proxy scheme \"socks5\"",
            ),
            ("ftp://proxy:21", "unsupported proxy scheme \"ftp\""),
            ("http://user:hunter2@[::1", "is not a URL"),
            ("http://", "is not a URL"),
            ("http://user:hunter2@:99", "is not a URL"),
        ] {
            let e = NetworkSettings::new().proxy(url).proxies().unwrap_err();
            let text = e.to_string();
            let (item, reason) = reason(e);
            assert_eq!(item, "proxy", "{url}");
            assert!(reason.contains(expected), "{url}: {reason}");
            assert!(!text.contains("hunter2"), "{url}: {text}");
        }
        let e = with_env(NetworkSettings::new(), &[("HTTPS_PROXY", "socks5://p:1")])
            .proxies()
            .unwrap_err();
        let (item, reason) = reason(e);
        assert_eq!(item, "proxy");
        assert!(reason.starts_with("HTTPS_PROXY: "), "{reason}");
    }

    #[test]
    fn proxy_credentials_are_accepted_and_hidden_from_debug() {
        let s = NetworkSettings::new().proxy("http://user:p%40ss-hunter2@proxy:3128");
        assert_eq!(s.proxies().unwrap().len(), 1);
        let s = with_env(s, &[("HTTPS_PROXY", "http://u:env-hunter2@p:1")]);
        let debug = format!("{s:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("user:***@proxy:3128"), "{debug}");
        assert!(debug.contains("HTTPS_PROXY=http://u:***@p:1"), "{debug}");
    }

    #[test]
    fn root_certificates_parse_or_fail_with_the_origin() {
        let ok = NetworkSettings::new().add_root_certificate(TEST_CA);
        assert_eq!(ok.root_certificates().unwrap().len(), 1);
        let two = format!("{TEST_CA}\n{TEST_CA}");
        let ok = NetworkSettings::new().add_root_certificate(two);
        assert_eq!(ok.root_certificates().unwrap().len(), 2);

        let garbage = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        let truncated = &TEST_CA[..TEST_CA.len() - 30];
        for (pem, expected) in [
            ("not a certificate", "no PEM certificate"),
            ("", "no PEM certificate"),
            (
                garbage,
                "certificate 1 is not a usable X.509 CA certificate",
            ),
            (truncated, "malformed PEM"),
        ] {
            let e = NetworkSettings::new()
                .add_root_certificate(TEST_CA)
                .add_root_certificate(pem)
                .root_certificates()
                .unwrap_err();
            let text = e.to_string();
            match e {
                BuildError::InvalidCaCertificate { origin, reason, .. } => {
                    assert_eq!(origin, "add_root_certificate #2");
                    assert!(reason.contains(expected), "{reason}");
                }
                other => panic!("{other:?}"),
            }
            assert!(text.starts_with("invalid CA certificate from add_root_certificate #2: "));
        }
    }

    #[test]
    fn ca_bundle_errors_name_the_path() {
        let path = std::env::temp_dir().join("cloudsdk-no-such-dir/ca.pem");
        let e = NetworkSettings::new()
            .ca_bundle(&path)
            .root_certificates()
            .unwrap_err();
        assert!(std::error::Error::source(&e).is_some());
        match e {
            BuildError::InvalidCaCertificate { origin, reason, .. } => {
                assert_eq!(origin, format!("ca_bundle {}", path.display()));
                assert_eq!(reason, "the file cannot be read");
            }
            other => panic!("{other:?}"),
        }
        let file = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/network/test-ca.pem"
        );
        let ok = NetworkSettings::new().ca_bundle(file);
        assert_eq!(ok.root_certificates().unwrap().len(), 1);
        let not_pem = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/network/README.md");
        let e = NetworkSettings::new()
            .ca_bundle(not_pem)
            .root_certificates()
            .unwrap_err();
        assert!(matches!(e, BuildError::InvalidCaCertificate { .. }), "{e}");
    }

    #[test]
    fn only_custom_roots_need_at_least_one() {
        let e = NetworkSettings::new()
            .tls_built_in_root_certs(false)
            .apply_to(reqwest_client_builder())
            .unwrap_err();
        assert_eq!(reason(e).0, "tls_built_in_root_certs");
        for settings in [
            NetworkSettings::new().add_root_certificate(TEST_CA),
            NetworkSettings::new()
                .add_root_certificate(TEST_CA)
                .tls_built_in_root_certs(false),
            NetworkSettings::new().proxy("http://user:pass@127.0.0.1:9"),
        ] {
            let builder = settings.apply_to(reqwest_client_builder()).unwrap();
            builder.build().unwrap();
        }
    }
}
