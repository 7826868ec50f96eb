//! The typed report: everything a report shows about a run, built once by a
//! [`ReportBuilder`] from a replay's outcome (or read back from a run folder), and rendered by
//! one renderer per format: the terminal's text, CSV and JSON from its [`Summary`]
//! ([`Summary::to_text`]…), the HTML page ([`crate::page`]), the workbook
//! ([`crate::xlsx::report_workbook`]) and the folder of files ([`crate::bundle`]).
//!
//! A [`Report`] owns its data, so it outlives the run that made it; what is not in its
//! `summary.json` or `ledger.parquet` is saved as `run.json` (see [`crate::folder::RunFolder`]),
//! so `wacost report DIR` rebuilds the same page, simulation and comparison included.

use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use wacost_core::advise::Advice;
use wacost_core::charge::{Charge, LineKind, LineSink};
use wacost_core::forecast::Forecast;
use wacost_core::ledger::Ledger;
use wacost_core::period::Period;
use wacost_core::pricing::RateBook;
use wacost_core::pricing::phone::{ContactNumber, masked_distinct};
use wacost_core::providers::Comparison;
use wacost_core::replay::Outcome;
use wacost_core::summary::{RunInfo, Summary};
use wacost_core::table::Table;

use crate::charts::{Distribution, Strategies};
use crate::xlsx::KeepLines;

/// Charge lines a report keeps in memory for the workbook's `lines` sheet, by default.
pub const KEPT_LINES: usize = 100_000;
/// Contacts in the "top contacts" table.
pub const TOP_CONTACTS: usize = 10;

/// One contact's spend, as the page shows it (the number masked unless asked otherwise).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactSpend {
    /// The number as shown (`+55*********21`, or in full).
    pub contact: String,
    /// Outbound messages priced.
    pub messages: u64,
    /// Of which billed.
    pub billed: u64,
    /// Their amount.
    pub amount: Decimal,
}

/// What a simulation adds to a report: the strategy comparison and the Monte Carlo spend
/// distribution, tables, notes. [`crate::simulation::section`] fills it from a Monte Carlo
/// result; every part is optional.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SimulationSection {
    /// The scenario, e.g. "examples/scenario.toml: 50,000 contacts, 30 days, 1,000 runs".
    pub scenario: String,
    /// Spend of each strategy (P5–P95, median, mean).
    pub strategies: Option<Strategies>,
    /// The distribution of the simulated total.
    pub distribution: Option<Distribution>,
    /// Tables: heading, file stem (written as `simulation_<stem>.csv`), table.
    pub tables: Vec<(String, String, Table)>,
    /// Assumptions and caveats of the simulation.
    pub notes: Vec<String>,
    /// Figures for the page's list of key facts (label, value).
    pub facts: Vec<(String, String)>,
    /// The simulation's summary document, written as `simulation.json`.
    pub summary: Option<serde_json::Value>,
    /// Every run's totals, written as `simulation_runs.csv` (linked, too long for the page).
    pub runs: Option<Table>,
}

/// Everything a report shows. Build it with [`Report::builder`]; the summary and the ledger
/// are saved as `summary.json` and `ledger.parquet`, the rest (this type's serialized
/// fields) as `run.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Report {
    /// Page title.
    pub title: String,
    /// What was priced (file names), shown under the title.
    pub source: String,
    /// The run's figures (`summary.json`).
    #[serde(skip)]
    pub summary: Summary,
    /// The totals (`ledger.parquet`).
    #[serde(skip, default = "empty_ledger")]
    pub ledger: Ledger,
    /// Notes a reader must see (the summary's notes, then what the command adds).
    pub notes: Vec<String>,
    /// Assumptions beyond those the report states itself (the time zone…).
    pub assumptions: Vec<String>,
    /// The provider comparison, if any.
    pub comparison: Option<Comparison>,
    /// The first charge lines, for the workbook's `lines` sheet (none when the report was
    /// rebuilt from a folder: the lines are in its `lines.csv`).
    #[serde(skip)]
    pub lines: Option<Vec<Charge>>,
    /// Charge lines not in `lines` (the sheet holds the first ones only).
    pub lines_dropped: u64,
    /// The contacts that cost most ([`Collect::top_contacts`]), as shown.
    pub contacts: Vec<ContactSpend>,
    /// Show full phone numbers (the workbook's `lines` sheet; `contacts` are shown as given).
    pub show_contacts: bool,
    /// Simulation results, if any.
    pub simulation: Option<SimulationSection>,
    /// What `advise` found: shown right under the headline ("What to change").
    #[serde(default)]
    pub advice: Option<Advice>,
    /// What `forecast` made: shown under the headline (and the advice).
    #[serde(default)]
    pub forecast: Option<Forecast>,
}

