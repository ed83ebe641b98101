//! Deliberate faults of the Cintcode translator (issue 10, item 6): each
//! breaks one rule of cintcode64.md and must be caught by some Cintcode
//! case. Never used in normal runs.

/// One deliberate translation fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mutation {
    /// W-forms do not reset MW after use (s.2.3).
    MwNotReset,
    /// MW is combined with the zero-extended low half instead of the
    /// sign-extended one (s.2.3).
    MwZeroExtends,
    /// FHOP does not skip the byte after it (s.5).
    FhopNoSkip,
    /// FHOP pushes 0 (B := A) instead of leaving B alone (s.5).
    FhopClobbersB,
    /// Direct relative targets are taken from the next instruction, not
    /// from the operand byte (s.2.2).
    RelativeFromNext,
    /// SWB searches its tree in heap order (smaller keys at 2m), as if the
    /// keys were laid out sorted the usual way (s.7.2).
    SwbHeapOrder,
    /// FLTOP comparisons give 1 for TRUE (s.6.2).
    FltopTrueIsOne,
}

impl Mutation {
    pub const ALL: [Mutation; 7] = [
        Mutation::MwNotReset,
        Mutation::MwZeroExtends,
        Mutation::FhopNoSkip,
        Mutation::FhopClobbersB,
        Mutation::RelativeFromNext,
        Mutation::SwbHeapOrder,
        Mutation::FltopTrueIsOne,
    ];

    /// The engine name: `a64-mutant:cintcode-NAME`.
    pub fn name(self) -> &'static str {
        match self {
            Mutation::MwNotReset => "a64-mutant:cintcode-mw-not-reset",
            Mutation::MwZeroExtends => "a64-mutant:cintcode-mw-zero-extends",
            Mutation::FhopNoSkip => "a64-mutant:cintcode-fhop-no-skip",
            Mutation::FhopClobbersB => "a64-mutant:cintcode-fhop-clobbers-b",
            Mutation::RelativeFromNext => "a64-mutant:cintcode-relative-from-next",
            Mutation::SwbHeapOrder => "a64-mutant:cintcode-swb-heap-order",
            Mutation::FltopTrueIsOne => "a64-mutant:cintcode-fltop-true-is-one",
        }
    }

    /// The mutant called `name` (with or without the `a64-mutant:` prefix).
    pub fn from_name(name: &str) -> Option<Mutation> {
        let full = format!("a64-mutant:{}", name.trim_start_matches("a64-mutant:"));
        Mutation::ALL.iter().copied().find(|m| m.name() == full)
    }
}
