//! A spend forecast: the log's months as bars, then the forecast months' median (P50) as a
//! line with its P5–P95 band.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use rust_decimal::Decimal;

use super::axes::{
    AxisMarks, ValueAxis, Y_TICKS, draw_mesh, extent, label_step, label_under, plot_builder,
};
use super::format::{format_money, money_desc, to_f64};
use super::layout::{Drawn, INK, LABEL, Mark, VALUE, err, fit, item, label, regular, start};
use super::palette;

/// The band's colour: sky blue, lightened, so that the median line reads over it.
const BAND: RGBColor = RGBColor(0xB3, 0xDA, 0xF0);

/// One forecast month of [`ForecastChart`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ForecastMonth {
    /// `YYYY-MM`.
    pub month: String,
    /// 5th percentile.
    pub p5: Decimal,
    /// Median.
    pub p50: Decimal,
    /// 95th percentile.
    pub p95: Decimal,
}

/// The log's months as priced, then the forecast months' P50 and P5–P95 band.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ForecastChart {
    /// Title.
    pub title: String,
    /// Currency code.
    pub currency: String,
    /// The log's months (`YYYY-MM`) and their spend, oldest first.
    pub actual: Vec<(String, Decimal)>,
    /// The forecast months, in order.
    pub forecast: Vec<ForecastMonth>,
}

impl ForecastChart {
    /// The chart of a [`Forecast`](wacost_core::forecast::Forecast).
    pub fn from_forecast(f: &wacost_core::forecast::Forecast) -> ForecastChart {
        ForecastChart {
            title: "Spend by month: actual, then forecast".into(),
            currency: f.currency.to_string(),
            actual: f
                .actual
                .iter()
                .map(|m| (m.month.clone(), m.total))
                .collect(),
            forecast: f
                .months
                .iter()
                .map(|m| ForecastMonth {
                    month: m.month.clone(),
                    p5: m.p5,
                    p50: m.p50,
                    p95: m.p95,
                })
                .collect(),
        }
    }

    /// The figure written over each month, formatted from the exact amounts: the actual
    /// spend, then each forecast month's P50.
    pub fn labels(&self) -> Vec<String> {
        self.actual
            .iter()
            .map(|(_, a)| format_money(*a, &self.currency))
            .chain(
                self.forecast
                    .iter()
                    .map(|m| format!("P50 {}", format_money(m.p50, &self.currency))),
            )
            .collect()
    }

    /// The subtitle: the next month's P50 and band.
    pub fn subtitle(&self) -> String {
        match self.forecast.first() {
            Some(m) => format!(
                "{}: P50 {} {} (P5–P95 {} to {})",
                m.month,
                format_money(m.p50, &self.currency),
                self.currency,
                format_money(m.p5, &self.currency),
                format_money(m.p95, &self.currency)
            ),
            None => String::new(),
        }
    }

