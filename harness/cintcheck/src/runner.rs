//! The differential runner: every case on every selected engine, in
//! parallel, each (case, engine) judged against the case's expectations
//! (written from the spec, so the reference is judged too) and, for engines
//! other than the reference, against the reference's outcome. A mismatch is
//! run again once and labelled deterministic or flaky. Every (case, engine)
//! gets exactly one [`Verdict`]: totals always add up.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use rayon::prelude::*;
use reference::{Ending, Outcome, RunConfig};
use serde::{Deserialize, Serialize};

use crate::case::{Case, FloatPolicy, Level};
use crate::engine::{engine_by_name, Engine, Run, Sources};

/// The judgement of one (case, engine).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "kebab-case")]
pub enum Verdict {
    Pass,
    /// The outcome differs from the expectations or from the reference;
    /// `detail` shows the first difference; `flaky` when a re-run differed.
    Mismatch {
        detail: String,
        flaky: bool,
    },
    /// Failed, as the case says this engine does (`xfail`).
    ExpectedFailure {
        reason: String,
    },
    /// Passed although the case says this engine fails: a failure.
    UnexpectedPass {
        reason: String,
    },
    Skipped {
        reason: String,
    },
    /// The case could not be run (bad program) or the engine failed.
    Error {
        message: String,
    },
    /// The engine cannot run or judge the case (an external implementation
    /// without stdin, an ending it cannot show, an opcode it does not
    /// claim): counted and shown, not a failure.
    Unsupported {
        reason: String,
    },
    /// The outcome differs from the reference exactly as a deviation the
    /// engine declares (`rule`): counted and shown, not a failure.
    Deviation {
        rule: String,
        detail: String,
    },
}

impl Verdict {
    /// Counts as a failure of the run.
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            Verdict::Mismatch { .. } | Verdict::UnexpectedPass { .. } | Verdict::Error { .. }
        )
    }

    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Mismatch { .. } => "mismatch",
            Verdict::ExpectedFailure { .. } => "expected-failure",
            Verdict::UnexpectedPass { .. } => "unexpected-pass",
            Verdict::Skipped { .. } => "skipped",
            Verdict::Error { .. } => "error",
            Verdict::Unsupported { .. } => "unsupported",
            Verdict::Deviation { .. } => "deviation",
        }
    }
}

/// One (case, engine) result.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CaseResult {
    pub case: String,
    pub engine: String,
    #[serde(flatten)]
    pub verdict: Verdict,
    /// How the run ended (`returned 3`, `fault 5 (...) at ...`), if it ran.
    pub ending: Option<String>,
    pub seconds: f64,
    pub file: String,
    pub line: usize,
    pub tags: Vec<String>,
    /// Opcodes the case's own program uses (for the coverage matrix).
    pub opcodes: Vec<String>,
    /// The class of the ending (`returned`, `fault`, `crash`, `rejected`,
    /// `link-failed`, `timeout`, ...), if it ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ending_kind: Option<String>,
    /// Where the logs of an external run are kept (relative to the report
    /// directory): commands, their stdout, stderr and status, intermediate
    /// files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logs: Option<String>,
    /// Declared deviations this (passing) case refutes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refutes: Vec<String>,
}

/// Options of a suite run.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub engines: Vec<String>,
    /// Only cases whose name contains this text.
    pub filter: Option<String>,
    /// Only cases with one of these tags.
    pub tags: Vec<String>,
    /// Run shard k of n (1-based): cases whose index in name order is k-1 mod n.
    pub shard: Option<(usize, usize)>,
}

/// Select the cases of a run (filter, tags, shard), in name order.
pub fn select<'a>(cases: &'a [Case], opts: &RunOptions) -> Vec<&'a Case> {
    let mut v: Vec<&Case> = cases
        .iter()
        .filter(|c| {
            opts.filter
                .as_ref()
                .is_none_or(|f| c.name.contains(f.as_str()))
        })
        .filter(|c| opts.tags.is_empty() || c.tags.iter().any(|t| opts.tags.contains(t)))
        .collect();
    v.sort_by(|a, b| a.name.cmp(&b.name));
    if let Some((k, n)) = opts.shard {
        v = v
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % n == k - 1)
            .map(|(_, c)| c)
            .collect();
    }
    v
}

