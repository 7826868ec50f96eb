//! The summary of a run: the figures finance asks for first, as one typed [`Summary`]
//! (Serialize + Deserialize: `summary.json` is this type), and its renderers for the
//! terminal: [`Summary::to_text`], [`Summary::to_csv`] and [`Summary::to_json`].
//!
//! A summary is built from a replay's [`Outcome`] (or from a ledger alone) with
//! [`Summary::from_outcome`]; reports (HTML, XLSX) are built from it and the ledger in
//! `wacost-report`, so every output of a run shows the same figures.

use std::collections::BTreeMap;

use chrono::Datelike;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ledger::{Ledger, Totals};
use crate::money::Currency;
use crate::period::Period;
use crate::pricing::RateBook;
use crate::replay::Outcome;
use crate::table::Table;
use crate::units::{ActivityByMonth, UnitCosts};

/// The totals of one group of a summary (a category, a market, a month…).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// The group's amount, exact.
    pub amount: Decimal,
    /// Ledger lines in the group (message lines and adjustments).
    pub lines: u64,
    /// Message lines billed (amount > 0), before allowances.
    pub billed: u64,
}

impl From<&Totals> for Group {
    fn from(t: &Totals) -> Group {
        Group {
            amount: t.amount,
            lines: t.lines,
            billed: t.billed,
        }
    }
}

/// A grouping of a summary: key → totals, keys in order.
pub type Grouping = BTreeMap<String, Group>;

/// What a run was: its inputs and the settings that change its figures, recorded in the
/// `summary.json` of an `--out` or `--report` folder so that `wacost report DIR` can tell.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunInfo {
    /// The logs (or the scenario) priced.
    pub inputs: Vec<String>,
    /// The WABA's time zone (IANA name).
    pub timezone: String,
    /// The billing currency.
    pub currency: String,
    /// Whether contacts were written in full.
    pub show_contacts: bool,
    /// The version of wacost that wrote it.
    pub wacost: String,
    /// The seed of a simulated run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

