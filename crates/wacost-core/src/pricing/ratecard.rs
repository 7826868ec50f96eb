//! Rate cards: Meta's list rates per market and category, effective from a date, in one
//! currency, with the provenance of every cell.
//!
//! Our own file format (`data/ratecards/*.csv`) is a CSV a person can read and diff, one row
//! per cell, after `# key: value` header lines:
//!
//! ```text
//! # wacost rate card
//! # effective: 2026-01-01
//! # currency: USD
//! # title: Meta per-message list rates, USD, effective 2026-01-01
//! # confidence: high
//! # source meta-usd-2026-01: a public copy of Meta's USD CSV
//! market,category,rate,provenance,source,note
//! Brazil,marketing,0.0625,published,meta-usd-2026-01,
//! ```
//!
//! A cell with no rate (`n/a` on Meta's card) has no row.

use std::fmt::Write as _;

use chrono::NaiveDate;
use csv::StringRecord;
use rust_decimal::Decimal;

use super::category::{Category, Provenance};
use super::data_file::{self, DataLine};
use super::market::{MarketId, MarketNames};
use super::{DataError, DataSource};
use crate::money::Currency;

/// The first line of a card in our format.
pub const MAGIC: &str = "# wacost rate card";

/// One rate on a card, with where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    /// The list rate, per delivered message (PMP) or per conversation (CBP).
    pub rate: Decimal,
    /// How sure we are of it.
    pub provenance: Provenance,
    /// The id of a source declared in the card's header.
    pub source: String,
    /// Anything specific to this cell.
    pub note: String,
}

/// A rate card: rates by market and category, in force from `effective` (its first instant in
/// the WABA's time zone, see [`crate::calendar`]) until the next card of the same currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateCard {
    /// First day the card applies.
    pub effective: NaiveDate,
    /// Currency of every rate.
    pub currency: Currency,
    /// A one-line description.
    pub title: String,
    /// Overall confidence as the research rates it (`high`, `medium`…).
    pub confidence: String,
    /// Sources: (id, text).
    pub sources: Vec<(String, String)>,
    /// Free-text notes from the header.
    pub notes: Vec<String>,
    /// Where the card was read from (an embedded file or a user's path).
    pub origin: String,
    cells: Vec<[Option<Cell>; 5]>,
}

impl RateCard {
    /// An empty card.
    pub fn new(effective: NaiveDate, currency: Currency, origin: &str) -> RateCard {
        RateCard {
            effective,
            currency,
            title: String::new(),
            confidence: String::new(),
            sources: Vec::new(),
            notes: Vec::new(),
            origin: origin.to_string(),
            cells: Vec::new(),
        }
    }

    /// The cell for a market and category, if the card has a rate there (never for a
    /// category that is not a card column: see [`Category::is_card`]).
    pub fn cell(&self, market: MarketId, category: Category) -> Option<&Cell> {
        self.cells
            .get(market.0 as usize)
            .and_then(|row| row.get(category.index()))
            .and_then(Option::as_ref)
    }

    /// Sets a cell. A category that is not a card column (a group category, the Business
    /// Agent) has no cell: setting one is ignored and returns `false`.
    pub fn set(&mut self, market: MarketId, category: Category, cell: Cell) -> bool {
        if !category.is_card() {
            return false;
        }
        let i = market.0 as usize;
        if self.cells.len() <= i {
            self.cells.resize_with(i + 1, Default::default);
        }
        self.cells[i][category.index()] = Some(cell);
        true
    }

