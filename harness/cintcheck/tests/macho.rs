//! macOS without a Mac: the Mach-O assembly text of the suite's cases
//! (`cintcheck asm --target macos`) must assemble into an arm64 Mach-O
//! object with LLVM's assembler (`llvm-mc -triple arm64-apple-macos`), and
//! the ELF text with GNU `as` for aarch64, when they are installed (without
//! them the test says so and passes). By default every `[[case]]` and each
//! table's first row are assembled (the other rows differ only in values);
//! with `CINTCHECK_ASSEMBLE_ALL=1` (as `ci/test` runs it) every case.

use std::path::Path;
use std::process::Command;

use backend::asm_text::Target;
use cintcheck::case;
use rayon::prelude::*;

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Assemble `text` with `argv` (the output and input files are appended);
/// the assembler's complaint on failure.
fn assembles(argv: &[&str], text: &str, dir: &Path, name: &str) -> Result<(), String> {
    let src = dir.join(format!("{name}.s"));
    let obj = dir.join(format!("{name}.o"));
    std::fs::write(&src, text).map_err(|e| e.to_string())?;
    let out = Command::new(argv[0])
        .args(&argv[1..])
        .arg("-o")
        .arg(&obj)
        .arg(&src)
        .output()
        .map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&src);
    let _ = std::fs::remove_file(&obj);
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr)
            .chars()
            .take(400)
            .collect())
    }
}

#[test]
fn every_case_assembles_for_macos_and_linux() {
    let mut assemblers: Vec<(Target, Vec<&str>)> = Vec::new();
    if have("llvm-mc") {
        assemblers.push((
            Target::MacOs,
            vec!["llvm-mc", "-triple", "arm64-apple-macos", "-filetype=obj"],
        ));
    } else {
        eprintln!("llvm-mc is absent: the Mach-O text is not assembled");
    }
    if have("aarch64-linux-gnu-as") {
        assemblers.push((Target::Linux, vec!["aarch64-linux-gnu-as"]));
    } else {
        eprintln!("aarch64-linux-gnu-as is absent: the ELF text is not assembled");
    }
    if assemblers.is_empty() {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../cases");
    let all = std::env::var_os("CINTCHECK_ASSEMBLE_ALL").is_some_and(|v| v == "1");
    let mut cases = Vec::new();
    for file in case::discover(std::slice::from_ref(&root)) {
        cases.extend(
            case::read_file(&root, &file)
                .expect("case files parse")
                .into_iter()
                .filter(|c| c.level == cintcheck::case::Level::Sial)
                .filter(|c| all || c.row.is_none_or(|r| r == 0)),
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let failures: Vec<String> = cases
        .par_iter()
        .enumerate()
        .flat_map_iter(|(k, c)| {
            let programs = match c.programs() {
                Ok(p) => p,
                Err(e) => return vec![format!("{}: {e}", c.name)],
            };
            assemblers
                .iter()
                .filter_map(|(target, argv)| {
                    let text = match cintcheck::exe::assembly(&programs, *target) {
                        Ok(t) => t,
                        Err(e) => return Some(format!("{} ({target:?}): {e}", c.name)),
                    };
                    assembles(argv, &text, dir.path(), &format!("c{k}-{target:?}"))
                        .err()
                        .map(|e| format!("{} ({target:?}): {e}", c.name))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases do not assemble:\n{}",
        failures.len(),
        cases.len(),
        failures
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
