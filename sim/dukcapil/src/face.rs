//! Deterministic synthetic face photos, and the face matcher behind `CALL_FR`.
//!
//! Every person has a passport-style portrait ([`FACE_WIDTH`] × [`FACE_HEIGHT`]
//! JPEG) drawn from parameters derived from the NIK, sex and age only: skin
//! tone, face shape and position, eyes, brows, nose, mouth, hair style and
//! colour (or a hijab), clothes, glasses, beard and a lit background. The
//! same NIK always gives the same bytes; two persons' portraits differ a lot.
//!
//! The matcher is deliberately simple and honest: decode → grey → box-average
//! onto a 48 × 64 grid → band-pass (difference of Gaussians, σ 1.5 and 6
//! cells) → sample a [`GRID_W`] × [`GRID_H`] grid → zero mean, unit variance
//! → Pearson correlation `r`, maximised over small zooms (±6 %) and shifts
//! (±4 %) of the probe; the score is `100 · max(r, 0)⁴`. Re-encoding,
//! resizing, a ±10 % brightness change or a crop of a few per cent barely
//! move `r`; another person's portrait scores low because the generator
//! varies face placement, size, features, hair and clothes, and the
//! band-pass drops the broad layout all portraits share.

use std::fmt;

use padan_protocol::validate::Sex;
use zune_jpeg::JpegDecoder;
use zune_jpeg::zune_core::colorspace::ColorSpace;
use zune_jpeg::zune_core::options::DecoderOptions;

use crate::population::Person;
use crate::rng::Rng;

/// Portrait width in pixels.
pub const FACE_WIDTH: u16 = 240;
/// Portrait height in pixels.
pub const FACE_HEIGHT: u16 = 320;
/// JPEG quality of the stored portraits.
pub const FACE_JPEG_QUALITY: u8 = 85;
/// Matcher grid width (cells).
pub const GRID_W: usize = 24;
/// Matcher grid height (cells).
pub const GRID_H: usize = 32;
/// Smallest image side the matcher accepts.
pub const MIN_SIDE: usize = 48;
/// Largest image side the matcher accepts.
pub const MAX_SIDE: usize = 4096;

/// Why an image cannot be matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaceError {
    /// Not a decodable JPEG.
    Decode(String),
    /// Smaller than [`MIN_SIDE`] or larger than [`MAX_SIDE`] on a side.
    Size { width: usize, height: usize },
    /// No contrast at all (a blank image).
    Flat,
}

impl fmt::Display for FaceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Decode(e) => write!(f, "not a decodable JPEG: {e}"),
            Self::Size { width, height } => write!(f, "image size {width}x{height} out of range"),
            Self::Flat => write!(f, "blank image"),
        }
    }
}

impl std::error::Error for FaceError {}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Rgb(f32, f32, f32);

