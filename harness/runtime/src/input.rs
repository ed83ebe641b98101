//! The console input stream (runtime.md s.2.1-2.3): what `rdch`, `binrdch`,
//! `unrdch`, `readn` and `sardch` see.
//!
//! The raw input is the rest of the command line, `"\n"` for empty
//! arguments or `" ARGS\n"`, followed by the process's stdin, then end of
//! file. The CLI has already read the whole command line into the console
//! buffer when the program starts (it read the command name from it), so
//! the buffer initially holds that line and `sardch` starts with stdin:
//! measured, `sys(Sys_sardch)` at program start gives -1.
//!
//! The buffer holds one line at a time (up to 4096 bytes). Refilling it
//! ("replenish") reads raw bytes up to and including `\n`, applying the
//! line editor (byte 8 deletes, writing `" \b"` through `sawrch`; a raw 127
//! writes an extra `\b` first). At end of file with nothing read, replenish
//! fails and leaves the old buffer as it was, which is why `unrdch` after
//! EOF steps back over the last byte of the last line.

use super::output::Output;

/// Bytes in the console input buffer (scb_bufend).
pub const BUFFER_SIZE: usize = 4096;
/// `endstreamch`.
pub const ENDSTREAMCH: i64 = -1;

/// The console input stream and the raw bytes behind it.
#[derive(Clone, Debug)]
pub struct Input {
    /// The line buffer (byte positions 0..BUFFER_SIZE, overwritten in place).
    buf: Vec<u8>,
    /// Next byte position (scb_pos).
    pos: usize,
    /// Number of valid bytes (scb_end).
    end: usize,
    /// Raw input: the command line (after the part already in the buffer)
    /// followed by stdin.
    raw: Vec<u8>,
    /// Next raw byte.
    next: usize,
    /// Index in `raw` of the first stdin byte; `Sys_sardch` maps 127 to 8 and
    /// treats #xFF as end of file only for stdin bytes.
    stdin_start: usize,
    /// Bytes the line editor wrote while the CLI read the command line
    /// (before the program started); see [`Input::take_startup_echo`].
    startup_echo: Vec<u8>,
}

impl Input {
    /// The input of a program run with the argument string `args` (without
    /// the final newline) and the given stdin bytes.
    pub fn new(args: &[u8], stdin: &[u8]) -> Input {
        Input::with_command_name(b"", args, stdin)
    }

    /// As [`Input::new`], but with the command name in front of the command
    /// line as the CLI saw it: the buffer holds `NAME ARGS\n` with the
    /// position just after the name, so `unrdch` before any `rdch` steps
    /// back into the name as in the real system.
    pub fn with_command_name(name: &[u8], args: &[u8], stdin: &[u8]) -> Input {
        let mut raw = name.to_vec();
        if !args.is_empty() {
            raw.push(b' ');
            raw.extend_from_slice(args);
        }
        raw.push(b'\n');
        let stdin_start = raw.len();
        raw.extend_from_slice(stdin);
        let mut input = Input {
            buf: vec![0; BUFFER_SIZE],
            pos: 0,
            end: 0,
            raw,
            next: 0,
            stdin_start,
            startup_echo: Vec::new(),
        };
        let mut echo = Vec::new();
        input.replenish_into(&mut echo);
        input.startup_echo = echo;
        input.pos = name.len().min(input.end);
        input
    }

