//! Running generated code in-process under the Unicorn emulator (AArch64).
//!
//! Guest address space:
//! * BCPL memory at address 0, so word addresses equal the reference
//!   interpreter's (same layout, same getvec results). It is the runtime's
//!   own [`Memory`] buffer, mapped with `mem_map_ptr`: host functions and
//!   emulated code see the same words with no copying;
//! * the code at [`CODE_ADDR`] (read/execute only), mapped from a host
//!   buffer that each run's code is copied into;
//! * a page of `ret` instructions at [`HOST_ADDR`]: one per host entry
//!   ([`Slot`]); a code hook on that page runs the host function, and the
//!   `ret` returns to the generated code;
//! * the context block (ST) at [`CTX_ADDR`], mapped from a host buffer:
//!   host entry addresses, and the host's hidden result2 (HostR2), which the
//!   generated muldiv writes and the host entries read and write back;
//! * a machine stack for `sp`.
//!
//! One emulator per worker thread (creating one costs ~0.35 ms; reusing
//! ~15 µs): [`with_emulator`]. Every run writes new code, so each run
//! flushes the translation cache.
//!
//! What keeps the emulated code fast (measured with `perf`, see issue 12):
//! * no hook covers BCPL memory or the context block: the wild-access hooks
//!   start where BCPL memory ends and skip the context page
//!   ([`Emulator::run`]), since Unicorn sends every store to a page that a
//!   memory hook covers, or that is executable in the TLB, through its slow
//!   path;
//! * no Unicorn instruction count (it is a code hook on every instruction):
//!   the step budget is the generated code's own, and a wall-clock timeout
//!   is the safety net;
//! * the only code hook is on the host page, so only host calls leave the
//!   translated code;
//! * 4 KiB pages and a TLB grown to hold all of BCPL memory
//!   ([`Emulator::fit_tlb`]). Every `blr`/`ret` looks its target up in a
//!   jump cache of 4,096 entries indexed by page and by address bits within
//!   the page, 64 per page: with 64 KiB pages all the calls and returns of a
//!   program fell into 64 entries and most lookups went to the slow hash
//!   table (cobench and pidigs ran 16-24% slower). Unicorn's TLB
//!   starts at 256 entries and is resized only when it is flushed, by its
//!   use since the last flush, so `fit_tlb` touches the pages and flushes
//!   until it is large enough;
//! * nothing flushes the TLB during the suite: code is copied into the
//!   mapped host buffer, because `mem_write` to a read-only region flushes
//!   the whole TLB (and then resizes it by the last run's use: primes after
//!   two runs of cobench took twice as long);
//! * the code, the host page and the context block sit at page numbers that
//!   the TLB, once it holds BCPL memory in its lower 3/4, indexes in its
//!   top quarter, where no page of BCPL memory lands: at index 0 each
//!   jump-cache miss, which looks the code page up, evicted the globals'
//!   page.

use std::cell::RefCell;

use dynasmrt::DynasmLabelApi;

use runtime::library;
use runtime::memory::Memory;
use runtime::{float, sys, Frame, Stop};
use unicorn_engine::{
    Arch, HookType, MemType, Mode, Prot, RegisterARM64 as R, TlbEntry, TlbType, Unicorn,
};

use super::{EmuEnd, ErrorKind, HostStop, RunState};
use crate::abi::{self, Slot, SLOTS};
use crate::codegen::asm::a64;

