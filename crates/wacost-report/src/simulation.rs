//! A Monte Carlo simulation as reports show it: the summary document (`simulate --format
//! json`), the tables (spend of the base scenario, strategies against the base, every run's
//! totals), the headline figures for a terminal, and the [`SimulationSection`] a report page
//! shows (strategy comparison with P5–P95 whiskers, spend distribution, tables, notes).
//!
//! `wacost simulate` (its output and `--report`), `wacost demo` and `wacost compare
//! --scenario` all take their figures from here, so that they cannot disagree.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use crate::charts::{self, Distribution, Strategies, StrategyStats};
use crate::model::SimulationSection;
use wacost_core::pricing::category::Category;
use wacost_core::simulate::{MonteCarlo, ProviderRuns, RunTotals, Scenario, Spread, VariantRuns};
use wacost_core::table::{Column, Table};

/// A spread as JSON: `{"mean", "p5", "p50", "p95"}`, exact decimals as strings.
pub fn spread_json(s: &Spread) -> Value {
    json!({
        "mean": s.mean.to_string(),
        "p5": s.p5.to_string(),
        "p50": s.p50.to_string(),
        "p95": s.p95.to_string(),
    })
}

fn by_category_json(m: &BTreeMap<Category, Spread>) -> Value {
    Value::Object(
        m.iter()
            .map(|(c, s)| (c.as_str().to_string(), spread_json(s)))
            .collect::<Map<String, Value>>(),
    )
}

/// The simulation for a terminal: the scenario, the runs, the base's spend and every
/// strategy against the base (what `wacost simulate` prints).
pub fn to_text(r: &MonteCarlo, scenario: &Scenario) -> String {
    let mut s = format!(
        "scenario {scenario}\n{}, amounts in {}\n\n",
        runs_text(r.runs, r.seed),
        r.currency
    );
    s.push_str(&spend_table(r).render());
    if !r.strategies.is_empty() {
        s.push_str("\nstrategies (same seeds as the base; delta = strategy - base, per run)\n\n");
        s.push_str(&strategies_table(r, false).render());
        for st in &r.strategies {
            if let Some(d) = &st.runs.description {
                s.push_str(&format!("  {}: {d}\n", st.runs.name));
            }
        }
    }
    s
}

/// Providers compared over a scenario's runs, for a terminal: what was compared, the table,
/// the notes and every provider's source (what `wacost compare --scenario` prints).
pub fn providers_text(p: &ProviderRuns, scenario: &Scenario) -> String {
    let mut out = format!(
        "Provider comparison in {} over {} of {scenario} (Meta's fees from the {} rate \
         card; P5, P50, P95 and mean of each provider's total)\n\n",
        p.currency,
        runs_text(p.runs, p.seed),
        p.card_currency
    );
    out.push_str(&providers_table(p).render());
    out.push_str(&crate::comparison::notes_and_sources(
        &p.notes,
        p.rows
            .iter()
            .map(|r| (r.provider.as_str(), r.as_of.as_str(), r.source.as_str())),
    ));
    out
}

/// The seed of the last of `runs` runs from `seed`.
pub fn last_seed(runs: u32, seed: u64) -> u64 {
    seed.wrapping_add(u64::from(runs.max(1)) - 1)
}

/// The summary of a simulation as one JSON document (what `wacost simulate --format json`
/// prints): runs, seeds, currency, the base's total and categories, and each strategy with
/// its difference from the base. `origin` (the file) names a scenario that has no `name`.
pub fn to_json(r: &MonteCarlo, scenario: &Scenario, origin: &str) -> Value {
    let mut strategies = Map::new();
    for s in &r.strategies {
        strategies.insert(
            s.runs.name.clone(),
            json!({
                "description": s.runs.description,
                "total": spread_json(&s.runs.total),
                "by_category": by_category_json(&s.runs.by_category),
                "delta_vs_base": spread_json(&s.delta_vs_base),
                "delta_by_category": by_category_json(&s.delta_by_category),
            }),
        );
    }
    json!({
        "scenario": scenario.name.clone().unwrap_or_else(|| origin.to_string()),
        "contacts": scenario.contacts(),
        "period": {
            "start": scenario.period.start.to_string(),
            "months": scenario.period.months,
            "timezone": scenario.timezone.to_string(),
        },
        "runs": r.runs,
        "seeds": {"first": r.seed, "last": last_seed(r.runs, r.seed)},
        "currency": r.currency,
        "total": spread_json(&r.base.total),
        "by_category": by_category_json(&r.base.by_category),
        "strategies": Value::Object(strategies),
    })
}

