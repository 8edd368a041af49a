//! Values that reach a header or the path from elsewhere than the caller's parameters: a project
//! id discovered through IAM (server data) and credentials from a provider are checked before
//! the operation's request is sent.

mod common;
use common::Route;

use cloudsdk_core::Credentials;
use cloudsdk_core::error::SdkError;
use cloudsdk_core::huawei::{HuaweiClientBuilder, RestRequest, ServiceInfo};
use common::{FakeError, Reply, Server};

static VPC: ServiceInfo = ServiceInfo {
    endpoint_template: "https://vpc.{region}.myhuaweicloud.com",
    crate_name: "huawei-vpc-v3",
    crate_version: "0.1.0",
};

fn request() -> RestRequest {
    RestRequest::new("ShowSecurityGroup", "GET")
        .literal("/v3/")
        .project_id()
        .literal("/vpc/security-groups/")
        .path_param("security_group_id", "sg-1")
}

#[tokio::test]
async fn an_unusable_discovered_project_id_is_refused() {
    for bad in ["..", "../x", "a/b", "p\r\nX-Injected: 1", "pé", ""] {
        let body = serde_json::json!({"projects": [{"id": bad, "name": "cn-north-4"}]});
        let iam = Server::sequence(vec![Reply::json(200, &body.to_string())]).await;
        let vpc = Server::sequence(vec![Reply::json(200, "{}")]).await;
        let client = HuaweiClientBuilder::new(&VPC)
            .region("cn-north-4")
            .via(&vpc)
            .iam_endpoint(iam.url())
            .credentials(Credentials::new("AK", "SK"))
            .build()
            .unwrap();
        let err = client
            .send::<serde_json::Value, FakeError>(request())
            .await
            .unwrap_err();
        match &err {
            SdkError::Construction(c) => {
                assert_eq!(c.parameter(), "project_id", "{bad:?}: {err}");
                assert!(
                    c.message().contains("unusable project id"),
                    "{bad:?}: {err}"
                );
            }
            other => panic!("{bad:?}: expected Construction, got {other:?}"),
        }
        assert_eq!(iam.count(), 1, "{bad:?}");
        assert_eq!(vpc.count(), 0, "{bad:?}: the operation was sent");
    }
}

#[tokio::test]
async fn a_valid_discovered_project_id_is_used() {
    let iam = Server::sequence(vec![Reply::json(
        200,
        r#"{"projects":[{"id":"0605767b5280d57e2f6ec014d9c0a2b7","name":"cn-north-4"}]}"#,
    )])
    .await;
    let vpc = Server::sequence(vec![Reply::json(200, "{}")]).await;
    let client = HuaweiClientBuilder::new(&VPC)
        .region("cn-north-4")
        .via(&vpc)
        .iam_endpoint(iam.url())
        .credentials(Credentials::new("AK", "SK"))
        .build()
        .unwrap();
    client
        .send::<serde_json::Value, FakeError>(request())
        .await
        .unwrap();
    assert_eq!(
        vpc.requests()[0].path(),
        "/v3/0605767b5280d57e2f6ec014d9c0a2b7/vpc/security-groups/sg-1"
    );
}

#[tokio::test]
async fn provider_credentials_are_checked_at_every_send() {
    let vpc = Server::sequence(vec![Reply::json(200, "{}")]).await;
    for (creds, what) in [
        (Credentials::new("", "SK"), "empty access key id"),
        (
            Credentials::new("AK\r\nX: 1", "SK"),
            "CRLF in the access key id",
        ),
        (Credentials::new("AK", ""), "empty secret"),
        (
            Credentials::new("AK", "SK").with_security_token("t\nX: 1"),
            "LF in the token",
        ),
    ] {
        let client = HuaweiClientBuilder::new(&VPC)
            .via(&vpc)
            .project_id("p")
            .credentials_provider(creds)
            .build()
            .expect("providers are only called at send");
        let err = client
            .send::<serde_json::Value, FakeError>(request())
            .await
            .unwrap_err();
        assert!(
            matches!(&err, SdkError::Construction(c) if c.parameter() == "credentials"),
            "{what}: {err:?}"
        );
    }
    assert_eq!(vpc.count(), 0);
}
