//! Alibaba Cloud RPC signature V2: `SignatureMethod=HMAC-SHA1`, `SignatureVersion=1.0`.
//!
//! 1. Canonical query: every parameter (common and operation parameters, including
//!    `AccessKeyId`, `SignatureMethod`, `SignatureVersion`, `SignatureNonce`, `Timestamp`,
//!    `SecurityToken`; excluding `Signature`) sorted by name then value (byte order, so
//!    `SecurityGroupId.10` sorts between `.1` and `.2`), `enc(name)=enc(value)` joined by `&`.
//! 2. String to sign: `METHOD&%2F&enc(canonical query)`.
//! 3. Signature: base64 of HMAC-SHA1 keyed with `secret + "&"` (the secret is used raw).
//!
//! ```
//! use cloudsdk_core::sign::aliyun_v2;
//! let signed = aliyun_v2::sign("GET", &[("Action", "DescribeRegions"), ("AccessKeyId", "testid")], "testsecret");
//! assert_eq!(signed.canonical_query, "AccessKeyId=testid&Action=DescribeRegions");
//! assert!(signed.string_to_sign.starts_with("GET&%2F&AccessKeyId%3Dtestid"));
//! assert!(signed.signed_query.contains("&Signature="));
//! ```

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use time::{OffsetDateTime, UtcOffset};

use super::encode::{percent_encode_into, query_capacity, write_query};

/// The name of the signature parameter.
pub const SIGNATURE_PARAM: &str = "Signature";
/// The value of the `SignatureMethod` parameter.
pub const SIGNATURE_METHOD: &str = "HMAC-SHA1";
/// The value of the `SignatureVersion` parameter.
pub const SIGNATURE_VERSION: &str = "1.0";

/// A computed V2 signature with its intermediate strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// The canonicalized query string (sorted, encoded, without `Signature`).
    pub canonical_query: String,
    /// `METHOD&%2F&enc(canonical_query)`.
    pub string_to_sign: String,
    /// The base64 signature (not percent-encoded).
    pub signature: String,
    /// The query to send: the canonical query with `Signature=<enc(signature)>` inserted at its
    /// sorted position.
    pub signed_query: String,
}

/// Signs the RPC parameters `params` for an HTTP `method` (used as given, e.g. `POST`).
///
/// `params` must contain every parameter that goes on the wire except `Signature`; an entry
/// named exactly `Signature` is ignored, so a received query can be verified by passing all of
/// its (decoded) parameters.
pub fn sign(method: &str, params: &[(&str, &str)], secret: &str) -> Signed {
    let mut sorted: Vec<(&str, &str)> = params
        .iter()
        .copied()
        .filter(|(k, _)| *k != SIGNATURE_PARAM)
        .collect();
    sorted.sort_unstable();

    let mut canonical_query = String::with_capacity(query_capacity(&sorted));
    write_query(&sorted, &mut canonical_query);

    let mut string_to_sign =
        String::with_capacity(method.len() + 4 + canonical_query.len() * 5 / 4);
    string_to_sign.push_str(method);
    string_to_sign.push_str("&%2F&");
    percent_encode_into(&canonical_query, &mut string_to_sign);

    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(&[secret.as_bytes(), b"&"].concat())
        .expect("HMAC accepts keys of any length");
    mac.update(string_to_sign.as_bytes());
    let signature = STANDARD.encode(mac.finalize().into_bytes());

    // Insert Signature at its sorted position (before the first key that sorts after it), by
    // cutting the canonical query there: its pairs are joined by `&`, and an `&` inside a name
    // or value is encoded, so the first `split` pairs end at the `split`-th `&`.
    let split = sorted.partition_point(|(k, _)| *k < SIGNATURE_PARAM);
    let cut = match split {
        0 => 0,
        n => canonical_query
            .match_indices('&')
            .nth(n - 1)
            .map_or(canonical_query.len(), |(i, _)| i),
    };
    let (before, after) = canonical_query.split_at(cut);
    let mut signed_query = String::with_capacity(canonical_query.len() + signature.len() + 16);
    signed_query.push_str(before);
    if !before.is_empty() {
        signed_query.push('&');
    }
    signed_query.push_str(SIGNATURE_PARAM);
    signed_query.push('=');
    percent_encode_into(&signature, &mut signed_query);
    // `after` is empty, or starts with `&` unless Signature went first.
    if split == 0 && !after.is_empty() {
        signed_query.push('&');
    }
    signed_query.push_str(after);

    Signed {
        canonical_query,
        string_to_sign,
        signature,
        signed_query,
    }
}

/// Formats `t` (converted to UTC) as a `Timestamp` parameter, `yyyy-MM-ddTHH:mm:ssZ` (no
/// fractional seconds). The V3 `x-acs-date` header uses the same format.
pub fn format_timestamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    let mut out = String::with_capacity(20);
    let _ = write!(
        out,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_placed_in_sorted_order() {
        let s = sign("GET", &[("Z", "1")], "k");
        assert!(
            s.signed_query.starts_with("Signature="),
            "{}",
            s.signed_query
        );
        assert!(s.signed_query.ends_with("&Z=1"));
        let s = sign("GET", &[("A", "1")], "k");
        assert!(s.signed_query.starts_with("A=1&Signature="));
        let s = sign("GET", &[], "k");
        assert!(s.signed_query.starts_with("Signature=") && !s.signed_query.contains('&'));
    }

    #[test]
    fn signed_query_is_the_canonical_query_with_the_signature_in_sorted_place() {
        let params = [
            ("Timestamp", "2016-02-23T12:46:24Z"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SecurityGroupId.1", "sg-a&b=c"),
            ("SecurityGroupId.10", "sg-é"),
            ("SecurityGroupId.2", "sg-2"),
            ("Action", "DescribeSecurityGroupReferences"),
        ];
        let s = sign("POST", &params, "k");
        let mut with_signature = params.to_vec();
        with_signature.push((SIGNATURE_PARAM, s.signature.as_str()));
        let expected = crate::sign::encode::canonical_query_string(&with_signature);
        assert_eq!(s.signed_query, expected);
        assert!(
            s.signed_query.contains("SecurityGroupId.2=sg-2&Signature=")
                && s.signed_query
                    .contains("&SignatureMethod=HMAC-SHA1&Timestamp="),
            "{}",
            s.signed_query
        );
    }

    #[test]
    fn signature_param_is_ignored() {
        let a = sign("GET", &[("A", "1")], "k");
        let b = sign("GET", &[("A", "1"), ("Signature", "old")], "k");
        assert_eq!(a, b);
    }

    #[test]
    fn timestamp_format() {
        let t = time::macros::datetime!(2024-01-02 11:04:05 +08:00);
        assert_eq!(format_timestamp(t), "2024-01-02T03:04:05Z");
    }
}
