//! Every example payload of `specs/huawei-vpc-v3.yaml` (copied into `tests/examples/`) decoded (debug snapshot), re-serialized
//! in the canonical wire form (JSON snapshot), and round-tripped.

use std::path::PathBuf;

use huawei_vpc_v3::operation::show_security_group::ShowSecurityGroupOutput;
use huawei_vpc_v3::types::{Action, Direction, EtherType};

const EXAMPLES: &[&str] = &[
    "doc_example.json",
    "empty_rules.json",
    "extra_fields.json",
    "remote_ip_rule.json",
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

fn decode(name: &str) -> ShowSecurityGroupOutput {
    let text = read(name);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Snapshots the decoded value and its canonical JSON, and checks decode(serialize(x)) == x.
fn check(name: &str) -> ShowSecurityGroupOutput {
    let value = decode(name);
    let stem = name.trim_end_matches(".json");
    insta::assert_debug_snapshot!(format!("{stem}_decoded"), value);
    let canonical = serde_json::to_string_pretty(&value).unwrap();
    insta::assert_snapshot!(format!("{stem}_canonical"), canonical);
    let again: ShowSecurityGroupOutput = serde_json::from_str(&canonical).unwrap();
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
    assert_eq!(
        out.request_id.as_deref(),
        Some("a8cf4f79ca3c22ca685e7e8872e8c20b")
    );
    let sg = out.security_group.unwrap();
    assert_eq!(sg.security_group_rules.len(), 4);
    let rule = &sg.security_group_rules[0];
    assert_eq!(rule.direction, Direction::Ingress);
    assert_eq!(rule.ethertype, EtherType::Ipv6);
    assert_eq!(rule.action, Action::Allow);
    assert_eq!(rule.protocol, None);
    assert_eq!(rule.multiport, None);
    assert_eq!(rule.priority, 100);
    assert_eq!(rule.enabled, None);
    assert!(sg.tags.is_empty());
}

#[test]
fn extra_fields() {
    let out = check("extra_fields.json");
    assert_eq!(out.request_id, None);
    let sg = out.security_group.unwrap();
    assert_eq!(sg.tags.len(), 1);
    assert_eq!(sg.tags[0].key.as_deref(), Some("env"));
    assert_eq!(sg.security_group_rules[0].enabled, Some(true));
}

#[test]
fn empty_rules() {
    let out = check("empty_rules.json");
    let sg = out.security_group.unwrap();
    assert!(sg.security_group_rules.is_empty());
    assert_eq!(sg.created_at, None);
}

#[test]
fn remote_ip_rule() {
    let out = check("remote_ip_rule.json");
    let rules = out.security_group.unwrap().security_group_rules;
    assert_eq!(rules[0].remote_ip_prefix.as_deref(), Some("10.0.0.0/8"));
    assert_eq!(rules[0].multiport.as_deref(), Some("22,443,8000-8080"));
    assert_eq!(rules[0].action, Action::Deny);
    // Unknown enum values are kept and written back unchanged.
    assert_eq!(
        rules[1].direction,
        Direction::Unknown("sideways".to_owned())
    );
    assert_eq!(rules[1].direction.as_str(), "sideways");
    assert_eq!(rules[1].protocol.as_deref(), Some("47"));
}

#[test]
fn null_and_absent_shapes() {
    // `security_group: null`, and a rule list that is `null`.
    let out: ShowSecurityGroupOutput = serde_json::from_str(r#"{"security_group": null}"#).unwrap();
    assert_eq!(out.security_group, None);
    let text = std::fs::read_to_string(dir().join("empty_rules.json"))
        .unwrap()
        .replace(
            r#""security_group_rules": []"#,
            r#""security_group_rules": null"#,
        );
    let out: ShowSecurityGroupOutput = serde_json::from_str(&text).unwrap();
    assert!(out.security_group.unwrap().security_group_rules.is_empty());
}

#[test]
fn enums_round_trip_strings() {
    for v in Direction::VALUES.iter().chain(["other"].iter()) {
        let d = Direction::from(*v);
        assert_eq!(d.as_str(), *v);
        assert_eq!(d.to_string(), *v);
        assert_eq!(v.parse::<Direction>().unwrap(), d);
    }
    assert!(Direction::from("other").is_unknown());
    assert_eq!(EtherType::from("IPv4"), EtherType::Ipv4);
    assert_eq!(serde_json::to_string(&Action::Deny).unwrap(), r#""deny""#);
}
