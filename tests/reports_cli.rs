//! Reports from the command line: `replay --report`, `report` from an `--out` folder,
//! `compare --report` and `demo`.

mod common;

use common::wacost;

use std::path::Path;
use std::process::Output;

use calamine::{Reader, Xlsx, open_workbook};

fn ok(o: Output) -> Output {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Every contact of the sample log, as written there (E.164).
fn sample_contacts() -> Vec<String> {
    let log =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample_log.csv"))
            .expect("sample log");
    let mut v: Vec<String> = log
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(2))
        .map(str::to_string)
        .collect();
    v.sort();
    v.dedup();
    assert!(v.len() > 5);
    v
}

const FILES: [&str; 7] = [
    "index.html",
    "summary.json",
    "summary.csv",
    "ledger.parquet",
    "ledger.csv",
    "workbook.xlsx",
    "charts",
];

/// The page and the chart files: every SVG in `charts/` is inline on the page, with links to
/// its files; returns the page.
fn check_report(dir: &Path, charts: &[&str]) -> String {
    for f in FILES {
        assert!(dir.join(f).exists(), "{f} written in {}", dir.display());
    }
    let html = std::fs::read_to_string(dir.join("index.html")).expect("page");
    assert!(html.starts_with("<!DOCTYPE html>"));
    let mut svgs = 0;
    for entry in std::fs::read_dir(dir.join("charts")).expect("charts") {
        let path = entry.expect("entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if let Some(stem) = name.strip_suffix(".svg") {
            svgs += 1;
            assert!(dir.join("charts").join(format!("{stem}.png")).is_file());
            assert!(
                html.contains(&format!("href=\"charts/{stem}.svg\""))
                    && html.contains(&format!("href=\"charts/{stem}.png\"")),
                "{stem} linked"
            );
            // The chart's title, as the SVG writes it, is on the page: the SVG is inline.
            let svg = std::fs::read_to_string(&path).expect("svg");
            let title = svg
                .split("<text")
                .nth(1)
                .and_then(|t| t.split('>').nth(1))
                .and_then(|t| t.split('<').next())
                .expect("a title");
            assert!(html.contains(title), "{stem}: {title} inline");
        }
    }
    for c in charts {
        assert!(
            dir.join("charts").join(format!("{c}.svg")).is_file(),
            "{c} drawn"
        );
    }
    assert_eq!(svgs, charts.len(), "the charts drawn");
    assert_eq!(html.matches("<figure>").count(), svgs, "every chart inline");
    assert_eq!(html.matches("<svg ").count(), svgs, "every chart inline");
    // Nothing on the page runs code or loads anything.
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "no script");
    assert!(!lower.contains("<img"), "no external image");
    assert!(html.contains("default-src 'none'"), "CSP");
    html
}

/// The contacts of the `lines` sheet.
fn workbook_contacts(path: &Path) -> Vec<String> {
    let mut wb: Xlsx<_> = open_workbook(path).expect("workbook opens");
    let names = wb.sheet_names();
    assert!(names.iter().any(|n| n == "summary"), "{names:?}");
    let Ok(range) = wb.worksheet_range("lines") else {
        return Vec::new();
    };
    let header: Vec<String> = range
        .rows()
        .next()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .unwrap_or_default();
    let col = header
        .iter()
        .position(|h| h == "contact")
        .expect("a contact column");
    range
        .rows()
        .skip(1)
        .map(|r| r[col].to_string())
        .filter(|c| !c.is_empty())
        .collect()
}

const LEDGER_CHARTS: [&str; 4] = [
    "spend_by_month",
    "spend_by_market",
    "daily_spend",
    "messages_by_pricing_type",
];

