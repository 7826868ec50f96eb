//! Monte Carlo: many runs of a scenario (seeds seed, seed+1, …), each priced exactly, and
//! the spread of their totals; strategies run with the same seeds, so that their difference
//! from the base is the strategy, not the noise.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use rust_decimal::Decimal;

use super::budget::{Limits, Workload};
use super::generator::Generator;
use super::scenario::Scenario;
use super::{SimulateError, price_run};
use crate::classify::ClassifyConfig;
use crate::ledger::Ledger;
use crate::money::Currency;
use crate::pricing::RateBook;
use crate::pricing::category::Category;
use crate::replay::NoLines;

/// What to run.
#[derive(Clone, Debug)]
pub struct MonteCarloOptions {
    /// How many runs (at least 1).
    pub runs: u32,
    /// The first run's seed; run k uses seed + k.
    pub seed: u64,
    /// The strategies to compare with the base, by name.
    pub strategies: Vec<String>,
    /// Worker threads (runs are shared out between them; with fewer runs than workers, a
    /// run generates and prices on several threads). Results do not depend on it.
    pub workers: usize,
    /// Currency and business profile (the time zone is the scenario's).
    pub classify: ClassifyConfig,
    /// The memory and time the runs may take: beyond them the simulation is refused before
    /// it starts (see [`super::budget`]).
    pub limits: Limits,
}

impl Default for MonteCarloOptions {
    fn default() -> Self {
        MonteCarloOptions {
            runs: 100,
            seed: 1,
            strategies: Vec::new(),
            workers: 2,
            classify: ClassifyConfig::default(),
            limits: Limits::default(),
        }
    }
}

/// The totals of one run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunTotals {
    /// The run's seed.
    pub seed: u64,
    /// Total spend.
    pub total: Decimal,
    /// Spend by pricing category (every category a run of the variant charged or listed).
    pub by_category: BTreeMap<Category, Decimal>,
    /// Outbound messages priced.
    pub messages: u64,
    /// Messages charged.
    pub charged: u64,
    /// Your own cost of a third-party bot's delivered replies (the scenario's
    /// `bot_cost_per_reply` × replies), included in `total`; not one of Meta's categories.
    pub automation_fees: Decimal,
}

impl RunTotals {
    /// The totals of a priced ledger.
    pub fn of(seed: u64, ledger: &Ledger) -> RunTotals {
        RunTotals {
            seed,
            total: ledger.total(),
            by_category: ledger
                .group_by(|k| k.category)
                .into_iter()
                .map(|(c, t)| (c, t.amount))
                .collect(),
            messages: ledger.messages(),
            charged: ledger.charged(),
            automation_fees: Decimal::ZERO,
        }
    }

    /// Adds your own cost of `replies` automated replies at `per_reply` to the total.
    pub fn with_automation_fees(mut self, replies: u64, per_reply: Decimal) -> RunTotals {
        let fees = per_reply * Decimal::from(replies);
        self.automation_fees += fees;
        self.total += fees;
        self
    }
}

/// Mean and nearest-rank percentiles of a set of amounts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spread {
    /// Arithmetic mean, rounded to 6 decimal places (banker's rounding).
    pub mean: Decimal,
    /// 5th percentile (nearest rank).
    pub p5: Decimal,
    /// Median (nearest rank).
    pub p50: Decimal,
    /// 95th percentile (nearest rank).
    pub p95: Decimal,
}

impl Spread {
    /// The spread of `values` (zero when empty).
    pub fn of(values: &[Decimal]) -> Spread {
        if values.is_empty() {
            return Spread {
                mean: Decimal::ZERO,
                p5: Decimal::ZERO,
                p50: Decimal::ZERO,
                p95: Decimal::ZERO,
            };
        }
        let mut sorted = values.to_vec();
        sorted.sort();
        let sum: Decimal = sorted.iter().sum();
        let mean = (sum / Decimal::from(sorted.len() as u64)).round_dp(6);
        Spread {
            mean,
            p5: nearest_rank(&sorted, 5),
            p50: nearest_rank(&sorted, 50),
            p95: nearest_rank(&sorted, 95),
        }
    }
}

