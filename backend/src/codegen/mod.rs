//! Sial to AArch64 with dynasmrt.
//!
//! A, B, C and R live permanently in x0, x1, x2 and x3, P and G in x29 and
//! x28 as machine addresses (word address × 8), so each Sial instruction
//! becomes a short fixed sequence with no register allocation, and the
//! register-preservation contract of sial.md s.1.3 holds by construction:
//! an instruction only writes the registers its definition assigns (plus
//! scratch x9-x17). Data (globals, statics, strings) is addressed relative
//! to G, code labels PC-relatively, host functions through the context
//! block at ST: the code is position-independent and the same bytes run
//! under the emulator and natively.
//!
//! Calls (s.5.2): the caller writes the whole frame header, NP!0 = P and
//! NP!1 = the return address with one `stp`, NP!2 = entry and NP!3 = arg1
//! with another, sets x29 := NP and `blr`s; so any label can be called
//! (no `entry` directive is needed) and P!0/P!1 form the AAPCS64 frame
//! record from the first instruction of the callee. `rtn` is
//! `ldp x29, x30, [x29]; ret`. Faults leave through out-of-line stubs that
//! call the host's fault entry with the fault code and the stub's address
//! (mapped back to the Sial instruction). Count (x26) is decremented at
//! every backward jump (folded into the branch with `ccmp`) and at labels
//! whose address is taken; when it goes negative the run stops with a
//! step-limit fault. Calls need no check: a run that calls forever without
//! looping grows the frame stack until it leaves BCPL memory.

// dynasm's `X(reg)` expands to `reg.into()`, which clippy flags for u8 registers.
#![allow(clippy::useless_conversion)]

pub(crate) mod asm;
mod live;
mod ops;
mod regs;
mod wide;

use std::collections::HashSet;

use rustc_hash::{FxHashMap as HashMap, FxHashSet};

use dynasmrt::{DynamicLabel, DynasmApi, DynasmLabelApi};
use runtime::library::LIBRARY;
use runtime::load::{Layout, Linked};
use sial::{Args, Op};

use asm::{a64, host_call, Ops};
pub use asm::{load_imm_len, Cond};

use crate::abi::{self, Slot, COUNT, P, ST, T0};

/// Deliberate code-generation faults, for measuring the suite's power
/// (each one breaks one rule of the spec; never used in normal runs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mutation {
    /// Relations yield 1 instead of -1.
    TrueIsOne,
    /// `eqv` compiled as the equality relation.
    EqvAsEquality,
    /// `rsh` is arithmetic.
    ArithmeticRsh,
    /// Shift counts are taken modulo 64.
    ShiftModulo64,
    /// Division and remainder by zero give 0 instead of fault 5.
    DivZeroIsZero,
    /// Remainder takes the sign of the divisor.
    RemainderSignOfDivisor,
    /// FIX truncates without rounding.
    FixTruncates,
    /// `mul` clobbers B.
    MulClobbersB,
    /// `swb` searches as if its keys were sorted.
    SwbAssumesSorted,
    /// Byte indexes are scaled by 4.
    ByteIndexTimes4,
    /// `lp Pn` reads one word too high for n >= 32 (a frame offset off by
    /// one word above some frame size).
    FrameOffsetOffByOne,
    /// The host call of `fmod` does not preserve B (a register clobbered
    /// across a call).
    FmodClobbersB,
    /// `llg` takes its base from P instead of G.
    LlgWrongBase,
    /// After `atbl K`, the code generator still believes A holds the
    /// constant it held before (a stale constant for the next shift).
    AtblStaleConstant,
    /// `swl`'s bounds check lets A = n through, into the code after the table.
    SwlBoundsOffByOne,
    /// `selst`/`xselst` write one bit more than the field.
    SelstOneBitTooMany,
    /// `stk Kk` stores before it has loaded the address A + k (it uses the
    /// scratch register's stale value).
    StkStoresBeforeLoading,
    /// Calls from frames of 32 words or more save the return address in
    /// NP!0 and the caller's P in NP!1.
    ReturnAddressWrongSlot,
    /// `a`/`s` immediates are truncated to 12 bits.
    ImmediateTruncated12Bits,
    /// `xch` swaps through C, losing it.
    XchLosesC,
}

