//! Markets: the groups of countries Meta prices alike, and the effective-dated map from a
//! recipient's country to its market.
//!
//! Meta: "If a country is not listed, it maps to Other." Markets move on card dates
//! (Zimbabwe to Rest of Africa on 2025-10-01; six standalone markets on 2026-07-01; nine more
//! on 2026-10-01), so the map is data with a `from` date per row (`data/markets.csv`).

use std::collections::HashMap;
use std::fmt;

use chrono::NaiveDate;

use super::data_file::{self, DataLine};
use super::phone::{self, ContactNumber, Country};
use super::{DataError, DataSource};

/// A market, as an index into [`MarketNames`]. Cheap to copy and compare on the hot path.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct MarketId(pub u16);

/// The names of every market known to a rate book, interned so that cards, the market map and
/// charges refer to markets by a small id.
#[derive(Clone, Debug, Default)]
pub struct MarketNames {
    names: Vec<String>,
    index: HashMap<String, MarketId>,
    closed: bool,
}

/// The market every unlisted country falls into.
pub const OTHER: &str = "Other";

impl MarketNames {
    /// A registry holding only `Other`.
    pub fn new() -> MarketNames {
        let mut m = MarketNames::default();
        m.intern(OTHER);
        m
    }

    /// The id of a market name, adding it when new. Names compare case-insensitively and
    /// ignoring surrounding spaces, so `Rest of Africa` and `rest of africa ` are one market.
    pub fn intern(&mut self, name: &str) -> MarketId {
        let key = normalize(name);
        if let Some(id) = self.index.get(&key) {
            return *id;
        }
        let id = MarketId(self.names.len() as u16);
        self.names.push(name.trim().to_string());
        self.index.insert(key, id);
        id
    }

    /// Closes the registry: from now on a rate card may name only the markets already known
    /// ([`MarketNames::card_market`]).
    pub fn close(&mut self) {
        self.closed = true;
    }

    /// The id of a market named on a rate card. Once the registry is closed (a rate book
    /// closes it when its embedded data is read) an unknown name is an error; a registry holds
    /// at most 65,535 markets.
    pub fn card_market(&mut self, name: &str) -> Result<MarketId, String> {
        if let Some(id) = self.get(name) {
            return Ok(id);
        }
        if self.closed {
            return Err(format!(
                "unknown market {:?}: not a market of the market map (data/markets.csv) or of \
                 the embedded cards",
                name.trim()
            ));
        }
        if self.names.len() >= usize::from(u16::MAX) {
            return Err(format!(
                "too many markets: {:?} is one more than 65,535",
                name.trim()
            ));
        }
        Ok(self.intern(name))
    }

    /// The id of a known market name.
    pub fn get(&self, name: &str) -> Option<MarketId> {
        self.index.get(&normalize(name)).copied()
    }

    /// The display name of a market.
    pub fn name(&self, id: MarketId) -> &str {
        self.names.get(id.0 as usize).map_or("?", String::as_str)
    }

    /// The id of `Other`.
    pub fn other(&self) -> MarketId {
        MarketId(0)
    }

    /// How many markets are known.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether no market is known (never: `Other` always is).
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Every market id, in the order first seen.
    pub fn ids(&self) -> impl Iterator<Item = MarketId> + '_ {
        (0..self.names.len()).map(|i| MarketId(i as u16))
    }
}

