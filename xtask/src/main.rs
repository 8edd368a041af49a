//! `cargo xtask codegen [--check]`: generates the SDK crates from `specs/*.yaml`.
//! `cargo xtask bench [...]`: runs the benchmarks and writes `BENCHMARKS.md` (see `bench.rs`).

use std::process::ExitCode;

mod bench;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["codegen"] => run(false),
        ["codegen", "--check"] | ["codegen", "-c"] => run(true),
        ["bench", rest @ ..] => bench::main(rest),
        _ => {
            eprintln!("usage: cargo xtask codegen [--check]");
            eprintln!();
            eprintln!("  codegen          regenerate crates/<crate>/ from specs/<crate>.yaml");
            eprintln!("  codegen --check  regenerate in memory; fail and list the stale files");
            eprintln!("  bench [...]      run the benchmarks, write BENCHMARKS.md (bench --help)");
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
