//! Character and string functions of the library (runtime.md s.6.6):
//! `capitalch`, `compch`, `compstring`, `str2numb`, `string_to_number`,
//! `packstring`, `unpackstring` and `copystring`, on BCPL strings in memory
//! (byte 0 is the length). Arithmetic wraps as in BCPL; a memory access
//! outside BCPL memory is a [`Stop::BadAddress`].

use super::Stop;
use crate::memory::Memory;

/// Bytes per BCPL word.
const BYTES_PER_WORD: i64 = 8;

/// `capitalch(ch)` (G96): 'a'..'z' to upper case; anything else unchanged.
pub fn capitalch(ch: i64) -> i64 {
    if (b'a' as i64..=b'z' as i64).contains(&ch) {
        ch + (b'A' as i64 - b'a' as i64)
    } else {
        ch
    }
}

/// `compch(a, b)` (G97) = capitalch(a) - capitalch(b).
pub fn compch(a: i64, b: i64) -> i64 {
    capitalch(a).wrapping_sub(capitalch(b))
}

/// `compstring` on two strings given as their bytes (without the length
/// byte): the first non-zero `compch` difference over the shorter length;
/// then 0 for equal lengths, -1 if the first is shorter, 1 if longer.
pub fn compstring_bytes(s1: &[u8], s2: &[u8]) -> i64 {
    for (a, b) in s1.iter().zip(s2) {
        let d = compch(*a as i64, *b as i64);
        if d != 0 {
            return d;
        }
    }
    match s1.len().cmp(&s2.len()) {
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Less => -1,
        std::cmp::Ordering::Greater => 1,
    }
}

/// `compstring(s1, s2)` (G98), case-insensitive (runtime.md s.6.6).
pub fn compstring(mem: &Memory, s1: i64, s2: i64) -> Result<i64, Stop> {
    Ok(compstring_bytes(&mem.string(s1)?, &mem.string(s2)?))
}

/// `str2numb(s)` (G101): every non-digit is ignored, digits accumulate as
/// 10*a + d (wrapping), and the result is negated when s%1 = '-' (s%1 is
/// read even for an empty string).
pub fn str2numb(mem: &Memory, s: i64) -> Result<i64, Stop> {
    let len = mem.get_byte(s, 0)? as i64;
    let mut a: i64 = 0;
    for i in 1..=len {
        let dig = mem.get_byte(s, i)? as i64 - b'0' as i64;
        if (0..=9).contains(&dig) {
            a = a.wrapping_mul(10).wrapping_add(dig);
        }
    }
    Ok(if mem.get_byte(s, 1)? == b'-' {
        a.wrapping_neg()
    } else {
        a
    })
}

/// `string_to_number(s)` (G100): (TRUE/FALSE, the value that goes to
/// result2). Accepts `'c'` (exactly three characters), an optional sign,
/// `#` (octal), `#o`, `#x`, `#b` prefixes, `_` separators and letters as
/// digits 10..35 below the radix. On failure the value is what had been
/// accumulated so far. A sign or prefix with nothing after it is TRUE 0.
pub fn string_to_number(mem: &Memory, s: i64) -> Result<(bool, i64), Stop> {
    let len = mem.get_byte(s, 0)? as i64;
    let byte = |i: i64| -> Result<i64, Stop> { Ok(mem.get_byte(s, i)? as i64) };
    let mut value: i64 = 0;
    if len == 0 {
        return Ok((false, 0));
    }
    let mut p = 1;
    let mut ch = capitalch(byte(p)?);
    if ch == b'\'' as i64 && len == 3 && byte(3)? == b'\'' as i64 {
        return Ok((true, byte(2)?));
    }
    let mut neg = false;
    let mut radix = 10;
    if ch == b'+' as i64 || ch == b'-' as i64 {
        neg = ch == b'-' as i64;
        if p == len {
            return Ok((true, value));
        }
        p += 1;
        ch = capitalch(byte(p)?);
    }
    if ch == b'#' as i64 {
        radix = 8;
        if p == len {
            return Ok((true, value));
        }
        p += 1;
        ch = capitalch(byte(p)?);
        if ch == b'O' as i64 || ch == b'X' as i64 || ch == b'B' as i64 {
            if ch == b'X' as i64 {
                radix = 16;
            }
            if ch == b'B' as i64 {
                radix = 2;
            }
            if p == len {
                return Ok((true, value));
            }
            p += 1;
            ch = capitalch(byte(p)?);
        }
    }
    loop {
        let n = if (b'0' as i64..=b'9' as i64).contains(&ch) {
            ch - b'0' as i64
        } else if (b'A' as i64..=b'Z' as i64).contains(&ch) {
            ch - b'A' as i64 + 10
        } else if ch == b'_' as i64 {
            -1
        } else {
            1000
        };
        if n >= radix {
            return Ok((false, value));
        }
        if n >= 0 {
            value = value.wrapping_mul(radix).wrapping_add(n);
        }
        p += 1;
        if p > len {
            break;
        }
        ch = capitalch(byte(p)?);
    }
    Ok((true, if neg { value.wrapping_neg() } else { value }))
}