impl Mutation {
    /// The mutant called `name`, with or without the `a64-mutant:` prefix.
    pub fn from_name(name: &str) -> Option<Mutation> {
        let full = format!("a64-mutant:{}", name.trim_start_matches("a64-mutant:"));
        Mutation::ALL.iter().copied().find(|m| m.name() == full)
    }

    /// A short name, also the mutated engine's name (`a64-mutant:NAME`).
    pub fn name(self) -> &'static str {
        match self {
            Mutation::TrueIsOne => "a64-mutant:true-is-one",
            Mutation::EqvAsEquality => "a64-mutant:eqv-as-equality",
            Mutation::ArithmeticRsh => "a64-mutant:arithmetic-rsh",
            Mutation::ShiftModulo64 => "a64-mutant:shift-modulo-64",
            Mutation::DivZeroIsZero => "a64-mutant:div-zero-is-zero",
            Mutation::RemainderSignOfDivisor => "a64-mutant:remainder-sign-of-divisor",
            Mutation::FixTruncates => "a64-mutant:fix-truncates",
            Mutation::MulClobbersB => "a64-mutant:mul-clobbers-b",
            Mutation::SwbAssumesSorted => "a64-mutant:swb-assumes-sorted",
            Mutation::ByteIndexTimes4 => "a64-mutant:byte-index-times-4",
            Mutation::FrameOffsetOffByOne => "a64-mutant:frame-offset-off-by-one",
            Mutation::FmodClobbersB => "a64-mutant:fmod-clobbers-b",
            Mutation::LlgWrongBase => "a64-mutant:llg-wrong-base",
            Mutation::AtblStaleConstant => "a64-mutant:atbl-stale-constant",
            Mutation::SwlBoundsOffByOne => "a64-mutant:swl-bounds-off-by-one",
            Mutation::SelstOneBitTooMany => "a64-mutant:selst-one-bit-too-many",
            Mutation::StkStoresBeforeLoading => "a64-mutant:stk-stores-before-loading",
            Mutation::ReturnAddressWrongSlot => "a64-mutant:return-address-wrong-slot",
            Mutation::ImmediateTruncated12Bits => "a64-mutant:immediate-truncated-12-bits",
            Mutation::XchLosesC => "a64-mutant:xch-loses-c",
        }
    }

    /// Every mutation.
    pub const ALL: [Mutation; 20] = [
        Mutation::TrueIsOne,
        Mutation::EqvAsEquality,
        Mutation::ArithmeticRsh,
        Mutation::ShiftModulo64,
        Mutation::DivZeroIsZero,
        Mutation::RemainderSignOfDivisor,
        Mutation::FixTruncates,
        Mutation::MulClobbersB,
        Mutation::SwbAssumesSorted,
        Mutation::ByteIndexTimes4,
        Mutation::FrameOffsetOffByOne,
        Mutation::FmodClobbersB,
        Mutation::LlgWrongBase,
        Mutation::AtblStaleConstant,
        Mutation::SwlBoundsOffByOne,
        Mutation::SelstOneBitTooMany,
        Mutation::StkStoresBeforeLoading,
        Mutation::ReturnAddressWrongSlot,
        Mutation::ImmediateTruncated12Bits,
        Mutation::XchLosesC,
    ];
}

/// Options of one compilation.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Deliberate faults (empty for normal runs).
    pub mutations: HashSet<Mutation>,
}

/// A Sial instruction: module index and index in the module's `instrs`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct InstrRef {
    pub module: u32,
    pub index: u32,
}

