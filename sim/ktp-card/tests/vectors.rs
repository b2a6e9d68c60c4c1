//! The test vectors of `docs/ktp-el-emulation-profile.md` §11, recomputed
//! here: every value must appear verbatim in the document.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use p256::ecdsa::Signature;
use p256::ecdsa::signature::Signer;
use padan_sim_ktp_card::DemoKeys;
use padan_sim_ktp_card::attestation::{ActivationRecord, attestation_message, canonical_result};
use padan_sim_ktp_card::crypto::{self, Session, sha256};
use padan_sim_ktp_card::profile::StatusWord;

fn vectors() -> Vec<(&'static str, String)> {
    let keys = DemoKeys::from_seed(20_240_628);
    let uid = [0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66];
    let csn = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08];
    let ck = crypto::diversify(&keys.card_master, &uid, &csn);
    let rnd_ic = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88];
    let rnd_ifd = [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11];
    let k_ifd: [u8; 16] = std::array::from_fn(|i| i as u8);
    let k_ic: [u8; 16] = std::array::from_fn(|i| 0xF0 | i as u8);
    let c1 = crypto::auth_cryptogram(&ck, &rnd_ic, &rnd_ifd, &k_ifd);
    let c2 = crypto::auth_cryptogram(&ck, &rnd_ifd, &rnd_ic, &k_ic);
    let mut reader = Session::derive(&k_ifd, &k_ic, &rnd_ic, &rnd_ifd);
    let mut card = reader.clone();
    let (ks_enc, ks_mac) = (reader.ks_enc, reader.ks_mac);
    let cmd = reader.wrap_command([0x00, 0xB0, 0x00, 0x00], 0xC0);
    card.unwrap_command(&cmd).unwrap();
    let resp = card.wrap_response(b"KTP", StatusWord::OK);
    assert_eq!(reader.unwrap_response(&resp).unwrap(), (b"KTP".to_vec(), StatusWord::OK));
    let digests: [[u8; 32]; 7] = std::array::from_fn(|i| sha256(&[&[i as u8]]));
    let canonical = sha256(&[&canonical_result(&uid, &digests)]);
    let msg = attestation_message("https://padan.bkn.go.id", "nonce-0001", &canonical);
    let sig: Signature = keys.sam.sign(&msg);
    let activation = ActivationRecord {
        sam_serial: keys.sam_serial,
        reader_serial: "PADAN-VR-0001".into(),
        office: "BKN-PUSAT".into(),
        valid_from: 1_767_225_600,
        valid_until: 1_782_777_600,
    }
    .sign(&keys.activation);
    vec![
        ("card master key", hex::encode(keys.card_master)),
        ("PCID", hex::encode(keys.pcid)),
        ("configuration key", hex::encode(keys.config_key)),
        ("SAM serial", hex::encode(keys.sam_serial)),
        ("issuer public key", hex::encode(DemoKeys::sec1(&keys.issuer_public()))),
        ("SAM CA public key", hex::encode(DemoKeys::sec1(&keys.sam_ca_public()))),
        ("activation public key", hex::encode(keys.activation_public().to_bytes())),
        ("SAM public key", hex::encode(DemoKeys::sec1(keys.sam.verifying_key()))),
        ("K_enc", hex::encode(ck.enc)),
        ("K_mac", hex::encode(ck.mac)),
        ("EXTERNAL AUTHENTICATE data", hex::encode(c1)),
        ("INTERNAL AUTHENTICATE response", hex::encode(c2)),
        ("KS_enc", hex::encode(ks_enc)),
        ("KS_mac", hex::encode(ks_mac)),
        ("protected READ BINARY", hex::encode(cmd)),
        ("protected response", hex::encode(resp)),
        ("canonical SHA-256", hex::encode(canonical)),
        ("attestation message", hex::encode(msg)),
        ("attestation signature", hex::encode(sig.to_bytes())),
        ("activation record", hex::encode(activation)),
    ]
}

#[test]
fn profile_document_carries_the_computed_test_vectors() {
    let doc = include_str!("../../../docs/ktp-el-emulation-profile.md");
    let mut missing = Vec::new();
    for (name, value) in vectors() {
        if !doc.contains(&value) {
            missing.push(format!("{name}: {value}"));
        }
    }
    assert!(missing.is_empty(), "vectors missing from the profile document:\n{}", missing.join("\n"));
}
