//! `cintcheck corpus DIR`: run every `NAME.sial` of a directory of real
//! compiler output (with `--cintcode`, every 64-bit Cintcode object
//! `cin/NAME` the real compiler made of the same programs) and compare its
//! stdout with `NAME.out`, honouring the directory's `corpus.toml` (lines to
//! ignore, stack size, an `expected` file that replaces `NAME.out`, whether
//! exit codes count).
//!
//! `.out` files hold the real system's stdout with every `\r` removed, so
//! the program's stdout is compared the same way.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use regex::Regex;
use serde::{Deserialize, Serialize};

use reference::{Ending, RunConfig};

use crate::engine::Engine;
use crate::source::{read_object, read_program};

/// Per-program settings of `corpus.toml`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramSettings {
    /// Regular expressions; a matching line is skipped on both sides.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Stack of the command coroutine in words.
    pub stack: Option<i64>,
    /// File to compare the Sial's run with instead of `NAME.out` (the
    /// Cintcode objects are always compared with `NAME.out`).
    pub expected: Option<String>,
    /// Whether the exit code must match `exit_code`.
    pub compare_exit_code: Option<bool>,
    /// Expected exit status when compared.
    pub exit_code: Option<i64>,
}

impl ProgramSettings {
    /// The run configuration of program `name` (its stack, 50000 words by
    /// default, and its name for the CLI's messages).
    pub fn config(&self, name: &str) -> RunConfig {
        RunConfig {
            stack_words: self.stack.unwrap_or(50_000),
            program_name: name.to_string(),
            ..RunConfig::default()
        }
    }
}

/// The whole `corpus.toml`: `[defaults]` and one table per program.
#[derive(Clone, Debug, Default)]
pub struct CorpusSettings {
    pub defaults: ProgramSettings,
    pub programs: BTreeMap<String, ProgramSettings>,
}

impl CorpusSettings {
    /// Read `DIR/corpus.toml` if present.
    pub fn read(dir: &Path) -> Result<CorpusSettings, String> {
        let path = dir.join("corpus.toml");
        if !path.exists() {
            return Ok(CorpusSettings::default());
        }
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut tables: BTreeMap<String, ProgramSettings> =
            toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let defaults = tables.remove("defaults").unwrap_or_default();
        Ok(CorpusSettings {
            defaults,
            programs: tables,
        })
    }

    /// Settings for `name`, with defaults filled in.
    pub fn for_program(&self, name: &str) -> ProgramSettings {
        let d = &self.defaults;
        let p = self.programs.get(name).cloned().unwrap_or_default();
        ProgramSettings {
            ignore: d.ignore.iter().chain(&p.ignore).cloned().collect(),
            stack: p.stack.or(d.stack),
            expected: p.expected.or_else(|| d.expected.clone()),
            compare_exit_code: p.compare_exit_code.or(d.compare_exit_code),
            exit_code: p.exit_code.or(d.exit_code),
        }
    }
}

/// The result of one corpus program.
#[derive(Clone, Debug, Serialize)]
pub struct ProgramResult {
    pub name: String,
    pub passed: bool,
    /// How the run ended (`returned 0`, `fault 5 (...) at ...`).
    pub ending: String,
    pub steps: u64,
    pub wall_seconds: f64,
    /// Why it failed: a unified-diff excerpt or an error.
    pub detail: Option<String>,
}

/// All results of one corpus run.
#[derive(Clone, Debug, Serialize)]
pub struct CorpusReport {
    pub engine: String,
    pub directory: String,
    pub results: Vec<ProgramResult>,
    pub passed: usize,
    pub failed: usize,
}

/// Options of a corpus run.
#[derive(Clone, Debug)]
pub struct CorpusOptions {
    /// Only programs whose name contains this text.
    pub filter: Option<String>,
    /// Step budget per program (0 = unlimited).
    pub step_limit: u64,
    /// Run the Cintcode objects of `DIR/cin` instead of the Sial.
    pub cintcode: bool,
}

/// The programs of `dir`: every `NAME.sial` with its path, sorted by name.
pub fn programs_in(dir: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    list(dir, |p| p.extension().is_some_and(|x| x == "sial"))
}

/// The Cintcode programs of `dir`: every object file `cin/NAME` (no
/// extension) with its path, sorted by name.
pub fn cintcode_programs_in(dir: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    list(&dir.join("cin"), |p| p.is_file() && p.extension().is_none())
}

fn list(dir: &Path, keep: impl Fn(&Path) -> bool) -> Result<Vec<(String, PathBuf)>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut v: Vec<(String, PathBuf)> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| keep(p))
        .filter_map(|p| Some((p.file_stem()?.to_string_lossy().into_owned(), p)))
        .collect();
    v.sort();
    Ok(v)
}

fn filtered_lines(text: &str, ignore: &[Regex]) -> Vec<String> {
    text.lines()
        .filter(|l| !ignore.iter().any(|r| r.is_match(l)))
        .map(str::to_string)
        .collect()
}

