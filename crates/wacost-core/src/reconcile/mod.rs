//! Reconcile: our pricing of a log next to Meta's own, message by message (the `pricing`
//! object of Cloud API status webhooks) and in total (Meta's `pricing_analytics` or
//! `conversation_analytics` answer). The pipeline of `wacost reconcile`.
//!
//! # What "agree" means for one message
//!
//! A message is compared when a status webhook of it carried Meta's `pricing` object
//! ([`Event::verdict`](crate::event::Event::verdict)) and it was delivered. Four fields are
//! compared, each only when Meta gave it:
//!
//! | field | ours | Meta's |
//! |---|---|---|
//! | `pricing_model` | the regime in force on the day (WABA time zone) | `pricing_model` |
//! | `pricing_type` | the line's pricing type | `type` |
//! | `category` | the line's category (authentication-international when charged so) | `category` (`marketing_lite` counts as marketing) |
//! | `billable` | the type is `regular` | `billable`; when missing, derived: `type` is `regular` |
//!
//! The message **agrees** when no compared field differs; the agreement rate is agreeing
//! messages over compared messages. A verdict with none of the four fields is not compared.
//!
//! - Meta deprecates `billable` and says to derive it from type and category: every type but
//!   `regular` is free, so a missing `billable` is `type == regular` (and stays unknown when
//!   the type is missing too).
//! - Meta sends `pricing` on `sent` already, before it knows whether the message will be
//!   delivered: it says how the message *would* be priced. A message that was never delivered
//!   (failed, or `sent` only) is therefore not compared; it is counted apart. A message the
//!   log shows delivered but that our windows say Meta would have rejected (free-form outside
//!   every window) is compared, as `not_delivered` on our side: Meta's verdict then says a
//!   window was open that we did not see.
//!
//! # Conversation-based pricing (before 2025-07-01)
//!
//! Under CBP Meta's `category` is the **conversation's**: a free-form reply inside an open
//! marketing conversation is reported as `marketing`, and `billable` is the conversation's
//! (true even for conversations the monthly free tier covers, false for free entry point
//! conversations). Our line for such a message is `in_conversation`; it is compared as the
//! conversation it belongs to — the category and type of the line that opened it, billable
//! when that line was `regular`. CBP webhooks usually carry no `type`; Meta's category
//! `referral_conversion` (a free entry point conversation) is read as type
//! `free_entry_point` without a category.
//!
//! # Analytics
//!
//! See [`analytics`]: our volumes and costs per period × country × category × type next to
//! Meta's, volumes exact and costs within a [`Tolerance`].

pub mod analytics;
pub mod report;
pub mod verdict;

use std::collections::BTreeMap;

use chrono_tz::Tz;
use rustc_hash::FxHashMap;

use crate::charge::{Charge, LineKind};
use crate::pricing::RateBook;
use crate::pricing::category::{Category, PricingModel, PricingType};
use crate::read::detect::FormatOptions;
use crate::read::meta_analytics::Analytics;
use crate::replay::{LineSink, Outcome, ReplayError, ReplayOptions, Source, replay_with};
use crate::settle::Allowances;

pub use analytics::{AnalyticsComparison, CellComparison, Tolerance};
pub use verdict::{Disagreement, Field, Matrix, MetaVerdict, OurVerdict};

/// The message that says a log has nothing to compare.
pub const NO_VERDICTS: &str = "no message in LOG carries Meta's pricing verdict; reconcile \
                               needs Cloud API status webhooks with a pricing object";

/// `n` and a regular English noun, in the plural unless `n` is 1: `1 message`, `2 messages`.
pub(crate) fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// What a reconcile found.
#[derive(Clone, Debug)]
pub struct Reconciliation {
    /// Messages compared (delivered, with a verdict that has a field to compare).
    pub compared: u64,
    /// Compared messages on which we and Meta agree.
    pub agreeing: u64,
    /// Ours × Meta's pricing type.
    pub by_type: Matrix<PricingType>,
    /// Ours × Meta's category.
    pub by_category: Matrix<Category>,
    /// Ours × Meta's billable.
    pub by_billable: Matrix<bool>,
    /// Ours × Meta's pricing model.
    pub by_model: Matrix<PricingModel>,
    /// Every message that disagrees, in the order they were priced.
    pub disagreements: Vec<Disagreement>,
    /// How many disagreements differ in each field.
    pub differing_fields: BTreeMap<Field, u64>,
    /// Messages with a verdict that were never delivered (not compared).
    pub undelivered_with_verdict: u64,
    /// Delivered outbound messages without a verdict (not compared).
    pub without_verdict: u64,
    /// Verdicts without any field to compare.
    pub empty_verdicts: u64,
    /// Compared verdicts whose `billable` was derived from the type.
    pub billable_derived: u64,
    /// The analytics comparison, with `--analytics`.
    pub analytics: Option<AnalyticsComparison>,
    /// The replay behind it (totals, reader notes, skipped rows).
    pub outcome: Outcome,
}

