//! Huawei Cloud AK/SK signing: `SDK-HMAC-SHA256` (API Gateway) and the derived
//! `V11-HMAC-SHA256`.
//!
//! The algorithm follows the official Python SDK (`huaweicloudsdkcore` 3.1.219), which the
//! recorded test vectors come from:
//!
//! 1. A `Content-Type` that does not start with `application/json` or `application/bson` adds
//!    `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD` (signed).
//! 2. `X-Sdk-Date` (`%Y%m%dT%H%M%SZ`, UTC) must be among the headers; see [`format_sdk_date`].
//! 3. Without a `Host` header, `Host: <host[:port]>` is added (signed).
//! 4. Signed headers: every header whose name contains no `_`, lower-cased, sorted; canonical
//!    values are trimmed.
//! 5. Canonical URI: percent-decode the whole path, split on `/`, encode each segment, join, and
//!    append `/` if missing. Canonical query: sorted by raw key then raw value, encoded (it is also
//!    the query to send).
//! 6. Payload hash: empty body → SHA-256 of nothing; else the `X-Sdk-Content-Sha256` value if
//!    present; else hex SHA-256 of the body.
//! 7. String to sign `SDK-HMAC-SHA256\n<date>\n<hex sha256(canonical request)>`, signature = hex
//!    HMAC-SHA256 keyed with the secret key.
//!
//! ```
//! use cloudsdk_core::sign::huawei::{self, SigningInput};
//! let input = SigningInput {
//!     method: "GET",
//!     host: "vpc.cn-north-4.myhuaweicloud.com",
//!     path: "/v3/0605767b5280d57e2f6ec014d9c0a2b7/vpc/security-groups",
//!     query: &[("limit", "10")],
//!     headers: &[("Content-Type", "application/json"), ("X-Sdk-Date", "20240102T030405Z")],
//!     body: b"",
//! };
//! let signed = huawei::sign(&input, "AK", "SK").unwrap();
//! assert_eq!(signed.signed_headers, "content-type;host;x-sdk-date");
//! assert_eq!(signed.added_headers, [("Host".to_string(), input.host.to_string())]);
//! assert!(signed.authorization.starts_with("SDK-HMAC-SHA256 Access=AK, SignedHeaders="));
//! ```

use std::fmt;
use std::fmt::Write as _;

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use super::encode::{
    is_unreserved, percent_decode, percent_encode_into, query_capacity, write_query,
};
use super::{
    DebugHeaders, EMPTY_PAYLOAD_SHA256, SigningError, SigningErrorKind, cmp_lowercase, hmac_sha256,
    push_hex, sha256_hex, to_hex,
};

pub use super::ParsedAuthorization;

/// The algorithm token of the standard signature.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";
/// The algorithm token of the derived-key signature.
pub const DERIVED_ALGORITHM: &str = "V11-HMAC-SHA256";
/// The date header every signed request carries.
pub const HEADER_SDK_DATE: &str = "X-Sdk-Date";
/// The payload-hash header added for non-JSON content types.
pub const HEADER_CONTENT_SHA256: &str = "X-Sdk-Content-Sha256";
/// The value of [`HEADER_CONTENT_SHA256`] when the body is not hashed.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// The parts of a request that the Huawei signature covers.
#[derive(Clone, Copy)]
pub struct SigningInput<'a> {
    /// HTTP method (upper-cased for signing).
    pub method: &'a str,
    /// `host[:port]` of the endpoint; used for the `Host` header when `headers` has none.
    pub host: &'a str,
    /// Resource path as sent on the wire (already percent-encoded), without the query.
    pub path: &'a str,
    /// Raw (unencoded) query pairs; repeated keys allowed, order irrelevant.
    pub query: &'a [(&'a str, &'a str)],
    /// Headers on the request. `X-Sdk-Date` must be among them.
    pub headers: &'a [(&'a str, &'a str)],
    /// Body bytes (empty for none).
    pub body: &'a [u8],
}

