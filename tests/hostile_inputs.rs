//! Hostile inputs (issue 11): one case per defect found by trying wacost as an attacker
//! would, each asserting the exact error or the exact total. Fixtures are small files under
//! `tests/data/hostile/`; large inputs are generated in the test.
//!
//! Rates used (embedded USD cards): Brazil marketing 0.0625 on the card of 2026-01-01;
//! India authentication has no rate on the card of 2023-06-01 (Meta priced it from
//! 2024-07-01 only).

mod common;

use common::{stderr, stdout, wacost};
use serde_json::Value;

const HOSTILE: &str = "tests/data/hostile";

fn fixture(name: &str) -> String {
    format!("{HOSTILE}/{name}")
}

/// `wacost replay ARGS --format json` that must succeed: its summary.
fn replay_json(args: &[&str]) -> Value {
    let mut all = vec!["replay"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let o = wacost(&all);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// `wacost ARGS` that must fail with exit 1: its one-line message.
fn failure(args: &[&str]) -> String {
    let o = wacost(args);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    stderr(&o).trim().to_string()
}

/// The counts of a summary that account for its rows.
fn counts(v: &Value) -> [u64; 6] {
    [
        "rows_read",
        "messages",
        "inbound",
        "duplicates",
        "skipped",
        "charged",
    ]
    .map(|k| v[k].as_u64().unwrap_or_else(|| panic!("{k}: {v}")))
}

// Item 2: a quote opened and never closed swallowed the following rows (4 rows, 2 priced, 0
// skipped, exit 0). It is the bad row of the line where it began.
#[test]
fn an_open_quote_is_the_bad_row_of_its_line() {
    let f = fixture("open_quote.csv");
    assert_eq!(
        failure(&["replay", &f]),
        format!(
            "wacost: {f}:3: a quoted field runs past the end of its line: close its quote (a \
             field cannot hold a line break)"
        )
    );
    // Skipped, the other three rows are priced: 3 × Brazil marketing 0.0625.
    let v = replay_json(&[&f, "--skip-invalid"]);
    assert_eq!(v["total"], "0.1875");
    // rows read = priced + inbound + duplicates + skipped: 4 = 3 + 0 + 0 + 1.
    assert_eq!(counts(&v), [4, 3, 0, 0, 1, 3]);
    assert_eq!(v["skipped_by_reason"].as_object().unwrap().len(), 1);
}

// Item 3: a chat line with a time that does not exist was glued to the previous message.
#[test]
fn a_chat_time_that_does_not_exist_is_an_error() {
    let f = fixture("chat_bad_time.txt");
    let args = ["replay", &f, "--business-name", "Acme Store"];
    assert_eq!(
        failure(&args),
        format!("wacost: {f}:3: time 25:16 does not exist")
    );
    // Skipped, it is a counted row: the business's reply inside the window is free.
    let v = replay_json(&[&f, "--business-name", "Acme Store", "--skip-invalid"]);
    assert_eq!(v["total"], "0");
    assert_eq!(counts(&v), [3, 1, 1, 0, 1, 0]);
}

// Item 4: a status coming more than a week (the dedup horizon) after its message was priced
// charged it again. w1 is priced on 02-02; w2 on 02-09 pushes w1 out of the contact's recent
// ids; w1's `read` on 02-10 is a late status: counted, not charged.
#[test]
fn a_status_after_a_week_is_not_charged_again() {
    let v = replay_json(&[&fixture("late_status.csv")]);
    assert_eq!(v["total"], "0.1250", "w1 and w2 once each: 2 × 0.0625");
    assert_eq!(counts(&v), [3, 2, 0, 1, 0, 2]);
    assert_eq!(v["late_status"], 1);
}

// Item 5: whether a message delivered 24.5 h after `sent` was charged depended on whether
// another row of its contact came in between. It is decided by its own status rows.
#[test]
fn a_late_delivery_is_charged_whatever_comes_between() {
    let alone = replay_json(&[&fixture("late_delivery.csv")]);
    let between = replay_json(&[&fixture("late_delivery_between.csv")]);
    assert_eq!(alone["total"], "0.0625");
    assert_eq!(between["total"], "0.0625");
    assert_eq!(counts(&alone), [2, 1, 0, 1, 0, 1]);
    assert_eq!(counts(&between), [3, 1, 1, 1, 0, 1]);
    // Delivered three days later, after another message of the contact released w1 as not
    // delivered: a late_delivery correction line charges it, and the lines still sum to the
    // total (w1 0.0625 + w2 0.0625).
    let days = replay_json(&[&fixture("late_delivery_days.csv")]);
    assert_eq!(days["total"], "0.1250");
    assert_eq!(days["late_deliveries"], 1);
    assert_eq!(counts(&days), [3, 2, 0, 1, 0, 2]);
    let o = wacost(&["replay", &fixture("late_delivery_days.csv")]);
    assert!(
        stdout(&o).contains(
            "late deliveries: 1 messages charged when their delivery report came after they \
             were priced as not delivered"
        ),
        "{}",
        stdout(&o)
    );
}

// Item 6 (and 16, a pricing error lacked file:line and ignored --skip-invalid): India
// authentication before 2024-07-01 was priced at 0 with only a note.
#[test]
fn a_missing_rate_is_an_error_unless_asked() {
    let f = fixture("missing_rate.csv");
    assert_eq!(
        failure(&["replay", &f]),
        format!(
            "wacost: {f}:2: message at 2024-03-01T10:00:00+00:00: no authentication rate for \
             India on the USD card of 2023-06-01 (message of 2024-03-01): the card in force has \
             none; load a card that has it with --rate-card FILE, price such messages at 0 with \
             --missing-rate zero, or skip them with --skip-invalid"
        )
    );
    // Priced at 0 as asked: counted in the headline. The Brazil marketing message on the
    // card of 2023-06-01 is 0.0625.
    let v = replay_json(&[&f, "--missing-rate", "zero"]);
    assert_eq!(v["total"], "0.0625");
    assert_eq!(v["missing_rate"], 1);
    assert_eq!(counts(&v), [2, 2, 0, 0, 0, 1]);
    let o = wacost(&["replay", &f, "--missing-rate", "zero"]);
    assert!(
        stdout(&o)
            .contains("priced at 0: 1 charged messages whose card has no rate for them (as asked)"),
        "{}",
        stdout(&o)
    );
    // Skipped like an unreadable row.
    let v = replay_json(&[&f, "--skip-invalid"]);
    assert_eq!(v["total"], "0.0625");
    assert_eq!(counts(&v), [2, 1, 0, 0, 1, 1]);
}

// Item 8: rate cards accepted with silent errors.
#[test]
fn rate_cards_with_silent_errors_are_refused() {
    let cases = [
        (
            "pricing_decimal_comma.csv",
            "4: Brazil marketing: \"0,0600\" is not a rate (a decimal or n/a)",
        ),
        (
            "pricing_twice.csv",
            "5: Brazil appears twice: one row per market",
        ),
        (
            "pricing_unknown_market.csv",
            "4: unknown market \"Brasil\": not a market of the market map (data/markets.csv) \
             or of the embedded cards",
        ),
        (
            "card_unknown_currency.csv",
            "3: currency XYZ is not one Meta publishes rate cards in (USD, EUR, GBP, INR, IDR, \
             AUD, MXN, BRL, AED, SGD, MYR, SAR)",
        ),
        (
            "card_negative.csv",
            "7: rate \"-0.0070\" is not a non-negative decimal",
        ),
        (
            "card_absurd.csv",
            "7: rate 12.50 USD is over 10 USD a message (about USD 10): not a plausible rate (a \
             decimal comma, a rate in cents?)",
        ),
        (
            "tiers_overlap.csv",
            "4: Brazil utility: band from 1 to 1000000 overlaps the band from 900001: a \
             message would be counted in both",
        ),
    ];
    for (file, error) in cases {
        let f = fixture(file);
        assert_eq!(
            failure(&["replay", "data/sample_log.csv", "--rate-card", &f]),
            format!("wacost: {f}:{error}"),
            "{file}"
        );
    }
}

// Item 12: a line or a header longer than the limit (1 MiB unless told) stops the run at its
// line, in every line-based reader, with bounded memory.
#[test]
fn lines_and_headers_are_capped() {
    let dir = tempfile::tempdir().unwrap();
    let long = dir.path().join("long.csv");
    let mut text = std::fs::read_to_string(fixture("open_quote.csv"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    text.push_str("\n2026-02-02T10:00:00Z,");
    text.push_str(&"x".repeat(2 << 20));
    text.push('\n');
    std::fs::write(&long, &text).unwrap();
    let p = long.display();
    assert_eq!(
        failure(&["replay", &long.to_string_lossy()]),
        format!(
            "wacost: {p}:2: line longer than 1048576 bytes: a broken file, or not a log of this \
             format (a longer limit: --max-line-bytes BYTES)"
        )
    );
    assert_eq!(
        failure(&[
            "replay",
            &long.to_string_lossy(),
            "--max-line-bytes",
            "4194304"
        ]),
        format!("wacost: {p}:2: expected 8 fields like the header, found 2")
    );
    // Ten million columns: the header is over the limit.
    let wide = dir.path().join("wide.csv");
    let mut header = "a,".repeat(10_000_000);
    header.push_str("a\n");
    std::fs::write(&wide, header).unwrap();
    for format in ["canonical", "twilio", "chat-export"] {
        assert_eq!(
            failure(&[
                "replay",
                &wide.to_string_lossy(),
                "--input-format",
                format,
                "--business-name",
                "Acme Store",
            ]),
            format!(
                "wacost: {}:1: line longer than 1048576 bytes: a broken file, or not a log of \
                 this format (a longer limit: --max-line-bytes BYTES)",
                wide.display()
            ),
            "{format}"
        );
    }
    // An endless input without a line end.
    if std::path::Path::new("/dev/zero").exists() {
        assert_eq!(
            failure(&["replay", "/dev/zero", "--input-format", "canonical"]),
            "wacost: /dev/zero:1: line longer than 1048576 bytes: a broken file, or not a log \
             of this format (a longer limit: --max-line-bytes BYTES)"
        );
    }
}

// Item 16: CR-only line ends (old Mac) gave the wrong line numbers.
#[test]
fn cr_only_line_ends_give_the_right_line() {
    let f = fixture("cr_only.csv");
    assert_eq!(
        failure(&["replay", &f]),
        format!(
            "wacost: {f}:3: timestamp \"not-a-time\" is neither RFC 3339 \
             (2026-02-02T10:00:00Z) nor Unix seconds"
        )
    );
    let v = replay_json(&[&f, "--skip-invalid"]);
    // o1 and o3, two marketing templates: 2 × 0.0625.
    assert_eq!(v["total"], "0.1250");
    assert_eq!(counts(&v), [3, 2, 0, 0, 1, 2]);
}

// Item 16: UTF-16 input is named as such.
#[test]
fn utf16_is_named() {
    let f = fixture("utf16.csv");
    assert_eq!(
        failure(&["replay", &f]),
        format!("wacost: {f}:1: the file is UTF-16 (little-endian) text: save it as UTF-8")
    );
}

// Item 16: a chat export whose authors are names, without --chat-contact, silently became
// +1 555 000 0000.
#[test]
fn a_chat_without_its_contact_says_so() {
    let f = fixture("chat_named.txt");
    assert_eq!(
        failure(&["replay", &f, "--business-name", "Acme Store"]),
        format!(
            "wacost: {f}:1: the author \"Jane Doe\" is a name, not a phone number: the \
             contact's number is needed to find the market its messages are priced in: give it \
             with --chat-contact NUMBER"
        )
    );
    let v = replay_json(&[
        &f,
        "--business-name",
        "Acme Store",
        "--chat-contact",
        "+447700900123",
    ]);
    assert_eq!(v["total"], "0", "a reply inside the window is free");
    assert_eq!(counts(&v), [2, 1, 1, 0, 0, 0]);
}

// Item 10: an analytics cost of 28 digits made a sum overflow (a panic). Amounts read are
// bounded (10^15), so every sum of them is exact; a larger one is an error at its byte.
#[test]
fn an_absurd_analytics_cost_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("tests/data/reconcile_pmp_analytics.json").unwrap();
    let p = dir.path().join("analytics.json");
    std::fs::write(
        &p,
        text.replacen(
            "\"cost\": 0.06",
            "\"cost\": 1234567890123456789012345678",
            1,
        ),
    )
    .unwrap();
    let err = failure(&[
        "reconcile",
        "tests/data/reconcile_pmp.jsonl",
        "--analytics",
        &p.to_string_lossy(),
    ]);
    // serde_json reads a JSON number of 28 digits as the nearest f64.
    assert_eq!(
        err,
        format!(
            "wacost: {}: byte 0: pricing_analytics.data[0].data_points[2]: cost \
             1.2345678901234567e+27 is over 10^15: not a cost",
            p.display()
        )
    );
}
