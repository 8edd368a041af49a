//! Scripted servers plus a fake operation error, shared by the runtime tests.
//!
//! `Server::sequence` / `Server::handler` are in memory: each gets a fake loopback URL that is
//! never connected to, and the clients of the tests send through [`net()`], the crate's replay
//! client routing every request to the server whose URL it names (so a test with an IAM and a
//! VPC server works with one client). `Server::tcp_sequence` / `Server::tcp_handler` are a tiny
//! HTTP/1.1 server on 127.0.0.1, for the behaviours where the socket is the point (reqwest's
//! streaming, connect failures).
#![allow(dead_code)]

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use cloudsdk_core::error::{ErrorMetadata, OperationError};
use cloudsdk_core::test_util::{self, RecordedRequest, ReplayClient};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A request as the server received it.
#[derive(Clone, Debug)]
pub struct Captured {
    pub method: String,
    /// Path and query as sent on the request line.
    pub target: String,
    /// Headers with lower-cased names, in order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub at: Instant,
}

impl Captured {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn path(&self) -> &str {
        self.target.split_once('?').map_or(&self.target, |(p, _)| p)
    }

    pub fn query(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, q)| q)
    }

    /// Raw (still encoded) query pairs in wire order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        let q = self.query();
        if q.is_empty() {
            return vec![];
        }
        q.split('&')
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                (k.to_owned(), v.to_owned())
            })
            .collect()
    }

    /// Decoded query pairs.
    pub fn decoded_query(&self) -> Vec<(String, String)> {
        self.query_pairs()
            .into_iter()
            .map(|(k, v)| (decode(&k), decode(&v)))
            .collect()
    }
}

pub fn decode(s: &str) -> String {
    cloudsdk_core::sign::encode::percent_decode(s)
        .expect("valid percent-encoding")
        .into_owned()
}

/// What to answer.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A complete response with Content-Length.
    Full {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// A chunked response of `count` chunks of `chunk` bytes each (no Content-Length).
    Chunked {
        status: u16,
        chunk: usize,
        count: usize,
    },
    /// Wait, then answer.
    Delayed(Duration, Box<Reply>),
    /// Close the connection without answering.
    Close,
}

