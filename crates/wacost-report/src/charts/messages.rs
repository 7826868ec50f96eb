//! Messages billed and not billed, by pricing type.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::bars::{Bars, hbars};
use super::format::{count_of, format_count};
use super::layout::{Drawn, Mark, item, start};
use super::palette;
use wacost_core::charge::LineKind;
use wacost_core::ledger::Ledger;
use wacost_core::pricing::category::PricingType;

/// Messages billed and not billed, per pricing type.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Messages {
    /// Title.
    pub title: String,
    /// One row per pricing type (or any other label).
    pub rows: Vec<MessageCount>,
}

/// One bar of [`Messages`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MessageCount {
    /// Label, e.g. "regular".
    pub label: String,
    /// Messages billed.
    pub billed: u64,
    /// Messages not billed (free, or not delivered).
    pub free: u64,
}

impl Messages {
    /// Outbound messages by pricing type, billed or not: messages a free allowance covered
    /// count as `free tier`, not billed.
    pub fn by_pricing_type(ledger: &Ledger) -> Messages {
        let counts = ledger.messages_by_pricing_type();
        let billed = ledger.group_by(|k| k.pricing_type);
        let covered: i64 = ledger
            .group_by(|k| k.kind)
            .get(&LineKind::Allowance)
            .map(|t| t.quantity)
            .unwrap_or(0);
        let rows = PricingType::ALL
            .into_iter()
            .filter_map(|pt| {
                let total = counts.get(&pt).copied().unwrap_or(0).max(0) as u64;
                let mut b = billed.get(&pt).map(|t| t.billed).unwrap_or(0);
                if pt == PricingType::Regular {
                    b = b.saturating_sub(covered.max(0) as u64);
                }
                let b = b.min(total);
                (total > 0).then(|| MessageCount {
                    label: pt.as_str().replace('_', " "),
                    billed: b,
                    free: total - b,
                })
            })
            .collect();
        Messages {
            title: "Messages billed and free, by pricing type".into(),
            rows,
        }
    }

    /// Draws the chart on the whole of `root`.
    pub(super) fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        let legend = [
            item("billed", palette::VERMILLION, Mark::Box),
            item(
                "not billed (free, or not delivered)",
                palette::BLUISH_GREEN,
                Mark::Box,
            ),
        ];
        let subtitle = || {
            let billed: u64 = self.rows.iter().map(|r| r.billed).sum();
            let all: u64 = self.rows.iter().map(|r| r.billed + r.free).sum();
            format!(
                "{}, {} billed",
                count_of(all, "message", "messages"),
                format_count(billed)
            )
        };
        let empty = self
            .rows
            .is_empty()
            .then_some("no outbound messages in this period");
        let Some(body) = start(root, &self.title, empty, subtitle, &legend)? else {
            return Ok(());
        };
        let bars = Bars {
            categories: self.rows.iter().map(|r| r.label.clone()).collect(),
            series: vec![
                (
                    palette::VERMILLION,
                    self.rows.iter().map(|r| r.billed as f64).collect(),
                ),
                (
                    palette::BLUISH_GREEN,
                    self.rows.iter().map(|r| r.free as f64).collect(),
                ),
            ],
            ends: self.rows.iter().map(bar_end).collect(),
            value_desc: "Messages".to_string(),
            category_desc: String::new(),
            money: false,
        };
        hbars(root, &body, &bars)
    }
}

/// What is written at the end of a bar: the messages, and how many were billed when only
/// some were.
fn bar_end(r: &MessageCount) -> String {
    if r.billed > 0 && r.free > 0 {
        format!(
            "{} ({} billed)",
            format_count(r.billed + r.free),
            format_count(r.billed)
        )
    } else {
        format_count(r.billed + r.free)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_ends_say_how_many_were_billed_when_only_some_were() {
        let row = |billed, free| MessageCount {
            label: "regular".into(),
            billed,
            free,
        };
        assert_eq!(bar_end(&row(1200, 34)), "1,234 (1,200 billed)");
        assert_eq!(bar_end(&row(0, 7)), "7");
        assert_eq!(bar_end(&row(5, 0)), "5");
    }
}