/// `+1.5` for an increase, `-1.5` for a decrease, `0` for none: a difference as text.
pub fn signed(d: Decimal) -> String {
    if d > Decimal::ZERO {
        format!("+{d}")
    } else {
        d.to_string()
    }
}

/// Spend of the base scenario: the total and each pricing category, mean, P5, P50, P95.
pub fn spend_table(r: &MonteCarlo) -> Table {
    let mut t = Table::new([
        "spend".to_string(),
        format!("mean ({})", r.currency),
        "P5".into(),
        "P50".into(),
        "P95".into(),
    ]);
    for k in 1..=4 {
        t = t.column(k, Column::Money);
    }
    let mut row = |name: String, x: &Spread| {
        t.row([
            name,
            x.mean.to_string(),
            x.p5.to_string(),
            x.p50.to_string(),
            x.p95.to_string(),
        ]);
    };
    row("total".into(), &r.base.total);
    for (c, x) in &r.base.by_category {
        row(c.to_string(), x);
    }
    // Our own bot's AI cost per reply (the scenario's `bot_cost_per_reply`), in the total.
    let fees: Vec<Decimal> = r.base.runs.iter().map(|t| t.automation_fees).collect();
    if fees.iter().any(|f| !f.is_zero()) {
        row("  automation fees (ours)".into(), &Spread::of(&fees));
    }
    t
}

