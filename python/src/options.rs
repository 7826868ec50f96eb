//! The options every function takes, as the `wacost` package sends them: one JSON document
//! (the keyword arguments, with every data file already read into text), so that the same
//! options travel unchanged to Spark's executors, where nothing reads files.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::Deserialize;
use wacost_core::classify::ClassifyConfig;
use wacost_core::money::Currency;
use wacost_core::pricing::category::Category;
use wacost_core::pricing::phone::{ContactNumber, Country};
use wacost_core::pricing::regime::{AllowanceScope, Regimes};
use wacost_core::pricing::{BusinessProfile, DataSource, Loaded, RateBook};
use wacost_core::read::chat_export::ChatOptions;
use wacost_core::read::detect::{FormatOptions, InputFormat, parse_delimiter};
use wacost_core::read::time::DateFormat;
use wacost_core::read::twilio::TwilioOptions;
use wacost_core::replay::ReplayOptions;

use crate::errors::Failure;

/// A data file read by the package: its name (for messages) and its text.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataFile {
    /// The path it was read from.
    pub name: String,
    /// Its content.
    pub text: String,
    /// For a rate card: the date it takes effect from (`--effective`).
    #[serde(default)]
    pub effective: Option<String>,
}

/// The options of the command line's global flags and of `replay`'s input flags.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Options {
    /// The WABA's time zone (IANA name; default UTC).
    pub timezone: Option<String>,
    /// The billing currency (default USD).
    pub currency: Option<String>,
    /// The business's primary location (ISO country).
    pub business_country: Option<String>,
    /// Eligible for authentication-international rates.
    pub auth_international_eligible: bool,
    /// Size of the service allowance reported from 2026-10-01.
    pub service_allowance: Option<u32>,
    /// `number` or `waba`.
    pub allowance_scope: Option<String>,
    /// Rate cards and tier files to add.
    pub rate_cards: Vec<DataFile>,
    /// Rule regimes replacing the embedded ones.
    pub regimes: Option<DataFile>,
    /// Count unreadable rows instead of stopping.
    pub skip_invalid: bool,
    /// Full phone numbers in lines (masked by default).
    pub show_contacts: bool,
    /// The logs' format (`auto`, `canonical`, `cloud-api`, `twilio`, `chat-export`,
    /// `parquet`).
    pub input_format: Option<String>,
    /// Twilio and chat exports: the category of a message taken as a template.
    pub template_category: Option<String>,
    /// Twilio: `pattern,category` lines.
    pub template_map: Option<DataFile>,
    /// Chat export: the author that is the business.
    pub business_name: Option<String>,
    /// Chat export: the business number.
    pub business_number: Option<String>,
    /// Chat export: the other party's number.
    pub chat_contact: Option<String>,
    /// Chat export: the phone's time zone.
    pub chat_timezone: Option<String>,
    /// CSV logs: the field separator (`,` `;` `|` or a tab), instead of the one found from
    /// the header.
    #[serde(default)]
    pub delimiter: Option<String>,
    /// Canonical CSV: the timestamps' format (chrono's strftime codes), read in the WABA's
    /// time zone unless it has `%z`.
    #[serde(default)]
    pub date_format: Option<String>,
}

/// The date the reported service allowance starts (`--service-allowance` and
/// `--allowance-scope` change the regime in force from then, as the command line does).
const SERVICE_ALLOWANCE_FROM: (i32, u32, u32) = (2026, 10, 1);

impl Options {
    /// Parses the package's JSON.
    pub fn parse(json: &str) -> Result<Options, Failure> {
        serde_json::from_str(json).map_err(|e| Failure::Usage(format!("options: {e}")))
    }

    /// The WABA's time zone.
    pub fn timezone(&self) -> Result<Tz, Failure> {
        parse_tz(self.timezone.as_deref().unwrap_or("UTC"), "timezone")
    }

    /// The billing currency.
    pub fn currency(&self) -> Result<Currency, Failure> {
        let c = self.currency.as_deref().unwrap_or("USD");
        c.parse()
            .map_err(|e| Failure::Usage(format!("currency {c:?}: {e}")))
    }

    /// The business profile.
    pub fn profile(&self) -> Result<BusinessProfile, Failure> {
        let country = match &self.business_country {
            Some(c) => Some(Country::parse(c).ok_or_else(|| {
                Failure::Usage(format!(
                    "business_country {c:?}: give an ISO code such as DE"
                ))
            })?),
            None => None,
        };
        if self.auth_international_eligible && country.is_none() {
            return Err(Failure::Usage(
                "auth_international_eligible needs business_country: the rate applies only to \
                 recipients outside the business's country"
                    .into(),
            ));
        }
        Ok(BusinessProfile {
            country,
            auth_international_eligible: self.auth_international_eligible,
            ..BusinessProfile::default()
        })
    }

    /// Classification settings: currency, time zone, business profile.
    pub fn classify(&self) -> Result<ClassifyConfig, Failure> {
        Ok(ClassifyConfig {
            currency: self.currency()?,
            timezone: self.timezone()?,
            profile: self.profile()?,
            ..ClassifyConfig::default()
        })
    }

    /// Replay settings.
    pub fn replay(&self) -> Result<ReplayOptions, Failure> {
        Ok(ReplayOptions {
            classify: self.classify()?,
            skip_invalid: self.skip_invalid,
            ..ReplayOptions::default()
        })
    }

