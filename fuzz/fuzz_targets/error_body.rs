//! Error-body decoding (`crates/core/src/error_body.rs`) of both vendors over arbitrary status,
//! headers and body, plus the request-id lookups and the `Date` parser of clock-skew
//! correction. Must never panic; the decoded metadata keeps the status and its message is a
//! bounded snippet when the body is not a known shape.
#![no_main]

use arbitrary::Arbitrary;
use cloudsdk_core::__fuzz;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    date: String,
}

fuzz_target!(|input: Input| {
    let hw = __fuzz::huawei_error(input.status, &input.headers, &input.body);
    assert_eq!(hw.status, input.status);
    let ali = __fuzz::aliyun_error(input.status, &input.headers, &input.body);
    assert_eq!(ali.status, input.status);
    let _ = (hw.to_string(), ali.to_string(), format!("{hw:?}{ali:?}"));
    let _ = __fuzz::huawei_request_id(&input.headers, &input.body);
    let _ = __fuzz::aliyun_request_id(&input.headers, &input.body);
    let _ = __fuzz::parse_http_date(&input.date);
});