impl Rgb {
    fn scale(self, k: f32) -> Rgb {
        Rgb(self.0 * k, self.1 * k, self.2 * k)
    }
    fn mix(self, o: Rgb, t: f32) -> Rgb {
        let t = t.clamp(0.0, 1.0);
        Rgb(self.0 + (o.0 - self.0) * t, self.1 + (o.1 - self.1) * t, self.2 + (o.2 - self.2) * t)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hair {
    Bald,
    Short,
    Quiff,
    Bob,
    Long,
    Hijab,
}

/// Everything that makes one portrait.
#[derive(Debug, Clone)]
struct FaceParams {
    bg0: Rgb,
    bg1: Rgb,
    bg_cos: f32,
    bg_sin: f32,
    spot: (f32, f32, f32, f32),
    waves: [(f32, f32, f32, f32); 3],
    cx: f32,
    cy: f32,
    a: f32,
    b: f32,
    jaw: f32,
    skin: Rgb,
    hair: Hair,
    hair_color: Rgb,
    hair_line: f32,
    hair_len: f32,
    hair_wide: f32,
    hair_part: f32,
    fringe: f32,
    shirt: Rgb,
    shirt_dx: f32,
    shoulder: f32,
    collar: Rgb,
    eye_y: f32,
    eye_dx: f32,
    eye_rx: f32,
    eye_ry: f32,
    iris: Rgb,
    brow_gap: f32,
    brow_len: f32,
    brow_th: f32,
    brow_tilt: f32,
    brow_arch: f32,
    nose_y: f32,
    nose_w: f32,
    mouth_y: f32,
    mouth_w: f32,
    mouth_h: f32,
    smile: f32,
    lips: Rgb,
    glasses: Option<(f32, Rgb)>,
    mustache: bool,
    beard: f32,
}

/// FNV-1a over the NIK, so every NIK has its own stream whatever the seed.
fn seed_for(nik: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in nik.trim().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^ 0x000F_ACE0_FD0C_CA71
}

fn hue_color(r: &mut Rng, luma: f32, saturation: f32) -> Rgb {
    let h = r.uniform(0.0, 6.0);
    let c = saturation;
    let x = c * (1.0 - ((h % 2.0) - 1.0).abs());
    let (r1, g1, b1) = match h as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    // Shift so the luma comes out as asked.
    let l = 0.299 * r1 + 0.587 * g1 + 0.114 * b1;
    let m = luma - l * 255.0;
    Rgb(r1 * 255.0 + m, g1 * 255.0 + m, b1 * 255.0 + m)
}

fn params(nik: &str, sex: Sex, age: u32) -> FaceParams {
    let mut r = Rng::new(seed_for(nik));
    let w = f32::from(FACE_WIDTH);
    let h = f32::from(FACE_HEIGHT);
    // Background: a strong gradient in a random direction between two
    // independent colours, plus a soft light spot.
    let l0 = r.uniform(40.0, 215.0);
    let l1 = l0 + r.uniform(-70.0, 70.0);
    let s0 = r.uniform(0.0, 0.4);
    let bg0 = hue_color(&mut r, l0, s0);
    let s1 = r.uniform(0.0, 0.4);
    let bg1 = hue_color(&mut r, l1.clamp(20.0, 240.0), s1);
    let theta = r.uniform(0.0, std::f32::consts::TAU);
    let spot = (r.uniform(0.0, w), r.uniform(0.0, h), r.uniform(50.0, 120.0), r.uniform(-70.0, 70.0));
    // A mottled studio backdrop: a few soft waves in random directions.
    let waves = std::array::from_fn(|_| {
        let dir = r.uniform(0.0, std::f32::consts::TAU);
        let k = std::f32::consts::TAU / r.uniform(45.0, 130.0);
        (dir.cos() * k, dir.sin() * k, r.uniform(0.0, std::f32::consts::TAU), r.uniform(12.0, 30.0))
    });

    let cx = w / 2.0 + r.uniform(-28.0, 28.0);
    let cy = h * 0.44 + r.uniform(-24.0, 24.0);
    let a = r.uniform(50.0, 72.0);
    let b = a * r.uniform(1.18, 1.45);
    let jaw = r.uniform(0.05, 0.45);

    let tone = r.unit();
    let skin = Rgb(240.0, 205.0, 175.0).mix(Rgb(105.0, 68.0, 45.0), tone);

    let hair = match sex {
        Sex::Male => r.weighted(&[(10, Hair::Bald), (45, Hair::Short), (30, Hair::Quiff), (15, Hair::Bob)]),
        Sex::Female => r.weighted(&[(45, Hair::Hijab), (25, Hair::Long), (20, Hair::Bob), (10, Hair::Short)]),
    };
    let grey = age >= 55 && r.chance(60);
    let hair_color = if hair == Hair::Hijab {
        let l = r.uniform(15.0, 245.0);
        let s = r.uniform(0.05, 0.5);
        hue_color(&mut r, l, s)
    } else if grey {
        let g = r.uniform(150.0, 215.0);
        Rgb(g, g, g * 0.97)
    } else {
        let l = if r.chance(25) { r.uniform(60.0, 120.0) } else { r.uniform(12.0, 60.0) };
        Rgb(l * 1.2, l, l * 0.8)
    };
    let shirt_l = r.uniform(15.0, 245.0);
    let shirt_s = r.uniform(0.0, 0.45);
    let shirt = hue_color(&mut r, shirt_l, shirt_s);
    let collar = if r.chance(50) { Rgb(245.0, 245.0, 240.0) } else { shirt.scale(0.7) };

    let eye_rx = r.uniform(9.0, 14.0);
    let glasses = r.chance(20).then(|| {
        let l = r.uniform(10.0, 90.0);
        (r.uniform(2.5, 5.0), Rgb(l, l * 0.9, l * 0.8))
    });
    let mustache = sex == Sex::Male && age >= 20 && r.chance(35);
    let beard = if sex == Sex::Male && age >= 20 && r.chance(25) { r.uniform(0.4, 0.9) } else { 0.0 };
    FaceParams {
        bg0,
        bg1,
        bg_cos: theta.cos(),
        bg_sin: theta.sin(),
        spot,
        waves,
        cx,
        cy,
        a,
        b,
        jaw,
        skin,
        hair,
        hair_color,
        hair_line: r.uniform(0.3, 0.62),
        hair_len: r.uniform(0.1, 1.3),
        hair_wide: r.uniform(1.12, 1.5),
        hair_part: r.uniform(-0.3, 0.3),
        fringe: r.uniform(-0.25, 0.25),
        shirt,
        shirt_dx: r.uniform(-15.0, 15.0),
        shoulder: r.uniform(95.0, 135.0),
        collar,
        eye_y: cy - b * r.uniform(0.02, 0.2),
        eye_dx: a * r.uniform(0.36, 0.5),
        eye_rx,
        eye_ry: eye_rx * r.uniform(0.38, 0.62),
        iris: Rgb(r.uniform(30.0, 90.0), r.uniform(20.0, 55.0), r.uniform(10.0, 35.0)),
        brow_gap: r.uniform(9.0, 18.0),
        brow_len: r.uniform(14.0, 22.0),
        brow_th: r.uniform(2.5, 6.0),
        brow_tilt: r.uniform(-0.3, 0.3),
        brow_arch: r.uniform(-2.0, 6.0),
        nose_y: cy + b * r.uniform(0.18, 0.35),
        nose_w: a * r.uniform(0.12, 0.22),
        mouth_y: cy + b * r.uniform(0.5, 0.66),
        mouth_w: a * r.uniform(0.3, 0.5),
        mouth_h: r.uniform(3.5, 9.0),
        smile: r.uniform(-3.0, 8.0),
        lips: skin.mix(Rgb(150.0, 50.0, 60.0), r.uniform(0.35, 0.8)),
        glasses,
        mustache,
        beard,
    }
}

fn in_ellipse(x: f32, y: f32, cx: f32, cy: f32, rx: f32, ry: f32) -> f32 {
    let dx = (x - cx) / rx;
    let dy = (y - cy) / ry;
    dx * dx + dy * dy
}

impl FaceParams {
    /// The face outline test: < 1 inside, with the jaw narrowing the chin.
    fn face_d(&self, x: f32, y: f32) -> f32 {
        let dy = (y - self.cy) / self.b;
        let narrow = 1.0 - self.jaw * dy.max(0.0).powi(2);
        let dx = (x - self.cx) / (self.a * narrow);
        dx * dx + dy * dy
    }

    fn pixel(&self, x: f32, y: f32) -> Rgb {
        let (w, h) = (f32::from(FACE_WIDTH), f32::from(FACE_HEIGHT));
        // Background.
        let t = ((x - w / 2.0) * self.bg_cos + (y - h / 2.0) * self.bg_sin) / 220.0 + 0.5;
        let mut c = self.bg0.mix(self.bg1, t);
        let (sx, sy, sr, sk) = self.spot;
        let sd = in_ellipse(x, y, sx, sy, sr, sr);
        if sd < 1.0 {
            let k = sk * (1.0 - sd);
            c = Rgb(c.0 + k, c.1 + k, c.2 + k);
        }
        let k: f32 = self.waves.iter().map(|(kx, ky, ph, amp)| amp * (kx * x + ky * y + ph).cos()).sum();
        c = Rgb(c.0 + k, c.1 + k, c.2 + k);
        let (cx, cy, a, b) = (self.cx, self.cy, self.a, self.b);

        // Long hair behind the head.
        if self.hair == Hair::Long
            && y > cy - b * 0.9
            && y < cy + b * self.hair_len
            && in_ellipse(x, y, cx + a * self.hair_part * 0.3, cy + b * 0.3, a * self.hair_wide, b * 1.4) < 1.0
        {
            c = self.hair_color;
        }
        // Body and shoulders.
        let body_top = cy + b * 1.05;
        let bx = cx + self.shirt_dx;
        if y > body_top && in_ellipse(x, y, bx, h + 60.0, self.shoulder, h + 60.0 - body_top) < 1.0 {
            c = self.shirt;
            // Collar: a V under the neck.
            let v = (x - cx).abs();
            if y < body_top + 45.0 && v < (y - body_top) * 0.6 + 4.0 && v > (y - body_top) * 0.6 - 8.0 {
                c = self.collar;
            }
        }
        // Neck.
        if (x - cx).abs() < a * 0.42 && y > cy + b * 0.5 && y < body_top + 30.0 - (x - cx).abs() * 0.4 {
            c = self.skin.scale(0.82);
        }
        if self.hair == Hair::Hijab {
            // Hijab: a hood around the face and a drape over the shoulders.
            let drape_top = cy + b * 0.55;
            let half = a * 1.3 + (y - drape_top).max(0.0) * 0.9;
            if in_ellipse(x, y, cx, cy - b * 0.05, a * 1.32, b * 1.28) < 1.0
                || (y > drape_top && (x - cx).abs() < half && y < h)
            {
                let fold = 0.93 + 0.07 * ((x - cx) * 0.08).sin();
                c = self.hair_color.scale(fold);
            }
        } else {
            // Ears.
            for side in [-1.0f32, 1.0] {
                if in_ellipse(x, y, cx + side * a * 0.97, self.eye_y + b * 0.12, a * 0.17, b * 0.2) < 1.0 {
                    c = self.skin.scale(0.88);
                }
            }
        }
        // The face, shaded towards its rim.
        let fd = self.face_d(x, y);
        let opening = self.hair != Hair::Hijab || in_ellipse(x, y, cx, cy + b * 0.02, a * 0.93, b * 0.98) < 1.0;
        if fd < 1.0 && opening {
            c = self.skin.scale(1.0 - 0.2 * fd * fd);
            // Beard: the lower face darkens towards the hair colour.
            if self.beard > 0.0 && y > self.nose_y + 8.0 && fd > 0.25 {
                c = c.mix(self.hair_color, self.beard * ((fd - 0.25) / 0.75).sqrt());
            }
        }
        // Hair on top.
        match self.hair {
            Hair::Short | Hair::Quiff | Hair::Bob | Hair::Long => {
                let line = cy - b * self.hair_line + self.fringe * (x - cx - a * self.hair_part);
                let cap = in_ellipse(x, y, cx, cy - b * 0.12, a * 1.1, b * 1.02) < 1.0;
                let quiff =
                    self.hair == Hair::Quiff && in_ellipse(x, y, cx - a * 0.2, cy - b * 0.95, a * 0.8, b * 0.3) < 1.0;
                let sides = matches!(self.hair, Hair::Bob | Hair::Long)
                    && y < cy + b * 0.35
                    && in_ellipse(x, y, cx, cy - b * 0.05, a * 1.2, b * 1.1) < 1.0
                    && (x - cx).abs() > a * 0.82;
                if (cap && y < line) || quiff || sides {
                    c = self.hair_color;
                }
            }
            Hair::Bald => {
                // A thin fringe of hair above the ears.
                if fd > 0.8 && fd < 1.15 && y < self.eye_y && y > cy - b * 0.55 && (x - cx).abs() > a * 0.75 {
                    c = self.hair_color;
                }
            }
            Hair::Hijab => {}
        }
        self.features(x, y, c)
    }

    fn features(&self, x: f32, y: f32, mut c: Rgb) -> Rgb {
        let (cx, a) = (self.cx, self.a);
        let dark = Rgb(25.0, 18.0, 15.0);
        for side in [-1.0f32, 1.0] {
            let ex = cx + side * self.eye_dx;
            // Eye: white, iris, pupil, upper lid.
            let ed = in_ellipse(x, y, ex, self.eye_y, self.eye_rx, self.eye_ry);
            if ed < 1.0 {
                c = Rgb(235.0, 232.0, 225.0);
                let ir = self.eye_ry * 0.95;
                let id = in_ellipse(x, y, ex, self.eye_y, ir, ir);
                if id < 1.0 {
                    c = if id < 0.3 { dark } else { self.iris };
                }
                if y < self.eye_y - self.eye_ry * 0.6 {
                    c = dark;
                }
            } else if ed < 1.35 && y < self.eye_y {
                c = c.scale(0.75);
            }
            // Brow: a tilted, arched bar.
            let by = self.eye_y - self.eye_ry - self.brow_gap;
            let u = x - ex;
            let tilt = self.brow_tilt * side;
            let v = y - by - u * tilt + self.brow_arch * (1.0 - (u / self.brow_len).powi(2));
            if (u / self.brow_len).abs() < 1.0 && v.abs() < self.brow_th {
                c = self.hair_color.mix(dark, 0.5);
            }
            // Glasses.
            if let Some((th, frame)) = self.glasses {
                let gr = self.eye_rx * 1.55;
                let d = ((x - ex).powi(2) + (y - self.eye_y).powi(2)).sqrt();
                if (d - gr).abs() < th {
                    c = frame;
                }
            }
            // Nostril.
            if in_ellipse(x, y, cx + side * self.nose_w * 0.6, self.nose_y, self.nose_w * 0.35, 3.0) < 1.0 {
                c = c.scale(0.55);
            }
        }
        if let Some((th, frame)) = self.glasses {
            let gr = self.eye_rx * 1.55;
            if (x - cx).abs() < self.eye_dx - gr && (y - self.eye_y + 2.0).abs() < th * 0.8 {
                c = frame;
            }
        }
        // Nose: a shaded ridge on one side.
        let ny0 = self.eye_y + 6.0;
        if y > ny0 && y < self.nose_y && (x - (cx + self.nose_w * 0.5)).abs() < 2.5 + (y - ny0) * 0.08 {
            c = c.scale(0.82);
        }
        // Mustache.
        if self.mustache
            && in_ellipse(x, y, cx, self.mouth_y - self.mouth_h - 4.0, self.mouth_w * 1.05, 5.0 + a * 0.03) < 1.0
        {
            c = self.hair_color.mix(dark, 0.3);
        }
        // Mouth: lips bent by the smile, a dark line between them.
        let u = (x - cx) / self.mouth_w;
        if u.abs() < 1.0 {
            let curve = self.smile * (1.0 - u * u);
            let v = y - self.mouth_y - curve * 0.5 + self.smile * 0.5;
            let half = self.mouth_h * (1.0 - u * u).sqrt();
            if v.abs() < half {
                c = if v.abs() < 1.2 { Rgb(70.0, 25.0, 30.0) } else { self.lips };
            }
        }
        c
    }
}

/// The portrait of `person` as packed RGB, [`FACE_WIDTH`] × [`FACE_HEIGHT`].
pub fn face_rgb(person: &Person) -> Vec<u8> {
    face_rgb_for(&person.nik, person.jenis_klmin, person.age())
}

/// The portrait for a NIK, sex and age (what [`face_rgb`] uses).
pub fn face_rgb_for(nik: &str, sex: Sex, age: u32) -> Vec<u8> {
    let p = params(nik, sex, age);
    let (w, h) = (usize::from(FACE_WIDTH), usize::from(FACE_HEIGHT));
    let mut out = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        for x in 0..w {
            let c = p.pixel(x as f32 + 0.5, y as f32 + 0.5);
            out.extend([c.0, c.1, c.2].map(|v| v.round().clamp(0.0, 255.0) as u8));
        }
    }
    out
}

/// The portrait of `person` as JPEG bytes (quality [`FACE_JPEG_QUALITY`]),
/// what `CALL_FOTO` and `/_sim/persons/{nik}/face.jpg` serve.
pub fn face_jpeg(person: &Person) -> Vec<u8> {
    encode_jpeg(&face_rgb(person), FACE_WIDTH, FACE_HEIGHT, FACE_JPEG_QUALITY)
}

/// Encodes packed RGB as a baseline JPEG. Panics only if `rgb` is shorter
/// than `width * height * 3`.
pub fn encode_jpeg(rgb: &[u8], width: u16, height: u16, quality: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(usize::from(width) * usize::from(height) / 4);
    let enc = jpeg_encoder::Encoder::new(&mut out, quality.clamp(1, 100));
    if let Err(e) = enc.encode(rgb, width, height, jpeg_encoder::ColorType::Rgb) {
        tracing::error!(error = %e, "JPEG encoding failed");
    }
    out
}

/// Decodes a JPEG to packed RGB: `(rgb, width, height)`.
pub fn decode_jpeg_rgb(jpeg: &[u8]) -> Result<(Vec<u8>, usize, usize), FaceError> {
    decode(jpeg, ColorSpace::RGB)
}

/// Decodes a JPEG to 8-bit grey: `(luma, width, height)`.
pub fn decode_jpeg_gray(jpeg: &[u8]) -> Result<(Vec<u8>, usize, usize), FaceError> {
    decode(jpeg, ColorSpace::Luma)
}

fn decode(jpeg: &[u8], cs: ColorSpace) -> Result<(Vec<u8>, usize, usize), FaceError> {
    let opts = DecoderOptions::default().jpeg_set_out_colorspace(cs).set_max_width(MAX_SIDE).set_max_height(MAX_SIDE);
    let mut d = JpegDecoder::new_with_options(jpeg, opts);
    let px = d.decode().map_err(|e| FaceError::Decode(format!("{e:?}")))?;
    let info = d.info().ok_or_else(|| FaceError::Decode("no image header".into()))?;
    let (w, h) = (usize::from(info.width), usize::from(info.height));
    if w < MIN_SIDE || h < MIN_SIDE {
        return Err(FaceError::Size { width: w, height: h });
    }
    if px.len() < w * h * cs.num_components() {
        return Err(FaceError::Decode("short pixel buffer".into()));
    }
    Ok((px, w, h))
}

/// Resolution of the blurred image the matcher samples from.
const FINE_W: usize = GRID_W * 2;
const FINE_H: usize = GRID_H * 2;
/// Zooms and shifts (fractions of the image) tried when aligning a probe.
const SCALES: [f32; 5] = [0.94, 0.97, 1.0, 1.03, 1.06];
const SHIFTS: [f32; 5] = [-0.04, -0.02, 0.0, 0.02, 0.04];
const SIGMA_FINE: f32 = 1.5;
/// Border cells left out of the correlation (crops and blur edges live there).
const MARGIN: usize = 2;
const SIGMA_COARSE: f32 = 6.0;

/// A face reduced for the matcher: a blurred [`GRID_W`]·2 × [`GRID_H`]·2
/// grey image and its normalised [`GRID_W`] × [`GRID_H`] grid.
#[derive(Clone, PartialEq)]
pub struct FaceSignature {
    fine: Vec<f32>,
    grid: Vec<f32>,
}

impl fmt::Debug for FaceSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FaceSignature(..)")
    }
}

