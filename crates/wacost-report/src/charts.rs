//! Charts, as PNG and SVG, drawn with plotters and the embedded font ([`super::font`]).
//!
//! Every chart takes plain data of its own ([`Stacked`], [`Ranked`], [`Daily`],
//! [`Messages`], [`Strategies`], [`Providers`], [`Distribution`]): labels as `String`, amounts
//! as exact [`Decimal`]s, counts as `u64`. Amounts become `f64` only to place bars and lines
//! on the canvas; every figure written on a chart (bar totals, legends, subtitles) is
//! formatted from the exact decimal. Wrap any of them in a [`Chart`] and call [`write`]
//! (`stem.png` and `stem.svg`) or [`to_svg`] (the SVG as a string, for an HTML page).
//!
//! Charts read the same with or without colour vision: the palette is Okabe–Ito
//! ([`palette`]), each pricing category keeps one colour on every chart, and segments are
//! separated by white rules. Empty data draws the title and a "No data" message.
//!
//! Constructors from a [`Ledger`] build the usual charts of a replay
//! ([`Stacked::spend_by_month`], [`Ranked::spend_by_market`], [`Daily::from_ledger`],
//! [`Messages::by_pricing_type`], or all of them with [`ledger_charts`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::font;
use wacost_core::charge::LineKind;
use wacost_core::ledger::Ledger;
use wacost_core::pricing::category::{Category, PricingType};
use wacost_core::pricing::market::MarketNames;

mod bitmap_text;

use bitmap_text::TextBackend;

/// Width and height of every chart, in pixels.
pub const SIZE: (u32, u32) = (1000, 600);

/// The Okabe–Ito palette (Okabe & Ito, 2008), distinguishable with every common form of
/// colour blindness, plus a neutral grey.
pub mod palette {
    use plotters::style::RGBColor;

    /// Black.
    pub const BLACK: RGBColor = RGBColor(0x00, 0x00, 0x00);
    /// Orange.
    pub const ORANGE: RGBColor = RGBColor(0xE6, 0x9F, 0x00);
    /// Sky blue.
    pub const SKY_BLUE: RGBColor = RGBColor(0x56, 0xB4, 0xE9);
    /// Bluish green.
    pub const BLUISH_GREEN: RGBColor = RGBColor(0x00, 0x9E, 0x73);
    /// Yellow.
    pub const YELLOW: RGBColor = RGBColor(0xF0, 0xE4, 0x42);
    /// Blue.
    pub const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
    /// Vermillion.
    pub const VERMILLION: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
    /// Reddish purple.
    pub const REDDISH_PURPLE: RGBColor = RGBColor(0xCC, 0x79, 0xA7);
    /// Grey, for "rest" and "other".
    pub const GREY: RGBColor = RGBColor(0x99, 0x99, 0x99);

    /// Series colours in the order they are handed out.
    pub const SERIES: [RGBColor; 8] = [
        BLUE,
        ORANGE,
        BLUISH_GREEN,
        VERMILLION,
        SKY_BLUE,
        REDDISH_PURPLE,
        YELLOW,
        BLACK,
    ];
}

/// The colour of a series: pricing categories and fee kinds keep one colour on every chart;
/// other series take the palette in order.
pub fn series_colour(name: &str, index: usize) -> RGBColor {
    use palette::*;
    match name {
        "marketing" => ORANGE,
        "utility" => BLUE,
        "authentication" => BLUISH_GREEN,
        "authentication_international" => SKY_BLUE,
        "service" => REDDISH_PURPLE,
        "Meta fees" => BLUE,
        "provider fees" => ORANGE,
        "rest" | "other" => GREY,
        _ => SERIES[index % SERIES.len()],
    }
}

/// Bars stacked by series: e.g. spend by month (x) and pricing category (series). Negative
/// amounts (allowances, discounts) stack below zero.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stacked {
    /// Title.
    pub title: String,
    /// Currency code of every amount.
    pub currency: String,
    /// What the bars are (axis title), e.g. "Month".
    pub x_title: String,
    /// One label per bar.
    pub x_labels: Vec<String>,
    /// Series: name and one amount per bar (missing amounts count as zero).
    pub series: Vec<(String, Vec<Decimal>)>,
}

/// Amounts per item, largest first, the top `top` items shown and the others summed into
/// one "rest" bar: e.g. spend by market.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ranked {
    /// Title.
    pub title: String,
    /// Currency code.
    pub currency: String,
    /// What an item is, in the plural ("markets"), for the "rest" bar.
    pub items_name: String,
    /// Items and their amounts, in any order.
    pub items: Vec<(String, Decimal)>,
    /// Items shown before the rest (0 means all).
    pub top: usize,
}

/// Spend per day, with the running total of each month.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Daily {
    /// Title.
    pub title: String,
    /// Currency code.
    pub currency: String,
    /// Days and their spend, in any order (days missing between the first and the last
    /// count as zero; a day given twice is summed).
    pub days: Vec<(NaiveDate, Decimal)>,
}

/// Messages billed and not billed, per pricing type.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Messages {
    /// Title.
    pub title: String,
    /// One row per pricing type (or any other label).
    pub rows: Vec<MessageCount>,
}

/// One bar of [`Messages`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MessageCount {
    /// Label, e.g. "regular".
    pub label: String,
    /// Messages billed.
    pub billed: u64,
    /// Messages not billed (free, or not delivered).
    pub free: u64,
}

/// Simulated spend of strategies: P5–P95 range, median and mean.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Strategies {
    /// Title.
    pub title: String,
    /// Currency code.
    pub currency: String,
    /// One row per strategy, drawn top to bottom.
    pub rows: Vec<StrategyStats>,
}

/// One strategy of [`Strategies`].
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StrategyStats {
    /// Name.
    pub name: String,
    /// 5th percentile.
    pub p5: Decimal,
    /// Median.
    pub p50: Decimal,
    /// 95th percentile.
    pub p95: Decimal,
    /// Mean.
    pub mean: Decimal,
}

/// What the same traffic costs through each provider: Meta's fees plus the provider's own.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Providers {
    /// Title.
    pub title: String,
    /// Currency code (every amount already converted to it).
    pub currency: String,
    /// One row per provider, drawn top to bottom.
    pub rows: Vec<ProviderCost>,
}

/// One provider of [`Providers`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProviderCost {
    /// Provider.
    pub name: String,
    /// Meta's fees.
    pub meta_fees: Decimal,
    /// The provider's fees.
    pub provider_fees: Decimal,
}

/// The distribution of a simulated total (one total per Monte Carlo run): a histogram with
/// P5, P50 and P95 marked.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Distribution {
    /// Title.
    pub title: String,
    /// Currency code.
    pub currency: String,
    /// One total per run.
    pub totals: Vec<Decimal>,
    /// Bins (0: chosen from the number of runs).
    pub bins: usize,
}

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
    Distribution
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

/// The files [`write`] wrote.
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
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Figures as text.

fn group_digits(int: &str) -> String {
    let bytes = int.as_bytes();
    let mut out = String::with_capacity(int.len() + int.len() / 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 && (bytes.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(*b as char);
    }
    out
}

fn group_number(text: &str) -> String {
    let (sign, rest) = match text.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", text),
    };
    let (int, frac) = match rest.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (rest, None),
    };
    let mut s = format!("{sign}{}", group_digits(int));
    if let Some(f) = frac {
        s.push('.');
        s.push_str(f);
    }
    s
}

