//! The shipped digits data: checksum, shape and standardisation (references computed with
//! numpy from the same file, independently of the Rust loader).

use actbif::data::{digits, digits_raw, DIGITS_CSV};

/// FNV-1a 64 of a byte string (the checksum recorded in data/README.md).
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[test]
fn shipped_file_checksum() {
    assert_eq!(DIGITS_CSV.len(), 264_712);
    assert_eq!(fnv1a64(DIGITS_CSV.as_bytes()), 0x0b6d_b7d4_442b_bc5d);
}

#[test]
fn raw_shape_and_classes() {
    let (x, y) = digits_raw().unwrap();
    assert_eq!(x.dim(), (1797, 64));
    assert!(x
        .iter()
        .all(|&v| (0.0..=16.0).contains(&v) && v.fract() == 0.0));
    let mut counts = [0usize; 10];
    for &l in &y {
        counts[l as usize] += 1;
    }
    assert_eq!(counts, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
}

#[test]
fn standardisation() {
    let d = digits().unwrap();
    assert_eq!((d.n_samples(), d.dim()), (1797, 64));
    let n = d.n_samples() as f64;
    // Per-pixel mean 0 and population variance 1, except the constant pixels 0, 32, 39 (→ 0).
    // Sums of 1797 O(1) terms: rounding ≲ 1797·ε ≈ 4e-13.
    for (j, col) in d.x.columns().into_iter().enumerate() {
        let mean = col.sum() / n;
        let var = col.iter().map(|v| v * v).sum::<f64>() / n;
        if [0, 32, 39].contains(&j) {
            assert!(col.iter().all(|&v| v == 0.0), "pixel {j} is constant");
        } else {
            assert!(mean.abs() < 1e-12 && (var - 1.0).abs() < 1e-12, "pixel {j}");
        }
    }
    let ym = d.y.sum() / n;
    let yv = d.y.iter().map(|v| v * v).sum::<f64>() / n;
    assert!(ym.abs() < 1e-12 && (yv - 1.0).abs() < 1e-12);
    // numpy: xs[0,10], xs[5,20], ys[0], ys[1796].
    for (got, want) in [
        (d.x[[0, 10]], 0.482_974_499_251_954_5),
        (d.x[[5, 20]], 1.279_890_876_885_211_5),
        (d.y[0], -1.567_745_840_431_326_3),
        (d.y[1796], 1.225_056_415_087_973_2),
    ] {
        assert!((got - want).abs() <= 1e-13 * want.abs(), "{got} vs {want}");
    }
}