impl fmt::Debug for SigningInput<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningInput")
            .field("method", &self.method)
            .field("host", &self.host)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &DebugHeaders(self.headers))
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// A computed Huawei signature with every intermediate string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// Canonical URI (always ends with `/`; the wire path keeps its own form).
    pub canonical_uri: String,
    /// Canonical query string; send exactly this as the request's query.
    pub canonical_query: String,
    /// `name:value\n` for every signed header.
    pub canonical_headers: String,
    /// Signed header names joined with `;`.
    pub signed_headers: String,
    /// The canonical request (six parts joined with `\n`).
    pub canonical_request: String,
    /// The string to sign.
    pub string_to_sign: String,
    /// Lower-case hex signature.
    pub signature: String,
    /// The `Authorization` header value.
    pub authorization: String,
    /// Headers the caller must add to the request besides `Authorization`, in the order the
    /// signer added them (`X-Sdk-Content-Sha256`, then `Host`).
    pub added_headers: Vec<(String, String)>,
}

/// Signs `input` with `SDK-HMAC-SHA256`, choosing the signed headers as the official Python SDK
/// does (every header whose name has no `_`, plus the added `Host` / `X-Sdk-Content-Sha256`).
///
/// Errors: no `X-Sdk-Date` header or a malformed one, a header name given twice, a path whose
/// escapes do not decode to UTF-8.
pub fn sign(
    input: &SigningInput<'_>,
    access_key_id: &str,
    secret: &str,
) -> Result<Signed, SigningError> {
    let (canonical, date) = canonicalize(input, None)?;
    Ok(finish_standard(canonical, date, access_key_id, secret))
}

/// Recomputes the `SDK-HMAC-SHA256` signature over exactly `signed_header_names` (in the given
/// order, lower-cased), e.g. the `SignedHeaders` of a received request (see
/// [`parse_authorization`]). For a server verifying a request, or a client that wants another
/// SDK's header selection.
///
/// Each named header is looked up case-insensitively in `input.headers`; `host` falls back to
/// `input.host` (and is then reported in `added_headers`). Nothing else is added: the payload
/// hash uses an `X-Sdk-Content-Sha256` header only if the request has one. `X-Sdk-Date` must be
/// present even when it is not signed.
///
/// Errors: a named header is missing or given twice, plus the errors of [`sign`].
pub fn sign_with_signed_headers(
    input: &SigningInput<'_>,
    signed_header_names: &[&str],
    access_key_id: &str,
    secret: &str,
) -> Result<Signed, SigningError> {
    let (canonical, date) = canonicalize(input, Some(signed_header_names))?;
    Ok(finish_standard(canonical, date, access_key_id, secret))
}

/// Signs `input` with the derived-key algorithm `V11-HMAC-SHA256`.
///
/// The canonical request is the one of [`sign`]; the credential scope is
/// `<yyyymmdd of X-Sdk-Date>/<region>/<service>`, the HMAC key is the hex form of
/// HKDF-SHA256(salt = access key id, ikm = secret, info = scope, 32 bytes), the string to sign is
/// `V11-HMAC-SHA256\n<date>\n<scope>\n<hex sha256(canonical request)>` and the header is
/// `V11-HMAC-SHA256 Credential=<ak>/<scope>, SignedHeaders=…, Signature=…`.
///
/// Errors: an empty `region` or `service`, plus the errors of [`sign`].
pub fn sign_derived(
    input: &SigningInput<'_>,
    access_key_id: &str,
    secret: &str,
    region: &str,
    service: &str,
) -> Result<Signed, SigningError> {
    if region.is_empty() || service.is_empty() {
        return Err(SigningError::new(
            SigningErrorKind::InvalidInput,
            "derived signing needs a region and a service name",
        ));
    }
    let (canonical, date) = canonicalize(input, None)?;
    let scope = derivation_scope(date, region, service);
    let key = derived_signing_key_hex(access_key_id, secret, &scope);

    let mut string_to_sign =
        String::with_capacity(DERIVED_ALGORITHM.len() + date.len() + scope.len() + 67);
    string_to_sign.push_str(DERIVED_ALGORITHM);
    string_to_sign.push('\n');
    string_to_sign.push_str(date);
    string_to_sign.push('\n');
    string_to_sign.push_str(&scope);
    string_to_sign.push('\n');
    push_hex(
        &mut string_to_sign,
        &sha2_digest(&canonical.canonical_request),
    );

    let signature = to_hex(&hmac_sha256(key.as_bytes(), string_to_sign.as_bytes()));
    let authorization = format!(
        "{DERIVED_ALGORITHM} Credential={access_key_id}/{scope}, SignedHeaders={}, Signature={signature}",
        canonical.signed_headers
    );
    Ok(canonical.into_signed(string_to_sign, signature, authorization))
}

