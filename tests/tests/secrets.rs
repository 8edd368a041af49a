//! No secret access key and no security token ever appears in `tracing` output (captured at
//! TRACE level, spans included), nor in the `Debug` / `Display` of any error, client, builder,
//! credentials or provider, over full request cycles of the generated clients against the
//! signature-verifying gateway: success, retry (503 then 200), service error, signature
//! failure (whose error body echoes the server's canonical request / string to sign, which
//! contains the token), STS tokens, both vendors, both Alibaba signature versions, JSON and XML.
//!
//! The forbidden strings are the secret and the token raw, percent-encoded once and twice
//! (the V2 string to sign encodes the canonical query again), and the JSON-escaped token.

use std::io::Write;
use std::sync::{Arc, Mutex};

use cloudsdk_conformance::{Keys, Recorded, Reply, VerifyingServer};
use cloudsdk_core::credentials::{self, Env};
use cloudsdk_core::sign::encode::percent_encode;
use cloudsdk_core::{Credentials, SdkError};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;

const AK: &str = "AKIDVISIBLEFORTHECHECK";
const SECRET: &str = "SuperSecretKey/Value+Zz0001";
const WRONG_SECRET: &str = "WrongSecretKey/Value+Zz0002";
/// `/`, `+` and `=` change under percent-encoding and JSON escaping, so every form differs.
const TOKEN: &str = "STSsecurityToken/Value+Zz0003==";
const PROJECT: &str = "0605767b5280d57e2f6ec014d9c0a2b7";
const SG: &str = "69c999ad-d9ef-4d79-94fd-35e6ceb75325";

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Every form in which the secret or the token could leak.
fn forbidden() -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    for (value, what) in [
        (SECRET, "secret"),
        (WRONG_SECRET, "wrong secret"),
        (TOKEN, "token"),
    ] {
        let once = percent_encode(value);
        let twice = percent_encode(&once);
        out.push((value.to_owned(), what));
        out.push((once, what));
        out.push((twice, what));
        out.push((value.replace('/', "\\/"), what));
    }
    out
}

/// The leaks in `text`, described.
fn leaks(text: &str) -> Vec<String> {
    forbidden()
        .into_iter()
        .filter(|(f, _)| text.contains(f.as_str()))
        .map(|(f, what)| format!("{what} as {f:?}"))
        .collect()
}

fn assert_clean(label: &str, text: &str) {
    let found = leaks(text);
    assert!(found.is_empty(), "{label} leaks {found:?}:\n{text}");
}

/// Records `Debug` and `Display` of a value for the final search.
#[derive(Default)]
struct Shown(Vec<(String, String)>);

impl Shown {
    fn debug(&mut self, label: &str, v: &impl std::fmt::Debug) {
        self.0.push((format!("{label} (Debug)"), format!("{v:?}")));
        self.0
            .push((format!("{label} (Debug, alternate)"), format!("{v:#?}")));
    }
    fn both(&mut self, label: &str, v: &(impl std::fmt::Debug + std::fmt::Display)) {
        self.debug(label, v);
        self.0.push((format!("{label} (Display)"), v.to_string()));
    }
    fn error<E: std::error::Error + 'static>(&mut self, label: &str, e: &SdkError<E>) {
        self.both(label, e);
        // The whole source chain too.
        let mut source = std::error::Error::source(e);
        let mut depth = 0;
        while let Some(s) = source {
            self.0
                .push((format!("{label} source {depth}"), format!("{s} / {s:?}")));
            source = s.source();
            depth += 1;
        }
        if let Some(m) = e.message() {
            self.0.push((format!("{label} message()"), m.to_owned()));
        }
    }
}

fn sts(secret: &str) -> Credentials {
    Credentials::new(AK, secret).with_security_token(TOKEN)
}

fn keys() -> Keys {
    Keys::new(AK, SECRET).with_security_token(TOKEN)
}

fn vpc_or_ecs_example(service: &str) -> String {
    cloudsdk_conformance::read_spec_example(service, "doc_example.json")
}

