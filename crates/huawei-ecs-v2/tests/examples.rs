//! Every example payload of `specs/huawei-ecs-v2.yaml` (copied into `tests/examples/`) decoded (debug snapshot), re-serialized
//! in the canonical wire form (JSON snapshot), and round-tripped.

use std::path::PathBuf;

use huawei_ecs_v2::operation::nova_list_server_security_groups::NovaListServerSecurityGroupsOutput as Output;
use huawei_ecs_v2::types::{NovaSecurityGroupCommonGroup, NovaSecurityGroupCommonIpRange};

const EXAMPLES: &[&str] = &[
    "doc_example.json",
    "empty.json",
    "icmp_any.json",
    "no_groups.json",
    "vector_doc_example.json",
];

/// `tests/examples/` of this crate: copies of the spec's example payloads, written by
/// `cargo xtask codegen` (and packaged with the crate).
fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/examples")
}

/// Reads one payload; a missing file is a failure, never a skip.
fn read(name: &str) -> String {
    let path = dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read the example payload {} ({e}); the payloads are generated into \
             tests/examples/ by `cargo xtask codegen`",
            path.display()
        )
    })
}

fn decode(name: &str) -> Output {
    let text = read(name);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Snapshots the decoded value and its canonical JSON, and checks decode(serialize(x)) == x.
fn check(name: &str) -> Output {
    let value = decode(name);
    let stem = name.trim_end_matches(".json");
    insta::assert_debug_snapshot!(format!("{stem}_decoded"), value);
    let canonical = serde_json::to_string_pretty(&value).unwrap();
    insta::assert_snapshot!(format!("{stem}_canonical"), canonical);
    let again: Output = serde_json::from_str(&canonical).unwrap();
    assert_eq!(again, value, "{name}: decode(serialize(x)) != x");
    value
}

#[test]
fn every_example_file_is_tested() {
    let mut files: Vec<String> = std::fs::read_dir(dir())
        .unwrap_or_else(|e| {
            panic!(
                "the example payloads are missing: {} ({e}); run `cargo xtask codegen`",
                dir().display()
            )
        })
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!files.is_empty(), "{} is empty", dir().display());
    files.sort();
    assert_eq!(files, EXAMPLES);
}

#[test]
fn doc_example() {
    let out = check("doc_example.json");
    assert_eq!(out.security_groups.len(), 2);
    let by_group = &out.security_groups[0].rules[0];
    assert_eq!(by_group.from_port, None);
    assert_eq!(by_group.to_port, None);
    assert_eq!(by_group.ip_protocol, None);
    assert_eq!(by_group.group.name.as_deref(), Some("default"));
    assert_eq!(by_group.ip_range, NovaSecurityGroupCommonIpRange::default());
    let by_cidr = &out.security_groups[1].rules[0];
    assert_eq!(by_cidr.from_port, Some(200));
    assert_eq!(by_cidr.to_port, Some(400));
    assert_eq!(by_cidr.ip_protocol.as_deref(), Some("tcp"));
    assert_eq!(by_cidr.group, NovaSecurityGroupCommonGroup::default());
    assert_eq!(by_cidr.ip_range.cidr.as_deref(), Some("0.0.0.0/0"));
}

#[test]
fn doc_example_equals_the_vector_payload() {
    // The `decode-ecs-doc-example` vector of the official Python SDK carries the same payload
    // (re-encoded by Python, other key order).
    let from_vector = check_same("vector_doc_example.json");
    assert_eq!(from_vector, decode("doc_example.json"));
}

/// Decodes a payload that must describe the same data as another one (`same_data_as`) and
/// checks its round trip; its snapshots are the other payload's.
fn check_same(name: &str) -> Output {
    let value = decode(name);
    let canonical = serde_json::to_string_pretty(&value).unwrap();
    let again: Output = serde_json::from_str(&canonical).unwrap();
    assert_eq!(again, value, "{name}: decode(serialize(x)) != x");
    value
}

#[test]
fn icmp_any() {
    let out = check("icmp_any.json");
    let rules = &out.security_groups[0].rules;
    assert_eq!((rules[0].from_port, rules[0].to_port), (Some(-1), Some(-1)));
    assert_eq!(rules[0].group, NovaSecurityGroupCommonGroup::default()); // absent
    assert_eq!(rules[1].group, NovaSecurityGroupCommonGroup::default()); // null
    assert_eq!(rules[1].ip_range, NovaSecurityGroupCommonIpRange::default()); // absent
    assert_eq!(rules[2].ip_protocol.as_deref(), Some("47"));
}

#[test]
fn empty() {
    let out = check("empty.json");
    assert!(out.security_groups[0].rules.is_empty());
}

#[test]
fn no_groups() {
    let out = check("no_groups.json");
    assert!(out.security_groups.is_empty());
    let absent: Output = serde_json::from_str("{}").unwrap();
    assert_eq!(absent, out);
    let null: Output = serde_json::from_str(r#"{"security_groups": null}"#).unwrap();
    assert_eq!(null, out);
}
