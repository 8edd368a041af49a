//! The Huawei signer's canonicalisation (`SDK-HMAC-SHA256` and the derived `V11-HMAC-SHA256`)
//! over arbitrary method, host, path, query and headers. Must never panic; a successful
//! signature must be reproducible and parse back from its `Authorization` header.
#![no_main]

use arbitrary::Arbitrary;
use cloudsdk_core::sign::huawei as hw;
use libfuzzer_sys::fuzz_target;

/// The `X-Sdk-Date` header: mostly well-formed (so the canonicalisation is reached), sometimes
/// arbitrary text, sometimes absent.
#[derive(Arbitrary, Debug)]
enum Date {
    Valid([u8; 6]),
    Raw(String),
    Missing,
}

impl Date {
    fn text(&self) -> Option<String> {
        match self {
            Date::Valid([y, mo, d, h, mi, s]) => Some(format!(
                "20{:02}{:02}{:02}T{:02}{:02}{:02}Z",
                y % 100,
                1 + mo % 12,
                1 + d % 28,
                h % 24,
                mi % 60,
                s % 60
            )),
            Date::Raw(s) => Some(s.clone()),
            Date::Missing => None,
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Input {
    method: String,
    host: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    date: Date,
    body: Vec<u8>,
    ak: String,
    sk: String,
    region: String,
}

fuzz_target!(|input: Input| {
    let query: Vec<(&str, &str)> = input
        .query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut headers: Vec<(&str, &str)> = input
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let date = input.date.text();
    if let Some(d) = &date {
        headers.push((hw::HEADER_SDK_DATE, d.as_str()));
    }
    let signing = hw::SigningInput {
        method: &input.method,
        host: &input.host,
        path: &input.path,
        query: &query,
        headers: &headers,
        body: &input.body,
    };
    if let Ok(signed) = hw::sign(&signing, &input.ak, &input.sk) {
        let again = hw::sign(&signing, &input.ak, &input.sk).expect("deterministic");
        assert_eq!(signed, again);
        let _ = hw::parse_authorization(&signed.authorization);
    }
    let _ = hw::sign_derived(&signing, &input.ak, &input.sk, &input.region, "vpc");
    if let Some(d) = &date {
        let _ = hw::parse_sdk_date(d);
    }
});
