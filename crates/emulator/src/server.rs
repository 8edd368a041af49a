//! The listener, per-connection loop, dispatch and the [`Emulator`] handle.

use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use crate::auth::{
    self, AuthContext, Keys, NONCE_CAPACITY, Nonces, Scheme, Verdict, public_reason,
};
use crate::clock::{Clock, http_date};
use crate::credsvc::{self, ImdsTokens};
use crate::faults::{Fault, FaultRule, Faults, Vendor};
use crate::http::{ReadError, Request, read_request_head, refusal, response_head, write_padding};
use crate::reply::{Recorded, Reply, RequestLog, Streamed};
use crate::service;
use crate::state::State;

/// The default limit on the difference between a request's signing time and the emulator's
/// clock, as both vendors' gateways enforce it (15 minutes).
pub const DEFAULT_MAX_CLOCK_SKEW: Duration = Duration::from_secs(15 * 60);
/// The access key id the emulator accepts unless configured otherwise.
pub const DEFAULT_ACCESS_KEY_ID: &str = "EMULATORAK00000000001";
/// The secret of [`DEFAULT_ACCESS_KEY_ID`]. Not a secret: the emulator is for tests.
pub const DEFAULT_ACCESS_KEY_SECRET: &str = "emulator-secret-key-do-not-use-in-production";
/// Where [`Emulator::start`] listens: loopback, a free port.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:0";
/// How many requests [`Emulator::requests`] keeps by default (the most recent ones).
pub const DEFAULT_REQUEST_LOG_CAPACITY: usize = 1_000;
/// The most request-body bytes the request log holds (64 MiB): beyond it the oldest entries
/// are dropped, whatever the capacity (the newest entry is always kept).
pub const REQUEST_LOG_BODY_BUDGET: usize = 64 * 1024 * 1024;
/// How long a request's head and body may take to arrive by default, counted from when the
/// connection is ready for it (accepted, or the previous answer written): 30 seconds.
pub const DEFAULT_REQUEST_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a client may take to complete the TLS handshake by default (with
/// [`EmulatorBuilder::tls`]): 10 seconds. A connection that has not finished it by then is
/// closed.
pub const DEFAULT_TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A scripted answer for authenticated requests (replaces the emulated services).
pub type Handler = dyn Fn(&Recorded) -> Reply + Send + Sync;

/// Configures an [`Emulator`]; from [`Emulator::builder`].
pub struct EmulatorBuilder {
    listen: SocketAddr,
    keys: Keys,
    state: State,
    clock_offset: i64,
    max_clock_skew: Duration,
    faults: Vec<FaultRule>,
    handler: Option<Arc<Handler>>,
    route_all_to: Option<Vendor>,
    log: bool,
    request_log_capacity: usize,
    read_timeout: Duration,
    tls: Option<TlsPem>,
    tls_handshake_timeout: Duration,
    credentials: credsvc::Config,
}

/// The PEM text of the server's certificate chain and private key.
struct TlsPem {
    cert: Vec<u8>,
    key: Vec<u8>,
}

impl fmt::Debug for EmulatorBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorBuilder")
            .field("listen", &self.listen)
            .field("keys", &self.keys)
            .field("clock_offset", &self.clock_offset)
            .field("max_clock_skew", &self.max_clock_skew)
            .field("faults", &self.faults)
            .field("scripted", &self.handler.is_some())
            .field("route_all_to", &self.route_all_to)
            .field("log", &self.log)
            .field("request_log_capacity", &self.request_log_capacity)
            .field("read_timeout", &self.read_timeout)
            .field("tls", &self.tls.is_some())
            .field("tls_handshake_timeout", &self.tls_handshake_timeout)
            .field("credential_services", &self.credentials)
            .finish_non_exhaustive()
    }
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            keys: Keys::new(DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET),
            state: State::seeded(),
            clock_offset: 0,
            max_clock_skew: DEFAULT_MAX_CLOCK_SKEW,
            faults: Vec::new(),
            handler: None,
            route_all_to: None,
            log: false,
            request_log_capacity: DEFAULT_REQUEST_LOG_CAPACITY,
            read_timeout: DEFAULT_REQUEST_READ_TIMEOUT,
            tls: None,
            tls_handshake_timeout: DEFAULT_TLS_HANDSHAKE_TIMEOUT,
            credentials: credsvc::Config::default(),
        }
    }
}

impl EmulatorBuilder {
    /// The address to listen on (default `127.0.0.1:0`, a free port).
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// The one access key the emulator accepts (default [`DEFAULT_ACCESS_KEY_ID`] /
    /// [`DEFAULT_ACCESS_KEY_SECRET`]). Keeps a security token set before.
    pub fn access_key(mut self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        let token = self.keys.security_token.take();
        self.keys = Keys::new(id, secret);
        self.keys.security_token = token;
        self
    }

