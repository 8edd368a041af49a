//! The listener, per-connection loop, dispatch and the [`Emulator`] handle.

use std::collections::HashSet;
use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use crate::auth::{self, AuthContext, Keys, Scheme, Verdict, public_reason};
use crate::clock::{Clock, http_date};
use crate::faults::{Fault, FaultRule, Faults, Vendor};
use crate::http::{Request, read_request, response_head, write_padding};
use crate::reply::{Recorded, Reply, Streamed};
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

    /// Binds the listener and starts serving on the current Tokio runtime.
    pub async fn start(self) -> std::io::Result<Emulator> {
        self.state
            .validate()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()))?;
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
            requests: Mutex::new(Vec::new()),
            streams: Mutex::new(Vec::new()),
            nonces: Mutex::new(HashSet::new()),
            connections: AtomicUsize::new(0),
            log: self.log,
        });
        let task_shared = shared.clone();
        let task = tokio::spawn(async move {
            // Connection tasks live in this set: aborting the accept task drops (and aborts)
            // them too.
            let mut connections = JoinSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        let id = task_shared.connections.fetch_add(1, Ordering::SeqCst);
                        let shared = task_shared.clone();
                        connections.spawn(async move {
                            let _ = serve_connection(stream, id, shared).await;
                        });
                    }
                    Some(_) = connections.join_next(), if !connections.is_empty() => {}
                }
            }
        });
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

    /// `http://127.0.0.1:<port>`: the endpoint (and IAM endpoint) to give clients.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
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

    /// The fault queue, to push faults at runtime.
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.requests().clone()
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

    /// How many requests were received.
    pub fn request_count(&self) -> usize {
        self.shared.requests().len()
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
    requests: Mutex<Vec<Recorded>>,
    streams: Mutex<Vec<Streamed>>,
    nonces: Mutex<HashSet<String>>,
    connections: AtomicUsize,
    log: bool,
}

