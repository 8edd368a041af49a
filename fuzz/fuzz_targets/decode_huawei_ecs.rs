//! `NovaListServerSecurityGroupsOutput` from arbitrary bytes through the client's JSON decoder. Must never
//! panic; anything decoded must re-serialize and decode to an equal value.
#![no_main]

use huawei_ecs_v2::operation::nova_list_server_security_groups::NovaListServerSecurityGroupsOutput as Output;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(out) = cloudsdk_core::__fuzz::decode_json::<Output>(data) {
        let text = serde_json::to_string(&out).expect("decoded output re-serializes");
        let again: Output = serde_json::from_str(&text).expect("canonical JSON decodes");
        assert_eq!(again, out);
    }
});
