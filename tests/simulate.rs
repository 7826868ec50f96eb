//! Simulation: hand-computed scenarios, determinism, common random numbers, strategies that
//! must move the bill one way, and exported logs that replay to the simulated total.

mod common;

use common::wacost;

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use wacost::charge::{Charge, LineKind};
use wacost::classify::ClassifyConfig;
use wacost::event::{Direction, Event};
use wacost::pricing::RateBook;
use wacost::pricing::category::{Category, PricingType};
use wacost::replay::{NoLines, ReplayOptions, Source, price_events, replay};
use wacost::simulate::{
    Generator, MonteCarloOptions, Scenario, monte_carlo, price_stream, write_log,
};

fn book() -> RateBook {
    RateBook::embedded().unwrap()
}

fn scenario(text: &str) -> Scenario {
    Scenario::parse(text, "test.toml").unwrap()
}

fn config(s: &Scenario) -> ClassifyConfig {
    ClassifyConfig {
        timezone: s.timezone,
        ..ClassifyConfig::default()
    }
}

/// Generates and prices one run; returns the total and every line.
fn price(s: &Scenario, seed: u64) -> (Decimal, Vec<Charge>) {
    let book = s.rules.apply(&book());
    let g = Generator::new(s, seed).unwrap();
    let mut lines: Vec<Charge> = Vec::new();
    let priced = price_stream(&book, config(s), g.events(), &mut lines).unwrap();
    let sum: Decimal = lines.iter().map(|c| c.amount).sum();
    assert_eq!(sum, priced.ledger.total(), "lines add up to the total");
    (priced.ledger.total(), lines)
}

fn total(s: &Scenario, seed: u64) -> Decimal {
    price(s, seed).0
}

fn amount_of(lines: &[Charge], category: Category) -> Decimal {
    lines
        .iter()
        .filter(|c| c.category == category)
        .map(|c| c.amount)
        .sum()
}

const MARKETING_ONLY: &str = r#"
counts = "fixed"
[period]
start = 2026-02-01
[audience.BR]
contacts = 100
[templates.marketing.launch]
sends_per_month = 1
"#;

#[test]
fn one_marketing_template_to_100_brazilians() {
    let s = scenario(MARKETING_ONLY);
    for seed in [1, 2, 99] {
        let (t, lines) = price(&s, seed);
        assert_eq!(t, dec!(6.2500));
        assert_eq!(lines.len(), 100);
        assert!(lines.iter().all(|c| c.rate == Some(dec!(0.0625))
            && c.pricing_type == PricingType::Regular
            && c.market == book().names.get("Brazil").unwrap()));
    }
}

/// Every probability 0 or 1 and every count whole: each of 100 Brazilian contacts gets one
/// marketing template (USD 0.0625), writes once on a weekday between 09:00 and 18:00, is
/// answered twice (free), gets a utility notification inside that window (free before
/// 2026-10-01), a follow-up after the window closed (utility, USD 0.0068) and one
/// authentication code (USD 0.0068): 100 × 0.0761 = USD 7.6100.
const BY_HAND: &str = include_str!("data/scenario_by_hand.toml");

#[test]
fn a_scenario_computed_by_hand() {
    let s = scenario(BY_HAND);
    let book = book();
    let g = Generator::new(&s, 5).unwrap();
    let events: Vec<Event> = g.events().collect();
    let priced = price_events(&book, config(&s), &events, &mut NoLines).unwrap();
    assert_eq!(priced.ledger.total(), dec!(7.6100));
    assert_eq!(priced.stats.inbound, 100);
    assert_eq!(priced.stats.outbound, 600);
    assert_eq!(priced.stats.rejected_free_form, 0);
    assert_eq!(priced.contacts, 100);
    let by_type = priced.ledger.messages_by_pricing_type();
    assert_eq!(by_type[&PricingType::Regular], 300);
    assert_eq!(by_type[&PricingType::FreeCustomerService], 300);
    let by_cat = priced.ledger.group_by(|k| k.category);
    assert_eq!(by_cat[&Category::Marketing].amount, dec!(6.2500));
    assert_eq!(by_cat[&Category::Utility].amount, dec!(0.6800));
    assert_eq!(by_cat[&Category::Authentication].amount, dec!(0.6800));
    // Both numbers are used, every conversation is answered within the window.
    let businesses: std::collections::BTreeSet<_> = events.iter().map(|e| e.business).collect();
    assert_eq!(businesses.len(), 2);
    // The streaming pricer agrees with price_events line for line.
    let streamed = price_stream(&book, config(&s), g.events(), &mut NoLines).unwrap();
    assert_eq!(streamed.ledger.total(), priced.ledger.total());
    assert_eq!(streamed.stats, priced.stats);
    assert_eq!(streamed.ledger.rows(), priced.ledger.rows());
}

