//! Declared deviations: named rules an adapter declares (`deviations = [...]`)
//! that turn a matching difference from the reference into the verdict
//! `deviation` instead of `mismatch`.
//!
//! Most rules are *models*: the reference semantics with one thing changed,
//! executed by the built-in a64 backend with the deliberate code-generation
//! change of the same name (`a64-mutant:NAME`, itself checked by
//! `cintcheck mutants`). A difference is that deviation exactly when the
//! candidate's outcome equals the model's, as far as the engine observes
//! it. A rule is *refuted* by a case where the model differs from the
//! reference but the candidate agrees with the reference.
//!
//! `div-zero-no-fault` is a predicate: the reference faults with code 5
//! (division by zero), the candidate does not fault, and everything it
//! printed before that point is the same.

use backend::codegen::Mutation;
use reference::{Ending, Outcome, RunConfig};

use crate::engine::{Observed, Sources};
use crate::runner::differ_with;

/// A deviation rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// Comparisons give 1, not -1, for true.
    TrueIsOne,
    /// `rsh` shifts in copies of the sign bit.
    ArithmeticRsh,
    /// Shift counts are taken modulo 64 (A64 and x86-64 hardware shifts).
    ShiftModulo64,
    /// Division and remainder by zero give 0 and do not fault.
    DivZeroIsZero,
    /// Division by zero does not fault (whatever it gives).
    DivZeroNoFault,
}

impl Rule {
    pub const ALL: [Rule; 5] = [
        Rule::TrueIsOne,
        Rule::ArithmeticRsh,
        Rule::ShiftModulo64,
        Rule::DivZeroIsZero,
        Rule::DivZeroNoFault,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Rule::TrueIsOne => "true-is-one",
            Rule::ArithmeticRsh => "arithmetic-rsh",
            Rule::ShiftModulo64 => "shift-modulo-64",
            Rule::DivZeroIsZero => "div-zero-is-zero",
            Rule::DivZeroNoFault => "div-zero-no-fault",
        }
    }

    pub fn named(s: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.name() == s)
    }

    /// The a64 code-generation change that models this rule.
    pub fn model(self) -> Option<Mutation> {
        match self {
            Rule::TrueIsOne => Some(Mutation::TrueIsOne),
            Rule::ArithmeticRsh => Some(Mutation::ArithmeticRsh),
            Rule::ShiftModulo64 => Some(Mutation::ShiftModulo64),
            Rule::DivZeroIsZero => Some(Mutation::DivZeroIsZero),
            Rule::DivZeroNoFault => None,
        }
    }
}

/// Run the model of `rules` (all with a model) on the a64 backend.
fn model_outcome(rules: &[Rule], programs: &Sources, config: &RunConfig) -> Outcome {
    let mut opts = backend::A64Options::default();
    for m in rules.iter().filter_map(|r| r.model()) {
        opts.codegen.mutations.insert(m);
    }
    backend::run_with(programs, config, None, &opts).outcome
}

/// Whether `candidate` equals `other` as far as `observed` goes.
fn same(observed: Observed, other: &Outcome, candidate: &Outcome, float_result: bool) -> bool {
    let v = observed.view(other);
    differ_with(
        crate::case::FloatPolicy::Bitwise,
        float_result,
        &v,
        candidate,
    )
    .is_none()
}

/// The declared rule(s) explaining the difference between `reference` (as
/// observed) and `candidate`, with a detail.
pub fn explain(
    rules: &[Rule],
    programs: &Sources,
    config: &RunConfig,
    reference_view: &Outcome,
    candidate: &Outcome,
    observed: Observed,
    float_result: bool,
) -> Option<(String, String)> {
    if rules.contains(&Rule::DivZeroNoFault) {
        if let Ending::Fault { code: 5, .. } = reference_view.ending {
            let printed = abort_prefix(&reference_view.stdout);
            if !matches!(candidate.ending, Ending::Fault { .. })
                && candidate.stdout.starts_with(printed)
            {
                return Some((
                    Rule::DivZeroNoFault.name().into(),
                    format!(
                        "the reference faults (division by zero); this engine did not fault ({})",
                        candidate.ending
                    ),
                ));
            }
        }
    }
    let modelled: Vec<Rule> = rules
        .iter()
        .copied()
        .filter(|r| r.model().is_some())
        .collect();
    let mut tries: Vec<Vec<Rule>> = modelled.iter().map(|r| vec![*r]).collect();
    if modelled.len() > 1 {
        tries.push(modelled.clone());
    }
    for t in tries {
        let model = model_outcome(&t, programs, config);
        if same(observed, &model, candidate, float_result) {
            let names: Vec<&str> = t.iter().map(|r| r.name()).collect();
            return Some((
                names.join("+"),
                format!(
                    "the outcome is the reference's with {} (reference {}, this engine {})",
                    names.join(" and "),
                    reference_view.ending,
                    candidate.ending
                ),
            ));
        }
    }
    None
}

/// The declared model rules a case refutes: the model differs from the
/// reference on it, yet the candidate agrees with the reference.
pub fn refuted(
    rules: &[Rule],
    programs: &Sources,
    config: &RunConfig,
    reference: &Outcome,
    observed: Observed,
    float_result: bool,
) -> Vec<String> {
    rules
        .iter()
        .filter(|r| r.model().is_some())
        .filter(|r| {
            let model = model_outcome(&[**r], programs, config);
            let rv = observed.view(reference);
            !same(observed, &model, &rv, float_result)
        })
        .map(|r| r.name().to_string())
        .collect()
}

/// stdout up to the `!! ABORT` message of a fault.
fn abort_prefix(stdout: &[u8]) -> &[u8] {
    let pat = b"\n!! ABORT";
    match stdout.windows(pat.len()).rposition(|w| w == pat) {
        Some(i) => &stdout[..i],
        None => stdout,
    }
}
