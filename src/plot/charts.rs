//! Charts drawn with plotters: the training curves, and the confusion matrix (also as a text
//! table).

use anyhow::{Result, anyhow};
use plotters::prelude::*;

use super::canvas::{Align, BLACK, Canvas, FONT, WHITE, ensure_font, family_for};
use crate::data::CLASSES;
use crate::training::EpochMetrics;

fn plot_error<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("cannot draw the chart: {e:?}")
}

/// `curves.png`: the mean training loss per epoch (left) and the train and test accuracy
/// per epoch (right).
pub(crate) fn training_curves(epochs: &[EpochMetrics], title: &str) -> Result<Canvas> {
    ensure_font();
    let (w, h) = (1000u32, 420u32);
    let mut canvas = Canvas::new(w, h, WHITE);
    {
        let root = BitMapBackend::with_buffer(&mut canvas.rgb, (w, h)).into_drawing_area();
        let root = root
            .titled(title, (family_for(title), 18).into_font())
            .map_err(plot_error)?;
        let (left, right) = root.split_horizontally(w / 2);
        let last = epochs.len().max(1) as f64;
        let x_range = 0.5..last + 0.5;

        let (lo, hi) = bounds(epochs.iter().map(|m| m.loss));
        let mut chart = ChartBuilder::on(&left)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .caption("training loss (mean over the epoch's batches)", (FONT, 14))
            .build_cartesian_2d(x_range.clone(), lo..hi)
            .map_err(plot_error)?;
        chart
            .configure_mesh()
            .light_line_style(RGBColor(235, 235, 235))
            .x_label_formatter(&|x| format!("{x:.0}"))
            .x_desc("epoch")
            .y_desc("cross-entropy")
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 13))
            .draw()
            .map_err(plot_error)?;
        let blue = RGBColor(31, 119, 180);
        chart
            .draw_series(LineSeries::new(
                epochs.iter().map(|m| (m.epoch as f64, m.loss)),
                blue.stroke_width(2),
            ))
            .map_err(plot_error)?;
        chart
            .draw_series(epochs.iter().map(|m| Circle::new((m.epoch as f64, m.loss), 3, blue.filled())))
            .map_err(plot_error)?;

        let accuracies = epochs
            .iter()
            .flat_map(|m| [m.train_accuracy(), m.test_accuracy()]);
        let (lo, hi) = bounds(accuracies);
        let mut chart = ChartBuilder::on(&right)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .caption("accuracy on the full sets", (FONT, 14))
            .build_cartesian_2d(x_range, lo..hi)
            .map_err(plot_error)?;
        chart
            .configure_mesh()
            .light_line_style(RGBColor(235, 235, 235))
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y:.1}"))
            .x_desc("epoch")
            .y_desc("accuracy (%)")
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 13))
            .draw()
            .map_err(plot_error)?;
        let orange = RGBColor(255, 127, 14);
        let green = RGBColor(44, 160, 44);
        for (name, color, get) in [
            ("train", orange, EpochMetrics::train_accuracy as fn(&EpochMetrics) -> f64),
            ("test", green, EpochMetrics::test_accuracy),
        ] {
            chart
                .draw_series(LineSeries::new(
                    epochs.iter().map(|m| (m.epoch as f64, get(m))),
                    color.stroke_width(2),
                ))
                .map_err(plot_error)?
                .label(name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2)));
            chart
                .draw_series(epochs.iter().map(|m| Circle::new((m.epoch as f64, get(m)), 3, color.filled())))
                .map_err(plot_error)?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE_STYLE.mix(0.9))
            .border_style(BLACK_STYLE)
            .label_font((FONT, 13))
            .draw()
            .map_err(plot_error)?;
        root.present().map_err(plot_error)?;
    }
    Ok(canvas)
}

const WHITE_STYLE: RGBColor = RGBColor(255, 255, 255);
const BLACK_STYLE: RGBColor = RGBColor(0, 0, 0);

/// A padded range around some values.
fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.08).max(1e-3);
    (lo - pad, hi + pad)
}

