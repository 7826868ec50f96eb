//! `wacost reconcile`: our pricing of a log next to Meta's own verdicts and analytics.

use std::fs::File;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use rust_decimal::Decimal;
use wacost::reconcile::{NO_VERDICTS, Tolerance, reconcile, report};

use super::input::{InputArgs, sources};
use super::{Failure, Global};

/// Output format of `wacost reconcile`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ReconcileFormat {
    /// Aligned text for a terminal.
    #[default]
    Table,
    /// One JSON document.
    Json,
}

/// Arguments of `wacost reconcile`.
#[derive(Args, Debug)]
pub struct ReconcileArgs {
    /// Logs (`-` reads standard input). Meta's verdicts come from Cloud API status webhooks
    /// (a file or a folder of .json); other formats can still be compared with --analytics.
    #[arg(value_name = "LOG", required = true)]
    logs: Vec<String>,
    /// Meta's `pricing_analytics` or `conversation_analytics` answer (Graph API JSON) to
    /// compare volumes and costs per day, country, category and type with; or its Business
    /// Agent Usage Insights answer (`business_agent_insights`), to compare its `cost` per
    /// period with our Business Agent charges.
    #[arg(long, value_name = "FILE")]
    analytics: Option<PathBuf>,
    /// How far our cost of an analytics cell may be from Meta's (approximate) cost, in
    /// percent of Meta's; never less than 0.01 in the currency.
    #[arg(long, value_name = "PERCENT", default_value = "1")]
    cost_tolerance: Decimal,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: ReconcileFormat,
    /// Count unreadable rows and go on, instead of stopping at the first.
    #[arg(long)]
    skip_invalid: bool,
    /// Show full phone numbers (masked by default).
    #[arg(long)]
    show_contacts: bool,
    #[command(flatten)]
    input: InputArgs,
}

/// Runs `wacost reconcile`.
pub fn run(global: &Global, args: &ReconcileArgs) -> Result<(), Failure> {
    if args.cost_tolerance.is_sign_negative() {
        return Err(Failure::usage(format!(
            "--cost-tolerance {}: give a percentage of 0 or more",
            args.cost_tolerance
        )));
    }
    let tolerance = Tolerance {
        relative: args.cost_tolerance / Decimal::ONE_HUNDRED,
        ..Tolerance::default()
    };
    let book = global.rate_book()?;
    let analytics = match &args.analytics {
        Some(path) => {
            let file =
                File::open(path).map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
            Some(wacost::read::meta_analytics::read(
                file,
                &path.display().to_string(),
            )?)
        }
        None => None,
    };
    let options = global.replay_options(args.skip_invalid)?;
    let formats = args.input.format_options(global)?;
    let found = reconcile(
        &book,
        &sources(&args.logs),
        options,
        &formats,
        analytics.as_ref(),
        tolerance,
    )?;
    // Without verdicts and without analytics there is nothing to reconcile.
    if found.compared == 0 && found.analytics.is_none() {
        return Err(Failure::input(NO_VERDICTS));
    }
    let text = match args.format {
        ReconcileFormat::Table => report::to_text(&found, args.show_contacts),
        ReconcileFormat::Json => {
            serde_json::to_string_pretty(&report::to_json(&found, args.show_contacts))? + "\n"
        }
    };
    super::terminal::print(&text)
}
