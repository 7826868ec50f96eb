//! A [`Reconciliation`] as JSON and as text for the terminal. Values from the log (message
//! ids) are escaped; contacts are masked unless asked otherwise.

use serde_json::{Value, json};

use super::analytics::{AnalyticsComparison, CellComparison};
use super::verdict::{Disagreement, Matrix};
use super::{NO_VERDICTS, Reconciliation, count};
use crate::table::Table;

/// What "agree" means, in one paragraph, for both outputs.
pub const RULES: &str = "A message is compared when it was delivered and a status webhook \
carried Meta's pricing object; it agrees when pricing model, pricing type, category and \
billable are equal wherever Meta gave them. A missing billable is derived from the type \
(billable exactly when regular). Under conversation-based pricing Meta's category and billable \
are the conversation's: a message inside an open conversation is compared as the message that \
opened it.";

fn time(t: i64) -> String {
    crate::calendar::format_instant(t)
}

/// Text from a log, safe for a terminal: control characters escaped.
fn clean(s: &str) -> String {
    crate::text::printable(s).into_owned()
}

fn contact(d: &Disagreement, show: bool) -> Option<String> {
    d.contact.map(|c| if show { c.e164() } else { c.masked() })
}

fn matrix_json<T: Ord + Copy>(m: &Matrix<T>, name: impl Fn(T) -> Value) -> Value {
    Value::Array(
        m.cells
            .iter()
            .map(|((o, t), n)| {
                json!({
                    "ours": name(*o),
                    "meta": t.map(&name).unwrap_or(Value::Null),
                    "messages": n,
                })
            })
            .collect(),
    )
}

fn cell_json(r: &CellComparison) -> Value {
    json!({
        "period": r.period,
        "start": r.start,
        "end": r.end,
        "country": r.country.map(|c| c.code().to_string()),
        "category": r.category.map(|c| c.as_str()),
        "pricing_type": r.pricing_type.map(|t| t.as_str()),
        "our_volume": r.our_volume,
        "meta_volume": r.meta_volume,
        "our_cost": r.our_cost.to_string(),
        "meta_cost": r.meta_cost.map(|c| c.to_string()),
        "difference": r.meta_cost.map(|m| (r.our_cost - m).normalize().to_string()),
        "allowed": r.allowed.map(|a| a.to_string()),
        "volume_agrees": r.volume_agrees(),
        "cost_agrees": r.cost_agrees(),
        "agrees": r.agrees(),
    })
}

fn analytics_json(a: &AnalyticsComparison) -> Value {
    json!({
        "file": a.file,
        "kind": a.kind.as_str(),
        "unit": format!("{}s", a.kind.unit()),
        "tolerance": {
            "relative": a.tolerance.relative.normalize().to_string(),
            "absolute": a.tolerance.absolute.normalize().to_string(),
            "why": a.tolerance.describe(),
        },
        "agreement": a.agreement(),
        "compared": a.compared,
        "agreeing": a.agreeing,
        "differences": a.rows.iter().filter(|r| !r.agrees()).map(cell_json).collect::<Vec<_>>(),
        "cells": a.rows.iter().map(cell_json).collect::<Vec<_>>(),
        "notes": a.notes,
    })
}

