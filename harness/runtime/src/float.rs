//! Floating point as the 64-bit Cintcode system does it (sial.md s.8,
//! runtime.md s.1.5 and s.7.2-7.3): `FIX` with x86-64 conversion results,
//! `#ABS` that keeps -0.0, `#MOD` in single precision, `fl_unmk` (the
//! decimal split behind `%f`/`%e`) and every `sys(Sys_flt, op, ...)`
//! sub-operation.
//!
//! Floats are IEEE binary64 values held as bit patterns in ordinary words.
//! Conversions that the real system leaves to x86-64 hardware (double to
//! int64, double to float and back) are emulated explicitly so that the
//! results do not depend on the host: Rust's `as` saturates and maps NaN to 0,
//! which is not what `cvttsd2si` does.

use super::output::Output;

/// libhdr `fl_*` sub-operation numbers of `sys(Sys_flt, op, a, b, c)`.
pub const FL_AVAIL: i64 = 0;
pub const FL_MK: i64 = 1;
pub const FL_UNMK: i64 = 2;
pub const FL_FLOAT: i64 = 3;
pub const FL_FIX: i64 = 4;
pub const FL_ABS: i64 = 5;
pub const FL_MUL: i64 = 6;
pub const FL_DIV: i64 = 7;
pub const FL_MOD: i64 = 8;
pub const FL_ADD: i64 = 9;
pub const FL_SUB: i64 = 10;
pub const FL_POS: i64 = 11;
pub const FL_NEG: i64 = 12;
pub const FL_EQ: i64 = 13;
pub const FL_NE: i64 = 14;
pub const FL_LS: i64 = 15;
pub const FL_GR: i64 = 16;
pub const FL_LE: i64 = 17;
pub const FL_GE: i64 = 18;
pub const FL_ACOS: i64 = 20;
pub const FL_ASIN: i64 = 21;
pub const FL_ATAN: i64 = 22;
pub const FL_ATAN2: i64 = 23;
pub const FL_COS: i64 = 24;
pub const FL_SIN: i64 = 25;
pub const FL_TAN: i64 = 26;
pub const FL_COSH: i64 = 27;
pub const FL_SINH: i64 = 28;
pub const FL_TANH: i64 = 29;
pub const FL_EXP: i64 = 30;
pub const FL_FREXP: i64 = 31;
pub const FL_LDEXP: i64 = 32;
pub const FL_LOG: i64 = 33;
pub const FL_LOG10: i64 = 34;
pub const FL_POW: i64 = 36;
pub const FL_SQRT: i64 = 37;
pub const FL_CEIL: i64 = 38;
pub const FL_FLOOR: i64 = 39;
pub const FL_MODF: i64 = 40;
pub const FL_N2F: i64 = 41;
pub const FL_F2N: i64 = 42;
pub const FL_RADIUS2: i64 = 43;
pub const FL_RADIUS3: i64 = 44;
pub const FL_64TO32: i64 = 45;
pub const FL_32TO64: i64 = 46;

/// The double whose bit pattern is the word `w`.
#[inline]
pub fn n2f(w: i64) -> f64 {
    f64::from_bits(w as u64)
}

/// The bit pattern of `x` as a word.
#[inline]
pub fn f2n(x: f64) -> i64 {
    x.to_bits() as i64
}

/// BCPL truth value.
#[inline]
fn truth(b: bool) -> i64 {
    if b {
        -1
    } else {
        0
    }
}

/// The C conversion `(int64_t) t` as x86-64 `cvttsd2si` performs it:
/// truncation toward zero, and `minint` for NaN or anything outside
/// [-2^63, 2^63).
pub fn trunc_x86(t: f64) -> i64 {
    const TWO63: f64 = 9_223_372_036_854_775_808.0;
    // NaN is not contained in any range.
    if !(-TWO63..TWO63).contains(&t) {
        i64::MIN
    } else {
        t as i64
    }
}

/// `FIX x` (sial.md s.8): 0 for either zero; otherwise x +/- 0.5 in double,
/// truncated toward zero; NaN or out of range gives `minint`.
pub fn fix(x: f64) -> i64 {
    if x == 0.0 {
        return 0;
    }
    let t = if x < 0.0 { x - 0.5 } else { x + 0.5 };
    trunc_x86(t)
}

