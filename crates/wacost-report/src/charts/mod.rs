//! Charts, as PNG and SVG, drawn with plotters and the embedded font ([`super::font`]).
//!
//! Every chart takes plain data of its own ([`Stacked`], [`Ranked`], [`Daily`],
//! [`Messages`], [`Strategies`], [`Providers`], [`Distribution`]): labels as `String`, amounts
//! as exact [`Decimal`](rust_decimal::Decimal)s, counts as `u64`. Amounts become `f64` only to place bars and lines
//! on the canvas; every figure written on a chart (bar totals, legends, subtitles) is
//! formatted from the exact decimal. Wrap any of them in a [`Chart`] and call [`write()`]
//! (`stem.png` and `stem.svg`) or [`to_svg`] (the SVG as a string, for an HTML page).
//!
//! Charts read the same with or without colour vision: the palette is Okabe–Ito
//! ([`palette`]), each pricing category keeps one colour on every chart, and segments are
//! separated by white rules. Empty data draws the title and a "No data" message.
//!
//! Constructors from a [`Ledger`] build the usual charts of a replay
//! ([`Stacked::spend_by_month`], [`Ranked::spend_by_market`], [`Daily::from_ledger`],
//! [`Messages::by_pricing_type`], or all of them with [`ledger_charts`]).
//!
//! One file per chart kind; what they share is written once: the figures as text
//! (`format`, whose [`format_amount`], [`format_exact`] and [`format_count`] the report's
//! tables use too), the title, legend and "No data" panel (`layout`), value axes and the
//! mesh (`axes`), and stacked bars (`bars`).

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::font;
use wacost_core::ledger::Ledger;
use wacost_core::pricing::market::MarketNames;

mod axes;
mod bars;
mod bitmap_text;
mod daily;
mod distribution;
mod forecast;
mod format;
mod layout;
mod messages;
pub mod palette;
mod providers;
mod ranked;
mod stacked;
mod strategies;
mod svg_text;
mod whatifs;

pub use daily::Daily;
pub use distribution::Distribution;
pub use forecast::{ForecastChart, ForecastMonth};
pub use format::{format_amount, format_count, format_exact, format_money, format_rate};
pub use messages::{MessageCount, Messages};
pub use palette::series_colour;
pub use providers::{ProviderCost, Providers};
pub use ranked::Ranked;
pub use stacked::Stacked;
pub use strategies::{Strategies, StrategyStats};
pub use whatifs::WhatIfTotals;

use bitmap_text::TextBackend;
use layout::{Drawn, err};

/// Width and height of every chart, in pixels.
pub const SIZE: (u32, u32) = (1000, 600);

/// Any chart.
#[derive(Clone, Debug, PartialEq)]
pub enum Chart {
    /// Stacked bars.
    Stacked(Stacked),
    /// Top N and rest.
    Ranked(Ranked),
    /// Daily spend and month to date.
    Daily(Daily),
    /// Billed and free messages.
    Messages(Messages),
    /// Strategy comparison.
    Strategies(Strategies),
    /// Provider comparison.
    Providers(Providers),
    /// Monte Carlo distribution.
    Distribution(Distribution),
    /// The log's total under each what-if.
    WhatIfTotals(WhatIfTotals),
    /// Actual months, then a forecast with its band.
    ForecastChart(ForecastChart),
}

macro_rules! chart_from {
    ($($t:ident),*) => {$(
        impl From<$t> for Chart {
            fn from(c: $t) -> Chart {
                Chart::$t(c)
            }
        }
    )*};
}
chart_from!(
    Stacked,
    Ranked,
    Daily,
    Messages,
    Strategies,
    Providers,
    Distribution,
    WhatIfTotals,
    ForecastChart
);

impl Chart {
    /// The title.
    pub fn title(&self) -> &str {
        match self {
            Chart::Stacked(c) => &c.title,
            Chart::Ranked(c) => &c.title,
            Chart::Daily(c) => &c.title,
            Chart::Messages(c) => &c.title,
            Chart::Strategies(c) => &c.title,
            Chart::Providers(c) => &c.title,
            Chart::Distribution(c) => &c.title,
            Chart::WhatIfTotals(c) => &c.title,
            Chart::ForecastChart(c) => &c.title,
        }
    }
}