fn huawei_routes(r: &Recorded) -> Reply {
    if r.path.ends_with("/v3/projects") {
        Reply::json(
            200,
            format!(r#"{{"projects":[{{"id":"{PROJECT}","name":"cn-north-4"}}]}}"#),
        )
    } else if r.path.contains("/os-security-groups") {
        Reply::json(200, vpc_or_ecs_example("huawei-ecs-v2"))
    } else {
        Reply::json(200, vpc_or_ecs_example("huawei-vpc-v3"))
    }
}

async fn huawei_cycles(shown: &mut Shown) -> usize {
    // Success with STS, IAM project-id discovery (huawei-ecs-v2) and a direct call (huawei-vpc-v3).
    let gw = VerifyingServer::huawei(keys())
        .handler(huawei_routes)
        .start()
        .await;
    let ecs_builder = huawei_ecs_v2::Client::builder()
        .region("cn-north-4")
        .endpoint(gw.url())
        .iam_endpoint(gw.url())
        .credentials(sts(SECRET))
        .max_attempts(1);
    shown.debug("huawei-ecs-v2 builder", &ecs_builder);
    let ecs = ecs_builder.build().unwrap();
    shown.debug("huawei-ecs-v2 client", &ecs);
    ecs.nova_list_server_security_groups()
        .server_id("65fae4c2-3a09-46c6-af12-3b04f1fdba1e")
        .send()
        .await
        .expect("discovery and call succeed");
    let vpc_builder = huawei_vpc_v3::Client::builder()
        .region("cn-north-4")
        .endpoint(gw.url())
        .project_id(PROJECT)
        .credentials(sts(SECRET));
    shown.debug("huawei-vpc-v3 builder", &vpc_builder);
    let vpc = vpc_builder.build().unwrap();
    shown.debug("huawei-vpc-v3 client", &vpc);
    let out = vpc
        .show_security_group()
        .security_group_id(SG)
        .send()
        .await
        .expect("success");
    shown.debug("huawei output", &out);
    let mut requests = gw.request_count();

    // Retry: a 503 HTML page, then 200; then a documented service error.
    let gw = VerifyingServer::huawei(keys())
        .replies(vec![
            Reply::new(503)
                .with_header("Content-Type", "text/html")
                .with_body("<html><body>503 Service Unavailable</body></html>"),
            Reply::json(200, vpc_or_ecs_example("huawei-vpc-v3")),
            Reply::json(
                404,
                r#"{"error_msg":"Security group does not exist","error_code":"VPC.0602","request_id":"rid-404"}"#,
            ),
        ])
        .start()
        .await;
    let vpc = huawei_vpc_v3::Client::builder()
        .region("cn-north-4")
        .endpoint(gw.url())
        .project_id(PROJECT)
        .credentials(sts(SECRET))
        .retry_config(
            cloudsdk_core::RetryConfig::standard()
                .with_initial_backoff(std::time::Duration::from_millis(1))
                .with_max_backoff(std::time::Duration::from_millis(2)),
        )
        .build()
        .unwrap();
    vpc.show_security_group()
        .security_group_id(SG)
        .send()
        .await
        .expect("retried to success");
    let err = vpc
        .show_security_group()
        .security_group_id(SG)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("VPC.0602"));
    shown.error("huawei service error", &err);
    requests += gw.request_count();

    // Signature failure: the client signs with the wrong secret; the gateway answers 401
    // APIGW.0301.
    let gw = VerifyingServer::huawei(keys()).start().await;
    let vpc = huawei_vpc_v3::Client::builder()
        .region("cn-north-4")
        .endpoint(gw.url())
        .project_id(PROJECT)
        .credentials(sts(WRONG_SECRET))
        .max_attempts(1)
        .build()
        .unwrap();
    let err = vpc
        .show_security_group()
        .security_group_id(SG)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("APIGW.0301"), "{err}");
    shown.error("huawei signature failure", &err);
    requests += gw.request_count();

    // Real API Gateway echoes its canonical request in the 401 message, X-Security-Token
    // header line included (huaweicloud-sdk-nodejs-v3#2): scripted here from what arrived.
    let gw = VerifyingServer::huawei(keys())
        .handler(|r: &Recorded| {
            let mut canonical = format!("{}\n{}/\n{}\n", r.method, r.path, r.raw_query);
            for (name, value) in &r.headers {
                if name != "authorization" {
                    canonical.push_str(&format!("{name}:{value}\n"));
                }
            }
            let body = serde_json::json!({
                "error_msg": format!("Incorrect IAM authentication information: verify aksk signature fail, canonicalRequest:{canonical}"),
                "error_code": "APIGW.0301",
                "request_id": "rid-401",
            });
            Reply::json(401, body.to_string())
        })
        .start()
        .await;
    let vpc = huawei_vpc_v3::Client::builder()
        .region("cn-north-4")
        .endpoint(gw.url())
        .project_id(PROJECT)
        .credentials(sts(SECRET))
        .max_attempts(1)
        .build()
        .unwrap();
    let err = vpc
        .show_security_group()
        .security_group_id(SG)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("APIGW.0301"), "{err}");
    let message = err.message().unwrap_or_default();
    assert!(
        message.contains("x-security-token:***") && message.contains("canonicalRequest:GET"),
        "the echoed canonical request is kept, with the token cut out: {message}"
    );
    shown.error("huawei signature failure with echo", &err);
    if let SdkError::Service(service) = &err {
        shown.debug("huawei raw response", service.raw());
        shown.0.push((
            "huawei raw body".into(),
            String::from_utf8_lossy(service.raw().body()).into_owned(),
        ));
    }
    requests + gw.request_count()
}

