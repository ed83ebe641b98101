//! Stand-alone executables of the built-in backend, as real processes:
//! `cintcheck build` gives the real system's stdout and exit status; the
//! `a64-exe` engine and the built-in translator driven as an external
//! adapter (`adapters/cintcheck-a64.toml`) pass a sample of the suite; and
//! each of the backend's ten deliberate faults, built into executables and
//! judged through an external adapter, is caught. These need the aarch64
//! run-time (`cargo build --release --target aarch64-unknown-linux-gnu -p
//! cintcheck-rt`), the cross gcc and qemu-aarch64 on non-aarch64 hosts;
//! without them each test says what is missing and passes.

use std::path::{Path, PathBuf};
use std::process::Command;

use backend::asm_text::Target;
use backend::codegen::Mutation;
use cintcheck::case::{self, Case};
use cintcheck::engine::engine_by_name;
use cintcheck::runner::{self, Verdict};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Why executables cannot be built and run here, if they cannot.
fn missing() -> Option<String> {
    // The run-time is looked up beside the cintcheck binary (this test's
    // own binary lives elsewhere in the target directory).
    std::env::set_var("CINTCHECK_EXE", env!("CARGO_BIN_EXE_cintcheck"));
    if std::env::var_os("CINTCHECK_RT").is_none() {
        let bin = Path::new(env!("CARGO_BIN_EXE_cintcheck"));
        match cintcheck::exe::runtime_library_beside(bin, Target::Linux) {
            Some(p) => std::env::set_var("CINTCHECK_RT", p),
            None => return Some("the aarch64 run-time (cintcheck-rt) is not built".into()),
        }
    }
    let linker = cintcheck::exe::linker(Target::Linux);
    let runner = cintcheck::exe::runner();
    for tool in linker.iter().take(1).chain(runner.iter().take(1)) {
        if Command::new(tool).arg("--version").output().is_err() {
            return Some(format!("{tool} is not installed"));
        }
    }
    None
}

fn skip_unless_ready(test: &str) -> bool {
    match missing() {
        Some(why) => {
            eprintln!("{test}: skipped: {why}");
            false
        }
        None => true,
    }
}

fn cases(files: &[&str]) -> Vec<Case> {
    let root = root().join("cases");
    files
        .iter()
        .flat_map(|f| case::read_file(&root, &root.join(f)).expect("case file parses"))
        .collect()
}

/// Build `sial` (readable Sial) and run it: (stdout, exit status).
fn build_and_run(dir: &Path, name: &str, sial: &str) -> (Vec<u8>, i32) {
    let src = dir.join(format!("{name}.sial"));
    std::fs::write(&src, sial).unwrap();
    let exe = dir.join(name);
    let st = Command::new(env!("CARGO_BIN_EXE_cintcheck"))
        .arg("build")
        .arg(&src)
        .arg("-o")
        .arg(&exe)
        .status()
        .unwrap();
    assert!(st.success(), "cintcheck build {name} failed");
    let mut argv = cintcheck::exe::runner();
    argv.push(exe.display().to_string());
    let out = Command::new(&argv[0]).args(&argv[1..]).output().unwrap();
    (out.stdout, out.status.code().unwrap_or(-1))
}

const HELLO: &str = r#"entry "start"
lab L1
  l K7
  sp P9
  lstr M1
  kpg P5 G94
  l K3
  rtn
string M1 "hi %n*n"
global G1 L1 G1
"#;

