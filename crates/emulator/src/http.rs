//! A small hand-written HTTP/1.1 server side: request parsing and response writing.
//!
//! Hand-written on purpose: faults ([`crate::Fault`]) operate at the byte level (a declared
//! `Content-Length` with fewer bytes sent, a connection closed before any byte, a body streamed
//! in chunks that is never held in memory whole).
//!
//! Supported: HTTP/1.1 and HTTP/1.0, keep-alive (HTTP/1.0 only with `Connection: keep-alive`),
//! `Connection: close`, `Content-Length` and chunked request bodies (trailers ignored),
//! `Expect: 100-continue`, pipelined requests answered in order. Responses always carry
//! `Content-Length` (or `Transfer-Encoding: chunked` for a streamed oversized body).
//! Message framing follows RFC 9112 §6: a request with both `Content-Length` and
//! `Transfer-Encoding`, with `Content-Length`s that disagree, or with a transfer coding other
//! than a lone `chunked` is answered `400` and the connection closed; so is a body over 8 MiB
//! (`413`). Other malformed requests (bad request line, header line, `Content-Length` value or
//! chunk size, a head over 64 KiB) close the connection without an answer.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Largest request head (request line + headers) the server reads.
pub(crate) const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Largest request body the server reads.
pub(crate) const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// A parsed request.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub method: String,
    pub path: String,
    pub raw_query: String,
    /// Lower-cased names, trimmed values, wire order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub keep_alive: bool,
    /// `HTTP/1.0` or `HTTP/1.1`.
    pub version: String,
}

impl Request {
    /// The first value of header `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn invalid(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned())
}

/// Why no request could be read off a connection. Either way the connection is closed.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The connection failed, the peer left mid-request, or the bytes are not HTTP: close
    /// without an answer.
    Close(std::io::Error),
    /// A request whose message framing the server refuses (RFC 9112 §6.1, §6.3): answer
    /// `status` with `reason` as a short text body, then close.
    Refuse {
        /// `400` (framing) or `413` (body over [`MAX_BODY_BYTES`]).
        status: u16,
        /// One line for the body.
        reason: &'static str,
    },
}

impl From<std::io::Error> for ReadError {
    fn from(e: std::io::Error) -> Self {
        ReadError::Close(e)
    }
}

fn refuse(status: u16, reason: &'static str) -> ReadError {
    ReadError::Refuse { status, reason }
}

/// Reads more bytes into `buf`; false at end of stream.
async fn fill<S: AsyncRead + Unpin>(stream: &mut S, buf: &mut Vec<u8>) -> std::io::Result<bool> {
    let mut chunk = [0u8; 8192];
    let n = stream.read(&mut chunk).await?;
    buf.extend_from_slice(&chunk[..n]);
    Ok(n > 0)
}

pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The request line and headers of a request.
struct Head {
    method: String,
    path: String,
    raw_query: String,
    headers: Vec<(String, String)>,
    version: String,
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of header `name`, each split at commas (a list-valued field).
    fn list(&self, name: &str) -> Vec<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .flat_map(|(_, v)| v.split(','))
            .map(|item| item.trim().to_ascii_lowercase())
            .collect()
    }

    fn keep_alive(&self) -> bool {
        let connection = self
            .header("connection")
            .unwrap_or_default()
            .to_ascii_lowercase();
        if self.version == "HTTP/1.0" {
            connection.contains("keep-alive")
        } else {
            !connection.contains("close")
        }
    }
}

/// How the body of a request is delimited (RFC 9112 §6.3).
#[derive(Debug, PartialEq, Eq)]
enum Framing {
    Length(usize),
    Chunked,
}

