//! The vendor-neutral orchestrator, in named steps as smithy's: the operation deadline
//! ([`Runtime::run`]) around identity and endpoint resolution and the attempt loop
//! ([`Runtime::execute`]); each attempt signs ([`Protocol::sign_attempt`]), transmits through the
//! [`HttpClient`](crate::http::HttpClient) and reads the body under the cap
//! ([`Runtime::attempt`]); then the retry classifier ([`Runtime::classify`]), the clock-skew
//! policy ([`Runtime::clock_skew_policy`]) and the backoff ([`Runtime::backoff`]).
//!
//! The loop is not generic over the output or error types (one copy in the binary); the thin
//! generic layer in the protocol modules decodes the final response.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use http::HeaderMap;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use tracing::Instrument;

use crate::error::{
    BoxError, BuildError, ConstructionError, DispatchError, ErrorMetadata, OperationError,
    ResponseError, SdkError, ServiceError, TimeoutError, TimeoutKind,
};
use crate::http::{
    HttpError, HttpErrorKind, HttpRequest, NetworkSettings, ResponseBody, SharedHttpClient,
};
use crate::redact::Redactor;
use crate::retry::{RetryConfig, is_retryable_response, server_retry_after};

/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default per-attempt timeout (send the request and read the whole response).
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default response body size cap.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// Upper bound applied to a server-requested delay (`Retry-After`, `x-acs-retry-after`).
pub(crate) const MAX_SERVER_DELAY: Duration = Duration::from_secs(120);

/// Logs a signer's intermediate strings at TRACE level: the canonical request (or V2 canonical
/// query) and the string to sign, which is what to compare with the server's own when a gateway
/// reports a signature mismatch (APIG echoes its canonical request, Alibaba its string to sign).
///
/// Neither string contains the secret, but both can contain the security token: raw in a
/// canonical header, percent-encoded once in a V2 canonical query and twice in a V2 string to
/// sign. Every form is replaced by `***` (by the one [`Redactor`]) before anything is logged.
pub(crate) fn trace_signing(
    algorithm: &str,
    canonical: &str,
    string_to_sign: &str,
    security_token: Option<&str>,
) {
    if !tracing::enabled!(tracing::Level::TRACE) {
        return;
    }
    let redactor = Redactor::new(security_token);
    let redact = |text: &str| -> String {
        let mut text = text.to_owned();
        redactor.text(&mut text);
        text
    };
    tracing::trace!(
        algorithm,
        canonical_request = %redact(canonical),
        string_to_sign = %redact(string_to_sign),
        "signed request"
    );
}

/// Settings shared by both vendors' builders.
#[derive(Clone, Debug)]
pub(crate) struct RuntimeSettings {
    pub retry: RetryConfig,
    pub max_attempts: Option<u32>,
    pub connect_timeout: Duration,
    pub attempt_timeout: Option<Duration>,
    pub operation_timeout: Option<Duration>,
    pub max_response_bytes: usize,
    pub user_agent_suffix: Option<String>,
    pub clock_skew_correction: bool,
    pub http_client: Option<SharedHttpClient>,
    /// Proxy and TLS trust of the SDK's own client; the builders fill its environment part
    /// (`read_env`) first thing in `build()`.
    pub network: NetworkSettings,
}

impl Default for RuntimeSettings {
    fn default() -> Self {
        Self {
            retry: RetryConfig::standard(),
            max_attempts: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            attempt_timeout: Some(DEFAULT_ATTEMPT_TIMEOUT),
            operation_timeout: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            user_agent_suffix: None,
            clock_skew_correction: true,
            http_client: None,
            network: NetworkSettings::default(),
        }
    }
}

