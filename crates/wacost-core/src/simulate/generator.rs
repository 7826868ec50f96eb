//! The generator: a [`Scenario`] and a seed in, [`Event`]s out, in time order, the same
//! events byte for byte for the same seed.
//!
//! Contacts get their numbers from their audience group's number plan
//! ([`numbers`](super::numbers)); every decision about a contact's month is a draw from the
//! contact's own random numbers ([`random`](super::random)), so that scenarios run with one
//! seed share their random numbers (common random numbers).
//!
//! ## Memory
//!
//! Months are generated one at a time: every contact's month is generated into compact
//! 12-byte records, bucketed by hour; an hour's bucket is sorted (by time, contact, order
//! of generation) when the iterator reaches it. Memory is one month of records plus what
//! spills into the next month, so it grows with contacts, not with the period.

use chrono::{Datelike, Months, NaiveDate};
use chrono_tz::Tz;

use super::budget::expected_per_contact_month;
use super::numbers::NumberPlan;
use super::random::{
    SplitMix, exponential, fnv32, group_tag, inverse_normal, month_seeds, poisson, rounded,
    run_key, segment,
};
use super::scenario::{AutomationEngine, Counts, DeliveryRates, Scenario, ScenarioError};
use crate::calendar;
use crate::event::{BusinessId, Direction, EntryPoint, Event, MessageId, MessageKind, Status};
use crate::pricing::category::Category;
use crate::pricing::phone::ContactNumber;

const HOUR: i64 = 3600;
const DAY: i64 = 24 * HOUR;

/// The purposes of a contact's random numbers (marketing campaigns: 16 and up).
const CONVERSATIONS: u32 = 0;
const UTILITY: u32 = 1;
const AUTHENTICATION: u32 = 2;

/// One generated message, compactly: seconds since the period's start, the contact's
/// index, its order of generation within the contact's month, and what it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Rec {
    time: u32,
    contact: u32,
    seq: u16,
    tag: u16,
}

// Tag bits: 0 direction (1 outbound); 1-2 kind (0 free-form, 1 marketing, 2 utility,
// 3 authentication); 3-4 status (0 delivered, 1 failed, 2 sent); 5-6 entry point (0 none,
// 1 ad, 2 Page button); 7 an automated reply by Meta's Business Agent; 8 an automated reply
// by a third-party bot.
const OUT: u16 = 1;
const KIND_MARKETING: u16 = 1 << 1;
const KIND_UTILITY: u16 = 2 << 1;
const KIND_AUTH: u16 = 3 << 1;
const STATUS_FAILED: u16 = 1 << 3;
const STATUS_SENT: u16 = 2 << 3;
const ENTRY_AD: u16 = 1 << 5;
const ENTRY_PAGE: u16 = 2 << 5;
const BY_BUSINESS_AGENT: u16 = 1 << 7;
const BY_BOT: u16 = 1 << 8;

/// A seeded, deterministic traffic generator for one scenario.
#[derive(Clone, Debug)]
pub struct Generator {
    seed: u64,
    tz: Tz,
    counts: Counts,
    start: i64,
    end: i64,
    months: Vec<(NaiveDate, NaiveDate)>,
    businesses: Vec<BusinessId>,
    waba: BusinessId,
    contacts: Vec<ContactNumber>,
    streams: Vec<u64>,
    hour_cdf: [f64; 24],
    weekday: [f64; 7],
    campaigns: Vec<CampaignPlan>,
    p: Params,
    threads: usize,
}

#[derive(Clone, Debug)]
struct CampaignPlan {
    segment: u32,
    share: f64,
    sends: u32,
    hour: u32,
    send_seconds: f64,
}

/// The scenario's numbers, converted to seconds.
#[derive(Clone, Debug)]
struct Params {
    conversations: f64,
    messages: f64,
    message_gap: f64,
    ad_share: f64,
    page_share: f64,
    automation: f64,
    bot_seconds: f64,
    /// The automated replies' tag: [`BY_BOT`] or [`BY_BUSINESS_AGENT`].
    automated_by: u16,
    /// Business Agent tokens per reply: log-normal, ln of the median and sigma.
    tokens_mu: f64,
    tokens_sigma: f64,
    agent_mu: f64,
    agent_sigma: f64,
    replies: f64,
    reply_gap: f64,
    follow_up: f64,
    follow_up_delay: f64,
    utility: f64,
    utility_in_window: f64,
    authentication: f64,
    expected: f64,
    marketing_delivery: DeliveryRates,
    utility_delivery: DeliveryRates,
    authentication_delivery: DeliveryRates,
}

