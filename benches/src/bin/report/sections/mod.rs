//! `BENCHMARKS.md`, one function per section. Each section appends its text to [`Doc::body`]
//! and its targets to [`Doc::targets`]; [`summary::assemble`] puts the summary, the machine and
//! the body together.

mod allocs;
mod decoding;
mod e2e;
mod footprint;
mod memory;
mod signing;
mod summary;

use crate::results::Inputs;

/// Targets of issue 6, and of issue 11 for the floor ratio.
pub const SIGN_TARGET_NS: f64 = 5_000.0;
/// SDK ÷ floor time per call, every row (issue 11).
pub const FLOOR_RATIO_TARGET: f64 = 1.05;
/// SDK ÷ official Python SDK calls per second.
pub const PYTHON_RATIO_TARGET: f64 = 10.0;
/// Peak decode memory ÷ input size.
pub const MEMORY_RATIO_TARGET: f64 = 3.0;

/// A line of the summary table.
#[derive(Debug)]
pub struct Target {
    name: &'static str,
    goal: &'static str,
    measured: String,
    /// `None`: reported, not a target.
    ok: Option<bool>,
    /// Why it missed and what would close it (shown for misses).
    note: String,
}

impl Target {
    fn reported(name: &'static str, goal: &'static str, measured: String) -> Self {
        Target {
            name,
            goal,
            measured,
            ok: None,
            note: String::new(),
        }
    }

    /// A pass/miss target; `note` is kept only for a miss.
    fn checked(
        name: &'static str,
        goal: &'static str,
        measured: String,
        ok: bool,
        note: impl FnOnce() -> String,
    ) -> Self {
        Target {
            name,
            goal,
            measured,
            ok: Some(ok),
            note: if ok { String::new() } else { note() },
        }
    }
}

/// The report being written.
#[derive(Debug, Default)]
pub struct Doc {
    /// The sections after the summary and the machine table.
    body: String,
    /// The summary table's rows.
    targets: Vec<Target>,
}

/// The whole of `BENCHMARKS.md` from the saved results.
pub fn render(inputs: &Inputs) -> String {
    let mut doc = Doc::default();
    signing::section(&mut doc, &inputs.crit);
    decoding::section(&mut doc, &inputs.crit, &inputs.decode_paired);
    memory::section(&mut doc, &inputs.memory);
    e2e::section(&mut doc, &inputs.e2e, &inputs.python, &inputs.e2e_runs);
    allocs::section(&mut doc, &inputs.allocs);
    footprint::section(&mut doc, &inputs.footprint);
    summary::assemble(&doc, &inputs.durations)
}

fn fmt_ns(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

fn fmt_rate(bytes: f64, ns: f64) -> String {
    let mib_s = bytes / (ns / 1e9) / (1024.0 * 1024.0);
    format!("{mib_s:.0} MiB/s")
}

fn pass(ok: bool) -> &'static str {
    if ok { "**pass**" } else { "**miss**" }
}

/// Smallest and largest of a list (`(inf, 0)` when empty).
fn min_max(v: &[f64]) -> (f64, f64) {
    (
        v.iter().copied().fold(f64::INFINITY, f64::min),
        v.iter().copied().fold(0.0, f64::max),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_units() {
        assert_eq!(fmt_ns(950.0), "950 ns");
        assert_eq!(fmt_ns(1_500.0), "1.50 µs");
        assert_eq!(fmt_ns(2_500_000.0), "2.50 ms");
        // 1 MiB in 1 ms = 1000 MiB/s.
        assert_eq!(fmt_rate(1024.0 * 1024.0, 1e6), "1000 MiB/s");
        assert_eq!(pass(true), "**pass**");
        assert_eq!(pass(false), "**miss**");
        assert_eq!(min_max(&[3.0, 1.5, 2.0]), (1.5, 3.0));
    }

    #[test]
    fn an_empty_run_still_renders_every_fixed_part() {
        let md = render(&Inputs::default());
        for part in [
            "# Benchmarks",
            "## Summary",
            "## Machine",
            "## How to run",
            "not measured yet",
        ] {
            assert!(md.contains(part), "missing {part:?} in:\n{md}");
        }
        assert!(!md.contains("## Signing"), "{md}");
    }
}
