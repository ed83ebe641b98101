//! A campaign: programs from consecutive seeds, in parallel batches, against
//! one engine (or the reference alone, to measure throughput), until a
//! count, a time limit or enough disagreements; each disagreement is
//! reduced (within a time budget) and written as a ready case.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use reference::Ending;

use super::features::Features;
use super::generate::{program, program_with, Limits};
use super::model::Prog;
use super::reduce::reduce;
use super::telemetry::Telemetry;
use super::{judge, reference_run, Disagreement, Verdict};
use crate::case::toml_string;
use crate::engine::Engine;

/// What to run.
#[derive(Clone, Debug)]
pub struct Options {
    pub seed: u64,
    /// Stop after this many programs.
    pub count: Option<u64>,
    /// Stop after this long.
    pub time: Option<Duration>,
    /// Stop after this many disagreements.
    pub stop_after: Option<usize>,
    /// Reduce at most this many disagreements.
    pub max_reduce: usize,
    /// Time budget of each reduction.
    pub reduce_time: Duration,
    /// Run the reference alone (throughput).
    pub reference_only: bool,
    /// Features every program has (else each draws its own).
    pub features: Option<Features>,
    /// Programs per parallel batch.
    pub batch: u64,
    /// Where reduced cases go (`fuzz-SEED.toml`).
    pub write_cases: Option<PathBuf>,
    /// Print progress and findings as they come.
    pub verbose: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            seed: 1,
            count: Some(1000),
            time: None,
            stop_after: None,
            max_reduce: 5,
            reduce_time: Duration::from_secs(30),
            reference_only: false,
            features: None,
            batch: 64,
            write_cases: None,
            verbose: false,
        }
    }
}

/// One reduced disagreement.
#[derive(Clone, Debug)]
pub struct Found {
    pub seed: u64,
    pub disagreement: Disagreement,
    /// Seconds from the campaign's start to the finding.
    pub found_after: f64,
    pub original_size: usize,
    pub reduced: Option<Prog>,
    pub reduced_size: usize,
    pub tests: usize,
    /// The ready case (when reduced).
    pub case: Option<String>,
}

/// What a campaign found.
pub struct Report {
    pub telemetry: Telemetry,
    pub found: Vec<Found>,
}

/// The program of `seed` under `opts`.
pub fn program_for(seed: u64, opts: &Options) -> Prog {
    match opts.features {
        Some(f) => program_with(seed, f, Limits::default()),
        None => program(seed),
    }
}

