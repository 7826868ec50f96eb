//! Meta's Business Agent Usage Insights: read as a source of Business Agent usage lines by
//! `replay`, and compared by `reconcile --analytics`.
//!
//! Fixtures (tests/data/), all hand-computed at USD 2.00 per million tokens (the rules from
//! 2026-08-01, `data/regimes.toml`):
//!
//! - `agent_insights_daily.json`: three daily points (UTC) of November 2026, numbers and
//!   strings mixed:
//!
//!   | day | country | replies | tokens | ours, USD |
//!   |---|---|---|---|---|
//!   | 2026-11-02 | BR | 50 | 1,250,000 | 2.5000 |
//!   | 2026-11-03 | BR | 3 | 67,500 | 0.1350 |
//!   | 2026-11-04 | (none) | 1 | 25,000 | 0.0500 |
//!
//!   Total 54 replies, 1,342,500 tokens, USD 2.6850; Meta's costs are the same.
//! - `agent_replies_nov.csv`: a canonical log of two Brazilian users, each writing first, and
//!   three Business Agent replies: 25,000 + 30,000 tokens on 2026-11-02 (USD 0.05 + 0.06) and
//!   12,500 on 2026-11-03 (USD 0.025). Total USD 0.1350.
//! - `agent_insights_reconcile.json`: Meta's insights for those two days: 2026-11-02 agrees
//!   (2 replies, 0.11); 2026-11-03 says 2 replies and 0.075 where the log has 1 and 0.025.

mod common;

use common::{stderr, stdout, wacost};

use std::path::PathBuf;

