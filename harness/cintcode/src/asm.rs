//! A line-oriented assembler for 64-bit Cintcode: mnemonics with their
//! operands, labels, function and section headers, switch tables, data
//! directives and the global initialisation table.
//!
//! ```text
//! ; comments run from ';' to the end of the line
//! section "demo"           ; length word, FDDF and the padded name
//! entry "start"            ; align 8, DFDF and the padded name
//! start: lll msg           ; labels end with ':'
//!        k3g 94
//!        l0
//!        rtn
//! msg:   .string "Hello\n"
//!        global 1 start
//! ```
//!
//! - Mnemonics and directives are case-insensitive, labels are not; operands
//!   are separated by spaces and/or commas; numbers are decimal or `0x` hex,
//!   optionally negative. Labels are per section.
//! - A label names the first byte of the next item, after that item's own
//!   alignment (so `msg:` above names the string, not the pad bytes).
//! - `section "name"` / `section` (no name header); `entry "name"`;
//!   `global N label` (or `global N offset`); `maxgn N` (default: the highest
//!   global number used by a G-form operand or a `global` line).
//! - Direct relative forms take a label or the raw s8 byte; indirect (`$`)
//!   forms take the label of a `.half` or the raw u8.
//! - W-forms (`kw llpw lw lpw spw apw aw`) take the intended 64-bit value and
//!   get an `MW` prefix when it does not fit in 32 bits (s2.3); `mw N` emits
//!   a bare `MW` with the 32-bit operand N.
//! - `fltop NAME` or `fltop F` (`fltop mk E` has the exponent byte);
//!   `selld len sh`; `selst op len sh`.
//! - `swl default, l0, l1, ...`; `swb default, key:label, ...` in the
//!   compiler's tree order, padded like the compiler's to 7 nodes with
//!   (0, default) pairs that the header's n does not count; `swb.raw` keeps
//!   the written node order and adds no padding. A switch entry `=N` is the
//!   raw self-relative halfword N.
//! - Data: `.align N`, `.byte b, ...`, `.half label|N` (even offsets only),
//!   `.word V` (aligned to 8), `.string "text"` (aligned to 8, escapes
//!   `\n \t \\ \" \xHH`).

use std::collections::HashMap;

use crate::error::CinError;
use crate::object::{Object, Section, ENTRYWORD, SECTWORD};
use crate::opcode::{self, OperandKind};

/// Assemble `text` into an object; `file` names the text in errors and in
/// the sections' `file`.
pub fn assemble(text: &str, file: &str) -> Result<Object, CinError> {
    let mut asm = Asm {
        text,
        file,
        sections: Vec::new(),
        cur: None,
    };
    for (i, line) in text.lines().enumerate() {
        asm.line(i as u32 + 1, line)?;
    }
    asm.finish_section()?;
    Ok(Object {
        sections: asm.sections,
    })
}

/// The compiler pads an SWB tree to this many nodes (s7.2).
pub const SWB_MIN_NODES: usize = 7;

/// The compiler's SWB node order (s7.2): for `keys` (in any order) the
/// input index stored at node 1, 2, ... n. Keys are taken in descending
/// order and assigned by an in-order walk that visits child 2m, then m,
/// then child 2m+1.
pub fn swb_tree(keys: &[u16]) -> Vec<usize> {
    let mut sorted: Vec<usize> = (0..keys.len()).collect();
    sorted.sort_by(|&a, &b| keys[b].cmp(&keys[a]).then(a.cmp(&b)));
    let n = keys.len();
    let mut nodes = vec![0usize; n];
    let mut next = 0;
    // Iterative in-order walk of the implicit tree rooted at node 1.
    let mut stack: Vec<(usize, bool)> = vec![(1, false)];
    while let Some((m, visited_big)) = stack.pop() {
        if m > n {
            continue;
        }
        if !visited_big {
            stack.push((m, true));
            stack.push((2 * m, false));
        } else {
            nodes[m - 1] = sorted[next];
            next += 1;
            stack.push((2 * m + 1, false));
        }
    }
    nodes
}

