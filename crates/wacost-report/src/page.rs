//! The HTML renderer of a [`Report`]: what the page says (headline, key facts, assumptions,
//! data provenance, summary tables), assembled into a [`ReportPage`] that [`crate::html`]
//! writes. Charts and links come from [`crate::bundle`], which writes their files.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use wacost_core::charge::LineKind;
use wacost_core::ledger::{Ledger, Totals};
use wacost_core::pricing::RateBook;
use wacost_core::pricing::category::Category;
use wacost_core::pricing::ratecard::RateCard;
use wacost_core::summary::{self};
use wacost_core::table::Table;

use crate::charts;
use crate::html::{Headline, InlineChart, Link, ReportPage};
use crate::model::Report;

/// The first and last day of a ledger.
pub fn period(ledger: &Ledger) -> Option<(NaiveDate, NaiveDate)> {
    let dates = ledger.group_by(|k| k.date);
    Some((*dates.keys().next()?, *dates.keys().next_back()?))
}

/// The period in words: "1–28 February 2026 (28 days)".
pub fn period_text(ledger: &Ledger) -> String {
    match period(ledger) {
        None => "no messages".to_string(),
        Some((a, b)) if a == b => a.format("%-d %B %Y").to_string(),
        Some((a, b)) => {
            let days = (b - a).num_days() + 1;
            if a.year() == b.year() && a.month() == b.month() {
                format!(
                    "{}–{} ({days} days)",
                    a.format("%-d"),
                    b.format("%-d %B %Y")
                )
            } else {
                format!(
                    "{} to {} ({days} days)",
                    a.format("%-d %B %Y"),
                    b.format("%-d %B %Y")
                )
            }
        }
    }
}

fn share(part: Decimal, total: Decimal) -> String {
    if total.is_zero() {
        "-".to_string()
    } else {
        format!("{:.1}%", (part * Decimal::ONE_HUNDRED / total).round_dp(1))
    }
}

fn grouping_table(key: &str, currency: &str, rows: &[(String, Totals)], total: Decimal) -> Table {
    let mut t = Table::new([
        key.to_string(),
        "lines".into(),
        "billed".into(),
        format!("amount ({currency})"),
        "share".into(),
    ]);
    for (k, v) in rows {
        t.row([
            k.clone(),
            charts::format_count(v.lines),
            charts::format_count(v.billed),
            charts::format_exact(v.amount),
            share(v.amount, total),
        ]);
    }
    t
}

/// The rate cards in force over a ledger's days, each with the message lines it priced.
fn cards_in_force<'b>(ledger: &Ledger, book: &'b RateBook) -> Vec<(&'b RateCard, u64)> {
    let mut out: Vec<(&RateCard, u64)> = Vec::new();
    let by_date = ledger.group_by(|k| (k.date, k.kind));
    for ((date, kind), t) in by_date {
        let Ok(card) = book.card_at(ledger.currency, date) else {
            continue;
        };
        let lines = if kind == LineKind::Message {
            t.lines
        } else {
            0
        };
        match out
            .iter_mut()
            .find(|(c, _)| c.effective == card.effective && c.currency == card.currency)
        {
            Some(e) => e.1 += lines,
            None => out.push((card, lines)),
        }
    }
    out
}

/// An estimated cell: the card's effective date, the market, the category.
type EstimatedCell = (NaiveDate, String, Category);

