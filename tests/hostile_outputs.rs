//! Issue 11, outputs that can be trusted: no output destroys an input (item 1), a failed or
//! concurrent run never leaves a half-written output (14), no CSV cell is a formula and no
//! log text drives the terminal (15), a full disk is an error and not a panic (11), an
//! impossible simulation is refused before it starts (12). Each case runs the binary.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{stderr, stdout};

/// Runs `wacost ARGS` in `dir`, so that messages show the paths as written.
fn wacost_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wacost"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("wacost runs")
}

const HEADER: &str = "timestamp,business,contact,direction,message_type,category,status,message_id";

/// A log of two delivered marketing templates to Brazil (USD 0.0625 each since 2026-01-01).
fn good_log() -> String {
    format!(
        "{HEADER}\n\
         2026-02-02T10:00:00Z,shop,+5511987654321,outbound,template,marketing,delivered,o1\n\
         2026-02-02T10:01:00Z,shop,+5511987654322,outbound,template,marketing,delivered,o2\n"
    )
}

/// Every file under `dir` (relative path) and its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.insert(
                    p.strip_prefix(root).unwrap().to_path_buf(),
                    fs::read(&p).unwrap(),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The names in a folder, sorted (hidden ones too: a temporary or lock file left over).
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn refused(o: &Output, message: &str) {
    assert_eq!(o.status.code(), Some(2), "{}", stderr(o));
    assert_eq!(stderr(o), format!("wacost: {message}\n"));
}

// Item 1: an output that is an input is refused before anything is written.

#[test]
fn rejects_naming_the_log_is_refused_and_the_log_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fs::write(d.join("log.csv"), good_log()).unwrap();
    std::os::unix::fs::symlink("log.csv", d.join("link.csv")).unwrap();
    fs::hard_link(d.join("log.csv"), d.join("hard.csv")).unwrap();
    for target in ["log.csv", "link.csv", "hard.csv", "./log.csv"] {
        let o = wacost_in(
            d,
            &["replay", "log.csv", "--skip-invalid", "--rejects", target],
        );
        refused(
            &o,
            &format!("--rejects {target} is an input (the log log.csv): give another file"),
        );
    }
    assert_eq!(fs::read_to_string(d.join("log.csv")).unwrap(), good_log());
    assert_eq!(names(d), ["hard.csv", "link.csv", "log.csv"]);
}

#[test]
fn an_output_folder_holding_an_input_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fs::create_dir(d.join("run")).unwrap();
    fs::write(d.join("run/lines.csv"), good_log()).unwrap();
    fs::write(d.join("card.csv"), "not read").unwrap();
    let o = wacost_in(d, &["replay", "run/lines.csv", "--out", "run"]);
    refused(
        &o,
        "--out run holds an input (the log run/lines.csv), and the folder is replaced as a \
         whole: give another folder",
    );
    let o = wacost_in(d, &["replay", "run/lines.csv", "--report", "run"]);
    refused(
        &o,
        "--report run holds an input (the log run/lines.csv), and the folder is replaced as \
         a whole: give another folder",
    );
    // Global inputs count too: a rate card given as the report folder.
    let o = wacost_in(
        d,
        &[
            "--rate-card",
            "card.csv",
            "replay",
            "run/lines.csv",
            "--report",
            "card.csv",
        ],
    );
    refused(
        &o,
        "--report card.csv is an input (the rate card (--rate-card) card.csv): give another \
         folder",
    );
    assert_eq!(
        fs::read_to_string(d.join("run/lines.csv")).unwrap(),
        good_log()
    );
    assert_eq!(names(d), ["card.csv", "run"]);
    assert_eq!(names(&d.join("run")), ["lines.csv"]);
}

