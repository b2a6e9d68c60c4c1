//! Bahasa Indonesia first, English second.
//!
//! A deliberately small, hand-written dictionary: each UI string is a
//! [`Text`] constant holding both languages side by side, so a missing
//! translation is a compile error rather than a blank label. The chosen
//! language lives in a signal provided as context; it is remembered in a
//! plain cookie (not localStorage/IndexedDB: the product keeps nothing in
//! browser storage, and a language preference is not personal data).

use leptos::prelude::*;
use wasm_bindgen::JsCast;

const COOKIE: &str = "padan_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Id,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Id => Lang::En,
            Lang::En => Lang::Id,
        }
    }

    /// Picks the string for this language.
    pub fn pick<T>(self, id: T, en: T) -> T {
        match self {
            Lang::Id => id,
            Lang::En => en,
        }
    }
}

/// One UI string in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text {
    pub id: &'static str,
    pub en: &'static str,
}

/// A [`Text`], for `const` items.
pub const fn text(id: &'static str, en: &'static str) -> Text {
    Text { id, en }
}

/// The reactive language setting, provided once by `App`.
#[derive(Debug, Clone, Copy)]
pub struct I18n {
    lang: RwSignal<Lang>,
}

impl I18n {
    fn new() -> Self {
        let initial = read_cookie().unwrap_or(Lang::Id);
        set_document_lang(initial);
        Self { lang: RwSignal::new(initial) }
    }

    /// The current language (tracked).
    pub fn lang(self) -> Lang {
        self.lang.get()
    }

    /// The string for the current language (tracked).
    pub fn t(self, text: Text) -> &'static str {
        self.lang().pick(text.id, text.en)
    }

    pub fn toggle(self) {
        let next = self.lang.get_untracked().other();
        self.lang.set(next);
        set_document_lang(next);
        write_cookie(next);
    }
}

pub fn provide_i18n() -> I18n {
    let i18n = I18n::new();
    provide_context(i18n);
    i18n
}

/// A reactive text node for `view!`: `{tr(i18n::SIGN_IN)}`. Every call
/// returns the same closure type, which keeps the wasm small.
pub fn tr(text: Text) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let i18n = use_i18n();
    move || i18n.t(text)
}

pub fn use_i18n() -> I18n {
    // Provided by `App` before anything else renders; the fallback only
    // matters for components rendered in isolation.
    use_context::<I18n>().unwrap_or_else(provide_i18n)
}

fn html_document() -> Option<web_sys::HtmlDocument> {
    web_sys::window()?.document()?.dyn_into::<web_sys::HtmlDocument>().ok()
}

fn read_cookie() -> Option<Lang> {
    let cookies = html_document()?.cookie().ok()?;
    cookies.split(';').find_map(|pair| match pair.trim().split_once('=') {
        Some((COOKIE, "en")) => Some(Lang::En),
        Some((COOKIE, "id")) => Some(Lang::Id),
        _ => None,
    })
}

fn write_cookie(lang: Lang) {
    if let Some(doc) = html_document() {
        let cookie = format!("{COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Strict", lang.code());
        // A refused cookie only means the choice is not remembered.
        let _ = doc.set_cookie(&cookie);
    }
}

/// Keeps `<html lang>` right for screen readers and hyphenation.
fn set_document_lang(lang: Lang) {
    if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = root.set_attribute("lang", lang.code());
    }
}

const MONTHS_ID: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `2025-12-31` → `31 Desember 2025` / `31 December 2025`; anything that is
/// not an ISO date is shown as given.
pub fn format_date(iso: &str, lang: Lang) -> String {
    match padan_protocol::validate::CivilDate::parse(iso) {
        Some(d) => {
            let months = lang.pick(&MONTHS_ID, &MONTHS_EN);
            let month = months.get(usize::from(d.month).saturating_sub(1)).copied().unwrap_or_default();
            format!("{} {month} {}", d.day, d.year)
        }
        None => iso.to_owned(),
    }
}

// ---------------------------------------------------------------------------
// Dictionary
// ---------------------------------------------------------------------------

// Shell
pub const APP_NAME: Text = text("Padan", "Padan");
pub const APP_TAGLINE: Text = text("Pemadanan data kependudukan BKN–Dukcapil", "BKN–Dukcapil population data matching");
pub const SKIP_TO_CONTENT: Text = text("Lewati ke konten utama", "Skip to main content");
pub const LANG_TOGGLE: Text = text("English", "Bahasa Indonesia");
pub const LANG_TOGGLE_HINT: Text = text("Switch the interface to English", "Ganti bahasa ke Bahasa Indonesia");
pub const SIGN_OUT: Text = text("Keluar", "Sign out");
pub const SIGNED_IN_AS: Text = text("Masuk sebagai", "Signed in as");
pub const FOOTER_NOTICE: Text = text(
    "Data kependudukan hanya untuk keperluan dinas sesuai PKS BKN–Dukcapil. Setiap akses dicatat.",
    "Population data is for official use under the BKN–Dukcapil agreement only. Every access is recorded.",
);
pub const LOADING: Text = text("Memuat…", "Loading…");
pub const NAV_VERIFY_ELEMENTS: Text = text("Verifikasi Elemen", "Verify elements");
pub const REQUEST_ID: Text = text("Kode permintaan", "Request id");

