//! `--footprint`: distinct normal dependencies, TLS stack, default features and a clean release
//! build time of each published crate (`footprint.tsv`).

use std::path::Path;
use std::time::Instant;

use crate::paths::target_dir;
use crate::process::{cargo, output, status};
use crate::results::write_tsv;

/// The crates whose footprint is measured.
const FOOTPRINT_CRATES: [&str; 4] = [
    "cloudsdk-core",
    "huawei-ecs-v2",
    "huawei-vpc-v3",
    "aliyun-ecs",
];

/// Names of TLS stacks other than rustls (with ring) that must not appear in the tree.
const OTHER_TLS: [&str; 7] = [
    "native-tls",
    "openssl",
    "openssl-sys",
    "aws-lc-rs",
    "aws-lc-sys",
    "boring",
    "boring-sys",
];

/// One row per crate: `crate deps build_s tls default_features dep@version…`.
pub fn run(root: &Path, out: &Path) -> Result<(), String> {
    let mut rows = Vec::new();
    for krate in FOOTPRINT_CRATES {
        let mut cmd = cargo();
        cmd.current_dir(root)
            .args(["tree", "-e", "normal", "-p", krate])
            .args(["--prefix", "none", "--quiet"]);
        let tree = output(cmd, &format!("cargo tree -p {krate}"))?;
        let deps = deps_of(&tree, krate);
        let secs = clean_build_secs(root, krate)?;
        rows.push(vec![
            krate.to_owned(),
            deps.len().to_string(),
            format!("{secs:.0}"),
            tls_stack(&deps),
            default_features(root, krate),
            deps.iter()
                .filter_map(|n| {
                    let mut w = n.split_whitespace();
                    Some(format!(
                        "{}@{}",
                        w.next()?,
                        w.next()?.trim_start_matches('v')
                    ))
                })
                .collect::<Vec<_>>()
                .join(" "),
        ]);
    }
    write_tsv(&out.join("footprint.tsv"), &rows)
}

/// The distinct `name vX.Y.Z` lines of `cargo tree --prefix none` output, the crate itself
/// excluded, sorted.
fn deps_of(tree: &str, krate: &str) -> Vec<String> {
    let mut names: Vec<String> = tree
        .lines()
        .map(|l| l.trim().trim_end_matches(" (*)").to_owned())
        .filter(|l| !l.is_empty())
        .filter(|l| l.split_whitespace().next() != Some(krate))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Which TLS stacks the dependency list holds.
fn tls_stack(deps: &[String]) -> String {
    let names: Vec<&str> = deps
        .iter()
        .filter_map(|n| n.split_whitespace().next())
        .collect();
    let other: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| OTHER_TLS.contains(n))
        .collect();
    let has = |name: &str| names.contains(&name);
    if !other.is_empty() {
        format!("also {}", other.join(", "))
    } else if has("rustls") && has("ring") {
        "rustls + ring only".to_owned()
    } else if has("rustls") {
        "rustls only".to_owned()
    } else {
        "none".to_owned()
    }
}

/// Wall time of `cargo build --release -p <krate>` in a fresh target directory (removed after).
fn clean_build_secs(root: &Path, krate: &str) -> Result<f64, String> {
    let dir = target_dir(root).join("footprint").join(krate);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .map_err(|e| format!("cannot clear {}: {e}", dir.display()))?;
    }
    let mut cmd = cargo();
    cmd.current_dir(root).env("CARGO_TARGET_DIR", &dir).args([
        "build",
        "--release",
        "--quiet",
        "-p",
        krate,
    ]);
    let start = Instant::now();
    status(cmd, &format!("clean release build of {krate}"))?;
    let secs = start.elapsed().as_secs_f64();
    // Free the disk space: only the time is kept.
    let _ = std::fs::remove_dir_all(&dir);
    Ok(secs)
}

/// The `default` feature list of a workspace crate, from its manifest (`none` without one).
fn default_features(root: &Path, krate: &str) -> String {
    let dir = match krate {
        "cloudsdk-core" => "core",
        other => other,
    };
    let manifest = std::fs::read_to_string(root.join("crates").join(dir).join("Cargo.toml"))
        .unwrap_or_default();
    default_features_of(&manifest)
}

/// The `default` entry of a manifest's `[features]` table.
fn default_features_of(manifest: &str) -> String {
    let mut in_features = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_features = line == "[features]";
            continue;
        }
        if in_features && let Some(rest) = line.strip_prefix("default") {
            return rest.trim_start().trim_start_matches('=').trim().to_owned();
        }
    }
    "none (no features)".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deps_are_distinct_and_exclude_the_crate() {
        let tree = "cloudsdk-core v0.1.0 (/w/crates/core)\nbytes v1.12.2\nhttp v1.5.0\n\
                    bytes v1.12.2 (*)\n\nring v0.17.14\nrustls v0.23.46\n";
        let deps = deps_of(tree, "cloudsdk-core");
        assert_eq!(
            deps,
            [
                "bytes v1.12.2",
                "http v1.5.0",
                "ring v0.17.14",
                "rustls v0.23.46"
            ]
        );
        assert_eq!(tls_stack(&deps), "rustls + ring only");
        let with_openssl = [deps.clone(), vec!["openssl v0.10.0".to_owned()]].concat();
        assert_eq!(tls_stack(&with_openssl), "also openssl");
        assert_eq!(tls_stack(&deps[..2]), "none");
    }

    #[test]
    fn reads_default_features() {
        let m = "[package]\nname = \"x\"\n\n[features]\nhuawei = []\ndefault = [\"huawei\"]\n";
        assert_eq!(default_features_of(m), "[\"huawei\"]");
        assert_eq!(
            default_features_of("[dependencies]\ndefault = 1\n"),
            "none (no features)"
        );
    }
}
