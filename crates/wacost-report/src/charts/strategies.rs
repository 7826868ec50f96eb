//! Simulated spend of strategies: P5–P95 range, median and mean, one row per strategy.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use rust_decimal::Decimal;

use super::axes::{ValueAxis, X_TICKS, hchart, hy, name_width};
use super::format::{format_money, money_desc, to_f64};
use super::layout::{Drawn, INK, Mark, VALUE, err, item, label, regular, start, text_width};
use super::palette;

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

impl Strategies {
    /// Draws the chart on the whole of `root`.
    pub(super) fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        let legend = [
            item("P5–P95 range", palette::SKY_BLUE, Mark::Whisker),
            item("median (P50)", INK, Mark::Line),
            item("mean", palette::VERMILLION, Mark::Diamond),
        ];
        let subtitle = || money_desc("Simulated spend per period", &self.currency);
        let empty = self.rows.is_empty().then_some("no strategies to compare");
        let Some(body) = start(root, &self.title, empty, subtitle, &legend)? else {
            return Ok(());
        };
        let figures = || self.rows.iter().flat_map(|r| [r.p5, r.p50, r.p95, r.mean]);
        let lo = figures().min().unwrap_or_default();
        let hi = figures().max().unwrap_or_default();
        let ends: Vec<String> = self
            .rows
            .iter()
            .map(|r| {
                // The range in words too: with common random numbers it is often narrower
                // than the whisker caps, which then merge with the median's mark.
                format!(
                    "P50 {} · P5–P95 {} to {}",
                    format_money(r.p50, &self.currency),
                    format_money(r.p5, &self.currency),
                    format_money(r.p95, &self.currency)
                )
            })
            .collect();
        let vfont = regular(VALUE);
        let end_w = ends
            .iter()
            .map(|e| text_width(root, e, &vfont))
            .max()
            .unwrap_or(0);
        let names: Vec<String> = self.rows.iter().map(|r| r.name.clone()).collect();
        let name_w = name_width(root, &names);
        let (w, _) = body.dim_in_pixel();
        let plot_w = (w as f64 - name_w as f64 - 70.0).max(100.0);
        let room = ((end_w as f64 + 16.0) / plot_w).clamp(0.05, 0.55);
        let axis = spread_axis(to_f64(lo), to_f64(hi), room);
        let (mut chart, slots) = hchart(
            root,
            &body,
            &names,
            &axis,
            &money_desc("Spend", &self.currency),
            name_w,
            3,
        )?;
        for (i, r) in self.rows.iter().enumerate() {
            let y = hy(i, slots);
            let (p5, p50, p95, mean) = (to_f64(r.p5), to_f64(r.p50), to_f64(r.p95), to_f64(r.mean));
            chart
                .draw_series([Rectangle::new(
                    [(p5, y - 0.12), (p95, y + 0.12)],
                    palette::SKY_BLUE.filled(),
                )])
                .map_err(err)?;
            chart
                .draw_series([p5, p95].into_iter().map(|x| {
                    PathElement::new(vec![(x, y - 0.22), (x, y + 0.22)], INK.stroke_width(2))
                }))
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
}

/// The spend axis: the figures from `lo` to `hi` with a margin either side (from zero when
/// the margin would cross it), and `room` (a share of the plot) free on the right for the
/// written range.
fn spread_axis(lo: f64, hi: f64, room: f64) -> ValueAxis {
    let span = (hi - lo).max(hi.abs().max(lo.abs()) * 0.1).max(0.01);
    let lo_axis = if lo >= 0.0 && lo - span * 0.08 < 0.0 {
        0.0
    } else {
        lo - span * 0.08
    };
    let hi_axis = lo_axis + (hi - lo_axis + span * 0.04) / (1.0 - room);
    ValueAxis::new(lo_axis, hi_axis, true, X_TICKS)
}
