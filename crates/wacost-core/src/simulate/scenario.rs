//! The scenario: a description of expected traffic, read from TOML.
//!
//! A scenario says who the audience is, how often they write, how fast the business answers,
//! which templates it sends and how many of them arrive. Every field has a default, so a
//! scenario names only what matters to it. `data/scenarios/shop.toml` is a commented example.
//!
//! ```toml
//! seed = 42
//! timezone = "America/Sao_Paulo"
//! business_numbers = ["+55 11 4000 0001"]
//!
//! [period]
//! start = 2026-02-01
//! months = 1
//!
//! [audience.BR]
//! contacts = 5000
//!
//! [inbound]
//! conversations_per_contact_month = 0.6
//! messages_per_conversation = 3
//!
//! [service]
//! automation_share = 0.4
//! # "bot" (a third-party bot: service messages, plus `bot_cost_per_reply`) or
//! # "business_agent" (Meta's, per token: `business_agent_tokens_median` and `_p90`)
//! automation_engine = "bot"
//! bot_cost_per_reply = "0.004"
//! agent_median_minutes = 10
//! agent_p90_minutes = 90
//!
//! [templates.marketing.newsletter]
//! audience_share = 0.5
//! sends_per_month = 2
//!
//! [strategies.bot_first]
//! description = "automation answers 90 % of conversations"
//! service = { automation_share = 0.9 }
//! ```
//!
//! **Strategies** are named overrides of the base: `[strategies.NAME]` holds any of the
//! scenario's fields, with the same names, and is laid over the base (tables merge key by key,
//! every other value replaces the base's). A strategy may also change the rules
//! (`[strategies.NAME.rules]`), e.g. to ask what the same traffic costs if service messages
//! are charged. `leaves_out = "…"` says what a strategy's totals do not include (the SMS a
//! strategy sends instead of WhatsApp templates: wacost prices WhatsApp only); it is shown
//! with the description wherever the strategy is, as "NOT INCLUDED: …".
//!
//! Rates "per contact per month" are expectations: with `counts = "poisson"` (the default)
//! the number a contact gets in a month is Poisson-distributed around them; with
//! `counts = "fixed"` it is the whole part plus one more with the probability of the fraction
//! (2.3 gives 2 or 3, 1.0 gives exactly 1), so a scenario can be computed by hand.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{Months, NaiveDate};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer};

use crate::pricing::RateBook;
use crate::pricing::category::{Category, PricingModel, Provenance};
use crate::pricing::ratecard::Cell;
use crate::pricing::regime::{AllowanceScope, Treatment};

/// A scenario that cannot be used: where (a line of the file, or a strategy) and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{origin}{}: {reason}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct ScenarioError {
    /// The file (and strategy) the problem is in.
    pub origin: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// What is wrong, and what to write instead.
    pub reason: String,
}

impl ScenarioError {
    fn new(origin: &str, reason: impl Into<String>) -> ScenarioError {
        ScenarioError {
            origin: origin.to_string(),
            line: None,
            reason: reason.into(),
        }
    }
}

/// How counts "per contact per month" are drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Counts {
    /// Poisson-distributed around the rate: realistic spread between contacts.
    #[default]
    Poisson,
    /// The whole part of the rate, plus one with the probability of the fraction: exact for
    /// whole numbers, so a scenario can be computed by hand.
    Fixed,
}

/// The simulated time span.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// First day, 00:00 in the WABA's time zone (`2026-02-01`, a TOML date or a string).
    #[serde(deserialize_with = "de_date")]
    pub start: NaiveDate,
    /// How many calendar months from `start` (default 1). Each month is simulated on its own
    /// random streams; messages that would fall after the period are not generated.
    #[serde(default = "one_u32")]
    pub months: u32,
}

/// One group of the audience: contacts in one country (or under one number prefix).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AudienceGroup {
    /// How many contacts.
    pub contacts: u32,
    /// The numbers' prefix in international form (`+1 809` for the Dominican Republic, whose
    /// calling code +1 is shared with the US). Without it, the group's key must be an ISO
    /// country code (`[audience.BR]`) and numbers are modelled on that country's example
    /// mobile number. Numbers are the prefix followed by the contact's index, padded to the
    /// usual length of numbers under that calling code.
    #[serde(default)]
    pub prefix: Option<String>,
}