/// Run a campaign against `engine`.
pub fn run(opts: &Options, engine: &dyn Engine) -> Report {
    let start = Instant::now();
    let mut t = Telemetry::default();
    let mut found: Vec<Found> = Vec::new();
    let mut next = opts.seed;
    let end = opts.count.map(|c| opts.seed.saturating_add(c));
    loop {
        let stop_time = opts.time.is_some_and(|d| start.elapsed() >= d);
        let stop_found = opts.stop_after.is_some_and(|n| found.len() >= n);
        if stop_time || stop_found || end.is_some_and(|e| next >= e) {
            break;
        }
        let hi = end.map_or(next + opts.batch, |e| e.min(next + opts.batch));
        let (bt, hits) = (next..hi)
            .into_par_iter()
            .fold(
                || (Telemetry::default(), Vec::new()),
                |(mut t, mut hits), seed| {
                    let prog = program_for(seed, opts);
                    let (program, _) = prog.render();
                    t.program(prog.features, &program);
                    let (verdict, r) = if opts.reference_only {
                        let r = reference_run(&prog);
                        let v = if super::defined(&r) {
                            Verdict::Agree
                        } else {
                            Verdict::Void
                        };
                        (v, r)
                    } else {
                        judge(&prog, engine)
                    };
                    t.outcome(&r);
                    match verdict {
                        Verdict::Agree => {}
                        Verdict::Void => t.void += 1,
                        Verdict::Disagree(d) => {
                            t.disagreements += 1;
                            hits.push((seed, d));
                        }
                    }
                    (t, hits)
                },
            )
            .reduce(
                || (Telemetry::default(), Vec::new()),
                |(mut a, mut ha), (b, hb)| {
                    a.merge(b);
                    ha.extend(hb);
                    (a, ha)
                },
            );
        t.merge(bt);
        let mut hits = hits;
        hits.sort_by_key(|h| h.0);
        for (seed, d) in hits {
            if opts.stop_after.is_some_and(|n| found.len() >= n) {
                break;
            }
            let found_after = start.elapsed().as_secs_f64();
            if opts.verbose {
                println!(
                    "seed {seed} ({:.1} s): {}",
                    found_after,
                    d.detail.lines().next().unwrap_or("")
                );
            }
            let prog = program_for(seed, opts);
            let mut f = Found {
                seed,
                disagreement: d.clone(),
                found_after,
                original_size: prog.size(),
                reduced: None,
                reduced_size: 0,
                tests: 0,
                case: None,
            };
            if found.len() < opts.max_reduce {
                let deadline = Instant::now() + opts.reduce_time;
                let interesting = |p: &Prog| matches!(judge(p, engine).0, Verdict::Disagree(e) if e.same_kind(&d));
                let (small, tests) = reduce(&prog, &interesting, Some(deadline));
                f.reduced_size = small.size();
                f.tests = tests;
                let detail = match judge(&small, engine).0 {
                    Verdict::Disagree(e) => e.detail,
                    _ => d.detail.clone(),
                };
                f.case = Some(as_case(&small, engine.name(), &detail, f.original_size));
                f.reduced = Some(small);
                if opts.verbose {
                    println!(
                        "  reduced from {} to {} instructions ({} tests)",
                        f.original_size, f.reduced_size, f.tests
                    );
                }
                if let (Some(dir), Some(case)) = (&opts.write_cases, &f.case) {
                    let path = dir.join(format!("fuzz-{seed}.toml"));
                    let written =
                        std::fs::create_dir_all(dir).and_then(|_| std::fs::write(&path, case));
                    if opts.verbose {
                        match written {
                            Ok(()) => println!("  written to {}", path.display()),
                            Err(e) => println!("  cannot write {}: {e}", path.display()),
                        }
                    }
                }
            }
            found.push(f);
        }
        next = hi;
    }
    t.elapsed = start.elapsed();
    Report {
        telemetry: t,
        found,
    }
}

/// A reduced program as a ready `[[case]]` in the form of
/// `cases/regressions/`: the program inline, the seed in the name, and the
/// reference interpreter's outcome (the oracle) as the expectation.
pub fn as_case(prog: &Prog, engine: &str, detail: &str, original: usize) -> String {
    let r = reference_run(prog);
    let size = prog.size();
    let mut expect: Vec<String> = Vec::new();
    match &r.ending {
        Ending::Returned { code } => expect.push(format!("result = {code}")),
        Ending::Fault { code, .. } => expect.push(format!("fault = {code}")),
        e => expect.push(format!("ending = {}", toml_string(e.kind()))),
    }
    if !r.stdout.is_empty() {
        let text = String::from_utf8_lossy(&r.stdout_without_cr()).into_owned();
        expect.push(format!("stdout = {}", toml_string(&text)));
    }
    let mut out = format!(
        "# Found by `cintcheck fuzz --seed {seed}` on {engine}: {}\n\
         # Reduced from {original} to {size} instructions. Features drawn: {}.\n\
         # The expectation is the reference interpreter's outcome; check it\n\
         # against the spec before committing.\n\
         [[case]]\n\
         name = \"fuzz-{seed}\"\n\
         tags = [\"fuzz\", \"regression\"]\n\
         spec = \"sial.md (generated by cintcheck fuzz)\"\n\
         stack = 20000\n\
         memory = 120000\n\
         step_limit = 400000\n",
        detail.lines().next().unwrap_or(""),
        prog.features.names(),
        seed = prog.seed,
    );
    let (program, _) = prog.render();
    let globals = prog.capture_globals(&program);
    if !globals.is_empty() {
        out.push_str(&format!(
            "compare_globals = [{}]\n",
            globals
                .iter()
                .map(|g| g.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let statics = prog.capture_statics(&program);
    if !statics.is_empty() {
        out.push_str(&format!(
            "compare_statics = [{}]\n",
            statics
                .iter()
                .map(|l| format!("\"L{l}\""))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    out.push_str(&format!("expect = {{ {} }}\n", expect.join(", ")));
    out.push_str(&format!("program = '''\n{}'''\n", prog.text()));
    out
}
