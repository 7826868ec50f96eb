//! `wacost.quote`, `wacost.rates`, `wacost.simulate` and `wacost.compare`: the commands'
//! computations in the core, and the JSON documents they print with `--format json`.
//!
//! The documents of `simulate` and `compare` are built in `wacost-report` for the CLI
//! (`simulation::to_json`, `simulation::providers_json`, `ProvidersDocument`); this crate
//! does not link `wacost-report` (polars), so it writes the same documents here, and the
//! tests check them against the CLI's output.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use pyo3::prelude::*;
use serde_json::{Map, Value, json};
use wacost_core::fx::FxTable;
use wacost_core::money::Currency;
use wacost_core::pricing::DataSource;
use wacost_core::pricing::category::Category;
use wacost_core::pricing::phone::ContactNumber;
use wacost_core::pricing::quote::{QuoteRequest, quote as price_one};
use wacost_core::pricing::sheet::RateSheet;
use wacost_core::providers::{BillOptions, Comparison, Providers, compare as compare_bills};
use wacost_core::replay::{NoLines, Source, replay_with};
use wacost_core::simulate::budget::{LimitError, parse_duration, parse_size};
use wacost_core::simulate::{
    Limits, MonteCarlo, MonteCarloOptions, ProviderRuns, ProviderRunsOptions, Scenario,
    SimulateError, Spread, compare_providers, monte_carlo,
};
use wacost_core::usage::Usage;

use crate::errors::{Failure, guard};
use crate::options::{DataFile, Options};

/// An instant as `quote --at` reads it: RFC 3339, a date and time in the WABA's time zone,
/// or a date (its first instant there).
fn parse_instant(s: &str, tz: Tz) -> Result<DateTime<Utc>, Failure> {
    let t = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Ok(d.with_timezone(&Utc));
    }
    let bad = || {
        Failure::Usage(format!(
            "{s:?} is not a date or time: use 2026-02-02T10:00:00Z, 2026-02-02T10:00 (WABA time) \
             or 2026-02-02"
        ))
    };
    let local = [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok());
    let seconds = match local {
        Some(naive) => wacost_core::calendar::local_time(tz, naive).ok_or_else(|| {
            Failure::Usage(format!("{s:?} does not exist in {tz} (a clock change)"))
        })?,
        None => {
            let date = NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| bad())?;
            wacost_core::calendar::local_midnight(tz, date)
        }
    };
    DateTime::from_timestamp(seconds, 0).ok_or_else(bad)
}

/// The categories a quote can ask for.
fn quote_category(s: &str) -> Result<Category, Failure> {
    Category::parse(s.trim()).ok_or_else(|| {
        Failure::Usage(format!(
            "category {s:?}: give marketing, utility, authentication, \
             authentication_international or service"
        ))
    })
}

/// The price of one delivered message (`wacost quote --format json`).
#[pyfunction]
#[pyo3(signature = (options, to, category, at=None, in_service_window=false, in_free_entry_point=false))]
pub fn quote(
    options: &str,
    to: &str,
    category: &str,
    at: Option<&str>,
    in_service_window: bool,
    in_free_entry_point: bool,
) -> PyResult<String> {
    guard(|| {
        let o = Options::parse(options)?;
        let book = o.book()?;
        let timezone = o.timezone()?;
        let to = ContactNumber::parse(to).map_err(|e| Failure::Usage(format!("to: {e}")))?;
        let at = match at {
            Some(s) => parse_instant(s, timezone)?,
            None => Utc::now(),
        };
        let q = price_one(
            &book,
            &QuoteRequest {
                to,
                category: quote_category(category)?,
                at,
                timezone,
                in_service_window,
                in_free_entry_point,
                currency: o.currency()?,
                profile: o.profile()?,
                tokens: None,
                template: None,
            },
        )
        .map_err(Failure::input)?;
        Ok(serde_json::to_string_pretty(&q).map_err(Failure::input)?)
    })
}

/// The card in force on a date (`wacost rates --format json`); default: today in the
/// WABA's time zone.
#[pyfunction]
#[pyo3(signature = (options, at=None, market=None))]
pub fn rates(options: &str, at: Option<&str>, market: Option<&str>) -> PyResult<String> {
    guard(|| {
        let o = Options::parse(options)?;
        let book = o.book()?;
        let date = match at {
            Some(d) => NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
                .map_err(|_| Failure::Usage(format!("at {d:?}: give YYYY-MM-DD")))?,
            None => Utc::now().with_timezone(&o.timezone()?).date_naive(),
        };
        let sheet = RateSheet::new(&book, o.currency()?, date, market).map_err(Failure::input)?;
        Ok(sheet.to_json())
    })
}

