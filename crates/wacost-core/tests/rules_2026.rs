//! Meta's rules of 2026, hand-computed, in the canonical CSV: Business Agent tokens,
//! reactions, the service exemption, the shared free tier, group deliveries, free entry point
//! windows of unpublished length, max prices, calling codes shared by several countries and
//! volume-tier exposure.
//!
//! Rates (USD card of 2026-10-01): Brazil marketing 0.0625, utility and service 0.0068;
//! India utility 0.0014. Business Agent: USD 2.00 per million tokens.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use wacost_core::charge::{Charge, LineKind};
use wacost_core::pricing::category::{Category, PricingType};
use wacost_core::pricing::{BusinessProfile, DataSource, RateBook};
use wacost_core::replay::{Outcome, Replay, Source};
use wacost_core::summary::Summary;

const HEADER: &str = "timestamp,business,contact,direction,message_type,category,status,message_id,entry_point,tokens,template\n";

const BRAZIL: &str = "+5511987654321";

fn run_with(book: &RateBook, profile: BusinessProfile, rows: &str) -> (Outcome, Vec<Charge>) {
    let mut lines: Vec<Charge> = Vec::new();
    let source = Source::Bytes(
        "rules.csv".into(),
        format!("{HEADER}{rows}").into_bytes().into(),
    );
    let outcome = Replay::new(book)
        .profile(profile)
        .logs_into(&[source], &mut lines, None)
        .unwrap();
    let sum: Decimal = lines.iter().map(|c| c.amount).sum();
    assert_eq!(sum, outcome.ledger.total(), "lines add up to the total");
    (outcome, lines)
}

fn run(rows: &str) -> (Outcome, Vec<Charge>) {
    run_with(
        &RateBook::embedded().unwrap(),
        BusinessProfile::default(),
        rows,
    )
}

/// (category, pricing type, amount) of each message line, in order.
fn priced(lines: &[Charge]) -> Vec<(Category, PricingType, Decimal)> {
    lines
        .iter()
        .filter(|c| c.kind == LineKind::Message)
        .map(|c| (c.category, c.pricing_type, c.amount))
        .collect()
}

fn allowance_lines(lines: &[Charge]) -> Vec<(i64, Decimal)> {
    lines
        .iter()
        .filter(|c| c.kind == LineKind::Allowance)
        .map(|c| (c.quantity, c.amount))
        .collect()
}

fn no_allowance_from_october() -> RateBook {
    let mut book = RateBook::embedded().unwrap();
    book.regimes
        .set_allowance(NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(), Some(0), None);
    book
}

fn exempt() -> BusinessProfile {
    BusinessProfile {
        service_exempt: true,
        ..BusinessProfile::default()
    }
}

/// The acceptance example: a Brazil log of 2026-11 with an inbound message, a free-form
/// reply, a reaction, a Business Agent reply of 25,000 tokens, an in-window utility template
/// and a marketing template.
fn brazil_day() -> String {
    format!(
        "\
2026-11-03T10:00:00Z,B,{BRAZIL},inbound,,,,in1,,,
2026-11-03T10:01:00Z,B,{BRAZIL},outbound,free_form,,delivered,m1,,,
2026-11-03T10:02:00Z,B,{BRAZIL},outbound,reaction,,delivered,m2,,,
2026-11-03T10:03:00Z,B,{BRAZIL},outbound,business_agent,,delivered,m3,,25000,
2026-11-03T10:04:00Z,B,{BRAZIL},outbound,template,utility,delivered,m4,,,
2026-11-03T10:05:00Z,B,{BRAZIL},outbound,template,marketing,delivered,m5,,,
"
    )
}

use Category::*;
use PricingType::*;

#[test]
fn brazil_november_with_the_free_tier() {
    let (o, lines) = run(&brazil_day());
    // The reply is charged 0.0068 and the monthly free tier gives it back (an allowance
    // line); the reaction is free; the agent's reply is 25,000 × 2.00 / 1,000,000 = 0.05;
    // the utility template in the window 0.0068; marketing 0.0625.
    assert_eq!(
        priced(&lines),
        vec![
            (Service, Regular, dec!(0.0068)),
            (Service, FreeCustomerService, dec!(0)),
            (BusinessAgent, Regular, dec!(0.0500)),
            (Utility, Regular, dec!(0.0068)),
            (Marketing, Regular, dec!(0.0625)),
        ]
    );
    assert_eq!(allowance_lines(&lines), vec![(1, dec!(-0.0068))]);
    assert_eq!(o.ledger.total(), dec!(0.1193));
    let f = &o.facts;
    assert_eq!(
        (f.business_agent_replies, f.business_agent_tokens),
        (1, 25_000)
    );
    assert_eq!(f.business_agent_amount, dec!(0.05));
    assert_eq!(f.business_agent_default_tokens, 0);
    assert_eq!(f.reactions, 1);
    assert_eq!(f.exempt_service, 0);
}