/// An amount as written on charts: thousands separated, two decimals, or up to four below
/// one (`1,234.50`, `0.0625`). Rounded half away from zero from the exact decimal.
pub fn format_amount(d: Decimal) -> String {
    let away = RoundingStrategy::MidpointAwayFromZero;
    let mut r = if d.abs() >= Decimal::ONE {
        d.round_dp_with_strategy(2, away)
    } else {
        d.round_dp_with_strategy(4, away).normalize()
    };
    if r.scale() < 2 {
        r.rescale(2);
    }
    if r.is_zero() {
        r = Decimal::new(0, 2);
    }
    group_number(&r.to_string())
}

/// An exact amount, every decimal kept, thousands separated (`12,345.0625`).
pub fn format_exact(d: Decimal) -> String {
    group_number(&d.to_string())
}

/// A count with thousands separated.
pub fn format_count(n: u64) -> String {
    group_digits(&n.to_string())
}

/// "1 run", "2 runs".
fn count_of(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", format_count(n), if n == 1 { one } else { many })
}

/// A tick value (a canvas position, hence `f64`) with `decimals` decimals.
fn format_tick(v: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, v.abs());
    let zero = s.chars().all(|c| c == '0' || c == '.');
    let s = group_number(&s);
    if v < 0.0 && !zero { format!("-{s}") } else { s }
}

fn to_f64(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

// ---------------------------------------------------------------------------------------
// Drawing helpers.

type Drawn<T = ()> = Result<T, String>;

fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

const TITLE: f64 = 28.0;
const SUBTITLE: f64 = 17.0;
const LEGEND: f64 = 16.0;
const LABEL: f64 = 15.0;
const DESC: f64 = 17.0;
const VALUE: f64 = 14.0;
const Y_TICKS: usize = 8;
const X_TICKS: usize = 9;
const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
const MUTED: RGBColor = RGBColor(0x55, 0x55, 0x55);
const GRID: RGBColor = RGBColor(0xDD, 0xDD, 0xDD);

fn regular(size: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::SansSerif, size, FontStyle::Normal)
}

fn bold(size: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::SansSerif, size, FontStyle::Bold)
}

fn text_width<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    font: &FontDesc,
) -> u32 {
    // Measured by the backend, which lays the text out as it draws it (see `bitmap_text`).
    root.estimate_text_size(text, &font.color(&INK))
        .map(|(w, _)| w)
        .unwrap_or(text.chars().count() as u32 * 9)
}

/// The text, cut with an ellipsis if it is wider than `max` pixels.
fn fit<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    font: &FontDesc,
    max: u32,
) -> String {
    if text_width(root, text, font) <= max {
        return text.to_string();
    }
    let mut chars: Vec<char> = text.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let s: String = chars.iter().collect::<String>() + "…";
        if text_width(root, &s, font) <= max {
            return s;
        }
    }
    "…".to_string()
}

fn label<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    at: (i32, i32),
    font: &FontDesc,
    colour: &RGBColor,
    h: HPos,
    v: VPos,
) -> Drawn {
    let style = font.color(colour).pos(Pos::new(h, v));
    root.draw(&Text::new(text.to_string(), at, style))
        .map_err(err)
}

/// How a legend entry is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mark {
    Box,
    Line,
    Dashed,
    Diamond,
    Whisker,
}

struct LegendItem {
    label: String,
    colour: RGBColor,
    mark: Mark,
}

fn item(label: impl Into<String>, colour: RGBColor, mark: Mark) -> LegendItem {
    LegendItem {
        label: label.into(),
        colour,
        mark,
    }
}

const SWATCH: i32 = 24;

fn swatch<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    x: i32,
    y: i32,
    it: &LegendItem,
) -> Drawn {
    let c = it.colour;
    match it.mark {
        Mark::Box => root
            .draw(&Rectangle::new(
                [(x, y - 8), (x + SWATCH, y + 8)],
                c.filled(),
            ))
            .map_err(err),
        Mark::Line => root
            .draw(&PathElement::new(
                vec![(x, y), (x + SWATCH, y)],
                c.stroke_width(3),
            ))
            .map_err(err),
        Mark::Dashed => {
            for k in 0..3 {
                let x0 = x + k * 9;
                root.draw(&PathElement::new(
                    vec![(x0, y), (x0 + 5, y)],
                    c.stroke_width(3),
                ))
                .map_err(err)?;
            }
            Ok(())
        }
        Mark::Diamond => root
            .draw(&Polygon::new(
                vec![
                    (x + SWATCH / 2, y - 7),
                    (x + SWATCH / 2 + 7, y),
                    (x + SWATCH / 2, y + 7),
                    (x + SWATCH / 2 - 7, y),
                ],
                c.filled(),
            ))
            .map_err(err),
        Mark::Whisker => {
            root.draw(&Rectangle::new(
                [(x, y - 4), (x + SWATCH, y + 4)],
                c.filled(),
            ))
            .map_err(err)?;
            for xe in [x, x + SWATCH] {
                root.draw(&PathElement::new(
                    vec![(xe, y - 8), (xe, y + 8)],
                    INK.stroke_width(2),
                ))
                .map_err(err)?;
            }
            Ok(())
        }
    }
}

/// Draws the title, the subtitle and the legend; returns the area left for the plot.
fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
    legend: &[LegendItem],
) -> Drawn<DrawingArea<DB, Shift>> {
    root.fill(&WHITE).map_err(err)?;
    let (w, _) = root.dim_in_pixel();
    let cx = w as i32 / 2;
    let tfont = bold(TITLE);
    let title = fit(root, title, &tfont, w.saturating_sub(40));
    label(
        root,
        &title,
        (cx, 14),
        &tfont,
        &INK,
        HPos::Center,
        VPos::Top,
    )?;
    let mut y = 14 + 34;
    if !subtitle.is_empty() {
        let sfont = regular(SUBTITLE);
        let s = fit(root, subtitle, &sfont, w.saturating_sub(40));
        label(root, &s, (cx, y), &sfont, &MUTED, HPos::Center, VPos::Top)?;
        y += 24;
    }
    if !legend.is_empty() {
        y += 4;
        let lfont = regular(LEGEND);
        let max_row = w as i32 - 60;
        let mut rows: Vec<Vec<(i32, &LegendItem)>> = vec![Vec::new()];
        let mut row_width = 0;
        for it in legend {
            let text = fit(root, &it.label, &lfont, 400);
            let width = SWATCH + 8 + text_width(root, &text, &lfont) as i32 + 26;
            if row_width + width > max_row && row_width > 0 {
                rows.push(Vec::new());
                row_width = 0;
            }
            row_width += width;
            if let Some(r) = rows.last_mut() {
                r.push((width, it));
            }
        }
        for row in rows {
            let total: i32 = row.iter().map(|(w, _)| *w).sum::<i32>() - 26;
            let mut x = (w as i32 - total) / 2;
            let ym = y + 10;
            for (width, it) in row {
                swatch(root, x, ym, it)?;
                let text = fit(root, &it.label, &lfont, 400);
                label(
                    root,
                    &text,
                    (x + SWATCH + 8, ym + 1),
                    &lfont,
                    &INK,
                    HPos::Left,
                    VPos::Center,
                )?;
                x += width;
            }
            y += 26;
        }
    }
    y += 6;
    let (_, body) = root.split_vertically(y);
    Ok(body)
}

