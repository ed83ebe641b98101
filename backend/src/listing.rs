//! Listings: each Sial instruction with the AArch64 instructions it became.
