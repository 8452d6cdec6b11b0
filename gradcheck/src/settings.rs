//! The settings of a check, every tolerance among them, in one place: [`GradCheck`] (built in
//! one line, `GradCheck::new().samples(50).check(&module, loss)`) and its [`Tolerances`].

use std::collections::HashMap;

use burn::module::ParamId;
use burn::tensor::DType;
use serde::Serialize;

use crate::At;

/// The float type a comparison is made in.
///
/// ```
/// assert_eq!(burn_gradcheck::Precision::F64.to_string(), "f64");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// 32-bit floats: about 7 significant digits (ε = 2⁻²³ ≈ 1.2 × 10⁻⁷).
    F32,
    /// 64-bit floats: about 16 significant digits (ε = 2⁻⁵² ≈ 2.2 × 10⁻¹⁶).
    F64,
}

impl Precision {
    /// The precision of a float type: f64, or f32 for any narrower one.
    ///
    /// ```
    /// use burn::tensor::DType;
    /// use burn_gradcheck::Precision;
    /// assert_eq!(Precision::of(DType::F64), Precision::F64);
    /// assert_eq!(Precision::of(DType::F32), Precision::F32);
    /// ```
    ///
    /// ```
    /// # use burn_gradcheck::{Precision, Tolerances};
    /// assert_eq!(Tolerances::default().of(Precision::F32).floor, 1e-6);
    /// ```
    pub fn of(dtype: DType) -> Self {
        if dtype == DType::F64 { Precision::F64 } else { Precision::F32 }
    }
}

impl std::fmt::Display for Precision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Precision::F32 => "f32",
            Precision::F64 => "f64",
        })
    }
}

/// The tolerances of comparisons made in one float type.
///
/// ```
/// use burn_gradcheck::{Precision, Tolerance, Tolerances};
/// let f64 = Tolerances::default().of(Precision::F64);
/// assert_eq!(f64, Tolerance { rel: 1e-6, floor: 1e-10, relate: 1e-6 });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Tolerance {
    /// A comparison passes when its maximum relative error
    /// `maxᵢ |aᵢ − bᵢ| / max(|aᵢ|, |bᵢ|, 10⁻³ · maxⱼ |aⱼ|, |bⱼ|)` is at most this.
    pub rel: f64,
    /// The absolute floor: a comparison over `rel` whose differences `|aᵢ − bᵢ|` are all at
    /// most this is *inconclusive*, never passed — the gradient is too small for this float
    /// type to tell right from wrong.
    pub floor: f64,
    /// The tolerance of the diagnosis ([`relate`](crate::relate)): how close a factor, a
    /// transpose or a reshape of the right gradient must come to the one checked.
    pub relate: f64,
}

/// Every tolerance of a check: one [`Tolerance`] per float type and the negative control.
///
/// ```
/// use burn_gradcheck::{Precision, Tolerances};
/// let t = Tolerances::default();
/// assert_eq!(t.of(Precision::F32).rel, 2e-3); // JAX's check_grads in float32
/// assert_eq!(t.of(Precision::F64).rel, 1e-6);
/// assert_eq!(t.control, 0.05);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Tolerances {
    /// In f32. Relative 2 × 10⁻³ (JAX's `check_grads` in float32): an f32 gradient is right
    /// to ~10⁻⁶ relative on its large entries, and entries far below the largest are measured
    /// against 10⁻³ of it, which bounds their rounding near 10⁻⁴. Floor 10⁻⁶.
    pub f32: Tolerance,
    /// In f64. Relative 10⁻⁶: five-point differences in f64 with ε = 10⁻³ are right to
    /// ~10⁻¹¹. Floor 10⁻¹⁰.
    pub f64: Tolerance,
    /// The negative control: at every point, a copy of the checked gradient `(1 + control)`
    /// times too large must fail; where it would pass too (a gradient that is zero there),
    /// the comparison proved nothing and is inconclusive.
    pub control: f64,
}

impl Default for Tolerances {
    fn default() -> Self {
        Self {
            f32: Tolerance { rel: 2e-3, floor: 1e-6, relate: 1e-4 },
            f64: Tolerance { rel: 1e-6, floor: 1e-10, relate: 1e-6 },
            control: 0.05,
        }
    }
}

impl Tolerances {
    /// The tolerances in one float type.
    pub fn of(&self, precision: Precision) -> Tolerance {
        match precision {
            Precision::F32 => self.f32,
            Precision::F64 => self.f64,
        }
    }

