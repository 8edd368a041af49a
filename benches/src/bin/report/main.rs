//! `report`: runs the benchmarks of this package, the official Python SDKs' baseline and the
//! footprint measurements, then writes `BENCHMARKS.md` at the repository root.
//!
//! ```text
//! cargo run -p cloudsdk-benches --release --bin report -- [--micro] [--e2e] [--footprint]
//!                                                        [--report] [--quick] [--no-python]
//! ```
//!
//! `cargo xtask bench [...]` is an alias of that command.
//!
//! It only orchestrates: it runs `cargo bench`, the release bench binaries, the emulator and the
//! Python script as child processes, and reads what they write under `target/bench/`.
//!
//! Stages (each saves its raw results under `target/bench/`, so they can run separately and the
//! report always shows the latest of each):
//!
//! | flag | stage | time on 2 cores |
//! |---|---|---|
//! | `--micro` | criterion `sign` + `decode` benches, `decode_memory`, `decode_paired` | ~5 min (+ release build) |
//! | `--e2e` | emulator + `e2e` binary (timing, allocations per call) + official Python SDKs | ~7 min (+ release build, venv) |
//! | `--footprint` | dependency counts, clean release builds of each crate | ~10 min |
//! | `--report` | only rewrite `BENCHMARKS.md` from the saved results | seconds |
//!
//! No flag runs `--micro` and `--e2e`. `--quick` shortens every measurement (smoke test; the
//! numbers are noisier), `--no-python` skips the Python baseline.
//!
//! Modules: [`options`] (the command line), [`paths`], [`process`] (child processes),
//! [`stages`] (running each stage), [`results`] (reading what the stages saved), [`machine`]
//! (the machine table), [`sections`] (one function per section of `BENCHMARKS.md`).

#![warn(clippy::too_many_lines)]

mod machine;
mod options;
mod paths;
mod process;
mod results;
mod sections;
mod stages;

use std::path::Path;
use std::process::ExitCode;

use options::{Options, Parsed, USAGE};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let o = match options::parse(&args) {
        Ok(Parsed::Run(o)) => o,
        Ok(Parsed::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("report: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&paths::workspace_root(), &o) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("report: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the chosen stages, then writes `BENCHMARKS.md` from everything saved so far.
fn run(root: &Path, o: &Options) -> Result<(), String> {
    let out = paths::bench_dir(root);
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    if o.micro {
        stages::timed(&out, "micro", || stages::micro(root, &out, o))?;
    }
    if o.e2e {
        stages::timed(&out, "e2e", || stages::e2e::run(root, &out, o))?;
    }
    if o.footprint {
        stages::timed(&out, "footprint", || stages::footprint::run(root, &out))?;
    }
    let md = sections::render(&results::Inputs::load(&out));
    let path = root.join("BENCHMARKS.md");
    std::fs::write(&path, &md).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("{md}");
    eprintln!("report: wrote {}", path.display());
    Ok(())
}