impl Shared {
    fn requests(&self) -> MutexGuard<'_, Vec<Recorded>> {
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

async fn serve_connection(
    mut stream: TcpStream,
    connection: usize,
    shared: Arc<Shared>,
) -> std::io::Result<()> {
    let _ = stream.set_nodelay(true);
    let mut buf: Vec<u8> = Vec::new();
    loop {
        let Some(req) = read_request(&mut stream, &mut buf).await? else {
            return Ok(());
        };
        let keep_alive = req.keep_alive;
        let http10 = req.version == "HTTP/1.0";
        let (delay, outgoing, index) = handle(&shared, connection, req);
        if let Some(d) = delay {
            tokio::time::sleep(d).await;
        }
        let connection_line = |keep: bool| -> Vec<String> {
            if !keep {
                vec!["Connection: close".into()]
            } else if http10 {
                vec!["Connection: keep-alive".into()]
            } else {
                Vec::new()
            }
        };
        match outgoing {
            Outgoing::Send(reply) => {
                let mut extra = vec![format!("Content-Length: {}", reply.body.len())];
                extra.extend(connection_line(keep_alive));
                let mut out = response_head(reply.status, &reply.headers, &extra).into_bytes();
                out.extend_from_slice(&reply.body);
                stream.write_all(&out).await?;
                stream.flush().await?;
            }
            Outgoing::Close => {
                let _ = stream.shutdown().await;
                return Ok(());
            }
            Outgoing::Truncate(reply) => {
                let declared = reply.body.len().max(1);
                let sent = reply.body.len() / 2;
                let mut extra = vec![format!("Content-Length: {declared}")];
                extra.extend(connection_line(false));
                let mut out = response_head(reply.status, &reply.headers, &extra).into_bytes();
                out.extend_from_slice(&reply.body[..sent]);
                stream.write_all(&out).await?;
                stream.flush().await?;
                let _ = stream.shutdown().await;
                return Ok(());
            }
            Outgoing::Stream {
                headers,
                bytes,
                chunked,
            } => {
                let mut extra = vec![if chunked {
                    "Transfer-Encoding: chunked".to_owned()
                } else {
                    format!("Content-Length: {bytes}")
                }];
                extra.extend(connection_line(false));
                let mut sent = 0;
                let written = match stream
                    .write_all(response_head(200, &headers, &extra).as_bytes())
                    .await
                {
                    Ok(()) => write_padding(&mut stream, bytes, chunked, &mut sent).await,
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
                written?;
                let _ = stream.shutdown().await;
                return Ok(());
            }
        }
        if !keep_alive {
            let _ = stream.shutdown().await;
            return Ok(());
        }
    }
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

/// Authenticates, answers, applies a fault and records one request.
/// Returns the delay to wait, what to send and the request's index in the log.
fn handle(shared: &Shared, connection: usize, req: Request) -> (Option<Duration>, Outgoing, usize) {
    let vendor = shared
        .route_all_to
        .unwrap_or_else(|| service::vendor_for(&req));
    let request_id = new_request_id(vendor);
    let max_clock_skew = *shared
        .max_clock_skew
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let ctx = AuthContext {
        keys: &shared.keys,
        clock: &shared.clock,
        max_clock_skew,
        nonces: &shared.nonces,
        host: &shared.host,
    };
    let params = match vendor {
        Vendor::Aliyun => auth::aliyun_params(&req),
        Vendor::Huawei => Vec::new(),
    };
    let (verdict, operation) = match vendor {
        Vendor::Huawei => (
            auth::verify_huawei(&ctx, &req),
            service::huawei_operation(&req).map(str::to_owned),
        ),
        Vendor::Aliyun => (
            auth::verify_aliyun(&ctx, &req, &params),
            service::aliyun_action(&req, &params),
        ),
    };
    let mut recorded = Recorded {
        index: 0,
        connection,
        method: req.method.clone(),
        path: req.path.clone(),
        raw_query: req.raw_query.clone(),
        headers: req.headers.clone(),
        body: req.body.clone(),
        vendor,
        operation,
        request_id: request_id.clone(),
        verdict,
        status: 0,
        fault: None,
    };
    let v2 = recorded.verdict.scheme() == Some(Scheme::AliyunV2);

    let mut delay = None;
    let outgoing = match &recorded.verdict {
        Verdict::Rejected {
            status,
            code,
            reason,
            ..
        } => Outgoing::Send(rejection(
            vendor,
            *status,
            code,
            reason,
            &request_id,
            &shared.host,
            &params,
            v2,
        )),
        Verdict::Accepted { .. } => {
            let fault = shared.faults.take(vendor, recorded.operation.as_deref());
            recorded.fault = fault.as_ref().map(Fault::label);
            let normal = || -> Reply {
                match &shared.handler {
                    Some(handler) => {
                        // A panic in a scripted handler must not poison the log.
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            handler(&recorded)
                        }))
                        .unwrap_or_else(|_| {
                            Reply::json(500, r#"{"error":"the scripted handler panicked"}"#)
                        })
                    }
                    None => {
                        let state = shared.state.read().unwrap_or_else(|e| e.into_inner());
                        match vendor {
                            Vendor::Huawei => {
                                service::huawei(&state, &req, &request_id, &shared.host)
                            }
                            Vendor::Aliyun => service::aliyun(
                                &state,
                                &req,
                                &params,
                                v2,
                                &request_id,
                                &shared.host,
                            ),
                        }
                    }
                }
            };
            match fault {
                None => Outgoing::Send(normal()),
                Some(Fault::Reply {
                    status,
                    headers,
                    body,
                }) => Outgoing::Send(Reply {
                    status,
                    headers,
                    body: body.replace("{request_id}", &request_id).into_bytes(),
                }),
                Some(Fault::AliyunError {
                    status,
                    code,
                    message,
                    retry_after_millis,
                }) => {
                    let xml = service::aliyun_wants_xml(&params, v2);
                    let mut reply = service::aliyun_error(
                        status,
                        &code,
                        &message,
                        &request_id,
                        &shared.host,
                        xml,
                    );
                    if let Some(ms) = retry_after_millis {
                        reply = reply.with_header("x-acs-retry-after", ms.to_string());
                    }
                    Outgoing::Send(reply)
                }
                Some(Fault::Delay { millis }) => {
                    delay = Some(Duration::from_millis(millis));
                    Outgoing::Send(normal())
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
            }
        }
    };
    let now = http_date(shared.clock.now());
    let id_header = request_id_header(vendor);
    let finish = |mut headers: Vec<(String, String)>| {
        if !headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(id_header))
        {
            headers.push((id_header.to_owned(), request_id.clone()));
        }
        if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("date")) {
            headers.push(("Date".to_owned(), now.clone()));
        }
        headers
    };
    let outgoing = match outgoing {
        Outgoing::Send(mut r) => {
            r.headers = finish(r.headers);
            recorded.status = r.status;
            Outgoing::Send(r)
        }
        Outgoing::Truncate(mut r) => {
            r.headers = finish(r.headers);
            recorded.status = r.status;
            Outgoing::Truncate(r)
        }
        Outgoing::Stream {
            headers,
            bytes,
            chunked,
        } => {
            recorded.status = 200;
            Outgoing::Stream {
                headers: finish(headers),
                bytes,
                chunked,
            }
        }
        Outgoing::Close => Outgoing::Close,
    };
    if shared.log {
        eprintln!(
            "{} {} {} {} -> {} {}{} request_id={}",
            match vendor {
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
    let mut log = shared.requests();
    let index = log.len();
    recorded.index = index;
    log.push(recorded);
    (delay, outgoing, index)
}

/// The error body a gateway writes for a refused request.
#[allow(clippy::too_many_arguments)]
fn rejection(
    vendor: Vendor,
    status: u16,
    code: &str,
    reason: &str,
    request_id: &str,
    host: &str,
    params: &[(String, String)],
    v2: bool,
) -> Reply {
    let message = public_reason(reason);
    match vendor {
        Vendor::Huawei => {
            let message = if code == "APIGW.0301" {
                format!("Incorrect IAM authentication information: {message}")
            } else {
                message.to_owned()
            };
            service::huawei_error(status, code, &message, request_id)
        }
        Vendor::Aliyun => {
            let xml = service::aliyun_wants_xml(params, v2);
            service::aliyun_error(status, code, message, request_id, host, xml)
        }
    }
}
