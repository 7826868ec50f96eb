//! A rate sheet: the rate card in force on a date, for every market or one, with the rules
//! in force and the provenance of every rate, as `wacost rates` shows it (text, CSV, JSON).

use chrono::NaiveDate;
use serde_json::json;

use super::category::{Category, PricingModel, Provenance};
use super::market::MarketId;
use super::ratecard::RateCard;
use super::regime::Regime;
use super::{PricingError, RateBook};
use crate::money::Currency;
use crate::table::Table;

/// The card in force on a date, the rules in force then and the markets shown.
#[derive(Clone, Debug)]
pub struct RateSheet<'a> {
    book: &'a RateBook,
    /// The date asked for.
    pub date: NaiveDate,
    /// The card in force on it.
    pub card: &'a RateCard,
    /// The rules in force on it.
    pub regime: &'a Regime,
    /// The markets shown, in the card's order.
    pub markets: Vec<MarketId>,
}

/// Why a rate sheet cannot be shown.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SheetError {
    /// No card or no rules on the date.
    #[error(transparent)]
    Pricing(#[from] PricingError),
    /// The card has no such market.
    #[error("no market {name:?} on the {currency} card of {effective}; markets: {}", known.join(", "))]
    UnknownMarket {
        /// The name asked for.
        name: String,
        /// The card's currency.
        currency: Currency,
        /// The card's date.
        effective: NaiveDate,
        /// The card's markets.
        known: Vec<String>,
    },
}

impl<'a> RateSheet<'a> {
    /// The sheet of `currency`'s card in force on `date`, for one market or all.
    pub fn new(
        book: &'a RateBook,
        currency: Currency,
        date: NaiveDate,
        market: Option<&str>,
    ) -> Result<RateSheet<'a>, SheetError> {
        let card = book.card_at(currency, date)?;
        let regime = book.regime_at(date)?;
        let markets = match market {
            Some(name) => {
                let id = book
                    .names
                    .get(name)
                    .filter(|m| card.markets().any(|x| x == *m));
                vec![id.ok_or_else(|| {
                    SheetError::UnknownMarket {
                        name: name.to_string(),
                        currency: card.currency,
                        effective: card.effective,
                        known: card
                            .markets()
                            .map(|m| book.names.name(m).to_string())
                            .collect(),
                    }
                })?]
            }
            None => card.markets().collect(),
        };
        Ok(RateSheet {
            book,
            date,
            card,
            regime,
            markets,
        })
    }

    fn name(&self, m: MarketId) -> &str {
        self.book.names.name(m)
    }

    /// The sheet for a terminal: the card and rules, one row per market with a rate per
    /// category (`d` derived, `e` estimated), provenance counts and the card's sources.
    pub fn to_text(&self) -> String {
        let card = self.card;
        let regime = self.regime;
        let mut s = format!(
            "{} rate card in force on {} (effective {}, {}): {}\n",
            card.currency, self.date, card.effective, card.origin, card.title
        );
        s.push_str(&format!(
            "rules: {} ({}); rates per {}; confidence {}\n",
            regime.name,
            regime.model,
            if regime.model == PricingModel::Cbp {
                "conversation"
            } else {
                "delivered message"
            },
            card.confidence
        ));
        let mut t = Table::new([
            "market",
            "marketing",
            "utility",
            "authentication",
            "auth-intl",
            "service",
        ]);
        for c in 1..6 {
            t = t.right_align(c);
        }
        for &m in &self.markets {
            let mut row = vec![self.name(m).to_string()];
            for c in Category::CARD {
                row.push(match card.cell(m, c) {
                    Some(cell) => format!("{}{}", cell.rate, mark(cell.provenance)),
                    None => "n/a".to_string(),
                });
            }
            t.row(row);
        }
        s.push_str(&t.render());
        let (p, d, e) = card.provenance_counts();
        s.push_str(&format!(
            "provenance: {p} published, {d} derived (d), {e} estimated (e); n/a = no rate on \
             the card\n"
        ));
        for (id, text) in &card.sources {
            s.push_str(&format!("source {id}: {text}\n"));
        }
        s
    }

    /// The sheet as CSV: one row per market and category with a rate, with its provenance,
    /// source and note.
    pub fn to_csv(&self) -> Result<String, csv::Error> {
        let card = self.card;
        let mut t = Table::new([
            "market",
            "category",
            "rate",
            "currency",
            "provenance",
            "source",
            "note",
            "effective",
        ]);
        for &m in &self.markets {
            for c in Category::CARD {
                if let Some(cell) = card.cell(m, c) {
                    t.row([
                        self.name(m).to_string(),
                        c.to_string(),
                        cell.rate.to_string(),
                        card.currency.to_string(),
                        cell.provenance.to_string(),
                        card.source_text(&cell.source).to_string(),
                        cell.note.clone(),
                        card.effective.to_string(),
                    ]);
                }
            }
        }
        t.to_csv()
    }

    /// The sheet as one JSON document: the card, the rules and every market's rates.
    pub fn to_json(&self) -> String {
        let card = self.card;
        let rows: Vec<_> = self
            .markets
            .iter()
            .map(|&m| {
                let mut rates = serde_json::Map::new();
                for c in Category::CARD {
                    if let Some(cell) = card.cell(m, c) {
                        rates.insert(
                            c.to_string(),
                            json!({
                                "rate": cell.rate.to_string(),
                                "provenance": cell.provenance,
                                "source": card.source_text(&cell.source),
                                "note": cell.note,
                            }),
                        );
                    }
                }
                json!({"market": self.name(m), "rates": rates})
            })
            .collect();
        let doc = json!({
            "date": self.date.to_string(),
            "currency": card.currency,
            "effective": card.effective.to_string(),
            "origin": card.origin,
            "title": card.title,
            "confidence": card.confidence,
            "regime": self.regime.name,
            "pricing_model": self.regime.model,
            "markets": rows,
        });
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    }
}

fn mark(p: Provenance) -> &'static str {
    match p {
        Provenance::Published => "",
        Provenance::Derived => " d",
        Provenance::Estimated => " e",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_market_of_the_card_in_force() {
        let book = RateBook::embedded().expect("embedded data");
        let date = NaiveDate::from_ymd_opt(2026, 2, 2).expect("date");
        let sheet = RateSheet::new(&book, Currency::USD, date, Some("Brazil")).expect("sheet");
        let csv = sheet.to_csv().expect("csv");
        assert!(csv.contains("\nBrazil,marketing,0.0625,USD,"), "{csv}");
        assert!(sheet.to_text().contains("rates per delivered message"));
        let doc: serde_json::Value = serde_json::from_str(&sheet.to_json()).expect("json");
        assert_eq!(doc["markets"][0]["rates"]["marketing"]["rate"], "0.0625");
        let err = RateSheet::new(&book, Currency::USD, date, Some("Atlantis")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("no market \"Atlantis\" on the USD card of 2026-01-01; markets: ")
        );
    }
}
