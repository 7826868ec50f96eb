//! What-ifs on a real log: the same log re-priced exactly, through the same pipeline
//! (classify, settle, ledger), with one change applied to its traffic or to the rules.
//!
//! | id | what changes |
//! |---|---|
//! | `utility-in-window[=N]` | delivered utility templates sent outside a customer service window to a contact who wrote within the next N hours (default 6) go out one second after that message instead, inside the window it opens |
//! | `fewer-marketing[=K]` | marketing templates beyond the first K (default 4) a contact was sent in a calendar month are not sent |
//! | `allowance-per-waba` | the monthly free service allowance is shared by the WABA instead of each business number (the sources disagree) |
//! | `service-free` | service (free-form) messages are never charged |
//! | `regimes=FILE` | the rule regimes of FILE (a copy of `data/regimes.toml`, edited) |
//!
//! A switch of provider changes neither the traffic nor Meta's fees, only who bills them: it
//! is a comparison of providers on the same log, not a what-if
//! ([`WhatIfError::ProviderSwitch`]).
//!
//! What-ifs that move or drop messages need to know what a contact does next, so a what-if
//! run holds the log in memory: its events (about 150 bytes each) and, while a what-if
//! chooses the messages it changes, one pricing's message lines (about 250 bytes each).
//! Several what-ifs apply in turn: the rules first, then each change of traffic on the
//! traffic the previous ones left.

pub(crate) mod messages;
mod net;
mod traffic;

use std::path::Path;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::charge::{LineSink, NoLines};
use crate::classify::ClassifyConfig;
use crate::event::Event;
use crate::money::Currency;
use crate::period::{InPeriod, Period};
use crate::pricing::regime::{AllowanceScope, Regimes, Treatment};
use crate::pricing::{DataError, DataSource, RateBook};
use crate::replay::{Outcome, ReadLog, ReplayError, price_events};
use crate::simulate::scenario::Rules;

/// How long after the customer's message a held-back message goes out: one second, so that
/// it follows the message that opened the window in the log's time order.
pub const HELD_BACK_MS: i64 = 1000;

/// Default of `utility-in-window`: the customer writes within this many hours.
pub const DEFAULT_WINDOW_HOURS: u32 = 6;
/// Default of `fewer-marketing`: marketing templates a contact gets in a month at most.
pub const DEFAULT_MARKETING_PER_MONTH: u32 = 4;
/// Default of `agent-replies`: tokens per Business Agent reply, the default the embedded
/// regimes price a reply without tokens at (Meta: 20,000 to 25,000 typical).
pub const DEFAULT_AGENT_TOKENS: u32 = 22_500;

/// One change to re-price a log with.
#[derive(Clone, Debug, PartialEq)]
pub enum WhatIf {
    /// Utility templates held back until the customer's next message, when it comes within
    /// `hours`.
    UtilityInWindow {
        /// How long the business would wait for the customer to write.
        hours: u32,
    },
    /// At most `per_month` marketing templates per contact and calendar month.
    FewerMarketing {
        /// Marketing templates a contact still gets each month.
        per_month: u32,
    },
    /// The free service allowance shared per WABA instead of per business number.
    AllowancePerWaba,
    /// Service messages never charged.
    ServiceFree,
    /// Free-form replies written by Meta's Business Agent instead of people, `tokens` each
    /// (Meta: USD 2.00 per million tokens from 2026-08-01, never free in a window).
    AgentReplies {
        /// Tokens per reply, prompt and response together.
        tokens: u32,
    },
    /// Business Agent replies written by the business's own people or bot instead (priced
    /// as free-form service messages).
    ServiceReplies,
    /// Another set of rule regimes.
    Regimes {
        /// Where they come from.
        path: String,
        /// The regimes.
        regimes: Regimes,
    },
}

