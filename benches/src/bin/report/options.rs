//! The command line of `report` (and of its alias `cargo xtask bench`).

/// What to run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// Criterion benches, peak decode memory, paired typed/`Value` decoding.
    pub micro: bool,
    /// SDK vs floor (time and allocations per call) vs the official Python SDKs.
    pub e2e: bool,
    /// Dependency counts and clean release builds.
    pub footprint: bool,
    /// Run the Python baseline in the e2e stage.
    pub python: bool,
    /// Shorter measurements (smoke test).
    pub quick: bool,
}

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// Run these stages (none: only rewrite the report), then write the report.
    Run(Options),
    /// Print the usage text.
    Help,
}

/// Usage text.
pub const USAGE: &str = "\
usage: cargo run -p cloudsdk-benches --release --bin report -- \
[--micro] [--e2e] [--footprint] [--report] [--quick] [--no-python]
       (alias: cargo xtask bench [...])

  (no stage flag)  --micro and --e2e, then write BENCHMARKS.md
  --micro          criterion benches (signing, decoding), peak decode memory, paired typed/Value
  --e2e            SDK vs hand-written floor (time and allocations per call) vs official
                   Python SDKs, against the emulator
  --footprint      dependency counts and clean release build times (slow: ~10 min)
  --report         only rewrite BENCHMARKS.md from the results saved in target/bench/
  --quick          shorter measurements (smoke test)
  --no-python      skip the official Python SDK baseline";

/// Parses the words after the program name.
pub fn parse<S: AsRef<str>>(args: &[S]) -> Result<Parsed, String> {
    let mut o = Options {
        python: true,
        ..Options::default()
    };
    let mut report_only = false;
    for a in args {
        match a.as_ref() {
            "--micro" => o.micro = true,
            "--e2e" => o.e2e = true,
            "--footprint" => o.footprint = true,
            "--report" => report_only = true,
            "--quick" => o.quick = true,
            "--no-python" => o.python = false,
            "-h" | "--help" => return Ok(Parsed::Help),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if report_only {
        // `--report` wins: only the report is rewritten.
        o.micro = false;
        o.e2e = false;
        o.footprint = false;
    } else if !o.micro && !o.e2e && !o.footprint {
        o.micro = true;
        o.e2e = true;
    }
    Ok(Parsed::Run(o))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Options {
        match parse(args) {
            Ok(Parsed::Run(o)) => o,
            other => panic!("{args:?}: {other:?}"),
        }
    }

    #[test]
    fn no_stage_flag_runs_micro_and_e2e_with_python() {
        let o = run(&[]);
        assert!(o.micro && o.e2e && o.python, "{o:?}");
        assert!(!o.footprint && !o.quick, "{o:?}");
    }

    #[test]
    fn stage_flags_select_only_those_stages() {
        let o = run(&["--e2e", "--quick", "--no-python"]);
        assert!(o.e2e && o.quick && !o.python, "{o:?}");
        assert!(!o.micro && !o.footprint, "{o:?}");
        let o = run(&["--footprint"]);
        assert!(o.footprint && !o.micro && !o.e2e, "{o:?}");
    }

    #[test]
    fn report_runs_no_stage() {
        let o = run(&["--report"]);
        assert!(!o.micro && !o.e2e && !o.footprint, "{o:?}");
        let o = run(&["--micro", "--report"]);
        assert!(!o.micro, "{o:?}");
    }

    #[test]
    fn help_and_unknown_arguments() {
        assert_eq!(parse(&["--help"]), Ok(Parsed::Help));
        assert_eq!(parse(&["-h"]), Ok(Parsed::Help));
        let err = parse(&["--fast"]).unwrap_err();
        assert!(err.contains("--fast"), "{err}");
    }
}
