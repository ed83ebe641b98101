//! The BCPL run-time library and the machine model that every engine
//! shares (runtime.md): BCPL memory, loading a program into it, the outcome
//! of a run, and the library itself. It knows nothing of how Sial is
//! executed: the reference interpreter (crate `reference`) and the AArch64
//! backend (crate `backend`) both build on it, and neither can reach the
//! other.
//!
//! * [`memory`]: word-addressed BCPL memory;
//! * [`load`]: memory layout and initialisation, the same for every engine;
//!   [`cin_load`] loads 64-bit Cintcode programs into the same layout, and
//!   [`cin_sys`] is the Cintcode SYS instruction's side of the library;
//! * [`outcome`]: what a run produced;
//! * the library, in three parts:
//!   - host functions (the other modules): pure data work on BCPL memory,
//!     such as `writef`, `getvec`, `rdargs`, `randno`, `sys`, streams. An
//!     engine calls them through [`library::call`] with the word address of
//!     the callee's frame, so every engine shares exactly the same code;
//!   - a small Sial module (`prelude.sial`) for the functions that transfer
//!     control between frames (coroutines, `stop`, `level`/`longjump`,
//!     `sys`, `muldiv`, `changeco`), and the boot code that plays the CLI;
//!   - BCPL (`writers.b`, compiled to `writers.sial`) for the functions
//!     that call other library functions through the global vector.
//!
//! Every engine runs the two Sial modules as ordinary Sial, as the real
//! system runs its library as compiled BCPL plus hand-written bodies.

pub mod cin_load;
pub mod cin_sys;
pub mod load;
pub mod memory;
pub mod outcome;

pub use load::RunConfig;
pub use outcome::{Ending, ExternalFailure, Location, Outcome};

pub mod float;
pub mod format;
pub mod heap;
pub mod input;
pub mod library;
pub mod output;
pub mod rdargs;
pub mod streams;
pub mod strings;
pub mod sys;
pub mod writers;

use crate::memory::Memory;
pub use heap::Heap;
pub use input::Input;
pub use output::Output;

/// Why a run stops before its main function returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stop {
    /// A BCPL fault or `abort(code)`: the real system prints
    /// `\n!! ABORT code: message\n* \n` and exits with status 0.
    Abort { code: i64, message: String },
    /// `sys(Sys_quit, 0)` / `abort(0)`: leave at once, silently.
    Quit,
    /// An access outside BCPL memory (the real system does not check; this is
    /// the harness's classification of a wild access).
    BadAddress { addr: i64 },
    /// A call, `goto` or return to something that is not a code address
    /// (an unset global is reported as `Abort` 4 instead, as in cintsys64).
    BadJump { target: i64 },
    /// The step budget ran out.
    StepLimit,
    /// The program wrote more than the stdout cap ([`output::DEFAULT_LIMIT`]).
    OutputLimit,
}

impl Stop {
    /// An abort with the standard message for `code` (runtime.md s.6.2).
    pub fn abort(code: i64) -> Stop {
        Stop::Abort {
            code,
            message: abort_message(code).to_string(),
        }
    }

    /// Fault 5, division or remainder by zero.
    pub fn division_by_zero() -> Stop {
        Stop::abort(5)
    }
}

/// The debugger's message for an abort code (runtime.md s.6.2).
pub fn abort_message(code: i64) -> &'static str {
    match code {
        1 => "Illegal instruction",
        2 => "BRK instruction",
        3 => "Zero count",
        4 => "pc out of range",
        5 => "Division by zero",
        13 => "SIGINT received",
        15 => "PC out of range",
        16 => "P pointer out of range",
        17 => "SIGSEGV occurred",
        18 => "End of instruction tracing",
        99 => "User requested",
        110 => "Callco fault",
        111 => "Resumeco fault",
        112 => "Deleteco fault",
        180 => "Unable to delete a task",
        181 => "Unable to send a packet",
        182 => "Unexpected pkt received",
        186 => "Bad input stream",
        187 => "Bad output stream",
        188 => "Unable to replenish input",
        189 => "Wrch fault",
        190 => "Endread fault",
        191 => "Endwrite fault",
        197 => "Store chain fault",
        _ => "Unknown fault",
    }
}

/// Per-run state of the library that does not live in BCPL memory.
#[derive(Debug)]
pub struct Runtime {
    pub out: Output,
    pub input: Input,
    pub heap: Heap,
    /// The host's result2 variable that `Sys_flt` copies into G10 (runtime.md s.7.3).
    pub host_r2: i64,
    /// Word address of the console output stream control block (cos at start).
    pub console_out: i64,
    /// Word address of the console input stream control block (cis at start).
    pub console_in: i64,
    /// Name used in the CLI's `NAME failed returncode N` message.
    pub program_name: String,
    /// Globals to read when the run ends ([`Runtime::conclude`]), and their values.
    pub capture: Vec<u32>,
    pub captured: Vec<(u32, i64)>,
    /// The fast path of the library functions written in BCPL (`writers.b`).
    pub writers: writers::WritersState,
    /// Files of the run's scratch directory and the streams open on them.
    pub streams: streams::Streams,
}

