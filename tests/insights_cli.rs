//! `replay --what-if`, the period flags, `advise` and `forecast` as a user runs them, on a
//! log written by hand (`tests/data/insights_log.csv`, February 2026, UTC, Brazil): three
//! marketing templates to one contact (USD 0.0625 each); a utility template (USD 0.0068
//! outside a customer service window, free inside it then) two hours before its contact
//! writes; another eleven hours before its contact writes. Total USD 0.2011.

mod common;

use common::{stderr, stdout, wacost};

const LOG: &str = "tests/data/insights_log.csv";

fn json(args: &[&str]) -> serde_json::Value {
    let o = wacost(args);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

#[test]
fn replay_under_a_what_if_states_what_changed() {
    let o = wacost(&["replay", LOG]);
    assert!(
        stdout(&o).starts_with("total: USD 0.2011\n"),
        "{}",
        stdout(&o)
    );
    // The utility template two hours before its contact wrote moves into the window the
    // message opens, and is free there: 0.2011 - 0.0068. The one eleven hours before stays.
    let o = wacost(&["replay", LOG, "--what-if", "utility-in-window"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("total: USD 0.1943\n"), "{out}");
    assert!(
        out.contains(
            "what-if utility-in-window: 1 utility template sent outside a customer service \
             window, less than 6 h before the customer wrote, moved to just after the \
             customer's message\n"
        ),
        "{out}"
    );
    // Waiting twelve hours moves the second one too.
    let o = wacost(&["replay", LOG, "--what-if", "utility-in-window=12"]);
    assert!(
        stdout(&o).starts_with("total: USD 0.1875\n"),
        "{}",
        stdout(&o)
    );
    // Both what-ifs, in turn: 0.2011 - 0.0068 - 0.0625.
    let v = json(&[
        "replay",
        LOG,
        "--what-if",
        "utility-in-window",
        "--what-if",
        "fewer-marketing=2",
        "--format",
        "json",
    ]);
    assert_eq!(v["total"], "0.1318");
    let ids: Vec<&str> = v["what_if"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["utility-in-window", "fewer-marketing=2"]);
    // The lines carry the what-ifs they were priced under, in a last column.
    let dir = std::env::temp_dir().join(format!("wacost-what-if-{}", std::process::id()));
    let o = wacost(&[
        "replay",
        LOG,
        "--what-if",
        "utility-in-window",
        "--what-if",
        "fewer-marketing=2",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines = std::fs::read_to_string(dir.join("lines.csv")).unwrap();
    let rows: Vec<&str> = lines.lines().collect();
    assert!(rows[0].ends_with(",meta_billable,what_if"), "{}", rows[0]);
    // Two marketing templates and two utility templates are left.
    assert_eq!(rows.len(), 5);
    assert!(
        rows[1..]
            .iter()
            .all(|r| r.ends_with(",utility-in-window+fewer-marketing=2")),
        "{lines}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn mistaken_what_ifs_say_why() {
    let o = wacost(&["replay", LOG, "--what-if", "bsp"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("a switch of provider is not a what-if")
            && stderr(&o).contains("wacost compare LOG --providers A,B"),
        "{}",
        stderr(&o)
    );
    let o = wacost(&["replay", LOG, "--what-if", "cheaper"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown what-if \"cheaper\""),
        "{}",
        stderr(&o)
    );
    let o = wacost(&["replay", LOG, "--what-if", "utility-in-window=0"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn periods_report_the_lines_dated_in_them() {
    // From 2026-02-11: only the utility template of 2026-02-12.
    let o = wacost(&["replay", LOG, "--from", "2026-02-11"]);
    assert!(
        stdout(&o).starts_with("total: USD 0.0068\n"),
        "{}",
        stdout(&o)
    );
    // To 2026-02-09: the three marketing templates.
    let o = wacost(&["replay", LOG, "--to", "2026-02-09"]);
    assert!(
        stdout(&o).starts_with("total: USD 0.1875\n"),
        "{}",
        stdout(&o)
    );
    let o = wacost(&["replay", LOG, "--month", "2026-02"]);
    assert!(
        stdout(&o).starts_with("total: USD 0.2011\n"),
        "{}",
        stdout(&o)
    );
    let o = wacost(&["replay", LOG, "--month", "2026-03"]);
    assert!(stdout(&o).starts_with("total: USD 0\n"), "{}", stdout(&o));
    let o = wacost(&["replay", LOG, "--month", "2026-2"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--month: \"2026-2\" is not a month: write it as 2026-11"),
        "{}",
        stderr(&o)
    );
    let o = wacost(&["replay", LOG, "--from", "2026-02-11", "--to", "2026-02-10"]);
    assert_eq!(o.status.code(), Some(2));
}

/// `wacost report DIR` with a period reports what `replay` with that period reports: the
/// run folder keeps the whole run, the period's report goes to `--out`.
#[test]
fn a_run_folder_is_reported_over_a_period() {
    let dir = std::env::temp_dir().join(format!("wacost-period-report-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let run = dir.join("run");
    let s = |p: &std::path::Path| p.to_str().unwrap().to_string();
    let o = wacost(&["advise", LOG, "--report", &s(&run)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let total = |folder: &std::path::Path| {
        let text = std::fs::read_to_string(folder.join("summary.json")).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        (
            v["total"].as_str().unwrap().to_string(),
            v["messages"].as_u64().unwrap(),
        )
    };
    assert_eq!(total(&run), ("0.2011".to_string(), 5));
    // To 2026-02-09: the three marketing templates, as `replay --to 2026-02-09` says.
    let cut = dir.join("to-9");
    let o = wacost(&["report", &s(&run), "--to", "2026-02-09", "--out", &s(&cut)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("Total spend: USD 0.1875 (3 messages priced, 3 charged)"),
        "{}",
        stdout(&o)
    );
    assert_eq!(total(&cut), ("0.1875".to_string(), 3));
    let page = std::fs::read_to_string(cut.join("index.html")).unwrap();
    assert!(page.contains("period to 2026-02-09: the whole log was priced"));
    assert!(
        page.contains("what to change left out"),
        "the advice is the whole run's"
    );
    // The run folder is untouched, and a month reports the month.
    assert_eq!(total(&run), ("0.2011".to_string(), 5));
    let feb = dir.join("feb");
    let o = wacost(&["report", &s(&run), "--month", "2026-02", "--out", &s(&feb)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(total(&feb), ("0.2011".to_string(), 5));
    // A period's report never replaces the run it is cut from.
    let o = wacost(&["report", &s(&run), "--month", "2026-02"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("a report of period 2026-02 goes to another folder: add --out OUT"),
        "{}",
        stderr(&o)
    );
    // The old `--to OUT` is a day now, and says how it is written.
    let o = wacost(&["report", &s(&run), "--to", &s(&feb)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("is not a day: write it as 2026-11-30"),
        "{}",
        stderr(&o)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn advise_lists_savings_largest_first_and_replay_agrees() {
    let v = json(&[
        "advise",
        LOG,
        "--marketing-per-month",
        "2",
        "--format",
        "json",
    ]);
    assert_eq!(v["total"], "0.2011");
    assert_eq!(v["currency"], "USD");
    assert_eq!(v["period"], "2026-02-01 to 2026-02-12");
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2);
    assert_eq!(findings[0]["id"], "fewer-marketing=2");
    assert_eq!(findings[0]["saving"], "0.0625");
    assert_eq!(findings[0]["messages"], 1);
    assert_eq!(
        findings[0]["title"],
        "1 marketing template went to contacts who had already been sent 2 that month; not \
         sending them would have saved USD 0.06"
    );
    assert_eq!(findings[1]["id"], "utility-in-window");
    assert_eq!(findings[1]["saving"], "0.0068");
    // Every finding: replay --what-if ID gives total - saving.
    for (f, expected) in findings.iter().zip(["0.1386", "0.1943"]) {
        let r = json(&[
            "replay",
            LOG,
            "--what-if",
            f["id"].as_str().unwrap(),
            "--format",
            "json",
        ]);
        assert_eq!(r["total"], expected);
    }
    // --report: the log's report, and the advice beside it.
    let dir = std::env::temp_dir().join(format!("wacost-advise-{}", std::process::id()));
    let o = wacost(&["advise", LOG, "--report", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(dir.join("index.html").is_file());
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("advice.json")).unwrap()).unwrap();
    assert_eq!(written["total"], "0.2011");
    assert_eq!(written["findings"][0]["id"], "utility-in-window");
    // The page opens with what to change, and its chart closes the section.
    let section = |page: &str| {
        let start = page.find("<section class=\"first\">\n<h2>What to change</h2>");
        let start = start.expect("the section");
        let end = start
            + page[start..]
                .find("</figure>\n</section>")
                .expect("its end");
        page[start..end].to_string()
    };
    let page = std::fs::read_to_string(dir.join("index.html")).unwrap();
    let written_section = section(&page);
    assert!(
        page.find("<section class=\"headline\">").unwrap() < page.find(&written_section).unwrap()
    );
    assert!(
        written_section.contains(
            "<p>The log&#39;s total over 2026-02-01 to 2026-02-12 is USD 0.20. Each row is"
        )
    );
    assert!(written_section.contains("<td>utility-in-window</td>"));
    assert!(written_section.contains("<td class=\"num\">0.01</td><td class=\"num\">1</td>"));
    assert!(written_section.contains("href=\"charts/what_if_totals.png\""));
    for file in ["what_if_totals.png", "what_if_totals.svg"] {
        assert!(dir.join("charts").join(file).is_file(), "{file}");
    }
    // wacost report DIR rebuilds the same section from the folder.
    std::fs::remove_file(dir.join("index.html")).unwrap();
    let o = wacost(&["report", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rebuilt = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert_eq!(section(&rebuilt), written_section);
    std::fs::remove_dir_all(&dir).unwrap();
    let o = wacost(&["advise", LOG]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("total: USD 0.2011 (2026-02-01 to 2026-02-12)\n"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn forecast_writes_a_scenario_that_simulates() {
    let dir = std::env::temp_dir().join(format!("wacost-forecast-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let scenario = dir.join("learnt.toml");
    let v = json(&[
        "forecast",
        LOG,
        "--months",
        "2",
        "--runs",
        "3",
        "--format",
        "json",
        "--write-scenario",
        scenario.to_str().unwrap(),
    ]);
    let months: Vec<&str> = v["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["month"].as_str().unwrap())
        .collect();
    assert_eq!(months, ["2026-03", "2026-04"]);
    assert_eq!(v["actual"][0]["month"], "2026-02");
    assert_eq!(v["actual"][0]["total"], "0.2011");
    let o = wacost(&["simulate", scenario.to_str().unwrap(), "--runs", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = wacost(&["forecast", LOG, "--months", "0"]);
    assert_eq!(o.status.code(), Some(2));
    // --report: the forecast section and its chart, rebuilt the same by wacost report DIR.
    let report = dir.join("report");
    let o = wacost(&[
        "forecast",
        LOG,
        "--months",
        "2",
        "--runs",
        "3",
        "--report",
        report.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    for file in ["forecast.png", "forecast.svg"] {
        assert!(report.join("charts").join(file).is_file(), "{file}");
    }
    let section = |page: &str| {
        let start = page.find("<h2>Forecast</h2>").expect("the section");
        let end = start + page[start..].find("<h2>Charts</h2>").expect("its end");
        page[start..end].to_string()
    };
    let page = std::fs::read_to_string(report.join("index.html")).unwrap();
    let written = section(&page);
    assert!(written.contains("<td class=\"num\">2026-03</td>"));
    assert!(written.contains("<td class=\"num\">2026-04</td>"));
    assert!(written.contains("href=\"charts/forecast.png\""));
    assert!(written.contains("<h2>Forecast by pricing category</h2>"));
    let o = wacost(&["report", report.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rebuilt = std::fs::read_to_string(report.join("index.html")).unwrap();
    assert_eq!(section(&rebuilt), written);
    std::fs::remove_dir_all(&dir).unwrap();
}
