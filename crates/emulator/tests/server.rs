//! The emulator over raw TCP and reqwest: routing of both vendors on one port, HTTP details
//! (HTTP/1.0, keep-alive, pipelining, chunked bodies, malformed requests), every fault kind,
//! the fault queue's filters, and the clock offset.

#![warn(clippy::too_many_lines)] // threshold: clippy.toml (80 lines)

use std::time::{Duration, Instant};

use cloudsdk_core::sign::{aliyun_v2, huawei};
use cloudsdk_emulator::{
    DEFAULT_HUAWEI_PROJECT_ID as PROJECT, Emulator, Fault, FaultRule, SEEDED_SERVER_ID,
    SEEDED_VPC_SECURITY_GROUP_ID as SG, Vendor,
};
use time::OffsetDateTime;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn vpc_path() -> String {
    format!("/v3/{PROJECT}/vpc/security-groups/{SG}")
}

/// A raw Huawei request (`version` HTTP/1.x) for `path`, signed at `at` with the emulator's key.
fn huawei_request(
    emu: &Emulator,
    method: &str,
    path: &str,
    at: OffsetDateTime,
    version: &str,
    extra: &[(&str, &str)],
) -> Vec<u8> {
    let host = emu.host();
    let date = huawei::format_sdk_date(at);
    let headers = [
        ("Content-Type", "application/json"),
        ("Host", host.as_str()),
        ("X-Sdk-Date", date.as_str()),
    ];
    let signed = huawei::sign(
        &huawei::SigningInput {
            method,
            host: &host,
            path,
            query: &[],
            headers: &headers,
            body: b"",
        },
        emu.access_key_id(),
        emu.access_key_secret(),
    )
    .unwrap();
    let mut out = format!("{method} {path} {version}\r\n");
    for (k, v) in headers.iter().chain(extra) {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!("Authorization: {}\r\n\r\n", signed.authorization));
    out.into_bytes()
}

/// A signed HTTP/1.1 Huawei `GET` of `path`, signed now.
fn huawei_get(emu: &Emulator, path: &str) -> Vec<u8> {
    huawei_request(emu, "GET", path, now(), "HTTP/1.1", &[])
}

/// A response read off the wire.
#[derive(Debug)]
struct Wire {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Wire {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
}

struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    async fn open(emu: &Emulator) -> Conn {
        Conn {
            stream: TcpStream::connect(emu.addr()).await.unwrap(),
            buf: Vec::new(),
        }
    }

    async fn fill(&mut self) -> bool {
        let mut chunk = vec![0u8; 65536]; // on the heap: test futures live on the stack
        let n = self.stream.read(&mut chunk).await.unwrap_or(0);
        self.buf.extend_from_slice(&chunk[..n]);
        n > 0
    }

    /// Reads a head; `None` if the connection closed first.
    async fn head(&mut self) -> Option<(u16, Vec<(String, String)>)> {
        let end = loop {
            if let Some(p) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break p;
            }
            if !self.fill().await {
                return None;
            }
        };
        let head = String::from_utf8(self.buf[..end].to_vec()).unwrap();
        self.buf.drain(..end + 4);
        let mut lines = head.split("\r\n");
        let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
        let headers = lines
            .map(|l| {
                let (k, v) = l.split_once(':').unwrap();
                (k.trim().to_owned(), v.trim().to_owned())
            })
            .collect();
        Some((status, headers))
    }

    /// Reads a full Content-Length response.
    async fn response(&mut self) -> Wire {
        let (status, headers) = self.head().await.expect("a response head");
        let len: usize = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .map(|(_, v)| v.parse().unwrap())
            .expect("Content-Length");
        while self.buf.len() < len {
            assert!(self.fill().await, "closed inside a body");
        }
        let body = self.buf.drain(..len).collect();
        Wire {
            status,
            headers,
            body,
        }
    }

    async fn send(&mut self, raw: &[u8]) -> Wire {
        self.stream.write_all(raw).await.unwrap();
        self.response().await
    }

    /// Reads until the peer closes; the number of bytes that came.
    async fn drain_to_eof(&mut self) -> usize {
        let mut total = self.buf.len();
        self.buf.clear();
        let mut chunk = vec![0u8; 65536]; // on the heap: test futures live on the stack
        loop {
            match self.stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return total,
                Ok(n) => total += n,
            }
        }
    }
}

