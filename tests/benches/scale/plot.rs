//! The scale benchmark's results as an SVG: one panel per operation, the cost per row touched
//! (a page: ms a call) against the rows in the link table, one line per backend, both axes
//! logarithmic.

use std::path::Path;

use plotters::prelude::*;

use super::Point;

const OPERATIONS: [(&str, &str); 4] = [
    ("create_many", "create_many: µs a link created"),
    ("dismiss_many", "dismiss_many: µs a link dismissed"),
    (
        "graph page",
        "page of 20 filtered and ordered by brand.name: ms",
    ),
    ("delete cascade", "cascading delete: µs a product deleted"),
];

pub fn draw(points: &[Point], path: &Path) {
    let root = SVGBackend::new(path, (1500, 900)).into_drawing_area();
    root.fill(&WHITE).unwrap();
    let panels = root.split_evenly((2, 3));
    let mut backends: Vec<&str> = points.iter().map(|p| p.backend.as_str()).collect();
    backends.sort_unstable();
    backends.dedup();
    for ((operation, title), panel) in OPERATIONS.iter().zip(panels.iter()) {
        let value = |p: &Point| {
            if operation.contains("page") {
                p.ms[0]
            } else {
                p.per_row_us()
            }
        };
        let mine: Vec<&Point> = points
            .iter()
            .filter(|p| p.operation == *operation)
            .collect();
        if mine.is_empty() {
            continue;
        }
        let (x_max, y_min, y_max) = mine.iter().fold((1e3f64, f64::MAX, 0f64), |acc, p| {
            (
                acc.0.max(p.links as f64),
                acc.1.min(value(p)),
                acc.2.max(value(p)),
            )
        });
        let mut chart = ChartBuilder::on(panel)
            .caption(*title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(
                (1e3f64..x_max * 1.5).log_scale(),
                (y_min / 2.0..y_max * 2.0).log_scale(),
            )
            .unwrap();
        chart
            .configure_mesh()
            .x_desc("links in the table")
            .x_label_formatter(&|x| format!("{x:.0e}"))
            .draw()
            .unwrap();
        for (i, backend) in backends.iter().enumerate() {
            let color = Palette99::pick(i).stroke_width(2);
            let mut series: Vec<(f64, f64)> = mine
                .iter()
                .filter(|p| p.backend == *backend)
                .map(|p| (p.links as f64, value(p)))
                .collect();
            if series.is_empty() {
                continue;
            }
            series.sort_by(|a, b| a.0.total_cmp(&b.0));
            chart
                .draw_series(LineSeries::new(series.clone(), color))
                .unwrap()
                .label(*backend)
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], color));
            chart
                .draw_series(
                    series
                        .into_iter()
                        .map(|xy| Circle::new(xy, 3, color.filled())),
                )
                .unwrap();
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .unwrap();
    }
    root.present().unwrap();
}