/// The `V11-HMAC-SHA256` credential scope `<yyyymmdd>/<region>/<service>` for an `X-Sdk-Date`
/// value.
pub fn derivation_scope(sdk_date: &str, region: &str, service: &str) -> String {
    let day = sdk_date.get(..8).unwrap_or(sdk_date);
    format!("{day}/{region}/{service}")
}

/// The `V11-HMAC-SHA256` signing key: lower-case hex of HKDF-SHA256 (RFC 5869) with
/// salt = `access_key_id`, ikm = `secret`, info = `scope`, 32 bytes of output.
///
/// This is secret material: do not log it.
pub fn derived_signing_key_hex(access_key_id: &str, secret: &str, scope: &str) -> String {
    // Extract: PRK = HMAC(salt, IKM). Expand (one block): OKM = HMAC(PRK, info || 0x01).
    let prk = hmac_sha256(access_key_id.as_bytes(), secret.as_bytes());
    let mut info = Vec::with_capacity(scope.len() + 1);
    info.extend_from_slice(scope.as_bytes());
    info.push(1);
    to_hex(&hmac_sha256(&prk, &info))
}

/// Parses a Huawei `Authorization` header (`SDK-HMAC-SHA256 Access=…, SignedHeaders=…,
/// Signature=…` or `V11-HMAC-SHA256 Credential=<ak>/<scope>, …`).
pub fn parse_authorization(header: &str) -> Result<ParsedAuthorization, SigningError> {
    let alg = header.trim_start().split(' ').next().unwrap_or_default();
    if alg == DERIVED_ALGORITHM {
        super::parse_authorization_fields(header, DERIVED_ALGORITHM, "Credential")
    } else {
        super::parse_authorization_fields(header, ALGORITHM, "Access")
    }
}

/// Formats `t` (converted to UTC) as an `X-Sdk-Date` value, `%Y%m%dT%H%M%SZ`
/// (e.g. `20240102T030405Z`).
pub fn format_sdk_date(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    let mut out = String::with_capacity(16);
    let _ = write!(
        out,
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    out
}

/// Parses an `X-Sdk-Date` value (`%Y%m%dT%H%M%SZ`, exactly 16 characters) as a UTC time.
pub fn parse_sdk_date(s: &str) -> Result<OffsetDateTime, SigningError> {
    let invalid = || {
        SigningError::new(
            SigningErrorKind::InvalidDate,
            format!("X-Sdk-Date must look like 20240102T030405Z, got {s:?}"),
        )
    };
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return Err(invalid());
    }
    let num = |range: std::ops::Range<usize>| -> Result<u32, SigningError> {
        b[range].iter().try_fold(0u32, |acc, &c| {
            if c.is_ascii_digit() {
                Ok(acc * 10 + u32::from(c - b'0'))
            } else {
                Err(invalid())
            }
        })
    };
    let (year, month, day) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (hour, minute, second) = (num(9..11)?, num(11..13)?, num(13..15)?);
    let month = u8::try_from(month)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or_else(invalid)?;
    let date = Date::from_calendar_date(year as i32, month, day as u8).map_err(|_| invalid())?;
    let time = Time::from_hms(hour as u8, minute as u8, second as u8).map_err(|_| invalid())?;
    Ok(PrimitiveDateTime::new(date, time).assume_utc())
}

// ---------------------------------------------------------------------------------------------

/// Everything up to the canonical request.
struct Canonical {
    canonical_uri: String,
    canonical_query: String,
    canonical_headers: String,
    signed_headers: String,
    canonical_request: String,
    added_headers: Vec<(String, String)>,
}

impl Canonical {
    fn into_signed(
        self,
        string_to_sign: String,
        signature: String,
        authorization: String,
    ) -> Signed {
        Signed {
            canonical_uri: self.canonical_uri,
            canonical_query: self.canonical_query,
            canonical_headers: self.canonical_headers,
            signed_headers: self.signed_headers,
            canonical_request: self.canonical_request,
            string_to_sign,
            signature,
            authorization,
            added_headers: self.added_headers,
        }
    }
}

fn sha2_digest(s: &str) -> [u8; 32] {
    use sha2::Digest as _;
    sha2::Sha256::digest(s.as_bytes()).into()
}

