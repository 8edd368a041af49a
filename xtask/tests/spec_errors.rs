//! Bad specs are refused with `file:line:column: error: message`, one test per kind of mistake
//! (fixtures under `tests/fixtures/`).

#![warn(clippy::too_many_lines)] // threshold: clippy.toml (80 lines)

use std::path::Path;

fn errors(name: &str) -> String {
    let file = format!("xtask/tests/fixtures/{name}.yaml");
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("{name}.yaml"));
    let text = std::fs::read_to_string(path).expect("fixture exists");
    match xtask::parse_spec(&file, &text, None) {
        Ok(_) => panic!("{name} should be refused"),
        Err(d) => d.to_string(),
    }
}

#[test]
fn yaml_syntax_error() {
    assert_eq!(
        errors("bad-syntax"),
        "xtask/tests/fixtures/bad-syntax.yaml:4:16: error: unclosed quote"
    );
}

#[test]
fn duplicate_key() {
    assert_eq!(
        errors("duplicate-key"),
        "xtask/tests/fixtures/duplicate-key.yaml:18:3: error: duplicate mapping key: GetThing"
    );
}

#[test]
fn unknown_type_reference() {
    assert_eq!(
        errors("unknown-type"),
        "xtask/tests/fixtures/unknown-type.yaml:18:17: error: unknown type `Thing` (not defined in `types`)"
    );
}

#[test]
fn missing_required_field() {
    assert_eq!(
        errors("missing-field"),
        "xtask/tests/fixtures/missing-field.yaml:18:11: error: missing field `presence`"
    );
}

#[test]
fn invalid_names() {
    assert_eq!(
        errors("invalid-name"),
        "xtask/tests/fixtures/invalid-name.yaml:12:3: error: invalid type name `security group`: expected UpperCamelCase (ASCII letters and digits)\n\
         xtask/tests/fixtures/invalid-name.yaml:17:3: error: invalid operation name `get_thing`: expected UpperCamelCase (ASCII letters and digits)"
    );
}

#[test]
fn unknown_field() {
    let e = errors("unknown-field");
    assert!(
        e.starts_with("xtask/tests/fixtures/unknown-field.yaml:17:28: error: unknown field `presense`, expected one of type, presence,"),
        "{e}"
    );
}

#[test]
fn every_semantic_error_is_reported() {
    assert_eq!(
        errors("unknown-source"),
        "xtask/tests/fixtures/unknown-source.yaml:14:13: error: unknown source `manual` (not a key of `sources`)\n\
         xtask/tests/fixtures/unknown-source.yaml:15:30: error: URI parameter `{thing_id}` is not a path member of `input`"
    );
}

#[test]
fn real_specs_are_valid() {
    let root = xtask::workspace_root();
    for spec in xtask::specs(&root).unwrap() {
        let text = std::fs::read_to_string(root.join(&spec)).unwrap();
        if let Err(e) = xtask::parse_spec(&spec, &text, Some(&root.join("specs"))) {
            panic!("{e}");
        }
    }
}

#[test]
fn client_region_default_only_on_aliyun_string_parameters() {
    assert_eq!(
        errors("bad-default"),
        "xtask/tests/fixtures/bad-default.yaml:16:7: error: `default: client_region` is only supported for a user-filled aliyun `string` parameter, not `thing_id`"
    );
}