/// What users write.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Inbound {
    /// Conversations a contact starts per month (expected; see [`Counts`]).
    pub conversations_per_contact_month: f64,
    /// Messages the user writes per conversation (at least 1; 2.5 means 2 or 3).
    pub messages_per_conversation: f64,
    /// Mean gap between a user's messages within a conversation, in minutes (exponential).
    pub message_gap_minutes: f64,
    /// Relative weight of each local hour (0 to 23) for the start of a conversation, and for
    /// the time of utility and authentication templates. 24 non-negative numbers.
    pub hourly: Vec<f64>,
    /// Relative weight of each weekday, Monday first. 7 non-negative numbers.
    pub weekday: Vec<f64>,
    /// Share of conversations started from a click-to-WhatsApp ad (opens the free entry
    /// point path: answered within 24 h, 72 h of free messages follow). The 72 h start at
    /// the business's answer, so a faster answer also ends them sooner: with ads, more
    /// automation can cost slightly more.
    pub ctwa_ad_share: f64,
    /// Share of conversations started from a Facebook Page button (same rule as ads).
    pub page_cta_share: f64,
}

impl Default for Inbound {
    fn default() -> Self {
        Inbound {
            conversations_per_contact_month: 0.0,
            messages_per_conversation: 1.0,
            message_gap_minutes: 2.0,
            hourly: vec![1.0; 24],
            weekday: vec![1.0; 7],
            ctwa_ad_share: 0.0,
            page_cta_share: 0.0,
        }
    }
}

/// How the business answers.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Service {
    /// Share of conversations answered by automation (a bot): replies within seconds.
    pub automation_share: f64,
    /// The bot answers within 1 to this many seconds (uniform).
    pub automation_reply_seconds: f64,
    /// Agents' first reply: median latency in minutes (log-normal).
    pub agent_median_minutes: f64,
    /// Agents' first reply: 90th percentile latency in minutes (log-normal; at least the
    /// median). A reply later than 24 h after the user's last message is rejected by Meta.
    pub agent_p90_minutes: f64,
    /// Free-form replies per conversation (0.5 means half the conversations get one).
    pub replies_per_conversation: f64,
    /// Mean gap between an agent's replies after the first, in minutes (exponential).
    pub reply_gap_minutes: f64,
    /// Share of conversations that need a follow-up after the customer service window has
    /// closed: the follow-up must then be a template, and it is a utility template.
    pub follow_up_share: f64,
    /// Mean delay of that follow-up after the window closes, in hours (exponential).
    pub follow_up_delay_hours: f64,
    /// Who writes the automated replies: `"bot"` (a third-party bot: its replies are
    /// service messages, plus your own AI cost per reply) or `"business_agent"` (Meta's
    /// Business Agent: charged per token from 2026-08-01, never free in a window).
    pub automation_engine: AutomationEngine,
    /// Business Agent: tokens of one reply, prompt and response together, median
    /// (log-normal; Meta calls 20,000–25,000 typical).
    pub business_agent_tokens_median: f64,
    /// Business Agent: the 90th percentile of tokens per reply (at least the median).
    pub business_agent_tokens_p90: f64,
    /// A third-party bot: your own AI cost of one delivered reply, in the run's currency (a
    /// decimal string, `"0.004"`), added to the totals as automation fees.
    pub bot_cost_per_reply: rust_decimal::Decimal,
}

/// Who writes a scenario's automated replies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AutomationEngine {
    /// A third-party bot (service messages).
    #[default]
    Bot,
    /// Meta's Business Agent (per token).
    BusinessAgent,
}

impl Default for Service {
    fn default() -> Self {
        Service {
            automation_share: 0.0,
            automation_reply_seconds: 5.0,
            agent_median_minutes: 15.0,
            agent_p90_minutes: 120.0,
            replies_per_conversation: 1.0,
            reply_gap_minutes: 2.0,
            follow_up_share: 0.0,
            follow_up_delay_hours: 12.0,
            automation_engine: AutomationEngine::Bot,
            business_agent_tokens_median: 22_500.0,
            business_agent_tokens_p90: 25_000.0,
            bot_cost_per_reply: rust_decimal::Decimal::ZERO,
        }
    }
}

