//! Network settings end to end, through the generated clients (`huawei-vpc-v3`, `aliyun-ecs`):
//! a real forward proxy on loopback (`support/proxy.rs`: counts `CONNECT`s and forwarded
//! requests, checks `Proxy-Authorization`), `NO_PROXY`, the environment's proxies read through
//! the builder's `Env`, and the emulator serving HTTPS with a certificate from a test CA made
//! at run time (`support/tls.rs`, rcgen): trusted through `.add_root_certificate(..)`,
//! `.ca_bundle(..)` or only the custom CA, and refused with a clear certificate error without it.
//!
//! Everything stays on loopback: the proxy refuses non-loopback targets, and every builder gets
//! an injected `Env`, so the process's own proxy variables play no part.

#![warn(clippy::too_many_lines)] // threshold: clippy.toml (80 lines)

mod support;

use std::time::Duration;

use aliyun_ecs::operation::describe_security_group_references::{
    DescribeSecurityGroupReferencesError, DescribeSecurityGroupReferencesOutput,
};
use cloudsdk_emulator::{
    DEFAULT_ALIYUN_REGION, DEFAULT_HUAWEI_REGION, Emulator, SEEDED_ALIYUN_SECURITY_GROUP_ID,
    SEEDED_VPC_SECURITY_GROUP_ID,
};
use huawei_vpc_v3::credentials::Env;
use huawei_vpc_v3::operation::show_security_group::{
    ShowSecurityGroupError, ShowSecurityGroupOutput,
};
use support::proxy::ProxyDouble;
use support::tls::TestPki;

const PROXY_USER: &str = "audit";
/// `p@ss:w/rd`, percent-encoded in the proxy URL.
const PROXY_PASSWORD: &str = "p@ss:w/rd";
const PROXY_PASSWORD_ENCODED: &str = "p%40ss%3Aw%2Frd";

fn env(vars: &[(&str, &str)]) -> Env {
    Env::from_vars(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())))
}

fn vpc(emu: &Emulator, env: Env) -> huawei_vpc_v3::ClientBuilder {
    huawei_vpc_v3::Client::builder()
        .region(DEFAULT_HUAWEI_REGION)
        .endpoint(emu.endpoint())
        .iam_endpoint(emu.endpoint())
        .credentials(emu.credentials())
        .max_attempts(1)
        .operation_timeout(Duration::from_secs(20))
        .env(env)
}

fn ecs(emu: &Emulator, env: Env) -> aliyun_ecs::ClientBuilder {
    aliyun_ecs::Client::builder()
        .region(DEFAULT_ALIYUN_REGION)
        .endpoint(emu.endpoint())
        .credentials(emu.credentials())
        .max_attempts(1)
        .operation_timeout(Duration::from_secs(20))
        .env(env)
}

async fn show(
    builder: huawei_vpc_v3::ClientBuilder,
) -> Result<ShowSecurityGroupOutput, huawei_vpc_v3::SdkError<ShowSecurityGroupError>> {
    builder
        .build()
        .unwrap()
        .show_security_group()
        .security_group_id(SEEDED_VPC_SECURITY_GROUP_ID)
        .send()
        .await
}

async fn describe(
    builder: aliyun_ecs::ClientBuilder,
) -> Result<
    DescribeSecurityGroupReferencesOutput,
    aliyun_ecs::SdkError<DescribeSecurityGroupReferencesError>,
> {
    builder
        .build()
        .unwrap()
        .describe_security_group_references()
        .region_id(DEFAULT_ALIYUN_REGION)
        .security_group_id(SEEDED_ALIYUN_SECURITY_GROUP_ID)
        .send()
        .await
}

async fn authenticated_proxy() -> (ProxyDouble, String) {
    let proxy = ProxyDouble::start(Some((PROXY_USER, PROXY_PASSWORD))).await;
    let url = proxy.url_with(PROXY_USER, PROXY_PASSWORD_ENCODED);
    (proxy, url)
}