/// Opcode names used by the case's programs (not the prelude).
pub fn opcodes_of(programs: &[(String, sial::Program)]) -> Vec<String> {
    let mut set = BTreeSet::new();
    for (_, p) in programs {
        for m in &p.modules {
            // modstart/modend frame every module but are not in `instrs`.
            set.insert("modstart".to_string());
            set.insert("modend".to_string());
            for i in &m.instrs {
                set.insert(i.op.name().to_string());
            }
        }
    }
    set.into_iter().collect()
}

/// Opcode names used by a Cintcode case's objects (code reached from their
/// entry points), as `cintcode:NAME`.
pub fn cintcode_opcodes_of(objects: &[cintcode::Object]) -> Vec<String> {
    let mut set = BTreeSet::new();
    for s in objects.iter().flat_map(|o| &o.sections) {
        for i in cintcode::disasm::reachable(s).values() {
            if let Some(n) = cintcode::opcode::name(i.op) {
                set.insert(format!("cintcode:{n}"));
            }
        }
    }
    set.into_iter().collect()
}

/// A case's program, in its language.
pub enum Prog {
    Sial(Vec<(String, sial::Program)>),
    Cintcode(Vec<cintcode::Object>),
}

impl Prog {
    /// The case's program, read and checked.
    pub fn of(case: &Case) -> Result<Prog, String> {
        match case.level {
            Level::Sial => case.programs().map(Prog::Sial),
            Level::Cintcode => case.objects().map(Prog::Cintcode),
        }
    }

    fn opcodes(&self) -> Vec<String> {
        match self {
            Prog::Sial(p) => opcodes_of(p),
            Prog::Cintcode(o) => cintcode_opcodes_of(o),
        }
    }

    /// The reference interpreter's outcome.
    fn reference(&self, config: &RunConfig) -> Outcome {
        match self {
            Prog::Sial(p) => reference::interp::run(p, config, None),
            Prog::Cintcode(o) => reference::cintcode::run(o, config, None),
        }
    }

    /// `engine`'s run, or `None` when it has no Cintcode level.
    pub fn run(&self, engine: &dyn Engine, case: &Case, config: &RunConfig) -> Option<Run> {
        match self {
            Prog::Sial(p) => Some(engine.run_observed(Some(case), p, config)),
            Prog::Cintcode(o) => engine.run_cintcode(o, config, None).map(Run::whole),
        }
    }

    /// The Sial programs, for the Sial-only parts of judging (deviations).
    fn sial(&self) -> Option<&Sources> {
        match self {
            Prog::Sial(p) => Some(p),
            Prog::Cintcode(_) => None,
        }
    }
}

