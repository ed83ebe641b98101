//! getvec / freevec (runtime.md s.4): a first-fit allocator over a chain of
//! blocks in BCPL memory. A block is a header word, the vector v!0..v!upb and
//! nine guard words (#xDDDDDDDD, #xCCCCCCCC, #x55555555, #xAAAAAAAA, upb,
//! four name words, a back pointer): upb+11 words rounded up to even, with
//! v = block+1. Memory is not cleared: fresh words read #xDEADC0DE and a
//! reused block keeps its old contents.

use std::ops::Range;

use super::output::Output;
use super::Stop;
use crate::memory::Memory;

/// What never-allocated memory holds.
pub const FRESH: i64 = 0xDEADC0DE;
const GUARDS: [i64; 4] = [0xDDDDDDDD, 0xCCCCCCCC, 0x55555555, 0xAAAAAAAA];
/// Header flag of an allocated block (sizes are even, so bit 0 is free).
const USED: i64 = 1;

/// The allocator's state: the word range it manages and how far it has
/// handed out memory (everything at or above `top` is fresh).
#[derive(Clone, Debug)]
pub struct Heap {
    start: i64,
    end: i64,
    top: i64,
}

impl Heap {
    /// Manage the word addresses `range` (its start is rounded up to even so
    /// that vectors are odd, as in the real system).
    pub fn new(range: Range<i64>) -> Heap {
        let start = range.start + (range.start & 1);
        Heap {
            start,
            end: range.end.max(start),
            top: start,
        }
    }

    /// The managed word range.
    pub fn range(&self) -> Range<i64> {
        self.start..self.end
    }

    fn block_words(upb: i64) -> Option<i64> {
        let n = upb.checked_add(11)?;
        Some(n + (n & 1))
    }

    /// `getvec(upb)`: the word address of a new vector v!0..v!upb, or 0 when
    /// there is no room. upb < 0 is the library's fault: message and abort 999.
    pub fn getvec(&mut self, mem: &mut Memory, out: &mut Output, upb: i64) -> Result<i64, Stop> {
        if upb < 0 {
            out.message(&format!("BLIB: getvec({upb}) called\n"));
            return Err(Stop::abort(999));
        }
        let Some(need) = Self::block_words(upb) else {
            return Ok(0);
        };
        // First fit over the chain, merging adjacent free blocks on the way.
        let mut b = self.start;
        while b < self.top {
            let h = mem.get(b)?;
            let size = h & !USED;
            if size <= 0 || b + size > self.top {
                return Err(self.corrupt(out, b));
            }
            if h & USED == 0 {
                let mut size = size;
                while b + size < self.top {
                    let next = mem.get(b + size)?;
                    if next & USED != 0 || next <= 0 {
                        break;
                    }
                    size += next;
                }
                if b + size == self.top {
                    // A free block at the top merges back into fresh space.
                    self.top = b;
                    break;
                }
                mem.set(b, size)?;
                if size >= need {
                    if size - need >= 2 {
                        mem.set(b + need, size - need)?;
                    } else {
                        return self.finish(mem, b, size, upb);
                    }
                    return self.finish(mem, b, need, upb);
                }
            }
            b += size;
        }
        // Fresh space above the top.
        if need > self.end - self.top {
            return Ok(0);
        }
        let b = self.top;
        self.top += need;
        for a in b..self.top {
            mem.set(a, FRESH)?;
        }
        self.finish(mem, b, need, upb)
    }

    fn finish(&mut self, mem: &mut Memory, b: i64, size: i64, upb: i64) -> Result<i64, Stop> {
        mem.set(b, size | USED)?;
        let v = b + 1;
        let g = v + upb + 1;
        for (i, w) in GUARDS.iter().enumerate() {
            mem.set(g + i as i64, *w)?;
        }
        mem.set(g + 4, upb)?;
        for i in 5..9 {
            mem.set(g + i, 0)?;
        }
        mem.set(b + size - 1, b)?;
        Ok(v)
    }

    fn corrupt(&self, out: &mut Output, b: i64) -> Stop {
        out.message(&format!("\n#### getvec: store chain corrupted at {b}\n"));
        Stop::abort(197)
    }

