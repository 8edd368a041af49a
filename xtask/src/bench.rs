//! `cargo xtask bench`: runs the benchmarks of `benches/` (package `cloudsdk-benches`), the
//! official Python SDKs' baseline, and the footprint measurements, then writes `BENCHMARKS.md`.
//!
//! This module only orchestrates: it runs `cargo bench`, the release bench binaries, the
//! emulator and the Python script as child processes, and reads what they write under
//! `target/bench/`. It does not depend on the SDK crates, so `cargo xtask codegen` stays quick.
//!
//! Stages (each saves its raw results under `target/bench/`, so they can run separately and the
//! report always shows the latest of each):
//!
//! | flag | stage | time on 2 cores |
//! |---|---|---|
//! | `--micro` | criterion `sign` + `decode` benches, `decode_memory`, `decode_paired` | ~5 min (+ release build) |
//! | `--e2e` | emulator + `e2e` binary + official Python SDKs | ~4 min (+ release build, venv) |
//! | `--footprint` | dependency counts, clean release builds of each crate | ~10 min |
//! | `--report` | only rewrite `BENCHMARKS.md` from the saved results | seconds |
//!
//! No flag runs `--micro` and `--e2e`. `--quick` shortens every measurement (smoke test; the
//! numbers are noisier), `--no-python` skips the Python baseline.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::Instant;

/// The emulator's access key pair, passed to it on the command line.
const EMU_AK: &str = "BENCHAK";
const EMU_SK: &str = "BENCHSK";
/// The emulator's fixed Huawei project id (region cn-north-4).
const EMU_PROJECT_ID: &str = "060576782980d5762f9ec014dd2f1148";

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

/// Targets of issue 6.
const SIGN_TARGET_NS: f64 = 5_000.0;
const FLOOR_RATIO_TARGET: f64 = 1.15;
const PYTHON_RATIO_TARGET: f64 = 10.0;
const MEMORY_RATIO_TARGET: f64 = 3.0;

/// What to run.
#[derive(Debug, Clone, Default)]
struct Options {
    micro: bool,
    e2e: bool,
    footprint: bool,
    python: bool,
    quick: bool,
}

/// Usage text of `cargo xtask bench`.
pub const USAGE: &str = "\
usage: cargo xtask bench [--micro] [--e2e] [--footprint] [--report] [--quick] [--no-python]

  (no stage flag)  --micro and --e2e, then write BENCHMARKS.md
  --micro          criterion benches (signing, decoding), peak decode memory, paired typed/Value
  --e2e            SDK vs hand-written floor vs official Python SDKs, against the emulator
  --footprint      dependency counts and clean release build times (slow: ~10 min)
  --report         only rewrite BENCHMARKS.md from the results saved in target/bench/
  --quick          shorter measurements (smoke test)
  --no-python      skip the official Python SDK baseline";

/// Entry point: `args` are the words after `bench`.
pub fn main(args: &[&str]) -> ExitCode {
    let mut o = Options {
        python: true,
        ..Options::default()
    };
    let mut report_only = false;
    for a in args {
        match *a {
            "--micro" => o.micro = true,
            "--e2e" => o.e2e = true,
            "--footprint" => o.footprint = true,
            "--report" => report_only = true,
            "--quick" => o.quick = true,
            "--no-python" => o.python = false,
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    if !report_only && !o.micro && !o.e2e && !o.footprint {
        o.micro = true;
        o.e2e = true;
    }
    let root = crate_root();
    match run(&root, &o, report_only) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn crate_root() -> PathBuf {
    xtask::workspace_root()
}

/// `target/` of the workspace (honours `CARGO_TARGET_DIR`).
fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) if !d.is_empty() => {
            let d = PathBuf::from(d);
            if d.is_absolute() { d } else { root.join(d) }
        }
        _ => root.join("target"),
    }
}

fn bench_dir(root: &Path) -> PathBuf {
    target_dir(root).join("bench")
}

fn run(root: &Path, o: &Options, report_only: bool) -> Result<(), String> {
    let out = bench_dir(root);
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    if !report_only {
        if o.micro {
            timed(&out, "micro", || micro(root, &out, o))?;
        }
        if o.e2e {
            timed(&out, "e2e", || e2e(root, &out, o))?;
        }
        if o.footprint {
            timed(&out, "footprint", || footprint(root, &out))?;
        }
    }
    let md = report(root, &out)?;
    let path = root.join("BENCHMARKS.md");
    std::fs::write(&path, &md).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("{md}");
    eprintln!("xtask bench: wrote {}", path.display());
    Ok(())
}

