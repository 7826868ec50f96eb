//! Reports: charts (PNG and SVG), the HTML page and the XLSX workbook.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use wacost::pricing::RateBook;
use wacost::replay::{NoLines, Outcome, ReplayOptions, Source, replay};
use wacost::report::charts::{
    self, Chart, Daily, Distribution, MessageCount, Messages, ProviderCost, Providers, Ranked,
    Stacked, Strategies, StrategyStats,
};

const SAMPLE_LOG: &str = include_str!("../data/sample_log.csv");

fn sample() -> (RateBook, Outcome) {
    let book = RateBook::embedded().expect("embedded data");
    let source = Source::Bytes("data/sample_log.csv".into(), SAMPLE_LOG.as_bytes().into());
    let outcome = replay(
        &book,
        &[source],
        ReplayOptions::default(),
        &mut NoLines,
        None,
    )
    .expect("sample log replays");
    (book, outcome)
}

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).expect("valid date")
}

/// One chart of every kind, with data that exercises it: several months, a long market
/// name, negative adjustments, whiskers, a Monte Carlo sample.
fn every_kind() -> Vec<(&'static str, Chart, Vec<&'static str>)> {
    let months = ["Nov 2025", "Dec 2025", "Jan 2026", "Feb 2026"];
    let stacked = Stacked {
        title: "Spend by month and pricing category".into(),
        currency: "USD".into(),
        x_title: "Month".into(),
        x_labels: months.iter().map(|m| m.to_string()).collect(),
        series: vec![
            (
                "marketing".into(),
                vec![dec!(1200.5), dec!(1800), dec!(950.25), dec!(1320)],
            ),
            (
                "utility".into(),
                vec![dec!(310.2), dec!(280), dec!(400.75), dec!(-20)],
            ),
            (
                "authentication".into(),
                vec![dec!(80), dec!(95.5), dec!(102), dec!(88.125)],
            ),
        ],
    };
    let ranked = Ranked {
        title: "Spend by market".into(),
        currency: "USD".into(),
        items_name: "markets".into(),
        items: vec![
            ("Brazil".into(), dec!(812.5)),
            ("India".into(), dec!(402.118)),
            ("Mexico".into(), dec!(390)),
            ("Rest of Latin America".into(), dec!(120)),
            ("United Kingdom".into(), dec!(77.3)),
            ("Germany".into(), dec!(20)),
            ("Other".into(), dec!(3.2)),
        ],
        top: 4,
    };
    let daily = Daily {
        title: "Daily spend and month to date".into(),
        currency: "USD".into(),
        days: (0..45)
            .map(|i| {
                let d = day(1, 20) + chrono::Duration::days(i);
                (d, Decimal::from(i % 7 + 1) * dec!(3.125))
            })
            .collect(),
    };
    let messages = Messages {
        title: "Messages billed and free, by pricing type".into(),
        rows: vec![
            MessageCount {
                label: "regular".into(),
                billed: 1840,
                free: 120,
            },
            MessageCount {
                label: "free customer service".into(),
                billed: 0,
                free: 5230,
            },
            MessageCount {
                label: "free entry point".into(),
                billed: 0,
                free: 410,
            },
            MessageCount {
                label: "not delivered".into(),
                billed: 0,
                free: 95,
            },
        ],
    };
    let strategies = Strategies {
        title: "Strategies: simulated monthly spend".into(),
        currency: "USD".into(),
        rows: vec![
            StrategyStats {
                name: "base".into(),
                p5: dec!(1180),
                p50: dec!(1320),
                p95: dec!(1490),
                mean: dec!(1331.4),
            },
            StrategyStats {
                name: "bot first".into(),
                p5: dec!(990),
                p50: dec!(1100),
                p95: dec!(1260),
                mean: dec!(1112),
            },
            StrategyStats {
                name: "utility inside the window".into(),
                p5: dec!(870.5),
                p50: dec!(955),
                p95: dec!(1070),
                mean: dec!(961.25),
            },
        ],
    };
    let providers = Providers {
        title: "Provider comparison: the same traffic".into(),
        currency: "USD".into(),
        rows: vec![
            ProviderCost {
                name: "Meta Cloud API (direct)".into(),
                meta_fees: dec!(1320),
                provider_fees: dec!(0),
            },
            ProviderCost {
                name: "Twilio".into(),
                meta_fees: dec!(1320),
                provider_fees: dec!(410.5),
            },
            ProviderCost {
                name: "360dialog".into(),
                meta_fees: dec!(1320),
                provider_fees: dec!(49),
            },
        ],
    };
    // A deterministic, roughly bell-shaped sample: sums of three "dice".
    let totals: Vec<Decimal> = (0..1000u64)
        .map(|i| {
            let a = (i * 7919) % 101;
            let b = (i * 104_729) % 97;
            let c = (i * 1_299_709) % 89;
            dec!(1000) + Decimal::from(a + b + c) * dec!(1.37)
        })
        .collect();
    let distribution = Distribution {
        title: "Monte Carlo: total spend over 1,000 runs".into(),
        currency: "USD".into(),
        totals,
        bins: 0,
    };
    vec![
        (
            "stacked",
            stacked.into(),
            vec!["Spend (USD)", "Month", "marketing", "Feb 2026"],
        ),
        (
            "ranked",
            ranked.into(),
            vec!["Spend (USD)", "Brazil", "rest (3 markets)"],
        ),
        (
            "daily",
            daily.into(),
            vec![
                "Spend per day (USD)",
                "Month to date (USD)",
                "Day",
                "month to date (right axis)",
            ],
        ),
        (
            "messages",
            messages.into(),
            vec!["Messages", "regular", "billed"],
        ),
        (
            "strategies",
            strategies.into(),
            vec!["Spend (USD)", "bot first", "P5–P95 range", "mean"],
        ),
        (
            "providers",
            providers.into(),
            vec!["Cost (USD)", "Twilio", "Meta fees", "provider fees"],
        ),
        (
            "distribution",
            distribution.into(),
            vec!["Total spend (USD)", "Runs", "P50"],
        ),
    ]
}