/// A marketing campaign: blasts to a share of the audience.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Campaign {
    /// Share of contacts each blast goes to (each contact drawn anew for every blast).
    pub audience_share: f64,
    /// Blasts per month, spread evenly: blast k of n goes out on day ⌊(2k+1)·D/2n⌋ of a
    /// D-day month (one blast: mid-month; two: around the 8th and the 22nd).
    pub sends_per_month: u32,
    /// Local hour the blast starts (0 to 23).
    pub send_hour: u32,
    /// Minutes a blast takes to go out: each message leaves at a uniform time within them.
    pub send_minutes: f64,
}

impl Default for Campaign {
    fn default() -> Self {
        Campaign {
            audience_share: 1.0,
            sends_per_month: 1,
            send_hour: 10,
            send_minutes: 60.0,
        }
    }
}

/// Utility notifications (order updates, reminders).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Utility {
    /// Notifications per contact per month (expected; see [`Counts`]).
    pub per_contact_month: f64,
    /// Share sent while the contact's customer service window is open (within 1 minute to
    /// 23 hours after one of the contact's inbound messages that month; a contact who has
    /// not written gets it at an ordinary time). The rest go out at times drawn from the
    /// hourly and weekday profile.
    pub in_window_share: f64,
}

/// Authentication codes (one-time passwords).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Authentication {
    /// Codes per contact per month (expected; see [`Counts`]), at times drawn from the
    /// hourly and weekday profile.
    pub per_contact_month: f64,
}

/// The templates the business sends.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Templates {
    /// Marketing campaigns by name (`[templates.marketing.newsletter]`).
    pub marketing: BTreeMap<String, Campaign>,
    /// Utility notifications.
    pub utility: Utility,
    /// Authentication codes.
    pub authentication: Authentication,
}

/// What happens to sent templates of one kind.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliveryRates {
    /// Share delivered (charged unless a window makes it free).
    pub delivered: f64,
    /// Share that fails (never charged). The rest stays `sent`: never confirmed, not
    /// charged.
    pub failed: f64,
}

impl Default for DeliveryRates {
    fn default() -> Self {
        DeliveryRates {
            delivered: 1.0,
            failed: 0.0,
        }
    }
}

/// Delivery and failure rates per template kind. Free-form replies are delivered (or
/// rejected when outside every window).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Delivery {
    /// Marketing templates.
    pub marketing: DeliveryRates,
    /// Utility templates (notifications and follow-ups).
    pub utility: DeliveryRates,
    /// Authentication templates.
    pub authentication: DeliveryRates,
}

/// What-ifs on the pricing rules, applied to the rule regimes before pricing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Rules {
    /// `"charged"`: service (free-form) messages are charged from the start of per-message
    /// pricing, not only from 2026-10-01 (every PMP regime's `service` becomes charged; where
    /// a card has no service rate for a market, its utility rate is used, as reported for
    /// 2026-10-01, marked estimated); `"free"`: never charged.
    pub service: Option<Treatment>,
    /// Who shares the monthly free service allowance of the per-message regimes:
    /// `"business_number"` (as reported) or `"waba"`.
    pub allowance_scope: Option<AllowanceScope>,
    /// Size of that allowance (reported: 1000; 0 for none).
    pub allowance_size: Option<u32>,
}

impl Rules {
    /// Whether the rules are the published ones.
    pub fn is_default(&self) -> bool {
        self == &Rules::default()
    }

