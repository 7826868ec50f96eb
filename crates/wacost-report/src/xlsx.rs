//! The ledger as one XLSX workbook, for finance: a `summary` sheet whose totals are
//! formulas, `by_category`, `by_market` and `by_month` sheets, the `ledger` (one row per
//! ledger row) and, when given, the `lines` (one row per charge line, contacts masked).
//!
//! Amounts are written as numbers with a currency number format, so that they add up in
//! Excel. Excel stores every number as an IEEE 754 double, so each [`Decimal`] becomes an
//! `f64` at the moment its cell is written, and nowhere else; an `amount (exact)` column next
//! to every amount keeps the exact decimal as text, and formulas carry the exact total as
//! their cached result. The grand total is also the workbook name `GrandTotal`.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::Datelike;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{
    ExcelDateTime, Format, FormatAlign, Formula, RowNum, Workbook, Worksheet, XlsxError,
    column_number_to_name,
};

use crate::charts::format_count;
use crate::lines;
use crate::model::Report;
use wacost_core::charge::Charge;
use wacost_core::ledger::{Ledger, Totals};
use wacost_core::pricing::category::Category;
use wacost_core::pricing::market::MarketNames;
use wacost_core::providers::Comparison;
use wacost_core::replay::LineSink;
use wacost_core::table::Column;

/// Name of the summary sheet.
pub const SUMMARY: &str = "summary";
/// Name of the ledger sheet.
pub const LEDGER: &str = "ledger";
/// Name of the lines sheet.
pub const LINES: &str = "lines";
/// Name of the provider comparison's sheet.
pub const PROVIDERS: &str = "providers";
/// The workbook-level name of the grand total cell.
pub const GRAND_TOTAL: &str = "GrandTotal";
/// Data rows a sheet can hold (Excel's limit less the header).
pub const MAX_ROWS: usize = 1_048_575;

