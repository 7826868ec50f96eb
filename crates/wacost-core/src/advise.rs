//! Advice from a log: every what-if that applies to it ([`crate::whatif`]), run on the log
//! itself, exactly, and the savings found, largest first.
//!
//! The saving of a finding is the log's total minus its total under the what-if, both
//! reported over the same period: `replay --what-if ID` of the same log and period gives
//! exactly `total - saving`, because it is the same run ([`crate::whatif::run`]).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::charge::NoLines;
use crate::classify::ClassifyConfig;
use crate::money::Currency;
use crate::period::Period;
use crate::pricing::RateBook;
use crate::replay::{ReadLog, ReplayError};
use crate::table::Table;
use crate::whatif::{self, WhatIf, money_text};

/// One saving found in the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The what-if's id: `replay --what-if ID` prices the log with the change.
    pub id: String,
    /// The finding in a sentence a finance reader understands, with its saving.
    pub title: String,
    /// How much less the log would have cost, exact, in the log's currency and period.
    pub saving: Decimal,
    /// Messages the change affects.
    pub messages: u64,
    /// What the change assumes about customers.
    pub assumes: String,
}

/// A what-if run on the log, whether it saved anything or not (for the chart of the log's
/// total under each).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checked {
    /// The what-if's id.
    pub id: String,
    /// What it is, in a few words.
    pub title: String,
    /// The log's total under it.
    pub total: Decimal,
    /// The log's total minus that (negative: it would cost more).
    pub saving: Decimal,
    /// Messages it affects.
    pub messages: u64,
}

/// What to change: the log's total and the findings, largest saving first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Advice {
    /// The log's total over the period, as `replay` gives it.
    pub total: Decimal,
    /// The currency of every amount.
    pub currency: Currency,
    /// The period the figures cover (`2026-11`, `2026-11-03 to 2026-11-20`).
    pub period: String,
    /// The savings found, largest first (only what-ifs that save something).
    pub findings: Vec<Finding>,
    /// Every what-if run, in the order run.
    #[serde(default)]
    pub checked: Vec<Checked>,
}

/// The what-ifs `advise` runs, with their parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct AdviseOptions {
    /// `utility-in-window`: how long the business would wait for the customer to write.
    pub window_hours: u32,
    /// `fewer-marketing`: marketing templates a contact still gets in a month.
    pub marketing_per_month: u32,
    /// Other what-ifs to run too (e.g. rule regimes from a file).
    pub more: Vec<WhatIf>,
}

impl Default for AdviseOptions {
    fn default() -> Self {
        AdviseOptions {
            window_hours: whatif::DEFAULT_WINDOW_HOURS,
            marketing_per_month: whatif::DEFAULT_MARKETING_PER_MONTH,
            more: Vec::new(),
        }
    }
}

impl AdviseOptions {
    /// The what-ifs to run: every change of traffic, the rule what-ifs, then `more`.
    pub fn what_ifs(&self) -> Vec<WhatIf> {
        let mut w = vec![
            WhatIf::UtilityInWindow {
                hours: self.window_hours,
            },
            WhatIf::FewerMarketing {
                per_month: self.marketing_per_month,
            },
            WhatIf::AgentReplies {
                tokens: crate::whatif::DEFAULT_AGENT_TOKENS,
            },
            WhatIf::ServiceReplies,
            WhatIf::ServiceFree,
            WhatIf::AllowancePerWaba,
        ];
        w.extend(self.more.iter().cloned());
        w
    }
}

/// Runs every what-if of `options` on the log and reports the savings over `period`.
pub fn advise(
    book: &RateBook,
    config: ClassifyConfig,
    log: &ReadLog,
    period: &Period,
    options: &AdviseOptions,
) -> Result<Advice, ReplayError> {
    let base = whatif::run(book, config, log, &[], period, &mut NoLines)?;
    let total = base.outcome.ledger.total();
    let currency = base.outcome.ledger.currency;
    let mut findings = Vec::new();
    let mut checked = Vec::new();
    for w in options.what_ifs() {
        let (under, applied) = whatif::total_under(book, config, log, &w, period)?;
        let saving = total - under;
        checked.push(Checked {
            id: applied.id.clone(),
            title: applied.title.clone(),
            total: under,
            saving,
            messages: applied.messages,
        });
        if saving > Decimal::ZERO {
            findings.push(Finding {
                id: applied.id,
                title: w.finding(applied.messages, saving, currency),
                saving,
                messages: applied.messages,
                assumes: applied.assumes,
            });
        }
    }
    // Largest saving first; equal savings in the order run.
    findings.sort_by(|a, b| b.saving.cmp(&a.saving));
    Ok(Advice {
        total,
        currency,
        period: period_text(period, &base.outcome.ledger),
        findings,
        checked,
    })
}

/// The period in words: the one asked for, or the days the log's lines cover.
fn period_text(period: &Period, ledger: &crate::ledger::Ledger) -> String {
    if !period.is_all() {
        return period.to_string();
    }
    let dates = ledger.group_by(|k| k.date);
    match (dates.keys().next(), dates.keys().next_back()) {
        (Some(a), Some(b)) => Period {
            from: Some(*a),
            to: Some(*b),
        }
        .to_string(),
        _ => "no messages".to_string(),
    }
}

impl Advice {
    /// The advice as one JSON document: `total`, `currency`, `period`, `findings` (each
    /// with `id`, `title`, `saving`, `messages`, `assumes`) and `checked`; amounts as
    /// decimal strings, keys sorted.
    pub fn to_json(&self) -> String {
        let value = serde_json::to_value(self).unwrap_or_default();
        serde_json::to_string_pretty(&value).unwrap_or_default()
    }

    /// The findings as a table: id, saving, messages, and the log's total under each.
    pub fn table(&self) -> Table {
        let mut t = Table::new([
            "what-if".to_string(),
            format!("saving ({})", self.currency),
            "messages".into(),
            format!("total under it ({})", self.currency),
        ])
        .right_align(1)
        .right_align(2)
        .right_align(3);
        for f in &self.findings {
            t.row([
                f.id.clone(),
                f.saving.to_string(),
                f.messages.to_string(),
                (self.total - f.saving).to_string(),
            ]);
        }
        t
    }

    /// The advice for a terminal: the total, the findings with their sentences and
    /// assumptions, and the what-ifs that saved nothing.
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "total: {} {} ({})\n",
            self.currency, self.total, self.period
        );
        if self.findings.is_empty() {
            s.push_str("\nno saving found\n");
        } else {
            s.push_str("\nwhat to change, largest saving first\n\n");
            s.push_str(&self.table().render());
            for (i, f) in self.findings.iter().enumerate() {
                s.push_str(&format!(
                    "\n{}. {}\n   assumes: {}\n",
                    i + 1,
                    f.title,
                    f.assumes
                ));
            }
        }
        let none: Vec<String> = self
            .checked
            .iter()
            .filter(|c| c.saving <= Decimal::ZERO)
            .map(|c| {
                if c.saving.is_zero() {
                    format!("{} (no change)", c.id)
                } else {
                    format!(
                        "{} (would cost {} {} more)",
                        c.id,
                        self.currency,
                        money_text(-c.saving)
                    )
                }
            })
            .collect();
        if !none.is_empty() {
            s.push_str(&format!(
                "\nchecked without a saving: {}\n",
                none.join(", ")
            ));
        }
        s
    }
}