/// `#ABS x` as cinterp computes it: -x only when x < 0.0, so -0.0 and a
/// negative NaN keep their sign bit.
pub fn fabs(x: f64) -> f64 {
    if x < 0.0 {
        -x
    } else {
        x
    }
}

/// Double to float as x86-64 `cvtsd2ss` does it (round to nearest even; a
/// NaN is quieted and keeps the top bits of its payload).
pub fn f64_to_f32(x: f64) -> f32 {
    if x.is_nan() {
        let b = x.to_bits();
        let sign = ((b >> 63) as u32) << 31;
        let payload = ((b >> 29) & 0x003F_FFFF) as u32;
        f32::from_bits(sign | 0x7FC0_0000 | payload)
    } else {
        x as f32
    }
}

/// Float to double as x86-64 `cvtss2sd` does it (exact; a NaN is quieted and
/// keeps its payload).
pub fn f32_to_f64(x: f32) -> f64 {
    if x.is_nan() {
        let b = x.to_bits();
        let sign = ((b >> 31) as u64) << 63;
        let payload = ((b & 0x003F_FFFF) as u64) << 29;
        f64::from_bits(sign | 0x7FF8_0000_0000_0000 | payload)
    } else {
        x as f64
    }
}

/// `a #MOD b` of the 64-bit build: C `fmodf`, i.e. both operands rounded to
/// float32, the float32 remainder (sign of the dividend), widened back
/// (sial.md s.8). fmod(x, 0) and fmod(inf, y) are NaN; fmod(x, inf) is x
/// rounded to float32.
pub fn fmod32(a: f64, b: f64) -> f64 {
    f32_to_f64(f64_to_f32(a) % f64_to_f32(b))
}

/// `fl_mk`: the integer `a` as a double, scaled by 10^b in steps of 1e5 and
/// 10 (multiplying while b > 0, dividing while b < 0), as the host does it.
pub fn fl_mk(a: i64, b: i64) -> f64 {
    let mut d = a as f64;
    let mut b = b;
    // Once d is 0, infinite or NaN, further steps cannot change it; stop
    // early so that an absurd exponent cannot loop for 2^63 steps.
    let settled = |d: f64| d == 0.0 || !d.is_finite();
    while b > 5 {
        if settled(d) {
            return d;
        }
        d *= 100_000.0;
        b -= 5;
    }
    while b > 0 {
        d *= 10.0;
        b -= 1;
    }
    while b < -5 {
        if settled(d) {
            return d;
        }
        d /= 100_000.0;
        b += 5;
    }
    while b < 0 {
        d /= 10.0;
        b += 1;
    }
    d
}

/// `fl_unmk` (runtime.md s.1.5): split x into (val, e) with x ~ val * 10^e,
/// val holding at most 16 significant digits (17 when rounding carries) with
/// no trailing zeros. Zero, -0.0 and magnitudes below about 1e-99 give (0, 0);
/// 1e100 or more (and both infinities) give (1, 100) with the sign dropped;
/// NaN gives (-92233720368547758, -14) because the host's double to int64
/// conversion of NaN yields `minint`.
pub fn unmk(x: f64) -> (i64, i64) {
    if x == 0.0 {
        return (0, 0);
    }
    let neg = x < 0.0;
    let mut d = if neg { -x } else { x };
    let mut e: i64 = 0;
    while d >= 100_000.0 && e < 100 {
        d /= 100_000.0;
        e += 5;
    }
    while d >= 10.0 && e < 100 {
        d /= 10.0;
        e += 1;
    }
    if e >= 100 {
        return (1, 100);
    }
    while d <= 0.00001 && e > -100 {
        d *= 100_000.0;
        e -= 5;
    }
    while d < 1.0 && e > -100 {
        d *= 10.0;
        e -= 1;
    }
    if e <= -100 {
        return (0, 0);
    }
    let mut m = trunc_x86((d * 1e16).floor());
    e -= 16;
    m = m.wrapping_add(5) / 10;
    e += 1;
    while m % 10 == 0 && m != 0 {
        m /= 10;
        e += 1;
    }
    if m == 0 {
        e = 0;
    }
    (if neg { m.wrapping_neg() } else { m }, e)
}