/// The `p`-th percentile by nearest rank: the value at rank ⌈p·n/100⌉ of the sorted values.
pub fn nearest_rank(sorted: &[Decimal], p: u32) -> Decimal {
    if sorted.is_empty() {
        return Decimal::ZERO;
    }
    let n = sorted.len();
    let rank = (p as usize * n).div_ceil(100).max(1);
    sorted[rank.min(n) - 1]
}

/// The runs of one variant (the base, or a strategy).
#[derive(Clone, Debug)]
pub struct VariantRuns {
    /// `base`, or the strategy's name.
    pub name: String,
    /// The strategy's description.
    pub description: Option<String>,
    /// Every run's totals, in seed order (for distribution charts).
    pub runs: Vec<RunTotals>,
    /// Spread of the total.
    pub total: Spread,
    /// Spread of each category's spend.
    pub by_category: BTreeMap<Category, Spread>,
}

impl VariantRuns {
    fn new(name: String, description: Option<String>, runs: Vec<RunTotals>) -> VariantRuns {
        let totals: Vec<Decimal> = runs.iter().map(|r| r.total).collect();
        let by_category = categories(&runs)
            .into_iter()
            .map(|c| {
                let v: Vec<Decimal> = runs.iter().map(|r| amount(r, c)).collect();
                (c, Spread::of(&v))
            })
            .collect();
        VariantRuns {
            name,
            description,
            total: Spread::of(&totals),
            by_category,
            runs,
        }
    }
}

/// A strategy compared with the base, run by run.
#[derive(Clone, Debug)]
pub struct StrategyRuns {
    /// The strategy's own runs.
    pub runs: VariantRuns,
    /// Per run (same seed): strategy total − base total.
    pub delta: Vec<Decimal>,
    /// Spread of that difference.
    pub delta_vs_base: Spread,
    /// Spread of the difference per category.
    pub delta_by_category: BTreeMap<Category, Spread>,
}

/// The result of a Monte Carlo simulation.
#[derive(Clone, Debug)]
pub struct MonteCarlo {
    /// Currency of every amount.
    pub currency: Currency,
    /// Number of runs.
    pub runs: u32,
    /// The first seed (run k used seed + k).
    pub seed: u64,
    /// The base scenario's runs.
    pub base: VariantRuns,
    /// Each strategy, in the order asked for.
    pub strategies: Vec<StrategyRuns>,
}

/// One scenario variant ready to run: its generator, its (possibly edited) rules.
struct Variant {
    name: String,
    description: Option<String>,
    generator: Generator,
    book: RateBook,
    config: ClassifyConfig,
    /// Your own cost of one automated reply of a third-party bot.
    bot_cost_per_reply: Decimal,
}

impl Variant {
    fn new(
        name: String,
        description: Option<String>,
        scenario: &Scenario,
        book: &RateBook,
        classify: ClassifyConfig,
    ) -> Result<Variant, SimulateError> {
        Ok(Variant {
            name,
            description,
            generator: Generator::new(scenario, scenario.seed)?,
            book: scenario.rules.apply(book),
            config: ClassifyConfig {
                timezone: scenario.timezone,
                profile: crate::pricing::BusinessProfile {
                    service_exempt: classify.profile.service_exempt || scenario.service_exempt,
                    ..classify.profile
                },
                ..classify
            },
            bot_cost_per_reply: scenario.service.bot_cost_per_reply,
        })
    }

    fn run(&self, seed: u64, threads: usize) -> Result<RunTotals, SimulateError> {
        let priced = price_run(
            &self.generator,
            seed,
            &self.book,
            self.config,
            &mut NoLines,
            threads,
        )?;
        let bot_replies: u64 = priced.usage.values().map(|u| u.automated_replies).sum();
        Ok(RunTotals::of(seed, &priced.ledger)
            .with_automation_fees(bot_replies, self.bot_cost_per_reply))
    }
}