/// The provenance tables and assumptions: cards in force with their confidence, and the
/// estimated cells used.
fn provenance(ledger: &Ledger, book: &RateBook) -> (Vec<String>, Vec<(String, Table)>) {
    let mut assumptions = Vec::new();
    let mut tables = Vec::new();
    let cards = cards_in_force(ledger, book);
    if !cards.is_empty() {
        let mut t = Table::new([
            "effective",
            "currency",
            "card",
            "confidence",
            "published",
            "derived",
            "estimated",
            "messages priced",
        ]);
        for (card, messages) in &cards {
            let (p, d, e) = card.provenance_counts();
            t.row([
                card.effective.to_string(),
                card.currency.to_string(),
                card.title.clone(),
                card.confidence.clone(),
                p.to_string(),
                d.to_string(),
                e.to_string(),
                charts::format_count(*messages),
            ]);
            for n in &card.notes {
                assumptions.push(format!("{} card of {}: {n}", card.currency, card.effective));
            }
        }
        tables.push(("Rate cards in force (cells by provenance)".to_string(), t));
    }

    // Estimated cells used: ledger rows with estimated lines, by card, market and category.
    let mut used: BTreeMap<EstimatedCell, (u64, Option<String>, String)> = BTreeMap::new();
    for r in ledger.rows() {
        if r.totals.estimated == 0 {
            continue;
        }
        let Ok(card) = book.card_at(ledger.currency, r.key.date) else {
            continue;
        };
        let cell = card.cell(r.key.market, r.key.category).or_else(|| {
            (r.key.category == Category::AuthenticationInternational)
                .then(|| card.cell(r.key.market, Category::Authentication))
                .flatten()
        });
        let e = used
            .entry((
                card.effective,
                book.names.name(r.key.market).to_string(),
                r.key.category,
            ))
            .or_insert_with(|| {
                (
                    0,
                    cell.map(|c| c.rate.to_string()),
                    cell.map(|c| {
                        if c.note.is_empty() {
                            card.source_text(&c.source).to_string()
                        } else {
                            c.note.clone()
                        }
                    })
                    .unwrap_or_default(),
                )
            });
        e.0 += r.totals.estimated;
    }
    if used.is_empty() {
        assumptions.push(
            "no estimated rate was used: every charged message was priced with a published or \
             derived rate"
                .to_string(),
        );
    } else {
        let mut t = Table::new([
            "card",
            "market",
            "category",
            "rate",
            "messages",
            "how it was estimated",
        ]);
        for ((effective, market, category), (n, rate, note)) in &used {
            t.row([
                effective.to_string(),
                market.clone(),
                category.to_string(),
                rate.clone().unwrap_or_else(|| "-".to_string()),
                charts::format_count(*n),
                note.clone(),
            ]);
        }
        tables.push((
            format!(
                "Estimated rate cells used ({} messages priced with an estimated rate)",
                charts::format_count(ledger.estimated_rates_used())
            ),
            t,
        ));
    }
    (assumptions, tables)
}

/// The key figures next to the headline.
fn facts(report: &Report) -> Vec<(String, String)> {
    let ledger = &report.ledger;
    let currency = ledger.currency.to_string();
    let total = ledger.total();
    let mut facts: Vec<(String, String)> = vec![
        (
            "outbound messages priced".into(),
            charts::format_count(ledger.messages()),
        ),
        (
            "messages charged".into(),
            charts::format_count(ledger.charged()),
        ),
        (
            "inbound messages".into(),
            charts::format_count(report.summary.inbound),
        ),
        (
            "contacts".into(),
            charts::format_count(report.summary.contacts),
        ),
    ];
    if ledger.charged() > 0 {
        facts.push((
            format!("average per charged message ({currency})"),
            charts::format_amount(total / Decimal::from(ledger.charged())),
        ));
    }
    facts.push((
        "priced with an estimated rate".into(),
        charts::format_count(ledger.estimated_rates_used()),
    ));
    if let Some(c) = &report.comparison
        && let Some(best) = c.rows.first()
    {
        facts.push((
            "cheapest provider".into(),
            format!(
                "{} ({} {})",
                best.provider,
                c.currency,
                charts::format_exact(best.total)
            ),
        ));
    }
    if let Some(s) = &report.simulation {
        facts.extend(s.facts.iter().cloned());
    }
    facts
}

/// What the figures rest on: the rules of pricing, the report's own assumptions, masking,
/// and the rate cards' notes.
fn assumptions(report: &Report, card_assumptions: Vec<String>) -> Vec<String> {
    let currency = report.ledger.currency;
    let mut out = vec![
        format!(
            "Meta's list rates in {currency}, from the rate card in force on each message's \
             date; amounts are exact decimals, never rounded"
        ),
        "only delivered messages are charged; each message is priced by the rule in force on \
         its date (see the rule of every line in lines.csv)"
            .to_string(),
    ];
    out.extend(report.assumptions.iter().cloned());
    out.push(if report.show_contacts {
        "contacts are shown in full (--show-contacts)".to_string()
    } else {
        "contacts are masked (calling code and last two digits); --show-contacts shows them in \
         full"
            .to_string()
    });
    out.extend(card_assumptions);
    out
}

