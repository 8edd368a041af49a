//! The credential services over raw HTTP (reqwest, loopback only): Alibaba IMDS, STS
//! `AssumeRole` / `AssumeRoleWithOIDC` and the credentials URI; Huawei ECS metadata and the IAM
//! ID-token federation. Every service's temporary keys then call the emulated APIs (through the
//! generated clients, or signed by hand) until they expire.

#![warn(clippy::too_many_lines)] // threshold: clippy.toml (80 lines)

use std::time::Duration;

use cloudsdk_core::Credentials;
use cloudsdk_core::sign::{aliyun_v2, huawei};
use cloudsdk_emulator::{
    DEFAULT_HUAWEI_PROJECT_ID as PROJECT, DEFAULT_HUAWEI_REGION, DEFAULT_ROLE_NAME, Emulator,
    ImdsTokens, SEEDED_ALIYUN_SECURITY_GROUP_ID, SEEDED_VPC_SECURITY_GROUP_ID, Scheme,
};
use time::OffsetDateTime;

/// A plain-HTTP reqwest client (the workspace builds reqwest's rustls without a default
/// crypto provider, so one is installed first).
fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// Status, headers and body of an answer.
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl Answer {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

async fn send(req: reqwest::RequestBuilder) -> Answer {
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.text().await.unwrap();
    Answer {
        status,
        headers,
        body,
    }
}

const ALIYUN_ROLES: &str = "/latest/meta-data/ram/security-credentials/";

async fn imds_token(emu: &Emulator) -> Answer {
    send(
        http()
            .put(format!("{}/latest/api/token", emu.endpoint()))
            .header("X-aliyun-ecs-metadata-token-ttl-seconds", "21600"),
    )
    .await
}

async fn imds_get(emu: &Emulator, path: &str, token: Option<&str>) -> Answer {
    let mut req = http().get(format!("{}{path}", emu.endpoint()));
    if let Some(t) = token {
        req = req.header("X-aliyun-ecs-metadata-token", t);
    }
    send(req).await
}

/// Temporary credentials from an Alibaba JSON answer (IMDS / URI shape, or STS `Credentials`).
fn aliyun_creds(v: &serde_json::Value) -> (Credentials, OffsetDateTime) {
    let s = |k: &str| {
        v[k].as_str()
            .unwrap_or_else(|| panic!("{k} in {v}"))
            .to_owned()
    };
    let expiry = OffsetDateTime::parse(
        &s("Expiration"),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!(s("Expiration").ends_with('Z') && !s("Expiration").contains('.'));
    let creds = Credentials::new(s("AccessKeyId"), s("AccessKeySecret"))
        .with_security_token(s("SecurityToken"));
    (creds, expiry)
}

/// Calls Alibaba ECS `DescribeSecurityGroupReferences` through the generated client.
async fn call_aliyun_ecs(
    emu: &Emulator,
    creds: Credentials,
) -> Result<usize, aliyun_ecs::SdkError<impl std::fmt::Debug>> {
    let ecs = aliyun_ecs::Client::builder()
        .region("cn-hangzhou")
        .endpoint(emu.endpoint())
        .credentials(creds)
        .build()
        .unwrap();
    let out = ecs
        .describe_security_group_references()
        .security_group_id(SEEDED_ALIYUN_SECURITY_GROUP_ID)
        .send()
        .await?;
    Ok(out.security_group_references.len())
}

#[tokio::test]
async fn aliyun_imds_v2_token_role_and_credentials_then_the_key_calls_ecs() {
    let emu = Emulator::start().await.unwrap();
    let token = imds_token(&emu).await;
    assert_eq!(token.status, 200, "{}", token.body);
    let roles = imds_get(&emu, ALIYUN_ROLES, Some(&token.body)).await;
    assert_eq!(
        (roles.status, roles.body.as_str()),
        (200, DEFAULT_ROLE_NAME)
    );
    let path = format!("{ALIYUN_ROLES}{DEFAULT_ROLE_NAME}");
    let answer = imds_get(&emu, &path, Some(&token.body)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let v = answer.json();
    assert_eq!(v["Code"], "Success");
    assert!(v["LastUpdated"].as_str().is_some());
    let (creds, expiry) = aliyun_creds(&v);
    assert!(creds.access_key_id().starts_with("STS."));
    let left = expiry - OffsetDateTime::now_utc();
    assert!((3500..=3600).contains(&left.whole_seconds()), "{left}");
    assert_eq!(call_aliyun_ecs(&emu, creds).await.unwrap(), 1);
    let api = emu.requests().pop().unwrap();
    assert!(api.verdict.is_accepted(), "{:?}", api.verdict);
    assert_eq!(emu.issued_credentials(), 1);
    let imds = &emu.requests()[0];
    assert_eq!(imds.verdict.scheme(), Some(Scheme::Unsigned));
    assert_eq!(imds.operation.as_deref(), Some("AliyunImdsToken"));
}

#[tokio::test]
async fn aliyun_imds_v1_is_served_unless_tokens_are_required_and_bad_tokens_get_401() {
    let emu = Emulator::start().await.unwrap();
    let path = format!("{ALIYUN_ROLES}{DEFAULT_ROLE_NAME}");
    assert_eq!(imds_get(&emu, &path, None).await.status, 200);
    assert_eq!(imds_get(&emu, &path, Some("forged")).await.status, 401);

    let strict = Emulator::builder()
        .imds_tokens(ImdsTokens::Required)
        .start()
        .await
        .unwrap();
    assert_eq!(imds_get(&strict, ALIYUN_ROLES, None).await.status, 401);
    assert_eq!(imds_get(&strict, &path, None).await.status, 401);
    let token = imds_token(&strict).await.body;
    assert_eq!(imds_get(&strict, &path, Some(&token)).await.status, 200);
    // The token expires by the emulator's clock.
    strict.set_clock_offset(21_601);
    assert_eq!(imds_get(&strict, &path, Some(&token)).await.status, 401);

    let no_v2 = Emulator::builder()
        .imds_tokens(ImdsTokens::Disabled)
        .start()
        .await
        .unwrap();
    assert_eq!(imds_token(&no_v2).await.status, 403);
    assert_eq!(imds_get(&no_v2, &path, None).await.status, 200);
    let no_ttl = send(http().put(format!("{}/latest/api/token", emu.endpoint()))).await;
    assert_eq!(no_ttl.status, 400);
}

#[tokio::test]
async fn aliyun_imds_wrong_role_is_404_and_no_role_lists_nothing() {
    let emu = Emulator::builder()
        .role_names(["ecs-reader", "other"])
        .start()
        .await
        .unwrap();
    let roles = imds_get(&emu, ALIYUN_ROLES, None).await;
    assert_eq!(roles.body, "ecs-reader\nother");
    let wrong = imds_get(&emu, &format!("{ALIYUN_ROLES}{DEFAULT_ROLE_NAME}"), None).await;
    assert_eq!(wrong.status, 404);
    assert!(wrong.body.contains("404 - Not Found"), "{}", wrong.body);
    assert_eq!(emu.issued_credentials(), 0);
    let ok = imds_get(&emu, &format!("{ALIYUN_ROLES}other"), None).await;
    assert_eq!(ok.status, 200);

    let none = Emulator::builder()
        .role_names(Vec::<String>::new())
        .start()
        .await
        .unwrap();
    assert_eq!(imds_get(&none, ALIYUN_ROLES, None).await.status, 404);
}

#[tokio::test]
async fn aliyun_temporary_keys_are_refused_once_expired_by_the_emulator_clock() {
    let emu = Emulator::builder()
        .credential_ttl(Duration::from_secs(60))
        .start()
        .await
        .unwrap();
    let v = imds_get(&emu, &format!("{ALIYUN_ROLES}{DEFAULT_ROLE_NAME}"), None)
        .await
        .json();
    let (creds, expiry) = aliyun_creds(&v);
    assert!((expiry - OffsetDateTime::now_utc()).whole_seconds() <= 60);
    assert!(call_aliyun_ecs(&emu, creds.clone()).await.is_ok());
    emu.set_clock_offset(61);
    let err = call_aliyun_ecs(&emu, creds.clone()).await.unwrap_err();
    assert_eq!(err.code(), Some("InvalidSecurityToken.Expired"), "{err:?}");
    assert_eq!(err.status(), Some(400));
    // Without its token the temporary key is refused too.
    emu.set_clock_offset(0);
    let bare = Credentials::new(creds.access_key_id(), creds.access_key_secret());
    let err = call_aliyun_ecs(&emu, bare).await.unwrap_err();
    assert_eq!(
        err.code(),
        Some("InvalidSecurityToken.MismatchWithAccessKey")
    );
}

#[tokio::test]
async fn aliyun_credentials_uri_serves_the_documented_shape() {
    let emu = Emulator::start().await.unwrap();
    assert!(emu.credentials_uri().ends_with("/aliyun/credentials-uri"));
    let answer = send(http().get(format!("{}?role=x&a=b", emu.credentials_uri()))).await;
    assert_eq!(answer.status, 200);
    let v = answer.json();
    assert_eq!(v["Code"], "Success");
    let (creds, _) = aliyun_creds(&v);
    assert!(call_aliyun_ecs(&emu, creds).await.is_ok());
    let post = send(http().post(emu.credentials_uri())).await;
    assert_eq!(post.status, 405);
}

/// The RPC parameters of `AssumeRole` for `role`, signed for `method` with `creds`.
fn assume_role_params(
    creds: &Credentials,
    role: &str,
    duration: &str,
    method: &str,
) -> Vec<(String, String)> {
    let nonce = uuid::Uuid::new_v4().to_string();
    let timestamp = aliyun_v2::format_timestamp(OffsetDateTime::now_utc());
    let arn = format!("acs:ram::123456789012:role/{role}");
    let mut params: Vec<(&str, &str)> = vec![
        ("AccessKeyId", creds.access_key_id()),
        ("Action", "AssumeRole"),
        ("DurationSeconds", duration),
        ("Format", "JSON"),
        ("RoleArn", &arn),
        ("RoleSessionName", "rust-sdk"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureNonce", &nonce),
        ("SignatureVersion", "1.0"),
        ("Timestamp", &timestamp),
        ("Version", "2015-04-01"),
    ];
    if let Some(t) = creds.security_token() {
        params.push(("SecurityToken", t));
    }
    let signed = aliyun_v2::sign(method, &params, creds.access_key_secret());
    let mut out: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    out.push(("Signature".into(), signed.signature));
    out
}

fn form(params: &[(String, String)]) -> String {
    params
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                cloudsdk_core::sign::encode::percent_encode(k),
                cloudsdk_core::sign::encode::percent_encode(v)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

async fn assume_role_get(emu: &Emulator, params: &[(String, String)]) -> Answer {
    send(http().get(format!("{}/?{}", emu.endpoint(), form(params)))).await
}

#[tokio::test]
async fn aliyun_assume_role_verifies_the_source_signature_and_issues_keys() {
    let emu = Emulator::start().await.unwrap();
    let answer = assume_role_get(
        &emu,
        &assume_role_params(&emu.credentials(), DEFAULT_ROLE_NAME, "3600", "GET"),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let v = answer.json();
    assert_eq!(
        v["AssumedRoleUser"]["Arn"],
        "acs:ram::123456789012:role/emulatorrole/rust-sdk"
    );
    assert!(v["RequestId"].as_str().is_some());
    let (creds, _) = aliyun_creds(&v["Credentials"]);
    assert!(call_aliyun_ecs(&emu, creds.clone()).await.is_ok());

    // Chained: the temporary key (with its SecurityToken) assumes the role again, by POST with
    // the parameters in a form body.
    let chained = assume_role_params(&creds, DEFAULT_ROLE_NAME, "900", "POST");
    let answer = send(
        http()
            .post(format!("{}/", emu.endpoint()))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(form(&chained)),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let (_, expiry) = aliyun_creds(&answer.json()["Credentials"]);
    let left = (expiry - OffsetDateTime::now_utc()).whole_seconds();
    assert!((800..=900).contains(&left), "{left}");
    assert_eq!(emu.issued_credentials(), 2);
}

#[tokio::test]
async fn aliyun_assume_role_refuses_bad_signature_wrong_role_and_short_duration() {
    let emu = Emulator::start().await.unwrap();
    let wrong_secret = Credentials::new(emu.access_key_id(), "not-the-secret");
    let bad = assume_role_get(
        &emu,
        &assume_role_params(&wrong_secret, DEFAULT_ROLE_NAME, "3600", "GET"),
    )
    .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["Code"], "SignatureDoesNotMatch");

    let creds = emu.credentials();
    let wrong_role =
        assume_role_get(&emu, &assume_role_params(&creds, "nope", "3600", "GET")).await;
    assert_eq!(wrong_role.status, 404);
    let v = wrong_role.json();
    assert_eq!(v["Code"], "EntityNotExist.Role");
    assert!(v["RequestId"].as_str().is_some() && v["HostId"].as_str().is_some());

    let short = assume_role_get(
        &emu,
        &assume_role_params(&creds, DEFAULT_ROLE_NAME, "600", "GET"),
    )
    .await;
    assert_eq!(short.status, 400);
    assert_eq!(short.json()["Code"], "InvalidParameter.DurationSeconds");
    assert_eq!(emu.issued_credentials(), 0);
}

/// `AssumeRoleWithOIDC` the Go way: common parameters in the query, the rest in a form body.
async fn assume_role_with_oidc(emu: &Emulator, token: &str, role: &str) -> Answer {
    let timestamp = aliyun_v2::format_timestamp(OffsetDateTime::now_utc());
    let query = form(&[
        ("Action".into(), "AssumeRoleWithOIDC".into()),
        ("Format".into(), "JSON".into()),
        ("Version".into(), "2015-04-01".into()),
        ("Timestamp".into(), timestamp),
    ]);
    let body = form(&[
        (
            "RoleArn".into(),
            format!("acs:ram::123456789012:role/{role}"),
        ),
        (
            "OIDCProviderArn".into(),
            "acs:ram::123456789012:oidc-provider/ack-rrsa".into(),
        ),
        ("OIDCToken".into(), token.into()),
        ("RoleSessionName".into(), "rust-sdk".into()),
        ("DurationSeconds".into(), "3600".into()),
    ]);
    send(
        http()
            .post(format!("{}/?{query}", emu.endpoint()))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body),
    )
    .await
}

#[tokio::test]
async fn aliyun_assume_role_with_oidc_checks_the_token_and_issues_keys() {
    let emu = Emulator::builder()
        .oidc_token("eyJhbGciOiJSUzI1NiJ9.test.sig")
        .start()
        .await
        .unwrap();
    let answer =
        assume_role_with_oidc(&emu, "eyJhbGciOiJSUzI1NiJ9.test.sig", DEFAULT_ROLE_NAME).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let v = answer.json();
    assert!(v["OIDCTokenInfo"].is_object());
    let (creds, _) = aliyun_creds(&v["Credentials"]);
    assert!(call_aliyun_ecs(&emu, creds).await.is_ok());
    assert_eq!(
        emu.requests()[0].operation.as_deref(),
        Some("AssumeRoleWithOIDC")
    );

    let wrong = assume_role_with_oidc(&emu, "another-token", DEFAULT_ROLE_NAME).await;
    assert_eq!(wrong.status, 400);
    assert_eq!(wrong.json()["Code"], "AuthenticationFail.OIDCToken.Invalid");
    let role = assume_role_with_oidc(&emu, emu.oidc_token(), "nope").await;
    assert_eq!(role.status, 404);
    assert_eq!(emu.issued_credentials(), 1);
}

async fn huawei_metadata_token(emu: &Emulator) -> Answer {
    send(
        http()
            .put(format!("{}/meta-data/latest/api/token", emu.endpoint()))
            .header("X-Metadata-Token-Ttl-Seconds", "21600"),
    )
    .await
}

async fn security_key(emu: &Emulator, token: Option<&str>) -> Answer {
    let mut req = http().get(format!("{}/openstack/latest/securitykey", emu.endpoint()));
    if let Some(t) = token {
        req = req.header("X-Metadata-Token", t);
    }
    send(req).await
}

/// Temporary credentials from a Huawei `{"credential": {...}}` answer.
fn huawei_creds(v: &serde_json::Value) -> (Credentials, String) {
    let c = &v["credential"];
    let s = |k: &str| {
        c[k].as_str()
            .unwrap_or_else(|| panic!("{k} in {v}"))
            .to_owned()
    };
    let creds = Credentials::new(s("access"), s("secret")).with_security_token(s("securitytoken"));
    (creds, s("expires_at"))
}

/// Calls Huawei VPC `ShowSecurityGroup` through the generated client, discovering the project
/// id through the emulator's IAM with the same (temporary) key.
async fn call_huawei_vpc(emu: &Emulator, creds: Credentials) -> Result<String, String> {
    let vpc = huawei_vpc_v3::Client::builder()
        .region(DEFAULT_HUAWEI_REGION)
        .endpoint(emu.endpoint())
        .iam_endpoint(emu.endpoint())
        .credentials(creds)
        .build()
        .unwrap();
    let out = vpc
        .show_security_group()
        .security_group_id(SEEDED_VPC_SECURITY_GROUP_ID)
        .send()
        .await
        .map_err(|e| format!("{e}"))?;
    Ok(out.security_group.map(|g| g.name).unwrap_or_default())
}

#[tokio::test]
async fn huawei_metadata_token_then_securitykey_then_the_key_calls_vpc() {
    let emu = Emulator::start().await.unwrap();
    let token = huawei_metadata_token(&emu).await;
    assert_eq!(token.status, 200);
    let answer = security_key(&emu, Some(&token.body)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let (creds, expires_at) = huawei_creds(&answer.json());
    // `YYYY-MM-DDTHH:MM:SS.ffffffZ`, as the official SDK insists.
    assert_eq!(expires_at.len(), 27, "{expires_at}");
    assert!(expires_at.ends_with(".000000Z"), "{expires_at}");
    assert_eq!(
        call_huawei_vpc(&emu, creds).await.unwrap(),
        "security_group_1"
    );
    let requests = emu.requests();
    let api = &requests[requests.len() - 1];
    assert!(api.verdict.is_accepted());
    assert!(api.headers.iter().any(|(n, _)| n == "x-security-token"));
    assert_eq!(requests[2].path, "/v3/projects");
}

#[tokio::test]
async fn huawei_metadata_refuses_bad_tokens_missing_required_tokens_and_no_agency() {
    let emu = Emulator::start().await.unwrap();
    assert_eq!(security_key(&emu, None).await.status, 200, "v1 is allowed");
    assert_eq!(security_key(&emu, Some("forged")).await.status, 401);

    let strict = Emulator::builder()
        .imds_tokens(ImdsTokens::Required)
        .start()
        .await
        .unwrap();
    assert_eq!(security_key(&strict, None).await.status, 401);
    let token = huawei_metadata_token(&strict).await.body;
    assert_eq!(security_key(&strict, Some(&token)).await.status, 200);

    let no_v2 = Emulator::builder()
        .imds_tokens(ImdsTokens::Disabled)
        .start()
        .await
        .unwrap();
    assert_eq!(huawei_metadata_token(&no_v2).await.status, 404);

    let no_agency = Emulator::builder()
        .role_names(Vec::<String>::new())
        .start()
        .await
        .unwrap();
    let answer = security_key(&no_agency, None).await;
    assert_eq!(answer.status, 401);
    assert!(
        answer
            .body
            .contains("Please configure Cloud Service Agency first")
    );
}

async fn id_token_exchange(emu: &Emulator, idp: &str, id_token: &str) -> Answer {
    send(
        http()
            .post(format!("{}/v3.0/OS-AUTH/id-token/tokens", emu.endpoint()))
            .header("X-Idp-Id", idp)
            .header("Content-Type", "application/json;charset=UTF-8")
            .body(serde_json::json!({"auth": {"id_token": {"id": id_token}}}).to_string()),
    )
    .await
}

async fn security_tokens(emu: &Emulator, token: &str, duration: i64) -> Answer {
    let body = serde_json::json!({"auth": {"identity": {
        "methods": ["token"],
        "token": {"id": token, "duration_seconds": duration},
    }}});
    send(
        http()
            .post(format!(
                "{}/v3.0/OS-CREDENTIAL/securitytokens",
                emu.endpoint()
            ))
            .header("Content-Type", "application/json;charset=UTF-8")
            .body(body.to_string()),
    )
    .await
}

#[tokio::test]
async fn huawei_idp_federation_issues_a_temporary_key_that_calls_vpc() {
    let emu = Emulator::builder()
        .idp_id("my-idp")
        .oidc_token("id.token.jwt")
        .start()
        .await
        .unwrap();
    let unscoped = id_token_exchange(&emu, "my-idp", "id.token.jwt").await;
    assert_eq!(unscoped.status, 201, "{}", unscoped.body);
    assert!(unscoped.header("x-iam-trace-id").is_some());
    assert_eq!(unscoped.json()["token"]["methods"][0], "mapped");
    let subject = unscoped.header("x-subject-token").unwrap().to_owned();
    let answer = security_tokens(&emu, &subject, 21_600).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let (creds, expires_at) = huawei_creds(&answer.json());
    let expiry =
        OffsetDateTime::parse(&expires_at, &time::format_description::well_known::Rfc3339).unwrap();
    let left = (expiry - OffsetDateTime::now_utc()).whole_seconds();
    assert!((3500..=3600).contains(&left), "capped to the TTL: {left}");
    assert_eq!(
        call_huawei_vpc(&emu, creds).await.unwrap(),
        "security_group_1"
    );
}

#[tokio::test]
async fn huawei_idp_federation_refuses_wrong_idp_token_subject_and_duration() {
    let emu = Emulator::start().await.unwrap();
    let wrong_idp = id_token_exchange(&emu, "other-idp", emu.oidc_token()).await;
    assert_eq!(wrong_idp.status, 404);
    assert_eq!(wrong_idp.json()["error"]["title"], "Not Found");
    let wrong_token = id_token_exchange(&emu, emu.idp_id(), "forged").await;
    assert_eq!(wrong_token.status, 401);
    assert_eq!(wrong_token.json()["error"]["code"], 401);
    assert_eq!(security_tokens(&emu, "forged", 900).await.status, 401);
    let subject = id_token_exchange(&emu, emu.idp_id(), emu.oidc_token()).await;
    let subject = subject.header("x-subject-token").unwrap().to_owned();
    assert_eq!(security_tokens(&emu, &subject, 100).await.status, 400);
    assert_eq!(emu.issued_credentials(), 0);
    assert_eq!(security_tokens(&emu, &subject, 900).await.status, 201);
}

/// A raw Huawei VPC request signed now with `creds` (and its security token, signed).
async fn huawei_signed_vpc(emu: &Emulator, creds: &Credentials) -> Answer {
    let path = format!("/v3/{PROJECT}/vpc/security-groups/{SEEDED_VPC_SECURITY_GROUP_ID}");
    huawei_signed_get(emu, creds, &path).await
}

/// A raw Huawei `GET path` signed now with `creds` (and its security token, signed).
async fn huawei_signed_get(emu: &Emulator, creds: &Credentials, path: &str) -> Answer {
    let host = emu.host();
    let date = huawei::format_sdk_date(OffsetDateTime::now_utc());
    let token = creds.security_token().unwrap_or_default();
    let headers = [
        ("Host", host.as_str()),
        ("X-Sdk-Date", date.as_str()),
        ("X-Security-Token", token),
    ];
    let signed = huawei::sign(
        &huawei::SigningInput {
            method: "GET",
            host: &host,
            path,
            query: &[],
            headers: &headers,
            body: b"",
        },
        creds.access_key_id(),
        creds.access_key_secret(),
    )
    .unwrap();
    send(
        http()
            .get(format!("{}{path}", emu.endpoint()))
            .header("X-Sdk-Date", date)
            .header("X-Security-Token", token)
            .header("Authorization", signed.authorization),
    )
    .await
}

#[tokio::test]
async fn huawei_temporary_keys_are_refused_once_expired() {
    let emu = Emulator::builder()
        .credential_ttl(Duration::from_secs(120))
        .start()
        .await
        .unwrap();
    let (creds, _) = huawei_creds(&security_key(&emu, None).await.json());
    assert_eq!(huawei_signed_vpc(&emu, &creds).await.status, 200);
    emu.set_clock_offset(121);
    let expired = huawei_signed_vpc(&emu, &creds).await;
    assert_eq!(expired.status, 401);
    let v = expired.json();
    assert_eq!(v["error_code"], "APIGW.0301");
    assert!(v["error_msg"].as_str().unwrap().contains("expired"), "{v}");
    // Another vendor's temporary key is unknown here.
    emu.set_clock_offset(0);
    let v = imds_get(&emu, &format!("{ALIYUN_ROLES}{DEFAULT_ROLE_NAME}"), None)
        .await
        .json();
    let (aliyun, _) = aliyun_creds(&v);
    assert_eq!(huawei_signed_vpc(&emu, &aliyun).await.status, 401);
}

#[tokio::test]
async fn a_request_in_proxy_form_is_served_like_a_direct_one() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // What a client whose HTTP_PROXY is the emulator sends for the metadata host: only to
    // loopback (the emulator), never to the metadata address itself.
    let emu = Emulator::start().await.unwrap();
    let mut conn = tokio::net::TcpStream::connect(emu.addr()).await.unwrap();
    conn.write_all(
        format!(
            "GET http://100.100.100.200{ALIYUN_ROLES}{DEFAULT_ROLE_NAME} HTTP/1.1\r\nHost: 100.100.100.200\r\nConnection: close\r\n\r\n"
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.contains("\"Code\":\"Success\""), "{answer}");
    assert_eq!(
        emu.requests()[0].path,
        format!("{ALIYUN_ROLES}{DEFAULT_ROLE_NAME}")
    );
}

/// `AssumeRole` signed with V3 (`ACS3-HMAC-SHA256`), the parameters in the query, by `creds`.
async fn assume_role_v3(emu: &Emulator, creds: &Credentials, secret: &str) -> Answer {
    use cloudsdk_core::sign::{aliyun_v3, sha256_hex};
    let host = emu.host();
    let date = aliyun_v3::format_timestamp(OffsetDateTime::now_utc());
    let nonce = uuid::Uuid::new_v4().to_string();
    let hash = sha256_hex(b"");
    let arn = format!("acs:ram::123456789012:role/{DEFAULT_ROLE_NAME}");
    let query = [("RoleArn", arn.as_str()), ("RoleSessionName", "v3-session")];
    let mut headers = vec![
        ("host", host.as_str()),
        ("x-acs-action", "AssumeRole"),
        ("x-acs-version", "2015-04-01"),
        ("x-acs-date", date.as_str()),
        ("x-acs-signature-nonce", nonce.as_str()),
        ("x-acs-content-sha256", hash.as_str()),
    ];
    if let Some(t) = creds.security_token() {
        headers.push(("x-acs-security-token", t));
    }
    let input = aliyun_v3::SigningInput {
        method: "POST",
        path: "/",
        query: &query,
        headers: &headers,
        body: b"",
    };
    let signed = aliyun_v3::sign(&input, creds.access_key_id(), secret);
    let mut req = http().post(format!("{}/?{}", emu.endpoint(), signed.canonical_query));
    for (name, value) in headers.iter().filter(|(n, _)| *n != "host") {
        req = req.header(*name, *value);
    }
    send(req.header("Authorization", signed.authorization)).await
}

#[tokio::test]
async fn aliyun_assume_role_accepts_a_v3_signature_and_refuses_a_wrong_one() {
    let emu = Emulator::start().await.unwrap();
    let creds = emu.credentials();
    let answer = assume_role_v3(&emu, &creds, creds.access_key_secret()).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let (temp, _) = aliyun_creds(&answer.json()["Credentials"]);
    assert_eq!(emu.requests()[0].verdict.scheme(), Some(Scheme::AliyunV3));
    // The temporary key assumes the role again with V3 and its x-acs-security-token.
    let again = assume_role_v3(&emu, &temp, temp.access_key_secret()).await;
    assert_eq!(again.status, 200, "{}", again.body);
    let bad = assume_role_v3(&emu, &creds, "wrong-secret").await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["Code"], "SignatureDoesNotMatch");
    assert_eq!(emu.issued_credentials(), 2);
}

async fn assume_agency_with_oidc(emu: &Emulator, agency: &str, id_token: &str) -> Answer {
    let body = serde_json::json!({
        "provider_urn": "iam::123456789012:identityProvider:emulator",
        "agency_urn": format!("iam::123456789012:agency:{agency}"),
        "agency_session_name": "oidc-sts-session",
        "id_token": id_token,
        "duration_seconds": 3600,
    });
    send(
        http()
            .post(format!("{}/v5/agencies/assume-with-oidc", emu.endpoint()))
            .header("Content-Type", "application/json;charset=UTF-8")
            .body(body.to_string()),
    )
    .await
}

#[tokio::test]
async fn huawei_sts_assume_agency_with_oidc_issues_keys_and_refuses_bad_input() {
    let emu = Emulator::start().await.unwrap();
    let answer = assume_agency_with_oidc(&emu, DEFAULT_ROLE_NAME, emu.oidc_token()).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let v = answer.json();
    let c = &v["credentials"];
    let expiration = c["expiration"].as_str().unwrap();
    assert!(expiration.ends_with(".000000Z"), "{expiration}");
    assert_eq!(
        v["assumed_agency"]["agency_session_urn"],
        format!("sts::123456789012:assumed-agency:{DEFAULT_ROLE_NAME}/oidc-sts-session")
    );
    let creds = Credentials::new(
        c["access_key_id"].as_str().unwrap(),
        c["secret_access_key"].as_str().unwrap(),
    )
    .with_security_token(c["security_token"].as_str().unwrap());
    assert_eq!(
        call_huawei_vpc(&emu, creds).await.unwrap(),
        "security_group_1"
    );
    let wrong = assume_agency_with_oidc(&emu, DEFAULT_ROLE_NAME, "forged").await;
    assert_eq!(
        (wrong.status, wrong.json()["error_code"].as_str()),
        (401, Some("STS.0002"))
    );
    let agency = assume_agency_with_oidc(&emu, "nope", emu.oidc_token()).await;
    assert_eq!(agency.status, 404);
    assert_eq!(emu.issued_credentials(), 1);
}

#[tokio::test]
async fn huawei_domain_discovery_and_caller_identity_accept_temporary_keys() {
    let emu = Emulator::start().await.unwrap();
    let (creds, _) = huawei_creds(&security_key(&emu, None).await.json());
    let domains = huawei_signed_get(&emu, &creds, "/v3/auth/domains").await;
    assert_eq!(domains.status, 200, "{}", domains.body);
    assert_eq!(
        domains.json()["domains"][0]["id"],
        cloudsdk_emulator::DEFAULT_HUAWEI_DOMAIN_ID
    );
    assert!(domains.header("x-iam-trace-id").is_some());
    let me = huawei_signed_get(&emu, &creds, "/v5/caller-identity").await;
    assert_eq!(me.status, 200, "{}", me.body);
    let v = me.json();
    assert_eq!(v["account_id"], cloudsdk_emulator::DEFAULT_HUAWEI_DOMAIN_ID);
    assert!(v["principal_urn"].as_str().unwrap().starts_with("sts::"));
    let forged = Credentials::new(creds.access_key_id(), "wrong-secret")
        .with_security_token(creds.security_token().unwrap());
    assert_eq!(
        huawei_signed_get(&emu, &forged, "/v3/auth/domains")
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn faults_target_credential_operations_by_name() {
    use cloudsdk_emulator::{Fault, FaultRule};
    let emu = Emulator::start().await.unwrap();
    emu.faults().push(
        FaultRule::any(Fault::reply(
            200,
            vec![("Content-Type".into(), "text/plain".into())],
            r#"{"Code":"Failed","Message":"the instance has no role"}"#,
        ))
        .for_operation("AliyunImdsRoleCredentials"),
    );
    // The token call does not match the rule and leaves it queued.
    let token = imds_token(&emu).await;
    assert_eq!(token.status, 200);
    assert_eq!(emu.faults().len(), 1);
    let path = format!("{ALIYUN_ROLES}{DEFAULT_ROLE_NAME}");
    let failed = imds_get(&emu, &path, Some(&token.body)).await.json();
    assert_eq!(failed["Code"], "Failed");
    assert_eq!(
        emu.requests()[1]
            .fault
            .as_deref()
            .map(|f| f.starts_with("reply")),
        Some(true)
    );
    let next = imds_get(&emu, &path, Some(&token.body)).await.json();
    assert_eq!(next["Code"], "Success");
    assert_eq!(emu.issued_credentials(), 1);
}

#[tokio::test]
async fn debug_never_shows_the_oidc_token() {
    let builder = Emulator::builder().oidc_token("oidc-secret-0001");
    let shown = format!("{builder:?}");
    assert!(!shown.contains("oidc-secret-0001"), "{shown}");
    assert!(shown.contains("credential_services"), "{shown}");
    let emu = builder.start().await.unwrap();
    assert!(!format!("{emu:?}").contains("oidc-secret-0001"));
}
