//! External back ends end to end, through the `cintcheck` binary: a
//! known-good adapter (cintcheck's own `exec` out of process) passes, an
//! adapter of the `true-is-one` a64 mutant gets `deviation` when it declares
//! the rule and `mismatch` when it does not, and bad subjects (a translator
//! that crashes, hangs, prints garbage or writes no file; an executable
//! that crashes, loops, floods stdout or garbles its output) each get their
//! classified verdict while the run goes on and loses no case.

use std::path::{Path, PathBuf};
use std::process::Command;

const EXE: &str = env!("CARGO_BIN_EXE_cintcheck");

/// A small suite: results, globals and statics through the observer, a
/// fault, a stdout program, a result >= 10 (the CLI's returncode line), a
/// program reading stdin, and a truth value.
const CASES: &str = r#"
[[case]]
name = "result"
body = "  l K7\n  atb\n  l K2\n  div"
expect = { result = 3 }

[[case]]
name = "big-result"
body = "  lw M9"
data = "const M9 W-9223372036854775808"
expect = { result = "0x8000000000000000" }

[[case]]
name = "state"
body = "  l K5\n  sg G200\n  l K9\n  sl L7\n  l K0"
data = "static L7 W1 W2"
expect = { result = 0, globals = { "200" = 5 }, statics = { L7 = [9, 2] } }

[[case]]
name = "div-zero"
body = "  l K7\n  atb\n  l K0\n  div"
expect = { fault = 5 }

[[case]]
name = "hello"
program = """
entry "start"
lab L10
  lstr M9001
  kpg P3 G89
  l K0
  rtn
string M9001 "hello\\n"
global G1 L10 G1
"""
expect = { stdout = "hello\n" }

[[case]]
name = "true"
body = "  l K3\n  atb\n  l K3\n  eq"
expect = { result = -1 }

[[case]]
name = "reads-stdin"
stdin = "xyz\n"
body = "  kpg P3 G38\n  kpg P3 G38\n  kpg P3 G38"
"#;

/// The manifest of an adapter running cintcheck's own `exec` on `engine`.
fn exec_manifest(engine: &str, deviations: &str) -> String {
    format!(
        r#"input = "sial"
deviations = [{deviations}]
timeout = 60
[run]
command = ["{{cintcheck}}", "exec", "{{input}}", "--engine", "{engine}", "--stack", "{{stack}}",
           "--step-limit", "{{step_limit}}", "--name={{name}}", "--args={{args}}", "--stdin"]
[faults]
stdout = '!! ABORT (?P<code>-?\d+): (?P<message>[^\n\r]*)'
"#
    )
}

struct Setup {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

fn setup(manifests: &[(&str, String)]) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    std::fs::create_dir_all(root.join("adapters")).unwrap();
    std::fs::create_dir_all(root.join("cases")).unwrap();
    std::fs::write(root.join("cases/sample.toml"), CASES).unwrap();
    for (name, text) in manifests {
        std::fs::write(root.join(format!("adapters/{name}.toml")), text).unwrap();
    }
    Setup { _dir: dir, root }
}

/// Run `cintcheck run` in `root` on `engines`; (exit code, stdout, report).
fn run(root: &Path, engines: &[&str], extra: &[&str]) -> (i32, String, serde_json::Value) {
    let mut cmd = Command::new(EXE);
    cmd.current_dir(root).arg("run").args(extra);
    for e in engines {
        cmd.args(["--engine", e]);
    }
    cmd.args(["--report-dir", "out"]);
    let o = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!stderr.contains("panicked"), "harness panic:\n{stderr}");
    let report = std::fs::read_to_string(root.join("out/report.json"))
        .unwrap_or_else(|e| panic!("no report ({e}):\n{stdout}\n{stderr}"));
    (
        o.status.code().unwrap_or(-1),
        stdout,
        serde_json::from_str(&report).unwrap(),
    )
}

/// (case, engine) -> (verdict, ending kind).
fn verdicts(report: &serde_json::Value) -> Vec<(String, String, String, String)> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap_or("").to_string();
            (s("case"), s("engine"), s("verdict"), s("ending_kind"))
        })
        .collect()
}

#[test]
fn a_good_adapter_passes_the_sample_and_a_suite_file() {
    let s = setup(&[("good", exec_manifest("reference", ""))]);
    let (code, out, report) = run(&s.root, &["reference", "external:good"], &[]);
    assert_eq!(code, 0, "{out}");
    let v = verdicts(&report);
    assert_eq!(v.len(), 14, "{v:?}");
    assert!(v.iter().all(|x| x.2 == "pass"), "{v:?}");
    // A file of the real suite, every case through the observer.
    let arith = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../cases/opcodes/arith.toml"
    );
    let (code, out, report) = run(&s.root, &["external:good"], &[arith]);
    assert_eq!(code, 0, "{out}");
    let v = verdicts(&report);
    assert!(v.len() > 50);
    assert!(v.iter().all(|x| x.2 == "pass"), "{v:?}");
}

