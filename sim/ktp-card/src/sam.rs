//! The virtual SAM: holds the card master key, the issuer public key, its
//! own attestation key and certificate, and its activation record.

use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use padan_ktpel::iso7816::{Command, Response};

use crate::attestation::{self, ActivationRecord, SamCertificate};
use crate::card::{Icc, Removed, atr_with_history};
use crate::content::issuer_signed_message;
use crate::crypto::{self, CardKeys, Key, Session, sha256};
use crate::image::Stream;
use crate::keys::DemoKeys;
use crate::profile::*;

/// Wrong configuration keys tolerated before the SAM locks itself.
pub const MAX_CONFIG_TRIES: u8 = 5;
/// Per-file cap of what the SAM accumulates during a read.
const MAX_FILE: usize = 64 * 1024;

/// SAM life-cycle state (GET STATUS byte 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SamLifeCycle {
    /// `01`: personalised by Dukcapil, no activation record yet.
    Personalised = 1,
    /// `02`: an activation record is loaded.
    Activated = 2,
    /// `03`: deactivated; refuses every card operation.
    Deactivated = 3,
}

/// How the SAM is set up (the "Dukcapil personalisation" of the demo).
#[derive(Debug, Clone)]
pub struct SamOptions {
    /// Signed activation record to preload; `None` leaves the SAM personalised only.
    pub activation: Option<ActivationRecord>,
    pub locked: bool,
    pub deactivated: bool,
    /// Validity of the SAM certificate.
    pub cert_not_before: u64,
    pub cert_not_after: u64,
}

impl SamOptions {
    /// Activated from `now - 1 day` for `days`, for reader `reader_serial` at `office`.
    pub fn activated(keys: &DemoKeys, now: u64, days: u64, reader_serial: &str, office: &str) -> SamOptions {
        SamOptions {
            activation: Some(ActivationRecord {
                sam_serial: keys.sam_serial,
                reader_serial: reader_serial.to_string(),
                office: office.to_string(),
                valid_from: now.saturating_sub(86_400),
                valid_until: now + days * 86_400,
            }),
            locked: false,
            deactivated: false,
            cert_not_before: 1_704_067_200, // 2024-01-01
            cert_not_after: 4_102_444_800,  // 2100-01-01
        }
    }
}

struct AuthContext {
    uid: Vec<u8>,
    keys: CardKeys,
    rnd_ic: [u8; 8],
    rnd_ifd: [u8; 8],
    k_ifd: Key,
}

/// The virtual SAM.
pub struct VirtualSam {
    keys: DemoKeys,
    issuer: VerifyingKey,
    attest_key: SigningKey,
    certificate: Vec<u8>,
    activation: Option<Vec<u8>>,
    life: SamLifeCycle,
    tries_left: u8,
    rng: Stream,
    /// Highest host time seen at OPEN: time never goes backwards for the SAM.
    time_mark: u64,
    selected: bool,
    challenge: Option<[u8; 8]>,
    opened: bool,
    auth: Option<AuthContext>,
    session: Option<Session>,
    files: [Vec<u8>; 7],
    issuer_verified: bool,
    attested: bool,
}

impl std::fmt::Debug for VirtualSam {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VirtualSam")
            .field("serial", &hex::encode(self.keys.sam_serial))
            .field("life", &self.life)
            .field("tries_left", &self.tries_left)
            .finish_non_exhaustive()
    }
}

impl VirtualSam {
    pub fn new(keys: &DemoKeys, options: &SamOptions, entropy: u64) -> VirtualSam {
        let cert = SamCertificate {
            sam_serial: keys.sam_serial,
            public_key: *keys.sam.verifying_key(),
            not_before: options.cert_not_before,
            not_after: options.cert_not_after,
        }
        .sign(&keys.sam_ca);
        let activation = options.activation.as_ref().map(|a| a.sign(&keys.activation));
        let life = if options.deactivated {
            SamLifeCycle::Deactivated
        } else if activation.is_some() {
            SamLifeCycle::Activated
        } else {
            SamLifeCycle::Personalised
        };
        VirtualSam {
            keys: keys.clone(),
            issuer: keys.issuer_public(),
            attest_key: keys.sam.clone(),
            certificate: cert,
            activation,
            life,
            tries_left: if options.locked { 0 } else { MAX_CONFIG_TRIES },
            rng: Stream::new(&[b"sam-rng", &keys.sam_serial, &entropy.to_be_bytes()]),
            time_mark: 0,
            selected: false,
            challenge: None,
            opened: false,
            auth: None,
            session: None,
            files: Default::default(),
            issuer_verified: false,
            attested: false,
        }
    }

    pub fn certificate(&self) -> &[u8] {
        &self.certificate
    }

    fn random<const N: usize>(&mut self) -> [u8; N] {
        std::array::from_fn(|_| self.rng.byte())
    }

