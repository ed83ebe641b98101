//! The built-in backend as a translator: the code generator's output
//! written as AArch64 assembly text, for GNU `as` (ELF, Linux) or Apple's
//! assembler (Mach-O, macOS), to be linked with the executable run-time
//! (crate `cintcheck-rt`).
//!
//! There is one instruction selector: the same `codegen::compile` that the
//! in-process engines run. This module is its second emitter: every machine
//! word becomes an `.inst` directive (so the assembled bytes are exactly
//! the ones the in-process engines execute), commented with its
//! disassembly and preceded by the Sial instruction it came from. The code
//! is position-independent (data is addressed from G, code labels
//! PC-relatively, host functions through the context block at ST), so it
//! needs no relocations; each BCPL function (`entry` name) gets a local
//! symbol `bcpl_NAME` so that gdb and lldb backtraces read as BCPL. The
//! program image ([`crate::image`]) goes into a read-only section. x18 (the
//! platform register on Apple systems) is never used; [`emit`] checks it.

use std::collections::BTreeMap;
use std::fmt::Write;

use runtime::load::Linked;
use sial::{Args, Op, Program};

use crate::codegen::{Compiled, InstrRef};
use crate::image::Image;
use crate::listing::disassemble_word;

/// The object format and assembler syntax to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// ELF for aarch64 Linux, GNU `as` syntax.
    Linux,
    /// Mach-O for arm64 macOS (Apple Silicon), Apple/LLVM syntax.
    MacOs,
}

impl Target {
    pub fn parse(s: &str) -> Result<Target, String> {
        match s {
            "linux" => Ok(Target::Linux),
            "macos" => Ok(Target::MacOs),
            _ => Err(format!("unknown target `{s}` (linux or macos)")),
        }
    }

    /// The assembly name of C symbol `name` (Mach-O prefixes `_`).
    fn symbol(self, name: &str) -> String {
        match self {
            Target::Linux => name.to_string(),
            Target::MacOs => format!("_{name}"),
        }
    }
}

/// Whether disassembled text names x18 or w18.
fn uses_x18(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| w == "x18" || w == "w18")
}

/// A symbol-safe form of a BCPL function name.
fn symbol_name(name: &[u8]) -> String {
    name.iter()
        .map(|&b| {
            if b.is_ascii_alphanumeric() || b == b'_' {
                b as char
            } else {
                '_'
            }
        })
        .collect()
}

/// `bytes` as `.ascii` lines.
fn ascii_lines(bytes: &[u8], out: &mut String) {
    for chunk in bytes.chunks(64) {
        out.push_str("        .ascii \"");
        for &b in chunk {
            match b {
                b'"' => out.push_str("\\\""),
                b'\\' => out.push_str("\\\\"),
                0x20..=0x7e => out.push(b as char),
                _ => {
                    let _ = write!(out, "\\{b:03o}");
                }
            }
        }
        out.push_str("\"\n");
    }
}