async fn aliyun_cycles(shown: &mut Shown) -> usize {
    let mut requests = 0;
    for (algorithm, format) in [
        (aliyun_ecs::SignatureAlgorithm::V3, aliyun_ecs::Format::Json),
        (aliyun_ecs::SignatureAlgorithm::V2, aliyun_ecs::Format::Json),
        (aliyun_ecs::SignatureAlgorithm::V3, aliyun_ecs::Format::Xml),
        (aliyun_ecs::SignatureAlgorithm::V2, aliyun_ecs::Format::Xml),
    ] {
        let label = format!("aliyun {algorithm:?} {format:?}");
        let ok = match format {
            aliyun_ecs::Format::Xml => Reply::xml(
                200,
                "<DescribeSecurityGroupReferencesResponse><RequestId>r</RequestId><SecurityGroupReferences/></DescribeSecurityGroupReferencesResponse>",
            ),
            _ => Reply::json(
                200,
                r#"{"RequestId":"r","SecurityGroupReferences":{"SecurityGroupReference":[]}}"#,
            ),
        };
        let gw = VerifyingServer::aliyun(keys())
            .replies(vec![
                Reply::json(
                    503,
                    r#"{"Code":"ServiceUnavailable","Message":"busy","RequestId":"r503"}"#,
                ),
                ok,
                Reply::json(
                    404,
                    r#"{"Code":"InvalidSecurityGroupId.NotFound","Message":"The specified security group does not exist.","RequestId":"r404"}"#,
                ),
            ])
            .start()
            .await;
        let builder = aliyun_ecs::Client::builder()
            .region("cn-hangzhou")
            .endpoint(gw.url())
            .credentials(sts(SECRET))
            .signature_algorithm(algorithm)
            .format(format)
            .retry_config(
                cloudsdk_core::RetryConfig::standard()
                    .with_initial_backoff(std::time::Duration::from_millis(1))
                    .with_max_backoff(std::time::Duration::from_millis(2)),
            );
        shown.debug(&format!("{label} builder"), &builder);
        let client = builder.build().unwrap();
        shown.debug(&format!("{label} client"), &client);
        let call = || {
            client
                .describe_security_group_references()
                .region_id("cn-hangzhou")
                .security_group_id("sg-1")
                .security_group_id("sg-2")
                .send()
        };
        let out = call().await.expect("retried to success");
        shown.debug(&format!("{label} output"), &out);
        let err = call().await.unwrap_err();
        assert_eq!(err.code(), Some("InvalidSecurityGroupId.NotFound"));
        shown.error(&format!("{label} service error"), &err);
        requests += gw.request_count();

        // Signature failure: SignatureDoesNotMatch echoes the server's string to sign (V2: the
        // canonical query, token encoded twice) and canonical request (V3: the token header).
        let gw = VerifyingServer::aliyun(keys()).start().await;
        let client = aliyun_ecs::Client::builder()
            .region("cn-hangzhou")
            .endpoint(gw.url())
            .credentials(sts(WRONG_SECRET))
            .signature_algorithm(algorithm)
            .format(format)
            .max_attempts(1)
            .build()
            .unwrap();
        let err = client
            .describe_security_group_references()
            .region_id("cn-hangzhou")
            .security_group_id("sg-1")
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("SignatureDoesNotMatch"), "{label}: {err}");
        if algorithm == aliyun_ecs::SignatureAlgorithm::V2 {
            // The V2 string to sign is the canonical query, SecurityToken included.
            let message = err.message().unwrap_or_default();
            assert!(
                message.contains("SecurityToken%3D***"),
                "{label}: the echoed string to sign is kept, with the token cut out: {err}"
            );
        }
        shown.error(&format!("{label} signature failure"), &err);
        if let SdkError::Service(service) = &err {
            shown.0.push((
                format!("{label} raw body"),
                String::from_utf8_lossy(service.raw().body()).into_owned(),
            ));
        }
        requests += gw.request_count();
    }
    requests
}

