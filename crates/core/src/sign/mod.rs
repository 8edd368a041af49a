//! Request signers for Huawei Cloud and Alibaba Cloud.
//!
//! Every signer here is a pure function: it reads the request parts it is given (method, path,
//! query, headers, body, credentials) and returns every intermediate string it built, ending with
//! the signature and the `Authorization` header value (or, for Alibaba V2, the signed query). No
//! signer reads the clock, draws random numbers or touches the network: the date and the nonce
//! travel in the headers or parameters the caller passes in, and helpers such as
//! [`huawei::format_sdk_date`], [`aliyun_v2::format_timestamp`] and [`aliyun_v3::new_nonce`]
//! produce them.
//!
//! | module | algorithm | used by |
//! |---|---|---|
//! | [`huawei`] | `SDK-HMAC-SHA256` (APIG) and the derived `V11-HMAC-SHA256` | Huawei Cloud REST APIs |
//! | [`aliyun_v3`] | `ACS3-HMAC-SHA256` | Alibaba Cloud RPC APIs (default) |
//! | [`aliyun_v2`] | RPC `HMAC-SHA1`, `SignatureVersion=1.0` | Alibaba Cloud RPC APIs (legacy) |
//!
//! Secrets (the secret access key and anything derived from it other than the final signature)
//! never appear in a `Debug` or `Display` output or in a [`SigningError`].
//!
//! The intermediate strings returned in the `Signed` structures (canonical request, string to
//! sign) contain the values of every signed header, which includes a security token when one is
//! signed; log them at debug level only.

#[cfg(feature = "aliyun")]
pub mod aliyun_v2;
#[cfg(feature = "aliyun")]
pub mod aliyun_v3;
pub mod encode;
pub mod huawei;

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// Lower-case hex SHA-256 of the empty string: the payload hash of a request without a body.
pub const EMPTY_PAYLOAD_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// What went wrong while signing, verifying or parsing signing material.
///
/// The message never contains a secret key; it names the offending header, parameter or field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningError {
    kind: SigningErrorKind,
    detail: String,
}

/// The category of a [`SigningError`].
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SigningErrorKind {
    /// A required header (for Huawei: `X-Sdk-Date`) is not among the request headers.
    MissingHeader,
    /// The same header name (compared case-insensitively) appears more than once.
    DuplicateHeader,
    /// A date or timestamp does not have the required format.
    InvalidDate,
    /// A percent-encoded string decodes to bytes that are not UTF-8.
    InvalidPercentEncoding,
    /// An `Authorization` header value could not be parsed.
    MalformedAuthorization,
    /// An `Authorization` header names an algorithm this signer does not implement.
    UnsupportedAlgorithm,
    /// An input required by the algorithm is empty (e.g. region or service for derived signing).
    InvalidInput,
}

impl SigningError {
    pub(crate) fn new(kind: SigningErrorKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: detail.into(),
        }
    }

    /// The category of this error.
    pub fn kind(&self) -> SigningErrorKind {
        self.kind
    }
}

impl fmt::Display for SigningError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            SigningErrorKind::MissingHeader => "missing header",
            SigningErrorKind::DuplicateHeader => "duplicate header",
            SigningErrorKind::InvalidDate => "invalid date",
            SigningErrorKind::InvalidPercentEncoding => "invalid percent-encoding",
            SigningErrorKind::MalformedAuthorization => "malformed Authorization header",
            SigningErrorKind::UnsupportedAlgorithm => "unsupported signing algorithm",
            SigningErrorKind::InvalidInput => "invalid signing input",
        };
        if self.detail.is_empty() {
            f.write_str(what)
        } else {
            write!(f, "{what}: {}", self.detail)
        }
    }
}

impl std::error::Error for SigningError {}

/// The fields of a parsed `Authorization` header (any of the algorithms in this module).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAuthorization {
    /// The algorithm token, e.g. `SDK-HMAC-SHA256`, `V11-HMAC-SHA256`, `ACS3-HMAC-SHA256`.
    pub algorithm: String,
    /// The access key id (`Access=` for Huawei, the part of `Credential=` before the first `/`).
    pub access_key_id: String,
    /// The credential scope after the access key id in `Credential=<ak>/<scope>` (Huawei
    /// `V11-HMAC-SHA256`: `<yyyymmdd>/<region>/<service>`), if any.
    pub credential_scope: Option<String>,
    /// The signed header names, in the order the header lists them.
    pub signed_headers: Vec<String>,
    /// The hex signature.
    pub signature: String,
}