fn finish_standard(canonical: Canonical, date: &str, access_key_id: &str, secret: &str) -> Signed {
    let mut string_to_sign = String::with_capacity(ALGORITHM.len() + date.len() + 66);
    string_to_sign.push_str(ALGORITHM);
    string_to_sign.push('\n');
    string_to_sign.push_str(date);
    string_to_sign.push('\n');
    push_hex(
        &mut string_to_sign,
        &sha2_digest(&canonical.canonical_request),
    );

    let signature = to_hex(&hmac_sha256(secret.as_bytes(), string_to_sign.as_bytes()));
    let mut authorization = String::with_capacity(
        ALGORITHM.len() + access_key_id.len() + canonical.signed_headers.len() + 110,
    );
    authorization.push_str(ALGORITHM);
    authorization.push_str(" Access=");
    authorization.push_str(access_key_id);
    authorization.push_str(", SignedHeaders=");
    authorization.push_str(&canonical.signed_headers);
    authorization.push_str(", Signature=");
    authorization.push_str(&signature);
    canonical.into_signed(string_to_sign, signature, authorization)
}

/// Finds the single header named `name` (ASCII case-insensitive).
fn find_header<'a>(
    headers: &[(&'a str, &'a str)],
    name: &str,
) -> Result<Option<&'a str>, SigningError> {
    let mut found = None;
    for &(k, v) in headers {
        if k.eq_ignore_ascii_case(name) {
            if found.is_some() {
                return Err(SigningError::new(SigningErrorKind::DuplicateHeader, name));
            }
            found = Some(v);
        }
    }
    Ok(found)
}

/// Signed header entries: (name as given, trimmed value), and the headers the signer adds.
type Entries<'a> = (Vec<(&'a str, &'a str)>, Vec<(String, String)>);

/// The Python SDK's selection of signed headers: every header without `_`, plus
/// `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD` for a non-JSON content type and `Host` when
/// missing; sorted by lower-case name. Returns the entries and the declared payload hash.
fn auto_entries<'a>(
    input: &SigningInput<'a>,
) -> Result<(Entries<'a>, Option<&'a str>), SigningError> {
    let mut added_headers: Vec<(String, String)> = Vec::new();
    let mut entries: Vec<(&str, &str)> = Vec::with_capacity(input.headers.len() + 2);
    for &(name, value) in input.headers {
        if !name.contains('_') {
            entries.push((name, value.trim()));
        }
    }
    let mut content_sha256 = find_header(input.headers, HEADER_CONTENT_SHA256)?.map(str::trim);
    if content_sha256.is_none() {
        let content_type = find_header(input.headers, "content-type")?;
        if let Some(ct) = content_type.filter(|ct| !ct.is_empty())
            && !ct.starts_with("application/json")
            && !ct.starts_with("application/bson")
        {
            added_headers.push((
                HEADER_CONTENT_SHA256.to_owned(),
                UNSIGNED_PAYLOAD.to_owned(),
            ));
            entries.push((HEADER_CONTENT_SHA256, UNSIGNED_PAYLOAD));
            content_sha256 = Some(UNSIGNED_PAYLOAD);
        }
    }
    if find_header(input.headers, "host")?.is_none() {
        added_headers.push(("Host".to_owned(), input.host.to_owned()));
        entries.push(("Host", input.host.trim()));
    }
    entries.sort_unstable_by(|a, b| cmp_lowercase(a.0, b.0));
    if let Some(w) = entries
        .windows(2)
        .find(|w| w[0].0.eq_ignore_ascii_case(w[1].0))
    {
        return Err(SigningError::new(
            SigningErrorKind::DuplicateHeader,
            w[0].0.to_ascii_lowercase(),
        ));
    }
    Ok(((entries, added_headers), content_sha256))
}

/// The given signed header names, in the given order (`Host` may be added).
fn explicit_entries<'a>(
    input: &SigningInput<'a>,
    names: &[&'a str],
) -> Result<(Entries<'a>, Option<&'a str>), SigningError> {
    let mut added_headers: Vec<(String, String)> = Vec::new();
    let mut entries: Vec<(&str, &str)> = Vec::with_capacity(names.len());
    for &name in names {
        match find_header(input.headers, name)? {
            Some(value) => entries.push((name, value.trim())),
            None if name.eq_ignore_ascii_case("host") => {
                added_headers.push(("Host".to_owned(), input.host.to_owned()));
                entries.push((name, input.host.trim()));
            }
            None => {
                return Err(SigningError::new(
                    SigningErrorKind::MissingHeader,
                    format!("signed header {name:?} is not on the request"),
                ));
            }
        }
    }
    let content_sha256 = find_header(input.headers, HEADER_CONTENT_SHA256)?.map(str::trim);
    Ok(((entries, added_headers), content_sha256))
}

