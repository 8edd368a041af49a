//! `## Allocations per call (SDK vs floor)`: heap allocations of sequential calls, counted by
//! the `e2e` binary with the counting global allocator.

use std::fmt::Write as _;

use super::{Doc, Target};
use crate::results::Allocs;

/// The allocations table and its (reported) summary line.
pub fn section(doc: &mut Doc, allocs: &[Allocs]) {
    let pairs: Vec<(&Allocs, &Allocs)> = pairs(allocs);
    if pairs.is_empty() {
        return;
    }
    let body = &mut doc.body;
    let _ = writeln!(body, "## Allocations per call (SDK vs floor)\n");
    let _ = writeln!(
        body,
        "`benches/src/bin/e2e.rs`, after the warm-up: {} sequential calls of each operation \
         through the SDK and through the floor (alternating in 4 blocks), with a counting \
         global allocator (`benches/src/counting.rs`) switched on only for these calls. Every \
         thread of the client process counts (the tokio workers running hyper's connection \
         tasks included); the emulator, a separate process, does not. An allocation is one \
         `alloc`, `alloc_zeroed` or `realloc`; bytes are the sizes requested.\n",
        pairs[0].0.calls
    );
    let _ = writeln!(
        body,
        "| operation | SDK allocations/call | floor allocations/call | SDK ÷ floor | SDK − floor | SDK bytes/call | floor bytes/call |"
    );
    let _ = writeln!(body, "|---|---:|---:|---:|---:|---:|---:|");
    let mut worst: Option<(&str, f64, f64)> = None;
    for (sdk, floor) in &pairs {
        let ratio = sdk.per_call / floor.per_call;
        let extra = sdk.per_call - floor.per_call;
        if worst.is_none_or(|w| ratio > w.1) {
            worst = Some((&sdk.op, ratio, extra));
        }
        let _ = writeln!(
            body,
            "| `{}` | {:.1} | {:.1} | {ratio:.2}× | {extra:+.1} | {:.0} | {:.0} |",
            sdk.op, sdk.per_call, floor.per_call, sdk.bytes_per_call, floor.bytes_per_call
        );
    }
    body.push('\n');
    if let Some((op, ratio, extra)) = worst {
        doc.targets.push(Target::reported(
            "Heap allocations per call, SDK ÷ floor",
            "reported (fewer is better)",
            format!("worst {ratio:.2}× ({extra:+.1} per call, {op})"),
        ));
    }
}

/// (SDK, floor) of each operation, in the order the operations first appear.
fn pairs(allocs: &[Allocs]) -> Vec<(&Allocs, &Allocs)> {
    let mut out = Vec::new();
    for sdk in allocs.iter().filter(|a| a.imp == "sdk") {
        if let Some(floor) = allocs.iter().find(|a| a.imp == "floor" && a.op == sdk.op) {
            out.push((sdk, floor));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(op: &str, imp: &str, per_call: f64) -> Allocs {
        Allocs {
            op: op.to_owned(),
            imp: imp.to_owned(),
            calls: 1000,
            per_call,
            bytes_per_call: per_call * 100.0,
        }
    }

    #[test]
    fn pairs_sdk_with_floor_rows_and_reports_the_worst_ratio() {
        let rows = [
            row("a", "floor", 40.0),
            row("a", "sdk", 50.0),
            row("b", "sdk", 90.0),
            row("b", "floor", 60.0),
            row("c", "sdk", 10.0), // no floor: not in the table
        ];
        let mut doc = Doc::default();
        section(&mut doc, &rows);
        assert!(
            doc.body
                .contains("| `a` | 50.0 | 40.0 | 1.25× | +10.0 | 5000 | 4000 |"),
            "{}",
            doc.body
        );
        assert!(
            doc.body.contains("| `b` | 90.0 | 60.0 | 1.50× | +30.0 |"),
            "{}",
            doc.body
        );
        assert!(!doc.body.contains("`c`"), "{}", doc.body);
        assert_eq!(doc.targets.len(), 1);
        assert_eq!(doc.targets[0].measured, "worst 1.50× (+30.0 per call, b)");
    }

    #[test]
    fn no_rows_no_section() {
        let mut doc = Doc::default();
        section(&mut doc, &[row("a", "sdk", 1.0)]);
        assert!(doc.body.is_empty() && doc.targets.is_empty());
    }
}
