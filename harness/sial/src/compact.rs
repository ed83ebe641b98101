//! The compact text form, exactly as `bcpl2sial` writes it (sial.md s.2):
//! a reader that checks every operand letter against the opcode's shape and
//! recognises pre-2019 numbering, and a printer that reproduces bcpl2sial's
//! bytes (layout of sial.md s.2.2).

use std::fmt::Write as _;

use crate::error::{ErrorKind, SialError};
use crate::model::{Args, Instr, Module, Pos, Program};
use crate::opcode::{Op, Shape};

/// Largest value of a P, G, L or M operand (2^31 - 1).
pub const MAX_INDEX: u32 = 0x7FFF_FFFF;

/// Every letter a compact token may start with.
const LETTERS: &[u8] = b"FPGKWCLM";

/// White space accepted between tokens: every ASCII white-space byte
/// (space, tab, LF, VT, FF, CR).
pub(crate) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C)
}

/// Whether a byte starts a character (is not a UTF-8 continuation byte);
/// columns count characters.
pub(crate) fn starts_char(b: u8) -> bool {
    b & 0xC0 != 0x80
}

/// At most `max` characters of `s`, with "..." when cut (for messages).
pub(crate) fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push_str("...");
        t
    }
}

/// One compact token, already range-checked for its letter.
#[derive(Clone, Copy, Debug)]
struct Token<'a> {
    letter: u8,
    /// The value (for `F`, numbers outside i64 are clamped; they are unknown
    /// opcodes anyway).
    value: i64,
    text: &'a str,
    pos: Pos,
}

struct Lexer<'a> {
    text: &'a str,
    file: &'a str,
    i: usize,
    line: u32,
    col: u32,
}

impl<'a> Lexer<'a> {
    fn new(text: &'a str, file: &'a str) -> Self {
        Lexer {
            text,
            file,
            i: 0,
            line: 1,
            col: 1,
        }
    }

    fn err(&self, kind: ErrorKind, msg: String, pos: Pos) -> SialError {
        SialError::new(kind, msg, self.file, self.text, pos)
    }

    fn next_token(&mut self) -> Result<Option<Token<'a>>, SialError> {
        let bytes = self.text.as_bytes();
        while let Some(&b) = bytes.get(self.i) {
            if !is_space(b) {
                break;
            }
            if b == b'\n' {
                self.line = self.line.saturating_add(1);
                self.col = 1;
            } else {
                self.col = self.col.saturating_add(1);
            }
            self.i += 1;
        }
        if self.i >= bytes.len() {
            return Ok(None);
        }
        let start = self.i;
        let pos = Pos {
            line: self.line,
            col: self.col,
        };
        while let Some(&b) = bytes.get(self.i) {
            if is_space(b) {
                break;
            }
            if starts_char(b) {
                self.col = self.col.saturating_add(1);
            }
            self.i += 1;
        }
        // Both ends sit next to ASCII bytes (or the text ends), so they are
        // character boundaries.
        let text = self.text.get(start..self.i).unwrap_or("");
        let tok = self.classify(text, pos)?;
        Ok(Some(tok))
    }

    fn classify(&self, text: &'a str, pos: Pos) -> Result<Token<'a>, SialError> {
        let b = text.as_bytes();
        let bad = || {
            self.err(
                ErrorKind::BadToken,
                format!(
                    "bad token `{}`: expected a prefix letter (F P G K W C L M) followed by a decimal number",
                    shorten(text, 40)
                ),
                pos,
            )
        };
        let letter = match b.first() {
            Some(&l) if LETTERS.contains(&l) => l,
            _ => return Err(bad()),
        };
        let (neg, digits) = match b.get(1) {
            Some(b'-') => (true, b.get(2..).unwrap_or(&[])),
            _ => (false, b.get(1..).unwrap_or(&[])),
        };
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return Err(bad());
        }
        let mut mag: u64 = 0;
        for &d in digits {
            mag = match mag
                .checked_mul(10)
                .and_then(|m| m.checked_add(u64::from(d - b'0')))
            {
                Some(m) => m,
                None => {
                    return Err(self.err(
                        ErrorKind::OutOfRange,
                        format!("number in `{}` does not fit in 64 bits", shorten(text, 40)),
                        pos,
                    ))
                }
            };
        }
        let out_of_range = |what: &str| {
            self.err(
                ErrorKind::OutOfRange,
                format!("`{}` is out of range: {what}", shorten(text, 40)),
                pos,
            )
        };
        let value = match letter {
            b'K' | b'W' => signed_value(neg, mag)
                .ok_or_else(|| out_of_range("K and W operands are signed 64-bit numbers"))?,
            b'C' => {
                if neg || mag > 255 {
                    return Err(out_of_range("a string byte C must be 0..255"));
                }
                mag as i64
            }
            b'F' => {
                if neg {
                    -1
                } else {
                    i64::try_from(mag).unwrap_or(i64::MAX)
                }
            }
            _ => {
                if (neg && mag != 0) || mag > u64::from(MAX_INDEX) {
                    return Err(out_of_range(&format!(
                        "{} operands must be 0..{MAX_INDEX}",
                        letter as char
                    )));
                }
                mag as i64
            }
        };
        Ok(Token {
            letter,
            value,
            text,
            pos,
        })
    }
}