/// `name:value\n` lines and the `;`-joined names, both lower-cased.
fn header_block(entries: &[(&str, &str)]) -> (String, String) {
    let mut canonical_headers =
        String::with_capacity(entries.iter().map(|(k, v)| k.len() + v.len() + 2).sum());
    let mut signed_headers = String::with_capacity(entries.iter().map(|(k, _)| k.len() + 1).sum());
    for (i, (name, value)) in entries.iter().enumerate() {
        if i > 0 {
            signed_headers.push(';');
        }
        for c in name.chars() {
            let c = c.to_ascii_lowercase();
            canonical_headers.push(c);
            signed_headers.push(c);
        }
        canonical_headers.push(':');
        canonical_headers.push_str(value);
        canonical_headers.push('\n');
    }
    (canonical_headers, signed_headers)
}

/// The six lines of the canonical request, joined with `\n` (method upper-cased).
fn join_canonical_request(method: &str, parts: [&str; 5]) -> String {
    let mut out =
        String::with_capacity(method.len() + parts.iter().map(|p| p.len() + 1).sum::<usize>());
    for c in method.chars() {
        out.push(c.to_ascii_uppercase());
    }
    for part in parts {
        out.push('\n');
        out.push_str(part);
    }
    out
}

/// Builds the canonical request. `explicit` = the signed header names to use, or `None` for the
/// Python SDK's selection (which may add headers).
fn canonicalize<'a>(
    input: &SigningInput<'a>,
    explicit: Option<&[&'a str]>,
) -> Result<(Canonical, &'a str), SigningError> {
    let date = find_header(input.headers, HEADER_SDK_DATE)?
        .ok_or_else(|| SigningError::new(SigningErrorKind::MissingHeader, HEADER_SDK_DATE))?
        .trim();
    parse_sdk_date(date)?;
    let ((entries, added_headers), content_sha256) = match explicit {
        None => auto_entries(input)?,
        Some(names) => explicit_entries(input, names)?,
    };
    let canonical_uri = canonical_uri(input.path)?;
    let mut sorted_query: Vec<(&str, &str)> = input.query.to_vec();
    sorted_query.sort_unstable();
    let mut canonical_query = String::with_capacity(query_capacity(&sorted_query));
    write_query(&sorted_query, &mut canonical_query);
    let (canonical_headers, signed_headers) = header_block(&entries);

    let body_hash;
    let payload_hash: &str = if input.body.is_empty() {
        EMPTY_PAYLOAD_SHA256
    } else if let Some(h) = content_sha256 {
        h
    } else {
        body_hash = sha256_hex(input.body);
        &body_hash
    };
    let canonical_request = join_canonical_request(
        input.method,
        [
            &canonical_uri,
            &canonical_query,
            &canonical_headers,
            &signed_headers,
            payload_hash,
        ],
    );
    Ok((
        Canonical {
            canonical_uri,
            canonical_query,
            canonical_headers,
            signed_headers,
            canonical_request,
            added_headers,
        },
        date,
    ))
}

