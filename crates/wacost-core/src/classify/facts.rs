//! What the rules of 2026 did in a run, and which assumptions its total rests on: Business
//! Agent replies and their tokens, reactions, exempt service messages, deliveries to groups,
//! free entry point windows whose length Meta reported or wacost assumed, max prices, and
//! numbers whose calling code other countries share. The summary reports them.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::pricing::market::MarketId;
use crate::pricing::phone::Country;

/// Counts (and amounts, in the run's currency) kept while messages are classified.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleFacts {
    /// Meta Business Agent replies charged per token.
    pub business_agent_replies: u64,
    /// Their tokens, prompt and response together (defaults included).
    pub business_agent_tokens: u64,
    /// What they cost.
    pub business_agent_amount: Decimal,
    /// Of those replies, the ones the log gave no tokens for, priced at the regime's default
    /// tokens per reply (estimated).
    pub business_agent_default_tokens: u64,
    /// What those cost.
    pub business_agent_default_amount: Decimal,
    /// Reactions delivered (always free, not counted against the free tier).
    pub reactions: u64,
    /// Service messages of an exempt government or non-profit, free beyond the free tier.
    pub exempt_service: u64,
    /// Their list rates added up: what they would have cost without the exemption (the
    /// month's first allowance items would have been free anyway).
    pub exempt_list_value: Decimal,
    /// Deliveries to group participants (one per recipient).
    pub group_deliveries: u64,
    /// Messages whose free entry point window's end Meta reported in a status webhook.
    pub meta_window_ends: u64,
    /// Charged messages sent after the assumed end of a free entry point window but before
    /// the longest Meta says a window may last: free if the window lasted that long.
    pub free_entry_point_at_stake: u64,
    /// What they cost.
    pub free_entry_point_at_stake_amount: Decimal,
    /// That longest length, in hours (168: Meta's "up to 7 days").
    pub free_entry_point_longest_hours: u32,
    /// Marketing templates priced at their Marketing Messages API max price (an upper bound).
    pub max_price_messages: u64,
    /// What they cost at that bound.
    pub max_price_amount: Decimal,
    /// Templates with a max price in another currency than the run's, priced at the card.
    pub max_price_other_currency: u64,
    /// Messages to a country that shares its calling code with another (Jersey on +44,
    /// Kazakhstan on +7 before its market of its own, NANP islands on +1…) and is priced in
    /// another market than the code's main country, by country.
    pub shared_code: BTreeMap<Country, u64>,
    /// Amounts charged at estimated rates (before allowances and tiers), by market.
    pub estimated_by_market: BTreeMap<MarketId, Decimal>,
}

impl RuleFacts {
    /// Adds another part's facts (a log classified in parts).
    pub fn merge(&mut self, other: &RuleFacts) {
        self.business_agent_replies += other.business_agent_replies;
        self.business_agent_tokens += other.business_agent_tokens;
        self.business_agent_amount += other.business_agent_amount;
        self.business_agent_default_tokens += other.business_agent_default_tokens;
        self.business_agent_default_amount += other.business_agent_default_amount;
        self.reactions += other.reactions;
        self.exempt_service += other.exempt_service;
        self.exempt_list_value += other.exempt_list_value;
        self.group_deliveries += other.group_deliveries;
        self.meta_window_ends += other.meta_window_ends;
        self.free_entry_point_at_stake += other.free_entry_point_at_stake;
        self.free_entry_point_at_stake_amount += other.free_entry_point_at_stake_amount;
        self.free_entry_point_longest_hours = self
            .free_entry_point_longest_hours
            .max(other.free_entry_point_longest_hours);
        self.max_price_messages += other.max_price_messages;
        self.max_price_amount += other.max_price_amount;
        self.max_price_other_currency += other.max_price_other_currency;
        for (c, n) in &other.shared_code {
            *self.shared_code.entry(*c).or_default() += n;
        }
        for (m, a) in &other.estimated_by_market {
            *self.estimated_by_market.entry(*m).or_default() += a;
        }
    }
}
