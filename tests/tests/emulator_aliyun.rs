//! The generated `aliyun-ecs` client against the emulator over real HTTP: the seeded
//! references with V3 and V2 signatures in JSON and XML, every documented error as its typed
//! variant, wrong secrets, unknown keys and STS tokens; and the errors the client cannot
//! provoke (it validates first) with raw requests signed by the core's signers.
//!
//! Expected values come from the spec example files (`specs/examples/aliyun-ecs/…`), never
//! from the emulator.

use aliyun_ecs::operation::describe_security_group_references::{
    DescribeSecurityGroupReferencesError, DescribeSecurityGroupReferencesOutput,
};
use aliyun_ecs::{Credentials, Format, SdkError, SignatureAlgorithm};
use cloudsdk_core::sign::{aliyun_v2, aliyun_v3, sha256_hex};
use cloudsdk_emulator::{Emulator, Recorded, Scheme, Vendor};
use time::OffsetDateTime;

const REGION: &str = "cn-hangzhou";
const AK: &str = "LTAIemulatorTest0001";
const SECRET: &str = "aliyun-emulator-secret/+=0001";
const STS_AK: &str = "STS.emulatorTest0001";
const TOKEN: &str = "CAIS+emulator/token==0001";

const ALGORITHMS: [SignatureAlgorithm; 2] = [SignatureAlgorithm::V3, SignatureAlgorithm::V2];
const FORMATS: [Format; 2] = [Format::Json, Format::Xml];

fn builder(emu: &Emulator) -> aliyun_ecs::ClientBuilder {
    aliyun_ecs::Client::builder()
        .region(REGION)
        .endpoint(emu.endpoint())
        .credentials(emu.credentials())
        .max_attempts(1)
}

async fn call(
    client: &aliyun_ecs::Client,
    region: &str,
    ids: &[&str],
) -> Result<DescribeSecurityGroupReferencesOutput, SdkError<DescribeSecurityGroupReferencesError>> {
    let mut op = client
        .describe_security_group_references()
        .region_id(region);
    for id in ids {
        op = op.security_group_id(*id);
    }
    op.send().await
}

/// The document's example (wire JSON), with `RequestId` replaced.
fn documented(request_id: &str) -> DescribeSecurityGroupReferencesOutput {
    let mut out: DescribeSecurityGroupReferencesOutput = serde_json::from_str(
        &cloudsdk_conformance::read_spec_example("aliyun-ecs", "doc_data_wire.json"),
    )
    .unwrap();
    out.request_id = request_id.to_owned();
    out
}

fn last(emu: &Emulator) -> Recorded {
    emu.requests().pop().expect("a request")
}

fn scheme(algorithm: SignatureAlgorithm) -> Scheme {
    match algorithm {
        SignatureAlgorithm::V2 => Scheme::AliyunV2,
        _ => Scheme::AliyunV3,
    }
}

#[tokio::test]
async fn the_seeded_references_come_back_with_both_signatures_in_json_and_xml() {
    let emu = Emulator::start().await.unwrap();
    for algorithm in ALGORITHMS {
        for format in FORMATS {
            let client = builder(&emu)
                .signature_algorithm(algorithm)
                .format(format)
                .build()
                .unwrap();
            let out = call(&client, REGION, &["sg-1133aa"])
                .await
                .unwrap_or_else(|e| panic!("{algorithm:?} {format:?}: {e}"));
            let r = last(&emu);
            assert_eq!(out, documented(&r.request_id), "{algorithm:?} {format:?}");
            assert_eq!(r.verdict.scheme(), Some(scheme(algorithm)));
            let ua = r.header("user-agent").unwrap_or_default();
            assert!(ua.contains(" aliyun-ecs/"), "{ua}");
            assert_eq!(r.vendor, Vendor::Aliyun);
            assert_eq!(
                r.operation.as_deref(),
                Some("DescribeSecurityGroupReferences")
            );
            assert_eq!(r.status, 200);
        }
    }
    assert_eq!(emu.request_count(), 4);
}

