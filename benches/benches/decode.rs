//! Decoding benchmarks: each response type, from the documents' examples up to large generated
//! responses, typed decode (what the SDK runs) next to `serde_json::from_slice::<Value>` of the
//! same bytes; for Alibaba XML, the typed XML decode next to a bare `quick_xml` event scan and
//! next to the JSON form of the same content. Throughput in bytes/s.
//!
//! Target: typed decode at least as fast as `Value`.
//!
//! Run: `cargo bench -p cloudsdk-benches --bench decode` (or `cargo xtask bench`).

use std::hint::black_box;
use std::time::Duration;

use cloudsdk_benches::decode;
use cloudsdk_benches::examples;
use cloudsdk_benches::payloads::{self, Format, Kind};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};

fn bench_payload(g: &mut BenchmarkGroup<'_, WallTime>, kind: Kind, format: Format, bytes: &[u8]) {
    // Decode once outside the timing: a payload that does not decode is a broken benchmark.
    if let Err(e) = decode::typed_kind(kind, format, bytes) {
        panic!("benchmark payload does not decode: {e}");
    }
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("typed", |b| {
        b.iter(|| decode::typed_kind(kind, format, black_box(bytes)).unwrap())
    });
    match format {
        Format::Json => {
            g.bench_function("value", |b| {
                b.iter(|| decode::json_value(black_box(bytes)).unwrap())
            });
        }
        Format::Xml => {
            g.bench_function("xml_events", |b| {
                b.iter(|| decode::xml_events(black_box(bytes)).unwrap())
            });
        }
    }
}

fn doc_examples(c: &mut Criterion) {
    let all = examples::doc_examples().expect("specs/examples is readable");
    for ex in all {
        let mut g = c.benchmark_group(format!("decode/{}", ex.name));
        bench_payload(&mut g, ex.kind, ex.format, &ex.bytes);
        g.finish();
    }
}

fn large(c: &mut Criterion) {
    for p in payloads::large() {
        let mut g = c.benchmark_group(format!("decode/{}", p.name));
        g.sample_size(20);
        bench_payload(&mut g, p.kind, p.format, &p.bytes);
        g.finish();
    }
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50)
}

criterion_group! {
    name = benches;
    config = config();
    targets = doc_examples, large
}
criterion_main!(benches);
