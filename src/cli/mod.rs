//! Command-line parsing and the options every command shares. One file per command.

mod advise;
mod compare;
mod demo;
mod forecast;
mod hint;
mod input;
mod outputs;
mod period;
mod progress;
mod quote;
mod rates;
mod reconcile;
mod replay;
mod report;
mod simulate;
mod terminal;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use wacost::money::Currency;
use wacost::pricing::phone::Country;
use wacost::pricing::regime::AllowanceScope;
use wacost::pricing::{BusinessProfile, Loaded, RateBook};
use wacost::replay::ReplayOptions;

/// What WhatsApp Business messaging costs, and what it would cost if you did it differently.
#[derive(Parser, Debug)]
#[command(name = "wacost", version, about, long_about = None, max_term_width = 100)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Show the rate card in force on a date, with the provenance of every rate.
    #[command(
        after_help = "Examples:\n  wacost rates --at 2026-11-01 --market Brazil\n  \
                            wacost rates --currency INR --format csv > rates.csv"
    )]
    Rates(rates::RatesArgs),
    /// Price one delivered message and show the rule that decided it.
    #[command(
        after_help = "Examples:\n  wacost quote --to +5511987654321 --category marketing\n  \
                            wacost quote --to +919876543210 --category utility \
                            --in-service-window --at 2026-11-02T10:00:00Z"
    )]
    Quote(quote::QuoteArgs),
    /// Price a message log exactly, and say which rule priced every message.
    #[command(
        after_help = "Examples:\n  wacost replay data/sample_log.csv --report report/\n  \
                            wacost replay hooks/ --skip-invalid --rejects rejects.csv --format json"
    )]
    Replay(replay::ReplayArgs),
    /// Compare our pricing of a log with Meta's own: the pricing verdict of every status
    /// webhook, and (with --analytics) Meta's daily volumes and costs.
    #[command(after_help = "Examples:\n  wacost reconcile hooks.jsonl\n  \
                            wacost reconcile hooks/ --analytics pricing_analytics.json --format json")]
    Reconcile(reconcile::ReconcileArgs),
    /// Compare what a log would cost with each provider (BSP), in one currency.
    #[command(
        after_help = "Examples:\n  wacost compare --log data/sample_log.csv\n  \
                            wacost compare --scenario data/scenarios/shop.toml --runs 50 \
                            --report-currency EUR"
    )]
    Compare(compare::CompareArgs),
    /// Rebuild the full report (HTML page, charts, tables, workbook) from a folder `replay
    /// --out` (or any `--report`) wrote, for the whole run or one period of it.
    #[command(
        after_help = "Examples:\n  wacost replay log.csv --out run/ && wacost report run/\n  \
                            wacost report run/ --month 2026-11 --out november/"
    )]
    Report(report::ReportArgs),
    /// Simulate a scenario of expected traffic many times: P5/P50/P95 of spend, and
    /// strategies compared with the same random numbers.
    #[command(
        after_help = "Examples:\n  wacost simulate data/scenarios/shop.toml --runs 200\n  \
                            wacost simulate data/scenarios/fintech.toml --strategy sms_otp --report sim/"
    )]
    Simulate(simulate::SimulateArgs),
    /// What to change: the what-ifs that save money on the log itself, largest saving first.
    #[command(after_help = "Examples:\n  wacost advise data/sample_log.csv\n  \
                            wacost advise logs/ --month 2026-11 --format json")]
    Advise(advise::AdviseArgs),
    /// Next months' spend (P5/P50/P95), learnt from the log, as an editable scenario.
    #[command(
        after_help = "Examples:\n  wacost forecast data/sample_log.csv --months 3\n  \
                            wacost forecast logs/ --months 6 --runs 200 --write-scenario next.toml"
    )]
    Forecast(forecast::ForecastArgs),
    /// Run everything on the embedded defaults, with no arguments and no network.
    #[command(after_help = "Examples:\n  wacost demo\n  wacost demo --out /tmp/demo")]
    Demo(demo::DemoArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(
        after_help = "Examples:\n  wacost completions bash > ~/.local/share/bash-completion/completions/wacost\n  \
                            wacost completions zsh > ~/.zfunc/_wacost"
    )]
    Completions(CompletionsArgs),
    /// Write the manual pages (roff), one per command, to a folder.
    #[command(
        after_help = "Examples:\n  wacost man --out man/ && man man/wacost.1\n  \
                            wacost man --out /usr/local/share/man/man1"
    )]
    Man(ManArgs),
}

