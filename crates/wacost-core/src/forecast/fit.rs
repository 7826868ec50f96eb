//! A scenario learnt from a log: the numbers a [`Scenario`] asks for, measured on the log's
//! messages, written as a scenario file the user can read and edit.
//!
//! What is measured, over the days learnt from (a period of the log; every figure "per
//! contact and month" is divided by the contacts seen and by the months those days make,
//! each month counting the share of its days covered):
//!
//! - **audience**: the (business number, customer) pairs with a message in those days, by
//!   the customer's country;
//! - **conversations**: a conversation starts when a customer writes with no customer
//!   service window of theirs open (none of their messages in the previous 24 h); its
//!   messages are theirs until the next one starts; the share that came from an ad or a
//!   Page button;
//! - **replies**: the business's free-form messages between a conversation's start and the
//!   next one's; the first reply's delay: within [`BOT_SECONDS`] it is automation, later an
//!   agent (median and 90th percentile of the agents' delays);
//! - **templates**: per category and contact and month; utility templates inside a customer
//!   service window, as the share the simulator sends inside one (it can only do so for
//!   contacts who wrote that month: the observed share is divided by the chance a contact
//!   writes in a month); marketing as campaigns (as many blasts a month as the templates per
//!   contact round up to, each to the share of contacts that gives the same number, at the
//!   hour most were sent); delivered and failed shares per category;
//! - **profiles**: the local hour and weekday of conversation starts and of utility and
//!   authentication templates (weekdays per day of that weekday in the period).
//!
//! Follow-ups after the window closed are utility templates outside the window: they are
//! counted with the utility templates (the scenario's `follow_up_share` is 0).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate, Timelike};
use chrono_tz::Tz;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::calendar::{self, Month};
use crate::charge::Charge;
use crate::classify::HOUR_MS;
use crate::event::{BusinessId, Direction, EntryPoint, Event, MessageKind, Status};
use crate::period::Period;
use crate::pricing::RateBook;
use crate::pricing::category::Category;
use crate::pricing::phone::ContactNumber;

/// A first reply within this many seconds of the customer's message is automation (a bot).
pub const BOT_SECONDS: i64 = 60;

/// Delivered and failed shares of one kind of template.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// Templates of the kind sent.
    pub sent: u64,
    /// Share delivered (or read).
    pub delivered: f64,
    /// Share failed.
    pub failed: f64,
}

/// The numbers learnt from a log, before they are written as a scenario.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Fitted {
    /// The WABA's time zone.
    pub timezone: String,
    /// The business numbers seen.
    pub business_numbers: Vec<String>,
    /// The days learnt from.
    pub period: String,
    /// The months those days make (a month's share of days covered, summed).
    pub months: f64,
    /// Contacts by country (ISO code), or by calling code (`+N`) where the country is not
    /// known.
    pub audience: BTreeMap<String, u32>,
    /// Conversations a contact starts per month.
    pub conversations_per_contact_month: f64,
    /// Customer messages per conversation.
    pub messages_per_conversation: f64,
    /// Mean minutes between a customer's messages within a conversation.
    pub message_gap_minutes: f64,
    /// Share of conversations from a click-to-WhatsApp ad.
    pub ctwa_ad_share: f64,
    /// Share of conversations from a Page button.
    pub page_cta_share: f64,
    /// Share of answered conversations whose first reply came within [`BOT_SECONDS`].
    pub automation_share: f64,
    /// The slowest automated first reply, in seconds (at least 1).
    pub automation_reply_seconds: f64,
    /// Agents' first reply: median delay, minutes.
    pub agent_median_minutes: f64,
    /// Agents' first reply: 90th percentile delay, minutes.
    pub agent_p90_minutes: f64,
    /// Free-form replies per conversation.
    pub replies_per_conversation: f64,
    /// Mean minutes between replies after the first.
    pub reply_gap_minutes: f64,
    /// Marketing templates per contact and month.
    pub marketing_per_contact_month: f64,
    /// The local hour most marketing templates went out.
    pub marketing_hour: u32,
    /// Utility templates per contact and month.
    pub utility_per_contact_month: f64,
    /// Share of utility templates sent inside a customer service window (as observed).
    pub utility_in_window_observed: f64,
    /// Authentication templates per contact and month.
    pub authentication_per_contact_month: f64,
    /// Delivery of marketing, utility and authentication templates.
    pub delivery: BTreeMap<String, Delivery>,
    /// Relative weight of each local hour (conversation starts, utility and authentication
    /// templates).
    pub hourly: Vec<f64>,
    /// Relative weight of each weekday, Monday first.
    pub weekday: Vec<f64>,
    /// Free-form messages sent with no conversation to answer (not counted as replies).
    pub unanswerable_free_form: u64,
}

