//! Meta's published `Pricing.csv`, imported as published.
//!
//! Meta's file has a few note lines, then the header
//! `Market, Currency, Marketing, Utility, Authentication, Authentication-International, Service`
//! (the last-but-one header cell has a line break inside quotes), then one row per market
//! with the currency written as Meta writes it (`$US`, `£`, `₹`) and `n/a` where there is no
//! rate. The effective date is read from a note line such as "Rates effective January 1,
//! 2026" unless the caller gives one.

use chrono::NaiveDate;

use super::category::{Category, Provenance};
use super::market::MarketNames;
use super::ratecard::{Cell, RateCard, parse_rate};
use super::{DataError, DataSource, LoadError, MetaFile};
use crate::money::Currency;

/// The rows of one of Meta's CSV files (`Pricing.csv`, `Tier Pricing.csv`), its byte order
/// mark dropped: each row's line and its cells, trimmed. A quoted cell may hold a line break
/// (Meta's headers do), so a row's line is the one it starts on.
pub(super) fn meta_rows(
    text: &str,
    origin: &DataSource,
) -> Result<Vec<(usize, Vec<String>)>, DataError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    reader
        .records()
        .map(|result| {
            let record = result.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line() as usize);
                origin.error(line, format!("not a readable CSV row: {e}"))
            })?;
            let line = record.position().map_or(0, |p| p.line() as usize);
            Ok((line, record.iter().map(|c| c.trim().to_string()).collect()))
        })
        .collect()
}

/// Reads Meta's `Pricing.csv`. Every cell is `published`, sourced to the file.
pub fn parse_meta_pricing_csv(
    text: &str,
    origin: &DataSource,
    effective: Option<NaiveDate>,
    names: &mut MarketNames,
) -> Result<RateCard, LoadError> {
    let mut columns: Option<Vec<Option<Category>>> = None;
    let mut currency_col = None;
    let mut notes = Vec::new();
    let mut found_date = None;
    let mut rows = Vec::new();
    for (line, cells) in meta_rows(text, origin)? {
        if columns.is_none() {
            if is_header(&cells) {
                let mut cols = Vec::new();
                for (i, c) in cells.iter().enumerate() {
                    let key = squash(c);
                    if key == "currency" {
                        currency_col = Some(i);
                    }
                    cols.push(match key.as_str() {
                        "marketing" => Some(Category::Marketing),
                        "utility" => Some(Category::Utility),
                        "authentication" => Some(Category::Authentication),
                        "authenticationinternational" => {
                            Some(Category::AuthenticationInternational)
                        }
                        "service" => Some(Category::Service),
                        _ => None,
                    });
                }
                if !cols.contains(&Some(Category::Marketing)) {
                    return Err(origin.error(line, "header has no Marketing column").into());
                }
                columns = Some(cols);
            } else {
                let note = cells.join(" ").trim().to_string();
                if found_date.is_none() {
                    found_date = date_in_note(&note);
                }
                if !note.is_empty() {
                    notes.push(note);
                }
            }
            continue;
        }
        if cells.iter().all(String::is_empty) {
            continue;
        }
        rows.push((line, cells));
    }
    let columns = columns.ok_or_else(|| {
        origin.error(
            1,
            "not a Meta pricing file: no `Market, Currency, Marketing, Utility, …` header \
             (and not a wacost card: those start with `# wacost rate card`)",
        )
    })?;
    let effective = effective
        .or(found_date)
        .ok_or_else(|| LoadError::NoEffectiveDate {
            origin: origin.name.clone(),
            file: MetaFile::Pricing,
        })?;
    let mut currency: Option<Currency> = None;
    let source_id = "meta-file".to_string();
    let mut card = RateCard::new(effective, Currency::USD, &origin.name);
    for (line, cells) in rows {
        let market = cells.first().cloned().unwrap_or_default();
        if market.is_empty() {
            return Err(origin.error(line, "empty market name").into());
        }
        if let Some(i) = currency_col {
            let token = cells.get(i).map(String::as_str).unwrap_or("");
            let c =
                Currency::from_meta_token(token).map_err(|e| origin.error(line, e.to_string()))?;
            super::limits::check_currency(c).map_err(|e| origin.error(line, e))?;
            match currency {
                None => currency = Some(c),
                Some(prev) if prev != c => {
                    return Err(origin.error(
                        line,
                        format!("currency {c} differs from {prev} on earlier rows: one card, one currency"),
                    ).into());
                }
                Some(_) => {}
            }
        }
        let id = names
            .card_market(&market)
            .map_err(|e| origin.error(line, e))?;
        if card.markets().any(|m| m == id) {
            return Err(origin
                .error(line, format!("{market} appears twice: one row per market"))
                .into());
        }
        for (i, col) in columns.iter().enumerate() {
            let Some(category) = col else { continue };
            let raw = cells.get(i).map(String::as_str).unwrap_or("");
            if raw.is_empty() || raw.eq_ignore_ascii_case("n/a") || raw == "-" || raw == "–" {
                continue;
            }
            let rate = parse_rate(raw).ok_or_else(|| {
                origin.error(
                    line,
                    format!("{market} {category}: {raw:?} is not a rate (a decimal or n/a)"),
                )
            })?;
            if let Some(c) = currency {
                super::limits::check_rate(c, rate)
                    .map_err(|e| origin.error(line, format!("{market} {category}: {e}")))?;
            }
            card.set(
                id,
                *category,
                Cell {
                    rate,
                    provenance: Provenance::Published,
                    source: source_id.clone(),
                    note: String::new(),
                },
            );
        }
    }
    card.currency = currency.ok_or_else(|| {
        origin.error(
            1,
            "no Currency column or no rows: cannot tell the card's currency",
        )
    })?;
    card.title = notes
        .first()
        .cloned()
        .unwrap_or_else(|| "Meta rate card".to_string());
    card.confidence = "published".to_string();
    card.sources = vec![(source_id, format!("Meta's pricing file {}", origin.name))];
    card.notes = notes.into_iter().skip(1).collect();
    Ok(card)
}

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn is_header(cells: &[String]) -> bool {
    cells.first().is_some_and(|c| squash(c) == "market")
        && cells.iter().any(|c| squash(c) == "marketing")
}