/// The framing of a request from its headers. Refused (400): `Transfer-Encoding` together with
/// `Content-Length`, any transfer coding but a lone `chunked`, and `Content-Length`s that
/// disagree (repeated fields or a list such as `5, 6`; equal repeats are accepted). A
/// `Content-Length` that is not a number is garbage (closed without an answer).
fn framing(head: &Head) -> Result<Framing, ReadError> {
    let codings = head.list("transfer-encoding");
    let lengths = head.list("content-length");
    if !codings.is_empty() {
        if !lengths.is_empty() {
            return Err(refuse(
                400,
                "Content-Length together with Transfer-Encoding",
            ));
        }
        if codings != ["chunked"] {
            return Err(refuse(400, "unsupported transfer coding (only chunked is)"));
        }
        return Ok(Framing::Chunked);
    }
    let mut value: Option<usize> = None;
    for item in &lengths {
        if item.is_empty() || !item.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ReadError::Close(invalid("bad Content-Length")));
        }
        let n: usize = item
            .parse()
            .map_err(|_| ReadError::Close(invalid("bad Content-Length")))?;
        if value.is_some_and(|v| v != n) {
            return Err(refuse(400, "conflicting Content-Length values"));
        }
        value = Some(n);
    }
    Ok(Framing::Length(value.unwrap_or(0)))
}

/// Reads up to the end of a request head; `None` when the peer closed the connection before
/// sending anything. Empty lines before a request line are skipped (RFC 9112 §2.2).
async fn read_head<S: AsyncRead + Unpin>(
    stream: &mut S,
    buf: &mut Vec<u8>,
) -> Result<Option<String>, ReadError> {
    let head_end = loop {
        while buf.starts_with(b"\r\n") {
            buf.drain(..2);
        }
        if let Some(pos) = find(buf, b"\r\n\r\n") {
            break pos;
        }
        if buf.len() > MAX_HEAD_BYTES {
            return Err(invalid("request head too large").into());
        }
        if !fill(stream, buf).await? {
            return if buf.is_empty() {
                Ok(None)
            } else {
                Err(invalid("connection closed inside a request head").into())
            };
        }
    };
    if head_end > MAX_HEAD_BYTES {
        return Err(invalid("request head too large").into());
    }
    let head = std::str::from_utf8(&buf[..head_end])
        .map_err(|_| invalid("request head is not UTF-8"))?
        .to_owned();
    buf.drain(..head_end + 4);
    Ok(Some(head))
}

/// The path and query of an absolute-form `http://authority/path?query` target (`/` for a
/// bare `http://authority`).
fn absolute_form_path(target: &str) -> Option<&str> {
    let rest = target
        .strip_prefix("http://")
        .or_else(|| target.strip_prefix("HTTP://"))?;
    match rest.find(['/', '?']) {
        Some(i) if rest[i..].starts_with('/') => Some(&rest[i..]),
        // `http://host?query`: not supported (refused as malformed).
        Some(_) => None,
        None => Some("/"),
    }
}

/// The request line and header fields of `head` (without the final empty line).
fn parse_head(head: &str) -> std::io::Result<Head> {
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid("malformed request line"));
    };
    // The absolute form (`GET http://host/path HTTP/1.1`, RFC 9112 §3.2.2) is what a client
    // sends to a proxy: answered like the origin form, so that a program whose `HTTP_PROXY`
    // points at the emulator reaches it (the vendors' libraries hard-code the metadata hosts).
    let target = absolute_form_path(target).unwrap_or(target);
    if method.is_empty() || !target.starts_with('/') || !version.starts_with("HTTP/1.") {
        return Err(invalid("malformed request line"));
    }
    let (path, raw_query) = target.split_once('?').unwrap_or((target, ""));
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| invalid("malformed header line"))?;
        if name.is_empty() || name.ends_with(' ') || name.ends_with('\t') {
            return Err(invalid("malformed header line"));
        }
        headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
    }
    Ok(Head {
        method: method.to_owned(),
        path: path.to_owned(),
        raw_query: raw_query.to_owned(),
        headers,
        version: version.to_owned(),
    })
}

/// A request whose head has been read, and whose body has not been yet.
#[derive(Debug)]
pub(crate) struct Pending {
    /// The request, with an empty body.
    pub request: Request,
    framing: Framing,
}

