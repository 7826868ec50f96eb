//! Hand-computed what-ifs on small logs.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use rust_decimal_macros::dec;

use super::*;
use crate::charge::Charge;
use crate::event::{MessageKind, Status};
use crate::pricing::category::{Category, PricingType};

const SHOP: &str = "+1 555 010 0001";

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn n(s: &str) -> crate::pricing::phone::ContactNumber {
    s.parse().unwrap()
}

fn log(events: Vec<Event>) -> ReadLog {
    let mut events = events;
    events.sort_by_key(|e| e.time_ms);
    ReadLog {
        events,
        ..ReadLog::default()
    }
}

fn priced(book: &RateBook, what_ifs: &[WhatIf], log: &ReadLog) -> (WhatIfRun, Vec<Charge>) {
    let mut lines: Vec<Charge> = Vec::new();
    let r = run(
        book,
        ClassifyConfig::default(),
        log,
        what_ifs,
        &Period::all(),
        &mut lines,
    )
    .unwrap();
    let sum: Decimal = lines.iter().map(|c| c.amount).sum();
    assert_eq!(sum, r.outcome.ledger.total(), "lines add up to the total");
    (r, lines)
}

/// February 2026 (per-message pricing, utility templates free inside the window), Brazil:
/// utility USD 0.0068.
fn utility_log() -> ReadLog {
    let util = Category::Utility;
    let (ana, bia, caio, dani) = (
        n("+5511900000001"),
        n("+5511900000002"),
        n("+5511900000003"),
        n("+5511900000004"),
    );
    log(vec![
        // Ana is sent an order update at 09:00 and writes at 12:00.
        Event::template(at(2026, 2, 2, 9, 0), SHOP, ana, util)
            .with_id("ana.1")
            .with_status(Status::Sent),
        Event::template(at(2026, 2, 2, 9, 0), SHOP, ana, util)
            .with_id("ana.1")
            .with_status(Status::Read),
        Event::inbound(at(2026, 2, 2, 12, 0), SHOP, ana),
        // Bia writes 11 hours after hers.
        Event::template(at(2026, 2, 2, 9, 0), SHOP, bia, util),
        Event::inbound(at(2026, 2, 2, 20, 0), SHOP, bia),
        // Caio had written before: his update is already inside the window, free.
        Event::inbound(at(2026, 2, 2, 8, 0), SHOP, caio),
        Event::template(at(2026, 2, 2, 9, 0), SHOP, caio, util),
        // Dani's update failed.
        Event::template(at(2026, 2, 2, 9, 0), SHOP, dani, util).with_status(Status::Failed),
        Event::inbound(at(2026, 2, 2, 10, 0), SHOP, dani),
    ])
}

#[test]
fn utility_held_until_the_customer_writes() {
    let book = RateBook::embedded().unwrap();
    let log = utility_log();
    let (base, _) = priced(&book, &[], &log);
    // Ana's and Bia's updates are charged; Caio's is in the window, Dani's failed.
    assert_eq!(base.outcome.ledger.total(), dec!(0.0136));
    assert!(base.applied.is_empty());

    let six = WhatIf::parse("utility-in-window").unwrap();
    assert_eq!(six, WhatIf::UtilityInWindow { hours: 6 });
    let (r, lines) = priced(&book, std::slice::from_ref(&six), &log);
    // Ana wrote 3 h later: her update moves to 12:00:01, inside the window, free.
    assert_eq!(r.outcome.ledger.total(), dec!(0.0068));
    assert_eq!(r.applied.len(), 1);
    let a = &r.applied[0];
    assert_eq!((a.id.as_str(), a.messages), ("utility-in-window", 1));
    assert_eq!(
        a.changed,
        "1 utility template sent outside a customer service window, less than 6 h before the \
         customer wrote, moved to just after the customer's message"
    );
    let ana = lines
        .iter()
        .find(|c| c.contact == Some(n("+5511900000001")))
        .unwrap();
    assert_eq!(ana.time_ms, at(2026, 2, 2, 12, 0).timestamp_millis() + 1000);
    assert_eq!(ana.pricing_type, PricingType::FreeCustomerService);
    assert_eq!(
        ana.status,
        Some(Status::Read),
        "both rows of the message moved"
    );
    assert_eq!(ana.message_id.unwrap().as_str(), "ana.1");
    // Nothing else moved: four messages, Bia's still at 09:00.
    assert_eq!(lines.len(), 4);
    let bia = lines
        .iter()
        .find(|c| c.contact == Some(n("+5511900000002")))
        .unwrap();
    assert_eq!(bia.time_ms, at(2026, 2, 2, 9, 0).timestamp_millis());

    // Waiting up to 12 h catches Bia's too.
    let twelve = WhatIf::parse("utility-in-window=12").unwrap();
    assert_eq!(twelve.id(), "utility-in-window=12");
    let (r, _) = priced(&book, &[twelve], &log);
    assert_eq!(r.outcome.ledger.total(), dec!(0));
    assert_eq!(r.applied[0].messages, 2);
}