/// Box-averages `gray` (`width` × `height`) onto `gw` × `gh` cells.
fn area_resample(gray: &[u8], width: usize, height: usize, gw: usize, gh: usize) -> Vec<f32> {
    let mut out = vec![0f32; gw * gh];
    for (gy, row) in out.chunks_mut(gw).enumerate() {
        let y0 = gy * height / gh;
        let y1 = ((gy + 1) * height / gh).max(y0 + 1).min(height);
        for (gx, cell) in row.iter_mut().enumerate() {
            let x0 = gx * width / gw;
            let x1 = ((gx + 1) * width / gw).max(x0 + 1).min(width);
            let mut sum = 0u32;
            for y in y0..y1 {
                sum += gray[y * width + x0..y * width + x1].iter().map(|v| u32::from(*v)).sum::<u32>();
            }
            *cell = sum as f32 / ((y1 - y0) * (x1 - x0)).max(1) as f32;
        }
    }
    out
}

/// Separable Gaussian blur with standard deviation `sigma` (cells), edges clamped.
fn blur(img: &[f32], w: usize, h: usize, sigma: f32) -> Vec<f32> {
    let radius = (sigma * 3.0).ceil() as isize;
    let mut kernel: Vec<f32> = (-radius..=radius).map(|i| (-((i * i) as f32) / (2.0 * sigma * sigma)).exp()).collect();
    let total: f32 = kernel.iter().sum();
    kernel.iter_mut().for_each(|k| *k /= total);
    let pass = |src: &[f32], horizontal: bool| {
        let mut dst = vec![0f32; src.len()];
        for y in 0..h {
            for x in 0..w {
                let mut acc = 0.0;
                for (i, k) in kernel.iter().enumerate() {
                    let o = i as isize - radius;
                    let (sx, sy) = if horizontal {
                        ((x as isize + o).clamp(0, w as isize - 1) as usize, y)
                    } else {
                        (x, (y as isize + o).clamp(0, h as isize - 1) as usize)
                    };
                    acc += k * src[sy * w + sx];
                }
                dst[y * w + x] = acc;
            }
        }
        dst
    };
    pass(&pass(img, true), false)
}