/// The confusion matrix as a text table: rows are the true classes, columns the predicted.
pub(crate) fn confusion_table(m: &[[usize; CLASSES]; CLASSES], class_names: &[&str; CLASSES]) -> String {
    let name_w = class_names.iter().map(|n| n.chars().count()).max().unwrap_or(1).max(10);
    let col_w = 6;
    let mut out = format!("{:>name_w$} │", "true \\ pred");
    for name in class_names {
        out.push_str(&format!("{:>col_w$}", short(name, col_w - 1)));
    }
    out.push_str(&format!(" │{:>7}\n", "recall"));
    out.push_str(&format!("{}─┼{}─┼{}\n", "─".repeat(name_w), "─".repeat(col_w * CLASSES), "─".repeat(7)));
    for (t, row) in m.iter().enumerate() {
        out.push_str(&format!("{:>name_w$} │", class_names[t]));
        for count in row {
            out.push_str(&format!("{count:>col_w$}"));
        }
        let total: usize = row.iter().sum();
        let recall = crate::inference::percent(row[t], total);
        out.push_str(&format!(" │{recall:>6.1}%\n"));
    }
    let correct: usize = (0..CLASSES).map(|c| m[c][c]).sum();
    let total: usize = m.iter().flatten().sum();
    out.push_str(&format!(
        "{correct} of {total} correct ({:.2}%)\n",
        crate::inference::percent(correct, total)
    ));
    out
}

fn short(name: &str, n: usize) -> String {
    name.chars().take(n).collect()
}

/// `confusion.png`: counts in a 10 × 10 heat map, rows = true class, columns = predicted.
pub(crate) fn confusion_picture(m: &[[usize; CLASSES]; CLASSES], class_names: &[&str; CLASSES], title: &str) -> Canvas {
    let cell = 52u32;
    let left = 130u32;
    let top = 150u32;
    let (w, h) = (left + CLASSES as u32 * cell + 30, top + CLASSES as u32 * cell + 50);
    let mut canvas = Canvas::new(w, h, WHITE);
    canvas.text(title, w as i32 / 2, 10, 16.0, BLACK, Align::Center);
    let max_off = (0..CLASSES)
        .flat_map(|t| (0..CLASSES).filter(move |&p| p != t).map(move |p| (t, p)))
        .map(|(t, p)| m[t][p])
        .max()
        .unwrap_or(0)
        .max(1);
    for (t, row) in m.iter().enumerate() {
        let row_total = row.iter().sum::<usize>().max(1);
        for (p, &count) in row.iter().enumerate() {
            // Diagonal in blue shades by recall, errors in red shades by count.
            let color = if t == p {
                let f = count as f64 / row_total as f64;
                shade([31, 119, 180], f)
            } else {
                shade([214, 39, 40], (count as f64 / max_off as f64).sqrt())
            };
            let (x, y) = (left + p as u32 * cell, top + t as u32 * cell);
            canvas.fill(x as i64, y as i64, cell - 1, cell - 1, color);
            let ink = if luminance(color) < 140.0 { WHITE } else { BLACK };
            canvas.text(&count.to_string(), (x + cell / 2) as i32, (y + cell / 2 - 8) as i32, 13.0, ink, Align::Center);
        }
        canvas.text(class_names[t], (left - 8) as i32, (top + t as u32 * cell + cell / 2 - 8) as i32, 13.0, BLACK, Align::Right);
    }
    // Column labels, abbreviated to fit the cells.
    for (p, name) in class_names.iter().enumerate() {
        let x = (left + p as u32 * cell + cell / 2) as i32;
        canvas.text(&short(name, 6), x, (top - 22) as i32, 12.0, BLACK, Align::Center);
    }
    canvas.text("predicted →", (left + CLASSES as u32 * cell / 2) as i32, (top - 48) as i32, 14.0, BLACK, Align::Center);
    canvas.text("true ↓", 12, (top - 22) as i32, 14.0, BLACK, Align::Left);
    let correct: usize = (0..CLASSES).map(|c| m[c][c]).sum();
    let total: usize = m.iter().flatten().sum();
    canvas.text(
        &format!("{correct} / {total} correct on the diagonal ({:.2}%)", crate::inference::percent(correct, total)),
        w as i32 / 2,
        (top + CLASSES as u32 * cell + 14) as i32,
        13.0,
        BLACK,
        Align::Center,
    );
    canvas
}

/// White blended toward `color` by `f` in [0, 1].
fn shade(color: [u8; 3], f: f64) -> [u8; 3] {
    let f = f.clamp(0.0, 1.0);
    color.map(|c| (255.0 - (255.0 - c as f64) * f).round() as u8)
}

fn luminance(c: [u8; 3]) -> f64 {
    0.299 * c[0] as f64 + 0.587 * c[1] as f64 + 0.114 * c[2] as f64
}
