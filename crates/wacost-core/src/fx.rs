//! Exchange rates with dates, to put bills of different currencies in one currency.
//!
//! A table of `date,from,to,rate,source` rows (see `data/fx.csv`): one `from` is worth `rate`
//! `to` from `date` on. A conversion on a day uses the latest rate dated on or before it; the
//! opposite pair is used (dividing) when it is the later one or the only one; two currencies
//! with no rate between them go through a third that has rates to both. Money never passes
//! through `f64`: rates are [`Decimal`]s read from their text.
//!
//! The embedded default holds the fixed ratios Meta's own rate cards imply (EUR 0.828 and
//! INR 73.3 per USD, the AED peg 3.6725): card ratios, not market rates. Users pass their own
//! table, which replaces the default.
//!
//! ```
//! use chrono::NaiveDate;
//! use rust_decimal_macros::dec;
//! use wacost_core::fx::FxTable;
//! use wacost_core::money::Currency;
//!
//! let fx = FxTable::embedded();
//! let day = NaiveDate::from_ymd_opt(2026, 7, 31).unwrap();
//! // 1 USD = 0.828 EUR on Meta's EUR card of 2026-07-01.
//! assert_eq!(fx.convert(dec!(10), Currency::USD, Currency::EUR, day).unwrap(), dec!(8.280));
//! // The opposite pair divides (28 significant digits); round figures for people.
//! assert_eq!(fx.convert(dec!(8.28), Currency::EUR, Currency::USD, day).unwrap(), dec!(10));
//! let one = fx.convert(dec!(1), Currency::EUR, Currency::USD, day).unwrap();
//! assert_eq!(wacost_core::fx::round_converted(one), dec!(1.207729));
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::money::Currency;
use crate::pricing::data_file;
use crate::pricing::{DataError, DataSource};

const EMBEDDED_FX: &str = include_str!("../../../data/fx.csv");

/// Decimals of a converted figure shown to people (rounded half-even by [`round_converted`]);
/// conversions themselves are exact.
pub const CONVERTED_DECIMALS: u32 = 6;

/// One row of the table: from `date` on, one `from` is worth `rate` `to`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FxRow {
    /// First day the rate applies.
    pub date: NaiveDate,
    /// The currency converted from.
    pub from: Currency,
    /// The currency converted to.
    pub to: Currency,
    /// Units of `to` per unit of `from`.
    pub rate: Decimal,
    /// Where the rate comes from.
    pub source: String,
}

/// An exchange-rate table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FxTable {
    /// Rows by pair, in date order.
    pairs: BTreeMap<(Currency, Currency), Vec<FxRow>>,
    /// Where the table was read from.
    pub origin: String,
}

/// How one step of a conversion uses a row.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Step {
    row: FxRow,
    /// The row is the opposite pair: divide by its rate.
    inverse: bool,
}

/// The rate a conversion uses: one row, its opposite, or two rows through a third currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rate {
    steps: Vec<Step>,
}

impl Rate {
    /// Converts an amount exactly (a division keeps 28 significant digits).
    fn apply(&self, amount: Decimal) -> Decimal {
        self.steps.iter().fold(amount, |a, s| {
            if s.inverse {
                a / s.row.rate
            } else {
                a * s.row.rate
            }
        })
    }

    /// The rows used, for a reader to check.
    pub fn rows(&self) -> Vec<&FxRow> {
        self.steps.iter().map(|s| &s.row).collect()
    }
}

impl fmt::Display for Rate {
    /// `1 USD = 0.828 EUR (2026-07-01)`, joined by `, ` for a conversion through a third
    /// currency.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.steps.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(
                f,
                "1 {} = {} {} ({})",
                s.row.from, s.row.rate, s.row.to, s.row.date
            )?;
        }
        Ok(())
    }
}

/// A conversion the table cannot make.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "no exchange rate from {from} to {to} on or before {date} in {origin}: add a row \
     `date,{from},{to},rate,source` (or the opposite pair)"
)]
pub struct FxError {
    /// Currency converted from.
    pub from: Currency,
    /// Currency converted to.
    pub to: Currency,
    /// The day of the conversion.
    pub date: NaiveDate,
    /// The table asked.
    pub origin: String,
}

impl FxTable {
    /// The embedded snapshot `data/fx.csv` (card ratios, not market rates).
    pub fn embedded() -> FxTable {
        FxTable::parse(EMBEDDED_FX, &DataSource::embedded("embedded:data/fx.csv"))
            .expect("the embedded FX table is valid")
    }