/// Why a what-if cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum WhatIfError {
    /// An id no what-if has.
    #[error("unknown what-if {id:?}: the what-ifs are {}", WhatIf::IDS.join(", "))]
    Unknown {
        /// The id given.
        id: String,
    },
    /// A value a what-if cannot take.
    #[error("what-if {id}: {value:?} is not {expected}")]
    BadValue {
        /// The what-if.
        id: &'static str,
        /// The value given.
        value: String,
        /// What it should be.
        expected: &'static str,
    },
    /// A value given to a what-if that takes none.
    #[error("what-if {id} takes no value (found {value:?})")]
    NoValue {
        /// The what-if.
        id: &'static str,
        /// The value given.
        value: String,
    },
    /// A provider switch asked for as a what-if.
    #[error(
        "{id:?}: a switch of provider is not a what-if: it changes neither the messages nor \
         Meta's fees, only who bills them; compare the providers on the same log instead"
    )]
    ProviderSwitch {
        /// The id given.
        id: String,
    },
    /// A regimes file that cannot be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// A regimes file that cannot be used.
    #[error(transparent)]
    Regimes(#[from] DataError),
}

/// A what-if as applied to a log: what was changed, and how many messages.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    /// The what-if's id, as `replay --what-if` takes it.
    pub id: String,
    /// What it is, in a few words.
    pub title: String,
    /// What was changed, in a sentence.
    pub changed: String,
    /// Messages it changed (dated in the period reported): moved, dropped, repriced.
    pub messages: u64,
    /// What the change assumes about customers (or the rules).
    pub assumes: String,
}

impl WhatIf {
    /// The ids, as written without a value.
    pub const IDS: [&'static str; 7] = [
        "utility-in-window",
        "fewer-marketing",
        "agent-replies",
        "service-replies",
        "allowance-per-waba",
        "service-free",
        "regimes=FILE",
    ];

