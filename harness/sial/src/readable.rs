//! The readable text form (documented in the crate doc, `lib.rs`): one
//! instruction per line, mnemonic then prefixed operands with implicit counts,
//! quoted strings, `;` comments; its reader and printer.

use std::fmt::Write as _;

use crate::compact::{is_space, shape_desc, shorten, signed_value, starts_char, MAX_INDEX};
use crate::error::{ErrorKind, SialError};
use crate::model::{Args, Instr, Module, Pos, Program};
use crate::opcode::{Op, Shape, ALL_OPS};

/// One token of a readable line.
#[derive(Clone, Debug)]
enum Tok<'a> {
    Word(&'a str, Pos),
    Str(Vec<u8>, Pos),
}

impl Tok<'_> {
    fn pos(&self) -> Pos {
        match self {
            Tok::Word(_, p) | Tok::Str(_, p) => *p,
        }
    }

    fn show(&self) -> String {
        match self {
            Tok::Word(w, _) => shorten(w, 40),
            Tok::Str(..) => "a quoted string".to_string(),
        }
    }
}

struct Ctx<'a> {
    text: &'a str,
    file: &'a str,
}

impl Ctx<'_> {
    fn err(&self, kind: ErrorKind, msg: impl Into<String>, pos: Pos) -> SialError {
        SialError::new(kind, msg, self.file, self.text, pos)
    }
}

fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Split one line (without its newline) into tokens.
fn tokenize<'a>(ctx: &Ctx, line: &'a str, lineno: u32) -> Result<Vec<Tok<'a>>, SialError> {
    let b = line.as_bytes();
    let mut toks = Vec::new();
    let mut i = 0usize;
    let mut col = 1u32;
    let at = |col: u32| Pos { line: lineno, col };
    while let Some(&c) = b.get(i) {
        if is_space(c) {
            i += 1;
            col = col.saturating_add(1);
            continue;
        }
        if c == b';' {
            break;
        }
        let start_col = col;
        if c == b'"' {
            let mut bytes = Vec::new();
            i += 1;
            col = col.saturating_add(1);
            loop {
                let Some(&c) = b.get(i) else {
                    return Err(ctx.err(
                        ErrorKind::BadToken,
                        "unterminated string: a string must end with \" on the same line",
                        at(start_col),
                    ));
                };
                match c {
                    b'"' => {
                        i += 1;
                        col = col.saturating_add(1);
                        break;
                    }
                    b'\\' => {
                        let esc_col = col;
                        let bad = || {
                            ctx.err(
                                ErrorKind::BadToken,
                                "bad escape in string: use \\n \\t \\r \\\\ \\\" or \\xHH",
                                at(esc_col),
                            )
                        };
                        let (byte, len) = match b.get(i + 1) {
                            Some(b'n') => (b'\n', 2),
                            Some(b't') => (b'\t', 2),
                            Some(b'r') => (b'\r', 2),
                            Some(b'\\') => (b'\\', 2),
                            Some(b'"') => (b'"', 2),
                            Some(b'x') => {
                                let hi = b.get(i + 2).copied().and_then(hex_digit);
                                let lo = b.get(i + 3).copied().and_then(hex_digit);
                                match (hi, lo) {
                                    (Some(h), Some(l)) => (h * 16 + l, 4),
                                    _ => return Err(bad()),
                                }
                            }
                            _ => return Err(bad()),
                        };
                        bytes.push(byte);
                        i += len;
                        col = col.saturating_add(len as u32);
                    }
                    _ => {
                        // Raw bytes, including UTF-8 sequences, stand for themselves.
                        bytes.push(c);
                        if starts_char(c) {
                            col = col.saturating_add(1);
                        }
                        i += 1;
                    }
                }
            }
            toks.push(Tok::Str(bytes, at(start_col)));
            continue;
        }
        let start = i;
        while let Some(&c) = b.get(i) {
            if is_space(c) || c == b';' || c == b'"' {
                break;
            }
            if starts_char(c) {
                col = col.saturating_add(1);
            }
            i += 1;
        }
        // The ends are next to ASCII bytes or the end of the line.
        toks.push(Tok::Word(line.get(start..i).unwrap_or(""), at(start_col)));
    }
    Ok(toks)
}

