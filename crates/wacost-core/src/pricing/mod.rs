//! Pricing data and rules: rate cards, markets, rule regimes, volume tiers and Meta's own
//! files, gathered in a [`RateBook`].
//!
//! Everything here is data with effective dates, embedded from `data/` as the default and
//! overridable by user files: a new Meta card is a data change, never a code change.

pub mod category;
pub(crate) mod data_file;
pub mod limits;
pub mod market;
pub mod max_price;
pub mod meta_csv;
pub mod phone;
pub mod price;
pub mod quote;
pub mod ratecard;
pub mod regime;
pub mod rules;
pub mod sheet;
pub mod tiers;

use std::path::Path;

use chrono::{Datelike, NaiveDate};

use crate::money::Currency;
use category::Category;
use market::{AuthInternational, MarketId, MarketMap, MarketNames};
use phone::{ContactNumber, Country};
use ratecard::{Cell, RateCard};
use regime::Regimes;
use tiers::TierCard;

include!(concat!(env!("OUT_DIR"), "/embedded_cards.rs"));

const EMBEDDED_MARKETS: &str = include_str!("../../../../data/markets.csv");
const EMBEDDED_REGIMES: &str = include_str!("../../../../data/regimes.toml");
const EMBEDDED_AUTH_INTL: &str = include_str!("../../../../data/auth_international.csv");

/// Where a piece of data was read from, for error messages (`file:line: reason`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataSource {
    /// A path, or `embedded:data/…` for the defaults.
    pub name: String,
}

impl DataSource {
    /// A file embedded in the binary.
    pub fn embedded(name: &str) -> DataSource {
        DataSource {
            name: name.to_string(),
        }
    }

    /// A user's file.
    pub fn file(path: &Path) -> DataSource {
        DataSource {
            name: path.display().to_string(),
        }
    }

    /// An error at a line of this source.
    pub fn error(&self, line: usize, reason: impl Into<String>) -> DataError {
        DataError {
            origin: self.name.clone(),
            line,
            reason: reason.into(),
        }
    }
}

/// A data file that cannot be used: which file, which line, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{origin}:{line}: {reason}")]
pub struct DataError {
    /// The file.
    pub origin: String,
    /// 1-based line.
    pub line: usize,
    /// What is wrong, and what to do.
    pub reason: String,
}

/// Errors when asking the rate book for a price.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PricingError {
    /// No card of this currency is in force on the date.
    #[error("no {currency} rate card in force on {date}: the first {currency} card starts {first}")]
    NoCard {
        /// Currency asked for.
        currency: Currency,
        /// Date asked for.
        date: NaiveDate,
        /// First card of that currency, or "never".
        first: String,
    },
    /// No rule regime is in force on the date.
    #[error(
        "no pricing rules before {first}: WhatsApp Business pricing data starts then (asked for {date})"
    )]
    NoRegime {
        /// Date asked for.
        date: NaiveDate,
        /// First regime date.
        first: NaiveDate,
    },
    /// A charged message in a market and category the card in force has no rate for: pricing
    /// it at 0 would understate the total.
    #[error(
        "no {category} rate for {market} on the {currency} card of {card} (message of {date}): \
         the card in force has none"
    )]
    NoRate {
        /// The market, by name.
        market: String,
        /// The category charged.
        category: Category,
        /// The card's currency.
        currency: Currency,
        /// The message's date (WABA time zone).
        date: NaiveDate,
        /// The effective date of the card in force.
        card: NaiveDate,
    },
    /// One run holds the state of at most this many (business number, contact) pairs.
    #[error("more than {limit} contacts in one run: split the log by business number")]
    TooManyContacts {
        /// The limit.
        limit: usize,
    },
}

/// What a business is, where that changes prices: authentication-international applies only
/// to businesses Meta deems eligible whose primary location is another country.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BusinessProfile {
    /// The business's primary location.
    pub country: Option<Country>,
    /// Whether Meta has made the business eligible for authentication-international rates.
    pub auth_international_eligible: bool,
    /// An eligible government or non-profit: service messages free beyond the monthly free
    /// tier while the regime's exemption is in force (Meta: 2026-10-01 to 2027-12-31).
    pub service_exempt: bool,
}