/// `packstring(v, s)` (G30): n := v!0 & 255; s%i := v!i (low bytes) for
/// i = 0..n; the rest of the last word of s is zeroed; returns n / 8, the
/// word upper bound of s.
pub fn packstring(mem: &mut Memory, v: i64, s: i64) -> Result<i64, Stop> {
    let n = mem.get(v)? & 255;
    let size = n / BYTES_PER_WORD;
    for i in 0..=n {
        let b = mem.get(v.wrapping_add(i))? as u8;
        mem.set_byte(s, i, b)?;
    }
    for i in n + 1..(size + 1) * BYTES_PER_WORD {
        mem.set_byte(s, i, 0)?;
    }
    Ok(size)
}

/// `unpackstring(s, v)` (G31): v!i := s%i for i = s%0 down to 0.
pub fn unpackstring(mem: &mut Memory, s: i64, v: i64) -> Result<(), Stop> {
    let len = mem.get_byte(s, 0)? as i64;
    for i in (0..=len).rev() {
        let b = mem.get_byte(s, i)? as i64;
        mem.set(v.wrapping_add(i), b)?;
    }
    Ok(())
}

/// `copystring(from, to)` (G99): bytes 0..from%0, in ascending order.
pub fn copystring(mem: &mut Memory, from: i64, to: i64) -> Result<(), Stop> {
    let len = mem.get_byte(from, 0)? as i64;
    for i in 0..=len {
        let b = mem.get_byte(from, i)?;
        mem.set_byte(to, i, b)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mem_with(strings: &[&[u8]]) -> (Memory, Vec<i64>) {
        let mut mem = Memory::new(0, 1000);
        let mut at = 10;
        let mut addrs = Vec::new();
        for s in strings {
            mem.set_string(at, s).unwrap();
            addrs.push(at);
            at += s.len() as i64 / 8 + 2;
        }
        (mem, addrs)
    }

    fn s2n(s: &[u8]) -> (bool, i64) {
        let (mem, a) = mem_with(&[s]);
        string_to_number(&mem, a[0]).unwrap()
    }

    fn str2(s: &[u8]) -> i64 {
        let (mem, a) = mem_with(&[s]);
        str2numb(&mem, a[0]).unwrap()
    }

    fn cmp(a: &[u8], b: &[u8]) -> i64 {
        let (mem, x) = mem_with(&[a, b]);
        compstring(&mem, x[0], x[1]).unwrap()
    }

    #[test]
    fn capitalch_and_compch() {
        assert_eq!(capitalch(b'a' as i64), b'A' as i64);
        assert_eq!(capitalch(b'z' as i64), b'Z' as i64);
        assert_eq!(capitalch(b'A' as i64), b'A' as i64);
        assert_eq!(capitalch(b'{' as i64), b'{' as i64);
        assert_eq!(capitalch(-1), -1);
        assert_eq!(capitalch(b'a' as i64 + 256), b'a' as i64 + 256);
        assert_eq!(compch(b'a' as i64, b'A' as i64), 0);
        assert_eq!(compch(b'a' as i64, b'c' as i64), -2);
        assert_eq!(compch(i64::MIN, 1), i64::MAX);
    }

    #[test]
    fn compstring_measured() {
        // runtime.md s.6.6.
        assert_eq!(cmp(b"abc", b"abd"), -1);
        assert_eq!(cmp(b"b", b"A"), 1);
        assert_eq!(cmp(b"a", b"c"), -2);
        assert_eq!(cmp(b"abc", b"ABC"), 0);
        assert_eq!(cmp(b"ab", b"abc"), -1);
        assert_eq!(cmp(b"abc", b"ab"), 1);
        assert_eq!(cmp(b"", b""), 0);
        assert_eq!(compstring_bytes(b"?", b"?"), 0);
    }

    #[test]
    fn str2numb_measured() {
        assert_eq!(str2(b"12a"), 12);
        assert_eq!(str2(b"#x1F"), 1);
        assert_eq!(str2(b"a1b2"), 12);
        assert_eq!(str2(b"--3"), -3);
        assert_eq!(str2(b"x-5"), 5);
        assert_eq!(str2(b"'A'"), 0);
        assert_eq!(str2(b""), 0);
        assert_eq!(str2(b"-"), 0);
        // Wrapping accumulation.
        assert_eq!(str2(b"9223372036854775808"), i64::MIN);
    }

    #[test]
    fn string_to_number_measured() {
        assert_eq!(s2n(b"123"), (true, 123));
        assert_eq!(s2n(b"-45"), (true, -45));
        assert_eq!(s2n(b"#777"), (true, 511));
        assert_eq!(s2n(b"#x1F"), (true, 31));
        assert_eq!(s2n(b"-#b101"), (true, -5));
        assert_eq!(s2n(b"1_000"), (true, 1000));
        assert_eq!(s2n(b"12a"), (false, 12));
        assert_eq!(s2n(b""), (false, 0));
        assert_eq!(s2n(b"-"), (true, 0));
        assert_eq!(s2n(b"#"), (true, 0));
        assert_eq!(s2n(b"#x"), (true, 0));
        assert_eq!(s2n(b"ff"), (false, 0));
        assert_eq!(s2n(b"9223372036854775808"), (true, i64::MIN));
        // Further cases of the same rules.
        assert_eq!(s2n(b"'A'"), (true, 65));
        assert_eq!(s2n(b"'AB"), (false, 0));
        assert_eq!(s2n(b"+63"), (true, 63));
        assert_eq!(s2n(b"#o17"), (true, 15));
        assert_eq!(s2n(b"#XfF"), (true, 255));
        assert_eq!(s2n(b"#b_1011_0011"), (true, 0b1011_0011));
        assert_eq!(s2n(b"#8"), (false, 0));
        assert_eq!(s2n(b"-12x"), (false, 12));
    }

    #[test]
    fn packstring_and_unpackstring() {
        let mut mem = Memory::new(0, 100);
        // v = [3, 'a', 'b', 'c'+256] -> "abc", upb 0.
        for (i, w) in [3, 97, 98, 99 + 256].iter().enumerate() {
            mem.set(10 + i as i64, *w).unwrap();
        }
        mem.set(30, -1).unwrap();
        mem.set(31, -1).unwrap();
        assert_eq!(packstring(&mut mem, 10, 30).unwrap(), 0);
        assert_eq!(mem.get(30).unwrap(), 0x0000_0000_6362_6103);
        assert_eq!(mem.get(31).unwrap(), -1, "only the last word is padded");
        // n = v!0 & 255; 8 bytes need two words.
        mem.set(10, 256 + 8).unwrap();
        for i in 1..=8 {
            mem.set(10 + i, b'0' as i64 + i).unwrap();
        }
        mem.set(31, -1).unwrap();
        assert_eq!(packstring(&mut mem, 10, 30).unwrap(), 1);
        assert_eq!(mem.string(30).unwrap(), b"12345678");
        assert_eq!(mem.get(31).unwrap(), 0x38);
        // unpackstring
        mem.set_string(50, b"xyz").unwrap();
        unpackstring(&mut mem, 50, 60).unwrap();
        let v: Vec<i64> = (60..64).map(|a| mem.get(a).unwrap()).collect();
        assert_eq!(v, [3, 120, 121, 122]);
    }

    #[test]
    fn copystring_copies_length_and_bytes() {
        let mut mem = Memory::new(0, 100);
        mem.set_string(10, b"hello, world").unwrap();
        mem.set(20, -1).unwrap();
        mem.set(21, -1).unwrap();
        copystring(&mut mem, 10, 20).unwrap();
        assert_eq!(mem.string(20).unwrap(), b"hello, world");
        // Bytes after the string in the target are left alone.
        assert_eq!(mem.get_byte(20, 13).unwrap(), 0xFF);
    }

    #[test]
    fn out_of_memory_is_an_error() {
        let mut mem = Memory::new(0, 4);
        assert!(compstring(&mem, 3, 100).is_err());
        assert!(string_to_number(&mem, 100).is_err());
        mem.set_byte(3, 0, 20).unwrap();
        assert!(copystring(&mut mem, 3, 0).is_err());
        assert!(str2numb(&mem, 3).is_err());
    }
}