#[test]
fn same_seed_same_events_other_seed_other_events() {
    let s = scenario(include_str!("../data/scenarios/shop.toml"));
    let small = {
        let mut s = s.clone();
        for g in s.audience.values_mut() {
            g.contacts /= 20;
        }
        s
    };
    let a: Vec<Event> = Generator::new(&small, 11).unwrap().events().collect();
    let b: Vec<Event> = Generator::new(&small, 11).unwrap().events().collect();
    assert!(a.len() > 1000, "{}", a.len());
    assert_eq!(a, b);
    let mut la = Vec::new();
    let mut lb = Vec::new();
    write_log(&mut la, a.iter().copied()).unwrap();
    write_log(&mut lb, b.iter().copied()).unwrap();
    assert_eq!(la, lb, "byte for byte");
    // Threads do not change the events.
    let threaded: Vec<Event> = Generator::new(&small, 11)
        .unwrap()
        .with_threads(2)
        .events()
        .collect();
    assert_eq!(a, threaded);
    let c: Vec<Event> = Generator::new(&small, 12).unwrap().events().collect();
    assert_ne!(a, c);
    assert_eq!(total(&small, 11), total(&small, 11));
    assert_ne!(total(&small, 11), total(&small, 12));
    // In time order, ids unique, inside the period.
    assert!(a.windows(2).all(|w| w[0].time_ms <= w[1].time_ms));
    let ids: std::collections::HashSet<_> = a.iter().map(|e| e.message_id.unwrap()).collect();
    assert_eq!(ids.len(), a.len());
    let (start, end) = Generator::new(&small, 11).unwrap().period();
    assert!(a.iter().all(|e| e.time_ms >= start && e.time_ms < end));
}

#[test]
fn contacts_get_numbers_of_their_country() {
    let s = scenario(
        r#"
[period]
start = 2026-02-01
[audience.BR]
contacts = 3
[audience.MX]
contacts = 3
[audience.AR]
contacts = 3
[audience.IN]
contacts = 3
[audience.US]
contacts = 3
[audience.GB]
contacts = 3
[audience.dr]
prefix = "+1 809"
contacts = 3
"#,
    );
    let g = Generator::new(&s, 1).unwrap();
    let book = book();
    let countries: Vec<String> = g
        .contact_numbers()
        .iter()
        .map(|n| book.markets.country_of(*n).to_string())
        .collect();
    let want = ["AR", "BR", "GB", "IN", "MX", "US", "DO"];
    for (k, c) in want.iter().enumerate() {
        assert!(
            countries[k * 3..k * 3 + 3].iter().all(|x| x == c),
            "{countries:?}"
        );
    }
    let unique: std::collections::HashSet<_> = g.contact_numbers().iter().collect();
    assert_eq!(unique.len(), 21);
}

