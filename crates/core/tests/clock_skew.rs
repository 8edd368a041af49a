//! Clock-skew correction: a request rejected because its timestamp is out of the accepted
//! window (Huawei `401 APIGW.0301 … signature expired`, Alibaba `InvalidTimeStamp.Expired`) is
//! retried once at once, signed with the offset learnt from the response's `Date` header, and
//! later requests are signed with that offset too.

mod common;
use common::Route;

use cloudsdk_core::Credentials;
use cloudsdk_core::aliyun::{AliyunClientBuilder, RpcRequest, SignatureAlgorithm};
use cloudsdk_core::error::SdkError;
use cloudsdk_core::huawei::{HuaweiClientBuilder, RestRequest};
use cloudsdk_core::sign::huawei as hw;
use common::{Captured, FakeError, Reply, Server};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

static VPC: cloudsdk_core::huawei::ServiceInfo = cloudsdk_core::huawei::ServiceInfo {
    endpoint_template: "https://vpc.{region}.myhuaweicloud.com",
    crate_name: "huawei-vpc-v3",
    crate_version: "0.1.0",
};

static ECS: cloudsdk_core::aliyun::ServiceInfo = cloudsdk_core::aliyun::ServiceInfo {
    product: "Ecs",
    version: "2014-05-26",
    endpoint_rule: "ecs{network}.{region}.aliyuncs.com",
    endpoint_map: &[],
    crate_name: "aliyun-ecs",
    crate_version: "0.1.0",
};

/// 20 minutes, more than both vendors' 15-minute window.
const SKEW: i64 = 20 * 60;
/// Tolerance for the seconds that pass during a test and the `Date` header's 1 s resolution.
const SLACK: i64 = 30;

const HW_EXPIRED: &str = r#"{"error_msg":"Incorrect IAM authentication information: calc aksk signature fail:signature expired, signature time:20211217T064303Z,server time:20211217T065804Z","error_code":"APIGW.0301","request_id":"rid-expired"}"#;
const HW_OTHER_0301: &str = r#"{"error_msg":"Incorrect IAM authentication information: verify aksk signature fail","error_code":"APIGW.0301","request_id":"rid-sig"}"#;
const ALI_EXPIRED: &str = r#"{"RequestId":"rid-expired","HostId":"ecs.aliyuncs.com","Code":"InvalidTimeStamp.Expired","Message":"Specified time stamp or date value is expired."}"#;
const OK_HW: &str = r#"{"security_group":{"id":"sg"}}"#;
const OK_ALI: &str = r#"{"RequestId":"rid-ok"}"#;

