//! The folder a run writes (`wacost replay --out DIR`, and every `--report DIR`), and reads
//! back (`wacost report DIR`), through one type, [`RunFolder`]:
//!
//! ```text
//! DIR/summary.json     the run's Summary (what `replay --format json` prints, with `run`)
//! DIR/ledger.parquet   the ledger: totals by day, business, market, country, category,
//!                      pricing type and line kind (exact decimals)
//! DIR/run.json         the rest of the report: title, notes, assumptions, top contacts,
//!                      provider comparison, simulation section
//! DIR/lines.csv        every charge line with the rule that priced it (`--out` only)
//! DIR/lines.parquet
//! ```
//!
//! A folder written before `run.json` existed is read from its summary, ledger and lines.

use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use rust_decimal::Decimal;
use wacost_core::period::Period;
use wacost_core::pricing::RateBook;
use wacost_core::pricing::market::MarketNames;
use wacost_core::pricing::phone::{ContactNumber, masked_distinct};
use wacost_core::summary::Summary;

use crate::error::ReportError;
use crate::frame;
use crate::lines::LineFiles;
use crate::model::{ContactSpend, Report, ReportBuilder, TOP_CONTACTS, timezone_assumption};

/// The summary (what `wacost report` reads back).
pub const SUMMARY_JSON: &str = "summary.json";
/// The ledger as Parquet (what `wacost report` reads back).
pub const LEDGER_PARQUET: &str = "ledger.parquet";
/// The rest of the report (what `wacost report` reads back).
pub const RUN_JSON: &str = "run.json";
/// Every charge line, as CSV.
pub const LINES_CSV: &str = "lines.csv";
/// Every charge line, as Parquet.
pub const LINES_PARQUET: &str = "lines.parquet";

/// A run's folder: where `--out` and `--report` write, and `wacost report` reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunFolder {
    dir: PathBuf,
}

impl RunFolder {
    /// The folder at `dir` (nothing is created until something is written).
    pub fn new(dir: impl Into<PathBuf>) -> RunFolder {
        RunFolder { dir: dir.into() }
    }

