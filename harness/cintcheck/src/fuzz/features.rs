//! Swarm testing: each program draws a random subset of the generator's
//! features, so that rare combinations (coroutines in recursive functions,
//! switches in loops with big frames, ...) are reached far more often than a
//! single fixed mix of everything would reach them.

use super::rng::Rng;

macro_rules! features {
    ($( $variant:ident $name:literal $doc:literal ; )*) => {
        /// One thing a generated program may use.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Feature { $( #[doc = $doc] $variant, )* }

        impl Feature {
            /// Every feature.
            pub const ALL: &'static [Feature] = &[ $( Feature::$variant, )* ];

            /// The feature's short name (telemetry, case tags).
            pub fn name(self) -> &'static str {
                match self { $( Feature::$variant => $name, )* }
            }
        }
    };
}

features! {
    Calls "calls" "calls of other functions through globals (`kpg`)";
    Indirect "indirect-calls" "calls through computed addresses (`lf`, a global or a table, then `k`)";
    ManyArgs "many-args" "functions with up to 12 arguments";
    Recursion "recursion" "self-recursion with a bounded depth";
    Loops "loops" "loops with bounded trip counts (backward jumps)";
    Ifs "ifs" "conditional statements";
    Swl "swl" "label-vector switches";
    Swb "swb" "binary-chop switches with negative, sparse and 64-bit keys";
    NestedSwitch "nested-switch" "switches inside switches and loops";
    ResSwitch "res-switch" "switches reached as bcpl2sial compiles them (`res`, `j`, `ldres`)";
    Vectors "vectors" "vectors from getvec";
    FrameVec "frame-vectors" "vectors in the frame and big frames";
    Statics "statics" "static variables and tables";
    Globals "globals" "user globals, including their addresses (`llg`)";
    Bytes "bytes" "byte loads and stores";
    Fields "fields" "field selectors (`selld`, `selst`, `xselst`)";
    Print "print" "output: writef, writen, wrch, writes";
    Floats "floats" "floating point";
    Coroutines "coroutines" "createco, callco, cowait, deleteco";
    Longjump "longjump" "level and longjump out of a called function";
    Division "division" "division and remainder";
    Faults "faults" "division by zero (fault 5) may happen";
    Shifts "shifts" "shifts by constant and computed counts";
    WideConsts "wide-consts" "64-bit constants, immediates beyond 12 bits";
    Registers "registers" "values kept in B, C and R across instructions";
    Jumps "jumps" "forward conditional jumps inside straight-line code";
    Increments "increments" "increment-in-place instructions";
}

/// A set of features (a bit per feature).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Features(pub u64);

impl Features {
    /// Every feature.
    pub fn all() -> Features {
        Features(Feature::ALL.iter().fold(0, |m, f| m | 1 << *f as u64))
    }

    /// A random subset: each feature with probability 1/2.
    pub fn draw(r: &mut Rng) -> Features {
        Features(r.next_u64() & Features::all().0)
    }

    pub fn has(self, f: Feature) -> bool {
        self.0 & (1 << f as u64) != 0
    }

    pub fn with(self, f: Feature) -> Features {
        Features(self.0 | 1 << f as u64)
    }

    pub fn without(self, f: Feature) -> Features {
        Features(self.0 & !(1 << f as u64))
    }

    /// The features in the set.
    pub fn list(self) -> Vec<Feature> {
        Feature::ALL
            .iter()
            .copied()
            .filter(|f| self.has(*f))
            .collect()
    }

    /// Names, comma-separated.
    pub fn names(self) -> String {
        self.list()
            .iter()
            .map(|f| f.name())
            .collect::<Vec<_>>()
            .join(",")
    }
}
