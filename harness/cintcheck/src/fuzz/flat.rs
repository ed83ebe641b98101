//! The first, flat generator: one straight-line `start` body, kept for its
//! tests and for `cintcheck fuzz --flat`. A disagreement is reduced
//! (lines removed while it persists) and printed as a ready `[[case]]`.
//!
//! The generator only writes programs whose meaning the spec defines and
//! that end: jumps go forward, there are no calls, memory is touched only
//! through locals and a static table, and float arithmetic that could make
//! a NaN from non-NaN operands (whose bits the spec leaves open) is left
//! out. Division by zero and wild shifts are in: they must agree too.

use crate::case::{body_program, FloatPolicy};
use crate::engine::Engine;
use crate::runner::differ_with;

use super::rng::Rng;

const LOCALS: u64 = 8; // P3..P10
const ONE: &[&str] = &[
    "neg", "not", "abs", "mul", "div", "xdiv", "mod", "xmod", "add", "sub", "xsub", "eq", "ne",
    "ls", "gr", "le", "ge", "eq0", "ne0", "ls0", "gr0", "le0", "ge0", "lsh", "rsh", "and", "or",
    "xor", "eqv", "xch", "atb", "atc", "bta", "btc", "res", "ldres", "float", "fix", "fabs",
    "fneg", "feq", "fne", "fls", "fgr", "fle", "fge", "feq0", "fne0", "fls0", "fgr0", "fle0",
    "fge0",
];
const JUMPS: &[&str] = &[
    "jeq", "jne", "jls", "jgr", "jle", "jge", "jeq0", "jne0", "jls0", "jgr0", "jle0", "jge0",
    "jfeq", "jfne", "jfls", "jfgr", "jfle", "jfge", "jfeq0", "jfne0", "jfls0", "jfgr0", "jfle0",
    "jfge0",
];

/// A random program body (readable Sial for the `start` template) and its
/// data directives, from `seed`. Labels L2.. are defined in order and only
/// jumped to forward, so every program ends.
pub fn generate(seed: u64, length: usize) -> (String, String) {
    let mut r = Rng::new(seed);
    let mut lines = Vec::new();
    let local = |r: &mut Rng| 3 + r.below(LOCALS);
    // B, C and R are undefined when start begins (calls destroy them).
    lines.push(format!("  l K{}\n  atb\n  atc\n  res", r.word()));
    for n in 3..3 + LOCALS {
        lines.push(format!("  l K{}", r.word()));
        lines.push(format!("  sp P{n}"));
    }
    let mut next_label = 2;
    for _ in 0..length {
        // Sometimes place the next label, which earlier jumps may target.
        if r.below(6) == 0 {
            lines.push(format!("lab L{next_label}"));
            next_label += 1;
        }
        let target = next_label + r.below(3) as usize;
        let line = match r.below(14) {
            0..=4 => format!("  {}", r.pick(ONE)),
            5 => format!("  lp P{}", local(&mut r)),
            6 => format!("  sp P{}", local(&mut r)),
            7 => format!("  l K{}", r.word()),
            8 => match r.below(4) {
                0 => format!("  a K{}", r.word()),
                1 => format!("  s K{}", r.word()),
                2 => format!("  atbl K{}", r.word()),
                _ => format!("  atblp P{}", local(&mut r)),
            },
            9 => format!("  {} L{target}", r.pick(JUMPS)),
            10 => match r.below(3) {
                0 => format!("  ikp K{} P{}", r.word(), local(&mut r)),
                1 => format!("  ip P{}", local(&mut r)),
                _ => format!("  ap P{}", local(&mut r)),
            },
            // Bytes of the static table (words 0..3), index in A or B.
            11 => {
                let i = r.below(32);
                match r.below(4) {
                    0 => format!("  lll L999\n  atb\n  l K{i}\n  gbyt"),
                    1 => format!("  l K{i}\n  atb\n  lll L999\n  xgbyt"),
                    2 => format!("  lll L999\n  atb\n  l K{i}\n  pbyt"),
                    _ => format!("  l K{i}\n  atb\n  lll L999\n  xpbyt"),
                }
            }
            // Fields of the static table.
            12 => {
                let (len, sh) = (r.below(65), r.below(64));
                let (w, sf) = (
                    r.below(4),
                    [0, 7, 10, 11, 12, 13, 14, 15, 16, 17][r.below(10) as usize],
                );
                match r.below(3) {
                    0 => format!("  lll L999\n  a K{w}\n  selld K{len} K{sh}"),
                    1 => format!("  lll L999\n  a K{w}\n  selst K{sf} K{len} K{sh}"),
                    _ => format!("  xch\n  lll L999\n  a K{w}\n  xch\n  xselst K{sf} K{len} K{sh}"),
                }
            }
            _ => {
                let n = 1 + r.below(5) as usize;
                let labels: Vec<String> =
                    (0..n).map(|k| format!("L{}", next_label + k % 3)).collect();
                if r.below(2) == 0 {
                    format!("  swl L{target} {}", labels.join(" "))
                } else {
                    let mut keys: Vec<i64> = (0..n).map(|_| r.word()).collect();
                    keys.sort();
                    keys.dedup();
                    let pairs: Vec<String> = keys
                        .iter()
                        .zip(&labels)
                        .map(|(k, l)| format!("K{k} {l}"))
                        .collect();
                    format!("  swb L{target} {}", pairs.join(" "))
                }
            }
        };
        lines.push(line);
    }
    // Define every label a jump may name, then fold the locals into A.
    for l in next_label..next_label + 3 {
        lines.push(format!("lab L{l}"));
    }
    lines.push("  lp P3".into());
    for n in 4..3 + LOCALS {
        lines.push(format!("  atb\n  lp P{n}\n  xor"));
    }
    lines.push("  atb\n  ll L999\n  add".into());
    let data = format!(
        "static L999 W{} W{} W{} W{} W0",
        r.word(),
        r.word(),
        r.word(),
        r.word()
    );
    (lines.join("\n"), data)
}

