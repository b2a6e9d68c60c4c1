//! Synthetic but real images for the card: a passport-style face photo and a
//! handwritten-looking signature, drawn from a byte stream and encoded as
//! baseline JPEG by `jpeg-encoder`.

use jpeg_encoder::{ColorType, Encoder};

use crate::crypto::sha256;

/// Photo size in pixels (3:4, like the card's photo area).
pub const PHOTO_W: u16 = 120;
pub const PHOTO_H: u16 = 160;
pub const SIGNATURE_W: u16 = 200;
pub const SIGNATURE_H: u16 = 64;

/// A deterministic byte stream (SHA-256 in counter mode) for drawing parameters.
pub(crate) struct Stream {
    seed: [u8; 32],
    counter: u32,
    buf: [u8; 32],
    pos: usize,
}

impl Stream {
    pub(crate) fn new(parts: &[&[u8]]) -> Stream {
        Stream { seed: sha256(parts), counter: 0, buf: [0; 32], pos: 32 }
    }

    pub(crate) fn byte(&mut self) -> u8 {
        if self.pos == 32 {
            self.buf = sha256(&[&self.seed, &self.counter.to_be_bytes()]);
            self.counter += 1;
            self.pos = 0;
        }
        self.pos += 1;
        self.buf[self.pos - 1]
    }

    pub(crate) fn range(&mut self, lo: i32, hi: i32) -> i32 {
        lo + i32::from(self.byte()) * (hi - lo) / 255
    }
}

fn encode(pixels: &[u8], w: u16, h: u16, color: ColorType) -> Vec<u8> {
    let mut out = Vec::new();
    // Encoding into a Vec cannot fail for valid dimensions.
    if Encoder::new(&mut out, 75).encode(pixels, w, h, color).is_err() {
        out.clear();
    }
    out
}

fn inside_ellipse(x: i32, y: i32, cx: i32, cy: i32, rx: i32, ry: i32) -> bool {
    let dx = (x - cx) as i64;
    let dy = (y - cy) as i64;
    dx * dx * (ry as i64 * ry as i64) + dy * dy * (rx as i64 * rx as i64) <= (rx as i64 * ry as i64).pow(2)
}

/// A face on a red or blue background (the two KTP-el photo backgrounds).
pub fn face_jpeg(key: &[u8]) -> Vec<u8> {
    let mut s = Stream::new(&[b"face", key]);
    let (w, h) = (i32::from(PHOTO_W), i32::from(PHOTO_H));
    let bg: [u8; 3] = if s.byte() & 1 == 0 { [200, 30, 40] } else { [40, 80, 190] };
    let tone = s.range(0, 90) as u8;
    let skin = [235 - tone, 200 - tone, 170 - tone.min(120)];
    let hair_v = s.range(10, 70) as u8;
    let hair = [hair_v, hair_v / 2 + 10, hair_v / 3 + 5];
    let shirt_v = s.range(20, 230) as u8;
    let shirt = [shirt_v, 255 - shirt_v / 2, 120];
    let (cx, cy) = (w / 2 + s.range(-4, 4), 68 + s.range(-4, 4));
    let (rx, ry) = (s.range(30, 38), s.range(40, 48));
    let eye_dy = s.range(-6, 2);
    let mouth_w = s.range(8, 14);
    let mut px = vec![0u8; (w * h * 3) as usize];
    for y in 0..h {
        for x in 0..w {
            let mut c = bg;
            if inside_ellipse(x, y, cx, h + 20, 62, 50) {
                c = shirt;
            }
            if (cx - 12..cx + 12).contains(&x)
                && (cy + ry - 8..h).contains(&y)
                && !inside_ellipse(x, y, cx, h + 20, 62, 50)
            {
                c = skin;
            }
            if inside_ellipse(x, y, cx, cy - 10, rx + 5, ry - 4) && y < cy - 6 {
                c = hair;
            }
            if inside_ellipse(x, y, cx, cy, rx, ry)
                && !(y < cy - ry / 2 && inside_ellipse(x, y, cx, cy - 14, rx + 4, ry - 18))
            {
                c = skin;
            }
            for ex in [cx - rx / 2 + 2, cx + rx / 2 - 2] {
                if inside_ellipse(x, y, ex, cy + eye_dy, 6, 3) {
                    c = [250, 250, 250];
                }
                if inside_ellipse(x, y, ex, cy + eye_dy, 2, 2) {
                    c = [30, 20, 15];
                }
                if (ex - 7..ex + 7).contains(&x) && y == cy + eye_dy - 8 {
                    c = hair;
                }
            }
            if x == cx && (cy + 2..cy + 14).contains(&y) {
                c = [skin[0].saturating_sub(40), skin[1].saturating_sub(40), skin[2].saturating_sub(40)];
            }
            if (cx - mouth_w..cx + mouth_w).contains(&x) && (cy + 22..cy + 25).contains(&y) {
                c = [150, 50, 60];
            }
            let i = ((y * w + x) * 3) as usize;
            px[i..i + 3].copy_from_slice(&c);
        }
    }
    encode(&px, PHOTO_W, PHOTO_H, ColorType::Rgb)
}

/// A signature-like stroke (a few damped sine loops) on white, grayscale.
pub fn signature_jpeg(key: &[u8]) -> Vec<u8> {
    let mut s = Stream::new(&[b"signature", key]);
    let (w, h) = (i32::from(SIGNATURE_W), i32::from(SIGNATURE_H));
    let mut px = vec![255u8; (w * h) as usize];
    let loops = s.range(3, 7) as f32;
    let amp = s.range(12, 24) as f32;
    let slant = s.range(-8, 8) as f32 / 10.0;
    let phase = f32::from(s.byte()) / 40.0;
    let mut t = 0.0f32;
    while t < 1.0 {
        let x = 12.0 + t * (w as f32 - 24.0) + slant * amp * (t * loops * std::f32::consts::TAU + phase).cos();
        let y = h as f32 / 2.0 + amp * (1.0 - t * 0.6) * (t * loops * std::f32::consts::TAU + phase).sin();
        for dy in -1..=1 {
            for dx in -1..=1 {
                let (px_x, px_y) = (x as i32 + dx, y as i32 + dy);
                if (0..w).contains(&px_x) && (0..h).contains(&px_y) {
                    px[(px_y * w + px_x) as usize] = 20;
                }
            }
        }
        t += 0.0008;
    }
    encode(&px, SIGNATURE_W, SIGNATURE_H, ColorType::Luma)
}

impl std::fmt::Debug for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Stream(..)")
    }
}
