//! Reference semantics of 64-bit Sial and of 64-bit Cintcode: the
//! interpreters that every other engine is compared with ([`interp`] for
//! Sial, [`cintcode`] for Cintcode). The run-time library, memory,
//! loader and outcome it runs with are the shared crate `runtime`,
//! re-exported here under their old paths (`reference::load`,
//! `reference::runtime::library`, ...).

pub mod cintcode;
pub mod interp;

pub use runtime;
pub use runtime::{load, memory, outcome};
pub use runtime::{Ending, ExternalFailure, Location, Outcome, RunConfig};