#[test]
fn replay_report_has_everything_and_masks_contacts() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("report");
    let o = ok(wacost(&[
        "replay",
        "data/sample_log.csv",
        "--report",
        s(&dir),
        "--format",
        "json",
    ]));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let html = check_report(&dir, &LEDGER_CHARTS);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("index.html"),
        "says where the report is"
    );
    // The headline is the exact total.
    let total = summary["total"].as_str().expect("total");
    assert!(html.contains(&format!("USD {total}")), "headline {total}");
    assert!(html.contains("February 2026"), "period");
    assert!(html.contains("data/sample_log.csv"), "source");
    // Provenance: the card in force and its confidence.
    assert!(html.contains("Rate cards in force"));
    assert!(html.contains("Meta per-message list rates, USD, effective 2026-01-01"));
    // Notes of the summary are on the page.
    for n in summary["notes"].as_array().expect("notes") {
        let n = n.as_str().expect("note");
        let escaped = n.replace('\'', "&#39;");
        assert!(html.contains(&escaped), "note on the page: {n}");
    }
    // Contacts masked on the page and in the workbook.
    assert!(html.contains("Top 10 contacts by spend (masked)"));
    assert!(html.contains("+55*********01"));
    let in_workbook = workbook_contacts(&dir.join("workbook.xlsx"));
    assert!(in_workbook.len() > 100, "lines sheet filled");
    let files = [
        html.clone(),
        in_workbook.join("\n"),
        std::fs::read_to_string(dir.join("summary.json")).expect("json"),
    ];
    for c in sample_contacts() {
        let digits = c.trim_start_matches('+');
        for f in &files {
            assert!(!f.contains(digits), "{c} masked");
        }
    }
    assert!(in_workbook.iter().all(|c| c.contains('*')));

    // --show-contacts shows them.
    let shown = tmp.path().join("shown");
    ok(wacost(&[
        "replay",
        "data/sample_log.csv",
        "--report",
        s(&shown),
        "--show-contacts",
    ]));
    let html = std::fs::read_to_string(shown.join("index.html")).expect("page");
    assert!(html.contains("Top 10 contacts by spend</h3>"));
    assert!(sample_contacts().iter().any(|c| html.contains(c.as_str())));
    let in_workbook = workbook_contacts(&shown.join("workbook.xlsx"));
    assert!(in_workbook.iter().any(|c| sample_contacts().contains(c)));
}

#[test]
fn hostile_names_are_escaped() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let log = tmp.path().join("hostile.csv");
    std::fs::write(
        &log,
        "timestamp,business,contact,direction,message_type,category,status,message_id\n\
         2026-02-02T10:00:00Z,<script>alert('x')</script>,+5511987654321,outbound,template,marketing,delivered,m1\n\
         2026-02-02T11:00:00Z,\"<img src=x onerror=alert(1)>\",+5511987654322,outbound,template,utility,delivered,m2\n",
    )
    .expect("log");
    let dir = tmp.path().join("report");
    ok(wacost(&["replay", s(&log), "--report", s(&dir)]));
    let html = check_report(&dir, &LEDGER_CHARTS);
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(!html.contains("<script>"));
    assert!(!html.contains("<img src"));
    // The log's name is escaped too, and the page still links the real files.
    assert!(html.contains("hostile.csv"));
}

