//! The reference Cintcode interpreter: the executable semantics of 64-bit
//! Cintcode (cintcode64.md), every opcode 0..255, run on the same BCPL
//! memory, loader and run-time library as the Sial engines.
//!
//! Code lives in BCPL memory (code addresses are byte addresses of memory
//! words, s.1.1) and every instruction is fetched from memory when it runs
//! (its opcode and operands in one 8-byte read, or byte by byte in memory's
//! last 7 bytes), so programs may read and write their own code sections.
//! Each arm of [`run_until_event`] cites the section that defines it.
//! Count (s.10.3) is the machine's register (set by
//! `sys(Sys_setcount, n)`); the harness's step budget is separate and ends
//! a runaway run as `StepLimit`. Nothing here panics on a bad program: a
//! fetch outside memory, a wild access or a bad PC at a checked fetch ends
//! the run with a classified [`Ending`].

use std::io::Write;

use cintcode::opcode;
use cintcode::Object;

use runtime::cin_load::{self, CinLinked};
use runtime::cin_sys::{cintcode_sys, SysEffect};
use runtime::library::GLOBWORD;
use runtime::load::RunConfig;
use runtime::memory::{Memory, RESULT2};
use runtime::outcome::{Ending, Outcome};
use runtime::{float, sys, Runtime, Stop};

use crate::interp::{fl, lsh, rsh, selst_op};

/// The registers of the Cintcode machine (s.1.2). P and G are word
/// addresses; PC is a byte address; `ipc` is the address of the current
/// instruction's opcode (for fault locations).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Registers {
    pub a: i64,
    pub b: i64,
    pub c: i64,
    pub p: i64,
    pub pc: i64,
    pub count: i64,
    pub mw: i64,
    pub ipc: i64,
}

/// Why the instruction loop handed control back.
enum Event {
    /// The SYS instruction, with PC after it.
    Sys,
    /// Something ended the run.
    Stop(Stop),
}

#[inline]
fn truth(b: bool) -> i64 {
    -(b as i64)
}

#[inline]
fn f(x: i64) -> f64 {
    f64::from_bits(x as u64)
}

/// The mask of a SELLD field of `len` bits (s.8.3): len 0 means all ones;
/// the intended 2^len - 1 for every len (the C reference's 32-bit shift is
/// a documented defect, not the semantics).
#[inline]
fn selld_mask(len: u8) -> u64 {
    if len == 0 || len >= 64 {
        u64::MAX
    } else {
        (1u64 << len) - 1
    }
}

/// The mask of a SELST field (s.8.3): len 0 means all ones shifted right
/// by sh.
#[inline]
fn selst_mask(len: u8, sh: u8) -> u64 {
    if len == 0 {
        if sh >= 64 {
            0
        } else {
            u64::MAX >> sh
        }
    } else {
        selld_mask(len)
    }
}

/// Fault 4 at a checked fetch (s.1.3, s.10.1): an unassigned global's
/// `globword + n` is reported as `Gn unassigned`.
fn bad_pc(pc: i64, gsize: i64) -> Stop {
    let n = pc.wrapping_sub(GLOBWORD);
    if (0..gsize).contains(&n) {
        Stop::Abort {
            code: 4,
            message: format!("G{n} unassigned"),
        }
    } else {
        Stop::abort(4)
    }
}

// The fetch reads an instruction's bytes from the words' host
// representation, which is BCPL's byte order (s.1.1) on little-endian hosts
// only.
const _: () = assert!(cfg!(target_endian = "little"));

/// The fetch at a PC in memory's last 7 bytes (or outside memory).
enum Tail {
    /// The instruction's bytes, zero beyond memory's end, which its
    /// operands do not reach.
    Fits(u64),
    /// The PC is outside memory.
    Outside,
    /// The opcode is in memory and some operand byte is past its end.
    OperandsOutside,
}

