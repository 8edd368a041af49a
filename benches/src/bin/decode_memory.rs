//! Peak heap while decoding the large responses, as a multiple of the input size.
//!
//! A counting global allocator (`cloudsdk_benches::counting`) tracks live bytes. For each payload
//! the input is allocated first; then the peak is reset to the current live size, the body is
//! decoded, and the peak minus the starting live size is the memory the decode needed at its worst (the decoded value included).
//! `retained` is what the decoded value keeps. Target: peak < 3× the input size.
//!
//! Run: `cargo run --release -p cloudsdk-benches --bin decode_memory [-- --tsv PATH]`.
//! With `--tsv`, one line per measurement: `name  decoder  input_bytes  peak_bytes  retained_bytes`.

use std::process::ExitCode;

use cloudsdk_benches::counting;
use cloudsdk_benches::decode;
use cloudsdk_benches::payloads::{self, Format};

#[global_allocator]
static ALLOC: counting::Counting = counting::Counting;

/// One measurement.
#[derive(Debug)]
struct Row {
    name: &'static str,
    decoder: &'static str,
    input: usize,
    peak: usize,
    retained: usize,
}

fn measure<T>(
    name: &'static str,
    decoder: &'static str,
    input: &[u8],
    f: impl Fn(&[u8]) -> Result<T, String>,
) -> Result<Row, String> {
    let base = counting::reset_peak();
    let value = f(input)?;
    let peak = usize::try_from(counting::peak() - base).unwrap_or(0);
    let retained = usize::try_from(counting::live() - base).unwrap_or(0);
    drop(value);
    Ok(Row {
        name,
        decoder,
        input: input.len(),
        peak,
        retained,
    })
}

fn run() -> Result<Vec<Row>, String> {
    counting::enable();
    let mut rows = Vec::new();
    for p in payloads::large() {
        let bytes = p.bytes;
        rows.push(measure(p.name, "typed", &bytes, |b| {
            decode::typed_kind(p.kind, p.format, b)
        })?);
        if p.format == Format::Json {
            rows.push(measure(p.name, "value", &bytes, decode::json_value)?);
        }
    }
    Ok(rows)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let tsv = match args.as_slice() {
        [] => None,
        [flag, path] if flag == "--tsv" => Some(path.clone()),
        _ => {
            eprintln!("usage: decode_memory [--tsv PATH]");
            return ExitCode::from(2);
        }
    };
    let rows = match run() {
        Ok(rows) => rows,
        Err(e) => {
            eprintln!("decode_memory: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("| payload | decoder | input | peak while decoding | peak ÷ input | retained |");
    println!("|---|---|---:|---:|---:|---:|");
    let mut out = String::new();
    for r in &rows {
        println!(
            "| {} | {} | {} B | {} B | {:.2}× | {} B |",
            r.name,
            r.decoder,
            r.input,
            r.peak,
            r.peak as f64 / r.input as f64,
            r.retained
        );
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\n",
            r.name, r.decoder, r.input, r.peak, r.retained
        ));
    }
    if let Some(path) = tsv
        && let Err(e) = std::fs::write(&path, out)
    {
        eprintln!("decode_memory: cannot write {path}: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
