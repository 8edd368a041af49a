//! Error types shared by every generated crate.
//!
//! Every operation returns `Result<Output, SdkError<OperationNameError>>`. [`SdkError`] says *where*
//! the call failed (before sending, timeout, transport, undecodable response, service error) and
//! [`ServiceError`] carries the operation's typed error enum together with the decoded
//! [`ErrorMetadata`] and the [`RawResponse`].
//!
//! ```
//! use cloudsdk_core::error::ErrorMetadata;
//! let meta = ErrorMetadata::new(404)
//!     .with_code("VPC.0602")
//!     .with_message("Security group sg-1 does not exist")
//!     .with_request_id("a8cf4f79");
//! assert_eq!(meta.to_string(), "404 VPC.0602: Security group sg-1 does not exist (request id a8cf4f79)");
//! ```

use std::collections::BTreeMap;
use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

/// A boxed error usable as a `source()`.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// A shared error: errors keep their cause behind an `Arc` so that they can be cloned (concurrent
/// callers waiting on one project-id lookup all receive its failure).
type SharedError = Arc<dyn StdError + Send + Sync + 'static>;

/// The text of `error` followed by its causes (see [`write_causes`]).
pub(crate) fn chain_text(error: &(dyn StdError + 'static)) -> String {
    struct Chain<'a>(&'a (dyn StdError + 'static));
    impl fmt::Display for Chain<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            let top = self.0.to_string();
            f.write_str(&top)?;
            write_causes(f, &top, self.0.source())
        }
    }
    Chain(error).to_string()
}

/// Writes `: <cause>` for every level of the `source()` chain starting at `first` whose text is
/// not already shown by the previous one, so that `Display` ends with the innermost cause (a
/// DNS failure, an untrusted certificate) while `source()` keeps the chain intact.
pub(crate) fn write_causes(
    f: &mut fmt::Formatter<'_>,
    shown: &str,
    first: Option<&(dyn StdError + 'static)>,
) -> fmt::Result {
    let mut previous = shown.to_owned();
    let mut next = first;
    // Bounded: a cyclic or absurdly deep chain still prints.
    for _ in 0..16 {
        let Some(level) = next else { break };
        let text = level.to_string();
        if !text.is_empty() && !previous.contains(text.as_str()) {
            write!(f, ": {text}")?;
            previous = text;
        }
        next = level.source();
    }
    Ok(())
}

/// Maximum number of bytes of a response body kept in error snippets.
pub const BODY_SNIPPET_LIMIT: usize = 1024;

// ---------------------------------------------------------------------------------------------
// ErrorMetadata
// ---------------------------------------------------------------------------------------------

/// What the runtime decoded from an error response: HTTP status, service error code, message,
/// request id and any extra fields (for example `HostId`, `Recommend`, `AccessDeniedDetail`,
/// `encoded_authorization_message`, the integer code of a Nova fault as `fault_code`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ErrorMetadata {
    /// HTTP status code of the response.
    pub status: u16,
    /// Service error code (`APIGW.0301`, `VPC.0602`, `itemNotFound`, `InvalidSecurityGroupId.NotFound`).
    pub code: Option<String>,
    /// Human-readable message from the service (or a snippet of a non-JSON body).
    pub message: Option<String>,
    /// Request id from the response headers or body.
    pub request_id: Option<String>,
    /// Other fields found in the error body, as text.
    pub extras: BTreeMap<String, String>,
}

impl ErrorMetadata {
    /// Metadata with only a status.
    pub fn new(status: u16) -> Self {
        Self {
            status,
            ..Self::default()
        }
    }

    /// Sets the error code.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// Sets the message.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// Sets the request id.
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }

    /// Adds an extra field.
    pub fn with_extra(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.extras.insert(key.into(), value.into());
        self
    }

    /// HTTP status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Service error code, if the body carried one.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// Error message, if any.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// Request id, if any.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// All extra fields.
    pub fn extras(&self) -> &BTreeMap<String, String> {
        &self.extras
    }

    /// One extra field by name.
    pub fn extra(&self, key: &str) -> Option<&str> {
        self.extras.get(key).map(String::as_str)
    }
}