/// The local calendar of one month: when each local hour starts (UTC), and how likely
/// each day is.
struct Month {
    index: u32,
    start: i64,
    end: i64,
    day_cdf: Vec<f64>,
    hours: Vec<[i64; 24]>,
    blasts: Vec<Vec<i64>>,
}

impl Generator {
    /// A generator for `scenario`, with `seed` (a run's seed, not necessarily the
    /// scenario's).
    pub fn new(scenario: &Scenario, seed: u64) -> Result<Generator, ScenarioError> {
        scenario.validate()?;
        let err = |reason: String| ScenarioError {
            origin: scenario.origin().to_string(),
            line: None,
            reason,
        };
        let tz = scenario.timezone;
        let mut months = Vec::new();
        for m in 0..scenario.period.months {
            let a = scenario
                .period
                .start
                .checked_add_months(Months::new(m))
                .ok_or_else(|| err("period out of range".into()))?;
            let b = a
                .checked_add_months(Months::new(1))
                .ok_or_else(|| err("period out of range".into()))?;
            months.push((a, b));
        }
        let start = calendar::local_midnight(tz, scenario.period.start);
        let end = calendar::local_midnight(tz, scenario.end());
        if end - start >= i64::from(u32::MAX) {
            return Err(err("the period is too long: at most 136 years".into()));
        }
        let businesses: Vec<BusinessId> = scenario
            .business_numbers
            .iter()
            .map(|n| BusinessId::intern(n))
            .collect();
        // Reserved up front, so that an audience too large for memory is an error and not
        // an abort.
        let n = scenario.contacts() as usize;
        let mut contacts: Vec<ContactNumber> = Vec::new();
        let mut streams: Vec<u64> = Vec::new();
        if contacts.try_reserve_exact(n).is_err() || streams.try_reserve_exact(n).is_err() {
            return Err(err(format!(
                "{} contacts do not fit in memory",
                scenario.contacts()
            )));
        }
        let mut tags: Vec<u32> = Vec::new();
        let mut plans: Vec<(&str, NumberPlan)> = Vec::new();
        for (key, group) in &scenario.audience {
            let plan = NumberPlan::new(key, group.prefix.as_deref(), group.contacts)
                .map_err(|r| err(format!("audience.{key}: {r}")))?;
            if let Some((other, _)) = plans.iter().find(|(_, p)| p.overlaps(&plan)) {
                return Err(err(format!(
                    "audience.{key} and audience.{other} would share numbers: give them \
                     prefixes that do not start alike"
                )));
            }
            plans.push((key, plan));
            let tag = group_tag(key, &tags);
            tags.push(tag);
            for i in 0..group.contacts {
                contacts.push(
                    plan.number(i)
                        .map_err(|e| err(format!("audience.{key}: {e}")))?,
                );
                streams.push((u64::from(tag) << 32) | u64::from(i));
            }
        }
        let i = &scenario.inbound;
        let mut hour_cdf = [0.0; 24];
        let mut acc = 0.0;
        for (h, w) in i.hourly.iter().enumerate() {
            acc += w;
            hour_cdf[h] = acc;
        }
        let mut weekday = [0.0; 7];
        weekday.copy_from_slice(&i.weekday);
        let s = &scenario.service;
        let campaigns = scenario
            .templates
            .marketing
            .iter()
            .map(|(name, c)| CampaignPlan {
                segment: 16 + fnv32(name.as_bytes()) % 65_000,
                share: c.audience_share,
                sends: c.sends_per_month,
                hour: c.send_hour,
                send_seconds: c.send_minutes * 60.0,
            })
            .collect();
        Ok(Generator {
            seed,
            tz,
            counts: scenario.counts,
            start,
            end,
            months,
            businesses,
            waba: Event::default_waba(),
            contacts,
            streams,
            hour_cdf,
            weekday,
            campaigns,
            p: Params {
                conversations: i.conversations_per_contact_month,
                messages: i.messages_per_conversation,
                message_gap: i.message_gap_minutes * 60.0,
                ad_share: i.ctwa_ad_share,
                page_share: i.page_cta_share,
                automation: s.automation_share,
                bot_seconds: s.automation_reply_seconds,
                automated_by: match s.automation_engine {
                    AutomationEngine::Bot => BY_BOT,
                    AutomationEngine::BusinessAgent => BY_BUSINESS_AGENT,
                },
                tokens_mu: s.business_agent_tokens_median.ln(),
                tokens_sigma: (s.business_agent_tokens_p90 / s.business_agent_tokens_median).ln()
                    / 1.281_551_565_544_600_5,
                agent_mu: (s.agent_median_minutes * 60.0).ln(),
                agent_sigma: (s.agent_p90_minutes / s.agent_median_minutes).ln()
                    / 1.281_551_565_544_600_5,
                replies: s.replies_per_conversation,
                reply_gap: s.reply_gap_minutes * 60.0,
                follow_up: s.follow_up_share,
                follow_up_delay: s.follow_up_delay_hours * 3600.0,
                utility: scenario.templates.utility.per_contact_month,
                utility_in_window: scenario.templates.utility.in_window_share,
                authentication: scenario.templates.authentication.per_contact_month,
                expected: expected_per_contact_month(scenario),
                marketing_delivery: scenario.delivery.marketing.clone(),
                utility_delivery: scenario.delivery.utility.clone(),
                authentication_delivery: scenario.delivery.authentication.clone(),
            },
            threads: 1,
        })
    }

