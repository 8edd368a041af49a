//! The generated Huawei clients (`huawei-ecs-v2`, `huawei-vpc-v3`) against the emulator over
//! real HTTP: the seeded resources in the documents' shapes (ECS under `/v2/` and `/v2.1/`),
//! project-id discovery through the emulator's IAM, every documented error as its typed
//! variant, wrong secrets, STS tokens and connection reuse.
//!
//! Expected values come from the spec example files (`specs/examples/…`), never from the
//! emulator.

use cloudsdk_emulator::{
    DEFAULT_HUAWEI_PROJECT_ID, DEFAULT_HUAWEI_REGION, Emulator, SEEDED_SERVER_ID,
    SEEDED_VPC_SECURITY_GROUP_ID, Scheme, Vendor,
};
use huawei_ecs_v2::operation::nova_list_server_security_groups::{
    NovaListServerSecurityGroupsError, NovaListServerSecurityGroupsOutput,
};
use huawei_vpc_v3::operation::show_security_group::{
    ShowSecurityGroupError, ShowSecurityGroupOutput,
};
use huawei_vpc_v3::{Credentials, SdkError};

const SG: &str = "69c999ad-d9ef-4d79-94fd-35e6ceb75325";
const SERVER: &str = "65fae4c2-3a09-46c6-af12-3b04f1fdba1e";
const PROJECT: &str = "060576782980d5762f9ec014dd2f1148";
const REGION: &str = "cn-north-4";
const UNKNOWN: &str = "00000000-0000-4000-8000-000000000000";
const AK: &str = "HWEMULATORTESTAK0001";
const SK: &str = "hw-emulator-test-secret/+=0001";
const TOKEN: &str = "hw-sts-token/+=0001";

fn vpc(emu: &Emulator) -> huawei_vpc_v3::ClientBuilder {
    huawei_vpc_v3::Client::builder()
        .region(REGION)
        .endpoint(emu.endpoint())
        .iam_endpoint(emu.endpoint())
        .credentials(emu.credentials())
        .max_attempts(1)
}

fn ecs(emu: &Emulator) -> huawei_ecs_v2::ClientBuilder {
    huawei_ecs_v2::Client::builder()
        .region(REGION)
        .endpoint(emu.endpoint())
        .iam_endpoint(emu.endpoint())
        .credentials(emu.credentials())
        .max_attempts(1)
}

fn ecs_doc_example() -> NovaListServerSecurityGroupsOutput {
    serde_json::from_str(&cloudsdk_conformance::read_spec_example(
        "huawei-ecs-v2",
        "doc_example.json",
    ))
    .unwrap()
}

fn vpc_doc_example() -> ShowSecurityGroupOutput {
    serde_json::from_str(&cloudsdk_conformance::read_spec_example(
        "huawei-vpc-v3",
        "doc_example.json",
    ))
    .unwrap()
}

#[test]
fn the_documented_constants_are_the_documents_ids() {
    assert_eq!(SEEDED_SERVER_ID, SERVER);
    assert_eq!(SEEDED_VPC_SECURITY_GROUP_ID, SG);
    assert_eq!(DEFAULT_HUAWEI_PROJECT_ID, PROJECT);
    assert_eq!(DEFAULT_HUAWEI_REGION, REGION);
    // The seeded project is the one the VPC document's group belongs to.
    assert_eq!(
        vpc_doc_example().security_group.unwrap().project_id,
        PROJECT
    );
}

