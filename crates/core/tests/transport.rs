//! What the orchestrator makes of what an `HttpClient` returns, frame by frame: a body in
//! several frames, the body cap at its exact boundary (declared and streamed), a body that
//! breaks off with a timeout or an error, and each transport error kind. A hand-written
//! `HttpClient` in memory (the replay client answers in one frame).

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use cloudsdk_core::Credentials;
use cloudsdk_core::error::{ErrorMetadata, OperationError, SdkError, TimeoutKind};
use cloudsdk_core::http::{
    HttpClient, HttpError, HttpFuture, HttpRequest, ResponseBody, SharedHttpClient,
};
use cloudsdk_core::huawei::{HuaweiClient, RestRequest, ServiceInfo};
use http_body::Frame;
use http_body_util::BodyExt;

static VPC: ServiceInfo = ServiceInfo {
    endpoint_template: "https://vpc.{region}.myhuaweicloud.com",
    crate_name: "huawei-vpc-v3",
    crate_version: "0.0.1",
};

#[derive(Debug)]
struct NoError(ErrorMetadata);

impl std::fmt::Display for NoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for NoError {}

impl OperationError for NoError {
    fn from_metadata(meta: ErrorMetadata) -> Self {
        NoError(meta)
    }
    fn meta(&self) -> &ErrorMetadata {
        &self.0
    }
}

/// A body frame: its text, or the error the body breaks off with.
type Part = Result<&'static str, fn() -> HttpError>;

/// One scripted outcome of `send`.
#[derive(Clone)]
enum Answer {
    /// 200 with these frames (`Err` = the body breaks off with this error kind).
    Frames {
        content_length: Option<usize>,
        frames: Vec<Part>,
    },
    /// `send` itself fails.
    Fails(fn() -> HttpError),
}

#[derive(Clone)]
struct Scripted(Arc<Mutex<VecDeque<Answer>>>);

impl std::fmt::Debug for Scripted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Scripted")
    }
}

/// A body that yields its frames one by one.
struct Frames(VecDeque<Part>);

impl http_body::Body for Frames {
    type Data = Bytes;
    type Error = HttpError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, HttpError>>> {
        Poll::Ready(self.0.pop_front().map(|f| match f {
            Ok(text) => Ok(Frame::data(Bytes::from_static(text.as_bytes()))),
            Err(make) => Err(make()),
        }))
    }
}

impl HttpClient for Scripted {
    fn send(&self, _request: HttpRequest) -> HttpFuture<'_> {
        let answer = self
            .0
            .lock()
            .unwrap()
            .pop_front()
            .expect("a scripted answer");
        Box::pin(async move {
            match answer {
                Answer::Fails(make) => Err(make()),
                Answer::Frames {
                    content_length,
                    frames,
                } => {
                    let body: ResponseBody = Frames(frames.into()).boxed_unsync();
                    let mut response = http::Response::new(body);
                    if let Some(n) = content_length {
                        response
                            .headers_mut()
                            .insert("content-length", n.to_string().parse().unwrap());
                    }
                    Ok(response)
                }
            }
        })
    }
}

fn client(answers: Vec<Answer>, cap: usize) -> HuaweiClient {
    HuaweiClient::builder(&VPC)
        .region("cn-north-4")
        .project_id("p1")
        .credentials(Credentials::new("AK", "SK"))
        .max_attempts(1)
        .max_response_bytes(cap)
        .attempt_timeout(Duration::from_secs(30))
        .http_client(SharedHttpClient::new(Scripted(Arc::new(Mutex::new(
            answers.into(),
        )))))
        .build()
        .unwrap()
}

async fn call(answers: Vec<Answer>, cap: usize) -> Result<serde_json::Value, SdkError<NoError>> {
    let request = RestRequest::new("ShowSecurityGroup", "GET")
        .literal("/v3/")
        .project_id()
        .literal("/vpc/security-groups/sg-1");
    client(answers, cap)
        .send::<serde_json::Value, NoError>(request)
        .await
}