    /// The rate book: the embedded data, the user's regimes and cards, and the service
    /// allowance's size and scope (as the command line's global flags build it).
    pub fn book(&self) -> Result<RateBook, Failure> {
        let mut book = RateBook::embedded().map_err(Failure::data)?;
        if let Some(r) = &self.regimes {
            book.regimes = Regimes::parse(&r.text, &DataSource::file(Path::new(&r.name)))
                .map_err(Failure::data)?;
        }
        for card in &self.rate_cards {
            let effective = match &card.effective {
                Some(d) => Some(NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
                    Failure::Usage(format!("effective date {d:?}: give YYYY-MM-DD"))
                })?),
                None => None,
            };
            let origin = DataSource::file(Path::new(&card.name));
            let loaded = book
                .load_text(&card.text, &origin, effective)
                .map_err(Failure::load)?;
            if let Loaded::Card {
                currency,
                effective,
                cells: 0,
            } = loaded
            {
                return Err(Failure::Input {
                    message: format!(
                        "{}: no rates found ({currency}, effective {effective})",
                        card.name
                    ),
                    file: Some(card.name.clone()),
                    line: None,
                });
            }
        }
        if self.service_allowance.is_some() || self.allowance_scope.is_some() {
            let scope = match self.allowance_scope.as_deref() {
                None => None,
                Some("number") => Some(AllowanceScope::BusinessNumber),
                Some("waba") => Some(AllowanceScope::Waba),
                Some(other) => {
                    return Err(Failure::Usage(format!(
                        "allowance_scope {other:?}: give \"number\" or \"waba\""
                    )));
                }
            };
            let (y, m, d) = SERVICE_ALLOWANCE_FROM;
            let from = NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
            book.regimes
                .set_allowance(from, self.service_allowance, scope);
        }
        Ok(book)
    }

    /// How to read logs: the format and what Twilio and chat exports must be told. Parquet
    /// logs and tables are read through [`crate::arrow_in::open`].
    pub fn formats(&self) -> Result<FormatOptions, Failure> {
        let format: InputFormat = match &self.input_format {
            Some(f) => f.parse().map_err(Failure::Usage)?,
            None => InputFormat::Auto,
        };
        let template_category = match &self.template_category {
            Some(c) => Some(parse_template_category(c)?),
            None => None,
        };
        let mut mapping = Vec::new();
        if let Some(map) = &self.template_map {
            for (i, line) in map.text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let bad = |reason: String| Failure::Input {
                    message: format!("{}:{}: {reason}", map.name, i + 1),
                    file: Some(map.name.clone()),
                    line: Some(i as u64 + 1),
                };
                let (pattern, cat) = line
                    .rsplit_once(',')
                    .ok_or_else(|| bad("expected `pattern,category`".into()))?;
                let category = parse_template_category(cat).map_err(|_| {
                    bad(format!(
                        "{cat:?} is not marketing, utility or authentication"
                    ))
                })?;
                mapping.push((pattern.trim().trim_matches('"').to_string(), category));
            }
        }
        let chat = match &self.business_name {
            Some(name) => {
                // As the command line: without it, authors that are numbers are the
                // contacts, and an author known only by name is an error (no number is made
                // up).
                let contact = match &self.chat_contact {
                    Some(c) => Some(
                        ContactNumber::parse(c)
                            .map_err(|e| Failure::Usage(format!("chat_contact: {e}")))?,
                    ),
                    None => None,
                };
                let timezone = match &self.chat_timezone {
                    Some(tz) => parse_tz(tz, "chat_timezone")?,
                    None => self.timezone()?,
                };
                Some(ChatOptions {
                    business_name: name.clone(),
                    timezone,
                    business_number: self.business_number.clone().unwrap_or_else(|| name.clone()),
                    contact,
                    template_category: template_category.unwrap_or(Category::Utility),
                })
            }
            None => None,
        };
        let delimiter = match &self.delimiter {
            Some(d) => {
                Some(parse_delimiter(d).map_err(|e| Failure::Usage(format!("delimiter: {e}")))?)
            }
            None => None,
        };
        let date_format = match &self.date_format {
            Some(f) => {
                Some(DateFormat::new(f).map_err(|e| Failure::Usage(format!("date_format: {e}")))?)
            }
            None => None,
        };
        Ok(FormatOptions {
            format,
            twilio: TwilioOptions {
                template_category,
                mapping,
                delimiter,
            },
            chat,
            parquet: Some(crate::arrow_in::open),
            max_line_bytes: None,
            delimiter,
            date_format,
            ..FormatOptions::default()
        })
    }
}

fn parse_tz(name: &str, what: &str) -> Result<Tz, Failure> {
    name.parse::<Tz>().map_err(|_| {
        Failure::Usage(format!(
            "{what} {name:?} is not an IANA time zone (e.g. \"America/Sao_Paulo\")"
        ))
    })
}

fn parse_template_category(s: &str) -> Result<Category, Failure> {
    Category::parse(s.trim())
        .filter(|c| {
            matches!(
                c,
                Category::Marketing | Category::Utility | Category::Authentication
            )
        })
        .ok_or_else(|| {
            Failure::Usage(format!(
                "template category {s:?}: give marketing, utility or authentication"
            ))
        })
}

/// The rate book of an options document, built once per process and kept: Spark runs many
/// tasks in one Python worker, each with the same options.
pub fn cached_book(json: &str) -> Result<&'static RateBook, Failure> {
    static BOOKS: OnceLock<Mutex<HashMap<String, &'static RateBook>>> = OnceLock::new();
    let books = BOOKS.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(book) = books.lock().unwrap_or_else(|p| p.into_inner()).get(json) {
        return Ok(book);
    }
    let book: &'static RateBook = Box::leak(Box::new(Options::parse(json)?.book()?));
    books
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(json.to_string(), book);
    Ok(book)
}