/// Decodes a PNG, checks its size, and returns how many distinct colours it has and how
/// many pixels are dark (text, axes).
fn check_png(path: &Path) -> (usize, usize) {
    let file = std::fs::File::open(path).expect("png written");
    let decoder = png::Decoder::new(std::io::BufReader::new(file));
    let mut reader = decoder.read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size().expect("buffer size")];
    let info = reader.next_frame(&mut buf).expect("png decodes");
    assert_eq!(
        (info.width, info.height),
        charts::SIZE,
        "{}",
        path.display()
    );
    let channels = info.color_type.samples();
    let bytes = &buf[..info.buffer_size()];
    let mut colours = std::collections::HashSet::new();
    let mut dark = 0;
    for px in bytes.chunks(channels) {
        colours.insert(px[..3.min(channels)].to_vec());
        if px.iter().take(3).all(|c| *c < 100) {
            dark += 1;
        }
    }
    (colours.len(), dark)
}

fn check_svg(path: &Path, title: &str, texts: &[&str]) {
    let svg = std::fs::read_to_string(path).expect("svg written");
    assert!(svg.trim_start().starts_with("<svg"), "{}", path.display());
    assert!(svg.trim_end().ends_with("</svg>"));
    assert_eq!(
        svg.matches("<text").count(),
        svg.matches("</text>").count(),
        "balanced text elements"
    );
    assert!(svg.contains(title), "title {title:?} in {}", path.display());
    for t in texts {
        assert!(svg.contains(t), "{t:?} in {}", path.display());
    }
}

