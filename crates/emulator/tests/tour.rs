//! The `tour` example's report, against the embedded emulator.
//!
//! The example's report logic lives in `examples/tour/report.rs`; this test compiles the same file
//! and checks the whole text against the values of the three documents' examples
//! (`specs/examples/*/doc_*`), written out by hand below.

#![warn(clippy::too_many_lines)] // threshold: clippy.toml (80 lines)

#[path = "../examples/tour/report.rs"]
mod report;

use report::{Clients, Targets};

// The emulator's seeded regions, as documented in its crate docs.
const HUAWEI_REGION: &str = "cn-north-4";
const ALIYUN_REGION: &str = "cn-hangzhou";

/// The tour's output for the seeded resources. Values from the documents: the ECS example's two
/// groups (`default` with two group rules, `test-sg` with tcp 200-400 and 201-400 from
/// 0.0.0.0/0), the VPC example's `security_group_1` with four allow/100 rules in the document's
/// order, and `sg-1133aa` referenced by `sg-2255cc` and `sg-2255dd` of account 123.
const EXPECTED: &str = r#"Huawei Cloud ECS - NovaListServerSecurityGroups (region cn-north-4)
===================================================================
server 65fae4c2-3a09-46c6-af12-3b04f1fdba1e: 2 security groups

  default (bc4ac1d1-dc77-4b7d-a97d-af86eb0dc450) - "default"
    PROTOCOL  PORTS  PEER           DIRECTION  ACTION  PRIORITY
    any       any    group default  ingress    allow   -
    any       any    group default  ingress    allow   -

  test-sg (b3e4b615-a40f-4e1c-92af-2e0d382141d5) - "desc-sg"
    PROTOCOL  PORTS    PEER       DIRECTION  ACTION  PRIORITY
    tcp       200-400  0.0.0.0/0  ingress    allow   -
    tcp       201-400  0.0.0.0/0  ingress    allow   -

Huawei Cloud VPC - ShowSecurityGroup (region cn-north-4)
========================================================
security group security_group_1 (69c999ad-d9ef-4d79-94fd-35e6ceb75325) - "security group description": 4 rules
    PROTOCOL  PORTS  PEER                             ETHERTYPE  DIRECTION  ACTION  PRIORITY
    any       any    group security_group_1 (itself)  IPv6       ingress    allow   100
    any       any    any                              IPv6       egress     allow   100
    any       any    any                              IPv4       egress     allow   100
    any       any    group security_group_1 (itself)  IPv4       ingress    allow   100

Alibaba Cloud ECS - DescribeSecurityGroupReferences (region cn-hangzhou)
========================================================================
sg-1133aa is referenced by 2 security groups:
    GROUP      ACCOUNT
    sg-2255cc  123
    sg-2255dd  123
"#;

async fn emulator_clients() -> (cloudsdk_emulator::Emulator, Clients) {
    let emulator = cloudsdk_emulator::Emulator::start()
        .await
        .expect("the embedded emulator starts");
    let clients = Clients::for_emulator(
        &emulator.endpoint(),
        &emulator.credentials(),
        HUAWEI_REGION,
        ALIYUN_REGION,
    )
    .expect("clients for the emulator build");
    (emulator, clients)
}

#[tokio::test]
async fn tour_reports_the_documents_examples_as_tables() {
    let (_emulator, clients) = emulator_clients().await;
    let report = report::run(&clients, &Targets::seeded(HUAWEI_REGION, ALIYUN_REGION)).await;
    assert_eq!(report.failures, 0, "calls failed:\n{}", report.text);
    assert_eq!(report.text, EXPECTED);
}

#[tokio::test]
async fn tour_is_deterministic() {
    let (_emulator, clients) = emulator_clients().await;
    let targets = Targets::seeded(HUAWEI_REGION, ALIYUN_REGION);
    let first = report::run(&clients, &targets).await;
    let second = report::run(&clients, &targets).await;
    assert_eq!(first.text, second.text);
    // The documents' request ids must not leak into the report.
    assert!(!first.text.contains("CEF72CEB"), "{}", first.text);
    assert!(!first.text.contains("a8cf4f79"), "{}", first.text);
}

#[tokio::test]
async fn tour_reports_each_failed_call_with_its_code() {
    let (_emulator, clients) = emulator_clients().await;
    let targets = Targets {
        huawei_region: HUAWEI_REGION.to_owned(),
        server_id: Some("00000000-0000-4000-8000-000000000000".to_owned()),
        security_group_id: Some("00000000-0000-4000-8000-000000000001".to_owned()),
        aliyun_region: ALIYUN_REGION.to_owned(),
        aliyun_group_ids: vec!["sg-doesnotexist".to_owned()],
    };
    let report = report::run(&clients, &targets).await;
    assert_eq!(report.failures, 3, "{}", report.text);
    let errors: Vec<&str> = report
        .text
        .lines()
        .filter(|line| line.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 3, "{}", report.text);
    assert!(
        errors[0].starts_with("error: HTTP 404 itemNotFound"),
        "{}",
        errors[0]
    );
    assert!(
        errors[1].starts_with("error: HTTP 404 VPC."),
        "{}",
        errors[1]
    );
    assert!(
        errors[2].starts_with("error: HTTP 404 InvalidSecurityGroupId.NotFound"),
        "{}",
        errors[2]
    );
}

#[tokio::test]
async fn tour_with_a_wrong_secret_is_refused() {
    let emulator = cloudsdk_emulator::Emulator::start()
        .await
        .expect("the embedded emulator starts");
    let wrong = cloudsdk_core::Credentials::new(
        emulator.credentials().access_key_id().to_owned(),
        "not-the-secret",
    );
    let clients = Clients::for_emulator(&emulator.endpoint(), &wrong, HUAWEI_REGION, ALIYUN_REGION)
        .expect("clients build");
    let report = report::run(&clients, &Targets::seeded(HUAWEI_REGION, ALIYUN_REGION)).await;
    assert_eq!(report.failures, 3, "{}", report.text);
    assert!(report.text.contains("APIGW.0301"), "{}", report.text);
    assert!(
        report.text.contains("SignatureDoesNotMatch"),
        "{}",
        report.text
    );
    assert!(!report.text.contains("not-the-secret"), "{}", report.text);
}