/// A strategy that changes one thing leaves every other decision where it was: more
/// newsletters change marketing spend only; utility and authentication spend are the same
/// in every run.
#[test]
fn common_random_numbers_isolate_the_change() {
    let base = scenario(
        r#"
[period]
start = 2026-03-01
[audience.BR]
contacts = 400
[audience.IN]
contacts = 300
[inbound]
conversations_per_contact_month = 1.3
messages_per_conversation = 2.5
[service]
automation_share = 0.4
follow_up_share = 0.3
[templates.marketing.news]
audience_share = 0.6
sends_per_month = 2
[templates.utility]
per_contact_month = 1.5
in_window_share = 0.4
[templates.authentication]
per_contact_month = 0.8
[delivery.marketing]
delivered = 0.9
failed = 0.05
[strategies.four]
templates.marketing.news.sends_per_month = 4
[strategies.more_chat]
inbound.conversations_per_contact_month = 2.0
"#,
    );
    let four = base.strategy("four").unwrap();
    let more_chat = base.strategy("more_chat").unwrap();
    for seed in 1..=5 {
        let (_, b) = price(&base, seed);
        let (_, f) = price(&four, seed);
        assert!(amount_of(&f, Category::Marketing) > amount_of(&b, Category::Marketing));
        for c in [Category::Utility, Category::Authentication] {
            assert_eq!(amount_of(&f, c), amount_of(&b, c), "{c} seed {seed}");
        }
        // More conversations: marketing and authentication templates stay where they were.
        let (_, m) = price(&more_chat, seed);
        for c in [Category::Marketing, Category::Authentication] {
            assert_eq!(amount_of(&m, c), amount_of(&b, c), "{c} seed {seed}");
        }
    }
    // Event level: the conversations of the base reappear unchanged in `four`.
    let inbound = |s: &Scenario| -> Vec<(i64, u64)> {
        Generator::new(s, 3)
            .unwrap()
            .events()
            .filter(|e| e.direction == Direction::Inbound)
            .map(|e| (e.time_ms, e.contact.digits()))
            .collect()
    };
    assert_eq!(inbound(&base), inbound(&four));
}

const SERVICE_MIX: &str = r#"
[period]
start = START
[audience.BR]
contacts = 300
[audience.MX]
contacts = 200
[inbound]
conversations_per_contact_month = 1.5
messages_per_conversation = 2.5
[service]
automation_share = 0.2
agent_median_minutes = 180
agent_p90_minutes = 2000
replies_per_conversation = 2
follow_up_share = 0.3
[templates.utility]
per_contact_month = 2
in_window_share = 0.0
[templates.authentication]
per_contact_month = 0.5
[templates.marketing.news]
audience_share = 0.5
[strategies.bots]
service.automation_share = 0.9
[strategies.in_window]
templates.utility.in_window_share = 1.0
"#;

/// Under per-message pricing before 2026-10-01, answering faster never costs more: replies
/// are free, and a late agent reply is merely rejected.
#[test]
fn automation_never_raises_the_bill_before_october_2026() {
    let base = scenario(&SERVICE_MIX.replace("START", "2026-06-01"));
    let bots = base.strategy("bots").unwrap();
    let book = book();
    let options = MonteCarloOptions {
        runs: 12,
        seed: 100,
        strategies: vec!["bots".into()],
        workers: 2,
        classify: config(&base),
        ..MonteCarloOptions::default()
    };
    let mc = monte_carlo(&book, &base, &options, &|| {}).unwrap();
    let st = &mc.strategies[0];
    assert_eq!(st.delta.len(), 12);
    assert!(
        st.delta.iter().all(|d| *d <= Decimal::ZERO),
        "{:?}",
        st.delta
    );
    // The delta is the difference of the runs with one seed.
    for (k, d) in st.delta.iter().enumerate() {
        assert_eq!(*d, st.runs.runs[k].total - mc.base.runs[k].total);
        assert_eq!(st.runs.runs[k].seed, 100 + k as u64);
        assert_eq!(st.runs.runs[k].total, total(&bots, 100 + k as u64));
    }
    // Bots do answer more conversations in time.
    let rejected = |s: &Scenario| {
        let g = Generator::new(s, 100).unwrap();
        price_stream(&book, config(s), g.events(), &mut NoLines)
            .unwrap()
            .stats
            .rejected_free_form
    };
    assert!(rejected(&bots) < rejected(&base));
}

