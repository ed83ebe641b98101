//! Loading a 64-bit Cintcode program into BCPL memory, the same way for
//! both Cintcode engines. The library is three sections linked in front of
//! the program's: `prelude.cin` (the Cintcode twin of prelude.sial), the
//! real compiler's Cintcode of `writers.b` (`writers.cin64`) and `hostlib`,
//! one stub per host function (`LW SYS_LIBCALL+i; SYS; RTN`, so a call of a
//! host function is an ordinary Cintcode call of real code). Memory is laid
//! out as for Sial (globals, the code sections, root node, boot stack,
//! heap), every section is loaded as the real loader does (a link word,
//! then the section's words: code addresses are byte addresses of these
//! words, cintcode64.md s.8.4) and `globin`ed: library first, then the
//! values of the library globals are recorded (the fast path of writers.b
//! compares with them), then the program's sections in order.

use std::ops::Range;
use std::sync::OnceLock;

use cintcode::{Object, Section};

use crate::library::LIBRARY;
use crate::load::{
    initialise_globals, open_console, tail_layout, LoadError, LOW_RESERVED, MIN_GLOBALS,
};
use crate::memory::Memory;
use crate::outcome::Location;
use crate::{Runtime, Stop};

/// The prelude's source (assembly text of the `cintcode` crate).
pub const PRELUDE_SOURCE: &str = include_str!("prelude.cin");
/// `writers.b` compiled by the real compiler to a 64-bit Cintcode object.
pub const WRITERS_OBJECT: &str = include_str!("writers.cin64");
/// Name of the prelude function an engine enters first.
pub const BOOT_ENTRY: &str = "boot";

/// The library's sections (prelude, writers, host stubs), built once.
pub fn library() -> &'static [Section] {
    static LIBRARY_SECTIONS: OnceLock<Vec<Section>> = OnceLock::new();
    LIBRARY_SECTIONS.get_or_init(|| {
        let mut sections = Vec::new();
        let prelude = cintcode::asm::assemble(PRELUDE_SOURCE, "prelude.cin")
            .unwrap_or_else(|e| panic!("the built-in prelude.cin is valid: {e}"));
        sections.extend(prelude.sections);
        let writers = cintcode::hunk::read(WRITERS_OBJECT, "writers.cin64")
            .unwrap_or_else(|e| panic!("the built-in writers.cin64 is valid: {e}"));
        sections.extend(writers.sections);
        let stubs = cintcode::asm::assemble(&host_stubs(), "hostlib")
            .unwrap_or_else(|e| panic!("the generated host stubs are valid: {e}"));
        sections.extend(stubs.sections);
        sections
    })
}

/// Assembly text of the host-function stubs, one function per entry of
/// [`LIBRARY`], in order.
fn host_stubs() -> String {
    let mut text = String::from("section \"hostlib\"\n");
    for (i, e) in LIBRARY.iter().enumerate() {
        text.push_str(&format!(
            "entry \"{}\"\n  lw {}\n  sys\n  rtn\n",
            e.name,
            crate::cin_sys::SYS_LIBCALL + i as i64
        ));
    }
    text
}

/// A program with the library linked in front.
#[derive(Clone, Debug)]
pub struct CinLinked {
    pub sections: Vec<Section>,
    /// Number of library sections at the front.
    pub library: usize,
}

impl CinLinked {
    /// Link the library and the program's objects (in order).
    pub fn new(objects: &[Object]) -> CinLinked {
        let mut sections: Vec<Section> = library().to_vec();
        let library = sections.len();
        for o in objects {
            sections.extend(o.sections.iter().cloned());
        }
        CinLinked { sections, library }
    }
}

/// Where everything lives in BCPL memory.
#[derive(Clone, Debug)]
pub struct CinLayout {
    pub gbase: i64,
    /// Number of globals (G!0 = gsize - 1).
    pub gsize: i64,
    /// Word address of word 0 of each section (its link word is just below).
    pub bases: Vec<i64>,
    pub rootnode: i64,
    /// Word address of the boot function's frame.
    pub boot_frame: i64,
    pub heap: Range<i64>,
    /// Memory size in words (memory starts at word 0).
    pub words: usize,
}

impl CinLayout {
    /// Byte address of the function `name` of the library's first section.
    fn library_entry(&self, linked: &CinLinked, name: &str) -> Option<i64> {
        let s = &linked.sections[0];
        let (off, _) = s.functions.iter().find(|(_, n)| n == name)?;
        Some(self.bases[0] * 8 + *off as i64)
    }

    /// Byte address where the engine enters the boot function.
    pub fn boot_pc(&self, linked: &CinLinked) -> i64 {
        self.library_entry(linked, BOOT_ENTRY)
            .expect("the prelude defines the boot function")
    }

