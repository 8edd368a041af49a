//! The vendor-neutral request loop: transport, timeouts, retries, body cap, tracing.
//!
//! The loop itself is not generic over the output or error types (one copy in the binary); the
//! thin generic layer in the protocol modules decodes the final response.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use time::OffsetDateTime;
use tracing::Instrument;

use crate::error::{
    BoxError, BuildError, ConstructionError, DispatchError, ErrorMetadata, OperationError,
    RawResponse, ResponseError, SdkError, ServiceError, TimeoutError, TimeoutKind,
};
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
/// sign. Every form is replaced by `***` before anything is logged.
pub(crate) fn trace_signing(
    algorithm: &str,
    canonical: &str,
    string_to_sign: &str,
    security_token: Option<&str>,
) {
    if !tracing::enabled!(tracing::Level::TRACE) {
        return;
    }
    let redact = |text: &str| -> String {
        match security_token {
            Some(token) if !token.is_empty() => {
                let once = crate::sign::encode::percent_encode(token);
                let twice = crate::sign::encode::percent_encode(&once);
                text.replace(&twice, "***")
                    .replace(&once, "***")
                    .replace(token, "***")
            }
            _ => text.to_owned(),
        }
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

        /// Connect timeout (default 5 s).
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
    };
}
pub(crate) use shared_builder_setters;

/// A built runtime: one pooled HTTP client plus validated settings.
#[derive(Debug)]
pub(crate) struct Runtime {
    http: reqwest::Client,
    retry: RetryConfig,
    attempt_timeout: Option<Duration>,
    operation_timeout: Option<Duration>,
    max_response_bytes: usize,
    pub(crate) user_agent: String,
    clock_skew_correction: bool,
    /// Seconds to add to the local clock when signing (server time − local time), learnt from
    /// the `Date` header of a clock-skew error. Shared by the client's clones (the runtime sits
    /// behind the client's `Arc`).
    clock_offset: AtomicI64,
}

fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Err means another thread installed one first: fine, reqwest uses whichever is installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

