//! Running one external command: in its own process group, in the case's
//! work directory, with a wall-clock limit (the whole group is killed when
//! it runs out) and caps on the stdout and stderr kept (a flood of output
//! kills the group too). Every run is written to the work directory as
//! `STEP.cmd`, `STEP.stdout`, `STEP.stderr` and `STEP.status`, so the logs
//! of a failing case can be kept for the report.

use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use wait_timeout::ChildExt;

/// How a command ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exit {
    Status(i32),
    Signal(i32),
    /// The wall-clock limit ran out (the process group was killed).
    Timeout,
    /// stdout exceeded its cap (the process group was killed).
    OutputLimit,
    /// The command could not be started.
    NotStarted(String),
}

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Exit::Status(s) => write!(f, "exit status {s}"),
            Exit::Signal(s) => write!(f, "killed by signal {s} ({})", signal_name(*s)),
            Exit::Timeout => write!(f, "wall-clock limit reached"),
            Exit::OutputLimit => write!(f, "stdout limit reached"),
            Exit::NotStarted(m) => write!(f, "could not be started: {m}"),
        }
    }
}

/// The usual name of a signal.
pub fn signal_name(s: i32) -> &'static str {
    match s {
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGILL => "SIGILL",
        libc::SIGABRT => "SIGABRT",
        libc::SIGKILL => "SIGKILL",
        libc::SIGTERM => "SIGTERM",
        libc::SIGTRAP => "SIGTRAP",
        libc::SIGPIPE => "SIGPIPE",
        _ => "signal",
    }
}

/// What a command did.
#[derive(Clone, Debug)]
pub struct Finished {
    pub exit: Exit,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub seconds: f64,
}

impl Finished {
    /// The last lines of stderr (for a verdict's detail).
    pub fn stderr_tail(&self, lines: usize) -> String {
        let s = String::from_utf8_lossy(&self.stderr);
        let v: Vec<&str> = s.lines().filter(|l| !l.trim().is_empty()).collect();
        v[v.len().saturating_sub(lines)..].join("\n")
    }
}

/// Most stderr bytes kept.
const STDERR_CAP: usize = 1 << 20;

/// Read a pipe to its end, keeping at most `cap` bytes; past the cap, set
/// `over` and kill the process group.
fn reader(
    mut pipe: impl Read + Send + 'static,
    cap: usize,
    over: Arc<AtomicBool>,
    pgid: i32,
    kill_on_overflow: bool,
) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut buf = [0u8; 65536];
        loop {
            match pipe.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let room = cap.saturating_sub(kept.len());
                    kept.extend_from_slice(&buf[..n.min(room)]);
                    if n > room && !over.swap(true, Ordering::SeqCst) && kill_on_overflow {
                        kill_group(pgid);
                    }
                }
            }
        }
        kept
    })
}

fn kill_group(pgid: i32) {
    if pgid > 0 {
        // SAFETY: killpg only sends a signal to the process group we created.
        unsafe {
            libc::killpg(pgid, libc::SIGKILL);
        }
    }
}

