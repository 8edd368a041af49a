//! Captures every tracing event and span at TRACE level during full request / retry / error
//! cycles and checks that no secret, token or signature is ever logged; and that the SDK
//! records its fields in its own spans only.

mod common;
use common::Route;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cloudsdk_core::Credentials;
use cloudsdk_core::aliyun::{AliyunClientBuilder, RpcRequest, SignatureAlgorithm};
use cloudsdk_core::huawei::{HuaweiClientBuilder, RestRequest};
use common::{FakeError, Reply, Server, closed_port, fast_retry};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;

const SECRET: &str = "SuperSecretKey/Value+0001";
const TOKEN: &str = "SecurityTokenValue/0002+==";

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

static HW: cloudsdk_core::huawei::ServiceInfo = cloudsdk_core::huawei::ServiceInfo {
    endpoint_template: "https://vpc.{region}.myhuaweicloud.com",
    crate_name: "huawei-vpc-v3",
    crate_version: "0.1.0",
};

static ALI: cloudsdk_core::aliyun::ServiceInfo = cloudsdk_core::aliyun::ServiceInfo {
    product: "Ecs",
    version: "2014-05-26",
    endpoint_rule: "ecs{network}.{region}.aliyuncs.com",
    endpoint_map: &[],
    crate_name: "aliyun-ecs",
    crate_version: "0.1.0",
};

fn signature_of(authorization: &str) -> String {
    authorization
        .rsplit("Signature=")
        .next()
        .unwrap()
        .to_owned()
}