/// The generated code and what the executors need to know about it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Compiled {
    pub code: Vec<u8>,
    /// Offset of the trampoline the executor starts at (see [`Compiler::trampoline`]).
    pub entry: usize,
    /// Offset of the BCPL-callable stub of each `LIBRARY` entry.
    pub lib_stubs: Vec<usize>,
    /// Per module: code label -> offset of its code address (the prologue
    /// for function entries).
    pub labels: Vec<HashMap<u32, usize>>,
    /// (offset, instruction) at the start of each instruction's (or
    /// directive's) code, by offset then instruction.
    pub map: Vec<(usize, InstrRef)>,
    /// Fault stub offset -> the instruction that faults there.
    pub sites: HashMap<usize, InstrRef>,
    /// Number of executable Sial instructions compiled.
    pub sial_instructions: usize,
}

impl Compiled {
    /// The instruction whose code contains `offset`.
    pub fn instr_at(&self, offset: usize) -> Option<InstrRef> {
        if let Some(i) = self.sites.get(&offset) {
            return Some(*i);
        }
        let k = self.map.partition_point(|(o, _)| *o <= offset);
        k.checked_sub(1).map(|k| self.map[k].1)
    }
}

/// A pending out-of-line fault stub.
struct Site {
    label: DynamicLabel,
    code: i64,
    at: InstrRef,
}

/// Compile state.
pub struct Compiler<'a> {
    ops: Ops,
    linked: &'a Linked,
    layout: &'a Layout,
    opts: &'a Options,
    /// Current module's labels.
    labels: HashMap<u32, DynamicLabel>,
    mlabels: HashMap<u32, DynamicLabel>,
    /// Labels reached by `lf` or a backward switch: budget checks at the
    /// label. (Backward `j`/conditional jumps check the budget themselves.)
    loop_heads: FxHashSet<u32>,
    /// Labels that some instruction or directive of the module names (the
    /// others are reached only by falling through: no block boundary), each
    /// with whether anything but a direct jump names it (`wide.rs`).
    referenced: HashMap<u32, bool>,
    /// Index in the current module at which each code label is defined.
    defined_at: HashMap<u32, usize>,
    sites: Vec<Site>,
    all_sites: Vec<(DynamicLabel, InstrRef)>,
    map: Vec<(usize, InstrRef)>,
    module_labels: Vec<HashMap<u32, DynamicLabel>>,
    /// The value of A when it is known at compile time (after `l K` etc.).
    known_a: Option<i64>,
    /// The registers that hold A and B now (`regs.rs`).
    ra: u8,
    rb: u8,
    /// A is `known_a`, not yet loaded into `ra`.
    a_pending: bool,
    /// A's register holds the same value as P!n.
    a_local: Option<u32>,
    /// A and B live on entry to each instruction of the module (`live.rs`).
    live: Vec<u8>,
    /// What MW holds now, when known (`wide.rs`).
    mw: Option<i64>,
    /// Loop heads every edge into which leaves this constant in MW (`wide.rs`).
    mw_at: HashMap<u32, i64>,
    /// The previous instruction does not fall through (j, rtn, ...).
    unreachable: bool,
    cur: InstrRef,
    sial_instructions: usize,
}

/// What [`note_label_names`] saw besides the names.
pub(super) enum Named {
    /// `lf L`: L's address is taken.
    AddressTaken(u32),
    /// A switch (`swb`/`swl`).
    Switch,
    Other,
}

