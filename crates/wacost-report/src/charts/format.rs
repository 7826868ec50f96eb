//! Figures as text: how amounts, counts and ticks are written on charts (and in the report's
//! tables, which write them the same way).
//!
//! Amounts are written from the exact [`Decimal`]; only tick values, which are positions on
//! the canvas, are `f64`.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use wacost_core::money::Currency;

/// Digits with a comma between each group of three (`1234567` → `1,234,567`).
fn group_digits(int: &str) -> String {
    let bytes = int.as_bytes();
    let mut out = String::with_capacity(int.len() + int.len() / 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 && (bytes.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(*b as char);
    }
    out
}

/// A written number (`-1234.5`) with its whole part grouped (`-1,234.5`).
fn group_number(text: &str) -> String {
    let (sign, rest) = match text.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", text),
    };
    let (int, frac) = match rest.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (rest, None),
    };
    let mut s = format!("{sign}{}", group_digits(int));
    if let Some(f) = frac {
        s.push('.');
        s.push_str(f);
    }
    s
}

/// An amount rounded half away from zero to `decimals` and written with them all,
/// thousands separated; zero is `0.00`, never `-0.00`.
fn rounded(d: Decimal, decimals: u32) -> String {
    let mut r = d.round_dp_with_strategy(decimals, RoundingStrategy::MidpointAwayFromZero);
    if r.is_zero() {
        r = Decimal::ZERO;
    }
    r.rescale(decimals);
    group_number(&r.to_string())
}

/// Money as reports show it, in charts, tables and headlines alike: the currency's decimals
/// (two for USD, none for JPY: [`Currency::minor_units`]), thousands separated, rounded half
/// away from zero from the exact decimal (`5,475.47`, `0.00`). Exact values stay in the CSV,
/// JSON and XLSX files. `currency` is a code; an unknown one has two decimals.
pub fn format_money(d: Decimal, currency: &str) -> String {
    let decimals = currency.parse::<Currency>().map_or(2, |c| c.minor_units());
    rounded(d, decimals)
}

/// A unit rate (a price per message, a card's rate): four decimals (`0.0625`, `0.0068`).
pub fn format_rate(d: Decimal) -> String {
    rounded(d, 4)
}

/// Money with two decimals: [`format_money`] for a currency with two (most).
pub fn format_amount(d: Decimal) -> String {
    rounded(d, 2)
}

/// An exact amount, every decimal kept, thousands separated (`12,345.0625`).
pub fn format_exact(d: Decimal) -> String {
    group_number(&d.to_string())
}

/// A count with thousands separated.
pub fn format_count(n: u64) -> String {
    group_digits(&n.to_string())
}

/// "1 run", "2 runs".
pub(super) fn count_of(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", format_count(n), if n == 1 { one } else { many })
}

/// A tick value (a canvas position, hence `f64`) with `decimals` decimals.
pub(super) fn format_tick(v: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, v.abs());
    let zero = s.chars().all(|c| c == '0' || c == '.');
    let s = group_number(&s);
    if v < 0.0 && !zero { format!("-{s}") } else { s }
}

/// An amount as a position on the canvas (never written: figures come from the decimal).
pub(super) fn to_f64(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// An axis title with its currency: `Spend (USD)`, or `Spend` without one.
pub(super) fn money_desc(what: &str, currency: &str) -> String {
    if currency.is_empty() {
        what.to_string()
    } else {
        format!("{what} ({currency})")
    }
}

/// `Total 1,234.50 USD`.
pub(super) fn total_line(total: Decimal, currency: &str) -> String {
    format!("Total {} {currency}", format_money(total, currency))
        .trim_end()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn amounts_are_written_from_the_exact_decimal() {
        assert_eq!(format_money(dec!(5475.4712), "USD"), "5,475.47");
        assert_eq!(format_money(dec!(1234.5), "USD"), "1,234.50");
        assert_eq!(format_money(dec!(0.0625), "USD"), "0.06");
        assert_eq!(format_money(dec!(0.1), "EUR"), "0.10");
        assert_eq!(format_money(dec!(-1234567.005), "USD"), "-1,234,567.01");
        assert_eq!(format_money(Decimal::ZERO, "USD"), "0.00");
        assert_eq!(format_money(dec!(-0.001), "USD"), "0.00", "never -0.00");
        assert_eq!(format_money(dec!(1388.125), "USD"), "1,388.13");
        assert_eq!(format_money(dec!(1388.5), "JPY"), "1,389");
        assert_eq!(format_money(dec!(12.3456), "KWD"), "12.346");
        assert_eq!(format_rate(dec!(0.0625)), "0.0625");
        assert_eq!(format_rate(dec!(0.068)), "0.0680");
        assert_eq!(format_rate(dec!(0.00005)), "0.0001");
        assert_eq!(format_amount(dec!(2)), "2.00");
        assert_eq!(format_exact(dec!(-12345.06250)), "-12,345.06250");
        assert_eq!(format_count(1234567), "1,234,567");
        assert_eq!(format_tick(-0.0, 2), "0.00");
        assert_eq!(format_tick(12500.0, 0), "12,500");
    }

    #[test]
    fn titles_and_totals_name_the_currency_when_there_is_one() {
        assert_eq!(money_desc("Spend", "USD"), "Spend (USD)");
        assert_eq!(money_desc("Spend", ""), "Spend");
        assert_eq!(total_line(dec!(1388.125), "EUR"), "Total 1,388.13 EUR");
        assert_eq!(total_line(dec!(2), ""), "Total 2.00");
        assert_eq!(count_of(1, "run", "runs"), "1 run");
        assert_eq!(count_of(1200, "run", "runs"), "1,200 runs");
    }
}