impl ParsedAuthorization {
    /// The signed header names as string slices, ready for the `sign_with_signed_headers`
    /// functions.
    pub fn signed_header_names(&self) -> Vec<&str> {
        self.signed_headers.iter().map(String::as_str).collect()
    }
}

/// Parses `<ALGORITHM> <Key>=<value>, <Key>=<value>, …` (separators `,` with optional spaces).
/// `credential_key` is the field holding the access key (`Access` or `Credential`).
pub(crate) fn parse_authorization_fields(
    header: &str,
    algorithm: &str,
    credential_key: &str,
) -> Result<ParsedAuthorization, SigningError> {
    let malformed = |what: &str| SigningError::new(SigningErrorKind::MalformedAuthorization, what);
    let (alg, rest) = header
        .trim()
        .split_once(' ')
        .ok_or_else(|| malformed("expected `<algorithm> <fields>`"))?;
    if alg != algorithm {
        // Do not echo the value: it could be anything the caller put there.
        return Err(SigningError::new(
            SigningErrorKind::UnsupportedAlgorithm,
            format!("expected {algorithm}"),
        ));
    }
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for field in rest.split(',') {
        let field = field.trim();
        if field.is_empty() {
            continue;
        }
        let (key, value) = field
            .split_once('=')
            .ok_or_else(|| malformed("field without `=`"))?;
        let slot = if key == credential_key {
            &mut credential
        } else if key == "SignedHeaders" {
            &mut signed_headers
        } else if key == "Signature" {
            &mut signature
        } else {
            continue;
        };
        if slot.replace(value.trim()).is_some() {
            return Err(malformed("repeated field"));
        }
    }
    let credential = credential.ok_or_else(|| malformed(&format!("no {credential_key}= field")))?;
    let signed_headers = signed_headers.ok_or_else(|| malformed("no SignedHeaders= field"))?;
    let signature = signature.ok_or_else(|| malformed("no Signature= field"))?;
    if credential.is_empty() || signature.is_empty() {
        return Err(malformed("empty credential or signature"));
    }
    let (access_key_id, credential_scope) = match credential.split_once('/') {
        Some((ak, scope)) => (ak.to_owned(), Some(scope.to_owned())),
        None => (credential.to_owned(), None),
    };
    Ok(ParsedAuthorization {
        algorithm: alg.to_owned(),
        access_key_id,
        credential_scope,
        signed_headers: signed_headers
            .split(';')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        signature: signature.to_owned(),
    })
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(64);
    push_hex(&mut out, &Sha256::digest(bytes));
    out
}

/// HMAC-SHA256 of `msg` under `key`.
pub(crate) fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

/// Appends the lower-case hex form of `bytes` to `out`.
pub(crate) fn push_hex(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(bytes.len() * 2);
    for &b in bytes {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 0x0f)] as char);
    }
}

/// Lower-case hex of `bytes` as a new string.
pub(crate) fn to_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    push_hex(&mut out, bytes);
    out
}

/// Compares two header names case-insensitively (ASCII), as the byte order of their lower-case
/// forms.
pub(crate) fn cmp_lowercase(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

/// Redacts the values of headers that carry credentials in `Debug` output.
pub(crate) fn is_sensitive_header(name: &str) -> bool {
    name.eq_ignore_ascii_case("authorization")
        || name.eq_ignore_ascii_case("x-security-token")
        || name.eq_ignore_ascii_case("x-acs-security-token")
        || name.eq_ignore_ascii_case("x-auth-token")
}

/// `Debug` helper for a header list: values of credential headers are replaced by `<redacted>`.
pub(crate) struct DebugHeaders<'a>(pub(crate) &'a [(&'a str, &'a str)]);