/// Run `argv` in `dir` with `env` added, `stdin` as its input, a limit of
/// `timeout` and at most `stdout_cap` bytes of stdout; write the logs of
/// step `step` into `dir`.
pub fn run(
    step: &str,
    argv: &[String],
    dir: &Path,
    env: &BTreeMap<String, String>,
    stdin: Option<&Path>,
    timeout: Duration,
    stdout_cap: usize,
) -> Finished {
    let start = Instant::now();
    let log = |name: &str, bytes: &[u8]| {
        let _ = std::fs::write(dir.join(format!("{step}.{name}")), bytes);
    };
    log(
        "cmd",
        format!(
            "{}\n",
            argv.iter()
                .map(|a| shell_quote(a))
                .collect::<Vec<_>>()
                .join(" ")
        )
        .as_bytes(),
    );
    let finish = |exit: Exit, stdout: Vec<u8>, stderr: Vec<u8>| {
        log("stdout", &stdout);
        log("stderr", &stderr);
        log("status", format!("{exit}\n").as_bytes());
        Finished {
            exit,
            stdout,
            stderr,
            seconds: start.elapsed().as_secs_f64(),
        }
    };
    let Some((program, args)) = argv.split_first() else {
        return finish(Exit::NotStarted("empty command".into()), vec![], vec![]);
    };
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(dir)
        .envs(env)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    match stdin.and_then(|p| std::fs::File::open(p).ok()) {
        Some(f) => cmd.stdin(f),
        None => cmd.stdin(Stdio::null()),
    };
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return finish(Exit::NotStarted(format!("{program}: {e}")), vec![], vec![]),
    };
    let pgid = child.id() as i32;
    let over = Arc::new(AtomicBool::new(false));
    let out = child
        .stdout
        .take()
        .map(|p| reader(p, stdout_cap, over.clone(), pgid, true));
    let err = child
        .stderr
        .take()
        .map(|p| reader(p, STDERR_CAP, Arc::new(AtomicBool::new(false)), pgid, false));
    let waited = child.wait_timeout(timeout);
    let exit = match waited {
        Ok(Some(status)) => match (status.code(), status.signal()) {
            (_, Some(_)) if over.load(Ordering::SeqCst) => Exit::OutputLimit,
            (Some(c), _) => Exit::Status(c),
            (None, Some(s)) => Exit::Signal(s),
            (None, None) => Exit::NotStarted("no status".into()),
        },
        Ok(None) => {
            kill_group(pgid);
            let _ = child.wait();
            if over.load(Ordering::SeqCst) {
                Exit::OutputLimit
            } else {
                Exit::Timeout
            }
        }
        Err(e) => {
            kill_group(pgid);
            let _ = child.wait();
            Exit::NotStarted(format!("waiting: {e}"))
        }
    };
    // Whatever the group left behind (a background child holding the pipes)
    // goes too, so the readers end.
    kill_group(pgid);
    let exit = if over.load(Ordering::SeqCst) {
        Exit::OutputLimit
    } else {
        exit
    };
    let stdout = out.and_then(|h| h.join().ok()).unwrap_or_default();
    let stderr = err.and_then(|h| h.join().ok()).unwrap_or_default();
    finish(exit, stdout, stderr)
}

/// `s` quoted for a POSIX shell when it needs it (for the `.cmd` logs and
/// reproducer command lines).
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(line: &str, timeout: f64, cap: usize) -> Finished {
        let dir = tempfile::tempdir().unwrap();
        run(
            "t",
            &["sh".into(), "-c".into(), line.into()],
            dir.path(),
            &BTreeMap::new(),
            None,
            Duration::from_secs_f64(timeout),
            cap,
        )
    }

    #[test]
    fn statuses_signals_timeouts_and_floods() {
        let f = sh("echo hi; echo err >&2; exit 3", 10.0, 100);
        assert_eq!(f.exit, Exit::Status(3));
        assert_eq!(f.stdout, b"hi\n");
        assert_eq!(f.stderr, b"err\n");
        assert_eq!(sh("kill -SEGV $$", 10.0, 100).exit, Exit::Signal(11));
        let t = sh("sleep 30 & sleep 30", 0.3, 100);
        assert_eq!(t.exit, Exit::Timeout);
        assert!(t.seconds < 5.0, "{}", t.seconds);
        let f = sh("yes", 20.0, 1000);
        assert_eq!(f.exit, Exit::OutputLimit);
        assert_eq!(f.stdout.len(), 1000);
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            run(
                "t",
                &["/nonexistent/x".into()],
                dir.path(),
                &BTreeMap::new(),
                None,
                Duration::from_secs(1),
                10
            )
            .exit,
            Exit::NotStarted(_)
        ));
    }
}
