//! Generated Huawei clients (`huawei-vpc-v3`, `huawei-ecs-v2`) end to end over real HTTP against
//! the signature-verifying gateway of `cloudsdk_conformance`: path, headers, signing, decoding
//! of the spec's example payloads and error mapping.

use cloudsdk_conformance::{Keys, Recorded, Reply, Scheme, Verdict, VerifyingServer};
use huawei_ecs_v2::operation::nova_list_server_security_groups::{
    NovaListServerSecurityGroupsError, NovaListServerSecurityGroupsOutput,
};
use huawei_vpc_v3::operation::show_security_group::{
    ShowSecurityGroupError, ShowSecurityGroupOutput,
};
use huawei_vpc_v3::types::{Action, Direction, EtherType};
use huawei_vpc_v3::{Credentials, SdkError};

const AK: &str = "HPUAXXXXXXXXXXXXXXXX";
const SK: &str = "hw-secret-key-0123456789abcdefghijklmnop";
const TOKEN: &str = "gQpjbi1ub3J0aC00hGZzZWN1cml0eS10b2tlbi8rPQ==";
const PROJECT: &str = "0605767b5280d57e2f6ec014d9c0a2b7";
const SG: &str = "69c999ad-d9ef-4d79-94fd-35e6ceb75325";
const SERVER_ID: &str = "65fae4c2-3a09-46c6-af12-3b04f1fdba1e";
const REGION: &str = "cn-north-4";

fn vpc_builder(server: &VerifyingServer) -> huawei_vpc_v3::ClientBuilder {
    huawei_vpc_v3::Client::builder()
        .region(REGION)
        .endpoint(server.url())
        .project_id(PROJECT)
        .credentials(Credentials::new(AK, SK))
        .max_attempts(1)
}

fn ecs_builder(server: &VerifyingServer) -> huawei_ecs_v2::ClientBuilder {
    huawei_ecs_v2::Client::builder()
        .region(REGION)
        .endpoint(server.url())
        .project_id(PROJECT)
        .credentials(Credentials::new(AK, SK))
        .max_attempts(1)
}

fn vpc_doc_example() -> String {
    cloudsdk_conformance::read_spec_example("huawei-vpc-v3", "doc_example.json")
}

/// The user agent the generated crate must send: `cloudsdk/<core> <crate>/<version>`.
fn assert_user_agent(r: &Recorded, krate: &str) {
    let ua = r.header("user-agent").expect("user-agent header");
    let mut parts = ua.split(' ');
    let core = parts.next().unwrap();
    assert!(
        core.starts_with("cloudsdk/") && core.len() > "cloudsdk/".len(),
        "user agent {ua:?}"
    );
    assert_eq!(
        parts.next(),
        Some(format!("{krate}/0.1.0").as_str()),
        "{ua:?}"
    );
}

fn assert_accepted(r: &Recorded) {
    assert!(
        r.verdict.is_accepted(),
        "the gateway rejected the request: {:#?}",
        r.verdict
    );
    assert_eq!(r.verdict.scheme(), Some(Scheme::HuaweiSdkHmacSha256));
}

/// `value` with every `null` object member removed (recursively).
fn without_nulls(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => serde_json::Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.into_iter().map(without_nulls).collect())
        }
        other => other,
    }
}