    /// Markets that have at least one rate on this card, in id order.
    pub fn markets(&self) -> impl Iterator<Item = MarketId> + '_ {
        self.cells
            .iter()
            .enumerate()
            .filter(|(_, row)| row.iter().any(Option::is_some))
            .map(|(i, _)| MarketId(i as u16))
    }

    /// Every (market, category, cell).
    pub fn cells(&self) -> impl Iterator<Item = (MarketId, Category, &Cell)> + '_ {
        self.cells.iter().enumerate().flat_map(|(i, row)| {
            Category::CARD.into_iter().filter_map(move |c| {
                row[c.index()]
                    .as_ref()
                    .map(|cell| (MarketId(i as u16), c, cell))
            })
        })
    }

    /// The text of a source id, or the id itself when undeclared.
    pub fn source_text<'a>(&'a self, id: &'a str) -> &'a str {
        self.sources
            .iter()
            .find(|(k, _)| k == id)
            .map_or(id, |(_, v)| v.as_str())
    }

    /// Reads a card in our format.
    pub fn parse(
        text: &str,
        origin: &DataSource,
        names: &mut MarketNames,
    ) -> Result<RateCard, DataError> {
        let mut effective = None;
        let mut currency = None;
        let mut title = String::new();
        let mut confidence = String::new();
        let mut sources = Vec::new();
        let mut notes = Vec::new();
        let mut rows: Vec<(usize, StringRecord)> = Vec::new();
        let mut header_seen = false;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (line_no, line) in data_file::read(text, origin)? {
            match line {
                DataLine::Comment(comment) => {
                    if let Some(rest) = comment.strip_prefix("source ") {
                        let (id, t) = rest.split_once(':').ok_or_else(|| {
                            origin.error(line_no, "a source line reads `# source ID: text`")
                        })?;
                        sources.push((id.trim().to_string(), t.trim().to_string()));
                    } else if let Some((key, value)) = comment.split_once(':') {
                        let value = value.trim();
                        match key.trim() {
                            "effective" => {
                                effective = Some(parse_date(value).ok_or_else(|| {
                                    origin.error(
                                        line_no,
                                        format!("{value:?} is not a date (YYYY-MM-DD)"),
                                    )
                                })?)
                            }
                            "currency" => {
                                currency = Some((
                                    line_no,
                                    value
                                        .parse::<Currency>()
                                        .map_err(|e| origin.error(line_no, e.to_string()))?,
                                ))
                            }
                            "title" => title = value.to_string(),
                            "confidence" => confidence = value.to_string(),
                            "note" => notes.push(value.to_string()),
                            _ => {}
                        }
                    }
                }
                DataLine::Record(fields) if header_seen => rows.push((line_no, fields)),
                DataLine::Record(fields) => {
                    if !data_file::is_header(&fields, &["market", "category", "rate"]) {
                        return Err(origin.error(
                            line_no,
                            "expected the header market,category,rate,provenance,source,note",
                        ));
                    }
                    header_seen = true;
                }
            }
        }
        let effective = effective
            .ok_or_else(|| origin.error(1, "missing `# effective: YYYY-MM-DD` header line"))?;
        let (currency_line, currency) = currency
            .ok_or_else(|| origin.error(1, "missing `# currency: USD` (ISO code) header line"))?;
        super::limits::check_currency(currency).map_err(|e| origin.error(currency_line, e))?;
        if !header_seen {
            return Err(origin.error(1, "no `market,category,rate,…` header row"));
        }
        let mut card = RateCard::new(effective, currency, &origin.name);
        card.title = title;
        card.confidence = confidence;
        card.sources = sources;
        card.notes = notes;
        for (line_no, f) in rows {
            if f.len() < 3 {
                return Err(origin.error(
                    line_no,
                    format!("expected at least 3 fields, found {}", f.len()),
                ));
            }
            if f[0].is_empty() {
                return Err(origin.error(line_no, "empty market name"));
            }
            let category = Category::parse(&f[1])
                .filter(|c| c.is_card())
                .ok_or_else(|| {
                    origin.error(
                        line_no,
                        format!(
                            "unknown category {:?}: a card has marketing, utility, \
                             authentication, authentication_international and service",
                            &f[1]
                        ),
                    )
                })?;
            let rate = parse_rate(&f[2]).ok_or_else(|| {
                origin.error(
                    line_no,
                    format!("rate {:?} is not a non-negative decimal", &f[2]),
                )
            })?;
            let provenance = match f.get(3) {
                None | Some("") => Provenance::Published,
                Some(p) => Provenance::parse(p).ok_or_else(|| {
                    origin.error(
                        line_no,
                        format!("provenance {p:?} is not published, derived or estimated"),
                    )
                })?,
            };
            let source = f.get(4).unwrap_or_default().to_string();
            if !source.is_empty() && !card.sources.iter().any(|(id, _)| *id == source) {
                return Err(origin.error(
                    line_no,
                    format!("source {source:?} is not declared in a `# source {source}: …` line"),
                ));
            }
            let market = names
                .card_market(&f[0])
                .map_err(|e| origin.error(line_no, e))?;
            super::limits::check_rate(card.currency, rate).map_err(|e| origin.error(line_no, e))?;
            if card.cell(market, category).is_some() {
                return Err(origin.error(line_no, format!("{} {} appears twice", &f[0], category)));
            }
            card.set(
                market,
                category,
                Cell {
                    rate,
                    provenance,
                    source,
                    note: f.get(5).unwrap_or_default().to_string(),
                },
            );
        }
        Ok(card)
    }

    /// Writes the card in our format; [`RateCard::parse`] reads it back unchanged.
    pub fn to_text(&self, names: &MarketNames) -> String {
        let mut out = String::new();
        out.push_str(MAGIC);
        out.push('\n');
        let _ = writeln!(out, "# effective: {}", self.effective);
        let _ = writeln!(out, "# currency: {}", self.currency);
        if !self.title.is_empty() {
            let _ = writeln!(out, "# title: {}", one_line(&self.title));
        }
        if !self.confidence.is_empty() {
            let _ = writeln!(out, "# confidence: {}", one_line(&self.confidence));
        }
        for (id, text) in &self.sources {
            let _ = writeln!(out, "# source {}: {}", one_line(id), one_line(text));
        }
        for n in &self.notes {
            let _ = writeln!(out, "# note: {}", one_line(n));
        }
        out.push_str("market,category,rate,provenance,source,note\n");
        for (market, category, cell) in self.cells() {
            let _ = writeln!(
                out,
                "{},{},{},{},{},{}",
                csv_field(names.name(market)),
                category,
                cell.rate,
                cell.provenance,
                csv_field(&cell.source),
                csv_field(&cell.note)
            );
        }
        out
    }

    /// How many cells of each provenance the card holds: (published, derived, estimated).
    pub fn provenance_counts(&self) -> (usize, usize, usize) {
        let mut counts = (0, 0, 0);
        for (_, _, cell) in self.cells() {
            match cell.provenance {
                Provenance::Published => counts.0 += 1,
                Provenance::Derived => counts.1 += 1,
                Provenance::Estimated => counts.2 += 1,
            }
        }
        counts
    }
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

