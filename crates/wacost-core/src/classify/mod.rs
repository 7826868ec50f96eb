//! classify: the per-(business number, contact) window state machine that turns each
//! outbound message into a [`Charge`].
//!
//! For every contact it keeps only a few timestamps: the last inbound message (customer
//! service window, 24 h), a pending ad or Page-button message and the free entry point window
//! it may open (72 h), and under CBP the open conversation of each category (24 h). Memory is
//! proportional to active contacts, not messages. Events must arrive in time order.
//!
//! Rows that share a message id are one message: its status is the best any row reports
//! (`read` ⇒ delivered). An outbound message whose only status so far is `sent` is held, with
//! the contact's later events behind it, until a final status arrives or the status horizon
//! (24 h of log time) passes; a duplicate row, or a status row for a message already priced,
//! is counted and dropped, never charged twice.
//!
//! # Ids remembered, late statuses
//!
//! A contact's ids of the last week (the dedup horizon, log time) are kept in its state; older
//! ones go to a bounded memory shared by all contacts ([`ids`], at most
//! [`ClassifyConfig::id_memory`] ids, 4,194,304 by default), so that a status arriving weeks
//! after its message (a `read` receipt) is counted as a late status, never charged. Past that
//! bound the oldest ids are forgotten (counted in [`ClassifyStats::forgotten_ids`]): a status
//! for one of them would be priced as a new message.
//!
//! A message released at the status horizon while still only `sent` is priced as not
//! delivered, whatever other rows of the contact came meanwhile. Should its own delivery
//! report arrive later, a [`LineKind::LateDelivery`] line adds what it costs delivered (the
//! line it would have had then), so that the lines still add up to the total and the message
//! is charged once, as Meta charges every delivered message; the count is in
//! [`ClassifyStats::late_deliveries`]. What the delivery would have changed for the contact's
//! later messages (a free entry point window it would have opened, a CBP conversation) is not
//! redone. At most [`ids::MAX_AWAITING`] messages wait for such a report at once.
//!
//! # Messages that cannot be priced
//!
//! A message sent when no rules or card are in force, or charged in a market and category its
//! card has no rate for, is a [`ClassifyError`] naming market, category and date (and the
//! row, when the caller said where events come from: [`Classifier::push_all_at`]). With
//! [`ClassifyConfig::skip_unpriceable`] it is set aside instead ([`Classifier::take_set_aside`])
//! and classification goes on as if it had not been sent; with [`MissingRate::Zero`] a
//! missing rate prices the message at 0, flagged and counted ([`ClassifyStats::missing_rate`]).

use chrono::{DateTime, Datelike, NaiveDate};
use chrono_tz::Tz;
use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use crate::calendar;
use crate::charge::{Charge, Flags, LineKind};
use crate::event::{BusinessId, Direction, Event, MessageKind};
use crate::money::Currency;
use crate::pricing::category::{Category, PricingModel, PricingType, Provenance};
use crate::pricing::market::MarketId;
use crate::pricing::phone::{ContactNumber, Country};
use crate::pricing::price::price_message;
use crate::pricing::regime::Regime;
use crate::pricing::rules::{Situation, decide};
use crate::pricing::{BusinessProfile, PricingError, RateBook};
use crate::usage::{MonthUsage, Usage, status_index};

mod contacts;
pub mod facts;
pub mod ids;

use contacts::{ContactIndex, MAX_CONTACTS, huge_pages, prefetch};
pub use facts::RuleFacts;
use ids::{Awaiting, IdMemory};

/// Settings of a classification run.
#[derive(Clone, Copy, Debug)]
pub struct ClassifyConfig {
    /// Which cards price the messages.
    pub currency: Currency,
    /// The WABA's time zone.
    pub timezone: Tz,
    /// The business, for authentication-international.
    pub profile: BusinessProfile,
    /// How long a `sent` message waits for a delivery report (milliseconds of log time).
    pub status_horizon_ms: i64,
    /// How long a message id is kept in its contact's state to drop duplicates (milliseconds
    /// of log time); older ids go to the shared memory of [`ClassifyConfig::id_memory`].
    pub dedup_horizon_ms: i64,
    /// The most ids remembered beyond the dedup horizon (see the [module docs](self)).
    pub id_memory: usize,
    /// What a charged message in a market and category its card has no rate for is.
    pub missing_rate: MissingRate,
    /// Set aside a message that cannot be priced ([`Classifier::take_set_aside`]) instead of
    /// stopping.
    pub skip_unpriceable: bool,
}

/// What a charged message whose card has no rate for its market and category becomes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MissingRate {
    /// An error naming market, category and date: the total would be understated.
    #[default]
    Error,
    /// Priced at 0, flagged on its line and counted, as the user asked.
    Zero,
}

/// An hour, in the milliseconds event times are kept in.
pub const HOUR_MS: i64 = 3_600_000;

impl Default for ClassifyConfig {
    fn default() -> Self {
        ClassifyConfig {
            currency: Currency::USD,
            timezone: chrono_tz::UTC,
            profile: BusinessProfile::default(),
            status_horizon_ms: 24 * HOUR_MS,
            dedup_horizon_ms: 7 * 24 * HOUR_MS,
            id_memory: ids::DEFAULT_ID_MEMORY,
            missing_rate: MissingRate::Error,
            skip_unpriceable: false,
        }
    }
}