// Sign-in
pub const SIGN_IN_TITLE: Text = text("Masuk ke Padan", "Sign in to Padan");
pub const SIGN_IN_LEAD: Text = text("Gunakan akun petugas BKN Anda.", "Use your BKN officer account.");
pub const USERNAME: Text = text("Nama pengguna", "Username");
pub const PASSWORD: Text = text("Kata sandi", "Password");
pub const SIGN_IN: Text = text("Masuk", "Sign in");
pub const SIGNING_IN: Text = text("Memproses…", "Signing in…");
pub const SESSION_EXPIRED: Text =
    text("Sesi berakhir, silakan masuk kembali.", "Your session has ended, please sign in again.");
pub const SIGNED_OUT: Text = text("Anda telah keluar.", "You have signed out.");
pub const INVALID_CREDENTIALS: Text = text("Nama pengguna atau kata sandi salah.", "Wrong username or password.");
pub const CREDENTIALS_REQUIRED: Text = text("Isi nama pengguna dan kata sandi.", "Enter your username and password.");

// Errors and what to do about them
pub const ERR_NETWORK: Text = text("Tidak dapat terhubung ke server Padan.", "Could not reach the Padan server.");
pub const HINT_NETWORK: Text =
    text("Periksa koneksi jaringan kantor, lalu coba lagi.", "Check the office network connection, then try again.");
pub const ERR_UNEXPECTED: Text =
    text("Server memberikan jawaban yang tidak dikenali.", "The server gave an unexpected answer.");
pub const HINT_HELPDESK: Text = text(
    "Coba lagi. Jika berulang, hubungi helpdesk dan sebutkan kode permintaan.",
    "Try again. If it keeps happening, contact the helpdesk and quote the request id.",
);
pub const HINT_QUOTA: Text = text(
    "Kuota harian Dukcapil telah habis. Lanjutkan besok, atau hubungi supervisor bila mendesak.",
    "Dukcapil's daily quota is used up. Continue tomorrow, or contact your supervisor if urgent.",
);
pub const HINT_UPSTREAM_UNAVAILABLE: Text = text(
    "Layanan Dukcapil sedang tidak dapat dihubungi. Tunggu beberapa menit lalu coba lagi.",
    "Dukcapil's service cannot be reached right now. Wait a few minutes, then try again.",
);
pub const HINT_UPSTREAM_REJECTED: Text = text(
    "Dukcapil menolak permintaan BKN. Hubungi helpdesk dan sebutkan kode permintaan.",
    "Dukcapil refused BKN's request. Contact the helpdesk and quote the request id.",
);
pub const HINT_MECHANISM_CLOSED: Text = text(
    "Mekanisme ini sedang ditutup. Hubungi pengelola perjanjian kerja sama di unit Anda.",
    "This mechanism is closed. Contact the agreement administrator in your unit.",
);
pub const HINT_VALIDATION: Text =
    text("Perbaiki isian berikut, lalu kirim lagi.", "Correct the following fields, then send again.");
pub const HINT_FORBIDDEN: Text = text(
    "Peran Anda tidak diizinkan untuk tindakan ini. Hubungi supervisor.",
    "Your role does not allow this action. Contact your supervisor.",
);
pub const HINT_CSRF: Text = text("Muat ulang halaman, lalu coba lagi.", "Reload the page, then try again.");

// Verify elements
pub const VERIFY_TITLE: Text = text("Verifikasi Elemen Data", "Verify data elements");
pub const VERIFY_LEAD: Text = text(
    "Cocokkan data yang dinyatakan dengan data kependudukan Dukcapil. Isi NIK, tujuan, dan elemen yang ingin diperiksa.",
    "Match claimed data against Dukcapil's population registry. Enter the NIK, the purpose and the elements to check.",
);
pub const MECHANISMS_LOADING: Text = text("Memuat hak akses…", "Loading access rights…");
pub const MECHANISM_NOT_LISTED: Text =
    text("Tidak ada perjanjian yang memberikan mekanisme ini.", "No agreement grants this mechanism.");
pub const AGREEMENT: Text = text("Dasar perjanjian", "Agreement");
pub const VALID_UNTIL: Text = text("berlaku s.d.", "valid until");
pub const DEMO_AGREEMENT: Text =
    text("Perjanjian DEMO — bukan perjanjian sebenarnya", "DEMO agreement — not a real agreement");
pub const EXPIRES_SOON_PREFIX: Text = text("Perjanjian kerja sama berakhir dalam", "The cooperation agreement ends in");
pub const EXPIRES_SOON_DAYS: Text = text("hari", "days");
pub const EXPIRES_TODAY: Text =
    text("Perjanjian kerja sama berakhir hari ini.", "The cooperation agreement ends today.");
