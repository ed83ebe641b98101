//! `src/writers.sial` and `src/writers.cin64` must be what the real BCPL
//! compiler makes of `src/writers.b`: when the real system is beside the
//! checkout (`../shared/bcpl64`, or the folder named by `CINTCHECK_BCPL64`),
//! compile the source with its `bin/bcpl2sial` (64-bit Sial) and `bin/bcplc`
//! (64-bit Cintcode) and compare byte for byte. Without the real system the
//! check says so and passes.

use std::path::{Path, PathBuf};
use std::process::Command;

fn bcpl64() -> Option<PathBuf> {
    let dir = match std::env::var_os("CINTCHECK_BCPL64") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/bcpl64"),
    };
    dir.join("bin/bcpl2sial").is_file().then_some(dir)
}

/// Compile `src/writers.b` with the real system's `tool` and compare the
/// result with the committed `src/{committed}`.
fn check(tool: &str, committed: &str) {
    let Some(root) = bcpl64() else {
        eprintln!("the real BCPL system is absent: {committed} not recompiled");
        return;
    };
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let out = std::env::temp_dir().join(format!("cintcheck-{}-{committed}", std::process::id()));
    let status = Command::new(root.join("bin").join(tool))
        .arg(src.join("writers.b"))
        .arg(&out)
        .current_dir(&src)
        .output()
        .expect("the real compiler runs");
    let compiled = std::fs::read(&out);
    let _ = std::fs::remove_file(&out);
    assert!(
        status.status.success(),
        "{tool} failed on writers.b:\n{}",
        String::from_utf8_lossy(&status.stdout)
    );
    let want = std::fs::read(src.join(committed)).expect("the committed output");
    assert!(
        compiled.expect("the compiler wrote its output") == want,
        "src/{committed} is not the compiled src/writers.b: regenerate it with \
         `{tool} writers.b {committed}` in harness/runtime/src"
    );
}

#[test]
fn writers_sial_is_the_compiled_source() {
    check("bcpl2sial", "writers.sial");
}

#[test]
fn writers_cintcode_is_the_compiled_source() {
    check("bcplc", "writers.cin64");
}