/// A V2-signed `DescribeSecurityGroupReferences` query (or form body) for the seeded group,
/// signed for `method`.
fn aliyun_v2_query(emu: &Emulator, method: &str, nonce: &str, at: OffsetDateTime) -> String {
    let ts = aliyun_v2::format_timestamp(at);
    aliyun_v2::sign(
        method,
        &[
            ("Action", "DescribeSecurityGroupReferences"),
            ("Version", "2014-05-26"),
            ("Format", "JSON"),
            ("AccessKeyId", emu.access_key_id()),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureVersion", "1.0"),
            ("SignatureNonce", nonce),
            ("Timestamp", &ts),
            ("RegionId", "cn-hangzhou"),
            ("SecurityGroupId.1", "sg-1133aa"),
        ],
        emu.access_key_secret(),
    )
    .signed_query
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

// ---------------------------------------------------------------------------------------------
// Routing and HTTP
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn one_port_serves_both_vendors_by_path() {
    let emu = Emulator::start().await.unwrap();
    let mut conn = Conn::open(&emu).await;
    let vpc = conn.send(&huawei_get(&emu, &vpc_path())).await;
    assert_eq!(vpc.status, 200);
    assert_eq!(vpc.json()["security_group"]["id"], SG);
    assert_eq!(
        vpc.json()["request_id"].as_str(),
        vpc.header("X-Request-Id")
    );
    let ecs_path = format!("/v2.1/{PROJECT}/servers/{SEEDED_SERVER_ID}/os-security-groups");
    let ecs = conn.send(&huawei_get(&emu, &ecs_path)).await;
    assert_eq!(ecs.status, 200);
    assert_eq!(ecs.json()["security_groups"].as_array().unwrap().len(), 2);
    // The wrong method, or a path the emulator does not serve, is the gateway's 404.
    let post = conn
        .send(&huawei_request(
            &emu,
            "POST",
            &vpc_path(),
            now(),
            "HTTP/1.1",
            &[],
        ))
        .await;
    assert_eq!(post.status, 404);
    assert_eq!(post.json()["error_code"], "APIGW.0101");
    let other = conn.send(&huawei_get(&emu, "/v1/nothing")).await;
    assert_eq!(other.status, 404);
    assert_eq!(other.json()["error_code"], "APIGW.0101");

    // `/` is Alibaba: V2 signed query.
    let q = aliyun_v2_query(&emu, "GET", "route-nonce", now());
    let ali = conn
        .send(format!("GET /?{q} HTTP/1.1\r\nHost: {}\r\n\r\n", emu.host()).as_bytes())
        .await;
    assert_eq!(ali.status, 200, "{}", String::from_utf8_lossy(&ali.body));
    assert_eq!(
        ali.json()["RequestId"].as_str(),
        ali.header("x-acs-request-id")
    );

    let vendors: Vec<Vendor> = emu.requests().iter().map(|r| r.vendor).collect();
    assert_eq!(
        vendors,
        [
            Vendor::Huawei,
            Vendor::Huawei,
            Vendor::Huawei,
            Vendor::Huawei,
            Vendor::Aliyun
        ]
    );
    assert_eq!(emu.connection_count(), 1, "keep-alive");
}

#[tokio::test]
async fn http_1_0_keep_alive_and_pipelining() {
    let emu = Emulator::start().await.unwrap();
    // HTTP/1.0 without keep-alive: answered, then closed.
    let mut conn = Conn::open(&emu).await;
    let r = conn
        .send(&huawei_request(
            &emu,
            "GET",
            &vpc_path(),
            now(),
            "HTTP/1.0",
            &[],
        ))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Connection"), Some("close"));
    assert_eq!(conn.drain_to_eof().await, 0);
    // HTTP/1.0 with keep-alive: kept.
    let mut conn = Conn::open(&emu).await;
    let raw = huawei_request(
        &emu,
        "GET",
        &vpc_path(),
        now(),
        "HTTP/1.0",
        &[("Connection", "keep-alive")],
    );
    let r = conn.send(&raw).await;
    assert_eq!(r.header("Connection"), Some("keep-alive"));
    // Two pipelined requests in one write: two answers, in order.
    let mut both = huawei_get(&emu, &vpc_path());
    both.extend(huawei_get(&emu, "/v3/projects"));
    conn.stream.write_all(&both).await.unwrap();
    let first = conn.response().await;
    let second = conn.response().await;
    assert!(first.json()["security_group"].is_object());
    assert!(second.json()["projects"].is_array());
}

#[tokio::test]
async fn chunked_bodies_and_bodies_that_cannot_matter_to_authentication() {
    let emu = Emulator::start().await.unwrap();
    // A chunked (unsigned) Alibaba body is read whole: the refusal is about the signature. A
    // rejected request is recorded without its body.
    let mut conn = Conn::open(&emu).await;
    let r = conn
        .send(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nAction\r\n4\r\n=Foo\r\n0\r\n\r\n")
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["Code"], "IncompleteSignature");
    let last = emu.requests().last().unwrap().clone();
    assert!(!last.verdict.is_accepted());
    assert!(last.body.is_empty(), "{:?}", last.body);
    // A signed form body sent in chunks is accepted, and recorded de-chunked.
    let form = aliyun_v2_query(&emu, "POST", "chunked-form-nonce", now());
    let (a, b) = form.split_at(form.len() / 2);
    let raw = format!(
        "POST / HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\n\r\n",
        emu.host(),
        a.len(),
        b.len()
    );
    let r = conn.send(raw.as_bytes()).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(emu.requests().last().unwrap().body, form.as_bytes());

    // A body that cannot matter to authentication (no `Authorization`, not a form) is read
    // after it: dropped in pieces when the request is refused (the connection stays in step),
    // kept when it is accepted.
    let big = "x".repeat(200_000);
    let raw = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{big}\r\n{:x}\r\n{big}\r\n0\r\n\r\n",
        big.len(),
        big.len()
    );
    let r = conn.send(raw.as_bytes()).await;
    assert_eq!(r.json()["Code"], "IncompleteSignature");
    let raw = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{big}",
        big.len()
    );
    let r = conn.send(raw.as_bytes()).await;
    assert_eq!(r.json()["Code"], "IncompleteSignature");
    assert!(emu.requests().last().unwrap().body.is_empty());
    let q = aliyun_v2_query(&emu, "POST", "query-signed-nonce", now());
    let raw = format!(
        "POST /?{q} HTTP/1.1\r\nHost: {}\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello",
        emu.host()
    );
    let r = conn.send(raw.as_bytes()).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(emu.requests().last().unwrap().body, b"hello");
}

