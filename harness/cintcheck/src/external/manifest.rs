//! Adapter manifests: the TOML file that describes one external back end
//! (documented with a worked example in `adapters/README.md`), read with
//! errors that name the file, line and key, and validated (known input
//! level, word size, deviation rules, placeholders, fault patterns).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use regex::Regex;
use serde::Deserialize;

use super::deviation::Rule;

/// What the implementation reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputLevel {
    /// The case's Sial, in the compact form `bcpl2sial` writes.
    Sial,
    /// The case's BCPL source (`bcpl` in the case).
    Bcpl,
}

/// A command: an argument vector, or a shell line run with `sh -c`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Program and arguments; placeholders in `{braces}`.
    #[serde(default)]
    pub command: Vec<String>,
    /// A shell line instead of `command`.
    pub sh: Option<String>,
    /// A file the step must write (e.g. `"{asm}"`); missing = bad output.
    pub output: Option<String>,
    /// Wall-clock limit in seconds.
    pub timeout: Option<f64>,
}

/// The run step: the command that runs the program (or builds and runs it).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunStep {
    #[serde(default)]
    pub command: Vec<String>,
    pub sh: Option<String>,
    pub timeout: Option<f64>,
    /// Prefix for the command, e.g. `["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"]`.
    #[serde(default)]
    pub runner: Vec<String>,
    /// Exit statuses that mean a failure of the tool chain, not of the
    /// program: status -> `rejected`, `assembly-failed`, `link-failed`,
    /// `crash`, `timeout` or `bad-output`.
    #[serde(default)]
    pub status: BTreeMap<String, String>,
    /// Exit statuses above this are "killed by signal (status - base)", as
    /// shells report a killed child (128).
    pub signal_base: Option<i32>,
    /// Refinements of a `status` failure by what stderr says: the first
    /// matching pattern gives the class instead.
    #[serde(default)]
    pub stderr_failures: Vec<StderrFailure>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StderrFailure {
    pub pattern: String,
    pub failure: String,
}

/// How a BCPL fault shows.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Faults {
    /// A pattern over stdout with a group `code` (and optionally
    /// `message`): its last match is a fault with that code.
    pub stdout: Option<String>,
    /// Patterns over stderr, each giving a fault code.
    #[serde(default)]
    pub stderr: Vec<StderrFault>,
    /// Signals that mean a fault: signal number -> fault code (8 = SIGFPE -> 5).
    #[serde(default)]
    pub signals: BTreeMap<String, i64>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StderrFault {
    pub pattern: String,
    pub code: i64,
}

/// What the implementation claims to handle; other cases are `unsupported`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capabilities {
    /// Whether the program's input stream (case `stdin`) can be given.
    #[serde(default = "yes")]
    pub stdin: bool,
    /// Whether command-line arguments (case `args`) can be given.
    #[serde(default = "yes")]
    pub args: bool,
    /// Wrap Sial programs in the observation module (prints the result,
    /// globals and statics asked for).
    #[serde(default = "yes")]
    pub observe: bool,
    /// Only cases with one of these tags (empty: all).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Never cases with one of these tags.
    #[serde(default)]
    pub exclude_tags: Vec<String>,
    /// Only cases whose every opcode is here (empty: all).
    #[serde(default)]
    pub opcodes: Vec<String>,
    /// Never cases using one of these opcodes.
    #[serde(default)]
    pub exclude_opcodes: Vec<String>,
}

fn yes() -> bool {
    true
}

impl Default for Capabilities {
    fn default() -> Self {
        Capabilities {
            stdin: true,
            args: true,
            observe: true,
            tags: Vec::new(),
            exclude_tags: Vec::new(),
            opcodes: Vec::new(),
            exclude_opcodes: Vec::new(),
        }
    }
}

/// The manifest as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestSpec {
    pub name: Option<String>,
    #[serde(default)]
    pub description: String,
    pub input: InputLevel,
    #[serde(default = "sixty_four")]
    pub word_bits: u32,
    /// Paths (with placeholders) that must exist for the adapter to run.
    #[serde(default)]
    pub requires: Vec<String>,
    pub translate: Option<Step>,
    pub assemble: Option<Step>,
    pub link: Option<Step>,
    pub run: RunStep,
    /// Default wall-clock limit per step in seconds (10).
    pub timeout: Option<f64>,
    /// Environment of every step (placeholders allowed).
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    #[serde(default)]
    pub faults: Faults,
    #[serde(default)]
    pub capabilities: Capabilities,
    /// Declared deviations from the reference semantics.
    #[serde(default)]
    pub deviations: Vec<String>,
    /// Run a mismatching case again to label it flaky (default true).
    #[serde(default = "yes")]
    pub rerun: bool,
}

fn sixty_four() -> u32 {
    64
}