    fn of_mut(&mut self, precision: Precision) -> &mut Tolerance {
        match precision {
            Precision::F32 => &mut self.f32,
            Precision::F64 => &mut self.f64,
        }
    }
}

/// How the checked gradient is compared with finite differences.
///
/// ```
/// use burn_gradcheck::{GradCheck, Mode};
/// assert_eq!(GradCheck::new().mode, Mode::Entries);
/// assert_eq!(GradCheck::new().fast(2).mode, Mode::Directions(2));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Entry by entry: every entry of the vectors (biases), sampled entries of the larger
    /// parameters ([`GradCheck::samples`]), four evaluations of the loss per entry.
    Entries,
    /// Along random directions (the fast mode): per parameter tensor and direction `v`
    /// (Gaussian, unit length), the directional derivative `vᵀ∇L` against a five-point
    /// difference of `t ↦ L(θ + t v)` — four evaluations of the loss. A parameter whose
    /// directional check fails is then checked entry by entry, and diagnosed.
    Directions(usize),
}

/// The settings of a check, built in one line:
///
/// ```
/// use burn_gradcheck::{GradCheck, Precision};
/// let check = GradCheck::new().samples(50).tolerance(Precision::F64, 1e-7).seed(3).point("random");
/// assert_eq!(check.samples, 50);
/// assert_eq!(check.tolerances.of(Precision::F64).rel, 1e-7);
/// ```
///
/// then run with [`check`](GradCheck::check) (a module's autodiff against finite
/// differences), [`check_hand_written`](GradCheck::check_hand_written) (your gradients
/// against both), [`check_fn`](GradCheck::check_fn) and
/// [`check_fn_hand_written`](GradCheck::check_fn_hand_written) (the same for a function of
/// tensors).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GradCheck {
    /// Entries of the matrices (inputs or parameters of rank 2 or more) checked by finite
    /// differences, shared among them in proportion to their size; vectors are checked whole.
    pub samples: usize,
    /// The finite-difference step ε.
    pub eps: f64,
    /// Seed of the sampled entries and of the random directions.
    pub seed: u64,
    /// Every tolerance.
    pub tolerances: Tolerances,
    /// Entry by entry, or along random directions (the fast mode).
    pub mode: Mode,
    /// The point's name in the report (none by default).
    pub point: Option<String>,
    /// Names of parameters by id, for the report (their path in the module otherwise).
    #[serde(skip)]
    pub names: HashMap<ParamId, String>,
    /// Entries chosen by hand, by parameter (its path in the module) or input name, checked
    /// instead of the sampled ones (row-major indices).
    pub chosen: HashMap<String, Vec<usize>>,
    /// Where the finite differences run, and in which float type: `None` for the module's
    /// own device, in f64 where it supports it (else in f32, and the rows say so). For a
    /// module on a GPU, give a CPU device in f64: SPIR-V's standard `Exp` and `Log` exist for
    /// 16- and 32-bit floats only, and a wgpu shader's f64 `exp` came back as garbage (on
    /// lavapipe, the f32 result's bits read as an f64), which failed correct gradients.
    #[serde(skip)]
    pub differences_at: Option<At>,
}

impl Default for GradCheck {
    fn default() -> Self {
        Self {
            samples: 200,
            eps: 1e-3,
            seed: 0,
            tolerances: Tolerances::default(),
            mode: Mode::Entries,
            point: None,
            names: HashMap::new(),
            chosen: HashMap::new(),
            differences_at: None,
        }
    }
}

impl GradCheck {
    /// The default settings: 200 samples, ε = 10⁻³, seed 0, [`Tolerances::default`], entry by
    /// entry.
    ///
    /// ```
    /// # use burn_gradcheck::GradCheck;
    /// assert_eq!(GradCheck::new(), GradCheck::default());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Entries of the matrices checked by finite differences.
    ///
    /// ```
    /// # use burn_gradcheck::GradCheck;
    /// assert_eq!(GradCheck::new().samples(50).samples, 50);
    /// ```
    pub fn samples(mut self, samples: usize) -> Self {
        self.samples = samples;
        self
    }

    /// The finite-difference step ε.
    ///
    /// ```
    /// # use burn_gradcheck::GradCheck;
    /// assert_eq!(GradCheck::new().eps(1e-5).eps, 1e-5);
    /// ```
    pub fn eps(mut self, eps: f64) -> Self {
        self.eps = eps;
        self
    }