#[tokio::test]
async fn groups_that_nobody_references_are_not_listed() {
    let emu = Emulator::start().await.unwrap();
    let client = builder(&emu).build().unwrap();
    let out = call(&client, REGION, &["sg-2255cc", "sg-1133aa", "sg-2255dd"])
        .await
        .unwrap();
    assert_eq!(out, documented(&last(&emu).request_id));
    let out = call(&client, REGION, &["sg-2255cc"]).await.unwrap();
    assert!(out.security_group_references.is_empty(), "{out:?}");
}

#[tokio::test]
async fn unknown_group_and_unknown_region_are_typed_404s_in_json_and_xml() {
    let emu = Emulator::start().await.unwrap();
    for algorithm in ALGORITHMS {
        for format in FORMATS {
            let client = builder(&emu)
                .signature_algorithm(algorithm)
                .format(format)
                .max_attempts(3)
                .build()
                .unwrap();
            let err = call(&client, REGION, &["sg-1133aa", "sg-nope"])
                .await
                .unwrap_err();
            let r = last(&emu);
            assert_eq!(err.status(), Some(404), "{algorithm:?} {format:?}");
            assert_eq!(
                err.message(),
                Some("The SecurityGroupId provided does not exist in our records.")
            );
            assert_eq!(err.request_id(), Some(r.request_id.as_str()));
            let typed = err.into_service_error().unwrap();
            assert!(
                matches!(
                    &typed,
                    DescribeSecurityGroupReferencesError::InvalidSecurityGroupIdNotFound(m)
                        if m.extra("HostId") == Some(emu.host().as_str())
                ),
                "{algorithm:?} {format:?}: {typed:?}"
            );

            let err = call(&client, "cn-nowhere-9", &["sg-1133aa"])
                .await
                .unwrap_err();
            assert_eq!(err.status(), Some(404));
            assert_eq!(
                err.message(),
                Some("The RegionId provided does not exist in our records.")
            );
            assert!(
                matches!(
                    err.into_service_error().unwrap(),
                    DescribeSecurityGroupReferencesError::InvalidRegionIdNotFound(_)
                ),
                "{algorithm:?} {format:?}"
            );
        }
    }
    // 404s are not retried: two requests per combination.
    assert_eq!(emu.request_count(), 8);
}

#[tokio::test]
async fn a_wrong_secret_gets_signature_does_not_match_with_the_string_to_sign() {
    let emu = Emulator::builder()
        .access_key(AK, SECRET)
        .start()
        .await
        .unwrap();
    for algorithm in ALGORITHMS {
        for format in FORMATS {
            let client = builder(&emu)
                .credentials(Credentials::new(AK, "not-the-secret"))
                .signature_algorithm(algorithm)
                .format(format)
                .build()
                .unwrap();
            let err = call(&client, REGION, &["sg-1133aa"]).await.unwrap_err();
            let r = last(&emu);
            assert_eq!(r.verdict.rejection_code(), Some("SignatureDoesNotMatch"));
            assert_eq!(err.status(), Some(400), "{algorithm:?} {format:?}");
            assert_eq!(err.code(), Some("SignatureDoesNotMatch"));
            assert_eq!(err.request_id(), Some(r.request_id.as_str()));
            let message = err.message().unwrap_or_default().to_owned();
            assert!(
                message.contains("server string to sign is:"),
                "{algorithm:?} {format:?}: {message}"
            );
            assert!(!message.contains("not-the-secret"));
            assert!(!message.contains(SECRET));
        }
        // An unknown key id.
        let client = builder(&emu)
            .credentials(Credentials::new("LTAInobody", SECRET))
            .signature_algorithm(algorithm)
            .build()
            .unwrap();
        let err = call(&client, REGION, &["sg-1133aa"]).await.unwrap_err();
        assert_eq!(err.status(), Some(404));
        assert_eq!(err.code(), Some("InvalidAccessKeyId.NotFound"));
    }
}