    /// The bytes the line editor wrote to stdout while the CLI read the
    /// command line (only when the arguments contain byte 8 or 127). The
    /// real system writes them before the program starts.
    pub fn take_startup_echo(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.startup_echo)
    }

    /// `sys(Sys_sardch)` (G36 `sardch`): the next raw byte, bypassing the
    /// buffer; -1 at end of file. A stdin byte 127 becomes 8, and a stdin
    /// byte #xFF reads as end of file (the Linux `Readch` returns a signed
    /// char) without ending the input for later reads.
    pub fn sardch(&mut self) -> i64 {
        let Some(&b) = self.raw.get(self.next) else {
            return ENDSTREAMCH;
        };
        let from_stdin = self.next >= self.stdin_start;
        self.next += 1;
        match b {
            127 if from_stdin => 8,
            0xFF if from_stdin => ENDSTREAMCH,
            _ => b as i64,
        }
    }

    /// The console replenish function (dlib `cnslrdfn`): read one line into
    /// the buffer with the line editor; bytes it echoes go to `echo`. False,
    /// with the old buffer (pos, end) unchanged, when end of file comes
    /// before any byte.
    fn replenish_into(&mut self, echo: &mut Vec<u8>) -> bool {
        let mut p = 0usize;
        loop {
            let ch = self.sardch();
            match ch {
                ENDSTREAMCH => {
                    if p > 0 {
                        break;
                    }
                    return false;
                }
                10 => {
                    self.put(p, 10);
                    p += 1;
                    break;
                }
                127 | 8 => {
                    if ch == 127 {
                        echo.push(8);
                    }
                    echo.extend_from_slice(b" \x08");
                    p = p.saturating_sub(1);
                }
                _ => {
                    self.put(p, ch as u8);
                    p += 1;
                    if p >= BUFFER_SIZE {
                        break;
                    }
                }
            }
        }
        self.pos = 0;
        self.end = p;
        true
    }

    fn put(&mut self, p: usize, b: u8) {
        if let Some(slot) = self.buf.get_mut(p) {
            *slot = b;
        }
    }

    /// Replenish, writing the editor's echo through `sawrch`. Like the real
    /// `replenish`, this leaves result2 = -1 whether it succeeds or not.
    fn replenish(&mut self, out: &mut Output, result2: &mut i64) -> bool {
        *result2 = -1;
        let mut echo = Vec::new();
        let ok = self.replenish_into(&mut echo);
        for b in echo {
            out.sawrch(b as i64);
        }
        ok
    }

    fn next_byte(&mut self, out: &mut Output, result2: &mut i64, skip_cr: bool) -> i64 {
        loop {
            if self.pos < self.end {
                let ch = self.buf.get(self.pos).copied().unwrap_or(0);
                self.pos += 1;
                if skip_cr && ch == b'\r' {
                    continue;
                }
                return ch as i64;
            }
            if !self.replenish(out, result2) {
                return if *result2 < 0 { *result2 } else { ENDSTREAMCH };
            }
        }
    }

    /// `rdch()` (G38): the next byte of the line buffer, skipping CR (13);
    /// -1 at end of file, every time. A replenish sets `*result2` to -1.
    pub fn rdch(&mut self, out: &mut Output, result2: &mut i64) -> i64 {
        self.next_byte(out, result2, true)
    }

    /// `binrdch()` (G39): as `rdch`, but CR is returned.
    pub fn binrdch(&mut self, out: &mut Output, result2: &mut i64) -> i64 {
        self.next_byte(out, result2, false)
    }

    /// `unrdch()` (G40): step back one byte within the current line buffer;
    /// FALSE at its start. After end of file this steps back over the last
    /// byte of the last line, which the next `rdch` returns again.
    pub fn unrdch(&mut self) -> bool {
        if self.pos == 0 {
            return false;
        }
        self.pos -= 1;
        true
    }

    /// `readn()` (G83): skip spaces, tabs and newlines; an optional sign
    /// (`+` or `-`, followed by a `rdch`); decimal digits (wrapping); the
    /// character that ended the number is pushed back with `unrdch`.
    /// result2 := 0 and the number; if the first non-blank character is not
    /// a sign or a digit, it is pushed back and the result is 0 with
    /// result2 = -1.
    pub fn readn(&mut self, out: &mut Output, result2: &mut i64) -> i64 {
        let mut neg = false;
        let is_digit = |c: i64| (b'0' as i64..=b'9' as i64).contains(&c);
        let mut ch;
        loop {
            ch = self.rdch(out, result2);
            if is_digit(ch) {
                break;
            }
            match ch {
                0x20 | 0x09 | 0x0A => continue,
                0x2D | 0x2B => {
                    neg = ch == b'-' as i64;
                    ch = self.rdch(out, result2);
                    break;
                }
                _ => {
                    self.unrdch();
                    *result2 = -1;
                    return 0;
                }
            }
        }
        let mut sum: i64 = 0;
        while is_digit(ch) {
            sum = sum.wrapping_mul(10).wrapping_add(ch - b'0' as i64);
            ch = self.rdch(out, result2);
        }
        if neg {
            sum = sum.wrapping_neg();
        }
        self.unrdch();
        *result2 = 0;
        sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rd(i: &mut Input, o: &mut Output) -> i64 {
        let mut r2 = 0;
        i.rdch(o, &mut r2)
    }

    #[test]
    fn empty_arguments_give_newline_then_eof() {
        // runtime.md s.2.1: rdch x3 -> 10, -1, -1.
        let mut i = Input::new(b"", b"");
        let mut o = Output::new();
        let mut r2 = 0;
        assert_eq!(i.rdch(&mut o, &mut r2), 10);
        assert_eq!(r2, 0, "no replenish yet");
        assert_eq!(i.rdch(&mut o, &mut r2), -1);
        assert_eq!(r2, -1);
        assert_eq!(rd(&mut i, &mut o), -1);
        assert!(o.stdout.is_empty());
    }

    #[test]
    fn unrdch_after_eof_steps_back_over_the_last_byte() {
        // runtime.md s.2.3: rdch 10, rdch -1, unrdch TRUE, rdch 10 again.
        let mut i = Input::new(b"", b"");
        let mut o = Output::new();
        assert_eq!(rd(&mut i, &mut o), 10);
        assert_eq!(rd(&mut i, &mut o), -1);
        assert!(i.unrdch());
        assert_eq!(rd(&mut i, &mut o), 10);
        assert_eq!(rd(&mut i, &mut o), -1);
        // Only within the line: a second step back then fails.
        assert!(i.unrdch());
        assert!(!i.unrdch());
    }

    #[test]
    fn sardch_bypasses_the_buffer() {
        // runtime.md s.7.1: Sys_sardch at program start -> -1 (the command
        // line is already in the buffer).
        let mut i = Input::new(b"", b"");
        assert_eq!(i.sardch(), -1);
        let mut o = Output::new();
        assert_eq!(rd(&mut i, &mut o), 10);
        // With stdin, sardch takes stdin bytes; 127 becomes 8.
        let mut i = Input::new(b"abc", b"x\x7F");
        assert_eq!(i.sardch(), b'x' as i64);
        assert_eq!(i.sardch(), 8);
        assert_eq!(i.sardch(), -1);
        assert_eq!(i.sardch(), -1);
        for c in b" abc\n" {
            assert_eq!(rd(&mut i, &mut o), *c as i64);
        }
        assert_eq!(rd(&mut i, &mut o), -1);
    }

    #[test]
    fn readn_measured() {
        // runtime.md s.2.3: input "\n  -12 34x\r\n+ 5\n-x 9" then EOF, where
        // the first "\n" is the (empty) command line.
        let mut i = Input::new(b"", b"  -12 34x\r\n+ 5\n-x 9");
        let mut o = Output::new();
        let expect = [
            (-12, 0, b' ' as i64),
            (34, 0, b'x' as i64),
            (0, 0, b' ' as i64),
            (5, 0, 10),
            (0, 0, b'x' as i64),
            (9, 0, b'9' as i64),
        ];
        for (k, (n, res2, next)) in expect.into_iter().enumerate() {
            let mut r2 = 77;
            assert_eq!(i.readn(&mut o, &mut r2), n, "readn {k}");
            assert_eq!(r2, res2, "result2 {k}");
            assert_eq!(rd(&mut i, &mut o), next, "next rdch {k}");
        }
    }

    #[test]
    fn readn_at_eof() {
        // With only "\n" then EOF: readn -> 0, result2 -1.
        let mut i = Input::new(b"", b"");
        let mut o = Output::new();
        let mut r2 = 0;
        assert_eq!(i.readn(&mut o, &mut r2), 0);
        assert_eq!(r2, -1);
        // The unrdch stepped back over the "\n".
        assert_eq!(rd(&mut i, &mut o), 10);
    }

    #[test]
    fn readn_from_arguments_and_wrapping() {
        let mut i = Input::new(b"42 +7 9223372036854775808", b"");
        let mut o = Output::new();
        let mut r2 = 0;
        assert_eq!(i.readn(&mut o, &mut r2), 42);
        assert_eq!(i.readn(&mut o, &mut r2), 7);
        assert_eq!(i.readn(&mut o, &mut r2), i64::MIN);
        assert_eq!(r2, 0);
        assert_eq!(rd(&mut i, &mut o), 10);
    }

    #[test]
    fn rdch_skips_cr_but_binrdch_does_not() {
        let mut i = Input::new(b"", b"a\rb\r\n");
        let mut o = Output::new();
        let mut r2 = 0;
        assert_eq!(i.rdch(&mut o, &mut r2), 10);
        assert_eq!(i.rdch(&mut o, &mut r2), b'a' as i64);
        assert_eq!(i.binrdch(&mut o, &mut r2), 13);
        assert_eq!(i.rdch(&mut o, &mut r2), b'b' as i64);
        assert_eq!(i.rdch(&mut o, &mut r2), 10);
        assert_eq!(i.binrdch(&mut o, &mut r2), -1);
    }

    #[test]
    fn one_line_per_replenish() {
        // unrdch cannot step back into the previous line.
        let mut i = Input::new(b"", b"ab\ncd\n");
        let mut o = Output::new();
        assert_eq!(rd(&mut i, &mut o), 10);
        assert_eq!(rd(&mut i, &mut o), b'a' as i64);
        assert_eq!(rd(&mut i, &mut o), b'b' as i64);
        assert_eq!(rd(&mut i, &mut o), 10);
        assert_eq!(rd(&mut i, &mut o), b'c' as i64);
        assert!(i.unrdch());
        assert!(!i.unrdch());
        assert_eq!(rd(&mut i, &mut o), b'c' as i64);
    }

    #[test]
    fn long_lines_fill_the_buffer() {
        let stdin = vec![b'x'; 5000];
        let mut i = Input::new(b"", &stdin);
        let mut o = Output::new();
        assert_eq!(rd(&mut i, &mut o), 10);
        for _ in 0..5000 {
            assert_eq!(rd(&mut i, &mut o), b'x' as i64);
        }
        // The second, partial line (904 bytes) is what unrdch can reach.
        for _ in 0..904 {
            assert!(i.unrdch());
        }
        assert!(!i.unrdch());
        assert_eq!(rd(&mut i, &mut o), b'x' as i64);
    }

    #[test]
    fn line_editor() {
        // stdin byte 8 (or 127, which sardch turns into 8) deletes and writes
        // " \b" through sawrch.
        let mut i = Input::new(b"", b"ab\x08c\x7Fd\n");
        let mut o = Output::new();
        assert_eq!(rd(&mut i, &mut o), 10);
        assert_eq!(rd(&mut i, &mut o), b'a' as i64);
        assert_eq!(o.stdout, b" \x08 \x08");
        assert_eq!(rd(&mut i, &mut o), b'd' as i64);
        assert_eq!(rd(&mut i, &mut o), 10);
        // A 127 from the command line writes an extra \b first; backspace at
        // the start of a line deletes nothing.
        let mut i = Input::new(b"x\x7Fy", b"");
        assert_eq!(i.take_startup_echo(), b"\x08 \x08");
        assert!(i.take_startup_echo().is_empty());
        for c in b" y\n" {
            assert_eq!(rd(&mut i, &mut o), *c as i64);
        }
        let mut i = Input::new(b"", b"\x08\x08z\n");
        let mut o = Output::new();
        assert_eq!(rd(&mut i, &mut o), 10);
        assert_eq!(rd(&mut i, &mut o), b'z' as i64);
        assert_eq!(o.stdout, b" \x08 \x08");
    }

    #[test]
    fn failed_replenish_keeps_the_old_buffer() {
        // "q\x08" then EOF: the editor deletes the q, EOF with nothing read
        // fails, and the old line is still there for unrdch.
        let mut i = Input::new(b"", b"ab\nq\x08");
        let mut o = Output::new();
        let mut r2 = 0;
        for c in b"\nab\n" {
            assert_eq!(i.rdch(&mut o, &mut r2), *c as i64);
        }
        assert_eq!(i.rdch(&mut o, &mut r2), -1);
        assert_eq!(r2, -1);
        assert!(i.unrdch());
        assert_eq!(i.rdch(&mut o, &mut r2), 10);
        // The buffer bytes were overwritten in place: position 0 is now q.
        assert!(i.unrdch());
        assert!(i.unrdch());
        assert!(i.unrdch());
        assert_eq!(i.rdch(&mut o, &mut r2), b'q' as i64);
    }

    #[test]
    fn byte_ff_in_stdin_ends_a_line() {
        let mut i = Input::new(b"", b"ab\xFFcd");
        let mut o = Output::new();
        assert_eq!(rd(&mut i, &mut o), 10);
        assert_eq!(rd(&mut i, &mut o), b'a' as i64);
        assert_eq!(rd(&mut i, &mut o), b'b' as i64);
        assert_eq!(rd(&mut i, &mut o), b'c' as i64);
        assert!(i.unrdch());
        assert!(!i.unrdch(), "cd is a new line");
        assert_eq!(rd(&mut i, &mut o), b'c' as i64);
        assert_eq!(rd(&mut i, &mut o), b'd' as i64);
        assert_eq!(rd(&mut i, &mut o), -1);
    }

    #[test]
    fn command_name_precedes_the_arguments() {
        let mut i = Input::with_command_name(b"prog", b"", b"");
        let mut o = Output::new();
        assert!(i.unrdch());
        assert_eq!(rd(&mut i, &mut o), b'g' as i64);
        assert_eq!(rd(&mut i, &mut o), 10);
        assert_eq!(rd(&mut i, &mut o), -1);
    }
}
