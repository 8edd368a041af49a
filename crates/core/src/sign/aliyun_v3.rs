//! Alibaba Cloud signature V3: `ACS3-HMAC-SHA256`.
//!
//! 1. Canonical request = `METHOD\nURI\nquery\ncanonical headers\nsigned headers\npayload hash`,
//!    where the URI is the path as given (`/` for RPC APIs), the query is sorted by raw name then
//!    raw value and RFC 3986-encoded, the canonical headers are `name:trimmed value\n` sorted by
//!    lower-case name (several values of one name: trimmed, sorted, joined with `,`), and the
//!    payload hash is the `x-acs-content-sha256` header (or the hex SHA-256 of the body).
//! 2. String to sign = `ACS3-HMAC-SHA256\n<hex sha256(canonical request)>`.
//! 3. Signature = hex HMAC-SHA256 keyed with the raw secret; header
//!    `ACS3-HMAC-SHA256 Credential=<ak>,SignedHeaders=<h1;h2>,Signature=<hex>`.
//!
//! [`sign`] signs `host`, `content-type` and every `x-acs-*` header (the documented rule). The
//! caller sends `host`, `x-acs-action`, `x-acs-version`, `x-acs-date` ([`format_timestamp`]),
//! `x-acs-signature-nonce` ([`new_nonce`]), `x-acs-content-sha256` and, for STS credentials,
//! `x-acs-security-token`.
//!
//! ```
//! use cloudsdk_core::sign::{aliyun_v3, EMPTY_PAYLOAD_SHA256};
//! let headers = [
//!     ("host", "ecs.cn-hangzhou.aliyuncs.com"),
//!     ("x-acs-action", "DescribeSecurityGroupReferences"),
//!     ("x-acs-content-sha256", EMPTY_PAYLOAD_SHA256),
//!     ("x-acs-date", "2024-01-02T03:04:05Z"),
//!     ("user-agent", "not signed"),
//! ];
//! let input = aliyun_v3::SigningInput {
//!     method: "POST", path: "/", query: &[("RegionId", "cn-hangzhou")], headers: &headers, body: b"",
//! };
//! let signed = aliyun_v3::sign(&input, "testid", "testsecret");
//! assert_eq!(signed.signed_headers, "host;x-acs-action;x-acs-content-sha256;x-acs-date");
//! assert!(signed.authorization.starts_with("ACS3-HMAC-SHA256 Credential=testid,SignedHeaders="));
//! ```

use std::fmt;

use sha2::{Digest, Sha256};

use super::encode::{query_capacity, write_query};
use super::{DebugHeaders, SigningError, cmp_lowercase, hmac_sha256, push_hex, sha256_hex, to_hex};

pub use super::ParsedAuthorization;
pub use super::aliyun_v2::format_timestamp;

/// The algorithm token.
pub const ALGORITHM: &str = "ACS3-HMAC-SHA256";
/// The payload-hash header.
pub const HEADER_CONTENT_SHA256: &str = "x-acs-content-sha256";

/// The parts of a request that the V3 signature covers.
#[derive(Clone, Copy)]
pub struct SigningInput<'a> {
    /// HTTP method, used as given (`POST`, `GET`).
    pub method: &'a str,
    /// Canonical URI: `/` for RPC APIs (an empty path is signed as `/`).
    pub path: &'a str,
    /// Raw (unencoded) query pairs; order irrelevant.
    pub query: &'a [(&'a str, &'a str)],
    /// Headers on the request, including `host`.
    pub headers: &'a [(&'a str, &'a str)],
    /// Body bytes (empty for none); hashed only when there is no `x-acs-content-sha256` header.
    pub body: &'a [u8],
}

impl fmt::Debug for SigningInput<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningInput")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &DebugHeaders(self.headers))
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// A computed V3 signature with every intermediate string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// Canonical query string (also a valid wire query).
    pub canonical_query: String,
    /// `name:value\n` for every signed header.
    pub canonical_headers: String,
    /// Signed header names joined with `;`.
    pub signed_headers: String,
    /// The payload hash used in the canonical request.
    pub hashed_payload: String,
    /// The canonical request.
    pub canonical_request: String,
    /// The string to sign.
    pub string_to_sign: String,
    /// Lower-case hex signature.
    pub signature: String,
    /// The `Authorization` header value.
    pub authorization: String,
}

/// Whether the documented rule signs a header of this (any-case) name: `host`, `content-type`
/// and every `x-acs-*` header.
pub fn is_signed_header(name: &str) -> bool {
    name.eq_ignore_ascii_case("host")
        || name.eq_ignore_ascii_case("content-type")
        || name
            .get(..6)
            .is_some_and(|p| p.eq_ignore_ascii_case("x-acs-"))
}

/// Signs `input`, signing `host`, `content-type` and every `x-acs-*` header present.
pub fn sign(input: &SigningInput<'_>, access_key_id: &str, secret: &str) -> Signed {
    let mut names: Vec<&str> = input
        .headers
        .iter()
        .map(|&(name, _)| name)
        .filter(|name| is_signed_header(name))
        .collect();
    names.sort_unstable_by(|a, b| cmp_lowercase(a, b));
    names.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    build(input, &names, access_key_id, secret)
}

