//! The `wacost` binary as a user runs it: exit codes, messages, output formats.

mod common;

use common::{stderr, stdout, wacost};

use std::process::Command;

#[test]
fn quote_prints_the_acceptance_figures() {
    let o = wacost(&[
        "quote",
        "--to",
        "+5511987654321",
        "--category",
        "marketing",
        "--at",
        "2026-02-02T10:00:00Z",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("USD 0.0625\n"), "{}", stdout(&o));
    let o = wacost(&[
        "quote",
        "--to",
        "+5511987654321",
        "--category",
        "utility",
        "--in-service-window",
        "--at",
        "2026-02-02T10:00:00Z",
    ]);
    assert!(stdout(&o).starts_with("USD 0\n"), "{}", stdout(&o));
    let o = wacost(&[
        "quote",
        "--to",
        "+5511987654321",
        "--category",
        "utility",
        "--in-service-window",
        "--at",
        "2026-10-15",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["amount"], "0.0068");
    assert_eq!(v["market"], "Brazil");
}

#[test]
fn quote_a_reaction_free_with_its_source() {
    // Meta: a reaction is always free and not counted against the free tier, even where a
    // free-form reply in the window costs the service rate (Brazil, 2026-11: USD 0.0068).
    let o = wacost(&[
        "quote",
        "--to",
        "+5511987654321",
        "--category",
        "reaction",
        "--in-service-window",
        "--at",
        "2026-11-02",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.starts_with("USD 0.0000\n"), "{text}");
    assert!(
        text.contains(
            "  rule: reaction: always free, and not counted against the monthly free tier\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "  note: a reaction is always free and does not count toward the monthly free tier \
             (reported: Meta (quoted by BSPs, read 2026-11-30): reactions are always free and \
             do not count toward the free tier of 1,000 service messages a month)\n"
        ),
        "{text}"
    );
    let o = wacost(&[
        "quote",
        "--to",
        "+5511987654321",
        "--category",
        "reaction",
        "--in-service-window",
        "--at",
        "2026-11-02",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["amount"], "0.0000");
    assert_eq!(v["billable"], false);
    assert_eq!(v["pricing_category"], "service");
    assert_eq!(v["pricing_type"], "free_customer_service");
    assert_eq!(v["rate"], serde_json::Value::Null);
    assert!(
        v["source"]
            .as_str()
            .unwrap()
            .starts_with("Meta (quoted by BSPs, read 2026-11-30): reactions are always free"),
        "{v}"
    );
}

#[test]
fn bad_numbers_and_usage_errors() {
    let o = wacost(&["quote", "--to", "hello", "--category", "marketing"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("is not a phone number"),
        "{}",
        stderr(&o)
    );
    let o = wacost(&["quote", "--to", "+5511987654321"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "missing --category is a usage error"
    );
    let o = wacost(&[
        "quote",
        "--to",
        "+5511987654321",
        "--category",
        "marketing",
        "--at",
        "2022-01-01",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("no pricing rules before 2023-06-01"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn rates_show_provenance() {
    let o = wacost(&[
        "rates",
        "--at",
        "2026-07-15",
        "--market",
        "Hong Kong",
        "--format",
        "csv",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with("market,category,rate,currency,provenance,source,note,effective\n"),
        "{out}"
    );
    assert!(
        out.contains("Hong Kong,marketing,0.0732,USD,estimated,"),
        "{out}"
    );
    let o = wacost(&["rates", "--market", "Atlantis"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("no market \"Atlantis\""),
        "{}",
        stderr(&o)
    );
}

#[test]
fn replay_stops_at_the_first_bad_row() {
    let o = wacost(&["replay", "tests/data/bad_rows.csv"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o).trim(),
        "wacost: tests/data/bad_rows.csv:4: timestamp \"not-a-time\" is neither RFC 3339 (2026-02-02T10:00:00Z) nor Unix seconds"
    );
}

#[test]
fn replay_skips_and_rejects_with_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let rejects = dir.path().join("rejects.csv");
    let out = dir.path().join("out");
    let o = wacost(&[
        "replay",
        "tests/data/bad_rows.csv",
        "--skip-invalid",
        "--rejects",
        rejects.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["skipped"], 3);
    // Counted by the kind of error: the field at fault, or the problem with the row.
    assert_eq!(
        v["skipped_by_reason"],
        serde_json::json!({"category": 1, "timestamp": 1, "wrong number of fields": 1})
    );
    assert_eq!(
        v["total"], "0.0625",
        "marketing charged, utility in the window free"
    );
    assert_eq!(v["messages"], 2);
    assert_eq!(v["charged"], 1);
    assert_eq!(v["currency"], "USD");
    assert_eq!(v["by_category"]["marketing"]["amount"], "0.0625");
    assert_eq!(v["estimated_rates_used"], 0);
    let r = std::fs::read_to_string(&rejects).unwrap();
    let lines: Vec<&str> = r.lines().collect();
    assert_eq!(lines.len(), 4, "{r}");
    assert!(
        lines[1].starts_with("tests/data/bad_rows.csv,4,\"timestamp"),
        "{r}"
    );
    assert!(
        lines[3].contains("expected 8 fields like the header, found 5"),
        "{r}"
    );
    for f in [
        "lines.csv",
        "lines.parquet",
        "ledger.parquet",
        "summary.json",
    ] {
        assert!(out.join(f).is_file(), "{f} written");
    }
    let lines_csv = std::fs::read_to_string(out.join("lines.csv")).unwrap();
    assert_eq!(lines_csv.lines().count(), 3, "header and two message lines");
    assert!(
        lines_csv.contains("+55*********21"),
        "contacts masked by default"
    );
}

#[test]
fn messages_name_the_options_that_fix_them() {
    let dir = tempfile::tempdir().unwrap();
    let odd = dir.path().join("odd.txt");
    std::fs::write(&odd, "hello world\n").unwrap();
    let o = wacost(&["replay", odd.to_str().unwrap(), "--skip-invalid"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o).trim(),
        format!(
            "wacost: {}:1: cannot tell the format of this log: give --input-format \
             canonical|cloud-api|twilio|chat-export|parquet",
            odd.display()
        )
    );
    let o = wacost(&["replay", "tests/data/chat_android_en.txt"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o).trim(),
        "wacost: tests/data/chat_android_en.txt:1: cannot read a chat export without \
         --business-name (the author who is the business) to tell inbound from outbound"
    );
    let o = wacost(&["replay", "tests/data/bad_rows.csv", "--currency", "EUR"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o).trim(),
        "wacost: tests/data/bad_rows.csv:2: message at 2026-02-02T10:00:00+00:00: no EUR rate \
         card in force on 2026-02-02: the first EUR card starts 2026-07-01; load one with --rate-card FILE \
         --effective DATE"
    );
    let tiers = dir.path().join("Tier Pricing.csv");
    let text = std::fs::read_to_string("tests/data/meta_tier_pricing_usd.csv").unwrap();
    std::fs::write(
        &tiers,
        text.replace("Rates effective July 1, 2025", "Rates"),
    )
    .unwrap();
    let o = wacost(&["rates", "--rate-card", tiers.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o).trim(),
        format!(
            "wacost: {}:1: cannot tell when the tiers take effect; give --effective YYYY-MM-DD",
            tiers.display()
        )
    );
}

#[test]
fn replay_reads_stdin_and_empty_logs() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_wacost"))
        .args(["replay", "-", "--format", "json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"timestamp,business,contact,direction\n")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (v["total"].as_str(), v["messages"].as_u64()),
        (Some("0"), Some(0))
    );
}

#[test]
fn arbitrary_bytes_never_crash_replay() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("junk.csv");
    let mut bytes: Vec<u8> = b"timestamp,business,contact,direction\n".to_vec();
    bytes.extend((0..2000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    std::fs::write(&p, &bytes).unwrap();
    let o = wacost(&["replay", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let o = wacost(&["replay", p.to_str().unwrap(), "--skip-invalid"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}
