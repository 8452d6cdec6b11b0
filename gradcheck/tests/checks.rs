//! burn-gradcheck on functions, a custom op with a hand-written `Backward`, the three verdicts
//! in f32 and f64, the negative control, the fast mode on a module of a million parameters,
//! and a panic in the user's closure.

#[path = "../examples/custom_op/op.rs"]
mod op;

use std::sync::atomic::{AtomicUsize, Ordering};

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Distribution, Tensor};
use burn_gradcheck::{
    At, CheckRow, Error, GradCheck, Inconclusive, Input, Inputs, Precision, Relation, Tolerances, Verdict, Witness, judge,
};

#[allow(deprecated)]
fn device() -> Device {
    Device::ndarray()
}

fn rows_against(rows: &[CheckRow], against: Witness) -> Vec<&CheckRow> {
    rows.iter().filter(|r| r.against == against).collect()
}

#[test]
fn a_custom_op_with_a_right_backward_passes_and_a_wrong_one_is_diagnosed() {
    let device = device();
    device.seed(11);
    let x = Tensor::<2>::random([8, 5], Distribution::Normal(0.0, 1.0), &device);
    let w = Tensor::<2>::random([5, 3], Distribution::Normal(0.0, 0.5), &device);
    let r = Tensor::<2>::random([8, 3], Distribution::Normal(0.0, 1.0), &device);
    let inputs = [Input::new(&x).named("X"), Input::new(&w).named("W")];
    for slipped in [false, true] {
        let f = |xs: &Inputs| (op::tanh_matmul(xs.get::<2>(0), xs.get::<2>(1), slipped) * xs.constant(&r)).sum();
        let report = GradCheck::new().check_fn(&inputs, f).unwrap();
        assert_eq!(report.rows.iter().map(|r| r.param.as_str()).collect::<Vec<_>>(), ["X", "W"]);
        for row in &report.rows {
            assert_eq!((row.against, row.precision), (Witness::FiniteDifferences, Precision::F64));
            // X has 40 entries, W 15: both matrices, each its share of the 200 samples, all.
            assert_eq!(row.errors.entries, if row.param == "X" { 40 } else { 15 });
            if slipped {
                // Y² − 1 = −(1 − Y²): the right gradient with its sign flipped, in both inputs.
                assert_eq!(row.verdict, Verdict::Fail, "{report}");
                let Some(Relation::Scaled { factor }) = row.why else { panic!("{report}") };
                assert!((factor + 1.0).abs() < 1e-6, "{factor}");
            } else {
                assert_eq!(row.verdict, Verdict::Pass, "{report}");
                assert!(row.errors.max_rel <= 1e-6, "{report}");
            }
        }
        if slipped {
            assert!(report.to_string().contains("the right gradient with its sign flipped"), "{report}");
        }
    }
}

/// f(x, w) = Σ sin(x) ⊙ w with w broadcast over x's rows; ∂f/∂x = cos(x) ⊙ w, ∂f/∂w = Σ rows of sin(x).
fn sin_weighted(xs: &Inputs) -> Tensor<1> {
    (xs.get::<2>(0).sin() * xs.get::<1>(1).unsqueeze()).sum()
}