/// The setters both vendors' client builders share: credentials and the [`RuntimeSettings`].
/// Expanded inside `impl HuaweiClientBuilder` and `impl AliyunClientBuilder` (which have
/// `credentials`, `provider` and `settings` fields), so the two stay identical.
macro_rules! shared_builder_setters {
    () => {
        /// Static credentials (checked when the client is built).
        pub fn credentials(mut self, credentials: Credentials) -> Self {
            self.credentials = Some(credentials);
            self
        }

        /// A credentials provider, called once per operation (its credentials are checked at
        /// every `send`).
        pub fn credentials_provider(mut self, provider: impl ProvideCredentials + 'static) -> Self {
            self.provider = Some(Arc::new(provider));
            self
        }

        /// Maximum attempts per operation (default 3; 1 disables retries; 0 is rejected).
        pub fn max_attempts(mut self, n: u32) -> Self {
            self.settings.max_attempts = Some(n);
            self
        }

        /// Timeout of a whole operation, retries and back-off included (default: none).
        pub fn operation_timeout(mut self, d: Duration) -> Self {
            self.settings.operation_timeout = Some(d);
            self
        }

        /// Timeout of one attempt, request sent and response read (default 30 s).
        pub fn attempt_timeout(mut self, d: Duration) -> Self {
            self.settings.attempt_timeout = Some(d);
            self
        }

        /// Connect timeout (default 5 s) of the HTTP client the SDK builds; a client given to
        /// [`http_client`](Self::http_client) keeps its own.
        pub fn connect_timeout(mut self, d: Duration) -> Self {
            self.settings.connect_timeout = d;
            self
        }

        /// Retry policy (default [`RetryConfig::standard`]). `max_attempts(..)` overrides its
        /// count.
        pub fn retry_config(mut self, config: RetryConfig) -> Self {
            self.settings.retry = config;
            self
        }

        /// Text appended to the `User-Agent`.
        pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
            self.settings.user_agent_suffix = Some(suffix.into());
            self
        }

        /// Maximum response body size in bytes (default 16 MiB); larger bodies fail with
        /// `SdkError::Response` without being read completely.
        pub fn max_response_bytes(mut self, n: usize) -> Self {
            self.settings.max_response_bytes = n;
            self
        }

        /// The HTTP client to send requests with: a `reqwest::Client` you configured (proxy,
        /// TLS roots, pool settings) or any [`HttpClient`](crate::http::HttpClient), such as
        /// the replay client of the `test-util` feature. Retries, the attempt and operation
        /// timeouts, the body cap and redaction still apply; `connect_timeout` does not (it
        /// configures only the client the SDK builds when none is given). Cannot be combined
        /// with the network settings (`proxy`, `no_proxy`, `add_root_certificate`, `ca_bundle`,
        /// `tls_built_in_root_certs`): `build()` fails with
        /// `BuildError::InvalidConfig { item: "http_client", .. }`.
        pub fn http_client(mut self, client: impl Into<crate::http::SharedHttpClient>) -> Self {
            self.settings.http_client = Some(client.into());
            self
        }

        /// Sends every request, to http and https endpoints alike, through the forward proxy
        /// at `url`: `http://host:port`, `https://host:port`, with optional percent-encoded
        /// credentials (`http://user:pass@host:port`) that are sent as
        /// `Proxy-Authorization: Basic …`. Replaces the environment's proxies (`HTTPS_PROXY`,
        /// `HTTP_PROXY`, `ALL_PROXY`, read through [`env`](Self::env) otherwise). An unusable
        /// URL fails the build with `BuildError::InvalidConfig { item: "proxy", .. }`. See
        /// [`NetworkSettings`](crate::http::NetworkSettings).
        pub fn proxy(mut self, url: impl Into<String>) -> Self {
            self.settings.network = std::mem::take(&mut self.settings.network).proxy(url);
            self
        }

        /// Hosts reached without the proxy, a comma list as in `NO_PROXY` (which it replaces):
        /// `example.com` (and its subdomains), IP addresses, CIDR blocks, `*` for all.
        pub fn no_proxy(mut self, list: impl Into<String>) -> Self {
            self.settings.network = std::mem::take(&mut self.settings.network).no_proxy(list);
            self
        }

        /// Trusts the certificate authorities in `pem` (PEM text, one or more certificates),
        /// in addition to the system's roots unless
        /// [`tls_built_in_root_certs(false)`](Self::tls_built_in_root_certs). Invalid PEM fails
        /// the build with `BuildError::InvalidCaCertificate`.
        pub fn add_root_certificate(mut self, pem: impl AsRef<[u8]>) -> Self {
            self.settings.network =
                std::mem::take(&mut self.settings.network).add_root_certificate(pem);
            self
        }

        /// Trusts the certificate authorities in the PEM file at `path`, read when the client
        /// is built (an unreadable or invalid file fails the build with
        /// `BuildError::InvalidCaCertificate`).
        pub fn ca_bundle(mut self, path: impl Into<std::path::PathBuf>) -> Self {
            self.settings.network = std::mem::take(&mut self.settings.network).ca_bundle(path);
            self
        }

        /// Whether the system's root certificates are trusted (default `true`). With `false`
        /// only the authorities of [`add_root_certificate`](Self::add_root_certificate) and
        /// [`ca_bundle`](Self::ca_bundle) are trusted (at least one is required).
        pub fn tls_built_in_root_certs(mut self, enabled: bool) -> Self {
            self.settings.network =
                std::mem::take(&mut self.settings.network).tls_built_in_root_certs(enabled);
            self
        }
    };
}
pub(crate) use shared_builder_setters;

/// A built runtime: one HTTP client plus validated settings.
#[derive(Debug)]
pub(crate) struct Runtime {
    http: SharedHttpClient,
    retry: RetryConfig,
    attempt_timeout: Option<Duration>,
    operation_timeout: Option<Duration>,
    max_response_bytes: usize,
    pub(crate) user_agent: String,
    /// `user_agent` as a header value, made once.
    pub(crate) user_agent_header: http::HeaderValue,
    clock_skew_correction: bool,
    /// Seconds to add to the local clock when signing (server time − local time), learnt from
    /// the `Date` header of a clock-skew error. Shared by the client's clones (the runtime sits
    /// behind the client's `Arc`).
    clock_offset: AtomicI64,
}

fn validate_settings(settings: &RuntimeSettings) -> Result<RetryConfig, BuildError> {
    let mut retry = settings.retry;
    if let Some(n) = settings.max_attempts {
        retry.max_attempts = n;
    }
    if retry.max_attempts == 0 {
        return Err(BuildError::InvalidConfig {
            item: "max_attempts",
            reason: "must be at least 1 (1 disables retries)".into(),
        });
    }
    if retry.initial_backoff > retry.max_backoff {
        return Err(BuildError::InvalidConfig {
            item: "retry_config",
            reason: format!(
                "initial_backoff {:?} exceeds max_backoff {:?}",
                retry.initial_backoff, retry.max_backoff
            ),
        });
    }
    for (item, d) in [
        ("connect_timeout", Some(settings.connect_timeout)),
        ("attempt_timeout", settings.attempt_timeout),
        ("operation_timeout", settings.operation_timeout),
    ] {
        if d == Some(Duration::ZERO) {
            return Err(BuildError::InvalidConfig {
                item,
                reason: "must be greater than zero".into(),
            });
        }
    }
    if settings.max_response_bytes == 0 {
        return Err(BuildError::InvalidConfig {
            item: "max_response_bytes",
            reason: "must be greater than zero".into(),
        });
    }
    Ok(retry)
}

fn user_agent(
    settings: &RuntimeSettings,
    crate_name: &str,
    crate_version: &str,
) -> Result<String, BuildError> {
    let mut user_agent = format!(
        "cloudsdk/{} {crate_name}/{crate_version}",
        env!("CARGO_PKG_VERSION")
    );
    if let Some(suffix) = &settings.user_agent_suffix {
        let suffix = suffix.trim();
        if let Some(reason) = crate::validate::user_agent_problem(suffix) {
            return Err(BuildError::InvalidConfig {
                item: "user_agent_suffix",
                reason: reason.into(),
            });
        }
        if !suffix.is_empty() {
            user_agent.push(' ');
            user_agent.push_str(suffix);
        }
    }
    Ok(user_agent)
}