#[test]
fn report_rebuilds_from_an_out_folder() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("out");
    let o = ok(wacost(&[
        "replay",
        "data/sample_log.csv",
        "--out",
        s(&out),
        "--format",
        "json",
    ]));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).expect("summary"))
            .expect("json");
    assert_eq!(written["run"]["inputs"][0], "data/sample_log.csv");
    assert_eq!(written["run"]["timezone"], "UTC");
    assert!(
        !out.join("index.html").exists(),
        "--out alone writes no page"
    );

    // Into the folder itself: the page links the charge lines next to it.
    let o = ok(wacost(&["report", s(&out)]));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("index.html"), "{stdout}");
    let html = check_report(&out, &LEDGER_CHARTS);
    let total = summary["total"].as_str().expect("total");
    assert!(html.contains(&format!("USD {total}")), "same total");
    assert!(html.contains("href=\"lines.csv\""));
    assert!(html.contains("rebuilt by `wacost report`"));
    for n in summary["notes"].as_array().expect("notes") {
        let escaped = n.as_str().expect("note").replace('\'', "&#39;");
        assert!(html.contains(&escaped), "note kept: {n}");
    }
    assert!(html.contains("+55*********01"), "top contacts, masked");
    for c in sample_contacts() {
        assert!(!html.contains(c.trim_start_matches('+')), "{c} masked");
    }
    // The summary read back is the summary written (the ledger round-trips).
    let again: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).expect("summary"))
            .expect("json");
    assert_eq!(again, written);
    let csv = std::fs::read_to_string(out.join("summary.csv")).expect("csv");
    assert!(
        csv.contains(&format!("total,total,220,37,{total},USD")),
        "{csv}"
    );

    // Elsewhere, with --out.
    let other = tmp.path().join("elsewhere");
    ok(wacost(&["report", s(&out), "--out", s(&other)]));
    let html = check_report(&other, &LEDGER_CHARTS);
    assert!(!html.contains("href=\"lines.csv\""), "no lines next to it");

    // A folder that is not an --out folder.
    let o = wacost(&["report", s(tmp.path())]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("replay --out"));
}

#[test]
fn compare_report_adds_the_providers() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("report");
    let o = ok(wacost(&[
        "compare",
        "--log",
        "data/sample_log.csv",
        "--report",
        s(&dir),
    ]));
    assert!(String::from_utf8_lossy(&o.stdout).contains("Provider comparison"));
    let mut charts = LEDGER_CHARTS.to_vec();
    charts.push("providers");
    let html = check_report(&dir, &charts);
    assert!(dir.join("providers.csv").is_file());
    assert!(dir.join("providers.json").is_file());
    assert!(html.contains("Provider comparison (USD, cheapest first"));
    assert!(html.contains("cheapest provider"));
}

#[test]
fn demo_writes_the_full_report() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("demo");
    // Few forecast runs keep the test short (the demo's default is 40).
    let o = ok(wacost(&["demo", "--out", s(&dir), "--runs", "3"]));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains(&format!("Report: {}", dir.join("index.html").display())),
        "{stdout}"
    );
    // The worked quotes are still there.
    assert!(stdout.contains("Worked quotes"), "{stdout}");
    // One business from start to end: its replay, providers, advice and forecast.
    assert!(
        stdout.contains("The business: Online shop, BR + MX + CO, Oct-Nov 2026"),
        "{stdout}"
    );
    for line in [
        "total spend: USD ",
        "cheapest provider: ",
        "largest saving: USD ",
        "forecast for 2026-12: P50 USD ",
        "what to change, largest saving first",
        "forecast of the next 2 months, 3 runs",
    ] {
        assert!(stdout.contains(line), "{line}: {stdout}");
    }
    let mut charts = LEDGER_CHARTS.to_vec();
    charts.extend(["providers", "what_if_totals", "forecast"]);
    let html = check_report(&dir, &charts);
    for section in [
        ">What to change<",
        ">Forecast<",
        "Provider comparison (USD, cheapest first",
    ] {
        assert!(html.contains(section), "{section}");
    }
    // The page is about that business only: no simulated example shop beside it.
    assert!(!html.contains("Simulated spend by strategy"));
    numbers_never_wrap(&html);
    for f in ["lines.csv", "lines.parquet", "providers.csv"] {
        assert!(dir.join(f).is_file(), "{f}");
        assert!(html.contains(&format!("href=\"{f}\"")), "{f} linked");
    }
    for c in charts {
        let png = std::fs::metadata(dir.join("charts").join(format!("{c}.png"))).expect("png");
        assert!(png.len() > 10_000, "{c}.png drawn");
    }
    // The demo's log is the scenario's first run, as `simulate --export-log` writes it: its
    // replay gives the demo's total, to the last decimal.
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).expect("summary"))
            .expect("json");
    let log = tmp.path().join("demo.csv");
    ok(wacost(&[
        "simulate",
        "data/scenarios/demo.toml",
        "--runs",
        "1",
        "--export-log",
        s(&log),
    ]));
    let o = ok(wacost(&[
        "replay",
        s(&log),
        "--timezone",
        "America/Sao_Paulo",
        "--format",
        "json",
    ]));
    let replayed: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(replayed["total"], summary["total"]);
    assert_eq!(replayed["messages"], summary["messages"]);
    // And `wacost report` can rebuild it, sections included.
    let again = tmp.path().join("again");
    ok(wacost(&["report", s(&dir), "--out", s(&again)]));
    let rebuilt = std::fs::read_to_string(again.join("index.html")).expect("page");
    assert!(rebuilt.contains(">What to change<") && rebuilt.contains(">Forecast<"));
}

