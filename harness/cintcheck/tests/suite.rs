//! The conformance suite under `cargo test`: one trial per case x engine,
//! named `ENGINE::CASE` (e.g. `a64::edge/div/signs/div/7,2`), so that
//! `cargo test -- div`, `--list`, `--ignored`, `--exact` and cargo-nextest
//! (with its partitions) work as usual. A trial passes when the runner's
//! verdict is pass or expected failure; skipped cases are ignored trials.
//!
//! The engines are those of `cintcheck engines` plus
//! `reference-slow-library` (the reference with the library's fast path
//! off), which checks on every case that the fast path of the library
//! functions written in BCPL changes nothing.
//!
//! The a64 trials also check an insta snapshot per case (per table: of its
//! first row, the other rows differing only in their values): the AArch64
//! listing of the case's own code (Sial or Cintcode) and its normalised
//! outcome. Accept
//! changes with `cargo insta review` (or `INSTA_UPDATE=always cargo test`);
//! CI runs with `INSTA_UPDATE=no`. The trial `snapshots::no-stale-files`
//! fails when a snapshot file belongs to no case.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cintcheck::case::{self, Case};
use cintcheck::engine::{engine_by_name, engine_names};
use cintcheck::runner::{self, Verdict};
use libtest_mimic::{Arguments, Failed, Trial};

fn cases_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../cases")
}

fn snapshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots")
}

/// The snapshot name of a case (a file name: letters, digits, `-`, `_`, `.`).
fn snapshot_name(case: &str) -> String {
    case.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The a64 listing of the case's own code and its normalised outcome.
fn snapshot_text(case: &Case) -> Result<String, String> {
    if case.level == case::Level::Cintcode {
        return cintcode_snapshot_text(case);
    }
    let programs = case.programs()?;
    let config = case.config();
    let (linked, _, compiled) = backend::engine::compile_programs(
        &programs,
        &config,
        &backend::codegen::Options::default(),
    )?;
    let listing = backend::listing::listing(
        &linked,
        &compiled,
        linked.prelude_modules(),
        backend::listing::Level::Target,
    );
    // The glue line counts code outside the case (library stubs, prelude).
    let listing: String = listing
        .lines()
        .filter(|l| !l.starts_with("; runtime glue"))
        .map(|l| format!("{l}\n"))
        .collect::<String>()
        .replace(&format!("{}/", cases_root().display()), "cases/");
    let outcome = backend::run(&programs, &config, None);
    Ok(format!(
        "ending: {}\nstdout: {:?}\n\n{listing}",
        outcome.ending,
        String::from_utf8_lossy(&outcome.stdout_without_cr())
    ))
}

/// The same for a Cintcode case: its sections (not the library's) with the
/// AArch64 each instruction became.
fn cintcode_snapshot_text(case: &Case) -> Result<String, String> {
    let objects = case.objects()?;
    let config = case.config();
    let (linked, _, translated) =
        backend::cintcode::run::prepare(&objects, &config, &Default::default())?;
    let listing = backend::cintcode::listing::listing(
        &linked,
        &translated,
        linked.library,
        backend::listing::Level::Target,
    )
    .replace(&format!("{}/", cases_root().display()), "cases/");
    let outcome = backend::cintcode::run(&objects, &config, None);
    Ok(format!(
        "ending: {}\nstdout: {:?}\n\n{listing}",
        outcome.ending,
        String::from_utf8_lossy(&outcome.stdout_without_cr())
    ))
}

/// Whether the case has a snapshot: every `[[case]]`, and each table's
/// first row.
fn has_snapshot(case: &Case) -> bool {
    let level_runs = case.level == case::Level::Sial || backend::cintcode::AVAILABLE;
    level_runs && case.row.is_none_or(|r| r == 0)
}

fn run_trial(case: &Case, engine: &str) -> Result<(), Failed> {
    let objs = vec![engine_by_name(engine)];
    let results = runner::run_case(case, &[engine.to_string()], &objs);
    let r = results.first().ok_or("no result")?;
    let verdict = match &r.verdict {
        Verdict::Pass
        | Verdict::ExpectedFailure { .. }
        | Verdict::Skipped { .. }
        | Verdict::Unsupported { .. }
        | Verdict::Deviation { .. } => Ok(()),
        Verdict::Mismatch { detail, flaky } => Err(format!(
            "{}:{}: {}mismatch\n{detail}",
            r.file,
            r.line,
            if *flaky { "flaky " } else { "" }
        )),
        Verdict::UnexpectedPass { reason } => Err(format!(
            "{}:{}: passed, but the case expects this engine to fail: {reason}",
            r.file, r.line
        )),
        Verdict::Error { message } => Err(message.clone()),
    };
    verdict?;
    if engine == "a64" && has_snapshot(case) {
        let text = snapshot_text(case)?;
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(snapshot_dir());
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        let file = case.file.strip_prefix(cases_root()).unwrap_or(&case.file);
        settings.set_description(format!(
            "{} (cases/{}:{})",
            case.name,
            file.display(),
            case.line
        ));
        let name = snapshot_name(&case.name);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            settings.bind(|| insta::assert_snapshot!(name, text));
        }));
        outcome.map_err(|_| format!("snapshot of {} changed (cargo insta review)", case.name))?;
    }
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let root = cases_root();
    let mut engines = engine_names();
    engines.push("reference-slow-library");
    let mut trials = Vec::new();
    let mut snapshot_names = BTreeSet::new();
    for file in case::discover(std::slice::from_ref(&root)) {
        match case::read_file(&root, &file) {
            Ok(cases) => {
                for case in cases {
                    if has_snapshot(&case) {
                        snapshot_names.insert(format!("{}.snap", snapshot_name(&case.name)));
                    }
                    let case = Arc::new(case);
                    for &engine in &engines {
                        let c = Arc::clone(&case);
                        let skipped = case.skip.contains_key(engine);
                        trials.push(
                            Trial::test(format!("{engine}::{}", case.name), move || {
                                run_trial(&c, engine)
                            })
                            .with_ignored_flag(skipped),
                        );
                    }
                }
            }
            Err(e) => {
                let name = format!("case-file::{}", case::file_prefix(&root, &file));
                let message = e.to_string();
                trials.push(Trial::test(name, move || Err(message.into())));
            }
        }
    }
    trials.push(Trial::test("snapshots::no-stale-files", move || {
        let Ok(dir) = std::fs::read_dir(snapshot_dir()) else {
            return Ok(());
        };
        let stale: Vec<String> = dir
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".snap") && !snapshot_names.contains(n))
            .collect();
        if stale.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "snapshot files of no case (delete them): {}",
                stale.join(", ")
            )
            .into())
        }
    }));
    libtest_mimic::run(&args, trials).exit();
}
