//! The `a64` engine: compile a program with the built-in backend, load it
//! into BCPL memory exactly as the reference does, run it under the
//! emulator, and classify how it ended. The backend shares the run-time
//! library (crate `runtime`) with the reference; it does not depend on the
//! interpreter's crate at all, so it cannot ask the oracle for a result.

use std::io::Write;
use std::time::{Duration, Instant};

use runtime::library::GLOBWORD;
use runtime::load::{self, Linked, RunConfig};
use runtime::memory::Memory;
use runtime::{Location, Outcome};
use runtime::{Runtime, Stop};
use sial::Program;

use crate::abi;
use crate::codegen::{self, Compiled, InstrRef};
use crate::exec::{EmuEnd, ErrorKind, HostStop, RunState};

/// The shortest wall-clock safety net of an emulated run with a step limit
/// (plus a microsecond per step of the budget).
#[cfg(not(target_arch = "aarch64"))]
pub(crate) const SAFETY_NET_MIN: Duration = Duration::from_secs(20);

/// Options of an a64 run beyond the shared [`RunConfig`].
#[derive(Clone, Debug, Default)]
pub struct A64Options {
    pub codegen: codegen::Options,
    /// Count the A64 instructions executed (slower: a hook per block).
    pub count_instructions: bool,
}

/// An a64 run with its measurements.
#[derive(Debug)]
pub struct A64Run {
    pub outcome: Outcome,
    pub compile_time: Duration,
    pub run_time: Duration,
    /// A64 instructions executed, when counted.
    pub a64_instructions: Option<u64>,
    pub code_bytes: usize,
    pub sial_instructions: usize,
}

/// Compile a program as the a64 engine would (for listings and benchmarks).
pub fn compile_programs(
    programs: &[(String, Program)],
    config: &RunConfig,
    opts: &codegen::Options,
) -> Result<(Linked, load::Layout, Compiled), String> {
    let linked = Linked::new(programs);
    let layout = load::layout(&linked, 0, config.memory_words).map_err(|e| e.0)?;
    let compiled = codegen::compile(&linked, &layout, opts)?;
    Ok((linked, layout, compiled))
}

/// Run on the a64 engine.
pub fn run(
    programs: &[(String, Program)],
    config: &RunConfig,
    tee: Option<Box<dyn Write + Send>>,
) -> Outcome {
    run_with(programs, config, tee, &A64Options::default()).outcome
}

/// Run on the a64 engine with options, returning measurements too.
pub fn run_with(
    programs: &[(String, Program)],
    config: &RunConfig,
    tee: Option<Box<dyn Write + Send>>,
    opts: &A64Options,
) -> A64Run {
    let start = Instant::now();
    let failed = |m: String, compile_time| A64Run {
        outcome: Outcome::ended(runtime::Ending::EngineError(m)),
        compile_time,
        run_time: Duration::ZERO,
        a64_instructions: None,
        code_bytes: 0,
        sial_instructions: 0,
    };
    let (linked, _layout, compiled) = match compile_programs(programs, config, &opts.codegen) {
        Ok(x) => x,
        Err(m) => return failed(m, start.elapsed()),
    };
    let compile_time = start.elapsed();
    let run_start = Instant::now();
    match execute(&linked, &compiled, config, tee, opts) {
        Ok((outcome, instructions)) => A64Run {
            outcome,
            compile_time,
            run_time: run_start.elapsed(),
            a64_instructions: opts.count_instructions.then_some(instructions),
            code_bytes: compiled.code.len(),
            sial_instructions: compiled.sial_instructions,
        },
        Err(m) => failed(m, compile_time),
    }
}

/// Run under the emulator; returns the outcome and the A64 instructions
/// counted (0 unless counting).
#[cfg(not(target_arch = "aarch64"))]
fn execute(
    linked: &Linked,
    compiled: &Compiled,
    config: &RunConfig,
    tee: Option<Box<dyn Write + Send>>,
    opts: &A64Options,
) -> Result<(Outcome, u64), String> {
    use crate::exec::emulator::{with_emulator, CODE_ADDR};
    // The emulator's own buffer when it has one of this size: it is mapped
    // already (mapping and unmapping 64 MB costs more than most runs).
    let mem = with_emulator(|emu| Ok(emu.memory(config.memory_words)))?;
    let (state, layout) = prepare(linked, compiled, config, mem, CODE_ADDR, tee)?;
    // A wall-clock safety net far beyond the Count budget, for code that
    // escapes it (none without a step limit: the budget is then unlimited).
    let timeout = if config.step_limit == 0 {
        Duration::ZERO
    } else {
        SAFETY_NET_MIN + Duration::from_micros(config.step_limit)
    };
    let regs = registers(&layout, config);
    let (end, state) = with_emulator(|emu| {
        emu.run(
            &compiled.code,
            compiled.entry,
            &regs,
            state,
            timeout,
            opts.count_instructions,
        )
    })?;
    let instructions = state.instructions;
    let (outcome, mem) = finish_with_memory(end, state, &layout, linked, compiled, CODE_ADDR);
    with_emulator(|emu| {
        emu.recycle(mem);
        Ok(())
    })?;
    Ok((outcome, instructions))
}

/// Run natively in a child process (aarch64 hosts).
#[cfg(target_arch = "aarch64")]
fn execute(
    linked: &Linked,
    compiled: &Compiled,
    config: &RunConfig,
    tee: Option<Box<dyn Write + Send>>,
    _opts: &A64Options,
) -> Result<(Outcome, u64), String> {
    crate::exec::native::execute(linked, compiled, config, tee).map(|o| (o, 0))
}