/// No table cell breaks a number across lines: every cell is kept on one line by the page's
/// style (`th,td{white-space:nowrap}`) except prose cells (a finding's sentence), and no
/// figure (`1,234.50`, `-33.65`, `0.0625`, `12 %`) is in a prose cell; figures are `num`
/// cells; wide tables scroll sideways in a narrow window rather than squeeze.
fn numbers_never_wrap(html: &str) {
    assert!(
        html.contains("th,td{white-space:nowrap}"),
        "cells on one line"
    );
    assert!(
        html.contains(
            ".num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
        ),
        "figures on one line"
    );
    assert!(
        html.contains("td.prose,th.prose{white-space:normal"),
        "only prose wraps"
    );
    assert!(
        html.contains(".scroll{overflow-x:auto"),
        "wide tables scroll"
    );
    let mut figures = 0;
    for cell in html.split("<td").skip(1) {
        let (attrs, rest) = cell.split_once('>').expect("a cell");
        let text = rest.split("</td>").next().expect("cell text");
        // A sign, then digits with separators, then an optional percent sign.
        let unsigned = text.trim_start_matches(['-', '−', '+']);
        let unsigned = unsigned.trim_end_matches([' ', '%']);
        let figure = !unsigned.is_empty()
            && unsigned.starts_with(|c: char| c.is_ascii_digit())
            && unsigned
                .chars()
                .all(|c| c.is_ascii_digit() || c == ',' || c == '.');
        if figure {
            figures += 1;
            assert!(
                !attrs.contains("prose"),
                "figure {text:?} in a cell that wraps: <td{attrs}>"
            );
        }
    }
    assert!(figures > 50, "the page's tables hold figures ({figures})");
    assert!(
        html.matches("<td class=\"num\">").count() > 50,
        "figures are num cells"
    );
}