impl fmt::Display for ErrorMetadata {
    /// `404 VPC.0602: message (request id …)`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.status)?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        match &self.message {
            Some(message) if !message.is_empty() => write!(f, ": {message}")?,
            _ => {}
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// OperationError
// ---------------------------------------------------------------------------------------------

/// Implemented by every generated per-operation error enum.
pub trait OperationError: StdError + Send + Sync + Sized + 'static {
    /// Picks the documented variant for this (status, code), else the fallback variant.
    fn from_metadata(meta: ErrorMetadata) -> Self;
    /// The metadata (status, code, message, request id, extras) of any variant.
    fn meta(&self) -> &ErrorMetadata;
}

// ---------------------------------------------------------------------------------------------
// RawResponse
// ---------------------------------------------------------------------------------------------

/// The HTTP response an error was decoded from: status, headers and (possibly capped) body.
#[derive(Clone, Debug)]
pub struct RawResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: Bytes,
}

impl RawResponse {
    /// Builds a raw response. Header names are kept as received (lower-case from the transport).
    pub fn new(status: u16, headers: Vec<(String, String)>, body: impl Into<Bytes>) -> Self {
        Self {
            status,
            headers,
            body: body.into(),
        }
    }

    /// HTTP status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// All response headers as (name, value) pairs.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// First value of a header, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The response body bytes.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body as (lossy) UTF-8 text.
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Truncates `body` to at most `limit` bytes on a UTF-8 character boundary (lossy for invalid
/// UTF-8) and appends `…` when something was cut.
pub fn body_snippet(body: &[u8], limit: usize) -> String {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    if trimmed.len() <= limit {
        return trimmed.to_owned();
    }
    let mut end = limit;
    while end > 0 && !trimmed.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &trimmed[..end])
}

// ---------------------------------------------------------------------------------------------
// Variant payloads
// ---------------------------------------------------------------------------------------------

/// The request could not be built: an input parameter or a configuration item is invalid, or
/// credentials / the project id could not be obtained. Nothing was sent.
#[derive(Clone, Debug)]
pub struct ConstructionError(Box<ConstructionInner>);

#[derive(Clone, Debug)]
struct ConstructionInner {
    parameter: String,
    message: String,
    source: Option<SharedError>,
}

impl ConstructionError {
    /// `parameter` names the input field or configuration item, `message` says why.
    pub fn new(parameter: impl Into<String>, message: impl Into<String>) -> Self {
        Self(Box::new(ConstructionInner {
            parameter: parameter.into(),
            message: message.into(),
            source: None,
        }))
    }

    /// Attaches an underlying cause.
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.0.source = Some(Arc::from(source.into()));
        self
    }

    /// The parameter or configuration item at fault.
    pub fn parameter(&self) -> &str {
        &self.0.parameter
    }

    /// Why it is invalid.
    pub fn message(&self) -> &str {
        &self.0.message
    }
}

impl fmt::Display for ConstructionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid `{}`: {}", self.0.parameter, self.0.message)?;
        write_causes(f, &self.0.message, self.source())
    }
}

impl StdError for ConstructionError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

/// Which timeout fired.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// Establishing the TCP/TLS connection took too long.
    Connect,
    /// One attempt (send + read the whole response) took too long.
    Attempt,
    /// The whole operation, all attempts and back-off included, took too long.
    Operation,
}

impl fmt::Display for TimeoutKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutKind::Connect => "connect",
            TimeoutKind::Attempt => "attempt",
            TimeoutKind::Operation => "operation",
        })
    }
}

/// A configured timeout expired.
#[derive(Clone, Debug)]
pub struct TimeoutError {
    kind: TimeoutKind,
    limit: Duration,
    elapsed: Duration,
}

impl TimeoutError {
    /// A timeout of `kind` with the configured `limit` after `elapsed`.
    pub fn new(kind: TimeoutKind, limit: Duration, elapsed: Duration) -> Self {
        Self {
            kind,
            limit,
            elapsed,
        }
    }

    /// Which timeout fired.
    pub fn kind(&self) -> TimeoutKind {
        self.kind
    }

    /// The configured limit.
    pub fn limit(&self) -> Duration {
        self.limit
    }