#[test]
fn built_executables_behave_as_the_real_system() {
    if !skip_unless_ready("built_executables_behave_as_the_real_system") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // stdout raw (\r after \n), exit status = return code.
    let (out, status) = build_and_run(dir.path(), "hello", &HELLO.replace("*n", "\\n"));
    assert_eq!(out, b"hi 7\n\r");
    assert_eq!(status, 3);
    // Division by zero: the abort report on stdout, status 0.
    let div = "entry \"start\"\nlab L1\n  l K7\n  atb\n  l K0\n  div\n  rtn\nglobal G1 L1 G1\n";
    let (out, status) = build_and_run(dir.path(), "div", div);
    assert_eq!(
        String::from_utf8_lossy(&out),
        "\n!! ABORT 5: Division by zero\n* \n"
    );
    assert_eq!(status, 0);
    // A return code of 300 exits with 300 mod 256 after the CLI's message.
    let rc = "entry \"start\"\nlab L1\n  l K300\n  rtn\nglobal G1 L1 G1\n";
    let (out, status) = build_and_run(dir.path(), "rc", rc);
    // result2 is still -1, as the CLI left it (runtime.md s.6.1).
    assert_eq!(
        String::from_utf8_lossy(&out),
        "rc failed returncode 300 reason -1\n\r"
    );
    assert_eq!(status, 300 % 256);
    // The assembly text is kept, with a symbol per BCPL function.
    let text = std::fs::read_to_string(dir.path().join("hello.s")).unwrap();
    assert!(text.contains("bcpl_start:") && text.contains("bcpl_writef:"));
}

/// Verdicts of `engine` on `cases` that are not passes.
fn failures(engine: &str, cases: &[&Case]) -> Vec<String> {
    let engines = vec![engine_by_name("reference"), engine_by_name(engine)];
    let names = vec!["reference".to_string(), engine.to_string()];
    cases
        .iter()
        .flat_map(|c| runner::run_case(c, &names, &engines))
        .filter(|r| r.engine == engine && !matches!(r.verdict, Verdict::Pass))
        .map(|r| format!("{}: {:?}", r.case, r.verdict))
        .collect()
}

#[test]
fn a64_exe_and_the_translator_adapter_pass_a_sample() {
    if !skip_unless_ready("a64_exe_and_the_translator_adapter_pass_a_sample") {
        return;
    }
    let sample = cases(&[
        "opcodes/library-globals.toml",
        "opcodes/streams.toml",
        "opcodes/calls.toml",
        "edge/library/start.toml",
    ]);
    let sample: Vec<&Case> = sample.iter().collect();
    let bad = failures("a64-exe", &sample);
    assert!(bad.is_empty(), "a64-exe:\n{}", bad.join("\n"));
    std::env::set_var("CINTCHECK_ADAPTERS", root().join("adapters"));
    let bad = failures("external:cintcheck-a64", &sample);
    assert!(
        bad.is_empty(),
        "external:cintcheck-a64:\n{}",
        bad.join("\n")
    );
}

#[test]
fn every_mutant_built_into_executables_is_caught_through_an_adapter() {
    if !skip_unless_ready("every_mutant_built_into_executables_is_caught_through_an_adapter") {
        return;
    }
    // The opcode and edge cases catch every mutant in process
    // (tests/mutants.rs checks the whole suite); they are enough to find a
    // catcher for each.
    let all: Vec<Case> = {
        let root = root().join("cases");
        case::discover(&[root.join("opcodes"), root.join("edge")])
            .iter()
            .flat_map(|f| case::read_file(&root, f).unwrap_or_default())
            .collect()
    };
    let refs: Vec<&Case> = all.iter().collect();
    let passing = cintcheck::mutants::baseline(&refs);
    let dir = tempfile::tempdir().unwrap();
    let mut missed = Vec::new();
    for m in Mutation::ALL {
        let short = m.name().trim_start_matches("a64-mutant:");
        // The case that catches the mutant in process, then the same case
        // through an adapter whose executables carry the fault.
        let catcher = cintcheck::mutants::first_catch(&passing, m).expect("caught in process");
        let manifest = dir.path().join(format!("{short}.toml"));
        std::fs::write(
            &manifest,
            std::fs::read_to_string(root().join("adapters/cintcheck-a64.toml"))
                .unwrap()
                .replace(
                    r#""-o", "{exe}"]"#,
                    &format!(r#""-o", "{{exe}}", "--mutant", "{short}"]"#),
                ),
        )
        .unwrap();
        let engine = format!("external:{}", manifest.display());
        if failures(&engine, &[catcher]).is_empty() {
            missed.push(format!("{short} (case {})", catcher.name));
        }
    }
    assert!(
        missed.is_empty(),
        "mutants not caught through the adapter: {missed:?}"
    );
}
