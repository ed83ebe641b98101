//! The Cintcode level of the a64 engine: every case with level =
//! "cintcode" passes on it, and every deliberate fault of its translator
//! (`backend::cintcode::Mutation`, engines `a64-mutant:cintcode-NAME`) is
//! caught by some Cintcode case that passes on the real translator.

use std::path::Path;

use backend::cintcode::Mutation;
use cintcheck::case::{self, Case, Level};
use cintcheck::engine::{CintcodeMutant, Engine, A64};
use cintcheck::runner::{run_case, Verdict};

fn cintcode_cases() -> Vec<Case> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../cases");
    let mut cases = Vec::new();
    for file in case::discover(std::slice::from_ref(&root)) {
        cases.extend(case::read_file(&root, &file).unwrap_or_default());
    }
    cases.retain(|c| c.level == Level::Cintcode);
    cases
}

/// The verdict of `case` on the engine (judged against the expectations
/// and the reference).
fn verdict(case: &Case, name: &str, engine: Box<dyn Engine>) -> Verdict {
    let objs: Vec<Result<Box<dyn Engine>, String>> = vec![Ok(engine)];
    run_case(case, &[name.to_string()], &objs)
        .into_iter()
        .next()
        .map(|r| r.verdict)
        .unwrap_or(Verdict::Pass)
}

/// Whether this build runs the Cintcode level of a64 (not on aarch64
/// hosts yet); says so when it does not.
fn level_runs(test: &str) -> bool {
    if !backend::cintcode::AVAILABLE {
        eprintln!("{test}: skipped: the a64 engine has no Cintcode level on this host");
    }
    backend::cintcode::AVAILABLE
}

fn passes(v: &Verdict) -> bool {
    matches!(v, Verdict::Pass | Verdict::Skipped { .. })
}

#[test]
fn every_cintcode_case_passes_on_a64() {
    if !level_runs("every_cintcode_case_passes_on_a64") {
        return;
    }
    let cases = cintcode_cases();
    assert!(!cases.is_empty(), "no Cintcode cases found");
    let mut failed = Vec::new();
    for c in &cases {
        let v = verdict(c, "a64", Box::new(A64));
        if !passes(&v) {
            failed.push(format!("{}: {v:?}", c.name));
        }
    }
    assert!(
        failed.is_empty(),
        "Cintcode cases failing on a64:\n{}",
        failed.join("\n")
    );
}

#[test]
fn every_cintcode_mutant_is_caught() {
    if !level_runs("every_cintcode_mutant_is_caught") {
        return;
    }
    let cases = cintcode_cases();
    let passing: Vec<&Case> = cases
        .iter()
        .filter(|c| passes(&verdict(c, "a64", Box::new(A64))))
        .collect();
    let mut missed = Vec::new();
    for m in Mutation::ALL {
        let catcher = passing
            .iter()
            .find(|c| !passes(&verdict(c, m.name(), Box::new(CintcodeMutant(m)))));
        match catcher {
            Some(c) => eprintln!("{:<45} caught by {}", m.name(), c.name),
            None => missed.push(m.name()),
        }
    }
    assert!(
        missed.is_empty(),
        "Cintcode mutants no case catches: {missed:?}"
    );
}

#[test]
fn cintcode_mutants_are_registered_engines() {
    if !level_runs("cintcode_mutants_are_registered_engines") {
        return;
    }
    for m in Mutation::ALL {
        let e = cintcheck::engine::engine_by_name(m.name()).expect("a registered engine");
        assert_eq!(e.name(), m.name());
    }
}