#[test]
fn every_chart_kind_renders_to_png_and_svg() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (stem, chart, texts) in every_kind() {
        let files = charts::write(&chart, &dir.path().join(stem)).expect("chart written");
        assert_eq!(files.png, dir.path().join(format!("{stem}.png")));
        let (colours, dark) = check_png(&files.png);
        assert!(colours > 8, "{stem}: {colours} colours");
        assert!(dark > 2000, "{stem}: {dark} dark pixels (text and axes)");
        check_svg(&files.svg, chart.title(), &texts);
        assert_eq!(
            charts::to_svg(&chart).expect("svg string"),
            std::fs::read_to_string(&files.svg).expect("svg")
        );
    }
}

fn empty_charts() -> Vec<Chart> {
    vec![
        Stacked {
            title: "Empty stacked".into(),
            ..Default::default()
        }
        .into(),
        Ranked {
            title: "Empty ranked".into(),
            ..Default::default()
        }
        .into(),
        Daily {
            title: "Empty daily".into(),
            ..Default::default()
        }
        .into(),
        Messages {
            title: "Empty messages".into(),
            ..Default::default()
        }
        .into(),
        Strategies {
            title: "Empty strategies".into(),
            ..Default::default()
        }
        .into(),
        Providers {
            title: "Empty providers".into(),
            ..Default::default()
        }
        .into(),
        Distribution {
            title: "Empty distribution".into(),
            ..Default::default()
        }
        .into(),
    ]
}

fn single_point_charts() -> Vec<Chart> {
    vec![
        Stacked {
            title: "One month".into(),
            currency: "EUR".into(),
            x_title: "Month".into(),
            x_labels: vec!["Feb 2026".into()],
            series: vec![("marketing".into(), vec![dec!(0.0625)])],
        }
        .into(),
        Stacked {
            title: "All zero".into(),
            currency: "EUR".into(),
            x_title: "Month".into(),
            x_labels: vec!["Feb 2026".into()],
            series: vec![("service".into(), vec![Decimal::ZERO])],
        }
        .into(),
        Ranked {
            title: "One market".into(),
            currency: "EUR".into(),
            items: vec![("Brazil".into(), dec!(0.0625))],
            ..Default::default()
        }
        .into(),
        Daily {
            title: "One day".into(),
            currency: "EUR".into(),
            days: vec![(day(2, 2), dec!(0.0625))],
        }
        .into(),
        Daily {
            title: "One refund".into(),
            currency: "EUR".into(),
            days: vec![(day(2, 1), dec!(-1.5))],
        }
        .into(),
        Messages {
            title: "One message".into(),
            rows: vec![MessageCount {
                label: "regular".into(),
                billed: 1,
                free: 0,
            }],
        }
        .into(),
        Strategies {
            title: "One strategy, no spread".into(),
            currency: "EUR".into(),
            rows: vec![StrategyStats {
                name: "base".into(),
                p5: dec!(10),
                p50: dec!(10),
                p95: dec!(10),
                mean: dec!(10),
            }],
        }
        .into(),
        Providers {
            title: "Nothing to pay".into(),
            currency: "EUR".into(),
            rows: vec![ProviderCost {
                name: "direct".into(),
                ..Default::default()
            }],
        }
        .into(),
        Distribution {
            title: "One run".into(),
            currency: "EUR".into(),
            totals: vec![dec!(42.5)],
            bins: 0,
        }
        .into(),
        Distribution {
            title: "Identical runs".into(),
            currency: "EUR".into(),
            totals: vec![Decimal::ZERO; 50],
            bins: 10,
        }
        .into(),
    ]
}

#[test]
fn empty_and_single_point_data_render_clearly() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (i, chart) in empty_charts().into_iter().enumerate() {
        let files = charts::write(&chart, &dir.path().join(format!("empty{i}"))).expect("drawn");
        check_png(&files.png);
        check_svg(&files.svg, chart.title(), &["No data"]);
    }
    for (i, chart) in single_point_charts().into_iter().enumerate() {
        let files = charts::write(&chart, &dir.path().join(format!("one{i}"))).expect("drawn");
        let (colours, _) = check_png(&files.png);
        assert!(colours > 4, "{}", chart.title());
        let svg = std::fs::read_to_string(&files.svg).expect("svg");
        assert!(!svg.contains("No data"), "{}", chart.title());
        assert!(
            !svg.contains("NaN") && !svg.contains("inf"),
            "{}",
            chart.title()
        );
    }
}

