//! `wacost simulate`: price a scenario of expected traffic, many times over, and compare
//! strategies with the same random numbers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Args;
use wacost::classify::ClassifyConfig;
use wacost::pricing::RateBook;
use wacost::providers::Comparison;
use wacost::replay::{NoLines, Outcome};
use wacost::report::Report;
use wacost::report::bundle::{Collect, KEPT_LINES, SimulationSection};
use wacost::report::output::{OutputDir, OutputFile};
use wacost::report::simulation;
use wacost::simulate::{
    Generator, Limits, MonteCarlo, MonteCarloOptions, Scenario, Workload, monte_carlo, price_run,
    write_log,
};

use super::outputs::Plan;
use super::terminal::{note, out, outln};
use super::{Failure, Format, Global};

/// How much memory and time a simulation may take before it is refused (see
/// `wacost::simulate::budget`).
#[derive(Args, Debug, Clone, Copy)]
pub struct LimitArgs {
    /// Refuse a simulation estimated to need more memory than this (e.g. 512M, 16G).
    #[arg(long, value_name = "SIZE", default_value = "8G", value_parser = parse_size)]
    pub max_memory: u64,
    /// Refuse a simulation estimated to run longer than this (e.g. 90s, 30m, 12h, 2d).
    #[arg(long, value_name = "TIME", default_value = "1h", value_parser = parse_duration)]
    pub max_time: f64,
}

impl LimitArgs {
    /// The limits the options give.
    pub fn limits(&self) -> Limits {
        Limits {
            memory: self.max_memory,
            seconds: self.max_time,
        }
    }
}

fn parse_size(s: &str) -> Result<u64, String> {
    wacost::simulate::budget::parse_size(s).map_err(|e| e.to_string())
}

fn parse_duration(s: &str) -> Result<f64, String> {
    wacost::simulate::budget::parse_duration(s).map_err(|e| e.to_string())
}

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
    #[command(flatten)]
    pub limits: LimitArgs,
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
/// strategy, with a progress bar on a terminal; refused when it would take more than
/// `limits`.
pub fn simulate(
    book: &RateBook,
    sim: &Simulated,
    runs: u32,
    strategies: Vec<String>,
    limits: Limits,
) -> Result<MonteCarlo, Failure> {
    let options = MonteCarloOptions {
        runs,
        seed: sim.seed,
        strategies,
        workers: 2,
        classify: sim.classify,
        limits,
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

/// Runs `wacost simulate`: checks the inputs and outputs, refuses a simulation beyond the
/// limits before anything runs, and puts every output in place only once all are written.
pub fn run(global: &Global, args: &SimulateArgs) -> Result<(), Failure> {
    if args.runs == 0 {
        return Err(Failure::usage("--runs must be at least 1"));
    }
    Plan::new(global)
        .input("the scenario", &args.scenario)
        .file("--export-log", args.export_log.as_ref())
        .folder("--out", args.out.as_ref())
        .folder("--report", args.report.as_ref())
        .check()?;
    let scenario = Scenario::load(&args.scenario).map_err(Failure::input)?;
    let origin = args.scenario.display().to_string();
    let strategies = chosen_strategies(&scenario, &origin, &args.strategies)?;
    // The Monte Carlo runs, and the first run again for the report and for the log.
    let extra = u64::from(args.report.is_some()) + u64::from(args.export_log.is_some());
    Workload::new(&scenario, &strategies, u64::from(args.runs) + extra, 2)
        .map_err(Failure::input)?
        .check(&args.limits.limits())?;
    let sim = Simulated::new(global, &scenario, &origin, args.seed)?;
    let seed = sim.seed;
    let book = global.rate_book()?;
    // The output folders are taken (locked, checked to be wacost's) before the runs, so that
    // a folder that cannot be written is said at once rather than after the simulation.
    let folder = |dir: &Option<PathBuf>| {
        dir.as_ref()
            .map(|d| OutputDir::create(d))
            .transpose()
            .map_err(super::report::failure)
    };
    let out_dir = folder(&args.out)?;
    let report_dir = folder(&args.report)?;
    let mut log = None;
    if let Some(path) = &args.export_log {
        let generator = Generator::new(&scenario, seed).map_err(Failure::input)?;
        let mut file = OutputFile::create(path).map_err(super::report::failure)?;
        let rows = write_log(&mut file, generator.events())
            .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
        let mut text = format!(
            "wrote {rows} messages of the run with seed {seed} to {}; `wacost replay {} \
             --timezone {}` prices them to that run's total",
            path.display(),
            path.display(),
            scenario.timezone
        );
        if !scenario.rules.is_default() {
            text.push_str(" (with the scenario's [rules] what-ifs as a --regimes file)");
        }
        log = Some((file, text));
    }
    let result = simulate(&book, &sim, args.runs, strategies, args.limits.limits())?;
    let doc = simulation::to_json(&result, &scenario, &origin);
    if let Some(out) = &out_dir {
        let write = |name: &str, text: String| {
            let path = out.path().join(name);
            std::fs::write(&path, text)
                .map_err(|e| Failure::input(format!("{}: {e}", path.display())))
        };
        write("summary.json", serde_json::to_string_pretty(&doc)? + "\n")?;
        write("runs.csv", simulation::runs_table(&result).to_csv()?)?;
    }
    if let Some(out) = &report_dir {
        let section = simulation::section(&result, &scenario, &origin);
        write_first_run_report(global, &book, &sim, out.path(), None, section)?;
    }
    // Every output is complete: put them in place.
    if let Some((file, text)) = log {
        file.commit().map_err(super::report::failure)?;
        note(&text);
    }
    if let Some(out) = out_dir {
        out.commit().map_err(super::report::failure)?;
    }
    if let (Some(out), Some(dir)) = (report_dir, &args.report) {
        out.commit().map_err(super::report::failure)?;
        note(&format!(
            "report written to {}",
            dir.join(wacost::report::bundle::INDEX).display()
        ));
    }
    match args.format {
        Format::Table => out!("{}", simulation::to_text(&result, &scenario)),
        Format::Json => outln!("{}", serde_json::to_string_pretty(&doc)?),
        Format::Csv => out!("{}", simulation::runs_table(&result).to_csv()?),
    }
}

/// Writes the full report of a simulated scenario into `dir` (a folder being written): its
/// ledger, charts and tables are the base scenario's first run (seed `sim.seed`, its
/// `[rules]` applied), with `comparison` (the providers on that run) and the simulation's
/// own section. Returns the page.
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
        facts: priced.facts,
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
