//! Providers compared on a replayed log, every figure computed by hand.
//!
//! `tests/data/providers_log.csv` (Brazil, USD card; Meta's rates: marketing 0.0625,
//! utility and authentication 0.0068):
//!
//! | month   | numbers | inbound | outbound (failed / delivered / read) | Meta's fees | service days |
//! |---------|---------|---------|--------------------------------------|-------------|--------------|
//! | 2025-12 | 1       | 1       | 3 (0 / 2 / 1)                        | 0.0625 marketing + 0.0068 utility = 0.0693 | 1 |
//! | 2026-02 | 2       | 2       | 6 (1 / 4 / 1)                        | 0.0625 marketing + 0.0068 authentication = 0.0693 | 2 |
//!
//! In February the failed marketing template is not charged, and the utility template and
//! the free-form messages are inside the customer service window (free).

mod common;

/// Runs the binary: exit code, standard output, standard error.
fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let o = common::wacost(args);
    (o.status.code(), common::stdout(&o), common::stderr(&o))
}

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use wacost::classify::ClassifyConfig;
use wacost::fx::FxTable;
use wacost::money::Currency;
use wacost::pricing::RateBook;
use wacost::providers::{BillOptions, Comparison, Providers, compare};
use wacost::replay::{NoLines, Outcome, ReplayOptions, Source, replay};

const LOG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/providers_log.csv");

fn replayed() -> Outcome {
    let book = RateBook::embedded().unwrap();
    replay(
        &book,
        &[Source::Path(LOG.into())],
        ReplayOptions {
            classify: ClassifyConfig::default(),
            ..ReplayOptions::default()
        },
        &mut NoLines,
        None,
    )
    .unwrap()
}

fn compared(currency: Currency) -> Comparison {
    let outcome = replayed();
    let providers = Providers::embedded();
    let all = providers.select(&[]).unwrap();
    let fx = FxTable::embedded();
    compare(
        &all,
        &outcome.ledger,
        &outcome.usage,
        &BillOptions::new(&fx),
        currency,
    )
    .unwrap()
}

#[test]
fn the_log_counts_as_computed_by_hand() {
    let o = replayed();
    assert_eq!(o.ledger.total(), dec!(0.1386));
    let dec = &o.usage[&(2025, 12)];
    assert_eq!(dec.inbound, 1);
    assert_eq!(dec.outbound_by_status, [0, 0, 2, 1]);
    assert_eq!(dec.service_days, 1);
    assert_eq!(dec.businesses.len(), 1);
    let feb = &o.usage[&(2026, 2)];
    assert_eq!(feb.inbound, 2);
    assert_eq!(feb.outbound_by_status, [1, 0, 4, 1]);
    assert_eq!(feb.service_days, 2);
    assert_eq!(feb.active_contacts, 4);
    assert_eq!(feb.businesses.len(), 2);
}

