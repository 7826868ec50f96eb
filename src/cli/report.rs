//! `wacost report`: rebuild the full report (HTML page, charts, tables, workbook) from a
//! folder `wacost replay --out DIR` (or any `--report DIR`) wrote; and what `replay`,
//! `compare`, `simulate` and `demo` share to write one.

use std::path::{Path, PathBuf};

use clap::Args;
use wacost::pricing::RateBook;
use wacost::report::bundle::{self, INDEX, Written};
use wacost::report::folder::{LINES_CSV, LINES_PARQUET};
use wacost::report::output::OutputDir;
use wacost::report::{Report, ReportError, RunFolder};
use wacost::summary::RunInfo;

use super::outputs::Plan;
use super::period::PeriodArgs;
use super::terminal::outln;
use super::{Failure, Global};

/// Arguments of `wacost report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// A folder written by `wacost replay --out DIR` or by a command's `--report DIR` (it
    /// holds summary.json and ledger.parquet).
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// Write the report to this folder instead of DIR (DIR is left as it is). Needed with a
    /// period: the run folder keeps the whole run.
    #[arg(long, value_name = "OUT")]
    out: Option<PathBuf>,
    /// The days to report: the run's lines dated in them (the run was priced whole, so no
    /// price changes).
    #[command(flatten)]
    period: PeriodArgs,
    /// Show full phone numbers (when the lines were written with them).
    #[arg(long)]
    show_contacts: bool,
}

/// What `--out` and `--report` record about the run, for `wacost report` to read back: the
/// inputs, the time zone and currency, whether contacts were written in full.
pub fn run_info(inputs: &[String], global: &Global, show_contacts: bool) -> RunInfo {
    RunInfo {
        inputs: inputs.to_vec(),
        timezone: global.timezone.name().to_string(),
        currency: global.currency.to_string(),
        show_contacts,
        wacost: env!("CARGO_PKG_VERSION").to_string(),
        seed: None,
    }
}

/// A report error as the user reads it: a folder that is not a run folder says what to give.
pub fn failure(e: ReportError) -> Failure {
    if e.is_not_found() {
        Failure::input(format!(
            "{e} (give a folder written by `wacost replay --out DIR`)"
        ))
    } else {
        Failure::input(e)
    }
}

/// Writes a report's files into `dir` (a folder being written, see [`write_folder`]).
pub fn write(dir: &Path, report: &Report, book: &RateBook) -> Result<Written, Failure> {
    bundle::write(dir, report, book).map_err(failure)
}

/// Writes a report as the folder `target`, whole or not at all: into a temporary sibling,
/// which replaces `target` once every file is written. Returns the page's path.
pub fn write_folder(target: &Path, report: &Report, book: &RateBook) -> Result<PathBuf, Failure> {
    let out = OutputDir::create(target).map_err(failure)?;
    write(out.path(), report, book)?;
    out.commit().map_err(failure)?;
    Ok(target.join(INDEX))
}

/// Runs `wacost report`. Into the folder itself (no `--out`), the new report replaces the old
/// one whole and keeps the charge lines `replay --out` wrote.
pub fn run(global: &Global, args: &ReportArgs) -> Result<(), Failure> {
    let in_place = args
        .out
        .as_ref()
        .is_none_or(|out| super::outputs::same_place(out, &args.dir));
    let period = args.period.period()?;
    if in_place && !period.is_all() {
        return Err(Failure::usage(format!(
            "a report of period {period} goes to another folder: add --out OUT ({} keeps \
             the whole run)",
            args.dir.display()
        )));
    }
    let mut plan = Plan::new(global);
    if !in_place {
        plan = plan
            .input("the run folder", &args.dir)
            .folder("--out", args.out.as_ref());
    }
    plan.check()?;
    let mut book = global.rate_book()?;
    let folder = RunFolder::new(&args.dir);
    let mut report = folder
        .read_period(&mut book, args.show_contacts, &period)
        .map_err(failure)?;
    let written_in_full = report.summary.run.as_ref().is_some_and(|r| r.show_contacts);
    if args.show_contacts && !written_in_full && !report.contacts.is_empty() {
        report.notes.push(
            "the lines were written with contacts masked: run `wacost replay --out DIR \
             --show-contacts` to report full numbers"
                .to_string(),
        );
    }
    // A report rebuilt from a rebuilt report says where it was rebuilt from once.
    report
        .notes
        .retain(|n| !n.starts_with("rebuilt by `wacost report` from "));
    report.notes.push(format!(
        "rebuilt by `wacost report` from {}",
        args.dir.display()
    ));
    let target = if in_place {
        &args.dir
    } else {
        args.out.as_ref().unwrap_or(&args.dir)
    };
    let out = OutputDir::create(target).map_err(failure)?;
    if in_place {
        out.keep(&[LINES_CSV, LINES_PARQUET]).map_err(failure)?;
    }
    write(out.path(), &report, &book)?;
    out.commit().map_err(failure)?;
    let ledger = &report.ledger;
    outln!("Report: {}", target.join(INDEX).display())?;
    outln!(
        "Total spend: {} {} ({} messages priced, {} charged)",
        ledger.currency,
        ledger.total(),
        ledger.messages(),
        ledger.charged()
    )
}
