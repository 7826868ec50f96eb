//! `wacost compare`: what a log would cost with each provider (BSP), Meta's fees and the
//! provider's own, in one currency, cheapest first.
//!
//! The part after "we have a Ledger and Usage" is [`compare_table`], so that other inputs (a
//! simulated scenario) print the same table; [`ProviderOptions`] holds the options it needs
//! and can be flattened into another command's arguments.

use std::path::PathBuf;

use clap::Args;
use wacost::classify::ClassifyConfig;
use wacost::fx::FxTable;
use wacost::ledger::Ledger;
use wacost::money::Currency;
use wacost::pricing::DataSource;
use wacost::providers::{BillOptions, Comparison, Providers, compare};
use wacost::replay::{NoLines, ReplayOptions, Source, replay};
use wacost::report::bundle::{self, Collect, Report};
use wacost::report::summary;
use wacost::usage::Usage;

use super::{Failure, Format, Global};

/// The options of a provider comparison, whatever the input.
#[derive(Args, Debug, Clone)]
pub struct ProviderOptions {
    /// Providers to compare, by name, comma-separated (default: every provider known).
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    pub providers: Vec<String>,
    /// Add or replace providers with this TOML file (format: data/providers.toml).
    #[arg(long, value_name = "FILE")]
    pub providers_file: Option<PathBuf>,
    /// Exchange rates `date,from,to,rate,source` (replaces the default snapshot, which holds
    /// Meta's rate-card ratios, not market rates).
    #[arg(long, value_name = "FILE")]
    pub fx: Option<PathBuf>,
    /// Seats (users, agents) for per-seat fees.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seats: u64,
    /// Business numbers billed each month for per-number fees (default: the numbers with
    /// traffic in the month).
    #[arg(long, value_name = "N")]
    pub numbers: Option<u64>,
    /// The currency of the comparison (the global --currency is the rate card's).
    #[arg(long, value_name = "CUR", default_value = "USD")]
    pub report_currency: Currency,
}

impl Default for ProviderOptions {
    /// Every provider known, the default FX snapshot, one seat, USD.
    fn default() -> ProviderOptions {
        ProviderOptions {
            providers: Vec::new(),
            providers_file: None,
            fx: None,
            seats: 1,
            numbers: None,
            report_currency: Currency::USD,
        }
    }
}

/// Arguments of `wacost compare`.
#[derive(Args, Debug)]
pub struct CompareArgs {
    /// Logs in canonical CSV (`-` reads standard input). Several logs are one log.
    #[arg(long = "log", value_name = "LOG", required = true, num_args = 1..)]
    pub logs: Vec<String>,
    /// Providers, currency and rates.
    #[command(flatten)]
    pub options: ProviderOptions,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Also write the full report (the replay of the log and the comparison) to this
    /// folder: index.html, charts, tables, workbook.xlsx.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
    /// Show full phone numbers in the report (masked by default).
    #[arg(long)]
    pub show_contacts: bool,
}

/// Runs `wacost compare`.
pub fn run(global: &Global, args: &CompareArgs) -> Result<(), Failure> {
    let book = global.rate_book()?;
    let sources: Vec<Source> = args
        .logs
        .iter()
        .map(|l| {
            if l == "-" {
                Source::Stdin
            } else {
                Source::Path(PathBuf::from(l))
            }
        })
        .collect();
    let options = ReplayOptions {
        classify: ClassifyConfig {
            currency: global.currency,
            timezone: global.timezone,
            profile: global.profile()?,
            ..ClassifyConfig::default()
        },
        skip_invalid: false,
    };
    let keep = if args.report.is_some() {
        bundle::KEPT_LINES
    } else {
        0
    };
    let mut none = NoLines;
    let mut collect = Collect::new(&mut none, keep);
    let outcome = replay(&book, &sources, options, &mut collect, None).map_err(Failure::input)?;
    let comparison = comparison(&outcome.ledger, &outcome.usage, &args.options)?;
    print!(
        "{}",
        render(&comparison, &outcome.ledger, &outcome.usage, args.format)?
    );
    if let Some(dir) = &args.report {
        let run = super::report::run_info(&args.logs, global, args.show_contacts);
        let mut report = Report::from_outcome(&outcome, &book, args.logs.join(", "));
        report.summary = super::report::with_run(summary::to_json(&outcome, &book), run);
        report.assumptions = super::report::assumptions(global.timezone.name());
        report.comparison = Some(&comparison);
        report.lines = Some(&collect.kept.lines);
        report.lines_dropped = collect.kept.dropped;
        report.contacts = collect.top_contacts(bundle::TOP_CONTACTS, args.show_contacts);
        report.show_contacts = args.show_contacts;
        let written = super::report::write(dir, &report)?;
        eprintln!("wacost: report written to {}", written.index.display());
    }
    Ok(())
}