/// Levenshtein distance (small strings only).
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

fn unknown_mnemonic(word: &str) -> String {
    let mut msg = format!("unknown mnemonic `{}`", shorten(word, 40));
    let wb = word.as_bytes();
    if wb.first() == Some(&b'F') && wb.len() > 1 && wb.iter().skip(1).all(u8::is_ascii_digit) {
        if let Some(op) = word
            .get(1..)
            .and_then(|n| n.parse().ok())
            .and_then(Op::from_number)
        {
            let _ = write!(
                msg,
                "; the readable form uses mnemonics: {word} is `{}`",
                op.name()
            );
            return msg;
        }
    }
    if word.chars().count() <= 12 {
        let lower = word.to_ascii_lowercase();
        let best = ALL_OPS
            .iter()
            .map(|op| (distance(&lower, op.name()), op.name()))
            .filter(|(d, name)| *d <= 2 && *d < name.len())
            .min_by_key(|(d, _)| *d);
        if let Some((_, name)) = best {
            let _ = write!(msg, "; did you mean `{name}`?");
            return msg;
        }
    }
    if wb.len() > 1 && wb.first().is_some_and(|c| b"FPGKWCLM".contains(c)) {
        msg.push_str("; a line starts with a mnemonic, then its operands");
    }
    msg
}

/// Parse the number after an operand letter. `signed`: K or W (64-bit, hex
/// may give any bit pattern); otherwise 0..=MAX_INDEX.
fn parse_number(
    ctx: &Ctx,
    body: &str,
    word: &str,
    signed: bool,
    pos: Pos,
) -> Result<i64, SialError> {
    let b = body.as_bytes();
    let (neg, rest) = match b.first() {
        Some(b'-') => (true, b.get(1..).unwrap_or(&[])),
        _ => (false, b),
    };
    let (hex, digits) = match rest {
        [b'0', b'x' | b'X', tail @ ..] => (true, tail),
        _ => (false, rest),
    };
    let bad = || {
        ctx.err(
            ErrorKind::BadToken,
            format!(
                "bad operand `{}`: expected a letter and a decimal or 0x hex number",
                shorten(word, 40)
            ),
            pos,
        )
    };
    if digits.is_empty() {
        return Err(bad());
    }
    let range = |what: String| {
        ctx.err(
            ErrorKind::OutOfRange,
            format!("`{}` is out of range: {what}", shorten(word, 40)),
            pos,
        )
    };
    let base: u64 = if hex { 16 } else { 10 };
    let mut mag: u64 = 0;
    for &d in digits {
        let v = if hex {
            hex_digit(d)
        } else {
            d.is_ascii_digit().then(|| d - b'0')
        };
        let Some(v) = v else { return Err(bad()) };
        mag = mag
            .checked_mul(base)
            .and_then(|m| m.checked_add(u64::from(v)))
            .ok_or_else(|| range("the number does not fit in 64 bits".to_string()))?;
    }
    if signed {
        if hex && !neg {
            // 0x... gives the 64-bit pattern, e.g. W0xBFF0000000000000.
            return Ok(mag as i64);
        }
        signed_value(neg, mag)
            .ok_or_else(|| range("K and W operands are signed 64-bit numbers".to_string()))
    } else {
        if (neg && mag != 0) || mag > u64::from(MAX_INDEX) {
            return Err(range(format!("this operand must be 0..{MAX_INDEX}")));
        }
        Ok(mag as i64)
    }
}

