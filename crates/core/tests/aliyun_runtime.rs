//! Alibaba Cloud protocol end to end against a local HTTP server.

mod common;
use common::Route;

use std::time::Duration;

use cloudsdk_core::aliyun::{
    AliyunClient, AliyunClientBuilder, Format, RpcRequest, ServiceInfo, SignatureAlgorithm,
};
use cloudsdk_core::error::SdkError;
use cloudsdk_core::sign::{self, aliyun_v2, aliyun_v3};
use cloudsdk_core::{BuildError, Credentials};
use common::{Captured, FakeError, Reply, Server, fast_retry};
use serde::Deserialize;

static ECS: ServiceInfo = ServiceInfo {
    product: "Ecs",
    version: "2014-05-26",
    endpoint_rule: "ecs{network}.{region}.aliyuncs.com",
    endpoint_map: &[("cn-hangzhou", "ecs-cn-hangzhou.aliyuncs.com")],
    crate_name: "aliyun-ecs",
    crate_version: "1.2.3",
};

const ID: &str = "testid";
const SECRET: &str = "testsecret";

#[derive(Debug, Deserialize, PartialEq)]
struct Out {
    #[serde(rename = "RequestId")]
    request_id: Option<String>,
    #[serde(
        rename = "SecurityGroupReferences",
        default,
        deserialize_with = "cloudsdk_core::serde_helpers::wrapped_list"
    )]
    references: Vec<Reference>,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Reference {
    #[serde(rename = "SecurityGroupId")]
    security_group_id: Option<String>,
    #[serde(
        rename = "ReferencingSecurityGroups",
        default,
        deserialize_with = "cloudsdk_core::serde_helpers::wrapped_list"
    )]
    referencing: Vec<Referencing>,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Referencing {
    #[serde(rename = "SecurityGroupId")]
    security_group_id: Option<String>,
    #[serde(
        rename = "AliUid",
        default,
        deserialize_with = "cloudsdk_core::serde_helpers::string_or_number"
    )]
    ali_uid: Option<String>,
}

const JSON_OK: &str = r#"{"RequestId":"473469C7-AA6F-4DC5-B3DB-A3DC0DE3C83E","SecurityGroupReferences":{"SecurityGroupReference":[{"ReferencingSecurityGroups":{"ReferencingSecurityGroup":[{"AliUid":"1234567890","SecurityGroupId":"sg-bp67acfmxazb4j0001"}]},"SecurityGroupId":"sg-bp67acfmxazb4p0001"}]}}"#;

const XML_OK: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<DescribeSecurityGroupReferencesResponse>
  <RequestId>473469C7-AA6F-4DC5-B3DB-A3DC0DE3C83E</RequestId>
  <SecurityGroupReferences>
    <SecurityGroupReference>
      <SecurityGroupId>sg-bp67acfmxazb4p0001</SecurityGroupId>
      <ReferencingSecurityGroups>
        <ReferencingSecurityGroup>
          <SecurityGroupId>sg-bp67acfmxazb4j0001</SecurityGroupId>
          <AliUid>1234567890</AliUid>
        </ReferencingSecurityGroup>
      </ReferencingSecurityGroups>
    </SecurityGroupReference>
  </SecurityGroupReferences>
</DescribeSecurityGroupReferencesResponse>"#;

fn ten_ids() -> Vec<String> {
    (1..=10)
        .map(|i| format!("sg-bp1000000000000000{i:04}"))
        .collect()
}

fn request() -> RpcRequest {
    RpcRequest::new("DescribeSecurityGroupReferences")
        .param("RegionId", "cn-hangzhou")
        .param("OwnerAccount", "ECSforCloud@Alibaba.com")
        .param("OwnerId", None::<i64>)
        .param_list("SecurityGroupId", ten_ids())
}

fn builder(server: &Server) -> AliyunClientBuilder {
    AliyunClientBuilder::new(&ECS)
        .region("cn-hangzhou")
        .via(server)
        .credentials(Credentials::new(ID, SECRET))
        .retry_config(fast_retry(3))
}

fn client(server: &Server) -> AliyunClient {
    builder(server).build().unwrap()
}

fn expected_out() -> Out {
    Out {
        request_id: Some("473469C7-AA6F-4DC5-B3DB-A3DC0DE3C83E".into()),
        references: vec![Reference {
            security_group_id: Some("sg-bp67acfmxazb4p0001".into()),
            referencing: vec![Referencing {
                security_group_id: Some("sg-bp67acfmxazb4j0001".into()),
                ali_uid: Some("1234567890".into()),
            }],
        }],
    }
}

