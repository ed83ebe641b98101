//! The hunk text format of 64-bit object modules (s8.4): hexadecimal words,
//! `#` comments, `7D0` code hunks with a word count, `7D2` end markers.

use crate::error::CinError;
use crate::object::{Object, Section, ENTRYWORD, SECTWORD};

/// 64-bit code hunk.
pub const HUNK_CODE64: u64 = 0x7D0;
/// End marker, accepted and skipped.
pub const HUNK_END: u64 = 0x7D2;
/// 32-bit code hunk (rejected).
pub const HUNK_CODE32: u64 = 0x3E8;

struct Token {
    value: u64,
    line: u32,
    col: u32,
}

fn tokens(text: &str, file: &str) -> Result<Vec<Token>, CinError> {
    let mut out = Vec::new();
    for (li, line) in text.lines().enumerate() {
        let line_no = li as u32 + 1;
        let code = match line.find('#') {
            Some(i) => &line[..i],
            None => line,
        };
        let mut chars = code.char_indices().peekable();
        while let Some(&(start, c)) = chars.peek() {
            if c.is_whitespace() {
                chars.next();
                continue;
            }
            let mut end = start;
            while let Some(&(i, c)) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                end = i + c.len_utf8();
                chars.next();
            }
            let tok = &code[start..end];
            let col = code[..start].chars().count() as u32 + 1;
            if !tok.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(CinError::new(
                    format!("bad hex number `{tok}`"),
                    file,
                    text,
                    line_no,
                    col,
                ));
            }
            let digits = tok.trim_start_matches('0');
            if digits.len() > 16 {
                return Err(CinError::new(
                    format!("hex number `{tok}` does not fit in 64 bits"),
                    file,
                    text,
                    line_no,
                    col,
                ));
            }
            let value = if digits.is_empty() {
                0
            } else {
                u64::from_str_radix(digits, 16).expect("checked hex digits")
            };
            out.push(Token {
                value,
                line: line_no,
                col,
            });
        }
    }
    Ok(out)
}

/// Read a hunk text file into an object (one section per `7D0` hunk).
pub fn read(text: &str, file: &str) -> Result<Object, CinError> {
    let toks = tokens(text, file)?;
    let err = |t: &Token, msg: String| CinError::new(msg, file, text, t.line, t.col);
    let mut sections = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let head = &toks[i];
        match head.value {
            HUNK_CODE64 => {}
            HUNK_END => {
                i += 1;
                continue;
            }
            HUNK_CODE32 => {
                return Err(err(
                    head,
                    "32-bit Cintcode hunk (3E8): only 64-bit code hunks (7D0) are supported".into(),
                ))
            }
            0xBB8 | 0xFA0 => {
                return Err(err(
                    head,
                    format!(
                        "binary hunk ({:X}) is not supported: only text hunks of type 7D0",
                        head.value
                    ),
                ))
            }
            v => return Err(err(head, format!("unknown hunk type {v:X} (expected 7D0)"))),
        }
        let Some(size_tok) = toks.get(i + 1) else {
            return Err(err(
                head,
                "truncated hunk: the word count is missing".into(),
            ));
        };
        let n = size_tok.value;
        let avail = (toks.len() - i - 2) as u64;
        if n > avail {
            return Err(err(
                size_tok,
                format!("truncated hunk: {n} words announced, only {avail} present"),
            ));
        }
        let n = n as usize;
        let words = &toks[i + 2..i + 2 + n];
        if n < 3 {
            return Err(err(
                size_tok,
                format!(
                    "hunk of {n} words is too short for a section \
                     (length word, 0 word and maxgn)"
                ),
            ));
        }
        if words[0].value != n as u64 {
            return Err(err(
                &words[0],
                format!(
                    "section length word {:X} differs from the hunk size {:X}",
                    words[0].value, n
                ),
            ));
        }
        if n as u64 * 8 > u32::MAX as u64 {
            return Err(err(size_tok, "section too large".into()));
        }
        let mut bytes = Vec::with_capacity(n * 8);
        for w in words {
            bytes.extend_from_slice(&w.value.to_le_bytes());
        }
        let maxgn_tok = &words[n - 1];
        if maxgn_tok.value > u32::MAX as u64 {
            return Err(err(
                maxgn_tok,
                format!("maxgn {:X} is too large", maxgn_tok.value),
            ));
        }
        // Walk the global initialisation table backwards (globin, s8.4).
        let mut globals = Vec::new();
        let mut j = n - 2;
        loop {
            let w = &words[j];
            if w.value == 0 {
                break;
            }
            if j < 3 {
                return Err(err(
                    w,
                    "malformed global initialisation table: no 0 word before the pairs".into(),
                ));
            }
            let g = &words[j - 1];
            if w.value >= (n as u64) * 8 {
                return Err(err(
                    w,
                    format!(
                        "malformed global initialisation table: entry offset {:X} is outside the section",
                        w.value
                    ),
                ));
            }
            if g.value > u32::MAX as u64 {
                return Err(err(
                    g,
                    format!(
                        "malformed global initialisation table: global number {:X} is too large",
                        g.value
                    ),
                ));
            }
            globals.push((g.value as u32, w.value as u32));
            j -= 2;
        }
        globals.reverse();
        let table_start = j as u32 * 8;
        let (name, functions) = headers(&bytes, table_start);
        sections.push(Section {
            bytes,
            name,
            functions,
            globals,
            maxgn: maxgn_tok.value as u32,
            file: file.to_string(),
            lines: Default::default(),
        });
        i += 2 + n;
    }
    Ok(Object { sections })
}