/// Why a log cannot be learnt from.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FitError {
    /// No message in the days to learn from.
    #[error("no message to learn from in {period}")]
    Empty {
        /// The period.
        period: String,
    },
}

type Pair = (BusinessId, ContactNumber);

#[derive(Default)]
struct PairLog {
    inbound: Vec<(i64, Option<EntryPoint>)>,
    out: Vec<(i64, MessageKind, Status)>,
}

/// Learns the scenario's numbers from a log's events and the message lines of its replay,
/// over the days of `period` (the log's own days when it is open).
pub fn fit(
    book: &RateBook,
    tz: Tz,
    events: &[Event],
    lines: &[Charge],
    period: &Period,
) -> Result<Fitted, FitError> {
    let date = |t: i64| calendar::local_date(tz, t.div_euclid(1000));
    let mut pairs: FxHashMap<Pair, PairLog> = FxHashMap::default();
    let mut all_inbound: FxHashMap<Pair, Vec<i64>> = FxHashMap::default();
    let (mut first, mut last) = (None::<NaiveDate>, None::<NaiveDate>);
    let mut seen = |d: NaiveDate| {
        first = Some(first.map_or(d, |f: NaiveDate| f.min(d)));
        last = Some(last.map_or(d, |l: NaiveDate| l.max(d)));
    };
    for ev in events.iter().filter(|e| e.direction == Direction::Inbound) {
        let pair = (ev.business, ev.contact);
        let times = all_inbound.entry(pair).or_default();
        // An exact repeat (same instant) is one message.
        if times.last() == Some(&ev.time_ms) {
            continue;
        }
        times.push(ev.time_ms);
        let d = date(ev.time_ms);
        if period.contains(d) {
            seen(d);
            pairs
                .entry(pair)
                .or_default()
                .inbound
                .push((ev.time_ms, ev.entry_point));
        }
    }
    for c in lines {
        let (Some(contact), Some(kind), Some(status)) = (c.contact, c.offer, c.status) else {
            continue;
        };
        if period.contains(c.date) {
            seen(c.date);
            pairs
                .entry((c.business, contact))
                .or_default()
                .out
                .push((c.time_ms, kind, status));
        }
    }
    let (Some(from), Some(to)) = (period.from.or(first), period.to.or(last)) else {
        return Err(FitError::Empty {
            period: period.to_string(),
        });
    };
    if pairs.is_empty() {
        return Err(FitError::Empty {
            period: period.to_string(),
        });
    }
    let window = i64::from(book.regimes.windows.customer_service_hours) * HOUR_MS;
    let months = months_covered(from, to);
    let mut f = Fitted {
        timezone: tz.name().to_string(),
        period: Period {
            from: Some(from),
            to: Some(to),
        }
        .to_string(),
        months,
        ..Fitted::default()
    };
    let mut businesses: Vec<String> = pairs.keys().map(|(b, _)| b.name()).collect();
    businesses.sort();
    businesses.dedup();
    f.business_numbers = businesses;

    let mut m = Measures::default();
    for ((business, contact), p) in &pairs {
        let country = book.markets.country_of(*contact);
        let key = if country == crate::pricing::phone::Country::UNKNOWN {
            format!("+{}", contact.calling_code())
        } else {
            country.code().to_string()
        };
        *f.audience.entry(key).or_default() += 1;
        let inbound_all = all_inbound
            .get(&(*business, *contact))
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        m.pair(tz, p, inbound_all, window);
    }
    let contacts = pairs.len() as f64;
    let per_contact_month = |n: u64| round6(n as f64 / (contacts * months));
    f.conversations_per_contact_month = per_contact_month(m.conversations);
    f.messages_per_conversation = if m.conversations > 0 {
        round6((m.inbound as f64 / m.conversations as f64).max(1.0))
    } else {
        1.0
    };
    f.message_gap_minutes = mean_minutes(&m.message_gaps).unwrap_or(2.0);
    f.ctwa_ad_share = share(m.ads, m.conversations);
    // Rounded apart, the two shares must still add up to at most 1.
    f.page_cta_share = share(m.pages, m.conversations).min(1.0 - f.ctwa_ad_share);
    let answered = m.bot_latencies.len() + m.agent_latencies.len();
    f.automation_share = share(m.bot_latencies.len() as u64, answered as u64);
    f.automation_reply_seconds = m
        .bot_latencies
        .iter()
        .copied()
        .max()
        .map_or(5.0, |ms| (ms as f64 / 1000.0).ceil().max(1.0));
    let mut agents = m.agent_latencies.clone();
    agents.sort_unstable();
    let minutes = |ms: i64| round6((ms as f64 / 60_000.0).max(0.1));
    f.agent_median_minutes = rank(&agents, 50).map_or(15.0, minutes);
    f.agent_p90_minutes = rank(&agents, 90)
        .map_or(120.0, minutes)
        .max(f.agent_median_minutes);
    f.replies_per_conversation = if m.conversations > 0 {
        round6(m.replies as f64 / m.conversations as f64)
    } else {
        0.0
    };
    f.reply_gap_minutes = mean_minutes(&m.reply_gaps).unwrap_or(2.0);
    f.unanswerable_free_form = m.orphan_replies;
    let count = |c: usize| m.templates[c].sent;
    f.marketing_per_contact_month = per_contact_month(count(0));
    f.marketing_hour = (0..24)
        .max_by_key(|h| (m.marketing_hours[*h], std::cmp::Reverse(*h)))
        .unwrap_or(10) as u32;
    f.utility_per_contact_month = per_contact_month(count(1));
    f.utility_in_window_observed = share(m.utility_in_window, count(1));
    f.authentication_per_contact_month = per_contact_month(count(2));
    for (i, name) in ["marketing", "utility", "authentication"]
        .into_iter()
        .enumerate()
    {
        let t = m.templates[i];
        f.delivery.insert(
            name.to_string(),
            Delivery {
                sent: t.sent,
                delivered: share(t.delivered, t.sent),
                failed: share(t.failed, t.sent).min(1.0 - share(t.delivered, t.sent)),
            },
        );
    }
    f.hourly = weights(&m.hours.map(|n| n as f64));
    let mut per_day = [0.0; 7];
    let mut d = from;
    let mut days = [0u32; 7];
    while d <= to {
        days[d.weekday().num_days_from_monday() as usize] += 1;
        match d.succ_opt() {
            Some(n) => d = n,
            None => break,
        }
    }
    for (i, slot) in per_day.iter_mut().enumerate() {
        if days[i] > 0 {
            *slot = m.weekdays[i] as f64 / f64::from(days[i]);
        }
    }
    f.weekday = weights(&per_day);
    Ok(f)
}

