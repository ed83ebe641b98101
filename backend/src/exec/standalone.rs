//! `main` of a stand-alone executable (aarch64 hosts): rebuild the program
//! from the image the assembly text carries, take the run's settings from
//! the command line and the environment, and run the linked code with the
//! native executor ([`super::native::run_standalone`]).
//!
//! Settings: the argument string is the command line's arguments joined by
//! spaces (or `CINTCHECK_ARGS` exactly); the input stream is the rest of
//! the command line then the process's stdin (read whole at start); the
//! name in `NAME failed returncode N` is the executable's file name (or
//! `CINTCHECK_NAME`). For the harness, `CINTCHECK_STACK`,
//! `CINTCHECK_MEMORY` and `CINTCHECK_STEP_LIMIT` (words, words, steps),
//! `CINTCHECK_GLOBALS` and `CINTCHECK_STATICS` (comma-separated numbers to
//! capture) and `CINTCHECK_OUTCOME` (a file that receives the outcome as
//! JSON) are read too.

use std::io::Read;

use runtime::load::{Linked, RunConfig};

use crate::image::Image;

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

fn numbers<T: std::str::FromStr>(text: &str) -> Vec<T> {
    text.split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

/// Run the program the executable holds; never returns.
///
/// # Safety
/// `code` must start the linked, executable code block of `code_len`
/// bytes that `image` describes.
pub unsafe fn main(args: &[String], code: *const u8, code_len: usize, image: &[u8]) -> ! {
    let die = |m: String| -> ! {
        eprintln!("cintcheck-rt: {m}");
        std::process::exit(125)
    };
    let image = Image::from_json(image).unwrap_or_else(|e| die(e));
    if image.code_len != code_len {
        die("the program image does not describe this code".into());
    }
    let programs = image.programs().unwrap_or_else(|e| die(e));
    let linked = Linked::new(&programs);
    let mut compiled = image.compiled;
    // SAFETY: `code` starts the linked code block of `code_len` bytes.
    compiled.code = unsafe { std::slice::from_raw_parts(code, code_len) }.to_vec();
    let mut stdin = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut stdin);
    let name = env("CINTCHECK_NAME").unwrap_or_else(|| {
        let path = args.first().map_or("program", |s| s.as_str());
        path.rsplit('/').next().unwrap_or(path).to_string()
    });
    let defaults = RunConfig::default();
    let config = RunConfig {
        args: env("CINTCHECK_ARGS")
            .unwrap_or_else(|| args.get(1..).unwrap_or_default().join(" "))
            .into_bytes(),
        stdin,
        program_name: name,
        stack_words: env("CINTCHECK_STACK")
            .and_then(|s| s.parse().ok())
            .unwrap_or(defaults.stack_words),
        memory_words: env("CINTCHECK_MEMORY")
            .and_then(|s| s.parse().ok())
            .unwrap_or(defaults.memory_words),
        step_limit: env("CINTCHECK_STEP_LIMIT")
            .and_then(|s| s.parse().ok())
            .unwrap_or(0),
        capture_globals: env("CINTCHECK_GLOBALS")
            .map(|s| numbers(&s))
            .unwrap_or_default(),
        capture_statics: env("CINTCHECK_STATICS")
            .map(|s| numbers(&s))
            .unwrap_or_default(),
        ..defaults
    };
    super::native::run_standalone(&linked, &compiled, &config, code, env("CINTCHECK_OUTCOME"))
}
