//! `## Peak memory while decoding`: `decode_memory`'s rows.

use std::fmt::Write as _;

use super::{Doc, MEMORY_RATIO_TARGET, Target};

/// The peak-memory table and the "< 3× the response size" target.
pub fn section(doc: &mut Doc, memory: &[Vec<String>]) {
    if memory.is_empty() {
        return;
    }
    let body = &mut doc.body;
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
    for r in memory.iter().filter(|r| r.len() >= 5) {
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
        doc.targets.push(Target::checked(
            "Peak memory decoding the large responses",
            "< 3× the response size",
            format!("worst {ratio:.2}× (`{p}`, typed)"),
            ratio < MEMORY_RATIO_TARGET,
            || {
                "The decoded value itself is larger than the text: every id is an owned \
                 `String` (24 B header + heap block rounded up) and every optional field an \
                 `Option<String>`. Interning repeated values (project id, group id, \
                 timestamps) or borrowing from the body would close it."
                    .to_owned()
            },
        ));
    }
}