/// Counts a run's summary reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClassifyStats {
    /// Inbound messages.
    pub inbound: u64,
    /// Outbound messages priced (one line each).
    pub outbound: u64,
    /// Rows dropped as duplicates of a message already seen: status rows of a message (late
    /// ones included) and repeated rows. Every event is counted once, in `inbound`,
    /// `outbound`, `duplicates` or `set_aside`.
    pub duplicates: u64,
    /// Of the duplicates, status rows whose message left its contact's recent ids (older
    /// than the dedup horizon): counted once, never charged again.
    pub late_status: u64,
    /// Delivery reports that came after their message was priced as not delivered: each
    /// added a [`LineKind::LateDelivery`] line (they are counted in `duplicates` too).
    pub late_deliveries: u64,
    /// Free-form messages outside any window (Meta rejects them; not charged).
    pub rejected_free_form: u64,
    /// Charged messages whose card has no rate for the market and category, priced at 0
    /// ([`MissingRate::Zero`]).
    pub missing_rate: u64,
    /// Messages priced with an estimated rate.
    pub estimated_rates_used: u64,
    /// Events that could not be priced, set aside ([`ClassifyConfig::skip_unpriceable`]).
    pub set_aside: u64,
    /// Message ids forgotten because the id memory was full (see the [module docs](self)).
    pub forgotten_ids: u64,
    /// Messages no longer waiting for a late delivery report because too many were.
    pub awaiting_given_up: u64,
}

const NONE: i64 = i64::MIN;
/// Contacts the state vector has room for before it first grows: its memory is only taken
/// from the system as states are written.
const INITIAL_CONTACTS: usize = 1 << 16;
/// Recent message ids kept inside a contact's state before they spill to the heap: a week
/// of a typical contact's messages.
const RECENT_INLINE: usize = 4;
const SLOTS: usize = 3;

fn slot(category: Category) -> usize {
    match category.base() {
        Category::Marketing => 0,
        Category::Utility => 1,
        Category::Authentication | Category::AuthenticationInternational => 2,
        _ => 3,
    }
}

/// What is remembered of one (business number, contact) pair. Kept small (128 bytes): a log
/// of a million contacts keeps a million of these. Conversations (CBP only) and held messages
/// are boxed, so contacts that have none pay 8 bytes for each. Aligned to cache lines, so
/// that a state is exactly the two lines [`Classifier::push_all`] fetches ahead.
#[repr(align(64))]
struct ContactState {
    last_inbound: i64,
    ad_inbound: i64,
    fep_until: i64,
    /// A fingerprint of the last row without a message id (to drop an identical row that
    /// follows it).
    last_fingerprint: u32,
    /// The minute the open (or last) free entry point window would end if it lasted the
    /// longest Meta says it may (7 days from about 2026-09-30) instead of the assumed 72 h;
    /// 0 when Meta reported the window's end, or when the two are the same.
    fep_stretch: u32,
    /// Message ids seen in the last week (log time), oldest first; a few inline, so that
    /// checking a message for a duplicate reads the state already fetched.
    recent: SmallVec<[Seen; RECENT_INLINE]>,
    held: Option<Box<Vec<Held>>>,
    conversations: Option<Box<Conversations>>,
    /// The month this pair last counted as an active contact in, as year × 12 + month in
    /// 16 bits (distinct for every month before the year 5461).
    active_month: u16,
    /// The change of card, regime or market map `market` was found under.
    epoch: u16,
    service_day: i32,
    /// Message lines priced for this pair so far: the next one's position among the pair's
    /// messages, which orders a month's items at the same second for free allowances
    /// whatever order the log interleaved contacts in.
    messages: u32,
    country: Country,
    market: MarketId,
}

impl ContactState {
    fn new(country: Country) -> ContactState {
        ContactState {
            last_inbound: NONE,
            ad_inbound: NONE,
            fep_until: NONE,
            last_fingerprint: 0,
            fep_stretch: 0,
            recent: SmallVec::new(),
            held: None,
            conversations: None,
            active_month: 0,
            epoch: u16::MAX,
            service_day: i32::MIN,
            messages: 0,
            country,
            market: MarketId(0),
        }
    }

    fn holding(&self) -> bool {
        self.held.as_ref().is_some_and(|h| !h.is_empty())
    }

    /// Whether a conversation of this slot is open at `t` (CBP).
    fn open(&self, slot: usize, t: i64) -> bool {
        self.conversations
            .as_ref()
            .is_some_and(|c| c.until[slot] > t)
    }
}

/// An event held until its message's status is known, and where it was read.
struct Held {
    event: Event,
    row: u64,
}

/// The open CBP conversation of each category: until when, and its id.
struct Conversations {
    until: [i64; SLOTS + 1],
    id: [u64; SLOTS + 1],
}

/// A message id seen recently: its 64-bit hash and the minute it was seen (12 bytes, so a
/// contact's week of ids stays small).
#[derive(Clone, Copy)]
struct Seen {
    hash: [u32; 2],
    minute: u32,
}

impl Seen {
    fn new(hash: u64, time: i64) -> Seen {
        Seen {
            hash: [(hash >> 32) as u32, hash as u32],
            minute: minute(time),
        }
    }

    fn is(&self, hash: u64) -> bool {
        self.hash == [(hash >> 32) as u32, hash as u32]
    }

    fn hash(&self) -> u64 {
        (u64::from(self.hash[0]) << 32) | u64::from(self.hash[1])
    }
}

/// Minutes since 1970 of an instant in milliseconds (clamped to what a `u32` holds: until
/// the year 10136).
fn minute(time_ms: i64) -> u32 {
    time_ms.div_euclid(60_000).clamp(0, i64::from(u32::MAX)) as u32
}

/// The local day an instant falls in, and what is in force on it.
#[derive(Clone, Copy)]
struct Day {
    start: i64,
    end: i64,
    date: NaiveDate,
    /// `date` as (year, month), and as days since the common era.
    month: (i32, u32),
    day_number: i32,
    epoch: u16,
    card: usize,
    regime: usize,
    /// The regime's window lengths, in milliseconds.
    windows: Windows,
}

/// The classifier: feed it events in time order with [`Classifier::push`], then call
/// [`Classifier::finish`].
pub struct Classifier<'a> {
    /// Where each contact's state is in `states`: a small table entry (16 bytes) and a dense
    /// vector, rather than the states inside a map, whose spare capacity would double them.
    index: ContactIndex,
    states: Vec<ContactState>,
    engine: Engine<'a>,
}

