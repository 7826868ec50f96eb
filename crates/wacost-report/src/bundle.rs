//! The full report of a run, in one folder:
//!
//! ```text
//! DIR/index.html            the page: headline, period, assumptions and data provenance,
//!                           summary tables, every chart inline, links to the files below
//! DIR/charts/<name>.png     every chart, as PNG and SVG
//! DIR/charts/<name>.svg
//! DIR/summary.json          the summary (as `wacost replay --format json` prints it)
//! DIR/summary.csv           the summary, one row per grouping and key
//! DIR/ledger.parquet        the ledger: totals by day, business, market, country, category,
//! DIR/ledger.csv            pricing type and line kind (exact decimals)
//! DIR/run.json              the rest of the report, for `wacost report DIR` to read back
//! DIR/workbook.xlsx         summary with formula totals, groupings, ledger, charge lines
//! DIR/providers.csv|json    the provider comparison, when there is one
//! DIR/simulation_<name>.csv simulation tables, when there are (also sheets of the workbook)
//! DIR/simulation.json       the simulation's summary, when there is one
//! DIR/simulation_runs.csv   every simulated run's totals, when there are
//! ```
//!
//! [`write()`] writes a [`Report`] there, one function per file; the data files are the
//! [`RunFolder`]'s, so `wacost report DIR` reads back what was written. Everything that comes
//! from a log (business names, market names of a user's card) is escaped on the page
//! ([`crate::html`]); contacts are masked unless [`Report::show_contacts`].

use std::path::{Path, PathBuf};

use chrono::Datelike;
use wacost_core::ledger::Ledger;
use wacost_core::pricing::RateBook;
use wacost_core::text::{csv_number, csv_text};

use crate::charts::{self, Chart};
use crate::comparison::ProvidersDocument;
use crate::error::ReportError;
use crate::folder::RunFolder;
use crate::html::{InlineChart, Link};
use crate::model::Report;
use crate::xlsx;

pub use crate::folder::{LEDGER_PARQUET, SUMMARY_JSON};
pub use crate::model::{Collect, ContactSpend, KEPT_LINES, SimulationSection, TOP_CONTACTS};

/// The page.
pub const INDEX: &str = "index.html";
/// The folder of the charts, inside the report folder.
pub const CHARTS: &str = "charts";
/// The workbook.
pub const WORKBOOK: &str = "workbook.xlsx";
/// The ledger as CSV.
pub const LEDGER_CSV: &str = "ledger.csv";
/// The summary as CSV.
pub const SUMMARY_CSV: &str = "summary.csv";

/// What [`write()`] wrote.
#[derive(Clone, Debug, Default)]
pub struct Written {
    /// The page.
    pub index: PathBuf,
    /// Every file, the page first.
    pub files: Vec<PathBuf>,
}

/// The files of a report as they are written, and the links the page shows to them.
struct Files {
    dir: PathBuf,
    written: Vec<PathBuf>,
    links: Vec<Link>,
}

impl Files {
    fn text(&mut self, name: &str, text: &str) -> Result<(), ReportError> {
        let path = self.dir.join(name);
        std::fs::write(&path, text).map_err(ReportError::io(&path))?;
        self.written.push(path);
        Ok(())
    }

    fn link(&mut self, label: impl Into<String>, href: impl Into<String>) {
        self.links.push(Link::new(label, href));
    }
}

/// Writes the full report into `dir` (created if needed; files already there are
/// replaced, others left alone). Returns the page and every file written.
pub fn write(dir: &Path, report: &Report, book: &RateBook) -> Result<Written, ReportError> {
    let mut files = Files {
        dir: dir.to_path_buf(),
        written: Vec::new(),
        links: vec![Link::new("Workbook for Excel (XLSX)", WORKBOOK)],
    };
    let mut inline = write_charts(&mut files, report, book)?;
    // The charts of the sections under the headline come first: shown with them.
    let headings: Vec<String> =
        crate::insights::first_charts(report.advice.as_ref(), report.forecast.as_ref())
            .into_iter()
            .map(|(heading, ..)| heading)
            .collect();
    let rest = inline.split_off(headings.len().min(inline.len()));
    let first: Vec<(String, InlineChart)> = headings
        .into_iter()
        .zip(std::mem::replace(&mut inline, rest))
        .collect();
    write_run_folder(&mut files, report, book)?;
    write_summary_csv(&mut files, report)?;
    write_ledger_csv(&mut files, &report.ledger, book)?;
    write_workbook(&mut files, report, book)?;
    let mut notes = report.notes.clone();
    write_providers(&mut files, report, &mut notes)?;
    write_simulation(&mut files, report, &mut notes)?;
    link_lines(&mut files);
    let index = dir.join(INDEX);
    let mut page = crate::page::page(report, book, inline, files.links, notes);
    page.first_charts = first;
    page.write(&index).map_err(ReportError::io(&index))?;
    files.written.insert(0, index.clone());
    Ok(Written {
        index,
        files: files.written,
    })
}