#[test]
fn hostile_text_is_escaped_in_svg() {
    let chart: Chart = Ranked {
        title: "Spend by <b>market</b> & \"friends\"".into(),
        currency: "USD".into(),
        items_name: "markets".into(),
        items: vec![("<script>alert(1)</script>".into(), dec!(1))],
        top: 0,
    }
    .into();
    let svg = charts::to_svg(&chart).expect("svg");
    assert!(!svg.contains("<script>"));
    assert!(!svg.contains("<b>"));
    assert!(svg.contains("&lt;script&gt;") || svg.contains("&lt;script"));
}

/// The ledger charts of the sample log. Set `WACOST_CHART_DIR` to keep the files (to look
/// at them, or to refresh `reports/examples/`).
#[test]
fn sample_log_charts() {
    let (book, outcome) = sample();
    let keep = std::env::var_os("WACOST_CHART_DIR").map(PathBuf::from);
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = keep.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir).expect("dir");
    let list = charts::ledger_charts(&outcome.ledger, &book.names);
    assert_eq!(list.len(), 4);
    for (stem, chart) in &list {
        let files = charts::write(chart, &dir.join(stem)).expect("chart written");
        let (colours, dark) = check_png(&files.png);
        assert!(colours > 8 && dark > 2000, "{stem}");
        let svg = std::fs::read_to_string(&files.svg).expect("svg");
        assert!(!svg.contains("No data"), "{stem}");
    }
    if keep.is_some() {
        use wacost::report::html::{Headline, InlineChart, Link, ReportPage};
        let mut by_market = wacost::report::table::Table::new(["market", "lines", "amount"]);
        for (k, v) in outcome
            .ledger
            .group_by(|k| book.names.name(k.market).to_string())
        {
            by_market.row([k, v.lines.to_string(), v.amount.to_string()]);
        }
        let page = ReportPage {
            title: "WhatsApp Business spend".into(),
            subtitle: "February 2026, data/sample_log.csv".into(),
            headline: Headline {
                label: "Total spend".into(),
                amount: outcome.ledger.total(),
                currency: outcome.ledger.currency.to_string(),
                note: String::new(),
            },
            facts: vec![
                (
                    "messages priced".into(),
                    outcome.ledger.messages().to_string(),
                ),
                ("charged".into(), outcome.ledger.charged().to_string()),
            ],
            assumptions: vec!["rate cards in force on each message's date (UTC)".into()],
            notes: wacost::report::summary::notes(&outcome, &book),
            tables: vec![("By market".into(), by_market)],
            charts: list
                .iter()
                .map(|(stem, c)| InlineChart::new(c, c.title(), Some(stem)).expect("svg"))
                .collect(),
            links: vec![Link::new("workbook (XLSX)", "wacost.xlsx")],
            footer: "wacost".into(),
            ..Default::default()
        };
        page.write(&dir.join("index.html")).expect("html");
        wacost::report::xlsx::write(
            &dir.join("wacost.xlsx"),
            &outcome.ledger,
            &book.names,
            None,
            &wacost::report::summary::notes(&outcome, &book),
        )
        .expect("xlsx");
        for (stem, chart, _) in every_kind() {
            charts::write(&chart, &dir.join(format!("synthetic_{stem}"))).expect("written");
        }
        for (i, chart) in empty_charts()
            .into_iter()
            .chain(single_point_charts())
            .enumerate()
        {
            charts::write(&chart, &dir.join(format!("edge_{i}"))).expect("written");
        }
    }
}

