//! Every network credential provider, end to end: a generated client built from a (fake)
//! environment that holds only the override variables fetches temporary credentials from the
//! emulator's credential services (instance metadata, STS, IAM federation, credentials URI) and
//! calls the emulated API with them. The emulator verifies every signature with the temporary
//! secret and checks the security token. Everything stays on 127.0.0.1.

use std::path::PathBuf;
use std::time::Duration;

use cloudsdk_emulator::{
    DEFAULT_ALIYUN_REGION, DEFAULT_HUAWEI_IDP_ID, DEFAULT_HUAWEI_REGION, DEFAULT_OIDC_TOKEN,
    DEFAULT_ROLE_NAME, Emulator, SEEDED_ALIYUN_SECURITY_GROUP_ID, SEEDED_VPC_SECURITY_GROUP_ID,
};

/// A file holding `text`, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, text: &str) -> TempFile {
        let path = std::env::temp_dir().join(format!(
            "cloudsdk-credentials-e2e-{}-{name}",
            std::process::id()
        ));
        std::fs::write(&path, text).unwrap();
        TempFile(path)
    }

    fn path(&self) -> String {
        self.0.to_str().unwrap().to_owned()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// An Alibaba ECS client from the environment `vars` (plus the region and the ECS endpoint
/// override), with the metadata provider disabled unless `vars` points it somewhere.
fn aliyun_client(emu: &Emulator, vars: &[(&str, String)]) -> aliyun_ecs::Client {
    let mut all = vec![
        ("ALIBABA_CLOUD_REGION_ID", DEFAULT_ALIYUN_REGION.to_owned()),
        ("ALIBABA_CLOUD_ENDPOINT_ECS", emu.endpoint()),
    ];
    all.extend(vars.iter().cloned());
    aliyun_ecs::ClientBuilder::from_env()
        .env(aliyun_ecs::test_util::test_env(all))
        .max_attempts(1)
        .build()
        .expect("the client builds: network providers resolve on the first call")
}

async fn describe(client: &aliyun_ecs::Client) -> usize {
    client
        .describe_security_group_references()
        .security_group_id(SEEDED_ALIYUN_SECURITY_GROUP_ID)
        .send()
        .await
        .unwrap_or_else(|e| panic!("the call with temporary credentials failed: {e}"))
        .security_group_references
        .len()
}

/// A Huawei VPC client from the environment `vars` (plus the region, the VPC endpoint override
/// and the IAM endpoint for project discovery, which also runs on the temporary key).
fn huawei_client(emu: &Emulator, vars: &[(&str, String)]) -> huawei_vpc_v3::Client {
    let mut all = vec![
        ("HUAWEICLOUD_SDK_REGION", DEFAULT_HUAWEI_REGION.to_owned()),
        (
            "HUAWEICLOUD_SDK_REGION_VPC_CN_NORTH_4",
            format!("{},https://unused.example", emu.endpoint()),
        ),
        ("HUAWEICLOUD_SDK_IAM_ENDPOINT", emu.endpoint()),
    ];
    all.extend(vars.iter().cloned());
    huawei_vpc_v3::ClientBuilder::from_env()
        .env(huawei_vpc_v3::test_util::test_env(all))
        .max_attempts(1)
        .build()
        .expect("the client builds: network providers resolve on the first call")
}

async fn show(client: &huawei_vpc_v3::Client) -> String {
    client
        .show_security_group()
        .security_group_id(SEEDED_VPC_SECURITY_GROUP_ID)
        .send()
        .await
        .unwrap_or_else(|e| panic!("the call with temporary credentials failed: {e}"))
        .security_group
        .expect("the seeded group")
        .id
}

#[tokio::test]
async fn aliyun_default_chain_ecs_ram_role_from_the_emulated_imds() {
    let emu = Emulator::start().await.unwrap();
    let client = aliyun_client(
        &emu,
        &[("CLOUDSDK_ALIYUN_METADATA_ENDPOINT", emu.endpoint())],
    );
    assert_eq!(emu.issued_credentials(), 0, "nothing fetched at build time");
    assert!(describe(&client).await > 0);
    assert_eq!(emu.issued_credentials(), 1);
    // Cached: the next calls (and a clone's) reuse the temporary key.
    describe(&client).await;
    describe(&client.clone()).await;
    assert_eq!(emu.issued_credentials(), 1);
}

#[tokio::test]
async fn aliyun_default_chain_oidc_role_arn_through_emulated_sts() {
    let emu = Emulator::start().await.unwrap();
    let token = TempFile::new("aliyun-oidc", DEFAULT_OIDC_TOKEN);
    let client = aliyun_client(
        &emu,
        &[
            (
                "ALIBABA_CLOUD_ROLE_ARN",
                format!("acs:ram::1234567890123456:role/{DEFAULT_ROLE_NAME}"),
            ),
            (
                "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
                "acs:ram::1234567890123456:oidc-provider/emulator".to_owned(),
            ),
            ("ALIBABA_CLOUD_OIDC_TOKEN_FILE", token.path()),
            ("CLOUDSDK_ALIYUN_STS_ENDPOINT", emu.endpoint()),
        ],
    );
    assert!(describe(&client).await > 0);
    assert_eq!(emu.issued_credentials(), 1);
}

#[tokio::test]
async fn aliyun_default_chain_credentials_uri_from_the_emulator() {
    let emu = Emulator::start().await.unwrap();
    let client = aliyun_client(
        &emu,
        &[("ALIBABA_CLOUD_CREDENTIALS_URI", emu.credentials_uri())],
    );
    assert!(describe(&client).await > 0);
    assert_eq!(emu.issued_credentials(), 1);
}

#[tokio::test]
async fn aliyun_ram_role_arn_assumes_the_role_with_the_source_key() {
    let emu = Emulator::start().await.unwrap();
    let config = aliyun_ecs::credentials::ProviderConfig::new(aliyun_ecs::test_util::test_env(
        std::iter::empty::<(String, String)>(),
    ));
    let provider = aliyun_ecs::credentials::aliyun::RamRoleArn::with_config(
        config,
        aliyun_ecs::Credentials::new(emu.access_key_id(), emu.access_key_secret()),
    )
    .role_arn(format!(
        "acs:ram::1234567890123456:role/{DEFAULT_ROLE_NAME}"
    ))
    .role_session_name("e2e")
    .sts_endpoint(emu.endpoint());
    let client = aliyun_ecs::Client::builder()
        .region(DEFAULT_ALIYUN_REGION)
        .endpoint(emu.endpoint())
        .credentials_provider(provider)
        .max_attempts(1)
        .build()
        .unwrap();
    assert!(describe(&client).await > 0);
    assert_eq!(emu.issued_credentials(), 1);
}

#[tokio::test]
async fn aliyun_a_wrong_role_fails_the_call_and_names_the_provider() {
    let emu = Emulator::builder()
        .role_names(["other-role"])
        .start()
        .await
        .unwrap();
    let client = aliyun_client(
        &emu,
        &[
            ("CLOUDSDK_ALIYUN_METADATA_ENDPOINT", emu.endpoint()),
            ("ALIBABA_CLOUD_ECS_METADATA", DEFAULT_ROLE_NAME.to_owned()),
        ],
    );
    let err = client
        .describe_security_group_references()
        .security_group_id(SEEDED_ALIYUN_SECURITY_GROUP_ID)
        .send()
        .await
        .unwrap_err();
    let text = format!("{err}");
    assert!(text.contains("credentials"), "{text}");
    assert!(
        std::error::Error::source(&err).is_some(),
        "the provider's failure is the source: {text}"
    );
    assert_eq!(emu.issued_credentials(), 0);
}

#[tokio::test]
async fn huawei_default_chain_ecs_metadata_from_the_emulator() {
    let emu = Emulator::start().await.unwrap();
    let client = huawei_client(
        &emu,
        &[("CLOUDSDK_HUAWEI_METADATA_ENDPOINT", emu.endpoint())],
    );
    assert_eq!(emu.issued_credentials(), 0, "nothing fetched at build time");
    assert_eq!(show(&client).await, SEEDED_VPC_SECURITY_GROUP_ID);
    show(&client).await;
    assert_eq!(emu.issued_credentials(), 1);
}

#[tokio::test]
async fn huawei_default_chain_idp_federation_through_emulated_iam() {
    let emu = Emulator::start().await.unwrap();
    let token = TempFile::new("huawei-id-token", DEFAULT_OIDC_TOKEN);
    let client = huawei_client(
        &emu,
        &[
            ("HUAWEICLOUD_SDK_IDP_ID", DEFAULT_HUAWEI_IDP_ID.to_owned()),
            ("HUAWEICLOUD_SDK_ID_TOKEN_FILE", token.path()),
        ],
    );
    assert_eq!(show(&client).await, SEEDED_VPC_SECURITY_GROUP_ID);
    assert_eq!(emu.issued_credentials(), 1);
}

/// The client's `.iam_endpoint(..)` is where IdP federation sends the ID token too (no
/// `HUAWEICLOUD_SDK_IAM_ENDPOINT`: a fake environment would send it to an unroutable port).
#[tokio::test]
async fn huawei_idp_federation_uses_the_clients_iam_endpoint() {
    let emu = Emulator::start().await.unwrap();
    let token = TempFile::new("huawei-id-token-iam", DEFAULT_OIDC_TOKEN);
    let client = huawei_vpc_v3::Client::builder()
        .region(DEFAULT_HUAWEI_REGION)
        .endpoint(emu.endpoint())
        .iam_endpoint(emu.endpoint())
        .env(huawei_vpc_v3::test_util::test_env([
            ("HUAWEICLOUD_SDK_IDP_ID", DEFAULT_HUAWEI_IDP_ID.to_owned()),
            ("HUAWEICLOUD_SDK_ID_TOKEN_FILE", token.path()),
        ]))
        .max_attempts(1)
        .build()
        .unwrap();
    assert_eq!(show(&client).await, SEEDED_VPC_SECURITY_GROUP_ID);
    assert_eq!(emu.issued_credentials(), 1);
}

#[tokio::test]
async fn huawei_default_chain_oidc_through_emulated_sts_v5() {
    let emu = Emulator::start().await.unwrap();
    let token = TempFile::new("huawei-oidc", DEFAULT_OIDC_TOKEN);
    let client = huawei_client(
        &emu,
        &[
            (
                "HUAWEICLOUD_OIDC_PROVIDER_URN",
                "iam::123456789012:identityProvider:emulator".to_owned(),
            ),
            (
                "HUAWEICLOUD_OIDC_AGENCY_URN",
                format!("iam::123456789012:agency:{DEFAULT_ROLE_NAME}"),
            ),
            ("HUAWEICLOUD_OIDC_TOKEN_FILE", token.path()),
            ("HUAWEICLOUD_SDK_STS_ENDPOINT", emu.endpoint()),
        ],
    );
    assert_eq!(show(&client).await, SEEDED_VPC_SECURITY_GROUP_ID);
    assert_eq!(emu.issued_credentials(), 1);
}

#[tokio::test]
async fn short_lived_keys_are_fetched_again_on_the_calling_task() {
    // Keys valid for 30 s: inside every vendor's refresh window at once, so each call fetches
    // anew (refresh on the calling task), and the emulator never sees an expired key.
    let emu = Emulator::builder()
        .credential_ttl(Duration::from_secs(30))
        .start()
        .await
        .unwrap();
    let client = aliyun_client(
        &emu,
        &[("CLOUDSDK_ALIYUN_METADATA_ENDPOINT", emu.endpoint())],
    );
    describe(&client).await;
    describe(&client).await;
    assert_eq!(emu.issued_credentials(), 2);
}
