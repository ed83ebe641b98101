//! The suite's power: every deliberate fault of the built-in backend
//! (`backend::codegen::Mutation`) is caught by at least one case that
//! passes on the real backend. `cintcheck mutants` lists all catching cases.

use std::path::Path;

use backend::codegen::Mutation;
use cintcheck::case;
use cintcheck::mutants::{baseline, first_catch};

#[test]
fn every_mutant_is_caught_by_some_case() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../cases");
    let mut cases = Vec::new();
    for file in case::discover(std::slice::from_ref(&root)) {
        cases.extend(case::read_file(&root, &file).unwrap_or_default());
    }
    let all: Vec<&case::Case> = cases.iter().collect();
    let passing = baseline(&all);
    assert!(!passing.is_empty(), "no case passes on the a64 backend");
    let mut missed = Vec::new();
    for m in Mutation::ALL {
        match first_catch(&passing, m) {
            Some(c) => eprintln!("{:<40} caught by {}", m.name(), c.name),
            None => missed.push(m.name()),
        }
    }
    assert!(missed.is_empty(), "mutants no case catches: {missed:?}");
}