    /// Makes the key temporary (STS): every request must carry and sign this token.
    pub fn security_token(mut self, token: impl Into<String>) -> Self {
        self.keys.security_token = Some(token.into());
        self
    }

    /// Sets key, secret and token at once.
    pub fn keys(mut self, keys: Keys) -> Self {
        self.keys = keys;
        self
    }

    /// The resources to serve (default [`State::seeded`]).
    pub fn state(mut self, state: State) -> Self {
        self.state = state;
        self
    }

    /// Runs the emulator's clock `seconds` ahead (positive) or behind (negative) the system
    /// clock: the `Date` header, the signature time checks and the server time in error
    /// messages all use it.
    pub fn clock_offset(mut self, seconds: i64) -> Self {
        self.clock_offset = seconds;
        self
    }

    /// The accepted difference between a request's signing time and the emulator's clock
    /// (default [`DEFAULT_MAX_CLOCK_SKEW`]).
    pub fn max_clock_skew(mut self, limit: Duration) -> Self {
        self.max_clock_skew = limit;
        self
    }

    /// Queues a fault (see [`Faults`]).
    pub fn fault(mut self, rule: impl Into<FaultRule>) -> Self {
        self.faults.push(rule.into());
        self
    }

    /// Queues several faults.
    pub fn faults(mut self, rules: impl IntoIterator<Item = FaultRule>) -> Self {
        self.faults.extend(rules);
        self
    }

    /// Scripted mode: every authenticated request is answered by `f` instead of the emulated
    /// services (faults still apply first). Authentication, recording, request ids and `Date`
    /// are unchanged.
    pub fn handler(mut self, f: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Self {
        self.handler = Some(Arc::new(f));
        self
    }

    /// Handles every request as `vendor`'s, whatever its path (by default the path decides:
    /// `/` is Alibaba, `/v2/`, `/v2.1/`, `/v3/` are Huawei).
    pub fn route_all_to(mut self, vendor: Vendor) -> Self {
        self.route_all_to = Some(vendor);
        self
    }

    /// Logs one line per request to stderr (vendor, operation, method, path, status, error
    /// code, request id; never a query, header or body, so never a secret).
    pub fn log_requests(mut self, on: bool) -> Self {
        self.log = on;
        self
    }

    /// How many of the most recent requests [`Emulator::requests`] keeps (default
    /// [`DEFAULT_REQUEST_LOG_CAPACITY`]; `0` keeps none). Older ones are dropped, also when
    /// the kept bodies exceed [`REQUEST_LOG_BODY_BUDGET`]; [`Emulator::request_count`] still
    /// counts every request.
    pub fn request_log_capacity(mut self, capacity: usize) -> Self {
        self.request_log_capacity = capacity;
        self
    }

    /// How long a request's head and body may take to arrive (default
    /// [`DEFAULT_REQUEST_READ_TIMEOUT`]), counted from when the connection is ready for the
    /// request: after it is accepted, or after the previous answer on it. When it runs out the
    /// connection is closed without an answer (this also closes idle keep-alive connections).
    pub fn request_read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// Serves HTTPS instead of HTTP: `cert_pem` is the server's certificate chain (PEM, the
    /// leaf first), `key_pem` its private key (PEM: PKCS#8, PKCS#1 or SEC1). The certificate
    /// should name `127.0.0.1` (an IP address SAN) or the host clients use. Checked by
    /// [`start`](Self::start) (an unusable pair is an `InvalidInput` error).
    /// [`Emulator::endpoint`] then reads `https://…`. TLS 1.2 and 1.3 (rustls, `ring`),
    /// HTTP/1.1 only.
    pub fn tls(mut self, cert_pem: impl AsRef<[u8]>, key_pem: impl AsRef<[u8]>) -> Self {
        self.tls = Some(TlsPem {
            cert: cert_pem.as_ref().to_vec(),
            key: key_pem.as_ref().to_vec(),
        });
        self
    }

    /// How long a client may take to complete the TLS handshake (default
    /// [`DEFAULT_TLS_HANDSHAKE_TIMEOUT`]); then the connection is closed. Only with
    /// [`tls`](Self::tls).
    pub fn tls_handshake_timeout(mut self, timeout: Duration) -> Self {
        self.tls_handshake_timeout = timeout;
        self
    }

    /// How long the temporary keys the credential services issue stay valid (default
    /// [`DEFAULT_CREDENTIAL_TTL`](crate::DEFAULT_CREDENTIAL_TTL), by the emulator's clock); a
    /// longer duration asked for (`DurationSeconds`, `duration_seconds`) is capped to it. Keep
    /// it short to exercise a client's refresh.
    pub fn credential_ttl(mut self, ttl: Duration) -> Self {
        self.credentials.ttl = ttl;
        self
    }

    /// The RAM role names the Alibaba instance metadata serves and `AssumeRole` /
    /// `AssumeRoleWithOIDC` accept (default [`DEFAULT_ROLE_NAME`](crate::DEFAULT_ROLE_NAME));
    /// replaces the list. An empty list: no role (Alibaba IMDS `404`) and no agency (Huawei
    /// metadata `401 Please configure Cloud Service Agency first`).
    pub fn role_names<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.credentials.roles = names.into_iter().map(Into::into).collect();
        self
    }

