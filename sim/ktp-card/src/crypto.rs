//! The profile's symmetric cryptography: key diversification, the mutual
//! authentication cryptograms, session-key derivation and secure messaging.
//!
//! AES-128 throughout; MACs are AES-CMAC (NIST SP 800-38B) truncated to 8
//! bytes; encryption is AES-CBC with ISO/IEC 9797-1 padding method 2 (`80 00…`).
//! Both the card and the SAM use these functions, so they cannot disagree.

use aes::Aes128;
use cbc::cipher::block_padding::{Iso7816, NoPadding};
use cbc::cipher::{BlockDecryptMut, BlockEncrypt, BlockEncryptMut, KeyInit, KeyIvInit};
use cmac::{Cmac, Mac};
pub use padan_ktpel::{read_len, sha256};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::profile::StatusWord;

pub type Key = [u8; 16];

/// Full 16-byte AES-CMAC.
pub fn cmac(key: &Key, parts: &[&[u8]]) -> [u8; 16] {
    let mut mac = <Cmac<Aes128> as KeyInit>::new(key.into());
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

/// AES-CMAC truncated to its first 8 bytes (the profile's MAC length).
pub fn mac8(key: &Key, parts: &[&[u8]]) -> [u8; 8] {
    let full = cmac(key, parts);
    let mut out = [0u8; 8];
    out.copy_from_slice(&full[..8]);
    out
}

/// Constant-time comparison for MACs and cryptograms.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// AES-CBC without padding; `data` must be a multiple of 16 bytes.
pub fn cbc_encrypt_raw(key: &Key, iv: &[u8; 16], data: &[u8]) -> Vec<u8> {
    cbc::Encryptor::<Aes128>::new(key.into(), iv.into()).encrypt_padded_vec_mut::<NoPadding>(data)
}

pub fn cbc_decrypt_raw(key: &Key, iv: &[u8; 16], data: &[u8]) -> Option<Vec<u8>> {
    cbc::Decryptor::<Aes128>::new(key.into(), iv.into()).decrypt_padded_vec_mut::<NoPadding>(data).ok()
}

/// AES-CBC with ISO/IEC 9797-1 method 2 padding (always adds `80`).
pub fn cbc_encrypt_padded(key: &Key, iv: &[u8; 16], data: &[u8]) -> Vec<u8> {
    cbc::Encryptor::<Aes128>::new(key.into(), iv.into()).encrypt_padded_vec_mut::<Iso7816>(data)
}

pub fn cbc_decrypt_padded(key: &Key, iv: &[u8; 16], data: &[u8]) -> Option<Vec<u8>> {
    if data.is_empty() || data.len() % 16 != 0 {
        return None;
    }
    cbc::Decryptor::<Aes128>::new(key.into(), iv.into()).decrypt_padded_vec_mut::<Iso7816>(data).ok()
}

/// One AES-ECB block encryption (for the secure-messaging IV).
pub fn aes_block(key: &Key, block: &[u8; 16]) -> [u8; 16] {
    let cipher = Aes128::new(key.into());
    let mut b = (*block).into();
    cipher.encrypt_block(&mut b);
    b.into()
}

/// The card's static keys, diversified from the SAM-held master key.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct CardKeys {
    pub enc: Key,
    pub mac: Key,
}

impl std::fmt::Debug for CardKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CardKeys(..)")
    }
}

/// `K_enc = CMAC(K_master, 01 ‖ UID ‖ CSN)`, `K_mac = CMAC(K_master, 02 ‖ UID ‖ CSN)`.
pub fn diversify(master: &Key, uid: &[u8], csn: &[u8; 8]) -> CardKeys {
    CardKeys { enc: cmac(master, &[&[0x01], uid, csn]), mac: cmac(master, &[&[0x02], uid, csn]) }
}

/// `E = AES-CBC(K_enc, IV 0, a ‖ b ‖ k)` (32 bytes) followed by `MAC8(K_mac, E)`: 40 bytes.
pub fn auth_cryptogram(keys: &CardKeys, a: &[u8; 8], b: &[u8; 8], k: &Key) -> [u8; 40] {
    let mut plain = [0u8; 32];
    plain[..8].copy_from_slice(a);
    plain[8..16].copy_from_slice(b);
    plain[16..].copy_from_slice(k);
    let e = cbc_encrypt_raw(&keys.enc, &[0u8; 16], &plain);
    plain.zeroize();
    let m = mac8(&keys.mac, &[&e]);
    let mut out = [0u8; 40];
    out[..32].copy_from_slice(&e);
    out[32..].copy_from_slice(&m);
    out
}

