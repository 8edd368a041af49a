//! Reading what the stages saved under `target/bench/`: TSV files and criterion's JSON.

use std::collections::BTreeMap;
use std::path::Path;

/// Everything the report is written from.
#[derive(Debug, Default)]
pub struct Inputs {
    /// Criterion results by full id (`criterion/`).
    pub crit: BTreeMap<String, Crit>,
    /// `decode_memory` rows: `name decoder input_bytes peak_bytes retained_bytes`.
    pub memory: Vec<Vec<String>>,
    /// `decode_paired` rows: `name input_bytes typed_ns value_ns value_over_typed`.
    pub decode_paired: Vec<Vec<String>>,
    /// `e2e` rows by (op, mode, impl).
    pub e2e: BTreeMap<(String, String, String), Calls>,
    /// `e2e` allocation rows, in the order written (SDK then floor per operation).
    pub allocs: Vec<Allocs>,
    /// Python baseline rows by (op, mode, `python`).
    pub python: BTreeMap<(String, String, String), Calls>,
    /// Footprint rows: `crate deps build_s tls default_features dep@version…`.
    pub footprint: Vec<Vec<String>>,
    /// Stage durations: `stage seconds load_average`.
    pub durations: Vec<Vec<String>>,
    /// Every full e2e run's SDK ÷ floor rows, oldest first: `commit finished_unix_s op mode
    /// ratio ci_low ci_high`.
    pub e2e_runs: Vec<Vec<String>>,
}

impl Inputs {
    /// Reads `out` (`target/bench/`); missing files give empty sections.
    pub fn load(out: &Path) -> Self {
        Inputs {
            crit: read_criterion(&out.join("criterion")),
            memory: read_tsv(&out.join("memory.tsv")),
            decode_paired: read_tsv(&out.join("decode_paired.tsv")),
            e2e: calls(read_tsv(&out.join("e2e.tsv"))),
            allocs: allocs(read_tsv(&out.join("e2e_allocs.tsv"))),
            python: calls(read_tsv(&out.join("python.tsv"))),
            footprint: read_tsv(&out.join("footprint.tsv")),
            durations: read_tsv(&out.join("durations.tsv")),
            e2e_runs: read_tsv(&out.join("e2e_runs.tsv")),
        }
    }
}

/// The rows of a TSV file (none when it is missing), blank lines skipped.
pub fn read_tsv(path: &Path) -> Vec<Vec<String>> {
    parse_tsv(&std::fs::read_to_string(path).unwrap_or_default())
}

/// The rows of a TSV text, blank lines skipped.
pub fn parse_tsv(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

/// Writes rows as TSV.
pub fn write_tsv(path: &Path, rows: &[Vec<String>]) -> Result<(), String> {
    let mut s = String::new();
    for r in rows {
        s.push_str(&r.join("\t"));
        s.push('\n');
    }
    std::fs::write(path, s).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// One criterion benchmark: median time (ns) and bytes per iteration, if set.
#[derive(Debug, Clone)]
pub struct Crit {
    /// Median time per iteration, ns.
    pub median_ns: f64,
    /// Throughput in bytes per iteration, if the bench sets one.
    pub bytes: Option<f64>,
}

/// Reads `criterion/**/new/{benchmark,estimates}.json`, keyed by full id.
fn read_criterion(dir: &Path) -> BTreeMap<String, Crit> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for p in entries.flatten().map(|e| e.path()).filter(|p| p.is_dir()) {
            if p.file_name().is_some_and(|n| n == "new") {
                let bench = std::fs::read_to_string(p.join("benchmark.json"));
                let est = std::fs::read_to_string(p.join("estimates.json"));
                if let (Ok(bench), Ok(est)) = (bench, est)
                    && let Some((id, c)) = parse_criterion(&bench, &est)
                {
                    out.insert(id, c);
                }
            } else if p.file_name().is_some_and(|n| n != "base" && n != "change") {
                stack.push(p);
            }
        }
    }
    out
}

