//! Next months' spend, forecast from a log: a scenario learnt from the log's traffic
//! ([`fit`]), written as a scenario file the user can edit, and simulated over the next
//! months under the rate cards and rules in force then (a month after 2026-10-01 is priced
//! with charged service messages and the free allowance), many times: P5, P50 and P95 of
//! each month's spend, in total and per category.
//!
//! The forecast always simulates the scenario as written (its text read back with
//! [`Scenario::parse`]), so the file the user keeps simulates to the same figures:
//! [`simulate`] on the file's scenario gives the forecast's months exactly.
//!
//! What the spread means: P5 to P95 is the randomness of traffic like the log's (who writes,
//! when, how many templates go out), not the uncertainty of the numbers learnt from it.
//! Simulated months start with no customer service window open.

pub mod fit;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use fit::{FitError, Fitted};

use crate::calendar::Month;
use crate::classify::ClassifyConfig;
use crate::ledger::Ledger;
use crate::money::Currency;
use crate::period::Period;
use crate::pricing::RateBook;
use crate::replay::{NoLines, ReadLog, ReplayError};
use crate::simulate::{Generator, Scenario, ScenarioError, price_run};
use crate::whatif::messages::MessageLines;

/// Why a forecast could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ForecastError {
    /// The log could not be priced.
    #[error(transparent)]
    Price(#[from] ReplayError),
    /// Nothing to learn from.
    #[error(transparent)]
    Fit(#[from] FitError),
    /// The learnt scenario is not usable (a bug, or an audience the number plans cannot
    /// give numbers to).
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// A month out of range.
    #[error("cannot forecast {months} months after {after}")]
    Range {
        /// The last month learnt from.
        after: String,
        /// Months asked for.
        months: u32,
    },
}

/// How to forecast.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ForecastOptions {
    /// Calendar months to forecast (1 to 120).
    pub months: u32,
    /// Monte Carlo runs (seeds `seed`, `seed + 1`…).
    pub runs: u32,
    /// The first run's seed, written into the scenario.
    pub seed: u64,
    /// Worker threads (the figures do not depend on it).
    pub workers: usize,
}

impl Default for ForecastOptions {
    fn default() -> Self {
        ForecastOptions {
            months: 3,
            runs: 100,
            seed: 1,
            workers: 2,
        }
    }
}

/// P5, P50, P95 (nearest rank) and mean (6 places) of a month's simulated spend.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Band {
    /// 5th percentile.
    pub p5: Decimal,
    /// Median.
    pub p50: Decimal,
    /// 95th percentile.
    pub p95: Decimal,
    /// Mean.
    pub mean: Decimal,
}

impl Band {
    /// The band of a set of amounts.
    pub fn of(values: &[Decimal]) -> Band {
        let s = crate::simulate::Spread::of(values);
        Band {
            p5: s.p5,
            p50: s.p50,
            p95: s.p95,
            mean: s.mean,
        }
    }
}

/// One forecast month.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthForecast {
    /// `YYYY-MM` (WABA time zone).
    pub month: String,
    /// 5th percentile of the month's spend.
    pub p5: Decimal,
    /// Median.
    pub p50: Decimal,
    /// 95th percentile.
    pub p95: Decimal,
    /// Mean.
    pub mean: Decimal,
    /// The same by pricing category.
    pub by_category: BTreeMap<String, Band>,
}

/// One month of the log, as it was priced.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActualMonth {
    /// `YYYY-MM`.
    pub month: String,
    /// Its spend.
    pub total: Decimal,
    /// By pricing category.
    pub by_category: BTreeMap<String, Decimal>,
}

/// A forecast: the log's months, the scenario learnt, and the next months' spread.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    /// Currency of every amount.
    pub currency: Currency,
    /// Monte Carlo runs.
    pub runs: u32,
    /// The first run's seed.
    pub seed: u64,
    /// The days learnt from.
    pub learnt_from: String,
    /// The log's months, as priced.
    pub actual: Vec<ActualMonth>,
    /// The forecast months.
    pub months: Vec<MonthForecast>,
    /// The numbers learnt.
    pub fitted: Fitted,
    /// The scenario file (TOML) simulated.
    pub scenario: String,
    /// What a reader must know.
    pub notes: Vec<String>,
}