impl fmt::Debug for DebugHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|&(name, value)| {
                if is_sensitive_header(name) {
                    (name, "<redacted>")
                } else {
                    (name, value)
                }
            }))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_empty_is_the_constant() {
        assert_eq!(sha256_hex(b""), EMPTY_PAYLOAD_SHA256);
    }

    #[test]
    fn parse_rejects_garbage() {
        for bad in [
            "",
            "preset-by-caller",
            "SDK-HMAC-SHA256",
            "SDK-HMAC-SHA256 Access=a",
        ] {
            assert!(parse_authorization_fields(bad, "SDK-HMAC-SHA256", "Access").is_err());
        }
        // An empty credential, or an empty signature, alone is enough to refuse.
        for bad in [
            "SDK-HMAC-SHA256 Access=, SignedHeaders=host, Signature=abc",
            "SDK-HMAC-SHA256 Access=ak, SignedHeaders=host, Signature=",
        ] {
            assert!(
                parse_authorization_fields(bad, "SDK-HMAC-SHA256", "Access").is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn debug_of_a_signing_input_hides_only_the_credential_headers() {
        let headers = [
            (
                "Authorization",
                "SDK-HMAC-SHA256 Access=ak, Signature=s3cr3t",
            ),
            ("X-Security-Token", "tok3n"),
            ("x-acs-security-token", "tok3n"),
            ("X-Auth-Token", "tok3n"),
            ("X-Sdk-Date", "20240102T030405Z"),
            ("Host", "example.com"),
        ];
        let input = huawei::SigningInput {
            method: "GET",
            host: "example.com",
            path: "/v1/x",
            query: &[],
            headers: &headers,
            body: b"",
        };
        let shown = format!("{input:?}");
        assert!(
            !shown.contains("s3cr3t") && !shown.contains("tok3n"),
            "{shown}"
        );
        assert_eq!(shown.matches("<redacted>").count(), 4, "{shown}");
        assert!(shown.contains("20240102T030405Z") && shown.contains("example.com"));
        let v3 = aliyun_v3::SigningInput {
            method: "POST",
            path: "/",
            query: &[],
            headers: &headers,
            body: b"",
        };
        let shown = format!("{v3:?}");
        assert!(
            !shown.contains("tok3n") && shown.contains("20240102T030405Z"),
            "{shown}"
        );
    }

    #[test]
    fn error_display_names_kind_and_detail() {
        let e = SigningError::new(SigningErrorKind::MissingHeader, "X-Sdk-Date");
        assert_eq!(e.to_string(), "missing header: X-Sdk-Date");
        assert_eq!(e.kind(), SigningErrorKind::MissingHeader);
    }
}

#[cfg(feature = "aliyun")]
/// 16 random bytes with the version (4) and variant bits of a random UUID (RFC 9562 §5.4).
///
/// The bytes come from the operating system (`getrandom`, the source `ring` already uses); if
/// that ever fails, from `fastrand`: a signature nonce must be unique, not secret.
pub(crate) fn random_uuid_v4() -> [u8; 16] {
    let mut b = [0u8; 16];
    if getrandom::getrandom(&mut b).is_err() {
        b = fastrand::u128(..).to_le_bytes();
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    b
}

#[cfg(feature = "aliyun")]
/// A random UUID in its hyphenated lower-case text form (`8-4-4-4-12` hex digits), as the
/// official SDKs send for the V2 `SignatureNonce`.
pub(crate) fn new_uuid_v4_hyphenated() -> String {
    let u = random_uuid_v4();
    let mut out = String::with_capacity(36);
    for (i, group) in [&u[..4], &u[4..6], &u[6..8], &u[8..10], &u[10..]]
        .into_iter()
        .enumerate()
    {
        if i > 0 {
            out.push('-');
        }
        push_hex(&mut out, group);
    }
    out
}

#[cfg(test)]
mod nonce_tests {
    #[test]
    fn uuid_v4_shape_and_uniqueness() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..1000 {
            let u = super::new_uuid_v4_hyphenated();
            let parts: Vec<&str> = u.split('-').collect();
            assert_eq!(
                parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
                [8, 4, 4, 4, 12],
                "{u}"
            );
            assert!(
                u.bytes()
                    .all(|c| c == b'-' || c.is_ascii_digit() || (b'a'..=b'f').contains(&c)),
                "{u}"
            );
            assert!(parts[2].starts_with('4'), "version nibble: {u}");
            assert!(
                matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'),
                "variant: {u}"
            );
            assert!(seen.insert(u));
            #[cfg(feature = "aliyun")]
            {
                let n = super::aliyun_v3::new_nonce();
                assert_eq!(n.len(), 32);
                assert!(seen.insert(n));
            }
        }
    }
}
