//! The console output stream (runtime.md s.1.1): a 4096-byte line buffer that
//! `wrch` fills, flushed on `\n` (after adding `\r`), `\f`, a full buffer or
//! `deplete`, and lost at every kind of program end; plus the unbuffered
//! `sawrch` path that writes straight to stdout.

use std::io::Write;

/// Size of the console buffer (scb_bufend).
pub const BUFFER_SIZE: usize = 4096;

/// The program's stdout as the real system produces it.
#[derive(Default)]
pub struct Output {
    /// Bytes written by `wrch` and not yet flushed.
    buffer: Vec<u8>,
    /// Raw stdout bytes so far (with the `\r` the console adds after `\n`).
    pub stdout: Vec<u8>,
    /// Optional live copy of stdout (for `cintcheck exec`).
    pub tee: Option<Box<dyn Write + Send>>,
    /// Stream encoding set by `codewrch` with a negative code: -1 UTF-8, -2 GB2312.
    pub encoding: i64,
    /// Most stdout bytes kept; beyond it output is dropped and `overflowed` set.
    pub limit: usize,
    /// Set once the program tried to write more than `limit` bytes.
    pub overflowed: bool,
    /// While set, [`Output::put`] collects the values it is given here
    /// instead of writing them (how `writers.b` gets a leaf writer's bytes
    /// to send through a replaced `wrch`).
    pub capture: Option<Vec<i64>>,
}

/// Default cap on a run's stdout (a runaway `writef("%999999999999i")`
/// must end, not fill the machine's memory).
pub const DEFAULT_LIMIT: usize = 64 << 20;

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Output")
            .field("buffer", &self.buffer.len())
            .field("stdout", &self.stdout.len())
            .finish()
    }
}

impl Output {
    pub fn new() -> Output {
        Output {
            encoding: -1,
            limit: DEFAULT_LIMIT,
            ..Output::default()
        }
    }

    /// Whether the stdout cap has been reached (writers stop padding then).
    pub fn full(&self) -> bool {
        self.overflowed || self.capture.as_ref().is_some_and(|c| c.len() >= self.limit)
    }

    fn raw(&mut self, bytes: &[u8]) {
        let room = self.limit.saturating_sub(self.stdout.len());
        let bytes = if bytes.len() > room {
            self.overflowed = true;
            &bytes[..room]
        } else {
            bytes
        };
        self.stdout.extend_from_slice(bytes);
        if let Some(t) = self.tee.as_mut() {
            let _ = t.write_all(bytes);
            let _ = t.flush();
        }
    }

    /// `sys(Sys_sawrch, ch)`: the low byte straight to stdout, no `\r`.
    pub fn sawrch(&mut self, ch: i64) {
        self.raw(&[ch as u8]);
    }

    /// `deplete(cos)`: send the buffer to stdout and empty it.
    pub fn deplete(&mut self) {
        let buf = std::mem::take(&mut self.buffer);
        self.raw(&buf);
        self.buffer = buf;
        self.buffer.clear();
    }

    /// `wrch(ch)` on the interactive console stream (runtime.md s.1.1):
    /// store the low byte; for `ch` = 10 also store 13 and flush; for 12 flush.
    /// Control handling looks at the whole word, so `wrch(10+256)` stores a
    /// newline without `\r` or flush.
    pub fn wrch(&mut self, ch: i64) -> bool {
        if self.overflowed {
            return true;
        }
        self.store(ch);
        if ch >= 32 {
            return true;
        }
        if ch == 10 {
            self.wrch(13);
        }
        if ch == 10 || ch == 12 {
            self.deplete();
        }
        true
    }

    /// The first step of `wrch`: put the low byte of `ch` in the buffer,
    /// depleting it first when it is full.
    pub fn store(&mut self, ch: i64) {
        if self.overflowed {
            return;
        }
        if self.buffer.len() >= BUFFER_SIZE {
            self.deplete();
        }
        self.buffer.push(ch as u8);
    }

    /// Write through `wrch` (`raw` = false) or `sawrch` (`raw` = true): the two
    /// sinks the formatting functions use (writef vs sawritef).
    pub fn put(&mut self, raw: bool, ch: i64) {
        if let Some(c) = self.capture.as_mut() {
            if c.len() < self.limit {
                c.push(ch);
            }
        } else if raw {
            self.sawrch(ch);
        } else {
            self.wrch(ch);
        }
    }

    /// Write a message that bypasses the console stream (ABORT messages,
    /// library error messages), unbuffered and without `\r`.
    pub fn message(&mut self, text: &str) {
        self.raw(text.as_bytes());
    }

    /// Bytes waiting in the buffer (lost if the program ends now).
    pub fn pending(&self) -> &[u8] {
        &self.buffer
    }

    /// Drop the pending buffer (what every program end does).
    pub fn discard(&mut self) {
        self.buffer.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wr(o: &mut Output, s: &[u8]) {
        for &b in s {
            o.wrch(b as i64);
        }
    }

    #[test]
    fn newline_adds_cr_and_flushes() {
        let mut o = Output::new();
        wr(&mut o, b"hi\n");
        assert_eq!(o.stdout, b"hi\n\r");
    }

    #[test]
    fn partial_line_stays_buffered() {
        let mut o = Output::new();
        wr(&mut o, b"abc");
        assert_eq!(o.stdout, b"");
        o.discard();
        assert_eq!(o.stdout, b"");
    }

    #[test]
    fn sawrch_overtakes_buffer() {
        // writes("ab"); sys(Sys_sawrch,'X'); wrch('c'); newline() -> Xabc\n\r
        let mut o = Output::new();
        wr(&mut o, b"ab");
        o.sawrch(b'X' as i64);
        wr(&mut o, b"c\n");
        assert_eq!(o.stdout, b"Xabc\n\r");
    }

    #[test]
    fn control_rules_use_the_whole_word() {
        let mut o = Output::new();
        o.wrch(10 + 256); // binwrch('\n'): no \r, no flush
        o.wrch(-246); // low byte 10, negative: no \r, no flush
        wr(&mut o, b"pq");
        o.wrch(12); // newpage flushes without \r
        assert_eq!(o.stdout, b"\n\npq\x0c");
    }

    #[test]
    fn output_beyond_the_limit_is_dropped_and_flagged() {
        let mut o = Output::new();
        o.limit = 10;
        for _ in 0..3 {
            for &b in b"abcdef\n" {
                o.wrch(b as i64);
            }
        }
        assert!(o.full());
        assert_eq!(o.stdout, b"abcdef\n\rab");
    }

    #[test]
    fn full_buffer_is_flushed_before_the_next_byte() {
        let mut o = Output::new();
        for _ in 0..5000 {
            o.wrch(b'a' as i64);
        }
        assert_eq!(o.stdout.len(), 4096);
    }
}
