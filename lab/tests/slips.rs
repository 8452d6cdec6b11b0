//! Each slip of the catalog, written as a student's wrong answer (lab/src/wrong.rs), is
//! diagnosed by name; a `todo!()`, a shape that does not fit, a NaN and a wrong answer no slip
//! explains each end in one clear verdict.

use burn::tensor::Tensor;
use lab::answers::{Exo1, Exo2};
use lab::check::{self, Cases, Finding, Verdict};
use lab::slips::Slip;
use lesson::backend::Backend;
use lesson::data::{PIXELS, Split};
use lesson::shuffle::SplitMix64;

/// 138 images of random pixels (the diagnosis does not depend on the data).
fn cases() -> Cases {
    let mut rng = SplitMix64::new(11);
    let pixels: Vec<u8> = (0..138 * PIXELS).map(|_| if rng.below(4) == 0 { rng.below(256) as u8 } else { 0 }).collect();
    let labels: Vec<u8> = (0..138).map(|_| rng.below(10) as u8).collect();
    let device = Backend::Ndarray.device();
    device.seed(5);
    Cases::new(&Split::new(pixels, labels), &device)
}

fn last(findings: &[Finding]) -> &Finding {
    findings.last().expect("at least one finding")
}

fn slip_of(finding: &Finding) -> Option<Slip> {
    match &finding.verdict {
        Verdict::Slip { slip, .. } => Some(*slip),
        Verdict::Crashed { slip, .. } => *slip,
        _ => None,
    }
}

#[test]
fn the_solution_passes_every_check() {
    let cases = cases();
    let one = check::exo1(&Exo1::solution(), &cases);
    assert!(one.iter().all(Finding::passed), "{}", last(&one));
    let two = check::exo2(&Exo2::solution(), &cases);
    assert!(two.iter().all(Finding::passed), "{}", last(&two));
}

#[test]
fn each_slip_of_exercise_1_is_named() {
    let cases = cases();
    for (slip, answers) in lab::wrong::exo1() {
        let findings = check::exo1(&answers, &cases);
        let f = last(&findings);
        assert_eq!(slip_of(f), Some(slip), "{slip:?} was diagnosed as:\n{f}");
        let text = f.to_string();
        assert!(text.contains(&format!("slip `{}`", slip.name())) && text.contains(slip.what()), "{text}");
    }
}

#[test]
fn each_slip_of_exercise_2_is_named() {
    let cases = cases();
    for (slip, answers) in lab::wrong::exo2() {
        let findings = check::exo2(&answers, &cases);
        let f = last(&findings);
        assert_eq!(slip_of(f), Some(slip), "{slip:?} was diagnosed as:\n{f}");
    }
}

#[test]
fn every_slip_of_the_catalog_has_a_wrong_answer_that_shows_it() {
    let shown: Vec<Slip> = lab::wrong::exo1().iter().map(|(s, _)| *s).chain(lab::wrong::exo2().iter().map(|(s, _)| *s)).collect();
    for slip in Slip::ALL {
        assert!(shown.contains(&slip), "{slip:?} has no wrong answer in lab/src/wrong.rs");
    }
}

/// exo1.rs's softmax as the student receives it: a copy, since the student's own file changes
/// as they do the lab (and `cargo test --release` must pass meanwhile).
mod skeleton {
    use burn::tensor::Tensor;

    pub fn softmax(_s: Tensor<2>) -> Tensor<2> {
        todo!()
    }
}

#[test]
fn a_todo_is_not_written_yet_with_its_line() {
    let answers = Exo1 { softmax: skeleton::softmax, file: "tests/slips.rs", source: include_str!("slips.rs"), ..Exo1::solution() };
    let findings = check::exo1(&answers, &cases());
    let f = last(&findings);
    assert!(matches!(f.verdict, Verdict::NotWritten), "{f}");
    let line = lab::answers::line_of(include_str!("slips.rs"), "softmax").unwrap();
    // The todo!() is on the line after the signature.
    assert_eq!(f.line, Some(line + 1), "{f}");
    assert!(f.to_string().contains(&format!("not written yet: replace the todo!() at line {}", line + 1)), "{f}");
}