/// The one place a money amount leaves exact arithmetic: Excel cells are `f64`.
fn cell_number(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

struct Formats {
    money: Format,
    money_total: Format,
    count: Format,
    count_total: Format,
    share: Format,
    share_total: Format,
    date: Format,
    header: Format,
    bold: Format,
    title: Format,
    exact: Format,
    exact_total: Format,
}

impl Formats {
    fn new(currency: &str) -> Formats {
        // `#,##0.00##`: two to four decimals (per-message rates have four); the currency
        // code as literal text.
        let money = format!("#,##0.00## \"{currency}\";-#,##0.00## \"{currency}\"");
        Formats {
            money: Format::new().set_num_format(&money),
            money_total: Format::new().set_num_format(&money).set_bold(),
            count: Format::new().set_num_format("#,##0"),
            count_total: Format::new().set_num_format("#,##0").set_bold(),
            share: Format::new().set_num_format("0.0%"),
            share_total: Format::new().set_num_format("0.0%").set_bold(),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            header: Format::new().set_bold(),
            bold: Format::new().set_bold(),
            title: Format::new().set_bold().set_font_size(14),
            exact: Format::new().set_align(FormatAlign::Right),
            exact_total: Format::new().set_align(FormatAlign::Right).set_bold(),
        }
    }
}

fn cell(row: RowNum, col: u16) -> String {
    format!("{}{}", column_number_to_name(col), row + 1)
}

fn header(ws: &mut Worksheet, f: &Formats, row: RowNum, names: &[&str]) -> Result<(), XlsxError> {
    for (i, n) in names.iter().enumerate() {
        ws.write_string_with_format(row, i as u16, *n, &f.header)?;
    }
    Ok(())
}

/// An instant (Unix milliseconds) as an Excel date-time in UTC.
fn time_cell(time_ms: i64) -> Option<ExcelDateTime> {
    let t = chrono::DateTime::from_timestamp_millis(time_ms)?.naive_utc();
    ExcelDateTime::parse_from_str(&t.format("%Y-%m-%dT%H:%M:%S%.3f").to_string()).ok()
}

fn date_cell(d: chrono::NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
}

/// A sheet of totals by one key, with a total row of `SUM` formulas. Returns the row of the
/// total.
fn group_sheet(
    wb: &mut Workbook,
    f: &Formats,
    name: &str,
    key: &str,
    rows: &[(String, Totals)],
) -> Result<RowNum, XlsxError> {
    let total: Decimal = rows.iter().map(|r| r.1.amount).sum();
    let ws = wb.add_worksheet();
    ws.set_name(name)?;
    header(
        ws,
        f,
        0,
        &[
            key,
            "lines",
            "billed",
            "amount",
            "amount (exact)",
            "share of total",
        ],
    )?;
    let first = 1;
    let last = rows.len() as RowNum; // the last data row (0-based), = first + len - 1
    let t = last + 1;
    for (i, (k, v)) in rows.iter().enumerate() {
        let r = first + i as RowNum;
        ws.write_string(r, 0, k)?;
        ws.write_number_with_format(r, 1, v.lines as f64, &f.count)?;
        ws.write_number_with_format(r, 2, v.billed as f64, &f.count)?;
        ws.write_number_with_format(r, 3, cell_number(v.amount), &f.money)?;
        ws.write_string_with_format(r, 4, v.amount.to_string(), &f.exact)?;
        let share = if total.is_zero() {
            Decimal::ZERO
        } else {
            v.amount / total
        };
        ws.write_formula_with_format(
            r,
            5,
            Formula::new(format!(
                "=IF($D${row}=0,0,D{}/$D${row})",
                r + 1,
                row = t + 1
            ))
            .set_result(share.round_dp(12).normalize().to_string()),
            &f.share,
        )?;
    }
    ws.write_string_with_format(t, 0, "Total", &f.bold)?;
    let sum = |col: u16, result: String| {
        let range = if rows.is_empty() {
            "0".to_string()
        } else {
            format!("SUM({}:{})", cell(first, col), cell(last, col))
        };
        Formula::new(format!("={range}")).set_result(result)
    };
    let lines: u64 = rows.iter().map(|r| r.1.lines).sum();
    let billed: u64 = rows.iter().map(|r| r.1.billed).sum();
    ws.write_formula_with_format(t, 1, sum(1, lines.to_string()), &f.count_total)?;
    ws.write_formula_with_format(t, 2, sum(2, billed.to_string()), &f.count_total)?;
    ws.write_formula_with_format(t, 3, sum(3, total.to_string()), &f.money_total)?;
    ws.write_string_with_format(t, 4, total.to_string(), &f.exact_total)?;
    ws.write_formula_with_format(
        t,
        5,
        Formula::new(format!("=IF(D{r}=0,0,1)", r = t + 1)).set_result(if total.is_zero() {
            "0"
        } else {
            "1"
        }),
        &f.share_total,
    )?;
    ws.set_column_width(0, 28)?;
    ws.set_column_width(1, 10)?;
    ws.set_column_width(2, 10)?;
    ws.set_column_width(3, 18)?;
    ws.set_column_width(4, 18)?;
    ws.set_column_width(5, 14)?;
    ws.set_freeze_panes(1, 0)?;
    Ok(t)
}

/// Columns of the ledger sheet.
const LEDGER_COLUMNS: [&str; 15] = [
    "date",
    "month",
    "business",
    "market",
    "country",
    "category",
    "pricing_type",
    "line_kind",
    "lines",
    "quantity",
    "billed",
    "estimated",
    "amount",
    "amount (exact)",
    "currency",
];
/// Index of `amount` in [`LEDGER_COLUMNS`].
const LEDGER_AMOUNT: u16 = 12;

fn ledger_sheet(
    wb: &mut Workbook,
    f: &Formats,
    ledger: &Ledger,
    names: &MarketNames,
) -> Result<usize, XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name(LEDGER)?;
    header(ws, f, 0, &LEDGER_COLUMNS)?;
    let rows = ledger.rows();
    let currency = ledger.currency.to_string();
    for (i, row) in rows.iter().enumerate().take(MAX_ROWS) {
        let r = 1 + i as RowNum;
        let k = &row.key;
        let t = &row.totals;
        ws.write_date_with_format(r, 0, date_cell(k.date)?, &f.date)?;
        ws.write_string(r, 1, format!("{:04}-{:02}", k.date.year(), k.date.month()))?;
        ws.write_string(r, 2, k.business.name())?;
        ws.write_string(r, 3, names.name(k.market))?;
        ws.write_string(r, 4, k.country.to_string())?;
        ws.write_string(r, 5, k.category.as_str())?;
        ws.write_string(r, 6, k.pricing_type.as_str())?;
        ws.write_string(r, 7, k.kind.as_str())?;
        ws.write_number_with_format(r, 8, t.lines as f64, &f.count)?;
        ws.write_number_with_format(r, 9, t.quantity as f64, &f.count)?;
        ws.write_number_with_format(r, 10, t.billed as f64, &f.count)?;
        ws.write_number_with_format(r, 11, t.estimated as f64, &f.count)?;
        ws.write_number_with_format(r, LEDGER_AMOUNT, cell_number(t.amount), &f.money)?;
        ws.write_string_with_format(r, 13, t.amount.to_string(), &f.exact)?;
        ws.write_string(r, 14, &currency)?;
    }
    let n = rows.len().min(MAX_ROWS);
    if n > 0 {
        ws.autofilter(0, 0, n as RowNum, LEDGER_COLUMNS.len() as u16 - 1)?;
    }
    ws.set_freeze_panes(1, 0)?;
    ws.set_column_width(0, 12)?;
    ws.set_column_width(2, 18)?;
    ws.set_column_width(3, 24)?;
    ws.set_column_width(5, 16)?;
    ws.set_column_width(6, 22)?;
    ws.set_column_width(7, 13)?;
    ws.set_column_width(LEDGER_AMOUNT, 16)?;
    ws.set_column_width(13, 16)?;
    Ok(n)
}