#[tokio::test]
async fn a_malformed_request_line_is_closed_unanswered() {
    let emu = Emulator::start().await.unwrap();
    // A malformed request line: closed without an answer, not recorded.
    let before = emu.request_count();
    let mut conn = Conn::open(&emu).await;
    conn.stream.write_all(b"NONSENSE\r\n\r\n").await.unwrap();
    assert_eq!(conn.drain_to_eof().await, 0);
    assert_eq!(emu.request_count(), before);
}

// ---------------------------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn reply_faults_replace_the_answer_and_keep_the_request_id() {
    let emu = Emulator::builder()
        .fault(Fault::huawei_503_html())
        .fault(Fault::huawei_throttled(7))
        .start()
        .await
        .unwrap();
    let mut conn = Conn::open(&emu).await;
    let html = conn.send(&huawei_get(&emu, &vpc_path())).await;
    assert_eq!(html.status, 503);
    assert_eq!(html.header("Content-Type"), Some("text/html"));
    assert!(
        String::from_utf8_lossy(&html.body)
            .contains("<h1>503 Service Temporarily Unavailable</h1>")
    );
    assert!(html.header("X-Request-Id").is_some());
    assert!(html.header("Date").is_some());
    let throttled = conn.send(&huawei_get(&emu, &vpc_path())).await;
    assert_eq!(throttled.status, 429);
    assert_eq!(throttled.header("Retry-After"), Some("7"));
    assert_eq!(throttled.json()["error_code"], "APIGW.0308");
    assert_eq!(
        throttled.json()["request_id"].as_str(),
        throttled.header("X-Request-Id")
    );
    // The queue is empty now: the normal answer.
    let ok = conn.send(&huawei_get(&emu, &vpc_path())).await;
    assert_eq!(ok.status, 200);
    let faults: Vec<Option<String>> = emu.requests().into_iter().map(|r| r.fault).collect();
    assert_eq!(
        faults,
        [Some("reply 503".into()), Some("reply 429".into()), None]
    );
}

