//! `wacost report`: rebuild the full report (HTML page, charts, tables, workbook) from a
//! folder `wacost replay --out DIR` (or any `--report DIR`) wrote; and what `replay`,
//! `compare`, `simulate` and `demo` share to write one.

use std::path::{Path, PathBuf};

use clap::Args;
use wacost::pricing::RateBook;
use wacost::report::bundle::{self, Written};
use wacost::report::{Report, ReportError, RunFolder};
use wacost::summary::RunInfo;

use super::{Failure, Global};

/// Arguments of `wacost report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// A folder written by `wacost replay --out DIR` or by a command's `--report DIR` (it
    /// holds summary.json and ledger.parquet).
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// Write the report to this folder instead of DIR.
    #[arg(long, value_name = "OUT")]
    to: Option<PathBuf>,
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

/// Writes a report and says where it is.
pub fn write(dir: &Path, report: &Report, book: &RateBook) -> Result<Written, Failure> {
    bundle::write(dir, report, book).map_err(failure)
}

/// Runs `wacost report`.
pub fn run(global: &Global, args: &ReportArgs) -> Result<(), Failure> {
    let mut book = global.rate_book()?;
    let folder = RunFolder::new(&args.dir);
    let mut report = folder
        .read(&mut book.names, args.show_contacts)
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
    let out = args.to.as_ref().unwrap_or(&args.dir);
    let written = write(out, &report, &book)?;
    let ledger = &report.ledger;
    println!("Report: {}", written.index.display());
    println!(
        "Total spend: {} {} ({} messages priced, {} charged)",
        ledger.currency,
        ledger.total(),
        ledger.messages(),
        ledger.charged()
    );
    Ok(())
}
