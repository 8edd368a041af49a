//! The verifying server itself, driven by hand-written HTTP: it must accept what the signers
//! produce and refuse what a real gateway refuses (tampering, wrong keys, stale dates, replayed
//! nonces, missing signatures), and speak enough HTTP/1.1 (keep-alive, chunked bodies,
//! `Connection: close`).

use cloudsdk_conformance::{Keys, Reply, Scheme, Verdict, VerifyingServer};
use cloudsdk_core::sign::{aliyun_v2, aliyun_v3, huawei};
use time::OffsetDateTime;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const AK: &str = "AKID";
const SK: &str = "SECRET";

/// A response read off the wire.
#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// A bare HTTP/1.1 connection.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    async fn open(server: &VerifyingServer) -> Conn {
        Conn {
            stream: TcpStream::connect(server.addr()).await.unwrap(),
            buf: Vec::new(),
        }
    }

    async fn send(&mut self, raw: &[u8]) -> Response {
        self.stream.write_all(raw).await.unwrap();
        self.read_response().await
    }

    async fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 4096];
        let n = self.stream.read(&mut chunk).await.unwrap();
        self.buf.extend_from_slice(&chunk[..n]);
        n > 0
    }

    async fn read_response(&mut self) -> Response {
        let end = loop {
            if let Some(p) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break p;
            }
            assert!(self.fill().await, "connection closed before a response");
        };
        let head = String::from_utf8(self.buf[..end].to_vec()).unwrap();
        self.buf.drain(..end + 4);
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let headers: Vec<(String, String)> = lines
            .map(|l| {
                let (k, v) = l.split_once(':').unwrap();
                (k.trim().to_owned(), v.trim().to_owned())
            })
            .collect();
        let len: usize = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .map(|(_, v)| v.parse().unwrap())
            .expect("the server always sends Content-Length");
        while self.buf.len() < len {
            assert!(self.fill().await, "connection closed inside a body");
        }
        let body = String::from_utf8(self.buf.drain(..len).collect()).unwrap();
        Response {
            status,
            headers,
            body,
        }
    }

    /// True when the server closed the connection.
    async fn is_closed(&mut self) -> bool {
        !self.fill().await
    }
}

