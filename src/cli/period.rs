//! `--from`, `--to`, `--month`: the days a run reports (replay, advise, report).
//!
//! The whole log is always priced and only the lines dated in the period are kept, because a
//! message's price depends on the windows its earlier messages opened
//! ([`wacost::period`]).

use chrono::NaiveDate;
use clap::Args;
use wacost::period::Period;

use super::Failure;

/// The period flags.
#[derive(Args, Debug, Clone, Default)]
pub struct PeriodArgs {
    /// Report only the lines dated from this day (WABA time zone, included). The whole log
    /// is still priced, so windows opened before the day count.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = day)]
    from: Option<NaiveDate>,
    /// Report only the lines dated up to this day (WABA time zone, included).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = day)]
    to: Option<NaiveDate>,
    /// Report only the lines of this calendar month (WABA time zone).
    #[arg(long, value_name = "YYYY-MM", conflicts_with_all = ["from", "to"])]
    month: Option<String>,
}

/// A day as the period flags take it: `2026-11-30`.
fn day(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{text:?} is not a day: write it as 2026-11-30"))
}

impl PeriodArgs {
    /// The period asked for (every day when no flag is given).
    pub fn period(&self) -> Result<Period, Failure> {
        if let Some(m) = &self.month {
            let month =
                Period::parse_month(m).map_err(|e| Failure::usage(format!("--month: {e}")))?;
            return Ok(Period::month(month));
        }
        Period::between(self.from, self.to).map_err(|e| Failure::usage(format!("--from/--to: {e}")))
    }
}