    /// The rate book with these what-ifs applied to its regimes.
    pub fn apply(&self, book: &RateBook) -> RateBook {
        let mut book = book.clone();
        // When per-message pricing starts.
        let first_pmp = book
            .regimes
            .all()
            .iter()
            .find(|r| r.model == PricingModel::Pmp)
            .map(|r| r.from);
        if let Some(service) = self.service {
            for r in book.regimes.all_mut() {
                if r.model == PricingModel::Pmp {
                    r.service = service;
                }
            }
        }
        if self.service == Some(Treatment::Charged) {
            let mut edited = Vec::new();
            for (k, card) in book.cards().iter().enumerate() {
                // Cards in force at some time under per-message pricing.
                let next = book.cards()[k + 1..]
                    .iter()
                    .find(|c| c.currency == card.currency)
                    .map(|c| c.effective);
                if first_pmp.is_none_or(|f| next.is_some_and(|n| n <= f)) {
                    continue;
                }
                let mut card = card.clone();
                let missing: Vec<_> = card
                    .markets()
                    .filter(|m| card.cell(*m, Category::Service).is_none())
                    .filter_map(|m| card.cell(m, Category::Utility).map(|c| (m, c.rate)))
                    .collect();
                if missing.is_empty() {
                    continue;
                }
                for (m, rate) in missing {
                    card.set(
                        m,
                        Category::Service,
                        Cell {
                            rate,
                            provenance: Provenance::Estimated,
                            source: String::new(),
                            note: "what-if rules.service = \"charged\": the utility rate"
                                .to_string(),
                        },
                    );
                }
                edited.push(card);
            }
            for card in edited {
                book.add_card(card);
            }
        }
        if self.allowance_size.is_some() || self.allowance_scope.is_some() {
            if let Some(from) = first_pmp {
                book.regimes
                    .set_allowance(from, self.allowance_size, self.allowance_scope);
            }
        }
        book
    }
}

/// A scenario: the base traffic, and named strategies that override it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A label for reports.
    #[serde(default)]
    pub name: Option<String>,
    /// What the scenario describes.
    #[serde(default)]
    pub description: Option<String>,
    /// The seed of the first run (runs use seed, seed+1, …; `--seed` overrides it).
    #[serde(default = "one_u64")]
    pub seed: u64,
    /// The WABA's time zone (IANA name): hours, weekdays, months and rule dates are local
    /// to it. Default `UTC`.
    #[serde(default = "utc", deserialize_with = "de_tz")]
    pub timezone: Tz,
    /// The business numbers; contacts are spread over them evenly (contact i writes to
    /// number i mod n). All belong to one WABA.
    #[serde(default = "default_numbers")]
    pub business_numbers: Vec<String>,
    /// How counts per contact per month are drawn.
    #[serde(default)]
    pub counts: Counts,
    /// The simulated time span.
    pub period: Period,
    /// The audience by group: `[audience.BR] contacts = 5000`, or a group with a `prefix`.
    pub audience: BTreeMap<String, AudienceGroup>,
    /// What users write.
    #[serde(default)]
    pub inbound: Inbound,
    /// How the business answers.
    #[serde(default)]
    pub service: Service,
    /// The templates the business sends.
    #[serde(default)]
    pub templates: Templates,
    /// Delivery and failure rates per template kind.
    #[serde(default)]
    pub delivery: Delivery,
    /// What-ifs on the pricing rules.
    #[serde(default)]
    pub rules: Rules,
    /// The business is an eligible government or non-profit (service messages free beyond
    /// the monthly free tier while Meta's exemption lasts).
    #[serde(default)]
    pub service_exempt: bool,
    /// Named strategies as written: overrides laid over the rest of the scenario (see
    /// [`Scenario::strategy`]).
    #[serde(default)]
    pub strategies: BTreeMap<String, toml::Table>,
    #[serde(skip)]
    raw: toml::Table,
    #[serde(skip)]
    origin: String,
}

fn one_u32() -> u32 {
    1
}

fn one_u64() -> u64 {
    1
}

fn utc() -> Tz {
    chrono_tz::UTC
}

fn default_numbers() -> Vec<String> {
    vec!["+1 555 000 0001".to_string()]
}

fn de_tz<'de, D: Deserializer<'de>>(d: D) -> Result<Tz, D::Error> {
    let s = String::deserialize(d)?;
    s.parse::<Tz>().map_err(|_| {
        serde::de::Error::custom(format!(
            "unknown time zone {s:?}: use an IANA name such as \"America/Sao_Paulo\" or \"UTC\""
        ))
    })
}

fn de_date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    let v = toml::Value::deserialize(d)?;
    let s = match v {
        toml::Value::String(s) => s,
        toml::Value::Datetime(dt) => dt.to_string(),
        other => {
            return Err(serde::de::Error::custom(format!(
                "expected a date such as 2026-02-01, found {other}"
            )));
        }
    };
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        serde::de::Error::custom(format!("{s:?} is not a date: write it as 2026-02-01"))
    })
}

