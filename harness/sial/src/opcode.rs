//! The Sial opcode table: every number of the current (2019) numbering with its
//! mnemonic and operand shape (sial.md s.3 and s.3.0).

use std::fmt;

/// The operand shape of an opcode: which prefixed tokens follow the `F` token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Shape {
    /// No operands.
    None,
    /// `Pn`
    P,
    /// `Gn`
    G,
    /// `Ln`
    L,
    /// `Mn`
    M,
    /// `Kn`
    K,
    /// `Kk Pn`
    KP,
    /// `Kk Gn`
    KG,
    /// `Kk Ln`
    KL,
    /// `Pn Gg`
    PG,
    /// `Klen Ksh` (selld)
    KK,
    /// `Ksf Klen Ksh` (selst, xselst)
    KKK,
    /// `Kn Ld n*(Kk Ll)` (swb)
    Swb,
    /// `Kn Ld n*Ll` (swl)
    Swl,
    /// `Kn n*C` (section, entry)
    Name,
    /// `Kn n*(Gg Ll) Gmax` (global)
    Global,
    /// `Mm Kn n*C` (string)
    Str,
    /// `Mm Ww` (const)
    Const,
    /// `Ll Kn n*W` (static)
    Static,
}

macro_rules! opcodes {
    ($( $num:literal $variant:ident $name:literal $shape:ident $emitted:literal ; )*) => {
        /// A Sial opcode or directive (sial.md s.3, current `sial.h` numbering).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum Op { $( $variant = $num, )* }

        /// Every opcode in numeric order.
        pub const ALL_OPS: &[Op] = &[ $( Op::$variant, )* ];

        impl Op {
            /// The opcode with this `F` number, if it exists.
            pub fn from_number(n: i64) -> Option<Op> {
                match n { $( $num => Some(Op::$variant), )* _ => None }
            }
            /// The `F` number.
            pub fn number(self) -> u8 { self as u8 }
            /// The lower-case mnemonic used by the readable form and listings.
            pub fn name(self) -> &'static str {
                match self { $( Op::$variant => $name, )* }
            }
            /// The opcode with this mnemonic.
            pub fn from_name(s: &str) -> Option<Op> {
                match s { $( $name => Some(Op::$variant), )* _ => None }
            }
            /// The operand shape.
            pub fn shape(self) -> Shape {
                match self { $( Op::$variant => Shape::$shape, )* }
            }
            /// Whether `bcpl2sial` ever writes this opcode (column E of sial.md s.3).
            pub fn emitted_by_bcpl2sial(self) -> bool {
                match self { $( Op::$variant => $emitted, )* }
            }
        }
    };
}