/// Recomputes the V3 Authorization of a captured request.
fn verify_v3(r: &Captured, secret: &str) {
    let auth = r.header("authorization").unwrap();
    let parsed = aliyun_v3::parse_authorization(auth).unwrap();
    let headers: Vec<(&str, &str)> = r
        .headers
        .iter()
        .filter(|(n, _)| n != "authorization")
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let query = r.decoded_query();
    let query: Vec<(&str, &str)> = query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let signed = aliyun_v3::sign_with_signed_headers(
        &aliyun_v3::SigningInput {
            method: &r.method,
            path: r.path(),
            query: &query,
            headers: &headers,
            body: &r.body,
        },
        &parsed.signed_header_names(),
        &parsed.access_key_id,
        secret,
    );
    assert_eq!(signed.authorization, auth);
    assert_eq!(
        signed.canonical_query,
        r.query(),
        "wire query must be canonical"
    );
}

/// Recomputes the V2 Signature of a captured request.
fn verify_v2(r: &Captured, secret: &str) {
    let params = r.decoded_query();
    let sig = params
        .iter()
        .find(|(k, _)| k == "Signature")
        .map(|(_, v)| v.clone())
        .expect("Signature parameter");
    let pairs: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let signed = aliyun_v2::sign(&r.method, &pairs, secret);
    assert_eq!(signed.signature, sig);
    assert_eq!(
        signed.signed_query,
        r.query(),
        "wire query must be the signed query"
    );
}

#[tokio::test]
async fn v3_success() {
    let server = Server::sequence(vec![Reply::json(200, JSON_OK)]).await;
    let out: Out = client(&server)
        .send::<Out, FakeError>(request())
        .await
        .unwrap();
    assert_eq!(out, expected_out());
    let r = &server.requests()[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path(), "/");
    assert!(r.body.is_empty());
    let names: Vec<String> = r.query_pairs().into_iter().map(|(k, _)| k).collect();
    let mut expected = vec![
        "OwnerAccount".to_string(),
        "RegionId".into(),
        "SecurityGroupId.1".into(),
        "SecurityGroupId.10".into(),
    ];
    expected.extend((2..=9).map(|i| format!("SecurityGroupId.{i}")));
    assert_eq!(names, expected, "sorted byte-wise, .10 between .1 and .2");
    assert!(r.query().contains("OwnerAccount=ECSforCloud%40Alibaba.com"));
    assert!(!r.query().contains("OwnerId"));
    assert_eq!(r.header("host"), Some(server.host().as_str()));
    assert_eq!(
        r.header("x-acs-action"),
        Some("DescribeSecurityGroupReferences")
    );
    assert_eq!(r.header("x-acs-version"), Some("2014-05-26"));
    assert_eq!(
        r.header("x-acs-content-sha256"),
        Some(sign::EMPTY_PAYLOAD_SHA256)
    );
    assert_eq!(r.header("accept"), Some("application/json"));
    assert_eq!(
        r.header("user-agent").unwrap(),
        format!("cloudsdk/{} aliyun-ecs/1.2.3", env!("CARGO_PKG_VERSION"))
    );
    let date = r.header("x-acs-date").unwrap();
    assert_eq!(date.len(), 20);
    assert!(date.ends_with('Z') && date.as_bytes()[10] == b'T', "{date}");
    assert_eq!(r.header("x-acs-signature-nonce").unwrap().len(), 32);
    assert!(r.header("x-acs-security-token").is_none());
    let auth = r.header("authorization").unwrap();
    assert!(auth.starts_with(
        "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature="
    ), "{auth}");
    verify_v3(r, SECRET);
}

#[tokio::test]
async fn v3_with_sts_sends_token_headers() {
    let server = Server::sequence(vec![Reply::json(200, JSON_OK)]).await;
    let c = builder(&server)
        .credentials(Credentials::new(ID, SECRET).with_security_token("STS/TOKEN+=="))
        .build()
        .unwrap();
    c.send::<Out, FakeError>(request()).await.unwrap();
    let r = &server.requests()[0];
    assert_eq!(r.header("x-acs-security-token"), Some("STS/TOKEN+=="));
    assert_eq!(r.header("x-acs-accesskey-id"), Some(ID));
    assert!(
        r.header("authorization")
            .unwrap()
            .contains("x-acs-security-token")
    );
    verify_v3(r, SECRET);
}

