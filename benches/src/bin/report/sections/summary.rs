//! The head of `BENCHMARKS.md` (summary table, misses, machine) and its tail (how to run, stage
//! durations) around the sections' body.

use std::fmt::Write as _;

use super::{Doc, Target, pass};
use crate::machine::machine;

/// The whole document.
pub fn assemble(doc: &Doc, durations: &[Vec<String>]) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# Benchmarks\n\n<!-- Written by `cargo run -p cloudsdk-benches --release --bin report` \
         (alias: `cargo xtask bench`); do not edit by hand. -->\n"
    );
    let _ = writeln!(
        md,
        "Targets of issue 6 (the SDK ÷ floor target: issue 11), measured in one run on the \
         machine below. Reproduce with `cargo xtask bench` (micro benches + end to end) and \
         `cargo xtask bench --footprint`; see [How to run](#how-to-run).\n"
    );
    summary(&mut md, &doc.targets);
    let _ = writeln!(md, "## Machine\n");
    let _ = writeln!(md, "| | |\n|---|---|");
    for (k, v) in machine() {
        let _ = writeln!(md, "| {k} | {v} |");
    }
    md.push('\n');
    md.push_str(&doc.body);
    how_to_run(&mut md, durations);
    md
}

/// The summary table and, for every miss with a note, why and what would close it.
fn summary(md: &mut String, targets: &[Target]) {
    let _ = writeln!(md, "## Summary\n");
    let _ = writeln!(md, "| target | goal | measured | result |");
    let _ = writeln!(md, "|---|---|---|---|");
    for t in targets {
        let result = t.ok.map_or("reported", pass);
        let _ = writeln!(
            md,
            "| {} | {} | {} | {result} |",
            t.name, t.goal, t.measured
        );
    }
    md.push('\n');
    let misses: Vec<&Target> = targets
        .iter()
        .filter(|t| t.ok == Some(false) && !t.note.is_empty())
        .collect();
    if !misses.is_empty() {
        let _ = writeln!(md, "### Misses: why, and what would close them\n");
        for t in misses {
            let _ = writeln!(md, "- **{}**: {}", t.name, t.note);
        }
        md.push('\n');
    }
}

/// The commands, and the wall time of the last run of each stage.
fn how_to_run(md: &mut String, durations: &[Vec<String>]) {
    let _ = writeln!(md, "## How to run\n");
    let _ = writeln!(
        md,
        "```sh\n\
         cargo xtask bench               # micro benches + end to end, writes BENCHMARKS.md\n\
         cargo xtask bench --micro       # criterion (signing, decoding) + peak decode memory\n\
         cargo xtask bench --e2e         # SDK vs floor (time, allocations) vs official Python SDKs\n\
         cargo xtask bench --footprint   # dependency counts + clean release builds\n\
         cargo xtask bench --report      # rewrite this file from target/bench/\n\
         cargo bench -p cloudsdk-benches --bench sign     # one criterion bench directly\n\
         ```\n\n\
         `cargo xtask bench [...]` runs `cargo run -p cloudsdk-benches --release --bin report -- \
         [...]` (`benches/src/bin/report/`).\n"
    );
    if durations.is_empty() {
        return;
    }
    let d: Vec<String> = durations
        .iter()
        .filter(|r| r.len() >= 2)
        .map(|r| match r.get(2) {
            Some(load) => format!("`--{}` {} s (load average {load} at its start)", r[0], r[1]),
            None => format!("`--{}` {} s", r[0], r[1]),
        })
        .collect();
    let _ = writeln!(
        md,
        "Wall time of the last run of each stage on this machine (builds included): {}. \
         The machine is shared: a load average above 0 at a stage's start means other \
         processes were running, which slows absolute figures; ratios are measured \
         side by side (interleaved where it matters) to stay comparable.\n",
        d.join(", ")
    );
}
