//! Rule regimes: how Meta charges, by date, as data (`data/regimes.toml`).
//!
//! | from | model | what is charged |
//! |---|---|---|
//! | 2023-06-01 | CBP | 24 h conversations per category; first 1,000 service conversations per WABA per month free |
//! | 2024-11-01 | CBP | service conversations free |
//! | 2025-07-01 | PMP | each delivered template; utility inside the customer service window free; free-form free |
//! | 2026-10-01 | PMP | as above, plus service messages and in-window utility at the utility rate; reported 1,000 free service messages per number per month |

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::category::{Category, PricingModel, PricingType, Provenance};
use super::{DataError, DataSource};
use crate::money::Currency;

/// Whether something is free or charged at a card rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Treatment {
    /// Not charged.
    Free,
    /// Charged at the card's rate.
    Charged,
}

/// Who shares one monthly free allowance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllowanceScope {
    /// One allowance per WhatsApp Business Account.
    Waba,
    /// One allowance per business phone number.
    BusinessNumber,
}

impl AllowanceScope {
    /// `waba` or `business_number`.
    pub fn as_str(self) -> &'static str {
        match self {
            AllowanceScope::Waba => "waba",
            AllowanceScope::BusinessNumber => "business_number",
        }
    }
}

/// A monthly free allowance: the first `size` conversations (CBP) or messages (PMP) of
/// `category` per scope and calendar month are free. From 2026-10-01 the service allowance
/// is shared by one-to-one and group messages (Meta), so it covers every category whose
/// base is `category` ([`Category::base`]).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allowance {
    /// The category it covers (Meta: service).
    pub category: Category,
    /// How many are free each month.
    pub size: u32,
    /// Who shares it.
    pub scope: AllowanceScope,
    /// How sure we are that it exists as described (`published`, `reported`).
    #[serde(default)]
    pub confidence: String,
    /// Where the rule comes from.
    #[serde(default)]
    pub source: String,
    /// The pricing type Meta's status webhooks give an item the allowance covers
    /// (`free_customer_service` from 2026-10-01; the group form for group messages), where
    /// it is not `regular`; compared by `reconcile`.
    #[serde(default)]
    pub meta_type: Option<PricingType>,
}

impl Allowance {
    /// Whether the allowance covers items of `category` (its own, or the group form).
    pub fn covers(&self, category: Category) -> bool {
        category.base() == self.category
    }

    /// The pricing type Meta gives a covered item of `category`, if the regime says.
    pub fn meta_type_of(&self, category: Category) -> Option<PricingType> {
        match self.meta_type {
            Some(PricingType::FreeCustomerService) if category.is_group() => {
                Some(PricingType::FreeGroupCustomerService)
            }
            t => t,
        }
    }
}

/// The length of the windows that decide what is free. Part of each regime (a regime's
/// `windows = { … }` overrides the file's `[windows]` defaults), so a what-if can change
/// them by date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Windows {
    /// Customer service window, from the user's last inbound message.
    pub customer_service_hours: u32,
    /// How soon the business must answer an ad or Page-button message to open a free entry
    /// point window.
    pub free_entry_point_reply_hours: u32,
    /// Length of the free entry point window, from the business's answer: what wacost
    /// assumes when Meta does not report the window's end.
    pub free_entry_point_hours: u32,
    /// The longest Meta says a free entry point window may last (Meta, from about
    /// 2026-09-30: "may remain open for up to 7 days", rule not published). When longer than
    /// `free_entry_point_hours`, messages after the assumed end and before this one are
    /// counted as depending on the assumption. 0: the same as `free_entry_point_hours`.
    #[serde(default)]
    pub free_entry_point_max_hours: u32,
    /// Length of a CBP conversation.
    pub conversation_hours: u32,
}

impl Default for Windows {
    fn default() -> Self {
        Windows {
            customer_service_hours: 24,
            free_entry_point_reply_hours: 24,
            free_entry_point_hours: 72,
            free_entry_point_max_hours: 0,
            conversation_hours: 24,
        }
    }
}

impl Windows {
    /// The longest a free entry point window may last (at least its assumed length).
    pub fn free_entry_point_longest_hours(&self) -> u32 {
        self.free_entry_point_max_hours
            .max(self.free_entry_point_hours)
    }
}

/// A regime's `windows = { … }`: the lengths it changes, with where they come from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowsOverride {
    customer_service_hours: Option<u32>,
    free_entry_point_reply_hours: Option<u32>,
    free_entry_point_hours: Option<u32>,
    free_entry_point_max_hours: Option<u32>,
    conversation_hours: Option<u32>,
    #[serde(default)]
    confidence: String,
    #[serde(default)]
    source: String,
}

