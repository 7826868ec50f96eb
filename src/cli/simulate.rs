//! `wacost simulate`: price a scenario of expected traffic, many times over, and compare
//! strategies with the same random numbers.

use std::fs::File;
use std::io::{BufWriter, IsTerminal};
use std::path::PathBuf;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};
use wacost::classify::ClassifyConfig;
use wacost::pricing::category::Category;
use wacost::report::table::Table;
use wacost::simulate::{
    Generator, MonteCarlo, MonteCarloOptions, RunTotals, Scenario, Spread, monte_carlo, write_log,
};

use super::{Failure, Format, Global};

/// Arguments of `wacost simulate`.
#[derive(Args, Debug)]
pub struct SimulateArgs {
    /// The scenario (TOML; see data/scenarios/shop.toml). Its `timezone` is the WABA's time
    /// zone.
    #[arg(value_name = "SCENARIO")]
    pub scenario: PathBuf,
    /// Monte Carlo runs (seeds SEED, SEED+1, …).
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub runs: u32,
    /// The first run's seed (default: the scenario's `seed`).
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Compare these strategies (`[strategies.NAME]`) with the base, run with the same
    /// seeds. Repeatable or comma-separated; default: every strategy of the scenario.
    #[arg(long = "strategy", value_name = "NAME", value_delimiter = ',')]
    pub strategies: Vec<String>,
    /// Output format: a table, the summary as JSON, or every run's totals as CSV.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Write summary.json and runs.csv (every run's totals, for distribution charts) to this
    /// folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write the first run's generated traffic (base scenario) as a canonical CSV log:
    /// `wacost replay FILE --timezone TZ` prices it to that run's total.
    #[arg(long, value_name = "FILE")]
    pub export_log: Option<PathBuf>,
}

/// Runs `wacost simulate`.
pub fn run(global: &Global, args: &SimulateArgs) -> Result<(), Failure> {
    if args.runs == 0 {
        return Err(Failure::usage("--runs must be at least 1"));
    }
    let scenario = Scenario::load(&args.scenario).map_err(Failure::input)?;
    let strategies = if args.strategies.is_empty() {
        scenario.strategy_names()
    } else {
        for name in &args.strategies {
            if !scenario.strategies.contains_key(name) {
                let known = scenario.strategy_names().join(", ");
                return Err(Failure::usage(format!(
                    "--strategy {name}: {} has no [strategies.{name}] (it has: {})",
                    args.scenario.display(),
                    if known.is_empty() { "none" } else { &known }
                )));
            }
        }
        args.strategies.clone()
    };
    let seed = args.seed.unwrap_or(scenario.seed);
    let book = global.rate_book()?;
    let classify = ClassifyConfig {
        currency: global.currency,
        timezone: scenario.timezone,
        profile: global.profile()?,
        ..ClassifyConfig::default()
    };
    if let Some(path) = &args.export_log {
        let generator = Generator::new(&scenario, seed).map_err(Failure::input)?;
        let file =
            File::create(path).map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
        let mut w = BufWriter::with_capacity(1 << 16, file);
        let rows = write_log(&mut w, generator.events())
            .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
        let mut note = format!(
            "wacost: wrote {rows} messages of the run with seed {seed} to {}; `wacost replay {} \
             --timezone {}` prices them to that run's total",
            path.display(),
            path.display(),
            scenario.timezone
        );
        if !scenario.rules.is_default() {
            note.push_str(" (with the scenario's [rules] what-ifs as a --regimes file)");
        }
        eprintln!("{note}");
    }
    let options = MonteCarloOptions {
        runs: args.runs,
        seed,
        strategies,
        workers: 2,
        classify,
    };
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(u64::from(args.runs));
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} {pos}/{len} runs [{bar:40}] {eta} left")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        Some(bar)
    } else {
        None
    };
    let progress = || {
        if let Some(b) = &bar {
            b.inc(1);
        }
    };
    let result = monte_carlo(&book, &scenario, &options, &progress).map_err(Failure::input)?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let doc = to_json(&result, &scenario, &args.scenario.display().to_string());
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir)
            .map_err(|e| Failure::input(format!("{}: {e}", dir.display())))?;
        std::fs::write(
            dir.join("summary.json"),
            serde_json::to_string_pretty(&doc)? + "\n",
        )?;
        std::fs::write(dir.join("runs.csv"), runs_csv(&result)?)?;
    }
    match args.format {
        Format::Table => print!("{}", to_text(&result, &scenario)),
        Format::Json => println!("{}", serde_json::to_string_pretty(&doc)?),
        Format::Csv => print!("{}", runs_csv(&result)?),
    }
    Ok(())
}

