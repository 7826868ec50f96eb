//! `wacost compare`: what a log, or a scenario's simulated traffic, would cost with each
//! provider (BSP), Meta's fees and the provider's own, in one currency, cheapest first.
//!
//! The part after "we have a Ledger and Usage" is [`comparison`] and [`render`], shared by
//! logs and the demo; a scenario (`--scenario`) is priced run by run and each provider's
//! totals over the runs are compared ([`wacost::simulate::compare_providers`]).
//! [`ProviderOptions`] holds the options a comparison needs and can be flattened into another
//! command's arguments.

use std::path::{Path, PathBuf};

use clap::{ArgGroup, Args};
use wacost::fx::FxTable;
use wacost::ledger::Ledger;
use wacost::money::Currency;
use wacost::pricing::DataSource;
use wacost::providers::{BillOptions, Comparison, Provider, Providers, compare};
use wacost::replay::{NoLines, replay_with};
use wacost::report::Report;
use wacost::report::bundle::{Collect, KEPT_LINES};
use wacost::report::comparison::{self as view, ProvidersDocument};
use wacost::report::output::OutputDir;
use wacost::report::simulation;
use wacost::simulate::{ProviderRuns, ProviderRunsOptions, Scenario, Workload, compare_providers};
use wacost::usage::Usage;

use super::outputs::Plan;
use super::simulate::{LimitArgs, Simulated};
use super::terminal::{note, out};
use super::{Failure, Format, Global};

/// The options of a provider comparison, whatever the input.
#[derive(Args, Debug, Clone)]
pub struct ProviderOptions {
    /// Providers to compare, by name, comma-separated (default: every provider known).
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    pub providers: Vec<String>,
    /// Add or replace providers with this TOML file (format: data/providers.toml).
    #[arg(long, value_name = "FILE")]
    pub providers_file: Option<PathBuf>,
    /// Exchange rates `date,from,to,rate,source` (replaces the default snapshot, which holds
    /// Meta's rate-card ratios, not market rates).
    #[arg(long, value_name = "FILE")]
    pub fx: Option<PathBuf>,
    /// Seats (users, agents) for per-seat fees.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seats: u64,
    /// Business numbers billed each month for per-number fees (default: the numbers with
    /// traffic in the month).
    #[arg(long, value_name = "N")]
    pub numbers: Option<u64>,
    /// The currency of the comparison (the global --currency is the rate card's).
    #[arg(long, value_name = "CUR", default_value = "USD")]
    pub report_currency: Currency,
}

impl Default for ProviderOptions {
    /// Every provider known, the default FX snapshot, one seat, USD.
    fn default() -> ProviderOptions {
        ProviderOptions {
            providers: Vec::new(),
            providers_file: None,
            fx: None,
            seats: 1,
            numbers: None,
            report_currency: Currency::USD,
        }
    }
}

/// Arguments of `wacost compare`: exactly one of `--log` and `--scenario`.
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("traffic").required(true).args(["logs", "scenario"])))]
pub struct CompareArgs {
    /// Logs in canonical CSV (`-` reads standard input). Several logs are one log.
    #[arg(long = "log", value_name = "LOG", num_args = 1..)]
    pub logs: Vec<String>,
    /// Compare the providers on a scenario's simulated traffic instead of a log (TOML; see
    /// data/scenarios/shop.toml): every run of the base scenario billed under each provider,
    /// P5, P50 and P95 of each provider's total.
    #[arg(long, value_name = "SCENARIO")]
    pub scenario: Option<PathBuf>,
    /// With --scenario: how many runs (seeds SEED, SEED+1, …) [default: 100].
    #[arg(long, value_name = "N")]
    pub runs: Option<u32>,
    /// With --scenario: the first run's seed (default: the scenario's `seed`).
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Providers, currency and rates.
    #[command(flatten)]
    pub options: ProviderOptions,
    /// How to read the logs.
    #[command(flatten)]
    pub input: super::input::InputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Also write the full report (the replay of the log and the comparison) to this
    /// folder: index.html, charts, tables, workbook.xlsx.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
    /// Show full phone numbers in the report (masked by default).
    #[arg(long)]
    pub show_contacts: bool,
    /// With --scenario: how much memory and time the runs may take.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Runs `wacost compare`.
pub fn run(global: &Global, args: &CompareArgs) -> Result<(), Failure> {
    Plan::new(global)
        .log_inputs(&args.logs, &args.input)
        .maybe_input("the scenario", args.scenario.as_ref())
        .maybe_input(
            "the providers file (--providers-file)",
            args.options.providers_file.as_ref(),
        )
        .maybe_input("the exchange rates (--fx)", args.options.fx.as_ref())
        .folder("--report", args.report.as_ref())
        .check()?;
    if let Some(path) = &args.scenario {
        return run_scenario(global, args, path);
    }
    if args.runs.is_some() || args.seed.is_some() {
        return Err(Failure::usage(
            "--runs and --seed simulate a scenario: give --scenario FILE (a log is priced once)",
        ));
    }
    let book = global.rate_book()?;
    let sources = super::input::sources(&args.logs);
    let options = global.replay_options(false)?;
    let keep = if args.report.is_some() { KEPT_LINES } else { 0 };
    let mut none = NoLines;
    let mut collect = Collect::new(&mut none, keep);
    let formats = args.input.format_options(global)?;
    let outcome = replay_with(&book, &sources, options, &formats, &mut collect, None)?;
    let comparison = comparison(&outcome.ledger, &outcome.usage, &args.options)?;
    out!(
        "{}",
        render(&comparison, &outcome.ledger, &outcome.usage, args.format)?
    )?;
    if let Some(dir) = &args.report {
        let report = Report::builder(&outcome, &book)
            .source(args.logs.join(", "))
            .run(super::report::run_info(
                &args.logs,
                global,
                args.show_contacts,
            ))
            .comparison(&comparison)
            .show_contacts(args.show_contacts)
            .collected(collect)
            .build();
        let index = super::report::write_folder(dir, &report, &book)?;
        note(&format!("report written to {}", index.display()));
    }
    Ok(())
}

/// The providers chosen, the user's file merged over the defaults.
pub fn load_providers(options: &ProviderOptions) -> Result<Providers, Failure> {
    let mut providers = Providers::embedded();
    if let Some(path) = &options.providers_file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
        providers.merge(Providers::parse(&text, &DataSource::file(path))?);
    }
    Ok(providers)
}