/// Runs a stage and records its wall time in `durations.tsv`.
fn timed(out: &Path, stage: &str, f: impl FnOnce() -> Result<(), String>) -> Result<(), String> {
    // 1-minute load average before the stage: other processes on the machine skew timings.
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned());
    let start = Instant::now();
    f()?;
    let secs = start.elapsed().as_secs_f64();
    eprintln!("xtask bench: stage {stage} took {secs:.0} s");
    let mut rows = read_tsv(&out.join("durations.tsv"));
    rows.retain(|r| r.first().map(String::as_str) != Some(stage));
    rows.push(vec![stage.to_owned(), format!("{secs:.0}"), load]);
    write_tsv(&out.join("durations.tsv"), &rows)
}

// ---------------------------------------------------------------------------------------------
// process helpers
// ---------------------------------------------------------------------------------------------

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn status(mut cmd: Command, what: &str) -> Result<(), String> {
    eprintln!("xtask bench: {what}");
    let st = cmd
        .status()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    if st.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({st})"))
    }
}

fn output(mut cmd: Command, what: &str) -> Result<String, String> {
    let out = cmd
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    if !out.status.success() {
        return Err(format!("{what} failed ({})", out.status));
    }
    String::from_utf8(out.stdout).map_err(|_| format!("{what}: output is not UTF-8"))
}