/// An Alibaba server that answers 503 `ServiceUnavailable`, then 200, and a client of it with
/// `credentials` and up to `attempts` attempts.
async fn alibaba_busy_then_ok(
    credentials: Credentials,
    attempts: u32,
) -> (Server, cloudsdk_core::aliyun::AliyunClient) {
    let server = Server::sequence(vec![
        Reply::json(
            503,
            r#"{"Code":"ServiceUnavailable","Message":"busy","RequestId":"r1"}"#,
        ),
        Reply::json(200, r#"{"RequestId":"r2"}"#),
    ])
    .await;
    let client = AliyunClientBuilder::new(&ALI)
        .region("cn-beijing")
        .via(&server)
        .credentials(credentials)
        .retry_config(fast_retry(attempts))
        .build()
        .unwrap();
    (server, client)
}

#[tokio::test]
async fn nothing_secret_is_logged_at_trace_level() {
    let buffer = Buffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::FULL)
        .with_ansi(false)
        .with_writer(buffer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let creds = Credentials::new("AKIDVISIBLE", SECRET).with_security_token(TOKEN);

    // Huawei: IAM discovery, then 429, 500, 404 (three attempts, final service error).
    let iam = Server::sequence(vec![Reply::json(
        200,
        r#"{"projects":[{"id":"proj1","name":"cn-north-4"}]}"#,
    )])
    .await;
    let vpc = Server::sequence(vec![
        Reply::json(
            429,
            r#"{"error_code":"APIGW.0308","error_msg":"throttled"}"#,
        ),
        Reply::json(
            500,
            r#"{"error_code":"VPC.9999","error_msg":"System error"}"#,
        ),
        Reply::json(404, r#"{"error_code":"VPC.0602","error_msg":"not found"}"#)
            .with_header("X-Request-Id", "rid-404"),
    ])
    .await;
    let hw = HuaweiClientBuilder::new(&HW)
        .region("cn-north-4")
        .via(&vpc)
        .iam_endpoint(iam.url())
        .credentials(creds.clone())
        .retry_config(fast_retry(3))
        .build()
        .unwrap();
    let req = RestRequest::new("ShowSecurityGroup", "GET")
        .literal("/v3/")
        .project_id()
        .literal("/vpc/security-groups/")
        .path_param("security_group_id", "sg-1");
    let err = hw
        .send::<serde_json::Value, FakeError>(req)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("VPC.0602"));

    // Alibaba V3 with STS: 503 then 200.
    let (ecs, ali) = alibaba_busy_then_ok(creds.clone(), 3).await;
    let rpc = || {
        RpcRequest::new("DescribeSecurityGroupReferences")
            .param("RegionId", "cn-beijing")
            .param_list("SecurityGroupId", ["sg-1", "sg-2"])
    };
    ali.send::<serde_json::Value, FakeError>(rpc())
        .await
        .unwrap();

    // Alibaba V2 with STS: the token and the signature travel in the query.
    let ecs2 = Server::sequence(vec![
        Reply::json(
            400,
            r#"{"Code":"Throttling.User","Message":"slow down","RequestId":"r3"}"#,
        ),
        Reply::json(200, r#"{"RequestId":"r4"}"#),
    ])
    .await;
    let ali2 = AliyunClientBuilder::new(&ALI)
        .region("cn-beijing")
        .via(&ecs2)
        .signature_algorithm(SignatureAlgorithm::V2)
        .credentials(creds.clone())
        .retry_config(fast_retry(3))
        .build()
        .unwrap();
    ali2.send::<serde_json::Value, FakeError>(rpc())
        .await
        .unwrap();

    // Transport failure and timeout.
    let closed = closed_port().await;
    let ali3 = AliyunClientBuilder::new(&ALI)
        .region("cn-beijing")
        .endpoint(format!("http://{closed}"))
        .signature_algorithm(SignatureAlgorithm::V2)
        .credentials(creds.clone())
        .retry_config(fast_retry(2))
        .build()
        .unwrap();
    assert!(
        ali3.send::<serde_json::Value, FakeError>(rpc())
            .await
            .is_err()
    );
    let slow = Server::sequence(vec![Reply::json(200, "{}").delayed(Duration::from_secs(2))]).await;
    let ali4 = AliyunClientBuilder::new(&ALI)
        .region("cn-beijing")
        .via(&slow)
        .signature_algorithm(SignatureAlgorithm::V2)
        .credentials(creds.clone())
        .attempt_timeout(Duration::from_millis(100))
        .max_attempts(1)
        .build()
        .unwrap();
    assert!(
        ali4.send::<serde_json::Value, FakeError>(rpc())
            .await
            .is_err()
    );

    // Collect every signature that went on the wire.
    let mut forbidden: Vec<String> = vec![SECRET.into(), TOKEN.into()];
    for r in iam
        .requests()
        .iter()
        .chain(vpc.requests().iter())
        .chain(ecs.requests().iter())
    {
        let auth = r.header("authorization").unwrap();
        forbidden.push(auth.to_owned());
        forbidden.push(signature_of(auth));
    }
    for r in ecs2.requests().iter().chain(slow.requests().iter()) {
        for (k, v) in r.query_pairs() {
            if k == "Signature" || k == "SecurityToken" {
                forbidden.push(v.clone());
                forbidden.push(common::decode(&v));
            }
        }
    }
    // Percent-encoded forms of the token and secret as well.
    forbidden.push(cloudsdk_core::sign::encode::percent_encode(TOKEN));
    // The V2 string to sign encodes the canonical query (and so the token) a second time.
    forbidden.push(cloudsdk_core::sign::encode::percent_encode(
        &cloudsdk_core::sign::encode::percent_encode(TOKEN),
    ));
    forbidden.push(cloudsdk_core::sign::encode::percent_encode(SECRET));
    assert!(forbidden.len() > 10);

    let log = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    if std::env::var("SHOW_LOG").is_ok() {
        eprintln!("{log}");
    }
    assert!(!log.is_empty());
    for f in &forbidden {
        assert!(!log.contains(f.as_str()), "log contains {f:?}:\n{log}");
    }
    // The log is still useful.
    for needle in [
        "operation",
        "ShowSecurityGroup",
        "DescribeSecurityGroupReferences",
        "KeystoneListProjects",
        "attempt",
        "retrying",
        "APIGW.0308",
        "VPC.0602",
        "rid-404",
        "Throttling.User",
        "authorization",
        "dispatch failure",
        "timed out",
        // Signer intermediates, for comparing with a gateway's on a signature mismatch.
        "canonical_request",
        "string_to_sign",
        "string_to_sign=SDK-HMAC-SHA256",
        "string_to_sign=ACS3-HMAC-SHA256",
        "string_to_sign=POST&%2F&",
    ] {
        assert!(log.contains(needle), "log lacks {needle:?}:\n{log}");
    }
}

/// The clock-skew correction cycle (expired timestamp, learnt offset, corrected retry), a
/// credentials refusal and an echoed token in an error body log nothing secret either.
#[tokio::test]
async fn clock_skew_refusals_and_echoed_tokens_log_no_secret() {
    let buffer = Buffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::FULL)
        .with_ansi(false)
        .with_writer(buffer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let creds = Credentials::new("AKIDVISIBLE", SECRET).with_security_token(TOKEN);

    // Alibaba: InvalidTimeStamp.Expired with a Date header, then an error that echoes the
    // token in every form a gateway could use.
    let echoed = format!(
        r#"{{"Code":"SignatureDoesNotMatch","Message":"raw {TOKEN} once {} twice {}","RequestId":"r-echo"}}"#,
        cloudsdk_core::sign::encode::percent_encode(TOKEN),
        cloudsdk_core::sign::encode::percent_encode(&cloudsdk_core::sign::encode::percent_encode(
            TOKEN
        )),
    );
    let ecs = Server::sequence(vec![
        Reply::json(
            400,
            r#"{"Code":"InvalidTimeStamp.Expired","Message":"Specified time stamp or date value is expired.","RequestId":"r-exp"}"#,
        )
        .with_header("Date", "Sun, 06 Nov 1994 08:49:37 GMT"),
        Reply::json(400, &echoed),
    ])
    .await;
    let ali = AliyunClientBuilder::new(&ALI)
        .region("cn-beijing")
        .via(&ecs)
        .signature_algorithm(SignatureAlgorithm::V2)
        .credentials(creds.clone())
        .retry_config(fast_retry(1))
        .build()
        .unwrap();
    let err = ali
        .send::<serde_json::Value, FakeError>(
            RpcRequest::new("DescribeSecurityGroupReferences").param("RegionId", "cn-beijing"),
        )
        .await
        .unwrap_err();
    assert_eq!(ecs.count(), 2, "the corrected retry was sent");
    assert_eq!(err.code(), Some("SignatureDoesNotMatch"));
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("raw *** once *** twice ***"), "{shown}");

    // Huawei: a token with a line break is refused before anything is sent.
    let bad = Credentials::new("AKIDVISIBLE", SECRET).with_security_token(format!("{TOKEN}\r\n"));
    let never = Server::sequence(vec![Reply::json(200, "{}")]).await;
    let hw = HuaweiClientBuilder::new(&HW)
        .via(&never)
        .project_id("p")
        .credentials_provider(bad)
        .build()
        .unwrap();
    let err = hw
        .send::<serde_json::Value, FakeError>(
            RestRequest::new("ShowSecurityGroup", "GET").literal("/v3/x"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, cloudsdk_core::SdkError::Construction(_)),
        "{err:?}"
    );
    assert_eq!(never.count(), 0);
    let shown = format!("{shown} {err} {err:?}");

    let log = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    for needle in [
        "clock offset",
        "InvalidTimeStamp.Expired",
        "SignatureDoesNotMatch",
        // The operation's span counts the corrected retry: 2 attempts with max_attempts 1.
        "attempts=2",
    ] {
        assert!(log.contains(needle), "log lacks {needle:?}:\n{log}");
    }
    let once = cloudsdk_core::sign::encode::percent_encode(TOKEN);
    let twice = cloudsdk_core::sign::encode::percent_encode(&once);
    for f in [SECRET, TOKEN, &once, &twice] {
        assert!(!log.contains(f), "log contains {f:?}:\n{log}");
        assert!(!shown.contains(f), "error text contains {f:?}:\n{shown}");
    }
}

/// Every value recorded into a span after its creation: (span name, field name).
#[derive(Clone, Default)]
struct Recorded(Arc<Mutex<Vec<(String, String)>>>);

/// A layer that records [`Recorded`] values and, unless `sdk_spans`, disables the SDK's spans
/// (as a filter such as `cloudsdk_core=off` would) but nothing else.
struct Recorder {
    sdk_spans: bool,
    recorded: Recorded,
}

impl<S> tracing_subscriber::Layer<S> for Recorder
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn register_callsite(
        &self,
        _: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        // Asked at every call: the tests of this file run other subscribers at the same time.
        tracing::subscriber::Interest::sometimes()
    }

    fn enabled(
        &self,
        metadata: &tracing::Metadata<'_>,
        _: tracing_subscriber::layer::Context<'_, S>,
    ) -> bool {
        self.sdk_spans || !(metadata.is_span() && metadata.target().starts_with("cloudsdk_core"))
    }

    fn on_record(
        &self,
        id: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        struct Names(Vec<String>);
        impl tracing::field::Visit for Names {
            fn record_debug(&mut self, field: &tracing::field::Field, _: &dyn std::fmt::Debug) {
                self.0.push(field.name().to_owned());
            }
        }
        let span = ctx.span(id).map_or("?", |s| s.name()).to_owned();
        let mut names = Names(Vec::new());
        values.record(&mut names);
        let mut recorded = self.recorded.0.lock().unwrap();
        recorded.extend(names.0.into_iter().map(|field| (span.clone(), field)));
    }
}

