//! Realistic requests of each operation, with the headers and parameters the SDK sends.
//!
//! Owned values; [`pairs`] borrows them in the `&[(&str, &str)]` form the signers take.

/// Access key id used by the benchmarks.
pub const ACCESS_KEY_ID: &str = "HPUAL8ZZVQ7EXAMPLE1C";
/// Secret used by the benchmarks (not a real credential).
pub const ACCESS_KEY_SECRET: &str = "bXlzZWNyZXRhY2Nlc3NrZXlmb3JiZW5jaG1hcmtzMDE";
/// Huawei project id used by the benchmarks.
pub const PROJECT_ID: &str = "0605767b5280d57e2f6ec014d9c0a2b7";
/// The `User-Agent` the generated clients send (value shape only).
pub const USER_AGENT: &str = "cloudsdk/0.1.0 huawei-vpc-v3/0.1.0";

/// A request as the Huawei signer sees it.
#[derive(Debug, Clone)]
pub struct HuaweiRequest {
    /// Operation name.
    pub operation: &'static str,
    /// HTTP method.
    pub method: &'static str,
    /// `host[:port]`.
    pub host: String,
    /// Encoded path.
    pub path: String,
    /// Query pairs.
    pub query: Vec<(String, String)>,
    /// Headers (with `X-Sdk-Date`).
    pub headers: Vec<(String, String)>,
}

/// A request as the Alibaba V3 signer sees it.
#[derive(Debug, Clone)]
pub struct AliyunV3Request {
    /// Query pairs (operation parameters).
    pub query: Vec<(String, String)>,
    /// Headers (`host`, `x-acs-*`, `accept`, `user-agent`).
    pub headers: Vec<(String, String)>,
}

/// Borrows owned pairs as the signers take them.
pub fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

fn huawei_headers(host: &str) -> Vec<(String, String)> {
    [
        ("Content-Type", "application/json"),
        ("Host", host),
        ("User-Agent", USER_AGENT),
        ("X-Sdk-Date", "20240301T080000Z"),
        ("X-Project-Id", PROJECT_ID),
    ]
    .iter()
    .map(|&(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// `GET /v3/{project_id}/vpc/security-groups/{security_group_id}` (Huawei VPC v3).
pub fn huawei_show_security_group() -> HuaweiRequest {
    let host = "vpc.cn-north-4.myhuaweicloud.com".to_owned();
    HuaweiRequest {
        operation: "ShowSecurityGroup",
        method: "GET",
        path: format!("/v3/{PROJECT_ID}/vpc/security-groups/69c999ad-d9ef-4d79-94fd-35e6ceb75325"),
        query: Vec::new(),
        headers: huawei_headers(&host),
        host,
    }
}

/// `GET /v2.1/{project_id}/servers/{server_id}/os-security-groups` (Huawei ECS Nova).
pub fn huawei_nova_list_server_security_groups() -> HuaweiRequest {
    let host = "ecs.cn-north-4.myhuaweicloud.com".to_owned();
    HuaweiRequest {
        operation: "NovaListServerSecurityGroups",
        method: "GET",
        path: format!(
            "/v2.1/{PROJECT_ID}/servers/65fae4c2-3a09-46c6-af12-3b04f1fdba1e/os-security-groups"
        ),
        query: Vec::new(),
        headers: huawei_headers(&host),
        host,
    }
}

/// Operation parameters of `DescribeSecurityGroupReferences` for `ids` security groups.
pub fn aliyun_params(ids: usize) -> Vec<(String, String)> {
    let mut p = vec![("RegionId".to_owned(), "cn-hangzhou".to_owned())];
    for i in 1..=ids {
        p.push((
            format!("SecurityGroupId.{i}"),
            format!("sg-bp67acfmxazb4p{i:04}"),
        ));
    }
    p
}

/// `DescribeSecurityGroupReferences` signed with V3 (`ACS3-HMAC-SHA256`), `ids` groups queried.
pub fn aliyun_v3_describe(ids: usize) -> AliyunV3Request {
    let headers = [
        ("host", "ecs.cn-hangzhou.aliyuncs.com"),
        ("x-acs-action", "DescribeSecurityGroupReferences"),
        ("x-acs-version", "2014-05-26"),
        ("x-acs-date", "2024-03-01T08:00:00Z"),
        ("x-acs-signature-nonce", "3fa6b8a1d9c34b0e9b1f2a7c5d4e6f80"),
        (
            "x-acs-content-sha256",
            cloudsdk_core::sign::EMPTY_PAYLOAD_SHA256,
        ),
        ("accept", "application/json"),
        ("user-agent", "cloudsdk/0.1.0 aliyun-ecs/0.1.0"),
    ]
    .iter()
    .map(|&(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    AliyunV3Request {
        query: aliyun_params(ids),
        headers,
    }
}

/// Every parameter of `DescribeSecurityGroupReferences` signed with V2 (`HMAC-SHA1`), common
/// parameters included, `ids` groups queried.
pub fn aliyun_v2_describe(ids: usize) -> Vec<(String, String)> {
    let mut p = aliyun_params(ids);
    for (k, v) in [
        ("Action", "DescribeSecurityGroupReferences"),
        ("Version", "2014-05-26"),
        ("Format", "JSON"),
        ("AccessKeyId", ACCESS_KEY_ID),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("SignatureNonce", "3fa6b8a1-d9c3-4b0e-9b1f-2a7c5d4e6f80"),
        ("Timestamp", "2024-03-01T08:00:00Z"),
    ] {
        p.push((k.to_owned(), v.to_owned()));
    }
    p
}
