//! `wacost demo`: everything wacost does, on the embedded defaults, with no arguments and no
//! network.

use std::path::PathBuf;

use chrono::{DateTime, TimeZone, Utc};
use clap::Args;
use wacost::advise::{AdviseOptions, advise};
use wacost::forecast::{ForecastOptions, forecast};
use wacost::period::Period;
use wacost::pricing::category::Category;
use wacost::pricing::phone::{ContactNumber, Country};
use wacost::pricing::quote::{QuoteRequest, quote};
use wacost::pricing::{BusinessProfile, RateBook};
use wacost::read::detect::FormatOptions;
use wacost::replay::{Source, read_events, replay};
use wacost::report::bundle::Collect;
use wacost::report::output::OutputDir;
use wacost::report::table::Table;
use wacost::report::{Report, RunFolder};
use wacost::simulate::{Generator, Scenario, Workload, write_log};

use super::compare::{self, ProviderOptions};
use super::outputs::Plan;
use super::simulate::LimitArgs;
use super::terminal::{out, outln};
use super::{Failure, Format, Global};

/// Arguments of `wacost demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Where to write the report (index.html, charts, tables, workbook, charge lines).
    #[arg(long, value_name = "DIR", default_value = "reports/demo")]
    out: PathBuf,
    /// Monte Carlo runs of the forecast of the demo business (data/scenarios/demo.toml).
    #[arg(long, value_name = "N", default_value_t = EXAMPLE_RUNS)]
    runs: u32,
    #[command(flatten)]
    limits: LimitArgs,
}

struct Example {
    title: &'static str,
    to: &'static str,
    category: Category,
    at: DateTime<Utc>,
    in_service_window: bool,
    in_free_entry_point: bool,
    profile: BusinessProfile,
}

