//! `wacost rates`: the card in force on a date, with the provenance of every rate.

use chrono::{NaiveDate, Utc};
use clap::Args;
use wacost::pricing::sheet::RateSheet;

use super::terminal::{out, outln};
use super::{Failure, Format, Global};

/// Arguments of `wacost rates`.
#[derive(Args, Debug)]
pub struct RatesArgs {
    /// The date (default: today in the WABA's time zone).
    #[arg(long, value_name = "YYYY-MM-DD")]
    at: Option<NaiveDate>,
    /// Only this market: its name (e.g. "Brazil", "Rest of Africa", any case) or the ISO code
    /// of a country in it (BR, DO).
    #[arg(long, value_name = "NAME")]
    market: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// Runs `wacost rates`.
pub fn run(global: &Global, args: &RatesArgs) -> Result<(), Failure> {
    let book = global.rate_book()?;
    let date = args
        .at
        .unwrap_or_else(|| Utc::now().with_timezone(&global.timezone).date_naive());
    let sheet = RateSheet::new(&book, global.currency, date, args.market.as_deref())?;
    match args.format {
        Format::Table => out!("{}", sheet.to_text()),
        Format::Csv => {
            // CSV holds data only: the warnings go to standard error.
            for n in &sheet.notes {
                super::terminal::note(&format!("warning: {n}"));
            }
            out!("{}", sheet.to_csv()?)
        }
        Format::Json => outln!("{}", sheet.to_json()),
    }
}