/// Percent-decodes the path, splits it on `/`, encodes each segment, joins them and appends `/`
/// if missing.
fn canonical_uri(path: &str) -> Result<String, SigningError> {
    let mut out = String::with_capacity(path.len() + 1);
    if path.bytes().all(|b| b == b'/' || is_unreserved(b)) {
        out.push_str(path);
    } else {
        let decoded = percent_decode(path)?;
        for (i, segment) in decoded.split('/').enumerate() {
            if i > 0 {
                out.push('/');
            }
            percent_encode_into(segment, &mut out);
        }
    }
    if !out.ends_with('/') {
        out.push('/');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(headers: &'a [(&'a str, &'a str)]) -> SigningInput<'a> {
        SigningInput {
            method: "get",
            host: "example.com",
            path: "/v1/x",
            query: &[],
            headers,
            body: b"",
        }
    }

    #[test]
    fn canonical_uri_rules() {
        assert_eq!(canonical_uri("").unwrap(), "/");
        assert_eq!(canonical_uri("/a/b/").unwrap(), "/a/b/");
        assert_eq!(canonical_uri("/a%2Fb").unwrap(), "/a/b/");
        assert_eq!(canonical_uri("/a b*c").unwrap(), "/a%20b%2Ac/");
        assert_eq!(canonical_uri("/%41~").unwrap(), "/A~/");
        // Without any `/`, segments are still decoded and encoded.
        assert_eq!(canonical_uri("a b").unwrap(), "a%20b/");
        assert_eq!(canonical_uri("%41").unwrap(), "A/");
    }

    #[test]
    fn sdk_date_round_trip_and_validation() {
        let t = parse_sdk_date("20240102T030405Z").unwrap();
        assert_eq!(format_sdk_date(t), "20240102T030405Z");
        for bad in [
            "",
            "20240102T030405",
            "2024-01-02T03:04:05Z",
            "20240102X030405Z",
            "20240102T030405X",
            "20241302T030405Z",
            "20240102T250405Z",
            "2024010xT030405Z",
        ] {
            assert_eq!(
                parse_sdk_date(bad).unwrap_err().kind(),
                SigningErrorKind::InvalidDate,
                "{bad}"
            );
        }
        let shifted = t.to_offset(UtcOffset::from_hms(8, 0, 0).unwrap());
        assert_eq!(format_sdk_date(shifted), "20240102T030405Z");
    }

    #[test]
    fn derived_signing_needs_both_a_region_and_a_service() {
        let headers = [("X-Sdk-Date", "20240102T030405Z")];
        for (region, service) in [("", "vpc"), ("cn-north-4", ""), ("", "")] {
            let err = sign_derived(&input(&headers), "ak", "sk", region, service).unwrap_err();
            assert_eq!(
                err.kind(),
                SigningErrorKind::InvalidInput,
                "{region:?} {service:?}"
            );
        }
        assert!(sign_derived(&input(&headers), "ak", "sk", "cn-north-4", "vpc").is_ok());
    }

    #[test]
    fn a_signed_host_without_a_host_header_is_taken_from_the_input() {
        let headers = [("X-Sdk-Date", "20240102T030405Z")];
        let signed =
            sign_with_signed_headers(&input(&headers), &["host", "x-sdk-date"], "ak", "sk")
                .unwrap();
        assert_eq!(
            signed.added_headers,
            [("Host".to_owned(), "example.com".to_owned())]
        );
        assert!(signed.canonical_headers.contains("host:example.com\n"));
    }

    #[test]
    fn missing_or_duplicate_headers_are_errors() {
        let err = sign(&input(&[("Content-Type", "application/json")]), "ak", "sk").unwrap_err();
        assert_eq!(err.kind(), SigningErrorKind::MissingHeader);
        let err = sign(
            &input(&[
                ("X-Sdk-Date", "20240102T030405Z"),
                ("X-A", "1"),
                ("x-a", "2"),
            ]),
            "ak",
            "sk",
        )
        .unwrap_err();
        assert_eq!(err.kind(), SigningErrorKind::DuplicateHeader);
        let err = sign_with_signed_headers(
            &input(&[("X-Sdk-Date", "20240102T030405Z")]),
            &["x-missing"],
            "ak",
            "sk",
        )
        .unwrap_err();
        assert_eq!(err.kind(), SigningErrorKind::MissingHeader);
    }

    #[test]
    fn secrets_do_not_leak_into_debug_or_errors() {
        let headers = [("X-Sdk-Date", "bad"), ("X-Security-Token", "tok-123")];
        let i = input(&headers);
        let dbg = format!("{i:?}");
        assert!(!dbg.contains("tok-123"), "{dbg}");
        let err = sign(&i, "ak", "very-secret-key").unwrap_err();
        assert!(!format!("{err} {err:?}").contains("very-secret-key"));
    }

    #[test]
    fn parse_authorization_both_algorithms() {
        let p = parse_authorization(
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=ab",
        )
        .unwrap();
        assert_eq!(p.access_key_id, "AK");
        assert_eq!(p.signed_header_names(), ["host", "x-sdk-date"]);
        assert_eq!(p.credential_scope, None);
        let p = parse_authorization(
            "V11-HMAC-SHA256 Credential=AK/20240102/r/s, SignedHeaders=host, Signature=cd",
        )
        .unwrap();
        assert_eq!(p.algorithm, DERIVED_ALGORITHM);
        assert_eq!(p.credential_scope.as_deref(), Some("20240102/r/s"));
        assert_eq!(
            parse_authorization("ACS3-HMAC-SHA256 Credential=a,SignedHeaders=h,Signature=s")
                .unwrap_err()
                .kind(),
            SigningErrorKind::UnsupportedAlgorithm
        );
    }
}
