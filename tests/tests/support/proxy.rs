//! A forward-proxy double on loopback (research note §4.8): it logs every request line, checks
//! `Proxy-Authorization: Basic …`, answers `CONNECT host:port` by tunnelling to the target and
//! forwards absolute-URI requests (`GET http://host:port/path`) in origin form. It only ever
//! connects to loopback targets: anything else is refused with 403.
//!
//! [`ProxyDouble::start_tls`] serves the proxy itself over TLS (an `https://` proxy URL).
//!
//! Each forwarded request is sent upstream with `Connection: close`, so that every proxied
//! request of a client arrives on a connection of its own and is counted.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use base64::Engine;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

/// One request the proxy received.
#[derive(Clone, Debug)]
pub struct Entry {
    /// `CONNECT`, `GET`, `POST`, …
    pub method: String,
    /// The request target: `host:port` for `CONNECT`, the absolute URI otherwise.
    pub target: String,
    /// Whether `Proxy-Authorization` matched (always true when no credentials are required).
    pub authorized: bool,
    /// Whether a `Proxy-Authorization` header was present.
    pub sent_credentials: bool,
}

/// A running proxy; dropping it stops accepting.
#[derive(Debug)]
pub struct ProxyDouble {
    addr: SocketAddr,
    scheme: &'static str,
    log: Arc<Mutex<Vec<Entry>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ProxyDouble {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ProxyDouble {
    /// Starts a proxy on `127.0.0.1`, a free port. With `credentials`, a request without the
    /// matching `Proxy-Authorization: Basic base64(user:password)` gets 407.
    pub async fn start(credentials: Option<(&str, &str)>) -> ProxyDouble {
        Self::start_inner(credentials, None).await
    }

    /// Like [`start`](Self::start), but clients reach the proxy itself over TLS (an
    /// `https://` proxy URL) with this certificate chain and key (PEM).
    pub async fn start_tls(
        credentials: Option<(&str, &str)>,
        cert_pem: &str,
        key_pem: &str,
    ) -> ProxyDouble {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let certs = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap();
        Self::start_inner(credentials, Some(TlsAcceptor::from(Arc::new(config)))).await
    }

    async fn start_inner(
        credentials: Option<(&str, &str)>,
        tls: Option<TlsAcceptor>,
    ) -> ProxyDouble {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let expected = credentials.map(|(user, password)| {
            let encoded =
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            format!("Basic {encoded}")
        });
        let log = Arc::new(Mutex::new(Vec::new()));
        let scheme = if tls.is_some() { "https" } else { "http" };
        let task = tokio::spawn(accept_loop(listener, expected, tls, log.clone()));
        ProxyDouble {
            addr,
            scheme,
            log,
            task,
        }
    }

    /// `http://127.0.0.1:<port>` (`https://…` for [`start_tls`](Self::start_tls)).
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// `http://user:password@127.0.0.1:<port>` (`user` and `password` already percent-encoded).
    pub fn url_with(&self, user: &str, password: &str) -> String {
        format!("{}://{user}:{password}@{}", self.scheme, self.addr)
    }

    /// Every request received, in arrival order.
    pub fn entries(&self) -> Vec<Entry> {
        self.log.lock().unwrap().clone()
    }

    /// How many authorized `CONNECT`s were tunnelled.
    pub fn connects(&self) -> usize {
        self.count(|e| e.method == "CONNECT" && e.authorized)
    }

    /// How many authorized plain (absolute-URI) requests were forwarded.
    pub fn forwarded(&self) -> usize {
        self.count(|e| e.method != "CONNECT" && e.authorized)
    }

    /// How many requests were refused with 407.
    pub fn rejected(&self) -> usize {
        self.count(|e| !e.authorized)
    }

    fn count(&self, f: impl Fn(&Entry) -> bool) -> usize {
        self.entries().iter().filter(|e| f(e)).count()
    }
}

async fn accept_loop(
    listener: TcpListener,
    expected: Option<String>,
    tls: Option<TlsAcceptor>,
    log: Arc<Mutex<Vec<Entry>>>,
) {
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let (expected, log) = (expected.clone(), log.clone());
                match tls.clone() {
                    None => tasks.spawn(serve(stream, expected, log)),
                    Some(acceptor) => tasks.spawn(async move {
                        if let Ok(stream) = acceptor.accept(stream).await {
                            serve(stream, expected, log).await;
                        }
                    }),
                };
            }
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
        }
    }
}