/// Utility notifications moved into open windows are free before 2026-10-01; from then on
/// they are charged at the utility rate either way.
#[test]
fn utility_inside_windows_saves_before_october_2026_only() {
    for (start, saves) in [("2026-06-01", true), ("2026-11-01", false)] {
        let base = scenario(&SERVICE_MIX.replace("START", start));
        let in_window = base.strategy("in_window").unwrap();
        for seed in 1..=4 {
            let b = total(&base, seed);
            let w = total(&in_window, seed);
            if saves {
                assert!(w < b, "{start} seed {seed}: {w} !< {b}");
            } else {
                assert_eq!(w, b, "{start} seed {seed}");
            }
        }
    }
}

/// Marketing templates inside a free entry point window (72 h after answering an ad) are
/// free: with every conversation from an ad and a bot answering, part of the marketing
/// becomes free, and what is still charged is exactly the list rate of the rest.
#[test]
fn marketing_inside_free_entry_point_windows_is_free() {
    let text = r#"
[period]
start = 2026-02-01
[audience.BR]
contacts = 300
[inbound]
conversations_per_contact_month = 2
ctwa_ad_share = AD
[service]
automation_share = 1
[templates.marketing.news]
sends_per_month = 4
"#;
    let organic = scenario(&text.replace("AD", "0"));
    let ads = scenario(&text.replace("AD", "1"));
    for seed in 1..=3 {
        let (_, o) = price(&organic, seed);
        let (_, a) = price(&ads, seed);
        let marketing = |l: &[Charge]| -> Vec<Charge> {
            l.iter()
                .filter(|c| c.kind == LineKind::Message && c.category == Category::Marketing)
                .copied()
                .collect()
        };
        let (mo, ma) = (marketing(&o), marketing(&a));
        assert_eq!(mo.len(), ma.len(), "the same templates are sent");
        let free: Vec<&Charge> = ma
            .iter()
            .filter(|c| c.pricing_type == PricingType::FreeEntryPoint)
            .collect();
        assert!(free.len() > 20, "{}", free.len());
        assert!(free.iter().all(|c| c.amount.is_zero()));
        let regular = ma
            .iter()
            .filter(|c| c.pricing_type == PricingType::Regular)
            .count();
        assert_eq!(regular + free.len(), ma.len());
        assert_eq!(
            amount_of(&a, Category::Marketing),
            dec!(0.0625) * Decimal::from(regular)
        );
        assert_eq!(
            amount_of(&o, Category::Marketing),
            dec!(0.0625) * Decimal::from(mo.len())
        );
    }
}

/// A scenario with everything: two months across a rate change in a time zone with a
/// clock change, ads, failures and unconfirmed messages, several numbers.
const EVERYTHING: &str = r#"
timezone = "America/New_York"
business_numbers = ["+1 555 010 0001", "+1 555 010 0002", "+1 555 010 0003"]
[period]
start = 2026-09-01
months = 2
[audience.BR]
contacts = 150
[audience.US]
contacts = 100
[audience.IN]
contacts = 100
[audience.dr]
prefix = "+1 809 555"
contacts = 50
[inbound]
conversations_per_contact_month = 1.2
messages_per_conversation = 2.5
ctwa_ad_share = 0.2
page_cta_share = 0.1
[service]
automation_share = 0.5
agent_median_minutes = 60
agent_p90_minutes = 1800
replies_per_conversation = 2.5
follow_up_share = 0.4
[templates.marketing.news]
audience_share = 0.7
sends_per_month = 3
[templates.utility]
per_contact_month = 1.5
in_window_share = 0.5
[templates.authentication]
per_contact_month = 1
[delivery.marketing]
delivered = 0.8
failed = 0.1
[delivery.utility]
delivered = 0.9
failed = 0.05
[rules]
allowance_size = 20
"#;