/// A W operand body may be a float literal, stored as its bit pattern.
fn float_literal(body: &str) -> Option<f64> {
    let is_float = matches!(body, "inf" | "-inf" | "nan")
        || (!body.contains("0x")
            && !body.contains("0X")
            && body.bytes().any(|c| matches!(c, b'.' | b'e' | b'E')));
    if !is_float {
        return None;
    }
    match body {
        "inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        "nan" => Some(f64::NAN),
        _ if body
            .bytes()
            .all(|c| c.is_ascii_digit() || b".eE+-".contains(&c)) =>
        {
            body.parse::<f64>().ok()
        }
        _ => None,
    }
}

/// Reads the operands of one line.
struct Line<'c, 'a> {
    ctx: &'c Ctx<'a>,
    op: Op,
    op_pos: Pos,
    toks: std::vec::IntoIter<Tok<'a>>,
}

impl<'a> Line<'_, 'a> {
    fn expects(&self) -> String {
        match self.op.shape() {
            Shape::Swb => "L then (K L) pairs".to_string(),
            Shape::Swl => "L then more L operands".to_string(),
            Shape::Name => "a quoted string".to_string(),
            Shape::Global => "(G L) pairs then G".to_string(),
            Shape::Str => "M then a quoted string".to_string(),
            Shape::Static => "L then W operands".to_string(),
            s => shape_desc(s).to_string(),
        }
    }

    fn mismatch(&self, found: Option<&Tok>) -> SialError {
        let (shown, pos) = match found {
            Some(t) => (t.show(), t.pos()),
            None => ("the end of the line".to_string(), self.op_pos),
        };
        let mut msg = format!(
            "{} expects {}, found {shown}",
            self.op.name(),
            self.expects()
        );
        let counted = matches!(
            self.op.shape(),
            Shape::Swb | Shape::Swl | Shape::Name | Shape::Global | Shape::Str | Shape::Static
        );
        if counted && matches!(found, Some(Tok::Word(w, _)) if w.starts_with('K')) {
            msg.push_str(" (counts are implicit in the readable form)");
        }
        self.ctx.err(ErrorKind::MissingOperand, msg, pos)
    }

    fn letter(&mut self, want: u8) -> Result<i64, SialError> {
        let tok = self.toks.next();
        let Some(Tok::Word(w, pos)) = tok else {
            return Err(self.mismatch(tok.as_ref()));
        };
        let Some(body) = w.strip_prefix(want as char) else {
            return Err(self.mismatch(Some(&Tok::Word(w, pos))));
        };
        if want == b'W' {
            if let Some(f) = float_literal(body) {
                return Ok(f.to_bits() as i64);
            }
        }
        parse_number(self.ctx, body, w, matches!(want, b'K' | b'W'), pos)
    }

    fn index(&mut self, want: u8) -> Result<u32, SialError> {
        Ok(u32::try_from(self.letter(want)?).unwrap_or(MAX_INDEX))
    }

    fn string(&mut self) -> Result<Vec<u8>, SialError> {
        match self.toks.next() {
            Some(Tok::Str(bytes, _)) => Ok(bytes),
            other => Err(self.mismatch(other.as_ref())),
        }
    }

    fn more(&self) -> bool {
        !self.toks.as_slice().is_empty()
    }

    fn args(&mut self) -> Result<Args, SialError> {
        let args = match self.op.shape() {
            Shape::None => Args::None,
            Shape::P => Args::P(self.index(b'P')?),
            Shape::G => Args::G(self.index(b'G')?),
            Shape::L => Args::L(self.index(b'L')?),
            Shape::M => Args::M(self.index(b'M')?),
            Shape::K => Args::K(self.letter(b'K')?),
            Shape::KP => Args::KP(self.letter(b'K')?, self.index(b'P')?),
            Shape::KG => Args::KG(self.letter(b'K')?, self.index(b'G')?),
            Shape::KL => Args::KL(self.letter(b'K')?, self.index(b'L')?),
            Shape::PG => Args::PG(self.index(b'P')?, self.index(b'G')?),
            Shape::KK => Args::KK(self.letter(b'K')?, self.letter(b'K')?),
            Shape::KKK => Args::KKK(self.letter(b'K')?, self.letter(b'K')?, self.letter(b'K')?),
            Shape::Swb => {
                let default = self.index(b'L')?;
                let mut cases = Vec::new();
                while self.more() {
                    cases.push((self.letter(b'K')?, self.index(b'L')?));
                }
                Args::Swb { default, cases }
            }
            Shape::Swl => {
                let default = self.index(b'L')?;
                let mut labels = Vec::new();
                while self.more() {
                    labels.push(self.index(b'L')?);
                }
                Args::Swl { default, labels }
            }
            Shape::Name => Args::Name(self.string()?),
            Shape::Global => {
                let mut pairs = Vec::new();
                let mut g = self.index(b'G')?;
                while self.more() {
                    let l = self.index(b'L')?;
                    pairs.push((g, l));
                    g = self.index(b'G')?;
                }
                Args::Global { pairs, max: g }
            }
            Shape::Str => Args::Str {
                label: self.index(b'M')?,
                bytes: self.string()?,
            },
            Shape::Const => Args::Const {
                label: self.index(b'M')?,
                value: self.letter(b'W')?,
            },
            Shape::Static => {
                let label = self.index(b'L')?;
                let mut words = Vec::new();
                while self.more() {
                    words.push(self.letter(b'W')?);
                }
                Args::Static { label, words }
            }
        };
        if let Some(extra) = self.toks.next() {
            return Err(self.ctx.err(
                ErrorKind::Structure,
                format!(
                    "extra operand {} after {} (which takes {}); one instruction per line",
                    extra.show(),
                    self.op.name(),
                    self.expects()
                ),
                extra.pos(),
            ));
        }
        Ok(args)
    }
}

