//! The fast mode against entry-by-entry checks, on a module of a million parameters: a
//! 1024 × 1024 linear layer with its 1024 biases (1 049 600 parameters), L = mean((x W + b)²)
//! on a batch of 4. Both check burn's autodiff against finite differences in f64; the figures
//! go to a JSON file:
//!
//! ```sh
//! cargo run --release -p burn-gradcheck --example fast_mode -- --out gradcheck-fast.json
//! ```

use std::time::Instant;

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Distribution, Tensor};
use burn_gradcheck::{At, GradCheck, Report, Witness};

/// One check's figures, as JSON.
fn figures(name: &str, seconds: f64, report: &Report) -> String {
    // Four evaluations of the loss per entry and per direction (the five-point stencil).
    let probes: usize = report.rows.iter().map(|r| r.errors.entries).sum();
    let passed = report.rows.iter().filter(|r| r.passed).count();
    let witness = report.rows.first().map_or(Witness::FiniteDifferences, |r| r.against);
    format!(
        "  \"{name}\": {{ \"seconds\": {seconds:.3}, \"witness\": \"{witness}\", \"entries_or_directions\": {probes}, \"loss_evaluations\": {}, \"rows\": {}, \"passed\": {passed} }}",
        4 * probes,
        report.rows.len()
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let out = args.iter().position(|a| a == "--out").and_then(|i| args.get(i + 1));
    #[allow(deprecated)]
    let device = Device::ndarray();
    device.seed(3);
    let layer: Linear = LinearConfig::new(1024, 1024).init(&device);
    let x = Tensor::<2>::random([4, 1024], Distribution::Normal(0.0, 1.0), &device);
    let loss = |m: &Linear, at: &At| m.forward(at.input(&x)).powi_scalar(2).mean();
    println!("Linear 1024 → 1024: {} parameters", layer.num_params());

    let timed = |check: GradCheck| -> Result<(f64, Report), burn_gradcheck::Error> {
        let start = Instant::now();
        let report = check.check(&layer, loss)?;
        Ok((start.elapsed().as_secs_f64(), report))
    };
    let (entries_s, entries) = timed(GradCheck::new())?;
    print!("entry by entry (200 sampled weights, every bias): {entries_s:.2} s\n{entries}");
    let (fast_s, fast) = timed(GradCheck::new().fast(1))?;
    print!("fast mode (one random direction per tensor): {fast_s:.2} s\n{fast}");
    println!("speed-up: {:.0}×", entries_s / fast_s);

    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let json = format!(
        "{{\n  \"module\": \"Linear 1024 → 1024, L = mean((x W + b)²), batch of 4, ndarray, f64 differences\",\n  \"parameters\": {},\n  \"threads\": {threads},\n{},\n{},\n  \"speedup\": {:.1}\n}}\n",
        layer.num_params(),
        figures("entries", entries_s, &entries),
        figures("fast", fast_s, &fast),
        entries_s / fast_s
    );
    if let Some(path) = out {
        std::fs::write(path, &json)?;
        println!("wrote {path}");
    }
    if !(entries.passed() && fast.passed()) {
        return Err("a check of the right gradient did not pass".into());
    }
    Ok(())
}
