//! BCPL memory: one array of 64-bit words addressed by word address
//! (sial.md s.1.1). Every access is bounds-checked and a miss is a classified
//! [`Stop::BadAddress`], never a panic. The same type backs the reference
//! interpreter (base 0) and native engines (base = machine address / 8), so
//! the run-time library sees one memory whatever runs the code.

use crate::Stop;

/// Global number of `result2` (libhdr).
pub const RESULT2: i64 = 10;

/// Word-addressed memory with a base: word address `w` lives at `words[w - base]`.
#[derive(Clone, Debug)]
pub struct Memory {
    /// Backing store; the memory is `words[offset..offset + len]`.
    words: Vec<i64>,
    offset: usize,
    len: usize,
    base: i64,
    /// Word address of global 0 (G).
    pub gbase: i64,
}

impl Memory {
    /// `size` words of zero starting at word address `base`.
    pub fn new(base: i64, size: usize) -> Memory {
        Memory {
            words: vec![0; size],
            offset: 0,
            len: size,
            base,
            gbase: 0,
        }
    }

    /// Like [`Memory::new`], with the first word on a 64 KiB boundary and
    /// zero words after the last one up to the next 64 KiB boundary, so
    /// that an emulator can map exactly this buffer as guest memory with
    /// pages of up to 64 KiB (those slack words are not part of memory).
    pub fn new_page_aligned(base: i64, size: usize) -> Memory {
        const ALIGN_WORDS: usize = 65536 / 8;
        let padded = size.div_ceil(ALIGN_WORDS) * ALIGN_WORDS;
        let words = vec![0i64; padded + ALIGN_WORDS];
        let addr = words.as_ptr() as usize;
        let offset = (65536 - addr % 65536) % 65536 / 8;
        Memory {
            words,
            offset,
            len: size,
            base,
            gbase: 0,
        }
    }

    /// The same words at another base word address (for an identity
    /// mapping: base = machine address of the first word / 8).
    pub fn rebased(mut self, base: i64) -> Memory {
        self.base = base;
        self
    }

    /// Host pointer to the first word (for mapping into an emulator).
    pub fn as_mut_ptr(&mut self) -> *mut i64 {
        self.words_mut().as_mut_ptr()
    }

