//! In-memory HTTP clients for tests of code that calls the SDK (feature `test-util`): no socket,
//! no server, the SDK's signing, retries, timeouts, body cap and error decoding all run.
//!
//! [`ReplayClient`] answers from a script, a handler or rules, records every request the SDK
//! sent (method, URL, headers, body) and checks them:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use cloudsdk_core::test_util::{ExpectedRequest, ReplayClient, Reply};
//! use cloudsdk_core::huawei::{HuaweiClient, RestRequest, ServiceInfo};
//! # use cloudsdk_core::error::{ErrorMetadata, OperationError};
//! # #[derive(Debug)] struct MyError(ErrorMetadata);
//! # impl std::fmt::Display for MyError { fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { self.0.fmt(f) } }
//! # impl std::error::Error for MyError {}
//! # impl OperationError for MyError {
//! #     fn from_metadata(meta: ErrorMetadata) -> Self { MyError(meta) }
//! #     fn meta(&self) -> &ErrorMetadata { &self.0 }
//! # }
//! static VPC: ServiceInfo = ServiceInfo {
//!     endpoint_template: "https://vpc.{region}.myhuaweicloud.com",
//!     crate_name: "huawei-vpc-v3",
//!     crate_version: "0.1.0",
//! };
//! let replay = ReplayClient::new([
//!     Reply::status(503),                                     // retried
//!     Reply::json(200, r#"{"security_group":{"id":"sg-1"}}"#),
//! ]);
//! let client = HuaweiClient::builder(&VPC)
//!     .region("cn-north-4")
//!     .project_id("p1")
//!     .credentials(cloudsdk_core::Credentials::new("AK", "SK"))
//!     .retry_config(cloudsdk_core::RetryConfig::standard().with_initial_backoff(std::time::Duration::from_millis(1)))
//!     .http_client(replay.clone())
//!     .build()
//!     .unwrap();
//! let request = RestRequest::new("ShowSecurityGroup", "GET")
//!     .literal("/v3/").project_id().literal("/vpc/security-groups/").path_param("id", "sg-1");
//! let out: serde_json::Value = client.send::<_, MyError>(request).await.unwrap();
//! assert_eq!(out["security_group"]["id"], "sg-1");
//! let expected = ExpectedRequest::get("https://vpc.cn-north-4.myhuaweicloud.com/v3/p1/vpc/security-groups/sg-1")
//!     .header("x-project-id", "p1");
//! replay.assert_requests_match(&[expected.clone(), expected]);
//! # }
//! ```
//!
//! Volatile headers and query parameters (dates, nonces, signatures) are left out of the
//! comparison: [`VOLATILE`].

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::Frame;
use http_body_util::BodyExt;

use crate::http::{
    HttpClient, HttpError, HttpErrorKind, HttpFuture, HttpRequest, HttpResponse, ResponseBody,
};

/// Header and query parameter names (lower case) that change at every attempt and are ignored
/// when requests are compared: dates, nonces, signatures.
pub const VOLATILE: &[&str] = &[
    "authorization",
    "x-sdk-date",
    "x-acs-date",
    "x-acs-signature-nonce",
    "date",
    "user-agent",
    "signature",
    "signaturenonce",
    "timestamp",
];

// ---------------------------------------------------------------------------------------------
// Replies
// ---------------------------------------------------------------------------------------------

/// A scripted answer: a response (status, headers, body, possibly cut short), or a transport
/// error; optionally after a delay (to exercise timeouts).
#[derive(Clone, Debug)]
pub struct Reply {
    kind: ReplyKind,
    delay: Option<Duration>,
}

#[derive(Clone, Debug)]
enum ReplyKind {
    Response {
        status: u16,
        headers: Vec<(String, String)>,
        body: Bytes,
        /// The body breaks off after the bytes, with this message.
        cut: Option<String>,
    },
    Error(HttpErrorKind, Option<Duration>, String),
}

impl Reply {
    /// A response with this status and an empty body.
    pub fn status(status: u16) -> Self {
        Self {
            kind: ReplyKind::Response {
                status,
                headers: Vec::new(),
                body: Bytes::new(),
                cut: None,
            },
            delay: None,
        }
    }

