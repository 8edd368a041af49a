//! A signature-verifying HTTP/1.1 gateway on `127.0.0.1`, for end-to-end tests of the generated
//! clients with scripted answers.
//!
//! [`VerifyingServer`] is a thin wrapper over [`cloudsdk_emulator::Emulator`] in scripted mode:
//! the emulator listens on an ephemeral loopback port, **authenticates every request the way the
//! vendor's gateway does** (recomputing the signature with the core's signers from the bytes it
//! received), records it, and only then hands it to the scripted handler given here, which picks
//! the answer. Every request is handled as the chosen [`Gateway`]'s, whatever its path. Nothing
//! of `cloudsdk-core` or of the generated crates is mocked: the client under test talks real
//! HTTP over TCP.
//!
//! What is verified, the vendor error bodies, the request-id headers and the HTTP support are
//! the emulator's; see the `cloudsdk_emulator` crate docs. Rejected requests never reach the
//! handler. Every request that got as far as a complete HTTP head is [`Recorded`], accepted or
//! not; [`VerifyingServer::requests`] returns them in arrival order and
//! [`VerifyingServer::connection_count`] tells how many TCP connections were accepted.
//!
//! For answers from emulated resources instead of a script, use
//! [`cloudsdk_emulator::Emulator`] directly.
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

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

pub use cloudsdk_emulator::{DEFAULT_MAX_CLOCK_SKEW, Keys, Recorded, Reply, Scheme, Verdict};
use cloudsdk_emulator::{Emulator, State, Vendor};

/// Which vendor's gateway the server emulates.
pub type Gateway = Vendor;

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
            handler: Arc::new(move |_: &Recorded| Reply::unknown_api(gateway)),
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
        let handler = self.handler;
        let emulator = Emulator::builder()
            .keys(self.keys)
            .state(State::empty())
            .max_clock_skew(self.max_clock_skew)
            .route_all_to(self.gateway)
            .handler(move |r| handler(r))
            .start()
            .await
            .expect("bind 127.0.0.1:0");
        VerifyingServer {
            gateway: self.gateway,
            emulator,
        }
    }
}

/// A signature-verifying loopback server; see the [crate docs](crate). Dropping it stops the
/// server and closes its connections.
pub struct VerifyingServer {
    gateway: Gateway,
    emulator: Emulator,
}

impl fmt::Debug for VerifyingServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingServer")
            .field("addr", &self.emulator.addr())
            .field("gateway", &self.gateway)
            .field("requests", &self.request_count())
            .finish_non_exhaustive()
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
        self.emulator.endpoint()
    }

    /// `127.0.0.1:<port>`: the `Host` header clients send.
    pub fn host(&self) -> String {
        self.emulator.host()
    }

    /// The bound address.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.emulator.addr()
    }

    /// The underlying emulator (faults, clock).
    pub fn emulator(&self) -> &Emulator {
        &self.emulator
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.emulator.requests()
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
        self.emulator.request_count()
    }

    /// How many TCP connections were accepted.
    pub fn connection_count(&self) -> usize {
        self.emulator.connection_count()
    }
}

// ---------------------------------------------------------------------------------------------
// Spec examples
// ---------------------------------------------------------------------------------------------

/// The text of an example payload of the specs: `specs/examples/<service>/<file>` of this
/// workspace (e.g. `read_spec_example("huawei-vpc-v3", "doc_example.json")`).
///
/// # Panics
///
/// When the file cannot be read.
pub fn read_spec_example(service: &str, file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../specs/examples")
        .join(service)
        .join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The README's code examples, compiled as doctests so they cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeExamples;