/// Why a chart could not be drawn or written.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// The embedded font could not be registered.
    #[error("the embedded chart font could not be registered")]
    Font,
    /// plotters failed.
    #[error("drawing the chart {title:?}: {message}")]
    Draw {
        /// The chart's title.
        title: String,
        /// plotters' message.
        message: String,
    },
    /// A file could not be written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

/// The files [`write()`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChartFiles {
    /// `stem.png`.
    pub png: PathBuf,
    /// `stem.svg`.
    pub svg: PathBuf,
}

fn with_extension(stem: &Path, ext: &str) -> PathBuf {
    let mut s = stem.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

/// Draws a chart as `stem.png` and `stem.svg` (stem `out/spend_by_month` gives
/// `out/spend_by_month.png` and `out/spend_by_month.svg`; the folder must exist).
pub fn write(chart: &Chart, stem: &Path) -> Result<ChartFiles, ChartError> {
    let png = with_extension(stem, "png");
    let svg = with_extension(stem, "svg");
    write_png(chart, &png)?;
    let text = to_svg(chart)?;
    std::fs::write(&svg, text).map_err(|source| ChartError::Io {
        path: svg.clone(),
        source,
    })?;
    Ok(ChartFiles { png, svg })
}

/// Draws a chart as a PNG file of [`SIZE`].
pub fn write_png(chart: &Chart, path: &Path) -> Result<(), ChartError> {
    if !font::register() {
        return Err(ChartError::Font);
    }
    let root = TextBackend::new(BitMapBackend::new(path, SIZE)).into_drawing_area();
    draw(chart, &root).map_err(|message| ChartError::Draw {
        title: chart.title().to_string(),
        message,
    })
}

/// Draws a chart as an SVG document (`<svg …>…</svg>`, no XML declaration), ready to be
/// written to a file or inlined in HTML. Text from the data is XML-escaped.
pub fn to_svg(chart: &Chart) -> Result<String, ChartError> {
    if !font::register() {
        return Err(ChartError::Font);
    }
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        draw(chart, &root).map_err(|message| ChartError::Draw {
            title: chart.title().to_string(),
            message,
        })?;
    }
    // Text as the embedded font's outlines: the SVG looks as the PNG does anywhere.
    Ok(svg_text::outline_text(&out))
}

/// Draws a chart on a drawing area of [`SIZE`].
fn draw<DB: DrawingBackend>(chart: &Chart, root: &DrawingArea<DB, Shift>) -> Drawn {
    match chart {
        Chart::Stacked(c) => c.draw(root)?,
        Chart::Ranked(c) => c.draw(root)?,
        Chart::Daily(c) => c.draw(root)?,
        Chart::Messages(c) => c.draw(root)?,
        Chart::Strategies(c) => c.draw(root)?,
        Chart::Providers(c) => c.draw(root)?,
        Chart::Distribution(c) => c.draw(root)?,
        Chart::WhatIfTotals(c) => c.draw(root)?,
        Chart::ForecastChart(c) => c.draw(root)?,
    }
    root.present().map_err(err)
}

/// The charts of a replay, with the file stem each is usually written to:
/// `spend_by_month`, `spend_by_market` (top 10 and rest), `daily_spend`,
/// `messages_by_pricing_type`.
pub fn ledger_charts(ledger: &Ledger, names: &MarketNames) -> Vec<(&'static str, Chart)> {
    vec![
        ("spend_by_month", Stacked::spend_by_month(ledger).into()),
        (
            "spend_by_market",
            Ranked::spend_by_market(ledger, names, 10).into(),
        ),
        ("daily_spend", Daily::from_ledger(ledger).into()),
        (
            "messages_by_pricing_type",
            Messages::by_pricing_type(ledger).into(),
        ),
    ]
}