/// Guest address of the generated code. Its page number ends in the bits
/// 0x7f00 (and the host page's and the context block's in 0x7ffb and
/// 0x7ffc): Unicorn's TLB is direct-mapped by the low bits of the page
/// number, [`Emulator::fit_tlb`] leaves BCPL memory's pages in the lower
/// 3/4 of a TLB of 2^k entries, and for 1,024 <= 2^k <= 32,768 these
/// pages fall in the top quarter (1 MiB of code before the code reaches
/// the host page's index).
pub const CODE_ADDR: u64 = 0x1_07f0_0000;
/// Guest address of the host entry page.
pub const HOST_ADDR: u64 = 0x2_07ff_b000;
/// Guest address of the context block.
pub const CTX_ADDR: u64 = 0x2_07ff_c000;
/// Guest address of [`Emulator::fit_tlb`]'s loop, in the host page after
/// the entries.
const TOUCH_ADDR: u64 = HOST_ADDR + 0x800;
/// The most pages [`Emulator::fit_tlb`] makes room for (64 MiB): a TLB of
/// 32,768 entries, 1.5 MiB of host memory.
const TLB_PAGES_MAX: u64 = 1 << 14;
/// The code region's size (mapped once; larger code maps a larger one):
/// mapping it again flushes the TLB, and growing it again costs
/// [`Emulator::fit_tlb`]'s page loads. Only the pages the code fills take
/// host memory.
const CODE_RESERVE: u64 = 4 << 20;
/// Guest machine stack (for `sp`, used only around host calls).
pub const STACK_ADDR: u64 = 0x3_0000_0000;
const STACK_SIZE: u64 = 1 << 20;
/// Unicorn's page size (see the module doc for why 4 KiB).
pub(crate) const PAGE: u64 = 4096;

struct EmuData {
    run: Option<RunState>,
    /// One past the last byte of BCPL memory in this run (see
    /// [`Emulator::new`]'s TLB hook).
    mem_end: u64,
    /// The context block, mapped at [`CTX_ADDR`] from this buffer so that
    /// host entries read and write its HostR2 slot without a call into
    /// Unicorn.
    ctx: Box<[u64]>,
}

impl Default for EmuData {
    fn default() -> Self {
        EmuData {
            run: None,
            mem_end: 0,
            ctx: vec![0; (PAGE / 8) as usize].into_boxed_slice(),
        }
    }
}

impl GuestMemory for EmuData {
    fn mem_end(&self) -> u64 {
        self.mem_end
    }

    fn bad_address(&mut self, addr: u64) {
        if let Some(run) = self.run.as_mut() {
            run.bad_address = Some(addr);
        }
    }

    fn written_page(&self, addr: u64) -> bool {
        addr & !(PAGE - 1) == CTX_ADDR
    }
}

/// What the memory hooks of an emulator (this one and the Cintcode
/// level's) need of its data: where BCPL memory ends in this run, and where
/// to record the address of a bad access.
pub(crate) trait GuestMemory {
    fn mem_end(&self) -> u64;
    fn bad_address(&mut self, addr: u64);
    /// Whether `addr` is in a page above BCPL memory that the generated code
    /// stores to (it enters the TLB as data, like BCPL memory).
    fn written_page(&self, _addr: u64) -> bool {
        false
    }
}

/// Install the TLB hook under which BCPL memory (below
/// [`GuestMemory::mem_end`]) and the pages of [`GuestMemory::written_page`]
/// enter the TLB without execute permission.
/// Guest virtual = physical, but with the default (CPU) TLB the MMU is off
/// and every page is executable, and Unicorn never marks the TLB entry of
/// an executable page dirty: every store to BCPL memory then took the slow
/// path (store_helper -> notdirty_write, with a lookup of the memory region
/// per store). Only the TLB entry changes: the regions' own protections
/// still give the usual errors (a fetch from BCPL memory enters with every
/// permission and fails as FETCH_PROT).
pub(crate) fn data_pages_not_executable<D: GuestMemory>(
    uc: &mut Unicorn<'static, D>,
) -> Result<(), unicorn_engine::uc_error> {
    uc.ctl_set_tlb_type(TlbType::VIRTUAL)?;
    uc.add_tlb_hook(1, 0, |uc, addr, kind| {
        let d = uc.get_data();
        let data = (addr < d.mem_end() || d.written_page(addr)) && kind != MemType::FETCH;
        Some(TlbEntry {
            paddr: addr,
            perms: if data {
                Prot::READ | Prot::WRITE
            } else {
                Prot::ALL
            },
        })
    })?;
    Ok(())
}

/// The hooks of [`watch_wild_accesses`] installed so far, and the address
/// they start at.
pub(crate) type WildHooks = Option<(Vec<unicorn_engine::UcHookId>, u64)>;

