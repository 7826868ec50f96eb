//! `wacost report`: rebuild the full report (HTML page, charts, tables, workbook) from a
//! folder `wacost replay --out DIR` wrote; and what `replay`, `compare` and `demo` share to
//! write one with `--report DIR`.

use std::fs::File;
use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::{Value, json};
use wacost::report::bundle::{self, Report, Written};

use super::{Failure, Global};

/// Arguments of `wacost report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// A folder written by `wacost replay --out DIR` (it holds ledger.parquet and
    /// summary.json).
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
pub fn run_info(inputs: &[String], global: &Global, show_contacts: bool) -> Value {
    json!({
        "inputs": inputs,
        "timezone": global.timezone.name(),
        "currency": global.currency.to_string(),
        "show_contacts": show_contacts,
        "wacost": env!("CARGO_PKG_VERSION"),
    })
}

/// The summary document with the run's information under `run`.
pub fn with_run(mut summary: Value, run: Value) -> Value {
    if let Value::Object(m) = &mut summary {
        m.insert("run".into(), run);
    }
    summary
}

/// The assumptions of a run that the report cannot tell by itself.
pub fn assumptions(timezone: &str) -> Vec<String> {
    vec![format!(
        "days, months and rate-card changes start at 00:00 in the WABA's time zone: {timezone}"
    )]
}

/// Writes a report and says where it is.
pub fn write(dir: &Path, report: &Report) -> Result<Written, Failure> {
    let written = bundle::write(dir, report).map_err(Failure::input)?;
    Ok(written)
}

fn read_json(path: &Path) -> Result<Value, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure::input(format!(
            "{}: {e} (give a folder written by `wacost replay --out DIR`)",
            path.display()
        ))
    })?;
    serde_json::from_str(&text).map_err(|e| Failure::input(format!("{}: {e}", path.display())))
}

/// Runs `wacost report`.
pub fn run(global: &Global, args: &ReportArgs) -> Result<(), Failure> {
    let mut book = global.rate_book()?;
    let summary_path = args.dir.join(bundle::SUMMARY_JSON);
    let ledger_path = args.dir.join(bundle::LEDGER_PARQUET);
    let summary = read_json(&summary_path)?;
    let file = File::open(&ledger_path).map_err(|e| {
        Failure::input(format!(
            "{}: {e} (give a folder written by `wacost replay --out DIR`)",
            ledger_path.display()
        ))
    })?;
    let mut ledger = wacost::report::frame::read_parquet(file, &mut book.names)
        .map_err(|e| Failure::input(format!("{}: {e}", ledger_path.display())))?;
    if ledger.rows().is_empty()
        && let Some(c) = summary.get("currency").and_then(Value::as_str)
        && let Ok(c) = c.parse()
    {
        ledger.currency = c;
    }
    let mut notes: Vec<String> = summary
        .get("notes")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let run = summary.get("run").cloned().unwrap_or(Value::Null);
    let source = run
        .get("inputs")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| args.dir.display().to_string());
    let timezone = run
        .get("timezone")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| global.timezone.name().to_string());
    let written_in_full = run
        .get("show_contacts")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let lines_path = args.dir.join("lines.parquet");
    let contacts = if lines_path.is_file() {
        bundle::top_contacts_from_parquet(&lines_path, bundle::TOP_CONTACTS, args.show_contacts)
            .map_err(|e| Failure::input(format!("{}: {e}", lines_path.display())))?
    } else {
        Vec::new()
    };
    if args.show_contacts && !written_in_full && !contacts.is_empty() {
        notes.push(
            "the lines were written with contacts masked: run `wacost replay --out DIR \
             --show-contacts` to report full numbers"
                .to_string(),
        );
    }
    notes.push(format!(
        "rebuilt by `wacost report` from {}",
        args.dir.display()
    ));
    let mut report = Report::from_ledger(&ledger, &book, summary.clone(), notes, source);
    report.assumptions = assumptions(&timezone);
    report.contacts = contacts;
    report.show_contacts = args.show_contacts && written_in_full;
    let out = args.to.as_ref().unwrap_or(&args.dir);
    let written = write(out, &report)?;
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