/// C `frexp`: (f, e) with x = f * 2^e and 0.5 <= |f| < 1; zeros, infinities
/// and NaNs are returned as `x + x` with e = 0 (glibc).
pub fn frexp(x: f64) -> (f64, i32) {
    if x == 0.0 || !x.is_finite() {
        return (x + x, 0);
    }
    let mut bits = x.to_bits();
    let mut biased = ((bits >> 52) & 0x7FF) as i32;
    let mut adjust = 0;
    if biased == 0 {
        // Subnormal: scale by 2^54 to normalise.
        let y = x * f64::from_bits(0x4350_0000_0000_0000);
        bits = y.to_bits();
        biased = ((bits >> 52) & 0x7FF) as i32;
        adjust = -54;
    }
    let f = f64::from_bits((bits & !(0x7FFu64 << 52)) | (1022u64 << 52));
    (f, biased - 1022 + adjust)
}

/// C `ldexp(x, n)` (= `scalbn`): x * 2^n, correctly rounded, including
/// results that overflow or become subnormal.
pub fn ldexp(x: f64, n: i32) -> f64 {
    let two1023 = f64::from_bits(0x7FE0_0000_0000_0000);
    // 2^-1022 * 2^53 = 2^-969: scaling down in two steps avoids double
    // rounding when the result is subnormal.
    let two_969 = f64::from_bits(0x0360_0000_0000_0000);
    let mut y = x;
    let mut n = n;
    if n > 1023 {
        y *= two1023;
        n -= 1023;
        if n > 1023 {
            y *= two1023;
            n -= 1023;
            if n > 1023 {
                n = 1023;
            }
        }
    } else if n < -1022 {
        y *= two_969;
        n += 1022 - 53;
        if n < -1022 {
            y *= two_969;
            n += 1022 - 53;
            if n < -1022 {
                n = -1022;
            }
        }
    }
    y * f64::from_bits(((0x3FF + n) as u64) << 52)
}

/// C `modf`: (fractional part, integer part), both with the sign of x.
pub fn modf(x: f64) -> (f64, f64) {
    if x.is_nan() {
        return (x * 1.0, x * 1.0);
    }
    if x.is_infinite() {
        return (0.0f64.copysign(x), x);
    }
    let i = x.trunc();
    let f = x - i;
    let f = if f == 0.0 { 0.0f64.copysign(x) } else { f };
    (f, i)
}

