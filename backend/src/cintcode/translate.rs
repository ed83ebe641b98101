//! The instruction selector: every reachable Cintcode instruction of every
//! section (library sections included) to AArch64 with dynasmrt.
//!
//! Code is discovered by following control flow from each section's
//! function entries and global-table entries (as `cintcode::disasm::
//! reachable` does: fall-through, the return point after every call, jump
//! and switch targets, `LF` targets), with the targets the mutations
//! change. Each instruction becomes one native block, in address order:
//!
//! * **Count.** Every instruction starts with `cbz x26, event; sub x26,
//!   x26, #1`. x26 holds the number of instructions that may run before the
//!   next event: the smaller of Count (when Count >= 0, s.10.3) and the
//!   harness's step budget. The host keeps both exactly and syncs x26 at
//!   SYS, so `sys(Sys_setcount, n)` gives "Zero count" (abort 3) before
//!   exactly the instruction the reference stops at, and a runaway program
//!   ends as `StepLimit` after exactly the reference's number of
//!   instructions (the outcome's `steps` are Cintcode instructions).
//! * **Static transfers** (J, Jcc, FHOP's skip, SWB's tree, fall-through)
//!   are native branches.
//! * **Dynamic transfers** (K-calls, RTN, GOTO, SWL, CHGCO, MDIV's return)
//!   load the target byte address into x9 and go through the dispatch
//!   routine: the checked fetch (x9 > 8 x memupb is fault 4, `Gn
//!   unassigned` for globword + n, s.1.3), then the table of [`super::map`];
//!   a byte address with no translated instruction is a bad jump.
//! * **MW** is a run-time register (x25): `MW` sets it, W-forms add
//!   sext(i32) and reset it, so an MW pending across unrelated
//!   instructions or a `J` works.
//! * **Faults** leave through out-of-line stubs (`bl` to a host entry); the
//!   site of every host call is recorded with its instruction's byte
//!   address so the host locates the fault as the reference does.

// dynasm's register macros convert their operands with `.into()`.
#![allow(clippy::useless_conversion)]

use std::collections::{BTreeMap, HashMap, HashSet};

use ::cintcode::{decode, Instr, Operand, Section};
use dynasmrt::{DynamicLabel, DynasmApi, DynasmLabelApi};
use runtime::cin_load::{CinLayout, CinLinked};
use runtime::memory::RESULT2;
use runtime::sys::CURRCO;

use super::regs::*;
use super::{Host, Mutation, COUNT_ON_SLOT};
use crate::codegen::asm::{a64, add_imm, ldr_off, load_imm, shift, str_off, Ops};

/// One translated Cintcode instruction.
#[derive(Clone, Debug)]
pub struct Emitted {
    /// Native offset of its first A64 instruction.
    pub native: u32,
    /// Byte address of the opcode.
    pub addr: i64,
    /// Section index in the linked program.
    pub section: usize,
    pub instr: Instr,
}

/// The translation of a linked program.
#[derive(Clone, Debug)]
pub struct Translated {
    pub code: Vec<u8>,
    /// Instructions in emission (address) order.
    pub instrs: Vec<Emitted>,
    /// Byte address of table entry 0.
    pub table_lo: i64,
    /// Native offset of the instruction at each byte address from
    /// `table_lo` (0: none).
    pub table: Vec<u32>,
    /// Native offset of each host call or stub `bl` -> byte address of the
    /// instruction it belongs to.
    pub sites: HashMap<u32, i64>,
}

/// Control flow of a decoded instruction under the mutations.
struct Flow<'a> {
    muts: &'a HashSet<Mutation>,
}

fn is_call(op: u8) -> bool {
    matches!(op, 3..=11 | 32..=43 | 67..=75 | 99..=107)
}

fn is_jump(op: u8) -> bool {
    matches!(op, 28..=31 | 60..=63 | 92..=95 | 124..=127 | 156..=159 | 186..=191)
}

impl Flow<'_> {
    /// The section-relative target of a relative form.
    fn target(&self, ins: &Instr) -> Option<i64> {
        match ins.operand {
            Operand::Target(t) => Some(if self.muts.contains(&Mutation::RelativeFromNext) {
                t + 1
            } else {
                t
            }),
            Operand::Indirect { target, .. } => Some(target),
            _ => None,
        }
    }

    /// Where control may go besides falling through (static targets).
    fn targets(&self, ins: &Instr) -> Vec<i64> {
        match &ins.operand {
            Operand::Swl { default, cases } => std::iter::once(*default)
                .chain(cases.iter().copied())
                .collect(),
            Operand::Swb { default, nodes } => std::iter::once(*default)
                .chain(nodes.iter().map(|n| n.1))
                .collect(),
            _ if is_jump(ins.op) || matches!(ins.op, 12 | 13) => {
                self.target(ins).into_iter().collect()
            }
            _ => vec![],
        }
    }

    /// The next instruction in the Cintcode sense (a call's return point
    /// included); `None` when control never continues after it.
    fn next(&self, ins: &Instr) -> Option<u32> {
        match ins.op {
            123 | 186 | 187 | 155 | 146 | 147 | 239 | 2 | 240 => None,
            27 if self.muts.contains(&Mutation::FhopNoSkip) => Some(ins.at + 1),
            27 => Some(ins.at + 2),
            _ => Some(ins.at + ins.len),
        }
    }

    /// Whether the native code falls through to the next instruction.
    fn falls_through(&self, ins: &Instr) -> bool {
        self.next(ins).is_some() && !is_call(ins.op) && ins.op != 27
    }
}

/// The instructions of a section reachable from its entries.
fn discover(section: &Section, flow: &Flow) -> BTreeMap<u32, Instr> {
    ::cintcode::disasm::reachable_by(section, |ins| {
        let mut next = flow.targets(ins);
        next.extend(flow.next(ins).map(|n| n as i64));
        next
    })
}