/// The assembly text of `programs` (already compiled to `compiled`, linked
/// as `linked`) for `target`.
pub fn emit(
    programs: &[(String, Program)],
    linked: &Linked,
    compiled: &Compiled,
    target: Target,
) -> Result<String, String> {
    let code = &compiled.code;
    // Comments and symbols to place before the word at each offset.
    let mut before: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let first_user = linked.prelude_modules();
    let mut last_module = u32::MAX;
    for &(off, InstrRef { module, index }) in &compiled.map {
        let (m, i) = (module as usize, index as usize);
        let Some(ins) = linked.modules.get(m).and_then(|md| md.instrs.get(i)) else {
            continue;
        };
        let notes = before.entry(off).or_default();
        if module != last_module {
            last_module = module;
            let kind = if m < first_user { "library" } else { "program" };
            notes.push(format!(
                "\n// module {m} ({kind}: {}) section \"{}\"",
                linked.files[m],
                linked.modules[m].section_name().unwrap_or_default()
            ));
        }
        notes.push(format!(
            "// {}:{}  {}",
            linked.files[m],
            ins.pos.line,
            sial::print_instr(ins)
        ));
    }
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (m, module) in linked.modules.iter().enumerate() {
        let mut pending: Option<&[u8]> = None;
        for ins in &module.instrs {
            match (&ins.op, &ins.args) {
                (Op::Entry, Args::Name(n)) => pending = Some(n),
                (Op::Lab, Args::L(l)) => {
                    if let (Some(name), Some(&off)) = (
                        pending.take(),
                        compiled.labels.get(m).and_then(|t| t.get(l)),
                    ) {
                        let base = format!("bcpl_{}", symbol_name(name));
                        let n = seen.entry(base.clone()).or_insert(0);
                        *n += 1;
                        let sym = if *n == 1 {
                            base
                        } else {
                            format!("{base}.{}", *n)
                        };
                        let sym = target.symbol(&sym);
                        let mut lines = Vec::new();
                        if target == Target::Linux {
                            lines.push(format!("        .type {sym}, %function"));
                        }
                        lines.push(format!("{sym}:"));
                        before.entry(off).or_default().extend(lines);
                    }
                }
                _ => {}
            }
        }
    }
    for (&site, &InstrRef { module, index }) in &compiled.sites {
        let line = linked
            .modules
            .get(module as usize)
            .and_then(|m| m.instrs.get(index as usize))
            .map_or(0, |i| i.pos.line);
        before.entry(site).or_default().push(format!(
            "// fault exit of {}:{line}",
            linked.files.get(module as usize).map_or("?", |s| s)
        ));
    }
    before.entry(0).or_default().insert(
        0,
        "// runtime glue: library stubs and the trampoline".to_string(),
    );

    let mut out = String::new();
    let files: Vec<&str> = programs.iter().map(|(f, _)| f.as_str()).collect();
    let _ = writeln!(
        out,
        "// {} compiled by cintcheck's built-in backend for {}.\n\
         // Each Sial instruction is followed by the AArch64 instructions it became:\n\
         // the exact words of the code generator, as .inst, with their disassembly.\n\
         // Link with the cintcheck run-time (libcintcheck_rt.a).",
        files.join(" "),
        match target {
            Target::Linux => "aarch64 Linux (ELF, GNU as)",
            Target::MacOs => "arm64 macOS (Mach-O)",
        }
    );
    let code_sym = target.symbol("cintcheck_code");
    match target {
        Target::Linux => {
            let _ = writeln!(out, "        .text\n        .p2align 2\n        .globl {code_sym}\n        .type {code_sym}, %function");
        }
        Target::MacOs => {
            let _ = writeln!(out, "        .section __TEXT,__text,regular,pure_instructions\n        .p2align 2\n        .globl {code_sym}");
        }
    }
    let _ = writeln!(out, "{code_sym}:");
    let mut off = 0;
    while off + 4 <= code.len() {
        if let Some(notes) = before.get(&off) {
            for n in notes {
                let _ = writeln!(out, "{n}");
            }
        }
        let w = u32::from_le_bytes([code[off], code[off + 1], code[off + 2], code[off + 3]]);
        let text = disassemble_word(w);
        if uses_x18(&text) {
            return Err(format!(
                "the code uses x18 at offset {off:#x} ({text}): reserved on Apple platforms"
            ));
        }
        let _ = writeln!(out, "        .inst 0x{w:08x}  // {off:06x}  {text}");
        off += 4;
    }
    let end_sym = target.symbol("cintcheck_code_end");
    let _ = writeln!(out, "{end_sym}:");
    if target == Target::Linux {
        let _ = writeln!(out, "        .size {code_sym}, {end_sym} - {code_sym}");
    }

    let image = Image::new(programs, compiled).to_json();
    match target {
        Target::Linux => out.push_str("\n        .section .rodata\n"),
        Target::MacOs => out.push_str("\n        .section __TEXT,__const\n"),
    }
    let _ = writeln!(
        out,
        "        .p2align 3\n        .globl {len}\n{len}:\n        .quad {}\n        .globl {clen}\n{clen}:\n        .quad {}\n        .globl {img}\n{img}:",
        image.len(),
        code.len(),
        len = target.symbol("cintcheck_image_len"),
        clen = target.symbol("cintcheck_code_len"),
        img = target.symbol("cintcheck_image"),
    );
    ascii_lines(image.as_bytes(), &mut out);
    if target == Target::Linux {
        out.push_str("\n        .section .note.GNU-stack,\"\",%progbits\n");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x18_is_recognised_and_names_are_symbols() {
        assert!(uses_x18("mov x18, x0"));
        assert!(uses_x18("ldr w18, [x0]"));
        assert!(!uses_x18("mov x1, x18a"));
        assert!(!uses_x18("ldr x28, [x0, #0x18]"));
        assert_eq!(symbol_name(b"a.b-c"), "a_b_c");
    }

    #[test]
    fn ascii_escapes() {
        let mut s = String::new();
        ascii_lines(b"a\"\\\n\xff", &mut s);
        assert_eq!(s, "        .ascii \"a\\\"\\\\\\012\\377\"\n");
    }
}
