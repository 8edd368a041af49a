//! The generated `aliyun-ecs` client end to end over real HTTP against the signature-verifying
//! gateway of `cloudsdk_conformance`: V3 and V2 signing, JSON and XML, the spec's three example
//! shapes, STS tokens, error mapping and client-side validation.

use aliyun_ecs::operation::describe_security_group_references::{
    DescribeSecurityGroupReferencesError, DescribeSecurityGroupReferencesOutput,
};
use aliyun_ecs::types::{ReferencingSecurityGroup, SecurityGroupReference};
use aliyun_ecs::{Credentials, Format, SdkError, SignatureAlgorithm};
use cloudsdk_conformance::{Keys, Recorded, Reply, Scheme, Verdict, VerifyingServer};

const AK: &str = "LTAI5tXXXXXXXXXXXXXXXXXX";
const SECRET: &str = "aliyun-secret-0123456789abcdefghij";
const STS_AK: &str = "STS.NUXXXXXXXXXXXXXXXXXXXXX";
const TOKEN: &str =
    "CAIS+gF1q6Ft5B2yfSjIr5bSEsj+/rJ4w/aldHbwrmNhSfVK2pXZjDz2IH1Ee3dvAe0Yt/o+mWFT7f8Y==";
const REGION: &str = "cn-hangzhou";
const OWNER_ACCOUNT: &str = "ECSforCloud@Alibaba.com";
const ACTION: &str = "DescribeSecurityGroupReferences";

const DOC_WIRE_JSON: &str = "doc_data_wire.json";
const DOC_BARE_JSON: &str = "doc_json.json";
const DOC_XML: &str = "doc_xml.xml";

fn ids(n: usize) -> Vec<String> {
    (1..=n)
        .map(|i| format!("sg-bp1fg655nh68xyz{i:04}"))
        .collect()
}

fn example(file: &str) -> Reply {
    Reply::file(200, cloudsdk_conformance::spec_example("aliyun-ecs", file))
}

fn builder(server: &VerifyingServer) -> aliyun_ecs::ClientBuilder {
    aliyun_ecs::Client::builder()
        .region(REGION)
        .endpoint(server.url())
        .credentials(Credentials::new(AK, SECRET))
        .max_attempts(1)
}

async fn call(
    client: &aliyun_ecs::Client,
    ids: &[String],
) -> Result<DescribeSecurityGroupReferencesOutput, SdkError<DescribeSecurityGroupReferencesError>> {
    let mut op = client
        .describe_security_group_references()
        .region_id(REGION)
        .owner_account(OWNER_ACCOUNT);
    for id in ids {
        op = op.security_group_id(id);
    }
    op.send().await
}

/// What the three documented example payloads (wrapped JSON, documented XML, documented bare
/// array with the misspelled key and numeric `AliUid`) all say.
fn documented_output() -> DescribeSecurityGroupReferencesOutput {
    let referencing = |id: &str| {
        ReferencingSecurityGroup::builder()
            .security_group_id(id)
            .ali_uid("123")
            .build()
    };
    DescribeSecurityGroupReferencesOutput::builder()
        .request_id("CEF72CEB-54B6-4AE8-B225-F876FF7BA984")
        .security_group_reference(
            SecurityGroupReference::builder()
                .security_group_id("sg-1133aa")
                .referencing_security_group(referencing("sg-2255cc"))
                .referencing_security_group(referencing("sg-2255dd"))
                .build(),
        )
        .build()
        .expect("every required field is set")
}

fn assert_accepted(r: &Recorded, scheme: Scheme) {
    assert!(
        r.verdict.is_accepted(),
        "the gateway rejected the request: {:#?}",
        r.verdict
    );
    assert_eq!(r.verdict.scheme(), Some(scheme));
}

