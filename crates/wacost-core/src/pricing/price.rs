//! The amount of one message once the rules have decided ([`super::rules::decide`]): the card
//! cell of its market and category (authentication-international where it applies), a
//! Business Agent reply's tokens at the regime's token price, or a template's Marketing
//! Messages API max price. `classify` and `quote` both call [`price_message`], so a quoted
//! amount and a replayed one never disagree.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::category::{Category, Provenance};
use super::market::MarketId;
use super::phone::Country;
use super::ratecard::{Cell, RateCard};
use super::regime::{BusinessAgentRule, Regime, TokenRate};
use super::rules::{Decision, RuleKind};
use super::{BusinessProfile, RateBook};
use crate::event::{Details, MessageKind};

/// What a message costs, and how the amount was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessagePrice<'a> {
    /// The category charged (authentication-international where it applies, authentication
    /// where the card has no such rate).
    pub category: Category,
    /// The rate of one message: the card's, the max price, or the reply's tokens at the
    /// token price. `None` when there is none.
    pub rate: Option<Decimal>,
    /// What the message costs: the rate when the rules charge it, else 0.
    pub amount: Decimal,
    /// How sure the rate is.
    pub provenance: Option<Provenance>,
    /// A Business Agent reply's tokens (the log's, or the regime's default).
    pub tokens: Option<u32>,
    /// The card has no rate for the market and category (and the rules charge it).
    pub missing_rate: bool,
    /// Authentication-international applies but the card has none: authentication's used.
    pub auth_international_fallback: bool,
    /// The reply's tokens are the regime's default (estimated).
    pub default_tokens: bool,
    /// Priced at the template's max price (an upper bound).
    pub max_price: bool,
    /// The template has a max price, but in another currency than the card: not used.
    pub max_price_other_currency: bool,
    /// The card cell used, for its source and note.
    pub cell: Option<&'a Cell>,
    /// The token price used.
    pub token_rate: Option<&'a TokenRate>,
}

/// Prices a message the rules have decided on. `market` and `country` are the recipient's
/// on `date`; `details` what the log said beyond the kind (tokens, template).
#[allow(clippy::too_many_arguments)]
pub fn price_message<'a>(
    book: &'a RateBook,
    regime: &'a Regime,
    card: &'a RateCard,
    decision: &Decision,
    sent: MessageKind,
    details: &Details,
    market: MarketId,
    country: Country,
    profile: &BusinessProfile,
    date: NaiveDate,
) -> MessagePrice<'a> {
    let mut p = MessagePrice {
        category: book.charged_category(decision.category, profile, country, date),
        rate: None,
        amount: Decimal::ZERO,
        provenance: None,
        tokens: None,
        missing_rate: false,
        auth_international_fallback: false,
        default_tokens: false,
        max_price: false,
        max_price_other_currency: false,
        cell: None,
        token_rate: None,
    };
    let agent = (decision.rule.kind == RuleKind::BusinessAgent)
        .then_some(regime.business_agent.as_ref())
        .flatten();
    if let Some(agent) = agent {
        // Meta: one global price per token, prompt and response together, the only charge
        // on the reply.
        let n = details.tokens.unwrap_or(agent.default_tokens);
        p.tokens = Some(n);
        p.default_tokens = details.tokens.is_none();
        match agent.rate(card.currency) {
            Some(r) => {
                // Exact; written with at least the four decimals of card rates.
                let mut price = BusinessAgentRule::price(r, n);
                if price.scale() < 4 {
                    price.rescale(4);
                }
                p.rate = Some(price);
                p.provenance = Some(if p.default_tokens {
                    Provenance::Estimated
                } else {
                    r.provenance
                });
                p.token_rate = Some(r);
                if decision.charged {
                    p.amount = price;
                }
            }
            None => p.missing_rate = decision.charged,
        }
        return p;
    }
    match book.cell(card, market, p.category) {
        Some((cell, used)) => {
            if used != p.category {
                p.auth_international_fallback = true;
                p.category = used;
            }
            p.rate = Some(cell.rate);
            p.provenance = Some(if p.auth_international_fallback {
                Provenance::Estimated
            } else {
                cell.provenance
            });
            p.cell = Some(cell);
            if decision.charged {
                p.amount = cell.rate;
            }
        }
        None => p.missing_rate = decision.charged,
    }
    // Meta (Marketing Messages API, from 2026-10-01): a template with a max price is charged
    // that price or less; priced at it, as an upper bound.
    if decision.charged
        && regime.max_price.is_some()
        && sent == MessageKind::Template(Category::Marketing)
        && let Some(template) = details.template
        && let Some(prices) = book.max_prices.as_ref()
        && let Some(max) = prices.get(template)
    {
        if prices.currency == card.currency {
            let price = max.per_message(country);
            p.rate = Some(price);
            p.amount = price;
            p.provenance = Some(Provenance::Published);
            p.max_price = true;
            p.missing_rate = false;
        } else {
            p.max_price_other_currency = true;
        }
    }
    p
}
