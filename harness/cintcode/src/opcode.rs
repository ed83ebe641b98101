//! The 256 opcodes of 64-bit Cintcode (spec s3): mnemonic, operand kind and
//! length rule of each.
//!
//! Mnemonics are the spec's names in lower case; the indirect member of each
//! relative pair carries a `$` suffix (`j$`, `lll$`, `jeq0$`). Opcode 0 is the
//! only unused code and has no mnemonic.

/// How the bytes after an opcode are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OperandKind {
    /// No operand bytes.
    None,
    /// One unsigned byte.
    U8,
    /// Two bytes, unsigned, little-endian, unaligned.
    U16,
    /// Four bytes, signed, little-endian, unaligned (the W-forms and `MW`).
    I32,
    /// Direct relative form: a signed byte, target `o + s8` (s2.2).
    S8Rel,
    /// Indirect relative form: an unsigned byte naming an aligned halfword
    /// that holds a self-relative offset (s2.2).
    U8Ind,
    /// `FLTOP f`, with one extra signed byte when `f = 1` (s6.2).
    Fltop,
    /// `SELLD len sh` (s8.3).
    Selld,
    /// `SELST op len sh` (s8.3).
    Selst,
    /// `SWL`: label-vector switch table (s7.1).
    Swl,
    /// `SWB`: binary-tree switch table (s7.2).
    Swb,
}

/// How long an instruction is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Length {
    /// Always this many bytes, opcode included.
    Fixed(u32),
    /// 2 bytes, or 3 when the function byte is 1 (`FLTOP mk e`).
    Fltop,
    /// Opcode, an optional pad byte to an even address, then a table whose
    /// size is given by its first halfword.
    Switch,
}

/// Opcode of `MW`, the 64-bit constant prefix (s2.3).
pub const MW: u8 = 223;
/// Opcode of `FHOP` (s5).
pub const FHOP: u8 = 27;
/// Opcode of `SWB`.
pub const SWB: u8 = 146;
/// Opcode of `SWL`.
pub const SWL: u8 = 147;

#[rustfmt::skip]
const NAMES: [&str; 256] = [
    "", "fltop", "brk", "k3", "k4", "k5", "k6", "k7", // 0..7
    "k8", "k9", "k10", "k11", "lf", "lf$", "lm", "lm1", // 8..15
    "l0", "l1", "l2", "l3", "l4", "l5", "l6", "l7", // 16..23
    "l8", "l9", "l10", "fhop", "jeq", "jeq$", "jeq0", "jeq0$", // 24..31
    "k", "kh", "kw", "k3g", "k4g", "k5g", "k6g", "k7g", // 32..39
    "k8g", "k9g", "k10g", "k11g", "s0g", "l0g", "l1g", "l2g", // 40..47
    "lg", "sg", "llg", "ag", "mul", "div", "rem", "xor", // 48..55
    "sl", "sl$", "ll", "ll$", "jne", "jne$", "jne0", "jne0$", // 56..63
    "llp", "llph", "llpw", "k3g1", "k4g1", "k5g1", "k6g1", "k7g1", // 64..71
    "k8g1", "k9g1", "k10g1", "k11g1", "s0g1", "l0g1", "l1g1", "l2g1", // 72..79
    "lg1", "sg1", "llg1", "ag1", "add", "sub", "lsh", "rsh", // 80..87
    "and", "or", "lll", "lll$", "jls", "jls$", "jls0", "jls0$", // 88..95
    "l", "lh", "lw", "k3gh", "k4gh", "k5gh", "k6gh", "k7gh", // 96..103
    "k8gh", "k9gh", "k10gh", "k11gh", "s0gh", "l0gh", "l1gh", "l2gh", // 104..111
    "lgh", "sgh", "llgh", "agh", "rv", "rv1", "rv2", "rv3", // 112..119
    "rv4", "rv5", "rv6", "rtn", "jgr", "jgr$", "jgr0", "jgr0$", // 120..127
    "lp", "lph", "lpw", "lp3", "lp4", "lp5", "lp6", "lp7", // 128..135
    "lp8", "lp9", "lp10", "lp11", "lp12", "lp13", "lp14", "lp15", // 136..143
    "lp16", "sys", "swb", "swl", "st", "st1", "st2", "st3", // 144..151
    "stp3", "stp4", "stp5", "goto", "jle", "jle$", "jle0", "jle0$", // 152..159
    "sp", "sph", "spw", "sp3", "sp4", "sp5", "sp6", "sp7", // 160..167
    "sp8", "sp9", "sp10", "sp11", "sp12", "sp13", "sp14", "sp15", // 168..175
    "sp16", "s1", "s2", "s3", "s4", "xch", "gbyt", "pbyt", // 176..183
    "atc", "atb", "j", "j$", "jge", "jge$", "jge0", "jge0$", // 184..191
    "ap", "aph", "apw", "ap3", "ap4", "ap5", "ap6", "ap7", // 192..199
    "ap8", "ap9", "ap10", "ap11", "ap12", "xpbyt", "lmh", "btc", // 200..207
    "nop", "a1", "a2", "a3", "a4", "a5", "rvp3", "rvp4", // 208..215
    "rvp5", "rvp6", "rvp7", "st0p3", "st0p4", "st1p3", "st1p4", "mw", // 216..223
    "a", "ah", "aw", "l0p3", "l0p4", "l0p5", "l0p6", "l0p7", // 224..231
    "l0p8", "l0p9", "l0p10", "l0p11", "l0p12", "s", "sh", "mdiv", // 232..239
    "chgco", "neg", "not", "l1p3", "l1p4", "l1p5", "l1p6", "l2p3", // 240..247
    "l2p4", "l2p5", "l3p3", "l3p4", "l4p3", "l4p4", "selld", "selst", // 248..255
];