/// The summary of a run: totals, counts, notes a reader must see, and the totals by
/// category, market, month, pricing type, country, business number and day.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// The billing currency of every amount.
    pub currency: Currency,
    /// The total: the exact sum of every ledger line.
    pub total: Decimal,
    /// Outbound messages priced (one line each).
    pub messages: u64,
    /// Messages (CBP: conversations) charged, after free allowances.
    pub charged: u64,
    /// Rows skipped as unreadable.
    pub skipped: u64,
    /// Message lines priced with an estimated rate.
    pub estimated_rates_used: u64,
    /// Inbound messages.
    pub inbound: u64,
    /// Rows dropped as duplicates of a message already seen.
    pub duplicates: u64,
    /// Free-form messages outside any window (Meta rejects them; not charged).
    pub rejected_free_form: u64,
    /// Contacts (business number × user) seen.
    pub contacts: u64,
    /// Whether the log had to be sorted by time.
    pub sorted: bool,
    /// Rows read: every event and every row that could not be read. A replay checks that
    /// `rows_read = messages + inbound + duplicates + skipped + agent_usage_lines` (see
    /// [`crate::replay`]); 0 in a summary made from a ledger alone.
    #[serde(default)]
    pub rows_read: u64,
    /// Business Agent usage lines: data points of Meta's Business Agent Usage Insights priced
    /// (one row read each; not messages). Left out of the JSON when 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub agent_usage_lines: u64,
    /// Charged messages priced at 0 because their card has no rate for their market and
    /// category, as the user asked (otherwise such a message is an error).
    #[serde(default)]
    pub missing_rate: u64,
    /// Messages priced as not delivered whose delivery report came later: each is charged by
    /// a `late_delivery` line.
    #[serde(default)]
    pub late_deliveries: u64,
    /// Status rows that came after their message left its contact's recent ids (a week):
    /// counted once among the duplicates, never charged again.
    #[serde(default)]
    pub late_status: u64,
    /// Outbound messages by Meta's pricing type (allowance-covered items as `free_tier`).
    pub messages_by_pricing_type: BTreeMap<String, i64>,
    /// Rows skipped, by kind of error.
    pub skipped_by_reason: BTreeMap<String, u64>,
    /// What a reader must know: assumptions, skipped rows, estimates.
    pub notes: Vec<String>,
    /// Totals by pricing category.
    pub by_category: Grouping,
    /// Totals by market.
    pub by_market: Grouping,
    /// Totals by month (`YYYY-MM`, WABA time zone).
    pub by_month: Grouping,
    /// Totals by Meta's pricing type.
    pub by_pricing_type: Grouping,
    /// Totals by the recipient's country.
    pub by_country: Grouping,
    /// Totals by business number.
    pub by_business: Grouping,
    /// Totals by day (WABA time zone).
    pub by_day: Grouping,
    /// The run behind the figures, when they were written to a folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<RunInfo>,
    /// Meta Business Agent replies charged per token.
    #[serde(default)]
    pub meta_business_agent_replies: u64,
    /// Their tokens, prompt and response together.
    #[serde(default)]
    pub meta_business_agent_tokens: u64,
    /// Of those replies, the ones priced at the regime's default tokens (estimated).
    #[serde(default)]
    pub meta_business_agent_default_tokens: u64,
    /// Reactions (always free).
    #[serde(default)]
    pub reactions: u64,
    /// Service messages free under the exemption of eligible governments and non-profits.
    #[serde(default)]
    pub exempt_service_messages: u64,
    /// Deliveries to group participants (one charge each where charged).
    #[serde(default)]
    pub group_deliveries: u64,
    /// Messages whose free entry point window's end Meta reported.
    #[serde(default)]
    pub meta_window_ends: u64,
    /// Charged messages that would be free if free entry point windows lasted the longest
    /// Meta says they may, and what they cost.
    #[serde(default)]
    pub free_entry_point_at_stake: u64,
    /// What those messages cost.
    #[serde(default)]
    pub free_entry_point_at_stake_amount: Decimal,
    /// Marketing templates priced at their max price (an upper bound).
    #[serde(default)]
    pub max_price_messages: u64,
    /// What they cost at that bound.
    #[serde(default)]
    pub max_price_amount: Decimal,
    /// Messages to countries that share a calling code, priced by the number's own region,
    /// by country (ISO).
    #[serde(default)]
    pub shared_calling_code: BTreeMap<String, u64>,
    /// Spend priced at estimated rates (message lines, before allowances and tiers).
    #[serde(default)]
    pub estimated_spend: Decimal,
    /// The same, by market.
    #[serde(default)]
    pub estimated_spend_by_market: BTreeMap<String, Decimal>,
    /// Months, markets and categories at list rate whose volume reached the first
    /// volume-tier discount reported.
    #[serde(default)]
    pub volume_tier_exposure: Vec<TierExposureRow>,
    /// The rule regimes the figures rest on, with their confidence.
    #[serde(default)]
    pub rules: Vec<RuleInForce>,
    /// Active contacts and customer conversations by month and market (see
    /// [`crate::units`]); empty when the figures come from a ledger alone.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub monthly_activity: ActivityByMonth,
    /// Cost per customer conversation and per active contact, by market and category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_costs: Option<UnitCosts>,
    /// The what-ifs the figures were priced under (`replay --what-if`): what was changed,
    /// and how many messages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub what_if: Vec<crate::whatif::Applied>,
}

/// A month, market and category priced at list rate whose volume reached the first
/// volume-tier discount reported: a discount may apply.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierExposureRow {
    /// The month, `YYYY-MM`.
    pub month: String,
    /// The WABA.
    pub waba: String,
    /// The market.
    pub market: String,
    /// The category.
    pub category: String,
    /// Messages charged at list rate.
    pub messages: u64,
    /// Where the first discount is reported to start.
    pub first_discount_from: u64,
}

/// A rule regime in force during a run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleInForce {
    /// Its name (`PMP 2026-10`).
    pub regime: String,
    /// Its first day.
    pub from: String,
    /// How sure we are of it.
    pub confidence: String,
    /// Where it comes from.
    pub source: String,
}

