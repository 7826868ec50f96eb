//! What a total rests on, in words: the notes a [`Summary`] gives about Meta's rules of 2026
//! (Business Agent tokens, reactions, the service exemption, groups, free entry point windows
//! of unpublished length, max prices, calling codes shared by several countries, estimated
//! rates, volume tiers not applied). Library text: no command-line flag is named here.

use rust_decimal::Decimal;

use crate::pricing::RateBook;
use crate::pricing::regime::BusinessAgentRule;
use crate::replay::Outcome;
use crate::summary::Summary;

/// The notes about the rules of 2026 for a summary whose fields are already filled.
pub fn notes(s: &Summary, outcome: &Outcome, book: &RateBook) -> Vec<String> {
    let f = &outcome.facts;
    let cur = s.currency;
    let mut n = Vec::new();
    if f.business_agent_replies > 0 {
        n.push(format!(
            "{} Meta Business Agent {} charged per token: {} tokens, {cur} {} (prompt and \
             response together; never free in a window)",
            f.business_agent_replies,
            plural(f.business_agent_replies, "reply", "replies"),
            f.business_agent_tokens,
            f.business_agent_amount.normalize()
        ));
        if f.business_agent_default_tokens > 0 {
            let agent = agent_rule(s, book);
            let range = agent.and_then(|a| {
                let rate = a.rate(cur)?;
                let [low, high] = a.typical_tokens?;
                let k = Decimal::from(f.business_agent_default_tokens);
                Some(format!(
                    "; Meta's typical {low}-{high} tokens a reply would make them {cur} {}-{}",
                    (BusinessAgentRule::price(rate, low) * k).normalize(),
                    (BusinessAgentRule::price(rate, high) * k).normalize()
                ))
            });
            n.push(format!(
                "{} Business Agent {} had no token count: priced at {} tokens each, {cur} {} \
                 (estimated){}",
                f.business_agent_default_tokens,
                plural(f.business_agent_default_tokens, "reply", "replies"),
                agent.map_or("the regime's default".to_string(), |a| a
                    .default_tokens
                    .to_string()),
                f.business_agent_default_amount.normalize(),
                range.unwrap_or_default()
            ));
        }
    }
    if f.reactions > 0 {
        n.push(format!(
            "{} {}: free (Meta: reactions are always free and do not count toward the monthly \
             free tier)",
            f.reactions,
            plural(f.reactions, "reaction", "reactions")
        ));
    }
    if f.exempt_service > 0 {
        n.push(format!(
            "{} service {} of an exempt government or non-profit: free beyond the monthly free \
             tier (list value {cur} {}; the month's first free-tier messages would have been \
             free anyway)",
            f.exempt_service,
            plural(f.exempt_service, "message", "messages"),
            f.exempt_list_value.normalize()
        ));
    }
    if f.group_deliveries > 0 {
        n.push(format!(
            "{} {} to group participants: one charge per delivered recipient at the rate of \
             the recipient's market; the group's customer service window is assumed open (the \
             log does not say which group a message went to)",
            f.group_deliveries,
            plural(f.group_deliveries, "delivery", "deliveries")
        ));
    }
    if f.meta_window_ends > 0 {
        n.push(format!(
            "{} {} priced with the free entry point window's end Meta reported \
             (conversation.expiration_timestamp)",
            f.meta_window_ends,
            plural(f.meta_window_ends, "message", "messages")
        ));
    }
    if f.free_entry_point_at_stake > 0 {
        n.push(format!(
            "{cur} {} would be free if free entry point windows lasted {} h: {} {} sent after \
             the assumed end of a window and before that (Meta: a window from an ad \"may \
             remain open for up to 7 days\", rule not published)",
            f.free_entry_point_at_stake_amount.normalize(),
            f.free_entry_point_longest_hours,
            f.free_entry_point_at_stake,
            plural(f.free_entry_point_at_stake, "message", "messages")
        ));
    }
    if f.max_price_messages > 0 {
        n.push(format!(
            "{} marketing {} priced at the template's Marketing Messages API max price, {cur} \
             {}: an upper bound, Meta charges the max price or less",
            f.max_price_messages,
            plural(f.max_price_messages, "template", "templates"),
            f.max_price_amount.normalize()
        ));
    }
    if f.max_price_other_currency > 0 {
        n.push(format!(
            "{} marketing {} had a max price in another currency than {cur}: priced at the \
             card's rate",
            f.max_price_other_currency,
            plural(f.max_price_other_currency, "template", "templates")
        ));
    }
    if !s.shared_calling_code.is_empty() {
        let total: u64 = s.shared_calling_code.values().sum();
        let by: Vec<String> = s
            .shared_calling_code
            .iter()
            .map(|(c, k)| format!("{c} {k}"))
            .collect();
        n.push(format!(
            "{total} {} to countries that share their calling code with another ({}) were \
             priced by the number's own region, as Meta prices (data/markets.csv; a market map \
             of your own can place them otherwise)",
            plural(total, "message", "messages"),
            by.join(", ")
        ));
    }
    if !s.estimated_spend.is_zero() {
        let share = if s.total.is_zero() {
            Decimal::ZERO
        } else {
            (s.estimated_spend * Decimal::ONE_HUNDRED / s.total).round_dp(1)
        };
        let mut by: Vec<(&String, &Decimal)> = s.estimated_spend_by_market.iter().collect();
        by.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
        let listed: Vec<String> = by
            .iter()
            .take(6)
            .map(|(m, a)| format!("{m} {}", a.normalize()))
            .collect();
        n.push(format!(
            "{cur} {} ({share} % of spend) was priced at estimated rates: {}{}",
            s.estimated_spend.normalize(),
            listed.join(", "),
            if by.len() > 6 { ", …" } else { "" }
        ));
        for (market, _) in &by {
            if let Some(direction) = direction_of(book, market) {
                n.push(format!("{market}: {direction}"));
            }
        }
    }
    for t in &s.volume_tier_exposure {
        n.push(format!(
            "{} {} in {}, {}: {} messages at list rate; the first volume-tier discount is \
             reported from {} a month, so a discount may apply (load Meta's Tier Pricing file \
             to apply it)",
            t.waba, t.category, t.market, t.month, t.messages, t.first_discount_from
        ));
    }
    n
}

/// The Business Agent rule of the run's last month with one.
fn agent_rule<'a>(s: &Summary, book: &'a RateBook) -> Option<&'a BusinessAgentRule> {
    s.by_month.keys().rev().find_map(|m| {
        let d = chrono::NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok()?;
        book.regime_at(d).ok()?.business_agent.as_ref()
    })
}

/// What the market map says about a market's estimated rates (the markets Meta made
/// standalone on 2026-10-01 carry the direction Meta gave in their row's note).
fn direction_of(book: &RateBook, market: &str) -> Option<String> {
    let id = book.names.get(market)?;
    book.markets
        .rows()
        .iter()
        .filter(|r| r.market == id && r.note.starts_with("Meta:"))
        .map(|r| r.note.clone())
        .next()
}

fn plural<'a>(n: u64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}