fn empty_ledger() -> Ledger {
    Ledger::new(Default::default())
}

/// The assumption every report states about its dates.
pub fn timezone_assumption(timezone: &str) -> String {
    format!("days, months and rate-card changes start at 00:00 in the WABA's time zone: {timezone}")
}

impl Report {
    /// A report of a replay (or of a simulated run made into an [`Outcome`]): its ledger,
    /// summary and notes. Add the rest with the builder's methods.
    pub fn builder(outcome: &Outcome, book: &RateBook) -> ReportBuilder {
        ReportBuilder::new(Summary::from_outcome(outcome, book), outcome.ledger.clone())
    }

    /// Cuts the report to the lines dated in `period`, as a replay with that period would
    /// report them (a period never changes a price: see [`wacost_core::period`]): the ledger
    /// and summary become the period's ([`Summary::for_period`]), `contacts` are the top
    /// contacts of the period's lines. Sections computed on the whole run (the provider
    /// comparison, the advice, the forecast, a simulation) are left out, and a note says
    /// so; so is the workbook's sheet of lines (the period's lines are in the run's files).
    pub fn cut_to_period(&mut self, period: &Period, book: &RateBook, contacts: Vec<ContactSpend>) {
        if period.is_all() {
            return;
        }
        self.summary = self.summary.for_period(period, &self.ledger, book);
        self.notes.extend(period.notes(&self.ledger));
        self.ledger = period.ledger(&self.ledger);
        self.contacts = contacts;
        self.lines = None;
        self.lines_dropped = 0;
        let mut left_out = Vec::new();
        if self.comparison.take().is_some() {
            left_out.push("the provider comparison");
        }
        if self.advice.take().is_some() {
            left_out.push("what to change");
        }
        if self.forecast.take().is_some() {
            left_out.push("the forecast");
        }
        if self.simulation.take().is_some() {
            left_out.push("the simulation");
        }
        if !left_out.is_empty() {
            self.notes.push(format!(
                "period {period}: {} left out: they were computed over the whole run \
                 (run them again over the period)",
                left_out.join(", ")
            ));
        }
    }
}

/// Builds a [`Report`]: one place where a run's outcome becomes what every renderer shows.
///
/// ```no_run
/// # use wacost_core::pricing::RateBook;
/// # use wacost_core::replay::Outcome;
/// # fn f(outcome: &Outcome, book: &RateBook) {
/// use wacost_report::model::Report;
/// let report = Report::builder(outcome, book)
///     .source("data/sample_log.csv")
///     .build();
/// assert_eq!(report.summary.total, outcome.ledger.total());
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct ReportBuilder {
    report: Report,
}

impl ReportBuilder {
    /// A report of a summary and its ledger (e.g. read back from a folder); the notes are the
    /// summary's.
    pub fn new(summary: Summary, ledger: Ledger) -> ReportBuilder {
        let notes = summary.notes.clone();
        ReportBuilder {
            report: Report {
                title: "WhatsApp Business spend".into(),
                source: String::new(),
                summary,
                ledger,
                notes,
                assumptions: Vec::new(),
                comparison: None,
                lines: None,
                lines_dropped: 0,
                contacts: Vec::new(),
                show_contacts: false,
                simulation: None,
                advice: None,
                forecast: None,
            },
        }
    }

