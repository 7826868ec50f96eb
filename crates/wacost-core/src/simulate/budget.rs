//! What a simulation will ask of the machine, estimated from the scenario before anything
//! is generated, and the limits beyond which it is refused.
//!
//! A scenario can be valid and still impossible: 4 billion contacts, a billion conversations
//! per contact, a billion runs. Such a run would not fail: it would swap, be killed by the
//! system or run for years. [`Workload::check`] refuses it up front, saying what it would
//! need.
//!
//! ## The model
//!
//! Measured on the project's machine (2 cores, release build; `benches/simulate.rs` and
//! `/usr/bin/time -v` on scaled-up scenarios):
//!
//! - every variant (the base and each strategy) keeps each contact's number and random
//!   stream: [`BYTES_PER_CONTACT`];
//! - a run in progress holds the generated records of its busiest month
//!   ([`BYTES_PER_MESSAGE`] each) and the pricing state of every contact that had a message
//!   ([`BYTES_PER_ACTIVE_CONTACT`]); `workers` runs are in progress at once;
//! - every finished run keeps its totals ([`BYTES_PER_RUN`] per variant);
//! - time: [`SECONDS_PER_MESSAGE`] to generate and price a message, [`SECONDS_PER_CONTACT_MONTH`]
//!   per contact and month even without messages, on each worker.
//!
//! Messages are the scenario's expectations (rates per contact per month), so the estimate
//! is of the mean run: a Poisson run differs from it by a few per cent.

use std::fmt;

use super::scenario::{Scenario, ScenarioError};

/// Memory that does not depend on the scenario: the program, the embedded rate cards and
/// phone-number metadata.
pub const BASE_BYTES: f64 = 48.0 * MIB;
/// Memory per contact and variant: its number and its random stream.
pub const BYTES_PER_CONTACT: f64 = 16.0;
/// Memory per message of a run's busiest month, while the run is in progress.
pub const BYTES_PER_MESSAGE: f64 = 16.0;
/// Memory per contact with at least one message in a run in progress (windows, allowances,
/// pending statuses).
pub const BYTES_PER_ACTIVE_CONTACT: f64 = 512.0;
/// Memory per finished run and variant (its totals by category).
pub const BYTES_PER_RUN: f64 = 384.0;
/// Time to generate and price one message on one worker (about 2 million a second).
/// Measured in release on 2 cores (2026-11-30): data/scenarios/shop.toml, 200 runs of 6
/// variants (about 85.7 million messages), 42.9 s of CPU, 0.50 µs a message;
/// data/scenarios/demo.toml, 20 runs (2.15 million messages), 1.5 s of CPU with the start-up.
pub const SECONDS_PER_MESSAGE: f64 = 0.5e-6;
/// Time per contact and month on one worker, messages or not.
pub const SECONDS_PER_CONTACT_MONTH: f64 = 0.25e-6;

const MIB: f64 = 1024.0 * 1024.0;
const GIB: f64 = 1024.0 * MIB;

/// How far a simulation may go before it is refused.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    /// Bytes of memory.
    pub memory: u64,
    /// Seconds of running time.
    pub seconds: f64,
}

impl Limits {
    /// The default memory limit: 8 GiB.
    pub const MEMORY: u64 = 8 << 30;
    /// The default time limit: one hour.
    pub const SECONDS: f64 = 3600.0;

    /// No limit at all.
    pub fn none() -> Limits {
        Limits {
            memory: u64::MAX,
            seconds: f64::INFINITY,
        }
    }
}

impl Default for Limits {
    /// 8 GiB and one hour.
    fn default() -> Limits {
        Limits {
            memory: Limits::MEMORY,
            seconds: Limits::SECONDS,
        }
    }
}

/// A limit written in a way [`parse_size`] or [`parse_duration`] does not read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    /// Not a size.
    #[error("{0:?}: give a size such as 512M or 16G")]
    Size(String),
    /// Not a time.
    #[error("{0:?}: give a time such as 30m or 12h")]
    Time(String),
}