impl WindowsOverride {
    fn over(&self, base: Windows) -> Windows {
        Windows {
            customer_service_hours: self
                .customer_service_hours
                .unwrap_or(base.customer_service_hours),
            free_entry_point_reply_hours: self
                .free_entry_point_reply_hours
                .unwrap_or(base.free_entry_point_reply_hours),
            free_entry_point_hours: self
                .free_entry_point_hours
                .unwrap_or(base.free_entry_point_hours),
            free_entry_point_max_hours: self
                .free_entry_point_max_hours
                .unwrap_or(base.free_entry_point_max_hours),
            conversation_hours: self.conversation_hours.unwrap_or(base.conversation_hours),
        }
    }
}

/// One currency's price of Business Agent tokens.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRate {
    /// The billing currency.
    pub currency: Currency,
    /// The price of one million tokens, prompt and response together.
    pub per_million_tokens: Decimal,
    /// How sure we are of it.
    #[serde(default = "published")]
    pub provenance: Provenance,
    /// How it was found (a conversion, say).
    #[serde(default)]
    pub note: String,
}

fn published() -> Provenance {
    Provenance::Published
}

/// Meta Business Agent replies (Meta, from 2026-08-01): one global price per million tokens,
/// prompt and response together; the only charge on the message, never free in a customer
/// service or free entry point window.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessAgentRule {
    /// The price per currency (Meta publishes USD; others are conversions, marked so).
    pub rates: Vec<TokenRate>,
    /// Tokens assumed for a reply whose log does not say (priced, and counted, as
    /// estimated).
    pub default_tokens: u32,
    /// The tokens Meta calls typical for one reply, low and high (Meta: 20,000–25,000).
    #[serde(default)]
    pub typical_tokens: Option<[u32; 2]>,
    /// How sure we are of the rule.
    #[serde(default)]
    pub confidence: String,
    /// Where it comes from.
    #[serde(default)]
    pub source: String,
}

impl BusinessAgentRule {
    /// The price of tokens in a currency, if the rule has one.
    pub fn rate(&self, currency: Currency) -> Option<&TokenRate> {
        self.rates.iter().find(|r| r.currency == currency)
    }

    /// What `tokens` cost at `rate`: tokens × price per million / 1,000,000, exact.
    pub fn price(rate: &TokenRate, tokens: u32) -> Decimal {
        rate.per_million_tokens * Decimal::from(tokens) / Decimal::from(1_000_000u32)
    }
}

/// Reactions (an emoji on a user's message): always free, and not counted against the monthly
/// free tier (Meta, reported from 2026-10-01). The rule itself is the same in every regime
/// ([`crate::pricing::rules::decide`]); the regime says where it is written.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReactionRule {
    /// How sure we are of it.
    #[serde(default)]
    pub confidence: String,
    /// Where it comes from.
    #[serde(default)]
    pub source: String,
}

/// Eligible governments and non-profits: service messages free beyond the monthly free tier
/// (Meta, 2026-10-01 to 2027-12-31), for a business whose profile says it is exempt.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceExemption {
    /// First day, when later than the regime's start.
    #[serde(default)]
    pub from: Option<NaiveDate>,
    /// Last day (inclusive).
    pub until: NaiveDate,
    /// How sure we are of it.
    #[serde(default)]
    pub confidence: String,
    /// Where it comes from.
    #[serde(default)]
    pub source: String,
}

impl ServiceExemption {
    /// Whether the exemption is in force on `date` under a regime starting `regime_from`.
    pub fn applies(&self, regime_from: NaiveDate, date: NaiveDate) -> bool {
        date >= self.from.unwrap_or(regime_from).max(regime_from) && date <= self.until
    }
}

/// The Marketing Messages API max price (Meta, open beta from 2026-10-01): a template with a
/// max price is charged that price or less, so wacost prices it at the max price as an upper
/// bound.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaxPriceRule {
    /// How sure we are of it.
    #[serde(default)]
    pub confidence: String,
    /// Where it comes from.
    #[serde(default)]
    pub source: String,
}

/// Volume tiers without Meta's Tier Pricing file: the monthly volume of a market and
/// category (utility, authentication) from which a discount is known to start somewhere, so
/// that a run priced at list rates can say where a discount may apply.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VolumeTierRule {
    /// The first discounted message of the month (reported: 100,000 for two regions).
    pub first_discount_from: u64,
    /// How sure we are of it.
    #[serde(default)]
    pub confidence: String,
    /// Where it comes from.
    #[serde(default)]
    pub source: String,
}