    /// Generates each month on this many threads (default 1; the events are the same).
    pub fn with_threads(mut self, threads: usize) -> Generator {
        self.threads = threads.max(1);
        self
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// How many contacts.
    pub fn contacts(&self) -> usize {
        self.contacts.len()
    }

    /// The contacts' numbers, in audience order.
    pub fn contact_numbers(&self) -> &[ContactNumber] {
        &self.contacts
    }

    /// The period, in Unix milliseconds (as event times are): `[start, end)`.
    pub fn period(&self) -> (i64, i64) {
        (self.start * 1000, self.end * 1000)
    }

    /// The events of the generator's seed, in time order.
    pub fn events(&self) -> Events<'_> {
        self.events_seeded(self.seed)
    }

    /// The events of another seed (the same scenario), in time order: Monte Carlo runs
    /// share one generator.
    pub fn events_seeded(&self, seed: u64) -> Events<'_> {
        Events {
            generator: self,
            key: run_key(seed),
            threads: self.threads,
            next_month: 0,
            month_base: 0,
            buckets: Vec::new(),
            bucket: 0,
            pos: 0,
            spill: Vec::new(),
            next_id: 0,
        }
    }

    fn month_start(&self, index: u32) -> i64 {
        calendar::local_midnight(self.tz, self.months[index as usize].0)
    }

    fn month(&self, index: u32) -> Month {
        let (first, next) = self.months[index as usize];
        let start = calendar::local_midnight(self.tz, first);
        let end = calendar::local_midnight(self.tz, next).min(self.end);
        let mut day_cdf = Vec::new();
        let mut hours = Vec::new();
        let mut acc = 0.0;
        let mut d = first;
        while d < next {
            acc += self.weekday[d.weekday().num_days_from_monday() as usize];
            day_cdf.push(acc);
            let mut row = [0i64; 24];
            for (h, slot) in row.iter_mut().enumerate() {
                *slot = local_time(self.tz, d, h as u32);
            }
            hours.push(row);
            d = d.succ_opt().unwrap_or(next);
        }
        let days = hours.len() as u64;
        let blasts = self
            .campaigns
            .iter()
            .map(|c| {
                (0..u64::from(c.sends))
                    .map(|k| {
                        let day = ((2 * k + 1) * days / (2 * u64::from(c.sends))) as usize;
                        hours[day.min(hours.len() - 1)][c.hour as usize]
                    })
                    .collect()
            })
            .collect();
        Month {
            index,
            start,
            end,
            day_cdf,
            hours,
            blasts,
        }
    }

    fn count(&self, mean: f64, u: f64) -> u32 {
        match self.counts {
            Counts::Fixed => rounded(mean, u),
            Counts::Poisson => poisson(mean, u),
        }
    }

    fn profile_time(&self, m: &Month, ud: f64, uh: f64, us: f64) -> i64 {
        let total = m.day_cdf.last().copied().unwrap_or(0.0);
        let day = if total > 0.0 {
            m.day_cdf.partition_point(|x| *x <= ud * total)
        } else {
            (ud * m.day_cdf.len() as f64) as usize
        }
        .min(m.hours.len() - 1);
        let hour = self
            .hour_cdf
            .partition_point(|x| *x <= uh * self.hour_cdf[23])
            .min(23);
        m.hours[day][hour] + (us * HOUR as f64) as i64
    }

    /// Generates one contact's month; `emit` gets every message with its time. Each kind of
    /// traffic draws from its own purpose of the contact's month, in this order.
    fn contact_month(
        &self,
        key: &[u8; 32],
        m: &Month,
        c: u32,
        inbound_ends: &mut Vec<i64>,
        emit: &mut impl FnMut(i64, u16),
    ) {
        let p = &self.p;
        inbound_ends.clear();
        let seeds = month_seeds(key, self.streams[c as usize], m.index);
        if p.conversations > 0.0 {
            let rng = &mut segment(&seeds, CONVERSATIONS);
            for _ in 0..self.count(p.conversations, rng.u01()) {
                inbound_ends.push(self.conversation(m, rng, emit));
            }
        }
        for (campaign, blasts) in self.campaigns.iter().zip(&m.blasts) {
            if campaign.sends > 0 && campaign.share > 0.0 {
                let rng = &mut segment(&seeds, campaign.segment);
                for blast in blasts {
                    let [u_in, u_jitter, u_status] = rng.draws();
                    if u_in < campaign.share {
                        let t = blast + (u_jitter * campaign.send_seconds) as i64;
                        emit(t, template(KIND_MARKETING, &p.marketing_delivery, u_status));
                    }
                }
            }
        }
        if p.utility > 0.0 {
            let rng = &mut segment(&seeds, UTILITY);
            for _ in 0..self.count(p.utility, rng.u01()) {
                let [u_day, u_hour, u_sec, u_in, u_pick, u_offset, u_status] = rng.draws();
                let mut t = self.profile_time(m, u_day, u_hour, u_sec);
                if u_in < p.utility_in_window && !inbound_ends.is_empty() {
                    let pick =
                        ((u_pick * inbound_ends.len() as f64) as usize).min(inbound_ends.len() - 1);
                    let at = inbound_ends[pick] + 60 + (u_offset * (23 * HOUR - 60) as f64) as i64;
                    if at < self.end {
                        t = at;
                    }
                }
                emit(t, template(KIND_UTILITY, &p.utility_delivery, u_status));
            }
        }
        if p.authentication > 0.0 {
            let rng = &mut segment(&seeds, AUTHENTICATION);
            for _ in 0..self.count(p.authentication, rng.u01()) {
                let [u_day, u_hour, u_sec, u_status] = rng.draws();
                let t = self.profile_time(m, u_day, u_hour, u_sec);
                emit(t, template(KIND_AUTH, &p.authentication_delivery, u_status));
            }
        }
    }

    /// One conversation: the user writes at a time of the inbound profile (through an ad or
    /// a Page button, perhaps), the business replies (a bot at once, an agent after a
    /// log-normal delay), and perhaps follows up with a utility template a day after the
    /// user's last message. Takes 11 draws and one seed for its gaps, whatever the
    /// scenario's values; returns the time of the user's last message.
    fn conversation(&self, m: &Month, rng: &mut SplitMix, emit: &mut impl FnMut(i64, u16)) -> i64 {
        let p = &self.p;
        let [
            u_day,
            u_hour,
            u_sec,
            u_entry,
            u_auto,
            u_latency,
            u_messages,
            u_replies,
            u_follow,
            u_delay,
            u_status,
        ] = rng.draws();
        let mut sub = SplitMix(rng.next());
        let t0 = self.profile_time(m, u_day, u_hour, u_sec);
        let messages = rounded(p.messages, u_messages).max(1);
        let entry = if u_entry < p.ad_share {
            ENTRY_AD
        } else if u_entry < p.ad_share + p.page_share {
            ENTRY_PAGE
        } else {
            0
        };
        let mut times = [0i64; 64];
        let kept = (messages as usize).min(times.len());
        let mut t = t0;
        for (j, slot) in times.iter_mut().take(kept).enumerate() {
            if j > 0 {
                t += seconds(exponential(p.message_gap, sub.u01()));
            }
            *slot = t;
            emit(t, if j == 0 { entry } else { 0 });
        }
        // Messages beyond 64 in one conversation: one a minute.
        for _ in kept..messages as usize {
            t += 60;
            emit(t, 0);
        }
        let last_inbound = t;
        let replies = rounded(p.replies, u_replies);
        let bot = u_auto < p.automation;
        let mut previous = i64::MIN;
        for j in 0..replies {
            let target = times[((j as usize * kept) / replies as usize).min(kept - 1)];
            let delay = if j == 0 {
                if bot {
                    1.0 + u_latency * (p.bot_seconds - 1.0)
                } else {
                    (p.agent_mu + p.agent_sigma * inverse_normal(u_latency)).exp()
                }
            } else if bot {
                1.0 + sub.u01() * (p.bot_seconds - 1.0)
            } else {
                exponential(p.reply_gap, sub.u01())
            };
            let at = target.max(previous) + seconds(delay.round());
            emit(at, if bot { OUT | p.automated_by } else { OUT });
            previous = at;
        }
        if u_follow < p.follow_up {
            let delay = seconds(exponential(p.follow_up_delay, u_delay));
            emit(
                last_inbound + DAY + delay,
                template(KIND_UTILITY, &p.utility_delivery, u_status),
            );
        }
        last_inbound
    }

    /// Generates a month for contacts `range` into hour buckets (and records past the
    /// month's end into `spill`).
    fn fill(
        &self,
        key: &[u8; 32],
        m: &Month,
        range: std::ops::Range<u32>,
        buckets: &mut [Vec<Rec>],
    ) -> Vec<Rec> {
        let mut spill = Vec::new();
        let mut ends = Vec::new();
        for c in range {
            let mut seq: u16 = 0;
            self.contact_month(key, m, c, &mut ends, &mut |t, tag| {
                if t < m.start.max(self.start) || t >= self.end {
                    return;
                }
                let rec = Rec {
                    time: (t - self.start) as u32,
                    contact: c,
                    seq,
                    tag,
                };
                seq = seq.saturating_add(1);
                if t >= m.end {
                    spill.push(rec);
                } else {
                    buckets[((t - m.start) / HOUR) as usize].push(rec);
                }
            });
        }
        spill
    }

    /// Generates a month: hour buckets of records, unsorted, and records past its end.
    fn generate(
        &self,
        key: &[u8; 32],
        index: u32,
        carried: Vec<Rec>,
        threads: usize,
    ) -> (Vec<Vec<Rec>>, Vec<Rec>) {
        let m = self.month(index);
        let hours = ((m.end - m.start + HOUR - 1) / HOUR).max(1) as usize;
        let n = self.contacts.len() as u32;
        let parts = if threads <= 1 || n < 1024 { 1 } else { threads };
        // Room for the expected records of an hour, so that buckets rarely grow.
        let per_bucket =
            (self.p.expected * f64::from(n) * 1.25 / hours as f64 / parts as f64) as usize + 4;
        let new_buckets =
            || -> Vec<Vec<Rec>> { (0..hours).map(|_| Vec::with_capacity(per_bucket)).collect() };
        let mut buckets = new_buckets();
        let mut spill = Vec::new();
        for r in carried {
            let t = self.start + i64::from(r.time);
            if t >= m.end {
                spill.push(r);
            } else {
                buckets[((t - m.start).max(0) / HOUR) as usize].push(r);
            }
        }
        if parts == 1 {
            spill.extend(self.fill(key, &m, 0..n, &mut buckets));
            return (buckets, spill);
        }
        let parts = parts as u32;
        let results: Vec<(Vec<Vec<Rec>>, Vec<Rec>)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..parts)
                .map(|k| {
                    let m = &m;
                    let new_buckets = &new_buckets;
                    scope.spawn(move || {
                        let mut b = new_buckets();
                        let range = (n as u64 * k as u64 / parts as u64) as u32
                            ..(n as u64 * (k as u64 + 1) / parts as u64) as u32;
                        let s = self.fill(key, m, range, &mut b);
                        (b, s)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("generator thread"))
                .collect()
        });
        for (b, s) in results {
            for (into, mut from) in buckets.iter_mut().zip(b) {
                into.append(&mut from);
            }
            spill.extend(s);
        }
        (buckets, spill)
    }

    fn event(&self, r: Rec, id: u64, key: &[u8; 32]) -> Event {
        let t = r.tag;
        let direction = if t & OUT != 0 {
            Direction::Outbound
        } else {
            Direction::Inbound
        };
        let mut details = crate::event::Details::NONE;
        let kind = match (t >> 1) & 3 {
            1 => MessageKind::Template(Category::Marketing),
            2 => MessageKind::Template(Category::Utility),
            3 => MessageKind::Template(Category::Authentication),
            _ if t & BY_BUSINESS_AGENT != 0 => {
                details.tokens = Some(self.tokens(r, key));
                MessageKind::BusinessAgent
            }
            _ => MessageKind::FreeForm,
        };
        details.automated = t & BY_BOT != 0;
        let status = match (t >> 3) & 3 {
            1 => Status::Failed,
            2 => Status::Sent,
            _ => Status::Delivered,
        };
        let entry_point = match (t >> 5) & 3 {
            1 => Some(EntryPoint::CtwaAd),
            2 => Some(EntryPoint::PageCta),
            _ => None,
        };
        Event {
            time_ms: (self.start + i64::from(r.time)) * 1000,
            business: self.businesses[r.contact as usize % self.businesses.len()],
            waba: self.waba,
            contact: self.contacts[r.contact as usize],
            direction,
            kind,
            status,
            message_id: Some(message_id(id)),
            entry_point,
            verdict: None,
            details,
        }
    }

    /// A Business Agent reply's tokens: log-normal around the scenario's median, drawn from
    /// the run's seed and the reply's contact, time and order, so that a run is the same
    /// whatever the threads.
    fn tokens(&self, r: Rec, key: &[u8; 32]) -> u32 {
        let mut k = [0u8; 8];
        k.copy_from_slice(&key[..8]);
        let mut rng = SplitMix(
            u64::from_le_bytes(k)
                ^ (u64::from(r.contact) << 32)
                ^ (u64::from(r.time).rotate_left(17))
                ^ u64::from(r.seq),
        );
        let u = rng.u01().clamp(1e-12, 1.0 - 1e-12);
        let n = (self.p.tokens_mu + self.p.tokens_sigma * inverse_normal(u))
            .exp()
            .round();
        // Within u32 by the scenario's checks (p90 ≤ u32::MAX); the tail is capped.
        n.clamp(1.0, f64::from(u32::MAX)) as u32
    }
}