pub const EXPIRES_SOON_HINT: Text = text(
    "Setelah itu verifikasi akan ditutup sampai ada perpanjangan.",
    "After that, verification closes until the agreement is renewed.",
);
pub const ROLE_CANNOT_VERIFY: Text = text(
    "Peran Anda tidak termasuk petugas yang boleh melakukan verifikasi.",
    "Your role is not among those allowed to verify.",
);
pub const NIK_LABEL: Text = text("NIK", "NIK");
pub const NIK_HINT: Text = text("16 digit, sesuai KTP-el.", "16 digits, as on the KTP-el.");
pub const PURPOSE_LABEL: Text = text("Tujuan penggunaan data", "Purpose of use");
pub const PURPOSE_HINT: Text = text(
    "Sesuai ruang lingkup PKS (Pasal 1). Dicatat dalam jejak audit.",
    "Within the agreement's scope (Article 1). Recorded in the audit trail.",
);
pub const PURPOSE_PLACEHOLDER: Text = text("— Pilih tujuan —", "— Choose a purpose —");
pub const PURPOSE_REQUIRED: Text = text("Pilih tujuan penggunaan data.", "Choose the purpose of use.");
pub const CHOICE_PLACEHOLDER: Text = text("— Tidak diperiksa —", "— Not checked —");
pub const CLAIMED_ELEMENTS: Text = text("Data yang dinyatakan", "Claimed data");
pub const CLAIMED_ELEMENTS_HINT: Text = text(
    "Isi hanya elemen yang ingin dicocokkan; yang kosong tidak dikirim.",
    "Fill in only the elements to match; empty ones are not sent.",
);
pub const DATE_INVALID: Text = text("Tanggal tidak valid.", "Invalid date.");
pub const NOTHING_TO_CHECK: Text =
    text("Isi minimal satu elemen untuk dicocokkan.", "Fill in at least one element to match.");
pub const MISMATCH_TITLE: Text = text("Data tidak sejalan dengan NIK", "Data disagrees with the NIK");
pub const MISMATCH_BIRTH_DATE: Text = text(
    "Tanggal lahir yang diisi berbeda dengan tanggal lahir yang terkandung dalam NIK.",
    "The date of birth entered differs from the one encoded in the NIK.",
);
pub const MISMATCH_SEX: Text = text(
    "Jenis kelamin yang diisi berbeda dengan jenis kelamin yang terkandung dalam NIK.",
    "The sex entered differs from the one encoded in the NIK.",
);
pub const MISMATCH_HINT: Text = text(
    "Periksa kembali dokumen sumber. Jika data memang demikian, centang konfirmasi untuk tetap mengirim.",
    "Check the source documents again. If the data is right, tick the confirmation to send anyway.",
);
pub const CONFIRM_MISMATCH: Text = text(
    "Saya sudah memeriksa dan tetap ingin mengirim permintaan ini.",
    "I have checked and still want to send this request.",
);
pub const SUBMIT_VERIFY: Text = text("Periksa ke Dukcapil", "Check with Dukcapil");
pub const SUBMITTING_VERIFY: Text = text("Memeriksa…", "Checking…");
pub const SUBMIT_BLOCKED_NIK: Text = text("Isi NIK yang valid untuk mengirim.", "Enter a valid NIK to send.");
pub const SUBMIT_BLOCKED_MISMATCH: Text =
    text("Centang konfirmasi di atas untuk mengirim.", "Tick the confirmation above to send.");
pub const RESET: Text = text("Periksa NIK lain", "Check another NIK");

// Results
pub const RESULT_TITLE: Text = text("Hasil verifikasi", "Verification result");
pub const COL_ELEMENT: Text = text("Elemen", "Element");
pub const COL_VERDICT: Text = text("Hasil", "Result");
pub const SESUAI: Text = text("Sesuai", "Match");
pub const TIDAK_SESUAI: Text = text("Tidak sesuai", "No match");
pub const THRESHOLD: Text = text(
    "Ambang kemiripan untuk nama, tempat lahir dan alamat",
    "Similarity threshold for name, place of birth and address",
);
pub const NO_VERDICTS: Text = text("Tidak ada elemen yang dicocokkan.", "No elements were matched.");
pub const NOT_GRANTED: Text = text(
    "Elemen berikut tidak termasuk hak akses dan tidak dikirim:",
    "These elements are outside the grant and were not sent:",
);
pub const NOT_FOUND_TITLE: Text = text("Data tidak ditemukan", "No record found");
pub const NOT_FOUND_HINT: Text = text(
    "Periksa kembali NIK pada dokumen sumber. Bila NIK sudah benar, arahkan pemilik data ke Dinas Dukcapil setempat.",
    "Check the NIK against the source documents. If it is right, refer the person to their local Dukcapil office.",
);
pub const REASON_NOT_REGISTERED: Text = text(
    "NIK tidak terdaftar dalam database kependudukan (kode 13).",
    "The NIK is not in the population database (code 13).",
);
pub const REASON_BAD_FORMAT: Text =
    text("Format NIK tidak sesuai ketentuan Dukcapil (kode 15).", "The NIK is not in Dukcapil's format (code 15).");
pub const REASON_UNPROCESSABLE: Text =
    text("NIK tidak dapat diproses oleh Dukcapil (kode 08).", "Dukcapil cannot process this NIK (code 08).");
pub const STATUS_LABEL: Text = text("Status penduduk", "Person status");
pub const STATUS_AKTIF: Text = text("Aktif", "Active");
pub const STATUS_AKTIF_HINT: Text =
    text("Data kependudukan ditemukan dan aktif.", "The record was found and is active.");
