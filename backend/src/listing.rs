//! Listings in the manner of the MC package's trace levels: each Sial
//! instruction, then (level 2) the AArch64 instructions it became,
//! disassembled with yaxpeax-arm, then (level 3) their encodings.
//!
//! Addresses are offsets from the start of each module's code and branch
//! targets are printed relative (`$+0x10`), so a listing does not depend on
//! where the code is loaded or on the code before the module, and can be
//! kept as a snapshot.

use std::fmt::Write;

use runtime::load::Linked;
use yaxpeax_arch::{Decoder, U8Reader};
use yaxpeax_arm::armv8::a64::InstDecoder;

use crate::codegen::{Compiled, InstrRef};

/// How much a listing shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Sial only.
    Sial = 1,
    /// Sial with the AArch64 instructions of each.
    Target = 2,
    /// Also the instruction words.
    Bytes = 3,
}

impl Level {
    pub fn from_number(n: u8) -> Option<Level> {
        match n {
            1 => Some(Level::Sial),
            2 => Some(Level::Target),
            3 => Some(Level::Bytes),
            _ => None,
        }
    }
}

/// One AArch64 instruction as text.
pub fn disassemble_word(word: u32) -> String {
    let bytes = word.to_le_bytes();
    let mut reader = U8Reader::new(&bytes);
    match InstDecoder::default().decode(&mut reader) {
        Ok(inst) => inst.to_string(),
        Err(e) => format!(".word {word:#010x} ; {e}"),
    }
}

/// Disassemble code[from..to]; offsets are printed relative to `origin`
/// (the start of the module's code), so a listing does not change when
/// code before the module (prelude, library stubs) does.
fn code_words(code: &[u8], from: usize, to: usize, origin: usize, level: Level, out: &mut String) {
    let mut off = from;
    while off + 4 <= to.min(code.len()) {
        let w = u32::from_le_bytes([code[off], code[off + 1], code[off + 2], code[off + 3]]);
        let text = disassemble_word(w);
        let rel = off - origin.min(off);
        if level >= Level::Bytes {
            let _ = writeln!(out, "        {rel:06x}  {w:08x}  {text}");
        } else {
            let _ = writeln!(out, "        {rel:06x}  {text}");
        }
        off += 4;
    }
}

/// The listing of the modules of `linked` from `first_module` on (the
/// prelude is module 0; pass 1 to list only the user's code). Library stubs,
/// the trampoline and fault stubs are listed at level 2 and above, in a
/// section of their own.
pub fn listing(linked: &Linked, compiled: &Compiled, first_module: usize, level: Level) -> String {
    let mut out = String::new();
    let map = &compiled.map;
    let end_of = |k: usize| -> usize { map.get(k + 1).map_or(compiled.code.len(), |(o, _)| *o) };
    let mut current_module = usize::MAX;
    let mut origin = 0;
    for (k, &(off, InstrRef { module, index })) in map.iter().enumerate() {
        let (m, i) = (module as usize, index as usize);
        if m < first_module {
            continue;
        }
        if m != current_module {
            current_module = m;
            origin = off;
            let name = linked.modules[m].section_name().unwrap_or_default();
            let _ = writeln!(out, "; module {m} ({}) section \"{name}\"", linked.files[m]);
        }
        let ins = &linked.modules[m].instrs[i];
        let indent = if ins.op.is_directive() { "" } else { "  " };
        let text = sial::print_instr(ins);
        let _ = writeln!(out, "{:>5}: {indent}{text}", ins.pos.line);
        if level >= Level::Target {
            // The code of this instruction runs to the next map entry; the
            // last instruction of a module is followed by its fault stubs.
            let mut to = end_of(k);
            if map.get(k + 1).is_none_or(|(_, next)| next.module != module) {
                to = to.min(stub_start(compiled, off, to));
            }
            code_words(&compiled.code, off, to, origin, level, &mut out);
        }
    }
    if level >= Level::Target {
        let _ = writeln!(
            out,
            "; runtime glue: {} library stubs from {:06x}, trampoline at {:06x}, {} fault stubs; {} bytes of code in all",
            compiled.lib_stubs.len(),
            compiled.lib_stubs.first().copied().unwrap_or(0),
            compiled.entry,
            compiled.sites.len(),
            compiled.code.len()
        );
    }
    out
}

/// Where the fault stubs after the instruction at `off` begin (at most `to`).
fn stub_start(compiled: &Compiled, off: usize, to: usize) -> usize {
    compiled
        .sites
        .keys()
        .copied()
        .filter(|&s| s > off && s < to)
        .min()
        .unwrap_or(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disassembles_common_instructions() {
        assert_eq!(disassemble_word(0xd65f03c0), "ret");
        assert!(disassemble_word(0xf9400fa0).starts_with("ldr x0, [x29"));
    }
}