/// The simulation's part of a report: its charts inline (by their titles), its tables on the
/// page and as CSV, its summary and every run's totals; `runs` runs of the base and of
/// `strategies` strategies.
fn check_simulation(dir: &Path, html: &str, runs: usize, strategies: usize) -> serde_json::Value {
    assert!(
        html.contains("Simulated spend by strategy"),
        "strategy chart inline"
    );
    assert!(
        html.contains("Simulated total spend of the base scenario"),
        "distribution chart inline"
    );
    assert!(
        html.contains("Strategies against the base"),
        "strategy table"
    );
    assert!(html.contains("what it changes"), "strategy table");
    assert!(
        html.contains("Simulated spend of the base scenario"),
        "spend table"
    );
    assert!(html.contains("common random numbers"), "note");
    assert!(html.contains(", base scenario, P50 (USD)"), "fact");
    for (f, label) in [
        ("simulation_spend.csv", "(CSV)"),
        ("simulation_strategies.csv", "(CSV)"),
        ("simulation.json", "(JSON)"),
        ("simulation_runs.csv", "(CSV)"),
    ] {
        assert!(dir.join(f).is_file(), "{f}");
        assert!(
            html.contains(&format!("href=\"{f}\"")),
            "{f} linked {label}"
        );
    }
    let doc: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("simulation.json")).expect("simulation.json"),
    )
    .expect("json");
    assert_eq!(doc["runs"], runs);
    assert_eq!(
        doc["strategies"].as_object().expect("strategies").len(),
        strategies
    );
    let table = std::fs::read_to_string(dir.join("simulation_strategies.csv")).expect("csv");
    assert!(
        table.starts_with(
            "strategy,P5,P50,P95,mean,delta P5,delta P50,delta P95,delta mean,what it changes\n"
        ),
        "{table}"
    );
    assert_eq!(table.lines().count(), 2 + strategies, "{table}");
    // The base's row: its spread as in the summary, no delta.
    let base: Vec<&str> = table.lines().nth(1).expect("base row").split(',').collect();
    assert_eq!(base[0], "base");
    assert_eq!(base[1], doc["total"]["p5"]);
    assert_eq!(base[2], doc["total"]["p50"]);
    assert_eq!(base[3], doc["total"]["p95"]);
    assert_eq!(
        base[5], "",
        "no delta for the base: no text in a column of figures"
    );
    let all_runs = std::fs::read_to_string(dir.join("simulation_runs.csv")).expect("runs");
    assert_eq!(all_runs.lines().count(), 1 + runs * (1 + strategies));
    // The workbook has the simulation's tables.
    let wb: Xlsx<_> = open_workbook(dir.join("workbook.xlsx")).expect("workbook");
    let names = wb.sheet_names();
    for sheet in ["simulation_spend", "simulation_strategies"] {
        assert!(names.iter().any(|n| n == sheet), "{sheet}: {names:?}");
    }
    doc
}

/// A smaller copy of the example scenario (same strategies), so that the test stays short.
fn small_shop(dir: &Path) -> std::path::PathBuf {
    let shop = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("data/scenarios/shop.toml"),
    )
    .expect("shop.toml");
    let small = shop
        .replace("contacts = 8000", "contacts = 240")
        .replace("contacts = 1500", "contacts = 40")
        .replace("contacts = 500", "contacts = 20");
    assert_ne!(small, shop);
    let path = dir.join("small_shop.toml");
    std::fs::write(&path, small).expect("scenario");
    path
}

#[test]
fn simulate_report_has_the_strategies_and_the_distribution() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let scenario = small_shop(tmp.path());
    let dir = tmp.path().join("report");
    let o = ok(wacost(&[
        "simulate",
        s(&scenario),
        "--runs",
        "4",
        "--strategy",
        "four_newsletters,utility_in_window",
        "--report",
        s(&dir),
        "--format",
        "json",
    ]));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("index.html"),
        "says where the report is"
    );
    let printed: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let mut charts = LEDGER_CHARTS.to_vec();
    charts.extend(["strategies", "spend_distribution"]);
    let html = check_report(&dir, &charts);
    let doc = check_simulation(&dir, &html, 4, 2);
    assert_eq!(doc, printed, "the report's summary is what simulate prints");
    assert!(
        html.contains("four newsletters a month instead of two"),
        "description"
    );
    // The ledger shown is the base's first run: its total is the headline, and the page says
    // so.
    let runs = std::fs::read_to_string(dir.join("simulation_runs.csv")).expect("runs");
    let first: Vec<&str> = runs.lines().nth(1).expect("first run").split(',').collect();
    assert_eq!(&first[..4], ["base", "1", "42", "USD"]);
    assert!(
        html.contains(&format!("USD {}", first[4])),
        "headline {}",
        first[4]
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).expect("summary"))
            .expect("json");
    assert_eq!(summary["total"], first[4]);
    assert_eq!(summary["run"]["timezone"], "America/Sao_Paulo");
    assert_eq!(summary["run"]["seed"], 42);
    assert!(html.contains("first run (seed 42)"), "source");
    assert!(html.contains("one run of the base scenario (seed 42), not an average"));
    // Simulated contacts are masked like real ones.
    assert!(html.contains("Top 10 contacts by spend (masked)"));
}