/// Quotes a CSV field when it needs it.
pub(crate) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

pub(crate) fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// Parses a rate: a non-negative decimal, tolerating a leading currency symbol and thousands
/// separators as Meta's files sometimes write them. A comma is a thousands separator only
/// where it can be one (`1,000.5`: 1 to 3 digits not starting with 0 before the first, 3
/// digits after each); `0,0600` (a decimal comma) is no rate, never 600.
pub(crate) fn parse_rate(s: &str) -> Option<Decimal> {
    let t: String = s
        .trim()
        .trim_start_matches(|c: char| !c.is_ascii_digit() && c != '.' && c != '-')
        .chars()
        .filter(|c| *c != '\u{a0}' && *c != ' ')
        .collect();
    if t.contains(',') && !thousands_grouped(&t) {
        return None;
    }
    let t = t.replace(',', "");
    let d: Decimal = t.parse().ok()?;
    if d.is_sign_negative() && !d.is_zero() {
        return None;
    }
    Some(d)
}

/// Whether the commas of a number (its sign and fraction aside) group thousands: `1,000`,
/// `12,345,678.5`; not `0,0600`, `1,00`, `,5`.
fn thousands_grouped(t: &str) -> bool {
    let whole = t.trim_start_matches('-').split('.').next().unwrap_or("");
    let mut groups = whole.split(',');
    let first = groups.next().unwrap_or("");
    (1..=3).contains(&first.len())
        && !first.starts_with('0')
        && first.bytes().all(|b| b.is_ascii_digit())
        && groups.all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()))
        && !t.split('.').nth(1).is_some_and(|f| f.contains(','))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    const CARD: &str = "# wacost rate card\n# effective: 2026-01-01\n# currency: USD\n\
        # title: test card\n# confidence: high\n# source s1: a copy, with a comma\n\
        market,category,rate,provenance,source,note\n\
        Brazil,marketing,0.0625,published,s1,\n\
        Brazil,utility,0.0068,derived,s1,\"carried, unchanged\"\n\
        Other,authentication,0.0077,estimated,s1,\n";

    #[test]
    fn reads_cells_with_provenance() {
        let mut names = MarketNames::new();
        let card = RateCard::parse(CARD, &DataSource::embedded("t.csv"), &mut names).unwrap();
        let br = names.get("brazil").unwrap();
        assert_eq!(
            card.cell(br, Category::Marketing).unwrap().rate,
            dec!(0.0625)
        );
        let u = card.cell(br, Category::Utility).unwrap();
        assert_eq!(u.provenance, Provenance::Derived);
        assert_eq!(u.note, "carried, unchanged");
        assert!(card.cell(br, Category::Service).is_none());
        assert_eq!(card.provenance_counts(), (1, 1, 1));
        let again = RateCard::parse(
            &card.to_text(&names),
            &DataSource::embedded("t2.csv"),
            &mut names,
        )
        .unwrap();
        assert_eq!(again.cells().count(), 3);
        assert_eq!(again.to_text(&names), card.to_text(&names));
    }

    #[test]
    fn errors_name_the_line() {
        let mut names = MarketNames::new();
        let bad = CARD.replace("0.0068", "cheap");
        let err = RateCard::parse(&bad, &DataSource::embedded("t.csv"), &mut names).unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.csv:9: rate \"cheap\" is not a non-negative decimal"
        );
        let bad = CARD.replace("estimated,s1", "estimated,s9");
        let err = RateCard::parse(&bad, &DataSource::embedded("t.csv"), &mut names).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("t.csv:10: source \"s9\" is not declared"),
            "{err}"
        );
    }

    #[test]
    fn rates_as_meta_writes_them() {
        assert_eq!(parse_rate("$0.0625"), Some(dec!(0.0625)));
        assert_eq!(parse_rate(" 1,000.5 "), Some(dec!(1000.5)));
        assert_eq!(parse_rate("-0.1"), None);
        assert_eq!(
            parse_rate("0,0600"),
            None,
            "a decimal comma is not a thousands separator"
        );
        assert_eq!(parse_rate("1,00"), None);
        assert_eq!(parse_rate("0.06,5"), None);
        assert_eq!(parse_rate("12,345,678.5"), Some(dec!(12345678.5)));
        assert_eq!(parse_rate("n/a"), None);
    }
}
