//! Validation of values that end up in a request line or a header, before any byte is sent.
//!
//! Path parameters are percent-encoded (see `huawei::encode_param`) and query values are
//! RFC 3986 encoded by the signers, so they cannot escape their place. Values that go into a
//! header verbatim (access key id, security token, project id, user agent) cannot be encoded, so
//! they are checked here: a CR or LF could otherwise start a new header, and the HTTP stack
//! refuses non-ASCII header values only once a request is on its way. Messages never echo a
//! credential.

use crate::credentials::Credentials;
use crate::error::ConstructionError;

#[cfg(feature = "huawei")]
/// Longest project id accepted (real ones are 32 hex digits).
pub(crate) const MAX_PROJECT_ID_LEN: usize = 128;

/// ASCII from `!` to `~`: no space, no control character, nothing outside ASCII.
fn is_graphic(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_graphic())
}

/// Why a credential is unusable, or `None`. Never includes the value.
pub(crate) fn credentials_problem(c: &Credentials) -> Option<&'static str> {
    let ak = c.access_key_id();
    if ak.is_empty() {
        return Some("the access key id is empty");
    }
    if !is_graphic(ak) || ak.contains(',') {
        return Some(
            "the access key id must be printable ASCII without spaces, commas or control characters",
        );
    }
    if c.access_key_secret().is_empty() {
        return Some("the secret access key is empty");
    }
    if let Some(token) = c.security_token() {
        if token.is_empty() {
            return Some("the security token is empty");
        }
        if !is_graphic(token) {
            return Some(
                "the security token must be printable ASCII without spaces or control characters",
            );
        }
    }
    None
}

/// Checks resolved credentials before they are used to sign anything.
pub(crate) fn check_credentials(c: &Credentials) -> Result<(), ConstructionError> {
    match credentials_problem(c) {
        Some(problem) => Err(ConstructionError::new("credentials", problem)),
        None => Ok(()),
    }
}

#[cfg(feature = "huawei")]
/// Why a project id is unusable, or `None`. It goes into the path (encoded) and into the
/// `X-Project-Id` header (verbatim).
pub(crate) fn project_id_problem(p: &str) -> Option<String> {
    if p.is_empty() {
        return Some("must not be empty".into());
    }
    if p.len() > MAX_PROJECT_ID_LEN {
        return Some(format!(
            "is {} bytes long; at most {MAX_PROJECT_ID_LEN} are accepted",
            p.len()
        ));
    }
    if !is_graphic(p) {
        return Some(format!(
            "{p:?} must be printable ASCII without spaces or control characters"
        ));
    }
    if p.contains(['/', '?', '#']) || p == "." || p == ".." {
        return Some(format!("{p:?} is not a valid project id"));
    }
    None
}

/// Why a user-agent suffix is unusable, or `None`.
pub(crate) fn user_agent_problem(suffix: &str) -> Option<&'static str> {
    if suffix.bytes().all(|b| b == b' ' || b.is_ascii_graphic()) {
        None
    } else {
        Some("must be printable ASCII (no control characters, no non-ASCII text)")
    }
}

/// Adds a header to a request being built: a name or value the HTTP stack refuses is a
/// construction error (not a retried dispatch failure). Messages never echo the value.
#[cfg(feature = "huawei")]
pub(crate) fn insert_header(
    headers: &mut http::HeaderMap,
    name: &str,
    value: &str,
) -> Result<(), ConstructionError> {
    let name = http::HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
        ConstructionError::new("header", format!("{name:?} is not a valid header name"))
    })?;
    append_value(headers, name, value)
}

/// Adds `value` under a name already known to be valid; a value the HTTP stack refuses is a
/// construction error whose message never echoes the value.
fn append_value(
    headers: &mut http::HeaderMap,
    name: http::HeaderName,
    value: &str,
) -> Result<(), ConstructionError> {
    let value = http::HeaderValue::from_str(value).map_err(|_| invalid_value(&name))?;
    headers.append(name, value);
    Ok(())
}

