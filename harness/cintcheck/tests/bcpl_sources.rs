//! The `bcpl` field of a case must be what its Sial is. When the real BCPL
//! system exists (`<workspace root>/../shared/bcpl64`, or the directory
//! named by `CINTCHECK_BCPL64`), every case with a `bcpl` field is compiled
//! with the real compiler (`bin/bcpl2sial`) and the resulting Sial, run on
//! the reference interpreter with the case's stdin, args and stack, must
//! give the case's expected stdout (and ending, result or fault, where the
//! case expects one). Cases with no stdin and no args are also compiled to
//! Cintcode (`bin/bcplc`) and run on the real cintsys64 (`bin/cintrun`),
//! which confirms their expected stdout (and exit status) independently of
//! this project's code. Without the real system both tests say so and pass.

use std::path::{Path, PathBuf};
use std::process::Command;

use cintcheck::case::{self, Case};
use rayon::prelude::*;

/// Cases whose expectations legitimately cannot be reproduced on cintsys64
/// with `cintrun`, with the reason. (Cases with stdin or args are never run
/// there: `cintrun` gives every program the input "\n" then end of file.)
const NOT_ON_CINTSYS64: &[(&str, &str)] = &[];

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The real BCPL system, if present.
fn bcpl64() -> Option<PathBuf> {
    let dir = match std::env::var_os("CINTCHECK_BCPL64") {
        Some(d) => PathBuf::from(d),
        None => workspace_root().join("../shared/bcpl64"),
    };
    dir.join("bin/bcpl2sial").is_file().then_some(dir)
}

/// Every case of `cases/` that has a `bcpl` field.
fn bcpl_cases() -> Vec<Case> {
    let root = workspace_root().join("cases");
    let mut cases = Vec::new();
    for file in case::discover(std::slice::from_ref(&root)) {
        let read = case::read_file(&root, &file).unwrap_or_else(|e| panic!("{e}"));
        cases.extend(read.into_iter().filter(|c| c.bcpl.is_some()));
    }
    assert!(!cases.is_empty(), "no case has a `bcpl` field");
    cases
}

/// The file name the program gets: the case's own name when `cintrun`
/// accepts it (the CLI's `NAME failed returncode` message shows it).
fn program_name(case: &Case) -> String {
    let short = case.name.rsplit('/').next().unwrap_or("prog");
    if !short.is_empty()
        && short
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
    {
        short.to_string()
    } else {
        "prog".to_string()
    }
}

/// Run a tool of the real system in `dir`; its output on failure.
fn tool(bcpl64: &Path, dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new(bcpl64.join("bin").join(args[0]))
        .args(&args[1..])
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", args[0]))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(format!(
            "{} failed ({}): {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stdout).trim_end()
        ))
    }
}

/// A temporary directory holding the case's BCPL source as `NAME.b`.
fn with_source(case: &Case) -> Result<(tempfile::TempDir, String), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let name = program_name(case);
    let src = case.bcpl.as_deref().unwrap_or_default();
    std::fs::write(dir.path().join(format!("{name}.b")), src).map_err(|e| e.to_string())?;
    Ok((dir, name))
}

/// Compile with bcpl2sial and judge the Sial on the reference interpreter.
fn check_on_reference(bcpl64: &Path, case: &Case) -> Result<(), String> {
    let (dir, name) = with_source(case)?;
    let (b, sial) = (format!("{name}.b"), format!("{name}.sial"));
    tool(bcpl64, dir.path(), &["bcpl2sial", &b, &sial])?;
    let program = cintcheck::source::read_program(&dir.path().join(&sial))?;
    let mut config = case.config();
    // Globals and statics of the case's own Sial need not exist here.
    config.capture_globals.clear();
    config.capture_statics.clear();
    let outcome = reference::interp::run(&[program], &config, None);
    let mut judged = case.clone();
    judged.expect.globals.clear();
    judged.expect.statics.clear();
    match cintcheck::runner::judge(&judged, &outcome, None) {
        None => Ok(()),
        Some(problems) => Err(problems),
    }
}

/// Compile with bcplc and compare cintsys64's stdout (and exit status) with
/// the case's expectations.
fn check_on_cintsys64(bcpl64: &Path, case: &Case) -> Result<(), String> {
    let (dir, name) = with_source(case)?;
    tool(bcpl64, dir.path(), &["bcplc", &format!("{name}.b"), &name])?;
    let out = Command::new(bcpl64.join("bin/cintrun"))
        .args([name.as_str(), "--raw"])
        .current_dir(dir.path())
        .output()
        .map_err(|e| format!("cannot run cintrun: {e}"))?;
    let raw = out.stdout;
    let e = &case.expect;
    let mut problems = Vec::new();
    if let Some(want) = &e.stdout {
        let got: Vec<u8> = raw.iter().copied().filter(|&b| b != b'\r').collect();
        if got != want.as_bytes() {
            problems.push(cintcheck::runner::first_stdout_difference(
                want.as_bytes(),
                &got,
            ));
        }
    }
    if let Some(want) = &e.stdout_raw {
        if raw != want.as_bytes() {
            problems.push(format!(
                "raw {}",
                cintcheck::runner::first_stdout_difference(want.as_bytes(), &raw)
            ));
        }
    }
    if let (Some((want, false)), Some(got)) = (e.result, out.status.code()) {
        if i64::from(got) != want.rem_euclid(256) {
            problems.push(format!(
                "exit status {got}, but the expected result {want} gives {}",
                want.rem_euclid(256)
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

#[test]
fn bcpl_sources_are_what_the_sial_is() {
    let Some(bcpl64) = bcpl64() else {
        println!(
            "bcpl sources: skipped (no real BCPL system at ../shared/bcpl64 or $CINTCHECK_BCPL64)"
        );
        return;
    };
    let cases = bcpl_cases();
    for (name, _) in NOT_ON_CINTSYS64 {
        assert!(
            cases.iter().any(|c| c.name == *name),
            "NOT_ON_CINTSYS64 names {name}, which is no case with a `bcpl` field"
        );
    }
    // Each case's label and its problems on the reference and on cintsys64.
    let results: Vec<(String, Vec<String>)> = cases
        .par_iter()
        .map(|c| {
            let mut problems = Vec::new();
            if let Err(m) = check_on_reference(&bcpl64, c) {
                problems.push(format!("bcpl2sial + reference: {m}"));
            }
            let not_run = if !c.stdin.is_empty() || !c.args.is_empty() {
                Some("it has stdin or args; cintrun's input is \"\\n\" then end of file")
            } else {
                NOT_ON_CINTSYS64.iter().find(|x| x.0 == c.name).map(|x| x.1)
            };
            match not_run {
                Some(why) => println!("not run on cintsys64: {} ({why})", c.name),
                None => {
                    if let Err(m) = check_on_cintsys64(&bcpl64, c) {
                        problems.push(format!("bcplc + cintsys64: {m}"));
                    }
                }
            }
            let file = c.file.strip_prefix(workspace_root()).unwrap_or(&c.file);
            (
                format!("{} ({}:{})", c.name, file.display(), c.line),
                problems,
            )
        })
        .collect();
    let failures: Vec<String> = results
        .iter()
        .filter(|r| !r.1.is_empty())
        .map(|(case, problems)| {
            let text = problems.join("\n").replace('\n', "\n  ");
            format!("{case}:\n  {text}")
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases with a `bcpl` source do not print what they expect:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    println!("bcpl sources: {} cases print what they expect", cases.len());
}