fn lines_sheet(
    wb: &mut Workbook,
    f: &Formats,
    charges: &[Charge],
    names: &MarketNames,
    show_contacts: bool,
) -> Result<usize, XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name(LINES)?;
    header(ws, f, 0, &lines::COLUMNS)?;
    let col = |name: &str| lines::COLUMNS.iter().position(|c| *c == name);
    let (date, rate, amount, quantity) = (col("date"), col("rate"), col("amount"), col("quantity"));
    let time = col("time");
    let flags = [col("billable"), col("meta_billable")];
    let time_format = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss.000");
    for (i, c) in charges.iter().enumerate().take(MAX_ROWS) {
        let r = 1 + i as RowNum;
        // Contacts masked unless asked for: finance does not need phone numbers.
        let fields = lines::fields(c, names, show_contacts);
        for (j, text) in fields.iter().enumerate() {
            let jc = j as u16;
            if Some(j) == date {
                ws.write_date_with_format(r, jc, date_cell(c.date)?, &f.date)?;
            } else if Some(j) == time {
                // A date-time (UTC), to the millisecond, that Excel can sort and compute with.
                match time_cell(c.time_ms) {
                    Some(t) => ws.write_datetime_with_format(r, jc, t, &time_format)?,
                    None => ws.write_string(r, jc, text)?,
                };
            } else if flags.contains(&Some(j)) && (text == "true" || text == "false") {
                ws.write_boolean(r, jc, text == "true")?;
            } else if Some(j) == rate {
                if let Some(v) = c.rate {
                    ws.write_number_with_format(r, jc, cell_number(v), &f.money)?;
                }
            } else if Some(j) == amount {
                ws.write_number_with_format(r, jc, cell_number(c.amount), &f.money)?;
            } else if Some(j) == quantity {
                ws.write_number_with_format(r, jc, c.quantity as f64, &f.count)?;
            } else if !text.is_empty() {
                ws.write_string(r, jc, text)?;
            }
        }
    }
    let n = charges.len().min(MAX_ROWS);
    if n > 0 {
        ws.autofilter(0, 0, n as RowNum, lines::COLUMNS.len() as u16 - 1)?;
    }
    ws.set_freeze_panes(1, 0)?;
    ws.set_column_width(1, 21)?;
    ws.set_column_width(2, 12)?;
    Ok(n)
}

fn by<K: Ord + ToString>(map: BTreeMap<K, Totals>) -> Vec<(String, Totals)> {
    map.into_iter().map(|(k, t)| (k.to_string(), t)).collect()
}

/// The workbook of a report: its ledger's sheets, the first charge lines, the notes (with
/// what the `lines` sheet holds) and the simulation's tables as sheets.
pub fn report_workbook(report: &Report, names: &MarketNames) -> Result<Workbook, XlsxError> {
    let mut notes = report.notes.clone();
    match &report.lines {
        Some(l) if report.lines_dropped > 0 => notes.push(format!(
            "the lines sheet holds the first {} of {} charge lines; every line is in lines.csv \
             (wacost replay --out DIR)",
            format_count(l.len() as u64),
            format_count(l.len() as u64 + report.lines_dropped)
        )),
        Some(_) => {}
        None => {
            notes.push("charge lines are not in this workbook: see lines.csv next to it".into())
        }
    }
    let mut wb = workbook_with_contacts(
        &report.ledger,
        names,
        report.lines.as_deref(),
        &notes,
        report.show_contacts,
    )?;
    if let Some(c) = &report.comparison {
        providers_sheet(&mut wb, c)?;
    }
    if let Some(s) = &report.simulation {
        for (heading, stem, table) in &s.tables {
            let currency = report.ledger.currency.to_string();
            table_sheet(
                &mut wb,
                &format!("simulation_{stem}"),
                heading,
                table,
                &currency,
            )?;
        }
    }
    advice_sheets(&mut wb, report)?;
    Ok(wb)
}

