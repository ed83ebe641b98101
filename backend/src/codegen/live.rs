//! Liveness of the accumulators A and B over a module's Sial (a backward
//! data-flow analysis to a fixed point). The code generator keeps A and B
//! in whichever registers suit it inside a basic block (see `regs.rs`) and
//! puts them back in x0/x1 at the block's end; it moves only those that
//! are live there, i.e. that some path reads before writing them.
//!
//! The analysis is conservative: an instruction it does not know reads
//! both, a jump whose target it does not know (goto, rtn, switches, mlab
//! jumps) reads both, and every instruction may fall through. Calls read
//! A (and B for `k`) and write both (the callee leaves garbage in B,
//! sial.md s.1.3); `rtn` reads A only: calls destroy B (s.1.3).

use rustc_hash::FxHashMap as HashMap;

use sial::{Args, Instr, Op};

/// A is live.
pub const LA: u8 = 1;
/// B is live.
pub const LB: u8 = 2;
/// Both.
pub const LAB: u8 = LA | LB;

/// (read, written) accumulators of `op`.
pub fn effect(op: Op) -> (u8, u8) {
    use Op::*;
    match op {
        Lp | Lg | Ll | Llp | Llg | Lll | Lf | Lw | L | Lm | Lstr | Lkp | Lkg | Ldres | Ikp
        | Ikg | Ikl => (0, LA),
        Rv | Rvk | Rvp | Neg | Not | Abs | A | S | Ap | Ag | Eq0 | Ne0 | Ls0 | Gr0 | Le0 | Ge0
        | Ip | Ig | Il => (LA, LA),
        Mul | Div | Xdiv | Mod | Xmod | Add | Sub | Xsub | Eq | Ne | Ls | Gr | Le | Ge | Lsh
        | Rsh | And | Or | Xor | Eqv => (LAB, LA),
        Sp | Sg | Sl | Stkp | Skg | Res | Atc => (LA, 0),
        St | Stp | Stk | Xst => (LAB, 0),
        Btc => (LB, 0),
        Atb => (LA, LB),
        Bta => (LB, LA),
        Atblp | Atblg | Atbl => (LA, LAB),
        Jeq | Jne | Jls | Jgr | Jle | Jge => (LAB, 0),
        Jeq0 | Jne0 | Jls0 | Jgr0 | Jle0 | Jge0 => (LA, 0),
        J | Nop => (0, 0),
        K => (LAB, LAB),
        Kpg => (LA, LAB),
        Rtn => (LA, 0),
        o if o.is_directive() => (0, 0),
        _ => (LAB, 0),
    }
}

/// Whether control never goes on to the next instruction after `op`.
pub fn ends_flow(op: Op) -> bool {
    matches!(
        op,
        Op::J | Op::Rtn | Op::Goto | Op::Swl | Op::Swb | Op::Chgco | Op::Mdiv
    )
}

/// The accumulators live on entry to each instruction of `instrs` (and
/// one more entry, 0, for the end); `defined_at` gives the index of each
/// code label.
pub fn live_in(instrs: &[Instr], defined_at: &HashMap<u32, usize>) -> Vec<u8> {
    let n = instrs.len();
    let table = table();
    // Per instruction: its table entry and jump target (n: none; n + 1: an
    // unknown label, where both are live).
    let facts: Vec<(u8, u32)> = instrs
        .iter()
        .map(|ins| {
            let f = table[ins.op as usize];
            let target = match (&ins.args, f & JUMP != 0) {
                (Args::L(l), true) => defined_at.get(l).copied().unwrap_or(n + 1),
                _ => n,
            };
            (f, target as u32)
        })
        .collect();
    let mut live = vec![0u8; n + 2];
    live[n + 1] = LAB;
    // What each backward jump found at its target, to see whether another
    // pass is needed (forward jumps find their target's final value).
    let mut seen: Vec<(usize, u8)> = Vec::new();
    loop {
        seen.clear();
        let mut next = 0; // live[i + 1]
        for (i, &(f, target)) in facts.iter().enumerate().rev() {
            let target = target as usize;
            let mut out = live[target];
            if target < i {
                seen.push((target, out));
            }
            if f & FALLS != 0 {
                out |= next;
            }
            next = (f & LAB) | (out & !(f >> 2) & LAB);
            live[i] = next;
        }
        if seen.iter().all(|&(t, v)| live[t] == v) {
            live.truncate(n + 1);
            return live;
        }
    }
}

/// Table bits beside read (bits 0-1) and written (bits 2-3).
const FALLS: u8 = 16;
const JUMP: u8 = 32;

/// Per opcode number: read | written << 2 | FALLS | JUMP.
fn table() -> &'static [u8; 256] {
    static TABLE: std::sync::OnceLock<[u8; 256]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = [LAB | FALLS; 256];
        for (n, e) in t.iter_mut().enumerate() {
            if let Some(op) = Op::from_number(n as i64) {
                let (used, written) = effect(op);
                *e = used | written << 2;
                if !ends_flow(op) {
                    *e |= FALLS;
                }
                if is_label_jump(op) {
                    *e |= JUMP;
                }
            }
        }
        t
    })
}

/// Jumps to a code label `Ln` (integer and float, conditional or not):
/// the direct jumps, every edge of which the compiler emits itself.
pub(super) fn is_label_jump(op: Op) -> bool {
    use Op::*;
    matches!(
        op,
        J | Jeq
            | Jne
            | Jls
            | Jgr
            | Jle
            | Jge
            | Jeq0
            | Jne0
            | Jls0
            | Jgr0
            | Jle0
            | Jge0
            | Jfeq
            | Jfne
            | Jfls
            | Jfgr
            | Jfle
            | Jfge
            | Jfeq0
            | Jfne0
            | Jfls0
            | Jfgr0
            | Jfle0
            | Jfge0
    )
}