pub const STATUS_MENINGGAL: Text = text("Meninggal dunia", "Deceased");
pub const STATUS_MENINGGAL_HINT: Text = text(
    "Dukcapil mencatat penduduk ini telah meninggal dunia. Jangan lanjutkan proses kepegawaian sebelum dikonfirmasi.",
    "Dukcapil records this person as deceased. Do not continue any personnel process until it is confirmed.",
);
pub const STATUS_DATA_GANDA: Text = text("Data ganda", "Duplicate records");
pub const STATUS_DATA_GANDA_HINT: Text = text(
    "NIK ini memiliki data ganda di Dukcapil. Minta pemilik data menghubungi Dinas Dukcapil setempat.",
    "This NIK has duplicate records at Dukcapil. Ask the person to contact their local Dukcapil office.",
);
pub const STATUS_NON_AKTIF: Text = text("Tidak aktif", "Inactive");
pub const STATUS_NON_AKTIF_HINT: Text = text(
    "Data kependudukan ini berstatus tidak aktif. Minta pemilik data memperbarui data di Dinas Dukcapil.",
    "This record is inactive. Ask the person to update their data at the Dukcapil office.",
);

// Not found page
pub const PAGE_NOT_FOUND_TITLE: Text = text("Halaman tidak ditemukan", "Page not found");
pub const PAGE_NOT_FOUND_LEAD: Text =
    text("Alamat yang Anda buka tidak ada di Padan.", "The address you opened does not exist in Padan.");
pub const BACK_TO_VERIFY: Text = text("Kembali ke Verifikasi Elemen", "Back to element verification");

// Navigation and roles
pub const NAV_FACE: Text = text("Pencocokan Wajah", "Face match");
pub const NAV_PORTAL: Text = text("Portal Data", "Data portal");
pub const NAV_IKD: Text = text("IKD", "IKD");
pub const NAV_AGREEMENTS: Text = text("Perjanjian", "Agreements");
pub const NAV_ALERTS: Text = text("Peringatan", "Alerts");
pub const NAV_AUDIT: Text = text("Audit", "Audit");
pub const FORBIDDEN_TITLE: Text = text("Tidak diizinkan", "Not allowed");
pub const FORBIDDEN_LEAD: Text =
    text("Peran Anda tidak diizinkan membuka halaman ini.", "Your role is not allowed to open this page.");

/// A role's name in `lang`.
pub fn role_label(role: padan_protocol::v1::Role, lang: Lang) -> &'static str {
    use padan_protocol::v1::Role;
    let en = match role {
        Role::Officer => "Officer",
        Role::Supervisor => "Supervisor",
        Role::Helpdesk => "Helpdesk",
        Role::Admin => "Administrator",
        Role::Auditor => "Auditor",
    };
    lang.pick(role.label_id(), en)
}

// Mechanisms
pub const IS_CLOSED: Text = text("sedang ditutup", "is closed");

/// A mechanism's name in both languages.
pub fn mechanism_label(m: padan_protocol::v1::Mechanism) -> Text {
    use padan_protocol::v1::Mechanism;
    match m {
        Mechanism::VerifyElements => text("Verifikasi elemen data", "Element verification"),
        Mechanism::FaceMatch => text("Pencocokan wajah", "Face match"),
        Mechanism::PortalLookup => text("Portal data kependudukan", "Population data portal"),
        Mechanism::IkdLookup => text("Identitas Kependudukan Digital (IKD)", "Digital ID (IKD)"),
        Mechanism::SiasnLookup => text("Layanan SIASN", "SIASN service"),
    }
}

// Face match
pub const FACE_TITLE: Text = text("Pencocokan Wajah", "Face match");
pub const FACE_LEAD: Text = text(
    "Bandingkan wajah orang di hadapan Anda dengan foto KTP-el di Dukcapil. Foto tidak disimpan.",
    "Compare the face of the person in front of you with Dukcapil's KTP-el photo. The photo is not stored.",
);
pub const PHOTO_LEGEND: Text = text("Foto wajah", "Face photo");
pub const PHOTO_HINT: Text = text(
    "Ambil dari kamera atau unggah berkas JPEG/PNG. Foto diperkecil (maks. 480×640) dan dikirim sebagai JPEG ≤ 200 KB.",
    "Take it with the camera or upload a JPEG/PNG file. It is scaled down (max 480×640) and sent as a JPEG ≤ 200 KB.",
);
pub const CAMERA_START: Text = text("Aktifkan kamera", "Turn on camera");
pub const CAMERA_CAPTURE: Text = text("Ambil foto", "Take photo");
pub const CAMERA_UNAVAILABLE: Text = text(
    "Kamera tidak dapat digunakan (izin ditolak atau tidak ada kamera). Unggah berkas foto sebagai gantinya.",
    "The camera cannot be used (permission denied or no camera). Upload a photo file instead.",
);
pub const CAMERA_NOT_READY: Text =
    text("Kamera belum siap, tunggu sebentar lalu coba lagi.", "The camera is not ready yet; wait a moment and retry.");
pub const PHOTO_FILE: Text = text("Atau unggah berkas foto", "Or upload a photo file");
pub const PHOTO_UNREADABLE: Text =
    text("Berkas tidak dapat dibaca sebagai gambar.", "The file cannot be read as an image.");
pub const PHOTO_REQUIRED: Text = text("Ambil atau unggah foto wajah dahulu.", "Take or upload a face photo first.");
pub const PREVIEW_ALT: Text = text("Pratinjau foto yang akan dikirim", "Preview of the photo to send");
pub const PREVIEW_CAPTION: Text = text("Foto yang akan dikirim", "Photo to be sent");
pub const SUBMIT_FACE: Text = text("Cocokkan ke Dukcapil", "Match with Dukcapil");
pub const SUBMITTING_FACE: Text = text("Mencocokkan…", "Matching…");
pub const FACE_RESULT_TITLE: Text = text("Hasil pencocokan wajah", "Face match result");
pub const FACE_NOT_FOUND_HINT: Text =
    text("Dukcapil tidak memiliki data atau foto untuk NIK ini.", "Dukcapil has no record or photo for this NIK.");
