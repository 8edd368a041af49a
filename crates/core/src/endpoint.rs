//! Endpoint and region validation shared by both vendors.

use crate::error::BuildError;

/// A validated endpoint: scheme, `host[:port]` (port only when not the scheme default) and an
/// optional base path (no trailing `/`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Endpoint {
    /// `https://host[:port]`
    pub origin: String,
    /// `host[:port]`, the value of the `Host` header.
    pub host: String,
    /// `host` as a header value, made once.
    pub host_header: http::HeaderValue,
    /// Path prefix, empty or starting with `/`, without a trailing `/`.
    pub base_path: String,
}

impl Endpoint {
    /// Parses an endpoint given by the user or produced from a template. A bare host
    /// (`ecs.cn-hangzhou.aliyuncs.com`) gets `https://`.
    pub(crate) fn parse(item: &'static str, raw: &str) -> Result<Self, BuildError> {
        let invalid = |reason: &str| BuildError::InvalidEndpoint {
            item,
            endpoint: raw.to_owned(),
            reason: reason.to_owned(),
        };
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(invalid("empty"));
        }
        if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid("contains whitespace"));
        }
        let with_scheme = if trimmed.contains("://") {
            trimmed.to_owned()
        } else {
            format!("https://{trimmed}")
        };
        let url = reqwest::Url::parse(&with_scheme).map_err(|e| invalid(&e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid("scheme must be http or https"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid("must not contain user information"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid("must not contain a query or fragment"));
        }
        let host = match url.host_str() {
            Some(h) if !h.is_empty() => h,
            _ => return Err(invalid("no host")),
        };
        if host.contains('{') || host.contains('}') {
            return Err(invalid("unresolved placeholder"));
        }
        let host = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        let base_path = url.path().trim_end_matches('/').to_owned();
        let host_header = http::HeaderValue::from_str(&host)
            .map_err(|_| invalid("the host is not a valid header value"))?;
        Ok(Endpoint {
            origin: format!("{}://{host}", url.scheme()),
            host,
            host_header,
            base_path,
        })
    }

    /// The endpoint as a URL string (origin + base path).
    pub(crate) fn url(&self) -> String {
        format!("{}{}", self.origin, self.base_path)
    }
}

/// Checks the shape of a region id: lower-case ASCII letters, digits and `-`, starting with a
/// letter and ending with a letter or digit (`cn-north-4`, `ap-southeast-1`, `eu-west-101`).
pub(crate) fn validate_region(region: &str) -> Result<(), BuildError> {
    let b = region.as_bytes();
    let ok = b.len() >= 2
        && b.len() <= 64
        && b[0].is_ascii_lowercase()
        && b.last()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-');
    if ok {
        Ok(())
    } else {
        Err(BuildError::InvalidRegion {
            region: region.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_endpoints() {
        let e = Endpoint::parse("endpoint", "http://127.0.0.1:8080").unwrap();
        assert_eq!(e.origin, "http://127.0.0.1:8080");
        assert_eq!(e.host, "127.0.0.1:8080");
        assert_eq!(e.base_path, "");
        let e = Endpoint::parse("endpoint", "ecs.cn-hangzhou.aliyuncs.com").unwrap();
        assert_eq!(e.origin, "https://ecs.cn-hangzhou.aliyuncs.com");
        let e = Endpoint::parse("endpoint", "https://vpc.example.com:443/prefix/").unwrap();
        assert_eq!(e.host, "vpc.example.com");
        assert_eq!(e.base_path, "/prefix");
        let e = Endpoint::parse("endpoint", "http://bücher.example").unwrap();
        assert_eq!(e.host, "xn--bcher-kva.example");
        for bad in [
            "",
            "not a url",
            "ftp://x",
            "http://",
            "https://x/?q=1",
            "https://{region}.x",
        ] {
            assert!(Endpoint::parse("endpoint", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn regions() {
        for ok in [
            "cn-north-4",
            "ap-southeast-1",
            "eu-west-101",
            "cn-hangzhou",
            "me-east-1",
        ] {
            validate_region(ok).unwrap();
        }
        for bad in [
            "",
            "CN-NORTH-4",
            "cn-north-",
            "-cn",
            "cn north",
            "cn_north_4",
            "4cn",
        ] {
            assert!(validate_region(bad).is_err(), "{bad}");
        }
    }
}