/// Arguments of `wacost completions`.
#[derive(Args, Debug)]
struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

/// Arguments of `wacost man`.
#[derive(Args, Debug)]
struct ManArgs {
    /// The folder to write `wacost.1`, `wacost-replay.1`… into (created if needed).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

/// Options every command accepts: where the pricing data comes from and who the business is.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Options of every command")]
pub struct Global {
    /// Add a rate card (our format, Meta's Pricing.csv, or Meta's Tier Pricing.csv).
    /// Repeatable.
    #[arg(long = "rate-card", value_name = "FILE", global = true)]
    pub rate_cards: Vec<PathBuf>,
    /// The date each --rate-card takes effect (in order), when the file does not say or to
    /// override it.
    #[arg(long = "effective", value_name = "YYYY-MM-DD", global = true)]
    pub effective: Vec<NaiveDate>,
    /// Replace the rule regimes with this TOML file (see data/regimes.toml).
    #[arg(long, value_name = "FILE", global = true)]
    pub regimes: Option<PathBuf>,
    /// The WABA's time zone: card dates, rule dates and months start at 00:00 there.
    #[arg(long, value_name = "TZ", default_value = "UTC", global = true)]
    pub timezone: Tz,
    /// The WABA's billing currency: which cards price messages.
    #[arg(long, value_name = "CUR", default_value = "USD", global = true)]
    pub currency: Currency,
    /// The business's primary location (ISO country), for authentication-international.
    #[arg(long, value_name = "CC", global = true)]
    pub business_country: Option<String>,
    /// The business is eligible for authentication-international rates.
    #[arg(long, global = true)]
    pub auth_international_eligible: bool,
    /// Size of the monthly free service allowance reported from 2026-10-01 (default 1000).
    #[arg(long, value_name = "N", global = true)]
    pub service_allowance: Option<u32>,
    /// Who shares that allowance: each business number (default) or the whole WABA.
    #[arg(long, value_enum, value_name = "SCOPE", global = true)]
    pub allowance_scope: Option<ScopeArg>,
    /// The business is an eligible government or non-profit: service messages free beyond
    /// the monthly free tier while Meta's exemption lasts (2026-10-01 to 2027-12-31).
    #[arg(long, global = true)]
    pub service_exempt: bool,
    /// Marketing Messages API max prices of your templates (TOML: currency, then
    /// `[templates.NAME] max_price_per_1000 = "…"`, optional `country_multipliers`).
    #[arg(long, value_name = "FILE", global = true)]
    pub max_prices: Option<PathBuf>,
    /// A market map of your own (CSV like data/markets.csv): its rows replace the embedded
    /// rows of the countries it names (e.g. price Jersey numbers as United Kingdom).
    #[arg(long, value_name = "FILE", global = true)]
    pub market_map: Option<PathBuf>,
    /// A charged message whose card has no rate for its market and category: an error naming
    /// them (default), or priced at 0 and counted in the summary.
    #[arg(
        long,
        value_enum,
        value_name = "WHAT",
        default_value = "error",
        global = true
    )]
    pub missing_rate: MissingRateArg,
}

/// What a charged message without a rate on its card becomes.
#[derive(ValueEnum, Clone, Copy, Debug, Default)]
pub enum MissingRateArg {
    /// Stop with an error naming market, category and date.
    #[default]
    Error,
    /// Price it at 0, flag its line and count it in the summary.
    Zero,
}

