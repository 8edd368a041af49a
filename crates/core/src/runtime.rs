//! The vendor-neutral request loop: transport, timeouts, retries, body cap, tracing.
//!
//! The loop itself is not generic over the output or error types (one copy in the binary); the
//! thin generic layer in the protocol modules decodes the final response.

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
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
        }
    }
}

/// A built runtime: one pooled HTTP client plus validated settings.
#[derive(Debug)]
pub(crate) struct Runtime {
    http: reqwest::Client,
    retry: RetryConfig,
    attempt_timeout: Option<Duration>,
    operation_timeout: Option<Duration>,
    max_response_bytes: usize,
    pub(crate) user_agent: String,
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
            if suffix.chars().any(|c| c.is_control()) {
                return Err(BuildError::InvalidConfig {
                    item: "user_agent_suffix",
                    reason: "must not contain control characters".into(),
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
        })
    }
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

enum AttemptError {
    Timeout(TimeoutError),
    Dispatch(DispatchError),
    BodyTooLarge(Received, usize),
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
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| classify_reqwest(e, started, limit))?
        {
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

    /// Runs the retry loop for one operation. `prepare` builds and signs attempt `n` (1-based).
    pub(crate) async fn execute(
        &self,
        service: &'static str,
        operation: &'static str,
        prepare: &(dyn Fn(u32) -> Result<PreparedRequest, ConstructionError> + Send + Sync),
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
        prepare: &(dyn Fn(u32) -> Result<PreparedRequest, ConstructionError> + Send + Sync),
        hooks: &ProtocolHooks<'_>,
        op_span: &tracing::Span,
    ) -> Outcome {
        let max = self.retry.max_attempts.max(1);
        let mut attempt = 1u32;
        loop {
            op_span.record("attempts", attempt);
            let request = match prepare(attempt) {
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
                Ok(received) => {
                    op_span.record("status", received.status);
                    let meta = (hooks.parse_error)(&received);
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
                Err(AttemptError::BodyTooLarge(received, cap)) => {
                    let request_id = (hooks.request_id)(&received);
                    tracing::debug!(status = received.status, cap, "response body too large");
                    return Outcome::Failed(Failure::Response(ResponseError::new(
                        received.into_raw(),
                        request_id,
                        format!("response body exceeds the limit of {cap} bytes"),
                    )));
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