/// The sheets `advice` (the findings, or every what-if run when none saved anything),
/// `forecast` and `forecast_by_category`, when the report has them; figures as numbers.
fn advice_sheets(wb: &mut Workbook, report: &Report) -> Result<(), XlsxError> {
    use crate::insights;
    if let Some(a) = &report.advice {
        let (heading, _, table) = insights::advice_section(a);
        let heading = format!("{heading} ({}, {})", a.period, a.currency);
        table_sheet(wb, "advice", &heading, &table, a.currency.code())?;
    }
    if let Some(f) = &report.forecast {
        let cur = f.currency.code();
        let heading = format!("Forecast by month ({cur}), learnt from {}", f.learnt_from);
        table_sheet(wb, "forecast", &heading, &insights::forecast_table(f), cur)?;
        table_sheet(
            wb,
            "forecast_by_category",
            "Forecast by month and pricing category",
            &insights::forecast_category_table(f),
            cur,
        )?;
    }
    Ok(())
}

/// The workbook of a ledger. `lines`, when given, fills the `lines` sheet (at most
/// [`MAX_ROWS`]; see [`KeepLines`]); `notes` (assumptions, estimated rates, skipped rows) are
/// written under the summary.
pub fn workbook(
    ledger: &Ledger,
    names: &MarketNames,
    lines: Option<&[Charge]>,
    notes: &[String],
) -> Result<Workbook, XlsxError> {
    workbook_with_contacts(ledger, names, lines, notes, false)
}