impl Pending {
    /// Reads the body: into [`Request::body`] when `keep`, else read and dropped in pieces
    /// (never held whole).
    pub async fn read_body<S: AsyncRead + Unpin>(
        mut self,
        stream: &mut S,
        buf: &mut Vec<u8>,
        keep: bool,
    ) -> Result<Request, ReadError> {
        let body = match self.framing {
            Framing::Chunked => read_chunked(stream, buf, keep).await?,
            Framing::Length(len) if keep => read_exact_body(stream, buf, len).await?,
            Framing::Length(len) => {
                skip_body(stream, buf, len).await?;
                Vec::new()
            }
        };
        // A large body must not keep a large buffer alive on an idle keep-alive connection.
        buf.shrink_to(MAX_HEAD_BYTES);
        self.request.body = body;
        Ok(self.request)
    }
}

/// Reads the head of the next request (and answers `Expect: 100-continue`); `None` when the
/// peer closed the connection between requests.
pub(crate) async fn read_request_head<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    buf: &mut Vec<u8>,
) -> Result<Option<Pending>, ReadError> {
    let Some(text) = read_head(stream, buf).await? else {
        return Ok(None);
    };
    let head = parse_head(&text)?;
    let framing = framing(&head)?;
    if matches!(framing, Framing::Length(n) if n > MAX_BODY_BYTES) {
        return Err(refuse(413, "request body over 8 MiB"));
    }
    if head
        .header("expect")
        .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
    {
        stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await?;
    }
    let keep_alive = head.keep_alive();
    let request = Request {
        method: head.method,
        path: head.path,
        raw_query: head.raw_query,
        headers: head.headers,
        body: Vec::new(),
        keep_alive,
        version: head.version,
    };
    Ok(Some(Pending { request, framing }))
}

/// A `Content-Length` body of `len` bytes: what `buf` holds already, then the rest read
/// straight into a buffer of exactly that size.
async fn read_exact_body<S: AsyncRead + Unpin>(
    stream: &mut S,
    buf: &mut Vec<u8>,
    len: usize,
) -> std::io::Result<Vec<u8>> {
    let have = buf.len().min(len);
    // `vec![0; n]` is one zeroed allocation of exactly `n` bytes.
    let mut body = vec![0u8; len];
    body[..have].copy_from_slice(&buf[..have]);
    buf.drain(..have);
    if have < len {
        stream.read_exact(&mut body[have..]).await.map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                invalid("connection closed inside a request body")
            } else {
                e
            }
        })?;
    }
    Ok(body)
}

/// Reads and drops a `Content-Length` body of `len` bytes, 64 KiB at a time.
async fn skip_body<S: AsyncRead + Unpin>(
    stream: &mut S,
    buf: &mut Vec<u8>,
    len: usize,
) -> std::io::Result<()> {
    let have = buf.len().min(len);
    buf.drain(..have);
    let mut left = len - have;
    let mut scratch = vec![0u8; left.min(64 * 1024)];
    while left > 0 {
        let want = left.min(scratch.len());
        let n = stream.read(&mut scratch[..want]).await?;
        if n == 0 {
            return Err(invalid("connection closed inside a request body"));
        }
        left -= n;
    }
    Ok(())
}

/// Reads a chunked body (kept when `keep`), consuming each chunk's data as it arrives.
async fn read_chunked<S: AsyncRead + Unpin>(
    stream: &mut S,
    buf: &mut Vec<u8>,
    keep: bool,
) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    let mut total = 0usize;
    loop {
        let size = read_chunk_size(stream, buf).await?;
        if size == 0 {
            skip_trailers(stream, buf).await?;
            return Ok(body);
        }
        total = total.saturating_add(size);
        if total > MAX_BODY_BYTES {
            return Err(refuse(413, "request body over 8 MiB"));
        }
        let mut left = size;
        while left > 0 {
            if buf.is_empty() && !fill(stream, buf).await? {
                return Err(invalid("connection closed inside a chunk").into());
            }
            let take = left.min(buf.len());
            if keep {
                body.extend_from_slice(&buf[..take]);
            }
            buf.drain(..take);
            left -= take;
        }
        while buf.len() < 2 {
            if !fill(stream, buf).await? {
                return Err(invalid("connection closed inside a chunk").into());
            }
        }
        if &buf[..2] != b"\r\n" {
            return Err(invalid("chunk not terminated by CRLF").into());
        }
        buf.drain(..2);
    }
}

