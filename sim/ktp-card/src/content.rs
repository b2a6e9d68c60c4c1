//! What is written on a card: the seven EFs built from a synthetic
//! [`Person`], signed by the demo issuer key.

use p256::ecdsa::Signature;
use p256::ecdsa::signature::Signer;
use padan_sim_dukcapil::{Person, Population};

use crate::crypto::{push_len, sha256};
use crate::image::{self, Stream};
use crate::keys::DemoKeys;
use crate::profile::*;

/// The personalised contents of one card. `Debug` shows no personal data.
#[derive(Clone, PartialEq, Eq)]
pub struct CardImage {
    /// 7-byte ISO 14443-A UID.
    pub uid: [u8; 7],
    /// Card serial number (EF 6FF0).
    pub csn: [u8; 8],
    /// EF bodies in [`ALL_EFS`] order.
    pub files: [Vec<u8>; 7],
}

impl std::fmt::Debug for CardImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardImage").field("csn", &hex::encode(self.csn)).finish_non_exhaustive()
    }
}

impl CardImage {
    pub fn file(&self, fid: u16) -> Option<&[u8]> {
        ALL_EFS.iter().position(|f| *f == fid).map(|i| &self.files[i][..])
    }

    pub fn file_mut(&mut self, fid: u16) -> Option<&mut Vec<u8>> {
        ALL_EFS.iter().position(|f| *f == fid).map(move |i| &mut self.files[i])
    }

    pub fn digests(&self) -> [[u8; 32]; 7] {
        std::array::from_fn(|i| sha256(&[&self.files[i]]))
    }

    /// Issues the card of the `index`-th person of `Population::generate(seed, n)`.
    pub fn for_population(pop: &Population, index: usize, keys: &DemoKeys) -> Option<CardImage> {
        pop.persons().get(index).map(|p| CardImage::issue(p, keys))
    }

    /// Builds and signs the card of `person` with the demo issuer key.
    pub fn issue(person: &Person, keys: &DemoKeys) -> CardImage {
        let nik = person.nik.as_bytes();
        let mut uid = [0u8; 7];
        uid[0] = 0x04; // NXP-style manufacturer byte
        uid[1..].copy_from_slice(&sha256(&[b"uid", nik])[..6]);
        let mut csn = [0u8; 8];
        csn.copy_from_slice(&sha256(&[b"csn", nik])[..8]);
        let mut s = Stream::new(&[b"issue", nik]);
        let issue_year = 2012 + s.range(0, 12) as u16;
        let (issue_month, issue_day) = (1 + s.range(0, 11) as u8, 1 + s.range(0, 27) as u8);

        let mut control = vec![0u8; CONTROL_LEN];
        control[0] = 0x01;
        control[1..9].copy_from_slice(&csn);
        control[9] = 0x01; // chip key version
        control[10..14].copy_from_slice(&[
            bcd((issue_year / 100) as u8),
            bcd((issue_year % 100) as u8),
            bcd(issue_month),
            bcd(issue_day),
        ]);
        control[14..22].copy_from_slice(&DemoKeys::key_id(&keys.issuer_public()));
        control[22..29].copy_from_slice(&uid);

        let issued = format!("{issue_day:02}-{issue_month:02}-{issue_year:04}");
        let biodata = with_len(&biodata_tlv(person, &issued));
        let photo = with_len(&image::face_jpeg(nik));
        let signature = with_len(&image::signature_jpeg(nik));
        let right = with_len(&minutiae(nik, 0x02));
        let left = with_len(&minutiae(nik, 0x07));
        let mut image = CardImage { uid, csn, files: [control, biodata, photo, signature, right, left, Vec::new()] };
        image.files[6] = issuer_signature_file(&image, keys);
        image
    }
}