/// The "No data" panel.
fn no_data<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    message: &str,
) -> Drawn {
    let (x0, y0) = (area.get_base_pixel().0 + 40, area.get_base_pixel().1 + 20);
    let (w, h) = area.dim_in_pixel();
    let (x1, y1) = (x0 + w as i32 - 80, y0 + h as i32 - 60);
    root.draw(&Rectangle::new(
        [(x0, y0), (x1, y1)],
        ShapeStyle {
            color: GRID.to_rgba(),
            filled: false,
            stroke_width: 2,
        },
    ))
    .map_err(err)?;
    let c = ((x0 + x1) / 2, (y0 + y1) / 2);
    label(
        root,
        "No data",
        (c.0, c.1 - 14),
        &bold(26.0),
        &MUTED,
        HPos::Center,
        VPos::Center,
    )?;
    label(
        root,
        message,
        (c.0, c.1 + 20),
        &regular(LABEL),
        &MUTED,
        HPos::Center,
        VPos::Center,
    )
}

/// A value axis: its range in canvas units and how its ticks are written.
#[derive(Clone, Copy, Debug)]
struct ValueAxis {
    lo: f64,
    hi: f64,
    decimals: usize,
    ticks: usize,
}

impl ValueAxis {
    /// An axis from `lo` to `hi`; `money` writes at least two decimals when any are needed,
    /// counts only get whole ticks.
    fn new(lo: f64, hi: f64, money: bool, ticks: usize) -> ValueAxis {
        let (mut lo, mut hi) = (lo, hi);
        if !lo.is_finite() || !hi.is_finite() {
            (lo, hi) = (0.0, 1.0);
        }
        if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
            let pad = (hi.abs() * 0.05).max(if money { 0.01 } else { 1.0 });
            (lo, hi) = if lo >= 0.0 && lo - pad < 0.0 {
                (0.0, hi + pad)
            } else {
                (lo - pad, hi + pad)
            };
        }
        let ticks = if money {
            ticks
        } else {
            ticks.min((hi - lo).floor() as usize + 1).max(2)
        };
        let points = RangedCoordf64::from(lo..hi).key_points(ticks);
        let mut decimals = points.iter().map(|p| decimals_of(*p)).max().unwrap_or(0);
        if money && decimals == 1 {
            decimals = 2;
        }
        ValueAxis {
            lo,
            hi,
            decimals,
            ticks,
        }
    }

    /// From zero (or the most negative value) to the largest value, with `room` (a share of
    /// the plot, 0..0.6) kept free above it for labels.
    fn zero_based(min: f64, max: f64, room: f64, money: bool, ticks: usize) -> ValueAxis {
        let lo = min.min(0.0);
        let mut hi = max.max(0.0);
        if hi - lo <= 0.0 {
            hi = lo + if money { 1.0 } else { 5.0 };
        }
        let room = room.clamp(0.02, 0.6);
        let span = (hi - lo) / (1.0 - room);
        let lo = if lo < 0.0 { lo - (hi - lo) * 0.04 } else { lo };
        ValueAxis::new(lo, lo.min(0.0) + span.max(hi - lo), money, ticks)
    }

    fn format(&self, v: f64) -> String {
        format_tick(v, self.decimals)
    }

    fn tick_labels(&self) -> Vec<String> {
        RangedCoordf64::from(self.lo..self.hi)
            .key_points(self.ticks)
            .into_iter()
            .map(|p| self.format(p))
            .collect()
    }
}

/// Decimals needed to write `v` (at most 6).
fn decimals_of(v: f64) -> usize {
    let mut scale = 1.0;
    for d in 0..6 {
        let x = v * scale;
        if (x - x.round()).abs() < 1e-6 * scale.max(1.0) {
            return d;
        }
        scale *= 10.0;
    }
    6
}

type Plot<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Which labels of `n` slots `slot` pixels wide can be written without overlapping: every
/// `step`th.
fn label_step(n: usize, slot: f64, widest: u32, steps: &[usize]) -> usize {
    for &s in steps {
        if slot * s as f64 >= widest as f64 + 12.0 {
            return s;
        }
    }
    let s = ((widest as f64 + 12.0) / slot.max(1.0)).ceil() as usize;
    s.clamp(1, n.max(1))
}

/// Bars data, common to the vertical and horizontal bar charts.
struct Bars {
    categories: Vec<String>,
    series: Vec<(RGBColor, Vec<f64>)>,
    /// Written at the end of each bar.
    ends: Vec<String>,
    value_desc: String,
    category_desc: String,
    money: bool,
}

impl Bars {
    fn value(&self, s: usize, i: usize) -> f64 {
        self.series[s].1.get(i).copied().unwrap_or(0.0)
    }

    /// Positive and negative stack heights per category.
    fn stacks(&self) -> (Vec<f64>, Vec<f64>) {
        let n = self.categories.len();
        let mut pos = vec![0.0; n];
        let mut neg = vec![0.0; n];
        for s in 0..self.series.len() {
            for i in 0..n {
                let v = self.value(s, i);
                if v >= 0.0 {
                    pos[i] += v;
                } else {
                    neg[i] += v;
                }
            }
        }
        (pos, neg)
    }

    /// Segments: (category, start, end, colour).
    fn segments(&self) -> Vec<(usize, f64, f64, RGBColor)> {
        let n = self.categories.len();
        let mut pos = vec![0.0; n];
        let mut neg = vec![0.0; n];
        let mut out = Vec::new();
        for (s, (colour, _)) in self.series.iter().enumerate() {
            for i in 0..n {
                let v = self.value(s, i);
                if v == 0.0 {
                    continue;
                }
                let base = if v > 0.0 { &mut pos[i] } else { &mut neg[i] };
                out.push((i, *base, *base + v, *colour));
                *base += v;
            }
        }
        out
    }
}

fn white_rule() -> ShapeStyle {
    ShapeStyle {
        color: WHITE.to_rgba(),
        filled: false,
        stroke_width: 1,
    }
}