/// Run the selected cases on the engines. `progress` is called after each
/// case with (done, total).
pub fn run_cases(
    cases: &[&Case],
    engines: &[String],
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Vec<CaseResult> {
    let done = AtomicUsize::new(0);
    let total = cases.len();
    let engine_objs: Vec<Result<Box<dyn Engine>, String>> =
        engines.iter().map(|e| engine_by_name(e)).collect();
    let per_case: Vec<Vec<CaseResult>> = cases
        .par_iter()
        .map(|case| {
            let r = run_case(case, engines, &engine_objs);
            progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
            r
        })
        .collect();
    per_case.into_iter().flatten().collect()
}

/// Run one case on every engine, in the given engine order.
pub fn run_case(
    case: &Case,
    engines: &[String],
    engine_objs: &[Result<Box<dyn Engine>, String>],
) -> Vec<CaseResult> {
    let result = |engine: &str,
                  verdict: Verdict,
                  ending: Option<String>,
                  seconds: f64,
                  opcodes: &[String]| CaseResult {
        case: case.name.clone(),
        engine: engine.to_string(),
        verdict,
        ending,
        seconds,
        file: case.file.display().to_string(),
        line: case.line,
        tags: case.tags.clone(),
        opcodes: opcodes.to_vec(),
        ending_kind: None,
        logs: None,
        refutes: Vec::new(),
    };
    let prog = match Prog::of(case) {
        Ok(p) => p,
        Err(message) => {
            return engines
                .iter()
                .map(|e| {
                    result(
                        e,
                        Verdict::Error {
                            message: message.clone(),
                        },
                        None,
                        0.0,
                        &[],
                    )
                })
                .collect()
        }
    };
    let opcodes = prog.opcodes();
    let config = case.config();
    // The reference outcome is what other engines are compared with.
    let needs_reference = engines.iter().any(|e| e != "reference");
    let reference_start = Instant::now();
    let reference = needs_reference.then(|| prog.reference(&config));
    let reference_seconds = reference_start.elapsed().as_secs_f64();
    let mut out = Vec::new();
    for (name, engine) in engines.iter().zip(engine_objs) {
        if let Some(reason) = case.skip.get(name) {
            out.push(result(
                name,
                Verdict::Skipped {
                    reason: reason.clone(),
                },
                None,
                0.0,
                &opcodes,
            ));
            continue;
        }
        let engine = match engine {
            Ok(e) => e,
            Err(m) => {
                out.push(result(
                    name,
                    Verdict::Error { message: m.clone() },
                    None,
                    0.0,
                    &opcodes,
                ));
                continue;
            }
        };
        if let Some(reason) = engine.unsupported(case, reference.as_ref()) {
            out.push(result(
                name,
                Verdict::Unsupported { reason },
                None,
                0.0,
                &opcodes,
            ));
            continue;
        }
        let start = Instant::now();
        let run = match (name.as_str(), &reference) {
            ("reference", Some(r)) => Some(Run::whole(r.clone())),
            _ => prog.run(engine.as_ref(), case, &config),
        };
        let Some(run) = run else {
            out.push(result(
                name,
                Verdict::Unsupported {
                    reason: "the engine has no Cintcode level".to_string(),
                },
                None,
                0.0,
                &opcodes,
            ));
            continue;
        };
        let outcome = &run.outcome;
        let seconds = if name == "reference" && reference.is_some() {
            reference_seconds
        } else {
            start.elapsed().as_secs_f64()
        };
        // The reference as this engine can observe it.
        let reference_view = if name == "reference" {
            None
        } else {
            reference.as_ref().map(|r| run.observed.view(r))
        };
        let problems = judge(case, outcome, reference_view.as_ref());
        let ending = Some(outcome.ending.to_string());
        let xfail = case.xfail.get(name);
        let mut refutes = Vec::new();
        let verdict = match (problems, xfail) {
            (None, None) => {
                if let (Some(r), Some(programs)) = (&reference_view, prog.sial()) {
                    refutes = engine.refuted(case, programs, &config, r, run.observed);
                }
                Verdict::Pass
            }
            (None, Some(reason)) => Verdict::UnexpectedPass {
                reason: reason.clone(),
            },
            (Some(_), Some(reason)) => Verdict::ExpectedFailure {
                reason: reason.clone(),
            },
            (Some(detail), None) => {
                let deviation = reference_view.as_ref().zip(prog.sial()).and_then(|(r, p)| {
                    engine.deviation(case, p, &config, r, outcome, run.observed)
                });
                if let Ending::EngineError(m) = &outcome.ending {
                    Verdict::Error { message: m.clone() }
                } else if let Some((rule, why)) = deviation {
                    Verdict::Deviation {
                        rule,
                        detail: format!("{why}\n{detail}"),
                    }
                } else if engine.rerun_mismatches() {
                    // Run again once: the same outcome means deterministic.
                    let again = prog.run(engine.as_ref(), case, &config);
                    Verdict::Mismatch {
                        detail,
                        flaky: again.is_some_and(|a| a.outcome != *outcome),
                    }
                } else {
                    Verdict::Mismatch {
                        detail,
                        flaky: false,
                    }
                }
            }
        };
        let logs = match (&run.work, verdict.is_failure()) {
            (Some(w), true) => crate::external::keep_logs(name, &case.name, w.path()),
            _ => None,
        };
        let mut r = result(name, verdict, ending, seconds, &opcodes);
        r.ending_kind = Some(outcome.ending.kind().to_string());
        r.logs = logs;
        r.refutes = refutes;
        out.push(r);
    }
    out
}

fn word_eq(policy: FloatPolicy, is_float: bool, a: i64, b: i64) -> bool {
    if is_float || policy != FloatPolicy::Bitwise {
        policy.equal(a, b)
    } else {
        a == b
    }
}

fn show_word(v: i64) -> String {
    let f = f64::from_bits(v as u64);
    format!("{v} (#x{:016X}, as float {f:e})", v as u64)
}

/// The first difference between two stdouts, by line.
pub fn first_stdout_difference(want: &[u8], got: &[u8]) -> String {
    let (w, g) = (String::from_utf8_lossy(want), String::from_utf8_lossy(got));
    let wl: Vec<&str> = w.split('\n').collect();
    let gl: Vec<&str> = g.split('\n').collect();
    for i in 0..wl.len().max(gl.len()) {
        let (a, b) = (wl.get(i), gl.get(i));
        if a != b {
            let show =
                |x: Option<&&str>| x.map_or("<end of output>".to_string(), |s| format!("{s:?}"));
            return format!(
                "stdout line {}: expected {}, got {}",
                i + 1,
                show(a),
                show(b)
            );
        }
    }
    format!("stdout differs ({} vs {} bytes)", want.len(), got.len())
}

/// Problems of `outcome`: against the case's expectations, then against the
/// reference's outcome. None when there are none.
pub fn judge(case: &Case, outcome: &Outcome, reference: Option<&Outcome>) -> Option<String> {
    let mut problems = Vec::new();
    let e = &case.expect;
    let policy = case.float;
    if let Some((want, is_float)) = e.result {
        match &outcome.ending {
            Ending::Returned { code } if word_eq(policy, is_float, want, *code) => {}
            Ending::Returned { code } => problems.push(format!(
                "result: expected {}, got {}",
                show_word(want),
                show_word(*code)
            )),
            other => problems.push(format!(
                "result: expected {}, but the run ended: {other}",
                show_word(want)
            )),
        }
    }
    if let Some(want) = e.fault {
        match &outcome.ending {
            Ending::Fault { code, .. } if *code == want => {}
            other => problems.push(format!("expected fault {want}, but the run ended: {other}")),
        }
    }
    if let Some(want) = &e.ending {
        if outcome.ending.kind() != want {
            problems.push(format!(
                "expected the run to end as {want}, but it ended: {}",
                outcome.ending
            ));
        }
    }
    if let Some(want) = &e.stdout {
        let got = outcome.stdout_without_cr();
        if got != want.as_bytes() {
            problems.push(first_stdout_difference(want.as_bytes(), &got));
        }
    }
    if let Some(want) = &e.stdout_raw {
        if outcome.stdout != want.as_bytes() {
            problems.push(format!(
                "raw {}",
                first_stdout_difference(want.as_bytes(), &outcome.stdout)
            ));
        }
    }
    for (l, want) in &e.statics {
        match outcome.statics.iter().find(|x| x.0 == *l) {
            Some((_, got)) if got.len() != want.len() => problems.push(format!(
                "L{l}: expected {} words, the static has {}",
                want.len(),
                got.len()
            )),
            Some((_, got)) => {
                if let Some((k, (w, f), g)) = want
                    .iter()
                    .zip(got)
                    .enumerate()
                    .map(|(k, (w, g))| (k, w, g))
                    .find(|(_, (w, f), g)| !word_eq(policy, *f, *w, **g))
                {
                    let _ = f;
                    problems.push(format!(
                        "L{l}!{k}: expected {}, got {}",
                        show_word(*w),
                        show_word(*g)
                    ));
                }
            }
            None => problems.push(format!("L{l}: not reported")),
        }
    }
    for &(g, want, is_float) in &e.globals {
        match outcome.globals.iter().find(|x| x.0 == g) {
            Some(&(_, got)) if word_eq(policy, is_float, want, got) => {}
            Some(&(_, got)) => problems.push(format!(
                "G{g}: expected {}, got {}",
                show_word(want),
                show_word(got)
            )),
            None => problems.push(format!("G{g}: not reported")),
        }
    }
    if let Some(r) = reference {
        if let Some(d) = differ(case, r, outcome) {
            problems.push(format!("differs from the reference: {d}"));
        }
    }
    (!problems.is_empty()).then(|| problems.join("\n"))
}

/// The first difference between the reference's outcome and another's.
pub fn differ(case: &Case, r: &Outcome, o: &Outcome) -> Option<String> {
    let result_is_float = case.expect.result.is_some_and(|x| x.1);
    differ_with(case.float, result_is_float, r, o)
}

/// [`differ`] with the float policy and whether the result is a float given.
pub fn differ_with(
    policy: FloatPolicy,
    result_is_float: bool,
    r: &Outcome,
    o: &Outcome,
) -> Option<String> {
    if r.stdout != o.stdout {
        return Some(first_stdout_difference(&r.stdout, &o.stdout));
    }
    let same_end = match (&r.ending, &o.ending) {
        (Ending::Returned { code: a }, Ending::Returned { code: b }) => {
            word_eq(policy, result_is_float, *a, *b)
        }
        (
            Ending::Fault {
                code: a, at: la, ..
            },
            Ending::Fault {
                code: b, at: lb, ..
            },
        ) => a == b && la.as_ref().map(|l| l.line) == lb.as_ref().map(|l| l.line),
        // Each engine counts its own budget; a wild access or jump is
        // classified, its exact address engine-specific.
        (Ending::StepLimit { .. }, Ending::StepLimit { .. })
        | (Ending::BadAddress { .. }, Ending::BadAddress { .. })
        | (Ending::BadJump { .. }, Ending::BadJump { .. })
        | (Ending::Quit, Ending::Quit)
        | (Ending::OutputLimit { .. }, Ending::OutputLimit { .. }) => true,
        _ => false,
    };
    if !same_end {
        return Some(format!("reference {}, this engine {}", r.ending, o.ending));
    }
    for (l, a) in &r.statics {
        let b = o.statics.iter().find(|x| x.0 == *l).map(|x| &x.1);
        let same = b.is_some_and(|b| {
            b.len() == a.len() && a.iter().zip(b).all(|(x, y)| word_eq(policy, false, *x, *y))
        });
        if !same {
            return Some(format!(
                "L{l}: reference {a:?}, this engine {:?}",
                b.cloned().unwrap_or_default()
            ));
        }
    }
    for (g, a) in &r.globals {
        let b = o.globals.iter().find(|x| x.0 == *g).map(|x| x.1);
        if b.is_none_or(|b| !word_eq(policy, false, *a, b)) {
            return Some(format!(
                "G{g}: reference {}, this engine {}",
                show_word(*a),
                b.map_or("not reported".into(), show_word)
            ));
        }
    }
    None
}

/// Totals of a run (every result counted exactly once).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub expected_failures: usize,
    #[serde(default)]
    pub unsupported: usize,
    #[serde(default)]
    pub deviations: usize,
}