/// The error for a header value the HTTP stack refuses (out of line: no request built by a
/// client that passed its checks meets it).
#[cold]
#[inline(never)]
fn invalid_value(name: &http::HeaderName) -> ConstructionError {
    ConstructionError::new(
        "header",
        format!("the value of header {name:?} contains characters not allowed in a header"),
    )
}

/// The headers of a signed request, built for the transport without needless copies: values a
/// client made once (host, user agent, constants) are shared, values made per attempt (date,
/// nonce, signature) are moved in; anything else is copied and checked ([`insert_header`]).
/// Every value is still checked by `http` before it goes in.
pub(crate) struct HeaderBuilder(http::HeaderMap);

impl HeaderBuilder {
    pub(crate) fn with_capacity(n: usize) -> Self {
        Self(http::HeaderMap::with_capacity(n))
    }

    /// A value made once (a clone is a reference count, or nothing for a static value).
    pub(crate) fn shared(&mut self, name: http::HeaderName, value: &http::HeaderValue) {
        self.0.append(name, value.clone());
    }

    /// A value made for this request, moved in (checked, not copied).
    pub(crate) fn owned(
        &mut self,
        name: http::HeaderName,
        value: String,
    ) -> Result<(), ConstructionError> {
        self.append_bytes(name, bytes::Bytes::from(value))
    }

    /// A `'static` value (an operation's name): checked as
    /// [`copied_value`](Self::copied_value) checks, never copied.
    #[cfg(feature = "aliyun")]
    pub(crate) fn static_value(
        &mut self,
        name: http::HeaderName,
        value: &'static str,
    ) -> Result<(), ConstructionError> {
        self.append_bytes(name, bytes::Bytes::from_static(value.as_bytes()))
    }

    /// Adds `value`'s bytes as they are (checked by `http`, not copied).
    fn append_bytes(
        &mut self,
        name: http::HeaderName,
        value: bytes::Bytes,
    ) -> Result<(), ConstructionError> {
        let value =
            http::HeaderValue::from_maybe_shared(value).map_err(|_| invalid_value(&name))?;
        self.0.append(name, value);
        Ok(())
    }

    /// A borrowed value, copied (and checked).
    #[cfg(feature = "huawei")]
    pub(crate) fn copied(&mut self, name: &str, value: &str) -> Result<(), ConstructionError> {
        insert_header(&mut self.0, name, value)
    }

    /// A borrowed value under a known name, copied (and checked).
    pub(crate) fn copied_value(
        &mut self,
        name: http::HeaderName,
        value: &str,
    ) -> Result<(), ConstructionError> {
        append_value(&mut self.0, name, value)
    }

    #[cfg(feature = "huawei")]
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    pub(crate) fn finish(self) -> http::HeaderMap {
        self.0
    }
}

/// A header value made once when a client is built (host, user agent): a value `http` refuses
/// is a configuration error then, not at every request.
pub(crate) fn header_value(
    item: &'static str,
    value: &str,
) -> Result<http::HeaderValue, crate::error::BuildError> {
    http::HeaderValue::from_str(value).map_err(|_| crate::error::BuildError::InvalidConfig {
        item,
        reason: "contains characters not allowed in an HTTP header".into(),
    })
}