/// Vertical stacked bars, categories along x.
fn vbars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    b: &Bars,
) -> Drawn {
    let n = b.categories.len();
    let slots = n.max(4);
    let offset = (slots - n) as f64 / 2.0;
    let (pos, neg) = b.stacks();
    let max = pos.iter().copied().fold(0.0, f64::max);
    let min = neg.iter().copied().fold(0.0, f64::min);
    let (_, h) = area.dim_in_pixel();
    let room = if b.ends.is_empty() {
        0.04
    } else {
        30.0 / h.max(100) as f64
    };
    let axis = ValueAxis::zero_based(min, max, room, b.money, Y_TICKS);
    let lfont = regular(LABEL);
    let ylab = axis
        .tick_labels()
        .iter()
        .map(|s| text_width(root, s, &lfont))
        .max()
        .unwrap_or(30);
    let mut chart: Plot<DB> = ChartBuilder::on(area)
        .margin(10)
        .margin_right(30)
        .x_label_area_size(62)
        .y_label_area_size(ylab + 46)
        .build_cartesian_2d(-0.5..slots as f64 - 0.5, axis.lo..axis.hi)
        .map_err(err)?;
    let fmt = |v: &f64| axis.format(*v);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_labels(axis.ticks)
        .y_label_formatter(&fmt)
        .y_desc(b.value_desc.as_str())
        .x_desc(b.category_desc.as_str())
        .label_style(lfont.color(&INK))
        .axis_desc_style(regular(DESC).color(&INK))
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(MUTED)
        .draw()
        .map_err(err)?;
    let half = if n == 1 { 0.3 } else { 0.38 };
    chart
        .draw_series(b.segments().into_iter().flat_map(|(i, y0, y1, c)| {
            let x = i as f64 + offset;
            [
                Rectangle::new([(x - half, y0), (x + half, y1)], c.filled()),
                Rectangle::new([(x - half, y0), (x + half, y1)], white_rule()),
            ]
        }))
        .map_err(err)?;
    if axis.lo < 0.0 {
        chart
            .draw_series(LineSeries::new(
                [(-0.5, 0.0), (slots as f64 - 0.5, 0.0)],
                INK.stroke_width(1),
            ))
            .map_err(err)?;
    }
    // Category labels under the axis, thinned so that they never overlap.
    let left = chart.backend_coord(&(-0.5, axis.lo));
    let right = chart.backend_coord(&(slots as f64 - 0.5, axis.lo));
    let slot = (right.0 - left.0) as f64 / slots as f64;
    let widest = b
        .categories
        .iter()
        .map(|c| text_width(root, c, &lfont))
        .max()
        .unwrap_or(0)
        .min(200);
    let step = label_step(n, slot, widest, &[1, 2, 3, 4, 6, 12]);
    let room_px = (slot * step as f64 - 8.0).max(20.0) as u32;
    for (i, c) in b.categories.iter().enumerate() {
        if i % step != 0 {
            continue;
        }
        let (x, y) = chart.backend_coord(&(i as f64 + offset, axis.lo));
        let text = fit(root, c, &lfont, room_px);
        label(
            root,
            &text,
            (x, y + 8),
            &lfont,
            &INK,
            HPos::Center,
            VPos::Top,
        )?;
    }
    // Totals above the bars, when they fit.
    let vfont = regular(VALUE);
    let ends_fit = b
        .ends
        .iter()
        .all(|e| text_width(root, e, &vfont) as f64 <= slot - 4.0);
    if ends_fit {
        for (i, e) in b.ends.iter().enumerate() {
            let (x, y) = chart.backend_coord(&(i as f64 + offset, pos[i]));
            label(
                root,
                e,
                (x, y - 5),
                &vfont,
                &INK,
                HPos::Center,
                VPos::Bottom,
            )?;
        }
    }
    Ok(())
}

/// The position of item `i` of `slots` on a horizontal chart (item 0 at the top).
fn hy(i: usize, slots: usize) -> f64 {
    (slots - 1 - i) as f64
}

/// A horizontal chart: names down the left, values along x. Returns the chart and the
/// number of slots.
fn hchart<'a, DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &'a DrawingArea<DB, Shift>,
    names: &[String],
    axis: &ValueAxis,
    value_desc: &str,
    name_width: u32,
    min_slots: usize,
) -> Drawn<(Plot<'a, DB>, usize)> {
    let n = names.len();
    let slots = n.max(min_slots);
    let lfont = regular(LABEL);
    let mut chart: Plot<DB> = ChartBuilder::on(area)
        .margin(10)
        .margin_right(30)
        .x_label_area_size(56)
        .y_label_area_size(name_width + 18)
        .build_cartesian_2d(axis.lo..axis.hi, -0.5..slots as f64 - 0.5)
        .map_err(err)?;
    let fmt = |v: &f64| axis.format(*v);
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_labels(axis.ticks)
        .x_label_formatter(&fmt)
        .x_desc(value_desc)
        .label_style(lfont.color(&INK))
        .axis_desc_style(regular(DESC).color(&INK))
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(MUTED)
        .draw()
        .map_err(err)?;
    for (i, name) in names.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(axis.lo, hy(i, slots)));
        let text = fit(root, name, &lfont, name_width);
        label(
            root,
            &text,
            (x - 8, y),
            &lfont,
            &INK,
            HPos::Right,
            VPos::Center,
        )?;
    }
    Ok((chart, slots))
}

/// Room for names on a horizontal chart: the widest name, at most 300 pixels.
fn name_width<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, names: &[String]) -> u32 {
    let lfont = regular(LABEL);
    names
        .iter()
        .map(|c| text_width(root, c, &lfont))
        .max()
        .unwrap_or(40)
        .clamp(40, 300)
}

/// Horizontal stacked bars, one per category, top to bottom.
fn hbars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    b: &Bars,
) -> Drawn {
    let (pos, neg) = b.stacks();
    let max = pos.iter().copied().fold(0.0, f64::max);
    let min = neg.iter().copied().fold(0.0, f64::min);
    let names = name_width(root, &b.categories);
    let vfont = regular(VALUE);
    let end_w = b
        .ends
        .iter()
        .map(|e| text_width(root, e, &vfont))
        .max()
        .unwrap_or(0);
    let (w, _) = area.dim_in_pixel();
    let plot_w = (w as f64 - names as f64 - 70.0).max(100.0);
    let room = (end_w as f64 + 24.0) / plot_w + 0.02;
    let axis = ValueAxis::zero_based(min, max, room, b.money, X_TICKS);
    let (mut chart, slots) = hchart(root, area, &b.categories, &axis, &b.value_desc, names, 5)?;
    let half = 0.36;
    chart
        .draw_series(b.segments().into_iter().flat_map(|(i, x0, x1, c)| {
            let y = hy(i, slots);
            [
                Rectangle::new([(x0, y - half), (x1, y + half)], c.filled()),
                Rectangle::new([(x0, y - half), (x1, y + half)], white_rule()),
            ]
        }))
        .map_err(err)?;
    if axis.lo < 0.0 {
        chart
            .draw_series(LineSeries::new(
                [(0.0, -0.5), (0.0, slots as f64 - 0.5)],
                INK.stroke_width(1),
            ))
            .map_err(err)?;
    }
    for (i, e) in b.ends.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(pos[i], hy(i, slots)));
        label(root, e, (x + 6, y), &vfont, &INK, HPos::Left, VPos::Center)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The charts.

fn draw<DB: DrawingBackend>(chart: &Chart, root: &DrawingArea<DB, Shift>) -> Drawn {
    match chart {
        Chart::Stacked(c) => draw_stacked(root, c)?,
        Chart::Ranked(c) => draw_ranked(root, c)?,
        Chart::Daily(c) => draw_daily(root, c)?,
        Chart::Messages(c) => draw_messages(root, c)?,
        Chart::Strategies(c) => draw_strategies(root, c)?,
        Chart::Providers(c) => draw_providers(root, c)?,
        Chart::Distribution(c) => draw_distribution(root, c)?,
    }
    root.present().map_err(err)
}

fn money_desc(what: &str, currency: &str) -> String {
    if currency.is_empty() {
        what.to_string()
    } else {
        format!("{what} ({currency})")
    }
}

fn total_line(total: Decimal, currency: &str) -> String {
    format!("Total {} {currency}", format_amount(total))
        .trim_end()
        .to_string()
}

