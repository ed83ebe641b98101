//! The program model: an object is a list of sections, each the exact bytes
//! of one compiled section (s8.1) plus what can be read out of them.

use std::collections::BTreeMap;

/// A Cintcode object module: the sections of one hunk file or assembly text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Object {
    pub sections: Vec<Section>,
}

/// One section (one `7D0` hunk).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Section {
    /// The whole section, a multiple of 8 bytes; word 0 is the length in
    /// words (little-endian).
    pub bytes: Vec<u8>,
    /// From the `FDDF` header, trailing pad spaces removed.
    pub name: Option<String>,
    /// (entry byte offset, name) from the `DFDF` headers, in order.
    pub functions: Vec<(u32, String)>,
    /// (global number, entry byte offset) from the global initialisation
    /// table, in table order.
    pub globals: Vec<(u32, u32)>,
    /// The last word of the section: the highest global number referenced.
    pub maxgn: u32,
    /// File name given to the reader or assembler.
    pub file: String,
    /// Byte offset of each assembled instruction or datum -> (line, column)
    /// in the assembly text; empty for sections read from hunk files.
    pub lines: BTreeMap<u32, (u32, u32)>,
}

/// Word `sectword` that starts a section name header.
pub const SECTWORD: u64 = 0xFDDF;
/// Word `entryword` that starts a function name header.
pub const ENTRYWORD: u64 = 0xDFDF;

impl Section {
    /// The length of the section in words, from word 0 (0 when missing).
    pub fn length_words(&self) -> u64 {
        self.word(0).unwrap_or(0)
    }

    /// The little-endian word at byte offset `at`, if all 8 bytes exist.
    pub fn word(&self, at: u32) -> Option<u64> {
        let at = at as usize;
        let b = self.bytes.get(at..at.checked_add(8)?)?;
        Some(u64::from_le_bytes(b.try_into().ok()?))
    }

    /// Byte offset of the global initialisation table's 0 word, found as
    /// globin walks it (s8.4); `None` if the table is malformed.
    pub fn table_start(&self) -> Option<u32> {
        let n = self.bytes.len() / 8;
        if n < 2 {
            return None;
        }
        let mut j = n - 2;
        loop {
            let w = self.word(j as u32 * 8)?;
            if w == 0 {
                return Some(j as u32 * 8);
            }
            if j < 3 {
                return None;
            }
            j -= 2;
        }
    }

    /// The name of the function containing `offset`: the last function
    /// entry at or before it.
    pub fn function_at(&self, offset: u32) -> Option<&str> {
        self.functions
            .iter()
            .rev()
            .find(|(e, _)| *e <= offset)
            .map(|(_, n)| n.as_str())
    }

    /// A human-readable place: `prog.cin:12:3 (in start)` for assembled
    /// sections, `hello+0x38 (in start)` for sections read from hunks.
    pub fn location_text(&self, offset: u32) -> String {
        let place = match self.lines.range(..=offset).next_back() {
            Some((_, (line, col))) => format!("{}:{}:{}", self.file, line, col),
            None => {
                let base = self.name.as_deref().unwrap_or(self.file.as_str());
                format!("{base}+{offset:#x}")
            }
        };
        match self.function_at(offset) {
            Some(f) => format!("{place} (in {f})"),
            None => place,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_at_and_location_text() {
        let mut s = Section {
            name: Some("hello".into()),
            functions: vec![(56, "start".into()), (120, "f".into())],
            file: "hello".into(),
            ..Section::default()
        };
        assert_eq!(s.function_at(10), None);
        assert_eq!(s.function_at(56), Some("start"));
        assert_eq!(s.function_at(119), Some("start"));
        assert_eq!(s.function_at(500), Some("f"));
        assert_eq!(s.location_text(0x38), "hello+0x38 (in start)");
        assert_eq!(s.location_text(4), "hello+0x4");
        s.lines.insert(56, (12, 3));
        s.file = "prog.cin".into();
        assert_eq!(s.location_text(58), "prog.cin:12:3 (in start)");
    }
}