fn read_tsv(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

fn write_tsv(path: &Path, rows: &[Vec<String>]) -> Result<(), String> {
    let mut s = String::new();
    for r in rows {
        s.push_str(&r.join("\t"));
        s.push('\n');
    }
    std::fs::write(path, s).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

// ---------------------------------------------------------------------------------------------
// stages
// ---------------------------------------------------------------------------------------------

fn micro(root: &Path, out: &Path, o: &Options) -> Result<(), String> {
    let criterion = out.join("criterion");
    if criterion.exists() {
        std::fs::remove_dir_all(&criterion)
            .map_err(|e| format!("cannot clear {}: {e}", criterion.display()))?;
    }
    let mut cmd = cargo();
    cmd.current_dir(root)
        .env("CRITERION_HOME", &criterion)
        .args([
            "bench",
            "-p",
            "cloudsdk-benches",
            "--bench",
            "sign",
            "--bench",
            "decode",
            "--",
        ]);
    if o.quick {
        cmd.args(["--warm-up-time", "0.2", "--measurement-time", "0.5"]);
    }
    status(cmd, "cargo bench -p cloudsdk-benches (sign, decode)")?;

    let mut cmd = cargo();
    cmd.current_dir(root).args([
        "run",
        "--release",
        "--quiet",
        "-p",
        "cloudsdk-benches",
        "--bin",
        "decode_memory",
        "--",
        "--tsv",
    ]);
    cmd.arg(out.join("memory.tsv"));
    status(cmd, "decode_memory (peak heap while decoding)")?;

    let mut cmd = cargo();
    cmd.current_dir(root).args([
        "run",
        "--release",
        "--quiet",
        "-p",
        "cloudsdk-benches",
        "--bin",
        "decode_paired",
        "--",
        "--tsv",
    ]);
    cmd.arg(out.join("decode_paired.tsv"));
    status(cmd, "decode_paired (typed vs Value, interleaved)")
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

fn start_emulator(root: &Path) -> Result<(Emulator, String), String> {
    let bin = target_dir(root)
        .join("release")
        .join(format!("cloudsdk-emulator{}", std::env::consts::EXE_SUFFIX));
    let mut child = Command::new(&bin)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--access-key-id",
            EMU_AK,
            "--access-key-secret",
            EMU_SK,
            "--quiet",
        ])
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

fn e2e(root: &Path, out: &Path, o: &Options) -> Result<(), String> {
    let mut cmd = cargo();
    cmd.current_dir(root).args([
        "build",
        "--release",
        "--quiet",
        "-p",
        "cloudsdk-emulator",
        "-p",
        "cloudsdk-benches",
        "--bins",
    ]);
    status(cmd, "cargo build --release (emulator, e2e)")?;
    let (emulator, endpoint) = start_emulator(root)?;
    eprintln!("xtask bench: emulator at {endpoint}");

    let (rounds, seq, conc) = if o.quick {
        ("2", "300", "2000")
    } else {
        ("5", "2000", "10000")
    };
    let mut cmd = Command::new(target_dir(root).join("release").join("e2e"));
    cmd.args([
        "--endpoint",
        &endpoint,
        "--ak",
        EMU_AK,
        "--sk",
        EMU_SK,
        "--project-id",
        EMU_PROJECT_ID,
        "--rounds",
        rounds,
        "--seq-calls",
        seq,
        "--conc-calls",
        conc,
        "--concurrency",
        "64",
        "--tsv",
    ]);
    cmd.arg(out.join("e2e.tsv"));
    status(cmd, "e2e (SDK vs floor)")?;

    if o.python {
        let python = output(
            {
                let mut c = Command::new("bash");
                c.current_dir(root).arg("tests/interop/venv.sh");
                c
            },
            "tests/interop/venv.sh",
        )?;
        let python = python.trim().to_owned();
        let (rounds, calls, thread_calls) = if o.quick {
            ("1", "100", "400")
        } else {
            ("3", "300", "1200")
        };
        let mut cmd = Command::new(&python);
        cmd.current_dir(root).args([
            "benches/python/bench_official.py",
            "--endpoint",
            &endpoint,
            "--ak",
            EMU_AK,
            "--sk",
            EMU_SK,
            "--project-id",
            EMU_PROJECT_ID,
            "--rounds",
            rounds,
            "--calls",
            calls,
            "--threads",
            "16",
            "--thread-calls",
            thread_calls,
            "--tsv",
        ]);
        cmd.arg(out.join("python.tsv"));
        status(cmd, "official Python SDKs")?;
    }
    drop(emulator);
    Ok(())
}

fn footprint(root: &Path, out: &Path) -> Result<(), String> {
    let mut rows = Vec::new();
    for krate in FOOTPRINT_CRATES {
        let mut cmd = cargo();
        cmd.current_dir(root).args([
            "tree", "-e", "normal", "-p", krate, "--prefix", "none", "--quiet",
        ]);
        let tree = output(cmd, &format!("cargo tree -p {krate}"))?;
        let mut names: Vec<String> = tree
            .lines()
            .map(|l| l.trim().trim_end_matches(" (*)").to_owned())
            .filter(|l| !l.is_empty())
            .collect();
        names.sort();
        names.dedup();
        let deps: Vec<&String> = names
            .iter()
            .filter(|n| n.split_whitespace().next() != Some(krate))
            .collect();
        let other_tls: Vec<&str> = deps
            .iter()
            .filter_map(|n| n.split_whitespace().next())
            .filter(|n| OTHER_TLS.contains(n))
            .collect();
        let has = |name: &str| {
            deps.iter()
                .any(|n| n.split_whitespace().next() == Some(name))
        };
        let tls = if !other_tls.is_empty() {
            format!("also {}", other_tls.join(", "))
        } else if has("rustls") && has("ring") {
            "rustls + ring only".to_owned()
        } else if has("rustls") {
            "rustls only".to_owned()
        } else {
            "none".to_owned()
        };
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
        let default_features = default_features(root, krate);
        rows.push(vec![
            krate.to_owned(),
            deps.len().to_string(),
            format!("{secs:.0}"),
            tls,
            default_features,
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
        // Free the disk space: only the time is kept.
        let _ = std::fs::remove_dir_all(&dir);
    }
    write_tsv(&out.join("footprint.tsv"), &rows)
}

/// The `default` feature list of a workspace crate, from its manifest (`none` without one).
fn default_features(root: &Path, krate: &str) -> String {
    let dir = match krate {
        "cloudsdk-core" => "core",
        other => other,
    };
    let manifest = std::fs::read_to_string(root.join("crates").join(dir).join("Cargo.toml"))
        .unwrap_or_default();
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

// ---------------------------------------------------------------------------------------------
// reading results
// ---------------------------------------------------------------------------------------------

/// One criterion benchmark: median time (ns) and bytes per iteration, if set.
#[derive(Debug, Clone)]
struct Crit {
    median_ns: f64,
    bytes: Option<f64>,
}

/// Reads `target/bench/criterion/**/new/{benchmark,estimates}.json`, keyed by full id.
fn read_criterion(dir: &Path) -> BTreeMap<String, Crit> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                if p.file_name().is_some_and(|n| n == "new") {
                    if let Some((id, c)) = read_one_criterion(&p) {
                        out.insert(id, c);
                    }
                } else if p.file_name().is_some_and(|n| n != "base" && n != "change") {
                    stack.push(p);
                }
            }
        }
    }
    out
}

fn read_one_criterion(dir: &Path) -> Option<(String, Crit)> {
    let bench = std::fs::read_to_string(dir.join("benchmark.json")).ok()?;
    let est = std::fs::read_to_string(dir.join("estimates.json")).ok()?;
    let id = json_string_after(&bench, "\"full_id\":")?;
    let median_ns = json_number_after(&est[est.find("\"median\"")?..], "\"point_estimate\":")?;
    let bytes = bench
        .find("\"throughput\":{\"Bytes\":")
        .and_then(|i| json_number_after(&bench[i..], "\"Bytes\":"));
    Some((id, Crit { median_ns, bytes }))
}

/// The JSON string value following `key` (criterion writes no escapes in its ids).
fn json_string_after(text: &str, key: &str) -> Option<String> {
    let rest = &text[text.find(key)? + key.len()..];
    let rest = rest.trim_start().strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_owned())
}