async fn tls_emulator(pki: &TestPki) -> Emulator {
    Emulator::builder()
        .tls(&pki.server_cert_pem, &pki.server_key_pem)
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn huawei_calls_go_through_an_http_proxy_with_credentials() {
    let emu = Emulator::start().await.unwrap();
    let (proxy, url) = authenticated_proxy().await;
    let out = show(vpc(&emu, env(&[])).proxy(url)).await.unwrap();
    assert_eq!(out.security_group.unwrap().id, SEEDED_VPC_SECURITY_GROUP_ID);
    // IAM project discovery, then the call: both forwarded, with the credentials.
    let entries = proxy.entries();
    let targets: Vec<&str> = entries.iter().map(|e| e.target.as_str()).collect();
    assert_eq!(proxy.forwarded(), 2, "{entries:?}");
    assert_eq!(proxy.connects(), 0);
    assert!(targets[0].starts_with(&format!("{}/v3/projects", emu.endpoint())));
    assert!(targets[1].starts_with(&format!("{}/v3/", emu.endpoint())));
    assert!(targets[1].contains("/vpc/security-groups/"));
    assert!(entries.iter().all(|e| e.authorized && e.sent_credentials));
    assert_eq!(emu.request_count(), 2);
}

#[tokio::test]
async fn aliyun_calls_go_through_an_http_proxy_with_credentials() {
    let emu = Emulator::start().await.unwrap();
    let (proxy, url) = authenticated_proxy().await;
    let out = describe(ecs(&emu, env(&[])).proxy(url)).await.unwrap();
    assert!(!out.security_group_references.is_empty());
    assert_eq!(proxy.forwarded(), 1, "{:?}", proxy.entries());
    assert_eq!(proxy.rejected(), 0);
    assert_eq!(emu.request_count(), 1);
}

#[tokio::test]
async fn a_proxy_url_without_credentials_sends_none() {
    let emu = Emulator::start().await.unwrap();
    let proxy = ProxyDouble::start(None).await;
    describe(ecs(&emu, env(&[])).proxy(proxy.url()))
        .await
        .unwrap();
    let entries = proxy.entries();
    assert_eq!(proxy.forwarded(), 1, "{entries:?}");
    assert!(!entries[0].sent_credentials);
}

#[tokio::test]
async fn wrong_proxy_credentials_are_refused_by_the_proxy() {
    let emu = Emulator::start().await.unwrap();
    let (proxy, _) = authenticated_proxy().await;
    let err = describe(ecs(&emu, env(&[])).proxy(proxy.url_with(PROXY_USER, "wrong")))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(407), "{err}");
    assert_eq!(proxy.rejected(), 1);
    assert_eq!(emu.request_count(), 0, "nothing reached the service");
}

#[tokio::test]
async fn no_proxy_hosts_bypass_the_proxy() {
    let emu = Emulator::start().await.unwrap();
    let (proxy, url) = authenticated_proxy().await;
    // The builder's list.
    describe(
        ecs(&emu, env(&[]))
            .proxy(&url)
            .no_proxy("example.com, 127.0.0.1"),
    )
    .await
    .unwrap();
    // NO_PROXY from the builder's Env, with an explicit proxy and with HTTP_PROXY.
    describe(ecs(&emu, env(&[("NO_PROXY", "127.0.0.0/8")])).proxy(&url))
        .await
        .unwrap();
    describe(ecs(
        &emu,
        env(&[("HTTP_PROXY", &url), ("no_proxy", "localhost,127.0.0.1")]),
    ))
    .await
    .unwrap();
    assert!(proxy.entries().is_empty(), "{:?}", proxy.entries());
    assert_eq!(emu.request_count(), 3);
    // A list that does not name the host leaves the proxy in use.
    describe(ecs(&emu, env(&[])).proxy(&url).no_proxy("example.com"))
        .await
        .unwrap();
    assert_eq!(proxy.forwarded(), 1);
}

#[tokio::test]
async fn environment_proxies_are_read_through_the_builders_env() {
    let emu = Emulator::start().await.unwrap();
    let (proxy, url) = authenticated_proxy().await;
    // http endpoint: HTTP_PROXY (or ALL_PROXY) applies, HTTPS_PROXY does not.
    describe(ecs(&emu, env(&[("HTTPS_PROXY", &url)])))
        .await
        .unwrap();
    assert_eq!(proxy.forwarded(), 0);
    describe(ecs(&emu, env(&[("http_proxy", &url)])))
        .await
        .unwrap();
    assert_eq!(proxy.forwarded(), 1);
    show(vpc(&emu, env(&[("ALL_PROXY", &url)]))).await.unwrap();
    assert_eq!(proxy.forwarded(), 3);
    // An explicit proxy wins over the environment's.
    let (other, other_url) = authenticated_proxy().await;
    describe(ecs(&emu, env(&[("HTTP_PROXY", &url)])).proxy(other_url))
        .await
        .unwrap();
    assert_eq!((proxy.forwarded(), other.forwarded()), (3, 1));
}

