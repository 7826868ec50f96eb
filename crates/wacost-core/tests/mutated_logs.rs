//! Issue 11: logs damaged at random, as an attacker (or a bad export) would: every format's
//! fixture with a few bytes replaced, inserted or deleted goes through the whole replay.
//! Whatever the damage, the run either stops with an error naming the log, or prices it with
//! every row accounted for (rows read = outbound priced + inbound + duplicate or status rows
//! + skipped + Business Agent usage lines) and a total equal to the sum of its groups. Never
//! a panic.

use chrono_tz::Tz;
use proptest::prelude::*;
use rust_decimal::Decimal;
use wacost_core::pricing::RateBook;
use wacost_core::pricing::category::Category;
use wacost_core::pricing::phone::ContactNumber;
use wacost_core::read::chat_export::ChatOptions;
use wacost_core::read::detect::FormatOptions;
use wacost_core::replay::{Replay, Source};

/// One fixture per reader: canonical CSV, Cloud API webhooks (JSON array and JSON lines),
/// Twilio CSV and JSON, a chat export, Meta's Business Agent Usage Insights.
const LOGS: [(&str, &str); 7] = [
    (
        "sample_log.csv",
        include_str!("../../../data/sample_log.csv"),
    ),
    (
        "cloudapi_day.json",
        include_str!("../../../tests/data/cloudapi_day.json"),
    ),
    (
        "reconcile_pmp.jsonl",
        include_str!("../../../tests/data/reconcile_pmp.jsonl"),
    ),
    (
        "twilio_export.csv",
        include_str!("../../../tests/data/twilio_export.csv"),
    ),
    (
        "twilio_messages.json",
        include_str!("../../../tests/data/twilio_messages.json"),
    ),
    (
        "chat_android_en.txt",
        include_str!("../../../tests/data/chat_android_en.txt"),
    ),
    (
        "agent_insights_daily.json",
        include_str!("../../../tests/data/agent_insights_daily.json"),
    ),
];

/// Read once: every case prices with the embedded cards.
static BOOK: std::sync::LazyLock<RateBook> =
    std::sync::LazyLock::new(|| RateBook::embedded().expect("embedded data"));

fn formats() -> FormatOptions {
    FormatOptions {
        chat: Some(ChatOptions {
            business_name: "Acme Store".to_string(),
            timezone: Tz::Europe__London,
            business_number: "Acme Store".to_string(),
            contact: ContactNumber::parse("+447700900123").ok(),
            template_category: Category::Utility,
        }),
        ..FormatOptions::default()
    }
}

/// A damage: at a position (taken modulo the log's length), replace, insert or delete.
#[derive(Clone, Debug)]
enum Damage {
    Replace(usize, u8),
    Insert(usize, u8),
    Delete(usize),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Damage::Replace(i, b)),
        // Bytes that matter to the formats, more often than chance would pick them.
        (
            any::<usize>(),
            prop::sample::select(b",;\t\n\r\"{}[]:-+0123456789Z".to_vec())
        )
            .prop_map(|(i, b)| Damage::Insert(i, b)),
        any::<usize>().prop_map(Damage::Delete),
    ]
}

fn apply(log: &str, damages: &[Damage]) -> Vec<u8> {
    let mut bytes = log.as_bytes().to_vec();
    for d in damages {
        let n = bytes.len().max(1);
        match *d {
            Damage::Replace(i, b) if !bytes.is_empty() => bytes[i % n] = b,
            Damage::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), b),
            Damage::Delete(i) if !bytes.is_empty() => {
                bytes.remove(i % n);
            }
            _ => {}
        }
    }
    bytes
}

proptest! {
    // The 1,500 mutated logs of the issue, every run (about 25 s in a debug build).
    #![proptest_config(ProptestConfig::with_cases(1_500))]

    #[test]
    fn a_damaged_log_is_an_error_or_every_row_is_accounted_for(
        which in 0..LOGS.len(),
        damages in prop::collection::vec(damage(), 1..6),
        skip in any::<bool>(),
    ) {
        let book = &*BOOK;
        let (name, log) = LOGS[which];
        let source = Source::Bytes(name.to_string(), apply(log, &damages).into());
        let replay = Replay::new(book).formats(formats()).skip_invalid(skip);
        match replay.logs(&[source]) {
            Err(e) => {
                let message = e.to_string();
                prop_assert!(!message.is_empty());
                // Errors about the log's content name it (a missing rate names the card).
                prop_assert!(
                    message.contains(name) || message.contains("rate card")
                        || message.contains("no rate"),
                    "{message}"
                );
            }
            Ok(o) => {
                let s = &o.stats;
                prop_assert_eq!(
                    o.rows,
                    s.outbound + s.inbound + s.duplicates + o.skipped_total()
                        + o.ledger.agent_usage_lines(),
                    "rows {} outbound {} inbound {} duplicates {} skipped {:?}",
                    o.rows, s.outbound, s.inbound, s.duplicates, o.skipped
                );
                let groups: Decimal = o.ledger.group_by(|k| k.market).values().map(|t| t.amount).sum();
                prop_assert_eq!(groups, o.ledger.total());
            }
        }
    }
}