/// The two HTTP clients of a client: `(api, metadata)`.
///
/// * `api`: the user's `.http_client(..)`, else the SDK's own reqwest client with the
///   connect timeout and the [`NetworkSettings`] (explicit proxy, else the environment's, as
///   `read_env` found them; extra trusted roots). For API calls and the credential exchanges
///   with STS and IAM.
/// * `metadata`: for instance-metadata endpoints. Always the SDK's own client, never proxied
///   (not even by the environment's proxies, nor by a user's client), built on its first
///   request (most clients never make one). Metadata endpoints are plain http; it trusts the
///   same roots as the SDK's api client all the same (an https override of a metadata
///   endpoint can be served under a custom CA).
///
/// Network settings together with a user's `.http_client(..)` are refused.
pub(crate) fn http_clients(
    settings: &RuntimeSettings,
) -> Result<(SharedHttpClient, SharedHttpClient), BuildError> {
    use crate::http::ReqwestHttpClient;
    let api = match &settings.http_client {
        Some(_) if settings.network.is_configured() => {
            return Err(BuildError::InvalidConfig {
                item: "http_client",
                reason: "a client of your own cannot be combined with the network settings \
                         (proxy, no_proxy, add_root_certificate, ca_bundle, \
                         tls_built_in_root_certs): configure your client instead (see \
                         cloudsdk_core::http::NetworkSettings::apply_to) or drop it"
                    .into(),
            });
        }
        Some(client) => client.clone(),
        None => SharedHttpClient::reqwest(ReqwestHttpClient::build(
            settings.connect_timeout,
            &settings.network,
            true,
        )?),
    };
    let metadata = SharedHttpClient::new(crate::http::LazyReqwestHttpClient::new(
        settings.connect_timeout,
        settings.network.clone(),
        false,
    ));
    Ok((api, metadata))
}

impl Runtime {
    /// Validates the settings; requests go through `http` (the api client of
    /// [`http_clients`]).
    pub(crate) fn new(
        settings: &RuntimeSettings,
        http: SharedHttpClient,
        crate_name: &str,
        crate_version: &str,
    ) -> Result<Self, BuildError> {
        let retry = validate_settings(settings)?;
        let user_agent = user_agent(settings, crate_name, crate_version)?;
        let user_agent_header = crate::validate::header_value("user_agent_suffix", &user_agent)?;
        Ok(Runtime {
            http,
            retry,
            attempt_timeout: settings.attempt_timeout,
            operation_timeout: settings.operation_timeout,
            max_response_bytes: settings.max_response_bytes,
            user_agent,
            user_agent_header,
            clock_skew_correction: settings.clock_skew_correction,
            clock_offset: AtomicI64::new(0),
        })
    }

    /// The learnt clock offset in seconds (server time − local time); 0 until a clock-skew
    /// error taught one.
    pub(crate) fn clock_offset_seconds(&self) -> i64 {
        self.clock_offset.load(Ordering::Relaxed)
    }

    /// The time to sign with: the local clock corrected by the learnt offset.
    pub(crate) fn signing_time(&self) -> OffsetDateTime {
        let now = OffsetDateTime::now_utc();
        let offset = self.clock_offset_seconds();
        if offset == 0 {
            return now;
        }
        now.checked_add(time::Duration::seconds(offset))
            .unwrap_or(now)
    }
}

/// Parses an HTTP `Date` header in IMF-fixdate form (RFC 7231 §7.1.1.1),
/// e.g. `Sun, 06 Nov 1994 08:49:37 GMT`. Other (obsolete) forms give `None`.
pub(crate) fn parse_http_date(value: &str) -> Option<OffsetDateTime> {
    const IMF_FIXDATE: &[time::format_description::BorrowedFormatItem<'static>] = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::PrimitiveDateTime::parse(value.trim(), IMF_FIXDATE)
        .ok()
        .map(time::PrimitiveDateTime::assume_utc)
}

/// Decodes a JSON body; an empty body decodes as `{}` (or `null`).
pub(crate) fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, BoxError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return serde_json::from_slice(b"{}")
            .or_else(|_| serde_json::from_slice(b"null"))
            .map_err(|e: serde_json::Error| Box::new(e) as BoxError);
    }
    serde_json::from_slice(body).map_err(|e| Box::new(e) as BoxError)
}

/// A complete response: status, headers as received, body (at most the cap).
#[derive(Debug)]
pub(crate) struct Received {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Received {
    /// A header's value as text (`None` when absent or not visible ASCII).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// From name/value pairs; pairs the HTTP stack would refuse are skipped (they cannot
    /// reach the decoders).
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn from_pairs<N: AsRef<str>, V: AsRef<str>>(
        status: u16,
        headers: impl IntoIterator<Item = (N, V)>,
        body: &[u8],
    ) -> Self {
        let mut map = HeaderMap::new();
        for (n, v) in headers {
            if let (Ok(n), Ok(v)) = (
                http::HeaderName::from_bytes(n.as_ref().as_bytes()),
                http::HeaderValue::from_str(v.as_ref()),
            ) {
                map.append(n, v);
            }
        }
        Received {
            status,
            headers: map,
            body: Bytes::copy_from_slice(body),
        }
    }

    fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// What a protocol (Huawei REST, Alibaba RPC) supplies to the orchestrator for one operation.
pub(crate) trait Protocol: Sync {
    /// Builds and signs one attempt with `now` (the corrected clock): every attempt gets a fresh
    /// date, nonce and signature.
    fn sign_attempt(&self, now: OffsetDateTime) -> Result<HttpRequest, ConstructionError>;
    /// Decodes an error response into metadata (always succeeds; falls back to a body snippet).
    fn parse_error(&self, received: &Received) -> ErrorMetadata;
    /// Request id of any response (headers or body).
    fn request_id(&self, received: &Received) -> Option<String>;
    /// Whether an error says the request's timestamp was out of the accepted window.
    fn is_clock_skew(&self, meta: &ErrorMetadata) -> bool;
    /// The redaction of this operation's secrets (the security token).
    fn redactor(&self) -> &Redactor;
}

/// A failure that is not a service error.
#[derive(Clone, Debug)]
pub(crate) enum Failure {
    Construction(ConstructionError),
    Timeout(TimeoutError),
    Dispatch(DispatchError),
    Response(ResponseError),
}

impl Failure {
    pub(crate) fn into_sdk<E>(self) -> SdkError<E> {
        match self {
            Failure::Construction(e) => SdkError::Construction(e),
            Failure::Timeout(e) => SdkError::Timeout(e),
            Failure::Dispatch(e) => SdkError::Dispatch(e),
            Failure::Response(e) => SdkError::Response(e),
        }
    }
}

impl From<ConstructionError> for Failure {
    fn from(e: ConstructionError) -> Self {
        Failure::Construction(e)
    }
}

/// The end of an operation.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// 2xx.
    Success(Received),
    /// Non-2xx, after retries; already redacted.
    ServiceError(ErrorMetadata, crate::error::RawResponse),
    /// Anything else.
    Failed(Failure),
}

impl From<Failure> for Outcome {
    fn from(f: Failure) -> Self {
        Outcome::Failed(f)
    }
}

impl Outcome {
    /// Decodes a success with `decode` and maps everything else into `SdkError<E>`. An
    /// undecodable success goes through the redactor like any error response.
    pub(crate) fn finish<T, E: OperationError>(
        self,
        redactor: &Redactor,
        request_id: fn(&Received) -> Option<String>,
        decode: impl FnOnce(&[u8]) -> Result<T, BoxError>,
    ) -> Result<T, SdkError<E>> {
        match self {
            Outcome::Success(received) => match decode(&received.body) {
                Ok(v) => Ok(v),
                Err(source) => Err(SdkError::Response(undecodable(
                    redactor, request_id, received, source,
                ))),
            },
            Outcome::ServiceError(meta, raw) => Err(service_error(meta, raw)),
            Outcome::Failed(f) => Err(f.into_sdk()),
        }
    }
}

#[cold]
#[inline(never)]
fn attempt_timed_out(limit: Duration, started: Instant) -> AttemptError {
    AttemptError::Timeout(TimeoutError::new(
        TimeoutKind::Attempt,
        limit,
        started.elapsed(),
    ))
}

/// A service error as the operation's `SdkError`.
#[cold]
#[inline(never)]
fn service_error<E: OperationError>(
    meta: ErrorMetadata,
    raw: crate::error::RawResponse,
) -> SdkError<E> {
    let err = E::from_metadata(meta.clone());
    SdkError::Service(ServiceError::new(err, meta, raw))
}

/// A 2xx response whose body could not be decoded, redacted.
#[cold]
#[inline(never)]
fn undecodable(
    redactor: &Redactor,
    request_id: fn(&Received) -> Option<String>,
    received: Received,
    source: BoxError,
) -> ResponseError {
    let source = redactor.error(source);
    let mut request_id = request_id(&received);
    if let Some(id) = &mut request_id {
        redactor.text(id);
    }
    tracing::debug!(
        status = received.status,
        request_id = request_id.as_deref().unwrap_or(""),
        error = %source,
        "response body could not be decoded"
    );
    ResponseError::new(redactor.raw(received), request_id, source)
}

pin_project_lite::pin_project! {
    /// One attempt's exchange: the request in flight, then the response body read frame by
    /// frame, refusing more than the cap (a larger `Content-Length` is refused without reading).
    ///
    /// Written by hand rather than as `async` blocks: those would keep the request future, the
    /// response head and the body reader in separate slots of their state, which is copied
    /// into every attempt's allocation, and add a layer that every poll passes through.
    struct Exchange<S> {
        #[pin]
        sent: S,
        reading: Option<Reading>,
        cap: usize,
        started: Instant,
    }
}

/// The response whose body is being read.
struct Reading {
    received: Received,
    body: ResponseBody,
    /// A body in one chunk is kept as is (no copy); more chunks are gathered here.
    gathered: Option<BytesMut>,
}

impl<S> Future for Exchange<S>
where
    S: Future<Output = Result<http::Response<ResponseBody>, HttpError>>,
{
    type Output = Result<Received, AttemptError>;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let this = self.project();
        let reading = match this.reading {
            Some(reading) => reading,
            None => {
                let response = match std::task::ready!(this.sent.poll(cx)) {
                    Ok(response) => response,
                    Err(e) => {
                        return std::task::Poll::Ready(Err(transport_error(e, *this.started)));
                    }
                };
                match Reading::start(response, *this.cap) {
                    Ok(reading) => this.reading.insert(reading),
                    Err(e) => return std::task::Poll::Ready(Err(e)),
                }
            }
        };
        reading.poll_body(cx, *this.cap, *this.started)
    }
}