    /// Parses an id, with its value after `=` where it takes one (`utility-in-window=12`,
    /// `fewer-marketing=2`, `regimes=my_regimes.toml`). A regimes file is read here.
    pub fn parse(spec: &str) -> Result<WhatIf, WhatIfError> {
        let spec = spec.trim();
        let (name, value) = match spec.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim())),
            None => (spec, None),
        };
        let number = |id: &'static str, default: u32, max: u32, expected: &'static str| {
            value.map_or(Ok(default), |v| {
                v.trim_end_matches('h')
                    .parse::<u32>()
                    .ok()
                    .filter(|n| *n <= max)
                    .ok_or_else(|| WhatIfError::BadValue {
                        id,
                        value: v.to_string(),
                        expected,
                    })
            })
        };
        let bare = |id: &'static str, w: WhatIf| match value {
            None => Ok(w),
            Some(v) => Err(WhatIfError::NoValue {
                id,
                value: v.to_string(),
            }),
        };
        match name.to_ascii_lowercase().as_str() {
            "utility-in-window" => {
                let hours = number(
                    "utility-in-window",
                    DEFAULT_WINDOW_HOURS,
                    168,
                    "a number of hours from 1 to 168",
                )?;
                if hours == 0 {
                    return Err(WhatIfError::BadValue {
                        id: "utility-in-window",
                        value: "0".into(),
                        expected: "a number of hours from 1 to 168",
                    });
                }
                Ok(WhatIf::UtilityInWindow { hours })
            }
            "fewer-marketing" => Ok(WhatIf::FewerMarketing {
                per_month: number(
                    "fewer-marketing",
                    DEFAULT_MARKETING_PER_MONTH,
                    10_000,
                    "a number of templates per contact and month, 0 or more",
                )?,
            }),
            "agent-replies" => {
                let tokens = number(
                    "agent-replies",
                    DEFAULT_AGENT_TOKENS,
                    10_000_000,
                    "a number of tokens per reply from 1 to 10,000,000",
                )?;
                if tokens == 0 {
                    return Err(WhatIfError::BadValue {
                        id: "agent-replies",
                        value: "0".into(),
                        expected: "a number of tokens per reply from 1 to 10,000,000",
                    });
                }
                Ok(WhatIf::AgentReplies { tokens })
            }
            "service-replies" => bare("service-replies", WhatIf::ServiceReplies),
            "allowance-per-waba" => bare("allowance-per-waba", WhatIf::AllowancePerWaba),
            "service-free" => bare("service-free", WhatIf::ServiceFree),
            "regimes" => {
                let path = value
                    .filter(|v| !v.is_empty())
                    .ok_or(WhatIfError::BadValue {
                        id: "regimes",
                        value: String::new(),
                        expected: "a regimes file (regimes=FILE)",
                    })?;
                WhatIf::regimes_file(Path::new(path))
            }
            "provider" | "switch-provider" | "provider-switch" | "bsp" => {
                Err(WhatIfError::ProviderSwitch { id: spec.into() })
            }
            _ => Err(WhatIfError::Unknown { id: spec.into() }),
        }
    }

    /// The what-if of a regimes file.
    pub fn regimes_file(path: &Path) -> Result<WhatIf, WhatIfError> {
        let text = std::fs::read_to_string(path).map_err(|source| WhatIfError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Ok(WhatIf::Regimes {
            path: path.display().to_string(),
            regimes: Regimes::parse(&text, &DataSource::file(path))?,
        })
    }

    /// The id `replay --what-if` takes, its value written only when it is not the default.
    pub fn id(&self) -> String {
        match self {
            WhatIf::UtilityInWindow { hours } if *hours == DEFAULT_WINDOW_HOURS => {
                "utility-in-window".into()
            }
            WhatIf::UtilityInWindow { hours } => format!("utility-in-window={hours}"),
            WhatIf::FewerMarketing { per_month } if *per_month == DEFAULT_MARKETING_PER_MONTH => {
                "fewer-marketing".into()
            }
            WhatIf::FewerMarketing { per_month } => format!("fewer-marketing={per_month}"),
            WhatIf::AgentReplies { tokens } if *tokens == DEFAULT_AGENT_TOKENS => {
                "agent-replies".into()
            }
            WhatIf::AgentReplies { tokens } => format!("agent-replies={tokens}"),
            WhatIf::ServiceReplies => "service-replies".into(),
            WhatIf::AllowancePerWaba => "allowance-per-waba".into(),
            WhatIf::ServiceFree => "service-free".into(),
            WhatIf::Regimes { path, .. } => format!("regimes={path}"),
        }
    }

    /// What it is, in a few words.
    pub fn title(&self) -> String {
        match self {
            WhatIf::UtilityInWindow { hours } => {
                format!("utility templates held until the customer writes (within {hours} h)")
            }
            WhatIf::FewerMarketing { per_month } => {
                format!("at most {per_month} marketing templates per contact and month")
            }
            WhatIf::AllowancePerWaba => {
                "the free service allowance shared per WABA, not per business number".into()
            }
            WhatIf::ServiceFree => "service messages free".into(),
            WhatIf::AgentReplies { tokens } => {
                format!("free-form replies written by Meta's Business Agent ({tokens} tokens each)")
            }
            WhatIf::ServiceReplies => {
                "Business Agent replies written by the business's own people or bot".into()
            }
            WhatIf::Regimes { path, .. } => format!("the rules of {path}"),
        }
    }

    /// What the change assumes.
    pub fn assumes(&self) -> String {
        match self {
            WhatIf::UtilityInWindow { hours } => format!(
                "the notification can wait up to {hours} h for the customer's next message, \
                 and the customer writes anyway: nothing else is sent or answered differently"
            ),
            WhatIf::FewerMarketing { per_month } => format!(
                "contacts who got {per_month} marketing templates in a month would not have \
                 bought more because of the ones after; nothing replaces them"
            ),
            WhatIf::AllowancePerWaba => "a change of Meta's rules, not of the business: the \
                 sources disagree whether the allowance reported from 2026-10-01 is per business \
                 number or per WABA"
                .into(),
            WhatIf::ServiceFree => "a change of Meta's rules, not of the business: what \
                 charging service messages costs this traffic"
                .into(),
            WhatIf::AgentReplies { tokens } => format!(
                "every free-form reply could have been written by Meta's Business Agent in \
                 {tokens} tokens (prompt and response), with the same timing; the cost of the \
                 business's own agents or bot is not counted"
            ),
            WhatIf::ServiceReplies => "the business's own people or bot answer as Meta's \
                 Business Agent did, with the same timing; their own cost is not counted"
                .into(),
            WhatIf::Regimes { path, .. } => {
                format!("a change of the rules ({path}), not of the business")
            }
        }
    }

    /// Whether it changes the rules (not the traffic).
    pub fn is_rule(&self) -> bool {
        matches!(
            self,
            WhatIf::AllowancePerWaba | WhatIf::ServiceFree | WhatIf::Regimes { .. }
        )
    }

    /// The rate book with this what-if's rules (unchanged for a change of traffic), as a
    /// scenario's `[rules]` edit it.
    pub fn rules(&self, book: &RateBook) -> RateBook {
        match self {
            WhatIf::AllowancePerWaba => Rules {
                allowance_scope: Some(AllowanceScope::Waba),
                ..Rules::default()
            }
            .apply(book),
            WhatIf::ServiceFree => Rules {
                service: Some(Treatment::Free),
                ..Rules::default()
            }
            .apply(book),
            WhatIf::Regimes { regimes, .. } => {
                let mut book = book.clone();
                book.regimes = regimes.clone();
                book
            }
            _ => book.clone(),
        }
    }

    /// What was changed, for `messages` messages.
    fn changed(&self, messages: u64) -> String {
        match self {
            WhatIf::UtilityInWindow { hours } => format!(
                "{} sent outside a customer service window, less than \
                 {hours} h before the customer wrote, moved to just after the customer's message",
                count(messages, "utility template")
            ),
            WhatIf::FewerMarketing { per_month } => format!(
                "{} beyond the first {per_month} a contact was sent \
                 in a month not sent",
                count(messages, "marketing template")
            ),
            WhatIf::AllowancePerWaba => format!(
                "free service allowance shared per WABA: {} cost something else",
                count(messages, "message")
            ),
            WhatIf::ServiceFree => {
                format!(
                    "service messages free: {} cost something else",
                    count(messages, "message")
                )
            }
            WhatIf::AgentReplies { tokens } => format!(
                "{} written by Meta's Business Agent ({tokens} tokens each)",
                count(messages, "free-form reply")
            ),
            WhatIf::ServiceReplies => format!(
                "{} written by the business's own people or bot",
                count(messages, "Business Agent reply")
            ),
            WhatIf::Regimes { path, .. } => {
                format!(
                    "the rules of {path}: {} cost something else",
                    count(messages, "message")
                )
            }
        }
    }

    /// A sentence a finance reader understands, with the saving in `currency`.
    pub fn finding(&self, messages: u64, saving: Decimal, currency: Currency) -> String {
        let money = format!("{currency} {}", money_text(saving));
        match self {
            WhatIf::UtilityInWindow { hours } => format!(
                "{} went out less than {hours} h before the customer \
                 wrote; sending them just after the customer's message would have saved {money}",
                count(messages, "utility template")
            ),
            WhatIf::FewerMarketing { per_month } => format!(
                "{} went to contacts who had already been sent \
                 {per_month} that month; not sending them would have saved {money}",
                count(messages, "marketing template")
            ),
            WhatIf::AllowancePerWaba => format!(
                "if the free service allowance were shared per WABA, {} would \
                 cost something else: {money} less",
                count(messages, "message")
            ),
            WhatIf::ServiceFree => format!(
                "{} charged; free service messages would have \
                 cost {money} less",
                count(messages, "service message")
            ),
            WhatIf::AgentReplies { tokens } => format!(
                "{} were written by people or a bot; Meta's Business Agent at {tokens} tokens \
                 a reply would have cost {money} less in Meta's fees",
                count(messages, "free-form reply")
            ),
            WhatIf::ServiceReplies => format!(
                "{} were written by Meta's Business Agent; answering them as service messages \
                 would have saved {money} in Meta's fees",
                count(messages, "Business Agent reply")
            ),
            WhatIf::Regimes { path, .. } => format!(
                "under the rules of {path}, {} would cost something else: \
                 {money} less",
                count(messages, "message")
            ),
        }
    }
}

