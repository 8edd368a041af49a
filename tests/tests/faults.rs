//! The clients' reliability guarantees, proven over real HTTP against the emulator's fault
//! injection (issue 5, "Faults"): what is retried and how often, server-advised delays,
//! jittered back-off, re-signing of every attempt, what is never retried, per-attempt and
//! operation timeouts, undecodable and oversized bodies, and clock-skew correction.
//!
//! Every count comes from the emulator's log of what reached it ([`Emulator::requests`]), every
//! gap between attempts from the emulator's side where the test needs it (a scripted handler
//! stamps arrivals), and expected values from the spec examples or the vendors' documented
//! codes, never from the client under test. Timing assertions are lower bounds with generous
//! upper bounds; back-offs are kept to milliseconds so the whole file runs in a few seconds.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aliyun_ecs::operation::describe_security_group_references::{
    DescribeSecurityGroupReferencesError, DescribeSecurityGroupReferencesOutput,
};
use aliyun_ecs::{Format, SignatureAlgorithm};
use cloudsdk_core::error::{SdkError, TimeoutKind};
use cloudsdk_core::retry::RetryConfig;
use cloudsdk_core::sign::huawei as hw_sign;
use cloudsdk_emulator::{Emulator, EmulatorBuilder, Fault, FaultRule, Recorded, Reply, Streamed};
use huawei_vpc_v3::operation::show_security_group::{
    ShowSecurityGroupError, ShowSecurityGroupOutput,
};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const PROJECT: &str = "060576782980d5762f9ec014dd2f1148";
const REGION: &str = "cn-north-4";
const SG: &str = "69c999ad-d9ef-4d79-94fd-35e6ceb75325";
const ALI_REGION: &str = "cn-hangzhou";
const ALI_SG: &str = "sg-1133aa";
const UNKNOWN_SG: &str = "00000000-0000-4000-8000-000000000000";

/// 20 minutes: beyond both vendors' 15-minute window.
const SKEW: i64 = 20 * 60;
/// Seconds that may pass during a test, plus the 1 s resolution of the dates.
const SLACK: i64 = 30;

type VpcResult = Result<ShowSecurityGroupOutput, SdkError<ShowSecurityGroupError>>;
type AliResult =
    Result<DescribeSecurityGroupReferencesOutput, SdkError<DescribeSecurityGroupReferencesError>>;

const ALGORITHMS: [SignatureAlgorithm; 2] = [SignatureAlgorithm::V3, SignatureAlgorithm::V2];

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// `max_attempts` attempts with a 5–20 ms back-off: fast, and still a real back-off.
fn fast_retry(max_attempts: u32) -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(max_attempts)
        .with_initial_backoff(Duration::from_millis(5))
        .with_max_backoff(Duration::from_millis(20))
}

fn vpc_builder(emu: &Emulator, max_attempts: u32) -> huawei_vpc_v3::ClientBuilder {
    huawei_vpc_v3::Client::builder()
        .region(REGION)
        .endpoint(emu.endpoint())
        .project_id(PROJECT)
        .credentials(emu.credentials())
        .retry_config(fast_retry(max_attempts))
}

fn vpc(emu: &Emulator, max_attempts: u32) -> huawei_vpc_v3::Client {
    vpc_builder(emu, max_attempts).build().unwrap()
}

async fn show(client: &huawei_vpc_v3::Client, id: &str) -> VpcResult {
    client
        .show_security_group()
        .security_group_id(id)
        .send()
        .await
}

fn ali_builder(
    emu: &Emulator,
    algorithm: SignatureAlgorithm,
    max_attempts: u32,
) -> aliyun_ecs::ClientBuilder {
    aliyun_ecs::Client::builder()
        .region(ALI_REGION)
        .endpoint(emu.endpoint())
        .credentials(emu.credentials())
        .signature_algorithm(algorithm)
        .retry_config(fast_retry(max_attempts))
}

fn ali(emu: &Emulator, algorithm: SignatureAlgorithm, max_attempts: u32) -> aliyun_ecs::Client {
    ali_builder(emu, algorithm, max_attempts).build().unwrap()
}

async fn refs(client: &aliyun_ecs::Client, ids: &[&str]) -> AliResult {
    let mut op = client
        .describe_security_group_references()
        .region_id(ALI_REGION);
    for id in ids {
        op = op.security_group_id(*id);
    }
    op.send().await
}

/// The VPC document's security group (the seeded one), from the spec example.
fn vpc_documented_group() -> huawei_vpc_v3::types::SecurityGroupInfo {
    let doc: ShowSecurityGroupOutput = serde_json::from_str(
        &cloudsdk_conformance::read_spec_example("huawei-vpc-v3", "doc_example.json"),
    )
    .unwrap();
    doc.security_group.unwrap()
}

/// The Alibaba document's references (the seeded ones), from the spec example.
fn ali_documented(request_id: &str) -> DescribeSecurityGroupReferencesOutput {
    let mut out: DescribeSecurityGroupReferencesOutput = serde_json::from_str(
        &cloudsdk_conformance::read_spec_example("aliyun-ecs", "doc_data_wire.json"),
    )
    .unwrap();
    out.request_id = request_id.to_owned();
    out
}

