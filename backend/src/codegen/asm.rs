//! Instruction-level helpers on top of dynasmrt: constants of any 64-bit
//! shape (movz/movn/orr/movk), loads and stores at any offset, add/cmp with
//! any immediate, BCPL shifts, conditions. Every immediate that reaches a
//! `dynasm!` template here is checked first, so no input can make dynasmrt
//! panic on an unencodable immediate.

use dynasmrt::aarch64::{encode_logical_immediate_64bit, Aarch64Relocation};
use dynasmrt::{DynamicLabel, DynasmApi, DynasmLabelApi, VecAssembler};

use crate::abi::{MW, ST, TOFF};

/// `dynasm!` for AArch64 (the default architecture of the macro is x64).
macro_rules! a64 {
    ($ops:expr ; $($t:tt)*) => {
        dynasmrt::dynasm!($ops ; .arch aarch64 ; $($t)*)
    };
}
pub(crate) use a64;

pub type Ops = VecAssembler<Aarch64Relocation>;

/// A comparison, for integer (signed) or float (IEEE, unordered-safe) use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cond {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    /// Unsigned >= (switch bounds).
    Hs,
}

impl Cond {
    /// The six relations in Sial order (eq ne ls gr le ge).
    pub const RELATIONS: [Cond; 6] = [Cond::Eq, Cond::Ne, Cond::Lt, Cond::Gt, Cond::Le, Cond::Ge];
}

/// Set `rd` to -1 if `cond` holds after an integer `cmp`, else 0.
pub fn csetm_int(ops: &mut Ops, rd: u8, cond: Cond) {
    match cond {
        Cond::Eq => a64!(ops ; csetm X(rd), eq),
        Cond::Ne => a64!(ops ; csetm X(rd), ne),
        Cond::Lt => a64!(ops ; csetm X(rd), lt),
        Cond::Gt => a64!(ops ; csetm X(rd), gt),
        Cond::Le => a64!(ops ; csetm X(rd), le),
        Cond::Ge => a64!(ops ; csetm X(rd), ge),
        Cond::Hs => a64!(ops ; csetm X(rd), hs),
    }
}

/// Set `rd` to -1 if `cond` holds after `fcmp`: < and <= use mi and ls,
/// which are false for unordered operands (sial.md s.12.2).
pub fn csetm_float(ops: &mut Ops, rd: u8, cond: Cond) {
    match cond {
        Cond::Eq => a64!(ops ; csetm X(rd), eq),
        Cond::Ne => a64!(ops ; csetm X(rd), ne),
        Cond::Lt => a64!(ops ; csetm X(rd), mi),
        Cond::Gt => a64!(ops ; csetm X(rd), gt),
        Cond::Le => a64!(ops ; csetm X(rd), ls),
        Cond::Ge => a64!(ops ; csetm X(rd), ge),
        Cond::Hs => a64!(ops ; csetm X(rd), hs),
    }
}

/// Branch to `l` if `cond` holds after an integer `cmp`.
pub fn b_int(ops: &mut Ops, cond: Cond, l: DynamicLabel) {
    match cond {
        Cond::Eq => a64!(ops ; b.eq =>l),
        Cond::Ne => a64!(ops ; b.ne =>l),
        Cond::Lt => a64!(ops ; b.lt =>l),
        Cond::Gt => a64!(ops ; b.gt =>l),
        Cond::Le => a64!(ops ; b.le =>l),
        Cond::Ge => a64!(ops ; b.ge =>l),
        Cond::Hs => a64!(ops ; b.hs =>l),
    }
}

/// Branch to `l` if `cond` holds after `fcmp` (unordered-safe, as csetm_float).
pub fn b_float(ops: &mut Ops, cond: Cond, l: DynamicLabel) {
    match cond {
        Cond::Eq => a64!(ops ; b.eq =>l),
        Cond::Ne => a64!(ops ; b.ne =>l),
        Cond::Lt => a64!(ops ; b.mi =>l),
        Cond::Gt => a64!(ops ; b.gt =>l),
        Cond::Le => a64!(ops ; b.ls =>l),
        Cond::Ge => a64!(ops ; b.ge =>l),
        Cond::Hs => a64!(ops ; b.hs =>l),
    }
}

