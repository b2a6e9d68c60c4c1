//! Argon2id password hashing, off the async runtime, and the password
//! policy applied wherever a password is set.

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};

pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default().hash_password(password.as_bytes(), &salt)?.to_string())
}

pub fn verify(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// Verifies on a blocking thread: Argon2 is deliberately slow.
pub async fn verify_async(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || verify(&password, &hash)).await.unwrap_or(false)
}

/// The common/breached list shipped with the binary (`backend/data/`).
const COMMON_PASSWORDS: &str = include_str!("../../data/common-passwords.txt");

fn common_passwords() -> &'static std::collections::HashSet<&'static str> {
    static SET: std::sync::OnceLock<std::collections::HashSet<&'static str>> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        COMMON_PASSWORDS.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect()
    })
}

/// Why a password is refused, in Bahasa Indonesia and English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyViolation {
    pub message_id: String,
    pub message_en: String,
}

fn violation(id: impl Into<String>, en: impl Into<String>) -> PolicyViolation {
    PolicyViolation { message_id: id.into(), message_en: en.into() }
}

/// The password policy: 12–128 characters, not on the common/breached list
/// (also with digits and symbols stripped from the ends), not containing
/// the username or the NIP, not one character repeated.
pub fn check_policy(password: &str, username: &str, nip: Option<&str>) -> Result<(), PolicyViolation> {
    use padan_protocol::v1::{PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH};
    let length = password.chars().count();
    if length < PASSWORD_MIN_LENGTH {
        return Err(violation(
            format!("Kata sandi minimal {PASSWORD_MIN_LENGTH} karakter."),
            format!("The password must have at least {PASSWORD_MIN_LENGTH} characters."),
        ));
    }
    if length > PASSWORD_MAX_LENGTH {
        return Err(violation(
            format!("Kata sandi maksimal {PASSWORD_MAX_LENGTH} karakter."),
            format!("The password must have at most {PASSWORD_MAX_LENGTH} characters."),
        ));
    }
    let lower = password.to_lowercase();
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    let list = common_passwords();
    if list.contains(lower.as_str()) || (core.chars().count() >= 4 && list.contains(core)) {
        return Err(violation(
            "Kata sandi ini terlalu umum atau pernah bocor. Pilih kalimat sandi lain yang mudah Anda ingat.",
            "This password is too common or known from breaches. Choose another passphrase.",
        ));
    }
    let user = username.trim().to_lowercase();
    if user.chars().count() >= 3 && lower.contains(&user) {
        return Err(violation(
            "Kata sandi tidak boleh memuat nama pengguna.",
            "The password must not contain the username.",
        ));
    }
    if let Some(nip) = nip.map(str::trim).filter(|n| n.len() >= 6) {
        if lower.contains(nip) {
            return Err(violation("Kata sandi tidak boleh memuat NIP.", "The password must not contain the NIP."));
        }
    }
    let mut chars = lower.chars();
    if let Some(first) = chars.next() {
        if chars.all(|c| c == first) {
            return Err(violation(
                "Kata sandi tidak boleh satu karakter yang diulang.",
                "The password must not be a single repeated character.",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn policy() {
        use super::check_policy as check;
        assert!(check("kuda-lari-di-pantai-parangtritis", "petugas", Some("199003152015032001")).is_ok());
        assert!(check("pendek", "petugas", None).unwrap_err().message_id.contains("minimal 12"));
        assert!(check(&"a".repeat(129), "petugas", None).is_err());
        for common in
            ["password1234", "Bismillah2025", "indonesia123456", "qwertyuiop123", "Katasandi@2026", "123456789012"]
        {
            let e = check(common, "petugas", None).unwrap_err();
            assert!(e.message_id.contains("terlalu umum"), "{common}: {e:?}");
        }
        assert!(check("PetugasKanregLima", "petugas", None).unwrap_err().message_id.contains("nama pengguna"));
        assert!(
            check("nip-199003152015032001", "rina", Some("199003152015032001")).unwrap_err().message_id.contains("NIP")
        );
        assert!(check("zzzzzzzzzzzzzzz", "rina", None).is_err());
        assert!(super::common_passwords().len() > 2000);
    }

    #[test]
    fn round_trip() {
        let h = super::hash("kata-sandi-panjang").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(super::verify("kata-sandi-panjang", &h));
        assert!(!super::verify("salah", &h));
        assert!(!super::verify("x", "not a hash"));
    }
}