/// The 11-character form of a name (s8.1): longer names keep their first
/// five and last five characters around a `'`; shorter ones are padded
/// with spaces.
pub fn padded_name(name: &[u8]) -> [u8; 11] {
    let mut out = [b' '; 11];
    if name.len() > 11 {
        out[..5].copy_from_slice(&name[..5]);
        out[5] = b'\'';
        out[6..].copy_from_slice(&name[name.len() - 5..]);
    } else {
        out[..name.len()].copy_from_slice(name);
    }
    out
}

#[derive(Clone, Debug)]
struct Tok {
    text: String,
    col: u32,
    /// A double-quoted string (text holds the contents, escapes undone
    /// later).
    quoted: bool,
}

enum FixKind {
    /// Direct relative byte at `pos`: s8 = T - o.
    Rel8 { o: u32 },
    /// Indirect byte at `pos` for an instruction whose operand is at `o`.
    Ind8 { o: u32 },
    /// Self-relative halfword at `pos`.
    Half,
}

struct Fixup {
    kind: FixKind,
    pos: u32,
    label: String,
    line: u32,
    col: u32,
}

enum GlobalEntry {
    Label(String),
    Offset(u32),
}

struct Sec {
    bytes: Vec<u8>,
    name: Option<String>,
    functions: Vec<(u32, String)>,
    globals: Vec<(u32, GlobalEntry, u32, u32)>,
    maxgn: Option<u32>,
    max_ref: u32,
    labels: HashMap<String, (u32, u32)>,
    /// Labels defined since the last item: they name the next item's first
    /// byte (after that item's own alignment).
    pending: Vec<(String, u32)>,
    fixups: Vec<Fixup>,
    lines: std::collections::BTreeMap<u32, (u32, u32)>,
}

struct Asm<'a> {
    text: &'a str,
    file: &'a str,
    sections: Vec<Section>,
    cur: Option<Sec>,
}

fn is_ident(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '.')
}

/// Parse a number: decimal or `0x` hex, optionally negative.
fn parse_num(s: &str) -> Option<i128> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let v = if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        if h.is_empty() || h.len() > 20 || !h.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        i128::from_str_radix(h, 16).ok()?
    } else {
        if body.is_empty() || body.len() > 30 || !body.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        body.parse::<i128>().ok()?
    };
    Some(if neg { -v } else { v })
}

fn tokenize(line: &str) -> Result<Vec<Tok>, (String, u32)> {
    let chars: Vec<char> = line.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == ';' {
            break;
        }
        if c.is_whitespace() || c == ',' {
            i += 1;
            continue;
        }
        let col = i as u32 + 1;
        if c == '"' {
            let mut s = String::new();
            i += 1;
            let mut closed = false;
            while i < chars.len() {
                match chars[i] {
                    '"' => {
                        closed = true;
                        i += 1;
                        break;
                    }
                    '\\' if i + 1 < chars.len() => {
                        s.push('\\');
                        s.push(chars[i + 1]);
                        i += 2;
                    }
                    ch => {
                        s.push(ch);
                        i += 1;
                    }
                }
            }
            if !closed {
                return Err(("unterminated string".into(), col));
            }
            out.push(Tok {
                text: s,
                col,
                quoted: true,
            });
            continue;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() && chars[i] != ',' && chars[i] != ';' {
            i += 1;
        }
        out.push(Tok {
            text: chars[start..i].iter().collect(),
            col,
            quoted: false,
        });
    }
    Ok(out)
}

/// Undo the escapes `\n \t \\ \" \xHH` of a string token.
fn unescape(s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c != '\\' {
            if !c.is_ascii() {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            } else {
                out.push(c as u8);
            }
            continue;
        }
        match it.next() {
            Some('n') => out.push(b'\n'),
            Some('t') => out.push(b'\t'),
            Some('\\') => out.push(b'\\'),
            Some('"') => out.push(b'"'),
            Some('x') => {
                let h: String = it.by_ref().take(2).collect();
                match u8::from_str_radix(&h, 16) {
                    Ok(b) if h.len() == 2 => out.push(b),
                    _ => return Err(format!("bad escape \\x{h}")),
                }
            }
            Some(o) => return Err(format!("unknown escape \\{o}")),
            None => return Err("string ends with \\".into()),
        }
    }
    Ok(out)
}

impl<'a> Asm<'a> {
    fn err(&self, msg: impl Into<String>, line: u32, col: u32) -> CinError {
        CinError::new(msg, self.file, self.text, line, col)
    }

