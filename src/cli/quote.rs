//! `wacost quote`: the price of one delivered message, with the rule that decided it.

use chrono::Utc;
use clap::{Args, ValueEnum};
use wacost::event::{MessageKind, TemplateId};
use wacost::pricing::category::Category;
use wacost::pricing::phone::ContactNumber;
use wacost::pricing::quote::{QuoteRequest, quote_message};

use super::terminal::{out, outln};
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
    /// A reply written by Meta's Business Agent (per token; --tokens N).
    BusinessAgent,
    /// A marketing template to a group (per delivered recipient).
    GroupMarketing,
    /// A utility template to a group (per delivered recipient).
    GroupUtility,
    /// A free-form message to a group (per delivered recipient).
    GroupService,
    /// A reaction (an emoji on the user's message): always free.
    Reaction,
}

impl From<QuoteCategory> for Category {
    fn from(c: QuoteCategory) -> Category {
        match c {
            QuoteCategory::Marketing => Category::Marketing,
            QuoteCategory::Utility => Category::Utility,
            QuoteCategory::Authentication => Category::Authentication,
            QuoteCategory::AuthenticationInternational => Category::AuthenticationInternational,
            QuoteCategory::Service => Category::Service,
            QuoteCategory::BusinessAgent => Category::BusinessAgent,
            QuoteCategory::GroupMarketing => Category::GroupMarketing,
            QuoteCategory::GroupUtility => Category::GroupUtility,
            QuoteCategory::GroupService => Category::GroupService,
            // A reaction is a non-template message, priced (free) in service.
            QuoteCategory::Reaction => Category::Service,
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
    /// A Business Agent reply's tokens, prompt and response together (default: the rules'
    /// default for a reply of unknown size).
    #[arg(long, value_name = "N")]
    tokens: Option<u32>,
    /// The template's name, to price a marketing template at its max price (--max-prices).
    #[arg(long, value_name = "NAME")]
    template: Option<String>,
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
    let category: Category = args.category.into();
    let sent = match args.category {
        QuoteCategory::Reaction => MessageKind::Reaction,
        _ => MessageKind::for_category(category),
    };
    let q = quote_message(
        &book,
        &QuoteRequest {
            to,
            category,
            at,
            timezone: global.timezone,
            in_service_window: args.in_service_window,
            in_free_entry_point: args.in_free_entry_point,
            currency: global.currency,
            profile: global.profile()?,
            tokens: args.tokens,
            template: args.template.as_deref().map(TemplateId::intern),
        },
        sent,
    )?;
    match args.format {
        Format::Table => out!("{}", q.to_text()),
        Format::Json => outln!("{}", serde_json::to_string_pretty(&q)?),
        Format::Csv => out!("{}", q.to_csv()?),
    }
}