fn n_faults(fault: &Fault, n: usize) -> Vec<FaultRule> {
    (0..n).map(|_| FaultRule::any(fault.clone())).collect()
}

fn statuses(reqs: &[Recorded]) -> Vec<u16> {
    reqs.iter().map(|r| r.status).collect()
}

/// Arrival instants stamped by a scripted handler, and the replies it gives in turn (the last
/// one repeats).
#[derive(Clone, Default)]
struct Arrivals(Arc<Mutex<Vec<Instant>>>);

impl Arrivals {
    fn script(&self, builder: EmulatorBuilder, replies: Vec<Reply>) -> EmulatorBuilder {
        let log = self.0.clone();
        builder.handler(move |_| {
            let mut log = log.lock().unwrap();
            log.push(Instant::now());
            let i = (log.len() - 1).min(replies.len() - 1);
            replies[i].clone()
        })
    }

    /// Gaps between consecutive arrivals.
    fn gaps(&self) -> Vec<Duration> {
        let log = self.0.lock().unwrap();
        log.windows(2).map(|w| w[1] - w[0]).collect()
    }

    fn clear(&self) {
        self.0.lock().unwrap().clear();
    }
}

/// A Huawei-style 500 that is not throttling: retried for its status alone.
fn huawei_500() -> Reply {
    Reply::json(
        500,
        r#"{"error_msg":"System error.","error_code":"VPC.0500","request_id":"r"}"#,
    )
}

fn vpc_ok() -> Reply {
    Reply::json(
        200,
        cloudsdk_conformance::read_spec_example("huawei-vpc-v3", "doc_example.json"),
    )
}

