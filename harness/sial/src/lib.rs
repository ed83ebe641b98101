//! The Sial language of 64-bit BCPL (sial.md): the opcode table, the program
//! model, the two text forms and their printers, and validation.
//!
//! # The two text forms
//!
//! **Compact** is exactly what `bcpl2sial` writes: tokens of one prefix letter
//! and a signed decimal number (`F104 F11 K-1 P3 L10 M9001 W123 C97 G94`),
//! every opcode on a new line, every 10th operand on a continuation line.
//! [`print_compact`] reproduces bcpl2sial's bytes.
//!
//! **Readable** is our own form for hand-written cases. One instruction per
//! line: a mnemonic (the names of [`Op::name`]) followed by the same prefixed
//! operands as the compact form, with counts left implicit and strings quoted:
//!
//! ```text
//! ; comments run from ';' to the end of the line
//! modstart
//! section "demo"
//! entry "start"
//! lab L10
//!   l K42              ; A := 42
//!   lstr M9001         ; A := "hi*n"
//!   kpg P3 G94         ; writef(...)
//!   swl L20 L21 L22    ; default L20, cases 0 -> L21, 1 -> L22
//!   swb L20 K5 L21 K1 L22
//!   rtn
//! string M9001 "hi\n"  ; escapes: \n \t \r \\ \" \xHH
//! const M9002 W-1      ; W also takes 0x... hex and float literals: W1.5 Winf Wnan
//! static L30 W1 W2 W3
//! global G1 L10 G94    ; pairs (G L), then the highest global
//! modend
//! ```
//!
//! Details of the readable form:
//!
//! * If a readable file has no `modstart`, its whole text is one module (a
//!   text with no instruction at all is an empty program). Once `modstart`
//!   is used, every instruction must lie between `modstart` and `modend`.
//! * Counts are implicit: `section`/`entry` take one quoted string, `string`
//!   an M and a quoted string, `static` an L and zero or more W, `global`
//!   (G L) pairs then the highest G, `swb` the default L then (K L) pairs in
//!   file order, `swl` the default L then the case labels.
//! * Numbers are decimal with an optional `-`, or hex `0x...` for any
//!   operand (`K-0x10`). K and W are signed 64-bit; an unsigned hex K or W
//!   may give any 64-bit pattern (`W0xBFF0000000000000`). P, G, L and M are
//!   0..2^31-1. A W may also be a float literal (containing `.`, `e` or `E`,
//!   or `inf`, `-inf`, `nan`), stored as its IEEE bit pattern.
//! * Strings hold any bytes: escapes `\n \t \r \\ \" \xHH`, other characters
//!   stand for their UTF-8 bytes; a string ends on its own line.
//! * One instruction per line; an extra operand is an error.
//! * [`print_readable`] writes every module between `modstart` and `modend`
//!   (modules separated by an empty line), directives (`section entry lab
//!   mlab string const static global`) at the margin, instructions indented
//!   by two spaces, numbers in decimal (W as the signed 64-bit value), and
//!   escapes string bytes below 32, above 126, `"` and `\`.
//!
//! Both readers accept any ASCII white space. The compact reader rejects
//! `F1`/`F2` (fsquash run-length codes) and recognises files in the pre-2019
//! numbering (sial.md s.2.6) with [`ErrorKind::OldNumbering`].

pub mod compact;
pub mod error;
pub mod model;
pub mod opcode;
pub mod readable;
pub mod validate;

pub use compact::{parse_compact, print_compact};
pub use error::{ErrorKind, SialError};
pub use model::{Args, Instr, Module, Pos, Program};
pub use opcode::{Op, Shape, ALL_OPS};
pub use readable::{parse_readable, print_instr, print_readable};
pub use validate::validate;

/// The text form of a Sial source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    Compact,
    Readable,
}

/// Guess the form: compact when the first token (after white space and
/// readable-form comments) is `F` followed by a digit.
pub fn detect_form(text: &str) -> Form {
    for line in text.lines() {
        let line = line.split(';').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut chars = line.chars();
        return match (chars.next(), chars.next()) {
            (Some('F'), Some(c)) if c.is_ascii_digit() => Form::Compact,
            _ => Form::Readable,
        };
    }
    Form::Compact
}

/// Read a Sial text of either form and validate it.
pub fn parse(text: &str, file: &str) -> Result<Program, SialError> {
    let program = match detect_form(text) {
        Form::Compact => parse_compact(text, file)?,
        Form::Readable => parse_readable(text, file)?,
    };
    validate(&program, file, text)?;
    Ok(program)
}