/// A parsed request head and the bytes that followed it.
struct Head {
    method: String,
    target: String,
    version: String,
    headers: Vec<(String, String)>,
    rest: Vec<u8>,
}

async fn read_head<S: AsyncRead + Unpin>(stream: &mut S) -> Option<Head> {
    let mut buf = Vec::new();
    let end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.len() > 64 * 1024 {
            return None;
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let text = String::from_utf8(buf[..end].to_vec()).ok()?;
    let mut lines = text.split("\r\n");
    let mut parts = lines.next()?.split(' ');
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Some(Head {
        method: method.to_owned(),
        target: target.to_owned(),
        version: version.to_owned(),
        headers,
        rest: buf[end + 4..].to_vec(),
    })
}

/// The `host:port` of a target, if it is loopback.
fn loopback_authority(authority: &str) -> Option<String> {
    let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    loopback.then(|| authority.to_owned())
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    mut client: S,
    expected: Option<String>,
    log: Arc<Mutex<Vec<Entry>>>,
) {
    let Some(head) = read_head(&mut client).await else {
        return;
    };
    let auth = head
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("proxy-authorization"))
        .map(|(_, v)| v.clone());
    let authorized = expected.as_ref().is_none_or(|e| auth.as_ref() == Some(e));
    log.lock().unwrap().push(Entry {
        method: head.method.clone(),
        target: head.target.clone(),
        authorized,
        sent_credentials: auth.is_some(),
    });
    if !authorized {
        let _ = client
            .write_all(
                b"HTTP/1.1 407 Proxy Authentication Required\r\n\
                  Proxy-Authenticate: Basic realm=\"test\"\r\n\
                  Content-Length: 0\r\nConnection: close\r\n\r\n",
            )
            .await;
        return;
    }
    if head.method == "CONNECT" {
        tunnel(client, &head).await;
    } else {
        forward(client, head).await;
    }
}

async fn refuse<S: AsyncWrite + Unpin>(client: &mut S) {
    let _ = client
        .write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .await;
}

async fn tunnel<S: AsyncRead + AsyncWrite + Unpin>(mut client: S, head: &Head) {
    let Some(authority) = loopback_authority(&head.target) else {
        return refuse(&mut client).await;
    };
    let Ok(mut upstream) = TcpStream::connect(&authority).await else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
        return;
    };
    if client
        .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        .await
        .is_err()
    {
        return;
    }
    if !head.rest.is_empty() && upstream.write_all(&head.rest).await.is_err() {
        return;
    }
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
}

async fn forward<S: AsyncRead + AsyncWrite + Unpin>(mut client: S, head: Head) {
    let Some(after_scheme) = head.target.strip_prefix("http://") else {
        return refuse(&mut client).await;
    };
    let (authority, path) = match after_scheme.find('/') {
        Some(i) => (&after_scheme[..i], &after_scheme[i..]),
        None => (after_scheme, "/"),
    };
    let Some(authority) = loopback_authority(authority) else {
        return refuse(&mut client).await;
    };
    let Ok(mut upstream) = TcpStream::connect(&authority).await else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
        return;
    };
    let mut out = format!("{} {path} {}\r\n", head.method, head.version);
    for (name, value) in &head.headers {
        let lower = name.to_ascii_lowercase();
        if !matches!(
            lower.as_str(),
            "proxy-authorization" | "proxy-connection" | "connection"
        ) {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    out.push_str("Connection: close\r\n\r\n");
    if upstream.write_all(out.as_bytes()).await.is_err()
        || upstream.write_all(&head.rest).await.is_err()
    {
        return;
    }
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
}
