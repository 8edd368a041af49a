//! `## End to end against the emulator`: SDK vs hand-written floor vs the official Python SDKs,
//! sequential and concurrent, with client CPU per call.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{Doc, FLOOR_RATIO_TARGET, PYTHON_RATIO_TARGET, Target, min_max};
use crate::results::Calls;

type ByKey = BTreeMap<(String, String, String), Calls>;

/// A mode of the e2e table: the Rust mode, the Python mode it is compared with, the label.
const MODES: [(&str, &str, &str); 2] = [
    ("sequential", "sequential", "sequential"),
    (
        "concurrent",
        "threaded",
        "64 in flight (Python: 16 threads)",
    ),
];

/// What the rows add up to, for the targets.
#[derive(Debug, Default)]
struct Stats {
    /// The row with the highest SDK ÷ floor time per call.
    worst_floor: Option<(String, f64)>,
    /// That row's 95% confidence interval and block pairs.
    worst_floor_ci: Option<(f64, f64, usize)>,
    /// The row with the lowest SDK ÷ Python calls/s.
    worst_py: Option<(String, f64)>,
    /// Python ÷ SDK client CPU per call, per row.
    py_cpu: Vec<f64>,
    /// Floor ÷ Python calls/s, per row.
    floor_over_py: Vec<f64>,
    /// Python ÷ floor client CPU per call, per row.
    floor_cpu: Vec<f64>,
    /// SDK client CPU µs per call, per row with Python.
    sdk_cpu: Vec<f64>,
}

/// The end-to-end table, how the runs of the same commit differ, and the floor and Python
/// targets.
pub fn section(doc: &mut Doc, e2e: &ByKey, python: &ByKey, runs: &[Vec<String>]) {
    if e2e.is_empty() {
        return;
    }
    intro(&mut doc.body);
    let mut ops: Vec<&String> = e2e.keys().map(|k| &k.0).collect();
    ops.dedup();
    let mut stats = Stats::default();
    for op in ops {
        for mode in MODES {
            row(&mut doc.body, &mut stats, e2e, python, op, mode);
        }
    }
    doc.body.push('\n');
    let runs = runs_of_the_commit(&mut doc.body, runs);
    floor_target(&mut doc.targets, &stats, runs);
    python_targets(&mut doc.targets, &stats);
}