    /// Reads `date,from,to,rate,source` rows; lines starting with `#` are comments.
    pub fn parse(text: &str, origin: &DataSource) -> Result<FxTable, DataError> {
        let mut records = data_file::records(text, origin)?;
        let header = records.next().map(|(_, h)| h).unwrap_or_default();
        let expected = ["date", "from", "to", "rate", "source"];
        let names: Vec<String> = header.iter().map(|h| h.to_ascii_lowercase()).collect();
        if names.len() < 4
            || names[..4] != expected[..4]
            || names.get(4).is_some_and(|n| n != "source")
        {
            return Err(origin.error(
                1,
                format!(
                    "header must be `date,from,to,rate,source`, found `{}`",
                    header.iter().collect::<Vec<_>>().join(",")
                ),
            ));
        }
        let mut table = FxTable {
            pairs: BTreeMap::new(),
            origin: origin.name.clone(),
        };
        for (line, record) in records {
            if record.len() < 4 || record.len() > 5 {
                return Err(origin.error(
                    line,
                    format!(
                        "expected 5 fields `date,from,to,rate,source`, found {}",
                        record.len()
                    ),
                ));
            }
            let date = NaiveDate::parse_from_str(&record[0], "%Y-%m-%d").map_err(|_| {
                origin.error(line, format!("date {:?}: use YYYY-MM-DD", &record[0]))
            })?;
            let from: Currency = record[1]
                .parse()
                .map_err(|e| origin.error(line, format!("from: {e}")))?;
            let to: Currency = record[2]
                .parse()
                .map_err(|e| origin.error(line, format!("to: {e}")))?;
            if from == to {
                return Err(origin.error(line, format!("a rate from {from} to itself")));
            }
            let rate: Decimal = record[3].parse().map_err(|_| {
                origin.error(
                    line,
                    format!("rate {:?} is not a decimal number", &record[3]),
                )
            })?;
            if rate <= Decimal::ZERO {
                return Err(origin.error(line, format!("rate {rate} must be positive")));
            }
            // Bounded both ways so that a conversion (a product or a quotient of amounts up
            // to MAX_INPUT_AMOUNT-sized sums) cannot overflow.
            let (low, high) = (Decimal::new(1, 9), Decimal::from(1_000_000_000));
            if rate < low || rate > high {
                return Err(origin.error(
                    line,
                    format!(
                        "rate {rate} is outside 0.000000001 to 1000000000: not an exchange rate"
                    ),
                ));
            }
            let rows = table.pairs.entry((from, to)).or_default();
            if rows.iter().any(|r| r.date == date) {
                return Err(
                    origin.error(line, format!("a second {from} to {to} rate dated {date}"))
                );
            }
            rows.push(FxRow {
                date,
                from,
                to,
                rate,
                source: record.get(4).unwrap_or("").to_string(),
            });
        }
        for rows in table.pairs.values_mut() {
            rows.sort_by_key(|r| r.date);
        }
        Ok(table)
    }

    /// Every row, by pair and date.
    pub fn rows(&self) -> impl Iterator<Item = &FxRow> {
        self.pairs.values().flatten()
    }

    /// The latest row of a pair dated on or before `date`.
    fn latest(&self, from: Currency, to: Currency, date: NaiveDate) -> Option<&FxRow> {
        self.pairs
            .get(&(from, to))
            .and_then(|rows| rows.iter().rev().find(|r| r.date <= date))
    }

    /// The direct rate (or its opposite, whichever is dated later; the direct one on a tie).
    fn direct(&self, from: Currency, to: Currency, date: NaiveDate) -> Option<Step> {
        let d = self.latest(from, to, date);
        let i = self.latest(to, from, date);
        match (d, i) {
            (Some(d), Some(i)) if i.date > d.date => Some(Step {
                row: i.clone(),
                inverse: true,
            }),
            (Some(d), _) => Some(Step {
                row: d.clone(),
                inverse: false,
            }),
            (None, Some(i)) => Some(Step {
                row: i.clone(),
                inverse: true,
            }),
            (None, None) => None,
        }
    }

    /// The rate from `from` to `to` on `date`.
    pub fn rate(&self, from: Currency, to: Currency, date: NaiveDate) -> Result<Rate, FxError> {
        if let Some(step) = self.direct(from, to, date) {
            return Ok(Rate { steps: vec![step] });
        }
        let currencies: BTreeSet<Currency> =
            self.pairs.keys().flat_map(|(a, b)| [*a, *b]).collect();
        for via in currencies {
            if via == from || via == to {
                continue;
            }
            if let (Some(a), Some(b)) = (self.direct(from, via, date), self.direct(via, to, date)) {
                return Ok(Rate { steps: vec![a, b] });
            }
        }
        Err(FxError {
            from,
            to,
            date,
            origin: self.origin.clone(),
        })
    }

    /// Converts an amount on a day, exactly: a product is exact, a division (the opposite
    /// pair) keeps 28 significant digits. The same currency returns the amount unchanged.
    /// Round figures for people with [`round_converted`].
    pub fn convert(
        &self,
        amount: Decimal,
        from: Currency,
        to: Currency,
        date: NaiveDate,
    ) -> Result<Decimal, FxError> {
        if from == to {
            return Ok(amount);
        }
        Ok(self.rate(from, to, date)?.apply(amount))
    }
}

