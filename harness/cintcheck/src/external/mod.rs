//! External back ends (`--engine external:NAME`): a third-party
//! implementation described by an adapter manifest (`adapters/NAME.toml`,
//! format in `adapters/README.md`), run as separate processes, one fresh
//! temporary work directory per case:
//!
//! 1. the case's program is written there (`prog.sial`: the case's Sial in
//!    compact form, wrapped in the observation module; or `prog.b`: its
//!    BCPL source), with its input stream in `stdin`;
//! 2. the manifest's `translate`, `assemble` and `link` steps run in order
//!    (each optional), each with a wall-clock limit; a failing step is a
//!    classified ending (rejected, assembly failed, link failed, timeout,
//!    or bad output when a step wrote no file);
//! 3. the `run` step runs the program (behind an optional runner such as
//!    `qemu-aarch64`); its exit status, signal, stdout and stderr become an
//!    [`Outcome`] through the manifest's fault mapping and the observation
//!    trailer.
//!
//! Everything each step did is written to the work directory, which the
//! runner keeps under the report directory for failing cases.

pub mod deviation;
pub mod fault;
pub mod manifest;
pub mod observe;
pub mod process;
pub mod reproduce;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use reference::{Ending, ExternalFailure, Outcome, RunConfig};

use crate::case::Case;
use crate::engine::{Engine, Observed, Run, Sources};
use deviation::Rule;
use manifest::{expand, InputLevel, Manifest};

/// Where `external:NAME` looks for `NAME.toml` (or `NAME/adapter.toml`):
/// the folders of `CINTCHECK_ADAPTERS` (separated by `:`), then `adapters`
/// in the current directory.
pub fn search_path() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::env::var_os("CINTCHECK_ADAPTERS")
        .map(|s| std::env::split_paths(&s).collect())
        .unwrap_or_default();
    v.push(PathBuf::from("adapters"));
    v
}

/// The manifest file `spec` names: a path (to a `.toml`, or a folder with
/// `adapter.toml`), or a name looked up on [`search_path`].
pub fn resolve(spec: &str) -> Result<PathBuf, String> {
    let as_path = Path::new(spec);
    if spec.ends_with(".toml") || spec.contains('/') {
        let p = if as_path.is_dir() {
            as_path.join("adapter.toml")
        } else {
            as_path.to_path_buf()
        };
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!(
                "external:{spec}: no adapter manifest at {}",
                p.display()
            ))
        };
    }
    let dirs = search_path();
    for d in &dirs {
        for p in [
            d.join(format!("{spec}.toml")),
            d.join(spec).join("adapter.toml"),
        ] {
            if p.is_file() {
                return Ok(p);
            }
        }
    }
    Err(format!(
        "external:{spec}: no adapter manifest {spec}.toml in {} (set CINTCHECK_ADAPTERS or --adapters, or give a path)",
        dirs.iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// `external:NAME` for every manifest on the search path.
pub fn adapter_names() -> Vec<String> {
    let mut v = Vec::new();
    for d in search_path() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut names: Vec<String> = rd
            .flatten()
            .filter_map(|e| {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "toml") {
                    Some(p.file_stem()?.to_string_lossy().into_owned())
                } else if p.join("adapter.toml").is_file() {
                    Some(p.file_name()?.to_string_lossy().into_owned())
                } else {
                    None
                }
            })
            .collect();
        names.sort();
        for n in names {
            let n = format!("external:{n}");
            if !v.contains(&n) {
                v.push(n);
            }
        }
    }
    v
}

static LOGS: OnceLock<PathBuf> = OnceLock::new();

/// Keep the work directories of failing cases under `dir`
/// (`dir/ENGINE/CASE/`); set once, before a run.
pub fn keep_logs_in(dir: PathBuf) {
    let _ = LOGS.set(dir);
}

/// Keep `work` as the logs of `case` on `engine`; the path written, relative
/// to the report directory (the parent of the logs folder).
pub fn keep_logs(engine: &str, case: &str, work: &Path) -> Option<String> {
    let root = LOGS.get()?;
    let safe = |s: &str| {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-_.,".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect::<String>()
    };
    let rel = Path::new(root.file_name()?)
        .join(safe(engine))
        .join(case.split('/').map(safe).collect::<Vec<_>>().join("/"));
    let dest = root
        .join(safe(engine))
        .join(case.split('/').map(safe).collect::<Vec<_>>().join("/"));
    let _ = std::fs::remove_dir_all(&dest);
    copy_dir(work, &dest).ok()?;
    Some(rel.display().to_string())
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)?.flatten() {
        let p = e.path();
        let meta = e.metadata()?;
        if meta.is_dir() {
            copy_dir(&p, &to.join(e.file_name()))?;
        } else if meta.len() <= 16 << 20 {
            std::fs::copy(&p, to.join(e.file_name()))?;
        }
    }
    Ok(())
}

