//! Bars stacked by series: spend by month and pricing category.

use chrono::{Datelike, NaiveDate};
use plotters::coord::Shift;
use plotters::prelude::*;
use rust_decimal::Decimal;

use super::bars::{Bars, vbars};
use super::format::{format_money, money_desc, to_f64, total_line};
use super::layout::{Drawn, Mark, item, start};
use super::palette::series_colour;
use wacost_core::ledger::Ledger;
use wacost_core::pricing::category::Category;

/// Bars stacked by series: e.g. spend by month (x) and pricing category (series). Negative
/// amounts (allowances, discounts) stack below zero.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stacked {
    /// Title.
    pub title: String,
    /// Currency code of every amount.
    pub currency: String,
    /// What the bars are (axis title), e.g. "Month".
    pub x_title: String,
    /// One label per bar.
    pub x_labels: Vec<String>,
    /// Series: name and one amount per bar (missing amounts count as zero).
    pub series: Vec<(String, Vec<Decimal>)>,
}

impl Stacked {
    /// Spend by month (every month from the first to the last) stacked by pricing
    /// category (the categories with any line, in rate-card order).
    pub fn spend_by_month(ledger: &Ledger) -> Stacked {
        let cells = ledger.group_by(|k| ((k.date.year(), k.date.month()), k.category));
        let mut months: Vec<(i32, u32)> = Vec::new();
        if let (Some(first), Some(last)) = (
            cells.keys().map(|k| k.0).min(),
            cells.keys().map(|k| k.0).max(),
        ) {
            let mut m = first;
            while m <= last && months.len() < 1200 {
                months.push(m);
                m = if m.1 == 12 {
                    (m.0 + 1, 1)
                } else {
                    (m.0, m.1 + 1)
                };
            }
        }
        // Categories with an amount (a category whose lines were all free would only add a
        // legend entry with no bar); every category with lines if nothing was spent.
        let spent = cells.values().any(|t| !t.amount.is_zero());
        let series = Category::ALL
            .into_iter()
            .filter(|c| {
                cells
                    .iter()
                    .any(|(k, t)| k.1 == *c && (!spent || !t.amount.is_zero()))
            })
            .map(|c| {
                (
                    c.to_string(),
                    months
                        .iter()
                        .map(|m| cells.get(&(*m, c)).map(|t| t.amount).unwrap_or_default())
                        .collect(),
                )
            })
            .collect();
        Stacked {
            title: "Spend by month and pricing category".into(),
            currency: ledger.currency.to_string(),
            x_title: "Month".into(),
            x_labels: months.iter().map(|m| month_name(m.0, m.1)).collect(),
            series,
        }
    }

    /// Draws the chart on the whole of `root`.
    pub(super) fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        let n = self.x_labels.len();
        let amount = |s: &[Decimal], i: usize| s.get(i).copied().unwrap_or_default();
        let totals: Vec<Decimal> = (0..n)
            .map(|i| self.series.iter().map(|(_, s)| amount(s, i)).sum())
            .collect();
        let legend: Vec<_> = self
            .series
            .iter()
            .enumerate()
            .map(|(k, (name, _))| item(name.clone(), series_colour(name, k), Mark::Box))
            .collect();
        let subtitle = || total_line(totals.iter().copied().sum(), &self.currency);
        let empty =
            (n == 0 || self.series.is_empty()).then_some("nothing was spent in this period");
        let Some(body) = start(root, &self.title, empty, subtitle, &legend)? else {
            return Ok(());
        };
        let bars = Bars {
            categories: self.x_labels.clone(),
            series: self
                .series
                .iter()
                .enumerate()
                .map(|(k, (name, s))| {
                    (
                        series_colour(name, k),
                        (0..n).map(|i| to_f64(amount(s, i))).collect(),
                    )
                })
                .collect(),
            ends: totals
                .iter()
                .map(|t| format_money(*t, &self.currency))
                .collect(),
            value_desc: money_desc("Spend", &self.currency),
            category_desc: self.x_title.clone(),
            money: true,
        };
        vbars(root, &body, &bars)
    }
}

/// `Feb 2026`.
fn month_name(year: i32, month: u32) -> String {
    NaiveDate::from_ymd_opt(year, month, 1)
        .map(|d| d.format("%b %Y").to_string())
        .unwrap_or_else(|| format!("{year:04}-{month:02}"))
}