/// [`workbook`], with the contacts of the `lines` sheet in full when `show_contacts` (masked
/// otherwise, as [`workbook`] writes them).
pub fn workbook_with_contacts(
    ledger: &Ledger,
    names: &MarketNames,
    lines: Option<&[Charge]>,
    notes: &[String],
    show_contacts: bool,
) -> Result<Workbook, XlsxError> {
    let currency = ledger.currency.to_string();
    let f = Formats::new(&currency);
    let mut wb = Workbook::new();
    let total = ledger.total();

    // Category rows in rate-card order.
    let by_category: Vec<(String, Totals)> = {
        let g = ledger.group_by(|k| k.category);
        Category::ALL
            .into_iter()
            .filter_map(|c| g.get(&c).map(|t| (c.to_string(), *t)))
            .collect()
    };
    let mut by_market = by(ledger.group_by(|k| names.name(k.market).to_string()));
    by_market.sort_by(|a, b| b.1.amount.cmp(&a.1.amount).then_with(|| a.0.cmp(&b.0)));
    let by_month = by(ledger.group_by(|k| format!("{:04}-{:02}", k.date.year(), k.date.month())));
    let dates = ledger.group_by(|k| k.date);
    let period = match (dates.keys().next(), dates.keys().next_back()) {
        (Some(a), Some(b)) => format!("{a} to {b}"),
        _ => "no lines".to_string(),
    };

    // The summary first, so that it opens first.
    let ws = wb.add_worksheet();
    ws.set_name(SUMMARY)?;
    ws.write_string_with_format(0, 0, "WhatsApp Business spend", &f.title)?;
    let facts: [(&str, String); 5] = [
        ("currency", currency.clone()),
        ("period", period),
        ("outbound messages priced", ledger.messages().to_string()),
        ("messages charged", ledger.charged().to_string()),
        (
            "messages priced with an estimated rate",
            ledger.estimated_rates_used().to_string(),
        ),
    ];
    for (i, (k, v)) in facts.iter().enumerate() {
        let r = 1 + i as RowNum;
        ws.write_string(r, 0, *k)?;
        if i >= 2 {
            ws.write_number_with_format(r, 1, v.parse::<f64>().unwrap_or(0.0), &f.count)?;
        } else {
            ws.write_string(r, 1, v)?;
        }
    }
    let h = 7;
    header(
        ws,
        &f,
        h,
        &["category", "lines", "billed", "amount", "amount (exact)"],
    )?;
    let first = h + 1;
    for (i, (k, t)) in by_category.iter().enumerate() {
        let r = first + i as RowNum;
        ws.write_string(r, 0, k)?;
        ws.write_number_with_format(r, 1, t.lines as f64, &f.count)?;
        ws.write_number_with_format(r, 2, t.billed as f64, &f.count)?;
        ws.write_number_with_format(r, 3, cell_number(t.amount), &f.money)?;
        ws.write_string_with_format(r, 4, t.amount.to_string(), &f.exact)?;
    }
    let t = first + by_category.len() as RowNum;
    let sum = |col: u16, result: String| {
        let range = if by_category.is_empty() {
            "0".to_string()
        } else {
            format!("SUM({}:{})", cell(first, col), cell(t - 1, col))
        };
        Formula::new(format!("={range}")).set_result(result)
    };
    let lines_total: u64 = by_category.iter().map(|c| c.1.lines).sum();
    let billed_total: u64 = by_category.iter().map(|c| c.1.billed).sum();
    ws.write_string_with_format(t, 0, "Total", &f.bold)?;
    ws.write_formula_with_format(t, 1, sum(1, lines_total.to_string()), &f.count_total)?;
    ws.write_formula_with_format(t, 2, sum(2, billed_total.to_string()), &f.count_total)?;
    ws.write_formula_with_format(t, 3, sum(3, total.to_string()), &f.money_total)?;
    ws.write_string_with_format(t, 4, total.to_string(), &f.exact_total)?;
    // A cross-check: the ledger sheet adds up to the same total.
    let ledger_rows = ledger.rows().len().min(MAX_ROWS) as RowNum;
    let amount_col = column_number_to_name(LEDGER_AMOUNT);
    ws.write_string(t + 1, 0, "check: sum of the ledger sheet")?;
    let check = if ledger_rows == 0 {
        "=0".to_string()
    } else {
        format!(
            "=SUM({LEDGER}!{amount_col}2:{amount_col}{})",
            ledger_rows + 1
        )
    };
    ws.write_formula_with_format(
        t + 1,
        3,
        Formula::new(check).set_result(total.to_string()),
        &f.money,
    )?;
    ws.write_string(t + 2, 0, "check: difference")?;
    ws.write_formula_with_format(
        t + 2,
        3,
        Formula::new(format!("={}-{}", cell(t, 3), cell(t + 1, 3))).set_result("0"),
        &f.money,
    )?;
    let mut r = t + 4;
    let mut all_notes: Vec<String> = notes.to_vec();
    if ledger.rows().len() > MAX_ROWS {
        all_notes.push(format!(
            "the ledger has {} rows: the ledger sheet holds the first {MAX_ROWS}",
            ledger.rows().len()
        ));
    }
    if let Some(l) = lines
        && l.len() > MAX_ROWS
    {
        all_notes.push(format!(
            "{} charge lines: the lines sheet holds the first {MAX_ROWS}",
            l.len()
        ));
    }
    all_notes.push(
        "amounts are numbers (Excel doubles); the 'amount (exact)' columns keep the exact \
         decimal figures"
            .to_string(),
    );
    ws.write_string_with_format(r, 0, "Notes", &f.bold)?;
    for n in &all_notes {
        r += 1;
        ws.write_string(r, 0, n)?;
    }
    ws.set_column_width(0, 40)?;
    ws.set_column_width(1, 22)?;
    ws.set_column_width(2, 10)?;
    ws.set_column_width(3, 18)?;
    ws.set_column_width(4, 18)?;
    wb.define_name(
        GRAND_TOTAL,
        &format!(
            "={SUMMARY}!{}",
            rust_xlsxwriter::row_col_to_cell_absolute(t, 3)
        ),
    )?;

    group_sheet(&mut wb, &f, "by_category", "category", &by_category)?;
    group_sheet(&mut wb, &f, "by_market", "market", &by_market)?;
    group_sheet(&mut wb, &f, "by_month", "month", &by_month)?;
    ledger_sheet(&mut wb, &f, ledger, names)?;
    if let Some(l) = lines {
        lines_sheet(&mut wb, &f, l, names, show_contacts)?;
    }
    Ok(wb)
}

