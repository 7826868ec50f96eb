//! A reporting period: the days (in the WABA's time zone) whose lines a run reports.
//!
//! A message's price depends on what happened before it (the customer service window opened
//! by the customer's last message, a free entry point window, the month's allowance used so
//! far), so a period is never applied to the events: the whole log is classified and
//! settled, and only the lines dated in the period are kept ([`InPeriod`],
//! [`Period::ledger`]). Messages just after the period's start are therefore priced with the
//! windows their earlier messages opened, exactly as Meta prices them.
//!
//! Adjustment lines (free allowances, volume-tier discounts) belong to their month and are
//! dated its first day: a period that starts after a month's first day leaves that month's
//! adjustments out, and one that starts on it keeps them whole. The summary of a run whose
//! period cuts a month with adjustments says so ([`Period::notes`]).

use std::fmt;

use chrono::{Datelike, NaiveDate};

use crate::calendar::Month;
use crate::charge::{Charge, LineKind, LineSink};
use crate::ledger::Ledger;
use crate::replay::Outcome;
use crate::usage::Usage;

/// The days whose lines are kept: from `from` to `to`, both included (either open).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Period {
    /// The first day kept (none: from the log's start).
    pub from: Option<NaiveDate>,
    /// The last day kept (none: to the log's end).
    pub to: Option<NaiveDate>,
}

/// A period that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    /// A month that is not `YYYY-MM`.
    #[error("{0:?} is not a month: write it as 2026-11")]
    Month(String),
    /// The last day is before the first.
    #[error("the period ends ({to}) before it starts ({from})")]
    Backwards {
        /// First day.
        from: NaiveDate,
        /// Last day.
        to: NaiveDate,
    },
}

impl Period {
    /// Every day.
    pub fn all() -> Period {
        Period::default()
    }

    /// From `from` to `to`, both included; either may be open.
    pub fn between(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<Period, PeriodError> {
        if let (Some(from), Some(to)) = (from, to)
            && to < from
        {
            return Err(PeriodError::Backwards { from, to });
        }
        Ok(Period { from, to })
    }

    /// One calendar month.
    pub fn month(month: Month) -> Period {
        let first = month.first_day();
        let last = first
            .checked_add_months(chrono::Months::new(1))
            .and_then(|d| d.pred_opt())
            .unwrap_or(first);
        Period {
            from: Some(first),
            to: Some(last),
        }
    }

    /// Parses a month written `YYYY-MM`.
    pub fn parse_month(text: &str) -> Result<Month, PeriodError> {
        let t = text.trim();
        NaiveDate::parse_from_str(&format!("{t}-01"), "%Y-%m-%d")
            .ok()
            .filter(|_| t.len() == 7)
            .map(Month::of)
            .ok_or_else(|| PeriodError::Month(text.to_string()))
    }

    /// Whether every day is kept.
    pub fn is_all(&self) -> bool {
        self.from.is_none() && self.to.is_none()
    }

    /// Whether a day is in the period.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from.is_none_or(|f| date >= f) && self.to.is_none_or(|t| date <= t)
    }

    /// Whether any day of a month is in the period.
    pub fn overlaps(&self, month: Month) -> bool {
        let whole = Period::month(month);
        let (first, last) = (
            whole.from.unwrap_or(NaiveDate::MIN),
            whole.to.unwrap_or(NaiveDate::MAX),
        );
        self.from.is_none_or(|f| last >= f) && self.to.is_none_or(|t| first <= t)
    }

    /// Whether the period holds some days of a month but not all of them.
    pub fn cuts(&self, month: Month) -> bool {
        let whole = Period::month(month);
        let (first, last) = (
            whole.from.unwrap_or(NaiveDate::MIN),
            whole.to.unwrap_or(NaiveDate::MAX),
        );
        self.overlaps(month) && !(self.contains(first) && self.contains(last))
    }

    /// Whether a line is kept: message lines by their day, adjustment lines (dated their
    /// month's first day) by that day.
    pub fn keeps(&self, c: &Charge) -> bool {
        self.contains(c.date)
    }

    /// The ledger rows dated in the period.
    pub fn ledger(&self, ledger: &Ledger) -> Ledger {
        if self.is_all() {
            return ledger.clone();
        }
        let mut out = Ledger::new(ledger.currency);
        for r in ledger.rows() {
            if self.contains(r.key.date) {
                out.add_row(r.key, &r.totals);
            }
        }
        out
    }

    /// The months of `usage` the period overlaps (usage is counted by month: a period that
    /// cuts a month keeps that month's counts whole).
    pub fn usage(&self, usage: &Usage) -> Usage {
        usage
            .iter()
            .filter(|((y, m), _)| {
                NaiveDate::from_ymd_opt(*y, *m, 1).is_some_and(|d| self.overlaps(Month::of(d)))
            })
            .map(|(k, v)| (*k, v.clone()))
            .collect()
    }