/// The regimes in force in the months of a run, in date order.
fn rules_in_force(by_month: &Grouping, book: &RateBook) -> Vec<RuleInForce> {
    let mut out: Vec<RuleInForce> = Vec::new();
    for month in by_month.keys() {
        let Some(first) =
            chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").ok()
        else {
            continue;
        };
        let last = first
            .checked_add_months(chrono::Months::new(1))
            .and_then(|d| d.pred_opt())
            .unwrap_or(first);
        for r in book.regimes.all() {
            let next = book
                .regimes
                .all()
                .iter()
                .find(|n| n.from > r.from)
                .map(|n| n.from);
            let overlaps = r.from <= last && next.is_none_or(|n| n > first);
            if overlaps && !out.iter().any(|o| o.regime == r.name) {
                out.push(RuleInForce {
                    regime: r.name.clone(),
                    from: r.from.to_string(),
                    confidence: r.confidence.clone(),
                    source: r.source.clone(),
                });
            }
        }
    }
    out
}

/// A note when some messages fall on or after the first date the rate book knows nothing
/// about ([`RateBook::known_until`]): they are priced with the newest card, which may have
/// been replaced since.
fn past_known_data(outcome: &Outcome, book: &RateBook) -> Option<String> {
    let currency = outcome.ledger.currency;
    let until = book.known_until(currency)?;
    let later: u64 = outcome
        .ledger
        .rows()
        .iter()
        .filter(|r| r.key.date >= until && r.key.kind == crate::charge::LineKind::Message)
        .map(|r| r.totals.lines)
        .sum();
    let newest = book.cards_of(currency).map(|c| c.effective).max()?;
    (later > 0).then(|| {
        format!(
            "{later} messages on or after {until} are priced with the {currency} card of \
             {newest}, the newest wacost knows: Meta may change rates on any quarter start from \
             {until}; load a newer card when Meta publishes one"
        )
    })
}

/// Notes a reader of the summary must see: assumptions, skipped rows, estimates, messages
/// past the data wacost knows.
pub fn notes(outcome: &Outcome, book: &RateBook) -> Vec<String> {
    let mut n = Vec::new();
    let s = &outcome.stats;
    if outcome.skipped_total() > 0 {
        let reasons: Vec<String> = outcome
            .skipped
            .iter()
            .map(|(r, c)| format!("{c} × {r}"))
            .collect();
        n.push(format!(
            "{} unreadable rows skipped ({})",
            outcome.skipped_total(),
            reasons.join(", ")
        ));
    }
    if s.rejected_free_form > 0 {
        n.push(format!(
            "{} free-form messages were sent outside any customer service window: Meta rejects \
             them (error 131047), so they are not charged",
            s.rejected_free_form
        ));
    }
    if s.duplicates > 0 {
        n.push(format!(
            "{} duplicate rows (same message id, or identical rows) counted once",
            s.duplicates
        ));
    }
    if s.missing_rate > 0 {
        n.push(format!(
            "{} charged messages had no rate on the card for their market and category: priced \
             at 0 as asked, so the total is understated by their cost",
            s.missing_rate
        ));
    }
    if s.late_deliveries > 0 {
        n.push(format!(
            "{} messages were priced as not delivered, then their delivery report came: each is \
             charged by a late_delivery line (what it would have changed for later messages of \
             the contact is not redone)",
            s.late_deliveries
        ));
    }
    if s.late_status > 0 {
        n.push(format!(
            "{} status rows came more than a week after their message: counted once, not charged \
             again",
            s.late_status
        ));
    }
    if s.forgotten_ids > 0 {
        n.push(format!(
            "{} message ids were forgotten (the memory of ids older than a week was full): a \
             status for one of them coming later would have been priced as a new message",
            s.forgotten_ids
        ));
    }
    if s.awaiting_given_up > 0 {
        n.push(format!(
            "{} messages priced as not delivered stopped waiting for a late delivery report (too \
             many waited at once): a report for one of them coming later was not charged",
            s.awaiting_given_up
        ));
    }
    if s.estimated_rates_used > 0 {
        n.push(format!(
            "{} messages were priced with estimated rates (see data/SOURCES.md)",
            s.estimated_rates_used
        ));
    }
    if outcome.settlement.list_rate_messages > 0 {
        n.push(format!(
            "{} utility/authentication messages priced at list rate: no volume-tier card loaded \
             (--rate-card 'Tier Pricing.csv')",
            outcome.settlement.list_rate_messages
        ));
    }
    n.extend(outcome.reader_notes.iter().cloned());
    if let Some(note) = past_known_data(outcome, book) {
        n.push(note);
    }
    if outcome.sorted {
        n.push("the log was not in time order: it was sorted by timestamp before pricing".into());
    }
    n
}