/// IMF-fixdate (RFC 7231 §7.1.1.1), written out by hand rather than with the crate's parser.
fn imf_fixdate(t: OffsetDateTime) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        DAYS[t.weekday().number_days_from_monday() as usize],
        t.day(),
        MONTHS[u8::from(t.month()) as usize - 1],
        t.year(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

fn skewed_date(seconds: i64) -> String {
    imf_fixdate(OffsetDateTime::now_utc() + time::Duration::seconds(seconds))
}

/// The signing time of a captured request, in Unix seconds.
fn huawei_time(r: &Captured) -> i64 {
    let v = r.header("x-sdk-date").expect("X-Sdk-Date");
    hw::parse_sdk_date(v).unwrap().unix_timestamp()
}

fn v3_time(r: &Captured) -> i64 {
    let v = r.header("x-acs-date").expect("x-acs-date");
    OffsetDateTime::parse(v, &Rfc3339).unwrap().unix_timestamp()
}

fn v2_time(r: &Captured) -> i64 {
    let v = r
        .decoded_query()
        .into_iter()
        .find(|(k, _)| k == "Timestamp")
        .expect("Timestamp parameter")
        .1;
    OffsetDateTime::parse(&v, &Rfc3339)
        .unwrap()
        .unix_timestamp()
}

fn assert_near(actual: i64, expected: i64, what: &str) {
    assert!(
        (actual - expected).abs() <= SLACK,
        "{what}: {actual} is not within {SLACK} s of {expected} (off by {} s)",
        actual - expected
    );
}

fn hw_builder(server: &Server, max_attempts: u32) -> HuaweiClientBuilder {
    HuaweiClientBuilder::new(&VPC)
        .via(server)
        .project_id("p1")
        .credentials(Credentials::new("AK", "SK"))
        .retry_config(common::fast_retry(max_attempts))
}

fn hw_request() -> RestRequest {
    RestRequest::new("ShowSecurityGroup", "GET")
        .literal("/v3/")
        .project_id()
        .literal("/vpc/security-groups/")
        .path_param("security_group_id", "sg")
}

fn ali_builder(server: &Server, algorithm: SignatureAlgorithm) -> AliyunClientBuilder {
    AliyunClientBuilder::new(&ECS)
        .via(server)
        .credentials(Credentials::new("id", "secret"))
        .signature_algorithm(algorithm)
        .retry_config(common::fast_retry(1))
}

fn ali_request() -> RpcRequest {
    RpcRequest::new("DescribeSecurityGroupReferences")
        .param("RegionId", "cn-hangzhou")
        .param_list("SecurityGroupId", ["sg-1"])
}

#[tokio::test]
async fn huawei_learns_the_offset_and_retries_once_even_with_max_attempts_1() {
    let server = Server::handler(|i, _| match i {
        0 => Reply::json(401, HW_EXPIRED).with_header("Date", &skewed_date(SKEW)),
        _ => Reply::json(200, OK_HW),
    })
    .await;
    let client = hw_builder(&server, 1).build().unwrap();
    assert_eq!(client.clock_offset_seconds(), 0);

    let start = now();
    let out: serde_json::Value = client
        .send::<_, FakeError>(hw_request())
        .await
        .expect("the corrected retry succeeds");
    assert_eq!(out["security_group"]["id"], "sg");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2, "one failed attempt and one corrected retry");
    assert_near(
        huawei_time(&reqs[0]),
        start,
        "first attempt signed with local time",
    );
    assert_near(
        huawei_time(&reqs[1]),
        start + SKEW,
        "retry signed with corrected time",
    );
    assert_near(client.clock_offset_seconds(), SKEW, "stored offset");

    // A clone shares the offset: its first request is already signed with corrected time.
    let clone = client.clone();
    let _: serde_json::Value = clone.send::<_, FakeError>(hw_request()).await.unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3, "no failure before the third call");
    assert_near(
        huawei_time(&reqs[2]),
        now() + SKEW,
        "later requests signed with correction",
    );
}

#[tokio::test]
async fn huawei_expiry_without_date_header_surfaces() {
    let server = Server::sequence(vec![Reply::json(401, HW_EXPIRED)]).await;
    let client = hw_builder(&server, 3).build().unwrap();
    let err = client
        .send::<serde_json::Value, FakeError>(hw_request())
        .await
        .unwrap_err();
    assert!(matches!(err, SdkError::Service(_)), "{err:?}");
    assert_eq!(err.code(), Some("APIGW.0301"));
    assert_eq!(err.status(), Some(401));
    assert_eq!(server.count(), 1, "no retry without a Date header");
    assert_eq!(client.clock_offset_seconds(), 0);
}

#[tokio::test]
async fn huawei_second_expiry_after_correction_surfaces_without_looping() {
    let server = Server::handler(|_, _| {
        Reply::json(401, HW_EXPIRED).with_header("Date", &skewed_date(SKEW))
    })
    .await;
    let client = hw_builder(&server, 3).build().unwrap();
    let err = client
        .send::<serde_json::Value, FakeError>(hw_request())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("APIGW.0301"), "{err:?}");
    assert_eq!(server.count(), 2, "exactly one corrected retry");
}

#[tokio::test]
async fn huawei_other_authentication_failures_are_not_clock_skew() {
    let server = Server::sequence(vec![
        Reply::json(401, HW_OTHER_0301).with_header("Date", &skewed_date(SKEW)),
    ])
    .await;
    let client = hw_builder(&server, 3).build().unwrap();
    let err = client
        .send::<serde_json::Value, FakeError>(hw_request())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("APIGW.0301"));
    assert_eq!(server.count(), 1);
    assert_eq!(client.clock_offset_seconds(), 0);
}