    /// Refusal status word when the SAM may not work on cards now.
    fn not_active(&self) -> Option<StatusWord> {
        match self.life {
            SamLifeCycle::Deactivated => return Some(StatusWord::SAM_DEACTIVATED),
            SamLifeCycle::Personalised => return Some(StatusWord::SAM_NOT_ACTIVATED),
            SamLifeCycle::Activated => {}
        }
        let rec = self.activation.as_deref().and_then(|r| ActivationRecord::parse(r).ok())?;
        (self.time_mark < rec.valid_from || self.time_mark > rec.valid_until).then_some(StatusWord::SAM_EXPIRED)
    }

    fn end_read(&mut self) {
        self.auth = None;
        self.session = None;
        self.files = Default::default();
        self.issuer_verified = false;
        self.attested = false;
    }

    fn open(&mut self, data: &[u8]) -> Response {
        if self.tries_left == 0 {
            return StatusWord::AUTH_BLOCKED.into();
        }
        let Some(challenge) = self.challenge.take() else { return StatusWord::CONDITIONS_NOT_SATISFIED.into() };
        if data.len() != 40 {
            return StatusWord::WRONG_LENGTH.into();
        }
        let expect = crypto::cmac(&self.keys.config_key, &[&self.keys.pcid, &challenge]);
        if !crypto::ct_eq(&data[..16], &self.keys.pcid) || !crypto::ct_eq(&data[16..32], &expect) {
            self.tries_left -= 1;
            self.opened = false;
            if self.tries_left == 0 {
                return StatusWord::AUTH_BLOCKED.into();
            }
            return StatusWord::wrong_key(self.tries_left).into();
        }
        self.tries_left = MAX_CONFIG_TRIES;
        let mut t = [0u8; 8];
        t.copy_from_slice(&data[32..40]);
        self.time_mark = self.time_mark.max(u64::from_be_bytes(t));
        self.opened = true;
        self.end_read();
        StatusWord::OK.into()
    }

    fn status(&self) -> Response {
        let mut d = vec![self.life as u8, u8::from(self.tries_left == 0), self.tries_left];
        d.extend_from_slice(&self.keys.sam_serial);
        Response::new(d, StatusWord::OK)
    }

