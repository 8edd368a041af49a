//! RFC 3986 percent-encoding as both vendors' signers use it.
//!
//! Only the unreserved characters `A–Z a–z 0–9 - _ . ~` stay literal; every other UTF-8 byte
//! becomes `%XX` with upper-case hex. So a space is `%20` (never `+`), `*` is `%2A`, `~` stays
//! `~`, `/` is `%2F`.

use std::borrow::Cow;

use percent_encoding::percent_decode_str;

use super::{SigningError, SigningErrorKind};

/// Whether `b` is an RFC 3986 unreserved byte (`A–Z a–z 0–9 - _ . ~`).
#[inline]
pub const fn is_unreserved(b: u8) -> bool {
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

/// `%00%01…%FF`: the escape of byte `b` is `ESCAPES[3 * b..3 * b + 3]`.
const ESCAPES: &str = {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    const BYTES: [u8; 768] = {
        let mut table = [0u8; 768];
        let mut b = 0;
        while b < 256 {
            table[3 * b] = b'%';
            table[3 * b + 1] = HEX[b >> 4];
            table[3 * b + 2] = HEX[b & 0x0f];
            b += 1;
        }
        table
    };
    match std::str::from_utf8(&BYTES) {
        Ok(s) => s,
        Err(_) => panic!("the escape table is ASCII"),
    }
};

/// Whether each byte is unreserved (see [`is_unreserved`]), as a table.
const UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = is_unreserved(b as u8);
        b += 1;
    }
    table
};

/// Appends the percent-encoded form of `s` to `out` (no allocation besides `out` growing).
///
/// Runs of unreserved bytes are copied whole and every other byte gets its escape from a
/// table: the signers encode every query twice (the query, then the string to sign), so this
/// is a good part of a signature's time.
pub fn percent_encode_into(s: &str, out: &mut String) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len());
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if UNRESERVED[usize::from(b)] {
            continue;
        }
        // A non-empty `run..i` holds only ASCII bytes, so both its ends are char boundaries
        // (an empty one may start inside a character being escaped byte by byte).
        if run < i {
            out.push_str(&s[run..i]);
        }
        let at = 3 * usize::from(b);
        out.push_str(&ESCAPES[at..at + 3]);
        run = i + 1;
    }
    // What is left after the last escape is ASCII (a multi-byte character is escaped whole).
    if run < bytes.len() {
        out.push_str(&s[run..]);
    }
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
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

    /// The `percent-encoding` crate with the same set: the reference the encoder is checked
    /// against.
    const RFC3986_RESERVED: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');

    #[test]
    fn encodes_as_the_percent_encoding_crate_does() {
        let samples = [
            "",
            "plain-_.~AZaz09",
            "%",
            "a&b=c",
            "é",
            "aé",
            "éa",
            "éé",
            "中文 and 安全组",
            "🦀x🦀",
            "x🦀",
            "AccessKeyId=testid&Action=DescribeRegions&Timestamp=2016-02-23T12%3A46%3A24Z",
            "\u{0}\u{7f}\u{80}\u{10ffff}",
        ];
        for s in samples {
            let mut ours = String::from("prefix:");
            percent_encode_into(s, &mut ours);
            let reference = format!("prefix:{}", utf8_percent_encode(s, RFC3986_RESERVED));
            assert_eq!(ours, reference, "{s:?}");
        }
        // Every character up to U+07FF and the plane edges: alone, before an unreserved byte,
        // after an escaped character, and between the two.
        for c in (0u32..0x800)
            .chain([0xffff, 0x10000, 0x10ffff])
            .filter_map(char::from_u32)
        {
            for s in [
                c.to_string(),
                format!("{c}a"),
                format!("é{c}"),
                format!("a{c}é"),
            ] {
                let reference = utf8_percent_encode(&s, RFC3986_RESERVED).to_string();
                assert_eq!(percent_encode(&s), reference, "{s:?}");
            }
        }
    }

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
