//! Spend per day, with each month's running total on a second axis.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use plotters::coord::Shift;
use plotters::prelude::*;
use rust_decimal::Decimal;

use super::axes::{
    AxisMarks, ValueAxis, Y_TICKS, draw_mesh, extent, label_step, label_under, plot_builder,
};
use super::format::{money_desc, to_f64, total_line};
use super::layout::{DESC, Drawn, INK, LABEL, MUTED, Mark, err, item, regular, start, text_width};
use super::palette::{SKY_BLUE, VERMILLION};
use wacost_core::ledger::Ledger;

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

    /// Draws the chart on the whole of `root`.
    pub(super) fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        let days = daily_series(&self.days);
        let n = days.len();
        let legend = [
            item("daily spend (left axis)", SKY_BLUE, Mark::Box),
            item("month to date (right axis)", VERMILLION, Mark::Line),
        ];
        let subtitle = || {
            format!(
                "{}, {} to {}",
                total_line(days.iter().map(|d| d.1).sum(), &self.currency),
                days[0].0,
                days[n - 1].0
            )
        };
        let empty = (n == 0).then_some("nothing was spent in this period");
        let Some(body) = start(root, &self.title, empty, subtitle, &legend)? else {
            return Ok(());
        };
        let slots = n.max(7);
        let offset = ((slots - n) / 2) as f64;
        let amounts: Vec<f64> = days.iter().map(|d| to_f64(d.1)).collect();
        let running: Vec<f64> = days.iter().map(|d| to_f64(d.2)).collect();
        let axis_of = |values: &[f64]| {
            let (min, max) = extent(values.iter().copied());
            ValueAxis::zero_based(min, max, 0.04, true, Y_TICKS)
        };
        let (axis, axis2) = (axis_of(&amounts), axis_of(&running));
        let x_range = -0.5..slots as f64 - 0.5;
        let mut chart = plot_builder(&body, 62, axis.label_width(root) + 46)
            .margin_right(10)
            .right_y_label_area_size(axis2.label_width(root) + 46)
            .build_cartesian_2d(x_range.clone(), axis.lo..axis.hi)
            .map_err(err)?
            .set_secondary_coord(x_range, axis2.lo..axis2.hi);
        let y_desc = money_desc("Spend per day", &self.currency);
        let y2_desc = money_desc("Month to date", &self.currency);
        draw_mesh(
            &mut chart,
            AxisMarks {
                values: None,
                title: Some("Day"),
                grid: false,
            },
            AxisMarks {
                values: Some(&axis),
                title: Some(&y_desc),
                grid: true,
            },
        )?;
        let fmt2 = |v: &f64| axis2.format(*v);
        chart
            .configure_secondary_axes()
            .y_labels(axis2.ticks)
            .y_label_formatter(&fmt2)
            .y_desc(y2_desc.as_str())
            .label_style(regular(LABEL).color(&INK))
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
                        Rectangle::new([(x - half, 0.0), (x + half, *v)], SKY_BLUE.filled())
                    }),
            )
            .map_err(err)?;
        // One line per month: the running total starts again on the 1st.
        let mut first = 0;
        while first < n {
            let month = (days[first].0.year(), days[first].0.month());
            let end = days[first..]
                .iter()
                .position(|d| (d.0.year(), d.0.month()) != month)
                .map_or(n, |p| first + p);
            let points: Vec<(f64, f64)> = (first..end)
                .map(|i| (i as f64 + offset, running[i]))
                .collect();
            chart
                .draw_secondary_series(LineSeries::new(points.clone(), VERMILLION.stroke_width(3)))
                .map_err(err)?;
            if n <= 62 {
                chart
                    .draw_secondary_series(
                        points
                            .into_iter()
                            .map(|p| Circle::new(p, 3, VERMILLION.filled())),
                    )
                    .map_err(err)?;
            }
            first = end;
        }
        // Date labels: every day, every other day, weekly, fortnightly or monthly.
        let lfont = regular(LABEL);
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
            label_under(root, &text, (x, y), &lfont)?;
        }
        Ok(())
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

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