impl Totals {
    pub fn of(results: &[CaseResult]) -> Totals {
        let mut t = Totals::default();
        for r in results {
            match r.verdict {
                Verdict::Pass => t.passed += 1,
                Verdict::Skipped { .. } => t.skipped += 1,
                Verdict::ExpectedFailure { .. } => t.expected_failures += 1,
                Verdict::Unsupported { .. } => t.unsupported += 1,
                Verdict::Deviation { .. } => t.deviations += 1,
                _ => t.failed += 1,
            }
        }
        t
    }

    /// The summary line every run ends with.
    pub fn line(&self) -> String {
        let mut s = format!(
            "{} passed, {} failed, {} skipped",
            self.passed, self.failed, self.skipped
        );
        if self.unsupported > 0 {
            s.push_str(&format!(", {} unsupported", self.unsupported));
        }
        if self.deviations > 0 {
            s.push_str(&format!(", {} deviations", self.deviations));
        }
        if self.expected_failures > 0 {
            s.push_str(&format!(" ({} expected failures)", self.expected_failures));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(statics: Vec<(u32, Vec<i64>)>) -> Outcome {
        Outcome {
            stdout: b"x\n\r".to_vec(),
            ending: Ending::Returned { code: 0 },
            steps: 1,
            globals: vec![(200, 5)],
            statics,
        }
    }

    #[test]
    fn static_words_must_agree() {
        let r = outcome(vec![(5, vec![1, 2])]);
        assert_eq!(
            differ_with(FloatPolicy::Bitwise, false, &r, &r.clone()),
            None
        );
        let d = differ_with(
            FloatPolicy::Bitwise,
            false,
            &r,
            &outcome(vec![(5, vec![1, 3])]),
        )
        .unwrap();
        assert!(
            d.contains("L5: reference [1, 2], this engine [1, 3]"),
            "{d}"
        );
        let d = differ_with(FloatPolicy::Bitwise, false, &r, &outcome(vec![])).unwrap();
        assert!(d.contains("L5"), "{d}");
    }

    #[test]
    fn first_stdout_difference_names_the_line() {
        assert_eq!(
            first_stdout_difference(b"a\nb\nc\n", b"a\nx\nc\n"),
            "stdout line 2: expected \"b\", got \"x\""
        );
        assert_eq!(
            first_stdout_difference(b"a\n", b"a\nmore\n"),
            "stdout line 2: expected \"\", got \"more\""
        );
    }
}