impl Reply {
    pub fn json(status: u16, body: &str) -> Reply {
        Reply::Full {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    pub fn with_header(self, name: &str, value: &str) -> Reply {
        match self {
            Reply::Full {
                status,
                mut headers,
                body,
            } => {
                headers.push((name.to_owned(), value.to_owned()));
                Reply::Full {
                    status,
                    headers,
                    body,
                }
            }
            other => other,
        }
    }

    pub fn raw(status: u16, content_type: &str, body: &str) -> Reply {
        Reply::Full {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.as_bytes().to_vec(),
        }
    }

    pub fn delayed(self, d: Duration) -> Reply {
        Reply::Delayed(d, Box::new(self))
    }
}

type Handler = dyn Fn(usize, &Captured) -> Reply + Send + Sync;

/// The server. Dropping it stops accepting.
pub struct Server {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Captured>>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        match &self.task {
            Some(task) => task.abort(),
            None => {
                MEMORY.lock().unwrap().remove(&self.addr.port());
            }
        }
    }
}

/// In-memory servers by (fake) port.
static MEMORY: LazyLock<Mutex<HashMap<u16, MemoryServer>>> = LazyLock::new(Default::default);
static NEXT_PORT: AtomicU16 = AtomicU16::new(20_000);

struct MemoryServer {
    requests: Arc<Mutex<Vec<Captured>>>,
    handler: Arc<Handler>,
}

/// The replay client that routes every request to the in-memory server its URL names.
pub fn net() -> ReplayClient {
    ReplayClient::from_fn(|_, request| {
        let port: u16 = request
            .url_without_query()
            .rsplit_once(':')
            .and_then(|(_, rest)| rest.split('/').next()?.parse().ok())
            .unwrap_or(0);
        let (requests, handler) = match MEMORY.lock().unwrap().get(&port) {
            Some(s) => (s.requests.clone(), s.handler.clone()),
            None => return test_util::Reply::connect_error("connection refused"),
        };
        let captured = Captured::from_recorded(request);
        let index = {
            let mut r = requests.lock().unwrap();
            r.push(captured.clone());
            r.len() - 1
        };
        to_replay(handler(index, &captured))
    })
}

fn to_replay(reply: Reply) -> test_util::Reply {
    match reply {
        Reply::Full {
            status,
            headers,
            body,
        } => {
            let mut r = test_util::Reply::status(status);
            for (n, v) in headers {
                r = r.with_header(n, v);
            }
            r.with_header("content-length", body.len().to_string())
                .with_body(body)
        }
        Reply::Chunked {
            status,
            chunk,
            count,
        } => test_util::Reply::json(status, vec![b'a'; chunk * count]),
        Reply::Delayed(d, inner) => to_replay(*inner).delayed(d),
        Reply::Close => test_util::Reply::io_error("connection closed before message completed"),
    }
}

impl Captured {
    fn from_recorded(r: &RecordedRequest) -> Self {
        let url = r.uri();
        let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
        let target = after_scheme
            .find('/')
            .map_or("/", |i| &after_scheme[i..])
            .to_owned();
        Captured {
            method: r.method().to_owned(),
            target,
            headers: r.headers().to_vec(),
            body: r.body().to_vec(),
            at: Instant::now(),
        }
    }
}

impl Server {
    /// In memory: answers with `replies` in order; after the last one, repeats the last.
    pub async fn sequence(replies: Vec<Reply>) -> Server {
        assert!(!replies.is_empty());
        Server::handler(move |i, _| replies[i.min(replies.len() - 1)].clone()).await
    }

    /// In memory: answers every request with `f(index, request)`.
    pub async fn handler(f: impl Fn(usize, &Captured) -> Reply + Send + Sync + 'static) -> Server {
        let port = NEXT_PORT.fetch_add(1, Ordering::SeqCst);
        let requests: Arc<Mutex<Vec<Captured>>> = Arc::default();
        MEMORY.lock().unwrap().insert(
            port,
            MemoryServer {
                requests: requests.clone(),
                handler: Arc::new(f),
            },
        );
        Server {
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            requests,
            task: None,
        }
    }

    /// Over TCP: answers with `replies` in order; after the last one, repeats the last.
    pub async fn tcp_sequence(replies: Vec<Reply>) -> Server {
        assert!(!replies.is_empty());
        Server::tcp_handler(move |i, _| replies[i.min(replies.len() - 1)].clone()).await
    }

