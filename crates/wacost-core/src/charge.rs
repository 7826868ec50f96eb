//! A [`Charge`]: one line of the ledger. Every outbound message becomes one line (charged,
//! free or not delivered), and settlement adds adjustment lines (free allowances, volume-tier
//! discounts) the way an invoice does, so that the lines always add up to the total.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::event::{BusinessId, MessageId, MessageKind, Status, Verdict};
use crate::money::Currency;
use crate::pricing::category::{Category, PricingModel, PricingType, Provenance};
use crate::pricing::market::MarketId;
use crate::pricing::phone::{ContactNumber, Country};
use crate::pricing::rules::Rule;

/// What a ledger line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LineKind {
    /// One outbound message.
    Message,
    /// A monthly free allowance covering `quantity` earlier message lines.
    Allowance,
    /// A volume-tier discount on a month's messages in a market and category.
    TierDiscount,
    /// A message priced as not delivered (no final status within the status horizon) whose
    /// delivery report came afterwards: what it costs delivered, added once. Dated and placed
    /// as the message itself.
    LateDelivery,
    /// Meta Business Agent usage over a period (an hour, day or month), as Meta's Business
    /// Agent Usage Insights report it: no single message, `quantity` replies and their
    /// tokens, priced at the regime's token price. Dated at the period's start.
    AgentUsage,
}

impl LineKind {
    /// `message`, `allowance`, `tier_discount`, `late_delivery` or `agent_usage`.
    pub fn as_str(self) -> &'static str {
        match self {
            LineKind::Message => "message",
            LineKind::Allowance => "allowance",
            LineKind::TierDiscount => "tier_discount",
            LineKind::LateDelivery => "late_delivery",
            LineKind::AgentUsage => "agent_usage",
        }
    }

    /// Whether the line charges one message (a message line, or the late delivery of one):
    /// the lines billed, offered to free allowances and counted in volume tiers.
    pub fn charges_a_message(self) -> bool {
        matches!(self, LineKind::Message | LineKind::LateDelivery)
    }

    /// Parses [`LineKind::as_str`]'s names.
    pub fn parse(s: &str) -> Option<LineKind> {
        [
            LineKind::Message,
            LineKind::Allowance,
            LineKind::TierDiscount,
            LineKind::LateDelivery,
            LineKind::AgentUsage,
        ]
        .into_iter()
        .find(|k| k.as_str() == s.trim())
    }
}

/// Flags a reader of the ledger should know about.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Flags {
    /// A free-form message outside any window: Meta would have rejected it.
    pub rejected_free_form: bool,
    /// The card has no rate for this market and category: priced at 0 (only when the user
    /// asked for that; else such a message is an error).
    pub missing_rate: bool,
    /// Authentication-international applied but the card has no such rate: the
    /// authentication rate was used (estimated).
    pub auth_international_fallback: bool,
    /// An exempt government's or non-profit's service message: free, though `regular`
    /// (Meta's `paid_exempt`).
    pub exempt: bool,
    /// A Business Agent reply the log gave no tokens for: priced at the regime's default
    /// (estimated).
    pub default_tokens: bool,
    /// A marketing template priced at its Marketing Messages API max price: an upper bound.
    pub max_price: bool,
}

/// One ledger line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Charge {
    /// Message or adjustment.
    pub kind: LineKind,
    /// When (Unix milliseconds, UTC); for adjustments, the first instant of the month.
    pub time_ms: i64,
    /// The day in the WABA's time zone.
    pub date: NaiveDate,
    /// The business number.
    pub business: BusinessId,
    /// The WABA.
    pub waba: BusinessId,
    /// The recipient (none on adjustment lines).
    pub contact: Option<ContactNumber>,
    /// The line's position among the message lines of its (business number, contact) pair,
    /// from 0, in the order they were priced (0 on adjustment lines). With the time, business
    /// number and contact it orders a month's items for free allowances without depending on
    /// how the log interleaved contacts.
    pub position: u32,
    /// The message id, when the log has one.
    pub message_id: Option<MessageId>,
    /// What was sent (none on adjustment lines).
    pub offer: Option<MessageKind>,
    /// Its final status.
    pub status: Option<Status>,
    /// The pricing model in force.
    pub model: PricingModel,
    /// The pricing category charged.
    pub category: Category,
    /// Meta's pricing type.
    pub pricing_type: PricingType,
    /// The recipient's market.
    pub market: MarketId,
    /// The recipient's country.
    pub country: Country,
    /// The list rate of the cell used (none when the card has none).
    pub rate: Option<Decimal>,
    /// The amount of this line (negative for adjustments).
    pub amount: Decimal,
    /// Messages (or conversations) the line covers: 1 for a message; the count covered by
    /// an allowance; 0 for a tier discount.
    pub quantity: i64,
    /// Currency.
    pub currency: Currency,
    /// CBP conversation number.
    pub conversation: Option<u64>,
    /// How sure we are of the rate.
    pub provenance: Option<Provenance>,
    /// Effective date of the card used.
    pub card: NaiveDate,
    /// The rule that decided (message lines).
    pub rule: Option<Rule>,
    /// Flags.
    pub flags: Flags,
    /// Meta's own verdict, when the log carried it.
    pub verdict: Option<Verdict>,
    /// A Business Agent reply's tokens (the log's, or the regime's default); on an
    /// [`LineKind::AgentUsage`] line, the period's billable tokens.
    pub tokens: Option<u64>,
}

