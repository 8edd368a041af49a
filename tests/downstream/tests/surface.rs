//! Runs the downstream crate's functions offline: clients build from the re-exported types,
//! invalid input fails before any network call with a typed error, the error parts can be
//! named and inspected, and fixtures build with the builders.

use std::time::Duration;

use cloudsdk_downstream::{
    aliyun_client, aliyun_output_fixture, describe, ecs_client, rule_fixture, vpc_client,
    vpc_output_fixture,
};
use huawei_vpc_v3::credentials::{Env, ProvideCredentials};
use huawei_vpc_v3::error::{
    ErrorMetadata, OperationError, RawResponse, ServiceError, TimeoutError, TimeoutKind,
};
use huawei_vpc_v3::operation::show_security_group::ShowSecurityGroupError;
use huawei_vpc_v3::types::Direction;

fn one_attempt() -> huawei_vpc_v3::RetryConfig {
    huawei_vpc_v3::RetryConfig {
        max_attempts: 1,
        ..huawei_vpc_v3::RetryConfig::standard()
    }
}

#[tokio::test(flavor = "current_thread")]
async fn vpc_client_from_reexported_types_validates_before_sending() {
    let env = Env::from_vars([
        ("HUAWEICLOUD_SDK_AK", "AK-DOWNSTREAM"),
        ("HUAWEICLOUD_SDK_SK", "SK-DOWNSTREAM"),
    ]);
    let provider = huawei_vpc_v3::credentials::huawei::EnvironmentVariables::with_env(env.clone());
    let credentials: huawei_vpc_v3::Credentials = provider.provide_credentials().await.unwrap();
    assert_eq!(credentials.access_key_id(), "AK-DOWNSTREAM");

    let client = vpc_client(env, provider, one_attempt()).unwrap();
    let err = client.show_security_group().send().await.unwrap_err();
    assert!(
        matches!(&err, huawei_vpc_v3::SdkError::Construction(e) if e.parameter() == "security_group_id"),
        "{err:?}"
    );
    assert!(describe(&err).starts_with("invalid input `security_group_id`"));
}

#[tokio::test(flavor = "current_thread")]
async fn ecs_and_aliyun_clients_build_and_validate() {
    let ecs = ecs_client(
        huawei_ecs_v2::Credentials::new("AK", "SK"),
        huawei_ecs_v2::RetryConfig::standard(),
    )
    .unwrap();
    assert_eq!(ecs.api_version(), huawei_ecs_v2::ApiVersion::V2);
    let err = ecs
        .nova_list_server_security_groups()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.meta(), None);
    assert!(describe(&err).contains("server_id"), "{err}");

    let env = aliyun_ecs::credentials::Env::from_vars([
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", "AK-ALI"),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "SECRET-ALI"),
    ]);
    let chain = aliyun_ecs::credentials::ChainProvider::first_try(
        "env",
        aliyun_ecs::credentials::aliyun::EnvironmentVariables::with_env(env.clone()),
    );
    let client = aliyun_client(env, chain, aliyun_ecs::RetryConfig::standard()).unwrap();
    let err = client
        .describe_security_group_references()
        .send()
        .await
        .unwrap_err();
    assert!(describe(&err).contains("SecurityGroupId.N"), "{err}");
}

#[test]
fn a_bad_retry_config_is_a_build_error() {
    let env = Env::from_vars([("HUAWEICLOUD_SDK_AK", "AK"), ("HUAWEICLOUD_SDK_SK", "SK")]);
    let provider = huawei_vpc_v3::credentials::huawei::EnvironmentVariables::with_env(env.clone());
    let zero = huawei_vpc_v3::RetryConfig {
        max_attempts: 0,
        ..huawei_vpc_v3::RetryConfig::standard()
    };
    let err: huawei_vpc_v3::BuildError = vpc_client(env, provider, zero).unwrap_err();
    assert!(err.to_string().contains("max_attempts"), "{err}");
}

#[test]
fn service_and_timeout_errors_can_be_built_and_described() {
    let meta = ErrorMetadata::new(404)
        .with_code("VPC.0602")
        .with_request_id("req-9");
    let op_err = ShowSecurityGroupError::from_metadata(meta.clone());
    assert!(op_err.is_not_found());
    let err = huawei_vpc_v3::SdkError::Service(ServiceError::new(
        op_err,
        meta,
        RawResponse::new(404, Vec::new(), "{}"),
    ));
    assert_eq!(describe(&err), "service error 404 VPC.0602");
    assert_eq!(err.request_id(), Some("req-9"));

    let timeout: huawei_vpc_v3::SdkError<ShowSecurityGroupError> =
        huawei_vpc_v3::SdkError::Timeout(TimeoutError::new(
            TimeoutKind::Attempt,
            Duration::from_secs(2),
            Duration::from_secs(2),
        ));
    assert_eq!(describe(&timeout), "attempt timeout after 2s");
}

#[test]
fn fixtures_build_with_the_builders() {
    let out = vpc_output_fixture().unwrap();
    let group = out.security_group.as_ref().unwrap();
    assert_eq!(group.security_group_rules.len(), 2);
    let rule = &group.security_group_rules[0];
    assert_eq!(rule.id, "rule-1");
    assert_eq!(rule.direction, Direction::Ingress);
    assert_eq!(rule.remote_group_id, None);
    assert_eq!(rule.enabled, None);
    assert_eq!(out.request_id.as_deref(), Some("req-1"));

    let references = aliyun_output_fixture().unwrap();
    assert_eq!(references.security_group_references.len(), 1);
    assert_eq!(
        references.security_group_references[0].referencing_security_groups[0]
            .ali_uid
            .as_deref(),
        Some("123")
    );
}

#[test]
fn a_missing_required_field_is_named() {
    let err = huawei_vpc_v3::types::SecurityGroupRule::builder()
        .id("rule-1")
        .build()
        .unwrap_err();
    assert_eq!(err.parameter(), "description");
    assert!(err.message().contains(".description(..)"), "{err}");
    assert!(rule_fixture("x").is_ok());
}

#[test]
fn the_manifest_depends_on_the_provider_crates_only() {
    let manifest = include_str!("../Cargo.toml");
    let mut section = "";
    let mut normal: Vec<&str> = Vec::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line;
        } else if !line.is_empty() && !line.starts_with('#') {
            let name = line.split(['.', ' ', '=']).next().unwrap_or_default();
            assert_ne!(
                name, "cloudsdk-core",
                "{section} names cloudsdk-core:\n{manifest}"
            );
            if section == "[dependencies]" {
                normal.push(name);
            }
        }
    }
    assert_eq!(
        normal,
        ["huawei-ecs-v2", "huawei-vpc-v3", "aliyun-ecs"],
        "{manifest}"
    );
}