    /// Where it is.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A file of the folder.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn create(&self) -> Result<(), ReportError> {
        std::fs::create_dir_all(&self.dir).map_err(ReportError::io(&self.dir))
    }

    /// Creates the folder and its `lines.csv` and `lines.parquet`, written as the run
    /// produces lines (pass the result to the run as its line sink, then `finish` it).
    pub fn line_files<'a>(
        &self,
        names: &'a MarketNames,
        show_contacts: bool,
    ) -> Result<LineFiles<'a>, ReportError> {
        self.create()?;
        self.line_files_under(names, show_contacts, None)
    }

    /// As [`RunFolder::line_files`], for a run priced under what-ifs (their ids, `+`-separated):
    /// every line carries them in a last column `what_if`.
    pub fn line_files_under<'a>(
        &self,
        names: &'a MarketNames,
        show_contacts: bool,
        what_if: Option<String>,
    ) -> Result<LineFiles<'a>, ReportError> {
        self.create()?;
        LineFiles::create_under(&self.dir, names, show_contacts, what_if)
            .map_err(ReportError::io(&self.dir))
    }

    /// Writes `summary.json`, `ledger.parquet` and `run.json` of a report, creating the
    /// folder if needed. Returns the files written.
    pub fn write(&self, report: &Report, book: &RateBook) -> Result<Vec<PathBuf>, ReportError> {
        self.create()?;
        let summary = self.file(SUMMARY_JSON);
        std::fs::write(&summary, report.summary.to_json() + "\n")
            .map_err(ReportError::io(&summary))?;
        let ledger = self.file(LEDGER_PARQUET);
        let out = File::create(&ledger).map_err(ReportError::io(&ledger))?;
        frame::write_parquet(&report.ledger, &book.names, out)
            .map_err(ReportError::parquet(&ledger))?;
        let run = self.file(RUN_JSON);
        let text = serde_json::to_string_pretty(report).map_err(ReportError::json(&run))?;
        std::fs::write(&run, text + "\n").map_err(ReportError::io(&run))?;
        Ok(vec![summary, ledger, run])
    }

    /// Reads the report a run wrote. Market names unknown to `names` are added to it.
    /// Contacts are masked unless `show_contacts` and the run wrote them in full.
    pub fn read(
        &self,
        names: &mut MarketNames,
        show_contacts: bool,
    ) -> Result<Report, ReportError> {
        let summary_path = self.file(SUMMARY_JSON);
        let text =
            std::fs::read_to_string(&summary_path).map_err(ReportError::io(&summary_path))?;
        let summary: Summary =
            serde_json::from_str(&text).map_err(ReportError::json(&summary_path))?;
        let ledger_path = self.file(LEDGER_PARQUET);
        let file = File::open(&ledger_path).map_err(ReportError::io(&ledger_path))?;
        let mut ledger =
            frame::read_parquet(file, names).map_err(ReportError::parquet(&ledger_path))?;
        if ledger.rows().is_empty() {
            ledger.currency = summary.currency;
        }
        let written_in_full = summary.run.as_ref().is_some_and(|r| r.show_contacts);
        let run_path = self.file(RUN_JSON);
        let mut report = if run_path.is_file() {
            let text = std::fs::read_to_string(&run_path).map_err(ReportError::io(&run_path))?;
            let mut report: Report =
                serde_json::from_str(&text).map_err(ReportError::json(&run_path))?;
            report.summary = summary;
            report.ledger = ledger;
            if report.contacts.is_empty() {
                report.contacts = self.contacts_from_lines(written_in_full, &Period::all())?;
            }
            report
        } else {
            self.read_without_run(summary, ledger)?
        };
        report.show_contacts = show_contacts && written_in_full;
        if !report.show_contacts {
            mask_contacts(&mut report.contacts);
        }
        Ok(report)
    }

    /// Reads the report a run wrote, cut to the lines dated in `period` (see
    /// [`Report::cut_to_period`]): the top contacts are counted again over the period's
    /// lines in `lines.parquet` (none when the folder has no lines).
    pub fn read_period(
        &self,
        book: &mut RateBook,
        show_contacts: bool,
        period: &Period,
    ) -> Result<Report, ReportError> {
        let mut report = self.read(&mut book.names, show_contacts)?;
        if period.is_all() {
            return Ok(report);
        }
        let written_in_full = report.summary.run.as_ref().is_some_and(|r| r.show_contacts);
        let mut contacts = self.contacts_from_lines(written_in_full, period)?;
        if !report.show_contacts {
            mask_contacts(&mut contacts);
        }
        report.cut_to_period(period, book, contacts);
        Ok(report)
    }

    /// A folder written by `replay --out` before `run.json`: the report its summary, ledger
    /// and lines give.
    fn read_without_run(
        &self,
        summary: Summary,
        ledger: wacost_core::ledger::Ledger,
    ) -> Result<Report, ReportError> {
        let run = summary.run.clone().unwrap_or_default();
        let source = if run.inputs.is_empty() {
            self.dir.display().to_string()
        } else {
            run.inputs.join(", ")
        };
        let contacts = self.contacts_from_lines(run.show_contacts, &Period::all())?;
        let mut report = ReportBuilder::new(summary, ledger)
            .source(source)
            .contacts(contacts)
            .build();
        if !run.timezone.is_empty() {
            report.assumptions.push(timezone_assumption(&run.timezone));
        }
        Ok(report)
    }
}

impl RunFolder {
    /// The top contacts of the folder's `lines.parquet`, when it has one (`replay --out`
    /// without a report keeps no contacts of its own).
    fn contacts_from_lines(
        &self,
        written_in_full: bool,
        period: &Period,
    ) -> Result<Vec<ContactSpend>, ReportError> {
        let lines = self.file(LINES_PARQUET);
        if !lines.is_file() {
            return Ok(Vec::new());
        }
        top_contacts_from_parquet(&lines, TOP_CONTACTS, written_in_full, period)
            .map_err(ReportError::parquet(&lines))
    }
}