    fn sec(&mut self) -> &mut Sec {
        self.cur.as_mut().expect("checked by caller")
    }

    fn here(&self) -> u32 {
        self.cur.as_ref().map(|s| s.bytes.len() as u32).unwrap_or(0)
    }

    /// Start an item at the current offset: note its source position and
    /// bind the pending labels to it.
    fn mark(&mut self, line: u32, col: u32) {
        let at = self.here();
        let sec = self.sec();
        sec.lines.insert(at, (line, col));
        for (name, l) in std::mem::take(&mut sec.pending) {
            sec.labels.insert(name, (at, l));
        }
    }

    fn emit(&mut self, b: &[u8]) {
        self.sec().bytes.extend_from_slice(b);
    }

    fn align(&mut self, n: u32) {
        while self.here() % n != 0 {
            self.emit(&[0]);
        }
    }

    fn num(&self, t: &Tok, line: u32, lo: i128, hi: i128, what: &str) -> Result<i128, CinError> {
        let v = if t.quoted { None } else { parse_num(&t.text) }.ok_or_else(|| {
            self.err(
                format!("bad {what} `{}`: expected a number", t.text),
                line,
                t.col,
            )
        })?;
        if v < lo || v > hi {
            return Err(self.err(format!("{what} {v} out of range {lo}..{hi}"), line, t.col));
        }
        Ok(v)
    }

    fn string(&self, t: &Tok, line: u32) -> Result<Vec<u8>, CinError> {
        if !t.quoted {
            return Err(self.err(
                format!("expected a quoted string, found `{}`", t.text),
                line,
                t.col,
            ));
        }
        unescape(&t.text).map_err(|m| self.err(m, line, t.col))
    }

    fn label_ref(&self, t: &Tok, line: u32) -> Result<String, CinError> {
        if t.quoted || !is_ident(&t.text) {
            return Err(self.err(
                format!("bad operand `{}`: expected a label", t.text),
                line,
                t.col,
            ));
        }
        Ok(t.text.clone())
    }

    fn fix(&mut self, kind: FixKind, pos: u32, label: String, line: u32, col: u32) {
        self.sec().fixups.push(Fixup {
            kind,
            pos,
            label,
            line,
            col,
        });
    }

    fn count(
        &self,
        ops: &[Tok],
        n: usize,
        mnem: &str,
        line: u32,
        col: u32,
    ) -> Result<(), CinError> {
        if ops.len() != n {
            let at = ops.get(n).map(|t| t.col).unwrap_or(col);
            return Err(self.err(
                format!("{mnem} takes {n} operand(s), found {}", ops.len()),
                line,
                at,
            ));
        }
        Ok(())
    }

