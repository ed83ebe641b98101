//! Decoding instructions, discovering the code of a section by following
//! control flow, and printing a listing that the assembler accepts again and
//! that reassembles to the same bytes.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::object::Section;
use crate::opcode::{self, OperandKind};

/// One decoded instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instr {
    /// Byte offset of the opcode.
    pub at: u32,
    pub op: u8,
    /// Total length in bytes, including a switch's pad byte and table.
    pub len: u32,
    pub operand: Operand,
}

/// The decoded operand of an instruction. Byte offsets are relative to the
/// same base as `at`; targets are `i64` because a relative form can point
/// before the start of the bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operand {
    None,
    U8(u8),
    U16(u16),
    /// The raw signed operand of a W-form or `MW` (the MW rule is not applied).
    I32(i32),
    /// Direct relative form: the target `T = o + s8`.
    Target(i64),
    /// Indirect relative form: the aligned halfword at `half` holds `d`, and
    /// the target is `half + d`.
    Indirect {
        half: u32,
        target: i64,
    },
    Fltop {
        f: u8,
        e: Option<i8>,
    },
    Selld {
        len: u8,
        sh: u8,
    },
    Selst {
        op: u8,
        len: u8,
        sh: u8,
    },
    /// Label-vector switch: absolute targets of the default and cases 0..n-1.
    Swl {
        default: i64,
        cases: Vec<i64>,
    },
    /// Binary-tree switch: the default and the n nodes (key, target) in
    /// table order (node 1 first).
    Swb {
        default: i64,
        nodes: Vec<(u16, i64)>,
    },
}

/// Why bytes do not decode as an instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// Offset of the instruction being decoded.
    pub at: u32,
    pub message: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}: {}", self.at, self.message)
    }
}

impl std::error::Error for DecodeError {}

fn get(bytes: &[u8], at: u64, n: u64, who: u32, what: &str) -> Result<Vec<u8>, DecodeError> {
    let end = at.checked_add(n);
    match end {
        Some(end) if end <= bytes.len() as u64 => Ok(bytes[at as usize..end as usize].to_vec()),
        _ => Err(DecodeError {
            at: who,
            message: format!(
                "truncated {what}: needs bytes {at}..{} of {}",
                at + n,
                bytes.len()
            ),
        }),
    }
}

fn half_at(bytes: &[u8], at: u64, who: u32, what: &str) -> Result<u16, DecodeError> {
    let b = get(bytes, at, 2, who, what)?;
    Ok(u16::from_le_bytes([b[0], b[1]]))
}

/// The address of a switch table: the first even address after the opcode.
pub fn switch_table(at: u32) -> u64 {
    (at as u64 + 2) & !1
}

/// The halfword address named by an indirect form at `at` with operand `u8`.
pub fn indirect_half(at: u32, u: u8) -> u64 {
    let o = at as u64 + 1;
    2 * (o / 2 + u as u64)
}

