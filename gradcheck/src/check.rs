//! The check itself: the checked gradients (hand-written, or autodiff's) against burn's
//! autodiff in f32 and against finite differences in f64, entry by entry or along random
//! directions, each comparison judged and, when it fails, diagnosed.

use burn::module::Module;
use burn::optim::GradientsParams;
use burn::tensor::{DType, Device, Tensor};

use crate::diagnose::{Relation, layer_of, relate};
use crate::finite::{SplitMix64, along_direction, along_entries, sample};
use crate::params::{Grads, MoveTo, Parameter, all_grads, autodiff_of, parameters};
use crate::report::{CheckRow, Report};
use crate::settings::{GradCheck, Mode, Precision};
use crate::verdict::{Verdict, Witness, judge};
use crate::{At, Error, Loss, Result, backend_name};

/// Hand-written gradients at a point, read as values in the parameters' order.
pub(crate) type HandValues<'a, M> = dyn Fn(&M, &At) -> Result<Grads> + Sync + 'a;

/// What a check runs on: a module (a function's inputs make one), its loss, its parameters
/// and, if given, the hand-written gradients.
pub(crate) struct Subject<'a, M> {
    pub module: &'a M,
    pub loss: &'a Loss<'a, M>,
    pub hand: Option<&'a HandValues<'a, M>>,
    pub params: Vec<Parameter>,
}

/// Where the finite differences probe the loss.
struct Probe<'a, M> {
    module: M,
    loss: &'a Loss<'a, M>,
    at: At,
    precision: Precision,
    ran_on: String,
}

impl GradCheck {
    /// Checks burn's autodiff of `loss` at `module` against finite differences in f64 (on
    /// the module's device where it has f64, else at [`GradCheck::differences_at`]).
    ///
    /// ```
    /// use burn::nn::{Linear, LinearConfig};
    /// use burn::tensor::{Device, Tensor};
    /// use burn_gradcheck::{At, GradCheck};
    ///
    /// # #[allow(deprecated)]
    /// let device = Device::ndarray();
    /// let layer: Linear = LinearConfig::new(3, 2).init(&device);
    /// let x = Tensor::<2>::from_floats([[1.0, -2.0, 0.5]], &device);
    /// let report = GradCheck::new().check(&layer, |m: &Linear, at: &At| m.forward(at.input(&x)).tanh().sum()).unwrap();
    /// assert!(report.passed(), "{report}");
    /// ```
    pub fn check<M: Module>(&self, module: &M, loss: impl Fn(&M, &At) -> Tensor<1> + Sync) -> Result<Report> {
        let subject = Subject { module, loss: &loss, hand: None, params: parameters(module) };
        self.run_on(&subject)
    }

    /// Checks hand-written gradients of `loss` at `module` (a `GradientsParams` keyed by the
    /// parameters' ids) against burn's autodiff, both in f32, and against finite differences,
    /// both in f64.
    ///
    /// ```
    /// use burn::nn::{Linear, LinearConfig};
    /// use burn::optim::GradientsParams;
    /// use burn::tensor::{Device, Tensor};
    /// use burn_gradcheck::{At, GradCheck, Relation};
    ///
    /// # #[allow(deprecated)]
    /// let device = Device::ndarray();
    /// let layer: Linear = LinearConfig::new(3, 2).init(&device);
    /// let x = Tensor::<2>::from_floats([[1.0, -2.0, 0.5], [0.3, 0.1, -1.0]], &device);
    /// // L = Σ (x W + b): ∂L/∂W = xᵀ 1, ∂L/∂b = 1 per row of x; written here with a slip, −∂L/∂W.
    /// let loss = |m: &Linear, at: &At| m.forward(at.input(&x)).sum();
    /// let hand = |m: &Linear, at: &At| {
    ///     let ones = Tensor::<2>::ones([2, 2], (&at.device, at.dtype));
    ///     let mut grads = GradientsParams::new();
    ///     grads.register(m.weight.id, at.input(&x).transpose().matmul(ones.clone()).neg());
    ///     grads.register(m.bias.as_ref().unwrap().id, ones.sum_dim(0).reshape([-1]));
    ///     grads
    /// };
    /// let report = GradCheck::new().check_hand_written(&layer, loss, hand).unwrap();
    /// let weight = &report.rows[0];
    /// assert!(!weight.passed);
    /// assert!(matches!(weight.why, Some(Relation::Scaled { factor }) if factor == -1.0));
    /// ```
    pub fn check_hand_written<M: Module>(
        &self,
        module: &M,
        loss: impl Fn(&M, &At) -> Tensor<1> + Sync,
        hand: impl Fn(&M, &At) -> GradientsParams + Sync,
    ) -> Result<Report> {
        let params = parameters(module);
        let values = |m: &M, at: &At| all_grads(&hand(m, at), &params);
        let subject = Subject { module, loss: &loss, hand: Some(&values), params: params.clone() };
        self.run_on(&subject)
    }