    /// A JSON response.
    pub fn json(status: u16, body: impl Into<Bytes>) -> Self {
        Self::status(status)
            .with_header("content-type", "application/json")
            .with_body(body)
    }

    /// An XML response.
    pub fn xml(status: u16, body: impl Into<Bytes>) -> Self {
        Self::status(status)
            .with_header("content-type", "application/xml")
            .with_body(body)
    }

    /// A connection failure (nothing reached the server), e.g. `"connection refused"`.
    pub fn connect_error(message: impl Into<String>) -> Self {
        Self::error(HttpErrorKind::Connect, None, message)
    }

    /// A connect timeout of the client, with its limit.
    pub fn connect_timeout(limit: Duration) -> Self {
        Self::error(
            HttpErrorKind::ConnectTimeout,
            Some(limit),
            "connect timed out",
        )
    }

    /// Another transport failure (the request could not be written).
    pub fn io_error(message: impl Into<String>) -> Self {
        Self::error(HttpErrorKind::Other, None, message)
    }

    fn error(kind: HttpErrorKind, limit: Option<Duration>, message: impl Into<String>) -> Self {
        Self {
            kind: ReplyKind::Error(kind, limit, message.into()),
            delay: None,
        }
    }

    /// Adds a response header.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        if let ReplyKind::Response { headers, .. } = &mut self.kind {
            headers.push((name.into(), value.into()));
        }
        self
    }

    /// Sets the response body.
    pub fn with_body(mut self, bytes: impl Into<Bytes>) -> Self {
        if let ReplyKind::Response { body, .. } = &mut self.kind {
            *body = bytes.into();
        }
        self
    }

    /// The body breaks off after its bytes with `message` (a connection reset mid-body).
    pub fn cut_short(mut self, message: impl Into<String>) -> Self {
        if let ReplyKind::Response { cut, .. } = &mut self.kind {
            *cut = Some(message.into());
        }
        self
    }

    /// Answers only after `d` (tokio time: attempt and operation timeouts fire meanwhile).
    pub fn delayed(mut self, d: Duration) -> Self {
        self.delay = Some(d);
        self
    }

    fn into_response(self) -> Result<HttpResponse, HttpError> {
        let (status, headers, body, cut) = match self.kind {
            ReplyKind::Error(kind, limit, message) => {
                let source = Message(message);
                return Err(match kind {
                    HttpErrorKind::ConnectTimeout => HttpError::connect_timeout(limit, source),
                    kind => HttpError::new(kind, source),
                });
            }
            ReplyKind::Response {
                status,
                headers,
                body,
                cut,
            } => (status, headers, body, cut),
        };
        let mut builder = http::Response::builder().status(status);
        for (n, v) in &headers {
            builder = builder.header(n.as_str(), v.as_str());
        }
        let mut chunks = VecDeque::new();
        if !body.is_empty() {
            chunks.push_back(Ok(body));
        }
        if let Some(message) = cut {
            chunks.push_back(Err(HttpError::body(Message(message))));
        }
        builder
            .body(ScriptedBody { chunks }.boxed_unsync())
            .map_err(HttpError::other)
    }
}

/// A plain error message.
#[derive(Debug)]
struct Message(String);

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Message {}

struct ScriptedBody {
    chunks: VecDeque<Result<Bytes, HttpError>>,
}

impl http_body::Body for ScriptedBody {
    type Data = Bytes;
    type Error = HttpError;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, HttpError>>> {
        Poll::Ready(
            self.get_mut()
                .chunks
                .pop_front()
                .map(|r| r.map(Frame::data)),
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Recorded and expected requests
// ---------------------------------------------------------------------------------------------

/// A request as the SDK sent it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedRequest {
    method: String,
    uri: String,
    headers: Vec<(String, String)>,
    body: Bytes,
}

impl RecordedRequest {
    fn from_http(request: &HttpRequest) -> Self {
        Self {
            method: request.method().as_str().to_owned(),
            uri: request.uri().to_string(),
            headers: request
                .headers()
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: request.body().clone(),
        }
    }

    /// The method (`GET`, `POST`).
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The full URL, query included.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// The URL without its query.
    pub fn url_without_query(&self) -> &str {
        self.uri.split_once('?').map_or(&self.uri, |(u, _)| u)
    }

    /// The path.
    pub fn path(&self) -> &str {
        let rest = self
            .url_without_query()
            .split_once("://")
            .map_or(self.url_without_query(), |(_, r)| r);
        rest.find('/').map_or("/", |i| &rest[i..])
    }

    /// The decoded query pairs, in wire order.
    pub fn query(&self) -> Vec<(String, String)> {
        let Some((_, q)) = self.uri.split_once('?') else {
            return Vec::new();
        };
        q.split('&')
            .filter(|kv| !kv.is_empty())
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                (decode(k), decode(v))
            })
            .collect()
    }

