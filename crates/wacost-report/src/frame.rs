//! The ledger as a polars `DataFrame` (and so as Parquet): one row per group, amounts as exact
//! decimals, and back. `wacost report DIR` reads a run's `ledger.parquet` through it.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use polars::prelude::*;
use rust_decimal::Decimal;
use wacost_core::charge::LineKind;
use wacost_core::event::BusinessId;
use wacost_core::ledger::{Ledger, LedgerRow, RowKey, Totals};
use wacost_core::pricing::category::{Category, PricingType};
use wacost_core::pricing::market::MarketNames;
use wacost_core::pricing::phone::Country;

/// An amount read back from a frame, whose decimals were padded to a common scale: trailing
/// zeros trimmed, but at least the four decimals of a list rate (`0.0625`, `1.2500`).
fn written_scale(d: Decimal) -> Decimal {
    let mut d = d.normalize();
    if d.scale() < 4 && !d.is_zero() {
        d.rescale(4);
    }
    d
}

/// A [`Ledger`] to and from a polars `DataFrame`, with the columns `date, month, business,
/// market, country, category, pricing_type, line_kind, currency, lines, quantity, billed,
/// estimated, amount` (amount a `Decimal(38, s)`, s at least 4).
pub trait LedgerFrame: Sized {
    /// Reads back a ledger written by [`LedgerFrame::to_dataframe`] (e.g. from
    /// `ledger.parquet`). Market names unknown to `names` are added to it. An empty frame gives
    /// an empty ledger in USD (set [`Ledger::currency`] if you know better).
    fn from_dataframe(df: &DataFrame, names: &mut MarketNames) -> PolarsResult<Self>;

    /// The ledger as a polars `DataFrame`: one row per group, amounts as exact decimals.
    fn to_dataframe(&self, names: &MarketNames) -> PolarsResult<DataFrame>;
}

