//! Figures as text: how amounts, counts and ticks are written on charts (and in the report's
//! tables, which write them the same way).
//!
//! Amounts are written from the exact [`Decimal`]; only tick values, which are positions on
//! the canvas, are `f64`.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

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

/// An amount as written on charts: thousands separated, two decimals, or up to four below
/// one (`1,234.50`, `0.0625`). Rounded half away from zero from the exact decimal.
pub fn format_amount(d: Decimal) -> String {
    let away = RoundingStrategy::MidpointAwayFromZero;
    let mut r = if d.abs() >= Decimal::ONE {
        d.round_dp_with_strategy(2, away)
    } else {
        d.round_dp_with_strategy(4, away).normalize()
    };
    if r.scale() < 2 {
        r.rescale(2);
    }
    if r.is_zero() {
        r = Decimal::new(0, 2);
    }
    group_number(&r.to_string())
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
    format!("Total {} {currency}", format_amount(total))
        .trim_end()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn amounts_are_written_from_the_exact_decimal() {
        assert_eq!(format_amount(dec!(1234.5)), "1,234.50");
        assert_eq!(format_amount(dec!(0.0625)), "0.0625");
        assert_eq!(format_amount(dec!(0.1)), "0.10");
        assert_eq!(format_amount(dec!(-1234567.005)), "-1,234,567.01");
        assert_eq!(format_amount(Decimal::ZERO), "0.00");
        assert_eq!(format_amount(dec!(1388.125)), "1,388.13");
        assert_eq!(format_amount(dec!(0.00005)), "0.0001");
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
