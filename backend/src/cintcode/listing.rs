//! Listings of a Cintcode translation in the MC package's levels: each
//! Cintcode instruction (level 1), with the AArch64 instructions it became
//! (level 2, disassembled with yaxpeax-arm), with their encodings
//! (level 3). Offsets are section-relative; native offsets are relative
//! to the start of the code (the shared dispatch routines come first).

use std::fmt::Write;

use ::cintcode::{Instr, Operand};
use runtime::cin_load::CinLinked;

use super::translate::Translated;
use crate::listing::{disassemble_word, Level};

/// The text of one Cintcode instruction (targets as section offsets).
pub fn instr_text(ins: &Instr) -> String {
    let name = ::cintcode::opcode::name(ins.op).unwrap_or("?");
    let operand = match &ins.operand {
        Operand::None => String::new(),
        Operand::U8(u) => format!(" {u}"),
        Operand::U16(u) => format!(" {u}"),
        Operand::I32(i) => format!(" {i}"),
        Operand::Target(t) => format!(" L{t}"),
        Operand::Indirect { half, target } => format!(" L{target} (via {half})"),
        Operand::Fltop { f, e } => {
            let n = ::cintcode::opcode::fltop_name(*f)
                .map(str::to_string)
                .unwrap_or_else(|| f.to_string());
            match e {
                Some(e) => format!(" {n} {e}"),
                None => format!(" {n}"),
            }
        }
        Operand::Selld { len, sh } => format!(" {len} {sh}"),
        Operand::Selst { op, len, sh } => format!(" {op} {len} {sh}"),
        Operand::Swl { default, cases } => {
            let c: Vec<String> = cases.iter().map(|t| format!("L{t}")).collect();
            format!(" default L{default} [{}]", c.join(" "))
        }
        Operand::Swb { default, nodes } => {
            let c: Vec<String> = nodes.iter().map(|(k, t)| format!("{k}:L{t}")).collect();
            format!(" default L{default} [{}]", c.join(" "))
        }
    };
    format!("{name}{operand}")
}

/// The listing of the sections from `first_section` on (the library's
/// sections come first: pass `linked.library` to list only the program).
pub fn listing(
    linked: &CinLinked,
    translated: &Translated,
    first_section: usize,
    level: Level,
) -> String {
    let mut out = String::new();
    let code = &translated.code;
    let mut current = usize::MAX;
    // Native offsets are printed from the start of each section's code
    // (as the Sial listing does per module), so a section's listing does
    // not change when the code translated before it does.
    let mut base = 0;
    let list = &translated.instrs;
    for (i, e) in list.iter().enumerate() {
        if e.section < first_section {
            continue;
        }
        if e.section != current {
            current = e.section;
            base = e.native as usize;
            let s = &linked.sections[e.section];
            let _ = writeln!(
                out,
                "section {} ({})",
                s.name.as_deref().unwrap_or("?"),
                s.file
            );
        }
        let s = &linked.sections[e.section];
        if let Some((_, f)) = s.functions.iter().find(|(o, _)| *o == e.instr.at) {
            let _ = writeln!(out, "{f}:");
        }
        let _ = writeln!(out, "  {:6}  {}", e.instr.at, instr_text(&e.instr));
        if level >= Level::Target {
            let end = list.get(i + 1).map_or(code.len(), |n| n.native as usize);
            let mut off = e.native as usize;
            while off + 4 <= end.min(code.len()) {
                let w =
                    u32::from_le_bytes([code[off], code[off + 1], code[off + 2], code[off + 3]]);
                let text = shared_target(disassemble_word(w), off, base);
                let rel = off - base;
                if level >= Level::Bytes {
                    let _ = writeln!(out, "          {rel:06x}  {w:08x}  {text}");
                } else {
                    let _ = writeln!(out, "          {rel:06x}  {text}");
                }
                off += 4;
            }
        }
    }
    out
}

/// A branch to code before the section (the shared routines at the start
/// of the code, the library) is shown as `code+0xN`, its offset from the
/// start of the code, rather than as a displacement that changes whenever
/// the code between them does.
fn shared_target(text: String, off: usize, base: usize) -> String {
    let Some(i) = text.find('$') else {
        return text;
    };
    let (sign, hex) = match (
        text[i + 1..].strip_prefix("+0x"),
        text[i + 1..].strip_prefix("-0x"),
    ) {
        (Some(h), _) => (1, h),
        (_, Some(h)) => (-1, h),
        _ => return text,
    };
    let Ok(d) = i64::from_str_radix(hex.trim(), 16) else {
        return text;
    };
    let target = off as i64 + sign * d;
    if target >= base as i64 || target < 0 {
        return text;
    }
    format!("{}code+{target:#x}", &text[..i])
}
