//! `reconcile`: our pricing next to Meta's, through the library and the binary.
//!
//! Fixtures (tests/data/):
//!
//! - `reconcile_pmp.jsonl`: one PMP day (2026-02-03, UTC) whose verdicts follow Meta's rules.
//!   Ten outbound messages, eight delivered with a verdict:
//!
//!   | id | to | what | Meta's verdict | ours, USD (card of 2026-01-01) |
//!   |---|---|---|---|---|
//!   | m1 | BR | free-form reply 5 min after Ana wrote | free_customer_service service | 0 |
//!   | m2 | BR | utility template in Ana's window | free_customer_service utility | 0 |
//!   | m3 | BR | marketing template in the window, `read` without `delivered`, `read` twice | regular marketing | 0.0625 |
//!   | m4 | IN | authentication template | regular authentication | 0.0014 |
//!   | m5 | IN | utility template, no window | regular utility | 0.0014 |
//!   | m6 | MX | reply 5 min after Carlos wrote from an ad (v23, with `conversation`) | free_entry_point service | 0 |
//!   | m7 | MX | marketing template 58 min later, inside the 72 h window | free_entry_point marketing | 0 |
//!   | m8 | GB | marketing template, `sent` then `failed` (131049) | regular marketing (on `sent`) | 0, not compared |
//!   | m9 | GB | utility template, `billable` left out | regular utility | 0.0220 |
//!   | m10 | DE | free-form, no window: `failed` 131047, no pricing | — | 0 |
//!
//!   Total 0.0625 + 0.0014 + 0.0014 + 0.0220 = 0.0873.
//! - `reconcile_pmp_one_changed.jsonl`: the same with m2's verdict changed to regular
//!   (billable): 7 of 8 agree.
//! - `reconcile_pmp_analytics.json`: Meta's `pricing_analytics` for that day (8 cells, BR
//!   marketing cost rounded to 0.06); `reconcile_pmp_analytics_diff.json`: GB utility says 2
//!   messages and 0.044 instead of 1 and 0.022.
//! - `reconcile_cbp.jsonl`: one CBP day (2024-06-04): a service conversation with a second
//!   message inside it, a marketing conversation, a Page-post free entry point with two
//!   messages, a utility conversation with a second template inside it. Total: service
//!   conversation BR 0.0300 − allowance 0.0300 (first of the month is free) + marketing BR
//!   0.0625 + utility DE 0.0853 = 0.1478 (card of 2024-06-01).
//! - `reconcile_cbp_analytics.json`: Meta's `conversation_analytics` for that day.

mod common;

use common::wacost;

use std::path::PathBuf;
use std::process::Output;

use rust_decimal_macros::dec;
use serde_json::Value;
use wacost::classify::ClassifyConfig;
use wacost::pricing::RateBook;
use wacost::pricing::category::{Category, PricingModel, PricingType};
use wacost::read::detect::FormatOptions;
use wacost::read::meta_analytics;
use wacost::reconcile::{Field, Reconciliation, Tolerance, reconcile};
use wacost::replay::{ReplayOptions, Source};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn run(sources: Vec<Source>, analytics: Option<&str>) -> Reconciliation {
    let book = RateBook::embedded().unwrap();
    let analytics =
        analytics.map(|a| meta_analytics::read(std::fs::File::open(data(a)).unwrap(), a).unwrap());
    reconcile(
        &book,
        &sources,
        ReplayOptions {
            classify: ClassifyConfig::default(),
            ..ReplayOptions::default()
        },
        &FormatOptions::default(),
        analytics.as_ref(),
        Tolerance::default(),
    )
    .unwrap()
}

fn run_file(name: &str, analytics: Option<&str>) -> Reconciliation {
    run(vec![Source::Path(data(name))], analytics)
}

