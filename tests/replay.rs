//! Replays of hand-computed logs, one per rule: every pricing type with its exact cost,
//! window edges, conversations, allowances, statuses out of order and duplicates.

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use wacost::charge::{Charge, LineKind};
use wacost::classify::ClassifyConfig;
use wacost::pricing::RateBook;
use wacost::pricing::category::{Category, PricingType};
use wacost::replay::{Outcome, ReplayOptions, Source, replay};

const HEADER: &str =
    "timestamp,business,contact,direction,message_type,category,status,message_id,entry_point\n";

fn run_with(book: &RateBook, rows: &str, config: ClassifyConfig) -> (Outcome, Vec<Charge>) {
    let mut lines: Vec<Charge> = Vec::new();
    let source = Source::Bytes(
        "test.csv".into(),
        format!("{HEADER}{rows}").into_bytes().into(),
    );
    let outcome = replay(
        book,
        &[source],
        ReplayOptions {
            classify: config,
            ..ReplayOptions::default()
        },
        &mut lines,
        None,
    )
    .unwrap();
    let sum: Decimal = lines.iter().map(|c| c.amount).sum();
    assert_eq!(sum, outcome.ledger.total(), "lines add up to the total");
    (outcome, lines)
}

fn run(rows: &str) -> (Outcome, Vec<Charge>) {
    run_with(
        &RateBook::embedded().unwrap(),
        rows,
        ClassifyConfig::default(),
    )
}

/// (pricing type, amount) of each message line, in order.
fn priced(lines: &[Charge]) -> Vec<(PricingType, Decimal)> {
    lines
        .iter()
        .filter(|c| c.kind == LineKind::Message)
        .map(|c| (c.pricing_type, c.amount))
        .collect()
}

use PricingType::*;