    /// Byte address of the stub of host function `LIBRARY[i]`.
    pub fn host_stub(&self, linked: &CinLinked, i: usize) -> i64 {
        let k = linked.library - 1;
        let off = linked.sections[k].functions[i].0 as i64;
        self.bases[k] * 8 + off
    }

    /// Which section holds byte address `pc`, with the offset in it.
    pub fn section_of(&self, linked: &CinLinked, pc: i64) -> Option<(usize, u32)> {
        linked
            .sections
            .iter()
            .zip(&self.bases)
            .enumerate()
            .find_map(|(k, (s, base))| {
                let off = pc.wrapping_sub(base * 8);
                (0..s.bytes.len() as i64)
                    .contains(&off)
                    .then_some((k, off as u32))
            })
    }

    /// The source location of the instruction at byte address `pc`.
    pub fn location(&self, linked: &CinLinked, pc: i64) -> Option<Location> {
        let (k, off) = self.section_of(linked, pc)?;
        let s = &linked.sections[k];
        let (line, col) = s
            .lines
            .range(..=off)
            .next_back()
            .map(|(_, lc)| *lc)
            .unwrap_or((0, 0));
        Some(Location {
            file: s.file.clone(),
            line,
            col,
            function: s.function_at(off).map(str::to_string),
            offset: Some(off),
        })
    }

    /// Where a run that stopped at the instruction at byte address `pc`
    /// with frame `p` is reported: the instruction itself when it is the
    /// program's, else (a stop inside the library) the call in the program
    /// that led there, found by walking the frame chain.
    pub fn stop_location(
        &self,
        linked: &CinLinked,
        mem: &Memory,
        pc: i64,
        p: i64,
    ) -> Option<Location> {
        if !self.in_library(linked, pc) {
            return self.location(linked, pc);
        }
        let mut p = p;
        for _ in 0..10_000 {
            let ret = mem.get(p.wrapping_add(1)).ok()?;
            if self.section_of(linked, ret).is_some() && !self.in_library(linked, ret) {
                // The return address follows the call instruction.
                return self.location(linked, ret - 1);
            }
            let up = mem.get(p).ok()? >> 3;
            if up == p || up <= 0 {
                break;
            }
            p = up;
        }
        self.location(linked, pc)
    }

    /// Whether byte address `pc` is in one of the library's sections.
    pub fn in_library(&self, linked: &CinLinked, pc: i64) -> bool {
        self.section_of(linked, pc)
            .is_some_and(|(k, _)| k < linked.library)
    }
}

/// Lay out memory of `words` words (starting at word 0).
pub fn layout(linked: &CinLinked, words: usize) -> Result<CinLayout, LoadError> {
    let mut max_g = MIN_GLOBALS;
    for s in &linked.sections {
        max_g = max_g.max(s.maxgn as i64);
        for (g, _) in &s.globals {
            max_g = max_g.max(*g as i64);
        }
    }
    for e in LIBRARY {
        max_g = max_g.max(e.global as i64);
    }
    let gbase = LOW_RESERVED;
    let gsize = max_g + 1;
    let mut next = gbase + gsize;
    let mut bases = Vec::with_capacity(linked.sections.len());
    for s in &linked.sections {
        // The hunk's link word, then the section.
        bases.push(next + 1);
        next += 1 + s.bytes.len().div_ceil(8) as i64;
    }
    let (rootnode, boot_frame, heap) = tail_layout(next, 0, words)?;
    Ok(CinLayout {
        gbase,
        gsize,
        bases,
        rootnode,
        boot_frame,
        heap,
        words,
    })
}

/// Initialise memory and the runtime for a run: the code sections, the
/// globals (host stubs, `globin` of every section), the console streams.
pub fn initialise(
    mem: &mut Memory,
    rt: &mut Runtime,
    linked: &CinLinked,
    layout: &CinLayout,
) -> Result<(), Stop> {
    for (s, &base) in linked.sections.iter().zip(&layout.bases) {
        mem.set(base - 1, 0)?;
        for (k, chunk) in s.bytes.chunks(8).enumerate() {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            mem.set(base + k as i64, i64::from_le_bytes(word))?;
        }
    }
    initialise_globals(
        mem,
        layout.gbase,
        layout.gsize,
        layout.rootnode,
        layout.words,
        &|i| layout.host_stub(linked, i),
    )?;
    let globin = |mem: &mut Memory, k: usize| -> Result<(), Stop> {
        let base = layout.bases[k] * 8;
        for &(g, off) in &linked.sections[k].globals {
            mem.set_global(g as i64, base + off as i64)?;
        }
        Ok(())
    };
    for k in 0..linked.library {
        globin(mem, k)?;
    }
    crate::writers::record_library_globals(rt, mem)?;
    for k in linked.library..linked.sections.len() {
        globin(mem, k)?;
    }
    open_console(mem, rt)
}
