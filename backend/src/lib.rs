//! cintcheck's compact AArch64 backend for 64-bit Sial.
//!
//! * [`abi`]: the register mapping of the user's ARM64 spec (A = x0, B = x1,
//!   C = x2, P = x29, G = x28, ST = x27, Count = x26, MW = x25) and the
//!   C-ABI bridge to host functions;
//! * [`codegen`]: Sial to AArch64 machine code with dynasmrt;
//! * [`exec`]: executors (Unicorn in-process; native on aarch64 hosts);
//! * [`cintcode`]: the Cintcode level: 64-bit Cintcode to AArch64, run
//!   under the emulator (the `a64` engine's `run_cintcode`);
//! * [`engine`]: the `a64` engine (compile, load, run, classify);
//! * [`listing`]: Sial interleaved with the AArch64 it became;
//! * [`asm_text`]: the same code as assembly text (ELF or Mach-O) for
//!   stand-alone executables, with the program [`image`] they carry.

pub mod abi;
pub mod asm_text;
pub mod cintcode;
pub mod codegen;
pub mod engine;
pub mod exec;
pub mod image;
pub mod listing;

pub use engine::{run, run_with, A64Options, A64Run};
