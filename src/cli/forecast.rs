//! `wacost forecast`: next months' spend, learnt from the user's own log.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use wacost::forecast::{ForecastError, ForecastOptions, forecast};
use wacost::period::Period;
use wacost::replay::read_events;

use wacost::report::output::OutputFile;

use super::advise::{TextOrJson, write_report};
use super::input::InputArgs;
use super::outputs::Plan;
use super::period::PeriodArgs;
use super::terminal::{out, outln};
use super::{Failure, Global};

/// Arguments of `wacost forecast`.
#[derive(Args, Debug)]
pub struct ForecastArgs {
    /// Logs (`-` reads standard input), as `replay` reads them. Several logs are one log.
    #[arg(value_name = "LOG", required = true)]
    logs: Vec<String>,
    /// Calendar months to forecast, after the last month learnt from (1 to 120).
    #[arg(long, value_name = "N")]
    months: u32,
    /// Monte Carlo runs (seeds SEED, SEED+1, …).
    #[arg(long, value_name = "R", default_value_t = 100)]
    runs: u32,
    /// The first run's seed (written into the scenario).
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: TextOrJson,
    /// Write the scenario learnt from the log to this TOML file: edit it and run
    /// `wacost simulate FILE` (it simulates to the same figures).
    #[arg(long, value_name = "FILE")]
    write_scenario: Option<PathBuf>,
    /// Write the log's report (as `replay --report`) to this folder, with forecast.json and
    /// scenario.toml (the learnt scenario).
    #[arg(long, value_name = "DIR")]
    report: Option<PathBuf>,
    /// Count unreadable rows and go on, instead of stopping at the first.
    #[arg(long)]
    skip_invalid: bool,
    /// The days to learn from (default: the whole log).
    #[command(flatten)]
    period: PeriodArgs,
    #[command(flatten)]
    input: InputArgs,
}

/// Runs `wacost forecast`.
pub fn run(global: &Global, args: &ForecastArgs) -> Result<(), Failure> {
    if !(1..=120).contains(&args.months) {
        return Err(Failure::usage("--months: give 1 to 120 months"));
    }
    if args.runs == 0 {
        return Err(Failure::usage("--runs: give at least 1 run"));
    }
    Plan::new(global)
        .log_inputs(&args.logs, &args.input)
        .file("--write-scenario", args.write_scenario.as_ref())
        .folder("--report", args.report.as_ref())
        .check()?;
    let book = global.rate_book()?;
    let options = global.replay_options(args.skip_invalid)?;
    let formats = args.input.format_options(global)?;
    let period = args.period.period()?;
    let sources = super::input::sources(&args.logs);
    let log = read_events(&sources, options, &formats, None)?;
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(2);
    let f = forecast(
        &book,
        options.classify,
        &log,
        &period,
        &ForecastOptions {
            months: args.months,
            runs: args.runs,
            seed: args.seed,
            workers,
        },
    )
    .map_err(|e| match e {
        ForecastError::Price(r) => Failure::from(r),
        other => Failure::input(other),
    })?;
    if let Some(path) = &args.write_scenario {
        let mut file = OutputFile::create(path).map_err(super::report::failure)?;
        file.write_all(f.scenario.as_bytes())
            .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
        file.commit().map_err(super::report::failure)?;
        super::terminal::note(&format!("scenario written to {}", path.display()));
    }
    if let Some(dir) = &args.report {
        let beside = [
            ("forecast.json", f.to_json()),
            ("scenario.toml", f.scenario.clone()),
        ];
        write_report(
            global,
            &args.logs,
            dir,
            &book,
            &log,
            &Period::all(),
            |b| b.forecast(f.clone()),
            &beside,
        )?;
    }
    match args.format {
        TextOrJson::Table => out!("{}", f.to_text()),
        TextOrJson::Json => outln!("{}", f.to_json()),
    }
}