#[tokio::test]
async fn ecs_lists_the_seeded_servers_groups_under_v2_1_and_v2() {
    let emu = Emulator::start().await.unwrap();
    for (version, prefix) in [
        (huawei_ecs_v2::ApiVersion::V2_1, "/v2.1/"),
        (huawei_ecs_v2::ApiVersion::V2, "/v2/"),
    ] {
        let out = ecs(&emu)
            .project_id(PROJECT)
            .api_version(version)
            .build()
            .unwrap()
            .nova_list_server_security_groups()
            .server_id(SERVER)
            .send()
            .await
            .unwrap();
        assert_eq!(out, ecs_doc_example(), "{prefix}");
        let r = emu.requests().pop().unwrap();
        assert_eq!(
            r.path,
            format!("{prefix}{PROJECT}/servers/{SERVER}/os-security-groups")
        );
        assert_eq!(r.raw_query, "");
        assert_eq!(r.header("x-project-id"), Some(PROJECT));
        let ua = r.header("user-agent").unwrap_or_default();
        assert!(ua.contains(" huawei-ecs-v2/"), "{ua}");
        assert_eq!(r.operation.as_deref(), Some("NovaListServerSecurityGroups"));
        assert_eq!(r.verdict.scheme(), Some(Scheme::HuaweiSdkHmacSha256));
        assert_eq!(r.status, 200);
    }
    assert_eq!(emu.request_count(), 2);
}

#[tokio::test]
async fn vpc_shows_the_seeded_group_with_the_request_id_of_the_response() {
    let emu = Emulator::start().await.unwrap();
    let out = vpc(&emu)
        .project_id(PROJECT)
        .build()
        .unwrap()
        .show_security_group()
        .security_group_id(SG)
        .send()
        .await
        .unwrap();
    let doc = vpc_doc_example();
    assert_eq!(out.security_group, doc.security_group);
    let r = emu.single_request_for_test();
    assert_eq!(r.path, format!("/v3/{PROJECT}/vpc/security-groups/{SG}"));
    assert_eq!(r.raw_query, "");
    assert!(r.body.is_empty());
    assert_eq!(r.header("x-project-id"), Some(PROJECT));
    assert_eq!(r.vendor, Vendor::Huawei);
    assert_eq!(out.request_id.as_deref(), Some(r.request_id.as_str()));
    assert_eq!(r.request_id.len(), 32);
}

#[tokio::test]
async fn one_client_keeps_its_connection_alive_across_calls() {
    let emu = Emulator::start().await.unwrap();
    let client = vpc(&emu).project_id(PROJECT).build().unwrap();
    for _ in 0..3 {
        client
            .clone()
            .show_security_group()
            .security_group_id(SG)
            .send()
            .await
            .unwrap();
    }
    let requests = emu.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests.iter().all(|r| r.verdict.is_accepted()));
    // The pooled connection is reused: one TCP connection for the three calls.
    assert_eq!(emu.connection_count(), 1, "{requests:#?}");
    assert!(requests.iter().all(|r| r.connection == 0));
}

/// `Emulator::requests` with exactly one entry.
trait Single {
    fn single_request_for_test(&self) -> cloudsdk_emulator::Recorded;
}

impl Single for Emulator {
    fn single_request_for_test(&self) -> cloudsdk_emulator::Recorded {
        let mut r = self.requests();
        assert_eq!(r.len(), 1, "{r:#?}");
        r.pop().unwrap()
    }
}

#[tokio::test]
async fn the_project_id_is_discovered_through_the_emulators_iam() {
    let emu = Emulator::start().await.unwrap();
    let vpc_client = vpc(&emu).build().unwrap();
    let out = vpc_client
        .show_security_group()
        .security_group_id(SG)
        .send()
        .await
        .unwrap();
    assert_eq!(out.security_group.unwrap().id, SG);
    let ecs_out = ecs(&emu)
        .build()
        .unwrap()
        .nova_list_server_security_groups()
        .server_id(SERVER)
        .send()
        .await
        .unwrap();
    assert_eq!(ecs_out.security_groups.len(), 2);

    let requests = emu.requests();
    let ops: Vec<(&str, &str)> = requests
        .iter()
        .map(|r| (r.operation.as_deref().unwrap_or("-"), r.path.as_str()))
        .collect();
    assert_eq!(ops.len(), 4, "{ops:?}");
    assert_eq!(ops[0], ("KeystoneListProjects", "/v3/projects"));
    assert_eq!(requests[0].raw_query, format!("name={REGION}"));
    assert_eq!(
        ops[1],
        (
            "ShowSecurityGroup",
            format!("/v3/{PROJECT}/vpc/security-groups/{SG}").as_str()
        )
    );
    assert_eq!(ops[2].0, "KeystoneListProjects");
    assert_eq!(ops[3].0, "NovaListServerSecurityGroups");
    assert!(requests.iter().all(|r| r.verdict.is_accepted()));
    assert_eq!(requests[1].header("x-project-id"), Some(PROJECT));
}