fn draw_stacked<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &Stacked) -> Drawn {
    let n = c.x_labels.len();
    let amount = |s: &[Decimal], i: usize| s.get(i).copied().unwrap_or_default();
    let totals: Vec<Decimal> = (0..n)
        .map(|i| c.series.iter().map(|(_, s)| amount(s, i)).sum())
        .collect();
    let total: Decimal = totals.iter().copied().sum();
    let legend: Vec<LegendItem> = c
        .series
        .iter()
        .enumerate()
        .map(|(k, (name, _))| item(name.clone(), series_colour(name, k), Mark::Box))
        .collect();
    let empty = n == 0 || c.series.is_empty();
    let subtitle = if empty {
        String::new()
    } else {
        total_line(total, &c.currency)
    };
    let body = frame(root, &c.title, &subtitle, if empty { &[] } else { &legend })?;
    if empty {
        return no_data(root, &body, "nothing was spent in this period");
    }
    let bars = Bars {
        categories: c.x_labels.clone(),
        series: c
            .series
            .iter()
            .enumerate()
            .map(|(k, (name, s))| {
                (
                    series_colour(name, k),
                    (0..n).map(|i| to_f64(amount(s, i))).collect(),
                )
            })
            .collect(),
        ends: totals.iter().map(|t| format_amount(*t)).collect(),
        value_desc: money_desc("Spend", &c.currency),
        category_desc: c.x_title.clone(),
        money: true,
    };
    vbars(root, &body, &bars)
}

fn draw_ranked<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &Ranked) -> Drawn {
    let mut items = c.items.clone();
    items.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let total: Decimal = items.iter().map(|i| i.1).sum();
    let count = items.len();
    let top = if c.top == 0 { count } else { c.top };
    let mut shown: Vec<(String, Decimal, bool)> = items
        .iter()
        .take(top)
        .map(|(n, a)| (n.clone(), *a, false))
        .collect();
    if count > top {
        let rest = &items[top..];
        let what = if c.items_name.is_empty() {
            "others"
        } else {
            &c.items_name
        };
        shown.push((
            format!("rest ({} {what})", rest.len()),
            rest.iter().map(|i| i.1).sum(),
            true,
        ));
    }
    let subtitle = if count == 0 {
        String::new()
    } else {
        let what = if c.items_name.is_empty() {
            "items"
        } else {
            &c.items_name
        };
        let what = if count == 1 {
            what.trim_end_matches('s')
        } else {
            what
        };
        format!("{} across {count} {what}", total_line(total, &c.currency))
    };
    let body = frame(root, &c.title, &subtitle, &[])?;
    if count == 0 {
        return no_data(root, &body, "nothing was spent in this period");
    }
    let bars = Bars {
        categories: shown.iter().map(|s| s.0.clone()).collect(),
        series: vec![
            (
                palette::BLUE,
                shown
                    .iter()
                    .map(|s| if s.2 { 0.0 } else { to_f64(s.1) })
                    .collect(),
            ),
            (
                palette::GREY,
                shown
                    .iter()
                    .map(|s| if s.2 { to_f64(s.1) } else { 0.0 })
                    .collect(),
            ),
        ],
        ends: shown.iter().map(|s| format_amount(s.1)).collect(),
        value_desc: money_desc("Spend", &c.currency),
        category_desc: String::new(),
        money: true,
    };
    hbars(root, &body, &bars)
}

fn draw_messages<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &Messages) -> Drawn {
    let billed: u64 = c.rows.iter().map(|r| r.billed).sum();
    let all: u64 = c.rows.iter().map(|r| r.billed + r.free).sum();
    let legend = [
        item("billed", palette::VERMILLION, Mark::Box),
        item(
            "not billed (free, or not delivered)",
            palette::BLUISH_GREEN,
            Mark::Box,
        ),
    ];
    let empty = c.rows.is_empty();
    let subtitle = if empty {
        String::new()
    } else {
        format!(
            "{}, {} billed",
            count_of(all, "message", "messages"),
            format_count(billed)
        )
    };
    let body = frame(root, &c.title, &subtitle, if empty { &[] } else { &legend })?;
    if empty {
        return no_data(root, &body, "no outbound messages in this period");
    }
    let bars = Bars {
        categories: c.rows.iter().map(|r| r.label.clone()).collect(),
        series: vec![
            (
                palette::VERMILLION,
                c.rows.iter().map(|r| r.billed as f64).collect(),
            ),
            (
                palette::BLUISH_GREEN,
                c.rows.iter().map(|r| r.free as f64).collect(),
            ),
        ],
        ends: c
            .rows
            .iter()
            .map(|r| {
                if r.billed > 0 && r.free > 0 {
                    format!(
                        "{} ({} billed)",
                        format_count(r.billed + r.free),
                        format_count(r.billed)
                    )
                } else {
                    format_count(r.billed + r.free)
                }
            })
            .collect(),
        value_desc: "Messages".to_string(),
        category_desc: String::new(),
        money: false,
    };
    hbars(root, &body, &bars)
}

fn draw_providers<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &Providers) -> Drawn {
    let legend = [
        item("Meta fees", series_colour("Meta fees", 0), Mark::Box),
        item(
            "provider fees",
            series_colour("provider fees", 1),
            Mark::Box,
        ),
    ];
    let empty = c.rows.is_empty();
    let subtitle = if empty {
        String::new()
    } else {
        let cheapest = c
            .rows
            .iter()
            .min_by_key(|r| r.meta_fees + r.provider_fees)
            .map(|r| {
                format!(
                    "Cheapest: {} at {} {}",
                    r.name,
                    format_amount(r.meta_fees + r.provider_fees),
                    c.currency
                )
            })
            .unwrap_or_default();
        cheapest.trim_end().to_string()
    };
    let body = frame(root, &c.title, &subtitle, if empty { &[] } else { &legend })?;
    if empty {
        return no_data(root, &body, "no providers to compare");
    }
    let bars = Bars {
        categories: c.rows.iter().map(|r| r.name.clone()).collect(),
        series: vec![
            (
                series_colour("Meta fees", 0),
                c.rows.iter().map(|r| to_f64(r.meta_fees)).collect(),
            ),
            (
                series_colour("provider fees", 1),
                c.rows.iter().map(|r| to_f64(r.provider_fees)).collect(),
            ),
        ],
        ends: c
            .rows
            .iter()
            .map(|r| format_amount(r.meta_fees + r.provider_fees))
            .collect(),
        value_desc: money_desc("Cost", &c.currency),
        category_desc: String::new(),
        money: true,
    };
    hbars(root, &body, &bars)
}

/// Every day from the first to the last, with its spend and the month's running total.
fn daily_series(days: &[(NaiveDate, Decimal)]) -> Vec<(NaiveDate, Decimal, Decimal)> {
    let mut map: BTreeMap<NaiveDate, Decimal> = BTreeMap::new();
    for (d, a) in days {
        *map.entry(*d).or_default() += *a;
    }
    let (Some(first), Some(last)) = (map.keys().next().copied(), map.keys().next_back().copied())
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut running = Decimal::ZERO;
    let mut month = (first.year(), first.month());
    for day in first.iter_days().take_while(|d| *d <= last).take(36_600) {
        if (day.year(), day.month()) != month {
            month = (day.year(), day.month());
            running = Decimal::ZERO;
        }
        let a = map.get(&day).copied().unwrap_or_default();
        running += a;
        out.push((day, a, running));
    }
    out
}

