//! `cargo xtask codegen [--check]`: generates the SDK crates from `specs/*.yaml`.
//!
//! `cargo xtask bench [...]` is only an alias: it runs
//! `cargo run -p cloudsdk-benches --release --bin report -- [...]`, the benchmark runner that
//! lives in `benches/` (its usage: `cargo xtask bench --help`).

#![warn(clippy::too_many_lines)] // threshold: clippy.toml (80 lines)

use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["codegen"] => run(false),
        ["codegen", "--check"] | ["codegen", "-c"] => run(true),
        ["bench", rest @ ..] => bench(rest),
        _ => {
            eprintln!("usage: cargo xtask codegen [--check]");
            eprintln!();
            eprintln!("  codegen          regenerate crates/<crate>/ from specs/<crate>.yaml");
            eprintln!("  codegen --check  regenerate in memory; fail and list the stale files");
            eprintln!(
                "  bench [...]      alias of `cargo run -p cloudsdk-benches --release --bin report -- [...]`:"
            );
            eprintln!("                   run the benchmarks, write BENCHMARKS.md (bench --help)");
            ExitCode::from(2)
        }
    }
}

fn run(check: bool) -> ExitCode {
    let root = xtask::workspace_root();
    match xtask::codegen(&root, check) {
        Ok(report) => {
            for line in &report.lines {
                println!("{line}");
            }
            if check && !report.stale.is_empty() {
                eprintln!("error: generated code is stale:");
                for path in &report.stale {
                    eprintln!("  {path}");
                }
                eprintln!("run `cargo xtask codegen` and commit the result");
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(err) => {
            eprintln!("{err}");
            ExitCode::FAILURE
        }
    }
}

/// The `bench` alias: the benchmark runner's exit status, passed through.
fn bench(args: &[&str]) -> ExitCode {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(xtask::workspace_root())
        .args([
            "run",
            "--quiet",
            "--release",
            "-p",
            "cloudsdk-benches",
            "--bin",
            "report",
        ])
        .arg("--")
        .args(args)
        .status();
    match status {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(s) => ExitCode::from(s.code().and_then(|c| u8::try_from(c).ok()).unwrap_or(1)),
        Err(e) => {
            eprintln!("xtask bench: cannot run cargo: {e}");
            ExitCode::FAILURE
        }
    }
}
