//! Diagnostics for malformed Sial: a message with file, line, column and a
//! caret snippet of the offending source line.

use std::fmt;

use crate::model::Pos;

/// What went wrong, independent of where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// A token that is not a prefix letter followed by a decimal number, or an
    /// unknown mnemonic in the readable form.
    BadToken,
    /// `F` number outside 1..154.
    UnknownOpcode,
    /// F1/F2 run-length codes (fsquash output, sial.md s.2.5).
    RunLengthCode,
    /// An operand with the wrong prefix letter or missing before the next opcode.
    MissingOperand,
    /// Input ended inside an instruction or module.
    Truncated,
    /// An operand outside its allowed range (C > 255, P < 0, count mismatch, ...).
    OutOfRange,
    /// A label used but never defined, or defined as the wrong kind.
    UndefinedLabel,
    /// A label defined twice in one module.
    DuplicateLabel,
    /// Module structure broken (operand outside an instruction, nesting, ...).
    Structure,
    /// The file uses the pre-2019 opcode numbering (sial.md s.2.6).
    OldNumbering,
}

/// A located diagnostic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SialError {
    pub kind: ErrorKind,
    pub message: String,
    /// File name as given to the reader ("<input>" when none).
    pub file: String,
    pub pos: Pos,
    /// The source line the error points into, without its newline.
    pub line_text: String,
}

impl SialError {
    /// Build an error, extracting the source line from `text`.
    pub fn new(
        kind: ErrorKind,
        message: impl Into<String>,
        file: &str,
        text: &str,
        pos: Pos,
    ) -> Self {
        let line_text = text
            .lines()
            .nth(pos.line.saturating_sub(1) as usize)
            .unwrap_or("")
            .to_string();
        SialError {
            kind,
            message: message.into(),
            file: file.to_string(),
            pos,
            line_text,
        }
    }
}

impl fmt::Display for SialError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}:{}:{}: error: {}",
            self.file, self.pos.line, self.pos.col, self.message
        )?;
        let gutter = self.pos.line.to_string();
        writeln!(f, "{} | {}", gutter, self.line_text)?;
        // Columns count characters; tabs are kept so the caret lines up.
        let pad: String = self
            .line_text
            .chars()
            .take(self.pos.col.saturating_sub(1) as usize)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        write!(f, "{} | {}^", " ".repeat(gutter.len()), pad)
    }
}

impl std::error::Error for SialError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_points_at_column() {
        let text = "\nF104\nF999 P3\n";
        let e = SialError::new(
            ErrorKind::UnknownOpcode,
            "unknown opcode F999",
            "x.sial",
            text,
            Pos { line: 3, col: 1 },
        );
        let s = e.to_string();
        assert!(s.starts_with("x.sial:3:1: error: unknown opcode F999\n"));
        assert!(s.contains("3 | F999 P3\n"));
        assert!(s.ends_with("  | ^"));
    }
}