    /// `freevec(v)`: 0 is ignored; a block already free or with damaged guard
    /// words is reported as in the real system, then abort 999.
    pub fn freevec(&mut self, mem: &mut Memory, out: &mut Output, v: i64) -> Result<(), Stop> {
        if v == 0 {
            return Ok(());
        }
        let b = v - 1;
        let ok_range = b >= self.start && b < self.top;
        let h = if ok_range { mem.get(b)? } else { 0 };
        if !ok_range || h & USED == 0 {
            out.message(&format!("\n#### freevec: block at {v} already free\n"));
            out.message(&format!("BLIB co=0: freevec failure, ptr={v}\n"));
            return Err(Stop::abort(999));
        }
        let size = h & !USED;
        // size = upb+11 rounded up to even, so upb is size-11 or size-12;
        // the guard words after v!upb must be intact.
        let guards_ok = |u: i64| -> bool {
            let g = v + u + 1;
            u >= 0
                && mem.get(g).ok() == Some(GUARDS[0])
                && mem.get(g + 1).ok() == Some(GUARDS[1])
                && mem.get(g + 4).ok() == Some(u)
        };
        let upb = [size - 11, size - 12].into_iter().find(|&u| guards_ok(u));
        if upb.is_none() {
            out.message(&format!("\n#### freevec: block at {v} corrupted\n"));
            out.message(&format!("BLIB co=0: freevec failure, ptr={v}\n"));
            return Err(Stop::abort(999));
        }
        mem.set(b, size)?;
        if b + size == self.top {
            self.top = b;
        }
        Ok(())
    }

    /// Free words (`memoryfree()`): fresh space plus free blocks.
    pub fn free_words(&self, mem: &Memory) -> i64 {
        let mut free = self.end - self.top;
        let mut b = self.start;
        while b < self.top {
            let Ok(h) = mem.get(b) else { break };
            let size = h & !USED;
            if size <= 0 {
                break;
            }
            if h & USED == 0 {
                free += size;
            }
            b += size;
        }
        free
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (Heap, Memory, Output) {
        (
            Heap::new(100..10_000),
            Memory::new(0, 10_000),
            Output::new(),
        )
    }

    #[test]
    fn fresh_vector_holds_deadc0de_and_guards() {
        // runtime.md s.4: a fresh getvec(10): v!0..v!10 = #xDEADC0DE,
        // v!11 = #xDDDDDDDD, v!12 = #xCCCCCCCC; v is odd.
        let (mut h, mut m, mut o) = setup();
        let v = h.getvec(&mut m, &mut o, 10).unwrap();
        assert_eq!(v % 2, 1);
        for i in 0..=10 {
            assert_eq!(m.get(v + i).unwrap(), 0xDEADC0DE);
        }
        assert_eq!(m.get(v + 11).unwrap(), 0xDDDDDDDD);
        assert_eq!(m.get(v + 12).unwrap(), 0xCCCCCCCC);
    }

    #[test]
    fn consecutive_requests_are_22_apart() {
        // getvec(10) then getvec(0) gives addresses 22 apart.
        let (mut h, mut m, mut o) = setup();
        let a = h.getvec(&mut m, &mut o, 10).unwrap();
        let b = h.getvec(&mut m, &mut o, 0).unwrap();
        assert_eq!(b - a, 22);
    }

    #[test]
    fn reuse_keeps_old_contents_and_first_fit() {
        let (mut h, mut m, mut o) = setup();
        let a = h.getvec(&mut m, &mut o, 10).unwrap();
        let _b = h.getvec(&mut m, &mut o, 10).unwrap();
        m.set(a, 42).unwrap();
        h.freevec(&mut m, &mut o, a).unwrap();
        let c = h.getvec(&mut m, &mut o, 4).unwrap();
        assert_eq!(c, a);
        assert_eq!(m.get(c).unwrap(), 42);
    }

    #[test]
    fn full_memory_returns_zero() {
        let (mut h, mut m, mut o) = setup();
        assert_eq!(h.getvec(&mut m, &mut o, 1_000_000_000).unwrap(), 0);
        assert_eq!(h.getvec(&mut m, &mut o, i64::MAX).unwrap(), 0);
    }

    #[test]
    fn negative_upb_aborts_999() {
        let (mut h, mut m, mut o) = setup();
        assert_eq!(h.getvec(&mut m, &mut o, -1), Err(Stop::abort(999)));
        assert_eq!(o.stdout, b"BLIB: getvec(-1) called\n");
    }

    #[test]
    fn double_free_aborts_999() {
        let (mut h, mut m, mut o) = setup();
        let a = h.getvec(&mut m, &mut o, 3).unwrap();
        let _keep = h.getvec(&mut m, &mut o, 3).unwrap();
        h.freevec(&mut m, &mut o, 0).unwrap();
        h.freevec(&mut m, &mut o, a).unwrap();
        assert_eq!(h.freevec(&mut m, &mut o, a), Err(Stop::abort(999)));
    }

    #[test]
    fn freed_blocks_merge_and_count_as_free() {
        let (mut h, mut m, mut o) = setup();
        let total = h.free_words(&m);
        let a = h.getvec(&mut m, &mut o, 10).unwrap();
        let b = h.getvec(&mut m, &mut o, 10).unwrap();
        let _c = h.getvec(&mut m, &mut o, 10).unwrap();
        h.freevec(&mut m, &mut o, a).unwrap();
        h.freevec(&mut m, &mut o, b).unwrap();
        // The two freed neighbours merge and fit a bigger request.
        let d = h.getvec(&mut m, &mut o, 30).unwrap();
        assert_eq!(d, a);
        assert!(h.free_words(&m) < total);
    }
}