#[test]
fn a_plain_functions_hand_written_gradient_is_checked_and_a_transposed_one_named() {
    let device = device();
    let x = Tensor::<2>::from_floats([[0.5, -1.0, 2.0], [0.25, 1.5, -0.75]], &device);
    let w = Tensor::<1>::from_floats([1.5, -0.5, 2.0], &device);
    let inputs = [Input::new(&x).named("x"), Input::new(&w).named("w")];
    let right = |xs: &Inputs| {
        let (x, w) = (xs.get::<2>(0), xs.get::<1>(1));
        vec![(x.clone().cos() * w.unsqueeze()).into_data(), x.sin().sum_dim(0).reshape([-1]).into_data()]
    };
    let report = GradCheck::new().check_fn_hand_written(&inputs, sin_weighted, right).unwrap();
    assert_eq!(report.rows.len(), 4);
    assert_eq!(rows_against(&report.rows, Witness::Autodiff).len(), 2);
    assert!(report.passed(), "{report}");
    // ∂f/∂x transposed: 3 × 2 where 2 × 3 is right.
    let transposed = |xs: &Inputs| {
        let (x, w) = (xs.get::<2>(0), xs.get::<1>(1));
        vec![(x.clone().cos() * w.unsqueeze()).transpose().into_data(), x.sin().sum_dim(0).reshape([-1]).into_data()]
    };
    let report = GradCheck::new().check_fn_hand_written(&inputs, sin_weighted, transposed).unwrap();
    let (autodiff, differences) = (rows_against(&report.rows, Witness::Autodiff), rows_against(&report.rows, Witness::FiniteDifferences));
    let (x_auto, x_fd) = (autodiff[0], differences[0]);
    assert_eq!((x_auto.param.as_str(), x_auto.verdict), ("x", Verdict::Fail));
    assert_eq!(x_auto.why, Some(Relation::Transposed), "{report}");
    assert_eq!(x_fd.why, Some(Relation::Shape { theirs: vec![3, 2], expected: vec![2, 3] }), "{report}");
    assert!(report.rows.iter().filter(|r| r.param == "w").all(|r| r.passed), "{report}");
}

#[test]
fn three_verdicts_in_f32_and_f64() {
    let t = Tolerances::default();
    for precision in [Precision::F32, Precision::F64] {
        let tol = t.of(precision);
        let right = [0.5, -2.0, 1.25];
        let off = right.map(|g| g * (1.0 + 10.0 * tol.rel));
        assert_eq!(judge(&right, &right, tol, t.control).1, Verdict::Pass, "{precision}");
        assert_eq!(judge(&off, &right, tol, t.control).1, Verdict::Fail, "{precision}");
        // Twice the right gradient, but every difference below the floor: never a pass.
        let tiny = right.map(|g| g * tol.floor / 10.0);
        let doubled = tiny.map(|g| 2.0 * g);
        assert_eq!(judge(&doubled, &tiny, tol, t.control).1, Verdict::Inconclusive(Inconclusive::BelowFloor), "{precision}");
    }
    // Within f32's relative tolerance is a failure in f64.
    let (a, b) = ([1.0, 2.0], [1.0 + 1e-4, 2.0]);
    assert_eq!(judge(&a, &b, t.f32, t.control).1, Verdict::Pass);
    assert_eq!(judge(&a, &b, t.f64, t.control).1, Verdict::Fail);
}

#[test]
fn the_verdicts_know_the_precision_of_the_comparison() {
    let device = device();
    let x = Tensor::<1>::from_floats([0.5, -1.0, 2.0, 1.5], &device);
    let inputs = [Input::new(&x).named("x")];
    // f = c Σ x² with ∂f/∂x written 4 c x, twice the right 2 c x.
    let check = |c: f64, factor: f64| {
        let f = move |xs: &Inputs| xs.get::<1>(0).powi_scalar(2).sum().mul_scalar(c);
        let grad = move |xs: &Inputs| vec![xs.get::<1>(0).mul_scalar(factor * c).into_data()];
        GradCheck::new().check_fn_hand_written(&inputs, f, grad).unwrap()
    };
    let verdicts = |c: f64, factor: f64| {
        let report = check(c, factor);
        [Witness::Autodiff, Witness::FiniteDifferences].map(|w| rows_against(&report.rows, w)[0].verdict)
    };
    let below_floor = Verdict::Inconclusive(Inconclusive::BelowFloor);
    // Right, with entries near 10³: passes in f32 and in f64 (an absolute 10⁻⁶ failed it).
    assert_eq!(verdicts(300.0, 2.0), [Verdict::Pass, Verdict::Pass]);
    // Wrong, entries near 1: fails in both.
    assert_eq!(verdicts(1.0, 4.0), [Verdict::Fail, Verdict::Fail]);
    // Wrong, entries near 10⁻⁸: below f32's floor (10⁻⁶), well above f64's (10⁻¹⁰).
    assert_eq!(verdicts(1e-8, 4.0), [below_floor, Verdict::Fail]);
    // Wrong, entries near 10⁻¹³: below both floors. Never a pass.
    assert_eq!(verdicts(1e-13, 4.0), [below_floor, below_floor]);
    let report = check(1e-13, 4.0);
    assert!(report.to_string().contains("cannot be told right or wrong in f64"), "{report}");
    assert_eq!(report.verdict(), below_floor);
}