/// A validated manifest.
#[derive(Clone, Debug)]
pub struct Manifest {
    pub name: String,
    pub path: PathBuf,
    /// The folder holding the manifest (`{here}`).
    pub here: PathBuf,
    /// The repository root (`{root}`): the nearest ancestor of the manifest
    /// holding `Cargo.toml`, else the current directory.
    pub root: PathBuf,
    pub spec: ManifestSpec,
    pub fault_stdout: Option<Regex>,
    pub fault_stderr: Vec<(Regex, i64)>,
    pub signal_faults: BTreeMap<i32, i64>,
    pub status: BTreeMap<i32, reference::ExternalFailure>,
    pub stderr_failures: Vec<(Regex, reference::ExternalFailure)>,
    pub rules: Vec<Rule>,
}

/// The placeholders a command may use.
pub const PLACEHOLDERS: &[&str] = &[
    "input",
    "work",
    "asm",
    "obj",
    "exe",
    "stdin",
    "args",
    "stack",
    "step_limit",
    "root",
    "here",
    "cintcheck",
    "name",
];

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).unwrap_or(text).matches('\n').count() + 1
}

/// The line of the first `key =` or `[key]` in `text` (1 when not found).
fn line_of_key(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| {
            let t = l.trim_start();
            t.starts_with(&format!("{key} "))
                || t.starts_with(&format!("{key}="))
                || t.starts_with(&format!("[{key}"))
        })
        .map_or(1, |i| i + 1)
}

fn failure_named(s: &str) -> Option<reference::ExternalFailure> {
    use reference::ExternalFailure as F;
    [
        F::Rejected,
        F::AssemblyFailed,
        F::LinkFailed,
        F::Crash,
        F::Timeout,
        F::BadOutput,
    ]
    .into_iter()
    .find(|f| f.as_str() == s)
}

