//! Every input format, replayed through the binary as a user runs it: fixtures with a
//! hand-computed total (rates from data/ratecards/, USD, WABA time zone UTC), truncated files
//! that name their line (or byte, for JSON), and arbitrary bytes that give an error, never a
//! panic.

mod common;

use common::wacost;

use std::io::Cursor;
use std::path::Path;
use std::process::Output;

use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::Value;
use wacost::read::chat_export::ChatOptions;
use wacost::read::detect::{AnyReader, FormatOptions, InputFormat};
use wacost::read::twilio::TwilioOptions;

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).trim().to_string()
}

/// `wacost replay ARGS --format json`: the summary.
fn replay(args: &[&str]) -> Value {
    let mut all = vec!["replay"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let o = wacost(&all);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn total(v: &Value) -> Decimal {
    v["total"].as_str().unwrap().parse().unwrap()
}

/// The sample log as a spreadsheet saves it: `sep` between fields, a byte order mark, CRLF
/// line ends, and the header as people write it.
fn spreadsheet_copy(dir: &Path, name: &str, sep: &str, header: &str) -> String {
    let text = std::fs::read_to_string("data/sample_log.csv").expect("sample log");
    let mut out = format!("\u{feff}{header}\r\n");
    for line in text.lines().skip(1) {
        assert!(!line.contains(sep) && !line.contains('"'), "{line}");
        out.push_str(&line.replace(',', sep));
        out.push_str("\r\n");
    }
    let path = dir.join(name);
    std::fs::write(&path, out).expect("written");
    path.to_string_lossy().into_owned()
}

#[test]
fn csv_dialects_of_spreadsheets_price_as_the_canonical_file() {
    let canonical = replay(&["data/sample_log.csv"]);
    assert_eq!(total(&canonical), dec!(0.8573));
    let tmp = tempfile::tempdir().expect("temp dir");
    let dialects = [
        (
            "semicolons.csv",
            ";",
            "Timestamp;Business;Contact;Direction;Message Type;Category;Status;Message ID;Entry Point",
        ),
        (
            "tabs.csv",
            "\t",
            "TIMESTAMP\tbusiness\tContact\tdirection\tmessage-type\tCategory\tstatus\tmessage id\tentry_point",
        ),
    ];
    for (name, sep, header) in dialects {
        let path = spreadsheet_copy(tmp.path(), name, sep, header);
        let v = replay(&[&path]);
        assert_eq!(total(&v), dec!(0.8573), "{name}");
        assert_eq!(v["messages"], canonical["messages"], "{name}");
        assert_eq!(v["skipped"], 0, "{name}");
    }
    // A workbook is refused with what to do, not dumped to the terminal.
    let xlsx = tmp.path().join("log.xlsx");
    std::fs::write(&xlsx, b"PK\x03\x04\x14\x00\x06\x00binary workbook bytes").expect("written");
    let o = wacost(&["replay", &xlsx.to_string_lossy()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    assert!(
        stderr(&o).ends_with(
            "log.xlsx:1: this is an Excel workbook (.xlsx), not a CSV log: save the sheet as CSV \
             (File > Save As > CSV UTF-8) and give that file"
        ),
        "{}",
        stderr(&o)
    );
}

/// A fixture of tests/data/dialects/.
fn dialect(name: &str) -> String {
    format!("tests/data/dialects/{name}")
}

/// A run's notes.
fn notes(v: &Value) -> Vec<String> {
    v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect()
}

/// The sample log's figures, the same in every dialect: USD 0.8573, every row read.
fn assert_sample_total(v: &Value, canonical: &Value, what: &str) {
    assert_eq!(total(v), dec!(0.8573), "{what}");
    assert_eq!(v["messages"], canonical["messages"], "{what}");
    assert_eq!(v["rows_read"], canonical["rows_read"], "{what}");
    assert_eq!(v["rows_read"], 325, "{what}");
    assert_eq!(v["skipped"], 0, "{what}");
}

#[test]
fn a_delimiter_given_reads_what_detection_cannot() {
    let canonical = replay(&["data/sample_log.csv"]);
    let pipes = dialect("pipes.csv");
    assert_sample_total(&replay(&[&pipes, "--delimiter", "|"]), &canonical, "|");
    // Not told, `|` is no separator: the header is one cell and the format unknown.
    let o = wacost(&["replay", &pipes]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).starts_with(
            "wacost: tests/data/dialects/pipes.csv:1: cannot tell the format of this log"
        ),
        "{}",
        stderr(&o)
    );
    // A comma given for a semicolon file overrides detection: the header has no columns.
    let o = wacost(&["replay", &dialect("day_first.csv"), "--delimiter", ","]);
    assert_eq!(o.status.code(), Some(1));
    // A bad separator is a usage error before anything is read.
    let o = wacost(&["replay", &pipes, "--delimiter", "::"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with(
            "error: invalid value '::' for '--delimiter <CHAR>': \"::\" is not a field \
             separator: give one of , ; | or a tab (\\t or tab)"
        ),
        "{}",
        stderr(&o)
    );
    // The tab, spelled as a user can type it, on every command that reads logs.
    let tabs = tempfile::tempdir().expect("temp dir");
    let path = spreadsheet_copy(
        tabs.path(),
        "tabs.tsv",
        "\t",
        "timestamp\tbusiness\tcontact\tdirection\tmessage_type\tcategory\tstatus\tmessage_id\tentry_point",
    );
    for spelled in ["\\t", "tab", "\t"] {
        assert_sample_total(
            &replay(&[&path, "--delimiter", spelled]),
            &canonical,
            spelled,
        );
    }
    let o = wacost(&["compare", "--log", &pipes, "--delimiter", "|"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn timestamps_without_an_offset_are_read_in_the_wabas_zone_and_said() {
    let canonical = replay(&["data/sample_log.csv"]);
    for (name, zone) in [
        ("local_seconds.csv", "UTC"),
        ("local_minutes.csv", "UTC"),
        // The sample log's days keep their prices three hours later: same total.
        ("local_minutes.csv", "America/Sao_Paulo"),
    ] {
        let path = dialect(name);
        let v = replay(&[&path, "--timezone", zone]);
        assert_sample_total(&v, &canonical, name);
        assert!(
            notes(&v).contains(&format!(
                "{path}: 325 timestamps without a UTC offset were read in {zone}"
            )),
            "{name}: {:?}",
            notes(&v)
        );
    }
    // The canonical file has offsets: nothing to say.
    assert!(!notes(&canonical).iter().any(|n| n.contains("UTC offset")));
}

#[test]
fn the_zone_moves_a_message_into_the_customer_service_window() {
    // tests/data/dialects/new_york_dst.csv (North America, card of 2026-01-01: marketing
    // 0.0250, utility 0.0034): the contact writes on Saturday 2026-03-07 at 10:30, a utility
    // template follows on Sunday 2026-03-08 at 10:45, a marketing one at 11:00, and another
    // on 2026-11-01 at 01:30.
    let path = dialect("new_york_dst.csv");
    // Read in UTC the template is 24 h 15 min after the message: outside the window, charged.
    // 2 × 0.0250 + 0.0034 = 0.0534.
    let utc = replay(&[&path, "--timezone", "UTC"]);
    assert_eq!(total(&utc), dec!(0.0534));
    assert_eq!(utc["by_category"]["utility"]["amount"], "0.0034");
    // In New York the clocks go forward at 02:00 on 2026-03-08: 15:30Z to 14:45Z is
    // 23 h 15 min, inside the window: the utility template is free. 2 × 0.0250 = 0.0500.
    let ny = replay(&[&path, "--timezone", "America/New_York"]);
    assert_eq!(total(&ny), dec!(0.0500));
    assert_eq!(ny["messages_by_pricing_type"]["free_customer_service"], 1);
    // 01:30 on 2026-11-01 happens twice there (clocks set back at 02:00): the first, said.
    assert_eq!(
        notes(&ny),
        vec![format!(
            "{path}: 4 timestamps without a UTC offset were read in America/New_York; 1 fell \
             in the hour the clocks are set back and was taken at the first of its two instants"
        )]
    );
    // 02:30 on 2026-03-08 never happens in New York: an error at its line, not a guess.
    let o = wacost(&[
        "replay",
        &dialect("new_york_gap.csv"),
        "--timezone",
        "America/New_York",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "wacost: tests/data/dialects/new_york_gap.csv:3: timestamp \"2026-03-08 02:30:00\" \
         does not exist in America/New_York (the clocks were set forward at that hour): write \
         it with its UTC offset, or give the zone the log was written in with --timezone"
    );
}

/// A Parquet log whose timestamps are text without an offset is read in the WABA's zone and
/// says so, as the same rows in CSV are (the CSV test above, hand-computed there).
#[test]
fn a_parquet_log_reads_wall_clock_times_in_the_wabas_zone() {
    use polars::prelude::*;
    let csv = std::fs::read_to_string(dialect("new_york_dst.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let columns: Vec<Column> = header
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let cells: Vec<&str> = rows.iter().map(|r| r[i]).collect();
            Column::new((*name).into(), cells)
        })
        .collect();
    let mut df = DataFrame::new_infer_height(columns).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new_york_dst.parquet");
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .finish(&mut df)
        .unwrap();
    let p = path.to_str().unwrap();
    assert_eq!(total(&replay(&[p, "--timezone", "UTC"])), dec!(0.0534));
    let ny = replay(&[p, "--timezone", "America/New_York"]);
    assert_eq!(total(&ny), dec!(0.0500));
    assert_eq!(
        notes(&ny),
        vec![format!(
            "{p}: 4 timestamps without a UTC offset were read in America/New_York; 1 fell \
             in the hour the clocks are set back and was taken at the first of its two instants"
        )]
    );
}

#[test]
fn a_date_format_reads_day_first_timestamps() {
    let canonical = replay(&["data/sample_log.csv"]);
    let path = dialect("day_first.csv");
    let v = replay(&[&path, "--date-format", "%d/%m/%Y %H:%M"]);
    assert_sample_total(&v, &canonical, "day first");
    assert!(
        notes(&v).contains(&format!(
            "{path}: 325 timestamps without a UTC offset were read in UTC with the date format \
             \"%d/%m/%Y %H:%M\""
        )),
        "{:?}",
        notes(&v)
    );
    // Month first: 02/02 to 12/02 read as other dates, until 13/02 (line 130) cannot be
    // one; an error at that line, naming the format.
    let o = wacost(&["replay", &path, "--date-format", "%m/%d/%Y %H:%M"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "wacost: tests/data/dialects/day_first.csv:130: timestamp \"13/02/2026 07:30\" does \
         not match the date format \"%m/%d/%Y %H:%M\" (given with --date-format)"
    );
    // A format that cannot be used is refused before anything is read.
    let o = wacost(&["replay", &path, "--date-format", "%d/%m/%Y"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with(
            "error: invalid value '%d/%m/%Y' for '--date-format <FMT>': the date format \
             \"%d/%m/%Y\" does not read back a date and a time of day"
        ),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_folder_of_csv_files_is_one_log() {
    let canonical = replay(&["data/sample_log.csv"]);
    let folder = dialect("folder");
    let v = replay(&[&folder]);
    assert_sample_total(&v, &canonical, "folder");
    assert_eq!(v["by_day"], canonical["by_day"]);
    assert!(
        notes(&v).contains(&format!(
            "{folder}: 1 entry is not a log file (.csv, .tsv, .json, .jsonl, .ndjson) and not \
             read: README.txt"
        )),
        "{:?}",
        notes(&v)
    );
    // Each file has its own header and its own lines: a bad row names its file.
    let tmp = tempfile::tempdir().expect("temp dir");
    let header = "timestamp,business,contact,direction,message_type,category\n";
    std::fs::write(
        tmp.path().join("a.csv"),
        format!(
            "{header}2026-02-02T10:00:00Z,+15550100001,+12125550101,outbound,template,marketing\n"
        ),
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("b.csv"),
        format!(
            "{header}2026-02-02T11:00:00Z,+15550100001,+12125550101,sideways,template,marketing\n"
        ),
    )
    .unwrap();
    std::fs::write(tmp.path().join(".DS_Store"), b"\x00\x00\x00\x01Bud1").unwrap();
    let o = wacost(&["replay", &tmp.path().to_string_lossy()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).ends_with("b.csv:2: direction \"sideways\" is neither inbound nor outbound"),
        "{}",
        stderr(&o)
    );
    let v = replay(&[&tmp.path().to_string_lossy(), "--skip-invalid"]);
    assert_eq!(total(&v), dec!(0.0250));
    assert_eq!(v["rows_read"], 2);
    assert_eq!(v["skipped"], 1);
    // A folder without a log file is an error that says what it looked for.
    let empty = tempfile::tempdir().expect("temp dir");
    std::fs::write(empty.path().join("README.txt"), "notes").unwrap();
    let o = wacost(&["replay", &empty.path().to_string_lossy()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).ends_with("no log files (.csv, .tsv, .json, .jsonl, .ndjson) in this folder"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn cloud_api_day() {
    // tests/data/cloudapi_day.json, 2026-02-02 (PMP; card of 2026-01-01):
    // - Ana (BR) writes from a click-to-WhatsApp ad at 09:00; the free-form reply at 09:05
    //   opens a 72 h free entry point window: free; the utility template at 09:30 (its v24
    //   `read` has no pricing; its `delivered` arrives twice) is inside it: free.
    // - Marketing template to GB at 10:00, v24 (no `conversation`), `read` without
    //   `delivered`: United Kingdom marketing 0.0529.
    // - Free-form to DE at 11:00: failed with 131047, not charged.
    // - Authentication template to IN at 12:00, its `read` arriving before its `sent`:
    //   India authentication 0.0014.
    // - Bruno (BR) writes at 13:00, the free-form reply a minute later: free (service).
    // Total 0.0529 + 0.0014 = 0.0543.
    let v = replay(&["tests/data/cloudapi_day.json"]);
    assert_eq!(total(&v), dec!(0.0543));
    assert_eq!(v["messages"], 6);
    assert_eq!(v["charged"], 2);
    // Status rows after the first of each message: a1 1, a2 3 (delivered, its duplicate,
    // read), b1 1, d1 1, e1 1.
    assert_eq!(v["duplicates"], 7);
    // An eligible business located outside India pays authentication-international there:
    // 0.0529 + 0.0280 = 0.0809.
    let v = replay(&[
        "tests/data/cloudapi_day.json",
        "--business-country",
        "US",
        "--auth-international-eligible",
    ]);
    assert_eq!(total(&v), dec!(0.0809));
}

#[test]
fn twilio_export_mixing_inbound_outbound_and_failed() {
    // tests/data/twilio_export.csv, 2026-02-02 (card of 2026-01-01):
    // - inbound from BR at 10:00; outbound-reply at 10:01 inside the window: free;
    // - outbound-api "Your code is 481516" at 11:00: the template map makes it an
    //   authentication template: Brazil authentication 0.0068;
    // - outbound-api to GB at 12:00, read: a marketing template (--template-category):
    //   United Kingdom marketing 0.0529;
    // - outbound-api to IN at 13:00, failed: not charged; the SMS row is skipped.
    // Total 0.0068 + 0.0529 = 0.0597.
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("templates.csv");
    std::fs::write(&map, "# pattern,category\nYour code is,authentication\n").unwrap();
    let v = replay(&[
        "tests/data/twilio_export.csv",
        "--template-category",
        "marketing",
        "--template-map",
        map.to_str().unwrap(),
    ]);
    assert_eq!(total(&v), dec!(0.0597));
    assert_eq!(v["messages"], 4);
    // The same export saved by a spreadsheet with `;` and CRLF (told from the header), and
    // with `|` (given): the same total.
    for (name, given) in [
        ("twilio_semicolons.csv", None),
        ("twilio_pipes.csv", Some("|")),
    ] {
        let path = dialect(name);
        let mut args = vec![
            path.as_str(),
            "--template-category",
            "marketing",
            "--template-map",
            map.to_str().unwrap(),
        ];
        if let Some(d) = given {
            args.extend(["--delimiter", d]);
        }
        let d = replay(&args);
        assert_eq!(total(&d), dec!(0.0597), "{name}");
        assert_eq!(d["messages"], v["messages"], "{name}");
        assert_eq!(d["rows_read"], v["rows_read"], "{name}");
    }
    let notes = v["notes"].to_string();
    assert!(
        notes.contains(
            "2 outbound messages taken as templates of the default category, 1 as free-form, 1 \
             matched a mapping pattern"
        ),
        "{notes}"
    );
    // Without options every outbound message is free-form: the reply and the code are inside
    // the window (free), the GB message has no window (Meta would reject it): 0.
    let v = replay(&["tests/data/twilio_export.csv"]);
    assert_eq!(total(&v), dec!(0));
    // The Message-resource page: a queued (never delivered) template and an inbound: 0.
    let v = replay(&[
        "tests/data/twilio_messages.json",
        "--template-category",
        "marketing",
    ]);
    assert_eq!(total(&v), dec!(0));
    assert_eq!(v["messages"], 1);
}

#[test]
fn chat_exports_in_three_locales() {
    // English (Android, day-first, London): the business answers inside the window (free),
    // then writes two days after Jane's last message: a utility template on 2026-01-14,
    // United Kingdom utility 0.0220; its last reply is inside the window again: free.
    let v = replay(&[
        "tests/data/chat_android_en.txt",
        "--business-name",
        "Acme Store",
        "--chat-contact",
        "+447700900123",
        "--chat-timezone",
        "Europe/London",
        "--template-category",
        "utility",
    ]);
    assert_eq!(total(&v), dec!(0.0220));
    assert_eq!(v["messages"], 3);
    // German (iOS, bracketed, Berlin; 03.02/05.02 are day-first by assumption): the
    // invoice on 2026-02-05 is outside the window: Germany utility 0.0550.
    let v = replay(&[
        "tests/data/chat_ios_de.txt",
        "--business-name",
        "Acme Store",
        "--chat-timezone",
        "Europe/Berlin",
        "--template-category",
        "utility",
    ]);
    assert_eq!(total(&v), dec!(0.0550));
    assert!(
        v["notes"]
            .to_string()
            .contains("dates read day-first (assumed"),
        "{}",
        v["notes"]
    );
    // Spanish (Android, 12 h "p. m.", Mexico City): the shipping notice on 2026-01-27 is
    // outside the window, a marketing template by --template-category: Mexico marketing
    // 0.0305.
    let v = replay(&[
        "tests/data/chat_android_es_12h.txt",
        "--business-name",
        "Tienda Acme",
        "--chat-timezone",
        "America/Mexico_City",
        "--template-category",
        "marketing",
    ]);
    assert_eq!(total(&v), dec!(0.0305));
}

fn parquet_log(path: &Path, timestamps: &[i64]) {
    use polars::prelude::*;
    let n = timestamps.len();
    let mut df = df!(
        "timestamp" => timestamps,
        "business" => vec!["15550100001"; n],
        "contact" => ["+5511987654321", "+5511987654321", "+5511987654321", "+919812345678", "+4915112345678"],
        "direction" => ["inbound", "outbound", "outbound", "outbound", "outbound"],
        "message_type" => ["", "template", "template", "template", "template"],
        "category" => ["", "utility", "marketing", "utility", "authentication"],
        "status" => ["", "delivered", "read", "failed", "delivered"],
        "message_id" => ["in1", "u1", "m1", "u2", "a1"],
    )
    .unwrap();
    let file = std::fs::File::create(path).unwrap();
    ParquetWriter::new(file).finish(&mut df).unwrap();
}

#[test]
fn parquet_with_the_canonical_columns() {
    // 2026-02-02 (card of 2026-01-01): an inbound from BR at 10:00, a utility template in its
    // window (free), a marketing template read (Brazil marketing 0.0625), a utility template
    // to IN that failed (0), an authentication template to DE (Germany authentication
    // 0.0550). Total 0.0625 + 0.0550 = 0.1175.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("log.parquet");
    let t = 1_770_026_400;
    parquet_log(&p, &[t, t + 60, t + 120, t + 180, t + 240]);
    let v = replay(&[p.to_str().unwrap()]);
    assert_eq!(total(&v), dec!(0.1175));
    assert_eq!(v["charged"], 2);
    // Truncated: the file cannot be read, line 1 (Parquet has no lines to point at).
    let bytes = std::fs::read(&p).unwrap();
    let cut = dir.path().join("cut.parquet");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let o = wacost(&["replay", cut.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).starts_with(&format!(
            "wacost: {}:1: cannot read: not a readable Parquet file",
            cut.display()
        )),
        "{}",
        stderr(&o)
    );
}

/// Writes the first `keep` bytes of a fixture to a temporary file and replays it.
fn replay_truncated(fixture: &str, keep: usize, extra: &[&str]) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(fixture)).unwrap();
    let name = Path::new(fixture).file_name().unwrap();
    let p = dir.path().join(name);
    std::fs::write(&p, &text[..keep]).unwrap();
    let mut args = vec!["replay", p.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = wacost(&args);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    (p.display().to_string(), stderr(&o))
}

fn find(fixture: &str, needle: &str) -> usize {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(fixture)).unwrap();
    text.find(needle).unwrap()
}

#[test]
fn truncated_files_name_their_line_or_byte() {
    // Canonical CSV: the last row breaks off after three fields.
    let f = "tests/data/providers_log.csv";
    let cut = find(f, "\n2025-12-10T11:00:00Z") + 32;
    let (p, err) = replay_truncated(f, cut, &[]);
    assert_eq!(
        err,
        format!("wacost: {p}:3: expected 8 fields like the header, found 2")
    );
    // Cloud API webhooks (JSON): the byte where the input ends.
    let f = "tests/data/cloudapi_day.json";
    let (p, err) = replay_truncated(f, 4000, &[]);
    assert!(
        err.starts_with(&format!("wacost: {p}: byte 4000: unexpected end of input")),
        "{err}"
    );
    // Twilio CSV: the row cut inside its body.
    let f = "tests/data/twilio_export.csv";
    let (p, err) = replay_truncated(f, find(f, "Big sale"), &[]);
    assert_eq!(
        err,
        format!("wacost: {p}:5: expected 13 fields like the header, found 3")
    );
    // Twilio JSON: the byte where the input ends.
    let f = "tests/data/twilio_messages.json";
    let (p, err) = replay_truncated(f, 300, &[]);
    assert!(
        err.starts_with(&format!("wacost: {p}: byte 300: unexpected end of input")),
        "{err}"
    );
    // Chat export: the last header breaks off.
    let f = "tests/data/chat_android_en.txt";
    let (p, err) = replay_truncated(
        f,
        find(f, "15/01/2026, 08:0") + 16,
        &[
            "--business-name",
            "Acme Store",
            "--chat-contact",
            "+447700900123",
        ],
    );
    assert_eq!(
        err,
        format!(
            "wacost: {p}:9: line starts like a message but its date, time or author breaks off \
             (file truncated?)"
        )
    );
}

#[test]
fn the_providers_fixture_row_is_where_the_test_cuts_it() {
    // Guards the canonical truncation above: line 3 of providers_log.csv is the 11:00 row.
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/providers_log.csv"),
    )
    .unwrap();
    assert!(
        text.lines()
            .nth(2)
            .unwrap()
            .starts_with("2025-12-10T11:00:00Z,+1 555 010 0001,")
    );
}

fn chat_options() -> ChatOptions {
    ChatOptions {
        business_name: "Acme Store".into(),
        timezone: chrono_tz::UTC,
        business_number: "15550100000".into(),
        contact: Some("+447700900123".parse().unwrap()),
        template_category: wacost::pricing::category::Category::Utility,
    }
}

/// Reads arbitrary bytes in a given format: whether any row was an error.
fn any_error(format: InputFormat, bytes: &[u8]) -> bool {
    let options = FormatOptions {
        format,
        twilio: TwilioOptions::default(),
        chat: Some(chat_options()),
        parquet: Some(wacost::report::parquet::open),
        ..FormatOptions::default()
    };
    any_error_with(&options, bytes)
}

/// [`any_error`] with the given options.
fn any_error_with(options: &FormatOptions, bytes: &[u8]) -> bool {
    match AnyReader::open(Box::new(Cursor::new(bytes.to_vec())), "x", options) {
        Err(_) => true,
        Ok(reader) => reader.into_iter().any(|r| r.is_err()),
    }
}

/// Input that is a valid empty log in some format: nothing but spaces, or a JSON value
/// (`[]`, say) that may hold no message.
fn may_be_empty(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_whitespace) || serde_json::from_slice::<Value>(bytes).is_ok()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_are_an_error_in_every_format(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        for format in [InputFormat::Canonical, InputFormat::CloudApi, InputFormat::Twilio] {
            if !may_be_empty(&bytes) {
                prop_assert!(any_error(format, &bytes), "{}: {:?}", format.as_str(), bytes);
            }
        }
        // A chat export must have a message line; a Parquet file its magic bytes.
        prop_assert!(any_error(InputFormat::ChatExport, &bytes));
        prop_assert!(any_error(InputFormat::Parquet, &bytes));
    }

    #[test]
    fn arbitrary_bytes_are_an_error_with_every_csv_option(
        bytes in prop::collection::vec(any::<u8>(), 0..400),
        delimiter in prop::sample::select(vec![None, Some(b','), Some(b';'), Some(b'|'), Some(b'\t')]),
        format in prop::sample::select(vec![None, Some("%d/%m/%Y %H:%M"), Some("%Y-%m-%d %H:%M:%S%z")]),
    ) {
        let options = FormatOptions {
            format: InputFormat::Canonical,
            delimiter,
            timezone: Some(chrono_tz::America::New_York),
            date_format: format.map(|f| wacost::read::time::DateFormat::new(f).unwrap()),
            ..FormatOptions::default()
        };
        if !may_be_empty(&bytes) {
            prop_assert!(any_error_with(&options, &bytes), "{:?}", bytes);
        }
    }

    #[test]
    fn truncated_parquet_is_an_error(cut in 0usize..2000) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("log.parquet");
        let t = 1_770_026_400;
        parquet_log(&p, &[t, t + 60, t + 120, t + 180, t + 240]);
        let bytes = std::fs::read(&p).unwrap();
        let cut = cut % bytes.len();
        prop_assert!(any_error(InputFormat::Parquet, &bytes[..cut]));
    }
}