/// The base and each strategy: the spread of its total, and of its difference from the base
/// run by run (same seed). With `descriptions`, a last column says what each strategy
/// changes (for pages; a terminal prints them under the table).
pub fn strategies_table(r: &MonteCarlo, descriptions: bool) -> Table {
    let mut header: Vec<String> = [
        "strategy",
        "P5",
        "P50",
        "P95",
        "mean",
        "delta P5",
        "delta P50",
        "delta P95",
        "delta mean",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if descriptions {
        header.push("what it changes".into());
    }
    let mut t = Table::new(header);
    for k in 1..=8 {
        t = t.column(k, Column::Money);
    }
    let cells = |v: &VariantRuns| {
        vec![
            v.name.clone(),
            v.total.p5.to_string(),
            v.total.p50.to_string(),
            v.total.p95.to_string(),
            v.total.mean.to_string(),
        ]
    };
    // The base has no difference from itself: no value, not text in a column of figures.
    let mut base = cells(&r.base);
    base.extend(["", "", "", ""].map(String::from));
    if descriptions {
        base.push("the scenario as written".into());
    }
    t.row(base);
    for s in &r.strategies {
        let d = &s.delta_vs_base;
        let mut row = cells(&s.runs);
        row.extend([signed(d.p5), signed(d.p50), signed(d.p95), signed(d.mean)]);
        if descriptions {
            row.push(s.runs.description.clone().unwrap_or_default());
        }
        t.row(row);
    }
    t
}

/// Every run's totals: one row per variant (base, then each strategy) and run, one column
/// per pricing category (`simulate --format csv`).
pub fn runs_table(r: &MonteCarlo) -> Table {
    let variants: Vec<&VariantRuns> = std::iter::once(&r.base)
        .chain(r.strategies.iter().map(|s| &s.runs))
        .collect();
    let mut categories: Vec<Category> = variants
        .iter()
        .flat_map(|v| v.runs.iter().flat_map(|t| t.by_category.keys().copied()))
        .collect();
    categories.sort();
    categories.dedup();
    let mut header: Vec<String> = [
        "variant", "run", "seed", "currency", "total", "messages", "charged",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    header.extend(categories.iter().map(|c| c.as_str().to_string()));
    // Your own bot's cost per reply, when a variant has one (included in `total`).
    let fees = variants
        .iter()
        .any(|v| v.runs.iter().any(|t| !t.automation_fees.is_zero()));
    if fees {
        header.push("automation_fees".to_string());
    }
    let mut t = Table::new(header);
    for v in variants {
        for (k, run) in v.runs.iter().enumerate() {
            let mut row = run_row(&v.name, k, run, r, &categories);
            if fees {
                row.push(run.automation_fees.to_string());
            }
            t.row(row);
        }
    }
    t
}

fn run_row(
    name: &str,
    k: usize,
    t: &RunTotals,
    r: &MonteCarlo,
    categories: &[Category],
) -> Vec<String> {
    let mut row = vec![
        name.to_string(),
        (k + 1).to_string(),
        t.seed.to_string(),
        r.currency.to_string(),
        t.total.to_string(),
        t.messages.to_string(),
        t.charged.to_string(),
    ];
    row.extend(categories.iter().map(|c| {
        t.by_category
            .get(c)
            .copied()
            .unwrap_or(Decimal::ZERO)
            .to_string()
    }));
    row
}

/// "12 runs (seeds 42 to 53)".
pub fn runs_text(runs: u32, seed: u64) -> String {
    format!(
        "{} run{} (seeds {seed} to {})",
        runs,
        if runs == 1 { "" } else { "s" },
        last_seed(runs, seed)
    )
}

/// The figures to read first, as a table for a terminal: the base's median total with its
/// P5–P95 range, and each strategy's difference from the base (run by run, same seed) with
/// its P5–P95 range and what the strategy changes.
pub fn headline_text(r: &MonteCarlo) -> String {
    let mut t = Table::new([
        "".to_string(),
        format!("P50 ({})", r.currency),
        "P5".into(),
        "P95".into(),
        "".into(),
    ])
    .right_align(1)
    .right_align(2)
    .right_align(3);
    let b = &r.base.total;
    t.row([
        "base: total".to_string(),
        b.p50.to_string(),
        b.p5.to_string(),
        b.p95.to_string(),
        format!("mean {}", b.mean),
    ]);
    for st in &r.strategies {
        let d = &st.delta_vs_base;
        t.row([
            format!("{}: delta vs base", st.runs.name),
            signed(d.p50),
            signed(d.p5),
            signed(d.p95),
            st.runs.description.clone().unwrap_or_default(),
        ]);
    }
    t.render()
}

/// What a report shows of a simulation: the strategy comparison (base and every strategy,
/// P5–P95 whiskers, median and mean), the distribution of the base's total over the runs,
/// the spend and strategy tables, the summary document and every run's totals, notes and
/// the headline facts. `origin` is the scenario's file.
pub fn section(r: &MonteCarlo, scenario: &Scenario, origin: &str) -> SimulationSection {
    let cur = r.currency.to_string();
    let strategies = (!r.strategies.is_empty()).then(|| Strategies {
        title: "Simulated spend by strategy".into(),
        currency: cur.clone(),
        rows: std::iter::once(&r.base)
            .chain(r.strategies.iter().map(|s| &s.runs))
            .map(|v| StrategyStats {
                name: v.name.clone(),
                p5: v.total.p5,
                p50: v.total.p50,
                p95: v.total.p95,
                mean: v.total.mean,
            })
            .collect(),
    });
    let distribution = Distribution {
        title: "Simulated total spend of the base scenario".into(),
        currency: cur.clone(),
        totals: r.base.runs.iter().map(|t| t.total).collect(),
        bins: 0,
    };
    let mut tables = vec![(
        format!("Simulated spend of the base scenario ({cur}, over the runs)"),
        "spend".to_string(),
        spend_table(r),
    )];
    if !r.strategies.is_empty() {
        tables.push((
            format!(
                "Strategies against the base ({cur}; delta = strategy − base, run by run with \
                 the same seed)"
            ),
            "strategies".to_string(),
            strategies_table(r, true),
        ));
    }
    let mut notes = vec![
        format!(
            "{} of {scenario}; run k uses seed {} + k, and every strategy runs with the same \
             seeds as the base (common random numbers), so a delta is the strategy's effect, not \
             noise",
            runs_text(r.runs, r.seed),
            r.seed
        ),
        "P5, P50 and P95 are nearest-rank percentiles of the runs' exact totals; the delta's \
         percentiles are of the run-by-run differences, not differences of percentiles"
            .to_string(),
    ];
    if !scenario.rules.is_default() {
        notes.push(
            "the scenario's [rules] change Meta's pricing rules (a what-if): its figures are not \
             what Meta charges today"
                .to_string(),
        );
    }
    for s in &r.strategies {
        if scenario
            .strategies
            .get(&s.runs.name)
            .is_some_and(|t| t.contains_key("rules"))
        {
            notes.push(format!(
                "strategy {} changes Meta's pricing rules (a what-if), not the traffic",
                s.runs.name
            ));
        }
    }
    let b = &r.base.total;
    let name = scenario.name.as_deref().unwrap_or(origin);
    let facts = vec![
        (
            format!("simulated spend of {name}, base scenario, P50 ({cur})"),
            charts::format_money(b.p50, &cur),
        ),
        (
            format!("simulated spend of {name}, base scenario, P5–P95 ({cur})"),
            format!(
                "{} to {}",
                charts::format_money(b.p5, &cur),
                charts::format_money(b.p95, &cur)
            ),
        ),
        (
            "simulation runs".to_string(),
            charts::format_count(u64::from(r.runs)),
        ),
    ];
    SimulationSection {
        scenario: format!("{origin} ({}, {})", scenario, runs_text(r.runs, r.seed)),
        strategies,
        distribution: Some(distribution),
        tables,
        notes,
        facts,
        summary: Some(to_json(r, scenario, origin)),
        runs: Some(runs_table(r)),
    }
}

/// Each provider's total over a scenario's runs: P5, P50, P95 and mean of the total, and the
/// medians of Meta's fees and the provider's own, cheapest median first (amounts in the
/// comparison's currency).
pub fn providers_table(p: &ProviderRuns) -> Table {
    let mut t = Table::new([
        "rank",
        "provider",
        "p5",
        "p50",
        "p95",
        "mean",
        "meta_fees_p50",
        "provider_fees_p50",
        "confidence",
    ])
    .column(0, Column::Count);
    for k in 2..=7 {
        t = t.column(k, Column::Money);
    }
    for r in &p.rows {
        t.row([
            r.rank.to_string(),
            r.provider.clone(),
            r.total.p5.to_string(),
            r.total.p50.to_string(),
            r.total.p95.to_string(),
            r.total.mean.to_string(),
            r.meta_fees.p50.to_string(),
            r.provider_fees.p50.to_string(),
            r.confidence.to_string(),
        ]);
    }
    t
}

/// Each provider's total over a scenario's runs as one JSON document (`compare --scenario
/// --format json`).
pub fn providers_json(p: &ProviderRuns, scenario: &Scenario, origin: &str) -> Value {
    let rows: Vec<Value> = p
        .rows
        .iter()
        .map(|r| {
            json!({
                "provider": r.provider,
                "rank": r.rank,
                "total": spread_json(&r.total),
                "meta_fees": spread_json(&r.meta_fees),
                "provider_fees": spread_json(&r.provider_fees),
                "source": r.source,
                "as_of": r.as_of,
                "confidence": r.confidence.as_str(),
                "notes": r.notes,
            })
        })
        .collect();
    json!({
        "scenario": scenario.name.clone().unwrap_or_else(|| origin.to_string()),
        "runs": p.runs,
        "seeds": {"first": p.seed, "last": last_seed(p.runs, p.seed)},
        "currency": p.currency.code(),
        "card_currency": p.card_currency.code(),
        "providers": rows,
        "notes": p.notes,
    })
}

/// Every run's total under each provider: one row per run, one column per provider.
pub fn provider_runs_table(p: &ProviderRuns) -> Table {
    let mut header = vec!["run".to_string(), "seed".into(), "currency".into()];
    header.extend(p.rows.iter().map(|r| r.provider.clone()));
    let mut t = Table::new(header);
    for k in 0..p.runs as usize {
        let mut row = vec![
            (k + 1).to_string(),
            p.seed.wrapping_add(k as u64).to_string(),
            p.currency.to_string(),
        ];
        row.extend(
            p.rows
                .iter()
                .map(|r| r.totals.get(k).copied().unwrap_or_default().to_string()),
        );
        t.row(row);
    }
    t
}

/// What a report shows of providers compared on a scenario's runs: the table of each
/// provider's spread, every run's totals, the summary document, notes and the cheapest
/// provider. (The report's own provider chart and table are the first run's.)
pub fn providers_section(p: &ProviderRuns, scenario: &Scenario, origin: &str) -> SimulationSection {
    let cur = p.currency.to_string();
    let runs = runs_text(p.runs, p.seed);
    let mut notes = vec![
        format!(
            "providers compared on {runs} of {scenario}: each run priced exactly and billed \
             under every provider; P5, P50 and P95 are nearest-rank percentiles of the runs' \
             totals"
        ),
        "the provider chart and the provider table with sources are the first run's bills; \
         the table of P5, P50 and P95 is over all runs"
            .to_string(),
    ];
    notes.extend(p.notes.iter().map(|n| format!("provider comparison: {n}")));
    let facts = p
        .rows
        .first()
        .map(|r| {
            vec![(
                format!("cheapest provider over the runs, P50 ({cur})"),
                format!(
                    "{} ({})",
                    r.provider,
                    charts::format_money(r.total.p50, &cur)
                ),
            )]
        })
        .unwrap_or_default();
    SimulationSection {
        scenario: format!("{origin} ({scenario}, {runs})"),
        strategies: None,
        distribution: None,
        tables: vec![(
            format!("Each provider's total over the simulated runs ({cur}, cheapest median first)"),
            "providers".to_string(),
            providers_table(p),
        )],
        notes,
        facts,
        summary: Some(providers_json(p, scenario, origin)),
        runs: Some(provider_runs_table(p)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;
    use wacost_core::money::Currency;
    use wacost_core::simulate::StrategyRuns;

    fn run(seed: u64, marketing: Decimal, utility: Decimal) -> RunTotals {
        RunTotals {
            seed,
            total: marketing + utility,
            by_category: [
                (Category::Marketing, marketing),
                (Category::Utility, utility),
            ]
            .into_iter()
            .collect(),
            messages: 10,
            charged: 8,
            automation_fees: Decimal::ZERO,
        }
    }

    fn variant(name: &str, runs: Vec<RunTotals>) -> VariantRuns {
        let totals: Vec<Decimal> = runs.iter().map(|r| r.total).collect();
        VariantRuns {
            name: name.into(),
            description: (name != "base").then(|| format!("{name} changes things")),
            total: Spread::of(&totals),
            by_category: [Category::Marketing, Category::Utility]
                .into_iter()
                .map(|c| {
                    let v: Vec<Decimal> = runs.iter().map(|r| r.by_category[&c]).collect();
                    (c, Spread::of(&v))
                })
                .collect(),
            runs,
        }
    }

    /// Two runs (seeds 7 and 8): the base costs 10 + 1 and 12 + 1; the strategy sends one
    /// marketing template less on each run (−0.5).
    fn two_runs() -> (MonteCarlo, Scenario) {
        let base = variant(
            "base",
            vec![run(7, dec!(10), dec!(1)), run(8, dec!(12), dec!(1))],
        );
        let fewer = variant(
            "fewer",
            vec![run(7, dec!(9.5), dec!(1)), run(8, dec!(11.5), dec!(1))],
        );
        let delta = vec![dec!(-0.5), dec!(-0.5)];
        let mc = MonteCarlo {
            currency: Currency::USD,
            runs: 2,
            seed: 7,
            strategies: vec![StrategyRuns {
                runs: fewer,
                delta_vs_base: Spread::of(&delta),
                delta,
                delta_by_category: BTreeMap::new(),
            }],
            base,
        };
        let scenario = Scenario::parse(
            "name = \"tiny\"\n[period]\nstart = 2026-02-01\n[audience.BR]\ncontacts = 2\n\
             [strategies.fewer.rules]\nservice = \"charged\"\n",
            "tiny.toml",
        )
        .unwrap();
        (mc, scenario)
    }

    #[test]
    fn tables_hold_the_spreads_and_deltas() {
        let (mc, _) = two_runs();
        let t = strategies_table(&mc, true);
        assert_eq!(
            t.rows(),
            [
                [
                    "base",
                    "11",
                    "11",
                    "13",
                    "12",
                    "",
                    "",
                    "",
                    "",
                    "the scenario as written"
                ],
                [
                    "fewer",
                    "10.5",
                    "10.5",
                    "12.5",
                    "11.5",
                    "-0.5",
                    "-0.5",
                    "-0.5",
                    "-0.5",
                    "fewer changes things"
                ],
            ]
        );
        assert_eq!(strategies_table(&mc, false).header().len(), 9);
        // Figures are said to be money, so a page rounds them and a workbook formats them.
        assert_eq!(t.kind(1), Column::Money);
        assert_eq!(t.kind(9), Column::Text);
        let spend = spend_table(&mc);
        assert_eq!(spend.header()[1], "mean (USD)");
        assert_eq!(
            spend.rows(),
            [
                ["total", "12", "11", "11", "13"],
                ["marketing", "11", "10", "10", "12"],
                ["utility", "1", "1", "1", "1"],
            ]
        );
        let runs = runs_table(&mc).to_csv().unwrap();
        assert_eq!(
            runs,
            "variant,run,seed,currency,total,messages,charged,marketing,utility\n\
             base,1,7,USD,11,10,8,10,1\nbase,2,8,USD,13,10,8,12,1\n\
             fewer,1,7,USD,10.5,10,8,9.5,1\nfewer,2,8,USD,12.5,10,8,11.5,1\n"
        );
        let text = headline_text(&mc);
        assert!(text.contains("base: total"), "{text}");
        assert!(
            text.lines().any(|l| l.starts_with("fewer: delta vs base")
                && l.contains("-0.5")
                && l.ends_with("fewer changes things")),
            "{text}"
        );
    }

    #[test]
    fn the_section_has_both_charts_and_says_what_it_is() {
        let (mc, scenario) = two_runs();
        let s = section(&mc, &scenario, "tiny.toml");
        assert_eq!(
            s.scenario,
            "tiny.toml (tiny: 2 contacts, 1 month from 2026-02-01, UTC, 2 runs (seeds 7 to 8))"
        );
        let st = s.strategies.expect("strategy chart");
        assert_eq!(st.rows.len(), 2);
        assert_eq!(
            (st.rows[1].name.as_str(), st.rows[1].p5, st.rows[1].p95),
            ("fewer", dec!(10.5), dec!(12.5))
        );
        assert_eq!(
            s.distribution.expect("distribution").totals,
            [dec!(11), dec!(13)]
        );
        assert_eq!(s.tables.len(), 2);
        assert_eq!(s.tables[1].1, "strategies");
        assert!(
            s.notes[0].starts_with("2 runs (seeds 7 to 8) of tiny"),
            "{:?}",
            s.notes
        );
        assert!(
            s.notes
                .iter()
                .any(|n| n
                    == "strategy fewer changes Meta's pricing rules (a what-if), not the traffic"),
            "{:?}",
            s.notes
        );
        assert_eq!(
            s.facts[1],
            (
                "simulated spend of tiny, base scenario, P5–P95 (USD)".to_string(),
                "11.00 to 13.00".to_string()
            )
        );
        let doc = s.summary.expect("summary");
        assert_eq!(doc["seeds"]["last"], 8);
        assert_eq!(doc["strategies"]["fewer"]["delta_vs_base"]["p50"], "-0.5");
        assert_eq!(s.runs.expect("runs").rows().len(), 4);
    }
}
