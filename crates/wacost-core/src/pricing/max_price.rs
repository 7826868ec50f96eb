//! Marketing Messages API max prices: a user's file of the max price set on each template.
//!
//! Meta (open beta from 2026-10-01): "when a max price is set, Meta will charge that max price
//! or lower"; it is set per 1,000 deliveries per template, with optional multipliers per
//! country. wacost prices a marketing template that has one at the max price, as an upper
//! bound, and marks the line so (the regime must honour max prices: `max_price` in
//! `data/regimes.toml`, from 2026-10-01). Templates without one use the rate card.
//!
//! ```toml
//! # wacost max prices (Marketing Messages API), per 1,000 delivered messages
//! currency = "USD"
//!
//! [templates.spring_sale]
//! max_price_per_1000 = "45.00"
//! country_multipliers = { BR = "1.2", IN = "0.5" }
//!
//! [templates."welcome back"]
//! max_price_per_1000 = "30"
//! ```

use std::collections::{BTreeMap, HashMap};

use rust_decimal::Decimal;
use serde::Deserialize;

use super::phone::Country;
use super::{DataError, DataSource};
use crate::event::TemplateId;
use crate::money::Currency;

/// One template's max price.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateMaxPrice {
    /// The template's name.
    pub name: String,
    /// The max price of 1,000 delivered messages.
    pub per_thousand: Decimal,
    /// Multipliers by recipient country (1 where none is given).
    pub country_multipliers: HashMap<Country, Decimal>,
}

impl TemplateMaxPrice {
    /// The max price of one message delivered to `country`: per 1,000 × multiplier / 1,000,
    /// exact.
    pub fn per_message(&self, country: Country) -> Decimal {
        let m = self
            .country_multipliers
            .get(&country)
            .copied()
            .unwrap_or(Decimal::ONE);
        self.per_thousand * m / Decimal::from(1000u32)
    }
}

/// Every template's max price, in one currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MaxPrices {
    /// The currency of every price (a run in another currency does not use them).
    pub currency: Currency,
    /// Where the file was read from.
    pub origin: String,
    templates: HashMap<TemplateId, TemplateMaxPrice>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    currency: Currency,
    #[serde(default)]
    templates: BTreeMap<String, Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    max_price_per_1000: Decimal,
    #[serde(default)]
    country_multipliers: BTreeMap<String, Decimal>,
}

impl MaxPrices {
    /// Reads a max-price file (see the [module docs](self)).
    pub fn parse(text: &str, origin: &DataSource) -> Result<MaxPrices, DataError> {
        let line_of = |at: Option<usize>| {
            at.map(|a| text[..a.min(text.len())].lines().count().max(1))
                .unwrap_or(1)
        };
        let file: File = toml::from_str(text).map_err(|e| {
            origin.error(
                line_of(e.span().map(|s| s.start)),
                e.message().trim().to_string(),
            )
        })?;
        let mut templates = HashMap::new();
        for (name, e) in file.templates {
            let at = || {
                let quoted = format!("templates.\"{name}\"");
                let plain = format!("templates.{name}");
                line_of(text.find(&quoted).or_else(|| text.find(&plain)))
            };
            if e.max_price_per_1000 < Decimal::ZERO {
                return Err(origin.error(
                    at(),
                    format!("template {name:?}: max_price_per_1000 is negative"),
                ));
            }
            let mut multipliers = HashMap::new();
            for (cc, m) in e.country_multipliers {
                let country = Country::parse(&cc).ok_or_else(|| {
                    origin.error(
                        at(),
                        format!("template {name:?}: {cc:?} is not an ISO country code"),
                    )
                })?;
                if m < Decimal::ZERO {
                    return Err(origin.error(
                        at(),
                        format!("template {name:?}: the multiplier for {cc} is negative"),
                    ));
                }
                multipliers.insert(country, m);
            }
            templates.insert(
                TemplateId::intern(&name),
                TemplateMaxPrice {
                    name: name.trim().to_string(),
                    per_thousand: e.max_price_per_1000,
                    country_multipliers: multipliers,
                },
            );
        }
        Ok(MaxPrices {
            currency: file.currency,
            origin: origin.name.clone(),
            templates,
        })
    }

    /// A template's max price, if the file sets one.
    pub fn get(&self, template: TemplateId) -> Option<&TemplateMaxPrice> {
        self.templates.get(&template)
    }

    /// How many templates have a max price.
    pub fn len(&self) -> usize {
        self.templates.len()
    }

    /// Whether no template has one.
    pub fn is_empty(&self) -> bool {
        self.templates.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn per_message_with_and_without_a_multiplier() {
        let text = "currency = \"USD\"\n[templates.spring_sale]\nmax_price_per_1000 = \"45.00\"\n\
                    country_multipliers = { BR = \"1.2\" }\n";
        let m = MaxPrices::parse(text, &DataSource::embedded("max.toml")).unwrap();
        let t = m.get(TemplateId::intern("spring_sale")).unwrap();
        assert_eq!(t.per_message(Country::parse("BR").unwrap()), dec!(0.054));
        assert_eq!(t.per_message(Country::parse("MX").unwrap()), dec!(0.045));
        assert_eq!(m.len(), 1);
    }

    #[test]
    fn mistakes_name_their_line() {
        let text = "currency = \"USD\"\n[templates.a]\nmax_price_per_1000 = \"-1\"\n";
        let e = MaxPrices::parse(text, &DataSource::embedded("max.toml")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "max.toml:2: template \"a\": max_price_per_1000 is negative"
        );
        let e = MaxPrices::parse(
            "currency = \"USD\"\nprice = 1\n",
            &DataSource::embedded("m"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("unknown field `price`"), "{e}");
    }
}