    /// The OIDC / ID token `AssumeRoleWithOIDC` and the Huawei ID-token exchange accept
    /// (default [`DEFAULT_OIDC_TOKEN`](crate::DEFAULT_OIDC_TOKEN)).
    pub fn oidc_token(mut self, token: impl Into<String>) -> Self {
        self.credentials.oidc_token = token.into();
        self
    }

    /// The Huawei identity provider id (`X-Idp-Id`) the ID-token exchange accepts (default
    /// [`DEFAULT_HUAWEI_IDP_ID`](crate::DEFAULT_HUAWEI_IDP_ID)).
    pub fn idp_id(mut self, id: impl Into<String>) -> Self {
        self.credentials.idp_id = id.into();
        self
    }

    /// Whether the instance metadata services want a session token (default
    /// [`ImdsTokens::Optional`]).
    pub fn imds_tokens(mut self, mode: ImdsTokens) -> Self {
        self.credentials.imds_tokens = mode;
        self
    }

    /// Binds the listener and starts serving on the current Tokio runtime.
    pub async fn start(self) -> std::io::Result<Emulator> {
        self.state
            .validate()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()))?;
        let tls = match &self.tls {
            Some(pem) => Some(tls_acceptor(pem)?),
            None => None,
        };
        let listener = TcpListener::bind(self.listen).await?;
        let addr = listener.local_addr()?;
        let faults = Faults::default();
        faults.extend(self.faults);
        let shared = Arc::new(Shared {
            keys: self.keys,
            clock: Clock::new(self.clock_offset),
            max_clock_skew: Mutex::new(self.max_clock_skew),
            host: addr.to_string(),
            state: RwLock::new(self.state),
            handler: self.handler,
            route_all_to: self.route_all_to,
            faults,
            requests: Mutex::new(RequestLog::new(
                self.request_log_capacity,
                REQUEST_LOG_BODY_BUDGET,
            )),
            streams: Mutex::new(Vec::new()),
            nonces: Mutex::new(Nonces::new(NONCE_CAPACITY)),
            connections: AtomicUsize::new(0),
            log: self.log,
            read_timeout: self.read_timeout,
            tls,
            tls_handshake_timeout: self.tls_handshake_timeout,
            credentials: credsvc::Services::new(self.credentials),
        });
        let task = tokio::spawn(accept_loop(listener, shared.clone()));
        Ok(Emulator { addr, shared, task })
    }
}