/// A memory limit as people write it: `512M`, `16G`, `1T` (powers of 1024; `GiB`, `GB` and
/// a bare number of bytes too).
///
/// ```
/// use wacost_core::simulate::budget::parse_size;
/// assert_eq!(parse_size("16G"), Ok(16 << 30));
/// assert_eq!(parse_size("512MiB"), Ok(512 << 20));
/// assert!(parse_size("lots").is_err());
/// ```
pub fn parse_size(s: &str) -> Result<u64, LimitError> {
    let bad = || LimitError::Size(s.to_string());
    let (n, unit) = number_and_unit(s).ok_or_else(bad)?;
    let unit = unit.to_ascii_uppercase();
    let scale: f64 = match unit.trim_end_matches("IB").trim_end_matches('B') {
        "" => 1.0,
        "K" => 1024.0,
        "M" => MIB,
        "G" => GIB,
        "T" => 1024.0 * GIB,
        _ => return Err(bad()),
    };
    Ok((n * scale) as u64)
}

/// A time limit as people write it: `90s`, `30m`, `12h`, `2d` (a bare number is seconds).
///
/// ```
/// use wacost_core::simulate::budget::parse_duration;
/// assert_eq!(parse_duration("30m"), Ok(1800.0));
/// assert_eq!(parse_duration("2d"), Ok(172_800.0));
/// ```
pub fn parse_duration(s: &str) -> Result<f64, LimitError> {
    let bad = || LimitError::Time(s.to_string());
    let (n, unit) = number_and_unit(s).ok_or_else(bad)?;
    let scale = match unit {
        "" | "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        "d" => 86_400.0,
        _ => return Err(bad()),
    };
    Ok(n * scale)
}

/// `16G` → (16, "G"): a number (digits and a point) then a unit.
fn number_and_unit(s: &str) -> Option<(f64, &str)> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    Some((number.parse().ok()?, unit.trim()))
}

/// What a simulation will do: variants of a scenario, each run `runs` times.
#[derive(Clone, Debug, PartialEq)]
pub struct Workload {
    /// Where the scenario comes from, for messages.
    pub origin: String,
    /// Contacts of the largest variant.
    pub contacts: u64,
    /// Months simulated (of the longest variant).
    pub months: u32,
    /// Expected messages of one run of each variant.
    pub messages: Vec<f64>,
    /// Expected messages of the busiest month of one run, over the variants.
    pub busiest_month: f64,
    /// Runs of every variant.
    pub runs: u64,
    /// Runs in progress at once.
    pub workers: u32,
}

/// What a [`Workload`] is expected to need.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// Bytes of memory at the peak.
    pub memory: f64,
    /// Seconds of running time.
    pub seconds: f64,
}

/// A simulation refused because it would need more than the limits allow.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error(
    "{origin}: this simulation would need about {} of memory and {} ({}); the limits are {} \
     and {}",
    bytes(estimate.memory),
    duration(estimate.seconds),
    workload,
    bytes(limits.memory as f64),
    duration(limits.seconds)
)]
pub struct TooLarge {
    /// The scenario.
    pub origin: String,
    /// What it would do.
    pub workload: Workload,
    /// What that would need.
    pub estimate: Estimate,
    /// The limits it passes.
    pub limits: Limits,
}

impl Workload {
    /// The work of simulating `scenario` and the strategies named, `runs` times each, with
    /// `workers` runs at once (a strategy that is not in the scenario is an error).
    pub fn new(
        scenario: &Scenario,
        strategies: &[String],
        runs: u64,
        workers: u32,
    ) -> Result<Workload, ScenarioError> {
        let mut variants = vec![scenario.clone()];
        for name in strategies {
            variants.push(scenario.strategy(name)?);
        }
        let months = variants.iter().map(|s| s.period.months).max().unwrap_or(1);
        let messages: Vec<f64> = variants
            .iter()
            .map(|s| {
                s.contacts() as f64 * expected_per_contact_month(s) * f64::from(s.period.months)
            })
            .collect();
        let busiest_month = variants
            .iter()
            .map(|s| s.contacts() as f64 * expected_per_contact_month(s))
            .fold(0.0, f64::max);
        Ok(Workload {
            origin: scenario.origin().to_string(),
            contacts: variants.iter().map(Scenario::contacts).max().unwrap_or(0),
            months,
            messages,
            busiest_month,
            runs: runs.max(1),
            workers: workers.max(1),
        })
    }