impl Charge {
    /// Whether Meta bills this message line, or this late delivery (before allowances).
    pub fn billable(&self) -> bool {
        self.kind.charges_a_message() && self.amount > Decimal::ZERO
    }

    /// The reason a person reads on the line.
    pub fn reason(&self, market_name: &str) -> String {
        match self.kind {
            LineKind::Message => {
                let mut s = self.rule.map(|r| r.to_string()).unwrap_or_default();
                if self.flags.missing_rate {
                    s.push_str(&format!(
                        "; no {} rate for {market_name} on the card of {}: priced at 0",
                        self.category, self.card
                    ));
                }
                if self.flags.auth_international_fallback {
                    s.push_str("; no authentication-international rate on the card: authentication rate used");
                }
                if let (Some(n), Some(rate)) = (self.tokens, self.rate) {
                    s.push_str(&format!(
                        "; {n} tokens{}: {rate} {}",
                        if self.flags.default_tokens {
                            " (the log gave none: the regime's default, estimated)"
                        } else {
                            ""
                        },
                        self.currency
                    ));
                }
                if self.flags.max_price {
                    s.push_str(
                        "; priced at the template's Marketing Messages API max price: an upper \
                         bound, Meta charges it or less",
                    );
                }
                if self.offer == Some(MessageKind::BusinessAgent)
                    && self.category == Category::Service
                {
                    s.push_str(
                        "; a Business Agent reply before Meta billed the agent (2026-08-01): \
                         priced as a free-form message",
                    );
                }
                s
            }
            LineKind::Allowance => format!(
                "free allowance: the first {} {} of the month in {market_name} at {} each are free",
                self.quantity,
                self.category,
                self.rate.unwrap_or_default()
            ),
            LineKind::TierDiscount => format!(
                "volume tier discount on {} {} messages in {market_name} this month",
                self.quantity, self.category
            ),
            LineKind::LateDelivery => format!(
                "delivered after it was priced as not delivered: {}",
                self.rule.map(|r| r.to_string()).unwrap_or_default()
            ),
            LineKind::AgentUsage => match self.rate {
                Some(rate) => format!(
                    "Meta Business Agent usage (Meta's Usage Insights): {} replies, {} tokens at \
                     {} {} per million tokens",
                    self.quantity,
                    self.tokens.unwrap_or(0),
                    rate.normalize(),
                    self.currency
                ),
                None => format!(
                    "Meta Business Agent usage (Meta's Usage Insights): {} replies, {} tokens, \
                     not billed (Meta bills the agent from 2026-08-01)",
                    self.quantity,
                    self.tokens.unwrap_or(0)
                ),
            },
        }
    }
}

/// Receives every ledger line as a run produces it (to write them to CSV and Parquet, keep
/// the first ones for a workbook, or collect them all).
pub trait LineSink {
    /// One line.
    fn line(&mut self, c: &Charge) -> std::io::Result<()>;
    /// Forget every line so far (the log is being read again, sorted).
    fn reset(&mut self) -> std::io::Result<()>;
}

/// A sink that keeps nothing.
pub struct NoLines;

impl LineSink for NoLines {
    fn line(&mut self, _: &Charge) -> std::io::Result<()> {
        Ok(())
    }
    fn reset(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every line, in memory: for small runs and tests (a large log's lines belong in a file).
impl LineSink for Vec<Charge> {
    fn line(&mut self, c: &Charge) -> std::io::Result<()> {
        self.push(*c);
        Ok(())
    }
    fn reset(&mut self) -> std::io::Result<()> {
        self.clear();
        Ok(())
    }
}