/// A running emulator; see the [crate docs](crate). Dropping it stops the server and closes
/// its connections.
pub struct Emulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator")
            .field("addr", &self.addr)
            .field("keys", &self.shared.keys)
            .field("requests", &self.request_count())
            .finish_non_exhaustive()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Emulator {
    /// Starts an emulator with the defaults: [`State::seeded`], the default keys, on
    /// `127.0.0.1` and a free port.
    pub async fn start() -> std::io::Result<Emulator> {
        Self::builder().start().await
    }

    /// A builder with the defaults.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// `http://127.0.0.1:<port>` (`https://…` with [`EmulatorBuilder::tls`]): the endpoint
    /// (and IAM endpoint) to give clients.
    pub fn endpoint(&self) -> String {
        let scheme = if self.shared.tls.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `127.0.0.1:<port>`: the `Host` header clients send.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// The accepted access key id.
    pub fn access_key_id(&self) -> &str {
        &self.shared.keys.access_key_id
    }

    /// The secret of the accepted key.
    pub fn access_key_secret(&self) -> &str {
        &self.shared.keys.secret
    }

    /// The security token required with the key, if any.
    pub fn security_token(&self) -> Option<&str> {
        self.shared.keys.security_token.as_deref()
    }

    /// The accepted keys.
    pub fn keys(&self) -> &Keys {
        &self.shared.keys
    }

    /// Credentials the emulator accepts, for a client's `.credentials(..)`.
    pub fn credentials(&self) -> cloudsdk_core::Credentials {
        let keys = &self.shared.keys;
        let c = cloudsdk_core::Credentials::new(keys.access_key_id.clone(), keys.secret.clone());
        match &keys.security_token {
            Some(t) => c.with_security_token(t.clone()),
            None => c,
        }
    }

    /// The credentials URI (`ALIBABA_CLOUD_CREDENTIALS_URI`):
    /// `http://127.0.0.1:<port>/aliyun/credentials-uri`.
    pub fn credentials_uri(&self) -> String {
        format!("{}{}", self.endpoint(), crate::ALIYUN_CREDENTIALS_URI_PATH)
    }

    /// The RAM role names served (see [`EmulatorBuilder::role_names`]).
    pub fn role_names(&self) -> &[String] {
        &self.shared.credentials.config.roles
    }

    /// The OIDC / ID token accepted (see [`EmulatorBuilder::oidc_token`]).
    pub fn oidc_token(&self) -> &str {
        &self.shared.credentials.config.oidc_token
    }

    /// The Huawei identity provider id accepted (see [`EmulatorBuilder::idp_id`]).
    pub fn idp_id(&self) -> &str {
        &self.shared.credentials.config.idp_id
    }

    /// The lifetime of the temporary keys issued (see [`EmulatorBuilder::credential_ttl`]).
    pub fn credential_ttl(&self) -> Duration {
        self.shared.credentials.config.ttl
    }

    /// How many temporary keys the credential services have issued so far.
    pub fn issued_credentials(&self) -> usize {
        self.shared.credentials.issued_count()
    }

    /// The fault queue, to push faults at runtime.
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// The most recent requests (up to [`EmulatorBuilder::request_log_capacity`], by default
    /// [`DEFAULT_REQUEST_LOG_CAPACITY`]), in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.requests().snapshot()
    }

    /// How every oversized body stream ([`Fault::Oversized`]) that has ended so far ended, in
    /// the order they ended. A stream still being written is not listed yet.
    pub fn streams(&self) -> Vec<Streamed> {
        self.shared
            .streams
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// How many requests were received in all (also those the request log no longer keeps).
    pub fn request_count(&self) -> usize {
        self.shared.requests().total()
    }

    /// How many TCP connections were accepted.
    pub fn connection_count(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// A copy of the current state.
    pub fn state(&self) -> State {
        self.shared
            .state
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Changes the state while running.
    pub fn update_state(&self, f: impl FnOnce(&mut State)) {
        f(&mut self.shared.state.write().unwrap_or_else(|e| e.into_inner()));
    }

    /// Sets the clock offset (seconds; see [`EmulatorBuilder::clock_offset`]) while running.
    pub fn set_clock_offset(&self, seconds: i64) {
        self.shared.clock.set_offset(seconds);
    }

    /// The current clock offset in seconds.
    pub fn clock_offset(&self) -> i64 {
        self.shared.clock.offset()
    }

    /// Sets the clock-skew limit while running.
    pub fn set_max_clock_skew(&self, limit: Duration) {
        *self
            .shared
            .max_clock_skew
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = limit;
    }

    /// Stops listening, closes every connection and waits for the server task to end.
    pub async fn shutdown(mut self) {
        self.task.abort();
        let task = std::mem::replace(&mut self.task, tokio::spawn(async {}));
        let _ = task.await;
    }
}

struct Shared {
    keys: Keys,
    clock: Clock,
    max_clock_skew: Mutex<Duration>,
    host: String,
    state: RwLock<State>,
    handler: Option<Arc<Handler>>,
    route_all_to: Option<Vendor>,
    faults: Faults,
    requests: Mutex<RequestLog>,
    streams: Mutex<Vec<Streamed>>,
    nonces: Mutex<Nonces>,
    connections: AtomicUsize,
    log: bool,
    read_timeout: Duration,
    tls: Option<TlsAcceptor>,
    tls_handshake_timeout: Duration,
    credentials: credsvc::Services,
}

impl Shared {
    fn requests(&self) -> MutexGuard<'_, RequestLog> {
        // A panicking handler must not hide what was recorded.
        self.requests.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// What to put on the wire for one request.
enum Outgoing {
    Send(Reply),
    Close,
    Truncate(Reply),
    Stream {
        headers: Vec<(String, String)>,
        bytes: u64,
        chunked: bool,
    },
}

/// The longest pause after a failed `accept` (the first is [`ACCEPT_BACKOFF_MIN`]; each
/// further failure in a row doubles it).
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);
const ACCEPT_BACKOFF_MIN: Duration = Duration::from_millis(10);

/// Accepts connections until aborted. When `accept` fails (for example `EMFILE`, out of file
/// descriptors) it pauses 10 ms, doubling up to 1 s while the failures go on, instead of
/// spinning; the first failure of a burst and the recovery are logged (when logging is on).
async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    // Connection tasks live in this set: aborting the accept task drops (and aborts) them too.
    let mut connections = JoinSet::new();
    let mut failures: u32 = 0;
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    if failures > 0 && shared.log {
                        eprintln!("cloudsdk-emulator: accepting again after {failures} failed accepts");
                    }
                    failures = 0;
                    let id = shared.connections.fetch_add(1, Ordering::SeqCst);
                    let shared = shared.clone();
                    connections.spawn(accept_connection(stream, id, shared));
                }
                Err(e) => {
                    if failures == 0 && shared.log {
                        eprintln!("cloudsdk-emulator: accept failed ({e}); backing off until it succeeds");
                    }
                    let pause = ACCEPT_BACKOFF_MIN
                        .saturating_mul(1 << failures.min(7))
                        .min(ACCEPT_BACKOFF_MAX);
                    failures = failures.saturating_add(1);
                    tokio::time::sleep(pause).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// A TLS server configuration (ring provider, HTTP/1.1) from the PEM certificate chain and key.
fn tls_acceptor(pem: &TlsPem) -> std::io::Result<TlsAcceptor> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let invalid = |what: &str, e: &dyn fmt::Display| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("TLS {what}: {e}"))
    };
    let certs = CertificateDer::pem_slice_iter(&pem.cert)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid("certificate", &e))?;
    if certs.is_empty() {
        return Err(invalid("certificate", &"no PEM certificate found"));
    }
    let key = PrivateKeyDer::from_pem_slice(&pem.key).map_err(|e| invalid("private key", &e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid("configuration", &e))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| invalid("certificate and key", &e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Serves one accepted connection: over TLS (after the handshake, under its timeout) or plain.
async fn accept_connection(stream: TcpStream, connection: usize, shared: Arc<Shared>) {
    let _ = stream.set_nodelay(true);
    let Some(acceptor) = shared.tls.clone() else {
        let _ = serve_connection(stream, connection, shared).await;
        return;
    };
    let handshake = acceptor.accept(stream);
    match tokio::time::timeout(shared.tls_handshake_timeout, handshake).await {
        Ok(Ok(tls)) => {
            let _ = serve_connection(tls, connection, shared).await;
        }
        Ok(Err(e)) => {
            if shared.log {
                eprintln!("cloudsdk-emulator: TLS handshake failed: {e}");
            }
        }
        Err(_) => {
            if shared.log {
                eprintln!("cloudsdk-emulator: TLS handshake timed out");
            }
        }
    }
}

/// Serves the requests of one connection in order, until it is closed (by the peer, by a
/// `Connection: close`, a fault, a refused or malformed request, or the read timeout).
async fn serve_connection<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    connection: usize,
    shared: Arc<Shared>,
) -> std::io::Result<()> {
    let mut buf: Vec<u8> = Vec::new();
    loop {
        let read = read_authenticated(&mut stream, &mut buf, &shared);
        let (req, auth) = match tokio::time::timeout(shared.read_timeout, read).await {
            Ok(Ok(Some(read))) => read,
            Ok(Ok(None)) => return Ok(()),
            Ok(Err(ReadError::Close(e))) => return Err(e),
            Ok(Err(ReadError::Refuse { status, reason })) => {
                let date = http_date(shared.clock.now());
                stream.write_all(&refusal(status, reason, &date)).await?;
                return linger_close(stream).await;
            }
            // Too slow: close without an answer.
            Err(_) => return Ok(()),
        };
        let keep_alive = req.keep_alive;
        let http10 = req.version == "HTTP/1.0";
        let (delay, outgoing, index) = handle(&shared, connection, req, auth);
        if let Some(d) = delay {
            tokio::time::sleep(d).await;
        }
        let open =
            write_outgoing(&mut stream, &shared, outgoing, keep_alive, http10, index).await?;
        if !open || !keep_alive {
            let _ = stream.shutdown().await;
            return Ok(());
        }
    }
}

/// Reads the next request and authenticates it; `None` when the peer closed the connection
/// between requests. A body that cannot change the verdict ([`auth::body_can_matter`]) is
/// read after authentication: kept when the request is accepted, else read and dropped in
/// pieces, so unauthenticated traffic never has its bodies held in memory.
async fn read_authenticated<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    buf: &mut Vec<u8>,
    shared: &Shared,
) -> Result<Option<(Request, Authenticated)>, ReadError> {
    let Some(pending) = read_request_head(stream, buf).await? else {
        return Ok(None);
    };
    if auth::body_can_matter(&pending.request) {
        let req = pending.read_body(stream, buf, true).await?;
        let auth = authenticate(shared, &req);
        return Ok(Some((req, auth)));
    }
    let auth = authenticate(shared, &pending.request);
    let keep = auth.verdict.is_accepted();
    let req = pending.read_body(stream, buf, keep).await?;
    Ok(Some((req, auth)))
}

