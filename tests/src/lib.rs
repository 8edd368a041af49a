//! A signature-verifying HTTP/1.1 gateway on `127.0.0.1`, for end-to-end tests of the generated
//! clients (and, later, the seed of a service emulator).
//!
//! [`VerifyingServer`] listens on an ephemeral loopback port and behaves like the front door of
//! the real services: it **authenticates every request the way the vendor's gateway does**,
//! records it, and only then hands it to a scripted handler that picks the answer. Nothing of
//! `cloudsdk-core` or of the generated crates is mocked: the client under test talks real HTTP
//! over TCP, and the server recomputes the signature with the core's *signers*
//! (`cloudsdk_core::sign::*`, which are checked against the vendors' reference vectors), from
//! the bytes it actually received.
//!
//! # What is verified
//!
//! | gateway | scheme | checks (in order) | on failure |
//! |---|---|---|---|
//! | [`Gateway::Huawei`] | `SDK-HMAC-SHA256` `Authorization` header | header present and parsable; algorithm; access key id known; `host` and `x-sdk-date` signed; signature recomputed with [`huawei::sign_with_signed_headers`] over the received method, path, query, headers and body; `X-Security-Token` equal to the expected one, signed (and absent for permanent keys); `X-Sdk-Date` within [`ServerBuilder::max_clock_skew`] (15 min) | `401 APIGW.0301` |
//! | [`Gateway::Aliyun`] | V3 `ACS3-HMAC-SHA256` `Authorization` header | parsable; access key id known (else `404 InvalidAccessKeyId.NotFound`); `host` and every `x-acs-*` header signed, the mandatory ones present; `x-acs-content-sha256` is the body's hash; signature recomputed with [`aliyun_v3::sign_with_signed_headers`]; `x-acs-security-token`; `x-acs-date` skew (`400 InvalidTimeStamp.Expired`); `x-acs-signature-nonce` never seen before (`400 SignatureNonceUsed`) | `400 SignatureDoesNotMatch` / `400 IncompleteSignature` / `400 InvalidSecurityToken.MismatchWithAccessKey` |
//! | [`Gateway::Aliyun`] | V2 RPC `Signature` parameter (query, or form body) | common parameters present, `SignatureMethod=HMAC-SHA1`, `SignatureVersion=1.0`; `AccessKeyId` known; `Signature` recomputed with [`aliyun_v2::sign`] over every other parameter and the received method; `SecurityToken`; `Timestamp` skew; `SignatureNonce` unused | as for V3 |
//!
//! Rejected requests are answered with the vendor's error body (Huawei
//! `{"error_msg", "error_code", "request_id"}`; Alibaba `{"RequestId", "HostId", "Code",
//! "Message", "Recommend"}`, or the `<Error>` XML document when the request asked for
//! `Format=XML`) and never reach the handler. The Alibaba `SignatureDoesNotMatch` message carries
//! the server's string to sign, as the real service does.
//!
//! Every response carries the vendor's request-id header (`X-Request-Id` for Huawei,
//! `x-acs-request-id` for Alibaba) with a fresh id, which is also [`Recorded::request_id`] and
//! the `request_id`/`RequestId` of the error bodies the server writes itself, unless the
//! scripted [`Reply`] sets that header.
//!
//! # Recording
//!
//! Every request that got as far as a complete HTTP head is [`Recorded`], accepted or not:
//! method, path, raw query, headers (lower-cased names, wire order), body, the [`Verdict`], the
//! connection it came on and the status it was answered with. [`VerifyingServer::requests`]
//! returns them in arrival order; [`VerifyingServer::connection_count`] tells how many TCP
//! connections were accepted (keep-alive is honoured, so one pooled client normally uses one).
//!
//! # Example
//!
//! ```no_run
//! use cloudsdk_conformance::{Keys, Reply, VerifyingServer};
//! # async fn demo() {
//! let server = VerifyingServer::huawei(Keys::new("AK", "SK"))
//!     .reply(Reply::json(200, r#"{"security_group": null}"#))
//!     .start()
//!     .await;
//! // point a client at server.url() with Credentials::new("AK", "SK") ...
//! assert!(server.requests().iter().all(|r| r.verdict.is_accepted()));
//! # }
//! ```
//!
//! # HTTP support
//!
//! HTTP/1.1 (and 1.0) with keep-alive, `Connection: close`, `Content-Length` and chunked request
//! bodies, `Expect: 100-continue`. Responses always carry `Content-Length`. One request at a time
//! per connection (no pipelining concurrency; pipelined requests are answered in order). A
//! malformed request (bad request line, header line, `Content-Length` or chunk size, a head over
//! 64 KiB, a body over 8 MiB) closes the connection without an answer and is not recorded.

