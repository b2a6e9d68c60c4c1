//! Constants of the emulation profile (`docs/ktp-el-emulation-profile.md`),
//! all from the shared `padan_ktpel`: file identifiers, biodata tags,
//! instruction bytes, and the status words ([`StatusWord`]'s constants).

pub use padan_ktpel::iso7816::StatusWord;
pub use padan_ktpel::{
    ALL_EFS, CONTROL_LEN, DF_KTPEL, EF_BIODATA, EF_CONTROL, EF_ISSUER_SIGNATURE, EF_MINUTIAE_LEFT, EF_MINUTIAE_RIGHT,
    EF_PHOTO, EF_SIGNATURE, SAM_AID, SM_CHUNK, ins, tag,
};