#[test]
fn brazil_november_without_the_free_tier_charges_the_reply_not_the_reaction() {
    let (o, lines) = run_with(
        &no_allowance_from_october(),
        BusinessProfile::default(),
        &brazil_day(),
    );
    assert!(allowance_lines(&lines).is_empty());
    assert_eq!(
        priced(&lines)[..2],
        [
            (Service, Regular, dec!(0.0068)),
            (Service, FreeCustomerService, dec!(0)),
        ]
    );
    // 0.1193 + the reply's 0.0068.
    assert_eq!(o.ledger.total(), dec!(0.1261));
}

#[test]
fn brazil_november_for_an_exempt_business() {
    // With the free tier the total does not change: the exempt reply is free on its line,
    // so no allowance line is needed (the free tier would have covered it anyway).
    let (o, lines) = run_with(&RateBook::embedded().unwrap(), exempt(), &brazil_day());
    assert_eq!(o.ledger.total(), dec!(0.1193));
    assert!(allowance_lines(&lines).is_empty());
    assert_eq!(o.facts.exempt_service, 1);
    // Without it, the exemption makes the reply free (and only the reply: the agent's
    // reply, the utility and the marketing templates stay charged).
    let (o, lines) = run_with(&no_allowance_from_october(), exempt(), &brazil_day());
    assert_eq!(o.ledger.total(), dec!(0.1193));
    assert_eq!(priced(&lines)[0], (Service, Regular, dec!(0)));
    assert_eq!(o.facts.exempt_service, 1);
    assert_eq!(o.facts.exempt_list_value, dec!(0.0068));
}

#[test]
fn the_exemption_ends_with_2027() {
    let mut book = RateBook::embedded().unwrap();
    book.regimes
        .set_allowance(NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(), Some(0), None);
    let (o, _) = run_with(
        &book,
        exempt(),
        &format!(
            "\
2027-12-31T10:00:00Z,B,{BRAZIL},inbound,,,,,,,
2027-12-31T10:01:00Z,B,{BRAZIL},outbound,free_form,,delivered,,,,
2028-01-03T10:00:00Z,B,{BRAZIL},inbound,,,,,,,
2028-01-03T10:01:00Z,B,{BRAZIL},outbound,free_form,,delivered,,,,
"
        ),
    );
    // Free on the exemption's last day, charged after it.
    assert_eq!(o.facts.exempt_service, 1);
    assert_eq!(o.ledger.total(), dec!(0.0068));
}

#[test]
fn a_business_agent_reply_without_tokens_is_priced_at_the_default_and_estimated() {
    let (o, lines) = run(&format!(
        "\
2026-11-03T10:00:00Z,B,{BRAZIL},inbound,,,,,,,
2026-11-03T10:01:00Z,B,{BRAZIL},outbound,business_agent,,delivered,a1,,,
"
    ));
    // 22,500 tokens (the middle of Meta's 20,000-25,000) × 2.00 / 1,000,000 = 0.045.
    assert_eq!(priced(&lines), vec![(BusinessAgent, Regular, dec!(0.0450))]);
    assert_eq!(o.facts.business_agent_default_tokens, 1);
    assert_eq!(o.facts.business_agent_default_amount, dec!(0.045));
    let book = RateBook::embedded().unwrap();
    let s = Summary::from_outcome(&o, &book);
    let notes = s.notes.join("\n");
    assert!(
        notes.contains("1 Business Agent reply had no token count: priced at 22500 tokens each"),
        "{notes}"
    );
    assert!(
        notes.contains("Meta's typical 20000-25000 tokens a reply would make them USD 0.04-0.05"),
        "{notes}"
    );
}

