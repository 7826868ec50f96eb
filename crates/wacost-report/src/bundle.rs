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
//! DIR/workbook.xlsx         summary with formula totals, groupings, ledger, charge lines
//! DIR/providers.csv|json    the provider comparison, when there is one
//! DIR/simulation_<name>.csv simulation tables, when there are (also sheets of the workbook)
//! DIR/simulation.json       the simulation's summary, when there is one
//! DIR/simulation_runs.csv   every simulated run's totals, when there are
//! ```
//!
//! [`Report`] holds what goes in; [`write()`] writes it. [`Report::from_outcome`] fills it from
//! a replay; [`Collect`] is the [`LineSink`] that gathers, during the replay, what a report
//! shows beyond the ledger (the top contacts, the first charge lines for the workbook).
//!
//! Everything that comes from a log (business names, market names of a user's card) is
//! escaped on the page ([`super::html`]); contacts are masked unless
//! [`Report::show_contacts`].

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use polars::prelude::*;

use crate::frame::LedgerFrame;
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use serde_json::{Value, json};

use crate::charts::{self, Chart, Distribution, ProviderCost, Providers, Strategies};
use crate::html::{Headline, InlineChart, Link, ReportPage};
use crate::xlsx::{self, KeepLines};
use wacost_core::charge::{Charge, LineKind};
use wacost_core::ledger::{Ledger, Totals};
use wacost_core::pricing::RateBook;
use wacost_core::pricing::category::Category;
use wacost_core::pricing::phone::ContactNumber;
use wacost_core::providers::Comparison;
use wacost_core::replay::{LineSink, Outcome};
use wacost_core::summary;
use wacost_core::table::Table;

/// The page.
pub const INDEX: &str = "index.html";
/// The folder of the charts, inside the report folder.
pub const CHARTS: &str = "charts";
/// The workbook.
pub const WORKBOOK: &str = "workbook.xlsx";
/// The ledger as Parquet (what `wacost report` reads back).
pub const LEDGER_PARQUET: &str = "ledger.parquet";
/// The ledger as CSV.
pub const LEDGER_CSV: &str = "ledger.csv";
/// The summary as JSON (what `wacost report` reads back).
pub const SUMMARY_JSON: &str = "summary.json";
/// The summary as CSV.
pub const SUMMARY_CSV: &str = "summary.csv";
/// Charge lines a report keeps in memory for the workbook's `lines` sheet, by default.
pub const KEPT_LINES: usize = 100_000;
/// Contacts in the "top contacts" table.
pub const TOP_CONTACTS: usize = 10;

/// One contact's spend, as the page shows it (the number masked unless asked otherwise).
#[derive(Clone, Debug, PartialEq, Eq)]
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
/// distribution, tables, notes. [`super::simulation::section`] fills it from a Monte Carlo
/// result; every part is optional.
#[derive(Clone, Debug, Default)]
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
    pub summary: Option<Value>,
    /// Every run's totals, written as `simulation_runs.csv` (linked, too long for the page).
    pub runs: Option<Table>,
}

/// Everything a report shows.
#[derive(Clone, Debug)]
pub struct Report<'a> {
    /// Page title.
    pub title: String,
    /// What was priced (file names), shown under the title.
    pub source: String,
    /// The totals.
    pub ledger: &'a Ledger,
    /// The rate book that priced them (market names, cards and their provenance).
    pub book: &'a RateBook,
    /// The summary document, written as `summary.json` ([`summary::to_json`]).
    pub summary: Value,
    /// Notes a reader must see ([`summary::notes`]).
    pub notes: Vec<String>,
    /// Assumptions beyond those the report states itself (the time zone…).
    pub assumptions: Vec<String>,
    /// The provider comparison, if any.
    pub comparison: Option<&'a Comparison>,
    /// The first charge lines, for the workbook's `lines` sheet.
    pub lines: Option<&'a [Charge]>,
    /// Charge lines not in `lines` (the sheet holds the first ones only).
    pub lines_dropped: u64,
    /// The contacts that cost most ([`Collect::top_contacts`]).
    pub contacts: Vec<ContactSpend>,
    /// Show full phone numbers (the workbook's `lines` sheet; `contacts` are shown as given).
    pub show_contacts: bool,
    /// Simulation results, if any.
    pub simulation: Option<SimulationSection>,
}

