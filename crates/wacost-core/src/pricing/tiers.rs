//! Volume tiers: from 2025-07-01 Meta lowers utility and authentication rates as a business
//! portfolio's monthly volume in a market grows (list rate, then −5 % … −25 %).
//!
//! Meta publishes the bands in a `Tier Pricing.csv` per currency: note lines, then three
//! side-by-side groups (utility, authentication, authentication-international), each with
//! `From, To, Rate type, Rate, vs. list rate`; the market is written only on its first row;
//! volumes carry thousands separators. We have no verified copy of Meta's bands, so tiers
//! apply only when the user loads such a file, and reports say so otherwise.

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::category::Category;
use super::market::{MarketId, MarketNames};
use super::meta_csv::meta_rows;
use super::ratecard::parse_rate;
use super::{DataSource, LoadError, MetaFile};
use crate::money::Currency;

/// One band: messages number `from..=to` of the month are charged `rate`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Band {
    /// First message number of the band (1-based).
    pub from: u64,
    /// Last message number, or `None` for no upper bound.
    pub to: Option<u64>,
    /// The rate for messages in the band.
    pub rate: Decimal,
    /// Meta's label (`List rate`, `Tier discount`…).
    pub label: String,
    /// Meta's "vs. list rate" column, as written (`-5%`).
    pub vs_list: String,
}

/// A volume-tier card: bands per market and category, effective from a date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TierCard {
    /// First day it applies.
    pub effective: NaiveDate,
    /// Currency of every rate.
    pub currency: Currency,
    /// The file it came from.
    pub origin: String,
    bands: HashMap<(MarketId, Category), Vec<Band>>,
}

impl TierCard {
    /// The bands for a market and category, in order, if the card has any.
    pub fn bands(&self, market: MarketId, category: Category) -> Option<&[Band]> {
        self.bands.get(&(market, category)).map(Vec::as_slice)
    }

    /// How many bands the card holds.
    pub fn band_count(&self) -> usize {
        self.bands.values().map(Vec::len).sum()
    }

    /// Splits a month's volume of `count` messages over the bands: (band, messages in it).
    pub fn split(&self, market: MarketId, category: Category, count: u64) -> Vec<(&Band, u64)> {
        let Some(bands) = self.bands(market, category) else {
            return Vec::new();
        };
        bands
            .iter()
            .filter_map(|b| {
                let lo = b.from.max(1);
                let hi = b.to.unwrap_or(u64::MAX).min(count);
                (hi >= lo).then(|| (b, hi - lo + 1))
            })
            .collect()
    }
}

/// Whether a text looks like Meta's `Tier Pricing.csv` (a row with `From` and `To` cells).
pub fn looks_like_tier_csv(text: &str) -> bool {
    text.lines().take(40).any(|l| {
        let cells: Vec<String> = l.split(',').map(squash).collect();
        cells.iter().any(|c| c == "from") && cells.iter().any(|c| c == "to")
    })
}

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn category_named(s: &str) -> Option<Category> {
    match squash(s).as_str() {
        "utility" => Some(Category::Utility),
        "authentication" => Some(Category::Authentication),
        "authenticationinternational" => Some(Category::AuthenticationInternational),
        _ => None,
    }
}

