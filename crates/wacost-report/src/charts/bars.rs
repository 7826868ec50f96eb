//! Stacked bars, vertical (categories along x) or horizontal (names down the left): the
//! drawing behind the spend, market, message and provider charts.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::axes::{
    AxisMarks, Plot, ValueAxis, X_TICKS, Y_TICKS, draw_mesh, extent, hchart, hy, label_step,
    label_under, name_width, plot_builder,
};
use super::layout::{Drawn, INK, LABEL, VALUE, err, fit, label, regular, text_width};

/// Bars data, common to the vertical and horizontal bar charts.
pub(super) struct Bars {
    pub(super) categories: Vec<String>,
    pub(super) series: Vec<(RGBColor, Vec<f64>)>,
    /// Written at the end of each bar.
    pub(super) ends: Vec<String>,
    pub(super) value_desc: String,
    pub(super) category_desc: String,
    pub(super) money: bool,
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

/// The thin white outline that separates stacked segments.
pub(super) fn white_rule() -> ShapeStyle {
    ShapeStyle {
        color: WHITE.to_rgba(),
        filled: false,
        stroke_width: 1,
    }
}

/// Vertical stacked bars, categories along x.
pub(super) fn vbars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    b: &Bars,
) -> Drawn {
    let n = b.categories.len();
    let slots = n.max(4);
    let offset = (slots - n) as f64 / 2.0;
    let (pos, neg) = b.stacks();
    let (min, max) = extent(pos.iter().chain(&neg).copied());
    let (_, h) = area.dim_in_pixel();
    let room = if b.ends.is_empty() {
        0.04
    } else {
        30.0 / h.max(100) as f64
    };
    let axis = ValueAxis::zero_based(min, max, room, b.money, Y_TICKS);
    let mut chart: Plot<DB> = plot_builder(area, 62, axis.label_width(root) + 46)
        .build_cartesian_2d(-0.5..slots as f64 - 0.5, axis.lo..axis.hi)
        .map_err(err)?;
    draw_mesh(
        &mut chart,
        AxisMarks {
            values: None,
            title: Some(&b.category_desc),
            grid: false,
        },
        AxisMarks {
            values: Some(&axis),
            title: Some(&b.value_desc),
            grid: true,
        },
    )?;
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
    let lfont = regular(LABEL);
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
        let at = chart.backend_coord(&(i as f64 + offset, axis.lo));
        label_under(root, &fit(root, c, &lfont, room_px), at, &lfont)?;
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

/// Horizontal stacked bars, one per category, top to bottom.
pub(super) fn hbars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    b: &Bars,
) -> Drawn {
    let (pos, neg) = b.stacks();
    let (min, max) = extent(pos.iter().chain(&neg).copied());
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::palette::{BLUE, ORANGE, SKY_BLUE};

    #[test]
    fn negative_amounts_stack_below_zero() {
        let bars = Bars {
            categories: vec!["Jan".into(), "Feb".into()],
            series: vec![
                (BLUE, vec![3.0, 1.0]),
                (ORANGE, vec![-1.0, 2.0]),
                (SKY_BLUE, vec![0.5]),
            ],
            ends: Vec::new(),
            value_desc: String::new(),
            category_desc: String::new(),
            money: true,
        };
        assert_eq!(bars.stacks(), (vec![3.5, 3.0], vec![-1.0, 0.0]));
        let segments: Vec<(usize, f64, f64)> = bars
            .segments()
            .into_iter()
            .map(|(i, a, b, _)| (i, a, b))
            .collect();
        assert_eq!(
            segments,
            vec![
                (0, 0.0, 3.0),
                (1, 0.0, 1.0),
                (0, 0.0, -1.0),
                (1, 1.0, 3.0),
                (0, 3.0, 3.5)
            ]
        );
    }
}