/// The reconciliation as one JSON document: `agreement` (0..1, `null` when nothing was
/// compared), `compared`, `disagreements`, the matrices, what was not compared, the analytics
/// comparison. Amounts are decimal strings.
pub fn to_json(r: &Reconciliation, show_contacts: bool) -> Value {
    let disagreements: Vec<Value> = r
        .disagreements
        .iter()
        .map(|d| {
            json!({
                "message_id": d.message_id.map(|m| m.to_string()),
                "time": time(d.time_ms),
                "date": d.date.to_string(),
                "business": d.business.name(),
                "contact": contact(d, show_contacts),
                "fields": d.fields.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
                "ours": {
                    "pricing_model": d.ours.pricing_model.as_str(),
                    "pricing_type": d.ours.pricing_type.as_str(),
                    "category": d.ours.category.as_str(),
                    "billable": d.ours.billable,
                    "in_conversation": d.ours.in_conversation,
                    "reason": d.our_reason,
                },
                "meta": {
                    "pricing_model": d.meta.pricing_model.map(|m| m.as_str()),
                    "pricing_type": d.meta.pricing_type.map(|t| t.as_str()),
                    "category": d.meta.category.map(|c| c.as_str()),
                    "billable": d.meta.billable,
                    "billable_derived": d.meta.billable_derived,
                    "verdict": d.meta.spelled(),
                },
            })
        })
        .collect();
    let o = &r.outcome;
    let mut doc = json!({
        "agreement": r.agreement(),
        "compared": r.compared,
        "agreeing": r.agreeing,
        "disagreements": disagreements,
        "differing_fields": r.differing_fields.iter()
            .map(|(f, n)| (f.as_str().to_string(), json!(n)))
            .collect::<serde_json::Map<_, _>>(),
        "matrix": {
            "pricing_type": matrix_json(&r.by_type, |t| json!(t.as_str())),
            "category": matrix_json(&r.by_category, |c| json!(c.as_str())),
            "billable": matrix_json(&r.by_billable, |b| json!(b)),
            "pricing_model": matrix_json(&r.by_model, |m| json!(m.as_str())),
        },
        "not_compared": {
            "undelivered_with_verdict": r.undelivered_with_verdict,
            "delivered_without_verdict": r.without_verdict,
            "verdicts_without_fields": r.empty_verdicts,
        },
        "billable_derived": r.billable_derived,
        "rules": RULES,
        "replay": {
            "events": o.events,
            "messages": o.ledger.messages(),
            "total": o.ledger.total().to_string(),
            "currency": o.ledger.currency.to_string(),
            "skipped": o.skipped_total(),
            "sorted": o.sorted,
            "reader_notes": o.reader_notes,
        },
        "analytics": r.analytics.as_ref().map(analytics_json),
    });
    if r.compared == 0 {
        doc["note"] = json!(NO_VERDICTS);
    }
    doc
}

fn percent(x: f64) -> String {
    format!("{:.2} %", x * 100.0)
}

fn matrix_text<T: Ord + Copy>(title: &str, m: &Matrix<T>, name: impl Fn(T) -> String) -> String {
    let columns = m.columns();
    let mut header = vec!["ours \\ Meta".to_string()];
    header.extend(
        columns
            .iter()
            .map(|c| c.map(&name).unwrap_or_else(|| "(not given)".to_string())),
    );
    let mut t = Table::new(header);
    for i in 1..=columns.len() {
        t = t.right_align(i);
    }
    for row in m.rows() {
        let mut cells = vec![name(row)];
        cells.extend(columns.iter().map(|c| m.get(row, *c).to_string()));
        t.row(cells);
    }
    format!(
        "{title}: {} of {} agree where Meta gave it\n{}",
        m.diagonal(),
        m.given(),
        t.render()
    )
}

