//! Huawei protocol end to end against a local HTTP server.

mod common;
use common::Route;

use std::time::Duration;

use cloudsdk_core::error::{SdkError, TimeoutKind};
use cloudsdk_core::huawei::{
    HuaweiClient, HuaweiClientBuilder, PathPart, RestRequest, ServiceInfo,
};
use cloudsdk_core::sign::huawei as hw;
use cloudsdk_core::{BuildError, Credentials};
use common::{FakeError, Reply, Server, closed_port, fast_retry};
use serde::Deserialize;

static VPC: ServiceInfo = ServiceInfo {
    endpoint_template: "https://vpc.{region}.myhuaweicloud.com",
    crate_name: "huawei-vpc-v3",
    crate_version: "9.9.9",
};

const AK: &str = "HWAKEXAMPLE0000000001";
const SK: &str = "HWSKexampleSecretKey/ForVectors+Only0001";
const PROJECT: &str = "0605767b5280d57e2f6ec014d9c0a2b7";
const SG: &str = "69c999ad-d9ef-4d79-94fd-35e6ceb75325";

#[derive(Debug, Deserialize, PartialEq)]
struct ShowOut {
    request_id: Option<String>,
    security_group: Option<Sg>,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Sg {
    id: String,
    name: String,
}

const OK_BODY: &str = r#"{"request_id":"body-rid","security_group":{"id":"69c999ad-d9ef-4d79-94fd-35e6ceb75325","name":"sg-web"}}"#;

fn show_request(id: &str) -> RestRequest {
    RestRequest {
        operation: "ShowSecurityGroup",
        method: "GET",
        path: vec![
            PathPart::Literal("/v3/"),
            PathPart::ProjectId,
            PathPart::Literal("/vpc/security-groups/"),
            PathPart::Param {
                name: "security_group_id",
                value: id.to_owned(),
            },
        ],
        query: vec![],
        body: None,
    }
}

fn builder(server: &Server) -> HuaweiClientBuilder {
    HuaweiClientBuilder::new(&VPC)
        .region("cn-north-4")
        .via(server)
        .project_id(PROJECT)
        .credentials(Credentials::new(AK, SK))
        .retry_config(fast_retry(3))
}

fn client(server: &Server) -> HuaweiClient {
    builder(server).build().unwrap()
}

/// Recomputes the signature of a captured request with the signer and compares.
fn verify_authorization(req: &common::Captured, sk: &str) {
    let auth = req.header("authorization").expect("authorization header");
    let parsed = hw::parse_authorization(auth).unwrap();
    assert_eq!(parsed.access_key_id, AK);
    let headers: Vec<(&str, &str)> = req
        .headers
        .iter()
        .filter(|(n, _)| n != "authorization")
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let query = req.decoded_query();
    let query: Vec<(&str, &str)> = query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let input = hw::SigningInput {
        method: &req.method,
        host: req.header("host").unwrap(),
        path: req.path(),
        query: &query,
        headers: &headers,
        body: &req.body,
    };
    let recomputed =
        hw::sign_with_signed_headers(&input, &parsed.signed_header_names(), AK, sk).unwrap();
    assert_eq!(
        recomputed.authorization, auth,
        "server-side recomputation differs"
    );
    // And the wire query is the canonical query.
    assert_eq!(recomputed.canonical_query, req.query());
}

#[tokio::test]
async fn success_sends_signed_headers_and_decodes() {
    let server = Server::sequence(vec![
        Reply::json(200, OK_BODY).with_header("X-Request-Id", "hdr-rid"),
    ])
    .await;
    let out: ShowOut = client(&server)
        .send::<ShowOut, FakeError>(show_request(SG))
        .await
        .unwrap();
    assert_eq!(out.security_group.unwrap().name, "sg-web");

    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.method, "GET");
    assert_eq!(r.path(), format!("/v3/{PROJECT}/vpc/security-groups/{SG}"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("x-project-id"), Some(PROJECT));
    assert_eq!(r.header("host"), Some(server.host().as_str()));
    let ua = r.header("user-agent").unwrap();
    assert_eq!(
        ua,
        format!("cloudsdk/{} huawei-vpc-v3/9.9.9", env!("CARGO_PKG_VERSION"))
    );
    let date = r.header("x-sdk-date").unwrap();
    assert_eq!(date.len(), 16, "{date}");
    assert!(hw::parse_sdk_date(date).is_ok(), "{date}");
    let auth = r.header("authorization").unwrap();
    assert!(auth.starts_with(&format!(
        "SDK-HMAC-SHA256 Access={AK}, SignedHeaders=content-type;host;user-agent;x-project-id;x-sdk-date, Signature="
    )));
    assert!(r.header("x-security-token").is_none());
    verify_authorization(r, SK);
}

#[tokio::test]
async fn a_request_body_is_sent_with_its_content_type_and_signed() {
    let server = Server::sequence(vec![Reply::json(201, OK_BODY)]).await;
    let body = r#"{"security_group":{"name":"sg-new"}}"#;
    let request = RestRequest::new("CreateSecurityGroup", "POST")
        .literal("/v3/")
        .project_id()
        .literal("/vpc/security-groups")
        .body("application/json;charset=UTF-8", body);
    let out: ShowOut = client(&server)
        .send::<ShowOut, FakeError>(request)
        .await
        .unwrap();
    assert_eq!(out.security_group.unwrap().name, "sg-web");
    let r = &server.requests()[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.body, body.as_bytes());
    assert_eq!(
        r.header("content-type"),
        Some("application/json;charset=UTF-8")
    );
    // The signature covers the body: recomputed over what was sent, and not over another body.
    verify_authorization(r, SK);
    let mut other = r.clone();
    other.body = b"{}".to_vec();
    let recheck = std::panic::catch_unwind(|| verify_authorization(&other, SK));
    assert!(recheck.is_err(), "a different body must not verify");
}

#[tokio::test]
async fn security_token_is_sent_and_signed_and_query_is_canonical() {
    let server = Server::sequence(vec![Reply::json(200, "{}")]).await;
    let client = builder(&server)
        .credentials(Credentials::new(AK, SK).with_security_token("TOKEN/with+chars=="))
        .build()
        .unwrap();
    let mut req = RestRequest::new("ListSecurityGroups", "GET")
        .literal("/v3/")
        .project_id()
        .literal("/vpc/security-groups");
    req.query = vec![
        ("name", "web sg".into()),
        ("limit", "10".into()),
        ("name", "a*b~/+".into()),
        ("description", "安全组".into()),
    ];
    let _: serde_json::Value = client.send::<_, FakeError>(req).await.unwrap();
    let r = &server.requests()[0];
    assert_eq!(r.header("x-security-token"), Some("TOKEN/with+chars=="));
    assert!(r.header("authorization").unwrap().contains(
        "SignedHeaders=content-type;host;user-agent;x-project-id;x-sdk-date;x-security-token,"
    ));
    assert_eq!(
        r.query(),
        "description=%E5%AE%89%E5%85%A8%E7%BB%84&limit=10&name=a%2Ab~%2F%2B&name=web%20sg"
    );
    verify_authorization(r, SK);
}

#[tokio::test]
async fn invalid_path_parameters_are_construction_errors() {
    let server = Server::sequence(vec![Reply::json(200, "{}")]).await;
    let c = client(&server);
    for bad in ["", "a/b", ".."] {
        let err = c
            .send::<serde_json::Value, FakeError>(show_request(bad))
            .await
            .unwrap_err();
        match &err {
            SdkError::Construction(e) => assert_eq!(e.parameter(), "security_group_id"),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(server.count(), 0, "nothing may be sent");
    // Characters are percent-encoded, and the signature covers the encoded path.
    for (value, encoded) in [
        ("urn:x y", "urn%3Ax%20y"),
        ("sg 1:é+~", "sg%201%3A%C3%A9%2B~"),
    ] {
        let _ = c
            .send::<serde_json::Value, FakeError>(show_request(value))
            .await
            .unwrap();
        let r = server.requests().pop().unwrap();
        assert_eq!(
            r.path(),
            format!("/v3/{PROJECT}/vpc/security-groups/{encoded}")
        );
        verify_authorization(&r, SK);
    }
}

struct ErrorCase {
    status: u16,
    headers: &'static [(&'static str, &'static str)],
    body: &'static str,
    code: Option<&'static str>,
    message: &'static str,
    request_id: Option<&'static str>,
    extras: &'static [(&'static str, &'static str)],
}

const RID: &str = "a8cf4f79ca3c22ca685e7e8872e8c20b";

/// The error bodies recorded from the official SDK (`huawei_vectors.json` → `error_vectors`).
const ERROR_CASES: &[ErrorCase] = &[
    ErrorCase {
        status: 401,
        headers: &[("X-Request-Id", RID)],
        body: r#"{"error_msg": "Incorrect IAM authentication information: verify aksk signature fail", "error_code": "APIGW.0301", "request_id": "a8cf4f79ca3c22ca685e7e8872e8c20b"}"#,
        code: Some("APIGW.0301"),
        message: "Incorrect IAM authentication information: verify aksk signature fail",
        request_id: Some(RID),
        extras: &[],
    },
    ErrorCase {
        status: 404,
        headers: &[],
        body: r#"{"request_id": "body-only-rid", "error_msg": "Security group 69c999ad-d9ef-4d79-94fd-35e6ceb75325 not found", "error_code": "VPC.0602"}"#,
        code: Some("VPC.0602"),
        message: "Security group 69c999ad-d9ef-4d79-94fd-35e6ceb75325 not found",
        request_id: Some("body-only-rid"),
        extras: &[],
    },
    ErrorCase {
        status: 404,
        headers: &[
            (
                "X-Openstack-Request-Id",
                "req-5f3c1c6e-0000-4000-8000-000000000000",
            ),
            (
                "X-Compute-Request-Id",
                "req-5f3c1c6e-0000-4000-8000-000000000000",
            ),
        ],
        body: r#"{"itemNotFound": {"message": "Instance 65fae4c2-3a09-46c6-af12-3b04f1fdba1e could not be found.", "code": 404}}"#,
        code: Some("itemNotFound"),
        message: "Instance 65fae4c2-3a09-46c6-af12-3b04f1fdba1e could not be found.",
        request_id: Some("req-5f3c1c6e-0000-4000-8000-000000000000"),
        extras: &[("fault_code", "404")],
    },
    ErrorCase {
        status: 400,
        headers: &[("X-Request-Id", RID)],
        body: r#"{"badRequest": {"message": "Invalid input for field/attribute server_id.", "code": 400}}"#,
        code: Some("badRequest"),
        message: "Invalid input for field/attribute server_id.",
        request_id: Some(RID),
        extras: &[("fault_code", "400")],
    },
    ErrorCase {
        status: 400,
        headers: &[("X-Request-Id", RID)],
        body: r#"{"error": {"message": "Invalid parameter", "code": "Ecs.EXAMPLE"}}"#,
        code: Some("Ecs.EXAMPLE"),
        message: "Invalid parameter",
        request_id: Some(RID),
        extras: &[],
    },
    ErrorCase {
        status: 400,
        headers: &[("x-request-id", RID)],
        body: r#"{"errorCode": "SVC.0001", "errorMsg": "camelCase variant"}"#,
        code: Some("SVC.0001"),
        message: "camelCase variant",
        request_id: Some(RID),
        extras: &[],
    },
    ErrorCase {
        status: 400,
        headers: &[],
        body: r#"{"code": "SVC.0002", "message": "plain code/message"}"#,
        code: Some("SVC.0002"),
        message: "plain code/message",
        request_id: None,
        extras: &[],
    },
    ErrorCase {
        status: 403,
        headers: &[("X-Request-Id", RID)],
        body: r#"{"error_msg": "Policy doesn't allow vpc:securityGroups:get to be performed.", "error_code": "VPC.0015", "request_id": "a8cf4f79ca3c22ca685e7e8872e8c20b", "encoded_authorization_message": "BASE64ENCODEDEXAMPLE=="}"#,
        code: Some("VPC.0015"),
        message: "Policy doesn't allow vpc:securityGroups:get to be performed.",
        request_id: Some(RID),
        extras: &[("encoded_authorization_message", "BASE64ENCODEDEXAMPLE==")],
    },
];

#[tokio::test]
async fn every_error_body_shape_is_decoded() {
    for case in ERROR_CASES {
        let mut reply = Reply::json(case.status, case.body);
        for (k, v) in case.headers {
            reply = reply.with_header(k, v);
        }
        let server = Server::sequence(vec![reply]).await;
        let err = client(&server)
            .send::<ShowOut, FakeError>(show_request(SG))
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(case.status), "{}", case.body);
        assert_eq!(err.code(), case.code, "{}", case.body);
        assert_eq!(err.message(), Some(case.message), "{}", case.body);
        assert_eq!(err.request_id(), case.request_id, "{}", case.body);
        let meta = err.meta().unwrap();
        for (k, v) in case.extras {
            assert_eq!(meta.extra(k), Some(*v), "{}", case.body);
        }
        assert_eq!(err.raw_response().unwrap().body(), case.body.as_bytes());
        assert_eq!(server.count(), 1, "4xx must not be retried: {}", case.body);
    }
}

#[tokio::test]
async fn display_typed_error_and_source() {
    let server = Server::sequence(vec![
        Reply::json(
            404,
            r#"{"error_msg":"Security group sg-1 does not exist","error_code":"VPC.0602"}"#,
        )
        .with_header("X-Request-Id", "rid-1"),
    ])
    .await;
    let err = client(&server)
        .send::<ShowOut, FakeError>(show_request("sg-1"))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "404 VPC.0602: Security group sg-1 does not exist (request id rid-1)"
    );
    let source = std::error::Error::source(&err).expect("source");
    assert_eq!(source.to_string(), "not found");
    assert!(matches!(
        err.as_service_error(),
        Some(FakeError::NotFound(_))
    ));
    let typed = err.into_service_error().unwrap();
    assert_eq!(
        cloudsdk_core::error::OperationError::meta(&typed).code(),
        Some("VPC.0602")
    );
}

#[tokio::test]
async fn html_503_keeps_status_and_snippet() {
    let html = "<html><body>503 Service Temporarily Unavailable</body></html>";
    let server = Server::sequence(vec![Reply::raw(503, "text/html", html)]).await;
    let err = builder(&server)
        .max_attempts(1)
        .build()
        .unwrap()
        .send::<ShowOut, FakeError>(show_request(SG))
        .await
        .unwrap_err();
    assert!(matches!(err, SdkError::Service(_)));
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.code(), None);
    assert_eq!(err.message(), Some(html));
}

