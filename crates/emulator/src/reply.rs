//! Responses and recorded requests.

use std::collections::VecDeque;
use std::path::Path;

use crate::auth::Verdict;
use crate::faults::Vendor;
use crate::http::parse_pairs;

/// A response: status, headers and body. The emulator adds `Content-Length`, `Date` and the
/// vendor's request-id header (`X-Request-Id` / `x-acs-request-id`) unless given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: Vec<(String, String)>,
    /// Response body.
    pub body: Vec<u8>,
}

impl Reply {
    /// An empty response with `status`.
    pub fn new(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A JSON response (`Content-Type: application/json;charset=UTF-8`).
    pub fn json(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self::new(status)
            .with_header("Content-Type", "application/json;charset=UTF-8")
            .with_body(body)
    }

    /// An XML response (`Content-Type: text/xml;charset=utf-8`, as Alibaba sends it and as
    /// its official SDK expects it for XML error bodies).
    pub fn xml(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self::new(status)
            .with_header("Content-Type", "text/xml;charset=utf-8")
            .with_body(body)
    }

    /// The contents of `path` as a JSON (`.json`) or XML (anything else) response.
    pub fn try_file(status: u16, path: impl AsRef<Path>) -> std::io::Result<Self> {
        let path = path.as_ref();
        let body = std::fs::read(path)?;
        Ok(if path.extension().is_some_and(|e| e == "json") {
            Self::json(status, body)
        } else {
            Self::xml(status, body)
        })
    }

    /// [`Reply::try_file`] for test setup code.
    ///
    /// # Panics
    ///
    /// When the file cannot be read.
    pub fn file(status: u16, path: impl AsRef<Path>) -> Self {
        let path = path.as_ref();
        Self::try_file(status, path)
            .unwrap_or_else(|e| panic!("cannot read reply body {}: {e}", path.display()))
    }

    /// Adds a header.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Replaces the body.
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Whether a header named `name` (any case) is set.
    pub fn has_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn without_header(mut self, name: &str) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self
    }

    /// What a vendor's gateway answers for a path or action it does not serve: Huawei
    /// `404 APIGW.0101`, Alibaba `404 InvalidAction.NotFound`.
    pub fn unknown_api(vendor: Vendor) -> Self {
        match vendor {
            Vendor::Huawei => Reply::json(
                404,
                r#"{"error_msg":"The API does not exist or has not been published in the environment","error_code":"APIGW.0101"}"#,
            ),
            Vendor::Aliyun => Reply::json(
                404,
                r#"{"Code":"InvalidAction.NotFound","Message":"Specified api is not found, please check your url and method."}"#,
            ),
        }
    }
}

/// A request as the emulator received it, with what it made of it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Position in arrival order (0-based) among all requests of this emulator (also those
    /// already dropped from the log).
    pub index: usize,
    /// The TCP connection it arrived on (0-based, in accept order).
    pub connection: usize,
    /// Method as sent.
    pub method: String,
    /// Path of the request target, still percent-encoded.
    pub path: String,
    /// Query of the request target (after `?`), still percent-encoded; empty when none.
    pub raw_query: String,
    /// Headers with lower-cased names and trimmed values, in wire order.
    pub headers: Vec<(String, String)>,
    /// The request body (de-chunked). Empty for a request that was not accepted: a rejected
    /// request keeps no body.
    pub body: Vec<u8>,
    /// The vendor whose protocol the request was handled with.
    pub vendor: Vendor,
    /// The operation it called (`ShowSecurityGroup`, `NovaListServerSecurityGroups`,
    /// `KeystoneListProjects`, `DescribeSecurityGroupReferences`, or the Alibaba `Action` as
    /// sent), when known.
    pub operation: Option<String>,
    /// The request id the emulator assigned (sent back in the request-id header and in the
    /// bodies of the errors the emulator writes itself).
    pub request_id: String,
    /// Whether the request authenticated.
    pub verdict: Verdict,
    /// The status answered with (`0` when the connection was closed without an answer).
    pub status: u16,
    /// The fault applied to the answer, if any ([`crate::Fault::label`]).
    pub fault: Option<String>,
}

