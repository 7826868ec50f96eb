//! A provider comparison as reports show it: the table `wacost compare` prints, its CSV, its
//! JSON document (`providers.json`), its text and its chart. The comparison itself is
//! [`wacost_core::providers::Comparison`] (saved in a run folder's `run.json` without the
//! bills).

use serde::{Deserialize, Serialize};
use wacost_core::money::Currency;
use wacost_core::providers::{ComparedProvider, Comparison};
use wacost_core::table::Table;
use wacost_core::usage::Usage;

use crate::charts::{ProviderCost, Providers};

/// The document `wacost compare --format json` prints and `providers.json` holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvidersDocument {
    /// The reporting currency.
    pub currency: Currency,
    /// The currency of Meta's fees before conversion (the rate card's).
    pub card_currency: String,
    /// Outbound messages of the traffic compared.
    pub outbound_messages: u64,
    /// One row per provider, cheapest first.
    pub providers: Vec<ComparedProvider>,
    /// Exchange rates used, and approximations.
    pub notes: Vec<String>,
}

impl ProvidersDocument {
    /// The document of a comparison. `card_currency` is the currency of Meta's fees before
    /// conversion.
    pub fn new(c: &Comparison, card_currency: &str, outbound_messages: u64) -> ProvidersDocument {
        ProvidersDocument {
            currency: c.currency,
            card_currency: card_currency.to_string(),
            outbound_messages,
            providers: c.rows.clone(),
            notes: c.notes.clone(),
        }
    }

    /// Pretty JSON, keys in alphabetical order, amounts as decimal strings.
    pub fn to_json(&self) -> String {
        let value = serde_json::to_value(self).unwrap_or_default();
        serde_json::to_string_pretty(&value).unwrap_or_default()
    }
}

/// The comparison as a table: rank, provider, Meta's fees, the provider's fees, total, per
/// message, confidence (what `wacost compare` prints).
pub fn table(c: &Comparison) -> Table {
    let mut t = Table::new([
        "rank",
        "provider",
        "meta_fees",
        "provider_fees",
        "total",
        "per_message",
        "confidence",
    ])
    .right_align(0)
    .right_align(2)
    .right_align(3)
    .right_align(4)
    .right_align(5);
    for r in &c.rows {
        t.row([
            r.rank.to_string(),
            r.provider.clone(),
            r.meta_fees.to_string(),
            r.provider_fees.to_string(),
            r.total.to_string(),
            r.per_message
                .map(|d| d.to_string())
                .unwrap_or_else(|| "-".to_string()),
            r.confidence.to_string(),
        ]);
    }
    t
}

/// [`table`] with each provider's `as_of` and `source` (the CSV of a comparison).
pub fn csv_table(c: &Comparison) -> Table {
    let t = table(c);
    let mut out = Table::new(
        t.header()
            .iter()
            .cloned()
            .chain(["as_of".to_string(), "source".to_string()])
            .collect::<Vec<_>>(),
    );
    for (row, r) in t.rows().iter().zip(&c.rows) {
        out.row(
            row.iter()
                .cloned()
                .chain([r.as_of.clone(), r.source.clone()]),
        );
    }
    out
}

/// The notes of a comparison and each provider's source, as text under its table.
pub fn notes_and_sources<'a>(
    notes: &[String],
    sources: impl Iterator<Item = (&'a str, &'a str, &'a str)>,
) -> String {
    let mut out = String::new();
    if !notes.is_empty() {
        out.push_str("\nNotes:\n");
        for n in notes {
            out.push_str(&format!("- {n}\n"));
        }
    }
    out.push_str("\nSources (as of):\n");
    for (provider, as_of, source) in sources {
        out.push_str(&format!("- {provider} ({as_of}): {source}\n"));
    }
    out.push_str(
        "\nEach provider's notes (gaps, assumptions, uncertain figures) are in \
         --format json and data/providers.toml.\n",
    );
    out
}

/// The comparison for a terminal: what was compared (months, messages, Meta's card), the
/// table, the notes and every provider's source. `card_currency` is the currency of Meta's
/// fees before conversion; `usage` the traffic's message counts.
pub fn to_text(c: &Comparison, card_currency: Currency, usage: &Usage) -> String {
    let outbound: u64 = usage.values().map(|u| u.outbound()).sum();
    let months = match (usage.keys().next(), usage.keys().next_back()) {
        (Some(a), Some(b)) if a == b => format!("{:04}-{:02}", a.0, a.1),
        (Some(a), Some(b)) => format!("{:04}-{:02} to {:04}-{:02}", a.0, a.1, b.0, b.1),
        _ => "no months".to_string(),
    };
    let mut out = format!(
        "Provider comparison in {} ({months}, {outbound} outbound messages; Meta's fees \
         from the {card_currency} rate card)\n\n",
        c.currency
    );
    out.push_str(&table(c).render());
    out.push_str(&notes_and_sources(
        &c.notes,
        c.rows
            .iter()
            .map(|r| (r.provider.as_str(), r.as_of.as_str(), r.source.as_str())),
    ));
    out
}

/// The chart of the comparison: Meta's fees and the provider's, cheapest first.
pub fn chart(c: &Comparison) -> Providers {
    Providers {
        title: "Cost by provider: Meta's fees and the provider's own".into(),
        currency: c.currency.to_string(),
        rows: c
            .rows
            .iter()
            .map(|r| ProviderCost {
                name: r.provider.clone(),
                meta_fees: r.meta_fees,
                provider_fees: r.provider_fees,
            })
            .collect(),
    }
}
