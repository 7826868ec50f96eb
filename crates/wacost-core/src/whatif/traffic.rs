//! What-ifs on the traffic: which messages each one changes, and how (see
//! [`super::WhatIf`]). Each reads the message lines of a pricing of the log (what was sent,
//! when, to whom, delivered or not) and the customers' own messages, and returns an
//! [`Edit`] per message it changes.

use rustc_hash::FxHashMap;

use super::messages::Edit;
use crate::calendar::Month;
use crate::charge::Charge;
use crate::classify::HOUR_MS;
use crate::event::{BusinessId, Direction, Event, MessageKind};
use crate::period::Period;
use crate::pricing::RateBook;
use crate::pricing::category::Category;
use crate::pricing::phone::ContactNumber;

/// The edits of a what-if, by message line, and how many of the edited messages are dated
/// in the period reported.
#[derive(Default)]
pub(crate) struct Selection {
    pub(crate) edits: FxHashMap<u32, Edit>,
    pub(crate) in_period: u64,
}

impl Selection {
    fn add(&mut self, j: usize, c: &Charge, edit: Edit, period: &Period) {
        self.edits.insert(j as u32, edit);
        if period.contains(c.date) {
            self.in_period += 1;
        }
    }
}

/// Utility templates sent outside a customer service window to a contact who wrote within
/// the next `hours` hours, delivered: moved to [`super::HELD_BACK_MS`] after that message, where
/// the window it opens holds them.
pub(crate) fn utility_in_window(
    events: &[Event],
    lines: &[Charge],
    book: &RateBook,
    hours: u32,
    period: &Period,
) -> Selection {
    // Meta: the customer service window lasts 24 h from the customer's last message.
    let window = i64::from(book.regimes.windows.customer_service_hours) * HOUR_MS;
    let wait = i64::from(hours) * HOUR_MS;
    let mut inbound: FxHashMap<(BusinessId, ContactNumber), Vec<i64>> = FxHashMap::default();
    for ev in events.iter().filter(|e| e.direction == Direction::Inbound) {
        inbound
            .entry((ev.business, ev.contact))
            .or_default()
            .push(ev.time_ms);
    }
    let mut s = Selection::default();
    for (j, c) in lines.iter().enumerate() {
        let utility = c.offer == Some(MessageKind::Template(Category::Utility));
        let delivered = c.status.is_some_and(|st| st.delivered());
        let (Some(contact), true) = (c.contact, utility && delivered) else {
            continue;
        };
        let Some(times) = inbound.get(&(c.business, contact)) else {
            continue;
        };
        let t = c.time_ms;
        let after = times.partition_point(|x| *x <= t);
        let in_window = after > 0 && t - times[after - 1] < window;
        if in_window {
            continue;
        }
        if let Some(next) = times.get(after).filter(|n| **n - t <= wait) {
            s.add(j, c, Edit::Move(next - t + super::HELD_BACK_MS), period);
        }
    }
    s
}

/// Marketing templates to a contact (business number and customer) beyond the first
/// `per_month` sent to them in a calendar month: not sent.
pub(crate) fn fewer_marketing(lines: &[Charge], per_month: u32, period: &Period) -> Selection {
    let mut sent: FxHashMap<(BusinessId, ContactNumber, Month), u32> = FxHashMap::default();
    let mut s = Selection::default();
    for (j, c) in lines.iter().enumerate() {
        let Some(contact) = c.contact else { continue };
        if c.offer != Some(MessageKind::Template(Category::Marketing)) {
            continue;
        }
        let n = sent
            .entry((c.business, contact, Month::of(c.date)))
            .or_default();
        *n += 1;
        if *n > per_month {
            s.add(j, c, Edit::Drop, period);
        }
    }
    s
}

/// Free-form replies a person wrote (delivered or not, not rejected by Meta) written by
/// Meta's Business Agent instead, `tokens` each: priced per token, never free in a window.
pub(crate) fn agent_replies(lines: &[Charge], tokens: u32, period: &Period) -> Selection {
    let mut s = Selection::default();
    for (j, c) in lines.iter().enumerate() {
        if c.offer == Some(MessageKind::FreeForm) && !c.flags.rejected_free_form {
            s.add(
                j,
                c,
                Edit::Retype(MessageKind::BusinessAgent, Some(tokens)),
                period,
            );
        }
    }
    s
}

/// Business Agent replies written by the business's own people (or bot) instead: priced as
/// free-form service messages.
pub(crate) fn service_replies(lines: &[Charge], period: &Period) -> Selection {
    let mut s = Selection::default();
    for (j, c) in lines.iter().enumerate() {
        if c.offer == Some(MessageKind::BusinessAgent) {
            s.add(j, c, Edit::Retype(MessageKind::FreeForm, None), period);
        }
    }
    s
}