/// Rows without ids 200 ms apart are two messages, not one message and a duplicate: times
/// keep their milliseconds (a row repeated to the millisecond is still a duplicate).
#[test]
fn sub_second_rows_are_distinct_messages() {
    let (o, lines) = run("\
2026-02-02T10:00:00.000Z,B,+5511987654321,outbound,template,marketing,delivered,,
2026-02-02T10:00:00.200Z,B,+5511987654321,outbound,template,marketing,delivered,,
2026-02-02T10:00:00.200Z,B,+5511987654321,outbound,template,marketing,delivered,,
1770026400.450,B,+5511987654321,outbound,template,marketing,delivered,,
");
    // Brazil marketing, card of 2026-01-01: 0.0625 each, three messages.
    assert_eq!(
        priced(&lines),
        vec![(Regular, dec!(0.0625)); 3],
        "three messages, one duplicate row"
    );
    assert_eq!(o.stats.duplicates, 1);
    assert_eq!(o.ledger.total(), dec!(0.1875));
    let times: Vec<i64> = lines.iter().map(|c| c.time_ms).collect();
    assert_eq!(
        times,
        [1_770_026_400_000, 1_770_026_400_200, 1_770_026_400_450]
    );
}

#[test]
fn service_window_edges() {
    // Brazil, February 2026 (PMP, card of 2026-01-01: utility 0.0068).
    let (o, lines) = run("\
2026-02-02T10:00:00Z,B,+5511987654321,inbound,,,,i1,
2026-02-03T09:59:59Z,B,+5511987654321,outbound,free_form,,delivered,o1,
2026-02-03T09:59:59Z,B,+5511987654321,outbound,template,utility,delivered,o2,
2026-02-03T10:00:00Z,B,+5511987654321,outbound,free_form,,delivered,o3,
2026-02-03T10:00:00Z,B,+5511987654321,outbound,template,utility,delivered,o4,
");
    assert_eq!(
        priced(&lines),
        vec![
            (FreeCustomerService, dec!(0)),
            (FreeCustomerService, dec!(0)),
            (NotDelivered, dec!(0)),
            (Regular, dec!(0.0068)),
        ]
    );
    assert!(lines[2].flags.rejected_free_form);
    assert_eq!(o.ledger.total(), dec!(0.0068));
    assert_eq!(o.stats.rejected_free_form, 1);
}

#[test]
fn free_entry_point_reply_at_23_59_and_24_01() {
    let (o, lines) = run("\
2026-02-02T10:00:00Z,B,+5511987654321,inbound,,,,a1,ctwa_ad
2026-02-03T09:59:00Z,B,+5511987654321,outbound,free_form,,delivered,a2,
2026-02-05T12:00:00Z,B,+5511987654321,outbound,template,marketing,delivered,a3,
2026-02-06T09:58:59Z,B,+5511987654321,outbound,template,utility,delivered,a4,
2026-02-06T09:59:00Z,B,+5511987654321,outbound,template,marketing,delivered,a5,
2026-02-02T10:00:00Z,B,+5521999990000,inbound,,,,b1,page_cta
2026-02-03T10:01:00Z,B,+5521999990000,outbound,free_form,,delivered,b2,
2026-02-03T10:01:00Z,B,+5521999990000,outbound,template,marketing,delivered,b3,
2026-02-04T10:00:00Z,B,+5521999990000,outbound,template,marketing,delivered,b4,
");
    // The log is not in time order (two contacts listed one after the other): it is sorted.
    assert!(o.sorted);
    let a: Vec<_> = lines
        .iter()
        .filter(|c| c.contact.unwrap().digits() == 5511987654321)
        .map(|c| (c.pricing_type, c.amount))
        .collect();
    assert_eq!(
        a,
        vec![
            (FreeEntryPoint, dec!(0)),
            (FreeEntryPoint, dec!(0)), // marketing inside the 72 h window
            (FreeEntryPoint, dec!(0)), // 71:59:59 after the answer
            (Regular, dec!(0.0625)),   // 72:00:00 after the answer
        ]
    );
    let b: Vec<_> = lines
        .iter()
        .filter(|c| c.contact.unwrap().digits() == 5521999990000)
        .map(|c| (c.pricing_type, c.amount))
        .collect();
    assert_eq!(
        b,
        vec![
            (NotDelivered, dec!(0)),
            (Regular, dec!(0.0625)),
            (Regular, dec!(0.0625))
        ],
        "answering after 24 h opens no free entry point, and the free-form answer is rejected"
    );
    assert_eq!(o.ledger.total(), dec!(0.1875));
}

#[test]
fn statuses_out_of_order_and_duplicates() {
    let (o, lines) = run("\
2026-02-02T10:00:00Z,B,+5511987654321,outbound,template,marketing,sent,m1,
2026-02-02T10:00:00Z,B,+919876543210,outbound,template,authentication,failed,m2,
2026-02-02T10:00:03Z,B,+5511987654321,outbound,template,marketing,read,m1,
2026-02-02T10:00:04Z,B,+5511987654321,outbound,template,marketing,delivered,m1,
2026-02-02T10:01:00Z,B,+5511987654321,outbound,template,marketing,delivered,m3,
2026-02-02T10:01:00Z,B,+5511987654321,outbound,template,marketing,delivered,m3,
2026-02-02T11:00:00Z,B,+5511987654321,outbound,template,marketing,sent,m4,
2026-02-02T11:00:00Z,B,+919876543210,outbound,template,authentication,read,m5,
");
    // m1 read ⇒ delivered, charged once; m2 failed; m3 duplicated, charged once; m4 never
    // delivered; m5 read without delivered, charged.
    assert_eq!(
        priced(&lines)
            .iter()
            .map(|(t, a)| (*t, *a))
            .collect::<Vec<_>>()
            .len(),
        5
    );
    assert_eq!(o.ledger.total(), dec!(0.0625) * dec!(2) + dec!(0.0014));
    assert_eq!(o.stats.duplicates, 3);
    let m4 = lines
        .iter()
        .find(|c| c.message_id.unwrap().as_str() == "m4")
        .unwrap();
    assert_eq!((m4.pricing_type, m4.amount), (NotDelivered, dec!(0)));
    let m2 = lines
        .iter()
        .find(|c| c.message_id.unwrap().as_str() == "m2")
        .unwrap();
    assert_eq!(m2.pricing_type, NotDelivered);
}

#[test]
fn cbp_conversations_reuse_and_expiry() {
    // Brazil, March 2024 (CBP card of 2023-06-01: marketing 0.0625, utility 0.0350,
    // service 0.0300).
    let (o, lines) = run("\
2024-03-12T08:00:00Z,B,+5511987654321,outbound,template,marketing,delivered,c1,
2024-03-12T09:00:00Z,B,+5511987654321,outbound,template,utility,delivered,c2,
2024-03-12T10:00:00Z,B,+5511987654321,inbound,,,,c3,
2024-03-12T10:01:00Z,B,+5511987654321,outbound,free_form,,delivered,c4,
2024-03-13T07:59:59Z,B,+5511987654321,outbound,template,marketing,delivered,c5,
2024-03-13T08:00:00Z,B,+5511987654321,outbound,template,marketing,delivered,c6,
2024-03-13T10:00:00Z,B,+5511987654321,inbound,,,,c7,
2024-03-13T10:05:00Z,B,+5511987654321,outbound,free_form,,delivered,c8,
2024-03-14T10:04:59Z,B,+5511987654321,inbound,,,,c9,
2024-03-14T10:05:00Z,B,+5511987654321,outbound,free_form,,delivered,c10,
");
    assert_eq!(
        priced(&lines),
        vec![
            (Regular, dec!(0.0625)),   // opens a marketing conversation
            (Regular, dec!(0.0350)),   // a utility one opens beside it
            (InConversation, dec!(0)), // free-form inside open conversations opens nothing
            (InConversation, dec!(0)), // 23:59:59 after the marketing one opened
            (Regular, dec!(0.0625)),   // 24:00:00: a new marketing conversation
            (InConversation, dec!(0)), // free-form inside the new marketing conversation
            (Regular, dec!(0.0300)),   // everything closed: a service conversation opens
        ]
    );
    assert_eq!(lines[0].conversation, lines[3].conversation);
    assert_ne!(lines[0].conversation, lines[4].conversation);
    // The service conversation is within the month's 1,000 free ones: an allowance line
    // takes its 0.0300 back.
    assert_eq!(o.ledger.total(), dec!(0.1600));
    assert_eq!(lines.last().unwrap().kind, LineKind::Allowance);
}

#[test]
fn the_1001st_service_conversation_of_a_cbp_month() {
    // 1,000 Brazilian users, then one Indian user, each writes and gets a reply: 1,001
    // service conversations in March 2024. The earliest 1,000 (Brazil, 0.0300 each) are
    // free; the 1,001st (India, 0.0040, estimated) is charged.
    let mut rows = String::new();
    for i in 0..1000 {
        rows.push_str(&format!(
            "2024-03-01T00:{:02}:{:02}Z,B,+5511900{:05},inbound,,,,,\n",
            i / 60,
            i % 60,
            i
        ));
        rows.push_str(&format!(
            "2024-03-01T00:{:02}:{:02}Z,B,+5511900{:05},outbound,free_form,,delivered,,\n",
            i / 60,
            i % 60,
            i
        ));
    }
    rows.push_str("2024-03-20T10:00:00Z,B,+919876543210,inbound,,,,,\n");
    rows.push_str("2024-03-20T10:00:01Z,B,+919876543210,outbound,free_form,,delivered,,\n");
    // April starts a new allowance.
    rows.push_str("2024-04-01T10:00:00Z,B,+919876543210,inbound,,,,,\n");
    rows.push_str("2024-04-01T10:00:01Z,B,+919876543210,outbound,free_form,,delivered,,\n");
    let (o, lines) = run(&rows);
    let allowance: Vec<_> = lines
        .iter()
        .filter(|c| c.kind == LineKind::Allowance)
        .collect();
    assert_eq!(allowance.len(), 2, "one line per month and market covered");
    assert_eq!(
        (allowance[0].quantity, allowance[0].amount),
        (1000, dec!(-30.0000))
    );
    assert_eq!(allowance[0].pricing_type, FreeTier);
    assert_eq!(
        (allowance[1].quantity, allowance[1].amount),
        (1, dec!(-0.0040))
    );
    assert_eq!(o.ledger.total(), dec!(0.0040));
    assert_eq!(o.ledger.charged(), 1);
    assert_eq!(o.ledger.messages_by_pricing_type()[&FreeTier], 1001);
}

#[test]
fn service_free_from_2024_11_and_charged_from_2026_10() {
    let (o, lines) = run("\
2024-11-05T10:00:00Z,B,+5511987654321,inbound,,,,,
2024-11-05T10:01:00Z,B,+5511987654321,outbound,free_form,,delivered,,
2026-10-05T10:00:00Z,B,+5511987654321,inbound,,,,,
2026-10-05T10:01:00Z,B,+5511987654321,outbound,free_form,,delivered,,
2026-10-05T10:02:00Z,B,+5511987654321,outbound,template,utility,delivered,,
");
    assert_eq!(
        priced(&lines),
        vec![
            (FreeCustomerService, dec!(0)),
            (Regular, dec!(0.0068)),
            (Regular, dec!(0.0068)),
        ]
    );
    // The 2026-10 allowance (1,000 service messages per number per month) covers the one
    // service message; the in-window utility template stays charged.
    let allowance: Vec<_> = lines
        .iter()
        .filter(|c| c.kind == LineKind::Allowance)
        .collect();
    assert_eq!(allowance.len(), 1);
    assert_eq!(allowance[0].category, Category::Service);
    assert_eq!(o.ledger.total(), dec!(0.0068));
}

#[test]
fn allowance_size_and_scope_are_settings() {
    let mut book = RateBook::embedded().unwrap();
    book.regimes.set_allowance(
        chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
        Some(0),
        None,
    );
    let (o, _) = run_with(
        &book,
        "\
2026-10-05T10:00:00Z,B,+5511987654321,inbound,,,,,
2026-10-05T10:01:00Z,B,+5511987654321,outbound,free_form,,delivered,,
",
        ClassifyConfig::default(),
    );
    assert_eq!(o.ledger.total(), dec!(0.0068));
}

#[test]
fn empty_logs_cost_nothing() {
    let (o, lines) = run("");
    assert_eq!(o.ledger.total(), Decimal::ZERO);
    assert!(lines.is_empty());
}

#[test]
fn volume_tiers_add_a_discount_line() {
    let mut book = RateBook::embedded().unwrap();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/meta_tier_pricing_usd.csv");
    // The fixture's Brazil utility bands: 1..1,000,000 at 0.0068, then 0.00646. Load it
    // from a date where the list rate is 0.0068 and shrink the first band by editing the
    // volume: we send 3 utility templates and load a copy whose first band ends at 2.
    let text = std::fs::read_to_string(path)
        .unwrap()
        .replace("\"1,000,000\",List rate,0.0068", "2,List rate,0.0068")
        .replace("\"1,000,001\",MAX", "3,MAX");
    book.load_text(
        &text,
        &wacost::pricing::DataSource::embedded("tiers.csv"),
        Some(chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()),
    )
    .unwrap();
    let (o, lines) = run_with(
        &book,
        "\
2026-02-02T10:00:00Z,B,+5511987654321,outbound,template,utility,delivered,u1,
2026-02-02T10:00:01Z,B,+5511987654322,outbound,template,utility,delivered,u2,
2026-02-02T10:00:02Z,B,+5511987654323,outbound,template,utility,delivered,u3,
",
        ClassifyConfig::default(),
    );
    let tier: Vec<_> = lines
        .iter()
        .filter(|c| c.kind == LineKind::TierDiscount)
        .collect();
    assert_eq!(tier.len(), 1);
    assert_eq!((tier[0].quantity, tier[0].amount), (1, dec!(-0.00034)));
    assert_eq!(o.ledger.total(), dec!(0.0068) * dec!(2) + dec!(0.00646));
}

mod properties {
    use super::*;
    use proptest::prelude::*;
    use wacost::read::canonical::CanonicalReader;

    #[derive(Clone, Debug)]
    struct Ev {
        contact: usize,
        t: i64,
        inbound: bool,
        kind: usize,
        status: usize,
        ad: bool,
    }

    const CONTACTS: [&str; 4] = [
        "+5511987654321",
        "+919876543210",
        "+447700900123",
        "+263771234567",
    ];
    const KINDS: [(&str, &str); 4] = [
        ("template", "marketing"),
        ("template", "utility"),
        ("template", "authentication"),
        ("free_form", ""),
    ];
    const STATUSES: [&str; 4] = ["delivered", "read", "failed", "sent"];
    /// Bases: CBP 2024-03, CBP 2024-11, PMP 2026-02, PMP 2026-10.
    const BASES: [i64; 4] = [1_709_251_200, 1_730_419_200, 1_769_904_000, 1_790_812_800];

    fn ev(ads: bool) -> impl Strategy<Value = Ev> {
        (
            0usize..4,
            0i64..4 * 86_400,
            any::<bool>(),
            0usize..4,
            0usize..4,
            any::<bool>(),
        )
            .prop_map(move |(contact, t, inbound, kind, status, ad)| Ev {
                contact,
                t,
                inbound,
                kind,
                status,
                ad: ad && ads && inbound,
            })
    }

    fn row(e: &Ev, base: i64, id: usize) -> String {
        let (mt, cat) = KINDS[e.kind];
        if e.inbound {
            format!(
                "{},B,{},inbound,,,,e{id},{}\n",
                base + e.t,
                CONTACTS[e.contact],
                if e.ad { "ctwa_ad" } else { "" }
            )
        } else {
            format!(
                "{},B,{},outbound,{mt},{cat},{},e{id},\n",
                base + e.t,
                CONTACTS[e.contact],
                STATUSES[e.status]
            )
        }
    }

    fn log(evs: &[Ev], base: i64, order: impl Fn(&Ev) -> i64) -> String {
        let mut idx: Vec<usize> = (0..evs.len()).collect();
        idx.sort_by_key(|&i| (evs[i].t, order(&evs[i]), i));
        idx.iter().map(|&i| row(&evs[i], base, i)).collect()
    }

    /// A replay of random rows: some fall where a card has no rate (India authentication
    /// before 2024-07-01), priced at 0 as asked so that the invariants are about the rules.
    fn run(rows: &str) -> (Outcome, Vec<Charge>) {
        run_with(
            &RateBook::embedded().unwrap(),
            rows,
            ClassifyConfig {
                missing_rate: wacost::classify::MissingRate::Zero,
                ..ClassifyConfig::default()
            },
        )
    }

    fn total(rows: &str) -> Decimal {
        run(rows).0.ledger.total()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        #[test]
        fn interleaving_of_contacts_does_not_change_the_total(evs in prop::collection::vec(ev(true), 0..40), b in 0usize..4) {
            let a = log(&evs, BASES[b], |e| e.contact as i64);
            let z = log(&evs, BASES[b], |e| -(e.contact as i64));
            prop_assert_eq!(total(&a), total(&z));
            // Listed contact by contact (unsorted): sorted first, same total.
            let mut grouped: Vec<usize> = (0..evs.len()).collect();
            grouped.sort_by_key(|&i| (evs[i].contact, evs[i].t, i));
            let g: String = grouped.iter().map(|&i| row(&evs[i], BASES[b], i)).collect();
            prop_assert_eq!(total(&a), total(&g));
        }

        #[test]
        fn duplicating_every_row_changes_nothing(evs in prop::collection::vec(ev(true), 0..40), b in 0usize..4) {
            let once = log(&evs, BASES[b], |e| e.contact as i64);
            let twice: String = once.lines().flat_map(|l| [l, "\n", l, "\n"]).collect();
            let (o1, _) = run(&once);
            let (o2, _) = run(&twice);
            prop_assert_eq!(o1.ledger.total(), o2.ledger.total());
            prop_assert_eq!(o1.ledger.messages(), o2.ledger.messages());
        }

        /// Without entry points: answering an ad opens a free window, so there an extra
        /// message can make later ones free (Meta's rule, not a bug).
        #[test]
        fn a_delivered_template_never_lowers_the_bill(evs in prop::collection::vec(ev(false), 0..40), b in 0usize..4, extra in ev(false), kind in 0usize..3) {
            let before = total(&log(&evs, BASES[b], |e| e.contact as i64));
            let mut more = evs.clone();
            more.push(Ev { inbound: false, kind, status: 0, ..extra });
            let after = total(&log(&more, BASES[b], |e| e.contact as i64));
            prop_assert!(after >= before, "{} < {}", after, before);
        }

        #[test]
        fn the_reader_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            let mut with_header = HEADER.as_bytes().to_vec();
            with_header.extend_from_slice(&bytes);
            for input in [bytes.as_slice(), with_header.as_slice()] {
                for item in CanonicalReader::new(input, "fuzz.csv") {
                    if let Err(e) = item {
                        prop_assert!(e.to_string().starts_with("fuzz.csv:"));
                    }
                }
            }
        }
    }
}