#[tokio::test]
async fn https_through_the_proxy_is_one_authenticated_connect_tunnel() {
    let pki = TestPki::new("cloudsdk proxy-test CA");
    let emu = tls_emulator(&pki).await;
    assert!(emu.endpoint().starts_with("https://127.0.0.1:"));
    let (proxy, url) = authenticated_proxy().await;
    let client = ecs(&emu, env(&[]))
        .proxy(url)
        .add_root_certificate(&pki.ca_pem)
        .build()
        .unwrap();
    for _ in 0..2 {
        client
            .describe_security_group_references()
            .region_id(DEFAULT_ALIYUN_REGION)
            .security_group_id(SEEDED_ALIYUN_SECURITY_GROUP_ID)
            .send()
            .await
            .unwrap();
    }
    // Two calls over one pooled tunnel.
    let entries = proxy.entries();
    assert_eq!(proxy.connects(), 1, "{entries:?}");
    assert_eq!(proxy.forwarded(), 0);
    assert_eq!(entries[0].target, emu.host());
    assert!(entries[0].sent_credentials);
    assert_eq!(emu.request_count(), 2);

    // Wrong credentials: the tunnel is refused, the error says so.
    let err = describe(
        ecs(&emu, env(&[]))
            .proxy(proxy.url_with(PROXY_USER, "wrong"))
            .add_root_certificate(&pki.ca_pem),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, aliyun_ecs::SdkError::Dispatch(_)), "{err:?}");
    assert_eq!(proxy.rejected(), 1);
    assert_eq!(emu.request_count(), 2);
}

#[tokio::test]
async fn an_https_proxy_is_reached_over_tls_trusting_the_custom_ca() {
    let pki = TestPki::new("cloudsdk https-proxy CA");
    let emu = tls_emulator(&pki).await;
    let proxy = ProxyDouble::start_tls(
        Some((PROXY_USER, PROXY_PASSWORD)),
        &pki.server_cert_pem,
        &pki.server_key_pem,
    )
    .await;
    let url = proxy.url_with(PROXY_USER, PROXY_PASSWORD_ENCODED);
    assert!(url.starts_with("https://"));
    describe(
        ecs(&emu, env(&[]))
            .proxy(&url)
            .add_root_certificate(&pki.ca_pem),
    )
    .await
    .unwrap();
    assert_eq!(proxy.connects(), 1, "{:?}", proxy.entries());
    assert_eq!(emu.request_count(), 1);
    // The proxy's certificate is checked too: without the CA nothing gets through.
    let err = describe(ecs(&emu, env(&[])).proxy(&url)).await.unwrap_err();
    assert!(err.to_string().contains("UnknownIssuer"), "{err}");
    assert_eq!(proxy.entries().len(), 1);
}

#[tokio::test]
async fn a_test_ca_is_trusted_through_add_root_certificate_or_ca_bundle() {
    let pki = TestPki::new("cloudsdk network-test CA");
    let emu = tls_emulator(&pki).await;
    let out = show(vpc(&emu, env(&[])).add_root_certificate(&pki.ca_pem))
        .await
        .unwrap();
    assert_eq!(out.security_group.unwrap().id, SEEDED_VPC_SECURITY_GROUP_ID);
    describe(ecs(&emu, env(&[])).add_root_certificate(pki.ca_pem.as_bytes()))
        .await
        .unwrap();

    let path = std::env::temp_dir().join(format!(
        "cloudsdk-network-test-ca-{}.pem",
        std::process::id()
    ));
    std::fs::write(&path, &pki.ca_pem).unwrap();
    let result = describe(ecs(&emu, env(&[])).ca_bundle(&path)).await;
    let _ = std::fs::remove_file(&path);
    result.unwrap();

    // Only the custom CA (no system roots).
    show(
        vpc(&emu, env(&[]))
            .add_root_certificate(&pki.ca_pem)
            .tls_built_in_root_certs(false),
    )
    .await
    .unwrap();
    // IAM discovery twice, calls four times.
    assert_eq!(emu.request_count(), 6);
}

