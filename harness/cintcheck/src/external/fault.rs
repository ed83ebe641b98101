//! How the end of an external run reads as an [`Ending`]: the manifest's
//! exit statuses that mean a tool-chain failure, signals (real ones, or an
//! exit status above `signal_base` as shells report them) that mean a BCPL
//! fault or a crash, and the stdout/stderr patterns of a BCPL fault.

use reference::{Ending, ExternalFailure};

use super::manifest::Manifest;
use super::process::{signal_name, Exit, Finished};

/// The ending of a failed build step (translate, assemble, link).
pub fn step_failure(step: &str, f: &Finished) -> Ending {
    let failure = match (&f.exit, step) {
        (Exit::Timeout, _) => ExternalFailure::Timeout,
        (_, "translate") => ExternalFailure::Rejected,
        (_, "assemble") => ExternalFailure::AssemblyFailed,
        _ => ExternalFailure::LinkFailed,
    };
    Ending::External {
        failure,
        detail: with_tail(format!("{step}: {}", f.exit), f),
    }
}

fn with_tail(head: String, f: &Finished) -> String {
    let tail = f.stderr_tail(3);
    if tail.is_empty() {
        head
    } else {
        format!("{head}: {tail}")
    }
}

/// The signal a run died of, if it did.
fn signal_of(m: &Manifest, exit: &Exit) -> Option<i32> {
    match exit {
        Exit::Signal(s) => Some(*s),
        Exit::Status(c) => m
            .spec
            .run
            .signal_base
            .filter(|b| *c > *b && *c < *b + 65)
            .map(|b| *c - b),
        _ => None,
    }
}

/// The BCPL fault `stdout`/`stderr` show, by the manifest's patterns.
fn fault_in(m: &Manifest, stdout: &[u8], stderr: &[u8]) -> Option<(i64, String)> {
    if let Some(re) = &m.fault_stdout {
        let text = String::from_utf8_lossy(stdout);
        if let Some(c) = re.captures_iter(&text).last() {
            let code = c.name("code")?.as_str().parse().ok()?;
            let message = c.name("message").map_or("", |x| x.as_str()).to_string();
            return Some((code, message));
        }
    }
    let text = String::from_utf8_lossy(stderr);
    for (re, code) in &m.fault_stderr {
        if let Some(x) = re.find(&text) {
            return Some((*code, x.as_str().to_string()));
        }
    }
    None
}

/// How the run step's end reads. `Ok(status)` is a normal exit with that
/// status (the caller looks for the observation trailer); `Err(ending)` is
/// every other end.
pub fn run_ending(m: &Manifest, f: &Finished) -> Result<i32, Ending> {
    let external = |failure, detail: String| Ending::External { failure, detail };
    match &f.exit {
        Exit::Timeout => {
            return Err(external(
                ExternalFailure::Timeout,
                format!(
                    "run: no end within {:.1} s",
                    m.timeout(m.spec.run.timeout).as_secs_f64()
                ),
            ))
        }
        Exit::OutputLimit => return Err(Ending::OutputLimit { at: None }),
        Exit::NotStarted(e) => {
            return Err(external(ExternalFailure::BadOutput, format!("run: {e}")))
        }
        _ => {}
    }
    if let Exit::Status(c) = f.exit {
        if let Some(failure) = m.status.get(&c) {
            let stderr = String::from_utf8_lossy(&f.stderr);
            let failure = m
                .stderr_failures
                .iter()
                .find(|(re, _)| re.is_match(&stderr))
                .map_or(*failure, |x| x.1);
            return Err(external(failure, with_tail(format!("exit status {c}"), f)));
        }
    }
    if let Some(s) = signal_of(m, &f.exit) {
        if let Some(&code) = m.signal_faults.get(&s) {
            return Err(Ending::Fault {
                code,
                message: format!("signal {s} ({})", signal_name(s)),
                at: None,
            });
        }
        // A fault the run-time reported before dying still counts as one.
        if let Some((code, message)) = fault_in(m, &f.stdout, &f.stderr) {
            return Err(Ending::Fault {
                code,
                message,
                at: None,
            });
        }
        return Err(external(
            ExternalFailure::Crash,
            with_tail(format!("killed by signal {s} ({})", signal_name(s)), f),
        ));
    }
    if let Some((code, message)) = fault_in(m, &f.stdout, &f.stderr) {
        return Err(Ending::Fault {
            code,
            message,
            at: None,
        });
    }
    match f.exit {
        Exit::Status(c) => Ok(c),
        _ => Err(external(
            ExternalFailure::BadOutput,
            format!("run: {}", f.exit),
        )),
    }
}