impl Runtime {
    pub(crate) fn new(
        settings: &RuntimeSettings,
        crate_name: &str,
        crate_version: &str,
    ) -> Result<Self, BuildError> {
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
        install_crypto_provider();
        let http = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| BuildError::HttpClient(Box::new(e.without_url())))?;
        Ok(Runtime {
            http,
            retry,
            attempt_timeout: settings.attempt_timeout,
            operation_timeout: settings.operation_timeout,
            max_response_bytes: settings.max_response_bytes,
            user_agent,
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

/// One signed request ready to go on the wire.
#[derive(Debug)]
pub(crate) struct PreparedRequest {
    pub method: reqwest::Method,
    /// Full URL including the (canonical) query.
    pub url: String,
    /// Host and path only, for logs (the query may carry a token or signature).
    pub log_target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Texts to cut out of error responses (the security token in the forms a gateway may echo
    /// it: raw in a canonical request, percent-encoded once or twice in a string to sign).
    pub redact: Vec<String>,
}

/// The forms of a security token that may come back in an error body (an echoed canonical
/// request or string to sign), longest first.
pub(crate) fn redaction_forms(security_token: Option<&str>) -> Vec<String> {
    let Some(token) = security_token.filter(|t| !t.is_empty()) else {
        return Vec::new();
    };
    let once = crate::sign::encode::percent_encode(token);
    let twice = crate::sign::encode::percent_encode(&once);
    let mut forms = vec![twice, once, token.to_owned()];
    forms.dedup();
    forms
}

const REDACTED: &str = "***";

fn redact_text(text: &mut String, forms: &[String]) {
    for f in forms {
        if text.contains(f.as_str()) {
            *text = text.replace(f.as_str(), REDACTED);
        }
    }
}

fn redact_bytes(body: &Bytes, forms: &[String]) -> Option<Bytes> {
    let mut out: Option<Vec<u8>> = None;
    for f in forms {
        let needle = f.as_bytes();
        let hay: &[u8] = out.as_deref().unwrap_or(body);
        if needle.is_empty() || !hay.windows(needle.len()).any(|w| w == needle) {
            continue;
        }
        let mut next = Vec::with_capacity(hay.len());
        let mut i = 0;
        while i < hay.len() {
            if hay[i..].starts_with(needle) {
                next.extend_from_slice(REDACTED.as_bytes());
                i += needle.len();
            } else {
                next.push(hay[i]);
                i += 1;
            }
        }
        out = Some(next);
    }
    out.map(Bytes::from)
}

/// Removes every redaction form from an error response (body and headers) and from the
/// metadata decoded from it, so no error, `Display`, `Debug` or log line can carry the token.
fn redact_error(received: &mut Received, meta: Option<&mut ErrorMetadata>, forms: &[String]) {
    if forms.is_empty() {
        return;
    }
    if let Some(body) = redact_bytes(&received.body, forms) {
        received.body = body;
    }
    for (_, v) in &mut received.headers {
        redact_text(v, forms);
    }
    if let Some(meta) = meta {
        for text in [&mut meta.message, &mut meta.code, &mut meta.request_id]
            .into_iter()
            .flatten()
        {
            redact_text(text, forms);
        }
        for v in meta.extras.values_mut() {
            redact_text(v, forms);
        }
    }
}

/// A complete response.
#[derive(Debug)]
pub(crate) struct Received {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl Received {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn into_raw(self) -> RawResponse {
        RawResponse::new(self.status, self.headers, self.body)
    }
}

/// How a protocol reads error responses.
pub(crate) struct ProtocolHooks<'a> {
    /// Decodes an error body into metadata (always succeeds; falls back to a body snippet).
    pub parse_error: &'a (dyn Fn(&Received) -> ErrorMetadata + Send + Sync),
    /// Request id of any response (headers first, then the body).
    pub request_id: &'a (dyn Fn(&Received) -> Option<String> + Send + Sync),
    /// Whether an error says the request's timestamp was out of the accepted window.
    pub is_clock_skew: &'a (dyn Fn(&ErrorMetadata) -> bool + Send + Sync),
}

/// A failure that is not a service error.
#[derive(Debug)]
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

/// The end of the loop.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// 2xx.
    Success(Received),
    /// Non-2xx, after retries.
    ServiceError(ErrorMetadata, Received),
    /// Anything else.
    Failed(Failure),
}

impl Outcome {
    /// Decodes a success with `decode` and maps everything else into `SdkError<E>`.
    pub(crate) fn finish<T, E: OperationError>(
        self,
        hooks: &ProtocolHooks<'_>,
        decode: impl FnOnce(&[u8]) -> Result<T, BoxError>,
    ) -> Result<T, SdkError<E>> {
        match self {
            Outcome::Success(received) => match decode(&received.body) {
                Ok(v) => Ok(v),
                Err(source) => {
                    let request_id = (hooks.request_id)(&received);
                    tracing::debug!(
                        status = received.status,
                        request_id = request_id.as_deref().unwrap_or(""),
                        error = %source,
                        "response body could not be decoded"
                    );
                    Err(SdkError::Response(ResponseError::new(
                        received.into_raw(),
                        request_id,
                        source,
                    )))
                }
            },
            Outcome::ServiceError(meta, received) => {
                let err = E::from_metadata(meta.clone());
                Err(SdkError::Service(ServiceError::new(
                    err,
                    meta,
                    received.into_raw(),
                )))
            }
            Outcome::Failed(f) => Err(f.into_sdk()),
        }
    }
}

/// Builds and signs one attempt: `(attempt number, signing time)`.
pub(crate) type Prepare<'a> =
    dyn Fn(u32, OffsetDateTime) -> Result<PreparedRequest, ConstructionError> + Send + Sync + 'a;

enum AttemptError {
    Timeout(TimeoutError),
    Dispatch(DispatchError),
    BodyTooLarge(Received, usize),
    /// The head arrived but the body broke off (connection closed before the declared length,
    /// a bad chunk): what arrived, and why it stopped.
    BodyIncomplete(Received, String),
}

fn classify_reqwest(e: reqwest::Error, started: Instant, attempt_limit: Duration) -> AttemptError {
    let connect = e.is_connect();
    if e.is_timeout() {
        let kind = if connect {
            TimeoutKind::Connect
        } else {
            TimeoutKind::Attempt
        };
        return AttemptError::Timeout(TimeoutError::new(kind, attempt_limit, started.elapsed()));
    }
    let e = e.without_url();
    let message = if connect {
        "could not connect".to_owned()
    } else if e.is_body() || e.is_decode() {
        "failed to read the response body".to_owned()
    } else {
        "failed to send the request".to_owned()
    };
    let message = match std::error::Error::source(&e) {
        Some(inner) => format!("{message}: {inner}"),
        None => message,
    };
    AttemptError::Dispatch(DispatchError::new(message, connect, e))
}

impl Runtime {
    /// Stores `Date − now` from a clock-skew error response; `None` without a usable `Date`.
    fn learn_clock_offset(&self, received: &Received) -> Option<i64> {
        let server = parse_http_date(received.header("date")?)?;
        let offset = server.unix_timestamp() - OffsetDateTime::now_utc().unix_timestamp();
        self.clock_offset.store(offset, Ordering::Relaxed);
        Some(offset)
    }

    async fn send_once(&self, req: &PreparedRequest) -> Result<Received, AttemptError> {
        let started = Instant::now();
        let limit = self.attempt_timeout.unwrap_or(Duration::MAX);
        let mut builder = self.http.request(req.method.clone(), &req.url);
        for (name, value) in &req.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        if !req.body.is_empty() || req.method == reqwest::Method::POST {
            builder = builder.body(req.body.clone());
        }
        let mut resp = builder
            .send()
            .await
            .map_err(|e| classify_reqwest(e, started, limit))?;
        let status = resp.status().as_u16();
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let cap = self.max_response_bytes;
        if let Some(len) = resp.content_length()
            && len > cap as u64
        {
            return Err(AttemptError::BodyTooLarge(
                Received {
                    status,
                    headers,
                    body: Bytes::new(),
                },
                cap,
            ));
        }
        let mut body = BytesMut::new();
        loop {
            let chunk = match resp.chunk().await {
                Ok(Some(chunk)) => chunk,
                Ok(None) => break,
                Err(e) if (e.is_body() || e.is_decode()) && !e.is_timeout() => {
                    let cause = std::error::Error::source(&e)
                        .map_or_else(|| e.to_string(), |inner| inner.to_string());
                    return Err(AttemptError::BodyIncomplete(
                        Received {
                            status,
                            headers,
                            body: body.freeze(),
                        },
                        cause,
                    ));
                }
                Err(e) => return Err(classify_reqwest(e, started, limit)),
            };
            if body.len() + chunk.len() > cap {
                let room = cap - body.len();
                body.extend_from_slice(&chunk[..room]);
                return Err(AttemptError::BodyTooLarge(
                    Received {
                        status,
                        headers,
                        body: body.freeze(),
                    },
                    cap,
                ));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Received {
            status,
            headers,
            body: body.freeze(),
        })
    }

    /// Runs the retry loop for one operation. `prepare(n, time)` builds attempt `n` (1-based)
    /// and signs it with `time` (the local clock corrected by the learnt clock offset).
    pub(crate) async fn execute(
        &self,
        service: &'static str,
        operation: &'static str,
        prepare: &Prepare<'_>,
        hooks: &ProtocolHooks<'_>,
    ) -> Outcome {
        let span = tracing::info_span!(
            "operation",
            service = service,
            operation = operation,
            attempts = tracing::field::Empty,
            status = tracing::field::Empty,
        );
        let started = Instant::now();
        let fut = self.attempts(prepare, hooks, &span);
        match self.operation_timeout {
            None => fut.instrument(span.clone()).await,
            Some(limit) => match tokio::time::timeout(limit, fut)
                .instrument(span.clone())
                .await
            {
                Ok(outcome) => outcome,
                Err(_) => {
                    let _g = span.enter();
                    tracing::warn!(limit = ?limit, "operation timed out");
                    Outcome::Failed(Failure::Timeout(TimeoutError::new(
                        TimeoutKind::Operation,
                        limit,
                        started.elapsed(),
                    )))
                }
            },
        }
    }

    async fn attempts(
        &self,
        prepare: &Prepare<'_>,
        hooks: &ProtocolHooks<'_>,
        op_span: &tracing::Span,
    ) -> Outcome {
        let max = self.retry.max_attempts.max(1);
        let mut attempt = 1u32;
        // At most one immediate extra attempt per operation after a clock-skew error; it does
        // not count against `max_attempts`.
        let mut skew_corrected = false;
        loop {
            op_span.record("attempts", attempt + u32::from(skew_corrected));
            let request = match prepare(attempt, self.signing_time()).and_then(|r| {
                crate::validate::check_headers(&r.headers)?;
                Ok(r)
            }) {
                Ok(r) => r,
                Err(e) => {
                    tracing::debug!(error = %e, "request construction failed");
                    return Outcome::Failed(Failure::Construction(e));
                }
            };
            let attempt_span = tracing::debug_span!("attempt", attempt = attempt);
            let result = async {
                tracing::debug!(
                    method = %request.method,
                    target = %request.log_target,
                    headers = ?request.headers.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
                    "sending request"
                );
                let started = Instant::now();
                let r = match self.attempt_timeout {
                    None => self.send_once(&request).await,
                    Some(limit) => {
                        match tokio::time::timeout(limit, self.send_once(&request)).await {
                            Ok(r) => r,
                            Err(_) => Err(AttemptError::Timeout(TimeoutError::new(
                                TimeoutKind::Attempt,
                                limit,
                                started.elapsed(),
                            ))),
                        }
                    }
                };
                if let Ok(received) = &r {
                    tracing::debug!(
                        status = received.status,
                        request_id = (hooks.request_id)(received).as_deref().unwrap_or(""),
                        elapsed = ?started.elapsed(),
                        "response received"
                    );
                }
                r
            }
            .instrument(attempt_span.clone())
            .await;
            let _g = attempt_span.enter();

            let (failure, retry_after) = match result {
                Ok(received) if (200..300).contains(&received.status) => {
                    op_span.record("status", received.status);
                    return Outcome::Success(received);
                }
                Ok(mut received) => {
                    op_span.record("status", received.status);
                    redact_error(&mut received, None, &request.redact);
                    let mut meta = (hooks.parse_error)(&received);
                    // A JSON body may escape characters of the token (`\/`): redact the
                    // decoded text too.
                    redact_error(&mut received, Some(&mut meta), &request.redact);
                    if self.clock_skew_correction
                        && !skew_corrected
                        && (hooks.is_clock_skew)(&meta)
                        && let Some(offset) = self.learn_clock_offset(&received)
                    {
                        skew_corrected = true;
                        tracing::warn!(
                            status = meta.status,
                            code = meta.code().unwrap_or(""),
                            request_id = meta.request_id().unwrap_or(""),
                            clock_offset_seconds = offset,
                            "request time out of the accepted window; the clock offset was \
                             learnt from the response's Date header, retrying once at once"
                        );
                        continue;
                    }
                    let retryable = is_retryable_response(meta.status, meta.code());
                    if !retryable || attempt >= max {
                        tracing::debug!(
                            status = meta.status,
                            code = meta.code().unwrap_or(""),
                            request_id = meta.request_id().unwrap_or(""),
                            message = meta.message().unwrap_or(""),
                            retryable,
                            "service error"
                        );
                        return Outcome::ServiceError(meta, received);
                    }
                    let retry_after = server_retry_after(
                        received
                            .headers
                            .iter()
                            .map(|(n, v)| (n.as_str(), v.as_str())),
                    );
                    tracing::info!(
                        status = meta.status,
                        code = meta.code().unwrap_or(""),
                        request_id = meta.request_id().unwrap_or(""),
                        "retryable service error"
                    );
                    (None, retry_after)
                }
                Err(AttemptError::BodyTooLarge(mut received, cap)) => {
                    redact_error(&mut received, None, &request.redact);
                    let request_id = (hooks.request_id)(&received);
                    tracing::debug!(status = received.status, cap, "response body too large");
                    return Outcome::Failed(Failure::Response(ResponseError::new(
                        received.into_raw(),
                        request_id,
                        format!("response body exceeds the limit of {cap} bytes"),
                    )));
                }
                Err(AttemptError::BodyIncomplete(mut received, cause)) => {
                    // A transport failure (retried like one), reported with what arrived.
                    redact_error(&mut received, None, &request.redact);
                    let request_id = (hooks.request_id)(&received);
                    let received_bytes = received.body.len();
                    tracing::info!(
                        status = received.status,
                        request_id = request_id.as_deref().unwrap_or(""),
                        received_bytes,
                        cause = %cause,
                        "response body cut short"
                    );
                    let failure = Failure::Response(ResponseError::new(
                        received.into_raw(),
                        request_id,
                        format!(
                            "truncated body: the response ended after {received_bytes} bytes ({cause})"
                        ),
                    ));
                    (Some(failure), None)
                }
                Err(AttemptError::Timeout(e)) => {
                    tracing::info!(error = %e, "attempt timed out");
                    (Some(Failure::Timeout(e)), None)
                }
                Err(AttemptError::Dispatch(e)) => {
                    tracing::info!(error = %e, "dispatch failure");
                    (Some(Failure::Dispatch(e)), None)
                }
            };
            if attempt >= max {
                // Only transport failures reach this point.
                if let Some(f) = failure {
                    return Outcome::Failed(f);
                }
            }
            let delay = match retry_after {
                Some(d) => d.min(MAX_SERVER_DELAY),
                None => self.retry.backoff(attempt),
            };
            tracing::info!(
                attempt,
                next_attempt = attempt + 1,
                delay = ?delay,
                "retrying"
            );
            drop(_g);
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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

    #[test]
    fn redaction() {
        let forms = redaction_forms(Some("a/b+c=="));
        assert_eq!(
            forms,
            ["a%252Fb%252Bc%253D%253D", "a%2Fb%2Bc%3D%3D", "a/b+c=="]
        );
        assert!(redaction_forms(Some("")).is_empty());
        assert!(redaction_forms(None).is_empty());
        let mut r = Received {
            status: 400,
            headers: vec![("x-echo".into(), "t=a/b+c==".into())],
            body: Bytes::from_static(
                b"raw a/b+c== once a%2Fb%2Bc%3D%3D twice a%252Fb%252Bc%253D%253D",
            ),
        };
        let mut meta = ErrorMetadata::new(400);
        meta.message = Some("m a/b+c==".into());
        meta.extras.insert("k".into(), "a%2Fb%2Bc%3D%3D".into());
        redact_error(&mut r, Some(&mut meta), &forms);
        assert_eq!(&r.body[..], b"raw *** once *** twice ***");
        assert_eq!(r.headers[0].1, "t=***");
        assert_eq!(meta.message(), Some("m ***"));
        assert_eq!(meta.extra("k"), Some("***"));
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

        #[test]
        // `*` is left out: a token made of the marker `***` itself cannot be told apart.
        fn redaction_removes_every_form(token in "[!-)+-~]{1,24}", noise in "[a-z ]{0,16}") {
            let forms = redaction_forms(Some(&token));
            let once = crate::sign::encode::percent_encode(&token);
            let twice = crate::sign::encode::percent_encode(&once);
            let text = format!("{noise}{token}{noise}{once}{noise}{twice}");
            let mut r = Received { status: 401, headers: vec![], body: Bytes::from(text.clone()) };
            let mut meta = ErrorMetadata::new(401);
            meta.message = Some(text);
            redact_error(&mut r, Some(&mut meta), &forms);
            let body = String::from_utf8(r.body.to_vec()).unwrap();
            for shown in [body.as_str(), meta.message().unwrap()] {
                prop_assert!(!shown.contains(token.as_str()), "{}", shown);
                prop_assert!(!shown.contains(once.as_str()), "{}", shown);
                prop_assert!(!shown.contains(twice.as_str()), "{}", shown);
            }
        }
    }
}
