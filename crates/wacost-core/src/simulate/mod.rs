//! Simulation: describe expected traffic in a [`Scenario`], generate it as [`Event`]s with a
//! seeded, deterministic [`Generator`], and price it exactly with the same classifier,
//! settlement and ledger a replayed log goes through. [`monte_carlo`] runs a scenario many
//! times and gives the mean, P5, P50 and P95 of spend; strategies (named overrides of the
//! scenario) run with the same random numbers, so their difference from the base is the
//! strategy and not the noise.
//!
//! ```
//! use wacost_core::pricing::RateBook;
//! use wacost_core::simulate::{Generator, Scenario, price_stream};
//! use wacost_core::classify::ClassifyConfig;
//! use wacost_core::replay::NoLines;
//! use rust_decimal_macros::dec;
//!
//! let scenario = Scenario::parse(r#"
//!     counts = "fixed"
//!     [period]
//!     start = 2026-02-01
//!     [audience.BR]
//!     contacts = 100
//!     [templates.marketing.launch]
//!     sends_per_month = 1
//! "#, "example").unwrap();
//! let book = RateBook::embedded().unwrap();
//! let generator = Generator::new(&scenario, 7).unwrap();
//! let priced = price_stream(&book, ClassifyConfig::default(), generator.events(), &mut NoLines)
//!     .unwrap();
//! // 100 delivered marketing templates to Brazil at USD 0.0625.
//! assert_eq!(priced.ledger.total(), dec!(6.2500));
//! ```

pub mod budget;
pub mod generator;
pub mod montecarlo;
mod numbers;
pub mod providers;
mod random;
pub mod scenario;

use std::io::Write;
use std::sync::mpsc;

pub use budget::{Limits, TooLarge, Workload};
pub use generator::{Events, Generator};
pub use montecarlo::{
    MonteCarlo, MonteCarloOptions, RunTotals, Spread, StrategyRuns, VariantRuns, monte_carlo,
};
pub use providers::{ProviderRuns, ProviderRunsOptions, ProviderSpread, compare_providers};
pub use scenario::{Scenario, ScenarioError};

use crate::classify::ClassifyConfig;
use crate::event::{Direction, Event};
use crate::pricing::RateBook;
use crate::pricing::category::Category;
use crate::replay::{LineSink, Priced, ReplayError};

/// Why a simulation stopped.
#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    /// The scenario (or a strategy) is not usable.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The simulation would need more memory or time than allowed.
    #[error(transparent)]
    TooLarge(#[from] TooLarge),
    /// Pricing failed (e.g. a period before 2023-06-01, or no card for the currency).
    #[error(transparent)]
    Price(#[from] ReplayError),
    /// A provider's bill could not be put in the comparison's currency.
    #[error(transparent)]
    Fx(#[from] crate::fx::FxError),
    /// Writing output failed.
    #[error("{0}")]
    Io(String),
    /// A bug.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Prices a stream of events in time order: [`crate::replay::price_events`], taking the
/// events by value so that a generated stream never has to be held in memory at once.
pub fn price_stream(
    book: &RateBook,
    config: ClassifyConfig,
    events: impl IntoIterator<Item = Event>,
    sink: &mut dyn LineSink,
) -> Result<Priced, ReplayError> {
    crate::replay::price_events(book, config, events, sink)
}

/// Generates one run (`seed`) and prices it. With `threads` ≥ 2 the months are generated
/// on that many threads and the events are made on another thread while the calling thread
/// prices them; the result does not depend on `threads`.
pub fn price_run(
    generator: &Generator,
    seed: u64,
    book: &RateBook,
    config: ClassifyConfig,
    sink: &mut dyn LineSink,
    threads: usize,
) -> Result<Priced, ReplayError> {
    if threads <= 1 {
        return price_stream(book, config, generator.events_seeded(seed).threads(1), sink);
    }
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel::<Vec<Event>>(8);
        let (back_tx, back_rx) = mpsc::channel::<Vec<Event>>();
        scope.spawn(move || {
            let mut batch = Vec::with_capacity(BATCH);
            for ev in generator.events_seeded(seed).threads(threads) {
                batch.push(ev);
                if batch.len() == BATCH {
                    let next = back_rx
                        .try_recv()
                        .unwrap_or_else(|_| Vec::with_capacity(BATCH));
                    if tx.send(std::mem::replace(&mut batch, next)).is_err() {
                        return;
                    }
                }
            }
            let _ = tx.send(batch);
        });
        // Each batch goes back to the generating thread once priced, to be filled again.
        let batches = rx.into_iter().map(|events| Recycled {
            events,
            back: back_tx.clone(),
        });
        crate::replay::price_batches(book, config, batches, sink)
    })
}

const BATCH: usize = 4096;

/// A batch of events from the generating thread, sent back (emptied) when dropped.
struct Recycled {
    events: Vec<Event>,
    back: mpsc::Sender<Vec<Event>>,
}

impl AsRef<[Event]> for Recycled {
    fn as_ref(&self) -> &[Event] {
        &self.events
    }
}

impl Drop for Recycled {
    fn drop(&mut self) {
        let mut events = std::mem::take(&mut self.events);
        events.clear();
        let _ = self.back.send(events);
    }
}

/// The header of the canonical CSV that [`write_log`] writes.
pub const LOG_HEADER: &str =
    "timestamp,business,contact,direction,message_type,category,status,message_id,entry_point";

/// Writes events as a canonical CSV log (RFC 3339 UTC times, contacts in E.164), which
/// `wacost replay` prices to the same total. Returns the number of rows.
pub fn write_log(
    out: &mut dyn Write,
    events: impl IntoIterator<Item = Event>,
) -> std::io::Result<u64> {
    use std::collections::HashMap;
    writeln!(out, "{LOG_HEADER}")?;
    let mut names: HashMap<crate::event::BusinessId, String> = HashMap::new();
    let mut rows = 0u64;
    let mut day = i64::MIN;
    let mut date = String::new();
    for ev in events {
        // Simulated messages fall on whole seconds.
        let time = ev.time_ms.div_euclid(1000);
        let d = time.div_euclid(86_400);
        if d != day {
            day = d;
            date = chrono::DateTime::from_timestamp(d * 86_400, 0)
                .unwrap_or_default()
                .format("%Y-%m-%d")
                .to_string();
        }
        let s = time.rem_euclid(86_400);
        let business = names
            .entry(ev.business)
            .or_insert_with(|| csv_field(&ev.business.name()));
        let (message_type, category) = match (ev.direction, ev.kind) {
            (Direction::Inbound, _) => ("", ""),
            (Direction::Outbound, kind) => (
                kind.as_str(),
                kind.template_category().map_or("", Category::as_str),
            ),
        };
        writeln!(
            out,
            "{date}T{:02}:{:02}:{:02}Z,{business},{},{},{message_type},{category},{},{},{}",
            s / 3600,
            (s / 60) % 60,
            s % 60,
            ev.contact,
            ev.direction.as_str(),
            if ev.direction == Direction::Inbound {
                ""
            } else {
                ev.status.as_str()
            },
            ev.message_id.as_ref().map(|m| m.as_str()).unwrap_or(""),
            ev.entry_point.map(|e| e.as_str()).unwrap_or(""),
        )?;
        rows += 1;
    }
    out.flush()?;
    Ok(rows)
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