/// Runs `wacost demo`.
pub fn run(global: &Global, args: &DemoArgs) -> Result<(), Failure> {
    if args.runs == 0 {
        return Err(Failure::usage("--runs must be at least 1"));
    }
    Plan::new(global).folder("--out", Some(&args.out)).check()?;
    let scenario = Scenario::parse(BUSINESS_SCENARIO, BUSINESS_NAME).map_err(Failure::input)?;
    // The forecast simulates the months after the log `--runs` times.
    Workload::new(&scenario, &[], u64::from(args.runs) + 1, 2)
        .map_err(Failure::input)?
        .check(&args.limits.limits())?;
    // Refused now (a folder wacost did not write, another run writing it) rather than
    // after the tour.
    let staged = OutputDir::create(&args.out).map_err(super::report::failure)?;
    let book = global.rate_book()?;
    let now = Utc::now();
    let today = now.with_timezone(&global.timezone).date_naive();
    let card = book.card_at(global.currency, today)?;
    let regime = book.regime_at(today)?;
    outln!("wacost demo: what WhatsApp Business messages cost, from embedded data\n")?;
    outln!(
        "Today ({today}, {}) the {} card of {} is in force under {} ({}): {}",
        global.timezone,
        card.currency,
        card.effective,
        regime.name,
        regime.model,
        card.title
    )?;
    let (p, d, e) = card.provenance_counts();
    outln!(
        "Its {} rates: {p} published, {d} derived, {e} estimated.\n",
        p + d + e
    )?;
    let mut t = Table::new([
        "market",
        "marketing",
        "utility",
        "authentication",
        "service",
    ]);
    for c in 1..5 {
        t = t.right_align(c);
    }
    for name in [
        "Brazil",
        "India",
        "Mexico",
        "United Kingdom",
        "North America",
        "Rest of Africa",
        "Other",
    ] {
        let Some(m) = book.names.get(name) else {
            continue;
        };
        let cell = |c| {
            card.cell(m, c)
                .map_or("n/a".to_string(), |x| x.rate.to_string())
        };
        t.row([
            name.to_string(),
            cell(Category::Marketing),
            cell(Category::Utility),
            cell(Category::Authentication),
            cell(Category::Service),
        ]);
    }
    out!("{}", t.render())?;
    outln!("(all markets: `wacost rates`)\n")?;

    let brazil = "+5511987654321";
    let cbp_day = Utc
        .with_ymd_and_hms(2024, 3, 12, 15, 0, 0)
        .single()
        .expect("valid");
    let pmp_day = Utc
        .with_ymd_and_hms(2026, 2, 2, 10, 0, 0)
        .single()
        .expect("valid");
    let german_business = BusinessProfile {
        country: Country::parse("DE"),
        auth_international_eligible: true,
        ..BusinessProfile::default()
    };
    let plain = BusinessProfile::default();
    let ex = |title, to, category, at, csw, fep, profile| Example {
        title,
        to,
        category,
        at,
        in_service_window: csw,
        in_free_entry_point: fep,
        profile,
    };
    let examples = [
        ex(
            "Marketing template today",
            brazil,
            Category::Marketing,
            now,
            false,
            false,
            plain,
        ),
        ex(
            "Utility template outside the service window today",
            brazil,
            Category::Utility,
            now,
            false,
            false,
            plain,
        ),
        ex(
            "Utility template inside the service window, Feb 2026",
            brazil,
            Category::Utility,
            pmp_day,
            true,
            false,
            plain,
        ),
        ex(
            "Utility template inside the service window today",
            brazil,
            Category::Utility,
            now,
            true,
            false,
            plain,
        ),
        ex(
            "Free-form reply inside the service window, Feb 2026",
            brazil,
            Category::Service,
            pmp_day,
            true,
            false,
            plain,
        ),
        ex(
            "Free-form reply inside the service window today",
            brazil,
            Category::Service,
            now,
            true,
            false,
            plain,
        ),
        ex(
            "Free-form message outside any window",
            brazil,
            Category::Service,
            now,
            false,
            false,
            plain,
        ),
        ex(
            "Marketing template inside a free entry point window",
            brazil,
            Category::Marketing,
            now,
            true,
            true,
            plain,
        ),
        ex(
            "Authentication code to India",
            "+919876543210",
            Category::Authentication,
            now,
            false,
            false,
            plain,
        ),
        ex(
            "Authentication code to India from an eligible German business",
            "+919876543210",
            Category::Authentication,
            now,
            false,
            false,
            german_business,
        ),
        ex(
            "Marketing conversation under CBP, March 2024",
            brazil,
            Category::Marketing,
            cbp_day,
            false,
            false,
            plain,
        ),
        ex(
            "Service conversation under CBP, March 2024",
            brazil,
            Category::Service,
            cbp_day,
            true,
            false,
            plain,
        ),
        ex(
            "Dominican Republic number (+1 809): Rest of Latin America",
            "+18092201234",
            Category::Marketing,
            now,
            false,
            false,
            plain,
        ),
    ];
    outln!("Worked quotes (one delivered message each):\n")?;
    for e in &examples {
        let to = ContactNumber::parse(e.to).map_err(Failure::input)?;
        let q = quote(
            &book,
            &QuoteRequest {
                to,
                category: e.category,
                at: e.at,
                timezone: global.timezone,
                in_service_window: e.in_service_window,
                in_free_entry_point: e.in_free_entry_point,
                currency: global.currency,
                profile: e.profile,
                tokens: None,
                template: None,
            },
        )?;
        outln!("{}:", e.title)?;
        out!("{}", q.to_text())?;
        outln!()?;
    }
    report_business(global, args, &book, &scenario, staged)
}

/// The business the demo is about, embedded: a mid-size online shop in Brazil, Mexico and
/// Colombia, October and November 2026. One run of it (its seed) is the demo's log.
const BUSINESS_SCENARIO: &str = include_str!("../../data/scenarios/demo.toml");
/// Its name in reports.
const BUSINESS_NAME: &str = "data/scenarios/demo.toml";
/// Months the demo forecasts after the log.
const FORECAST_MONTHS: u32 = 2;
/// Monte Carlo runs of the forecast by default: P5 and P95 are the 1st and 19th of 20 sorted
/// totals, and the whole demo stays under 5 s of CPU in release mode.
const EXAMPLE_RUNS: u32 = 20;
/// Charge lines the demo's workbook keeps (every line is in `lines.csv` and
/// `lines.parquet`): writing the 100,000 a report keeps would be half the demo's time.
const DEMO_KEPT_LINES: usize = 10_000;