    /// The seed of the sampled entries and directions.
    ///
    /// ```
    /// # use burn_gradcheck::GradCheck;
    /// assert_eq!(GradCheck::new().seed(7).seed, 7);
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The relative tolerance of comparisons in `precision`.
    ///
    /// ```
    /// # use burn_gradcheck::{GradCheck, Precision};
    /// assert_eq!(GradCheck::new().tolerance(Precision::F32, 1e-3).tolerances.f32.rel, 1e-3);
    /// ```
    pub fn tolerance(mut self, precision: Precision, rel: f64) -> Self {
        self.tolerances.of_mut(precision).rel = rel;
        self
    }

    /// The absolute floor of comparisons in `precision`.
    ///
    /// ```
    /// # use burn_gradcheck::{GradCheck, Precision};
    /// assert_eq!(GradCheck::new().floor(Precision::F64, 1e-12).tolerances.f64.floor, 1e-12);
    /// ```
    pub fn floor(mut self, precision: Precision, floor: f64) -> Self {
        self.tolerances.of_mut(precision).floor = floor;
        self
    }

    /// Every tolerance at once.
    ///
    /// ```
    /// # use burn_gradcheck::{GradCheck, Tolerances};
    /// let strict = Tolerances { control: 0.01, ..Tolerances::default() };
    /// assert_eq!(GradCheck::new().tolerances(strict).tolerances.control, 0.01);
    /// ```
    pub fn tolerances(mut self, tolerances: Tolerances) -> Self {
        self.tolerances = tolerances;
        self
    }

    /// The fast mode: `directions` random directions per parameter tensor ([`Mode::Directions`]).
    ///
    /// ```
    /// # use burn_gradcheck::GradCheck;
    /// assert_eq!(GradCheck::new().fast(3).mode, burn_gradcheck::Mode::Directions(3));
    /// ```
    pub fn fast(mut self, directions: usize) -> Self {
        self.mode = Mode::Directions(directions.max(1));
        self
    }

    /// Names the point in the report.
    ///
    /// ```
    /// # use burn_gradcheck::GradCheck;
    /// assert_eq!(GradCheck::new().point("zero").point.as_deref(), Some("zero"));
    /// ```
    pub fn point(mut self, name: impl Into<String>) -> Self {
        self.point = Some(name.into());
        self
    }

    /// Renames parameters in the report, by id.
    ///
    /// ```
    /// # use burn_gradcheck::GradCheck;
    /// # use burn::module::ParamId;
    /// let id = ParamId::new();
    /// let check = GradCheck::new().names([(id, "W".to_string())].into());
    /// assert_eq!(check.names[&id], "W");
    /// ```
    pub fn names(mut self, names: HashMap<ParamId, String>) -> Self {
        self.names = names;
        self
    }

    /// Checks these entries of a parameter (by its path in the module) or of an input (by its
    /// name) against finite differences, instead of sampled ones.
    ///
    /// ```
    /// # use burn::tensor::{Device, Tensor};
    /// # use burn_gradcheck::{GradCheck, Input, Inputs};
    /// # #[allow(deprecated)]
    /// let x = Tensor::<2>::ones([3, 4], &Device::ndarray());
    /// let check = GradCheck::new().entries("x", [0, 5, 11]);
    /// let report = check.check_fn(&[Input::new(&x).named("x")], |xs: &Inputs| xs.get::<2>(0).exp().sum()).unwrap();
    /// assert_eq!(report.rows[0].errors.entries, 3);
    /// // An entry the parameter does not have is an error.
    /// assert!(GradCheck::new().entries("x", [12]).check_fn(&[Input::new(&x).named("x")], |xs: &Inputs| xs.get::<2>(0).sum()).is_err());
    /// ```
    pub fn entries(mut self, name: &str, indices: impl IntoIterator<Item = usize>) -> Self {
        self.chosen.insert(name.to_string(), indices.into_iter().collect());
        self
    }

    /// Runs the finite differences at `at` (a device and float type).
    ///
    /// ```
    /// # use burn_gradcheck::{At, GradCheck};
    /// # use burn::tensor::{DType, Device};
    /// # #[allow(deprecated)]
    /// let cpu = At { dtype: DType::F64, device: Device::ndarray() };
    /// assert_eq!(GradCheck::new().differences_at(cpu.clone()).differences_at, Some(cpu));
    /// ```
    pub fn differences_at(mut self, at: At) -> Self {
        self.differences_at = Some(at);
        self
    }
}