impl LedgerFrame for Ledger {
    fn from_dataframe(df: &DataFrame, names: &mut MarketNames) -> PolarsResult<Ledger> {
        let bad = |what: String| PolarsError::ComputeError(what.into());
        let text = |name: &str| -> PolarsResult<Vec<String>> {
            let c = df.column(name)?.cast(&DataType::String)?;
            let s = c.str()?;
            s.iter()
                .enumerate()
                .map(|(i, v)| {
                    v.map(str::to_string)
                        .ok_or_else(|| bad(format!("ledger row {}: {name} is empty", i + 1)))
                })
                .collect()
        };
        let unsigned = |name: &str| -> PolarsResult<Vec<u64>> {
            let c = df.column(name)?.cast(&DataType::UInt64)?;
            Ok(c.u64()?.iter().map(|v| v.unwrap_or(0)).collect())
        };
        let date_col = df.column("date")?.cast(&DataType::Date)?;
        let days: Vec<Option<i32>> = date_col.date()?.physical().iter().collect();
        let amount_col = df.column("amount")?;
        let amounts: Vec<Decimal> = match amount_col.dtype() {
            DataType::Decimal(_, scale) => {
                let scale = *scale as u32;
                let d = amount_col.decimal()?;
                d.physical()
                    .iter()
                    .map(|v| Decimal::try_from_i128_with_scale(v.unwrap_or(0), scale))
                    .collect::<Result<_, _>>()
                    .map_err(|e| bad(format!("ledger amount: {e}")))?
            }
            _ => {
                let c = amount_col.cast(&DataType::String)?;
                c.str()?
                    .iter()
                    .map(|v| {
                        v.unwrap_or("0")
                            .parse::<Decimal>()
                            .map_err(|e| bad(format!("ledger amount: {e}")))
                    })
                    .collect::<PolarsResult<_>>()?
            }
        };
        let business = text("business")?;
        let market = text("market")?;
        let country = text("country")?;
        let category = text("category")?;
        let pricing_type = text("pricing_type")?;
        let kind = text("line_kind")?;
        let currency = text("currency")?;
        let lines = unsigned("lines")?;
        let billed = unsigned("billed")?;
        let estimated = unsigned("estimated")?;
        let quantity_col = df.column("quantity")?.cast(&DataType::Int64)?;
        let quantity: Vec<i64> = quantity_col.i64()?.iter().map(|v| v.unwrap_or(0)).collect();

        let mut ledger = Ledger::new(match currency.first() {
            Some(c) => c
                .parse()
                .map_err(|e| bad(format!("ledger currency: {e}")))?,
            None => "USD".parse().map_err(|e| bad(format!("{e}")))?,
        });
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
        let mut business_ids: BTreeMap<&str, BusinessId> = BTreeMap::new();
        for i in 0..df.height() {
            let row = i + 1;
            if currency[i] != ledger.currency.to_string() {
                return Err(bad(format!(
                    "ledger row {row}: currency {} differs from {}",
                    currency[i], ledger.currency
                )));
            }
            let date = days[i]
                .and_then(|d| epoch.checked_add_signed(chrono::Duration::days(i64::from(d))))
                .ok_or_else(|| bad(format!("ledger row {row}: no date")))?;
            // Counts beyond any real run are a damaged file, and would not add up.
            let counts = [
                lines[i],
                billed[i],
                estimated[i],
                quantity[i].unsigned_abs(),
            ];
            if counts.iter().any(|n| *n > MAX_COUNT) {
                return Err(bad(format!(
                    "ledger row {row}: a count over {MAX_COUNT} (lines, billed, estimated or \
                     quantity)"
                )));
            }
            let business = *business_ids
                .entry(business[i].as_str())
                .or_insert_with(|| BusinessId::intern(&business[i]));
            let key = RowKey {
                date,
                business,
                market: names.intern(&market[i]),
                country: Country::parse(&country[i])
                    .ok_or_else(|| bad(format!("ledger row {row}: country {:?}", country[i])))?,
                category: Category::parse(&category[i])
                    .ok_or_else(|| bad(format!("ledger row {row}: category {:?}", category[i])))?,
                pricing_type: PricingType::parse(&pricing_type[i]).ok_or_else(|| {
                    bad(format!(
                        "ledger row {row}: pricing type {:?}",
                        pricing_type[i]
                    ))
                })?,
                kind: LineKind::parse(&kind[i])
                    .ok_or_else(|| bad(format!("ledger row {row}: line kind {:?}", kind[i])))?,
            };
            ledger.add_row(
                key,
                &Totals {
                    lines: lines[i],
                    quantity: quantity[i],
                    amount: written_scale(amounts[i]),
                    estimated: estimated[i],
                    billed: billed[i],
                },
            );
        }
        ledger.overflow().map_err(|e| bad(format!("ledger: {e}")))?;
        Ok(ledger)
    }

    fn to_dataframe(&self, names: &MarketNames) -> PolarsResult<DataFrame> {
        let rows = self.rows();
        let scale = rows
            .iter()
            .map(|r| r.totals.amount.scale())
            .max()
            .unwrap_or(4)
            .max(4);
        let amounts: Vec<i128> = rows
            .iter()
            .map(|r| {
                let mut a = r.totals.amount;
                a.rescale(scale);
                a.mantissa()
            })
            .collect();
        let amount = Int128Chunked::from_vec("amount".into(), amounts)
            .into_decimal(38, scale as usize)?
            .into_series();
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
        let days: Vec<i32> = rows
            .iter()
            .map(|r| (r.key.date - epoch).num_days() as i32)
            .collect();
        let date = Int32Chunked::from_vec("date".into(), days)
            .into_series()
            .cast(&DataType::Date)?;
        let text = |name: &str, f: &dyn Fn(&LedgerRow) -> String| {
            Column::new(name.into(), rows.iter().map(f).collect::<Vec<String>>())
        };
        DataFrame::new_infer_height(vec![
            date.into(),
            text("month", &|r| {
                format!("{:04}-{:02}", r.key.date.year(), r.key.date.month())
            }),
            text("business", &|r| r.key.business.name()),
            text("market", &|r| names.name(r.key.market).to_string()),
            text("country", &|r| r.key.country.to_string()),
            text("category", &|r| r.key.category.to_string()),
            text("pricing_type", &|r| r.key.pricing_type.to_string()),
            text("line_kind", &|r| r.key.kind.as_str().to_string()),
            text("currency", &|_| self.currency.to_string()),
            Column::new(
                "lines".into(),
                rows.iter().map(|r| r.totals.lines).collect::<Vec<u64>>(),
            ),
            Column::new(
                "quantity".into(),
                rows.iter().map(|r| r.totals.quantity).collect::<Vec<i64>>(),
            ),
            Column::new(
                "billed".into(),
                rows.iter().map(|r| r.totals.billed).collect::<Vec<u64>>(),
            ),
            Column::new(
                "estimated".into(),
                rows.iter()
                    .map(|r| r.totals.estimated)
                    .collect::<Vec<u64>>(),
            ),
            amount.into(),
        ])
    }
}

