//! Client-side validation and error mapping; no network.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use aliyun_ecs::operation::describe_security_group_references::{
    DescribeSecurityGroupReferencesError as Error, DescribeSecurityGroupReferencesInput as Input,
};
use aliyun_ecs::{Client, Credentials, Format, SdkError, SignatureAlgorithm};
use cloudsdk_core::error::{ErrorMetadata, OperationError};

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
        .region("cn-hangzhou")
        .endpoint("http://127.0.0.1:9")
        .credentials(Credentials::new("AK", "SK"))
        .signature_algorithm(SignatureAlgorithm::V2)
        .format(Format::Xml)
        .build()
        .expect("valid configuration")
}

fn construction_parameter<T: std::fmt::Debug>(result: Result<T, SdkError<Error>>) -> String {
    match result.unwrap_err() {
        SdkError::Construction(e) => e.parameter().to_owned(),
        other => panic!("expected a construction error, got {other:?}"),
    }
}

/// `RegionId` is required: unset, it comes from the client's region (tested end to end in
/// `tests/tests/emulator_aliyun.rs`); a client with an endpoint but no region has none to give.
#[test]
fn missing_region_id() {
    let no_region = Client::builder()
        .endpoint("http://127.0.0.1:9")
        .credentials(Credentials::new("AK", "SK"))
        .build()
        .expect("valid configuration");
    let r = now(no_region
        .describe_security_group_references()
        .security_group_id("sg-1")
        .send());
    assert_eq!(construction_parameter(r), "RegionId");
    // An explicit (empty) value wins over the client's region, and is refused.
    let r = now(client()
        .describe_security_group_references()
        .region_id("")
        .security_group_id("sg-1")
        .send());
    assert_eq!(construction_parameter(r), "RegionId");
}

#[test]
fn zero_ids_are_refused() {
    let r = now(client()
        .describe_security_group_references()
        .region_id("cn-hangzhou")
        .send());
    assert_eq!(construction_parameter(r), "SecurityGroupId.N");
    let r = now(client()
        .describe_security_group_references()
        .region_id("cn-hangzhou")
        .set_security_group_ids(Some(Vec::new()))
        .send());
    assert_eq!(construction_parameter(r), "SecurityGroupId.N");
}

#[test]
fn eleven_ids_are_refused_ten_accepted() {
    let mut builder = Input::builder().region_id("cn-hangzhou");
    for i in 1..=10 {
        builder = builder.security_group_id(format!("sg-{i}"));
    }
    let input = builder.clone().build().unwrap();
    assert_eq!(input.security_group_ids.len(), 10);
    assert_eq!(input.security_group_ids[9], "sg-10");
    let err = builder.security_group_id("sg-11").build().unwrap_err();
    assert_eq!(err.parameter(), "SecurityGroupId.N");
    assert!(err.message().contains("at most 10"), "{}", err.message());

    let mut fluent = client()
        .describe_security_group_references()
        .region_id("cn-hangzhou");
    for i in 1..=11 {
        fluent = fluent.security_group_id(format!("sg-{i}"));
    }
    assert_eq!(
        construction_parameter(now(fluent.send())),
        "SecurityGroupId.N"
    );
}

#[test]
fn empty_id_item_is_refused() {
    let err = Input::builder()
        .region_id("cn-hangzhou")
        .security_group_id("sg-1")
        .security_group_id("")
        .build()
        .unwrap_err();
    assert!(err.message().contains("item 2"), "{}", err.message());
}

#[test]
fn ids_append_and_set() {
    let fluent = client()
        .describe_security_group_references()
        .region_id("cn-hangzhou")
        .security_group_id("sg-1")
        .security_group_id("sg-2")
        .owner_account("ECSforCloud@Alibaba.com");
    assert_eq!(
        fluent.get_security_group_ids().as_deref(),
        Some(&["sg-1".to_owned(), "sg-2".to_owned()][..])
    );
    assert_eq!(
        fluent.get_owner_account().as_deref(),
        Some("ECSforCloud@Alibaba.com")
    );
    let fluent = fluent.set_security_group_ids(Some(vec!["sg-9".to_owned()]));
    let input = fluent.as_input().clone().build().unwrap();
    assert_eq!(input.security_group_ids, ["sg-9"]);
    assert_eq!(input.region_id, "cn-hangzhou");
    assert_eq!(
        input.owner_account.as_deref(),
        Some("ECSforCloud@Alibaba.com")
    );
}

#[test]
fn errors_map_by_code() {
    let e = Error::from_metadata(
        ErrorMetadata::new(400)
            .with_code("InvalidSecurityGroupId.Malformed")
            .with_message(
                "The specified parameter SecurityGroupId is essential and size should less than 10",
            )
            .with_request_id("473469C7"),
    );
    assert!(e.is_invalid_security_group_id_malformed());
    assert_eq!(e.request_id(), Some("473469C7"));
    assert_eq!(
        e.to_string(),
        "400 InvalidSecurityGroupId.Malformed: The specified parameter SecurityGroupId is \
         essential and size should less than 10 (request id 473469C7)"
    );
    assert!(
        Error::from_metadata(ErrorMetadata::new(404).with_code("InvalidSecurityGroupId.NotFound"))
            .is_invalid_security_group_id_not_found()
    );
    // The 2018 document gave this code status 400: the code decides.
    assert!(
        Error::from_metadata(ErrorMetadata::new(400).with_code("InvalidSecurityGroupId.NotFound"))
            .is_invalid_security_group_id_not_found()
    );
    assert!(
        Error::from_metadata(ErrorMetadata::new(404).with_code("InvalidRegionId.NotFound"))
            .is_invalid_region_id_not_found()
    );
    let throttled = Error::from_metadata(ErrorMetadata::new(400).with_code("Throttling.User"));
    assert!(throttled.is_unhandled());
    assert_eq!(throttled.code(), Some("Throttling.User"));
}