#[tokio::test]
async fn without_the_ca_the_call_fails_with_a_clear_certificate_error() {
    let pki = TestPki::new("cloudsdk untrusted CA");
    let emu = tls_emulator(&pki).await;
    let err = describe(ecs(&emu, env(&[]))).await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, aliyun_ecs::SdkError::Dispatch(_)), "{err:?}");
    assert!(
        text.contains("invalid peer certificate: UnknownIssuer"),
        "{text}"
    );
    // Another CA, alone, does not help either.
    let other = TestPki::new("cloudsdk other CA");
    let err = show(
        vpc(&emu, env(&[]))
            .add_root_certificate(&other.ca_pem)
            .tls_built_in_root_certs(false),
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("invalid peer certificate: UnknownIssuer"),
        "{err}"
    );
    assert_eq!(emu.request_count(), 0);
}

#[tokio::test]
async fn an_unreachable_proxy_is_a_dispatch_error_without_the_password() {
    let pki = TestPki::new("cloudsdk unreachable-proxy CA");
    let https = tls_emulator(&pki).await;
    let http = Emulator::start().await.unwrap();
    // A port nothing listens on: bound, then released.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let url = format!("http://{PROXY_USER}:hunter2-secret@{closed}");
    let err = describe(
        ecs(&https, env(&[]))
            .proxy(&url)
            .add_root_certificate(&pki.ca_pem),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, aliyun_ecs::SdkError::Dispatch(_)), "{err:?}");
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains("hunter2"), "{text}");
    }
    let err = show(vpc(&http, env(&[("HTTP_PROXY", &url)])))
        .await
        .unwrap_err();
    assert!(
        matches!(err, huawei_vpc_v3::SdkError::Dispatch(_)),
        "{err:?}"
    );
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains("hunter2"), "{text}");
    }
    assert_eq!(https.request_count() + http.request_count(), 0);
}

#[tokio::test]
async fn configuration_errors_surface_at_build() {
    let emu = Emulator::start().await.unwrap();
    let e = ecs(&emu, env(&[]))
        .http_client(reqwest::Client::new())
        .proxy("http://127.0.0.1:9")
        .build()
        .unwrap_err();
    assert!(
        matches!(
            e,
            aliyun_ecs::BuildError::InvalidConfig {
                item: "http_client",
                ..
            }
        ),
        "{e}"
    );
    let e = vpc(&emu, env(&[]))
        .proxy("socks5://user:hunter2@127.0.0.1:1080")
        .build()
        .unwrap_err();
    assert!(
        matches!(
            e,
            huawei_vpc_v3::BuildError::InvalidConfig { item: "proxy", .. }
        ),
        "{e}"
    );
    assert!(!e.to_string().contains("hunter2"), "{e}");
    let e = vpc(&emu, env(&[]))
        .add_root_certificate("not a certificate")
        .build()
        .unwrap_err();
    assert!(
        matches!(
            &e,
            huawei_vpc_v3::BuildError::InvalidCaCertificate { origin, .. }
                if origin == "add_root_certificate #1"
        ),
        "{e}"
    );
    let e = vpc(&emu, env(&[]))
        .ca_bundle("/nonexistent/cloudsdk-ca.pem")
        .build()
        .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("invalid CA certificate from ca_bundle /nonexistent/cloudsdk-ca.pem"),
        "{e}"
    );
}

/// An Alibaba client whose credentials come from the default chain of `vars` (no explicit keys).
fn ecs_from_chain(emu: &Emulator, vars: &[(&str, String)]) -> aliyun_ecs::ClientBuilder {
    let mut all: Vec<(String, String)> = vec![
        (
            "ALIBABA_CLOUD_REGION_ID".into(),
            DEFAULT_ALIYUN_REGION.into(),
        ),
        ("ALIBABA_CLOUD_ENDPOINT_ECS".into(), emu.endpoint()),
    ];
    all.extend(vars.iter().map(|(k, v)| (k.to_string(), v.clone())));
    aliyun_ecs::ClientBuilder::from_env()
        .env(aliyun_ecs::test_util::test_env(all))
        .max_attempts(1)
        .operation_timeout(Duration::from_secs(20))
}