/// `sys(Sys_flt, op, a, b, c)` (runtime.md s.7.2). Operands and results are
/// double bit patterns except where the table says "int". Only `fl_unmk`,
/// `fl_frexp`, `fl_modf` and `fl_32to64` write the host's result2 variable
/// `host_r2` (the caller copies it into G10 after every call, s.7.3). An
/// unknown op prints `\ndoflt(OP, A, B...) not implemented\n` unbuffered and
/// returns -1.
pub fn sys_flt(out: &mut Output, host_r2: &mut i64, op: i64, a: i64, b: i64, c: i64) -> i64 {
    let (fa, fb, fc) = (n2f(a), n2f(b), n2f(c));
    match op {
        FL_AVAIL => -1,
        FL_MK => f2n(fl_mk(a, b)),
        FL_UNMK => {
            let (m, e) = unmk(fa);
            *host_r2 = e;
            m
        }
        FL_FLOAT => f2n(a as f64),
        FL_FIX => fix(fa),
        FL_ABS => f2n(fabs(fa)),
        FL_MUL => f2n(fa * fb),
        FL_DIV => f2n(fa / fb),
        FL_MOD => f2n(fmod32(fa, fb)),
        FL_ADD => f2n(fa + fb),
        FL_SUB => f2n(fa - fb),
        FL_POS => a,
        FL_NEG => f2n(-fa),
        FL_EQ => truth(fa == fb),
        FL_NE => truth(fa != fb),
        FL_LS => truth(fa < fb),
        FL_GR => truth(fa > fb),
        FL_LE => truth(fa <= fb),
        FL_GE => truth(fa >= fb),
        FL_ACOS => f2n(fa.acos()),
        FL_ASIN => f2n(fa.asin()),
        FL_ATAN => f2n(fa.atan()),
        FL_ATAN2 => f2n(fa.atan2(fb)),
        FL_COS => f2n(fa.cos()),
        FL_SIN => f2n(fa.sin()),
        FL_TAN => f2n(fa.tan()),
        FL_COSH => f2n(fa.cosh()),
        FL_SINH => f2n(fa.sinh()),
        FL_TANH => f2n(fa.tanh()),
        FL_EXP => f2n(fa.exp()),
        FL_FREXP => {
            let (f, e) = frexp(fa);
            *host_r2 = e as i64;
            f2n(f)
        }
        // The exponent is a C int: the low 32 bits of b.
        FL_LDEXP => f2n(ldexp(fa, b as i32)),
        FL_LOG => f2n(fa.ln()),
        FL_LOG10 => f2n(fa.log10()),
        FL_POW => f2n(fa.powf(fb)),
        FL_SQRT => f2n(fa.sqrt()),
        FL_CEIL => f2n(fa.ceil()),
        FL_FLOOR => f2n(fa.floor()),
        FL_MODF => {
            let (frac, int) = modf(fa);
            *host_r2 = f2n(int);
            f2n(frac)
        }
        FL_N2F => f2n(b as f64 / a as f64),
        FL_F2N => {
            let r = a as f64 * fb;
            let r = if r < 0.0 { r - 0.5 } else { r + 0.5 };
            trunc_x86(r)
        }
        FL_RADIUS2 => f2n((fa * fa + fb * fb).sqrt()),
        FL_RADIUS3 => f2n((fa * fa + fb * fb + fc * fc).sqrt()),
        FL_64TO32 => f64_to_f32(fa).to_bits() as i32 as i64,
        FL_32TO64 => {
            let d = f2n(f32_to_f64(f32::from_bits(a as u32)));
            *host_r2 = d >> 32;
            d & 0xFFFF_FFFF
        }
        _ => {
            out.message(&format!("\ndoflt({op}, {a}, {b}...) not implemented\n"));
            -1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flt(op: i64, a: i64, b: i64) -> (i64, i64) {
        let mut out = Output::new();
        let mut r2 = 777;
        let r = sys_flt(&mut out, &mut r2, op, a, b, 0);
        assert!(out.stdout.is_empty(), "op {op} printed something");
        (r, r2)
    }

    fn bits(x: f64) -> i64 {
        f2n(x)
    }

    #[test]
    fn unmk_measured() {
        // runtime.md s.1.5, "Measured".
        assert_eq!(unmk(1.234), (1234, -3));
        assert_eq!(unmk(0.1), (1, -1));
        assert_eq!(unmk(1.0 / 3.0), (3333333333333333, -16));
        assert_eq!(unmk(-2.5), (-25, -1));
        assert_eq!(unmk(2.675), (2675, -3));
        assert_eq!(unmk(1e22), (1, 22));
        assert_eq!(unmk(1e99), (9999999999999997, 83));
        for x in [
            9.999999999999998e99,
            1e100,
            1e200,
            f64::MAX,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ] {
            assert_eq!(unmk(x), (1, 100), "{x}");
        }
        assert_eq!(unmk(1.5e-99), (15, -100));
        for x in [1e-100, 5e-324, -0.0, 0.0] {
            assert_eq!(unmk(x), (0, 0), "{x}");
        }
        for nan in [
            f64::NAN,
            -f64::NAN,
            f64::from_bits(0x7FF0_0000_0000_0001),
            f64::from_bits(0xFFF8_0000_0000_0000),
        ] {
            assert_eq!(unmk(nan), (-92233720368547758, -14));
        }
    }

    #[test]
    fn fix_measured() {
        // sial.md s.8.
        assert_eq!(fix(2.5), 3);
        assert_eq!(fix(-2.5), -3);
        assert_eq!(fix(3.5), 4);
        assert_eq!(fix(1.4999), 1);
        assert_eq!(fix(2.4), 2);
        assert_eq!(fix(0.0), 0);
        assert_eq!(fix(-0.0), 0);
        assert_eq!(fix(4503599627370497.0), 4503599627370498);
        for x in [1e30, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 9.3e18] {
            assert_eq!(fix(x), i64::MIN, "{x}");
        }
    }

    #[test]
    fn fabs_keeps_negative_zero() {
        assert_eq!(fabs(-0.0).to_bits(), (-0.0f64).to_bits());
        assert_eq!(fabs(-1.5), 1.5);
        assert_eq!(fabs(2.0), 2.0);
        let neg_nan = f64::from_bits(0xFFF8_0000_0000_0000);
        assert_eq!(fabs(neg_nan).to_bits(), 0xFFF8_0000_0000_0000);
    }

    #[test]
    fn fmod_single_precision() {
        // sial.md s.8 and runtime.md s.7.2.
        assert_eq!(bits(fmod32(10.1, 3.0)) as u64, 0x3FF1999A00000000);
        assert_eq!(bits(fmod32(1.1, 0.3)) as u64, 0x3FC9999980000000);
        assert_eq!(fmod32(7.5, 2.0), 1.5);
        assert_eq!(fmod32(-7.5, 2.0), -1.5);
        assert!(fmod32(1.0, 0.0).is_nan());
        assert!(fmod32(f64::INFINITY, 2.0).is_nan());
        assert!(fmod32(1e300, 2.0).is_nan());
        assert_eq!(bits(fmod32(0.1, f64::INFINITY)) as u64, 0x3FB99999A0000000);
    }

    #[test]
    fn mk_and_unmk_ops() {
        assert_eq!(flt(FL_AVAIL, 0, 0).0, -1);
        // fl_mk (1234, -3) -> 1.234 = #x3FF3BE76C8B43958; result2 untouched.
        assert_eq!(flt(FL_MK, 1234, -3), (0x3FF3BE76C8B43958, 777));
        assert_eq!(n2f(flt(FL_MK, 5, 3).0), 5000.0);
        assert_eq!(n2f(flt(FL_MK, 1, 400).0), f64::INFINITY);
        assert_eq!(n2f(flt(FL_MK, 1, i64::MAX).0), f64::INFINITY);
        assert_eq!(n2f(flt(FL_MK, 1, i64::MIN).0), 0.0);
        // fl_unmk sets result2 to the exponent.
        assert_eq!(flt(FL_UNMK, bits(1.234), 0), (1234, -3));
        assert_eq!(flt(FL_UNMK, bits(f64::NAN), 0), (-92233720368547758, -14));
    }

    #[test]
    fn conversions() {
        assert_eq!(n2f(flt(FL_FLOAT, 7, 0).0), 7.0);
        assert_eq!(flt(FL_FLOAT, i64::MAX, 0).0 as u64, 0x43E0000000000000);
        assert_eq!(flt(FL_FIX, bits(2.5), 0).0, 3);
        assert_eq!(flt(FL_FIX, bits(-2.5), 0).0, -3);
        assert_eq!(flt(FL_FIX, bits(2.4), 0).0, 2);
        assert_eq!(flt(FL_FIX, bits(f64::NAN), 0).0, i64::MIN);
        assert_eq!(flt(FL_FIX, bits(1e30), 0).0, i64::MIN);
        // fl_N2F (1000, 1234) -> 1.234; fl_F2N (1000, 1.2345) -> 1235.
        assert_eq!(n2f(flt(FL_N2F, 1000, 1234).0), 1.234);
        assert_eq!(flt(FL_F2N, 1000, bits(1.2345)).0, 1235);
        assert_eq!(flt(FL_F2N, 1000, bits(-1.2345)).0, -1235);
        assert_eq!(flt(FL_F2N, 1, bits(f64::NAN)).0, i64::MIN);
        // fl_64to32 1.5 -> #x3FC00000, sign-extended for negative values.
        assert_eq!(flt(FL_64TO32, bits(1.5), 0).0, 0x3FC00000);
        assert_eq!(flt(FL_64TO32, bits(-1.5), 0).0, 0xBFC00000u32 as i32 as i64);
        // fl_32to64 #x3FC00000 -> 0, result2 1073217536 (#x3FF80000).
        assert_eq!(flt(FL_32TO64, 0x3FC00000, 0), (0, 1073217536));
        // A negative float: high half sign-extended into result2.
        assert_eq!(
            flt(FL_32TO64, 0xBFC00000, 0),
            (0, 0xBFF80000u32 as i32 as i64)
        );
        // 0.1f widens to #x3FB99999A0000000.
        assert_eq!(flt(FL_32TO64, 0x3DCCCCCD, 0), (0xA0000000, 0x3FB99999));
    }

    #[test]
    fn arithmetic_and_relations() {
        let (one, two) = (bits(1.0), bits(2.0));
        assert_eq!(n2f(flt(FL_ADD, one, two).0), 3.0);
        assert_eq!(n2f(flt(FL_SUB, one, two).0), -1.0);
        assert_eq!(n2f(flt(FL_MUL, two, two).0), 4.0);
        assert_eq!(n2f(flt(FL_DIV, one, two).0), 0.5);
        assert_eq!(n2f(flt(FL_DIV, one, 0).0), f64::INFINITY);
        assert!(n2f(flt(FL_DIV, 0, 0).0).is_nan());
        assert_eq!(
            flt(FL_MOD, bits(1.1), bits(0.3)).0 as u64,
            0x3FC9999980000000
        );
        assert_eq!(n2f(flt(FL_MOD, bits(7.5), two).0), 1.5);
        assert_eq!(flt(FL_POS, 12345, 0).0, 12345);
        assert_eq!(flt(FL_NEG, 0, 0).0 as u64, 0x8000000000000000);
        assert_eq!(flt(FL_ABS, bits(-0.0), 0).0 as u64, 0x8000000000000000);
        assert_eq!(n2f(flt(FL_ABS, bits(-3.0), 0).0), 3.0);
        let nan = bits(f64::NAN);
        for (op, lt, eq, gt, un) in [
            (FL_EQ, 0, -1, 0, 0),
            (FL_NE, -1, 0, -1, -1),
            (FL_LS, -1, 0, 0, 0),
            (FL_GR, 0, 0, -1, 0),
            (FL_LE, -1, -1, 0, 0),
            (FL_GE, 0, -1, -1, 0),
        ] {
            assert_eq!(flt(op, one, two).0, lt, "op {op} <");
            assert_eq!(flt(op, one, one).0, eq, "op {op} =");
            assert_eq!(flt(op, two, one).0, gt, "op {op} >");
            assert_eq!(flt(op, nan, one).0, un, "op {op} NaN");
        }
        // -0.0 #= 0.0
        assert_eq!(flt(FL_EQ, bits(-0.0), 0).0, -1);
    }

    #[test]
    fn libm_examples() {
        // runtime.md s.7.2.
        assert_eq!(flt(FL_ACOS, bits(0.5), 0).0 as u64, 0x3FF0C152382D7366);
        assert_eq!(flt(FL_EXP, bits(1.0), 0).0 as u64, 0x4005BF0A8B145769);
        assert_eq!(flt(FL_LOG, bits(10.0), 0).0 as u64, 0x40026BB1BBB55516);
        assert_eq!(n2f(flt(FL_LOG10, bits(1000.0), 0).0), 3.0);
        assert_eq!(n2f(flt(FL_POW, bits(2.0), bits(10.0)).0), 1024.0);
        assert_eq!(flt(FL_SQRT, bits(2.0), 0).0 as u64, 0x3FF6A09E667F3BCD);
        assert_eq!(n2f(flt(FL_CEIL, bits(-1.5), 0).0), -1.0);
        assert_eq!(n2f(flt(FL_FLOOR, bits(-1.5), 0).0), -2.0);
        assert_eq!(
            n2f(flt(FL_ATAN2, bits(1.0), bits(1.0)).0),
            std::f64::consts::FRAC_PI_4
        );
        assert_eq!(n2f(flt(FL_SIN, 0, 0).0), 0.0);
        assert_eq!(n2f(flt(FL_COS, 0, 0).0), 1.0);
        assert_eq!(n2f(flt(FL_TAN, 0, 0).0), 0.0);
        assert_eq!(
            n2f(flt(FL_ASIN, bits(1.0), 0).0),
            std::f64::consts::FRAC_PI_2
        );
        assert_eq!(
            n2f(flt(FL_ATAN, bits(1.0), 0).0),
            std::f64::consts::FRAC_PI_4
        );
        assert_eq!(n2f(flt(FL_COSH, 0, 0).0), 1.0);
        assert_eq!(n2f(flt(FL_SINH, 0, 0).0), 0.0);
        assert_eq!(n2f(flt(FL_TANH, 0, 0).0), 0.0);
        assert_eq!(n2f(flt(FL_RADIUS2, bits(3.0), bits(4.0)).0), 5.0);
        let mut out = Output::new();
        let mut r2 = 0;
        let r = sys_flt(
            &mut out,
            &mut r2,
            FL_RADIUS3,
            bits(1.0),
            bits(2.0),
            bits(2.0),
        );
        assert_eq!(n2f(r), 3.0);
    }

    #[test]
    fn frexp_ldexp_modf() {
        // fl_frexp 10 -> 0.625, result2 4.
        assert_eq!(flt(FL_FREXP, bits(10.0), 0), (bits(0.625), 4));
        assert_eq!(flt(FL_FREXP, bits(-1.0), 0), (bits(-0.5), 1));
        assert_eq!(flt(FL_FREXP, 0, 0), (0, 0));
        assert_eq!(frexp(5e-324), (0.5, -1073));
        assert_eq!(frexp(f64::INFINITY), (f64::INFINITY, 0));
        // fl_ldexp (3.0, 4) -> 48.0; b is an int.
        assert_eq!(n2f(flt(FL_LDEXP, bits(3.0), 4).0), 48.0);
        assert_eq!(n2f(flt(FL_LDEXP, bits(1.0), -1074).0), 5e-324);
        assert_eq!(n2f(flt(FL_LDEXP, bits(1.0), 2000).0), f64::INFINITY);
        assert_eq!(ldexp(1.5, -1074), 5e-324 * 2.0); // rounds half to even
        assert_eq!(ldexp(f64::MAX, -2100), 0.0);
        assert_eq!(ldexp(f64::MAX, -1023), 2.0 - f64::EPSILON);
        assert_eq!(ldexp(5e-324, 2000), ldexp(1.0, 926));
        // Only the low 32 bits of the exponent count.
        assert_eq!(n2f(flt(FL_LDEXP, bits(3.0), (1 << 32) + 4).0), 48.0);
        // fl_modf -3.25 -> -0.25, result2 = bits of -3.0.
        assert_eq!(flt(FL_MODF, bits(-3.25), 0), (bits(-0.25), bits(-3.0)));
        assert_eq!(modf(-3.0).0.to_bits(), (-0.0f64).to_bits());
        assert_eq!(modf(f64::NEG_INFINITY), (-0.0, f64::NEG_INFINITY));
        assert_eq!(modf(0.5), (0.5, 0.0));
    }

    #[test]
    fn result2_untouched_by_other_ops() {
        // runtime.md s.7.3: only unmk, frexp, modf and 32to64 write it.
        for op in [FL_ADD, FL_MUL, FL_FIX, FL_SQRT, FL_MK, FL_64TO32, FL_F2N] {
            assert_eq!(flt(op, bits(2.0), bits(3.0)).1, 777, "op {op}");
        }
    }

    #[test]
    fn unknown_ops_print_a_message() {
        for (op, text) in [
            (19, "\ndoflt(19, 5, -6...) not implemented\n"),
            (35, "\ndoflt(35, 5, -6...) not implemented\n"),
            (-1, "\ndoflt(-1, 5, -6...) not implemented\n"),
            (47, "\ndoflt(47, 5, -6...) not implemented\n"),
        ] {
            let mut out = Output::new();
            let mut r2 = 9;
            assert_eq!(sys_flt(&mut out, &mut r2, op, 5, -6, 7), -1);
            assert_eq!(out.stdout, text.as_bytes());
            assert_eq!(r2, 9);
        }
    }
}
