//! The Cintcode level on the command line: `exec` runs `.cin` assembly and
//! object files; bad input (a truncated object file, bad assembly, an
//! illegal opcode byte, a jump outside memory, a runaway loop, a wild
//! access, a fault inside the library) ends with a located error or a
//! classified ending, never a panic or a hang.

use std::path::Path;
use std::process::{Command, Output};

fn cintcheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cintcheck"))
        .args(args)
        .output()
        .expect("run cintcheck")
}

/// Run `text` (assembly, a start function's body) with `exec`.
fn exec_body(dir: &Path, body: &str, extra: &[&str]) -> Output {
    let path = dir.join("prog.cin");
    let text =
        format!("section \"prog\"\nentry \"start\"\nstart:\n{body}\n  rtn\nglobal 1 start\n");
    std::fs::write(&path, text).unwrap();
    let mut args = vec!["exec"];
    args.extend_from_slice(extra);
    args.push(path.to_str().unwrap());
    cintcheck(&args)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn exec_runs_assembly_with_the_library() {
    let dir = tempfile::tempdir().unwrap();
    let out = exec_body(
        dir.path(),
        "  lll msg\n  k3g 94\n  l 7\n  rtn\n  .align 8\nmsg: .string \"hi\\n\"",
        &[],
    );
    assert_eq!(text(&out.stdout), "hi\n\r");
    assert_eq!(out.status.code(), Some(7), "{}", text(&out.stderr));
}

#[test]
fn exec_runs_an_object_file() {
    let dir = tempfile::tempdir().unwrap();
    let object = cintcode::asm::assemble(
        "section \"obj\"\nentry \"start\"\nstart:\n  l 42\n  rtn\nglobal 1 start\n",
        "obj.cin",
    )
    .unwrap();
    let path = dir.path().join("obj");
    std::fs::write(&path, cintcode::hunk::write(&object)).unwrap();
    let out = cintcheck(&["exec", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(42), "{}", text(&out.stderr));
}

#[test]
fn a_truncated_object_file_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trunc");
    std::fs::write(
        &path,
        "000000000000007D0 0000000000000005\n0000000000000005 000000000000FDDF\n",
    )
    .unwrap();
    let out = cintcheck(&["exec", path.to_str().unwrap()]);
    let err = text(&out.stderr);
    assert_ne!(out.status.code(), Some(0));
    assert!(err.contains("trunc:"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_assembly_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = exec_body(dir.path(), "  l 1\n  frobnicate 3", &[]);
    let err = text(&out.stderr);
    assert_ne!(out.status.code(), Some(0));
    assert!(err.contains("prog.cin:5:3"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn an_illegal_opcode_is_fault_1_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = exec_body(dir.path(), "  l 1\n  .byte 0", &["-v"]);
    let (o, e) = (text(&out.stdout), text(&out.stderr));
    assert!(o.contains("!! ABORT 1: Illegal instruction"), "{o}");
    assert!(e.contains("prog.cin:5:3 (in start)"), "{e}");
}

#[test]
fn harness_stops_are_classified_and_located() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[&str], &str); 3] = [
        (
            "loop:\n  j loop",
            &["--step-limit", "1000"],
            "prog.cin:5:3 (in start)",
        ),
        ("  lw 0x7FFFFFFFFFFF\n  rv", &[], "prog.cin:5:3"),
        (
            "  lw 0x7FFFFFFFFFFF\n  goto",
            &[],
            "prog.cin:5:3 (in start)",
        ),
    ];
    for (body, extra, want) in cases {
        let out = exec_body(dir.path(), body, extra);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(125), "{body}: {err}");
        assert!(err.contains(want), "{body}: {err}");
    }
}

#[test]
fn a_fault_inside_the_library_is_located_at_the_call() {
    // randno(0) divides by zero inside the host function.
    let dir = tempfile::tempdir().unwrap();
    let out = exec_body(dir.path(), "  l 1\n  l0\n  k3g 34", &["-v"]);
    let (o, e) = (text(&out.stdout), text(&out.stderr));
    assert!(o.contains("!! ABORT 5"), "{o}");
    assert!(e.contains("prog.cin:6:3 (in start)"), "{e}");
}

/// Random bytes as code (found by running random byte strings on both
/// engines): a SWB whose header claims ~53000 nodes, its table running far
/// past the section through memory, is over 1 MiB of AArch64 once
/// translated, beyond the reach of conditional branches, so the translator
/// emits it with veneers; an indirect jump into such code. The a64 engine
/// must end exactly as the reference does.
#[test]
fn random_bytes_with_huge_switch_tables_end_as_on_the_reference() {
    let dir = tempfile::tempdir().unwrap();
    let programs: [&[u8]; 3] = [
        &[
            146, 182, 61, 207, 168, 13, 247, 87, 191, 34, 158, 224, 145, 114, 200, 208, 72, 199,
            110, 144, 75, 226, 89, 54, 128, 249, 221, 61,
        ],
        &[
            31, 184, 5, 108, 157, 112, 142, 211, 70, 163, 102, 88, 130, 110, 125, 147, 98, 183,
            166, 116, 75, 157, 87, 198, 241, 176, 171, 194, 172, 103, 94, 38, 86, 146, 233, 253, 8,
            235, 64,
        ],
        &[141, 146, 57, 189, 56, 78, 104, 193, 109, 114, 105],
    ];
    for bytes in programs {
        let list: Vec<String> = bytes.iter().map(|b| b.to_string()).collect();
        let body = format!("  .byte {}", list.join(", "));
        let run = |engine: &str| {
            let out = exec_body(
                dir.path(),
                &body,
                &["--engine", engine, "--step-limit", "200000"],
            );
            let err = text(&out.stderr).replace(&format!("on {engine})"), "on ENGINE)");
            (out.status.code(), text(&out.stdout), err)
        };
        assert_eq!(run("a64"), run("reference"), "bytes {bytes:?}");
    }
}