pub const FACE_SCORE: Text = text("Skor kemiripan", "Similarity score");
pub const FACE_THRESHOLD: Text = text("Ambang batas kecocokan", "Match threshold");
pub const BAND_COCOK: Text = text("Cocok", "Match");
pub const BAND_MERAGUKAN: Text = text("Meragukan — periksa langsung", "Doubtful — check in person");
pub const BAND_TIDAK_COCOK: Text = text("Tidak cocok", "No match");

// Portal and IKD
pub const PORTAL_TITLE: Text = text("Portal Data Kependudukan", "Population data portal");
pub const PORTAL_LEAD: Text = text(
    "Lihat data kependudukan yang diizinkan perjanjian untuk satu NIK. Hanya untuk dilihat: tidak dapat dicetak atau disalin, dan setiap akses dicatat.",
    "View the population data the agreement grants for one NIK. Display only: it cannot be printed or copied, and every access is recorded.",
);
pub const IKD_TITLE: Text = text("Identitas Kependudukan Digital (IKD)", "Digital ID (IKD)");
pub const IKD_LEAD: Text = text(
    "Masukkan NIK yang ditunjukkan pemilik data di aplikasi IKD.",
    "Enter the NIK the person shows in their IKD app.",
);
pub const IKD_QR_NOTE: Text = text(
    "Verifikasi kode QR IKD belum tersedia: format QR IKD belum dipublikasikan Dukcapil.",
    "IKD QR code verification is not available yet: Dukcapil has not published the IKD QR format.",
);
pub const IKD_NIK_LABEL: Text = text("NIK dari aplikasi IKD", "NIK from the IKD app");
pub const REASON_LABEL: Text = text("Alasan akses", "Reason for access");
pub const REASON_HINT: Text = text(
    "Wajib, 10–500 karakter. Dicatat dalam jejak audit.",
    "Required, 10–500 characters. Recorded in the audit trail.",
);
pub const REASON_INVALID: Text =
    text("Tuliskan alasan akses (10–500 karakter).", "Write the reason for access (10–500 characters).");
pub const GRANTED_COUNT: Text = text("Jumlah elemen yang diizinkan:", "Granted elements:");
pub const SUBMIT_LOOKUP: Text = text("Tampilkan data", "Show data");
pub const SUBMITTING_LOOKUP: Text = text("Memuat data…", "Loading data…");
pub const LOOKUP_RESULT_TITLE: Text = text("Data kependudukan", "Population data");
pub const PHOTO_ALT: Text = text("Foto wajah dari Dukcapil", "Face photo from Dukcapil");
pub const FAMILY_TITLE: Text = text("Anggota keluarga dalam KK", "Family members in the KK");
pub const COL_NAME: Text = text("Nama lengkap", "Full name");
pub const COL_RELATION: Text = text("Hubungan keluarga", "Relationship");
pub const DISPLAY_NOTE: Text = text(
    "Hanya untuk dilihat. Data dibersihkan otomatis setelah tidak ada aktivitas selama",
    "Display only. The data is cleared automatically after no activity for",
);
pub const SECONDS: Text = text("detik.", "seconds.");
pub const CLOSE: Text = text("Tutup", "Close");
pub const DATA_CLEARED: Text =
    text("Data dibersihkan karena tidak ada aktivitas.", "The data was cleared because of inactivity.");

// Admin: agreements
pub const AGREEMENTS_TITLE: Text = text("Perjanjian Kerja Sama", "Cooperation agreements");
pub const AGREEMENTS_LEAD: Text = text(
    "Perjanjian yang tercatat, hak akses yang diberikan, dan masa berlakunya. Setiap perubahan dicatat.",
    "Agreements on record, the access they grant and their validity. Every change is recorded.",
);
pub const TODAY: Text = text("Hari ini", "Today");
pub const COL_AGREEMENT: Text = text("Perjanjian", "Agreement");
pub const COL_VALIDITY: Text = text("Masa berlaku", "Validity");
pub const COL_STATE: Text = text("Status", "Status");
pub const COL_DAYS_LEFT: Text = text("Sisa", "Left");
pub const DETAILS: Text = text("Rincian", "Details");
pub const HIDE_DETAILS: Text = text("Tutup rincian", "Hide details");
pub const STATE_ACTIVE: Text = text("Berlaku", "Active");
pub const STATE_EXPIRING: Text = text("Segera berakhir", "Expiring");
pub const STATE_EXPIRED: Text = text("Berakhir", "Expired");
pub const STATE_NOT_YET_VALID: Text = text("Belum berlaku", "Not yet valid");
pub const STATE_TERMINATED: Text = text("Diakhiri", "Terminated");
pub const DISCREPANCIES: Text = text(
    "Pasal yang tidak sejalan (yang lebih sempit yang berlaku):",
    "Clauses that disagree (the narrower one applies):",
);
pub const GRANTS: Text = text("Hak akses", "Grants");
pub const COL_MECHANISM: Text = text("Mekanisme", "Mechanism");
pub const COL_CLIENT: Text = text("Klien", "Client");
pub const COL_CLAUSE: Text = text("Pasal", "Clause");
pub const COL_ELEMENTS: Text = text("Elemen", "Elements");
pub const AGREEMENT_FORM_TITLE: Text =
    text("Catat perpanjangan atau perjanjian baru", "Record an extension or a new agreement");