impl Reconciliation {
    /// Agreeing / compared; `None` when nothing was compared.
    pub fn agreement(&self) -> Option<f64> {
        (self.compared > 0).then(|| self.agreeing as f64 / self.compared as f64)
    }
}

/// A [`LineSink`] that compares every message line carrying Meta's verdict with ours, and
/// (with analytics) collects our volumes per analytics cell.
///
/// From 2026-10-01 Meta types a service message the monthly free tier covers
/// `free_customer_service` (the regime's `allowance.meta_type`), while our message line is
/// `regular` and a monthly allowance line covers it. Which messages the allowance covers is
/// known only once the month is over (the earliest of the month, as settlement decides), so
/// such lines are compared when the replay ends.
pub struct Collector<'a> {
    book: &'a RateBook,
    openers: FxHashMap<u64, (Category, PricingType)>,
    units: Option<analytics::Units<'a>>,
    found: Found,
    /// Lines a free allowance may cover, compared at the end, with their position among
    /// the compared lines.
    deferred: Vec<(u64, Charge)>,
    allowance: Allowances<usize>,
    seq: u64,
}

#[derive(Clone, Debug, Default)]
struct Found {
    compared: u64,
    agreeing: u64,
    by_type: Matrix<PricingType>,
    by_category: Matrix<Category>,
    by_billable: Matrix<bool>,
    by_model: Matrix<PricingModel>,
    /// With the position of the line among the lines priced.
    disagreements: Vec<(u64, Disagreement)>,
    differing_fields: BTreeMap<Field, u64>,
    undelivered_with_verdict: u64,
    without_verdict: u64,
    empty_verdicts: u64,
    billable_derived: u64,
}

