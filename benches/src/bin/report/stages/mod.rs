//! Running the stages. Each writes its raw results under `target/bench/`.

pub mod e2e;
pub mod footprint;

use std::path::Path;
use std::time::Instant;

use crate::options::Options;
use crate::process::{cargo, status};
use crate::results::{read_tsv, write_tsv};

/// Runs a stage and records its wall time in `durations.tsv`, with the 1-minute load average
/// before it (other processes on the machine skew timings).
pub fn timed(
    out: &Path,
    stage: &str,
    f: impl FnOnce() -> Result<(), String>,
) -> Result<(), String> {
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned());
    let start = Instant::now();
    f()?;
    let secs = start.elapsed().as_secs_f64();
    eprintln!("report: stage {stage} took {secs:.0} s");
    let mut rows = read_tsv(&out.join("durations.tsv"));
    rows.retain(|r| r.first().map(String::as_str) != Some(stage));
    rows.push(vec![stage.to_owned(), format!("{secs:.0}"), load]);
    write_tsv(&out.join("durations.tsv"), &rows)
}

/// `--micro`: criterion `sign` and `decode` (into `criterion/`), `decode_memory`
/// (`memory.tsv`) and `decode_paired` (`decode_paired.tsv`).
pub fn micro(root: &Path, out: &Path, o: &Options) -> Result<(), String> {
    let criterion = out.join("criterion");
    if criterion.exists() {
        std::fs::remove_dir_all(&criterion)
            .map_err(|e| format!("cannot clear {}: {e}", criterion.display()))?;
    }
    let mut cmd = cargo();
    cmd.current_dir(root)
        .env("CRITERION_HOME", &criterion)
        .args(["bench", "-p", "cloudsdk-benches"])
        .args(["--bench", "sign", "--bench", "decode", "--"]);
    if o.quick {
        cmd.args(["--warm-up-time", "0.2", "--measurement-time", "0.5"]);
    }
    status(cmd, "cargo bench -p cloudsdk-benches (sign, decode)")?;
    run_bin(
        root,
        "decode_memory",
        &out.join("memory.tsv"),
        "decode_memory (peak heap while decoding)",
    )?;
    run_bin(
        root,
        "decode_paired",
        &out.join("decode_paired.tsv"),
        "decode_paired (typed vs Value, interleaved)",
    )
}

/// `cargo run --release -p cloudsdk-benches --bin <bin> -- --tsv <tsv>`.
fn run_bin(root: &Path, bin: &str, tsv: &Path, what: &str) -> Result<(), String> {
    let mut cmd = cargo();
    cmd.current_dir(root)
        .args(["run", "--release", "--quiet", "-p", "cloudsdk-benches"])
        .args(["--bin", bin, "--", "--tsv"])
        .arg(tsv);
    status(cmd, what)
}