impl Scenario {
    /// Reads a scenario from TOML text; `origin` names it in errors (a path).
    pub fn parse(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
        let mut scenario: Scenario = toml::from_str(text).map_err(|e| ScenarioError {
            origin: origin.to_string(),
            line: e.span().map(|s| {
                text.as_bytes()[..s.start.min(text.len())]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count()
                    + 1
            }),
            reason: e.message().trim().to_string(),
        })?;
        let mut raw: toml::Table = toml::from_str(text).map_err(|e| ScenarioError {
            origin: origin.to_string(),
            line: None,
            reason: e.message().trim().to_string(),
        })?;
        raw.remove("strategies");
        scenario.raw = raw;
        scenario.origin = origin.to_string();
        scenario.validate()?;
        for name in scenario.strategies.keys() {
            scenario.strategy(name)?;
        }
        Ok(scenario)
    }

    /// Reads a scenario file.
    pub fn load(path: &std::path::Path) -> Result<Scenario, ScenarioError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| ScenarioError::new(&origin, e.to_string()))?;
        Scenario::parse(&text, &origin)
    }

    /// The names of the strategies, in order.
    pub fn strategy_names(&self) -> Vec<String> {
        self.strategies.keys().cloned().collect()
    }

    /// A strategy's description, if it has one, followed by what its totals leave out
    /// (`leaves_out`), said plainly: a strategy that moves traffic off WhatsApp (one-time
    /// passwords by SMS) saves Meta's fees but costs the other channel's, which wacost does
    /// not price.
    pub fn strategy_description(&self, name: &str) -> Option<String> {
        let table = self.strategies.get(name)?;
        let text = |key: &str| table.get(key).and_then(|v| v.as_str()).map(str::trim);
        match (text("description"), text("leaves_out")) {
            (Some(d), Some(l)) => Some(format!("{d}; NOT INCLUDED: {l}")),
            (Some(d), None) => Some(d.to_string()),
            (None, Some(l)) => Some(format!("NOT INCLUDED: {l}")),
            (None, None) => None,
        }
    }

    /// The scenario a strategy describes: the base with the strategy's fields laid over it
    /// (tables merge key by key; other values replace). The result has no strategies.
    pub fn strategy(&self, name: &str) -> Result<Scenario, ScenarioError> {
        let origin = format!("{} [strategies.{name}]", self.origin);
        let Some(overrides) = self.strategies.get(name) else {
            let known = self.strategy_names().join(", ");
            return Err(ScenarioError::new(
                &self.origin,
                format!(
                    "no strategy {name:?} (the scenario has: {})",
                    if known.is_empty() { "none" } else { &known }
                ),
            ));
        };
        let mut overrides = overrides.clone();
        overrides.remove("description");
        overrides.remove("leaves_out");
        if overrides.contains_key("strategies") {
            return Err(ScenarioError::new(
                &origin,
                "a strategy cannot define strategies",
            ));
        }
        let mut merged = self.raw.clone();
        merge(&mut merged, overrides);
        let mut s: Scenario = toml::Value::Table(merged.clone())
            .try_into()
            .map_err(|e: toml::de::Error| ScenarioError::new(&origin, e.message().trim()))?;
        s.raw = merged;
        s.origin = origin;
        s.validate()?;
        Ok(s)
    }

    /// Where the scenario was read from (and which strategy it is), for messages.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The number of contacts.
    pub fn contacts(&self) -> u64 {
        self.audience.values().map(|g| u64::from(g.contacts)).sum()
    }

    /// The first day after the period.
    pub fn end(&self) -> NaiveDate {
        self.period
            .start
            .checked_add_months(Months::new(self.period.months))
            .unwrap_or(NaiveDate::MAX)
    }

    /// Checks every value's range.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        let err = |reason: String| Err(ScenarioError::new(&self.origin, reason));
        let share = |name: &str, v: f64| -> Result<(), ScenarioError> {
            if !(0.0..=1.0).contains(&v) {
                return Err(ScenarioError::new(
                    &self.origin,
                    format!("{name} = {v}: a share is between 0 and 1"),
                ));
            }
            Ok(())
        };
        let non_negative = |name: &str, v: f64| -> Result<(), ScenarioError> {
            if !(v.is_finite() && v >= 0.0) {
                return Err(ScenarioError::new(
                    &self.origin,
                    format!("{name} = {v}: must be a number, 0 or more"),
                ));
            }
            Ok(())
        };
        if self.period.months == 0 || self.period.months > 1200 {
            return err(format!(
                "period.months = {}: simulate 1 to 1200 months",
                self.period.months
            ));
        }
        if self.business_numbers.is_empty() {
            return err("business_numbers is empty: give at least one number".into());
        }
        for n in &self.business_numbers {
            if n.trim().is_empty() {
                return err("business_numbers has an empty entry".into());
            }
        }
        if self.audience.is_empty() || self.contacts() == 0 {
            return err("the audience is empty: add e.g. [audience.BR] contacts = 1000".into());
        }
        if self.contacts() > u64::from(u32::MAX) {
            return err("more than 4,294,967,295 contacts".into());
        }
        let i = &self.inbound;
        non_negative(
            "inbound.conversations_per_contact_month",
            i.conversations_per_contact_month,
        )?;
        if !(i.messages_per_conversation.is_finite() && i.messages_per_conversation >= 1.0) {
            return err(format!(
                "inbound.messages_per_conversation = {}: a conversation has at least 1 message",
                i.messages_per_conversation
            ));
        }
        non_negative("inbound.message_gap_minutes", i.message_gap_minutes)?;
        profile("inbound.hourly", &i.hourly, 24, &self.origin)?;
        profile("inbound.weekday", &i.weekday, 7, &self.origin)?;
        share("inbound.ctwa_ad_share", i.ctwa_ad_share)?;
        share("inbound.page_cta_share", i.page_cta_share)?;
        share(
            "inbound.ctwa_ad_share + inbound.page_cta_share",
            i.ctwa_ad_share + i.page_cta_share,
        )?;
        let s = &self.service;
        share("service.automation_share", s.automation_share)?;
        if !(s.automation_reply_seconds.is_finite() && s.automation_reply_seconds >= 1.0) {
            return err(format!(
                "service.automation_reply_seconds = {}: at least 1",
                s.automation_reply_seconds
            ));
        }
        if !(s.business_agent_tokens_median.is_finite() && s.business_agent_tokens_median >= 1.0) {
            return err(format!(
                "service.business_agent_tokens_median = {}: at least 1",
                s.business_agent_tokens_median
            ));
        }
        if !(s.business_agent_tokens_p90.is_finite()
            && s.business_agent_tokens_p90 >= s.business_agent_tokens_median
            && s.business_agent_tokens_p90 <= f64::from(u32::MAX))
        {
            return err(format!(
                "service.business_agent_tokens_p90 = {}: must be at least the median ({}) and \
                 at most 4,294,967,295",
                s.business_agent_tokens_p90, s.business_agent_tokens_median
            ));
        }
        if s.bot_cost_per_reply.is_sign_negative() {
            return err(format!(
                "service.bot_cost_per_reply = {}: must not be negative",
                s.bot_cost_per_reply
            ));
        }
        if !(s.agent_median_minutes.is_finite() && s.agent_median_minutes > 0.0) {
            return err(format!(
                "service.agent_median_minutes = {}: must be more than 0",
                s.agent_median_minutes
            ));
        }
        if !(s.agent_p90_minutes.is_finite() && s.agent_p90_minutes >= s.agent_median_minutes) {
            return err(format!(
                "service.agent_p90_minutes = {}: must be at least the median ({})",
                s.agent_p90_minutes, s.agent_median_minutes
            ));
        }
        non_negative(
            "service.replies_per_conversation",
            s.replies_per_conversation,
        )?;
        non_negative("service.reply_gap_minutes", s.reply_gap_minutes)?;
        share("service.follow_up_share", s.follow_up_share)?;
        non_negative("service.follow_up_delay_hours", s.follow_up_delay_hours)?;
        for (name, c) in &self.templates.marketing {
            share(
                &format!("templates.marketing.{name}.audience_share"),
                c.audience_share,
            )?;
            if c.sends_per_month > 31 {
                return err(format!(
                    "templates.marketing.{name}.sends_per_month = {}: at most 31",
                    c.sends_per_month
                ));
            }
            if c.send_hour > 23 {
                return err(format!(
                    "templates.marketing.{name}.send_hour = {}: an hour is 0 to 23",
                    c.send_hour
                ));
            }
            non_negative(
                &format!("templates.marketing.{name}.send_minutes"),
                c.send_minutes,
            )?;
        }
        non_negative(
            "templates.utility.per_contact_month",
            self.templates.utility.per_contact_month,
        )?;
        share(
            "templates.utility.in_window_share",
            self.templates.utility.in_window_share,
        )?;
        non_negative(
            "templates.authentication.per_contact_month",
            self.templates.authentication.per_contact_month,
        )?;
        for (kind, d) in [
            ("marketing", &self.delivery.marketing),
            ("utility", &self.delivery.utility),
            ("authentication", &self.delivery.authentication),
        ] {
            share(&format!("delivery.{kind}.delivered"), d.delivered)?;
            share(&format!("delivery.{kind}.failed"), d.failed)?;
            if d.delivered + d.failed > 1.0 + 1e-9 {
                return err(format!(
                    "delivery.{kind}: delivered ({}) + failed ({}) is more than 1",
                    d.delivered, d.failed
                ));
            }
        }
        Ok(())
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} contacts, {} month{} from {}, {}",
            self.name.as_deref().unwrap_or(&self.origin),
            self.contacts(),
            self.period.months,
            if self.period.months == 1 { "" } else { "s" },
            self.period.start,
            self.timezone
        )
    }
}

