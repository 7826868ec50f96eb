//! Money: exact decimal amounts tagged with an ISO 4217 currency.
//!
//! Every figure wacost prints is a [`rust_decimal::Decimal`]; no `f64` touches money. Totals
//! are sums of lines, so they are exact to the last decimal.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The largest amount wacost reads from an input (a provider's fee, a cost in Meta's
/// analytics): 10^15, far above any WhatsApp bill. Bounding what is read keeps every sum
/// exact: a `Decimal` holds up to about 7.9 × 10^28, room for 10^13 such amounts, so a sum
/// cannot overflow (an overflow would otherwise panic).
pub const MAX_INPUT_AMOUNT: Decimal = Decimal::from_parts(2_764_472_320, 232_830, 0, false, 0);

/// An ISO 4217 currency code such as `USD`, `EUR` or `INR`.
///
/// Meta's own files write some currencies as symbols (`$US`, `£`, `₹`);
/// [`Currency::from_meta_token`] understands those.
///
/// ```
/// use wacost_core::money::Currency;
/// assert_eq!(Currency::from_meta_token("$US").unwrap().code(), "USD");
/// assert_eq!("inr".parse::<Currency>().unwrap().code(), "INR");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    /// US dollar, the currency of Meta's reference card.
    pub const USD: Currency = Currency(*b"USD");
    /// Euro.
    pub const EUR: Currency = Currency(*b"EUR");
    /// Indian rupee.
    pub const INR: Currency = Currency(*b"INR");

    /// The three-letter code.
    pub fn code(&self) -> &str {
        // Construction only admits ASCII uppercase letters.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }

    /// Digits after the decimal point of an amount shown to a person (ISO 4217's minor
    /// units): 2 for most, 0 for the yen, won, Chilean peso…, 3 for the Gulf dinars. Shown
    /// amounts round to these; files keep every digit.
    pub fn minor_units(&self) -> u32 {
        match self.code() {
            "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF"
            | "UGX" | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
            "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
            _ => 2,
        }
    }

    /// Reads a currency as Meta writes it in its rate-card CSV files: an ISO code, or one of
    /// the symbols Meta uses (`$US`, `US$`, `€`, `£`, `₹`, `R$`, `Rp`, `A$`, `MX$`…).
    pub fn from_meta_token(token: &str) -> Result<Currency, MoneyError> {
        let t = token.trim();
        let code = match t {
            "$US" | "US$" | "$" | "USD$" => "USD",
            "€" => "EUR",
            "£" => "GBP",
            "₹" | "Rs" | "Rs." => "INR",
            "R$" => "BRL",
            "Rp" => "IDR",
            "A$" | "AU$" => "AUD",
            "MX$" | "$MX" => "MXN",
            "S$" | "SG$" => "SGD",
            "AED" | "د.إ" => "AED",
            "RM" => "MYR",
            "﷼" | "SAR" => "SAR",
            other => other,
        };
        code.parse()
    }
}

impl Default for Currency {
    /// US dollars: Meta's reference card, and wacost's default billing currency.
    fn default() -> Currency {
        Currency::USD
    }
}

impl FromStr for Currency {
    type Err = MoneyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let b = t.as_bytes();
        if b.len() == 3 && b.iter().all(|c| c.is_ascii_alphabetic()) {
            Ok(Currency([
                b[0].to_ascii_uppercase(),
                b[1].to_ascii_uppercase(),
                b[2].to_ascii_uppercase(),
            ]))
        } else {
            Err(MoneyError::UnknownCurrency(t.to_string()))
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// An amount of money in one currency.
///
/// ```
/// use rust_decimal_macros::dec;
/// use wacost_core::money::{Currency, Money};
/// let a = Money::new(dec!(0.0625), Currency::USD);
/// assert_eq!(a.to_string(), "USD 0.0625");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Money {
    /// The exact amount.
    pub amount: Decimal,
    /// Its currency.
    pub currency: Currency,
}

impl Money {
    /// An amount in a currency.
    pub fn new(amount: Decimal, currency: Currency) -> Money {
        Money { amount, currency }
    }

    /// Zero in a currency.
    pub fn zero(currency: Currency) -> Money {
        Money::new(Decimal::ZERO, currency)
    }

    /// Adds two amounts of the same currency; a mismatch is an error, never a silent mix.
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch(self.currency, other.currency));
        }
        Ok(Money::new(self.amount + other.amount, self.currency))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.currency, self.amount)
    }
}

/// Errors about money.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MoneyError {
    /// Not a three-letter ISO 4217 code or a symbol Meta uses.
    #[error("unknown currency {0:?}: use a three-letter ISO code such as USD, EUR or INR")]
    UnknownCurrency(String),
    /// Two amounts of different currencies were added.
    #[error("cannot add {0} to {1} without an exchange rate")]
    CurrencyMismatch(Currency, Currency),
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn the_input_bound_is_ten_to_the_fifteenth() {
        assert_eq!(MAX_INPUT_AMOUNT, dec!(1_000_000_000_000_000));
    }

    #[test]
    fn meta_tokens() {
        assert_eq!(Currency::from_meta_token("$US").unwrap(), Currency::USD);
        assert_eq!(Currency::from_meta_token("₹").unwrap(), Currency::INR);
        assert_eq!(Currency::from_meta_token("£").unwrap().code(), "GBP");
        assert_eq!(Currency::from_meta_token(" eur ").unwrap(), Currency::EUR);
        assert!(Currency::from_meta_token("dollars").is_err());
    }

    #[test]
    fn adding_mixed_currencies_is_an_error() {
        let a = Money::new(dec!(1.5), Currency::USD);
        let b = Money::new(dec!(2), Currency::EUR);
        assert_eq!(
            a.checked_add(b),
            Err(MoneyError::CurrencyMismatch(Currency::USD, Currency::EUR))
        );
        assert_eq!(
            a.checked_add(a).unwrap().amount,
            dec!(3.0),
            "sums are exact decimals"
        );
    }
}