pub const AGREEMENT_FORM_HINT: Text = text(
    "Perpanjangan menyalin hak akses perjanjian yang diperpanjang. Perjanjian baru: pilih elemen per mekanisme.",
    "An extension copies the grants of the agreement it extends. A new agreement: choose elements per mechanism.",
);
pub const EXTENDS_LABEL: Text = text("Memperpanjang", "Extends");
pub const NEW_AGREEMENT: Text = text("— Perjanjian baru —", "— New agreement —");
pub const AGREEMENT_CODE: Text = text("Kode (huruf kecil, angka, -)", "Code (a-z, 0-9, -)");
pub const AGREEMENT_NUMBERS: Text = text("Nomor perjanjian", "Agreement numbers");
pub const AGREEMENT_TITLE_LABEL: Text = text("Judul", "Title");
pub const SIGNED_ON: Text = text("Tanggal ditandatangani", "Signed on");
pub const VALID_UNTIL_LABEL: Text = text("Berlaku sampai dengan", "Valid until");
pub const GRANTS_COPIED: Text = text(
    "Hak akses disalin dari perjanjian yang diperpanjang.",
    "The grants are copied from the agreement being extended.",
);
pub const SAVE_AGREEMENT: Text = text("Simpan perjanjian", "Save agreement");
pub const AGREEMENT_SAVED: Text = text("Perjanjian tersimpan:", "Agreement saved:");

// Admin: alerts
pub const ALERTS_TITLE: Text = text("Peringatan", "Alerts");
pub const ALERTS_LEAD: Text = text(
    "Gangguan konfigurasi, kuota dan ketersediaan layanan Dukcapil yang perlu ditindaklanjuti.",
    "Configuration faults, quota and availability of Dukcapil's service that need attention.",
);
pub const QUOTA_REMAINING: Text = text("Sisa kuota Dukcapil terakhir", "Last known Dukcapil quota");
pub const UNKNOWN: Text = text("belum diketahui", "not known yet");
pub const COL_TIME: Text = text("Waktu", "Time");
pub const COL_KIND: Text = text("Jenis", "Kind");
pub const COL_CODE: Text = text("Kode", "Code");
pub const COL_MESSAGE: Text = text("Pesan", "Message");
pub const COL_COUNT: Text = text("Jumlah", "Count");
pub const RESOLVE: Text = text("Selesai", "Resolve");
pub const NO_ALERTS: Text = text("Tidak ada peringatan terbuka.", "No open alerts.");

// Admin: KTP-el reader/SAM registry
pub const NAV_READERS: Text = text("Pembaca KTP-el", "KTP-el readers");
pub const READERS_TITLE: Text = text("Pembaca KTP-el", "KTP-el readers");
pub const READERS_LEAD: Text = text(
    "Pembaca dan SAM yang terdaftar, dengan masa aktivasi dari Dukcapil. Aktivasi tidak pernah melampaui akhir perjanjian.",
    "Registered readers and SAMs, with the activation Dukcapil issued. An activation never outlasts the agreement.",
);
pub const COL_READER_SERIAL: Text = text("Nomor seri pembaca", "Reader serial");
pub const COL_SAM_SERIAL: Text = text("Nomor seri SAM", "SAM serial");
pub const COL_OFFICE: Text = text("Kantor", "Office");
pub const COL_ACTIVATION_UNTIL: Text = text("Aktivasi berlaku s.d.", "Activation valid until");
pub const COL_REASON: Text = text("Keterangan", "Reason");
pub const READER_ACTIVE: Text = text("Aktif", "Active");
pub const READER_DEACTIVATED: Text = text("Nonaktif", "Deactivated");
pub const NO_READERS: Text = text("Belum ada pembaca terdaftar.", "No readers registered yet.");
pub const READER_FORM_TITLE: Text = text("Daftarkan pembaca", "Register a reader");
pub const READER_FORM_HINT: Text = text(
    "Masukkan rekaman aktivasi (heksadesimal) yang diterbitkan Dukcapil untuk SAM pembaca. Mendaftarkan ulang pembaca dan SAM yang sama mengganti rekamannya.",
    "Enter the activation record (hex) Dukcapil issued for the reader's SAM. Registering the same reader and SAM again replaces its record.",
);
pub const OFFICE_CODE: Text = text("Kode kantor", "Office code");
pub const ACTIVATION_RECORD: Text = text("Rekaman aktivasi (heksadesimal)", "Activation record (hex)");
pub const REGISTER_READER: Text = text("Daftarkan pembaca", "Register reader");
pub const READER_SAVED: Text = text("Pembaca terdaftar:", "Reader registered:");