/// The generated events of one run, in time order (see [`Generator::events`]).
pub struct Events<'g> {
    generator: &'g Generator,
    key: [u8; 32],
    threads: usize,
    next_month: u32,
    month_base: u32,
    buckets: Vec<Vec<Rec>>,
    bucket: usize,
    pos: usize,
    spill: Vec<Rec>,
    next_id: u64,
}

impl Events<'_> {
    /// Generates each month on this many threads (the events are the same).
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1);
        self
    }

    /// Sorts the current hour's records by time, contact and order of generation, packed
    /// into one integer (seconds into the hour, contact, sequence).
    fn sort_bucket(&mut self) {
        let base = self.month_base + self.bucket as u32 * HOUR as u32;
        if let Some(b) = self.buckets.get_mut(self.bucket) {
            b.sort_unstable_by_key(|r| {
                (u64::from(r.time - base) << 48) | (u64::from(r.contact) << 16) | u64::from(r.seq)
            });
        }
    }
}

impl Iterator for Events<'_> {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(b) = self.buckets.get(self.bucket) {
                if let Some(r) = b.get(self.pos) {
                    self.pos += 1;
                    self.next_id += 1;
                    return Some(self.generator.event(*r, self.next_id, &self.key));
                }
                self.buckets[self.bucket] = Vec::new();
                self.bucket += 1;
                self.pos = 0;
                self.sort_bucket();
                continue;
            }
            let g = self.generator;
            if self.next_month as usize >= g.months.len() {
                return None;
            }
            let carried = std::mem::take(&mut self.spill);
            let (buckets, spill) = g.generate(&self.key, self.next_month, carried, self.threads);
            self.next_month += 1;
            self.buckets = buckets;
            self.spill = spill;
            self.bucket = 0;
            self.pos = 0;
            self.month_base = (g.month_start(self.next_month - 1) - g.start) as u32;
            self.sort_bucket();
        }
    }
}

