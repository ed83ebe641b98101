//! Loading a program into BCPL memory, the same way for every engine: link
//! the prelude in front of the user's modules, lay out memory (globals, data
//! of every module, root node, boot stack, heap), and initialise it (unset
//! globals, library globals, `global` directives, statics and strings,
//! console streams). Engines differ only in the code addresses they supply.

use rustc_hash::FxHashMap;
use std::ops::Range;
use std::sync::{Arc, OnceLock};

use sial::{Args, Module, Op, Program};

use crate::library::{CIS, COS, GLOBWORD, LIBRARY, RANDSEED, SCB_ID_IN, SCB_ID_OUT, SCB_WORDS};
use crate::memory::Memory;
use crate::{Runtime, Stop};

/// The prelude's source (readable Sial).
pub const PRELUDE_SOURCE: &str = include_str!("prelude.sial");
/// The library functions written in BCPL (`writers.b` compiled by the real
/// compiler; compact Sial), linked after the prelude.
pub const WRITERS_SOURCE: &str = include_str!("writers.sial");
/// Name of the prelude function an engine calls to run the program.
pub const BOOT_ENTRY: &str = "cintcheck_boot";
/// Words reserved below the global vector (word 0 stays unused, as null).
pub const LOW_RESERVED: i64 = 16;
/// Words of the root node (`rootnode!14` = memory size).
const ROOTNODE_WORDS: i64 = 64;
/// Words of the stack the boot function runs on.
const BOOT_STACK_WORDS: i64 = 256;
/// The smallest global vector upper bound (the real CLI's default).
pub const MIN_GLOBALS: i64 = 2000;
/// Global number of `rootnode`.
const ROOTNODE: i64 = 9;

/// How to run a program: sizes, budget and what the program reads.
#[derive(Clone, Debug)]
pub struct RunConfig {
    /// Stack of the command coroutine in words (the real CLI default is 50000).
    pub stack_words: i64,
    /// Size of BCPL memory in words (the real system has 8,000,000).
    pub memory_words: usize,
    /// Step budget (engine units); 0 means unlimited.
    pub step_limit: u64,
    /// Command-line arguments the program's `rdargs` sees.
    pub args: Vec<u8>,
    /// Bytes that follow the command line on the input stream.
    pub stdin: Vec<u8>,
    /// Name in the CLI's `NAME failed returncode N` message.
    pub program_name: String,
    /// Most stdout bytes kept before the run is stopped as runaway output.
    pub stdout_limit: usize,
    /// Globals whose final values the outcome reports.
    pub capture_globals: Vec<u32>,
    /// Statics (by label, in the first user module that defines it) whose
    /// final words the outcome reports.
    pub capture_statics: Vec<u32>,
    /// Let the library functions written in BCPL (`writers.b`) hand their
    /// whole job to the host while no library global they call was replaced
    /// (true, the default); false runs them as BCPL always, to check that
    /// both ways behave the same.
    pub library_fast_path: bool,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            stack_words: 50_000,
            memory_words: 8_000_000,
            step_limit: 0,
            args: Vec::new(),
            stdin: Vec::new(),
            program_name: "program".to_string(),
            stdout_limit: crate::output::DEFAULT_LIMIT,
            capture_globals: Vec::new(),
            capture_statics: Vec::new(),
            library_fast_path: true,
        }
    }
}

/// The library's Sial modules (the prelude, then `writers.sial`), each with
/// its file name, parsed once.
pub fn prelude() -> &'static [(String, Arc<Module>)] {
    static PRELUDE: OnceLock<Vec<(String, Arc<Module>)>> = OnceLock::new();
    PRELUDE.get_or_init(|| {
        [
            ("prelude.sial", PRELUDE_SOURCE),
            ("writers.sial", WRITERS_SOURCE),
        ]
        .into_iter()
        .flat_map(|(file, text)| {
            let program = sial::parse(text, file).expect("the built-in library is valid Sial");
            program
                .modules
                .into_iter()
                .map(move |m| (file.to_string(), Arc::new(m)))
        })
        .collect()
    })
}

/// A program with the prelude linked in front, and where each module came from.
#[derive(Clone, Debug)]
pub struct Linked {
    /// The prelude's modules (shared by every link: they are parsed once),
    /// then the user's.
    pub modules: Vec<Arc<Module>>,
    /// Source file name of each module (for fault locations).
    pub files: Vec<String>,
}

impl Linked {
    /// Link the prelude and the user's programs (each with its file name).
    pub fn new(programs: &[(String, Program)]) -> Linked {
        let mut modules: Vec<Arc<Module>> = prelude().iter().map(|(_, m)| m.clone()).collect();
        let mut files: Vec<String> = prelude().iter().map(|(f, _)| f.clone()).collect();
        for (file, p) in programs {
            for m in &p.modules {
                modules.push(Arc::new(m.clone()));
                files.push(file.clone());
            }
        }
        Linked { modules, files }
    }