#[test]
fn compare_totals_in_usd() {
    let c = compared(Currency::USD);
    assert_eq!(c.currency, Currency::USD);
    type Row<'a> = (&'a str, Decimal, Decimal, Decimal, Option<Decimal>, usize);
    let rows: Vec<Row> = c
        .rows
        .iter()
        .map(|r| {
            (
                r.provider.as_str(),
                r.meta_fees,
                r.provider_fees,
                r.total,
                r.per_message,
                r.rank,
            )
        })
        .collect();
    let meta = dec!(0.1386);
    assert_eq!(
        rows,
        vec![
            // No platform fee: 0.1386 / 9 outbound = 0.0154.
            ("meta", meta, dec!(0), meta, Some(dec!(0.0154)), 1),
            // December: 4 messages × 0.001, no markup (before 2026-01-01). February: 8 × 0.001
            // + 6 % of 0.0625 marketing = 0.008 + 0.00375. Fees 0.01575.
            (
                "gupshup",
                meta,
                dec!(0.01575),
                dec!(0.15435),
                Some(dec!(0.01715)),
                2
            ),
            // 1 + 2 active conversations × 0.01.
            (
                "callbell",
                meta,
                dec!(0.03),
                dec!(0.1686),
                Some(dec!(0.018733)),
                3
            ),
            // December: (1 in + 3 out) × 0.005 = 0.020. February: (2 in + 5 out not failed)
            // × 0.005 = 0.035, and 1 failed × 0.001. Fees 0.056.
            (
                "twilio",
                meta,
                dec!(0.056),
                dec!(0.1946),
                Some(dec!(0.021622)),
                4
            ),
            // 3 inbound × 0.005 + 9 outbound × 0.005.
            (
                "azure-acs",
                meta,
                dec!(0.060),
                dec!(0.1986),
                Some(dec!(0.022067)),
                5
            ),
            // 1 number in December, 2 in February: 3 × 25 and 3 × 49.
            (
                "360dialog-regular",
                meta,
                dec!(75),
                dec!(75.1386),
                Some(dec!(8.348733)),
                6
            ),
            (
                "360dialog-premium",
                meta,
                dec!(147),
                dec!(147.1386),
                Some(dec!(16.348733)),
                7
            ),
        ]
    );
    assert!(c.notes.is_empty(), "{:?}", c.notes);
    // The bill behind a row: per month, per item.
    let twilio = &c.rows[3].bill;
    assert_eq!(twilio.months.len(), 2);
    assert_eq!(twilio.months[0].total, dec!(0.0893)); // 0.0693 + 0.020
    assert_eq!(twilio.months[1].total, dec!(0.1053)); // 0.0693 + 0.035 + 0.001
    let feb: Vec<(&str, &str)> = twilio.months[1]
        .lines
        .iter()
        .map(|l| (l.item.as_str(), l.basis.as_str()))
        .collect();
    assert_eq!(
        feb,
        vec![
            ("Meta fees", "Meta's rate card at cost, 2 charged messages"),
            (
                "Twilio per-message fee",
                "7 messages not failed × USD 0.005"
            ),
            (
                "failed message processing fee",
                "1 failed outbound message × USD 0.001"
            ),
        ]
    );
}

#[test]
fn compare_totals_in_eur() {
    // USD amounts × 0.828 (the EUR card's ratio), rounded half-even to 6 decimals at the end:
    // Meta 0.1386 × 0.828 = 0.1147608 -> 0.114761; Twilio's fees 0.056 × 0.828 = 0.046368.
    let c = compared(Currency::EUR);
    let twilio = c.rows.iter().find(|r| r.provider == "twilio").unwrap();
    assert_eq!(twilio.meta_fees, dec!(0.114761));
    assert_eq!(twilio.provider_fees, dec!(0.046368));
    assert_eq!(twilio.total, dec!(0.161129));
    let dialog = c
        .rows
        .iter()
        .find(|r| r.provider == "360dialog-regular")
        .unwrap();
    assert_eq!(dialog.provider_fees, dec!(62.1)); // 75 × 0.828
    assert!(
        c.notes[0].starts_with("exchange rate used: 1 USD = 0.828 EUR from 2023-06-01"),
        "{:?}",
        c.notes
    );
}