#[derive(Clone, Copy, Default)]
struct Sent {
    sent: u64,
    delivered: u64,
    failed: u64,
}

#[derive(Default)]
struct Measures {
    conversations: u64,
    inbound: u64,
    ads: u64,
    pages: u64,
    message_gaps: Vec<i64>,
    bot_latencies: Vec<i64>,
    agent_latencies: Vec<i64>,
    replies: u64,
    reply_gaps: Vec<i64>,
    orphan_replies: u64,
    templates: [Sent; 3],
    utility_in_window: u64,
    marketing_hours: [u64; 24],
    hours: [u64; 24],
    weekdays: [u64; 7],
}

impl Measures {
    fn profile(&mut self, tz: Tz, t: i64) {
        let local = chrono::DateTime::from_timestamp_millis(t)
            .unwrap_or_default()
            .with_timezone(&tz);
        self.hours[local.hour() as usize] += 1;
        self.weekdays[local.weekday().num_days_from_monday() as usize] += 1;
    }

    /// One pair's messages in the period; `inbound_all` are its customer's messages in the
    /// whole log (for the window a template went out in).
    fn pair(&mut self, tz: Tz, p: &PairLog, inbound_all: &[i64], window: i64) {
        let mut starts: Vec<i64> = Vec::new();
        let mut previous: Option<i64> = None;
        for (t, entry) in &p.inbound {
            self.inbound += 1;
            let new = previous.is_none_or(|prev| t - prev >= window);
            if new {
                starts.push(*t);
                self.conversations += 1;
                match entry {
                    Some(EntryPoint::CtwaAd) => self.ads += 1,
                    Some(EntryPoint::PageCta) => self.pages += 1,
                    None => {}
                }
                self.profile(tz, *t);
            } else if let Some(prev) = previous {
                self.message_gaps.push(t - prev);
            }
            previous = Some(*t);
        }
        // Replies, by the conversation they follow.
        let mut replies: Vec<Vec<i64>> = vec![Vec::new(); starts.len()];
        for (t, kind, status) in &p.out {
            match kind {
                // A Business Agent reply answers the conversation as a free-form one does.
                MessageKind::FreeForm | MessageKind::BusinessAgent => {
                    let k = starts.partition_point(|s| s <= t);
                    match k.checked_sub(1) {
                        Some(k) => replies[k].push(*t),
                        None => self.orphan_replies += 1,
                    }
                }
                MessageKind::Template(c) => {
                    let i = match c {
                        Category::Marketing => 0,
                        Category::Utility => 1,
                        _ => 2,
                    };
                    let s = &mut self.templates[i];
                    s.sent += 1;
                    if status.delivered() {
                        s.delivered += 1;
                    } else if *status == Status::Failed {
                        s.failed += 1;
                    }
                    let local_hour = chrono::DateTime::from_timestamp_millis(*t)
                        .unwrap_or_default()
                        .with_timezone(&tz)
                        .hour() as usize;
                    if i == 0 {
                        self.marketing_hours[local_hour] += 1;
                        continue;
                    }
                    self.profile(tz, *t);
                    if i == 1 {
                        let k = inbound_all.partition_point(|x| x <= t);
                        if k > 0 && t - inbound_all[k - 1] < window {
                            self.utility_in_window += 1;
                        }
                    }
                }
                // Reactions cost nothing; group messages are not learnt (the scenario has
                // no groups).
                MessageKind::Reaction
                | MessageKind::GroupTemplate(_)
                | MessageKind::GroupFreeForm => {}
            }
        }
        for (start, r) in starts.iter().zip(&replies) {
            self.replies += r.len() as u64;
            if let Some(first) = r.first() {
                let delay = first - start;
                if delay <= BOT_SECONDS * 1000 {
                    self.bot_latencies.push(delay.max(1000));
                } else {
                    self.agent_latencies.push(delay);
                }
            }
            self.reply_gaps.extend(r.windows(2).map(|w| w[1] - w[0]));
        }
    }
}

