//! Cost per conversation and per contact, by market and category: what finance divides a
//! bill by to compare months, markets and strategies of different sizes.
//!
//! - A **customer conversation** starts when a customer writes while no customer service
//!   window of theirs is open: none of their messages in the previous 24 h (the window's
//!   length, from the regimes data). It is counted in the month and the market of that
//!   message.
//! - A **contact** is a (business number, customer) pair with at least one message, either
//!   way, in a month, counted once in each month it is active: over several months, cost
//!   per contact is per active contact and month.
//!
//! The amounts are the ledger's, adjustments included (a market's free allowance lowers its
//! cost per conversation). Averages are divisions, so they are rounded, to 4 decimal places
//! (the precision of Meta's rates), half away from zero; amounts stay exact.

use std::collections::BTreeMap;

use chrono::Datelike;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::ledger::Ledger;
use crate::pricing::RateBook;
use crate::table::Table;
use crate::usage::Usage;

/// Contacts and customer conversations of a market in a month (see the [module](self)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    /// Active (business number, customer) pairs.
    pub contacts: u64,
    /// Customer conversations started.
    pub conversations: u64,
}

impl Activity {
    fn add(&mut self, other: &Activity) {
        self.contacts += other.contacts;
        self.conversations += other.conversations;
    }
}

/// Activity by month (`YYYY-MM`, WABA time zone), then by market name.
pub type ActivityByMonth = BTreeMap<String, BTreeMap<String, Activity>>;

/// The activity of a run's usage, by month and market name.
pub fn activity(usage: &Usage, book: &RateBook) -> ActivityByMonth {
    usage
        .iter()
        .filter(|(_, u)| !u.by_market.is_empty())
        .map(|((y, m), u)| {
            let mut markets: BTreeMap<String, Activity> = BTreeMap::new();
            for (id, a) in &u.by_market {
                markets
                    .entry(book.names.name(*id).to_string())
                    .or_default()
                    .add(&Activity {
                        contacts: a.contacts,
                        conversations: a.conversations,
                    });
            }
            (format!("{y:04}-{m:02}"), markets)
        })
        .collect()
}

/// One category's amount and averages within a market.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryCost {
    /// The amount, exact.
    pub amount: Decimal,
    /// Amount per customer conversation (none without conversations).
    pub per_conversation: Option<Decimal>,
    /// Amount per active contact and month (none without contacts).
    pub per_contact: Option<Decimal>,
}

/// A market's (or all markets') amount, conversations, contacts and averages.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitCost {
    /// The amount, exact.
    pub amount: Decimal,
    /// Customer conversations.
    pub conversations: u64,
    /// Active contacts, counted once per month.
    pub contacts: u64,
    /// Amount per customer conversation.
    pub per_conversation: Option<Decimal>,
    /// Amount per active contact and month.
    pub per_contact: Option<Decimal>,
    /// By pricing category.
    pub by_category: BTreeMap<String, CategoryCost>,
}

/// Cost per conversation and per contact: all markets, and each market.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitCosts {
    /// Every market together.
    pub all: UnitCost,
    /// By market name.
    pub by_market: BTreeMap<String, UnitCost>,
}

/// `amount / count`, rounded to 4 places half away from zero; none when `count` is 0.
pub fn per(amount: Decimal, count: u64) -> Option<Decimal> {
    (count > 0).then(|| {
        (amount / Decimal::from(count))
            .round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero)
    })
}

fn finish(u: &mut UnitCost, amounts: &BTreeMap<String, Decimal>) {
    u.per_conversation = per(u.amount, u.conversations);
    u.per_contact = per(u.amount, u.contacts);
    u.by_category = amounts
        .iter()
        .map(|(c, a)| {
            (
                c.clone(),
                CategoryCost {
                    amount: *a,
                    per_conversation: per(*a, u.conversations),
                    per_contact: per(*a, u.contacts),
                },
            )
        })
        .collect();
}

/// The unit costs of a ledger over the activity of the same run (none when the run counted
/// no activity: a ledger read back without its usage).
///
/// Amounts are sums of the ledger's rows, so they add up exactly: a [`Ledger`] bounds the sum
/// of its absolute amounts ([`crate::ledger::MAX_EXACT_SUM`]), and every sum here is a sum of
/// some of its rows.
pub fn unit_costs(
    ledger: &Ledger,
    activity: &ActivityByMonth,
    book: &RateBook,
) -> Option<UnitCosts> {
    if activity.is_empty() {
        return None;
    }
    let mut out = UnitCosts::default();
    for markets in activity.values() {
        for (market, a) in markets {
            let m = out.by_market.entry(market.clone()).or_default();
            m.contacts += a.contacts;
            m.conversations += a.conversations;
            out.all.contacts += a.contacts;
            out.all.conversations += a.conversations;
        }
    }
    // Amounts of the months the activity covers (all of the ledger's, in a run).
    let amounts = ledger.group_by(|k| {
        (
            book.names.name(k.market).to_string(),
            k.category.to_string(),
            format!("{:04}-{:02}", k.date.year(), k.date.month()),
        )
    });
    let mut all: BTreeMap<String, Decimal> = BTreeMap::new();
    let mut by_market: BTreeMap<String, BTreeMap<String, Decimal>> = BTreeMap::new();
    for ((market, category, _), t) in amounts {
        *all.entry(category.clone()).or_default() += t.amount;
        *by_market
            .entry(market.clone())
            .or_default()
            .entry(category)
            .or_default() += t.amount;
        out.by_market.entry(market).or_default().amount += t.amount;
        out.all.amount += t.amount;
    }
    finish(&mut out.all, &all);
    let empty = BTreeMap::new();
    for (market, u) in out.by_market.iter_mut() {
        finish(u, by_market.get(market).unwrap_or(&empty));
    }
    Some(out)
}

fn money(d: Option<Decimal>) -> String {
    d.map_or_else(|| "-".to_string(), |d| d.to_string())
}

impl UnitCosts {
    /// One row per market (all markets first): amount, conversations, contacts, and the cost
    /// per conversation and per contact; under each, one row per category.
    pub fn table(&self, currency: &str) -> Table {
        let mut t = Table::new([
            "market / category".to_string(),
            format!("amount ({currency})"),
            "conversations".into(),
            "contacts".into(),
            "per conversation".into(),
            "per contact".into(),
        ]);
        for i in 1..t.header().len() {
            t = t.right_align(i);
        }
        let rows = std::iter::once(("all markets", &self.all))
            .chain(self.by_market.iter().map(|(m, u)| (m.as_str(), u)));
        for (market, u) in rows {
            t.row([
                market.to_string(),
                u.amount.to_string(),
                u.conversations.to_string(),
                u.contacts.to_string(),
                money(u.per_conversation),
                money(u.per_contact),
            ]);
            // One row per category under its market: a long table stays readable in a
            // terminal, however many categories.
            for (c, cost) in &u.by_category {
                t.row([
                    format!("  {c}"),
                    cost.amount.to_string(),
                    String::new(),
                    String::new(),
                    money(cost.per_conversation),
                    money(cost.per_contact),
                ]);
            }
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn averages_round_to_four_places_half_away_from_zero() {
        assert_eq!(per(dec!(1), 3), Some(dec!(0.3333)));
        assert_eq!(per(dec!(0.00025), 1), Some(dec!(0.0003)));
        assert_eq!(per(dec!(-0.00025), 1), Some(dec!(-0.0003)));
        assert_eq!(per(dec!(5), 0), None);
    }
}
