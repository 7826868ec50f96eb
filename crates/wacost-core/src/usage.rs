//! Usage: the message counts of a month that providers bill on, beside Meta's fees in the
//! [`Ledger`](crate::ledger::Ledger): inbound and outbound messages by final status,
//! templates by category, monthly active contacts, customer-days with service messages, and
//! the business numbers in use; and, per market, the active contacts and customer
//! conversations that cost per contact and per conversation divide by.

use std::collections::{BTreeMap, BTreeSet};

use crate::event::{BusinessId, Status};
use crate::pricing::market::MarketId;

/// Counts for one calendar month (WABA time zone).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MonthUsage {
    /// Messages from users.
    pub inbound: u64,
    /// Messages from the business by final status: failed, sent (never delivered),
    /// delivered, read.
    pub outbound_by_status: [u64; 4],
    /// Templates sent: marketing, utility, authentication.
    pub templates: [u64; 3],
    /// Free-form messages sent (reactions, Business Agent replies and messages to groups
    /// included).
    pub free_form: u64,
    /// Replies sent by the business's own automation (a simulated bot), for a cost per
    /// automated reply.
    pub automated_replies: u64,
    /// Contacts with at least one message (either way) in the month.
    pub active_contacts: u64,
    /// Distinct (contact, day) pairs with a free-form message from the business: Callbell's
    /// "active conversation".
    pub service_days: u64,
    /// Business numbers with at least one message in the month.
    pub businesses: BTreeSet<BusinessId>,
    /// Active contacts and customer conversations by the contact's market: what cost per
    /// contact and per conversation divide by.
    pub by_market: BTreeMap<MarketId, MarketActivity>,
}

/// Contacts and customer conversations of one market in a month.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MarketActivity {
    /// (Business number, contact) pairs with at least one message in the month.
    pub contacts: u64,
    /// Customer conversations started in the month: a customer's message while no customer
    /// service window of theirs was open (none of their messages in the previous 24 h).
    pub conversations: u64,
}

impl MarketActivity {
    /// Adds another part's counts.
    pub fn merge(&mut self, other: &MarketActivity) {
        self.contacts += other.contacts;
        self.conversations += other.conversations;
    }
}

impl MonthUsage {
    /// Outbound messages in all.
    pub fn outbound(&self) -> u64 {
        self.outbound_by_status.iter().sum()
    }

    /// Outbound messages that ended with this status.
    pub fn with_status(&self, status: Status) -> u64 {
        self.outbound_by_status[status_index(status)]
    }

    /// Adds another month's counts (for runs split over threads or files).
    pub fn merge(&mut self, other: &MonthUsage) {
        self.inbound += other.inbound;
        for i in 0..4 {
            self.outbound_by_status[i] += other.outbound_by_status[i];
        }
        for i in 0..3 {
            self.templates[i] += other.templates[i];
        }
        self.free_form += other.free_form;
        self.automated_replies += other.automated_replies;
        self.active_contacts += other.active_contacts;
        self.service_days += other.service_days;
        self.businesses.extend(other.businesses.iter().copied());
        for (m, a) in &other.by_market {
            self.by_market.entry(*m).or_default().merge(a);
        }
    }
}

/// Index of a status in [`MonthUsage::outbound_by_status`].
pub fn status_index(status: Status) -> usize {
    match status {
        Status::Failed => 0,
        Status::Sent => 1,
        Status::Delivered => 2,
        Status::Read => 3,
    }
}

/// Usage by month, `(year, month)` keys.
pub type Usage = BTreeMap<(i32, u32), MonthUsage>;