/// Record the address of unmapped and protected accesses, with hooks over
/// the addresses from `from` (the end of BCPL memory) up, except the page at
/// `writable` (a page the generated code writes). A hook must not cover BCPL
/// memory itself, nor a page the code stores to: Unicorn keeps every page
/// that a memory hook covers "not dirty", so each store there would leave
/// the translated code for its slow path (`store_helper`/`notdirty_write`,
/// with a memory-region lookup per store). BCPL memory is mapped from
/// address 0, so no wild access can fall below `from`.
pub(crate) fn watch_wild_accesses<D: GuestMemory>(
    uc: &mut Unicorn<'static, D>,
    wild: &mut WildHooks,
    from: u64,
    writable: Option<u64>,
) -> Result<(), unicorn_engine::uc_error> {
    if let Some((ids, at)) = wild.take() {
        if at == from {
            *wild = Some((ids, at));
            return Ok(());
        }
        for id in ids {
            uc.remove_hook(id)?;
        }
    }
    let ranges = match writable {
        Some(page) if page > from => vec![(from, page - 1), (page + PAGE, u64::MAX)],
        _ => vec![(from, u64::MAX)],
    };
    let mut ids = Vec::with_capacity(ranges.len());
    for (begin, end) in ranges {
        ids.push(uc.add_mem_hook(
            HookType::MEM_UNMAPPED | HookType::MEM_PROT,
            begin,
            end,
            |uc, _t: MemType, addr, _size, _v| {
                uc.get_data_mut().bad_address(addr);
                false
            },
        )?);
    }
    *wild = Some((ids, from));
    Ok(())
}

/// Map BCPL memory, the `exact` bytes of the host buffer at `ptr`, at guest
/// address 0 with pages of `page` bytes: the whole pages as RAM, and a last
/// partial page as MMIO whose callbacks pass accesses below `exact` to the
/// buffer and stop emulation on the others, recording the address
/// ([`GuestMemory::bad_address`]). So an access just past the end of memory faults as on the
/// reference instead of reading the page's padding (with 64 KiB pages and
/// the cases' 1,000,000 words, 7616 words of it).
///
/// # Safety
/// `ptr` must point to at least `exact` rounded up to `page` bytes that
/// stay valid while the mapping exists.
pub(crate) unsafe fn map_memory<D: GuestMemory>(
    uc: &mut Unicorn<'static, D>,
    ptr: *mut i64,
    exact: u64,
    page: u64,
) -> Result<(), unicorn_engine::uc_error> {
    let whole = exact / page * page;
    if whole > 0 {
        // SAFETY: the caller's.
        unsafe { uc.mem_map_ptr(0, whole, Prot::READ | Prot::WRITE, ptr.cast()) }?;
    }
    if whole == exact {
        return Ok(());
    }
    let bytes = ptr as usize;
    let read = move |uc: &mut Unicorn<'_, D>, off: u64, size: usize| -> u64 {
        let addr = whole + off;
        if addr + size as u64 > exact {
            uc.get_data_mut().bad_address(addr);
            let _ = uc.emu_stop();
            return 0;
        }
        let mut v = [0u8; 8];
        // SAFETY: addr + size <= exact, inside the buffer (the caller's).
        unsafe {
            std::ptr::copy_nonoverlapping(
                (bytes as *const u8).add(addr as usize),
                v.as_mut_ptr(),
                size.min(8),
            )
        };
        u64::from_le_bytes(v)
    };
    let write = move |uc: &mut Unicorn<'_, D>, off: u64, size: usize, value: u64| {
        let addr = whole + off;
        if addr + size as u64 > exact {
            uc.get_data_mut().bad_address(addr);
            let _ = uc.emu_stop();
            return;
        }
        // SAFETY: as for reads.
        unsafe {
            std::ptr::copy_nonoverlapping(
                value.to_le_bytes().as_ptr(),
                (bytes as *mut u8).add(addr as usize),
                size.min(8),
            )
        };
    };
    uc.mmio_map(whole, page, Some(read), Some(write))
}