/// The mnemonic of `op`, or `None` for opcode 0.
pub fn name(op: u8) -> Option<&'static str> {
    match NAMES[op as usize] {
        "" => None,
        s => Some(s),
    }
}

/// The opcode with mnemonic `name` (case-insensitive).
pub fn by_name(name: &str) -> Option<u8> {
    let lower = name.to_ascii_lowercase();
    if lower.is_empty() {
        return None;
    }
    NAMES.iter().position(|n| *n == lower).map(|i| i as u8)
}

/// True for the direct member of a relative pair (`lf`, `ll`, `sl`, `lll`,
/// `j` and the conditional jumps).
pub fn is_direct_relative(op: u8) -> bool {
    matches!(
        op,
        12 | 28 | 30 | 56 | 58 | 60 | 62 | 90 | 92 | 94 | 124 | 126 | 156 | 158 | 186 | 188 | 190
    )
}

/// True for the indirect member of a relative pair (the `$` forms).
pub fn is_indirect_relative(op: u8) -> bool {
    op & 1 == 1 && is_direct_relative(op - 1)
}

/// True for the seven opcodes that consume the MW register (s2.3).
pub fn is_wide(op: u8) -> bool {
    matches!(op, 34 | 66 | 98 | 130 | 162 | 194 | 226)
}

/// The operand kind of `op`.
pub fn kind(op: u8) -> OperandKind {
    use OperandKind::*;
    if is_direct_relative(op) {
        return S8Rel;
    }
    if is_indirect_relative(op) {
        return U8Ind;
    }
    if is_wide(op) || op == MW {
        return I32;
    }
    match op {
        1 => Fltop,
        254 => Selld,
        255 => Selst,
        SWB => Swb,
        SWL => Swl,
        14 | 32 | 35..=51 | 64 | 67..=83 | 96 | 128 | 160 | 192 | 224 | 237 => U8,
        33 | 65 | 97 | 99..=115 | 129 | 161 | 193 | 206 | 225 | 238 => U16,
        _ => None,
    }
}

/// The length rule of `op` (opcode 0 counts as one byte).
pub fn length(op: u8) -> Length {
    match kind(op) {
        OperandKind::None => Length::Fixed(1),
        OperandKind::U8 | OperandKind::S8Rel | OperandKind::U8Ind => Length::Fixed(2),
        OperandKind::U16 | OperandKind::Selld => Length::Fixed(3),
        OperandKind::Selst => Length::Fixed(4),
        OperandKind::I32 => Length::Fixed(5),
        OperandKind::Fltop => Length::Fltop,
        OperandKind::Swl | OperandKind::Swb => Length::Switch,
    }
}

/// How many bytes from its opcode on the instruction `op` occupies, given
/// the byte after the opcode (`next`: FLTOP's f, whose MK form has one more
/// byte). A switch counts its opcode only: its table lies apart, at the
/// next halfword boundary.
pub fn head_length(op: u8, next: u8) -> u64 {
    match length(op) {
        Length::Fixed(n) => n as u64,
        Length::Fltop => 2 + (next == 1) as u64,
        Length::Switch => 1,
    }
}

/// The global number named by a G-form operand `operand` of `op`, if `op`
/// addresses a global (`K3G..`, `LG`, `SG`, `LLG`, `AG`, `L0G..L2G`, `S0G`
/// and their `G1`/`GH` variants, s4.2).
pub fn global_number(op: u8, operand: u32) -> Option<u32> {
    match op {
        35..=51 => Some(operand),
        67..=83 => Some(256 + operand),
        99..=115 => Some(operand),
        _ => None,
    }
}