/// The groupings a summary shows, by name.
pub fn groupings(
    outcome: &Outcome,
    book: &RateBook,
) -> Vec<(&'static str, BTreeMap<String, Totals>)> {
    ledger_groupings(&outcome.ledger, book)
}

/// The groupings of a ledger, by name: category, market, month, pricing type, country,
/// business number and day.
pub fn ledger_groupings(
    l: &Ledger,
    book: &RateBook,
) -> Vec<(&'static str, BTreeMap<String, Totals>)> {
    vec![
        ("by_category", l.group_by(|k| k.category.to_string())),
        (
            "by_market",
            l.group_by(|k| book.names.name(k.market).to_string()),
        ),
        (
            "by_month",
            l.group_by(|k| format!("{:04}-{:02}", k.date.year(), k.date.month())),
        ),
        (
            "by_pricing_type",
            l.group_by(|k| k.pricing_type.to_string()),
        ),
        ("by_country", l.group_by(|k| k.country.to_string())),
        ("by_business", l.group_by(|k| k.business.name())),
        ("by_day", l.group_by(|k| k.date.to_string())),
    ]
}

/// Whether a count is 0 (a field then left out of the JSON).
fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn grouping(g: &BTreeMap<String, Totals>) -> Grouping {
    g.iter().map(|(k, t)| (k.clone(), Group::from(t))).collect()
}

impl Summary {
    /// The summary of a replay (or of a simulated run made into an [`Outcome`]).
    pub fn from_outcome(outcome: &Outcome, book: &RateBook) -> Summary {
        let l = &outcome.ledger;
        let mut s = Summary::from_ledger(l, book);
        s.skipped = outcome.skipped_total();
        s.inbound = outcome.stats.inbound;
        s.duplicates = outcome.stats.duplicates;
        s.rejected_free_form = outcome.stats.rejected_free_form;
        s.contacts = outcome.contacts as u64;
        s.sorted = outcome.sorted;
        s.rows_read = outcome.rows;
        s.missing_rate = outcome.stats.missing_rate;
        s.late_deliveries = outcome.stats.late_deliveries;
        s.late_status = outcome.stats.late_status;
        s.skipped_by_reason = outcome.skipped.clone();
        s.notes = notes(outcome, book);
        s.add_rule_facts(outcome, book);
        s.monthly_activity = crate::units::activity(&outcome.usage, book);
        s.unit_costs = crate::units::unit_costs(l, &s.monthly_activity, book);
        s
    }

    /// The counts of the rules of 2026 and the assumptions behind them: fields and notes.
    fn add_rule_facts(&mut self, outcome: &Outcome, book: &RateBook) {
        let f = &outcome.facts;
        self.meta_business_agent_replies = f.business_agent_replies;
        self.meta_business_agent_tokens = f.business_agent_tokens;
        self.meta_business_agent_default_tokens = f.business_agent_default_tokens;
        self.reactions = f.reactions;
        self.exempt_service_messages = f.exempt_service;
        self.group_deliveries = f.group_deliveries;
        self.meta_window_ends = f.meta_window_ends;
        self.free_entry_point_at_stake = f.free_entry_point_at_stake;
        self.free_entry_point_at_stake_amount = f.free_entry_point_at_stake_amount;
        self.max_price_messages = f.max_price_messages;
        self.max_price_amount = f.max_price_amount;
        self.shared_calling_code = f
            .shared_code
            .iter()
            .map(|(c, n)| (c.to_string(), *n))
            .collect();
        self.estimated_spend = f.estimated_by_market.values().copied().sum();
        self.estimated_spend_by_market = f
            .estimated_by_market
            .iter()
            .filter(|(_, a)| !a.is_zero())
            .map(|(m, a)| (book.names.name(*m).to_string(), *a))
            .collect();
        self.volume_tier_exposure = outcome
            .settlement
            .tier_exposure
            .iter()
            .map(|t| TierExposureRow {
                month: t.month.to_string(),
                waba: t.waba.name(),
                market: book.names.name(t.market).to_string(),
                category: t.category.to_string(),
                messages: t.messages,
                first_discount_from: t.first_discount_from,
            })
            .collect();
        self.rules = rules_in_force(&self.by_month, book);
        let notes = crate::assumptions::notes(self, outcome, book);
        self.notes.extend(notes);
    }