/// Everything but the per-contact states, so a state can be borrowed while the engine works.
struct Engine<'a> {
    book: &'a RateBook,
    config: ClassifyConfig,
    cards: Vec<&'a crate::pricing::ratecard::RateCard>,
    change_dates: Vec<NaiveDate>,
    day: Option<Day>,
    next_conversation: u64,
    stats: ClassifyStats,
    /// Usage by month, in the order months were first seen (a log spans few), with the
    /// month the last event counted in, and the last business number counted there.
    months: Vec<((i32, u32), MonthUsage)>,
    current_month: usize,
    counted_business: Option<(usize, BusinessId)>,
    countries: FxHashMap<u64, Country>,
    facts: RuleFacts,
    /// Ids older than the dedup horizon.
    ids: IdMemory,
    /// Messages priced as not delivered that a late delivery report would charge.
    awaiting: Awaiting,
    /// Events that could not be priced, set aside.
    set_aside: Vec<ClassifyError>,
}

/// A regime's window lengths, in milliseconds.
#[derive(Clone, Copy)]
struct Windows {
    csw: i64,
    fep_reply: i64,
    fep: i64,
    /// The longest a free entry point window may last (at least `fep`).
    fep_longest: i64,
    conversation: i64,
}

impl Windows {
    fn of(w: &crate::pricing::regime::Windows) -> Windows {
        Windows {
            csw: i64::from(w.customer_service_hours) * HOUR_MS,
            fep_reply: i64::from(w.free_entry_point_reply_hours) * HOUR_MS,
            fep: i64::from(w.free_entry_point_hours) * HOUR_MS,
            fep_longest: i64::from(w.free_entry_point_longest_hours()) * HOUR_MS,
            conversation: i64::from(w.conversation_hours) * HOUR_MS,
        }
    }
}

/// A message that cannot be priced at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}message at {time}: {source}", .at.as_ref().map(|a| format!("{a}: ")).unwrap_or_default())]
pub struct ClassifyError {
    /// When the message was sent (RFC 3339).
    pub time: String,
    /// Why it cannot be priced.
    pub source: PricingError,
    /// Where the event came from, as the caller tagged it ([`Classifier::push_all_at`]).
    pub row: Option<u64>,
    /// Where the event was read (`file:line`, `file: byte N`), when the caller tells
    /// ([`ClassifyError::read_at`]): the message starts with it.
    pub at: Option<String>,
}

impl ClassifyError {
    fn new(time_ms: i64, source: PricingError, row: u64) -> ClassifyError {
        ClassifyError {
            time: DateTime::from_timestamp_millis(time_ms)
                .unwrap_or_default()
                .to_rfc3339(),
            source,
            row: (row != 0).then_some(row),
            at: None,
        }
    }

    /// The same error, read at `at` (`file:line`).
    pub fn read_at(mut self, at: impl Into<String>) -> ClassifyError {
        self.at = Some(at.into());
        self
    }

    /// Whether the message may be set aside and the run go on (else the run cannot go on:
    /// too many contacts).
    pub fn can_set_aside(&self) -> bool {
        !matches!(self.source, PricingError::TooManyContacts { .. })
    }
}