/// One regime: the rules in force from `from` until the next regime.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Regime {
    /// A short name (`PMP 2025-07`).
    pub name: String,
    /// First day, from its first instant in the WABA's time zone (00:00, or the end of the
    /// gap where the clocks skip midnight: see [`crate::calendar`]).
    pub from: NaiveDate,
    /// Conversation-based or per-message pricing.
    pub model: PricingModel,
    /// Free-form messages (PMP) or service conversations (CBP).
    pub service: Treatment,
    /// PMP: utility templates inside an open customer service window.
    pub utility_in_service_window: Treatment,
    /// A monthly free allowance, if any.
    pub allowance: Option<Allowance>,
    /// The windows' lengths under this regime.
    pub windows: Windows,
    /// Where the windows' lengths come from, when the regime sets them.
    pub windows_source: String,
    /// How sure we are of them, when the regime sets them.
    pub windows_confidence: String,
    /// Meta Business Agent replies, when billed (from 2026-08-01); before, a reply of the
    /// agent is priced as a free-form message.
    pub business_agent: Option<BusinessAgentRule>,
    /// Service messages of eligible governments and non-profits free beyond the allowance.
    pub service_exemption: Option<ServiceExemption>,
    /// Where the rule that reactions are free is written, when the regime says.
    pub reactions: Option<ReactionRule>,
    /// Marketing Messages API max prices are honoured.
    pub max_price: Option<MaxPriceRule>,
    /// Where volume-tier discounts may start, for runs without Meta's Tier Pricing file.
    pub volume_tiers: Option<VolumeTierRule>,
    /// Where the rule comes from.
    pub source: String,
    /// How sure we are of it as a whole (`published`, `reported`…).
    pub confidence: String,
}

impl Regime {
    /// A regime with the given model and service treatment from `from`, the default
    /// windows and nothing else (utility in the window charged): for tests and what-ifs
    /// built in code.
    pub fn new(name: &str, from: NaiveDate, model: PricingModel, service: Treatment) -> Regime {
        Regime {
            name: name.to_string(),
            from,
            model,
            service,
            utility_in_service_window: Treatment::Charged,
            allowance: None,
            windows: Windows::default(),
            windows_source: String::new(),
            windows_confidence: String::new(),
            business_agent: None,
            service_exemption: None,
            reactions: None,
            max_price: None,
            volume_tiers: None,
            source: String::new(),
            confidence: String::new(),
        }
    }
}

/// A `[[regime]]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegimeTable {
    name: String,
    from: NaiveDate,
    model: PricingModel,
    service: Treatment,
    #[serde(default = "charged")]
    utility_in_service_window: Treatment,
    #[serde(default)]
    allowance: Option<Allowance>,
    #[serde(default)]
    windows: Option<WindowsOverride>,
    #[serde(default)]
    business_agent: Option<BusinessAgentRule>,
    #[serde(default)]
    service_exemption: Option<ServiceExemption>,
    #[serde(default)]
    reactions: Option<ReactionRule>,
    #[serde(default)]
    max_price: Option<MaxPriceRule>,
    #[serde(default)]
    volume_tiers: Option<VolumeTierRule>,
    #[serde(default)]
    source: String,
    #[serde(default)]
    confidence: String,
}

fn charged() -> Treatment {
    Treatment::Charged
}

/// Every regime, in date order, and the default window lengths.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Regimes {
    /// The default window lengths (the file's `[windows]`); each regime has its own in
    /// [`Regime::windows`].
    pub windows: Windows,
    regimes: Vec<Regime>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegimesFile {
    #[serde(default)]
    windows: Windows,
    regime: Vec<RegimeTable>,
}

impl Regimes {
    /// Reads a regimes TOML file.
    pub fn parse(text: &str, origin: &DataSource) -> Result<Regimes, DataError> {
        let line_of = |span: Option<std::ops::Range<usize>>| {
            span.map(|s| text[..s.start.min(text.len())].lines().count().max(1))
                .unwrap_or(1)
        };
        let file: RegimesFile = toml::from_str(text)
            .map_err(|e| origin.error(line_of(e.span()), e.message().to_string()))?;
        let defaults = file.windows;
        let mut regimes: Vec<Regime> = Vec::with_capacity(file.regime.len());
        for t in file.regime {
            let (windows, windows_source, windows_confidence) = match &t.windows {
                Some(o) => (o.over(defaults), o.source.clone(), o.confidence.clone()),
                None => (defaults, String::new(), String::new()),
            };
            let regime = Regime {
                name: t.name,
                from: t.from,
                model: t.model,
                service: t.service,
                utility_in_service_window: t.utility_in_service_window,
                allowance: t.allowance,
                windows,
                windows_source,
                windows_confidence,
                business_agent: t.business_agent,
                service_exemption: t.service_exemption,
                reactions: t.reactions,
                max_price: t.max_price,
                volume_tiers: t.volume_tiers,
                source: t.source,
                confidence: t.confidence,
            };
            check(&regime).map_err(|reason| {
                let at = text.find(&format!("\"{}\"", regime.name));
                origin.error(
                    line_of(at.map(|a| a..a)),
                    format!("regime {:?}: {reason}", regime.name),
                )
            })?;
            regimes.push(regime);
        }
        regimes.sort_by_key(|r| r.from);
        if regimes.is_empty() {
            return Err(origin.error(1, "no [[regime]] tables"));
        }
        for w in regimes.windows(2) {
            if w[0].from == w[1].from {
                return Err(origin.error(1, format!("two regimes start on {}", w[0].from)));
            }
        }
        Ok(Regimes {
            windows: defaults,
            regimes,
        })
    }