/// Band-pass (difference of Gaussians): keeps the face's features and
/// outlines, drops the broad light-versus-dark layout all portraits share.
fn band_pass(img: &[f32], w: usize, h: usize) -> Vec<f32> {
    let fine = blur(img, w, h, SIGMA_FINE);
    let coarse = blur(img, w, h, SIGMA_COARSE);
    fine.iter().zip(&coarse).map(|(f, c)| f - c).collect()
}

/// Samples the grid (less [`MARGIN`] cells on each side) from the fine image, zoomed by `s` about the centre and
/// shifted by `(tx, ty)`, then normalises it; `None` if it is flat.
fn sample_grid(fine: &[f32], s: f32, tx: f32, ty: f32) -> Option<Vec<f32>> {
    let mut grid = Vec::with_capacity(GRID_W * GRID_H);
    for gy in MARGIN..GRID_H - MARGIN {
        let v = 0.5 + ((gy as f32 + 0.5) / GRID_H as f32 - 0.5) * s + ty;
        let fy = (v * FINE_H as f32 - 0.5).clamp(0.0, (FINE_H - 1) as f32);
        let (y0, wy) = (fy as usize, fy.fract());
        let y1 = (y0 + 1).min(FINE_H - 1);
        for gx in MARGIN..GRID_W - MARGIN {
            let u = 0.5 + ((gx as f32 + 0.5) / GRID_W as f32 - 0.5) * s + tx;
            let fx = (u * FINE_W as f32 - 0.5).clamp(0.0, (FINE_W - 1) as f32);
            let (x0, wx) = (fx as usize, fx.fract());
            let x1 = (x0 + 1).min(FINE_W - 1);
            let top = fine[y0 * FINE_W + x0] * (1.0 - wx) + fine[y0 * FINE_W + x1] * wx;
            let bot = fine[y1 * FINE_W + x0] * (1.0 - wx) + fine[y1 * FINE_W + x1] * wx;
            grid.push(top * (1.0 - wy) + bot * wy);
        }
    }
    let n = grid.len() as f32;
    let mean = grid.iter().sum::<f32>() / n;
    let var = grid.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / n;
    if var < 0.05 {
        return None;
    }
    let sd = var.sqrt();
    Some(grid.into_iter().map(|v| (v - mean) / sd).collect())
}