#[tokio::test]
async fn retries_429_then_succeeds() {
    let server = Server::sequence(vec![
        Reply::json(
            429,
            r#"{"error_msg":"The throttling threshold has been reached","error_code":"APIGW.0308"}"#,
        ),
        Reply::json(200, OK_BODY),
    ])
    .await;
    let out = client(&server)
        .send::<ShowOut, FakeError>(show_request(SG))
        .await
        .unwrap();
    assert!(out.security_group.is_some());
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn gives_up_after_max_attempts() {
    let server = Server::sequence(vec![Reply::json(
        500,
        r#"{"error_msg":"System error","error_code":"VPC.9999"}"#,
    )])
    .await;
    let err = client(&server)
        .send::<ShowOut, FakeError>(show_request(SG))
        .await
        .unwrap_err();
    assert_eq!(server.count(), 3);
    assert_eq!(err.status(), Some(500));
    assert_eq!(err.code(), Some("VPC.9999"));
}

#[tokio::test]
async fn retryable_code_with_any_status_is_retried() {
    let server = Server::sequence(vec![
        Reply::json(
            403,
            r#"{"error_msg":"throttled","error_code":"APIGW.0308"}"#,
        ),
        Reply::json(200, OK_BODY),
    ])
    .await;
    client(&server)
        .send::<ShowOut, FakeError>(show_request(SG))
        .await
        .unwrap();
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn client_errors_are_never_retried() {
    let server = Server::sequence(vec![Reply::json(
        400,
        r#"{"error_msg":"bad","error_code":"VPC.0001"}"#,
    )])
    .await;
    let err = client(&server)
        .send::<ShowOut, FakeError>(show_request(SG))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn retry_after_is_honoured_and_each_attempt_is_signed_afresh() {
    let server = Server::sequence(vec![
        Reply::json(503, r#"{"error_msg":"busy","error_code":"SYS.503"}"#)
            .with_header("Retry-After", "1"),
        Reply::json(200, OK_BODY),
    ])
    .await;
    client(&server)
        .send::<ShowOut, FakeError>(show_request(SG))
        .await
        .unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    let gap = reqs[1].at - reqs[0].at;
    assert!(gap >= Duration::from_millis(950), "waited only {gap:?}");
    assert_ne!(reqs[0].header("x-sdk-date"), reqs[1].header("x-sdk-date"));
    assert_ne!(
        reqs[0].header("authorization"),
        reqs[1].header("authorization")
    );
    verify_authorization(&reqs[1], SK);
}

#[tokio::test]
async fn attempt_timeout_is_retried_then_reported() {
    let server = Server::sequence(vec![
        Reply::json(200, OK_BODY).delayed(Duration::from_secs(3)),
    ])
    .await;
    let err = builder(&server)
        .attempt_timeout(Duration::from_millis(200))
        .max_attempts(2)
        .build()
        .unwrap()
        .send::<ShowOut, FakeError>(show_request(SG))
        .await
        .unwrap_err();
    match &err {
        SdkError::Timeout(t) => {
            assert_eq!(t.kind(), TimeoutKind::Attempt);
            assert_eq!(t.limit(), Duration::from_millis(200));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.is_timeout());
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn connection_refused_is_a_dispatch_error() {
    let addr = closed_port().await;
    let client = HuaweiClientBuilder::new(&VPC)
        .region("cn-north-4")
        .endpoint(format!("http://{addr}"))
        .project_id(PROJECT)
        .credentials(Credentials::new(AK, SK))
        .retry_config(fast_retry(2))
        .build()
        .unwrap();
    let err = client
        .send::<ShowOut, FakeError>(show_request(SG))
        .await
        .unwrap_err();
    match &err {
        SdkError::Dispatch(d) => assert!(d.is_connect(), "{d:?}"),
        other => panic!("{other:?}"),
    }
    assert!(std::error::Error::source(&err).is_some());
    assert_eq!(err.status(), None);
}

#[tokio::test]
async fn undecodable_success_body_is_a_response_error() {
    let server = Server::sequence(vec![
        Reply::json(200, r#"{"security_group": {"id": 5, "#).with_header("X-Request-Id", "rid-x"),
    ])
    .await;
    let err = client(&server)
        .send::<ShowOut, FakeError>(show_request(SG))
        .await
        .unwrap_err();
    match &err {
        SdkError::Response(r) => {
            assert_eq!(r.status(), 200);
            assert_eq!(r.request_id(), Some("rid-x"));
            assert_eq!(r.body_snippet(), r#"{"security_group": {"id": 5,"#);
            assert!(std::error::Error::source(r).is_some());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.status(), Some(200));
    assert_eq!(err.request_id(), Some("rid-x"));
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn response_body_cap_is_enforced_while_streaming() {
    // 64 chunks of 64 KiB (4 MiB) chunked; the cap is 100 KiB.
    let server = Server::tcp_sequence(vec![Reply::Chunked {
        status: 200,
        chunk: 64 * 1024,
        count: 64,
    }])
    .await;
    let err = builder(&server)
        .max_response_bytes(100 * 1024)
        .build()
        .unwrap()
        .send::<ShowOut, FakeError>(show_request(SG))
        .await
        .unwrap_err();
    match &err {
        SdkError::Response(r) => {
            assert!(r.to_string().contains("exceeds the limit"), "{r}");
            assert!(r.raw().body().len() <= 100 * 1024);
        }
        other => panic!("{other:?}"),
    }
    // With Content-Length the body is not read at all.
    let big = "x".repeat(200 * 1024);
    let server = Server::sequence(vec![Reply::json(200, &big)]).await;
    let err = builder(&server)
        .max_response_bytes(100 * 1024)
        .build()
        .unwrap()
        .send::<ShowOut, FakeError>(show_request(SG))
        .await
        .unwrap_err();
    assert!(matches!(err, SdkError::Response(_)), "{err:?}");
}

// ------------------------------------------------------------------------------------------
// Project id discovery
// ------------------------------------------------------------------------------------------

fn iam_projects(ids: &[&str]) -> String {
    let projects: Vec<String> = ids
        .iter()
        .map(|id| format!(r#"{{"id":"{id}","name":"cn-north-4","domain_id":"d","enabled":true}}"#))
        .collect();
    format!(
        r#"{{"projects":[{}],"links":{{"self":"x"}}}}"#,
        projects.join(",")
    )
}

#[tokio::test]
async fn project_id_is_discovered_once_and_shared_by_clones() {
    let iam = Server::sequence(vec![Reply::json(200, &iam_projects(&["discovered01"]))]).await;
    let vpc = Server::sequence(vec![Reply::json(200, OK_BODY)]).await;
    let client = HuaweiClientBuilder::new(&VPC)
        .region("cn-north-4")
        .via(&vpc)
        .iam_endpoint(iam.url())
        .credentials(Credentials::new(AK, SK))
        .build()
        .unwrap();
    assert_eq!(client.project_id(), None);
    client
        .send::<ShowOut, FakeError>(show_request(SG))
        .await
        .unwrap();
    let clone = client.clone();
    clone
        .send::<ShowOut, FakeError>(show_request(SG))
        .await
        .unwrap();
    assert_eq!(iam.count(), 1, "the project id must be cached");
    assert_eq!(client.project_id(), Some("discovered01"));

    let iam_req = &iam.requests()[0];
    assert_eq!(iam_req.method, "GET");
    assert_eq!(iam_req.path(), "/v3/projects");
    assert_eq!(iam_req.query(), "name=cn-north-4");
    assert!(iam_req.header("x-project-id").is_none());
    verify_authorization(iam_req, SK);

    let reqs = vpc.requests();
    assert_eq!(reqs.len(), 2);
    for r in &reqs {
        assert_eq!(
            r.path(),
            format!("/v3/discovered01/vpc/security-groups/{SG}")
        );
        assert_eq!(r.header("x-project-id"), Some("discovered01"));
    }
}

#[tokio::test]
async fn project_discovery_with_zero_or_many_projects_fails_clearly() {
    for (ids, needle) in [
        (vec![], "no IAM project named \"cn-north-4\""),
        (vec!["p1", "p2"], "2 IAM projects match"),
    ] {
        let iam = Server::sequence(vec![
            Reply::json(200, &iam_projects(&ids)).with_header("X-IAM-Trace-Id", "trace-1"),
        ])
        .await;
        let vpc = Server::sequence(vec![Reply::json(200, OK_BODY)]).await;
        let client = HuaweiClientBuilder::new(&VPC)
            .region("cn-north-4")
            .via(&vpc)
            .iam_endpoint(iam.url())
            .credentials(Credentials::new(AK, SK))
            .build()
            .unwrap();
        let err = client
            .send::<ShowOut, FakeError>(show_request(SG))
            .await
            .unwrap_err();
        match &err {
            SdkError::Construction(c) => {
                assert_eq!(c.parameter(), "project_id");
                assert!(c.message().contains(needle), "{}", c.message());
                assert!(c.message().contains("trace-1"), "{}", c.message());
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(vpc.count(), 0);
        if ids.len() == 2 {
            assert!(err.to_string().contains("p1, p2"), "{err}");
        }
    }
}

#[tokio::test]
async fn iam_endpoint_comes_from_the_environment() {
    let iam = Server::sequence(vec![Reply::json(200, &iam_projects(&["fromenv"]))]).await;
    let vpc = Server::sequence(vec![Reply::json(200, OK_BODY)]).await;
    let env = cloudsdk_core::credentials::Env::from_vars([
        ("HUAWEICLOUD_SDK_AK", AK),
        ("HUAWEICLOUD_SDK_SK", SK),
        ("HUAWEICLOUD_SDK_REGION", "cn-north-4"),
        ("HUAWEICLOUD_SDK_IAM_ENDPOINT", iam.url().as_str()),
    ]);
    let client = HuaweiClientBuilder::from_env_with(&VPC, env)
        .via(&vpc)
        .build()
        .unwrap();
    assert_eq!(client.region(), Some("cn-north-4"));
    client
        .send::<ShowOut, FakeError>(show_request(SG))
        .await
        .unwrap();
    assert_eq!(vpc.requests()[0].header("x-project-id"), Some("fromenv"));
}

#[tokio::test]
async fn from_env_reads_project_id() {
    let vpc = Server::sequence(vec![Reply::json(200, OK_BODY)]).await;
    let env = cloudsdk_core::credentials::Env::from_vars([
        ("HUAWEICLOUD_SDK_AK", AK),
        ("HUAWEICLOUD_SDK_SK", SK),
        ("HUAWEICLOUD_SDK_PROJECT_ID", "envproject"),
    ]);
    let client = HuaweiClientBuilder::from_env_with(&VPC, env)
        .via(&vpc)
        .build()
        .unwrap();
    client
        .send::<ShowOut, FakeError>(show_request(SG))
        .await
        .unwrap();
    assert_eq!(vpc.requests()[0].header("x-project-id"), Some("envproject"));
}

#[test]
fn build_errors_are_descriptive_and_never_panic() {
    let creds = || Credentials::new(AK, SK);
    let e = HuaweiClientBuilder::new(&VPC)
        .credentials(creds())
        .build()
        .unwrap_err();
    assert!(matches!(e, BuildError::MissingRegion { .. }), "{e}");
    let e = HuaweiClientBuilder::new(&VPC)
        .endpoint("http://127.0.0.1:8080")
        .credentials(creds())
        .build()
        .unwrap_err();
    assert!(matches!(e, BuildError::MissingProjectId), "{e}");
    let e = HuaweiClientBuilder::new(&VPC)
        .region("cn-north-4")
        .endpoint("::garbage::")
        .credentials(creds())
        .build()
        .unwrap_err();
    assert!(matches!(e, BuildError::InvalidEndpoint { .. }), "{e}");
    let e = HuaweiClientBuilder::new(&VPC)
        .region("CN North")
        .credentials(creds())
        .build()
        .unwrap_err();
    assert!(matches!(e, BuildError::InvalidRegion { .. }), "{e}");
    let e = HuaweiClientBuilder::new(&VPC)
        .region("cn-north-4")
        .credentials(creds())
        .max_attempts(0)
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("max_attempts"), "{e}");
    let e = HuaweiClientBuilder::new(&VPC)
        .region("cn-north-4")
        .env(cloudsdk_core::credentials::Env::from_vars([(
            "HOME",
            "/no/such/home",
        )]))
        .build()
        .unwrap_err();
    let text = e.to_string();
    assert!(text.contains("huawei environment variables"), "{text}");
    assert!(text.contains("huawei profile file"), "{text}");
    // Any well-formed region is accepted, with the endpoint from the template.
    let c = HuaweiClientBuilder::new(&VPC)
        .region("xx-future-42")
        .project_id(PROJECT)
        .credentials(creds())
        .build()
        .unwrap();
    assert_eq!(c.endpoint(), "https://vpc.xx-future-42.myhuaweicloud.com");
}

#[test]
fn client_is_send_sync_and_cheap_to_clone() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<HuaweiClient>();
    assert_send_sync::<cloudsdk_core::aliyun::AliyunClient>();
    assert_send_sync::<Credentials>();
}

#[test]
fn sdk_error_is_small() {
    // Payloads are boxed so `Result<T, SdkError<E>>` stays cheap to return (and clippy's
    // `result_large_err` stays quiet in generated crates).
    assert!(std::mem::size_of::<SdkError<FakeError>>() <= 56);
}
