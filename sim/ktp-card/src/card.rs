//! The virtual KTP-el chip: an APDU processor over a [`CardImage`].

use padan_ktpel::iso7816::{Command, Response};

use crate::content::CardImage;
use crate::crypto::{self, CardKeys, Key, Session};
use crate::image::Stream;
use crate::profile::*;

/// A smart card as seen from its reader: ATR, reset, and one APDU at a time.
pub trait Icc: Send {
    fn atr(&self) -> Vec<u8>;
    /// Cold or warm reset: all volatile state is lost.
    fn reset(&mut self);
    /// Processes a C-APDU and returns the R-APDU (data ‖ SW1 SW2), or
    /// [`Removed`] when the card has left the field.
    fn process(&mut self, apdu: &[u8]) -> Result<Vec<u8>, Removed>;
}

/// The card left the reader (failure mode "removed mid-read").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Removed;

/// A PC/SC-style ATR (`3B 8n 80 01 historical TCK`) with the given historical bytes.
pub fn atr_with_history(history: &[u8]) -> Vec<u8> {
    let mut atr = vec![0x3B, 0x80 | (history.len() as u8 & 0x0F), 0x80, 0x01];
    atr.extend_from_slice(history);
    let tck = atr[1..].iter().fold(0u8, |a, b| a ^ b);
    atr.push(tck);
    atr
}

/// Failure modes of the card.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CardFaults {
    /// The card leaves the field after this many APDUs (counted since power-on).
    pub remove_after: Option<usize>,
    /// Keys diversified from a wrong master key; accepts any EXTERNAL AUTHENTICATE
    /// like a careless clone, but cannot prove itself to the SAM.
    pub clone: bool,
}

/// The virtual chip.
#[derive(Debug)]
pub struct VirtualCard {
    image: CardImage,
    keys: CardKeys,
    faults: CardFaults,
    rng: Stream,
    apdus: usize,
    df_selected: bool,
    ef: Option<u16>,
    rnd_ic: Option<[u8; 8]>,
    ext_auth: Option<([u8; 8], Key)>,
    session: Option<Session>,
}

impl VirtualCard {
    /// `master` is the SAM's master key (or a wrong one for a clone); `entropy`
    /// seeds the card's challenges (fixed in tests, time-based in the vpcd binary).
    pub fn new(image: CardImage, master: &Key, faults: CardFaults, entropy: u64) -> VirtualCard {
        let keys = crypto::diversify(master, &image.uid, &image.csn);
        let rng = Stream::new(&[b"card-rng", &image.csn, &entropy.to_be_bytes()]);
        VirtualCard {
            image,
            keys,
            faults,
            rng,
            apdus: 0,
            df_selected: false,
            ef: None,
            rnd_ic: None,
            ext_auth: None,
            session: None,
        }
    }

    pub fn image(&self) -> &CardImage {
        &self.image
    }

    /// Changes one byte of the name in EF 6FF1 after signing (failure mode "tampered").
    pub fn tamper_biodata(&mut self) {
        if let Some(f) = self.image.file_mut(EF_BIODATA) {
            // len(2) ‖ 01 10 NIK(16) ‖ 02 L name…: byte 22 is the name's first letter.
            if let Some(b) = f.get_mut(22) {
                *b ^= 0x01;
            }
        }
    }

    fn random<const N: usize>(&mut self) -> [u8; N] {
        std::array::from_fn(|_| self.rng.byte())
    }

    fn read(&self, offset: usize, le: usize) -> Response {
        let Some(fid) = self.ef else { return StatusWord::NO_EF_SELECTED.into() };
        let Some(body) = self.image.file(fid) else { return StatusWord::FILE_NOT_FOUND.into() };
        if offset > body.len() {
            return StatusWord::WRONG_P1P2.into();
        }
        let end = (offset + le).min(body.len());
        let sw = if end - offset < le { StatusWord::END_OF_FILE } else { StatusWord::OK };
        Response::new(&body[offset..end], sw)
    }