impl<'a> Classifier<'a> {
    /// A classifier over a rate book.
    pub fn new(book: &'a RateBook, config: ClassifyConfig) -> Classifier<'a> {
        let engine = Engine {
            book,
            config,
            cards: book.cards_of(config.currency).collect(),
            change_dates: book.change_dates(config.currency),
            day: None,
            next_conversation: 1,
            stats: ClassifyStats::default(),
            months: Vec::new(),
            current_month: 0,
            counted_business: None,
            countries: FxHashMap::default(),
            facts: RuleFacts::default(),
            ids: IdMemory::new(config.id_memory.max(2)),
            awaiting: Awaiting::default(),
            set_aside: Vec::new(),
        };
        Classifier {
            index: ContactIndex::new(),
            states: Vec::with_capacity(INITIAL_CONTACTS),
            engine,
        }
    }

    /// The counts so far.
    pub fn stats(&self) -> ClassifyStats {
        ClassifyStats {
            forgotten_ids: self.engine.ids.forgotten(),
            awaiting_given_up: self.engine.awaiting.given_up(),
            ..self.engine.stats
        }
    }

    /// The events set aside so far because they cannot be priced
    /// ([`ClassifyConfig::skip_unpriceable`]), taken: each a [`ClassifyError`] with its row.
    pub fn take_set_aside(&mut self) -> Vec<ClassifyError> {
        std::mem::take(&mut self.engine.set_aside)
    }

    /// What the rules of 2026 did so far, and what the total rests on.
    pub fn facts(&self) -> RuleFacts {
        self.engine.facts.clone()
    }

    /// Message counts by month, for providers' fees.
    pub fn usage(&self) -> Usage {
        self.engine.months.iter().cloned().collect()
    }

    /// How many contacts have state.
    pub fn contacts(&self) -> usize {
        self.states.len()
    }

    /// Takes one event; every charge it settles is passed to `out`.
    pub fn push(&mut self, ev: &Event, out: &mut impl FnMut(&Charge)) -> Result<(), ClassifyError> {
        self.push_at(ev, 0, out)
    }

    /// [`Classifier::push`], with a tag saying where the event was read (any non-zero
    /// number the caller can map back to its row): an error about the event carries it.
    pub fn push_at(
        &mut self,
        ev: &Event,
        row: u64,
        out: &mut impl FnMut(&Charge),
    ) -> Result<(), ClassifyError> {
        let at = self.position(ev, row)?;
        self.engine.push_to(&mut self.states[at], ev, row, out)
    }

    /// Takes events in time order, as [`Classifier::push`] one by one would, faster: while
    /// it prices one event it starts fetching from memory what the next ones need (their
    /// table slot 16 events ahead, their state 8 ahead, their recent message ids 3 ahead),
    /// so that the waits for memory overlap instead of queueing. With a million contacts
    /// nearly every event's state is a cache miss.
    pub fn push_all(
        &mut self,
        events: &[Event],
        out: &mut impl FnMut(&Charge),
    ) -> Result<(), ClassifyError> {
        self.push_all_at(events, &[], out)
    }

    /// [`Classifier::push_all`], with the tags of [`Classifier::push_at`]: `rows[i]` for
    /// `events[i]` (0, or a missing tag, for none).
    pub fn push_all_at(
        &mut self,
        events: &[Event],
        rows: &[u64],
        out: &mut impl FnMut(&Charge),
    ) -> Result<(), ClassifyError> {
        const SLOT_AHEAD: usize = 16;
        const STATE_AHEAD: usize = 8;
        const IDS_AHEAD: usize = 3;
        // Positions found STATE_AHEAD events early, by event index mod 16 (positions never
        // move, so one found early is still right; a contact new then is looked up again).
        let mut found = [None::<usize>; 16];
        for (i, ev) in events.iter().enumerate() {
            if let Some(e) = events.get(i + SLOT_AHEAD) {
                prefetch(self.index.slot_address(e.business, e.contact));
            }
            if let Some(e) = events.get(i + STATE_AHEAD) {
                let at = self.index.get(e.business, e.contact);
                if let Some(at) = at {
                    let p: *const ContactState = &self.states[at];
                    prefetch(p.cast());
                    prefetch(p.cast::<u8>().wrapping_add(64));
                }
                found[(i + STATE_AHEAD) % 16] = at;
            }
            if i + IDS_AHEAD < events.len()
                && let Some(at) = found[(i + IDS_AHEAD) % 16]
            {
                let ahead = &events[i + IDS_AHEAD];
                let recent = &self.states[at].recent;
                if recent.spilled()
                    && let Some(seen) = recent.first()
                {
                    prefetch((seen as *const Seen).cast());
                }
                // An id not among the recent ones is looked up in the older ones.
                if !self.engine.ids.is_empty()
                    && let Some(id) = ahead.message_id
                {
                    let key = ids::key(id.hash64(), ahead.business, ahead.contact);
                    for a in self.engine.ids.addresses(key).into_iter().flatten() {
                        prefetch(a);
                    }
                }
            }
            let row = rows.get(i).copied().unwrap_or(0);
            let at = match found[i % 16].take() {
                Some(at) => at,
                None => self.position(ev, row)?,
            };
            self.engine.push_to(&mut self.states[at], ev, row, out)?;
        }
        Ok(())
    }

    /// Where the state of the event's (business, contact) is, made when new.
    fn position(&mut self, ev: &Event, row: u64) -> Result<usize, ClassifyError> {
        let Some((at, new)) = self.index.get_or_insert(ev.business, ev.contact) else {
            let source = PricingError::TooManyContacts {
                limit: MAX_CONTACTS,
            };
            return Err(ClassifyError::new(ev.time_ms, source, row));
        };
        if new {
            let country = self.engine.country(ev.contact);
            if self.states.len() == self.states.capacity() {
                self.states.reserve(self.states.len().max(1024));
                let bytes = self.states.capacity() * size_of::<ContactState>();
                huge_pages(self.states.as_ptr().cast(), bytes);
            }
            self.states.push(ContactState::new(country));
        }
        Ok(at)
    }

    /// Prices every held message (end of input), contacts in the order of their first held
    /// message, then of their key (so that the order the log interleaved contacts in does
    /// not matter).
    pub fn finish(&mut self, out: &mut impl FnMut(&Charge)) -> Result<(), ClassifyError> {
        let mut order: Vec<(i64, BusinessId, ContactNumber, usize)> = self
            .states
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                let first = &s.held.as_ref()?.first()?.event;
                Some((first.time_ms, first.business, first.contact, i))
            })
            .collect();
        order.sort();
        for (_, _, _, i) in order {
            let state = &mut self.states[i];
            if let Some(held) = state.held.take() {
                // The input is over: no later status can come.
                for h in held.iter() {
                    self.engine
                        .classify_or_set_aside(state, &h.event, h.row, false, out)?;
                }
            }
        }
        Ok(())
    }
}