/// The charts must not depend on the machine's fonts. plotters' `ab_glyph` backend never
/// asks fontconfig or reads a font file: it only knows the fonts registered with
/// `register_font`, and wacost registers DejaVu Sans from bytes embedded in the binary. This
/// machine has DejaVu installed, so to prove it the test renders once normally and once in a
/// child process (this same test binary) whose fontconfig configuration is empty and whose
/// font directories point nowhere, and checks that both PNGs are identical pixel for pixel.
#[test]
fn charts_render_identically_with_system_fonts_hidden() {
    let (_, chart, _) = every_kind().remove(0);
    let dir = tempfile::tempdir().expect("temp dir");
    let here = charts::write(&chart, &dir.path().join("here")).expect("drawn");

    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).expect("dir");
    let conf = dir.path().join("fonts.conf");
    std::fs::write(
        &conf,
        "<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig SYSTEM \"fonts.dtd\">\n<fontconfig></fontconfig>\n",
    )
    .expect("conf");
    let out = dir.path().join("hidden");
    let status = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", "render_for_hidden_fonts_test", "--nocapture"])
        .env("WACOST_HIDDEN_FONTS_OUT", &out)
        .env("FONTCONFIG_FILE", &conf)
        .env("FONTCONFIG_PATH", &empty)
        .env("XDG_DATA_HOME", &empty)
        .env("XDG_DATA_DIRS", &empty)
        .env("HOME", &empty)
        .status()
        .expect("child runs");
    assert!(status.success(), "rendering with fonts hidden failed");
    let there = PathBuf::from(format!("{}.png", out.display()));
    assert_eq!(pixels(&here.png), pixels(&there), "identical rendering");
    assert_eq!(
        std::fs::read_to_string(&here.svg).expect("svg"),
        std::fs::read_to_string(format!("{}.svg", out.display())).expect("svg")
    );
}

/// Run by the test above in a child process; does nothing on its own.
#[test]
fn render_for_hidden_fonts_test() {
    let Some(out) = std::env::var_os("WACOST_HIDDEN_FONTS_OUT") else {
        return;
    };
    let (_, chart, _) = every_kind().remove(0);
    let files = charts::write(&chart, Path::new(&out)).expect("drawn with fonts hidden");
    let (_, dark) = check_png(&files.png);
    assert!(dark > 2000, "text was drawn");
}

fn pixels(path: &Path) -> Vec<u8> {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(path).expect("png"),
    ));
    let mut reader = decoder.read_info().expect("header");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("decodes");
    buf.truncate(info.buffer_size());
    buf
}

mod xlsx {
    use super::*;
    use calamine::{Data, Reader, Xlsx, open_workbook};
    use wacost::report::xlsx::{self, GRAND_TOTAL, KeepLines, LEDGER, LINES, SUMMARY};

    fn number(d: &Data) -> f64 {
        match d {
            Data::Float(f) => *f,
            Data::Int(i) => *i as f64,
            other => panic!("not a number: {other:?}"),
        }
    }

