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
         SDK and floor alternating in 10 interleaved blocks each time; calls/s are medians \
         over the rounds (5; 2 with `--quick`), SDK ÷ floor is the median, over the 10 block \
         pairs of every round, of the ratio of the two adjacent blocks' times (a pair runs at \
         nearly the same moment, so a burst of load from elsewhere on the machine moves one \
         pair, not a whole round). Concurrent = 64 calls in flight on a 2-worker tokio \
         runtime. Python: the official SDKs (`benches/python/bench_official.py`), sequential \
         and 16 threads. Client CPU µs/call is the CPU time of every thread of the client \
         process per call (Rust: `/proc/self/task/*/schedstat`; Python: \
         `time.process_time()`): the client's own cost, whatever the server's speed.\n"
    );
    let _ = writeln!(
        body,
        "| operation | mode | SDK calls/s | floor calls/s | SDK ÷ floor (time/call) | Python calls/s | SDK ÷ Python (calls/s) | floor ÷ Python (calls/s) | client CPU µs/call: SDK / floor / Python | Python ÷ SDK (CPU/call) |"
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
    if stats.worst_floor.as_ref().is_none_or(|w| ratio > w.1) {
        stats.worst_floor = Some((format!("{op}, {mode}"), ratio));
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
        "| `{op}` | {label} | {:.0} | {:.0} | {ratio:.3}× | {py_rate} | {py_ratio} | {floor_py} | {cpus} | {cpu_ratio} |",
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
        format!("worst {ratio:.3}× ({w})"),
        *ratio <= FLOOR_RATIO_TARGET,
        || {
            "What is known: split by block in the interleaved run itself (`e2e --marks` under \
             `perf record`, `benches/tools/perf_blocks.py`; Alibaba V2, 64 in flight) the SDK \
             spends about 12 µs more CPU per call than the floor (142 vs 129 µs under perf). \
             About 5 µs is its own code, spread over the bodies of its futures (operation, \
             attempt, timeout, transport); the rest is code both run (hyper, the kernel) \
             running 5-9% slower beside it. It is not work: under callgrind the SDK runs fewer \
             instructions than the floor (Alibaba V2, 2,000 sequential calls: 430.2M vs 433.9M) \
             but has about 320 more L1 data-cache misses per call, mostly first writes into its \
             freshly allocated future state (futures built on the stack and copied into their \
             boxes, the timeout and the boxed futures' first polls). Nor is it wake-ups, \
             syscalls or page faults: perf counts the same context switches (6.3), wake-ups \
             (2.1) and futex calls (6.1) per sequential call for both, strace the same writev, \
             recvfrom and getrandom calls (one each per call), and the page faults of a run \
             are equal. Halving the heap future state (1,728 to 848 bytes) left the ratio where \
             it was; so did removing the attempt timer or the operation span alone (A/B, 4-6 \
             runs each; both removed together gave about 3% less at 64 in flight, which points \
             at code layout, and neither can go: the attempt timeout is a guarantee, the span \
             the tracing contract). A run of the floor against itself in both slots gives \
             0.98-1.01×, so the harness has no bias. Next: measure on a machine with hardware \
             counters (this VM exposes none to perf) whether those cache misses are the gap, \
             and if so build the operation's state in place instead of copying it in."
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