/// Record the code labels instruction `i` (not a `lab`) names in `named`:
/// false when only direct jumps (`live::is_label_jump`) name a label so far,
/// true once anything else does (a switch, `lf`, `global`, a `KL` operand,
/// ...); and a direct jump back to a label defined before it in `back`.
pub(super) fn note_label_names(
    instrs: &[sial::Instr],
    i: usize,
    defined_at: &HashMap<u32, usize>,
    named: &mut HashMap<u32, bool>,
    back: &mut wide::BackEdges,
) -> Named {
    match (instrs[i].op, &instrs[i].args) {
        (op, Args::L(l)) if live::is_label_jump(op) => {
            named.entry(*l).or_insert(false);
            if defined_at.contains_key(l) {
                back.note(instrs, i, *l);
            }
        }
        (Op::Lf, Args::L(l)) => {
            named.insert(*l, true);
            return Named::AddressTaken(*l);
        }
        (_, Args::L(l) | Args::KL(_, l)) => {
            named.insert(*l, true);
        }
        (_, Args::Swb { default, cases }) => {
            named.insert(*default, true);
            named.extend(cases.iter().map(|c| (c.1, true)));
            return Named::Switch;
        }
        (_, Args::Swl { default, labels }) => {
            named.insert(*default, true);
            named.extend(labels.iter().map(|&l| (l, true)));
            return Named::Switch;
        }
        (_, Args::Global { pairs, .. }) => {
            named.extend(pairs.iter().map(|p| (p.1, true)));
        }
        _ => {}
    }
    Named::Other
}

/// Compile a linked program for the data layout `layout`.
pub fn compile(linked: &Linked, layout: &Layout, opts: &Options) -> Result<Compiled, String> {
    // dynasmrt panics on some malformed uses; nothing in a program may crash
    // the harness, so a panic here becomes an error.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        Compiler::new(linked, layout, opts).run()
    }))
    .unwrap_or_else(|p| {
        let msg = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        Err(format!("code generator failed: {msg}"))
    })
}

impl<'a> Compiler<'a> {
    fn new(linked: &'a Linked, layout: &'a Layout, opts: &'a Options) -> Self {
        // Room for the usual code size, so the buffers rarely grow.
        let n: usize = linked.modules.iter().map(|m| m.instrs.len()).sum();
        Compiler {
            ops: Ops::new_with_capacity(0, n * 12 + 4096, 0, 0, n / 2, 0, n / 2),
            linked,
            layout,
            opts,
            labels: HashMap::default(),
            mlabels: HashMap::default(),
            loop_heads: FxHashSet::default(),
            referenced: HashMap::default(),
            defined_at: HashMap::default(),
            sites: Vec::new(),
            all_sites: Vec::new(),
            map: Vec::with_capacity(n),
            module_labels: Vec::new(),
            known_a: None,
            ra: abi::A,
            rb: abi::B,
            a_pending: false,
            a_local: None,
            live: Vec::new(),
            mw: None,
            mw_at: HashMap::default(),
            unreachable: false,
            cur: InstrRef {
                module: 0,
                index: 0,
            },
            sial_instructions: 0,
        }
    }

    fn mutated(&self, m: Mutation) -> bool {
        !self.opts.mutations.is_empty() && self.opts.mutations.contains(&m)
    }

    fn run(mut self) -> Result<Compiled, String> {
        let entry_label = self.ops.new_dynamic_label();
        let (boot_m, boot_l) = self.linked.boot();
        // Library stubs first, then the trampoline, then every module.
        let stub_labels: Vec<DynamicLabel> = (0..LIBRARY.len()).map(|i| self.lib_stub(i)).collect();
        let mut boot = None;
        for (mi, m) in self.linked.modules.iter().enumerate() {
            self.module(mi, m)?;
            if mi == boot_m {
                boot = self.labels.get(&boot_l).copied();
            }
            self.module_labels.push(std::mem::take(&mut self.labels));
        }
        let boot = boot.ok_or("the prelude's boot function has no entry")?;
        self.trampoline(entry_label, boot);
        let Compiler {
            ops,
            module_labels,
            all_sites,
            map,
            sial_instructions,
            ..
        } = self;
        let resolve = |ops: &Ops, l: DynamicLabel| -> Result<usize, String> {
            ops.labels()
                .resolve_dynamic(l)
                .map(|o| o.0)
                .map_err(|e| format!("label: {e}"))
        };
        let entry = resolve(&ops, entry_label)?;
        let lib_stubs = stub_labels
            .iter()
            .map(|l| resolve(&ops, *l))
            .collect::<Result<_, _>>()?;
        let mut labels = Vec::with_capacity(module_labels.len());
        for m in &module_labels {
            let mut t = HashMap::with_capacity_and_hasher(m.len(), Default::default());
            for (k, l) in m {
                t.insert(*k, resolve(&ops, *l)?);
            }
            labels.push(t);
        }
        let mut sites = HashMap::with_capacity_and_hasher(all_sites.len(), Default::default());
        for (l, i) in &all_sites {
            sites.insert(resolve(&ops, *l)?, *i);
        }
        // Code is emitted in instruction order, so the map is sorted already.
        debug_assert!(map.is_sorted());
        let code = ops.finalize().map_err(|e| format!("assembling: {e}"))?;
        Ok(Compiled {
            code,
            entry,
            lib_stubs,
            labels,
            map,
            sites,
            sial_instructions,
        })
    }