    /// The first value of a query parameter.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// All headers (lower-case names), in order.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The first value of a header, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}

fn decode(s: &str) -> String {
    crate::sign::encode::percent_decode(s)
        .map_or_else(|_| s.to_owned(), std::borrow::Cow::into_owned)
}

/// What a test expects the SDK to send: method, URL (query compared as a set of pairs without
/// the [`VOLATILE`] ones), the headers listed, and the body when set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectedRequest {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    absent: Vec<String>,
    body: Option<Bytes>,
}

impl ExpectedRequest {
    /// A request with this method and URL (`https://host/path?query`).
    pub fn new(method: impl Into<String>, url: impl Into<String>) -> Self {
        Self {
            method: method.into(),
            url: url.into(),
            headers: Vec::new(),
            absent: Vec::new(),
            body: None,
        }
    }

    /// A `GET`.
    pub fn get(url: impl Into<String>) -> Self {
        Self::new("GET", url)
    }

    /// A `POST`.
    pub fn post(url: impl Into<String>) -> Self {
        Self::new("POST", url)
    }

    /// The request must carry this header with this value.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The request must not carry this header.
    pub fn no_header(mut self, name: impl Into<String>) -> Self {
        self.absent.push(name.into());
        self
    }

    /// The request body must be exactly this.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// Every difference from `actual`, one line each (empty when it matches).
    pub fn differences(&self, actual: &RecordedRequest) -> Vec<String> {
        let mut out = Vec::new();
        if !self.method.eq_ignore_ascii_case(actual.method()) {
            out.push(format!(
                "method: expected {}, sent {}",
                self.method,
                actual.method()
            ));
        }
        let expected = RecordedRequest {
            method: String::new(),
            uri: self.url.clone(),
            headers: Vec::new(),
            body: Bytes::new(),
        };
        if expected.url_without_query() != actual.url_without_query() {
            out.push(format!(
                "url: expected {}, sent {}",
                expected.url_without_query(),
                actual.url_without_query()
            ));
        }
        let (want, got) = (stable_query(&expected), stable_query(actual));
        if want != got {
            out.push(format!("query: expected {want:?}, sent {got:?}"));
        }
        for (name, value) in &self.headers {
            if actual.header(name) != Some(value.as_str()) {
                out.push(format!(
                    "header {name}: expected {value:?}, sent {:?}",
                    actual.header(name)
                ));
            }
        }
        for name in &self.absent {
            if actual.header(name).is_some() {
                out.push(format!("header {name}: expected absent, sent"));
            }
        }
        if let Some(body) = &self.body
            && body[..] != actual.body[..]
        {
            out.push(format!(
                "body: expected {:?}, sent {:?}",
                String::from_utf8_lossy(body),
                String::from_utf8_lossy(actual.body())
            ));
        }
        out
    }
}

fn stable_query(r: &RecordedRequest) -> Vec<(String, String)> {
    let mut q: Vec<(String, String)> = r
        .query()
        .into_iter()
        .filter(|(k, _)| !VOLATILE.contains(&k.to_ascii_lowercase().as_str()))
        .collect();
    q.sort();
    q
}

// ---------------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------------

/// A rule: when the predicate matches a request, answer with the reply (each time, or only a
/// limited number of times).
pub struct Rule {
    matches: Box<dyn Fn(&RecordedRequest) -> bool + Send + Sync>,
    reply: Reply,
    remaining: Option<usize>,
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule")
            .field("reply", &self.reply)
            .field("remaining", &self.remaining)
            .finish_non_exhaustive()
    }
}