/// A reusable AArch64 emulator.
pub struct Emulator {
    uc: Unicorn<'static, EmuData>,
    /// The host buffer mapped at [`CODE_ADDR`] (empty before the first
    /// run): each run copies its code here, which Unicorn does not see, so
    /// the run flushes the translation cache itself.
    code: Box<[u64]>,
    /// The host buffer mapped as BCPL memory at guest address 0 (its first
    /// word's address) and memory's exact size in bytes (see
    /// [`map_memory`]; the mapping covers it rounded up to a page). The
    /// mapping outlives a run:
    /// unmapping costs a TLB page flush per 4 KiB page (16,384 for the
    /// default 64 MB), about 150M host instructions, more than most runs.
    mem_mapped: Option<(usize, u64)>,
    /// BCPL memory handed back after a run ([`Emulator::recycle`]): it is
    /// the mapped buffer, so the next run of the same size reuses mapping
    /// and buffer ([`Emulator::memory`]).
    spare: Option<Memory>,
    /// The block hook that counts instructions, present only while a run
    /// asks for counting (a hook costs a call into Rust per block).
    counter: Option<unicorn_engine::UcHookId>,
    /// The hook that records the address of a wild access, and the first
    /// address it covers: the end of BCPL memory (see [`Emulator::run`]).
    wild: WildHooks,
}

/// Unicorn's register for machine register x`n` (0..=30); shared with the
/// Cintcode level's executor.
pub(crate) fn xreg(n: u8) -> R {
    const X: [R; 31] = [
        R::X0,
        R::X1,
        R::X2,
        R::X3,
        R::X4,
        R::X5,
        R::X6,
        R::X7,
        R::X8,
        R::X9,
        R::X10,
        R::X11,
        R::X12,
        R::X13,
        R::X14,
        R::X15,
        R::X16,
        R::X17,
        R::X18,
        R::X19,
        R::X20,
        R::X21,
        R::X22,
        R::X23,
        R::X24,
        R::X25,
        R::X26,
        R::X27,
        R::X28,
        R::X29,
        R::X30,
    ];
    X[n as usize % 31]
}

fn round_up(n: u64) -> u64 {
    n.div_ceil(PAGE) * PAGE
}

/// The loop [`Emulator::fit_tlb`] runs: load from x0, x0 + x1, ... (x2
/// loads).
fn touch_pages_loop() -> Vec<u8> {
    let mut ops = crate::codegen::asm::Ops::new(TOUCH_ADDR as usize);
    let top = ops.new_dynamic_label();
    a64!(ops
        ; =>top
        ; ldr x3, [x0]
        ; add x0, x0, x1
        ; subs x2, x2, #1
        ; b.ne =>top
    );
    ops.finalize()
        .expect("a loop with one backward branch assembles")
}