/// `wamid.sim` and a decimal counter: unique within a run.
fn message_id(n: u64) -> MessageId {
    let mut buf = [0u8; 32];
    let head = b"wamid.sim";
    buf[..head.len()].copy_from_slice(head);
    let mut digits = [0u8; 20];
    let mut k = digits.len();
    let mut v = n;
    loop {
        k -= 1;
        digits[k] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    let len = digits.len() - k;
    buf[head.len()..head.len() + len].copy_from_slice(&digits[k..]);
    MessageId::new(&buf[..head.len() + len]).expect("non-empty id")
}

/// The tag of an outbound template of a kind, delivered, failed or left sent as the draw
/// `u` falls among the delivery rates.
fn template(kind: u16, d: &DeliveryRates, u: f64) -> u16 {
    OUT | kind | status_bits(d, u)
}

/// The status bits of a draw `u` among the delivery rates.
fn status_bits(d: &DeliveryRates, u: f64) -> u16 {
    if u < d.delivered {
        0
    } else if u < d.delivered + d.failed {
        STATUS_FAILED
    } else {
        STATUS_SENT
    }
}

/// A delay in whole seconds: at least 1, at most ~30 years (later than any period).
fn seconds(x: f64) -> i64 {
    if x.is_nan() {
        return 1;
    }
    x.clamp(1.0, 1e9) as i64
}

/// The start of a local hour, in Unix seconds; an hour skipped by a clock change starts
/// when the clocks jumped over it.
fn local_time(tz: Tz, date: NaiveDate, hour: u32) -> i64 {
    let naive = date.and_hms_opt(hour, 0, 0).unwrap_or_default();
    calendar::local_time_or_after(tz, naive)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_are_decimal_counters() {
        assert_eq!(message_id(0).as_str(), "wamid.sim0");
        assert_eq!(message_id(1234567).as_str(), "wamid.sim1234567");
        assert_eq!(
            message_id(u64::MAX).as_str(),
            format!("wamid.sim{}", u64::MAX)
        );
    }

    #[test]
    fn extreme_values_stay_inside_the_period() {
        let s = Scenario::parse(
            r#"
[period]
start = 2026-02-01
months = 2
[audience.BR]
contacts = 50
[inbound]
conversations_per_contact_month = 3
messages_per_conversation = 80
message_gap_minutes = 100000
[service]
agent_median_minutes = 0.001
agent_p90_minutes = 1e12
replies_per_conversation = 70
reply_gap_minutes = 1e9
follow_up_share = 1
follow_up_delay_hours = 1e15
"#,
            "extreme.toml",
        )
        .unwrap();
        let g = Generator::new(&s, 3).unwrap().with_threads(2);
        let (start, end) = g.period();
        let events: Vec<Event> = g.events().collect();
        assert!(!events.is_empty());
        assert!(events.windows(2).all(|w| w[0].time_ms <= w[1].time_ms));
        assert!(events.iter().all(|e| e.time_ms >= start && e.time_ms < end));
    }

    #[test]
    fn local_hours_cross_clock_changes() {
        let tz: Tz = "America/New_York".parse().unwrap();
        let d = NaiveDate::from_ymd_opt(2026, 3, 8).unwrap();
        // 02:00 does not exist that day: it maps to 03:00 EDT (07:00 UTC).
        assert_eq!(local_time(tz, d, 2), local_time(tz, d, 3));
        assert_eq!(local_time(tz, d, 3) - local_time(tz, d, 1), HOUR);
    }
}