    /// The source location of instruction `index` of module `module`, with
    /// the function it belongs to (the last `entry` before it).
    pub fn location(&self, module: usize, index: usize) -> Option<crate::outcome::Location> {
        let m = self.modules.get(module)?;
        let ins = m.instrs.get(index)?;
        let function = m.instrs[..index]
            .iter()
            .rev()
            .find_map(|i| match (&i.op, &i.args) {
                (Op::Entry, Args::Name(n)) => Some(String::from_utf8_lossy(n).into_owned()),
                _ => None,
            });
        Some(crate::outcome::Location {
            file: self.files.get(module).cloned().unwrap_or_default(),
            line: ins.pos.line,
            col: ins.pos.col,
            function,
            offset: None,
        })
    }

    /// Number of prelude modules at the front.
    pub fn prelude_modules(&self) -> usize {
        prelude().len()
    }

    /// (module, label) of the boot function.
    pub fn boot(&self) -> (usize, u32) {
        let m = &self.modules[0];
        let mut named = false;
        for i in &m.instrs {
            match (&i.op, &i.args) {
                (Op::Entry, Args::Name(n)) => named = n == BOOT_ENTRY.as_bytes(),
                (Op::Lab, Args::L(l)) if named => return (0, *l),
                _ => {}
            }
        }
        unreachable!("the prelude defines {BOOT_ENTRY}")
    }
}

/// Data addresses of one module.
#[derive(Clone, Debug, Default)]
pub struct ModuleData {
    /// static label -> word address of its first word
    pub statics: FxHashMap<u32, i64>,
    /// string label -> word address
    pub strings: FxHashMap<u32, i64>,
    /// const label -> value
    pub consts: FxHashMap<u32, i64>,
}

/// Where everything lives in BCPL memory.
#[derive(Clone, Debug)]
pub struct Layout {
    pub gbase: i64,
    /// Number of globals (G!0 = gsize - 1).
    pub gsize: i64,
    pub data: Vec<ModuleData>,
    pub rootnode: i64,
    /// Word address of the boot function's frame.
    pub boot_frame: i64,
    pub heap: Range<i64>,
    /// Memory: first word address and size in words.
    pub base: i64,
    pub words: usize,
}

/// Why a program cannot be loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError(pub String);

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Lay out memory of `words` words starting at word address `base`.
pub fn layout(linked: &Linked, base: i64, words: usize) -> Result<Layout, LoadError> {
    let mut max_g: i64 = MIN_GLOBALS;
    for m in &linked.modules {
        for i in &m.instrs {
            match &i.args {
                Args::G(g) | Args::KG(_, g) | Args::PG(_, g) => max_g = max_g.max(*g as i64),
                Args::Global { pairs, max } => {
                    max_g = max_g.max(*max as i64);
                    for (g, _) in pairs {
                        max_g = max_g.max(*g as i64);
                    }
                }
                _ => {}
            }
        }
    }
    let gbase = base + LOW_RESERVED;
    let gsize = max_g + 1;
    let mut next = gbase + gsize;
    let mut data = Vec::with_capacity(linked.modules.len());
    for m in &linked.modules {
        let mut d = ModuleData::default();
        for i in &m.instrs {
            match &i.args {
                Args::Static { label, words } => {
                    d.statics.insert(*label, next);
                    next += words.len().max(1) as i64;
                }
                Args::Str { label, bytes } => {
                    d.strings.insert(*label, next);
                    next += bytes.len() as i64 / 8 + 1;
                }
                Args::Const { label, value } => {
                    d.consts.insert(*label, *value);
                }
                _ => {}
            }
        }
        data.push(d);
    }
    let (rootnode, boot_frame, heap) = tail_layout(next, base, words)?;
    Ok(Layout {
        gbase,
        gsize,
        data,
        rootnode,
        boot_frame,
        heap,
        base,
        words,
    })
}

/// The part of the layout after the program (which ends before word
/// `next`) in memory of `words` words from `base`: the root node, the boot
/// stack and the heap (at least 1024 words).
pub fn tail_layout(
    next: i64,
    base: i64,
    words: usize,
) -> Result<(i64, i64, Range<i64>), LoadError> {
    let rootnode = next;
    let boot_frame = rootnode + ROOTNODE_WORDS;
    let heap_start = boot_frame + BOOT_STACK_WORDS;
    let end = base + words as i64;
    if heap_start + 1024 > end {
        return Err(LoadError(format!(
            "memory of {words} words is too small for the program ({} words)",
            heap_start - base
        )));
    }
    Ok((rootnode, boot_frame, heap_start..end))
}

