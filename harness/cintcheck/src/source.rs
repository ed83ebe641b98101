//! Reading Sial source files (either text form) into programs, with errors
//! that name the file, line and column.

use std::path::Path;

use sial::Program;

/// Read and validate one Sial file.
pub fn read_program(path: &Path) -> Result<(String, Program), String> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| format!("{name}: cannot read: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        format!(
            "{name}: not a text file (invalid UTF-8 at byte {})",
            e.utf8_error().valid_up_to()
        )
    })?;
    let program = sial::parse(&text, &name).map_err(|e| e.to_string())?;
    Ok((name, program))
}

/// Read several files into one program list (linked in the given order).
pub fn read_programs(paths: &[impl AsRef<Path>]) -> Result<Vec<(String, Program)>, String> {
    paths.iter().map(|p| read_program(p.as_ref())).collect()
}