#[tokio::test]
async fn huawei_correction_can_be_disabled() {
    let server = Server::sequence(vec![
        Reply::json(401, HW_EXPIRED).with_header("Date", &skewed_date(SKEW)),
        Reply::json(200, OK_HW),
    ])
    .await;
    let client = hw_builder(&server, 3)
        .clock_skew_correction(false)
        .build()
        .unwrap();
    let err = client
        .send::<serde_json::Value, FakeError>(hw_request())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("APIGW.0301"));
    assert_eq!(server.count(), 1);
    assert_eq!(client.clock_offset_seconds(), 0);
}

async fn aliyun_case(algorithm: SignatureAlgorithm, skew: i64, time_of: fn(&Captured) -> i64) {
    let server = Server::handler(move |i, _| match i {
        0 => Reply::json(400, ALI_EXPIRED).with_header("Date", &skewed_date(skew)),
        _ => Reply::json(200, OK_ALI),
    })
    .await;
    let client = ali_builder(&server, algorithm).build().unwrap();
    let start = now();
    let out: serde_json::Value = client
        .send::<_, FakeError>(ali_request())
        .await
        .expect("the corrected retry succeeds");
    assert_eq!(out["RequestId"], "rid-ok");
    let reqs = server.requests();
    assert_eq!(
        reqs.len(),
        2,
        "{algorithm:?}: one failure, one corrected retry"
    );
    assert_near(
        time_of(&reqs[0]),
        start,
        "first attempt signed with local time",
    );
    assert_near(
        time_of(&reqs[1]),
        start + skew,
        "retry signed with corrected time",
    );
    assert_near(client.clock_offset_seconds(), skew, "stored offset");

    let _: serde_json::Value = client
        .clone()
        .send::<_, FakeError>(ali_request())
        .await
        .unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3, "no failure before the third call");
    assert_near(
        time_of(&reqs[2]),
        now() + skew,
        "later requests signed with correction",
    );
}

#[tokio::test]
async fn aliyun_v3_learns_the_offset() {
    aliyun_case(SignatureAlgorithm::V3, SKEW, v3_time).await;
}

#[tokio::test]
async fn aliyun_v2_learns_the_offset() {
    aliyun_case(SignatureAlgorithm::V2, SKEW, v2_time).await;
}

#[tokio::test]
async fn aliyun_learns_a_negative_offset() {
    aliyun_case(SignatureAlgorithm::V3, -SKEW, v3_time).await;
}

#[tokio::test]
async fn aliyun_expiry_without_date_header_surfaces() {
    let server = Server::sequence(vec![Reply::json(400, ALI_EXPIRED)]).await;
    let client = ali_builder(&server, SignatureAlgorithm::V3)
        .build()
        .unwrap();
    let err = client
        .send::<serde_json::Value, FakeError>(ali_request())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidTimeStamp.Expired"), "{err:?}");
    assert_eq!(server.count(), 1);
    assert_eq!(client.clock_offset_seconds(), 0);
}

#[tokio::test]
async fn aliyun_unparsable_date_header_surfaces() {
    let server = Server::sequence(vec![
        Reply::json(400, ALI_EXPIRED).with_header("Date", "yesterday, around noon"),
    ])
    .await;
    let client = ali_builder(&server, SignatureAlgorithm::V2)
        .build()
        .unwrap();
    let err = client
        .send::<serde_json::Value, FakeError>(ali_request())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidTimeStamp.Expired"));
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn aliyun_second_expiry_after_correction_surfaces_without_looping() {
    let server = Server::handler(|_, _| {
        Reply::json(400, ALI_EXPIRED).with_header("Date", &skewed_date(SKEW))
    })
    .await;
    let client = ali_builder(&server, SignatureAlgorithm::V3)
        .retry_config(common::fast_retry(3))
        .build()
        .unwrap();
    let err = client
        .send::<serde_json::Value, FakeError>(ali_request())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidTimeStamp.Expired"));
    assert_eq!(server.count(), 2, "exactly one corrected retry");
    // The nonce of the corrected retry is fresh.
    let reqs = server.requests();
    assert_ne!(
        reqs[0].header("x-acs-signature-nonce"),
        reqs[1].header("x-acs-signature-nonce")
    );
}