    /// Runs every comparison on a subject.
    pub(crate) fn run_on<M: Module>(&self, s: &Subject<M>) -> Result<Report> {
        self.check_chosen(&s.params)?;
        let device = module_device(s.module);
        let mut rows = Vec::new();
        if let Some(hand) = s.hand {
            // 1. Hand-written against autodiff, both in f32.
            let f32_point = At { dtype: DType::F32, device: device.clone() };
            let mine = hand(s.module, &f32_point)?;
            let auto = all_grads(&autodiff_of(s.module, s.loss, &f32_point), &s.params)?;
            let here = backend_name(&device);
            for (p, (m, a)) in s.params.iter().zip(mine.iter().zip(&auto)) {
                rows.push(self.row(p, Witness::Autodiff, Precision::F32, &here, m, a));
            }
        }
        // 2. Against finite differences, in f64 where it is exact.
        let at = self.exact_f64(&device);
        let module = s.module.clone().map(&mut MoveTo(&at));
        let checked = match s.hand {
            Some(hand) => hand(&module, &at)?,
            None => all_grads(&autodiff_of(&module, s.loss, &at), &s.params)?,
        };
        let probe = Probe { module, loss: s.loss, precision: Precision::of(at.dtype), ran_on: backend_name(&at.device), at };
        rows.extend(match self.mode {
            Mode::Entries => self.entry_rows(&probe, &s.params, &checked),
            Mode::Directions(k) => self.direction_rows(&probe, &s.params, &checked, k),
        });
        Ok(Report { rows })
    }

    /// Where the finite differences of a module on `device` run, and in which float type:
    /// [`GradCheck::differences_at`], or else `device` in f64 where it supports it (f32
    /// otherwise).
    ///
    /// ```
    /// use burn::tensor::{DType, Device};
    /// use burn_gradcheck::GradCheck;
    /// # #[allow(deprecated)]
    /// let at = GradCheck::new().exact_f64(&Device::ndarray());
    /// assert_eq!(at.dtype, DType::F64);
    /// ```
    pub fn exact_f64(&self, device: &Device) -> At {
        self.differences_at.clone().unwrap_or_else(|| {
            let dtype = if device.supports_dtype(DType::F64) { DType::F64 } else { DType::F32 };
            At { dtype, device: device.clone() }
        })
    }

    /// One comparison, judged, and diagnosed when it fails.
    fn row(&self, p: &Parameter, against: Witness, precision: Precision, ran_on: &str, checked: &(Vec<f64>, Vec<usize>), witness: &(Vec<f64>, Vec<usize>)) -> CheckRow {
        let tol = self.tolerances.of(precision);
        let (errors, verdict) = judge(&checked.0, &witness.0, tol, self.tolerances.control);
        let why = (verdict == Verdict::Fail && against != Witness::Direction)
            .then(|| relate(&checked.0, &checked.1, &witness.0, &witness.1, tol.relate))
            .filter(|r| !r.is_right());
        CheckRow {
            point: self.point.clone(),
            param: self.names.get(&p.id).cloned().unwrap_or_else(|| p.name.clone()),
            layer: layer_of(&p.name),
            against,
            precision,
            ran_on: ran_on.to_string(),
            errors,
            tol: tol.rel,
            floor: tol.floor,
            control: self.tolerances.control,
            passed: verdict == Verdict::Pass,
            verdict,
            why,
        }
    }