/// The FLTOP function names by number (s6.2); `None` for numbers the
/// interpreter rejects with fault 14.
pub fn fltop_name(f: u8) -> Option<&'static str> {
    FLTOPS.iter().find(|(n, _)| *n == f).map(|(_, s)| *s)
}

/// The FLTOP function number of `name` (case-insensitive).
pub fn fltop_by_name(name: &str) -> Option<u8> {
    let lower = name.to_ascii_lowercase();
    FLTOPS.iter().find(|(_, s)| *s == lower).map(|(n, _)| *n)
}

const FLTOPS: [(u8, &str); 18] = [
    (0, "avail"),
    (1, "mk"),
    (3, "float"),
    (4, "fix"),
    (5, "abs"),
    (6, "mul"),
    (7, "div"),
    (8, "mod"),
    (9, "add"),
    (10, "sub"),
    (11, "pos"),
    (12, "neg"),
    (13, "eq"),
    (14, "ne"),
    (15, "ls"),
    (16, "gr"),
    (17, "le"),
    (18, "ge"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_length_counts_the_opcode_and_its_operand_bytes() {
        assert_eq!(head_length(123, 0), 1); // RTN
        assert_eq!(head_length(96, 0), 2); // L b
        assert_eq!(head_length(97, 0), 3); // LH h
        assert_eq!(head_length(MW, 0), 5);
        assert_eq!(head_length(255, 0), 4); // SELST op len sh
        assert_eq!(head_length(1, 12), 2); // FLTOP NEG
        assert_eq!(head_length(1, 1), 3); // FLTOP MK e
        assert_eq!(head_length(SWL, 0), 1);
        assert_eq!(head_length(SWB, 0), 1);
    }

    #[test]
    fn names_are_unique_and_only_zero_is_unnamed() {
        for op in 0..=255u8 {
            match name(op) {
                None => assert_eq!(op, 0),
                Some(n) => assert_eq!(by_name(n), Some(op), "{n}"),
            }
        }
    }

    #[test]
    fn spot_checks_from_the_spec_tables() {
        // s3: opcode = 32 * column + row.
        let cases: &[(u8, &str, OperandKind, Length)] = &[
            (1, "fltop", OperandKind::Fltop, Length::Fltop),
            (13, "lf$", OperandKind::U8Ind, Length::Fixed(2)),
            (27, "fhop", OperandKind::None, Length::Fixed(1)),
            (34, "kw", OperandKind::I32, Length::Fixed(5)),
            (35, "k3g", OperandKind::U8, Length::Fixed(2)),
            (90, "lll", OperandKind::S8Rel, Length::Fixed(2)),
            (91, "lll$", OperandKind::U8Ind, Length::Fixed(2)),
            (98, "lw", OperandKind::I32, Length::Fixed(5)),
            (115, "agh", OperandKind::U16, Length::Fixed(3)),
            (123, "rtn", OperandKind::None, Length::Fixed(1)),
            (146, "swb", OperandKind::Swb, Length::Switch),
            (147, "swl", OperandKind::Swl, Length::Switch),
            (186, "j", OperandKind::S8Rel, Length::Fixed(2)),
            (187, "j$", OperandKind::U8Ind, Length::Fixed(2)),
            (206, "lmh", OperandKind::U16, Length::Fixed(3)),
            (208, "nop", OperandKind::None, Length::Fixed(1)),
            (223, "mw", OperandKind::I32, Length::Fixed(5)),
            (237, "s", OperandKind::U8, Length::Fixed(2)),
            (239, "mdiv", OperandKind::None, Length::Fixed(1)),
            (254, "selld", OperandKind::Selld, Length::Fixed(3)),
            (255, "selst", OperandKind::Selst, Length::Fixed(4)),
        ];
        for &(op, n, k, l) in cases {
            assert_eq!(name(op), Some(n));
            assert_eq!(kind(op), k, "{n}");
            assert_eq!(length(op), l, "{n}");
        }
        assert_eq!(by_name("JEQ0$"), Some(31));
        assert_eq!(by_name(""), None);
        assert_eq!(by_name("nosuch"), None);
    }

    #[test]
    fn exactly_seven_wide_opcodes_and_seventeen_pairs() {
        assert_eq!((0..=255u8).filter(|&o| is_wide(o)).count(), 7);
        assert_eq!((0..=255u8).filter(|&o| is_direct_relative(o)).count(), 17);
        assert_eq!((0..=255u8).filter(|&o| is_indirect_relative(o)).count(), 17);
    }
}