use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::Value;
use wacost::charge::LineKind;
use wacost::pricing::RateBook;
use wacost::pricing::category::Category;
use wacost::read::detect::FormatOptions;
use wacost::read::meta_analytics::{self, AnalyticsKind};
use wacost::reconcile::{Tolerance, reconcile};
use wacost::replay::{ReplayOptions, Source, replay};
use wacost::summary::Summary;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn json(args: &[&str]) -> Value {
    let o = wacost(args);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

#[test]
fn replay_prices_each_data_point_as_one_usage_line() {
    let v = json(&[
        "replay",
        "tests/data/agent_insights_daily.json",
        "--format",
        "json",
    ]);
    assert_eq!(v["total"], "2.6850");
    assert_eq!(v["by_category"]["business_agent"]["amount"], "2.6850");
    assert_eq!(v["by_category"]["business_agent"]["lines"], 3);
    assert_eq!(v["by_market"]["Brazil"]["amount"], "2.6350");
    assert_eq!(v["by_market"]["Other"]["amount"], "0.0500");
    assert_eq!(v["by_day"]["2026-11-02"]["amount"], "2.5000");
    assert_eq!(v["by_day"]["2026-11-03"]["amount"], "0.1350");
    // One row read a data point, accounted for as a usage line (no message, no inbound).
    assert_eq!(v["rows_read"], 3);
    assert_eq!(v["agent_usage_lines"], 3);
    assert_eq!(
        (v["messages"].as_u64(), v["inbound"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(v["meta_business_agent_replies"], 54);
    assert_eq!(v["meta_business_agent_tokens"], 1_342_500);

    let o = wacost(&["replay", "tests/data/agent_insights_daily.json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains(
            "rows: 3 read = 0 outbound priced + 0 inbound + 0 duplicate or status rows + 0 \
             skipped + 3 Business Agent usage data points\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "tests/data/agent_insights_daily.json: Meta's Business Agent Usage Insights: 3 data \
             points, 54 replies, 1342500 tokens"
        ),
        "{text}"
    );
}

#[test]
fn usage_lines_are_written_with_the_log_lines() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let v = json(&[
        "replay",
        "tests/data/agent_replies_nov.csv",
        "tests/data/agent_insights_daily.json",
        "--out",
        out.to_str().unwrap(),
        "--format",
        "json",
    ]);
    // 0.1350 (the log's three replies) + 2.6850 (Meta's usage).
    assert_eq!(v["total"], "2.8200");
    // 5 rows of the log (2 inbound, 3 replies) + 3 data points.
    assert_eq!(v["rows_read"], 8);
    assert_eq!(
        (v["messages"].as_u64(), v["inbound"].as_u64()),
        (Some(3), Some(2))
    );
    assert_eq!(v["agent_usage_lines"], 3);
    assert_eq!(v["meta_business_agent_replies"], 57);
    assert_eq!(v["meta_business_agent_tokens"], 1_410_000);
    let lines = std::fs::read_to_string(out.join("lines.csv")).unwrap();
    assert_eq!(lines.lines().count(), 1 + 3 + 3, "{lines}");
    assert_eq!(
        lines.lines().filter(|l| l.contains("agent_usage")).count(),
        3,
        "{lines}"
    );
    // The run folder reads back into a report.
    let o = wacost(&["report", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.join("index.html").is_file());
}

#[test]
fn the_format_can_be_forced_and_other_answers_are_refused() {
    let v = json(&[
        "replay",
        "tests/data/agent_insights_daily.json",
        "--input-format",
        "agent-insights",
        "--format",
        "json",
    ]);
    assert_eq!(v["total"], "2.6850");
    let o = wacost(&[
        "replay",
        "tests/data/reconcile_pmp_analytics.json",
        "--input-format",
        "agent-insights",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o).trim(),
        "wacost: tests/data/reconcile_pmp_analytics.json: byte 0: a pricing_analytics answer is \
         Meta's totals of messages, not Business Agent usage: compare it with a log instead of \
         pricing it"
    );
}

#[test]
fn malformed_answers_name_the_file_and_the_byte() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(data("agent_insights_daily.json")).unwrap();
    let cut = dir.path().join("cut.json");
    std::fs::write(&cut, &text[..300]).unwrap();
    let o = wacost(&["replay", cut.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.starts_with(&format!(
            "wacost: {}: byte 300: unexpected end of input",
            cut.display()
        )),
        "{err}"
    );
    // Valid JSON, an unusable point: the answer's offset and the point's path.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, text.replace("\"67500\"", "\"lots\"")).unwrap();
    let o = wacost(&["replay", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o).trim(),
        format!(
            "wacost: {}: byte 0: business_agent_insights.data[0].data_points[1]: \
             billable_tokens \"lots\" is not a whole number",
            bad.display()
        )
    );
}

fn reconcile_with(log: &str, analytics: &str) -> wacost::reconcile::Reconciliation {
    let book = RateBook::embedded().unwrap();
    let a = meta_analytics::read(std::fs::File::open(data(analytics)).unwrap(), analytics).unwrap();
    assert_eq!(a.kind, AnalyticsKind::BusinessAgent);
    reconcile(
        &book,
        &[Source::Path(data(log))],
        ReplayOptions::default(),
        &FormatOptions::default(),
        Some(&a),
        Tolerance::default(),
    )
    .unwrap()
}

#[test]
fn reconcile_compares_meta_cost_with_our_business_agent_charges() {
    let r = reconcile_with("agent_replies_nov.csv", "agent_insights_reconcile.json");
    let a = r.analytics.unwrap();
    assert_eq!((a.compared, a.agreeing), (2, 1));
    let good = &a.rows[0];
    assert_eq!(good.period, "2026-11-02");
    assert_eq!(good.category, Some(Category::BusinessAgent));
    assert_eq!((good.our_volume, good.meta_volume), (2, 2));
    assert_eq!(
        (good.our_cost, good.meta_cost),
        (dec!(0.11), Some(dec!(0.11)))
    );
    let bad = &a.rows[1];
    assert_eq!(bad.period, "2026-11-03");
    assert!(!bad.agrees());
    assert_eq!((bad.our_volume, bad.meta_volume), (1, 2));
    assert_eq!(
        (bad.our_cost, bad.meta_cost),
        (dec!(0.025), Some(dec!(0.075)))
    );

    let o = wacost(&[
        "reconcile",
        "tests/data/agent_replies_nov.csv",
        "--analytics",
        "tests/data/agent_insights_reconcile.json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains(
            "Analytics (business_agent_insights, tests/data/agent_insights_reconcile.json): 1 of \
             2 cells agree (50.00 %)\n"
        ),
        "{text}"
    );
    let row = text
        .lines()
        .find(|l| l.starts_with("2026-11-03"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        row.ends_with("volume differs by -1; cost differs by -0.05 (allowed 0.01)"),
        "{row}"
    );
}

#[test]
fn other_categories_of_the_log_are_left_out() {
    // The same log with a free-form reply (covered by the month's free tier) and a marketing
    // template: neither is a Business Agent charge, and the allowance is not questioned.
    let dir = tempfile::tempdir().unwrap();
    let mut log = std::fs::read_to_string(data("agent_replies_nov.csv")).unwrap();
    log.push_str(
        "2026-11-03T09:06:00Z,15550100001,+5511900000002,outbound,free_form,,delivered,wamid.f1,,\n\
         2026-11-03T09:07:00Z,15550100001,+5511900000002,outbound,template,marketing,delivered,wamid.t1,,\n",
    );
    let path = dir.path().join("mixed.csv");
    std::fs::write(&path, log).unwrap();
    let book = RateBook::embedded().unwrap();
    let name = "agent_insights_reconcile.json";
    let a = meta_analytics::read(std::fs::File::open(data(name)).unwrap(), name).unwrap();
    let r = reconcile(
        &book,
        &[Source::Path(path)],
        ReplayOptions::default(),
        &FormatOptions::default(),
        Some(&a),
        Tolerance::default(),
    )
    .unwrap();
    assert_eq!(r.outcome.settlement.allowance_items, 1);
    let a = r.analytics.unwrap();
    assert_eq!((a.compared, a.agreeing), (2, 1));
    assert_eq!((a.rows[1].our_volume, a.rows[1].our_cost), (1, dec!(0.025)));
    assert!(
        a.notes.iter().all(|n| !n.contains("free allowances")),
        "{:?}",
        a.notes
    );
}

#[test]
fn meta_usage_replayed_agrees_with_itself() {
    // The usage lines of an insights file are Business Agent charges of their periods: the
    // file against itself agrees cell by cell (the third point has no country: summed).
    let r = reconcile_with("agent_insights_daily.json", "agent_insights_daily.json");
    let a = r.analytics.unwrap();
    assert_eq!((a.compared, a.agreeing), (3, 3), "{:?}", a.rows);
    assert_eq!(a.rows[0].our_volume, 50);
    assert_eq!(a.rows[0].our_cost, dec!(2.5));
}

/// An insights answer of `points` (replies, tokens), daily from 2026-11-01 UTC.
fn answer(points: &[(u64, u64)]) -> String {
    let list: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(i, (m, t))| {
            let start = 1_793_491_200 + 86_400 * i as i64;
            format!(
                r#"{{"start":{start},"end":{},"billable_messages":{m},"billable_tokens":"{t}"}}"#,
                start + 86_400
            )
        })
        .collect();
    format!(
        r#"{{"business_agent_insights":{{"data":[{{"data_points":[{}]}}]}}}}"#,
        list.join(",")
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Every data point is one row and one line, tokens exact, and the total the exact sum
    /// of tokens × USD 2.00 / 1,000,000.
    #[test]
    fn every_point_is_one_exact_line(
        points in prop::collection::vec((0u64..1_000_000, 0u64..10_000_000_000_000), 0..20)
    ) {
        let book = RateBook::embedded().unwrap();
        let bytes = answer(&points).into_bytes();
        let mut lines: Vec<wacost::charge::Charge> = Vec::new();
        let o = replay(
            &book,
            &[Source::Bytes("p.json".into(), bytes.into())],
            ReplayOptions::default(),
            &mut lines,
            None,
        )
        .unwrap();
        let tokens: u64 = points.iter().map(|p| p.1).sum();
        let expected = dec!(2.00) * Decimal::from(tokens) / dec!(1000000);
        prop_assert_eq!(o.ledger.total(), expected);
        prop_assert_eq!(o.rows, points.len() as u64);
        prop_assert_eq!(lines.len(), points.len());
        prop_assert!(lines.iter().all(|c| c.kind == LineKind::AgentUsage));
        prop_assert_eq!(
            lines.iter().map(|c| c.tokens.unwrap()).collect::<Vec<_>>(),
            points.iter().map(|p| p.1).collect::<Vec<_>>()
        );
        let s = Summary::from_outcome(&o, &book);
        prop_assert_eq!(
            s.rows_read,
            s.messages + s.inbound + s.duplicates + s.skipped + s.agent_usage_lines
        );
        prop_assert_eq!(s.meta_business_agent_tokens, tokens);
    }
}