/// A unified diff of expected vs actual, cut to `max_lines`.
pub fn diff_excerpt(expected: &str, actual: &str, max_lines: usize) -> String {
    let diff = similar::TextDiff::from_lines(expected, actual);
    let text = diff
        .unified_diff()
        .context_radius(2)
        .header("expected", "actual")
        .to_string();
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() <= max_lines {
        text
    } else {
        let mut s = lines[..max_lines].join("\n");
        s.push_str(&format!(
            "\n... ({} more diff lines)\n",
            lines.len() - max_lines
        ));
        s
    }
}

/// Run and check one program.
pub fn check_program(
    engine: &dyn Engine,
    dir: &Path,
    name: &str,
    path: &Path,
    settings: &ProgramSettings,
    options: &CorpusOptions,
) -> ProgramResult {
    let start = Instant::now();
    let fail = |detail: String, ending: String, steps: u64, t: Duration| ProgramResult {
        name: name.to_string(),
        passed: false,
        ending,
        steps,
        wall_seconds: t.as_secs_f64(),
        detail: Some(detail),
    };
    // `expected` replaces the real system's output for the Sial as written
    // (bcpl2sial's own bugs); the Cintcode objects must reproduce NAME.out.
    let expected_path = dir.join(
        settings
            .expected
            .clone()
            .filter(|_| !options.cintcode)
            .unwrap_or_else(|| format!("{name}.out")),
    );
    let expected = match std::fs::read(&expected_path) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) => {
            return fail(
                format!("{}: {e}", expected_path.display()),
                "not run".into(),
                0,
                start.elapsed(),
            )
        }
    };
    let ignore: Vec<Regex> = match settings.ignore.iter().map(|p| Regex::new(p)).collect() {
        Ok(v) => v,
        Err(e) => {
            return fail(
                format!("corpus.toml: bad ignore pattern: {e}"),
                "not run".into(),
                0,
                start.elapsed(),
            )
        }
    };
    let config = RunConfig {
        step_limit: options.step_limit,
        ..settings.config(name)
    };
    let outcome = if options.cintcode {
        let object = match read_object(path) {
            Ok(o) => o,
            Err(e) => return fail(e, "not run".into(), 0, start.elapsed()),
        };
        match engine.run_cintcode(std::slice::from_ref(&object), &config, None) {
            Some(o) => o,
            None => {
                let why = format!("engine `{}` has no Cintcode level", engine.name());
                return fail(why, "not run".into(), 0, start.elapsed());
            }
        }
    } else {
        let program = match read_program(path) {
            Ok(p) => p,
            Err(e) => return fail(e, "not run".into(), 0, start.elapsed()),
        };
        engine.run(std::slice::from_ref(&program), &config, None)
    };
    let elapsed = start.elapsed();
    let actual = String::from_utf8_lossy(&outcome.stdout_without_cr()).into_owned();
    let ending = outcome.ending.to_string();
    let exp_lines = filtered_lines(&expected, &ignore);
    let act_lines = filtered_lines(&actual, &ignore);
    let mut problems = Vec::new();
    if exp_lines != act_lines {
        let (e, a) = (exp_lines.join("\n") + "\n", act_lines.join("\n") + "\n");
        problems.push(diff_excerpt(&e, &a, 40));
    } else if expected.ends_with('\n') != actual.ends_with('\n') {
        problems.push("stdout differs in its final newline".to_string());
    }
    if !matches!(
        outcome.ending,
        Ending::Returned { .. } | Ending::Quit | Ending::Fault { .. }
    ) {
        problems.push(format!("run ended abnormally: {ending}"));
    }
    if settings.compare_exit_code == Some(true) {
        let want = settings.exit_code.unwrap_or(0);
        let got = outcome.ending.exit_status() as i64;
        if want != got {
            problems.push(format!("exit status {got}, expected {want}"));
        }
    }
    ProgramResult {
        name: name.to_string(),
        passed: problems.is_empty(),
        ending,
        steps: outcome.steps,
        wall_seconds: elapsed.as_secs_f64(),
        detail: (!problems.is_empty()).then(|| problems.join("\n")),
    }
}

/// Run the whole corpus in parallel; results come back sorted by name.
pub fn run_corpus(
    engine: &dyn Engine,
    dir: &Path,
    options: &CorpusOptions,
) -> Result<CorpusReport, String> {
    let settings = CorpusSettings::read(dir)?;
    let found = if options.cintcode {
        cintcode_programs_in(dir)?
    } else {
        programs_in(dir)?
    };
    let programs: Vec<(String, PathBuf)> = found
        .into_iter()
        .filter(|(n, _)| {
            options
                .filter
                .as_ref()
                .is_none_or(|f| n.contains(f.as_str()))
        })
        .collect();
    if programs.is_empty() {
        let what = if options.cintcode {
            "Cintcode objects in cin/"
        } else {
            ".sial files"
        };
        return Err(format!("{}: no {what} found", dir.display()));
    }
    let results: Vec<ProgramResult> = programs
        .par_iter()
        .map(|(name, path)| {
            check_program(
                engine,
                dir,
                name,
                path,
                &settings.for_program(name),
                options,
            )
        })
        .collect();
    let passed = results.iter().filter(|r| r.passed).count();
    Ok(CorpusReport {
        engine: engine.name().to_string(),
        directory: dir.display().to_string(),
        failed: results.len() - passed,
        passed,
        results,
    })
}