#[test]
fn the_negative_control_makes_a_degenerate_point_inconclusive() {
    let device = device();
    // f = Σ x² at x = 0 (a flat point): the right 2x and the wrong 4x are both zero there.
    let zero = Tensor::<1>::zeros([4], &device);
    let f = |xs: &Inputs| xs.get::<1>(0).powi_scalar(2).sum();
    for factor in [2.0, 4.0] {
        let grad = move |xs: &Inputs| vec![xs.get::<1>(0).mul_scalar(factor).into_data()];
        let report = GradCheck::new().check_fn_hand_written(&[Input::new(&zero)], f, grad).unwrap();
        for row in &report.rows {
            assert_eq!(row.verdict, Verdict::Inconclusive(Inconclusive::ControlPasses), "{report}");
            assert_eq!(row.param, "input 0");
        }
        assert!(report.to_string().contains("a degenerate point"), "{report}");
        assert!(report.to_string().contains("would pass in 2 (inconclusive)"), "{report}");
    }
    // Away from it, the wrong one fails.
    let x = Tensor::<1>::from_floats([0.5, -1.0, 2.0, 1.5], &device);
    let grad = |xs: &Inputs| vec![xs.get::<1>(0).mul_scalar(4.0).into_data()];
    let report = GradCheck::new().check_fn_hand_written(&[Input::new(&x)], f, grad).unwrap();
    assert!(report.rows.iter().all(|r| r.verdict == Verdict::Fail), "{report}");
}

/// A layer of 1024 × 1024 weights and 1024 biases: 1 049 600 parameters.
fn million(device: &Device) -> (Linear, Tensor<2>) {
    device.seed(3);
    let layer = LinearConfig::new(1024, 1024).init(device);
    let x = Tensor::<2>::random([4, 1024], Distribution::Normal(0.0, 1.0), device);
    (layer, x)
}

#[test]
fn the_fast_mode_checks_a_million_parameters_and_falls_back_to_entries_when_wrong() {
    let device = device();
    let (layer, x) = million(&device);
    assert_eq!(layer.num_params(), 1_049_600);
    // L = mean((x W + b)²) over its 4 × 1024 entries.
    let loss = |m: &Linear, at: &At| m.forward(at.input(&x)).powi_scalar(2).mean();
    let report = GradCheck::new().fast(1).check(&layer, loss).unwrap();
    assert_eq!(report.rows.len(), 2, "{report}");
    assert!(report.rows.iter().all(|r| r.against == Witness::Direction && r.passed), "{report}");

    // By hand, with the 2 of d(y²)/dy forgotten: ∂L/∂W = xᵀ y / n, ∂L/∂b = Σ rows of y / n.
    let half = |m: &Linear, at: &At| {
        let x = at.input(&x);
        let y = m.forward(x.clone()).div_scalar(4.0 * 1024.0);
        let mut grads = GradientsParams::new();
        grads.register(m.weight.id, x.transpose().matmul(y.clone()));
        grads.register(m.bias.as_ref().unwrap().id, y.sum_dim(0).reshape([-1]));
        grads
    };
    let report = GradCheck::new().fast(1).samples(20).check_hand_written(&layer, loss, half).unwrap();
    let fd: Vec<_> = report.rows.iter().filter(|r| r.against != Witness::Autodiff).collect();
    let kinds: Vec<_> = fd.iter().map(|r| (r.param.as_str(), r.against)).collect();
    assert_eq!(
        kinds,
        [
            ("weight", Witness::Direction),
            ("weight", Witness::FiniteDifferences),
            ("bias", Witness::Direction),
            ("bias", Witness::FiniteDifferences)
        ],
        "{report}"
    );
    for row in fd {
        assert_eq!(row.verdict, Verdict::Fail, "{report}");
        if row.against == Witness::FiniteDifferences {
            let Some(Relation::Scaled { factor }) = row.why else { panic!("{report}") };
            assert!((factor - 0.5).abs() < 1e-6, "{factor}");
        }
    }
}

