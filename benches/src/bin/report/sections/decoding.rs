//! `## Decoding`: criterion medians of every payload, XML next to JSON, and the interleaved
//! typed ÷ `Value` ratios of `decode_paired` (the ones the target uses).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{Doc, Target, fmt_ns, fmt_rate};
use crate::results::Crit;

/// The decoding tables and the "typed at least as fast as `Value`" target.
pub fn section(doc: &mut Doc, crit: &BTreeMap<String, Crit>, paired: &[Vec<String>]) {
    let mut payloads: Vec<String> = crit
        .keys()
        .filter_map(|k| k.strip_prefix("decode/"))
        .filter_map(|k| k.rsplit_once('/').map(|(p, _)| p.to_owned()))
        .collect();
    payloads.dedup();
    if payloads.is_empty() {
        return;
    }
    let _ = writeln!(doc.body, "## Decoding\n");
    let mut worst = criterion_table(&mut doc.body, crit, &payloads);
    xml_next_to_json(&mut doc.body, crit);
    if !paired.is_empty() {
        worst = paired_table(&mut doc.body, paired);
    }
    if let Some((p, ratio)) = worst {
        doc.targets.push(Target::checked(
            "Typed JSON decode vs `serde_json::Value`",
            "at least as fast (ratio ≥ 1)",
            format!("slowest ratio {ratio:.2}× (`{p}`)"),
            ratio >= 1.0,
            || {
                format!(
                    "`{p}` decodes slower than `Value`: see the decoding table; the typed \
                     path allocates an owned `String` per field (the `Value` path does too), \
                     so the gap comes from the list/`string_or_number` adaptors; borrowing \
                     (`Cow<str>`) or a specialised visitor for wrapped lists would close it."
                )
            },
        ));
    }
}

/// The criterion table; returns the JSON payload with the lowest `Value` ÷ typed ratio.
fn criterion_table(
    body: &mut String,
    crit: &BTreeMap<String, Crit>,
    payloads: &[String],
) -> Option<(String, f64)> {
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
    for p in payloads {
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
    worst_json
}

/// Alibaba XML next to JSON of the same content.
fn xml_next_to_json(body: &mut String, crit: &BTreeMap<String, Crit>) {
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
}

/// The interleaved typed ÷ `Value` table; returns the payload with the lowest ratio.
fn paired_table(body: &mut String, paired: &[Vec<String>]) -> Option<(String, f64)> {
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
    let mut worst: Option<(String, f64)> = None;
    for r in paired.iter().filter(|r| r.len() >= 5) {
        let t: f64 = r[2].parse().unwrap_or(f64::NAN);
        let v: f64 = r[3].parse().unwrap_or(f64::NAN);
        let ratio: f64 = r[4].parse().unwrap_or(f64::NAN);
        if worst.as_ref().is_none_or(|w| ratio < w.1) {
            worst = Some((r[0].clone(), ratio));
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
    worst
}
