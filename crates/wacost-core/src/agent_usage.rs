//! Meta Business Agent usage as Meta reports it: the data points of a Business Agent Usage
//! Insights answer ([`crate::read::meta_analytics`], kind
//! [`AnalyticsKind::BusinessAgent`]) priced as ledger lines.
//!
//! Meta reports Business Agent replies only there (no webhook carries them), so a replay
//! given such a file prices each data point as one [`LineKind::AgentUsage`] line:
//!
//! - dated at the point's start (its day in the WABA's time zone picks the regime and card);
//! - `quantity` the point's `billable_messages`, `tokens` its `billable_tokens`, exact;
//! - amount = tokens × the regime's price per million tokens / 1,000,000, exact (Meta: USD
//!   2.00 per million tokens, prompt and response together, from 2026-08-01; the price is data,
//!   `data/regimes.toml`), so 1,250,000 tokens cost USD 2.50;
//! - before the regime prices the agent (Meta billed it from 2026-08-01) the line is free,
//!   and says so;
//! - the recipient's country is the point's, or unknown (`ZZ`, market Other) when Meta's answer
//!   is not split by country: the agent's price is global, so the market does not change it.
//!
//! A data point is one **row read**, and becomes exactly one line (or, when it cannot be
//! priced, one skipped row): the replay's check that every row is accounted for counts these
//! lines beside the messages (see [`crate::replay`]).

use rust_decimal::Decimal;

use crate::calendar::local_date;
use crate::charge::{Charge, Flags, LineKind};
use crate::classify::ClassifyConfig;
use crate::event::{BusinessId, Event, MessageKind, Status};
use crate::money::MAX_INPUT_AMOUNT;
use crate::pricing::category::{Category, PricingType};
use crate::pricing::phone::Country;
use crate::pricing::rules::{Rule, RuleKind};
use crate::pricing::{PricingError, RateBook};
use crate::read::meta_analytics::DataPoint;

#[cfg(doc)]
use crate::{pricing::regime::BusinessAgentRule, read::meta_analytics::AnalyticsKind};

/// What one million tokens are divided by to price tokens.
const MILLION: u64 = 1_000_000;

/// Prices one Business Agent Usage Insights data point as an [`LineKind::AgentUsage`] line
/// (see the [module docs](self)). An error when the regime prices the agent but has no price
/// in the run's currency, when no card or regime is in force on the point's day, or when the
/// amount would pass 10^15 (no bill is that large: the point is broken).
pub fn usage_line(
    book: &RateBook,
    config: &ClassifyConfig,
    point: &DataPoint,
) -> Result<Charge, PricingError> {
    let time_ms = point.start.saturating_mul(1000);
    let date = local_date(config.timezone, point.start);
    let regime = book.regime_at(date)?;
    let card = book.card_at(config.currency, date)?;
    let country = point.country.unwrap_or(Country::UNKNOWN);
    let market = book.markets.market_of(country, date, &book.names);
    let tokens = point.tokens.unwrap_or(0);
    let business = point
        .phone_number
        .as_deref()
        .map_or_else(Event::default_waba, BusinessId::intern);
    let mut line = Charge {
        kind: LineKind::AgentUsage,
        time_ms,
        date,
        business,
        waba: Event::default_waba(),
        contact: None,
        position: 0,
        message_id: None,
        offer: Some(MessageKind::BusinessAgent),
        status: Some(Status::Delivered),
        model: regime.model,
        category: Category::BusinessAgent,
        pricing_type: PricingType::Regular,
        market,
        country,
        rate: None,
        amount: Decimal::ZERO,
        quantity: i64::try_from(point.volume).unwrap_or(i64::MAX),
        currency: config.currency,
        conversation: None,
        provenance: None,
        card: card.effective,
        rule: None,
        flags: Flags::default(),
        verdict: None,
        tokens: Some(tokens),
    };
    // Meta billed the agent from 2026-08-01: before, its usage is free.
    let Some(agent) = regime.business_agent.as_ref() else {
        return Ok(line);
    };
    let no_rate = || PricingError::NoRate {
        market: "every market".to_string(),
        category: Category::BusinessAgent,
        currency: config.currency,
        date,
        card: card.effective,
    };
    let rate = agent.rate(config.currency).ok_or_else(no_rate)?;
    line.amount = price(rate.per_million_tokens, tokens).ok_or_else(no_rate)?;
    line.rate = Some(rate.per_million_tokens);
    line.provenance = Some(rate.provenance);
    line.rule = Some(Rule {
        kind: RuleKind::BusinessAgent,
        category: Category::BusinessAgent,
        since: regime.from,
    });
    Ok(line)
}