/// The 11-character name at `at` (length byte 11, printable characters,
/// then zero bytes to the word boundary), trailing spaces removed.
fn padded_name(bytes: &[u8], at: usize) -> Option<String> {
    let b = bytes.get(at..at + 16)?;
    if b[0] != 11 || b[12..].iter().any(|&x| x != 0) {
        return None;
    }
    if !b[1..12].iter().all(|&c| (0x20..0x7f).contains(&c)) {
        return None;
    }
    let s: String = b[1..12].iter().map(|&c| c as char).collect();
    Some(s.trim_end_matches(' ').to_string())
}

/// The section name and function headers found in `bytes` before the global
/// table (s8.1): a `FDDF` word at byte 8, `DFDF` words at aligned offsets,
/// each followed by an 11-character name.
pub(crate) fn headers(bytes: &[u8], table_start: u32) -> (Option<String>, Vec<(u32, String)>) {
    let word = |at: usize| -> Option<u64> {
        Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
    };
    let mut name = None;
    let mut from = 8;
    if word(8) == Some(SECTWORD) && 32 <= table_start as usize {
        if let Some(n) = padded_name(bytes, 16) {
            name = Some(n);
            from = 32;
        }
    }
    let mut functions = Vec::new();
    let mut at = from;
    while at + 24 <= table_start as usize {
        if word(at) == Some(ENTRYWORD) {
            if let Some(n) = padded_name(bytes, at + 8) {
                functions.push((at as u32 + 24, n));
                at += 24;
                continue;
            }
        }
        at += 8;
    }
    (name, functions)
}

/// Write an object in the compiler's layout: for each section a blank line,
/// the `7D0` header and word count, then 16 uppercase hex digits per word,
/// four words per line, each word followed by a space.
pub fn write(object: &Object) -> String {
    let mut out = String::new();
    for s in &object.sections {
        let n = s.bytes.len() / 8;
        out.push_str(&format!("\n{:016X} {:016X} \n", HUNK_CODE64, n));
        for (k, chunk) in s.bytes.chunks(8).enumerate() {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            out.push_str(&format!("{:016X} ", u64::from_le_bytes(w)));
            if k % 4 == 3 || k + 1 == n {
                out.push('\n');
            }
        }
    }
    out
}