impl<'a> Report<'a> {
    /// The report of a replay: its ledger, summary and notes. Add the comparison, lines and
    /// contacts by setting the fields.
    pub fn from_outcome(
        outcome: &'a Outcome,
        book: &'a RateBook,
        source: impl Into<String>,
    ) -> Report<'a> {
        Report::from_ledger(
            &outcome.ledger,
            book,
            summary::to_json(outcome, book),
            summary::notes(outcome),
            source,
        )
    }

    /// The report of a ledger with its summary document and notes (e.g. read back from a
    /// `replay --out` folder).
    pub fn from_ledger(
        ledger: &'a Ledger,
        book: &'a RateBook,
        summary: Value,
        notes: Vec<String>,
        source: impl Into<String>,
    ) -> Report<'a> {
        Report {
            title: "WhatsApp Business spend".into(),
            source: source.into(),
            ledger,
            book,
            summary,
            notes,
            assumptions: Vec::new(),
            comparison: None,
            lines: None,
            lines_dropped: 0,
            contacts: Vec::new(),
            show_contacts: false,
            simulation: None,
        }
    }
}

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
#[error("{}: {message}", path.display())]
pub struct ReportError {
    /// The file.
    pub path: PathBuf,
    /// What went wrong.
    pub message: String,
}

fn fail(path: &Path) -> impl Fn(&dyn fmt::Display) -> ReportError + '_ {
    move |e| ReportError {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// What [`write()`] wrote.
#[derive(Clone, Debug, Default)]
pub struct Written {
    /// The page.
    pub index: PathBuf,
    /// Every file, the page first.
    pub files: Vec<PathBuf>,
}

/// A [`LineSink`] that gathers what a report shows beyond the ledger, and passes every line
/// on to another sink (e.g. [`super::lines::LineFiles`]).
pub struct Collect<'s> {
    inner: &'s mut dyn LineSink,
    /// The first lines (for the workbook's `lines` sheet).
    pub kept: KeepLines,
    contacts: FxHashMap<ContactNumber, (u64, u64, Decimal)>,
}