fn scenario(text: &str, origin: &str) -> Result<Scenario, Failure> {
    Scenario::parse(text, origin).map_err(Failure::input)
}

/// The seed of the last of `runs` runs from `seed`.
fn last_seed(runs: u32, seed: u64) -> u64 {
    seed.wrapping_add(u64::from(runs.max(1)) - 1)
}

fn spread_json(s: &Spread) -> Value {
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

/// `simulate --format json`'s document.
fn simulation_json(r: &MonteCarlo, scenario: &Scenario, origin: &str) -> Value {
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

/// Simulates a scenario (its TOML `text`, read from `origin`) `runs` times
/// (`wacost simulate --format json`); `strategies` empty compares every strategy.
#[pyfunction]
#[pyo3(signature = (options, text, origin, runs, seed=None, strategies=Vec::new(), max_memory=None, max_time=None))]
#[allow(clippy::too_many_arguments)]
pub fn simulate(
    py: Python<'_>,
    options: &str,
    text: &str,
    origin: &str,
    runs: u32,
    seed: Option<u64>,
    strategies: Vec<String>,
    max_memory: Option<&str>,
    max_time: Option<&str>,
) -> PyResult<String> {
    guard(|| {
        if runs == 0 {
            return Err(Failure::Usage("runs must be at least 1".into()).into());
        }
        let o = Options::parse(options)?;
        let scenario = scenario(text, origin)?;
        let strategies = if strategies.is_empty() {
            scenario.strategy_names()
        } else {
            for name in &strategies {
                if !scenario.strategies.contains_key(name) {
                    let known = scenario.strategy_names().join(", ");
                    return Err(Failure::Usage(format!(
                        "strategy {name}: {origin} has no [strategies.{name}] (it has: {})",
                        if known.is_empty() { "none" } else { &known }
                    ))
                    .into());
                }
            }
            strategies
        };
        let book = o.book()?;
        let classify = wacost_core::classify::ClassifyConfig {
            timezone: scenario.timezone,
            ..o.classify()?
        };
        let mc = MonteCarloOptions {
            runs,
            seed: seed.unwrap_or(scenario.seed),
            strategies,
            workers: 2,
            classify,
            limits: limits(max_memory, max_time)?,
        };
        let result = py
            .detach(|| monte_carlo(&book, &scenario, &mc, &|| {}))
            .map_err(simulate_failure)?;
        Ok(
            serde_json::to_string_pretty(&simulation_json(&result, &scenario, origin))
                .map_err(Failure::input)?,
        )
    })
}

/// The options of a provider comparison (`--providers`, `--providers-file`, `--fx`,
/// `--seats`, `--numbers`, `--report-currency`).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ProviderOptions {
    #[serde(default)]
    providers: Vec<String>,
    providers_file: Option<DataFile>,
    fx: Option<DataFile>,
    #[serde(default = "one")]
    seats: u64,
    numbers: Option<u64>,
    report_currency: Option<String>,
}

fn one() -> u64 {
    1
}

impl ProviderOptions {
    fn parse(json: &str) -> Result<ProviderOptions, Failure> {
        serde_json::from_str(json).map_err(|e| Failure::Usage(format!("provider options: {e}")))
    }

    fn currency(&self) -> Result<Currency, Failure> {
        let c = self.report_currency.as_deref().unwrap_or("USD");
        c.parse()
            .map_err(|e| Failure::Usage(format!("report_currency {c:?}: {e}")))
    }

    /// Calls `f` with the providers chosen and the bill options.
    fn with<T>(
        &self,
        f: impl FnOnce(&[&wacost_core::providers::Provider], &BillOptions) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        let mut providers = Providers::embedded();
        if let Some(file) = &self.providers_file {
            providers.merge(
                Providers::parse(&file.text, &DataSource::file(Path::new(&file.name)))
                    .map_err(Failure::data)?,
            );
        }
        let chosen = providers
            .select(&self.providers)
            .map_err(|e| Failure::Usage(e.to_string()))?;
        let fx = match &self.fx {
            Some(file) => FxTable::parse(&file.text, &DataSource::file(Path::new(&file.name)))
                .map_err(Failure::data)?,
            None => FxTable::embedded(),
        };
        let bill = BillOptions {
            seats: self.seats,
            numbers: self.numbers,
            fx: &fx,
        };
        f(&chosen, &bill)
    }
}

/// `compare --format json`'s document for a log.
fn comparison_json(c: &Comparison, card_currency: Currency, usage: &Usage) -> Value {
    let outbound: u64 = usage.values().map(|u| u.outbound()).sum();
    let rows: Vec<Value> = c
        .rows
        .iter()
        .map(|r| {
            json!({
                "provider": r.provider,
                "meta_fees": r.meta_fees,
                "provider_fees": r.provider_fees,
                "total": r.total,
                "per_message": r.per_message,
                "rank": r.rank,
                "source": r.source,
                "as_of": r.as_of,
                "confidence": r.confidence,
                "notes": r.notes,
            })
        })
        .collect();
    json!({
        "currency": c.currency,
        "card_currency": card_currency.code(),
        "outbound_messages": outbound,
        "providers": rows,
        "notes": c.notes,
    })
}

/// `compare --scenario --format json`'s document.
fn provider_runs_json(p: &ProviderRuns, scenario: &Scenario, origin: &str) -> Value {
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

/// What a log would cost with each provider (`wacost compare --log … --format json`).
/// `logs` are paths the core reads (canonical CSV or any format it tells apart).
#[pyfunction]
pub fn compare_log(
    py: Python<'_>,
    options: &str,
    providers: &str,
    logs: Vec<String>,
) -> PyResult<String> {
    guard(|| {
        let o = Options::parse(options)?;
        let p = ProviderOptions::parse(providers)?;
        let book = o.book()?;
        let replay_options = o.replay()?;
        let formats = o.formats()?;
        let sources: Vec<Source> = logs.iter().map(|l| Source::Path(l.into())).collect();
        let outcome = py
            .detach(|| {
                replay_with(
                    &book,
                    &sources,
                    replay_options,
                    &formats,
                    &mut NoLines,
                    None,
                )
            })
            .map_err(Failure::replay)?;
        let currency = p.currency()?;
        let c = p.with(|chosen, bill| {
            compare_bills(chosen, &outcome.ledger, &outcome.usage, bill, currency)
                .map_err(Failure::input)
        })?;
        let doc = comparison_json(&c, outcome.ledger.currency, &outcome.usage);
        Ok(serde_json::to_string_pretty(&doc).map_err(Failure::input)? + "\n")
    })
}

/// The limits a simulation runs under: `max_memory` (`"16G"`) and `max_time` (`"2h"`), each
/// the default (8 GiB, one hour) when not given.
fn limits(max_memory: Option<&str>, max_time: Option<&str>) -> Result<Limits, Failure> {
    let usage = |e: LimitError| Failure::Usage(e.to_string());
    Ok(Limits {
        memory: max_memory
            .map_or(Ok(Limits::MEMORY), parse_size)
            .map_err(usage)?,
        seconds: max_time
            .map_or(Ok(Limits::SECONDS), parse_duration)
            .map_err(usage)?,
    })
}

/// A simulation's error as Python reads it: a refused one is a `ValueError` (of the runs
/// and limits asked for) that says how to raise the limits.
fn simulate_failure(e: SimulateError) -> Failure {
    match e {
        SimulateError::TooLarge(t) => {
            Failure::Usage(format!("{t} (raise them with max_memory= and max_time=)"))
        }
        other => Failure::input(other),
    }
}

/// What a scenario's simulated traffic would cost with each provider, over `runs` runs
/// (`wacost compare --scenario … --format json`).
#[pyfunction]
#[pyo3(signature = (options, providers, text, origin, runs, seed=None, max_memory=None, max_time=None))]
#[allow(clippy::too_many_arguments)]
pub fn compare_scenario(
    py: Python<'_>,
    options: &str,
    providers: &str,
    text: &str,
    origin: &str,
    runs: u32,
    seed: Option<u64>,
    max_memory: Option<&str>,
    max_time: Option<&str>,
) -> PyResult<String> {
    guard(|| {
        if runs == 0 {
            return Err(Failure::Usage("runs must be at least 1".into()).into());
        }
        let o = Options::parse(options)?;
        let p = ProviderOptions::parse(providers)?;
        let scenario = scenario(text, origin)?;
        let book = o.book()?;
        let run_options = ProviderRunsOptions {
            runs,
            seed: seed.unwrap_or(scenario.seed),
            classify: wacost_core::classify::ClassifyConfig {
                timezone: scenario.timezone,
                ..o.classify()?
            },
            currency: p.currency()?,
            threads: 2,
            limits: limits(max_memory, max_time)?,
        };
        let result = p.with(|chosen, bill| {
            py.detach(|| compare_providers(&book, &scenario, chosen, bill, &run_options, &|| {}))
                .map_err(simulate_failure)
        })?;
        let doc = provider_runs_json(&result, &scenario, origin);
        Ok(serde_json::to_string_pretty(&doc).map_err(Failure::input)? + "\n")
    })
}