/// Out-of-line stubs.
#[derive(Clone, Copy)]
enum Stub {
    /// Count/budget event.
    Event,
    /// Fault with a code.
    Fault(i64),
    /// Fault 4 at a checked fetch of x9.
    BadPc,
    /// `b` to a label a conditional branch cannot reach (far mode).
    Veneer(DynamicLabel),
}

struct Common {
    event: DynamicLabel,
    fault: DynamicLabel,
    badpc: DynamicLabel,
    miss: DynamicLabel,
    checked: DynamicLabel,
    dispatch: DynamicLabel,
    goto: DynamicLabel,
}

struct Tr<'a> {
    ops: Ops,
    flow: Flow<'a>,
    muts: &'a HashSet<Mutation>,
    labels: HashMap<i64, DynamicLabel>,
    /// Targets with no instruction of this translation: reached through
    /// the dispatch routine.
    elsewhere: BTreeMap<i64, DynamicLabel>,
    stubs: Vec<(DynamicLabel, Stub, i64)>,
    sites: HashMap<u32, i64>,
    c: Common,
    /// Conditional branches to other instructions go through veneers
    /// (code too big for their +-1 MiB reach; see [`emit`]).
    far: bool,
}

fn u8v(ins: &Instr) -> i64 {
    match ins.operand {
        Operand::U8(u) => u as i64,
        _ => 0,
    }
}

fn u16v(ins: &Instr) -> i64 {
    match ins.operand {
        Operand::U16(u) => u as i64,
        _ => 0,
    }
}

fn i32v(ins: &Instr) -> i32 {
    match ins.operand {
        Operand::I32(i) => i,
        _ => 0,
    }
}

/// How a K-instruction's frame increment is given.
enum Inc {
    Words(i64),
    /// In x11 (KW).
    Reg,
}