/// The FX table: the user's file, or the default snapshot.
pub fn load_fx(options: &ProviderOptions) -> Result<FxTable, Failure> {
    match &options.fx {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
            Ok(FxTable::parse(&text, &DataSource::file(path))?)
        }
        None => Ok(FxTable::embedded()),
    }
}

/// Calls `f` with the providers chosen and the bill options (seats, numbers, FX table).
fn with_providers<T>(
    options: &ProviderOptions,
    f: impl FnOnce(&[&Provider], &BillOptions) -> Result<T, Failure>,
) -> Result<T, Failure> {
    let providers = load_providers(options)?;
    let chosen = providers
        .select(&options.providers)
        .map_err(Failure::usage)?;
    let fx = load_fx(options)?;
    let bill_options = BillOptions {
        seats: options.seats,
        numbers: options.numbers,
        fx: &fx,
    };
    f(&chosen, &bill_options)
}

/// Compares the providers for a ledger (Meta's fees) and its usage.
pub fn comparison(
    ledger: &Ledger,
    usage: &Usage,
    options: &ProviderOptions,
) -> Result<Comparison, Failure> {
    with_providers(options, |chosen, bill| {
        compare(chosen, ledger, usage, bill, options.report_currency).map_err(Failure::from)
    })
}

/// Runs of `compare --scenario` unless `--runs` says otherwise.
const DEFAULT_RUNS: u32 = 100;

/// `wacost compare --scenario`: the providers on every run of a simulated scenario.
fn run_scenario(global: &Global, args: &CompareArgs, path: &Path) -> Result<(), Failure> {
    let runs = args.runs.unwrap_or(DEFAULT_RUNS);
    if runs == 0 {
        return Err(Failure::usage("--runs must be at least 1"));
    }
    let scenario = Scenario::load(path).map_err(Failure::input)?;
    let origin = path.display().to_string();
    let sim = Simulated::new(global, &scenario, &origin, args.seed)?;
    let book = global.rate_book()?;
    let options = ProviderRunsOptions {
        runs,
        seed: sim.seed,
        classify: sim.classify,
        currency: args.options.report_currency,
        threads: 2,
        limits: args.limits.limits(),
    };
    // The runs, and the first run again for the report.
    Workload::new(
        &scenario,
        &[],
        u64::from(runs) + u64::from(args.report.is_some()),
        1,
    )
    .map_err(Failure::input)?
    .check(&options.limits)?;
    // Taken before the runs: a folder that cannot be written is said at once.
    let folder = args
        .report
        .as_ref()
        .map(|d| OutputDir::create(d))
        .transpose()
        .map_err(super::report::failure)?;
    let bar = super::progress::runs_bar(runs);
    let progress = || {
        if let Some(b) = &bar {
            b.inc(1);
        }
    };
    let result = with_providers(&args.options, |chosen, bill| {
        compare_providers(&book, &scenario, chosen, bill, &options, &progress)
            .map_err(Failure::from)
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let p = result?;
    out!("{}", render_runs(&p, &scenario, &origin, args.format)?)?;
    if let (Some(dir), Some(folder)) = (&args.report, folder) {
        let section = simulation::providers_section(&p, &scenario, &origin);
        super::simulate::write_first_run_report(
            global,
            &book,
            &sim,
            folder.path(),
            Some(&p.first),
            section,
        )?;
        folder.commit().map_err(super::report::failure)?;
        note(&format!(
            "report written to {}",
            dir.join(wacost::report::bundle::INDEX).display()
        ));
    }
    Ok(())
}

/// Renders providers compared over a scenario's runs as a table with notes, CSV or JSON.
fn render_runs(
    p: &ProviderRuns,
    scenario: &Scenario,
    origin: &str,
    format: Format,
) -> Result<String, Failure> {
    match format {
        Format::Json => Ok(serde_json::to_string_pretty(&simulation::providers_json(
            p, scenario, origin,
        ))? + "\n"),
        Format::Csv => Ok(simulation::providers_table(p).to_csv()?),
        Format::Table => Ok(simulation::providers_text(p, scenario)),
    }
}

/// Renders a comparison as a table with notes, CSV or JSON.
pub fn render(
    c: &Comparison,
    ledger: &Ledger,
    usage: &Usage,
    format: Format,
) -> Result<String, Failure> {
    let outbound = usage.values().map(|u| u.outbound()).sum::<u64>();
    match format {
        Format::Json => {
            Ok(ProvidersDocument::new(c, ledger.currency.code(), outbound).to_json() + "\n")
        }
        Format::Csv => Ok(view::csv_table(c).to_csv()?),
        Format::Table => Ok(view::to_text(c, ledger.currency, usage)),
    }
}