/// Runs the base scenario and each strategy `options.runs` times. `progress` is called
/// after every run (of all variants) from a worker thread. A simulation whose estimate
/// passes `options.limits` is refused before it starts ([`SimulateError::TooLarge`]).
pub fn monte_carlo(
    book: &RateBook,
    scenario: &Scenario,
    options: &MonteCarloOptions,
    progress: &(dyn Fn() + Sync),
) -> Result<MonteCarlo, SimulateError> {
    Workload::new(
        scenario,
        &options.strategies,
        u64::from(options.runs),
        options.workers as u32,
    )?
    .check(&options.limits)?;
    let mut variants = vec![Variant::new(
        "base".into(),
        None,
        scenario,
        book,
        options.classify,
    )?];
    for name in &options.strategies {
        let s = scenario.strategy(name)?;
        variants.push(Variant::new(
            name.clone(),
            scenario.strategy_description(name),
            &s,
            book,
            options.classify,
        )?);
    }
    let runs = options.runs.max(1) as usize;
    let next = AtomicUsize::new(0);
    let failed = Mutex::new(None::<SimulateError>);
    let results: Mutex<Vec<Option<Vec<RunTotals>>>> = Mutex::new(vec![None; runs]);
    let workers = options.workers.clamp(1, runs);
    // Fewer runs than workers: each run uses the spare threads itself.
    let threads = (options.workers.max(1) / workers).max(1);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    if k >= runs || failed.lock().map(|f| f.is_some()).unwrap_or(true) {
                        return;
                    }
                    let seed = options.seed.wrapping_add(k as u64);
                    let totals: Result<Vec<RunTotals>, SimulateError> =
                        variants.iter().map(|v| v.run(seed, threads)).collect();
                    match totals {
                        Ok(t) => {
                            if let Ok(mut r) = results.lock() {
                                r[k] = Some(t);
                            }
                            progress();
                        }
                        Err(e) => {
                            if let Ok(mut f) = failed.lock() {
                                f.get_or_insert(e);
                            }
                            return;
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = failed.into_inner().ok().flatten() {
        return Err(e);
    }
    let results = results.into_inner().unwrap_or_default();
    let mut per_variant: Vec<Vec<RunTotals>> = vec![Vec::with_capacity(runs); variants.len()];
    for r in results {
        let r = r.ok_or_else(|| SimulateError::Internal("a run did not finish".into()))?;
        for (v, t) in per_variant.iter_mut().zip(r) {
            v.push(t);
        }
    }
    let mut per_variant = per_variant.into_iter();
    let base_runs = per_variant.next().unwrap_or_default();
    let base = VariantRuns::new("base".into(), None, base_runs);
    let mut strategies = Vec::new();
    for (v, runs) in variants.iter().skip(1).zip(per_variant) {
        let delta: Vec<Decimal> = runs
            .iter()
            .zip(&base.runs)
            .map(|(s, b)| s.total - b.total)
            .collect();
        let mut all = base.runs.clone();
        all.extend(runs.iter().cloned());
        let delta_by_category = categories(&all)
            .into_iter()
            .map(|c| {
                let d: Vec<Decimal> = runs
                    .iter()
                    .zip(&base.runs)
                    .map(|(s, b)| amount(s, c) - amount(b, c))
                    .collect();
                (c, Spread::of(&d))
            })
            .collect();
        strategies.push(StrategyRuns {
            runs: VariantRuns::new(v.name.clone(), v.description.clone(), runs),
            delta_vs_base: Spread::of(&delta),
            delta,
            delta_by_category,
        });
    }
    Ok(MonteCarlo {
        currency: options.classify.currency,
        runs: runs as u32,
        seed: options.seed,
        base,
        strategies,
    })
}

fn categories(runs: &[RunTotals]) -> Vec<Category> {
    let mut c: Vec<Category> = runs
        .iter()
        .flat_map(|r| r.by_category.keys().copied())
        .collect();
    c.sort();
    c.dedup();
    c
}

fn amount(r: &RunTotals, c: Category) -> Decimal {
    r.by_category.get(&c).copied().unwrap_or(Decimal::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<Decimal> = (1..=20).map(Decimal::from).collect();
        let s = Spread::of(&v);
        assert_eq!(s.p5, dec!(1));
        assert_eq!(s.p50, dec!(10));
        assert_eq!(s.p95, dec!(19));
        assert_eq!(s.mean, dec!(10.5));
        let one = Spread::of(&[dec!(6.2500)]);
        assert_eq!(
            (one.p5, one.p50, one.p95),
            (dec!(6.25), dec!(6.25), dec!(6.25))
        );
        assert_eq!(nearest_rank(&[dec!(1), dec!(2), dec!(3)], 50), dec!(2));
        assert_eq!(
            Spread::of(&[dec!(1), dec!(2), dec!(2)]).mean,
            dec!(1.666667)
        );
        assert_eq!(Spread::of(&[]).mean, Decimal::ZERO);
    }
}