#[tokio::test]
async fn v2_success() {
    let server = Server::sequence(vec![Reply::json(200, JSON_OK)]).await;
    let c = builder(&server)
        .signature_algorithm(SignatureAlgorithm::V2)
        .credentials(Credentials::new(ID, SECRET).with_security_token("STS/TOKEN+=="))
        .build()
        .unwrap();
    let out = c.send::<Out, FakeError>(request()).await.unwrap();
    assert_eq!(out, expected_out());
    let r = &server.requests()[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path(), "/");
    assert!(r.header("authorization").is_none());
    let params = r.decoded_query();
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(get("Action"), Some("DescribeSecurityGroupReferences"));
    assert_eq!(get("Version"), Some("2014-05-26"));
    assert_eq!(get("Format"), Some("JSON"));
    assert_eq!(get("AccessKeyId"), Some(ID));
    assert_eq!(get("SignatureMethod"), Some("HMAC-SHA1"));
    assert_eq!(get("SignatureVersion"), Some("1.0"));
    assert_eq!(get("SecurityToken"), Some("STS/TOKEN+=="));
    assert_eq!(get("SignatureNonce").unwrap().len(), 36);
    assert_eq!(get("Timestamp").unwrap().len(), 20);
    for i in 1..=10 {
        assert!(get(&format!("SecurityGroupId.{i}")).is_some());
    }
    verify_v2(r, SECRET);
}

#[tokio::test]
async fn xml_format_is_requested_and_decoded_v3_and_v2() {
    for alg in [SignatureAlgorithm::V3, SignatureAlgorithm::V2] {
        let server =
            Server::sequence(vec![Reply::raw(200, "text/xml;charset=utf-8", XML_OK)]).await;
        let c = builder(&server)
            .signature_algorithm(alg)
            .format(Format::Xml)
            .build()
            .unwrap();
        let out = c.send::<Out, FakeError>(request()).await.unwrap();
        assert_eq!(out, expected_out(), "{alg:?}");
        let r = &server.requests()[0];
        assert!(r.query().contains("Format=XML"), "{alg:?} {}", r.query());
        assert_eq!(r.header("accept"), Some("application/xml"));
        match alg {
            SignatureAlgorithm::V3 => verify_v3(r, SECRET),
            _ => verify_v2(r, SECRET),
        }
    }
}

struct ErrorCase {
    status: u16,
    content_type: &'static str,
    body: &'static str,
    code: &'static str,
    message: &'static str,
    request_id: &'static str,
    extras: &'static [(&'static str, &'static str)],
}

/// Error bodies from `aliyun_vectors.json` → `end_to_end_tea_openapi_ecs_client.errors`.
const ERRORS: &[ErrorCase] = &[
    ErrorCase {
        status: 400,
        content_type: "application/json;charset=utf-8",
        body: r#"{"RequestId": "E0A2B0C1-0000-0000-0000-000000000001", "HostId": "ecs.cn-hangzhou.aliyuncs.com", "Code": "InvalidSecurityGroupId.Malformed", "Message": "The specified parameter SecurityGroupId is essential and size should less than 10", "Recommend": "https://api.aliyun.com/troubleshoot?q=InvalidSecurityGroupId.Malformed&product=Ecs"}"#,
        code: "InvalidSecurityGroupId.Malformed",
        message: "The specified parameter SecurityGroupId is essential and size should less than 10",
        request_id: "E0A2B0C1-0000-0000-0000-000000000001",
        extras: &[
            ("HostId", "ecs.cn-hangzhou.aliyuncs.com"),
            (
                "Recommend",
                "https://api.aliyun.com/troubleshoot?q=InvalidSecurityGroupId.Malformed&product=Ecs",
            ),
        ],
    },
    ErrorCase {
        status: 404,
        content_type: "application/json;charset=utf-8",
        body: r#"{"RequestId": "E0A2B0C1-0000-0000-0000-000000000002", "HostId": "ecs.cn-hangzhou.aliyuncs.com", "Code": "InvalidSecurityGroupId.NotFound", "Message": "The SecurityGroupId provided does not exist in our records."}"#,
        code: "InvalidSecurityGroupId.NotFound",
        message: "The SecurityGroupId provided does not exist in our records.",
        request_id: "E0A2B0C1-0000-0000-0000-000000000002",
        extras: &[],
    },
    ErrorCase {
        status: 403,
        content_type: "application/json;charset=utf-8",
        body: r#"{"RequestId": "E0A2B0C1-0000-0000-0000-000000000003", "HostId": "ecs.cn-hangzhou.aliyuncs.com", "Code": "Forbidden.RAM", "Message": "User not authorized to operate on the specified resource, or this API doesn't support RAM.", "AccessDeniedDetail": {"PolicyType": "AccountLevelIdentityBasedPolicy", "AuthAction": "ecs:DescribeSecurityGroupReferences", "NoPermissionType": "ImplicitDeny", "EncodedDiagnosticMessage": "AQ=="}}"#,
        code: "Forbidden.RAM",
        message: "User not authorized to operate on the specified resource, or this API doesn't support RAM.",
        request_id: "E0A2B0C1-0000-0000-0000-000000000003",
        extras: &[],
    },
    ErrorCase {
        status: 400,
        content_type: "application/json",
        body: r#"{"requestId": "lower-rid", "code": "InvalidParameter", "message": "lowercase keys", "accessDeniedDetail": {"AuthAction": "ecs:X"}}"#,
        code: "InvalidParameter",
        message: "lowercase keys",
        request_id: "lower-rid",
        extras: &[],
    },
    ErrorCase {
        status: 400,
        content_type: "text/xml;charset=utf-8",
        body: "<?xml version='1.0' encoding='UTF-8'?><Error><RequestId>E0A2B0C1-0000-0000-0000-000000000006</RequestId><HostId>ecs.cn-hangzhou.aliyuncs.com</HostId><Code>SignatureDoesNotMatch</Code><Message>Specified signature is not matched with our calculation.</Message></Error>",
        code: "SignatureDoesNotMatch",
        message: "Specified signature is not matched with our calculation.",
        request_id: "E0A2B0C1-0000-0000-0000-000000000006",
        extras: &[("HostId", "ecs.cn-hangzhou.aliyuncs.com")],
    },
];