#[cold]
fn tail_window(m: &[i64], pc: i64) -> Tail {
    let end = m.len() as u64 * 8;
    if pc as u64 >= end {
        return Tail::Outside;
    }
    let mut w = 0u64;
    for (k, ad) in (pc as u64..end).enumerate() {
        let byte = (m[(ad >> 3) as usize] as u64 >> ((ad & 7) * 8)) & 0xFF;
        w |= byte << (8 * k);
    }
    if pc as u64 + opcode::head_length(w as u8, (w >> 8) as u8) > end {
        Tail::OperandsOutside
    } else {
        Tail::Fits(w)
    }
}

/// Run from `regs` until SYS or the end of the run. `fuel` is the harness's
/// step budget, decremented per instruction. `SLOW` is `regs.count >= 0`
/// (the slow interpreter of s.1.3, which counts and checks more), fixed
/// until the next SYS since only Sys_setcount changes Count's sign: two
/// copies of the loop, so the usual fast one carries no Count at all.
// The operand macros consume `ops` in every arm, used or not. The opcode
// families are or-patterns, not ranges: rustc lowers the constants of a
// match to one jump table but tests range patterns one after another, and
// with ranges 139 of the 256 opcodes went through a chain of comparisons
// after the table (callgrind on nqueens: 2226M host instructions, against
// 1328M with or-patterns).
#[inline(never)]
#[allow(unused_assignments, clippy::manual_range_patterns)]
fn run_until_event<const SLOW: bool>(
    m: &mut [i64],
    g: i64,
    gsize: i64,
    regs: &mut Registers,
    fuel: &mut u64,
) -> Event {
    let Registers {
        mut a,
        mut b,
        mut c,
        mut p,
        mut pc,
        mut count,
        mut mw,
        mut ipc,
    } = *regs;
    let mut left = *fuel;
    // Byte addresses up to 8 * memupb pass the checked fetch (s.1.3).
    let pc_limit = (m.len() as u64).saturating_sub(1).saturating_mul(8);
    // An instruction at a PC below this has its whole window in memory.
    let fast_end = (m.len() as u64).saturating_mul(8).saturating_sub(7);
    let event;
    'run: loop {
        // The bytes after the opcode (set at the fetch below, consumed by
        // the operand macros).
        let mut ops: u64;
        macro_rules! fault {
            ($stop:expr) => {{
                event = Event::Stop($stop);
                break 'run;
            }};
        }
        macro_rules! rd {
            ($addr:expr) => {{
                let ad: i64 = $addr;
                match m.get(ad as u64 as usize) {
                    Some(v) => *v,
                    None => fault!(Stop::BadAddress { addr: ad }),
                }
            }};
        }
        macro_rules! wr {
            ($addr:expr, $v:expr) => {{
                let ad: i64 = $addr;
                let v: i64 = $v;
                match m.get_mut(ad as u64 as usize) {
                    Some(x) => *x = v,
                    None => fault!(Stop::BadAddress { addr: ad }),
                }
            }};
        }
        // The byte at byte address `ad` (s.1.1: byte y is byte y mod 8 of
        // word y div 8, little-endian).
        macro_rules! byte {
            ($addr:expr) => {{
                let ad: i64 = $addr;
                let word = (ad as u64 >> 3) as usize;
                match m.get(word) {
                    Some(v) => (*v as u64 >> ((ad & 7) * 8)) as u8,
                    None => fault!(Stop::BadAddress { addr: ad >> 3 }),
                }
            }};
        }
        macro_rules! set_byte {
            ($addr:expr, $v:expr) => {{
                let ad: i64 = $addr;
                let word = (ad as u64 >> 3) as usize;
                let sh = (ad & 7) * 8;
                match m.get_mut(word) {
                    Some(x) => *x = (*x & !(0xFF << sh)) | ((($v as i64) & 0xFF) << sh),
                    None => fault!(Stop::BadAddress { addr: ad >> 3 }),
                }
            }};
        }
        // Operands at PC (s.2.1): unsigned byte, little-endian halfword
        // (unaligned), signed 32-bit word, taken from the instruction's
        // window (`ops`, the bytes after the opcode).
        macro_rules! u8op {
            () => {{
                let v = ops as u8;
                ops >>= 8;
                pc = pc.wrapping_add(1);
                v as i64
            }};
        }
        macro_rules! u16at {
            ($addr:expr) => {{
                let ad: i64 = $addr;
                byte!(ad) as i64 | (byte!(ad.wrapping_add(1)) as i64) << 8
            }};
        }
        macro_rules! u16op {
            () => {{
                let v = ops as u16;
                ops >>= 16;
                pc = pc.wrapping_add(2);
                v as i64
            }};
        }
        macro_rules! i32op {
            () => {{
                let v = ops as u32 as i32 as i64;
                ops >>= 32;
                pc = pc.wrapping_add(4);
                v
            }};
        }
        // A W-form operand: MW + sext(i32), then MW := 0 (s.2.3).
        macro_rules! wop {
            () => {{
                let v = mw.wrapping_add(i32op!());
                mw = 0;
                v
            }};
        }
        // Relative targets (s.2.2): direct T = o + s8; indirect through the
        // halfword at 2 * (o/2 + u8), relative to its own address.
        macro_rules! direct {
            () => {{
                let o = pc;
                let d = u8op!() as u8 as i8 as i64;
                o.wrapping_add(d)
            }};
        }
        macro_rules! indirect {
            () => {{
                let o = pc;
                let h = (o >> 1).wrapping_add(u8op!()).wrapping_mul(2);
                h.wrapping_add(u16at!(h) as i16 as i64)
            }};
        }
        macro_rules! push {
            ($v:expr) => {{
                let v: i64 = $v;
                b = a;
                a = v;
            }};
        }
        // The checked fetch of calls, RTN, SWB and SWL (s.1.3).
        macro_rules! checked {
            () => {{
                if pc as u64 > pc_limit {
                    fault!(bad_pc(pc, gsize));
                }
                continue 'run;
            }};
        }
        // A call with frame increment n of `entry` with first argument
        // `arg` (s.4.2); PC is after the instruction.
        macro_rules! call {
            ($n:expr, $entry:expr, $arg:expr) => {{
                let (n, entry, arg): (i64, i64, i64) = ($n, $entry, $arg);
                let np = p.wrapping_add(n);
                let at = np as u64 as usize;
                // The four words with one bounds check; word by word when
                // it fails, so a fault names the first word outside.
                if let Some(f) = at.checked_add(4).and_then(|end| m.get_mut(at..end)) {
                    f.copy_from_slice(&[p.wrapping_mul(8), pc, entry, arg]);
                    p = np;
                    pc = entry;
                    a = arg;
                } else {
                    wr!(np, p.wrapping_mul(8));
                    p = np;
                    wr!(p.wrapping_add(1), pc);
                    pc = entry;
                    wr!(p.wrapping_add(2), pc);
                    a = arg;
                    wr!(p.wrapping_add(3), a);
                }
                checked!();
            }};
        }
        macro_rules! ret {
            () => {{
                let at = p as u64 as usize;
                if let Some(f) = at.checked_add(2).and_then(|end| m.get(at..end)) {
                    pc = f[1];
                    p = f[0] >> 3;
                } else {
                    pc = rd!(p.wrapping_add(1));
                    p = rd!(p) >> 3;
                }
                checked!();
            }};
        }
        macro_rules! jump_if {
            ($cond:expr, $target:expr) => {{
                let t: i64 = $target;
                if $cond {
                    pc = t;
                }
                continue 'run;
            }};
        }
        macro_rules! fbin {
            ($op:tt) => {
                a = fl(f(b) $op f(a), f(b), f(a))
            };
        }

        // s.1.3 fetch cycle: Count (slow interpreter, Count >= 0), then the
        // harness's budget, then the opcode.
        if SLOW {
            if count == 0 {
                ipc = pc;
                fault!(Stop::abort(3));
            }
            count -= 1;
        }
        if left == 0 {
            ipc = pc;
            fault!(Stop::StepLimit);
        }
        left -= 1;
        // The instruction's window: its opcode and the 7 bytes after it.
        let window = if (pc as u64) < fast_end {
            // SAFETY: pc + 8 <= 8 * m.len(), so the 8 bytes read lie inside
            // m's buffer; any bytes form a valid u64, and the read is
            // unaligned. The pointer is taken afresh from `m` here, after
            // every earlier write through `m`.
            u64::from_le(unsafe {
                m.as_ptr()
                    .cast::<u8>()
                    .add(pc as usize)
                    .cast::<u64>()
                    .read_unaligned()
            })
        } else {
            match tail_window(m, pc) {
                Tail::Fits(w) => w,
                // A PC outside memory: the jump that went there is the
                // location.
                Tail::Outside => fault!(Stop::BadJump { target: pc }),
                Tail::OperandsOutside => {
                    ipc = pc;
                    fault!(Stop::BadAddress {
                        addr: m.len() as i64
                    })
                }
            }
        };
        let op = window as u8;
        ops = window >> 8;
        ipc = pc;
        pc = pc.wrapping_add(1);
        match op {
            // s.3.1: opcode 0 is illegal (fault 1, PC at the byte); BRK fault 2.
            0 => {
                pc = ipc;
                fault!(Stop::abort(1));
            }
            1 => {
                // s.6.2 FLTOP f
                let fop = u8op!();
                match fop {
                    0 => a = -1,
                    1 => {
                        let e = u8op!() as u8 as i8 as i64;
                        a = float::fl_mk(a, e).to_bits() as i64;
                    }
                    3 => a = (a as f64).to_bits() as i64,
                    4 => a = float::fix(f(a)),
                    5 => a = float::fabs(f(a)).to_bits() as i64,
                    6 => fbin!(*),
                    7 => fbin!(/),
                    8 => a = fl(float::fmod32(f(b), f(a)), f(b), f(a)),
                    9 => fbin!(+),
                    10 => fbin!(-),
                    11 => {}
                    12 => a ^= i64::MIN,
                    13 => a = truth(f(b) == f(a)),
                    14 => a = truth(f(b) != f(a)),
                    15 => a = truth(f(b) < f(a)),
                    16 => a = truth(f(b) > f(a)),
                    17 => a = truth(f(b) <= f(a)),
                    18 => a = truth(f(b) >= f(a)),
                    _ => {
                        // Fault 14 with M[1] := f, PC after the f byte; the
                        // message is runtime.md s.6.2's.
                        wr!(1, fop);
                        fault!(Stop::Abort {
                            code: 14,
                            message: format!("Unknown FLT op {fop}"),
                        });
                    }
                }
            }
            2 => {
                pc = ipc;
                fault!(Stop::abort(2));
            }
            // s.4.2 K3..K11: callee in A, first argument in B.
            3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 => call!(op as i64, a, b),
            12 => push!(direct!()),
            13 => push!(indirect!()),
            14 => push!(-u8op!()),
            15 => push!(-1),
            16 | 17 | 18 | 19 | 20 | 21 | 22 | 23 | 24 | 25 | 26 => push!(op as i64 - 16),
            27 => {
                // s.5 FHOP: A := 0, B unchanged, skip the next byte.
                a = 0;
                pc = pc.wrapping_add(1);
            }
            28 => jump_if!(b == a, direct!()),
            29 => jump_if!(b == a, indirect!()),
            30 => jump_if!(a == 0, direct!()),
            31 => jump_if!(a == 0, indirect!()),
            32 => {
                let n = u8op!();
                call!(n, a, b)
            }
            33 => {
                let n = u16op!();
                call!(n, a, b)
            }
            34 => {
                let n = wop!();
                call!(n, a, b)
            }
            // s.4.2 KnG: callee G!u8, first argument in A.
            35 | 36 | 37 | 38 | 39 | 40 | 41 | 42 | 43 => {
                let gn = u8op!();
                let entry = rd!(g.wrapping_add(gn));
                call!(op as i64 - 32, entry, a)
            }
            44 => {
                let gn = u8op!();
                let addr = rd!(g.wrapping_add(gn));
                wr!(addr, a);
            }
            45 | 46 | 47 => {
                let gn = u8op!();
                let base = rd!(g.wrapping_add(gn));
                push!(rd!(base.wrapping_add(op as i64 - 45)));
            }
            48 => {
                let gn = u8op!();
                push!(rd!(g.wrapping_add(gn)));
            }
            49 => {
                let gn = u8op!();
                wr!(g.wrapping_add(gn), a);
            }
            50 => {
                let gn = u8op!();
                push!(g.wrapping_add(gn));
            }
            51 => {
                let gn = u8op!();
                a = a.wrapping_add(rd!(g.wrapping_add(gn)));
            }
            // s.3.9 arithmetic: B op A.
            52 => a = b.wrapping_mul(a),
            53 | 54 => {
                if a == 0 {
                    fault!(Stop::division_by_zero());
                }
                // minint / -1: quotient minint, remainder 0 (s.3.9).
                a = if op == 53 {
                    b.wrapping_div(a)
                } else {
                    b.wrapping_rem(a)
                };
            }
            55 => a ^= b,
            56 => {
                let t = direct!();
                wr!(t >> 3, a);
            }
            57 => {
                let t = indirect!();
                wr!(t >> 3, a);
            }
            58 => {
                let t = direct!();
                push!(rd!(t >> 3));
            }
            59 => {
                let t = indirect!();
                push!(rd!(t >> 3));
            }
            60 => jump_if!(b != a, direct!()),
            61 => jump_if!(b != a, indirect!()),
            62 => jump_if!(a != 0, direct!()),
            63 => jump_if!(a != 0, indirect!()),
            64 => {
                let n = u8op!();
                push!(p.wrapping_add(n));
            }
            65 => {
                let n = u16op!();
                push!(p.wrapping_add(n));
            }
            66 => {
                let n = wop!();
                push!(p.wrapping_add(n));
            }
            // s.3.3 the G1 forms: globals 256 + u8.
            67 | 68 | 69 | 70 | 71 | 72 | 73 | 74 | 75 => {
                let gn = 256 + u8op!();
                let entry = rd!(g.wrapping_add(gn));
                call!(op as i64 - 64, entry, a)
            }
            76 => {
                let gn = 256 + u8op!();
                let addr = rd!(g.wrapping_add(gn));
                wr!(addr, a);
            }
            77 | 78 | 79 => {
                let gn = 256 + u8op!();
                let base = rd!(g.wrapping_add(gn));
                push!(rd!(base.wrapping_add(op as i64 - 77)));
            }
            80 => {
                let gn = 256 + u8op!();
                push!(rd!(g.wrapping_add(gn)));
            }
            81 => {
                let gn = 256 + u8op!();
                wr!(g.wrapping_add(gn), a);
            }
            82 => {
                let gn = 256 + u8op!();
                push!(g.wrapping_add(gn));
            }
            83 => {
                let gn = 256 + u8op!();
                a = a.wrapping_add(rd!(g.wrapping_add(gn)));
            }
            84 => a = b.wrapping_add(a),
            85 => a = b.wrapping_sub(a),
            86 => a = lsh(b, a),
            87 => a = rsh(b, a),
            88 => a &= b,
            89 => a |= b,
            90 => push!(direct!() >> 3),
            91 => push!(indirect!() >> 3),
            92 => jump_if!(b < a, direct!()),
            93 => jump_if!(b < a, indirect!()),
            94 => jump_if!(a < 0, direct!()),
            95 => jump_if!(a < 0, indirect!()),
            96 => push!(u8op!()),
            97 => push!(u16op!()),
            98 => push!(wop!()),
            // s.3.4 the GH forms: 16-bit global numbers.
            99 | 100 | 101 | 102 | 103 | 104 | 105 | 106 | 107 => {
                let gn = u16op!();
                let entry = rd!(g.wrapping_add(gn));
                call!(op as i64 - 96, entry, a)
            }
            108 => {
                let gn = u16op!();
                let addr = rd!(g.wrapping_add(gn));
                wr!(addr, a);
            }
            109 | 110 | 111 => {
                let gn = u16op!();
                let base = rd!(g.wrapping_add(gn));
                push!(rd!(base.wrapping_add(op as i64 - 109)));
            }
            112 => {
                let gn = u16op!();
                push!(rd!(g.wrapping_add(gn)));
            }
            113 => {
                let gn = u16op!();
                wr!(g.wrapping_add(gn), a);
            }
            114 => {
                let gn = u16op!();
                push!(g.wrapping_add(gn));
            }
            115 => {
                let gn = u16op!();
                a = a.wrapping_add(rd!(g.wrapping_add(gn)));
            }
            116 | 117 | 118 | 119 | 120 | 121 | 122 => a = rd!(a.wrapping_add(op as i64 - 116)),
            123 => ret!(),
            124 => jump_if!(b > a, direct!()),
            125 => jump_if!(b > a, indirect!()),
            126 => jump_if!(a > 0, direct!()),
            127 => jump_if!(a > 0, indirect!()),
            128 => {
                let n = u8op!();
                push!(rd!(p.wrapping_add(n)));
            }
            129 => {
                let n = u16op!();
                push!(rd!(p.wrapping_add(n)));
            }
            130 => {
                let n = wop!();
                push!(rd!(p.wrapping_add(n)));
            }
            131 | 132 | 133 | 134 | 135 | 136 | 137 | 138 | 139 | 140 | 141 | 142 | 143 | 144 => {
                push!(rd!(p.wrapping_add(op as i64 - 128)))
            }
            145 => {
                event = Event::Sys;
                break 'run;
            }
            146 => {
                // s.7.2 SWB: binary tree, node m at H+4m (key u16, label s16).
                let h = (pc + 1) & !1;
                let n = u16at!(h);
                let mut target = h + 2 + u16at!(h + 2) as i16 as i64;
                let mut k = 1;
                while k <= n {
                    let node = h + 4 * k;
                    let key = u16at!(node);
                    if a == key {
                        target = node + 2 + u16at!(node + 2) as i16 as i64;
                        break;
                    }
                    k = if a < key { 2 * k + 1 } else { 2 * k };
                }
                pc = target;
                checked!();
            }
            147 => {
                // s.7.1 SWL: n, default, then n entries.
                let h = (pc + 1) & !1;
                let n = u16at!(h);
                let entry = if (0..n).contains(&a) {
                    h + 4 + 2 * a
                } else {
                    h + 2
                };
                pc = entry + u16at!(entry) as i16 as i64;
                checked!();
            }
            148 | 149 | 150 | 151 => wr!(a.wrapping_add(op as i64 - 148), b),
            152 | 153 | 154 => {
                let k = rd!(p.wrapping_add(op as i64 - 149));
                wr!(a.wrapping_add(k), b);
            }
            155 => {
                // s.3.5 GOTO; the slow interpreter (Count >= 0) checks the PC.
                pc = a;
                if SLOW {
                    checked!();
                }
            }
            156 => jump_if!(b <= a, direct!()),
            157 => jump_if!(b <= a, indirect!()),
            158 => jump_if!(a <= 0, direct!()),
            159 => jump_if!(a <= 0, indirect!()),
            160 => {
                let n = u8op!();
                wr!(p.wrapping_add(n), a);
            }
            161 => {
                let n = u16op!();
                wr!(p.wrapping_add(n), a);
            }
            162 => {
                let n = wop!();
                wr!(p.wrapping_add(n), a);
            }
            163 | 164 | 165 | 166 | 167 | 168 | 169 | 170 | 171 | 172 | 173 | 174 | 175 | 176 => {
                wr!(p.wrapping_add(op as i64 - 160), a)
            }
            177 | 178 | 179 | 180 => a = a.wrapping_sub(op as i64 - 176),
            181 => std::mem::swap(&mut a, &mut b),
            182 => {
                // s.8.2 GBYT: A := Mb[8B + A], unsigned.
                a = byte!(b.wrapping_mul(8).wrapping_add(a)) as i64;
            }
            183 => set_byte!(b.wrapping_mul(8).wrapping_add(a), c),
            184 => c = a,
            185 => b = a,
            186 => jump_if!(true, direct!()),
            187 => jump_if!(true, indirect!()),
            188 => jump_if!(b >= a, direct!()),
            189 => jump_if!(b >= a, indirect!()),
            190 => jump_if!(a >= 0, direct!()),
            191 => jump_if!(a >= 0, indirect!()),
            192 => {
                let n = u8op!();
                a = a.wrapping_add(rd!(p.wrapping_add(n)));
            }
            193 => {
                let n = u16op!();
                a = a.wrapping_add(rd!(p.wrapping_add(n)));
            }
            194 => {
                let n = wop!();
                a = a.wrapping_add(rd!(p.wrapping_add(n)));
            }
            195 | 196 | 197 | 198 | 199 | 200 | 201 | 202 | 203 | 204 => {
                a = a.wrapping_add(rd!(p.wrapping_add(op as i64 - 192)))
            }
            205 => set_byte!(a.wrapping_mul(8).wrapping_add(b), c),
            206 => push!(-u16op!()),
            207 => c = b,
            208 => {}
            209 | 210 | 211 | 212 | 213 => a = a.wrapping_add(op as i64 - 208),
            214 | 215 | 216 | 217 | 218 => {
                let k = rd!(p.wrapping_add(op as i64 - 211));
                a = rd!(a.wrapping_add(k));
            }
            219 | 220 => {
                let addr = rd!(p.wrapping_add(op as i64 - 216));
                wr!(addr, a);
            }
            221 | 222 => {
                let addr = rd!(p.wrapping_add(op as i64 - 218));
                wr!(addr.wrapping_add(1), a);
            }
            223 => {
                // s.2.3 MW: MW := i32 << 32.
                mw = i32op!() << 32;
            }
            224 => a = a.wrapping_add(u8op!()),
            225 => a = a.wrapping_add(u16op!()),
            226 => a = a.wrapping_add(wop!()),
            227 | 228 | 229 | 230 | 231 | 232 | 233 | 234 | 235 | 236 => {
                let addr = rd!(p.wrapping_add(op as i64 - 224));
                push!(rd!(addr));
            }
            237 => a = a.wrapping_sub(u8op!()),
            238 => a = a.wrapping_sub(u16op!()),
            239 => {
                // s.9.2 MDIV: muldiv(P!3, P!4, P!5), result2, then RTN.
                let (q, r) = sys::muldiv(
                    rd!(p.wrapping_add(3)),
                    rd!(p.wrapping_add(4)),
                    rd!(p.wrapping_add(5)),
                );
                a = q;
                wr!(g.wrapping_add(RESULT2), r);
                ret!();
            }
            240 => {
                // s.9.1 CHGCO, the body of changeco(val, cptr).
                let cptr = rd!(p.wrapping_add(4));
                pc = rd!(p.wrapping_add(1));
                let currco = rd!(g.wrapping_add(sys::CURRCO));
                wr!(currco, rd!(p));
                wr!(g.wrapping_add(sys::CURRCO), cptr);
                p = rd!(cptr) >> 3;
                if SLOW {
                    if pc as u64 > pc_limit {
                        fault!(bad_pc(pc, gsize));
                    }
                    let limit = cptr
                        .wrapping_add(rd!(cptr.wrapping_add(4)))
                        .wrapping_sub(16);
                    if p > limit {
                        fault!(Stop::abort(16));
                    }
                }
            }
            241 => a = a.wrapping_neg(),
            242 => a = !a,
            243 | 244 | 245 | 246 => {
                let addr = rd!(p.wrapping_add(op as i64 - 240));
                push!(rd!(addr.wrapping_add(1)));
            }
            247 | 248 | 249 => {
                let addr = rd!(p.wrapping_add(op as i64 - 244));
                push!(rd!(addr.wrapping_add(2)));
            }
            250 | 251 => {
                let addr = rd!(p.wrapping_add(op as i64 - 247));
                push!(rd!(addr.wrapping_add(3)));
            }
            252 | 253 => {
                let addr = rd!(p.wrapping_add(op as i64 - 249));
                push!(rd!(addr.wrapping_add(4)));
            }
            254 => {
                // s.8.3 SELLD len sh: A := (M[A] >> sh) & mask.
                let len = u8op!() as u8;
                let sh = u8op!() as u8;
                let word = rd!(a) as u64;
                let v = if sh >= 64 { 0 } else { word >> sh };
                a = (v & selld_mask(len)) as i64;
            }
            255 => {
                // s.8.3 SELST op len sh: A = address, B = right operand.
                let sop = u8op!() as u8;
                let len = u8op!() as u8;
                let sh = u8op!() as u8;
                let word = rd!(a);
                let mask = selst_mask(len, sh);
                let old = (if sh >= 64 { 0 } else { (word as u64) >> sh } & mask) as i64;
                if sop > 17 {
                    a = 0;
                } else {
                    let new = match selst_op(m, sop, old, b) {
                        Ok(v) => v,
                        Err(s) => fault!(s),
                    };
                    let delta = ((new ^ old) as u64) & mask;
                    let shifted = if sh >= 64 { 0 } else { delta << sh };
                    wr!(a, word ^ shifted as i64);
                }
            }
        }
    }
    *regs = Registers {
        a,
        b,
        c,
        p,
        pc,
        count,
        mw,
        ipc,
    };
    *fuel = left;
    event
}