#[tokio::test]
async fn aliyun_reply_faults_carry_their_codes_and_retry_after() {
    let emu = Emulator::start().await.unwrap();
    emu.faults().push(Fault::aliyun_throttling_user(Some(1500)));
    emu.faults().push(Fault::aliyun_service_unavailable());
    let client = http_client();
    let mut answers = Vec::new();
    for nonce in ["f1", "f2"] {
        let ts = aliyun_v2::format_timestamp(now());
        let q = aliyun_v2::sign(
            "GET",
            &[
                ("Action", "DescribeSecurityGroupReferences"),
                ("Version", "2014-05-26"),
                ("Format", "JSON"),
                ("AccessKeyId", emu.access_key_id()),
                ("SignatureMethod", "HMAC-SHA1"),
                ("SignatureVersion", "1.0"),
                ("SignatureNonce", nonce),
                ("Timestamp", &ts),
                ("RegionId", "cn-hangzhou"),
                ("SecurityGroupId.1", "sg-1133aa"),
            ],
            emu.access_key_secret(),
        )
        .signed_query;
        let resp = client
            .get(format!("{}/?{q}", emu.endpoint()))
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let retry = resp
            .headers()
            .get("x-acs-retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        let rid = resp.headers()["x-acs-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        let body: serde_json::Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
        assert_eq!(body["RequestId"].as_str(), Some(rid.as_str()));
        answers.push((status, retry, body["Code"].as_str().unwrap().to_owned()));
    }
    assert_eq!(
        answers,
        [
            (400, Some("1500".into()), "Throttling.User".into()),
            (503, None, "ServiceUnavailable".into())
        ]
    );
}

#[tokio::test]
async fn delay_close_truncate_and_wrong_content_type() {
    let emu = Emulator::start().await.unwrap();
    let raw = || huawei_get(&emu, &vpc_path());

    emu.faults().push(Fault::delay(Duration::from_millis(400)));
    let started = Instant::now();
    let r = Conn::open(&emu).await.send(&raw()).await;
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(r.status, 200);

    emu.faults().push(Fault::CloseBeforeResponse);
    let mut conn = Conn::open(&emu).await;
    conn.stream.write_all(&raw()).await.unwrap();
    assert_eq!(conn.drain_to_eof().await, 0, "not a byte of response");

    emu.faults().push(Fault::TruncatedBody);
    let mut conn = Conn::open(&emu).await;
    conn.stream.write_all(&raw()).await.unwrap();
    let (status, headers) = conn.head().await.unwrap();
    assert_eq!(status, 200);
    let declared: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .unwrap()
        .1
        .parse()
        .unwrap();
    let got = conn.drain_to_eof().await;
    assert!(declared > 100 && got < declared, "{got} of {declared}");

    emu.faults().push(Fault::WrongContentType {
        content_type: "text/html".into(),
        html_body: false,
    });
    emu.faults().push(Fault::WrongContentType {
        content_type: "text/html".into(),
        html_body: true,
    });
    let mut conn = Conn::open(&emu).await;
    let labelled = conn.send(&raw()).await;
    assert_eq!(labelled.header("Content-Type"), Some("text/html"));
    assert_eq!(labelled.json()["security_group"]["id"], SG, "normal body");
    let html = conn.send(&raw()).await;
    assert_eq!(html.status, 200);
    assert!(html.body.starts_with(b"<html>"));

    let statuses: Vec<(u16, Option<String>)> = emu
        .requests()
        .into_iter()
        .map(|r| (r.status, r.fault))
        .collect();
    assert_eq!(statuses[1], (0, Some("close_before_response".into())));
    assert_eq!(statuses[2], (200, Some("truncated_body".into())));
}

#[tokio::test]
async fn oversized_bodies_have_the_declared_length_with_and_without_chunking() {
    const BYTES: u64 = 5 * 1024 * 1024 + 17;
    let emu = Emulator::start().await.unwrap();
    emu.faults().push(Fault::Oversized {
        bytes: BYTES,
        chunked: false,
    });
    let mut conn = Conn::open(&emu).await;
    conn.stream
        .write_all(&huawei_get(&emu, &vpc_path()))
        .await
        .unwrap();
    let (status, headers) = conn.head().await.unwrap();
    assert_eq!(status, 200);
    assert!(
        headers
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("content-length") && *v == BYTES.to_string())
    );
    assert_eq!(conn.drain_to_eof().await as u64, BYTES);

    emu.faults().push(Fault::Oversized {
        bytes: BYTES,
        chunked: true,
    });
    let host = emu.host();
    let date = huawei::format_sdk_date(now());
    let headers = [
        ("Content-Type", "application/json"),
        ("Host", host.as_str()),
        ("X-Sdk-Date", date.as_str()),
    ];
    let signed = huawei::sign(
        &huawei::SigningInput {
            method: "GET",
            host: &host,
            path: &vpc_path(),
            query: &[],
            headers: &headers,
            body: b"",
        },
        emu.access_key_id(),
        emu.access_key_secret(),
    )
    .unwrap();
    let resp = http_client()
        .get(format!("{}{}", emu.endpoint(), vpc_path()))
        .header("Content-Type", "application/json")
        .header("X-Sdk-Date", &date)
        .header("Authorization", signed.authorization)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["transfer-encoding"], "chunked");
    let body = resp.bytes().await.unwrap();
    assert_eq!(body.len() as u64, BYTES);
    assert!(body.starts_with(b"{\"padding\":\"aaa"));
}

