//! Reports of a suite run. The JSON report is the source of truth: every
//! (case, engine) result with its verdict; reports of shards merge into the
//! report of the full run ([`RunReport::merge`]). JUnit XML and the
//! conformance matrix (HTML and Markdown) are rendered from it.
//!
//! JSON schema (version 1):
//! ```text
//! { "schema": 1,
//!   "engines": ["reference", "a64"],
//!   "shards": [[k, n], ...],            // shards merged into this report
//!   "totals": { "passed", "failed", "skipped", "expected_failures" },
//!   "results": [ { "case", "engine", "verdict": "pass" | "mismatch" |
//!                  "expected-failure" | "unexpected-pass" | "skipped" | "error" |
//!                  "unsupported" | "deviation",
//!                  "detail"?, "flaky"?, "reason"?, "message"?, "rule"?,
//!                  "ending"?, "ending_kind"?, "logs"?, "refutes"?,
//!                  "seconds", "file", "line", "tags", "opcodes" } ],
//!   "declared_deviations"?: { "external:NAME": ["true-is-one", ...] } }
//! ```
//! (`totals` also has `unsupported` and `deviations`; `logs` is relative to
//! the report directory.)
//! ```text
//! ```

pub mod junit;
pub mod matrix;

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::runner::{CaseResult, Totals};

/// Everything a run produced.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunReport {
    pub schema: u32,
    pub engines: Vec<String>,
    pub shards: Vec<(usize, usize)>,
    pub totals: Totals,
    pub results: Vec<CaseResult>,
    /// Deviations each engine declares (external adapters), by engine.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub declared_deviations: std::collections::BTreeMap<String, Vec<String>>,
}

impl RunReport {
    pub fn new(
        engines: Vec<String>,
        shard: Option<(usize, usize)>,
        results: Vec<CaseResult>,
    ) -> RunReport {
        RunReport {
            schema: 1,
            engines,
            shards: shard.into_iter().collect(),
            totals: Totals::of(&results),
            results,
            declared_deviations: Default::default(),
        }
    }

    /// Merge reports of shards (or of separate runs): results are
    /// concatenated, a (case, engine) present twice keeps its last result,
    /// and the totals are recomputed.
    pub fn merge(reports: Vec<RunReport>) -> RunReport {
        let mut engines: Vec<String> = Vec::new();
        let mut shards = Vec::new();
        let mut by_key = std::collections::BTreeMap::new();
        let mut declared = std::collections::BTreeMap::new();
        for r in reports {
            declared.extend(r.declared_deviations);
            for e in r.engines {
                if !engines.contains(&e) {
                    engines.push(e);
                }
            }
            shards.extend(r.shards);
            for res in r.results {
                by_key.insert((res.case.clone(), res.engine.clone()), res);
            }
        }
        let results: Vec<CaseResult> = by_key.into_values().collect();
        RunReport {
            schema: 1,
            engines,
            shards,
            totals: Totals::of(&results),
            results,
            declared_deviations: declared,
        }
    }

    /// For each engine declaring deviations: each rule with the cases that
    /// confirm it (verdict `deviation` naming it) and refute it (passing
    /// cases the rule would have changed).
    pub fn deviation_summary(&self) -> Vec<(String, String, Vec<String>, Vec<String>)> {
        let mut out = Vec::new();
        for (engine, rules) in &self.declared_deviations {
            for rule in rules {
                let mut confirmed = Vec::new();
                let mut refuted = Vec::new();
                for r in self.results.iter().filter(|r| &r.engine == engine) {
                    if let crate::runner::Verdict::Deviation { rule: used, .. } = &r.verdict {
                        if used.split('+').any(|u| u == rule) {
                            confirmed.push(r.case.clone());
                        }
                    }
                    if r.refutes.contains(rule) {
                        refuted.push(r.case.clone());
                    }
                }
                confirmed.sort();
                refuted.sort();
                out.push((engine.clone(), rule.clone(), confirmed, refuted));
            }
        }
        out
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    pub fn read_json(path: &Path) -> Result<RunReport, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Write report.json, junit.xml, matrix.html and matrix.md into `dir`.
    pub fn write_all(&self, dir: &Path) -> Result<(), String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let write = |name: &str, text: String| {
            std::fs::write(dir.join(name), text)
                .map_err(|e| format!("{}: {e}", dir.join(name).display()))
        };
        write("report.json", self.to_json())?;
        write("junit.xml", junit::render(self)?)?;
        write("matrix.html", matrix::html(self))?;
        write("matrix.md", matrix::markdown(self))?;
        Ok(())
    }
}