/// Waits (bounded) until the emulator has recorded how `n` oversized streams ended.
async fn streams(emu: &Emulator, n: usize) -> Vec<Streamed> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let s = emu.streams();
        if s.len() >= n || Instant::now() > deadline {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn huawei_date(r: &Recorded) -> i64 {
    hw_sign::parse_sdk_date(r.header("x-sdk-date").expect("X-Sdk-Date"))
        .unwrap()
        .unix_timestamp()
}

fn aliyun_date(r: &Recorded) -> i64 {
    let text = match r.header("x-acs-date") {
        Some(v) => v.to_owned(),
        None => r.query_param("Timestamp").expect("x-acs-date or Timestamp"),
    };
    OffsetDateTime::parse(&text, &Rfc3339)
        .unwrap()
        .unix_timestamp()
}

fn aliyun_nonce(r: &Recorded) -> String {
    r.header("x-acs-signature-nonce")
        .map(str::to_owned)
        .or_else(|| r.query_param("SignatureNonce"))
        .expect("a signature nonce")
}

fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

fn assert_near(actual: i64, expected: i64, what: &str) {
    assert!(
        (actual - expected).abs() <= SLACK,
        "{what}: {actual} is not within {SLACK} s of {expected} (off by {} s)",
        actual - expected
    );
}

// ---------------------------------------------------------------------------------------------
// Retries: what is retried, and max_attempts
// ---------------------------------------------------------------------------------------------

/// The Huawei faults the client must retry, with a label for messages.
fn huawei_retryable() -> Vec<(&'static str, Fault)> {
    vec![
        ("503 HTML page", Fault::huawei_503_html()),
        ("429 APIGW.0308", Fault::huawei_throttled(0)),
        (
            "500",
            Fault::reply(500, vec![], "<html>internal error</html>"),
        ),
        ("502", Fault::reply(502, vec![], "<html>bad gateway</html>")),
        (
            "504",
            Fault::reply(504, vec![], "<html>gateway timeout</html>"),
        ),
        ("closed before response", Fault::CloseBeforeResponse),
        ("attempt timeout", Fault::delay(Duration::from_millis(700))),
    ]
}

const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(250);

#[tokio::test]
async fn huawei_retries_every_retryable_fault_and_then_succeeds() {
    for (what, fault) in huawei_retryable() {
        let emu = Emulator::builder()
            .faults(n_faults(&fault, 2))
            .start()
            .await
            .unwrap();
        let client = vpc_builder(&emu, 3)
            .attempt_timeout(ATTEMPT_TIMEOUT)
            .build()
            .unwrap();
        let out = show(&client, SG)
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(out.security_group, Some(vpc_documented_group()), "{what}");
        let reqs = emu.requests();
        assert_eq!(reqs.len(), 3, "{what}: two faulted attempts and a good one");
        assert!(reqs[0].fault.is_some() && reqs[1].fault.is_some(), "{what}");
        assert_eq!((reqs[2].fault.as_deref(), reqs[2].status), (None, 200));
        assert!(emu.faults().is_empty(), "{what}");
    }
}

#[tokio::test]
async fn huawei_stops_at_max_attempts_with_the_last_attempts_error() {
    for (what, fault) in huawei_retryable() {
        let emu = Emulator::builder()
            .faults(n_faults(&fault, 5))
            .start()
            .await
            .unwrap();
        let client = vpc_builder(&emu, 3)
            .attempt_timeout(ATTEMPT_TIMEOUT)
            .build()
            .unwrap();
        let err = show(&client, SG).await.expect_err(what);
        let reqs = emu.requests();
        assert_eq!(reqs.len(), 3, "{what}: exactly max_attempts requests");
        assert_eq!(emu.faults().len(), 2, "{what}: two faults left unused");
        match (&fault, &err) {
            (Fault::Reply { status, .. }, SdkError::Service(e)) => {
                assert_eq!(e.meta().status(), *status, "{what}");
                assert_eq!(err.status(), Some(*status), "{what}");
                assert_eq!(
                    err.request_id(),
                    Some(reqs[2].request_id.as_str()),
                    "{what}: the last attempt's request id"
                );
                if *status == 429 {
                    assert_eq!(err.code(), Some("APIGW.0308"));
                }
                if *status == 503 {
                    assert!(
                        e.raw()
                            .body_text()
                            .contains("503 Service Temporarily Unavailable"),
                        "{what}"
                    );
                }
            }
            (Fault::CloseBeforeResponse, SdkError::Dispatch(e)) => {
                assert!(!e.is_connect(), "{what}: {e}");
            }
            (Fault::Delay { .. }, SdkError::Timeout(e)) => {
                assert_eq!(e.kind(), TimeoutKind::Attempt, "{what}");
                assert_eq!(e.limit(), ATTEMPT_TIMEOUT, "{what}");
            }
            _ => panic!("{what}: unexpected error {err:?}"),
        }
    }
}

#[tokio::test]
async fn aliyun_retries_throttling_and_unavailable_then_succeeds_v3_and_v2() {
    for algorithm in ALGORITHMS {
        let emu = Emulator::builder()
            .fault(Fault::aliyun_throttling_user(None))
            .fault(Fault::aliyun_service_unavailable())
            .fault(Fault::reply(502, vec![], "<html>bad gateway</html>"))
            .fault(Fault::CloseBeforeResponse)
            .start()
            .await
            .unwrap();
        let out = refs(&ali(&emu, algorithm, 5), &[ALI_SG])
            .await
            .unwrap_or_else(|e| panic!("{algorithm:?}: {e}"));
        let reqs = emu.requests();
        assert_eq!(statuses(&reqs), [400, 503, 502, 0, 200], "{algorithm:?}");
        assert_eq!(out, ali_documented(&reqs[4].request_id), "{algorithm:?}");
    }
}

/// With `Format=XML` the gateway's throttling answer is the `<Error>` document: its code is
/// read from the XML and retried too.
#[tokio::test]
async fn aliyun_retries_xml_throttling_answers() {
    for algorithm in ALGORITHMS {
        let emu = Emulator::builder()
            .fault(Fault::aliyun_throttling_user(None))
            .fault(Fault::aliyun_service_unavailable())
            .start()
            .await
            .unwrap();
        let client = ali_builder(&emu, algorithm, 3)
            .format(Format::Xml)
            .build()
            .unwrap();
        refs(&client, &[ALI_SG])
            .await
            .unwrap_or_else(|e| panic!("{algorithm:?}: {e}"));
        assert_eq!(statuses(&emu.requests()), [400, 503, 200], "{algorithm:?}");

        emu.faults()
            .extend(n_faults(&Fault::aliyun_throttling_user(None), 3));
        let err = refs(&client, &[ALI_SG]).await.unwrap_err();
        assert_eq!(
            (err.status(), err.code()),
            (Some(400), Some("Throttling.User")),
            "{algorithm:?}"
        );
        let body = err.raw_response().unwrap().body_text();
        assert!(body.contains("<Code>Throttling.User</Code>"), "{body}");
        assert_eq!(emu.request_count(), 6, "{algorithm:?}");
    }
}

#[tokio::test]
async fn aliyun_stops_at_max_attempts_with_the_documented_code() {
    for (fault, status, code) in [
        (
            Fault::aliyun_throttling_user(None),
            400,
            Some("Throttling.User"),
        ),
        (
            Fault::aliyun_service_unavailable(),
            503,
            Some("ServiceUnavailable"),
        ),
        (Fault::reply(500, vec![], ""), 500, None),
        (Fault::reply(504, vec![], ""), 504, None),
    ] {
        for (algorithm, format) in [
            (SignatureAlgorithm::V3, Format::Json),
            (SignatureAlgorithm::V2, Format::Json),
            (SignatureAlgorithm::V2, Format::Xml),
        ] {
            let what = format!("{algorithm:?} {format:?} {}", fault.label());
            let emu = Emulator::builder()
                .faults(n_faults(&fault, 4))
                .start()
                .await
                .unwrap();
            let client = ali_builder(&emu, algorithm, 3)
                .format(format)
                .build()
                .unwrap();
            let err = refs(&client, &[ALI_SG]).await.expect_err(&what);
            let reqs = emu.requests();
            assert_eq!(reqs.len(), 3, "{what}");
            assert!(matches!(err, SdkError::Service(_)), "{what}: {err:?}");
            assert_eq!(err.status(), Some(status), "{what}");
            assert_eq!(err.code(), code, "{what}");
            assert_eq!(
                err.request_id(),
                Some(reqs[2].request_id.as_str()),
                "{what}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Server-advised delays and jitter
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn huawei_honours_retry_after_seconds() {
    let arrivals = Arrivals::default();
    let throttled = Reply::json(
        429,
        r#"{"error_msg":"The throttling threshold has been reached","error_code":"APIGW.0308","request_id":"r"}"#,
    )
    .with_header("Retry-After", "1");
    let emu = arrivals
        .script(Emulator::builder(), vec![throttled, vpc_ok()])
        .start()
        .await
        .unwrap();
    // Without the header the client would wait at most 20 ms.
    let out = show(&vpc(&emu, 3), SG).await.unwrap();
    assert_eq!(out.security_group, Some(vpc_documented_group()));
    let gaps = arrivals.gaps();
    assert_eq!(gaps.len(), 1);
    assert!(gaps[0] >= Duration::from_secs(1), "{gaps:?}");
    assert!(gaps[0] < Duration::from_secs(5), "{gaps:?}");
}

#[tokio::test]
async fn aliyun_honours_x_acs_retry_after_milliseconds() {
    for algorithm in ALGORITHMS {
        let arrivals = Arrivals::default();
        let throttled = Reply::json(
            400,
            r#"{"RequestId":"r","Code":"Throttling.User","Message":"Request was denied due to user flow control."}"#,
        )
        .with_header("x-acs-retry-after", "300");
        let body = serde_json::to_vec(&ali_documented("r")).unwrap();
        let emu = arrivals
            .script(Emulator::builder(), vec![throttled, Reply::json(200, body)])
            .start()
            .await
            .unwrap();
        let out = refs(&ali(&emu, algorithm, 3), &[ALI_SG]).await.unwrap();
        assert_eq!(out, ali_documented("r"), "{algorithm:?}");
        let gaps = arrivals.gaps();
        assert_eq!(gaps.len(), 1, "{algorithm:?}");
        assert!(
            gaps[0] >= Duration::from_millis(300),
            "{algorithm:?} {gaps:?}"
        );
        assert!(gaps[0] < Duration::from_secs(3), "{algorithm:?} {gaps:?}");
    }
}

/// The ready-made fault carries the header too (JSON and XML answers): the whole call takes
/// at least the advised 300 ms, where the back-off alone is at most 20 ms.
#[tokio::test]
async fn aliyun_honours_the_ready_made_throttling_faults_delay() {
    for format in [Format::Json, Format::Xml] {
        let emu = Emulator::builder()
            .fault(Fault::aliyun_throttling_user(Some(300)))
            .start()
            .await
            .unwrap();
        let client = ali_builder(&emu, SignatureAlgorithm::V2, 3)
            .format(format)
            .build()
            .unwrap();
        let started = Instant::now();
        refs(&client, &[ALI_SG]).await.unwrap();
        let elapsed = started.elapsed();
        assert_eq!(statuses(&emu.requests()), [400, 200], "{format:?}");
        assert!(
            elapsed >= Duration::from_millis(300),
            "{format:?} {elapsed:?}"
        );
        assert!(elapsed < Duration::from_secs(3), "{format:?} {elapsed:?}");
    }
}

/// With `initial_backoff = max_backoff = 60 ms` every sleep is drawn from `[0, 60 ms)`. Over 6
/// operations of 4 attempts (18 sleeps) a fixed back-off would give 18 gaps of about 60 ms; full
/// jitter gives some well below half the cap (all 18 at or above it: probability 2^-18) and a
/// wide spread.
#[tokio::test]
async fn backoff_is_jittered_within_the_cap() {
    const CAP: Duration = Duration::from_millis(60);
    let arrivals = Arrivals::default();
    let emu = arrivals
        .script(Emulator::builder(), vec![huawei_500()])
        .start()
        .await
        .unwrap();
    let retry = RetryConfig::standard()
        .with_max_attempts(4)
        .with_initial_backoff(CAP)
        .with_max_backoff(CAP);
    let client = vpc_builder(&emu, 4).retry_config(retry).build().unwrap();
    let mut gaps = Vec::new();
    for _ in 0..6 {
        arrivals.clear();
        let err = show(&client, SG).await.unwrap_err();
        assert_eq!(err.status(), Some(500));
        let g = arrivals.gaps();
        assert_eq!(g.len(), 3, "4 attempts, 3 sleeps");
        gaps.extend(g);
    }
    assert_eq!(emu.request_count(), 24);
    // Upper bound: the cap plus generous room for scheduling on a loaded machine.
    for g in &gaps {
        assert!(*g < CAP + Duration::from_millis(250), "{g:?} in {gaps:?}");
    }
    let min = *gaps.iter().min().unwrap();
    let max = *gaps.iter().max().unwrap();
    assert!(
        gaps.iter().any(|g| *g < CAP / 2),
        "no gap below half the cap: not jittered? {gaps:?}"
    );
    assert!(
        max - min > Duration::from_millis(10),
        "gaps nearly identical: {gaps:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Re-signing
// ---------------------------------------------------------------------------------------------

/// Attempts a second apart (`Retry-After: 1`): each carries its own `X-Sdk-Date` and its own
/// signature, and the emulator's signature and time checks accepted every one.
#[tokio::test]
async fn huawei_signs_every_attempt_again() {
    let emu = Emulator::builder()
        .fault(Fault::huawei_throttled(1))
        .start()
        .await
        .unwrap();
    show(&vpc(&emu, 3), SG).await.unwrap();
    let reqs = emu.requests();
    assert_eq!(statuses(&reqs), [429, 200]);
    assert!(reqs.iter().all(|r| r.verdict.is_accepted()), "{reqs:#?}");
    let (d0, d1) = (huawei_date(&reqs[0]), huawei_date(&reqs[1]));
    assert!(
        d1 > d0,
        "the retry carries a later X-Sdk-Date: {d0} then {d1}"
    );
    assert_ne!(
        reqs[0].header("authorization"),
        reqs[1].header("authorization"),
        "a new signature"
    );
}

/// Every attempt has a fresh nonce and its own date, and passed the emulator's signature check,
/// which refuses a nonce it has seen (`SignatureNonceUsed`).
#[tokio::test]
async fn aliyun_signs_every_attempt_with_a_new_nonce_v3_and_v2() {
    for algorithm in ALGORITHMS {
        let emu = Emulator::builder()
            .faults(n_faults(&Fault::aliyun_service_unavailable(), 3))
            .start()
            .await
            .unwrap();
        refs(&ali(&emu, algorithm, 4), &[ALI_SG]).await.unwrap();
        let reqs = emu.requests();
        assert_eq!(statuses(&reqs), [503, 503, 503, 200], "{algorithm:?}");
        assert!(
            reqs.iter().all(|r| r.verdict.is_accepted()),
            "{algorithm:?}: {reqs:#?}"
        );
        let mut nonces: Vec<String> = reqs.iter().map(aliyun_nonce).collect();
        nonces.sort();
        nonces.dedup();
        assert_eq!(nonces.len(), 4, "{algorithm:?}: distinct nonces");
        let start = now();
        for r in &reqs {
            assert_near(aliyun_date(r), start, "each attempt's own date");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Never retried
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn huawei_non_throttling_4xx_are_sent_once() {
    let emu = Emulator::start().await.unwrap();
    // 404 VPC.0602 (unknown group).
    let err = show(&vpc(&emu, 3), UNKNOWN_SG).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(404), Some("VPC.0602")));
    assert_eq!(emu.request_count(), 1);
    // 400 VPC.0007 (a project the emulator does not have).
    let client = vpc_builder(&emu, 3)
        .project_id("0000000000000000000000000000dead")
        .build()
        .unwrap();
    let err = show(&client, SG).await.unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
    assert_eq!(emu.request_count(), 2);
    // 401 APIGW.0301 (wrong secret).
    let client = vpc_builder(&emu, 3)
        .credentials(huawei_vpc_v3::Credentials::new(
            emu.access_key_id(),
            "not-the-secret",
        ))
        .build()
        .unwrap();
    let err = show(&client, SG).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(401), Some("APIGW.0301")));
    assert_eq!(emu.request_count(), 3);
}

/// Statuses outside the retry list (429, 500, 502, 503, 504) without a throttling code are
/// final, whatever their class.
#[tokio::test]
async fn other_statuses_are_sent_once() {
    for status in [400, 403, 409, 501] {
        let emu = Emulator::builder()
            .fault(Fault::reply(
                status,
                vec![("Content-Type".into(), "application/json".into())],
                r#"{"error_msg":"no","error_code":"VPC.9999","request_id":"{request_id}"}"#,
            ))
            .start()
            .await
            .unwrap();
        let err = show(&vpc(&emu, 3), SG).await.unwrap_err();
        assert!(matches!(err, SdkError::Service(_)), "{status}: {err:?}");
        assert_eq!((err.status(), err.code()), (Some(status), Some("VPC.9999")));
        assert_eq!(emu.request_count(), 1, "{status}");
    }
}

#[tokio::test]
async fn aliyun_non_throttling_4xx_are_sent_once() {
    for algorithm in ALGORITHMS {
        let emu = Emulator::builder()
            .fault(Fault::reply(
                400,
                vec![("Content-Type".into(), "application/json".into())],
                r#"{"RequestId":"{request_id}","Code":"InvalidSecurityGroupId.Malformed","Message":"The specified parameter SecurityGroupId is not valid."}"#,
            ))
            .start()
            .await
            .unwrap();
        let client = ali(&emu, algorithm, 3);
        let err = refs(&client, &[ALI_SG]).await.unwrap_err();
        assert_eq!(
            (err.status(), err.code()),
            (Some(400), Some("InvalidSecurityGroupId.Malformed")),
            "{algorithm:?}"
        );
        assert_eq!(emu.request_count(), 1, "{algorithm:?}");
        let err = refs(&client, &["sg-nope"]).await.unwrap_err();
        assert_eq!(
            (err.status(), err.code()),
            (Some(404), Some("InvalidSecurityGroupId.NotFound")),
            "{algorithm:?}"
        );
        assert_eq!(emu.request_count(), 2, "{algorithm:?}");
        let client = ali_builder(&emu, algorithm, 3)
            .credentials(aliyun_ecs::Credentials::new(
                emu.access_key_id(),
                "not-the-secret",
            ))
            .build()
            .unwrap();
        let err = refs(&client, &[ALI_SG]).await.unwrap_err();
        assert_eq!(
            (err.status(), err.code()),
            (Some(400), Some("SignatureDoesNotMatch")),
            "{algorithm:?}"
        );
        assert_eq!(emu.request_count(), 3, "{algorithm:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Timeouts
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_attempt_timeout_holds_on_every_attempt() {
    let emu = Emulator::builder()
        .faults(n_faults(&Fault::delay(Duration::from_secs(3)), 2))
        .start()
        .await
        .unwrap();
    let client = vpc_builder(&emu, 2)
        .attempt_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = show(&client, SG).await.unwrap_err();
    let elapsed = started.elapsed();
    let SdkError::Timeout(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(t.kind(), TimeoutKind::Attempt);
    assert!(t.elapsed() >= Duration::from_millis(200), "{t}");
    assert!(err.is_timeout());
    assert_eq!(emu.request_count(), 2);
    // Two attempts of 200 ms and a back-off of at most 20 ms, far from the 3 s delays.
    assert!(elapsed >= Duration::from_millis(400), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}");
}

#[tokio::test]
async fn the_operation_timeout_bounds_all_attempts() {
    for algorithm in ALGORITHMS {
        let emu = Emulator::builder()
            .faults(n_faults(&Fault::delay(Duration::from_secs(3)), 3))
            .start()
            .await
            .unwrap();
        // The attempt timeout (default 30 s) would never fire; the operation's does.
        let client = ali_builder(&emu, algorithm, 3)
            .operation_timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        let started = Instant::now();
        let err = refs(&client, &[ALI_SG]).await.unwrap_err();
        let elapsed = started.elapsed();
        let SdkError::Timeout(t) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(t.kind(), TimeoutKind::Operation, "{algorithm:?}");
        assert_eq!(t.limit(), Duration::from_millis(300));
        assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
        assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}");
        assert_eq!(emu.request_count(), 1, "{algorithm:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Undecodable bodies
// ---------------------------------------------------------------------------------------------

/// The error is `SdkError::Response` with the status, the recorded request id and the start of
/// the body, in the accessors and in `Display`.
fn assert_response_error<E: std::fmt::Debug>(
    err: &SdkError<E>,
    status: u16,
    request_id: &str,
    snippet_contains: &str,
    what: &str,
) {
    let SdkError::Response(e) = err else {
        panic!("{what}: expected SdkError::Response, got {err:?}")
    };
    assert_eq!(e.status(), status, "{what}");
    assert_eq!(err.status(), Some(status), "{what}");
    assert_eq!(e.request_id(), Some(request_id), "{what}");
    assert!(
        e.body_snippet().contains(snippet_contains),
        "{what}: snippet {:?}",
        e.body_snippet()
    );
    let shown = err.to_string();
    assert!(shown.contains(&status.to_string()), "{what}: {shown}");
    assert!(shown.contains(request_id), "{what}: {shown}");
    assert!(shown.contains(snippet_contains), "{what}: {shown}");
}

#[tokio::test]
async fn huawei_html_200_and_invalid_json_are_response_errors_not_retried() {
    for (what, fault, snippet) in [
        (
            "HTML page with 200",
            Fault::WrongContentType {
                content_type: "text/html".into(),
                html_body: true,
            },
            "<html>",
        ),
        (
            "invalid JSON",
            Fault::reply(
                200,
                vec![("Content-Type".into(), "application/json".into())],
                r#"{"security_group": {"id": "#,
            ),
            r#"{"security_group""#,
        ),
    ] {
        let emu = Emulator::builder().fault(fault).start().await.unwrap();
        let err = show(&vpc(&emu, 3), SG).await.unwrap_err();
        let reqs = emu.requests();
        assert_eq!(reqs.len(), 1, "{what}: not retried");
        assert_response_error(&err, 200, &reqs[0].request_id, snippet, what);
    }
}

#[tokio::test]
async fn aliyun_html_200_and_invalid_json_or_xml_are_response_errors() {
    for algorithm in ALGORITHMS {
        for format in [Format::Json, Format::Xml] {
            let what = format!("{algorithm:?} {format:?}");
            let emu = Emulator::builder()
                .fault(Fault::WrongContentType {
                    content_type: "text/html".into(),
                    html_body: true,
                })
                .fault(Fault::reply(200, vec![], "<Describe"))
                .start()
                .await
                .unwrap();
            let client = ali_builder(&emu, algorithm, 3)
                .format(format)
                .build()
                .unwrap();
            let err = refs(&client, &[ALI_SG]).await.unwrap_err();
            let reqs = emu.requests();
            assert_eq!(reqs.len(), 1, "{what}");
            assert_response_error(&err, 200, &reqs[0].request_id, "<html>", &what);
            let err = refs(&client, &[ALI_SG]).await.unwrap_err();
            let reqs = emu.requests();
            assert_eq!(reqs.len(), 2, "{what}");
            assert_response_error(&err, 200, &reqs[1].request_id, "<Describe", &what);
        }
    }
}

/// A correct body under a wrong label is decoded by its content: the label is not a reason to
/// fail a good answer.
#[tokio::test]
async fn a_good_body_under_a_wrong_content_type_is_decoded() {
    let emu = Emulator::builder()
        .fault(Fault::WrongContentType {
            content_type: "text/plain".into(),
            html_body: false,
        })
        .start()
        .await
        .unwrap();
    let out = show(&vpc(&emu, 1), SG).await.unwrap();
    assert_eq!(out.security_group, Some(vpc_documented_group()));
    assert_eq!(
        emu.requests()[0].fault.as_deref(),
        Some("wrong_content_type text/plain")
    );
}

/// A body cut short (declared `Content-Length`, half sent, connection closed) is reported with
/// the status, the request id and the part that arrived (issue 5: "a truncated … body gives
/// `SdkError::Response` with status, request id and a body snippet").
#[tokio::test]
async fn a_truncated_body_is_a_response_error_with_status_request_id_and_snippet() {
    let emu = Emulator::builder()
        .fault(Fault::TruncatedBody)
        .start()
        .await
        .unwrap();
    let err = show(&vpc(&emu, 1), SG).await.unwrap_err();
    let reqs = emu.requests();
    assert_eq!(reqs.len(), 1);
    assert_response_error(&err, 200, &reqs[0].request_id, r#"{"#, "truncated");
    assert!(err.to_string().contains("truncated body"), "{err}");
}

/// A truncated body is a transport failure: retried like one, and the next (whole) answer is
/// the result; when it is the last attempt, the error is `Response` (both signature versions).
#[tokio::test]
async fn a_truncated_body_is_retried_and_reported_as_a_response_error() {
    for algorithm in ALGORITHMS {
        let emu = Emulator::builder()
            .fault(Fault::TruncatedBody)
            .start()
            .await
            .unwrap();
        let out = refs(&ali(&emu, algorithm, 3), &[ALI_SG]).await.unwrap();
        assert_eq!(out.security_group_references.len(), 1, "{algorithm:?}");
        assert_eq!(
            emu.request_count(),
            2,
            "{algorithm:?}: one truncated, one whole"
        );

        let emu = Emulator::builder()
            .fault(Fault::TruncatedBody)
            .start()
            .await
            .unwrap();
        let err = refs(&ali(&emu, algorithm, 1), &[ALI_SG]).await.unwrap_err();
        let reqs = emu.requests();
        assert_eq!(reqs.len(), 1);
        assert_response_error(&err, 200, &reqs[0].request_id, "{", "truncated");
    }
}

// ---------------------------------------------------------------------------------------------
// Oversized bodies
// ---------------------------------------------------------------------------------------------

const HUGE: u64 = 50 * 1024 * 1024;
const CAP: usize = 64 * 1024;

#[tokio::test]
async fn a_body_over_the_cap_is_refused_without_reading_it() {
    for chunked in [false, true] {
        let what = if chunked { "chunked" } else { "content-length" };
        let emu = Emulator::builder()
            .fault(Fault::Oversized {
                bytes: HUGE,
                chunked,
            })
            .start()
            .await
            .unwrap();
        let client = vpc_builder(&emu, 3)
            .max_response_bytes(CAP)
            .build()
            .unwrap();
        let started = Instant::now();
        let err = show(&client, SG).await.unwrap_err();
        let elapsed = started.elapsed();
        let reqs = emu.requests();
        assert_eq!(reqs.len(), 1, "{what}: not retried");
        let SdkError::Response(e) = &err else {
            panic!("{what}: {err:?}")
        };
        assert_eq!(e.status(), 200);
        assert_eq!(e.request_id(), Some(reqs[0].request_id.as_str()), "{what}");
        assert!(e.raw().body().len() <= CAP, "{what}: kept at most the cap");
        let shown = err.to_string();
        assert!(
            shown.contains("exceeds the limit of 65536 bytes"),
            "{what}: {shown}"
        );
        // The emulator saw the client close the connection long before the end of the body:
        // what it managed to write is what the socket buffers absorbed, a few MiB at most.
        let s = streams(&emu, 1).await;
        assert_eq!(s.len(), 1, "{what}: the stream ended");
        assert_eq!(s[0].request_index, reqs[0].index);
        assert_eq!(s[0].declared, HUGE);
        assert!(!s[0].complete, "{what}: the client closed early: {s:?}");
        assert!(s[0].sent < HUGE / 4, "{what}: {s:?}");
        assert!(elapsed < Duration::from_secs(5), "{what}: {elapsed:?}");
    }
}

/// The default cap (16 MiB) applies without configuration: a 50 MiB `Content-Length` is
/// refused from the head alone.
#[tokio::test]
async fn the_default_cap_refuses_a_50_mib_body() {
    for algorithm in ALGORITHMS {
        let emu = Emulator::builder()
            .fault(Fault::Oversized {
                bytes: HUGE,
                chunked: false,
            })
            .start()
            .await
            .unwrap();
        let err = refs(&ali(&emu, algorithm, 3), &[ALI_SG]).await.unwrap_err();
        let SdkError::Response(e) = &err else {
            panic!("{algorithm:?}: {err:?}")
        };
        assert!(
            err.to_string()
                .contains(&format!("limit of {} bytes", 16 * 1024 * 1024)),
            "{err}"
        );
        assert!(e.raw().body().is_empty(), "nothing read after the head");
        assert_eq!(emu.request_count(), 1);
        let s = streams(&emu, 1).await;
        assert!(!s[0].complete && s[0].sent < HUGE / 4, "{s:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Clock skew
// ---------------------------------------------------------------------------------------------

fn skewed(offset: i64) -> EmulatorBuilder {
    Emulator::builder().clock_offset(offset)
}

#[tokio::test]
async fn huawei_corrects_a_skewed_clock_from_the_date_header() {
    for offset in [SKEW, -SKEW] {
        let emu = skewed(offset).start().await.unwrap();
        let client = vpc(&emu, 1);
        let start = now();
        let out = show(&client, SG)
            .await
            .unwrap_or_else(|e| panic!("{offset}: {e}"));
        assert_eq!(out.security_group, Some(vpc_documented_group()));
        let reqs = emu.requests();
        assert_eq!(
            statuses(&reqs),
            [401, 200],
            "{offset}: rejected, then corrected"
        );
        let cloudsdk_emulator::Verdict::Rejected { code, reason, .. } = &reqs[0].verdict else {
            panic!("{offset}: {:?}", reqs[0].verdict)
        };
        assert_eq!(*code, "APIGW.0301");
        assert!(reason.contains("signature expired"), "{offset}: {reason}");
        assert_near(huawei_date(&reqs[0]), start, "first attempt: local time");
        assert_near(
            huawei_date(&reqs[1]),
            start + offset,
            "retry: emulator time",
        );
        // The next call is signed with the learnt offset from the start.
        show(&client, SG).await.unwrap();
        let reqs = emu.requests();
        assert_eq!(statuses(&reqs), [401, 200, 200], "{offset}");
        assert_near(huawei_date(&reqs[2]), start + offset, "second call");
    }
}

#[tokio::test]
async fn aliyun_corrects_a_skewed_clock_v3_and_v2() {
    for algorithm in ALGORITHMS {
        for offset in [SKEW, -SKEW] {
            let what = format!("{algorithm:?} {offset}");
            let emu = skewed(offset).start().await.unwrap();
            let client = ali(&emu, algorithm, 1);
            let start = now();
            refs(&client, &[ALI_SG])
                .await
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            refs(&client, &[ALI_SG]).await.unwrap();
            let reqs = emu.requests();
            assert_eq!(statuses(&reqs), [400, 200, 200], "{what}");
            assert_eq!(
                reqs[0].verdict.rejection_code(),
                Some("InvalidTimeStamp.Expired"),
                "{what}"
            );
            assert_near(aliyun_date(&reqs[0]), start, &what);
            assert_near(aliyun_date(&reqs[1]), start + offset, &what);
            assert_near(aliyun_date(&reqs[2]), start + offset, &what);
        }
    }
}

#[tokio::test]
async fn without_correction_the_expiry_error_surfaces() {
    let emu = skewed(SKEW).start().await.unwrap();
    let client = vpc_builder(&emu, 3)
        .clock_skew_correction(false)
        .build()
        .unwrap();
    let err = show(&client, SG).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(401), Some("APIGW.0301")));
    assert!(
        err.message().unwrap_or("").contains("signature expired"),
        "{err}"
    );
    assert_eq!(emu.request_count(), 1, "not retried");
    for algorithm in ALGORITHMS {
        let client = ali_builder(&emu, algorithm, 3)
            .clock_skew_correction(false)
            .build()
            .unwrap();
        let err = refs(&client, &[ALI_SG]).await.unwrap_err();
        assert_eq!(
            (err.status(), err.code()),
            (Some(400), Some("InvalidTimeStamp.Expired")),
            "{algorithm:?}"
        );
    }
    assert_eq!(emu.request_count(), 3);
}