fn draw_daily<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &Daily) -> Drawn {
    let days = daily_series(&c.days);
    let n = days.len();
    let legend = [
        item("daily spend (left axis)", palette::SKY_BLUE, Mark::Box),
        item(
            "month to date (right axis)",
            palette::VERMILLION,
            Mark::Line,
        ),
    ];
    let subtitle = match (days.first(), days.last()) {
        (Some(f), Some(l)) => format!(
            "{}, {} to {}",
            total_line(days.iter().map(|d| d.1).sum(), &c.currency),
            f.0,
            l.0
        ),
        _ => String::new(),
    };
    let body = frame(
        root,
        &c.title,
        &subtitle,
        if n == 0 { &[] } else { &legend },
    )?;
    if n == 0 {
        return no_data(root, &body, "nothing was spent in this period");
    }
    let slots = n.max(7);
    let offset = ((slots - n) / 2) as f64;
    let amounts: Vec<f64> = days.iter().map(|d| to_f64(d.1)).collect();
    let running: Vec<f64> = days.iter().map(|d| to_f64(d.2)).collect();
    let axis = ValueAxis::zero_based(
        amounts.iter().copied().fold(0.0, f64::min),
        amounts.iter().copied().fold(0.0, f64::max),
        0.04,
        true,
        Y_TICKS,
    );
    let axis2 = ValueAxis::zero_based(
        running.iter().copied().fold(0.0, f64::min),
        running.iter().copied().fold(0.0, f64::max),
        0.04,
        true,
        Y_TICKS,
    );
    let lfont = regular(LABEL);
    let width_of = |a: &ValueAxis| {
        a.tick_labels()
            .iter()
            .map(|s| text_width(root, s, &lfont))
            .max()
            .unwrap_or(30)
    };
    let x_range = -0.5..slots as f64 - 0.5;
    let mut chart = ChartBuilder::on(&body)
        .margin(10)
        .x_label_area_size(62)
        .y_label_area_size(width_of(&axis) + 46)
        .right_y_label_area_size(width_of(&axis2) + 46)
        .build_cartesian_2d(x_range.clone(), axis.lo..axis.hi)
        .map_err(err)?
        .set_secondary_coord(x_range, axis2.lo..axis2.hi);
    let fmt = |v: &f64| axis.format(*v);
    let fmt2 = |v: &f64| axis2.format(*v);
    let y_desc = money_desc("Spend per day", &c.currency);
    let y2_desc = money_desc("Month to date", &c.currency);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_labels(axis.ticks)
        .y_label_formatter(&fmt)
        .y_desc(y_desc.as_str())
        .x_desc("Day")
        .label_style(lfont.color(&INK))
        .axis_desc_style(regular(DESC).color(&INK))
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(MUTED)
        .draw()
        .map_err(err)?;
    chart
        .configure_secondary_axes()
        .y_labels(axis2.ticks)
        .y_label_formatter(&fmt2)
        .y_desc(y2_desc.as_str())
        .label_style(lfont.color(&INK))
        .axis_desc_style(regular(DESC).color(&INK))
        .axis_style(MUTED)
        .draw()
        .map_err(err)?;
    let half = 0.4;
    chart
        .draw_series(
            amounts
                .iter()
                .enumerate()
                .filter(|(_, v)| **v != 0.0)
                .map(|(i, v)| {
                    let x = i as f64 + offset;
                    Rectangle::new(
                        [(x - half, 0.0), (x + half, *v)],
                        palette::SKY_BLUE.filled(),
                    )
                }),
        )
        .map_err(err)?;
    // One line per month: the running total starts again on the 1st.
    let mut start = 0;
    while start < n {
        let month = (days[start].0.year(), days[start].0.month());
        let end = days[start..]
            .iter()
            .position(|d| (d.0.year(), d.0.month()) != month)
            .map_or(n, |p| start + p);
        let points: Vec<(f64, f64)> = (start..end)
            .map(|i| (i as f64 + offset, running[i]))
            .collect();
        chart
            .draw_secondary_series(LineSeries::new(
                points.clone(),
                palette::VERMILLION.stroke_width(3),
            ))
            .map_err(err)?;
        if n <= 62 {
            chart
                .draw_secondary_series(
                    points
                        .into_iter()
                        .map(|p| Circle::new(p, 3, palette::VERMILLION.filled())),
                )
                .map_err(err)?;
        }
        start = end;
    }
    // Date labels: every day, every other day, weekly, fortnightly or monthly.
    let left = chart.backend_coord(&(-0.5, axis.lo));
    let right = chart.backend_coord(&(slots as f64 - 0.5, axis.lo));
    let slot = (right.0 - left.0) as f64 / slots as f64;
    let multi_year = days[0].0.year() != days[n - 1].0.year();
    let name = |d: NaiveDate| {
        if multi_year {
            d.format("%Y-%m-%d").to_string()
        } else {
            d.format("%b %-d").to_string()
        }
    };
    let widest = text_width(root, &name(days[n - 1].0), &lfont).max(text_width(
        root,
        &name(NaiveDate::from_ymd_opt(2000, 9, 30).unwrap_or_default()),
        &lfont,
    ));
    let step = label_step(n, slot, widest, &[1, 2, 7, 14]);
    let monthly = step > 14;
    let mut month_count = 0usize;
    let month_step = if monthly {
        ((widest as f64 + 12.0) / (slot * 30.0)).ceil().max(1.0) as usize
    } else {
        1
    };
    for (i, d) in days.iter().enumerate() {
        let show = if monthly {
            if d.0.day() == 1 || i == 0 {
                month_count += 1;
                (month_count - 1).is_multiple_of(month_step)
            } else {
                false
            }
        } else {
            i.is_multiple_of(step)
        };
        if !show {
            continue;
        }
        let (x, y) = chart.backend_coord(&(i as f64 + offset, axis.lo));
        root.draw(&PathElement::new(
            vec![(x, y), (x, y + 5)],
            MUTED.stroke_width(1),
        ))
        .map_err(err)?;
        let text = if monthly && !multi_year {
            d.0.format("%b %Y").to_string()
        } else {
            name(d.0)
        };
        label(
            root,
            &text,
            (x, y + 8),
            &lfont,
            &INK,
            HPos::Center,
            VPos::Top,
        )?;
    }
    Ok(())
}