use std::collections::HashSet;
use std::fmt;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use cloudsdk_core::sign::{aliyun_v2, aliyun_v3, encode, huawei, sha256_hex};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

/// The default limit on the difference between a request's signing time and the server clock,
/// as enforced by both vendors' gateways.
pub const DEFAULT_MAX_CLOCK_SKEW: Duration = Duration::from_secs(15 * 60);

/// Largest request head (request line + headers) the server reads.
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Largest request body the server reads.
const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// Which vendor's gateway the server emulates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gateway {
    /// Huawei Cloud API Gateway (APIG): `SDK-HMAC-SHA256`, errors `APIGW.*`.
    Huawei,
    /// Alibaba Cloud POP gateway for RPC APIs: `ACS3-HMAC-SHA256` and V2 `HMAC-SHA1`.
    Aliyun,
}

/// The credentials the server knows: the one access key it accepts.
#[derive(Clone)]
pub struct Keys {
    /// The access key id.
    pub access_key_id: String,
    /// The secret the server signs with.
    pub secret: String,
    /// The security token that must accompany the key (temporary/STS credentials), if any.
    /// When set, requests without it (or with another one) are rejected; when unset, requests
    /// carrying a token are rejected.
    pub security_token: Option<String>,
}

impl Keys {
    /// A permanent access key.
    pub fn new(access_key_id: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            secret: secret.into(),
            security_token: None,
        }
    }

    /// Makes the key temporary: requests must carry (and sign) `token`.
    pub fn with_security_token(mut self, token: impl Into<String>) -> Self {
        self.security_token = Some(token.into());
        self
    }
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keys")
            .field("access_key_id", &self.access_key_id)
            .field("secret", &"<redacted>")
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// The signature scheme a request used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// Huawei `SDK-HMAC-SHA256` (`Authorization` header).
    HuaweiSdkHmacSha256,
    /// Alibaba `ACS3-HMAC-SHA256` (`Authorization` header).
    AliyunV3,
    /// Alibaba RPC `HMAC-SHA1`, `SignatureVersion=1.0` (`Signature` parameter).
    AliyunV2,
}

/// The outcome of authenticating one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The signature verified; the request went to the handler.
    Accepted {
        /// The scheme it was signed with.
        scheme: Scheme,
        /// The signed header names (lower-case, as listed in `SignedHeaders`); empty for V2,
        /// which signs parameters, not headers.
        signed_headers: Vec<String>,
    },
    /// The request was refused with a vendor error; the handler never saw it.
    Rejected {
        /// The scheme the request claimed, if it got that far.
        scheme: Option<Scheme>,
        /// HTTP status of the refusal.
        status: u16,
        /// Vendor error code (`APIGW.0301`, `SignatureDoesNotMatch`, …).
        code: &'static str,
        /// Why, in detail (for test failure messages; may include the server's canonical
        /// request or string to sign).
        reason: String,
    },
}

impl Verdict {
    /// Whether the request was accepted.
    pub fn is_accepted(&self) -> bool {
        matches!(self, Verdict::Accepted { .. })
    }

    /// The scheme, when known.
    pub fn scheme(&self) -> Option<Scheme> {
        match self {
            Verdict::Accepted { scheme, .. } => Some(*scheme),
            Verdict::Rejected { scheme, .. } => *scheme,
        }
    }

    /// The error code of a rejection.
    pub fn rejection_code(&self) -> Option<&'static str> {
        match self {
            Verdict::Accepted { .. } => None,
            Verdict::Rejected { code, .. } => Some(code),
        }
    }

    /// The signed header names of an accepted request (empty otherwise).
    pub fn signed_headers(&self) -> &[String] {
        match self {
            Verdict::Accepted { signed_headers, .. } => signed_headers,
            Verdict::Rejected { .. } => &[],
        }
    }
}

/// A request as the server received it, with what the server made of it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Position in arrival order (0-based) among all requests of this server.
    pub index: usize,
    /// The TCP connection it arrived on (0-based, in accept order).
    pub connection: usize,
    /// Method as sent.
    pub method: String,
    /// Path of the request target, still percent-encoded.
    pub path: String,
    /// Query of the request target (after `?`), still percent-encoded; empty when none.
    pub raw_query: String,
    /// Headers with lower-cased names and trimmed values, in wire order.
    pub headers: Vec<(String, String)>,
    /// The request body (de-chunked).
    pub body: Vec<u8>,
    /// The request id the server assigned (sent back in the request-id header and in the
    /// bodies of the errors the server writes itself).
    pub request_id: String,
    /// Whether the request authenticated.
    pub verdict: Verdict,
    /// The status the server answered with.
    pub status: u16,
}

impl Recorded {
    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every header name, lower-cased, in wire order.
    pub fn header_names(&self) -> Vec<&str> {
        self.headers.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// Query pairs, percent-decoded (`+` stays `+`), in wire order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        parse_pairs(&self.raw_query)
    }