/// Assembles a signed request for the transport. The URL's buffer becomes the `Uri`'s (a URL
/// with a V2 signed query is about 450 bytes; it is not copied again).
pub(crate) fn http_request(
    method: http::Method,
    url: String,
    headers: http::HeaderMap,
    body: bytes::Bytes,
) -> Result<crate::http::HttpRequest, ConstructionError> {
    let uri = http::Uri::from_maybe_shared(bytes::Bytes::from(url)).map_err(|e| {
        ConstructionError::new("endpoint", "the request URL is not valid").with_source(e)
    })?;
    let mut request = http::Request::new(body);
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    *request.headers_mut() = headers;
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "aliyun")]
    #[test]
    fn static_values_are_checked_like_copied_ones() {
        let name = http::HeaderName::from_static("x-acs-action");
        let mut b = HeaderBuilder::with_capacity(3);
        b.static_value(name.clone(), "DescribeSecurityGroupReferences")
            .unwrap();
        // Not visible ASCII (`HeaderValue::from_static` would panic): accepted as `copied_value`
        // does.
        b.static_value(name.clone(), "Describe\u{e9}").unwrap();
        for bad in ["A\r\nX-Injected: 1", "A\u{7f}", "A\0"] {
            assert!(b.static_value(name.clone(), bad).is_err(), "{bad:?}");
            assert!(b.copied_value(name.clone(), bad).is_err(), "{bad:?}");
        }
        let map = b.finish();
        let values: Vec<&[u8]> = map.get_all(&name).iter().map(|v| v.as_bytes()).collect();
        assert_eq!(
            values,
            [
                &b"DescribeSecurityGroupReferences"[..],
                "Describe\u{e9}".as_bytes()
            ]
        );
    }

    #[test]
    fn credentials() {
        assert_eq!(credentials_problem(&Credentials::new("AK", "SK")), None);
        for ak in ["", "A K", "AK\r\nX-Injected: 1", "AK\u{7f}", "ÄK", "A,K"] {
            assert!(
                credentials_problem(&Credentials::new(ak, "SK")).is_some(),
                "{ak:?}"
            );
        }
        assert!(credentials_problem(&Credentials::new("AK", "")).is_some());
        assert_eq!(
            credentials_problem(&Credentials::new("AK", "any secret\r\nü")),
            None,
            "the secret never goes on the wire"
        );
        for token in ["", "t\r\nX: y", "t t", "tök"] {
            let c = Credentials::new("AK", "SK").with_security_token(token);
            assert!(credentials_problem(&c).is_some(), "{token:?}");
        }
        let c = Credentials::new("AK", "SK").with_security_token("CAIS+/=abc");
        assert_eq!(credentials_problem(&c), None);
    }

    #[cfg(feature = "huawei")]
    #[test]
    fn project_ids() {
        assert_eq!(project_id_problem("0605767b5280d57e2f6ec014d9c0a2b7"), None);
        assert_eq!(project_id_problem("%2F"), None);
        for bad in [
            "", ".", "..", "../x", "a/b", "a?b", "a#b", "a b", "a\r\nb", "ü",
        ] {
            assert!(project_id_problem(bad).is_some(), "{bad:?}");
        }
        assert!(project_id_problem(&"a".repeat(MAX_PROJECT_ID_LEN + 1)).is_some());
        assert_eq!(project_id_problem(&"a".repeat(MAX_PROJECT_ID_LEN)), None);
    }

    #[cfg(feature = "huawei")]
    #[test]
    fn headers() {
        let mut map = http::HeaderMap::new();
        assert!(insert_header(&mut map, "X-A", "v w").is_ok());
        assert_eq!(map.get("x-a").unwrap(), "v w");
        let err = insert_header(&mut map, "X-A", "secret\r\nX-B: 1").unwrap_err();
        assert!(!err.to_string().contains("secret"), "{err}");
        assert!(insert_header(&mut map, "X A", "v").is_err());
        assert_eq!(map.len(), 1);

        let mut b = HeaderBuilder::with_capacity(4);
        b.shared(http::header::HOST, &http::HeaderValue::from_static("h"));
        b.owned(
            http::HeaderName::from_static("x-d"),
            "20260101T000000Z".into(),
        )
        .unwrap();
        let err = b
            .owned(http::header::AUTHORIZATION, "secret\r\nX-B: 1".into())
            .unwrap_err();
        assert!(!err.to_string().contains("secret"), "{err}");
        assert!(b.copied("X C", "v").is_err());
        assert!(b.contains("x-d") && !b.contains("authorization"));
        let map = b.finish();
        assert_eq!(map.len(), 2);
        assert_eq!(map["host"], "h");
        assert_eq!(map["x-d"], "20260101T000000Z");
        assert!(header_value("user_agent", "a\nb").is_err());
    }
}
