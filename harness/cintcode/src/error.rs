//! Diagnostics for malformed Cintcode text (hunk files and assembly): a
//! message with file, line and column, and a caret under the offending token.

use std::fmt;

/// A located error in a hunk file or an assembly text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CinError {
    pub message: String,
    /// File name as given to the reader or assembler.
    pub file: String,
    /// 1-based line; 0 when the error has no line (then no snippet is shown).
    pub line: u32,
    /// 1-based column in characters.
    pub col: u32,
    /// The source line the error points into, without its newline.
    pub line_text: String,
}

impl CinError {
    /// Build an error at `line`:`col` of `text`, copying the source line.
    pub fn new(message: impl Into<String>, file: &str, text: &str, line: u32, col: u32) -> Self {
        let line_text = if line == 0 {
            String::new()
        } else {
            text.lines()
                .nth(line as usize - 1)
                .unwrap_or("")
                .to_string()
        };
        CinError {
            message: message.into(),
            file: file.to_string(),
            line,
            col,
            line_text,
        }
    }
}

impl fmt::Display for CinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: error: {}",
            self.file, self.line, self.col, self.message
        )?;
        if self.line == 0 {
            return Ok(());
        }
        let gutter = self.line.to_string();
        writeln!(f)?;
        writeln!(f, "{} | {}", gutter, self.line_text)?;
        // Columns count characters; tabs are kept so the caret lines up.
        let pad: String = self
            .line_text
            .chars()
            .take(self.col.saturating_sub(1) as usize)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        write!(f, "{} | {}^", " ".repeat(gutter.len()), pad)
    }
}

impl std::error::Error for CinError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_points_at_column() {
        let text = "section \"x\"\n  j nowhere\n";
        let e = CinError::new("undefined label nowhere", "p.cin", text, 2, 5);
        let s = e.to_string();
        assert!(s.starts_with("p.cin:2:5: error: undefined label nowhere\n"));
        assert!(s.contains("2 |   j nowhere\n"));
        assert!(s.ends_with("  |     ^"));
    }
}