    fn line(&mut self, line: u32, src: &str) -> Result<(), CinError> {
        let mut toks = tokenize(src).map_err(|(m, c)| self.err(m, line, c))?;
        if toks.is_empty() {
            return Ok(());
        }
        // Label definition.
        if !toks[0].quoted && toks[0].text.ends_with(':') && toks[0].text.len() > 1 {
            let t = toks.remove(0);
            let name = &t.text[..t.text.len() - 1];
            if !is_ident(name) {
                return Err(self.err(format!("bad label name `{name}`"), line, t.col));
            }
            if self.cur.is_none() {
                return Err(self.err("label before any `section`", line, t.col));
            }
            let sec = self.sec();
            let first = sec
                .labels
                .get(name)
                .map(|x| x.1)
                .or_else(|| sec.pending.iter().find(|p| p.0 == name).map(|p| p.1));
            if let Some(l) = first {
                return Err(self.err(
                    format!("duplicate label {name} (first defined on line {l})"),
                    line,
                    t.col,
                ));
            }
            self.sec().pending.push((name.to_string(), line));
            if toks.is_empty() {
                return Ok(());
            }
        }
        let head = toks.remove(0);
        let mnem = head.text.to_ascii_lowercase();
        let col = head.col;
        if head.quoted {
            return Err(self.err(
                "expected a mnemonic or directive, found a string",
                line,
                col,
            ));
        }
        if mnem == "section" {
            return self.section(&toks, line, col);
        }
        if self.cur.is_none() {
            return Err(self.err(format!("`{}` before any `section`", head.text), line, col));
        }
        match mnem.as_str() {
            "entry" => {
                self.count(&toks, 1, "entry", line, col)?;
                let name = self.string(&toks[0], line)?;
                self.align(8);
                self.mark(line, col);
                self.emit(&ENTRYWORD.to_le_bytes());
                let p = padded_name(&name);
                self.emit(&[11]);
                self.emit(&p);
                self.emit(&[0; 4]);
                let entry = self.here();
                let shown = String::from_utf8_lossy(&p)
                    .trim_end_matches(' ')
                    .to_string();
                self.sec().functions.push((entry, shown));
            }
            "global" => {
                self.count(&toks, 2, "global", line, col)?;
                let g = self.num(&toks[0], line, 0, u32::MAX as i128, "global number")? as u32;
                let e = if parse_num(&toks[1].text).is_some() && !toks[1].quoted {
                    GlobalEntry::Offset(self.num(
                        &toks[1],
                        line,
                        0,
                        u32::MAX as i128,
                        "entry offset",
                    )? as u32)
                } else {
                    GlobalEntry::Label(self.label_ref(&toks[1], line)?)
                };
                let c = toks[1].col;
                self.sec().globals.push((g, e, line, c));
            }
            "maxgn" => {
                self.count(&toks, 1, "maxgn", line, col)?;
                let g = self.num(&toks[0], line, 0, u32::MAX as i128, "maxgn")? as u32;
                self.sec().maxgn = Some(g);
            }
            ".align" => {
                self.count(&toks, 1, ".align", line, col)?;
                let n = self.num(&toks[0], line, 1, 4096, "alignment")? as u32;
                self.align(n);
            }
            ".byte" => {
                if toks.is_empty() {
                    return Err(self.err(".byte needs at least one value", line, col));
                }
                self.mark(line, col);
                for t in &toks {
                    let v = self.num(t, line, -128, 255, "byte")?;
                    self.emit(&[v as u8]);
                }
            }
            ".half" => {
                self.count(&toks, 1, ".half", line, col)?;
                let at = self.here();
                if at % 2 != 0 {
                    return Err(self.err(format!(".half at odd offset {at}"), line, col));
                }
                self.mark(line, col);
                let t = &toks[0];
                if !t.quoted && parse_num(&t.text).is_some() {
                    let v = self.num(t, line, -32768, 65535, "halfword")?;
                    self.emit(&(v as u16).to_le_bytes());
                } else {
                    let l = self.label_ref(t, line)?;
                    self.fix(FixKind::Half, at, l, line, t.col);
                    self.emit(&[0, 0]);
                }
            }
            ".word" => {
                self.count(&toks, 1, ".word", line, col)?;
                let v = self.num(&toks[0], line, i64::MIN as i128, u64::MAX as i128, "word")?;
                self.align(8);
                self.mark(line, col);
                self.emit(&(v as u64).to_le_bytes());
            }
            ".string" => {
                self.count(&toks, 1, ".string", line, col)?;
                let s = self.string(&toks[0], line)?;
                if s.len() > 255 {
                    return Err(self.err(
                        format!("string of {} bytes is longer than 255", s.len()),
                        line,
                        toks[0].col,
                    ));
                }
                self.align(8);
                self.mark(line, col);
                self.emit(&[s.len() as u8]);
                self.emit(&s);
                self.align(8);
            }
            "swb.raw" => self.switch(opcode::SWB, true, &toks, line, col)?,
            _ => {
                let op = opcode::by_name(&mnem).ok_or_else(|| {
                    self.err(format!("unknown mnemonic `{}`", head.text), line, col)
                })?;
                self.instr(op, &mnem, &toks, line, col)?;
            }
        }
        Ok(())
    }