/// Writes a ledger as Parquet (the columns of [`LedgerFrame::to_dataframe`]).
pub fn write_parquet(
    ledger: &Ledger,
    names: &MarketNames,
    out: impl std::io::Write,
) -> PolarsResult<()> {
    let mut df = ledger.to_dataframe(names)?;
    ParquetWriter::new(out).finish(&mut df)?;
    Ok(())
}

/// The largest count a ledger row read back may hold (10^15 lines or messages): more is a
/// damaged file, and sums of such counts would overflow.
pub const MAX_COUNT: u64 = 1_000_000_000_000_000;

/// Reads a ledger back from Parquet written by [`write_parquet`]. Market names unknown to
/// `names` are added to it.
pub fn read_parquet(mut input: std::fs::File, names: &mut MarketNames) -> PolarsResult<Ledger> {
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut input, &mut bytes)?;
    let df = crate::parquet::read_frame(bytes)?;
    Ledger::from_dataframe(&df, names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wacost_core::pricing::RateBook;
    use wacost_core::replay::{NoLines, ReplayOptions, Source, replay};

    #[test]
    fn dataframe_round_trips_through_parquet() {
        let book = RateBook::embedded().expect("embedded data");
        let log = include_str!("../../../data/sample_log.csv");
        let source = Source::Bytes("sample".into(), log.as_bytes().into());
        let outcome = replay(
            &book,
            &[source],
            ReplayOptions::default(),
            &mut NoLines,
            None,
        )
        .expect("sample replays");
        let ledger = outcome.ledger;
        assert!(ledger.rows().len() > 10);

        let mut df = ledger.to_dataframe(&book.names).expect("frame");
        let mut bytes = Vec::new();
        ParquetWriter::new(&mut bytes)
            .finish(&mut df)
            .expect("parquet written");
        let back = ParquetReader::new(std::io::Cursor::new(bytes))
            .finish()
            .expect("parquet read");

        // Read into a fresh set of names: markets are interned by name.
        let mut names = MarketNames::new();
        let read = Ledger::from_dataframe(&back, &mut names).expect("ledger read");
        assert_eq!(read.currency, ledger.currency);
        assert_eq!(read.total(), ledger.total());
        assert_eq!(read.total().to_string(), ledger.total().to_string());
        assert_eq!(read.messages(), ledger.messages());
        assert_eq!(read.charged(), ledger.charged());
        assert_eq!(read.estimated_rates_used(), ledger.estimated_rates_used());
        let name = |n: &MarketNames, r: &LedgerRow| n.name(r.key.market).to_string();
        let a: Vec<_> = ledger
            .rows()
            .iter()
            .map(|r| (name(&book.names, r), r.key.date, r.key.category, r.totals))
            .collect();
        let mut b: Vec<_> = read
            .rows()
            .iter()
            .map(|r| (name(&names, r), r.key.date, r.key.category, r.totals))
            .collect();
        let mut a = a;
        a.sort_by(|x, y| (&x.0, x.1, x.2).cmp(&(&y.0, y.1, y.2)));
        b.sort_by(|x, y| (&x.0, x.1, x.2).cmp(&(&y.0, y.1, y.2)));
        assert_eq!(a, b);
        // Read with the book's names (same market ids, so same row order), the frame of the
        // ledger read back is the frame written.
        let mut same = book.names.clone();
        let again = Ledger::from_dataframe(&back, &mut same).expect("ledger read");
        assert!(again.to_dataframe(&same).expect("frame").equals(&df));
    }

    #[test]
    fn bad_frames_are_errors() {
        let df =
            DataFrame::new_infer_height(vec![Column::new("date".into(), [1i32])]).expect("frame");
        assert!(Ledger::from_dataframe(&df, &mut MarketNames::new()).is_err());
    }
}