/// A count and what it counts, in the singular for one: "1 utility template", "3
/// messages".
fn count(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else if let Some(stem) = what.strip_suffix("ly") {
        // "reply" → "replies".
        format!("{n} {stem}lies")
    } else {
        format!("{n} {what}s")
    }
}

/// An amount for a sentence: to the cent, or exact when it is less than a cent.
pub fn money_text(amount: Decimal) -> String {
    if amount.abs() >= Decimal::new(1, 2) {
        format!(
            "{:.2}",
            amount.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        )
    } else {
        amount.normalize().to_string()
    }
}

/// A log priced under what-ifs.
#[derive(Clone, Debug)]
pub struct WhatIfRun {
    /// The outcome, reported over the period.
    pub outcome: Outcome,
    /// Each what-if, in the order applied.
    pub applied: Vec<Applied>,
    /// The rate book with the rule what-ifs applied.
    pub book: RateBook,
}

/// Prices events of a log read into memory: the [`Outcome`] a replay of the log gives when
/// `events` are the log's own. Every line goes to `sink`.
pub fn price_log(
    book: &RateBook,
    config: ClassifyConfig,
    log: &ReadLog,
    events: &[Event],
    sink: &mut dyn LineSink,
) -> Result<Outcome, ReplayError> {
    let priced = price_events(book, config, events, sink)?;
    Ok(Outcome {
        ledger: priced.ledger,
        stats: priced.stats,
        settlement: priced.settlement,
        skipped: log.skipped.clone(),
        sorted: log.sorted,
        events: events.len() as u64,
        // The log's rows: its events as read (before any what-if) and those skipped.
        rows: log.events.len() as u64 + log.skipped.values().sum::<u64>(),
        contacts: priced.contacts,
        usage: priced.usage,
        facts: priced.facts,
        reader_notes: log.reader_notes.clone(),
    })
}

