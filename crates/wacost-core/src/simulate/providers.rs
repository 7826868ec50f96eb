//! Providers compared on simulated traffic: each run of the base scenario is priced exactly
//! (a [`Ledger`](crate::ledger::Ledger) and its [`Usage`](crate::usage::Usage), as a replay
//! gives them), billed under every provider with [`crate::providers::compare`], and the
//! spread of each provider's totals over the runs is kept. Runs use the seeds seed, seed+1, …
//! as [`super::monte_carlo`] does, so run k here is run k of `wacost simulate`.

use rust_decimal::Decimal;

use super::budget::{Limits, Workload};
use super::generator::Generator;
use super::scenario::Scenario;
use super::{SimulateError, Spread, price_run};
use crate::classify::ClassifyConfig;
use crate::money::Currency;
use crate::pricing::RateBook;
use crate::providers::{BillOptions, Comparison, Confidence, Provider, compare};
use crate::replay::NoLines;

/// What to run.
#[derive(Clone, Copy, Debug)]
pub struct ProviderRunsOptions {
    /// How many runs (at least 1).
    pub runs: u32,
    /// The first run's seed; run k uses seed + k.
    pub seed: u64,
    /// Currency (of Meta's card) and business profile; the time zone is the scenario's.
    pub classify: ClassifyConfig,
    /// The currency the providers are compared in.
    pub currency: Currency,
    /// Threads each run generates and prices on (the result does not depend on it).
    pub threads: usize,
    /// The memory and time the runs may take: beyond them the comparison is refused before
    /// it starts (see [`super::budget`]).
    pub limits: Limits,
}

/// One provider over the runs, in the comparison's currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderSpread {
    /// The provider's name.
    pub provider: String,
    /// 1 for the lowest median total (then mean); equal medians and means share a rank.
    pub rank: usize,
    /// Every run's total (Meta's fees and the provider's), in seed order.
    pub totals: Vec<Decimal>,
    /// Spread of the total.
    pub total: Spread,
    /// Spread of Meta's fees on the provider's bill.
    pub meta_fees: Spread,
    /// Spread of the provider's own fees and markups.
    pub provider_fees: Spread,
    /// Where the figures come from.
    pub source: String,
    /// When.
    pub as_of: String,
    /// How sure.
    pub confidence: Confidence,
    /// What a reader must know about the provider's figures.
    pub notes: Vec<String>,
}

/// Every provider's bill over the runs of a scenario.
#[derive(Clone, Debug)]
pub struct ProviderRuns {
    /// The currency of every amount.
    pub currency: Currency,
    /// The currency of the rate card Meta's fees were priced on.
    pub card_currency: Currency,
    /// Number of runs.
    pub runs: u32,
    /// The first seed.
    pub seed: u64,
    /// One row per provider, cheapest median first.
    pub rows: Vec<ProviderSpread>,
    /// Exchange rates used and approximations, over all runs (each once).
    pub notes: Vec<String>,
    /// The first run's comparison, with every bill in full.
    pub first: Comparison,
}

/// One provider's figures, run by run (seed order).
#[derive(Default)]
struct Column {
    provider: String,
    totals: Vec<Decimal>,
    meta_fees: Vec<Decimal>,
    provider_fees: Vec<Decimal>,
}

/// Prices `options.runs` runs of the base scenario (its `[rules]` what-ifs applied) and bills
/// each under every provider. `progress` is called after each run. A comparison whose
/// estimate passes `options.limits` is refused before it starts.
pub fn compare_providers(
    book: &RateBook,
    scenario: &Scenario,
    providers: &[&Provider],
    bill: &BillOptions,
    options: &ProviderRunsOptions,
    progress: &dyn Fn(),
) -> Result<ProviderRuns, SimulateError> {
    // Runs one after the other, each on `threads` threads.
    Workload::new(scenario, &[], u64::from(options.runs), 1)?.check(&options.limits)?;
    let generator = Generator::new(scenario, options.seed)?;
    let book = scenario.rules.apply(book);
    let config = ClassifyConfig {
        timezone: scenario.timezone,
        ..options.classify
    };
    let runs = options.runs.max(1);
    let mut first: Option<Comparison> = None;
    let mut columns: Vec<Column> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    for k in 0..runs {
        let seed = options.seed.wrapping_add(u64::from(k));
        let priced = price_run(
            &generator,
            seed,
            &book,
            config,
            &mut NoLines,
            options.threads,
        )?;
        let c = compare(
            providers,
            &priced.ledger,
            &priced.usage,
            bill,
            options.currency,
        )?;
        for n in &c.notes {
            if !notes.contains(n) {
                notes.push(n.clone());
            }
        }
        for row in &c.rows {
            let at = match columns.iter().position(|col| col.provider == row.provider) {
                Some(i) => i,
                None => {
                    columns.push(Column {
                        provider: row.provider.clone(),
                        ..Column::default()
                    });
                    columns.len() - 1
                }
            };
            let col = &mut columns[at];
            col.totals.push(row.total);
            col.meta_fees.push(row.meta_fees);
            col.provider_fees.push(row.provider_fees);
        }
        if first.is_none() {
            first = Some(c);
        }
        progress();
    }
    let first = first.ok_or_else(|| SimulateError::Internal("no run".into()))?;
    let mut rows: Vec<ProviderSpread> = columns
        .into_iter()
        .filter_map(|col| {
            let info = first.rows.iter().find(|r| r.provider == col.provider)?;
            Some(ProviderSpread {
                provider: col.provider,
                rank: 0,
                total: Spread::of(&col.totals),
                meta_fees: Spread::of(&col.meta_fees),
                provider_fees: Spread::of(&col.provider_fees),
                totals: col.totals,
                source: info.source.clone(),
                as_of: info.as_of.clone(),
                confidence: info.confidence,
                notes: info.notes.clone(),
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        (a.total.p50, a.total.mean)
            .cmp(&(b.total.p50, b.total.mean))
            .then_with(|| a.provider.cmp(&b.provider))
    });
    for i in 0..rows.len() {
        rows[i].rank = if i > 0
            && (rows[i].total.p50, rows[i].total.mean)
                == (rows[i - 1].total.p50, rows[i - 1].total.mean)
        {
            rows[i - 1].rank
        } else {
            i + 1
        };
    }
    Ok(ProviderRuns {
        currency: options.currency,
        card_currency: options.classify.currency,
        runs,
        seed: options.seed,
        rows,
        notes,
        first,
    })
}