#[test]
fn business_agent_replies_are_not_free_in_a_free_entry_point_window() {
    // The user came from an ad; the business answers in 24 h, opening a free entry point
    // window: its free-form reply and utility template are free, the agent's reply is not.
    let (_, lines) = run(&format!(
        "\
2026-11-03T10:00:00Z,B,{BRAZIL},inbound,,,,,ctwa_ad,,
2026-11-03T10:01:00Z,B,{BRAZIL},outbound,free_form,,delivered,f1,,,
2026-11-03T10:02:00Z,B,{BRAZIL},outbound,business_agent,,delivered,f2,,10000,
2026-11-03T10:03:00Z,B,{BRAZIL},outbound,template,utility,delivered,f3,,,
"
    ));
    assert_eq!(
        priced(&lines),
        vec![
            (Service, FreeEntryPoint, dec!(0)),
            (BusinessAgent, Regular, dec!(0.0200)),
            (Utility, FreeEntryPoint, dec!(0)),
        ]
    );
}

#[test]
fn before_august_2026_an_agent_reply_is_a_free_form_message() {
    let (o, lines) = run(&format!(
        "\
2026-07-20T10:00:00Z,B,{BRAZIL},inbound,,,,,,,
2026-07-20T10:01:00Z,B,{BRAZIL},outbound,business_agent,,delivered,a1,,25000,
"
    ));
    assert_eq!(
        priced(&lines),
        vec![(Service, FreeCustomerService, dec!(0))]
    );
    assert_eq!(o.ledger.total(), dec!(0));
}

#[test]
fn reactions_do_not_use_the_free_tier() {
    // A free tier of one message: the reaction before the reply does not use it.
    let mut book = RateBook::embedded().unwrap();
    book.regimes
        .set_allowance(NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(), Some(1), None);
    let (o, lines) = run_with(
        &book,
        BusinessProfile::default(),
        &format!(
            "\
2026-11-03T10:00:00Z,B,{BRAZIL},inbound,,,,,,,
2026-11-03T10:01:00Z,B,{BRAZIL},outbound,reaction,,delivered,r1,,,
2026-11-03T10:02:00Z,B,{BRAZIL},outbound,free_form,,delivered,r2,,,
2026-11-03T10:03:00Z,B,{BRAZIL},outbound,free_form,,delivered,r3,,,
"
        ),
    );
    assert_eq!(allowance_lines(&lines), vec![(1, dec!(-0.0068))]);
    assert_eq!(o.ledger.total(), dec!(0.0068));
    assert_eq!(o.facts.reactions, 1);
}

#[test]
fn group_messages_are_one_charge_per_delivered_recipient() {
    // A group marketing template to a Brazilian and an Indian participant (one row each,
    // one message id), one of them not delivered; then a group service message to both,
    // inside the free tier.
    let india = "+919876543210";
    let (o, lines) = run(&format!(
        "\
2026-11-03T10:00:00Z,B,{BRAZIL},inbound,,,,,,,
2026-11-03T10:01:00Z,B,{BRAZIL},outbound,template,group_marketing,delivered,g1,,,
2026-11-03T10:01:00Z,B,{india},outbound,template,group_marketing,failed,g1,,,
2026-11-03T10:02:00Z,B,{BRAZIL},outbound,free_form,group_service,delivered,g2,,,
2026-11-03T10:02:00Z,B,{india},outbound,free_form,group_service,delivered,g2,,,
2026-11-03T10:03:00Z,B,{india},outbound,template,group_utility,delivered,g3,,,
"
    ));
    let charged: Vec<_> = priced(&lines)
        .into_iter()
        .filter(|(_, _, a)| !a.is_zero())
        .collect();
    assert_eq!(
        charged,
        vec![
            (GroupMarketing, Regular, dec!(0.0625)),
            (GroupService, Regular, dec!(0.0068)),
            (GroupService, Regular, dec!(0.0014)),
            (GroupUtility, Regular, dec!(0.0014)),
        ]
    );
    // The one free tier covers both group service deliveries.
    assert_eq!(allowance_lines(&lines).iter().map(|l| l.0).sum::<i64>(), 2);
    assert_eq!(o.ledger.total(), dec!(0.0639));
    assert_eq!(o.facts.group_deliveries, 4);
}