#[tokio::test]
async fn vpc_show_security_group_sends_a_signed_request_and_decodes_the_doc_example() {
    let payload = vpc_doc_example();
    let server = VerifyingServer::huawei(Keys::new(AK, SK))
        .reply(Reply::json(200, payload.clone()))
        .start()
        .await;

    let out = vpc_builder(&server)
        .build()
        .unwrap()
        .show_security_group()
        .security_group_id(SG)
        .send()
        .await
        .unwrap();

    // Decoding: equal to what serde_json makes of the same bytes, concrete values, and no
    // non-null field of the payload lost on the way (compared with the re-serialization; the
    // canonical form may write or skip nulls).
    let direct: ShowSecurityGroupOutput = serde_json::from_str(&payload).unwrap();
    assert_eq!(out, direct);
    assert_eq!(
        out.request_id.as_deref(),
        Some("a8cf4f79ca3c22ca685e7e8872e8c20b")
    );
    let sg = out.security_group.as_ref().expect("security_group");
    assert_eq!(sg.id, SG);
    assert_eq!(sg.name, "security_group_1");
    assert_eq!(sg.project_id, "060576782980d5762f9ec014dd2f1148");
    assert_eq!(sg.security_group_rules.len(), 4);
    let rule = &sg.security_group_rules[0];
    assert_eq!(rule.id, "f11a3824-ac19-4fad-b4f1-c5f4a6dd0a80");
    assert_eq!(rule.direction, Direction::Ingress);
    assert_eq!(rule.ethertype, EtherType::Ipv6);
    assert_eq!(rule.action, Action::Allow);
    assert_eq!(rule.priority, 100);
    assert_eq!(rule.remote_group_id.as_deref(), Some(SG));
    assert_eq!(rule.protocol, None);
    assert_eq!(sg.security_group_rules[1].direction, Direction::Egress);
    assert_eq!(
        without_nulls(serde_json::to_value(&out).unwrap()),
        without_nulls(serde_json::from_str(&payload).unwrap())
    );

    // The request.
    let r = server.single_request();
    assert_accepted(&r);
    assert_eq!(r.method, "GET");
    assert_eq!(
        r.path,
        format!("/v3/{PROJECT}/vpc/security-groups/{SG}"),
        "request path"
    );
    assert_eq!(r.raw_query, "");
    assert!(r.body.is_empty());
    assert_eq!(r.header("x-project-id"), Some(PROJECT));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("host"), Some(server.host().as_str()));
    assert_eq!(r.header("x-security-token"), None);
    assert_user_agent(&r, "huawei-vpc-v3");
    assert_eq!(
        r.verdict.signed_headers(),
        [
            "content-type",
            "host",
            "user-agent",
            "x-project-id",
            "x-sdk-date"
        ]
    );
    let auth = r.header("authorization").unwrap();
    assert!(
        auth.starts_with(&format!(
            "SDK-HMAC-SHA256 Access={AK}, SignedHeaders=content-type;host;user-agent;x-project-id;x-sdk-date, Signature="
        )),
        "{auth}"
    );
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn vpc_security_token_is_sent_and_signed() {
    let server = VerifyingServer::huawei(Keys::new(AK, SK).with_security_token(TOKEN))
        .reply(Reply::json(200, vpc_doc_example()))
        .start()
        .await;

    let out = vpc_builder(&server)
        .credentials(Credentials::new(AK, SK).with_security_token(TOKEN))
        .build()
        .unwrap()
        .show_security_group()
        .security_group_id(SG)
        .send()
        .await
        .unwrap();
    assert_eq!(out.security_group.unwrap().id, SG);

    let r = server.single_request();
    assert_accepted(&r);
    assert_eq!(r.header("x-security-token"), Some(TOKEN));
    assert_eq!(
        r.verdict.signed_headers(),
        [
            "content-type",
            "host",
            "user-agent",
            "x-project-id",
            "x-sdk-date",
            "x-security-token"
        ]
    );

    // The same gateway refuses the temporary key without its token.
    let err = vpc_builder(&server)
        .build()
        .unwrap()
        .show_security_group()
        .security_group_id(SG)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("APIGW.0301"), "{err}");
    assert_eq!(server.request_count(), 2);
    assert_eq!(
        server.requests()[1].verdict.rejection_code(),
        Some("APIGW.0301")
    );
}