/// Reads a chunk-size line (extensions ignored).
async fn read_chunk_size<S: AsyncRead + Unpin>(
    stream: &mut S,
    buf: &mut Vec<u8>,
) -> std::io::Result<usize> {
    let line_end = loop {
        if let Some(pos) = find(buf, b"\r\n") {
            break pos;
        }
        if buf.len() > 1024 {
            return Err(invalid("chunk size line too long"));
        }
        if !fill(stream, buf).await? {
            return Err(invalid("connection closed inside a chunk size"));
        }
    };
    let size_text = std::str::from_utf8(&buf[..line_end]).map_err(|_| invalid("chunk"))?;
    let size_text = size_text.split(';').next().unwrap_or_default().trim();
    let size = usize::from_str_radix(size_text, 16).map_err(|_| invalid("bad chunk size"))?;
    buf.drain(..line_end + 2);
    Ok(size)
}

/// Reads (and ignores) the trailer section of a chunked body, up to the empty line.
async fn skip_trailers<S: AsyncRead + Unpin>(
    stream: &mut S,
    buf: &mut Vec<u8>,
) -> std::io::Result<()> {
    loop {
        if let Some(pos) = find(buf, b"\r\n") {
            let empty = pos == 0;
            buf.drain(..pos + 2);
            if empty {
                return Ok(());
            }
        } else if buf.len() > MAX_HEAD_BYTES {
            return Err(invalid("trailers too large"));
        } else if !fill(stream, buf).await? {
            return Err(invalid("connection closed inside trailers"));
        }
    }
}

