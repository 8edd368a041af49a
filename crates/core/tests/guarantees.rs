//! The four guarantees of the README, each at the lowest level that proves it:
//!
//! 1. one deadline (the operation timeout) covers the whole `send`: credential resolution,
//!    project-id discovery, attempts and backoff; concurrent first calls share ONE project-id
//!    lookup and its failure;
//! 2. a security token echoed by any response (even an undecodable 2xx page) never reaches an
//!    error's `Display`, `Debug` or raw body;
//! 3. a connect timeout reports the connect limit;
//! 4. `Display` of a dispatch failure ends with the innermost cause (DNS, untrusted certificate,
//!    refused proxy tunnel), `source()` keeps the chain.
//!
//! 1 and 2 run in memory (the replay client, tokio's paused clock); 3 and 4 need reqwest and a
//! loopback socket.

mod common;
use common::Route;

use std::sync::Arc;
use std::time::Duration;

use cloudsdk_core::credentials::{ProvideCredentials, ProvideFuture};
use cloudsdk_core::error::{SdkError, TimeoutKind};
use cloudsdk_core::huawei::{HuaweiClient, HuaweiClientBuilder, RestRequest, ServiceInfo};
use cloudsdk_core::{Credentials, RetryConfig};
use common::{FakeError, Reply, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

static VPC: ServiceInfo = ServiceInfo {
    endpoint_template: "https://vpc.{region}.myhuaweicloud.com",
    crate_name: "huawei-vpc-v3",
    crate_version: "0.0.1",
};

const PROJECTS: &str = r#"{"projects":[{"id":"0605767b5280d57e2f6ec014d9c0a2b7"}]}"#;

fn show() -> RestRequest {
    RestRequest::new("ShowSecurityGroup", "GET")
        .literal("/v3/")
        .project_id()
        .literal("/vpc/security-groups/")
        .path_param("security_group_id", "sg-1")
}

async fn send(client: &HuaweiClient) -> Result<serde_json::Value, SdkError<FakeError>> {
    client.send::<serde_json::Value, FakeError>(show()).await
}

fn assert_operation_timeout(err: &SdkError<FakeError>, limit: Duration) {
    match err {
        SdkError::Timeout(t) => {
            assert_eq!(t.kind(), TimeoutKind::Operation, "{err}");
            assert_eq!(t.limit(), limit);
        }
        other => panic!("expected an operation timeout, got {other:?}"),
    }
}

#[derive(Debug)]
struct SlowProvider(Duration);

impl ProvideCredentials for SlowProvider {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        Box::pin(async move {
            tokio::time::sleep(self.0).await;
            Ok(Credentials::new("AK", "SK"))
        })
    }
}

// ------------------------------------------------------------------------------------------
// 1. One deadline over the whole operation
// ------------------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn operation_timeout_covers_credential_resolution() {
    let vpc = Server::sequence(vec![Reply::json(200, "{}")]).await;
    let client = HuaweiClientBuilder::new(&VPC)
        .region("cn-north-4")
        .via(&vpc)
        .project_id("p1")
        .credentials_provider(SlowProvider(Duration::from_secs(5)))
        .operation_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let started = tokio::time::Instant::now();
    let err = send(&client).await.unwrap_err();
    assert_operation_timeout(&err, Duration::from_secs(1));
    assert!(
        started.elapsed() < Duration::from_millis(1100),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(vpc.count(), 0);
}

#[tokio::test(start_paused = true)]
async fn operation_timeout_covers_project_id_discovery() {
    // IAM takes 1.5 s, the call 1.5 s: 3 s in all, over a 2 s limit.
    let iam = Server::sequence(vec![
        Reply::json(200, PROJECTS).delayed(Duration::from_millis(1500)),
    ])
    .await;
    let vpc = Server::sequence(vec![
        Reply::json(200, "{}").delayed(Duration::from_millis(1500)),
    ])
    .await;
    let client = HuaweiClientBuilder::new(&VPC)
        .region("cn-north-4")
        .via(&vpc)
        .iam_endpoint(iam.url())
        .credentials(Credentials::new("AK", "SK"))
        .operation_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let started = tokio::time::Instant::now();
    let err = send(&client).await.unwrap_err();
    assert_operation_timeout(&err, Duration::from_secs(2));
    assert!(
        started.elapsed() < Duration::from_millis(2100),
        "{:?}",
        started.elapsed()
    );
    assert_eq!((iam.count(), vpc.count()), (1, 1));
}