/// Read a readable-form Sial text. A text without `modstart` is one module
/// (a text with no instruction at all is an empty program).
pub fn parse_readable(text: &str, file: &str) -> Result<Program, SialError> {
    let ctx = Ctx { text, file };
    let mut modules: Vec<Module> = Vec::new();
    // The open explicit module, or the implicit one.
    let mut current: Option<Module> = None;
    let mut explicit = false;
    for (n, line) in text.split('\n').enumerate() {
        let lineno = u32::try_from(n).unwrap_or(u32::MAX).saturating_add(1);
        let toks = tokenize(&ctx, line, lineno)?;
        let mut toks = toks.into_iter();
        let Some(first) = toks.next() else { continue };
        let (word, pos) = match first {
            Tok::Word(w, p) => (w, p),
            Tok::Str(_, p) => {
                return Err(ctx.err(
                    ErrorKind::BadToken,
                    "a line must start with a mnemonic, not a string",
                    p,
                ))
            }
        };
        let Some(op) = Op::from_name(word) else {
            return Err(ctx.err(ErrorKind::BadToken, unknown_mnemonic(word), pos));
        };
        if matches!(op, Op::Run1 | Op::Run2) {
            return Err(ctx.err(
                ErrorKind::RunLengthCode,
                format!(
                    "{word} is an fsquash run-length code, which cintcheck does not decode (sial.md s.2.5)"
                ),
                pos,
            ));
        }
        let args = Line {
            ctx: &ctx,
            op,
            op_pos: pos,
            toks,
        }
        .args()?;
        match op {
            Op::Modstart => {
                if let Some(m) = &current {
                    let msg = if explicit {
                        format!(
                            "nested modstart: the module started at line {} has no modend",
                            m.pos.line
                        )
                    } else {
                        format!(
                            "modstart after instructions outside any module (from line {}): \
                             put every instruction between modstart and modend, or use neither",
                            m.pos.line
                        )
                    };
                    return Err(ctx.err(ErrorKind::Structure, msg, pos));
                }
                explicit = true;
                current = Some(Module {
                    instrs: Vec::new(),
                    pos,
                });
            }
            Op::Modend => match current.take() {
                Some(m) if explicit => modules.push(m),
                _ => {
                    return Err(ctx.err(
                        ErrorKind::Structure,
                        "modend without a matching modstart",
                        pos,
                    ))
                }
            },
            _ => {
                if current.is_none() {
                    if explicit {
                        return Err(ctx.err(
                            ErrorKind::Structure,
                            format!(
                                "{} outside a module: instructions must lie between modstart and modend",
                                op.name()
                            ),
                            pos,
                        ));
                    }
                    current = Some(Module {
                        instrs: Vec::new(),
                        pos,
                    });
                }
                if let Some(m) = current.as_mut() {
                    m.instrs.push(Instr { op, args, pos });
                }
            }
        }
    }
    if let Some(m) = current {
        if explicit {
            return Err(ctx.err(
                ErrorKind::Truncated,
                "input ends inside the module started here: modend is missing",
                m.pos,
            ));
        }
        modules.push(m);
    }
    Ok(Program { modules })
}