/// Closes after a refusal: ends the sending side, then reads (and discards) what the peer still
/// sends for a moment, so that closing with unread data (a reset) does not destroy the answer
/// before the peer has read it.
async fn linger_close<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S) -> std::io::Result<()> {
    stream.flush().await?;
    let _ = stream.shutdown().await;
    let drain = async {
        let mut sink = [0u8; 16 * 1024];
        let mut total = 0usize;
        while total < 1024 * 1024 {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n,
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), drain).await;
    Ok(())
}

/// The `Connection` header line of an answer, if one is needed.
fn connection_line(keep: bool, http10: bool) -> Vec<String> {
    if !keep {
        vec!["Connection: close".into()]
    } else if http10 {
        vec!["Connection: keep-alive".into()]
    } else {
        Vec::new()
    }
}

/// Writes one answer; false when the connection must be closed afterwards (a fault that ends
/// it).
async fn write_outgoing<S: AsyncWrite + Unpin>(
    stream: &mut S,
    shared: &Shared,
    outgoing: Outgoing,
    keep_alive: bool,
    http10: bool,
    index: usize,
) -> std::io::Result<bool> {
    match outgoing {
        Outgoing::Send(reply) => {
            let mut extra = vec![format!("Content-Length: {}", reply.body.len())];
            extra.extend(connection_line(keep_alive, http10));
            let mut out = response_head(reply.status, &reply.headers, &extra).into_bytes();
            out.extend_from_slice(&reply.body);
            stream.write_all(&out).await?;
            stream.flush().await?;
            Ok(true)
        }
        Outgoing::Close => Ok(false),
        Outgoing::Truncate(reply) => {
            let declared = reply.body.len().max(1);
            let sent = reply.body.len() / 2;
            let mut extra = vec![format!("Content-Length: {declared}")];
            extra.extend(connection_line(false, http10));
            let mut out = response_head(reply.status, &reply.headers, &extra).into_bytes();
            out.extend_from_slice(&reply.body[..sent]);
            stream.write_all(&out).await?;
            stream.flush().await?;
            Ok(false)
        }
        Outgoing::Stream {
            headers,
            bytes,
            chunked,
        } => {
            write_stream(stream, shared, &headers, bytes, chunked, http10, index).await?;
            Ok(false)
        }
    }
}