/// Every rule and rate wacost prices with: the cards of every currency, the market map, the
/// rule regimes, the authentication-international countries and any volume-tier cards.
#[derive(Clone, Debug)]
pub struct RateBook {
    /// Market names shared by cards, map and charges.
    pub names: MarketNames,
    cards: Vec<RateCard>,
    /// Country → market, by date.
    pub markets: MarketMap,
    /// Rule regimes, by date.
    pub regimes: Regimes,
    /// Authentication-international countries, by date.
    pub auth_international: AuthInternational,
    tiers: Vec<TierCard>,
    /// The Marketing Messages API max prices of the business's templates, when loaded.
    pub max_prices: Option<max_price::MaxPrices>,
}

/// How a loaded file was understood.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Loaded {
    /// A rate card (ours or Meta's Pricing.csv).
    Card {
        /// Its currency.
        currency: Currency,
        /// Its effective date.
        effective: NaiveDate,
        /// How many cells it holds.
        cells: usize,
    },
    /// A Meta Tier Pricing.csv.
    Tiers {
        /// Its currency.
        currency: Currency,
        /// Its effective date.
        effective: NaiveDate,
        /// How many bands it holds.
        bands: usize,
    },
}

/// Errors loading a user's data file.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file was read but is not usable.
    #[error(transparent)]
    Data(#[from] DataError),
    /// One of Meta's files that does not say when it takes effect, loaded without a date.
    #[error("{origin}:1: cannot tell when {}", match .file {
        MetaFile::Pricing => {
            "this card takes effect: no \"effective <Month> <day>, <year>\" note line"
        }
        MetaFile::TierPricing => "the tiers take effect",
    })]
    NoEffectiveDate {
        /// The file.
        origin: String,
        /// Which of Meta's files it is.
        file: MetaFile,
    },
}

/// Meta's published files, as [`RateBook::load_file`] tells them apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetaFile {
    /// `Pricing.csv`: the rate card.
    Pricing,
    /// `Tier Pricing.csv`: the volume tiers.
    TierPricing,
}

impl RateBook {
    /// The rate book embedded in the binary: every card in `data/ratecards/`, the market
    /// map, the regimes and the authentication-international countries.
    pub fn embedded() -> Result<RateBook, DataError> {
        let mut names = MarketNames::new();
        let markets = MarketMap::parse(
            EMBEDDED_MARKETS,
            &DataSource::embedded("embedded:data/markets.csv"),
            &mut names,
        )?;
        let regimes = Regimes::parse(
            EMBEDDED_REGIMES,
            &DataSource::embedded("embedded:data/regimes.toml"),
        )?;
        let auth_international = AuthInternational::parse(
            EMBEDDED_AUTH_INTL,
            &DataSource::embedded("embedded:data/auth_international.csv"),
        )?;
        let mut book = RateBook {
            names,
            cards: Vec::new(),
            markets,
            regimes,
            auth_international,
            tiers: Vec::new(),
            max_prices: None,
        };
        for (file, text) in EMBEDDED_CARDS {
            let origin = DataSource::embedded(&format!("embedded:data/ratecards/{file}"));
            let card = RateCard::parse(text, &origin, &mut book.names)?;
            book.add_card(card);
        }
        // A user's card may name only markets of the map or the embedded cards: an unknown
        // name (a typo, a country for a market) would never be charged, its messages would
        // fall into Other.
        book.names.close();
        Ok(book)
    }

    /// Loads a file of Marketing Messages API max prices (see [`max_price`]), replacing any
    /// loaded before.
    pub fn load_max_prices(&mut self, path: &Path) -> Result<usize, LoadError> {
        let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let prices = max_price::MaxPrices::parse(&text, &DataSource::file(path))?;
        let n = prices.len();
        self.max_prices = Some(prices);
        Ok(n)
    }

    /// Lays a user's market map (the format of `data/markets.csv`) over the embedded one:
    /// its rows replace the rows of the countries it names.
    pub fn overlay_markets(&mut self, text: &str, origin: &DataSource) -> Result<(), DataError> {
        let user = MarketMap::parse(text, origin, &mut self.names)?;
        self.markets.overlay(user);
        Ok(())
    }

