//! cintcheck: a differential conformance harness for ARM64 implementations
//! of 64-bit BCPL. This library holds the engines registry, source reading,
//! the corpus checker and the benchmark; `main.rs` is the command line.

pub mod bench;
pub mod case;
pub mod corpus;
pub mod engine;
pub mod exe;
pub mod external;
pub mod fuzz;
pub mod mutants;
pub mod report;
pub mod runner;
pub mod source;
