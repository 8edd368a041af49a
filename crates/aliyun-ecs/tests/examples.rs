//! Every example payload of `specs/aliyun-ecs.yaml` (copied into `tests/examples/`) (JSON and XML) decoded (debug snapshot),
//! re-serialized in the canonical wire form (JSON snapshot), and round-tripped; examples that
//! describe the same data decode to equal values.

use std::path::PathBuf;

use aliyun_ecs::operation::describe_security_group_references::DescribeSecurityGroupReferencesOutput as Output;

const EXAMPLES: &[&str] = &[
    "doc_data_wire.json",
    "doc_json.json",
    "doc_xml.xml",
    "empty_json.json",
    "empty_xml.xml",
    "json_single.json",
    "real_shape.json",
    "xml_single.xml",
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
    if name.ends_with(".xml") {
        quick_xml::de::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
    }
}

/// Snapshots the decoded value and its canonical JSON, and checks decode(serialize(x)) == x.
fn check(name: &str) -> Output {
    let value = decode(name);
    let stem = name.replace('.', "_");
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
fn documented_json_xml_and_wire_json_agree() {
    let doc_json = check("doc_json.json");
    let doc_xml = check("doc_xml.xml");
    let wire = check("doc_data_wire.json");
    assert_eq!(doc_json, doc_xml);
    assert_eq!(doc_json, wire);
    let refs = &doc_json.security_group_references;
    assert_eq!(refs.len(), 1);
    assert_eq!(refs[0].security_group_id.as_deref(), Some("sg-1133aa"));
    let referencing = &refs[0].referencing_security_groups;
    assert_eq!(referencing.len(), 2);
    // The document's JSON has `"AliUid":123` (a number); it decodes to the string "123".
    assert_eq!(referencing[0].ali_uid.as_deref(), Some("123"));
    assert_eq!(
        referencing[1].security_group_id.as_deref(),
        Some("sg-2255dd")
    );
}

#[test]
fn canonical_form_is_the_wire_shape() {
    let value = decode("doc_json.json");
    let canonical: serde_json::Value = serde_json::to_value(&value).unwrap();
    let wire: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir().join("doc_data_wire.json")).unwrap())
            .unwrap();
    assert_eq!(canonical, wire);
}

#[test]
fn real_shape() {
    let out = check("real_shape.json");
    assert_eq!(out.request_id, "473469C7-AA6F-4DC5-B3DB-A3DC0DE3C83E");
    let r = &out.security_group_references[0];
    assert_eq!(
        r.security_group_id.as_deref(),
        Some("sg-bp67acfmxazb4p0001")
    );
    assert_eq!(
        r.referencing_security_groups[0].ali_uid.as_deref(),
        Some("1234567890")
    );
}

#[test]
fn one_element_lists() {
    let xml = check("xml_single.xml");
    let json = check("json_single.json");
    assert_eq!(xml, json);
    assert_eq!(xml.security_group_references.len(), 1);
    assert_eq!(
        xml.security_group_references[0]
            .referencing_security_groups
            .len(),
        1
    );
}

#[test]
fn empty_lists() {
    let json = check("empty_json.json");
    let xml = check("empty_xml.xml");
    assert_eq!(json, xml);
    assert!(json.security_group_references.is_empty());
    for text in [
        r#"{"RequestId":"r"}"#,
        r#"{"RequestId":"r","SecurityGroupReferences":null}"#,
        r#"{"RequestId":"r","SecurityGroupReferences":{}}"#,
        r#"{"RequestId":"r","SecurityGroupReferences":[]}"#,
        r#"{"RequestId":"r","SecurityGroupReferences":{"SecurityGroupReference":[]}}"#,
    ] {
        let out: Output = serde_json::from_str(text).unwrap();
        assert!(out.security_group_references.is_empty(), "{text}");
    }
}

#[test]
fn single_object_instead_of_array() {
    let text = r#"{"RequestId":"r","SecurityGroupReferences":{"SecurityGroupReference":{"SecurityGroupId":"sg-a","ReferencingSecurityGroups":{"ReferencingSecurityGroup":{"AliUid":42,"SecurityGroupId":"sg-b"}}}}}"#;
    let out: Output = serde_json::from_str(text).unwrap();
    let r = &out.security_group_references[0];
    assert_eq!(
        r.referencing_security_groups[0].ali_uid.as_deref(),
        Some("42")
    );
}