impl Engine<'_> {
    fn push_to(
        &mut self,
        state: &mut ContactState,
        ev: &Event,
        row: u64,
        out: &mut impl FnMut(&Charge),
    ) -> Result<(), ClassifyError> {
        match ev.message_id {
            Some(id) => {
                if let Some(held) = state
                    .held
                    .as_mut()
                    .and_then(|h| h.iter_mut().find(|h| h.event.message_id == Some(id)))
                {
                    let held = &mut held.event;
                    held.status = held.status.merge(ev.status);
                    if held.verdict.is_none() {
                        held.verdict = ev.verdict;
                    }
                    if held.details.free_entry_point_end.is_none() {
                        held.details.free_entry_point_end = ev.details.free_entry_point_end;
                    }
                    self.stats.duplicates += 1;
                    return self.release(state, ev.time_ms, out);
                }
                let h = id.hash64();
                if state.recent.iter().any(|s| s.is(h)) {
                    self.stats.duplicates += 1;
                    return self.late_report(ids::key(h, ev.business, ev.contact), ev, row, out);
                }
                let key = ids::key(h, ev.business, ev.contact);
                if !self.ids.is_empty() && self.ids.contains(key) {
                    self.stats.duplicates += 1;
                    self.stats.late_status += 1;
                    return self.late_report(key, ev, row, out);
                }
                // Ids arrive in time order, so the oldest is first: move the ids older than
                // the horizon to the shared memory only when there are some.
                let horizon = minute(ev.time_ms.saturating_sub(self.config.dedup_horizon_ms));
                if state.recent.first().is_some_and(|s| s.minute < horizon) {
                    for s in state.recent.iter().filter(|s| s.minute < horizon) {
                        self.ids.insert(ids::key(s.hash(), ev.business, ev.contact));
                    }
                    state.recent.retain(|s| s.minute >= horizon);
                }
                state.recent.push(Seen::new(h, ev.time_ms));
            }
            None => {
                let fp = fingerprint(ev);
                if fp == state.last_fingerprint {
                    self.stats.duplicates += 1;
                    return Ok(());
                }
                state.last_fingerprint = fp;
            }
        }
        let hold =
            ev.direction == Direction::Outbound && !ev.status.is_final() && ev.message_id.is_some();
        if hold || state.holding() {
            state
                .held
                .get_or_insert_default()
                .push(Held { event: *ev, row });
            return self.release(state, ev.time_ms, out);
        }
        self.classify_or_set_aside(state, ev, row, false, out)
    }

    /// A status row of a message already priced: a delivery report for a message priced as
    /// not delivered adds the line it has delivered; anything else only counts.
    fn late_report(
        &mut self,
        key: u64,
        ev: &Event,
        row: u64,
        out: &mut impl FnMut(&Charge),
    ) -> Result<(), ClassifyError> {
        if !ev.status.delivered() || self.awaiting.is_empty() {
            return Ok(());
        }
        let Some(mut line) = self.awaiting.delivered(key) else {
            return Ok(());
        };
        if line.flags.missing_rate && self.config.missing_rate == MissingRate::Error {
            let source = PricingError::NoRate {
                market: self.book.names.name(line.market).to_string(),
                category: line.category,
                currency: line.currency,
                date: line.date,
                card: line.card,
            };
            let e = ClassifyError::new(line.time_ms, source, row);
            if !self.config.skip_unpriceable {
                return Err(e);
            }
            // The row is set aside rather than counted as a status row.
            self.stats.duplicates -= 1;
            self.stats.set_aside += 1;
            self.set_aside.push(e);
            return Ok(());
        }
        if line.flags.missing_rate {
            self.stats.missing_rate += 1;
        }
        line.status = Some(ev.status);
        self.stats.late_deliveries += 1;
        out(&line);
        Ok(())
    }

    fn release(
        &mut self,
        state: &mut ContactState,
        now: i64,
        out: &mut impl FnMut(&Charge),
    ) -> Result<(), ClassifyError> {
        let Some(mut held) = state.held.take() else {
            return Ok(());
        };
        let mut ready = 0;
        let mut result = Ok(());
        for front in held.iter() {
            let ev = &front.event;
            let due = ev.direction == Direction::Inbound
                || ev.status.is_final()
                || now.saturating_sub(ev.time_ms) >= self.config.status_horizon_ms;
            if !due {
                break;
            }
            ready += 1;
            // Released at the horizon, still `sent`: its own delivery report may yet come.
            let awaiting = ev.direction == Direction::Outbound && !ev.status.is_final();
            result = self.classify_or_set_aside(state, ev, front.row, awaiting, out);
            if result.is_err() {
                break;
            }
        }
        held.drain(..ready);
        // A contact with nothing held gives its buffer back: memory follows what is pending.
        if !held.is_empty() {
            state.held = Some(held);
        }
        result
    }

    /// [`Engine::classify`], setting the event aside instead of failing when it cannot be
    /// priced and the configuration says so.
    fn classify_or_set_aside(
        &mut self,
        state: &mut ContactState,
        ev: &Event,
        row: u64,
        awaiting: bool,
        out: &mut impl FnMut(&Charge),
    ) -> Result<(), ClassifyError> {
        match self.classify(state, ev, row, awaiting, out) {
            Err(e) if self.config.skip_unpriceable && e.can_set_aside() => {
                self.stats.set_aside += 1;
                self.set_aside.push(e);
                Ok(())
            }
            r => r,
        }
    }

    fn day_of(&mut self, t: i64) -> Result<Day, ClassifyError> {
        if let Some(d) = self.day {
            if t >= d.start && t < d.end {
                return Ok(d);
            }
        }
        let tz = self.config.timezone;
        let date = calendar::local_date(tz, t.div_euclid(1000));
        let start = calendar::local_midnight(tz, date) * 1000;
        let end = date
            .succ_opt()
            .map_or(t + 1, |next| calendar::local_midnight(tz, next) * 1000)
            .max(t + 1);
        let err = |source| ClassifyError::new(t, source, 0);
        let regime_ref = self.book.regime_at(date).map_err(err)?;
        let regime = self
            .book
            .regimes
            .all()
            .iter()
            .position(|r| std::ptr::eq(r, regime_ref))
            .unwrap_or(0);
        let card = self
            .cards
            .iter()
            .rposition(|c| c.effective <= date)
            .ok_or_else(|| {
                err(PricingError::NoCard {
                    currency: self.config.currency,
                    date,
                    first: self
                        .cards
                        .first()
                        .map_or("never".to_string(), |c| c.effective.to_string()),
                })
            })?;
        // A book has a few dozen change dates; u16::MAX is "not found yet".
        let epoch = u16::try_from(self.change_dates.partition_point(|d| *d <= date))
            .unwrap_or(u16::MAX - 1);
        let day = Day {
            start: start.min(t),
            end,
            date,
            month: (date.year(), date.month()),
            day_number: date.num_days_from_ce(),
            epoch,
            card,
            regime,
            windows: Windows::of(&regime_ref.windows),
        };
        self.day = Some(day);
        Ok(day)
    }

    /// Prices one event (it is due: final status, or released at the horizon, or the input
    /// is over). Nothing of the contact's state changes when it cannot be priced. With
    /// `awaiting`, a message priced as not delivered may still get its delivery report: the
    /// line it would then have is kept ([`Awaiting`]).
    fn classify(
        &mut self,
        state: &mut ContactState,
        ev: &Event,
        row: u64,
        awaiting: bool,
        out: &mut impl FnMut(&Charge),
    ) -> Result<(), ClassifyError> {
        let t = ev.time_ms;
        let day = self.day_of(t).map_err(|e| ClassifyError {
            row: (row != 0).then_some(row),
            ..e
        })?;
        if state.epoch != day.epoch {
            state.market = self
                .book
                .markets
                .market_of(state.country, day.date, &self.book.names);
            state.epoch = day.epoch;
        }
        if ev.direction == Direction::Inbound {
            self.count_usage(state, ev, day);
            self.stats.inbound += 1;
            state.last_inbound = t;
            if ev.entry_point.is_some() && state.fep_until <= t {
                state.ad_inbound = t;
            }
            return Ok(());
        }
        let regime: &Regime = &self.book.regimes.all()[day.regime];
        let card = self.cards[day.card];
        let w = day.windows;
        let offer = ev.kind;
        let delivered = ev.status.delivered();
        let in_service_window =
            state.last_inbound != NONE && t >= state.last_inbound && t - state.last_inbound < w.csw;
        let in_open_free_entry_point = state.fep_until != NONE && t < state.fep_until;
        // Meta: answering an ad or Page-button message within 24 h opens a free entry point
        // window (72 h, "up to 7 days" for ads from about 2026-09-30), starting at the
        // answer, if the answer is delivered. An ad message while a window is open neither
        // extends nor restarts it.
        let answers_ad = !in_open_free_entry_point
            && !offer.is_group()
            && state.ad_inbound != NONE
            && t >= state.ad_inbound
            && t - state.ad_inbound < w.fep_reply;
        let opens_free_entry_point = answers_ad && delivered;
        // Meta's own end of the window, where a status webhook reported it: it replaces the
        // assumed length.
        let meta_end = ev
            .details
            .free_entry_point_end
            .filter(|_| regime.model == PricingModel::Pmp && !offer.is_group())
            .map(|end| i64::from(end) * 1000)
            .filter(|end| *end > t);
        let in_free_entry_point =
            in_open_free_entry_point || opens_free_entry_point || meta_end.is_some();
        // After the assumed end, before the longest Meta allows: the price depends on it.
        let fep_assumed_over = !in_free_entry_point
            && state.fep_stretch != 0
            && state.fep_until != NONE
            && t >= state.fep_until
            && minute(t) < state.fep_stretch;
        let own = slot(offer.category());
        let cbp = regime.model == PricingModel::Cbp;
        let open_same = cbp && state.open(own, t);
        let open_any = cbp && (0..=SLOTS).any(|s| state.open(s, t));
        let service_exempt = self.config.profile.service_exempt
            && regime
                .service_exemption
                .as_ref()
                .is_some_and(|e| e.applies(regime.from, day.date));
        let situation = Situation {
            in_service_window,
            in_free_entry_point,
            conversation_open_same: open_same,
            conversation_open_any: open_any,
            delivered,
            service_exempt,
        };
        let decision = decide(regime, offer, situation);
        let priced = price_message(
            self.book,
            regime,
            card,
            &decision,
            offer,
            &ev.details,
            state.market,
            state.country,
            &self.config.profile,
            day.date,
        );
        // A charged message without a rate is an error naming market, category and date,
        // unless the user asked for it to be priced at 0.
        if priced.missing_rate && self.config.missing_rate == MissingRate::Error {
            let source = PricingError::NoRate {
                market: self.book.names.name(state.market).to_string(),
                category: priced.category,
                currency: card.currency,
                date: day.date,
                card: card.effective,
            };
            return Err(ClassifyError::new(t, source, row));
        }
        // Priced: from here on the contact's state changes.
        self.count_usage(state, ev, day);
        if opens_free_entry_point {
            state.fep_until = t + w.fep;
            state.fep_stretch = if w.fep_longest > w.fep {
                minute(t + w.fep_longest)
            } else {
                0
            };
            state.ad_inbound = NONE;
        }
        if let Some(end) = meta_end {
            state.fep_until = end;
            state.fep_stretch = 0;
            state.ad_inbound = NONE;
            self.facts.meta_window_ends += 1;
        }
        let mut conversation = None;
        if let Some(c) = decision.opens_conversation {
            let s = slot(c);
            let open = state.conversations.get_or_insert_with(|| {
                Box::new(Conversations {
                    until: [NONE; SLOTS + 1],
                    id: [0; SLOTS + 1],
                })
            });
            open.until[s] = t + w.conversation;
            open.id[s] = self.next_conversation;
            self.next_conversation += 1;
            conversation = Some(open.id[s]);
        } else if decision.pricing_type == PricingType::InConversation {
            let s = if open_same {
                own
            } else {
                (0..=SLOTS).find(|s| state.open(*s, t)).unwrap_or(own)
            };
            conversation = state.conversations.as_ref().map(|c| c.id[s]);
        }
        let mut flags = Flags {
            rejected_free_form: decision.rejected,
            exempt: decision.exempt,
            ..Flags::default()
        };
        let (category, rate, provenance, amount, tokens) = (
            priced.category,
            priced.rate,
            priced.provenance,
            priced.amount,
            priced.tokens,
        );
        flags.missing_rate = priced.missing_rate;
        flags.auth_international_fallback = priced.auth_international_fallback;
        flags.default_tokens = priced.default_tokens;
        flags.max_price = priced.max_price;
        if priced.missing_rate {
            self.stats.missing_rate += 1;
        }
        if decision.charged && tokens.is_some() {
            let n = u64::from(tokens.unwrap_or(0));
            let f = &mut self.facts;
            f.business_agent_replies += 1;
            f.business_agent_tokens += n;
            f.business_agent_amount += amount;
            if priced.default_tokens {
                f.business_agent_default_tokens += 1;
                f.business_agent_default_amount += amount;
            }
        }
        if priced.max_price {
            self.facts.max_price_messages += 1;
            self.facts.max_price_amount += amount;
        }
        if priced.max_price_other_currency {
            self.facts.max_price_other_currency += 1;
        }
        if decision.charged && provenance == Some(Provenance::Estimated) {
            self.stats.estimated_rates_used += 1;
            let e = self
                .facts
                .estimated_by_market
                .entry(state.market)
                .or_default();
            *e += amount;
        }
        if decision.rejected {
            self.stats.rejected_free_form += 1;
        }
        if decision.exempt {
            self.facts.exempt_service += 1;
            self.facts.exempt_list_value += rate.unwrap_or_default();
        }
        if offer == MessageKind::Reaction && delivered && !decision.rejected {
            self.facts.reactions += 1;
        }
        if offer.is_group() && delivered {
            self.facts.group_deliveries += 1;
        }
        if fep_assumed_over && decision.charged {
            let longer = Situation {
                in_free_entry_point: true,
                ..situation
            };
            if !decide(regime, offer, longer).charged {
                self.facts.free_entry_point_at_stake += 1;
                self.facts.free_entry_point_at_stake_amount += amount;
                self.facts.free_entry_point_longest_hours = self
                    .facts
                    .free_entry_point_longest_hours
                    .max((w.fep_longest / HOUR_MS) as u32);
            }
        }
        self.count_shared_code(state, ev.contact, day.date);
        self.stats.outbound += 1;
        let position = state.messages;
        state.messages = state.messages.saturating_add(1);
        let line = Charge {
            kind: LineKind::Message,
            time_ms: t,
            date: day.date,
            business: ev.business,
            waba: ev.waba,
            contact: Some(ev.contact),
            position,
            message_id: ev.message_id,
            offer: Some(offer),
            status: Some(ev.status),
            model: regime.model,
            category,
            pricing_type: decision.pricing_type,
            market: state.market,
            country: state.country,
            rate,
            amount,
            quantity: 1,
            currency: card.currency,
            conversation,
            provenance,
            card: card.effective,
            rule: Some(decision.rule),
            flags,
            verdict: ev.verdict,
            tokens: tokens.map(u64::from),
        };
        out(&line);
        if awaiting
            && !delivered
            && let Some(id) = ev.message_id
        {
            // The line it would have, delivered: what its delivery report, should it come,
            // adds (a missing rate then is dealt with then).
            let if_delivered = decide(
                regime,
                offer,
                Situation {
                    delivered: true,
                    in_free_entry_point: in_free_entry_point || answers_ad,
                    ..situation
                },
            );
            if if_delivered.charged {
                let p = price_message(
                    self.book,
                    regime,
                    card,
                    &if_delivered,
                    offer,
                    &ev.details,
                    state.market,
                    state.country,
                    &self.config.profile,
                    day.date,
                );
                let correction = Charge {
                    kind: LineKind::LateDelivery,
                    quantity: 0,
                    category: p.category,
                    pricing_type: if_delivered.pricing_type,
                    rate: p.rate,
                    amount: p.amount,
                    provenance: p.provenance,
                    rule: Some(if_delivered.rule),
                    conversation: None,
                    flags: Flags {
                        missing_rate: p.missing_rate,
                        auth_international_fallback: p.auth_international_fallback,
                        default_tokens: p.default_tokens,
                        max_price: p.max_price,
                        ..Flags::default()
                    },
                    tokens: p.tokens.map(u64::from),
                    ..line
                };
                self.awaiting
                    .wait(ids::key(id.hash64(), ev.business, ev.contact), correction);
            }
        }
        Ok(())
    }

    /// Counts a message to a number whose calling code other countries share (+1, +7, +44…)
    /// when its own country is priced in another market than the code's main country: its
    /// price rests on telling them apart (wacost prices by the number's own region).
    fn count_shared_code(&mut self, state: &ContactState, contact: ContactNumber, date: NaiveDate) {
        let code = contact.calling_code();
        if !crate::pricing::phone::shared_code(code) {
            return;
        }
        let Some(main) = crate::pricing::phone::main_country(code) else {
            return;
        };
        if main == state.country {
            return;
        }
        let markets = &self.book.markets;
        if markets.market_of(main, date, &self.book.names) != state.market {
            *self.facts.shared_code.entry(state.country).or_default() += 1;
        }
    }
}

