//! Each slip of the catalog (lesson::slips), written as a student's wrong answer
//! (tests/fixtures/wrong.rs), is diagnosed by name, in English and in French; the lab's own
//! softmax passes with its warning; a `todo!()`, a shape that does not fit, a NaN and a wrong
//! answer no slip explains each end in one clear verdict.

use burn::tensor::Tensor;
use lab_checker::answers::{Exo1, Exo2};
use lab_checker::check::{self, Cases, Finding, Verdict};
use lesson::backend::Backend;
use lesson::data::{PIXELS, Split};
use lesson::shuffle::SplitMix64;
use lesson::slips::{CATALOG, Lang, Severity, Slip};

#[path = "fixtures/wrong.rs"]
mod wrong;

const EN: Lang = Lang::En;

/// The key's functions the tests write around.
fn key1() -> Exo1 {
    Exo1::solution()
}

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

#[test]
fn the_solution_passes_every_check() {
    let cases = cases();
    let one = check::exo1(&Exo1::solution(), &cases, EN);
    assert!(one.iter().all(|f| matches!(f.verdict, Verdict::Right { .. } | Verdict::Answered)), "{}", last(&one).render(EN));
    assert_eq!(one.len(), 9);
    let two = check::exo2(&Exo2::solution(), &cases, EN);
    assert!(two.iter().all(Finding::passed), "{}", last(&two).render(EN));
}

/// The finding that names `slip`: a slip stops the checks there (the last finding, not
/// passed); a warning is said and the checks go on.
fn named(findings: &[Finding], slip: Slip) -> &Finding {
    let f = findings.iter().find(|f| f.slip().is_some()).unwrap_or_else(|| last(findings));
    assert_eq!(f.slip(), Some(slip), "{slip:?} was diagnosed as:\n{}", f.render(EN));
    match slip.row().severity {
        Severity::Slip => assert!(!f.passed() && std::ptr::eq(f, last(findings)), "{}", f.render(EN)),
        Severity::Warning => assert!(f.passed() && findings.iter().all(Finding::passed), "{}", f.render(EN)),
    }
    f
}

/// Each slip's diagnosis says its name, what it is and the equation to reread, in both
/// languages.
fn says_it_in_both_languages(f: &Finding, slip: Slip, mut render: impl FnMut(Lang) -> String) {
    let row = slip.row();
    for lang in Lang::ALL {
        let text = render(lang);
        assert!(text.contains(&format!("`{}`", row.name)), "{text}");
        assert!(text.contains(row.what.get(lang)) && text.contains(row.reread.get(lang)), "{lang:?}:\n{text}");
    }
    assert_ne!(render(Lang::En), render(Lang::Fr), "{}", f.render(EN));
}

#[test]
fn each_slip_of_exercise_1_is_named_in_both_languages() {
    let cases = cases();
    for (slip, answers) in wrong::exo1() {
        let findings = check::exo1(&answers, &cases, EN);
        let f = named(&findings, slip);
        says_it_in_both_languages(f, slip, |lang| {
            let findings = check::exo1(&answers, &cases, lang);
            findings.iter().find(|f| f.slip().is_some()).map(|f| f.render(lang)).unwrap_or_default()
        });
    }
}

#[test]
fn each_slip_of_exercise_2_is_named_in_both_languages() {
    let cases = cases();
    for (slip, answers) in wrong::exo2() {
        let findings = check::exo2(&answers, &cases, EN);
        let f = named(&findings, slip);
        says_it_in_both_languages(f, slip, |lang| last(&check::exo2(&answers, &cases, lang)).render(lang));
    }
}

#[test]
fn every_slip_of_the_catalog_has_a_wrong_answer_that_shows_it() {
    let shown: Vec<Slip> = wrong::exo1().iter().map(|(s, _)| *s).chain(wrong::exo2().iter().map(|(s, _)| *s)).collect();
    for row in CATALOG {
        assert!(shown.contains(&row.slip), "{} has no wrong answer in tests/fixtures/wrong.rs", row.name);
    }
}