impl Rule {
    /// Matches requests for which `predicate` is true.
    pub fn when(predicate: impl Fn(&RecordedRequest) -> bool + Send + Sync + 'static) -> Self {
        Self {
            matches: Box::new(predicate),
            reply: Reply::status(200),
            remaining: None,
        }
    }

    /// Matches an Alibaba RPC action (`x-acs-action` header or `Action` parameter).
    pub fn action(action: &'static str) -> Self {
        Self::when(move |r| {
            r.header("x-acs-action") == Some(action)
                || r.query_param("Action").as_deref() == Some(action)
        })
    }

    /// Matches a method and a path ending with `suffix` (Huawei REST operations).
    pub fn path(method: &'static str, suffix: &'static str) -> Self {
        Self::when(move |r| r.method().eq_ignore_ascii_case(method) && r.path().ends_with(suffix))
    }

    /// Matches every request.
    pub fn any() -> Self {
        Self::when(|_| true)
    }

    /// The answer.
    pub fn then(mut self, reply: Reply) -> Self {
        self.reply = reply;
        self
    }

    /// Applies `n` times, then no more.
    pub fn times(mut self, n: usize) -> Self {
        self.remaining = Some(n);
        self
    }
}

type Handler = dyn Fn(usize, &RecordedRequest) -> Reply + Send + Sync;

enum Source {
    Script(VecDeque<Reply>),
    Handler(Box<Handler>),
    Rules(Vec<Rule>),
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Script(r) => f.debug_tuple("Script").field(r).finish(),
            Source::Handler(_) => f.write_str("Handler"),
            Source::Rules(r) => f.debug_tuple("Rules").field(r).finish(),
        }
    }
}

#[derive(Debug)]
struct State {
    source: Mutex<Source>,
    recorded: Mutex<Vec<RecordedRequest>>,
    count: AtomicUsize,
}

/// An in-memory [`HttpClient`]: answers from a script ([`new`](Self::new)), a handler
/// ([`from_fn`](Self::from_fn)) or rules ([`rules`](Self::rules)) and records what the SDK sent.
/// Clones share the script and the record: give one to the SDK, keep one to check.
///
/// When the script or the rules have no answer left, the request fails as a transport error
/// (`no scripted reply left for request N`), so a test sees it.
#[derive(Clone, Debug)]
pub struct ReplayClient {
    state: Arc<State>,
}

impl ReplayClient {
    fn with_source(source: Source) -> Self {
        Self {
            state: Arc::new(State {
                source: Mutex::new(source),
                recorded: Mutex::new(Vec::new()),
                count: AtomicUsize::new(0),
            }),
        }
    }

    /// Answers requests with `replies`, in order.
    pub fn new(replies: impl IntoIterator<Item = Reply>) -> Self {
        Self::with_source(Source::Script(replies.into_iter().collect()))
    }

    /// Answers request `n` (0-based) with `handler(n, &request)`.
    pub fn from_fn(
        handler: impl Fn(usize, &RecordedRequest) -> Reply + Send + Sync + 'static,
    ) -> Self {
        Self::with_source(Source::Handler(Box::new(handler)))
    }

    /// Answers each request with the first rule that matches it (and has uses left).
    pub fn rules(rules: impl IntoIterator<Item = Rule>) -> Self {
        Self::with_source(Source::Rules(rules.into_iter().collect()))
    }