    /// Decoded query parameter names in wire order.
    pub fn query_names(&self) -> Vec<String> {
        self.query_pairs().into_iter().map(|(k, _)| k).collect()
    }

    /// The first decoded value of query parameter `name`.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query_pairs()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

/// A scripted answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Response headers (the server adds `Content-Length`, and the request-id header unless one
    /// is given here).
    pub headers: Vec<(String, String)>,
    /// Response body.
    pub body: Vec<u8>,
}

impl Reply {
    /// An empty response with `status`.
    pub fn new(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A JSON response (`Content-Type: application/json;charset=UTF-8`).
    pub fn json(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self::new(status)
            .with_header("Content-Type", "application/json;charset=UTF-8")
            .with_body(body)
    }

    /// An XML response (`Content-Type: text/xml;charset=UTF-8`, as Alibaba sends it).
    pub fn xml(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self::new(status)
            .with_header("Content-Type", "text/xml;charset=UTF-8")
            .with_body(body)
    }

    /// The contents of `path` as a JSON (`.json`) or XML (anything else) response.
    ///
    /// # Panics
    ///
    /// When the file cannot be read (a test setup error).
    pub fn file(status: u16, path: impl AsRef<Path>) -> Self {
        let path = path.as_ref();
        let body = std::fs::read(path)
            .unwrap_or_else(|e| panic!("cannot read reply body {}: {e}", path.display()));
        if path.extension().is_some_and(|e| e == "json") {
            Self::json(status, body)
        } else {
            Self::xml(status, body)
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Replaces the body.
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    fn has_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    }
}

type Handler = dyn Fn(&Recorded) -> Reply + Send + Sync;

/// Configures a [`VerifyingServer`]; from [`VerifyingServer::huawei`] or
/// [`VerifyingServer::aliyun`].
pub struct ServerBuilder {
    gateway: Gateway,
    keys: Keys,
    max_clock_skew: Duration,
    handler: Arc<Handler>,
}

impl fmt::Debug for ServerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerBuilder")
            .field("gateway", &self.gateway)
            .field("keys", &self.keys)
            .field("max_clock_skew", &self.max_clock_skew)
            .finish_non_exhaustive()
    }
}

impl ServerBuilder {
    fn new(gateway: Gateway, keys: Keys) -> Self {
        Self {
            gateway,
            keys,
            max_clock_skew: DEFAULT_MAX_CLOCK_SKEW,
            handler: Arc::new(move |_: &Recorded| not_routed(gateway)),
        }
    }

    /// Answers every accepted request with `reply`.
    pub fn reply(self, reply: Reply) -> Self {
        self.handler(move |_| reply.clone())
    }

    /// Answers accepted requests with `replies` in order, repeating the last one.
    ///
    /// # Panics
    ///
    /// When `replies` is empty.
    pub fn replies(self, replies: Vec<Reply>) -> Self {
        assert!(!replies.is_empty(), "replies must not be empty");
        let next = AtomicUsize::new(0);
        self.handler(move |_| {
            let i = next.fetch_add(1, Ordering::SeqCst);
            replies[i.min(replies.len() - 1)].clone()
        })
    }

    /// Answers every accepted request with `f(request)`. Without a handler the server answers
    /// like a gateway with no such API (Huawei `404 APIGW.0101`, Alibaba
    /// `404 InvalidAction.NotFound`).
    pub fn handler(mut self, f: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Self {
        self.handler = Arc::new(f);
        self
    }

    /// The accepted difference between the request's signing time and the server clock
    /// (default [`DEFAULT_MAX_CLOCK_SKEW`]).
    pub fn max_clock_skew(mut self, limit: Duration) -> Self {
        self.max_clock_skew = limit;
        self
    }

    /// Binds `127.0.0.1:0` and starts serving.
    ///
    /// # Panics
    ///
    /// When the loopback port cannot be bound.
    pub async fn start(self) -> VerifyingServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let state = Arc::new(State {
            gateway: self.gateway,
            keys: self.keys,
            max_clock_skew: self.max_clock_skew,
            host: addr.to_string(),
            handler: self.handler,
            requests: Mutex::new(Vec::new()),
            nonces: Mutex::new(HashSet::new()),
            connections: AtomicUsize::new(0),
        });
        let task_state = state.clone();
        let task = tokio::spawn(async move {
            // Connection tasks live in this set: aborting the accept task drops (and aborts)
            // them too.
            let mut connections = JoinSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { return };
                        let id = task_state.connections.fetch_add(1, Ordering::SeqCst);
                        let state = task_state.clone();
                        connections.spawn(async move {
                            let _ = serve_connection(stream, id, state).await;
                        });
                    }
                    Some(_) = connections.join_next(), if !connections.is_empty() => {}
                }
            }
        });
        VerifyingServer { addr, state, task }
    }
}

