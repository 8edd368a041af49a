//! Inputs and tools shared by the cloudsdk benchmarks.
//!
//! - [`payloads`]: deterministic large responses (a VPC group with 10,000 rules, a Nova response
//!   with 100 groups of 100 rules, Alibaba references of 10 groups each referenced by 1,000
//!   groups as JSON and XML). Written as text by hand, not serialized by the crates under test, so
//!   the decoders read the same shapes the services send.
//! - [`examples`]: the documents' example payloads under `specs/examples/`.
//! - [`requests`]: realistic requests of each operation, as the signers take them.
//! - [`counting`]: a counting global allocator (peak decode memory, allocations per call).
//! - [`stats`]: the median and its confidence interval, for paired timings.
//!
//! The benchmarks themselves are `benches/sign.rs`, `benches/decode.rs` (criterion),
//! `src/bin/decode_memory.rs` (peak heap while decoding) and `src/bin/e2e.rs` (calls through the
//! SDK against the emulator next to a hand-written floor); the `report` binary
//! (`src/bin/report/`, alias `cargo xtask bench`) runs them all and writes `BENCHMARKS.md`.

pub mod counting;
pub mod decode;
pub mod examples;
pub mod payloads;
pub mod requests;
pub mod stats;