/// Reads Meta's `Tier Pricing.csv`.
pub fn parse_meta_tier_csv(
    text: &str,
    origin: &DataSource,
    effective: Option<NaiveDate>,
    names: &mut MarketNames,
) -> Result<TierCard, LoadError> {
    let mut previous: Vec<String> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let mut groups: Option<Vec<(usize, Category)>> = None;
    let mut currency_col = None;
    let mut currency: Option<Currency> = None;
    let mut market: Option<MarketId> = None;
    // Each band with the line it was read from, for the checks once the currency is known.
    let mut bands: HashMap<(MarketId, Category), Vec<(usize, Band)>> = HashMap::new();
    for (line, cells) in meta_rows(text, origin)? {
        let Some(groups) = groups.as_ref() else {
            let froms: Vec<usize> = cells
                .iter()
                .enumerate()
                .filter(|(_, c)| squash(c) == "from")
                .map(|(i, _)| i)
                .collect();
            if froms.is_empty() {
                if cells.iter().any(|c| squash(c) == "currency") {
                    currency_col = cells.iter().position(|c| squash(c) == "currency");
                }
                notes.push(cells.join(" ").trim().to_string());
                previous = cells;
                continue;
            }
            if currency_col.is_none() {
                currency_col = cells.iter().position(|c| squash(c) == "currency");
            }
            let defaults = [
                Category::Utility,
                Category::Authentication,
                Category::AuthenticationInternational,
            ];
            let mut found = Vec::new();
            for (g, &start) in froms.iter().enumerate() {
                let end = froms.get(g + 1).copied().unwrap_or(usize::MAX);
                // The group's title sits above its columns (or just before them).
                let title = previous
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i + 2 >= start && *i < end)
                    .find_map(|(_, c)| category_named(c));
                let category = title.or_else(|| defaults.get(g).copied()).ok_or_else(|| {
                    origin.error(
                        line,
                        "more than three From/To groups and no category titles above them",
                    )
                })?;
                found.push((start, category));
            }
            groups = Some(found);
            continue;
        };
        if cells.iter().all(String::is_empty) {
            continue;
        }
        if let Some(name) = cells.first().filter(|c| !c.is_empty()) {
            market = Some(names.card_market(name).map_err(|e| origin.error(line, e))?);
        }
        if let Some(i) = currency_col {
            if let Some(token) = cells.get(i).filter(|t| !t.is_empty()) {
                let c = Currency::from_meta_token(token)
                    .map_err(|e| origin.error(line, e.to_string()))?;
                currency.get_or_insert(c);
            }
        }
        let m = market.ok_or_else(|| origin.error(line, "band row before any market name"))?;
        for &(start, category) in groups {
            let get = |k: usize| cells.get(start + k).map(String::as_str).unwrap_or("");
            if get(0).is_empty() && get(3).is_empty() {
                continue;
            }
            let from = parse_volume(get(0)).ok_or_else(|| {
                origin.error(
                    line,
                    format!("{category} From {:?} is not a message count", get(0)),
                )
            })?;
            let to = match squash(get(1)).as_str() {
                "" | "max" | "andabove" | "unlimited" => None,
                _ => Some(parse_volume(get(1)).ok_or_else(|| {
                    origin.error(
                        line,
                        format!("{category} To {:?} is not a message count", get(1)),
                    )
                })?),
            };
            let rate = parse_rate(get(3)).ok_or_else(|| {
                origin.error(
                    line,
                    format!("{category} Rate {:?} is not a decimal", get(3)),
                )
            })?;
            bands.entry((m, category)).or_default().push((
                line,
                Band {
                    from,
                    to,
                    rate,
                    label: get(2).to_string(),
                    vs_list: get(4).to_string(),
                },
            ));
        }
    }
    if groups.is_none() {
        return Err(origin
            .error(1, "no From/To header row: not a Tier Pricing file")
            .into());
    }
    let joined = notes.join(" ");
    let effective = effective
        .or_else(|| notes.iter().find_map(|n| super::meta_csv::date_in_note(n)))
        .ok_or_else(|| LoadError::NoEffectiveDate {
            origin: origin.name.clone(),
            file: MetaFile::TierPricing,
        })?;
    let currency = match currency {
        Some(c) => c,
        None => ["USD", "EUR", "INR", "GBP", "IDR", "AUD", "BRL", "MXN"]
            .iter()
            .find(|c| joined.contains(*c))
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| {
                origin.error(1, "cannot tell the currency: no Currency column or note")
            })?,
    };
    super::limits::check_currency(currency).map_err(|e| origin.error(1, e))?;
    let mut checked = HashMap::with_capacity(bands.len());
    for ((market, category), mut v) in bands {
        v.sort_by_key(|(_, b)| b.from);
        check_bands(&v, currency, names.name(market), category, origin)?;
        checked.insert((market, category), v.into_iter().map(|(_, b)| b).collect());
    }
    Ok(TierCard {
        effective,
        currency,
        origin: origin.name.clone(),
        bands: checked,
    })
}

