//! RFC 3986 percent-encoding: encode/decode round trip over arbitrary text, decoding of
//! arbitrary (possibly malformed) escapes, the canonical query string, and the Huawei
//! path-parameter validator (a value either is refused or encodes to one segment that decodes
//! back to it).
#![no_main]

use arbitrary::Arbitrary;
use cloudsdk_core::__fuzz;
use cloudsdk_core::sign::encode;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    text: String,
    escaped: String,
    pairs: Vec<(String, String)>,
}

fuzz_target!(|input: Input| {
    let enc = encode::percent_encode(&input.text);
    assert!(enc.bytes().all(|b| encode::is_unreserved(b) || b == b'%'));
    assert_eq!(
        encode::percent_decode(&enc).expect("own output decodes"),
        input.text
    );
    let _ = encode::percent_decode(&input.escaped);

    let pairs: Vec<(&str, &str)> = input
        .pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let q = encode::canonical_query_string(&pairs);
    assert!(!q.contains(['#', '?', ' ', '\r', '\n']));

    match __fuzz::encode_path_param(&input.text) {
        Ok(segment) => {
            assert!(!segment.is_empty());
            assert!(!segment.contains(['/', '?', '#']), "{segment:?}");
            assert!(segment != "." && segment != "..", "{segment:?}");
            assert_eq!(encode::percent_decode(&segment).unwrap(), input.text);
        }
        Err(_) => {}
    }
});