    #[test]
    fn workbook_totals_equal_the_ledger() {
        let book = RateBook::embedded().expect("embedded data");
        let source = Source::Bytes("data/sample_log.csv".into(), SAMPLE_LOG.as_bytes().into());
        let mut keep = KeepLines::new(xlsx::MAX_ROWS);
        let outcome =
            replay(&book, &[source], ReplayOptions::default(), &mut keep, None).expect("replays");
        let ledger = &outcome.ledger;
        assert!(ledger.total() > Decimal::ZERO);
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("wacost.xlsx");
        let notes = vec!["3 messages priced with estimated rates".to_string()];
        xlsx::write(&path, ledger, &book.names, Some(&keep.lines), &notes).expect("written");

        let mut wb: Xlsx<_> = open_workbook(&path).expect("reopens");
        assert_eq!(
            wb.sheet_names(),
            [
                SUMMARY,
                "by_category",
                "by_market",
                "by_month",
                LEDGER,
                LINES
            ]
        );
        let names = wb.defined_names().to_vec();
        let summary = wb.worksheet_range(SUMMARY).expect("summary");
        let formulas = wb.worksheet_formula(SUMMARY).expect("formulas");
        let total_row = (0..summary.height() as u32 + 1)
            .find(|r| summary.get_value((*r, 0)) == Some(&Data::String("Total".into())))
            .expect("a Total row");
        let cell = summary.get_value((total_row, 3)).expect("total cell");
        let expected: f64 = ledger.total().to_string().parse().expect("f64");
        assert!(
            (number(cell) - expected).abs() < 1e-9,
            "{cell:?} vs {expected}"
        );
        // The exact figure next to it, and the formula behind it.
        assert_eq!(
            summary.get_value((total_row, 4)),
            Some(&Data::String(ledger.total().to_string()))
        );
        let f = formulas.get_value((total_row, 3)).expect("formula");
        assert!(f.starts_with("SUM(D"), "{f}");
        // The cross-check against the ledger sheet.
        let check = formulas.get_value((total_row + 1, 3)).expect("check");
        assert!(check.starts_with("SUM(ledger!M2:M"), "{check}");
        assert!(names.iter().any(|(n, _)| n == GRAND_TOTAL), "{names:?}");
        // The note is there.
        let found = (0..summary.height() as u32 + 2)
            .any(|r| summary.get_value((r, 0)) == Some(&Data::String(notes[0].clone())));
        assert!(found);

        // Every sheet adds up: sum the numbers of the amount column ourselves.
        for (sheet, col) in [("by_category", 3), ("by_market", 3), ("by_month", 3)] {
            let r = wb.worksheet_range(sheet).expect("sheet");
            let mut sum = 0.0;
            let mut total = None;
            for row in 1..r.height() as u32 {
                match r.get_value((row, 0)) {
                    Some(Data::String(s)) if s == "Total" => {
                        total = r.get_value((row, col)).map(number)
                    }
                    Some(_) => sum += r.get_value((row, col)).map(number).unwrap_or(0.0),
                    None => {}
                }
            }
            let total = total.expect("total row");
            assert!((sum - expected).abs() < 1e-9, "{sheet}: {sum}");
            assert!((total - expected).abs() < 1e-9, "{sheet}: {total}");
        }
        let l = wb.worksheet_range(LEDGER).expect("ledger");
        assert_eq!(l.height(), ledger.rows().len() + 1);
        let amounts: f64 = (1..l.height() as u32)
            .map(|r| number(l.get_value((r, 12)).expect("amount")))
            .sum();
        assert!((amounts - expected).abs() < 1e-9);
        let exact: Decimal = (1..l.height() as u32)
            .map(|r| match l.get_value((r, 13)) {
                Some(Data::String(s)) => s.parse::<Decimal>().expect("decimal"),
                other => panic!("{other:?}"),
            })
            .sum();
        assert_eq!(exact, ledger.total(), "the exact column adds up exactly");
        let lines = wb.worksheet_range(LINES).expect("lines");
        assert_eq!(lines.height(), keep.lines.len() + 1);
        // Contacts are masked.
        let contact_col = wacost::report::lines::COLUMNS
            .iter()
            .position(|c| *c == "contact")
            .expect("contact column") as u32;
        for r in 1..lines.height() as u32 {
            if let Some(Data::String(s)) = lines.get_value((r, contact_col)) {
                assert!(!s.contains("987650001"), "unmasked contact {s}");
            }
        }
    }

    #[test]
    fn an_empty_ledger_makes_a_valid_workbook() {
        let book = RateBook::embedded().expect("embedded data");
        let ledger = wacost::ledger::Ledger::new(wacost::money::Currency::EUR);
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("empty.xlsx");
        xlsx::write(&path, &ledger, &book.names, None, &[]).expect("written");
        let mut wb: Xlsx<_> = open_workbook(&path).expect("reopens");
        let summary = wb.worksheet_range(SUMMARY).expect("summary");
        let total_row = (0..summary.height() as u32 + 1)
            .find(|r| summary.get_value((*r, 0)) == Some(&Data::String("Total".into())))
            .expect("a Total row");
        assert_eq!(
            number(summary.get_value((total_row, 3)).expect("total")),
            0.0
        );
    }
}

