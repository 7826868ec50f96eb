//! A rate sheet: the rate card in force on a date, for every market or one, with the rules
//! in force and the provenance of every rate, as `wacost rates` shows it (text, CSV, JSON).

use chrono::NaiveDate;
use serde_json::json;

use super::category::{Category, PricingModel, Provenance};
use super::market::MarketId;
use super::phone::Country;
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
    /// The markets shown, by name (`Other` last, as Meta's files list it).
    pub markets: Vec<MarketId>,
    /// What a reader must know: the date is past what the data knows.
    pub notes: Vec<String>,
}

/// Why a rate sheet cannot be shown.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SheetError {
    /// No card or no rules on the date.
    #[error(transparent)]
    Pricing(#[from] PricingError),
    /// The card has no such market.
    #[error(
        "no market {name:?} on the {currency} card of {effective}{}; markets: {}",
        suggestion(nearest),
        known.join(", ")
    )]
    UnknownMarket {
        /// The name asked for.
        name: String,
        /// The card's currency.
        currency: Currency,
        /// The card's date.
        effective: NaiveDate,
        /// The names closest to it, best first.
        nearest: Vec<String>,
        /// The card's markets.
        known: Vec<String>,
    },
}

fn suggestion(nearest: &[String]) -> String {
    match nearest {
        [] => String::new(),
        [one] => format!(" (did you mean {one}?)"),
        [one, two, ..] => format!(" (did you mean {one} or {two}?)"),
    }
}

/// The card's market names closest to `name` (case-insensitive Jaro-Winkler similarity of at
/// least 0.8, best first, at most two).
fn nearest_markets(name: &str, known: &[String]) -> Vec<String> {
    let wanted = name.trim().to_lowercase();
    let mut scored: Vec<(f64, &String)> = known
        .iter()
        .map(|k| (strsim::jaro_winkler(&wanted, &k.to_lowercase()), k))
        .filter(|(score, _)| *score >= 0.8)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored.into_iter().take(2).map(|(_, k)| k.clone()).collect()
}

/// The market asked for: a name on the card, or the ISO code of a country whose market (on
/// `date`) is on the card.
fn find_market(
    book: &RateBook,
    card: &RateCard,
    on_card: &[MarketId],
    date: NaiveDate,
    asked: &str,
) -> Result<MarketId, SheetError> {
    if let Some(m) = book.names.get(asked).filter(|m| on_card.contains(m)) {
        return Ok(m);
    }
    let t = asked.trim();
    if t.len() == 2
        && let Some(country) = Country::parse(t)
    {
        let m = book.markets.market_of(country, date, &book.names);
        if on_card.contains(&m) {
            return Ok(m);
        }
    }
    let known: Vec<String> = on_card
        .iter()
        .map(|m| book.names.name(*m).to_string())
        .collect();
    Err(SheetError::UnknownMarket {
        name: asked.to_string(),
        currency: card.currency,
        effective: card.effective,
        nearest: nearest_markets(asked, &known),
        known,
    })
}

