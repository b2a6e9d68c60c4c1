//! Faces: determinism, size, and the matcher's three bands over many persons.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::OnceLock;
use std::time::Instant;

use padan_sim_dukcapil::Population;
use padan_sim_dukcapil::face::{
    FACE_HEIGHT, FACE_WIDTH, FaceSignature, decode_jpeg_rgb, encode_jpeg, face_jpeg, face_rgb,
};

fn population() -> &'static Population {
    static POP: OnceLock<Population> = OnceLock::new();
    POP.get_or_init(|| Population::generate(5, 2_000))
}

/// Bilinear resize of packed RGB.
fn resize(rgb: &[u8], w: usize, h: usize, nw: usize, nh: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(nw * nh * 3);
    for y in 0..nh {
        let fy = ((y as f32 + 0.5) * h as f32 / nh as f32 - 0.5).clamp(0.0, (h - 1) as f32);
        let (y0, ty) = (fy.floor() as usize, fy.fract());
        let y1 = (y0 + 1).min(h - 1);
        for x in 0..nw {
            let fx = ((x as f32 + 0.5) * w as f32 / nw as f32 - 0.5).clamp(0.0, (w - 1) as f32);
            let (x0, tx) = (fx.floor() as usize, fx.fract());
            let x1 = (x0 + 1).min(w - 1);
            for c in 0..3 {
                let p = |xx: usize, yy: usize| f32::from(rgb[(yy * w + xx) * 3 + c]);
                let top = p(x0, y0) * (1.0 - tx) + p(x1, y0) * tx;
                let bot = p(x0, y1) * (1.0 - tx) + p(x1, y1) * tx;
                out.push((top * (1.0 - ty) + bot * ty).round() as u8);
            }
        }
    }
    out
}

fn crop(rgb: &[u8], w: usize, x0: usize, y0: usize, cw: usize, ch: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(cw * ch * 3);
    for y in y0..y0 + ch {
        out.extend_from_slice(&rgb[(y * w + x0) * 3..(y * w + x0 + cw) * 3]);
    }
    out
}

fn brighten(rgb: &[u8], k: f32) -> Vec<u8> {
    rgb.iter().map(|v| (f32::from(*v) * k).round().clamp(0.0, 255.0) as u8).collect()
}

/// The light alterations a real re-upload might apply, each as a JPEG.
fn altered(jpeg: &[u8], i: usize) -> Vec<(&'static str, Vec<u8>)> {
    let (rgb, w, h) = decode_jpeg_rgb(jpeg).unwrap();
    let enc = |px: &[u8], w: usize, h: usize, q: u8| encode_jpeg(px, w as u16, h as u16, q);
    let grow = if i % 2 == 0 { 1.2 } else { 0.8 };
    let (gw, gh) = ((w as f32 * grow) as usize, (h as f32 * grow) as usize);
    let k = if i % 2 == 0 { 1.1 } else { 0.9 };
    let (dx, dy) = (w * 3 / 100, h * 3 / 100);
    vec![
        ("requality", enc(&rgb, w, h, if i % 2 == 0 { 60 } else { 95 })),
        ("resize", enc(&resize(&rgb, w, h, gw, gh), gw, gh, 85)),
        ("brightness", enc(&brighten(&rgb, k), w, h, 85)),
        ("crop-centre", enc(&crop(&rgb, w, dx, dy, w - 2 * dx, h - 2 * dy), w - 2 * dx, h - 2 * dy, 85)),
        ("crop-corner", enc(&crop(&rgb, w, 0, dy, w - dx, h - dy), w - dx, h - dy, 85)),
    ]
}

#[test]
fn faces_are_deterministic_small_and_distinct() {
    let pop = population();
    let p = pop.sample(0, 1).next().unwrap();
    let t = Instant::now();
    let a = face_jpeg(p);
    eprintln!("one face (draw + encode) in {:?}, {} bytes", t.elapsed(), a.len());
    assert_eq!(a, face_jpeg(p), "deterministic");
    assert!(a.starts_with(&[0xFF, 0xD8]), "a JPEG");
    assert!(a.len() <= 30 * 1024, "{} bytes", a.len());
    let (rgb, w, h) = decode_jpeg_rgb(&a).unwrap();
    assert_eq!((w, h), (usize::from(FACE_WIDTH), usize::from(FACE_HEIGHT)));
    assert_eq!(rgb.len(), w * h * 3);
    assert_eq!(face_rgb(p).len(), w * h * 3);
}

#[test]
fn match_bands_over_200_persons() {
    let pop = population();
    let persons: Vec<_> = pop.sample(0, 201).collect();
    let t = Instant::now();
    let jpegs: Vec<Vec<u8>> = persons.iter().map(|p| face_jpeg(p)).collect();
    let gen_time = t.elapsed();
    let t = Instant::now();
    let sigs: Vec<FaceSignature> = jpegs.iter().map(|j| FaceSignature::from_jpeg(j).unwrap()).collect();
    let sig_time = t.elapsed();
    eprintln!("201 faces: generated in {gen_time:?}, signatures in {sig_time:?}");
    let mut worst_same = f64::MAX;
    let mut worst_altered = (f64::MAX, "");
    let mut worst_other = f64::MIN;
    let mut others = Vec::new();
    for i in 0..200 {
        let same = sigs[i].score(&FaceSignature::from_jpeg(&jpegs[i]).unwrap());
        worst_same = worst_same.min(same);
        let other = sigs[i].score(&sigs[i + 1]);
        others.push(other);
        worst_other = worst_other.max(other);
        // Also against a far-away person.
        let far = sigs[i].score(&sigs[(i + 97) % 201]);
        worst_other = worst_other.max(far);
        if i % 4 == 0 {
            for (what, j) in altered(&jpegs[i], i) {
                let s = FaceSignature::from_jpeg(&j).unwrap().score(&sigs[i]);
                if s < worst_altered.0 {
                    worst_altered = (s, what);
                }
            }
        }
    }
    others.sort_by(f64::total_cmp);
    eprintln!(
        "same ≥ {worst_same}, altered ≥ {worst_altered:?}, other ≤ {worst_other} (median {}, p95 {})",
        others[100], others[190]
    );
    assert!(worst_same >= 95.0);
    assert!(worst_altered.0 >= 85.0, "{worst_altered:?}");
    assert!(worst_other <= 40.0);
}