impl Engine<'_> {
    /// The recipient's country. Where a calling code is shared (+1, +7, +44…) the phone
    /// library examines the number, which is slow; its answer is remembered for the calling
    /// code and the next six digits, which decide the country in libphonenumber's metadata.
    fn country(&mut self, n: ContactNumber) -> Country {
        let code = n.calling_code();
        if !crate::pricing::phone::shared_code(code) {
            return self.book.markets.country_of(n);
        }
        let code_len = if code >= 100 {
            3
        } else if code >= 10 {
            2
        } else {
            1
        };
        let key = n.leading(code_len + 6);
        let book = self.book;
        *self
            .countries
            .entry(key)
            .or_insert_with(|| book.markets.country_of(n))
    }

    /// The usage counts of a month, found from the last one used (events come in time
    /// order, so nearly always the same).
    fn month_usage(&mut self, month: (i32, u32)) -> usize {
        if self
            .months
            .get(self.current_month)
            .is_some_and(|m| m.0 == month)
        {
            return self.current_month;
        }
        self.current_month = match self.months.iter().position(|m| m.0 == month) {
            Some(i) => i,
            None => {
                self.months.push((month, MonthUsage::default()));
                self.months.len() - 1
            }
        };
        self.current_month
    }

    fn count_usage(&mut self, state: &mut ContactState, ev: &Event, day: Day) {
        let i = self.month_usage(day.month);
        let counted = self.counted_business == Some((i, ev.business));
        let u = &mut self.months[i].1;
        let month_key = (day.month.0 as u32)
            .wrapping_mul(12)
            .wrapping_add(day.month.1) as u16;
        if state.active_month != month_key {
            state.active_month = month_key;
            u.active_contacts += 1;
            u.by_market.entry(state.market).or_default().contacts += 1;
        }
        if !counted {
            u.businesses.insert(ev.business);
            self.counted_business = Some((i, ev.business));
        }
        match ev.direction {
            Direction::Inbound => {
                u.inbound += 1;
                // A customer conversation starts when the customer writes with no customer
                // service window of theirs open (none of their messages in the last 24 h).
                let t = ev.time_ms;
                if state.last_inbound == NONE || t - state.last_inbound >= day.windows.csw {
                    u.by_market.entry(state.market).or_default().conversations += 1;
                }
            }
            Direction::Outbound => {
                u.outbound_by_status[status_index(ev.status)] += 1;
                if ev.details.automated {
                    u.automated_replies += 1;
                }
                match ev.kind {
                    MessageKind::Template(c) | MessageKind::GroupTemplate(c) => {
                        u.templates[slot(c).min(2)] += 1
                    }
                    MessageKind::FreeForm
                    | MessageKind::GroupFreeForm
                    | MessageKind::Reaction
                    | MessageKind::BusinessAgent => {
                        u.free_form += 1;
                        let d = day.day_number;
                        if state.service_day != d {
                            state.service_day = d;
                            u.service_days += 1;
                        }
                    }
                }
            }
        }
    }
}