/// Rounds a converted figure half-even to [`CONVERTED_DECIMALS`] decimals (an amount with
/// fewer decimals is unchanged).
pub fn round_converted(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(CONVERTED_DECIMALS, RoundingStrategy::MidpointNearestEven)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn table(rows: &str) -> FxTable {
        FxTable::parse(
            &format!("date,from,to,rate,source\n{rows}"),
            &DataSource::embedded("t.csv"),
        )
        .unwrap()
    }

    #[test]
    fn latest_rate_on_or_before_the_date() {
        let fx = table("2026-01-01,USD,EUR,0.9,a\n2026-07-01,USD,EUR,0.828,b\n");
        let usd = Currency::USD;
        let eur = Currency::EUR;
        assert_eq!(
            fx.convert(dec!(100), usd, eur, d("2026-06-30")).unwrap(),
            dec!(90)
        );
        assert_eq!(
            fx.convert(dec!(100), usd, eur, d("2026-07-01")).unwrap(),
            dec!(82.8)
        );
        assert_eq!(
            fx.convert(dec!(100), usd, usd, d("2020-01-01")).unwrap(),
            dec!(100)
        );
        // The opposite pair divides: 82.8 EUR / 0.828 = 100 USD exactly.
        assert_eq!(
            fx.convert(dec!(82.8), eur, usd, d("2026-08-01")).unwrap(),
            dec!(100)
        );
        // 25 / 0.828 = 30.193236714975845... -> 30.193237
        let x = fx.convert(dec!(25), eur, usd, d("2026-08-01")).unwrap();
        assert_eq!(x.round_dp(15), dec!(30.193236714975845));
        assert_eq!(round_converted(x), dec!(30.193237));
    }

    #[test]
    fn missing_rate_names_pair_and_date() {
        let fx = table("2026-07-01,USD,EUR,0.828,b\n");
        let err = fx
            .convert(dec!(1), Currency::USD, Currency::EUR, d("2026-06-30"))
            .unwrap_err();
        assert_eq!(err.from, Currency::USD);
        assert_eq!(err.date, d("2026-06-30"));
        let text = err.to_string();
        assert!(
            text.contains("from USD to EUR on or before 2026-06-30"),
            "{text}"
        );
        let err = fx
            .convert(dec!(1), Currency::USD, Currency::INR, d("2026-08-01"))
            .unwrap_err();
        assert!(err.to_string().contains("from USD to INR"), "{err}");
    }

    #[test]
    fn through_a_third_currency() {
        let fx = table("2026-01-01,USD,EUR,0.8,a\n2026-01-01,USD,INR,80,b\n");
        // 8 EUR = 10 USD = 800 INR.
        assert_eq!(
            fx.convert(dec!(8), Currency::EUR, Currency::INR, d("2026-02-01"))
                .unwrap(),
            dec!(800)
        );
        let rate = fx
            .rate(Currency::EUR, Currency::INR, d("2026-02-01"))
            .unwrap();
        assert_eq!(
            rate.to_string(),
            "1 USD = 0.8 EUR (2026-01-01), 1 USD = 80 INR (2026-01-01)"
        );
    }

    #[test]
    fn embedded_snapshot_is_card_ratios() {
        let fx = FxTable::embedded();
        let day = d("2026-02-28");
        assert_eq!(
            fx.convert(dec!(1), Currency::USD, Currency::INR, day)
                .unwrap(),
            dec!(73.3)
        );
        let aed: Currency = "AED".parse().unwrap();
        assert_eq!(
            fx.convert(dec!(36.725), aed, Currency::USD, day).unwrap(),
            dec!(10)
        );
        // 1 USD = 0.828 EUR, 1 USD = 73.3 INR: EUR 0.828 = INR 73.3.
        let inr = fx
            .convert(dec!(0.828), Currency::EUR, Currency::INR, day)
            .unwrap();
        assert_eq!(round_converted(inr), dec!(73.3));
        assert!(fx.rows().all(|r| !r.source.is_empty()));
    }

    #[test]
    fn bad_rows_say_where() {
        let src = DataSource::embedded("fx.csv");
        let err = FxTable::parse(
            "date,from,to,rate,source\n# c\n2026-01-01,USD,EUR,abc,x\n",
            &src,
        )
        .unwrap_err();
        assert_eq!(err.line, 3, "{err}");
        assert!(
            err.to_string().starts_with("fx.csv:3: rate \"abc\""),
            "{err}"
        );
        let err = FxTable::parse("day,from,to,rate\n", &src).unwrap_err();
        assert!(err.reason.contains("header"), "{err}");
        let err =
            FxTable::parse("date,from,to,rate,source\n2026-1-1x,USD,EUR,1,x\n", &src).unwrap_err();
        assert!(err.reason.contains("YYYY-MM-DD"), "{err}");
    }
}