/// `tokens` at `per_million`: exact, checked, at most 10^15; written with at least the four
/// decimals of card rates (as [`BusinessAgentRule::price`] prices one reply).
pub fn price(per_million: Decimal, tokens: u64) -> Option<Decimal> {
    let mut amount = per_million
        .checked_mul(Decimal::from(tokens))?
        .checked_div(Decimal::from(MILLION))?;
    if amount > MAX_INPUT_AMOUNT {
        return None;
    }
    if amount.scale() < 4 {
        amount.rescale(4);
    }
    Some(amount)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use crate::pricing::category::Provenance;
    use rust_decimal_macros::dec;

    fn point(start: i64, messages: u64, tokens: u64, country: Option<&str>) -> DataPoint {
        DataPoint {
            start,
            end: start + 86_400,
            country: country.and_then(Country::parse),
            category: Some(Category::BusinessAgent),
            pricing_type: Some(PricingType::Regular),
            volume: messages,
            cost: None,
            phone_number: None,
            tier: None,
            tokens: Some(tokens),
            offset: 0,
        }
    }

    #[test]
    fn tokens_at_the_regime_price() {
        let book = RateBook::embedded().unwrap();
        let config = ClassifyConfig::default();
        // 2026-11-02 00:00 UTC: 50 replies, 1,250,000 tokens → USD 2.50 at 2.00 a million.
        let line = usage_line(
            &book,
            &config,
            &point(1_793_577_600, 50, 1_250_000, Some("BR")),
        )
        .unwrap();
        assert_eq!(line.kind, LineKind::AgentUsage);
        assert_eq!(line.amount, dec!(2.5000));
        assert_eq!(line.rate, Some(dec!(2.00)));
        assert_eq!((line.quantity, line.tokens), (50, Some(1_250_000)));
        assert_eq!(line.date.to_string(), "2026-11-02");
        assert_eq!(line.time_ms, 1_793_577_600_000);
        assert_eq!(line.country, Country::parse("BR").unwrap());
        assert_eq!(line.provenance, Some(Provenance::Published));
        assert_eq!(line.currency, Currency::USD);
        assert_eq!(
            line.reason("Brazil"),
            "Meta Business Agent usage (Meta's Usage Insights): 50 replies, 1250000 tokens at 2 \
             USD per million tokens"
        );
        // Not split by country: unknown country, same price.
        let global = usage_line(&book, &config, &point(1_793_577_600, 1, 333, None)).unwrap();
        assert_eq!(global.country, Country::UNKNOWN);
        assert_eq!(global.amount, dec!(0.000666));
    }

    #[test]
    fn free_before_meta_billed_the_agent() {
        let book = RateBook::embedded().unwrap();
        // 2026-07-15 00:00 UTC: launched, not billed.
        let line = usage_line(
            &book,
            &ClassifyConfig::default(),
            &point(1_784_073_600, 10, 200_000, None),
        )
        .unwrap();
        assert_eq!(
            (line.amount, line.rate, line.quantity),
            (Decimal::ZERO, None, 10)
        );
        assert!(
            line.reason("Other")
                .ends_with("not billed (Meta bills the agent from 2026-08-01)")
        );
    }

    #[test]
    fn amounts_are_bounded() {
        assert_eq!(price(dec!(2.00), 1_250_000), Some(dec!(2.5000)));
        assert_eq!(price(dec!(2.00), 0), Some(dec!(0.0000)));
        assert_eq!(
            price(dec!(2.00), u64::MAX),
            Some(dec!(36893488147419.10323))
        );
        // A price per million of 10^15 makes 10^9 tokens cost 10^18: no bill.
        assert_eq!(price(dec!(1000000000000000), 1_000_000_000), None);
    }
}
