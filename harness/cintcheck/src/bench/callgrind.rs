//! Host instructions counted with valgrind's callgrind, which are
//! repeatable on a noisy machine where wall times are not: the reference
//! interpreters (this program's own `exec`, as a child process: the Sial
//! reference on `NAME.sial`, the Cintcode reference on `cin/NAME`) against
//! the real cintsys64 on the same program (its Cintcode object `cin/NAME`,
//! run the way the corpus outputs were made), each with its start-up
//! (measured on `hello`) subtracted.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// Whether valgrind can be run here.
pub fn valgrind_present() -> bool {
    Command::new("valgrind")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Instructions `program` executed under callgrind (its `totals:` line),
/// run in `dir` with `stdin` as its input and `env` added to its
/// environment.
fn count(
    program: &Path,
    args: &[&str],
    dir: &Path,
    stdin: &[u8],
    env: &[(&str, &Path)],
) -> Result<u64, String> {
    let out = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
    let mut child = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out.path().display()))
        .arg(program)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("valgrind: {e}"))?;
    if let Some(mut input) = child.stdin.take() {
        // The program may end without reading its input.
        let _ = input.write_all(stdin);
    }
    child.wait().map_err(|e| format!("valgrind: {e}"))?;
    let text = std::fs::read_to_string(out.path()).map_err(|e| format!("callgrind: {e}"))?;
    text.lines()
        .find_map(|l| {
            l.strip_prefix("totals:")
                .or_else(|| l.strip_prefix("summary:"))
        })
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(|| format!("callgrind wrote no total running {}", program.display()))
}

/// Host instructions of the reference interpreter on `DIR/NAME.sial`
/// (`cintcheck exec`, the same stack as the bench's in-process runs).
pub fn reference(dir: &Path, name: &str, stack_words: i64) -> Result<u64, String> {
    exec(dir, &dir.join(format!("{name}.sial")), name, stack_words)
}

/// Host instructions of the reference Cintcode interpreter on the object
/// `DIR/cin/NAME`.
pub fn cintcode_reference(dir: &Path, name: &str, stack_words: i64) -> Result<u64, String> {
    exec(dir, &dir.join("cin").join(name), name, stack_words)
}

/// Host instructions of `cintcheck exec FILE`.
fn exec(dir: &Path, file: &Path, name: &str, stack_words: i64) -> Result<u64, String> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let file = file.to_string_lossy();
    let stack = stack_words.to_string();
    count(
        &me,
        &["exec", &file, "--stack", &stack, "--name", name],
        dir,
        b"",
        &[],
    )
}

/// Host instructions of the real cintsys64 (beside `cintrun` in the real
/// system's `bin/`) on the object `DIR/cin/NAME`, run as `cintrun` does: in
/// a scratch directory, the command `stack 500000` then the program's name.
pub fn cintsys64(cintrun: &Path, dir: &Path, name: &str) -> Result<u64, String> {
    let bin = cintrun.parent().ok_or("no bin directory")?;
    let root = bin.parent().ok_or("no bcpl64 directory")?;
    let scratch = tempfile::tempdir().map_err(|e| e.to_string())?;
    std::fs::copy(dir.join("cin").join(name), scratch.path().join(name))
        .map_err(|e| format!("cin/{name}: {e}"))?;
    // The variables of the real system's env.sh.
    let (cin64, hdrs, scripts) = (root.join("cin64"), root.join("g"), root.join("s"));
    count(
        &bin.join("cintsys64"),
        &["-q"],
        scratch.path(),
        format!("stack 500000\n{name}\n").as_bytes(),
        &[
            ("BCPL64ROOT", root),
            ("BCPL64PATH", &cin64),
            ("BCPL64HDRS", &hdrs),
            ("BCPL64SCRIPTS", &scripts),
        ],
    )
}

/// Counts per program, start-up subtracted.
#[derive(Debug)]
pub struct HostInstructions {
    pub name: String,
    pub reference: u64,
    /// The Cintcode reference on the same object as cintsys64, when
    /// `cin/NAME` is here.
    pub cintcode_reference: Option<u64>,
    pub cintsys64: u64,
}

/// Count every program on each, less its start-up on `hello`.
pub fn measure(
    dir: &Path,
    cintrun: &Path,
    programs: &[(String, i64)],
) -> Result<Vec<HostInstructions>, String> {
    // The children run in other directories.
    let absolute = |p: &Path| {
        p.canonicalize()
            .map_err(|e| format!("{}: {e}", p.display()))
    };
    let (dir, cintrun) = (&absolute(dir)?, &absolute(cintrun)?);
    let ref_startup = reference(dir, "hello", 50_000)?;
    let cin_startup = cintcode_reference(dir, "hello", 50_000)?;
    let real_startup = cintsys64(cintrun, dir, "hello")?;
    programs
        .iter()
        .map(|(name, stack)| {
            Ok(HostInstructions {
                name: name.clone(),
                reference: reference(dir, name, *stack)?.saturating_sub(ref_startup),
                cintcode_reference: if dir.join("cin").join(name).is_file() {
                    Some(cintcode_reference(dir, name, *stack)?.saturating_sub(cin_startup))
                } else {
                    None
                },
                cintsys64: cintsys64(cintrun, dir, name)?.saturating_sub(real_startup),
            })
        })
        .collect()
}

/// The table `cintcheck bench` prints.
pub fn format(rows: &[HostInstructions]) -> String {
    let mut s = String::from(
        "host instructions (valgrind callgrind, start-up on hello subtracted): \
         the reference interpreters against the real cintsys64\n",
    );
    s.push_str(&format!(
        "{:<10} {:>14} {:>14} {:>7} {:>14} {:>7}\n",
        "program", "reference", "cintsys64", "ratio", "cin reference", "ratio"
    ));
    for r in rows {
        let real = r.cintsys64.max(1) as f64;
        let (cin, cin_ratio) = r.cintcode_reference.map_or(("-".into(), "-".into()), |n| {
            (n.to_string(), format!("{:.2}", n as f64 / real))
        });
        s.push_str(&format!(
            "{:<10} {:>14} {:>14} {:>7.2} {cin:>14} {cin_ratio:>7}\n",
            r.name,
            r.reference,
            r.cintsys64,
            r.reference as f64 / real
        ));
    }
    s.push_str(
        "ratio = reference (Sial) / cintsys64 (target <= 1); \
         cin reference = the Cintcode reference on the same object as cintsys64 (shown, not judged)\n",
    );
    s
}
