//! `--e2e`: the emulator, the `e2e` binary (SDK vs floor: time and allocations per call) and the
//! official Python SDKs against it. Each full run's SDK ÷ floor rows are also appended to
//! `e2e_runs.tsv` under the commit measured, so that the report shows how runs of one commit
//! differ.

use std::io::BufRead as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::options::Options;
use crate::paths::release_bin;
use crate::process::{cargo, command_line, output, status};
use crate::results::{read_tsv, write_tsv};

/// The emulator's access key pair, passed to it on the command line.
const EMU_AK: &str = "BENCHAK";
const EMU_SK: &str = "BENCHSK";
/// The emulator's fixed Huawei project id (region cn-north-4).
const EMU_PROJECT_ID: &str = "060576782980d5762f9ec014dd2f1148";

/// Writes `e2e.tsv`, `e2e_allocs.tsv` and (with Python) `python.tsv`.
pub fn run(root: &Path, out: &Path, o: &Options) -> Result<(), String> {
    let mut cmd = cargo();
    cmd.current_dir(root)
        .args(["build", "--release", "--quiet"])
        .args([
            "-p",
            "cloudsdk-emulator",
            "-p",
            "cloudsdk-benches",
            "--bins",
        ]);
    status(cmd, "cargo build --release (emulator, e2e)")?;
    let (emulator, endpoint) = start_emulator(root)?;
    eprintln!("report: emulator at {endpoint}");
    rust(root, out, o, &endpoint)?;
    if !o.quick {
        record_run(root, out)?;
    }
    if o.python {
        python(root, out, o, &endpoint)?;
    }
    drop(emulator);
    Ok(())
}

/// The emulator child process; stopped (by its own pid) on drop.
#[derive(Debug)]
struct Emulator(Child);

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the release emulator on a free loopback port; returns it and its endpoint.
fn start_emulator(root: &Path) -> Result<(Emulator, String), String> {
    let bin = release_bin(root, "cloudsdk-emulator");
    let mut child = Command::new(&bin)
        .args(["--listen", "127.0.0.1:0", "--access-key-id", EMU_AK])
        .args(["--access-key-secret", EMU_SK, "--quiet"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let stdout = child.stdout.take().ok_or("no emulator stdout")?;
    let emulator = Emulator(child);
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .map_err(|e| format!("reading the emulator's first line: {e}"))?;
    let endpoint = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .ok_or_else(|| format!("unexpected emulator output: {line:?}"))?
        .to_owned();
    Ok((emulator, endpoint))
}

/// The `e2e` binary: sequential and 64 in flight in one interleaved run, then allocations.
fn rust(root: &Path, out: &Path, o: &Options, endpoint: &str) -> Result<(), String> {
    let (rounds, seq, conc, alloc) = if o.quick {
        ("2", "300", "2000", "200")
    } else {
        ("5", "2000", "40000", "1000")
    };
    let mut cmd = Command::new(release_bin(root, "e2e"));
    cmd.args(["--endpoint", endpoint, "--ak", EMU_AK, "--sk", EMU_SK])
        .args(["--project-id", EMU_PROJECT_ID, "--rounds", rounds])
        .args([
            "--seq-calls",
            seq,
            "--conc-calls",
            conc,
            "--concurrency",
            "64",
        ])
        .args(["--alloc-calls", alloc, "--tsv"])
        .arg(out.join("e2e.tsv"))
        .arg("--alloc-tsv")
        .arg(out.join("e2e_allocs.tsv"));
    status(cmd, "e2e (SDK vs floor)")
}

/// Appends the SDK ÷ floor rows of the run just made (`e2e.tsv`) to `e2e_runs.tsv`: `commit
/// finished_unix_s op mode ratio ci_low ci_high`, one line per row.
fn record_run(root: &Path, out: &Path) -> Result<(), String> {
    let commit = measured_commit(root);
    let finished = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        .to_string();
    let mut runs = read_tsv(&out.join("e2e_runs.tsv"));
    for row in read_tsv(&out.join("e2e.tsv")) {
        // op mode impl calls/s us/call min max ratio cpu ci_low ci_high pairs
        if let [op, mode, imp, _, _, _, _, ratio, _, low, high, ..] = row.as_slice()
            && imp == "sdk"
        {
            runs.push(vec![
                commit.clone(),
                finished.clone(),
                op.clone(),
                mode.clone(),
                ratio.clone(),
                low.clone(),
                high.clone(),
            ]);
        }
    }
    write_tsv(&out.join("e2e_runs.tsv"), &runs)
}

/// The commit the code measured comes from: its short hash, with `+changes` when tracked files
/// other than `BENCHMARKS.md` (which the report itself writes) differ from it; `?` outside git.
fn measured_commit(root: &Path) -> String {
    let dir = root.to_string_lossy();
    let hash = command_line("git", &["-C", &dir, "rev-parse", "--short=7", "HEAD"]);
    let changed = command_line(
        "git",
        &["-C", &dir, "status", "--porcelain", "--untracked-files=no"],
    );
    // `XY path` per file (the output comes trimmed: the first line may have lost its X).
    let changed = changed
        .lines()
        .filter_map(|l| l.split_whitespace().last())
        .any(|path| path != "BENCHMARKS.md");
    if changed && hash != "?" {
        format!("{hash}+changes")
    } else {
        hash
    }
}

/// `benches/python/bench_official.py` in the interop virtualenv.
fn python(root: &Path, out: &Path, o: &Options, endpoint: &str) -> Result<(), String> {
    let mut venv = Command::new("bash");
    venv.current_dir(root).arg("tests/interop/venv.sh");
    let python = output(venv, "tests/interop/venv.sh")?.trim().to_owned();
    let (rounds, calls, thread_calls) = if o.quick {
        ("1", "100", "400")
    } else {
        ("3", "300", "1200")
    };
    let mut cmd = Command::new(&python);
    cmd.current_dir(root)
        .args(["benches/python/bench_official.py", "--endpoint", endpoint])
        .args([
            "--ak",
            EMU_AK,
            "--sk",
            EMU_SK,
            "--project-id",
            EMU_PROJECT_ID,
        ])
        .args(["--rounds", rounds, "--calls", calls, "--threads", "16"])
        .args(["--thread-calls", thread_calls, "--tsv"])
        .arg(out.join("python.tsv"));
    status(cmd, "official Python SDKs")
}
