//! `## Footprint`: dependency counts, clean release builds, TLS stack and findings.

use std::fmt::Write as _;

use super::{Doc, Target};

/// The footprint table, the dependency list with findings, and three targets.
pub fn section(doc: &mut Doc, footprint: &[Vec<String>]) {
    if footprint.is_empty() {
        doc.targets.push(Target::reported(
            "Footprint",
            "reported per crate",
            "not measured yet: run the `--footprint` stage (~10 min)".into(),
        ));
        return;
    }
    let all_single_tls = table(&mut doc.body, footprint);
    let findings = footprint
        .iter()
        .find(|r| r.len() >= 6)
        .map(|r| dependencies(&mut doc.body, r))
        .unwrap_or_default();
    targets(&mut doc.targets, footprint, all_single_tls, &findings);
}

/// The per-crate table; returns whether every crate has rustls as its only TLS stack.
fn table(body: &mut String, footprint: &[Vec<String>]) -> bool {
    let _ = writeln!(body, "## Footprint\n");
    let _ = writeln!(
        body,
        "`cargo tree -e normal -p <crate> --prefix none`, deduplicated (the crate itself not \
         counted); clean `cargo build --release -p <crate>` in its own `CARGO_TARGET_DIR` \
         (wall time, 2 cores).\n"
    );
    let _ = writeln!(
        body,
        "| crate | distinct normal deps | clean release build | TLS stack | default features |"
    );
    let _ = writeln!(body, "|---|---:|---:|---|---|");
    let mut all_single_tls = true;
    for r in footprint.iter().filter(|r| r.len() >= 5) {
        all_single_tls &= !r[3].starts_with("also");
        let _ = writeln!(
            body,
            "| `{}` | {} | {} s | {} | {} |",
            r[0], r[1], r[2], r[3], r[4]
        );
    }
    body.push('\n');
    all_single_tls
}

/// The dependency list of the first crate and the findings on it (returned).
fn dependencies(body: &mut String, r: &[String]) -> Vec<String> {
    let deps: Vec<&str> = r[5].split(' ').filter(|d| !d.is_empty()).collect();
    let _ = writeln!(
        body,
        "Dependencies of `{}` (every provider crate adds only `cloudsdk-core` and these): \
         {}\n",
        r[0],
        deps.iter()
            .map(|d| format!("`{d}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let findings = footprint_findings(&deps);
    if !findings.is_empty() {
        let _ = writeln!(body, "Findings (computed from the tree):\n");
        for f in &findings {
            let _ = writeln!(body, "- {f}");
        }
        body.push('\n');
    }
    findings
}

fn targets(
    targets: &mut Vec<Target>,
    footprint: &[Vec<String>],
    all_single_tls: bool,
    findings: &[String],
) {
    let summary: Vec<String> = footprint
        .iter()
        .filter(|r| r.len() >= 3)
        .map(|r| format!("{} {} deps / {} s", r[0], r[1], r[2]))
        .collect();
    targets.push(Target::reported(
        "Footprint: deps and clean release build",
        "reported per crate",
        summary.join("; "),
    ));
    targets.push(Target::checked(
        "One TLS stack",
        "no native-tls / openssl / aws-lc",
        if all_single_tls {
            "rustls + ring only".into()
        } else {
            "a second TLS stack is present (see the footprint table)".into()
        },
        all_single_tls,
        String::new,
    ));
    targets.push(Target::checked(
        "No dependency a smaller well-kept one could replace",
        "none",
        if findings.is_empty() {
            "none found".into()
        } else {
            format!("{} finding(s), see Footprint", findings.len())
        },
        findings.is_empty(),
        || {
            "the findings under Footprint each name the change that removes the \
             dependency (all in `crates/core/Cargo.toml` or the workspace manifest)."
                .into()
        },
    ));
}

/// Rule-based findings on a dependency list of `name@version` entries: duplicated crates and
/// dependencies known to be replaceable by something already in the tree.
fn footprint_findings(deps: &[&str]) -> Vec<String> {
    let name = |d: &&str| d.split('@').next().unwrap_or(d).to_owned();
    let has = |n: &str| deps.iter().any(|d| name(d) == n);
    let mut out = Vec::new();
    let mut names: Vec<String> = deps.iter().map(name).collect();
    names.sort();
    let mut dups: Vec<String> = names
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| w[0].clone())
        .collect();
    dups.dedup();
    for d in &dups {
        let versions: Vec<&str> = deps
            .iter()
            .filter(|x| name(x) == *d)
            .filter_map(|x| x.split('@').nth(1))
            .collect();
        let why = match d.as_str() {
            "base64" => {
                ": `cloudsdk-core` uses one version and `reqwest` another; moving the \
                 workspace's `base64` to reqwest's version builds a single copy"
            }
            "syn" => ": the older one is compiled only for `tracing-attributes` (see below)",
            "getrandom" => ": `ring` uses one, `uuid` the other (see `uuid` below)",
            _ => "",
        };
        out.push(format!(
            "`{d}` is built twice ({}){why}.",
            versions.join(", ")
        ));
    }
    if has("tracing-attributes") {
        out.push(
            "`tracing`'s default `attributes` feature compiles the `tracing-attributes` \
             proc-macro (and its own `syn`), but the core only uses `Instrument`/`info_span!`: \
             `tracing = { version = \"0.1\", default-features = false, features = [\"std\"] }` \
             removes both."
                .to_owned(),
        );
    }
    if has("uuid") {
        out.push(
            "`uuid` (with a second `getrandom`) only draws the Alibaba signature nonce: 16 bytes \
             from `ring::rand::SystemRandom` (already in the tree through rustls), hex-encoded, \
             would remove it."
                .to_owned(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_duplicates_and_replaceable_crates() {
        let f = footprint_findings(&["base64@0.22.1", "base64@0.23.1", "serde@1.0.228"]);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].contains("`base64` is built twice (0.22.1, 0.23.1)"),
            "{f:?}"
        );
        assert!(footprint_findings(&["serde@1.0.228", "ring@0.17.14"]).is_empty());
        let f = footprint_findings(&["uuid@1.0.0", "tracing-attributes@0.1.31"]);
        assert_eq!(f.len(), 2, "{f:?}");
    }

    #[test]
    fn a_second_tls_stack_is_a_miss() {
        let row = |tls: &str| -> Vec<String> {
            [
                "aliyun-ecs",
                "108",
                "53",
                tls,
                "none",
                "ring@0.17.14 serde@1.0.228",
            ]
            .map(str::to_owned)
            .to_vec()
        };
        let mut doc = Doc::default();
        section(&mut doc, &[row("rustls + ring only")]);
        let tls = doc.targets.iter().find(|t| t.name == "One TLS stack");
        assert_eq!(tls.and_then(|t| t.ok), Some(true));
        let mut doc = Doc::default();
        section(&mut doc, &[row("also openssl")]);
        let tls = doc.targets.iter().find(|t| t.name == "One TLS stack");
        assert_eq!(tls.and_then(|t| t.ok), Some(false));
        assert!(
            doc.body.contains("`ring@0.17.14`, `serde@1.0.228`"),
            "{}",
            doc.body
        );
    }
}