    /// Time elapsed (since the start of the attempt or of the operation).
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }
}

impl fmt::Display for TimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} timeout: no result after {:?} (limit {:?})",
            self.kind, self.elapsed, self.limit
        )
    }
}

impl StdError for TimeoutError {}

/// The request could not be sent or the response could not be read (DNS, connect, TLS, I/O).
///
/// `Display` ends with the innermost cause (`could not connect: … : dns error: failed to lookup
/// address information: …`, `… : invalid peer certificate: UnknownIssuer`); `source()` returns
/// the transport's error with its whole chain.
#[derive(Clone, Debug)]
pub struct DispatchError {
    message: String,
    connect: bool,
    source: SharedError,
}

impl DispatchError {
    /// Wraps a transport error. `connect` tells whether the connection could not be established.
    pub fn new(message: impl Into<String>, connect: bool, source: impl Into<BoxError>) -> Self {
        Self {
            message: message.into(),
            connect,
            source: Arc::from(source.into()),
        }
    }

    /// True when no connection could be established (nothing reached the server).
    pub fn is_connect(&self) -> bool {
        self.connect
    }
}

impl fmt::Display for DispatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        write_causes(f, &self.message, self.source())
    }
}

impl StdError for DispatchError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.source as &(dyn StdError + 'static))
    }
}

/// A response arrived but could not be decoded (malformed or unexpected body, body too large).
#[derive(Clone, Debug)]
pub struct ResponseError(Box<ResponseInner>);

#[derive(Clone, Debug)]
struct ResponseInner {
    status: u16,
    request_id: Option<String>,
    snippet: String,
    raw: RawResponse,
    source: SharedError,
}

impl ResponseError {
    /// Builds the error from the raw response and the decode error; the snippet is computed from
    /// the body (at most [`BODY_SNIPPET_LIMIT`] bytes, cut on a character boundary).
    pub fn new(raw: RawResponse, request_id: Option<String>, source: impl Into<BoxError>) -> Self {
        Self(Box::new(ResponseInner {
            status: raw.status(),
            request_id,
            snippet: body_snippet(raw.body(), BODY_SNIPPET_LIMIT),
            raw,
            source: Arc::from(source.into()),
        }))
    }

    /// HTTP status code.
    pub fn status(&self) -> u16 {
        self.0.status
    }

    /// Request id from the headers or the body, if found.
    pub fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }

    /// The start of the body (bounded, UTF-8 safe).
    pub fn body_snippet(&self) -> &str {
        &self.0.snippet
    }

    /// The raw response.
    pub fn raw(&self) -> &RawResponse {
        &self.0.raw
    }
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} response could not be decoded: {}",
            self.0.status, self.0.source
        )?;
        if let Some(id) = &self.0.request_id {
            write!(f, " (request id {id})")?;
        }
        if !self.0.snippet.is_empty() {
            write!(f, "; body starts with: {}", self.0.snippet)?;
        }
        Ok(())
    }
}

impl StdError for ResponseError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.0.source as &(dyn StdError + 'static))
    }
}

/// The service answered with an error: the operation's typed error, its metadata and the raw
/// response.
#[derive(Debug)]
pub struct ServiceError<E>(Box<ServiceInner<E>>);

#[derive(Debug)]
struct ServiceInner<E> {
    err: E,
    meta: ErrorMetadata,
    raw: RawResponse,
}

impl<E> ServiceError<E> {
    /// Builds a service error.
    pub fn new(err: E, meta: ErrorMetadata, raw: RawResponse) -> Self {
        Self(Box::new(ServiceInner { err, meta, raw }))
    }

    /// The operation's error enum.
    pub fn err(&self) -> &E {
        &self.0.err
    }

    /// Consumes the wrapper and returns the operation's error enum.
    pub fn into_err(self) -> E {
        self.0.err
    }

    /// Decoded metadata (status, code, message, request id, extras).
    pub fn meta(&self) -> &ErrorMetadata {
        &self.0.meta
    }

    /// The raw response.
    pub fn raw(&self) -> &RawResponse {
        &self.0.raw
    }
}

impl<E> fmt::Display for ServiceError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.meta, f)
    }
}