/// Who shares a free allowance.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum ScopeArg {
    /// Each business phone number has its own allowance.
    Number,
    /// One allowance for the whole WhatsApp Business Account.
    Waba,
}

/// Output format of a command.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    /// Aligned columns for a terminal.
    #[default]
    Table,
    /// Comma-separated values.
    Csv,
    /// One JSON document.
    Json,
}

/// A failure the binary reports in one message, with its exit code.
#[derive(Debug)]
pub struct Failure {
    message: String,
    code: u8,
}

impl Failure {
    /// Bad input or data: exit 1.
    pub fn input(message: impl std::fmt::Display) -> Failure {
        Failure {
            message: message.to_string(),
            code: 1,
        }
    }

    /// Wrong usage: exit 2.
    pub fn usage(message: impl std::fmt::Display) -> Failure {
        Failure {
            message: message.to_string(),
            code: 2,
        }
    }
}

macro_rules! input_failure_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Failure {
            fn from(e: $t) -> Failure {
                Failure::input(e)
            }
        }
    )*};
}

// Errors whose message needs no option named; those that do are in `hint`.
input_failure_from!(
    wacost::pricing::DataError,
    std::io::Error,
    serde_json::Error,
    csv::Error
);

/// Parses the command line and runs the command.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Help, the version, or wrong usage: clap's text, where clap puts it; a stream
        // that cannot take it (a full disk) fails the run.
        Err(e) => {
            let code = e.exit_code();
            return match e.print() {
                Err(io) if io.kind() != std::io::ErrorKind::BrokenPipe => {
                    terminal::note(&format!("standard output: {io}"));
                    ExitCode::from(1)
                }
                _ => ExitCode::from(u8::try_from(code).unwrap_or(2)),
            };
        }
    };
    let result = match &cli.command {
        Command::Rates(a) => rates::run(&cli.global, a),
        Command::Quote(a) => quote::run(&cli.global, a),
        Command::Replay(a) => replay::run(&cli.global, a),
        Command::Reconcile(a) => reconcile::run(&cli.global, a),
        Command::Compare(a) => compare::run(&cli.global, a),
        Command::Report(a) => report::run(&cli.global, a),
        Command::Simulate(a) => simulate::run(&cli.global, a),
        Command::Demo(a) => demo::run(&cli.global, a),
        Command::Advise(a) => advise::run(&cli.global, a),
        Command::Forecast(a) => forecast::run(&cli.global, a),
        Command::Completions(a) => completions(a),
        Command::Man(a) => man(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            let _ = std::io::stdout().flush();
            terminal::note(&f.message);
            ExitCode::from(f.code)
        }
    }
}

/// `wacost completions SHELL`: the completion script on standard output.
fn completions(args: &CompletionsArgs) -> Result<(), Failure> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "wacost", &mut script);
    terminal::out!("{}", String::from_utf8_lossy(&script))
}

/// `wacost man --out DIR`: one manual page per command.
fn man(args: &ManArgs) -> Result<(), Failure> {
    std::fs::create_dir_all(&args.out)
        .map_err(|e| Failure::input(format!("{}: {e}", args.out.display())))?;
    clap_mangen::generate_to(Cli::command(), &args.out)
        .map_err(|e| Failure::input(format!("{}: {e}", args.out.display())))?;
    terminal::note(&format!("manual pages written to {}", args.out.display()));
    Ok(())
}

