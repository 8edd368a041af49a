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
//! A malformed request (bad request line, header line, `Content-Length` or chunk size, a head
//! over 64 KiB, a body over 8 MiB) closes the connection without an answer.

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

/// Reads one request; `None` when the peer closed the connection between requests.
pub(crate) async fn read_request<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    buf: &mut Vec<u8>,
) -> std::io::Result<Option<Request>> {
    // Tolerate empty lines before a request line (RFC 9112 §2.2).
    let head_end = loop {
        while buf.starts_with(b"\r\n") {
            buf.drain(..2);
        }
        if let Some(pos) = find(buf, b"\r\n\r\n") {
            break pos;
        }
        if buf.len() > MAX_HEAD_BYTES {
            return Err(invalid("request head too large"));
        }
        if !fill(stream, buf).await? {
            return if buf.is_empty() {
                Ok(None)
            } else {
                Err(invalid("connection closed inside a request head"))
            };
        }
    };
    if head_end > MAX_HEAD_BYTES {
        return Err(invalid("request head too large"));
    }
    let head = std::str::from_utf8(&buf[..head_end])
        .map_err(|_| invalid("request head is not UTF-8"))?
        .to_owned();
    buf.drain(..head_end + 4);

    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid("malformed request line"));
    };
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
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let connection = header("connection")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let keep_alive = if version == "HTTP/1.0" {
        connection.contains("keep-alive")
    } else {
        !connection.contains("close")
    };
    if header("expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue")) {
        stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await?;
    }

    let chunked =
        header("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let body = if chunked {
        read_chunked(stream, buf).await?
    } else {
        let len: usize = match header("content-length") {
            Some(v) => v.parse().map_err(|_| invalid("bad Content-Length"))?,
            None => 0,
        };
        if len > MAX_BODY_BYTES {
            return Err(invalid("request body too large"));
        }
        while buf.len() < len {
            if !fill(stream, buf).await? {
                return Err(invalid("connection closed inside a request body"));
            }
        }
        buf.drain(..len).collect()
    };
    Ok(Some(Request {
        method: method.to_owned(),
        path: path.to_owned(),
        raw_query: raw_query.to_owned(),
        headers,
        body,
        keep_alive,
        version: version.to_owned(),
    }))
}

async fn read_chunked<S: AsyncRead + Unpin>(
    stream: &mut S,
    buf: &mut Vec<u8>,
) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
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
        if size == 0 {
            // Trailers (ignored) up to the empty line.
            loop {
                if let Some(pos) = find(buf, b"\r\n") {
                    let empty = pos == 0;
                    buf.drain(..pos + 2);
                    if empty {
                        return Ok(body);
                    }
                } else if buf.len() > MAX_HEAD_BYTES {
                    return Err(invalid("trailers too large"));
                } else if !fill(stream, buf).await? {
                    return Err(invalid("connection closed inside trailers"));
                }
            }
        }
        if body.len().saturating_add(size) > MAX_BODY_BYTES {
            return Err(invalid("request body too large"));
        }
        while buf.len() < size + 2 {
            if !fill(stream, buf).await? {
                return Err(invalid("connection closed inside a chunk"));
            }
        }
        if &buf[size..size + 2] != b"\r\n" {
            return Err(invalid("chunk not terminated by CRLF"));
        }
        body.extend_from_slice(&buf[..size]);
        buf.drain(..size + 2);
    }
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