/// A signed 64-bit value from a sign and magnitude (`-9223372036854775808`
/// wraps to i64::MIN); None outside i64.
pub(crate) fn signed_value(neg: bool, mag: u64) -> Option<i64> {
    if neg {
        if mag > 1u64 << 63 {
            None
        } else {
            Some((mag as i64).wrapping_neg())
        }
    } else {
        i64::try_from(mag).ok()
    }
}

/// How the operand list of a shape is described in messages.
pub(crate) fn shape_desc(shape: Shape) -> &'static str {
    match shape {
        Shape::None => "no operands",
        Shape::P => "a P operand",
        Shape::G => "a G operand",
        Shape::L => "an L operand",
        Shape::M => "an M operand",
        Shape::K => "a K operand",
        Shape::KP => "K then P operands",
        Shape::KG => "K then G operands",
        Shape::KL => "K then L operands",
        Shape::PG => "P then G operands",
        Shape::KK => "K then K operands",
        Shape::KKK => "K, K then K operands",
        Shape::Swb => "K(n) L n*(K L) operands",
        Shape::Swl => "K(n) L n*L operands",
        Shape::Name => "K(n) n*C operands",
        Shape::Global => "K(n) n*(G L) G operands",
        Shape::Str => "M K(n) n*C operands",
        Shape::Const => "M then W operands",
        Shape::Static => "L K(n) n*W operands",
    }
}

fn is_counted(shape: Shape) -> bool {
    matches!(
        shape,
        Shape::Swb | Shape::Swl | Shape::Name | Shape::Global | Shape::Str | Shape::Static
    )
}

/// The operand letters of a fixed shape (None for counted shapes).
fn fixed_letters(shape: Shape) -> Option<&'static [u8]> {
    Some(match shape {
        Shape::None => b"",
        Shape::P => b"P",
        Shape::G => b"G",
        Shape::L => b"L",
        Shape::M => b"M",
        Shape::K => b"K",
        Shape::KP => b"KP",
        Shape::KG => b"KG",
        Shape::KL => b"KL",
        Shape::PG => b"PG",
        Shape::KK => b"KK",
        Shape::KKK => b"KKK",
        Shape::Const => b"MW",
        _ => return None,
    })
}

/// The shapes of the pre-2019 numbering (sial.md s.2.6): only 148..152
/// differ in shape; 153/154 and the run codes did not exist.
fn old_shape(n: i64) -> Option<Shape> {
    match n {
        148 | 149 => Some(Shape::None),
        150 => Some(Shape::KK),
        151 | 152 => Some(Shape::KKK),
        1 | 2 | 153 | 154 => None,
        _ => Op::from_number(n).map(Op::shape),
    }
}

struct Parser<'a> {
    lex: Lexer<'a>,
}

