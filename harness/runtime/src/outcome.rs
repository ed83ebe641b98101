//! What running a program produced, in engine-independent terms: the stdout
//! bytes, how the run ended (with the Sial position where that is known) and
//! how much work it took. Every engine returns an [`Outcome`].

use std::fmt;

use serde::{Deserialize, Serialize};

/// A position in the program: file, line and column of an instruction (for
/// Cintcode also its byte offset in its section; line 0 when the section came
/// from an object file, which has no lines), plus the function (the last
/// `entry` before it) when known.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub col: u32,
    pub function: Option<String>,
    /// Byte offset of a Cintcode instruction in its section.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u32>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.offset) {
            (0, Some(off)) => write!(f, "{}+{off}", self.file)?,
            _ => write!(f, "{}:{}:{}", self.file, self.line, self.col)?,
        }
        if let Some(func) = &self.function {
            write!(f, " (in {func})")?;
        }
        Ok(())
    }
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "detail", rename_all = "kebab-case")]
pub enum Ending {
    /// `start` returned, or the main coroutine ended through `stop`/`cowait`:
    /// the command's return code (the process status is `code & 255`).
    Returned { code: i64 },
    /// `sys(Sys_quit, 0)` or `abort(0)`: silent exit.
    Quit,
    /// A BCPL fault or `abort(n)` (the real system prints
    /// `!! ABORT n: message` and exits with status 0).
    Fault {
        code: i64,
        message: String,
        at: Option<Location>,
    },
    /// A load or store outside BCPL memory.
    BadAddress { addr: i64, at: Option<Location> },
    /// A call, `goto` or return to a value that is not a code address.
    BadJump { target: i64, at: Option<Location> },
    /// The step budget ran out (a runaway loop).
    StepLimit { at: Option<Location> },
    /// The program wrote more stdout than the harness keeps (runaway output).
    OutputLimit { at: Option<Location> },
    /// The engine itself failed (could not compile, load or run the program).
    EngineError(String),
    /// An external implementation failed outside the program's semantics
    /// (its translator rejected the program, assembly or linking failed, the
    /// executable crashed or overran its wall-clock limit, its output could
    /// not be read): `failure` is the class, `detail` what it said.
    External {
        failure: ExternalFailure,
        detail: String,
    },
}

/// Classes of [`Ending::External`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExternalFailure {
    /// The translator or compiler rejected the program (or crashed).
    Rejected,
    /// The assembler failed.
    AssemblyFailed,
    /// The linker failed.
    LinkFailed,
    /// The executable was killed by a signal (or exited as if it was).
    Crash,
    /// A command overran its wall-clock limit.
    Timeout,
    /// Output that cannot be read (a garbled observation trailer), or a
    /// step that did not write the file it must write.
    BadOutput,
}

impl ExternalFailure {
    pub fn as_str(self) -> &'static str {
        match self {
            ExternalFailure::Rejected => "rejected",
            ExternalFailure::AssemblyFailed => "assembly-failed",
            ExternalFailure::LinkFailed => "link-failed",
            ExternalFailure::Crash => "crash",
            ExternalFailure::Timeout => "timeout",
            ExternalFailure::BadOutput => "bad-output",
        }
    }
}

impl Ending {
    /// Short classification used in reports and comparisons.
    pub fn kind(&self) -> &'static str {
        match self {
            Ending::Returned { .. } => "returned",
            Ending::Quit => "quit",
            Ending::Fault { .. } => "fault",
            Ending::BadAddress { .. } => "bad-address",
            Ending::BadJump { .. } => "bad-jump",
            Ending::StepLimit { .. } => "step-limit",
            Ending::OutputLimit { .. } => "output-limit",
            Ending::EngineError(_) => "engine-error",
            Ending::External { failure, .. } => failure.as_str(),
        }
    }

    /// Where it happened, when known.
    pub fn location(&self) -> Option<&Location> {
        match self {
            Ending::Fault { at, .. }
            | Ending::BadAddress { at, .. }
            | Ending::BadJump { at, .. }
            | Ending::StepLimit { at }
            | Ending::OutputLimit { at } => at.as_ref(),
            _ => None,
        }
    }

    /// The process exit status the real system would give: the return code
    /// mod 256, and 0 after a fault or quit. Harness-level failures (bad
    /// address, bad jump, step limit, output limit, engine error) give 125.
    pub fn exit_status(&self) -> i32 {
        match self {
            Ending::Returned { code } => (*code & 255) as i32,
            Ending::Quit | Ending::Fault { .. } => 0,
            _ => 125,
        }
    }
}

impl fmt::Display for Ending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = |f: &mut fmt::Formatter<'_>, at: &Option<Location>| match at {
            Some(l) => write!(f, " at {l}"),
            None => Ok(()),
        };
        match self {
            Ending::Returned { code } => write!(f, "returned {code}"),
            Ending::Quit => write!(f, "quit"),
            Ending::Fault {
                code,
                message,
                at: l,
            } => {
                write!(f, "fault {code} ({message})")?;
                at(f, l)
            }
            Ending::BadAddress { addr, at: l } => {
                write!(f, "memory access out of range: word address {addr}")?;
                at(f, l)
            }
            Ending::BadJump { target, at: l } => {
                write!(f, "jump to a non-code address {target:#x}")?;
                at(f, l)
            }
            Ending::StepLimit { at: l } => {
                write!(f, "step budget exhausted")?;
                at(f, l)
            }
            Ending::OutputLimit { at: l } => {
                write!(f, "stdout limit reached")?;
                at(f, l)
            }
            Ending::EngineError(m) => write!(f, "engine error: {m}"),
            Ending::External { failure, detail } => {
                let what = match failure {
                    ExternalFailure::Rejected => "rejected by the translator",
                    ExternalFailure::AssemblyFailed => "assembly failed",
                    ExternalFailure::LinkFailed => "link failed",
                    ExternalFailure::Crash => "crashed",
                    ExternalFailure::Timeout => "timed out",
                    ExternalFailure::BadOutput => "bad output",
                };
                write!(f, "{what}: {detail}")
            }
        }
    }
}

/// The result of one run on one engine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// Raw stdout bytes (the console writes `\r` after every `\n`).
    pub stdout: Vec<u8>,
    pub ending: Ending,
    /// Work done, in the engine's own unit (Sial instructions for the
    /// reference interpreter).
    pub steps: u64,
    /// Final values of the globals named in `RunConfig::capture_globals`.
    #[serde(default)]
    pub globals: Vec<(u32, i64)>,
    /// Final words of the statics named in `RunConfig::capture_statics`.
    #[serde(default)]
    pub statics: Vec<(u32, Vec<i64>)>,
}

impl Outcome {
    /// The outcome of a run that produced nothing but its ending (the engine
    /// could not compile, load or start it, or it died without a report).
    pub fn ended(ending: Ending) -> Outcome {
        Outcome {
            stdout: Vec::new(),
            ending,
            steps: 0,
            globals: Vec::new(),
            statics: Vec::new(),
        }
    }

    /// stdout with every `\r` removed (how the corpus `.out` files are stored).
    pub fn stdout_without_cr(&self) -> Vec<u8> {
        self.stdout
            .iter()
            .copied()
            .filter(|&b| b != b'\r')
            .collect()
    }
}