/// `wacost report DIR` on a `simulate --report` folder rebuilds the same page: the strategy
/// chart, the distribution and the simulation's tables come back with the ledger (they were
/// lost before the run folder kept them in run.json).
#[test]
fn report_rebuilds_a_simulate_report_with_its_simulation() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let scenario = small_shop(tmp.path());
    let dir = tmp.path().join("report");
    ok(wacost(&[
        "simulate",
        s(&scenario),
        "--runs",
        "3",
        "--strategy",
        "four_newsletters",
        "--report",
        s(&dir),
        "--format",
        "json",
    ]));
    let first = std::fs::read_to_string(dir.join("index.html")).expect("page");
    let again = tmp.path().join("again");
    let o = ok(wacost(&["report", s(&dir), "--out", s(&again)]));
    assert!(String::from_utf8_lossy(&o.stdout).contains("again"));
    let mut charts = LEDGER_CHARTS.to_vec();
    charts.extend(["strategies", "spend_distribution"]);
    let html = check_report(&again, &charts);
    check_simulation(&again, &html, 3, 1);
    // The page is the same page, but for the note saying where it was rebuilt from.
    let rebuilt_note = format!("rebuilt by `wacost report` from {}", dir.display());
    assert!(html.contains(&rebuilt_note));
    let text = |page: &str| -> Vec<String> {
        page.split('<')
            .filter_map(|t| t.split_once('>').map(|(_, text)| text.trim().to_string()))
            .filter(|t| !t.is_empty() && !t.contains("rebuilt by"))
            .collect()
    };
    assert_eq!(text(&html), text(&first));
    for file in [
        "summary.json",
        "simulation.json",
        "simulation_runs.csv",
        "ledger.csv",
    ] {
        assert_eq!(
            std::fs::read_to_string(dir.join(file)).expect("first"),
            std::fs::read_to_string(again.join(file)).expect("rebuilt"),
            "{file}"
        );
    }
}

#[test]
fn compare_scenario_report_has_the_providers_over_the_runs() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("report");
    let o = ok(wacost(&[
        "compare",
        "--scenario",
        "tests/data/scenario_by_hand.toml",
        "--runs",
        "2",
        "--providers",
        "meta,twilio",
        "--report",
        s(&dir),
    ]));
    assert!(String::from_utf8_lossy(&o.stdout).contains("Provider comparison in USD over 2 runs"));
    let mut charts = LEDGER_CHARTS.to_vec();
    charts.push("providers");
    let html = check_report(&dir, &charts);
    // The first run: Meta's fees USD 7.6100; Twilio adds 700 messages × 0.005.
    // Shown with the currency's decimals; the exact figure is the same here.
    assert!(
        html.contains("<div class=\"figure\">USD 7.61</div>"),
        "headline"
    );
    assert!(
        html.contains("Each provider&#39;s total over the simulated runs"),
        "table"
    );
    let table = std::fs::read_to_string(dir.join("simulation_providers.csv")).expect("csv");
    assert_eq!(
        table,
        "rank,provider,p5,p50,p95,mean,meta_fees_p50,provider_fees_p50,confidence\n\
         1,meta,7.6100,7.6100,7.6100,7.6100,7.6100,0,secondary\n\
         2,twilio,11.1100,11.1100,11.1100,11.1100,7.6100,3.500,published\n"
    );
    let runs = std::fs::read_to_string(dir.join("simulation_runs.csv")).expect("runs");
    assert_eq!(
        runs,
        "run,seed,currency,meta,twilio\n1,1,USD,7.6100,11.1100\n2,2,USD,7.6100,11.1100\n"
    );
    assert!(dir.join("providers.csv").is_file(), "the first run's bills");
}
