//! `## Signing`: criterion medians of `sign/*` and `prepare/*`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{Doc, SIGN_TARGET_NS, Target, fmt_ns, pass};
use crate::results::Crit;

/// The signing table and the "every algorithm < 5 µs" target.
pub fn section(doc: &mut Doc, crit: &BTreeMap<String, Crit>) {
    let sign: Vec<(&String, &Crit)> = crit
        .iter()
        .filter(|(k, _)| k.starts_with("sign/"))
        .chain(crit.iter().filter(|(k, _)| k.starts_with("prepare/")))
        .collect();
    if sign.is_empty() {
        return;
    }
    let body = &mut doc.body;
    let _ = writeln!(body, "## Signing\n");
    let _ = writeln!(
        body,
        "Criterion medians (`benches/benches/sign.rs`). `sign/*` is the signer alone on a \
         realistic request of each operation; `prepare/*` is everything a client does per \
         attempt besides I/O (input validation, clock, nonce, signature, URL and header \
         list), mirrored from `cloudsdk-core`.\n"
    );
    let _ = writeln!(body, "| benchmark | median | target < 5 µs |");
    let _ = writeln!(body, "|---|---:|---|");
    for (k, c) in &sign {
        let _ = writeln!(
            body,
            "| `{k}` | {} | {} |",
            fmt_ns(c.median_ns),
            pass(c.median_ns < SIGN_TARGET_NS)
        );
    }
    body.push('\n');
    let worst = sign
        .iter()
        .filter(|(k, _)| k.starts_with("sign/"))
        .max_by(|a, b| a.1.median_ns.total_cmp(&b.1.median_ns));
    if let Some((k, c)) = worst {
        doc.targets.push(Target::checked(
            "Signing, every algorithm",
            "< 5 µs per request",
            format!("slowest {} (`{k}`)", fmt_ns(c.median_ns)),
            c.median_ns < SIGN_TARGET_NS,
            String::new,
        ));
    }
}
