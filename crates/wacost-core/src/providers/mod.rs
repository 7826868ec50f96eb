//! Providers (BSPs): what each charges on top of, or besides, Meta's fees, and the bill a
//! replayed log would get under each.
//!
//! A provider's fee schedule is data (`data/providers.toml`, documented at its top) built from
//! a few primitives:
//!
//! - a monthly fee per business number, per account or per seat;
//! - a fee per message, by direction and final status, with `from`/`to` dates;
//! - a percentage markup on Meta's fee by category (or none: Meta's fee at cost);
//! - a fee per monthly active contact or per active conversation;
//! - an included quota (the first N units of a fee item each month are free);
//! - the provider's currency.
//!
//! [`Provider::bill`] turns a [`Ledger`](crate::ledger::Ledger) (Meta's fees) and
//! [`Usage`](crate::usage::Usage) (message counts by month) into a [`ProviderBill`] with one
//! line per fee item and month; [`compare`] bills several providers and puts them in one
//! currency with an [`FxTable`](crate::fx::FxTable). Money is
//! [`Decimal`](rust_decimal::Decimal) throughout; amounts in the file are read from their
//! text, never as floats.
//!
//! The concepts live apart: the file's types and checks (`schema`), a provider's bill
//! (`billing`), the providers known and chosen (`registry`), and the comparison
//! (`comparison`); everything public is re-exported here.
//!
//! ```
//! use rust_decimal_macros::dec;
//! use wacost_core::fx::FxTable;
//! use wacost_core::ledger::Ledger;
//! use wacost_core::money::Currency;
//! use wacost_core::providers::{BillOptions, Providers};
//! use wacost_core::usage::{MonthUsage, Usage};
//!
//! let providers = Providers::embedded();
//! let twilio = providers.get("twilio").unwrap();
//! // February 2026: 10 messages in, 20 out (all delivered), no Meta fees.
//! let mut usage = Usage::new();
//! usage.insert((2026, 2), MonthUsage {
//!     inbound: 10,
//!     outbound_by_status: [0, 0, 20, 0],
//!     ..Default::default()
//! });
//! let fx = FxTable::embedded();
//! let bill = twilio
//!     .bill(&Ledger::new(Currency::USD), &usage, &BillOptions::new(&fx))
//!     .unwrap();
//! // 30 messages × USD 0.005; no failed message, so no failed-message fee.
//! assert_eq!(bill.provider_fees, dec!(0.150));
//! assert_eq!(bill.months[0].lines[1].basis, "30 messages not failed × USD 0.005");
//! assert_eq!(bill.total, dec!(0.150));
//! assert_eq!(bill.per_message, Some(dec!(0.0075)));
//! ```

mod billing;
mod comparison;
mod registry;
mod schema;

pub use billing::{BillLine, BillOptions, ItemKind, MonthBill, PER_MESSAGE_DECIMALS, ProviderBill};
pub use comparison::{ComparedProvider, Comparison, compare};
pub use registry::{Providers, UnknownProvider};
pub use schema::{Confidence, DirectionFilter, Fee, Markup, Per, Provider, StatusFilter};
