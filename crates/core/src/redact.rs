//! The one redaction point: every response body, header, decoded error field or decode-error
//! message that can reach an error value or a log line passes through a [`Redactor`].
//!
//! A gateway may echo the request (its canonical request, its string to sign, or the whole
//! request in an HTML page), and with it the security token: raw, or percent-encoded once or
//! twice. A [`RawResponse`] can only be made from a received response through
//! [`Redactor::raw`], so no error carries an unredacted body or header.

use std::error::Error as StdError;
use std::fmt;

use bytes::Bytes;
use http::HeaderValue;

use crate::error::{BoxError, ErrorMetadata, RawResponse};
use crate::runtime::Received;

const REDACTED: &str = "***";

/// The texts to cut out of anything shown: the security token in every form a server may echo.
#[derive(Clone, Debug, Default)]
pub(crate) struct Redactor {
    /// Longest first (the twice-encoded form contains the once-encoded one's `%`).
    forms: Vec<String>,
}

impl Redactor {
    /// Nothing to redact (permanent keys).
    pub(crate) fn none() -> Self {
        Self::default()
    }

    /// Redacts `security_token` raw and percent-encoded once and twice.
    pub(crate) fn new(security_token: Option<&str>) -> Self {
        let Some(token) = security_token.filter(|t| !t.is_empty()) else {
            return Self::none();
        };
        let once = crate::sign::encode::percent_encode(token);
        let twice = crate::sign::encode::percent_encode(&once);
        let mut forms = vec![twice, once, token.to_owned()];
        forms.dedup();
        Self { forms }
    }

    #[cfg(test)]
    pub(crate) fn forms(&self) -> &[String] {
        &self.forms
    }

    fn is_empty(&self) -> bool {
        self.forms.is_empty()
    }

    /// Redacts a text in place.
    pub(crate) fn text(&self, text: &mut String) {
        for f in &self.forms {
            if text.contains(f.as_str()) {
                *text = text.replace(f.as_str(), REDACTED);
            }
        }
    }

    fn bytes(&self, body: &[u8]) -> Option<Vec<u8>> {
        let mut out: Option<Vec<u8>> = None;
        for f in &self.forms {
            let needle = f.as_bytes();
            let hay: &[u8] = out.as_deref().unwrap_or(body);
            if needle.is_empty() || !hay.windows(needle.len()).any(|w| w == needle) {
                continue;
            }
            let mut next = Vec::with_capacity(hay.len());
            let mut i = 0;
            while i < hay.len() {
                if hay[i..].starts_with(needle) {
                    next.extend_from_slice(REDACTED.as_bytes());
                    i += needle.len();
                } else {
                    next.push(hay[i]);
                    i += 1;
                }
            }
            out = Some(next);
        }
        out
    }

    /// Redacts a received response's body and header values in place.
    pub(crate) fn received(&self, received: &mut Received) {
        if self.is_empty() {
            return;
        }
        if let Some(body) = self.bytes(&received.body) {
            received.body = Bytes::from(body);
        }
        for value in received.headers.values_mut() {
            if let Some(v) = self.bytes(value.as_bytes())
                && let Ok(v) = HeaderValue::from_bytes(&v)
            {
                *value = v;
            }
        }
    }

    /// Redacts the fields decoded from an error body (a JSON body may escape characters of the
    /// token, `\/`, so the decoded text is checked too).
    pub(crate) fn meta(&self, meta: &mut ErrorMetadata) {
        if self.is_empty() {
            return;
        }
        for text in [&mut meta.message, &mut meta.code, &mut meta.request_id]
            .into_iter()
            .flatten()
        {
            self.text(text);
        }
        for v in meta.extras.values_mut() {
            self.text(v);
        }
    }

    /// The only way from a received response to a [`RawResponse`] (which errors carry).
    pub(crate) fn raw(&self, mut received: Received) -> RawResponse {
        self.received(&mut received);
        let headers = received
            .headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        RawResponse::new(received.status, headers, received.body)
    }

    /// A decode error whose text (or a cause's) shows a form of the token is replaced by its
    /// redacted text (a decoder may quote the input).
    pub(crate) fn error(&self, error: BoxError) -> BoxError {
        if self.is_empty() {
            return error;
        }
        let original = crate::error::chain_text(error.as_ref());
        let mut text = original.clone();
        self.text(&mut text);
        if text == original {
            return error;
        }
        Box::new(Redacted(text))
    }
}

/// An error whose text was redacted; its original causes are dropped with it.
#[derive(Debug)]
struct Redacted(String);

impl fmt::Display for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl StdError for Redacted {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn received(status: u16, headers: &[(&str, &str)], body: &str) -> Received {
        let mut map = http::HeaderMap::new();
        for (n, v) in headers {
            map.append(
                http::HeaderName::from_bytes(n.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        Received {
            status,
            headers: map,
            body: Bytes::from(body.to_owned()),
        }
    }

    #[test]
    fn every_form_is_cut_from_body_headers_and_metadata() {
        let r = Redactor::new(Some("a/b+c=="));
        assert_eq!(
            r.forms(),
            ["a%252Fb%252Bc%253D%253D", "a%2Fb%2Bc%3D%3D", "a/b+c=="]
        );
        assert!(Redactor::new(Some("")).forms().is_empty());
        assert!(Redactor::new(None).forms().is_empty());
        let rec = received(
            400,
            &[("x-echo", "t=a/b+c==")],
            "raw a/b+c== once a%2Fb%2Bc%3D%3D twice a%252Fb%252Bc%253D%253D",
        );
        let raw = r.raw(rec);
        assert_eq!(raw.body(), b"raw *** once *** twice ***");
        assert_eq!(raw.header("x-echo"), Some("t=***"));
        let mut meta = ErrorMetadata::new(400);
        meta.message = Some("m a/b+c==".into());
        meta.extras.insert("k".into(), "a%2Fb%2Bc%3D%3D".into());
        r.meta(&mut meta);
        assert_eq!(meta.message(), Some("m ***"));
        assert_eq!(meta.extra("k"), Some("***"));
        let e = r.error("expected `<` at `a/b+c==`".into());
        assert_eq!(e.to_string(), "expected `<` at `***`");
    }

    proptest! {
        #[test]
        // `*` is left out: a token made of the marker `***` itself cannot be told apart.
        fn redaction_removes_every_form(token in "[!-)+-~]{1,24}", noise in "[a-z ]{0,16}") {
            let r = Redactor::new(Some(&token));
            let once = crate::sign::encode::percent_encode(&token);
            let twice = crate::sign::encode::percent_encode(&once);
            let text = format!("{noise}{token}{noise}{once}{noise}{twice}");
            let raw = r.raw(received(401, &[], &text));
            let mut meta = ErrorMetadata::new(401);
            meta.message = Some(text);
            r.meta(&mut meta);
            let body = String::from_utf8(raw.body().to_vec()).unwrap();
            for shown in [body.as_str(), meta.message().unwrap()] {
                prop_assert!(!shown.contains(token.as_str()), "{}", shown);
                prop_assert!(!shown.contains(once.as_str()), "{}", shown);
                prop_assert!(!shown.contains(twice.as_str()), "{}", shown);
            }
        }
    }
}