/// An operand reader for one instruction.
struct Operands<'p, 'a> {
    p: &'p mut Parser<'a>,
    op: Op,
    op_pos: Pos,
    /// Operands read so far (1-based number of the next is `count + 1`).
    count: usize,
}

impl<'a> Operands<'_, 'a> {
    fn take(&mut self, want: u8) -> Result<Token<'a>, SialError> {
        self.count = self.count.saturating_add(1);
        let shape = self.op.shape();
        let lex = &mut self.p.lex;
        let Some(tok) = lex.next_token()? else {
            return Err(lex.err(
                ErrorKind::Truncated,
                format!(
                    "input ends inside {} (F{}), which expects {}",
                    self.op.name(),
                    self.op.number(),
                    shape_desc(shape)
                ),
                self.op_pos,
            ));
        };
        if tok.letter != want {
            let mut msg = format!(
                "{} expects {}, found {}",
                self.op.name(),
                shape_desc(shape),
                shorten(tok.text, 40)
            );
            if is_counted(shape) {
                let _ = write!(msg, " (operand {} should be {})", self.count, want as char);
            }
            return Err(lex.err(ErrorKind::MissingOperand, msg, tok.pos));
        }
        Ok(tok)
    }

    fn k(&mut self) -> Result<i64, SialError> {
        Ok(self.take(b'K')?.value)
    }

    fn w(&mut self) -> Result<i64, SialError> {
        Ok(self.take(b'W')?.value)
    }

    fn index(&mut self, letter: u8) -> Result<u32, SialError> {
        // The lexer has checked 0..=MAX_INDEX.
        Ok(u32::try_from(self.take(letter)?.value).unwrap_or(MAX_INDEX))
    }

    fn byte(&mut self) -> Result<u8, SialError> {
        Ok(u8::try_from(self.take(b'C')?.value).unwrap_or(u8::MAX))
    }

    fn count_k(&mut self) -> Result<usize, SialError> {
        let tok = self.take(b'K')?;
        usize::try_from(tok.value).map_err(|_| {
            self.p.lex.err(
                ErrorKind::OutOfRange,
                format!(
                    "{}: the count {} must not be negative",
                    self.op.name(),
                    tok.text
                ),
                tok.pos,
            )
        })
    }

    fn args(&mut self) -> Result<Args, SialError> {
        Ok(match self.op.shape() {
            Shape::None => Args::None,
            Shape::P => Args::P(self.index(b'P')?),
            Shape::G => Args::G(self.index(b'G')?),
            Shape::L => Args::L(self.index(b'L')?),
            Shape::M => Args::M(self.index(b'M')?),
            Shape::K => Args::K(self.k()?),
            Shape::KP => Args::KP(self.k()?, self.index(b'P')?),
            Shape::KG => Args::KG(self.k()?, self.index(b'G')?),
            Shape::KL => Args::KL(self.k()?, self.index(b'L')?),
            Shape::PG => Args::PG(self.index(b'P')?, self.index(b'G')?),
            Shape::KK => Args::KK(self.k()?, self.k()?),
            Shape::KKK => Args::KKK(self.k()?, self.k()?, self.k()?),
            Shape::Swb => {
                let n = self.count_k()?;
                let default = self.index(b'L')?;
                let mut cases = Vec::new();
                for _ in 0..n {
                    cases.push((self.k()?, self.index(b'L')?));
                }
                Args::Swb { default, cases }
            }
            Shape::Swl => {
                let n = self.count_k()?;
                let default = self.index(b'L')?;
                let mut labels = Vec::new();
                for _ in 0..n {
                    labels.push(self.index(b'L')?);
                }
                Args::Swl { default, labels }
            }
            Shape::Name => {
                let n = self.count_k()?;
                let mut bytes = Vec::new();
                for _ in 0..n {
                    bytes.push(self.byte()?);
                }
                Args::Name(bytes)
            }
            Shape::Global => {
                let n = self.count_k()?;
                let mut pairs = Vec::new();
                for _ in 0..n {
                    pairs.push((self.index(b'G')?, self.index(b'L')?));
                }
                let max = self.index(b'G')?;
                Args::Global { pairs, max }
            }
            Shape::Str => {
                let label = self.index(b'M')?;
                let n = self.count_k()?;
                let mut bytes = Vec::new();
                for _ in 0..n {
                    bytes.push(self.byte()?);
                }
                Args::Str { label, bytes }
            }
            Shape::Const => Args::Const {
                label: self.index(b'M')?,
                value: self.w()?,
            },
            Shape::Static => {
                let label = self.index(b'L')?;
                let n = self.count_k()?;
                let mut words = Vec::new();
                for _ in 0..n {
                    words.push(self.w()?);
                }
                Args::Static { label, words }
            }
        })
    }
}