impl<E: StdError + 'static> StdError for ServiceError<E> {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&self.0.err)
    }
}

// ---------------------------------------------------------------------------------------------
// SdkError
// ---------------------------------------------------------------------------------------------

/// The error of every operation.
#[derive(Debug)]
#[non_exhaustive]
pub enum SdkError<E> {
    /// Invalid input or configuration, or the credentials or project id could not be resolved;
    /// the operation's request was not sent. (Resolving the project id may have called IAM; an
    /// IAM failure's status, code and request id are in the message.)
    Construction(ConstructionError),
    /// Connect, attempt or operation timeout.
    Timeout(TimeoutError),
    /// Connect / I/O failure.
    Dispatch(DispatchError),
    /// The response could not be decoded.
    Response(ResponseError),
    /// The service answered with an error.
    Service(ServiceError<E>),
}

impl<E> SdkError<E> {
    /// HTTP status, when a response was received.
    pub fn status(&self) -> Option<u16> {
        match self {
            SdkError::Service(e) => Some(e.0.meta.status),
            SdkError::Response(e) => Some(e.0.status),
            _ => None,
        }
    }

    /// Service error code, for service errors.
    pub fn code(&self) -> Option<&str> {
        match self {
            SdkError::Service(e) => e.0.meta.code(),
            _ => None,
        }
    }

    /// The service's message (service errors) or the reason a request could not be built.
    pub fn message(&self) -> Option<&str> {
        match self {
            SdkError::Service(e) => e.0.meta.message(),
            SdkError::Construction(e) => Some(e.message()),
            _ => None,
        }
    }

    /// Request id, when a response was received and carried one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            SdkError::Service(e) => e.0.meta.request_id(),
            SdkError::Response(e) => e.request_id(),
            _ => None,
        }
    }

    /// Error metadata, for service errors.
    pub fn meta(&self) -> Option<&ErrorMetadata> {
        match self {
            SdkError::Service(e) => Some(&e.0.meta),
            _ => None,
        }
    }

    /// The operation's typed error, for service errors.
    pub fn as_service_error(&self) -> Option<&E> {
        match self {
            SdkError::Service(e) => Some(&e.0.err),
            _ => None,
        }
    }

    /// Consumes the error and returns the operation's typed error, for service errors.
    pub fn into_service_error(self) -> Option<E> {
        match self {
            SdkError::Service(e) => Some(e.0.err),
            _ => None,
        }
    }

    /// The raw HTTP response (service errors and undecodable responses).
    pub fn raw_response(&self) -> Option<&RawResponse> {
        match self {
            SdkError::Service(e) => Some(&e.0.raw),
            SdkError::Response(e) => Some(&e.0.raw),
            _ => None,
        }
    }

    /// True for a timeout.
    pub fn is_timeout(&self) -> bool {
        matches!(self, SdkError::Timeout(_))
    }

    /// Converts the typed service error into another one (used by wrappers around operations).
    pub fn map_service_error<F>(self, f: impl FnOnce(E) -> F) -> SdkError<F> {
        match self {
            SdkError::Construction(e) => SdkError::Construction(e),
            SdkError::Timeout(e) => SdkError::Timeout(e),
            SdkError::Dispatch(e) => SdkError::Dispatch(e),
            SdkError::Response(e) => SdkError::Response(e),
            SdkError::Service(e) => {
                let inner = *e.0;
                SdkError::Service(ServiceError::new(f(inner.err), inner.meta, inner.raw))
            }
        }
    }
}

impl<E> fmt::Display for SdkError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SdkError::Construction(e) => write!(f, "failed to construct request: {e}"),
            SdkError::Timeout(e) => fmt::Display::fmt(e, f),
            SdkError::Dispatch(e) => write!(f, "dispatch failure: {e}"),
            SdkError::Response(e) => fmt::Display::fmt(e, f),
            SdkError::Service(e) => fmt::Display::fmt(&e.0.meta, f),
        }
    }
}

impl<E: StdError + 'static> StdError for SdkError<E> {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            SdkError::Construction(e) => e.source(),
            SdkError::Timeout(_) => None,
            SdkError::Dispatch(e) => e.source(),
            SdkError::Response(e) => e.source(),
            SdkError::Service(e) => Some(&e.0.err),
        }
    }
}

