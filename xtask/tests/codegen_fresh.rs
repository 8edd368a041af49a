//! Plain `cargo test` fails when the committed generated code is stale (rust-analyzer's
//! pattern): this runs `cargo xtask codegen --check` in process.

#[test]
fn generated_code_is_up_to_date() {
    let root = xtask::workspace_root();
    let report = xtask::codegen(&root, true).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        report.stale.is_empty(),
        "generated code is stale; run `cargo xtask codegen` and commit:\n  {}",
        report.stale.join("\n  ")
    );
}

#[test]
fn generation_is_deterministic() {
    let root = xtask::workspace_root();
    let (first, _) = xtask::generate_all(&root).unwrap();
    let (second, _) = xtask::generate_all(&root).unwrap();
    assert_eq!(first, second);
    for file in &first {
        let header = if file.path.ends_with(".toml") {
            "# @generated"
        } else {
            "// @generated"
        };
        assert!(
            file.contents.starts_with(header),
            "{} lacks the @generated header",
            file.path
        );
    }
}