impl<'a> Collector<'a> {
    /// A collector over a rate book (for market names and window lengths), with the
    /// analytics answer to collect volumes for, if any.
    pub fn new(book: &'a RateBook, analytics: Option<&Analytics>) -> Collector<'a> {
        Collector {
            book,
            openers: FxHashMap::default(),
            units: analytics.map(|a| analytics::Units::new(book, a)),
            found: Found::default(),
            deferred: Vec::new(),
            allowance: Allowances::default(),
            seq: 0,
        }
    }

    fn message(&mut self, c: &Charge) {
        self.seq += 1;
        // A line a free allowance may cover, where Meta types covered items otherwise than
        // `regular`: compared once the months are settled.
        if c.verdict.is_some()
            && (c.billable() || c.flags.exempt)
            && allowance_meta_type(self.book, c).is_some()
        {
            let i = self.deferred.len();
            self.deferred.push((self.seq, *c));
            self.allowance.offer_any(self.book, c, i);
            return;
        }
        self.compare(self.seq, c, false);
    }

    fn compare(&mut self, seq: u64, c: &Charge, covered: bool) {
        // CBP: remember what each conversation opened as, for the lines inside it.
        if c.model == PricingModel::Cbp
            && c.pricing_type != PricingType::InConversation
            && let Some(id) = c.conversation
        {
            self.openers
                .entry(id)
                .or_insert((c.category, c.pricing_type));
        }
        let f = &mut self.found;
        let delivered = c.status.is_some_and(|s| s.delivered());
        let Some(v) = c.verdict else {
            if delivered {
                f.without_verdict += 1;
            }
            return;
        };
        if !delivered {
            f.undelivered_with_verdict += 1;
            return;
        }
        let meta = MetaVerdict::of(&v);
        if meta.is_empty() {
            f.empty_verdicts += 1;
            return;
        }
        let opener = c.conversation.and_then(|id| self.openers.get(&id).copied());
        let mut ours = OurVerdict::of(c, opener);
        if covered && let Some(t) = allowance_meta_type(self.book, c) {
            ours = ours.covered(t);
        }
        f.compared += 1;
        if meta.billable_derived {
            f.billable_derived += 1;
        }
        f.by_type.add(ours.pricing_type, meta.pricing_type);
        f.by_category.add(ours.category, meta.category);
        f.by_billable.add(ours.billable, meta.billable);
        f.by_model.add(ours.pricing_model, meta.pricing_model);
        let fields = verdict::differences(&ours, &meta);
        if fields.is_empty() {
            f.agreeing += 1;
            return;
        }
        for field in &fields {
            *f.differing_fields.entry(*field).or_default() += 1;
        }
        let market = self.book.names.name(c.market);
        f.disagreements.push((
            seq,
            Disagreement {
                message_id: c.message_id,
                time_ms: c.time_ms,
                date: c.date,
                business: c.business,
                contact: c.contact,
                fields,
                ours,
                our_reason: c.reason(market),
                meta,
            },
        ));
    }

    /// Compares the deferred lines, now that the allowances' items are known.
    fn compare_deferred(&mut self) {
        let deferred = std::mem::take(&mut self.deferred);
        let mut covered = vec![false; deferred.len()];
        for (_, items) in std::mem::take(&mut self.allowance).into_covered() {
            for i in items {
                if let Some(c) = covered.get_mut(i) {
                    *c = true;
                }
            }
        }
        for ((seq, c), covered) in deferred.iter().zip(covered) {
            self.compare(*seq, c, covered);
        }
    }

    /// The comparison, once the replay that fed this collector is done: `outcome` is that
    /// replay's, `analytics` the answer given to [`Collector::new`], `timezone` the WABA's
    /// (to name the analytics periods).
    pub fn finish(
        self,
        outcome: Outcome,
        analytics: Option<&Analytics>,
        tolerance: Tolerance,
        timezone: Tz,
    ) -> Reconciliation {
        let mut this = self;
        this.compare_deferred();
        let Collector {
            units, mut found, ..
        } = this;
        found.disagreements.sort_by_key(|(seq, _)| *seq);
        let mut analytics = match (units, analytics) {
            (Some(u), Some(a)) => {
                Some(u.compare(a, tolerance, timezone, outcome.settlement.allowance_items))
            }
            _ => None,
        };
        if let Some(a) = analytics.as_mut() {
            // Volume tiers discount utility and authentication, never Business Agent tokens.
            if outcome.settlement.tiered_messages > 0
                && a.kind != crate::read::meta_analytics::AnalyticsKind::BusinessAgent
            {
                a.notes.push(format!(
                    "volume-tier discounts on {} are monthly adjustment lines, not in the daily \
                     cells: our costs there are at list rate, Meta's at the tier's",
                    count(outcome.settlement.tiered_messages as u64, "message")
                ));
            }
            a.notes.push(format!(
                "Meta's costs are in the WABA's currency, ours in {} (--currency): compare them \
                 only when the two are the same",
                outcome.ledger.currency
            ));
        }
        Reconciliation {
            compared: found.compared,
            agreeing: found.agreeing,
            by_type: found.by_type,
            by_category: found.by_category,
            by_billable: found.by_billable,
            by_model: found.by_model,
            disagreements: found.disagreements.into_iter().map(|(_, d)| d).collect(),
            differing_fields: found.differing_fields,
            undelivered_with_verdict: found.undelivered_with_verdict,
            without_verdict: found.without_verdict,
            empty_verdicts: found.empty_verdicts,
            billable_derived: found.billable_derived,
            analytics,
            outcome,
        }
    }
}

impl LineSink for Collector<'_> {
    fn line(&mut self, c: &Charge) -> std::io::Result<()> {
        if c.kind == LineKind::Message {
            self.message(c);
        }
        if let Some(u) = self.units.as_mut() {
            u.line(c);
        }
        Ok(())
    }

    fn reset(&mut self) -> std::io::Result<()> {
        self.openers.clear();
        self.found = Found::default();
        self.deferred.clear();
        self.allowance = Allowances::default();
        self.seq = 0;
        if let Some(u) = self.units.as_mut() {
            u.reset();
        }
        Ok(())
    }
}

/// How Meta's webhooks type a line's item when the free allowance of the regime in force
/// covers it, where that is not `regular` (from 2026-10-01: `free_customer_service`, or its
/// group form).
fn allowance_meta_type(book: &RateBook, c: &Charge) -> Option<PricingType> {
    let regime = book.regime_at(c.date).ok()?;
    let a = regime.allowance.as_ref().filter(|a| a.covers(c.category))?;
    a.meta_type_of(c.category)
}

/// Replays `sources` and compares our verdicts (and, with `analytics`, our volumes and
/// costs) with Meta's.
pub fn reconcile(
    book: &RateBook,
    sources: &[Source],
    options: ReplayOptions,
    formats: &FormatOptions,
    analytics: Option<&Analytics>,
    tolerance: Tolerance,
) -> Result<Reconciliation, ReplayError> {
    let mut collector = Collector::new(book, analytics);
    let outcome = replay_with(book, sources, options, formats, &mut collector, None)?;
    Ok(collector.finish(outcome, analytics, tolerance, options.classify.timezone))
}