impl Recorded {
    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every header name, lower-cased, in wire order.
    pub fn header_names(&self) -> Vec<&str> {
        self.headers.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// Query pairs, percent-decoded (`+` stays `+`), in wire order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        parse_pairs(&self.raw_query)
    }

    /// Decoded query parameter names in wire order.
    pub fn query_names(&self) -> Vec<String> {
        self.query_pairs().into_iter().map(|(k, _)| k).collect()
    }

    /// The first decoded value of query parameter `name`.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query_pairs()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

/// The recorded requests: the newest `capacity` of them, and together holding at most
/// `body_budget` bytes of bodies (the oldest are dropped first; the newest is always kept).
#[derive(Debug)]
pub(crate) struct RequestLog {
    entries: VecDeque<Recorded>,
    capacity: usize,
    body_budget: usize,
    body_bytes: usize,
    total: usize,
}

impl RequestLog {
    pub fn new(capacity: usize, body_budget: usize) -> Self {
        Self {
            entries: VecDeque::new(),
            capacity,
            body_budget,
            body_bytes: 0,
            total: 0,
        }
    }

    /// Appends `recorded` with the next index (returned), dropping the oldest entries over the
    /// limits.
    pub fn push(&mut self, mut recorded: Recorded) -> usize {
        let index = self.total;
        self.total += 1;
        recorded.index = index;
        if self.capacity == 0 {
            return index;
        }
        self.body_bytes += recorded.body.len();
        self.entries.push_back(recorded);
        while self.entries.len() > self.capacity
            || (self.body_bytes > self.body_budget && self.entries.len() > 1)
        {
            if let Some(old) = self.entries.pop_front() {
                self.body_bytes -= old.body.len();
            }
        }
        index
    }

    /// The kept entries, oldest first.
    pub fn snapshot(&self) -> Vec<Recorded> {
        self.entries.iter().cloned().collect()
    }

    /// How many requests were ever pushed.
    pub fn total(&self) -> usize {
        self.total
    }
}

/// How the streaming of an oversized body ([`crate::Fault::Oversized`]) ended, from
/// [`crate::Emulator::streams`]: how much of the declared body the client's connection
/// accepted before it was closed.
///
/// A client that refuses a body over its size cap closes the connection early: `complete` is
/// false and `sent` is far below `declared` (what the kernel's socket buffers absorbed).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Streamed {
    /// The [`Recorded::index`] of the request answered with the stream.
    pub request_index: usize,
    /// The body length announced (`Content-Length`) or, when chunked, intended.
    pub declared: u64,
    /// Body bytes the connection accepted (chunk framing not counted).
    pub sent: u64,
    /// Whether the whole body was written; false when the peer closed the connection first.
    pub complete: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Verdict;

    fn recorded(body: usize) -> Recorded {
        Recorded {
            index: usize::MAX,
            connection: 0,
            method: "POST".into(),
            path: "/".into(),
            raw_query: String::new(),
            headers: Vec::new(),
            body: vec![b'x'; body],
            vendor: Vendor::Aliyun,
            operation: None,
            request_id: String::new(),
            verdict: Verdict::Rejected {
                scheme: None,
                status: 400,
                code: "X",
                reason: String::new(),
            },
            status: 400,
            fault: None,
        }
    }

    #[test]
    fn the_log_drops_the_oldest_over_its_body_budget_but_keeps_the_newest() {
        let mut log = RequestLog::new(100, 1000);
        for i in 0..5 {
            assert_eq!(log.push(recorded(300)), i);
        }
        let kept: Vec<usize> = log.snapshot().iter().map(|r| r.index).collect();
        assert_eq!(kept, [2, 3, 4], "3 × 300 bytes fit in 1000");
        log.push(recorded(5000));
        let kept: Vec<usize> = log.snapshot().iter().map(|r| r.index).collect();
        assert_eq!(kept, [5], "over the budget alone, still kept");
        assert_eq!(log.total(), 6);
    }

    #[test]
    fn a_zero_capacity_log_keeps_nothing_and_counts() {
        let mut log = RequestLog::new(0, 1000);
        log.push(recorded(1));
        log.push(recorded(1));
        assert!(log.snapshot().is_empty());
        assert_eq!(log.total(), 2);
    }
}