#[test]
fn declared_deviations_say_deviation_undeclared_ones_mismatch() {
    let s = setup(&[
        (
            "one-declared",
            exec_manifest("a64-mutant:true-is-one", "\"true-is-one\""),
        ),
        ("one-silent", exec_manifest("a64-mutant:true-is-one", "")),
    ]);
    let (code, out, report) = run(
        &s.root,
        &["external:one-declared", "external:one-silent"],
        &["--filter", "sample/true"],
    );
    assert_eq!(code, 1, "{out}");
    let v = verdicts(&report);
    let get = |e: &str| v.iter().find(|x| x.1 == e).unwrap().2.clone();
    assert_eq!(get("external:one-declared"), "deviation", "{out}");
    assert_eq!(get("external:one-silent"), "mismatch", "{out}");
    assert!(out.contains("declared deviation: true-is-one"), "{out}");
    assert!(out.contains("1 deviations"), "{out}");
    // The matrix shows it; a declared rule nothing confirms is reported.
    let md = std::fs::read_to_string(s.root.join("out/matrix.md")).unwrap();
    assert!(md.contains("1 deviation"), "{md}");
}

/// A bad subject: a manifest whose steps are shell lines.
fn bad(steps: &str) -> String {
    format!("input = \"sial\"\ntimeout = 1.5\n{steps}\n")
}

#[test]
fn bad_subjects_each_get_their_verdict_and_no_case_is_lost() {
    let adapters = [
        (
            "translator-crashes",
            bad("[translate]\nsh = \"kill -SEGV $$\"\n[run]\nsh = \"true\""),
            "rejected",
        ),
        (
            "translator-hangs",
            bad("[translate]\nsh = \"sleep 30\"\n[run]\nsh = \"true\""),
            "timeout",
        ),
        (
            "translator-garbage",
            bad("[translate]\nsh = \"echo '#@!garbage'\"\noutput = \"{asm}\"\n[run]\nsh = \"true\""),
            "bad-output",
        ),
        (
            "link-fails",
            bad("[link]\nsh = \"echo 'undefined reference to LA1' >&2; exit 1\"\n[run]\nsh = \"true\""),
            "link-failed",
        ),
        (
            "exe-crashes",
            bad("[run]\nsh = \"kill -SEGV $$\""),
            "crash",
        ),
        (
            "exe-loops",
            bad("[run]\nsh = \"while :; do :; done\""),
            "timeout",
        ),
        ("exe-floods", bad("[run]\nsh = \"yes\""), "output-limit"),
        (
            "exe-garbles",
            bad("[run]\nsh = \"printf '#CINTCHECK:zz#\\\\n'\""),
            "bad-output",
        ),
        (
            "exe-missing",
            bad("[run]\ncommand = [\"{work}/no-such-program\"]"),
            "bad-output",
        ),
    ];
    let manifests: Vec<(&str, String)> = adapters.iter().map(|(n, t, _)| (*n, t.clone())).collect();
    let s = setup(&manifests);
    let engines: Vec<String> = adapters
        .iter()
        .map(|a| format!("external:{}", a.0))
        .collect();
    let engines: Vec<&str> = engines.iter().map(String::as_str).collect();
    let (code, out, report) = run(&s.root, &engines, &["--filter", "sample/result"]);
    assert_eq!(code, 1, "{out}");
    let v = verdicts(&report);
    // Every (case, engine) has exactly one verdict.
    assert_eq!(v.len(), adapters.len(), "{v:?}");
    for (name, _, kind) in &adapters {
        let r = v
            .iter()
            .find(|x| x.1 == format!("external:{name}"))
            .unwrap_or_else(|| panic!("{name} lost"));
        assert_eq!(r.2, "mismatch", "{name}: {r:?}\n{out}");
        assert_eq!(r.3, *kind, "{name}: {r:?}\n{out}");
    }
    // Logs of failing cases are kept and named in the report.
    let logs = report["results"][0]["logs"].as_str().unwrap();
    assert!(
        s.root.join("out").join(logs).join("run.cmd").is_file()
            || s.root
                .join("out")
                .join(logs)
                .join("translate.cmd")
                .is_file()
            || s.root.join("out").join(logs).join("link.cmd").is_file()
    );
    let junit = std::fs::read_to_string(s.root.join("out/junit.xml")).unwrap();
    assert!(junit.contains("mismatch: crash"), "{junit}");
}

#[test]
fn unsupported_cases_are_counted_with_their_reason() {
    let m = exec_manifest("reference", "")
        .replace("[faults]", "[capabilities]\nstdin = false\n[faults]");
    let s = setup(&[("no-stdin", m)]);
    let (code, out, report) = run(&s.root, &["external:no-stdin"], &[]);
    assert_eq!(code, 0, "{out}");
    let v = verdicts(&report);
    let r = v.iter().find(|x| x.0.ends_with("reads-stdin")).unwrap();
    assert_eq!(r.2, "unsupported");
    assert!(out.contains("1 unsupported"), "{out}");
}

#[test]
fn a_missing_subject_is_a_clear_error() {
    let s = setup(&[(
        "absent",
        "input = \"sial\"\nrequires = [\"{root}/no/such/subject/run\"]\n[run]\ncommand = [\"{root}/no/such/subject/run\", \"{input}\"]\n".to_string(),
    )]);
    let o = Command::new(EXE)
        .current_dir(&s.root)
        .args(["run", "--engine", "external:absent"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("requires") && err.contains("does not exist"),
        "{err}"
    );
    let o = Command::new(EXE)
        .current_dir(&s.root)
        .args(["run", "--engine", "external:nobody"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stderr).contains("no adapter manifest nobody.toml"));
}
