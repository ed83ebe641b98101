//! Differential fuzzing as a test: seeded random programs agree exactly on
//! the reference and the a64 backend, and a deliberate backend fault is
//! found and reduced to a small ready case.

use backend::codegen::Mutation;
use cintcheck::engine::{Mutant, A64};
use cintcheck::fuzz::{as_case, disagreement, generate, reduce};

#[test]
fn random_programs_agree_on_both_engines() {
    for seed in 1..=300 {
        let (body, data) = generate(seed, 60);
        if let Some(d) = disagreement(&body, &data, &A64) {
            let reduced = reduce(&body, &data, &A64);
            panic!(
                "seed {seed}: {d}\n{}",
                as_case(seed, "a64", &reduced, &data, &d)
            );
        }
    }
}

#[test]
fn a_faulty_backend_is_found_and_reduced() {
    let mutant = Mutant(Mutation::TrueIsOne);
    let (seed, body, data) = (1..200)
        .find_map(|s| {
            let (b, d) = generate(s, 60);
            disagreement(&b, &d, &mutant).map(|_| (s, b, d))
        })
        .expect("the fuzzer finds TRUE = 1");
    let reduced = reduce(&body, &data, &mutant);
    assert!(
        disagreement(&reduced, &data, &mutant).is_some(),
        "seed {seed}: the reduced program still disagrees"
    );
    assert!(
        reduced.lines().count() <= 8,
        "seed {seed}: reduced to {} lines:\n{reduced}",
        reduced.lines().count()
    );
    let case = as_case(seed, "mutant", &reduced, &data, "detail");
    assert!(case.contains("[[case]]") && case.contains(&reduced));
}