/// `SecurityGroupId.1..N` carry `ids` in order, and the names are sorted byte-wise on the wire
/// (`.10` between `.1` and `.2`).
fn assert_ids_sent(r: &Recorded, ids: &[String]) {
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(
            r.query_param(&format!("SecurityGroupId.{}", i + 1))
                .as_deref(),
            Some(id.as_str()),
            "SecurityGroupId.{}",
            i + 1
        );
    }
    let sent: Vec<String> = r
        .query_names()
        .into_iter()
        .filter(|n| n.starts_with("SecurityGroupId."))
        .collect();
    let mut expected: Vec<String> = (1..=ids.len())
        .map(|i| format!("SecurityGroupId.{i}"))
        .collect();
    expected.sort();
    assert_eq!(sent, expected);
}

#[tokio::test]
async fn v3_sends_a_signed_rpc_request_and_decodes_the_real_json_shape() {
    let server = VerifyingServer::aliyun(Keys::new(AK, SECRET))
        .reply(example(DOC_WIRE_JSON))
        .start()
        .await;
    let ten = ids(10);
    let out = call(&builder(&server).build().unwrap(), &ten)
        .await
        .unwrap();
    assert_eq!(out, documented_output());
    assert_eq!(
        out.security_group_references[0].referencing_security_groups[1]
            .security_group_id
            .as_deref(),
        Some("sg-2255dd")
    );

    let r = server.single_request();
    assert_accepted(&r, Scheme::AliyunV3);
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/");
    assert!(r.body.is_empty());
    let mut names = vec!["OwnerAccount".to_owned(), "RegionId".to_owned()];
    names.extend(
        ["1", "10", "2", "3", "4", "5", "6", "7", "8", "9"].map(|n| format!("SecurityGroupId.{n}")),
    );
    assert_eq!(
        r.query_names(),
        names,
        "exactly these parameters, in canonical order"
    );
    assert_ids_sent(&r, &ten);
    assert_eq!(
        r.query_param("OwnerAccount").as_deref(),
        Some(OWNER_ACCOUNT)
    );
    assert!(
        r.raw_query
            .contains("OwnerAccount=ECSforCloud%40Alibaba.com"),
        "{}",
        r.raw_query
    );
    assert_eq!(r.query_param("RegionId").as_deref(), Some(REGION));
    assert_eq!(
        r.query_param("Format"),
        None,
        "JSON is the default: no Format parameter"
    );
    assert_eq!(r.header("x-acs-action"), Some(ACTION));
    assert_eq!(r.header("x-acs-version"), Some("2014-05-26"));
    assert_eq!(r.header("accept"), Some("application/json"));
    assert_eq!(r.header("host"), Some(server.host().as_str()));
    assert_eq!(r.header("x-acs-security-token"), None);
    let ua = r.header("user-agent").unwrap();
    assert!(
        ua.starts_with("cloudsdk/") && ua.contains(" aliyun-ecs/0.1.0"),
        "{ua}"
    );
    assert_eq!(
        r.verdict.signed_headers(),
        [
            "host",
            "x-acs-action",
            "x-acs-content-sha256",
            "x-acs-date",
            "x-acs-signature-nonce",
            "x-acs-version"
        ]
    );
}

#[tokio::test]
async fn v2_signs_the_query_and_decodes_the_same_output() {
    let server = VerifyingServer::aliyun(Keys::new(AK, SECRET))
        .reply(example(DOC_WIRE_JSON))
        .start()
        .await;
    let ten = ids(10);
    let client = builder(&server)
        .signature_algorithm(SignatureAlgorithm::V2)
        .build()
        .unwrap();
    let out = call(&client, &ten).await.unwrap();
    assert_eq!(out, documented_output());

    let r = server.single_request();
    assert_accepted(&r, Scheme::AliyunV2);
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/");
    assert_eq!(r.header("authorization"), None);
    assert_ids_sent(&r, &ten);
    let param = |name: &str| r.query_param(name);
    assert_eq!(param("Action").as_deref(), Some(ACTION));
    assert_eq!(param("Version").as_deref(), Some("2014-05-26"));
    assert_eq!(param("Format").as_deref(), Some("JSON"));
    assert_eq!(param("AccessKeyId").as_deref(), Some(AK));
    assert_eq!(param("SignatureMethod").as_deref(), Some("HMAC-SHA1"));
    assert_eq!(param("SignatureVersion").as_deref(), Some("1.0"));
    assert_eq!(param("OwnerAccount").as_deref(), Some(OWNER_ACCOUNT));
    assert_eq!(param("RegionId").as_deref(), Some(REGION));
    assert_eq!(param("SecurityToken"), None);
    assert!(param("SignatureNonce").is_some_and(|n| !n.is_empty()));
    assert!(param("Timestamp").is_some_and(|t| t.ends_with('Z')));
    assert!(param("Signature").is_some_and(|s| s.ends_with('=')));
    // 10 ids + RegionId + OwnerAccount + 8 common parameters + Signature, nothing else.
    assert_eq!(r.query_names().len(), 21, "{:?}", r.query_names());
}