#[tokio::test]
async fn sts_tokens_with_both_signatures() {
    let emu = Emulator::builder()
        .access_key(STS_AK, SECRET)
        .security_token(TOKEN)
        .start()
        .await
        .unwrap();
    for algorithm in ALGORITHMS {
        let out = call(
            &builder(&emu)
                .signature_algorithm(algorithm)
                .build()
                .unwrap(),
            REGION,
            &["sg-1133aa"],
        )
        .await
        .unwrap();
        let r = last(&emu);
        assert_eq!(out, documented(&r.request_id));
        let sent = match algorithm {
            SignatureAlgorithm::V2 => r.query_param("SecurityToken"),
            _ => r.header("x-acs-security-token").map(str::to_owned),
        };
        assert_eq!(sent.as_deref(), Some(TOKEN), "{algorithm:?}");

        let err = call(
            &builder(&emu)
                .credentials(Credentials::new(STS_AK, SECRET))
                .signature_algorithm(algorithm)
                .build()
                .unwrap(),
            REGION,
            &["sg-1133aa"],
        )
        .await
        .unwrap_err();
        assert_eq!(
            err.code(),
            Some("InvalidSecurityToken.MismatchWithAccessKey"),
            "{algorithm:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Raw requests: what the client refuses to send
// ---------------------------------------------------------------------------------------------

/// A V2-signed RPC parameter list (common parameters added), as a query string.
fn v2_query(emu: &Emulator, params: &[(&str, &str)], nonce: &str, at: OffsetDateTime) -> String {
    let timestamp = aliyun_v2::format_timestamp(at);
    let mut all: Vec<(&str, &str)> = params.to_vec();
    all.extend([
        ("Version", "2014-05-26"),
        ("AccessKeyId", emu.access_key_id()),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("SignatureNonce", nonce),
        ("Timestamp", timestamp.as_str()),
    ]);
    aliyun_v2::sign("GET", &all, emu.access_key_secret()).signed_query
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl Answer {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

async fn get(emu: &Emulator, query: &str) -> Answer {
    let resp = http_client()
        .get(format!("{}/?{query}", emu.endpoint()))
        .send()
        .await
        .unwrap();
    Answer {
        status: resp.status().as_u16(),
        headers: resp.headers().clone(),
        body: String::from_utf8(resp.bytes().await.unwrap().to_vec()).unwrap(),
    }
}

fn ids(n: usize) -> Vec<(String, String)> {
    (1..=n)
        .map(|i| (format!("SecurityGroupId.{i}"), "sg-1133aa".to_owned()))
        .collect()
}

#[tokio::test]
async fn v2_get_requests_get_the_documented_errors_the_client_prevents() {
    let emu = Emulator::start().await.unwrap();
    let now = OffsetDateTime::now_utc();
    let action = ("Action", "DescribeSecurityGroupReferences");
    let json = ("Format", "JSON");

    // 0 and 11 ids: Malformed. 10 ids: fine.
    for (n, status, code) in [
        (0, 400, Some("InvalidSecurityGroupId.Malformed")),
        (11, 400, Some("InvalidSecurityGroupId.Malformed")),
        (10, 200, None),
    ] {
        let id_params = ids(n);
        let mut params = vec![action, json, ("RegionId", REGION)];
        params.extend(id_params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let a = get(&emu, &v2_query(&emu, &params, &format!("n-ids-{n}"), now)).await;
        assert_eq!(a.status, status, "{n} ids: {}", a.body);
        assert_eq!(a.json()["Code"].as_str(), code, "{n} ids");
    }

    // No RegionId.
    let a = get(
        &emu,
        &v2_query(
            &emu,
            &[action, json, ("SecurityGroupId.1", "sg-1133aa")],
            "n-region",
            now,
        ),
    )
    .await;
    assert_eq!(a.status, 400);
    assert_eq!(a.json()["Code"], "MissingParameter");
    assert!(
        a.json()["Message"]
            .as_str()
            .unwrap()
            .contains("\"RegionId\"")
    );

    // Another action.
    let a = get(
        &emu,
        &v2_query(
            &emu,
            &[("Action", "DescribeInstances"), json, ("RegionId", REGION)],
            "n-action",
            now,
        ),
    )
    .await;
    assert_eq!(a.status, 404);
    assert_eq!(a.json()["Code"], "InvalidAction.NotFound");

    // Expired timestamp (20 minutes old) and a replayed nonce.
    let base = [
        action,
        json,
        ("RegionId", REGION),
        ("SecurityGroupId.1", "sg-1133aa"),
    ];
    let a = get(
        &emu,
        &v2_query(&emu, &base, "n-old", now - time::Duration::minutes(20)),
    )
    .await;
    assert_eq!(a.status, 400);
    assert_eq!(a.json()["Code"], "InvalidTimeStamp.Expired");
    assert_eq!(
        a.json()["Message"],
        "Specified time stamp or date value is expired."
    );
    let q = v2_query(&emu, &base, "n-replay", now);
    assert_eq!(get(&emu, &q).await.status, 200);
    let a = get(&emu, &q).await;
    assert_eq!(a.status, 400);
    assert_eq!(a.json()["Code"], "SignatureNonceUsed");
    let rid = a.headers["x-acs-request-id"].to_str().unwrap();
    assert_eq!(a.json()["RequestId"].as_str(), Some(rid));
    assert!(a.headers.contains_key("date"));

    // V2 without Format answers XML (the V2 default).
    let a = get(
        &emu,
        &v2_query(
            &emu,
            &[
                action,
                ("RegionId", REGION),
                ("SecurityGroupId.1", "sg-1133aa"),
            ],
            "n-xml",
            now,
        ),
    )
    .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.headers["content-type"], "text/xml;charset=utf-8");
    let out: DescribeSecurityGroupReferencesOutput = quick_xml::de::from_str(&a.body).unwrap();
    assert_eq!(out.security_group_references.len(), 1, "{}", a.body);
}

#[tokio::test]
async fn v3_posts_with_a_form_body_are_verified_and_answered() {
    let emu = Emulator::start().await.unwrap();
    let host = emu.host();
    let body = b"RegionId=cn-hangzhou&SecurityGroupId.1=sg-1133aa";
    let date = aliyun_v3::format_timestamp(OffsetDateTime::now_utc());
    let hash = sha256_hex(body);
    let base = [
        ("content-type", "application/x-www-form-urlencoded"),
        ("host", host.as_str()),
        ("x-acs-action", "DescribeSecurityGroupReferences"),
        ("x-acs-version", "2014-05-26"),
        ("x-acs-date", date.as_str()),
        ("x-acs-signature-nonce", "v3-form-nonce"),
        ("x-acs-content-sha256", hash.as_str()),
    ];
    let signed = aliyun_v3::sign(
        &aliyun_v3::SigningInput {
            method: "POST",
            path: "/",
            query: &[],
            headers: &base,
            body,
        },
        emu.access_key_id(),
        emu.access_key_secret(),
    );
    let mut req = http_client()
        .post(format!("{}/", emu.endpoint()))
        .body(body.to_vec());
    for (k, v) in base.iter().filter(|(k, _)| *k != "host") {
        req = req.header(*k, *v);
    }
    let resp = req
        .header("authorization", signed.authorization)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let rid = resp.headers()["x-acs-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let out: DescribeSecurityGroupReferencesOutput =
        serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    assert_eq!(out, documented(&rid));
    let r = last(&emu);
    assert_eq!(r.verdict.scheme(), Some(Scheme::AliyunV3));
    assert_eq!(r.method, "POST");
}

/// A plain-HTTP reqwest client (the workspace builds reqwest's rustls without a default
/// crypto provider, so one is installed first).
fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// `RegionId` left unset is taken from the client's region (both signatures); a `region_id`
/// set on the request wins. (With neither, nothing is sent: `aliyun-ecs`'s
/// `validation::missing_region_id`.)
#[tokio::test]
async fn region_id_defaults_to_the_client_region() {
    let emu = Emulator::start().await.unwrap();
    for algorithm in ALGORITHMS {
        let client = builder(&emu)
            .signature_algorithm(algorithm)
            .build()
            .unwrap();
        let out = client
            .describe_security_group_references()
            .security_group_id("sg-1133aa")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{algorithm:?}: {e}"));
        let sent = last(&emu);
        assert_eq!(out, documented(&sent.request_id), "{algorithm:?}");
        assert_eq!(
            sent.query_param("RegionId").as_deref(),
            Some(REGION),
            "{algorithm:?}"
        );

        // An explicit value wins over the client's region.
        let err = client
            .describe_security_group_references()
            .region_id("cn-beijing")
            .security_group_id("sg-1133aa")
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            last(&emu).query_param("RegionId").as_deref(),
            Some("cn-beijing"),
            "{algorithm:?}: {err}"
        );
    }
}