    /// The figures a ledger alone gives (no counts of inbound messages, contacts or skipped
    /// rows, no notes).
    pub fn from_ledger(l: &Ledger, book: &RateBook) -> Summary {
        let mut s = Summary {
            currency: l.currency,
            total: l.total(),
            messages: l.messages(),
            charged: l.charged(),
            agent_usage_lines: l.agent_usage_lines(),
            estimated_rates_used: l.estimated_rates_used(),
            messages_by_pricing_type: l
                .messages_by_pricing_type()
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect(),
            ..Summary::default()
        };
        for (name, g) in ledger_groupings(l, book) {
            if let Some(slot) = s.grouping_mut(name) {
                *slot = grouping(&g);
            }
        }
        s
    }

    /// This run's summary over a [`Period`]: the figures of `ledger`'s (the whole run's
    /// ledger) lines dated in the period, exactly as a replay with that period gives them.
    ///
    /// A period never changes a price (see [`crate::period`]), so a run's report can be cut
    /// to a month afterwards: the totals, groupings and unit costs are the period's lines';
    /// activity is kept for the months the period overlaps; counts only the whole log has
    /// (rows read, skipped, inbound, duplicates, the rules' counts) stay the whole run's, and
    /// the notes say so.
    pub fn for_period(&self, period: &Period, ledger: &Ledger, book: &RateBook) -> Summary {
        if period.is_all() {
            return self.clone();
        }
        let kept = period.ledger(ledger);
        let from_ledger = Summary::from_ledger(&kept, book);
        let monthly_activity: ActivityByMonth = self
            .monthly_activity
            .iter()
            .filter(|(month, _)| Period::parse_month(month).is_ok_and(|m| period.overlaps(m)))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let unit_costs = crate::units::unit_costs(&kept, &monthly_activity, book);
        // The ledger's figures are the period's; everything else is the run's.
        let mut s = self.clone();
        s.total = from_ledger.total;
        s.messages = from_ledger.messages;
        s.charged = from_ledger.charged;
        s.estimated_rates_used = from_ledger.estimated_rates_used;
        s.messages_by_pricing_type = from_ledger.messages_by_pricing_type;
        s.by_category = from_ledger.by_category;
        s.by_market = from_ledger.by_market;
        s.by_month = from_ledger.by_month;
        s.by_pricing_type = from_ledger.by_pricing_type;
        s.by_country = from_ledger.by_country;
        s.by_business = from_ledger.by_business;
        s.by_day = from_ledger.by_day;
        s.rules = rules_in_force(&s.by_month, book);
        s.monthly_activity = monthly_activity;
        s.unit_costs = unit_costs;
        s.notes.extend(period.notes(ledger));
        s
    }

    /// The same summary, recording the run behind it.
    pub fn with_run(mut self, run: RunInfo) -> Summary {
        self.run = Some(run);
        self
    }