/// The full id, median and throughput of one criterion benchmark from its two JSON files.
fn parse_criterion(bench: &str, est: &str) -> Option<(String, Crit)> {
    let id = json_string_after(bench, "\"full_id\":")?;
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
pub struct Calls {
    /// Median calls per second over the rounds.
    pub rate: f64,
    /// Median µs per call (1e6 / rate).
    pub us: f64,
    /// SDK rows of `e2e.tsv`: median over rounds of the paired SDK ÷ floor time per call.
    pub paired_ratio: Option<f64>,
    /// Median client CPU µs per call (every thread of the client process), if measured.
    pub cpu_us: Option<f64>,
    /// SDK rows of `e2e.tsv`: the 95% confidence interval of `paired_ratio` and the number of
    /// block pairs it comes from.
    pub paired_ci: Option<(f64, f64, usize)>,
}

/// `op mode impl median_calls_per_s median_us min max [sdk_over_floor [cpu_us [ci_low ci_high
/// pairs]]]` rows, keyed by (op, mode, impl); rows that do not parse are skipped.
fn calls(rows: Vec<Vec<String>>) -> BTreeMap<(String, String, String), Calls> {
    rows.into_iter()
        .filter(|r| r.len() >= 5)
        .filter_map(|r| {
            Some((
                (r[0].clone(), r[1].clone(), r[2].clone()),
                Calls {
                    rate: r[3].parse().ok()?,
                    us: r[4].parse().ok()?,
                    paired_ratio: r.get(7).and_then(|v| v.parse().ok()),
                    cpu_us: r.get(8).and_then(|v| v.parse().ok()),
                    paired_ci: paired_ci(&r),
                },
            ))
        })
        .collect()
}

/// Columns 10-12 of an `e2e.tsv` row: the ratio's confidence interval and pairs.
fn paired_ci(r: &[String]) -> Option<(f64, f64, usize)> {
    Some((
        r.get(9)?.parse().ok()?,
        r.get(10)?.parse().ok()?,
        r.get(11)?.parse().ok()?,
    ))
}

/// Heap allocations per call of one (operation, implementation), sequential calls.
#[derive(Debug, Clone, PartialEq)]
pub struct Allocs {
    /// Operation id.
    pub op: String,
    /// `sdk` or `floor`.
    pub imp: String,
    /// Calls counted.
    pub calls: u64,
    /// Allocations per call.
    pub per_call: f64,
    /// Bytes requested per call.
    pub bytes_per_call: f64,
}

/// `op impl calls allocations_per_call bytes_per_call` rows; rows that do not parse are skipped.
fn allocs(rows: Vec<Vec<String>>) -> Vec<Allocs> {
    rows.into_iter()
        .filter(|r| r.len() >= 5)
        .filter_map(|r| {
            Some(Allocs {
                calls: r[2].parse().ok()?,
                per_call: r[3].parse().ok()?,
                bytes_per_call: r[4].parse().ok()?,
                op: r[0].clone(),
                imp: r[1].clone(),
            })
        })
        .collect()
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
        let (id, c) = parse_criterion(bench, est).unwrap();
        assert_eq!(id, "decode/x/typed");
        assert_eq!(c.median_ns, 1234.5);
        assert_eq!(c.bytes, Some(2048.0));
        let no_throughput = bench.replace(r#""throughput":{"Bytes":2048},"#, "");
        assert_eq!(parse_criterion(&no_throughput, est).unwrap().1.bytes, None);
    }

    #[test]
    fn reads_calls_rows_with_and_without_the_optional_columns() {
        let rows = parse_tsv(
            "op\tsequential\tsdk\t20000.0\t50.000\t19000.0\t21000.0\t1.0400\t31.500\t1.0210\t1.0630\t500\n\
             op\tconcurrent\tsdk\t20000.0\t50.000\t19000.0\t21000.0\t1.0400\t31.500\t-\t-\t4\n\
             \n\
             op\tsequential\tfloor\t21000.0\t47.619\t20000.0\t22000.0\t1.0400\t-\n\
             py\tthreaded\tpython\t900.0\t1111.1\t850.0\t950.0\n\
             bad\tsequential\tsdk\tnot-a-number\t1\n",
        );
        let c = calls(rows);
        assert_eq!(c.len(), 4, "{c:?}");
        let key = |o: &str, m: &str, i: &str| (o.to_owned(), m.to_owned(), i.to_owned());
        let sdk = c[&key("op", "sequential", "sdk")];
        assert_eq!((sdk.rate, sdk.us), (20000.0, 50.0));
        assert_eq!((sdk.paired_ratio, sdk.cpu_us), (Some(1.04), Some(31.5)));
        assert_eq!(sdk.paired_ci, Some((1.021, 1.063, 500)));
        assert_eq!(c[&key("op", "concurrent", "sdk")].paired_ci, None);
        assert_eq!(c[&key("op", "sequential", "floor")].cpu_us, None);
        assert_eq!(c[&key("py", "threaded", "python")].paired_ratio, None);
    }

    #[test]
    fn reads_allocation_rows() {
        let a = allocs(parse_tsv(
            "op\tsdk\t1000\t61.50\t9876.5\nop\tfloor\t1000\t40.00\t7000.0\nop\tsdk\tx\t1\t1\n",
        ));
        assert_eq!(a.len(), 2, "{a:?}");
        assert_eq!((a[0].imp.as_str(), a[0].per_call), ("sdk", 61.5));
        assert_eq!((a[1].calls, a[1].bytes_per_call), (1000, 7000.0));
    }
}
