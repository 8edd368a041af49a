//! Plain `cargo test` fails when the committed generated code is stale (rust-analyzer's
//! pattern): this runs `cargo xtask codegen --check` in process.

#![warn(clippy::too_many_lines)] // threshold: clippy.toml (80 lines)

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
        } else if file.path.ends_with(".md") {
            "<!-- @generated"
        } else if file.path.ends_with(".rs") {
            "// @generated"
        } else {
            continue; // verbatim copies, checked below
        };
        assert!(
            file.contents.starts_with(header),
            "{} lacks the @generated header",
            file.path
        );
    }
}

/// The files copied verbatim into the crates (so that each crate is self-contained) are exact
/// copies of their sources, and every spec example payload has its copies.
#[test]
fn copies_are_verbatim() {
    let root = xtask::workspace_root();
    let (files, _) = xtask::generate_all(&root).unwrap();
    let read = |p: &str| {
        std::fs::read_to_string(root.join(p))
            .unwrap()
            .replace("\r\n", "\n")
    };
    let get = |p: &str| {
        files
            .iter()
            .find(|f| f.path == p)
            .unwrap_or_else(|| panic!("{p} is not generated"))
            .contents
            .clone()
    };
    let license = read("LICENSE");
    let mut payloads = 0;
    for krate in ["huawei-ecs-v2", "huawei-vpc-v3", "aliyun-ecs"] {
        assert_eq!(get(&format!("crates/{krate}/LICENSE")), license);
        let dir = root.join("specs/examples").join(krate);
        for entry in std::fs::read_dir(&dir).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            let source = read(&format!("specs/examples/{krate}/{name}"));
            assert_eq!(
                get(&format!("crates/{krate}/tests/examples/{name}")),
                source
            );
            assert_eq!(
                get(&format!("crates/emulator/src/seed/{krate}/{name}")),
                source
            );
            payloads += 1;
        }
    }
    assert!(payloads >= 12, "only {payloads} example payloads");
}