impl Global {
    /// The rate book: the embedded defaults plus the user's files.
    pub fn rate_book(&self) -> Result<RateBook, Failure> {
        let mut book = RateBook::embedded()?;
        if let Some(path) = &self.regimes {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
            book.regimes = wacost::pricing::regime::Regimes::parse(
                &text,
                &wacost::pricing::DataSource::file(path),
            )?;
        }
        if let Some(path) = &self.market_map {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
            book.overlay_markets(&text, &wacost::pricing::DataSource::file(path))?;
        }
        if let Some(path) = &self.max_prices {
            book.load_max_prices(path)?;
        }
        if self.effective.len() > self.rate_cards.len() {
            return Err(Failure::usage(
                "--effective given more often than --rate-card: each date belongs to one card, in order",
            ));
        }
        for (i, path) in self.rate_cards.iter().enumerate() {
            let loaded = book.load_file(path, self.effective.get(i).copied())?;
            if let Loaded::Card {
                currency,
                effective,
                cells,
            } = loaded
            {
                if cells == 0 {
                    return Err(Failure::input(format!(
                        "{}: no rates found ({currency}, effective {effective})",
                        path.display()
                    )));
                }
            }
        }
        if self.service_allowance.is_some() || self.allowance_scope.is_some() {
            let scope = self.allowance_scope.map(|s| match s {
                ScopeArg::Number => AllowanceScope::BusinessNumber,
                ScopeArg::Waba => AllowanceScope::Waba,
            });
            let from = NaiveDate::from_ymd_opt(2026, 10, 1).expect("valid date");
            book.regimes
                .set_allowance(from, self.service_allowance, scope);
        }
        Ok(book)
    }

    /// How messages are classified: the currency, the WABA's time zone and the business
    /// profile from the options, the defaults otherwise.
    pub fn classify_config(&self) -> Result<wacost::classify::ClassifyConfig, Failure> {
        Ok(wacost::classify::ClassifyConfig {
            currency: self.currency,
            timezone: self.timezone,
            profile: self.profile()?,
            missing_rate: match self.missing_rate {
                MissingRateArg::Error => wacost::classify::MissingRate::Error,
                MissingRateArg::Zero => wacost::classify::MissingRate::Zero,
            },
            ..wacost::classify::ClassifyConfig::default()
        })
    }

    /// The replay options from the options: [`Global::classify_config`], and whether to
    /// skip unreadable rows.
    pub fn replay_options(&self, skip_invalid: bool) -> Result<ReplayOptions, Failure> {
        Ok(ReplayOptions {
            classify: self.classify_config()?,
            skip_invalid,
            ..ReplayOptions::default()
        })
    }

    /// The business profile from the options.
    pub fn profile(&self) -> Result<BusinessProfile, Failure> {
        let country = match &self.business_country {
            Some(c) => Some(Country::parse(c).ok_or_else(|| {
                Failure::usage(format!(
                    "--business-country {c:?}: give an ISO code such as DE"
                ))
            })?),
            None => None,
        };
        if self.auth_international_eligible && country.is_none() {
            return Err(Failure::usage(
                "--auth-international-eligible needs --business-country: the rate applies only \
                 to recipients outside the business's country",
            ));
        }
        Ok(BusinessProfile {
            country,
            auth_international_eligible: self.auth_international_eligible,
            service_exempt: self.service_exempt,
        })
    }
}

/// Parses `--at`: RFC 3339 (`2026-02-02T10:00:00Z`), a local date-time in the WABA's time
/// zone (`2026-02-02T10:00:00` or `2026-02-02 10:00`), or a date (00:00 there).
pub fn parse_instant(s: &str, tz: Tz) -> Result<DateTime<Utc>, Failure> {
    let t = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Ok(d.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(t, fmt) {
            return local_to_utc(naive, tz, s);
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        // The day's first instant, even where the clocks skip its midnight.
        return instant(wacost::calendar::local_midnight(tz, d), s);
    }
    Err(Failure::usage(format!(
        "{s:?} is not a date or time: use 2026-02-02T10:00:00Z, 2026-02-02T10:00 (WABA time) or 2026-02-02"
    )))
}

fn local_to_utc(naive: NaiveDateTime, tz: Tz, s: &str) -> Result<DateTime<Utc>, Failure> {
    let t = wacost::calendar::local_time(tz, naive)
        .ok_or_else(|| Failure::usage(format!("{s:?} does not exist in {tz} (a clock change)")))?;
    instant(t, s)
}

fn instant(t: i64, s: &str) -> Result<DateTime<Utc>, Failure> {
    DateTime::from_timestamp(t, 0).ok_or_else(|| Failure::usage(format!("{s:?} is out of range")))
}