    /// Over TCP: answers every request with `f(index, request)`.
    pub async fn tcp_handler(
        f: impl Fn(usize, &Captured) -> Reply + Send + Sync + 'static,
    ) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests: Arc<Mutex<Vec<Captured>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(f);
        let reqs = requests.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let reqs = reqs.clone();
                let handler = handler.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, reqs, handler).await;
                });
            }
        });
        Server {
            addr,
            requests,
            task: Some(task),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    pub fn requests(&self) -> Vec<Captured> {
        self.requests.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}

async fn serve(
    mut stream: TcpStream,
    requests: Arc<Mutex<Vec<Captured>>>,
    handler: Arc<Handler>,
) -> std::io::Result<()> {
    let mut buf: Vec<u8> = Vec::new();
    loop {
        // Read the head.
        let head_end = loop {
            if let Some(pos) = find(&buf, b"\r\n\r\n") {
                break pos;
            }
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let request_line = lines.next().unwrap_or_default();
        let mut parts = request_line.split(' ');
        let method = parts.next().unwrap_or_default().to_owned();
        let target = parts.next().unwrap_or_default().to_owned();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let len: usize = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let body_start = head_end + 4;
        while buf.len() < body_start + len {
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        let body = buf[body_start..body_start + len].to_vec();
        buf.drain(..body_start + len);
        let captured = Captured {
            method,
            target,
            headers,
            body,
            at: Instant::now(),
        };
        let index = {
            let mut r = requests.lock().unwrap();
            r.push(captured.clone());
            r.len() - 1
        };
        let mut reply = handler(index, &captured);
        while let Reply::Delayed(d, inner) = reply {
            tokio::time::sleep(d).await;
            reply = *inner;
        }
        match reply {
            Reply::Full {
                status,
                headers,
                body,
            } => {
                let mut out = format!("HTTP/1.1 {status} {}\r\n", reason(status));
                for (k, v) in &headers {
                    out.push_str(&format!("{k}: {v}\r\n"));
                }
                out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
                stream.write_all(out.as_bytes()).await?;
                stream.write_all(&body).await?;
            }
            Reply::Chunked {
                status,
                chunk,
                count,
            } => {
                let head = format!(
                    "HTTP/1.1 {status} {}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
                    reason(status)
                );
                stream.write_all(head.as_bytes()).await?;
                let data = vec![b'a'; chunk];
                for _ in 0..count {
                    stream
                        .write_all(format!("{chunk:x}\r\n").as_bytes())
                        .await?;
                    if stream.write_all(&data).await.is_err() {
                        return Ok(());
                    }
                    stream.write_all(b"\r\n").await?;
                }
                stream.write_all(b"0\r\n\r\n").await?;
            }
            Reply::Close => return Ok(()),
            Reply::Delayed(..) => unreachable!(),
        }
        stream.flush().await?;
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Whatever",
    }
}

/// A port nobody listens on.
pub async fn closed_port() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    addr
}

/// A tiny operation error enum, like the generated ones.
#[derive(Debug)]
pub enum FakeError {
    NotFound(ErrorMetadata),
    Throttled(ErrorMetadata),
    Unhandled(ErrorMetadata),
}

impl fmt::Display for FakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FakeError::NotFound(_) => write!(f, "not found"),
            FakeError::Throttled(_) => write!(f, "throttled"),
            FakeError::Unhandled(m) => write!(f, "unhandled error {}", m.code().unwrap_or("")),
        }
    }
}

impl std::error::Error for FakeError {}

impl OperationError for FakeError {
    fn from_metadata(meta: ErrorMetadata) -> Self {
        match (meta.status, meta.code()) {
            (_, Some("VPC.0602" | "InvalidSecurityGroupId.NotFound" | "itemNotFound")) => {
                FakeError::NotFound(meta)
            }
            (429, _) | (_, Some("Throttling.User" | "APIGW.0308")) => FakeError::Throttled(meta),
            _ => FakeError::Unhandled(meta),
        }
    }

    fn meta(&self) -> &ErrorMetadata {
        match self {
            FakeError::NotFound(m) | FakeError::Throttled(m) | FakeError::Unhandled(m) => m,
        }
    }
}

/// Fast retries for tests.
pub fn fast_retry(max_attempts: u32) -> cloudsdk_core::RetryConfig {
    cloudsdk_core::RetryConfig::standard()
        .with_max_attempts(max_attempts)
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(5))
}

/// Points a client builder at a server: its URL, and for an in-memory server the replay client.
pub trait Route {
    fn via(self, server: &Server) -> Self;
}

impl Route for cloudsdk_core::huawei::HuaweiClientBuilder {
    fn via(self, server: &Server) -> Self {
        let b = self.endpoint(server.url());
        if server.task.is_none() {
            b.http_client(net())
        } else {
            b
        }
    }
}

impl Route for cloudsdk_core::aliyun::AliyunClientBuilder {
    fn via(self, server: &Server) -> Self {
        let b = self.endpoint(server.url());
        if server.task.is_none() {
            b.http_client(net())
        } else {
            b
        }
    }
}