/// The months from `from` to `to` (both included): each month counts the share of its days
/// covered.
pub fn months_covered(from: NaiveDate, to: NaiveDate) -> f64 {
    let mut total = 0.0;
    let mut month = Month::of(from);
    while month.first_day() <= to {
        let whole = Period::month(month);
        let (first, last) = (
            whole.from.unwrap_or(from).max(from),
            whole.to.unwrap_or(to).min(to),
        );
        let in_month = (whole.to.unwrap_or(to) - whole.from.unwrap_or(from)).num_days() + 1;
        let covered = (last - first).num_days() + 1;
        total += covered as f64 / in_month as f64;
        match month.first_day().checked_add_months(chrono::Months::new(1)) {
            Some(next) => month = Month::of(next),
            None => break,
        }
    }
    total
}

fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        round6(part as f64 / whole as f64)
    }
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

fn mean_minutes(gaps: &[i64]) -> Option<f64> {
    (!gaps.is_empty()).then(|| {
        let sum: f64 = gaps.iter().map(|g| *g as f64).sum();
        round6((sum / gaps.len() as f64 / 60_000.0).max(0.01))
    })
}

/// The `p`-th percentile by nearest rank of sorted values.
fn rank(sorted: &[i64], p: usize) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let r = (p * sorted.len()).div_ceil(100).max(1);
    sorted.get(r.min(sorted.len()) - 1).copied()
}

