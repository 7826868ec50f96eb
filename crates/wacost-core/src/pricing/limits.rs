//! What a rate on a card may be: the currencies Meta publishes cards in, and the largest
//! plausible rate in each (about USD 10 a message), from `data/rate_limits.csv`.
//!
//! Meta's dearest rate has never been above USD 0.50 a message: a rate over the limit is a
//! misread file (a decimal comma taken for a thousands separator, a rate in cents), and a card
//! in a currency Meta does not publish is a typo. Both are refused where they are read, with
//! the file and line.

use std::sync::OnceLock;

use rust_decimal::Decimal;

use super::DataSource;
use super::data_file;
use crate::money::Currency;

const EMBEDDED_LIMITS: &str = include_str!("../../../../data/rate_limits.csv");

/// The limits of every currency, read once from the embedded `data/rate_limits.csv`.
fn limits() -> &'static [(Currency, Decimal)] {
    static LIMITS: OnceLock<Vec<(Currency, Decimal)>> = OnceLock::new();
    LIMITS.get_or_init(|| {
        let origin = DataSource::embedded("embedded:data/rate_limits.csv");
        // The embedded file is ours and tested (`embedded_limits_read`): a row that does not
        // read is left out rather than stopping every run.
        data_file::records(EMBEDDED_LIMITS, &origin)
            .map(|rows| {
                rows.skip(1)
                    .filter_map(|(_, r)| {
                        let currency = r.get(0)?.parse::<Currency>().ok()?;
                        let max = r.get(1)?.parse::<Decimal>().ok()?;
                        Some((currency, max))
                    })
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// The largest plausible rate in a currency, if Meta publishes cards in it.
pub fn max_rate(currency: Currency) -> Option<Decimal> {
    limits()
        .iter()
        .find(|(c, _)| *c == currency)
        .map(|(_, m)| *m)
}

/// Checks a card's currency: one Meta publishes cards in (a row of `data/rate_limits.csv`).
pub fn check_currency(currency: Currency) -> Result<(), String> {
    match max_rate(currency) {
        Some(_) => Ok(()),
        None => Err(format!(
            "currency {currency} is not one Meta publishes rate cards in ({})",
            limits()
                .iter()
                .map(|(c, _)| c.code())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Checks a rate against its currency's limit: the error says what was read and the limit.
pub fn check_rate(currency: Currency, rate: Decimal) -> Result<(), String> {
    check_currency(currency)?;
    match max_rate(currency) {
        Some(max) if rate > max => Err(format!(
            "rate {rate} {currency} is over {max} {currency} a message (about USD 10): not a \
             plausible rate (a decimal comma, a rate in cents?)"
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn embedded_limits_read() {
        assert_eq!(limits().len(), 12);
        assert_eq!(max_rate(Currency::USD), Some(dec!(10)));
        assert_eq!(max_rate(Currency::INR), Some(dec!(1000)));
    }

    #[test]
    fn absurd_rates_and_unknown_currencies() {
        assert_eq!(check_rate(Currency::USD, dec!(10)), Ok(()));
        assert_eq!(
            check_rate(Currency::USD, dec!(600)).unwrap_err(),
            "rate 600 USD is over 10 USD a message (about USD 10): not a plausible rate (a \
             decimal comma, a rate in cents?)"
        );
        assert_eq!(
            check_currency("XYZ".parse().unwrap()).unwrap_err(),
            "currency XYZ is not one Meta publishes rate cards in (USD, EUR, GBP, INR, IDR, \
             AUD, MXN, BRL, AED, SGD, MYR, SAR)"
        );
    }
}