mod html {
    use super::*;
    use wacost::report::html::{Headline, InlineChart, Link, ReportPage};
    use wacost::report::summary;
    use wacost::report::table::Table;

    const HOSTILE: &str = "<script>alert(1)</script>";

    #[test]
    fn page_escapes_log_text_and_embeds_every_chart() {
        // A business named like an attack, and a template-ish name in a table.
        let log = SAMPLE_LOG.replace("+1 555 010 0002", HOSTILE);
        let book = RateBook::embedded().expect("embedded data");
        let source = Source::Bytes("hostile.csv".into(), log.into_bytes().into());
        let outcome = replay(
            &book,
            &[source],
            ReplayOptions::default(),
            &mut NoLines,
            None,
        )
        .expect("replays");
        let ledger = &outcome.ledger;

        let mut tables = Vec::new();
        for (name, g) in summary::groupings(&outcome, &book) {
            let mut t = Table::new(["key", "lines", "amount"]);
            for (k, v) in g {
                t.row([k, v.lines.to_string(), v.amount.to_string()]);
            }
            tables.push((name.to_string(), t));
        }
        let mut templates = Table::new(["template", "sent"]);
        templates.row([format!("order_update {HOSTILE}"), "3".to_string()]);
        tables.push((format!("templates {HOSTILE}"), templates));
        assert!(
            tables
                .iter()
                .any(|(_, t)| t.rows().iter().any(|r| r[0] == HOSTILE)),
            "the hostile business reached the tables"
        );

        let mut list: Vec<(String, Chart)> = charts::ledger_charts(ledger, &book.names)
            .into_iter()
            .map(|(s, c)| (s.to_string(), c))
            .collect();
        list.push((
            "by_business".into(),
            Ranked {
                title: format!("Spend by business {HOSTILE}"),
                currency: ledger.currency.to_string(),
                items_name: "businesses".into(),
                items: ledger
                    .group_by(|k| k.business.name())
                    .into_iter()
                    .map(|(k, t)| (k, t.amount))
                    .collect(),
                top: 5,
            }
            .into(),
        ));
        for (stem, chart, _) in every_kind() {
            list.push((stem.to_string(), chart));
        }
        let inline: Vec<InlineChart> = list
            .iter()
            .map(|(stem, c)| {
                InlineChart::new(c, format!("{} {HOSTILE}", c.title()), Some(stem)).expect("svg")
            })
            .collect();
        let page = ReportPage {
            title: format!("Spend of {HOSTILE}"),
            subtitle: "February 2026".into(),
            headline: Headline {
                label: "Total spend".into(),
                amount: ledger.total(),
                currency: ledger.currency.to_string(),
                note: format!("note {HOSTILE}"),
            },
            facts: vec![("messages".into(), ledger.messages().to_string())],
            assumptions: vec!["USD rate card in force on each message's date".into()],
            notes: summary::notes(&outcome, &book)
                .into_iter()
                .chain([format!("template {HOSTILE} had no category")])
                .collect(),
            provenance: vec![(format!("cards {HOSTILE}"), {
                let mut t = wacost::report::table::Table::new(["card", "note"]);
                t.row(["2026-01-01".to_string(), HOSTILE.to_string()]);
                t
            })],
            first: vec![(
                format!("What to change {HOSTILE}"),
                format!("lead {HOSTILE}"),
                {
                    let mut t = wacost::report::table::Table::new(["finding", "saving"]);
                    t.row([HOSTILE.to_string(), "1.00".to_string()]);
                    t
                },
            )],
            first_charts: Vec::new(),
            tables,
            charts: inline,
            links: vec![
                Link::new("ledger (CSV)", "tables/ledger.csv"),
                Link::new(HOSTILE, "javascript:alert(1)"),
            ],
            footer: "wacost".into(),
        };
        let html = page.render();
        let dir = tempfile::tempdir().expect("temp dir");
        page.write(&dir.path().join("index.html")).expect("written");

        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(
            !html.to_ascii_lowercase().contains("<script"),
            "nothing executable"
        );
        assert!(
            !html.contains("javascript:alert(1)\""),
            "no javascript: link"
        );
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        // No network: no external resource of any kind.
        for bad in ["src=\"http", "href=\"http", "@import", "url(", "<link"] {
            assert!(!html.contains(bad), "{bad}");
        }
        // Every chart is inline, with its files linked.
        assert_eq!(html.matches("<svg ").count(), list.len());
        assert_eq!(html.matches("<figure>").count(), list.len());
        for (stem, c) in &list {
            let title = wacost::report::html::escape(c.title());
            assert!(html.contains(&title), "{title}");
            assert!(html.contains(&format!("href=\"{stem}.png\"")), "{stem}");
        }
        // The headline is the exact total.
        assert!(html.contains(&ledger.total().to_string()));
    }
}