    /// Every parameter entry by entry: vectors whole, the larger ones sampled.
    fn entry_rows<M: Module>(&self, probe: &Probe<M>, params: &[Parameter], checked: &Grads) -> Vec<CheckRow> {
        let mut picker = self.picker();
        let large = large_size(params);
        params
            .iter()
            .zip(checked)
            .map(|(p, c)| {
                let entries = self.entries_of(&mut picker, p, large);
                self.entry_row(probe, p, c, &entries)
            })
            .collect()
    }

    /// One parameter against finite differences on `entries`, compared as a vector (no
    /// transpose to be seen in a sample).
    fn entry_row<M: Module>(&self, probe: &Probe<M>, p: &Parameter, checked: &(Vec<f64>, Vec<usize>), entries: &[usize]) -> CheckRow {
        let numeric = along_entries(&probe.module, probe.loss, &probe.at, p, entries, self.eps);
        let picked: Vec<f64> = entries.iter().map(|&i| checked.0.get(i).copied().unwrap_or(f64::NAN)).collect();
        let n = picked.len();
        let mut r = self.row(p, Witness::FiniteDifferences, probe.precision, &probe.ran_on, &(picked, vec![n]), &(numeric, vec![n]));
        if checked.1 != p.view && !r.passed {
            r.why = Some(Relation::Shape { theirs: checked.1.clone(), expected: p.view.clone() });
        }
        r
    }

    /// The fast mode: every parameter along `k` random directions; one that fails is then
    /// checked entry by entry, and diagnosed.
    fn direction_rows<M: Module>(&self, probe: &Probe<M>, params: &[Parameter], checked: &Grads, k: usize) -> Vec<CheckRow> {
        let (mut directions, mut picker) = (SplitMix64(self.seed ^ 0xd1ec), self.picker());
        let large = large_size(params);
        let mut rows = Vec::new();
        for (p, c) in params.iter().zip(checked) {
            let (mut mine, mut numeric) = (Vec::new(), Vec::new());
            for _ in 0..k {
                let v = directions.direction(p.values.len());
                // vᵀ∇L; NaN for a gradient of the wrong size.
                mine.push(if c.0.len() == v.len() { v.iter().zip(&c.0).map(|(a, b)| a * b).sum() } else { f64::NAN });
                numeric.push(along_direction(&probe.module, probe.loss, &probe.at, p, &v, self.eps));
            }
            let row = self.row(p, Witness::Direction, probe.precision, &probe.ran_on, &(mine, vec![k]), &(numeric, vec![k]));
            let failed = row.verdict == Verdict::Fail;
            rows.push(row);
            if failed {
                let entries = self.entries_of(&mut picker, p, large);
                rows.push(self.entry_row(probe, p, c, &entries));
            }
        }
        rows
    }

    /// Refuses entries chosen for a name no parameter has, or past its end.
    fn check_chosen(&self, params: &[Parameter]) -> Result<()> {
        for (name, indices) in &self.chosen {
            let Some(p) = params.iter().find(|p| &p.name == name) else {
                return Err(Error::Entries { param: name.clone(), index: None });
            };
            if let Some(&i) = indices.iter().find(|&&i| i >= p.values.len()) {
                return Err(Error::Entries { param: name.clone(), index: Some(i) });
            }
        }
        Ok(())
    }

    fn picker(&self) -> SplitMix64 {
        SplitMix64(self.seed ^ 0x5eed)
    }

    /// The entries of `p` checked: those chosen for it; else all of a vector's; of a larger
    /// parameter, its share of
    /// the samples (in proportion to its size among the `large` entries of them all), drawn
    /// without replacement.
    fn entries_of(&self, picker: &mut SplitMix64, p: &Parameter, large: usize) -> Vec<usize> {
        if let Some(chosen) = self.chosen.get(&p.name) {
            return chosen.clone();
        }
        let n = p.values.len();
        if p.view.len() == 1 {
            return (0..n).collect();
        }
        let share = ((self.samples as f64 * n as f64 / large as f64).round() as usize).clamp(1, n);
        sample(picker, n, share)
    }
}

/// Entries of the parameters of rank 2 or more, all together.
fn large_size(params: &[Parameter]) -> usize {
    params.iter().filter(|p| p.view.len() > 1).map(|p| p.values.len()).sum()
}

fn module_device<M: Module>(module: &M) -> Device {
    module.devices().into_iter().next().unwrap_or_default()
}
