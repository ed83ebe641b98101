//! Reference semantics of 64-bit Sial: the interpreter that every other
//! engine is compared with, and the BCPL run-time library that every engine
//! shares.
//!
//! * [`memory`]: word-addressed BCPL memory;
//! * [`runtime`]: the library (host functions and the Sial prelude);
//! * [`load`]: memory layout and initialisation, the same for every engine;
//! * [`interp`]: the interpreter;
//! * [`outcome`]: what a run produced.

pub mod interp;
pub mod load;
pub mod memory;
pub mod outcome;
pub mod runtime;

pub use load::RunConfig;
pub use outcome::{Ending, ExternalFailure, Location, Outcome};