impl<'a> Parser<'a> {
    fn opcode(&self, tok: &Token<'a>) -> Result<Op, SialError> {
        if tok.value == 1 || tok.value == 2 {
            return Err(self.lex.err(
                ErrorKind::RunLengthCode,
                format!(
                    "{} is an fsquash run-length code, which cintcheck does not decode \
                     (sial.md s.2.5); decompress the file first",
                    tok.text
                ),
                tok.pos,
            ));
        }
        Op::from_number(tok.value).ok_or_else(|| {
            self.lex.err(
                ErrorKind::UnknownOpcode,
                format!(
                    "unknown opcode {} (Sial opcodes are F3..F154)",
                    shorten(tok.text, 40)
                ),
                tok.pos,
            )
        })
    }

    fn program(&mut self) -> Result<Program, SialError> {
        let mut modules = Vec::new();
        let mut current: Option<Module> = None;
        while let Some(tok) = self.lex.next_token()? {
            if tok.letter != b'F' {
                return Err(self.lex.err(
                    ErrorKind::Structure,
                    format!(
                        "operand without an opcode: {} (every instruction starts with an F token)",
                        shorten(tok.text, 40)
                    ),
                    tok.pos,
                ));
            }
            let op = self.opcode(&tok)?;
            match op {
                Op::Modstart => {
                    if let Some(m) = &current {
                        return Err(self.lex.err(
                            ErrorKind::Structure,
                            format!(
                                "nested F104 (modstart): the module started at line {} has no F105 (modend)",
                                m.pos.line
                            ),
                            tok.pos,
                        ));
                    }
                    current = Some(Module {
                        instrs: Vec::new(),
                        pos: tok.pos,
                    });
                }
                Op::Modend => match current.take() {
                    Some(m) => modules.push(m),
                    None => {
                        return Err(self.lex.err(
                            ErrorKind::Structure,
                            "F105 (modend) without a matching F104 (modstart)".to_string(),
                            tok.pos,
                        ))
                    }
                },
                _ => {
                    if current.is_none() {
                        return Err(self.lex.err(
                            ErrorKind::Structure,
                            format!(
                                "{} ({}) outside a module: instructions must lie between F104 (modstart) and F105 (modend)",
                                tok.text,
                                op.name()
                            ),
                            tok.pos,
                        ));
                    }
                    let args = Operands {
                        p: self,
                        op,
                        op_pos: tok.pos,
                        count: 0,
                    }
                    .args()?;
                    if let Some(m) = current.as_mut() {
                        m.instrs.push(Instr {
                            op,
                            args,
                            pos: tok.pos,
                        });
                    }
                }
            }
        }
        if let Some(m) = current {
            return Err(self.lex.err(
                ErrorKind::Truncated,
                "input ends inside the module started here: F105 (modend) is missing".to_string(),
                m.pos,
            ));
        }
        Ok(Program { modules })
    }
}