#[test]
fn messages_after_an_assumed_window_end_are_counted_at_stake() {
    // Ad on 3 November; the business answers at once (free entry point window of 72 h
    // assumed). A utility template 100 h later is charged, and would be free if the window
    // lasted Meta's "up to 7 days"; one 200 h later is charged either way.
    let (o, lines) = run(&format!(
        "\
2026-11-03T10:00:00Z,B,{BRAZIL},inbound,,,,,ctwa_ad,,
2026-11-03T10:01:00Z,B,{BRAZIL},outbound,free_form,,delivered,w1,,,
2026-11-07T14:00:00Z,B,{BRAZIL},outbound,template,utility,delivered,w2,,,
2026-11-11T18:00:00Z,B,{BRAZIL},outbound,template,utility,delivered,w3,,,
"
    ));
    assert_eq!(
        priced(&lines),
        vec![
            (Service, FreeEntryPoint, dec!(0)),
            (Utility, Regular, dec!(0.0068)),
            (Utility, Regular, dec!(0.0068)),
        ]
    );
    assert_eq!(o.facts.free_entry_point_at_stake, 1);
    assert_eq!(o.facts.free_entry_point_at_stake_amount, dec!(0.0068));
    assert_eq!(o.facts.free_entry_point_longest_hours, 168);
    let s = Summary::from_outcome(&o, &RateBook::embedded().unwrap());
    assert!(
        s.notes
            .iter()
            .any(|n| n
                .starts_with("USD 0.0068 would be free if free entry point windows lasted 168 h")),
        "{:?}",
        s.notes
    );
}

#[test]
fn a_what_if_of_7_day_windows_makes_them_free() {
    let mut book = RateBook::embedded().unwrap();
    book.regimes
        .set_free_entry_point_hours(NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(), 168);
    let (o, _) = run_with(
        &book,
        BusinessProfile::default(),
        &format!(
            "\
2026-11-03T10:00:00Z,B,{BRAZIL},inbound,,,,,ctwa_ad,,
2026-11-03T10:01:00Z,B,{BRAZIL},outbound,free_form,,delivered,w1,,,
2026-11-07T14:00:00Z,B,{BRAZIL},outbound,template,utility,delivered,w2,,,
"
        ),
    );
    assert_eq!(o.ledger.total(), dec!(0));
    assert_eq!(o.facts.free_entry_point_at_stake, 0);
}

#[test]
fn max_prices_price_marketing_templates_at_an_upper_bound() {
    let mut book = RateBook::embedded().unwrap();
    let prices = wacost_core::pricing::max_price::MaxPrices::parse(
        "currency = \"USD\"\n[templates.spring_sale]\nmax_price_per_1000 = \"45.00\"\ncountry_multipliers = { BR = \"1.2\" }\n",
        &DataSource::embedded("test"),
    )
    .unwrap();
    book.max_prices = Some(prices);
    let (o, lines) = run_with(
        &book,
        BusinessProfile::default(),
        &format!(
            "\
2026-11-03T10:00:00Z,B,{BRAZIL},outbound,template,marketing_lite,delivered,p1,,,spring_sale
2026-11-03T10:01:00Z,B,{BRAZIL},outbound,template,marketing,delivered,p2,,,other
2026-09-03T10:01:00Z,B,{BRAZIL},outbound,template,marketing,delivered,p0,,,spring_sale
"
        ),
    );
    // 45.00 × 1.2 / 1,000 = 0.054 from 2026-10-01; the card (0.0625) for another template
    // and before the beta.
    assert_eq!(
        priced(&lines).iter().map(|p| p.2).collect::<Vec<_>>(),
        vec![dec!(0.0625), dec!(0.054), dec!(0.0625)]
    );
    assert_eq!(o.facts.max_price_messages, 1);
    assert_eq!(o.facts.max_price_amount, dec!(0.054));
}

// ---- Cloud API webhooks of 2026-11, and `reconcile` against Meta's verdicts ----

fn fixture(name: &str) -> Source {
    Source::Path(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name),
    )
}

fn reconcile_fixture(
    book: &RateBook,
    name: &str,
    profile: BusinessProfile,
) -> wacost_core::reconcile::Reconciliation {
    let mut options = wacost_core::replay::ReplayOptions::default();
    options.classify.profile = profile;
    wacost_core::reconcile::reconcile(
        book,
        &[fixture(name)],
        options,
        &wacost_core::read::detect::FormatOptions::default(),
        None,
        wacost_core::reconcile::Tolerance::default(),
    )
    .unwrap()
}