/// Run a Cintcode program (its objects, linked in order after the library)
/// on the reference interpreter. `tee` receives stdout bytes as they are
/// written.
pub fn run(objects: &[Object], config: &RunConfig, tee: Option<Box<dyn Write + Send>>) -> Outcome {
    let linked = CinLinked::new(objects);
    let engine_error = |m: String| Outcome::ended(Ending::EngineError(m));
    let layout = match cin_load::layout(&linked, config.memory_words) {
        Ok(l) => l,
        Err(e) => return engine_error(e.0),
    };
    let mut mem = Memory::new(0, config.memory_words);
    let mut rt = Runtime::for_run(config, layout.heap.clone(), tee);
    if let Err(s) = cin_load::initialise(&mut mem, &mut rt, &linked, &layout) {
        return engine_error(format!("cannot initialise memory: {s:?}"));
    }
    // The engine's call of boot(stacksize): its frame on the boot stack.
    let boot = layout.boot_pc(&linked);
    let frame = [0, 0, boot, config.stack_words];
    for (i, v) in frame.into_iter().enumerate() {
        let _ = mem.set(layout.boot_frame + i as i64, v);
    }
    let mut regs = Registers {
        a: config.stack_words,
        p: layout.boot_frame,
        pc: boot,
        count: -1,
        ipc: boot,
        ..Registers::default()
    };
    let budget = if config.step_limit == 0 {
        u64::MAX
    } else {
        config.step_limit
    };
    let mut fuel = budget;
    let gbase = layout.gbase;
    let result = loop {
        let words = mem.words_mut();
        let event = if regs.count >= 0 {
            run_until_event::<true>(words, gbase, layout.gsize, &mut regs, &mut fuel)
        } else {
            run_until_event::<false>(words, gbase, layout.gsize, &mut regs, &mut fuel)
        };
        match event {
            Event::Stop(s) => break Err(s),
            Event::Sys => match cintcode_sys(&mut rt, &mut mem, regs.a, regs.p) {
                Ok(SysEffect::Value(v)) => regs.a = v,
                Ok(SysEffect::SetCount(n)) => {
                    regs.a = regs.count;
                    regs.count = n;
                }
                Ok(SysEffect::Exit(code)) => break Ok(code),
                Err(s) => break Err(s),
            },
        }
        if rt.out.overflowed {
            break Err(Stop::OutputLimit);
        }
    };
    let at = layout.stop_location(&linked, &mem, regs.ipc, regs.p);
    let ending = rt.conclude(&mem, result, at);
    Outcome {
        stdout: std::mem::take(&mut rt.out.stdout),
        ending,
        steps: budget - fuel,
        globals: std::mem::take(&mut rt.captured),
        statics: Vec::new(),
    }
}
