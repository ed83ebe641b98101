//! The two address maps of a translation: byte address -> native address
//! (the dense table the dispatch routine indexes for every dynamic
//! transfer: K-calls, RTN, GOTO, SWL, CHGCO, MDIV's return), and native
//! address -> Cintcode instruction (host-call sites, then the instruction
//! blocks in emission order), which locates faults.

use runtime::cin_load::{CinLayout, CinLinked};

use super::translate::{Emitted, Translated};

/// The dispatch table over the code sections: one u32 per byte address
/// from the first section's word 0 to the end of the last section, the
/// native offset of the instruction there or 0.
pub(crate) fn build_table(
    linked: &CinLinked,
    layout: &CinLayout,
    emitted: &[Emitted],
) -> (i64, Vec<u32>) {
    let table_lo = layout.bases.first().map_or(0, |b| b * 8);
    let table_hi = linked
        .sections
        .iter()
        .zip(&layout.bases)
        .map(|(s, b)| b * 8 + s.bytes.len() as i64)
        .max()
        .unwrap_or(table_lo);
    let mut table = vec![0u32; (table_hi - table_lo).max(0) as usize];
    for e in emitted {
        if let Some(slot) = table.get_mut((e.addr - table_lo) as usize) {
            *slot = e.native;
        }
    }
    (table_lo, table)
}

impl Translated {
    /// The native offset of the instruction at byte address `addr`.
    pub fn native_of(&self, addr: i64) -> Option<u32> {
        let i = usize::try_from(addr.checked_sub(self.table_lo)?).ok()?;
        self.table.get(i).copied().filter(|&n| n != 0)
    }

    /// The byte address of the instruction whose code holds native offset
    /// `off` (a host-call site first, else the instruction block around it).
    pub fn instr_at(&self, off: u32) -> Option<i64> {
        if let Some(&a) = self.sites.get(&off) {
            return Some(a);
        }
        let i = self.instrs.partition_point(|e| e.native <= off);
        self.instrs.get(i.checked_sub(1)?).map(|e| e.addr)
    }
}
