//! Entry points for the cargo-fuzz targets in `fuzz/` (feature `fuzzing`). Not a public API.
//!
//! Each function wraps a crate-private routine that turns untrusted bytes into values: response
//! and error decoders, the `Date` header parser, path-parameter validation.

use serde::de::DeserializeOwned;

use crate::error::{BoxError, ConstructionError, ErrorMetadata};
use crate::runtime::Received;

fn received(status: u16, headers: &[(String, String)], body: &[u8]) -> Received {
    Received::from_pairs(status, headers.iter().map(|(n, v)| (n, v)), body)
}

/// Huawei error body (and headers) → metadata, as the client decodes a non-2xx response.
pub fn huawei_error(status: u16, headers: &[(String, String)], body: &[u8]) -> ErrorMetadata {
    crate::error_body::huawei_error(&received(status, headers, body))
}

#[cfg(feature = "aliyun")]
/// Alibaba error body (JSON or XML, and headers) → metadata.
pub fn aliyun_error(status: u16, headers: &[(String, String)], body: &[u8]) -> ErrorMetadata {
    crate::error_body::aliyun_error(&received(status, headers, body))
}

/// Huawei request id of any response.
pub fn huawei_request_id(headers: &[(String, String)], body: &[u8]) -> Option<String> {
    crate::error_body::huawei_request_id(&received(200, headers, body))
}

#[cfg(feature = "aliyun")]
/// Alibaba request id of any response.
pub fn aliyun_request_id(headers: &[(String, String)], body: &[u8]) -> Option<String> {
    crate::error_body::aliyun_request_id(&received(200, headers, body))
}

/// The client's JSON success decoder (empty body = `{}`).
pub fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, BoxError> {
    crate::runtime::decode_json(body)
}

#[cfg(feature = "aliyun")]
/// The client's XML success decoder.
pub fn decode_xml<T: DeserializeOwned>(body: &[u8]) -> Result<T, BoxError> {
    crate::aliyun::decode_xml(body)
}

/// The `Date` header parser used by clock-skew correction; Unix seconds.
pub fn parse_http_date(value: &str) -> Option<i64> {
    crate::runtime::parse_http_date(value).map(|t| t.unix_timestamp())
}

#[cfg(feature = "huawei")]
/// Huawei path-parameter validation and encoding.
pub fn encode_path_param(value: &str) -> Result<String, ConstructionError> {
    crate::huawei::encode_param("param", value)
}