    /// The groupings in the order reports show them, with their names (`by_category`…).
    pub fn groupings(&self) -> [(&'static str, &Grouping); 7] {
        [
            ("by_category", &self.by_category),
            ("by_market", &self.by_market),
            ("by_month", &self.by_month),
            ("by_pricing_type", &self.by_pricing_type),
            ("by_country", &self.by_country),
            ("by_business", &self.by_business),
            ("by_day", &self.by_day),
        ]
    }

    fn grouping_mut(&mut self, name: &str) -> Option<&mut Grouping> {
        Some(match name {
            "by_category" => &mut self.by_category,
            "by_market" => &mut self.by_market,
            "by_month" => &mut self.by_month,
            "by_pricing_type" => &mut self.by_pricing_type,
            "by_country" => &mut self.by_country,
            "by_business" => &mut self.by_business,
            "by_day" => &mut self.by_day,
            _ => return None,
        })
    }

    /// The summary as one JSON document (`replay --format json`, `summary.json`): keys in
    /// alphabetical order, amounts as decimal strings.
    pub fn to_json(&self) -> String {
        // Through a `Value`, whose maps keep keys sorted: the document does not depend on the
        // order of the fields above.
        let value = serde_json::to_value(self).unwrap_or_default();
        serde_json::to_string_pretty(&value).unwrap_or_default()
    }

    /// The summary as text tables for a terminal: the totals, then by category, market,
    /// month, pricing type and business number, then the notes.
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "total: {} {}\nmessages: {} outbound priced, {} charged, {} inbound, {} skipped rows\n",
            self.currency, self.total, self.messages, self.charged, self.inbound, self.skipped
        );
        if self.rows_read > 0 {
            s.push_str(&format!(
                "rows: {} read = {} outbound priced + {} inbound + {} duplicate or status rows + \
                 {} skipped",
                self.rows_read, self.messages, self.inbound, self.duplicates, self.skipped
            ));
            if self.agent_usage_lines > 0 {
                s.push_str(&format!(
                    " + {} Business Agent usage data points",
                    self.agent_usage_lines
                ));
            }
            s.push('\n');
        }
        if self.missing_rate > 0 {
            s.push_str(&format!(
                "priced at 0: {} charged messages whose card has no rate for them (as asked)\n",
                self.missing_rate
            ));
        }
        if self.late_deliveries > 0 {
            s.push_str(&format!(
                "late deliveries: {} messages charged when their delivery report came after \
                 they were priced as not delivered\n",
                self.late_deliveries
            ));
        }
        for (name, g) in self.groupings() {
            if name == "by_day" || name == "by_country" {
                continue;
            }
            let mut t = Table::new([
                name.trim_start_matches("by_").replace('_', " "),
                "lines".into(),
                "billed".into(),
                format!("amount ({})", self.currency),
            ])
            .right_align(1)
            .right_align(2)
            .right_align(3);
            for (k, v) in g {
                t.row([
                    k.clone(),
                    v.lines.to_string(),
                    v.billed.to_string(),
                    v.amount.to_string(),
                ]);
            }
            s.push('\n');
            s.push_str(&t.render());
        }
        if let Some(u) = &self.unit_costs {
            s.push_str("\ncost per customer conversation and per active contact (and month)\n");
            s.push_str(&u.table(&self.currency.to_string()).render());
        }
        for w in &self.what_if {
            s.push_str(&format!("\nwhat-if {}: {}\n", w.id, w.changed));
        }
        if !self.notes.is_empty() {
            s.push('\n');
            for line in &self.notes {
                s.push_str(&format!("note: {line}\n"));
            }
        }
        s
    }

    /// The summary as CSV: a `total` row, then one row per grouping and key.
    pub fn to_csv(&self) -> Result<String, csv::Error> {
        let currency = self.currency.to_string();
        let mut t = Table::new(["grouping", "key", "lines", "billed", "amount", "currency"]);
        t.row([
            "total".to_string(),
            "total".to_string(),
            self.messages.to_string(),
            self.charged.to_string(),
            self.total.to_string(),
            currency.clone(),
        ]);
        for (name, g) in self.groupings() {
            for (k, v) in g {
                t.row([
                    name.to_string(),
                    k.clone(),
                    v.lines.to_string(),
                    v.billed.to_string(),
                    v.amount.to_string(),
                    currency.clone(),
                ]);
            }
        }
        t.to_csv()
    }
}

impl Outcome {
    /// The run's [`Summary`].
    pub fn summary(&self, book: &RateBook) -> Summary {
        Summary::from_outcome(self, book)
    }
}