impl<'s> Collect<'s> {
    /// Keeps the first `keep` lines ([`KEPT_LINES`] is a good default) and every contact's
    /// totals, and passes lines on to `inner` ([`wacost_core::replay::NoLines`] for none).
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
        all.into_iter()
            .take(n)
            .map(|(c, (messages, billed, amount))| ContactSpend {
                contact: if show_contacts { c.e164() } else { c.masked() },
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

/// The top contacts of a `lines.parquet` file (as `wacost replay --out` writes it): message
/// lines grouped by contact, the `n` that cost most. Numbers written in full are masked
/// unless `show_contacts`; numbers written masked stay masked (and contacts sharing a mask
/// are counted together).
pub fn top_contacts_from_parquet(
    path: &Path,
    n: usize,
    show_contacts: bool,
) -> PolarsResult<Vec<ContactSpend>> {
    let lf = LazyFrame::scan_parquet(
        PlRefPath::new(path.to_string_lossy().as_ref()),
        ScanArgsParquet::default(),
    )?;
    let df = lf
        .filter(
            col("line_kind")
                .eq(lit("message"))
                .and(col("contact").neq(lit(""))),
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
            Ok(num) if show_contacts => num.e164(),
            Ok(num) => num.masked(),
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
    Ok(all)
}

/// The provider comparison as a table: rank, provider, Meta's fees, the provider's fees,
/// total, per message, confidence (what `wacost compare` prints).
pub fn providers_table(c: &Comparison) -> Table {
    let mut t = Table::new([
        "rank",
        "provider",
        "meta_fees",
        "provider_fees",
        "total",
        "per_message",
        "confidence",
    ])
    .right_align(0)
    .right_align(2)
    .right_align(3)
    .right_align(4)
    .right_align(5);
    for r in &c.rows {
        t.row([
            r.rank.to_string(),
            r.provider.clone(),
            r.meta_fees.to_string(),
            r.provider_fees.to_string(),
            r.total.to_string(),
            r.per_message
                .map(|d| d.to_string())
                .unwrap_or_else(|| "-".to_string()),
            r.confidence.to_string(),
        ]);
    }
    t
}

/// [`providers_table`] with each provider's `as_of` and `source` (the CSV of a comparison).
pub fn providers_csv_table(c: &Comparison) -> Table {
    let t = providers_table(c);
    let mut out = Table::new(
        t.header()
            .iter()
            .cloned()
            .chain(["as_of".to_string(), "source".to_string()])
            .collect::<Vec<_>>(),
    );
    for (row, r) in t.rows().iter().zip(&c.rows) {
        out.row(
            row.iter()
                .cloned()
                .chain([r.as_of.clone(), r.source.clone()]),
        );
    }
    out
}

/// The provider comparison as one JSON document (what `wacost compare --format json`
/// prints). `card_currency` is the currency of Meta's fees before conversion.
pub fn comparison_json(c: &Comparison, card_currency: &str, outbound_messages: u64) -> Value {
    let providers: Vec<_> = c
        .rows
        .iter()
        .map(|r| {
            json!({
                "provider": r.provider,
                "meta_fees": r.meta_fees.to_string(),
                "provider_fees": r.provider_fees.to_string(),
                "total": r.total.to_string(),
                "per_message": r.per_message.map(|d| d.to_string()),
                "rank": r.rank,
                "source": r.source,
                "as_of": r.as_of,
                "confidence": r.confidence.as_str(),
                "notes": r.notes,
            })
        })
        .collect();
    json!({
        "currency": c.currency.code(),
        "card_currency": card_currency,
        "outbound_messages": outbound_messages,
        "providers": providers,
        "notes": c.notes,
    })
}

/// The chart of a provider comparison: Meta's fees and the provider's, cheapest first.
pub fn providers_chart(c: &Comparison) -> Providers {
    Providers {
        title: "Cost by provider: Meta's fees and the provider's own".into(),
        currency: c.currency.to_string(),
        rows: c
            .rows
            .iter()
            .map(|r| ProviderCost {
                name: r.provider.clone(),
                meta_fees: r.meta_fees,
                provider_fees: r.provider_fees,
            })
            .collect(),
    }
}

/// The first and last day of a ledger.
pub fn period(ledger: &Ledger) -> Option<(NaiveDate, NaiveDate)> {
    let dates = ledger.group_by(|k| k.date);
    Some((*dates.keys().next()?, *dates.keys().next_back()?))
}

fn period_text(ledger: &Ledger) -> String {
    match period(ledger) {
        None => "no messages".to_string(),
        Some((a, b)) if a == b => a.format("%-d %B %Y").to_string(),
        Some((a, b)) => {
            let days = (b - a).num_days() + 1;
            if a.year() == b.year() && a.month() == b.month() {
                format!(
                    "{}–{} ({days} days)",
                    a.format("%-d"),
                    b.format("%-d %B %Y")
                )
            } else {
                format!(
                    "{} to {} ({days} days)",
                    a.format("%-d %B %Y"),
                    b.format("%-d %B %Y")
                )
            }
        }
    }
}

fn share(part: Decimal, total: Decimal) -> String {
    if total.is_zero() {
        "-".to_string()
    } else {
        format!("{:.1}%", (part * Decimal::ONE_HUNDRED / total).round_dp(1))
    }
}

fn grouping_table(key: &str, currency: &str, rows: &[(String, Totals)], total: Decimal) -> Table {
    let mut t = Table::new([
        key.to_string(),
        "lines".into(),
        "billed".into(),
        format!("amount ({currency})"),
        "share".into(),
    ]);
    for (k, v) in rows {
        t.row([
            k.clone(),
            charts::format_count(v.lines),
            charts::format_count(v.billed),
            charts::format_exact(v.amount),
            share(v.amount, total),
        ]);
    }
    t
}

/// The rate cards in force over a ledger's days, each with the message lines it priced.
fn cards_in_force<'b>(
    ledger: &Ledger,
    book: &'b RateBook,
) -> Vec<(&'b wacost_core::pricing::ratecard::RateCard, u64)> {
    let mut out: Vec<(&wacost_core::pricing::ratecard::RateCard, u64)> = Vec::new();
    let by_date = ledger.group_by(|k| (k.date, k.kind));
    for ((date, kind), t) in by_date {
        let Ok(card) = book.card_at(ledger.currency, date) else {
            continue;
        };
        let lines = if kind == LineKind::Message {
            t.lines
        } else {
            0
        };
        match out
            .iter_mut()
            .find(|(c, _)| c.effective == card.effective && c.currency == card.currency)
        {
            Some(e) => e.1 += lines,
            None => out.push((card, lines)),
        }
    }
    out
}

/// An estimated cell: the card's effective date, the market, the category.
type EstimatedCell = (NaiveDate, String, Category);

/// The provenance tables and assumptions: cards in force with their confidence, and the
/// estimated cells used.
fn provenance(report: &Report) -> (Vec<String>, Vec<(String, Table)>) {
    let ledger = report.ledger;
    let book = report.book;
    let mut assumptions = Vec::new();
    let mut tables = Vec::new();
    let cards = cards_in_force(ledger, book);
    if !cards.is_empty() {
        let mut t = Table::new([
            "effective",
            "currency",
            "card",
            "confidence",
            "published",
            "derived",
            "estimated",
            "messages priced",
        ]);
        for (card, messages) in &cards {
            let (p, d, e) = card.provenance_counts();
            t.row([
                card.effective.to_string(),
                card.currency.to_string(),
                card.title.clone(),
                card.confidence.clone(),
                p.to_string(),
                d.to_string(),
                e.to_string(),
                charts::format_count(*messages),
            ]);
            for n in &card.notes {
                assumptions.push(format!("{} card of {}: {n}", card.currency, card.effective));
            }
        }
        tables.push(("Rate cards in force (cells by provenance)".to_string(), t));
    }

    // Estimated cells used: ledger rows with estimated lines, by card, market and category.
    let mut used: BTreeMap<EstimatedCell, (u64, Option<String>, String)> = BTreeMap::new();
    for r in ledger.rows() {
        if r.totals.estimated == 0 {
            continue;
        }
        let Ok(card) = book.card_at(ledger.currency, r.key.date) else {
            continue;
        };
        let cell = card.cell(r.key.market, r.key.category).or_else(|| {
            (r.key.category == Category::AuthenticationInternational)
                .then(|| card.cell(r.key.market, Category::Authentication))
                .flatten()
        });
        let e = used
            .entry((
                card.effective,
                book.names.name(r.key.market).to_string(),
                r.key.category,
            ))
            .or_insert_with(|| {
                (
                    0,
                    cell.map(|c| c.rate.to_string()),
                    cell.map(|c| {
                        if c.note.is_empty() {
                            card.source_text(&c.source).to_string()
                        } else {
                            c.note.clone()
                        }
                    })
                    .unwrap_or_default(),
                )
            });
        e.0 += r.totals.estimated;
    }
    if used.is_empty() {
        assumptions.push(
            "no estimated rate was used: every charged message was priced with a published or \
             derived rate"
                .to_string(),
        );
    } else {
        let mut t = Table::new([
            "card",
            "market",
            "category",
            "rate",
            "messages",
            "how it was estimated",
        ]);
        for ((effective, market, category), (n, rate, note)) in &used {
            t.row([
                effective.to_string(),
                market.clone(),
                category.to_string(),
                rate.clone().unwrap_or_else(|| "-".to_string()),
                charts::format_count(*n),
                note.clone(),
            ]);
        }
        tables.push((
            format!(
                "Estimated rate cells used ({} messages priced with an estimated rate)",
                charts::format_count(ledger.estimated_rates_used())
            ),
            t,
        ));
    }
    (assumptions, tables)
}

/// Writes the ledger as CSV, with the columns of [`Ledger::to_dataframe`].
fn ledger_csv(ledger: &Ledger, book: &RateBook, path: &Path) -> Result<(), ReportError> {
    let err = fail(path);
    let mut w = csv::Writer::from_path(path).map_err(|e| err(&e))?;
    w.write_record([
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
    ])
    .map_err(|e| err(&e))?;
    for r in ledger.rows() {
        let k = &r.key;
        let t = &r.totals;
        w.write_record([
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
        ])
        .map_err(|e| err(&e))?;
    }
    w.flush().map_err(|e| err(&e))
}

fn write_text(path: &Path, text: &str, files: &mut Vec<PathBuf>) -> Result<(), ReportError> {
    std::fs::write(path, text).map_err(|e| fail(path)(&e))?;
    files.push(path.to_path_buf());
    Ok(())
}

/// The charts of a report: file stem, chart, caption.
fn report_charts(report: &Report) -> Vec<(String, Chart, String)> {
    let names = &report.book.names;
    let mut out: Vec<(String, Chart, String)> = charts::ledger_charts(report.ledger, names)
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
        })
        .collect();
    if let Some(c) = report.comparison {
        out.push((
            "providers".into(),
            providers_chart(c).into(),
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

/// Writes the full report into `dir` (created if needed; files already there are
/// replaced, others left alone). Returns the page and every file written.
pub fn write(dir: &Path, report: &Report) -> Result<Written, ReportError> {
    let ledger = report.ledger;
    let book = report.book;
    let currency = ledger.currency.to_string();
    let chart_dir = dir.join(CHARTS);
    std::fs::create_dir_all(&chart_dir).map_err(|e| fail(&chart_dir)(&e))?;
    let mut files: Vec<PathBuf> = Vec::new();

    // Charts: written once, the SVG read back for the page.
    let mut inline = Vec::new();
    for (stem, chart, caption) in report_charts(report) {
        let path = chart_dir.join(&stem);
        let written = charts::write(&chart, &path).map_err(|e| fail(&path)(&e))?;
        let svg = std::fs::read_to_string(&written.svg).map_err(|e| fail(&written.svg)(&e))?;
        inline.push(InlineChart {
            caption,
            svg,
            files: vec![
                Link::new("PNG", format!("{CHARTS}/{stem}.png")),
                Link::new("SVG", format!("{CHARTS}/{stem}.svg")),
            ],
        });
        files.push(written.png);
        files.push(written.svg);
    }

    // Tables.
    let mut links: Vec<Link> = vec![Link::new("Workbook for Excel (XLSX)", WORKBOOK)];
    write_text(
        &dir.join(SUMMARY_JSON),
        &(serde_json::to_string_pretty(&report.summary).map_err(|e| fail(dir)(&e))? + "\n"),
        &mut files,
    )?;
    let csv = summary::ledger_csv(ledger, book).map_err(|e| fail(dir)(&e))?;
    write_text(&dir.join(SUMMARY_CSV), &csv, &mut files)?;
    links.push(Link::new("Summary (JSON)", SUMMARY_JSON));
    links.push(Link::new("Summary (CSV)", SUMMARY_CSV));

    let parquet = dir.join(LEDGER_PARQUET);
    let mut df = ledger
        .to_dataframe(&book.names)
        .map_err(|e| fail(&parquet)(&e))?;
    let file = File::create(&parquet).map_err(|e| fail(&parquet)(&e))?;
    ParquetWriter::new(file)
        .finish(&mut df)
        .map_err(|e| fail(&parquet)(&e))?;
    files.push(parquet);
    let ledger_csv_path = dir.join(LEDGER_CSV);
    ledger_csv(ledger, book, &ledger_csv_path)?;
    files.push(ledger_csv_path);
    links.push(Link::new(
        "Ledger: totals by day, business, market, country, category and pricing type (CSV)",
        LEDGER_CSV,
    ));
    links.push(Link::new("Ledger (Parquet)", LEDGER_PARQUET));

    let mut notes = report.notes.clone();
    let mut workbook_notes = report.notes.clone();
    if let Some(l) = report.lines
        && report.lines_dropped > 0
    {
        workbook_notes.push(format!(
            "the lines sheet holds the first {} of {} charge lines; every line is in lines.csv \
             (wacost replay --out DIR)",
            charts::format_count(l.len() as u64),
            charts::format_count(l.len() as u64 + report.lines_dropped)
        ));
    }
    if report.lines.is_none() {
        workbook_notes
            .push("charge lines are not in this workbook: see lines.csv next to it".to_string());
    }
    let wb_path = dir.join(WORKBOOK);
    xlsx::workbook_with_contacts(
        ledger,
        &book.names,
        report.lines,
        &workbook_notes,
        report.show_contacts,
    )
    .and_then(|mut wb| {
        if let Some(s) = &report.simulation {
            for (heading, stem, table) in &s.tables {
                xlsx::table_sheet(&mut wb, &format!("simulation {stem}"), heading, table)?;
            }
        }
        wb.save(&wb_path)
    })
    .map_err(|e| fail(&wb_path)(&e))?;
    files.push(wb_path);

    // The provider comparison.
    let mut tables: Vec<(String, Table)> = Vec::new();
    if let Some(c) = report.comparison {
        let outbound = ledger.messages();
        write_text(
            &dir.join("providers.json"),
            &(serde_json::to_string_pretty(&comparison_json(c, &currency, outbound))
                .map_err(|e| fail(dir)(&e))?
                + "\n"),
            &mut files,
        )?;
        let csv = providers_csv_table(c).to_csv().map_err(|e| fail(dir)(&e))?;
        write_text(&dir.join("providers.csv"), &csv, &mut files)?;
        links.push(Link::new("Provider comparison (CSV)", "providers.csv"));
        links.push(Link::new(
            "Provider comparison with every provider's notes (JSON)",
            "providers.json",
        ));
        notes.extend(c.notes.iter().map(|n| format!("provider comparison: {n}")));
    }

    // Simulation tables.
    if let Some(s) = &report.simulation {
        for (heading, stem, table) in &s.tables {
            let name = format!("simulation_{stem}.csv");
            let csv = table.to_csv().map_err(|e| fail(dir)(&e))?;
            write_text(&dir.join(&name), &csv, &mut files)?;
            links.push(Link::new(format!("{heading} (CSV)"), name));
        }
        if let Some(doc) = &s.summary {
            write_text(
                &dir.join("simulation.json"),
                &(serde_json::to_string_pretty(doc).map_err(|e| fail(dir)(&e))? + "\n"),
                &mut files,
            )?;
            links.push(Link::new(
                "Simulation summary: P5, P50, P95 and mean over the runs (JSON)",
                "simulation.json",
            ));
        }
        if let Some(runs) = &s.runs {
            let csv = runs.to_csv().map_err(|e| fail(dir)(&e))?;
            write_text(&dir.join("simulation_runs.csv"), &csv, &mut files)?;
            links.push(Link::new(
                "Every simulated run's totals (CSV)",
                "simulation_runs.csv",
            ));
        }
        notes.extend(s.notes.iter().map(|n| format!("simulation: {n}")));
    }

    // Charge lines written next to the report by `replay --out`.
    for (name, label) in [
        (
            "lines.csv",
            "Every charge line with the rule that priced it (CSV)",
        ),
        ("lines.parquet", "Every charge line (Parquet)"),
    ] {
        if dir.join(name).is_file() {
            links.push(Link::new(label, name));
        }
    }

    // The page.
    let total = ledger.total();
    let mut facts: Vec<(String, String)> = vec![
        (
            "outbound messages priced".into(),
            charts::format_count(ledger.messages()),
        ),
        (
            "messages charged".into(),
            charts::format_count(ledger.charged()),
        ),
    ];
    if let Some(n) = report.summary.get("inbound").and_then(Value::as_u64) {
        facts.push(("inbound messages".into(), charts::format_count(n)));
    }
    if let Some(n) = report.summary.get("contacts").and_then(Value::as_u64) {
        facts.push(("contacts".into(), charts::format_count(n)));
    }
    if ledger.charged() > 0 {
        facts.push((
            format!("average per charged message ({currency})"),
            charts::format_amount(total / Decimal::from(ledger.charged())),
        ));
    }
    facts.push((
        "priced with an estimated rate".into(),
        charts::format_count(ledger.estimated_rates_used()),
    ));
    if let Some(best) = report.comparison.and_then(|c| c.rows.first()) {
        facts.push((
            "cheapest provider".into(),
            format!(
                "{} ({} {})",
                best.provider,
                report
                    .comparison
                    .map(|c| c.currency.to_string())
                    .unwrap_or_default(),
                charts::format_exact(best.total)
            ),
        ));
    }

    if let Some(s) = &report.simulation {
        facts.extend(s.facts.iter().cloned());
    }

    let mut assumptions = vec![
        format!(
            "Meta's list rates in {currency}, from the rate card in force on each message's \
             date; amounts are exact decimals, never rounded"
        ),
        "only delivered messages are charged; each message is priced by the rule in force on \
         its date (see the rule of every line in lines.csv)"
            .to_string(),
    ];
    assumptions.extend(report.assumptions.iter().cloned());
    assumptions.push(if report.show_contacts {
        "contacts are shown in full (--show-contacts)".to_string()
    } else {
        "contacts are masked (calling code and last two digits); --show-contacts shows them in \
         full"
            .to_string()
    });
    let (card_assumptions, mut provenance_tables) = provenance(report);
    if let Some(c) = report.comparison {
        let mut t = Table::new(["provider", "as of", "confidence", "source"]);
        for r in &c.rows {
            t.row([
                r.provider.clone(),
                r.as_of.clone(),
                r.confidence.to_string(),
                r.source.clone(),
            ]);
        }
        provenance_tables.push(("Where each provider's fees come from".to_string(), t));
    }
    assumptions.extend(card_assumptions);

    let groups = summary::ledger_groupings(ledger, book);
    let get = |name: &str| {
        groups
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, g)| g.clone())
            .unwrap_or_default()
    };
    let by_category: Vec<(String, Totals)> = {
        let g = get("by_category");
        Category::ALL
            .into_iter()
            .filter_map(|c| g.get(c.as_str()).map(|t| (c.to_string(), *t)))
            .collect()
    };
    let mut by_market: Vec<(String, Totals)> = get("by_market").into_iter().collect();
    by_market.sort_by(|a, b| b.1.amount.cmp(&a.1.amount).then_with(|| a.0.cmp(&b.0)));
    let by_month: Vec<(String, Totals)> = get("by_month").into_iter().collect();
    let by_type: Vec<(String, Totals)> = get("by_pricing_type").into_iter().collect();
    let mut by_business: Vec<(String, Totals)> = get("by_business").into_iter().collect();
    by_business.sort_by(|a, b| b.1.amount.cmp(&a.1.amount).then_with(|| a.0.cmp(&b.0)));
    let mut summary_tables = vec![
        (
            "By pricing category".to_string(),
            grouping_table("category", &currency, &by_category, total),
        ),
        (
            "By market".to_string(),
            grouping_table("market", &currency, &by_market, total),
        ),
        (
            "By month".to_string(),
            grouping_table("month", &currency, &by_month, total),
        ),
        (
            "By pricing type".to_string(),
            grouping_table("pricing type", &currency, &by_type, total),
        ),
        (
            "By business number".to_string(),
            grouping_table("business", &currency, &by_business, total),
        ),
    ];
    if !report.contacts.is_empty() {
        let mut t = Table::new([
            "contact".to_string(),
            "messages".into(),
            "billed".into(),
            format!("amount ({currency})"),
            "share".into(),
        ]);
        for c in &report.contacts {
            t.row([
                c.contact.clone(),
                charts::format_count(c.messages),
                charts::format_count(c.billed),
                charts::format_exact(c.amount),
                share(c.amount, total),
            ]);
        }
        summary_tables.push((
            format!(
                "Top {} contacts by spend{}",
                report.contacts.len(),
                if report.show_contacts {
                    ""
                } else {
                    " (masked)"
                }
            ),
            t,
        ));
    }
    if let Some(c) = report.comparison {
        let mut t = providers_table(c);
        t = Table::new(
            t.header()
                .iter()
                .map(|h| h.replace('_', " "))
                .collect::<Vec<_>>(),
        );
        for r in &c.rows {
            t.row([
                r.rank.to_string(),
                r.provider.clone(),
                charts::format_exact(r.meta_fees),
                charts::format_exact(r.provider_fees),
                charts::format_exact(r.total),
                r.per_message
                    .map(charts::format_exact)
                    .unwrap_or_else(|| "-".to_string()),
                r.confidence.to_string(),
            ]);
        }
        summary_tables.push((
            format!(
                "Provider comparison ({}, cheapest first; sources above)",
                c.currency
            ),
            t,
        ));
    }
    if let Some(s) = &report.simulation {
        for (heading, _, table) in &s.tables {
            summary_tables.push((heading.clone(), table.clone()));
        }
    }
    tables.extend(summary_tables);

    let mut subtitle = period_text(ledger);
    if !report.source.is_empty() {
        subtitle.push_str(" · ");
        subtitle.push_str(&report.source);
    }
    if let Some(s) = &report.simulation
        && !s.scenario.is_empty()
    {
        subtitle.push_str(" · simulated: ");
        subtitle.push_str(&s.scenario);
    }
    let page = ReportPage {
        title: report.title.clone(),
        subtitle,
        headline: Headline {
            label: "Total spend on Meta's fees".into(),
            amount: total,
            currency: currency.clone(),
        },
        facts,
        assumptions,
        notes,
        provenance: provenance_tables,
        tables,
        charts: inline,
        links,
        footer: format!(
            "wacost {}: every figure from Meta's published rules and rate cards; data \
             provenance in data/SOURCES.md",
            env!("CARGO_PKG_VERSION")
        ),
    };
    let index = dir.join(INDEX);
    page.write(&index).map_err(|e| fail(&index)(&e))?;
    files.insert(0, index.clone());
    Ok(Written { index, files })
}
