//! The advise invariant, over generated logs: for every what-if `advise` runs, pricing the
//! log with that what-if alone gives exactly the log's total minus the saving advise found,
//! and the log's total is the replay's.

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use rust_decimal::Decimal;
use wacost_core::advise::{AdviseOptions, advise};
use wacost_core::classify::ClassifyConfig;
use wacost_core::event::{EntryPoint, Event, MessageKind, Status};
use wacost_core::period::Period;
use wacost_core::pricing::RateBook;
use wacost_core::pricing::category::Category;
use wacost_core::replay::{NoLines, ReadLog, Replay};
use wacost_core::whatif::{self, WhatIf};

fn book() -> &'static RateBook {
    static BOOK: std::sync::OnceLock<RateBook> = std::sync::OnceLock::new();
    BOOK.get_or_init(|| {
        let mut b = RateBook::embedded().unwrap();
        // A small allowance, so that it runs out in a small log.
        b.regimes.set_allowance(
            chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
            Some(1),
            None,
        );
        b
    })
}

/// A row of a generated log: minutes after the start, contact, business number, what.
type Row = (u32, u8, u8, u8);

fn event(start: i64, (minute, contact, business, code): Row, i: usize) -> Event {
    let at = Utc
        .timestamp_millis_opt(start + i64::from(minute) * 60_000)
        .unwrap();
    let contact = format!("+55119000000{:02}", contact % 4).parse().unwrap();
    let business = ["+1 555 010 0001", "+1 555 010 0002"][usize::from(business % 2)];
    let kind = match code % 8 {
        0 | 1 => None,
        2 => Some(MessageKind::FreeForm),
        // Meta's Business Agent (the regime's default tokens): agent-replies and
        // service-replies have something to change both ways.
        3 => Some(MessageKind::BusinessAgent),
        4 => Some(MessageKind::Template(Category::Utility)),
        5 | 6 => Some(MessageKind::Template(Category::Marketing)),
        _ => Some(MessageKind::Template(Category::Authentication)),
    };
    match kind {
        None => {
            let e = Event::inbound(at, business, contact);
            if code % 16 == 8 {
                e.with_entry_point(EntryPoint::CtwaAd)
            } else {
                e
            }
        }
        Some(k) => {
            let status = match (code / 8) % 8 {
                0 => Status::Failed,
                1 => Status::Sent,
                2 => Status::Read,
                _ => Status::Delivered,
            };
            let e = Event::outbound(at, business, contact, k).with_status(status);
            if code >= 128 {
                e.with_id(&format!("m{i}"))
            } else {
                e
            }
        }
    }
}

fn rows() -> impl Strategy<Value = Vec<Row>> {
    // Up to five days of minutes, four contacts, two business numbers.
    prop::collection::vec((0u32..7_200, any::<u8>(), any::<u8>(), any::<u8>()), 0..120)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn saving_is_the_replay_difference(
        rows in rows(),
        november in any::<bool>(),
        whole_month in any::<bool>(),
    ) {
        let (y, m) = if november { (2026, 11) } else { (2026, 2) };
        // Starting on the 27th: the log runs into the next month.
        let start = Utc.with_ymd_and_hms(y, m, 27, 0, 0, 0).unwrap().timestamp_millis();
        let mut events: Vec<Event> =
            rows.iter().enumerate().map(|(i, r)| event(start, *r, i)).collect();
        events.sort_by_key(|e| e.time_ms);
        let log = ReadLog { events: events.clone(), ..ReadLog::default() };
        let period = if whole_month {
            Period::month(Period::parse_month(&format!("{y}-{m:02}")).unwrap())
        } else {
            Period::all()
        };
        let config = ClassifyConfig::default();
        let options = AdviseOptions { window_hours: 6, marketing_per_month: 2, more: vec![] };
        let advice = advise(book(), config, &log, &period, &options).unwrap();
        let replayed = Replay::new(book()).events(&events).unwrap();
        prop_assert_eq!(advice.total, period.ledger(&replayed.ledger).total());
        // Every what-if is checked: utility-in-window, fewer-marketing, agent-replies,
        // service-replies, service-free, allowance-per-waba.
        prop_assert_eq!(advice.checked.len(), options.what_ifs().len());
        prop_assert_eq!(advice.checked.len(), 6);
        for c in &advice.checked {
            let w = WhatIf::parse(&c.id).unwrap();
            let r = whatif::run(book(), config, &log, &[w], &period, &mut NoLines).unwrap();
            prop_assert_eq!(r.outcome.ledger.total(), advice.total - c.saving, "{}", c.id);
        }
        let mut last = None::<Decimal>;
        for f in &advice.findings {
            prop_assert!(f.saving > Decimal::ZERO);
            prop_assert!(last.is_none_or(|l| l >= f.saving));
            last = Some(f.saving);
        }
    }
}