/// Streams an oversized body ([`Fault::Oversized`]) and records how it ended.
async fn write_stream<S: AsyncWrite + Unpin>(
    stream: &mut S,
    shared: &Shared,
    headers: &[(String, String)],
    bytes: u64,
    chunked: bool,
    http10: bool,
    index: usize,
) -> std::io::Result<()> {
    let mut extra = vec![if chunked {
        "Transfer-Encoding: chunked".to_owned()
    } else {
        format!("Content-Length: {bytes}")
    }];
    extra.extend(connection_line(false, http10));
    let mut sent = 0;
    let written = match stream
        .write_all(response_head(200, headers, &extra).as_bytes())
        .await
    {
        Ok(()) => write_padding(stream, bytes, chunked, &mut sent).await,
        Err(e) => Err(e),
    };
    shared
        .streams
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(Streamed {
            request_index: index,
            declared: bytes,
            sent,
            complete: written.is_ok(),
        });
    written
}

fn new_request_id(vendor: Vendor) -> String {
    match vendor {
        Vendor::Huawei => uuid::Uuid::new_v4().simple().to_string(),
        Vendor::Aliyun => uuid::Uuid::new_v4()
            .hyphenated()
            .to_string()
            .to_ascii_uppercase(),
    }
}

fn request_id_header(vendor: Vendor) -> &'static str {
    match vendor {
        Vendor::Huawei => "X-Request-Id",
        Vendor::Aliyun => "x-acs-request-id",
    }
}

/// What authentication made of a request.
struct Authenticated {
    vendor: Vendor,
    request_id: String,
    /// Alibaba parameters (query and form body); empty for Huawei.
    params: Vec<(String, String)>,
    verdict: Verdict,
    operation: Option<String>,
}

impl Authenticated {
    fn v2(&self) -> bool {
        self.verdict.scheme() == Some(Scheme::AliyunV2)
    }
}

