//! The HTML renderer of a [`Report`]: what the page says (headline, key facts, assumptions,
//! data provenance, summary tables), assembled into a [`ReportPage`] that [`crate::html`]
//! writes. Charts and links come from [`crate::bundle`], which writes their files.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use wacost_core::charge::LineKind;
use wacost_core::ledger::{Ledger, RowKey};
use wacost_core::pricing::RateBook;
use wacost_core::pricing::category::Category;
use wacost_core::pricing::ratecard::RateCard;

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

/// One group of message lines in a table: messages priced, billed, their amount at list rate.
#[derive(Clone, Debug, Default)]
struct GroupRow {
    messages: u64,
    billed: u64,
    amount: Decimal,
}

/// The message lines of a ledger grouped by a key; adjustment lines (free allowances, tier
/// discounts) are left out: [`adjustment_rows`] shows them apart, as an invoice does.
fn message_groups<K: Ord>(ledger: &Ledger, key: impl Fn(&RowKey) -> K) -> BTreeMap<K, GroupRow> {
    let mut out: BTreeMap<K, GroupRow> = BTreeMap::new();
    for r in ledger.rows() {
        if r.key.kind != LineKind::Message {
            continue;
        }
        let g = out.entry(key(&r.key)).or_default();
        g.messages += r.totals.lines;
        g.billed += r.totals.billed;
        g.amount += r.totals.amount;
    }
    out
}

/// The adjustment lines of a ledger in words, one row per kind and category: "1,000 free
/// service messages" and their amount; "volume-tier discount on 12,000 utility messages".
fn adjustment_rows(ledger: &Ledger) -> Vec<(String, Decimal)> {
    let mut by: BTreeMap<(LineKind, Category), (i64, Decimal)> = BTreeMap::new();
    for r in ledger.rows() {
        if r.key.kind == LineKind::Message {
            continue;
        }
        let e = by.entry((r.key.kind, r.key.category)).or_default();
        e.0 += r.totals.quantity;
        e.1 += r.totals.amount;
    }
    by.into_iter()
        .map(|((kind, category), (quantity, amount))| {
            let n = charts::format_count(quantity.max(0) as u64);
            let label = match kind {
                LineKind::Allowance => format!("free allowance: {n} {category} messages"),
                _ => format!("volume-tier discount on {n} {category} messages"),
            };
            (label, amount)
        })
        .collect()
}