fn request(method: &str, target: &str, headers: &[(String, String)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("{method} {target} HTTP/1.1\r\n");
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() {
        out.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    out.push_str("\r\n");
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

// ---------------------------------------------------------------------------------------------
// Huawei
// ---------------------------------------------------------------------------------------------

/// Headers of a request signed like the SDK does, at time `at`.
fn huawei_headers(
    host: &str,
    path: &str,
    query: &[(&str, &str)],
    secret: &str,
    at: OffsetDateTime,
) -> (String, Vec<(String, String)>) {
    let date = huawei::format_sdk_date(at);
    let base = [
        ("Content-Type", "application/json"),
        ("Host", host),
        ("X-Sdk-Date", date.as_str()),
    ];
    let signed = huawei::sign(
        &huawei::SigningInput {
            method: "GET",
            host,
            path,
            query,
            headers: &base,
            body: b"",
        },
        AK,
        secret,
    )
    .unwrap();
    let mut headers: Vec<(String, String)> = base
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    headers.push(("Authorization".into(), signed.authorization));
    (signed.canonical_query, headers)
}

fn target(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}

#[tokio::test]
async fn huawei_accepts_a_signed_request_and_refuses_tampering_wrong_keys_and_stale_dates() {
    let server = VerifyingServer::huawei(Keys::new(AK, SK))
        .reply(Reply::json(200, r#"{"ok":true}"#))
        .start()
        .await;
    let host = server.host();
    let path = "/v3/p1/vpc/security-groups";
    let query = [("limit", "10"), ("name", "a b")];
    let now = OffsetDateTime::now_utc();
    let mut conn = Conn::open(&server).await;

    // Valid (query sent in another order than signed: the gateway canonicalizes).
    let (_, headers) = huawei_headers(&host, path, &query, SK, now);
    let ok = conn
        .send(&request(
            "GET",
            &target(path, "name=a%20b&limit=10"),
            &headers,
            b"",
        ))
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body, r#"{"ok":true}"#);
    let rid = ok
        .header("X-Request-Id")
        .expect("request id header")
        .to_owned();
    assert_eq!(rid.len(), 32);

    // Same signature, other path.
    let (q, headers) = huawei_headers(&host, path, &query, SK, now);
    let tampered = conn
        .send(&request(
            "GET",
            &target("/v3/p2/vpc/security-groups", &q),
            &headers,
            b"",
        ))
        .await;
    // Same signature, other query value.
    let changed_query = conn
        .send(&request(
            "GET",
            &target(path, "limit=11&name=a%20b"),
            &headers,
            b"",
        ))
        .await;
    // Wrong secret.
    let (q, headers) = huawei_headers(&host, path, &query, "other", now);
    let wrong_secret = conn
        .send(&request("GET", &target(path, &q), &headers, b""))
        .await;
    // Signed 20 minutes ago.
    let (q, headers) = huawei_headers(&host, path, &query, SK, now - time::Duration::minutes(20));
    let stale = conn
        .send(&request("GET", &target(path, &q), &headers, b""))
        .await;
    // No Authorization at all.
    let anonymous = conn
        .send(&request("GET", path, &[("Host".into(), host.clone())], b""))
        .await;

    for (what, r) in [
        ("tampered path", &tampered),
        ("changed query", &changed_query),
        ("wrong secret", &wrong_secret),
        ("stale date", &stale),
        ("anonymous", &anonymous),
    ] {
        assert_eq!(r.status, 401, "{what}: {}", r.body);
        let body = r.json();
        assert_eq!(body["error_code"], "APIGW.0301", "{what}");
        assert!(
            body["error_msg"]
                .as_str()
                .unwrap()
                .starts_with("Incorrect IAM authentication information"),
            "{what}: {body}"
        );
        assert_eq!(
            body["request_id"].as_str(),
            r.header("X-Request-Id"),
            "{what}"
        );
    }
    assert!(stale.body.contains("expired"), "{}", stale.body);

    let recorded = server.requests();
    assert_eq!(recorded.len(), 6);
    assert!(recorded.iter().all(|r| r.connection == 0), "keep-alive");
    assert_eq!(server.connection_count(), 1);
    assert_eq!(recorded[0].request_id, rid);
    assert_eq!(
        recorded[0].verdict,
        Verdict::Accepted {
            scheme: Scheme::HuaweiSdkHmacSha256,
            signed_headers: vec!["content-type".into(), "host".into(), "x-sdk-date".into()],
        }
    );
    assert_eq!(
        recorded[0].query_pairs(),
        [
            ("name".to_owned(), "a b".to_owned()),
            ("limit".into(), "10".into())
        ]
    );
    assert!(
        recorded[1..]
            .iter()
            .all(|r| r.verdict.rejection_code() == Some("APIGW.0301"))
    );
    assert!(recorded[1..].iter().all(|r| r.status == 401));
}

#[tokio::test]
async fn huawei_unrouted_requests_get_the_gateway_404_and_connection_close_is_honoured() {
    let server = VerifyingServer::huawei(Keys::new(AK, SK)).start().await;
    let host = server.host();
    let (_, mut headers) = huawei_headers(&host, "/nowhere", &[], SK, OffsetDateTime::now_utc());
    headers.push(("Connection".into(), "close".into()));
    let mut conn = Conn::open(&server).await;
    let r = conn.send(&request("GET", "/nowhere", &headers, b"")).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error_code"], "APIGW.0101");
    assert_eq!(r.header("Connection"), Some("close"));
    assert!(conn.is_closed().await);
    assert!(server.single_request().verdict.is_accepted());
}

// ---------------------------------------------------------------------------------------------
// Alibaba
// ---------------------------------------------------------------------------------------------

fn v3_headers(
    host: &str,
    query: &[(&str, &str)],
    nonce: &str,
    secret: &str,
    body: &[u8],
) -> Vec<(String, String)> {
    let date = aliyun_v3::format_timestamp(OffsetDateTime::now_utc());
    let hash = cloudsdk_core::sign::sha256_hex(body);
    let base = [
        ("host", host),
        ("x-acs-action", "DescribeSecurityGroupReferences"),
        ("x-acs-version", "2014-05-26"),
        ("x-acs-date", date.as_str()),
        ("x-acs-signature-nonce", nonce),
        ("x-acs-content-sha256", hash.as_str()),
    ];
    let signed = aliyun_v3::sign(
        &aliyun_v3::SigningInput {
            method: "POST",
            path: "/",
            query,
            headers: &base,
            body,
        },
        AK,
        secret,
    );
    let mut headers: Vec<(String, String)> = base
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    headers.push(("authorization".into(), signed.authorization));
    headers
}

#[tokio::test]
async fn aliyun_v3_refuses_replayed_nonces_unknown_keys_and_body_hash_mismatch() {
    let server = VerifyingServer::aliyun(Keys::new(AK, SK))
        .reply(Reply::json(200, r#"{"RequestId":"x"}"#))
        .start()
        .await;
    let host = server.host();
    let query = [("RegionId", "cn-hangzhou"), ("SecurityGroupId.1", "sg-1")];
    let wire_query = "RegionId=cn-hangzhou&SecurityGroupId.1=sg-1";
    let mut conn = Conn::open(&server).await;

    let headers = v3_headers(&host, &query, "nonce-1", SK, b"");
    let first = conn
        .send(&request("POST", &format!("/?{wire_query}"), &headers, b""))
        .await;
    assert_eq!(first.status, 200, "{}", first.body);
    let replay = conn
        .send(&request("POST", &format!("/?{wire_query}"), &headers, b""))
        .await;
    assert_eq!(replay.status, 400);
    assert_eq!(replay.json()["Code"], "SignatureNonceUsed");

    let mut unknown = v3_headers(&host, &query, "nonce-2", SK, b"");
    let auth = unknown
        .iter_mut()
        .find(|(k, _)| k == "authorization")
        .unwrap();
    auth.1 = auth
        .1
        .replace(&format!("Credential={AK},"), "Credential=nobody,");
    let unknown = conn
        .send(&request("POST", &format!("/?{wire_query}"), &unknown, b""))
        .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.json()["Code"], "InvalidAccessKeyId.NotFound");

    // Signed for an empty body, sent with one.
    let headers = v3_headers(&host, &query, "nonce-3", SK, b"");
    let body_changed = conn
        .send(&request(
            "POST",
            &format!("/?{wire_query}"),
            &headers,
            b"x=1",
        ))
        .await;
    assert_eq!(body_changed.status, 400);
    assert_eq!(body_changed.json()["Code"], "SignatureDoesNotMatch");

    // A signed body verifies.
    let headers = v3_headers(&host, &query, "nonce-4", SK, b"x=1");
    let with_body = conn
        .send(&request(
            "POST",
            &format!("/?{wire_query}"),
            &headers,
            b"x=1",
        ))
        .await;
    assert_eq!(with_body.status, 200, "{}", with_body.body);

    // An unsigned x-acs-* header is refused.
    let mut headers = v3_headers(&host, &query, "nonce-5", SK, b"");
    headers.push(("x-acs-extra".into(), "1".into()));
    let extra = conn
        .send(&request("POST", &format!("/?{wire_query}"), &headers, b""))
        .await;
    assert_eq!(extra.status, 400);
    assert_eq!(extra.json()["Code"], "IncompleteSignature");

    let rids: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.request_id.clone())
        .collect();
    assert_eq!(rids[0], first.header("x-acs-request-id").unwrap());
    assert_eq!(replay.json()["RequestId"].as_str(), Some(rids[1].as_str()));
    assert_eq!(replay.json()["HostId"].as_str(), Some(host.as_str()));
}

fn v2_query(params: &[(&str, &str)], nonce: &str, secret: &str) -> String {
    let timestamp = aliyun_v2::format_timestamp(OffsetDateTime::now_utc());
    let mut all: Vec<(&str, &str)> = params.to_vec();
    all.extend([
        ("Action", "DescribeSecurityGroupReferences"),
        ("Version", "2014-05-26"),
        ("Format", "XML"),
        ("AccessKeyId", AK),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("SignatureNonce", nonce),
        ("Timestamp", timestamp.as_str()),
    ]);
    aliyun_v2::sign("POST", &all, secret).signed_query
}

#[tokio::test]
async fn aliyun_v2_verifies_query_and_form_parameters_and_answers_errors_in_the_requested_format() {
    let server = VerifyingServer::aliyun(Keys::new(AK, SK))
        .reply(Reply::xml(200, "<R><RequestId>x</RequestId></R>"))
        .start()
        .await;
    let host = server.host();
    let host_header = [("Host".to_owned(), host.clone())];
    let mut conn = Conn::open(&server).await;

    let first = v2_query(&[("RegionId", "cn-hangzhou")], "nonce-1", SK);
    let ok = conn
        .send(&request("POST", &format!("/?{first}"), &host_header, b""))
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);

    // Parameters in a form body, sent chunked.
    let q = v2_query(&[("RegionId", "cn-hangzhou")], "nonce-2", SK);
    let mut headers = host_header.to_vec();
    headers.push((
        "Content-Type".into(),
        "application/x-www-form-urlencoded".into(),
    ));
    headers.push(("Transfer-Encoding".into(), "chunked".into()));
    let mut raw = request("POST", "/", &headers, b"");
    let (a, b) = q.split_at(q.len() / 2);
    raw.extend_from_slice(
        format!("{:x}\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\n\r\n", a.len(), b.len()).as_bytes(),
    );
    let form = conn.send(&raw).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert_eq!(server.requests()[1].body, q.as_bytes(), "de-chunked body");

    // A replay of the first request (its nonce was used); the error is XML, as asked.
    let replay = conn
        .send(&request("POST", &format!("/?{first}"), &host_header, b""))
        .await;
    assert_eq!(replay.status, 400);
    assert!(
        replay.body.contains("<Code>SignatureNonceUsed</Code>"),
        "{}",
        replay.body
    );

    // A tampered parameter: XML error (Format=XML) with the server's string to sign.
    let q = v2_query(&[("RegionId", "cn-hangzhou")], "nonce-3", SK)
        .replace("cn-hangzhou", "cn-beijing");
    let tampered = conn
        .send(&request("POST", &format!("/?{q}"), &host_header, b""))
        .await;
    assert_eq!(tampered.status, 400);
    assert!(tampered.header("Content-Type").unwrap().contains("xml"));
    assert!(
        tampered.body.contains("<Code>SignatureDoesNotMatch</Code>"),
        "{}",
        tampered.body
    );
    assert!(
        tampered
            .body
            .contains("server string to sign is:POST&amp;%2F&amp;"),
        "{}",
        tampered.body
    );

    // Nothing signed at all.
    let bare = conn
        .send(&request(
            "POST",
            "/?Action=DescribeSecurityGroupReferences",
            &host_header,
            b"",
        ))
        .await;
    assert_eq!(bare.status, 400);
    assert_eq!(bare.json()["Code"], "IncompleteSignature");

    let verdicts: Vec<Option<&str>> = server
        .requests()
        .iter()
        .map(|r| r.verdict.rejection_code())
        .collect();
    assert_eq!(
        verdicts,
        [
            None,
            None,
            Some("SignatureNonceUsed"),
            Some("SignatureDoesNotMatch"),
            Some("IncompleteSignature")
        ]
    );
    assert_eq!(
        server.requests()[1].verdict.scheme(),
        Some(Scheme::AliyunV2)
    );
}