impl Emulator {
    /// Grow Unicorn's TLB until it holds the first `pages` pages of BCPL
    /// memory (at most [`TLB_PAGES_MAX`]) in less than 3/4 of its entries,
    /// so that a run keeps them all in it. The TLB is resized only when it
    /// is flushed: it doubles when more than 70% of it was filled since the
    /// last flush, and it shrinks to fit when less than 30% was filled over
    /// the last 100 ms. The first flush here settles the size and starts a
    /// new 100 ms (these rounds take about 15 ms at most, so nothing shrinks
    /// during them); then each round fills 3/4 of a TLB of `size` entries
    /// (of a larger one, nothing happens) and flushes, doubling it. For
    /// 8 MiB of memory, about 3,000 page loads; for 64 MiB, 25,000 (14 ms
    /// here, once per worker thread and memory size).
    fn fit_tlb(&mut self, pages: u64) -> Result<(), unicorn_engine::uc_error> {
        let pages = pages.min(TLB_PAGES_MAX);
        let touch = |uc: &mut Unicorn<'static, EmuData>, n: u64| {
            uc.reg_write(R::X0, 0)?;
            uc.reg_write(R::X1, PAGE)?;
            uc.reg_write(R::X2, n)?;
            uc.emu_start(TOUCH_ADDR, TOUCH_ADDR + 16, 0, 0)?;
            uc.ctl_flush_tlb()
        };
        // Unicorn's smallest TLB.
        let mut size = 64;
        self.uc.ctl_flush_tlb()?;
        while size * 3 / 4 < pages {
            touch(&mut self.uc, size * 3 / 4 + 1)?;
            size *= 2;
        }
        Ok(())
    }

    /// A new emulator with the fixed regions and hooks installed.
    pub fn new() -> Result<Emulator, String> {
        let e = |what: &str, err| format!("emulator: {what}: {err:?}");
        let mut uc = Unicorn::new_with_data(Arch::ARM64, Mode::ARM, EmuData::default())
            .map_err(|x| e("create", x))?;
        uc.ctl_set_page_size(PAGE as u32)
            .map_err(|x| e("page size", x))?;
        uc.mem_map(HOST_ADDR, PAGE, Prot::READ | Prot::EXEC)
            .map_err(|x| e("map host page", x))?;
        let ret: [u8; 4] = 0xd65f03c0u32.to_le_bytes();
        let page: Vec<u8> = ret.iter().copied().cycle().take(PAGE as usize).collect();
        uc.mem_write(HOST_ADDR, &page)
            .map_err(|x| e("write host page", x))?;
        uc.mem_write(TOUCH_ADDR, &touch_pages_loop())
            .map_err(|x| e("write the page-touching loop", x))?;
        let ctx = &mut uc.get_data_mut().ctx;
        for s in Slot::ALL {
            ctx[s as usize] = match s {
                Slot::Context | Slot::HostR2 => 0,
                s => HOST_ADDR + 4 * s as u64,
            };
        }
        let ctx_ptr = ctx.as_mut_ptr();
        // SAFETY: the buffer is PAGE bytes, owned by the emulator's data,
        // which lives (and does not move its heap buffer) as long as `uc`.
        unsafe { uc.mem_map_ptr(CTX_ADDR, PAGE, Prot::READ | Prot::WRITE, ctx_ptr.cast()) }
            .map_err(|x| e("map context", x))?;
        uc.mem_map(STACK_ADDR, STACK_SIZE, Prot::READ | Prot::WRITE)
            .map_err(|x| e("map stack", x))?;
        uc.add_code_hook(HOST_ADDR, HOST_ADDR + 4 * SLOTS as u64 - 1, host_hook)
            .map_err(|x| e("hook host page", x))?;
        // BCPL memory's pages enter the TLB without execute permission.
        data_pages_not_executable(&mut uc).map_err(|x| e("hook tlb", x))?;
        Ok(Emulator {
            uc,
            code: Box::default(),
            mem_mapped: None,
            spare: None,
            counter: None,
            wild: None,
        })
    }

    /// Zeroed BCPL memory of `words` words for a run, page-aligned at base
    /// 0: the buffer of the previous run when it was handed back with
    /// [`Emulator::recycle`] and has this size (so it is still mapped),
    /// else a new one.
    pub fn memory(&mut self, words: usize) -> Memory {
        match self.spare.take() {
            Some(mut mem) if mem.len() == words => {
                zero(&mut mem);
                mem.gbase = 0;
                mem
            }
            _ => Memory::new_page_aligned(0, words),
        }
    }

    /// Keep `mem` (the memory of a finished run) for the next run, if it is
    /// the buffer that is mapped.
    pub fn recycle(&mut self, mut mem: Memory) {
        let size = mem.len() as u64 * 8;
        if self.mem_mapped == Some((mem.as_mut_ptr() as usize, size)) {
            self.spare = Some(mem);
        }
    }

    /// Run `code` (to be placed at [`CODE_ADDR`]) from offset `entry` with
    /// the given registers and the run state; returns how the emulation
    /// ended and the state (memory is unmapped again before it is returned).
    pub fn run(
        &mut self,
        code: &[u8],
        entry: usize,
        regs: &[(u8, u64)],
        mut state: RunState,
        timeout: std::time::Duration,
        counting: bool,
    ) -> Result<(EmuEnd, RunState), String> {
        let e = |what: &str, err| format!("emulator: {what}: {err:?}");
        // Mapping changes flush the TLB, which then needs growing again.
        let mut remapped = false;
        let code_size = round_up(code.len() as u64).max(CODE_RESERVE);
        if self.code.is_empty() || round_up(code.len() as u64) > self.code.len() as u64 * 8 {
            if !self.code.is_empty() {
                self.uc
                    .mem_unmap(CODE_ADDR, self.code.len() as u64 * 8)
                    .map_err(|x| e("unmap code", x))?;
                self.code = Box::default();
            }
            let mut buffer = vec![0u64; code_size as usize / 8].into_boxed_slice();
            // SAFETY: the buffer is `code_size` bytes, owned by the
            // emulator until it is unmapped (just above, before it is
            // dropped) or the emulator is dropped.
            unsafe {
                self.uc.mem_map_ptr(
                    CODE_ADDR,
                    code_size,
                    Prot::READ | Prot::EXEC,
                    buffer.as_mut_ptr().cast(),
                )
            }
            .map_err(|x| e("map code", x))?;
            self.code = buffer;
            remapped = true;
        }
        // The buffer holds the code's bytes in order (native-endian words
        // of them); bytes after the code are left as they were.
        for (word, bytes) in self.code.iter_mut().zip(code.chunks(8)) {
            let mut w = word.to_ne_bytes();
            w[..bytes.len()].copy_from_slice(bytes);
            *word = u64::from_ne_bytes(w);
        }
        self.uc.ctl_flush_tb().map_err(|x| e("flush", x))?;
        // BCPL memory: the runtime's own words, at guest address 0.
        let exact = state.mem.len() as u64 * 8;
        let mem_size = round_up(exact);
        let ptr = state.mem.as_mut_ptr();
        if self.mem_mapped != Some((ptr as usize, exact)) {
            if let Some((_, size)) = self.mem_mapped.take() {
                // Unicorn does not read the buffer when unmapping (it may
                // have been freed since the last run).
                self.uc
                    .mem_unmap(0, round_up(size))
                    .map_err(|x| e("unmap memory", x))?;
            }
            // SAFETY: `ptr` points to at least `mem_size` bytes (Memory pads
            // its buffer to the next 64 KiB boundary, a multiple of PAGE).
            // The mapping stays after the run, but no emulation uses it
            // unless a later run brings the same buffer (checked just
            // above): a buffer that was freed in between is unmapped first.
            unsafe { map_memory(&mut self.uc, ptr, exact, PAGE) }
                .map_err(|x| e("map memory", x))?;
            self.mem_mapped = Some((ptr as usize, exact));
            remapped = true;
        }
        self.uc.get_data_mut().mem_end = mem_size;
        if remapped {
            self.fit_tlb(exact / PAGE)
                .map_err(|x| e("grow the TLB", x))?;
        }
        watch_wild_accesses(&mut self.uc, &mut self.wild, mem_size, Some(CTX_ADDR))
            .map_err(|x| e("hook wild accesses", x))?;
        for n in 0..=30u8 {
            self.uc
                .reg_write(xreg(n), 0)
                .map_err(|x| e("registers", x))?;
        }
        for &(r, v) in regs {
            self.uc
                .reg_write(xreg(r), v)
                .map_err(|x| e("registers", x))?;
        }
        self.uc
            .reg_write(R::SP, STACK_ADDR + STACK_SIZE)
            .map_err(|x| e("sp", x))?;
        self.uc
            .reg_write(xreg(abi::ST), CTX_ADDR)
            .map_err(|x| e("st", x))?;
        let data = self.uc.get_data_mut();
        data.ctx[Slot::HostR2 as usize] = state.rt.host_r2 as u64;
        data.run = Some(state);
        match (counting, self.counter) {
            (true, None) => {
                let id = self
                    .uc
                    .add_block_hook(CODE_ADDR, u64::MAX, |uc, _addr, size| {
                        if let Some(run) = uc.get_data_mut().run.as_mut() {
                            run.instructions += size as u64 / 4;
                        }
                    })
                    .map_err(|x| e("hook blocks", x))?;
                self.counter = Some(id);
            }
            (false, Some(id)) => {
                self.uc.remove_hook(id).map_err(|x| e("unhook blocks", x))?;
                self.counter = None;
            }
            _ => {}
        }
        // No instruction count: Unicorn counts with a code hook on every
        // instruction. The step budget is the code's own (Count, x26); the
        // timeout only stops code that escapes it (a broken code generator).
        let micros = timeout.as_micros().min(u64::MAX as u128) as u64;
        let result = self.uc.emu_start(CODE_ADDR + entry as u64, 0, micros, 0);
        let pc = self.uc.pc_read().unwrap_or(0);
        let lr = self.uc.reg_read(R::X30).unwrap_or(0);
        let state = self
            .uc
            .get_data_mut()
            .run
            .take()
            .ok_or("emulator lost its run state")?;
        let end = match result {
            _ if state.stop.is_some() => EmuEnd::Host,
            // An access past the end of memory, in its last page.
            Ok(()) if state.bad_address.is_some() => EmuEnd::Error {
                error: "access past the end of memory".into(),
                kind: ErrorKind::Memory,
                pc,
                lr,
            },
            Ok(()) => EmuEnd::SafetyNet { pc },
            Err(err) => {
                use unicorn_engine::uc_error as U;
                let kind = match err {
                    U::READ_UNMAPPED | U::WRITE_UNMAPPED | U::READ_PROT | U::WRITE_PROT => {
                        ErrorKind::Memory
                    }
                    U::FETCH_UNMAPPED | U::FETCH_PROT | U::FETCH_UNALIGNED => ErrorKind::Fetch,
                    _ => ErrorKind::Other,
                };
                EmuEnd::Error {
                    error: format!("{err:?}"),
                    kind,
                    pc,
                    lr,
                }
            }
        };
        Ok((end, state))
    }
}