#[tokio::test]
async fn every_documented_shape_decodes_equal_with_both_algorithms() {
    let cases = [
        (DOC_WIRE_JSON, Format::Json),
        (DOC_BARE_JSON, Format::Json),
        (DOC_XML, Format::Xml),
    ];
    for algorithm in [SignatureAlgorithm::V3, SignatureAlgorithm::V2] {
        for (file, format) in cases {
            let server = VerifyingServer::aliyun(Keys::new(AK, SECRET))
                .reply(example(file))
                .start()
                .await;
            let client = builder(&server)
                .signature_algorithm(algorithm)
                .format(format)
                .build()
                .unwrap();
            let out = call(&client, &ids(2))
                .await
                .unwrap_or_else(|e| panic!("{algorithm:?} {file}: {e}"));
            assert_eq!(out, documented_output(), "{algorithm:?} {file}");

            let r = server.single_request();
            let scheme = match algorithm {
                SignatureAlgorithm::V2 => Scheme::AliyunV2,
                _ => Scheme::AliyunV3,
            };
            assert_accepted(&r, scheme);
            let (format_param, accept) = match format {
                Format::Xml => (Some("XML"), "application/xml"),
                _ => (
                    (scheme == Scheme::AliyunV2).then_some("JSON"),
                    "application/json",
                ),
            };
            assert_eq!(
                r.query_param("Format").as_deref(),
                format_param,
                "{algorithm:?} {file}"
            );
            assert_eq!(r.header("accept"), Some(accept), "{algorithm:?} {file}");
        }
    }
}