#[test]
fn an_exported_log_replays_to_the_simulated_total() {
    let s = scenario(EVERYTHING);
    let book = s.rules.apply(&book());
    let g = Generator::new(&s, 77).unwrap();
    let simulated = price_stream(&book, config(&s), g.events(), &mut NoLines).unwrap();
    let mut log = Vec::new();
    let rows = write_log(&mut log, g.events()).unwrap();
    assert_eq!(
        rows,
        simulated.stats.inbound + simulated.stats.outbound + simulated.stats.duplicates
    );
    let text = String::from_utf8(log.clone()).unwrap();
    assert!(text.starts_with(
        "timestamp,business,contact,direction,message_type,category,status,message_id,entry_point\n"
    ));
    let outcome = replay(
        &book,
        &[Source::Bytes("sim.csv".into(), log.into())],
        ReplayOptions {
            classify: config(&s),
            ..ReplayOptions::default()
        },
        &mut NoLines,
        None,
    )
    .unwrap();
    assert!(!outcome.sorted);
    assert_eq!(outcome.ledger.total(), simulated.ledger.total());
    assert_eq!(outcome.stats, simulated.stats);
    assert_eq!(outcome.ledger.rows(), simulated.ledger.rows());
    assert!(simulated.ledger.total() > Decimal::ZERO);
}

#[test]
fn cli_export_log_then_replay_gives_the_simulated_total() {
    let dir = tempfile::tempdir().unwrap();
    let scenario_path = dir.path().join("everything.toml");
    // The published rules, so that replay needs no --regimes file.
    std::fs::write(
        &scenario_path,
        EVERYTHING.replace("allowance_size = 20", ""),
    )
    .unwrap();
    let log = dir.path().join("sim.csv");
    let out = dir.path().join("out");
    let o = wacost(&[
        "simulate",
        scenario_path.to_str().unwrap(),
        "--runs",
        "1",
        "--seed",
        "31",
        "--format",
        "json",
        "--export-log",
        log.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["runs"], 1);
    assert_eq!(v["currency"], "USD");
    let simulated = v["total"]["p50"].as_str().unwrap().to_string();
    assert_eq!(
        v["total"]["mean"]
            .as_str()
            .unwrap()
            .parse::<Decimal>()
            .unwrap(),
        simulated.parse::<Decimal>().unwrap()
    );
    assert!(v["by_category"]["marketing"]["p95"].is_string());
    let o = wacost(&[
        "replay",
        log.to_str().unwrap(),
        "--timezone",
        "America/New_York",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        r["total"].as_str().unwrap().parse::<Decimal>().unwrap(),
        simulated.parse::<Decimal>().unwrap()
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["total"], v["total"]);
    let runs = std::fs::read_to_string(out.join("runs.csv")).unwrap();
    assert!(runs.starts_with("variant,run,seed,currency,total,messages,charged,"));
    assert_eq!(runs.lines().count(), 2);
}

#[test]
fn cli_strategies_json_and_errors() {
    let o = wacost(&[
        "simulate",
        "data/scenarios/shop.toml",
        "--runs",
        "2",
        "--strategy",
        "four_newsletters,utility_in_window",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let st = v["strategies"].as_object().unwrap();
    assert_eq!(st.len(), 2);
    let d: Decimal = st["four_newsletters"]["delta_vs_base"]["p5"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(d > Decimal::ZERO);
    let d: Decimal = st["utility_in_window"]["delta_vs_base"]["p95"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(d < Decimal::ZERO);
    let o = wacost(&["simulate", "data/scenarios/shop.toml", "--strategy", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("bot_first"));
    let o = wacost(&["simulate", "no/such/scenario.toml"]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn monte_carlo_does_not_depend_on_workers() {
    let s = scenario(&SERVICE_MIX.replace("START", "2026-06-01"));
    let book = book();
    let run = |workers| {
        let options = MonteCarloOptions {
            runs: 6,
            seed: 9,
            strategies: vec!["in_window".into()],
            workers,
            classify: config(&s),
            ..MonteCarloOptions::default()
        };
        monte_carlo(&book, &s, &options, &|| {}).unwrap()
    };
    let (one, two) = (run(1), run(2));
    assert_eq!(one.base.runs, two.base.runs);
    assert_eq!(one.strategies[0].delta, two.strategies[0].delta);
    assert_eq!(one.base.total, two.base.total);
    let mut totals: Vec<Decimal> = one.base.runs.iter().map(|r| r.total).collect();
    totals.sort();
    assert_eq!(one.base.total.p50, totals[2]);
    assert_eq!(one.base.total.p5, totals[0]);
    assert_eq!(one.base.total.p95, totals[5]);
}