/// Quote bytes as a readable-form string.
pub fn quote(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() + 2);
    s.push('"');
    for &b in bytes {
        match b {
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            b'\r' => s.push_str("\\r"),
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            32..=126 => s.push(b as char),
            _ => {
                let _ = write!(s, "\\x{b:02X}");
            }
        }
    }
    s.push('"');
    s
}

fn write_args(out: &mut String, args: &Args) {
    match args {
        Args::None => {}
        Args::P(p) => {
            let _ = write!(out, " P{p}");
        }
        Args::G(g) => {
            let _ = write!(out, " G{g}");
        }
        Args::L(l) => {
            let _ = write!(out, " L{l}");
        }
        Args::M(m) => {
            let _ = write!(out, " M{m}");
        }
        Args::K(k) => {
            let _ = write!(out, " K{k}");
        }
        Args::KP(k, p) => {
            let _ = write!(out, " K{k} P{p}");
        }
        Args::KG(k, g) => {
            let _ = write!(out, " K{k} G{g}");
        }
        Args::KL(k, l) => {
            let _ = write!(out, " K{k} L{l}");
        }
        Args::PG(p, g) => {
            let _ = write!(out, " P{p} G{g}");
        }
        Args::KK(a, b) => {
            let _ = write!(out, " K{a} K{b}");
        }
        Args::KKK(a, b, c) => {
            let _ = write!(out, " K{a} K{b} K{c}");
        }
        Args::Swb { default, cases } => {
            let _ = write!(out, " L{default}");
            for (k, l) in cases {
                let _ = write!(out, " K{k} L{l}");
            }
        }
        Args::Swl { default, labels } => {
            let _ = write!(out, " L{default}");
            for l in labels {
                let _ = write!(out, " L{l}");
            }
        }
        Args::Name(bytes) => {
            out.push(' ');
            out.push_str(&quote(bytes));
        }
        Args::Global { pairs, max } => {
            for (g, l) in pairs {
                let _ = write!(out, " G{g} L{l}");
            }
            let _ = write!(out, " G{max}");
        }
        Args::Str { label, bytes } => {
            let _ = write!(out, " M{label} {}", quote(bytes));
        }
        Args::Const { label, value } => {
            let _ = write!(out, " M{label} W{value}");
        }
        Args::Static { label, words } => {
            let _ = write!(out, " L{label}");
            for w in words {
                let _ = write!(out, " W{w}");
            }
        }
    }
}

/// One instruction in the readable form (mnemonic and operands), as used
/// by listings.
pub fn print_instr(i: &Instr) -> String {
    let mut out = i.op.name().to_string();
    write_args(&mut out, &i.args);
    out
}

