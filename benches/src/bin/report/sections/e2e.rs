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

/// The end-to-end table and the floor and Python targets.
pub fn section(doc: &mut Doc, e2e: &ByKey, python: &ByKey) {
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
    floor_target(&mut doc.targets, &stats);
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

/// SDK ÷ floor ≤ 1.05× in every row.
fn floor_target(targets: &mut Vec<Target>, stats: &Stats) {
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
        },
        *ratio <= FLOOR_RATIO_TARGET,
        || {
            "What is known. Each row comes with the 95% interval of its median (one block \
             pair's ratio scatters by about ±20% on this shared VM), but the interval covers one \
             run, and runs differ by more: at the commit of this report five runs of the whole \
             stage gave Alibaba V2 at 64 in flight 1.040×, 1.034×, 1.022×, 1.047× and 1.057× \
             (median 1.040×; the last is this report), and four of the five had every row within \
             1.05×; the other nine rows were at most 1.043× in all five. Before the last changes \
             to the orchestrator seven runs gave a median of 1.061× for that row. So the row \
             now passes most runs but not every run. The machine's speed also changes by nearly \
             2× within a day, and a fast machine makes the SDK's fixed cost a larger share. \
             Where that cost is: not in instructions (under callgrind, 4,000 V2 calls at 64 in \
             flight run 680.7M instructions through the SDK and 692.6M through the floor) but in \
             cache behaviour, about 128 more L1 instruction misses, 249 more L1 data misses and \
             97 more mispredicted indirect branches (callgrind's simple model) a call, spread \
             over the orchestration: the boxed operation (240 bytes) and attempt (440 bytes) \
             futures written afresh by every call, the response headers dropped after decoding \
             when they have left the cache (about 32 misses a call), the fluent builder's owned \
             strings. Keeping the attempt future unboxed cut instructions and write misses but \
             added 36 mispredicted branches a call, so it stays boxed. Both paths pay reqwest's \
             own two parses of each request's whole URL (its redirect policy and its response \
             URL). Closing the rest needs fewer layers per call (one future for the operation \
             and its attempts) or a transport of the SDK's own on hyper, which would beat the \
             reqwest floor by construction rather than match it; the default transport is \
             reqwest by design."
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