fn draw_strategies<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &Strategies) -> Drawn {
    let legend = [
        item("P5–P95 range", palette::SKY_BLUE, Mark::Whisker),
        item("median (P50)", INK, Mark::Line),
        item("mean", palette::VERMILLION, Mark::Diamond),
    ];
    let empty = c.rows.is_empty();
    let subtitle = if empty {
        String::new()
    } else {
        money_desc("Simulated spend per period", &c.currency)
    };
    let body = frame(root, &c.title, &subtitle, if empty { &[] } else { &legend })?;
    if empty {
        return no_data(root, &body, "no strategies to compare");
    }
    let lo = c
        .rows
        .iter()
        .flat_map(|r| [r.p5, r.p50, r.p95, r.mean])
        .min()
        .unwrap_or_default();
    let hi = c
        .rows
        .iter()
        .flat_map(|r| [r.p5, r.p50, r.p95, r.mean])
        .max()
        .unwrap_or_default();
    let ends: Vec<String> = c
        .rows
        .iter()
        .map(|r| {
            // The range in words too: with common random numbers it is often narrower than
            // the whisker caps, which then merge with the median's mark.
            format!(
                "P50 {} · P5–P95 {} to {}",
                format_amount(r.p50),
                format_amount(r.p5),
                format_amount(r.p95)
            )
        })
        .collect();
    let vfont = regular(VALUE);
    let end_w = ends
        .iter()
        .map(|e| text_width(root, e, &vfont))
        .max()
        .unwrap_or(0);
    let names: Vec<String> = c.rows.iter().map(|r| r.name.clone()).collect();
    let name_w = name_width(root, &names);
    let (w, _) = body.dim_in_pixel();
    let plot_w = (w as f64 - name_w as f64 - 70.0).max(100.0);
    let room = ((end_w as f64 + 16.0) / plot_w).clamp(0.05, 0.55);
    let (lo, hi) = (to_f64(lo), to_f64(hi));
    let span = (hi - lo).max(hi.abs().max(lo.abs()) * 0.1).max(0.01);
    let lo_axis = if lo >= 0.0 && lo - span * 0.08 < 0.0 {
        0.0
    } else {
        lo - span * 0.08
    };
    let hi_axis = lo_axis + (hi - lo_axis + span * 0.04) / (1.0 - room);
    let axis = ValueAxis::new(lo_axis, hi_axis, true, X_TICKS);
    let (mut chart, slots) = hchart(
        root,
        &body,
        &names,
        &axis,
        &money_desc("Spend", &c.currency),
        name_w,
        3,
    )?;
    for (i, r) in c.rows.iter().enumerate() {
        let y = hy(i, slots);
        let (p5, p50, p95, mean) = (to_f64(r.p5), to_f64(r.p50), to_f64(r.p95), to_f64(r.mean));
        chart
            .draw_series([Rectangle::new(
                [(p5, y - 0.12), (p95, y + 0.12)],
                palette::SKY_BLUE.filled(),
            )])
            .map_err(err)?;
        chart
            .draw_series(
                [p5, p95].into_iter().map(|x| {
                    PathElement::new(vec![(x, y - 0.22), (x, y + 0.22)], INK.stroke_width(2))
                }),
            )
            .map_err(err)?;
        chart
            .draw_series([PathElement::new(
                vec![(p50, y - 0.3), (p50, y + 0.3)],
                INK.stroke_width(4),
            )])
            .map_err(err)?;
        let (mx, my) = chart.backend_coord(&(mean, y));
        root.draw(&Polygon::new(
            vec![(mx, my - 8), (mx + 8, my), (mx, my + 8), (mx - 8, my)],
            palette::VERMILLION.filled(),
        ))
        .map_err(err)?;
        let right = p95.max(mean).max(p50);
        let (x, yy) = chart.backend_coord(&(right, y));
        label(
            root,
            &ends[i],
            (x + 12, yy),
            &vfont,
            &INK,
            HPos::Left,
            VPos::Center,
        )?;
    }
    Ok(())
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[Decimal], p: u32) -> Decimal {
    if sorted.is_empty() {
        return Decimal::ZERO;
    }
    let n = sorted.len();
    let rank = (p as usize * n).div_ceil(100).clamp(1, n);
    sorted[rank - 1]
}