#[tokio::test]
async fn every_error_body_shape_is_decoded() {
    for case in ERRORS {
        let server =
            Server::sequence(vec![Reply::raw(case.status, case.content_type, case.body)]).await;
        let err = client(&server)
            .send::<Out, FakeError>(request())
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(case.status));
        assert_eq!(err.code(), Some(case.code));
        assert_eq!(err.message(), Some(case.message));
        assert_eq!(err.request_id(), Some(case.request_id));
        let meta = err.meta().unwrap();
        for (k, v) in case.extras {
            assert_eq!(meta.extra(k), Some(*v));
        }
        if case.body.contains("ccessDeniedDetail") {
            assert!(meta.extra("AccessDeniedDetail").unwrap().contains("ecs:"));
        }
        assert_eq!(server.count(), 1, "{}", case.code);
    }
    // Typed mapping.
    let server = Server::sequence(vec![Reply::raw(404, "application/json", ERRORS[1].body)]).await;
    let err = client(&server)
        .send::<Out, FakeError>(request())
        .await
        .unwrap_err();
    assert!(matches!(
        err.into_service_error(),
        Some(FakeError::NotFound(_))
    ));
}

#[tokio::test]
async fn throttling_honours_x_acs_retry_after_with_fresh_nonce() {
    let server = Server::sequence(vec![
        Reply::json(
            400,
            r#"{"RequestId":"E0A2B0C1-0000-0000-0000-000000000004","HostId":"ecs.cn-hangzhou.aliyuncs.com","Code":"Throttling.User","Message":"Request was denied due to user flow control."}"#,
        )
        .with_header("x-acs-retry-after", "300"),
        Reply::json(200, JSON_OK),
    ])
    .await;
    client(&server)
        .send::<Out, FakeError>(request())
        .await
        .unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert!(reqs[1].at - reqs[0].at >= Duration::from_millis(290));
    assert_ne!(
        reqs[0].header("x-acs-signature-nonce"),
        reqs[1].header("x-acs-signature-nonce")
    );
    verify_v3(&reqs[1], SECRET);
}

