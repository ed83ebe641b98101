//! Stand-alone executables from the built-in backend: assembly text
//! (`cintcheck asm --target`), assembling and linking it with the
//! executable run-time (`cintcheck build`), and running such executables as
//! real processes: under `qemu-aarch64` on other hosts, natively on
//! aarch64 Linux. The `a64-exe` engine builds and runs every case this way.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use backend::asm_text::{self, Target};
use reference::RunConfig;
use sial::Program;

/// The Rust target the executable run-time is built for.
pub const RT_TARGET_LINUX: &str = "aarch64-unknown-linux-gnu";
pub const RT_TARGET_MACOS: &str = "aarch64-apple-darwin";
/// The Rust target the run-time for `target` is built for.
fn rt_target(target: Target) -> &'static str {
    match target {
        Target::Linux => RT_TARGET_LINUX,
        Target::MacOs => RT_TARGET_MACOS,
    }
}

/// The libraries a Rust static library needs from the C side.
const LINUX_LIBS: &[&str] = &["-lpthread", "-ldl", "-lm", "-lrt", "-lgcc_s", "-lc"];
const MACOS_LIBS: &[&str] = &["-lSystem", "-lc", "-lm"];

/// The assembly text of `programs` for `target`.
pub fn assembly(programs: &[(String, Program)], target: Target) -> Result<String, String> {
    assembly_with(programs, target, &backend::codegen::Options::default())
}

/// As [`assembly`], with code-generation options (a deliberate fault, for
/// judging the suite through external adapters).
pub fn assembly_with(
    programs: &[(String, Program)],
    target: Target,
    opts: &backend::codegen::Options,
) -> Result<String, String> {
    let config = RunConfig::default();
    let (linked, _, compiled) = backend::engine::compile_programs(programs, &config, opts)?;
    asm_text::emit(programs, &linked, &compiled, target)
}

/// The options that plant mutant `name` (`true-is-one` or
/// `a64-mutant:true-is-one`); none for `None`.
pub fn mutant_options(name: Option<&str>) -> Result<backend::codegen::Options, String> {
    let mut opts = backend::codegen::Options::default();
    if let Some(name) = name {
        let m = backend::codegen::Mutation::from_name(name)
            .ok_or_else(|| format!("unknown mutant `{name}`"))?;
        opts.mutations.insert(m);
    }
    Ok(opts)
}

/// Where the executable run-time library is: `CINTCHECK_RT`, else
/// `TARGET/release/libcintcheck_rt.a` in the cargo target directory this
/// program was built in (or one of its ancestors).
pub fn runtime_library(target: Target) -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("CINTCHECK_RT") {
        return Ok(PathBuf::from(p));
    }
    let triple = rt_target(target);
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    runtime_library_beside(&exe, target).ok_or_else(|| {
        format!(
            "the executable run-time is not built: run `cargo build --release --target {triple} -p cintcheck-rt` \
             (or name the library in CINTCHECK_RT)"
        )
    })
}

/// The run-time library in the cargo target directory that the binary
/// `bin` was built in (or one of its ancestors), if it is there.
pub fn runtime_library_beside(bin: &Path, target: Target) -> Option<PathBuf> {
    let triple = rt_target(target);
    bin.ancestors()
        .skip(1)
        .map(|dir| dir.join(triple).join("release/libcintcheck_rt.a"))
        .find(|p| p.is_file())
}

/// The C compiler driver that assembles and links for `target`.
pub fn linker(target: Target) -> Vec<String> {
    if let Some(cc) = std::env::var_os("CINTCHECK_CC") {
        return cc
            .to_string_lossy()
            .split_whitespace()
            .map(String::from)
            .collect();
    }
    match target {
        Target::Linux if cfg!(all(target_arch = "aarch64", target_os = "linux")) => {
            vec!["cc".into()]
        }
        Target::Linux => vec!["aarch64-linux-gnu-gcc".into()],
        Target::MacOs if cfg!(target_os = "macos") => vec!["cc".into()],
        Target::MacOs => vec![
            "clang".into(),
            "-target".into(),
            "arm64-apple-macos11".into(),
        ],
    }
}

/// Linker flags: unused sections and the run-time's debug information
/// dropped (the BCPL function symbols stay for debuggers).
const LINK_FAST: &[&str] = &["-Wl,--gc-sections", "-Wl,--strip-debug"];

/// Assemble `asm` (a file) and link it with the run-time into `out`.
pub fn link(asm: &Path, out: &Path, target: Target, rt: &Path) -> Result<(), String> {
    let flags: &[&str] = match target {
        Target::Linux => LINK_FAST,
        Target::MacOs => &["-Wl,-dead_strip"],
    };
    link_with(asm, out, target, rt, flags)
}

