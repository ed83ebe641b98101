//! The translation of each Sial opcode (sial.md s.3, with the AArch64
//! guidance of s.12.2). One arm per opcode; register names are those of
//! `abi` (A = x0, B = x1, C = x2, R = x3, P = x29, G = x28).

use dynasmrt::aarch64::encode_logical_immediate_64bit;
use dynasmrt::{DynasmApi, DynasmLabelApi};
use sial::{Args, Instr, Op};

use super::asm::{
    a64, add_imm, b_float, b_int, cmp_imm, csetm_float, csetm_int, host_call, ldr_off, load_imm,
    shift, shift_const, str_off, Cond,
};
use super::live::{ends_flow, LA, LAB};
use super::regs::XZR;
use super::{Compiler, Mutation};
use crate::abi::{kbase, Slot, A, B, C, COUNT, G, MW, P, R, ST, T0, T1, T2, T4, T5, ZERO};

/// The six relations of a Sial opcode family, by offset from its first member.
fn rel(op: Op, first: Op) -> Cond {
    Cond::RELATIONS[(op as u8 - first as u8) as usize % 6]
}

impl Compiler<'_> {
    /// Compile instruction or directive `i` of the module.
    pub(super) fn instruction(&mut self, mi: usize, ins: &Instr, i: usize) -> Result<(), String> {
        match (ins.op, &ins.args) {
            // Directives: labels place code; data was laid out by the loader.
            (Op::Lab, Args::L(l)) if !self.referenced.contains_key(l) => {
                // Reached only by falling through: not a block boundary.
                let dl = self.label(*l)?;
                a64!(self.ops ; =>dl);
                return Ok(());
            }
            (Op::Lab, Args::L(l)) => {
                if !self.unreachable {
                    self.settle(self.live[i], 0);
                }
                self.mw_at_label(*l);
                self.reset_regs();
                self.unreachable = false;
                let dl = self.label(*l)?;
                a64!(self.ops ; =>dl);
                if self.loop_heads.contains(l) {
                    self.budget_check();
                }
                return Ok(());
            }
            (Op::Mlab, Args::M(l)) => {
                if !self.unreachable {
                    self.settle(LAB, 0);
                }
                self.mw = None;
                self.reset_regs();
                self.unreachable = false;
                let dl = self.mlabels[l];
                a64!(self.ops ; =>dl);
                return Ok(());
            }
            (op, _) if op.is_directive() => return Ok(()),
            _ => {}
        }
        self.unreachable = false;
        if !self.register_aware(mi, ins, i)? {
            // Everything else works on A in x0 and B in x1.
            self.settle(LAB, 0);
            self.known_a = None;
            self.fixed_registers(ins)?;
            self.reset_regs();
        }
        if ends_flow(ins.op) {
            self.mw = None;
            self.reset_regs();
            self.unreachable = true;
        }
        Ok(())
    }

    /// The instructions translated with A and B wherever they are
    /// (`regs.rs`); false for the others.
    fn register_aware(&mut self, mi: usize, ins: &Instr, i: usize) -> Result<bool, String> {
        match (ins.op, &ins.args) {
            // s.3.1 loads
            (Op::Lp, Args::P(n)) => {
                let slot = *n;
                let mut n = *n as i64;
                if self.mutated(Mutation::FrameOffsetOffByOne) && n >= 32 {
                    n += 1;
                } else if self.a_local == Some(slot) && !self.a_pending {
                    // A holds P!n already (stored or loaded in this block).
                    return Ok(true);
                }
                let d = self.fresh_a();
                ldr_off(&mut self.ops, d, P, n * 8);
                self.a_local = Some(slot);
            }
            (Op::Lg, Args::G(n)) => {
                let d = self.fresh_a();
                ldr_off(&mut self.ops, d, G, *n as i64 * 8)
            }
            (Op::Ll, Args::L(l)) => {
                let off = self.static_offset(mi, *l)?;
                let d = self.fresh_a();
                ldr_off(&mut self.ops, d, G, off);
            }
            (Op::Llp, Args::P(n)) => self.word_address(P, *n as i64 * 8),
            (Op::Llg, Args::G(n)) => {
                let base = if self.mutated(Mutation::LlgWrongBase) {
                    P
                } else {
                    G
                };
                self.word_address(base, *n as i64 * 8)
            }
            (Op::Lll, Args::L(l)) => {
                let off = self.static_offset(mi, *l)?;
                self.word_address(G, off);
            }
            (Op::Lstr, Args::M(l)) => {
                let a = *self.layout.data[mi]
                    .strings
                    .get(l)
                    .ok_or_else(|| format!("M{l} is not a string"))?;
                self.word_address(G, self.g_offset(a));
            }
            (Op::Lf, Args::L(l)) => {
                let target = self.label(*l)?;
                let d = self.fresh_a();
                a64!(self.ops ; adr X(d), =>target);
            }
            (Op::Lw, Args::M(l)) => {
                let v = *self.layout.data[mi]
                    .consts
                    .get(l)
                    .ok_or_else(|| format!("M{l} is not a const"))?;
                self.pending_a(v);
            }
            (Op::L, Args::K(k)) => self.pending_a(*k),
            (Op::Lm, Args::K(k)) => self.pending_a(k.wrapping_neg()),

            // s.3.1 stores and address arithmetic
            (Op::Sp, Args::P(n)) => {
                let a = self.a_or_zr();
                str_off(&mut self.ops, a, P, *n as i64 * 8);
                if self.a_local.is_some_and(|l| l != *n) {
                    self.a_local = None;
                }
                if !self.a_pending {
                    self.a_local = Some(*n);
                }
            }
            (Op::Sg, Args::G(n)) => {
                self.a_local = None;
                let a = self.a_or_zr();
                str_off(&mut self.ops, a, G, *n as i64 * 8)
            }
            (Op::Sl, Args::L(l)) => {
                self.a_local = None;
                let off = self.static_offset(mi, *l)?;
                let a = self.a_or_zr();
                str_off(&mut self.ops, a, G, off);
            }
            (Op::Ap | Op::Ag, Args::P(n) | Args::G(n)) => {
                let base = if ins.op == Op::Ap { P } else { G };
                let a = self.a();
                ldr_off(&mut self.ops, T0, base, *n as i64 * 8);
                let d = self.fresh_a();
                a64!(self.ops ; add X(d), X(a), X(T0));
            }
            (Op::A | Op::S, Args::K(k)) => {
                let mut k = *k;
                if self.mutated(Mutation::ImmediateTruncated12Bits) && !(0..4096).contains(&k) {
                    k &= 0xFFF;
                }
                let k = if ins.op == Op::S { k.wrapping_neg() } else { k };
                match (self.a_pending, self.known_a) {
                    (true, Some(v)) => self.pending_a(v.wrapping_add(k)),
                    _ => {
                        let a = self.a();
                        let d = self.fresh_a();
                        add_imm(&mut self.ops, d, a, k)
                    }
                }
            }
            (Op::Lkp | Op::Lkg, Args::KP(k, n) | Args::KG(k, n)) => {
                let base = if ins.op == Op::Lkp { P } else { G };
                ldr_off(&mut self.ops, T0, base, *n as i64 * 8);
                let d = self.fresh_a();
                self.load_word_plus(d, T0, *k);
            }
            (Op::Rv, _) => {
                let a = self.a();
                let d = self.fresh_a();
                a64!(self.ops ; ldr X(d), [X(ZERO), X(a), lsl #3]);
            }
            (Op::Rvp, Args::P(n)) => {
                let a = self.a();
                ldr_off(&mut self.ops, T0, P, *n as i64 * 8);
                let d = self.fresh_a();
                a64!(self.ops ; add X(T0), X(T0), X(a) ; ldr X(d), [X(ZERO), X(T0), lsl #3]);
            }
            (Op::Rvk, Args::K(k)) => {
                let a = self.a();
                let d = self.fresh_a();
                self.load_word_plus(d, a, *k)
            }
            (Op::St, _) => {
                self.a_local = None;
                let (a, b) = (self.a(), self.rb);
                a64!(self.ops ; str X(b), [X(ZERO), X(a), lsl #3]);
            }
            (Op::Stp, Args::P(n)) => {
                self.a_local = None;
                let (a, b) = (self.a(), self.rb);
                ldr_off(&mut self.ops, T0, P, *n as i64 * 8);
                a64!(self.ops ; add X(T0), X(T0), X(a) ; str X(b), [X(ZERO), X(T0), lsl #3]);
            }
            (Op::Stk, Args::K(k)) => {
                self.a_local = None;
                let (a, b) = (self.a(), self.rb);
                if self.mutated(Mutation::StkStoresBeforeLoading) && *k != 0 {
                    // The store goes out before T1 := A + k is computed.
                    a64!(self.ops ; str X(b), [X(ZERO), X(T1), lsl #3]);
                    add_imm(&mut self.ops, T1, a, *k);
                } else {
                    self.store_word_plus(b, a, *k)
                }
            }
            (Op::Stkp | Op::Skg, Args::KP(k, n) | Args::KG(k, n)) => {
                self.a_local = None;
                let base = if ins.op == Op::Stkp { P } else { G };
                let a = self.a_or_zr();
                ldr_off(&mut self.ops, T0, base, *n as i64 * 8);
                self.store_word_plus(a, T0, *k);
            }
            (Op::Xst, _) => {
                self.a_local = None;
                let (a, b) = (self.a(), self.rb);
                a64!(self.ops ; str X(a), [X(ZERO), X(b), lsl #3]);
            }

            // s.3.2, s.5 calls and control
            (Op::K, Args::P(n)) => {
                let a = self.a();
                let entry = if a == A {
                    a64!(self.ops ; mov X(T1), X(A));
                    T1
                } else {
                    a
                };
                self.call(*n, entry, self.rb)?;
                self.reset_regs();
            }
            (Op::Kpg, Args::PG(n, g)) => {
                if self.a_pending {
                    // B is dead across the call: the argument goes straight to x0.
                    self.ra = A;
                }
                let a = self.a();
                ldr_off(&mut self.ops, T1, G, *g as i64 * 8);
                self.call(*n, T1, a)?;
                self.reset_regs();
            }
            (Op::J, Args::L(l)) => {
                let t = self.label(*l)?;
                let live = self.live_at(*l);
                self.settle(live, 0);
                self.enter(*l);
                if self.backward(*l) {
                    let site = self.site(crate::abi::STEP_LIMIT);
                    a64!(self.ops
                        ; subs X(COUNT), XSP(COUNT), #1
                        ; b.pl =>t
                        ; b =>site
                    );
                } else {
                    a64!(self.ops ; b =>t);
                }
            }
            (Op::Rtn, _) => {
                self.settle(LA, 0);
                a64!(self.ops ; ldp X(P), x30, [X(P)] ; ret)
            }
            (op @ (Op::Jeq | Op::Jne | Op::Jls | Op::Jgr | Op::Jle | Op::Jge), Args::L(l)) => {
                let live = self.live_at(*l) | self.live[i + 1];
                self.settle(live, LAB);
                self.int_jump(rel(op, Op::Jeq), *l, true)?;
            }
            (
                op @ (Op::Jeq0 | Op::Jne0 | Op::Jls0 | Op::Jgr0 | Op::Jle0 | Op::Jge0),
                Args::L(l),
            ) => {
                let live = self.live_at(*l) | self.live[i + 1];
                self.settle(live, LA);
                self.int_jump(rel(op, Op::Jeq0), *l, false)?;
            }

            // s.3.3 arithmetic and logic
            (Op::Neg, _) => {
                let a = self.a();
                let d = self.fresh_a();
                a64!(self.ops ; neg X(d), X(a));
            }
            (Op::Not, _) => {
                let a = self.a();
                let d = self.fresh_a();
                a64!(self.ops ; mvn X(d), X(a));
            }
            (Op::Abs, _) => {
                let a = self.a();
                let d = self.fresh_a();
                a64!(self.ops ; cmp XSP(a), #0 ; cneg X(d), X(a), mi);
            }
            (Op::Mul, _) => {
                let (a, b) = (self.a(), self.rb);
                let d = self.fresh_a();
                a64!(self.ops ; mul X(d), X(b), X(a));
                if self.mutated(Mutation::MulClobbersB) {
                    a64!(self.ops ; mov X(b), X(d));
                }
            }
            (Op::Div | Op::Mod, _) => {
                // A constant divisor other than 0 needs no zero test.
                let nonzero = self.known_a.is_some_and(|k| k != 0);
                let (a, b) = (self.a(), self.rb);
                let d = self.fresh_a();
                self.divide(b, a, d, ins.op == Op::Mod, nonzero)?
            }
            (Op::Xdiv | Op::Xmod, _) => {
                let (a, b) = (self.a(), self.rb);
                let d = self.fresh_a();
                self.divide(a, b, d, ins.op == Op::Xmod, false)?
            }
            (Op::Add | Op::Sub, _) if self.a_pending => {
                let k = self.known_a.expect("a pending A has a value");
                let k = if ins.op == Op::Sub {
                    k.wrapping_neg()
                } else {
                    k
                };
                if self.rb == XZR {
                    // 0 + k.
                    self.pending_a(k);
                } else {
                    let b = self.rb;
                    let d = self.fresh_a();
                    add_imm(&mut self.ops, d, b, k);
                }
            }
            (op @ (Op::And | Op::Or | Op::Xor), _)
                if self.a_pending
                    && self
                        .known_a
                        .is_some_and(|k| encode_logical_immediate_64bit(k as u64).is_some()) =>
            {
                // A constant that is a logical immediate.
                let k = self.known_a.expect("a pending A has a value") as u64;
                let b = self.rb;
                let d = self.fresh_a();
                match op {
                    Op::And => a64!(self.ops ; and XSP(d), X(b), #k),
                    Op::Or => a64!(self.ops ; orr XSP(d), X(b), #k),
                    _ => a64!(self.ops ; eor XSP(d), X(b), #k),
                }
            }
            (Op::Add | Op::Sub | Op::Xsub | Op::And | Op::Or | Op::Xor, _) => {
                let (a, b) = (self.a(), self.rb);
                let d = self.fresh_a();
                match ins.op {
                    Op::Add => a64!(self.ops ; add X(d), X(b), X(a)),
                    Op::Sub => a64!(self.ops ; sub X(d), X(b), X(a)),
                    Op::Xsub => a64!(self.ops ; sub X(d), X(a), X(b)),
                    Op::And => a64!(self.ops ; and X(d), X(b), X(a)),
                    Op::Or => a64!(self.ops ; orr X(d), X(b), X(a)),
                    _ => a64!(self.ops ; eor X(d), X(b), X(a)),
                }
            }
            (Op::Eqv, _) => {
                let (a, b) = (self.a(), self.rb);
                let d = self.fresh_a();
                if self.mutated(Mutation::EqvAsEquality) {
                    a64!(self.ops ; cmp X(b), X(a));
                    self.truth(d, Cond::Eq, false);
                } else {
                    a64!(self.ops ; eon X(d), X(b), X(a));
                }
            }
            (op @ (Op::Eq | Op::Ne | Op::Ls | Op::Gr | Op::Le | Op::Ge), _) => {
                let b = if self.a_pending {
                    self.b_reg()
                } else {
                    self.rb
                };
                if self.a_pending {
                    let k = self.known_a.expect("a pending A has a value");
                    cmp_imm(&mut self.ops, b, k, &mut self.mw);
                } else {
                    let a = self.a();
                    a64!(self.ops ; cmp X(b), X(a));
                }
                let d = self.fresh_a();
                self.truth(d, rel(op, Op::Eq), false);
            }
            (op @ (Op::Eq0 | Op::Ne0 | Op::Ls0 | Op::Gr0 | Op::Le0 | Op::Ge0), _) => {
                let a = self.a();
                a64!(self.ops ; cmp XSP(a), #0);
                let d = self.fresh_a();
                self.truth(d, rel(op, Op::Eq0), false);
            }
            (op @ (Op::Lsh | Op::Rsh), _) => {
                let left = op == Op::Lsh;
                let known = self.known_a;
                let plain = !self.mutated(Mutation::ShiftModulo64)
                    && (left || !self.mutated(Mutation::ArithmeticRsh));
                // A constant count is an immediate: no need to load it.
                let a = if plain && known.is_some() {
                    self.ra
                } else {
                    self.a()
                };
                let b = self.rb;
                let d = self.fresh_a();
                if self.mutated(Mutation::ShiftModulo64) {
                    if left {
                        a64!(self.ops ; lsl X(d), X(b), X(a));
                    } else {
                        a64!(self.ops ; lsr X(d), X(b), X(a));
                    }
                } else if !left && self.mutated(Mutation::ArithmeticRsh) {
                    a64!(self.ops ; asr X(d), X(b), X(a));
                } else if let Some(k) = known {
                    shift_const(&mut self.ops, d, b, k, left);
                } else {
                    shift(&mut self.ops, d, b, a, left, T4, T5);
                }
            }

            // s.3.5 register moves
            (Op::Xch, _) if !self.mutated(Mutation::XchLosesC) => {
                // A <-> B by renaming the registers (a B of 0 in xzr first
                // gets a register of its own, as A may be used as a base).
                let b = self.b_reg();
                let a = self.a();
                self.ra = b;
                self.rb = a;
                self.known_a = None;
                self.a_local = None;
            }
            (Op::Atb, _) => self.b_takes_a(),
            (Op::Bta, _) if self.rb == XZR => self.pending_a(0),
            (Op::Bta, _) => {
                self.a_local = None;
                self.ra = self.rb;
                self.a_pending = false;
                self.known_a = None;
            }
            (Op::Atc, _) => {
                let a = self.a();
                a64!(self.ops ; mov X(C), X(a));
            }
            (Op::Btc, _) => {
                let b = self.rb;
                a64!(self.ops ; mov X(C), X(b));
            }
            (Op::Atblp, Args::P(n))
                if self.a_local == Some(*n)
                    && !self.a_pending
                    && !self.mutated(Mutation::FrameOffsetOffByOne) =>
            {
                // A holds P!n already: B := A, and A (the same value) shares
                // its register.
                self.b_takes_a();
            }
            (Op::Atblp | Op::Atblg, Args::P(n) | Args::G(n)) => {
                let base = if ins.op == Op::Atblp { P } else { G };
                self.b_takes_a();
                let d = self.fresh_a();
                ldr_off(&mut self.ops, d, base, *n as i64 * 8);
            }
            (Op::Atbl, Args::K(k)) => {
                let old = self.known_a;
                self.b_takes_a();
                if self.mutated(Mutation::AtblStaleConstant) {
                    let d = self.fresh_a();
                    load_imm(&mut self.ops, d, *k);
                    self.known_a = old;
                } else {
                    self.pending_a(*k);
                }
            }
            (Op::Res, _) => {
                let a = self.a();
                a64!(self.ops ; mov X(R), X(a));
            }
            (Op::Ldres, _) => {
                let d = self.fresh_a();
                a64!(self.ops ; mov X(d), X(R));
            }

            // s.3.6 increment in place
            (Op::Ikp, Args::KP(k, n)) => {
                self.increment(P, *n as i64 * 8, Some(*k));
                self.a_local = Some(*n);
            }
            (Op::Ikg, Args::KG(k, n)) => self.increment(G, *n as i64 * 8, Some(*k)),
            (Op::Ikl, Args::KL(k, l)) => {
                let off = self.static_offset(mi, *l)?;
                self.increment(G, off, Some(*k));
            }
            (Op::Ip, Args::P(n)) => {
                self.increment(P, *n as i64 * 8, None);
                self.a_local = Some(*n);
            }
            (Op::Ig, Args::G(n)) => self.increment(G, *n as i64 * 8, None),
            (Op::Il, Args::L(l)) => {
                let off = self.static_offset(mi, *l)?;
                self.increment(G, off, None);
            }
            (Op::Nop, _) => {}
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// A and B live where label `l` is defined.
    fn live_at(&self, l: u32) -> u8 {
        self.defined_at.get(&l).map_or(LAB, |&d| self.live[d])
    }

    /// The instructions that want A in x0 and B in x1.
    fn fixed_registers(&mut self, ins: &Instr) -> Result<(), String> {
        match (ins.op, &ins.args) {
            // goto: `blr` rather than `br` so that x30 locates a bad target's goto.
            (Op::Goto, _) => a64!(self.ops ; blr X(A)),
            (Op::Jge0m, Args::M(l)) => {
                let t = *self
                    .mlabels
                    .get(l)
                    .ok_or_else(|| format!("M{l} is not an mlab"))?;
                a64!(self.ops ; cmp XSP(A), #0 ; b.ge =>t);
            }
            (Op::Swl, Args::Swl { default, labels }) => self.swl(*default, labels)?,
            (Op::Swb, Args::Swb { default, cases }) => self.swb(*default, cases)?,

            // s.3.4 bytes: byte address = 8 * word + index (identity mapping)
            (Op::Gbyt, _) => {
                self.byte_address(B, A);
                a64!(self.ops ; ldrb W(A), [X(T0)]);
            }
            (Op::Xgbyt, _) => {
                self.byte_address(A, B);
                a64!(self.ops ; ldrb W(A), [X(T0)]);
            }
            (Op::Pbyt, _) => {
                self.byte_address(B, A);
                a64!(self.ops ; strb W(C), [X(T0)]);
            }
            (Op::Xpbyt, _) => {
                self.byte_address(A, B);
                a64!(self.ops ; strb W(C), [X(T0)]);
            }

            // s.3.5 register moves (xch here only for its mutant)
            (Op::Xch, _) => {
                if self.mutated(Mutation::XchLosesC) {
                    a64!(self.ops ; mov X(C), X(A) ; mov X(A), X(B) ; mov X(B), X(C));
                } else {
                    a64!(self.ops ; mov X(T0), X(A) ; mov X(A), X(B) ; mov X(B), X(T0));
                }
            }

            // s.3.9 library bodies
            (Op::Brk, _) => {
                let s = self.site(2);
                a64!(self.ops ; b =>s);
            }
            (Op::Chgco, _) => {
                // s.6.3: PC := P!1; m[G!7] := P!0; G!7 := P!4; P := m[P!4] (saved form).
                a64!(self.ops
                    ; ldp X(T0), x30, [X(P)]
                    ; ldr X(T1), [X(G), #56]
                    ; str X(T0), [X(ZERO), X(T1), lsl #3]
                    ; ldr X(T2), [X(P), #32]
                    ; str X(T2), [X(G), #56]
                    ; ldr X(P), [X(ZERO), X(T2), lsl #3]
                    ; ret
                );
            }
            (Op::Mdiv, _) => {
                // s.6.4: A := muldiv(P!3, P!4, P!5); result2 := remainder;
                // return. A product that fits in 64 bits is divided here;
                // a wider one goes to the host's 128-bit division.
                let wide = self.ops.new_dynamic_label();
                let r2 = Slot::HostR2.offset();
                a64!(self.ops
                    ; ldr x0, [X(P), #24]
                    ; ldp x1, x2, [X(P), #32]
                    ; mul X(T0), x0, x1
                    ; smulh X(T1), x0, x1
                    ; cmp X(T1), X(T0), asr #63
                    ; b.ne =>wide
                );
                self.muldiv_64(T0, 2);
                a64!(self.ops
                    ; ldp X(P), x30, [X(P)]
                    ; ret
                    ; =>wide
                );
                host_call(&mut self.ops, Slot::Muldiv.offset());
                a64!(self.ops
                    ; str x1, [X(ST), #r2]
                    ; str x1, [X(G), #80]
                    ; ldp X(P), x30, [X(P)]
                    ; ret
                );
            }
            (Op::Sys, _) => {
                // sys(Sys_muldiv, a, b, c) (runtime.md s.6.5: the wrapping
                // 64-bit product) is computed here, without the host. Any
                // other op takes the C-ABI bridge with the current frame:
                // x0 = op (P!3); x6 = this instruction's address, for the
                // location of a stop raised by the host (native executors
                // have no hook that sees the pc).
                let ctx = Slot::Context.offset();
                let (host, done) = (self.ops.new_dynamic_label(), self.ops.new_dynamic_label());
                let sys_muldiv = runtime::sys::SYS_MULDIV as u32;
                a64!(self.ops
                    ; ldr x0, [X(P), #24]
                    ; cmp XSP(A), #sys_muldiv
                    ; b.ne =>host
                    ; ldp X(T0), X(T1), [X(P), #32]
                    ; ldr X(T2), [X(P), #48]
                    ; mul X(T0), X(T0), X(T1)
                );
                self.muldiv_64(T0, T2);
                a64!(self.ops
                    ; b =>done
                    ; =>host
                    ; site:
                    ; adr x6, <site
                    ; ldp x1, x2, [X(P), #32]
                    ; ldp x3, x4, [X(P), #48]
                    ; lsr x5, X(P), #3
                    ; ldr x7, [X(ST), #ctx]
                );
                host_call(&mut self.ops, Slot::Sys.offset());
                a64!(self.ops ; =>done);
            }

            // s.3.7, s.8 floating point
            (Op::Float, _) => a64!(self.ops ; scvtf d16, X(A) ; fmov X(A), d16),
            (Op::Fix, _) => self.fix(),
            (Op::Fabs, _) => a64!(self.ops
                ; fmov d16, X(A)
                ; fneg d17, d16
                ; fcmp d16, #0.0
                ; fcsel d16, d17, d16, mi
                ; fmov X(A), d16
            ),
            (Op::Fneg, _) => a64!(self.ops ; eor XSP(A), X(A), #0x8000000000000000),
            (op @ (Op::Fmul | Op::Fdiv | Op::Fadd | Op::Fsub), _) => {
                a64!(self.ops ; fmov d16, X(B) ; fmov d17, X(A));
                self.float_op(op);
                a64!(self.ops ; fmov X(A), d16);
            }
            (op @ (Op::Fxdiv | Op::Fxsub), _) => {
                a64!(self.ops ; fmov d16, X(A) ; fmov d17, X(B));
                self.float_op(if op == Op::Fxdiv { Op::Fdiv } else { Op::Fsub });
                a64!(self.ops ; fmov X(A), d16);
            }
            (Op::Fmod, _) => self.fmod(B, A, A),
            (Op::Fxmod, _) => self.fmod(A, B, A),
            (op @ (Op::Feq | Op::Fne | Op::Fls | Op::Fgr | Op::Fle | Op::Fge), _) => {
                a64!(self.ops ; fmov d16, X(B) ; fmov d17, X(A) ; fcmp d16, d17);
                self.truth(A, rel(op, Op::Feq), true);
            }
            (op @ (Op::Feq0 | Op::Fne0 | Op::Fls0 | Op::Fgr0 | Op::Fle0 | Op::Fge0), _) => {
                a64!(self.ops ; fmov d16, X(A) ; fcmp d16, #0.0);
                self.truth(A, rel(op, Op::Feq0), true);
            }
            (
                op @ (Op::Jfeq | Op::Jfne | Op::Jfls | Op::Jfgr | Op::Jfle | Op::Jfge),
                Args::L(l),
            ) => {
                let t = self.label(*l)?;
                a64!(self.ops ; fmov d16, X(B) ; fmov d17, X(A) ; fcmp d16, d17);
                self.enter(*l);
                b_float(&mut self.ops, rel(op, Op::Jfeq), t);
            }
            (
                op @ (Op::Jfeq0 | Op::Jfne0 | Op::Jfls0 | Op::Jfgr0 | Op::Jfle0 | Op::Jfge0),
                Args::L(l),
            ) => {
                let t = self.label(*l)?;
                a64!(self.ops ; fmov d16, X(A) ; fcmp d16, #0.0);
                self.enter(*l);
                b_float(&mut self.ops, rel(op, Op::Jfeq0), t);
            }

            // s.9 field selectors
            (Op::Selld, Args::KK(len, sh)) => {
                a64!(self.ops ; ldr X(T0), [X(ZERO), X(A), lsl #3]);
                self.extract(A, T0, *len, *sh)?;
            }
            (Op::Selst, Args::KKK(sf, len, sh)) => self.selst(A, B, *sf, *len, *sh)?,
            (Op::Xselst, Args::KKK(sf, len, sh)) => self.selst(B, A, *sf, *len, *sh)?,

            (op, args) => return Err(format!("{op} with operands {args:?} is not supported")),
        }
        Ok(())
    }

    /// Integer conditional jump to `l` if B rel A (`with_b`), or A rel 0,
    /// with A and B wherever they are (a pending A is an immediate). A
    /// backward jump also spends one unit of Count: `subs` then `ccmp`,
    /// which compares only while the budget lasts and otherwise makes the
    /// condition false; the fall-through then checks the budget.
    fn int_jump(&mut self, cond: Cond, l: u32, with_b: bool) -> Result<(), String> {
        let t = self.label(l)?;
        let backward = self.backward(l);
        // The constant A is compared as an immediate where one fits.
        let imm = match (with_b, self.a_pending, self.known_a) {
            (true, true, Some(k)) if !backward || (0..=31).contains(&k) => Some(k),
            _ => None,
        };
        // `cmp` with an immediate reads register 31 as sp (`ccmp` as xzr).
        let b = if imm.is_some() && !backward {
            self.b_reg()
        } else {
            self.rb
        };
        // A wide constant MW holds already (a loop's bound, `wide.rs`).
        let bound =
            self.a_pending && self.known_a.is_some() && self.mw_at.get(&l) == self.known_a.as_ref();
        let a = match (imm, self.a_in_mw()) {
            (Some(_), _) => self.ra,
            (None, Some(mw)) if with_b => mw,
            (None, None) if with_b && bound => {
                // The loop's bound goes to MW, where the label wants it.
                self.enter(l);
                MW
            }
            _ => self.a(),
        };
        if !backward {
            match (with_b, imm, cond) {
                (false, _, Cond::Eq) => {
                    self.enter(l);
                    a64!(self.ops ; cbz X(a), =>t)
                }
                (false, _, Cond::Ne) => {
                    self.enter(l);
                    a64!(self.ops ; cbnz X(a), =>t)
                }
                (false, _, _) => a64!(self.ops ; cmp XSP(a), #0),
                (true, Some(k), _) => cmp_imm(&mut self.ops, b, k, &mut self.mw),
                (true, None, _) => a64!(self.ops ; cmp X(b), X(a)),
            }
            if !matches!((with_b, cond), (false, Cond::Eq | Cond::Ne)) {
                self.enter(l);
                b_int(&mut self.ops, cond, t);
            }
            return Ok(());
        }
        // Flags that make `cond` false when the budget has run out.
        let nzcv: u32 = match cond {
            Cond::Ne | Cond::Gt => 0b0100,
            Cond::Ge => 0b1000,
            _ => 0b0000,
        };
        let site = self.site(crate::abi::STEP_LIMIT);
        a64!(self.ops ; subs X(COUNT), XSP(COUNT), #1);
        match (with_b, imm) {
            (true, Some(k)) => {
                let k = k as u32;
                a64!(self.ops ; ccmp X(b), #k, #nzcv, pl)
            }
            (true, None) => a64!(self.ops ; ccmp X(b), X(a), #nzcv, pl),
            (false, _) => a64!(self.ops ; ccmp X(a), #0, #nzcv, pl),
        }
        self.enter(l);
        b_int(&mut self.ops, cond, t);
        // tbz reaches only 32 KiB: hop over a full-range branch to the stub.
        let go_on = self.ops.new_dynamic_label();
        a64!(self.ops
            ; tbz X(COUNT), #63, =>go_on
            ; b =>site
            ; =>go_on
        );
        Ok(())
    }

    /// Call the function in `entry` with first argument `arg` and new frame
    /// P+n (s.5.2): NP!0 = P and NP!1 = the return address with one `stp`,
    /// NP!2 = entry and NP!3 = arg with another, then P := NP, A := arg.
    fn call(&mut self, n: u32, entry: u8, arg: u8) -> Result<(), String> {
        let ret = self.ops.new_dynamic_label();
        let off = n as i64 * 8;
        a64!(self.ops ; adr X(T2), =>ret);
        if self.mutated(Mutation::ReturnAddressWrongSlot) && n >= 32 {
            add_imm(&mut self.ops, T0, P, off);
            a64!(self.ops
                ; stp X(T2), X(P), [X(T0)]
                ; stp X(entry), X(arg), [X(T0), #16]
                ; mov X(P), X(T0)
            );
        } else if off + 16 <= 504 {
            let (o0, o2) = (off as i32, off as i32 + 16);
            a64!(self.ops
                ; stp X(P), X(T2), [X(P), #o0]
                ; stp X(entry), X(arg), [X(P), #o2]
            );
            add_imm(&mut self.ops, P, P, off);
        } else {
            add_imm(&mut self.ops, T0, P, off);
            a64!(self.ops
                ; stp X(P), X(T2), [X(T0)]
                ; stp X(entry), X(arg), [X(T0), #16]
                ; mov X(P), X(T0)
            );
        }
        if arg != A {
            a64!(self.ops ; mov X(A), X(arg));
        }
        a64!(self.ops ; blr X(entry) ; =>ret);
        // The callee may have used MW.
        self.mw = None;
        Ok(())
    }

    /// A := (base + byte_off) / 8, the word address of a frame slot, global or static.
    fn word_address(&mut self, base: u8, byte_off: i64) {
        let d = self.fresh_a();
        add_imm(&mut self.ops, d, base, byte_off);
        a64!(self.ops ; lsr X(d), X(d), #3);
    }

    /// rd := m[word + k].
    fn load_word_plus(&mut self, rd: u8, word: u8, k: i64) {
        if k == 0 {
            a64!(self.ops ; ldr X(rd), [X(ZERO), X(word), lsl #3]);
        } else if let Some(kb) = kbase(k) {
            a64!(self.ops ; ldr X(rd), [X(kb), X(word), lsl #3]);
        } else {
            add_imm(&mut self.ops, T1, word, k);
            a64!(self.ops ; ldr X(rd), [X(ZERO), X(T1), lsl #3]);
        }
    }

    /// m[word + k] := rs.
    fn store_word_plus(&mut self, rs: u8, word: u8, k: i64) {
        if k == 0 {
            a64!(self.ops ; str X(rs), [X(ZERO), X(word), lsl #3]);
        } else if let Some(kb) = kbase(k) {
            a64!(self.ops ; str X(rs), [X(kb), X(word), lsl #3]);
        } else {
            add_imm(&mut self.ops, T1, word, k);
            a64!(self.ops ; str X(rs), [X(ZERO), X(T1), lsl #3]);
        }
    }

    /// T0 := the byte address 8 * word + index.
    fn byte_address(&mut self, word: u8, index: u8) {
        if self.mutated(Mutation::ByteIndexTimes4) {
            a64!(self.ops ; lsl X(T0), X(index), #2 ; add X(T0), X(T0), X(word), lsl #3);
        } else {
            a64!(self.ops ; add X(T0), X(index), X(word), lsl #3);
        }
    }

    /// ikp/ikg/ikl (k given) and ip/ig/il (k = A): A := x + k; x := A.
    fn increment(&mut self, base: u8, byte_off: i64, k: Option<i64>) {
        match k {
            Some(k) => {
                let d = self.fresh_a();
                ldr_off(&mut self.ops, d, base, byte_off);
                add_imm(&mut self.ops, d, d, k);
            }
            None => {
                let a = self.a();
                ldr_off(&mut self.ops, T0, base, byte_off);
                let d = self.fresh_a();
                a64!(self.ops ; add X(d), X(T0), X(a));
            }
        }
        str_off(&mut self.ops, self.ra, base, byte_off);
    }

    /// rd := TRUE (-1) or FALSE (0) from the flags.
    fn truth(&mut self, rd: u8, cond: Cond, float: bool) {
        if float {
            csetm_float(&mut self.ops, rd, cond);
        } else {
            csetm_int(&mut self.ops, rd, cond);
        }
        if self.mutated(Mutation::TrueIsOne) {
            a64!(self.ops ; neg X(rd), X(rd));
        }
    }

    /// div/mod of `n` by `d` into `dst` (s.10.1): zero divisor -> fault 5
    /// (no test when the divisor is a constant other than 0, `nonzero`);
    /// sdiv gives MIN for MIN / -1 and msub 0 for MIN MOD -1.
    fn divide(
        &mut self,
        n: u8,
        d: u8,
        dst: u8,
        remainder: bool,
        nonzero: bool,
    ) -> Result<(), String> {
        if self.mutated(Mutation::DivZeroIsZero) {
            // sdiv by zero gives 0 on AArch64; msub then gives the dividend.
            let done = self.ops.new_dynamic_label();
            let skip = self.ops.new_dynamic_label();
            a64!(self.ops ; cbnz X(d), =>skip ; movz X(dst), #0 ; b =>done ; =>skip);
            self.divide_core(n, d, dst, remainder);
            a64!(self.ops ; =>done);
            return Ok(());
        }
        if !nonzero {
            let site = self.site(5);
            a64!(self.ops ; cbz X(d), =>site);
        }
        self.divide_core(n, d, dst, remainder);
        Ok(())
    }

    fn divide_core(&mut self, n: u8, d: u8, dst: u8, remainder: bool) {
        if !remainder {
            a64!(self.ops ; sdiv X(dst), X(n), X(d));
        } else if self.mutated(Mutation::RemainderSignOfDivisor) {
            // A floored remainder: r + d when r and d differ in sign.
            a64!(self.ops
                ; sdiv X(T0), X(n), X(d)
                ; msub X(T0), X(T0), X(d), X(n)
                ; eor X(T1), X(T0), X(d)
                ; add X(T2), X(T0), X(d)
                ; cmp XSP(T0), #0
                ; ccmp X(T1), #0, #0, ne
                ; csel X(dst), X(T2), X(T0), lt
            );
        } else {
            a64!(self.ops
                ; sdiv X(T0), X(n), X(d)
                ; msub X(dst), X(T0), X(d), X(n)
            );
        }
    }

    /// The 64-bit part of muldiv and sys(Sys_muldiv) (runtime.md s.6.5):
    /// A := `product` ÷ `divisor` (a divisor of 0 counts as 1; MIN ÷ -1
    /// wraps), B := the remainder, which also goes to result2 (G!10) and to
    /// the host's hidden result2 (s.7.3).
    fn muldiv_64(&mut self, product: u8, divisor: u8) {
        let r2 = Slot::HostR2.offset();
        a64!(self.ops
            ; cmp XSP(divisor), #0
            ; csinc X(T2), X(divisor), xzr, ne
            ; sdiv x0, X(product), X(T2)
            ; msub x1, x0, X(T2), X(product)
            ; str x1, [X(ST), #r2]
            ; str x1, [X(G), #80]
        );
    }

    /// d16 := d16 op d17.
    fn float_op(&mut self, op: Op) {
        match op {
            Op::Fmul => a64!(self.ops ; fmul d16, d16, d17),
            Op::Fdiv => a64!(self.ops ; fdiv d16, d16, d17),
            Op::Fadd => a64!(self.ops ; fadd d16, d16, d17),
            _ => a64!(self.ops ; fsub d16, d16, d17),
        }
    }

    /// rd := fmod32(x, y) through the host (libm fmodf), saving A, B, C, R
    /// and T0 on the machine stack (sp stays 16-byte aligned).
    fn fmod(&mut self, x: u8, y: u8, rd: u8) {
        a64!(self.ops
            ; fmov d0, X(x)
            ; fmov d1, X(y)
            ; stp x0, x1, [sp, #-48]!
            ; stp x2, x3, [sp, #16]
            ; str X(T0), [sp, #32]
        );
        host_call(&mut self.ops, Slot::Fmod.offset());
        a64!(self.ops
            ; fmov X(T5), d0
            ; ldr X(T0), [sp, #32]
            ; ldp x2, x3, [sp, #16]
            ; ldp x0, x1, [sp], #48
            ; mov X(rd), X(T5)
        );
        if self.mutated(Mutation::FmodClobbersB) && rd != B {
            // As if the C function had used x1 and nothing restored it.
            a64!(self.ops ; mov X(B), X(T5));
        }
    }

    /// FIX (s.8): t = x + 0.5 (x > 0) or x - 0.5, rounded in double, then
    /// truncated; NaN or t >= 2^63 gives MIN_INT (fcvtzs would saturate to
    /// MAX or give 0); t < -2^63 saturates to MIN_INT by itself.
    fn fix(&mut self) {
        if self.mutated(Mutation::FixTruncates) {
            a64!(self.ops ; fmov d16, X(A) ; fcvtzs X(A), d16);
            return;
        }
        a64!(self.ops
            ; fmov d16, X(A)
            ; fmov d17, #0.5
            ; fmov d18, #-0.5
            ; fcmp d16, #0.0
            ; fcsel d17, d17, d18, gt
            ; fadd d16, d16, d17
            ; fcvtzs X(A), d16
            ; movz X(T0), #0x43E0, lsl #48
            ; fmov d19, X(T0)
            ; fcmp d16, d19
            ; movz X(T0), #0x8000, lsl #48
            ; csel X(A), X(T0), X(A), hs
        );
    }

    /// rd := field(len, sh) of the word in `word` (s.9), via ubfx or lsr.
    fn extract(&mut self, rd: u8, word: u8, len: i64, sh: i64) -> Result<(), String> {
        let (w, sh) = field_width(len, sh)?;
        if w + sh == 64 {
            if sh == 0 {
                a64!(self.ops ; mov X(rd), X(word));
            } else {
                a64!(self.ops ; lsr X(rd), X(word), #sh);
            }
        } else {
            a64!(self.ops ; ubfx X(rd), X(word), #sh, #w);
        }
        Ok(())
    }

    /// selst/xselst (s.9): field(len, sh) of m[addr] := old sf x, leaving A
    /// and B unchanged. T0 = the word, T1 = old, T2 = new.
    fn selst(&mut self, addr: u8, x: u8, sf: i64, len: i64, sh: i64) -> Result<(), String> {
        let (w, shu) = field_width(len, sh)?;
        a64!(self.ops ; ldr X(T0), [X(ZERO), X(addr), lsl #3]);
        self.extract(T1, T0, len, sh)?;
        match sf {
            0 => a64!(self.ops ; mov X(T2), X(x)),
            1 => a64!(self.ops ; add X(T2), X(T1), X(x) ; ldr X(T2), [X(ZERO), X(T2), lsl #3]),
            2 | 3 | 5 | 6 => {
                a64!(self.ops ; fmov d16, X(T1) ; fmov d17, X(x));
                self.float_op(match sf {
                    2 => Op::Fmul,
                    3 => Op::Fdiv,
                    5 => Op::Fadd,
                    _ => Op::Fsub,
                });
                a64!(self.ops ; fmov X(T2), d16);
            }
            4 => self.fmod(T1, x, T2),
            7 => a64!(self.ops ; mul X(T2), X(T1), X(x)),
            8 | 9 => {
                let site = self.site(5);
                a64!(self.ops ; cbz X(x), =>site ; sdiv X(T2), X(T1), X(x));
                if sf == 9 {
                    a64!(self.ops ; msub X(T2), X(T2), X(x), X(T1));
                }
            }
            10 => a64!(self.ops ; add X(T2), X(T1), X(x)),
            11 => a64!(self.ops ; sub X(T2), X(T1), X(x)),
            12 => shift(&mut self.ops, T2, T1, x, true, T4, T5),
            13 => shift(&mut self.ops, T2, T1, x, false, T4, T5),
            14 => a64!(self.ops ; and X(T2), X(T1), X(x)),
            15 => a64!(self.ops ; orr X(T2), X(T1), X(x)),
            16 => a64!(self.ops ; eon X(T2), X(T1), X(x)),
            17 => a64!(self.ops ; eor X(T2), X(T1), X(x)),
            _ => return Err(format!("selst operator {sf} out of range 0..17")),
        }
        if w == 64 {
            a64!(self.ops ; mov X(T0), X(T2));
        } else if self.mutated(Mutation::SelstOneBitTooMany) && shu + w < 64 {
            let w1 = w + 1;
            a64!(self.ops ; bfi X(T0), X(T2), #shu, #w1);
        } else {
            a64!(self.ops ; bfi X(T0), X(T2), #shu, #w);
        }
        a64!(self.ops ; str X(T0), [X(ZERO), X(addr), lsl #3]);
        Ok(())
    }

    /// swl (s.7.1): unsigned bounds check, then a table of branches.
    fn swl(&mut self, default: u32, labels: &[u32]) -> Result<(), String> {
        let d = self.label(default)?;
        if labels.is_empty() {
            a64!(self.ops ; b =>d);
            return Ok(());
        }
        let table = self.ops.new_dynamic_label();
        cmp_imm(&mut self.ops, A, labels.len() as i64, &mut self.mw);
        if self.mutated(Mutation::SwlBoundsOffByOne) {
            a64!(self.ops ; b.hi =>d);
        } else {
            a64!(self.ops ; b.hs =>d);
        }
        a64!(self.ops
            ; adr X(T0), =>table
            ; add X(T0), X(T0), X(A), lsl #2
            ; br X(T0)
            ; =>table
        );
        for l in labels {
            let t = self.label(*l)?;
            a64!(self.ops ; b =>t);
        }
        Ok(())
    }

    /// swb (s.7.2): the implicit binary tree searched as the spec defines
    /// it (node j: bigger keys at 2j, smaller at 2j+1), as compiled code.
    fn swb(&mut self, default: u32, cases: &[(i64, u32)]) -> Result<(), String> {
        let d = self.label(default)?;
        if self.mutated(Mutation::SwbAssumesSorted) {
            // A binary chop over the pairs as if they were sorted by key.
            return self.swb_sorted(0, cases.len(), cases, d);
        }
        if cases.is_empty() {
            a64!(self.ops ; b =>d);
            return Ok(());
        }
        let nodes: Vec<_> = (0..=cases.len())
            .map(|_| self.ops.new_dynamic_label())
            .collect();
        self.swb_node(1, cases, &nodes, d)
    }

    fn swb_node(
        &mut self,
        j: usize,
        cases: &[(i64, u32)],
        nodes: &[dynasmrt::DynamicLabel],
        d: dynasmrt::DynamicLabel,
    ) -> Result<(), String> {
        let (key, target) = cases[j - 1];
        let t = self.label(target)?;
        let here = nodes[j];
        a64!(self.ops ; =>here);
        // Nodes are reached along different paths: what MW holds is not known.
        self.mw = None;
        cmp_imm(&mut self.ops, A, key, &mut self.mw);
        a64!(self.ops ; b.eq =>t);
        let (bigger, smaller) = (2 * j, 2 * j + 1);
        let smaller_label = if smaller <= cases.len() {
            nodes[smaller]
        } else {
            d
        };
        a64!(self.ops ; b.lt =>smaller_label);
        if bigger <= cases.len() {
            self.swb_node(bigger, cases, nodes, d)?;
        } else {
            a64!(self.ops ; b =>d);
        }
        if smaller <= cases.len() {
            self.swb_node(smaller, cases, nodes, d)?;
        }
        Ok(())
    }

    fn swb_sorted(
        &mut self,
        lo: usize,
        hi: usize,
        cases: &[(i64, u32)],
        d: dynasmrt::DynamicLabel,
    ) -> Result<(), String> {
        if lo >= hi {
            a64!(self.ops ; b =>d);
            return Ok(());
        }
        let mid = (lo + hi) / 2;
        let (key, target) = cases[mid];
        let t = self.label(target)?;
        let left = self.ops.new_dynamic_label();
        self.mw = None;
        cmp_imm(&mut self.ops, A, key, &mut self.mw);
        a64!(self.ops ; b.eq =>t ; b.lt =>left);
        self.swb_sorted(mid + 1, hi, cases, d)?;
        a64!(self.ops ; =>left);
        self.mw = None;
        self.swb_sorted(lo, mid, cases, d)
    }
}

/// The effective width and shift of SLCT len:sh: len 0 means up to bit 63,
/// and bits beyond 63 are lost (s.9).
fn field_width(len: i64, sh: i64) -> Result<(u32, u32), String> {
    if !(0..=63).contains(&sh) || !(0..=64).contains(&len) {
        return Err(format!("field {len}:{sh} out of range"));
    }
    let len = if len == 0 { 64 } else { len };
    Ok(((len.min(64 - sh)) as u32, sh as u32))
}
