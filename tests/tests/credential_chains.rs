//! The generated clients (`huawei-vpc-v3`, `aliyun-ecs`) with temporary credentials from the
//! default chains' network providers: an instance-metadata double on loopback (tiny HTTP/1.1
//! server) issues a temporary key and security token, and the signature-verifying gateway accepts
//! the calls signed with them. Everything stays on 127.0.0.1.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use cloudsdk_conformance::{Keys, Reply, Scheme, VerifyingServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const STS_AK: &str = "STS.InstanceKeyXXXXXXXXXXXX";
const STS_SECRET: &str = "instance-secret-0123456789abcdef";
const TOKEN: &str = "InstanceSecurityToken/0123+abc==";
const PROJECT: &str = "0605767b5280d57e2f6ec014d9c0a2b7";
const SG: &str = "69c999ad-d9ef-4d79-94fd-35e6ceb75325";

/// One request line and headers as the metadata double saw them.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    headers: String,
}

/// A loopback HTTP/1.1 server answering each request with `answer(method, path)` (status, body).
struct Metadata {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    count: Arc<AtomicUsize>,
}

impl Metadata {
    async fn start(answer: fn(&str, &str) -> (u16, String)) -> Metadata {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let count = Arc::new(AtomicUsize::new(0));
        let (seen2, count2) = (seen.clone(), count.clone());
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let (seen, count) = (seen2.clone(), count2.clone());
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 8192];
                    let mut len = 0;
                    while !buf[..len].windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buf[len..]).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => len += n,
                        }
                    }
                    let head = String::from_utf8_lossy(&buf[..len]).to_string();
                    let mut words = head.split_whitespace();
                    let method = words.next().unwrap_or_default().to_owned();
                    let path = words.next().unwrap_or_default().to_owned();
                    count.fetch_add(1, Ordering::SeqCst);
                    let (status, body) = answer(&method, &path);
                    seen.lock().unwrap().push(Seen {
                        method,
                        path,
                        headers: head.to_ascii_lowercase(),
                    });
                    let reply = format!(
                        "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(reply.as_bytes()).await;
                });
            }
        });
        Metadata { url, seen, count }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn huawei_metadata(method: &str, path: &str) -> (u16, String) {
    match (method, path) {
        ("PUT", "/meta-data/latest/api/token") => (200, "hw-imds-token".into()),
        ("GET", "/openstack/latest/securitykey") => (
            200,
            format!(
                r#"{{"credential":{{"access":"{STS_AK}","secret":"{STS_SECRET}","securitytoken":"{TOKEN}","expires_at":"2099-01-01T00:00:00.000000Z"}}}}"#
            ),
        ),
        _ => (404, String::new()),
    }
}

fn aliyun_imds(method: &str, path: &str) -> (u16, String) {
    match (method, path) {
        ("PUT", "/latest/api/token") => (200, "ali-imds-token".into()),
        ("GET", "/latest/meta-data/ram/security-credentials/") => (200, "EcsRole".into()),
        ("GET", "/latest/meta-data/ram/security-credentials/EcsRole") => (
            200,
            format!(
                r#"{{"AccessKeyId":"{STS_AK}","AccessKeySecret":"{STS_SECRET}","SecurityToken":"{TOKEN}","Expiration":"2099-01-01T00:00:00Z","Code":"Success"}}"#
            ),
        ),
        _ => (404, String::new()),
    }
}

#[tokio::test]
async fn huawei_vpc_calls_with_ecs_metadata_credentials_from_the_default_chain() {
    let metadata = Metadata::start(huawei_metadata).await;
    let server = VerifyingServer::huawei(Keys::new(STS_AK, STS_SECRET).with_security_token(TOKEN))
        .reply(Reply::json(
            200,
            cloudsdk_conformance::read_spec_example("huawei-vpc-v3", "doc_example.json"),
        ))
        .start()
        .await;
    let env = huawei_vpc_v3::credentials::Env::from_vars([
        ("HOME", "/nonexistent"),
        ("HUAWEICLOUD_SDK_REGION", "cn-north-4"),
        ("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT),
        ("CLOUDSDK_HUAWEI_METADATA_ENDPOINT", metadata.url.as_str()),
    ]);
    let client = huawei_vpc_v3::ClientBuilder::from_env()
        .env(env)
        .endpoint(server.url())
        .max_attempts(1)
        .build()
        .expect("the metadata provider resolves on the first call");
    assert_eq!(
        metadata.count.load(Ordering::SeqCst),
        0,
        "nothing fetched at build"
    );
    for _ in 0..3 {
        let out = client
            .show_security_group()
            .security_group_id(SG)
            .send()
            .await
            .unwrap();
        assert_eq!(out.security_group.unwrap().id, SG);
    }
    for r in server.requests() {
        assert!(r.verdict.is_accepted(), "{:#?}", r.verdict);
        assert_eq!(r.verdict.scheme(), Some(Scheme::HuaweiSdkHmacSha256));
        assert_eq!(r.header("x-security-token"), Some(TOKEN));
    }
    let seen = metadata.seen();
    assert_eq!(
        seen.len(),
        2,
        "one token and one credential fetch for three calls: {seen:?}"
    );
    assert_eq!(seen[1].path, "/openstack/latest/securitykey");
    assert!(
        seen[1].headers.contains("x-metadata-token: hw-imds-token"),
        "{seen:?}"
    );
}

#[tokio::test]
async fn aliyun_ecs_calls_with_ram_role_credentials_from_imds() {
    let metadata = Metadata::start(aliyun_imds).await;
    let server = VerifyingServer::aliyun(Keys::new(STS_AK, STS_SECRET).with_security_token(TOKEN))
        .reply(Reply::file(
            200,
            cloudsdk_conformance::spec_example("aliyun-ecs", "doc_data_wire.json"),
        ))
        .start()
        .await;
    // The provider used explicitly, through the generated crate's re-export.
    use aliyun_ecs::credentials::{Env, ProviderConfig, aliyun::EcsRamRole};
    let provider = EcsRamRole::with_config(ProviderConfig::new(Env::from_vars([(
        "CLOUDSDK_ALIYUN_METADATA_ENDPOINT",
        metadata.url.as_str(),
    )])));
    let client = aliyun_ecs::Client::builder()
        .region("cn-hangzhou")
        .endpoint(server.url())
        .credentials_provider(provider)
        .max_attempts(1)
        .build()
        .unwrap();
    for _ in 0..2 {
        client
            .describe_security_group_references()
            .region_id("cn-hangzhou")
            .security_group_id("sg-bp1fg655nh68xyz0001")
            .send()
            .await
            .unwrap();
    }
    for r in server.requests() {
        assert!(r.verdict.is_accepted(), "{:#?}", r.verdict);
        assert_eq!(r.verdict.scheme(), Some(Scheme::AliyunV3));
        assert_eq!(r.header("x-acs-security-token"), Some(TOKEN));
    }
    let paths: Vec<String> = metadata
        .seen()
        .iter()
        .map(|s| format!("{} {}", s.method, s.path))
        .collect();
    assert_eq!(
        paths,
        [
            "PUT /latest/api/token",
            "GET /latest/meta-data/ram/security-credentials/",
            "GET /latest/meta-data/ram/security-credentials/EcsRole"
        ]
    );
}