impl<'a> RateSheet<'a> {
    /// The sheet of `currency`'s card in force on `date`, for one market or all. A market is
    /// asked for by its name (any case) or by the ISO code of a country in it (`BR`, `IN`,
    /// `DO` for Rest of Latin America).
    pub fn new(
        book: &'a RateBook,
        currency: Currency,
        date: NaiveDate,
        market: Option<&str>,
    ) -> Result<RateSheet<'a>, SheetError> {
        let card = book.card_at(currency, date)?;
        let regime = book.regime_at(date)?;
        let mut all: Vec<MarketId> = card.markets().collect();
        all.sort_by_key(|m| {
            let name = book.names.name(*m);
            (*m == book.names.other(), name.to_lowercase())
        });
        let markets = match market {
            Some(asked) => vec![find_market(book, card, &all, date, asked)?],
            None => all,
        };
        let mut notes = Vec::new();
        if let Some(until) = book.known_until(currency)
            && date >= until
        {
            notes.push(format!(
                "{date} is after the data wacost knows: the {} card of {} is the newest, and \
                 Meta may change rates on any quarter start from {until}; load a newer card \
                 when Meta publishes one",
                card.currency, card.effective
            ));
        }
        Ok(RateSheet {
            book,
            date,
            card,
            regime,
            markets,
            notes,
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
        for line in self.rule_lines() {
            s.push_str(&line);
            s.push('\n');
        }
        for n in &self.notes {
            s.push_str(&format!("note: {n}\n"));
        }
        s
    }

    /// The rules of the regime in force that price messages outside the card's cells (Meta
    /// Business Agent tokens, group deliveries, reactions, the free tier, the service
    /// exemption, max prices, window lengths), one line each with its confidence.
    pub fn rule_lines(&self) -> Vec<String> {
        let r = self.regime;
        let cur = self.card.currency;
        let mut out = Vec::new();
        if let Some(a) = &r.business_agent {
            let rate = match a.rate(cur) {
                Some(t) => format!(
                    "{cur} {} per million tokens ({}{})",
                    t.per_million_tokens,
                    t.provenance,
                    if t.note.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", t.note)
                    }
                ),
                None => format!("no {cur} rate"),
            };
            out.push(format!(
                "business_agent: {rate}, prompt and response together; a reply without a token \
                 count is priced at {} tokens (estimated); {}; source: {}",
                a.default_tokens, a.confidence, a.source
            ));
        }
        if r.model == PricingModel::Pmp {
            out.push(
                "group_marketing, group_utility, group_service: the base category's rate of \
                 the recipient's market, per delivered recipient"
                    .to_string(),
            );
            out.push("reaction: free, not counted against the free tier".to_string());
        }
        if let Some(a) = &r.allowance {
            out.push(format!(
                "free tier: the first {} {} items per {} each calendar month; {}; source: {}",
                a.size,
                a.category,
                a.scope.as_str(),
                a.confidence,
                a.source
            ));
        }
        if let Some(e) = &r.service_exemption {
            out.push(format!(
                "service exemption (eligible governments and non-profits): service free beyond \
                 the free tier until {}; {}; source: {}",
                e.until, e.confidence, e.source
            ));
        }
        if let Some(m) = &r.max_price {
            out.push(format!(
                "max price: marketing templates with a Marketing Messages API max price are \
                 priced at it (an upper bound); {}; source: {}",
                m.confidence, m.source
            ));
        }
        let w = &r.windows;
        out.push(format!(
            "windows: customer service {} h; free entry point {} h assumed{}{}",
            w.customer_service_hours,
            w.free_entry_point_hours,
            if w.free_entry_point_longest_hours() > w.free_entry_point_hours {
                format!(", up to {} h", w.free_entry_point_longest_hours())
            } else {
                String::new()
            },
            if r.windows_source.is_empty() {
                String::new()
            } else {
                format!("; {}; source: {}", r.windows_confidence, r.windows_source)
            }
        ));
        out
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
            "business_agent": self.regime.business_agent.as_ref().map(|a| json!({
                "rate_per_million_tokens": a.rate(card.currency).map(|t| t.per_million_tokens.to_string()),
                "provenance": a.rate(card.currency).map(|t| t.provenance),
                "default_tokens": a.default_tokens,
                "confidence": a.confidence,
                "source": a.source,
            })),
            "rules": self.rule_lines(),
            "markets": rows,
            "notes": self.notes,
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

    fn sheet(date: (i32, u32, u32), market: Option<&str>) -> Result<String, SheetError> {
        let book = RateBook::embedded().expect("embedded data");
        let date = NaiveDate::from_ymd_opt(date.0, date.1, date.2).expect("date");
        let sheet = RateSheet::new(&book, Currency::USD, date, market)?;
        Ok(sheet.to_csv().expect("csv"))
    }

    #[test]
    fn the_business_agent_rate_from_august_2026() {
        let book = RateBook::embedded().expect("embedded data");
        let date = NaiveDate::from_ymd_opt(2026, 11, 1).expect("date");
        let sheet = RateSheet::new(&book, Currency::USD, date, Some("Brazil")).expect("sheet");
        let text = sheet.to_text();
        assert!(
            text.contains("business_agent: USD 2.00 per million tokens (published)"),
            "{text}"
        );
        assert!(text.contains("free tier: the first 1000 service items per business_number"));
        let doc: serde_json::Value = serde_json::from_str(&sheet.to_json()).expect("json");
        assert_eq!(doc["business_agent"]["rate_per_million_tokens"], "2.00");
        assert_eq!(doc["business_agent"]["default_tokens"], 22500);
        // Before 2026-08-01 there is no Business Agent charge.
        let july = NaiveDate::from_ymd_opt(2026, 7, 15).expect("date");
        let sheet = RateSheet::new(&book, Currency::USD, july, Some("Brazil")).expect("sheet");
        assert!(!sheet.to_text().contains("business_agent"));
        assert!(sheet.to_json().contains("\"business_agent\": null"));
    }

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
        assert_eq!(doc["notes"], serde_json::json!([]));
    }