/// The disagreement of `engine` with the reference on `body`, if any.
/// None also when the program does not parse (a reduction step broke it).
pub fn disagreement(body: &str, data: &str, engine: &dyn Engine) -> Option<String> {
    let text = body_program(body, data);
    let program = sial::parse(&text, "fuzz.sial").ok()?;
    let programs = [("fuzz.sial".to_string(), program)];
    let config = reference::RunConfig {
        stack_words: 2000,
        memory_words: 100_000,
        step_limit: 100_000,
        ..reference::RunConfig::default()
    };
    let r = reference::interp::run(&programs, &config, None);
    // Compared as far as the engine observes (an external program shows
    // no fault locations, and without its trailer only an exit status).
    let run = engine.run_observed(None, &programs, &config);
    differ_with(
        FloatPolicy::Bitwise,
        false,
        &run.observed.view(&r),
        &run.outcome,
    )
}

/// Remove lines (greedily, from the end) while the disagreement persists.
pub fn reduce(body: &str, data: &str, engine: &dyn Engine) -> String {
    reduce_lines(
        body,
        &|trial| disagreement(trial, data, engine).is_some(),
        None,
    )
}

/// The greedy line reducer: remove lines of `body` (from the end, pass
/// after pass) while `interesting` holds, until no line can go or the
/// `deadline` passes.
pub fn reduce_lines(
    body: &str,
    interesting: &dyn Fn(&str) -> bool,
    deadline: Option<std::time::Instant>,
) -> String {
    let mut lines: Vec<String> = body.lines().map(str::to_string).collect();
    loop {
        let mut progress = false;
        let mut i = lines.len();
        while i > 0 {
            if deadline.is_some_and(|d| std::time::Instant::now() > d) {
                return lines.join("\n");
            }
            i -= 1;
            let mut trial = lines.clone();
            trial.remove(i);
            if interesting(&trial.join("\n")) {
                lines = trial;
                progress = true;
            }
        }
        if !progress {
            return lines.join("\n");
        }
    }
}

/// A reduced disagreement as a ready `[[case]]` (expected values are left
/// to the spec: the case records the program and the seed).
pub fn as_case(seed: u64, engine: &str, body: &str, data: &str, detail: &str) -> String {
    let quote = |s: &str| format!("\"\"\"\n{s}\n\"\"\"");
    format!(
        "# Found by `cintcheck fuzz --seed {seed}` on {engine}: {}\n# Add the expected value from the spec before committing.\n[[case]]\nname = \"fuzz-{seed}\"\ntags = [\"fuzz\"]\nbody = {}\ndata = {}\n",
        detail.lines().next().unwrap_or(""),
        quote(body),
        quote(data)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_programs_parse_and_are_deterministic() {
        for seed in 0..50 {
            let (b, d) = generate(seed, 40);
            assert_eq!((b.clone(), d.clone()), generate(seed, 40));
            sial::parse(&body_program(&b, &d), "f")
                .unwrap_or_else(|e| panic!("seed {seed}: {e}\n{b}"));
        }
    }
}