#[test]
fn marketing_beyond_the_monthly_limit_is_not_sent() {
    let book = RateBook::embedded().unwrap();
    let mkt = Category::Marketing;
    let ana = n("+5511900000001");
    let day = |d| at(2026, 2, d, 10, 0);
    let log = log(vec![
        Event::template(day(2), SHOP, ana, mkt),
        Event::template(day(9), SHOP, ana, mkt).with_status(Status::Failed),
        // The third of February: sent, then delivered (two rows of one message).
        Event::template(day(16), SHOP, ana, mkt)
            .with_id("m3")
            .with_status(Status::Sent),
        Event::template(at(2026, 2, 16, 10, 5), SHOP, ana, mkt)
            .with_id("m3")
            .with_status(Status::Delivered),
        Event::template(day(23), SHOP, ana, mkt),
        // March starts again.
        Event::template(at(2026, 3, 2, 10, 0), SHOP, ana, mkt),
    ]);
    let (base, _) = priced(&book, &[], &log);
    // Four delivered marketing templates at USD 0.0625.
    assert_eq!(base.outcome.ledger.total(), dec!(0.2500));
    let (r, lines) = priced(&book, &[WhatIf::parse("fewer-marketing=2").unwrap()], &log);
    // February keeps the first two (one of them failed): the 16th and the 23rd go.
    assert_eq!(r.outcome.ledger.total(), dec!(0.1250));
    assert_eq!(r.applied[0].messages, 2);
    assert_eq!(r.applied[0].id, "fewer-marketing=2");
    let dates: Vec<NaiveDate> = lines.iter().map(|c| c.date).collect();
    assert_eq!(
        dates,
        [
            NaiveDate::from_ymd_opt(2026, 2, 2).unwrap(),
            NaiveDate::from_ymd_opt(2026, 2, 9).unwrap(),
            NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
        ]
    );
    // Reported over March alone, nothing changed there.
    let march = Period::month(Period::parse_month("2026-03").unwrap());
    let r = run(
        &book,
        ClassifyConfig::default(),
        &log,
        &[WhatIf::parse("fewer-marketing=2").unwrap()],
        &march,
        &mut NoLines,
    )
    .unwrap();
    assert_eq!(r.outcome.ledger.total(), dec!(0.0625));
    assert_eq!(r.applied[0].messages, 0);
}

/// November 2026: service messages charged at the utility rate (Brazil USD 0.0068), a free
/// allowance of one message per business number (the book's, shrunk from 1,000).
fn small_allowance() -> RateBook {
    let mut book = RateBook::embedded().unwrap();
    book.regimes
        .set_allowance(NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(), Some(1), None);
    book
}

#[test]
fn free_service_messages_and_the_allowance_per_waba() {
    let book = small_allowance();
    let ana = n("+5511900000001");
    let bia = n("+5511900000002");
    let other = "+1 555 010 0002";
    let t = |h| at(2026, 11, 2, h, 0);
    let log = log(vec![
        Event::inbound(t(9), SHOP, ana),
        Event::free_form(t(10), SHOP, ana),
        Event::free_form(t(11), SHOP, ana),
        Event::free_form(t(12), SHOP, ana),
        Event::inbound(t(9), other, bia),
        Event::free_form(t(10), other, bia),
    ]);
    // Four replies at 0.0068; the first of each number is free.
    let (base, _) = priced(&book, &[], &log);
    assert_eq!(base.outcome.ledger.total(), dec!(0.0136));
    let (free, _) = priced(&book, &[WhatIf::ServiceFree], &log);
    assert_eq!(free.outcome.ledger.total(), dec!(0));
    // Ana's second and third replies now cost nothing; the free ones were free already.
    assert_eq!(free.applied[0].messages, 2);
    // One allowance for the WABA: Bia's reply (10:00, after Ana's at 10:00 by business
    // number) is charged.
    let (waba, _) = priced(&book, &[WhatIf::AllowancePerWaba], &log);
    assert_eq!(waba.outcome.ledger.total(), dec!(0.0204));
    assert_eq!(waba.applied[0].messages, 1);
    // Both: the rules change together.
    let (both, _) = priced(
        &book,
        &[WhatIf::AllowancePerWaba, WhatIf::ServiceFree],
        &log,
    );
    assert_eq!(both.outcome.ledger.total(), dec!(0));
}