#[test]
#[should_panic(expected = "the loss gave up on its third call")]
fn a_panic_in_the_loss_is_raised_with_its_message() {
    let device = device();
    let x = Tensor::<1>::from_floats([0.5, -1.0], &device);
    // Call 1 is autodiff's (this thread); calls 2 and on are finite differences, on workers.
    let calls = AtomicUsize::new(0);
    let f = |xs: &Inputs| {
        let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
        assert!(n < 3, "the loss gave up on its third call");
        xs.get::<1>(0).sum()
    };
    let _ = GradCheck::new().check_fn(&[Input::new(&x)], f);
}

#[test]
fn a_missing_gradient_is_an_error_not_a_panic() {
    let device = device();
    let x = Tensor::<1>::from_floats([0.5, -1.0], &device);
    let y = x.clone();
    let f = |xs: &Inputs| (xs.get::<1>(0) * xs.get::<1>(1)).sum();
    let one = |xs: &Inputs| vec![xs.get::<1>(1).into_data()];
    let err = GradCheck::new().check_fn_hand_written(&[Input::new(&x), Input::new(&y).named("y")], f, one).unwrap_err();
    assert_eq!(err, Error::NoGradient { param: "y".into() });
    assert_eq!(err.to_string(), "no gradient for parameter y");
    // Entries chosen for a name no input has, or past an input's end.
    let err = GradCheck::new().entries("z", [0]).check_fn(&[Input::new(&x)], f).unwrap_err();
    assert_eq!(err.to_string(), "entries chosen for z, which no parameter is named");
    let err = GradCheck::new().entries("input 0", [1, 2]).check_fn(&[Input::new(&x), Input::new(&y)], f).unwrap_err();
    assert_eq!(err, Error::Entries { param: "input 0".into(), index: Some(2) });
}

#[test]
fn a_losss_autodiff_is_checked_as_a_function_of_its_weights() {
    use burn::tensor::Int;
    use burn::tensor::activation::log_softmax;
    let device = device();
    device.seed(5);
    // Logistic regression: L(W, b) = −Σ y* ⊙ log softmax(X W + b) / n, n = 6 rows, 4 features, 3 classes.
    let x = Tensor::<2>::random([6, 4], Distribution::Normal(0.0, 1.0), &device);
    let labels = Tensor::<1, Int>::from_ints([0, 2, 1, 1, 0, 2], &device);
    let y_star = labels.one_hot::<2>(3).float();
    let w = Tensor::<2>::random([4, 3], Distribution::Normal(0.0, 0.1), &device);
    let b = Tensor::<1>::random([3], Distribution::Normal(0.0, 0.1), &device);
    let loss = |xs: &Inputs| {
        let scores = xs.constant(&x).matmul(xs.get::<2>(0)) + xs.get::<1>(1).unsqueeze();
        (xs.constant(&y_star) * log_softmax(scores, 1)).sum().neg().div_scalar(6.0)
    };
    // Five weights chosen, as the lab's witness chooses inked pixels.
    let inputs = [Input::new(&w).named("W"), Input::new(&b).named("b")];
    let report = GradCheck::new().entries("W", [0, 4, 5, 9, 11]).check_fn(&inputs, loss).unwrap();
    assert!(report.passed(), "{report}");
    // The 5 weights chosen, every bias.
    assert_eq!(report.rows.iter().map(|r| r.errors.entries).collect::<Vec<_>>(), [5, 3]);
    // Five-point differences in f64 (ε = 10⁻³) are right to ~10⁻¹² here; entries near zero are
    // measured against 10⁻³ of the largest, which makes that ~10⁻⁸ of relative error.
    let worst = report.rows.iter().map(|r| r.errors.max_rel).fold(0.0, f64::max);
    assert!(worst < 1e-7, "{worst}");
}