/// The charts of a report: file stem, chart, caption.
fn report_charts(report: &Report, book: &RateBook) -> Vec<(String, Chart, String)> {
    let mut out: Vec<(String, Chart, String)> =
        crate::insights::first_charts(report.advice.as_ref(), report.forecast.as_ref())
            .into_iter()
            .map(|(_, stem, chart, caption)| (stem, chart, caption))
            .collect();
    out.extend(
        charts::ledger_charts(&report.ledger, &book.names)
            .into_iter()
            .map(|(stem, chart)| {
                let caption = match stem {
                "spend_by_month" => {
                    "Spend by month, stacked by pricing category (allowances and tier \
                     discounts below zero)"
                }
                "spend_by_market" => "Spend by market: the ten largest, the others summed",
                "daily_spend" => "Spend per day, and the running total of each month",
                "messages_by_pricing_type" => {
                    "Outbound messages by Meta's pricing type: billed, and free or not delivered"
                }
                _ => chart.title(),
            }
            .to_string();
                (stem.to_string(), chart, caption)
            }),
    );
    if let Some(c) = &report.comparison {
        out.push((
            "providers".into(),
            crate::comparison::chart(c).into(),
            format!(
                "What the same traffic costs through each provider, in {}: Meta's fees and \
                 the provider's own, cheapest first",
                c.currency
            ),
        ));
    }
    if let Some(s) = &report.simulation {
        if let Some(st) = &s.strategies {
            out.push((
                "strategies".into(),
                st.clone().into(),
                "Simulated spend of each strategy: P5–P95 range, median and mean".into(),
            ));
        }
        if let Some(d) = &s.distribution {
            out.push((
                "spend_distribution".into(),
                d.clone().into(),
                "Distribution of the simulated total over the Monte Carlo runs (P5, P50, P95 \
                 marked)"
                    .into(),
            ));
        }
    }
    out
}

/// `charts/<name>.png` and `.svg` for every chart; the SVG is read back for the page.
fn write_charts(
    files: &mut Files,
    report: &Report,
    book: &RateBook,
) -> Result<Vec<InlineChart>, ReportError> {
    let chart_dir = files.dir.join(CHARTS);
    std::fs::create_dir_all(&chart_dir).map_err(ReportError::io(&chart_dir))?;
    let mut inline = Vec::new();
    for (stem, chart, caption) in report_charts(report, book) {
        let path = chart_dir.join(&stem);
        let written = charts::write(&chart, &path).map_err(|source| ReportError::Chart {
            path: path.clone(),
            source,
        })?;
        let svg = std::fs::read_to_string(&written.svg).map_err(ReportError::io(&written.svg))?;
        inline.push(InlineChart {
            caption,
            svg,
            files: vec![
                Link::new("PNG", format!("{CHARTS}/{stem}.png")),
                Link::new("SVG", format!("{CHARTS}/{stem}.svg")),
            ],
        });
        files.written.push(written.png);
        files.written.push(written.svg);
    }
    Ok(inline)
}

/// `summary.json`, `ledger.parquet` and `run.json`: what `wacost report DIR` reads back.
fn write_run_folder(
    files: &mut Files,
    report: &Report,
    book: &RateBook,
) -> Result<(), ReportError> {
    let written = RunFolder::new(&files.dir).write(report, book)?;
    files.written.extend(written);
    files.link("Summary (JSON)", SUMMARY_JSON);
    Ok(())
}

/// `summary.csv`: one row per grouping and key.
fn write_summary_csv(files: &mut Files, report: &Report) -> Result<(), ReportError> {
    let csv = report
        .summary
        .to_csv()
        .map_err(ReportError::csv(files.dir.join(SUMMARY_CSV)))?;
    files.text(SUMMARY_CSV, &csv)?;
    files.link("Summary (CSV)", SUMMARY_CSV);
    Ok(())
}