/// The reconciliation for a terminal: agreement, matrices, every disagreement with both
/// reasons, what was not compared, and the analytics comparison.
pub fn to_text(r: &Reconciliation, show_contacts: bool) -> String {
    let mut out = String::new();
    match r.agreement() {
        Some(a) => out.push_str(&format!(
            "{} carry Meta's pricing verdict: {} agree with ours, {} do not (agreement {}, \
             {}/{}).\n\n",
            count(r.compared, "delivered message"),
            r.agreeing,
            r.compared - r.agreeing,
            percent(a),
            r.agreeing,
            r.compared
        )),
        None => out.push_str(&format!("{NO_VERDICTS}.\n\n")),
    }
    if r.compared > 0 {
        out.push_str(&matrix_text("By pricing type", &r.by_type, |t| {
            t.to_string()
        }));
        out.push('\n');
        out.push_str(&matrix_text("By category", &r.by_category, |c| {
            c.to_string()
        }));
        out.push('\n');
        out.push_str(&matrix_text("Billable", &r.by_billable, |b| {
            if b { "billable" } else { "free" }.to_string()
        }));
        out.push('\n');
        if r.by_model.diagonal() != r.by_model.given() {
            out.push_str(&matrix_text("Pricing model", &r.by_model, |m| {
                m.to_string()
            }));
            out.push('\n');
        }
    }
    if !r.disagreements.is_empty() {
        out.push_str(&format!("Disagreements ({})\n", r.disagreements.len()));
        for d in &r.disagreements {
            let id = d
                .message_id
                .map(|m| clean(m.as_str()))
                .unwrap_or_else(|| "(no message id)".to_string());
            let who = contact(d, show_contacts).unwrap_or_default();
            let fields: Vec<&str> = d.fields.iter().map(|f| f.as_str()).collect();
            out.push_str(&format!(
                "{id}  {}  {who}  differs in {}\n  ours: {} — {}\n  Meta: {}\n",
                time(d.time_ms),
                fields.join(", "),
                d.ours.spelled(),
                d.our_reason,
                d.meta.spelled()
            ));
        }
        out.push('\n');
    }
    let mut left_out = Vec::new();
    if r.undelivered_with_verdict > 0 {
        left_out.push(format!(
            "{} with a verdict never delivered (Meta prices on `sent`, before delivery, and \
             charges only delivered messages)",
            count(r.undelivered_with_verdict, "message")
        ));
    }
    if r.without_verdict > 0 && r.compared > 0 {
        left_out.push(format!(
            "{} without a verdict",
            count(r.without_verdict, "delivered message")
        ));
    }
    if r.empty_verdicts > 0 {
        left_out.push(format!(
            "{} without model, type, category or billable",
            count(r.empty_verdicts, "verdict")
        ));
    }
    if !left_out.is_empty() {
        out.push_str(&format!("Not compared: {}.\n", left_out.join("; ")));
    }
    if r.billable_derived > 0 {
        out.push_str(&format!(
            "Meta's billable was missing on {}: derived from the type.\n",
            count(r.billable_derived, "compared message")
        ));
    }
    out.push_str(&format!("Rules: {RULES}\n"));
    for n in &r.outcome.reader_notes {
        out.push_str(&format!("Note: {}\n", clean(n)));
    }
    if let Some(a) = &r.analytics {
        out.push('\n');
        out.push_str(&analytics_text(a, r.outcome.ledger.currency.code()));
    }
    out
}

fn analytics_text(a: &AnalyticsComparison, currency: &str) -> String {
    let mut out = format!(
        "Analytics ({}, {}): {} of {} cells agree{}\n",
        a.kind.as_str(),
        clean(&a.file),
        a.agreeing,
        a.compared,
        a.agreement()
            .map(|x| format!(" ({})", percent(x)))
            .unwrap_or_default()
    );
    out.push_str(&format!("Tolerance: {}.\n", a.tolerance.describe()));
    let mut t = Table::new([
        "period".to_string(),
        "country".to_string(),
        "category".to_string(),
        "type".to_string(),
        format!("our {}s", a.kind.unit()),
        "Meta's".to_string(),
        format!("our cost ({currency})"),
        "Meta's cost".to_string(),
        "result".to_string(),
    ]);
    for i in 4..8 {
        t = t.right_align(i);
    }
    let all = "(all)".to_string();
    for r in &a.rows {
        let mut differs = Vec::new();
        if !r.volume_agrees() {
            differs.push(format!(
                "volume differs by {:+}",
                r.our_volume as i128 - r.meta_volume as i128
            ));
        }
        if !r.cost_agrees() {
            differs.push(format!(
                "cost differs by {} (allowed {})",
                (r.our_cost - r.meta_cost.unwrap_or_default()).normalize(),
                r.allowed.unwrap_or_default()
            ));
        }
        let status = if differs.is_empty() {
            "agrees".to_string()
        } else {
            differs.join("; ")
        };
        t.row([
            r.period.clone(),
            r.country
                .map(|c| c.code().to_string())
                .unwrap_or(all.clone()),
            r.category.map(|c| c.to_string()).unwrap_or(all.clone()),
            r.pricing_type.map(|c| c.to_string()).unwrap_or(all.clone()),
            r.our_volume.to_string(),
            r.meta_volume.to_string(),
            r.our_cost.to_string(),
            r.meta_cost
                .map(|c| c.to_string())
                .unwrap_or_else(|| "-".to_string()),
            status,
        ]);
    }
    out.push_str(&t.render());
    for n in &a.notes {
        out.push_str(&format!("Note: {n}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_text_is_escaped() {
        assert_eq!(clean("wamid.\u{1b}[31mX"), "wamid.\\u{1b}[31mX");
        assert_eq!(clean("ok é"), "ok é");
    }
}