/// The providers chosen, the user's file merged over the defaults.
pub fn load_providers(options: &ProviderOptions) -> Result<Providers, Failure> {
    let mut providers = Providers::embedded();
    if let Some(path) = &options.providers_file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
        providers.merge(Providers::parse(&text, &DataSource::file(path))?);
    }
    Ok(providers)
}

/// The FX table: the user's file, or the default snapshot.
pub fn load_fx(options: &ProviderOptions) -> Result<FxTable, Failure> {
    match &options.fx {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
            Ok(FxTable::parse(&text, &DataSource::file(path))?)
        }
        None => Ok(FxTable::embedded()),
    }
}

/// Compares the providers for a ledger (Meta's fees) and its usage, and renders the result.
/// (For `simulate`: the same table for a simulated ledger.)
#[allow(dead_code)]
pub fn compare_table(
    ledger: &Ledger,
    usage: &Usage,
    options: &ProviderOptions,
    format: Format,
) -> Result<String, Failure> {
    let c = comparison(ledger, usage, options)?;
    render(&c, ledger, usage, format)
}

/// Compares the providers for a ledger (Meta's fees) and its usage.
pub fn comparison(
    ledger: &Ledger,
    usage: &Usage,
    options: &ProviderOptions,
) -> Result<Comparison, Failure> {
    let providers = load_providers(options)?;
    let chosen = providers
        .select(&options.providers)
        .map_err(Failure::usage)?;
    let fx = load_fx(options)?;
    let bill_options = BillOptions {
        seats: options.seats,
        numbers: options.numbers,
        fx: &fx,
    };
    compare(
        &chosen,
        ledger,
        usage,
        &bill_options,
        options.report_currency,
    )
    .map_err(Failure::input)
}

/// Renders a comparison as a table with notes, CSV or JSON.
pub fn render(
    c: &Comparison,
    ledger: &Ledger,
    usage: &Usage,
    format: Format,
) -> Result<String, Failure> {
    match format {
        Format::Json => {
            let outbound = usage.values().map(|u| u.outbound()).sum::<u64>();
            let doc = bundle::comparison_json(c, ledger.currency.code(), outbound);
            Ok(serde_json::to_string_pretty(&doc)? + "\n")
        }
        Format::Csv => Ok(bundle::providers_csv_table(c).to_csv()?),
        Format::Table => {
            let outbound: u64 = usage.values().map(|u| u.outbound()).sum();
            let months = match (usage.keys().next(), usage.keys().next_back()) {
                (Some(a), Some(b)) if a == b => format!("{:04}-{:02}", a.0, a.1),
                (Some(a), Some(b)) => format!("{:04}-{:02} to {:04}-{:02}", a.0, a.1, b.0, b.1),
                _ => "no months".to_string(),
            };
            let mut out = format!(
                "Provider comparison in {} ({months}, {outbound} outbound messages; Meta's fees \
                 from the {} rate card)\n\n",
                c.currency, ledger.currency
            );
            out.push_str(&bundle::providers_table(c).render());
            if !c.notes.is_empty() {
                out.push_str("\nNotes:\n");
                for n in &c.notes {
                    out.push_str(&format!("- {n}\n"));
                }
            }
            out.push_str("\nSources (as of):\n");
            for r in &c.rows {
                out.push_str(&format!("- {} ({}): {}\n", r.provider, r.as_of, r.source));
            }
            out.push_str(
                "\nEach provider's notes (gaps, assumptions, uncertain figures) are in \
                 --format json and data/providers.toml.\n",
            );
            Ok(out)
        }
    }
}