/// Checks the MAC and returns `(a, b, k)`; `None` when the MAC is wrong.
pub fn open_cryptogram(keys: &CardKeys, c: &[u8]) -> Option<([u8; 8], [u8; 8], Key)> {
    if c.len() != 40 || !ct_eq(&mac8(&keys.mac, &[&c[..32]]), &c[32..]) {
        return None;
    }
    let mut p = cbc_decrypt_raw(&keys.enc, &[0u8; 16], &c[..32])?;
    let mut a = [0u8; 8];
    let mut b = [0u8; 8];
    let mut k = [0u8; 16];
    a.copy_from_slice(&p[..8]);
    b.copy_from_slice(&p[8..16]);
    k.copy_from_slice(&p[16..32]);
    p.zeroize();
    Some((a, b, k))
}

/// Session keys and send-sequence counter of one authenticated session.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Session {
    pub ks_enc: Key,
    pub ks_mac: Key,
    pub ssc: [u8; 16],
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Session(..)")
    }
}

/// Label prefixes of the session-key derivation.
pub const LABEL_SM_ENC: &[u8] = b"KTPEL-SM-ENC";
pub const LABEL_SM_MAC: &[u8] = b"KTPEL-SM-MAC";

impl Session {
    /// `K_seed = K.IFD ⊕ K.IC`; `KS_x = CMAC(K_seed, label ‖ 00 ‖ RND.IC ‖ RND.IFD)`;
    /// `SSC = RND.IC ‖ RND.IFD` (a 128-bit big-endian counter).
    pub fn derive(k_ifd: &Key, k_ic: &Key, rnd_ic: &[u8; 8], rnd_ifd: &[u8; 8]) -> Session {
        let mut seed = [0u8; 16];
        for i in 0..16 {
            seed[i] = k_ifd[i] ^ k_ic[i];
        }
        let ks_enc = cmac(&seed, &[LABEL_SM_ENC, &[0x00], rnd_ic, rnd_ifd]);
        let ks_mac = cmac(&seed, &[LABEL_SM_MAC, &[0x00], rnd_ic, rnd_ifd]);
        seed.zeroize();
        let mut ssc = [0u8; 16];
        ssc[..8].copy_from_slice(rnd_ic);
        ssc[8..].copy_from_slice(rnd_ifd);
        Session { ks_enc, ks_mac, ssc }
    }

    fn bump(&mut self) {
        for b in self.ssc.iter_mut().rev() {
            let (v, carry) = b.overflowing_add(1);
            *b = v;
            if !carry {
                break;
            }
        }
    }

    /// Reader side: protects a plain `READ BINARY`-like command `CLA INS P1 P2` + `Le`
    /// (1 byte, `00` = 256) as `0C INS P1 P2 0D 97 01 Le 8E 08 MAC 00`.
    pub fn wrap_command(&mut self, header: [u8; 4], le: u8) -> Vec<u8> {
        self.bump();
        let cla = header[0] | 0x0C;
        let do97 = [0x97, 0x01, le];
        let mac = mac8(&self.ks_mac, &[&self.ssc, &[cla, header[1], header[2], header[3]], &do97]);
        let mut apdu = vec![cla, header[1], header[2], header[3], 0x0D];
        apdu.extend_from_slice(&do97);
        apdu.extend_from_slice(&[0x8E, 0x08]);
        apdu.extend_from_slice(&mac);
        apdu.push(0x00);
        apdu
    }

    /// Card side: checks a protected command; returns the plain header and `Le`.
    pub fn unwrap_command(&mut self, apdu: &[u8]) -> Result<([u8; 4], u8), SmError> {
        if apdu.len() != 19 || apdu[4] != 0x0D || apdu[5..7] != [0x97, 0x01] || apdu[8..10] != [0x8E, 0x08] {
            return Err(SmError::MissingObjects);
        }
        self.bump();
        let mac = mac8(&self.ks_mac, &[&self.ssc, &apdu[..4], &apdu[5..8]]);
        if !ct_eq(&mac, &apdu[10..18]) {
            return Err(SmError::BadMac);
        }
        Ok(([apdu[0] & !0x0C, apdu[1], apdu[2], apdu[3]], apdu[7]))
    }

    fn iv(&self) -> [u8; 16] {
        aes_block(&self.ks_enc, &self.ssc)
    }