/// Whether `text` reads cleanly with the pre-2019 shapes and shows a sign of
/// the old numbering (a label below L10, or an old F148..F152). Returns the
/// first sign: its position and a description.
fn old_numbering_evidence(text: &str, file: &str) -> Option<(Pos, String)> {
    let mut lex = Lexer::new(text, file);
    let mut evidence: Option<(Pos, String)> = None;
    let mut in_module = false;
    while let Some(tok) = lex.next_token().ok()? {
        if tok.letter != b'F' {
            return None;
        }
        let shape = old_shape(tok.value)?;
        if evidence.is_none() && (148..=152).contains(&tok.value) {
            let old = match tok.value {
                148 => "res",
                149 => "ldres",
                150 => "selld",
                151 => "selst",
                _ => "xselst",
            };
            evidence = Some((tok.pos, format!("{} reads as the old {old}", tok.text)));
        }
        match tok.value {
            104 if in_module => return None,
            104 => in_module = true,
            105 if !in_module => return None,
            105 => in_module = false,
            _ if !in_module => return None,
            _ => {}
        }
        let mut want = |letter: u8| -> Option<Token> {
            let t = lex.next_token().ok()??;
            (t.letter == letter).then_some(t)
        };
        let mut operands: Vec<Token> = Vec::new();
        if let Some(letters) = fixed_letters(shape) {
            for &l in letters {
                operands.push(want(l)?);
            }
        } else {
            let mut count = |pre: &[u8], each: &[u8], post: &[u8]| -> Option<Vec<Token>> {
                let mut v = Vec::new();
                for &l in pre {
                    v.push(want(l)?);
                }
                let n = want(b'K')?;
                let n = usize::try_from(n.value).ok()?;
                for &l in post {
                    v.push(want(l)?);
                }
                for _ in 0..n {
                    for &l in each {
                        v.push(want(l)?);
                    }
                }
                Some(v)
            };
            operands = match shape {
                Shape::Swb => count(b"", b"KL", b"L")?,
                Shape::Swl => count(b"", b"L", b"L")?,
                Shape::Name => count(b"", b"C", b"")?,
                Shape::Global => {
                    let mut v = count(b"", b"GL", b"")?;
                    v.push(want(b'G')?);
                    v
                }
                Shape::Str => count(b"M", b"C", b"")?,
                _ => count(b"L", b"W", b"")?, // static
            };
        }
        if evidence.is_none() {
            if let Some(t) = operands.iter().find(|t| t.letter == b'L' && t.value < 10) {
                evidence = Some((
                    t.pos,
                    format!("label {} (current bcpl2sial labels start at L10)", t.text),
                ));
            }
        }
    }
    if in_module {
        return None;
    }
    evidence
}

fn defines_low_label(p: &Program) -> bool {
    p.modules.iter().flat_map(|m| &m.instrs).any(|i| {
        matches!(
            (&i.op, &i.args),
            (Op::Lab, Args::L(l)) | (Op::Static, Args::Static { label: l, .. }) if *l < 10
        )
    })
}

/// Read a compact Sial text (bcpl2sial output). Structure and operand shapes
/// are checked here; labels and field ranges by [`crate::validate()`].
pub fn parse_compact(text: &str, file: &str) -> Result<Program, SialError> {
    let result = Parser {
        lex: Lexer::new(text, file),
    }
    .program();
    let suspicious = match &result {
        Ok(p) => defines_low_label(p),
        Err(_) => true,
    };
    if suspicious {
        if let Some((pos, evidence)) = old_numbering_evidence(text, file) {
            return Err(SialError::new(
                ErrorKind::OldNumbering,
                format!(
                    "this file uses the pre-2019 Sial numbering (e.g. mul was F39, res F148); \
                     regenerate it with a current bcpl2sial (sial.md s.2.6); here: {evidence}"
                ),
                file,
                text,
                pos,
            ));
        }
    }
    result
}