#[tokio::test]
async fn v3_sts_token_is_sent_and_signed() {
    let server = VerifyingServer::aliyun(Keys::new(STS_AK, SECRET).with_security_token(TOKEN))
        .reply(example(DOC_WIRE_JSON))
        .start()
        .await;
    let client = builder(&server)
        .credentials(Credentials::new(STS_AK, SECRET).with_security_token(TOKEN))
        .build()
        .unwrap();
    call(&client, &ids(1)).await.unwrap();

    let r = server.single_request();
    assert_accepted(&r, Scheme::AliyunV3);
    assert_eq!(r.header("x-acs-security-token"), Some(TOKEN));
    assert_eq!(r.header("x-acs-accesskey-id"), Some(STS_AK));
    assert!(
        r.verdict
            .signed_headers()
            .iter()
            .any(|h| h == "x-acs-security-token"),
        "{:?}",
        r.verdict.signed_headers()
    );

    // Without the token the same gateway refuses the temporary key.
    let err = call(
        &builder(&server)
            .credentials(Credentials::new(STS_AK, SECRET))
            .build()
            .unwrap(),
        &ids(1),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.code(),
        Some("InvalidSecurityToken.MismatchWithAccessKey"),
        "{err}"
    );
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn v2_sts_token_is_sent_and_signed() {
    let server = VerifyingServer::aliyun(Keys::new(STS_AK, SECRET).with_security_token(TOKEN))
        .reply(example(DOC_XML))
        .start()
        .await;
    let client = builder(&server)
        .credentials(Credentials::new(STS_AK, SECRET).with_security_token(TOKEN))
        .signature_algorithm(SignatureAlgorithm::V2)
        .format(Format::Xml)
        .build()
        .unwrap();
    let out = call(&client, &ids(1)).await.unwrap();
    assert_eq!(out, documented_output());

    let r = server.single_request();
    // V2 signs every parameter; acceptance means SecurityToken was covered by the signature.
    assert_accepted(&r, Scheme::AliyunV2);
    assert_eq!(r.query_param("SecurityToken").as_deref(), Some(TOKEN));
    assert_eq!(r.query_param("AccessKeyId").as_deref(), Some(STS_AK));
    assert!(
        r.raw_query.contains("SecurityToken=CAIS%2BgF1q6Ft5B2yfSjIr5bSEsj%2B%2FrJ4w%2FaldHbwrmNhSfVK2pXZjDz2IH1Ee3dvAe0Yt%2Fo%2BmWFT7f8Y%3D%3D"),
        "{}",
        r.raw_query
    );
}

fn error_json(code: &str, message: &str, request_id: &str) -> String {
    serde_json::json!({
        "RequestId": request_id,
        "HostId": "ecs.aliyuncs.com",
        "Code": code,
        "Message": message,
        "Recommend": format!("https://api.aliyun.com/troubleshoot?q={code}&product=Ecs"),
    })
    .to_string()
}

#[tokio::test]
async fn not_found_error_maps_to_its_typed_variant_in_json_and_xml() {
    const RID: &str = "7D4C1BBD-4DAC-5F2A-9B5E-0F6F2D3A1C11";
    const MESSAGE: &str = "The SecurityGroupId provided does not exist in our records.";
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>\n  <RequestId>{RID}</RequestId>\n  <HostId>ecs.aliyuncs.com</HostId>\n  <Code>InvalidSecurityGroupId.NotFound</Code>\n  <Message>{MESSAGE}</Message>\n</Error>"
    );
    for (format, reply) in [
        (
            Format::Json,
            Reply::json(
                404,
                error_json("InvalidSecurityGroupId.NotFound", MESSAGE, RID),
            ),
        ),
        (Format::Xml, Reply::xml(404, xml.clone())),
    ] {
        let server = VerifyingServer::aliyun(Keys::new(AK, SECRET))
            .reply(reply)
            .start()
            .await;
        let err = call(
            &builder(&server)
                .format(format)
                .max_attempts(3)
                .build()
                .unwrap(),
            &ids(1),
        )
        .await
        .unwrap_err();
        assert_accepted(&server.single_request(), Scheme::AliyunV3); // not retried
        assert_eq!(
            err.to_string(),
            format!("404 InvalidSecurityGroupId.NotFound: {MESSAGE} (request id {RID})"),
            "{format:?}"
        );
        assert_eq!(err.status(), Some(404));
        assert_eq!(err.request_id(), Some(RID));
        let typed = err.into_service_error().expect("service error");
        assert!(
            matches!(&typed, DescribeSecurityGroupReferencesError::InvalidSecurityGroupIdNotFound(m) if m.message() == Some(MESSAGE)),
            "{format:?}: {typed:?}"
        );
        assert_eq!(typed.meta().extra("HostId"), Some("ecs.aliyuncs.com"));
    }
}

#[tokio::test]
async fn malformed_error_maps_to_its_typed_variant() {
    const RID: &str = "A1B2C3D4-0000-4000-8000-0123456789AB";
    const MESSAGE: &str =
        "The specified parameter SecurityGroupId is essential and size should less than 10";
    let server = VerifyingServer::aliyun(Keys::new(AK, SECRET))
        .reply(Reply::json(
            400,
            error_json("InvalidSecurityGroupId.Malformed", MESSAGE, RID),
        ))
        .start()
        .await;
    let err = call(
        &builder(&server)
            .signature_algorithm(SignatureAlgorithm::V2)
            .build()
            .unwrap(),
        &ids(3),
    )
    .await
    .unwrap_err();
    assert_accepted(&server.single_request(), Scheme::AliyunV2);
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.code(), Some("InvalidSecurityGroupId.Malformed"));
    assert_eq!(err.request_id(), Some(RID));
    let typed = err.into_service_error().expect("service error");
    assert!(typed.is_invalid_security_group_id_malformed(), "{typed:?}");
    assert_eq!(
        typed.to_string(),
        format!("400 InvalidSecurityGroupId.Malformed: {MESSAGE} (request id {RID})")
    );
}

