//! `wacost advise`: the savings found in the user's own log, largest first.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use wacost::advise::{Advice, AdviseOptions, advise};
use wacost::period::Period;
use wacost::pricing::RateBook;
use wacost::replay::{NoLines, ReadLog, read_events};
use wacost::report::{Report, ReportBuilder};
use wacost::whatif;

use wacost::report::output::OutputDir;

use super::input::InputArgs;
use super::outputs::Plan;
use super::period::PeriodArgs;
use super::replay::parse_what_ifs;
use super::terminal::{out, outln};
use super::{Failure, Global};

/// Output format of `advise` and `forecast`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TextOrJson {
    /// Aligned columns and sentences for a terminal.
    #[default]
    Table,
    /// One JSON document.
    Json,
}

/// Arguments of `wacost advise`.
#[derive(Args, Debug)]
pub struct AdviseArgs {
    /// Logs (`-` reads standard input), as `replay` reads them. Several logs are one log.
    #[arg(value_name = "LOG", required = true)]
    logs: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: TextOrJson,
    /// Count unreadable rows and go on, instead of stopping at the first.
    #[arg(long)]
    skip_invalid: bool,
    /// utility-in-window: how many hours a utility template may wait for the customer to
    /// write.
    #[arg(long, value_name = "HOURS", default_value_t = whatif::DEFAULT_WINDOW_HOURS)]
    window_hours: u32,
    /// fewer-marketing: marketing templates a contact still gets each month.
    #[arg(long, value_name = "K", default_value_t = whatif::DEFAULT_MARKETING_PER_MONTH)]
    marketing_per_month: u32,
    /// Also run these what-ifs (repeatable), e.g. regimes=FILE for other rules.
    #[arg(long = "what-if", value_name = "ID")]
    what_if: Vec<String>,
    /// Write the log's report (as `replay --report`) to this folder, with advice.json.
    #[arg(long, value_name = "DIR")]
    report: Option<PathBuf>,
    #[command(flatten)]
    period: PeriodArgs,
    #[command(flatten)]
    input: InputArgs,
}

/// Runs `wacost advise`.
pub fn run(global: &Global, args: &AdviseArgs) -> Result<(), Failure> {
    if !(1..=168).contains(&args.window_hours) {
        return Err(Failure::usage("--window-hours: give 1 to 168 hours"));
    }
    Plan::new(global)
        .log_inputs(&args.logs, &args.input)
        .folder("--report", args.report.as_ref())
        .check()?;
    let book = global.rate_book()?;
    let options = global.replay_options(args.skip_invalid)?;
    let formats = args.input.format_options(global)?;
    let period = args.period.period()?;
    let advise_options = AdviseOptions {
        window_hours: args.window_hours,
        marketing_per_month: args.marketing_per_month,
        more: parse_what_ifs(&args.what_if)?,
    };
    let sources = super::input::sources(&args.logs);
    let log = read_events(&sources, options, &formats, None)?;
    let advice = advise(&book, options.classify, &log, &period, &advise_options)?;
    if let Some(dir) = &args.report {
        let beside = [("advice.json", advice.to_json())];
        write_report(
            global,
            &args.logs,
            dir,
            &book,
            &log,
            &period,
            |b| b.advice(advice.clone()),
            &beside,
        )?;
    }
    print(&advice, args.format)
}

fn print(advice: &Advice, format: TextOrJson) -> Result<(), Failure> {
    match format {
        TextOrJson::Table => out!("{}", advice.to_text()),
        TextOrJson::Json => outln!("{}", advice.to_json()),
    }
}

/// Writes the report of the log (over `period`) to a folder, as `replay --report` does, with
/// what `add` puts in it (the advice, the forecast).
pub fn write_report(
    global: &Global,
    logs: &[String],
    dir: &std::path::Path,
    book: &RateBook,
    log: &ReadLog,
    period: &Period,
    add: impl FnOnce(ReportBuilder) -> ReportBuilder,
    beside: &[(&str, String)],
) -> Result<(), Failure> {
    let config = global.classify_config()?;
    let run = whatif::run(book, config, log, &[], period, &mut NoLines)?;
    let report = add(Report::builder(&run.outcome, book)
        .source(logs.join(", "))
        .run(super::report::run_info(logs, global, false)))
    .build();
    // Whole or not at all: into a temporary sibling that replaces the folder at the end.
    let out = OutputDir::create(dir).map_err(super::report::failure)?;
    let written = super::report::write(out.path(), &report, book)?;
    for (name, text) in beside {
        let path = out.path().join(name);
        std::fs::write(&path, format!("{}\n", text.trim_end()))
            .map_err(|e| Failure::input(format!("{}: {e}", dir.join(name).display())))?;
    }
    out.commit().map_err(super::report::failure)?;
    let index = written.index.file_name().map(|n| dir.join(n));
    super::terminal::note(&format!(
        "report written to {}",
        index.unwrap_or_else(|| dir.to_path_buf()).display()
    ));
    Ok(())
}