// KTP-el reading ("Baca KTP-el")
pub const NAV_CARD: Text = text("Baca KTP-el", "Read KTP-el");
pub const CARD_TITLE: Text = text("Baca KTP-el", "Read a KTP-el");
pub const CARD_LEAD: Text = text(
    "Tempelkan KTP-el pada pembaca. Padan memeriksa keaslian chip lewat SAM terdaftar, lalu mencocokkan datanya dengan Dukcapil. Data hanya ditampilkan, tidak disimpan.",
    "Place the KTP-el on the reader. Padan checks the chip is genuine through a registered SAM, then matches its data with Dukcapil. The data is displayed only, never stored.",
);
pub const CARD_READ: Text = text("Baca KTP-el", "Read the KTP-el");
pub const CARD_READING: Text = text("Membaca…", "Reading…");
pub const CARD_RETRY: Text = text("Coba lagi", "Try again");
pub const CARD_RECONNECT: Text = text("Hubungkan ulang", "Reconnect");
pub const CARD_CONNECTING: Text = text("Menghubungkan ke aplikasi pembaca…", "Connecting to the reader app…");
pub const CARD_NOT_RUNNING: Text = text(
    "Aplikasi pembaca KTP-el (Padan Reader Agent) belum terpasang atau tidak berjalan di komputer ini.",
    "The KTP-el reader app (Padan Reader Agent) is not installed or not running on this computer.",
);
pub const CARD_NOT_RUNNING_HINT: Text = text(
    "Kantor tanpa pembaca KTP-el tetap dapat memakai Verifikasi Elemen. Bila kantor Anda memiliki pembaca:",
    "Offices without a KTP-el reader can keep using element verification. If your office has a reader:",
);
pub const CARD_INSTALL_LINUX: Text = text(
    "Linux: pasang paket .deb (sudo apt install ./padan-reader-agent_*.deb), simpan konfigurasi di ~/.config/padan/agent.toml (chmod 600), lalu: systemctl --user enable --now padan-reader-agent",
    "Linux: install the .deb package (sudo apt install ./padan-reader-agent_*.deb), put the configuration in ~/.config/padan/agent.toml (chmod 600), then: systemctl --user enable --now padan-reader-agent",
);
pub const CARD_INSTALL_WINDOWS: Text = text(
    "Windows: jalankan padan-reader-agent.exe (build Windows dari TI) saat logon; konfigurasi di %APPDATA%\\Padan\\agent.toml.",
    "Windows: run padan-reader-agent.exe (the Windows build from IT) at logon; configuration in %APPDATA%\\Padan\\agent.toml.",
);
pub const CARD_INSTALL_ORIGIN: Text = text(
    "allowed_origins pada konfigurasi harus memuat alamat ini:",
    "allowed_origins in the configuration must list this address:",
);
pub const CARD_INSTALL_DOCS: Text = text(
    "Panduan lengkap untuk TI: docs/agent-protocol.md (paket, unit systemd, build Windows, kebijakan browser).",
    "Full guide for IT: docs/agent-protocol.md (package, systemd unit, Windows build, browser policies).",
);
pub const CARD_BLOCKED: Text =
    text("Browser memblokir koneksi ke aplikasi pembaca.", "The browser blocks the connection to the reader app.");
pub const CARD_BLOCKED_HINT: Text = text(
    "Klik ikon izin di sebelah kiri alamat situs, izinkan \"Akses jaringan lokal\" (Local Network Access) untuk Padan, lalu klik Hubungkan ulang. Untuk komputer kantor yang dikelola, TI dapat mengizinkannya dengan kebijakan Chrome LocalNetworkAccessAllowedForUrls.",
    "Click the permissions icon left of the site address, allow \"Local Network Access\" for Padan, then click Reconnect. On managed office computers, IT can allow it with the Chrome policy LocalNetworkAccessAllowedForUrls.",
);
pub const CARD_LOST: Text = text("Koneksi ke aplikasi pembaca terputus.", "The connection to the reader app was lost.");
pub const CARD_OUTDATED: Text = text(
    "Versi aplikasi pembaca terlalu lama untuk Padan ini. Pasang versi terbaru.",
    "The reader app is too old for this Padan. Install the latest version.",
);
pub const CARD_BUSY: Text = text(
    "Aplikasi pembaca sedang dipakai tab atau jendela lain. Tutup tab tersebut, lalu klik Hubungkan ulang.",
    "The reader app is in use by another tab or window. Close it, then click Reconnect.",
);
pub const CARD_UNAVAILABLE: Text = text("Pembacaan KTP-el tidak dapat dimulai.", "KTP-el reading cannot start.");
pub const CARD_TICKET_REFUSED: Text = text(
    "Aplikasi pembaca menolak tiket dari Padan. Periksa jam komputer; bila berulang, TI perlu memeriksa konfigurasi agen (kunci tiket, kantor).",
    "The reader app refused Padan's ticket. Check the computer's clock; if it keeps happening, IT must check the agent configuration (ticket key, office).",
);
pub const CARD_PCSC_DOWN: Text = text(
    "Layanan kartu pintar tidak berjalan (pcscd di Linux, Smart Card di Windows). Hubungi TI.",
    "The smart card service is not running (pcscd on Linux, Smart Card on Windows). Contact IT.",
);
pub const CARD_NO_READER: Text =
    text("Pembaca KTP-el tidak terdeteksi. Pasang kabel USB pembaca.", "No KTP-el reader found. Plug the reader in.");
pub const CARD_NO_SAM: Text =
    text("SAM tidak terdeteksi di slot SAM pembaca.", "No SAM found in the reader's SAM slot.");