    /// Draws the chart on the whole of `root`.
    pub(super) fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        let legend = [
            item("actual spend", palette::GREY, Mark::Box),
            item("forecast P5–P95", BAND, Mark::Box),
            item("forecast median (P50)", palette::BLUE, Mark::Line),
        ];
        let n = self.actual.len() + self.forecast.len();
        let empty = (n == 0).then_some("no months to show");
        let Some(body) = start(root, &self.title, empty, || self.subtitle(), &legend)? else {
            return Ok(());
        };
        let slots = n.max(4);
        let offset = (slots - n) as f64 / 2.0;
        let values = self
            .actual
            .iter()
            .map(|a| to_f64(a.1))
            .chain(
                self.forecast
                    .iter()
                    .flat_map(|m| [to_f64(m.p5), to_f64(m.p95)]),
            )
            .collect::<Vec<f64>>();
        let (min, max) = extent(values.iter().copied());
        let (_, h) = body.dim_in_pixel();
        let axis = ValueAxis::zero_based(min, max, 30.0 / h.max(100) as f64, true, Y_TICKS);
        let mut chart = plot_builder(&body, 62, axis.label_width(root) + 46)
            .build_cartesian_2d(-0.5..slots as f64 - 0.5, axis.lo..axis.hi)
            .map_err(err)?;
        let y_desc = money_desc("Spend per month", &self.currency);
        draw_mesh(
            &mut chart,
            AxisMarks {
                values: None,
                title: Some("Month"),
                grid: false,
            },
            AxisMarks {
                values: Some(&axis),
                title: Some(&y_desc),
                grid: true,
            },
        )?;
        let x = |i: usize| i as f64 + offset;
        let half = 0.38;
        chart
            .draw_series(self.actual.iter().enumerate().map(|(i, (_, a))| {
                Rectangle::new(
                    [(x(i) - half, 0.0), (x(i) + half, to_f64(*a))],
                    palette::GREY.filled(),
                )
            }))
            .map_err(err)?;
        let k = self.actual.len();
        // The band: one light box per forecast month, P5 to P95.
        chart
            .draw_series(self.forecast.iter().enumerate().map(|(j, m)| {
                Rectangle::new(
                    [
                        (x(k + j) - half, to_f64(m.p5)),
                        (x(k + j) + half, to_f64(m.p95)),
                    ],
                    BAND.filled(),
                )
            }))
            .map_err(err)?;
        // The median line starts from the last actual month, so the two read as one series.
        let mut points: Vec<(f64, f64)> = Vec::new();
        if let Some((_, a)) = self.actual.last() {
            points.push((x(k - 1), to_f64(*a)));
        }
        points.extend(
            self.forecast
                .iter()
                .enumerate()
                .map(|(j, m)| (x(k + j), to_f64(m.p50))),
        );
        chart
            .draw_series(LineSeries::new(
                points.clone(),
                palette::BLUE.stroke_width(3),
            ))
            .map_err(err)?;
        chart
            .draw_series(
                points
                    .iter()
                    .skip(usize::from(k > 0))
                    .map(|p| Circle::new(*p, 4, palette::BLUE.filled())),
            )
            .map_err(err)?;
        // Month names under the axis, figures over the bars and the band, when they fit.
        let lfont = regular(LABEL);
        let vfont = regular(VALUE);
        let left = chart.backend_coord(&(-0.5, axis.lo));
        let right = chart.backend_coord(&(slots as f64 - 0.5, axis.lo));
        let slot = (right.0 - left.0) as f64 / slots as f64;
        let months: Vec<&str> = self
            .actual
            .iter()
            .map(|a| a.0.as_str())
            .chain(self.forecast.iter().map(|m| m.month.as_str()))
            .collect();
        let widest = months
            .iter()
            .map(|m| super::layout::text_width(root, m, &lfont))
            .max()
            .unwrap_or(0);
        let step = label_step(n, slot, widest, &[1, 2, 3, 4, 6, 12]);
        let room = (slot * step as f64 - 8.0).max(20.0) as u32;
        for (i, m) in months.iter().enumerate() {
            if i % step == 0 {
                let at = chart.backend_coord(&(x(i), axis.lo));
                label_under(root, &fit(root, m, &lfont, room), at, &lfont)?;
            }
        }
        let labels = self.labels();
        let fits = labels
            .iter()
            .all(|l| super::layout::text_width(root, l, &vfont) as f64 <= slot - 4.0);
        if fits {
            let tops = self
                .actual
                .iter()
                .map(|a| a.1)
                .chain(self.forecast.iter().map(|m| m.p95));
            for (i, (l, top)) in labels.iter().zip(tops).enumerate() {
                let (px, py) = chart.backend_coord(&(x(i), to_f64(top)));
                label(
                    root,
                    l,
                    (px, py - 5),
                    &vfont,
                    &INK,
                    HPos::Center,
                    VPos::Bottom,
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::{Chart, to_svg, write};
    use rust_decimal_macros::dec;

    fn chart() -> ForecastChart {
        ForecastChart {
            title: "Forecast <script>".into(),
            currency: "USD".into(),
            actual: vec![
                ("2026-09".into(), dec!(1000.125)),
                ("2026-10".into(), dec!(1200)),
            ],
            forecast: vec![
                ForecastMonth {
                    month: "2026-11".into(),
                    p5: dec!(1100),
                    p50: dec!(1234.5),
                    p95: dec!(1400.004),
                },
                ForecastMonth {
                    month: "2026-12".into(),
                    p5: dec!(1050),
                    p50: dec!(1300),
                    p95: dec!(1500),
                },
            ],
        }
    }

    #[test]
    fn labels_come_from_the_exact_amounts() {
        let c = chart();
        assert_eq!(
            c.labels(),
            vec!["1,000.13", "1,200.00", "P50 1,234.50", "P50 1,300.00"]
        );
        assert_eq!(
            c.subtitle(),
            "2026-11: P50 1,234.50 USD (P5–P95 1,100.00 to 1,400.00)"
        );
    }

    #[test]
    fn renders_png_and_svg() {
        let c: Chart = chart().into();
        assert_eq!(c.title(), "Forecast <script>");
        let svg = to_svg(&c).unwrap();
        assert!(svg.starts_with("<svg "));
        assert!(!svg.to_ascii_lowercase().contains("<script"));
        let dir = tempfile::tempdir().unwrap();
        let files = write(&c, &dir.path().join("forecast")).unwrap();
        let png = std::fs::read(&files.png).unwrap();
        assert_eq!(&png[1..4], b"PNG");
        let only_forecast: Chart = ForecastChart {
            actual: vec![],
            ..chart()
        }
        .into();
        assert!(to_svg(&only_forecast).unwrap().starts_with("<svg "));
        let empty: Chart = ForecastChart::default().into();
        assert!(to_svg(&empty).unwrap().starts_with("<svg "));
    }
}