fn authenticate(shared: &Shared, req: &Request) -> Authenticated {
    if let Some((vendor, operation)) = credsvc::unsigned_route(req) {
        return unsigned(vendor, operation, Vec::new());
    }
    let vendor = shared
        .route_all_to
        .unwrap_or_else(|| service::vendor_for(req));
    let (params, operation) = match vendor {
        Vendor::Huawei => (
            Vec::new(),
            service::huawei_operation(req).map(str::to_owned),
        ),
        Vendor::Aliyun => {
            let params = auth::aliyun_params(req);
            let operation = service::aliyun_action(req, &params);
            (params, operation)
        }
    };
    if vendor == Vendor::Aliyun && credsvc::is_oidc_action(operation.as_deref()) {
        return unsigned(vendor, credsvc::op::ASSUME_ROLE_WITH_OIDC, params);
    }
    // A temporary key issued by the credential services is verified with its own secret and
    // token, and refused once expired.
    let issued = credsvc::presented_key_id(vendor, req, &params)
        .and_then(|id| shared.credentials.issued_keys(vendor, &id));
    let max_clock_skew = *shared
        .max_clock_skew
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let ctx = AuthContext {
        keys: issued.as_ref().map_or(&shared.keys, |(keys, _)| keys),
        clock: &shared.clock,
        max_clock_skew,
        nonces: &shared.nonces,
        host: &shared.host,
    };
    let verdict = match vendor {
        Vendor::Huawei => auth::verify_huawei(&ctx, req),
        Vendor::Aliyun => auth::verify_aliyun(&ctx, req, &params),
    };
    let verdict = match issued {
        Some((_, expires)) => {
            credsvc::Services::expire(vendor, verdict, expires, shared.clock.now())
        }
        None => verdict,
    };
    Authenticated {
        vendor,
        request_id: new_request_id(vendor),
        params,
        verdict,
        operation,
    }
}

/// A credential-service call that needs no signature.
fn unsigned(vendor: Vendor, operation: &str, params: Vec<(String, String)>) -> Authenticated {
    Authenticated {
        vendor,
        request_id: new_request_id(vendor),
        params,
        verdict: Verdict::Accepted {
            scheme: Scheme::Unsigned,
            signed_headers: Vec::new(),
        },
        operation: Some(operation.to_owned()),
    }
}

/// Answers an authenticated request, applies a fault and records it.
/// Returns the delay to wait, what to send and the request's index in the log.
fn handle(
    shared: &Shared,
    connection: usize,
    req: Request,
    auth: Authenticated,
) -> (Option<Duration>, Outgoing, usize) {
    let accepted = auth.verdict.is_accepted();
    let mut recorded = Recorded {
        index: 0,
        connection,
        method: req.method.clone(),
        path: req.path.clone(),
        raw_query: req.raw_query.clone(),
        headers: req.headers.clone(),
        // A rejected request keeps no body: unauthenticated traffic cannot fill the log.
        body: if accepted {
            req.body.clone()
        } else {
            Vec::new()
        },
        vendor: auth.vendor,
        operation: auth.operation.clone(),
        request_id: auth.request_id.clone(),
        verdict: auth.verdict.clone(),
        status: 0,
        fault: None,
    };
    let (delay, outgoing) = match &auth.verdict {
        Verdict::Rejected {
            status,
            code,
            reason,
            ..
        } => (
            None,
            Outgoing::Send(rejection(shared, &auth, *status, code, reason)),
        ),
        Verdict::Accepted { .. } => {
            let fault = shared.faults.take(auth.vendor, auth.operation.as_deref());
            recorded.fault = fault.as_ref().map(Fault::label);
            let normal = || answer(shared, &auth, &req, &recorded);
            apply_fault(fault, &auth, shared, normal)
        }
    };
    let outgoing = finish(shared, &auth, outgoing);
    recorded.status = match &outgoing {
        Outgoing::Send(r) | Outgoing::Truncate(r) => r.status,
        Outgoing::Stream { .. } => 200,
        Outgoing::Close => 0,
    };
    if shared.log {
        log_line(&recorded);
    }
    let index = shared.requests().push(recorded);
    (delay, outgoing, index)
}

/// The answer of the emulated service (or of the scripted handler) to an accepted request.
fn answer(shared: &Shared, auth: &Authenticated, req: &Request, recorded: &Recorded) -> Reply {
    let ctx = credsvc::Ctx {
        services: &shared.credentials,
        clock: &shared.clock,
        request_id: &auth.request_id,
        host: &shared.host,
    };
    if let Some(reply) = credsvc::answer(
        &ctx,
        auth.vendor,
        auth.operation.as_deref(),
        req,
        &auth.params,
    ) {
        return reply;
    }
    if let Some(handler) = &shared.handler {
        // A panic in a scripted handler must not poison the log.
        return std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handler(recorded)))
            .unwrap_or_else(|_| Reply::json(500, r#"{"error":"the scripted handler panicked"}"#));
    }
    let state = shared.state.read().unwrap_or_else(|e| e.into_inner());
    match auth.vendor {
        Vendor::Huawei => service::huawei(&state, req, &auth.request_id, &shared.host),
        Vendor::Aliyun => service::aliyun(
            &state,
            req,
            &auth.params,
            auth.v2(),
            &auth.request_id,
            &shared.host,
        ),
    }
}