    /// What a reader of a run reported over this period must know: that the log was priced
    /// whole, and which months the period cuts (their counts are whole months', their
    /// allowances and tier discounts in or out with their first day).
    pub fn notes(&self, ledger: &Ledger) -> Vec<String> {
        if self.is_all() {
            return Vec::new();
        }
        let mut notes = vec![format!(
            "period {self}: the whole log was priced (so that windows opened before the period \
             count) and only the lines dated in the period are reported; inbound messages, \
             contacts and conversations are counted by whole months"
        )];
        let months = ledger.group_by(|k| (Month::of(k.date), k.kind != LineKind::Message));
        let mut seen = Vec::new();
        for ((month, adjustment), _) in months {
            if adjustment && self.cuts(month) && !seen.contains(&month) {
                seen.push(month);
                let kept = self.contains(month.first_day());
                notes.push(format!(
                    "the period cuts {month}: its free allowance and volume-tier adjustments \
                     (dated {}) are {}",
                    month.first_day(),
                    if kept { "counted whole" } else { "left out" }
                ));
            }
        }
        notes
    }

    /// The outcome of a run reported over this period: the ledger's rows dated in it, the
    /// usage of the months it overlaps, and its notes among the reader's notes. Counts that
    /// only the whole log has (duplicates, skipped rows) stay the whole log's.
    pub fn outcome(&self, outcome: &Outcome) -> Outcome {
        if self.is_all() {
            return outcome.clone();
        }
        let mut out = outcome.clone();
        out.reader_notes.extend(self.notes(&outcome.ledger));
        out.ledger = self.ledger(&outcome.ledger);
        out.usage = self.usage(&outcome.usage);
        out
    }
}

impl fmt::Display for Period {
    /// `2026-11` for a calendar month, `2026-11-03 to 2026-11-20`, `from 2026-11-03`,
    /// `to 2026-11-20`, or `all days`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.from, self.to) {
            (None, None) => f.write_str("all days"),
            (Some(a), None) => write!(f, "from {a}"),
            (None, Some(b)) => write!(f, "to {b}"),
            (Some(a), Some(b)) => {
                let month = Month::of(a);
                if a.day() == 1 && Period::month(month).to == Some(b) {
                    write!(f, "{month}")
                } else {
                    write!(f, "{a} to {b}")
                }
            }
        }
    }
}

/// A [`LineSink`] that passes on only the lines a [`Period`] keeps.
pub struct InPeriod<'s> {
    inner: &'s mut dyn LineSink,
    period: Period,
}

impl<'s> InPeriod<'s> {
    /// Lines of `period`, passed on to `inner`.
    pub fn new(inner: &'s mut dyn LineSink, period: Period) -> InPeriod<'s> {
        InPeriod { inner, period }
    }
}

impl LineSink for InPeriod<'_> {
    fn line(&mut self, c: &Charge) -> std::io::Result<()> {
        if self.period.keeps(c) {
            self.inner.line(c)
        } else {
            Ok(())
        }
    }

    fn reset(&mut self) -> std::io::Result<()> {
        self.inner.reset()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn months_and_days() {
        let nov = Period::parse_month("2026-11").unwrap();
        let p = Period::month(nov);
        assert_eq!(
            (p.from, p.to),
            (Some(d("2026-11-01")), Some(d("2026-11-30")))
        );
        assert_eq!(p.to_string(), "2026-11");
        assert!(p.contains(d("2026-11-30")) && !p.contains(d("2026-12-01")));
        assert!(!p.cuts(nov));
        let part = Period::between(Some(d("2026-11-03")), Some(d("2026-12-20"))).unwrap();
        assert_eq!(part.to_string(), "2026-11-03 to 2026-12-20");
        assert!(part.cuts(nov));
        assert!(part.cuts(Month::of(d("2026-12-01"))));
        assert!(!part.overlaps(Month::of(d("2027-01-01"))));
        assert_eq!(
            Period::between(Some(d("2026-11-03")), None)
                .unwrap()
                .to_string(),
            "from 2026-11-03"
        );
        assert_eq!(
            Period::between(Some(d("2026-11-03")), Some(d("2026-11-01"))).unwrap_err(),
            PeriodError::Backwards {
                from: d("2026-11-03"),
                to: d("2026-11-01")
            }
        );
        for bad in ["2026-13", "2026-1", "Nov", "2026-11-01"] {
            assert!(Period::parse_month(bad).is_err(), "{bad}");
        }
        assert!(Period::all().contains(d("1999-01-01")));
    }
}