fn intro(body: &mut String) {
    let _ = writeln!(body, "## End to end against the emulator\n");
    let _ = writeln!(
        body,
        "`benches/src/bin/e2e.rs` against `cloudsdk-emulator` on loopback (a separate process \
         on the same 2 cores). SDK: the generated clients (one shared client per operation, \
         default retry and timeout settings). Floor: one pooled `reqwest::Client`, the \
         request signed with `cloudsdk_core::sign` directly, the body decoded with serde into \
         the same output type; no builder, no retry loop. Sequential and concurrent rows come \
         from one run: every round measures each operation sequentially, then concurrently, \
         SDK and floor alternating in short interleaved blocks each time (20 sequential calls; \
         256 calls at 64 in flight; a round makes 2,000 sequential and 40,000 concurrent calls \
         per implementation, so 100 and 156 block pairs, 300 and 2,000 with `--quick`); \
         calls/s are medians over the rounds (5; 2 with `--quick`), \
         SDK ÷ floor is the median, over every block pair of every round, of the ratio of the \
         two adjacent blocks' times (a pair runs at nearly the same moment, so a burst of load \
         from elsewhere on the machine moves one pair, not a whole round), followed by its 95% \
         confidence interval (from the ranks of the pairs' ratios, no assumption on their \
         distribution; one pair's ratio scatters by about ±20% on this shared VM, so it takes \
         hundreds of pairs to tell 1.03× from 1.05×: with a quarter of the concurrent pairs, \
         whole runs gave one row anywhere from 1.006× to 1.071×). Concurrent = 64 calls in flight on a 2-worker tokio \
         runtime. Python: the official SDKs (`benches/python/bench_official.py`), sequential \
         and 16 threads. Client CPU µs/call is the CPU time of every thread of the client \
         process per call (Rust: `CLOCK_PROCESS_CPUTIME_ID`; Python: \
         `time.process_time()`): the client's own cost, whatever the server's speed.\n"
    );
    let _ = writeln!(
        body,
        "| operation | mode | SDK calls/s | floor calls/s | SDK ÷ floor (time/call; 95% CI) | Python calls/s | SDK ÷ Python (calls/s) | floor ÷ Python (calls/s) | client CPU µs/call: SDK / floor / Python | Python ÷ SDK (CPU/call) |"
    );
    let _ = writeln!(body, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
}

/// One row of the table (none without both SDK and floor figures).
fn row(
    body: &mut String,
    stats: &mut Stats,
    e2e: &ByKey,
    python: &ByKey,
    op: &str,
    (mode, py_mode, label): (&str, &str, &str),
) {
    let get = |mode: &str, imp: &str| (op.to_owned(), mode.to_owned(), imp.to_owned());
    let (Some(sdk), Some(floor)) = (e2e.get(&get(mode, "sdk")), e2e.get(&get(mode, "floor")))
    else {
        return;
    };
    let ratio = sdk.paired_ratio.unwrap_or(sdk.us / floor.us);
    let ci = sdk.paired_ci.map_or_else(String::new, |(low, high, _)| {
        format!(" ({low:.3}–{high:.3})")
    });
    if stats.worst_floor.as_ref().is_none_or(|w| ratio > w.1) {
        stats.worst_floor = Some((format!("{op}, {mode}"), ratio));
        stats.worst_floor_ci = sdk.paired_ci;
    }
    let py = python.get(&get(py_mode, "python"));
    let cpu = |c: Option<&Calls>| {
        c.and_then(|c| c.cpu_us)
            .map_or_else(|| "—".to_owned(), |v| format!("{v:.0}"))
    };
    let cpus = format!("{} / {} / {}", cpu(Some(sdk)), cpu(Some(floor)), cpu(py));
    let (py_rate, py_ratio, floor_py, cpu_ratio) = match py {
        Some(p) => {
            let r = sdk.rate / p.rate;
            let cpu_ratio = p.cpu_us.zip(sdk.cpu_us).map(|(p, s)| p / s);
            if stats.worst_py.as_ref().is_none_or(|w| r < w.1) {
                stats.worst_py = Some((format!("{op}, {mode}"), r));
            }
            stats.py_cpu.extend(cpu_ratio);
            stats.floor_over_py.push(floor.rate / p.rate);
            stats
                .floor_cpu
                .extend(p.cpu_us.zip(floor.cpu_us).map(|(p, f)| p / f));
            stats.sdk_cpu.extend(sdk.cpu_us);
            (
                format!("{:.0}", p.rate),
                format!("{r:.1}×"),
                format!("{:.1}×", floor.rate / p.rate),
                cpu_ratio.map_or_else(|| "—".to_owned(), |c| format!("{c:.1}×")),
            )
        }
        None => ("—".into(), "—".into(), "—".into(), "—".into()),
    };
    let _ = writeln!(
        body,
        "| `{op}` | {label} | {:.0} | {:.0} | {ratio:.3}×{ci} | {py_rate} | {py_ratio} | {floor_py} | {cpus} | {cpu_ratio} |",
        sdk.rate, floor.rate
    );
}

/// The SDK ÷ floor rows of every full run of the stage at the commit of the last one: per row,
/// the lowest and highest ratio and in how many runs it was within the target; then how many
/// runs had every row within it. One run's confidence intervals do not cover the spread
/// between runs (the machine is shared), so a target judged on one run needs this beside it.
/// Returns (runs with every row within the target, runs), if any.
fn runs_of_the_commit(body: &mut String, runs: &[Vec<String>]) -> Option<(usize, usize)> {
    let commit = runs.last()?[0].clone();
    // (op, mode) → ratio per run, in run order; run ids (finish times) in order.
    let mut rows: Vec<((String, String), Vec<f64>)> = Vec::new();
    let mut run_ids: Vec<&str> = Vec::new();
    let mut worst: Vec<f64> = Vec::new();
    for r in runs.iter().filter(|r| r.len() >= 5 && r[0] == commit) {
        let Ok(ratio) = r[4].parse::<f64>() else {
            continue;
        };
        if run_ids.last() != Some(&r[1].as_str()) {
            run_ids.push(&r[1]);
            worst.push(f64::MIN);
        }
        if let Some(w) = worst.last_mut() {
            *w = w.max(ratio);
        }
        let key = (r[2].clone(), r[3].clone());
        match rows.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(ratio),
            None => rows.push((key, vec![ratio])),
        }
    }
    let n = run_ids.len();
    let all_within = worst.iter().filter(|w| **w <= FLOOR_RATIO_TARGET).count();
    let _ = writeln!(
        body,
        "Runs of this stage at commit `{commit}` (the table above is the last of them): {n}. \
         Every row was within {FLOOR_RATIO_TARGET}× in {all_within} of the {n} runs; the worst \
         row of each run, in order (to four decimals, as 1.0502× is a miss): {}. Below, each \
         row's lowest and highest SDK ÷ floor over those runs, and in how many it was within.\n",
        worst
            .iter()
            .map(|w| format!("{w:.4}×"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        body,
        "| operation | mode | lowest | highest | runs within |"
    );
    let _ = writeln!(body, "|---|---|---:|---:|---:|");
    for ((op, mode), ratios) in &rows {
        let (low, high) = min_max(ratios);
        let within = ratios.iter().filter(|r| **r <= FLOOR_RATIO_TARGET).count();
        let _ = writeln!(
            body,
            "| `{op}` | {mode} | {low:.4}× | {high:.4}× | {within} of {} |",
            ratios.len()
        );
    }
    body.push('\n');
    Some((all_within, n))
}

/// SDK ÷ floor ≤ 1.05× in every row (judged on the last run, as the target says; how many runs
/// of the commit passed is given beside it).
fn floor_target(targets: &mut Vec<Target>, stats: &Stats, runs: Option<(usize, usize)>) {
    let Some((w, ratio)) = &stats.worst_floor else {
        return;
    };
    targets.push(Target::checked(
        "SDK time per call vs hand-written floor",
        "≤ 1.05× in every row, sequential and 64 in flight, one interleaved run",
        match stats.worst_floor_ci {
            Some((low, high, pairs)) => {
                format!("worst {ratio:.3}× ({w}; 95% CI {low:.3}–{high:.3}, {pairs} block pairs)")
            }
            None => format!("worst {ratio:.3}× ({w})"),
        } + &runs.map_or_else(String::new, |(within, n)| {
            format!("; every row within in {within} of the {n} runs of this commit")
        }),
        *ratio <= FLOOR_RATIO_TARGET,
        || {
            "What is known. The table of runs under the e2e table shows how runs of this \
             commit differ: one run's 95% interval does not cover the spread between runs on \
             this shared 2-core VM. The rows closest to the target are Alibaba V2 and Nova at 64 \
             in flight. For V2 the SDK and the floor send the same request; under perf at 64 in \
             flight the SDK's calls cost about 2.7 µs more client CPU each (of about 150 under \
             perf) and the emulator about 0.8 µs more (for the same requests: the cores and \
             their caches are shared), about 1.8 µs of wall time a call. Where: the attempt's \
             timer, which the floor does not have (about 1 µs: taking a pooled tokio timer, \
             registering the task's waker, forgetting it when the call ends); the boxed \
             operation and attempt futures and the async layers above them (every time a call \
             resumes, their state is loaded from memory again: most of their samples sit on \
             those loads); and a second parse of the V2 URL (about 450 bytes), which \
             `http::Uri` validates because the transport seam takes an `http::Request` (about \
             0.5 µs). Under callgrind the SDK runs fewer instructions than the floor, but with a \
             simulated 512 KiB L2 it has about 40 more instruction misses there a call. Closing \
             the rest needs fewer layers per call (one future for the operation and its \
             attempts), a deadline cheaper than a tokio timer per call, and a path to reqwest \
             that skips the `http::Uri` parse."
                .to_owned()
        },
    ));
}

/// SDK ≥ 10× the official Python SDKs' calls/s, and the CPU-per-call figure beside it.
fn python_targets(targets: &mut Vec<Target>, stats: &Stats) {
    let Some((w, ratio)) = &stats.worst_py else {
        targets.push(Target::reported(
            "SDK calls/s vs official Python SDKs",
            "≥ 10×",
            "not measured (run the e2e stage with Python 3)".into(),
        ));
        return;
    };
    targets.push(Target::checked(
        "SDK calls/s vs official Python SDKs",
        "≥ 10×",
        format!("worst {ratio:.1}× ({w})"),
        *ratio >= PYTHON_RATIO_TARGET,
        || python_note(stats),
    ));
    if !stats.py_cpu.is_empty() {
        let (min, _) = min_max(&stats.py_cpu);
        let (floor_min, _) = min_max(&stats.floor_cpu);
        targets.push(Target::reported(
            "Client CPU per call, Python ÷ SDK (supporting figure)",
            "not a target: the client's own cost",
            format!("worst {min:.1}× (the floor's worst: {floor_min:.1}×)"),
        ));
    }
}

/// Why the SDK misses 10× Python's calls/s.
fn python_note(stats: &Stats) -> String {
    let sdk_vs_floor = stats.worst_floor.as_ref().map_or(f64::NAN, |w| w.1);
    let mut note = format!(
        "the floor sets the bound, not the SDK layer: even the hand-written \
         reqwest floor reaches only {:.1}× Python's calls/s in the worst \
         row, because every call pays the same loopback HTTP cost (kernel \
         TCP, tokio, hyper) and the emulator's own time on the same 2 cores, \
         while the official Alibaba SDK (tea) is a thin layer over \
         `requests`.",
        min_max(&stats.floor_over_py).0
    );
    if !stats.py_cpu.is_empty() {
        let (py_min, py_max) = min_max(&stats.py_cpu);
        let (floor_min, floor_max) = min_max(&stats.floor_cpu);
        let (sdk_min, sdk_max) = min_max(&stats.sdk_cpu);
        let _ = write!(
            note,
            " Client CPU time per call, which does not depend on the \
             server: Python spends {py_min:.1}× to {py_max:.0}× the CPU per call of the \
             SDK, and {floor_min:.1}× to {floor_max:.0}× that of the floor. Most of a Rust \
             client's {sdk_min:.0}–{sdk_max:.0} µs per call is transport (kernel TCP on \
             loopback, tokio, hyper), which the floor pays too."
        );
    }
    let _ = write!(
        note,
        " The SDK itself is at most {sdk_vs_floor:.2}× the floor, so only a \
         cheaper transport than the floor's could close it (a leaner HTTP/1 \
         client path per call), or a server on cores of its own so the \
         client's rate is not capped by the server sharing its CPU."
    );
    note
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(commit: &str, finished: &str, rows: &[(&str, &str, &str)]) -> Vec<Vec<String>> {
        rows.iter()
            .map(|(op, mode, ratio)| {
                [commit, finished, op, mode, ratio, "-", "-"]
                    .map(str::to_owned)
                    .to_vec()
            })
            .collect()
    }

    #[test]
    fn runs_of_the_last_commit_only_are_summarised_per_row() {
        let mut runs = run("old", "1", &[("a", "concurrent", "1.900")]);
        runs.extend(run(
            "abc1234",
            "10",
            &[("a", "sequential", "1.010"), ("a", "concurrent", "1.060")],
        ));
        runs.extend(run(
            "abc1234",
            "20",
            &[("a", "sequential", "1.020"), ("a", "concurrent", "1.040")],
        ));
        runs.extend(run(
            "abc1234",
            "30",
            &[("a", "sequential", "0.990"), ("a", "concurrent", "1.050")],
        ));
        let mut body = String::new();
        assert_eq!(runs_of_the_commit(&mut body, &runs), Some((2, 3)));
        assert!(body.contains("commit `abc1234`"), "{body}");
        assert!(body.contains(": 3."), "{body}");
        assert!(body.contains("in 2 of the 3 runs"), "{body}");
        assert!(
            body.contains("is a miss): 1.0600×, 1.0400×, 1.0500×."),
            "{body}"
        );
        assert!(
            body.contains("| `a` | sequential | 0.9900× | 1.0200× | 3 of 3 |"),
            "{body}"
        );
        assert!(
            body.contains("| `a` | concurrent | 1.0400× | 1.0600× | 2 of 3 |"),
            "{body}"
        );
        assert!(!body.contains("1.900"), "{body}");

        let mut none = String::new();
        assert_eq!(runs_of_the_commit(&mut none, &[]), None);
        assert_eq!(none, "");
    }
}