fn profile(name: &str, w: &[f64], len: usize, origin: &str) -> Result<(), ScenarioError> {
    if w.len() != len {
        return Err(ScenarioError::new(
            origin,
            format!("{name} has {} weights: give {len}", w.len()),
        ));
    }
    if w.iter().any(|x| !(x.is_finite() && *x >= 0.0)) || w.iter().sum::<f64>() <= 0.0 {
        return Err(ScenarioError::new(
            origin,
            format!("{name}: weights are 0 or more, and not all 0"),
        ));
    }
    Ok(())
}

/// Lays `over` on `base`: tables merge key by key, every other value replaces.
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
[period]
start = 2026-02-01

[audience.BR]
contacts = 10
"#;

    #[test]
    fn defaults_fill_a_minimal_scenario() {
        let s = Scenario::parse(MINIMAL, "t.toml").unwrap();
        assert_eq!(s.period.months, 1);
        assert_eq!(s.timezone, chrono_tz::UTC);
        assert_eq!(s.contacts(), 10);
        assert_eq!(s.inbound.hourly.len(), 24);
        assert_eq!(s.end(), NaiveDate::from_ymd_opt(2026, 3, 1).unwrap());
        assert!(s.rules.is_default());
    }

    #[test]
    fn strategies_merge_over_the_base() {
        let text = format!(
            "{MINIMAL}
[service]
automation_share = 0.2
agent_median_minutes = 30
agent_p90_minutes = 240

[templates.marketing.news]
sends_per_month = 2

[strategies.bots]
description = \"bots answer\"
service = {{ automation_share = 0.9 }}

[strategies.four.templates.marketing.news]
sends_per_month = 4

[strategies.charged.rules]
service = \"charged\"
allowance_scope = \"waba\"
"
        );
        let s = Scenario::parse(&text, "t.toml").unwrap();
        assert_eq!(s.strategy_names(), ["bots", "charged", "four"]);
        let bots = s.strategy("bots").unwrap();
        assert_eq!(bots.service.automation_share, 0.9);
        assert_eq!(bots.service.agent_median_minutes, 30.0);
        assert_eq!(
            s.strategy_description("bots").as_deref(),
            Some("bots answer")
        );
        // What a strategy's totals leave out is said with its description.
        let sms = format!(
            "{text}\n[strategies.sms]\ndescription = \"codes by SMS\"\nleaves_out = \"the SMS\"\n\
             templates.marketing.news.sends_per_month = 0\n"
        );
        let s2 = Scenario::parse(&sms, "t.toml").unwrap();
        assert_eq!(
            s2.strategy_description("sms").as_deref(),
            Some("codes by SMS; NOT INCLUDED: the SMS")
        );
        assert_eq!(
            s2.strategy("sms").unwrap().templates.marketing["news"].sends_per_month,
            0
        );
        let four = s.strategy("four").unwrap();
        assert_eq!(four.templates.marketing["news"].sends_per_month, 4);
        assert_eq!(four.templates.marketing["news"].send_hour, 10);
        assert_eq!(four.service.automation_share, 0.2);
        let charged = s.strategy("charged").unwrap();
        assert_eq!(charged.rules.service, Some(Treatment::Charged));
        assert_eq!(charged.rules.allowance_scope, Some(AllowanceScope::Waba));
        assert!(s.strategy("nope").unwrap_err().reason.contains("bots"));
    }

    #[test]
    fn mistakes_say_where_and_what() {
        let e = Scenario::parse(
            &format!("{MINIMAL}\n[inbound]\nconversation = 1\n"),
            "t.toml",
        )
        .unwrap_err();
        assert_eq!(e.line, Some(9), "{e}");
        assert!(e.reason.contains("unknown field"), "{e}");
        let e = Scenario::parse(
            &format!("{MINIMAL}\n[service]\nautomation_share = 2\n"),
            "t",
        )
        .unwrap_err();
        assert!(e.reason.contains("between 0 and 1"), "{e}");
        let e = Scenario::parse(
            &format!("{MINIMAL}\n[strategies.x.service]\nautomaton_share = 1\n"),
            "t.toml",
        )
        .unwrap_err();
        assert!(e.origin.contains("[strategies.x]"), "{e}");
        let e = Scenario::parse(&MINIMAL.replace("2026-02-01", "\"Feb\""), "t").unwrap_err();
        assert!(e.reason.contains("not a date"), "{e}");
        let e =
            Scenario::parse(&format!("timezone = \"Mars/Olympus\"\n{MINIMAL}"), "t").unwrap_err();
        assert!(e.reason.contains("time zone"), "{e}");
    }

    #[test]
    fn the_example_scenarios_parse() {
        for (name, text) in [
            ("shop", include_str!("../../../../data/scenarios/shop.toml")),
            (
                "fintech",
                include_str!("../../../../data/scenarios/fintech.toml"),
            ),
            (
                "support_2026_11",
                include_str!("../../../../data/scenarios/support_2026_11.toml"),
            ),
        ] {
            let s = Scenario::parse(text, name).unwrap();
            assert!(!s.strategies.is_empty(), "{name}");
            for st in s.strategy_names() {
                s.strategy(&st).unwrap();
                assert!(s.strategy_description(&st).is_some(), "{name} {st}");
            }
        }
    }

    #[test]
    fn rules_edit_the_regimes() {
        let book = RateBook::embedded().unwrap();
        let rules = Rules {
            service: Some(Treatment::Charged),
            allowance_scope: Some(AllowanceScope::Waba),
            allowance_size: Some(0),
        };
        let edited = rules.apply(&book);
        let d = NaiveDate::from_ymd_opt(2025, 8, 1).unwrap();
        assert_eq!(edited.regime_at(d).unwrap().service, Treatment::Charged);
        assert_eq!(book.regime_at(d).unwrap().service, Treatment::Free);
        let late = edited
            .regime_at(NaiveDate::from_ymd_opt(2026, 11, 1).unwrap())
            .unwrap();
        let a = late.allowance.as_ref().unwrap();
        assert_eq!((a.size, a.scope), (0, AllowanceScope::Waba));
        // Service is charged at the utility rate where the card has no service rate.
        let card = edited.card_at(crate::money::Currency::USD, d).unwrap();
        let brazil = edited.names.get("Brazil").unwrap();
        assert_eq!(
            card.cell(brazil, Category::Service).unwrap().rate,
            card.cell(brazil, Category::Utility).unwrap().rate
        );
        assert!(
            book.card_at(crate::money::Currency::USD, d)
                .unwrap()
                .cell(brazil, Category::Service)
                .is_none()
        );
        // CBP regimes are left alone.
        let cbp = edited
            .regime_at(NaiveDate::from_ymd_opt(2023, 7, 1).unwrap())
            .unwrap();
        assert_eq!(cbp.allowance.as_ref().unwrap().size, 1000);
    }
}
