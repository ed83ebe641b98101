//! The `cintcheck` command line end to end: `exec` streams stdout and exits
//! with the program's code; `corpus` compares with `.out` files, honours
//! `corpus.toml`, shows a diff for failures and ends with `N passed, M failed`;
//! malformed Sial gives a located error, never a panic.

use std::path::Path;
use std::process::{Command, Output};

fn cintcheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cintcheck"))
        .args(args)
        .output()
        .expect("run cintcheck")
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// A readable-Sial program whose start writes `text` with writef and returns `rc`.
fn hello(text: &str, rc: i64) -> String {
    format!(
        "entry \"start\"\nlab L10\n  lstr M1\n  kpg P3 G94\n  l K{rc}\n  rtn\nstring M1 \"{text}\"\nglobal G1 L10 G94\n"
    )
}

#[test]
fn exec_streams_stdout_and_returns_the_code() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "h.sial", &hello("hello\\n", 3));
    let out = cintcheck(&["exec", dir.path().join("h.sial").to_str().unwrap()]);
    assert_eq!(out.stdout, b"hello\n\r");
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn exec_reports_harness_stops_with_125() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "loop.sial",
        "entry \"start\"\nlab L10\n  j L10\nglobal G1 L10 G1\n",
    );
    let out = cintcheck(&[
        "exec",
        "--step-limit",
        "1000",
        dir.path().join("loop.sial").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(125));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("step budget exhausted at"), "{err}");
    assert!(err.contains("loop.sial:3:3 (in start)"), "{err}");
}

#[test]
fn malformed_sial_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bad.sial", "\nF104\nF11 K1\nF999 P3\nF105\n");
    let out = cintcheck(&["exec", dir.path().join("bad.sial").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.sial:4:1: error:"), "{err}");
    assert!(err.contains("4 | F999 P3"), "{err}");
    assert!(err.contains("^"), "{err}");
}

#[test]
fn corpus_compares_and_summarises() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "good.sial", &hello("one\\ntime 42 ms\\n", 0));
    write(d, "good.out", "one\ntime 7 ms\n");
    write(d, "bad.sial", &hello("two\\n", 0));
    write(d, "bad.out", "three\n");
    write(d, "alt.sial", &hello("alt\\n", 0));
    write(d, "alt.expected", "alt\n");
    write(
        d,
        "corpus.toml",
        "[defaults]\nstack = 20000\n[good]\nignore = ['^time \\d+ ms$']\n[alt]\nexpected = \"alt.expected\"\n",
    );
    let json = d.join("r.json");
    let out = cintcheck(&[
        "corpus",
        d.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("PASS good"), "{text}");
    assert!(text.contains("PASS alt"), "{text}");
    assert!(text.contains("FAIL bad"), "{text}");
    assert!(text.contains("-three") && text.contains("+two"), "{text}");
    assert!(text.trim_end().ends_with("2 passed, 1 failed"), "{text}");
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    assert_eq!(report["passed"], 2);
    assert_eq!(report["failed"], 1);
    assert_eq!(report["results"].as_array().unwrap().len(), 3);
}

#[test]
fn convert_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "h.sial", &hello("hi\\n", 0));
    let out = cintcheck(&[
        "convert",
        "--to",
        "compact",
        dir.path().join("h.sial").to_str().unwrap(),
    ]);
    let compact = String::from_utf8(out.stdout).unwrap();
    assert!(
        compact.starts_with("\nF104\nF113 K5 C115 C116 C97 C114 C116\nF111 L10\n"),
        "{compact}"
    );
    write(dir.path(), "c.sial", &compact);
    let out = cintcheck(&["exec", dir.path().join("c.sial").to_str().unwrap()]);
    assert_eq!(out.stdout, b"hi\n\r");
}

/// A small suite: passing cases, a table, a runaway loop and a malformed file.
fn small_suite(dir: &Path) {
    std::fs::create_dir_all(dir.join("s")).unwrap();
    write(
        &dir.join("s"),
        "a.toml",
        r#"
[[case]]
name = "three"
body = "  l K3"
expect = { result = 3 }

[[case]]
name = "runaway"
body = "lab L2\n  j L2"
step_limit = 10000
expect = { ending = "step-limit" }

[[table]]
name = "add"
body = "  l K{x}\n  a K{y}"
columns = ["x", "y", "result"]
rows = [[1, 2, 3], [5, -5, 0], [7, 7, 14]]
"#,
    );
    write(
        &dir.join("s"),
        "broken.toml",
        "[[case]]\nname = \"x\"\nbody = \"rtn\"\nbogus = 1\n",
    );
}

#[test]
fn shard_reports_merge_into_the_full_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    small_suite(d);
    let suite = d.join("s");
    let run = |extra: &[&str], out: &str| {
        let mut args = vec!["run", suite.to_str().unwrap(), "--report-dir"];
        let out = d.join(out);
        let out_s = out.to_str().unwrap().to_string();
        args.push(&out_s);
        args.extend_from_slice(extra);
        let o = cintcheck(&args);
        (o, out.join("report.json"))
    };
    let (full, full_json) = run(&[], "full");
    let (_, s1) = run(&["--shard", "1/2"], "s1");
    let (_, s2) = run(&["--shard", "2/2"], "s2");
    // The malformed file is an error result, on every engine, in every run.
    let text = String::from_utf8_lossy(&full.stdout);
    assert!(text.contains("ERROR reference::broken/<file>"), "{text}");
    assert!(
        text.contains("broken.toml:1: unknown field `bogus`"),
        "{text}"
    );
    assert!(
        text.trim_end().ends_with("10 passed, 2 failed, 0 skipped"),
        "{text}"
    );
    let merged = d.join("merged");
    let m = cintcheck(&[
        "merge",
        s1.to_str().unwrap(),
        s2.to_str().unwrap(),
        "--report-dir",
        merged.to_str().unwrap(),
    ]);
    assert_eq!(
        String::from_utf8_lossy(&m.stdout).trim(),
        "10 passed, 2 failed, 0 skipped"
    );
    let read = |p: &Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    };
    let (a, b) = (read(&full_json), read(&merged.join("report.json")));
    assert_eq!(a["totals"], b["totals"]);
    assert_eq!(
        a["results"].as_array().unwrap().len(),
        b["results"].as_array().unwrap().len()
    );
    for f in ["junit.xml", "matrix.html", "matrix.md"] {
        assert!(merged.join(f).exists(), "{f}");
    }
}

#[test]
fn a_broken_expectation_fails_with_the_first_difference() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("s")).unwrap();
    write(
        &dir.path().join("s"),
        "w.toml",
        "[[case]]\nname = \"wrong\"\nbody = \"  lstr M5\\n  kpg P10 G89\\n  l K0\"\ndata = 'string M5 \"ab\\ncd\\n\"'\nexpect = { stdout = \"ab\\nce\\n\" }\n",
    );
    let out = cintcheck(&[
        "run",
        dir.path().join("s").to_str().unwrap(),
        "--engine",
        "reference",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("FAIL reference::w/wrong"), "{text}");
    assert!(
        text.contains(r#"stdout line 2: expected "ce", got "cd""#),
        "{text}"
    );
    assert_eq!(out.status.code(), Some(1));
}
