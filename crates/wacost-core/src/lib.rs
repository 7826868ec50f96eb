//! # wacost-core
//!
//! What WhatsApp Business messaging costs, exactly: the pricing engine of `wacost`, without
//! polars, plotters or a command line, for programs that price logs themselves (and for the
//! Python bindings).
//!
//! The library is one pipeline, fed from a log or a simulated scenario:
//!
//! ```text
//!  read (log formats) ─► Event stream ─► classify ─► settle ─► Ledger ─► summary
//! ```
//!
//! - [`pricing`]: rate cards, markets, rule regimes and Meta's own files, as effective-dated
//!   data in a [`pricing::RateBook`].
//! - [`money`]: exact decimal amounts with a currency.
//! - [`read`]: one reader per log format, each producing [`event::Event`]s.
//! - [`calendar`]: days and months in the WABA's time zone, where rate cards, regimes and
//!   allowances start (clock changes included).
//! - [`classify`], [`settle`], [`ledger`]: the window state machine, monthly allowances and
//!   tiers, and the totals; [`replay`] runs them over logs.
//! - [`providers`]: what each BSP charges besides Meta, as data; bills and comparisons, put in
//!   one currency with an [`fx`] table.
//! - [`reconcile`]: our pricing of a log next to Meta's own verdicts and analytics.
//! - [`simulate`]: scenarios of expected traffic, Monte Carlo runs and strategies.
//!
//! Pricing events built in code takes a few lines (see also `examples/price_events.rs`):
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use wacost_core::{Category, Event, RateBook, Replay};
//!
//! let book = RateBook::embedded().unwrap();
//! let at = |h| Utc.with_ymd_and_hms(2026, 2, 2, h, 0, 0).unwrap();
//! let ana = "+5511987654321".parse().unwrap();
//! let events = [
//!     Event::inbound(at(9), "+1 555 010 0001", ana),
//!     Event::free_form(at(10), "+1 555 010 0001", ana),
//!     Event::template(at(11), "+1 555 010 0001", ana, Category::Marketing),
//! ];
//! let outcome = Replay::new(&book).events(&events).unwrap();
//! assert_eq!(outcome.summary(&book).total.to_string(), "0.0625");
//! ```
//!
//! One quote, with the rule that decided it:
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use rust_decimal_macros::dec;
//! use wacost_core::money::Currency;
//! use wacost_core::pricing::category::Category;
//! use wacost_core::pricing::quote::{quote, QuoteRequest};
//! use wacost_core::pricing::RateBook;
//!
//! let book = RateBook::embedded().unwrap();
//! let q = quote(&book, &QuoteRequest {
//!     to: "+5511987654321".parse().unwrap(),
//!     category: Category::Marketing,
//!     at: Utc.with_ymd_and_hms(2026, 2, 2, 10, 0, 0).unwrap(),
//!     timezone: chrono_tz::UTC,
//!     in_service_window: false,
//!     in_free_entry_point: false,
//!     currency: Currency::USD,
//!     profile: Default::default(),
//!     tokens: None,
//!     template: None,
//! }).unwrap();
//! assert_eq!(q.amount, dec!(0.0625));
//! assert_eq!(q.market, "Brazil");
//! ```

#![warn(missing_docs)]

// The types most programs need, at the crate's root.
pub use charge::{Charge, LineSink, NoLines};
pub use event::{Direction, EntryPoint, Event, MessageKind, Status};
pub use ledger::Ledger;
pub use money::{Currency, Money};
pub use pricing::category::{Category, PricingType};
pub use pricing::phone::ContactNumber;
pub use pricing::{BusinessProfile, RateBook};
pub use replay::{Outcome, Replay, ReplayError, Source};
pub use summary::Summary;

pub mod advise;
pub mod agent_usage;
pub mod assumptions;
pub mod calendar;
pub mod charge;
pub mod classify;
pub mod event;
pub mod forecast;
pub mod fx;
pub mod ledger;
pub mod money;
pub mod period;
pub mod pricing;
pub mod providers;
pub mod read;
pub mod reconcile;
pub mod replay;
pub mod settle;
pub mod simulate;
pub mod summary;
pub mod table;
pub mod text;
pub mod units;
pub mod usage;
pub mod whatif;