/// The final words of the statics `labels` (each looked up in the user's
/// modules in load order, the first that defines it), for the outcome.
pub fn capture_statics(
    mem: &Memory,
    linked: &Linked,
    layout: &Layout,
    labels: &[u32],
) -> Vec<(u32, Vec<i64>)> {
    let first_user = linked.prelude_modules();
    labels
        .iter()
        .map(|&l| {
            let words = (first_user..linked.modules.len())
                .find_map(|m| {
                    let addr = *layout.data[m].statics.get(&l)?;
                    let len = linked.modules[m]
                        .instrs
                        .iter()
                        .find_map(|i| match &i.args {
                            Args::Static { label, words } if *label == l => Some(words.len()),
                            _ => None,
                        })?;
                    Some(
                        (0..len as i64)
                            .map(|k| mem.get(addr + k).unwrap_or(0))
                            .collect(),
                    )
                })
                .unwrap_or_default();
            (l, words)
        })
        .collect()
}

/// Initialise memory and the runtime for a run. `code_addr(module, label)`
/// gives the code address of a `lab`; `host_addr(i)` the callable address
/// of `LIBRARY[i]`.
pub fn initialise(
    mem: &mut Memory,
    rt: &mut Runtime,
    linked: &Linked,
    layout: &Layout,
    code_addr: &dyn Fn(usize, u32) -> i64,
    host_addr: &dyn Fn(usize) -> i64,
) -> Result<(), Stop> {
    initialise_globals(
        mem,
        layout.gbase,
        layout.gsize,
        layout.rootnode,
        layout.words,
        host_addr,
    )?;
    // Data of every module.
    for (m, d) in linked.modules.iter().zip(&layout.data) {
        for i in &m.instrs {
            match &i.args {
                Args::Static { label, words } => {
                    let a = d.statics[label];
                    for (k, w) in words.iter().enumerate() {
                        mem.set(a + k as i64, *w)?;
                    }
                }
                Args::Str { label, bytes } => mem.set_string(d.strings[label], bytes)?,
                _ => {}
            }
        }
    }
    // `global` directives, in load order (later modules win); the values of
    // the library's own globals are recorded between the library's and the
    // program's (the fast path of writers.b compares with them).
    let apply = |mem: &mut Memory, mi: usize, m: &Module| -> Result<(), Stop> {
        for i in &m.instrs {
            if let Args::Global { pairs, .. } = &i.args {
                for (g, l) in pairs {
                    mem.set_global(*g as i64, code_addr(mi, *l))?;
                }
            }
        }
        Ok(())
    };
    let library = linked.prelude_modules();
    for (mi, m) in linked.modules.iter().enumerate().take(library) {
        apply(mem, mi, m)?;
    }
    crate::writers::record_library_globals(rt, mem)?;
    for (mi, m) in linked.modules.iter().enumerate().skip(library) {
        apply(mem, mi, m)?;
    }
    open_console(mem, rt)
}

/// The global vector at `gbase` of `gsize` words: G!0 = upper bound, every
/// other global "unset" (globword + n), then the library's host functions
/// (`host_addr(i)` is the callable address of `LIBRARY[i]`), `randseed` and
/// `rootnode` (whose word 14 is the memory size).
pub fn initialise_globals(
    mem: &mut Memory,
    gbase: i64,
    gsize: i64,
    rootnode: i64,
    words: usize,
    host_addr: &dyn Fn(usize) -> i64,
) -> Result<(), Stop> {
    mem.gbase = gbase;
    mem.set_global(0, gsize - 1)?;
    for n in 1..gsize {
        mem.set_global(n, GLOBWORD.wrapping_add(n))?;
    }
    for (i, e) in LIBRARY.iter().enumerate() {
        mem.set_global(e.global as i64, host_addr(i))?;
    }
    mem.set_global(RANDSEED, 12345)?;
    mem.set_global(ROOTNODE, rootnode)?;
    mem.set(rootnode + 14, words as i64)
}

/// The console streams (getvec'd, as in the real system), selected as
/// `cis` and `cos`.
pub fn open_console(mem: &mut Memory, rt: &mut Runtime) -> Result<(), Stop> {
    let scb_out = rt.heap.getvec(mem, &mut rt.out, SCB_WORDS)?;
    let scb_in = rt.heap.getvec(mem, &mut rt.out, SCB_WORDS)?;
    for (scb, id) in [(scb_out, SCB_ID_OUT), (scb_in, SCB_ID_IN)] {
        mem.set(scb, id)?;
        mem.set(scb + 1, -1)?;
    }
    rt.console_out = scb_out;
    rt.console_in = scb_in;
    mem.set_global(COS, scb_out)?;
    mem.set_global(CIS, scb_in)?;
    Ok(())
}
