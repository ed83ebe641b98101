//! Streams other than the console (runtime.md s.6.7): disc files opened by
//! `findinput`/`findoutput` and the `NIL:` streams. Files live in the run's
//! own scratch directory, which is held in memory: it starts empty, a file
//! written and closed by the program can be read back during the run, and
//! nothing reaches the host's file system (runs stay independent and
//! deterministic). What was measured with cintsys64 and is reproduced:
//! output files are buffered in 4096-byte blocks with no `\r` after `\n`,
//! and bytes still in the buffer when the program ends are lost (a file
//! never closed reads back empty); input files come in 4096-byte blocks,
//! `rdch` skips CR and `binrdch` does not, and after end of file `unrdch`
//! steps back over the last byte of the last block, as on the console.

use std::collections::{BTreeMap, HashMap};

use super::input::ENDSTREAMCH;

/// Bytes in a file stream's buffer.
pub const BLOCK: usize = 4096;

/// One open stream that is not the console, by the word address of its SCB.
#[derive(Debug)]
enum Stream {
    /// A file open for writing (`name`), or the `NIL:` sink (`None`), with
    /// the bytes of its buffer not yet written.
    Out { name: Option<Vec<u8>>, buf: Vec<u8> },
    /// A file open for reading: its bytes, the start of the current block,
    /// the block's length and the position within it. `NIL:` is an empty file.
    In {
        data: Vec<u8>,
        start: usize,
        len: usize,
        pos: usize,
    },
}

/// The scratch directory and the open streams of one run.
#[derive(Debug, Default)]
pub struct Streams {
    files: BTreeMap<Vec<u8>, Vec<u8>>,
    open: HashMap<i64, Stream>,
}

impl Streams {
    /// Open `name` for writing at the SCB `scb`: `NIL:` is a sink, any other
    /// name creates (or empties) a file. False for an empty name.
    pub fn open_output(&mut self, scb: i64, name: &[u8]) -> bool {
        let name = if name.eq_ignore_ascii_case(b"NIL:") {
            None
        } else if name.is_empty() {
            return false;
        } else {
            self.files.insert(name.to_vec(), Vec::new());
            Some(name.to_vec())
        };
        self.open.insert(
            scb,
            Stream::Out {
                name,
                buf: Vec::new(),
            },
        );
        true
    }

    /// Whether `name` can be opened for reading (`NIL:` or an existing file).
    pub fn can_open_input(&self, name: &[u8]) -> bool {
        name.eq_ignore_ascii_case(b"NIL:") || self.files.contains_key(name)
    }

    /// Open `name` (see [`Streams::can_open_input`]) for reading at `scb`.
    pub fn open_input(&mut self, scb: i64, name: &[u8]) {
        let data = if name.eq_ignore_ascii_case(b"NIL:") {
            Vec::new()
        } else {
            self.files.get(name).cloned().unwrap_or_default()
        };
        self.open.insert(
            scb,
            Stream::In {
                data,
                start: 0,
                len: 0,
                pos: 0,
            },
        );
    }

    /// Whether `scb` is one of these streams.
    pub fn is_open(&self, scb: i64) -> bool {
        self.open.contains_key(&scb)
    }

    /// `wrch` on an output stream: store the low byte, writing the buffer
    /// out first when it is full. True when `scb` is an output stream here.
    pub fn wrch(&mut self, scb: i64, ch: i64) -> bool {
        let full = match self.open.get_mut(&scb) {
            Some(Stream::Out { buf, .. }) => buf.len() >= BLOCK,
            _ => return false,
        };
        if full {
            self.deplete(scb);
        }
        if let Some(Stream::Out { buf, .. }) = self.open.get_mut(&scb) {
            buf.push(ch as u8);
        }
        true
    }

    /// `deplete(scb)`: write the buffer of an output stream to its file.
    pub fn deplete(&mut self, scb: i64) {
        if let Some(Stream::Out { name, buf }) = self.open.get_mut(&scb) {
            if let Some(file) = name.as_ref().and_then(|n| self.files.get_mut(n)) {
                file.extend_from_slice(buf);
            }
            buf.clear();
        }
    }

