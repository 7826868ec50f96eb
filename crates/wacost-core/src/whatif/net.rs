//! What each message finally costs: its line's amount, or nothing when a free allowance
//! covers it (the items an allowance covers are found as settlement finds them, with the
//! same [`Allowances`]). Volume-tier discounts apply to a month's volume, not to a message,
//! and are left out. Two pricings of the same events under two sets of rules give their
//! message lines in the same order, so comparing these amounts line by line counts the
//! messages a rule changes.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::charge::{Charge, LineKind, LineSink};
use crate::pricing::RateBook;
use crate::settle::Allowances;

/// A sink that keeps each message line's amount and date, and the items free allowances
/// cover.
pub(crate) struct NetAmounts<'b> {
    book: &'b RateBook,
    lines: Vec<(Decimal, NaiveDate)>,
    allowances: Allowances<u32>,
}

impl<'b> NetAmounts<'b> {
    pub(crate) fn new(book: &'b RateBook) -> NetAmounts<'b> {
        NetAmounts {
            book,
            lines: Vec::new(),
            allowances: Allowances::default(),
        }
    }

    /// Each message's amount after allowances, with its date, in pricing order.
    pub(crate) fn finish(self) -> Vec<(Decimal, NaiveDate)> {
        let mut lines = self.lines;
        for (_, items) in self.allowances.into_covered() {
            for j in items {
                if let Some(l) = lines.get_mut(j as usize) {
                    l.0 = Decimal::ZERO;
                }
            }
        }
        lines
    }
}

impl LineSink for NetAmounts<'_> {
    fn line(&mut self, c: &Charge) -> std::io::Result<()> {
        if c.kind != LineKind::Message {
            return Ok(());
        }
        let j = self.lines.len() as u32;
        self.lines.push((c.amount, c.date));
        // Settlement offers every billable message line to the allowances.
        if c.billable() {
            self.allowances.offer(self.book, c, j);
        }
        Ok(())
    }

    fn reset(&mut self) -> std::io::Result<()> {
        self.lines.clear();
        self.allowances = Allowances::default();
        Ok(())
    }
}

/// How many messages dated in `keep` cost something else in `after` than in `before`.
pub(crate) fn changed(
    before: &[(Decimal, NaiveDate)],
    after: &[(Decimal, NaiveDate)],
    keep: impl Fn(NaiveDate) -> bool,
) -> u64 {
    let pairs = before.iter().zip(after);
    let differ = pairs.filter(|(b, a)| b.0 != a.0 && keep(b.1)).count();
    let extra = before.len().abs_diff(after.len());
    (differ + extra) as u64
}