#[test]
fn other_commands_refuse_inputs_as_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let scenario = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/scenario_by_hand.toml"),
    )
    .unwrap();
    fs::write(d.join("s.toml"), &scenario).unwrap();
    fs::write(d.join("log.csv"), good_log()).unwrap();
    let o = wacost_in(d, &["simulate", "s.toml", "--export-log", "s.toml"]);
    refused(
        &o,
        "--export-log s.toml is an input (the scenario s.toml): give another file",
    );
    let o = wacost_in(d, &["compare", "--log", "log.csv", "--report", "."]);
    refused(
        &o,
        "--report . holds an input (the log log.csv), and the folder is replaced as a whole: \
         give another folder",
    );
    // `report --to` the folder that holds the run folder it reads.
    let o = wacost_in(d, &["replay", "log.csv", "--out", "run"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = wacost_in(d, &["report", "run", "--out", "."]);
    refused(
        &o,
        "--out . holds an input (the run folder run), and the folder is replaced as a whole: \
         give another folder",
    );
    // `demo --out` is refused before the tour is printed.
    let o = wacost_in(d, &["demo", "--out", "."]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), "");
    assert_eq!(
        stderr(&o),
        "wacost: .: not a folder wacost wrote (it holds log.csv, run, s.toml): give a new or empty \
         folder\n"
    );
    assert_eq!(fs::read_to_string(d.join("s.toml")).unwrap(), scenario);
    assert_eq!(fs::read_to_string(d.join("log.csv")).unwrap(), good_log());
}

// Item 14: outputs written whole or not at all.