/// The operand tokens of an instruction in file order, counts included.
fn operand_tokens(args: &Args) -> Vec<(char, i64)> {
    let mut v: Vec<(char, i64)> = Vec::new();
    let len = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    match args {
        Args::None => {}
        Args::P(p) => v.push(('P', (*p).into())),
        Args::G(g) => v.push(('G', (*g).into())),
        Args::L(l) => v.push(('L', (*l).into())),
        Args::M(m) => v.push(('M', (*m).into())),
        Args::K(k) => v.push(('K', *k)),
        Args::KP(k, p) => v.extend([('K', *k), ('P', (*p).into())]),
        Args::KG(k, g) => v.extend([('K', *k), ('G', (*g).into())]),
        Args::KL(k, l) => v.extend([('K', *k), ('L', (*l).into())]),
        Args::PG(p, g) => v.extend([('P', (*p).into()), ('G', (*g).into())]),
        Args::KK(a, b) => v.extend([('K', *a), ('K', *b)]),
        Args::KKK(a, b, c) => v.extend([('K', *a), ('K', *b), ('K', *c)]),
        Args::Swb { default, cases } => {
            v.extend([('K', len(cases.len())), ('L', (*default).into())]);
            for (k, l) in cases {
                v.extend([('K', *k), ('L', (*l).into())]);
            }
        }
        Args::Swl { default, labels } => {
            v.extend([('K', len(labels.len())), ('L', (*default).into())]);
            v.extend(labels.iter().map(|l| ('L', (*l).into())));
        }
        Args::Name(bytes) => {
            v.push(('K', len(bytes.len())));
            v.extend(bytes.iter().map(|b| ('C', (*b).into())));
        }
        Args::Global { pairs, max } => {
            v.push(('K', len(pairs.len())));
            for (g, l) in pairs {
                v.extend([('G', (*g).into()), ('L', (*l).into())]);
            }
            v.push(('G', (*max).into()));
        }
        Args::Str { label, bytes } => {
            v.extend([('M', (*label).into()), ('K', len(bytes.len()))]);
            v.extend(bytes.iter().map(|b| ('C', (*b).into())));
        }
        Args::Const { label, value } => v.extend([('M', (*label).into()), ('W', *value)]),
        Args::Static { label, words } => {
            v.extend([('L', (*label).into()), ('K', len(words.len()))]);
            v.extend(words.iter().map(|w| ('W', *w)));
        }
    }
    v
}

fn write_instr(out: &mut String, op: Op, args: &Args) {
    let _ = write!(out, "\nF{}", op.number());
    for (i, (letter, value)) in operand_tokens(args).into_iter().enumerate() {
        if (i + 1) % 10 == 0 {
            out.push('\n');
        }
        let _ = write!(out, " {letter}{value}");
    }
    if op == Op::Modend {
        out.push('\n');
    }
}

