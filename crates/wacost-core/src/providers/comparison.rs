//! Several providers' bills for one log, in one currency, ranked cheapest first.

use std::collections::BTreeSet;

use rust_decimal::Decimal;

use super::billing::{BillOptions, ItemKind, ProviderBill, per_message};
use super::schema::{Confidence, Provider};
use crate::fx::{FxError, round_converted};
use crate::ledger::Ledger;
use crate::money::Currency;
use crate::usage::Usage;

/// One provider in a comparison, in the comparison's currency. Serialized as reports keep
/// it (`providers.json`, a run folder's `run.json`): everything but the bill.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ComparedProvider {
    /// The provider's name.
    pub provider: String,
    /// Meta's fees.
    pub meta_fees: Decimal,
    /// Markups and the provider's fee items.
    pub provider_fees: Decimal,
    /// Both.
    pub total: Decimal,
    /// `total / outbound messages`, rounded half-even to [`PER_MESSAGE_DECIMALS`](super::PER_MESSAGE_DECIMALS).
    pub per_message: Option<Decimal>,
    /// 1 for the cheapest; equal totals share a rank.
    pub rank: usize,
    /// Where the figures come from.
    pub source: String,
    /// When.
    pub as_of: String,
    /// How sure.
    pub confidence: Confidence,
    /// What a reader must know: the provider's notes, then each fee item's and markup's.
    pub notes: Vec<String>,
    /// The bill in the provider's own currency (not kept in reports: empty when read back).
    #[serde(skip)]
    pub bill: ProviderBill,
}

/// Several providers' bills for one log, in one currency, cheapest first.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Comparison {
    /// The reporting currency.
    pub currency: Currency,
    /// One row per provider, cheapest first.
    pub rows: Vec<ComparedProvider>,
    /// Exchange rates used, and approximations.
    pub notes: Vec<String>,
}

/// Bills a log under each provider and converts every bill to `currency`: each line from the
/// currency it arises in (Meta's fees and markups from the card's currency, fee items from
/// the provider's), at its month's last day, so nothing is converted twice. Lines are
/// converted exactly; Meta's fees and the provider's fees are then rounded half-even to
/// [`CONVERTED_DECIMALS`](crate::fx::CONVERTED_DECIMALS) decimals (amounts with fewer decimals
/// are unchanged), and the total is their sum.
///
/// ```
/// use rust_decimal_macros::dec;
/// use wacost_core::fx::FxTable;
/// use wacost_core::ledger::Ledger;
/// use wacost_core::money::Currency;
/// use wacost_core::providers::{compare, BillOptions, Providers};
/// use wacost_core::usage::{MonthUsage, Usage};
///
/// let all = Providers::embedded();
/// let chosen = all.select(&["twilio".into(), "meta".into()]).unwrap();
/// let mut usage = Usage::new();
/// usage.insert((2026, 2), MonthUsage { outbound_by_status: [0, 0, 100, 0], ..Default::default() });
/// let fx = FxTable::embedded();
/// let c = compare(&chosen, &Ledger::new(Currency::USD), &usage, &BillOptions::new(&fx), Currency::EUR)
///     .unwrap();
/// assert_eq!(c.rows[0].provider, "meta");
/// assert_eq!(c.rows[1].total, dec!(0.414)); // 100 × USD 0.005 × 0.828
/// ```
pub fn compare(
    providers: &[&Provider],
    ledger: &Ledger,
    usage: &Usage,
    options: &BillOptions,
    currency: Currency,
) -> Result<Comparison, FxError> {
    let mut rows = Vec::with_capacity(providers.len());
    let mut rates: BTreeSet<String> = BTreeSet::new();
    let mut notes: Vec<String> = Vec::new();
    for p in providers {
        let bill = p.bill(ledger, usage, options)?;
        let mut meta_fees = Decimal::ZERO;
        let mut provider_fees = Decimal::ZERO;
        for m in &bill.months {
            let day = m.last_day();
            for l in &m.lines {
                let from = l.original.currency;
                if from != currency && !l.original.amount.is_zero() {
                    let rate = options.fx.rate(from, currency, day)?;
                    for r in rate.rows() {
                        rates.insert(format!(
                            "1 {} = {} {} from {} ({})",
                            r.from, r.rate, r.to, r.date, r.source
                        ));
                    }
                }
                let amount = options.fx.convert(l.original.amount, from, currency, day)?;
                if l.kind == ItemKind::MetaFees {
                    meta_fees += amount;
                } else {
                    provider_fees += amount;
                }
            }
        }
        notes.extend(bill.notes.iter().cloned());
        // Lines were converted exactly; the figures are rounded once, at the end.
        let meta_fees = round_converted(meta_fees);
        let provider_fees = round_converted(provider_fees);
        let total = meta_fees + provider_fees;
        rows.push(ComparedProvider {
            provider: p.name.clone(),
            meta_fees,
            provider_fees,
            total,
            per_message: per_message(total, bill.outbound),
            rank: 0,
            source: p.source.clone(),
            as_of: p.as_of.clone(),
            confidence: p.confidence,
            notes: p.all_notes(),
            bill,
        });
    }
    rows.sort_by(|a, b| {
        a.total
            .cmp(&b.total)
            .then_with(|| a.provider.cmp(&b.provider))
    });
    for i in 0..rows.len() {
        rows[i].rank = if i > 0 && rows[i].total == rows[i - 1].total {
            rows[i - 1].rank
        } else {
            i + 1
        };
    }
    let mut all_notes: Vec<String> = rates
        .into_iter()
        .map(|r| format!("exchange rate used: {r}"))
        .collect();
    all_notes.extend(notes);
    Ok(Comparison {
        currency,
        rows,
        notes: all_notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::BusinessId;
    use crate::fx::FxTable;
    use crate::pricing::category::Category;
    use crate::providers::Providers;
    use crate::providers::billing::tests::{ledger, month, usage};
    use rust_decimal_macros::dec;

    #[test]
    fn compare_ranks_cheapest_first() {
        let p = Providers::embedded();
        let chosen = p
            .select(&[
                "twilio".into(),
                "gupshup".into(),
                "meta".into(),
                "360dialog-regular".into(),
            ])
            .unwrap();
        let l = ledger(&[("2026-02-02", Category::Marketing, dec!(0.0625))]);
        let mut m = month(10, [0, 0, 20, 0]);
        m.businesses.insert(BusinessId(3));
        let u = usage(&[((2026, 2), m)]);
        let fx = FxTable::embedded();
        let c = compare(&chosen, &l, &u, &BillOptions::new(&fx), Currency::USD).unwrap();
        let order: Vec<(&str, Decimal, usize)> = c
            .rows
            .iter()
            .map(|r| (r.provider.as_str(), r.total, r.rank))
            .collect();
        assert_eq!(
            order,
            vec![
                ("meta", dec!(0.0625), 1),
                // 30 × 0.001 + 6 % of 0.0625 (0.00375) + 0.0625
                ("gupshup", dec!(0.09625), 2),
                ("twilio", dec!(0.2125), 3),
                ("360dialog-regular", dec!(25.0625), 4),
            ]
        );
        assert_eq!(c.rows[1].per_message, Some(dec!(0.004812)));
        assert!(c.notes.is_empty(), "{:?}", c.notes);
        let err = p.select(&["nope".into()]).unwrap_err();
        assert!(
            err.to_string().contains("known providers: meta, twilio"),
            "{err}"
        );
    }
}