/// `rd := value` in as few instructions as the value allows: one movz, movn
/// or orr (logical immediate), else movz/movn plus one movk per remaining
/// 16-bit chunk.
pub fn load_imm(ops: &mut Ops, rd: u8, value: i64) {
    // The common small constants: one movz or movn.
    if (0..=0xFFFF).contains(&value) {
        let c = value as u32;
        a64!(ops ; movz X(rd), #c);
        return;
    }
    if (-0x1_0000..0).contains(&value) {
        let c = !value as u32;
        a64!(ops ; movn X(rd), #c);
        return;
    }
    let v = value as u64;
    let chunks: [u32; 4] = [
        (v & 0xFFFF) as u32,
        ((v >> 16) & 0xFFFF) as u32,
        ((v >> 32) & 0xFFFF) as u32,
        ((v >> 48) & 0xFFFF) as u32,
    ];
    let zeros = chunks.iter().filter(|&&c| c == 0).count();
    let ones = chunks.iter().filter(|&&c| c == 0xFFFF).count();
    if zeros < 3 && ones < 3 && encode_logical_immediate_64bit(v).is_some() {
        a64!(ops ; orr XSP(rd), xzr, #v);
        return;
    }
    let inverted = ones > zeros;
    let fill = if inverted { 0xFFFF } else { 0 };
    let mut first = true;
    for (i, &c) in chunks.iter().enumerate() {
        if c == fill {
            continue;
        }
        let sh = (i * 16) as u32;
        if first {
            if inverted {
                let nc = !c & 0xFFFF;
                a64!(ops ; movn X(rd), #nc, lsl #sh);
            } else {
                a64!(ops ; movz X(rd), #c, lsl #sh);
            }
            first = false;
        } else {
            a64!(ops ; movk X(rd), #c, lsl #sh);
        }
    }
    if first {
        // Every chunk equals the fill: 0 or -1.
        if inverted {
            a64!(ops ; movn X(rd), #0);
        } else {
            a64!(ops ; movz X(rd), #0);
        }
    }
}

/// Number of instructions [`load_imm`] uses for `value` (for listings and
/// tests of the MW extension).
pub fn load_imm_len(value: i64) -> usize {
    let mut ops = Ops::new(0);
    load_imm(&mut ops, 0, value);
    ops.finalize().map(|b| b.len() / 4).unwrap_or(0)
}

/// `rt := [rn + byte_off]` for any offset.
pub fn ldr_off(ops: &mut Ops, rt: u8, rn: u8, byte_off: i64) {
    if (0..=32760).contains(&byte_off) && byte_off % 8 == 0 {
        let off = byte_off as u32;
        a64!(ops ; ldr X(rt), [X(rn), #off]);
    } else {
        load_imm(ops, TOFF, byte_off);
        a64!(ops ; ldr X(rt), [X(rn), X(TOFF)]);
    }
}

/// `[rn + byte_off] := rt` for any offset.
pub fn str_off(ops: &mut Ops, rt: u8, rn: u8, byte_off: i64) {
    if (0..=32760).contains(&byte_off) && byte_off % 8 == 0 {
        let off = byte_off as u32;
        a64!(ops ; str X(rt), [X(rn), #off]);
    } else {
        load_imm(ops, TOFF, byte_off);
        a64!(ops ; str X(rt), [X(rn), X(TOFF)]);
    }
}

/// `rd := rn + value` for any value (rd and rn not TOFF).
pub fn add_imm(ops: &mut Ops, rd: u8, rn: u8, value: i64) {
    let mag = value.unsigned_abs();
    if value == 0 {
        if rd != rn {
            a64!(ops ; mov X(rd), X(rn));
        }
    } else if mag <= 4095 {
        let m = mag as u32;
        if value > 0 {
            a64!(ops ; add XSP(rd), XSP(rn), #m);
        } else {
            a64!(ops ; sub XSP(rd), XSP(rn), #m);
        }
    } else if mag & 0xFFF == 0 && mag >> 12 <= 4095 {
        let m = (mag >> 12) as u32;
        if value > 0 {
            a64!(ops ; add XSP(rd), XSP(rn), #m, lsl #12);
        } else {
            a64!(ops ; sub XSP(rd), XSP(rn), #m, lsl #12);
        }
    } else {
        load_imm(ops, TOFF, value);
        a64!(ops ; add X(rd), X(rn), X(TOFF));
    }
}

/// `cmp rn, #value` for any value (through MW when it does not encode).
/// `mw` is what MW is known to hold: a wide constant already there is not
/// built again, and MW then holds `value`.
pub fn cmp_imm(ops: &mut Ops, rn: u8, value: i64, mw: &mut Option<i64>) {
    let mag = value.unsigned_abs();
    if (0..=4095).contains(&value) {
        let m = value as u32;
        a64!(ops ; cmp XSP(rn), #m);
    } else if value < 0 && mag <= 4095 {
        let m = mag as u32;
        a64!(ops ; cmn XSP(rn), #m);
    } else {
        if *mw != Some(value) {
            load_imm(ops, MW, value);
            *mw = Some(value);
        }
        a64!(ops ; cmp X(rn), X(MW));
    }
}

/// Call the host entry in context slot `offset` (C ABI; clobbers x0-x18).
pub fn host_call(ops: &mut Ops, offset: u32) {
    a64!(ops
        ; ldr x16, [X(ST), #offset]
        ; blr x16
    );
}

/// BCPL `lsh`/`rsh` of `value` by `count` into `rd` (sial.md s.10.3):
/// counts >= 64 or <= -64 give 0, a negative count shifts the other way,
/// right shifts are logical. Uses t1 and t2 as scratch.
pub fn shift(ops: &mut Ops, rd: u8, value: u8, count: u8, left: bool, t1: u8, t2: u8) {
    if left {
        a64!(ops
            ; lsl X(t1), X(value), X(count)
            ; neg X(t2), X(count)
            ; lsr X(t2), X(value), X(t2)
        );
    } else {
        a64!(ops
            ; lsr X(t1), X(value), X(count)
            ; neg X(t2), X(count)
            ; lsl X(t2), X(value), X(t2)
        );
    }
    a64!(ops
        ; cmp XSP(count), #0
        ; csel X(t1), X(t1), X(t2), ge
        ; add XSP(t2), XSP(count), #63
        ; cmp XSP(t2), #127
        ; csel X(rd), X(t1), xzr, lo
    );
}

/// BCPL shift of `value` by the constant `count` into `rd`.
pub fn shift_const(ops: &mut Ops, rd: u8, value: u8, count: i64, left: bool) {
    let left = if count < 0 { !left } else { left };
    let n = count.unsigned_abs();
    if n >= 64 {
        a64!(ops ; movz X(rd), #0);
    } else if n == 0 {
        if rd != value {
            a64!(ops ; mov X(rd), X(value));
        }
    } else {
        let n = n as u32;
        if left {
            a64!(ops ; lsl X(rd), X(value), #n);
        } else {
            a64!(ops ; lsr X(rd), X(value), #n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_take_the_fewest_chunks() {
        // MW extension: 1, 2, 3 and 4 chunks, sign boundaries, logical immediates.
        assert_eq!(load_imm_len(0), 1);
        assert_eq!(load_imm_len(-1), 1);
        assert_eq!(load_imm_len(0xFFFF), 1);
        assert_eq!(load_imm_len(0x1_0000), 1);
        assert_eq!(load_imm_len(-2), 1);
        assert_eq!(load_imm_len(0x7FFF_FFFF), 1); // logical immediate (31 ones)
        assert_eq!(load_imm_len(0x1234_5678), 2);
        assert_eq!(load_imm_len(0x1234_0000_5678), 2);
        assert_eq!(load_imm_len(0x1234_5678_9ABC), 3);
        assert_eq!(load_imm_len(0x1234_5678_9ABC_DEF0), 4);
        assert_eq!(load_imm_len(i64::MIN), 1);
        assert_eq!(load_imm_len(i64::MAX), 1);
        assert_eq!(load_imm_len(-0x1234_5678), 2);
    }

    #[test]
    fn no_immediate_panics() {
        let mut ops = Ops::new(0);
        for v in [
            0,
            1,
            -1,
            4095,
            4096,
            -4096,
            0x0100_0000,
            i64::MIN,
            i64::MAX,
            32768,
            -8,
            7,
            32761,
        ] {
            load_imm(&mut ops, 0, v);
            ldr_off(&mut ops, 0, 29, v);
            str_off(&mut ops, 0, 29, v);
            add_imm(&mut ops, 0, 0, v);
            cmp_imm(&mut ops, 0, v, &mut None);
            shift_const(&mut ops, 0, 1, v, true);
        }
        assert!(ops.finalize().is_ok());
    }
}
