//! Typed decode ÷ `serde_json::Value` decode of the same bytes, measured in interleaved blocks.
//!
//! Criterion (`benches/decode.rs`) measures each decoder on its own, seconds apart; on a shared
//! machine a load change between the two skews their ratio. Here the two decoders alternate in
//! short blocks (~5 ms each, order swapped every round) over 21 rounds, and the reported ratio
//! is the median of the per-round ratios. Target: typed at least as fast (ratio ≥ 1).
//!
//! Run: `cargo run --release -p cloudsdk-benches --bin decode_paired [-- --tsv PATH]`.
//! With `--tsv`, one line per payload:
//! `name  input_bytes  typed_ns  value_ns  value_over_typed` (medians; > 1 means typed is faster).

use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use cloudsdk_benches::decode;
use cloudsdk_benches::examples;
use cloudsdk_benches::payloads::{self, Format, Kind};
use cloudsdk_benches::stats::median;

const ROUNDS: usize = 21;
const BLOCK: Duration = Duration::from_millis(5);

/// Time of `n` runs of `f`, in ns per run.
fn block(n: usize, f: &dyn Fn() -> Result<(), String>) -> Result<f64, String> {
    let start = Instant::now();
    for _ in 0..n {
        f()?;
    }
    Ok(start.elapsed().as_nanos() as f64 / n as f64)
}

/// Medians of (typed ns, value ns, value ÷ typed).
fn paired(kind: Kind, bytes: &[u8]) -> Result<(f64, f64, f64), String> {
    let typed = || {
        decode::typed_kind(kind, Format::Json, black_box(bytes)).map(|d| {
            black_box(d);
        })
    };
    let value = || {
        decode::json_value(black_box(bytes)).map(|v| {
            black_box(v);
        })
    };
    // Calibrate: runs per block so that one block takes about BLOCK.
    let once = block(3, &typed)?.max(1.0);
    let n = ((BLOCK.as_nanos() as f64 / once) as usize).max(1);
    block(n, &typed)?;
    block(n, &value)?;
    let (mut t, mut v, mut r) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let (a, b) = if round.is_multiple_of(2) {
            let a = block(n, &typed)?;
            (a, block(n, &value)?)
        } else {
            let b = block(n, &value)?;
            (block(n, &typed)?, b)
        };
        t.push(a);
        v.push(b);
        r.push(b / a);
    }
    Ok((median(&t), median(&v), median(&r)))
}

/// One payload's result: name, input bytes, typed ns, `Value` ns, `Value` ÷ typed.
type Row = (String, usize, f64, f64, f64);

fn run() -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    let docs = examples::doc_examples().map_err(|e| format!("specs/examples: {e}"))?;
    for ex in docs.into_iter().filter(|e| e.format == Format::Json) {
        let (t, v, r) = paired(ex.kind, &ex.bytes)?;
        rows.push((ex.name, ex.bytes.len(), t, v, r));
    }
    for p in payloads::large()
        .into_iter()
        .filter(|p| p.format == Format::Json)
    {
        let (t, v, r) = paired(p.kind, &p.bytes)?;
        rows.push((p.name.to_owned(), p.bytes.len(), t, v, r));
    }
    Ok(rows)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let tsv = match args.as_slice() {
        [] => None,
        [flag, path] if flag == "--tsv" => Some(path.clone()),
        _ => {
            eprintln!("usage: decode_paired [--tsv PATH]");
            return ExitCode::from(2);
        }
    };
    let rows = match run() {
        Ok(rows) => rows,
        Err(e) => {
            eprintln!("decode_paired: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("| payload | input | typed | Value | Value ÷ typed (paired median) |");
    println!("|---|---:|---:|---:|---:|");
    let mut out = String::new();
    for (name, len, t, v, r) in &rows {
        println!("| {name} | {len} B | {t:.0} ns | {v:.0} ns | {r:.2}× |");
        out.push_str(&format!("{name}\t{len}\t{t:.1}\t{v:.1}\t{r:.4}\n"));
    }
    if let Some(path) = tsv
        && let Err(e) = std::fs::write(&path, out)
    {
        eprintln!("decode_paired: cannot write {path}: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