pub const CARD_SAM_NOT_ACTIVATED: Text = text(
    "SAM belum diaktivasi Dukcapil. Minta admin Padan mengurus aktivasi.",
    "The SAM is not activated by Dukcapil. Ask the Padan admin to arrange activation.",
);
pub const CARD_SAM_EXPIRED: Text = text(
    "Masa aktivasi SAM telah berakhir (aktivasi mengikuti perjanjian kerja sama). Hubungi admin.",
    "The SAM's activation has ended (it follows the cooperation agreement). Contact the admin.",
);
pub const CARD_SAM_DEACTIVATED: Text =
    text("SAM dinonaktifkan oleh Dukcapil. Hubungi admin.", "The SAM was deactivated by Dukcapil. Contact the admin.");
pub const CARD_SAM_LOCKED: Text = text(
    "SAM terkunci dan harus direset oleh Dukcapil. Hubungi admin.",
    "The SAM is locked and must be reset by Dukcapil. Contact the admin.",
);
pub const CARD_SAM_ERROR: Text = text(
    "SAM tidak dapat dibuka dengan konfigurasi agen ini. Hubungi TI.",
    "The SAM cannot be opened with this agent configuration. Contact IT.",
);
pub const CARD_WAITING: Text = text("Siap. Tempelkan KTP-el pada pembaca.", "Ready. Place the KTP-el on the reader.");
pub const CARD_PRESENT: Text = text(
    "KTP-el terdeteksi. Pilih tujuan, lalu klik Baca KTP-el. Jangan angkat kartu selama pembacaan.",
    "KTP-el detected. Choose the purpose, then click Read. Keep the card on the reader while reading.",
);
pub const CARD_READING_STATE: Text =
    text("Membaca KTP-el… jangan angkat kartu.", "Reading the KTP-el… keep the card in place.");
pub const CARD_VERIFYING: Text =
    text("Memeriksa keaslian dan mencocokkan dengan Dukcapil…", "Checking authenticity and matching with Dukcapil…");
pub const CARD_DONE: Text = text("Selesai. Hasil ada di bawah.", "Done. The result is below.");
pub const CARD_NO_CARD: Text = text(
    "Tidak ada KTP-el pada pembaca. Tempelkan kartu, lalu coba lagi.",
    "No KTP-el on the reader. Place it, then try again.",
);
pub const CARD_REMOVED: Text = text(
    "Kartu dicabut saat dibaca — tempelkan kembali lalu coba lagi",
    "The card was removed while reading — place it back and try again",
);
pub const CARD_NOT_GENUINE: Text = text("Kartu tidak asli", "The card is not genuine");
pub const CARD_NOT_GENUINE_HINT: Text = text(
    "Autentikasi chip gagal (kartu tiruan atau asing). Jangan terima kartu ini sebagai bukti identitas; laporkan ke supervisor.",
    "Chip authentication failed (a clone or a foreign card). Do not accept it as proof of identity; report it to your supervisor.",
);
pub const CARD_TAMPERED: Text = text("Data kartu telah diubah", "The card's data has been altered");
pub const CARD_TAMPERED_HINT: Text = text(
    "Tanda tangan penerbit atas data chip tidak sah. Jangan terima kartu ini; laporkan ke supervisor.",
    "The issuer's signature over the chip data does not verify. Do not accept this card; report it to your supervisor.",
);
pub const CARD_UNSUPPORTED: Text =
    text("Kartu ini bukan KTP-el yang dikenali.", "This card is not a recognised KTP-el.");
pub const CARD_ERROR: Text = text(
    "Komunikasi dengan kartu atau SAM gagal. Coba lagi; bila berulang, hubungi TI.",
    "Communication with the card or SAM failed. Try again; if it keeps happening, contact IT.",
);
pub const CARD_BAD_STATE: Text = text(
    "Pembaca sedang menjalankan pembacaan lain. Tunggu sebentar.",
    "The reader is busy with another read. Wait a moment.",
);
pub const CARD_NONCE_REFUSED: Text = text(
    "Aplikasi pembaca menolak izin baca dari Padan (kedaluwarsa atau sudah dipakai). Klik Baca lagi; bila berulang, periksa jam komputer atau hubungi TI.",
    "The reader app refused Padan's read permit (expired or already used). Click Read again; if it keeps happening, check the computer's clock or contact IT.",
);
pub const CARD_FIELDS_NOT_GRANTED: Text = text(
    "Aplikasi pembaca menolak membaca data yang tidak diizinkan Padan untuk pembacaan ini. Hubungi TI.",
    "The reader app refused to read data Padan does not permit for this read. Contact IT.",
);
pub const CARD_INTERNAL: Text = text(
    "Aplikasi pembaca mengalami kesalahan. Coba lagi; bila berulang, hubungi TI.",
    "The reader app failed. Try again; if it keeps happening, contact IT.",
);
pub const CARD_RESULT_TITLE: Text = text("Hasil pembacaan KTP-el", "KTP-el read result");
pub const CARD_GENUINE: Text = text(
    "Kartu asli: chip dan datanya dibuktikan oleh SAM terdaftar.",
    "Genuine card: the chip and its data are proven by a registered SAM.",
);
pub const CARD_DATA_TITLE: Text = text("Data pada chip", "Data on the chip");
pub const CARD_DUKCAPIL_TITLE: Text = text("Pencocokan dengan Dukcapil", "Match with Dukcapil");
pub const CARD_PHOTO_ALT: Text = text("Foto wajah dari chip KTP-el", "Face photo from the KTP-el chip");
pub const CARD_READER_LINE: Text = text("Pembaca", "Reader");
