//! Simulation throughput: generating a month of traffic, and generating plus pricing it.
//!
//! `cargo bench --bench simulate` reports events per second for 20,000 contacts of the
//! shop scenario (data/scenarios/shop.toml) over one month, and one small Monte Carlo batch.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use wacost::classify::ClassifyConfig;
use wacost::pricing::RateBook;
use wacost::replay::NoLines;
use wacost::simulate::{Generator, MonteCarloOptions, Scenario, monte_carlo, price_stream};

fn shop(contacts: u32) -> Scenario {
    let mut s = Scenario::parse(
        include_str!("../data/scenarios/shop.toml"),
        "data/scenarios/shop.toml",
    )
    .expect("shop scenario");
    let total = s.contacts() as u32;
    for g in s.audience.values_mut() {
        g.contacts = (u64::from(g.contacts) * u64::from(contacts) / u64::from(total)) as u32;
    }
    s
}

fn bench(c: &mut Criterion) {
    let book = RateBook::embedded().expect("embedded book");
    let s = shop(20_000);
    let g = Generator::new(&s, 1).expect("generator");
    let events = g.events().count() as u64;
    let config = ClassifyConfig {
        timezone: s.timezone,
        ..ClassifyConfig::default()
    };
    let mut group = c.benchmark_group("simulate");
    group.sample_size(10);
    group.throughput(Throughput::Elements(events));
    group.bench_function("generate 20k contacts x 1 month", |b| {
        b.iter(|| black_box(g.events().count()))
    });
    group.bench_function("generate and price 20k contacts x 1 month", |b| {
        b.iter(|| {
            let p = price_stream(&book, config, g.events(), &mut NoLines).expect("priced");
            black_box(p.ledger.total())
        })
    });
    group.throughput(Throughput::Elements(events * 8));
    group.bench_function("monte carlo 8 runs x 20k contacts, 2 workers", |b| {
        let options = MonteCarloOptions {
            runs: 8,
            seed: 1,
            strategies: Vec::new(),
            workers: 2,
            classify: config,
            ..MonteCarloOptions::default()
        };
        b.iter(|| {
            let r = monte_carlo(&book, &s, &options, &|| {}).expect("runs");
            black_box(r.base.total.mean)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