/// Lines whose `date` (`YYYY-MM-DD`, so text order is date order) is in the period.
fn in_period(period: &Period) -> Expr {
    let mut e = lit(true);
    if let Some(from) = period.from {
        e = e.and(col("date").gt_eq(lit(from.to_string())));
    }
    if let Some(to) = period.to {
        e = e.and(col("date").lt_eq(lit(to.to_string())));
    }
    e
}

/// The top contacts of a `lines.parquet` file (as `wacost replay --out` writes it): message
/// lines dated in `period` grouped by contact, the `n` that cost most. Numbers written in
/// full are masked unless `show_contacts`; numbers written masked stay masked (and contacts
/// sharing a mask are counted together).
pub fn top_contacts_from_parquet(
    path: &Path,
    n: usize,
    show_contacts: bool,
    period: &Period,
) -> PolarsResult<Vec<ContactSpend>> {
    // Checked first: a damaged size would make polars abort (see `parquet_check`).
    let mut file = File::open(path)?;
    crate::parquet_check::check_reader(&mut file).map_err(crate::parquet::damaged)?;
    crate::parquet::guarded(|| top_contacts(path, n, show_contacts, period))
}

fn top_contacts(
    path: &Path,
    n: usize,
    show_contacts: bool,
    period: &Period,
) -> PolarsResult<Vec<ContactSpend>> {
    let lf = LazyFrame::scan_parquet(
        PlRefPath::new(path.to_string_lossy().as_ref()),
        ScanArgsParquet::default(),
    )?;
    let df = lf
        .filter(
            col("line_kind")
                .eq(lit("message"))
                .and(col("contact").neq(lit("")))
                .and(in_period(period)),
        )
        .group_by([col("contact")])
        .agg([
            len().alias("messages"),
            col("amount")
                .gt(lit(0))
                .cast(DataType::UInt64)
                .sum()
                .alias("billed"),
            col("amount").sum().alias("amount"),
        ])
        .collect()?;
    let contacts = df.column("contact")?.str()?.clone();
    let messages = df.column("messages")?.cast(&DataType::UInt64)?;
    let billed = df.column("billed")?.cast(&DataType::UInt64)?;
    let amount_col = df.column("amount")?;
    let scale = match amount_col.dtype() {
        DataType::Decimal(_, s) => *s as u32,
        other => {
            return Err(PolarsError::ComputeError(
                format!("lines.parquet: amount is {other}, not a decimal").into(),
            ));
        }
    };
    let amounts: Vec<Option<i128>> = amount_col.decimal()?.physical().iter().collect();
    let mut all: Vec<ContactSpend> = Vec::with_capacity(df.height());
    for (i, ((c, m), b)) in contacts
        .iter()
        .zip(messages.u64()?.iter())
        .zip(billed.u64()?.iter())
        .enumerate()
    {
        let raw = c.unwrap_or("");
        let contact = match ContactNumber::parse(raw) {
            Ok(num) => num.e164(),
            Err(_) => raw.to_string(),
        };
        let amount = Decimal::try_from_i128_with_scale(amounts[i].unwrap_or(0), scale)
            .map_err(|e| PolarsError::ComputeError(format!("lines amount: {e}").into()))?
            .normalize();
        all.push(ContactSpend {
            contact,
            messages: m.unwrap_or(0),
            billed: b.unwrap_or(0),
            amount,
        });
    }
    all.sort_by(|a, b| {
        b.amount
            .cmp(&a.amount)
            .then(b.messages.cmp(&a.messages))
            .then(a.contact.cmp(&b.contact))
    });
    all.truncate(n);
    if !show_contacts {
        mask_contacts(&mut all);
    }
    Ok(all)
}

