//! What `advise` and `forecast` add to a report: the "What to change" section right under
//! the headline (the findings, largest saving first, and the log's total under each
//! what-if), and the forecast section (actual months, then the forecast's P50 and P5–P95
//! band, by month and by category).
//!
//! Tables hold exact decimals with their [`Column`] kinds: the page rounds money to the
//! currency's decimals, the workbook writes numbers (sheets `advice`, `forecast` and
//! `forecast_by_category`).

use wacost_core::advise::Advice;
use wacost_core::forecast::Forecast;
use wacost_core::table::{Column, Table};

use crate::charts::{self, Chart, ForecastChart, WhatIfTotals};

/// The heading of the advice section.
pub const ADVICE_HEADING: &str = "What to change";
/// The heading of the forecast section.
pub const FORECAST_HEADING: &str = "Forecast";
/// The file stem of the chart of the log's total under each what-if.
pub const ADVICE_CHART: &str = "what_if_totals";
/// The file stem of the forecast chart.
pub const FORECAST_CHART: &str = "forecast";

/// The findings, largest saving first: what-if id, the finding in a sentence, saving,
/// messages affected, what it assumes.
pub fn advice_table(advice: &Advice) -> Table {
    let mut t = Table::new([
        "what-if".to_string(),
        "finding".into(),
        format!("saving ({})", advice.currency),
        "messages".into(),
        "assumes".into(),
    ])
    .column(2, Column::Money)
    .column(3, Column::Count);
    for f in &advice.findings {
        t.row([
            f.id.clone(),
            f.title.clone(),
            f.saving.to_string(),
            f.messages.to_string(),
            f.assumes.clone(),
        ]);
    }
    t
}

/// Every what-if run, in the order run: the log's total under it and the saving (negative:
/// it would cost more).
pub fn checked_table(advice: &Advice) -> Table {
    let cur = advice.currency;
    let mut t = Table::new([
        "what-if".to_string(),
        "what it changes".into(),
        format!("total under it ({cur})"),
        format!("saving ({cur})"),
        "messages".into(),
    ])
    .column(2, Column::Money)
    .column(3, Column::Money)
    .column(4, Column::Count);
    for c in &advice.checked {
        t.row([
            c.id.clone(),
            c.title.clone(),
            c.total.to_string(),
            c.saving.to_string(),
            c.messages.to_string(),
        ]);
    }
    t
}

/// The lead paragraph of the advice section.
pub fn advice_lead(advice: &Advice) -> String {
    let cur = advice.currency.to_string();
    let total = charts::format_money(advice.total, &cur);
    if advice.findings.is_empty() {
        format!(
            "The log's total over {} is {cur} {total}. None of the {} what-ifs run would have \
             cost less; each is listed with the log's total under it.",
            advice.period,
            advice.checked.len()
        )
    } else {
        format!(
            "The log's total over {} is {cur} {total}. Each row is a change that would have \
             cost less, largest saving first, priced exactly on the same log and period; the \
             savings overlap, so they do not add up.",
            advice.period
        )
    }
}

/// The section's table: the findings, or every what-if run when none saved anything.
pub fn advice_section(advice: &Advice) -> (String, String, Table) {
    let table = if advice.findings.is_empty() {
        checked_table(advice)
    } else {
        advice_table(advice)
    };
    (ADVICE_HEADING.to_string(), advice_lead(advice), table)
}

/// The forecast by month: P5, P50, P95 and mean of each forecast month's spend.
pub fn forecast_table(f: &Forecast) -> Table {
    let cur = f.currency;
    let mut t = Table::new([
        "month".to_string(),
        format!("P5 ({cur})"),
        format!("P50 ({cur})"),
        format!("P95 ({cur})"),
        format!("mean ({cur})"),
    ]);
    for c in 1..=4 {
        t = t.column(c, Column::Money);
    }
    for m in &f.months {
        t.row([
            m.month.clone(),
            m.p5.to_string(),
            m.p50.to_string(),
            m.p95.to_string(),
            m.mean.to_string(),
        ]);
    }
    t
}

/// The forecast by month and pricing category.
pub fn forecast_category_table(f: &Forecast) -> Table {
    let cur = f.currency;
    let mut t = Table::new([
        "month".to_string(),
        "category".into(),
        format!("P5 ({cur})"),
        format!("P50 ({cur})"),
        format!("P95 ({cur})"),
        format!("mean ({cur})"),
    ]);
    for c in 2..=5 {
        t = t.column(c, Column::Money);
    }
    for m in &f.months {
        for (category, b) in &m.by_category {
            t.row([
                m.month.clone(),
                category.clone(),
                b.p5.to_string(),
                b.p50.to_string(),
                b.p95.to_string(),
                b.mean.to_string(),
            ]);
        }
    }
    t
}

/// The lead paragraph of the forecast section.
pub fn forecast_lead(f: &Forecast) -> String {
    format!(
        "Learnt from {}; {} Monte Carlo runs (first seed {}). P50 is the median month, P5–P95 \
         the range nine runs in ten fall in.",
        f.learnt_from,
        charts::format_count(u64::from(f.runs)),
        f.seed
    )
}

/// The sections a report shows right under its headline: what to change, then the forecast.
pub fn first_sections(
    advice: Option<&Advice>,
    forecast: Option<&Forecast>,
) -> Vec<(String, String, Table)> {
    let mut out = Vec::new();
    if let Some(a) = advice {
        out.push(advice_section(a));
    }
    if let Some(f) = forecast {
        out.push((
            FORECAST_HEADING.to_string(),
            forecast_lead(f),
            forecast_table(f),
        ));
        out.push((
            "Forecast by pricing category".to_string(),
            String::new(),
            forecast_category_table(f),
        ));
    }
    out
}

/// The charts shown with those sections: the heading of the section each closes, file stem,
/// chart, caption.
pub fn first_charts(
    advice: Option<&Advice>,
    forecast: Option<&Forecast>,
) -> Vec<(String, String, Chart, String)> {
    let mut out = Vec::new();
    if let Some(a) = advice {
        out.push((
            ADVICE_HEADING.to_string(),
            ADVICE_CHART.to_string(),
            WhatIfTotals::from_advice(a).into(),
            format!(
                "The log's total as priced and under each what-if, in {}",
                a.currency
            ),
        ));
    }
    if let Some(f) = forecast {
        out.push((
            FORECAST_HEADING.to_string(),
            FORECAST_CHART.to_string(),
            ForecastChart::from_forecast(f).into(),
            format!(
                "Spend by month in {}: the log's months as priced, then the forecast median \
                 (P50) with its P5–P95 band",
                f.currency
            ),
        ));
    }
    out
}
