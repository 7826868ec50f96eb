//! The distribution of a simulated total: a histogram of the Monte Carlo runs with P5, P50
//! and P95 marked.

use plotters::coord::Shift;
use plotters::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::axes::{AxisMarks, Plot, ValueAxis, X_TICKS, Y_TICKS, draw_mesh, plot_builder};
use super::bars::white_rule;
use super::format::{count_of, format_money, money_desc, to_f64};
use super::layout::{Drawn, INK, Mark, err, item, start};
use super::palette;

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

/// Runs per bin of equal width, computed on the exact totals.
struct Histogram {
    /// The width of a bin (zero with one bin).
    width: Decimal,
    /// Runs in each bin, lowest first.
    counts: Vec<u64>,
}

impl Histogram {
    /// `sorted` is not empty; `bins` is the chart's (0: from the number of runs).
    fn new(sorted: &[Decimal], bins: usize) -> Histogram {
        let n = sorted.len();
        let (min, max) = (sorted[0], sorted[n - 1]);
        let bins = if min == max {
            1
        } else if bins > 0 {
            bins.min(200)
        } else {
            ((n as f64).sqrt().ceil() as usize).clamp(5, 40)
        };
        let mut counts = vec![0u64; bins];
        let width = if bins > 1 {
            (max - min) / Decimal::from(bins as u64)
        } else {
            Decimal::ZERO
        };
        for v in sorted {
            let idx = if width.is_zero() {
                0
            } else {
                ((*v - min) / width).floor().to_usize().unwrap_or(0)
            };
            counts[idx.min(bins - 1)] += 1;
        }
        Histogram { width, counts }
    }
}

impl Distribution {
    /// Draws the chart on the whole of `root`.
    pub(super) fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        let mut sorted = self.totals.clone();
        sorted.sort();
        let n = sorted.len();
        if n == 0 {
            start(
                root,
                &self.title,
                Some("no simulation runs"),
                String::new,
                &[],
            )?;
            return Ok(());
        }
        let (p5, p50, p95) = (
            percentile(&sorted, 5),
            percentile(&sorted, 50),
            percentile(&sorted, 95),
        );
        let mean = sorted.iter().copied().sum::<Decimal>() / Decimal::from(n as u64);
        let cur = &self.currency;
        let legend = [
            item("runs per bin", palette::SKY_BLUE, Mark::Box),
            item(
                format!(
                    "P5 {} / P95 {}",
                    format_money(p5, cur),
                    format_money(p95, cur)
                ),
                palette::VERMILLION,
                Mark::Dashed,
            ),
            item(format!("P50 {}", format_money(p50, cur)), INK, Mark::Line),
        ];
        let (min, max) = (sorted[0], sorted[n - 1]);
        let Histogram { width, counts } = Histogram::new(&sorted, self.bins);
        let bins = counts.len();
        let subtitle = || {
            format!(
                "{}, mean {} {cur}{}",
                count_of(n as u64, "run", "runs"),
                format_money(mean, cur),
                if bins > 1 {
                    format!(", bins of {} {cur}", format_money(width, cur))
                } else {
                    format!(", every run at {} {cur}", format_money(min, cur))
                }
            )
            .trim_end()
            .to_string()
        };
        let Some(body) = start(root, &self.title, None, subtitle, &legend)? else {
            return Ok(());
        };
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
        let mut chart: Plot<DB> = plot_builder(&body, 62, y_axis.label_width(root) + 46)
            .build_cartesian_2d(x_axis.lo..x_axis.hi, y_axis.lo..y_axis.hi)
            .map_err(err)?;
        let x_desc = money_desc("Total spend", cur);
        draw_mesh(
            &mut chart,
            AxisMarks {
                values: Some(&x_axis),
                title: Some(&x_desc),
                grid: false,
            },
            AxisMarks {
                values: Some(&y_axis),
                title: Some("Runs"),
                grid: true,
            },
        )?;
        chart
            .draw_series(edges.iter().zip(&counts).filter(|(_, k)| **k > 0).flat_map(
                |((a, b), k)| {
                    [
                        Rectangle::new([(*a, 0.0), (*b, *k as f64)], palette::SKY_BLUE.filled()),
                        Rectangle::new([(*a, 0.0), (*b, *k as f64)], white_rule()),
                    ]
                },
            ))
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

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<Decimal> = (1..=100).map(Decimal::from).collect();
        assert_eq!(percentile(&v, 5), dec!(5));
        assert_eq!(percentile(&v, 50), dec!(50));
        assert_eq!(percentile(&v, 95), dec!(95));
        assert_eq!(percentile(&[dec!(7)], 95), dec!(7));
    }

    #[test]
    fn bins_are_of_equal_width_on_the_exact_totals() {
        // 10 to 20 in 5 bins of 2: the maximum falls in the last bin.
        let totals = [dec!(10), dec!(11.99), dec!(12), dec!(15), dec!(20)];
        let h = Histogram::new(&totals, 5);
        assert_eq!(h.width, dec!(2));
        assert_eq!(h.counts, vec![2, 1, 1, 0, 1]);
        // Every run equal: one bin.
        let h = Histogram::new(&[dec!(3), dec!(3)], 0);
        assert_eq!((h.width, h.counts), (Decimal::ZERO, vec![2]));
        // Bins chosen from the runs: √30 rounded up, at least 5.
        let many: Vec<Decimal> = (0..30).map(Decimal::from).collect();
        assert_eq!(Histogram::new(&many, 0).counts.len(), 6);
    }
}