    /// The BCPL-callable stub of library function `index`, the C-ABI
    /// bridge: x0 = arg1 (already in A), x1..x4 = args 2-5, x5 = the
    /// frame's word address, x6 = index, x7 = host context; the result comes
    /// back in x0 = A; then a BCPL return.
    fn lib_stub(&mut self, index: usize) -> DynamicLabel {
        let l = self.ops.new_dynamic_label();
        let idx = index as u32;
        let ctx = Slot::Context.offset();
        a64!(self.ops
            ; =>l
            ; ldp x1, x2, [X(P), #32]
            ; ldp x3, x4, [X(P), #48]
            ; lsr x5, X(P), #3
            ; movz x6, #idx
            ; ldr x7, [X(ST), #ctx]
        );
        host_call(&mut self.ops, Slot::Lib.offset());
        a64!(self.ops
            ; ldp X(P), x30, [X(P)]
            ; ret
        );
        l
    }

    /// The executor starts here with x0 = stack size, x29 = boot frame,
    /// x28 = G, x27 = ST, x26 = budget: it calls boot(stacksize) with a
    /// return address that hands the result to the host's exit entry.
    fn trampoline(&mut self, entry: DynamicLabel, boot: DynamicLabel) {
        let ret = self.ops.new_dynamic_label();
        a64!(self.ops
            ; =>entry
            ; movz X(abi::ZERO), #0
        );
        for (k, r) in abi::KBASES {
            asm::load_imm(&mut self.ops, r, k * 8);
        }
        a64!(self.ops
            ; adr x30, =>ret
            ; stp xzr, x30, [X(P)]
            ; adr X(T0), =>boot
            ; stp X(T0), x0, [X(P), #16]
            ; b =>boot
            ; =>ret
        );
        host_call(&mut self.ops, Slot::Exit.offset());
        a64!(self.ops ; brk #0);
    }

    /// Compile one module.
    fn module(&mut self, mi: usize, m: &sial::Module) -> Result<(), String> {
        self.labels.clear();
        self.labels.reserve(m.instrs.len() / 4);
        self.mlabels.clear();
        self.loop_heads.clear();
        // Pass 1: labels, the labels some instruction names, loop heads.
        let mut defined_at: HashMap<u32, usize> =
            HashMap::with_capacity_and_hasher(m.instrs.len() / 4, Default::default());
        self.referenced.clear();
        let mut switches = false;
        let mut back_edges = wide::BackEdges::default();
        for (i, ins) in m.instrs.iter().enumerate() {
            match (&ins.op, &ins.args) {
                (Op::Lab, Args::L(l)) => {
                    defined_at.insert(*l, i);
                    let dl = self.ops.new_dynamic_label();
                    self.labels.insert(*l, dl);
                }
                (Op::Mlab, Args::M(l)) => {
                    let dl = self.ops.new_dynamic_label();
                    self.mlabels.insert(*l, dl);
                }
                _ => match note_label_names(
                    &m.instrs,
                    i,
                    &defined_at,
                    &mut self.referenced,
                    &mut back_edges,
                ) {
                    // A label whose address is taken may be the target of a
                    // `goto` loop.
                    Named::AddressTaken(l) => {
                        self.loop_heads.insert(l);
                    }
                    Named::Switch => switches = true,
                    Named::Other => {}
                },
            }
        }
        // Switches that jump back: budget checks at their targets.
        if switches {
            for (i, ins) in m.instrs.iter().enumerate() {
                let targets: Vec<u32> = match &ins.args {
                    Args::Swb { default, cases } => std::iter::once(*default)
                        .chain(cases.iter().map(|c| c.1))
                        .collect(),
                    Args::Swl { default, labels } => std::iter::once(*default)
                        .chain(labels.iter().copied())
                        .collect(),
                    _ => continue,
                };
                for t in targets {
                    if defined_at.get(&t).is_some_and(|&d| d <= i) {
                        self.loop_heads.insert(t);
                    }
                }
            }
        }
        self.live = live::live_in(&m.instrs, &defined_at);
        self.mw_at = back_edges.loop_constants(&self.referenced);
        self.mw = None;
        self.defined_at = defined_at;
        self.reset_regs();
        self.unreachable = false;
        // Pass 2: code.
        for (i, ins) in m.instrs.iter().enumerate() {
            self.cur = InstrRef {
                module: mi as u32,
                index: i as u32,
            };
            self.map.push((self.ops.offset().0, self.cur));
            if !ins.op.is_directive() {
                self.sial_instructions += 1;
            }
            self.instruction(mi, ins, i)
                .map_err(|e| format!("{}:{}: {e}", self.linked.files[mi], ins.pos.line))?;
        }
        // A fall off the end of the module's code is a bad jump.
        let off_end = self.site(abi::FELL_OFF);
        a64!(self.ops ; b =>off_end);
        self.flush_sites();
        Ok(())
    }

    /// A new fault site at the current instruction.
    fn site(&mut self, code: i64) -> DynamicLabel {
        let label = self.ops.new_dynamic_label();
        self.sites.push(Site {
            label,
            code,
            at: self.cur,
        });
        label
    }

    /// Emit the pending fault stubs: `fault(code, &stub)`.
    fn flush_sites(&mut self) {
        for s in std::mem::take(&mut self.sites) {
            let l = s.label;
            a64!(self.ops ; =>l);
            asm::load_imm(&mut self.ops, 0, s.code);
            a64!(self.ops ; adr x1, =>l);
            host_call(&mut self.ops, Slot::Fault.offset());
            a64!(self.ops ; brk #0);
            self.all_sites.push((l, s.at));
        }
    }

    /// Whether a jump from the current instruction to `l` goes backward.
    fn backward(&self, l: u32) -> bool {
        self.defined_at
            .get(&l)
            .is_some_and(|&d| d <= self.cur.index as usize)
    }

    /// `subs Count, Count, #1; b.mi step-limit`.
    fn budget_check(&mut self) {
        let site = self.site(abi::STEP_LIMIT);
        a64!(self.ops
            ; subs X(COUNT), XSP(COUNT), #1
            ; b.mi =>site
        );
    }

    fn label(&self, l: u32) -> Result<DynamicLabel, String> {
        self.labels
            .get(&l)
            .copied()
            .ok_or_else(|| format!("L{l} is not a code label"))
    }

    /// Byte offset from G of data word address `addr`.
    fn g_offset(&self, addr: i64) -> i64 {
        (addr - self.layout.gbase) * 8
    }

    fn static_offset(&self, mi: usize, l: u32) -> Result<i64, String> {
        let a = self.layout.data[mi]
            .statics
            .get(&l)
            .ok_or_else(|| format!("L{l} is not a static"))?;
        Ok(self.g_offset(*a))
    }
}