impl Reading {
    /// The response head; refuses a declared length above the cap.
    fn start(response: http::Response<ResponseBody>, cap: usize) -> Result<Self, AttemptError> {
        let (parts, body) = response.into_parts();
        let received = Received {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body: Bytes::new(),
        };
        let declared = received
            .headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok());
        if declared.is_some_and(|len| len > cap as u64) {
            return Err(AttemptError::BodyTooLarge(Box::new(received), cap));
        }
        Ok(Self {
            received,
            body,
            gathered: None,
        })
    }

    /// Reads frames until the body ends, breaks off or passes the cap.
    fn poll_body(
        &mut self,
        cx: &mut std::task::Context<'_>,
        cap: usize,
        started: Instant,
    ) -> std::task::Poll<Result<Received, AttemptError>> {
        use http_body::Body as _;
        loop {
            let frame = std::task::ready!(std::pin::Pin::new(&mut self.body).poll_frame(cx));
            let chunk = match frame {
                None => return std::task::Poll::Ready(Ok(self.take_received())),
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(chunk) => chunk,
                    Err(_trailers) => continue,
                },
                Some(Err(e)) => {
                    let received = self.take_received();
                    return std::task::Poll::Ready(Err(body_error(received, e, started)));
                }
            };
            let so_far = self
                .gathered
                .as_ref()
                .map_or(self.received.body.len(), BytesMut::len);
            if so_far + chunk.len() > cap {
                let mut received = self.take_received();
                let mut all = BytesMut::from(&received.body[..]);
                all.extend_from_slice(&chunk[..cap - so_far]);
                received.body = all.freeze();
                return std::task::Poll::Ready(Err(AttemptError::BodyTooLarge(
                    Box::new(received),
                    cap,
                )));
            }
            match &mut self.gathered {
                Some(all) => all.extend_from_slice(&chunk),
                None if self.received.body.is_empty() => self.received.body = chunk,
                None => {
                    let mut all = BytesMut::from(&self.received.body[..]);
                    all.extend_from_slice(&chunk);
                    self.gathered = Some(all);
                }
            }
        }
    }

    /// What arrived so far, as the response (an empty one is left behind).
    fn take_received(&mut self) -> Received {
        let empty = Received {
            status: self.received.status,
            headers: HeaderMap::new(),
            body: Bytes::new(),
        };
        let mut received = std::mem::replace(&mut self.received, empty);
        if let Some(all) = self.gathered.take() {
            received.body = all.freeze();
        }
        received
    }
}

#[cold]
#[inline(never)]
fn body_error(received: Received, e: HttpError, started: Instant) -> AttemptError {
    if e.kind() == HttpErrorKind::Timeout {
        return transport_error(e, started);
    }
    let cause = crate::error::chain_text(&e);
    AttemptError::BodyIncomplete(Box::new(received), cause)
}

/// Maps a transport error: a connect timeout reports the CONNECT limit, not the attempt's.
#[cold]
#[inline(never)]
fn transport_error(e: HttpError, started: Instant) -> AttemptError {
    let elapsed = started.elapsed();
    match e.kind() {
        HttpErrorKind::ConnectTimeout => AttemptError::Timeout(TimeoutError::new(
            TimeoutKind::Connect,
            e.connect_limit().unwrap_or(elapsed),
            elapsed,
        )),
        // The client's own timeout (of a client the user brought): its limit is not known
        // here, the time it took is.
        HttpErrorKind::Timeout => {
            AttemptError::Timeout(TimeoutError::new(TimeoutKind::Attempt, elapsed, elapsed))
        }
        HttpErrorKind::Connect => {
            AttemptError::Dispatch(DispatchError::new("could not connect", true, e))
        }
        HttpErrorKind::Body => AttemptError::Dispatch(DispatchError::new(
            "failed to read the response body",
            false,
            e,
        )),
        _ => AttemptError::Dispatch(DispatchError::new(
            "failed to send the request",
            false,
            e.into_source(),
        )),
    }
}

enum AttemptError {
    Construction(ConstructionError),
    Timeout(TimeoutError),
    Dispatch(DispatchError),
    BodyTooLarge(Box<Received>, usize),
    /// The head arrived but the body broke off (connection closed before the declared length,
    /// a bad chunk): what arrived, and why it stopped.
    BodyIncomplete(Box<Received>, String),
}

/// What the retry classifier decided about one attempt.
enum Verdict {
    /// The operation ends.
    Done(Outcome),
    /// Clock skew corrected: retry at once, not counted against `max_attempts`.
    RetryNow,
    /// Retry after the backoff (or the server's delay); `last` is returned if no attempt is left.
    Retry {
        last: Option<Failure>,
        server_delay: Option<Duration>,
    },
}

/// Per-operation retry state.
struct RetryState {
    attempt: u32,
    max: u32,
    /// At most one immediate extra attempt per operation after a clock-skew error.
    skew_corrected: bool,
}

impl RetryState {
    fn is_last(&self) -> bool {
        self.attempt >= self.max
    }
}

/// Header names for logs (values may be secret).
struct HeaderNames<'a>(&'a HeaderMap);

impl std::fmt::Debug for HeaderNames<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.keys().map(|k| k.as_str()))
            .finish()
    }
}

impl Runtime {
    /// Runs a whole operation (identity, endpoint, attempts) under ONE deadline, the operation
    /// timeout, inside the operation's span.
    ///
    /// `operation` makes the operation's future from the operation's span (a handle to it,
    /// for [`execute`](Self::execute) to record the attempts and the status in): created
    /// here, it is stored once, on the heap
    /// (a future passed by value would be stored twice in this function's state, as the
    /// argument and as the awaited timeout). Boxed, the layers above it (timeout, span, this
    /// function, the client's `send`) move a pointer instead of its 1.3 KB: every such move is a
    /// copy of the whole future, and under callgrind boxing here and each attempt cut the
    /// SDK's instructions per Alibaba V2 call by 3.4k (to 0.4% above the floor's) and its L1
    /// data-cache misses by 158.
    pub(crate) async fn run<F, Fut>(
        &self,
        service: &'static str,
        operation_name: &'static str,
        operation: F,
    ) -> Outcome
    where
        F: FnOnce(tracing::Span) -> Fut,
        Fut: Future<Output = Outcome>,
    {
        let span = tracing::info_span!(
            "operation",
            service = service,
            operation = operation_name,
            attempts = tracing::field::Empty,
            status = tracing::field::Empty,
        );
        let started = Instant::now();
        crate::timer::timeout(self.operation_timeout, Box::pin(operation(span.clone())))
            .instrument(span.clone())
            .await
            .unwrap_or_else(|crate::timer::Elapsed(limit)| {
                let _g = span.enter();
                tracing::warn!(limit = ?limit, "operation timed out");
                Outcome::Failed(Failure::Timeout(TimeoutError::new(
                    TimeoutKind::Operation,
                    limit,
                    started.elapsed(),
                )))
            })
    }