    #[test]
    fn a_market_by_its_countrys_iso_code() {
        // Brazil is its own market; the Dominican Republic is in Rest of Latin America.
        assert!(
            sheet((2026, 2, 2), Some("br"))
                .unwrap()
                .contains("\nBrazil,marketing,")
        );
        assert!(
            sheet((2026, 2, 2), Some("DO"))
                .unwrap()
                .contains("\nRest of Latin America,marketing,")
        );
    }

    #[test]
    fn an_unknown_market_suggests_the_nearest_names() {
        let err = sheet((2026, 2, 2), Some("Brazl")).unwrap_err().to_string();
        assert!(
            err.starts_with(
                "no market \"Brazl\" on the USD card of 2026-01-01 (did you mean Brazil?); markets: "
            ),
            "{err}"
        );
        let err = sheet((2026, 2, 2), Some("Atlantis"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("no market \"Atlantis\" on the USD card of 2026-01-01; markets: "),
            "{err}"
        );
    }

    #[test]
    fn markets_are_listed_by_name_other_last() {
        let csv = sheet((2026, 2, 2), None).unwrap();
        let mut markets: Vec<&str> = csv
            .lines()
            .skip(1)
            .filter_map(|l| l.split(',').next())
            .collect();
        markets.dedup();
        assert_eq!(markets.last(), Some(&"Other"));
        let named = &markets[..markets.len() - 1];
        let mut sorted = named.to_vec();
        sorted.sort_by_key(|m| m.to_lowercase());
        assert_eq!(named, sorted.as_slice());
        assert_eq!(markets.first(), Some(&"Argentina"));
    }

    #[test]
    fn a_date_past_the_newest_card_warns() {
        let book = RateBook::embedded().expect("embedded data");
        let until = book.known_until(Currency::USD).expect("a USD card");
        assert_eq!(until, NaiveDate::from_ymd_opt(2027, 1, 1).unwrap());
        let day_before = until.pred_opt().unwrap();
        let quiet = RateSheet::new(&book, Currency::USD, day_before, None).unwrap();
        assert!(quiet.notes.is_empty());
        let later = RateSheet::new(&book, Currency::USD, until, None).unwrap();
        assert_eq!(
            later.card.effective,
            NaiveDate::from_ymd_opt(2026, 10, 1).unwrap()
        );
        assert_eq!(
            later.notes,
            [
                "2027-01-01 is after the data wacost knows: the USD card of 2026-10-01 is the \
              newest, and Meta may change rates on any quarter start from 2027-01-01; load a \
              newer card when Meta publishes one"
            ]
        );
        assert!(
            later
                .to_text()
                .contains("\nnote: 2027-01-01 is after the data wacost knows")
        );
    }
}
