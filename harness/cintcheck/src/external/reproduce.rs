//! Reduced reproducers of external failures: the body of a failing body
//! case is cut down with the fuzzer's greedy line reducer while the engine
//! still fails the same way (same ending class, still differing from the
//! reference), within a time budget, and printed as a ready `[[case]]`
//! whose expectation is the reference's outcome of the reduced program.

use std::time::{Duration, Instant};

use reference::Ending;

use crate::case::{body_program, toml_string, Case};
use crate::engine::Engine;
use crate::runner::differ_with;

/// Whether `body` (with `data`) still fails on `engine` as `kind`.
fn still_fails(case: &Case, engine: &dyn Engine, body: &str, data: &str, kind: &str) -> bool {
    let text = body_program(body, data);
    let Ok(program) = sial::parse(&text, "reduced.sial") else {
        return false;
    };
    let programs = [("reduced.sial".to_string(), program)];
    let config = case.config();
    let r = reference::interp::run(&programs, &config, None);
    if matches!(
        r.ending,
        Ending::StepLimit { .. }
            | Ending::BadAddress { .. }
            | Ending::BadJump { .. }
            | Ending::EngineError(_)
    ) {
        return false;
    }
    let run = engine.run_observed(Some(case), &programs, &config);
    if run.outcome.ending.kind() != kind {
        return false;
    }
    let view = run.observed.view(&r);
    differ_with(case.float, false, &view, &run.outcome).is_some()
}

/// A reduced ready `[[case]]` for `case` failing on `engine` with an ending
/// of class `kind`; None when the case is not a body case.
pub fn reproducer(
    case: &Case,
    engine: &dyn Engine,
    kind: &str,
    budget: Duration,
) -> Option<String> {
    let (body, data) = case.body_and_data()?;
    let deadline = Instant::now() + budget;
    let reduced = crate::fuzz::reduce_lines(
        &body,
        &|trial| still_fails(case, engine, trial, &data, kind),
        Some(deadline),
    );
    let text = body_program(&reduced, &data);
    let program = sial::parse(&text, "reduced.sial").ok()?;
    let programs = [("reduced.sial".to_string(), program)];
    let config = case.config();
    let r = reference::interp::run(&programs, &config, None);
    let run = engine.run_observed(Some(case), &programs, &config);
    let expect = match &r.ending {
        Ending::Returned { code } if r.stdout.is_empty() => {
            format!("expect = {{ result = {code} }}")
        }
        Ending::Fault { code, .. } => format!("expect = {{ fault = {code} }}"),
        _ => format!(
            "expect = {{ stdout = {} }}",
            toml_string(&String::from_utf8_lossy(&r.stdout_without_cr()))
        ),
    };
    let quote = |s: &str| format!("\"\"\"\n{s}\n\"\"\"");
    let mut out = format!(
        "# {} on {}: {} (reduced from {} to {} lines)\n# reference: {}\n",
        case.name,
        engine.name(),
        run.outcome.ending,
        body.lines().count(),
        reduced.lines().count(),
        r.ending
    );
    out.push_str(&format!(
        "[[case]]\nname = \"{}-reduced\"\nbody = {}\n",
        case.name
            .rsplit('/')
            .next()
            .unwrap_or("case")
            .replace('"', ""),
        quote(&reduced)
    ));
    if !data.trim().is_empty() {
        out.push_str(&format!("data = {}\n", quote(&data)));
    }
    out.push_str(&expect);
    out.push('\n');
    Some(out)
}