/// Masks the contacts written in full, kept distinct where two share a mask
/// ([`masked_distinct`]); contacts already masked stay as they are.
fn mask_contacts(contacts: &mut [ContactSpend]) {
    let full: Vec<(usize, ContactNumber)> = contacts
        .iter()
        .enumerate()
        .filter_map(|(i, c)| ContactNumber::parse(&c.contact).ok().map(|n| (i, n)))
        .collect();
    let numbers: Vec<ContactNumber> = full.iter().map(|(_, n)| *n).collect();
    for ((i, _), shown) in full.iter().zip(masked_distinct(&numbers)) {
        contacts[*i].contact = shown;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wacost_core::fx::FxTable;
    use wacost_core::providers::{BillOptions, Providers, compare};
    use wacost_core::replay::{ReplayOptions, Source, replay};
    use wacost_core::summary::RunInfo;

    use crate::model::{Collect, SimulationSection};

    #[test]
    fn a_report_reads_back_as_written() {
        let book = RateBook::embedded().expect("embedded data");
        let log = include_str!("../../../data/sample_log.csv");
        let source = Source::Bytes("sample".into(), log.as_bytes().into());
        let mut none = wacost_core::charge::NoLines;
        let mut collect = Collect::new(&mut none, 10);
        let outcome = replay(
            &book,
            &[source],
            ReplayOptions::default(),
            &mut collect,
            None,
        )
        .expect("replays");
        let providers = Providers::embedded();
        let chosen = providers
            .select(&["meta".into(), "twilio".into()])
            .expect("known");
        let fx = FxTable::embedded();
        let comparison = compare(
            &chosen,
            &outcome.ledger,
            &outcome.usage,
            &BillOptions::new(&fx),
            wacost_core::money::Currency::USD,
        )
        .expect("compared");
        let report = Report::builder(&outcome, &book)
            .source("sample")
            .run(RunInfo {
                inputs: vec!["sample".into()],
                timezone: "America/Sao_Paulo".into(),
                currency: "USD".into(),
                show_contacts: false,
                wacost: "test".into(),
                seed: Some(7),
            })
            .comparison(&comparison)
            .collected(collect)
            .simulation(SimulationSection {
                scenario: "shop".into(),
                notes: vec!["one run".into()],
                ..SimulationSection::default()
            })
            .build();
        let tmp = tempfile::tempdir().expect("temp dir");
        let folder = RunFolder::new(tmp.path().join("run"));
        let files = folder.write(&report, &book).expect("written");
        assert_eq!(files.len(), 3);

        let mut names = MarketNames::new();
        let back = folder.read(&mut names, false).expect("read back");
        assert_eq!(back.summary, report.summary);
        assert_eq!(back.summary.total.to_string(), "0.8573");
        assert_eq!(back.ledger.total(), report.ledger.total());
        assert_eq!(back.ledger.charged(), 37);
        // The comparison comes back without the bills behind it (reports keep the rows).
        let rows = |r: &Report| serde_json::to_value(&r.comparison).expect("json");
        assert_eq!(rows(&back), rows(&report));
        assert_eq!(back.comparison.as_ref().map(|c| c.rows.len()), Some(2));
        assert_eq!(back.simulation, report.simulation);
        assert_eq!(back.contacts, report.contacts);
        assert_eq!(back.contacts.len(), 10);
        assert!(
            back.contacts.iter().all(|c| c.contact.contains('*')),
            "masked"
        );
        assert_eq!(
            back.assumptions,
            vec![timezone_assumption("America/Sao_Paulo")]
        );
        assert!(back.lines.is_none(), "lines stay in lines.csv");
    }

    #[test]
    fn a_folder_without_a_run_is_not_found() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let err = RunFolder::new(tmp.path())
            .read(&mut MarketNames::new(), false)
            .expect_err("no summary.json");
        assert!(err.is_not_found());
        assert!(err.to_string().contains("summary.json"), "{err}");
    }
}