/// Dense data: labels are thinned or cut, never overlapping; long names fit.
fn dense_charts() -> Vec<(&'static str, Chart)> {
    let months: Vec<String> = (0..30)
        .map(|i| {
            let d = NaiveDate::from_ymd_opt(2024 + (i / 12), (i % 12) as u32 + 1, 1).expect("date");
            d.format("%b %Y").to_string()
        })
        .collect();
    let series = [
        "marketing",
        "utility",
        "authentication",
        "authentication_international",
        "service",
    ]
    .iter()
    .enumerate()
    .map(|(k, name)| {
        (
            name.to_string(),
            (0..30)
                .map(|i| Decimal::from((i * 37 + k as i64 * 101) % 900 + 50) * dec!(10.5))
                .collect(),
        )
    })
    .collect();
    let markets: Vec<(String, Decimal)> = (0..25)
        .map(|i| {
            (
                format!("Market number {i} with a rather long official name"),
                Decimal::from(1000 - i * 37) * dec!(12.25),
            )
        })
        .collect();
    let days: Vec<(NaiveDate, Decimal)> = (0..200)
        .map(|i| {
            (
                day(1, 1) + chrono::Duration::days(i),
                Decimal::from((i * 13) % 50 + 1) * dec!(7.5),
            )
        })
        .collect();
    let strategies = (0..12)
        .map(|i| StrategyStats {
            name: format!("strategy {i}: bot first, two campaigns a month, utility in window"),
            p5: Decimal::from(10_000 + i * 800),
            p50: Decimal::from(12_000 + i * 800),
            p95: Decimal::from(15_500 + i * 900),
            mean: Decimal::from(12_300 + i * 810),
        })
        .collect();
    vec![
        (
            "dense_stacked",
            Stacked {
                title: "Thirty months".into(),
                currency: "INR".into(),
                x_title: "Month".into(),
                x_labels: months,
                series,
            }
            .into(),
        ),
        (
            "dense_ranked",
            Ranked {
                title: "Twenty-five markets".into(),
                currency: "INR".into(),
                items_name: "markets".into(),
                items: markets,
                top: 12,
            }
            .into(),
        ),
        (
            "dense_daily",
            Daily {
                title: "Two hundred days".into(),
                currency: "INR".into(),
                days,
            }
            .into(),
        ),
        (
            "dense_strategies",
            Strategies {
                title: "Twelve strategies".into(),
                currency: "INR".into(),
                rows: strategies,
            }
            .into(),
        ),
    ]
}

#[test]
fn dense_data_renders() {
    let keep = std::env::var_os("WACOST_CHART_DIR").map(PathBuf::from);
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = keep.unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir).expect("dir");
    for (stem, chart) in dense_charts() {
        let files = charts::write(&chart, &dir.join(stem)).expect("drawn");
        let (colours, dark) = check_png(&files.png);
        assert!(colours > 8 && dark > 2000, "{stem}");
    }
}