#[test]
fn business_agent_replies_and_back() {
    // November 2026, Brazil, one free service message per business number: Ana writes at
    // 09:00 and gets three free-form replies; the first is free (the allowance), the two
    // others cost the utility rate, USD 0.0068 each.
    let book = small_allowance();
    let ana = n("+5511900000001");
    let t = |h| at(2026, 11, 2, h, 0);
    let people = log(vec![
        Event::inbound(t(9), SHOP, ana),
        Event::free_form(t(10), SHOP, ana),
        Event::free_form(t(11), SHOP, ana),
        Event::free_form(t(12), SHOP, ana),
    ]);
    let (base, _) = priced(&book, &[], &people);
    assert_eq!(base.outcome.ledger.total(), dec!(0.0136));
    // Written by Meta's Business Agent at 20,000 tokens each: USD 2.00 per million tokens,
    // 0.0400 a reply, never free in a window nor under the allowance: 3 × 0.0400.
    let w = WhatIf::parse("agent-replies=20000").unwrap();
    assert_eq!(w.id(), "agent-replies=20000");
    let (agent, lines) = priced(&book, std::slice::from_ref(&w), &people);
    assert_eq!(agent.outcome.ledger.total(), dec!(0.1200));
    assert_eq!(agent.applied[0].messages, 3);
    assert!(
        lines
            .iter()
            .all(|c| c.offer == Some(MessageKind::BusinessAgent))
    );
    assert!(lines.iter().all(|c| c.tokens == Some(20_000)));
    // The reverse: a log of Business Agent replies answered by people instead.
    let agents = log(vec![
        Event::inbound(t(9), SHOP, ana),
        Event::business_agent(t(10), SHOP, ana, Some(20_000)),
        Event::business_agent(t(11), SHOP, ana, Some(20_000)),
    ]);
    let (base, _) = priced(&book, &[], &agents);
    assert_eq!(base.outcome.ledger.total(), dec!(0.0800));
    let (people, _) = priced(&book, &[WhatIf::ServiceReplies], &agents);
    // The first reply under the allowance, the second at 0.0068.
    assert_eq!(people.outcome.ledger.total(), dec!(0.0068));
    assert_eq!(people.applied[0].messages, 2);
    // Advice finds it, and the saving is the difference, exactly.
    let advice = crate::advise::advise(
        &book,
        ClassifyConfig::default(),
        &agents,
        &Period::all(),
        &crate::advise::AdviseOptions::default(),
    )
    .unwrap();
    let f = advice
        .findings
        .iter()
        .find(|f| f.id == "service-replies")
        .expect("a finding");
    assert_eq!(f.saving, dec!(0.0732));
    assert_eq!(
        f.title,
        "2 Business Agent replies were written by Meta's Business Agent; answering them as \
         service messages would have saved USD 0.07 in Meta's fees"
    );
}

#[test]
fn ids_parse_and_mistakes_say_why() {
    for id in [
        "utility-in-window",
        "fewer-marketing",
        "allowance-per-waba",
        "service-free",
    ] {
        assert_eq!(WhatIf::parse(id).unwrap().id(), id);
    }
    assert_eq!(
        WhatIf::parse("fewer-marketing=4").unwrap().id(),
        "fewer-marketing"
    );
    assert_eq!(
        WhatIf::parse("utility-in-window=24h").unwrap(),
        WhatIf::UtilityInWindow { hours: 24 }
    );
    let e = WhatIf::parse("cheaper").unwrap_err();
    assert_eq!(
        e.to_string(),
        "unknown what-if \"cheaper\": the what-ifs are utility-in-window, fewer-marketing, \
         agent-replies, service-replies, allowance-per-waba, service-free, regimes=FILE"
    );
    assert!(matches!(
        WhatIf::parse("provider=twilio"),
        Err(WhatIfError::ProviderSwitch { .. })
    ));
    assert_eq!(
        WhatIf::parse("utility-in-window=0")
            .unwrap_err()
            .to_string(),
        "what-if utility-in-window: \"0\" is not a number of hours from 1 to 168"
    );
    assert_eq!(
        WhatIf::parse("service-free=yes").unwrap_err().to_string(),
        "what-if service-free takes no value (found \"yes\")"
    );
    assert!(matches!(
        WhatIf::parse("regimes=/no/such/regimes.toml"),
        Err(WhatIfError::Io { .. })
    ));
}

#[test]
fn a_regimes_file_is_a_what_if() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("regimes.toml");
    // The published regimes, with the 2026-10 service charge gone.
    let text = include_str!("../../../../data/regimes.toml").replace(
        "name = \"PMP 2026-10\"\nfrom = \"2026-10-01\"\nmodel = \"PMP\"\nservice = \"charged\"",
        "name = \"PMP 2026-10\"\nfrom = \"2026-10-01\"\nmodel = \"PMP\"\nservice = \"free\"",
    );
    assert!(
        text.contains(
            "model = \"PMP\"\nservice = \"free\"\nutility_in_service_window = \"charged\""
        )
    );
    std::fs::write(&path, text).unwrap();
    let w = WhatIf::parse(&format!("regimes={}", path.display())).unwrap();
    assert!(w.is_rule());
    let book = small_allowance();
    let ana = n("+5511900000001");
    let t = |h| at(2026, 11, 2, h, 0);
    let log = log(vec![
        Event::inbound(t(9), SHOP, ana),
        Event::free_form(t(10), SHOP, ana),
        Event::free_form(t(11), SHOP, ana),
    ]);
    let (base, _) = priced(&book, &[], &log);
    assert_eq!(base.outcome.ledger.total(), dec!(0.0068));
    let (r, _) = priced(&book, &[w], &log);
    assert_eq!(r.outcome.ledger.total(), dec!(0));
    // The file's allowance is the published 1,000: both replies were covered or free.
    assert_eq!(r.applied[0].messages, 1);
}
