//! `handgrad gradcheck`: the analytic gradient, burn's autodiff and finite differences, side
//! by side, with a verdict.

use anyhow::{Result, bail};
use serde::Serialize;

use crate::backend::Backend;
use burn::tensor::DType;

use crate::check::{CheckConfig, check, exact_f64};
use burn_gradcheck::{CheckRow, Verdict, table};
use crate::cli::GradcheckArgs;
use crate::data::{Batches, Which};
use crate::training::{validate_batch_size, validate_lr};

#[derive(Serialize)]
struct Report<'a> {
    model: crate::model::Architecture,
    dataset: &'static str,
    backend: Backend,
    batch_size: usize,
    config: &'a CheckConfig,
    rows: &'a [CheckRow],
    passed: bool,
}

/// Runs the check and prints the table (or JSON); fails when a comparison is off.
pub fn run(args: &GradcheckArgs) -> Result<()> {
    let backend = args.device.backend()?;
    let architecture = args.model.architecture()?;
    let relu = architecture.has_kinks();
    let eps = args.eps.unwrap_or(if relu { 1e-5 } else { 1e-3 });
    let fd_tol = args.fd_tol.unwrap_or(if relu { 1e-5 } else { 1e-6 });
    if !(eps.is_finite() && eps > 0.0) {
        bail!("--eps must be a positive finite number, got {eps}");
    }
    validate_lr(args.lr)?;
    for (flag, tol) in [("--tol", args.tol), ("--fd-tol", fd_tol)] {
        // Written so that NaN is refused too.
        if tol.is_nan() || tol < 0.0 {
            bail!("{flag} must be a non-negative number, got {tol}");
        }
    }
    let source = args.data.source();
    let split = source.split(Which::Train)?;
    let tb = args.batch_size;
    validate_batch_size(tb, split.len())?;
    let device = backend.open()?;
    let batches = Batches::new(&split, tb, None);
    let batch = batches.get(0, &device);
    let mut step_batch = |k: usize| batches.get(k, &device);
    let cfg = CheckConfig {
        samples: args.samples,
        eps,
        seed: args.seed,
        steps: args.steps,
        lr: args.lr,
        tol: args.tol,
        fd_tol,
        bug: args.inject_bug,
    };
    device.seed(args.seed);
    // The third point trains from the lab's start: zeros for logreg, random for the MLP.
    let model = architecture.init(architecture.default_init(), &device);
    let rows = check(&model, &batch, &mut step_batch, &device, &cfg)?;
    // An inconclusive row is no failure (its reason is printed under it).
    let passed = rows.iter().all(|r| r.verdict != Verdict::Fail);

    if args.json {
        let report = Report {
            model: architecture,
            dataset: source.kind.name(),
            backend,
            batch_size: tb,
            config: &cfg,
            rows: &rows,
            passed,
        };
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "gradcheck: {} on the first {tb} training images of {} ({}), device {backend}",
            architecture.describe(),
            source.kind.name(),
            source.origin()
        );
        let exact = exact_f64(&device);
        println!(
            "finite differences: five-point central, in {}, ε = {:e}, on every bias entry and {} sampled weight entries{}",
            if exact.dtype == DType::F64 { "f64" } else { "f32 (this device has no f64)" },
            cfg.eps,
            cfg.samples,
            match Backend::of(&exact.device) {
                Some(cpu) if exact.device != device => format!(
                    ", on {cpu}: a GPU shader has no f64 exp and log"
                ),
                _ => String::new(),
            }
        );
        if let Some(bug) = cfg.bug {
            println!("injected bug: {} — {}", bug.name(), bug.row().what.en);
        }
        println!();
        print!("{}", table(&rows));
    }
    if let Some(bad) = rows.iter().find(|r| r.verdict == Verdict::Fail) {
        let failed = rows.iter().filter(|r| r.verdict == Verdict::Fail).count();
        bail!(
            "gradient check failed for {}: {failed} of {} comparisons over tolerance (first: {} vs {} at '{}', max rel = {:.3e} > {:e})",
            params_failing(&rows),
            rows.len(),
            bad.param,
            bad.against,
            bad.point.as_deref().unwrap_or_default(),
            bad.errors.max_rel,
            bad.tol
        );
    }
    if !args.json {
        let inconclusive = rows.iter().filter(|r| !r.passed).count();
        if inconclusive == 0 {
            println!("\nall {} comparisons within tolerance", rows.len());
        } else {
            println!(
                "\nno comparison failed: {} passed, {inconclusive} inconclusive (the reason is under each)",
                rows.len() - inconclusive
            );
        }
    }
    Ok(())
}

/// The parameters with at least one failing comparison, e.g. "W" or "W and b".
fn params_failing(rows: &[CheckRow]) -> String {
    let mut names: Vec<&str> = Vec::new();
    for r in rows.iter().filter(|r| r.verdict == Verdict::Fail) {
        if !names.contains(&r.param.as_str()) {
            names.push(&r.param);
        }
    }
    names.join(" and ")
}
