//! Engines: the things that run a Sial program and return an [`Outcome`].
//! Every engine shares the contract `run(programs, config, tee) -> Outcome`;
//! the registry maps engine names (as given to `--engine`) to engines.

use std::io::Write;

use reference::{Ending, Outcome, RunConfig};
use sial::Program;

use crate::case::Case;

/// A Sial program as given on the command line: one or more files, each
/// with its name (used in fault locations).
pub type Sources = [(String, Program)];

/// What of a run an engine can see. In-process engines see everything; an
/// external program shows only its stdout and exit status (plus what the
/// observation module prints).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Observed {
    /// The whole value `start` returned (else only its low 8 bits, as an
    /// exit status, and a `quit` looks like a return of 0).
    pub full_result: bool,
    /// Where a fault happened.
    pub locations: bool,
    /// The final globals and statics asked for.
    pub state: bool,
}

impl Observed {
    pub const ALL: Observed = Observed {
        full_result: true,
        locations: true,
        state: true,
    };

    /// `reference` as this engine could have seen it: what cannot be
    /// observed is removed, so that it is not compared.
    pub fn view(&self, reference: &Outcome) -> Outcome {
        let mut o = reference.clone();
        if !self.locations {
            o.ending = match o.ending {
                Ending::Fault { code, message, .. } => Ending::Fault {
                    code,
                    message,
                    at: None,
                },
                Ending::OutputLimit { .. } => Ending::OutputLimit { at: None },
                e => e,
            };
        }
        if !self.full_result {
            o.ending = match o.ending {
                Ending::Returned { code } => Ending::Returned { code: code & 255 },
                Ending::Quit => Ending::Returned { code: 0 },
                e => e,
            };
        }
        if !self.state {
            o.globals.clear();
            o.statics.clear();
        }
        o
    }
}

/// One run with what the engine could observe of it.
pub struct Run {
    pub outcome: Outcome,
    pub observed: Observed,
    /// The run's work directory (inputs, intermediate files, each command's
    /// stdout, stderr and status), kept in the report when the case fails.
    pub work: Option<tempfile::TempDir>,
}

impl Run {
    /// A run whose every part was observed.
    pub fn whole(outcome: Outcome) -> Run {
        Run {
            outcome,
            observed: Observed::ALL,
            work: None,
        }
    }
}

/// Something that can run a Sial program.
pub trait Engine: Send + Sync {
    /// The name used with `--engine` and in reports.
    fn name(&self) -> &str;
    /// Run the program; `tee` receives stdout bytes as they are produced.
    fn run(
        &self,
        programs: &Sources,
        config: &RunConfig,
        tee: Option<Box<dyn Write + Send>>,
    ) -> Outcome;
    /// Run a 64-bit Cintcode program (objects linked in order after the
    /// library); `None` when the engine has no Cintcode level.
    fn run_cintcode(
        &self,
        _objects: &[cintcode::Object],
        _config: &RunConfig,
        _tee: Option<Box<dyn Write + Send>>,
    ) -> Option<Outcome> {
        None
    }
    /// Run a case's program (the case gives source-level engines its BCPL
    /// text), saying what could be observed.
    fn run_observed(&self, _case: Option<&Case>, programs: &Sources, config: &RunConfig) -> Run {
        Run::whole(self.run(programs, config, None))
    }
    /// Why this engine cannot run or judge `case` (given the reference's
    /// outcome), if it cannot: the verdict is then `unsupported`.
    fn unsupported(&self, _case: &Case, _reference: Option<&Outcome>) -> Option<String> {
        None
    }
    /// A declared deviation that explains the difference between
    /// `reference` (as this engine observes it) and `candidate`: the rule's
    /// name and a detail. Engines without declared deviations have none.
    fn deviation(
        &self,
        _case: &Case,
        _programs: &Sources,
        _config: &RunConfig,
        _reference: &Outcome,
        _candidate: &Outcome,
        _observed: Observed,
    ) -> Option<(String, String)> {
        None
    }
    /// Declared deviations a passing case refutes: the deviation would have
    /// changed its outcome, yet the engine agreed with the reference.
    fn refuted(
        &self,
        _case: &Case,
        _programs: &Sources,
        _config: &RunConfig,
        _reference: &Outcome,
        _observed: Observed,
    ) -> Vec<String> {
        Vec::new()
    }
    /// Names of the deviations this engine declares.
    fn declared_deviations(&self) -> Vec<String> {
        Vec::new()
    }
    /// Whether a mismatch is run again to tell deterministic from flaky.
    fn rerun_mismatches(&self) -> bool {
        true
    }
}

/// The reference interpreter.
pub struct Reference;

impl Engine for Reference {
    fn name(&self) -> &str {
        "reference"
    }

    fn run(
        &self,
        programs: &Sources,
        config: &RunConfig,
        tee: Option<Box<dyn Write + Send>>,
    ) -> Outcome {
        reference::interp::run(programs, config, tee)
    }

    fn run_cintcode(
        &self,
        objects: &[cintcode::Object],
        config: &RunConfig,
        tee: Option<Box<dyn Write + Send>>,
    ) -> Option<Outcome> {
        Some(reference::cintcode::run(objects, config, tee))
    }
}