/// The months of a ledger, as priced.
pub fn actual_months(ledger: &Ledger) -> Vec<ActualMonth> {
    let mut months: BTreeMap<String, ActualMonth> = BTreeMap::new();
    for (key, t) in ledger.group_by(|k| (Month::of(k.date).to_string(), k.category.to_string())) {
        let m = months.entry(key.0.clone()).or_insert_with(|| ActualMonth {
            month: key.0.clone(),
            ..ActualMonth::default()
        });
        m.total += t.amount;
        *m.by_category.entry(key.1).or_default() += t.amount;
    }
    months.into_values().collect()
}

/// Learns a scenario from the log over `learn` (the whole log when open) and forecasts the
/// `options.months` calendar months after it.
pub fn forecast(
    book: &RateBook,
    config: ClassifyConfig,
    log: &ReadLog,
    learn: &Period,
    options: &ForecastOptions,
) -> Result<Forecast, ForecastError> {
    let mut lines = MessageLines::default();
    let outcome = crate::whatif::price_log(book, config, log, &log.events, &mut lines)?;
    let fitted = fit::fit(book, config.timezone, &log.events, &lines.0, learn)?;
    let last = fitted_last_day(&fitted, learn, &outcome.ledger);
    let start = Month::of(last)
        .first_day()
        .checked_add_months(Months::new(1))
        .filter(|_| (1..=120).contains(&options.months))
        .ok_or_else(|| ForecastError::Range {
            after: Month::of(last).to_string(),
            months: options.months,
        })?;
    let text = fitted.scenario_text(
        &format!("learnt from {}", fitted.period),
        start,
        options.months,
        options.seed,
    );
    let scenario = Scenario::parse(&text, "the learnt scenario")?;
    let months = simulate(book, config, &scenario, options.runs, options.workers)?;
    let contacts: u32 = fitted.audience.values().sum();
    let mut notes = vec![
        format!(
            "learnt from {} ({:.2} months of traffic, {contacts} contacts); the next {} \
             months simulated {} times under the rate cards and rules in force then",
            fitted.period, fitted.months, options.months, options.runs
        ),
        "P5 to P95 is the spread of traffic like the log's (who writes, when, how many \
         templates go out), not the uncertainty of the numbers learnt from it"
            .to_string(),
        "follow-ups after a customer service window closed are counted with the utility \
         templates; simulated months start with no window open"
            .to_string(),
    ];
    let charged_service = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap_or(NaiveDate::MIN);
    if start
        .checked_add_months(Months::new(options.months))
        .is_some_and(|end| end > charged_service)
        && last < charged_service
    {
        notes.push(
            "months from 2026-10 are priced with service messages and in-window utility \
             templates charged (reported), less the free service allowance: the log's months \
             before were not"
                .to_string(),
        );
    }
    if fitted.unanswerable_free_form > 0 {
        notes.push(format!(
            "{} free-form messages answered no conversation (sent with no customer message \
             before them): they are not in the scenario",
            fitted.unanswerable_free_form
        ));
    }
    Ok(Forecast {
        currency: config.currency,
        runs: options.runs.max(1),
        seed: options.seed,
        learnt_from: fitted.period.clone(),
        actual: actual_months(&outcome.ledger),
        months,
        fitted,
        scenario: text,
        notes,
    })
}

/// The last day learnt from.
fn fitted_last_day(fitted: &Fitted, learn: &Period, ledger: &Ledger) -> NaiveDate {
    learn
        .to
        .or_else(|| {
            let dates = ledger.group_by(|k| k.date);
            dates.keys().next_back().copied()
        })
        .or_else(|| {
            fitted
                .period
                .rsplit(' ')
                .next()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        })
        .unwrap_or(NaiveDate::MIN)
}