/// A signature-verifying loopback server; see the [crate docs](crate). Dropping it stops the
/// server and closes its connections.
pub struct VerifyingServer {
    addr: SocketAddr,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl fmt::Debug for VerifyingServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingServer")
            .field("addr", &self.addr)
            .field("gateway", &self.state.gateway)
            .field("requests", &self.request_count())
            .finish_non_exhaustive()
    }
}

impl Drop for VerifyingServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl VerifyingServer {
    /// A Huawei API Gateway accepting `keys`.
    pub fn huawei(keys: Keys) -> ServerBuilder {
        ServerBuilder::new(Gateway::Huawei, keys)
    }

    /// An Alibaba Cloud RPC gateway accepting `keys` (V3 and V2 signatures).
    pub fn aliyun(keys: Keys) -> ServerBuilder {
        ServerBuilder::new(Gateway::Aliyun, keys)
    }

    /// `http://127.0.0.1:<port>`, for a client's `.endpoint(..)`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `127.0.0.1:<port>`: the `Host` header clients send.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state.requests().clone()
    }

    /// The only request received so far.
    ///
    /// # Panics
    ///
    /// When there was not exactly one request.
    pub fn single_request(&self) -> Recorded {
        let requests = self.requests();
        assert_eq!(
            requests.len(),
            1,
            "expected exactly one request, got {requests:#?}"
        );
        requests.into_iter().next().unwrap()
    }

    /// How many requests were received.
    pub fn request_count(&self) -> usize {
        self.state.requests().len()
    }

    /// How many TCP connections were accepted.
    pub fn connection_count(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }
}

struct State {
    gateway: Gateway,
    keys: Keys,
    max_clock_skew: Duration,
    host: String,
    handler: Arc<Handler>,
    requests: Mutex<Vec<Recorded>>,
    nonces: Mutex<HashSet<String>>,
    connections: AtomicUsize,
}

impl State {
    fn requests(&self) -> MutexGuard<'_, Vec<Recorded>> {
        // A panicking handler must not hide what was recorded.
        self.requests.lock().unwrap_or_else(|e| e.into_inner())
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP/1.1
// ---------------------------------------------------------------------------------------------

struct Parsed {
    method: String,
    path: String,
    raw_query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    keep_alive: bool,
}

async fn serve_connection(
    mut stream: TcpStream,
    connection: usize,
    state: Arc<State>,
) -> std::io::Result<()> {
    let mut buf: Vec<u8> = Vec::new();
    loop {
        let Some(parsed) = read_request(&mut stream, &mut buf).await? else {
            return Ok(());
        };
        let keep_alive = parsed.keep_alive;
        let reply = handle(&state, connection, parsed);
        write_reply(&mut stream, &reply, keep_alive).await?;
        if !keep_alive {
            let _ = stream.shutdown().await;
            return Ok(());
        }
    }
}

/// Reads more bytes into `buf`; false at end of stream.
async fn fill(stream: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<bool> {
    let mut chunk = [0u8; 8192];
    let n = stream.read(&mut chunk).await?;
    buf.extend_from_slice(&chunk[..n]);
    Ok(n > 0)
}

fn invalid(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned())
}

/// Reads one request; `None` when the peer closed the connection between requests.
async fn read_request(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
) -> std::io::Result<Option<Parsed>> {
    let head_end = loop {
        if let Some(pos) = find(buf, b"\r\n\r\n") {
            break pos;
        }
        if buf.len() > MAX_HEAD_BYTES {
            return Err(invalid("request head too large"));
        }
        if !fill(stream, buf).await? {
            return if buf.is_empty() {
                Ok(None)
            } else {
                Err(invalid("connection closed inside a request head"))
            };
        }
    };
    let head = std::str::from_utf8(&buf[..head_end])
        .map_err(|_| invalid("request head is not UTF-8"))?
        .to_owned();
    buf.drain(..head_end + 4);

    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid("malformed request line"));
    };
    let (path, raw_query) = target.split_once('?').unwrap_or((target, ""));
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| invalid("malformed header line"))?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let connection = header("connection")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let keep_alive = if version == "HTTP/1.0" {
        connection.contains("keep-alive")
    } else {
        !connection.contains("close")
    };
    if header("expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue")) {
        stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await?;
    }

    let chunked =
        header("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let body = if chunked {
        read_chunked(stream, buf).await?
    } else {
        let len: usize = match header("content-length") {
            Some(v) => v.parse().map_err(|_| invalid("bad Content-Length"))?,
            None => 0,
        };
        if len > MAX_BODY_BYTES {
            return Err(invalid("request body too large"));
        }
        while buf.len() < len {
            if !fill(stream, buf).await? {
                return Err(invalid("connection closed inside a request body"));
            }
        }
        buf.drain(..len).collect()
    };
    Ok(Some(Parsed {
        method: method.to_owned(),
        path: path.to_owned(),
        raw_query: raw_query.to_owned(),
        headers,
        body,
        keep_alive,
    }))
}