fn pearson(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>() / a.len() as f32
}

impl FaceSignature {
    /// From 8-bit grey pixels (`width * height` of them).
    pub fn from_gray(gray: &[u8], width: usize, height: usize) -> Result<Self, FaceError> {
        if width == 0 || height == 0 || gray.len() < width * height {
            return Err(FaceError::Size { width, height });
        }
        let fine = band_pass(&area_resample(gray, width, height, FINE_W, FINE_H), FINE_W, FINE_H);
        let grid = sample_grid(&fine, 1.0, 0.0, 0.0).ok_or(FaceError::Flat)?;
        Ok(Self { fine, grid })
    }

    /// From JPEG bytes.
    pub fn from_jpeg(jpeg: &[u8]) -> Result<Self, FaceError> {
        let (g, w, h) = decode_jpeg_gray(jpeg)?;
        Self::from_gray(&g, w, h)
    }

    /// Pearson correlation of the two grids as they are, in −1…1.
    pub fn correlation(&self, other: &FaceSignature) -> f32 {
        pearson(&self.grid, &other.grid)
    }

    /// The best correlation of `probe`, zoomed by up to ±6 % and shifted by
    /// up to ±4 %, with this (reference) grid.
    pub fn aligned_correlation(&self, probe: &FaceSignature) -> f32 {
        let try_at = |s: f32, tx: f32, ty: f32| sample_grid(&probe.fine, s, tx, ty).map(|g| pearson(&self.grid, &g));
        let mut best = (self.correlation(probe), 1.0, 0.0, 0.0);
        // A coarse search, then a finer one around the best candidate.
        for s in SCALES {
            for ty in SHIFTS {
                for tx in SHIFTS {
                    if let Some(r) = try_at(s, tx, ty).filter(|r| *r > best.0) {
                        best = (r, s, tx, ty);
                    }
                }
            }
        }
        let (_, s0, tx0, ty0) = best;
        for ds in [-0.015, 0.0, 0.015] {
            for dy in [-0.01, 0.0, 0.01] {
                for dx in [-0.01, 0.0, 0.01] {
                    if let Some(r) = try_at(s0 + ds, tx0 + dx, ty0 + dy).filter(|r| *r > best.0) {
                        best.0 = r;
                    }
                }
            }
        }
        best.0
    }

