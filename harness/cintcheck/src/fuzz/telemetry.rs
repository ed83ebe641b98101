//! What a campaign did: programs and instructions generated, opcodes and
//! opcode pairs (adjacent instructions) covered, features drawn, how the
//! reference runs ended (faults by code), disagreements, and speed.
//! Coverage is of the generated code (static); the reference interpreter
//! has no hook that reports the instructions it executed.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write;
use std::time::Duration;

use reference::{Ending, Outcome};
use sial::{Op, Program, ALL_OPS};

use super::features::{Feature, Features};

#[derive(Clone, Debug, Default)]
pub struct Telemetry {
    pub programs: u64,
    pub instructions: u64,
    /// Occurrences of each opcode (by number).
    pub ops: BTreeMap<u8, u64>,
    /// Adjacent executable opcode pairs seen.
    pub pairs: HashSet<(u8, u8)>,
    /// Programs that drew each feature.
    pub features: BTreeMap<&'static str, u64>,
    /// How the reference runs ended (`returned`, `fault 5`, ...).
    pub endings: BTreeMap<String, u64>,
    /// Reference steps executed.
    pub steps: u64,
    /// Programs the reference could not finish (not compared).
    pub void: u64,
    pub disagreements: u64,
    pub elapsed: Duration,
}

/// The opcodes a program can contain (not directives, not the library's own).
pub fn program_ops() -> Vec<Op> {
    ALL_OPS
        .iter()
        .copied()
        .filter(|o| !o.is_directive() || *o == Op::Lstr)
        .filter(|o| o.emitted_by_bcpl2sial())
        .collect()
}

impl Telemetry {
    /// Count one generated program.
    pub fn program(&mut self, features: Features, p: &Program) {
        self.programs += 1;
        for f in features.list() {
            *self.features.entry(f.name()).or_default() += 1;
        }
        for m in &p.modules {
            let mut prev: Option<u8> = None;
            for i in &m.instrs {
                if i.op.is_directive() && i.op != Op::Lstr {
                    if i.op == Op::Lab {
                        prev = None;
                    }
                    continue;
                }
                self.instructions += 1;
                let n = i.op.number();
                *self.ops.entry(n).or_default() += 1;
                if let Some(q) = prev {
                    self.pairs.insert((q, n));
                }
                prev = Some(n);
            }
        }
    }

    /// Count one reference outcome.
    pub fn outcome(&mut self, r: &Outcome) {
        self.steps += r.steps;
        let key = match &r.ending {
            Ending::Fault { code, .. } => format!("fault {code}"),
            e => e.kind().to_string(),
        };
        *self.endings.entry(key).or_default() += 1;
    }

    pub fn merge(&mut self, o: Telemetry) {
        self.programs += o.programs;
        self.instructions += o.instructions;
        for (k, v) in o.ops {
            *self.ops.entry(k).or_default() += v;
        }
        self.pairs.extend(o.pairs);
        for (k, v) in o.features {
            *self.features.entry(k).or_default() += v;
        }
        for (k, v) in o.endings {
            *self.endings.entry(k).or_default() += v;
        }
        self.steps += o.steps;
        self.void += o.void;
        self.disagreements += o.disagreements;
    }

    /// Programs per second.
    pub fn rate(&self) -> f64 {
        self.programs as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The report printed at the end of a campaign.
    pub fn report(&self) -> String {
        let mut s = String::new();
        let all = program_ops();
        let covered = all
            .iter()
            .filter(|o| self.ops.contains_key(&o.number()))
            .count();
        let _ = writeln!(
            s,
            "programs: {} in {:.1} s ({:.0} programs/s), {} instructions, {} reference steps",
            self.programs,
            self.elapsed.as_secs_f64(),
            self.rate(),
            self.instructions,
            self.steps
        );
        let _ = writeln!(
            s,
            "opcodes covered: {covered} of {} that bcpl2sial emits; opcode pairs: {} of {}",
            all.len(),
            self.pairs.len(),
            all.len() * all.len()
        );
        let missing: Vec<&str> = all
            .iter()
            .filter(|o| !self.ops.contains_key(&o.number()))
            .map(|o| o.name())
            .collect();
        if !missing.is_empty() {
            let _ = writeln!(s, "  never generated: {}", missing.join(" "));
        }
        let mut rare: Vec<(u64, &str)> = all
            .iter()
            .filter_map(|o| self.ops.get(&o.number()).map(|n| (*n, o.name())))
            .collect();
        rare.sort();
        let _ = writeln!(
            s,
            "  rarest: {}",
            rare.iter()
                .take(8)
                .map(|(n, o)| format!("{o} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let _ = writeln!(
            s,
            "features drawn (programs): {}",
            Feature::ALL
                .iter()
                .map(|f| format!("{} {}", f.name(), self.features.get(f.name()).unwrap_or(&0)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let _ = writeln!(
            s,
            "reference endings: {}",
            self.endings
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let _ = writeln!(
            s,
            "not compared (reference stopped by the harness): {}; disagreements: {}",
            self.void, self.disagreements
        );
        s
    }
}