async fn read_chunked(stream: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = loop {
            if let Some(pos) = find(buf, b"\r\n") {
                break pos;
            }
            if !fill(stream, buf).await? {
                return Err(invalid("connection closed inside a chunk size"));
            }
        };
        let size_text = std::str::from_utf8(&buf[..line_end]).map_err(|_| invalid("chunk"))?;
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| invalid("bad chunk size"))?;
        buf.drain(..line_end + 2);
        if size == 0 {
            // Trailers (ignored) up to the empty line.
            loop {
                if let Some(pos) = find(buf, b"\r\n") {
                    let empty = pos == 0;
                    buf.drain(..pos + 2);
                    if empty {
                        return Ok(body);
                    }
                } else if !fill(stream, buf).await? {
                    return Err(invalid("connection closed inside trailers"));
                }
            }
        }
        if body.len() + size > MAX_BODY_BYTES {
            return Err(invalid("request body too large"));
        }
        while buf.len() < size + 2 {
            if !fill(stream, buf).await? {
                return Err(invalid("connection closed inside a chunk"));
            }
        }
        body.extend_from_slice(&buf[..size]);
        buf.drain(..size + 2);
    }
}

async fn write_reply(
    stream: &mut TcpStream,
    reply: &Reply,
    keep_alive: bool,
) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n", reply.body.len()));
    if !keep_alive {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    out.extend_from_slice(&reply.body);
    stream.write_all(&out).await?;
    stream.flush().await
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

/// Decoded `k=v&k=v` pairs (an empty string gives no pairs). A malformed escape is kept as is.
fn parse_pairs(raw: &str) -> Vec<(String, String)> {
    if raw.is_empty() {
        return Vec::new();
    }
    let decode = |s: &str| {
        encode::percent_decode(s)
            .map(|c| c.into_owned())
            .unwrap_or_else(|_| s.to_owned())
    };
    raw.split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (decode(k), decode(v))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Authentication and dispatch
// ---------------------------------------------------------------------------------------------

fn handle(state: &State, connection: usize, req: Parsed) -> Reply {
    let request_id = match state.gateway {
        Gateway::Huawei => uuid::Uuid::new_v4().simple().to_string(),
        Gateway::Aliyun => uuid::Uuid::new_v4()
            .hyphenated()
            .to_string()
            .to_ascii_uppercase(),
    };
    let verdict = match state.gateway {
        Gateway::Huawei => verify_huawei(state, &req),
        Gateway::Aliyun => verify_aliyun(state, &req),
    };
    let mut recorded = Recorded {
        index: 0,
        connection,
        method: req.method,
        path: req.path,
        raw_query: req.raw_query,
        headers: req.headers,
        body: req.body,
        request_id,
        verdict,
        status: 0,
    };
    let mut reply = match &recorded.verdict {
        Verdict::Accepted { .. } => {
            // The handler runs outside the lock; a panic in it must not poison the log.
            let handler = state.handler.clone();
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handler(&recorded)))
                .unwrap_or_else(|_| Reply::json(500, r#"{"error":"the test handler panicked"}"#))
        }
        Verdict::Rejected {
            status,
            code,
            reason,
            ..
        } => rejection(state, &recorded, *status, code, reason),
    };
    let id_header = match state.gateway {
        Gateway::Huawei => "X-Request-Id",
        Gateway::Aliyun => "x-acs-request-id",
    };
    if !reply.has_header(id_header) {
        reply = reply.with_header(id_header, recorded.request_id.clone());
    }
    recorded.status = reply.status;
    let mut log = state.requests();
    recorded.index = log.len();
    log.push(recorded);
    reply
}

fn not_routed(gateway: Gateway) -> Reply {
    match gateway {
        Gateway::Huawei => Reply::json(
            404,
            r#"{"error_msg":"The API does not exist or has not been published in the environment","error_code":"APIGW.0101"}"#,
        ),
        Gateway::Aliyun => Reply::json(
            404,
            r#"{"Code":"InvalidAction.NotFound","Message":"Specified api is not found, please check your url and method."}"#,
        ),
    }
}

/// The error body the gateway writes for a refused request.
fn rejection(state: &State, req: &Recorded, status: u16, code: &str, reason: &str) -> Reply {
    match state.gateway {
        Gateway::Huawei => {
            let message = if code == "APIGW.0301" {
                format!(
                    "Incorrect IAM authentication information: {}",
                    public_reason(reason)
                )
            } else {
                public_reason(reason).to_owned()
            };
            let body = serde_json::json!({
                "error_msg": message,
                "error_code": code,
                "request_id": req.request_id,
            });
            Reply::json(status, body.to_string())
        }
        Gateway::Aliyun => {
            let message = public_reason(reason);
            let recommend = format!("https://api.aliyun.com/troubleshoot?q={code}");
            let xml = aliyun_params(&req.raw_query, &req.headers, &req.body)
                .iter()
                .any(|(k, v)| k == "Format" && v.eq_ignore_ascii_case("XML"));
            if xml {
                let body = format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>\n  <RequestId>{}</RequestId>\n  <HostId>{}</HostId>\n  <Code>{}</Code>\n  <Message>{}</Message>\n  <Recommend><![CDATA[{}]]></Recommend>\n</Error>",
                    xml_escape(&req.request_id),
                    xml_escape(&state.host),
                    xml_escape(code),
                    xml_escape(message),
                    recommend,
                );
                Reply::xml(status, body)
            } else {
                let body = serde_json::json!({
                    "RequestId": req.request_id,
                    "HostId": state.host,
                    "Code": code,
                    "Message": message,
                    "Recommend": recommend,
                });
                Reply::json(status, body.to_string())
            }
        }
    }
}

/// The part of a rejection reason that goes on the wire: everything before a `\n---\n`
/// separator (after it: server-side detail kept for the test log only).
fn public_reason(reason: &str) -> &str {
    reason.split("\n---\n").next().unwrap_or(reason)
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

struct Reject {
    status: u16,
    code: &'static str,
    reason: String,
}

fn reject(status: u16, code: &'static str, reason: impl Into<String>) -> Reject {
    Reject {
        status,
        code,
        reason: reason.into(),
    }
}

fn verdict(scheme: Option<Scheme>, result: Result<Vec<String>, Reject>) -> Verdict {
    match (scheme, result) {
        (Some(scheme), Ok(signed_headers)) => Verdict::Accepted {
            scheme,
            signed_headers,
        },
        (scheme, Err(r)) => Verdict::Rejected {
            scheme,
            status: r.status,
            code: r.code,
            reason: r.reason,
        },
        (None, Ok(_)) => unreachable!("an accepted request has a scheme"),
    }
}

fn header<'a>(req: &'a Parsed, name: &str) -> Option<&'a str> {
    req.headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Whether `t` is within the server's clock-skew limit of now.
fn within_skew(state: &State, t: OffsetDateTime) -> bool {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    (now - t.unix_timestamp()).unsigned_abs() <= state.max_clock_skew.as_secs()
}

/// Records `nonce`; false when it was used before.
fn fresh_nonce(state: &State, nonce: &str) -> bool {
    state
        .nonces
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(nonce.to_owned())
}

fn verify_huawei(state: &State, req: &Parsed) -> Verdict {
    const CODE: &str = "APIGW.0301";
    let scheme = Some(Scheme::HuaweiSdkHmacSha256);
    let result = (|| {
        let auth = header(req, "authorization")
            .ok_or_else(|| reject(401, CODE, "no Authorization header"))?;
        let parsed = huawei::parse_authorization(auth)
            .map_err(|e| reject(401, CODE, format!("cannot parse Authorization: {e}")))?;
        if parsed.algorithm != huawei::ALGORITHM {
            return Err(reject(
                401,
                CODE,
                format!("unsupported algorithm {}", parsed.algorithm),
            ));
        }
        if parsed.access_key_id != state.keys.access_key_id {
            return Err(reject(401, CODE, "the access key id does not exist"));
        }
        let names = parsed.signed_header_names();
        for required in ["host", "x-sdk-date"] {
            if !names.iter().any(|n| n.eq_ignore_ascii_case(required)) {
                return Err(reject(401, CODE, format!("{required} is not signed")));
            }
        }
        let headers: Vec<(&str, &str)> = req
            .headers
            .iter()
            .filter(|(n, _)| n != "authorization")
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let query = parse_pairs(&req.raw_query);
        let query: Vec<(&str, &str)> = query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let input = huawei::SigningInput {
            method: &req.method,
            host: header(req, "host").unwrap_or(&state.host),
            path: &req.path,
            query: &query,
            headers: &headers,
            body: &req.body,
        };
        let expected = huawei::sign_with_signed_headers(
            &input,
            &names,
            &state.keys.access_key_id,
            &state.keys.secret,
        )
        .map_err(|e| reject(401, CODE, format!("cannot recompute the signature: {e}")))?;
        if expected.signature != parsed.signature {
            return Err(reject(
                401,
                CODE,
                format!(
                    "verify aksk signature fail\n---\nserver canonical request:\n{}",
                    expected.canonical_request
                ),
            ));
        }
        let token = header(req, "x-security-token");
        match (&state.keys.security_token, token) {
            (Some(want), Some(got)) if want == got => {
                if !names
                    .iter()
                    .any(|n| n.eq_ignore_ascii_case("x-security-token"))
                {
                    return Err(reject(401, CODE, "x-security-token is not signed"));
                }
            }
            (Some(_), Some(_)) => return Err(reject(401, CODE, "invalid security token")),
            (Some(_), None) => {
                return Err(reject(
                    401,
                    CODE,
                    "temporary access key without X-Security-Token",
                ));
            }
            (None, Some(_)) => {
                return Err(reject(
                    401,
                    CODE,
                    "X-Security-Token sent with a permanent access key",
                ));
            }
            (None, None) => {}
        }
        let date = header(req, huawei::HEADER_SDK_DATE).unwrap_or_default();
        let t = huawei::parse_sdk_date(date)
            .map_err(|e| reject(401, CODE, format!("bad X-Sdk-Date: {e}")))?;
        if !within_skew(state, t) {
            return Err(reject(
                401,
                CODE,
                format!("the request is expired (X-Sdk-Date {date})"),
            ));
        }
        Ok(parsed.signed_headers)
    })();
    verdict(scheme, result)
}

fn verify_aliyun(state: &State, req: &Parsed) -> Verdict {
    if header(req, "authorization").is_some() {
        verdict(Some(Scheme::AliyunV3), verify_aliyun_v3(state, req))
    } else {
        let params = aliyun_params(&req.raw_query, &req.headers, &req.body);
        if params.iter().any(|(k, _)| k == aliyun_v2::SIGNATURE_PARAM) {
            verdict(
                Some(Scheme::AliyunV2),
                verify_aliyun_v2(state, req, &params),
            )
        } else {
            verdict(
                None,
                Err(reject(
                    400,
                    "IncompleteSignature",
                    "The request signature does not conform to Aliyun standards: no Authorization header and no Signature parameter.",
                )),
            )
        }
    }
}

/// RPC parameters: the query, plus a form-encoded body.
fn aliyun_params(
    raw_query: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Vec<(String, String)> {
    let mut params = parse_pairs(raw_query);
    let form = headers.iter().any(|(n, v)| {
        n.eq_ignore_ascii_case("content-type") && v.starts_with("application/x-www-form-urlencoded")
    });
    if form && let Ok(body) = std::str::from_utf8(body) {
        params.extend(parse_pairs(body));
    }
    params
}

fn check_token(state: &State, sent: Option<&str>) -> Result<(), Reject> {
    const CODE: &str = "InvalidSecurityToken.MismatchWithAccessKey";
    match (&state.keys.security_token, sent) {
        (Some(want), Some(got)) if want == got => Ok(()),
        (Some(_), Some(_)) => Err(reject(
            400,
            CODE,
            "The security token does not match the access key.",
        )),
        (Some(_), None) => Err(reject(
            400,
            CODE,
            "The access key is temporary and needs a security token.",
        )),
        (None, Some(_)) => Err(reject(
            400,
            CODE,
            "A security token was sent with a permanent access key.",
        )),
        (None, None) => Ok(()),
    }
}

fn check_time_and_nonce(state: &State, timestamp: &str, nonce: &str) -> Result<(), Reject> {
    let t = OffsetDateTime::parse(timestamp, &Rfc3339).map_err(|_| {
        reject(
            400,
            "InvalidTimeStamp.Format",
            format!("Specified time stamp or date value is not well formatted: {timestamp}"),
        )
    })?;
    if !within_skew(state, t) {
        return Err(reject(
            400,
            "InvalidTimeStamp.Expired",
            format!("Specified time stamp or date value is expired: {timestamp}"),
        ));
    }
    if nonce.is_empty() {
        return Err(reject(
            400,
            "MissingSignatureNonce",
            "SignatureNonce is mandatory for this action.",
        ));
    }
    if !fresh_nonce(state, nonce) {
        return Err(reject(
            400,
            "SignatureNonceUsed",
            "Specified signature nonce was used already.",
        ));
    }
    Ok(())
}

fn verify_aliyun_v3(state: &State, req: &Parsed) -> Result<Vec<String>, Reject> {
    const INCOMPLETE: &str = "IncompleteSignature";
    let auth = header(req, "authorization").unwrap_or_default();
    let parsed = aliyun_v3::parse_authorization(auth).map_err(|e| {
        reject(
            400,
            INCOMPLETE,
            format!("The request signature does not conform to Aliyun standards: {e}"),
        )
    })?;
    if parsed.access_key_id != state.keys.access_key_id {
        return Err(reject(
            404,
            "InvalidAccessKeyId.NotFound",
            "Specified access key is not found.",
        ));
    }
    let names = parsed.signed_header_names();
    let signed = |name: &str| names.iter().any(|n| n.eq_ignore_ascii_case(name));
    for required in [
        "host",
        "x-acs-action",
        "x-acs-version",
        "x-acs-date",
        "x-acs-signature-nonce",
        aliyun_v3::HEADER_CONTENT_SHA256,
    ] {
        if header(req, required).is_none() {
            return Err(reject(
                400,
                INCOMPLETE,
                format!("The header {required} is missing."),
            ));
        }
    }
    for (name, _) in &req.headers {
        if aliyun_v3::is_signed_header(name) && name != "content-type" && !signed(name) {
            return Err(reject(
                400,
                INCOMPLETE,
                format!("The header {name} is not signed."),
            ));
        }
    }
    let content_sha = header(req, aliyun_v3::HEADER_CONTENT_SHA256).unwrap_or_default();
    if content_sha != sha256_hex(&req.body) {
        return Err(reject(
            400,
            "SignatureDoesNotMatch",
            "The x-acs-content-sha256 header does not match the body.",
        ));
    }
    let headers: Vec<(&str, &str)> = req
        .headers
        .iter()
        .filter(|(n, _)| n != "authorization")
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let query = parse_pairs(&req.raw_query);
    let query: Vec<(&str, &str)> = query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let expected = aliyun_v3::sign_with_signed_headers(
        &aliyun_v3::SigningInput {
            method: &req.method,
            path: &req.path,
            query: &query,
            headers: &headers,
            body: &req.body,
        },
        &names,
        &state.keys.access_key_id,
        &state.keys.secret,
    );
    if expected.signature != parsed.signature {
        return Err(reject(
            400,
            "SignatureDoesNotMatch",
            format!(
                "The request signature we calculated does not match the signature you provided. Check your key and signing method. server string to sign is:{}\n---\nserver canonical request:\n{}",
                expected.string_to_sign, expected.canonical_request
            ),
        ));
    }
    check_token(state, header(req, "x-acs-security-token"))?;
    check_time_and_nonce(
        state,
        header(req, "x-acs-date").unwrap_or_default(),
        header(req, "x-acs-signature-nonce").unwrap_or_default(),
    )?;
    Ok(parsed.signed_headers)
}

fn verify_aliyun_v2(
    state: &State,
    req: &Parsed,
    params: &[(String, String)],
) -> Result<Vec<String>, Reject> {
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    for required in [
        "Action",
        "Version",
        "AccessKeyId",
        "SignatureMethod",
        "SignatureVersion",
        "SignatureNonce",
        "Timestamp",
    ] {
        if get(required).is_none() {
            return Err(reject(
                400,
                "MissingParameter",
                format!(
                    "The input parameter \"{required}\" that is mandatory for processing this request is not supplied."
                ),
            ));
        }
    }
    if get("SignatureMethod") != Some(aliyun_v2::SIGNATURE_METHOD)
        || get("SignatureVersion") != Some(aliyun_v2::SIGNATURE_VERSION)
    {
        return Err(reject(
            400,
            "IncompleteSignature",
            "The request signature does not conform to Aliyun standards: unsupported SignatureMethod or SignatureVersion.",
        ));
    }
    if get("AccessKeyId") != Some(state.keys.access_key_id.as_str()) {
        return Err(reject(
            404,
            "InvalidAccessKeyId.NotFound",
            "Specified access key is not found.",
        ));
    }
    let pairs: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let expected = aliyun_v2::sign(&req.method, &pairs, &state.keys.secret);
    if get(aliyun_v2::SIGNATURE_PARAM) != Some(expected.signature.as_str()) {
        return Err(reject(
            400,
            "SignatureDoesNotMatch",
            format!(
                "Specified signature is not matched with our calculation. server string to sign is:{}",
                expected.string_to_sign
            ),
        ));
    }
    check_token(state, get("SecurityToken"))?;
    check_time_and_nonce(
        state,
        get("Timestamp").unwrap_or_default(),
        get("SignatureNonce").unwrap_or_default(),
    )?;
    Ok(Vec::new())
}

// ---------------------------------------------------------------------------------------------
// Spec examples
// ---------------------------------------------------------------------------------------------

/// The path of an example payload of the specs: `specs/examples/<service>/<file>` of this
/// workspace (e.g. `spec_example("huawei-vpc-v3", "doc_example.json")`).
pub fn spec_example(service: &str, file: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../specs/examples")
        .join(service)
        .join(file)
}

/// The text of [`spec_example`].
///
/// # Panics
///
/// When the file cannot be read.
pub fn read_spec_example(service: &str, file: &str) -> String {
    let path = spec_example(service, file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The README's code examples, compiled as doctests so they cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeExamples;