#[tokio::test(start_paused = true)]
async fn concurrent_first_calls_share_one_failed_discovery() {
    // IAM is down: it answers 503 after 400 ms. 20 calls start at once.
    let iam = Server::sequence(vec![
        Reply::json(503, r#"{"error_code":"IAM.0001","error_msg":"down"}"#)
            .delayed(Duration::from_millis(400)),
    ])
    .await;
    let vpc = Server::sequence(vec![Reply::json(200, "{}")]).await;
    let client = HuaweiClientBuilder::new(&VPC)
        .region("cn-north-4")
        .via(&vpc)
        .iam_endpoint(iam.url())
        .credentials(Credentials::new("AK", "SK"))
        .retry_config(RetryConfig::disabled())
        .operation_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let started = tokio::time::Instant::now();
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { send(&client).await })
        })
        .collect();
    for call in calls {
        let err = call.await.unwrap().unwrap_err();
        assert!(
            matches!(&err, SdkError::Construction(c) if c.parameter() == "project_id"),
            "{err:?}"
        );
        assert!(err.to_string().contains("IAM.0001"), "{err}");
    }
    assert_eq!(iam.count(), 1, "the 20 waiters share one lookup");
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(vpc.count(), 0);
    // A later call looks up again (a failure is not cached for good).
    let _ = send(&client).await;
    assert_eq!(iam.count(), 2);
}

// ------------------------------------------------------------------------------------------
// 2. Redaction of every response that reaches an error
// ------------------------------------------------------------------------------------------

#[tokio::test]
async fn token_echoed_in_an_undecodable_2xx_page_is_redacted() {
    const TOKEN: &str = "STS/token+with=chars";
    let page = format!(
        "<html><body>Gateway echo: X-Security-Token: {TOKEN} q=STS%2Ftoken%2Bwith%3Dchars</body></html>"
    );
    let vpc = Server::sequence(vec![
        Reply::raw(200, "text/html", &page).with_header("X-Echo", TOKEN),
    ])
    .await;
    let client = HuaweiClientBuilder::new(&VPC)
        .region("cn-north-4")
        .via(&vpc)
        .project_id("p1")
        .credentials(Credentials::new("AK", "SK").with_security_token(TOKEN))
        .build()
        .unwrap();
    let err = send(&client).await.unwrap_err();
    assert!(matches!(err, SdkError::Response(_)), "{err:?}");
    let raw = err.raw_response().unwrap();
    let shown = [
        err.to_string(),
        format!("{err:?}"),
        raw.body_text(),
        format!("{:?}", raw.headers()),
    ];
    for text in shown {
        assert!(!text.contains(TOKEN), "{text}");
        assert!(!text.contains("STS%2Ftoken"), "{text}");
    }
    assert!(raw.body_text().contains("X-Security-Token: ***"));
    assert_eq!(raw.header("x-echo"), Some("***"));
}

// ------------------------------------------------------------------------------------------
// 3. A connect timeout reports the connect limit (reqwest over loopback)
// ------------------------------------------------------------------------------------------

#[tokio::test]
async fn connect_timeout_reports_the_connect_limit() {
    // A listener with a backlog of 1 that never accepts: once its queue is full, the kernel
    // drops further SYNs and a connect hangs.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(1).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..8 {
        match tokio::time::timeout(
            Duration::from_millis(200),
            tokio::net::TcpStream::connect(addr),
        )
        .await
        {
            Ok(Ok(s)) => fillers.push(s),
            _ => break,
        }
    }
    let client = HuaweiClientBuilder::new(&VPC)
        .region("cn-north-4")
        .endpoint(format!("http://{addr}"))
        .project_id("p1")
        .credentials(Credentials::new("AK", "SK"))
        .connect_timeout(Duration::from_millis(300))
        .attempt_timeout(Duration::from_secs(20))
        .retry_config(RetryConfig::disabled())
        .build()
        .unwrap();
    let err = send(&client).await.unwrap_err();
    match &err {
        SdkError::Timeout(t) => {
            assert_eq!(t.kind(), TimeoutKind::Connect, "{err}");
            assert_eq!(t.limit(), Duration::from_millis(300), "{err}");
        }
        other => panic!("expected a connect timeout, got {other:?}"),
    }
    drop(listener);
}