#[tokio::test]
async fn discovery_of_a_region_without_a_project_is_a_construction_error() {
    let emu = Emulator::start().await.unwrap();
    let err = vpc(&emu)
        .region("ap-southeast-3")
        .build()
        .unwrap()
        .show_security_group()
        .security_group_id(SG)
        .send()
        .await
        .unwrap_err();
    let SdkError::Construction(c) = &err else {
        panic!("expected a construction error, got {err:?}");
    };
    assert_eq!(c.parameter(), "project_id");
    let lookup = emu.single_request_for_test();
    assert_eq!(lookup.raw_query, "name=ap-southeast-3");
    assert!(c.message().contains(&lookup.request_id), "{}", c.message());
}

#[tokio::test]
async fn iam_answers_like_keystone() {
    let emu = Emulator::start().await.unwrap();
    // A raw `KeystoneListProjects` call, signed with the core's signer, to see the body.
    let date = cloudsdk_core::sign::huawei::format_sdk_date(time::OffsetDateTime::now_utc());
    let host = emu.host();
    let base = [
        ("Content-Type", "application/json"),
        ("Host", host.as_str()),
        ("X-Sdk-Date", date.as_str()),
    ];
    let signed = cloudsdk_core::sign::huawei::sign(
        &cloudsdk_core::sign::huawei::SigningInput {
            method: "GET",
            host: &host,
            path: "/v3/projects",
            query: &[("name", REGION)],
            headers: &base,
            body: b"",
        },
        emu.access_key_id(),
        emu.access_key_secret(),
    )
    .unwrap();
    let client = http_client();
    let resp = client
        .get(format!("{}/v3/projects?name={REGION}", emu.endpoint()))
        .header("Content-Type", "application/json")
        .header("X-Sdk-Date", &date)
        .header("Authorization", &signed.authorization)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().contains_key("date"));
    let body: serde_json::Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    let projects = body["projects"].as_array().unwrap();
    assert_eq!(projects.len(), 1, "{body}");
    assert_eq!(projects[0]["id"], PROJECT);
    assert_eq!(projects[0]["name"], REGION);
    assert_eq!(projects[0]["enabled"], true);
    assert!(body["links"]["self"].is_string(), "{body}");
}

#[tokio::test]
async fn unknown_server_is_a_typed_nova_item_not_found() {
    let emu = Emulator::start().await.unwrap();
    let err = ecs(&emu)
        .project_id(PROJECT)
        .max_attempts(3)
        .build()
        .unwrap()
        .nova_list_server_security_groups()
        .server_id(UNKNOWN)
        .send()
        .await
        .unwrap_err();
    let r = emu.single_request_for_test(); // a 404 is not retried
    assert_eq!(r.status, 404);
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.code(), Some("itemNotFound"));
    assert_eq!(
        err.message(),
        Some(format!("Instance {UNKNOWN} could not be found.").as_str())
    );
    assert_eq!(err.request_id(), Some(r.request_id.as_str()));
    let typed = err.into_service_error().unwrap();
    assert!(
        matches!(&typed, NovaListServerSecurityGroupsError::ItemNotFound(m) if m.extra("fault_code") == Some("404")),
        "{typed:?}"
    );
}