#[tokio::test]
async fn sts_exchanges_go_through_the_proxy_and_metadata_never_does() {
    let emu = Emulator::start().await.unwrap();
    let token = std::env::temp_dir().join(format!("cloudsdk-network-oidc-{}", std::process::id()));
    std::fs::write(&token, cloudsdk_emulator::DEFAULT_OIDC_TOKEN).unwrap();

    // OIDC role ARN: AssumeRoleWithOIDC at the STS endpoint, then the call; both proxied.
    let (proxy, url) = authenticated_proxy().await;
    let oidc = [
        (
            "ALIBABA_CLOUD_ROLE_ARN",
            format!(
                "acs:ram::1234567890123456:role/{}",
                cloudsdk_emulator::DEFAULT_ROLE_NAME
            ),
        ),
        (
            "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
            "acs:ram::1234567890123456:oidc-provider/emulator".to_owned(),
        ),
        (
            "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
            token.to_str().unwrap().to_owned(),
        ),
        ("CLOUDSDK_ALIYUN_STS_ENDPOINT", emu.endpoint()),
    ];
    describe(ecs_from_chain(&emu, &oidc).proxy(url))
        .await
        .unwrap();
    let entries = proxy.entries();
    assert_eq!(proxy.forwarded(), 2, "{entries:?}");
    let sts = format!("{}/?Action=AssumeRoleWithOIDC&", emu.endpoint());
    assert!(entries[0].target.starts_with(&sts), "{entries:?}");
    // The OIDC token travels in the POST body, never in the URL.
    assert!(
        !entries[0]
            .target
            .contains(cloudsdk_emulator::DEFAULT_OIDC_TOKEN)
    );
    assert!(
        entries[1].target.contains("SecurityGroupId.1="),
        "{entries:?}"
    );
    assert!(entries.iter().all(|e| e.authorized && e.sent_credentials));
    assert_eq!(emu.issued_credentials(), 1);

    // ECS RAM role: the instance-metadata requests bypass the proxy; only the call goes through.
    let (proxy, url) = authenticated_proxy().await;
    let imds = [("CLOUDSDK_ALIYUN_METADATA_ENDPOINT", emu.endpoint())];
    describe(ecs_from_chain(&emu, &imds).proxy(url))
        .await
        .unwrap();
    let entries = proxy.entries();
    assert_eq!(proxy.forwarded(), 1, "{entries:?}");
    assert!(
        entries[0]
            .target
            .contains("DescribeSecurityGroupReferences")
            || entries[0].method == "POST"
    );
    assert_eq!(emu.issued_credentials(), 2);
    let _ = std::fs::remove_file(token);
}

/// Instance metadata is plain http in the clouds, and the metadata client sends http requests
/// through a client that trusts no certificate (it never loads the system's roots); an https
/// metadata endpoint (a test double, a gateway) gets the configured roots.
#[tokio::test]
async fn an_https_metadata_endpoint_is_trusted_through_the_custom_ca() {
    let pki = TestPki::new("cloudsdk metadata-test CA");
    let emu = tls_emulator(&pki).await;
    let builder = |trusted: bool| {
        let b = huawei_vpc_v3::Client::builder()
            .region(DEFAULT_HUAWEI_REGION)
            .endpoint(emu.endpoint())
            .iam_endpoint(emu.endpoint())
            .max_attempts(1)
            .operation_timeout(Duration::from_secs(20))
            .env(env(&[(
                "CLOUDSDK_HUAWEI_METADATA_ENDPOINT",
                &emu.endpoint(),
            )]));
        if trusted {
            b.add_root_certificate(&pki.ca_pem)
        } else {
            b
        }
    };
    let out = show(builder(true)).await.unwrap();
    assert_eq!(out.security_group.unwrap().id, SEEDED_VPC_SECURITY_GROUP_ID);
    assert_eq!(
        emu.issued_credentials(),
        1,
        "credentials from the https metadata"
    );
    let err = show(builder(false)).await.unwrap_err();
    assert!(
        format!("{err}").contains("credentials"),
        "without the CA the metadata call fails: {err}"
    );
    assert_eq!(emu.issued_credentials(), 1);
}