/// Simulates a scenario `runs` times (seeds from the scenario's `seed`) and gives each
/// calendar month's spread, in total and per category. The result does not depend on
/// `workers`.
pub fn simulate(
    book: &RateBook,
    config: ClassifyConfig,
    scenario: &Scenario,
    runs: u32,
    workers: usize,
) -> Result<Vec<MonthForecast>, ForecastError> {
    let book = scenario.rules.apply(book);
    let config = ClassifyConfig {
        timezone: scenario.timezone,
        ..config
    };
    let generator = Generator::new(scenario, scenario.seed)?;
    let months: Vec<String> = (0..scenario.period.months)
        .filter_map(|k| scenario.period.start.checked_add_months(Months::new(k)))
        .map(|d| format!("{:04}-{:02}", d.year(), d.month()))
        .collect();
    let runs = runs.max(1) as usize;
    let workers = workers.clamp(1, runs);
    let threads = 1;
    let next = AtomicUsize::new(0);
    type RunMonths = BTreeMap<(String, String), Decimal>;
    let results: Mutex<Vec<Option<RunMonths>>> = Mutex::new(vec![None; runs]);
    let failed: Mutex<Option<ReplayError>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    if k >= runs || failed.lock().map(|f| f.is_some()).unwrap_or(true) {
                        return;
                    }
                    let seed = scenario.seed.wrapping_add(k as u64);
                    match price_run(&generator, seed, &book, config, &mut NoLines, threads) {
                        Ok(priced) => {
                            let amounts: RunMonths = priced
                                .ledger
                                .group_by(|key| {
                                    (Month::of(key.date).to_string(), key.category.to_string())
                                })
                                .into_iter()
                                .map(|(k, t)| (k, t.amount))
                                .collect();
                            if let Ok(mut r) = results.lock() {
                                r[k] = Some(amounts);
                            }
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
        return Err(e.into());
    }
    let results: Vec<RunMonths> = results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect();
    let categories: Vec<String> = {
        let mut c: Vec<String> = results
            .iter()
            .flat_map(|r| r.keys().map(|(_, c)| c.clone()))
            .collect();
        c.sort();
        c.dedup();
        c
    };
    Ok(months
        .into_iter()
        .map(|month| {
            let totals: Vec<Decimal> = results
                .iter()
                .map(|r| {
                    r.iter()
                        .filter(|((m, _), _)| *m == month)
                        .map(|(_, a)| *a)
                        .sum()
                })
                .collect();
            let band = Band::of(&totals);
            let by_category = categories
                .iter()
                .map(|c| {
                    let v: Vec<Decimal> = results
                        .iter()
                        .map(|r| {
                            r.get(&(month.clone(), c.clone()))
                                .copied()
                                .unwrap_or_default()
                        })
                        .collect();
                    (c.clone(), Band::of(&v))
                })
                .collect();
            MonthForecast {
                month,
                p5: band.p5,
                p50: band.p50,
                p95: band.p95,
                mean: band.mean,
                by_category,
            }
        })
        .collect())
}

impl Forecast {
    /// The forecast as one JSON document (`months`, each with `month`, `p5`, `p50`, `p95`,
    /// `mean` and `by_category`; `actual`; the numbers learnt; the scenario; notes): amounts
    /// as decimal strings, keys sorted.
    pub fn to_json(&self) -> String {
        let value = serde_json::to_value(self).unwrap_or_default();
        serde_json::to_string_pretty(&value).unwrap_or_default()
    }

    /// The months as a table: the log's months (actual), then the forecast ones.
    pub fn table(&self) -> crate::table::Table {
        let c = self.currency;
        let mut t = crate::table::Table::new([
            "month".to_string(),
            "".into(),
            format!("P5 ({c})"),
            format!("P50 ({c})"),
            format!("P95 ({c})"),
            format!("mean ({c})"),
        ])
        .right_align(2)
        .right_align(3)
        .right_align(4)
        .right_align(5);
        for a in &self.actual {
            let v = a.total.to_string();
            t.row([
                a.month.clone(),
                "actual".into(),
                String::new(),
                v,
                String::new(),
                String::new(),
            ]);
        }
        for m in &self.months {
            t.row([
                m.month.clone(),
                "forecast".into(),
                m.p5.to_string(),
                m.p50.to_string(),
                m.p95.to_string(),
                m.mean.to_string(),
            ]);
        }
        t
    }

    /// The forecast for a terminal: the table, then the notes.
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "forecast of the next {} months, {} runs from seed {}, amounts in {}\n\n",
            self.months.len(),
            self.runs,
            self.seed,
            self.currency
        );
        s.push_str(&self.table().render());
        for n in &self.notes {
            s.push_str(&format!("note: {n}\n"));
        }
        s
    }
}