#[test]
fn webhooks_of_november_2026_agree_with_meta() {
    // tests/data/cloudapi_2026_11.jsonl: a free-form reply inside the free tier
    // (free_customer_service), a Business Agent reply (category business_agent, no tokens:
    // 22,500 assumed, 0.045), an in-window utility template (regular, 0.0068), a marketing
    // template (0.0625), an authentication-international template to India with the hyphen
    // (0.0304 for an eligible US business), a group marketing template to a Brazilian
    // participant (0.0625), a group service message to two participants inside the free tier
    // (free_group_customer_service), and a free entry point window whose end Meta reported 7
    // days out: the utility template 100 h after the answer is free_entry_point.
    let book = RateBook::embedded().unwrap();
    let profile = BusinessProfile {
        country: wacost_core::pricing::phone::Country::parse("US"),
        auth_international_eligible: true,
        ..BusinessProfile::default()
    };
    let r = reconcile_fixture(&book, "cloudapi_2026_11.jsonl", profile);
    let spelled: Vec<String> = r
        .disagreements
        .iter()
        .map(|d| {
            format!(
                "{:?}: {:?} ours {} meta {}",
                d.message_id,
                d.fields,
                d.ours.spelled(),
                d.meta.spelled()
            )
        })
        .collect();
    assert!(r.disagreements.is_empty(), "{spelled:#?}");
    assert_eq!((r.compared, r.agreeing), (10, 10));
    let o = &r.outcome;
    assert_eq!(o.ledger.total(), dec!(0.2072));
    assert_eq!(o.facts.business_agent_default_tokens, 1);
    assert_eq!(o.facts.group_deliveries, 3);
    assert_eq!(o.facts.meta_window_ends, 2);
    assert_eq!(o.facts.free_entry_point_at_stake, 0);
    assert_eq!(o.settlement.allowance_items, 3);
}

#[test]
fn webhooks_of_an_exempt_business_agree_with_meta() {
    // A free tier of one message: the first reply is inside it (free_customer_service), the
    // second beyond it is regular with subtype paid_exempt and not billable; the utility
    // template is charged 0.0068.
    let mut book = RateBook::embedded().unwrap();
    book.regimes
        .set_allowance(NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(), Some(1), None);
    let r = reconcile_fixture(&book, "cloudapi_exempt_2026_11.jsonl", exempt());
    let spelled: Vec<String> = r
        .disagreements
        .iter()
        .map(|d| {
            format!(
                "{:?}: {:?} ours {} meta {}",
                d.message_id,
                d.fields,
                d.ours.spelled(),
                d.meta.spelled()
            )
        })
        .collect();
    assert!(r.disagreements.is_empty(), "{spelled:#?}");
    assert_eq!(r.compared, 3);
    assert_eq!(r.outcome.ledger.total(), dec!(0.0068));
    // Both replies are exempt on their lines; reconcile still types the first one as Meta
    // does (inside the free tier).
    assert_eq!(r.outcome.facts.exempt_service, 2);
    // The same webhooks for a business that is not exempt: Meta's paid_exempt is a
    // disagreement on the subtype and on billable.
    let r = reconcile_fixture(
        &book,
        "cloudapi_exempt_2026_11.jsonl",
        BusinessProfile::default(),
    );
    assert_eq!(r.disagreements.len(), 1, "{:?}", r.disagreements);
    assert_eq!(
        r.disagreements[0].fields,
        vec![
            wacost_core::reconcile::Field::Billable,
            wacost_core::reconcile::Field::Subtype
        ]
    );
    assert_eq!(r.outcome.ledger.total(), dec!(0.0136));
}

// ---- Simulation: our bot, Meta's Business Agent, agents only ----

/// Ten Brazilian contacts write once in November 2026 and get two automated replies each
/// (counts fixed, every share 0 or 1).
const AUTOMATION: &str = r#"
counts = "fixed"
[period]
start = 2026-11-01
[audience.BR]
contacts = 10
[inbound]
conversations_per_contact_month = 1
messages_per_conversation = 1
[service]
automation_share = 1
replies_per_conversation = 2
bot_cost_per_reply = "0.003"
business_agent_tokens_median = 20000
business_agent_tokens_p90 = 20000
agent_median_minutes = 10
agent_p90_minutes = 10
[strategies.meta_business_agent]
service = { automation_engine = "business_agent" }
[strategies.agents_only]
service = { automation_share = 0 }
"#;