/// Finds "effective January 1, 2026" (or "1 January 2026", or an ISO date) in a note line.
pub(crate) fn date_in_note(note: &str) -> Option<NaiveDate> {
    let lower = note.to_lowercase();
    let start = lower.find("effective")?;
    let rest = &note[start + "effective".len()..];
    let rest = rest.trim_start_matches([' ', ':', ',']).trim_start();
    let rest = rest.strip_prefix("from ").unwrap_or(rest);
    let rest = rest.strip_prefix("on ").unwrap_or(rest);
    let words: Vec<&str> = rest
        .split(|c: char| c.is_whitespace() || c == ',')
        .map(|w| w.trim_end_matches(['.', ';', ')']))
        .filter(|w| !w.is_empty())
        .take(3)
        .collect();
    if let Some(d) = words
        .first()
        .and_then(|w| NaiveDate::parse_from_str(w, "%Y-%m-%d").ok())
    {
        return Some(d);
    }
    let joined = words.join(" ");
    for fmt in ["%B %d %Y", "%d %B %Y", "%b %d %Y", "%d %b %Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(&joined, fmt) {
            return Some(d);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn dates_in_notes() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day);
        assert_eq!(
            date_in_note("Rates effective January 1, 2026"),
            d(2026, 1, 1)
        );
        assert_eq!(date_in_note("Effective: 1 July 2026."), d(2026, 7, 1));
        assert_eq!(date_in_note("effective from 2026-10-01"), d(2026, 10, 1));
        assert_eq!(date_in_note("Prices in USD"), None);
    }

    #[test]
    fn reads_the_fixture_as_published() {
        let text = include_str!("../../../../tests/data/meta_pricing_usd.csv");
        let mut names = MarketNames::new();
        let card =
            parse_meta_pricing_csv(text, &DataSource::embedded("Pricing.csv"), None, &mut names)
                .unwrap();
        assert_eq!(card.currency, Currency::USD);
        assert_eq!(card.effective, NaiveDate::from_ymd_opt(2027, 1, 1).unwrap());
        let br = names.get("Brazil").unwrap();
        assert_eq!(
            card.cell(br, Category::Marketing).unwrap().rate,
            dec!(0.0600)
        );
        let india = names.get("India").unwrap();
        assert_eq!(
            card.cell(india, Category::AuthenticationInternational)
                .unwrap()
                .rate,
            dec!(0.0300)
        );
        assert!(
            card.cell(br, Category::AuthenticationInternational)
                .is_none(),
            "n/a is no rate"
        );
        assert_eq!(card.cell(br, Category::Service).unwrap().rate, dec!(0.0070));
    }

    #[test]
    fn a_file_without_its_date_needs_one() {
        let text = include_str!("../../../../tests/data/meta_pricing_usd.csv")
            .replace("Rates effective January 1, 2027", "Rates as published");
        let origin = DataSource::embedded("P.csv");
        let err =
            parse_meta_pricing_csv(&text, &origin, None, &mut MarketNames::new()).unwrap_err();
        assert!(
            matches!(&err, LoadError::NoEffectiveDate { origin, file: MetaFile::Pricing } if origin == "P.csv"),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "P.csv:1: cannot tell when this card takes effect: no \"effective <Month> <day>, \
             <year>\" note line"
        );
        let date = NaiveDate::from_ymd_opt(2027, 3, 1);
        let card = parse_meta_pricing_csv(&text, &origin, date, &mut MarketNames::new()).unwrap();
        assert_eq!(Some(card.effective), date);
    }

    #[test]
    fn bad_rate_names_line_and_cell() {
        let text =
            include_str!("../../../../tests/data/meta_pricing_usd.csv").replace("0.0600", "sixty");
        let mut names = MarketNames::new();
        let err = parse_meta_pricing_csv(&text, &DataSource::embedded("P.csv"), None, &mut names)
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("P.csv:9: Brazil marketing: \"sixty\""),
            "{err}"
        );
    }
}
