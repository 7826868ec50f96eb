//! The log's total under each what-if, next to its actual total: what `advise` found, at a
//! glance.

use plotters::coord::Shift;
use plotters::prelude::*;
use rust_decimal::Decimal;

use super::bars::{Bars, hbars};
use super::format::{format_money, money_desc, to_f64};
use super::layout::{Drawn, Mark, item, start};
use super::palette;

/// The label of the actual total's bar.
pub const ACTUAL: &str = "actual (as priced)";

/// The log's total as priced and under each what-if, one bar each (the actual total first).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WhatIfTotals {
    /// Title.
    pub title: String,
    /// Currency code.
    pub currency: String,
    /// The log's total as priced.
    pub actual: Decimal,
    /// Each what-if's id and the log's total under it, drawn top to bottom.
    pub rows: Vec<(String, Decimal)>,
}

impl WhatIfTotals {
    /// The chart of an [`Advice`](wacost_core::advise::Advice): every what-if run, the
    /// lowest total (the largest saving) first; equal totals in the order run.
    pub fn from_advice(advice: &wacost_core::advise::Advice) -> WhatIfTotals {
        let mut rows: Vec<(String, Decimal)> = advice
            .checked
            .iter()
            .map(|c| (c.id.clone(), c.total))
            .collect();
        rows.sort_by(|a, b| a.1.cmp(&b.1));
        WhatIfTotals {
            title: format!("The log's total under each what-if ({})", advice.period),
            currency: advice.currency.to_string(),
            actual: advice.total,
            rows,
        }
    }

    /// The figure written at the end of each bar, the actual total first, formatted from the
    /// exact amounts (with the saving against the actual total when there is one).
    pub fn ends(&self) -> Vec<String> {
        let mut out = vec![format_money(self.actual, &self.currency)];
        for (_, total) in &self.rows {
            let saving = self.actual - total;
            out.push(if saving > Decimal::ZERO {
                format!(
                    "{} (saves {})",
                    format_money(*total, &self.currency),
                    format_money(saving, &self.currency)
                )
            } else if saving < Decimal::ZERO {
                format!(
                    "{} (costs {} more)",
                    format_money(*total, &self.currency),
                    format_money(-saving, &self.currency)
                )
            } else {
                format!("{} (no change)", format_money(*total, &self.currency))
            });
        }
        out
    }

    /// The subtitle: the actual total and the largest saving, if any.
    pub fn subtitle(&self) -> String {
        let actual = format!(
            "Actual total {} {}",
            format_money(self.actual, &self.currency),
            self.currency
        );
        match self.rows.iter().min_by_key(|r| r.1) {
            Some((id, total)) if *total < self.actual => format!(
                "{actual}; largest saving: {id}, {} {}",
                format_money(self.actual - total, &self.currency),
                self.currency
            ),
            _ => format!("{actual}; no what-if saves anything"),
        }
    }

    /// Draws the chart on the whole of `root`.
    pub(super) fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        let actual = palette::GREY;
        let under = palette::BLUE;
        let legend = [
            item("actual total", actual, Mark::Box),
            item("total under the what-if", under, Mark::Box),
        ];
        let subtitle = || self.subtitle();
        let empty = self.rows.is_empty().then_some("no what-if was run");
        let Some(body) = start(root, &self.title, empty, subtitle, &legend)? else {
            return Ok(());
        };
        let n = self.rows.len() + 1;
        let mut first = vec![0.0; n];
        first[0] = to_f64(self.actual);
        let mut rest = vec![0.0; n];
        for (i, (_, total)) in self.rows.iter().enumerate() {
            rest[i + 1] = to_f64(*total);
        }
        let bars = Bars {
            categories: std::iter::once(ACTUAL.to_string())
                .chain(self.rows.iter().map(|(id, _)| id.clone()))
                .collect(),
            series: vec![(actual, first), (under, rest)],
            ends: self.ends(),
            value_desc: money_desc("Total", &self.currency),
            category_desc: String::new(),
            money: true,
        };
        hbars(root, &body, &bars)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::{Chart, to_svg, write};
    use rust_decimal_macros::dec;

    fn chart() -> WhatIfTotals {
        WhatIfTotals {
            title: "Totals <b>".into(),
            currency: "USD".into(),
            actual: dec!(12345.678),
            rows: vec![
                ("utility-in-window".into(), dec!(12000.5)),
                ("service-free".into(), dec!(12345.678)),
                ("fewer-marketing".into(), dec!(12400)),
            ],
        }
    }

    #[test]
    fn labels_come_from_the_exact_amounts() {
        assert_eq!(
            chart().ends(),
            vec![
                "12,345.68",
                "12,000.50 (saves 345.18)",
                "12,345.68 (no change)",
                "12,400.00 (costs 54.32 more)",
            ]
        );
        assert_eq!(
            chart().subtitle(),
            "Actual total 12,345.68 USD; largest saving: utility-in-window, 345.18 USD"
        );
    }

    #[test]
    fn renders_png_and_svg() {
        let c: Chart = chart().into();
        assert_eq!(c.title(), "Totals <b>");
        let svg = to_svg(&c).unwrap();
        assert!(svg.starts_with("<svg "));
        assert!(!svg.contains("<b>"));
        let dir = tempfile::tempdir().unwrap();
        let files = write(&c, &dir.path().join("whatifs")).unwrap();
        let png = std::fs::read(&files.png).unwrap();
        assert_eq!(&png[1..4], b"PNG");
        let empty: Chart = WhatIfTotals::default().into();
        assert!(to_svg(&empty).unwrap().starts_with("<svg "));
    }
}