fn spread(s: &Spread) -> Value {
    json!({
        "mean": s.mean.to_string(),
        "p5": s.p5.to_string(),
        "p50": s.p50.to_string(),
        "p95": s.p95.to_string(),
    })
}

fn by_category(m: &std::collections::BTreeMap<Category, Spread>) -> Value {
    Value::Object(
        m.iter()
            .map(|(c, s)| (c.as_str().to_string(), spread(s)))
            .collect::<Map<String, Value>>(),
    )
}

/// The summary as one JSON document.
fn to_json(r: &MonteCarlo, scenario: &Scenario, origin: &str) -> Value {
    let mut strategies = Map::new();
    for s in &r.strategies {
        strategies.insert(
            s.runs.name.clone(),
            json!({
                "description": s.runs.description,
                "total": spread(&s.runs.total),
                "by_category": by_category(&s.runs.by_category),
                "delta_vs_base": spread(&s.delta_vs_base),
                "delta_by_category": by_category(&s.delta_by_category),
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
        "seeds": {"first": r.seed, "last": r.seed.wrapping_add(u64::from(r.runs) - 1)},
        "currency": r.currency,
        "total": spread(&r.base.total),
        "by_category": by_category(&r.base.by_category),
        "strategies": Value::Object(strategies),
    })
}

/// The summary as text tables.
fn to_text(r: &MonteCarlo, scenario: &Scenario) -> String {
    let mut s = format!(
        "scenario {scenario}\n{} run{} (seeds {} to {}), amounts in {}\n\n",
        r.runs,
        if r.runs == 1 { "" } else { "s" },
        r.seed,
        r.seed.wrapping_add(u64::from(r.runs) - 1),
        r.currency
    );
    let mut t = Table::new(["spend", "mean", "P5", "P50", "P95"])
        .right_align(1)
        .right_align(2)
        .right_align(3)
        .right_align(4);
    let row = |t: &mut Table, name: String, x: &Spread| {
        t.row([
            name,
            x.mean.to_string(),
            x.p5.to_string(),
            x.p50.to_string(),
            x.p95.to_string(),
        ]);
    };
    row(&mut t, "total".into(), &r.base.total);
    for (c, x) in &r.base.by_category {
        row(&mut t, format!("  {c}"), x);
    }
    s.push_str(&t.render());
    if !r.strategies.is_empty() {
        s.push_str("\nstrategies (same seeds as the base; delta = strategy - base, per run)\n\n");
        let mut t = Table::new([
            "strategy",
            "mean total",
            "delta mean",
            "delta P5",
            "delta P50",
            "delta P95",
        ]);
        for k in 1..=5 {
            t = t.right_align(k);
        }
        for st in &r.strategies {
            let d = &st.delta_vs_base;
            t.row([
                st.runs.name.clone(),
                st.runs.total.mean.to_string(),
                signed(d.mean),
                signed(d.p5),
                signed(d.p50),
                signed(d.p95),
            ]);
        }
        s.push_str(&t.render());
        for st in &r.strategies {
            if let Some(d) = &st.runs.description {
                s.push_str(&format!("  {}: {d}\n", st.runs.name));
            }
        }
    }
    s
}

fn signed(d: Decimal) -> String {
    if d > Decimal::ZERO {
        format!("+{d}")
    } else {
        d.to_string()
    }
}

/// Every run's totals: one row per variant and run, one column per category.
fn runs_csv(r: &MonteCarlo) -> Result<String, Failure> {
    let variants: Vec<&wacost::simulate::VariantRuns> = std::iter::once(&r.base)
        .chain(r.strategies.iter().map(|s| &s.runs))
        .collect();
    let mut categories: Vec<Category> = variants
        .iter()
        .flat_map(|v| v.runs.iter().flat_map(|t| t.by_category.keys().copied()))
        .collect();
    categories.sort();
    categories.dedup();
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "variant".to_string(),
        "run".into(),
        "seed".into(),
        "currency".into(),
        "total".into(),
        "messages".into(),
        "charged".into(),
    ];
    header.extend(categories.iter().map(|c| c.as_str().to_string()));
    w.write_record(&header)?;
    for v in variants {
        for (k, t) in v.runs.iter().enumerate() {
            w.write_record(run_row(&v.name, k, t, r, &categories))?;
        }
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Failure::input(format!("runs.csv: {e}")))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
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