fn json_of(o: &Output) -> Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn verdicts_that_follow_the_rules_agree_exactly() {
    let r = run_file("reconcile_pmp.jsonl", None);
    assert_eq!((r.compared, r.agreeing), (8, 8));
    assert_eq!(r.agreement(), Some(1.0));
    assert!(r.disagreements.is_empty());
    assert_eq!(r.undelivered_with_verdict, 1, "m8: sent, then failed");
    assert_eq!(r.without_verdict, 0);
    assert_eq!(r.billable_derived, 1, "m9 has no billable");
    assert_eq!(r.outcome.ledger.total(), dec!(0.0873));
    use PricingType::*;
    let t = &r.by_type;
    assert_eq!(t.get(Regular, Some(Regular)), 4, "m3 m4 m5 m9");
    assert_eq!(t.get(FreeCustomerService, Some(FreeCustomerService)), 2);
    assert_eq!(t.get(FreeEntryPoint, Some(FreeEntryPoint)), 2);
    assert_eq!((t.diagonal(), t.given()), (8, 8));
    let c = &r.by_category;
    assert_eq!(c.get(Category::Marketing, Some(Category::Marketing)), 2);
    assert_eq!(c.get(Category::Utility, Some(Category::Utility)), 3);
    assert_eq!(
        c.get(Category::Authentication, Some(Category::Authentication)),
        1
    );
    assert_eq!(c.get(Category::Service, Some(Category::Service)), 2);
    assert_eq!(r.by_billable.get(true, Some(true)), 4);
    assert_eq!(r.by_billable.get(false, Some(false)), 4);
    assert_eq!(
        r.by_model.get(PricingModel::Pmp, Some(PricingModel::Pmp)),
        8
    );
}

#[test]
fn one_changed_verdict_is_reported_with_both_reasons() {
    let r = run_file("reconcile_pmp_one_changed.jsonl", None);
    assert_eq!((r.compared, r.agreeing), (8, 7));
    assert_eq!(r.agreement(), Some(7.0 / 8.0));
    assert_eq!(r.disagreements.len(), 1);
    let d = &r.disagreements[0];
    assert_eq!(d.message_id.unwrap().as_str(), "wamid.rc.m2");
    assert_eq!(d.fields, vec![Field::PricingType, Field::Billable]);
    assert_eq!(
        d.our_reason,
        "utility template inside an open customer service window: free (since 2025-07-01)"
    );
    assert_eq!(
        d.ours.spelled(),
        "PMP, free_customer_service, utility, not billable"
    );
    assert_eq!(d.meta.spelled(), "PMP, regular, utility, billable");
    assert_eq!(
        r.by_type
            .get(PricingType::FreeCustomerService, Some(PricingType::Regular)),
        1
    );
    // Our bill does not follow Meta's verdict: the total is ours.
    assert_eq!(r.outcome.ledger.total(), dec!(0.0873));
}