    /// The attempt loop: attempt, classify, back off, until an outcome. The number of attempts
    /// and the last status are recorded in `span`, the operation's (given, not looked up as
    /// the current span: when the operation's span is disabled, the current one may be a
    /// caller's, and a field of the same name there is not the SDK's to set).
    pub(crate) async fn execute(&self, protocol: &dyn Protocol, span: &tracing::Span) -> Outcome {
        let mut state = RetryState {
            attempt: 1,
            max: self.retry.max_attempts.max(1),
            skew_corrected: false,
        };
        loop {
            span.record("attempts", state.attempt + u32::from(state.skew_corrected));
            // The attempt's result and the retry decision live in this block only, so this
            // future does not keep them (nor a timer) in its state during every attempt.
            let delay = {
                // Boxed for the same reason as the operation (see `run`): the attempt future
                // is moved through several layers.
                let result = Box::pin(self.attempt(protocol, state.attempt)).await;
                if let Ok(received) = &result {
                    span.record("status", received.status);
                }
                let (last, server_delay) = match self.classify(protocol, result, &mut state) {
                    Verdict::Done(outcome) => return outcome,
                    Verdict::RetryNow => continue,
                    Verdict::Retry { last, server_delay } => (last, server_delay),
                };
                if state.is_last() {
                    // Only transport failures reach this point (service errors end in
                    // `classify`).
                    if let Some(f) = last {
                        return Outcome::Failed(f);
                    }
                }
                self.backoff(state.attempt, server_delay)
            };
            tracing::info!(
                attempt = state.attempt,
                next_attempt = state.attempt + 1,
                delay = ?delay,
                "retrying"
            );
            // Boxed: only a retry pays for the timer's room.
            Box::pin(tokio::time::sleep(delay)).await;
            state.attempt += 1;
        }
    }

    /// The delay before the next attempt: the server's (capped), else the jittered backoff.
    fn backoff(&self, attempt: u32, server_delay: Option<Duration>) -> Duration {
        match server_delay {
            Some(d) => d.min(MAX_SERVER_DELAY),
            None => self.retry.backoff(attempt),
        }
    }

    /// One attempt: sign, transmit, read the body, under the attempt timeout.
    async fn attempt(
        &self,
        protocol: &dyn Protocol,
        attempt: u32,
    ) -> Result<Received, AttemptError> {
        let started = Instant::now();
        // The signed request goes to the HTTP client at once, in a statement of its own:
        // neither it nor the `Result` it came in (256 bytes) is kept in this future's state
        // while the attempt runs (a temporary of the awaiting statement would be).
        let exchange = match self.signed(protocol, attempt) {
            Ok(request) => Exchange {
                sent: self.http.send(request),
                reading: None,
                cap: self.max_response_bytes,
                started,
            },
            Err(e) => return Err(e),
        };
        let result = crate::timer::timeout(self.attempt_timeout, exchange)
            .await
            .unwrap_or_else(|crate::timer::Elapsed(limit)| Err(attempt_timed_out(limit, started)));
        if let Ok(received) = &result
            && tracing::enabled!(tracing::Level::DEBUG)
        {
            let mut request_id = protocol.request_id(received).unwrap_or_default();
            protocol.redactor().text(&mut request_id);
            tracing::debug!(
                status = received.status,
                request_id = %request_id,
                elapsed = ?started.elapsed(),
                "response received"
            );
        }
        result
    }

    /// The signed request of attempt `attempt`.
    fn signed(&self, protocol: &dyn Protocol, attempt: u32) -> Result<HttpRequest, AttemptError> {
        let request = protocol
            .sign_attempt(self.signing_time())
            .map_err(AttemptError::Construction)?;
        tracing::debug!(
            attempt,
            method = %request.method(),
            host = request.uri().host().unwrap_or(""),
            path = request.uri().path(),
            headers = ?HeaderNames(request.headers()),
            "sending request"
        );
        Ok(request)
    }

    /// The retry classifier: success, service error (retryable or not, clock skew), or a
    /// transport failure (retryable) or a construction or response failure (final).
    fn classify(
        &self,
        protocol: &dyn Protocol,
        result: Result<Received, AttemptError>,
        state: &mut RetryState,
    ) -> Verdict {
        match result {
            Ok(received) if received.is_success() => Verdict::Done(Outcome::Success(received)),
            result => self.classify_failure(protocol, result, state),
        }
    }

    /// [`classify`](Self::classify) of anything but a 2xx: out of line, so that the code of
    /// every successful call stays compact.
    #[cold]
    #[inline(never)]
    fn classify_failure(
        &self,
        protocol: &dyn Protocol,
        result: Result<Received, AttemptError>,
        state: &mut RetryState,
    ) -> Verdict {
        let redactor = protocol.redactor();
        match result {
            Ok(mut received) => {
                redactor.received(&mut received);
                let mut meta = protocol.parse_error(&received);
                redactor.meta(&mut meta);
                self.classify_service_error(protocol, meta, received, state)
            }
            Err(AttemptError::Construction(e)) => {
                tracing::debug!(error = %e, "request construction failed");
                Verdict::Done(Outcome::Failed(Failure::Construction(e)))
            }
            Err(AttemptError::BodyTooLarge(mut received, cap)) => {
                redactor.received(&mut received);
                let request_id = protocol.request_id(&received);
                tracing::debug!(status = received.status, cap, "response body too large");
                Verdict::Done(Outcome::Failed(Failure::Response(ResponseError::new(
                    redactor.raw(*received),
                    request_id,
                    format!("response body exceeds the limit of {cap} bytes"),
                ))))
            }
            Err(AttemptError::BodyIncomplete(mut received, cause)) => {
                // A transport failure (retried like one), reported with what arrived.
                redactor.received(&mut received);
                let request_id = protocol.request_id(&received);
                let received_bytes = received.body.len();
                tracing::info!(
                    status = received.status,
                    request_id = request_id.as_deref().unwrap_or(""),
                    received_bytes,
                    cause = %cause,
                    "response body cut short"
                );
                let failure = Failure::Response(ResponseError::new(
                    redactor.raw(*received),
                    request_id,
                    format!(
                        "truncated body: the response ended after {received_bytes} bytes ({cause})"
                    ),
                ));
                Verdict::Retry {
                    last: Some(failure),
                    server_delay: None,
                }
            }
            Err(AttemptError::Timeout(e)) => {
                tracing::info!(error = %e, "attempt timed out");
                Verdict::Retry {
                    last: Some(Failure::Timeout(e)),
                    server_delay: None,
                }
            }
            Err(AttemptError::Dispatch(e)) => {
                tracing::info!(error = %e, "dispatch failure");
                Verdict::Retry {
                    last: Some(Failure::Dispatch(e)),
                    server_delay: None,
                }
            }
        }
    }