    /// Adds a card, replacing one of the same currency and date.
    pub fn add_card(&mut self, card: RateCard) {
        self.cards
            .retain(|c| !(c.currency == card.currency && c.effective == card.effective));
        self.cards.push(card);
        self.cards.sort_by_key(|c| (c.currency, c.effective));
    }

    /// Adds a volume-tier card, replacing one of the same currency and date.
    pub fn add_tiers(&mut self, tiers: TierCard) {
        self.tiers
            .retain(|t| !(t.currency == tiers.currency && t.effective == tiers.effective));
        self.tiers.push(tiers);
        self.tiers.sort_by_key(|t| (t.currency, t.effective));
    }

    /// Loads a user's file: a card in our format, Meta's `Pricing.csv`, or Meta's
    /// `Tier Pricing.csv`, recognised by content. `effective` sets (or overrides) the date
    /// the file applies from.
    pub fn load_file(
        &mut self,
        path: &Path,
        effective: Option<NaiveDate>,
    ) -> Result<Loaded, LoadError> {
        let bytes = std::fs::read(path).map_err(|source| LoadError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let origin = DataSource::file(path);
        let text = String::from_utf8(bytes).map_err(|e| {
            let line = 1 + e.as_bytes()[..e.utf8_error().valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            origin.error(line, "not UTF-8 text: save the file as UTF-8 CSV")
        })?;
        self.load_text(&text, &origin, effective)
    }

    /// Loads a card or tier file from text; see [`RateBook::load_file`].
    pub fn load_text(
        &mut self,
        text: &str,
        origin: &DataSource,
        effective: Option<NaiveDate>,
    ) -> Result<Loaded, LoadError> {
        let trimmed = text.trim_start_matches('\u{feff}').trim_start();
        if trimmed.starts_with(ratecard::MAGIC) {
            let mut card = RateCard::parse(text, origin, &mut self.names)?;
            if let Some(d) = effective {
                card.effective = d;
            }
            let loaded = Loaded::Card {
                currency: card.currency,
                effective: card.effective,
                cells: card.cells().count(),
            };
            self.add_card(card);
            return Ok(loaded);
        }
        if tiers::looks_like_tier_csv(text) {
            let t = tiers::parse_meta_tier_csv(text, origin, effective, &mut self.names)?;
            let loaded = Loaded::Tiers {
                currency: t.currency,
                effective: t.effective,
                bands: t.band_count(),
            };
            self.add_tiers(t);
            return Ok(loaded);
        }
        let card = meta_csv::parse_meta_pricing_csv(text, origin, effective, &mut self.names)?;
        let loaded = Loaded::Card {
            currency: card.currency,
            effective: card.effective,
            cells: card.cells().count(),
        };
        self.add_card(card);
        Ok(loaded)
    }

    /// Every card, sorted by currency and date.
    pub fn cards(&self) -> &[RateCard] {
        &self.cards
    }

    /// The cards of one currency, by date.
    pub fn cards_of(&self, currency: Currency) -> impl Iterator<Item = &RateCard> + '_ {
        self.cards.iter().filter(move |c| c.currency == currency)
    }

    /// The first date the book knows nothing about for a currency: the first quarter start
    /// after its newest card or rule change. Meta changes rates only on quarter starts (Jan 1,
    /// Apr 1, Jul 1, Oct 1) and announces them a month or more ahead, so until then the newest
    /// card holds; from then on a change we have not loaded may apply. `None` without a card.
    pub fn known_until(&self, currency: Currency) -> Option<NaiveDate> {
        let newest = self
            .cards_of(currency)
            .map(|c| c.effective)
            .chain(self.regimes.all().iter().map(|r| r.from))
            .max()?;
        let quarter_month = (newest.month0() / 3 + 1) * 3 + 1;
        if quarter_month > 12 {
            NaiveDate::from_ymd_opt(newest.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(newest.year(), quarter_month, 1)
        }
    }

    /// The card of a currency in force on a date of the WABA's time zone (an instant's date
    /// is [`crate::calendar::local_date`]): cards take effect at the first instant of their
    /// date there ([`crate::calendar::local_midnight`]).
    pub fn card_at(&self, currency: Currency, date: NaiveDate) -> Result<&RateCard, PricingError> {
        self.cards_of(currency)
            .filter(|c| c.effective <= date)
            .last()
            .ok_or_else(|| PricingError::NoCard {
                currency,
                date,
                first: self
                    .cards_of(currency)
                    .next()
                    .map_or("never".to_string(), |c| c.effective.to_string()),
            })
    }

    /// The regime in force on a date of the WABA's time zone (see [`RateBook::card_at`]).
    pub fn regime_at(&self, date: NaiveDate) -> Result<&regime::Regime, PricingError> {
        self.regimes.at(date).ok_or_else(|| PricingError::NoRegime {
            date,
            first: self.regimes.all()[0].from,
        })
    }

    /// The volume-tier card of a currency in force on a date of the WABA's time zone, if one
    /// was loaded.
    pub fn tiers_at(&self, currency: Currency, date: NaiveDate) -> Option<&TierCard> {
        self.tiers
            .iter()
            .filter(|t| t.currency == currency && t.effective <= date)
            .last()
    }

    /// The recipient's country and market on a date.
    pub fn place(&self, number: ContactNumber, date: NaiveDate) -> (Country, MarketId) {
        let country = self.markets.country_of(number);
        (country, self.markets.market_of(country, date, &self.names))
    }

    /// The category a message is charged at once authentication-international is
    /// considered: Meta charges that rate only to eligible businesses located outside the
    /// recipient's country, for the listed countries, from the listed dates.
    pub fn charged_category(
        &self,
        category: Category,
        profile: &BusinessProfile,
        recipient: Country,
        date: NaiveDate,
    ) -> Category {
        if category == Category::Authentication
            && profile.auth_international_eligible
            && profile.country.is_some_and(|c| c != recipient)
            && self.auth_international.applies(recipient, date)
        {
            Category::AuthenticationInternational
        } else {
            category
        }
    }

    /// The cell a charge uses: the category's rate (a group category's base category's:
    /// Meta charges each recipient of a group message that rate), or for
    /// authentication-international without a published rate, the authentication rate
    /// (flagged by the caller).
    pub fn cell<'a>(
        &self,
        card: &'a RateCard,
        market: MarketId,
        category: Category,
    ) -> Option<(&'a Cell, Category)> {
        match card.cell(market, category.base()) {
            Some(c) => Some((c, category)),
            None if category == Category::AuthenticationInternational => card
                .cell(market, Category::Authentication)
                .map(|c| (c, Category::Authentication)),
            None => None,
        }
    }

    /// Every date on which a card, a regime or a market placement changes.
    pub fn change_dates(&self, currency: Currency) -> Vec<NaiveDate> {
        let mut d: Vec<NaiveDate> = self.cards_of(currency).map(|c| c.effective).collect();
        d.extend(self.regimes.all().iter().map(|r| r.from));
        d.extend(self.markets.change_dates());
        d.extend(self.auth_international.rows().iter().map(|(_, from)| *from));
        d.extend(
            self.tiers
                .iter()
                .filter(|t| t.currency == currency)
                .map(|t| t.effective),
        );
        d.sort();
        d.dedup();
        d
    }

    /// Problems a user should know about: markets the map places numbers in that a card in
    /// force has no marketing, utility or authentication rate for.
    pub fn gaps(&self) -> Vec<String> {
        let mut out = Vec::new();
        for card in &self.cards {
            let mut markets: Vec<MarketId> = self
                .markets
                .rows()
                .iter()
                .map(|r| {
                    self.markets
                        .market_of(r.country, card.effective, &self.names)
                })
                .collect();
            markets.push(self.names.other());
            markets.sort();
            markets.dedup();
            for m in markets {
                for c in [
                    Category::Marketing,
                    Category::Utility,
                    Category::Authentication,
                ] {
                    if card.cell(m, c).is_none() {
                        out.push(format!(
                            "{} {} card of {}: no {} rate for {}",
                            card.currency,
                            card.origin,
                            card.effective,
                            c,
                            self.names.name(m)
                        ));
                    }
                }
            }
        }
        out
    }
}