#[tokio::test]
async fn vpc_wrong_secret_is_refused_with_apigw_0301_as_a_typed_401() {
    let server = VerifyingServer::huawei(Keys::new(AK, SK))
        .reply(Reply::json(200, vpc_doc_example()))
        .start()
        .await;

    let err = vpc_builder(&server)
        .credentials(Credentials::new(AK, "not-the-secret"))
        // 401 is not retryable: three allowed attempts, one request.
        .max_attempts(3)
        .build()
        .unwrap()
        .show_security_group()
        .security_group_id(SG)
        .send()
        .await
        .unwrap_err();

    let r = server.single_request();
    assert!(
        matches!(
            &r.verdict,
            Verdict::Rejected {
                status: 401,
                code: "APIGW.0301",
                ..
            }
        ),
        "{:#?}",
        r.verdict
    );
    let SdkError::Service(service) = &err else {
        panic!("expected a service error, got {err:?}");
    };
    assert_eq!(service.meta().status(), 401);
    assert_eq!(service.meta().code(), Some("APIGW.0301"));
    assert_eq!(service.meta().request_id(), Some(r.request_id.as_str()));
    assert_eq!(
        service.raw().header("x-request-id"),
        Some(r.request_id.as_str())
    );
    assert_eq!(
        service.meta().message(),
        Some("Incorrect IAM authentication information: verify aksk signature fail")
    );
    assert!(
        matches!(service.err(), ShowSecurityGroupError::Unauthorized(m) if m.code() == Some("APIGW.0301")),
        "{:?}",
        service.err()
    );
    assert_eq!(err.status(), Some(401));
    assert_eq!(err.request_id(), Some(r.request_id.as_str()));
    assert_eq!(
        err.to_string(),
        format!(
            "401 APIGW.0301: Incorrect IAM authentication information: verify aksk signature fail (request id {})",
            r.request_id
        )
    );
}

#[tokio::test]
async fn vpc_404_error_body_maps_to_not_found_with_display() {
    let body = r#"{"error_msg":"Security group 0c0e1f8a-2f5c-4b1e-9d5e-6c0a6a1f3b7e does not exist","error_code":"VPC.0602","request_id":"body-request-id"}"#;
    let server = VerifyingServer::huawei(Keys::new(AK, SK))
        .reply(
            Reply::json(404, body).with_header("X-Request-Id", "4fe1c8b1a5b74d55b8bde0a0ab8e1f1e"),
        )
        .start()
        .await;

    let err = vpc_builder(&server)
        .max_attempts(3)
        .build()
        .unwrap()
        .show_security_group()
        .security_group_id("0c0e1f8a-2f5c-4b1e-9d5e-6c0a6a1f3b7e")
        .send()
        .await
        .unwrap_err();

    assert_accepted(&server.single_request()); // 404 is not retried either
    let expected = "404 VPC.0602: Security group 0c0e1f8a-2f5c-4b1e-9d5e-6c0a6a1f3b7e does not exist (request id 4fe1c8b1a5b74d55b8bde0a0ab8e1f1e)";
    assert_eq!(err.to_string(), expected);
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.code(), Some("VPC.0602"));
    // The X-Request-Id header wins over the body's request_id.
    assert_eq!(err.request_id(), Some("4fe1c8b1a5b74d55b8bde0a0ab8e1f1e"));
    let typed = err.into_service_error().expect("service error");
    assert!(typed.is_not_found(), "{typed:?}");
    assert!(matches!(typed, ShowSecurityGroupError::NotFound(_)));
    assert_eq!(typed.to_string(), expected);
    assert_eq!(
        typed.message(),
        Some("Security group 0c0e1f8a-2f5c-4b1e-9d5e-6c0a6a1f3b7e does not exist")
    );
}

#[tokio::test]
async fn one_client_keeps_its_connection_alive_across_calls() {
    let server = VerifyingServer::huawei(Keys::new(AK, SK))
        .reply(Reply::json(200, vpc_doc_example()))
        .start()
        .await;
    let client = vpc_builder(&server).build().unwrap();
    for _ in 0..3 {
        client
            .clone()
            .show_security_group()
            .security_group_id(SG)
            .send()
            .await
            .unwrap();
    }
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests.iter().all(|r| r.verdict.is_accepted()));
    // The pooled connection is reused: one TCP connection for the three calls.
    assert_eq!(server.connection_count(), 1, "{requests:#?}");
    assert!(requests.iter().all(|r| r.connection == 0));
}

// ---------------------------------------------------------------------------------------------
// huawei-ecs-v2 (Nova)
// ---------------------------------------------------------------------------------------------

fn ecs_doc_example() -> String {
    cloudsdk_conformance::read_spec_example("huawei-ecs-v2", "doc_example.json")
}