#[test]
fn a_run_that_fails_midway_leaves_the_previous_folder_byte_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fs::write(d.join("log.csv"), good_log()).unwrap();
    let o = wacost_in(d, &["replay", "log.csv", "--out", "run", "--report", "run"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let before = snapshot(&d.join("run"));
    assert!(before.contains_key(Path::new("lines.csv")));
    assert!(before.contains_key(Path::new("index.html")));
    // More rows, then a bad one at the end: lines.csv was being streamed when it failed.
    let mut bad = good_log();
    for i in 0..500 {
        bad.push_str(&format!(
            "2026-02-03T10:00:00Z,shop,+5511987654321,outbound,template,utility,delivered,u{i}\n"
        ));
    }
    bad.push_str("garbage,row\n");
    fs::write(d.join("bad.csv"), bad).unwrap();
    let o = wacost_in(d, &["replay", "bad.csv", "--out", "run", "--report", "run"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "wacost: bad.csv:504: expected 8 fields like the header, found 2\n"
    );
    assert_eq!(
        snapshot(&d.join("run")),
        before,
        "the old folder, byte for byte"
    );
    assert_eq!(names(d), ["bad.csv", "log.csv", "run"], "no temporary left");
    // The rejects file of a failed run is not written either (a log that cannot be opened
    // stops a run even with --skip-invalid), nor is a new --out folder.
    fs::write(d.join("rejects.csv"), "old rejects\n").unwrap();
    let o = wacost_in(
        d,
        &[
            "replay",
            "bad.csv",
            "missing.csv",
            "--skip-invalid",
            "--rejects",
            "rejects.csv",
            "--out",
            "new",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "wacost: missing.csv: No such file or directory (os error 2)\n"
    );
    assert_eq!(
        fs::read_to_string(d.join("rejects.csv")).unwrap(),
        "old rejects\n"
    );
    assert_eq!(names(d), ["bad.csv", "log.csv", "rejects.csv", "run"]);
    let o = wacost_in(
        d,
        &[
            "replay",
            "bad.csv",
            "--rejects",
            "rejects.csv",
            "--skip-invalid",
            "--out",
            "run",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let rejects = fs::read_to_string(d.join("rejects.csv")).unwrap();
    assert_eq!(
        rejects,
        "file,line,reason,row\nbad.csv,504,\"expected 8 fields like the header, found 2\",\
         \"garbage,row\"\n"
    );
    assert_eq!(names(d), ["bad.csv", "log.csv", "rejects.csv", "run"]);
}

#[test]
fn a_report_replaces_its_folder_whole_and_refuses_a_users_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fs::write(d.join("log.csv"), good_log()).unwrap();
    let o = wacost_in(d, &["replay", "log.csv", "--report", "rep"]);
    assert!(o.status.success(), "{}", stderr(&o));
    fs::write(d.join("rep/charts/stale.svg"), "<svg/>").unwrap();
    fs::write(d.join("rep/simulation_old.csv"), "x\n").unwrap();
    let o = wacost_in(d, &["replay", "log.csv", "--report", "rep"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!d.join("rep/charts/stale.svg").exists(), "no stale chart");
    assert!(!d.join("rep/simulation_old.csv").exists());
    assert!(d.join("rep/index.html").is_file());
    // A folder with the user's own files is never replaced.
    fs::create_dir(d.join("mine")).unwrap();
    fs::write(d.join("mine/notes.txt"), "mine").unwrap();
    fs::write(d.join("mine/summary.json"), "{}").unwrap();
    let o = wacost_in(d, &["replay", "log.csv", "--report", "mine"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "wacost: mine: not a folder wacost wrote (it holds notes.txt): give a new or empty \
         folder\n"
    );
    assert_eq!(names(&d.join("mine")), ["notes.txt", "summary.json"]);
    assert_eq!(names(d), ["log.csv", "mine", "rep"]);
}

#[test]
fn a_second_run_on_the_same_output_fails_clearly() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fs::write(d.join("log.csv"), good_log()).unwrap();
    // A run writing `out` holds its lock.
    let first = wacost::report::output::OutputDir::create(&d.join("out")).unwrap();
    let o = wacost_in(d, &["replay", "log.csv", "--out", "out"]);
    assert_eq!(o.status.code(), Some(1));
    let real = fs::canonicalize(d).unwrap();
    assert_eq!(
        stderr(&o),
        format!(
            "wacost: {}: another wacost run is writing it (it holds {}); wait for it to \
             finish\n",
            real.join("out").display(),
            real.join(".out.wacost-lock").display()
        )
    );
    drop(first);
    let o = wacost_in(d, &["replay", "log.csv", "--out", "out"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(names(d), ["log.csv", "out"], "lock released and removed");
}

// Item 15: no formula in a CSV cell, no control character on the terminal, contacts masked.

/// A log whose text fields are formulas and terminal escapes.
fn hostile_log() -> String {
    format!(
        "{HEADER}\n\
         2026-02-02T10:00:00Z,=HYPERLINK(\"http://x\"),+5511987654321,outbound,template,marketing,delivered,@o1\n\
         2026-02-02T10:01:00Z,red\u{1b}[31mshop,+5511987654322,outbound,template,marketing,delivered,-o2\n\
         bad-time,+cmd,+5511987654323,outbound,template,marketing,delivered,o3\n"
    )
}

#[test]
fn csv_outputs_never_start_a_formula_and_numbers_stay_numbers() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fs::write(d.join("log.csv"), hostile_log()).unwrap();
    let o = wacost_in(
        d,
        &[
            "replay",
            "log.csv",
            "--skip-invalid",
            "--rejects",
            "rejects.csv",
            "--out",
            "run",
            "--report",
            "run",
            "--format",
            "csv",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let lines = fs::read_to_string(d.join("run/lines.csv")).unwrap();
    let rows: Vec<&str> = lines.lines().collect();
    assert_eq!(rows.len(), 3, "{lines}");
    assert!(
        rows[1].starts_with(
            "message,2026-02-02T10:00:00Z,2026-02-02,\"'=HYPERLINK(\"\"http://x\"\")\",\
             (default WABA),'+55*********21,'@o1,template,marketing,delivered,PMP,marketing,\
             regular,true,Brazil,BR,0.0625,0.0625,USD,1,"
        ),
        "{}",
        rows[1]
    );
    assert!(rows[2].contains(",'+55*********22,'-o2,"), "{}", rows[2]);
    let ledger = fs::read_to_string(d.join("run/ledger.csv")).unwrap();
    assert!(
        ledger.contains(
            "2026-02-02,2026-02,\"'=HYPERLINK(\"\"http://x\"\")\",Brazil,BR,marketing,regular,\
             message,USD,1,1,1,0,0.0625\n"
        ),
        "{ledger}"
    );
    let summary = fs::read_to_string(d.join("run/summary.csv")).unwrap();
    assert!(
        summary.contains("by_business,\"'=HYPERLINK(\"\"http://x\"\")\",1,1,0.0625,USD\n"),
        "{summary}"
    );
    // `--format csv` on standard output: the same rule, and no escape character either.
    let out = stdout(&o);
    assert!(
        out.contains("by_business,\"'=HYPERLINK(\"\"http://x\"\")\",1,1,0.0625,USD\n"),
        "{out}"
    );
    assert!(
        out.contains("by_business,red\\u{1b}[31mshop,1,1,0.0625,USD\n"),
        "{out}"
    );
    assert!(!out.contains('\u{1b}'));
    // The rejects file: the contact masked, nothing a spreadsheet runs.
    assert_eq!(
        fs::read_to_string(d.join("rejects.csv")).unwrap(),
        "file,line,reason,row\nlog.csv,4,\"timestamp \"\"bad-time\"\" is neither RFC 3339 \
         (2026-02-02T10:00:00Z) nor Unix seconds\",\"bad-time,+cmd,+55*********23,outbound,\
         template,marketing,delivered,o3\"\n"
    );
    // With --show-contacts the rejects file shows them.
    let o = wacost_in(
        d,
        &[
            "replay",
            "log.csv",
            "--skip-invalid",
            "--rejects",
            "rejects.csv",
            "--show-contacts",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        fs::read_to_string(d.join("rejects.csv"))
            .unwrap()
            .contains("\"bad-time,+cmd,+5511987654323,outbound,")
    );
}

#[test]
fn terminal_output_escapes_control_characters_from_logs() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fs::write(d.join("log.csv"), hostile_log()).unwrap();
    let o = wacost_in(d, &["replay", "log.csv", "--skip-invalid"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(!out.contains('\u{1b}'), "{out:?}");
    assert!(
        out.contains("red\\u{1b}[31mshop           1       1        0.0625\n"),
        "{out}"
    );
    // An error message that quotes the log is escaped too.
    fs::write(
        d.join("esc.csv"),
        format!(
            "{HEADER}\n\u{1b}[2J,shop,+5511987654321,outbound,template,marketing,delivered,o1\n"
        ),
    )
    .unwrap();
    let o = wacost_in(d, &["replay", "esc.csv"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "wacost: esc.csv:2: timestamp \"\\u{1b}[2J\" is neither RFC 3339 \
         (2026-02-02T10:00:00Z) nor Unix seconds\n"
    );
}

// Item 11: a stream that cannot be written is an error, not a panic.

fn to_dev_full(args: &[&str], stdout_full: bool, stderr_full: bool) -> Output {
    let full = || {
        Stdio::from(
            fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap(),
        )
    };
    let mut c = Command::new(env!("CARGO_BIN_EXE_wacost"));
    c.args(args).current_dir(env!("CARGO_MANIFEST_DIR"));
    c.stdout(if stdout_full { full() } else { Stdio::piped() });
    c.stderr(if stderr_full { full() } else { Stdio::piped() });
    c.output().expect("wacost runs")
}

#[test]
fn a_full_disk_is_an_error_with_a_message() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    for args in [
        &["rates"][..],
        &["rates", "--format", "csv"],
        &["quote", "--to", "+5511987654321", "--category", "marketing"],
        &["replay", "tests/data/bad_rows.csv", "--skip-invalid"],
    ] {
        let o = to_dev_full(args, true, false);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert_eq!(
            stderr(&o),
            "wacost: standard output: No space left on device (os error 28)\n",
            "{args:?}"
        );
    }
    // Both streams full: still exit 1, no panic (101).
    let o = to_dev_full(&["rates"], true, true);
    assert_eq!(o.status.code(), Some(1));
    let o = to_dev_full(&["--help"], true, false);
    assert_eq!(o.status.code(), Some(1));
}

// Item 12 (scenarios): refused up front with the estimate.

#[test]
fn impossible_simulations_are_refused_before_they_start() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fs::write(
        d.join("big.toml"),
        "[period]\nstart = 2026-02-01\n[audience.BR]\ncontacts = 4000000000\n\
         [inbound]\nconversations_per_contact_month = 1e9\n",
    )
    .unwrap();
    let o = wacost_in(d, &["simulate", "big.toml", "--out", "out"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "wacost: big.toml: this simulation would need about 2.3e8 TiB of memory and 6.3e6 \
         years (4,000,000,000 contacts, about 8.0e18 messages a run, 1 variant, 100 runs); \
         the limits are 8.0 GiB and 1.0 h (raise them with --max-memory and --max-time)\n"
    );
    assert_eq!(names(d), ["big.toml"], "nothing written");
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/scenario_by_hand.toml");
    let o = wacost_in(
        d,
        &[
            "simulate",
            scenario.to_str().unwrap(),
            "--runs",
            "1000000000",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        format!(
            "wacost: {}: this simulation would need about 357.7 GiB of memory and 2.2 days \
             (100 contacts, about 700 messages a run, 1 variant, 1,000,000,000 runs); the \
             limits are 8.0 GiB and 1.0 h (raise them with --max-memory and --max-time)\n",
            scenario.display()
        )
    );
    let o = wacost_in(
        d,
        &[
            "compare",
            "--scenario",
            scenario.to_str().unwrap(),
            "--runs",
            "1000000000",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("1,000,000,000 runs); the limits are 8.0 GiB"),
        "{}",
        stderr(&o)
    );
    // Raised limits let a modest scenario through (its estimate is well under them).
    let o = wacost_in(
        d,
        &[
            "simulate",
            scenario.to_str().unwrap(),
            "--runs",
            "2",
            "--max-memory",
            "512M",
            "--max-time",
            "10m",
            "--format",
            "csv",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn every_kind_of_input_is_protected() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (from, to) in [
        ("data/regimes.toml", "regimes.toml"),
        ("data/providers.toml", "providers.toml"),
        ("data/fx.csv", "fx.csv"),
        ("tests/data/scenario_by_hand.toml", "s.toml"),
    ] {
        fs::copy(root.join(from), d.join(to)).unwrap();
    }
    fs::write(d.join("log.csv"), good_log()).unwrap();
    fs::write(d.join("map.csv"), "template,category\nx,marketing\n").unwrap();
    let before = snapshot(d);
    let cases: [(&[&str], &str); 6] = [
        (
            &[
                "--regimes",
                "regimes.toml",
                "replay",
                "log.csv",
                "--skip-invalid",
                "--rejects",
                "regimes.toml",
            ],
            "--rejects regimes.toml is an input (the regimes (--regimes) regimes.toml): give \
             another file",
        ),
        (
            &[
                "replay",
                "log.csv",
                "--template-map",
                "map.csv",
                "--skip-invalid",
                "--rejects",
                "map.csv",
            ],
            "--rejects map.csv is an input (the template map (--template-map) map.csv): give \
             another file",
        ),
        (
            &[
                "compare",
                "--log",
                "log.csv",
                "--providers-file",
                "providers.toml",
                "--report",
                "providers.toml",
            ],
            "--report providers.toml is an input (the providers file (--providers-file) \
             providers.toml): give another folder",
        ),
        (
            &[
                "compare", "--log", "log.csv", "--fx", "fx.csv", "--report", "fx.csv",
            ],
            "--report fx.csv is an input (the exchange rates (--fx) fx.csv): give another folder",
        ),
        (
            &["simulate", "s.toml", "--out", "s.toml"],
            "--out s.toml is an input (the scenario s.toml): give another folder",
        ),
        (
            &["simulate", "s.toml", "--report", "."],
            "--report . holds an input (the scenario s.toml), and the folder is replaced as a \
             whole: give another folder",
        ),
    ];
    for (args, message) in cases {
        let o = wacost_in(d, args);
        refused(&o, message);
    }
    assert_eq!(snapshot(d), before, "every input as it was");
}
