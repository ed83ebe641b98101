//! The suite's power, measured: the built-in backend with one deliberate
//! code-generation fault at a time (`backend::codegen::Mutation`) runs the
//! suite; a mutant is caught by every case that passes on the real backend
//! and fails on the mutant. Every mutant must be caught by at least one case.

use rayon::prelude::*;

use crate::case::Case;
use crate::engine::{Engine, Mutant};
use crate::runner::{run_case, Verdict};
use backend::codegen::Mutation;

/// Which cases catch one mutant.
#[derive(Clone, Debug)]
pub struct MutantResult {
    pub mutation: Mutation,
    /// Names of the catching cases, in name order.
    pub caught_by: Vec<String>,
    pub cases_run: usize,
}

/// Whether `case` fails on the engine (any verdict but pass or skipped).
fn fails_on(case: &Case, name: &str, engine: Box<dyn Engine>) -> bool {
    let objs: Vec<Result<Box<dyn Engine>, String>> = vec![Ok(engine)];
    run_case(case, &[name.to_string()], &objs)
        .first()
        .is_some_and(|r| !matches!(r.verdict, Verdict::Pass | Verdict::Skipped { .. }))
}

/// Whether `case` catches `mutation` (fails on the mutant); use it on
/// cases that pass on the real backend ([`baseline`]).
pub fn catches(case: &Case, mutation: Mutation) -> bool {
    fails_on(case, mutation.name(), Box::new(Mutant(mutation)))
}

/// The cases that pass on the real a64 backend: only these can catch a mutant.
pub fn baseline<'a>(cases: &[&'a Case]) -> Vec<&'a Case> {
    cases
        .par_iter()
        .filter(|c| !fails_on(c, "a64", Box::new(crate::engine::A64)))
        .copied()
        .collect()
}

/// Run every passing case against every mutant.
pub fn check_all(cases: &[&Case]) -> Vec<MutantResult> {
    let cases = baseline(cases);
    Mutation::ALL
        .iter()
        .map(|&m| {
            let mut caught_by: Vec<String> = cases
                .par_iter()
                .filter(|c| catches(c, m))
                .map(|c| c.name.clone())
                .collect();
            caught_by.sort();
            MutantResult {
                mutation: m,
                caught_by,
                cases_run: cases.len(),
            }
        })
        .collect()
}

/// The first case (in the given order) that catches `mutation`, searching in parallel.
pub fn first_catch<'a>(cases: &[&'a Case], mutation: Mutation) -> Option<&'a Case> {
    cases
        .par_iter()
        .find_first(|c| catches(c, mutation))
        .copied()
}