    /// Runs in progress at once.
    fn concurrent(&self) -> f64 {
        self.runs.min(u64::from(self.workers)) as f64
    }

    /// What the work is expected to need.
    pub fn estimate(&self) -> Estimate {
        let variants = self.messages.len() as f64;
        let contacts = self.contacts as f64;
        let run_messages = self.messages.iter().copied().fold(0.0, f64::max);
        let active = contacts.min(run_messages);
        let in_progress =
            self.busiest_month * BYTES_PER_MESSAGE + active * BYTES_PER_ACTIVE_CONTACT;
        let memory = BASE_BYTES
            + variants * contacts * BYTES_PER_CONTACT
            + self.concurrent() * in_progress
            + self.runs as f64 * variants * BYTES_PER_RUN;
        let per_run: f64 = self
            .messages
            .iter()
            .map(|m| {
                m * SECONDS_PER_MESSAGE
                    + contacts * f64::from(self.months) * SECONDS_PER_CONTACT_MONTH
            })
            .sum();
        Estimate {
            memory,
            seconds: per_run * self.runs as f64 / self.concurrent(),
        }
    }

    /// The estimate, or [`TooLarge`] when it passes `limits`.
    pub fn check(&self, limits: &Limits) -> Result<Estimate, TooLarge> {
        let estimate = self.estimate();
        // NaN (never, from a validated scenario) is refused too.
        let fits = estimate.memory <= limits.memory as f64 && estimate.seconds <= limits.seconds;
        if fits {
            Ok(estimate)
        } else {
            Err(TooLarge {
                origin: self.origin.clone(),
                workload: self.clone(),
                estimate,
                limits: *limits,
            })
        }
    }
}

impl fmt::Display for Workload {
    /// "10,000 contacts, about 57,400 messages a run, 3 variants, 100 runs".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let most = self.messages.iter().copied().fold(0.0, f64::max);
        write!(
            f,
            "{} contacts, about {} messages a run, {} variant{}, {} run{}",
            count(self.contacts as f64),
            count(most),
            self.messages.len(),
            if self.messages.len() == 1 { "" } else { "s" },
            count(self.runs as f64),
            if self.runs == 1 { "" } else { "s" },
        )
    }
}

/// Messages a contact is expected to get or send in a month: its conversations (the user's
/// messages, the replies and follow-ups), campaigns, notifications and codes.
pub(crate) fn expected_per_contact_month(s: &Scenario) -> f64 {
    let conversation = s.inbound.messages_per_conversation
        + s.service.replies_per_conversation
        + s.service.follow_up_share;
    s.inbound.conversations_per_contact_month * conversation
        + s.templates
            .marketing
            .values()
            .map(|c| c.audience_share * f64::from(c.sends_per_month))
            .sum::<f64>()
        + s.templates.utility.per_contact_month
        + s.templates.authentication.per_contact_month
}