    fn classify_service_error(
        &self,
        protocol: &dyn Protocol,
        meta: ErrorMetadata,
        received: Received,
        state: &mut RetryState,
    ) -> Verdict {
        if self.clock_skew_policy(protocol, &meta, &received, state) {
            return Verdict::RetryNow;
        }
        let retryable = is_retryable_response(meta.status, meta.code());
        if !retryable || state.is_last() {
            tracing::debug!(
                status = meta.status,
                code = meta.code().unwrap_or(""),
                request_id = meta.request_id().unwrap_or(""),
                message = meta.message().unwrap_or(""),
                retryable,
                "service error"
            );
            let raw = protocol.redactor().raw(received);
            return Verdict::Done(Outcome::ServiceError(meta, raw));
        }
        let server_delay = server_retry_after(
            received
                .headers
                .iter()
                .filter_map(|(n, v)| Some((n.as_str(), v.to_str().ok()?))),
        );
        tracing::info!(
            status = meta.status,
            code = meta.code().unwrap_or(""),
            request_id = meta.request_id().unwrap_or(""),
            "retryable service error"
        );
        Verdict::Retry {
            last: None,
            server_delay,
        }
    }

    /// The clock-skew policy: after the first expired-timestamp error of an operation whose
    /// response carries a usable `Date`, learn the offset and retry at once.
    fn clock_skew_policy(
        &self,
        protocol: &dyn Protocol,
        meta: &ErrorMetadata,
        received: &Received,
        state: &mut RetryState,
    ) -> bool {
        if !self.clock_skew_correction || state.skew_corrected || !protocol.is_clock_skew(meta) {
            return false;
        }
        let Some(offset) = self.learn_clock_offset(received) else {
            return false;
        };
        state.skew_corrected = true;
        tracing::warn!(
            status = meta.status,
            code = meta.code().unwrap_or(""),
            request_id = meta.request_id().unwrap_or(""),
            clock_offset_seconds = offset,
            "request time out of the accepted window; the clock offset was \
             learnt from the response's Date header, retrying once at once"
        );
        true
    }

    /// Stores `Date − now` from a clock-skew error response; `None` without a usable `Date`.
    fn learn_clock_offset(&self, received: &Received) -> Option<i64> {
        let server = parse_http_date(received.header("date")?)?;
        let offset = server.unix_timestamp() - OffsetDateTime::now_utc().unix_timestamp();
        self.clock_offset.store(offset, Ordering::Relaxed);
        Some(offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A client of the user's own (never called here).
    #[derive(Debug)]
    struct OwnClient;

    impl crate::http::HttpClient for OwnClient {
        fn send(&self, _: HttpRequest) -> crate::http::HttpFuture<'_> {
            Box::pin(async { Err(HttpError::other("not called")) })
        }
    }

    #[test]
    fn the_defaults_are_the_documented_ones() {
        // crates/core/README.md: 5 s connect, 30 s attempt, 16 MiB body cap.
        assert_eq!(DEFAULT_CONNECT_TIMEOUT, Duration::from_secs(5));
        assert_eq!(DEFAULT_ATTEMPT_TIMEOUT, Duration::from_secs(30));
        assert_eq!(DEFAULT_MAX_RESPONSE_BYTES, 16_777_216);
        let settings = RuntimeSettings::default();
        assert_eq!(settings.attempt_timeout, Some(DEFAULT_ATTEMPT_TIMEOUT));
        assert_eq!(settings.max_response_bytes, DEFAULT_MAX_RESPONSE_BYTES);
    }

    #[test]
    fn initial_backoff_may_equal_max_backoff_but_not_exceed_it() {
        let with = |initial: u64, max: u64| RuntimeSettings {
            retry: RetryConfig::standard()
                .with_initial_backoff(Duration::from_secs(initial))
                .with_max_backoff(Duration::from_secs(max)),
            ..RuntimeSettings::default()
        };
        assert!(validate_settings(&with(1, 1)).is_ok());
        assert!(validate_settings(&with(1, 2)).is_ok());
        match validate_settings(&with(2, 1)) {
            Err(BuildError::InvalidConfig { item, .. }) => assert_eq!(item, "retry_config"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_blank_user_agent_suffix_adds_nothing() {
        let ua = |suffix: Option<&str>| {
            let settings = RuntimeSettings {
                user_agent_suffix: suffix.map(str::to_owned),
                ..RuntimeSettings::default()
            };
            user_agent(&settings, "crate", "1.0").unwrap()
        };
        let plain = ua(None);
        assert!(plain.ends_with(" crate/1.0"), "{plain}");
        assert_eq!(ua(Some("   ")), plain);
        assert_eq!(ua(Some(" app/2 ")), format!("{plain} app/2"));
    }

    #[test]
    fn network_settings_and_an_own_http_client_do_not_combine() {
        let own = |network: NetworkSettings| RuntimeSettings {
            http_client: Some(SharedHttpClient::new(OwnClient)),
            network,
            ..RuntimeSettings::default()
        };
        for network in [
            NetworkSettings::new().proxy("http://127.0.0.1:9"),
            NetworkSettings::new().no_proxy("*"),
            NetworkSettings::new().add_root_certificate("x"),
            NetworkSettings::new().ca_bundle("/nonexistent"),
            NetworkSettings::new().tls_built_in_root_certs(true),
        ] {
            match http_clients(&own(network)).unwrap_err() {
                BuildError::InvalidConfig { item, reason } => {
                    assert_eq!(item, "http_client");
                    assert!(reason.contains("cannot be combined"), "{reason}");
                }
                other => panic!("{other:?}"),
            }
        }
        // The environment's proxies are not settings: an own client is used as it is.
        let mut from_env = NetworkSettings::new();
        from_env.read_env(&crate::credentials::Env::from_vars([(
            "HTTPS_PROXY",
            "http://127.0.0.1:9",
        )]));
        let (api, _metadata) = http_clients(&own(from_env)).unwrap();
        assert!(format!("{api:?}").contains("OwnClient"));
    }

    /// The api client goes through the proxy (here: a closed port, so it fails); the metadata
    /// client ignores both the explicit and the environment's proxies and reaches the server.
    #[tokio::test]
    async fn the_metadata_client_is_never_proxied() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf).await.unwrap();
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .await
                .unwrap();
        });
        // A port nothing listens on: bound, then released.
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let mut network = NetworkSettings::new().proxy(format!("http://{closed}"));
        network.read_env(&crate::credentials::Env::from_vars([
            ("HTTP_PROXY", format!("http://{closed}")),
            ("ALL_PROXY", format!("http://{closed}")),
        ]));
        let settings = RuntimeSettings {
            network,
            ..RuntimeSettings::default()
        };
        let (api, metadata) = http_clients(&settings).unwrap();
        let request = || {
            http::Request::get(format!("http://{addr}/latest/meta-data/"))
                .body(Bytes::new())
                .unwrap()
        };
        let e = api.send(request()).await.unwrap_err();
        assert_eq!(e.kind(), HttpErrorKind::Connect, "{e}");
        let response = metadata.send(request()).await.unwrap();
        assert_eq!(response.status(), 200);
        server.await.unwrap();
    }

