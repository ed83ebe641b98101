//! Instructions that run into the end of BCPL memory. The translator
//! decodes whole instructions, so one whose operand bytes, indirect
//! halfword or switch table lie (partly) past memory's last byte is not
//! translated, and a jump to it reaches the run-time miss handler. There the
//! instruction's reads are made as the Cintcode machine makes them
//! (cintcode64.md s.2.1, s.2.2, s.7.1, s.7.2): the first outside memory
//! ends the run as a bad address; a switch whose table runs past the end
//! while the entries A selects do not takes its branch there. (The
//! handler also lands here for opcode 0, which no translation has: fault 1,
//! s.3.1.)

use ::cintcode::opcode::{self, OperandKind};
use runtime::memory::Memory;
use runtime::Stop;

/// The byte at byte address `ad` (s.1.1), or the bad address of its word.
fn byte(mem: &Memory, ad: i64) -> Result<u64, Stop> {
    Ok((mem.get(ad >> 3)? as u64 >> ((ad & 7) * 8)) & 0xFF)
}

/// The unsigned halfword at byte address `ad`, read a byte at a time.
fn half(mem: &Memory, ad: i64) -> Result<i64, Stop> {
    Ok((byte(mem, ad)? | byte(mem, ad.wrapping_add(1))? << 8) as i64)
}

/// What the instruction at byte address `t` does (its opcode is in
/// memory), with `a` in register A.
#[derive(Debug, PartialEq)]
pub enum Truncated {
    /// Opcode 0's fault 1, or its first read outside memory, in the order
    /// it reads.
    Fault(Stop),
    /// A switch whose reads are all in memory, and the target it jumps to.
    Switch(i64),
    /// Every byte it reads is in memory and it is not a switch.
    InMemory,
}

/// Make the reads of the instruction at byte address `t` in its order.
pub fn truncated(mem: &Memory, t: i64, a: i64) -> Truncated {
    let reads = || -> Result<Option<i64>, Stop> {
        let op = byte(mem, t)? as u8;
        if op == 0 {
            return Err(Stop::abort(1));
        }
        let next = byte(mem, t + 1).unwrap_or(0) as u8;
        for k in 1..opcode::head_length(op, next) as i64 {
            byte(mem, t + k)?;
        }
        // The table of a switch starts at the halfword after the opcode;
        // its entries hold offsets from their own addresses.
        let h = (t + 2) & !1;
        let rel = |e: i64| -> Result<i64, Stop> { Ok(e + half(mem, e)? as i16 as i64) };
        Ok(match opcode::kind(op) {
            OperandKind::U8Ind => {
                let o = t + 1;
                half(mem, ((o >> 1) + next as i64) * 2)?;
                None
            }
            OperandKind::Swl => {
                let n = half(mem, h)?;
                Some(rel(if (0..n).contains(&a) {
                    h + 4 + 2 * a
                } else {
                    h + 2
                })?)
            }
            OperandKind::Swb => {
                let n = half(mem, h)?;
                let mut target = rel(h + 2)?;
                let mut k = 1;
                while k <= n {
                    let key = half(mem, h + 4 * k)?;
                    if a == key {
                        target = rel(h + 4 * k + 2)?;
                        break;
                    }
                    k = if a < key { 2 * k + 1 } else { 2 * k };
                }
                Some(target)
            }
            _ => None,
        })
    };
    match reads() {
        Err(s) => Truncated::Fault(s),
        Ok(Some(target)) => Truncated::Switch(target),
        Ok(None) => Truncated::InMemory,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two words of memory (16 bytes) whose last word holds `last`.
    fn memory(last: u64) -> Memory {
        let mut m = Memory::new(0, 2);
        m.set(1, last as i64).unwrap();
        m
    }

    fn bad(addr: i64) -> Truncated {
        Truncated::Fault(Stop::BadAddress { addr })
    }

    #[test]
    fn operand_bytes_past_the_end_are_a_bad_address_of_the_next_word() {
        // L 42 at byte 14: its operand is byte 15, in memory.
        assert_eq!(truncated(&memory(0x2A60 << 48), 14, 0), Truncated::InMemory);
        // L at byte 15: its operand would be byte 16.
        assert_eq!(truncated(&memory(0x60 << 56), 15, 0), bad(2));
        // LW at byte 12: four operand bytes, 13..16.
        assert_eq!(truncated(&memory(0x62 << 32), 12, 0), bad(2));
        // FLTOP MK at 14: f = 1 at 15 and e would be byte 16; FLTOP NEG fits.
        assert_eq!(truncated(&memory(0x0101 << 48), 14, 0), bad(2));
        assert_eq!(truncated(&memory(0x0C01 << 48), 14, 0), Truncated::InMemory);
    }

    #[test]
    fn opcode_zero_is_fault_1() {
        assert_eq!(
            truncated(&memory(0), 8, 0),
            Truncated::Fault(Stop::abort(1))
        );
    }

    #[test]
    fn an_indirect_halfword_past_the_end_is_the_bad_address_of_its_word() {
        // LF$ at 14 with u8 = 0xFF: the halfword is at 2 * (15 / 2 + 255).
        let h: i64 = 2 * (15 / 2 + 255);
        assert_eq!(truncated(&memory(0xFF0D << 48), 14, 0), bad(h >> 3));
    }

    #[test]
    fn a_switch_reads_only_the_entries_a_selects() {
        // SWL at byte 8: the table is at 10: n = 1, the default at 12 holds
        // 2 (target 14), entry 0 at 14 holds -6 (target 8).
        let swl = 0x93 | 1 << 16 | 2 << 32 | 0xFFFA << 48;
        assert_eq!(truncated(&memory(swl), 8, 0), Truncated::Switch(8));
        assert_eq!(truncated(&memory(swl), 8, 1), Truncated::Switch(14));
        // SWL at byte 13: n at 14..15 = 0x0100 = 256; A = 5 selects entry
        // 5 at 14 + 4 + 10, past the end; A = -1 selects the default at
        // 16, also past it.
        let swl = 0x93 << 40 | 1 << 56;
        assert_eq!(truncated(&memory(swl), 13, 5), bad(3));
        assert_eq!(truncated(&memory(swl), 13, -1), bad(2));
        // SWB at byte 15: its table would start at 16.
        assert_eq!(truncated(&memory(0x92 << 56), 15, 0), bad(2));
    }

    #[test]
    fn a_binary_switch_follows_the_tree_and_reads_nothing_more() {
        // SWB at byte 0: the table at 2: n = 2, the default at 4 (offset
        // 0: target 4), node 1 at 6 (key 5, label at 8: offset 2, target
        // 10), node 2 at 10 (key 3, label at 12).
        let mut m = Memory::new(0, 3);
        m.set(0, 0x92 | 2 << 16 | 5 << 48).unwrap();
        m.set(1, 2 | 3 << 16 | 0xFFFE << 32).unwrap();
        // A = 5 matches node 1. A = 3 < 5 goes to node 3 > n: the default.
        // A = 9 > 5 goes to node 2 (key 3), then node 4 > n: the default.
        assert_eq!(truncated(&m, 0, 5), Truncated::Switch(10));
        assert_eq!(truncated(&m, 0, 3), Truncated::Switch(4));
        assert_eq!(truncated(&m, 0, 9), Truncated::Switch(4));
    }
}
