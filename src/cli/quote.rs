//! `wacost quote`: the price of one delivered message, with the rule that decided it.

use chrono::Utc;
use clap::{Args, ValueEnum};
use wacost::pricing::category::Category;
use wacost::pricing::phone::ContactNumber;
use wacost::pricing::quote::{Quote, QuoteRequest, quote};
use wacost::report::table::Table;

use super::{Failure, Format, Global, parse_instant};

/// The categories a quote can ask for.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum QuoteCategory {
    /// A marketing template.
    Marketing,
    /// A utility template.
    Utility,
    /// An authentication template.
    Authentication,
    /// An authentication template at the international rate, where it applies.
    AuthenticationInternational,
    /// A free-form (non-template) message.
    Service,
}

impl From<QuoteCategory> for Category {
    fn from(c: QuoteCategory) -> Category {
        match c {
            QuoteCategory::Marketing => Category::Marketing,
            QuoteCategory::Utility => Category::Utility,
            QuoteCategory::Authentication => Category::Authentication,
            QuoteCategory::AuthenticationInternational => Category::AuthenticationInternational,
            QuoteCategory::Service => Category::Service,
        }
    }
}

/// Arguments of `wacost quote`.
#[derive(Args, Debug)]
pub struct QuoteArgs {
    /// The recipient's number (E.164, with or without +, spaces, dashes, whatsapp: prefix).
    #[arg(long, value_name = "NUMBER")]
    to: String,
    /// What is sent.
    #[arg(long, value_enum)]
    category: QuoteCategory,
    /// When (RFC 3339, a WABA-local date-time, or a date; default: now).
    #[arg(long, value_name = "DATETIME")]
    at: Option<String>,
    /// The user wrote within the last 24 hours (customer service window open).
    #[arg(long)]
    in_service_window: bool,
    /// A free entry point window is open (the business answered an ad or Page-button message
    /// within 24 h, less than 72 h ago).
    #[arg(long)]
    in_free_entry_point: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// Runs `wacost quote`.
pub fn run(global: &Global, args: &QuoteArgs) -> Result<(), Failure> {
    let book = global.rate_book()?;
    let to = ContactNumber::parse(&args.to).map_err(|e| Failure::input(format!("--to: {e}")))?;
    let at = match &args.at {
        Some(s) => parse_instant(s, global.timezone)?,
        None => Utc::now(),
    };
    let q = quote(
        &book,
        &QuoteRequest {
            to,
            category: args.category.into(),
            at,
            timezone: global.timezone,
            in_service_window: args.in_service_window,
            in_free_entry_point: args.in_free_entry_point,
            currency: global.currency,
            profile: global.profile()?,
        },
    )?;
    match args.format {
        Format::Table => print!("{}", render(&q)),
        Format::Json => println!("{}", serde_json::to_string_pretty(&q)?),
        Format::Csv => {
            let mut t = Table::new([
                "to",
                "country",
                "market",
                "date",
                "regime",
                "pricing_model",
                "pricing_type",
                "pricing_category",
                "billable",
                "rate",
                "amount",
                "currency",
                "provenance",
                "card_effective",
                "rule",
            ]);
            t.row([
                q.to.clone(),
                q.country.to_string(),
                q.market.clone(),
                q.date.to_string(),
                q.regime.clone(),
                q.pricing_model.to_string(),
                q.pricing_type.to_string(),
                q.pricing_category.to_string(),
                q.billable.to_string(),
                q.rate.map(|r| r.to_string()).unwrap_or_default(),
                q.amount.to_string(),
                q.currency.to_string(),
                q.provenance.map(|p| p.to_string()).unwrap_or_default(),
                q.card_effective.to_string(),
                q.rule.clone(),
            ]);
            print!("{}", t.to_csv()?);
        }
    }
    Ok(())
}

/// The human form of a quote, also used by `demo`.
pub fn render(q: &Quote) -> String {
    let mut s = format!("{} {}\n", q.currency, q.amount);
    s.push_str(&format!(
        "  {} in {} ({}), {} ({}, {}), pricing type {}\n",
        q.to, q.market, q.country, q.date, q.regime, q.pricing_model, q.pricing_type
    ));
    s.push_str(&format!("  rule: {}\n", q.rule));
    if let Some(rate) = q.rate {
        s.push_str(&format!(
            "  rate: {} {} {} per {}, {}, card of {} ({})\n",
            q.pricing_category,
            rate,
            q.currency,
            if q.pricing_model == wacost::pricing::category::PricingModel::Cbp {
                "conversation"
            } else {
                "message"
            },
            q.provenance.map(|p| p.to_string()).unwrap_or_default(),
            q.card_effective,
            q.source.as_deref().unwrap_or("")
        ));
    }
    for n in &q.notes {
        s.push_str(&format!("  note: {n}\n"));
    }
    s
}