fn draw_distribution<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &Distribution) -> Drawn {
    let mut sorted = c.totals.clone();
    sorted.sort();
    let n = sorted.len();
    if n == 0 {
        let body = frame(root, &c.title, "", &[])?;
        return no_data(root, &body, "no simulation runs");
    }
    let (p5, p50, p95) = (
        percentile(&sorted, 5),
        percentile(&sorted, 50),
        percentile(&sorted, 95),
    );
    let mean = sorted.iter().copied().sum::<Decimal>() / Decimal::from(n as u64);
    let cur = &c.currency;
    let legend = [
        item("runs per bin", palette::SKY_BLUE, Mark::Box),
        item(
            format!("P5 {} / P95 {}", format_amount(p5), format_amount(p95)),
            palette::VERMILLION,
            Mark::Dashed,
        ),
        item(format!("P50 {}", format_amount(p50)), INK, Mark::Line),
    ];
    let (min, max) = (sorted[0], sorted[n - 1]);
    // Bins of equal width, computed on the exact totals.
    let bins = if min == max {
        1
    } else if c.bins > 0 {
        c.bins.min(200)
    } else {
        ((n as f64).sqrt().ceil() as usize).clamp(5, 40)
    };
    let mut counts = vec![0u64; bins];
    let width = if bins > 1 {
        (max - min) / Decimal::from(bins as u64)
    } else {
        Decimal::ZERO
    };
    for v in &sorted {
        let idx = if width.is_zero() {
            0
        } else {
            ((*v - min) / width).floor().to_usize().unwrap_or(0)
        };
        counts[idx.min(bins - 1)] += 1;
    }
    let subtitle = format!(
        "{}, mean {} {cur}{}",
        count_of(n as u64, "run", "runs"),
        format_amount(mean),
        if bins > 1 {
            format!(", bins of {} {cur}", format_amount(width))
        } else {
            format!(", every run at {} {cur}", format_amount(min))
        }
    );
    let body = frame(root, &c.title, subtitle.trim_end(), &legend)?;
    let (lo, hi, edges): (f64, f64, Vec<(f64, f64)>) = if bins == 1 {
        let v = to_f64(min);
        let pad = (v.abs() * 0.02).max(0.25);
        // Spend is never negative: a lone bar at zero starts the axis at zero.
        let floor = |x: f64| if v >= 0.0 { x.max(0.0) } else { x };
        (
            floor(v - pad * 4.0),
            v + pad * 4.0,
            vec![(floor(v - pad), v + pad)],
        )
    } else {
        let e: Vec<(f64, f64)> = (0..bins)
            .map(|i| {
                let a = min + width * Decimal::from(i as u64);
                (to_f64(a), to_f64(a + width))
            })
            .collect();
        let span = to_f64(max - min);
        (to_f64(min) - span * 0.03, to_f64(max) + span * 0.03, e)
    };
    let x_axis = ValueAxis::new(lo, hi, true, X_TICKS);
    let top = counts.iter().copied().max().unwrap_or(1) as f64;
    let y_axis = ValueAxis::zero_based(0.0, top, 0.05, false, Y_TICKS);
    let lfont = regular(LABEL);
    let ylab = y_axis
        .tick_labels()
        .iter()
        .map(|s| text_width(root, s, &lfont))
        .max()
        .unwrap_or(30);
    let mut chart: Plot<DB> = ChartBuilder::on(&body)
        .margin(10)
        .margin_right(30)
        .x_label_area_size(62)
        .y_label_area_size(ylab + 46)
        .build_cartesian_2d(x_axis.lo..x_axis.hi, y_axis.lo..y_axis.hi)
        .map_err(err)?;
    let fx = |v: &f64| x_axis.format(*v);
    let fy = |v: &f64| y_axis.format(*v);
    let x_desc = money_desc("Total spend", cur);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(x_axis.ticks)
        .x_label_formatter(&fx)
        .y_labels(y_axis.ticks)
        .y_label_formatter(&fy)
        .x_desc(x_desc.as_str())
        .y_desc("Runs")
        .label_style(lfont.color(&INK))
        .axis_desc_style(regular(DESC).color(&INK))
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(MUTED)
        .draw()
        .map_err(err)?;
    chart
        .draw_series(
            edges
                .iter()
                .zip(&counts)
                .filter(|(_, k)| **k > 0)
                .flat_map(|((a, b), k)| {
                    [
                        Rectangle::new([(*a, 0.0), (*b, *k as f64)], palette::SKY_BLUE.filled()),
                        Rectangle::new([(*a, 0.0), (*b, *k as f64)], white_rule()),
                    ]
                }),
        )
        .map_err(err)?;
    for (v, colour, dashed) in [
        (p5, palette::VERMILLION, true),
        (p95, palette::VERMILLION, true),
        (p50, INK, false),
    ] {
        let x = to_f64(v);
        let points = [(x, 0.0), (x, y_axis.hi)];
        if dashed {
            chart
                .draw_series(DashedLineSeries::new(points, 8, 6, colour.stroke_width(2)))
                .map_err(err)?;
        } else {
            chart
                .draw_series(LineSeries::new(points, colour.stroke_width(2)))
                .map_err(err)?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// From a ledger.

fn month_name(year: i32, month: u32) -> String {
    NaiveDate::from_ymd_opt(year, month, 1)
        .map(|d| d.format("%b %Y").to_string())
        .unwrap_or_else(|| format!("{year:04}-{month:02}"))
}

impl Stacked {
    /// Spend by month (every month from the first to the last) stacked by pricing
    /// category (the categories with any line, in rate-card order).
    pub fn spend_by_month(ledger: &Ledger) -> Stacked {
        let cells = ledger.group_by(|k| ((k.date.year(), k.date.month()), k.category));
        let mut months: Vec<(i32, u32)> = Vec::new();
        if let (Some(first), Some(last)) = (
            cells.keys().map(|k| k.0).min(),
            cells.keys().map(|k| k.0).max(),
        ) {
            let mut m = first;
            while m <= last && months.len() < 1200 {
                months.push(m);
                m = if m.1 == 12 {
                    (m.0 + 1, 1)
                } else {
                    (m.0, m.1 + 1)
                };
            }
        }
        // Categories with an amount (a category whose lines were all free would only add a
        // legend entry with no bar); every category with lines if nothing was spent.
        let spent = cells.values().any(|t| !t.amount.is_zero());
        let series = Category::ALL
            .into_iter()
            .filter(|c| {
                cells
                    .iter()
                    .any(|(k, t)| k.1 == *c && (!spent || !t.amount.is_zero()))
            })
            .map(|c| {
                (
                    c.to_string(),
                    months
                        .iter()
                        .map(|m| cells.get(&(*m, c)).map(|t| t.amount).unwrap_or_default())
                        .collect(),
                )
            })
            .collect();
        Stacked {
            title: "Spend by month and pricing category".into(),
            currency: ledger.currency.to_string(),
            x_title: "Month".into(),
            x_labels: months.iter().map(|m| month_name(m.0, m.1)).collect(),
            series,
        }
    }
}

impl Ranked {
    /// Spend by market, the `top` largest shown and the others summed.
    pub fn spend_by_market(ledger: &Ledger, names: &MarketNames, top: usize) -> Ranked {
        Ranked {
            title: "Spend by market".into(),
            currency: ledger.currency.to_string(),
            items_name: "markets".into(),
            items: ledger
                .group_by(|k| names.name(k.market).to_string())
                .into_iter()
                .map(|(k, t)| (k, t.amount))
                .collect(),
            top,
        }
    }
}

impl Daily {
    /// Spend per day (the WABA's time zone); adjustment lines fall on the 1st of the month.
    pub fn from_ledger(ledger: &Ledger) -> Daily {
        Daily {
            title: "Daily spend and month to date".into(),
            currency: ledger.currency.to_string(),
            days: ledger
                .group_by(|k| k.date)
                .into_iter()
                .map(|(d, t)| (d, t.amount))
                .collect(),
        }
    }
}

impl Messages {
    /// Outbound messages by pricing type, billed or not: messages a free allowance covered
    /// count as `free tier`, not billed.
    pub fn by_pricing_type(ledger: &Ledger) -> Messages {
        let counts = ledger.messages_by_pricing_type();
        let billed = ledger.group_by(|k| k.pricing_type);
        let covered: i64 = ledger
            .group_by(|k| k.kind)
            .get(&LineKind::Allowance)
            .map(|t| t.quantity)
            .unwrap_or(0);
        let rows = PricingType::ALL
            .into_iter()
            .filter_map(|pt| {
                let total = counts.get(&pt).copied().unwrap_or(0).max(0) as u64;
                let mut b = billed.get(&pt).map(|t| t.billed).unwrap_or(0);
                if pt == PricingType::Regular {
                    b = b.saturating_sub(covered.max(0) as u64);
                }
                let b = b.min(total);
                (total > 0).then(|| MessageCount {
                    label: pt.as_str().replace('_', " "),
                    billed: b,
                    free: total - b,
                })
            })
            .collect();
        Messages {
            title: "Messages billed and free, by pricing type".into(),
            rows,
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn amounts_are_written_from_the_exact_decimal() {
        assert_eq!(format_amount(dec!(1234.5)), "1,234.50");
        assert_eq!(format_amount(dec!(0.0625)), "0.0625");
        assert_eq!(format_amount(dec!(0.1)), "0.10");
        assert_eq!(format_amount(dec!(-1234567.005)), "-1,234,567.01");
        assert_eq!(format_amount(Decimal::ZERO), "0.00");
        assert_eq!(format_amount(dec!(1388.125)), "1,388.13");
        assert_eq!(format_amount(dec!(0.00005)), "0.0001");
        assert_eq!(format_exact(dec!(-12345.06250)), "-12,345.06250");
        assert_eq!(format_count(1234567), "1,234,567");
        assert_eq!(format_tick(-0.0, 2), "0.00");
        assert_eq!(format_tick(12500.0, 0), "12,500");
    }

    #[test]
    fn money_axes_get_two_decimals_or_none() {
        let a = ValueAxis::zero_based(0.0, 3.2, 0.04, true, 8);
        assert!(a.tick_labels().iter().all(|t| t.contains('.')));
        let b = ValueAxis::zero_based(0.0, 12000.0, 0.04, true, 8);
        assert!(b.tick_labels().iter().all(|t| !t.contains('.')));
        let c = ValueAxis::zero_based(0.0, 2.0, 0.04, false, 8);
        assert!(c.tick_labels().iter().all(|t| !t.contains('.')), "{c:?}");
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<Decimal> = (1..=100).map(Decimal::from).collect();
        assert_eq!(percentile(&v, 5), dec!(5));
        assert_eq!(percentile(&v, 50), dec!(50));
        assert_eq!(percentile(&v, 95), dec!(95));
        assert_eq!(percentile(&[dec!(7)], 95), dec!(7));
    }

    #[test]
    fn daily_series_fills_gaps_and_restarts_each_month() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let s = daily_series(&[
            (d(1, 30), dec!(1)),
            (d(2, 1), dec!(2)),
            (d(1, 30), dec!(0.5)),
        ]);
        assert_eq!(s.len(), 3);
        assert_eq!(s[0], (d(1, 30), dec!(1.5), dec!(1.5)));
        assert_eq!(s[1], (d(1, 31), dec!(0), dec!(1.5)));
        assert_eq!(s[2], (d(2, 1), dec!(2), dec!(2)));
    }
}
