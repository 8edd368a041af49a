//! The generator's output for a small fixture spec, snapshot-tested file by file.

#![warn(clippy::too_many_lines)] // threshold: clippy.toml (80 lines)

use std::path::Path;

#[test]
fn demo_service_output() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/demo-service.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let files = xtask::generate_spec("xtask/tests/fixtures/demo-service.yaml", &text, None)
        .unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    insta::assert_debug_snapshot!("demo_service_files", names);
    for file in &files {
        let name = format!("demo_service__{}", file.path.replace(['/', '.'], "_"));
        insta::assert_snapshot!(name, &file.contents);
    }
}
