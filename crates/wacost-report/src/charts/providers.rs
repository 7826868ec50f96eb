//! What the same traffic costs through each provider.

use plotters::coord::Shift;
use plotters::prelude::*;
use rust_decimal::Decimal;

use super::bars::{Bars, hbars};
use super::format::{format_money, money_desc, to_f64};
use super::layout::{Drawn, Mark, item, start};
use super::palette::series_colour;

/// What the same traffic costs through each provider: Meta's fees plus the provider's own.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Providers {
    /// Title.
    pub title: String,
    /// Currency code (every amount already converted to it).
    pub currency: String,
    /// One row per provider, drawn top to bottom.
    pub rows: Vec<ProviderCost>,
}

/// One provider of [`Providers`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProviderCost {
    /// Provider.
    pub name: String,
    /// Meta's fees.
    pub meta_fees: Decimal,
    /// The provider's fees.
    pub provider_fees: Decimal,
}

impl ProviderCost {
    fn total(&self) -> Decimal {
        self.meta_fees + self.provider_fees
    }
}

impl Providers {
    /// Draws the chart on the whole of `root`.
    pub(super) fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        let meta = series_colour("Meta fees", 0);
        let own = series_colour("provider fees", 1);
        let legend = [
            item("Meta fees", meta, Mark::Box),
            item("provider fees", own, Mark::Box),
        ];
        let subtitle = || {
            self.rows
                .iter()
                .min_by_key(|r| r.total())
                .map(|r| {
                    format!(
                        "Cheapest: {} at {} {}",
                        r.name,
                        format_money(r.total(), &self.currency),
                        self.currency
                    )
                })
                .unwrap_or_default()
                .trim_end()
                .to_string()
        };
        let empty = self.rows.is_empty().then_some("no providers to compare");
        let Some(body) = start(root, &self.title, empty, subtitle, &legend)? else {
            return Ok(());
        };
        let bars = Bars {
            categories: self.rows.iter().map(|r| r.name.clone()).collect(),
            series: vec![
                (
                    meta,
                    self.rows.iter().map(|r| to_f64(r.meta_fees)).collect(),
                ),
                (
                    own,
                    self.rows.iter().map(|r| to_f64(r.provider_fees)).collect(),
                ),
            ],
            ends: self
                .rows
                .iter()
                .map(|r| format_money(r.total(), &self.currency))
                .collect(),
            value_desc: money_desc("Cost", &self.currency),
            category_desc: String::new(),
            money: true,
        };
        hbars(root, &body, &bars)
    }
}