    /// `rdch` (`skip_cr`) or `binrdch` on an input stream: the next byte,
    /// -1 at end of file. `None` when `scb` is not an input stream here.
    pub fn rdch(&mut self, scb: i64, skip_cr: bool) -> Option<i64> {
        let Some(Stream::In {
            data,
            start,
            len,
            pos,
        }) = self.open.get_mut(&scb)
        else {
            return None;
        };
        loop {
            if *pos < *len {
                let ch = data[*start + *pos];
                *pos += 1;
                if skip_cr && ch == b'\r' {
                    continue;
                }
                return Some(ch as i64);
            }
            // Replenish: the next block, or end of file with the old block kept.
            let next = *start + *len;
            if next >= data.len() {
                return Some(ENDSTREAMCH);
            }
            *start = next;
            *len = (data.len() - next).min(BLOCK);
            *pos = 0;
        }
    }

    /// `unrdch` on an input stream: step back within the current block.
    /// `None` when `scb` is not an input stream here.
    pub fn unrdch(&mut self, scb: i64) -> Option<bool> {
        match self.open.get_mut(&scb) {
            Some(Stream::In { pos, .. }) => Some(if *pos == 0 {
                false
            } else {
                *pos -= 1;
                true
            }),
            _ => None,
        }
    }

    /// `endstream(scb)`: write out and forget the stream. True when it was
    /// one of these streams.
    pub fn close(&mut self, scb: i64) -> bool {
        self.deplete(scb);
        self.open.remove(&scb).is_some()
    }

    /// The contents of the scratch directory's file `name`, if it exists.
    pub fn file(&self, name: &[u8]) -> Option<&[u8]> {
        self.files.get(name).map(|v| v.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_file_reads_back_without_cr_and_unclosed_is_empty() {
        let mut s = Streams::default();
        assert!(s.open_output(100, b"f1.txt"));
        for b in b"one\ntwo\r\n" {
            s.wrch(100, *b as i64);
        }
        assert!(s.close(100));
        assert_eq!(s.file(b"f1.txt"), Some(&b"one\ntwo\r\n"[..]));
        assert!(s.open_output(200, b"f2.txt"));
        s.wrch(200, b'x' as i64);
        assert_eq!(s.file(b"f2.txt"), Some(&b""[..]));
        s.open_input(300, b"f1.txt");
        let got: Vec<i64> = (0..9).map(|_| s.rdch(300, true).unwrap()).collect();
        assert_eq!(got, [111, 110, 101, 10, 116, 119, 111, 10, -1]);
        // After end of file unrdch steps back over the last byte.
        assert_eq!(s.unrdch(300), Some(true));
        assert_eq!(s.rdch(300, true), Some(10));
    }

    #[test]
    fn blocks_of_4096_and_nil() {
        let mut s = Streams::default();
        s.open_output(1, b"big");
        for i in 0..5000 {
            s.wrch(1, i % 251);
        }
        // The first block went out when the buffer filled.
        assert_eq!(s.file(b"big").map(|f| f.len()), Some(BLOCK));
        s.close(1);
        s.open_input(2, b"big");
        for i in 0..BLOCK as i64 {
            assert_eq!(s.rdch(2, false), Some(i % 251));
        }
        // A new block: unrdch cannot step back into the previous one.
        assert_eq!(s.rdch(2, false), Some(BLOCK as i64 % 251));
        assert_eq!(s.unrdch(2), Some(true));
        assert_eq!(s.unrdch(2), Some(false));
        assert!(s.can_open_input(b"NIL:"));
        assert!(!s.can_open_input(b"missing"));
        s.open_input(3, b"nil:");
        assert_eq!(s.rdch(3, true), Some(-1));
        assert!(s.open_output(4, b"NIL:"));
        s.wrch(4, 65);
        assert!(s.close(4));
        assert!(!s.open_output(5, b""));
    }
}