#[tokio::test]
async fn ecs_default_api_version_calls_v2_1_and_decodes_the_doc_example() {
    let payload = ecs_doc_example();
    let server = VerifyingServer::huawei(Keys::new(AK, SK))
        .reply(Reply::json(200, payload.clone()))
        .start()
        .await;
    let client = ecs_builder(&server).build().unwrap();
    assert_eq!(client.api_version(), huawei_ecs_v2::ApiVersion::V2_1);

    let out = client
        .nova_list_server_security_groups()
        .server_id(SERVER_ID)
        .send()
        .await
        .unwrap();

    let direct: NovaListServerSecurityGroupsOutput = serde_json::from_str(&payload).unwrap();
    assert_eq!(out, direct);
    let names: Vec<&str> = out
        .security_groups
        .iter()
        .map(|g| g.name.as_str())
        .collect();
    assert_eq!(names, ["default", "test-sg"]);
    let default = &out.security_groups[0];
    assert_eq!(default.id, "bc4ac1d1-dc77-4b7d-a97d-af86eb0dc450");
    assert_eq!(default.tenant_id, "bb1118612ba64af3a6ea63a1bdcaa5ae");
    assert_eq!(default.rules.len(), 2);
    assert_eq!(default.rules[0].from_port, None);
    assert_eq!(default.rules[0].group.name.as_deref(), Some("default"));
    assert_eq!(default.rules[0].ip_range.cidr, None);
    let tcp = &out.security_groups[1].rules[0];
    assert_eq!(tcp.ip_protocol.as_deref(), Some("tcp"));
    assert_eq!((tcp.from_port, tcp.to_port), (Some(200), Some(400)));
    assert_eq!(tcp.ip_range.cidr.as_deref(), Some("0.0.0.0/0"));
    assert_eq!(tcp.parent_group_id, "b3e4b615-a40f-4e1c-92af-2e0d382141d5");

    let r = server.single_request();
    assert_accepted(&r);
    assert_eq!(r.method, "GET");
    assert_eq!(
        r.path,
        format!("/v2.1/{PROJECT}/servers/{SERVER_ID}/os-security-groups")
    );
    assert_eq!(r.raw_query, "");
    assert_eq!(r.header("x-project-id"), Some(PROJECT));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_user_agent(&r, "huawei-ecs-v2");
}

#[tokio::test]
async fn ecs_api_version_v2_calls_the_v2_prefix() {
    let server = VerifyingServer::huawei(Keys::new(AK, SK))
        .reply(Reply::json(200, ecs_doc_example()))
        .start()
        .await;
    let client = ecs_builder(&server)
        .api_version(huawei_ecs_v2::ApiVersion::V2)
        .build()
        .unwrap();
    assert_eq!(client.api_version(), huawei_ecs_v2::ApiVersion::V2);
    let out = client
        .nova_list_server_security_groups()
        .server_id(SERVER_ID)
        .send()
        .await
        .unwrap();
    assert_eq!(out.security_groups.len(), 2);

    let r = server.single_request();
    assert_accepted(&r);
    assert_eq!(
        r.path,
        format!("/v2/{PROJECT}/servers/{SERVER_ID}/os-security-groups")
    );
}

#[tokio::test]
async fn ecs_nova_item_not_found_fault_maps_to_item_not_found() {
    let body = format!(
        r#"{{"itemNotFound": {{"message": "Instance {SERVER_ID} could not be found.", "code": 404}}}}"#
    );
    let server = VerifyingServer::huawei(Keys::new(AK, SK))
        .reply(Reply::json(404, body))
        .start()
        .await;
    let err = ecs_builder(&server)
        .build()
        .unwrap()
        .nova_list_server_security_groups()
        .server_id(SERVER_ID)
        .send()
        .await
        .unwrap_err();

    let r = server.single_request();
    assert_accepted(&r);
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.code(), Some("itemNotFound"));
    assert_eq!(err.request_id(), Some(r.request_id.as_str()));
    assert_eq!(
        err.to_string(),
        format!(
            "404 itemNotFound: Instance {SERVER_ID} could not be found. (request id {})",
            r.request_id
        )
    );
    let typed = err.into_service_error().expect("service error");
    assert!(
        matches!(&typed, NovaListServerSecurityGroupsError::ItemNotFound(m) if m.extra("fault_code") == Some("404")),
        "{typed:?}"
    );
    assert!(typed.is_item_not_found());
}
