//! `wacost replay`: price a message log exactly, and say which rule priced every message.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use wacost::pricing::RateBook;
use wacost::read::detect::FormatOptions;
use wacost::replay::{
    LineSink, NoLines, Outcome, ReplayOptions, Source, read_events, replay_with_progress,
};
use wacost::report::bundle::{Collect, KEPT_LINES};
use wacost::report::output::{OutputDir, OutputFile};
use wacost::report::{Report, RunFolder};
use wacost::summary::Summary;
use wacost::whatif::{self, WhatIf};

use super::input::InputArgs;
use super::outputs::Plan;
use super::period::PeriodArgs;
use super::progress::Progress;
use super::terminal::{out, outln};
use super::{Failure, Format, Global};

/// Arguments of `wacost replay`.
#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// Logs (`-` reads standard input): canonical CSV, Cloud API webhooks (a file or a
    /// folder of .json), Twilio exports, chat exports or Parquet. Several logs are one log.
    #[arg(value_name = "LOG", required = true)]
    logs: Vec<String>,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    /// Count unreadable rows and go on, instead of stopping at the first.
    #[arg(long)]
    skip_invalid: bool,
    /// Write skipped rows with their reason to this CSV file (with --skip-invalid).
    #[arg(long, value_name = "FILE")]
    rejects: Option<PathBuf>,
    /// Write every charge line (lines.csv, lines.parquet), the ledger (ledger.parquet) and
    /// the summary (summary.json) to this folder (`wacost report DIR` makes a report of it).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Write the full report to this folder: index.html (open it in a browser), charts
    /// (PNG, SVG), summary and ledger (CSV, JSON, Parquet) and workbook.xlsx.
    #[arg(long, value_name = "DIR")]
    report: Option<PathBuf>,
    /// Show full phone numbers in written lines and reports (masked by default).
    #[arg(long)]
    show_contacts: bool,
    /// Price the log with one change applied (repeatable, applied in turn):
    /// utility-in-window[=HOURS], fewer-marketing[=K], allowance-per-waba, service-free,
    /// regimes=FILE. `wacost advise` lists those that save; a switch of provider is
    /// `wacost compare`.
    #[arg(long = "what-if", value_name = "ID")]
    what_if: Vec<String>,
    #[command(flatten)]
    period: PeriodArgs,
    #[command(flatten)]
    input: InputArgs,
}

/// Prints a run's summary in the format asked for (without the run's record, which only the
/// written `summary.json` holds).
pub fn print_summary(summary: &Summary, format: Format) -> Result<(), Failure> {
    let mut summary = summary.clone();
    summary.run = None;
    match format {
        Format::Table => out!("{}", summary.to_text()),
        Format::Json => outln!("{}", summary.to_json()),
        Format::Csv => out!("{}", summary.to_csv()?),
    }
}

