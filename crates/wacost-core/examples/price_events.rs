//! Prices a few messages built in code: `cargo run -p wacost-core --example price_events`.
//!
//! A customer in Brazil writes on 2 November 2026; the shop answers free-form inside the
//! customer service window (charged as a service message since 2026-10-01, but covered by
//! the 1,000 free service messages of the month) and sends a marketing template.

use chrono::{TimeZone, Utc};
use wacost_core::{Category, Event, RateBook, Replay};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let book = RateBook::embedded()?;
    let at = |h| {
        Utc.with_ymd_and_hms(2026, 11, 2, h, 0, 0)
            .single()
            .ok_or("bad time")
    };
    let (shop, ana) = ("+1 555 010 0001", "+5511987654321".parse()?);
    let events = [
        Event::inbound(at(9)?, shop, ana),
        Event::free_form(at(10)?, shop, ana),
        Event::template(at(11)?, shop, ana, Category::Marketing),
    ];
    let outcome = Replay::new(&book).events(&events)?;
    print!("{}", outcome.summary(&book).to_text());
    Ok(())
}