    fn section(&mut self, toks: &[Tok], line: u32, col: u32) -> Result<(), CinError> {
        if toks.len() > 1 {
            return Err(self.err("section takes at most one name", line, toks[1].col));
        }
        let name = match toks.first() {
            Some(t) => Some(self.string(t, line)?),
            None => None,
        };
        self.finish_section()?;
        self.cur = Some(Sec {
            bytes: Vec::new(),
            name: None,
            functions: Vec::new(),
            globals: Vec::new(),
            maxgn: None,
            max_ref: 0,
            labels: HashMap::new(),
            pending: Vec::new(),
            fixups: Vec::new(),
            lines: Default::default(),
        });
        self.sec().lines.insert(0, (line, col));
        self.emit(&[0; 8]);
        if let Some(n) = name {
            let p = padded_name(&n);
            self.emit(&SECTWORD.to_le_bytes());
            self.emit(&[11]);
            self.emit(&p);
            self.emit(&[0; 4]);
            self.sec().name = Some(
                String::from_utf8_lossy(&p)
                    .trim_end_matches(' ')
                    .to_string(),
            );
        }
        Ok(())
    }

    fn finish_section(&mut self) -> Result<(), CinError> {
        if self.cur.is_none() {
            return Ok(());
        }
        self.align(8);
        let at = self.here();
        let sec = self.sec();
        for (name, l) in std::mem::take(&mut sec.pending) {
            sec.labels.insert(name, (at, l));
        }
        let sec = self.cur.take().expect("checked");
        let Sec {
            mut bytes,
            name,
            functions,
            globals,
            maxgn,
            max_ref,
            labels,
            fixups,
            lines,
            ..
        } = sec;
        let lookup = |l: &str, line: u32, col: u32| -> Result<u32, CinError> {
            labels
                .get(l)
                .map(|x| x.0)
                .ok_or_else(|| self.err(format!("undefined label {l}"), line, col))
        };
        for f in &fixups {
            let t = lookup(&f.label, f.line, f.col)? as i64;
            match f.kind {
                FixKind::Rel8 { o } => {
                    let d = t - o as i64;
                    if !(-128..=127).contains(&d) {
                        return Err(self.err(
                            format!(
                                "label {} at {t} is out of range of a direct relative operand at {o} (offset {d}, allowed -128..127)",
                                f.label
                            ),
                            f.line,
                            f.col,
                        ));
                    }
                    bytes[f.pos as usize] = d as i8 as u8;
                }
                FixKind::Ind8 { o } => {
                    let base = 2 * (o as i64 / 2);
                    let u = t / 2 - o as i64 / 2;
                    if t % 2 != 0 || t < base || u > 255 {
                        return Err(self.err(
                            format!(
                                "label {} at {t} cannot be the halfword of an indirect operand at {o} \
                                 (needs an even address in {base}..={})",
                                f.label,
                                base + 510
                            ),
                            f.line,
                            f.col,
                        ));
                    }
                    bytes[f.pos as usize] = u as u8;
                }
                FixKind::Half => {
                    let d = t - f.pos as i64;
                    if !(-32768..=32767).contains(&d) {
                        return Err(self.err(
                            format!(
                                "label {} at {t} is out of range of a halfword at {} (offset {d})",
                                f.label, f.pos
                            ),
                            f.line,
                            f.col,
                        ));
                    }
                    bytes[f.pos as usize..f.pos as usize + 2]
                        .copy_from_slice(&(d as i16).to_le_bytes());
                }
            }
        }
        let mut pairs = Vec::new();
        for (g, e, line, col) in &globals {
            let off = match e {
                GlobalEntry::Label(l) => lookup(l, *line, *col)?,
                GlobalEntry::Offset(o) => *o,
            };
            if off == 0 {
                return Err(self.err(
                    "a global entry at offset 0 would end the global table",
                    *line,
                    *col,
                ));
            }
            pairs.push((*g, off));
        }
        let maxgn = maxgn.unwrap_or_else(|| pairs.iter().map(|p| p.0).fold(max_ref, u32::max));
        bytes.extend_from_slice(&0u64.to_le_bytes());
        for (g, off) in &pairs {
            bytes.extend_from_slice(&(*g as u64).to_le_bytes());
            bytes.extend_from_slice(&(*off as u64).to_le_bytes());
        }
        bytes.extend_from_slice(&(maxgn as u64).to_le_bytes());
        let words = (bytes.len() / 8) as u64;
        bytes[..8].copy_from_slice(&words.to_le_bytes());
        self.sections.push(Section {
            bytes,
            name,
            functions,
            globals: pairs,
            maxgn,
            file: self.file.to_string(),
            lines,
        });
        Ok(())
    }

