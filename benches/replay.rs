//! Replay throughput against the speed of merely parsing the same CSV into `ByteRecord`s.
//!
//! `cargo bench --bench replay` prints messages per second for both; the ratio is the figure
//! the replay issue asks for (replay must run at no less than half the parser's speed).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use wacost::classify::ClassifyConfig;
use wacost::pricing::RateBook;
use wacost::replay::{NoLines, ReplayOptions, Source, replay};

/// A time-ordered canonical log: `rows` messages among `contacts` contacts in February 2026,
/// a mix of inbound messages, free-form replies and templates of every category.
fn make_log(rows: usize, contacts: u64) -> Vec<u8> {
    let mut out = String::with_capacity(rows * 100);
    out.push_str("timestamp,business,contact,direction,message_type,category,status,message_id\n");
    let start = 1_769_904_000i64; // 2026-02-01T00:00:00Z
    let step = (28 * 86_400) as f64 / rows as f64;
    let prefixes = [
        5511900000000u64,
        919800000000,
        5215500000000,
        447700000000,
        12125500000,
        2348030000000,
    ];
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for i in 0..rows {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let c = state % contacts;
        let contact = prefixes[(c % 6) as usize] + c;
        let t = start + (i as f64 * step) as i64;
        let ts = chrono::DateTime::from_timestamp(t, 0)
            .unwrap()
            .format("%Y-%m-%dT%H:%M:%SZ");
        let (dir, mt, cat) = match state % 10 {
            0..=2 => ("inbound", "", ""),
            3..=5 => ("outbound", "free_form", ""),
            6 => ("outbound", "template", "marketing"),
            7 => ("outbound", "template", "utility"),
            8 => ("outbound", "template", "authentication"),
            _ => ("outbound", "template", "marketing"),
        };
        let status = if state % 17 == 0 {
            "failed"
        } else {
            "delivered"
        };
        out.push_str(&format!(
            "{ts},15550100001,+{contact},{dir},{mt},{cat},{status},wamid.{i:012}\n"
        ));
    }
    out.into_bytes()
}

fn bench(c: &mut Criterion) {
    let rows = 200_000;
    let log = make_log(rows, 20_000);
    let book = RateBook::embedded().unwrap();
    let mut g = c.benchmark_group("canonical_csv");
    g.throughput(Throughput::Elements(rows as u64));
    g.sample_size(10);
    g.bench_function("parse_byte_records", |b| {
        b.iter(|| {
            let mut r = csv::ReaderBuilder::new().from_reader(log.as_slice());
            let mut rec = csv::ByteRecord::new();
            let mut n = 0usize;
            while r.read_byte_record(&mut rec).unwrap() {
                n += rec.len();
            }
            black_box(n)
        })
    });
    // The replay reads the same bytes from memory, shared rather than copied.
    let shared: std::sync::Arc<[u8]> = log.clone().into();
    g.bench_function("replay", |b| {
        b.iter(|| {
            let source = Source::Bytes("bench.csv".into(), shared.clone());
            let o = replay(
                &book,
                &[source],
                ReplayOptions {
                    classify: ClassifyConfig::default(),
                    ..ReplayOptions::default()
                },
                &mut NoLines,
                None,
            )
            .unwrap();
            black_box(o.ledger.total())
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