    /// The requests sent so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.state.recorded).clone()
    }

    /// Same as [`requests`](Self::requests) (the name of smithy's `StaticReplayClient`).
    pub fn actual_requests(&self) -> Vec<RecordedRequest> {
        self.requests()
    }

    /// How many requests were sent.
    pub fn count(&self) -> usize {
        self.state.count.load(Ordering::SeqCst)
    }

    /// Panics, listing every difference, unless the requests sent are exactly `expected`
    /// (same number, each matching; see [`ExpectedRequest::differences`]).
    #[track_caller]
    pub fn assert_requests_match(&self, expected: &[ExpectedRequest]) {
        let actual = self.requests();
        let mut problems = Vec::new();
        if actual.len() != expected.len() {
            problems.push(format!(
                "expected {} requests, {} were sent",
                expected.len(),
                actual.len()
            ));
        }
        for (i, (want, got)) in expected.iter().zip(&actual).enumerate() {
            for d in want.differences(got) {
                problems.push(format!("request {i}: {d}"));
            }
        }
        assert!(
            problems.is_empty(),
            "the requests sent differ from the expected ones:\n  {}\nsent: {actual:#?}",
            problems.join("\n  ")
        );
    }

    fn next_reply(&self, n: usize, request: &RecordedRequest) -> Option<Reply> {
        match &mut *lock(&self.state.source) {
            Source::Script(replies) => replies.pop_front(),
            Source::Handler(handler) => Some(handler(n, request)),
            Source::Rules(rules) => {
                let rule = rules
                    .iter_mut()
                    .find(|r| r.remaining != Some(0) && (r.matches)(request))?;
                if let Some(left) = &mut rule.remaining {
                    *left -= 1;
                }
                Some(rule.reply.clone())
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl HttpClient for ReplayClient {
    fn send(&self, request: HttpRequest) -> HttpFuture<'_> {
        let recorded = RecordedRequest::from_http(&request);
        let n = self.state.count.fetch_add(1, Ordering::SeqCst);
        let reply = self.next_reply(n, &recorded);
        lock(&self.state.recorded).push(recorded);
        Box::pin(async move {
            let Some(reply) = reply else {
                return Err(HttpError::other(Message(format!(
                    "no scripted reply left for request {n}"
                ))));
            };
            if let Some(d) = reply.delay {
                tokio::time::sleep(d).await;
            }
            reply.into_response()
        })
    }
}

/// A response body from bytes, for hand-written [`HttpClient`]s in tests.
pub fn body(bytes: impl Into<Bytes>) -> ResponseBody {
    crate::http::full_body(bytes)
}

/// A fake [`Env`](crate::credentials::Env) for tests that can never reach a real credential
/// service: exactly `vars` (nothing from the process), plus
///
/// - `ALIBABA_CLOUD_ECS_METADATA_DISABLED=true` unless `vars` set it or
///   `CLOUDSDK_ALIYUN_METADATA_ENDPOINT`;
/// - `CLOUDSDK_HUAWEI_METADATA_DISABLED=true` unless `vars` set it or
///   `CLOUDSDK_HUAWEI_METADATA_ENDPOINT`.
///
/// STS and IAM endpoints that `vars` do not set resolve to
/// [`Env::UNROUTABLE_ENDPOINT`](crate::credentials::Env::UNROUTABLE_ENDPOINT) (a loopback
/// port nothing listens on), as for every fake `Env`; so does a metadata endpoint when the
/// provider is enabled without one.
///
/// ```
/// use cloudsdk_core::credentials::{ProvideCredentials, aliyun};
/// let env = cloudsdk_core::test_util::test_env([("HOME", "/nonexistent")]);
/// let chain = aliyun::default_chain(env);
/// assert!(!chain.provider_names().contains(&aliyun::EcsRamRole::NAME));
/// // Only file and environment providers are left: they answer at once.
/// assert!(chain.provide_credentials_now().unwrap().is_err());
/// ```
pub fn test_env<I, K, V>(vars: I) -> crate::credentials::Env
where
    I: IntoIterator<Item = (K, V)>,
    K: Into<String>,
    V: Into<String>,
{
    let mut map: std::collections::BTreeMap<String, String> = vars
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
    for (disabled, endpoint) in [
        // Literal names: the vendor modules exist only with their features.
        (
            "ALIBABA_CLOUD_ECS_METADATA_DISABLED",
            "CLOUDSDK_ALIYUN_METADATA_ENDPOINT",
        ),
        (
            "CLOUDSDK_HUAWEI_METADATA_DISABLED",
            "CLOUDSDK_HUAWEI_METADATA_ENDPOINT",
        ),
    ] {
        if !map.contains_key(disabled) && !map.contains_key(endpoint) {
            map.insert(disabled.to_owned(), "true".to_owned());
        }
    }
    crate::credentials::Env::from_vars(map)
}
