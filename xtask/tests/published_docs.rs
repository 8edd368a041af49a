//! Generated crates are read by people who have only the published package: their docs must not
//! name repository-private paths (`shared/...`) or keep the vendor's unresolved link
//! placeholders (`~~25558~~`). The generator refuses to produce such text; these tests check
//! both the refusal and the committed files.

#![warn(clippy::too_many_lines)] // threshold: clippy.toml (80 lines)

use std::path::Path;

/// `shared/` or `~~` followed by a digit, as `path:line`.
fn findings(path: &Path, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let placeholder = line
            .match_indices("~~")
            .any(|(i, _)| line[i + 2..].starts_with(|c: char| c.is_ascii_digit()));
        if line.contains("shared/") || placeholder {
            out.push(format!("{}:{}: {line}", path.display(), n + 1));
        }
    }
    out
}

fn scan(dir: &Path, out: &mut Vec<String>, files: &mut usize) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "target") {
                scan(&path, out, files);
            }
        } else if let Ok(text) = std::fs::read_to_string(&path) {
            *files += 1;
            out.extend(findings(&path, &text));
        }
    }
}

#[test]
fn committed_provider_crates_name_no_private_paths_or_placeholders() {
    let root = xtask::workspace_root();
    let mut found = Vec::new();
    let mut files = 0;
    for krate in ["huawei-ecs-v2", "huawei-vpc-v3", "aliyun-ecs"] {
        scan(&root.join("crates").join(krate), &mut found, &mut files);
    }
    assert!(files >= 30, "scanned only {files} files");
    assert!(found.is_empty(), "dead links:\n{}", found.join("\n"));
}

#[test]
fn generated_files_name_no_private_paths_or_placeholders() {
    let (files, _) = xtask::generate_all(&xtask::workspace_root()).unwrap();
    assert!(xtask::dead_links(&files).is_empty());
}

#[test]
fn the_scanner_sees_both_kinds() {
    let p = Path::new("x.rs");
    assert_eq!(findings(p, "see shared/research/huawei.md").len(), 1);
    assert_eq!(findings(p, "[DeleteSecurityGroup](~~25558~~)").len(), 1);
    assert!(findings(p, "a ~~strike~~ and sharedstate/").is_empty());
}

fn demo_spec() -> String {
    let path = xtask::workspace_root().join("xtask/tests/fixtures/demo-service.yaml");
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn the_generator_refuses_a_private_path_in_docs() {
    let spec = demo_spec().replacen(
        "docs: [\"A widget.\"]",
        "docs: [\"A widget (see shared/research/demo.md).\"]",
        1,
    );
    assert_ne!(spec, demo_spec(), "the fixture changed; update this test");
    let err = xtask::generate_spec("specs/demo-service.yaml", &spec, None).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, xtask::Error::DeadLinks(_)), "{text}");
    assert!(
        text.contains("src/types.rs:") && text.contains("`shared/`"),
        "{text}"
    );
}

#[test]
fn the_generator_refuses_a_vendor_link_placeholder() {
    let spec = demo_spec().replacen(
        "docs: [\"A widget.\"]",
        "docs: [\"A widget, see [ListWidgets](~~12345~~).\"]",
        1,
    );
    assert_ne!(spec, demo_spec(), "the fixture changed; update this test");
    let err = xtask::generate_spec("specs/demo-service.yaml", &spec, None).unwrap_err();
    assert!(err.to_string().contains("placeholder `~~NNNN~~`"), "{err}");
}
