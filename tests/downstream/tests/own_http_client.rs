//! A downstream crate brings its own `reqwest::Client` (proxy, TLS roots, pool settings) with
//! `.http_client(..)`: the SDK signs, sends and decodes through it, and its retries and timeouts
//! still apply. Served by the emulator on loopback.

use std::time::Duration;

use cloudsdk_emulator::{
    DEFAULT_HUAWEI_PROJECT_ID, DEFAULT_HUAWEI_REGION, Emulator, Fault, SEEDED_VPC_SECURITY_GROUP_ID,
};

/// The user's client, started from the SDK's settings (which also installs a rustls crypto
/// provider: this workspace builds reqwest without one of its own).
fn own_client() -> reqwest::Client {
    huawei_vpc_v3::http::reqwest_client_builder()
        .pool_max_idle_per_host(1)
        .build()
        .expect("a plain-HTTP reqwest client builds")
}

fn vpc(emulator: &Emulator, http: reqwest::Client) -> huawei_vpc_v3::Client {
    huawei_vpc_v3::Client::builder()
        .region(DEFAULT_HUAWEI_REGION)
        .project_id(DEFAULT_HUAWEI_PROJECT_ID)
        .endpoint(emulator.endpoint())
        .credentials(emulator.credentials())
        .retry_config(
            huawei_vpc_v3::RetryConfig::standard().with_initial_backoff(Duration::from_millis(1)),
        )
        .http_client(http)
        .build()
        .expect("client builds")
}

#[tokio::test(flavor = "current_thread")]
async fn calls_go_through_the_users_reqwest_client() {
    let emulator = Emulator::start().await.unwrap();
    let client = vpc(&emulator, own_client());
    let out = client
        .show_security_group()
        .security_group_id(SEEDED_VPC_SECURITY_GROUP_ID)
        .send()
        .await
        .expect("the emulator verifies the signature and answers");
    let group = out.security_group.expect("the seeded group");
    assert_eq!(group.id, SEEDED_VPC_SECURITY_GROUP_ID);
    assert_eq!(emulator.request_count(), 1);
}

#[tokio::test(flavor = "current_thread")]
async fn the_sdks_retries_apply_to_the_users_client() {
    let emulator = Emulator::start().await.unwrap();
    // Each queued fault answers one request.
    emulator.faults().push(Fault::Reply {
        status: 503,
        headers: Vec::new(),
        body: "busy".to_owned(),
    });
    let client = vpc(&emulator, own_client());
    client
        .show_security_group()
        .security_group_id(SEEDED_VPC_SECURITY_GROUP_ID)
        .send()
        .await
        .expect("the 503 is retried");
    assert_eq!(emulator.request_count(), 2, "one 503, one success");
}
