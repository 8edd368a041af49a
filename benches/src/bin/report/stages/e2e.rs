//! `--e2e`: the emulator, the `e2e` binary (SDK vs floor: time and allocations per call) and the
//! official Python SDKs against it.

use std::io::BufRead as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::options::Options;
use crate::paths::release_bin;
use crate::process::{cargo, output, status};

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