#[test]
fn simulated_bot_business_agent_and_agents_only() {
    use wacost_core::simulate::{MonteCarloOptions, Scenario, monte_carlo};
    let s = Scenario::parse(AUTOMATION, "automation.toml").unwrap();
    let options = MonteCarloOptions {
        runs: 2,
        seed: 7,
        strategies: vec!["meta_business_agent".into(), "agents_only".into()],
        workers: 1,
        classify: wacost_core::classify::ClassifyConfig {
            timezone: s.timezone,
            ..Default::default()
        },
        ..Default::default()
    };
    let mc = monte_carlo(&RateBook::embedded().unwrap(), &s, &options, &|| {}).unwrap();
    // Our bot: 20 service replies inside the free tier (free), plus our own AI cost of
    // 20 × 0.003.
    for run in &mc.base.runs {
        assert_eq!(run.automation_fees, dec!(0.060));
        assert_eq!(run.total, dec!(0.060));
    }
    // Meta's Business Agent: 20 replies of 20,000 tokens, 0.04 each, no fee of ours.
    let agent = &mc.strategies[0].runs;
    for run in &agent.runs {
        assert_eq!(run.automation_fees, dec!(0));
        assert_eq!(run.total, dec!(0.8000));
        assert_eq!(run.by_category[&BusinessAgent], dec!(0.8000));
    }
    // Agents only: 20 service replies inside the free tier.
    for run in &mc.strategies[1].runs.runs {
        assert_eq!(run.total, dec!(0));
    }
}

#[test]
fn simulated_business_agent_tokens_are_a_distribution() {
    use wacost_core::simulate::{Generator, Scenario, price_stream};
    let text = AUTOMATION
        .replace("contacts = 10", "contacts = 200")
        .replace(
            "business_agent_tokens_median = 20000",
            "business_agent_tokens_median = 22500",
        )
        .replace(
            "business_agent_tokens_p90 = 20000",
            "business_agent_tokens_p90 = 25000",
        )
        .replace(
            "bot_cost_per_reply = \"0.003\"",
            "automation_engine = \"business_agent\"",
        );
    let s = Scenario::parse(&text, "tokens.toml").unwrap();
    let g = Generator::new(&s, 3).unwrap();
    let events: Vec<_> = g.events().collect();
    let tokens: Vec<u32> = events.iter().filter_map(|e| e.details.tokens).collect();
    assert_eq!(tokens.len(), 400);
    assert!(tokens.iter().any(|&t| t < 22_500) && tokens.iter().any(|&t| t > 25_000));
    let mut sorted = tokens.clone();
    sorted.sort();
    // The median of 400 draws is near Meta's 22,500.
    assert!((21_000..24_000).contains(&sorted[200]), "{}", sorted[200]);
    let priced = price_stream(
        &RateBook::embedded().unwrap(),
        wacost_core::classify::ClassifyConfig::default(),
        events,
        &mut wacost_core::replay::NoLines,
    )
    .unwrap();
    // Every reply is charged exactly tokens × 2.00 / 1,000,000.
    let sum: u64 = tokens.iter().map(|&t| u64::from(t)).sum();
    assert_eq!(priced.facts.business_agent_tokens, sum);
    assert_eq!(
        priced.ledger.total(),
        Decimal::from(sum) * dec!(2.00) / dec!(1000000)
    );
}

// ---- quote ----

fn quote_of(
    category: Category,
    to: &str,
    tokens: Option<u32>,
) -> wacost_core::pricing::quote::Quote {
    use chrono::TimeZone;
    wacost_core::pricing::quote::quote(
        &RateBook::embedded().unwrap(),
        &wacost_core::pricing::quote::QuoteRequest {
            to: to.parse().unwrap(),
            category,
            at: chrono::Utc.with_ymd_and_hms(2026, 11, 3, 10, 0, 0).unwrap(),
            timezone: chrono_tz::UTC,
            in_service_window: true,
            in_free_entry_point: false,
            currency: wacost_core::money::Currency::USD,
            profile: BusinessProfile::default(),
            tokens,
            template: None,
        },
    )
    .unwrap()
}