impl Runtime {
    /// A runtime for the command `name` run with the argument string `args`
    /// (without the final newline) and then `stdin` on its input, whose heap
    /// is the word range `heap` of memory.
    pub fn new(name: &str, args: &[u8], stdin: &[u8], heap: std::ops::Range<i64>) -> Runtime {
        let mut input = Input::with_command_name(name.as_bytes(), args, stdin);
        let mut out = Output::new();
        // What the CLI's line editor echoed while reading the command line.
        for b in input.take_startup_echo() {
            out.sawrch(b as i64);
        }
        Runtime {
            out,
            input,
            heap: Heap::new(heap),
            host_r2: 0,
            console_out: 0,
            console_in: 0,
            program_name: name.to_string(),
            capture: Vec::new(),
            captured: Vec::new(),
            writers: writers::WritersState::default(),
            streams: streams::Streams::default(),
        }
    }

    /// The runtime of a run configured by `config`: its command name,
    /// arguments and stdin, stdout cap, globals to capture, and `tee` for
    /// stdout as it is written.
    pub fn for_run(
        config: &crate::load::RunConfig,
        heap: std::ops::Range<i64>,
        tee: Option<Box<dyn std::io::Write + Send>>,
    ) -> Runtime {
        let mut rt = Runtime::new(&config.program_name, &config.args, &config.stdin, heap);
        rt.out.tee = tee;
        rt.out.limit = config.stdout_limit;
        rt.capture = config.capture_globals.clone();
        rt.writers.fast_path = config.library_fast_path;
        rt
    }

    /// Write the ABORT report of `stop` the way the real system does: the
    /// pending buffer is lost and the message is written unbuffered.
    pub fn report_stop(&mut self, stop: &Stop) {
        self.out.discard();
        if let Stop::Abort { code, message } = stop {
            if *code == 10 {
                self.out.message(" A=0 B=0 C=0\n* \n");
            } else {
                self.out
                    .message(&format!("\n!! ABORT {code}: {message}\n* \n"));
            }
        }
    }

    /// The CLI's end of a command with return code `rc` (runtime.md s.6.1):
    /// for rc >= 10 it writes `NAME failed returncode rc[ reason r2]` and a
    /// newline through the buffered console (which also flushes any partial
    /// line); otherwise the pending partial line is lost.
    pub fn finish(&mut self, rc: i64, result2: i64) {
        if rc >= 10 {
            let mut msg = format!("{} failed returncode {}", self.program_name, rc);
            if result2 != 0 {
                msg.push_str(&format!(" reason {result2}"));
            }
            for b in msg.bytes() {
                self.out.wrch(b as i64);
            }
            self.out.wrch(10);
        }
        self.out.discard();
    }
}

impl Runtime {
    /// End a run the same way on every engine: `result` is the boot
    /// function's return code or what stopped the run, `at` where. Writes
    /// the CLI's or the debugger's message and drops the pending buffer.
    pub fn conclude(
        &mut self,
        mem: &Memory,
        result: Result<i64, Stop>,
        at: Option<crate::outcome::Location>,
    ) -> crate::outcome::Ending {
        use crate::outcome::Ending;
        self.captured = self
            .capture
            .iter()
            .map(|&g| (g, mem.global(g as i64).unwrap_or(0)))
            .collect();
        match result {
            Ok(code) => {
                let r2 = mem.global(crate::memory::RESULT2).unwrap_or(0);
                self.finish(code, r2);
                Ending::Returned { code }
            }
            Err(stop) => {
                self.report_stop(&stop);
                match stop {
                    Stop::Abort { code, message } => Ending::Fault { code, message, at },
                    Stop::Quit => Ending::Quit,
                    Stop::BadAddress { addr } => Ending::BadAddress { addr, at },
                    Stop::BadJump { target } => Ending::BadJump { target, at },
                    Stop::StepLimit => Ending::StepLimit { at },
                    Stop::OutputLimit => Ending::OutputLimit { at },
                }
            }
        }
    }
}

/// Access to a called function's frame: word address `np` of the new frame,
/// whose arguments are at np!3, np!4, ... (sial.md s.5.1).
#[derive(Clone, Copy, Debug)]
pub struct Frame {
    pub np: i64,
}

impl Frame {
    /// Argument `i` (0-based: arg(0) is the first argument, at np!3).
    pub fn arg(&self, mem: &Memory, i: i64) -> Result<i64, Stop> {
        mem.get(self.np.wrapping_add(3 + i))
    }

    /// Word address of argument `i`.
    pub fn arg_addr(&self, i: i64) -> i64 {
        self.np.wrapping_add(3 + i)
    }
}