#[test]
fn the_binary_reports_agreement_and_the_changed_message() {
    let v = json_of(&wacost(&[
        "reconcile",
        "tests/data/reconcile_pmp.jsonl",
        "--format",
        "json",
    ]));
    assert_eq!(v["agreement"], 1.0);
    assert_eq!(v["compared"], 8);
    assert_eq!(v["disagreements"], Value::Array(vec![]));
    assert_eq!(v["replay"]["total"], "0.0873");
    assert_eq!(v["not_compared"]["undelivered_with_verdict"], 1);
    assert!(v.get("note").is_none());

    let v = json_of(&wacost(&[
        "reconcile",
        "tests/data/reconcile_pmp_one_changed.jsonl",
        "--format",
        "json",
    ]));
    assert_eq!(v["agreement"], 7.0 / 8.0);
    assert_eq!(v["compared"], 8);
    let d = &v["disagreements"];
    assert_eq!(d.as_array().unwrap().len(), 1);
    assert_eq!(d[0]["message_id"], "wamid.rc.m2");
    assert_eq!(d[0]["contact"], "+55*********01", "masked by default");
    assert_eq!(
        d[0]["fields"],
        serde_json::json!(["pricing_type", "billable"])
    );
    assert_eq!(d[0]["ours"]["pricing_type"], "free_customer_service");
    assert_eq!(d[0]["meta"]["pricing_type"], "regular");
    assert_eq!(d[0]["meta"]["billable"], true);
    assert_eq!(
        d[0]["ours"]["reason"],
        "utility template inside an open customer service window: free (since 2025-07-01)"
    );

    let o = wacost(&["reconcile", "tests/data/reconcile_pmp_one_changed.jsonl"]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.starts_with(
            "8 delivered messages carry Meta's pricing verdict: 7 agree with ours, 1 do not \
             (agreement 87.50 %, 7/8).\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "wamid.rc.m2  2026-02-03T09:30:00Z  +55*********01  differs in pricing_type, billable\n  \
             ours: PMP, free_customer_service, utility, not billable — utility template inside \
             an open customer service window: free (since 2025-07-01)\n  \
             Meta: PMP, regular, utility, billable\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("By pricing type: 7 of 8 agree where Meta gave it\n"),
        "{text}"
    );
}

#[test]
fn cbp_messages_inside_a_conversation_compare_as_the_conversation() {
    let r = run_file("reconcile_cbp.jsonl", None);
    assert_eq!((r.compared, r.agreeing), (7, 7));
    assert_eq!(r.outcome.ledger.total(), dec!(0.1478));
    assert_eq!(r.outcome.settlement.allowance_items, 1);
    use PricingType::*;
    // CBP webhooks carry no type; referral_conversion reads as a free entry point.
    assert_eq!(r.by_type.get(Regular, None), 5);
    assert_eq!(r.by_type.get(FreeEntryPoint, Some(FreeEntryPoint)), 2);
    assert_eq!(
        r.by_category
            .get(Category::Service, Some(Category::Service)),
        2
    );
    assert_eq!(r.by_category.get(Category::Service, None), 2, "g1, g2");
    assert_eq!(
        r.by_category
            .get(Category::Utility, Some(Category::Utility)),
        2
    );
    assert_eq!(r.by_billable.get(true, Some(true)), 5);
    assert_eq!(r.by_billable.get(false, Some(false)), 2);

    // Meta calling c2's conversation free disagrees on billable only, and the message is
    // shown as the conversation it belongs to.
    let text = std::fs::read_to_string(data("reconcile_cbp.jsonl")).unwrap();
    let changed: String = text
        .lines()
        .map(|l| {
            if l.contains("\"wamid.cbp.c2\"") {
                l.replace("\"billable\":true", "\"billable\":false")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let r = run(
        vec![Source::Bytes(
            "cbp.jsonl".into(),
            changed.into_bytes().into(),
        )],
        None,
    );
    assert_eq!((r.compared, r.agreeing), (7, 6));
    let d = &r.disagreements[0];
    assert_eq!(d.message_id.unwrap().as_str(), "wamid.cbp.c2");
    assert_eq!(d.fields, vec![Field::Billable]);
    assert_eq!(
        d.ours.spelled(),
        "CBP, regular, service, billable (inside a service conversation opened earlier)"
    );
    assert_eq!(
        d.our_reason,
        "inside an open conversation: free (the conversation was charged when it opened)"
    );
    assert_eq!(
        d.meta.spelled(),
        "CBP, type not given, service, not billable"
    );
}

#[test]
fn the_repaired_day_fixture_agrees() {
    // tests/data/cloudapi_day.json: Ana came from an ad, so the reply and the utility
    // template are free_entry_point; Bruno's reply is free_customer_service. d1 is charged
    // authentication-international only for an eligible business located elsewhere.
    let book = RateBook::embedded().unwrap();
    let config = ClassifyConfig {
        profile: wacost::pricing::BusinessProfile {
            country: wacost::pricing::phone::Country::parse("US"),
            auth_international_eligible: true,
            ..Default::default()
        },
        ..ClassifyConfig::default()
    };
    let r = reconcile(
        &book,
        &[Source::Path(data("cloudapi_day.json"))],
        ReplayOptions {
            classify: config,
            ..ReplayOptions::default()
        },
        &FormatOptions::default(),
        None,
        Tolerance::default(),
    )
    .unwrap();
    assert_eq!((r.compared, r.agreeing), (5, 5), "{:#?}", r.disagreements);
    assert_eq!(
        r.by_type.get(
            PricingType::FreeEntryPoint,
            Some(PricingType::FreeEntryPoint)
        ),
        2
    );
    // Without the profile, Meta's authentication_international differs from ours.
    let r = run_file("cloudapi_day.json", None);
    assert_eq!((r.compared, r.agreeing), (5, 4));
    assert_eq!(
        r.disagreements[0].message_id.unwrap().as_str(),
        "wamid.day.out.d1"
    );
    assert_eq!(r.disagreements[0].fields, vec![Field::Category]);
}

#[test]
fn analytics_that_match_agree_within_the_tolerance() {
    let r = run_file("reconcile_pmp.jsonl", Some("reconcile_pmp_analytics.json"));
    let a = r.analytics.unwrap();
    assert_eq!((a.compared, a.agreeing), (8, 8));
    let br = a
        .rows
        .iter()
        .find(|c| {
            c.category == Some(Category::Marketing) && c.pricing_type == Some(PricingType::Regular)
        })
        .unwrap();
    // 0.0625 against Meta's rounded 0.06: 0.0025 ≤ max(0.01, 1 % of 0.06).
    assert_eq!(
        (br.our_cost, br.meta_cost, br.allowed),
        (dec!(0.0625), Some(dec!(0.06)), Some(dec!(0.01)))
    );
    assert!(br.cost_agrees());
    assert_eq!(br.period, "2026-02-03");

    let v = json_of(&wacost(&[
        "reconcile",
        "tests/data/reconcile_pmp.jsonl",
        "--analytics",
        "tests/data/reconcile_pmp_analytics.json",
        "--format",
        "json",
    ]));
    let a = &v["analytics"];
    assert_eq!(a["agreement"], 1.0);
    assert_eq!(a["compared"], 8);
    assert_eq!(a["kind"], "pricing_analytics");
    assert_eq!(a["tolerance"]["relative"], "0.01");
    assert_eq!(a["tolerance"]["absolute"], "0.01");
    assert!(
        a["tolerance"]["why"]
            .as_str()
            .unwrap()
            .contains("Meta documents analytics costs as approximate")
    );
    assert_eq!(a["differences"], Value::Array(vec![]));
}

#[test]
fn an_analytics_difference_is_reported() {
    let r = run_file(
        "reconcile_pmp.jsonl",
        Some("reconcile_pmp_analytics_diff.json"),
    );
    let a = r.analytics.unwrap();
    assert_eq!((a.compared, a.agreeing), (8, 7));
    let bad: Vec<_> = a.rows.iter().filter(|c| !c.agrees()).collect();
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].country.unwrap().code(), "GB");
    assert_eq!(bad[0].category, Some(Category::Utility));
    assert_eq!((bad[0].our_volume, bad[0].meta_volume), (1, 2));
    assert_eq!(
        (bad[0].our_cost, bad[0].meta_cost),
        (dec!(0.022), Some(dec!(0.044)))
    );

    let o = wacost(&[
        "reconcile",
        "tests/data/reconcile_pmp.jsonl",
        "--analytics",
        "tests/data/reconcile_pmp_analytics_diff.json",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "differences are findings, not failures"
    );
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains(
            "Analytics (pricing_analytics, tests/data/reconcile_pmp_analytics_diff.json): 7 of 8 \
             cells agree (87.50 %)\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("Tolerance: volumes exact; costs within max(0.01, 1 % of Meta's cost)"),
        "{text}"
    );
    let row = text
        .lines()
        .find(|l| l.starts_with("2026-02-03  GB"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        row.ends_with("volume differs by -1; cost differs by -0.022 (allowed 0.01)"),
        "{row}"
    );

    // Meta reporting nothing for a cell we have is a difference too.
    let book = RateBook::embedded().unwrap();
    let text = std::fs::read_to_string(data("reconcile_pmp_analytics.json")).unwrap();
    let mut answer: Value = serde_json::from_str(&text).unwrap();
    let points = answer["pricing_analytics"]["data"][0]["data_points"]
        .as_array_mut()
        .unwrap();
    points.retain(|p| !(p["country"] == "MX" && p["pricing_category"] == "MARKETING"));
    let analytics =
        meta_analytics::from_bytes(answer.to_string().as_bytes(), "fewer.json").unwrap();
    let r = reconcile(
        &book,
        &[Source::Path(data("reconcile_pmp.jsonl"))],
        ReplayOptions::default(),
        &FormatOptions::default(),
        Some(&analytics),
        Tolerance::default(),
    )
    .unwrap();
    let a = r.analytics.unwrap();
    assert_eq!((a.compared, a.agreeing), (8, 7));
    let extra = a.rows.iter().find(|c| !c.agrees()).unwrap();
    assert_eq!(extra.country.unwrap().code(), "MX");
    assert_eq!(extra.pricing_type, Some(PricingType::FreeEntryPoint));
    assert_eq!((extra.our_volume, extra.meta_volume), (1, 0));
}

#[test]
fn conversation_analytics_count_conversations_and_the_free_tier() {
    let r = run_file("reconcile_cbp.jsonl", Some("reconcile_cbp_analytics.json"));
    let a = r.analytics.unwrap();
    assert_eq!((a.compared, a.agreeing), (4, 4), "{:#?}", a.rows);
    let free = a
        .rows
        .iter()
        .find(|c| c.pricing_type == Some(PricingType::FreeTier))
        .unwrap();
    assert_eq!((free.our_volume, free.our_cost), (1, dec!(0)));
    let fep = a
        .rows
        .iter()
        .find(|c| c.pricing_type == Some(PricingType::FreeEntryPoint))
        .unwrap();
    assert_eq!(
        fep.our_volume, 1,
        "two messages, one free entry point conversation"
    );
    assert!(
        a.notes.iter().any(|n| n.starts_with(
            "1 conversation covered by a monthly free allowance counted as free_tier at cost 0"
        )),
        "{:?}",
        a.notes
    );
}

#[test]
fn a_log_without_verdicts_says_so() {
    let o = wacost(&["reconcile", "tests/data/providers_log.csv"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr).trim(),
        "wacost: no message in LOG carries Meta's pricing verdict; reconcile needs Cloud API \
         status webhooks with a pricing object"
    );
    // With analytics there is still something to compare; the output says what is missing.
    let v = json_of(&wacost(&[
        "reconcile",
        "tests/data/providers_log.csv",
        "--analytics",
        "tests/data/reconcile_pmp_analytics.json",
        "--format",
        "json",
    ]));
    assert_eq!(v["agreement"], Value::Null);
    assert_eq!(v["compared"], 0);
    assert_eq!(
        v["note"],
        "no message in LOG carries Meta's pricing verdict; reconcile needs Cloud API status \
         webhooks with a pricing object"
    );
    assert_eq!(v["analytics"]["compared"], 8);
}

#[test]
fn usage_and_input_errors() {
    assert_eq!(wacost(&["reconcile"]).status.code(), Some(2));
    let o = wacost(&[
        "reconcile",
        "tests/data/reconcile_pmp.jsonl",
        "--format",
        "csv",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = wacost(&[
        "reconcile",
        "tests/data/reconcile_pmp.jsonl",
        "--cost-tolerance=-1",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.json");
    let text = std::fs::read_to_string(data("reconcile_pmp_analytics.json")).unwrap();
    std::fs::write(&cut, &text[..100]).unwrap();
    let o = wacost(&[
        "reconcile",
        "tests/data/reconcile_pmp.jsonl",
        "--analytics",
        cut.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with(&format!(
            "wacost: {}: byte 100: unexpected end of input",
            cut.display()
        )),
        "{err}"
    );
    let o = wacost(&["reconcile", "tests/data/missing.jsonl"]);
    assert_eq!(o.status.code(), Some(1));
}
