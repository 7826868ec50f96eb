//! Parquet logs: reading a file of many row groups (issue 11, item 13: 60,000 one-row groups
//! once took 97 s, quadratic) and the structure check that runs before polars reads a file.
//!
//! `cargo bench --bench parquet` prints rows per second for 2,000 and 8,000 row groups of one
//! row each: equal rates mean the reading is linear in the number of groups.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use polars::prelude::*;
use std::hint::black_box;
use wacost::report::parquet::ParquetEventReader;
use wacost::report::parquet_check::check;

/// `n` inbound rows of the canonical columns, one row group per row.
fn log_in_groups(n: usize) -> Vec<u8> {
    let times: Vec<i64> = (0..n as i64).map(|i| 1_770_026_400 + i).collect();
    let mut df = df!(
        "timestamp" => times,
        "business" => vec!["15550100001"; n],
        "contact" => vec!["+5511987654321"; n],
        "direction" => vec!["inbound"; n],
    )
    .unwrap();
    let mut buf = Vec::new();
    ParquetWriter::new(&mut buf)
        .with_row_group_size(Some(1))
        .finish(&mut df)
        .unwrap();
    buf
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("parquet_row_groups");
    g.sample_size(10);
    for n in [2_000, 8_000] {
        let file = log_in_groups(n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(format!("read_{n}"), |b| {
            b.iter(|| {
                black_box(ParquetEventReader::from_bytes(file.clone(), "bench.parquet").count())
            })
        });
        g.bench_function(format!("check_{n}"), |b| b.iter(|| black_box(check(&file))));
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