/// What to send for an accepted request given the fault (if any) it met; `normal` is the
/// service's answer.
fn apply_fault(
    fault: Option<Fault>,
    auth: &Authenticated,
    shared: &Shared,
    normal: impl FnOnce() -> Reply,
) -> (Option<Duration>, Outgoing) {
    let outgoing = match fault {
        None => Outgoing::Send(normal()),
        Some(Fault::Reply {
            status,
            headers,
            body,
        }) => Outgoing::Send(Reply {
            status,
            headers,
            body: body.replace("{request_id}", &auth.request_id).into_bytes(),
        }),
        Some(Fault::AliyunError {
            status,
            code,
            message,
            retry_after_millis,
        }) => {
            let xml = service::aliyun_wants_xml(&auth.params, auth.v2());
            let reply =
                service::aliyun_error(status, &code, &message, &auth.request_id, &shared.host, xml);
            Outgoing::Send(match retry_after_millis {
                Some(ms) => reply.with_header("x-acs-retry-after", ms.to_string()),
                None => reply,
            })
        }
        Some(Fault::Delay { millis }) => {
            return (
                Some(Duration::from_millis(millis)),
                Outgoing::Send(normal()),
            );
        }
        Some(Fault::CloseBeforeResponse) => Outgoing::Close,
        Some(Fault::TruncatedBody) => Outgoing::Truncate(normal()),
        Some(Fault::Oversized { bytes, chunked }) => Outgoing::Stream {
            headers: vec![(
                "Content-Type".into(),
                "application/json;charset=UTF-8".into(),
            )],
            bytes,
            chunked,
        },
        Some(Fault::WrongContentType {
            content_type,
            html_body,
        }) => {
            let mut reply = normal().without_header("Content-Type");
            if html_body {
                reply.status = 200;
                reply.body = crate::faults::HUAWEI_503_HTML
                    .replace("503 Service Temporarily Unavailable", "Welcome")
                    .into_bytes();
            }
            Outgoing::Send(reply.with_header("Content-Type", content_type))
        }
    };
    (None, outgoing)
}

/// Adds the vendor's request-id header and `Date` unless the answer has them.
fn finish(shared: &Shared, auth: &Authenticated, outgoing: Outgoing) -> Outgoing {
    let now = http_date(shared.clock.now());
    let id_header = request_id_header(auth.vendor);
    let complete = |mut headers: Vec<(String, String)>| {
        if !headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(id_header))
        {
            headers.push((id_header.to_owned(), auth.request_id.clone()));
        }
        if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("date")) {
            headers.push(("Date".to_owned(), now.clone()));
        }
        headers
    };
    match outgoing {
        Outgoing::Send(mut r) => {
            r.headers = complete(r.headers);
            Outgoing::Send(r)
        }
        Outgoing::Truncate(mut r) => {
            r.headers = complete(r.headers);
            Outgoing::Truncate(r)
        }
        Outgoing::Stream {
            headers,
            bytes,
            chunked,
        } => Outgoing::Stream {
            headers: complete(headers),
            bytes,
            chunked,
        },
        Outgoing::Close => Outgoing::Close,
    }
}

/// One line per request on stderr: never a query, header or body, so never a secret.
fn log_line(recorded: &Recorded) {
    eprintln!(
        "{} {} {} {} -> {} {}{} request_id={}",
        match recorded.vendor {
            Vendor::Huawei => "huawei",
            Vendor::Aliyun => "aliyun",
        },
        recorded.operation.as_deref().unwrap_or("-"),
        recorded.method,
        recorded.path,
        recorded.status,
        recorded.verdict.rejection_code().unwrap_or(""),
        recorded
            .fault
            .as_deref()
            .map(|f| format!(" fault={f}"))
            .unwrap_or_default(),
        recorded.request_id,
    );
}

/// The error body a gateway writes for a refused request.
fn rejection(
    shared: &Shared,
    auth: &Authenticated,
    status: u16,
    code: &str,
    reason: &str,
) -> Reply {
    let message = public_reason(reason);
    match auth.vendor {
        Vendor::Huawei => {
            let message = if code == "APIGW.0301" {
                format!("Incorrect IAM authentication information: {message}")
            } else {
                message.to_owned()
            };
            service::huawei_error(status, code, &message, &auth.request_id)
        }
        Vendor::Aliyun => {
            let xml = service::aliyun_wants_xml(&auth.params, auth.v2());
            service::aliyun_error(status, code, message, &auth.request_id, &shared.host, xml)
        }
    }
}