/// A sheet of a table (a simulation's, a provider comparison's): its heading, the header
/// frozen under it, figures as numbers with a number format by column ([`Column`]: money with
/// the currency, counts whole, rates with four decimals), empty cells left empty and text as
/// text. `name` is the sheet's name (snake_case, as every sheet of the workbook).
pub fn table_sheet(
    wb: &mut Workbook,
    name: &str,
    heading: &str,
    table: &wacost_core::table::Table,
    currency: &str,
) -> Result<(), XlsxError> {
    let f = Formats::new(currency);
    let rate = Format::new().set_num_format("0.0000");
    let ws = wb.add_worksheet();
    ws.set_name(name)?;
    ws.write_string_with_format(0, 0, heading, &f.title)?;
    for (c, h) in table.header().iter().enumerate() {
        ws.write_string_with_format(2, c as u16, h, &f.header)?;
    }
    for (r, row) in table.rows().iter().enumerate() {
        let r = 3 + r as RowNum;
        for (c, cell) in row.iter().enumerate() {
            let c16 = c as u16;
            let text = cell.trim();
            if text.is_empty() {
                continue;
            }
            let number = text.trim_start_matches('+').parse::<Decimal>().ok();
            match (table.kind(c), number) {
                (Column::Money, Some(d)) => {
                    ws.write_number_with_format(r, c16, cell_number(d), &f.money)?
                }
                (Column::Rate, Some(d)) => {
                    ws.write_number_with_format(r, c16, cell_number(d), &rate)?
                }
                (Column::Count, Some(d)) => {
                    ws.write_number_with_format(r, c16, cell_number(d), &f.count)?
                }
                (Column::Text, Some(d)) => ws.write_number(r, c16, cell_number(d))?,
                (_, None) => ws.write_string(r, c16, cell)?,
            };
        }
    }
    ws.set_freeze_panes(3, 0)?;
    ws.set_column_width(0, 24)?;
    Ok(())
}

/// The `providers` sheet: each provider's fees on the same traffic, cheapest first, with its
/// source.
fn providers_sheet(wb: &mut Workbook, c: &Comparison) -> Result<(), XlsxError> {
    let cur = c.currency.to_string();
    let f = Formats::new(&cur);
    let rate = Format::new().set_num_format("0.0000");
    let ws = wb.add_worksheet();
    ws.set_name(PROVIDERS)?;
    header(
        ws,
        &f,
        0,
        &[
            "rank",
            "provider",
            "meta_fees",
            "provider_fees",
            "total",
            "per_message",
            "confidence",
            "as_of",
            "source",
        ],
    )?;
    for (i, p) in c.rows.iter().enumerate() {
        let r = 1 + i as RowNum;
        ws.write_number_with_format(r, 0, p.rank as f64, &f.count)?;
        ws.write_string(r, 1, &p.provider)?;
        ws.write_number_with_format(r, 2, cell_number(p.meta_fees), &f.money)?;
        ws.write_number_with_format(r, 3, cell_number(p.provider_fees), &f.money)?;
        ws.write_number_with_format(r, 4, cell_number(p.total), &f.money)?;
        if let Some(m) = p.per_message {
            ws.write_number_with_format(r, 5, cell_number(m), &rate)?;
        }
        ws.write_string(r, 6, p.confidence.as_str())?;
        ws.write_string(r, 7, &p.as_of)?;
        ws.write_string(r, 8, &p.source)?;
    }
    ws.set_freeze_panes(1, 0)?;
    ws.set_column_width(1, 18)?;
    for col in 2..=4 {
        ws.set_column_width(col, 14)?;
    }
    Ok(())
}

/// Writes [`workbook`] to a file (e.g. `report/wacost.xlsx`).
pub fn write(
    path: &Path,
    ledger: &Ledger,
    names: &MarketNames,
    lines: Option<&[Charge]>,
    notes: &[String],
) -> Result<(), XlsxError> {
    workbook(ledger, names, lines, notes)?.save(path)
}

/// A [`LineSink`] that keeps the first `limit` lines in memory for the `lines` sheet (and
/// counts the others).
#[derive(Clone, Debug)]
pub struct KeepLines {
    /// The lines kept.
    pub lines: Vec<Charge>,
    /// The most kept.
    pub limit: usize,
    /// Lines not kept.
    pub dropped: u64,
}

impl KeepLines {
    /// Keeps at most `limit` lines ([`MAX_ROWS`] fill a sheet).
    pub fn new(limit: usize) -> KeepLines {
        KeepLines {
            lines: Vec::new(),
            limit,
            dropped: 0,
        }
    }
}

impl LineSink for KeepLines {
    fn line(&mut self, c: &Charge) -> std::io::Result<()> {
        if self.lines.len() < self.limit {
            self.lines.push(*c);
        } else {
            self.dropped += 1;
        }
        Ok(())
    }

    fn reset(&mut self) -> std::io::Result<()> {
        self.lines.clear();
        self.dropped = 0;
        Ok(())
    }
}