/// Decode the instruction at byte offset `at` of `bytes`.
pub fn decode(bytes: &[u8], at: u32) -> Result<Instr, DecodeError> {
    let a = at as u64;
    let op = *bytes.get(at as usize).ok_or_else(|| DecodeError {
        at,
        message: format!("offset {at} is outside the {} bytes", bytes.len()),
    })?;
    let name = opcode::name(op).ok_or_else(|| DecodeError {
        at,
        message: "opcode 0 is not an instruction".into(),
    })?;
    let o = a + 1;
    let operand_bytes = |n: u64| get(bytes, o, n, at, &format!("operand of {name}"));
    let (operand, len) = match opcode::kind(op) {
        OperandKind::None => (Operand::None, 1),
        OperandKind::U8 => (Operand::U8(operand_bytes(1)?[0]), 2),
        OperandKind::U16 => {
            let b = operand_bytes(2)?;
            (Operand::U16(u16::from_le_bytes([b[0], b[1]])), 3)
        }
        OperandKind::I32 => {
            let b = operand_bytes(4)?;
            (
                Operand::I32(i32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                5,
            )
        }
        OperandKind::S8Rel => {
            let s = operand_bytes(1)?[0] as i8;
            (Operand::Target(o as i64 + s as i64), 2)
        }
        OperandKind::U8Ind => {
            let u = operand_bytes(1)?[0];
            let h = indirect_half(at, u);
            let d = half_at(bytes, h, at, &format!("indirect halfword of {name}"))? as i16;
            (
                Operand::Indirect {
                    half: h as u32,
                    target: h as i64 + d as i64,
                },
                2,
            )
        }
        OperandKind::Fltop => {
            let f = operand_bytes(1)?[0];
            if f == 1 {
                let e = operand_bytes(2)?[1] as i8;
                (Operand::Fltop { f, e: Some(e) }, 3)
            } else {
                (Operand::Fltop { f, e: None }, 2)
            }
        }
        OperandKind::Selld => {
            let b = operand_bytes(2)?;
            (
                Operand::Selld {
                    len: b[0],
                    sh: b[1],
                },
                3,
            )
        }
        OperandKind::Selst => {
            let b = operand_bytes(3)?;
            (
                Operand::Selst {
                    op: b[0],
                    len: b[1],
                    sh: b[2],
                },
                4,
            )
        }
        OperandKind::Swl | OperandKind::Swb => {
            let t = switch_table(at);
            let what = format!("{name} table");
            let n = half_at(bytes, t, at, &what)? as u64;
            let rel = |h: u64| -> Result<i64, DecodeError> {
                Ok(h as i64 + half_at(bytes, h, at, &what)? as i16 as i64)
            };
            let default = rel(t + 2)?;
            if op == opcode::SWL {
                get(bytes, t + 4, 2 * n, at, &what)?;
                let cases = (0..n)
                    .map(|i| rel(t + 4 + 2 * i))
                    .collect::<Result<_, _>>()?;
                (Operand::Swl { default, cases }, t + 4 + 2 * n - a)
            } else {
                get(bytes, t + 4, 4 * n, at, &what)?;
                let mut nodes = Vec::with_capacity(n as usize);
                for m in 1..=n {
                    let key = half_at(bytes, t + 4 * m, at, &what)?;
                    nodes.push((key, rel(t + 4 * m + 2)?));
                }
                (Operand::Swb { default, nodes }, t + 4 + 4 * n - a)
            }
        }
    };
    Ok(Instr {
        at,
        op,
        len: len as u32,
        operand,
    })
}

impl Instr {
    /// Code addresses this instruction may transfer control to, besides
    /// falling through: jump and switch targets.
    pub fn jump_targets(&self) -> Vec<i64> {
        let is_jump =
            matches!(self.op, 28..=31 | 60..=63 | 92..=95 | 124..=127 | 156..=159 | 186..=191);
        match &self.operand {
            Operand::Target(t) | Operand::Indirect { target: t, .. } if is_jump => vec![*t],
            Operand::Swl { default, cases } => std::iter::once(*default)
                .chain(cases.iter().copied())
                .collect(),
            Operand::Swb { default, nodes } => std::iter::once(*default)
                .chain(nodes.iter().map(|n| n.1))
                .collect(),
            _ => vec![],
        }
    }

    /// True when control never continues at the next instruction.
    pub fn ends_flow(&self) -> bool {
        // RTN, J, J$, GOTO, SWB, SWL, MDIV (returns), BRK, CHGCO (continues
        // at the return point of another frame).
        matches!(self.op, 123 | 186 | 187 | 155 | 146 | 147 | 239 | 2 | 240)
    }

    /// Where execution continues when it does not jump (`FHOP` skips a byte).
    pub fn fall_through(&self) -> Option<u32> {
        if self.ends_flow() {
            None
        } else if self.op == opcode::FHOP {
            Some(self.at + 2)
        } else {
            Some(self.at + self.len)
        }
    }
}

/// Discover the code of a section by following control flow from every
/// function entry and global-table entry: fall-through (including the return
/// point after every call), jump and switch targets, and `LF` targets
/// (addresses of functions and labels taken as values).
pub fn reachable(section: &Section) -> BTreeMap<u32, Instr> {
    reachable_by(section, |ins| {
        let mut next = ins.jump_targets();
        if matches!(ins.op, 12 | 13) {
            if let Operand::Target(x) | Operand::Indirect { target: x, .. } = ins.operand {
                next.push(x);
            }
        }
        next.extend(ins.fall_through().map(|n| n as i64));
        next
    })
}

/// The instructions reachable from a section's function and global-table
/// entries when `successors` gives the addresses control may go to from an
/// instruction (a translator with its own rules, e.g. deliberate faults,
/// gives its own).
pub fn reachable_by(
    section: &Section,
    successors: impl Fn(&Instr) -> Vec<i64>,
) -> BTreeMap<u32, Instr> {
    let limit = section.table_start().unwrap_or(section.bytes.len() as u32);
    let bytes = &section.bytes[..limit as usize];
    let mut found = BTreeMap::new();
    let mut work: Vec<i64> = section
        .functions
        .iter()
        .map(|f| f.0 as i64)
        .chain(section.globals.iter().map(|g| g.1 as i64))
        .collect();
    while let Some(t) = work.pop() {
        if t < 0 || t >= limit as i64 || found.contains_key(&(t as u32)) {
            continue;
        }
        let Ok(ins) = decode(bytes, t as u32) else {
            continue;
        };
        work.extend(successors(&ins));
        found.insert(t as u32, ins);
    }
    found
}

// ---------------------------------------------------------------------------
// Listing

enum Item {
    /// An instruction, or an `MW` merged with the W-form after it.
    Code(Instr, Option<Instr>),
    /// An SWB whose nodes are in the compiler's tree order and whose table
    /// is followed by the compiler's padding: listed as `swb` (the item
    /// covers the padding too).
    SwbTree(Instr),
    /// `section` line (covers word 0 and the name header).
    SectionHead,
    /// `entry "name"` (the 24-byte header before an entry).
    EntryHead(String),
}

fn quote(s: &[u8]) -> String {
    let mut out = String::from("\"");
    for &c in s {
        match c {
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            0x20..=0x7e => out.push(c as char),
            _ => out.push_str(&format!("\\x{c:02X}")),
        }
    }
    out.push('"');
    out
}

fn hex_bytes(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn fmt_value(v: i64) -> String {
    if (-(1 << 40)..=65536).contains(&v) {
        v.to_string()
    } else {
        format!("0x{:X}", v as u64)
    }
}

/// A readable listing of `section` that the assembler accepts and that
/// reassembles to exactly the same bytes: `section`/`entry` lines, labels
/// `L<offset>:` where control or references arrive, one instruction per line
/// with an `; offset: bytes` comment, everything not reached as code printed
/// as data, and the global table as `global`/`maxgn` lines.
pub fn listing(section: &Section) -> String {
    let bytes = &section.bytes;
    let end = section
        .table_start()
        .unwrap_or(bytes.len() as u32)
        .min(bytes.len() as u32);
    let code = reachable(section);

    // Fixed items: the section header and the function headers.
    let mut items: BTreeMap<u32, (u32, Item)> = BTreeMap::new();
    // Headers are listed as `section`/`entry` lines only when the bytes are
    // exactly what the assembler writes for them.
    let header_ok = |at: u32, word: u64, name: &str| -> bool {
        let mut want = word.to_le_bytes().to_vec();
        want.push(11);
        want.extend_from_slice(&crate::asm::padded_name(name.as_bytes()));
        want.extend_from_slice(&[0; 4]);
        at % 8 == 0 && bytes.get(at as usize..at as usize + 24) == Some(&want[..])
    };
    let named = end >= 32
        && section
            .name
            .as_deref()
            .is_some_and(|n| header_ok(8, crate::object::SECTWORD, n));
    let head_len = if named { 32 } else { 8.min(end) };
    items.insert(0, (head_len, Item::SectionHead));
    for (e, name) in &section.functions {
        if *e >= head_len + 24 && *e <= end && header_ok(e - 24, crate::object::ENTRYWORD, name) {
            items.insert(e - 24, (24, Item::EntryHead(name.clone())));
        }
    }
    // Targets that would like a label: jumps, LF, switch entries, statics,
    // indirect halfwords, global entries.
    let mut wanted: BTreeSet<i64> = section.globals.iter().map(|g| g.1 as i64).collect();
    let mut halves: BTreeMap<u32, i64> = BTreeMap::new();
    for ins in code.values() {
        match &ins.operand {
            Operand::Target(t) => {
                wanted.insert(*t);
            }
            Operand::Indirect { half, target } => {
                wanted.insert(*target);
                wanted.insert(*half as i64);
                halves.insert(*half, *target);
            }
            _ => wanted.extend(ins.jump_targets()),
        }
    }
    // Choose instructions in address order where they fit: not inside the
    // headers, not past the global table, not over an indirect halfword and
    // not over the previous instruction.
    let fixed: Vec<(u32, u32)> = items.iter().map(|(a, (l, _))| (*a, *l)).collect();
    let mut cursor = head_len;
    let mut chosen: Vec<(u32, u32, Item)> = Vec::new();
    for (&at, ins) in &code {
        let stop = at as u64 + ins.len as u64;
        if at < cursor || stop > end as u64 {
            continue;
        }
        let stop = stop as u32;
        if fixed.iter().any(|&(fa, fl)| at < fa + fl && fa < stop) {
            continue;
        }
        if halves.keys().any(|&h| h < stop && h + 2 > at) {
            continue;
        }
        // The assembler pads a switch table with a zero byte.
        if matches!(ins.op, opcode::SWB | opcode::SWL) && at % 2 == 0 && bytes[at as usize + 1] != 0
        {
            continue;
        }
        let item = match swb_tree_len(bytes, ins) {
            Some(l)
                if at + l <= end
                    && !fixed.iter().any(|&(fa, fl)| at < fa + fl && fa < at + l)
                    && !halves.keys().any(|&h| h < at + l && h + 2 > at) =>
            {
                (at, l, Item::SwbTree(ins.clone()))
            }
            _ => (at, ins.len, Item::Code(ins.clone(), None)),
        };
        cursor = at + item.1;
        chosen.push(item);
    }
    // Merge MW with the W-form that follows it when the pairing is certain:
    // nothing else arrives at the W-form and MW's high half is not zero.
    let mut merged: Vec<(u32, u32, Item)> = Vec::new();
    for c in chosen {
        if let (Some(prev), Item::Code(w, None)) = (merged.last_mut(), &c.2) {
            if let Item::Code(mw, None) = &prev.2 {
                let hi_nonzero = matches!(mw.operand, Operand::I32(h) if h != 0);
                if mw.op == opcode::MW
                    && opcode::is_wide(w.op)
                    && mw.at + 5 == w.at
                    && hi_nonzero
                    && !wanted.contains(&(w.at as i64))
                {
                    let mw = mw.clone();
                    *prev = (mw.at, 10, Item::Code(mw, Some(w.clone())));
                    continue;
                }
            }
        }
        merged.push(c);
    }
    for (a, l, it) in merged {
        items.insert(a, (l, it));
    }
    // Offsets where a label line can stand: item starts, any data byte, and
    // the end of the code (the global table).
    let covered = |x: u32| -> bool {
        items
            .range(..=x)
            .next_back()
            .is_some_and(|(&a, (l, _))| x >= a && x < a + l && x != a)
    };
    let labels: BTreeSet<u32> = wanted
        .iter()
        .filter(|&&t| t >= head_len as i64 && t <= end as i64 && !covered(t as u32))
        .map(|&t| t as u32)
        .collect();
    let lab = |t: i64| -> Option<String> {
        if t >= 0 && t <= u32::MAX as i64 && labels.contains(&(t as u32)) {
            Some(format!("L{t}"))
        } else {
            None
        }
    };

    let mut out = String::new();
    let title = section.name.as_deref().unwrap_or("(no name)");
    out.push_str(&format!(
        "; section {title} from {}: {} words\n",
        section.file,
        bytes.len() / 8
    ));
    let line = |out: &mut String, text: String, at: u32, b: &[u8]| {
        let pad = if text.len() < 32 { 32 - text.len() } else { 1 };
        out.push_str(&format!(
            "    {text}{}; {at}: {}\n",
            " ".repeat(pad),
            hex_bytes(b)
        ));
    };
    let mut at = 0u32;
    while at < end {
        if labels.contains(&at) {
            out.push_str(&format!("L{at}:\n"));
        }
        if let Some((l, it)) = items.get(&at) {
            let l = *l;
            match it {
                Item::SectionHead => match &section.name {
                    Some(n) if named => out.push_str(&format!("section {}\n", quote(n.as_bytes()))),
                    _ => out.push_str("section\n"),
                },
                Item::EntryHead(n) => out.push_str(&format!("entry {}\n", quote(n.as_bytes()))),
                Item::SwbTree(ins) => {
                    let text = instr_text(ins, &lab).replacen("swb.raw ", "swb ", 1);
                    line(&mut out, text, at, &bytes[at as usize..(at + l) as usize]);
                }
                Item::Code(ins, w) => {
                    let text = match w {
                        Some(w) => {
                            let hi = match ins.operand {
                                Operand::I32(h) => h as u32 as u64,
                                _ => 0,
                            };
                            let lo = match w.operand {
                                Operand::I32(v) => v as i64,
                                _ => 0,
                            };
                            let v = ((hi << 32) as i64).wrapping_add(lo);
                            format!("{} {}", opcode::name(w.op).unwrap_or("?"), fmt_value(v))
                        }
                        None => instr_text(ins, &lab),
                    };
                    line(&mut out, text, at, &bytes[at as usize..(at + l) as usize]);
                }
            }
            at += l;
            continue;
        }
        // Data up to the next item or label.
        let next_item = items.range(at + 1..).next().map(|(a, _)| *a).unwrap_or(end);
        let next_label = labels.range(at + 1..).next().copied().unwrap_or(end);
        let mut stop = next_item.min(next_label).min(end);
        if let Some((&h, &t)) = halves.range(at..).next() {
            if h == at && h + 2 <= stop {
                let d = u16::from_le_bytes([bytes[h as usize], bytes[h as usize + 1]]);
                let text = match lab(t) {
                    Some(l) => format!(".half {l}"),
                    None => format!(".half {}", d as i16),
                };
                line(&mut out, text, at, &bytes[at as usize..at as usize + 2]);
                at += 2;
                continue;
            }
            stop = stop.min(h.max(at + 1));
        }
        let rest = &bytes[at as usize..stop as usize];
        if at % 8 == 0 && rest.len() >= 8 {
            if let Some(n) = string_len(rest) {
                line(
                    &mut out,
                    format!(".string {}", quote(&rest[1..1 + rest[0] as usize])),
                    at,
                    &rest[..n],
                );
                at += n as u32;
                continue;
            }
            let w = u64::from_le_bytes(rest[..8].try_into().expect("8 bytes"));
            line(&mut out, format!(".word 0x{w:X}"), at, &rest[..8]);
            at += 8;
            continue;
        }
        let upto = (((at / 8) + 1) * 8).min(stop);
        let b = &bytes[at as usize..upto as usize];
        let text = format!(
            ".byte {}",
            b.iter()
                .map(|x| format!("0x{x:02X}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        line(&mut out, text, at, b);
        at = upto;
    }
    if end > 0 && labels.contains(&end) {
        out.push_str(&format!("L{end}:\n"));
    }
    for (g, e) in &section.globals {
        match lab(*e as i64) {
            Some(l) => out.push_str(&format!("    global {g} {l}\n")),
            None => out.push_str(&format!("    global {g} {e}\n")),
        }
    }
    out.push_str(&format!("    maxgn {}\n", section.maxgn));
    out
}

/// Length of a BCPL string at the start of `b` (length byte, 1.. printable
/// characters, zero padding to a word), if it looks like one.
fn string_len(b: &[u8]) -> Option<usize> {
    let l = b[0] as usize;
    let total = (1 + l).div_ceil(8) * 8;
    if l == 0 || total > b.len() {
        return None;
    }
    let chars_ok = b[1..1 + l]
        .iter()
        .all(|&c| (0x20..0x7f).contains(&c) || c == b'\n' || c == b'\t');
    let pad_ok = b[1 + l..total].iter().all(|&c| c == 0);
    (chars_ok && pad_ok).then_some(total)
}

fn instr_text(ins: &Instr, lab: &dyn Fn(i64) -> Option<String>) -> String {
    let name = opcode::name(ins.op).unwrap_or("?");
    let o = ins.at as i64 + 1;
    match &ins.operand {
        Operand::None => name.to_string(),
        Operand::U8(v) => format!("{name} {v}"),
        Operand::U16(v) => format!("{name} {v}"),
        Operand::I32(v) => format!("{name} {v}"),
        Operand::Target(t) => match lab(*t) {
            Some(l) => format!("{name} {l}"),
            None => format!("{name} {}", t - o),
        },
        Operand::Indirect { half, .. } => match lab(*half as i64) {
            Some(l) => format!("{name} {l}"),
            None => format!("{name} {}", *half as i64 / 2 - o / 2),
        },
        Operand::Fltop { f, e } => {
            let fname = opcode::fltop_name(*f)
                .map(str::to_string)
                .unwrap_or(f.to_string());
            match e {
                Some(e) => format!("{name} {fname} {e}"),
                None => format!("{name} {fname}"),
            }
        }
        Operand::Selld { len, sh } => format!("{name} {len} {sh}"),
        Operand::Selst { op, len, sh } => format!("{name} {op} {len} {sh}"),
        Operand::Swl { default, cases } => {
            let t = switch_table(ins.at) as i64;
            let mut parts = vec![entry_text(*default, t + 2, lab)];
            for (i, c) in cases.iter().enumerate() {
                parts.push(entry_text(*c, t + 4 + 2 * i as i64, lab));
            }
            format!("{name} {}", parts.join(", "))
        }
        Operand::Swb { default, nodes } => {
            let t = switch_table(ins.at) as i64;
            let mut parts = vec![entry_text(*default, t + 2, lab)];
            for (m, (k, c)) in nodes.iter().enumerate() {
                let own = t + 4 * (m as i64 + 1) + 2;
                parts.push(format!("{k}:{}", entry_text(*c, own, lab)));
            }
            format!("swb.raw {}", parts.join(", "))
        }
    }
}

/// The length of an SWB with its padding when the nodes are in the
/// compiler's tree order and the padding the compiler writes follows
/// (dummy nodes of key 0 and the default label up to 7 nodes).
fn swb_tree_len(bytes: &[u8], ins: &Instr) -> Option<u32> {
    let Operand::Swb { default, nodes } = &ins.operand else {
        return None;
    };
    let keys: Vec<u16> = nodes.iter().map(|n| n.0).collect();
    let tree: Vec<u16> = crate::asm::swb_tree(&keys)
        .iter()
        .map(|&i| keys[i])
        .collect();
    if tree != keys {
        return None;
    }
    let t = switch_table(ins.at);
    let n = nodes.len() as u64;
    for m in n + 1..=crate::asm::SWB_MIN_NODES as u64 {
        let key = bytes.get((t + 4 * m) as usize..(t + 4 * m + 2) as usize)?;
        let e = bytes.get((t + 4 * m + 2) as usize..(t + 4 * m + 4) as usize)?;
        let target = (t + 4 * m + 2) as i64 + i16::from_le_bytes([e[0], e[1]]) as i64;
        if key != [0, 0] || target != *default {
            return None;
        }
    }
    let nodes_len = n.max(crate::asm::SWB_MIN_NODES as u64);
    Some((t + 4 + 4 * nodes_len - ins.at as u64) as u32)
}

/// A switch entry: its label, or the raw self-relative value prefixed `=`.
fn entry_text(target: i64, own: i64, lab: &dyn Fn(i64) -> Option<String>) -> String {
    match lab(target) {
        Some(l) => l,
        None => format!("={}", target - own),
    }
}