/// A fingerprint of a row without a message id, to drop exact duplicate rows (32 bits: it is
/// compared with the contact's previous row only).
fn fingerprint(ev: &Event) -> u32 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    ev.time_ms.hash(&mut h);
    ev.direction.hash(&mut h);
    ev.kind.hash(&mut h);
    ev.status.hash(&mut h);
    ev.entry_point.hash(&mut h);
    ev.details.hash(&mut h);
    let x = h.finish();
    ((x >> 32) as u32 ^ x as u32) | 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{EntryPoint, MessageId, Status};
    use proptest::prelude::*;

    fn event(t: i64, contact: u64, code: u8, id: u32) -> Event {
        let direction = if code % 3 == 0 {
            Direction::Inbound
        } else {
            Direction::Outbound
        };
        let kind = match code % 5 {
            0 => MessageKind::FreeForm,
            1 => MessageKind::Template(Category::Marketing),
            2 => MessageKind::Template(Category::Utility),
            3 => MessageKind::Template(Category::Authentication),
            _ => MessageKind::FreeForm,
        };
        let status = match code % 7 {
            0 => Status::Failed,
            1 => Status::Sent,
            2 => Status::Read,
            _ => Status::Delivered,
        };
        Event {
            time_ms: t * 1000,
            business: BusinessId(0),
            waba: BusinessId(0),
            contact: ContactNumber::from_digits(5511900000000 + contact).unwrap(),
            direction,
            kind,
            status,
            // Every fourth row repeats an earlier id: a status update or a duplicate.
            message_id: MessageId::new(format!("{contact}.{}", id - id % 4 * (id % 2)).as_bytes()),
            entry_point: (code % 11 == 0 && direction == Direction::Inbound)
                .then_some(EntryPoint::CtwaAd),
            verdict: None,
            details: crate::event::Details::NONE,
        }
    }

    fn lines(events: &[Event], all_at_once: bool) -> Vec<Charge> {
        static BOOK: std::sync::OnceLock<RateBook> = std::sync::OnceLock::new();
        let book = BOOK.get_or_init(|| RateBook::embedded().unwrap());
        let mut c = Classifier::new(book, ClassifyConfig::default());
        let mut out = Vec::new();
        if all_at_once {
            c.push_all(events, &mut |l: &Charge| out.push(*l)).unwrap();
        } else {
            for e in events {
                c.push(e, &mut |l: &Charge| out.push(*l)).unwrap();
            }
        }
        c.finish(&mut |l: &Charge| out.push(*l)).unwrap();
        out
    }

    #[test]
    fn a_contact_state_fits_two_cache_lines() {
        // Memory per contact is what bounds a replay: a million contacts, 128 MiB of states.
        eprintln!("ContactState: {} bytes", size_of::<ContactState>());
        assert!(size_of::<ContactState>() <= 128);
        assert_eq!(align_of::<ContactState>(), 64);
    }

    proptest! {
        /// `push_all` (which looks ahead to prefetch) prices exactly as `push` one by one.
        #[test]
        fn push_all_equals_push_one_by_one(
            rows in prop::collection::vec((0i64..1200, 0u64..40, any::<u8>()), 0..300)
        ) {
            let mut t = 1_770_000_000i64;
            let events: Vec<Event> = rows
                .iter()
                .enumerate()
                .map(|(i, (gap, contact, code))| {
                    t += gap;
                    event(t, *contact, *code, i as u32)
                })
                .collect();
            let one_by_one = lines(&events, false);
            prop_assert_eq!(lines(&events, true), one_by_one.clone());
            prop_assert_eq!(
                one_by_one.iter().filter(|l| l.kind == LineKind::Message).count() as u64,
                events.iter().filter(|e| e.direction == Direction::Outbound).count() as u64
                    - duplicates(&events)
            );
        }
    }

    /// Outbound rows that repeat an id seen before (ids include the contact; the log spans
    /// less than the 7 days ids are remembered).
    fn duplicates(events: &[Event]) -> u64 {
        let mut seen = std::collections::HashSet::new();
        events
            .iter()
            .filter(|e| {
                let fresh = seen.insert(e.message_id.unwrap());
                !fresh && e.direction == Direction::Outbound
            })
            .count() as u64
    }
}