#[tokio::test]
async fn v2_retries_use_a_fresh_nonce() {
    let server = Server::sequence(vec![
        Reply::json(503, r#"{"Code":"ServiceUnavailable","Message":"The request has failed due to a temporary failure of the server.","RequestId":"r5"}"#),
        Reply::json(200, JSON_OK),
    ])
    .await;
    builder(&server)
        .signature_algorithm(SignatureAlgorithm::V2)
        .build()
        .unwrap()
        .send::<Out, FakeError>(request())
        .await
        .unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    let nonce = |r: &Captured| {
        r.decoded_query()
            .into_iter()
            .find(|(k, _)| k == "SignatureNonce")
            .unwrap()
            .1
    };
    assert_ne!(nonce(&reqs[0]), nonce(&reqs[1]));
    verify_v2(&reqs[1], SECRET);
}

#[tokio::test]
async fn service_unavailable_exhausts_attempts() {
    let server = Server::sequence(vec![Reply::json(
        503,
        r#"{"RequestId":"E0A2B0C1-0000-0000-0000-000000000005","Code":"ServiceUnavailable","Message":"The request has failed due to a temporary failure of the server."}"#,
    )])
    .await;
    let err = client(&server)
        .send::<Out, FakeError>(request())
        .await
        .unwrap_err();
    assert_eq!(server.count(), 3);
    assert_eq!(err.code(), Some("ServiceUnavailable"));
    assert_eq!(
        err.to_string(),
        "503 ServiceUnavailable: The request has failed due to a temporary failure of the server. (request id E0A2B0C1-0000-0000-0000-000000000005)"
    );
}

#[tokio::test]
async fn undecodable_xml_is_a_response_error_with_request_id() {
    let server = Server::sequence(vec![Reply::raw(
        200,
        "text/xml",
        "<R><RequestId>rid-xml</RequestId><SecurityGroupReferences><oops",
    )])
    .await;
    let err = builder(&server)
        .format(Format::Xml)
        .build()
        .unwrap()
        .send::<Out, FakeError>(request())
        .await
        .unwrap_err();
    match &err {
        SdkError::Response(r) => {
            assert_eq!(r.status(), 200);
            assert!(r.body_snippet().starts_with("<R><RequestId>"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn endpoints_and_build_errors() {
    let creds = || Credentials::new(ID, SECRET);
    let c = AliyunClientBuilder::new(&ECS)
        .region("cn-hangzhou")
        .credentials(creds())
        .build()
        .unwrap();
    assert_eq!(c.endpoint(), "https://ecs-cn-hangzhou.aliyuncs.com");
    let c = AliyunClientBuilder::new(&ECS)
        .region("cn-beijing")
        .network("vpc")
        .credentials(creds())
        .build()
        .unwrap();
    assert_eq!(c.endpoint(), "https://ecs-vpc.cn-beijing.aliyuncs.com");
    let c = AliyunClientBuilder::new(&ECS)
        .region("ap-future-7")
        .credentials(creds())
        .build()
        .unwrap();
    assert_eq!(c.endpoint(), "https://ecs.ap-future-7.aliyuncs.com");
    let c = AliyunClientBuilder::new(&ECS)
        .region("cn-hangzhou")
        .endpoint("ecs.aliyuncs.com")
        .credentials(creds())
        .build()
        .unwrap();
    assert_eq!(c.endpoint(), "https://ecs.aliyuncs.com");
    assert_eq!(c.signature_algorithm(), SignatureAlgorithm::V3);
    assert_eq!(c.format(), Format::Json);

    let e = AliyunClientBuilder::new(&ECS)
        .credentials(creds())
        .build()
        .unwrap_err();
    assert!(matches!(e, BuildError::MissingRegion { .. }));
    let e = AliyunClientBuilder::new(&ECS)
        .region("cn-hangzhou")
        .endpoint("http://")
        .credentials(creds())
        .build()
        .unwrap_err();
    assert!(matches!(e, BuildError::InvalidEndpoint { .. }));
    let e = AliyunClientBuilder::new(&ECS)
        .region("cn-hangzhou")
        .env(cloudsdk_core::credentials::Env::from_vars([(
            "HOME",
            "/no/such/home",
        )]))
        .build()
        .unwrap_err();
    let text = e.to_string();
    for p in [
        "alibaba environment variables",
        "alibaba cli config",
        "alibaba credentials file",
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
    ] {
        assert!(text.contains(p), "{text}");
    }
    let e = AliyunClientBuilder::new(&ECS)
        .region("cn-hangzhou")
        .credentials(creds())
        .connect_timeout(Duration::ZERO)
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("connect_timeout"), "{e}");
}

#[tokio::test]
async fn from_env_reads_region_and_credentials() {
    let server = Server::sequence(vec![Reply::json(200, JSON_OK)]).await;
    let env = cloudsdk_core::credentials::Env::from_vars([
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", "envid"),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "envsecret"),
        ("ALIBABA_CLOUD_REGION_ID", "cn-shanghai"),
    ]);
    let c = AliyunClientBuilder::from_env_with(&ECS, env)
        .via(&server)
        .build()
        .unwrap();
    assert_eq!(c.region(), Some("cn-shanghai"));
    c.send::<Out, FakeError>(request()).await.unwrap();
    let r = &server.requests()[0];
    assert!(
        r.header("authorization")
            .unwrap()
            .contains("Credential=envid,")
    );
    verify_v3(r, "envsecret");
}