opcodes! {
    1 Run1 "f1" None false;
    2 Run2 "f2" None false;
    3 Lp "lp" P true;
    4 Lg "lg" G true;
    5 Ll "ll" L true;
    6 Llp "llp" P true;
    7 Llg "llg" G true;
    8 Lll "lll" L true;
    9 Lf "lf" L true;
    10 Lw "lw" M true;
    11 L "l" K true;
    12 Lm "lm" K true;
    13 Sp "sp" P true;
    14 Sg "sg" G true;
    15 Sl "sl" L true;
    16 Ap "ap" P true;
    17 Ag "ag" G true;
    18 A "a" K true;
    19 S "s" K true;
    20 Lkp "lkp" KP true;
    21 Lkg "lkg" KG true;
    22 Rv "rv" None true;
    23 Rvp "rvp" P true;
    24 Rvk "rvk" K true;
    25 St "st" None true;
    26 Stp "stp" P true;
    27 Stk "stk" K true;
    28 Stkp "stkp" KP true;
    29 Skg "skg" KG true;
    30 Xst "xst" None true;
    31 K "k" P true;
    32 Kpg "kpg" PG true;
    33 Neg "neg" None true;
    34 Not "not" None true;
    35 Abs "abs" None true;
    36 Mul "mul" None true;
    37 Div "div" None true;
    38 Xdiv "xdiv" None true;
    39 Mod "mod" None true;
    40 Xmod "xmod" None true;
    41 Add "add" None true;
    42 Sub "sub" None true;
    43 Xsub "xsub" None true;
    44 Eq "eq" None true;
    45 Ne "ne" None true;
    46 Ls "ls" None true;
    47 Gr "gr" None true;
    48 Le "le" None true;
    49 Ge "ge" None true;
    50 Eq0 "eq0" None true;
    51 Ne0 "ne0" None true;
    52 Ls0 "ls0" None true;
    53 Gr0 "gr0" None true;
    54 Le0 "le0" None true;
    55 Ge0 "ge0" None true;
    56 Lsh "lsh" None true;
    57 Rsh "rsh" None true;
    58 And "and" None true;
    59 Or "or" None true;
    60 Xor "xor" None true;
    61 Eqv "eqv" None true;
    62 Gbyt "gbyt" None true;
    63 Xgbyt "xgbyt" None true;
    64 Pbyt "pbyt" None true;
    65 Xpbyt "xpbyt" None true;
    66 Swb "swb" Swb true;
    67 Swl "swl" Swl true;
    68 Xch "xch" None true;
    69 Atb "atb" None true;
    70 Atc "atc" None true;
    71 Bta "bta" None true;
    72 Btc "btc" None true;
    73 Atblp "atblp" P true;
    74 Atblg "atblg" G true;
    75 Atbl "atbl" K true;
    76 J "j" L true;
    77 Rtn "rtn" None true;
    78 Goto "goto" None true;
    79 Ikp "ikp" KP true;
    80 Ikg "ikg" KG true;
    81 Ikl "ikl" KL true;
    82 Ip "ip" P true;
    83 Ig "ig" G true;
    84 Il "il" L true;
    85 Jeq "jeq" L true;
    86 Jne "jne" L true;
    87 Jls "jls" L true;
    88 Jgr "jgr" L true;
    89 Jle "jle" L true;
    90 Jge "jge" L true;
    91 Jeq0 "jeq0" L true;
    92 Jne0 "jne0" L true;
    93 Jls0 "jls0" L true;
    94 Jgr0 "jgr0" L true;
    95 Jle0 "jle0" L true;
    96 Jge0 "jge0" L true;
    97 Jge0m "jge0m" M false;
    98 Brk "brk" None false;
    99 Nop "nop" None false;
    100 Chgco "chgco" None false;
    101 Mdiv "mdiv" None false;
    102 Sys "sys" None false;
    103 Section "section" Name true;
    104 Modstart "modstart" None true;
    105 Modend "modend" None true;
    106 Global "global" Global true;
    107 String "string" Str true;
    108 Const "const" Const true;
    109 Static "static" Static true;
    110 Mlab "mlab" M false;
    111 Lab "lab" L true;
    112 Lstr "lstr" M true;
    113 Entry "entry" Name true;
    114 Float "float" None true;
    115 Fix "fix" None true;
    116 Fabs "fabs" None true;
    117 Fmul "fmul" None true;
    118 Fdiv "fdiv" None true;
    119 Fxdiv "fxdiv" None true;
    120 Fmod "fmod" None true;
    121 Fxmod "fxmod" None true;
    122 Fadd "fadd" None true;
    123 Fsub "fsub" None true;
    124 Fxsub "fxsub" None true;
    125 Fneg "fneg" None true;
    126 Feq "feq" None true;
    127 Fne "fne" None true;
    128 Fls "fls" None true;
    129 Fgr "fgr" None true;
    130 Fle "fle" None true;
    131 Fge "fge" None true;
    132 Feq0 "feq0" None true;
    133 Fne0 "fne0" None true;
    134 Fls0 "fls0" None true;
    135 Fgr0 "fgr0" None true;
    136 Fle0 "fle0" None true;
    137 Fge0 "fge0" None true;
    138 Jfeq "jfeq" L true;
    139 Jfne "jfne" L true;
    140 Jfls "jfls" L true;
    141 Jfgr "jfgr" L true;
    142 Jfle "jfle" L true;
    143 Jfge "jfge" L true;
    144 Jfeq0 "jfeq0" L true;
    145 Jfne0 "jfne0" L true;
    146 Jfls0 "jfls0" L true;
    147 Jfgr0 "jfgr0" L true;
    148 Jfle0 "jfle0" L true;
    149 Jfge0 "jfge0" L true;
    150 Res "res" None true;
    151 Ldres "ldres" None true;
    152 Selld "selld" KK true;
    153 Selst "selst" KKK true;
    154 Xselst "xselst" KKK true;
}

impl Op {
    /// Directives describe the module rather than execute (sial.md s.3.10);
    /// `lstr` is listed there but is an instruction and is not included.
    pub fn is_directive(self) -> bool {
        matches!(
            self,
            Op::Run1
                | Op::Run2
                | Op::Section
                | Op::Modstart
                | Op::Modend
                | Op::Global
                | Op::String
                | Op::Const
                | Op::Static
                | Op::Mlab
                | Op::Lab
                | Op::Entry
        )
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_complete_and_numbered_in_order() {
        assert_eq!(ALL_OPS.len(), 154);
        for (i, op) in ALL_OPS.iter().enumerate() {
            assert_eq!(op.number() as usize, i + 1);
            assert_eq!(Op::from_name(op.name()), Some(*op));
            assert_eq!(Op::from_number(i as i64 + 1), Some(*op));
        }
    }

    #[test]
    fn numbers_from_the_spec() {
        // Spot checks against sial.md s.3 (the numbers most often confused).
        assert_eq!(Op::Mul.number(), 36);
        assert_eq!(Op::Res.number(), 150);
        assert_eq!(Op::Xselst.number(), 154);
        assert_eq!(Op::Fmod.number(), 120);
        assert_eq!(Op::Lstr.number(), 112);
        assert_eq!(Op::Sys.number(), 102);
        assert_eq!(Op::Jge0m.shape(), Shape::M);
        assert_eq!(Op::Swb.shape(), Shape::Swb);
    }

    #[test]
    fn not_emitted_list_matches_spec() {
        let not: Vec<u8> = ALL_OPS
            .iter()
            .filter(|o| !o.emitted_by_bcpl2sial())
            .map(|o| o.number())
            .collect();
        assert_eq!(not, vec![1, 2, 97, 98, 99, 100, 101, 102, 110]);
    }
}