/// The message the issuer signs: for EF 6FF0 … 6FF5, `FID (2) ‖ length (4, BE) ‖ body`.
pub fn issuer_signed_message(files: &[Vec<u8>]) -> Vec<u8> {
    let mut msg = Vec::new();
    for (fid, body) in ALL_EFS.iter().zip(files).take(6) {
        msg.extend_from_slice(&fid.to_be_bytes());
        msg.extend_from_slice(&(body.len() as u32).to_be_bytes());
        msg.extend_from_slice(body);
    }
    msg
}

/// EF 6FF6: `len (2) ‖ 01 ‖ issuer key id (8) ‖ r ‖ s (64)`.
fn issuer_signature_file(image: &CardImage, keys: &DemoKeys) -> Vec<u8> {
    let sig: Signature = keys.issuer.sign(&issuer_signed_message(&image.files));
    let mut payload = vec![0x01];
    payload.extend_from_slice(&DemoKeys::key_id(&keys.issuer_public()));
    payload.extend_from_slice(&sig.to_bytes());
    with_len(&payload)
}

fn bcd(v: u8) -> u8 {
    ((v / 10) << 4) | (v % 10)
}

/// Prefixes a payload with its 2-byte big-endian length (EF 6FF1 … 6FF6).
pub fn with_len(payload: &[u8]) -> Vec<u8> {
    let mut out = (payload.len() as u16).to_be_bytes().to_vec();
    out.extend_from_slice(payload);
    out
}

/// Biodata as one-byte tags, BER lengths, UTF-8 values (profile §4).
pub fn biodata_tlv(p: &Person, tanggal_terbit: &str) -> Vec<u8> {
    let fields: [(u8, String); 20] = [
        (tag::NIK, p.nik.clone()),
        (tag::NAMA, p.nama_lgkp.clone()),
        (tag::TEMPAT_LAHIR, p.tmpt_lhr.to_string()),
        (tag::TANGGAL_LAHIR, p.tgl_lhr.dmy('-')),
        (tag::JENIS_KELAMIN, p.jenis_klmin_label().to_string()),
        (tag::GOLONGAN_DARAH, p.gol_darah.to_string()),
        (tag::ALAMAT, p.alamat.clone()),
        (tag::RT, format!("{:03}", p.no_rt)),
        (tag::RW, format!("{:03}", p.no_rw)),
        (tag::KEL_DESA, p.kel_name.to_string()),
        (tag::KECAMATAN, p.kec_name.to_string()),
        (tag::KABUPATEN, p.kab_name.to_string()),
        (tag::PROVINSI, p.prop_name.to_string()),
        (tag::AGAMA, p.agama.to_string()),
        (tag::STATUS_PERKAWINAN, p.status_kawin.to_string()),
        (tag::PEKERJAAN, p.jenis_pkrjn.to_string()),
        (tag::KEWARGANEGARAAN, "WNI".to_string()),
        (tag::BERLAKU_HINGGA, "SEUMUR HIDUP".to_string()),
        (tag::TANGGAL_TERBIT, tanggal_terbit.to_string()),
        (tag::TEMPAT_TERBIT, p.kab_name.to_string()),
    ];
    let mut out = Vec::new();
    for (t, v) in fields {
        out.push(t);
        push_len(&mut out, v.len());
        out.extend_from_slice(v.as_bytes());
    }
    out
}

/// Compact minutiae template: `finger position (1) ‖ count (1) ‖ count × (x, y, type<<6 | angle)`.
pub fn minutiae(key: &[u8], finger: u8) -> Vec<u8> {
    let mut s = Stream::new(&[b"minutiae", key, &[finger]]);
    let count = 28 + (s.byte() % 12);
    let mut out = vec![finger, count];
    for _ in 0..count {
        let (x, y) = (s.byte(), s.byte());
        let kind = 1 + s.byte() % 2; // 01 ridge ending, 10 bifurcation
        out.extend_from_slice(&[x, y, (kind << 6) | (s.byte() & 0x3F)]);
    }
    out
}