#[test]
fn the_command_prints_json_and_a_table() {
    let (code, out, err) = run(&[
        "compare",
        "--log",
        "tests/data/providers_log.csv",
        "--providers",
        "twilio,gupshup",
        "--format",
        "json",
    ]);
    assert_eq!(code, Some(0), "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["currency"], "USD");
    let p = &doc["providers"];
    assert_eq!(p[0]["provider"], "gupshup");
    assert_eq!(p[0]["total"], "0.15435");
    assert_eq!(p[0]["rank"], 1);
    assert_eq!(p[1]["provider"], "twilio");
    assert_eq!(p[1]["meta_fees"], "0.1386");
    assert_eq!(p[1]["provider_fees"], "0.056");
    assert_eq!(p[1]["total"], "0.1946");
    assert_eq!(p[1]["per_message"], "0.021622");
    assert!(p[1]["source"].as_str().unwrap().contains("twilio.com"));
    assert!(p[1]["as_of"].as_str().unwrap().contains("2024-09-30"));

    // A negotiated contract replaces Twilio; --seats feeds a per-seat fee.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mine.toml");
    std::fs::write(
        &file,
        "[[provider]]\nname = \"twilio\"\nsource = \"our contract\"\nas_of = \"2026-09\"\n\
         currency = \"USD\"\nconfidence = \"published\"\n[[provider.fee]]\nitem = \"agents\"\n\
         per = \"seat\"\namount = \"10\"\n",
    )
    .unwrap();
    let (code, out, err) = run(&[
        "compare",
        "--log",
        "tests/data/providers_log.csv",
        "--providers",
        "twilio",
        "--providers-file",
        file.to_str().unwrap(),
        "--seats",
        "3",
        "--format",
        "csv",
    ]);
    assert_eq!(code, Some(0), "{err}");
    // 3 seats × 10 × 2 months = 60.
    assert!(
        out.contains("1,twilio,0.1386,60,60.1386,6.682067,published,2026-09,our contract"),
        "{out}"
    );

    let (code, out, err) = run(&["compare", "--log", "tests/data/providers_log.csv"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.starts_with("Provider comparison in USD"), "{out}");
    assert!(out.contains("360dialog-premium"), "{out}");

    // Unknown provider: usage error naming the known ones; missing rate: input error.
    let (code, _, err) = run(&[
        "compare",
        "--log",
        "tests/data/providers_log.csv",
        "--providers",
        "nope",
    ]);
    assert_eq!(code, Some(2));
    assert!(err.contains("known providers: meta, twilio"), "{err}");
    let (code, _, err) = run(&[
        "compare",
        "--log",
        "tests/data/providers_log.csv",
        "--report-currency",
        "BRL",
    ]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("no exchange rate from USD to BRL on or before 2025-12-31"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// Providers compared on a simulated scenario: `tests/data/scenario_by_hand.toml` (February
// 2026, Brazil, USD card) gives the same traffic on every run: Meta's fees USD 7.6100,
// 100 inbound and 600 outbound messages (all delivered), two business numbers with traffic.

const BY_HAND: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/scenario_by_hand.toml"
);

/// A provider with a fee per message and one with a monthly fee (per account).
const TWO_CONTRACTS: &str = "\
[[provider]]
name = \"per_message\"
source = \"test contract\"
as_of = \"2026-09\"
currency = \"USD\"
confidence = \"published\"
[[provider.fee]]
item = \"every message\"
per = \"message\"
amount = \"0.01\"

[[provider]]
name = \"monthly\"
source = \"test contract\"
as_of = \"2026-09\"
currency = \"USD\"
confidence = \"published\"
[[provider.fee]]
item = \"subscription\"
per = \"account\"
amount = 30
";

#[test]
fn providers_on_a_scenario_computed_by_hand() {
    use wacost::simulate::{ProviderRunsOptions, Scenario, compare_providers};
    let scenario = Scenario::load(std::path::Path::new(BY_HAND)).unwrap();
    let book = RateBook::embedded().unwrap();
    let mut providers = Providers::embedded();
    providers.merge(
        Providers::parse(
            TWO_CONTRACTS,
            &wacost::pricing::DataSource::file(std::path::Path::new("two.toml")),
        )
        .unwrap(),
    );
    let chosen = providers
        .select(&[
            "monthly".into(),
            "per_message".into(),
            "twilio".into(),
            "meta".into(),
            "360dialog-regular".into(),
        ])
        .unwrap();
    let fx = FxTable::embedded();
    let runs = std::cell::Cell::new(0);
    let p = compare_providers(
        &book,
        &scenario,
        &chosen,
        &BillOptions::new(&fx),
        &ProviderRunsOptions {
            runs: 3,
            seed: 11,
            classify: ClassifyConfig::default(),
            currency: Currency::USD,
            threads: 1,
            limits: wacost::simulate::Limits::default(),
        },
        &|| runs.set(runs.get() + 1),
    )
    .unwrap();
    assert_eq!(runs.get(), 3, "progress after every run");
    assert_eq!((p.runs, p.seed), (3, 11));
    let meta = dec!(7.6100);
    let rows: Vec<(&str, usize, Decimal, Decimal, Decimal)> = p
        .rows
        .iter()
        .map(|r| {
            // The same traffic on every run: no spread.
            assert_eq!(r.totals.len(), 3, "{}", r.provider);
            assert!(r.totals.iter().all(|t| *t == r.total.p50), "{}", r.provider);
            assert_eq!(
                (r.total.p5, r.total.p95, r.total.mean),
                (r.total.p50, r.total.p50, r.total.p50),
                "{}",
                r.provider
            );
            (
                r.provider.as_str(),
                r.rank,
                r.meta_fees.p50,
                r.provider_fees.p50,
                r.total.p50,
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("meta", 1, meta, dec!(0), meta),
            // (100 inbound + 600 outbound not failed) × 0.005.
            ("twilio", 2, meta, dec!(3.5), dec!(11.11)),
            // 700 messages × 0.01.
            ("per_message", 3, meta, dec!(7), dec!(14.61)),
            // One subscription for the month.
            ("monthly", 4, meta, dec!(30), dec!(37.61)),
            // Two numbers with traffic × 25.
            ("360dialog-regular", 5, meta, dec!(50), dec!(57.61)),
        ]
    );
    // The first run's bills in full, as `compare --log` gives them.
    let first: Vec<(&str, Decimal)> = p
        .first
        .rows
        .iter()
        .map(|r| (r.provider.as_str(), r.total))
        .collect();
    assert_eq!(first[0], ("meta", meta));
    assert_eq!(first[3], ("monthly", dec!(37.61)));
    assert_eq!(p.first.rows[2].bill.months.len(), 1, "February only");
}

#[test]
fn compare_scenario_command_prints_the_spread() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("two.toml");
    std::fs::write(&file, TWO_CONTRACTS).unwrap();
    let base = [
        "compare",
        "--scenario",
        "tests/data/scenario_by_hand.toml",
        "--runs",
        "2",
        "--seed",
        "5",
        "--providers-file",
        file.to_str().unwrap(),
        "--providers",
        "per_message,monthly",
    ];
    let (code, out, err) = run(&[&base[..], &["--format", "json"]].concat());
    assert_eq!(code, Some(0), "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["runs"], 2);
    assert_eq!(doc["seeds"]["first"], 5);
    assert_eq!(doc["seeds"]["last"], 6);
    assert_eq!(doc["currency"], "USD");
    let p = &doc["providers"];
    assert_eq!(p[0]["provider"], "per_message");
    assert_eq!(p[0]["rank"], 1);
    for k in ["p5", "p50", "p95", "mean"] {
        assert_eq!(p[0]["total"][k], "14.6100", "{k}");
        assert_eq!(p[1]["total"][k], "37.6100", "{k}");
    }
    assert_eq!(p[0]["meta_fees"]["p50"], "7.6100");
    assert_eq!(p[0]["provider_fees"]["p50"], "7.00");
    assert_eq!(p[1]["provider"], "monthly");
    assert_eq!(p[1]["provider_fees"]["p50"], "30");
    assert_eq!(p[1]["source"], "test contract");

    let (code, out, err) = run(&[&base[..], &["--format", "csv"]].concat());
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        out,
        "rank,provider,p5,p50,p95,mean,meta_fees_p50,provider_fees_p50,confidence\n\
         1,per_message,14.6100,14.6100,14.6100,14.6100,7.6100,7.00,published\n\
         2,monthly,37.6100,37.6100,37.6100,37.6100,7.6100,30,published\n"
    );

    let (code, out, err) = run(&base);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.starts_with("Provider comparison in USD over 2 runs (seeds 5 to 6) of "),
        "{out}"
    );
    assert!(out.contains("- monthly (2026-09): test contract"), "{out}");

    // Exactly one of --log and --scenario; --runs and --seed only with --scenario.
    for args in [
        &["compare"][..],
        &[
            "compare",
            "--log",
            "tests/data/providers_log.csv",
            "--scenario",
            "tests/data/scenario_by_hand.toml",
        ][..],
        &[
            "compare",
            "--log",
            "tests/data/providers_log.csv",
            "--runs",
            "3",
        ][..],
    ] {
        let (code, _, err) = run(args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.contains("--scenario"), "{args:?}: {err}");
    }
    let (code, _, err) = run(&["compare", "--scenario", "no/such.toml"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("no/such.toml"), "{err}");
}
