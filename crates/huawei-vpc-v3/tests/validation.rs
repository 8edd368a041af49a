//! Client-side validation and error mapping; no network.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use cloudsdk_core::error::{ErrorMetadata, OperationError};
use huawei_vpc_v3::operation::show_security_group::{
    ShowSecurityGroupError, ShowSecurityGroupInput,
};
use huawei_vpc_v3::{Client, Credentials, SdkError};

/// Polls a future that must finish without waiting (validation fails before any I/O).
fn now<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("the future waited: something was sent"),
    }
}

fn client() -> Client {
    Client::builder()
        .region("cn-north-4")
        .endpoint("http://127.0.0.1:9")
        .project_id("0605767b5280d57e2f6ec014d9c0a2b7")
        .credentials(Credentials::new("AK", "SK"))
        .max_attempts(3)
        .operation_timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("valid configuration")
}

#[test]
fn missing_security_group_id_is_a_construction_error() {
    let err = now(client().show_security_group().send()).unwrap_err();
    let SdkError::Construction(e) = err else {
        panic!("expected a construction error, got {err:?}");
    };
    assert_eq!(e.parameter(), "security_group_id");
}

#[test]
fn empty_security_group_id_is_refused() {
    let err = now(client().show_security_group().security_group_id("").send()).unwrap_err();
    assert!(matches!(err, SdkError::Construction(_)), "{err:?}");
    let err = ShowSecurityGroupInput::builder()
        .security_group_id("")
        .build()
        .unwrap_err();
    assert!(
        err.message().contains("must not be empty"),
        "{}",
        err.message()
    );
}

#[test]
fn builder_accessors() {
    let fluent = client()
        .show_security_group()
        .security_group_id("sg-1")
        .set_security_group_id(Some("sg-2".to_owned()));
    assert_eq!(fluent.get_security_group_id().as_deref(), Some("sg-2"));
    let input = fluent.as_input().clone().build().unwrap();
    assert_eq!(input.security_group_id, "sg-2");
    let cleared = client()
        .show_security_group()
        .security_group_id("x")
        .set_security_group_id(None);
    assert_eq!(cleared.get_security_group_id(), &None);
}

#[test]
fn errors_map_by_status() {
    let e = ShowSecurityGroupError::from_metadata(
        ErrorMetadata::new(404)
            .with_code("VPC.0602")
            .with_message("Security group does not exist")
            .with_request_id("req-1"),
    );
    assert!(e.is_not_found());
    assert_eq!(e.code(), Some("VPC.0602"));
    assert_eq!(e.message(), Some("Security group does not exist"));
    assert_eq!(e.request_id(), Some("req-1"));
    assert_eq!(e.status(), 404);
    assert_eq!(
        e.to_string(),
        "404 VPC.0602: Security group does not exist (request id req-1)"
    );
    assert!(
        ShowSecurityGroupError::from_metadata(ErrorMetadata::new(401).with_code("APIGW.0301"))
            .is_unauthorized()
    );
    assert!(ShowSecurityGroupError::from_metadata(ErrorMetadata::new(403)).is_forbidden());
    assert!(
        ShowSecurityGroupError::from_metadata(ErrorMetadata::new(500)).is_internal_server_error()
    );
    let other =
        ShowSecurityGroupError::from_metadata(ErrorMetadata::new(429).with_code("APIGW.0308"));
    assert!(other.is_unhandled());
    assert_eq!(other.code(), Some("APIGW.0308"));
}