/// Re-prices a log under what-ifs (rules first, then each change of traffic in turn) and
/// reports it over `period`: the lines dated in it go to `sink`, and the outcome holds them.
/// Without what-ifs it is the log's own replay.
pub fn run(
    book: &RateBook,
    config: ClassifyConfig,
    log: &ReadLog,
    what_ifs: &[WhatIf],
    period: &Period,
    sink: &mut dyn LineSink,
) -> Result<WhatIfRun, ReplayError> {
    let mut edited = book.clone();
    let mut applied = Vec::new();
    let mut before = None;
    for w in what_ifs.iter().filter(|w| w.is_rule()) {
        let alone = w.rules(book);
        let before = match &before {
            Some(b) => b,
            None => before.insert(net_amounts(book, config, log, &log.events)?),
        };
        let after = net_amounts(&alone, config, log, &log.events)?;
        let messages = net::changed(before, &after, |d| period.contains(d));
        applied.push(w.applied(messages));
        edited = w.rules(&edited);
    }
    let mut events = std::borrow::Cow::Borrowed(&log.events[..]);
    for w in what_ifs.iter().filter(|w| !w.is_rule()) {
        let mut lines = messages::MessageLines::default();
        price_events(&edited, config, events.iter(), &mut lines)?;
        let lines = lines.0;
        let selection = match w {
            WhatIf::UtilityInWindow { hours } => {
                traffic::utility_in_window(&events, &lines, &edited, *hours, period)
            }
            WhatIf::FewerMarketing { per_month } => {
                traffic::fewer_marketing(&lines, *per_month, period)
            }
            WhatIf::AgentReplies { tokens } => traffic::agent_replies(&lines, *tokens, period),
            WhatIf::ServiceReplies => traffic::service_replies(&lines, period),
            _ => traffic::Selection::default(),
        };
        applied.push(w.applied(selection.in_period));
        if !selection.edits.is_empty() {
            let owners = messages::owners(&events, &lines);
            events = std::borrow::Cow::Owned(messages::apply(&events, &owners, &selection.edits));
        }
    }
    let mut in_period = InPeriod::new(sink, *period);
    let outcome = price_log(&edited, config, log, &events, &mut in_period)?;
    Ok(WhatIfRun {
        outcome: period.outcome(&outcome),
        applied,
        book: edited,
    })
}

impl WhatIf {
    fn applied(&self, messages: u64) -> Applied {
        Applied {
            id: self.id(),
            title: self.title(),
            changed: self.changed(messages),
            messages,
            assumes: self.assumes(),
        }
    }
}

fn net_amounts(
    book: &RateBook,
    config: ClassifyConfig,
    log: &ReadLog,
    events: &[Event],
) -> Result<Vec<(Decimal, chrono::NaiveDate)>, ReplayError> {
    let mut sink = net::NetAmounts::new(book);
    price_log(book, config, log, events, &mut sink)?;
    Ok(sink.finish())
}

/// The total of a log under one what-if, reported over a period (no lines kept).
pub fn total_under(
    book: &RateBook,
    config: ClassifyConfig,
    log: &ReadLog,
    what_if: &WhatIf,
    period: &Period,
) -> Result<(Decimal, Applied), ReplayError> {
    let r = run(
        book,
        config,
        log,
        std::slice::from_ref(what_if),
        period,
        &mut NoLines,
    )?;
    let applied = r.applied.into_iter().next().unwrap_or_default();
    Ok((r.outcome.ledger.total(), applied))
}

#[cfg(test)]
mod tests;
