//! A downstream-style crate: it depends on the three provider crates only (never on
//! `cloudsdk-core`) and names, in signatures and bindings, every type their public API takes or
//! returns. If a provider crate stops re-exporting one of them, this crate stops compiling.
//! `tests/surface.rs` exercises the functions offline.

use std::time::Duration;

use aliyun_ecs::operation::describe_security_group_references::DescribeSecurityGroupReferencesOutput;
use huawei_vpc_v3::error::{
    ConstructionError, DispatchError, ErrorMetadata, OperationError, ResponseError, ServiceError,
    TimeoutError, TimeoutKind,
};
use huawei_vpc_v3::operation::show_security_group::ShowSecurityGroupOutput;
use huawei_vpc_v3::types::{SecurityGroupInfo, SecurityGroupRule};

/// A one-line description of any error of a generated operation, naming each part of
/// [`huawei_vpc_v3::SdkError`].
pub fn describe<E: OperationError>(err: &huawei_vpc_v3::SdkError<E>) -> String {
    use huawei_vpc_v3::SdkError;
    match err {
        SdkError::Construction(e) => {
            let e: &ConstructionError = e;
            format!("invalid input `{}`: {}", e.parameter(), e.message())
        }
        SdkError::Timeout(e) => {
            let e: &TimeoutError = e;
            let kind: TimeoutKind = e.kind();
            let what = match kind {
                TimeoutKind::Connect => "connect",
                TimeoutKind::Attempt => "attempt",
                TimeoutKind::Operation => "operation",
                _ => "other",
            };
            format!("{what} timeout after {:?}", e.limit())
        }
        SdkError::Dispatch(e) => {
            let e: &DispatchError = e;
            format!("dispatch failure (connect: {})", e.is_connect())
        }
        SdkError::Response(e) => {
            let e: &ResponseError = e;
            format!("undecodable response: {e}")
        }
        SdkError::Service(e) => {
            let e: &ServiceError<E> = e;
            let meta: &ErrorMetadata = e.meta();
            format!(
                "service error {} {}",
                meta.status(),
                meta.code().unwrap_or("(no code)")
            )
        }
        _ => "other error".to_string(),
    }
}

/// A VPC client configured the way a downstream test would: explicit environment, provider and
/// retry policy, pointed at loopback.
pub fn vpc_client(
    env: huawei_vpc_v3::credentials::Env,
    provider: impl huawei_vpc_v3::credentials::ProvideCredentials + 'static,
    retry: huawei_vpc_v3::RetryConfig,
) -> Result<huawei_vpc_v3::Client, huawei_vpc_v3::BuildError> {
    huawei_vpc_v3::Client::builder()
        .region("cn-north-4")
        .project_id("0605767b5280d57e2f6ec014d9c0a2b7")
        .endpoint("http://127.0.0.1:9")
        .env(env)
        .credentials_provider(provider)
        .retry_config(retry)
        .attempt_timeout(Duration::from_secs(1))
        .build()
}

/// An ECS client with static credentials and an explicit API version.
pub fn ecs_client(
    credentials: huawei_ecs_v2::Credentials,
    retry: huawei_ecs_v2::RetryConfig,
) -> Result<huawei_ecs_v2::Client, huawei_ecs_v2::BuildError> {
    huawei_ecs_v2::Client::builder()
        .region("cn-north-4")
        .project_id("0605767b5280d57e2f6ec014d9c0a2b7")
        .endpoint("http://127.0.0.1:9")
        .api_version(huawei_ecs_v2::ApiVersion::V2)
        .credentials(credentials)
        .retry_config(retry)
        .build()
}

/// An Alibaba client with the V2 signature, XML responses and a provider chain.
pub fn aliyun_client(
    env: aliyun_ecs::credentials::Env,
    chain: aliyun_ecs::credentials::ChainProvider,
    retry: aliyun_ecs::RetryConfig,
) -> Result<aliyun_ecs::Client, aliyun_ecs::BuildError> {
    aliyun_ecs::Client::builder()
        .region("cn-hangzhou")
        .endpoint("http://127.0.0.1:9")
        .signature_algorithm(aliyun_ecs::SignatureAlgorithm::V2)
        .format(aliyun_ecs::Format::Xml)
        .env(env)
        .credentials_provider(chain)
        .retry_config(retry)
        .build()
}

/// A VPC rule fixture (16 fields) built with the builder instead of a struct literal.
pub fn rule_fixture(id: &str) -> Result<SecurityGroupRule, ConstructionError> {
    SecurityGroupRule::builder()
        .id(id)
        .description("allow ssh")
        .security_group_id("69c999ad-d9ef-4d79-94fd-35e6ceb75325")
        .direction("ingress")
        .protocol("tcp")
        .ethertype("IPv4")
        .multiport("22")
        .action("allow")
        .priority(1)
        .remote_ip_prefix("10.0.0.0/8")
        .project_id("0605767b5280d57e2f6ec014d9c0a2b7")
        .build()
}

/// A `ShowSecurityGroup` response fixture, as a mock of the client would return it.
pub fn vpc_output_fixture() -> Result<ShowSecurityGroupOutput, ConstructionError> {
    let group = SecurityGroupInfo::builder()
        .id("69c999ad-d9ef-4d79-94fd-35e6ceb75325")
        .name("sg-ssh")
        .description("")
        .project_id("0605767b5280d57e2f6ec014d9c0a2b7")
        .enterprise_project_id("0")
        .security_group_rule(rule_fixture("rule-1")?)
        .security_group_rule(rule_fixture("rule-2")?)
        .build()?;
    Ok(ShowSecurityGroupOutput::builder()
        .request_id("req-1")
        .security_group(group)
        .build())
}

/// A `DescribeSecurityGroupReferences` response fixture.
pub fn aliyun_output_fixture() -> Result<DescribeSecurityGroupReferencesOutput, ConstructionError> {
    use aliyun_ecs::types::{ReferencingSecurityGroup, SecurityGroupReference};
    DescribeSecurityGroupReferencesOutput::builder()
        .request_id("R-1")
        .security_group_reference(
            SecurityGroupReference::builder()
                .security_group_id("sg-1133aa")
                .referencing_security_group(
                    ReferencingSecurityGroup::builder()
                        .security_group_id("sg-2255cc")
                        .ali_uid("123")
                        .build(),
                )
                .build(),
        )
        .build()
}
