//! The summary of a replay: the figures finance asks for first, as a table or one JSON
//! object.

use std::collections::BTreeMap;

use chrono::Datelike;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use crate::ledger::{Ledger, Totals};
use crate::pricing::RateBook;
use crate::replay::Outcome;
use crate::table::Table;

/// Notes a reader of the summary must see: assumptions, skipped rows, estimates.
pub fn notes(outcome: &Outcome) -> Vec<String> {
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
             at 0",
            s.missing_rate
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
    if outcome.sorted {
        n.push("the log was not in time order: it was sorted by timestamp before pricing".into());
    }
    n
}

fn amounts(map: &BTreeMap<String, Totals>) -> Value {
    let mut m = Map::new();
    for (k, t) in map {
        m.insert(
            k.clone(),
            json!({"amount": t.amount.to_string(), "lines": t.lines, "billed": t.billed}),
        );
    }
    Value::Object(m)
}

/// The groupings a summary shows, by name.
pub fn groupings(
    outcome: &Outcome,
    book: &RateBook,
) -> Vec<(&'static str, BTreeMap<String, Totals>)> {
    ledger_groupings(&outcome.ledger, book)
}

/// The groupings of a ledger, by name (what [`groupings`] shows).
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

/// The summary as one JSON object.
pub fn to_json(outcome: &Outcome, book: &RateBook) -> Value {
    let l = &outcome.ledger;
    let mut doc = json!({
        "currency": l.currency,
        "total": l.total().to_string(),
        "messages": l.messages(),
        "charged": l.charged(),
        "skipped": outcome.skipped_total(),
        "estimated_rates_used": l.estimated_rates_used(),
        "inbound": outcome.stats.inbound,
        "duplicates": outcome.stats.duplicates,
        "rejected_free_form": outcome.stats.rejected_free_form,
        "contacts": outcome.contacts,
        "sorted": outcome.sorted,
        "messages_by_pricing_type": l.messages_by_pricing_type().iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<Map<String, Value>>(),
        "skipped_by_reason": outcome.skipped.clone(),
        "notes": notes(outcome),
    });
    if let Value::Object(m) = &mut doc {
        for (name, g) in groupings(outcome, book) {
            m.insert(name.to_string(), amounts(&g));
        }
    }
    doc
}

/// The summary as text tables.
pub fn to_text(outcome: &Outcome, book: &RateBook) -> String {
    let l = &outcome.ledger;
    let mut s = format!(
        "total: {} {}\nmessages: {} outbound priced, {} charged, {} inbound, {} skipped rows\n",
        l.currency,
        l.total(),
        l.messages(),
        l.charged(),
        outcome.stats.inbound,
        outcome.skipped_total()
    );
    for (name, g) in groupings(outcome, book) {
        if name == "by_day" || name == "by_country" {
            continue;
        }
        let mut t = Table::new([
            name.trim_start_matches("by_").replace('_', " "),
            "lines".into(),
            "billed".into(),
            format!("amount ({})", l.currency),
        ])
        .right_align(1)
        .right_align(2)
        .right_align(3);
        for (k, v) in &g {
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
    let n = notes(outcome);
    if !n.is_empty() {
        s.push('\n');
        for line in n {
            s.push_str(&format!("note: {line}\n"));
        }
    }
    s
}

/// The summary as CSV: one row per grouping and key.
pub fn to_csv(outcome: &Outcome, book: &RateBook) -> Result<String, csv::Error> {
    ledger_csv(&outcome.ledger, book)
}

/// The summary of a ledger as CSV (what [`to_csv`] writes).
pub fn ledger_csv(ledger: &Ledger, book: &RateBook) -> Result<String, csv::Error> {
    let mut t = Table::new(["grouping", "key", "lines", "billed", "amount", "currency"]);
    t.row([
        "total".to_string(),
        "total".to_string(),
        ledger.messages().to_string(),
        ledger.charged().to_string(),
        ledger.total().to_string(),
        ledger.currency.to_string(),
    ]);
    for (name, g) in ledger_groupings(ledger, book) {
        for (k, v) in g {
            t.row([
                name.to_string(),
                k,
                v.lines.to_string(),
                v.billed.to_string(),
                v.amount.to_string(),
                ledger.currency.to_string(),
            ]);
        }
    }
    t.to_csv()
}

/// Sum of a grouping's amounts (equals the total: every line is in exactly one group).
pub fn grouping_total(g: &BTreeMap<String, Totals>) -> Decimal {
    g.values().map(|t| t.amount).sum()
}
