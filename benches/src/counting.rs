//! A counting global allocator: live and peak bytes, and the number and size of allocations.
//!
//! A binary installs it and counts what a piece of code allocates:
//!
//! ```
//! use cloudsdk_benches::counting::{self, Counting, Snapshot};
//!
//! #[global_allocator]
//! static ALLOC: Counting = Counting;
//!
//! fn main() {
//!     counting::enable();
//!     let before = Snapshot::now();
//!     let v = std::hint::black_box(vec![0u8; 1000]);
//!     let spent = Snapshot::now().since(before);
//!     counting::disable();
//!     assert!(spent.allocations >= 1 && spent.bytes >= 1000, "{spent:?}");
//!     drop(v);
//! }
//! ```
//!
//! Counting is on only between [`enable`] and [`disable`]. While disabled (the default), each
//! allocator call costs one relaxed atomic load more than `System`'s, so timed code can run in the
//! same process (`e2e` times calls with counting off and counts allocations per call with it on).
//! Counters are process-wide: every thread's allocations count.
//!
//! `decode_memory` uses the live/peak bytes, `e2e` the allocation count ([`Snapshot`]).

// The only unsafe code of the package: a `GlobalAlloc` that forwards to `System`.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicU64, Ordering};

static ENABLED: AtomicBool = AtomicBool::new(false);
/// Live bytes allocated while enabled minus bytes freed while enabled (it can go below zero when
/// blocks allocated before [`enable`] are freed: measurements are differences).
static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);
/// Allocations (`alloc`, `alloc_zeroed` and `realloc`, each one block) while enabled.
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
/// Bytes requested by those allocations (a `realloc` counts its new size, as dhat does).
static ALLOCATED_BYTES: AtomicU64 = AtomicU64::new(0);

/// The counting allocator; forwards to [`System`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Counting;

fn counting() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

fn grow(n: usize) {
    let n = isize::try_from(n).unwrap_or(isize::MAX);
    let live = LIVE.fetch_add(n, Ordering::Relaxed) + n;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

fn shrink(n: usize) {
    LIVE.fetch_sub(isize::try_from(n).unwrap_or(isize::MAX), Ordering::Relaxed);
}

fn allocated(size: usize) {
    ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    ALLOCATED_BYTES.fetch_add(size as u64, Ordering::Relaxed);
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so the
// `GlobalAlloc` contract holds as it does for `System`; the counters are plain atomics and
// never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() && counting() {
            grow(layout.size());
            allocated(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() && counting() {
            grow(layout.size());
            allocated(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        if counting() {
            shrink(layout.size());
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() && counting() {
            if new_size >= layout.size() {
                grow(new_size - layout.size());
            } else {
                shrink(layout.size() - new_size);
            }
            allocated(new_size);
        }
        p
    }
}

/// Starts counting (every thread of the process).
pub fn enable() {
    ENABLED.store(true, Ordering::SeqCst);
}

/// Stops counting; the counters keep their values.
pub fn disable() {
    ENABLED.store(false, Ordering::SeqCst);
}

/// Live bytes now: allocated minus freed while counting (below zero when blocks allocated
/// before [`enable`] were freed; use differences).
pub fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

/// Starts a peak measurement: the peak becomes the current live size, which is returned.
pub fn reset_peak() -> isize {
    let live = live();
    PEAK.store(live, Ordering::Relaxed);
    live
}

/// Highest live size since [`reset_peak`].
pub fn peak() -> isize {
    PEAK.load(Ordering::Relaxed)
}

/// Allocation counters at one moment; subtract two to get what happened in between.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Allocations (`alloc`, `alloc_zeroed`, `realloc`) counted so far.
    pub allocations: u64,
    /// Bytes those allocations requested.
    pub bytes: u64,
}

impl Snapshot {
    /// The counters now.
    pub fn now() -> Self {
        Snapshot {
            allocations: ALLOCATIONS.load(Ordering::Relaxed),
            bytes: ALLOCATED_BYTES.load(Ordering::Relaxed),
        }
    }

    /// What was counted between `earlier` and `self`.
    #[must_use]
    pub fn since(self, earlier: Snapshot) -> Snapshot {
        Snapshot {
            allocations: self.allocations.saturating_sub(earlier.allocations),
            bytes: self.bytes.saturating_sub(earlier.bytes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The allocator itself is tested in `tests/counting.rs`, a test binary of its own: the
    // counters are global, and the other tests of this binary allocate and free in parallel.

    #[test]
    fn since_subtracts_and_never_wraps() {
        let a = Snapshot {
            allocations: 10,
            bytes: 1000,
        };
        let b = Snapshot {
            allocations: 13,
            bytes: 1600,
        };
        assert_eq!(
            b.since(a),
            Snapshot {
                allocations: 3,
                bytes: 600
            }
        );
        assert_eq!(a.since(b), Snapshot::default());
    }
}