/// An external back end.
pub struct ExternalEngine {
    name: String,
    pub manifest: Manifest,
}

impl ExternalEngine {
    /// Load `external:SPEC` (SPEC as for [`resolve`]) and check that what
    /// it `requires` exists.
    pub fn load(spec: &str) -> Result<ExternalEngine, String> {
        let path = resolve(spec)?;
        let manifest = Manifest::read(&path)?;
        let engine = ExternalEngine {
            name: format!(
                "external:{}",
                if spec.ends_with(".toml") || spec.contains('/') {
                    manifest.name.clone()
                } else {
                    spec.to_string()
                }
            ),
            manifest,
        };
        let vars = engine.vars(Path::new("."), &RunConfig::default());
        for r in &engine.manifest.spec.requires {
            let p = PathBuf::from(expand(r, &vars));
            if !p.exists() {
                return Err(format!(
                    "{}: {} requires {}, which does not exist (is the implementation installed?)",
                    engine.name,
                    path.display(),
                    p.display()
                ));
            }
        }
        Ok(engine)
    }

    /// The placeholder values for a run in `work`.
    fn vars(&self, work: &Path, config: &RunConfig) -> BTreeMap<&'static str, String> {
        let m = &self.manifest;
        let mut v = BTreeMap::new();
        let show = |p: &Path| p.display().to_string();
        let input = match m.spec.input {
            InputLevel::Sial => "prog.sial",
            InputLevel::Bcpl => "prog.b",
        };
        v.insert("input", show(&work.join(input)));
        v.insert("work", show(work));
        v.insert("asm", show(&work.join("prog.s")));
        v.insert("obj", show(&work.join("prog.o")));
        v.insert("exe", show(&work.join("prog")));
        v.insert("stdin", show(&work.join("stdin")));
        v.insert("args", String::from_utf8_lossy(&config.args).into_owned());
        v.insert("stack", config.stack_words.to_string());
        v.insert("step_limit", config.step_limit.to_string());
        v.insert("root", show(&m.root));
        v.insert("here", show(&m.here));
        v.insert(
            "cintcheck",
            std::env::var_os("CINTCHECK_EXE")
                .map(PathBuf::from)
                .or_else(|| std::env::current_exe().ok())
                .map(|p| show(&p))
                .unwrap_or_else(|| "cintcheck".into()),
        );
        v.insert("name", config.program_name.clone());
        v
    }

    fn argv(
        &self,
        command: &[String],
        sh: &Option<String>,
        vars: &BTreeMap<&str, String>,
    ) -> Vec<String> {
        match sh {
            Some(line) => vec!["sh".into(), "-c".into(), expand(line, vars)],
            None => command.iter().map(|c| expand(c, vars)).collect(),
        }
    }

    fn run_in(
        &self,
        case: Option<&Case>,
        programs: &Sources,
        config: &RunConfig,
        work: &Path,
    ) -> (Outcome, Observed) {
        let m = &self.manifest;
        let mut observed = Observed {
            full_result: false,
            locations: false,
            state: false,
        };
        let ended = |e: Ending| (Outcome::ended(e), observed);
        let vars = self.vars(work, config);
        // 1. the input
        let mut plan = None;
        let input = PathBuf::from(&vars["input"]);
        let written = match m.spec.input {
            InputLevel::Sial => {
                let mut whole = sial::Program::default();
                for (_, p) in programs {
                    whole.modules.extend(p.modules.iter().cloned());
                }
                if m.spec.capabilities.observe {
                    match observe::wrap(&whole, &config.capture_globals, &config.capture_statics) {
                        Ok(Some((p, pl))) => {
                            whole = p;
                            plan = Some(pl);
                        }
                        Ok(None) => {}
                        Err(e) => {
                            return ended(Ending::EngineError(format!("observation module: {e}")))
                        }
                    }
                }
                observe::lift_low_labels(&mut whole);
                std::fs::write(&input, sial::print_compact(&whole))
            }
            InputLevel::Bcpl => match case.and_then(|c| c.bcpl.as_ref()) {
                Some(b) => std::fs::write(&input, b),
                None => {
                    return ended(Ending::EngineError(
                        "a BCPL-level adapter needs the case's BCPL source".into(),
                    ))
                }
            },
        };
        let stdin_path = PathBuf::from(&vars["stdin"]);
        if let Err(e) = written.and_then(|_| std::fs::write(&stdin_path, &config.stdin)) {
            return ended(Ending::EngineError(format!("{}: {e}", work.display())));
        }
        let env: BTreeMap<String, String> = m
            .spec
            .env
            .iter()
            .map(|(k, v)| (k.clone(), expand(v, &vars)))
            .collect();
        // 2. the build steps
        for (step, spec) in [
            ("translate", &m.spec.translate),
            ("assemble", &m.spec.assemble),
            ("link", &m.spec.link),
        ] {
            let Some(s) = spec else { continue };
            let argv = self.argv(&s.command, &s.sh, &vars);
            let f = process::run(step, &argv, work, &env, None, m.timeout(s.timeout), 1 << 20);
            if f.exit != process::Exit::Status(0) {
                return ended(fault::step_failure(step, &f));
            }
            if let Some(out) = &s.output {
                let p = PathBuf::from(expand(out, &vars));
                if !p.is_file() {
                    return ended(Ending::External {
                        failure: ExternalFailure::BadOutput,
                        detail: format!("{step}: exit status 0 but it wrote no {}", p.display()),
                    });
                }
            }
        }
        // 3. the run
        let mut argv: Vec<String> = m.spec.run.runner.iter().map(|r| expand(r, &vars)).collect();
        argv.extend(self.argv(&m.spec.run.command, &m.spec.run.sh, &vars));
        let f = process::run(
            "run",
            &argv,
            work,
            &env,
            Some(&stdin_path),
            m.timeout(m.spec.run.timeout),
            config.stdout_limit.max(1),
        );
        let mut stdout = f.stdout.clone();
        let trailer = match &plan {
            Some(p) => observe::take_trailer(&mut stdout, p),
            None => Ok(None),
        };
        let mut outcome = Outcome::ended(Ending::Quit);
        outcome.ending = match (fault::run_ending(m, &f), trailer) {
            (Err(e), Ok(_)) => e,
            (Err(e @ Ending::External { .. }), Err(_)) => e,
            (_, Err(garbled)) => Ending::External {
                failure: ExternalFailure::BadOutput,
                detail: garbled,
            },
            (Ok(status), Ok(Some(t))) => {
                observed.full_result = true;
                observed.state = true;
                outcome.globals = t.globals;
                outcome.statics = t.statics;
                if (t.result & 255) as i32 != status {
                    Ending::External {
                        failure: ExternalFailure::BadOutput,
                        detail: format!(
                            "exit status {status}, but start returned {} (status {})",
                            t.result,
                            t.result & 255
                        ),
                    }
                } else {
                    Ending::Returned { code: t.result }
                }
            }
            (Ok(status), Ok(None)) => Ending::Returned {
                code: status as i64,
            },
        };
        outcome.stdout = stdout;
        let _ = std::fs::write(
            work.join("outcome.txt"),
            format!(
                "{}\n(stdout shown to the harness: run.stdout)\n",
                outcome.ending
            ),
        );
        (outcome, observed)
    }

    /// Case-level reasons this adapter cannot run or judge `case`.
    fn unsupported_reason(&self, case: &Case, reference: Option<&Outcome>) -> Option<String> {
        let m = &self.manifest;
        let caps = &m.spec.capabilities;
        if case.level == crate::case::Level::Cintcode {
            return Some("a Cintcode case (the adapter reads Sial or BCPL)".into());
        }
        if m.spec.input == InputLevel::Bcpl && case.bcpl.is_none() {
            return Some("no BCPL source (the adapter reads BCPL)".into());
        }
        if !caps.stdin && !case.stdin.is_empty() {
            return Some("the adapter cannot give the program its input (stdin)".into());
        }
        if !caps.args && !case.args.is_empty() {
            return Some("the adapter cannot give the program arguments".into());
        }
        if !caps.tags.is_empty() && !case.tags.iter().any(|t| caps.tags.contains(t)) {
            return Some("no tag the adapter claims".into());
        }
        if let Some(t) = case.tags.iter().find(|t| caps.exclude_tags.contains(t)) {
            return Some(format!("tag `{t}` is excluded by the adapter"));
        }
        if !caps.opcodes.is_empty() || !caps.exclude_opcodes.is_empty() {
            if let Ok(p) = case.programs() {
                let ops = crate::runner::opcodes_of(&p);
                let missing: Vec<&String> = ops
                    .iter()
                    .filter(|o| {
                        (!caps.opcodes.is_empty() && !caps.opcodes.contains(o))
                            || caps.exclude_opcodes.contains(o)
                    })
                    .collect();
                if !missing.is_empty() {
                    return Some(format!(
                        "uses opcodes the adapter does not claim: {}",
                        missing
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            }
        }
        if let Some(e) = &case.expect.ending {
            if [
                "quit",
                "bad-address",
                "bad-jump",
                "step-limit",
                "engine-error",
            ]
            .contains(&e.as_str())
            {
                return Some(format!(
                    "expects the ending `{e}`, which an external program cannot show"
                ));
            }
        }
        if let Some(r) = reference {
            if matches!(
                r.ending,
                Ending::BadAddress { .. } | Ending::BadJump { .. } | Ending::StepLimit { .. }
            ) {
                return Some(format!(
                    "the reference ends with `{}` (the harness stops such a run); a native executable has no such ending",
                    r.ending.kind()
                ));
            }
        }
        let observes = m.spec.input == InputLevel::Sial && caps.observe;
        if !observes {
            let e = &case.expect;
            if !e.globals.is_empty() || !case.compare_globals.is_empty() {
                return Some("globals cannot be observed (no observation module)".into());
            }
            if !e.statics.is_empty() || !case.compare_statics.is_empty() {
                return Some("statics cannot be observed (no observation module)".into());
            }
            if e.result.is_some_and(|(v, _)| !(0..=255).contains(&v)) {
                return Some(
                    "the result cannot be observed (only its low 8 bits, as the exit status)"
                        .into(),
                );
            }
        }
        None
    }
}

impl Engine for ExternalEngine {
    fn name(&self) -> &str {
        &self.name
    }

    fn run(
        &self,
        programs: &Sources,
        config: &RunConfig,
        tee: Option<Box<dyn std::io::Write + Send>>,
    ) -> Outcome {
        let run = self.run_observed(None, programs, config);
        if let Some(mut t) = tee {
            let _ = t.write_all(&run.outcome.stdout);
            let _ = t.flush();
        }
        run.outcome
    }

    fn run_observed(&self, case: Option<&Case>, programs: &Sources, config: &RunConfig) -> Run {
        let work = match tempfile::Builder::new().prefix("cintcheck-ext-").tempdir() {
            Ok(w) => w,
            Err(e) => {
                return Run::whole(Outcome::ended(Ending::EngineError(format!(
                    "cannot make a work directory: {e}"
                ))))
            }
        };
        let (outcome, observed) = self.run_in(case, programs, config, work.path());
        Run {
            outcome,
            observed,
            work: Some(work),
        }
    }

    fn unsupported(&self, case: &Case, reference: Option<&Outcome>) -> Option<String> {
        self.unsupported_reason(case, reference)
    }

    fn deviation(
        &self,
        case: &Case,
        programs: &Sources,
        config: &RunConfig,
        reference: &Outcome,
        candidate: &Outcome,
        observed: Observed,
    ) -> Option<(String, String)> {
        if self.manifest.rules.is_empty() {
            return None;
        }
        deviation::explain(
            &self.manifest.rules,
            programs,
            config,
            reference,
            candidate,
            observed,
            case.expect.result.is_some_and(|x| x.1),
        )
    }

    fn refuted(
        &self,
        case: &Case,
        programs: &Sources,
        config: &RunConfig,
        reference: &Outcome,
        observed: Observed,
    ) -> Vec<String> {
        deviation::refuted(
            &self.manifest.rules,
            programs,
            config,
            reference,
            observed,
            case.expect.result.is_some_and(|x| x.1),
        )
    }

    fn declared_deviations(&self) -> Vec<String> {
        self.manifest
            .rules
            .iter()
            .map(|r: &Rule| r.name().to_string())
            .collect()
    }

    fn rerun_mismatches(&self) -> bool {
        self.manifest.spec.rerun
    }
}