/// Generates the business's log (one run of its scenario, as `wacost simulate
/// data/scenarios/demo.toml --runs 1 --export-log FILE` writes it), replays it, compares the
/// providers on it, advises on it and forecasts from it, and writes the full report (into a
/// temporary folder that replaces `--out` once everything is written): every figure on the
/// page is about the same business.
fn report_business(
    global: &Global,
    args: &DemoArgs,
    book: &RateBook,
    scenario: &Scenario,
    staged: OutputDir,
) -> Result<(), Failure> {
    let dir = &args.out;
    // The log is read in the business's own time zone, as its scenario says.
    let global = &Global {
        timezone: scenario.timezone,
        ..global.clone()
    };
    let business = scenario
        .name
        .clone()
        .unwrap_or_else(|| "the demo business".to_string());
    let name = format!("{BUSINESS_NAME} (one run, seed {})", scenario.seed);
    let generator = Generator::new(scenario, scenario.seed).map_err(Failure::input)?;
    let mut log_bytes = Vec::new();
    write_log(&mut log_bytes, generator.events())
        .map_err(|e| Failure::input(format!("{name}: {e}")))?;
    let source = Source::Bytes(name.clone(), log_bytes.into());

    let folder = RunFolder::new(staged.path());
    let mut files = folder
        .line_files(&book.names, false)
        .map_err(super::report::failure)?;
    let mut collect = Collect::new(&mut files, DEMO_KEPT_LINES);
    let options = global.replay_options(false)?;
    let outcome = replay(
        book,
        std::slice::from_ref(&source),
        options,
        &mut collect,
        None,
    )?;
    let report = Report::builder(&outcome, book)
        .title(format!("WhatsApp Business spend: {business}"))
        .source(&name)
        .run(super::report::run_info(
            std::slice::from_ref(&name),
            global,
            false,
        ))
        .collected(collect);
    files
        .finish()
        .map_err(|e| Failure::input(format!("{}: {e}", dir.display())))?;
    outln!(
        "The business: {business} ({BUSINESS_NAME}); its log, generated from the scenario, \
         read in {}:\n",
        scenario.timezone
    )?;
    super::replay::print_summary(report.summary(), Format::Table)?;

    let provider_options = ProviderOptions::default();
    let comparison = compare::comparison(&outcome.ledger, &outcome.usage, &provider_options)?;
    outln!()?;
    out!(
        "{}",
        compare::render(&comparison, &outcome.ledger, &outcome.usage, Format::Table)?
    )?;

    // What to change, and what comes next: on the same log, held in memory.
    let formats = FormatOptions::default();
    let log = read_events(std::slice::from_ref(&source), options, &formats, None)?;
    let all = Period::default();
    let advice = advise(
        book,
        options.classify,
        &log,
        &all,
        &AdviseOptions::default(),
    )?;
    outln!()?;
    out!("{}", advice.to_text())?;
    let forecast_options = ForecastOptions {
        months: FORECAST_MONTHS,
        runs: args.runs,
        seed: 1,
        workers: 2,
    };
    let forecast =
        forecast(book, options.classify, &log, &all, &forecast_options).map_err(Failure::input)?;
    outln!()?;
    out!("{}", forecast.to_text())?;

    let top_saving = advice.findings.first().cloned();
    let next = forecast.months.first().cloned();
    let report = report
        .comparison(&comparison)
        .advice(advice)
        .forecast(forecast)
        .build();
    super::report::write(staged.path(), &report, book)?;
    staged.commit().map_err(super::report::failure)?;
    let index = dir.join(wacost::report::bundle::INDEX);

    let l = &outcome.ledger;
    outln!("\nReport: {} (open it in a browser)", index.display())?;
    outln!(
        "  total spend: {} {} for {} outbound messages ({} charged, {} priced with an estimated rate)",
        l.currency,
        l.total(),
        l.messages(),
        l.charged(),
        l.estimated_rates_used()
    )?;
    if let Some(best) = comparison.rows.first() {
        outln!(
            "  cheapest provider: {} at {} {} (Meta's fees {} + provider's fees {})",
            best.provider,
            comparison.currency,
            best.total,
            best.meta_fees,
            best.provider_fees
        )?;
    }
    if let Some(f) = top_saving {
        outln!(
            "  largest saving: {} {} ({}, {} messages)",
            l.currency,
            f.saving,
            f.id,
            f.messages
        )?;
    }
    if let Some(m) = next {
        outln!(
            "  forecast for {}: P50 {} {} (P5–P95 {} to {}) over {} runs",
            m.month,
            l.currency,
            m.p50,
            m.p5,
            m.p95,
            args.runs
        )?;
    }
    outln!(
        "  charts, tables (CSV, JSON, Parquet), workbook.xlsx and every charge line (lines.csv) \
         in {}",
        dir.display()
    )?;
    Ok(())
}
