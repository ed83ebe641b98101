//! Engines: the things that run a Sial program and return an [`Outcome`].
//! Every engine shares the contract `run(programs, config, tee) -> Outcome`;
//! the registry maps engine names (as given to `--engine`) to engines.

use std::io::Write;

use reference::{Outcome, RunConfig};
use sial::Program;

/// A Sial program as given on the command line: one or more files, each
/// with its name (used in fault locations).
pub type Sources = [(String, Program)];

/// Something that can run a Sial program.
pub trait Engine: Send + Sync {
    /// The name used with `--engine` and in reports.
    fn name(&self) -> &'static str;
    /// Run the program; `tee` receives stdout bytes as they are produced.
    fn run(
        &self,
        programs: &Sources,
        config: &RunConfig,
        tee: Option<Box<dyn Write + Send>>,
    ) -> Outcome;
}

/// The reference interpreter.
pub struct Reference;

impl Engine for Reference {
    fn name(&self) -> &'static str {
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
}

/// The reference interpreter with the library's fast path off: every
/// library function of `writers.b` runs as BCPL calling through the global
/// vector. Not a separate semantics: `cargo test` runs the suite on it to
/// check that the fast path changes nothing.
pub struct ReferenceSlowLibrary;

impl Engine for ReferenceSlowLibrary {
    fn name(&self) -> &'static str {
        "reference-slow-library"
    }

    fn run(
        &self,
        programs: &Sources,
        config: &RunConfig,
        tee: Option<Box<dyn Write + Send>>,
    ) -> Outcome {
        let config = RunConfig {
            library_fast_path: false,
            ..config.clone()
        };
        reference::interp::run(programs, &config, tee)
    }
}

/// The built-in AArch64 backend (under the emulator on x86_64 hosts,
/// natively in a child process on aarch64 hosts).
pub struct A64;

impl Engine for A64 {
    fn name(&self) -> &'static str {
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
}

/// The a64 backend with one deliberate code-generation fault, for
/// measuring the suite's power (`cintcheck mutants`).
pub struct Mutant(pub backend::codegen::Mutation);

impl Engine for Mutant {
    fn name(&self) -> &'static str {
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
/// knows `reference-slow-library` and the `a64-mutant:NAME` engines.
pub fn engine_names() -> Vec<&'static str> {
    vec!["reference", "a64"]
}

/// The engine called `name`.
pub fn engine_by_name(name: &str) -> Result<Box<dyn Engine>, String> {
    match name {
        "reference" | "ref" => Ok(Box::new(Reference)),
        "a64" => Ok(Box::new(A64)),
        "reference-slow-library" => Ok(Box::new(ReferenceSlowLibrary)),
        m if m.starts_with("a64-mutant:") => backend::codegen::Mutation::ALL
            .iter()
            .find(|x| x.name() == m)
            .map(|x| Box::new(Mutant(*x)) as Box<dyn Engine>)
            .ok_or_else(|| format!("unknown mutant `{m}`")),
        _ => Err(format!(
            "unknown engine `{name}` (available: {}, reference-slow-library, a64-mutant:NAME)",
            engine_names().join(", ")
        )),
    }
}