/// Print a program in the readable form: every module between `modstart`
/// and `modend` (modules separated by an empty line), executable
/// instructions indented by two spaces, directives (labels, entry, data,
/// global) at the margin. Numbers are decimal; W words are printed as their
/// signed 64-bit value.
pub fn print_readable(p: &Program) -> String {
    let mut out = String::new();
    for (n, m) in p.modules.iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        out.push_str("modstart\n");
        for i in &m.instrs {
            if !i.op.is_directive() {
                out.push_str("  ");
            }
            out.push_str(&print_instr(i));
            out.push('\n');
        }
        out.push_str("modend\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> SialError {
        parse_readable(text, "t.rsial").expect_err("should fail")
    }

    fn one(text: &str) -> Instr {
        let p = parse_readable(text, "t").unwrap();
        p.modules[0].instrs[0].clone()
    }

    #[test]
    fn the_crate_doc_example_parses() {
        let text = r#"; comments run from ';' to the end of the line
modstart
section "demo"
entry "start"
lab L10
  l K42              ; A := 42
  lstr M9001         ; A := "hi*n"
  kpg P3 G94         ; writef(...)
  swl L20 L21 L22    ; default L20, cases 0 -> L21, 1 -> L22
  swb L20 K5 L21 K1 L22
  rtn
string M9001 "hi\n"  ; escapes: \n \t \r \\ \" \xHH
const M9002 W-1      ; W also takes 0x... hex and float literals: W1.5 Winf Wnan
static L30 W1 W2 W3
global G1 L10 G94    ; pairs (G L), then the highest global
modend
"#;
        let p = parse_readable(text, "t").unwrap();
        assert_eq!(p.modules.len(), 1);
        let m = &p.modules[0];
        assert_eq!(m.pos, Pos { line: 2, col: 1 });
        assert_eq!(m.instrs[0].args, Args::Name(b"demo".to_vec()));
        assert_eq!(
            m.instrs[6].args,
            Args::Swl {
                default: 20,
                labels: vec![21, 22]
            }
        );
        assert_eq!(
            m.instrs[7].args,
            Args::Swb {
                default: 20,
                cases: vec![(5, 21), (1, 22)]
            }
        );
        assert_eq!(m.instrs[7].pos, Pos { line: 10, col: 3 });
        assert_eq!(
            m.instrs[9].args,
            Args::Str {
                label: 9001,
                bytes: b"hi\n".to_vec()
            }
        );
        assert_eq!(
            m.instrs[12].args,
            Args::Global {
                pairs: vec![(1, 10)],
                max: 94
            }
        );
        let again = parse_readable(&print_readable(&p), "t").unwrap();
        assert!(again.same(&p));
    }

    #[test]
    fn numbers() {
        assert_eq!(one("l K-0x10").args, Args::K(-16));
        assert_eq!(one("l K0xFFFFFFFFFFFFFFFF").args, Args::K(-1));
        assert_eq!(one("l K-9223372036854775808").args, Args::K(i64::MIN));
        assert_eq!(one("lp P0x1F").args, Args::P(31));
        let w = |s: &str| match one(&format!("const M9001 {s}")).args {
            Args::Const { value, .. } => value,
            a => panic!("{a:?}"),
        };
        assert_eq!(w("W1.5"), 4609434218613702656);
        assert_eq!(w("W-2.25"), -4611123068473966592);
        assert_eq!(w("Winf"), f64::INFINITY.to_bits() as i64);
        assert_eq!(w("W-inf"), f64::NEG_INFINITY.to_bits() as i64);
        assert_eq!(w("Wnan"), f64::NAN.to_bits() as i64);
        assert_eq!(w("W1e3"), 1000f64.to_bits() as i64);
        assert_eq!(w("W0x3FF8000000000000"), 4609434218613702656);
        assert_eq!(err("l K9223372036854775808").kind, ErrorKind::OutOfRange);
        assert_eq!(err("lp P-1").kind, ErrorKind::OutOfRange);
        assert_eq!(err("lp P2147483648").kind, ErrorKind::OutOfRange);
        assert_eq!(err("l K0x").kind, ErrorKind::BadToken);
        assert_eq!(err("l K12a").kind, ErrorKind::BadToken);
        assert_eq!(err("const M9001 W1.2.3").kind, ErrorKind::BadToken);
    }

    #[test]
    fn strings_hold_every_byte() {
        let all: Vec<u8> = (0..=255u8).collect();
        let q = quote(&all);
        assert!(q.is_ascii());
        let i = one(&format!("string M9001 {q}"));
        assert_eq!(
            i.args,
            Args::Str {
                label: 9001,
                bytes: all
            }
        );
        // Raw UTF-8 is kept as its bytes.
        assert_eq!(
            one("entry \"é;\"").args,
            Args::Name("é;".as_bytes().to_vec())
        );
        let e = err("string M9001 \"abc");
        assert_eq!(e.kind, ErrorKind::BadToken);
        assert_eq!(e.pos, Pos { line: 1, col: 14 });
        let e = err("string M9001 \"a\\q\"");
        assert_eq!(e.kind, ErrorKind::BadToken);
        assert_eq!(e.pos, Pos { line: 1, col: 16 });
    }

    #[test]
    fn shapes_and_errors() {
        let e = err("modstart\n  lkp K1 G5\nmodend");
        assert_eq!(e.kind, ErrorKind::MissingOperand);
        assert_eq!(e.message, "lkp expects K then P operands, found G5");
        assert_eq!(e.pos, Pos { line: 2, col: 10 });
        let e = err("string M9001 K3 \"abc\"");
        assert_eq!(e.kind, ErrorKind::MissingOperand);
        assert!(e.message.contains("counts are implicit"));
        let e = err("global G1 L10");
        assert_eq!(e.kind, ErrorKind::MissingOperand);
        let e = err("rtn K1");
        assert_eq!(e.kind, ErrorKind::Structure);
        assert_eq!(e.pos, Pos { line: 1, col: 5 });
        let e = err("static L10 W1 K2");
        assert_eq!(e.kind, ErrorKind::MissingOperand);
        assert!(e
            .message
            .starts_with("static expects L then W operands, found K2"));
        let e = err("\n\n  lpp P3");
        assert_eq!(e.kind, ErrorKind::BadToken);
        assert_eq!(e.pos, Pos { line: 3, col: 3 });
        assert!(e.message.contains("did you mean `lp`"), "{}", e.message);
        let e = err("F11 K1");
        assert!(e.message.contains("F11 is `l`"), "{}", e.message);
        assert_eq!(err("f1").kind, ErrorKind::RunLengthCode);
        assert_eq!(err("\"x\"").kind, ErrorKind::BadToken);
    }

    #[test]
    fn modules() {
        let p = parse_readable("; nothing\n\n", "t").unwrap();
        assert!(p.modules.is_empty());
        let p = parse_readable("lab L10\nrtn\n", "t").unwrap();
        assert_eq!(p.modules.len(), 1);
        assert_eq!(p.modules[0].instrs.len(), 2);
        assert_eq!(p.modules[0].pos, Pos { line: 1, col: 1 });
        let p = parse_readable("modstart\nmodend\nmodstart\nrtn\nmodend\n", "t").unwrap();
        assert_eq!(p.modules.len(), 2);
        assert_eq!(err("rtn\nmodstart\nmodend").kind, ErrorKind::Structure);
        assert_eq!(err("modstart\nmodstart").kind, ErrorKind::Structure);
        assert_eq!(err("modend").kind, ErrorKind::Structure);
        assert_eq!(err("rtn\nmodend").kind, ErrorKind::Structure);
        assert_eq!(err("modstart\nmodend\nrtn").kind, ErrorKind::Structure);
        let e = err("modstart\nrtn\n");
        assert_eq!(e.kind, ErrorKind::Truncated);
        assert_eq!(e.pos, Pos { line: 1, col: 1 });
    }

    #[test]
    fn printer_layout() {
        let p = parse_readable(
            "entry \"f\"\nlab L10\nl K1\nstring M9001 \"a\\\"b\\\\\\x00\"\nglobal G1 L10 G1\n",
            "t",
        )
        .unwrap();
        assert_eq!(
            print_readable(&p),
            "modstart\nentry \"f\"\nlab L10\n  l K1\nstring M9001 \"a\\\"b\\\\\\x00\"\nglobal G1 L10 G1\nmodend\n"
        );
    }
}
