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