fn frames(content_length: Option<usize>, parts: &[&'static str]) -> Answer {
    Answer::Frames {
        content_length,
        frames: parts.iter().map(|p| Ok(*p)).collect(),
    }
}

/// `{"a":"xxxxxxxx"}`: 16 bytes.
const SIXTEEN: [&str; 3] = [r#"{"a":"#, r#""xxxxxxxx"#, r#""}"#];

#[tokio::test]
async fn a_body_in_several_frames_is_gathered_whole() {
    let v = call(vec![frames(None, &SIXTEEN)], 1024).await.unwrap();
    assert_eq!(v, serde_json::json!({"a": "xxxxxxxx"}));
}

/// A body in one frame reaches the caller as the transport gave it, not copied: an undecodable
/// 2xx body (no token to redact) comes back in the error as the very bytes the frame held.
#[tokio::test]
async fn a_body_in_one_frame_is_kept_without_a_copy() {
    const PAGE: &str = "<html>gateway page</html>";
    match call(vec![frames(None, &[PAGE])], 1024).await.unwrap_err() {
        SdkError::Response(r) => {
            assert_eq!(r.raw().body(), PAGE.as_bytes());
            assert_eq!(
                r.raw().body().as_ptr(),
                PAGE.as_ptr(),
                "the body was copied"
            );
        }
        other => panic!("{other:?}"),
    }
    // Two frames are gathered into a buffer of their own.
    match call(vec![frames(None, &[PAGE, PAGE])], 1024)
        .await
        .unwrap_err()
    {
        SdkError::Response(r) => assert_eq!(r.raw().body(), PAGE.repeat(2).as_bytes()),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_cap_admits_a_body_of_exactly_its_size_declared_or_streamed() {
    let v = call(vec![frames(Some(16), &SIXTEEN)], 16).await.unwrap();
    assert_eq!(v["a"], "xxxxxxxx");
    let v = call(vec![frames(None, &SIXTEEN)], 16).await.unwrap();
    assert_eq!(v["a"], "xxxxxxxx");
}

#[tokio::test]
async fn one_byte_over_the_cap_is_refused_with_the_capped_bytes() {
    // Declared: refused before reading.
    let err = call(vec![frames(Some(16), &SIXTEEN)], 15)
        .await
        .unwrap_err();
    match &err {
        SdkError::Response(r) => assert!(r.to_string().contains("limit of 15 bytes"), "{r}"),
        other => panic!("{other:?}"),
    }
    // Streamed: the body holds exactly the cap's worth.
    let err = call(vec![frames(None, &SIXTEEN)], 15).await.unwrap_err();
    match &err {
        SdkError::Response(r) => {
            assert!(r.to_string().contains("limit of 15 bytes"), "{r}");
            assert_eq!(r.raw().body(), &br#"{"a":"xxxxxxxx""#[..]);
        }
        other => panic!("{other:?}"),
    }
    // The cap falls inside a frame: that frame is cut at the cap.
    match call(vec![frames(None, &SIXTEEN)], 13).await.unwrap_err() {
        SdkError::Response(r) => assert_eq!(r.raw().body(), &br#"{"a":"xxxxxxx"#[..]),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_body_that_times_out_is_a_timeout_and_one_that_breaks_is_a_truncated_response() {
    let timed_out = Answer::Frames {
        content_length: None,
        frames: vec![Ok(r#"{"a":"#), Err(|| HttpError::timeout("read timed out"))],
    };
    match call(vec![timed_out], 1024).await.unwrap_err() {
        SdkError::Timeout(t) => assert_eq!(t.kind(), TimeoutKind::Attempt),
        other => panic!("{other:?}"),
    }
    let broken = Answer::Frames {
        content_length: None,
        frames: vec![Ok(r#"{"a":"#), Err(|| HttpError::body("connection reset"))],
    };
    match call(vec![broken], 1024).await.unwrap_err() {
        SdkError::Response(r) => {
            let text = r.to_string();
            assert!(text.contains("truncated body"), "{text}");
            assert!(text.contains("connection reset"), "{text}");
            assert_eq!(r.raw().body(), br#"{"a":"#);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn each_transport_error_kind_maps_to_its_error() {
    // The client's own timeout: an attempt timeout (its limit unknown, the time taken given).
    match call(vec![Answer::Fails(|| HttpError::timeout("deadline"))], 1024)
        .await
        .unwrap_err()
    {
        SdkError::Timeout(t) => assert_eq!(t.kind(), TimeoutKind::Attempt),
        other => panic!("{other:?}"),
    }
    // A connect timeout reports the connect limit.
    let connect = || HttpError::connect_timeout(Some(Duration::from_secs(3)), "connect");
    match call(vec![Answer::Fails(connect)], 1024).await.unwrap_err() {
        SdkError::Timeout(t) => {
            assert_eq!(t.kind(), TimeoutKind::Connect);
            assert_eq!(t.limit(), Duration::from_secs(3));
        }
        other => panic!("{other:?}"),
    }
    for (make, what) in [
        (
            (|| HttpError::connect("refused")) as fn() -> HttpError,
            "could not connect",
        ),
        (
            || HttpError::body("reset"),
            "failed to read the response body",
        ),
        (
            || HttpError::other("broken pipe"),
            "failed to send the request",
        ),
    ] {
        match call(vec![Answer::Fails(make)], 1024).await.unwrap_err() {
            SdkError::Dispatch(d) => assert!(d.to_string().contains(what), "{d}"),
            other => panic!("{what}: {other:?}"),
        }
    }
}
