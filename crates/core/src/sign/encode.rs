//! RFC 3986 percent-encoding as both vendors' signers use it.
//!
//! Only the unreserved characters `A–Z a–z 0–9 - _ . ~` stay literal; every other UTF-8 byte
//! becomes `%XX` with upper-case hex. So a space is `%20` (never `+`), `*` is `%2A`, `~` stays
//! `~`, `/` is `%2F`.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use super::{SigningError, SigningErrorKind};

/// Everything except `A–Z a–z 0–9 - _ . ~` (non-ASCII bytes are always encoded).
const RFC3986_RESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Whether `b` is an RFC 3986 unreserved byte (`A–Z a–z 0–9 - _ . ~`).
#[inline]
pub fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')
}

/// Percent-encodes `s` (see the [module docs](self)).
///
/// ```
/// use cloudsdk_core::sign::encode::percent_encode;
/// assert_eq!(percent_encode("a b*c~/é"), "a%20b%2Ac~%2F%C3%A9");
/// ```
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    percent_encode_into(s, &mut out);
    out
}

/// Appends the percent-encoded form of `s` to `out` (no allocation besides `out` growing).
pub fn percent_encode_into(s: &str, out: &mut String) {
    if s.bytes().all(is_unreserved) {
        out.push_str(s);
        return;
    }
    out.extend(utf8_percent_encode(s, RFC3986_RESERVED));
}

/// Decodes `%XX` escapes (hex digits of either case).
///
/// A `%` that is not followed by two hex digits is kept literally (as Python's
/// `urllib.parse.unquote` does); `+` is not a space. Returns borrowed input when there is
/// nothing to decode. Fails with [`SigningErrorKind::InvalidPercentEncoding`] when the decoded
/// bytes are not UTF-8.
///
/// ```
/// use cloudsdk_core::sign::encode::percent_decode;
/// assert_eq!(percent_decode("a%20b%2Fc+d").unwrap(), "a b/c+d");
/// assert!(percent_decode("%FF").is_err());
/// ```
pub fn percent_decode(s: &str) -> Result<Cow<'_, str>, SigningError> {
    if !s.contains('%') {
        return Ok(Cow::Borrowed(s));
    }
    percent_decode_str(s).decode_utf8().map_err(|_| {
        SigningError::new(
            SigningErrorKind::InvalidPercentEncoding,
            "escapes do not decode to UTF-8",
        )
    })
}

/// The canonical query string shared by all signers in this crate: pairs sorted by raw
/// (unencoded) key, then raw value (byte order), rendered `enc(key)=enc(value)` and joined with
/// `&`. An empty value gives `key=`; no pairs give the empty string. Repeated keys are kept.
///
/// ```
/// use cloudsdk_core::sign::encode::canonical_query_string;
/// let q = canonical_query_string(&[("b", "x y"), ("a", "2"), ("a", "1"), ("e", "")]);
/// assert_eq!(q, "a=1&a=2&b=x%20y&e=");
/// ```
pub fn canonical_query_string(pairs: &[(&str, &str)]) -> String {
    let mut sorted: Vec<(&str, &str)> = pairs.to_vec();
    sorted.sort_unstable();
    let mut out = String::with_capacity(query_capacity(&sorted));
    write_query(&sorted, &mut out);
    out
}

/// A capacity guess for the rendered query (exact when nothing needs escaping).
pub(crate) fn query_capacity(pairs: &[(&str, &str)]) -> usize {
    pairs.iter().map(|(k, v)| k.len() + v.len() + 2).sum()
}

/// Renders already-sorted pairs as `enc(k)=enc(v)&…` into `out`.
pub(crate) fn write_query(sorted: &[(&str, &str)], out: &mut String) {
    for (i, (k, v)) in sorted.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        percent_encode_into(k, out);
        out.push('=');
        percent_encode_into(v, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_the_vendors() {
        assert_eq!(percent_encode(""), "");
        assert_eq!(percent_encode("AZaz09-_.~"), "AZaz09-_.~");
        assert_eq!(
            percent_encode("!'();:@$,?#[]%+=&/ "),
            "%21%27%28%29%3B%3A%40%24%2C%3F%23%5B%5D%25%2B%3D%26%2F%20"
        );
        assert_eq!(percent_encode("安"), "%E5%AE%89");
    }

    #[test]
    fn decode_keeps_malformed_escapes() {
        assert_eq!(percent_decode("%zz%4").unwrap(), "%zz%4");
        assert_eq!(percent_decode("%41%2f").unwrap(), "A/");
    }
}