/// `ledger.csv`, with the columns of `ledger.parquet`.
fn write_ledger_csv(
    files: &mut Files,
    ledger: &Ledger,
    book: &RateBook,
) -> Result<(), ReportError> {
    let path = files.dir.join(LEDGER_CSV);
    let err = ReportError::csv(&path);
    let mut w = csv::Writer::from_path(&path).map_err(|e| ReportError::csv(&path)(e))?;
    let header = [
        "date",
        "month",
        "business",
        "market",
        "country",
        "category",
        "pricing_type",
        "line_kind",
        "currency",
        "lines",
        "quantity",
        "billed",
        "estimated",
        "amount",
    ];
    let rows = ledger.rows().into_iter().map(|r| {
        let k = r.key;
        let t = r.totals;
        [
            k.date.to_string(),
            format!("{:04}-{:02}", k.date.year(), k.date.month()),
            k.business.name(),
            book.names.name(k.market).to_string(),
            k.country.to_string(),
            k.category.to_string(),
            k.pricing_type.to_string(),
            k.kind.as_str().to_string(),
            ledger.currency.to_string(),
            t.lines.to_string(),
            t.quantity.to_string(),
            t.billed.to_string(),
            t.estimated.to_string(),
            t.amount.to_string(),
        ]
    });
    // The first nine columns are text (names from logs and cards, the currency), the rest
    // counts and amounts.
    let result = (|| -> Result<(), csv::Error> {
        w.write_record(header)?;
        for row in rows {
            w.write_record(row.iter().enumerate().map(|(i, cell)| {
                if i >= 9 {
                    csv_number(cell).into_owned()
                } else {
                    csv_text(cell).into_owned()
                }
            }))?;
        }
        w.flush()?;
        Ok(())
    })();
    result.map_err(err)?;
    files.written.push(path);
    files.link(
        "Ledger: totals by day, business, market, country, category and pricing type (CSV)",
        LEDGER_CSV,
    );
    files.link("Ledger (Parquet)", LEDGER_PARQUET);
    Ok(())
}

/// `workbook.xlsx`.
fn write_workbook(files: &mut Files, report: &Report, book: &RateBook) -> Result<(), ReportError> {
    let path = files.dir.join(WORKBOOK);
    xlsx::report_workbook(report, &book.names)
        .and_then(|mut wb| wb.save(&path))
        .map_err(|source| ReportError::Xlsx {
            path: path.clone(),
            source,
        })?;
    files.written.push(path);
    Ok(())
}

/// `providers.json` and `providers.csv`, when the report has a comparison; its notes join
/// the page's.
fn write_providers(
    files: &mut Files,
    report: &Report,
    notes: &mut Vec<String>,
) -> Result<(), ReportError> {
    let Some(c) = &report.comparison else {
        return Ok(());
    };
    let doc = ProvidersDocument::new(c, report.ledger.currency.code(), report.ledger.messages());
    files.text("providers.json", &(doc.to_json() + "\n"))?;
    let csv = crate::comparison::csv_table(c)
        .to_csv()
        .map_err(ReportError::csv(files.dir.join("providers.csv")))?;
    files.text("providers.csv", &csv)?;
    files.link("Provider comparison (CSV)", "providers.csv");
    files.link(
        "Provider comparison with every provider's notes (JSON)",
        "providers.json",
    );
    notes.extend(c.notes.iter().map(|n| format!("provider comparison: {n}")));
    Ok(())
}

/// `simulation_<stem>.csv`, `simulation.json` and `simulation_runs.csv`, when the report has
/// a simulation; its notes join the page's.
fn write_simulation(
    files: &mut Files,
    report: &Report,
    notes: &mut Vec<String>,
) -> Result<(), ReportError> {
    let Some(s) = &report.simulation else {
        return Ok(());
    };
    for (heading, stem, table) in &s.tables {
        let name = format!("simulation_{stem}.csv");
        let csv = table
            .to_csv()
            .map_err(ReportError::csv(files.dir.join(&name)))?;
        files.text(&name, &csv)?;
        files.link(format!("{heading} (CSV)"), name);
    }
    if let Some(doc) = &s.summary {
        let path = files.dir.join("simulation.json");
        let text = serde_json::to_string_pretty(doc).map_err(ReportError::json(&path))?;
        files.text("simulation.json", &(text + "\n"))?;
        files.link(
            "Simulation summary: P5, P50, P95 and mean over the runs (JSON)",
            "simulation.json",
        );
    }
    if let Some(runs) = &s.runs {
        let csv = runs
            .to_csv()
            .map_err(ReportError::csv(files.dir.join("simulation_runs.csv")))?;
        files.text("simulation_runs.csv", &csv)?;
        files.link("Every simulated run's totals (CSV)", "simulation_runs.csv");
    }
    notes.extend(s.notes.iter().map(|n| format!("simulation: {n}")));
    Ok(())
}

/// Links to the charge lines `replay --out` wrote next to the report, when they are there.
fn link_lines(files: &mut Files) {
    for (name, label) in [
        (
            crate::folder::LINES_CSV,
            "Every charge line with the rule that priced it (CSV)",
        ),
        (crate::folder::LINES_PARQUET, "Every charge line (Parquet)"),
    ] {
        if files.dir.join(name).is_file() {
            files.link(label, name);
        }
    }
}