    /// First word address.
    pub fn base(&self) -> i64 {
        self.base
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// One past the last word address.
    pub fn end(&self) -> i64 {
        self.base + self.len as i64
    }

    /// Whether word address `addr` is inside memory.
    #[inline]
    pub fn contains(&self, addr: i64) -> bool {
        (addr.wrapping_sub(self.base) as u64) < self.len as u64
    }

    #[inline]
    fn index(&self, addr: i64) -> Result<usize, Stop> {
        let i = addr.wrapping_sub(self.base) as u64;
        if i < self.len as u64 {
            Ok(i as usize + self.offset)
        } else {
            Err(Stop::BadAddress { addr })
        }
    }

    /// The word at `addr`.
    #[inline]
    pub fn get(&self, addr: i64) -> Result<i64, Stop> {
        Ok(self.words[self.index(addr)?])
    }

    /// Store `value` at `addr`.
    #[inline]
    pub fn set(&mut self, addr: i64, value: i64) -> Result<(), Stop> {
        let i = self.index(addr)?;
        self.words[i] = value;
        Ok(())
    }

    /// Byte `index` of the vector at word address `word`: byte address
    /// `8*word + index`, little-endian within words (sial.md s.1.1).
    pub fn get_byte(&self, word: i64, index: i64) -> Result<u8, Stop> {
        let b = word.wrapping_mul(8).wrapping_add(index);
        let w = self
            .get(b >> 3)
            .map_err(|_| Stop::BadAddress { addr: b >> 3 })?;
        Ok((w >> ((b & 7) * 8)) as u8)
    }

    /// Store the byte `value` at byte `index` of the vector at `word`.
    pub fn set_byte(&mut self, word: i64, index: i64, value: u8) -> Result<(), Stop> {
        let b = word.wrapping_mul(8).wrapping_add(index);
        let sh = (b & 7) * 8;
        let w = self.get(b >> 3)?;
        let w = (w & !(0xFF << sh)) | ((value as i64) << sh);
        self.set(b >> 3, w)
    }

    /// Global `n` (G!n).
    pub fn global(&self, n: i64) -> Result<i64, Stop> {
        self.get(self.gbase.wrapping_add(n))
    }

    /// Set global `n`.
    pub fn set_global(&mut self, n: i64, value: i64) -> Result<(), Stop> {
        self.set(self.gbase.wrapping_add(n), value)
    }

    /// The bytes of the BCPL string at word address `s` (length byte excluded).
    pub fn string(&self, s: i64) -> Result<Vec<u8>, Stop> {
        let len = self.get_byte(s, 0)? as i64;
        (1..=len).map(|i| self.get_byte(s, i)).collect()
    }

    /// Write `bytes` as a BCPL string at `s` (length byte first, the rest of
    /// the last word zero-padded). At most 255 bytes are kept.
    pub fn set_string(&mut self, s: i64, bytes: &[u8]) -> Result<(), Stop> {
        let n = bytes.len().min(255);
        self.set_byte(s, 0, n as u8)?;
        for (i, b) in bytes[..n].iter().enumerate() {
            self.set_byte(s, i as i64 + 1, *b)?;
        }
        let mut i = n as i64 + 1;
        while i % 8 != 0 {
            self.set_byte(s, i, 0)?;
            i += 1;
        }
        Ok(())
    }

    /// All words (index 0 is word address `base`).
    pub fn words(&self) -> &[i64] {
        &self.words[self.offset..self.offset + self.len]
    }

    /// All words, mutable.
    pub fn words_mut(&mut self) -> &mut [i64] {
        &mut self.words[self.offset..self.offset + self.len]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_little_endian_within_words() {
        // sial.md s.10.4: v!0 = #xFFEEDDCCBBAA9988: v%0 = #x88, v%7 = #xFF.
        let mut m = Memory::new(100, 4);
        m.set(101, 0xFFEEDDCCBBAA9988u64 as i64).unwrap();
        assert_eq!(m.get_byte(101, 0).unwrap(), 0x88);
        assert_eq!(m.get_byte(101, 7).unwrap(), 0xFF);
        assert_eq!(m.get_byte(100, 8).unwrap(), 0x88);
        // Storing 300 into v%0 leaves #xFFEEDDCCBBAA992C.
        m.set_byte(101, 0, 300u32 as u8).unwrap();
        assert_eq!(m.get(101).unwrap() as u64, 0xFFEEDDCCBBAA992C);
    }

    #[test]
    fn out_of_range_is_an_error() {
        let m = Memory::new(100, 4);
        assert_eq!(m.get(99), Err(Stop::BadAddress { addr: 99 }));
        assert_eq!(m.get(104), Err(Stop::BadAddress { addr: 104 }));
        assert!(m.get(i64::MIN).is_err());
    }

    #[test]
    fn page_aligned_memory_behaves_the_same() {
        let mut m = Memory::new_page_aligned(10, 100);
        assert_eq!(m.as_mut_ptr() as usize % 65536, 0);
        m.set(10, 7).unwrap();
        m.set(109, 9).unwrap();
        assert_eq!(m.words()[0], 7);
        assert_eq!(m.words()[99], 9);
        assert!(m.set(110, 1).is_err());
        assert_eq!(m.len(), 100);
    }

    #[test]
    fn strings_round_trip() {
        let mut m = Memory::new(0, 8);
        m.set_string(2, b"abc").unwrap();
        assert_eq!(m.get(2).unwrap(), 0x0000000063626103);
        assert_eq!(m.string(2).unwrap(), b"abc");
    }
}