/// Print a program exactly as bcpl2sial lays it out (sial.md s.2.2): every
/// opcode on a new line, operand 10, 20, ... of an instruction (counting the
/// implicit count K) on a continuation line, a newline after each modend.
pub fn print_compact(p: &Program) -> String {
    let mut out = String::new();
    for m in &p.modules {
        write_instr(&mut out, Op::Modstart, &Args::None);
        for i in &m.instrs {
            write_instr(&mut out, i.op, &i.args);
        }
        write_instr(&mut out, Op::Modend, &Args::None);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> SialError {
        parse_compact(text, "t.sial").expect_err("should fail")
    }

    const SAMPLE: &str = "
F104
F113 K1 C102
F111 L10
F18 K1
F77
F113 K5 C115 C116 C97 C114 C116
F111 L11
F11 K2
F69
F9 L10
F31 P3
F13 P3
F11 K0
F32 P4 G2
F77
F106 K1 G1 L11 G1
F105

F104
F113 K1 C103
F111 L10
F77
F106 K0 G0
F105
";

    #[test]
    fn spec_example_parses_and_prints_back() {
        let p = parse_compact(SAMPLE, "t").unwrap();
        assert_eq!(p.modules.len(), 2);
        assert_eq!(p.modules[0].instrs.len(), 15);
        assert_eq!(p.modules[0].pos, Pos { line: 2, col: 1 });
        assert_eq!(p.modules[1].pos, Pos { line: 20, col: 1 });
        assert_eq!(p.modules[0].instrs[1].op, Op::Lab);
        assert_eq!(p.modules[0].instrs[1].pos, Pos { line: 4, col: 1 });
        assert_eq!(
            p.modules[0].instrs[14].args,
            Args::Global {
                pairs: vec![(1, 11)],
                max: 1
            }
        );
        assert_eq!(print_compact(&p), SAMPLE);
    }

    #[test]
    fn wraps_every_tenth_operand() {
        let text = "\nF104\nF107 M9001 K15 C102 C97 C99 C116 C40 C37 C110\n C41 C32 C61 C32 C37 C105 C52 C10\nF105\n";
        let p = parse_compact(text, "t").unwrap();
        assert_eq!(print_compact(&p), text);
        let mut long = Vec::new();
        long.resize(25, 65u8);
        let q = Program {
            modules: vec![Module {
                instrs: vec![Instr::new(Op::Entry, Args::Name(long))],
                pos: Pos::default(),
            }],
        };
        let s = print_compact(&q);
        let lines: Vec<&str> = s.lines().collect();
        // K25 is operand 1; C tokens are operands 2..26; 10 and 20 wrap.
        assert_eq!(lines[2].split(' ').count(), 1 + 9);
        assert!(lines[3].starts_with(" C65"));
        assert_eq!(lines[3].split(' ').count(), 1 + 10);
        assert_eq!(lines[4].split(' ').count(), 1 + 7);
        assert!(parse_compact(&s, "t").unwrap().same(&q));
    }

    #[test]
    fn extreme_numbers() {
        let text = "F104 F11 K-9223372036854775808 F108 M9001 W9223372036854775807 F105";
        let p = parse_compact(text, "t").unwrap();
        assert_eq!(p.modules[0].instrs[0].args, Args::K(i64::MIN));
        let e = err("F104 F11 K9223372036854775808 F105");
        assert_eq!(e.kind, ErrorKind::OutOfRange);
        assert_eq!(e.pos, Pos { line: 1, col: 10 });
        let e = err("F104 F11 K-9223372036854775809 F105");
        assert_eq!(e.kind, ErrorKind::OutOfRange);
        let e = err("F104 F11 K99999999999999999999 F105");
        assert_eq!(e.kind, ErrorKind::OutOfRange);
        assert!(e.message.contains("64 bits"));
        let e = err("F104 F107 M9001 K1 C256 F105");
        assert_eq!(e.kind, ErrorKind::OutOfRange);
        let e = err("F104 F3 P2147483648 F105");
        assert_eq!(e.kind, ErrorKind::OutOfRange);
        assert!(parse_compact("F104 F3 P2147483647 F105", "t").is_ok());
        let e = err("F104 F3 P-1 F105");
        assert_eq!(e.kind, ErrorKind::OutOfRange);
        let e = err("F104 F109 L10 K-1 F105");
        assert_eq!(e.kind, ErrorKind::OutOfRange);
        assert!(e.message.contains("negative"), "{}", e.message);
    }

    #[test]
    fn shape_mismatch_names_the_operand() {
        let e = err("F104\nF20 K1 G5\nF105");
        assert_eq!(e.kind, ErrorKind::MissingOperand);
        assert_eq!(e.message, "lkp expects K then P operands, found G5");
        assert_eq!(e.pos, Pos { line: 2, col: 8 });
        let e = err("F104\nF66 K2 L10 K1 L11 L12 L13\nF105");
        assert_eq!(e.kind, ErrorKind::MissingOperand);
        assert!(e.message.contains("operand 5 should be K"), "{}", e.message);
        let e = err("F104\nF3\nF105");
        assert_eq!(e.message, "lp expects a P operand, found F105");
    }

    #[test]
    fn structure_errors() {
        let e = err("\nF104\nF11 K1 K2\nF105\n");
        assert_eq!(e.kind, ErrorKind::Structure);
        assert!(e.message.contains("operand without an opcode: K2"));
        assert_eq!(e.pos, Pos { line: 3, col: 8 });
        let e = err("F11 K1");
        assert_eq!(e.kind, ErrorKind::Structure);
        let e = err("F104 F104 F105 F105");
        assert_eq!(e.kind, ErrorKind::Structure);
        assert!(e.message.contains("nested"));
        let e = err("F105");
        assert_eq!(e.kind, ErrorKind::Structure);
        let e = err("F104 F11");
        assert_eq!(e.kind, ErrorKind::Truncated);
        assert_eq!(e.pos, Pos { line: 1, col: 6 });
        let e = err("\nF104\nF11 K1\n");
        assert_eq!(e.kind, ErrorKind::Truncated);
        assert_eq!(e.pos, Pos { line: 2, col: 1 });
    }

    #[test]
    fn opcode_errors() {
        let e = err("F104 F1 F105");
        assert_eq!(e.kind, ErrorKind::RunLengthCode);
        assert!(e.message.contains("run-length"));
        assert!(e.message.contains("s.2.5"));
        let e = err("F104 F155 F105");
        assert_eq!(e.kind, ErrorKind::UnknownOpcode);
        let e = err("F104 F0 F105");
        assert_eq!(e.kind, ErrorKind::UnknownOpcode);
        let e = err("F104 F-3 F105");
        assert_eq!(e.kind, ErrorKind::UnknownOpcode);
        let e = err("F104 X1 F105");
        assert_eq!(e.kind, ErrorKind::BadToken);
        let e = err("F104 K F105");
        assert_eq!(e.kind, ErrorKind::BadToken);
        let e = err("F104 K1x F105");
        assert_eq!(e.kind, ErrorKind::BadToken);
        let e = err("F104 é F105");
        assert_eq!(e.kind, ErrorKind::BadToken);
        assert_eq!(e.pos.col, 6);
    }

    #[test]
    fn accepts_any_ascii_white_space() {
        let p = parse_compact("\r\n\tF104\x0bF11\x0cK1\r\nF105\r\n", "t").unwrap();
        assert_eq!(p.modules[0].instrs[0].args, Args::K(1));
        assert_eq!(p.modules[0].instrs[0].pos, Pos { line: 2, col: 7 });
    }

    #[test]
    fn empty_input_is_an_empty_program() {
        assert_eq!(parse_compact("", "t").unwrap().modules.len(), 0);
        assert_eq!(parse_compact("\n \n", "t").unwrap().modules.len(), 0);
        assert_eq!(print_compact(&Program::default()), "");
    }

    /// A hand-made file in the old numbering: labels from L1, `mul` as F39,
    /// `selld` as F150 K K.
    const OLD: &str = "
F104
F113 K5 C115 C116 C97 C114 C116
F111 L1
F3 P3
F3 P4
F39
F150 K8 K4
F77
F106 K1 G1 L1 G1
F105
";

    #[test]
    fn old_numbering_is_recognised() {
        let e = err(OLD);
        assert_eq!(e.kind, ErrorKind::OldNumbering);
        assert!(e.message.contains("pre-2019 Sial numbering"));
        assert!(e.message.contains("sial.md s.2.6"));
        // The first sign is the label L1 on line 4.
        assert_eq!(e.pos, Pos { line: 4, col: 6 });
        // Without the low labels, the old selld is the sign.
        let renamed = OLD.replace("L1", "L10");
        let e = err(&renamed);
        assert_eq!(e.kind, ErrorKind::OldNumbering);
        assert_eq!(e.pos, Pos { line: 8, col: 1 });
        assert!(e.message.contains("F150 reads as the old selld"));
        // Old res/ldres (F148/F149 without operands) followed by an opcode.
        let e = err("F104 F111 L1 F148 F149 F77 F105");
        assert_eq!(e.kind, ErrorKind::OldNumbering);
        // A current file whose error has nothing to do with numbering keeps
        // its own error.
        let e = err("F104 F111 L10 F20 K1 G5 F105");
        assert_eq!(e.kind, ErrorKind::MissingOperand);
        // Current res (F150, no operands) with L10 labels is fine.
        assert!(parse_compact("F104 F111 L10 F150 F151 F77 F105", "t").is_ok());
    }
}
