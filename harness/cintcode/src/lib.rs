//! The program formats of 64-bit BCPL Cintcode (the byte code of Martin
//! Richards' `cintsys64`), as described in the project's Cintcode spec:
//!
//! - [`opcode`]: the table of all 256 opcodes (mnemonic, operand kind,
//!   length rule);
//! - [`object`]: the program model, an [`Object`] of [`Section`]s holding the
//!   exact bytes of each compiled section plus its name, function headers
//!   and global initialisation table;
//! - [`hunk`]: reading and writing the hunk text files the compiler writes;
//! - [`asm`]: an assembler for hand-written Cintcode (edge cases, tests);
//! - [`disasm`]: instruction decoding, control-flow discovery of the code in
//!   a section, and a listing that [`asm::assemble`] turns back into the
//!   same bytes.
//!
//! Offsets are byte offsets from the section base; all formats are
//! little-endian.
//!
//! ```
//! let obj = cintcode::assemble(
//!     "section \"hello\"\nentry \"start\"\nstart: lll msg\n k3g 94\n l0\n rtn\n\
//!      msg: .string \"Hello\\n\"\n global 1 start\n",
//!     "hello.cin",
//! )?;
//! let s = &obj.sections[0];
//! assert_eq!((s.functions[0].0, s.globals[0], s.maxgn), (56, (1, 56), 94));
//! let lll = cintcode::decode(&s.bytes, 56).unwrap();
//! assert_eq!(lll.operand, cintcode::Operand::Target(64));
//! // The listing reassembles to the same bytes.
//! let again = cintcode::assemble(&cintcode::listing(s), "again.cin")?;
//! assert_eq!(again.sections[0].bytes, s.bytes);
//! # Ok::<(), cintcode::CinError>(())
//! ```

pub mod asm;
pub mod disasm;
pub mod error;
pub mod hunk;
pub mod object;
pub mod opcode;

pub use asm::assemble;
pub use disasm::{decode, listing, reachable, DecodeError, Instr, Operand};
pub use error::CinError;
pub use object::{Object, Section};
