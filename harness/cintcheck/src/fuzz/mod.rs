//! Differential fuzzing: seeded random Sial programs run on the reference
//! interpreter (the oracle) and on another engine, which must agree on
//! everything the engine can observe; each disagreement is reduced and
//! written as a ready case for `cases/regressions/`.
//!
//! * [`generate`]: the structured generator (functions, loops, switches,
//!   calls, recursion, vectors, bytes, fields, floats, coroutines,
//!   level/longjump, output), over the typed walk of [`types`];
//! * [`features`]: swarm testing (each program draws a subset of features);
//! * [`reduce`]: delta debugging over functions, statements and
//!   instructions that keeps programs valid;
//! * [`telemetry`]: what a campaign covered;
//! * [`campaign`]: many programs against one engine, in parallel;
//! * [`flat`]: the first, straight-line generator (kept for its tests).

pub mod campaign;
pub mod features;
pub mod flat;
pub mod generate;
pub mod model;
pub mod reduce;
pub mod rng;
pub mod telemetry;
pub mod types;

pub use flat::{as_case, disagreement, generate, reduce, reduce_lines};
pub use rng::Rng;

use reference::{Ending, Outcome, RunConfig};

use crate::case::FloatPolicy;
use crate::engine::Engine;
use crate::runner::differ_with;
use model::Prog;

/// The run configuration of a generated program: small memory (fast to
/// set up), a step budget far above what generated programs need, and the
/// program's globals and statics compared at the end.
pub fn config(prog: &Prog, program: &sial::Program) -> RunConfig {
    RunConfig {
        stack_words: 20_000,
        memory_words: 120_000,
        step_limit: 400_000,
        capture_globals: prog.capture_globals(program),
        capture_statics: prog.capture_statics(program),
        ..RunConfig::default()
    }
}

/// What one program did on the reference and the engine.
#[derive(Clone, Debug)]
pub enum Verdict {
    /// The engine agreed.
    Agree,
    /// The reference run was stopped by the harness (step limit, wild
    /// access): the program means nothing the spec defines, so it is not
    /// compared. Generated programs should not do this; reduced ones may.
    Void,
    /// The engine disagreed.
    Disagree(Disagreement),
}

/// A disagreement and its shape (kept while reducing).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disagreement {
    pub detail: String,
    /// How the reference ended (`returned`, `fault`, ...).
    pub reference: &'static str,
    /// How the engine ended.
    pub candidate: String,
    /// What differs: `stdout`, `ending` or `state`.
    pub aspect: &'static str,
}

impl Disagreement {
    /// Whether `other` is the same kind of disagreement.
    pub fn same_kind(&self, other: &Disagreement) -> bool {
        self.reference == other.reference
            && self.candidate == other.candidate
            && self.aspect == other.aspect
    }
}

/// Run `prog` on the reference and on `engine` and compare.
pub fn judge(prog: &Prog, engine: &dyn Engine) -> (Verdict, Outcome) {
    let (program, _) = prog.render();
    let config = config(prog, &program);
    let programs = [("fuzz.sial".to_string(), program)];
    let r = reference::interp::run(&programs, &config, None);
    if !defined(&r) {
        return (Verdict::Void, r);
    }
    let run = engine.run_observed(None, &programs, &config);
    let view = run.observed.view(&r);
    let verdict = match differ_with(FloatPolicy::Bitwise, false, &view, &run.outcome) {
        None => Verdict::Agree,
        Some(detail) => {
            let aspect = if view.stdout != run.outcome.stdout {
                "stdout"
            } else if view.ending != run.outcome.ending {
                "ending"
            } else {
                "state"
            };
            Verdict::Disagree(Disagreement {
                detail,
                reference: r.ending.kind(),
                candidate: run.outcome.ending.kind().to_string(),
                aspect,
            })
        }
    };
    (verdict, r)
}

/// Run `prog` on the reference alone.
pub fn reference_run(prog: &Prog) -> Outcome {
    let (program, _) = prog.render();
    let config = config(prog, &program);
    let programs = [("fuzz.sial".to_string(), program)];
    reference::interp::run(&programs, &config, None)
}

/// Whether a reference outcome is one the spec defines (not a run the
/// harness had to stop).
pub fn defined(r: &Outcome) -> bool {
    matches!(
        r.ending,
        Ending::Returned { .. } | Ending::Quit | Ending::Fault { .. }
    )
}