#[tokio::test]
async fn unknown_vpc_group_is_a_typed_not_found() {
    let emu = Emulator::start().await.unwrap();
    let err = vpc(&emu)
        .project_id(PROJECT)
        .build()
        .unwrap()
        .show_security_group()
        .security_group_id(UNKNOWN)
        .send()
        .await
        .unwrap_err();
    let r = emu.single_request_for_test();
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.code(), Some("VPC.0602"));
    assert!(err.message().is_some_and(|m| m.contains(UNKNOWN)), "{err}");
    assert_eq!(err.request_id(), Some(r.request_id.as_str()));
    let typed = err.into_service_error().unwrap();
    assert!(
        matches!(typed, ShowSecurityGroupError::NotFound(_)),
        "{typed:?}"
    );
}

#[tokio::test]
async fn a_wrong_secret_is_a_typed_401_apigw_0301_for_both_clients() {
    let emu = Emulator::builder()
        .access_key(AK, SK)
        .start()
        .await
        .unwrap();
    let wrong = Credentials::new(AK, "not-the-secret");
    let err = vpc(&emu)
        .project_id(PROJECT)
        .credentials(wrong.clone())
        .max_attempts(3)
        .build()
        .unwrap()
        .show_security_group()
        .security_group_id(SG)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert_eq!(err.code(), Some("APIGW.0301"));
    assert_eq!(
        err.message(),
        Some("Incorrect IAM authentication information: verify aksk signature fail")
    );
    assert!(
        matches!(
            err.into_service_error().unwrap(),
            ShowSecurityGroupError::Unauthorized(_)
        ),
        "typed"
    );
    let err = ecs(&emu)
        .project_id(PROJECT)
        .credentials(wrong)
        .build()
        .unwrap()
        .nova_list_server_security_groups()
        .server_id(SERVER)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("APIGW.0301"));
    // The ECS variants match on Nova fault names (`unauthorized`); the gateway's refusal is not
    // a Nova fault, so it is the fallback variant, with the gateway's code.
    let typed = err.into_service_error().unwrap();
    assert!(
        matches!(&typed, NovaListServerSecurityGroupsError::Unhandled(m) if m.status() == 401 && m.code() == Some("APIGW.0301")),
        "{typed:?}"
    );
    let requests = emu.requests();
    assert_eq!(requests.len(), 2, "401 is not retried");
    assert!(
        requests
            .iter()
            .all(|r| r.verdict.rejection_code() == Some("APIGW.0301") && r.status == 401)
    );
    // An unknown key id is refused the same way.
    let err = vpc(&emu)
        .project_id(PROJECT)
        .credentials(Credentials::new("NOBODY", SK))
        .build()
        .unwrap()
        .show_security_group()
        .security_group_id(SG)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("APIGW.0301"));
    assert!(err.message().unwrap().contains("ak not exist"), "{err}");
}

#[tokio::test]
async fn sts_tokens_are_required_signed_and_checked() {
    let emu = Emulator::builder()
        .access_key(AK, SK)
        .security_token(TOKEN)
        .start()
        .await
        .unwrap();
    assert_eq!(emu.security_token(), Some(TOKEN));
    // With the token (discovery included): accepted, and the token is signed.
    let out = vpc(&emu)
        .build()
        .unwrap()
        .show_security_group()
        .security_group_id(SG)
        .send()
        .await
        .unwrap();
    assert_eq!(out.security_group.unwrap().id, SG);
    for r in emu.requests() {
        assert!(r.verdict.is_accepted(), "{:?}", r.verdict);
        assert_eq!(r.header("x-security-token"), Some(TOKEN));
        assert!(
            r.verdict
                .signed_headers()
                .iter()
                .any(|h| h == "x-security-token")
        );
    }
    // Without it, or with another one: 401.
    for creds in [
        Credentials::new(AK, SK),
        Credentials::new(AK, SK).with_security_token("another-token"),
    ] {
        let err = ecs(&emu)
            .project_id(PROJECT)
            .credentials(creds)
            .build()
            .unwrap()
            .nova_list_server_security_groups()
            .server_id(SERVER)
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("APIGW.0301"), "{err}");
    }
}

/// A plain-HTTP reqwest client (the workspace builds reqwest's rustls without a default
/// crypto provider, so one is installed first).
fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}