/// The reference interpreter with the library's fast path off: every
/// library function of `writers.b` runs as BCPL calling through the global
/// vector. Not a separate semantics: `cargo test` runs the suite on it to
/// check that the fast path changes nothing.
pub struct ReferenceSlowLibrary;

impl Engine for ReferenceSlowLibrary {
    fn name(&self) -> &str {
        "reference-slow-library"
    }

    fn run(
        &self,
        programs: &Sources,
        config: &RunConfig,
        tee: Option<Box<dyn Write + Send>>,
    ) -> Outcome {
        reference::interp::run(programs, &slow_library(config), tee)
    }

    fn run_cintcode(
        &self,
        objects: &[cintcode::Object],
        config: &RunConfig,
        tee: Option<Box<dyn Write + Send>>,
    ) -> Option<Outcome> {
        Some(reference::cintcode::run(
            objects,
            &slow_library(config),
            tee,
        ))
    }
}

/// `config` with the library's fast path off.
fn slow_library(config: &RunConfig) -> RunConfig {
    RunConfig {
        library_fast_path: false,
        ..config.clone()
    }
}

/// The built-in AArch64 backend (under the emulator on x86_64 hosts,
/// natively in a child process on aarch64 hosts).
pub struct A64;

impl Engine for A64 {
    fn name(&self) -> &str {
        "a64"
    }

    fn run(
        &self,
        programs: &Sources,
        config: &RunConfig,
        tee: Option<Box<dyn Write + Send>>,
    ) -> Outcome {
        backend::run(programs, config, tee)
    }

    fn run_cintcode(
        &self,
        objects: &[cintcode::Object],
        config: &RunConfig,
        tee: Option<Box<dyn Write + Send>>,
    ) -> Option<Outcome> {
        backend::cintcode::AVAILABLE.then(|| backend::cintcode::run(objects, config, tee))
    }
}

/// The a64 backend with one deliberate fault of its Cintcode translator
/// (`a64-mutant:cintcode-NAME`); Sial programs run unmutated.
pub struct CintcodeMutant(pub backend::cintcode::Mutation);

impl Engine for CintcodeMutant {
    fn name(&self) -> &str {
        self.0.name()
    }

    fn run(
        &self,
        programs: &Sources,
        config: &RunConfig,
        tee: Option<Box<dyn Write + Send>>,
    ) -> Outcome {
        backend::run(programs, config, tee)
    }

    fn run_cintcode(
        &self,
        objects: &[cintcode::Object],
        config: &RunConfig,
        tee: Option<Box<dyn Write + Send>>,
    ) -> Option<Outcome> {
        if !backend::cintcode::AVAILABLE {
            return None;
        }
        let mut opts = backend::cintcode::CinOptions::default();
        opts.mutations.insert(self.0);
        Some(backend::cintcode::run_with(objects, config, tee, &opts).outcome)
    }
}

/// The a64 backend with one deliberate code-generation fault, for
/// measuring the suite's power (`cintcheck mutants`).
pub struct Mutant(pub backend::codegen::Mutation);

impl Engine for Mutant {
    fn name(&self) -> &str {
        self.0.name()
    }

    fn run(
        &self,
        programs: &Sources,
        config: &RunConfig,
        tee: Option<Box<dyn Write + Send>>,
    ) -> Outcome {
        let mut opts = backend::A64Options::default();
        opts.codegen.mutations.insert(self.0);
        backend::run_with(programs, config, tee, &opts).outcome
    }
}

/// Names of the engines a run uses by default. [`engine_by_name`] also
/// knows `reference-slow-library`, `a64-exe` (stand-alone executables,
/// which need the aarch64 run-time, linker and qemu), the
/// `a64-mutant:NAME` engines and
/// `external:NAME` for each adapter manifest found (listed by
/// [`crate::external::adapter_names`]).
pub fn engine_names() -> Vec<&'static str> {
    vec!["reference", "a64"]
}

/// The engine called `name`.
pub fn engine_by_name(name: &str) -> Result<Box<dyn Engine>, String> {
    match name {
        "reference" | "ref" => Ok(Box::new(Reference)),
        "a64" => Ok(Box::new(A64)),
        "reference-slow-library" => Ok(Box::new(ReferenceSlowLibrary)),
        "a64-exe" => Ok(Box::new(crate::exe::A64Exe)),
        m if m.starts_with("a64-mutant:cintcode-") => backend::cintcode::Mutation::from_name(m)
            .map(|x| Box::new(CintcodeMutant(x)) as Box<dyn Engine>)
            .ok_or_else(|| format!("unknown mutant `{m}`")),
        m if m.starts_with("a64-mutant:") => backend::codegen::Mutation::from_name(m)
            .map(|x| Box::new(Mutant(x)) as Box<dyn Engine>)
            .ok_or_else(|| format!("unknown mutant `{m}`")),
        e if e.starts_with("external:") => {
            crate::external::ExternalEngine::load(&e["external:".len()..])
                .map(|x| Box::new(x) as Box<dyn Engine>)
        }
        _ => Err(format!(
            "unknown engine `{name}` (available: {}, reference-slow-library, a64-exe, a64-mutant:NAME, external:NAME)",
            engine_names().join(", ")
        )),
    }
}