#[tokio::test]
async fn wrong_secret_is_refused_with_signature_does_not_match() {
    for (algorithm, scheme) in [
        (SignatureAlgorithm::V3, Scheme::AliyunV3),
        (SignatureAlgorithm::V2, Scheme::AliyunV2),
    ] {
        for format in [Format::Json, Format::Xml] {
            let server = VerifyingServer::aliyun(Keys::new(AK, SECRET))
                .reply(example(DOC_WIRE_JSON))
                .start()
                .await;
            let client = builder(&server)
                .credentials(Credentials::new(AK, "not-the-secret"))
                .signature_algorithm(algorithm)
                .format(format)
                // A 400 is not retried.
                .max_attempts(3)
                .build()
                .unwrap();
            let err = call(&client, &ids(1)).await.unwrap_err();

            let r = server.single_request();
            assert!(
                matches!(
                    &r.verdict,
                    Verdict::Rejected { scheme: Some(s), status: 400, code: "SignatureDoesNotMatch", .. } if *s == scheme
                ),
                "{algorithm:?} {format:?}: {:#?}",
                r.verdict
            );
            let SdkError::Service(service) = &err else {
                panic!("{algorithm:?} {format:?}: expected a service error, got {err:?}");
            };
            assert_eq!(service.meta().status(), 400);
            assert_eq!(service.meta().code(), Some("SignatureDoesNotMatch"));
            assert_eq!(service.meta().request_id(), Some(r.request_id.as_str()));
            assert_eq!(service.meta().extra("HostId"), Some(server.host().as_str()));
            assert!(
                service
                    .meta()
                    .message()
                    .is_some_and(|m| m.contains("server string to sign is:")),
                "{:?}",
                service.meta().message()
            );
            assert!(
                matches!(service.err(), DescribeSecurityGroupReferencesError::Unhandled(m) if m.code() == Some("SignatureDoesNotMatch")),
                "{:?}",
                service.err()
            );
            assert_eq!(err.request_id(), Some(r.request_id.as_str()));
            assert!(
                err.to_string().starts_with("400 SignatureDoesNotMatch: "),
                "{err}"
            );
        }
    }
}

#[tokio::test]
async fn from_env_takes_region_and_sts_credentials_from_the_injected_environment() {
    use cloudsdk_core::credentials::Env;
    let server = VerifyingServer::aliyun(Keys::new(STS_AK, SECRET).with_security_token(TOKEN))
        .reply(example(DOC_WIRE_JSON))
        .start()
        .await;
    let env = Env::from_vars([
        ("ALIBABA_CLOUD_REGION_ID", REGION),
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", STS_AK),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET),
        ("ALIBABA_CLOUD_SECURITY_TOKEN", TOKEN),
    ]);
    let client = aliyun_ecs::ClientBuilder::from_env()
        .env(env)
        .endpoint(server.url())
        .max_attempts(1)
        .build()
        .unwrap();
    call(&client, &ids(1)).await.unwrap();
    let r = server.single_request();
    assert_accepted(&r, Scheme::AliyunV3);
    assert_eq!(r.header("x-acs-security-token"), Some(TOKEN));

    // An environment with nothing in it (no HOME either, so no profile files) is a build error
    // that names what was tried, never a panic.
    let err = aliyun_ecs::ClientBuilder::from_env()
        .env(Env::from_vars(std::iter::empty::<(&str, &str)>()))
        .endpoint(server.url())
        .build()
        .unwrap_err();
    assert!(
        matches!(err, aliyun_ecs::BuildError::NoCredentials { ref tried } if !tried.is_empty()),
        "{err:?}"
    );
    assert_eq!(server.request_count(), 1);
}