    /// The regime in force on a date, or `None` before the first one.
    pub fn at(&self, date: NaiveDate) -> Option<&Regime> {
        self.regimes.iter().rev().find(|r| r.from <= date)
    }

    /// Every regime in date order.
    pub fn all(&self) -> &[Regime] {
        &self.regimes
    }

    /// Mutable access, for what-if scenarios that edit the rules.
    pub fn all_mut(&mut self) -> &mut [Regime] {
        &mut self.regimes
    }

    /// Overrides the size and scope of every allowance of the regimes from `from` on (the
    /// sources disagree about the allowance reported from 2026-10-01).
    pub fn set_allowance(
        &mut self,
        from: NaiveDate,
        size: Option<u32>,
        scope: Option<AllowanceScope>,
    ) {
        for r in self.regimes.iter_mut().filter(|r| r.from >= from) {
            if let Some(a) = r.allowance.as_mut() {
                if let Some(size) = size {
                    a.size = size;
                }
                if let Some(scope) = scope {
                    a.scope = scope;
                }
            }
        }
    }

    /// Sets the free entry point window's assumed length (hours) in every regime from
    /// `from` on: a what-if on Meta's unpublished "up to 7 days".
    pub fn set_free_entry_point_hours(&mut self, from: NaiveDate, hours: u32) {
        for r in self.regimes.iter_mut().filter(|r| r.from >= from) {
            r.windows.free_entry_point_hours = hours;
        }
    }
}

/// What makes a regime unusable, in words.
fn check(r: &Regime) -> Result<(), String> {
    let w = r.windows;
    if w.customer_service_hours == 0 || w.conversation_hours == 0 {
        return Err("window lengths must be at least 1 hour".into());
    }
    if w.free_entry_point_max_hours != 0 && w.free_entry_point_max_hours < w.free_entry_point_hours
    {
        return Err(format!(
            "free_entry_point_max_hours ({}) is shorter than free_entry_point_hours ({})",
            w.free_entry_point_max_hours, w.free_entry_point_hours
        ));
    }
    if let Some(a) = &r.business_agent {
        if a.rates.is_empty() {
            return Err("business_agent has no rates".into());
        }
        if let Some(rate) = a
            .rates
            .iter()
            .find(|t| t.per_million_tokens < Decimal::ZERO)
        {
            return Err(format!(
                "business_agent rate {} {} is negative",
                rate.currency, rate.per_million_tokens
            ));
        }
        if let Some([low, high]) = a.typical_tokens
            && low > high
        {
            return Err(format!(
                "business_agent typical_tokens [{low}, {high}]: low > high"
            ));
        }
    }
    if let Some(e) = &r.service_exemption
        && e.until < e.from.unwrap_or(r.from).max(r.from)
    {
        return Err(format!(
            "service_exemption ends ({}) before it starts",
            e.until
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn embedded() -> Regimes {
        Regimes::parse(
            include_str!("../../../../data/regimes.toml"),
            &DataSource::embedded("regimes.toml"),
        )
        .unwrap()
    }

    #[test]
    fn the_four_regimes() {
        let r = embedded();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(r.at(d("2023-05-31")).is_none());
        let cbp = r.at(d("2024-10-31")).unwrap();
        assert_eq!(cbp.model, PricingModel::Cbp);
        assert_eq!(cbp.service, Treatment::Charged);
        assert_eq!(cbp.allowance.as_ref().unwrap().size, 1000);
        assert_eq!(r.at(d("2024-11-01")).unwrap().service, Treatment::Free);
        let pmp = r.at(d("2025-07-01")).unwrap();
        assert_eq!(pmp.model, PricingModel::Pmp);
        assert_eq!(pmp.utility_in_service_window, Treatment::Free);
        let late = r.at(d("2026-10-01")).unwrap();
        assert_eq!(late.service, Treatment::Charged);
        assert_eq!(
            late.allowance.as_ref().unwrap().scope,
            AllowanceScope::BusinessNumber
        );
        assert_eq!(r.windows.free_entry_point_hours, 72);
    }

    #[test]
    fn bad_files_say_where() {
        let err = Regimes::parse("[[regime]]\nname = \"x\"\nfrom = \"2023-06-01\"\nmodel = \"CBX\"\nservice = \"free\"\n", &DataSource::embedded("r.toml")).unwrap_err();
        assert!(err.to_string().starts_with("r.toml:"), "{err}");
    }
}
