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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use calamine::{Data, Reader, Xlsx, open_workbook};
    use rust_decimal_macros::dec;
    use wacost_core::advise::{Checked, Finding};
    use wacost_core::forecast::{ActualMonth, Band, MonthForecast};
    use wacost_core::ledger::Ledger;
    use wacost_core::money::Currency;
    use wacost_core::pricing::RateBook;
    use wacost_core::summary::Summary;

    use super::*;
    use crate::folder::RunFolder;
    use crate::model::{Report, ReportBuilder};

    const HOSTILE: &str = "<script>alert('x')</script>";

    fn advice() -> Advice {
        Advice {
            total: dec!(12345.6789),
            currency: Currency::USD,
            period: "2026-02".into(),
            findings: vec![
                Finding {
                    id: "fewer-marketing=2".into(),
                    title: format!("template {HOSTILE} went out twice"),
                    saving: dec!(1234.5),
                    messages: 20_000,
                    assumes: "nothing replaces them".into(),
                },
                Finding {
                    id: "utility-in-window".into(),
                    title: "1 utility template moved into the window".into(),
                    saving: dec!(0.0068),
                    messages: 1,
                    assumes: "the customer writes anyway".into(),
                },
            ],
            checked: vec![
                Checked {
                    id: "utility-in-window".into(),
                    title: "utility in window".into(),
                    total: dec!(12345.6721),
                    saving: dec!(0.0068),
                    messages: 1,
                },
                Checked {
                    id: "fewer-marketing=2".into(),
                    title: "fewer marketing".into(),
                    total: dec!(11111.1789),
                    saving: dec!(1234.5),
                    messages: 20_000,
                },
            ],
        }
    }

    fn forecast() -> Forecast {
        let band = |p5, p50, p95| Band {
            p5,
            p50,
            p95,
            mean: p50,
        };
        Forecast {
            currency: Currency::USD,
            runs: 100,
            seed: 7,
            learnt_from: "2026-02-01 to 2026-02-28".into(),
            actual: vec![ActualMonth {
                month: "2026-02".into(),
                total: dec!(1000.5),
                by_category: BTreeMap::from([("marketing".to_string(), dec!(1000.5))]),
            }],
            months: vec![MonthForecast {
                month: "2026-03".into(),
                p5: dec!(900.125),
                p50: dec!(1100),
                p95: dec!(1300.004),
                mean: dec!(1101.25),
                by_category: BTreeMap::from([(
                    "marketing".to_string(),
                    band(dec!(900.125), dec!(1100), dec!(1300.004)),
                )]),
            }],
            notes: vec!["a forecast note".into()],
            ..Forecast::default()
        }
    }

    fn report() -> ReportBuilder {
        ReportBuilder::new(Summary::default(), Ledger::new(Default::default()))
    }

    fn html(report: &Report) -> String {
        let book = RateBook::embedded().expect("embedded data");
        crate::page::page(report, &book, Vec::new(), Vec::new(), Vec::new()).render()
    }

    #[test]
    fn advice_comes_first_after_the_headline() {
        let page = html(&report().advice(advice()).build());
        let headline = page.find("<section class=\"headline\">").unwrap();
        let headline_end = headline + page[headline..].find("</section>").unwrap();
        let section = page.find("<h2>What to change</h2>").unwrap();
        assert!(section > headline_end);
        // Nothing between the headline and the section but the section's opening tag.
        assert_eq!(
            page[headline_end..section].trim(),
            "</section>\n<section class=\"first\">"
        );
        assert!(section < page.find("<h2>Spend in detail</h2>").unwrap());
        // Largest saving first, money with two decimals and thousands separated.
        let row = |id: &str| page.find(&format!("<td>{id}</td>")).unwrap();
        assert!(row("fewer-marketing=2") < row("utility-in-window"));
        assert!(page.contains("<td class=\"num\">1,234.50</td><td class=\"num\">20,000</td>"));
        assert!(page.contains("<td class=\"num\">0.01</td><td class=\"num\">1</td>"));
        assert!(page.contains("is USD 12,345.68."));
        // What came from the log is text, never markup.
        assert!(!page.contains("<script"));
        assert!(page.contains("template &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; went"));
    }

    #[test]
    fn without_a_saving_every_what_if_is_listed() {
        let mut a = advice();
        a.findings.clear();
        let (heading, lead, table) = advice_section(&a);
        assert_eq!(heading, "What to change");
        assert!(lead.contains("None of the 2 what-ifs run would have cost less"));
        assert_eq!(table.rows().len(), 2);
        assert_eq!(table.rows()[1][2], "11111.1789");
        assert_eq!(table.kind(2), Column::Money);
    }

    #[test]
    fn forecast_section_has_its_months_and_categories() {
        let report = report().forecast(forecast()).build();
        assert_eq!(report.notes, ["a forecast note"]);
        let page = html(&report);
        let section = page.find("<h2>Forecast</h2>").unwrap();
        assert!(section < page.find("<h2>Forecast by pricing category</h2>").unwrap());
        assert!(page.contains(
            "<td class=\"num\">2026-03</td><td class=\"num\">900.13</td><td class=\"num\">\
             1,100.00</td><td class=\"num\">1,300.00</td>"
        ));
        assert!(page.contains("<td>marketing</td>"));
        assert!(!page.contains("<h2>What to change</h2>"));
    }

    #[test]
    fn a_report_without_advice_has_no_first_section() {
        let page = html(&report().build());
        assert!(!page.contains("<section class=\"first\">"));
    }

    #[test]
    fn the_folder_reads_back_the_advice_and_the_forecast() {
        let book = RateBook::embedded().expect("embedded data");
        let report = report().advice(advice()).forecast(forecast()).build();
        let dir = tempfile::tempdir().unwrap();
        let written = crate::bundle::write(dir.path(), &report, &book).unwrap();
        let page = std::fs::read_to_string(&written.index).unwrap();
        for stem in [ADVICE_CHART, FORECAST_CHART] {
            assert!(dir.path().join(format!("charts/{stem}.png")).is_file());
            assert!(page.contains(&format!("href=\"charts/{stem}.svg\"")));
        }
        // Each chart closes its section, before the report's other charts.
        let advice_chart = page.find("charts/what_if_totals.png").unwrap();
        assert!(page.find("<h2>What to change</h2>").unwrap() < advice_chart);
        assert!(advice_chart < page.find("<h2>Forecast</h2>").unwrap());
        assert!(page.find("charts/forecast.png").unwrap() < page.find("<h2>Charts</h2>").unwrap());

        let mut names = book.names.clone();
        let back = RunFolder::new(dir.path()).read(&mut names, false).unwrap();
        assert_eq!(back.advice, Some(advice()));
        assert_eq!(back.forecast, Some(forecast()));

        // A run.json written before these fields reads as a report without them.
        let run = dir.path().join("run.json");
        let mut v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&run).unwrap()).unwrap();
        v.as_object_mut().unwrap().remove("advice");
        v.as_object_mut().unwrap().remove("forecast");
        std::fs::write(&run, v.to_string()).unwrap();
        let old = RunFolder::new(dir.path()).read(&mut names, false).unwrap();
        assert_eq!(old.advice, None);
        assert_eq!(old.forecast, None);
    }

    #[test]
    fn the_workbook_has_the_advice_and_the_forecast_as_numbers() {
        let book = RateBook::embedded().expect("embedded data");
        let report = report().advice(advice()).forecast(forecast()).build();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.xlsx");
        crate::xlsx::report_workbook(&report, &book.names)
            .unwrap()
            .save(&path)
            .unwrap();
        let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
        let names = wb.sheet_names();
        for sheet in ["advice", "forecast", "forecast_by_category"] {
            assert!(names.iter().any(|n| n == sheet), "{names:?}");
        }
        let advice = wb.worksheet_range("advice").unwrap();
        assert_eq!(
            advice.get_value((3, 0)),
            Some(&Data::String("fewer-marketing=2".into()))
        );
        assert_eq!(advice.get_value((3, 2)), Some(&Data::Float(1234.5)));
        assert_eq!(advice.get_value((3, 3)), Some(&Data::Float(20000.0)));
        assert_eq!(advice.get_value((4, 2)), Some(&Data::Float(0.0068)));
        let f = wb.worksheet_range("forecast").unwrap();
        assert_eq!(f.get_value((3, 0)), Some(&Data::String("2026-03".into())));
        assert_eq!(f.get_value((3, 1)), Some(&Data::Float(900.125)));
        assert_eq!(f.get_value((3, 3)), Some(&Data::Float(1300.004)));
    }
}