#[tokio::test]
async fn faults_are_filtered_and_never_consumed_by_rejected_requests() {
    let emu = Emulator::builder()
        .fault(FaultRule::any(Fault::huawei_503_html()).for_vendor(Vendor::Aliyun))
        .fault(FaultRule::any(Fault::huawei_throttled(1)).for_operation("KeystoneListProjects"))
        .start()
        .await
        .unwrap();
    let mut conn = Conn::open(&emu).await;
    // A bad signature: refused, the faults stay.
    let stale = conn
        .send(&huawei_request(
            &emu,
            "GET",
            "/v3/projects",
            now() - time::Duration::hours(1),
            "HTTP/1.1",
            &[],
        ))
        .await;
    assert_eq!(stale.status, 401);
    assert_eq!(emu.faults().len(), 2);
    // A VPC call matches neither rule.
    let vpc = conn.send(&huawei_get(&emu, &vpc_path())).await;
    assert_eq!(vpc.status, 200);
    // An IAM call takes the second rule.
    let iam = conn.send(&huawei_get(&emu, "/v3/projects")).await;
    assert_eq!(iam.status, 429);
    assert_eq!(emu.faults().len(), 1);
    emu.faults().clear();
    assert!(emu.faults().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Clock
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_clock_offset_moves_the_date_header_and_the_skew_check() {
    let emu = Emulator::builder()
        .clock_offset(-1200)
        .start()
        .await
        .unwrap();
    let mut conn = Conn::open(&emu).await;
    let real_now = now();
    let refused = conn
        .send(&huawei_request(
            &emu,
            "GET",
            &vpc_path(),
            real_now,
            "HTTP/1.1",
            &[],
        ))
        .await;
    assert_eq!(refused.status, 401);
    let message = refused.json()["error_msg"].as_str().unwrap().to_owned();
    let prefix = format!(
        "Incorrect IAM authentication information: calc aksk signature fail:signature expired, signature time:{}, server time:",
        huawei::format_sdk_date(real_now)
    );
    assert!(message.starts_with(&prefix), "{message}");
    let server_time = huawei::parse_sdk_date(&message[prefix.len()..]).unwrap();
    let behind = (real_now - server_time).whole_seconds();
    assert!((1198..=1202).contains(&behind), "{behind}");
    // The Date header says the same.
    let date = refused.header("Date").unwrap();
    let parsed = time::PrimitiveDateTime::parse(
        date,
        time::macros::format_description!(
            "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
        ),
    )
    .unwrap()
    .assume_utc();
    assert!(
        ((real_now - parsed).whole_seconds() - 1200).abs() <= 2,
        "{date}"
    );

    // Signed by the emulator's clock: accepted.
    let ok = conn
        .send(&huawei_request(
            &emu,
            "GET",
            &vpc_path(),
            real_now - time::Duration::seconds(1200),
            "HTTP/1.1",
            &[],
        ))
        .await;
    assert_eq!(ok.status, 200);

    // Back to the system clock at runtime, with a tight limit.
    emu.set_clock_offset(0);
    emu.set_max_clock_skew(Duration::from_secs(30));
    assert_eq!(emu.clock_offset(), 0);
    let ok = conn.send(&huawei_get(&emu, &vpc_path())).await;
    assert_eq!(ok.status, 200);
    let late = conn
        .send(&huawei_request(
            &emu,
            "GET",
            &vpc_path(),
            now() - time::Duration::seconds(60),
            "HTTP/1.1",
            &[],
        ))
        .await;
    assert_eq!(late.status, 401);
}

/// A plain-HTTP reqwest client (the workspace builds reqwest's rustls without a default
/// crypto provider, so one is installed first).
fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

#[tokio::test]
async fn debug_redacts_secrets_and_headers_are_not_duplicated() {
    let emu = Emulator::builder()
        .access_key("DEBUGAK", "debug-secret-0001")
        .security_token("debug-token-0001")
        .start()
        .await
        .unwrap();
    let shown = format!(
        "{emu:?} {:?} {:?}",
        emu.keys(),
        Emulator::builder().access_key("A", "builder-secret-0001")
    );
    assert!(shown.contains("DEBUGAK"), "{shown}");
    for secret in [
        "debug-secret-0001",
        "debug-token-0001",
        "builder-secret-0001",
    ] {
        assert!(!shown.contains(secret), "{shown}");
    }

    // A Nova fault and a VPC success: one Content-Type, one Date, one request id each.
    let emu = Emulator::start().await.unwrap();
    let mut conn = Conn::open(&emu).await;
    let missing = format!("/v2/{PROJECT}/servers/nope/os-security-groups");
    for path in [missing, vpc_path()] {
        let r = conn.send(&huawei_get(&emu, &path)).await;
        for name in ["content-type", "date", "x-request-id", "content-length"] {
            let n = r
                .headers
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                .count();
            assert_eq!(n, 1, "{name} in {:?}", r.headers);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Unknown projects
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_unknown_project_is_named_with_the_served_ones_in_each_services_format() {
    let emu = Emulator::start().await.unwrap();
    let unknown = "0000000000000000000000000000dead";
    let served = format!("(served: {PROJECT} (cn-north-4))");
    let mut conn = Conn::open(&emu).await;

    let vpc = format!("/v3/{unknown}/vpc/security-groups/{SG}");
    let r = conn.send(&huawei_get(&emu, &vpc)).await;
    assert_eq!(r.status, 400);
    let body = r.json();
    assert_eq!(body["error_code"], "VPC.0007", "{body}");
    assert_eq!(
        body["error_msg"],
        format!("Project {unknown} is not served by this emulator {served}")
    );
    assert_eq!(body["request_id"].as_str(), r.header("X-Request-Id"));

    let nova = format!("/v2.1/{unknown}/servers/{SEEDED_SERVER_ID}/os-security-groups");
    let r = conn.send(&huawei_get(&emu, &nova)).await;
    assert_eq!(r.status, 400);
    let body = r.json();
    assert_eq!(body["badRequest"]["code"], 400, "{body}");
    assert_eq!(
        body["badRequest"]["message"],
        format!("Project {unknown} is not served by this emulator {served}")
    );

    // A served project in the URL with another one in X-Project-Id: the service's own message,
    // naming both.
    let nova = format!("/v2.1/{PROJECT}/servers/{SEEDED_SERVER_ID}/os-security-groups");
    let r = conn
        .send(&huawei_request(
            &emu,
            "GET",
            &nova,
            now(),
            "HTTP/1.1",
            &[("X-Project-Id", unknown)],
        ))
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["badRequest"]["message"],
        format!(
            "Malformed request URL: URL's project_id '{PROJECT}' doesn't match Context's project_id '{unknown}'"
        )
    );
}

// ---------------------------------------------------------------------------------------------
// Hardening: framing, timeouts, bounded memory
// ---------------------------------------------------------------------------------------------

/// Sends `raw` on a new connection; what came back before the emulator closed it (fails after
/// 5 s without EOF).
async fn answer_then_eof(emu: &Emulator, raw: &[u8]) -> String {
    let mut conn = Conn::open(emu).await;
    conn.stream.write_all(raw).await.unwrap();
    let mut out = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), conn.stream.read_to_end(&mut out));
    read.await
        .expect("the emulator closes the connection")
        .unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn ambiguous_framing_is_refused_with_400_and_the_connection_closed() {
    let emu = Emulator::start().await.unwrap();
    let cases: [(&str, &str, &str); 6] = [
        (
            "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
            "0\r\n\r\n",
            "Content-Length together with Transfer-Encoding",
        ),
        (
            "Transfer-Encoding: chunked\r\nContent-Length: 0\r\n",
            "0\r\n\r\n",
            "Content-Length together with Transfer-Encoding",
        ),
        (
            "Content-Length: 5\r\nContent-Length: 6\r\n",
            "hello!",
            "conflicting Content-Length values",
        ),
        (
            "Content-Length: 5, 6\r\n",
            "hello!",
            "conflicting Content-Length values",
        ),
        (
            "Transfer-Encoding: gzip, chunked\r\n",
            "0\r\n\r\n",
            "unsupported transfer coding",
        ),
        (
            "Transfer-Encoding: identity\r\n",
            "",
            "unsupported transfer coding",
        ),
    ];
    for (headers, body, why) in cases {
        let raw = format!("POST / HTTP/1.1\r\nHost: x\r\n{headers}\r\n{body}");
        let answer = answer_then_eof(&emu, raw.as_bytes()).await;
        assert!(
            answer.starts_with("HTTP/1.1 400 Bad Request\r\n"),
            "{headers:?}: {answer}"
        );
        assert!(answer.contains("\r\nConnection: close\r\n"), "{answer}");
        assert!(
            answer.ends_with(&format!("{why}\n")) || answer.contains(why),
            "{answer}"
        );
        assert!(answer.len() < 512, "a small answer: {answer}");
    }
    // TE chunked twice is a coding list other than a lone `chunked` too.
    let raw = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    assert!(
        answer_then_eof(&emu, raw.as_bytes())
            .await
            .starts_with("HTTP/1.1 400 ")
    );
    // A body over 8 MiB: 413, closed.
    let raw = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 8388609\r\n\r\n";
    let answer = answer_then_eof(&emu, raw.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 413 "), "{answer}");
    assert_eq!(emu.request_count(), 0, "refused framing is not recorded");

    // Equal repeated lengths are one length: the request is read and reaches authentication
    // (an Alibaba JSON error, not a framing refusal), and the connection stays open.
    let mut conn = Conn::open(&emu).await;
    let r = conn
        .send(
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\nContent-Length: 5\r\n\r\nhello",
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["Code"], "IncompleteSignature");
    let r = conn
        .send(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n")
        .await;
    assert_eq!(r.json()["Code"], "IncompleteSignature");
    assert_eq!(emu.request_count(), 2);
}

#[tokio::test]
async fn a_slow_head_a_slow_body_and_an_idle_connection_are_closed_after_the_read_timeout() {
    let emu = Emulator::builder()
        .request_read_timeout(Duration::from_millis(400))
        .start()
        .await
        .unwrap();
    // Part of a head, then nothing.
    let started = Instant::now();
    let answer = answer_then_eof(&emu, b"GET /v3/projects HTTP/1.1\r\nHost: x\r\n").await;
    assert_eq!(answer, "", "closed without an answer");
    assert!(
        started.elapsed() >= Duration::from_millis(350),
        "{:?}",
        started.elapsed()
    );

    // A head trickled a byte every 50 ms: the limit is for the whole head, not each read.
    let mut conn = Conn::open(&emu).await;
    let started = Instant::now();
    let mut closed = false;
    for byte in b"GET /v3/projects HTTP/1.1\r\nHost: x\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
        if conn.stream.write_all(&[*byte]).await.is_err() {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut rest = Vec::new();
    let eof =
        tokio::time::timeout(Duration::from_secs(5), conn.stream.read_to_end(&mut rest)).await;
    assert!(closed || matches!(eof, Ok(Ok(0)) | Ok(Err(_))), "{eof:?}");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );

    // A complete head, half a body.
    let answer = answer_then_eof(
        &emu,
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly-this",
    )
    .await;
    assert_eq!(answer, "");

    // Idle after an answer: closed too.
    let mut conn = Conn::open(&emu).await;
    let r = conn.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert_eq!(r.status, 400);
    let idle = Instant::now();
    assert_eq!(
        tokio::time::timeout(Duration::from_secs(5), conn.drain_to_eof())
            .await
            .expect("closed"),
        0
    );
    assert!(idle.elapsed() >= Duration::from_millis(350));
    assert_eq!(emu.request_count(), 1, "only the complete request");
}

#[tokio::test]
async fn the_request_log_keeps_the_most_recent_requests_and_counts_all() {
    let emu = Emulator::builder()
        .request_log_capacity(5)
        .start()
        .await
        .unwrap();
    let mut conn = Conn::open(&emu).await;
    for i in 0..12 {
        let r = conn
            .send(format!("GET /?n={i} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
            .await;
        assert_eq!(r.status, 400);
    }
    assert_eq!(emu.request_count(), 12);
    let kept = emu.requests();
    let indexes: Vec<usize> = kept.iter().map(|r| r.index).collect();
    assert_eq!(indexes, [7, 8, 9, 10, 11]);
    assert_eq!(kept[4].raw_query, "n=11");

    // The default capacity.
    let emu = Emulator::start().await.unwrap();
    let mut conn = Conn::open(&emu).await;
    let extra = 5;
    let mut pipelined = Vec::new();
    for i in 0..cloudsdk_emulator::DEFAULT_REQUEST_LOG_CAPACITY + extra {
        pipelined.extend(format!("GET /?n={i} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes());
    }
    conn.stream.write_all(&pipelined).await.unwrap();
    for _ in 0..cloudsdk_emulator::DEFAULT_REQUEST_LOG_CAPACITY + extra {
        conn.response().await;
    }
    assert_eq!(
        emu.request_count(),
        cloudsdk_emulator::DEFAULT_REQUEST_LOG_CAPACITY + extra
    );
    let kept = emu.requests();
    assert_eq!(kept.len(), cloudsdk_emulator::DEFAULT_REQUEST_LOG_CAPACITY);
    assert_eq!(kept[0].index, extra);
}

#[tokio::test]
async fn a_nonce_is_refused_within_the_replay_window_and_forgotten_after_it() {
    let emu = Emulator::builder()
        .max_clock_skew(Duration::from_secs(1))
        .start()
        .await
        .unwrap();
    let mut conn = Conn::open(&emu).await;
    let call = async |conn: &mut Conn| {
        let q = aliyun_v2_query(&emu, "POST", "the-same-nonce", now());
        conn.send(format!("POST /?{q} HTTP/1.1\r\nHost: {}\r\n\r\n", emu.host()).as_bytes())
            .await
    };
    let first = call(&mut conn).await;
    assert_eq!(
        first.status,
        200,
        "{}",
        String::from_utf8_lossy(&first.body)
    );
    let again = call(&mut conn).await;
    assert_eq!(again.status, 400);
    assert_eq!(again.json()["Code"], "SignatureNonceUsed");
    // Twice the clock-skew limit later, a request signed now with that nonce is accepted: a
    // replay of the first one would fail the timestamp check instead.
    tokio::time::sleep(Duration::from_millis(2_600)).await;
    let later = call(&mut conn).await;
    assert_eq!(
        later.status,
        200,
        "{}",
        String::from_utf8_lossy(&later.body)
    );
}