#[test]
fn the_labs_own_softmax_passes_with_its_warning() {
    let answers = Exo1 {
        softmax: |s| {
            let e = s.exp(); //                                    E = np.exp(X)
            e.clone() / e.sum_dim(1) //                            (E.T / np.sum(E, axis=1)).T
        },
        ..key1()
    };
    let findings = check::exo1(&answers, &cases(), EN);
    assert!(findings.iter().all(Finding::passed), "{}", last(&findings).render(EN));
    let softmax = findings.iter().find(|f| f.item == "softmax").unwrap();
    let Verdict::RightWithWarning { slip: Slip::SoftmaxNoMaxShift, seen, .. } = &softmax.verdict else { panic!("{}", softmax.render(EN)) };
    assert_eq!(seen, "on scores in the hundreds (up to ±800): Ŷ is NaN or infinite where e^s overflows");
    let text = softmax.render(EN);
    assert!(text.starts_with("ok    exercise 1 · softmax (eq. (1)): right for this lab, with a warning"), "{text}");
    assert!(text.contains("warning `softmax-no-max-shift`: this is the lab's own softmax"), "{text}");
    let fr = check::exo1(&answers, &cases(), Lang::Fr).into_iter().find(|f| f.item == "softmax").unwrap().render(Lang::Fr);
    assert!(fr.contains("juste pour ce TP, avec un avertissement") && fr.contains("avertissement `softmax-no-max-shift` : c'est la softmax du TP"), "{fr}");
}

#[test]
fn every_question_of_the_lab_is_asked_and_explained() {
    let cases = cases();
    let items: Vec<&str> = check::exo1(&key1(), &cases, EN).iter().map(|f| f.item).collect();
    for q in ["IMAGE_SPACE_DIMENSION", "NUMBER_OF_PARAMETERS", "COST_IS_CONVEX", "CONVERGES_TO_GLOBAL_MINIMUM", "delta_y"] {
        assert!(items.contains(&q), "{q} is not asked: {items:?}");
    }
    let not_yet = Exo1 { cost_is_convex: None, ..key1() };
    assert!(matches!(last(&check::exo1(&not_yet, &cases, EN)).verdict, Verdict::NotAnswered));
    let wrong = Exo1 { cost_is_convex: Some(false), ..key1() };
    let f = last(&check::exo1(&wrong, &cases, EN)).clone();
    let Verdict::WrongAnswer { given, why } = &f.verdict else { panic!("{}", f.render(EN)) };
    assert_eq!(given, "Some(false)");
    assert!(why.starts_with("it is convex: one image's cross-entropy is log Σ_c e^(s_c) − s_{c*}"), "{why}");
    let wrong = Exo1 { converges_to_global_minimum: Some(false), ..key1() };
    let f = last(&check::exo1(&wrong, &cases, Lang::Fr)).clone();
    assert!(f.render(Lang::Fr).contains("Some(false) n'est pas la bonne réponse — oui : (3) est convexe"), "{}", f.render(Lang::Fr));
}

#[test]
fn delta_y_is_checked_against_autodiff_before_the_gradients() {
    let answers = Exo1 { delta_y: |y_hat, y_star| y_star - y_hat, ..key1() };
    let findings = check::exo1(&answers, &cases(), EN);
    let f = last(&findings);
    assert_eq!((f.item, f.slip()), ("delta_y", Some(Slip::Sign)), "{}", f.render(EN));
    assert!(!findings.iter().any(|f| f.item == "gradients"));
}

#[test]
fn an_update_off_by_a_factor_is_said_of_the_step() {
    let answers = Exo1 { update: |w, b, gw, gb, eta| (w - gw.mul_scalar(eta / 10.0), b - gb.mul_scalar(eta / 10.0)), ..key1() };
    let f = last(&check::exo1(&answers, &cases(), EN)).clone();
    let text = f.render(EN);
    assert!(text.contains("the step taken, new W − old W, is wrong: 1/10 × the right one."), "{text}");
    assert!(!text.contains("the new W is"), "{text}");
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
    let answers = Exo1 { softmax: skeleton::softmax, file: "tests/slips.rs", source: include_str!("slips.rs"), ..key1() };
    let findings = check::exo1(&answers, &cases(), EN);
    let f = last(&findings);
    assert!(matches!(f.verdict, Verdict::NotWritten), "{}", f.render(EN));
    let line = lab_checker::answers::line_of(include_str!("slips.rs"), "softmax").unwrap();
    // The todo!() is on the line after the signature.
    assert_eq!(f.line, Some(line + 1), "{}", f.render(EN));
    assert!(f.render(EN).contains(&format!("not written yet: replace the todo!() at line {}", line + 1)), "{}", f.render(EN));
}