    #[test]
    fn settings_errors_surface_from_http_clients() {
        let settings = |network| RuntimeSettings {
            network,
            ..RuntimeSettings::default()
        };
        assert!(http_clients(&settings(NetworkSettings::new())).is_ok());
        let e = http_clients(&settings(NetworkSettings::new().proxy("socks5://p:1"))).unwrap_err();
        assert!(
            matches!(e, BuildError::InvalidConfig { item: "proxy", .. }),
            "{e}"
        );
        let e =
            http_clients(&settings(NetworkSettings::new().add_root_certificate("x"))).unwrap_err();
        assert!(matches!(e, BuildError::InvalidCaCertificate { .. }), "{e}");
    }

    /// Both builders read the proxy variables through their `Env` (a bad one fails the build)
    /// and an explicit proxy wins over them.
    #[cfg(all(feature = "huawei", feature = "aliyun"))]
    #[test]
    fn builders_read_proxies_through_their_env() {
        use crate::credentials::Env;
        static HW: crate::huawei::ServiceInfo = crate::huawei::ServiceInfo {
            endpoint_template: "https://vpc.{region}.myhuaweicloud.com",
            crate_name: "t",
            crate_version: "0",
        };
        static ALI: crate::aliyun::ServiceInfo = crate::aliyun::ServiceInfo {
            product: "Ecs",
            version: "2014-05-26",
            endpoint_rule: "ecs.{region}.aliyuncs.com",
            endpoint_map: &[],
            crate_name: "t",
            crate_version: "0",
        };
        let bad = || Env::from_vars([("HTTPS_PROXY", "socks5://127.0.0.1:9")]);
        let creds = || crate::Credentials::new("AK", "SK");
        let hw = || {
            crate::huawei::HuaweiClientBuilder::new(&HW)
                .region("cn-north-4")
                .project_id("p")
                .credentials(creds())
                .env(bad())
        };
        let ali = || {
            crate::aliyun::AliyunClientBuilder::new(&ALI)
                .region("cn-hangzhou")
                .credentials(creds())
                .env(bad())
        };
        for e in [hw().build().unwrap_err(), ali().build().unwrap_err()] {
            match e {
                BuildError::InvalidConfig { item, reason } => {
                    assert_eq!(item, "proxy");
                    assert!(reason.starts_with("HTTPS_PROXY: "), "{reason}");
                }
                other => panic!("{other:?}"),
            }
        }
        hw().proxy("http://127.0.0.1:9").build().unwrap();
        ali().proxy("http://127.0.0.1:9").build().unwrap();
    }

    #[test]
    fn http_dates() {
        let t = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(t.unix_timestamp(), 784_111_777);
        // The day name is not cross-checked (the date and time are what matter).
        assert!(parse_http_date("Mon, 06 Nov 1994 08:49:37 GMT").is_some());
        for bad in [
            "",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 31 Feb 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:49:37 GMT",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad:?}");
        }
    }

    /// IMF-fixdate written by hand, independent of the parser.
    fn imf(t: OffsetDateTime) -> String {
        const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        format!(
            "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
            DAYS[t.weekday().number_days_from_monday() as usize],
            t.day(),
            MONTHS[u8::from(t.month()) as usize - 1],
            t.year(),
            t.hour(),
            t.minute(),
            t.second()
        )
    }

    proptest! {
        #[test]
        fn http_date_round_trip(secs in 0i64..253_402_300_799) {
            let t = OffsetDateTime::from_unix_timestamp(secs).unwrap();
            prop_assert_eq!(parse_http_date(&imf(t)).map(|t| t.unix_timestamp()), Some(secs));
        }

        #[test]
        fn http_date_never_panics(s in "\\PC{0,40}") {
            let _ = parse_http_date(&s);
        }
    }
}