fn providers_and_credentials(shown: &mut Shown) {
    shown.debug("credentials", &sts(SECRET));
    let hw_env = Env::from_vars([
        ("HUAWEICLOUD_SDK_AK", AK),
        ("HUAWEICLOUD_SDK_SK", SECRET),
        ("HUAWEICLOUD_SDK_SECURITY_TOKEN", TOKEN),
        ("HOME", "/nonexistent"),
    ]);
    let ali_env = Env::from_vars([
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", AK),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET),
        ("ALIBABA_CLOUD_SECURITY_TOKEN", TOKEN),
        ("HOME", "/nonexistent"),
    ]);
    shown.debug("env", &hw_env);
    let p = credentials::huawei::EnvironmentVariables::with_env(hw_env.clone());
    shown.debug("huawei env provider", &p);
    shown.debug("huawei env credentials", &p.load());
    shown.debug(
        "huawei profile provider",
        &credentials::huawei::ProfileFile::with_env(hw_env.clone()),
    );
    shown.debug(
        "huawei chain",
        &credentials::huawei::default_chain(hw_env.clone()),
    );
    let p = credentials::aliyun::EnvironmentVariables::with_env(ali_env.clone());
    shown.debug("aliyun env provider", &p);
    shown.debug("aliyun env credentials", &p.load());
    shown.debug(
        "aliyun profile provider",
        &credentials::aliyun::ProfileFile::with_env(ali_env.clone()),
    );
    shown.debug(
        "aliyun cli provider",
        &credentials::aliyun::CliConfigFile::with_env(ali_env.clone()),
    );
    shown.debug("aliyun chain", &credentials::aliyun::default_chain(ali_env));

    // Refusals: a token with a line break is refused without being echoed.
    let bad = Credentials::new(AK, SECRET).with_security_token(format!("{TOKEN}\r\nX: y"));
    let err = huawei_vpc_v3::Client::builder()
        .region("cn-north-4")
        .project_id(PROJECT)
        .credentials(bad.clone())
        .build()
        .unwrap_err();
    shown.both("build error (bad token)", &err);
    let err = aliyun_ecs::Client::builder()
        .region("cn-hangzhou")
        .credentials(bad)
        .build()
        .unwrap_err();
    shown.both("aliyun build error (bad token)", &err);
    let err = huawei_vpc_v3::Client::builder()
        .region("cn-north-4")
        .env(Env::from_vars([
            ("HUAWEICLOUD_SDK_SK", SECRET),
            ("HOME", "/nonexistent"),
        ]))
        .build()
        .unwrap_err();
    shown.both("build error (no credentials)", &err);
}

#[tokio::test]
async fn no_secret_or_token_in_logs_debug_display_or_errors() {
    let buffer = Buffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::FULL)
        .with_ansi(false)
        .with_writer(buffer.clone())
        .finish();
    // The test runs on a current-thread runtime: everything the client does happens on this
    // thread, under this subscriber.
    let _guard = tracing::subscriber::set_default(subscriber);

    let mut shown = Shown::default();
    let hw_requests = huawei_cycles(&mut shown).await;
    let ali_requests = aliyun_cycles(&mut shown).await;
    providers_and_credentials(&mut shown);
    assert!(hw_requests >= 7, "{hw_requests} Huawei requests");
    assert!(ali_requests >= 16, "{ali_requests} Alibaba requests");

    for (label, text) in &shown.0 {
        assert_clean(label, text);
    }

    let log = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    if std::env::var_os("SHOW_LOG").is_some() {
        eprintln!("{log}");
    }
    // The capture works and is thorough: it holds the access key id (in the signer's
    // canonical strings), the operations, the retries and the service errors.
    assert!(log.len() > 10_000, "only {} bytes captured", log.len());
    for needle in [
        AK,
        "ShowSecurityGroup",
        "NovaListServerSecurityGroups",
        "KeystoneListProjects",
        "DescribeSecurityGroupReferences",
        "retrying",
        "VPC.0602",
        "APIGW.0301",
        "SignatureDoesNotMatch",
        "InvalidSecurityGroupId.NotFound",
        "canonical_request",
        "string_to_sign",
        "x-security-token",
        "x-acs-security-token",
        "SecurityToken",
    ] {
        assert!(log.contains(needle), "the log lacks {needle:?}:\n{log}");
    }
    assert_clean("tracing output", &log);
}

/// The search itself finds every form of a leak.
#[test]
fn the_search_can_fail() {
    for (form, _) in forbidden() {
        assert!(
            !leaks(&format!("prefix {form} suffix")).is_empty(),
            "{form}"
        );
    }
    assert!(!leaks(&format!("canonical: x-security-token:{TOKEN}\n")).is_empty());
    assert!(!leaks(&percent_encode(&percent_encode(TOKEN))).is_empty());
    assert!(leaks("x-security-token:***").is_empty());
    // The forms differ from each other, so each one is searched for.
    let forms: std::collections::BTreeSet<String> =
        forbidden().into_iter().map(|(f, _)| f).collect();
    assert_eq!(forms.len(), 12);
}