/// Runs `wacost replay`. Outputs are written into temporary siblings and put in place only
/// when the run succeeds ([`wacost::report::output`]); `--out` and `--report` may name the
/// same folder.
pub fn run(global: &Global, args: &ReplayArgs) -> Result<(), Failure> {
    if args.rejects.is_some() && !args.skip_invalid {
        return Err(Failure::usage("--rejects needs --skip-invalid"));
    }
    Plan::new(global)
        .log_inputs(&args.logs, &args.input)
        .file("--rejects", args.rejects.as_ref())
        .folder("--out", args.out.as_ref())
        .folder("--report", args.report.as_ref())
        .folders_may_coincide()
        .check()?;
    let book = global.rate_book()?;
    let sources: Vec<Source> = super::input::sources(&args.logs);
    let mut options = global.replay_options(args.skip_invalid)?;
    options.show_contacts = args.show_contacts;
    let formats = args.input.format_options(global)?;
    let mut rejects = match &args.rejects {
        Some(p) => {
            let mut f = OutputFile::create(p).map_err(super::report::failure)?;
            f.write_all(b"file,line,reason,row\n")
                .map_err(|e| Failure::input(format!("{}: {e}", p.display())))?;
            Some(f)
        }
        None => None,
    };
    let what_ifs = parse_what_ifs(&args.what_if)?;
    // Lines priced under what-ifs carry their ids.
    let tag = (!what_ifs.is_empty()).then(|| {
        what_ifs
            .iter()
            .map(WhatIf::id)
            .collect::<Vec<_>>()
            .join("+")
    });
    let same = match (&args.out, &args.report) {
        (Some(o), Some(r)) => super::outputs::same_place(o, r),
        _ => false,
    };
    let out = args
        .out
        .as_ref()
        .map(|d| OutputDir::create(d))
        .transpose()
        .map_err(super::report::failure)?;
    let report_dir = match &args.report {
        Some(d) if !same => Some(OutputDir::create(d).map_err(super::report::failure)?),
        _ => None,
    };
    let folder = out.as_ref().map(|o| RunFolder::new(o.path()));
    let mut files = match &folder {
        Some(f) => Some(
            f.line_files_under(&book.names, args.show_contacts, tag)
                .map_err(super::report::failure)?,
        ),
        None => None,
    };
    let mut none = NoLines;
    let sink: &mut dyn LineSink = match files.as_mut() {
        Some(f) => f,
        None => &mut none,
    };
    // With --report, also keep what the report shows beyond the ledger (the first lines and
    // every contact's totals); without it, lines go straight to the files.
    let mut collect = None;
    let target: &mut dyn LineSink = if args.report.is_some() {
        collect.insert(Collect::new(sink, KEPT_LINES))
    } else {
        sink
    };
    let period = args.period.period()?;
    let mut applied = Vec::new();
    let mut edited = None;
    let outcome = if what_ifs.is_empty() && period.is_all() {
        stream(
            &book,
            &sources,
            options,
            &formats,
            target,
            rejects.as_mut().map(|w| w as &mut dyn Write),
        )?
    } else {
        // What-ifs look ahead in each contact's messages, and a period needs the whole log
        // priced: the log is held in memory (about 150 bytes an event).
        let log = read_events(
            &sources,
            options,
            &formats,
            rejects.as_mut().map(|w| w as &mut dyn Write),
        )?;
        let run = whatif::run(&book, options.classify, &log, &what_ifs, &period, target)?;
        applied = run.applied;
        edited = Some(run.book);
        run.outcome
    };
    // The rule what-ifs priced the log with an edited rate book: the report shows its rules.
    let book = edited.as_ref().unwrap_or(&book);
    let mut report = Report::builder(&outcome, book)
        .source(args.logs.join(", "))
        .run(super::report::run_info(
            &args.logs,
            global,
            args.show_contacts,
        ))
        .show_contacts(args.show_contacts);
    if let Some(c) = collect {
        report = report.collected(c);
    }
    let mut report = report.build();
    report.summary.what_if = applied;
    if let (Some(f), Some(folder)) = (files, &folder) {
        f.finish()
            .map_err(|e| Failure::input(format!("{}: {e}", folder.dir().display())))?;
        folder
            .write(&report, book)
            .map_err(super::report::failure)?;
    }
    // The report goes into its own folder, or next to the lines when it is the same one.
    let page_dir = report_dir
        .as_ref()
        .or(if same { out.as_ref() } else { None });
    if let Some(dir) = page_dir {
        super::report::write(dir.path(), &report, book)?;
    }
    // Every output is complete: put them in place.
    if let Some(f) = rejects {
        f.commit().map_err(super::report::failure)?;
    }
    if let Some(o) = out {
        o.commit().map_err(super::report::failure)?;
    }
    if let Some(r) = report_dir {
        r.commit().map_err(super::report::failure)?;
    }
    if let Some(dir) = &args.report {
        super::terminal::note(&format!(
            "report written to {}",
            dir.join(wacost::report::bundle::INDEX).display()
        ));
    }
    print_summary(&report.summary, args.format)
}

/// Parses `--what-if` ids.
pub fn parse_what_ifs(ids: &[String]) -> Result<Vec<WhatIf>, Failure> {
    ids.iter()
        .map(|id| WhatIf::parse(id).map_err(super::hint::what_if))
        .collect()
}

/// Replays the log streaming, with a progress bar for files.
fn stream(
    book: &RateBook,
    sources: &[Source],
    options: ReplayOptions,
    formats: &FormatOptions,
    target: &mut dyn LineSink,
    rejects: Option<&mut dyn Write>,
) -> Result<Outcome, Failure> {
    let progress = Progress::for_sources(sources);
    let outcome = replay_with_progress(
        book,
        sources,
        options,
        formats,
        target,
        rejects,
        &progress
            .as_ref()
            .map(|p| p.bytes.clone())
            .unwrap_or_default(),
    );
    if let Some(p) = progress {
        p.finish();
    }
    Ok(outcome?)
}