// ------------------------------------------------------------------------------------------
// 4. Display ends with the innermost cause (reqwest over loopback)
// ------------------------------------------------------------------------------------------

fn innermost(err: &(dyn std::error::Error + 'static)) -> String {
    let mut e = err;
    while let Some(next) = e.source() {
        e = next;
    }
    e.to_string()
}

fn assert_dispatch_ends_with_cause(err: &SdkError<FakeError>, expected: &str) {
    assert!(matches!(err, SdkError::Dispatch(_)), "{err:?}");
    let text = err.to_string();
    assert!(text.contains(expected), "{text}");
    let cause = innermost(err);
    assert!(text.ends_with(&cause), "{text:?} should end with {cause:?}");
}

#[tokio::test]
async fn dns_failure_shows_the_resolver_error() {
    // `.invalid` never resolves (RFC 6761).
    let client = HuaweiClientBuilder::new(&VPC)
        .region("cn-north-4")
        .endpoint("http://cloudsdk-test.invalid")
        .project_id("p1")
        .credentials(Credentials::new("AK", "SK"))
        .retry_config(RetryConfig::disabled())
        .build()
        .unwrap();
    let err = send(&client).await.unwrap_err();
    assert_dispatch_ends_with_cause(&err, "dns error");
}

#[tokio::test]
async fn untrusted_certificate_shows_the_tls_error() {
    use tokio_rustls::rustls;
    let cert = rustls::pki_types::CertificateDer::from(
        include_bytes!("fixtures/self_signed_cert.der").to_vec(),
    );
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(
        include_bytes!("fixtures/self_signed_key.der")
            .to_vec()
            .into(),
    );
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let _ = acceptor.accept(stream).await;
        }
    });
    let client = HuaweiClientBuilder::new(&VPC)
        .region("cn-north-4")
        .endpoint(format!("https://{addr}"))
        .project_id("p1")
        .credentials(Credentials::new("AK", "SK"))
        .retry_config(RetryConfig::disabled())
        .build()
        .unwrap();
    let err = send(&client).await.unwrap_err();
    server.abort();
    assert_dispatch_ends_with_cause(&err, "invalid peer certificate: UnknownIssuer");
}

#[tokio::test]
async fn refused_proxy_tunnel_shows_the_proxy_answer_with_a_custom_reqwest_client() {
    // A proxy that refuses every CONNECT with 403.
    let proxy = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_addr = proxy.local_addr().unwrap();
    let server = tokio::spawn(async move {
        while let Ok((mut stream, _)) = proxy.accept().await {
            let mut buf = [0u8; 1024];
            let _ = stream.read(&mut buf).await;
            let _ = stream
                .write_all(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n")
                .await;
        }
    });
    let http = reqwest::Client::builder()
        .proxy(reqwest::Proxy::https(format!("http://{proxy_addr}")).unwrap())
        .build()
        .unwrap();
    let client = HuaweiClientBuilder::new(&VPC)
        .region("cn-north-4")
        .endpoint("https://vpc.cloudsdk-test.invalid")
        .project_id("p1")
        .credentials(Credentials::new("AK", "SK"))
        .retry_config(RetryConfig::disabled())
        .http_client(http)
        .build()
        .unwrap();
    let err = send(&client).await.unwrap_err();
    server.abort();
    let text = err.to_string();
    assert!(text.contains("403") || text.contains("tunnel"), "{text}");
    assert_dispatch_ends_with_cause(&err, "");
}
