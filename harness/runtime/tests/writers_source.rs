//! `src/writers.sial` must be what the real BCPL compiler makes of
//! `src/writers.b`: when the real system is beside the checkout
//! (`../shared/bcpl64`, or the folder named by `CINTCHECK_BCPL64`), compile
//! the source with its `bin/bcpl2sial` and compare byte for byte. Without
//! the real system the check says so and passes.

use std::path::{Path, PathBuf};
use std::process::Command;

fn bcpl64() -> Option<PathBuf> {
    let dir = match std::env::var_os("CINTCHECK_BCPL64") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/bcpl64"),
    };
    dir.join("bin/bcpl2sial").is_file().then_some(dir)
}

#[test]
fn writers_sial_is_the_compiled_source() {
    let Some(root) = bcpl64() else {
        eprintln!("the real BCPL system is absent: writers.sial not recompiled");
        return;
    };
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let out = std::env::temp_dir().join(format!("cintcheck-writers-{}.sial", std::process::id()));
    let status = Command::new(root.join("bin/bcpl2sial"))
        .arg(src.join("writers.b"))
        .arg(&out)
        .current_dir(&src)
        .output()
        .expect("bcpl2sial runs");
    let compiled = std::fs::read(&out);
    let _ = std::fs::remove_file(&out);
    assert!(
        status.status.success(),
        "bcpl2sial failed on writers.b:\n{}",
        String::from_utf8_lossy(&status.stdout)
    );
    let committed = std::fs::read(src.join("writers.sial")).expect("writers.sial");
    assert!(
        compiled.expect("bcpl2sial wrote its output") == committed,
        "src/writers.sial is not the compiled src/writers.b: regenerate it with \
         `bcpl2sial writers.b writers.sial` in harness/runtime/src"
    );
}