impl Tr<'_> {
    fn off(&self) -> u32 {
        self.ops.offset().0 as u32
    }

    fn has(&self, m: Mutation) -> bool {
        self.muts.contains(&m)
    }

    /// The label of the code at byte address `addr` (a stub that goes
    /// through the dispatch routine when this translation has no
    /// instruction there).
    fn label(&mut self, addr: i64) -> DynamicLabel {
        if let Some(&l) = self.labels.get(&addr) {
            return l;
        }
        if let Some(&l) = self.elsewhere.get(&addr) {
            return l;
        }
        let l = self.ops.new_dynamic_label();
        self.elsewhere.insert(addr, l);
        l
    }

    fn stub(&mut self, kind: Stub, ipc: i64) -> DynamicLabel {
        let l = self.ops.new_dynamic_label();
        self.stubs.push((l, kind, ipc));
        l
    }

    /// A label for a conditional branch to `target`: `target` itself, or
    /// in far mode a veneer (`b target`) placed with the stubs nearby.
    fn near(&mut self, target: DynamicLabel) -> DynamicLabel {
        if self.far {
            self.stub(Stub::Veneer(target), 0)
        } else {
            target
        }
    }

    /// Emit the pending out-of-line stubs here (control never falls into
    /// them: called only after code that does not fall through).
    fn flush_stubs(&mut self) {
        for (l, kind, ipc) in std::mem::take(&mut self.stubs) {
            let ops = &mut self.ops;
            a64!(ops ; =>l);
            let target = match kind {
                Stub::Veneer(target) => {
                    a64!(ops ; b =>target);
                    continue;
                }
                Stub::Event => self.c.event,
                Stub::Fault(code) => {
                    load_imm(ops, T0, code);
                    self.c.fault
                }
                Stub::BadPc => self.c.badpc,
            };
            let o = self.off();
            let ops = &mut self.ops;
            a64!(ops ; bl =>target);
            self.sites.insert(o, ipc);
        }
    }

    /// Emit the pending stubs here, with a branch over them (inside code
    /// that falls through).
    fn flush_stubs_inline(&mut self) {
        if self.stubs.is_empty() {
            return;
        }
        let skip = self.ops.new_dynamic_label();
        let ops = &mut self.ops;
        a64!(ops ; b =>skip);
        self.flush_stubs();
        let ops = &mut self.ops;
        a64!(ops ; =>skip);
    }

    /// `bl` to a common routine, recording the site.
    fn bl_site(&mut self, l: DynamicLabel, ipc: i64) {
        let o = self.off();
        let ops = &mut self.ops;
        a64!(ops ; bl =>l);
        self.sites.insert(o, ipc);
    }

    /// A host call that returns here.
    fn host_call(&mut self, h: Host, ipc: i64) {
        let slot = h.offset();
        let ops = &mut self.ops;
        a64!(ops ; ldr X(HOST), [X(ST), #slot]);
        let o = self.off();
        let ops = &mut self.ops;
        a64!(ops ; blr X(HOST));
        self.sites.insert(o, ipc);
    }

    /// The shared routines at the start of the code.
    fn common(&mut self) {
        let c = &self.c;
        let ops = &mut self.ops;
        let (event, fault, badpc, miss) = (c.event, c.fault, c.badpc, c.miss);
        let (checked, dispatch, goto) = (c.checked, c.dispatch, c.goto);
        let ev = Host::Event.offset();
        let fa = Host::Fault.offset();
        let bp = Host::BadPc.offset();
        let mi = Host::Miss.offset();
        a64!(ops
            // Offset 0 is never an instruction (table entry 0 means none).
            ; brk #0
            ; =>event
            ; ldr X(HOST), [X(ST), #ev]
            ; br X(HOST)
            ; =>fault
            ; ldr X(HOST), [X(ST), #fa]
            ; br X(HOST)
            ; =>badpc
            ; ldr X(HOST), [X(ST), #bp]
            ; br X(HOST)
            // GOTO: checked only while Count >= 0 (s.3.5).
            ; =>goto
            ; ldr X(T2), [X(ST), #COUNT_ON_SLOT]
            ; cbz X(T2), =>dispatch
            // The checked fetch (s.1.3): x9 as unsigned <= 8 x memupb.
            ; =>checked
            ; cmp X(T0), X(PC_LIMIT)
            ; b.hi =>badpc
            ; =>dispatch
            ; sub X(T2), X(T0), X(TABLE_LO)
            ; cmp X(T2), X(TABLE_LEN)
            ; b.hs =>miss
            ; ldr W(T3), [X(TABLE), X(T2), lsl #2]
            ; cbz W(T3), =>miss
            ; add X(T3), X(CODE), X(T3)
            ; br X(T3)
            // No translated code there: the host translates it (or stops)
            // and returns its native address in x9.
            ; =>miss
            ; ldr X(HOST), [X(ST), #mi]
            ; blr X(HOST)
            ; br X(T0)
        );
    }

    fn push_imm(&mut self, v: i64) {
        let ops = &mut self.ops;
        a64!(ops ; mov X(B), X(A));
        load_imm(ops, A, v);
    }

    /// x11 := MW + sext(i32); MW := 0 (s.2.3).
    fn wop(&mut self, ins: &Instr) {
        let raw = i32v(ins);
        let v = if self.has(Mutation::MwZeroExtends) {
            raw as u32 as i64
        } else {
            raw as i64
        };
        let reset = !self.has(Mutation::MwNotReset);
        let ops = &mut self.ops;
        load_imm(ops, T2, v);
        a64!(ops ; add X(T2), X(T2), X(MW));
        if reset {
            a64!(ops ; movz X(MW), #0);
        }
    }

    /// A call (s.4.2) of the byte address in x9.
    fn call(&mut self, inc: Inc, first_from_b: bool, next: i64, ipc: i64) {
        let ops = &mut self.ops;
        match inc {
            Inc::Words(n) => {
                let bytes = n * 8;
                str_off(ops, P, P, bytes);
                add_imm(ops, P, P, bytes);
            }
            Inc::Reg => {
                a64!(ops
                    ; lsl X(TOFF), X(T2), #3
                    ; str X(P), [X(P), X(TOFF)]
                    ; add X(P), X(P), X(TOFF)
                );
            }
        }
        load_imm(ops, T1, next);
        a64!(ops ; stp X(T1), X(T0), [X(P), #8]);
        if first_from_b {
            a64!(ops ; mov X(A), X(B));
        }
        a64!(ops ; str X(A), [X(P), #24]);
        let checked = self.c.checked;
        self.bl_site(checked, ipc);
    }

    /// RTN (s.4.3): PC := P!1, P := P!0 / 8, checked fetch.
    fn rtn(&mut self, ipc: i64) {
        let ops = &mut self.ops;
        a64!(ops
            ; ldp X(T1), X(T0), [X(P)]
            ; and XSP(P), X(T1), #0xFFFF_FFFF_FFFF_FFF8
        );
        let checked = self.c.checked;
        self.bl_site(checked, ipc);
    }

    /// rd := M[x(word) + k] (word address in a register).
    fn ld_word(&mut self, rd: u8, word: u8, k: i64) {
        let ops = &mut self.ops;
        if k == 0 {
            a64!(ops ; ldr X(rd), [X(ZERO), X(word), lsl #3]);
        } else {
            add_imm(ops, T0, word, k);
            a64!(ops ; ldr X(rd), [X(ZERO), X(T0), lsl #3]);
        }
    }

    fn st_word(&mut self, rs: u8, word: u8, k: i64) {
        let ops = &mut self.ops;
        if k == 0 {
            a64!(ops ; str X(rs), [X(ZERO), X(word), lsl #3]);
        } else {
            add_imm(ops, T0, word, k);
            a64!(ops ; str X(rs), [X(ZERO), X(T0), lsl #3]);
        }
    }

    /// Conditional jump to `target` on `cond` of B against A (or of A
    /// against 0 for the 0-forms).
    fn jcc(&mut self, op: u8, target: DynamicLabel) {
        let family = op & !1;
        let target = if family == 186 {
            target
        } else {
            self.near(target)
        };
        let ops = &mut self.ops;
        match family {
            28 => a64!(ops ; cmp X(B), X(A) ; b.eq =>target),
            30 => a64!(ops ; cbz X(A), =>target),
            60 => a64!(ops ; cmp X(B), X(A) ; b.ne =>target),
            62 => a64!(ops ; cbnz X(A), =>target),
            92 => a64!(ops ; cmp X(B), X(A) ; b.lt =>target),
            94 => a64!(ops ; cmp XSP(A), #0 ; b.lt =>target),
            124 => a64!(ops ; cmp X(B), X(A) ; b.gt =>target),
            126 => a64!(ops ; cmp XSP(A), #0 ; b.gt =>target),
            156 => a64!(ops ; cmp X(B), X(A) ; b.le =>target),
            158 => a64!(ops ; cmp XSP(A), #0 ; b.le =>target),
            186 => a64!(ops ; b =>target),
            188 => a64!(ops ; cmp X(B), X(A) ; b.ge =>target),
            _ => a64!(ops ; cmp XSP(A), #0 ; b.ge =>target),
        }
    }

    fn fltop(&mut self, f: u8, e: Option<i8>, ipc: i64) {
        let one = self.has(Mutation::FltopTrueIsOne);
        let ops = &mut self.ops;
        let bin = |ops: &mut Ops| a64!(ops ; fmov D(0), X(B) ; fmov D(1), X(A));
        match f {
            0 => a64!(ops ; movn X(A), #0),
            1 => {
                load_imm(ops, T0, e.unwrap_or(0) as i64);
                self.host_call(Host::FlMk, ipc);
            }
            3 => a64!(ops ; scvtf D(0), X(A) ; fmov X(A), D(0)),
            4 => {
                // FIX: x +/- 0.5 in double, truncated; NaN or out of range
                // gives minint (s.6.2, s.14 item 11).
                load_imm(ops, T0, 0.5f64.to_bits() as i64);
                // 2^63 as a double.
                load_imm(ops, T1, 0x43E0_0000_0000_0000);
                a64!(ops
                    ; fmov D(1), X(A)
                    ; fmov D(2), X(T0)
                    ; fmov D(5), X(T1)
                    ; fmov D(7), xzr
                    ; fsub D(3), D(1), D(2)
                    ; fadd D(4), D(1), D(2)
                    ; fcmp D(1), D(7)
                    ; fcsel D(3), D(3), D(4), mi
                    ; fcvtzs X(A), D(3)
                    ; fabs D(6), D(3)
                    ; fcmp D(6), D(5)
                    ; movz X(T2), #0x8000, lsl #48
                    ; csel X(A), X(A), X(T2), mi
                );
            }
            5 => a64!(ops
                // Negate only when x < 0.0: -0.0 and NaN keep their bits.
                ; fmov D(1), X(A)
                ; fmov D(7), xzr
                ; fneg D(2), D(1)
                ; fcmp D(1), D(7)
                ; fcsel D(1), D(2), D(1), mi
                ; fmov X(A), D(1)
            ),
            6 => {
                bin(ops);
                a64!(ops ; fmul D(0), D(0), D(1) ; fmov X(A), D(0));
            }
            7 => {
                bin(ops);
                a64!(ops ; fdiv D(0), D(0), D(1) ; fmov X(A), D(0));
            }
            8 => {
                bin(ops);
                self.host_call(Host::Fmod, ipc);
                let ops = &mut self.ops;
                a64!(ops ; fmov X(A), D(0));
            }
            9 => {
                bin(ops);
                a64!(ops ; fadd D(0), D(0), D(1) ; fmov X(A), D(0));
            }
            10 => {
                bin(ops);
                a64!(ops ; fsub D(0), D(0), D(1) ; fmov X(A), D(0));
            }
            11 => {}
            12 => a64!(ops ; eor XSP(A), X(A), #0x8000_0000_0000_0000),
            13..=18 => {
                bin(ops);
                a64!(ops ; fcmp D(0), D(1));
                // Unordered operands are false except for ne: < and <=
                // use mi and ls.
                match (f, one) {
                    (13, false) => a64!(ops ; csetm X(A), eq),
                    (14, false) => a64!(ops ; csetm X(A), ne),
                    (15, false) => a64!(ops ; csetm X(A), mi),
                    (16, false) => a64!(ops ; csetm X(A), gt),
                    (17, false) => a64!(ops ; csetm X(A), ls),
                    (18, false) => a64!(ops ; csetm X(A), ge),
                    (13, true) => a64!(ops ; cset X(A), eq),
                    (14, true) => a64!(ops ; cset X(A), ne),
                    (15, true) => a64!(ops ; cset X(A), mi),
                    (16, true) => a64!(ops ; cset X(A), gt),
                    (17, true) => a64!(ops ; cset X(A), ls),
                    _ => a64!(ops ; cset X(A), ge),
                }
            }
            _ => {
                // Fault 14 with M[1] := f.
                load_imm(ops, T0, f as i64);
                a64!(ops ; str X(T0), [X(ZERO), #8]);
                let l = self.stub(Stub::Fault(14), ipc);
                let ops = &mut self.ops;
                a64!(ops ; b =>l);
            }
        }
    }

    fn selld(&mut self, len: u8, sh: u8) {
        let ops = &mut self.ops;
        a64!(ops ; ldr X(T0), [X(ZERO), X(A), lsl #3]);
        if sh >= 64 {
            a64!(ops ; movz X(A), #0);
            return;
        }
        let sh = sh as u32;
        a64!(ops ; lsr X(T0), X(T0), #sh);
        if len == 0 || len >= 64 {
            a64!(ops ; mov X(A), X(T0));
        } else {
            load_imm(ops, T1, ((1u64 << len) - 1) as i64);
            a64!(ops ; and X(A), X(T0), X(T1));
        }
    }

    fn selst(&mut self, sop: u8, len: u8, sh: u8, ipc: i64) {
        if !matches!(sop, 0 | 7 | 10 | 11 | 14..=17) && sop <= 17 {
            let ops = &mut self.ops;
            load_imm(ops, T0, sop as i64 | (len as i64) << 8 | (sh as i64) << 16);
            self.host_call(Host::Selst, ipc);
            return;
        }
        let ops = &mut self.ops;
        a64!(ops ; ldr X(T0), [X(ZERO), X(A), lsl #3]);
        if sop > 17 {
            a64!(ops ; movz X(A), #0);
            return;
        }
        load_imm(ops, T3, field_mask(len, sh) as i64);
        if sh >= 64 {
            a64!(ops ; movz X(T1), #0);
        } else {
            let s = sh as u32;
            a64!(ops ; lsr X(T1), X(T0), #s);
        }
        a64!(ops ; and X(T1), X(T1), X(T3));
        match sop {
            0 => a64!(ops ; mov X(T2), X(B)),
            7 => a64!(ops ; mul X(T2), X(T1), X(B)),
            10 => a64!(ops ; add X(T2), X(T1), X(B)),
            11 => a64!(ops ; sub X(T2), X(T1), X(B)),
            14 => a64!(ops ; and X(T2), X(T1), X(B)),
            15 => a64!(ops ; orr X(T2), X(T1), X(B)),
            16 => a64!(ops ; eon X(T2), X(T1), X(B)),
            _ => a64!(ops ; eor X(T2), X(T1), X(B)),
        }
        a64!(ops
            ; eor X(T2), X(T2), X(T1)
            ; and X(T2), X(T2), X(T3)
        );
        if sh >= 64 {
            a64!(ops ; movz X(T2), #0);
        } else {
            let s = sh as u32;
            a64!(ops ; lsl X(T2), X(T2), #s);
        }
        a64!(ops
            ; eor X(T0), X(T0), X(T2)
            ; str X(T0), [X(ZERO), X(A), lsl #3]
        );
    }

    fn swb(&mut self, base: i64, default: i64, nodes: &[(u16, i64)]) {
        let n = nodes.len();
        let default = self.label(base + default);
        // A big tree (up to 65535 nodes, over 1 MiB of code) gets the
        // pending stubs first and its veneers every CHUNK nodes, so every
        // conditional branch stays within reach.
        const CHUNK: usize = 2048;
        let big = n > CHUNK;
        if big {
            self.flush_stubs_inline();
        }
        let mut dl = self.near(default);
        let node_labels: Vec<DynamicLabel> = (0..n).map(|_| self.ops.new_dynamic_label()).collect();
        let heap = self.has(Mutation::SwbHeapOrder);
        for (i, &(key, t)) in nodes.iter().enumerate() {
            if big && i > 0 && i % CHUNK == 0 {
                self.flush_stubs_inline();
                dl = self.near(default);
            }
            let at = |m: usize| -> DynamicLabel {
                if (1..=n).contains(&m) {
                    node_labels[m - 1]
                } else {
                    dl
                }
            };
            let m = i + 1;
            let tl = self.label(base + t);
            let tl = self.near(tl);
            // s.7.2: larger keys at 2m, smaller at 2m + 1.
            let (less, greater) = if heap {
                (at(2 * m), at(2 * m + 1))
            } else {
                (at(2 * m + 1), at(2 * m))
            };
            let here = node_labels[i];
            let k = key as u32;
            let ops = &mut self.ops;
            a64!(ops
                ; =>here
                ; movz X(T0), #k
                ; cmp X(A), X(T0)
                ; b.eq =>tl
                ; b.lt =>less
                ; b =>greater
            );
        }
        if n == 0 {
            let ops = &mut self.ops;
            a64!(ops ; b =>dl);
        }
    }

    /// Translate one instruction at byte address `ipc` of the section at
    /// byte address `base`.
    fn instr(&mut self, base: i64, ins: &Instr) {
        let ipc = base + ins.at as i64;
        let next = ipc + ins.len as i64;
        let op = ins.op;
        let ev = self.stub(Stub::Event, ipc);
        {
            let ops = &mut self.ops;
            a64!(ops
                ; cbz X(COUNT), =>ev
                ; sub XSP(COUNT), XSP(COUNT), #1
            );
        }
        let target = self.flow.target(ins).map(|t| base + t);
        match op {
            1 => {
                if let Operand::Fltop { f, e } = ins.operand {
                    self.fltop(f, e, ipc);
                }
            }
            2 => {
                let l = self.stub(Stub::Fault(2), ipc);
                let ops = &mut self.ops;
                a64!(ops ; b =>l);
            }
            3..=11 => {
                let ops = &mut self.ops;
                a64!(ops ; mov X(T0), X(A));
                self.call(Inc::Words(op as i64), true, next, ipc);
            }
            12 | 13 => self.push_imm(target.unwrap_or(0)),
            14 => self.push_imm(-u8v(ins)),
            15 => self.push_imm(-1),
            16..=26 => self.push_imm(op as i64 - 16),
            27 => {
                let skip = if self.has(Mutation::FhopNoSkip) { 1 } else { 2 };
                let l = self.label(ipc + skip);
                let clobber = self.has(Mutation::FhopClobbersB);
                let ops = &mut self.ops;
                if clobber {
                    a64!(ops ; mov X(B), X(A));
                }
                a64!(ops ; movz X(A), #0 ; b =>l);
            }
            32 | 33 => {
                let n = if op == 32 { u8v(ins) } else { u16v(ins) };
                let ops = &mut self.ops;
                a64!(ops ; mov X(T0), X(A));
                self.call(Inc::Words(n), true, next, ipc);
            }
            34 => {
                self.wop(ins);
                let ops = &mut self.ops;
                a64!(ops ; mov X(T0), X(A));
                self.call(Inc::Reg, true, next, ipc);
            }
            35..=43 | 67..=75 | 99..=107 => {
                let (n, gn) = match op {
                    35..=43 => (op as i64 - 32, u8v(ins)),
                    67..=75 => (op as i64 - 64, 256 + u8v(ins)),
                    _ => (op as i64 - 96, u16v(ins)),
                };
                let ops = &mut self.ops;
                ldr_off(ops, T0, G, gn * 8);
                self.call(Inc::Words(n), false, next, ipc);
            }
            44 | 76 | 108 => {
                let gn = global(op, ins);
                let ops = &mut self.ops;
                ldr_off(ops, T1, G, gn * 8);
                self.st_word(A, T1, 0);
            }
            45..=47 | 77..=79 | 109..=111 => {
                let gn = global(op, ins);
                let k = match op {
                    45..=47 => op - 45,
                    77..=79 => op - 77,
                    _ => op - 109,
                } as i64;
                let ops = &mut self.ops;
                ldr_off(ops, T1, G, gn * 8);
                a64!(ops ; mov X(B), X(A));
                self.ld_word(A, T1, k);
            }
            48 | 80 | 112 => {
                let gn = global(op, ins);
                let ops = &mut self.ops;
                a64!(ops ; mov X(B), X(A));
                ldr_off(ops, A, G, gn * 8);
            }
            49 | 81 | 113 => {
                let gn = global(op, ins);
                str_off(&mut self.ops, A, G, gn * 8);
            }
            50 | 82 | 114 => {
                let gn = global(op, ins);
                let ops = &mut self.ops;
                a64!(ops ; mov X(B), X(A) ; asr X(A), X(G), #3);
                add_imm(ops, A, A, gn);
            }
            51 | 83 | 115 => {
                let gn = global(op, ins);
                let ops = &mut self.ops;
                ldr_off(ops, T0, G, gn * 8);
                a64!(ops ; add X(A), X(A), X(T0));
            }
            52 => {
                let ops = &mut self.ops;
                a64!(ops ; mul X(A), X(B), X(A));
            }
            53 | 54 => {
                let l = self.stub(Stub::Fault(5), ipc);
                let ops = &mut self.ops;
                // sdiv gives minint / -1 = minint, and msub a remainder of 0.
                a64!(ops ; cbz X(A), =>l ; sdiv X(T0), X(B), X(A));
                if op == 53 {
                    a64!(ops ; mov X(A), X(T0));
                } else {
                    a64!(ops ; msub X(A), X(T0), X(A), X(B));
                }
            }
            55 => {
                let ops = &mut self.ops;
                a64!(ops ; eor X(A), X(A), X(B));
            }
            56 | 57 => {
                let t = target.unwrap_or(0);
                let ops = &mut self.ops;
                load_imm(ops, T0, t & !7);
                a64!(ops ; str X(A), [X(T0)]);
            }
            58 | 59 => {
                let t = target.unwrap_or(0);
                let ops = &mut self.ops;
                load_imm(ops, T0, t & !7);
                a64!(ops ; mov X(B), X(A) ; ldr X(A), [X(T0)]);
            }
            28..=31 | 60..=63 | 92..=95 | 124..=127 | 156..=159 | 186..=191 => {
                let l = self.label(target.unwrap_or(0));
                self.jcc(op, l);
            }
            64 | 65 => {
                let n = if op == 64 { u8v(ins) } else { u16v(ins) };
                let ops = &mut self.ops;
                a64!(ops ; mov X(B), X(A) ; asr X(A), X(P), #3);
                add_imm(ops, A, A, n);
            }
            66 => {
                self.wop(ins);
                let ops = &mut self.ops;
                a64!(ops
                    ; mov X(B), X(A)
                    ; asr X(A), X(P), #3
                    ; add X(A), X(A), X(T2)
                );
            }
            84 => {
                let ops = &mut self.ops;
                a64!(ops ; add X(A), X(B), X(A));
            }
            85 => {
                let ops = &mut self.ops;
                a64!(ops ; sub X(A), X(B), X(A));
            }
            86 | 87 => shift(&mut self.ops, A, B, A, op == 86, T0, T1),
            88 => {
                let ops = &mut self.ops;
                a64!(ops ; and X(A), X(A), X(B));
            }
            89 => {
                let ops = &mut self.ops;
                a64!(ops ; orr X(A), X(A), X(B));
            }
            90 | 91 => self.push_imm(target.unwrap_or(0) >> 3),
            96 => self.push_imm(u8v(ins)),
            97 => self.push_imm(u16v(ins)),
            98 => {
                self.wop(ins);
                let ops = &mut self.ops;
                a64!(ops ; mov X(B), X(A) ; mov X(A), X(T2));
            }
            116..=122 => self.ld_word(A, A, op as i64 - 116),
            123 => self.rtn(ipc),
            128 | 129 | 131..=144 => {
                let n = match op {
                    128 => u8v(ins),
                    129 => u16v(ins),
                    _ => op as i64 - 128,
                };
                let ops = &mut self.ops;
                a64!(ops ; mov X(B), X(A));
                ldr_off(ops, A, P, n * 8);
            }
            130 => {
                self.wop(ins);
                let ops = &mut self.ops;
                a64!(ops ; mov X(B), X(A) ; ldr X(A), [X(P), X(T2), lsl #3]);
            }
            145 => self.host_call(Host::Sys, ipc),
            146 => {
                if let Operand::Swb { default, nodes } = &ins.operand {
                    let (d, nodes) = (*default, nodes.clone());
                    self.swb(base, d, &nodes);
                }
            }
            147 => {
                if let Operand::Swl { default, cases } = &ins.operand {
                    let h = base + ::cintcode::disasm::switch_table(ins.at) as i64;
                    let n = cases.len() as i64;
                    let dl = self.label(base + *default);
                    let dl = self.near(dl);
                    let ops = &mut self.ops;
                    // 0 <= A < n (signed A: a negative A is a huge unsigned).
                    load_imm(ops, T1, n);
                    a64!(ops ; cmp X(A), X(T1) ; b.hs =>dl);
                    load_imm(ops, T0, h + 4);
                    a64!(ops
                        ; add X(T0), X(T0), X(A), lsl #1
                        ; ldrsh X(T1), [X(T0)]
                        ; add X(T0), X(T0), X(T1)
                    );
                    let checked = self.c.checked;
                    self.bl_site(checked, ipc);
                }
            }
            148..=151 => self.st_word(B, A, op as i64 - 148),
            152..=154 => {
                let ops = &mut self.ops;
                ldr_off(ops, T1, P, (op as i64 - 149) * 8);
                a64!(ops
                    ; add X(T1), X(T1), X(A)
                    ; str X(B), [X(ZERO), X(T1), lsl #3]
                );
            }
            155 => {
                let ops = &mut self.ops;
                a64!(ops ; mov X(T0), X(A));
                let goto = self.c.goto;
                self.bl_site(goto, ipc);
            }
            160 | 161 | 163..=176 => {
                let n = match op {
                    160 => u8v(ins),
                    161 => u16v(ins),
                    _ => op as i64 - 160,
                };
                str_off(&mut self.ops, A, P, n * 8);
            }
            162 => {
                self.wop(ins);
                let ops = &mut self.ops;
                a64!(ops ; str X(A), [X(P), X(T2), lsl #3]);
            }
            177..=180 => {
                let k = op as u32 - 176;
                let ops = &mut self.ops;
                a64!(ops ; sub XSP(A), XSP(A), #k);
            }
            181 => {
                let ops = &mut self.ops;
                a64!(ops ; mov X(T0), X(A) ; mov X(A), X(B) ; mov X(B), X(T0));
            }
            182 => {
                let ops = &mut self.ops;
                a64!(ops ; add X(T0), X(A), X(B), lsl #3 ; ldrb W(A), [X(T0)]);
            }
            183 => {
                let ops = &mut self.ops;
                a64!(ops ; add X(T0), X(A), X(B), lsl #3 ; strb W(C), [X(T0)]);
            }
            184 => {
                let ops = &mut self.ops;
                a64!(ops ; mov X(C), X(A));
            }
            185 => {
                let ops = &mut self.ops;
                a64!(ops ; mov X(B), X(A));
            }
            192 | 193 | 195..=204 => {
                let n = match op {
                    192 => u8v(ins),
                    193 => u16v(ins),
                    _ => op as i64 - 192,
                };
                let ops = &mut self.ops;
                ldr_off(ops, T0, P, n * 8);
                a64!(ops ; add X(A), X(A), X(T0));
            }
            194 => {
                self.wop(ins);
                let ops = &mut self.ops;
                a64!(ops
                    ; ldr X(T0), [X(P), X(T2), lsl #3]
                    ; add X(A), X(A), X(T0)
                );
            }
            205 => {
                let ops = &mut self.ops;
                a64!(ops ; add X(T0), X(B), X(A), lsl #3 ; strb W(C), [X(T0)]);
            }
            206 => self.push_imm(-u16v(ins)),
            207 => {
                let ops = &mut self.ops;
                a64!(ops ; mov X(C), X(B));
            }
            208 => {}
            209..=213 => {
                let k = op as u32 - 208;
                let ops = &mut self.ops;
                a64!(ops ; add XSP(A), XSP(A), #k);
            }
            214..=218 => {
                let ops = &mut self.ops;
                ldr_off(ops, T1, P, (op as i64 - 211) * 8);
                a64!(ops
                    ; add X(T1), X(T1), X(A)
                    ; ldr X(A), [X(ZERO), X(T1), lsl #3]
                );
            }
            219..=222 => {
                let (k, plus) = if op <= 220 {
                    (op as i64 - 216, 0)
                } else {
                    (op as i64 - 218, 1)
                };
                ldr_off(&mut self.ops, T1, P, k * 8);
                self.st_word(A, T1, plus);
            }
            223 => {
                let v = (i32v(ins) as i64) << 32;
                load_imm(&mut self.ops, MW, v);
            }
            224 | 225 => {
                let n = if op == 224 { u8v(ins) } else { u16v(ins) };
                add_imm(&mut self.ops, A, A, n);
            }
            226 => {
                self.wop(ins);
                let ops = &mut self.ops;
                a64!(ops ; add X(A), X(A), X(T2));
            }
            227..=236 => {
                let ops = &mut self.ops;
                ldr_off(ops, T1, P, (op as i64 - 224) * 8);
                a64!(ops ; mov X(B), X(A));
                self.ld_word(A, T1, 0);
            }
            237 | 238 => {
                let n = if op == 237 { u8v(ins) } else { u16v(ins) };
                add_imm(&mut self.ops, A, A, -n);
            }
            239 => {
                // MDIV (s.9.2): muldiv(P!3, P!4, P!5), result2, then RTN.
                let ops = &mut self.ops;
                a64!(ops
                    ; ldr X(T0), [X(P), #24]
                    ; ldr X(T1), [X(P), #32]
                    ; ldr X(T2), [X(P), #40]
                );
                self.host_call(Host::Muldiv, ipc);
                str_off(&mut self.ops, T0, G, RESULT2 * 8);
                self.rtn(ipc);
            }
            240 => self.chgco(ipc),
            241 => {
                let ops = &mut self.ops;
                a64!(ops ; neg X(A), X(A));
            }
            242 => {
                let ops = &mut self.ops;
                a64!(ops ; mvn X(A), X(A));
            }
            243..=253 => {
                let (k, plus) = match op {
                    243..=246 => (op as i64 - 240, 1),
                    247..=249 => (op as i64 - 244, 2),
                    250 | 251 => (op as i64 - 247, 3),
                    _ => (op as i64 - 249, 4),
                };
                let ops = &mut self.ops;
                ldr_off(ops, T1, P, k * 8);
                a64!(ops ; mov X(B), X(A));
                self.ld_word(A, T1, plus);
            }
            254 => {
                if let Operand::Selld { len, sh } = ins.operand {
                    self.selld(len, sh);
                }
            }
            255 => {
                if let Operand::Selst { op: sop, len, sh } = ins.operand {
                    self.selst(sop, len, sh, ipc);
                }
            }
            _ => {
                // Opcode 0 never decodes; anything else is covered above.
                let l = self.stub(Stub::Fault(1), ipc);
                let ops = &mut self.ops;
                a64!(ops ; b =>l);
            }
        }
    }

    /// CHGCO (s.9.1), the body of changeco(val, cptr).
    fn chgco(&mut self, ipc: i64) {
        let currco = (CURRCO * 8) as u32;
        let badpc = self.stub(Stub::BadPc, ipc);
        let f16 = self.stub(Stub::Fault(16), ipc);
        let dispatch = self.c.dispatch;
        let ops = &mut self.ops;
        a64!(ops
            ; ldr X(T2), [X(P), #32]
            ; ldr X(T0), [X(P), #8]
            ; ldr X(T3), [X(G), #currco]
            ; ldr X(T4), [X(P)]
            ; str X(T4), [X(ZERO), X(T3), lsl #3]
            ; str X(T2), [X(G), #currco]
            ; ldr X(T4), [X(ZERO), X(T2), lsl #3]
            ; and XSP(P), X(T4), #0xFFFF_FFFF_FFFF_FFF8
            ; ldr X(T5), [X(ST), #COUNT_ON_SLOT]
            // (`b`: the dispatch routine may be out of `cbz`'s reach.)
            ; cbnz X(T5), >checks
            ; b =>dispatch
            ; checks:
            // The slow interpreter's checks: the PC, then P against the
            // coroutine's stack limit.
            ; cmp X(T0), X(PC_LIMIT)
            ; b.hi =>badpc
            ; add XSP(T3), XSP(T2), #4
            ; ldr X(T3), [X(ZERO), X(T3), lsl #3]
            ; add X(T3), X(T3), X(T2)
            ; sub XSP(T3), XSP(T3), #16
            ; asr X(T4), X(P), #3
            ; cmp X(T4), X(T3)
            ; b.gt =>f16
            ; b =>dispatch
        );
    }
}

/// The global number of a G, G1 or GH form.
fn global(op: u8, ins: &Instr) -> i64 {
    match op {
        44..=51 => u8v(ins),
        76..=83 => 256 + u8v(ins),
        _ => u16v(ins),
    }
}

/// Native code for groups of instructions (section index, byte address of
/// the base their offsets are relative to, the instructions in address
/// order): the code, the instructions with their native offsets, and the
/// host-call sites.
type Emission = (Vec<u8>, Vec<Emitted>, HashMap<u32, i64>);

/// Emit `groups`; code too big for the reach of conditional branches
/// (+-1 MiB: a huge section, or a fragment of random bytes with big switch
/// tables) is emitted again with veneers.
fn emit(
    groups: &[(usize, i64, Vec<Instr>)],
    mutations: &HashSet<Mutation>,
) -> Result<Emission, String> {
    emit_with(groups, mutations, false).or_else(|_| emit_with(groups, mutations, true))
}

fn emit_with(
    groups: &[(usize, i64, Vec<Instr>)],
    mutations: &HashSet<Mutation>,
    far: bool,
) -> Result<Emission, String> {
    let mut ops = Ops::new(0);
    let c = Common {
        event: ops.new_dynamic_label(),
        fault: ops.new_dynamic_label(),
        badpc: ops.new_dynamic_label(),
        miss: ops.new_dynamic_label(),
        checked: ops.new_dynamic_label(),
        dispatch: ops.new_dynamic_label(),
        goto: ops.new_dynamic_label(),
    };
    let mut labels = HashMap::new();
    for (_, base, instrs) in groups {
        for ins in instrs {
            labels.insert(base + ins.at as i64, ops.new_dynamic_label());
        }
    }
    let mut tr = Tr {
        ops,
        flow: Flow { muts: mutations },
        muts: mutations,
        labels,
        elsewhere: BTreeMap::new(),
        stubs: Vec::new(),
        sites: HashMap::new(),
        c,
        far,
    };
    tr.common();
    let mut emitted = Vec::new();
    for (k, base, list) in groups {
        for (i, ins) in list.iter().enumerate() {
            let addr = base + ins.at as i64;
            let l = tr.labels[&addr];
            let native = tr.off();
            {
                let ops = &mut tr.ops;
                a64!(ops ; =>l);
            }
            tr.instr(*base, ins);
            if tr.flow.falls_through(ins) {
                let next = tr.flow.next(ins).map(|n| base + n as i64);
                let following = list.get(i + 1).map(|n| base + n.at as i64);
                if next != following {
                    if let Some(n) = next {
                        let l = tr.label(n);
                        let ops = &mut tr.ops;
                        a64!(ops ; b =>l);
                    }
                    tr.flush_stubs();
                }
            } else {
                tr.flush_stubs();
            }
            emitted.push(Emitted {
                native,
                addr,
                section: *k,
                instr: ins.clone(),
            });
        }
    }
    tr.flush_stubs();
    // Targets with no instruction here go through the dispatch routine
    // (which translates them at run time if need be).
    for (addr, l) in std::mem::take(&mut tr.elsewhere) {
        let dispatch = tr.c.dispatch;
        let ops = &mut tr.ops;
        a64!(ops ; =>l);
        load_imm(ops, T0, addr);
        a64!(ops ; b =>dispatch);
    }
    let sites = std::mem::take(&mut tr.sites);
    let code = tr
        .ops
        .finalize()
        .map_err(|e| format!("cintcode translation: {e:?}"))?;
    Ok((code, emitted, sites))
}

/// Translate the linked program laid out by `layout`.
pub fn translate(
    linked: &CinLinked,
    layout: &CinLayout,
    mutations: &HashSet<Mutation>,
) -> Result<Translated, String> {
    let flow = Flow { muts: mutations };
    let groups: Vec<(usize, i64, Vec<Instr>)> = linked
        .sections
        .iter()
        .zip(&layout.bases)
        .enumerate()
        .map(|(k, (s, &b))| (k, b * 8, discover(s, &flow).into_values().collect()))
        .collect();
    let (code, emitted, sites) = emit(&groups, mutations)?;
    let (table_lo, table) = super::map::build_table(linked, layout, &emitted);
    Ok(Translated {
        code,
        instrs: emitted,
        table_lo,
        table,
        sites,
    })
}

/// The mask of a SELST field (s.8.3), before its shift: `len` ones, or for
/// `len` 0 all the bits from `sh` up. The backend's own (the reference has
/// its own: the two are compared, not shared).
pub(crate) fn field_mask(len: u8, sh: u8) -> u64 {
    match (len, sh) {
        (0, 64..) => 0,
        (0, _) => u64::MAX >> sh,
        (64.., _) => u64::MAX,
        _ => (1u64 << len) - 1,
    }
}

/// Section index of the instructions of a run-time fragment.
pub const FRAGMENT: usize = usize::MAX;

/// Translate, at run time, the code reachable from byte address `start` of
/// memory (`bytes` is all of BCPL memory as bytes), stopping at addresses
/// `known` already has code for and after `limit` instructions. Offsets
/// of the result are relative to the fragment's start. `None` when
/// nothing decodes at `start`.
pub fn translate_fragment(
    bytes: &[u8],
    start: i64,
    known: &dyn Fn(i64) -> bool,
    limit: usize,
    mutations: &HashSet<Mutation>,
) -> Result<Option<Emission>, String> {
    let flow = Flow { muts: mutations };
    let mut found = BTreeMap::new();
    let mut work = vec![start];
    while let Some(t) = work.pop() {
        if found.len() >= limit
            || !(0..bytes.len() as i64).contains(&t)
            || t > u32::MAX as i64
            || found.contains_key(&t)
            || (t != start && known(t))
        {
            continue;
        }
        let Ok(ins) = decode(bytes, t as u32) else {
            continue;
        };
        work.extend(flow.targets(&ins));
        if let Some(n) = flow.next(&ins) {
            work.push(n as i64);
        }
        found.insert(t, ins);
    }
    if !found.contains_key(&start) {
        return Ok(None);
    }
    let groups = [(FRAGMENT, 0, found.into_values().collect())];
    emit(&groups, mutations).map(Some)
}
