//! Value axes and the plot they span: ranges and tick labels, the plot's margins, and the
//! mesh (grid, ticks, axis titles) drawn the same way on every chart.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::format::format_tick;
use super::layout::{DESC, Drawn, GRID, INK, LABEL, MUTED, err, fit, label, regular, text_width};

/// Ticks on a vertical value axis.
pub(super) const Y_TICKS: usize = 8;
/// Ticks on a horizontal value axis.
pub(super) const X_TICKS: usize = 9;

/// A plot with a value (or slot) range on each axis.
pub(super) type Plot<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A value axis: its range in canvas units and how its ticks are written.
#[derive(Clone, Copy, Debug)]
pub(super) struct ValueAxis {
    pub(super) lo: f64,
    pub(super) hi: f64,
    decimals: usize,
    pub(super) ticks: usize,
}

impl ValueAxis {
    /// An axis from `lo` to `hi`; `money` writes at least two decimals when any are needed,
    /// counts only get whole ticks.
    pub(super) fn new(lo: f64, hi: f64, money: bool, ticks: usize) -> ValueAxis {
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
    pub(super) fn zero_based(
        min: f64,
        max: f64,
        room: f64,
        money: bool,
        ticks: usize,
    ) -> ValueAxis {
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

    /// A tick value as written.
    pub(super) fn format(&self, v: f64) -> String {
        format_tick(v, self.decimals)
    }

    fn tick_labels(&self) -> Vec<String> {
        RangedCoordf64::from(self.lo..self.hi)
            .key_points(self.ticks)
            .into_iter()
            .map(|p| self.format(p))
            .collect()
    }

    /// Room for the tick labels beside a vertical axis: the widest label.
    pub(super) fn label_width<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> u32 {
        let lfont = regular(LABEL);
        self.tick_labels()
            .iter()
            .map(|s| text_width(root, s, &lfont))
            .max()
            .unwrap_or(30)
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

/// The largest and the smallest (zero if none is below) of some values, for a zero-based
/// axis.
pub(super) fn extent(values: impl IntoIterator<Item = f64> + Clone) -> (f64, f64) {
    let min = values.clone().into_iter().fold(0.0, f64::min);
    let max = values.into_iter().fold(0.0, f64::max);
    (min, max)
}

/// Which labels of `n` slots `slot` pixels wide can be written without overlapping: every
/// `step`th.
pub(super) fn label_step(n: usize, slot: f64, widest: u32, steps: &[usize]) -> usize {
    for &s in steps {
        if slot * s as f64 >= widest as f64 + 12.0 {
            return s;
        }
    }
    let s = ((widest as f64 + 12.0) / slot.max(1.0)).ceil() as usize;
    s.clamp(1, n.max(1))
}

/// The builder of a plot with the margins every chart uses (10 pixels, 30 on the right for
/// the last tick label), `below` pixels under the plot for x labels and `left` pixels to its
/// left for y labels.
pub(super) fn plot_builder<'a, 'b, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    below: u32,
    left: u32,
) -> ChartBuilder<'a, 'b, DB> {
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(10)
        .margin_right(30)
        .x_label_area_size(below)
        .y_label_area_size(left);
    builder
}

/// One axis of the mesh.
#[derive(Clone, Copy, Default)]
pub(super) struct AxisMarks<'a> {
    /// The values of a labelled axis; `None` for an axis of slots, whose labels the chart
    /// writes itself.
    pub(super) values: Option<&'a ValueAxis>,
    /// The axis title.
    pub(super) title: Option<&'a str>,
    /// Whether grid lines cross the plot at its ticks.
    pub(super) grid: bool,
}

/// Draws the mesh as every chart has it: light grey grid lines where asked and no minor
/// lines, tick labels written by their [`ValueAxis`], titles in the axis-title size.
pub(super) fn draw_mesh<DB: DrawingBackend>(
    chart: &mut Plot<DB>,
    x: AxisMarks,
    y: AxisMarks,
) -> Drawn {
    let format_x = |v: &f64| x.values.map(|a| a.format(*v)).unwrap_or_default();
    let format_y = |v: &f64| y.values.map(|a| a.format(*v)).unwrap_or_default();
    let mut mesh = chart.configure_mesh();
    if !x.grid {
        mesh.disable_x_mesh();
    }
    if !y.grid {
        mesh.disable_y_mesh();
    }
    match x.values {
        Some(a) => mesh.x_labels(a.ticks).x_label_formatter(&format_x),
        None => mesh.x_labels(0),
    };
    match y.values {
        Some(a) => mesh.y_labels(a.ticks).y_label_formatter(&format_y),
        None => mesh.y_labels(0),
    };
    if let Some(t) = x.title {
        mesh.x_desc(t);
    }
    if let Some(t) = y.title {
        mesh.y_desc(t);
    }
    mesh.label_style(regular(LABEL).color(&INK))
        .axis_desc_style(regular(DESC).color(&INK))
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(MUTED)
        .draw()
        .map_err(err)
}

/// Writes a slot's label under the x axis, centred on the slot (`at`: where the slot meets
/// the axis).
pub(super) fn label_under<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    at: (i32, i32),
    font: &FontDesc,
) -> Drawn {
    label(
        root,
        text,
        (at.0, at.1 + 8),
        font,
        &INK,
        HPos::Center,
        VPos::Top,
    )
}

/// The position of item `i` of `slots` on a horizontal chart (item 0 at the top).
pub(super) fn hy(i: usize, slots: usize) -> f64 {
    (slots - 1 - i) as f64
}

/// Room for names on a horizontal chart: the widest name, at most 300 pixels.
pub(super) fn name_width<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    names: &[String],
) -> u32 {
    let lfont = regular(LABEL);
    names
        .iter()
        .map(|c| text_width(root, c, &lfont))
        .max()
        .unwrap_or(40)
        .clamp(40, 300)
}

/// A horizontal chart: names down the left, values along x. Returns the chart and the
/// number of slots.
pub(super) fn hchart<'a, DB: DrawingBackend>(
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
    let mut chart: Plot<DB> = plot_builder(area, 56, name_width + 18)
        .build_cartesian_2d(axis.lo..axis.hi, -0.5..slots as f64 - 0.5)
        .map_err(err)?;
    draw_mesh(
        &mut chart,
        AxisMarks {
            values: Some(axis),
            title: Some(value_desc),
            grid: true,
        },
        AxisMarks::default(),
    )?;
    let lfont = regular(LABEL);
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn extent_keeps_zero_inside() {
        assert_eq!(extent([3.0, 1.5]), (0.0, 3.0));
        assert_eq!(extent([-2.0, 4.0]), (-2.0, 4.0));
        assert_eq!(extent(Vec::<f64>::new()), (0.0, 0.0));
    }

    #[test]
    fn labels_are_thinned_to_the_first_step_that_fits() {
        // 40-pixel slots, 50-pixel labels: every other label (80 ≥ 62).
        assert_eq!(label_step(12, 40.0, 50, &[1, 2, 3]), 2);
        // No listed step fits: as many slots as a label needs.
        assert_eq!(label_step(100, 5.0, 50, &[1, 2]), 13);
    }
}