/// Checks the bands of a market and category, sorted by `from`: each band's rate is
/// plausible, `from <= to`, and each band starts after the one before it ends, so that a
/// message is counted in one band only; only the last band may be open-ended.
fn check_bands(
    bands: &[(usize, Band)],
    currency: Currency,
    market: &str,
    category: Category,
    origin: &DataSource,
) -> Result<(), LoadError> {
    for (i, (line, band)) in bands.iter().enumerate() {
        let at = |msg: String| origin.error(*line, format!("{market} {category}: {msg}"));
        super::limits::check_rate(currency, band.rate).map_err(at)?;
        if band.to.is_some_and(|to| to < band.from) {
            return Err(at(format!(
                "band {}..{} ends before it starts",
                band.from,
                band.to.unwrap_or_default()
            ))
            .into());
        }
        if let Some((_, next)) = bands.get(i + 1) {
            match band.to {
                Some(to) if to < next.from => {}
                _ => {
                    return Err(at(format!(
                        "band from {} to {} overlaps the band from {}: a message would be \
                         counted in both",
                        band.from,
                        band.to.map_or("no limit".to_string(), |t| t.to_string()),
                        next.from
                    ))
                    .into());
                }
            }
        }
    }
    Ok(())
}

fn parse_volume(s: &str) -> Option<u64> {
    let t: String = s
        .chars()
        .filter(|c| !matches!(c, ',' | ' ' | '\u{a0}' | '.'))
        .collect();
    t.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn fixture() -> (TierCard, MarketNames) {
        let mut names = MarketNames::new();
        let t = parse_meta_tier_csv(
            include_str!("../../../../tests/data/meta_tier_pricing_usd.csv"),
            &DataSource::embedded("Tier Pricing.csv"),
            None,
            &mut names,
        )
        .unwrap();
        (t, names)
    }

    #[test]
    fn reads_side_by_side_groups() {
        let (t, names) = fixture();
        assert_eq!(t.currency, Currency::USD);
        assert_eq!(t.effective, NaiveDate::from_ymd_opt(2025, 7, 1).unwrap());
        let india = names.get("India").unwrap();
        let u = t.bands(india, Category::Utility).unwrap();
        assert_eq!(u.len(), 3);
        assert_eq!(u[1].from, 25_000_001);
        assert_eq!(u[1].to, Some(50_000_000));
        assert_eq!(u[1].rate, dec!(0.00133));
        assert_eq!(u[2].to, None);
        let ai = t
            .bands(india, Category::AuthenticationInternational)
            .unwrap();
        assert_eq!(ai[0].to, Some(750_000));
        let br = names.get("Brazil").unwrap();
        assert_eq!(
            t.bands(br, Category::Authentication).unwrap()[1].rate,
            dec!(0.00646)
        );
    }

    #[test]
    fn a_file_without_its_date_needs_one() {
        let text = include_str!("../../../../tests/data/meta_tier_pricing_usd.csv")
            .replace("Rates effective July 1, 2025", "Rates as published");
        let origin = DataSource::embedded("Tier Pricing.csv");
        let err = parse_meta_tier_csv(&text, &origin, None, &mut MarketNames::new()).unwrap_err();
        assert!(
            matches!(
                err,
                LoadError::NoEffectiveDate {
                    file: MetaFile::TierPricing,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "Tier Pricing.csv:1: cannot tell when the tiers take effect"
        );
    }

    #[test]
    fn splits_volume_over_bands() {
        let (t, names) = fixture();
        let br = names.get("Brazil").unwrap();
        let split: Vec<u64> = t
            .split(br, Category::Utility, 1_500_000)
            .iter()
            .map(|(_, n)| *n)
            .collect();
        assert_eq!(split, vec![1_000_000, 500_000]);
    }
}