/// A count with thousands separators, in words past a trillion: "57,400", "4.0e15".
fn count(n: f64) -> String {
    if !n.is_finite() || n >= 1e15 {
        return format!("{n:.1e}");
    }
    let digits = format!("{:.0}", n.round());
    let mut out = String::new();
    for (k, c) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "512 MiB", "34.1 GiB", "1.2e6 TiB".
pub fn bytes(b: f64) -> String {
    if !b.is_finite() || b >= 1024.0 * 1024.0 * GIB {
        return format!("{:.1e} TiB", b / (1024.0 * GIB));
    }
    if b >= 1024.0 * GIB {
        format!("{:.1} TiB", b / (1024.0 * GIB))
    } else if b >= GIB {
        format!("{:.1} GiB", b / GIB)
    } else {
        format!("{:.0} MiB", (b / MIB).ceil())
    }
}

/// "40 s", "12 min", "3.5 h", "2.1 days", "3.0e9 years".
pub fn duration(s: f64) -> String {
    const DAY: f64 = 86_400.0;
    const YEAR: f64 = 365.25 * DAY;
    if !s.is_finite() {
        return "forever".to_string();
    }
    if s < 60.0 {
        format!("{:.0} s", s.ceil())
    } else if s < 3600.0 {
        format!("{:.0} min", (s / 60.0).ceil())
    } else if s < DAY {
        format!("{:.1} h", s / 3600.0)
    } else if s < YEAR {
        format!("{:.1} days", s / DAY)
    } else if s < 1e6 * YEAR {
        format!("{:.1} years", s / YEAR)
    } else {
        format!("{:.1e} years", s / YEAR)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(extra: &str) -> Scenario {
        Scenario::parse(
            &format!(
                "[period]\nstart = 2026-02-01\n[audience.BR]\ncontacts = 10000\n{extra}\n\
                 [strategies.twice]\ntemplates.authentication.per_contact_month = 2\n"
            ),
            "s.toml",
        )
        .unwrap()
    }

    #[test]
    fn the_estimate_follows_the_model() {
        let s = scenario("[templates.authentication]\nper_contact_month = 1\n");
        let w = Workload::new(&s, &["twice".to_string()], 100, 2).unwrap();
        assert_eq!(w.messages, vec![10_000.0, 20_000.0]);
        assert_eq!(w.busiest_month, 20_000.0);
        let e = w.estimate();
        // 48 MiB + 2 variants × 10,000 contacts × 16 B + 2 runs × (20,000 × 16 B +
        // 10,000 × 512 B) + 100 runs × 2 × 384 B.
        let memory = 48.0 * MIB + 320_000.0 + 2.0 * (320_000.0 + 5_120_000.0) + 76_800.0;
        assert_eq!(e.memory, memory);
        // Per run: 30,000 messages × 0.5 µs + 2 × 10,000 contact-months × 0.25 µs = 20 ms;
        // 100 runs on 2 workers.
        assert!((e.seconds - 1.0).abs() < 1e-9, "{}", e.seconds);
        assert_eq!(w.check(&Limits::default()), Ok(e));
        assert_eq!(
            w.to_string(),
            "10,000 contacts, about 20,000 messages a run, 2 variants, 100 runs"
        );
    }

    #[test]
    fn impossible_simulations_are_refused_with_what_they_would_need() {
        let s = scenario("[inbound]\nconversations_per_contact_month = 1e9\n");
        let w = Workload::new(&s, &[], 100, 2).unwrap();
        let e = w.check(&Limits::default()).unwrap_err();
        // 2e9 messages per contact-month (a message and a reply per conversation) × 10,000
        // contacts: 2e13 a month × 16 B on 2 workers is 6.4e14 B; 2e13 × 0.5 µs = 1e7 s a
        // run, 100 runs on 2 workers: 5e8 s.
        assert_eq!(
            e.to_string(),
            "s.toml: this simulation would need about 582.1 TiB of memory and 15.8 years \
             (10,000 contacts, about 20,000,000,000,000 messages a run, 1 variant, 100 runs); \
             the limits are 8.0 GiB and 1.0 h"
        );
        // A billion runs of a small scenario: their totals alone would not fit.
        let small = scenario("");
        let w = Workload::new(&small, &[], 1_000_000_000, 2).unwrap();
        let e = w.check(&Limits::default()).unwrap_err();
        assert!(e.to_string().contains("about 357.7 GiB of memory"), "{e}");
        // Raised limits let it through.
        assert!(w.check(&Limits::none()).is_ok());
    }

    #[test]
    fn figures_read_well() {
        assert_eq!(bytes(300.0 * MIB + 1.0), "301 MiB");
        assert_eq!(bytes(34.1 * GIB), "34.1 GiB");
        assert_eq!(duration(42.2), "43 s");
        assert_eq!(duration(3600.0 * 36.0), "1.5 days");
        assert_eq!(duration(f64::INFINITY), "forever");
        assert_eq!(count(57_400.4), "57,400");
        assert_eq!(count(4e15), "4.0e15");
    }
}