impl Manifest {
    /// Read and validate a manifest file.
    pub fn read(path: &Path) -> Result<Manifest, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Manifest::parse(path, &text)
    }

    /// Parse and validate the text of a manifest.
    pub fn parse(path: &Path, text: &str) -> Result<Manifest, String> {
        let err = |line: usize, m: String| format!("{}:{line}: {m}", path.display());
        let spec: ManifestSpec = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(1, |s| line_of(text, s.start));
            err(line, e.message().trim().to_string())
        })?;
        let here = path
            .parent()
            .map(Path::to_path_buf)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("."));
        let here = here.canonicalize().unwrap_or(here);
        let root = here
            .ancestors()
            .find(|a| a.join("Cargo.toml").is_file())
            .map(Path::to_path_buf)
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_else(|| PathBuf::from("."));
        let name = spec.name.clone().unwrap_or_else(|| {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            if stem == "adapter" {
                here.file_name()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or(stem)
            } else {
                stem
            }
        });
        if spec.word_bits != 64 {
            return Err(err(
                line_of_key(text, "word_bits"),
                format!(
                    "word_bits = {}: only 64-bit implementations can be judged against the 64-bit reference",
                    spec.word_bits
                ),
            ));
        }
        if spec.input == InputLevel::Bcpl && spec.capabilities.observe {
            // Observation needs Sial; a BCPL-level adapter shows only stdout
            // and its exit status.
        }
        // Commands: exactly one of command/sh, known placeholders only.
        let check_cmd = |key: &str, command: &[String], sh: &Option<String>| {
            let line = line_of_key(text, key);
            match (command.is_empty(), sh) {
                (true, None) => return Err(err(line, format!("[{key}]: give `command` or `sh`"))),
                (false, Some(_)) => {
                    return Err(err(
                        line,
                        format!("[{key}]: give `command` or `sh`, not both"),
                    ))
                }
                _ => {}
            }
            for part in command.iter().chain(sh) {
                check_placeholders(part).map_err(|m| err(line, format!("[{key}]: {m}")))?;
            }
            Ok(())
        };
        for (key, step) in [
            ("translate", &spec.translate),
            ("assemble", &spec.assemble),
            ("link", &spec.link),
        ] {
            if let Some(s) = step {
                check_cmd(key, &s.command, &s.sh)?;
                if let Some(o) = &s.output {
                    check_placeholders(o)
                        .map_err(|m| err(line_of_key(text, key), format!("[{key}] output: {m}")))?;
                }
            }
        }
        check_cmd("run", &spec.run.command, &spec.run.sh)?;
        for r in spec.run.runner.iter().chain(&spec.requires) {
            check_placeholders(r).map_err(|m| err(line_of_key(text, "run"), m))?;
        }
        for v in spec.env.values() {
            check_placeholders(v).map_err(|m| err(line_of_key(text, "env"), m))?;
        }
        let mut status = BTreeMap::new();
        for (k, v) in &spec.run.status {
            let line = line_of_key(text, "status");
            let n: i32 = k
                .parse()
                .map_err(|_| err(line, format!("run.status: `{k}` is not an exit status")))?;
            let f = failure_named(v).ok_or_else(|| {
                err(
                    line,
                    format!(
                        "run.status {k} = `{v}`: expected rejected, assembly-failed, link-failed, crash, timeout or bad-output"
                    ),
                )
            })?;
            status.insert(n, f);
        }
        let mut stderr_failures = Vec::new();
        for f in &spec.run.stderr_failures {
            let line = line_of_key(text, "stderr_failures");
            let re = Regex::new(&f.pattern)
                .map_err(|e| err(line, format!("run.stderr_failures: {e}")))?;
            let class = failure_named(&f.failure).ok_or_else(|| {
                err(
                    line,
                    format!("run.stderr_failures: unknown failure `{}`", f.failure),
                )
            })?;
            stderr_failures.push((re, class));
        }
        let fault_stdout = match &spec.faults.stdout {
            Some(p) => {
                let re = Regex::new(p)
                    .map_err(|e| err(line_of_key(text, "stdout"), format!("faults.stdout: {e}")))?;
                if !re.capture_names().any(|n| n == Some("code")) {
                    return Err(err(
                        line_of_key(text, "stdout"),
                        "faults.stdout needs a group named `code`: (?P<code>\\d+)".into(),
                    ));
                }
                Some(re)
            }
            None => None,
        };
        let mut fault_stderr = Vec::new();
        for f in &spec.faults.stderr {
            let re = Regex::new(&f.pattern)
                .map_err(|e| err(line_of_key(text, "stderr"), format!("faults.stderr: {e}")))?;
            fault_stderr.push((re, f.code));
        }
        let mut signal_faults = BTreeMap::new();
        for (k, v) in &spec.faults.signals {
            let n: i32 = k.parse().map_err(|_| {
                err(
                    line_of_key(text, "signals"),
                    format!("faults.signals: `{k}` is not a signal number"),
                )
            })?;
            signal_faults.insert(n, *v);
        }
        let mut rules = Vec::new();
        for d in &spec.deviations {
            rules.push(Rule::named(d).ok_or_else(|| {
                err(
                    line_of_key(text, "deviations"),
                    format!(
                        "unknown deviation `{d}` (known: {})",
                        Rule::ALL
                            .iter()
                            .map(|r| r.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?);
        }
        Ok(Manifest {
            name,
            path: path.to_path_buf(),
            here,
            root,
            fault_stdout,
            fault_stderr,
            signal_faults,
            status,
            stderr_failures,
            rules,
            spec,
        })
    }

    /// Default wall-clock limit of a step.
    pub fn timeout(&self, step: Option<f64>) -> std::time::Duration {
        std::time::Duration::from_secs_f64(step.or(self.spec.timeout).unwrap_or(10.0).max(0.01))
    }
}

/// Every `{name}` in `s` must be a known placeholder (`{{` is a brace).
fn check_placeholders(s: &str) -> Result<(), String> {
    let mut rest = s.replace("{{", "").replace("}}", "");
    while let Some(i) = rest.find('{') {
        let Some(j) = rest[i..].find('}') else {
            return Err(format!("unclosed `{{` in `{s}`"));
        };
        let name = &rest[i + 1..i + j];
        if !PLACEHOLDERS.contains(&name) {
            return Err(format!(
                "unknown placeholder `{{{name}}}` in `{s}` (known: {})",
                PLACEHOLDERS.join(", ")
            ));
        }
        rest = rest[i + j + 1..].to_string();
    }
    Ok(())
}

/// Replace the placeholders of `s` with `vars`.
pub fn expand(s: &str, vars: &BTreeMap<&str, String>) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let r = &rest[i..];
        if r.starts_with("{{") || r.starts_with("}}") {
            out.push_str(&r[..1]);
            rest = &r[2..];
        } else if let (true, Some(j)) = (r.starts_with('{'), r.find('}')) {
            match vars.get(&r[1..j]) {
                Some(v) => out.push_str(v),
                None => out.push_str(&r[..=j]),
            }
            rest = &r[j + 1..];
        } else {
            out.push_str(&r[..1]);
            rest = &r[1..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_line() {
        let e = Manifest::parse(
            Path::new("a.toml"),
            "input = \"sial\"\n[run]\ncommand = [\"{exe}\", \"{bogus}\"]\n",
        )
        .unwrap_err();
        assert!(e.starts_with("a.toml:2:"), "{e}");
        assert!(e.contains("unknown placeholder `{bogus}`"), "{e}");
        let e = Manifest::parse(
            Path::new("a.toml"),
            "input = \"cobol\"\n[run]\nsh = \"x\"\n",
        )
        .unwrap_err();
        assert!(e.starts_with("a.toml:1:"), "{e}");
        let e = Manifest::parse(
            Path::new("a.toml"),
            "input = \"sial\"\ndeviations = [\"nice\"]\n[run]\nsh = \"x\"\n",
        )
        .unwrap_err();
        assert!(e.contains("a.toml:2: unknown deviation `nice`"), "{e}");
        let m = Manifest::parse(
            Path::new("adapters/x.toml"),
            "input = \"sial\"\n[run]\nsh = \"{{x}} {exe}\"\nstatus = { 200 = \"rejected\" }\n",
        )
        .unwrap();
        assert_eq!(m.name, "x");
        assert_eq!(m.status[&200], reference::ExternalFailure::Rejected);
    }

    #[test]
    fn placeholders_expand() {
        let mut v = BTreeMap::new();
        v.insert("exe", "/w/prog".to_string());
        assert_eq!(expand("{exe} {{x}} {y}", &v), "/w/prog {x} {y}");
    }
}
