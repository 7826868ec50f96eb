//! `wacost rates`: the card in force on a date, with the provenance of every rate.

use chrono::{NaiveDate, Utc};
use clap::Args;
use serde_json::json;
use wacost::pricing::category::{Category, Provenance};
use wacost::report::table::Table;

use super::{Failure, Format, Global};

/// Arguments of `wacost rates`.
#[derive(Args, Debug)]
pub struct RatesArgs {
    /// The date (default: today in the WABA's time zone).
    #[arg(long, value_name = "YYYY-MM-DD")]
    at: Option<NaiveDate>,
    /// Only this market (e.g. "Brazil", "Rest of Africa").
    #[arg(long, value_name = "NAME")]
    market: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// Runs `wacost rates`.
pub fn run(global: &Global, args: &RatesArgs) -> Result<(), Failure> {
    let book = global.rate_book()?;
    let date = args
        .at
        .unwrap_or_else(|| Utc::now().with_timezone(&global.timezone).date_naive());
    let card = book.card_at(global.currency, date)?;
    let markets: Vec<_> = match &args.market {
        Some(name) => {
            let id = book
                .names
                .get(name)
                .filter(|m| card.markets().any(|x| x == *m));
            vec![id.ok_or_else(|| {
                let known: Vec<&str> = card.markets().map(|m| book.names.name(m)).collect();
                Failure::input(format!(
                    "no market {name:?} on the {} card of {}; markets: {}",
                    card.currency,
                    card.effective,
                    known.join(", ")
                ))
            })?]
        }
        None => card.markets().collect(),
    };
    let regime = book.regime_at(date)?;
    match args.format {
        Format::Table => {
            println!(
                "{} rate card in force on {date} (effective {}, {}): {}",
                card.currency, card.effective, card.origin, card.title
            );
            println!(
                "rules: {} ({}); rates per {}; confidence {}",
                regime.name,
                regime.model,
                if regime.model == wacost::pricing::category::PricingModel::Cbp {
                    "conversation"
                } else {
                    "delivered message"
                },
                card.confidence
            );
            let mut t = Table::new([
                "market",
                "marketing",
                "utility",
                "authentication",
                "auth-intl",
                "service",
            ]);
            for c in 1..6 {
                t = t.right_align(c);
            }
            for &m in &markets {
                let mut row = vec![book.names.name(m).to_string()];
                for c in Category::ALL {
                    row.push(match card.cell(m, c) {
                        Some(cell) => format!("{}{}", cell.rate, mark(cell.provenance)),
                        None => "n/a".to_string(),
                    });
                }
                t.row(row);
            }
            print!("{}", t.render());
            let (p, d, e) = card.provenance_counts();
            println!(
                "provenance: {p} published, {d} derived (d), {e} estimated (e); \
                 n/a = no rate on the card"
            );
            for (id, text) in &card.sources {
                println!("source {id}: {text}");
            }
        }
        Format::Csv => {
            let mut t = Table::new([
                "market",
                "category",
                "rate",
                "currency",
                "provenance",
                "source",
                "note",
                "effective",
            ]);
            for &m in &markets {
                for c in Category::ALL {
                    if let Some(cell) = card.cell(m, c) {
                        t.row([
                            book.names.name(m).to_string(),
                            c.to_string(),
                            cell.rate.to_string(),
                            card.currency.to_string(),
                            cell.provenance.to_string(),
                            card.source_text(&cell.source).to_string(),
                            cell.note.clone(),
                            card.effective.to_string(),
                        ]);
                    }
                }
            }
            print!("{}", t.to_csv()?);
        }
        Format::Json => {
            let rows: Vec<_> = markets
                .iter()
                .map(|&m| {
                    let mut rates = serde_json::Map::new();
                    for c in Category::ALL {
                        if let Some(cell) = card.cell(m, c) {
                            rates.insert(
                                c.to_string(),
                                json!({
                                    "rate": cell.rate.to_string(),
                                    "provenance": cell.provenance,
                                    "source": card.source_text(&cell.source),
                                    "note": cell.note,
                                }),
                            );
                        }
                    }
                    json!({"market": book.names.name(m), "rates": rates})
                })
                .collect();
            let doc = json!({
                "date": date.to_string(),
                "currency": card.currency,
                "effective": card.effective.to_string(),
                "origin": card.origin,
                "title": card.title,
                "confidence": card.confidence,
                "regime": regime.name,
                "pricing_model": regime.model,
                "markets": rows,
            });
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
    }
    Ok(())
}

fn mark(p: Provenance) -> &'static str {
    match p {
        Provenance::Published => "",
        Provenance::Derived => " d",
        Provenance::Estimated => " e",
    }
}
