//! `wacost simulate`: price a scenario of expected traffic, many times over, and compare
//! strategies with the same random numbers.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use clap::Args;
use wacost::classify::ClassifyConfig;
use wacost::pricing::RateBook;
use wacost::providers::Comparison;
use wacost::replay::{NoLines, Outcome};
use wacost::report::Report;
use wacost::report::bundle::{Collect, KEPT_LINES, SimulationSection};
use wacost::report::simulation;
use wacost::simulate::{
    Generator, MonteCarlo, MonteCarloOptions, Scenario, monte_carlo, price_run, write_log,
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
    /// Write the full report to this folder: index.html with the strategy comparison and the
    /// spend distribution, charts (PNG, SVG), tables (CSV, JSON, Parquet) and workbook.xlsx.
    /// Its ledger is the base scenario's first run.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
    /// Write the first run's generated traffic (base scenario) as a canonical CSV log:
    /// `wacost replay FILE --timezone TZ` prices it to that run's total.
    #[arg(long, value_name = "FILE")]
    pub export_log: Option<PathBuf>,
}

/// A scenario as a command runs it: the scenario, where it comes from, the first seed and
/// the classification options (currency, business profile).
pub struct Simulated<'a> {
    /// The scenario.
    pub scenario: &'a Scenario,
    /// Its file, for messages and reports.
    pub origin: &'a str,
    /// The first run's seed.
    pub seed: u64,
    /// Currency and business profile (the time zone is the scenario's).
    pub classify: ClassifyConfig,
}

impl<'a> Simulated<'a> {
    /// The scenario with the global options and `--seed` (default: the scenario's).
    pub fn new(
        global: &Global,
        scenario: &'a Scenario,
        origin: &'a str,
        seed: Option<u64>,
    ) -> Result<Simulated<'a>, Failure> {
        Ok(Simulated {
            scenario,
            origin,
            seed: seed.unwrap_or(scenario.seed),
            classify: ClassifyConfig {
                timezone: scenario.timezone,
                ..global.classify_config()?
            },
        })
    }
}

/// The strategies asked for (`--strategy`), checked against the scenario; default: all.
pub fn chosen_strategies(
    scenario: &Scenario,
    origin: &str,
    asked: &[String],
) -> Result<Vec<String>, Failure> {
    if asked.is_empty() {
        return Ok(scenario.strategy_names());
    }
    for name in asked {
        if !scenario.strategies.contains_key(name) {
            let known = scenario.strategy_names().join(", ");
            return Err(Failure::usage(format!(
                "--strategy {name}: {origin} has no [strategies.{name}] (it has: {})",
                if known.is_empty() { "none" } else { &known }
            )));
        }
    }
    Ok(asked.to_vec())
}

/// Runs the Monte Carlo simulation of a scenario: `runs` runs of the base and of each
/// strategy, with a progress bar on a terminal.
pub fn simulate(
    book: &RateBook,
    sim: &Simulated,
    runs: u32,
    strategies: Vec<String>,
) -> Result<MonteCarlo, Failure> {
    let options = MonteCarloOptions {
        runs,
        seed: sim.seed,
        strategies,
        workers: 2,
        classify: sim.classify,
    };
    let bar = super::progress::runs_bar(runs);
    let progress = || {
        if let Some(b) = &bar {
            b.inc(1);
        }
    };
    let result = monte_carlo(book, sim.scenario, &options, &progress).map_err(Failure::from);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    result
}

/// Runs `wacost simulate`.
pub fn run(global: &Global, args: &SimulateArgs) -> Result<(), Failure> {
    if args.runs == 0 {
        return Err(Failure::usage("--runs must be at least 1"));
    }
    let scenario = Scenario::load(&args.scenario).map_err(Failure::input)?;
    let origin = args.scenario.display().to_string();
    let strategies = chosen_strategies(&scenario, &origin, &args.strategies)?;
    let sim = Simulated::new(global, &scenario, &origin, args.seed)?;
    let seed = sim.seed;
    let book = global.rate_book()?;
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
    let result = simulate(&book, &sim, args.runs, strategies)?;
    let doc = simulation::to_json(&result, &scenario, &origin);
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir)
            .map_err(|e| Failure::input(format!("{}: {e}", dir.display())))?;
        std::fs::write(
            dir.join("summary.json"),
            serde_json::to_string_pretty(&doc)? + "\n",
        )?;
        std::fs::write(
            dir.join("runs.csv"),
            simulation::runs_table(&result).to_csv()?,
        )?;
    }
    if let Some(dir) = &args.report {
        let section = simulation::section(&result, &scenario, &origin);
        let written = write_first_run_report(global, &book, &sim, dir, None, section)?;
        eprintln!("wacost: report written to {}", written.display());
    }
    match args.format {
        Format::Table => print!("{}", simulation::to_text(&result, &scenario)),
        Format::Json => println!("{}", serde_json::to_string_pretty(&doc)?),
        Format::Csv => print!("{}", simulation::runs_table(&result).to_csv()?),
    }
    Ok(())
}

/// Writes the full report of a simulated scenario into `dir`: its ledger, charts and tables
/// are the base scenario's first run (seed `sim.seed`, its `[rules]` applied), with
/// `comparison` (the providers on that run) and the simulation's own section. Returns the
/// page.
pub fn write_first_run_report(
    global: &Global,
    book: &RateBook,
    sim: &Simulated,
    dir: &Path,
    comparison: Option<&Comparison>,
    section: SimulationSection,
) -> Result<PathBuf, Failure> {
    let scenario = sim.scenario;
    let book = scenario.rules.apply(book);
    let generator = Generator::new(scenario, sim.seed).map_err(Failure::input)?;
    let mut none = NoLines;
    let mut collect = Collect::new(&mut none, KEPT_LINES);
    let priced = price_run(&generator, sim.seed, &book, sim.classify, &mut collect, 2)?;
    let events = priced.stats.inbound + priced.stats.outbound;
    let outcome = Outcome {
        events,
        rows: events,
        ledger: priced.ledger,
        stats: priced.stats,
        settlement: priced.settlement,
        skipped: BTreeMap::new(),
        sorted: false,
        contacts: priced.contacts,
        usage: priced.usage,
        reader_notes: Vec::new(),
    };
    let name = scenario
        .name
        .clone()
        .unwrap_or_else(|| sim.origin.to_string());
    let mut run = super::report::run_info(&[sim.origin.to_string()], global, false);
    run.timezone = scenario.timezone.name().to_string();
    run.seed = Some(sim.seed);
    let mut report = Report::builder(&outcome, &book)
        .title(format!("Simulated WhatsApp Business spend: {name}"))
        .source(format!(
            "{}: base scenario, first run (seed {})",
            sim.origin, sim.seed
        ))
        .run(run)
        .first_note(format!(
            "simulated traffic: the total at the top, the ledger, its charts and tables are one \
             run of the base scenario (seed {}), not an average; the spread over all runs is in \
             the simulation's charts and tables",
            sim.seed
        ))
        .collected(collect)
        .simulation(section);
    if let Some(c) = comparison {
        report = report.comparison(c);
    }
    let report = report.build();
    let written = super::report::write(dir, &report, &book)?;
    Ok(written.index)
}
