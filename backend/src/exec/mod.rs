//! Executors for generated code: the Unicorn emulator in-process on
//! non-aarch64 hosts, and native execution in a child process on aarch64
//! hosts. Both report the same [`RunState`] and [`EmuEnd`].

use runtime::memory::Memory;
use runtime::{Runtime, Stop};

#[cfg(not(target_arch = "aarch64"))]
pub mod emulator;
#[cfg(target_arch = "aarch64")]
pub mod native;
#[cfg(target_arch = "aarch64")]
pub mod standalone;

/// What stopped a run from the host side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostStop {
    /// The boot function returned this code.
    Exit(i64),
    /// A fault stub was reached: code and the stub's guest address.
    Fault { code: i64, site: u64 },
    /// A library function stopped the run; `call` is the guest address of the
    /// BCPL instruction that called it.
    Library { stop: Stop, call: u64 },
}

/// Per-run state the hooks work on.
pub struct RunState {
    pub mem: Memory,
    pub rt: Runtime,
    pub stop: Option<HostStop>,
    /// Address of the last unmapped access.
    pub bad_address: Option<u64>,
    /// A64 instructions executed (when counting).
    pub instructions: u64,
    /// Statics whose final words the outcome reports (`RunConfig::capture_statics`).
    pub capture_statics: Vec<u32>,
}

/// How the execution ended.
pub enum EmuEnd {
    /// A host entry stopped it (see [`RunState::stop`]).
    Host,
    /// An unmapped or protected access, an undefined instruction, ...: the
    /// error, the pc, and x30.
    Error {
        error: String,
        kind: ErrorKind,
        pc: u64,
        lr: u64,
    },
    /// The emulator's wall-clock safety net stopped a run that the
    /// generated code's own step budget (Count, x26) did not end.
    SafetyNet { pc: u64 },
}

/// The classes of emulator errors the engine distinguishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    Memory,
    Fetch,
    Other,
}
