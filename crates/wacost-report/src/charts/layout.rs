//! The layout every chart shares: type sizes and inks, text measured and fitted, the title,
//! subtitle and legend above the plot, and the "No data" panel.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The result of drawing: plotters' errors are kept as their message.
pub(super) type Drawn<T = ()> = Result<T, String>;

/// A plotters error as its message.
pub(super) fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// Type sizes, in pixels.
const TITLE: f64 = 28.0;
const SUBTITLE: f64 = 17.0;
const LEGEND: f64 = 16.0;
/// Tick labels, category names.
pub(super) const LABEL: f64 = 15.0;
/// Axis titles.
pub(super) const DESC: f64 = 17.0;
/// Figures written on the plot (bar totals).
pub(super) const VALUE: f64 = 14.0;
/// Text.
pub(super) const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
/// Subtitles, axes, the "No data" panel.
pub(super) const MUTED: RGBColor = RGBColor(0x55, 0x55, 0x55);
/// Grid lines.
pub(super) const GRID: RGBColor = RGBColor(0xDD, 0xDD, 0xDD);

/// The embedded sans-serif face at `size` pixels.
pub(super) fn regular(size: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::SansSerif, size, FontStyle::Normal)
}

/// The embedded bold face at `size` pixels.
pub(super) fn bold(size: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::SansSerif, size, FontStyle::Bold)
}

/// How wide a text is drawn, in pixels.
pub(super) fn text_width<DB: DrawingBackend>(
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
pub(super) fn fit<DB: DrawingBackend>(
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

/// Writes a text anchored at `at` by `h` and `v`.
pub(super) fn label<DB: DrawingBackend>(
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
pub(super) enum Mark {
    Box,
    Line,
    Dashed,
    Diamond,
    Whisker,
}

/// One entry of a legend.
pub(super) struct LegendItem {
    label: String,
    colour: RGBColor,
    mark: Mark,
}

/// A legend entry.
pub(super) fn item(label: impl Into<String>, colour: RGBColor, mark: Mark) -> LegendItem {
    LegendItem {
        label: label.into(),
        colour,
        mark,
    }
}

const SWATCH: i32 = 24;

/// A legend entry's mark, its left end at `x`, centred on `y`.
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
pub(super) fn frame<DB: DrawingBackend>(
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

/// Starts a chart. With data (`empty` is `None`), draws the title, the subtitle and the
/// legend and returns the area left for the plot; without (`empty` says why), draws the
/// title and the "No data" panel and returns `None`: an empty chart has no subtitle and no
/// legend.
pub(super) fn start<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    empty: Option<&str>,
    subtitle: impl FnOnce() -> String,
    legend: &[LegendItem],
) -> Drawn<Option<DrawingArea<DB, Shift>>> {
    match empty {
        Some(why) => {
            let body = frame(root, title, "", &[])?;
            no_data(root, &body, why)?;
            Ok(None)
        }
        None => frame(root, title, &subtitle(), legend).map(Some),
    }
}