    fn handle(&mut self, apdu: &[u8]) -> Response {
        let Ok(cmd) = Command::parse(apdu) else { return StatusWord::WRONG_LENGTH.into() };
        let (cla, ins, p1, p2, data) = (cmd.cla, cmd.ins, cmd.p1, cmd.p2, cmd.data.as_slice());
        if (cla, ins) == (0x00, ins::SELECT) {
            return if p1 == 0x04 && data == SAM_AID {
                self.selected = true;
                self.opened = false;
                self.end_read();
                StatusWord::OK.into()
            } else {
                StatusWord::FILE_NOT_FOUND.into()
            };
        }
        if !self.selected {
            return StatusWord::CONDITIONS_NOT_SATISFIED.into();
        }
        match (cla, ins) {
            (0x00, ins::GET_CHALLENGE) => {
                let c = self.random::<8>();
                self.challenge = Some(c);
                Response::new(c, StatusWord::OK)
            }
            (0x80, ins::SAM_GET_STATUS) => self.status(),
            (0x80, ins::SAM_OPEN) => self.open(data),
            (0x80, ins::SAM_GET_CERTIFICATE) => Response::new(&self.certificate, StatusWord::OK),
            // The activation record is public (Dukcapil-signed): readable without opening.
            (0x80, ins::SAM_READ_ACTIVATION) => match &self.activation {
                Some(a) => Response::new(a, StatusWord::OK),
                None => StatusWord::SAM_NOT_ACTIVATED.into(),
            },
            (0x80, _) if self.tries_left == 0 => StatusWord::AUTH_BLOCKED.into(),
            (0x80, _) if !self.opened => StatusWord::SECURITY_NOT_SATISFIED.into(),
            (0x80, ins::SAM_LOAD_ACTIVATION) => match ActivationRecord::verify(data, &self.keys.activation_public()) {
                Ok(rec) if rec.sam_serial == self.keys.sam_serial && self.life != SamLifeCycle::Deactivated => {
                    self.activation = Some(data.to_vec());
                    self.life = SamLifeCycle::Activated;
                    StatusWord::OK.into()
                }
                Ok(_) => StatusWord::CONDITIONS_NOT_SATISFIED.into(),
                Err(_) => StatusWord::WRONG_DATA.into(),
            },
            (0x80, ins::SAM_DEACTIVATE) => {
                self.life = SamLifeCycle::Deactivated;
                self.end_read();
                StatusWord::OK.into()
            }
            (0x80, ins::SAM_AUTH_EXTERNAL) => {
                if let Some(sw) = self.not_active() {
                    return sw.into();
                }
                if data.len() != 7 + CONTROL_LEN + 8 {
                    return StatusWord::WRONG_LENGTH.into();
                }
                self.end_read();
                let (uid, rest) = data.split_at(7);
                let (control, rnd) = rest.split_at(CONTROL_LEN);
                let mut csn = [0u8; 8];
                csn.copy_from_slice(&control[1..9]);
                let keys = crypto::diversify(&self.keys.card_master, uid, &csn);
                let mut rnd_ic = [0u8; 8];
                rnd_ic.copy_from_slice(rnd);
                let rnd_ifd = self.random::<8>();
                let k_ifd = self.random::<16>();
                let c1 = crypto::auth_cryptogram(&keys, &rnd_ic, &rnd_ifd, &k_ifd);
                self.files[0] = control.to_vec();
                self.auth = Some(AuthContext { uid: uid.to_vec(), keys, rnd_ic, rnd_ifd, k_ifd });
                Response::new([&c1[..], &rnd_ifd].concat(), StatusWord::OK)
            }
            (0x80, ins::SAM_AUTH_INTERNAL) => {
                let Some(ctx) = &self.auth else { return StatusWord::CONDITIONS_NOT_SATISFIED.into() };
                match crypto::open_cryptogram(&ctx.keys, data) {
                    Some((a, b, k_ic)) if crypto::ct_eq(&a, &ctx.rnd_ifd) && crypto::ct_eq(&b, &ctx.rnd_ic) => {
                        self.session = Some(Session::derive(&ctx.k_ifd, &k_ic, &ctx.rnd_ic, &ctx.rnd_ifd));
                        StatusWord::OK.into()
                    }
                    _ => {
                        self.end_read();
                        StatusWord::AUTH_FAILED.into()
                    }
                }
            }
            (0x80, ins::SAM_SM_WRAP) => {
                let Some(session) = self.session.as_mut() else { return StatusWord::CONDITIONS_NOT_SATISFIED.into() };
                // Only READ BINARY may be protected: the SAM is no general-purpose oracle.
                if data.len() != 5 || data[0] != 0x00 || data[1] != ins::READ_BINARY {
                    return StatusWord::WRONG_DATA.into();
                }
                let wrapped = session.wrap_command([data[0], data[1], data[2], data[3]], data[4]);
                Response::new(wrapped, StatusWord::OK)
            }
            (0x80, ins::SAM_SM_UNWRAP) => {
                let fid = u16::from_be_bytes([p1, p2]);
                let Some(idx) = ALL_EFS.iter().position(|f| *f == fid).filter(|i| *i > 0) else {
                    return StatusWord::WRONG_P1P2.into();
                };
                let Some(session) = self.session.as_mut() else { return StatusWord::CONDITIONS_NOT_SATISFIED.into() };
                match session.unwrap_response(data) {
                    Ok((plain, inner)) => {
                        if inner.is_ok() && self.files[idx].len() + plain.len() <= MAX_FILE {
                            self.files[idx].extend_from_slice(&plain);
                        }
                        Response::new([&inner.to_be_bytes()[..], &plain].concat(), StatusWord::OK)
                    }
                    Err(_) => {
                        self.end_read();
                        StatusWord::SM_OBJECTS_INCORRECT.into()
                    }
                }
            }
            (0x80, ins::SAM_VERIFY_ISSUER) => {
                if self.session.is_none() {
                    return StatusWord::CONDITIONS_NOT_SATISFIED.into();
                }
                if self.verify_issuer() {
                    self.issuer_verified = true;
                    StatusWord::OK.into()
                } else {
                    StatusWord::ISSUER_SIGNATURE_INVALID.into()
                }
            }
            (0x80, ins::SAM_ATTEST) => {
                if let Some(sw) = self.not_active() {
                    return sw.into();
                }
                let Some(ctx) = &self.auth else { return StatusWord::CONDITIONS_NOT_SATISFIED.into() };
                if !self.issuer_verified || self.attested {
                    return StatusWord::CONDITIONS_NOT_SATISFIED.into();
                }
                if data.len() != 64 {
                    return StatusWord::WRONG_LENGTH.into();
                }
                let digests: [[u8; 32]; 7] = std::array::from_fn(|i| sha256(&[&self.files[i]]));
                let canonical = sha256(&[&attestation::canonical_result(&ctx.uid, &digests)]);
                let msg = [data, &canonical[..]].concat();
                let sig: Signature = self.attest_key.sign(&msg);
                self.attested = true;
                Response::new([&canonical[..], &sig.to_bytes()[..]].concat(), StatusWord::OK)
            }
            (0x00 | 0x80, _) => StatusWord::INS_NOT_SUPPORTED.into(),
            _ => StatusWord::CLA_NOT_SUPPORTED.into(),
        }
    }

    /// Checks EF 6FF6 over what the SAM itself decrypted (and EF 6FF0 from authentication).
    fn verify_issuer(&self) -> bool {
        let f = &self.files[6];
        if f.len() != 2 + 73 || f[..3] != [0x00, 73, 0x01] || f[3..11] != DemoKeys::key_id(&self.issuer) {
            return false;
        }
        let Ok(sig) = Signature::from_slice(&f[11..75]) else { return false };
        self.issuer.verify(&issuer_signed_message(&self.files), &sig).is_ok()
    }
}

impl Icc for VirtualSam {
    fn atr(&self) -> Vec<u8> {
        atr_with_history(b"PADAN-SAM1")
    }

    fn reset(&mut self) {
        self.selected = false;
        self.opened = false;
        self.challenge = None;
        self.end_read();
    }

    fn process(&mut self, apdu: &[u8]) -> Result<Vec<u8>, Removed> {
        Ok(self.handle(apdu).to_bytes())
    }
}
