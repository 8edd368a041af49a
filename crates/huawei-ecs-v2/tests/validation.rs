//! Client-side validation, API version selection and error mapping; no network.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use cloudsdk_core::error::{ErrorMetadata, OperationError};
use huawei_ecs_v2::operation::nova_list_server_security_groups::{
    NovaListServerSecurityGroupsError as Error, NovaListServerSecurityGroupsInput as Input,
};
use huawei_ecs_v2::{ApiVersion, Client, Credentials, SdkError};

/// Polls a future that must finish without waiting (validation fails before any I/O).
fn now<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("the future waited: something was sent"),
    }
}

fn client(version: Option<ApiVersion>) -> Client {
    let mut builder = Client::builder()
        .region("cn-north-4")
        .endpoint("http://127.0.0.1:9")
        .project_id("0605767b5280d57e2f6ec014d9c0a2b7")
        .credentials(Credentials::new("AK", "SK"));
    if let Some(v) = version {
        builder = builder.api_version(v);
    }
    builder.build().expect("valid configuration")
}

#[test]
fn api_version_defaults_to_v2_1() {
    assert_eq!(ApiVersion::default(), ApiVersion::V2_1);
    assert_eq!(client(None).api_version(), ApiVersion::V2_1);
    assert_eq!(client(Some(ApiVersion::V2)).api_version(), ApiVersion::V2);
}

#[test]
fn missing_server_id_is_a_construction_error() {
    let err = now(client(None).nova_list_server_security_groups().send()).unwrap_err();
    let SdkError::Construction(e) = err else {
        panic!("expected a construction error, got {err:?}");
    };
    assert_eq!(e.parameter(), "server_id");
}

#[test]
fn empty_server_id_is_refused() {
    let err = now(client(Some(ApiVersion::V2))
        .nova_list_server_security_groups()
        .server_id("")
        .send())
    .unwrap_err();
    assert!(matches!(err, SdkError::Construction(_)), "{err:?}");
    assert!(Input::builder().server_id("").build().is_err());
    let input = Input::builder()
        .server_id("65fae4c2-3a09-46c6-af12-3b04f1fdba1e")
        .build()
        .unwrap();
    assert_eq!(input.server_id, "65fae4c2-3a09-46c6-af12-3b04f1fdba1e");
}

#[test]
fn nova_faults_map_by_code() {
    let e = Error::from_metadata(
        ErrorMetadata::new(404)
            .with_code("itemNotFound")
            .with_message("Instance could not be found")
            .with_request_id("req-1"),
    );
    assert!(e.is_item_not_found());
    assert_eq!(e.code(), Some("itemNotFound"));
    assert_eq!(e.request_id(), Some("req-1"));
    assert!(Error::from_metadata(ErrorMetadata::new(400).with_code("badRequest")).is_bad_request());
    assert!(
        Error::from_metadata(ErrorMetadata::new(500).with_code("computeFault")).is_compute_fault()
    );
    assert!(
        Error::from_metadata(ErrorMetadata::new(503).with_code("serviceUnavailable"))
            .is_service_unavailable()
    );
    assert!(
        Error::from_metadata(ErrorMetadata::new(409).with_code("buildInProgress"))
            .is_build_in_progress()
    );
    // A gateway error is not a Nova fault.
    let gateway = Error::from_metadata(ErrorMetadata::new(401).with_code("APIGW.0301"));
    assert!(gateway.is_unhandled());
    assert_eq!(gateway.status(), 401);
}
