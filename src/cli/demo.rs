//! `wacost demo`: everything wacost does, on the embedded defaults, with no arguments and no
//! network.

use std::path::PathBuf;

use chrono::{DateTime, TimeZone, Utc};
use clap::Args;
use wacost::pricing::category::Category;
use wacost::pricing::phone::{ContactNumber, Country};
use wacost::pricing::quote::{QuoteRequest, quote};
use wacost::pricing::{BusinessProfile, RateBook};
use wacost::replay::{Source, replay};
use wacost::report::bundle::{Collect, KEPT_LINES, SimulationSection};
use wacost::report::output::OutputDir;
use wacost::report::simulation;
use wacost::report::table::Table;
use wacost::report::{Report, RunFolder};
use wacost::simulate::{Limits, Scenario, Spread, Workload};

use super::compare::{self, ProviderOptions};
use super::outputs::Plan;
use super::simulate::{LimitArgs, Simulated, simulate};
use super::terminal::{out, outln};
use super::{Failure, Format, Global};

/// Arguments of `wacost demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Where to write the report (index.html, charts, tables, workbook, charge lines).
    #[arg(long, value_name = "DIR", default_value = "reports/demo")]
    out: PathBuf,
    /// Monte Carlo runs of the example scenario (data/scenarios/shop.toml).
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
    let scenario = Scenario::parse(EXAMPLE_SCENARIO, EXAMPLE_NAME).map_err(Failure::input)?;
    Workload::new(
        &scenario,
        &scenario.strategy_names(),
        u64::from(args.runs),
        2,
    )
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
    report_sample(global, args, &book, staged)
}

/// The sample log shipped in `data/`: a month of a small shop's traffic.
const SAMPLE_LOG: &str = include_str!("../../data/sample_log.csv");
/// Its name in reports.
const SAMPLE_NAME: &str = "data/sample_log.csv";

/// The example scenario, embedded: an online shop in Brazil and Mexico, February 2026, with
/// its strategies (bot first, agents only, utility inside the window, four newsletters,
/// service charged).
const EXAMPLE_SCENARIO: &str = include_str!("../../data/scenarios/shop.toml");
/// Its name in reports.
const EXAMPLE_NAME: &str = "data/scenarios/shop.toml";
/// Monte Carlo runs of the example scenario by default: enough for P5 and P95 to be the 3rd
/// and 57th of 60 sorted totals, few enough that the whole demo stays well under 30 s in
/// release mode on two cores.
const EXAMPLE_RUNS: u32 = 60;

/// Simulates the example scenario with each of its strategies (same seeds), prints the
/// headline figures and returns what the report shows of it (strategy comparison with P5–P95
/// whiskers, Monte Carlo spend distribution, tables, notes) and the spread of the base's
/// total.
fn simulate_example_scenario(
    global: &Global,
    book: &RateBook,
    runs: u32,
    limits: Limits,
) -> Result<(SimulationSection, Spread), Failure> {
    let scenario = Scenario::parse(EXAMPLE_SCENARIO, EXAMPLE_NAME).map_err(Failure::input)?;
    let sim = Simulated::new(global, &scenario, EXAMPLE_NAME, None)?;
    let result = simulate(book, &sim, runs, scenario.strategy_names(), limits)?;
    outln!(
        "\nSimulation of the example scenario ({EXAMPLE_NAME}: {scenario}), {}, amounts in {}; \
         strategies run with the same seeds, deltas are strategy − base run by run:\n",
        simulation::runs_text(result.runs, result.seed),
        result.currency
    )?;
    out!("{}", simulation::headline_text(&result))?;
    Ok((
        simulation::section(&result, &scenario, EXAMPLE_NAME),
        result.base.total,
    ))
}

/// Replays the sample log, compares the providers on it, and writes the full report (into a
/// temporary folder that replaces `--out` once everything is written).
fn report_sample(
    global: &Global,
    args: &DemoArgs,
    book: &RateBook,
    staged: OutputDir,
) -> Result<(), Failure> {
    let dir = &args.out;
    let folder = RunFolder::new(staged.path());
    let mut files = folder
        .line_files(&book.names, false)
        .map_err(super::report::failure)?;
    let mut collect = Collect::new(&mut files, KEPT_LINES);
    let options = global.replay_options(false)?;
    let source = Source::Bytes(SAMPLE_NAME.to_string(), SAMPLE_LOG.as_bytes().into());
    let outcome = replay(book, &[source], options, &mut collect, None)?;
    let report = Report::builder(&outcome, book)
        .title("WhatsApp Business spend: wacost demo")
        .source(SAMPLE_NAME)
        .run(super::report::run_info(
            &[SAMPLE_NAME.to_string()],
            global,
            false,
        ))
        .collected(collect);
    files
        .finish()
        .map_err(|e| Failure::input(format!("{}: {e}", dir.display())))?;
    outln!("Replay of the sample log ({SAMPLE_NAME}, February 2026):\n")?;
    super::replay::print_summary(report.summary(), Format::Table)?;

    let provider_options = ProviderOptions::default();
    let comparison = compare::comparison(&outcome.ledger, &outcome.usage, &provider_options)?;
    outln!()?;
    out!(
        "{}",
        compare::render(&comparison, &outcome.ledger, &outcome.usage, Format::Table)?
    )?;

    let (simulation, simulated) =
        simulate_example_scenario(global, book, args.runs, args.limits.limits())?;
    let report = report
        .comparison(&comparison)
        .simulation(simulation)
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
    outln!(
        "  simulated spend of the example scenario ({EXAMPLE_NAME}): P50 {} {} (P5–P95 \
         {} to {}) over {} runs; its strategies compared in the report",
        global.currency,
        simulated.p50,
        simulated.p5,
        simulated.p95,
        args.runs
    )?;
    outln!(
        "  charts, tables (CSV, JSON, Parquet), workbook.xlsx and every charge line (lines.csv) \
         in {}",
        dir.display()
    )?;
    Ok(())
}
