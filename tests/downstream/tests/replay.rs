//! Unit-testing code that calls the SDK, as a downstream crate does: the provider crate's
//! `test_util` (feature `test-util`) replaces the network; the SDK signs, retries, decodes and
//! fails exactly as it does over HTTP.

use std::time::Duration;

use huawei_vpc_v3::test_util::{ExpectedRequest, ReplayClient, Reply, Rule};

/// Code under test: the name of a security group, or `None` when it does not exist.
async fn group_name(client: &huawei_vpc_v3::Client, id: &str) -> Result<Option<String>, String> {
    match client
        .show_security_group()
        .security_group_id(id)
        .send()
        .await
    {
        Ok(out) => Ok(out.security_group.map(|g| g.name)),
        Err(e) if e.as_service_error().is_some_and(|e| e.is_not_found()) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

fn vpc(replay: &ReplayClient) -> huawei_vpc_v3::Client {
    huawei_vpc_v3::Client::builder()
        .region("cn-north-4")
        .project_id("p1")
        .credentials(huawei_vpc_v3::Credentials::new("AK", "SK"))
        .retry_config(
            huawei_vpc_v3::RetryConfig::standard().with_initial_backoff(Duration::from_millis(1)),
        )
        .http_client(replay.clone())
        .build()
        .unwrap()
}

const SG: &str = r#"{"security_group":{"id":"sg-1","name":"web","description":"","project_id":"p1",
  "created_at":"2020-07-09T05:56:27Z","updated_at":"2020-07-09T05:56:27Z",
  "enterprise_project_id":"0","security_group_rules":[]}}"#;

#[tokio::test]
async fn scripted_replies_and_recorded_requests() {
    let replay = ReplayClient::new([
        Reply::json(503, r#"{"error_code":"VPC.0001","error_msg":"busy"}"#),
        Reply::json(200, SG),
        Reply::json(404, r#"{"error_code":"VPC.0602","error_msg":"gone"}"#),
    ]);
    let client = vpc(&replay);
    assert_eq!(
        group_name(&client, "sg-1").await,
        Ok(Some("web".to_owned()))
    );
    assert_eq!(group_name(&client, "sg-2").await, Ok(None));
    let url = |id: &str| {
        format!("https://vpc.cn-north-4.myhuaweicloud.com/v3/p1/vpc/security-groups/{id}")
    };
    let first = ExpectedRequest::get(url("sg-1")).header("x-project-id", "p1");
    replay.assert_requests_match(&[first.clone(), first, ExpectedRequest::get(url("sg-2"))]);
    let sent = replay.requests();
    assert!(
        sent[0]
            .header("authorization")
            .unwrap()
            .starts_with("SDK-HMAC-SHA256 ")
    );
    assert_ne!(sent[0].header("x-sdk-date"), None);
}

#[tokio::test]
async fn a_mismatch_is_reported_with_every_difference() {
    let replay = ReplayClient::new([Reply::json(200, SG)]);
    group_name(&vpc(&replay), "sg-1").await.unwrap();
    let wrong = ExpectedRequest::post(
        "https://vpc.cn-north-4.myhuaweicloud.com/v3/p1/vpc/security-groups/sg-9",
    )
    .header("x-project-id", "p2");
    let panic = std::panic::catch_unwind(|| replay.assert_requests_match(&[wrong]))
        .expect_err("a mismatch must fail the test");
    let text = panic.downcast_ref::<String>().unwrap();
    for part in ["method: expected POST, sent GET", "sg-9", "x-project-id"] {
        assert!(text.contains(part), "{text}");
    }
}

#[tokio::test]
async fn rules_and_transport_failures() {
    let replay = ReplayClient::rules([
        Rule::path("GET", "/security-groups/sg-down")
            .then(Reply::connect_error("connection refused")),
        Rule::path("GET", "/security-groups/sg-1").then(Reply::json(200, SG)),
    ]);
    let client = vpc(&replay);
    assert_eq!(
        group_name(&client, "sg-1").await,
        Ok(Some("web".to_owned()))
    );
    let err = group_name(&client, "sg-down").await.unwrap_err();
    assert!(err.ends_with("connection refused"), "{err}");
    // sg-1 once, sg-down three times (connect failures are retried).
    assert_eq!(replay.count(), 4);
}

#[tokio::test]
async fn aliyun_rule_by_action() {
    let replay = aliyun_ecs::test_util::ReplayClient::rules([aliyun_ecs::test_util::Rule::action(
        "DescribeSecurityGroupReferences",
    )
    .then(aliyun_ecs::test_util::Reply::json(
        200,
        r#"{"RequestId":"r1","SecurityGroupReferences":{"SecurityGroupReference":[]}}"#,
    ))]);
    let client = aliyun_ecs::Client::builder()
        .region("cn-hangzhou")
        .credentials(aliyun_ecs::Credentials::new("id", "secret"))
        .http_client(replay.clone())
        .build()
        .unwrap();
    client
        .describe_security_group_references()
        .security_group_id("sg-1")
        .send()
        .await
        .unwrap();
    let sent = replay.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].header("x-acs-action"),
        Some("DescribeSecurityGroupReferences")
    );
    assert_eq!(
        sent[0].query_param("SecurityGroupId.1").as_deref(),
        Some("sg-1")
    );
}
