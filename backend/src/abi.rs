//! The machine-level contract of the built-in backend: which AArch64
//! register holds which BCPL register (the user's ARM64 spec, with the roles
//! DESIGN.md gives ST, Count and MW), the context block ST points to, and the
//! C-ABI bridge to host functions.
//!
//! Memory model: a BCPL word address is the machine byte address divided by
//! 8, so P!0 (the caller's P as a machine address, which is also the
//! saved-P byte form of sial.md s.5.1) and P!1 (the return address) form an
//! AAPCS64 frame record at x29.

/// A, the accumulator; also the first argument and the result (x0).
pub const A: u8 = 0;
/// B, the second operand (x1).
pub const B: u8 = 1;
/// C, the byte register of pbyt/xpbyt (x2).
pub const C: u8 = 2;
/// R, the hidden result cell of res/ldres (x3; calls destroy it, s.1.3).
pub const R: u8 = 3;
/// First scratch register (x9..x15 are scratch).
pub const T0: u8 = 9;
pub const T1: u8 = 10;
pub const T2: u8 = 11;
pub const T3: u8 = 12;
pub const T4: u8 = 13;
pub const T5: u8 = 14;
/// Scratch for large offsets.
pub const TOFF: u8 = 15;
/// Holds 0: the base register of `[ZERO, Xw, lsl #3]` word accesses.
pub const ZERO: u8 = 24;
/// Registers that hold 8k for the common small k, so that `m[w + k]` is one
/// access `[Xk, Xw, lsl #3]` (lkp, stkp, lkg, skg, rvk, stk). Set by the
/// trampoline; host code preserves them (callee-saved).
pub const KBASES: [(i64, u8); 4] = [(1, 19), (2, 20), (3, 21), (-1, 22)];

/// The register holding 8k, if k has one.
pub fn kbase(k: i64) -> Option<u8> {
    KBASES.iter().find(|(v, _)| *v == k).map(|(_, r)| *r)
}
/// MW: wide constants are built here with movz/movk (the counterpart of
/// Cintcode's MW prefix).
pub const MW: u8 = 25;
/// Count: the step budget, decremented at loop heads and function entries.
pub const COUNT: u8 = 26;
/// ST: the context block (host entry points).
pub const ST: u8 = 27;
/// G: machine address of global 0.
pub const G: u8 = 28;
/// P: machine address of the current frame.
pub const P: u8 = 29;

/// Slots of the context block (8 bytes each) that ST points to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Slot {
    /// `lib(a1, a2, a3, a4, a5, np, index, ctx) -> a`: library function `index`
    /// of `runtime::library::LIBRARY` with its BCPL frame at word
    /// address `np`.
    Lib = 0,
    /// `sys(op, a1, a2, a3, a4, p, _, ctx) -> a`: the `sys` instruction with
    /// the current frame at word address `p`.
    Sys = 1,
    /// `muldiv(a, b, c) -> (q, r)` in x0/x1: exact muldiv (sial.md s.6.4).
    Muldiv = 2,
    /// `fmod32(d0, d1) -> d0`: the single-precision remainder (sial.md s.8).
    Fmod = 3,
    /// `fault(code, site)`: never returns. `code` < 0 is a harness stop
    /// ([`STEP_LIMIT`]); `site` is the code address of the fault stub.
    Fault = 4,
    /// `exit(code)`: the boot function returned; never returns.
    Exit = 5,
    /// The host's context pointer (passed in x7 to Lib and Sys).
    Context = 6,
    /// The host's hidden result2 variable (runtime.md s.7.3), which the
    /// generated code's own muldiv writes: Lib and Sys read it on entry and
    /// write it back on return. A data slot, not an entry.
    HostR2 = 7,
}

/// Number of slots.
pub const SLOTS: usize = 8;

impl Slot {
    /// Byte offset from ST.
    pub fn offset(self) -> u32 {
        self as u32 * 8
    }

    /// All slots in order.
    pub const ALL: [Slot; SLOTS] = [
        Slot::Lib,
        Slot::Sys,
        Slot::Muldiv,
        Slot::Fmod,
        Slot::Fault,
        Slot::Exit,
        Slot::Context,
        Slot::HostR2,
    ];
}

/// Fault code the generated code passes when Count runs out.
pub const STEP_LIMIT: i64 = -1;

/// Fault code of the stub reached when control runs off the end of a
/// module's code.
pub const FELL_OFF: i64 = -2;
