//! The largest items and the rest: spend by market.

use plotters::coord::Shift;
use plotters::prelude::*;
use rust_decimal::Decimal;

use super::bars::{Bars, hbars};
use super::format::{format_money, money_desc, to_f64, total_line};
use super::layout::{Drawn, start};
use super::palette;
use wacost_core::ledger::Ledger;
use wacost_core::pricing::market::MarketNames;

/// Amounts per item, largest first, the top `top` items shown and the others summed into
/// one "rest" bar: e.g. spend by market.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ranked {
    /// Title.
    pub title: String,
    /// Currency code.
    pub currency: String,
    /// What an item is, in the plural ("markets"), for the "rest" bar.
    pub items_name: String,
    /// Items and their amounts, in any order.
    pub items: Vec<(String, Decimal)>,
    /// Items shown before the rest (0 means all).
    pub top: usize,
}

impl Ranked {
    /// Spend by market, the `top` largest shown and the others summed.
    pub fn spend_by_market(ledger: &Ledger, names: &MarketNames, top: usize) -> Ranked {
        Ranked {
            title: "Spend by market".into(),
            currency: ledger.currency.to_string(),
            items_name: "markets".into(),
            items: ledger
                .group_by(|k| names.name(k.market).to_string())
                .into_iter()
                .map(|(k, t)| (k, t.amount))
                .collect(),
            top,
        }
    }

    /// Draws the chart on the whole of `root`.
    pub(super) fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        let mut items = self.items.clone();
        items.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let count = items.len();
        let top = if self.top == 0 { count } else { self.top };
        // (name, amount, whether it is the rest).
        let mut shown: Vec<(String, Decimal, bool)> = items
            .iter()
            .take(top)
            .map(|(n, a)| (n.clone(), *a, false))
            .collect();
        if count > top {
            let rest = &items[top..];
            let what = if self.items_name.is_empty() {
                "others"
            } else {
                &self.items_name
            };
            shown.push((
                format!("rest ({} {what})", rest.len()),
                rest.iter().map(|i| i.1).sum(),
                true,
            ));
        }
        let subtitle = || {
            let total: Decimal = items.iter().map(|i| i.1).sum();
            let what = if self.items_name.is_empty() {
                "items"
            } else {
                &self.items_name
            };
            let what = if count == 1 {
                what.trim_end_matches('s')
            } else {
                what
            };
            format!(
                "{} across {count} {what}",
                total_line(total, &self.currency)
            )
        };
        let empty = (count == 0).then_some("nothing was spent in this period");
        let Some(body) = start(root, &self.title, empty, subtitle, &[])? else {
            return Ok(());
        };
        let amounts = |rest: bool| {
            shown
                .iter()
                .map(|s| if s.2 == rest { to_f64(s.1) } else { 0.0 })
                .collect()
        };
        let bars = Bars {
            categories: shown.iter().map(|s| s.0.clone()).collect(),
            series: vec![
                (palette::BLUE, amounts(false)),
                (palette::GREY, amounts(true)),
            ],
            ends: shown
                .iter()
                .map(|s| format_money(s.1, &self.currency))
                .collect(),
            value_desc: money_desc("Spend", &self.currency),
            category_desc: String::new(),
            money: true,
        };
        hbars(root, &body, &bars)
    }
}
