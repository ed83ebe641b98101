//! Reading program files with errors that name the file, line and column:
//! Sial source (either text form) into programs, and 64-bit Cintcode (`.cin`
//! assembly text, or object files as the real compiler writes them).

use std::path::Path;

use sial::Program;

/// A file's text, or an error naming it.
fn read_text(path: &Path) -> Result<(String, String), String> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| format!("{name}: cannot read: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        format!(
            "{name}: not a text file (invalid UTF-8 at byte {})",
            e.utf8_error().valid_up_to()
        )
    })?;
    Ok((name, text))
}

/// Read and validate one Sial file.
pub fn read_program(path: &Path) -> Result<(String, Program), String> {
    let (name, text) = read_text(path)?;
    let program = sial::parse(&text, &name).map_err(|e| e.to_string())?;
    Ok((name, program))
}

/// Read several files into one program list (linked in the given order).
pub fn read_programs(paths: &[impl AsRef<Path>]) -> Result<Vec<(String, Program)>, String> {
    paths.iter().map(|p| read_program(p.as_ref())).collect()
}

/// Read one Cintcode file: `.cin` files are assembly text, anything else an
/// object (hunk) file.
pub fn read_object(path: &Path) -> Result<cintcode::Object, String> {
    let (name, text) = read_text(path)?;
    let object = if path.extension().is_some_and(|e| e == "cin") {
        cintcode::asm::assemble(&text, &name)
    } else {
        cintcode::hunk::read(&text, &name)
    };
    object.map_err(|e| e.to_string())
}

/// Whether `path` holds 64-bit Cintcode rather than Sial: `.cin` assembly,
/// or an object file (hex words of hunks; the real compiler writes them
/// without an extension). `.sial` files and anything else are Sial.
pub fn is_cintcode(path: &Path) -> bool {
    match path.extension().and_then(|e| e.to_str()) {
        Some("cin") => true,
        Some("sial") => false,
        _ => std::fs::read_to_string(path).is_ok_and(|t| {
            t.split_whitespace()
                .find(|w| !w.starts_with('#'))
                .is_some_and(|w| w.len() == 16 && w.chars().all(|c| c.is_ascii_hexdigit()))
        }),
    }
}