    /// Card side: protects response data + status word as
    /// `[87 L 01 ‖ AES-CBC(KS_enc, IV=E(KS_enc, SSC), pad(data))] 99 02 SW 8E 08 MAC`.
    pub fn wrap_response(&mut self, data: &[u8], sw: StatusWord) -> Vec<u8> {
        self.bump();
        let mut body = Vec::with_capacity(data.len() + 32);
        if !data.is_empty() {
            let enc = cbc_encrypt_padded(&self.ks_enc, &self.iv(), data);
            body.push(0x87);
            push_len(&mut body, enc.len() + 1);
            body.push(0x01);
            body.extend_from_slice(&enc);
        }
        body.extend_from_slice(&[0x99, 0x02]);
        body.extend_from_slice(&sw.to_be_bytes());
        let mac = mac8(&self.ks_mac, &[&self.ssc, &body]);
        body.extend_from_slice(&[0x8E, 0x08]);
        body.extend_from_slice(&mac);
        body
    }

    /// Reader side: checks and decrypts a protected response (data without the
    /// outer status word); returns the plain data and the inner status word.
    pub fn unwrap_response(&mut self, resp: &[u8]) -> Result<(Vec<u8>, StatusWord), SmError> {
        if resp.len() < 14 {
            return Err(SmError::MissingObjects);
        }
        let (body, tail) = resp.split_at(resp.len() - 10);
        if tail[..2] != [0x8E, 0x08] {
            return Err(SmError::MissingObjects);
        }
        self.bump();
        if !ct_eq(&mac8(&self.ks_mac, &[&self.ssc, body]), &tail[2..]) {
            return Err(SmError::BadMac);
        }
        let (enc, do99) = body.split_at(body.len() - 4);
        if do99[..2] != [0x99, 0x02] {
            return Err(SmError::MissingObjects);
        }
        let sw = StatusWord::from_be_bytes([do99[2], do99[3]]);
        if enc.is_empty() {
            return Ok((Vec::new(), sw));
        }
        let (len, hdr) = read_len(enc.get(1..).ok_or(SmError::MissingObjects)?).ok_or(SmError::MissingObjects)?;
        if enc[0] != 0x87 || 1 + hdr + len != enc.len() || len < 17 || enc[1 + hdr] != 0x01 {
            return Err(SmError::MissingObjects);
        }
        let plain = cbc_decrypt_padded(&self.ks_enc, &self.iv(), &enc[2 + hdr..]).ok_or(SmError::BadPadding)?;
        Ok((plain, sw))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmError {
    /// `69 87`
    MissingObjects,
    /// `69 88`
    BadMac,
    /// `69 88` too: padding is part of the protected data.
    BadPadding,
}

impl SmError {
    /// The status word the card answers with.
    pub fn status_word(self) -> StatusWord {
        match self {
            SmError::MissingObjects => StatusWord::SM_OBJECTS_MISSING,
            SmError::BadMac | SmError::BadPadding => StatusWord::SM_OBJECTS_INCORRECT,
        }
    }
}

/// BER length: `< 80` one byte, else `81 xx` or `82 xx xx`.
pub fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else if len <= 0xFF {
        out.extend_from_slice(&[0x81, len as u8]);
    } else {
        out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sm_round_trip_and_tamper_detection() {
        let mut reader = Session::derive(&[1; 16], &[2; 16], &[3; 8], &[4; 8]);
        let mut card = reader.clone();
        let cmd = reader.wrap_command([0x00, 0xB0, 0x00, 0x10], 0xC0);
        assert_eq!(card.unwrap_command(&cmd).unwrap(), ([0x00, 0xB0, 0x00, 0x10], 0xC0));
        let resp = card.wrap_response(b"hello world", StatusWord::OK);
        assert_eq!(reader.unwrap_response(&resp).unwrap(), (b"hello world".to_vec(), StatusWord::OK));
        let cmd = reader.wrap_command([0x00, 0xB0, 0x00, 0x20], 0xC0);
        card.unwrap_command(&cmd).unwrap();
        let mut resp = card.wrap_response(&[7; 200], StatusWord::OK);
        resp[5] ^= 1;
        assert_eq!(reader.unwrap_response(&resp), Err(SmError::BadMac));
    }

    #[test]
    fn cryptogram_round_trip() {
        let keys = diversify(&[9; 16], &[1, 2, 3, 4, 5, 6, 7], &[8; 8]);
        let c = auth_cryptogram(&keys, &[1; 8], &[2; 8], &[3; 16]);
        assert_eq!(open_cryptogram(&keys, &c), Some(([1; 8], [2; 8], [3; 16])));
        let other = diversify(&[10; 16], &[1, 2, 3, 4, 5, 6, 7], &[8; 8]);
        assert_eq!(open_cryptogram(&other, &c), None);
    }
}