#[test]
fn quotes_of_the_new_categories() {
    let q = quote_of(BusinessAgent, BRAZIL, Some(25_000));
    assert_eq!(q.amount, dec!(0.0500));
    let text = q.to_text();
    assert!(
        text.contains("rate: business_agent 0.0500 USD per message, published, token rate of the PMP 2026-10 rules"),
        "{text}"
    );
    // Without tokens: the regime's default of 22,500, estimated.
    assert_eq!(quote_of(BusinessAgent, BRAZIL, None).amount, dec!(0.0450));
    assert_eq!(quote_of(GroupMarketing, BRAZIL, None).amount, dec!(0.0625));
    assert_eq!(
        quote_of(GroupUtility, "+919876543210", None).amount,
        dec!(0.0014)
    );
    // A group service message is charged at the service rate (the free tier is monthly
    // and not known to a single quote).
    assert_eq!(quote_of(GroupService, BRAZIL, None).amount, dec!(0.0068));
}

// ---- volume tiers without Meta's Tier Pricing file ----

#[test]
fn volume_tier_exposure_is_reported() {
    // The first discount lowered from 100,000 to 3 messages a month, to count by hand.
    let mut book = RateBook::embedded().unwrap();
    for r in book.regimes.all_mut() {
        if let Some(v) = r.volume_tiers.as_mut() {
            v.first_discount_from = 3;
        }
    }
    let (o, _) = run_with(
        &book,
        BusinessProfile::default(),
        &format!(
            "\
2026-11-03T10:00:00Z,B,{BRAZIL},outbound,template,utility,delivered,,,,
2026-11-04T10:00:00Z,B,{BRAZIL},outbound,template,utility,delivered,,,,
2026-11-05T10:00:00Z,B,{BRAZIL},outbound,template,utility,delivered,,,,
2026-11-05T11:00:00Z,B,{BRAZIL},outbound,template,authentication,delivered,,,,
2026-11-05T12:00:00Z,B,{BRAZIL},outbound,template,authentication,delivered,,,,
2026-11-05T13:00:00Z,B,{BRAZIL},outbound,template,marketing,delivered,,,,
2026-11-05T14:00:00Z,B,{BRAZIL},outbound,template,marketing,delivered,,,,
2026-11-05T15:00:00Z,B,{BRAZIL},outbound,template,marketing,delivered,,,,
"
        ),
    );
    // List rates all the same: 3 × 0.0068 + 2 × 0.0068 + 3 × 0.0625.
    assert_eq!(o.ledger.total(), dec!(0.2215));
    let s = Summary::from_outcome(&o, &book);
    let rows: Vec<_> = s
        .volume_tier_exposure
        .iter()
        .map(|t| {
            (
                t.month.as_str(),
                t.market.as_str(),
                t.category.as_str(),
                t.messages,
            )
        })
        .collect();
    assert_eq!(rows, vec![("2026-11", "Brazil", "utility", 3)]);
    assert!(
        s.notes
            .iter()
            .any(|n| n.contains("utility in Brazil, 2026-11: 3 messages at list rate")),
        "{:?}",
        s.notes
    );
}

// ---- calling codes shared by several countries ----

#[test]
fn a_jersey_number_is_other_unless_a_market_map_says_otherwise() {
    // +44 7797: a Jersey mobile. Priced by its own region, Other (0.0604), not the United
    // Kingdom (0.0635); counted as resting on telling them apart.
    let rows = "\
2026-11-03T10:00:00Z,B,+447797123456,outbound,template,marketing,delivered,,,,
2026-11-03T10:00:00Z,B,+447700900123,outbound,template,marketing,delivered,,,,
";
    let book = RateBook::embedded().unwrap();
    let (o, _) = run_with(&book, BusinessProfile::default(), rows);
    assert_eq!(o.ledger.total(), dec!(0.1239));
    let s = Summary::from_outcome(&o, &book);
    assert_eq!(
        s.shared_calling_code.into_iter().collect::<Vec<_>>(),
        vec![("JE".to_string(), 1)]
    );
    // A user's map places Jersey in the United Kingdom: both at 0.0635, nothing counted.
    let mut book = RateBook::embedded().unwrap();
    book.overlay_markets(
        "country,prefix,market,from,source,note,confidence\nJE,441534,United Kingdom,2023-06-01,mine,,estimated\n",
        &DataSource::embedded("my map"),
    )
    .unwrap();
    let (o, _) = run_with(&book, BusinessProfile::default(), rows);
    assert_eq!(o.ledger.total(), dec!(0.1270));
    assert!(
        Summary::from_outcome(&o, &book)
            .shared_calling_code
            .is_empty()
    );
}