/// The JSON number following `key`.
fn json_number_after(text: &str, key: &str) -> Option<f64> {
    let rest = text[text.find(key)? + key.len()..].trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')))
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// Calls per second of one (operation, mode, implementation).
#[derive(Debug, Clone, Copy)]
struct Calls {
    /// Median calls per second over the rounds.
    rate: f64,
    /// Median µs per call (1e6 / rate).
    us: f64,
    /// SDK rows of `e2e.tsv`: median over rounds of the paired SDK ÷ floor time per call.
    paired_ratio: Option<f64>,
    /// Median client CPU µs per call (every thread of the client process), if measured.
    cpu_us: Option<f64>,
}

/// `op mode impl median_calls_per_s median_us min max [sdk_over_floor]` rows, keyed by
/// (op, mode, impl).
fn read_calls(path: &Path) -> BTreeMap<(String, String, String), Calls> {
    read_tsv(path)
        .into_iter()
        .filter(|r| r.len() >= 5)
        .filter_map(|r| {
            Some((
                (r[0].clone(), r[1].clone(), r[2].clone()),
                Calls {
                    rate: r[3].parse().ok()?,
                    us: r[4].parse().ok()?,
                    paired_ratio: r.get(7).and_then(|v| v.parse().ok()),
                    cpu_us: r.get(8).and_then(|v| v.parse().ok()),
                },
            ))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// the report
// ---------------------------------------------------------------------------------------------

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

/// A line of the summary table.
#[derive(Debug)]
struct Target {
    name: &'static str,
    goal: &'static str,
    measured: String,
    ok: Option<bool>,
    note: String,
}

fn machine() -> Vec<(&'static str, String)> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).trim().to_owned())
        .unwrap_or_else(|| "unknown".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get().to_string())
        .unwrap_or_else(|_| "?".into());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map(|kib| format!("{:.0} GiB", kib / 1024.0 / 1024.0))
        .unwrap_or_else(|| "?".into());
    let os = std::fs::read_to_string("/etc/os-release")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
        .map(|v| v.trim_matches('"').to_owned())
        .unwrap_or_else(|| std::env::consts::OS.to_owned());
    let kernel = command_line("uname", &["-sr"]);
    let rustc = command_line("rustc", &["-V"]);
    let python = command_line("python3", &["-V"]);
    let date = command_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]);
    vec![
        ("CPU", cpu),
        ("cores", cores),
        ("memory", mem),
        ("OS", format!("{os} ({kernel})")),
        ("rustc", rustc),
        ("Python (baseline)", python),
        ("report written", date),
    ]
}

fn command_line(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|| "?".into())
}

fn report(_root: &Path, out: &Path) -> Result<String, String> {
    let crit = read_criterion(&out.join("criterion"));
    let memory = read_tsv(&out.join("memory.tsv"));
    let decode_paired = read_tsv(&out.join("decode_paired.tsv"));
    let e2e = read_calls(&out.join("e2e.tsv"));
    let python = read_calls(&out.join("python.tsv"));
    let footprint = read_tsv(&out.join("footprint.tsv"));
    let durations = read_tsv(&out.join("durations.tsv"));

    let mut targets: Vec<Target> = Vec::new();
    let mut body = String::new();

    // --- signing -------------------------------------------------------------------------
    let sign: Vec<(&String, &Crit)> = crit
        .iter()
        .filter(|(k, _)| k.starts_with("sign/"))
        .chain(crit.iter().filter(|(k, _)| k.starts_with("prepare/")))
        .collect();
    if !sign.is_empty() {
        let _ = writeln!(body, "## Signing\n");
        let _ = writeln!(
            body,
            "Criterion medians (`benches/benches/sign.rs`). `sign/*` is the signer alone on a \
             realistic request of each operation; `prepare/*` is everything a client does per \
             attempt besides I/O (input validation, clock, nonce, signature, URL and header \
             list), mirrored from `cloudsdk-core`.\n"
        );
        let _ = writeln!(body, "| benchmark | median | target < 5 µs |");
        let _ = writeln!(body, "|---|---:|---|");
        for (k, c) in &sign {
            let _ = writeln!(
                body,
                "| `{k}` | {} | {} |",
                fmt_ns(c.median_ns),
                pass(c.median_ns < SIGN_TARGET_NS)
            );
        }
        body.push('\n');
        let worst = sign
            .iter()
            .filter(|(k, _)| k.starts_with("sign/"))
            .max_by(|a, b| a.1.median_ns.total_cmp(&b.1.median_ns));
        if let Some((k, c)) = worst {
            targets.push(Target {
                name: "Signing, every algorithm",
                goal: "< 5 µs per request",
                measured: format!("slowest {} (`{k}`)", fmt_ns(c.median_ns)),
                ok: Some(c.median_ns < SIGN_TARGET_NS),
                note: String::new(),
            });
        }
    }

    // --- decoding ------------------------------------------------------------------------
    let mut payloads: Vec<String> = crit
        .keys()
        .filter_map(|k| k.strip_prefix("decode/"))
        .filter_map(|k| k.rsplit_once('/').map(|(p, _)| p.to_owned()))
        .collect();
    payloads.dedup();
    if !payloads.is_empty() {
        let _ = writeln!(body, "## Decoding\n");
        let _ = writeln!(
            body,
            "Criterion medians (`benches/benches/decode.rs`): `typed` is what the SDK runs \
             (`serde_json::from_slice::<Output>`, or `quick_xml::de::from_str::<Output>` for \
             XML); `Value` is `serde_json::from_slice::<serde_json::Value>` of the same bytes; \
             for XML, `events` is a bare `quick_xml::Reader` pass that builds nothing (a floor, \
             not a decoder). Large payloads are generated deterministically \
             (`benches/src/payloads.rs`).\n"
        );
        let _ = writeln!(
            body,
            "| payload | size | typed | typed throughput | baseline | baseline throughput | baseline ÷ typed (time) |"
        );
        let _ = writeln!(body, "|---|---:|---:|---:|---:|---:|---:|");
        let mut worst_json: Option<(String, f64)> = None;
        for p in &payloads {
            let Some(typed) = crit.get(&format!("decode/{p}/typed")) else {
                continue;
            };
            let (base_name, base) = match crit.get(&format!("decode/{p}/value")) {
                Some(v) => ("`Value`", Some(v)),
                None => ("`events`", crit.get(&format!("decode/{p}/xml_events"))),
            };
            let bytes = typed.bytes.unwrap_or(0.0);
            let (base_time, base_rate, ratio) = match base {
                Some(b) => (
                    format!("{base_name} {}", fmt_ns(b.median_ns)),
                    fmt_rate(bytes, b.median_ns),
                    b.median_ns / typed.median_ns,
                ),
                None => ("—".into(), "—".into(), f64::NAN),
            };
            if base_name == "`Value`" && worst_json.as_ref().is_none_or(|w| ratio < w.1) {
                worst_json = Some((p.clone(), ratio));
            }
            let _ = writeln!(
                body,
                "| `{p}` | {bytes:.0} B | {} | {} | {base_time} | {base_rate} | {ratio:.2}× |",
                fmt_ns(typed.median_ns),
                fmt_rate(bytes, typed.median_ns),
            );
        }
        body.push('\n');
        // Alibaba XML next to JSON of the same content.
        let json = crit.get("decode/aliyun_10x1000_refs_json/typed");
        let xml = crit.get("decode/aliyun_10x1000_refs_xml/typed");
        if let (Some(j), Some(x)) = (json, xml) {
            let _ = writeln!(
                body,
                "Alibaba, same content (10 ids × 1,000 referencing groups): typed JSON {} ({} B), \
                 typed XML {} ({} B): XML takes {:.1}× the time of JSON.\n",
                fmt_ns(j.median_ns),
                j.bytes.unwrap_or(0.0),
                fmt_ns(x.median_ns),
                x.bytes.unwrap_or(0.0),
                x.median_ns / j.median_ns
            );
        }
        if !decode_paired.is_empty() {
            let _ = writeln!(
                body,
                "Typed vs `Value` measured in interleaved ~5 ms blocks, 21 rounds \
                 (`benches/src/bin/decode_paired.rs`): robust to load changes that can skew the \
                 criterion pair above, which is measured seconds apart. This ratio is the one \
                 the target uses.\n"
            );
            let _ = writeln!(
                body,
                "| payload | size | typed | `Value` | `Value` ÷ typed (median of paired rounds) |"
            );
            let _ = writeln!(body, "|---|---:|---:|---:|---:|");
            worst_json = None;
            for r in decode_paired.iter().filter(|r| r.len() >= 5) {
                let t: f64 = r[2].parse().unwrap_or(f64::NAN);
                let v: f64 = r[3].parse().unwrap_or(f64::NAN);
                let ratio: f64 = r[4].parse().unwrap_or(f64::NAN);
                if worst_json.as_ref().is_none_or(|w| ratio < w.1) {
                    worst_json = Some((r[0].clone(), ratio));
                }
                let _ = writeln!(
                    body,
                    "| `{}` | {} B | {} | {} | {ratio:.2}× |",
                    r[0],
                    r[1],
                    fmt_ns(t),
                    fmt_ns(v)
                );
            }
            body.push('\n');
        }
        if let Some((p, ratio)) = worst_json {
            let ok = ratio >= 1.0;
            targets.push(Target {
                name: "Typed JSON decode vs `serde_json::Value`",
                goal: "at least as fast (ratio ≥ 1)",
                measured: format!("slowest ratio {ratio:.2}× (`{p}`)"),
                ok: Some(ok),
                note: if ok {
                    String::new()
                } else {
                    format!(
                        "`{p}` decodes slower than `Value`: see the decoding table; the typed \
                         path allocates an owned `String` per field (the `Value` path does too), \
                         so the gap comes from the list/`string_or_number` adaptors; borrowing \
                         (`Cow<str>`) or a specialised visitor for wrapped lists would close it."
                    )
                },
            });
        }
    }

    // --- memory --------------------------------------------------------------------------
    if !memory.is_empty() {
        let _ = writeln!(body, "## Peak memory while decoding\n");
        let _ = writeln!(
            body,
            "`benches/src/bin/decode_memory.rs`: a counting global allocator; peak live bytes \
             during the decode (the decoded value included, the input excluded) ÷ input size.\n"
        );
        let _ = writeln!(
            body,
            "| payload | decoder | input | peak | peak ÷ input | retained by the value |"
        );
        let _ = writeln!(body, "|---|---|---:|---:|---:|---:|");
        let mut worst: Option<(String, f64)> = None;
        for r in &memory {
            if r.len() < 5 {
                continue;
            }
            let input: f64 = r[2].parse().unwrap_or(f64::NAN);
            let peak: f64 = r[3].parse().unwrap_or(f64::NAN);
            let ratio = peak / input;
            if r[1] == "typed" && worst.as_ref().is_none_or(|w| ratio > w.1) {
                worst = Some((r[0].clone(), ratio));
            }
            let _ = writeln!(
                body,
                "| `{}` | {} | {} B | {} B | {ratio:.2}× | {} B |",
                r[0], r[1], r[2], r[3], r[4]
            );
        }
        body.push('\n');
        if let Some((p, ratio)) = worst {
            let ok = ratio < MEMORY_RATIO_TARGET;
            targets.push(Target {
                name: "Peak memory decoding the large responses",
                goal: "< 3× the response size",
                measured: format!("worst {ratio:.2}× (`{p}`, typed)"),
                ok: Some(ok),
                note: if ok {
                    String::new()
                } else {
                    "The decoded value itself is larger than the text: every id is an owned \
                     `String` (24 B header + heap block rounded up) and every optional field an \
                     `Option<String>`. Interning repeated values (project id, group id, \
                     timestamps) or borrowing from the body would close it."
                        .to_owned()
                },
            });
        }
    }

    // --- end to end ----------------------------------------------------------------------
    if !e2e.is_empty() {
        let _ = writeln!(body, "## End to end against the emulator\n");
        let _ = writeln!(
            body,
            "`benches/src/bin/e2e.rs` against `cloudsdk-emulator` on loopback (a separate process \
             on the same 2 cores). SDK: the generated clients (one shared client per operation, \
             default retry and timeout settings). Floor: one pooled `reqwest::Client`, the \
             request signed with `cloudsdk_core::sign` directly, the body decoded with serde into \
             the same output type; no builder, no retry loop. SDK and floor alternate in 10 \
             interleaved blocks per round; calls/s are medians over the rounds (5; 2 with \
             `--quick`), SDK ÷ floor is the median of the per-round ratios of time per call. \
             Concurrent = 64 calls in flight on a 2-worker tokio runtime. Python: the official \
             SDKs (`benches/python/bench_official.py`), sequential and 16 threads. Client CPU \
             µs/call is the CPU time of every thread of the client process per call (Rust: \
             `/proc/self/task/*/schedstat`; Python: `time.process_time()`): the client's own \
             cost, whatever the server's speed.\n"
        );
        let _ = writeln!(
            body,
            "| operation | mode | SDK calls/s | floor calls/s | SDK ÷ floor (time/call) | Python calls/s | SDK ÷ Python (calls/s) | floor ÷ Python (calls/s) | client CPU µs/call: SDK / floor / Python | Python ÷ SDK (CPU/call) |"
        );
        let _ = writeln!(body, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        let ops: Vec<String> = {
            let mut v: Vec<String> = e2e.keys().map(|k| k.0.clone()).collect();
            v.dedup();
            v
        };
        let mut worst_floor: Option<(String, f64)> = None;
        let mut worst_py: Option<(String, f64)> = None;
        let mut py_cpu: Vec<f64> = Vec::new();
        let mut floor_over_py: Vec<f64> = Vec::new();
        let mut floor_cpu: Vec<f64> = Vec::new();
        let mut sdk_cpu: Vec<f64> = Vec::new();
        let floor_worst = |w: &Option<(String, f64)>| w.as_ref().map_or(f64::NAN, |w| w.1);
        for op in &ops {
            for (mode, py_mode, label) in [
                ("sequential", "sequential", "sequential"),
                (
                    "concurrent",
                    "threaded",
                    "64 in flight (Python: 16 threads)",
                ),
            ] {
                let get = |imp: &str| e2e.get(&(op.clone(), mode.to_owned(), imp.to_owned()));
                let (Some(sdk), Some(floor)) = (get("sdk"), get("floor")) else {
                    continue;
                };
                let ratio = sdk.paired_ratio.unwrap_or(sdk.us / floor.us);
                if worst_floor.as_ref().is_none_or(|w| ratio > w.1) {
                    worst_floor = Some((format!("{op}, {mode}"), ratio));
                }
                let py = python.get(&(op.clone(), py_mode.to_owned(), "python".to_owned()));
                let cpu = |c: Option<&Calls>| {
                    c.and_then(|c| c.cpu_us)
                        .map_or_else(|| "—".to_owned(), |v| format!("{v:.0}"))
                };
                let cpus = format!("{} / {} / {}", cpu(Some(sdk)), cpu(Some(floor)), cpu(py));
                let (py_rate, py_ratio, floor_py, cpu_ratio) = match py {
                    Some(p) => {
                        let r = sdk.rate / p.rate;
                        let cpu_ratio = p.cpu_us.zip(sdk.cpu_us).map(|(p, s)| p / s);
                        if worst_py.as_ref().is_none_or(|w| r < w.1) {
                            worst_py = Some((format!("{op}, {mode}"), r));
                        }
                        if let Some(c) = cpu_ratio {
                            py_cpu.push(c);
                        }
                        floor_over_py.push(floor.rate / p.rate);
                        if let Some(c) = p.cpu_us.zip(floor.cpu_us).map(|(p, f)| p / f) {
                            floor_cpu.push(c);
                        }
                        sdk_cpu.extend(sdk.cpu_us);
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
        }
        body.push('\n');
        let sdk_vs_floor = floor_worst(&worst_floor);
        if let Some((w, ratio)) = worst_floor {
            let ok = ratio <= FLOOR_RATIO_TARGET;
            targets.push(Target {
                name: "SDK time per call vs hand-written floor",
                goal: "≤ 1.15×, sequential and concurrent",
                measured: format!("worst {ratio:.3}× ({w})"),
                ok: Some(ok),
                note: if ok {
                    String::new()
                } else {
                    "The SDK path adds the retry loop, a per-attempt tracing span, owned header \
                     copies and a body cap check on top of the floor; on loopback the call is so \
                     short that these show. Profile with `perf` on the e2e binary; likely fixes: \
                     skip the span when no subscriber is active, avoid re-allocating headers per \
                     attempt."
                        .to_owned()
                },
            });
        }
        match worst_py {
            Some((w, ratio)) => {
                let ok = ratio >= PYTHON_RATIO_TARGET;
                targets.push(Target {
                    name: "SDK calls/s vs official Python SDKs",
                    goal: "≥ 10×",
                    measured: format!("worst {ratio:.1}× ({w})"),
                    ok: Some(ok),
                    note: if ok {
                        String::new()
                    } else {
                        let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
                        let mut note = format!(
                            "the floor sets the bound, not the SDK layer: even the hand-written \
                             reqwest floor reaches only {:.1}× Python's calls/s in the worst \
                             row, because every call pays the same loopback HTTP cost (kernel \
                             TCP, tokio, hyper) and the emulator's own time on the same 2 cores, \
                             while the official Alibaba SDK (tea) is a thin layer over \
                             `requests`.",
                            min(&floor_over_py)
                        );
                        if !py_cpu.is_empty() {
                            let _ = write!(
                                note,
                                " Client CPU time per call, which does not depend on the \
                                 server: Python spends {:.1}× to {:.0}× the CPU per call of the \
                                 SDK, and {:.1}× to {:.0}× that of the floor. Most of a Rust \
                                 client's {:.0}–{:.0} µs per call is transport (kernel TCP on \
                                 loopback, tokio, hyper), which the floor pays too.",
                                min(&py_cpu),
                                py_cpu.iter().copied().fold(0.0, f64::max),
                                min(&floor_cpu),
                                floor_cpu.iter().copied().fold(0.0, f64::max),
                                min(&sdk_cpu),
                                sdk_cpu.iter().copied().fold(0.0, f64::max),
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
                    },
                });
                if !py_cpu.is_empty() {
                    let min = py_cpu.iter().copied().fold(f64::INFINITY, f64::min);
                    let floor_min = floor_cpu.iter().copied().fold(f64::INFINITY, f64::min);
                    targets.push(Target {
                        name: "Client CPU per call, Python ÷ SDK (supporting figure)",
                        goal: "not a target: the client's own cost",
                        measured: format!("worst {min:.1}× (the floor's worst: {floor_min:.1}×)"),
                        ok: None,
                        note: String::new(),
                    });
                }
            }
            None => targets.push(Target {
                name: "SDK calls/s vs official Python SDKs",
                goal: "≥ 10×",
                measured: "not measured (run `cargo xtask bench --e2e` with Python 3)".into(),
                ok: None,
                note: String::new(),
            }),
        }
    }

    // --- footprint -----------------------------------------------------------------------
    if !footprint.is_empty() {
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
        for r in &footprint {
            if r.len() < 5 {
                continue;
            }
            all_single_tls &= !r[3].starts_with("also");
            let _ = writeln!(
                body,
                "| `{}` | {} | {} s | {} | {} |",
                r[0], r[1], r[2], r[3], r[4]
            );
        }
        body.push('\n');
        let mut replaceable = Vec::new();
        if let Some(r) = footprint.iter().find(|r| r.len() >= 6) {
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
            replaceable = footprint_findings(&deps);
            if !replaceable.is_empty() {
                let _ = writeln!(body, "Findings (computed from the tree):\n");
                for f in &replaceable {
                    let _ = writeln!(body, "- {f}");
                }
                body.push('\n');
            }
        }
        let summary: Vec<String> = footprint
            .iter()
            .filter(|r| r.len() >= 3)
            .map(|r| format!("{} {} deps / {} s", r[0], r[1], r[2]))
            .collect();
        targets.push(Target {
            name: "Footprint: deps and clean release build",
            goal: "reported per crate",
            measured: summary.join("; "),
            ok: None,
            note: String::new(),
        });
        targets.push(Target {
            name: "One TLS stack",
            goal: "no native-tls / openssl / aws-lc",
            measured: if all_single_tls {
                "rustls + ring only".into()
            } else {
                "a second TLS stack is present (see the footprint table)".into()
            },
            ok: Some(all_single_tls),
            note: String::new(),
        });
        targets.push(Target {
            name: "No dependency a smaller well-kept one could replace",
            goal: "none",
            measured: if replaceable.is_empty() {
                "none found".into()
            } else {
                format!("{} finding(s), see Footprint", replaceable.len())
            },
            ok: Some(replaceable.is_empty()),
            note: if replaceable.is_empty() {
                String::new()
            } else {
                "the findings under Footprint each name the change that removes the \
                 dependency (all in `crates/core/Cargo.toml` or the workspace manifest)."
                    .into()
            },
        });
    } else {
        targets.push(Target {
            name: "Footprint",
            goal: "reported per crate",
            measured: "not measured yet: run `cargo xtask bench --footprint` (~10 min)".into(),
            ok: None,
            note: String::new(),
        });
    }

    // --- assemble ------------------------------------------------------------------------
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# Benchmarks\n\n<!-- Written by `cargo xtask bench`; do not edit by hand. -->\n"
    );
    let _ = writeln!(
        md,
        "Targets of issue 6, measured in one run on the machine below. Reproduce with \
         `cargo xtask bench` (micro benches + end to end) and `cargo xtask bench --footprint`; \
         see [How to run](#how-to-run).\n"
    );
    let _ = writeln!(md, "## Summary\n");
    let _ = writeln!(md, "| target | goal | measured | result |");
    let _ = writeln!(md, "|---|---|---|---|");
    for t in &targets {
        let result = match t.ok {
            Some(ok) => pass(ok),
            None => "reported",
        };
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
    let _ = writeln!(md, "## Machine\n");
    let _ = writeln!(md, "| | |\n|---|---|");
    for (k, v) in machine() {
        let _ = writeln!(md, "| {k} | {v} |");
    }
    md.push('\n');
    md.push_str(&body);
    let _ = writeln!(md, "## How to run\n");
    let _ = writeln!(
        md,
        "```sh\ncargo xtask bench               # micro benches + end to end, writes BENCHMARKS.md\n\
         cargo xtask bench --micro       # criterion (signing, decoding) + peak decode memory\n\
         cargo xtask bench --e2e         # SDK vs floor vs official Python SDKs (emulator)\n\
         cargo xtask bench --footprint   # dependency counts + clean release builds\n\
         cargo xtask bench --report      # rewrite this file from target/bench/\n\
         cargo bench -p cloudsdk-benches --bench sign     # one criterion bench directly\n```\n"
    );
    if !durations.is_empty() {
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
    Ok(md)
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
    fn reads_criterion_fields() {
        let bench = r#"{"group_id":"decode/x","function_id":"typed","value_str":null,"throughput":{"Bytes":2048},"full_id":"decode/x/typed","directory_name":"decode/x/typed","title":"decode/x/typed"}"#;
        let est = r#"{"mean":{"confidence_interval":{"confidence_level":0.95,"lower_bound":1.0,"upper_bound":3.0},"point_estimate":2.5,"standard_error":0.1},"median":{"confidence_interval":{"confidence_level":0.95,"lower_bound":1.0,"upper_bound":3.0},"point_estimate":1234.5e0,"standard_error":0.1}}"#;
        assert_eq!(
            json_string_after(bench, "\"full_id\":").as_deref(),
            Some("decode/x/typed")
        );
        assert_eq!(json_number_after(bench, "\"Bytes\":"), Some(2048.0));
        let median = &est[est.find("\"median\"").unwrap()..];
        assert_eq!(
            json_number_after(median, "\"point_estimate\":"),
            Some(1234.5)
        );
    }

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
    fn formats_units() {
        assert_eq!(fmt_ns(950.0), "950 ns");
        assert_eq!(fmt_ns(1_500.0), "1.50 µs");
        assert_eq!(fmt_ns(2_500_000.0), "2.50 ms");
        // 1 MiB in 1 ms = 1000 MiB/s.
        assert_eq!(fmt_rate(1024.0 * 1024.0, 1e6), "1000 MiB/s");
    }
}
