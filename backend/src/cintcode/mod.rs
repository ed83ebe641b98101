//! The Cintcode level of the built-in backend: 64-bit Cintcode
//! (cintcode64.md) translated to AArch64, following the ARM64 spec's
//! sections 1-7 and the translator's pitfalls of cintcode64.md s.14.
//!
//! * [`translate`]: the instruction selector (every reachable instruction of
//!   every section, library included, to native code with dynasmrt);
//! * [`map`]: the byte address -> native address table of dynamic
//!   transfers (K-calls, RTN, GOTO, SWL, CHGCO, MDIV's return) and the
//!   native -> Cintcode map that locates faults;
//! * [`run`]: loading, executing under the emulator (natively on aarch64
//!   hosts: not built yet) and classifying the outcome;
//! * [`truncated`]: how an instruction that runs into memory's end fails;
//! * [`listing`]: Cintcode with the AArch64 it became;
//! * [`mutation`]: the deliberate faults of the Cintcode mutants.
//!
//! Machine registers: A = x0, B = x1, C = x2, P = x29 and G = x28 as
//! machine byte addresses (8 x word address: BCPL memory is at guest
//! address 0, so P!0, the caller's P in byte form, is the old x29 itself),
//! ST = x27 (the context block: host entries and the Count switch),
//! Count = x26 (instructions left before the next Count or step-budget
//! event, see [`translate`]), MW = x25 (the pending MW, a run-time
//! register), x24 = 0 (base of `[x24, xW, lsl #3]` word accesses), x19 the
//! dispatch table, x20 the code base, x21 the table's length, x22 the
//! checked-fetch limit 8 x memupb, x23 the byte address the table starts
//! at; x9-x17 scratch. x18 is never touched.

pub mod listing;
pub mod map;
pub mod mutation;
pub mod run;
pub mod translate;
pub mod truncated;

pub use mutation::Mutation;

/// Whether this build runs translated Cintcode: under the emulator, so not
/// on aarch64 hosts, where native execution of this level is not built yet
/// (engines then report the level as unsupported).
pub const AVAILABLE: bool = cfg!(not(target_arch = "aarch64"));
pub use run::{run, run_with, CinOptions, CinRun};
pub use translate::{translate, Translated};

/// Machine register numbers of the Cintcode level: the seed's map and the
/// scratch registers are the Sial level's ([`crate::abi`]); the rest are
/// this level's own.
pub mod regs {
    pub use crate::abi::{A, B, C, COUNT, G, MW, P, ST, T0, T1, T2, T3, T4, T5, TOFF, ZERO};
    /// Host-entry address register.
    pub const HOST: u8 = 16;
    pub const TABLE: u8 = 19;
    pub const CODE: u8 = 20;
    pub const TABLE_LEN: u8 = 21;
    pub const PC_LIMIT: u8 = 22;
    pub const TABLE_LO: u8 = 23;
}

/// Host entries: slot numbers of the context block (8 bytes each) that ST
/// points to. Under the emulator each is an address on the host page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Host {
    /// Count or the step budget ran out before an instruction (stops).
    Event = 0,
    /// The SYS instruction: A = x0, P = x29 (continues or stops).
    Sys = 1,
    /// A fault with code x9 (1, 2, 5, 14, 16; stops).
    Fault = 2,
    /// Fault 4 at a checked fetch of target x9 (stops).
    BadPc = 3,
    /// A dynamic transfer to x9, which has no translated code: the host
    /// translates the code there (as the reference would execute whatever
    /// bytes are there) and returns its native address in x9, or stops
    /// (a target outside memory is a bad jump; opcode 0 is fault 1).
    Miss = 4,
    /// MDIV: x0 := muldiv(x9, x10, x11), x9 := the remainder.
    Muldiv = 5,
    /// d0 := fmod32(d0, d1) (FLTOP mod, single precision).
    Fmod = 6,
    /// x0 := fl_mk(x0, x9) (FLTOP mk).
    FlMk = 7,
    /// SELST with x9 = op | len << 8 | sh << 16 on address x0, operand x1.
    Selst = 8,
}

impl Host {
    pub const ALL: [Host; 9] = [
        Host::Event,
        Host::Sys,
        Host::Fault,
        Host::BadPc,
        Host::Miss,
        Host::Muldiv,
        Host::Fmod,
        Host::FlMk,
        Host::Selst,
    ];

    /// Byte offset of the slot from ST.
    pub fn offset(self) -> u32 {
        self as u32 * 8
    }
}

/// Context slot holding 1 while Count >= 0 (GOTO and CHGCO check their
/// target then, as the slow interpreter does, s.1.3).
pub const COUNT_ON_SLOT: u32 = 16 * 8;