/// Counts as relative weights averaging 1, to 4 places (all 1 when there are none).
fn weights(counts: &[f64]) -> Vec<f64> {
    let total: f64 = counts.iter().sum();
    if total <= 0.0 {
        return vec![1.0; counts.len()];
    }
    let mean = total / counts.len() as f64;
    counts
        .iter()
        .map(|c| (c / mean * 1e4).round() / 1e4)
        .collect()
}

/// A number as TOML writes it: always with a decimal point (shortest form that reads back
/// to the same value).
fn num(x: f64) -> String {
    let s = format!("{x:?}");
    if s.contains(['.', 'e', 'E']) || s.contains("inf") || s.contains("NaN") {
        s
    } else {
        format!("{s}.0")
    }
}

fn list(xs: &[f64]) -> String {
    let items: Vec<String> = xs.iter().map(|x| num(*x)).collect();
    format!("[{}]", items.join(", "))
}

fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl Fitted {
    /// The scenario file: every learnt number with a comment saying what it is and how it
    /// was measured, simulating `months` calendar months from `start` with `seed`. It reads
    /// back with [`crate::simulate::Scenario::parse`] to exactly these numbers.
    pub fn scenario_text(&self, name: &str, start: NaiveDate, months: u32, seed: u64) -> String {
        let mut s = String::new();
        let d = |k: &str| self.delivery.get(k).copied().unwrap_or_default();
        let _ = writeln!(
            s,
            "# wacost scenario learnt from a log ({}: {:.2} months of traffic). Edit any number\n\
             # and run it again: wacost simulate FILE. Fields as in data/scenarios/shop.toml.\n",
            self.period, self.months
        );
        let _ = writeln!(s, "name = {}", quote(name));
        let _ = writeln!(
            s,
            "description = {}",
            quote(&format!("learnt from {} by wacost forecast", self.period))
        );
        let _ = writeln!(s, "seed = {seed}");
        let _ = writeln!(s, "timezone = {}", quote(&self.timezone));
        let numbers: Vec<String> = self.business_numbers.iter().map(|b| quote(b)).collect();
        let _ = writeln!(s, "business_numbers = [{}]", numbers.join(", "));
        let _ = writeln!(s, "counts = \"poisson\"\n");
        let _ = writeln!(s, "[period]\nstart = {start}\nmonths = {months}\n");
        s.push_str(
            "# Contacts seen (business number and customer pairs with a message), by country.\n",
        );
        for (key, n) in &self.audience {
            if let Some(code) = key.strip_prefix('+') {
                let _ = writeln!(
                    s,
                    "[audience.calling_code_{code}]\nprefix = {}\ncontacts = {n}\n",
                    quote(key)
                );
            } else {
                let _ = writeln!(s, "[audience.{key}]\ncontacts = {n}\n");
            }
        }
        let _ = writeln!(
            s,
            "[inbound]\n\
             # Conversations (a customer writing with no window of theirs open) per contact and month.\n\
             conversations_per_contact_month = {}\n\
             # Customer messages per conversation, and the mean minutes between them.\n\
             messages_per_conversation = {}\n\
             message_gap_minutes = {}\n\
             # Weight of each local hour (conversation starts, utility and authentication templates).\n\
             hourly = {}\n\
             # Weight of each weekday, Monday first (per day of that weekday in the period).\n\
             weekday = {}\n\
             # Shares of conversations that came from a click-to-WhatsApp ad or a Page button.\n\
             ctwa_ad_share = {}\n\
             page_cta_share = {}\n",
            num(self.conversations_per_contact_month),
            num(self.messages_per_conversation),
            num(self.message_gap_minutes),
            list(&self.hourly),
            list(&self.weekday),
            num(self.ctwa_ad_share),
            num(self.page_cta_share),
        );
        let _ = writeln!(
            s,
            "[service]\n\
             # Share of answered conversations whose first reply came within {BOT_SECONDS} s (automation),\n\
             # and the slowest of those replies in seconds.\n\
             automation_share = {}\n\
             automation_reply_seconds = {}\n\
             # Agents' first reply: median and 90th percentile minutes.\n\
             agent_median_minutes = {}\n\
             agent_p90_minutes = {}\n\
             # Free-form replies per conversation, and the mean minutes between them.\n\
             replies_per_conversation = {}\n\
             reply_gap_minutes = {}\n\
             # Follow-ups after the window closed are counted with the utility templates.\n\
             follow_up_share = 0.0\n",
            num(self.automation_share),
            num(self.automation_reply_seconds),
            num(self.agent_median_minutes),
            num(self.agent_p90_minutes),
            num(self.replies_per_conversation),
            num(self.reply_gap_minutes),
        );
        let m = self.marketing_per_contact_month;
        if m > 0.0 {
            let sends = (m.ceil() as u32).clamp(1, 31);
            let _ = writeln!(
                s,
                "# {} marketing templates per contact and month: {sends} blast(s) a month, each to\n\
                 # the share of contacts that gives that number, at the hour most went out.\n\
                 [templates.marketing.learnt]\n\
                 audience_share = {}\n\
                 sends_per_month = {sends}\n\
                 send_hour = {}\n",
                num(m),
                num((m / f64::from(sends)).min(1.0)),
                self.marketing_hour,
            );
        }
        let conversing = 1.0 - (-self.conversations_per_contact_month).exp();
        let in_window = if conversing > 0.0 {
            (self.utility_in_window_observed / conversing).min(1.0)
        } else {
            0.0
        };
        let _ = writeln!(
            s,
            "[templates.utility]\n\
             per_contact_month = {}\n\
             # {} of utility templates went out inside a customer service window; the simulator\n\
             # can do so only for contacts who wrote that month ({} of them), hence this share.\n\
             in_window_share = {}\n\n\
             [templates.authentication]\n\
             per_contact_month = {}\n",
            num(self.utility_per_contact_month),
            num(self.utility_in_window_observed),
            num(round6(conversing)),
            num(round6(in_window)),
            num(self.authentication_per_contact_month),
        );
        for kind in ["marketing", "utility", "authentication"] {
            let dl = d(kind);
            let _ = writeln!(
                s,
                "# {} {kind} templates sent: shares delivered and failed.\n\
                 [delivery.{kind}]\ndelivered = {}\nfailed = {}\n",
                dl.sent,
                num(if dl.sent == 0 { 1.0 } else { dl.delivered }),
                num(dl.failed),
            );
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::ClassifyConfig;
    use crate::whatif::messages::MessageLines;
    use chrono::{TimeZone, Utc};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn months_count_the_days_covered() {
        assert_eq!(months_covered(d("2026-11-01"), d("2026-11-30")), 1.0);
        assert_eq!(months_covered(d("2026-11-01"), d("2026-12-31")), 2.0);
        assert_eq!(months_covered(d("2026-11-16"), d("2026-11-30")), 0.5);
        assert_eq!(
            months_covered(d("2026-02-15"), d("2026-03-31")),
            14.0 / 28.0 + 1.0
        );
    }

    #[test]
    fn a_small_log_by_hand() {
        let book = RateBook::embedded().unwrap();
        let at = |day, h, m, s| Utc.with_ymd_and_hms(2026, 2, day, h, m, s).unwrap();
        let shop = "+1 555 010 0001";
        let ana = "+5511900000001".parse().unwrap();
        let bia = "+5215512345678".parse().unwrap();
        let mut events = vec![
            // Ana's first conversation (from an ad): two messages 2 minutes apart, a bot's
            // reply after 3 s, another reply, an order update inside the window.
            Event::inbound(at(2, 9, 0, 0), shop, ana).with_entry_point(EntryPoint::CtwaAd),
            Event::free_form(at(2, 9, 0, 3), shop, ana),
            Event::inbound(at(2, 9, 2, 0), shop, ana),
            Event::free_form(at(2, 9, 5, 0), shop, ana),
            Event::template(at(2, 10, 0, 0), shop, ana, Category::Utility),
            // Her second, eight days later: an agent answers after 30 minutes.
            Event::inbound(at(10, 10, 0, 0), shop, ana),
            Event::free_form(at(10, 10, 30, 0), shop, ana),
            // Bia gets two marketing templates (one fails) and a login code.
            Event::template(at(3, 10, 0, 0), shop, bia, Category::Marketing),
            Event::template(at(15, 10, 0, 0), shop, bia, Category::Marketing)
                .with_status(Status::Failed),
            Event::template(at(16, 20, 0, 0), shop, bia, Category::Authentication),
        ];
        events.sort_by_key(|e| e.time_ms);
        let mut lines = MessageLines::default();
        crate::replay::price_events(&book, ClassifyConfig::default(), &events, &mut lines).unwrap();
        let feb = Period::month(Period::parse_month("2026-02").unwrap());
        let f = fit(&book, chrono_tz::UTC, &events, &lines.0, &feb).unwrap();
        assert_eq!(f.period, "2026-02");
        assert_eq!(f.months, 1.0);
        let audience: Vec<(&str, u32)> = f.audience.iter().map(|(k, n)| (k.as_str(), *n)).collect();
        assert_eq!(audience, [("BR", 1), ("MX", 1)]);
        // 2 conversations, 3 customer messages, over 2 contacts and 1 month.
        assert_eq!(f.conversations_per_contact_month, 1.0);
        assert_eq!(f.messages_per_conversation, 1.5);
        assert_eq!(f.message_gap_minutes, 2.0);
        assert_eq!((f.ctwa_ad_share, f.page_cta_share), (0.5, 0.0));
        // First replies: 3 s (automation) and 30 min (an agent).
        assert_eq!(f.automation_share, 0.5);
        assert_eq!(f.automation_reply_seconds, 3.0);
        assert_eq!((f.agent_median_minutes, f.agent_p90_minutes), (30.0, 30.0));
        // 3 replies; 4 min 57 s between the first conversation's two.
        assert_eq!(f.replies_per_conversation, 1.5);
        assert_eq!(f.reply_gap_minutes, 4.95);
        assert_eq!(f.marketing_per_contact_month, 1.0);
        assert_eq!(f.marketing_hour, 10);
        assert_eq!(f.utility_per_contact_month, 0.5);
        assert_eq!(f.utility_in_window_observed, 1.0);
        assert_eq!(f.authentication_per_contact_month, 0.5);
        let m = f.delivery["marketing"];
        assert_eq!((m.sent, m.delivered, m.failed), (2, 0.5, 0.5));
        // Hours: conversations at 9 and 10, the update at 10, the code at 20.
        let hours: Vec<usize> = (0..24).filter(|h| f.hourly[*h] > 0.0).collect();
        assert_eq!(hours, [9, 10, 20]);
        assert_eq!(f.hourly[10], 12.0);
        // The scenario reads back to these numbers.
        let text = f.scenario_text("test", d("2026-03-01"), 2, 7);
        let s = crate::simulate::Scenario::parse(&text, "learnt").unwrap();
        assert_eq!(s.inbound.messages_per_conversation, 1.5);
        assert_eq!(s.service.automation_share, 0.5);
        assert_eq!(s.templates.marketing["learnt"].sends_per_month, 1);
        assert_eq!(s.templates.marketing["learnt"].audience_share, 1.0);
        assert_eq!(s.delivery.marketing.failed, 0.5);
        assert_eq!(s.period.months, 2);
        // Ana wrote in February: the simulator sends her updates inside a window with the
        // chance 1 - e^-1 of her writing that month.
        let expected = 1.0 / (1.0 - (-1.0f64).exp());
        assert!((s.templates.utility.in_window_share - expected.min(1.0)).abs() < 1e-6);
    }
}