/// Lay out `mem` (whose first word address is its base), initialise it
/// with the code placed at `code_base`, and build the run state.
pub(crate) fn prepare(
    linked: &Linked,
    compiled: &Compiled,
    config: &RunConfig,
    mut mem: Memory,
    code_base: u64,
    tee: Option<Box<dyn Write + Send>>,
) -> Result<(RunState, load::Layout), String> {
    let layout = load::layout(linked, mem.base(), config.memory_words).map_err(|e| e.0)?;
    let mut rt = Runtime::for_run(config, layout.heap.clone(), tee);
    let code_addr = |m: usize, l: u32| -> i64 {
        compiled.labels[m]
            .get(&l)
            .map_or(0, |o| (code_base + *o as u64) as i64)
    };
    let host_addr = |i: usize| (code_base + compiled.lib_stubs[i] as u64) as i64;
    load::initialise(&mut mem, &mut rt, linked, &layout, &code_addr, &host_addr)
        .map_err(|s| format!("cannot initialise memory: {s:?}"))?;
    let state = RunState {
        mem,
        rt,
        stop: None,
        bad_address: None,
        instructions: 0,
        capture_statics: config.capture_statics.clone(),
    };
    Ok((state, layout))
}

/// The registers the trampoline expects (x0 = stack size, P, G, Count, ZERO).
pub(crate) fn registers(layout: &load::Layout, config: &RunConfig) -> [(u8, u64); 5] {
    let budget = if config.step_limit == 0 {
        i64::MAX as u64
    } else {
        config.step_limit
    };
    [
        (abi::A, config.stack_words as u64),
        (abi::P, (layout.boot_frame * 8) as u64),
        (abi::G, (layout.gbase * 8) as u64),
        (abi::COUNT, budget),
        (abi::ZERO, 0),
    ]
}

/// Classify how the execution ended and conclude the run as the reference
/// does (messages, buffer), giving the outcome.
#[cfg(target_arch = "aarch64")]
pub(crate) fn finish(
    end: EmuEnd,
    state: RunState,
    layout: &load::Layout,
    linked: &Linked,
    compiled: &Compiled,
    code_base: u64,
) -> Outcome {
    finish_with_memory(end, state, layout, linked, compiled, code_base).0
}

/// [`finish`], giving the run's memory back too (for reuse).
pub(crate) fn finish_with_memory(
    end: EmuEnd,
    mut state: RunState,
    layout: &load::Layout,
    linked: &Linked,
    compiled: &Compiled,
    code_base: u64,
) -> (Outcome, Memory) {
    let locate = |addr: u64| -> Option<Location> {
        let off = addr.checked_sub(code_base)? as usize;
        if off >= compiled.code.len() {
            return None;
        }
        let InstrRef { module, index } = compiled.instr_at(off)?;
        linked.location(module as usize, index as usize)
    };
    let (result, at) = classify(end, &state, layout, &locate);
    let ending = state.rt.conclude(&state.mem, result, at);
    let outcome = Outcome {
        stdout: std::mem::take(&mut state.rt.out.stdout),
        ending,
        steps: state.instructions,
        globals: std::mem::take(&mut state.rt.captured),
        statics: load::capture_statics(&state.mem, linked, layout, &state.capture_statics),
    };
    (outcome, state.mem)
}

/// Turn how the emulation ended into the shared result/stop vocabulary.
fn classify(
    end: EmuEnd,
    state: &RunState,
    layout: &load::Layout,
    locate: &dyn Fn(u64) -> Option<Location>,
) -> (Result<i64, Stop>, Option<Location>) {
    match end {
        EmuEnd::Host => match state.stop.clone() {
            Some(HostStop::Exit(code)) => (Ok(code), None),
            Some(HostStop::Fault { code, site }) => {
                let stop = match code {
                    abi::STEP_LIMIT => Stop::StepLimit,
                    abi::FELL_OFF => Stop::BadJump {
                        target: site as i64,
                    },
                    c => Stop::abort(c),
                };
                (Err(stop), locate(site))
            }
            Some(HostStop::Library { stop, call }) => (Err(stop), locate(call)),
            None => (Err(Stop::BadJump { target: 0 }), None),
        },
        EmuEnd::SafetyNet { pc } => (Err(Stop::StepLimit), locate(pc)),
        EmuEnd::Error {
            kind,
            pc,
            lr,
            error,
        } => match kind {
            ErrorKind::Memory => {
                let addr = state.bad_address.map_or(-1, |a| (a as i64) >> 3);
                (Err(Stop::BadAddress { addr }), locate(pc))
            }
            ErrorKind::Fetch => {
                // A call or jump to a non-code value; for calls, x30 is just
                // after the `blr`.
                let target = pc as i64;
                let n = target.wrapping_sub(GLOBWORD);
                let stop = if (0..layout.gsize).contains(&n) {
                    Stop::Abort {
                        code: 4,
                        message: format!("G{n} unassigned"),
                    }
                } else {
                    Stop::BadJump { target }
                };
                (Err(stop), locate(lr.wrapping_sub(4)))
            }
            ErrorKind::Other => {
                let at = locate(pc);
                if at.is_some() {
                    (Err(Stop::BadJump { target: pc as i64 }), at)
                } else {
                    // Outside the generated code (e.g. a misaligned jump target).
                    let _ = error;
                    (
                        Err(Stop::BadJump { target: pc as i64 }),
                        locate(lr.wrapping_sub(4)),
                    )
                }
            }
        },
    }
}
