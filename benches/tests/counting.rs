//! The counting allocator, in a test binary of its own: its counters are global, so a test that
//! switches counting on must not share the process with tests that allocate and free in
//! parallel (a free elsewhere between `reset_peak` and the allocation lowers the peak seen).

use cloudsdk_benches::counting::{self, Counting, Snapshot};

#[global_allocator]
static ALLOC: Counting = Counting;

#[test]
fn counts_allocations_bytes_and_peak_while_enabled() {
    let before = Snapshot::now();
    let v: Vec<u8> = std::hint::black_box(Vec::with_capacity(4096));
    drop(v);
    assert_eq!(Snapshot::now(), before, "counted while disabled");

    counting::enable();
    let start = Snapshot::now();
    let base = counting::reset_peak();
    let v: Vec<u8> = std::hint::black_box(Vec::with_capacity(100_000));
    let peak_with_v = counting::peak() - base;
    drop(v);
    let spent = Snapshot::now().since(start);
    counting::disable();

    assert!(spent.allocations >= 1, "{spent:?}");
    assert!(spent.bytes >= 100_000, "{spent:?}");
    assert!(peak_with_v >= 100_000, "peak {peak_with_v}");
}