/// The number of attempts and the status go into the SDK's operation span. When a filter
/// disables that span, the caller's span (current during the call), even with fields of the
/// same names, gets nothing.
#[tokio::test]
async fn attempts_and_status_are_recorded_in_the_operation_span_only() {
    use tracing::Instrument as _;
    use tracing_subscriber::layer::SubscriberExt as _;

    for sdk_spans in [true, false] {
        let recorded = Recorded::default();
        let subscriber = tracing_subscriber::registry().with(Recorder {
            sdk_spans,
            recorded: recorded.clone(),
        });
        let _guard = tracing::subscriber::set_default(subscriber);
        let (ecs, ali) = alibaba_busy_then_ok(Credentials::new("AKIDVISIBLE", SECRET), 2).await;
        let caller = tracing::info_span!(
            "caller",
            attempts = tracing::field::Empty,
            status = tracing::field::Empty
        );
        ali.send::<serde_json::Value, FakeError>(
            RpcRequest::new("DescribeSecurityGroupReferences").param("RegionId", "cn-beijing"),
        )
        .instrument(caller)
        .await
        .unwrap();
        assert_eq!(ecs.count(), 2);

        let recorded = recorded.0.lock().unwrap().clone();
        let into = |span: &str| -> Vec<&str> {
            recorded
                .iter()
                .filter(|(s, _)| s == span)
                .map(|(_, f)| f.as_str())
                .collect()
        };
        assert_eq!(into("caller"), Vec::<&str>::new(), "sdk spans: {sdk_spans}");
        let expected: &[&str] = if sdk_spans {
            // Per attempt: the attempt number, then the status it got.
            &["attempts", "status", "attempts", "status"]
        } else {
            &[]
        };
        assert_eq!(into("operation"), expected, "sdk spans: {sdk_spans}");
    }
}
