//! `DescribeSecurityGroupReferencesOutput` from arbitrary bytes through the client's JSON and XML
//! decoders (first byte picks the format). Must never panic; anything decoded must re-serialize
//! as JSON and decode to an equal value.
#![no_main]

use aliyun_ecs::operation::describe_security_group_references::DescribeSecurityGroupReferencesOutput as Output;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let decoded = if selector & 1 == 0 {
        cloudsdk_core::__fuzz::decode_json::<Output>(body)
    } else {
        cloudsdk_core::__fuzz::decode_xml::<Output>(body)
    };
    if let Ok(out) = decoded {
        let text = serde_json::to_string(&out).expect("decoded output re-serializes");
        let again: Output = serde_json::from_str(&text).expect("canonical JSON decodes");
        assert_eq!(again, out);
    }
});