/// The summary tables: by category, market, month, pricing type and business number, the
/// top contacts, the provider comparison and the simulation's tables.
fn tables(report: &Report, book: &RateBook) -> Vec<(String, Table)> {
    let ledger = &report.ledger;
    let currency = ledger.currency.to_string();
    let total = ledger.total();
    let groups = summary::ledger_groupings(ledger, book);
    let get = |name: &str| {
        groups
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, g)| g.clone())
            .unwrap_or_default()
    };
    let by_category: Vec<(String, Totals)> = {
        let g = get("by_category");
        Category::ALL
            .into_iter()
            .filter_map(|c| g.get(c.as_str()).map(|t| (c.to_string(), *t)))
            .collect()
    };
    let mut by_market: Vec<(String, Totals)> = get("by_market").into_iter().collect();
    by_market.sort_by(|a, b| b.1.amount.cmp(&a.1.amount).then_with(|| a.0.cmp(&b.0)));
    let by_month: Vec<(String, Totals)> = get("by_month").into_iter().collect();
    let by_type: Vec<(String, Totals)> = get("by_pricing_type").into_iter().collect();
    let mut by_business: Vec<(String, Totals)> = get("by_business").into_iter().collect();
    by_business.sort_by(|a, b| b.1.amount.cmp(&a.1.amount).then_with(|| a.0.cmp(&b.0)));
    let mut out = vec![
        (
            "By pricing category".to_string(),
            grouping_table("category", &currency, &by_category, total),
        ),
        (
            "By market".to_string(),
            grouping_table("market", &currency, &by_market, total),
        ),
        (
            "By month".to_string(),
            grouping_table("month", &currency, &by_month, total),
        ),
        (
            "By pricing type".to_string(),
            grouping_table("pricing type", &currency, &by_type, total),
        ),
        (
            "By business number".to_string(),
            grouping_table("business", &currency, &by_business, total),
        ),
    ];
    if !report.contacts.is_empty() {
        let mut t = Table::new([
            "contact".to_string(),
            "messages".into(),
            "billed".into(),
            format!("amount ({currency})"),
            "share".into(),
        ]);
        for c in &report.contacts {
            t.row([
                c.contact.clone(),
                charts::format_count(c.messages),
                charts::format_count(c.billed),
                charts::format_exact(c.amount),
                share(c.amount, total),
            ]);
        }
        out.push((
            format!(
                "Top {} contacts by spend{}",
                report.contacts.len(),
                if report.show_contacts {
                    ""
                } else {
                    " (masked)"
                }
            ),
            t,
        ));
    }
    if let Some(c) = &report.comparison {
        let mut t = Table::new(
            crate::comparison::table(c)
                .header()
                .iter()
                .map(|h| h.replace('_', " "))
                .collect::<Vec<_>>(),
        );
        for r in &c.rows {
            t.row([
                r.rank.to_string(),
                r.provider.clone(),
                charts::format_exact(r.meta_fees),
                charts::format_exact(r.provider_fees),
                charts::format_exact(r.total),
                r.per_message
                    .map(charts::format_exact)
                    .unwrap_or_else(|| "-".to_string()),
                r.confidence.to_string(),
            ]);
        }
        out.push((
            format!(
                "Provider comparison ({}, cheapest first; sources above)",
                c.currency
            ),
            t,
        ));
    }
    if let Some(s) = &report.simulation {
        for (heading, _, table) in &s.tables {
            out.push((heading.clone(), table.clone()));
        }
    }
    out
}

/// The page of a report, with its charts drawn and its links to the files written next to
/// it. `notes` are the report's notes and what the folder's files add (provider and
/// simulation notes).
pub fn page(
    report: &Report,
    book: &RateBook,
    charts: Vec<InlineChart>,
    links: Vec<Link>,
    notes: Vec<String>,
) -> ReportPage {
    let (card_assumptions, mut provenance_tables) = provenance(&report.ledger, book);
    if let Some(c) = &report.comparison {
        let mut t = Table::new(["provider", "as of", "confidence", "source"]);
        for r in &c.rows {
            t.row([
                r.provider.clone(),
                r.as_of.clone(),
                r.confidence.to_string(),
                r.source.clone(),
            ]);
        }
        provenance_tables.push(("Where each provider's fees come from".to_string(), t));
    }
    let mut subtitle = period_text(&report.ledger);
    if !report.source.is_empty() {
        subtitle.push_str(" · ");
        subtitle.push_str(&report.source);
    }
    if let Some(s) = &report.simulation
        && !s.scenario.is_empty()
    {
        subtitle.push_str(" · simulated: ");
        subtitle.push_str(&s.scenario);
    }
    ReportPage {
        title: report.title.clone(),
        subtitle,
        headline: Headline {
            label: "Total spend on Meta's fees".into(),
            amount: report.ledger.total(),
            currency: report.ledger.currency.to_string(),
        },
        facts: facts(report),
        assumptions: assumptions(report, card_assumptions),
        notes,
        provenance: provenance_tables,
        tables: tables(report, book),
        charts,
        links,
        footer: format!(
            "wacost {}: every figure from Meta's published rules and rate cards; data \
             provenance in data/SOURCES.md",
            env!("CARGO_PKG_VERSION")
        ),
    }
}