    fn instr(
        &mut self,
        op: u8,
        mnem: &str,
        ops: &[Tok],
        line: u32,
        col: u32,
    ) -> Result<(), CinError> {
        let at = self.here();
        match opcode::kind(op) {
            OperandKind::Swl | OperandKind::Swb => return self.switch(op, false, ops, line, col),
            OperandKind::I32 if opcode::is_wide(op) => {
                self.count(ops, 1, mnem, line, col)?;
                let v = self.num(&ops[0], line, i64::MIN as i128, u64::MAX as i128, "operand")?;
                let w = v as u64;
                if (w as i64) >= i32::MIN as i64 && (w as i64) <= i32::MAX as i64 {
                    self.mark(line, col);
                    self.emit(&[op]);
                    self.emit(&(w as u32).to_le_bytes());
                } else {
                    let mut hi = (w >> 32) as u32;
                    if w & 0x8000_0000 != 0 {
                        hi = hi.wrapping_add(1);
                    }
                    self.mark(line, col);
                    self.emit(&[opcode::MW]);
                    self.emit(&hi.to_le_bytes());
                    let at2 = self.here();
                    self.sec().lines.insert(at2, (line, col));
                    self.emit(&[op]);
                    self.emit(&(w as u32).to_le_bytes());
                }
                return Ok(());
            }
            _ => {}
        }
        self.mark(line, col);
        self.emit(&[op]);
        match opcode::kind(op) {
            OperandKind::None => self.count(ops, 0, mnem, line, col)?,
            OperandKind::U8 => {
                self.count(ops, 1, mnem, line, col)?;
                let v = self.num(&ops[0], line, 0, 255, "operand")? as u32;
                if let Some(g) = opcode::global_number(op, v) {
                    let s = self.sec();
                    s.max_ref = s.max_ref.max(g);
                }
                self.emit(&[v as u8]);
            }
            OperandKind::U16 => {
                self.count(ops, 1, mnem, line, col)?;
                let v = self.num(&ops[0], line, 0, 65535, "operand")? as u32;
                if let Some(g) = opcode::global_number(op, v) {
                    let s = self.sec();
                    s.max_ref = s.max_ref.max(g);
                }
                self.emit(&(v as u16).to_le_bytes());
            }
            OperandKind::I32 => {
                // MW by hand.
                self.count(ops, 1, mnem, line, col)?;
                let v = self.num(&ops[0], line, i32::MIN as i128, u32::MAX as i128, "operand")?;
                self.emit(&(v as u32).to_le_bytes());
            }
            OperandKind::S8Rel | OperandKind::U8Ind => {
                self.count(ops, 1, mnem, line, col)?;
                let t = &ops[0];
                let direct = opcode::kind(op) == OperandKind::S8Rel;
                if !t.quoted && parse_num(&t.text).is_some() {
                    let (lo, what) = if direct {
                        (-128, "relative offset")
                    } else {
                        (0, "halfword index")
                    };
                    let v = self.num(t, line, lo, 255, what)?;
                    self.emit(&[v as u8]);
                } else {
                    let l = self.label_ref(t, line)?;
                    let o = at + 1;
                    let kind = if direct {
                        FixKind::Rel8 { o }
                    } else {
                        FixKind::Ind8 { o }
                    };
                    self.fix(kind, o, l, line, t.col);
                    self.emit(&[0]);
                }
            }
            OperandKind::Fltop => {
                if ops.is_empty() {
                    return Err(self.err("fltop needs a function name or number", line, col));
                }
                let t = &ops[0];
                let f = match opcode::fltop_by_name(&t.text) {
                    Some(f) if !t.quoted => f,
                    _ => {
                        if t.quoted || parse_num(&t.text).is_none() {
                            return Err(self.err(
                                format!("unknown fltop function `{}`", t.text),
                                line,
                                t.col,
                            ));
                        }
                        self.num(t, line, 0, 255, "fltop function")? as u8
                    }
                };
                self.emit(&[f]);
                if f == 1 {
                    self.count(ops, 2, "fltop mk", line, col)?;
                    let e = self.num(&ops[1], line, -128, 255, "exponent")?;
                    self.emit(&[e as u8]);
                } else {
                    self.count(ops, 1, mnem, line, col)?;
                }
            }
            OperandKind::Selld => {
                self.count(ops, 2, mnem, line, col)?;
                for t in ops {
                    let v = self.num(t, line, 0, 255, "operand")?;
                    self.emit(&[v as u8]);
                }
            }
            OperandKind::Selst => {
                self.count(ops, 3, mnem, line, col)?;
                for t in ops {
                    let v = self.num(t, line, 0, 255, "operand")?;
                    self.emit(&[v as u8]);
                }
            }
            OperandKind::Swl | OperandKind::Swb => unreachable!("handled above"),
        }
        Ok(())
    }