    /// The page title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.report.title = title.into();
        self
    }

    /// What was priced, shown under the title.
    pub fn source(mut self, source: impl Into<String>) -> Self {
        self.report.source = source.into();
        self
    }

    /// The run behind the figures: recorded in the summary, and its time zone stated as an
    /// assumption.
    pub fn run(mut self, run: RunInfo) -> Self {
        self.report
            .assumptions
            .push(timezone_assumption(&run.timezone));
        self.report.summary.run = Some(run);
        self
    }

    /// A note shown before every other.
    pub fn first_note(mut self, note: impl Into<String>) -> Self {
        self.report.notes.insert(0, note.into());
        self
    }

    /// A note shown after the others.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.report.notes.push(note.into());
        self
    }

    /// A provider comparison of the same traffic.
    pub fn comparison(mut self, comparison: &Comparison) -> Self {
        self.report.comparison = Some(comparison.clone());
        self
    }

    /// What a [`Collect`] gathered during the run: the first lines and the top contacts.
    pub fn collected(mut self, collect: Collect<'_>) -> Self {
        let contacts = collect.top_contacts(TOP_CONTACTS, self.report.show_contacts);
        let kept = collect.kept;
        self.report.lines = Some(kept.lines);
        self.report.lines_dropped = kept.dropped;
        self.report.contacts = contacts;
        self
    }

    /// The contacts that cost most, as shown.
    pub fn contacts(mut self, contacts: Vec<ContactSpend>) -> Self {
        self.report.contacts = contacts;
        self
    }

    /// Show full phone numbers (set it before [`ReportBuilder::collected`]).
    pub fn show_contacts(mut self, show: bool) -> Self {
        self.report.show_contacts = show;
        self
    }

    /// Simulation results.
    pub fn simulation(mut self, section: SimulationSection) -> Self {
        self.report.simulation = Some(section);
        self
    }

    /// What `advise` found, shown right under the headline as "What to change", with the
    /// chart of the log's total under each what-if.
    pub fn advice(mut self, advice: Advice) -> Self {
        self.report.advice = Some(advice);
        self
    }

    /// A forecast, shown under the headline (after any advice) with its chart; its notes
    /// join the report's.
    pub fn forecast(mut self, forecast: Forecast) -> Self {
        self.report.notes.extend(forecast.notes.iter().cloned());
        self.report.forecast = Some(forecast);
        self
    }

    /// The summary so far.
    pub fn summary(&self) -> &Summary {
        &self.report.summary
    }

    /// The report.
    pub fn build(self) -> Report {
        self.report
    }
}

/// A [`LineSink`] that gathers what a report shows beyond the ledger, and passes every line
/// on to another sink (e.g. [`crate::lines::LineFiles`]).
pub struct Collect<'s> {
    inner: &'s mut dyn LineSink,
    /// The first lines (for the workbook's `lines` sheet).
    pub kept: KeepLines,
    contacts: FxHashMap<ContactNumber, (u64, u64, Decimal)>,
}

impl<'s> Collect<'s> {
    /// Keeps the first `keep` lines ([`KEPT_LINES`] is a good default) and every contact's
    /// totals, and passes lines on to `inner` ([`wacost_core::charge::NoLines`] for none).
    pub fn new(inner: &'s mut dyn LineSink, keep: usize) -> Collect<'s> {
        Collect {
            inner,
            kept: KeepLines::new(keep),
            contacts: FxHashMap::default(),
        }
    }

    /// The `n` contacts that cost most (then by messages), masked unless `show_contacts`.
    pub fn top_contacts(&self, n: usize, show_contacts: bool) -> Vec<ContactSpend> {
        let mut all: Vec<(&ContactNumber, &(u64, u64, Decimal))> = self.contacts.iter().collect();
        all.sort_by(|a, b| b.1.2.cmp(&a.1.2).then(b.1.0.cmp(&a.1.0)).then(a.0.cmp(b.0)));
        all.truncate(n);
        let numbers: Vec<ContactNumber> = all.iter().map(|(c, _)| **c).collect();
        let shown = if show_contacts {
            numbers.iter().map(|c| c.e164()).collect()
        } else {
            masked_distinct(&numbers)
        };
        all.into_iter()
            .zip(shown)
            .map(|((_, (messages, billed, amount)), contact)| ContactSpend {
                contact,
                messages: *messages,
                billed: *billed,
                amount: *amount,
            })
            .collect()
    }
}

impl LineSink for Collect<'_> {
    fn line(&mut self, c: &Charge) -> std::io::Result<()> {
        self.kept.line(c)?;
        if c.kind == LineKind::Message
            && let Some(n) = c.contact
        {
            let e = self.contacts.entry(n).or_default();
            e.0 += 1;
            if c.amount > Decimal::ZERO {
                e.1 += 1;
            }
            e.2 += c.amount;
        }
        self.inner.line(c)
    }

    fn reset(&mut self) -> std::io::Result<()> {
        self.kept.reset()?;
        self.contacts.clear();
        self.inner.reset()
    }
}