fn link_with(
    asm: &Path,
    out: &Path,
    target: Target,
    rt: &Path,
    flags: &[&str],
) -> Result<(), String> {
    let mut argv = linker(target);
    let program = argv.remove(0);
    let libs = match target {
        Target::Linux => LINUX_LIBS,
        Target::MacOs => MACOS_LIBS,
    };
    let output = Command::new(&program)
        .args(&argv)
        .args(flags)
        .arg("-o")
        .arg(out)
        .arg(asm)
        .arg(rt)
        .args(libs)
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{program} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// Build the executable `out` from `programs` (compiled with `opts`); the
/// assembly text is kept beside it as `OUT.s`.
pub fn build(
    programs: &[(String, Program)],
    out: &Path,
    target: Target,
    opts: &backend::codegen::Options,
) -> Result<(), String> {
    let rt = runtime_library(target)?;
    let text = assembly_with(programs, target, opts)?;
    let mut asm = out.as_os_str().to_owned();
    asm.push(".s");
    let asm = PathBuf::from(asm);
    std::fs::write(&asm, text).map_err(|e| format!("{}: {e}", asm.display()))?;
    link(&asm, out, target, &rt)
}

/// How to start an aarch64 Linux executable on this host: directly on
/// aarch64 Linux, else under `qemu-aarch64` (with the cross sysroot when it
/// is installed).
pub fn runner() -> Vec<String> {
    if cfg!(all(target_arch = "aarch64", target_os = "linux")) {
        return Vec::new();
    }
    let mut r = vec!["qemu-aarch64".to_string()];
    if Path::new("/usr/aarch64-linux-gnu").is_dir() {
        r.push("-L".into());
        r.push("/usr/aarch64-linux-gnu".into());
    }
    r
}

/// Wall-clock limit of one run of an executable (`CINTCHECK_EXE_TIMEOUT`
/// seconds, default 60).
fn run_timeout() -> std::time::Duration {
    let secs = std::env::var("CINTCHECK_EXE_TIMEOUT")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(60.0);
    std::time::Duration::from_secs_f64(secs)
}

/// The `a64-exe` engine: each program is assembled and linked into an
/// executable with the run-time, and run as a real process in its own
/// temporary directory (under qemu-aarch64 on non-aarch64 hosts) with a
/// wall-clock limit. stdout is the process's own; how the run ended, and
/// the globals and statics asked for, come from the outcome file the
/// run-time writes (`CINTCHECK_OUTCOME`), whose ending must agree with the
/// process's exit status.
pub struct A64Exe;

impl A64Exe {
    fn run_in(
        &self,
        dir: &Path,
        programs: &crate::engine::Sources,
        config: &RunConfig,
    ) -> Result<reference::Outcome, String> {
        use std::collections::BTreeMap;

        use crate::external::process::{self, Exit};
        use reference::{Ending, Outcome};

        let exe = dir.join("prog");
        build(
            programs,
            &exe,
            Target::Linux,
            &backend::codegen::Options::default(),
        )?;
        let stdin = dir.join("stdin");
        std::fs::write(&stdin, &config.stdin).map_err(|e| e.to_string())?;
        let outcome_file = dir.join("outcome.json");
        let list = |v: &[u32]| {
            v.iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        let env: BTreeMap<String, String> = [
            (
                "CINTCHECK_ARGS",
                String::from_utf8_lossy(&config.args).into_owned(),
            ),
            ("CINTCHECK_NAME", config.program_name.clone()),
            ("CINTCHECK_STACK", config.stack_words.to_string()),
            ("CINTCHECK_MEMORY", config.memory_words.to_string()),
            ("CINTCHECK_STEP_LIMIT", config.step_limit.to_string()),
            ("CINTCHECK_GLOBALS", list(&config.capture_globals)),
            ("CINTCHECK_STATICS", list(&config.capture_statics)),
            ("CINTCHECK_OUTCOME", outcome_file.display().to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let mut argv = runner();
        argv.push(exe.display().to_string());
        let finished = process::run(
            "run",
            &argv,
            dir,
            &env,
            Some(&stdin),
            run_timeout(),
            config.stdout_limit + 1,
        );
        let ended = |e: Ending| Ok(Outcome::ended(e));
        match finished.exit {
            Exit::Timeout => {
                return ended(Ending::EngineError(format!(
                    "the executable ran past its wall-clock limit ({:.0} s)",
                    run_timeout().as_secs_f64()
                )))
            }
            Exit::OutputLimit => return ended(Ending::OutputLimit { at: None }),
            Exit::NotStarted(m) => return Err(format!("cannot start the executable: {m}")),
            _ => {}
        }
        let Ok(text) = std::fs::read(&outcome_file) else {
            return ended(Ending::EngineError(format!(
                "the executable ended ({}) without an outcome: {}",
                finished.exit,
                finished.stderr_tail(3)
            )));
        };
        let mut outcome: Outcome = serde_json::from_slice(&text)
            .map_err(|e| format!("unreadable outcome from the executable: {e}"))?;
        let expected = Exit::Status(outcome.ending.exit_status());
        if finished.exit != expected {
            return ended(Ending::EngineError(format!(
                "the executable exited with {} where its outcome ({}) says {expected}",
                finished.exit,
                outcome.ending.kind()
            )));
        }
        outcome.stdout = finished.stdout;
        Ok(outcome)
    }
}

impl crate::engine::Engine for A64Exe {
    fn name(&self) -> &str {
        "a64-exe"
    }

    fn run(
        &self,
        programs: &crate::engine::Sources,
        config: &RunConfig,
        tee: Option<Box<dyn std::io::Write + Send>>,
    ) -> reference::Outcome {
        let outcome = tempfile::tempdir()
            .map_err(|e| format!("no temporary directory: {e}"))
            .and_then(|dir| self.run_in(dir.path(), programs, config))
            .unwrap_or_else(|m| reference::Outcome::ended(reference::Ending::EngineError(m)));
        if let Some(mut t) = tee {
            let _ = t.write_all(&outcome.stdout);
        }
        outcome
    }
}