    /// A switch entry: a label (fixed up later) or `=N`, the raw
    /// self-relative value.
    fn switch_entry(&mut self, t: &Tok, text: &str, col: u32, line: u32) -> Result<(), CinError> {
        let pos = self.here();
        if let Some(raw) = text.strip_prefix('=') {
            let tok = Tok {
                text: raw.to_string(),
                col,
                quoted: false,
            };
            let v = self.num(&tok, line, -32768, 65535, "switch entry")?;
            self.emit(&(v as u16).to_le_bytes());
            return Ok(());
        }
        let tok = Tok {
            text: text.to_string(),
            col,
            quoted: t.quoted,
        };
        let l = self.label_ref(&tok, line)?;
        self.fix(FixKind::Half, pos, l, line, col);
        self.emit(&[0, 0]);
        Ok(())
    }

    fn switch(
        &mut self,
        op: u8,
        raw: bool,
        ops: &[Tok],
        line: u32,
        col: u32,
    ) -> Result<(), CinError> {
        if ops.is_empty() {
            return Err(self.err("a switch needs a default label", line, col));
        }
        let n = ops.len() - 1;
        if n > 65535 {
            return Err(self.err("too many switch cases", line, col));
        }
        self.mark(line, col);
        self.emit(&[op]);
        self.align(2);
        self.emit(&(n as u16).to_le_bytes());
        self.switch_entry(&ops[0], &ops[0].text.clone(), ops[0].col, line)?;
        if op == opcode::SWL {
            for t in &ops[1..] {
                self.switch_entry(t, &t.text.clone(), t.col, line)?;
            }
            return Ok(());
        }
        let mut nodes = Vec::with_capacity(n);
        for t in &ops[1..] {
            let Some((k, l)) = t.text.split_once(':').filter(|_| !t.quoted) else {
                return Err(self.err(
                    format!("bad swb node `{}`: expected key:label", t.text),
                    line,
                    t.col,
                ));
            };
            let kt = Tok {
                text: k.to_string(),
                col: t.col,
                quoted: false,
            };
            let key = self.num(&kt, line, 0, 65535, "swb key")? as u16;
            let lcol = t.col + k.chars().count() as u32 + 1;
            nodes.push((key, l.to_string(), lcol, t.clone()));
        }
        let order: Vec<usize> = if raw {
            (0..n).collect()
        } else {
            swb_tree(&nodes.iter().map(|x| x.0).collect::<Vec<_>>())
        };
        for i in order {
            let (key, l, lcol, t) = nodes[i].clone();
            self.emit(&key.to_le_bytes());
            self.switch_entry(&t, &l, lcol, line)?;
        }
        if !raw {
            // Like the compiler, pad the tree to 7 nodes with dummy pairs
            // (key 0, the default label); n stays the real count (s7.2).
            let default_pos = self.here() as i64 - 4 * n as i64 - 2;
            let d = &ops[0];
            for _ in n..SWB_MIN_NODES {
                self.emit(&[0, 0]);
                if let Some(raw) = d.text.strip_prefix('=').filter(|_| !d.quoted) {
                    let v = parse_num(raw).unwrap_or(0) as u16 as i16 as i64;
                    let own = self.here() as i64;
                    let rel = default_pos + v - own;
                    if !(-32768..=32767).contains(&rel) {
                        return Err(self.err(
                            "default out of range of a padding node",
                            line,
                            d.col,
                        ));
                    }
                    self.emit(&(rel as i16).to_le_bytes());
                } else {
                    self.switch_entry(d, &d.text.clone(), d.col, line)?;
                }
            }
        }
        Ok(())
    }
}