/// Zero every word of `mem` and its slack up to the end of the mapping. On
/// Linux the pages are given back to the kernel (`madvise(MADV_DONTNEED)`
/// on private anonymous memory reads back as zeros), which costs only the
/// pages the run touched; elsewhere, or if that fails, the words are
/// written.
fn zero(mem: &mut Memory) {
    let size = round_up(mem.len() as u64 * 8) as usize;
    let ptr = mem.as_mut_ptr();
    #[cfg(target_os = "linux")]
    {
        // SAFETY: `ptr` is aligned to 64 KiB and the buffer that `mem` owns
        // (private anonymous memory) extends at least to the next 64 KiB
        // boundary after its last word (Memory::new_page_aligned).
        if unsafe { libc::madvise(ptr.cast(), size, libc::MADV_DONTNEED) } == 0 {
            return;
        }
    }
    // SAFETY: as above, `size` bytes from `ptr` belong to the buffer.
    unsafe { std::ptr::write_bytes(ptr.cast::<u8>(), 0, size) };
}

/// The code hook on the host page: run the host entry for the slot at
/// `addr`, with the C-ABI arguments in x0..x7 / d0..d1.
fn host_hook(uc: &mut Unicorn<'_, EmuData>, addr: u64, _size: u32) {
    let slot = (addr - HOST_ADDR) / 4;
    let reg = |uc: &Unicorn<'_, EmuData>, n: u8| uc.reg_read(xreg(n)).unwrap_or(0);
    // Only the registers this entry reads (each read is a call into Unicorn).
    let slot_kind = Slot::ALL.get(slot as usize).copied();
    let mut x = [0u64; 8];
    let (mut d0, mut d1, mut lr) = (0, 0, 0);
    match slot_kind {
        Some(Slot::Lib) => {
            x[5] = reg(uc, 5);
            x[6] = reg(uc, 6);
        }
        Some(Slot::Sys) => {
            x[5] = reg(uc, 5);
            lr = reg(uc, 30);
        }
        Some(Slot::Muldiv) => {
            for (n, v) in x.iter_mut().enumerate().take(3) {
                *v = reg(uc, n as u8);
            }
        }
        Some(Slot::Fmod) => {
            d0 = uc.reg_read(R::D0).unwrap_or(0);
            d1 = uc.reg_read(R::D1).unwrap_or(0);
        }
        Some(Slot::Fault) => {
            x[0] = reg(uc, 0);
            x[1] = reg(uc, 1);
        }
        Some(Slot::Exit) => x[0] = reg(uc, 0),
        _ => {}
    }
    let data = uc.get_data_mut();
    let Some(run) = data.run.as_mut() else {
        let _ = uc.emu_stop();
        return;
    };
    // The hidden result2 lives in the context block while code runs.
    let host_r2 = &mut data.ctx[Slot::HostR2 as usize];
    run.rt.host_r2 = *host_r2 as i64;
    let mut stop = None;
    // At most two registers to write back.
    let mut write: [Option<(R, u64)>; 2] = [None, None];
    match slot_kind {
        Some(Slot::Lib) => {
            let np = x[5] as i64;
            match library::call(x[6] as usize, &mut run.rt, &mut run.mem, Frame { np }) {
                Ok(v) => write[0] = Some((R::X0, v as u64)),
                Err(s) => {
                    // The caller's call instruction is just before P!1.
                    let ret = run.mem.get(np + 1).unwrap_or(0) as u64;
                    stop = Some(HostStop::Library {
                        stop: s,
                        call: ret.wrapping_sub(4),
                    });
                }
            }
            if run.rt.out.overflowed && stop.is_none() {
                let ret = run.mem.get(np + 1).unwrap_or(0) as u64;
                stop = Some(HostStop::Library {
                    stop: Stop::OutputLimit,
                    call: ret.wrapping_sub(4),
                });
            }
        }
        Some(Slot::Sys) => {
            let frame = Frame { np: x[5] as i64 };
            match sys::sys(&mut run.rt, &mut run.mem, frame) {
                Ok(v) => write[0] = Some((R::X0, v as u64)),
                Err(s) => {
                    stop = Some(HostStop::Library {
                        stop: s,
                        call: lr.wrapping_sub(4),
                    })
                }
            }
            if run.rt.out.overflowed && stop.is_none() {
                stop = Some(HostStop::Library {
                    stop: Stop::OutputLimit,
                    call: lr.wrapping_sub(4),
                });
            }
        }
        Some(Slot::Muldiv) => {
            let (q, r) = sys::muldiv(x[0] as i64, x[1] as i64, x[2] as i64);
            run.rt.host_r2 = r;
            write = [Some((R::X0, q as u64)), Some((R::X1, r as u64))];
        }
        Some(Slot::Fmod) => {
            let r = float::fmod32(f64::from_bits(d0), f64::from_bits(d1));
            write[0] = Some((R::D0, r.to_bits()));
        }
        Some(Slot::Fault) => {
            stop = Some(HostStop::Fault {
                code: x[0] as i64,
                site: x[1],
            })
        }
        Some(Slot::Exit) => stop = Some(HostStop::Exit(x[0] as i64)),
        _ => {
            stop = Some(HostStop::Library {
                stop: Stop::BadJump {
                    target: addr as i64,
                },
                call: 0,
            })
        }
    }
    *host_r2 = run.rt.host_r2 as u64;
    let stopped = stop.is_some();
    if stopped {
        run.stop = stop;
    }
    for (r, v) in write.into_iter().flatten() {
        let _ = uc.reg_write(r, v);
    }
    if stopped {
        let _ = uc.emu_stop();
    }
}

thread_local! {
    static EMULATOR: RefCell<Option<Emulator>> = const { RefCell::new(None) };
}

/// Run `f` with this thread's emulator (created on first use). If `f`
/// fails, the emulator is dropped and the next use starts afresh.
pub fn with_emulator<T>(f: impl FnOnce(&mut Emulator) -> Result<T, String>) -> Result<T, String> {
    EMULATOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(Emulator::new()?);
        }
        let emu = slot.as_mut().ok_or("no emulator")?;
        let r = f(emu);
        if r.is_err() {
            *slot = None;
        }
        r
    })
}