    /// The match score of `probe` against this reference, 0–100:
    /// `100 · max(r, 0)⁴` of [`Self::aligned_correlation`], rounded to 0.01.
    pub fn score(&self, probe: &FaceSignature) -> f64 {
        let r = f64::from(self.aligned_correlation(probe).clamp(0.0, 1.0));
        (r.powi(4) * 10_000.0).round() / 100.0
    }
}

/// Scores a probe JPEG against a reference JPEG, 0–100.
pub fn match_score(probe: &[u8], reference: &[u8]) -> Result<f64, FaceError> {
    Ok(FaceSignature::from_jpeg(reference)?.score(&FaceSignature::from_jpeg(probe)?))
}

/// A Y4M (YUV4MPEG2, 4:2:0, 25 fps) video of `frames` identical frames of
/// `person`'s portrait, for Chromium's `--use-file-for-fake-video-capture`.
pub fn face_y4m(person: &Person, frames: usize) -> Vec<u8> {
    y4m_from_rgb(&face_rgb(person), usize::from(FACE_WIDTH), usize::from(FACE_HEIGHT), frames)
}

/// Encodes packed RGB (even width and height) as a Y4M 4:2:0 video of
/// `frames` identical frames: BT.601 limited range, chroma averaged over
/// each 2×2 block.
pub fn y4m_from_rgb(rgb: &[u8], width: usize, height: usize, frames: usize) -> Vec<u8> {
    let (cw, ch) = (width.div_ceil(2), height.div_ceil(2));
    let mut y_plane = vec![0u8; width * height];
    let mut u_plane = vec![0u8; cw * ch];
    let mut v_plane = vec![0u8; cw * ch];
    let px = |x: usize, y: usize| {
        let i = (y.min(height - 1) * width + x.min(width - 1)) * 3;
        (f32::from(rgb[i]), f32::from(rgb[i + 1]), f32::from(rgb[i + 2]))
    };
    for y in 0..height {
        for x in 0..width {
            let (r, g, b) = px(x, y);
            y_plane[y * width + x] = (16.0 + 0.257 * r + 0.504 * g + 0.098 * b).round().clamp(16.0, 235.0) as u8;
        }
    }
    for y in 0..ch {
        for x in 0..cw {
            let mut acc = (0.0, 0.0, 0.0);
            for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                let (r, g, b) = px(2 * x + dx, 2 * y + dy);
                acc = (acc.0 + r / 4.0, acc.1 + g / 4.0, acc.2 + b / 4.0);
            }
            let (r, g, b) = acc;
            u_plane[y * cw + x] = (128.0 - 0.148 * r - 0.291 * g + 0.439 * b).round().clamp(16.0, 240.0) as u8;
            v_plane[y * cw + x] = (128.0 + 0.439 * r - 0.368 * g - 0.071 * b).round().clamp(16.0, 240.0) as u8;
        }
    }
    let header = format!("YUV4MPEG2 W{width} H{height} F25:1 Ip A1:1 C420jpeg\n");
    let frame_len = 6 + y_plane.len() + 2 * u_plane.len();
    let mut out = Vec::with_capacity(header.len() + frames * frame_len);
    out.extend_from_slice(header.as_bytes());
    for _ in 0..frames {
        out.extend_from_slice(b"FRAME\n");
        out.extend_from_slice(&y_plane);
        out.extend_from_slice(&u_plane);
        out.extend_from_slice(&v_plane);
    }
    out
}