#[test]
fn a_product_that_does_not_fit_says_which_shapes_and_no_panic_escapes() {
    let answers = Exo1 {
        forward: |x, w, b| (key1().softmax)(w.matmul(x) + b.unsqueeze()), // W X
        ..key1()
    };
    let findings = check::exo1(&answers, &cases(), EN);
    let f = last(&findings);
    let Verdict::Crashed { message, slip: None } = &f.verdict else { panic!("{}", f.render(EN)) };
    assert!(message.starts_with("a product does not fit: [784, 10] × [100, 784]"), "{message}");
    assert_eq!(f.render(EN).lines().count(), 3, "{}", f.render(EN));
}

#[test]
fn a_wrong_shape_says_the_expected_one() {
    let answers = Exo1 { forward: |x, w, b| (key1().forward)(x, w, b).transpose(), ..key1() };
    let f = last(&check::exo1(&answers, &cases(), EN)).clone();
    assert!(matches!(&f.verdict, Verdict::Shape { theirs, expected, .. } if theirs == &[10, 100] && expected == &[100, 10]), "{}", f.render(EN));
}

#[test]
fn a_nan_is_said_with_where() {
    let answers = Exo1 {
        gradients: |x, y_star, y_hat| {
            let (w, b) = (key1().gradients)(x, y_star, y_hat);
            (w.clone() / w.zeros_like(), b) // 0/0 where the pixel is always dark
        },
        ..key1()
    };
    let f = last(&check::exo1(&answers, &cases(), EN)).clone();
    assert!(matches!(&f.verdict, Verdict::Wrong { relation: burn_gradcheck::Relation::NotFinite { .. }, .. }), "{}", f.render(EN));
    assert!(f.render(EN).contains("NaN"), "{}", f.render(EN));
}

#[test]
fn what_no_slip_explains_is_said_honestly_with_the_worst_entry() {
    let answers = Exo1 {
        gradients: |x, y_star, y_hat| {
            let (w, b) = (key1().gradients)(x, y_star, y_hat);
            let bump = Tensor::<1>::from_data([0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], (&b.device(), b.dtype()));
            (w, b + bump)
        },
        ..key1()
    };
    let f = last(&check::exo1(&answers, &cases(), EN)).clone();
    let Verdict::Wrong { relation: burn_gradcheck::Relation::Unexplained { index, .. }, output, .. } = &f.verdict else { panic!("{}", f.render(EN)) };
    assert_eq!((*index, output.as_str()), (3, "∂L/∂b"));
    assert!(f.render(EN).contains("No slip we know of explains it"), "{}", f.render(EN));
}

#[test]
fn a_hidden_layer_gone_wrong_is_named_from_the_layer_on() {
    let answers = Exo2 {
        gradients: |x, y_star, h, y_hat, w_y| {
            let g = (Exo2::solution().gradients)(x, y_star, h, y_hat, w_y);
            let odd = g.w_h.clone().powi_scalar(3).mul_scalar(1e3);
            lab::exo2::MlpGradients { w_h: g.w_h + odd, ..g }
        },
        ..Exo2::solution()
    };
    let f = last(&check::exo2(&answers, &cases(), EN)).clone();
    let Verdict::Wrong { from_layer: Some(layers), .. } = &f.verdict else { panic!("{}", f.render(EN)) };
    assert!(layers.starts_with("right in output, wrong from hidden on"), "{layers}");
}

#[test]
fn wrong_answers_to_the_questions_are_explained() {
    let answers = Exo1 { number_of_parameters: 7840, ..key1() };
    let f = last(&check::exo1(&answers, &cases(), EN)).clone();
    let Verdict::WrongAnswer { why, .. } = &f.verdict else { panic!("{}", f.render(EN)) };
    assert!(why.contains("the 10 biases b are parameters too"), "{why}");
    let answers = Exo1 { image_space_dimension: 28, ..key1() };
    assert!(matches!(&last(&check::exo1(&answers, &cases(), EN)).verdict, Verdict::WrongAnswer { .. }));
}