/// A table of groups of message lines: messages, billed, amount at list rate and share of the
/// messages' amount; then the adjustment rows (amount only) and the total, so that the
/// amounts add up to the total and the counts are messages only.
fn grouping_table(
    key: &str,
    currency: &str,
    groups: &[(String, GroupRow)],
    adjustments: &[(String, Decimal)],
) -> Table {
    let gross: Decimal = groups.iter().map(|(_, g)| g.amount).sum();
    let mut t = Table::new([
        key.to_string(),
        "messages".into(),
        "billed".into(),
        format!("amount ({currency})"),
        "share".into(),
    ]);
    for (k, g) in groups {
        t.row([
            k.clone(),
            charts::format_count(g.messages),
            charts::format_count(g.billed),
            charts::format_money(g.amount, currency),
            share(g.amount, gross),
        ]);
    }
    for (label, amount) in adjustments {
        t.row([
            label.clone(),
            String::new(),
            String::new(),
            charts::format_money(*amount, currency),
            String::new(),
        ]);
    }
    let total = gross + adjustments.iter().map(|(_, a)| *a).sum::<Decimal>();
    t.row([
        "total".to_string(),
        charts::format_count(groups.iter().map(|(_, g)| g.messages).sum()),
        charts::format_count(groups.iter().map(|(_, g)| g.billed).sum()),
        charts::format_money(total, currency),
        String::new(),
    ]);
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
                    cell.map(|c| charts::format_rate(c.rate)),
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

/// The month before the last month of a ledger and both months' totals, when it spans two
/// months or more: (last month, its total, the month before, its total).
fn last_two_months(ledger: &Ledger) -> Option<(NaiveDate, Decimal, NaiveDate, Decimal)> {
    let by_month = ledger.group_by(|k| (k.date.year(), k.date.month()));
    let mut months = by_month.iter().rev();
    let ((y, m), last) = months.next()?;
    let ((py, pm), previous) = months.next()?;
    Some((
        NaiveDate::from_ymd_opt(*y, *m, 1)?,
        last.amount,
        NaiveDate::from_ymd_opt(*py, *pm, 1)?,
        previous.amount,
    ))
}

/// Messages a free allowance covered (the allowance lines' quantities).
fn covered(ledger: &Ledger) -> u64 {
    ledger
        .group_by(|k| k.kind)
        .get(&LineKind::Allowance)
        .map_or(0, |t| t.quantity.max(0) as u64)
}

/// The key figures next to the headline. "Billed" and "charged" mean the same everywhere on
/// the page: billed, messages priced at a list rate (before free allowances); charged, those
/// Meta bills once allowances are used (billed less covered).
fn facts(report: &Report) -> Vec<(String, String)> {
    let ledger = &report.ledger;
    let currency = ledger.currency.to_string();
    let total = ledger.total();
    let mut facts: Vec<(String, String)> = Vec::new();
    if let Some((last, last_total, previous, previous_total)) = last_two_months(ledger) {
        let change = if previous_total.is_zero() {
            "-".to_string()
        } else {
            let pct =
                ((last_total - previous_total) * Decimal::ONE_HUNDRED / previous_total).round_dp(1);
            format!("{}{pct:.1} %", if pct > Decimal::ZERO { "+" } else { "" })
        };
        facts.push((
            format!("{} vs {}", last.format("%B %Y"), previous.format("%B")),
            format!(
                "{currency} {} ({change})",
                charts::format_money(last_total, &currency)
            ),
        ));
    }
    facts.push((
        "outbound messages priced".into(),
        charts::format_count(ledger.messages()),
    ));
    let covered = covered(ledger);
    if covered > 0 {
        let billed: u64 = ledger.rows().iter().map(|r| r.totals.billed).sum();
        facts.push(("billed at list rate".into(), charts::format_count(billed)));
        facts.push((
            "covered by free allowances".into(),
            charts::format_count(covered),
        ));
    }
    facts.push((
        "messages charged".into(),
        charts::format_count(ledger.charged()),
    ));
    facts.push((
        "inbound messages".into(),
        charts::format_count(report.summary.inbound),
    ));
    facts.push((
        "contacts".into(),
        charts::format_count(report.summary.contacts),
    ));
    if ledger.charged() > 0 {
        facts.push((
            format!("average per charged message ({currency})"),
            charts::format_rate(total / Decimal::from(ledger.charged())),
        ));
    }
    facts.push((
        "priced with an estimated rate".into(),
        charts::format_count(ledger.estimated_rates_used()),
    ));
    if let Some(c) = &report.comparison
        && let Some(best) = c.rows.first()
    {
        let cur = c.currency.to_string();
        facts.push((
            "cheapest provider".into(),
            format!(
                "{} ({cur} {})",
                best.provider,
                charts::format_money(best.total, &cur)
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

/// The summary tables: by category, market, country, day, month, pricing type and business
/// number (each with the adjustment rows apart and a total), the top contacts, the provider
/// comparison and the simulation's tables. Money with the currency's decimals; exact values
/// are in the CSV, JSON and XLSX files.
fn tables(report: &Report, book: &RateBook) -> Vec<(String, Table)> {
    let ledger = &report.ledger;
    let currency = ledger.currency.to_string();
    let total = ledger.total();
    let adjustments = adjustment_rows(ledger);
    let by_amount = |mut v: Vec<(String, GroupRow)>| {
        v.sort_by(|a, b| b.1.amount.cmp(&a.1.amount).then_with(|| a.0.cmp(&b.0)));
        v
    };
    let by_category: Vec<(String, GroupRow)> = {
        let g = message_groups(ledger, |k| k.category);
        Category::ALL
            .into_iter()
            .filter_map(|c| g.get(&c).map(|r| (c.to_string(), r.clone())))
            .collect()
    };
    let by_market = by_amount(
        message_groups(ledger, |k| book.names.name(k.market).to_string())
            .into_iter()
            .collect(),
    );
    let by_country = by_amount(
        message_groups(ledger, |k| k.country.to_string())
            .into_iter()
            .collect(),
    );
    let by_day: Vec<(String, GroupRow)> = message_groups(ledger, |k| k.date)
        .into_iter()
        .map(|(d, g)| (d.to_string(), g))
        .collect();
    let by_month: Vec<(String, GroupRow)> =
        message_groups(ledger, |k| (k.date.year(), k.date.month()))
            .into_iter()
            .map(|((y, m), g)| (format!("{y:04}-{m:02}"), g))
            .collect();
    let by_type: Vec<(String, GroupRow)> = message_groups(ledger, |k| k.pricing_type.to_string())
        .into_iter()
        .collect();
    let by_business = by_amount(
        message_groups(ledger, |k| k.business.name())
            .into_iter()
            .collect(),
    );
    let table =
        |key: &str, rows: &[(String, GroupRow)]| grouping_table(key, &currency, rows, &adjustments);
    let mut out = vec![
        (
            "By pricing category".to_string(),
            table("category", &by_category),
        ),
        ("By market".to_string(), table("market", &by_market)),
        ("By country".to_string(), table("country", &by_country)),
        ("By day".to_string(), table("day", &by_day)),
        ("By month".to_string(), table("month", &by_month)),
        (
            "By pricing type".to_string(),
            table("pricing type", &by_type),
        ),
        (
            "By business number".to_string(),
            table("business", &by_business),
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
                charts::format_money(c.amount, &currency),
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
        let cur = c.currency.to_string();
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
                charts::format_money(r.meta_fees, &cur),
                charts::format_money(r.provider_fees, &cur),
                charts::format_money(r.total, &cur),
                r.per_message
                    .map(charts::format_rate)
                    .unwrap_or_else(|| "-".to_string()),
                r.confidence.to_string(),
            ]);
        }
        out.push((
            format!(
                "Provider comparison ({}, cheapest first; sources under provenance)",
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
            note: "Amounts are rounded to the currency's decimals here; the CSV, JSON and XLSX \
                   files keep every digit. Billed: messages priced at a list rate; charged: \
                   billed less those a free allowance covers."
                .into(),
        },
        first: crate::insights::first_sections(report.advice.as_ref(), report.forecast.as_ref()),
        first_charts: Vec::new(),
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