/// Sum of a grouping's amounts (equals the total: every line is in exactly one group).
pub fn grouping_total(g: &BTreeMap<String, Totals>) -> Decimal {
    g.values().map(|t| t.amount).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::{Replay, Source};

    fn sample() -> Summary {
        let book = RateBook::embedded().expect("embedded data");
        let log = include_str!("../../../data/sample_log.csv");
        let source = Source::Bytes("sample".into(), log.as_bytes().into());
        let outcome = Replay::new(&book).logs(&[source]).expect("sample replays");
        outcome.summary(&book)
    }

    #[test]
    fn the_sample_logs_figures() {
        let s = sample();
        assert_eq!(s.total.to_string(), "0.8573");
        assert_eq!((s.messages, s.charged, s.inbound), (220, 37, 105));
        assert_eq!(s.by_category["marketing"].amount.to_string(), "0.7370");
        assert_eq!(s.by_category["marketing"].billed, 19);
        assert_eq!(s.messages_by_pricing_type["regular"], 37);
        // Every grouping adds up to the total.
        for (name, g) in s.groupings() {
            let sum: Decimal = g.values().map(|v| v.amount).sum();
            assert_eq!(sum, s.total, "{name}");
        }
    }

    /// A run's summary cut to a period afterwards is the summary of a replay with that
    /// period: the same totals, groupings, activity and unit costs.
    #[test]
    fn a_summary_cut_to_a_period_is_the_periods_replay() {
        let book = RateBook::embedded().expect("embedded data");
        let log = include_str!("../../../data/sample_log.csv");
        let source = Source::Bytes("sample".into(), log.as_bytes().into());
        let outcome = Replay::new(&book).logs(&[source]).expect("sample replays");
        let whole = outcome.summary(&book);
        let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        let period = Period::between(d("2026-02-03"), d("2026-02-09")).unwrap();
        let replayed = period.outcome(&outcome).summary(&book);
        let cut = whole.for_period(&period, &outcome.ledger, &book);
        assert_eq!(cut.total, replayed.total);
        assert!(cut.total < whole.total, "the period leaves lines out");
        assert_eq!(
            (cut.messages, cut.charged),
            (replayed.messages, replayed.charged)
        );
        assert_eq!(cut.groupings(), replayed.groupings());
        assert_eq!(cut.monthly_activity, replayed.monthly_activity);
        assert_eq!(cut.unit_costs, replayed.unit_costs);
        assert_eq!(cut.rules, replayed.rules);
        // Counts of the whole log stay the whole log's.
        assert_eq!(
            (cut.inbound, cut.rows_read),
            (whole.inbound, whole.rows_read)
        );
        assert!(
            cut.notes
                .iter()
                .any(|n| n.starts_with("period 2026-02-03 to 2026-02-09: the whole log")),
            "{:?}",
            cut.notes
        );
        // Every day: the summary itself.
        assert_eq!(
            whole.for_period(&Period::all(), &outcome.ledger, &book),
            whole
        );
    }

    #[test]
    fn json_round_trips_and_keeps_decimals() {
        let s = sample().with_run(RunInfo {
            inputs: vec!["data/sample_log.csv".into()],
            timezone: "UTC".into(),
            currency: "USD".into(),
            show_contacts: false,
            wacost: "0.1.0".into(),
            seed: None,
        });
        let text = s.to_json();
        assert!(text.contains("\"total\": \"0.8573\""));
        assert!(text.contains("\"amount\": \"0.7370\""));
        // Keys are sorted: `by_business` comes first, `total` last.
        assert!(text.trim_start().starts_with("{\n  \"by_business\""));
        assert!(!text.contains("\"seed\""));
        let back: Summary = serde_json::from_str(&text).expect("reads back");
        assert_eq!(back, s);
        assert_eq!(back.to_json(), text);
    }

    #[test]
    fn text_and_csv_show_the_same_total() {
        let s = sample();
        assert!(s.to_text().starts_with("total: USD 0.8573\n"));
        let csv = s.to_csv().expect("csv");
        assert!(csv.starts_with(
            "grouping,key,lines,billed,amount,currency\ntotal,total,220,37,0.8573,USD\n"
        ));
        assert!(csv.contains("\nby_category,marketing,35,19,0.7370,USD\n"));
    }
}