/// The answer to a refused request ([`ReadError::Refuse`]): a short text body and
/// `Connection: close`.
pub(crate) fn refusal(status: u16, reason: &str, date: &str) -> Vec<u8> {
    let body = format!("{} {}: {reason}\n", status, self::reason(status));
    let headers = [
        (
            "Content-Type".to_owned(),
            "text/plain; charset=utf-8".to_owned(),
        ),
        ("Date".to_owned(), date.to_owned()),
    ];
    let extra = [
        format!("Content-Length: {}", body.len()),
        "Connection: close".to_owned(),
    ];
    let mut out = response_head(status, &headers, &extra).into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

/// The head of a response: status line, the given headers, then `extra` lines.
pub(crate) fn response_head(status: u16, headers: &[(String, String)], extra: &[String]) -> String {
    let mut head = format!("HTTP/1.1 {} {}\r\n", status, reason(status));
    for (name, value) in headers {
        // Never let a scripted value split the head.
        let value: String = value.chars().filter(|c| *c != '\r' && *c != '\n').collect();
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    for line in extra {
        head.push_str(line);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    head
}

/// The reason phrase of `status`.
pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

/// Decoded `k=v&k=v` pairs (an empty string gives no pairs). `+` stays `+`; a malformed escape
/// is kept as is.
pub(crate) fn parse_pairs(raw: &str) -> Vec<(String, String)> {
    if raw.is_empty() {
        return Vec::new();
    }
    let decode = |s: &str| {
        cloudsdk_core::sign::encode::percent_decode(s)
            .map(|c| c.into_owned())
            .unwrap_or_else(|_| s.to_owned())
    };
    raw.split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// Writes `len` bytes of a JSON document (`{"padding":"aaaa…"}`, or only `a`s when `len` is
/// too small for that) in pieces of at most 64 KiB, never holding the whole body. `sent` counts
/// the body bytes (not the chunk framing) the stream accepted, also when writing fails midway.
pub(crate) async fn write_padding<S: AsyncWrite + Unpin>(
    stream: &mut S,
    len: u64,
    chunked: bool,
    sent: &mut u64,
) -> std::io::Result<()> {
    const PREFIX: &[u8] = b"{\"padding\":\"";
    const SUFFIX: &[u8] = b"\"}";
    const PIECE: usize = 64 * 1024;
    let framed = len >= (PREFIX.len() + SUFFIX.len()) as u64;
    let suffix_at = len.saturating_sub(SUFFIX.len() as u64);
    let byte_at = |i: u64| -> u8 {
        if framed && i < PREFIX.len() as u64 {
            PREFIX[i as usize]
        } else if framed && i >= suffix_at {
            SUFFIX[(i - suffix_at) as usize]
        } else {
            b'a'
        }
    };
    let mut pos = 0u64;
    let mut piece: Vec<u8> = Vec::with_capacity(PIECE);
    while pos < len {
        piece.clear();
        let end = len.min(pos + PIECE as u64);
        piece.extend((pos..end).map(byte_at));
        pos = end;
        if chunked {
            stream
                .write_all(format!("{:x}\r\n", piece.len()).as_bytes())
                .await?;
            stream.write_all(&piece).await?;
            *sent += piece.len() as u64;
            stream.write_all(b"\r\n").await?;
        } else {
            stream.write_all(&piece).await?;
            *sent += piece.len() as u64;
        }
    }
    if chunked {
        stream.write_all(b"0\r\n\r\n").await?;
    }
    stream.flush().await
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_absolute_form_target_is_served_as_its_path() {
        let head = parse_head(
            "GET http://100.100.100.200/latest/meta-data/x?a=b HTTP/1.1\r\nHost: 100.100.100.200",
        )
        .unwrap();
        assert_eq!(head.path, "/latest/meta-data/x");
        assert_eq!(head.raw_query, "a=b");
        assert_eq!(parse_head("GET http://h:8 HTTP/1.1").unwrap().path, "/");
        assert!(parse_head("GET ftp://h/x HTTP/1.1").is_err());
    }

    use super::*;

    #[tokio::test]
    async fn padding_has_the_exact_length_and_is_json() {
        for len in [0u64, 1, 5, 14, 15, 100, 64 * 1024, 64 * 1024 + 3, 200_001] {
            let mut out: Vec<u8> = Vec::new();
            let mut sent = 0;
            write_padding(&mut out, len, false, &mut sent)
                .await
                .unwrap();
            assert_eq!(out.len() as u64, len, "len {len}");
            assert_eq!(sent, len, "len {len}");
            if len >= 14 {
                let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
                assert_eq!(v["padding"].as_str().unwrap().len() as u64, len - 14);
            }
        }
    }

    #[tokio::test]
    async fn chunked_padding_decodes_to_the_length() {
        let mut out: Vec<u8> = Vec::new();
        let mut sent = 0;
        write_padding(&mut out, 70_000, true, &mut sent)
            .await
            .unwrap();
        assert_eq!(sent, 70_000);
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with("10000\r\n{\"padding\":\""),
            "{}",
            &text[..20]
        );
        assert!(text.ends_with("\"}\r\n0\r\n\r\n"));
    }

    /// A peer that accepts `room` bytes, then is gone.
    struct Closing {
        room: usize,
    }

    impl AsyncWrite for Closing {
        fn poll_write(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
            buf: &[u8],
        ) -> std::task::Poll<std::io::Result<usize>> {
            if self.room == 0 {
                return std::task::Poll::Ready(Err(std::io::ErrorKind::BrokenPipe.into()));
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            std::task::Poll::Ready(Ok(n))
        }
        fn poll_flush(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            std::task::Poll::Ready(Ok(()))
        }
        fn poll_shutdown(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            std::task::Poll::Ready(Ok(()))
        }
    }

    #[tokio::test]
    async fn padding_counts_what_a_closing_peer_accepted() {
        let mut peer = Closing {
            room: 3 * 64 * 1024 + 10,
        };
        let mut sent = 0;
        let r = write_padding(&mut peer, 50 * 1024 * 1024, false, &mut sent).await;
        assert_eq!(r.unwrap_err().kind(), std::io::ErrorKind::BrokenPipe);
        assert_eq!(
            sent,
            3 * 64 * 1024,
            "whole pieces accepted before the failure"
        );
    }

    #[test]
    fn pairs_decode_and_keep_plus() {
        assert_eq!(
            parse_pairs("a=1&b=x%20y&c&d=1+1"),
            [
                ("a".to_owned(), "1".to_owned()),
                ("b".into(), "x y".into()),
                ("c".into(), "".into()),
                ("d".into(), "1+1".into())
            ]
        );
        assert!(parse_pairs("").is_empty());
    }
}
