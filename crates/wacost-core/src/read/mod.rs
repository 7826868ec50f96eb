//! Readers: one module per input format, each turning its format into the same
//! [`Event`](crate::event::Event) stream. A reader knows nothing of prices.

pub mod canonical;
pub mod chat_export;
pub mod cloud_api;
pub mod detect;
mod error;
mod json;
pub mod meta_analytics;
pub mod records;
pub mod time;
pub mod twilio;

pub use error::{IoSource, Location, Position, ReadError, ReadErrorKind};