    fn handle(&mut self, apdu: &[u8]) -> Response {
        let Ok(cmd) = Command::parse(apdu) else { return StatusWord::WRONG_LENGTH.into() };
        let data = cmd.data.as_slice();
        match (cmd.cla, cmd.ins) {
            (0xFF, ins::GET_DATA_UID) => Response::new(self.image.uid, StatusWord::OK),
            (0x00, ins::SELECT) => {
                let &[f1, f2] = data else { return StatusWord::WRONG_LENGTH.into() };
                let fid = u16::from_be_bytes([f1, f2]);
                if fid == DF_KTPEL {
                    self.df_selected = true;
                    self.ef = None;
                    StatusWord::OK.into()
                } else if self.df_selected && self.image.file(fid).is_some() {
                    self.ef = Some(fid);
                    StatusWord::OK.into()
                } else {
                    StatusWord::FILE_NOT_FOUND.into()
                }
            }
            (0x00, ins::READ_BINARY) => {
                if self.ef != Some(EF_CONTROL) {
                    let sw =
                        if self.ef.is_none() { StatusWord::NO_EF_SELECTED } else { StatusWord::SECURITY_NOT_SATISFIED };
                    return sw.into();
                }
                self.read(usize::from(u16::from_be_bytes([cmd.p1 & 0x7F, cmd.p2])), cmd.le.unwrap_or(256))
            }
            (0x0C, ins::READ_BINARY) => {
                let Some(mut session) = self.session.take() else { return StatusWord::SECURITY_NOT_SATISFIED.into() };
                match session.unwrap_command(apdu) {
                    Ok((hdr, le)) => {
                        let le = if le == 0 { 256 } else { le as usize };
                        let plain = self.read(usize::from(u16::from_be_bytes([hdr[2] & 0x7F, hdr[3]])), le);
                        let body = session.wrap_response(&plain.data, plain.sw);
                        self.session = Some(session);
                        Response::new(body, StatusWord::OK)
                    }
                    // A broken SM command ends the session.
                    Err(e) => e.status_word().into(),
                }
            }
            (0x00, ins::GET_CHALLENGE) => {
                let rnd = self.random::<8>();
                self.rnd_ic = Some(rnd);
                self.ext_auth = None;
                self.session = None;
                Response::new(rnd, StatusWord::OK)
            }
            (0x00, ins::EXTERNAL_AUTHENTICATE) => {
                let Some(rnd_ic) = self.rnd_ic else { return StatusWord::CONDITIONS_NOT_SATISFIED.into() };
                if self.faults.clone {
                    // A careless clone accepts anything and guesses its own K.IFD.
                    self.ext_auth = Some(([0; 8], self.random::<16>()));
                    return StatusWord::OK.into();
                }
                match crypto::open_cryptogram(&self.keys, data) {
                    Some((a, b, k)) if crypto::ct_eq(&a, &rnd_ic) => {
                        self.ext_auth = Some((b, k));
                        StatusWord::OK.into()
                    }
                    _ => {
                        self.rnd_ic = None;
                        StatusWord::AUTH_FAILED.into()
                    }
                }
            }
            (0x00, ins::INTERNAL_AUTHENTICATE) => {
                let (Some(rnd_ic), Some((rnd_ifd, k_ifd))) = (self.rnd_ic, self.ext_auth) else {
                    return StatusWord::CONDITIONS_NOT_SATISFIED.into();
                };
                let Ok(challenge) = <[u8; 8]>::try_from(data) else { return StatusWord::AUTH_FAILED.into() };
                if !self.faults.clone && !crypto::ct_eq(&challenge, &rnd_ifd) {
                    return StatusWord::AUTH_FAILED.into();
                }
                let k_ic = self.random::<16>();
                let c2 = crypto::auth_cryptogram(&self.keys, &challenge, &rnd_ic, &k_ic);
                self.session = Some(Session::derive(&k_ifd, &k_ic, &rnd_ic, &challenge));
                self.rnd_ic = None;
                Response::new(c2, StatusWord::OK)
            }
            (0x00 | 0x0C | 0xFF, _) => StatusWord::INS_NOT_SUPPORTED.into(),
            _ => StatusWord::CLA_NOT_SUPPORTED.into(),
        }
    }
}

impl Icc for VirtualCard {
    fn atr(&self) -> Vec<u8> {
        atr_with_history(b"KTP-EL-EMU")
    }

    fn reset(&mut self) {
        self.df_selected = false;
        self.ef = None;
        self.rnd_ic = None;
        self.ext_auth = None;
        self.session = None;
        self.apdus = 0;
    }

    fn process(&mut self, apdu: &[u8]) -> Result<Vec<u8>, Removed> {
        if self.faults.remove_after.is_some_and(|n| self.apdus >= n) {
            return Err(Removed);
        }
        self.apdus += 1;
        Ok(self.handle(apdu).to_bytes())
    }
}
