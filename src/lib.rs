//! # wacost
//!
//! What WhatsApp Business messaging costs, and what it would cost if you did it differently.
//!
//! This crate is the `wacost` command line. Its library re-exports the two crates it is built
//! on, under the paths earlier versions had, so existing users keep compiling:
//!
//! - [`wacost_core`]: money, events, pricing, readers, classify, settle, ledger, replay,
//!   providers, reconcile and simulate, without polars (`wacost::pricing`, `wacost::replay`…);
//! - [`wacost_report`]: Parquet, charts, HTML, XLSX and the report folder
//!   (`wacost::report::bundle`, `wacost::report::charts`…).
//!
//! A program that only prices logs should depend on `wacost-core` alone.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use rust_decimal_macros::dec;
//! use wacost::money::Currency;
//! use wacost::pricing::category::Category;
//! use wacost::pricing::quote::{quote, QuoteRequest};
//! use wacost::pricing::RateBook;
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
//! ```

#![warn(missing_docs)]

pub use wacost_core::*;

/// Reports: the typed summary and text tables of [`wacost_core`], and everything
/// [`wacost_report`] writes (charts, HTML, XLSX, Parquet, the report folder).
pub mod report {
    pub use wacost_core::{summary, table};
    pub use wacost_report::*;
}