impl<E> From<ConstructionError> for SdkError<E> {
    fn from(e: ConstructionError) -> Self {
        SdkError::Construction(e)
    }
}

// ---------------------------------------------------------------------------------------------
// BuildError
// ---------------------------------------------------------------------------------------------

/// Returned by client builders' `build()` when the configuration cannot work.
#[derive(Debug)]
#[non_exhaustive]
pub enum BuildError {
    /// Neither a region nor an endpoint was configured.
    MissingRegion {
        /// What to set.
        hint: &'static str,
    },
    /// The region id does not look like a region id.
    InvalidRegion {
        /// The rejected region.
        region: String,
    },
    /// An endpoint could not be parsed or has an unsupported shape.
    InvalidEndpoint {
        /// Which setting (`endpoint`, `iam_endpoint`).
        item: &'static str,
        /// The rejected value.
        endpoint: String,
        /// Why.
        reason: String,
    },
    /// No credentials were configured and none of the default providers found any.
    NoCredentials {
        /// Providers tried, in order, with the reason each one gave.
        tried: Vec<String>,
    },
    /// Huawei: neither a project id nor a region (needed to discover it) was configured.
    MissingProjectId,
    /// A configuration value is out of range.
    InvalidConfig {
        /// The setting.
        item: &'static str,
        /// Why.
        reason: String,
    },
    /// The HTTP client could not be created.
    HttpClient(BoxError),
    /// A certificate authority given with `.add_root_certificate(..)` or `.ca_bundle(..)`
    /// cannot be used: the file cannot be read, the text holds no PEM certificate, the PEM is
    /// malformed or a certificate is not a valid X.509 CA certificate.
    InvalidCaCertificate {
        /// Which setting: `add_root_certificate #N` (the N-th certificate source) or
        /// `ca_bundle <path>`.
        origin: String,
        /// What is wrong.
        reason: String,
        /// The underlying error (I/O, PEM or X.509), if any.
        source: Option<BoxError>,
    },
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::MissingRegion { hint } => {
                write!(f, "no region and no endpoint configured: {hint}")
            }
            BuildError::InvalidRegion { region } => write!(
                f,
                "invalid region id {region:?}: expected lower-case letters, digits and '-' (like `cn-north-4`)"
            ),
            BuildError::InvalidEndpoint {
                item,
                endpoint,
                reason,
            } => write!(f, "invalid {item} {endpoint:?}: {reason}"),
            BuildError::NoCredentials { tried } => {
                write!(f, "no credentials found; tried: ")?;
                if tried.is_empty() {
                    f.write_str("nothing")
                } else {
                    f.write_str(&tried.join("; "))
                }
            }
            BuildError::MissingProjectId => f.write_str(
                "neither a project id nor a region is configured: set .project_id(..), \
                 HUAWEICLOUD_SDK_PROJECT_ID or .region(..) (the project id is then discovered through IAM)",
            ),
            BuildError::InvalidConfig { item, reason } => write!(f, "invalid {item}: {reason}"),
            BuildError::HttpClient(e) => write!(f, "failed to create the HTTP client: {e}"),
            BuildError::InvalidCaCertificate {
                origin,
                reason,
                source,
            } => {
                write!(f, "invalid CA certificate from {origin}: {reason}")?;
                match source {
                    Some(e) => write!(f, ": {e}"),
                    None => Ok(()),
                }
            }
        }
    }
}

impl StdError for BuildError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            BuildError::HttpClient(e) => Some(e.as_ref()),
            BuildError::InvalidCaCertificate {
                source: Some(e), ..
            } => Some(e.as_ref()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_is_utf8_safe() {
        let body = "安全组".repeat(1000);
        let s = body_snippet(body.as_bytes(), 10);
        assert!(s.ends_with('…'));
        assert!(s.len() <= 10 + '…'.len_utf8());
        assert_eq!(body_snippet(b"  short  ", 10), "short");
    }

    #[test]
    fn metadata_display() {
        let m = ErrorMetadata::new(503).with_message("<html>");
        assert_eq!(m.to_string(), "503: <html>");
    }
}