#[test]
fn a_product_that_does_not_fit_says_which_shapes_and_no_panic_escapes() {
    let answers = Exo1 {
        forward: |x, w, b| lab::solution::softmax(w.matmul(x) + b.unsqueeze()), // W X
        ..Exo1::solution()
    };
    let findings = check::exo1(&answers, &cases());
    let f = last(&findings);
    let Verdict::Crashed { message, slip: None } = &f.verdict else { panic!("{f}") };
    assert!(message.starts_with("a product does not fit: [784, 10] × [100, 784]"), "{message}");
    assert_eq!(f.to_string().lines().count(), 3, "{f}");
}

#[test]
fn a_wrong_shape_says_the_expected_one() {
    let answers = Exo1 { forward: |x, w, b| lab::solution::forward(x, w, b).transpose(), ..Exo1::solution() };
    let f = last(&check::exo1(&answers, &cases())).clone();
    assert!(matches!(&f.verdict, Verdict::Shape { theirs, expected, .. } if theirs == &[10, 100] && expected == &[100, 10]), "{f}");
}

#[test]
fn a_nan_is_said_with_where() {
    let answers = Exo1 {
        gradients: |x, y_star, y_hat| {
            let (w, b) = lab::solution::gradients(x, y_star, y_hat);
            (w.clone() / w.zeros_like(), b) // 0/0 where the pixel is always dark
        },
        ..Exo1::solution()
    };
    let f = last(&check::exo1(&answers, &cases())).clone();
    assert!(matches!(&f.verdict, Verdict::Wrong { relation: burn_gradcheck::Relation::NotFinite { .. }, .. }), "{f}");
    assert!(f.to_string().contains("NaN"), "{f}");
}

#[test]
fn what_no_slip_explains_is_said_honestly_with_the_worst_entry() {
    let answers = Exo1 {
        gradients: |x, y_star, y_hat| {
            let (w, b) = lab::solution::gradients(x, y_star, y_hat);
            let bump = Tensor::<1>::from_data([0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], (&b.device(), b.dtype()));
            (w, b + bump)
        },
        ..Exo1::solution()
    };
    let f = last(&check::exo1(&answers, &cases())).clone();
    let Verdict::Wrong { relation: burn_gradcheck::Relation::Unexplained { index, .. }, output, .. } = &f.verdict else { panic!("{f}") };
    assert_eq!((*index, output.as_str()), (3, "∂L/∂b"));
    assert!(f.to_string().contains("No slip we know of explains it"), "{f}");
}

#[test]
fn a_hidden_layer_gone_wrong_is_named_from_the_layer_on() {
    let answers = Exo2 {
        gradients: |x, y_star, h, y_hat, w_y| {
            let g = lab::solution::gradients2(x, y_star, h, y_hat, w_y);
            let odd = g.w_h.clone().powi_scalar(3).mul_scalar(1e3);
            lab::exo2::MlpGradients { w_h: g.w_h + odd, ..g }
        },
        ..Exo2::solution()
    };
    let f = last(&check::exo2(&answers, &cases())).clone();
    let Verdict::Wrong { from_layer: Some(layers), .. } = &f.verdict else { panic!("{f}") };
    assert!(layers.starts_with("right in output, wrong from hidden on"), "{layers}");
}

#[test]
fn wrong_answers_to_the_questions_are_explained() {
    let answers = Exo1 { number_of_parameters: 7840, ..Exo1::solution() };
    let f = last(&check::exo1(&answers, &cases())).clone();
    let Verdict::WrongAnswer { why, .. } = &f.verdict else { panic!("{f}") };
    assert!(why.contains("the 10 biases b are parameters too"), "{why}");
    let answers = Exo1 { image_space_dimension: 28, ..Exo1::solution() };
    assert!(matches!(&last(&check::exo1(&answers, &cases())).verdict, Verdict::WrongAnswer { .. }));
}