/// Recomputes the signature over exactly `signed_header_names` (in the given order,
/// lower-cased), e.g. the `SignedHeaders` of a captured request (the official Python SDK signs
/// every header it sends, `accept` and `user-agent` included). A named header that is not on the
/// request is signed with an empty value, which makes verification fail rather than panic.
pub fn sign_with_signed_headers(
    input: &SigningInput<'_>,
    signed_header_names: &[&str],
    access_key_id: &str,
    secret: &str,
) -> Signed {
    build(input, signed_header_names, access_key_id, secret)
}

/// Parses `ACS3-HMAC-SHA256 Credential=<ak>,SignedHeaders=<h1;h2>,Signature=<hex>`.
pub fn parse_authorization(header: &str) -> Result<ParsedAuthorization, SigningError> {
    super::parse_authorization_fields(header, ALGORITHM, "Credential")
}

/// A fresh `x-acs-signature-nonce`: 32 lower-case hex characters of a random (v4) UUID.
pub fn new_nonce() -> String {
    super::to_hex(&super::random_uuid_v4())
}

/// `name:value[,value…]\n` lines (repeated headers joined, sorted) and the `;`-joined names,
/// both lower-cased, for the signed header `names`.
fn header_block(input: &SigningInput<'_>, names: &[&str]) -> (String, String) {
    let mut canonical_headers = String::with_capacity(names.len() * 48);
    let mut signed_headers = String::with_capacity(names.len() * 16);
    let mut values: Vec<&str> = Vec::new();
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            signed_headers.push(';');
        }
        for c in name.chars() {
            let c = c.to_ascii_lowercase();
            canonical_headers.push(c);
            signed_headers.push(c);
        }
        canonical_headers.push(':');
        values.clear();
        values.extend(
            input
                .headers
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim()),
        );
        if values.len() > 1 {
            values.sort_unstable();
        }
        for (j, v) in values.iter().enumerate() {
            if j > 0 {
                canonical_headers.push(',');
            }
            canonical_headers.push_str(v);
        }
        canonical_headers.push('\n');
    }
    (canonical_headers, signed_headers)
}

fn build(input: &SigningInput<'_>, names: &[&str], access_key_id: &str, secret: &str) -> Signed {
    let mut sorted_query: Vec<(&str, &str)> = input.query.to_vec();
    sorted_query.sort_unstable();
    let mut canonical_query = String::with_capacity(query_capacity(&sorted_query));
    write_query(&sorted_query, &mut canonical_query);
    let (canonical_headers, signed_headers) = header_block(input, names);

    let hashed_payload = match input
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(HEADER_CONTENT_SHA256))
    {
        Some((_, v)) => v.trim().to_owned(),
        None => sha256_hex(input.body),
    };

    let path = if input.path.is_empty() {
        "/"
    } else {
        input.path
    };
    let mut canonical_request = String::with_capacity(
        input.method.len()
            + path.len()
            + canonical_query.len()
            + canonical_headers.len()
            + signed_headers.len()
            + hashed_payload.len()
            + 5,
    );
    for part in [
        input.method,
        path,
        &canonical_query,
        &canonical_headers,
        &signed_headers,
    ] {
        canonical_request.push_str(part);
        canonical_request.push('\n');
    }
    canonical_request.push_str(&hashed_payload);

    let mut string_to_sign = String::with_capacity(ALGORITHM.len() + 65);
    string_to_sign.push_str(ALGORITHM);
    string_to_sign.push('\n');
    push_hex(
        &mut string_to_sign,
        &Sha256::digest(canonical_request.as_bytes()),
    );

    let signature = to_hex(&hmac_sha256(secret.as_bytes(), string_to_sign.as_bytes()));

    let mut authorization =
        String::with_capacity(ALGORITHM.len() + access_key_id.len() + signed_headers.len() + 100);
    authorization.push_str(ALGORITHM);
    authorization.push_str(" Credential=");
    authorization.push_str(access_key_id);
    authorization.push_str(",SignedHeaders=");
    authorization.push_str(&signed_headers);
    authorization.push_str(",Signature=");
    authorization.push_str(&signature);

    Signed {
        canonical_query,
        canonical_headers,
        signed_headers,
        hashed_payload,
        canonical_request,
        string_to_sign,
        signature,
        authorization,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_rule() {
        for yes in [
            "host",
            "Host",
            "content-type",
            "Content-Type",
            "x-acs-date",
            "X-Acs-Action",
        ] {
            assert!(is_signed_header(yes), "{yes}");
        }
        for no in [
            "accept",
            "user-agent",
            "x-acs",
            "authorization",
            "x-sdk-date",
            "é",
        ] {
            assert!(!is_signed_header(no), "{no}");
        }
    }

    #[test]
    fn repeated_header_values_are_sorted_and_joined() {
        let headers = [("x-acs-b", " 2 "), ("host", "h"), ("X-Acs-B", "1")];
        let input = SigningInput {
            method: "GET",
            path: "",
            query: &[],
            headers: &headers,
            body: b"",
        };
        let s = sign(&input, "ak", "sk");
        assert_eq!(s.canonical_headers, "host:h\nx-acs-b:1,2\n");
        assert_eq!(s.signed_headers, "host;x-acs-b");
        assert!(s.canonical_request.starts_with("GET\n/\n\n"));
        assert_eq!(s.hashed_payload, super::super::EMPTY_PAYLOAD_SHA256);
    }

    #[test]
    fn nonce_shape() {
        let n = new_nonce();
        assert_eq!(n.len(), 32);
        assert!(
            n.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
        assert_ne!(n, new_nonce());
    }
}
