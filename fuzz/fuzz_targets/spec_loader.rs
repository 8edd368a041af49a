//! The generator's spec loader: load → validate → model over arbitrary YAML text. Must never
//! panic (errors are diagnostics), whatever the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = xtask::parse_spec("specs/fuzz.yaml", text, None);
    }
});
