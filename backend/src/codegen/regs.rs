//! Where A and B are inside a basic block: the lazy accumulator.
//!
//! Between block boundaries A and B may live in any of x0, x1 and x12 (and
//! in the same register, after `atb` or `bta`), A may be a constant not
//! yet loaded (after `l`, `lm`, `lw`, `atbl`), and a B of 0 may be xzr
//! (`atb` of a pending 0: `l K0; atblp P7; stp P3` stores xzr). So
//! `atblp P4` is one load (B takes over A's register, A goes to another),
//! `bta` costs nothing, and `atbl K; jgr L` compares with an immediate. At
//! every boundary (a label reached by falling through, a jump, a call, an
//! instruction that is not translated register-aware) [`Compiler::settle`]
//! puts the accumulators that are live there (`live.rs`) back in x0 and x1,
//! so between blocks the machine state is exactly that of fixed registers.

use super::asm::{a64, load_imm};
use super::live::{LA, LB};
use super::Compiler;
use crate::abi::{A, B, T0, T3};
use dynasmrt::DynasmApi;

/// The third register A and B may be kept in inside a block.
pub const SPARE: u8 = T3;
/// Register number 31 as a source operand: xzr (but sp as a base or in
/// `add`/`cmp` with an immediate, see [`Compiler::b_reg`]).
pub const XZR: u8 = 31;

impl Compiler<'_> {
    /// A in a register (loading a pending constant).
    pub(super) fn a(&mut self) -> u8 {
        if self.a_pending {
            let k = self.known_a.expect("a pending A has a value");
            load_imm(&mut self.ops, self.ra, k);
            self.a_pending = false;
        }
        self.ra
    }

    /// A in a register to be stored: xzr for a pending 0 (which stays pending).
    pub(super) fn a_or_zr(&mut self) -> u8 {
        if self.a_pending && self.known_a == Some(0) {
            XZR
        } else {
            self.a()
        }
    }

    /// A register for a new value of A (not B's): x0 unless B is there.
    /// The old A stays readable until the caller writes the register.
    pub(super) fn fresh_a(&mut self) -> u8 {
        self.ra = if self.rb != A { A } else { SPARE };
        self.a_pending = false;
        self.known_a = None;
        self.a_local = None;
        self.ra
    }

    /// A := k, not loaded until needed.
    pub(super) fn pending_a(&mut self, k: i64) {
        self.fresh_a();
        self.a_pending = true;
        self.known_a = Some(k);
    }

    /// B := A by renaming (A's register now holds B too). A pending 0
    /// becomes B in xzr, so that storing it needs no register.
    pub(super) fn b_takes_a(&mut self) {
        self.rb = if self.a_pending && self.known_a == Some(0) {
            XZR
        } else {
            self.a()
        };
    }

    /// B in a register that may also be read as a base or compared with an
    /// immediate (where register 31 means sp): a B kept in xzr is loaded.
    pub(super) fn b_reg(&mut self) -> u8 {
        if self.rb == XZR {
            let r = [B, A, SPARE]
                .into_iter()
                .find(|&r| r != self.ra)
                .expect("three registers, A in one");
            a64!(self.ops ; movz X(r), #0);
            self.rb = r;
        }
        self.rb
    }

    /// Put the accumulators of `live` (LA, LB bits) in x0 (A) and x1 (B);
    /// those of `used` (read by the instruction being compiled) stay
    /// readable wherever they are, and a pending A stays pending unless it
    /// is live. The others may be overwritten: they are dead.
    pub(super) fn settle(&mut self, live: u8, used: u8) {
        let want_a = live & LA != 0;
        let want_b = live & LB != 0;
        let keep_a = want_a || used & LA != 0;
        let keep_b = want_b || used & LB != 0;
        // A occupies its register (a pending A is only a reservation).
        let a_in = |s: &Self, r: u8| !s.a_pending && s.ra == r && s.ra != s.rb;
        if want_b && self.rb != B {
            if keep_a && a_in(self, B) {
                if self.rb != A {
                    // B in x12: A goes to x0 (free), then B to x1.
                    a64!(self.ops ; mov X(A), X(B) ; mov X(B), X(self.rb));
                    self.ra = A;
                } else if want_a {
                    a64!(self.ops ; mov X(T0), X(A) ; mov X(A), X(B) ; mov X(B), X(T0));
                    self.ra = A;
                } else {
                    a64!(self.ops ; mov X(SPARE), X(B) ; mov X(B), X(A));
                    self.ra = SPARE;
                }
            } else {
                a64!(self.ops ; mov X(B), X(self.rb));
            }
            self.rb = B;
            if self.a_pending && self.ra == B {
                self.ra = A;
            }
        }
        if want_a && (self.a_pending || self.ra != A) {
            if self.rb == A && keep_b {
                // B (kept, not wanted) sits in x0: move it to x1 first.
                if a_in(self, B) {
                    a64!(self.ops ; mov X(T0), X(A) ; mov X(A), X(B) ; mov X(B), X(T0));
                    self.ra = A;
                    self.rb = B;
                    return;
                }
                a64!(self.ops ; mov X(B), X(A));
                self.rb = B;
            }
            if self.a_pending {
                self.ra = A;
                self.a();
            } else {
                a64!(self.ops ; mov X(A), X(self.ra));
                self.ra = A;
            }
        }
    }

    /// After a label or a call: A in x0, B in x1, nothing known.
    pub(super) fn reset_regs(&mut self) {
        self.ra = A;
        self.rb = B;
        self.a_pending = false;
        self.known_a = None;
        self.a_local = None;
    }
}