fn normalize(name: &str) -> String {
    name.trim()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// One row of the market map: from `from` on, `country` (reached by numbers starting with
/// `prefix`) is priced as `market`.
#[derive(Clone, Debug)]
pub struct MarketRow {
    /// ISO country.
    pub country: Country,
    /// Calling-code digits, with the area code for +1 countries (`1809`).
    pub prefix: String,
    /// The market.
    pub market: MarketId,
    /// First day (in the WABA's time zone) the row applies.
    pub from: NaiveDate,
    /// Source id from the file header.
    pub source: String,
    /// Free-text note.
    pub note: String,
    /// How sure the placement is (`published`, `reported`, `estimated`; empty: the file's
    /// source says).
    pub confidence: String,
}

/// The effective-dated map from country to market, with a prefix table for numbers the phone
/// library cannot place.
#[derive(Clone, Debug, Default)]
pub struct MarketMap {
    rows: Vec<MarketRow>,
    /// Per country: (from, market), sorted by `from`.
    by_country: HashMap<Country, Vec<(NaiveDate, MarketId)>>,
    /// Prefix digits → country, longest first.
    prefixes: Vec<(u64, usize, Country)>,
    sources: Vec<(String, String)>,
}

impl MarketMap {
    /// Reads `markets.csv`: `# source ID: text` header lines, then
    /// `country,prefix,market,from,source,note`.
    pub fn parse(
        text: &str,
        origin: &DataSource,
        names: &mut MarketNames,
    ) -> Result<MarketMap, DataError> {
        let mut map = MarketMap::default();
        let mut header_seen = false;
        for (line_no, line) in data_file::read(text, origin)? {
            let fields = match line {
                DataLine::Comment(comment) => {
                    if let Some(rest) = comment.strip_prefix("source ") {
                        if let Some((id, text)) = rest.split_once(':') {
                            map.sources
                                .push((id.trim().to_string(), text.trim().to_string()));
                        }
                    }
                    continue;
                }
                DataLine::Record(fields) => fields,
            };
            if !header_seen {
                header_seen = true;
                if !data_file::is_header(&fields, &["country", "prefix", "market", "from"]) {
                    return Err(origin.error(
                        line_no,
                        "expected the header country,prefix,market,from,source,note",
                    ));
                }
                continue;
            }
            if fields.len() < 4 {
                return Err(origin.error(
                    line_no,
                    format!("expected at least 4 fields, found {}", fields.len()),
                ));
            }
            let country = Country::parse(&fields[0]).ok_or_else(|| {
                origin.error(
                    line_no,
                    format!("{:?} is not an ISO country code", &fields[0]),
                )
            })?;
            let prefix = fields[1].to_string();
            prefix
                .parse::<u64>()
                .map_err(|_| origin.error(line_no, format!("prefix {prefix:?} is not a number")))?;
            let market = names.intern(&fields[2]);
            let from = NaiveDate::parse_from_str(&fields[3], "%Y-%m-%d").map_err(|_| {
                origin.error(
                    line_no,
                    format!("{:?} is not a date (YYYY-MM-DD)", &fields[3]),
                )
            })?;
            map.rows.push(MarketRow {
                country,
                prefix: prefix.clone(),
                market,
                from,
                source: fields.get(4).unwrap_or_default().to_string(),
                note: fields.get(5).unwrap_or_default().to_string(),
                confidence: fields.get(6).unwrap_or_default().to_string(),
            });
        }
        if !header_seen {
            return Err(origin.error(1, "no header row: is this a market map?"));
        }
        map.index();
        Ok(map)
    }

    /// Rebuilds the lookups (`by_country`, `prefixes`) from the rows.
    fn index(&mut self) {
        self.by_country.clear();
        self.prefixes.clear();
        for r in &self.rows {
            self.by_country
                .entry(r.country)
                .or_default()
                .push((r.from, r.market));
            let Ok(p) = r.prefix.parse::<u64>() else {
                continue;
            };
            if !self
                .prefixes
                .iter()
                .any(|(q, len, _)| *q == p && *len == r.prefix.len())
            {
                self.prefixes.push((p, r.prefix.len(), r.country));
            }
        }
        for v in self.by_country.values_mut() {
            v.sort_by_key(|(from, _)| *from);
        }
        self.prefixes.sort_by(|a, b| b.1.cmp(&a.1));
    }

    /// Lays a user's map over this one: the user's rows replace every row of the countries
    /// they name (a user's map can price Jersey numbers as United Kingdom, say); the other
    /// countries keep theirs.
    pub fn overlay(&mut self, user: MarketMap) {
        let named: Vec<Country> = user.rows.iter().map(|r| r.country).collect();
        self.rows.retain(|r| !named.contains(&r.country));
        // The user's rows first: their prefixes win where two rows give the same one.
        let mut rows = user.rows;
        rows.append(&mut self.rows);
        self.rows = rows;
        self.sources.extend(user.sources);
        self.index();
    }

    /// Every row, as read.
    pub fn rows(&self) -> &[MarketRow] {
        &self.rows
    }

    /// The sources named in the file header.
    pub fn sources(&self) -> &[(String, String)] {
        &self.sources
    }

    /// The recipient's country: the phone library's answer where it can place the number
    /// (or the calling code belongs to one country), otherwise the longest prefix of the map
    /// (`1809` → DO), otherwise the calling code's main country. WhatsApp delivered to the
    /// number, so a range the library does not know still follows its calling code.
    pub fn country_of(&self, number: ContactNumber) -> Country {
        if let Some(c) = phone::library_country(number) {
            return c;
        }
        for &(prefix, len, country) in &self.prefixes {
            if number.leading(len) == prefix {
                return country;
            }
        }
        phone::main_country(number.calling_code()).unwrap_or(Country::UNKNOWN)
    }

    /// The market of a country on a date. Unlisted countries are `Other`.
    pub fn market_of(&self, country: Country, date: NaiveDate, names: &MarketNames) -> MarketId {
        match self.by_country.get(&country) {
            Some(rows) => rows
                .iter()
                .rev()
                .find(|(from, _)| *from <= date)
                .map_or(names.other(), |(_, m)| *m),
            None => names.other(),
        }
    }

    /// Every date on which some country changes market.
    pub fn change_dates(&self) -> Vec<NaiveDate> {
        let mut d: Vec<NaiveDate> = self.rows.iter().map(|r| r.from).collect();
        d.sort();
        d.dedup();
        d
    }
}

/// The countries whose recipients get the authentication-international rate, from a date
/// (`data/auth_international.csv`), for businesses that are eligible and located elsewhere.
#[derive(Clone, Debug, Default)]
pub struct AuthInternational {
    rows: Vec<(Country, NaiveDate)>,
}

impl AuthInternational {
    /// Reads `country,from,source,note` rows after `#` comment lines.
    pub fn parse(text: &str, origin: &DataSource) -> Result<AuthInternational, DataError> {
        let mut rows = Vec::new();
        let records = data_file::records(text, origin)?;
        // The first record is the header.
        for (line_no, f) in records.skip(1) {
            let country = Country::parse(&f[0]).ok_or_else(|| {
                origin.error(line_no, format!("{:?} is not an ISO country code", &f[0]))
            })?;
            let from = f
                .get(1)
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .ok_or_else(|| origin.error(line_no, "second field must be a date (YYYY-MM-DD)"))?;
            rows.push((country, from));
        }
        Ok(AuthInternational { rows })
    }

    /// Whether recipients in `country` get the authentication-international rate on `date`.
    pub fn applies(&self, country: Country, date: NaiveDate) -> bool {
        self.rows
            .iter()
            .any(|(c, from)| *c == country && *from <= date)
    }

    /// The rows, as read.
    pub fn rows(&self) -> &[(Country, NaiveDate)] {
        &self.rows
    }
}

impl fmt::Display for MarketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "market#{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> (MarketMap, MarketNames) {
        let text = "# source t: test\ncountry,prefix,market,from,source,note\n\
            BR,55,Brazil,2023-06-01,t,\n\
            US,1,North America,2023-06-01,t,\n\
            DO,1809,Rest of Latin America,2023-06-01,t,\n\
            ZW,263,Other,2023-06-01,t,\n\
            ZW,263,Rest of Africa,2025-10-01,t,\n";
        let mut names = MarketNames::new();
        let map = MarketMap::parse(text, &DataSource::embedded("markets.csv"), &mut names).unwrap();
        (map, names)
    }

    #[test]
    fn moves_on_their_date() {
        let (map, names) = sample();
        let zw = Country::parse("ZW").unwrap();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            names.name(map.market_of(zw, d("2025-09-30"), &names)),
            "Other"
        );
        assert_eq!(
            names.name(map.market_of(zw, d("2025-10-01"), &names)),
            "Rest of Africa"
        );
        let fr = Country::parse("FR").unwrap();
        assert_eq!(
            names.name(map.market_of(fr, d("2026-01-01"), &names)),
            "Other"
        );
    }

    #[test]
    fn quoted_fields_and_errors_at_their_line() {
        let text = "# source t: test\ncountry,prefix,market,from,source,note\n\n\
            BR,55,Brazil,2023-06-01,t,\"moved, then \"\"back\"\"\"\n\
            B1,1,Other,2023-06-01,t,\n";
        let origin = DataSource::embedded("markets.csv");
        let e = MarketMap::parse(text, &origin, &mut MarketNames::new()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "markets.csv:5: \"B1\" is not an ISO country code"
        );
        let good = text.replace("B1,1,Other,2023-06-01,t,\n", "");
        let map = MarketMap::parse(&good, &origin, &mut MarketNames::new()).unwrap();
        assert_eq!(map.rows()[0].note, "moved, then \"back\"");
        assert_eq!(map.sources(), [("t".to_string(), "test".to_string())]);
        let e = MarketMap::parse("country,market\n", &origin, &mut MarketNames::new());
        assert_eq!(
            e.unwrap_err().to_string(),
            "markets.csv:1: expected the header country,prefix,market,from,source,note"
        );
    }

    #[test]
    fn auth_international_rows_after_the_header() {
        let text = "# source: Meta\ncountry,from,source,note\nIN,2024-06-01,m,\"from June, 2024\"\nID,soon,m,\n";
        let e = AuthInternational::parse(text, &DataSource::embedded("auth.csv")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "auth.csv:4: second field must be a date (YYYY-MM-DD)"
        );
        let ok = AuthInternational::parse(
            &text.replace("ID,soon,m,\n", ""),
            &DataSource::embedded("auth.csv"),
        )
        .unwrap();
        let d = NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
        assert_eq!(ok.rows(), [(Country::parse("IN").unwrap(), d)]);
    }
}
