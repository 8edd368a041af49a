//! `EmulatorBuilder::tls`: HTTPS with a certificate from a test CA (made at run time with
//! rcgen), trusted by a generated client through `.add_root_certificate(..)`; an unusable
//! certificate or key refused by `start()`; a client that never completes the TLS handshake
//! disconnected after the handshake timeout.

#![warn(clippy::too_many_lines)] // threshold: clippy.toml (80 lines)

mod pki;

use std::time::Duration;

use cloudsdk_emulator::{
    DEFAULT_HUAWEI_PROJECT_ID, DEFAULT_HUAWEI_REGION, Emulator, SEEDED_VPC_SECURITY_GROUP_ID,
};
use tokio::io::AsyncReadExt;

#[tokio::test]
async fn serves_https_to_a_client_that_trusts_the_ca() {
    let (ca, cert, key) = pki::test_pki();
    let emu = Emulator::builder().tls(cert, key).start().await.unwrap();
    assert!(
        emu.endpoint().starts_with("https://127.0.0.1:"),
        "{}",
        emu.endpoint()
    );
    let client = huawei_vpc_v3::Client::builder()
        .region(DEFAULT_HUAWEI_REGION)
        .project_id(DEFAULT_HUAWEI_PROJECT_ID)
        .endpoint(emu.endpoint())
        .credentials(emu.credentials())
        .env(huawei_vpc_v3::credentials::Env::from_vars(
            std::iter::empty::<(String, String)>(),
        ))
        .add_root_certificate(ca)
        .max_attempts(1)
        .build()
        .unwrap();
    let out = client
        .show_security_group()
        .security_group_id(SEEDED_VPC_SECURITY_GROUP_ID)
        .send()
        .await
        .unwrap();
    assert_eq!(out.security_group.unwrap().id, SEEDED_VPC_SECURITY_GROUP_ID);
    assert_eq!(emu.request_count(), 1);
}

#[tokio::test]
async fn an_unusable_certificate_or_key_is_refused_at_start() {
    let (_, cert, key) = pki::test_pki();
    let (_, _, other_key) = pki::test_pki();
    for (c, k, expected) in [
        (
            "not pem",
            key.as_str(),
            "TLS certificate: no PEM certificate found",
        ),
        (cert.as_str(), "not pem", "TLS private key"),
        (cert.as_str(), other_key.as_str(), "TLS certificate and key"),
    ] {
        let e = Emulator::builder().tls(c, k).start().await.unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
        assert!(e.to_string().starts_with(expected), "{e}");
    }
}

#[tokio::test]
async fn a_stalled_handshake_is_closed_after_the_handshake_timeout() {
    let (_, cert, key) = pki::test_pki();
    let emu = Emulator::builder()
        .tls(cert, key)
        .tls_handshake_timeout(Duration::from_millis(200))
        .start()
        .await
        .unwrap();
    let mut stream = tokio::net::TcpStream::connect(emu.addr()).await.unwrap();
    let mut buf = [0u8; 16];
    // The client says nothing; the server gives up long before this test would.
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
        .await
        .expect("the emulator closes a stalled handshake");
    assert_eq!(read.unwrap_or(0), 0, "closed without an answer");
}
